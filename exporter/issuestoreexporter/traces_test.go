package issuestoreexporter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/faultline/faultline/exporter/issuestoreexporter/internal/metadata"
	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/processor/errorgroupingprocessor"
)

func startTracesExporter(t *testing.T, h host) exporter.Traces {
	t.Helper()
	f := NewFactory()
	exp, err := f.CreateTraces(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return exp
}

// pythonTraces is a batch from an OTel Python service: a request that fails with a KeyError in
// the trace given, one that succeeds, and (when other is set) one that fails differently.
func pythonTraces(traceID byte, other bool) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr(attrkey.ServiceName, "billing")
	rs.Resource().Attributes().PutStr(attrkey.ServiceVersion, "billing@4.1.0")
	rs.Resource().Attributes().PutStr(attrkey.DeploymentEnv, "staging")
	rs.Resource().Attributes().PutStr(attrkey.TelemetrySDKLang, "python")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	at := pcommon.NewTimestampFromTime(time.Now())
	failing := func(id byte, name, typ, msg string) {
		span := spans.AppendEmpty()
		span.SetName(name)
		span.SetTraceID(pcommon.TraceID{id, 0xa, 0xb, 0xc, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
		span.SetSpanID(pcommon.SpanID{id, 1, 2, 3, 4, 5, 6, 7})
		se := span.Events().AppendEmpty()
		se.SetName(attrkey.ExceptionEventName)
		se.SetTimestamp(at)
		se.Attributes().PutStr(attrkey.ExceptionType, typ)
		se.Attributes().PutStr(attrkey.ExceptionMessage, msg)
	}
	failing(traceID, "POST /invoices", "KeyError", "'customer_id'")
	spans.AppendEmpty().SetName("GET /health")
	if other {
		failing(traceID+1, "GET /invoices/{id}", "TimeoutError", "database did not answer in 5 s")
	}
	return td
}

func TestExceptionSpanEventsBecomeEventsOfIssues(t *testing.T) {
	ext, h := startExtension(t, "")
	exp := startTracesExporter(t, h)
	pf := errorgroupingprocessor.NewFactory()
	proc, err := pf.CreateTraces(context.Background(), processortest.NewNopSettings(pf.Type()), pf.CreateDefaultConfig(), exp)
	if err != nil {
		t.Fatal(err)
	}
	for _, td := range []ptrace.Traces{pythonTraces(1, true), pythonTraces(9, false), pythonTraces(9, false)} {
		if err := proc.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
	}
	// Without the processor an exception has no Sentry event: skipped, not stored.
	if err := exp.ConsumeTraces(context.Background(), pythonTraces(20, false)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	st := folded(t, ext)
	list := issues(t, st)
	if len(list) != 2 {
		t.Fatalf("%d issues, want 2 (KeyError, TimeoutError)", len(list))
	}
	keyErr := list[0]
	if keyErr.Title != "KeyError: 'customer_id'" || keyErr.TimesSeen != 2 || keyErr.LastRelease != "billing@4.1.0" ||
		keyErr.Platform != "python" || keyErr.Culprit != "POST /invoices" {
		t.Errorf("KeyError issue (the same export twice counts once): %q seen %d, release %s, platform %s, culprit %q",
			keyErr.Title, keyErr.TimesSeen, keyErr.LastRelease, keyErr.Platform, keyErr.Culprit)
	}
	evs, err := st.IssueEvents(context.Background(), keyErr.ID, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	traces := map[string]bool{}
	for _, ev := range evs {
		var payload struct {
			Contexts struct {
				Trace struct {
					TraceID string `json:"trace_id"`
				} `json:"trace"`
			} `json:"contexts"`
			Transaction string     `json:"transaction"`
			Tags        [][]string `json:"tags"`
		}
		if err := json.Unmarshal(ev.Payload, &payload); err != nil {
			t.Fatal(err)
		}
		traces[payload.Contexts.Trace.TraceID] = true
		if ev.Environment != "staging" || payload.Transaction != "POST /invoices" || len(payload.Tags) == 0 {
			t.Errorf("event %s: environment %q, transaction %q, tags %v", ev.EventID, ev.Environment, payload.Transaction, payload.Tags)
		}
	}
	if !traces["010a0b0c0405060708090a0b0c0d0e0f"] || !traces["090a0b0c0405060708090a0b0c0d0e0f"] {
		t.Errorf("KeyError events link traces %v, want both failing requests'", traces)
	}
}

func TestOnlySpansWithExceptionsReachTheQueue(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr(attrkey.ServiceName, "shop")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	spans.AppendEmpty().SetName("GET /")
	failed := spans.AppendEmpty()
	failed.SetName("POST /pay")
	failed.Events().AppendEmpty().SetName(attrkey.ExceptionEventName)
	plain := td.ResourceSpans().AppendEmpty()
	plain.ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("SELECT")

	kept, ok := exceptionSpans(td)
	if !ok || kept.SpanCount() != 1 || kept.ResourceSpans().Len() != 1 {
		t.Fatalf("kept %d spans in %d resources, want the one failed span", kept.SpanCount(), kept.ResourceSpans().Len())
	}
	got := kept.ResourceSpans().At(0)
	if name, _ := got.Resource().Attributes().Get(attrkey.ServiceName); name.Str() != "shop" || got.ScopeSpans().At(0).Spans().At(0).Name() != "POST /pay" {
		t.Errorf("kept the wrong span or lost its resource")
	}
	if _, ok := exceptionSpans(ptrace.NewTraces()); ok {
		t.Error("a batch without exceptions was kept")
	}
}
