package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// ints is test data: a slice behind a pointer, so that Merge can append to it.
type ints = *[]int

func newInts(v ...int) ints { return &v }

// recorder is a consumer that blocks until released and records every call.
type recorder struct {
	mu      sync.Mutex
	calls   [][]int
	gate    chan struct{} // each call waits for a send on it, or for it to be closed
	started chan struct{}
	err     error
}

func (r *recorder) consume(_ context.Context, d ints) error {
	r.started <- struct{}{}
	<-r.gate
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, slices.Clone(*d))
	return r.err
}

func newCommitter(r *recorder, maxInFlight, maxItems int) *Committer[ints] {
	return New(Options[ints]{
		Consume:     r.consume,
		Merge:       func(dst, src ints) { *dst = append(*dst, *src...) },
		Size:        func(d ints) int { return len(*d) },
		MaxInFlight: maxInFlight,
		MaxItems:    maxItems,
	})
}

func TestWithoutContentionEachRequestGoesAloneAtOnce(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 10)}
	close(r.gate)
	c := newCommitter(r, 1, 0)
	for i := range 3 {
		if err := c.Consume(context.Background(), newInts(i)); err != nil {
			t.Fatal(err)
		}
	}
	if want := [][]int{{0}, {1}, {2}}; !slices.EqualFunc(r.calls, want, slices.Equal) {
		t.Errorf("calls %v, want %v", r.calls, want)
	}
}

// TestArrivalsDuringACallGoDownTogether holds the first call, sends more requests, and
// checks they are merged into one call whose outcome each of them gets.
func TestArrivalsDuringACallGoDownTogether(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 10), err: errors.New("pipeline full")}
	c := newCommitter(r, 1, 0)
	errs := make(chan error, 10)
	go func() { errs <- c.Consume(context.Background(), newInts(0)) }()
	<-r.started // the first call is in flight and held
	var wg sync.WaitGroup
	for i := 1; i <= 4; i++ {
		wg.Go(func() { errs <- c.Consume(context.Background(), newInts(i)) })
	}
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.open != nil && c.open.items == 4
	})
	r.gate <- struct{}{} // release the first call
	<-r.started          // the merged batch is in flight
	r.gate <- struct{}{}
	wg.Wait()
	for range 5 {
		if err := <-errs; err == nil || err.Error() != "pipeline full" {
			t.Errorf("a request got %v, want the outcome of the call that carried it", err)
		}
	}
	if len(r.calls) != 2 || len(r.calls[1]) != 4 {
		t.Fatalf("calls %v, want the first alone and the other four merged", r.calls)
	}
	got := slices.Clone(r.calls[1])
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("merged call carried %v", r.calls[1])
	}
}

func TestMaxItemsSplitsBatches(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 10)}
	c := newCommitter(r, 1, 3)
	done := make(chan error, 10)
	go func() { done <- c.Consume(context.Background(), newInts(0)) }()
	<-r.started
	var wg sync.WaitGroup
	for i := 1; i <= 5; i++ {
		wg.Go(func() { done <- c.Consume(context.Background(), newInts(i, i)) })
	}
	close(r.gate) // let every call through from now on
	wg.Wait()
	for range 6 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, call := range r.calls[1:] {
		if len(call) > 3 {
			t.Errorf("a merged call carried %d items, more than max_items 3", len(call))
		}
		total += len(call)
	}
	if total != 10 {
		t.Errorf("%d items consumed after the first call, want 10: %v", total, r.calls)
	}
}

func TestALargeArrivalStillGoes(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 10)}
	close(r.gate)
	c := newCommitter(r, 1, 2)
	if err := c.Consume(context.Background(), newInts(1, 2, 3, 4)); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 1 || len(r.calls[0]) != 4 {
		t.Errorf("calls %v", r.calls)
	}
}

// TestALeaderThatHungUpDoesNotCancelTheBatch: the batch is consumed with a context that the
// request which opened it cannot cancel.
func TestALeaderThatHungUpDoesNotCancelTheBatch(t *testing.T) {
	var mu sync.Mutex
	var ctxErrs []error
	gate, started := make(chan struct{}), make(chan struct{}, 10)
	c := New(Options[ints]{
		Consume: func(ctx context.Context, d ints) error {
			started <- struct{}{}
			<-gate
			mu.Lock()
			ctxErrs = append(ctxErrs, ctx.Err())
			mu.Unlock()
			return nil
		},
		Merge:       func(dst, src ints) { *dst = append(*dst, *src...) },
		Size:        func(d ints) int { return len(*d) },
		MaxInFlight: 1,
	})
	go c.Consume(context.Background(), newInts(0))
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Consume(ctx, newInts(1)) }()
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.open != nil })
	cancel()
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, err := range ctxErrs {
		if err != nil {
			t.Errorf("a call was consumed with a cancelled context: %v", err)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 5000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not reached")
}
