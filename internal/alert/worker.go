package alert

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/faultline/faultline/internal/store"
)

// Target delivers notifications to one destination.
type Target interface {
	// Send delivers n before ctx's deadline. A *PermanentError fails the alert at once; a
	// *RetryAfterError says when to try again; any other error is retried with backoff.
	Send(ctx context.Context, n *Notification) error
}

// Options tune a Worker; zero values take the defaults.
type Options struct {
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration
	// MaxAge is how long an alert is retried before it fails for good (default 24h).
	MaxAge time.Duration
	// Backoff is the first retry delay, doubled per attempt up to MaxBackoff (defaults 1s, 5m).
	Backoff, MaxBackoff time.Duration
	// Poll is how often each target looks for due alerts besides being woken by the store
	// (default 1s): alerts other collectors wrote, retries that came due.
	Poll time.Duration
	// IssueURL links an issue's page.
	IssueURL func(issueID int64) string
	// ProjectSlug names a project.
	ProjectSlug func(projectID int64) string
	// Clock is what the worker reads as now; it must be the store's (default time.Now).
	Clock func() time.Time
	// Delivered and Failed are told of every alert delivered and every alert that failed for
	// good (self-telemetry).
	Delivered, Failed func(target string)
}

// claimBatch is how many alerts a target claims at once; its lease covers delivering them all.
const claimBatch = 5

// Worker delivers the store's alerts.
type Worker struct {
	st      store.Store
	targets map[string]Target
	opts    Options
	log     *zap.Logger
	owner   string // this worker's lease name

	wake map[string]chan struct{}
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// NewWorker makes a worker for the named targets.
func NewWorker(st store.Store, targets map[string]Target, opts Options, log *zap.Logger) *Worker {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	for _, fn := range []*func(string){&opts.Delivered, &opts.Failed} {
		if *fn == nil {
			*fn = func(string) {}
		}
	}
	b := make([]byte, 8)
	crand.Read(b) //nolint:errcheck // crypto/rand never fails
	w := &Worker{st: st, targets: targets, opts: opts, log: log, owner: "worker-" + hex.EncodeToString(b), wake: map[string]chan struct{}{}}
	for name := range targets {
		w.wake[name] = make(chan struct{}, 1)
	}
	return w
}

// Start runs one delivery loop per target until Stop.
func (w *Worker) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	w.wg.Go(func() { w.fanOut(ctx) })
	for name, t := range w.targets {
		w.wg.Go(func() { w.loop(ctx, name, t) })
	}
}

// Stop ends the loops and waits for them. An alert in flight keeps its lease and is delivered
// again after the lease runs out if its outcome was not recorded.
func (w *Worker) Stop() {
	if w.stop != nil {
		w.stop()
	}
	w.wg.Wait()
}

// fanOut passes the store's signal of new alerts to every target loop.
func (w *Worker) fanOut(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.st.AlertSignal():
			for _, c := range w.wake {
				select {
				case c <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (w *Worker) loop(ctx context.Context, name string, t Target) {
	lease := claimBatch*w.opts.Timeout + 10*time.Second // covers the batch's attempts and recording them
	tick := time.NewTicker(w.opts.Poll)
	defer tick.Stop()
	for {
		for ctx.Err() == nil {
			alerts, err := w.st.ClaimAlerts(ctx, name, w.owner, lease, claimBatch)
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("claiming alerts failed", zap.String("target", name), zap.Error(err))
				}
				break
			}
			for i := range alerts {
				w.deliver(ctx, t, &alerts[i])
			}
			if len(alerts) < claimBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.wake[name]:
		}
	}
}

// deliver makes one attempt at an alert and records its outcome.
func (w *Worker) deliver(ctx context.Context, t Target, a *store.Alert) {
	log := w.log.With(zap.Int64("alert", a.ID), zap.String("target", a.Target), zap.Int64("issue", a.IssueID))
	err := w.attempt(ctx, t, a)
	if ctx.Err() != nil {
		return // stopping: the lease runs out and the alert is delivered later
	}
	var recordErr error
	switch {
	case err == nil:
		recordErr = w.st.AlertDelivered(ctx, a.ID, w.owner)
		if recordErr == nil {
			w.opts.Delivered(a.Target)
			log.Debug("alert delivered")
		}
	case isPermanent(err) || w.opts.Clock().Sub(a.Created) >= w.opts.MaxAge:
		recordErr = w.st.AlertAttemptFailed(ctx, a.ID, w.owner, err.Error(), time.Time{})
		if recordErr == nil {
			w.opts.Failed(a.Target)
			log.Error("alert delivery failed for good", zap.Int64("attempts", a.Attempts), zap.Error(err))
		}
	default:
		retryAt := w.opts.Clock().Add(w.backoff(a.Attempts, err))
		recordErr = w.st.AlertAttemptFailed(ctx, a.ID, w.owner, err.Error(), retryAt)
		log.Warn("alert delivery failed, will retry", zap.Int64("attempts", a.Attempts), zap.Time("retry_at", retryAt), zap.Error(err))
	}
	if recordErr != nil && ctx.Err() == nil {
		log.Warn("recording an alert's outcome failed", zap.Error(recordErr))
	}
}

func (w *Worker) attempt(ctx context.Context, t Target, a *store.Alert) error {
	is, err := w.st.Issue(ctx, a.IssueID)
	if errors.Is(err, store.ErrNotFound) {
		return permanent("issue %d was deleted", a.IssueID)
	}
	if err != nil {
		return fmt.Errorf("read issue %d: %w", a.IssueID, err)
	}
	n := &Notification{
		AlertID: a.ID, IdempotencyKey: IdempotencyKey(a.ID), Action: ActionTrigger, Trigger: a.Reason,
		RuleKey: a.RuleKey, RuleName: a.RuleName, Project: Project{ID: a.ProjectID}, Issue: *is,
		EventID: a.EventID, Release: a.Release, Environment: a.Environment, Created: a.Created,
	}
	if a.Reason == store.ReasonResolve {
		n.Action, n.Trigger = ActionResolve, ""
	}
	if w.opts.IssueURL != nil {
		n.IssueURL = w.opts.IssueURL(a.IssueID)
	}
	if w.opts.ProjectSlug != nil {
		n.Project.Slug = w.opts.ProjectSlug(a.ProjectID)
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	err = t.Send(ctx, n)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("no answer within %s: %w", w.opts.Timeout, err)
	}
	return err
}

// backoff is the delay before attempt+1: doubling from Backoff up to MaxBackoff, ±20% so that
// alerts failing together do not retry in lockstep, or what the target asked for.
func (w *Worker) backoff(attempts int64, err error) time.Duration {
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return min(ra.After, w.opts.MaxBackoff)
	}
	d := w.opts.Backoff
	for i := int64(1); i < attempts && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opts.MaxBackoff)
	return d - d/5 + time.Duration(rand.Int64N(int64(d/5)*2+1))
}
