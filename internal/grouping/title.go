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
		if s.mainException >= 0 {
			main = &ev.Exceptions[s.mainException]
		}
		// A synthetic exception was made up by the SDK to carry a stack trace: its type says
		// nothing, so the title is where it happened.
		synthetic := main.Mechanism != nil && main.Mechanism.Synthetic
		if !synthetic {
			md.Type = truncateRunes(orDefault(main.Type, "Error"), maxMetadataType, "")
		}
		md.Value = truncateRunes(main.Value, maxMetadataValue, "")
		if fi, _ := s.crashFrame(true); fi != nil {
			md.Filename = orDefault(fi.f.Filename, fi.f.AbsPath)
			md.Function = fi.function
		}
		res.Title = md.Type
		if md.Type != "" && md.Value != "" {
			res.Title += ": " + truncateRunes(firstLine(md.Value), titleValueChars, "…")
		}
		if res.Title == "" {
			res.Title = orDefault(md.Function, "<unknown>")
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

// culprit: the SDK's culprit, else the transaction when there is one, else the location of the in-app crash frame of the
// last stacktrace (falling back to its last frame), else the request URL.
func (s *state) culprit() string {
	ev := s.ev
	// What the SDK sent wins (raven-js sends one), then the transaction.
	if ev.Culprit != "" {
		return ev.Culprit
	}
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
		// Relay moves the query string (which often carries tokens) and the fragment out of
		// the URL.
		u := ev.Request.URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		return u
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
