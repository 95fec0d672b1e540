package grouping

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// frameCache remembers the components of frames already seen. A frame's components depend only
// on the frame's own fields (and the Grouper's config), and the same frames recur in every event
// of an application, so most events build only their per-event frame nodes. Cached components
// are immutable and shared by the trees of many Results: trees are read-only.
type frameCache struct {
	seed   maphash.Seed
	nextID atomic.Uint64 // numbers entries, for the stack cache's keys
	shards [64]frameShard
}

type frameShard struct {
	mu sync.RWMutex
	m  map[uint64]*frameEntry
}

// frameEntry is a cached frame: the fields it was computed from (copied, so the cache does not
// pin event texts) and its components.
type frameEntry struct {
	platform, filename, absPath, module, function, rawFunction, sentFunction, contextLine, pkg string
	sourcemap                                                                                  bool

	children []*Component
	// leafValues is what children contribute to a hash, as one value (nil for nothing): the
	// hash-only path (GroupHashes) gives a frame this instead of its children.
	leafValues  []string
	contributes bool
	// childContributes says whether any of the frame's components contributes, even where the
	// frame as a whole was turned off (eval, native code, <anonymous>): a +group rule restores that.
	childContributes bool
	hint             string
	// rules is the set of stack-trace rules whose frame-only matchers hold for the frame.
	rules []uint64
	// id tells entries apart (never reused).
	id uint64
}

// maxFramesPerShard bounds the cache at 64 × 512 frames; a full shard starts over.
const maxFramesPerShard = 512

func newFrameCache() *frameCache {
	c := &frameCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*frameEntry)
	}
	return c
}

// key hashes the fields that tell frames apart; matches compares all of them, so a rare
// collision only costs a rebuild.
func (c *frameCache) key(fi *frameInfo) uint64 {
	where := fi.f.AbsPath
	if where == "" {
		where = fi.filename
	}
	if where == "" {
		where = fi.module
	}
	h := maphash.String(c.seed, where)
	h = h*31 ^ maphash.String(c.seed, fi.function)
	h = h*31 ^ maphash.String(c.seed, fi.contextLine)
	return h
}

func (e *frameEntry) matches(fi *frameInfo) bool {
	return e.platform == fi.platform && e.filename == fi.filename && e.absPath == fi.f.AbsPath &&
		e.module == fi.module && e.function == fi.function && e.rawFunction == fi.rawFunction &&
		e.sentFunction == fi.f.Function && e.contextLine == fi.contextLine && e.pkg == fi.f.Package &&
		e.sourcemap == sourcemapUsed(fi.f)
}

func (c *frameCache) lookup(fi *frameInfo) *frameEntry {
	k := c.key(fi)
	sh := &c.shards[k%uint64(len(c.shards))]
	sh.mu.RLock()
	e := sh.m[k]
	sh.mu.RUnlock()
	if e != nil && e.matches(fi) {
		return e
	}
	return nil
}

// store caches the frame built for fi; its leaf values are copied off the event first.
func (c *frameCache) store(fi *frameInfo, built *Component, rules []uint64) *frameEntry {
	for _, ch := range built.Children {
		for i, v := range ch.Values {
			ch.Values[i] = strings.Clone(v)
		}
	}
	e := &frameEntry{
		platform: strings.Clone(fi.platform), filename: strings.Clone(fi.filename), absPath: strings.Clone(fi.f.AbsPath),
		module: strings.Clone(fi.module), function: strings.Clone(fi.function), rawFunction: strings.Clone(fi.rawFunction),
		sentFunction: strings.Clone(fi.f.Function), contextLine: strings.Clone(fi.contextLine), pkg: strings.Clone(fi.f.Package),
		sourcemap: sourcemapUsed(fi.f),
		children:  built.Children, contributes: built.Contributes, hint: built.Hint, rules: rules,
		id: c.nextID.Add(1),
	}
	var leaves []byte
	for _, ch := range built.Children {
		leaves = ch.appendLeaves(leaves)
		e.childContributes = e.childContributes || ch.Contributes
	}
	if len(leaves) > 0 {
		e.leafValues = []string{string(leaves)}
	}
	k := c.key(fi)
	sh := &c.shards[k%uint64(len(c.shards))]
	sh.mu.Lock()
	if len(sh.m) >= maxFramesPerShard {
		sh.m = make(map[uint64]*frameEntry)
	}
	sh.m[k] = e
	sh.mu.Unlock()
	return e
}
