package grouping

import (
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Limits Sentry applies to issue texts.
const (
	titleValueChars  = 100  // the value part of "Type: value"
	maxCulpritChars  = 200  // MAX_CULPRIT_LENGTH
	maxMetadataValue = 1024 // metadata.value
	maxMetadataType  = 128  // metadata.type
)

// describe fills title, culprit and metadata the way Sentry derives them for issues.
func (s *state) describe(res *Result) {
	ev := s.ev
	md := &res.Metadata
	if n := len(ev.Exceptions); n > 0 {
		main := &ev.Exceptions[n-1]
		md.Type = truncateRunes(orDefault(main.Type, "Error"), maxMetadataType, "")
		md.Value = truncateRunes(main.Value, maxMetadataValue, "")
		if fi, _ := s.crashFrame(); fi != nil {
			md.Filename = fi.f.Filename
			md.Function = fi.f.Function
		}
		res.Title = md.Type
		if md.Value != "" {
			res.Title += ": " + truncateRunes(firstLine(md.Value), titleValueChars, "…")
		}
	} else {
		msg := ""
		if le := ev.LogEntry; le != nil {
			msg = orDefault(le.Formatted, le.Message)
		}
		if msg != "" && md.Title == "" {
			md.Title = truncateRunes(firstLine(msg), titleValueChars, "…")
		}
		res.Title = orDefault(md.Title, "<unlabeled event>")
	}
	if md.Title != "" {
		res.Title = md.Title
	}
	res.Culprit = truncateRunes(s.culprit(), maxCulpritChars, "…")
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func firstLine(s string) string {
	s = strings.TrimLeft(s, "\r\n")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func truncateRunes(s string, n int, ellipsis string) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for k < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return s[:i] + ellipsis
}

// culprit: the transaction when there is one, else the location of the in-app crash frame of the
// last stacktrace (falling back to its last frame), else the request URL.
func (s *state) culprit() string {
	ev := s.ev
	if ev.Transaction != "" {
		return ev.Transaction
	}
	var st *event.Stacktrace
	var exc *event.Exception
	for i := len(ev.Exceptions) - 1; i >= 0; i-- {
		if x := ev.Exceptions[i].Stacktrace; x != nil && len(x.Frames) > 0 {
			st, exc = x, &ev.Exceptions[i]
			break
		}
	}
	if st == nil && ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		st = ev.Stacktrace
	}
	if st != nil {
		p := s.prepare(st, exc)
		fallback := ""
		haveFallback := false
		for i := len(p.frames) - 1; i >= 0; i-- {
			if p.states[i].InApp {
				if c := frameCulprit(&p.frames[i]); c != "" {
					return c
				}
			} else if !haveFallback {
				fallback, haveFallback = frameCulprit(&p.frames[i]), true
			}
		}
		if fallback != "" {
			return fallback
		}
	}
	if ev.Request != nil {
		return ev.Request.URL
	}
	return ""
}

func frameCulprit(fi *frameInfo) string {
	f := fi.f
	switch fi.platform {
	case "objc", "cocoa", "native":
		return orDefault(f.Function, "?")
	}
	loc := orDefault(fi.module, f.Filename)
	if loc == "" {
		return ""
	}
	if fi.platform == "javascript" || fi.platform == "node" {
		return orDefault(f.Function, "?") + "(" + loc + ")"
	}
	return loc + " in " + orDefault(f.Function, "?")
}

// filterExceptionGroups narrows an exception-group tree (RFC 0079: mechanism.exception_id /
// parent_id) to what identifies the error: the distinct leaf-most non-group exceptions directly
// under the groups. Lists that are not a well-formed tree are used as they are.
func filterExceptionGroups(excs []event.Exception) []*event.Exception {
	out := make([]*event.Exception, len(excs))
	for i := range excs {
		out[i] = &excs[i]
	}
	if len(excs) < 2 {
		return out
	}
	byID := make(map[int]*event.Exception, len(excs))
	children := make(map[int][]*event.Exception, len(excs))
	var root *event.Exception
	for _, e := range out {
		m := e.Mechanism
		if m == nil || m.ExceptionID == nil {
			return out
		}
		id := *m.ExceptionID
		if _, dup := byID[id]; dup {
			return out
		}
		byID[id] = e
		if m.ParentID == nil {
			if root != nil {
				return out
			}
			root = e
			continue
		}
		if *m.ParentID == id {
			return out
		}
		children[*m.ParentID] = append(children[*m.ParentID], e)
	}
	if root == nil {
		return out
	}
	for parent := range children {
		if _, ok := byID[parent]; !ok {
			return out
		}
	}
	// Every exception must be reachable from the root exactly once (no cycles).
	seen := make(map[int]bool, len(excs))
	var walk func(e *event.Exception) bool
	walk = func(e *event.Exception) bool {
		id := *e.Mechanism.ExceptionID
		if seen[id] {
			return false
		}
		seen[id] = true
		for _, c := range children[id] {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	if !walk(root) || len(seen) != len(excs) {
		return out
	}
	// Top-level exceptions: the first non-group exception on every path from the root.
	var top []*event.Exception
	var collect func(e *event.Exception)
	collect = func(e *event.Exception) {
		if !e.Mechanism.IsExceptionGroup {
			top = append(top, e)
			return
		}
		for _, c := range children[*e.Mechanism.ExceptionID] {
			collect(c)
		}
	}
	collect(root)
	if len(top) == 0 {
		return out
	}
	// Distinct by what grouping would see of them (type, value and frames).
	distinct := top[:0:0]
	keys := map[string]bool{}
	for _, e := range top {
		k := exceptionKey(e)
		if !keys[k] {
			keys[k] = true
			distinct = append(distinct, e)
		}
	}
	if len(distinct) == 1 {
		// The one distinct exception plus its chain of first children ("caused by").
		chain := []*event.Exception{distinct[0]}
		for e := distinct[0]; ; {
			cs := children[*e.Mechanism.ExceptionID]
			if len(cs) == 0 {
				break
			}
			e = cs[0]
			chain = append(chain, e)
		}
		return inOriginalOrder(out, chain)
	}
	return inOriginalOrder(out, append(distinct, root))
}

func exceptionKey(e *event.Exception) string {
	var b strings.Builder
	b.WriteString(e.Type)
	b.WriteByte(0)
	b.WriteString(e.Value)
	if e.Stacktrace != nil {
		for _, f := range e.Stacktrace.Frames {
			b.WriteByte(0)
			b.WriteString(f.Module)
			b.WriteByte(1)
			b.WriteString(f.Filename)
			b.WriteByte(1)
			b.WriteString(f.Function)
		}
	}
	return b.String()
}

func inOriginalOrder(all, keep []*event.Exception) []*event.Exception {
	out := make([]*event.Exception, 0, len(keep))
	for _, e := range all {
		for _, k := range keep {
			if k == e {
				out = append(out, e)
				break
			}
		}
	}
	return out
}
