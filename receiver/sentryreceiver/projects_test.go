package sentryreceiver

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/receiver/sentryreceiver/internal/metadata"
)

// definer is an extension that defines projects, as the issuestore extension does.
type definer struct {
	component.StartFunc
	component.ShutdownFunc
	defs []projectdef.Definition
}

func (d definer) Projects() []projectdef.Definition { return d.defs }

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

func TestProjectsAreTakenFromTheExtensionAndMustAgreeWithTheReceivers(t *testing.T) {
	store := component.MustNewID("issuestore")
	host := hostWith{store: definer{defs: []projectdef.Definition{
		{ID: 1, Slug: "demo", Keys: []string{key1}},
		{ID: 2, Slug: "web", Keys: []string{key2}, AllowedOrigins: []string{"https://good.example"}},
	}}}
	tests := []struct {
		name    string
		own     []ProjectConfig
		from    component.ID
		wantErr string
	}{
		{name: "only from the extension"},
		{name: "restated to add a service name", own: []ProjectConfig{{ID: 1, Keys: []string{key1}, ServiceName: "checkout"}}},
		{name: "restated with other keys", own: []ProjectConfig{{ID: 2, Keys: []string{"otherkey"}}},
			wantErr: `sentry receiver: projects[0] (id 2) disagrees with project 2 of extension "issuestore": keys`},
		{name: "a project the extension lacks", own: []ProjectConfig{{ID: 3, Keys: []string{"k3"}}},
			wantErr: `sentry receiver: projects[0] (id 3) is not a project of extension "issuestore"; define it there`},
		{name: "an extension that is not there", from: component.MustNewID("nosuch"),
			wantErr: `sentry receiver: projects_from: extension "nosuch" is not configured`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			cfg.NetAddr.Endpoint = "127.0.0.1:0"
			from := store
			if tt.from != (component.ID{}) {
				from = tt.from
			}
			cfg.ProjectsFrom, cfg.Projects = &from, tt.own
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, new(consumertest.LogsSink))
			if err != nil {
				t.Fatal(err)
			}
			err = r.Start(context.Background(), host)
			t.Cleanup(func() { r.Shutdown(context.Background()) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("start: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rcv := r.(*sharedReceiver).rcv
			if p := rcv.projects.byKey[key2]; p == nil || p.id != "2" || len(p.origins) != 1 {
				t.Errorf("project of %s: %+v, want project 2 with its allowed origin", key2, p)
			}
			if tt.own != nil && rcv.projects.byID["1"].serviceName != "checkout" {
				t.Errorf("service name %q, want the receiver's", rcv.projects.byID["1"].serviceName)
			}
		})
	}
}
