// Package cache is a memory-bounded LRU for expensive parsed values (decoded source maps, scope
// indexes of minified files) that loads each key once under concurrent demand.
//
// It owns eviction and load deduplication only; it knows nothing of what it stores beyond the
// size estimate the loader returns.
package cache

import (
	"container/list"
	"sync"
)

// Cache maps keys to values whose total estimated size stays within a byte budget. A value larger
// than the whole budget is returned to its caller but not kept.
type Cache[V any] struct {
	maxBytes int64

	mu       sync.Mutex
	bytes    int64
	lru      *list.List // front = most recently used; elements hold *entry[V]
	entries  map[string]*list.Element
	inflight map[string]*call[V]

	// Hits, Misses and Evictions count lookups for self-telemetry; read them with Stats.
	hits, misses, evictions uint64
}

type entry[V any] struct {
	key  string
	val  V
	size int64
}

// call is one load in progress; others asking for the same key wait for it.
type call[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Hits, Misses, Evictions uint64
	Bytes                   int64
	Entries                 int
}

// New returns a cache that keeps at most maxBytes of estimated value size.
func New[V any](maxBytes int64) *Cache[V] {
	return &Cache[V]{
		maxBytes: maxBytes,
		lru:      list.New(),
		entries:  map[string]*list.Element{},
		inflight: map[string]*call[V]{},
	}
}

// Get returns the value for key, calling load at most once at a time per key when it is absent.
// load returns the value and its estimated size in bytes. Errors are returned to every waiter and
// not cached: callers that want failures remembered store them inside V.
func (c *Cache[V]) Get(key string, load func() (V, int64, error)) (V, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		c.hits++
		v := el.Value.(*entry[V]).val
		c.mu.Unlock()
		return v, nil
	}
	c.misses++
	if cl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.val, cl.err
	}
	cl := &call[V]{done: make(chan struct{})}
	c.inflight[key] = cl
	c.mu.Unlock()

	var size int64
	func() {
		// a panicking loader must not leave waiters blocked forever
		defer func() {
			if r := recover(); r != nil {
				c.finish(key, cl, 0, false)
				panic(r)
			}
		}()
		cl.val, size, cl.err = load()
	}()
	c.finish(key, cl, size, cl.err == nil)
	return cl.val, cl.err
}

// Lookup returns the value kept under key, if any, counting a hit (a miss is Get's to count).
// The key is bytes so that a caller can build it on the stack: the lookup itself does not copy it.
func (c *Cache[V]) Lookup(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[string(key)]
	if !ok {
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	c.hits++
	return el.Value.(*entry[V]).val, true
}

func (c *Cache[V]) finish(key string, cl *call[V], size int64, keep bool) {
	c.mu.Lock()
	delete(c.inflight, key)
	if keep && size <= c.maxBytes {
		c.entries[key] = c.lru.PushFront(&entry[V]{key: key, val: cl.val, size: size})
		c.bytes += size
		for c.bytes > c.maxBytes {
			el := c.lru.Back()
			e := el.Value.(*entry[V])
			c.lru.Remove(el)
			delete(c.entries, e.key)
			c.bytes -= e.size
			c.evictions++
		}
	}
	c.mu.Unlock()
	close(cl.done)
}

// Delete drops a key, so that the next Get loads it again.
func (c *Cache[V]) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*entry[V])
		c.lru.Remove(el)
		delete(c.entries, key)
		c.bytes -= e.size
	}
}

// Stats returns the current counters.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits, Misses: c.misses, Evictions: c.evictions, Bytes: c.bytes, Entries: c.lru.Len()}
}
