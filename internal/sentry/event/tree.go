package event

import (
	"sync"

	"github.com/faultline/faultline/internal/jsontext"
)

// tree is a parsed event (package jsontext) and what normalization keeps beside it.
type tree struct {
	jsontext.Tree
	// frameLines counts the context lines in the frames normalizeFrames walked, so that decode can
	// give them all one backing list of the exact size; 0 when normalization did not run.
	frameLines int
	// meta collects what trimming removed and an Editor changed, written to the event's _meta
	// at the end.
	meta []metaEntry
	// walk is the state of an Editor's walk (edit.go), kept for the next event.
	walk *editWalk
	// slabs, when set, give decode the frames and context lines of a recyclable view.
	slabs *viewSlabs
}

const (
	// maxInputDepth bounds the nesting Normalize accepts. serde_json, which Relay parses with,
	// stops at 128; Sentry's databags (extra, contexts) are trimmed far below that.
	maxInputDepth = jsontext.DefaultMaxDepth
	// maxStoredDepth bounds the nesting Decode and ParseDocument accept: normalization wraps bare
	// exception/thread/breadcrumb objects in {"values":[…]}, adding two levels to what it read.
	maxStoredDepth = maxInputDepth + 8
)

var treePool = sync.Pool{New: func() any { return &tree{} }}

// parse parses the document s into t; strings longer than the smallest string bound are counted
// for trimming (Shape.LongStrings).
func (t *tree) parse(s string, maxDepth int) error {
	return t.Parse(s, jsontext.Options{MaxDepth: maxDepth, LongString: minStringBound})
}

// release returns t to the pool.
func (t *tree) release() {
	t.Reset()
	t.frameLines = 0
	t.slabs = nil
	clear(t.meta)
	t.meta = t.meta[:0]
	treePool.Put(t)
}
