package grouping

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/grouping/enhancers"
)

// stackCache remembers what the stack-trace rules decided for a whole stack. The outcome
// depends only on the frames (each a frame cache entry, which holds every field rules read), the
// client's in_app of each, and, when some rule has an error.* matcher, the exception. Events of
// one application repeat the same stacks, so the rules run once per distinct stack.
type stackCache struct {
	seed   maphash.Seed
	shards [32]stackShard
}

type stackShard struct {
	mu     sync.RWMutex
	m      map[uint64]*stackEntry
	frames int // frames held by m's entries
}

// stackEntry is immutable once stored: events read its states in place.
type stackEntry struct {
	frames                 []*frameEntry
	inApp                  []int8
	excType, excMech, excV string
	states                 []enhancers.FrameState
	stack                  enhancers.Stack
}

// A shard starts over when it holds 256 stacks or 4,096 frames: at most 8,192 stacks and
// 131,072 frame outcomes (about 7 MiB) per Grouper.
const (
	maxStacksPerShard      = 256
	maxStackFramesPerShard = 4096
)

func newStackCache() *stackCache {
	c := &stackCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*stackEntry)
	}
	return c
}

// key mixes the frame entries' ids and in_app flags (and the exception, when given).
func (c *stackCache) key(p *prepared, ex *enhancers.Exception) uint64 {
	h := uint64(len(p.frames)) * 0x9e3779b97f4a7c15
	for i := range p.frames {
		h ^= p.frames[i].cached.id + uint64(p.match[i].ClientInApp+1)<<62
		h *= 0x100000001b3
		h ^= h >> 29
	}
	if ex != nil {
		h ^= maphash.String(c.seed, ex.Type) ^ maphash.String(c.seed, ex.Mechanism)*31 ^ maphash.String(c.seed, ex.Value)*961
	}
	return h
}

func (e *stackEntry) matches(p *prepared, ex *enhancers.Exception) bool {
	if len(e.frames) != len(p.frames) {
		return false
	}
	for i := range p.frames {
		if e.frames[i] != p.frames[i].cached || e.inApp[i] != p.match[i].ClientInApp {
			return false
		}
	}
	if ex == nil {
		return e.excType == "" && e.excMech == "" && e.excV == ""
	}
	return e.excType == ex.Type && e.excMech == ex.Mechanism && e.excV == ex.Value
}

func (c *stackCache) lookup(p *prepared, ex *enhancers.Exception) (*stackEntry, uint64) {
	k := c.key(p, ex)
	sh := &c.shards[k%uint64(len(c.shards))]
	sh.mu.RLock()
	e := sh.m[k]
	sh.mu.RUnlock()
	if e != nil && e.matches(p, ex) {
		return e, k
	}
	return nil, k
}

// store keeps a copy of p's outcome under key k (not for stacks over a quarter of a shard).
func (c *stackCache) store(k uint64, p *prepared, ex *enhancers.Exception) {
	if len(p.frames) > maxStackFramesPerShard/4 {
		return
	}
	e := &stackEntry{
		frames: make([]*frameEntry, len(p.frames)),
		inApp:  make([]int8, len(p.frames)),
		states: slices.Clone(p.states),
		stack:  p.stack,
	}
	for i := range p.frames {
		e.frames[i], e.inApp[i] = p.frames[i].cached, p.match[i].ClientInApp
	}
	if ex != nil {
		e.excType, e.excMech, e.excV = strings.Clone(ex.Type), strings.Clone(ex.Mechanism), strings.Clone(ex.Value)
	}
	sh := &c.shards[k%uint64(len(c.shards))]
	sh.mu.Lock()
	if len(sh.m) >= maxStacksPerShard || sh.frames+len(e.frames) > maxStackFramesPerShard {
		sh.m, sh.frames = make(map[uint64]*stackEntry), 0
	}
	if old := sh.m[k]; old != nil {
		sh.frames -= len(old.frames)
	}
	sh.m[k] = e
	sh.frames += len(e.frames)
	sh.mu.Unlock()
}
