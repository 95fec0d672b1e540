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
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			swept, err := st.Sweep(ctx, policy)
			countDeleted(ctx, tel, swept, "sweep")
			if err != nil && ctx.Err() == nil {
				tel.IssuestoreSweepErrors.Add(ctx, 1)
				log.Warn("sweeping the issue store failed; the next sweep carries on", zap.Error(err))
			}
			if swept != (store.Swept{}) {
				log.Debug("issue store swept", zap.Int64("events", swept.Events), zap.Int64("issues", swept.Issues),
					zap.Int64("artifact_bundles", swept.Bundles), zap.Int64("chunks", swept.Chunks))
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	})
	return w
}

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
