package sentryreceiver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/internal/attrkey"
)

// TestSentryGoSDKSendsThroughTheReceiver runs the real sentry-go SDK against the running receiver:
// an error captured inside a transaction must come out of the logs pipeline with the SDK's event
// id and exception, and the transaction out of the traces pipeline with the same trace id.
func TestSentryGoSDKSendsThroughTheReceiver(t *testing.T) {
	h := startHarness(t)
	transport := sentry.NewHTTPSyncTransport()
	transport.Timeout = 5 * time.Second
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              "http://" + key1 + "@" + strings.TrimPrefix(h.base, "http://") + "/1",
		EnableTracing:    true,
		TracesSampleRate: 1,
		Release:          "shop@1.2.3",
		Environment:      "production",
		Transport:        transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	ctx := sentry.SetHubOnContext(context.Background(), hub)
	tx := sentry.StartTransaction(ctx, "GET /checkout", sentry.WithOpName("http.server"))
	id := hub.CaptureException(errors.New("card declined"))
	tx.Finish()
	if !client.Flush(5 * time.Second) {
		t.Fatal("the SDK did not flush")
	}
	t.Cleanup(func() { client.Close() })

	if h.logs.LogRecordCount() != 1 || h.traces.SpanCount() < 1 {
		t.Fatalf("%d log records and %d spans arrived, want 1 and at least 1", h.logs.LogRecordCount(), h.traces.SpanCount())
	}
	rec := h.logs.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	if got, _ := rec.Attributes().Get(attrkey.EventID); id == nil || got.Str() != string(*id) {
		t.Errorf("event id %q, want the SDK's %v", got.Str(), id)
	}
	if got, _ := rec.Attributes().Get(attrkey.ExceptionMessage); got.Str() != "card declined" {
		t.Errorf("exception.message %q", got.Str())
	}
	span := h.traces.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	if rec.TraceID() != span.TraceID() || rec.TraceID().IsEmpty() {
		t.Errorf("error trace id %s, transaction trace id %s", rec.TraceID(), span.TraceID())
	}
}

// TestSentryGoBacksOffAfterAQuota429AndReportsWhatItDropped: with a quota of no errors, the first
// error is refused with 429 naming the error category; sentry-go then drops further errors
// itself instead of sending them, keeps sending transactions, and its client report, carried
// with the next envelope, says how many errors it dropped while backing off.
func TestSentryGoBacksOffAfterAQuota429AndReportsWhatItDropped(t *testing.T) {
	h := startHarness(t, func(c *Config, cs *consumers) {
		c.Projects[0].Quotas = []QuotaConfig{{Categories: []string{"error"}, Limit: 0, Window: time.Hour}}
		cs.now = func() time.Time { return quotaNow }
	})
	transport := sentry.NewHTTPSyncTransport()
	transport.Timeout = 5 * time.Second
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              "http://" + key1 + "@" + strings.TrimPrefix(h.base, "http://") + "/1",
		EnableTracing:    true,
		TracesSampleRate: 1,
		Transport:        transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	hub := sentry.NewHub(client, sentry.NewScope())
	for range 3 {
		hub.CaptureException(errors.New("card declined"))
	}
	tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /checkout")
	tx.Finish()
	client.Flush(5 * time.Second)

	assertItemCount(t, h, "event", outcomeRateLimited, 1) // the SDK sent only the first error
	assertItemCount(t, h, "transaction", outcomeAccepted, 1)
	if h.logs.LogRecordCount() != 0 {
		t.Errorf("%d error records arrived, want none", h.logs.LogRecordCount())
	}
	dropped := map[string]int64{}
	for _, md := range h.metrics.AllMetrics() {
		ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
		for i := 0; i < ms.Len(); i++ {
			m := ms.At(i)
			for j := 0; j < m.Sum().DataPoints().Len(); j++ {
				dp := m.Sum().DataPoints().At(j)
				var reason, category string
				if v, ok := dp.Attributes().Get(attrkey.DiscardReason); ok {
					reason = v.Str()
				}
				if v, ok := dp.Attributes().Get(attrkey.DataCategory); ok {
					category = v.Str()
				}
				dropped[m.Name()+" "+reason+" "+category] += dp.IntValue()
			}
		}
	}
	if dropped[attrkey.RateLimitedMetric+"  error"] != 1 || dropped[attrkey.DiscardedEventsMetric+" ratelimit_backoff error"] != 2 {
		t.Errorf("outcome points %v: want the refused error counted by the receiver and the 2 the SDK dropped in its client report", dropped)
	}
}
