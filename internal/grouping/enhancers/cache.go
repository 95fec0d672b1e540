package enhancers

import (
	"hash/maphash"
	"strings"
	"sync"
)

// staticCache remembers, per distinct frame, which rules' frame-only matchers (family, path,
// module, function, package) hold. Those matchers read nothing that rules change, so the answer
// depends only on the frame's fields; the dynamic ones (app, category, error.*, caller/callee)
// are still evaluated in rule order on every event. Frames repeat heavily across events of one
// application, which is what makes grouping affordable per event (BenchmarkGroup20Frames).
type staticCache struct {
	seed   maphash.Seed
	shards [64]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[uint64]*staticEntry
}

type staticEntry struct {
	family                          Family
	path, module, function, pkgName string
	bits                            []uint64
}

// maxEntriesPerShard bounds memory: 64 shards × 1024 frames; a full shard starts over.
const maxEntriesPerShard = 1024

func newStaticCache() *staticCache {
	c := &staticCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*staticEntry)
	}
	return c
}

func (c *staticCache) key(f *Frame) uint64 {
	h := maphash.String(c.seed, f.Path) + uint64(f.Family)
	h = h*31 ^ maphash.String(c.seed, f.Module)
	h = h*31 ^ maphash.String(c.seed, f.Function)
	h = h*31 ^ maphash.String(c.seed, f.Package)
	return h
}

// bits returns the static-match bit set of f over rs, computing and remembering it on a miss.
func (rs *Rules) staticBits(f *Frame) []uint64 {
	c := rs.cache
	k := c.key(f)
	sh := &c.shards[k%uint64(len(c.shards))]
	sh.mu.RLock()
	e := sh.m[k]
	sh.mu.RUnlock()
	if e != nil && e.family == f.Family && e.path == f.Path && e.module == f.Module && e.function == f.Function && e.pkgName == f.Package {
		return e.bits
	}
	// The entry outlives the event: copy the strings, which may point into the event's whole
	// JSON text, so a cached frame keeps only its own bytes alive.
	e = &staticEntry{family: f.Family, path: strings.Clone(f.Path), module: strings.Clone(f.Module),
		function: strings.Clone(f.Function), pkgName: strings.Clone(f.Package), bits: rs.StaticMatches(f)}
	sh.mu.Lock()
	if len(sh.m) >= maxEntriesPerShard {
		sh.m = make(map[uint64]*staticEntry)
	}
	sh.m[k] = e
	sh.mu.Unlock()
	return e.bits
}

func isStatic(m *matcher) bool {
	if m.offset != 0 {
		return false
	}
	switch m.field {
	case fieldFamily, fieldPath, fieldModule, fieldFunction, fieldPackage:
		return true
	}
	return false
}

func (r *Rule) matchesStatic(f *Frame) bool {
	if r.frameFamilies&(1<<f.Family) == 0 {
		return false
	}
	for k := range r.matchers {
		m := &r.matchers[k]
		if isStatic(m) && m.test(f, nil, nil) == m.negated {
			return false
		}
	}
	return true
}

// matchesDynamic checks the matchers the cache cannot answer.
func (r *Rule) matchesDynamic(frames []Frame, states []FrameState, i int, exc *Exception) bool {
	for k := range r.dynamic {
		m := &r.dynamic[k]
		j := i + m.offset
		if j < 0 || j >= len(frames) {
			return false
		}
		if m.test(&frames[j], &states[j], exc) == m.negated {
			return false
		}
	}
	return true
}
