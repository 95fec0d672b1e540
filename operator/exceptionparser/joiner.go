package exceptionparser

import (
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
)

// maxTentativeLines bounds the lines held after a trace's last sure line while it is unclear
// whether they belong to it: the lines of a multi-line exception message before the first
// frame, blank lines a chained Python traceback or a Go dump puts between its parts.
const maxTentativeLines = 10

// line is one entry with its text.
type line struct {
	entry *entry.Entry
	text  string
}

// source is what the operator keeps about one stream (a file): the trace being joined, if any.
type source struct {
	// trace holds the lines of the trace so far, trace[0] the line that started it; empty when
	// no trace is in progress. tail holds the tentative lines after them.
	trace, tail []line
	size        int // bytes of trace and tail
	// families the trace may be of: one once confirmed, several after a line such as
	// "com.acme.Failure: boom" until a frame line tells them apart.
	families  family
	confirmed bool
	states    [familyCount]traceState
	// previous is the last ordinary line, header the one before the trace: the message of a Go
	// stack dump that prints none (a logged debug.Stack()).
	previous, header string
	lastSeen         time.Time
}

const familyCount = 5

// joiner holds the sources and their limits. Its methods run under the Parser's lock.
type joiner struct {
	flushPeriod  time.Duration
	maxLines     int
	maxTraceSize int
	maxSources   int
	sources      map[string]*source
}

// sourceFor finds or adds the source key, sending the least recently seen source's trace first
// when there are too many.
func (p *Parser) sourceFor(key string, now time.Time, out *[]*entry.Entry) *source {
	s, ok := p.joiner.sources[key]
	if ok {
		return s
	}
	if len(p.joiner.sources) >= p.joiner.maxSources {
		oldestKey, oldest := "", (*source)(nil)
		for k, c := range p.joiner.sources {
			if oldest == nil || c.lastSeen.Before(oldest.lastSeen) {
				oldestKey, oldest = k, c
			}
		}
		p.drain(oldest, out)
		delete(p.joiner.sources, oldestKey)
	}
	s = &source{lastSeen: now}
	p.joiner.sources[key] = s
	return s
}

// addLine takes the next line of a source.
func (p *Parser) addLine(s *source, l line, out *[]*entry.Entry) {
	if len(s.trace) > 0 {
		switch s.verdict(l.text) {
		case keep:
			// A line kept in a trace is only text from now on: its entry goes back to stanza's
			// pool at once, so that a source holds one entry per trace, not one per line.
			for _, held := range s.tail {
				s.trace = append(s.trace, textOnly(held))
			}
			s.tail = s.tail[:0]
			s.trace = append(s.trace, textOnly(l))
			s.size += len(l.text) + 1
			s.confirmed = true
			if len(s.trace) >= p.joiner.maxLines || s.size >= p.joiner.maxTraceSize {
				p.finish(s, out)
			}
			return
		case maybe:
			if len(s.tail) < maxTentativeLines && s.size+len(l.text) < p.joiner.maxTraceSize {
				s.tail = append(s.tail, l)
				s.size += len(l.text) + 1
				return
			}
		}
		// The trace ended before l: send it, then read the lines held after it afresh.
		for _, r := range p.finish(s, out) {
			p.addLine(s, r, out)
		}
		if len(s.trace) > 0 { // a held line started another trace: l goes on with that one
			p.addLine(s, l, out)
			return
		}
	}
	begin(s, l)
	if s.families == 0 {
		s.previous = l.text
		*out = append(*out, l.entry)
		p.checkIndentation(l.text)
	}
}

// checkIndentation warns once when a line looks like a frame stripped of its indentation:
// filelog trims leading whitespace unless preserve_leading_whitespaces is set, and without it
// most traces cannot be told from ordinary lines.
func (p *Parser) checkIndentation(text string) {
	if strings.HasPrefix(text, "at ") && isAtFrame(text[3:]) || strings.HasPrefix(text, `File "`) {
		p.trimmedWarning.Do(func() {
			p.Logger().Warn("log lines look stripped of their indentation, so stack traces cannot be joined: " +
				"set preserve_leading_whitespaces: true on the receiver")
		})
	}
}

// textOnly returns a trace line without its entry, which it puts back into stanza's pool.
func textOnly(l line) line {
	entry.Put(l.entry)
	return line{text: l.text}
}

// begin starts a trace at l if l may start one (else s.families stays 0).
func begin(s *source, l line) {
	families, confirmed := start(l.text)
	if families == 0 {
		return
	}
	s.trace = append(s.trace[:0], l)
	s.size = len(l.text) + 1
	s.families, s.confirmed = families, confirmed
	s.header = withoutLogPrefix(s.previous)
	s.states = [familyCount]traceState{}
	// After its first line a trace is in that line's message until a frame shows up; but an
	// exception line at the end of a logged message (see embedded) needs a frame
	// right after it.
	inMessage := !embedded(l.text, families, confirmed)
	for i := range s.states {
		s.states[i].inMessage = family(1<<i)&(atFrames|php) != 0 && inMessage ||
			family(1<<i) == golang && confirmed
	}
	// A Go trace that starts at its goroutine header or a function line is past its panic.
	s.states[2].goStack = families&golang != 0 && !strings.HasPrefix(l.text, "panic: ") && !strings.HasPrefix(l.text, "fatal error: ")
}

// verdict asks each family the trace may still be of what l means to it. Before a frame line
// confirms a family, the families that cannot continue are dropped.
func (s *source) verdict(text string) verdict {
	best := stop
	for i := 0; i < familyCount; i++ {
		f := family(1 << i)
		if s.families&f == 0 {
			continue
		}
		v := continues(f, &s.states[i], text)
		if v == keep && !s.confirmed && f == golang && !isGoFileLine(text) {
			v = maybe // a function line needs its file line to be a stack
		}
		switch {
		case v == keep && !s.confirmed:
			s.families = f
			return keep
		case v == keep:
			return keep
		case v == stop && !s.confirmed:
			s.families &^= f
		}
		if v > best && v == maybe {
			best = maybe
		}
	}
	if s.families == 0 {
		return stop
	}
	return best
}

// finish sends the source's trace (or, when no frame confirmed it, its first line as an
// ordinary line) and returns the tentative lines after it, which the caller reads again.
func (p *Parser) finish(s *source, out *[]*entry.Entry) []line {
	released := append([]line(nil), s.tail...)
	first := s.trace[0]
	if !s.confirmed {
		s.previous = first.text
		*out = append(*out, first.entry)
	} else {
		p.setTrace(s, out)
	}
	clear(s.trace)
	clear(s.tail)
	s.trace, s.tail = s.trace[:0], s.tail[:0]
	s.size, s.families, s.confirmed = 0, 0, false
	return released
}

// drain sends everything a source holds, as if its stream had paused for the flush period.
func (p *Parser) drain(s *source, out *[]*entry.Entry) {
	for len(s.trace) > 0 {
		for _, r := range p.finish(s, out) {
			p.addLine(s, r, out)
		}
	}
}

// flushExpired sends the traces whose source has been quiet for the flush period and forgets the
// quiet sources.
func (p *Parser) flushExpired(now time.Time, out *[]*entry.Entry) {
	for key, s := range p.joiner.sources {
		if now.Sub(s.lastSeen) < p.joiner.flushPeriod {
			continue
		}
		p.drain(s, out)
		delete(p.joiner.sources, key)
	}
}

// isGoFileLine recognises "\t/srv/shop/main.go:29 +0x59".
func isGoFileLine(text string) bool {
	if text == "" || (text[0] != '\t' && text[0] != ' ') {
		return false
	}
	for _, suffix := range []string{".go:", ".s:"} {
		if i := strings.Index(text, suffix); i > 0 && i+len(suffix) < len(text) {
			c := text[i+len(suffix)]
			return c >= '0' && c <= '9'
		}
	}
	return false
}

// withoutLogPrefix drops the time and level a logger puts before a message: the fields before
// the first that has a letter ("2026/03/01 12:00:00 load order: …"), then a level word.
func withoutLogPrefix(text string) string {
	rest := text
	for rest != "" {
		field, after, _ := strings.Cut(rest, " ")
		if strings.IndexFunc(field, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0 {
			break
		}
		rest = strings.TrimLeft(after, " ")
	}
	for _, level := range []string{"ERROR ", "ERROR: ", "error ", "E ", "FATAL ", "WARN ", "WARNING "} {
		rest = strings.TrimPrefix(rest, level)
	}
	if rest == "" {
		return text
	}
	return rest
}
