package grouping

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/grouping/enhancers"
	"github.com/faultline/faultline/internal/grouping/fingerprint"
	"github.com/faultline/faultline/internal/grouping/parameterize"
	"github.com/faultline/faultline/internal/sentry/event"
)

// state is the per-event working memory of one Group call. States are pooled: only the arena
// (whose components the Result keeps) is allocated afresh for every event.
type state struct {
	g      *Grouper
	cfg    *config
	ev     *event.Event
	a      arena
	stacks []*prepared
	spare  []prepared // backing store for stacks, reused across events
	fpView fingerprint.Event
	// trees: the Result keeps the component trees (Group) or only hashes (GroupHashes).
	trees bool
	// hashBuf collects the bytes a variant hash is taken over.
	hashBuf []byte
	tagFn   func(string) (string, bool) // s.tag, bound once per pooled state
	// forceValues: exception values are parameterized even where they cannot contribute,
	// because exception groups compare whole components.
	forceValues bool
	// mainException is the index of the exception that titles the event, -1 for the last one.
	mainException int
	// outs backs the strategies' results of one event (read by run, never kept).
	outs []strategyOut
}

var statePool = sync.Pool{New: func() any {
	s := new(state)
	s.tagFn = s.tag
	return s
}}

func newState(g *Grouper, ev *event.Event, trees bool) *state {
	s := statePool.Get().(*state)
	s.g, s.cfg, s.ev, s.trees = g, &g.cfg, ev, trees
	s.mainException = -1
	if !trees && cap(s.a.comps) > 0 {
		// Hash-only grouping: nothing outlives the call, so the pooled arena is reused.
		s.a.comps, s.a.ptrs, s.a.strs = s.a.comps[:0], s.a.ptrs[:0], s.a.strs[:0]
		s.a.reused = true
		return s
	}
	n := 0
	for i := range ev.Exceptions {
		if st := ev.Exceptions[i].Stacktrace; st != nil {
			n += len(st.Frames)
		}
	}
	if ev.Stacktrace != nil {
		n += len(ev.Stacktrace.Frames)
	}
	// Size the arena for the common case: a frame node per frame and variant (the frames'
	// children usually come from the frame cache), plus a few exception-level components.
	s.a.comps = make([]Component, 0, 16+n*2)
	s.a.ptrs = make([]*Component, 0, 16+n*2)
	s.a.strs = make([]string, 0, 8)
	return s
}

// release returns s to the pool without references to the event or the result.
func (s *state) release() {
	// The spare buffers keep pointing into this event until the next one overwrites them: at
	// most one event per pooled state stays reachable, which is cheaper than clearing them
	// (pointer clears pay write barriers while the GC runs).
	for i := range s.spare {
		s.spare[i].st = nil
	}
	if s.trees {
		s.a = arena{} // the Result owns these components now
	}
	// A hash-only arena keeps its memory (and, until overwritten, references to the last
	// event's strings: one event per pooled state at most).
	s.g, s.cfg, s.ev = nil, nil, nil
	s.fpView.Reset()
	clear(s.fpView.Exceptions[:cap(s.fpView.Exceptions)])
	clear(s.fpView.Messages[:cap(s.fpView.Messages)])
	clear(s.fpView.Frames[:cap(s.fpView.Frames)])
	s.stacks = s.stacks[:0]
	statePool.Put(s)
}

type variantComp struct {
	name string
	c    *Component
}

// strategyOut is what one strategy produced: a component per variant, in insertion order.
type strategyOut struct {
	name     string // as precedence hints name it: exception, threads, stacktrace, message
	variants []variantComp
}

func (s *state) strategies() []strategyOut {
	outs := s.outs[:0]
	defer func() { s.outs = outs[:0] }()
	if o, ok := s.chainedException(); ok {
		outs = append(outs, o)
	}
	if o, ok := s.threads(); ok {
		outs = append(outs, o)
	}
	if st := s.ev.Stacktrace; st != nil && len(st.Frames) > 0 {
		vs := s.stacktrace(s.prepare(st, nil))
		removeNonStacktraceVariants(vs)
		outs = append(outs, strategyOut{name: "stacktrace", variants: vs})
	}
	if o, ok := s.template(); ok {
		outs = append(outs, o)
	}
	if o, ok := s.securityReport(); ok {
		outs = append(outs, o)
	}
	if o, ok := s.message(); ok {
		outs = append(outs, o)
	}
	// The first strategy (highest score) with a contributing component wins; what later ones
	// would have contributed is marked as overruled.
	// The hint is only built when some later strategy is overruled (most events have one).
	winner, because := -1, ""
	for k := range outs {
		for _, vc := range outs[k].variants {
			if !vc.c.Contributes {
				continue
			}
			if winner < 0 {
				winner = k
			} else if winner != k {
				if because == "" {
					because = precedenceHint(&outs[winner])
				}
				vc.c.set(false, because)
			}
		}
	}
	return outs
}

func precedenceHint(o *strategyOut) string {
	var names []string
	for _, vc := range o.variants {
		if vc.c.Contributes {
			names = append(names, vc.name)
		}
	}
	slices.Sort(names)
	verb := " takes precedence"
	if strings.HasSuffix(o.name, "s") {
		verb = " take precedence"
	}
	desc := o.name
	if !(len(names) == 1 && names[0] == "default") {
		desc = strings.Join(names, "/") + " " + o.name
	}
	return "ignored because " + desc + verb
}

// removeNonStacktraceVariants: when some variants have a contributing stacktrace and others do
// not, the others stop contributing (so "app" does not fall back to type+value while "system"
// groups by frames).
func removeNonStacktraceVariants(vs []variantComp) {
	if len(vs) <= 1 {
		return
	}
	var with []string
	for _, vc := range vs {
		if vc.c.hasContributing("stacktrace") {
			with = append(with, vc.name)
		}
	}
	if len(with) == 0 {
		return
	}
	suffix := "others do"
	if len(with) == 1 {
		suffix = "but the " + with[0] + " variant does"
	}
	for _, vc := range vs {
		if !slices.Contains(with, vc.name) {
			vc.c.set(false, "ignored because this variant does not have a contributing stacktrace, "+suffix)
		}
	}
}

func (s *state) chainedException() (strategyOut, bool) {
	all := s.ev.Exceptions
	if len(all) == 0 {
		return strategyOut{}, false
	}
	// Every exception's components first: exception groups compare them to find duplicates.
	var compsBuf [4][]variantComp
	comps := compsBuf[:0]
	if len(all) > len(compsBuf) {
		comps = make([][]variantComp, 0, len(all))
	}
	tree := parseExceptionGroup(s.ev)
	s.forceValues = tree != nil
	for i := range all {
		comps = append(comps, s.exception(&all[i]))
	}
	s.forceValues = false
	var selBuf [4]int
	sel := selBuf[:0]
	for i := range all {
		sel = append(sel, i)
	}
	if tree != nil {
		// Sentry tells duplicates apart by the hash over each exception's variant components:
		// their contributing leaves, variant after variant. What does not contribute (a value
		// the stack trace overrules, hints) does not keep two exceptions apart.
		keys := make([]string, len(all))
		var b []byte
		for i, vcs := range comps {
			b = b[:0]
			for _, vc := range vcs {
				b = vc.c.appendLeaves(b)
			}
			keys[i] = string(b)
		}
		if picked, main, ok := tree.selectExceptions(keys); ok {
			sel = picked
			if main >= 0 {
				s.mainException = main
			}
		}
	}
	var vs []variantComp
	if len(sel) == 1 {
		vs = comps[sel[0]]
	} else {
		chain := make([]*event.Exception, len(sel))
		for k, i := range sel {
			chain[k] = &all[i]
		}
		if id := overriddenMainException(chain); id != 0 {
			s.mainException = exceptionWithID(all, id)
		}
		// One chained_exception per variant name, holding each exception's component for it.
		var names []string
		lists := map[string][]*Component{}
		for _, i := range sel {
			for _, vc := range comps[i] {
				if _, ok := lists[vc.name]; !ok {
					names = append(names, vc.name)
				}
				lists[vc.name] = append(lists[vc.name], vc.c)
			}
		}
		for _, name := range names {
			c := s.a.node("chained_exception")
			c.Children = lists[name]
			c.computeContributes()
			vs = append(vs, variantComp{name, c})
		}
	}
	removeNonStacktraceVariants(vs)
	return strategyOut{name: "exception", variants: vs}, true
}

// exceptionWithID is the index of the exception with that mechanism.exception_id, or -1.
func exceptionWithID(excs []event.Exception, id int) int {
	for i := range excs {
		if m := excs[i].Mechanism; m != nil && m.ExceptionID != nil && *m.ExceptionID == id {
			return i
		}
	}
	return -1
}

func (s *state) exception(e *event.Exception) []variantComp {
	var typeC *Component
	if e.Type != "" {
		typeC = s.a.leaf("type", e.Type)
	} else {
		typeC = s.a.node("type")
	}
	if e.Mechanism != nil && e.Mechanism.Synthetic {
		typeC.set(false, "ignored because exception is synthetic")
	}
	var nsC *Component
	if m := e.Mechanism; m != nil && m.NSError != nil {
		// Cocoa errors are identified by domain and code, ahead of their message.
		nsC = s.a.node("ns_error")
		domainC := s.a.node("domain")
		if m.NSError.Domain != "" {
			domainC = s.a.leaf("domain", m.NSError.Domain)
		}
		nsC.Children = s.a.children(2)
		nsC.Children = append(nsC.Children, domainC, s.a.leaf("code", strconv.FormatInt(m.NSError.Code, 10)))
		nsC.computeContributes()
	}
	var stacks []variantComp
	if st := e.Stacktrace; st != nil && len(st.Frames) > 0 {
		stacks = s.stacktrace(s.prepare(st, e))
	} else {
		// Without a stacktrace an exception yields only the app variant.
		stacks = []variantComp{{"app", s.a.node("stacktrace")}}
	}
	normalized := ""
	if e.Value != "" {
		// Without trees, a value that cannot contribute (every variant has a contributing
		// stacktrace) is never seen, so it is not parameterized.
		needed := s.trees || s.forceValues
		for _, sv := range stacks {
			needed = needed || !sv.c.Contributes
		}
		normalized = e.Value
		if needed {
			normalized = parameterize.Normalize(e.Value, true)
		}
	}
	for i, sv := range stacks {
		valueC := s.a.node("value")
		if e.Value != "" {
			valueC = s.a.leaf("value", normalized)
			if normalized != e.Value {
				valueC.Hint = "stripped event-specific values"
			}
		}
		if sv.c.Contributes && valueC.Contributes {
			valueC.set(false, "ignored because stacktrace takes precedence")
		}
		if nsC != nil && nsC.Contributes && valueC.Contributes {
			valueC.set(false, "ignored because ns-error info takes precedence")
		}
		exc := s.a.node("exception")
		exc.Children = s.a.children(4)
		switch {
		case s.cfg.legacyExceptionOrder && nsC != nil:
			exc.Children = append(exc.Children, sv.c, typeC, nsC, valueC)
		case s.cfg.legacyExceptionOrder:
			exc.Children = append(exc.Children, sv.c, typeC, valueC)
		case nsC != nil:
			exc.Children = append(exc.Children, typeC, valueC, nsC, sv.c)
		default:
			exc.Children = append(exc.Children, typeC, valueC, sv.c)
		}
		exc.computeContributes()
		stacks[i] = variantComp{sv.name, exc}
	}
	return stacks
}

func (s *state) threads() (strategyOut, bool) {
	ths := s.ev.Threads
	if len(ths) == 0 {
		return strategyOut{}, false
	}
	var pick *event.Thread
	for _, want := range [2]func(*event.Thread) bool{
		func(t *event.Thread) bool { return t.Crashed },
		func(t *event.Thread) bool { return t.Current },
	} {
		var found *event.Thread
		n := 0
		for i := range ths {
			if want(&ths[i]) {
				found = &ths[i]
				n++
			}
		}
		if n == 1 {
			pick = found
			break
		}
	}
	if pick == nil && len(ths) == 1 {
		pick = &ths[0]
	}
	c := s.a.node("threads")
	if pick == nil {
		crashed, current := 0, 0
		for i := range ths {
			if ths[i].Crashed {
				crashed++
			}
			if ths[i].Current {
				current++
			}
		}
		c.Hint = "ignored because it contains neither a single thread nor multiple threads with exactly one crashing or current thread; instead contains " +
			strconv.Itoa(crashed) + " crashing, " + strconv.Itoa(current) + " current, and " + strconv.Itoa(len(ths)) + " total threads"
		return strategyOut{name: "threads", variants: []variantComp{{"app", c}}}, true
	}
	if pick.Stacktrace == nil || len(pick.Stacktrace.Frames) == 0 {
		c.Hint = "ignored because thread has no stacktrace"
		return strategyOut{name: "threads", variants: []variantComp{{"app", c}}}, true
	}
	vs := s.stacktrace(s.prepare(pick.Stacktrace, nil))
	for i, vc := range vs {
		t := c
		if i > 0 {
			t = s.a.node("threads")
		}
		t.Children = s.a.children(1)
		t.Children = append(t.Children, vc.c)
		t.computeContributes()
		vs[i].c = t
	}
	removeNonStacktraceVariants(vs)
	return strategyOut{name: "threads", variants: vs}, true
}

func (s *state) message() (strategyOut, bool) {
	le := s.ev.LogEntry
	if le == nil {
		return strategyOut{}, false
	}
	raw := le.Message
	if raw == "" {
		raw = le.Formatted
	}
	if raw == "" {
		return strategyOut{}, false
	}
	normalized := parameterize.Normalize(raw, true)
	c := s.a.leaf("message", normalized)
	if normalized != raw {
		c.Hint = "stripped event-specific values"
	}
	return strategyOut{name: "message", variants: []variantComp{{"default", c}}}, true
}

// stacktrace builds the app and system stacktrace components of a prepared stacktrace.
func (s *state) stacktrace(p *prepared) []variantComp {
	n := len(p.frames)
	sys := s.a.node("stacktrace")
	app := s.a.node("stacktrace")
	sys.Children = s.a.children(n)
	app.Children = s.a.children(n)
	var prev *event.Frame
	for i := range p.frames {
		fc := s.frame(&p.frames[i], prev)
		prev = p.frames[i].f
		sys.Children = append(sys.Children, fc)
	}
	// A lone function-less JavaScript frame says little; which ones are dropped depends on the
	// config (2023 kept a bug that inverted the URL condition).
	if n == 1 && sys.Children[0].Contributes && p.frames[0].family == enhancers.FamilyJavaScript && p.frames[0].f.Function == "" {
		isURL := hasURLOrigin(p.frames[0].f.AbsPath, true)
		if isURL == s.cfg.jsSingleFrameURLBackwards {
			sys.Children[0].set(false, "ignored single non-URL JavaScript frame")
		}
	}
	inApp := 0
	for i, fc := range sys.Children {
		st := &p.states[i]
		switch {
		case st.Group < 0:
			fc.set(false, st.GroupRule.Hint(enhancers.HintIgnored))
		case st.Group > 0:
			// +group restores what the frame's own components say, also for a frame the
			// strategy itself turned off.
			fc.set(p.frames[i].cached.childContributes, st.GroupRule.Hint(enhancers.HintUnignored))
		}
		ac := s.a.node("frame")
		// Field by field: a struct copy would take the bulk write-barrier path during GC.
		ac.Contributes, ac.Hint, ac.Values, ac.Children = fc.Contributes, fc.Hint, fc.Values, fc.Children
		if st.InApp {
			inApp++
			if ac.Hint == "" && ac.Contributes {
				ac.Hint = inAppHint(st)
			}
		} else {
			ac.Contributes = false
			ac.Hint = inAppHint(st)
		}
		app.Children = append(app.Children, ac)
	}
	s.finishStacktrace(sys, p, -1)
	s.finishStacktrace(app, p, inApp)
	return []variantComp{{"app", app}, {"system", sys}}
}

// finishStacktrace applies max-frames / min-frames and decides whether the stacktrace
// contributes. inApp is the number of in-app frames for the app variant, -1 for system.
func (s *state) finishStacktrace(c *Component, p *prepared, inApp int) {
	if max := p.stack.MaxFrames; max > 0 {
		kept := 0
		hint := "ignored because only " + strconv.Itoa(max) + " frames are considered"
		for i := len(c.Children) - 1; i >= 0; i-- {
			fc := c.Children[i]
			if !fc.Contributes {
				continue
			}
			if kept < max {
				kept++
				continue
			}
			fc.set(false, hint)
		}
	}
	c.computeContributes()
	contributing := 0
	for _, fc := range c.Children {
		if fc.Contributes {
			contributing++
		}
	}
	if min := p.stack.MinFrames; min > 0 && contributing > 0 && contributing < min {
		c.set(false, "discarded because stack trace only contains "+strconv.Itoa(contributing)+" frame(s) which is less than "+strconv.Itoa(min)+" allowed")
		return
	}
	switch {
	case len(c.Children) == 0:
		c.set(false, "ignored because it contains no frames")
	case inApp == 0:
		c.set(false, "ignored because it contains no in-app frames")
	case !c.Contributes:
		c.set(false, "ignored because it contains no contributing frames")
	}
}
