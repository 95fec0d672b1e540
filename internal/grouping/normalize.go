package grouping

import (
	"strings"

	"github.com/faultline/faultline/internal/grouping/enhancers"
	"github.com/faultline/faultline/internal/grouping/glob"
	"github.com/faultline/faultline/internal/sentry/event"
)

// frameInfo is a frame as grouping sees it after Sentry's stacktrace normalization (function
// trimming, JS query stripping, multiprocessing context lines). The event's frame is untouched.
type frameInfo struct {
	f           *event.Frame
	platform    string
	family      enhancers.Family
	function    string // trimmed
	rawFunction string // the untrimmed name when trimming changed it, or the SDK's raw_function
	filename    string
	module      string
	contextLine string
	cached      *frameEntry
}

// prepared is one stacktrace after normalization and stack-trace rules.
type prepared struct {
	st     *event.Stacktrace
	frames []frameInfo
	// states are the rules' outcome per frame: own (this state's buffer) or a stack cache
	// entry's, read-only either way.
	states []enhancers.FrameState
	own    []enhancers.FrameState
	match  []enhancers.Frame
	rules  [][]uint64
	stack  enhancers.Stack
}

// newPrepared reuses the pooled state's buffers: nothing in a Result points into them.
func (s *state) newPrepared(st *event.Stacktrace, n int) *prepared {
	k := len(s.stacks)
	if k < len(s.spare) {
		s.spare[k].st = st
	} else {
		s.spare = append(s.spare, prepared{st: st})
	}
	p := &s.spare[k]
	p.frames = resize(p.frames, n)
	p.own = resize(p.own, n)
	p.states = p.own
	p.match = resize(p.match, n)
	p.rules = resize(p.rules, n)
	p.stack = enhancers.Stack{}
	return p
}

// resize returns b with length n; prepare and Apply overwrite every element, so old contents
// need no clearing.
func resize[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// prepare normalizes a stacktrace once per event and runs the stack-trace rules over it. exc is
// the exception it belongs to (for error.* matchers), or nil.
func (s *state) prepare(st *event.Stacktrace, exc *event.Exception) *prepared {
	for _, p := range s.stacks {
		if p.st == st {
			return p
		}
	}
	n := len(st.Frames)
	p := s.newPrepared(st, n)
	match := p.match
	for i := range st.Frames {
		f := &st.Frames[i]
		fi := &p.frames[i]
		fi.f = f
		fi.platform = f.Platform
		if fi.platform == "" {
			fi.platform = s.ev.Platform
		}
		fi.family = enhancers.FamilyOf(fi.platform)
		fi.function, fi.rawFunction = f.Function, f.RawFunction
		if f.RawFunction == "" && f.Function != "" {
			if t := trimFunctionName(f.Function, fi.platform); t != f.Function {
				fi.function, fi.rawFunction = t, f.Function
			}
		}
		fi.filename = f.Filename
		// Only for events whose platform is exactly javascript (not node): cache-busting query
		// strings are not part of the file.
		if s.ev.Platform == "javascript" {
			if q := strings.IndexByte(fi.filename, '?'); q >= 0 {
				fi.filename = fi.filename[:q]
			}
		}
		fi.contextLine = f.ContextLine
		if !s.cfg.keepMultiprocessingContext && s.ev.Platform == "python" {
			fi.contextLine = parameterizeSpawnMain(f, fi.contextLine)
		}
		// Modules of JavaScript frames come from the SDK or from symbolication (which derives
		// them from the original source's path); grouping does not guess them from URLs.
		fi.module = f.Module
		path := f.AbsPath
		if path == "" {
			path = f.Filename
		}
		var clientInApp int8 = -1
		if f.InApp != nil {
			clientInApp = 0
			if *f.InApp {
				clientInApp = 1
			}
		}
		fn := fi.function
		if fn == "" {
			// Rules see a frame without a function as "<unknown>", so function:"<unknown>"
			// matches it.
			fn = "<unknown>"
		}
		match[i] = enhancers.Frame{
			Family:      fi.family,
			Path:        path,
			Module:      fi.module,
			Function:    fn,
			Package:     f.Package,
			ClientInApp: clientInApp,
		}
		fi.cached = s.cachedFrame(fi, &match[i])
		p.rules[i] = fi.cached.rules
		// Static matches come from the cache; only caller/callee path matchers still read
		// these fields, and they want them folded.
		if s.g.stackRules.NeighbourPaths() {
			match[i].Path, match[i].Package = glob.Fold(path), glob.Fold(f.Package)
		}
	}
	var ex *enhancers.Exception
	if exc != nil && s.g.stackRules.NeedsException() {
		ex = &enhancers.Exception{Type: exc.Type, Mechanism: mechanismType(exc)}
		if s.g.stackRules.NeedsErrorValue() {
			ex.Value = strings.ToLower(exc.Value)
		}
	}
	if e, k := s.g.stacks.lookup(p, ex); e != nil {
		p.states, p.stack = e.states, e.stack
	} else {
		p.stack = s.g.stackRules.ApplyWith(match, p.rules, ex, p.states)
		s.g.stacks.store(k, p, ex)
	}
	s.stacks = append(s.stacks, p)
	return p
}

func mechanismType(exc *event.Exception) string {
	if exc.Mechanism == nil {
		return ""
	}
	return exc.Mechanism.Type
}

// parameterizeSpawnMain replaces the numbers in the context line of the frame Python's
// multiprocessing runs in a child ("spawn_main(tracker_fd=12, pipe_handle=31)"), which differ on
// every run.
func parameterizeSpawnMain(f *event.Frame, line string) string {
	if f.Module != "__main__" || f.Filename != "<string>" || f.Function != "<module>" ||
		!strings.Contains(line, "spawn_main(") || !strings.Contains(line, "pipe_handle=") ||
		!(strings.Contains(line, "tracker_fd=") || strings.Contains(line, "parent_pid=")) {
		return line
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		b.WriteByte(line[i])
		if line[i] == '=' {
			j := i + 1
			for j < len(line) && '0' <= line[j] && line[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("<int>")
				i = j - 1
			}
		}
	}
	return b.String()
}

// crashFrame is the frame Sentry names as where the error happened: the last in-app frame of the
// main stacktrace, else its last frame. With named, only frames with a usable function name
// count (as for the metadata); it may then be nil.
func (s *state) crashFrame(named bool) (*frameInfo, *prepared) {
	var st *event.Stacktrace
	var exc *event.Exception
	if n := len(s.ev.Exceptions); n > 0 {
		exc = &s.ev.Exceptions[n-1]
		if exc.Stacktrace != nil && len(exc.Stacktrace.Frames) > 0 {
			st = exc.Stacktrace
		}
	}
	if st == nil && s.ev.Stacktrace != nil && len(s.ev.Stacktrace.Frames) > 0 {
		st, exc = s.ev.Stacktrace, nil
	}
	if st == nil && len(s.ev.Threads) == 1 && s.ev.Threads[0].Stacktrace != nil && len(s.ev.Threads[0].Stacktrace.Frames) > 0 {
		st, exc = s.ev.Threads[0].Stacktrace, nil
	}
	if st == nil {
		return nil, nil
	}
	p := s.prepare(st, exc)
	var fallback *frameInfo
	for i := len(p.frames) - 1; i >= 0; i-- {
		fi := &p.frames[i]
		if named && (fi.function == "" || fi.function == "<redacted>" || fi.function == "<unknown>") {
			continue
		}
		if p.states[i].InApp {
			return fi, p
		}
		if fallback == nil {
			fallback = fi
		}
	}
	return fallback, p
}
