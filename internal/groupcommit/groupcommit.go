// Package groupcommit hands concurrent requests' data to a slow consumer together: while as many
// calls as allowed are in flight, later arrivals are merged into one batch that goes down in a
// single call when one of them returns, and every request waits for the outcome of the call that
// carried its data. It is how a database makes many commits share one disk write, applied to a
// collector pipeline: when the pipeline ends in a durable write (a store transaction, a
// persistent queue), each call is one such write, so fewer, larger calls cost much less per
// item, while each sender is still answered only after its data was accepted (or refused)
// downstream. Without contention nothing waits: a
// request finding a free slot is passed on at once, alone.
//
// It knows nothing of the collector; the caller supplies how to merge and count its data.
package groupcommit

import (
	"context"
	"sync"
)

// Committer merges and passes on data of type T. The zero value is not usable; use New.
type Committer[T any] struct {
	consume     func(context.Context, T) error
	merge       func(dst, src T) // moves src's content to the end of dst
	size        func(T) int
	maxInFlight int
	maxItems    int

	mu       sync.Mutex
	changed  *sync.Cond // signalled when a call returns or the open batch is taken
	inFlight int
	open     *batch[T] // collecting arrivals; nil when none waits
}

type batch[T any] struct {
	data  T
	items int
	done  chan struct{}
	err   error
}

// Options configure a Committer.
type Options[T any] struct {
	// Consume passes data on; it is called with at most MaxInFlight calls at once.
	Consume func(context.Context, T) error
	// Merge moves the content of src to the end of dst; src is not used afterwards.
	Merge func(dst, src T)
	// Size counts the items of data (records, spans, points).
	Size func(T) int
	// MaxInFlight is the number of Consume calls allowed at once (at least 1).
	MaxInFlight int
	// MaxItems caps a merged batch: an arrival that would exceed it waits for the next batch.
	// A single arrival larger than MaxItems still goes alone. 0 means no cap.
	MaxItems int
}

// New returns a Committer.
func New[T any](o Options[T]) *Committer[T] {
	c := &Committer[T]{consume: o.Consume, merge: o.Merge, size: o.Size,
		maxInFlight: max(1, o.MaxInFlight), maxItems: o.MaxItems}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// Consume passes data on, alone or merged with data of concurrent calls, and returns the
// outcome of the call that carried it. data belongs to the Committer from here on.
//
// A merged batch is consumed with the context of the request that opened it, without its
// cancellation: the others wait on the same call, and a sender that hung up must not cancel
// the data of those that did not. A waiting request whose own context ends still waits, as its
// data may already be on its way; the answer it then gets is the true one.
func (c *Committer[T]) Consume(ctx context.Context, data T) error {
	n := c.size(data)
	c.mu.Lock()
	for {
		switch {
		case c.open == nil && c.inFlight < c.maxInFlight:
			c.inFlight++
			c.mu.Unlock()
			err := c.consume(ctx, data)
			c.release()
			return err
		case c.open != nil && (c.maxItems == 0 || c.open.items+n <= c.maxItems):
			b := c.open
			c.merge(b.data, data)
			b.items += n
			c.mu.Unlock()
			<-b.done
			return b.err
		case c.open == nil:
			return c.lead(ctx, data, n)
		}
		// The open batch is full: wait until its leader takes it.
		c.changed.Wait()
	}
}

// lead opens a batch with data, waits for a free slot, and consumes the batch. Called with
// c.mu held; returns with it released.
func (c *Committer[T]) lead(ctx context.Context, data T, n int) error {
	b := &batch[T]{data: data, items: n, done: make(chan struct{})}
	c.open = b
	for c.inFlight >= c.maxInFlight {
		c.changed.Wait()
	}
	c.open = nil
	c.inFlight++
	c.changed.Broadcast()
	c.mu.Unlock()
	b.err = c.consume(context.WithoutCancel(ctx), b.data)
	close(b.done)
	c.release()
	return b.err
}

func (c *Committer[T]) release() {
	c.mu.Lock()
	c.inFlight--
	c.changed.Broadcast()
	c.mu.Unlock()
}
