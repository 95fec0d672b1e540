package translator

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/faultline/faultline/internal/sentry/envelope"
)

// TestSentryGoSDKOutputTranslates runs the real sentry-go SDK against a local server and
// translates what it sends: an error captured inside a transaction must carry the
// transaction's trace id, and so must a log and a metric sample recorded inside it.
func TestSentryGoSDKOutputTranslates(t *testing.T) {
	var (
		mu        sync.Mutex
		envelopes []*envelope.Envelope
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := envelope.Decompress(r.Body, r.Header.Get("Content-Encoding"))
		if err == nil {
			var env *envelope.Envelope
			env, err = envelope.Parse(body, envelope.DefaultLimits())
			body.Close()
			if err == nil {
				mu.Lock()
				envelopes = append(envelopes, env)
				mu.Unlock()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              "http://0123456789abcdef0123456789abcdef@" + strings.TrimPrefix(srv.URL, "http://") + "/1",
		EnableTracing:    true,
		TracesSampleRate: 1,
		Release:          "shop@1.2.3",
		Environment:      "production",
		ServerName:       "web-1",
	})
	require.NoError(t, err)
	hub := sentry.NewHub(client, sentry.NewScope())
	ctx := sentry.SetHubOnContext(context.Background(), hub)

	tx := sentry.StartTransaction(ctx, "POST /checkout", sentry.WithOpName("http.server"))
	child := tx.StartChild("db.sql", sentry.WithDescription("SELECT * FROM orders"))
	child.Finish()
	sentry.NewLogger(tx.Context()).Warn().Emit("stock low")
	sentry.NewMeter(tx.Context()).Distribution("checkout.latency", 12.5, sentry.WithUnit("millisecond"))
	hub.CaptureException(errors.New("payment declined"))
	tx.Finish()
	hub.CaptureCheckIn(&sentry.CheckIn{MonitorSlug: "nightly", Status: sentry.CheckInStatusOK, Duration: 2 * time.Second}, nil)
	require.True(t, hub.Flush(5*time.Second), "the SDK flushed")

	var (
		errorRecord, logRecord, checkIn plog.LogRecord
		root, dbSpan                    ptrace.Span
		latency                         pmetric.HistogramDataPoint
		found                           = map[string]bool{}
	)
	mu.Lock()
	defer mu.Unlock()
	for _, env := range envelopes {
		out := Translate(Input{ProjectID: "1", ReceivedAt: time.Now(), Envelope: env})
		for _, o := range out.Outcomes {
			require.True(t, o.Accepted, "%s: %s", o.ItemType, o.Reason)
		}
		forEachRecord(out.Logs, func(lr plog.LogRecord) {
			switch {
			case lr.EventName() == "exception":
				errorRecord, found["error"] = lr, true
			case lr.EventName() == "sentry.check_in":
				checkIn, found["check-in"] = lr, true
			case lr.Body().Str() == "stock low":
				logRecord, found["log"] = lr, true
			}
		})
		for i := 0; i < out.Metrics.ResourceMetrics().Len(); i++ {
			ms := out.Metrics.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				if m := ms.At(j); m.Name() == "checkout.latency" {
					latency, found["metric"] = m.Histogram().DataPoints().At(0), true
				}
			}
		}
		forEachSpan(out.Traces, func(s ptrace.Span) {
			switch s.Name() {
			case "POST /checkout":
				root, found["transaction"] = s, true
			case "SELECT * FROM orders":
				dbSpan, found["db span"] = s, true
			}
		})
	}
	require.Equal(t, map[string]bool{"error": true, "log": true, "check-in": true, "transaction": true, "db span": true, "metric": true}, found)

	require.False(t, root.TraceID().IsEmpty())
	require.Equal(t, root.TraceID(), errorRecord.TraceID(), "error and transaction share the trace")
	require.Equal(t, root.TraceID(), dbSpan.TraceID())
	require.Equal(t, root.SpanID(), dbSpan.ParentSpanID())
	require.Equal(t, root.TraceID(), logRecord.TraceID(), "log and transaction share the trace")
	require.Equal(t, 12.5, latency.Sum())
	require.Equal(t, root.TraceID(), latency.Exemplars().At(0).TraceID(), "the metric sample links to the trace")
	require.Equal(t, ptrace.SpanKindServer, root.Kind())
	require.Equal(t, ptrace.SpanKindClient, dbSpan.Kind())

	require.Equal(t, plog.SeverityNumberError, errorRecord.SeverityNumber())
	require.Equal(t, "*errors.errorString: payment declined", errorRecord.Body().Str())
	msg, _ := errorRecord.Attributes().Get("exception.message")
	require.Equal(t, "payment declined", msg.Str())
	require.Equal(t, plog.SeverityNumberWarn, logRecord.SeverityNumber())
	status, _ := checkIn.Attributes().Get("sentry.check_in.status")
	require.Equal(t, "ok", status.Str())
	duration, _ := checkIn.Attributes().Get("sentry.check_in.duration")
	require.Equal(t, 2.0, duration.Double())
}

func forEachRecord(ld plog.Logs, f func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}

func forEachSpan(td ptrace.Traces, f func(ptrace.Span)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				f(spans.At(k))
			}
		}
	}
}
