package exceptionparser

import "strings"

// family is a group of stack-trace formats that continue a trace with the same kinds of lines.
// It is a bit set: a line such as "com.acme.Failure: boom" may start a trace of several
// families, and the line after it decides which.
type family uint8

const (
	// atFrames: Java (printStackTrace, logback), JavaScript (V8 err.stack), .NET
	// (Exception.ToString) and the OTel PHP SDK's Java-shaped text: frames are "  at …" lines.
	atFrames family = 1 << iota
	python          // traceback.format_exception
	golang          // panics, runtime.Stack / debug.Stack dumps, zap and pkg/errors stacks
	ruby            // full_message and plain backtraces
	php             // Throwable::__toString and "PHP Fatal error:  Uncaught …"
)

// verdict is what one line means to the trace being joined.
type verdict uint8

const (
	stop  verdict = iota // not part of the trace: the trace ended on the line before
	keep                 // part of the trace (and so are the tentative lines before it)
	maybe                // part of the trace only if a kept line follows: message and blank lines
)

// traceState is where a trace of one family is, as far as telling its next line needs.
type traceState struct {
	// inMessage: after an exception line (the first, "Caused by:", "--->", "panic:") and before
	// its first frame, where a message may go on over several lines.
	inMessage bool
	// pythonException: after the exception line that closes a Python traceback; pythonChained:
	// after "During handling …" / "The above exception …", where the next traceback starts.
	pythonException bool
	pythonChained   bool
	// goStack: after a Go trace's first goroutine header or frame.
	goStack bool
}

// start reports which families a line may start a trace of. confirmed is true when the line
// alone says so (a Python "Traceback" header, a Go "panic:"); otherwise a frame line of one of
// the families must follow within maxTentativeLines.
func start(line string) (families family, confirmed bool) {
	if line == "" {
		return 0, false
	}
	switch c := line[0]; {
	case c == ' ' || c == '\t' || c == '+':
		// Only Python prints a header indented (an exception group's "  + Exception Group
		// Traceback"); every other indented line continues something or is ordinary.
		t := strings.TrimLeft(line, " \t+|")
		if strings.HasPrefix(t, "Traceback (most recent call last):") ||
			strings.HasPrefix(t, "Exception Group Traceback (most recent call last):") {
			return python, true
		}
		return 0, false
	case c >= '0' && c <= '9' || c == '[' || c == '{':
		// Timestamps and bracketed prefixes: a PHP fatal error (error_log prefixes it with the
		// time), or a logged message that ends in an exception line.
		if f, ok := phpFatal(line); f != 0 {
			return f, ok
		}
		if embeddedException(line) > 0 {
			return atFrames | php, false
		}
		return 0, false
	}
	switch {
	case strings.HasPrefix(line, "Traceback (most recent call last):"),
		strings.HasPrefix(line, "Exception Group Traceback (most recent call last):"):
		return python, true
	case strings.HasPrefix(line, "panic: "), strings.HasPrefix(line, "fatal error: "), isGoroutineHeader(line):
		return golang, true
	case strings.HasPrefix(line, "Exception in thread \""), strings.HasPrefix(line, "Unhandled exception. "):
		return atFrames, true
	}
	if f, ok := phpFatal(line); f != 0 {
		return f, ok
	}
	if strings.Contains(line, ":in ") && isRubyFrame(line) {
		// "app.rb:3:in 'Shop#pay': boom (RuntimeError)" is a whole exception line; a bare frame
		// starts a plain backtrace.
		return ruby, strings.HasSuffix(line, ")") && strings.Contains(line, ": ")
	}
	if f := exceptionLine(strings.TrimPrefix(line, "Uncaught ")); f != 0 {
		return f, false
	}
	if isGoFunctionLine(line) {
		return golang, false // a zap or pkg/errors stack: "pkg.Func" over "\tfile.go:12"
	}
	if embeddedException(line) > 0 {
		// PHP's error_log puts its time before a logged Throwable: "[01-Mar-2026 12:00:00 UTC]
		// RuntimeException: boom in /srv/Cart.php:12", with "Stack trace:" on the next line.
		return atFrames | php, false
	}
	return 0, false
}

// embedded reports whether a trace's first line is a logged message that ends in an exception
// line (start gave it atFrames|php, unconfirmed, through embeddedException): a frame must follow
// at once, and the stack trace starts at the exception.
func embedded(line string, families family, confirmed bool) bool {
	return !confirmed && families&(atFrames|php) != 0 && families&^(atFrames|php) == 0 &&
		exceptionLine(strings.TrimPrefix(line, "Uncaught ")) == 0 && embeddedException(line) > 0
}

// embeddedException finds an exception line at the end of a logged message, as in
// "reserve failed: Error: inventory down" (console.error("reserve failed:", err.stack)) or
// "12:00:01 ERROR checkout - java.lang.IllegalStateException: boom": the index where the
// exception's name starts, or -1. Such a line starts a trace only if a frame line follows it
// at once (see begin).
func embeddedException(line string) int {
	for _, word := range []string{"Error", "Exception"} {
		from := 0
		for {
			i := strings.Index(line[from:], word)
			if i < 0 {
				break
			}
			end := from + i + len(word)
			from = end
			if rest := line[end:]; !(rest == "" || strings.HasPrefix(rest, ": ") || strings.HasPrefix(rest, " [")) {
				continue
			}
			start := end - len(word)
			for start > 0 && isNameByte(line[start-1]) {
				start--
			}
			if start > 0 && line[start-1] == ' ' && isLetter(line[start]) {
				return start
			}
		}
	}
	return -1
}

func isNameByte(c byte) bool {
	return c == '.' || c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isGoFunctionLine recognises the function line of a Go stack: "main.main()",
// "github.com/acme/shop.(*Cart).Pay(0x1, {0x2?, 0x3?})", or zap's "github.com/acme/shop.Pay".
func isGoFunctionLine(line string) bool {
	if line == "" || !isLetter(line[0]) {
		return false
	}
	head := line
	if i := strings.IndexByte(line, ' '); i >= 0 { // only arguments hold spaces: "({0x1?, 0x2?})"
		head = line[:i]
		if !strings.Contains(head, "(") {
			return false
		}
	}
	if strings.Contains(line, "(") && !strings.HasSuffix(line, ")") && !strings.Contains(line, ").") {
		return false
	}
	return strings.IndexByte(head, '.') > 0 && !strings.ContainsAny(head, "\\\t:")
}

// phpFatal recognises PHP's report of an uncaught exception, wherever the line's prefix ends.
func phpFatal(line string) (family, bool) {
	i := strings.Index(line, "Fatal error: ")
	if i < 0 {
		return 0, false
	}
	rest := strings.TrimPrefix(line[i+len("Fatal error: "):], " ")
	if strings.HasPrefix(rest, "Uncaught ") {
		return php, true
	}
	return 0, false
}

// exceptionLine recognises "Name: message" or a bare "Name" where Name is an exception class:
// qualified (java.lang.IllegalStateException, System.InvalidOperationException,
// App\Exception\Failure) or ending in Error/Exception (TypeError, ValidationError), optionally
// followed by a Node error code ("Error [ERR_X]: …"). A qualified name alone on its line with no
// spaces may also be a Go function line heading a zap or pkg/errors stack.
func exceptionLine(line string) family {
	i, dots := 0, 0
	for i < len(line) {
		c := line[i]
		if c == '.' || c == '\\' {
			dots++
		} else if !(c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		i++
	}
	name, rest := line[:i], line[i:]
	if name == "" || !isLetter(name[0]) || name[len(name)-1] == '.' {
		return 0
	}
	if strings.HasPrefix(rest, " [") { // Node's "Error [ERR_INVALID_ARG_TYPE]: …"
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return 0
		}
		rest = rest[end+1:]
	}
	named := dots > 0 || name == "Error" || strings.HasSuffix(name, "Error") || strings.HasSuffix(name, "Exception")
	switch {
	case !named:
		return 0
	case rest == "" || rest == ":":
		if dots > 0 {
			return atFrames | php | golang
		}
		return atFrames | php
	case strings.HasPrefix(rest, ": "):
		return atFrames | php
	case dots > 0 && rest[0] == '(' && strings.HasSuffix(rest, ")"):
		return golang // "main.main()", "github.com/acme/shop.(*Cart).Pay(...)"
	}
	return 0
}

func isLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

// continues says whether line goes on with a trace of family f, updating st.
func continues(f family, st *traceState, line string) verdict {
	switch f {
	case atFrames:
		return continuesAt(st, line)
	case python:
		return continuesPython(st, line)
	case golang:
		return continuesGo(st, line)
	case ruby:
		return continuesRuby(line)
	case php:
		return continuesPHP(st, line)
	}
	return stop
}

func continuesAt(st *traceState, line string) verdict {
	t := strings.TrimLeft(line, " \t")
	indented := len(t) < len(line)
	switch {
	case indented && strings.HasPrefix(t, "at ") && isAtFrame(t[3:]):
		st.inMessage = false
		return keep
	case indented && strings.HasPrefix(t, "... ") && (strings.HasSuffix(t, " more") || strings.HasSuffix(t, "common frames omitted")):
		return keep
	case strings.HasPrefix(t, "Caused by: "), strings.HasPrefix(t, "Suppressed: "), strings.HasPrefix(t, "---> "):
		st.inMessage = true
		return keep
	case strings.HasPrefix(t, "--- End of "): // .NET: inner exception and async boundaries
		return keep
	case st.inMessage:
		return maybe
	}
	return stop
}

// isAtFrame recognises what follows "at " in a frame: "com.acme.Shop.pay(Shop.java:12)",
// "pay (/srv/app.js:3:5)", "/srv/app.js:3:5", "Shop.Cart.Pay() in /src/Cart.cs:line 12".
func isAtFrame(rest string) bool {
	if strings.HasSuffix(rest, ")") {
		return strings.IndexByte(rest, '(') > 0
	}
	last := rest[len(rest)-1]
	return last >= '0' && last <= '9' && strings.IndexByte(rest, ':') > 0
}

func continuesPython(st *traceState, line string) verdict {
	switch {
	case strings.TrimSpace(line) == "":
		return maybe
	case line[0] == ' ' || line[0] == '\t':
		return keep // frames, source lines, carets, exception-group boxes
	case strings.HasPrefix(line, "During handling of the above exception, another exception occurred:"),
		strings.HasPrefix(line, "The above exception was the direct cause of the following exception:"):
		st.pythonException, st.pythonChained = false, true
		return keep
	case st.pythonChained && strings.HasPrefix(line, "Traceback (most recent call last):"):
		st.pythonChained = false
		return keep
	case !st.pythonException && !st.pythonChained && isPythonExceptionLine(line):
		st.pythonException = true // "ValueError: boom" closes the traceback
		return keep
	}
	return stop
}

func continuesGo(st *traceState, line string) verdict {
	t := strings.TrimSpace(line)
	switch {
	case t == "":
		return maybe
	case line[0] == '\t' || line[0] == ' ':
		st.inMessage = false
		return keep // file lines, "\tpanic: …" of a re-panic, "\t/x/y.go:12 +0x1d"
	case isGoroutineHeader(line), strings.HasPrefix(line, "[signal "), line == "runtime stack:",
		strings.HasPrefix(line, "created by "):
		st.inMessage, st.goStack = false, true
		return keep
	case strings.HasPrefix(line, "panic: "), strings.HasPrefix(line, "fatal error: "):
		if st.goStack {
			return stop // a panic after a stack: another trace
		}
		st.inMessage = true
		return keep
	case st.inMessage:
		return maybe // a panic value over several lines
	case !strings.ContainsRune(line, ' ') || strings.ContainsRune(line, '('):
		return maybe // a function line: kept when its file line follows
	}
	return stop
}

func continuesRuby(line string) verdict {
	t := strings.TrimLeft(line, " \t")
	if strings.HasPrefix(t, "from ") || isRubyFrame(t) {
		return keep
	}
	return stop
}

func continuesPHP(st *traceState, line string) verdict {
	t := strings.TrimLeft(line, " \t")
	switch {
	case t == "Stack trace:", strings.HasPrefix(t, "#") && len(t) > 1 && t[1] >= '0' && t[1] <= '9',
		strings.HasPrefix(t, "thrown in "):
		st.inMessage = false
		return keep
	case strings.HasPrefix(t, "Next "):
		st.inMessage = true
		return keep
	case st.inMessage:
		return maybe
	}
	return stop
}

// isPythonExceptionLine recognises the line that closes a traceback: "KeyError: 'sku'",
// "requests.exceptions.HTTPError: 503", "KeyboardInterrupt".
func isPythonExceptionLine(line string) bool {
	name, _, _ := strings.Cut(line, ": ")
	if name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isGoroutineHeader recognises "goroutine 1 [running]:" (and "goroutine 7 gp=… [chan receive]:").
func isGoroutineHeader(line string) bool {
	rest, ok := strings.CutPrefix(line, "goroutine ")
	return ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' && strings.HasSuffix(line, "]:")
}

// isRubyFrame recognises "path:line:in 'label'" (and the backtick quoting of Ruby before 3.4).
func isRubyFrame(line string) bool {
	i := strings.Index(line, ":in ")
	if i <= 0 || i+4 >= len(line) || (line[i+4] != '\'' && line[i+4] != '`') {
		return false
	}
	j := strings.LastIndexByte(line[:i], ':')
	if j <= 0 || j+1 >= i {
		return false
	}
	for _, c := range []byte(line[j+1 : i]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return !strings.ContainsRune(line[:j], ' ')
}
