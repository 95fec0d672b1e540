package enhancers

import (
	mathbits "math/bits"
	"slices"
)

// Frame is what rules see of one frame. The caller fills it once per frame.
type Frame struct {
	Family   Family
	Path     string // abs_path, else filename; passed through glob.Fold
	Module   string
	Function string // after function-name trimming
	Package  string // passed through glob.Fold
	// ClientInApp is the SDK's in_app: -1 not sent, 0 false, 1 true.
	ClientInApp int8
}

// Exception is what error.* matchers see: the exception the stacktrace belongs to.
type Exception struct {
	Type      string
	Value     string // lowercased
	Mechanism string
}

// FrameState is a frame's outcome.
type FrameState struct {
	// InApp is the final in-app flag (not set by anyone means false).
	InApp bool
	// InAppSet reports whether the client or a rule decided InApp.
	InAppSet bool
	// InAppRule is the last rule that set in-app; nil when the client decided (or nobody did).
	InAppRule *Rule
	Category  string
	// Group is +1 after +group, -1 after -group, 0 when no rule touched grouping.
	Group     int8
	GroupRule *Rule

	inApp int8 // working tri-state
}

// Stack is the stacktrace-level outcome: limits set by max-frames / min-frames (0 = unset).
type Stack struct {
	MaxFrames, MinFrames int
	MaxRule, MinRule     *Rule
}

// Apply runs the rules top to bottom over all frames (caller first, crash last), writing one
// state per frame into states (len(states) must equal len(frames)). A rule sees what earlier
// rules did: categories they assigned and in-app flags they set.
func (rs *Rules) Apply(frames []Frame, exc *Exception, states []FrameState) Stack {
	var bitsBuf [32][]uint64
	bits := bitsBuf[:0]
	if rs != nil && len(rs.rules) > 0 {
		for i := range frames {
			bits = append(bits, rs.staticBits(&frames[i]))
		}
	}
	return rs.ApplyWith(frames, bits, exc, states)
}

// StaticMatches is the set of rules (bit i = rule i) whose frame-only matchers (family, path,
// module, function, package) hold for f. It depends on nothing but f, so callers may cache it.
func (rs *Rules) StaticMatches(f *Frame) []uint64 {
	bits := make([]uint64, (rs.Len()+63)/64)
	if rs == nil {
		return bits
	}
	for i, r := range rs.rules {
		if r.matchesStatic(f) {
			bits[i/64] |= 1 << (i % 64)
		}
	}
	return bits
}

// ApplyWith is Apply with each frame's StaticMatches supplied by the caller.
func (rs *Rules) ApplyWith(frames []Frame, static [][]uint64, exc *Exception, states []FrameState) Stack {
	for i := range frames {
		states[i] = FrameState{inApp: frames[i].ClientInApp}
	}
	var st Stack
	if rs == nil || len(rs.rules) == 0 {
		for i := range states {
			s := &states[i]
			s.InAppSet = s.inApp >= 0
			s.InApp = s.inApp == 1
		}
		return st
	}
	bits := static
	var anyBuf [8]uint64
	candidates := anyBuf[:0]
	for _, b := range bits {
		if len(candidates) < len(b) {
			candidates = append(candidates, make([]uint64, len(b)-len(candidates))...)
		}
		for w := range b {
			candidates[w] |= b[w]
		}
	}
	// Two passes, as Sentry's engine runs them: first the rules that modify frames (categories
	// and in-app), in rule order, so a rule sees the categories and in-app flags earlier rules
	// set; then the rules that decide what contributes (+/-group, max-frames, min-frames), which
	// see the final categories and in-app flags. Only rules whose frame-only matchers hold for
	// some frame, and whose categories some frame has, are visited.
	var seenBuf [8]string
	seen := seenBuf[:0]
	for _, modifying := range [2]bool{true, false} {
		for w, word := range candidates {
			for word != 0 {
				k := mathbits.TrailingZeros64(word)
				word &^= 1 << k
				ri := w*64 + k
				r := rs.rules[ri]
				if (modifying && !r.modifies) || (!modifying && !r.contributes) {
					continue
				}
				if !hasAll(seen, r.needsCategories) {
					continue
				}
				bit := uint64(1) << k
				for i := range frames {
					if bits[i][w]&bit == 0 || !r.matchesDynamic(frames, states, i, exc) {
						continue
					}
					r.apply(states, i, &st, modifying)
					if modifying {
						if c := states[i].Category; c != "" && !slices.Contains(seen, c) {
							seen = append(seen, c)
						}
					}
				}
			}
		}
	}
	for i := range states {
		s := &states[i]
		s.InAppSet = s.inApp >= 0
		s.InApp = s.inApp == 1
	}
	return st
}

func (r *Rule) apply(states []FrameState, i int, st *Stack, modifying bool) {
	for _, a := range r.actions {
		if a.modifies() != modifying {
			continue
		}
		switch a.kind {
		case actionCategory:
			states[i].Category = a.str
		case actionMaxFrames:
			st.MaxFrames, st.MaxRule = a.limit, r
		case actionMinFrames:
			st.MinFrames, st.MinRule = a.limit, r
		case actionApp, actionGroup:
			lo, hi := i, i+1
			switch a.rng {
			case rangeUp:
				lo, hi = i+1, len(states)
			case rangeDown:
				lo, hi = 0, i
			}
			for j := lo; j < hi; j++ {
				s := &states[j]
				if a.kind == actionApp {
					s.inApp = 0
					if a.flag {
						s.inApp = 1
					}
					s.InAppRule = r
				} else {
					s.Group = -1
					if a.flag {
						s.Group = 1
					}
					s.GroupRule = r
				}
			}
		}
	}
}

func (m *matcher) test(f *Frame, s *FrameState, exc *Exception) bool {
	switch m.field {
	case fieldFamily:
		return m.families&(1<<f.Family) != 0
	case fieldApp:
		return s != nil && (s.inApp == 1) == m.app
	case fieldClientUnset:
		return f.ClientInApp < 0
	case fieldPath:
		return f.Path != "" && m.pat.Match(f.Path)
	case fieldModule:
		return f.Module != "" && m.pat.Match(f.Module)
	case fieldFunction:
		return f.Function != "" && m.pat.Match(f.Function)
	case fieldPackage:
		return f.Package != "" && m.pat.Match(f.Package)
	case fieldCategory:
		return s != nil && s.Category != "" && m.pat.Match(s.Category)
	case fieldErrorType:
		return exc != nil && exc.Type != "" && m.pat.Match(exc.Type)
	case fieldErrorValue:
		return exc != nil && exc.Value != "" && m.pat.Match(exc.Value)
	case fieldErrorMechanism:
		return exc != nil && exc.Mechanism != "" && m.pat.Match(exc.Mechanism)
	}
	return false
}

// NeedsException reports whether any rule reads the exception (error.* matchers): without
// one, a stack's outcome depends on its frames alone.
func (rs *Rules) NeedsException() bool { return rs != nil && rs.needsException }

// NeedsErrorValue reports whether any rule has an error.value matcher, so callers lowercase
// exception values only when some rule will read them.
func (rs *Rules) NeedsErrorValue() bool {
	if rs == nil {
		return false
	}
	return rs.needsValue
}

// hasAll reports whether every name in want is in have.
func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
