package sentryreceiver

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// slowLogs is a pipeline that takes its time per call, as one ending in a persistent queue does,
// and counts its calls; it refuses while refuse is set.
type slowLogs struct {
	consumertest.LogsSink
	calls  atomic.Int64
	refuse atomic.Bool
}

func (s *slowLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	s.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	if s.refuse.Load() {
		return fmt.Errorf("data refused due to high memory usage")
	}
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

func (*slowLogs) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// TestConcurrentRequestsShareCallsAndEachGetsItsAnswer sends many envelopes at once to a slow
// pipeline: all are answered 200 and delivered, in fewer calls than requests; then, with the
// pipeline refusing, every request gets the refusal.
func TestConcurrentRequestsShareCallsAndEachGetsItsAnswer(t *testing.T) {
	sink := new(slowLogs)
	h := startHarness(t, func(cfg *Config, cs *consumers) {
		cfg.GroupCommit.MaxInFlight = 1
		cs.logs = sink
	})
	const requests = 40
	send := func() []int {
		statuses := make([]int, requests)
		var wg sync.WaitGroup
		for i := range requests {
			wg.Go(func() {
				id := fmt.Sprintf("%032x", i+1)
				body := env(`{"event_id":"`+id+`"}`, item("event", `{"event_id":"`+id+`","level":"error","message":"m"}`))
				statuses[i] = h.do(t, "POST", envPath, map[string]string{"X-Sentry-Auth": xAuth1}, body).status
			})
		}
		wg.Wait()
		return statuses
	}
	for i, st := range send() {
		if st != 200 {
			t.Fatalf("request %d answered %d", i, st)
		}
	}
	if n := sink.LogRecordCount(); n != requests {
		t.Errorf("%d records delivered, want %d", n, requests)
	}
	if calls := sink.calls.Load(); calls >= requests {
		t.Errorf("%d pipeline calls for %d concurrent requests: nothing was merged", calls, requests)
	}

	sink.refuse.Store(true)
	for i, st := range send() {
		if st != 429 {
			t.Errorf("request %d answered %d while the pipeline refused, want 429", i, st)
		}
	}
}
