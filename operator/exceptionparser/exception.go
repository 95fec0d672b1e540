package exceptionparser

import (
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/stacktrace"
)

// setTrace makes the first line of the source's trace the record of the whole trace: its text
// becomes the joined lines and it gets the exception.* attributes. The other lines' entries
// go back to stanza's pool.
func (p *Parser) setTrace(s *source, out *[]*entry.Entry) {
	var b strings.Builder
	b.Grow(s.size)
	for i, l := range s.trace {
		if i > 0 {
			b.WriteByte('\n')
			entry.Put(l.entry)
		}
		b.WriteString(l.text)
	}
	text := b.String()
	e := s.trace[0].entry
	_ = e.Set(p.parseFrom, text) // the field held the first line, so it can hold the trace
	stack := text
	if _, confirmedAlone := start(s.trace[0].text); s.families == atFrames && !confirmedAlone {
		// The trace starts inside a logged message: the stack trace starts at its exception.
		if i := embeddedException(s.trace[0].text); i > 0 && exceptionLine(s.trace[0].text) == 0 {
			stack = text[i:]
		}
	}
	setException(e, stack, s.families.languageHint(), s.header)
	*out = append(*out, e)
}

// setException puts a stack trace and the exception it records on e: the type and message of
// the exception that was raised (the last of a chain), as internal/stacktrace reads them, else
// (no frames) as the first line prints them, else (a Go stack, which prints no error)
// fallbackMessage; and the severity when
// e has none: FATAL for what crashes a process, ERROR otherwise.
func setException(e *entry.Entry, stack, languageHint, fallbackMessage string) {
	typ, message := "", ""
	if t, ok := stacktrace.Parse(stack, languageHint, stacktrace.Options{}); ok && len(t.Exceptions) > 0 {
		raised := t.Exceptions[len(t.Exceptions)-1]
		typ, message = raised.Type, raised.Value
	} else {
		typ, message = headline(stack)
	}
	if typ == "" && message == "" {
		message = fallbackMessage
	}
	if typ != "" {
		e.AddAttribute(attrkey.ExceptionType, typ)
	}
	if message != "" {
		e.AddAttribute(attrkey.ExceptionMessage, message)
	}
	e.AddAttribute(attrkey.ExceptionStacktrace, stack)
	if e.Severity == entry.Default {
		e.Severity, e.SeverityText = entry.Error, "ERROR"
		if crashed(stack) {
			e.Severity, e.SeverityText = entry.Fatal, "FATAL"
		}
	}
}

// crashed reports whether a trace is the runtime's report of a crash rather than a logged one.
func crashed(stack string) bool {
	for _, prefix := range []string{"panic: ", "fatal error: ", "Exception in thread \"", "Unhandled exception. "} {
		if strings.HasPrefix(stack, prefix) {
			return true
		}
	}
	first, _, _ := strings.Cut(stack, "\n")
	return strings.Contains(first, "Fatal error:  Uncaught ") || strings.Contains(first, "Fatal error: Uncaught ")
}

// headline is the type and message a trace's first line prints ("Name: message"), for the traces
// internal/stacktrace reads no exception from (a header without frames).
func headline(stack string) (typ, message string) {
	first, _, _ := strings.Cut(stack, "\n")
	if v, ok := strings.CutPrefix(first, "panic: "); ok {
		return "panic", v
	}
	if v, ok := strings.CutPrefix(first, "fatal error: "); ok {
		return "fatal error", v
	}
	for _, prefix := range []string{"Unhandled exception. ", "Uncaught "} {
		first = strings.TrimPrefix(first, prefix)
	}
	if _, rest, ok := strings.Cut(first, "Fatal error:  Uncaught "); ok {
		first = rest
	}
	if strings.HasPrefix(first, "Exception in thread \"") {
		if i := strings.Index(first[len("Exception in thread \""):], "\" "); i >= 0 {
			first = first[len("Exception in thread \"")+i+2:]
		}
	}
	if exceptionLine(first) == 0 {
		return "", ""
	}
	typ, message, _ = strings.Cut(first, ": ")
	return typ, message
}

// readBlock reads a record that holds several lines already: if its first line starts a trace
// that the next lines go on with, the record is that trace.
func readBlock(e *entry.Entry, text string) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var s source
	begin(&s, line{text: lines[0]})
	if s.families == 0 {
		return
	}
	for _, l := range lines[1:] {
		if s.confirmed {
			break
		}
		switch s.verdict(l) {
		case stop:
			return
		case keep:
			s.confirmed = true
		}
	}
	if s.confirmed {
		setException(e, strings.TrimRight(text, "\n"), s.families.languageHint(), "")
	}
}
