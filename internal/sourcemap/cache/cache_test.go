package cache

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheEvictsLeastRecentlyUsedBeyondItsBudget(t *testing.T) {
	c := New[string](100)
	load := func(v string, size int64) func() (string, int64, error) {
		return func() (string, int64, error) { return v, size, nil }
	}
	c.Get("a", load("A", 40))
	c.Get("b", load("B", 40))
	c.Get("a", load("unused", 40)) // a is now the most recently used
	c.Get("c", load("C", 40))      // over budget: b goes
	loads := 0
	counting := func() (string, int64, error) { loads++; return "again", 40, nil }
	if v, _ := c.Get("a", counting); v != "A" {
		t.Errorf("a = %q, want the cached A", v)
	}
	if v, _ := c.Get("b", counting); v != "again" {
		t.Errorf("b = %q, want a reload", v)
	}
	st := c.Stats()
	if loads != 1 || st.Evictions < 1 || st.Bytes > 100 {
		t.Fatalf("loads %d, stats %+v", loads, st)
	}
}

func TestCacheDoesNotKeepValuesLargerThanTheBudget(t *testing.T) {
	c := New[int](10)
	v, err := c.Get("big", func() (int, int64, error) { return 7, 11, nil })
	if v != 7 || err != nil || c.Stats().Entries != 0 {
		t.Fatalf("got %d, %v, %+v", v, err, c.Stats())
	}
}

func TestCacheDoesNotRememberErrors(t *testing.T) {
	c := New[int](10)
	if _, err := c.Get("k", func() (int, int64, error) { return 0, 0, errors.New("disk on fire") }); err == nil {
		t.Fatal("error lost")
	}
	if v, err := c.Get("k", func() (int, int64, error) { return 3, 1, nil }); v != 3 || err != nil {
		t.Fatalf("got %d, %v after a failed load", v, err)
	}
}

func TestCacheLoadsEachKeyOnceUnderConcurrentDemand(t *testing.T) {
	c := New[string](1 << 20)
	const waiters = 50
	release := make(chan struct{})
	var loads atomic.Int32
	var wg sync.WaitGroup
	results := make([]string, waiters)
	for i := range waiters {
		wg.Go(func() {
			results[i], _ = c.Get("map", func() (string, int64, error) {
				loads.Add(1)
				<-release
				return "parsed", 10, nil
			})
		})
	}
	// every goroutine has asked (and all but the loader wait) once misses reach the count
	for c.Stats().Misses < waiters {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("loaded %d times, want once", loads.Load())
	}
	for i, r := range results {
		if r != "parsed" {
			t.Fatalf("waiter %d got %q", i, r)
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	c := New[int](1 << 20)
	for i := range 100 {
		c.Get(fmt.Sprint(i), func() (int, int64, error) { return i, 1, nil })
	}
	for b.Loop() {
		c.Get("42", nil)
	}
}

func TestLookupFindsWhatGetKeptAndKeepsItRecent(t *testing.T) {
	c := New[string](80)
	if _, ok := c.Lookup([]byte("a")); ok {
		t.Fatal("found a key never loaded")
	}
	c.Get("a", func() (string, int64, error) { return "A", 40, nil })
	c.Get("b", func() (string, int64, error) { return "B", 40, nil })
	if v, ok := c.Lookup([]byte("a")); !ok || v != "A" {
		t.Fatalf("Lookup(a) = %q, %v; want A", v, ok)
	}
	c.Get("c", func() (string, int64, error) { return "C", 40, nil }) // b, not a, is the oldest
	if _, ok := c.Lookup([]byte("b")); ok {
		t.Error("b was kept; the lookup of a should have made it the one evicted")
	}
	if _, ok := c.Lookup([]byte("a")); !ok {
		t.Error("a was evicted")
	}
	if st := c.Stats(); st.Hits != 2 || st.Misses != 3 {
		t.Errorf("stats %+v, want 2 hits (lookups that found) and 3 misses (the loads)", st)
	}
}
