// Package compat checks that unmodified Sentry clients — sentry-go, @sentry/node and sentry-cli —
// talk to the otelcol-faultline distribution, and asserts the exact OTel data that comes out.
package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/testbed/harness"
)

const projectKey = "0123456789abcdef0123456789abcdef"

const collectorConfig = `
receivers:
  sentry:
    endpoint: {{SENTRY}}
    projects:
      - id: 7
        slug: compat
        keys: ["` + projectKey + `"]
processors:
  batch:
    timeout: 100ms
exporters:
  otlp_http:
    endpoint: {{SINK}}
    compression: none
    retry_on_failure:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [sentry]
      processors: [batch]
      exporters: [otlp_http]
    traces:
      receivers: [sentry]
      processors: [batch]
      exporters: [otlp_http]
    metrics:
      receivers: [sentry]
      processors: [batch]
      exporters: [otlp_http]
`

// startPipeline runs the distribution: sentry receiver → batch → OTLP/HTTP into a sink.
func startPipeline(t *testing.T) (dsn string, sink *harness.Sink) {
	t.Helper()
	sink = harness.NewSink(t)
	addr := harness.FreeAddr(t)
	harness.StartCollector(t, harness.Fill(collectorConfig, map[string]string{"SENTRY": addr, "SINK": sink.URL}), nil, addr)
	return fmt.Sprintf("http://%s@%s/7", projectKey, addr), sink
}

func findEvent(t *testing.T, sink *harness.Sink, eventID string) harness.LogRecord {
	t.Helper()
	var found harness.LogRecord
	harness.Eventually(t, 20*time.Second, "event "+eventID+" to be exported", func() bool {
		for _, lr := range sink.LogRecords() {
			if v, ok := lr.Record.Attributes().Get(attrkey.EventID); ok && v.Str() == eventID {
				found = lr
				return true
			}
		}
		return false
	})
	return found
}

func str(m pcommon.Map, key string) string {
	v, ok := m.Get(key)
	if !ok {
		return ""
	}
	return v.AsString()
}

func assertEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestSentryGoErrorAndTransactionShareOneTrace(t *testing.T) {
	dsn, sink := startPipeline(t)
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              dsn,
		Release:          "compat-go@1.2.3",
		Environment:      "ci",
		EnableTracing:    true,
		TracesSampleRate: 1.0,
		Transport:        sentry.NewHTTPSyncTransport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.Scope().SetUser(sentry.User{ID: "go-user-1", Email: "ada@example.com"})
	ctx := sentry.SetHubOnContext(context.Background(), hub)
	tx := sentry.StartTransaction(ctx, "GET /checkout")
	span := tx.StartChild("db.query")
	span.Description = "SELECT * FROM orders"
	hub.Scope().SetSpan(span)
	eventID := hub.CaptureException(fmt.Errorf("checkout failed: %w", errors.New("card declined")))
	span.Finish()
	tx.Finish()
	hub.Flush(10 * time.Second)
	if eventID == nil {
		t.Fatal("sentry-go did not send the event")
	}

	rec := findEvent(t, sink, string(*eventID))
	attrs, res := rec.Record.Attributes(), rec.Resource.Attributes()
	assertEqual(t, "exception.type", str(attrs, attrkey.ExceptionType), "*fmt.wrapError")
	assertEqual(t, "exception.message", str(attrs, attrkey.ExceptionMessage), "checkout failed: card declined")
	if st := str(attrs, attrkey.ExceptionStacktrace); !strings.Contains(st, "compat_test.go") {
		t.Errorf("exception.stacktrace does not show the test's frame:\n%s", st)
	}
	assertEqual(t, "severity", rec.Record.SeverityNumber().String(), plog.SeverityNumberError.String())
	assertEqual(t, "event name", rec.Record.EventName(), attrkey.ExceptionEventName)
	assertEqual(t, "service.version", str(res, attrkey.ServiceVersion), "compat-go@1.2.3")
	assertEqual(t, "deployment.environment.name", str(res, attrkey.DeploymentEnv), "ci")
	assertEqual(t, "user.id", str(attrs, attrkey.UserID), "go-user-1")
	assertEqual(t, "user.email", str(attrs, attrkey.UserEmail), "ada@example.com")
	assertEqual(t, "sentry.project_id", str(attrs, attrkey.ProjectID), "7")
	assertEqual(t, "sentry.platform", str(attrs, attrkey.Platform), "go")
	assertEqual(t, "trace id", rec.Record.TraceID().String(), tx.TraceID.String())
	assertEqual(t, "span id", rec.Record.SpanID().String(), span.SpanID.String())
	assertEventJSON(t, attrs, string(*eventID))

	harness.Eventually(t, 20*time.Second, "the transaction's spans", func() bool {
		var names []string
		for _, s := range sink.Spans() {
			if s.Span.TraceID().String() == tx.TraceID.String() {
				names = append(names, s.Span.Name())
			}
		}
		return len(names) == 2
	})
	for _, s := range sink.Spans() {
		if s.Span.SpanID().String() == span.SpanID.String() {
			assertEqual(t, "child span parent", s.Span.ParentSpanID().String(), tx.SpanID.String())
		}
	}
}

func TestSentryNodeErrorCarriesTraceUserAndRelease(t *testing.T) {
	dsn, sink := startPipeline(t)
	out := harness.RunNode(t, "compat/node-error.cjs", "SENTRY_DSN="+dsn)
	var ids struct{ EventID, TraceID string }
	if err := json.Unmarshal([]byte(lastLine(out)), &ids); err != nil || ids.EventID == "" {
		t.Fatalf("node script printed no ids (%v):\n%s", err, out)
	}
	rec := findEvent(t, sink, ids.EventID)
	attrs, res := rec.Record.Attributes(), rec.Resource.Attributes()
	assertEqual(t, "exception.type", str(attrs, attrkey.ExceptionType), "TypeError")
	assertEqual(t, "exception.message", str(attrs, attrkey.ExceptionMessage), "card declined for order 42")
	st := str(attrs, attrkey.ExceptionStacktrace)
	if !strings.HasPrefix(st, "TypeError: card declined for order 42\n    at chargeCard (") || !strings.Contains(st, "node-error.cjs:") {
		t.Errorf("exception.stacktrace is not V8-shaped with the script's frame:\n%s", st)
	}
	assertEqual(t, "service.version", str(res, attrkey.ServiceVersion), "compat-node@2.0.0")
	assertEqual(t, "deployment.environment.name", str(res, attrkey.DeploymentEnv), "ci")
	assertEqual(t, "user.id", str(attrs, attrkey.UserID), "node-user-7")
	assertEqual(t, "tag", str(attrs, attrkey.TagPrefix+"checkout.step"), "payment")
	assertEqual(t, "sentry.platform", str(attrs, attrkey.Platform), "node")
	assertEqual(t, "trace id", rec.Record.TraceID().String(), ids.TraceID)
	assertEventJSON(t, attrs, ids.EventID)

	harness.Eventually(t, 20*time.Second, "the node transaction's spans", func() bool {
		n := 0
		for _, s := range sink.Spans() {
			if s.Span.TraceID().String() == ids.TraceID {
				n++
			}
		}
		return n == 2
	})
}

// TestSDKsBackOffAfterAQuota429AndReportWhatTheyDropped runs sentry-go and @sentry/node against a
// project whose quota admits no errors: the first error of each is refused with 429 and
// X-Sentry-Rate-Limits naming the error category; each SDK then drops its next two errors itself,
// still sends its transaction, and its client report says it dropped two errors backing off.
func TestSDKsBackOffAfterAQuota429AndReportWhatTheyDropped(t *testing.T) {
	quotaConfig := strings.Replace(collectorConfig, `        keys: ["`+projectKey+`"]`, `        keys: ["`+projectKey+`"]
        quotas:
          - {categories: [error], limit: 0, window: 1h}`, 1)
	for _, sdk := range []struct {
		name string
		run  func(t *testing.T, dsn string)
	}{
		{"sentry-go", func(t *testing.T, dsn string) {
			client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, EnableTracing: true, TracesSampleRate: 1, Transport: sentry.NewHTTPSyncTransport()})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			hub := sentry.NewHub(client, sentry.NewScope())
			for i := range 3 {
				hub.CaptureException(fmt.Errorf("over quota %d", i))
			}
			tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /after-the-429")
			tx.Finish()
			client.Flush(10 * time.Second)
		}},
		{"@sentry/node", func(t *testing.T, dsn string) {
			harness.RunNode(t, "compat/node-quota.cjs", "SENTRY_DSN="+dsn)
		}},
	} {
		t.Run(sdk.name, func(t *testing.T) {
			sink := harness.NewSink(t)
			addr := harness.FreeAddr(t)
			harness.StartCollector(t, harness.Fill(quotaConfig, map[string]string{"SENTRY": addr, "SINK": sink.URL}), nil, addr)
			sdk.run(t, fmt.Sprintf("http://%s@%s/7", projectKey, addr))
			var refused, backedOff int64
			harness.Eventually(t, 20*time.Second, "the receiver's count of the refused error and the SDK's client report", func() bool {
				refused, backedOff = 0, 0
				for _, md := range sink.Metrics() {
					rms := md.ResourceMetrics()
					for i := 0; i < rms.Len(); i++ {
						sms := rms.At(i).ScopeMetrics()
						for j := 0; j < sms.Len(); j++ {
							ms := sms.At(j).Metrics()
							for k := 0; k < ms.Len(); k++ {
								m := ms.At(k)
								if m.Type() != pmetric.MetricTypeSum {
									continue
								}
								for l := 0; l < m.Sum().DataPoints().Len(); l++ {
									dp := m.Sum().DataPoints().At(l)
									switch {
									case m.Name() == attrkey.RateLimitedMetric && str(dp.Attributes(), attrkey.DataCategory) == "error":
										refused += dp.IntValue()
									case m.Name() == attrkey.DiscardedEventsMetric && str(dp.Attributes(), attrkey.DiscardReason) == "ratelimit_backoff" &&
										str(dp.Attributes(), attrkey.DataCategory) == "error":
										backedOff += dp.IntValue()
									}
								}
							}
						}
					}
				}
				return refused == 1 && backedOff == 2
			})
			if n := len(sink.LogRecords()); n != 0 {
				t.Errorf("%d error records went through, want none", n)
			}
			harness.Eventually(t, 20*time.Second, "the transaction sent after the 429", func() bool { return len(sink.Spans()) > 0 })
		})
	}
}

func TestSentryCLISendEvent(t *testing.T) {
	dsn, sink := startPipeline(t)
	out := harness.RunTool(t, t.TempDir(), "sentry-cli",
		[]string{"send-event", "-m", "deploy of build 1234 finished", "--release", "compat-cli@3.0.0", "-E", "ci", "-t", "stage:deploy"},
		"SENTRY_DSN="+dsn)
	eventID := ""
	for _, f := range strings.Fields(out) {
		if len(f) == 32 || len(f) == 36 {
			eventID = strings.ReplaceAll(f, "-", "")
		}
	}
	if eventID == "" {
		t.Fatalf("sentry-cli printed no event id:\n%s", out)
	}
	rec := findEvent(t, sink, eventID)
	attrs, res := rec.Record.Attributes(), rec.Resource.Attributes()
	assertEqual(t, "body", rec.Record.Body().AsString(), "deploy of build 1234 finished")
	assertEqual(t, "service.version", str(res, attrkey.ServiceVersion), "compat-cli@3.0.0")
	assertEqual(t, "deployment.environment.name", str(res, attrkey.DeploymentEnv), "ci")
	assertEqual(t, "tag", str(attrs, attrkey.TagPrefix+"stage"), "deploy")
	assertEventJSON(t, attrs, eventID)
}

// assertEventJSON checks that the whole normalized event travels with the record.
func assertEventJSON(t *testing.T, attrs pcommon.Map, eventID string) {
	t.Helper()
	var ev struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal([]byte(str(attrs, attrkey.Event)), &ev); err != nil {
		t.Fatalf("%s is not JSON: %v", attrkey.Event, err)
	}
	assertEqual(t, "event_id in "+attrkey.Event, ev.EventID, eventID)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
