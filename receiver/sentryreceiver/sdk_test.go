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
