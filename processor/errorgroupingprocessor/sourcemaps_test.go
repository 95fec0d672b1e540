package errorgroupingprocessor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/store"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

// storeExtension stands in for the issuestore extension: a component that provides a store.
type storeExtension struct {
	component.StartFunc
	component.ShutdownFunc
	st store.Store
}

func (e storeExtension) Store() store.Store { return e.st }

type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

const uploadDebugID = "5b2b7f44-4b0b-4c55-9a3e-0cbbf4f8c1d2"

func startWithUploads(t *testing.T, h component.Host) (processor.Logs, *consumertest.LogsSink, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	id := component.MustNewID("issuestore")
	cfg.Sourcemaps.Extension = &id
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	return p, sink, p.Start(context.Background(), h)
}

func TestSymbolicatesFromUploadsOfItsOwnProjectOnly(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "faultline.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	min := "function a(){throw new Error(\"boom\")}a();\n//# debugId=" + uploadDebugID + "\n"
	sm := `{"version":3,"sources":["src/app.js"],"sourcesContent":["// app\nfunction explode() {\n  throw new Error(\"boom\");\n}\nexplode();\n"],"names":["explode"],"mappings":"AAAA,SAACA,IAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA","debugId":"` + uploadDebugID + `"}`
	if err := st.PutBundle(context.Background(), &store.ArtifactBundle{
		Checksum: strings.Repeat("d", 40), Projects: []int64{1}, Created: time.Now(),
		Files: []store.ArtifactFile{
			{Path: "files/_/_/app.min.js", Type: "minified_source", URL: "~/static/app.min.js", DebugID: uploadDebugID, Content: []byte(min)},
			{Path: "files/_/_/app.min.js.map", Type: "source_map", URL: "~/static/app.min.js.map", DebugID: uploadDebugID, Content: []byte(sm)},
		},
	}); err != nil {
		t.Fatal(err)
	}
	p, sink, err := startWithUploads(t, host{component.MustNewID("issuestore"): storeExtension{st: st}})
	if err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	ev := `{"event_id":"%s","platform":"javascript","debug_meta":{"images":[{"type":"sourcemap","code_file":"http://localhost/static/app.min.js","debug_id":"` + uploadDebugID + `"}]},
		"exception":{"values":[{"type":"Error","value":"boom","stacktrace":{"frames":[{"abs_path":"http://localhost/static/app.min.js","filename":"/static/app.min.js","function":"a","lineno":1,"colno":14}]}}]}}`
	record(t, ld, sprintf(ev, "dddddddddddddddddddddddddddddddd"))
	record(t, ld, sprintf(ev, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"))
	ld.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutStr(attrkey.ProjectID, "2")
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	frame := func(i int) event.Frame {
		raw, _ := sink.AllLogs()[0].ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attrkey.Event)
		ev, err := event.Decode([]byte(raw.Str()))
		if err != nil {
			t.Fatal(err)
		}
		return ev.Exceptions[0].Stacktrace.Frames[0]
	}
	if f := frame(0); f.Filename != "src/app.js" || f.Function != "explode" || !strings.Contains(f.Data, `"resolved_with":"debug-id"`) {
		t.Errorf("project 1's frame not symbolicated from its upload: %+v", f)
	}
	if f := frame(1); f.Filename != "/static/app.min.js" {
		t.Errorf("project 2's frame was symbolicated with project 1's upload: %+v", f)
	}
}

func TestStartNamesAMissingExtension(t *testing.T) {
	_, _, err := startWithUploads(t, host{})
	if err == nil || !strings.Contains(err.Error(), `"issuestore" is not configured`) {
		t.Errorf("start without the extension: %v", err)
	}
	_, _, err = startWithUploads(t, host{component.MustNewID("issuestore"): struct {
		component.StartFunc
		component.ShutdownFunc
	}{}})
	if err == nil || !strings.Contains(err.Error(), "not an issuestore extension") {
		t.Errorf("start with another kind of extension: %v", err)
	}
}
