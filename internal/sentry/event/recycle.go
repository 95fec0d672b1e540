package event

import "sync"

// viewSlabs hold the frames and the frames' context lines of a recyclable view (see
// NormalizeOptions.Recyclable): 8.5 of the 9.6 KB the reference event's view allocates. A
// collection cycle costs the receiver about the same whatever a request left behind, so the
// fewer bytes a request allocates, the fewer cycles: a KB per request cost about 3 k
// instructions at GOGC=100 (BenchmarkHandleNodeErrorEnvelope, issue 18). Clearing a slab while
// the collector marks pays write barriers that fresh memory does not; the cycles saved weigh
// more.
type viewSlabs struct {
	frames []Frame
	lines  []string
}

// Slabs past these sizes (a few unusual events) are left to the collector rather than kept.
const (
	maxPooledFrames = 512
	maxPooledLines  = 8192
)

var slabPool = sync.Pool{New: func() any { return new(viewSlabs) }}

// takeFrames returns n zeroed frames, the caller's alone: their capacity ends where they do.
func (s *viewSlabs) takeFrames(n int) []Frame {
	if cap(s.frames)-len(s.frames) < n {
		// Frames already taken keep the old slab; it is collected with the view.
		s.frames = make([]Frame, 0, max(n, 2*cap(s.frames), 16))
	}
	start := len(s.frames)
	s.frames = s.frames[:start+n]
	return s.frames[start : start+n : start+n]
}

// takeLines returns an empty list with room for n strings, the caller's alone.
func (s *viewSlabs) takeLines(n int) []string {
	if cap(s.lines)-len(s.lines) < n {
		s.lines = make([]string, 0, max(n, 2*cap(s.lines), 64))
	}
	start := len(s.lines)
	s.lines = s.lines[:start+n]
	return s.lines[start : start : start+n]
}

// recycle puts the slabs back for the next view. Clearing them zeroes the frames the next view
// takes and lets the collector free the payloads their strings pointed into.
func (s *viewSlabs) recycle() {
	if cap(s.frames) > maxPooledFrames || cap(s.lines) > maxPooledLines {
		return
	}
	clear(s.frames)
	clear(s.lines)
	s.frames, s.lines = s.frames[:0], s.lines[:0]
	slabPool.Put(s)
}

// frames returns n frames for a stack trace: from the view's slabs when it is recyclable.
func (t *tree) frames(n int) []Frame {
	if t.slabs == nil {
		return make([]Frame, n)
	}
	return t.slabs.takeFrames(n)
}

// lineBacking returns the backing list of the view's context lines, with room for n.
func (t *tree) lineBacking(n int) []string {
	if t.slabs == nil {
		return make([]string, 0, n)
	}
	return t.slabs.takeLines(n)
}
