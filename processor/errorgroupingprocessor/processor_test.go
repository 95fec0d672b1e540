package errorgroupingprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/processor/errorgroupingprocessor/internal/metadata"
)

func TestConfigLoadsEveryKey(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub("errorgrouping/custom")
	if err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.GroupingConfig != "newstyle:2023-01-11" || cfg.Sourcemaps.CacheSizeMiB != 64 || cfg.Sourcemaps.Directory == "" ||
		cfg.Sourcemaps.Extension == nil || cfg.Sourcemaps.Extension.String() != "issuestore" ||
		cfg.ExplanationInterval != 5*time.Minute {
		t.Errorf("config not loaded: %+v", cfg)
	}
}

func TestValidateNamesTheBadRule(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.StackTraceRules = "nonsense:foo +app"
	if err := cfg.Validate(); err == nil {
		t.Fatal("a stack-trace rule with an unknown matcher was accepted")
	}
	cfg = createDefaultConfig().(*Config)
	cfg.GroupingConfig = "newstyle:1999-01-01"
	if err := cfg.Validate(); err == nil {
		t.Fatal("an unknown grouping config was accepted")
	}
}

const nodeEvent = `{"event_id":"%s","platform":"node","level":"error","exception":{"values":[{"type":"TypeError","value":"card declined for order %d","stacktrace":{"frames":[
 {"filename":"/app/server.js","abs_path":"/app/server.js","function":"handle","lineno":10,"colno":3,"in_app":true},
 {"filename":"/app/billing.js","abs_path":"/app/billing.js","function":"chargeCard","lineno":42,"colno":11,"in_app":true}]}}]}}`

func record(t *testing.T, ld plog.Logs, eventJSON string) {
	t.Helper()
	normalized, ev, err := event.Normalize([]byte(eventJSON), event.NormalizeOptions{ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(attrkey.EventID, ev.EventID)
	lr.Attributes().PutStr(attrkey.ProjectID, "1")
	lr.Attributes().PutStr(attrkey.ItemType, "event")
	lr.Attributes().PutStr(attrkey.Event, string(normalized))
}

func TestSameBugWithDifferentOrderIDsGetsOneHash(t *testing.T) {
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), sink)
	if err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	record(t, ld, sprintf(nodeEvent, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 42))
	record(t, ld, sprintf(nodeEvent, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 977))
	plain := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	plain.Body().SetStr("an ordinary OTel log")
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	out := sink.AllLogs()[0]
	var hashes []string
	for i := 0; i < 2; i++ {
		attrs := out.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0).Attributes()
		h, ok := attrs.Get(attrkey.GroupHash)
		if !ok || len(h.Str()) != 32 {
			t.Fatalf("record %d has no group hash: %v", i, attrs.AsRaw())
		}
		hashes = append(hashes, h.Str())
		if title, _ := attrs.Get(attrkey.GroupTitle); title.Str() != "TypeError: card declined for order <int>" && title.Str() == "" {
			t.Errorf("record %d has no title", i)
		}
		if cfg, _ := attrs.Get(attrkey.GroupConfig); cfg.Str() != "newstyle:2026-01-20" {
			t.Errorf("record %d grouped with %q", i, cfg.Str())
		}
	}
	if hashes[0] != hashes[1] {
		t.Errorf("the same bug got two hashes: %v", hashes)
	}
	if _, ok := out.ResourceLogs().At(2).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attrkey.GroupHash); ok {
		t.Error("a plain OTel log was grouped")
	}
}

func TestSymbolicatesFromTheSourcemapDirectory(t *testing.T) {
	dir := t.TempDir()
	// A one-line "minified" file whose map sends column 1..N back to src/app.js line 3.
	rel := filepath.Join(dir, "1", "release", "web@1.0.0", "_", "~", "static")
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	min := "function a(){throw new Error(\"boom\")}a();\n//# sourceMappingURL=app.min.js.map\n"
	sm := `{"version":3,"file":"app.min.js","sources":["src/app.js"],"sourcesContent":["// app\nfunction explode() {\n  throw new Error(\"boom\");\n}\nexplode();\n"],"names":["explode"],"mappings":"AAAA,SAACA,IAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA"}`
	if err := os.WriteFile(filepath.Join(rel, "app.min.js"), []byte(min), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rel, "app.min.js.map"), []byte(sm), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.Sourcemaps.Directory = dir
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	record(t, ld, `{"event_id":"cccccccccccccccccccccccccccccccc","platform":"javascript","release":"web@1.0.0","exception":{"values":[{"type":"Error","value":"boom","stacktrace":{"frames":[{"abs_path":"http://localhost/static/app.min.js","filename":"/static/app.min.js","function":"a","lineno":1,"colno":14}]}}]}}`)
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	raw, _ := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attrkey.Event)
	ev, err := event.Decode([]byte(raw.Str()))
	if err != nil {
		t.Fatal(err)
	}
	f := ev.Exceptions[0].Stacktrace.Frames[0]
	if f.Filename != "src/app.js" || f.Function != "explode" || !strings.Contains(f.Data, `"resolved_with":"release"`) {
		t.Errorf("frame not symbolicated: %+v", f)
	}
	if ev.Exceptions[0].RawStacktrace == nil {
		t.Error("the minified frames were not kept as raw_stacktrace")
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// The sentry receiver shares the typed view of each event it normalized while its pipeline runs
// (event.Share): the processor groups that view and does not parse the text again, and a text
// that is not the shared string itself (another receiver's, a copy) is parsed as before.
func TestGroupsTheSharedViewWithoutParsing(t *testing.T) {
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), createDefaultConfig(), sink)
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := event.Normalize([]byte(sprintf(nodeEvent, "dddddddddddddddddddddddddddddddd", 1)), event.NormalizeOptions{ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// A view that differs from the text shows which one was grouped.
	_, other, err := event.Normalize([]byte(`{"exception":{"values":[{"type":"SharedViewError","value":"v"}]}}`), event.NormalizeOptions{ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	shared := string(text)
	copied := strings.Clone(shared)
	ld := plog.NewLogs()
	for _, s := range []string{shared, copied} {
		lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.Attributes().PutStr(attrkey.ItemType, "event")
		lr.Attributes().PutStr(attrkey.Event, s)
	}
	event.Share(shared, other)
	err = p.ConsumeLogs(context.Background(), ld)
	event.Unshare(shared)
	if err != nil {
		t.Fatal(err)
	}
	if event.Shared(shared) != nil {
		t.Error("the view is still shared after Unshare")
	}
	out := sink.AllLogs()[0]
	for i, want := range []string{"SharedViewError: v", "TypeError: card declined for order 1"} {
		title, _ := out.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get(attrkey.GroupTitle)
		if title.Str() != want {
			t.Errorf("record %d: title %q, want %q", i, title.Str(), want)
		}
	}
}

// BenchmarkNodeEvent groups the reference event (event/testdata/node-error.envelope) as it
// arrives from the sentry receiver, with its typed view shared, and as from any other source,
// parsed from its text: the difference is what the shared view saves per event. With a
// sourcemap directory holding nothing, as most servers' events meet the default config, every
// file of the stack trace adds a js_no_source error to the event.
func BenchmarkNodeEvent(b *testing.B) {
	env, err := os.ReadFile(filepath.Join("..", "..", "internal", "sentry", "event", "testdata", "node-error.envelope"))
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.SplitN(string(env), "\n", 3)
	text, ev, err := event.Normalize([]byte(lines[2]), event.NormalizeOptions{ReceivedAt: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	s := string(text)
	for _, sourcemaps := range []string{"none", "empty directory"} {
		cfg := createDefaultConfig().(*Config)
		if sourcemaps != "none" {
			cfg.Sourcemaps.Directory = b.TempDir()
		}
		p, err := newGroupingProcessor(processortest.NewNopSettings(metadata.Type), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.start(context.Background(), componenttest.NewNopHost()); err != nil {
			b.Fatal(err)
		}
		ld := plog.NewLogs()
		attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
		for _, share := range []bool{true, false} {
			name := "sourcemaps " + sourcemaps + "/parsed"
			if share {
				name = "sourcemaps " + sourcemaps + "/shared"
			}
			b.Run(name, func(b *testing.B) {
				if share {
					event.Share(s, ev)
					defer event.Unshare(s)
				}
				b.ReportAllocs()
				for b.Loop() {
					attrs.Clear()
					attrs.PutStr(attrkey.ItemType, "event")
					attrs.PutStr(attrkey.Event, s)
					if _, err := p.processLogs(context.Background(), ld); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
