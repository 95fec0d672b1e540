package stacktrace

import (
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Go reads a panic's crash output and goroutine dumps from runtime.Stack and
// runtime/debug.Stack (the OTel Go SDK records runtime.Stack into a 2 KiB buffer, so the last
// line may be cut):
//
//	panic: runtime error: index out of range [5] with length 2 [recovered]
//		panic: checkout failed: runtime error: index out of range [5] with length 2
//
//	goroutine 1 [running]:
//	main.checkout.func1()
//		/srv/shop/main.go:29 +0x59
//	panic({0x4bebc0?, 0x432df770078?})
//		/usr/local/go/src/runtime/panic.go:860 +0x13a
//	main.checkout({0x432df7c2f18?, 0x4533df?, 0x0?})
//		/srv/shop/main.go:32 +0x50
//
// The first goroutine is the stack (the crashing one in a panic); the others are left out, as
// is the "created by" frame. Frames are filled as sentry-go fills them from runtime.Frame:
// module = package path, function = the rest of the symbol, an absolute file in abs_path and a
// relative (-trimpath) one in filename; runtime and testing frames are dropped, and a closure's
// name loses its caller's prefix ("main.func1" under "main" becomes "func1"). Frames of the
// capturing call itself (runtime/debug.Stack, the OTel SDK's RecordError) are dropped too, as
// SDKs drop their own frames. A panic's last value is the exception value.

// goStdlibRoots are the first path elements of the standard library's packages.
var goStdlibRoots = map[string]bool{
	"archive": true, "bufio": true, "builtin": true, "bytes": true, "cmp": true, "compress": true,
	"container": true, "context": true, "crypto": true, "database": true, "debug": true,
	"embed": true, "encoding": true, "errors": true, "expvar": true, "flag": true, "fmt": true,
	"go": true, "hash": true, "html": true, "image": true, "index": true, "internal": true,
	"io": true, "iter": true, "log": true, "maps": true, "math": true, "mime": true, "net": true,
	"os": true, "path": true, "plugin": true, "reflect": true, "regexp": true, "runtime": true,
	"slices": true, "sort": true, "strconv": true, "strings": true, "structs": true, "sync": true,
	"syscall": true, "testing": true, "text": true, "time": true, "unicode": true, "unique": true,
	"unsafe": true, "weak": true,
}

// goCapturePackages hold the functions that take a stack dump rather than fail.
var goCapturePackages = []string{"runtime/debug", "go.opentelemetry.io/otel/sdk/trace"}

func parseGo(lines []string, opts Options) (Trace, bool) {
	var exc Exception
	var frames []event.Frame // innermost first, as printed
	inMessage := false       // after a panic line, before the first goroutine: the value goes on
	systemStack := false     // in the "runtime stack:" a fatal signal prints before the goroutines
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if isGoroutineHeader(trimmed) {
			if len(frames) > 0 {
				break // the first goroutine is the stack; the rest of a dump is other goroutines
			}
			inMessage, systemStack = false, false
			continue
		}
		if trimmed == "runtime stack:" {
			inMessage, systemStack = false, true
			continue
		}
		if len(frames) == 0 {
			if value, ok := strings.CutPrefix(trimmed, "panic: "); ok {
				exc.Type, exc.Value, inMessage = "panic", goPanicValue(value), true
				continue
			}
			if value, ok := strings.CutPrefix(trimmed, "fatal error: "); ok {
				exc.Type, exc.Value, inMessage = "fatal error", value, true
				continue
			}
		}
		if i+1 < len(lines) {
			if path, line, ok := goFileLine(lines[i+1]); ok {
				if strings.HasPrefix(trimmed, "created by ") {
					i++ // the goroutine's creator is not part of its stack
					continue
				}
				if symbol, ok := goFunctionLine(trimmed); ok {
					if !systemStack {
						frames = append(frames, goFrame(symbol, path, line, opts))
					}
					i++
					inMessage = false
					continue
				}
			}
		}
		switch {
		case trimmed == "":
			inMessage = false
		case inMessage && !strings.HasPrefix(trimmed, "[signal "):
			exc.Value += "\n" + trimmed
		}
	}
	for len(frames) > 0 && hasAnyPrefix(frames[0].Module, goCapturePackages) {
		frames = frames[1:]
	}
	kept := frames[:0]
	for _, f := range frames {
		if f.Module != "runtime" && f.Module != "testing" && f.Function != "panic" {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return Trace{}, false
	}
	exc.Frames = kept
	reverseFrames(exc.Frames)
	trimClosurePrefixes(exc.Frames)
	return Trace{Platform: "go", Exceptions: []Exception{exc}}, true
}

// goPanicValue is the value of a "panic: " line, without the marks a re-panic adds.
func goPanicValue(v string) string {
	for _, mark := range []string{" [recovered]", " [recovered, repanicked]"} {
		v = strings.TrimSuffix(v, mark)
	}
	return v
}

func isGoroutineHeader(s string) bool {
	rest, ok := strings.CutPrefix(s, "goroutine ")
	if !ok || !strings.HasSuffix(rest, "]:") {
		return false
	}
	num, _, _ := strings.Cut(rest, " ")
	return atoi(num) > 0
}

// goFunctionLine reads "pkg/path.(*T).Method(0xc000010000, {0x1, 0x2})" into the symbol
// without its arguments. The stacks zap and github.com/pkg/errors print name the function
// without arguments ("pkg/path.(*T).Method"): the symbol is then the whole line.
func goFunctionLine(s string) (string, bool) {
	if !strings.HasSuffix(s, ")") {
		if s == "" || strings.ContainsAny(s, " \t") {
			return "", false
		}
		return s, strings.Contains(s, ".")
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				symbol := s[:i]
				if symbol == "" || strings.ContainsAny(symbol, " \t") {
					return "", false
				}
				return symbol, symbol == "panic" || strings.Contains(symbol, ".")
			}
		}
	}
	return "", false
}

// goFileLine reads the tab-indented "\t/path/file.go:12 +0x1d" line under a function.
func goFileLine(line string) (path string, lineno int, ok bool) {
	if leadingSpace(line) == 0 {
		return "", 0, false
	}
	s := strings.TrimSpace(line)
	if i := strings.Index(s, " "); i >= 0 {
		s = s[:i] // " +0x1d", " fp=0x… sp=0x… pc=0x…"
	}
	colon := strings.LastIndexByte(s, ':')
	if colon <= 0 {
		return "", 0, false
	}
	path, lineno = s[:colon], atoi(s[colon+1:])
	if lineno == 0 || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".s")) {
		return "", 0, false
	}
	return path, lineno, true
}

// goFrame splits a symbol into package path and function like sentry-go (the package ends at
// the first dot after the last slash) and decides in_app: the standard library, the module
// cache and vendored code are not the app's.
func goFrame(symbol, path string, line int, opts Options) event.Frame {
	f := event.Frame{Function: symbol, Lineno: line}
	slash := max(strings.LastIndexByte(symbol, '/'), 0)
	if dot := strings.IndexByte(symbol[slash:], '.'); dot >= 0 {
		f.Module, f.Function = symbol[:slash+dot], symbol[slash+dot+1:]
	}
	if isAbsolutePath(path) {
		f.AbsPath = path
	} else {
		f.Filename = path
	}
	slashed := strings.ReplaceAll(path, `\`, "/")
	root, _, _ := strings.Cut(f.Module, "/")
	library := goStdlibRoots[root] || strings.Contains(slashed, "/pkg/mod/") ||
		strings.Contains(f.Module, "vendor") || strings.Contains(f.Module, "third_party")
	f.InApp = boolPtr(opts.hasAppPrefix(f.Module) || opts.hasAppPath(slashed) || !library)
	return f
}

func isAbsolutePath(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) ||
		len(p) >= 3 && p[1] == ':' && (p[2] == '/' || p[2] == '\\')
}

// trimClosurePrefixes removes a caller's name from the closure it calls ("main.func1" called
// from "main" becomes "func1"), as sentry-go does since Go 1.21 qualified closure names.
// frames are oldest first.
func trimClosurePrefixes(frames []event.Frame) {
	for i := len(frames) - 1; i > 0; i-- {
		if rest, ok := strings.CutPrefix(frames[i].Function, frames[i-1].Function+"."); ok {
			frames[i].Function = rest
		}
	}
}
