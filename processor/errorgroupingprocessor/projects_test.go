package errorgroupingprocessor

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

type definer struct {
	component.StartFunc
	component.ShutdownFunc
	defs []projectdef.Definition
}

func (d definer) Projects() []projectdef.Definition { return d.defs }

func TestTheOTelProjectMustBeOneTheExtensionDefines(t *testing.T) {
	id := component.MustNewID("issuestore")
	h := host{id: definer{defs: []projectdef.Definition{{ID: 1, Slug: "demo"}, {ID: 2, Slug: "web"}}}}
	for _, tt := range []struct {
		project int64
		wantErr string
	}{
		{2, ""},
		{7, `errorgrouping: otel_exceptions::project_id 7 is not a project of extension "issuestore" (it defines 1, 2)`},
	} {
		cfg := createDefaultConfig().(*Config)
		cfg.ProjectsFrom, cfg.OTelExceptions.ProjectID = &id, tt.project
		p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, new(consumertest.LogsSink))
		if err != nil {
			t.Fatal(err)
		}
		err = p.Start(context.Background(), h)
		p.Shutdown(context.Background())
		if (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr))) {
			t.Errorf("project %d: start %v, want %q", tt.project, err, tt.wantErr)
		}
	}
}
