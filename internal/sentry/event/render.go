package event

import (
	"strconv"
	"strings"
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
	excs := make([]renderedException, 0, len(ev.Exceptions))
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
	var b strings.Builder
	size := 0
	for i := range excs {
		size += len(excs[i].typ) + len(excs[i].value) + len(excs[i].module) + 32
		if excs[i].st != nil {
			for j := range excs[i].st.Frames {
				f := &excs[i].st.Frames[j]
				size += len(f.Function) + len(f.Module) + len(frameFile(f)) + len(f.ContextLine) + 24
			}
		}
	}
	b.Grow(size)
	switch platformFamily(ev) {
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
	return strings.TrimRight(b.String(), "\n")
}

type renderedException struct {
	typ, value, module string
	st                 *Stacktrace
}

// calleeFirst returns the exception's frames callee first, the order most runtimes print.
func (e *renderedException) calleeFirst() []*Frame {
	if e.st == nil {
		return nil
	}
	fs := make([]*Frame, len(e.st.Frames))
	for i := range e.st.Frames {
		fs[len(fs)-1-i] = &e.st.Frames[i]
	}
	return fs
}

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

// writeInt writes n without the allocation strconv.Itoa makes for numbers above 99.
func writeInt(b *strings.Builder, n int) {
	var buf [20]byte
	b.Write(strconv.AppendInt(buf[:0], int64(n), 10))
}

func header(typ, value string) string {
	switch {
	case typ == "":
		return value
	case value == "":
		return typ
	}
	return typ + ": " + value
}

func frameFile(f *Frame) string {
	if f.AbsPath != "" {
		return f.AbsPath
	}
	return f.Filename
}

func appendPos(b *strings.Builder, f *Frame, withCol bool) {
	if f.Lineno > 0 {
		b.WriteByte(':')
		writeInt(b, f.Lineno)
		if withCol && f.Colno > 0 {
			b.WriteByte(':')
			writeInt(b, f.Colno)
		}
	}
}

// renderV8: "TypeError: msg\n    at fn (file:line:col)"; causes follow as "Caused by:".
func renderV8(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.WriteString("Caused by: ")
		}
		b.WriteString(header(e.typ, e.value))
		b.WriteByte('\n')
		for _, f := range e.calleeFirst() {
			b.WriteString("    at ")
			fn := f.Function
			file := frameFile(f)
			switch {
			case fn != "" && fn != "?" && file != "":
				b.WriteString(fn)
				b.WriteString(" (")
				b.WriteString(file)
				appendPos(b, f, true)
				b.WriteByte(')')
			case file != "":
				b.WriteString(file)
				appendPos(b, f, true)
			default:
				b.WriteString(fn)
				b.WriteString(" (<anonymous>)")
			}
			b.WriteByte('\n')
		}
	}
}

// renderPython: the traceback module's format, causes first, frames caller first.
func renderPython(b *strings.Builder, excs []renderedException) {
	for i := range excs {
		e := &excs[i]
		if i > 0 {
			b.WriteString("\nThe above exception was the direct cause of the following exception:\n\n")
		}
		if e.st != nil && len(e.st.Frames) > 0 {
			b.WriteString("Traceback (most recent call last):\n")
			for i := range e.st.Frames {
				f := &e.st.Frames[i]
				b.WriteString(`  File "`)
				b.WriteString(frameFile(f))
				b.WriteByte('"')
				if f.Lineno > 0 {
					b.WriteString(", line ")
					writeInt(b, f.Lineno)
				}
				if f.Function != "" {
					b.WriteString(", in ")
					b.WriteString(f.Function)
				}
				b.WriteByte('\n')
				if line := strings.TrimSpace(f.ContextLine); line != "" {
					b.WriteString("    ")
					b.WriteString(line)
					b.WriteByte('\n')
				}
			}
		}
		typ := e.typ
		if e.module != "" && e.module != "builtins" && e.module != "exceptions" && e.module != "__builtin__" && typ != "" {
			typ = e.module + "." + typ
		}
		b.WriteString(header(typ, e.value))
		b.WriteByte('\n')
	}
}

// qualified joins a module (package, class) and a name with a dot unless the name already
// carries it.
func qualified(module, name string) string {
	switch {
	case module == "":
		return name
	case name == "":
		return module
	case strings.HasPrefix(name, module+"."):
		return name
	}
	return module + "." + name
}

// renderJava: Throwable.printStackTrace, the raised exception first, then "Caused by:".
func renderJava(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.WriteString("Caused by: ")
		}
		b.WriteString(header(qualified(e.module, e.typ), e.value))
		b.WriteByte('\n')
		for _, f := range e.calleeFirst() {
			b.WriteString("\tat ")
			b.WriteString(qualified(f.Module, f.Function))
			b.WriteByte('(')
			switch {
			case f.Filename == "" && f.Lineno == 0:
				b.WriteString("Unknown Source")
			case f.Filename == "":
				b.WriteString("Unknown Source:")
				writeInt(b, f.Lineno)
			default:
				b.WriteString(f.Filename)
				appendPos(b, f, false)
			}
			b.WriteString(")\n")
		}
	}
}

// renderGo: a panic's goroutine dump, "pkg.fn(...)\n\t/path/file.go:12".
func renderGo(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.WriteString("\ncaused by: ")
		} else {
			b.WriteString("panic: ")
		}
		if e.value != "" {
			b.WriteString(e.value)
		} else {
			b.WriteString(e.typ)
		}
		b.WriteByte('\n')
		frames := e.calleeFirst()
		if len(frames) == 0 {
			continue
		}
		b.WriteString("\ngoroutine 1 [running]:\n")
		for _, f := range frames {
			b.WriteString(qualified(f.Module, f.Function))
			b.WriteString("(...)\n\t")
			b.WriteString(frameFile(f))
			appendPos(b, f, false)
			b.WriteByte('\n')
		}
	}
}

// renderDotNet: Exception.ToString, inner exceptions introduced by " ---> " and their stacks
// closed by "--- End of inner exception stack trace ---".
func renderDotNet(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		if i < len(excs)-1 {
			b.WriteString(" ---> ")
		}
		b.WriteString(header(excs[i].typ, excs[i].value))
	}
	b.WriteByte('\n')
	for i := range excs {
		for _, f := range excs[i].calleeFirst() {
			b.WriteString("   at ")
			b.WriteString(qualified(f.Module, f.Function))
			if !strings.Contains(f.Function, "(") {
				b.WriteString("()")
			}
			if file := frameFile(f); file != "" {
				b.WriteString(" in ")
				b.WriteString(file)
				if f.Lineno > 0 {
					b.WriteString(":line ")
					writeInt(b, f.Lineno)
				}
			}
			b.WriteByte('\n')
		}
		if i < len(excs)-1 {
			b.WriteString("   --- End of inner exception stack trace ---\n")
		}
	}
}

// renderRuby: "file:line:in `method': message (Type)" then "\tfrom file:line:in `caller'".
func renderRuby(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		frames := e.calleeFirst()
		for j, f := range frames {
			if j > 0 {
				b.WriteString("\tfrom ")
			}
			b.WriteString(frameFile(f))
			appendPos(b, f, false)
			if f.Function != "" {
				b.WriteString(":in `")
				b.WriteString(f.Function)
				b.WriteByte('\'')
			}
			if j == 0 {
				b.WriteString(": ")
				b.WriteString(e.value)
				if e.typ != "" {
					b.WriteString(" (")
					b.WriteString(e.typ)
					b.WriteByte(')')
				}
			}
			b.WriteByte('\n')
		}
		if len(frames) == 0 {
			b.WriteString(e.value)
			if e.typ != "" {
				b.WriteString(" (" + e.typ + ")")
			}
			b.WriteByte('\n')
		}
	}
}

// renderPHP: Throwable::__toString, previous exceptions first and each later one as "Next".
func renderPHP(b *strings.Builder, excs []renderedException) {
	for i := range excs {
		e := &excs[i]
		if i > 0 {
			b.WriteString("\nNext ")
		}
		b.WriteString(header(e.typ, e.value))
		frames := e.calleeFirst()
		if len(frames) > 0 {
			b.WriteString(" in ")
			b.WriteString(frameFile(frames[0]))
			appendPos(b, frames[0], false)
		}
		b.WriteString("\nStack trace:\n")
		n := 0
		// PHP's trace lists the calls that led to the throwing frame: each line is the call site
		// (the caller's file and line) and the function called.
		for j := 1; j < len(frames); j++ {
			b.WriteString("#" + strconv.Itoa(n) + " ")
			b.WriteString(frameFile(frames[j]))
			if frames[j].Lineno > 0 {
				b.WriteString("(" + strconv.Itoa(frames[j].Lineno) + ")")
			}
			b.WriteString(": ")
			b.WriteString(frames[j-1].Function)
			b.WriteString("()\n")
			n++
		}
		b.WriteString("#" + strconv.Itoa(n) + " {main}\n")
	}
}

// renderGeneric: V8-like lines, with instruction addresses for native frames.
func renderGeneric(b *strings.Builder, excs []renderedException) {
	for i := len(excs) - 1; i >= 0; i-- {
		e := &excs[i]
		if i < len(excs)-1 {
			b.WriteString("Caused by: ")
		}
		b.WriteString(header(e.typ, e.value))
		b.WriteByte('\n')
		for _, f := range e.calleeFirst() {
			b.WriteString("  at ")
			if f.InstructionAddr != "" {
				b.WriteString(f.InstructionAddr)
				b.WriteByte(' ')
			}
			fn := qualified(f.Module, f.Function)
			if fn == "" {
				fn = "?"
			}
			b.WriteString(fn)
			if file := frameFile(f); file != "" {
				b.WriteString(" (")
				b.WriteString(file)
				appendPos(b, f, true)
				b.WriteByte(')')
			}
			b.WriteByte('\n')
		}
	}
}
