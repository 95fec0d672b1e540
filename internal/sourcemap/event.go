package sourcemap

import (
	"context"

	"github.com/faultline/faultline/internal/sentry/event"
)

// EventResult sums up the symbolication of a whole event.
type EventResult struct {
	Symbolicated int
	Errors       []ProcessingError
}

// JavaScriptPlatform reports whether Sentry runs JavaScript source map processing for events of
// this platform.
func JavaScriptPlatform(platform string) bool { return platform == "javascript" || platform == "node" }

// SymbolicateEvent symbolicates every stack trace of an event in place: exception stack traces
// (the frames as sent move to RawStacktrace when anything changed), thread stack traces and the
// legacy top-level one. Events of other platforms are left alone. Errors are de-duplicated across
// the event.
func (s *Symbolicator) SymbolicateEvent(ctx context.Context, project string, ev *event.Event) EventResult {
	var out EventResult
	if !JavaScriptPlatform(ev.Platform) {
		return out
	}
	seen := map[ProcessingError]bool{}
	budget := NewBudget()
	run := func(st *event.Stacktrace) (*event.Stacktrace, bool) {
		if st == nil || len(st.Frames) == 0 {
			return st, false
		}
		res := s.Symbolicate(ctx, Request{
			Project: project, Release: ev.Release, Dist: ev.Dist, Platform: ev.Platform,
			DebugImages: ev.DebugImages, Frames: st.Frames, Budget: budget,
		})
		out.Symbolicated += res.Symbolicated
		for _, e := range res.Errors {
			if !seen[e] {
				seen[e] = true
				out.Errors = append(out.Errors, e)
			}
		}
		return &event.Stacktrace{Frames: res.Frames}, res.Symbolicated > 0
	}
	for i := range ev.Exceptions {
		exc := &ev.Exceptions[i]
		if st, changed := run(exc.Stacktrace); changed {
			if exc.RawStacktrace == nil {
				exc.RawStacktrace = exc.Stacktrace
			}
			exc.Stacktrace = st
		} else if st != nil {
			exc.Stacktrace = st // unresolved frames carry data.symbolicated=false
		}
	}
	for i := range ev.Threads {
		if st, _ := run(ev.Threads[i].Stacktrace); st != nil {
			ev.Threads[i].Stacktrace = st
		}
	}
	if st, _ := run(ev.Stacktrace); st != nil {
		ev.Stacktrace = st
	}
	return out
}
