package scrub

import (
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// pos is where a value sits in Sentry's event schema, as far as scrubbing cares.
type pos uint8

const (
	posOther            pos = iota // a field Sentry does not scrub by default (ids, frames' code locations, sdk …)
	posPII                         // a field Sentry scrubs, and everything under it
	posEvent                       // the event itself
	posExceptionValues             // exception: {"values": [...]}
	posThreadValues                // threads: {"values": [...]}
	posBreadcrumbValues            // breadcrumbs: {"values": [...]}
	posExceptions                  // exception.values
	posException                   // one exception
	posThreads                     // threads.values
	posThread                      // one thread
	posBreadcrumbs                 // breadcrumbs.values
	posBreadcrumb                  // one breadcrumb
	posSpans                       // a transaction\'s spans
	posSpan                        // one span
	posStacktrace                  // a stacktrace
	posFrames                      // stacktrace.frames
	posFrame                       // one frame
	posRequest                     // request: all PII, cookies are sensitive
	posEnv                         // request.env
	posHeaders                     // request.headers
	posSDK                         // sdk
	posIPField                     // user.ip_address, request.env.REMOTE_ADDR, sdk.client_ip
)

// pii reports whether Sentry scrubs values at p by default (Relay's pii "true").
func (p pos) pii() bool {
	return p == posPII || p == posRequest || p == posEnv || p == posHeaders || p == posIPField
}

// narrows reports whether some members of an object at p are fields Sentry does not scrub,
// and no field under them gets a schema type: the objects Enter narrows without applications.
func (p pos) narrows() bool {
	switch p {
	case posEvent, posExceptionValues, posThreadValues, posBreadcrumbValues, posException, posThread,
		posStacktrace, posFrame, posBreadcrumb, posSpan, posSDK:
		return true
	}
	return false
}

// Value types of Relay's selectors ($frame, $http …), set on the values they name.
const (
	typeEvent uint16 = 1 << iota
	typeException
	typeStacktrace
	typeFrame
	typeRequest
	typeUser
	typeLogEntry
	typeThread
	typeBreadcrumb
	typeSDK
)

// Inherited filtering: Sentry filters a sensitive key's literal values and arrays, not objects.
const (
	filterNone uint8 = iota
	filterDefault
	filterExtra
)

// level is the state of one open value of the walk.
type level struct {
	pos    pos
	types  uint16
	safe   bool   // under a safe field: no default scrubbing
	filter uint8  // filter every literal under here (a sensitive key's array)
	seen   uint16 // the types of this value and of those it is in, kept with applications
	apps   uint64
	kind   event.ValueKind
	// narrow: with applications, none can select a value in this object's members that Sentry
	// does not scrub, so those are turned away before anything is matched.
	narrow bool
	index  int
}

// Session is one event's scrubbing; it implements event.Editor.
type Session struct {
	s     *Scrubber
	stack []level
	// keys parallels stack when the scrubber has applications, the only readers of keys: level
	// holds no pointers, so pushing one costs no write barrier.
	keys []string
	buf  []byte
}

var _ event.Editor = (*Session)(nil)

// child decides the schema position of a member or element of parent.
func child(parent pos, key string, index int) (pos, uint16) {
	switch parent {
	case posPII:
		return posPII, 0
	case posEvent:
		switch key {
		case "exception":
			return posExceptionValues, 0
		case "threads":
			return posThreadValues, 0
		case "breadcrumbs":
			return posBreadcrumbValues, 0
		case "stacktrace":
			return posStacktrace, typeStacktrace
		case "request":
			return posRequest, typeRequest
		case "user":
			return posPII, typeUser
		case "logentry":
			return posPII, typeLogEntry
		case "extra", "contexts", "tags", "message":
			return posPII, 0
		case "sdk":
			return posSDK, typeSDK
		case "spans":
			return posSpans, 0
		}
	case posExceptionValues:
		if key == "values" {
			return posExceptions, 0
		}
	case posThreadValues:
		if key == "values" {
			return posThreads, 0
		}
	case posBreadcrumbValues:
		if key == "values" {
			return posBreadcrumbs, 0
		}
	case posExceptions:
		if index >= 0 {
			return posException, typeException
		}
	case posException:
		switch key {
		case "value":
			return posPII, 0
		case "stacktrace", "raw_stacktrace":
			return posStacktrace, typeStacktrace
		}
	case posThreads:
		if index >= 0 {
			return posThread, typeThread
		}
	case posThread:
		if key == "stacktrace" {
			return posStacktrace, typeStacktrace
		}
	case posBreadcrumbs:
		if index >= 0 {
			return posBreadcrumb, typeBreadcrumb
		}
	case posBreadcrumb:
		if key == "message" || key == "data" {
			return posPII, 0
		}
	case posSpans:
		if index >= 0 {
			return posSpan, 0
		}
	case posSpan:
		if key == "data" {
			return posPII, 0
		}
	case posStacktrace:
		if key == "frames" {
			return posFrames, 0
		}
	case posFrames:
		if index >= 0 {
			return posFrame, typeFrame
		}
	case posFrame:
		if key == "vars" {
			return posPII, 0
		}
	case posRequest:
		switch key {
		case "env":
			return posEnv, 0
		case "headers":
			return posHeaders, 0
		}
		return posPII, 0
	case posHeaders:
		return posPII, 0
	case posEnv:
		if key == "REMOTE_ADDR" {
			return posIPField, 0
		}
		return posPII, 0
	case posSDK:
		if key == "client_ip" {
			return posIPField, 0
		}
	}
	return posOther, 0
}

// The members the defaults read of the objects that have others (without applications, which
// may select anything).
var (
	onlyEvent      = []string{"exception", "threads", "breadcrumbs", "stacktrace", "request", "user", "logentry", "extra", "contexts", "tags", "message", "sdk", "spans"}
	onlyException  = []string{"value", "stacktrace", "raw_stacktrace"}
	onlyThread     = []string{"stacktrace"}
	onlyStacktrace = []string{"frames"}
	onlyFrame      = []string{"vars"}
	onlyBreadcrumb = []string{"message", "data"}
	onlySpan       = []string{"data"}
	onlyValues     = []string{"values"}
	onlySDK        = []string{"client_ip"}
)

// Enter implements event.Editor.
func (ss *Session) Enter(key string, index int, kind event.ValueKind) (bool, []string) {
	if !ss.enter(key, index, kind) {
		return false, nil
	}
	if ss.s.anyApps {
		// A narrowed object's other members are turned away anyway. The walk goes through an
		// only list in its order, and through members in theirs, which _meta's order follows:
		// with applications, whose walk goes in the members' order, a list of one key keeps it.
		if top := &ss.stack[len(ss.stack)-1]; top.narrow {
			if only := ss.only(top.pos); len(only) == 1 {
				return true, only
			}
		}
		return true, nil
	}
	if kind == event.ArrayValue {
		if ss.stack[len(ss.stack)-1].pos == posFrames {
			// Most frames have no vars: those need not be announced.
			return true, onlyFrame
		}
		return true, nil
	}
	if kind != event.ObjectValue {
		return true, nil
	}
	return true, ss.only(ss.stack[len(ss.stack)-1].pos)
}

// only returns the members the defaults read of an object at p, nil for all.
func (ss *Session) only(p pos) []string {
	switch p {
	case posExceptionValues, posThreadValues, posBreadcrumbValues:
		return onlyValues
	case posException:
		return onlyException
	case posThread:
		return onlyThread
	case posStacktrace:
		return onlyStacktrace
	case posFrame:
		return onlyFrame
	case posBreadcrumb:
		return onlyBreadcrumb
	case posSpan:
		return onlySpan
	case posSDK:
		return onlySDK
	}
	return nil
}

// Root is what Enter says of the event itself: the walk starts there.
func (ss *Session) Root() []string {
	if ss.s.anyApps {
		return nil
	}
	return onlyEvent
}

func (ss *Session) enter(key string, index int, kind event.ValueKind) bool {
	s := ss.s
	parent := &ss.stack[len(ss.stack)-1]
	p, types := child(parent.pos, key, index)
	if parent.types&typeUser != 0 && key == "ip_address" {
		p = posIPField
	}
	if p == posOther && parent.narrow {
		return false
	}
	l := level{pos: p, types: types, safe: parent.safe, filter: parent.filter, apps: parent.apps, kind: kind, index: index}
	if l.pos == posIPField && !s.ips && (s.defaults || s.extra) {
		l.pos = posPII // still subject to the defaults
	}
	if l.filter != filterNone && kind == event.ObjectValue {
		l.filter = filterNone // Sentry filters a sensitive key's literals and arrays, not objects
	}
	pii := l.pos.pii()
	if pii && !l.safe && key != "" && len(s.safe) > 0 && ss.isSafe(key) {
		l.safe = true
	}
	if pii && !l.safe && key != "" && kind != event.ObjectValue {
		hit := s.words.find(key)
		switch {
		case hit&hitDefault != 0 || (parent.pos == posRequest || parent.pos == posHeaders) && containsFold(key, "cookie"):
			l.filter = filterDefault
		case hit&hitExtra != 0:
			l.filter = filterExtra
		}
	}
	if s.anyApps {
		l.seen = parent.seen | types
		ss.stack = append(ss.stack, l)
		ss.keys = append(ss.keys, key)
		top := &ss.stack[len(ss.stack)-1]
		for i := range s.apps {
			a := &s.apps[i]
			if (pii || a.specific) && (a.last == nil || a.last.matches(top, key)) && a.sel.matches(ss.stack[1:], ss.keys[1:]) {
				top.apps |= 1 << i
			}
		}
		if top.pos == posOther && top.apps == 0 && (top.kind < event.ObjectValue || !s.reachable(top.seen)) && !s.walkAll {
			// Edit changes nothing at a field Sentry does not scrub that no application selected,
			// and nothing under one can match when no application naming a key can reach it.
			ss.Leave()
			return false
		}
		if top.apps == 0 && kind == event.ObjectValue && top.pos.narrows() && !s.walkAll {
			top.narrow = !s.reachable(top.seen)
		}
		return true
	}
	if l.pos == posOther {
		return false
	}
	ss.stack = append(ss.stack, l)
	return true
}

// Leave implements event.Editor.
func (ss *Session) Leave() {
	ss.stack = ss.stack[:len(ss.stack)-1]
	if ss.s.anyApps {
		ss.keys = ss.keys[:len(ss.keys)-1]
	}
}

// key is the key of the value being edited, known only when the scrubber has applications.
func (ss *Session) key() string {
	if len(ss.keys) == 0 {
		return ""
	}
	return ss.keys[len(ss.keys)-1]
}

func (ss *Session) isSafe(key string) bool {
	for _, f := range ss.s.safe {
		if len(f) == len(key) && strings.EqualFold(f, key) {
			return true
		}
	}
	return false
}

// Edit implements event.Editor.
func (ss *Session) Edit(text string, kind event.ValueKind, c *event.Change) bool {
	s := ss.s
	l := &ss.stack[len(ss.stack)-1]
	pii := l.pos.pii()
	if l.pos == posIPField && s.ips {
		if kind == event.NullValue {
			return false
		}
		c.Remove = true
		c.Remarks = append(c.Remarks, event.Remark{RuleID: ruleIPRemove, Type: "x"})
		return true
	}
	if kind == event.BoolValue {
		return ss.applyApps(l, text, kind, c, false)
	}
	if pii && !l.safe {
		switch l.filter {
		case filterDefault:
			return filterValue(text, kind, ruleDefaultWords, c)
		case filterExtra:
			return filterValue(text, kind, ruleSensitiveWords, c)
		}
	}
	if kind != event.StringValue || !pii || l.safe || !s.valueDefaults {
		return ss.applyApps(l, text, kind, c, false)
	}
	if len(text) < s.shortest {
		// Shorter than every sensitive word and than anything a detector finds.
		return ss.applyApps(l, text, kind, c, false)
	}
	g, hit := s.census(text)
	switch {
	case hit&hitDefault != 0:
		return filterValue(text, kind, ruleDefaultWords, c)
	case hit&hitExtra != 0:
		return filterValue(text, kind, ruleSensitiveWords, c)
	}
	text, changed := ss.applyDefaults(text, g, c)
	if ss.applyApps(l, text, kind, c, changed) {
		return true
	}
	if changed {
		c.Text = text
	}
	return changed
}

// census reads a text once: the byte classes the detectors' gates need, and whether a word of
// the default or the additional sensitive words starts anywhere in it.
func (s *Scrubber) census(text string) (gates, uint8) {
	if len(text) == 0 {
		return gates{}, 0
	}
	bigrams := &s.words.bigrams
	var hit uint8
	or := byteInfo[text[0]]
	sum := or
	for i := 1; i < len(text); i++ {
		e := byteInfo[text[i]]
		or |= e
		sum += e
		if b := bigrams[uint16(text[i-1])<<8|uint16(text[i])]; b != 0 && b&^hit != 0 {
			hit |= s.words.startsAt(text, i-1, b&^hit)
		}
	}
	return gatesOf(len(text), or, sum), hit
}

// filterValue replaces a literal with "[Filtered]", or removes a number.
func filterValue(text string, kind event.ValueKind, rule string, c *event.Change) bool {
	if kind == event.StringValue {
		if text == filtered {
			return false
		}
		c.Text = filtered
		c.Remarks = append(c.Remarks, event.Remark{RuleID: rule, Type: "s", Start: 0, End: len(filtered), Ranged: true})
		return true
	}
	c.Remove = true
	c.Remarks = append(c.Remarks, event.Remark{RuleID: rule, Type: "x"})
	return true
}

// applyDefaults runs the value detectors of the defaults over text.
func (ss *Session) applyDefaults(text string, g gates, c *event.Change) (string, bool) {
	s := ss.s
	changed := false
	// Every default detector needs four digits (cards, IBANs, SSNs), an '@' (URL credentials)
	// or a long dashed text (PEM keys): most texts have none of these.
	if s.defaults && (g.digits >= 4 || g.has(clAt) || g.has(clDash) && g.length >= 40) {
		for _, d := range defaultDetectors {
			if !d.gate(g) {
				continue
			}
			if out, ok := ss.redact(text, d, d.filter, c); ok {
				text, changed = out, true
				g = gate(text)
			}
		}
	}
	if s.ips && detectIP.gate(g) {
		if out, ok := ss.redact(text, detectIP, detectIP.replace, c); ok {
			text, changed = out, true
		}
	}
	return text, changed
}

// applyApps applies the advanced rules that selected this value. already says whether c holds
// earlier changes to text.
func (ss *Session) applyApps(l *level, text string, kind event.ValueKind, c *event.Change, already bool) bool {
	if l.apps == 0 {
		return false
	}
	changed := already
	for i := range ss.s.apps {
		if l.apps&(1<<i) == 0 {
			continue
		}
		for _, r := range ss.s.apps[i].rules {
			out, removed, ok := ss.applyRule(r, r.id, l, text, kind, c)
			if !ok {
				continue
			}
			changed = true
			if removed {
				c.Remove = true
				return true
			}
			text, kind = out, event.StringValue
		}
	}
	if changed {
		c.Remove = false
		c.Text = text
	}
	return changed
}
