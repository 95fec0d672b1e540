package sentryreceiver

import (
	"testing"
	"time"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/sentry/envelope"
)

func TestAQuotaCountsInWindowsAlignedToTheEpoch(t *testing.T) {
	q := newQuota(QuotaConfig{Categories: []string{"log_item"}, Limit: 10, Window: time.Minute})
	at := time.Date(2026, 11, 20, 10, 0, 50, 0, time.UTC)
	logs := envelope.Item{Type: "log", ItemCount: 6}
	kept, refused := take([]*quota{q}, "", []envelope.Item{logs, logs, {Type: "client_report"}}, at)
	if len(kept) != 2 || len(refused) != 1 {
		t.Fatalf("kept %d, refused %d: want the first container of 6 logs and the client report kept, the second refused whole", len(kept), len(refused))
	}
	if got := q.retryAfter(at); got != 10*time.Second {
		t.Errorf("retry after %s, want the 10 s left of the minute", got)
	}
	if kept, _ := take([]*quota{q}, "", []envelope.Item{logs}, at.Add(10*time.Second)); len(kept) != 1 {
		t.Error("the next window starts from zero")
	}
}

// BenchmarkQuotaTake is what quotas cost per request: an envelope with one event and a client
// report, against a project with a quota for errors and one over every category per key.
func BenchmarkQuotaTake(b *testing.B) {
	quotas := []*quota{
		newQuota(QuotaConfig{Categories: []string{"error"}, Limit: 1 << 62, Window: time.Minute}),
		newQuota(QuotaConfig{Limit: 1 << 62, Window: time.Second, Scope: projectdef.ScopeKey}),
	}
	items := []envelope.Item{{Type: "event"}, {Type: "client_report"}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		take(quotas, "e2a7c1f04b9d4e3a8f6b5c2d1a0e9f87", items, now)
	}
}
