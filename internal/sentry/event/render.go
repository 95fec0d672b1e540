package event

import (
	"bytes"
	"strconv"
	"strings"
	"unsafe"
)

// RenderStacktrace renders the event's exceptions as the event's platform prints a stack trace,
// for the semconv attribute exception.stacktrace: people reading logs recognise their runtime's
// format, and tools that parse such traces keep working.
//
// Sentry lists frames caller first (the last frame raised) and exceptions oldest first (the
// last one is the one raised, earlier ones are its causes). Most runtimes print the raised
// exception first and frames callee first; Python and PHP print causes first, and Python prints
// frames caller first. An exception without frames borrows the stack of its thread. An event
// without exceptions renders its thread or top-level stack trace under its message; an event
// with no stack trace at all renders as "".
func RenderStacktrace(ev *Event) string {
	if ev == nil {
		return ""
	}
	// Events rarely chain more than a few exceptions: room for four on the stack.
	excs := make([]renderedException, 0, 4)
	for i := range ev.Exceptions {
		ex := &ev.Exceptions[i]
		excs = append(excs, renderedException{typ: ex.Type, value: ex.Value, module: ex.Module, st: ev.ExceptionStacktrace(ex)})
	}
	if len(excs) == 0 {
		st := ev.MessageStacktrace()
		if st == nil {
			return ""
		}
		msg := ""
		if ev.LogEntry != nil {
			msg = ev.LogEntry.Formatted
		}
		excs = append(excs, renderedException{value: msg, st: st})
	}
	family := platformFamily(ev)
	var b stackText
	b.buf = make([]byte, 0, renderedSize(family, excs))
	switch family {
	case "javascript":
		renderV8(&b, excs)
	case "python":
		renderPython(&b, excs)
	case "java":
		renderJava(&b, excs)
	case "go":
		renderGo(&b, excs)
	case "csharp":
		renderDotNet(&b, excs)
	case "ruby":
		renderRuby(&b, excs)
	case "php":
		renderPHP(&b, excs)
	default:
		renderGeneric(&b, excs)
	}
	text := bytes.TrimRight(b.buf, "\n")
	// The buffer was made for this text and is not written again.
	return unsafe.String(unsafe.SliceData(text), len(text))
}

// renderedSize is about the length of the rendered text: each frame's names and file plus its
// format's framing, and the source line only for Python, the one format that prints it (counting
// it for every format made a JavaScript trace's buffer twice the text).
func renderedSize(family string, excs []renderedException) int {
	size := 0
	for i := range excs {
		e := &excs[i]
		size += len(e.typ) + len(e.value) + len(e.module) + 32
		fs := e.frames()
		for j := range fs {
			f := &fs[j]
			size += len(f.Function) + len(f.Module) + len(frameFile(f)) + 24
			switch family {
			case "python":
				size += len(f.ContextLine)
			case "":
				size += len(f.InstructionAddr)
			}
		}
	}
	return size
}

// stackText is the text being rendered. Unlike a strings.Builder it appends integers in place.
type stackText struct{ buf []byte }

func (b *stackText) str(s string) { b.buf = append(b.buf, s...) }

func (b *stackText) byte(c byte) { b.buf = append(b.buf, c) }

func (b *stackText) int(n int) { b.buf = strconv.AppendInt(b.buf, int64(n), 10) }

// header writes an exception's "Type: value", or whichever of the two it has.
func (b *stackText) header(typ, value string) {
	b.str(typ)
	if typ != "" && value != "" {
		b.str(": ")
	}
	b.str(value)
}

// qualified joins a module (package, class) and a name with a dot unless the name already
// carries it.
func (b *stackText) qualified(module, name string) {
	if module != "" && name != "" && !hasModulePrefix(name, module) {
		b.str(module)
		b.byte('.')
	}
	if name == "" {
		name = module
	}
	b.str(name)
}

type renderedException struct {
	typ, value, module string
	st                 *Stacktrace
}

// frames returns the exception's frames as Sentry lists them, caller first.
func (e *renderedException) frames() []Frame {
	if e.st == nil {
		return nil
	}
	return e.st.Frames
}

// calleeFirst returns the k-th of fs in the order most runtimes print, callee first. Indexing
// backwards spares the reversed list of pointers the renderers once built per exception.
func calleeFirst(fs []Frame, k int) *Frame { return &fs[len(fs)-1-k] }

// ExceptionStacktrace is the stack trace of one of the event's exceptions: its own, else that of
// the thread it names (Java and native SDKs put an exception's frames on its thread).
func (ev *Event) ExceptionStacktrace(ex *Exception) *Stacktrace {
	if ex.Stacktrace != nil && len(ex.Stacktrace.Frames) > 0 {
		return ex.Stacktrace
	}
	if ex.ThreadID != "" {
		for i := range ev.Threads {
			if th := &ev.Threads[i]; th.ID == ex.ThreadID && th.Stacktrace != nil {
				return th.Stacktrace
			}
		}
	}
	return nil
}

// MessageStacktrace picks the stack trace of an event without exceptions: the crashed thread's,
// the current thread's, the only thread's, or the top-level one.
func (ev *Event) MessageStacktrace() *Stacktrace {
	for _, pick := range []func(*Thread) bool{
		func(t *Thread) bool { return t.Crashed },
		func(t *Thread) bool { return t.Current },
		func(*Thread) bool { return len(ev.Threads) == 1 },
	} {
		for i := range ev.Threads {
			if th := &ev.Threads[i]; pick(th) && th.Stacktrace != nil && len(th.Stacktrace.Frames) > 0 {
				return th.Stacktrace
			}
		}
	}
	if ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		return ev.Stacktrace
	}
	return nil
}

// platformFamily maps an event's platform (and, for "other", its SDK) to a trace format.
func platformFamily(ev *Event) string {
	switch ev.Platform {
	case "javascript", "node":
		return "javascript"
	case "python":
		return "python"
	case "java", "groovy":
		return "java"
	case "go":
		return "go"
	case "csharp":
		return "csharp"
	case "ruby":
		return "ruby"
	case "php":
		return "php"
	}
	return ""
}

func frameFile(f *Frame) string {
	if f.AbsPath != "" {
		return f.AbsPath
	}
	return f.Filename
}

func appendPos(b *stackText, f *Frame, withCol bool) {
	if f.Lineno > 0 {
		b.byte(':')
		b.int(f.Lineno)
		if withCol && f.Colno > 0 {
			b.byte(':')
			b.int(f.Colno)
		}
	}
}

// renderV8: "TypeError: msg\n    at fn (file:line:col)"; causes follow as "Caused by:".
func renderV8(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.str("Caused by: ")
		}
		b.header(e.typ, e.value)
		b.byte('\n')
		fs := e.frames()
		for k := range fs {
			f := calleeFirst(fs, k)
			b.str("    at ")
			fn := f.Function
			file := frameFile(f)
			switch {
			case fn != "" && fn != "?" && file != "":
				b.str(fn)
				b.str(" (")
				b.str(file)
				appendPos(b, f, true)
				b.byte(')')
			case file != "":
				b.str(file)
				appendPos(b, f, true)
			default:
				b.str(fn)
				b.str(" (<anonymous>)")
			}
			b.byte('\n')
		}
	}
}

// renderPython: the traceback module's format, causes first, frames caller first.
func renderPython(b *stackText, excs []renderedException) {
	for i := range excs {
		e := &excs[i]
		if i > 0 {
			b.str("\nThe above exception was the direct cause of the following exception:\n\n")
		}
		if e.st != nil && len(e.st.Frames) > 0 {
			b.str("Traceback (most recent call last):\n")
			for i := range e.st.Frames {
				f := &e.st.Frames[i]
				b.str(`  File "`)
				b.str(frameFile(f))
				b.byte('"')
				if f.Lineno > 0 {
					b.str(", line ")
					b.int(f.Lineno)
				}
				if f.Function != "" {
					b.str(", in ")
					b.str(f.Function)
				}
				b.byte('\n')
				if line := strings.TrimSpace(f.ContextLine); line != "" {
					b.str("    ")
					b.str(line)
					b.byte('\n')
				}
			}
		}
		typ := e.typ
		if e.module != "" && e.module != "builtins" && e.module != "exceptions" && e.module != "__builtin__" && typ != "" {
			typ = e.module + "." + typ
		}
		b.header(typ, e.value)
		b.byte('\n')
	}
}

// qualified is what stackText.qualified writes, as a string.
func qualified(module, name string) string {
	var b stackText
	b.qualified(module, name)
	return string(b.buf)
}

// hasModulePrefix reports whether name starts with module and a dot.
func hasModulePrefix(name, module string) bool {
	return len(name) > len(module) && name[len(module)] == '.' && strings.HasPrefix(name, module)
}

// renderJava: Throwable.printStackTrace, the raised exception first, then "Caused by:".
func renderJava(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.str("Caused by: ")
		}
		b.header(qualified(e.module, e.typ), e.value)
		b.byte('\n')
		fs := e.frames()
		for k := range fs {
			f := calleeFirst(fs, k)
			b.str("\tat ")
			b.qualified(f.Module, f.Function)
			b.byte('(')
			switch {
			case f.Filename == "" && f.Lineno == 0:
				b.str("Unknown Source")
			case f.Filename == "":
				b.str("Unknown Source:")
				b.int(f.Lineno)
			default:
				b.str(f.Filename)
				appendPos(b, f, false)
			}
			b.str(")\n")
		}
	}
}

// renderGo: a panic's goroutine dump, "pkg.fn(...)\n\t/path/file.go:12".
func renderGo(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.str("\ncaused by: ")
		} else {
			b.str("panic: ")
		}
		if e.value != "" {
			b.str(e.value)
		} else {
			b.str(e.typ)
		}
		b.byte('\n')
		fs := e.frames()
		if len(fs) == 0 {
			continue
		}
		b.str("\ngoroutine 1 [running]:\n")
		for k := range fs {
			f := calleeFirst(fs, k)
			b.qualified(f.Module, f.Function)
			b.str("(...)\n\t")
			b.str(frameFile(f))
			appendPos(b, f, false)
			b.byte('\n')
		}
	}
}

// renderDotNet: Exception.ToString, inner exceptions introduced by " ---> " and their stacks
// closed by "--- End of inner exception stack trace ---".
func renderDotNet(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		if i < len(excs)-1 {
			b.str(" ---> ")
		}
		b.header(excs[i].typ, excs[i].value)
	}
	b.byte('\n')
	for i := range excs {
		fs := excs[i].frames()
		for k := range fs {
			f := calleeFirst(fs, k)
			b.str("   at ")
			b.qualified(f.Module, f.Function)
			if !strings.Contains(f.Function, "(") {
				b.str("()")
			}
			if file := frameFile(f); file != "" {
				b.str(" in ")
				b.str(file)
				if f.Lineno > 0 {
					b.str(":line ")
					b.int(f.Lineno)
				}
			}
			b.byte('\n')
		}
		if i < len(excs)-1 {
			b.str("   --- End of inner exception stack trace ---\n")
		}
	}
}

// renderRuby: "file:line:in `method': message (Type)" then "\tfrom file:line:in `caller'".
func renderRuby(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		fs := e.frames()
		for j := range fs {
			f := calleeFirst(fs, j)
			if j > 0 {
				b.str("\tfrom ")
			}
			b.str(frameFile(f))
			appendPos(b, f, false)
			if f.Function != "" {
				b.str(":in `")
				b.str(f.Function)
				b.byte('\'')
			}
			if j == 0 {
				b.str(": ")
				b.rubyMessage(e)
			}
			b.byte('\n')
		}
		if len(fs) == 0 {
			b.rubyMessage(e)
			b.byte('\n')
		}
	}
}

// rubyMessage writes an exception as Ruby prints it after its location: "message (Type)".
func (b *stackText) rubyMessage(e *renderedException) {
	b.str(e.value)
	if e.typ != "" {
		b.str(" (")
		b.str(e.typ)
		b.byte(')')
	}
}

// renderPHP: Throwable::__toString, previous exceptions first and each later one as "Next".
func renderPHP(b *stackText, excs []renderedException) {
	for i := range excs {
		e := &excs[i]
		if i > 0 {
			b.str("\nNext ")
		}
		b.header(e.typ, e.value)
		fs := e.frames()
		if len(fs) > 0 {
			top := calleeFirst(fs, 0)
			b.str(" in ")
			b.str(frameFile(top))
			appendPos(b, top, false)
		}
		b.str("\nStack trace:\n")
		n := 0
		// PHP's trace lists the calls that led to the throwing frame: each line is the call site
		// (the caller's file and line) and the function called.
		for j := 1; j < len(fs); j++ {
			f := calleeFirst(fs, j)
			b.byte('#')
			b.int(n)
			b.byte(' ')
			b.str(frameFile(f))
			if f.Lineno > 0 {
				b.byte('(')
				b.int(f.Lineno)
				b.byte(')')
			}
			b.str(": ")
			b.str(calleeFirst(fs, j-1).Function)
			b.str("()\n")
			n++
		}
		b.byte('#')
		b.int(n)
		b.str(" {main}\n")
	}
}

// renderGeneric: V8-like lines, with instruction addresses for native frames.
func renderGeneric(b *stackText, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.str("Caused by: ")
		}
		b.header(e.typ, e.value)
		b.byte('\n')
		fs := e.frames()
		for k := range fs {
			f := calleeFirst(fs, k)
			b.str("  at ")
			if f.InstructionAddr != "" {
				b.str(f.InstructionAddr)
				b.byte(' ')
			}
			if f.Module == "" && f.Function == "" {
				b.byte('?')
			} else {
				b.qualified(f.Module, f.Function)
			}
			if file := frameFile(f); file != "" {
				b.str(" (")
				b.str(file)
				appendPos(b, f, true)
				b.byte(')')
			}
			b.byte('\n')
		}
	}
}
