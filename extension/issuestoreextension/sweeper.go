package issuestoreextension

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/faultline/faultline/extension/issuestoreextension/internal/metadata"
	"github.com/faultline/faultline/internal/store"
)

// sweeper sweeps the store every interval (retention, disk budget, unused artifacts, stale
// chunks) until it is stopped. A sweep that fails is logged and counted; the next one carries on.
type sweeper struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startSweeper(st store.Store, policy store.Policy, every time.Duration, tel *metadata.TelemetryBuilder, log *zap.Logger) *sweeper {
	ctx, cancel := context.WithCancel(context.Background())
	w := &sweeper{cancel: cancel}
	w.wg.Go(func() {
		full := time.NewTicker(every)
		defer full.Stop()
		// The budget alone is checked every second: at a few MB/s of events, a small budget is
		// crossed long before the next full sweep.
		var budget <-chan time.Time
		if policy.MaxSize > 0 {
			t := time.NewTicker(budgetEvery)
			defer t.Stop()
			budget = t.C
		}
		sweep := func(kind string, run func() (store.Swept, error)) {
			swept, err := run()
			countDeleted(ctx, tel, swept, "sweep")
			if err != nil && ctx.Err() == nil {
				tel.IssuestoreSweepErrors.Add(ctx, 1)
				log.Warn("sweeping the issue store failed; the next sweep carries on", zap.String("sweep", kind), zap.Error(err))
			}
			if swept != (store.Swept{}) {
				log.Debug("issue store swept", zap.String("sweep", kind), zap.Int64("events", swept.Events), zap.Int64("issues", swept.Issues),
					zap.Int64("artifact_bundles", swept.Bundles), zap.Int64("chunks", swept.Chunks))
			}
		}
		for {
			sweep("full", func() (store.Swept, error) { return st.Sweep(ctx, policy) })
			for wait := true; wait; {
				select {
				case <-full.C:
					wait = false
				case <-budget:
					sweep("budget", func() (store.Swept, error) { return st.EnforceBudget(ctx, policy.MaxSize) })
				case <-ctx.Done():
					return
				}
			}
		}
	})
	return w
}

// budgetEvery is how often the disk budget is checked between full sweeps.
const budgetEvery = time.Second

// stop ends the sweep in progress (between two of its small transactions) and waits for it.
func (w *sweeper) stop() {
	w.cancel()
	w.wg.Wait()
}

func countDeleted(ctx context.Context, tel *metadata.TelemetryBuilder, swept store.Swept, reason string) {
	for _, k := range []struct {
		kind string
		n    int64
	}{{"event", swept.Events}, {"issue", swept.Issues}, {"artifact_bundle", swept.Bundles}, {"chunk", swept.Chunks}} {
		if k.n > 0 {
			tel.IssuestoreDeleted.Add(context.WithoutCancel(ctx), k.n, metric.WithAttributes(attribute.String("kind", k.kind), attribute.String("reason", reason)))
		}
	}
}

// countingStore counts the deletions made through the API and the UI.
type countingStore struct {
	store.Store
	tel *metadata.TelemetryBuilder
}

func (c countingStore) DeleteIssue(ctx context.Context, id int64) error {
	err := c.Store.DeleteIssue(ctx, id)
	if err == nil {
		countDeleted(ctx, c.tel, store.Swept{Issues: 1}, "request")
	}
	return err
}

func (c countingStore) DeleteProject(ctx context.Context, project int64) (store.Swept, error) {
	swept, err := c.Store.DeleteProject(ctx, project)
	countDeleted(ctx, c.tel, swept, "request")
	return swept, err
}
