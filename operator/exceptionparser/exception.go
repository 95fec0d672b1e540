package exceptionparser

import (
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"

	"github.com/faultline/faultline/internal/attrkey"
)

// setTrace makes the first line of the source's trace the record of the whole trace: its text
// becomes the joined lines and it gets the exception.* attributes. (The other lines' entries
// went back to stanza's pool when they joined the trace.)
func (p *Parser) setTrace(s *source, out *[]*entry.Entry) {
	var b strings.Builder
	b.Grow(s.size)
	for i, l := range s.trace {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
	}
	text := b.String()
	e := s.trace[0].entry
	_ = e.Set(p.parseFrom, text) // the field held the first line, so it can hold the trace
	stack := text
	first := s.trace[0].text
	if families, confirmedAlone := start(first); embedded(first, families, confirmedAlone) {
		// The trace starts inside a logged message: the stack trace starts at its exception.
		stack = text[embeddedException(first):]
	} else if s.families == php {
		// A fatal error behind error_log's time: internal/stacktrace reads it from "PHP Fatal error:".
		if i := strings.Index(first, "PHP Fatal error:"); i > 0 {
			stack = text[i:]
		} else if i := strings.Index(first, "Fatal error:"); i > 0 {
			stack = text[i:]
		}
	}
	setException(e, stack, s.header)
	*out = append(*out, e)
}

// setException puts a stack trace and the exception it records on e: exception.type and
// exception.message as the trace prints the exception that was raised (see raisedException),
// else fallbackMessage (a Go stack dump prints no error); and the severity when e has none:
// FATAL for what crashes a process, ERROR otherwise.
//
// The frames are left to the errorgrouping processor, which reads the stack trace with
// internal/stacktrace: reading them here too would double the cost per trace
// (BenchmarkExceptionParserShareOfFilelog) for attributes the processor does not need.
func setException(e *entry.Entry, stack, fallbackMessage string) {
	typ, message := raisedException(stack)
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

// raisedException is the type and message of the exception a trace reports as raised, as it
// prints them (semconv's exception.type is the fully qualified name, which is what the
// runtimes print): Python's last exception line; Go's panic value; Ruby's "message (Class)";
// PHP's "Uncaught Class: message in file:line"; else the first line's "Class: message" (Java,
// JavaScript and .NET print the raised exception first, its causes after).
func raisedException(stack string) (typ, message string) {
	first, _, _ := strings.Cut(stack, "\n")
	if strings.HasPrefix(strings.TrimLeft(first, " +"), "Traceback (most recent call last):") ||
		strings.HasPrefix(strings.TrimLeft(first, " +"), "Exception Group Traceback") {
		return pythonRaised(stack)
	}
	for _, panicked := range []string{"panic: ", "fatal error: "} {
		if v, ok := strings.CutPrefix(first, panicked); ok {
			return strings.TrimSuffix(panicked, ": "), strings.TrimSuffix(v, " [recovered]")
		}
	}
	if strings.Contains(first, ":in ") && strings.HasSuffix(first, ")") && isRubyFrame(first) {
		if open := strings.LastIndex(first, " ("); open > 0 {
			at := strings.Index(first, ":in ")
			if colon := strings.Index(first[at:], ": "); colon >= 0 && at+colon+2 <= open {
				return first[open+2 : len(first)-1], first[at+colon+2 : open]
			}
		}
	}
	if _, rest, ok := strings.Cut(first, "Uncaught "); ok && strings.Contains(first, "Fatal error:") {
		typ, message, _ = strings.Cut(rest, ": ")
		if in := strings.LastIndex(message, " in "); in >= 0 {
			message = message[:in]
		}
		return typ, message
	}
	second, _, _ := strings.Cut(strings.TrimPrefix(stack[len(first):], "\n"), "\n")
	if isGoroutineHeader(first) || isGoFunctionLine(first) && isGoFileLine(second) {
		return "", "" // a Go stack prints no error
	}
	for _, prefix := range []string{"Unhandled exception. ", "Uncaught "} {
		first = strings.TrimPrefix(first, prefix)
	}
	if rest, ok := strings.CutPrefix(first, "Exception in thread \""); ok {
		if i := strings.Index(rest, "\" "); i >= 0 {
			first = rest[i+2:]
		}
	}
	if exceptionLine(first) == 0 {
		return "", ""
	}
	typ, message, _ = strings.Cut(first, ": ")
	if i := strings.Index(typ, " ["); i > 0 { // Node's "Error [ERR_X]"
		typ = typ[:i]
	}
	return typ, message
}

// pythonRaised reads the last exception line of a traceback: the one raised last in a chain.
func pythonRaised(stack string) (typ, message string) {
	lines := strings.Split(stack, "\n")
	for i := len(lines) - 1; i > 0; i-- {
		l := lines[i]
		if l == "" || l[0] == ' ' || l[0] == '\t' || !isPythonExceptionLine(l) {
			continue
		}
		typ, message, _ = strings.Cut(l, ": ")
		return typ, message
	}
	return "", ""
}

// readBlock reads a record that holds several lines already (a journal entry, a record joined
// by a recombine operator or a container runtime): the first of its lines that starts a trace
// the next lines go on with starts the stack trace, which runs to the record's end. That is
// the first line when the record is the trace alone; a logger's record (python's logging to
// the journal, logback's message with its throwable) prints its message first. The record's
// text stays whole; a Go stack dump, which prints no error, takes the line before it as its
// message, as in a file.
func readBlock(e *entry.Entry, text string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	offset := 0 // of lines[i] in text
	for i, first := range lines {
		if i > 0 {
			offset += len(lines[i-1]) + 1
		}
		var s source
		if i > 0 {
			s.previous = lines[i-1]
		}
		begin(&s, line{text: first})
		if s.families == 0 {
			continue
		}
		for _, l := range lines[i+1:] {
			if s.confirmed {
				break
			}
			v := s.verdict(l)
			if v == stop {
				break
			}
			if v == keep {
				s.confirmed = true
			}
		}
		if !s.confirmed {
			continue
		}
		stack := strings.TrimRight(text[offset:], "\n")
		if families, confirmedAlone := start(first); embedded(first, families, confirmedAlone) {
			stack = stack[embeddedException(first):]
		}
		setException(e, stack, s.header)
		return
	}
}
