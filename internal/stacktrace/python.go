package stacktrace

import (
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Python reads traceback.format_exception output, which the OTel Python SDK records:
//
//	Traceback (most recent call last):
//	  File "/srv/shop/app/orders.py", line 19, in charge
//	    return total(order)
//	           ^^^^^^^^^^^^
//	KeyError: 'price'
//
//	The above exception was the direct cause of the following exception:
//
//	Traceback (most recent call last):
//	  ...
//	app.orders.PaymentError: order has no price
//
// Python prints the chain and the frames oldest-first already. Frames are filled like
// sentry-python's: the source line under a frame is its context_line (Sentry hashes it for
// Python); stdlib and site-packages frames get the module and the sys.path-relative filename the
// SDK would compute. An app file's module depends on the sys.path the text doesn't show, so app
// frames carry only their path and are grouped by file name. Of an exception group (3.11+) the
// group itself is kept; its sub-exceptions are not part of the chain.

var (
	pythonFrameLine = regexp.MustCompile(`^File "(.*)", line (\d+), in (.+)$`)
	pythonException = regexp.MustCompile(`^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?:: ?(.*))?$`)
	// pythonStdlib matches the stdlib folder of a CPython install on Unix and Windows.
	pythonStdlib = regexp.MustCompile(`(?i)/lib/python\d+(?:\.\d+)?t?/|/python\d+/lib/`)
)

const (
	pythonTraceback = "Traceback (most recent call last):"
	pythonGroup     = "+ Exception Group Traceback (most recent call last):"
)

// pythonChainMarkers separate the tracebacks of a chain.
var pythonChainMarkers = map[string]bool{
	"During handling of the above exception, another exception occurred:":  true,
	"The above exception was the direct cause of the following exception:": true,
}

func parsePython(lines []string, opts Options) (Trace, bool) {
	lines = pythonUngroup(lines)
	var chain []Exception
	var cur *Exception
	frames := 0
	const (
		afterFrame = iota // a File line was read: an indented line next is its source
		inSource          // past the source line: carets and SyntaxError details may follow
		inMessage         // after the exception line: further lines continue its message
	)
	state := inSource
	finish := func() {
		if cur != nil && (cur.Type != "" || len(cur.Frames) > 0) {
			chain = append(chain, *cur)
		}
		cur, state = nil, inSource
	}
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == pythonTraceback:
			finish()
			cur = &Exception{}
			continue
		case pythonChainMarkers[trimmed]:
			finish()
			continue
		case trimmed == "":
			if state == inMessage {
				finish()
			}
			continue
		}
		if m := pythonFrameLine.FindStringSubmatch(trimmed); m != nil && leadingSpace(line) > 0 {
			if cur == nil || state == inMessage {
				finish()
				cur = &Exception{}
			}
			cur.Frames = append(cur.Frames, pythonFrame(m[1], atoi(m[2]), m[3], opts))
			frames++
			state = afterFrame
			continue
		}
		if cur == nil {
			// A chained exception printed without traceback ("ValueError: x" then a marker).
			if m := pythonException.FindStringSubmatch(trimmed); m != nil && leadingSpace(line) == 0 {
				cur = &Exception{}
				cur.Module, cur.Type, cur.Value = pythonExceptionType(m[1], m[2])
				state = inMessage
			}
			continue
		}
		switch {
		case state == inMessage:
			cur.Value += "\n" + line
		case leadingSpace(line) > 0:
			if strings.HasPrefix(trimmed, "[Previous line repeated ") {
				continue
			}
			// After the source line come 3.11+ caret lines ("^^^^", "~~^~~"); a SyntaxError
			// prints the offending file's location ('File "x.py", line 3' without a function)
			// and line, which belong to no frame.
			if state == afterFrame && !strings.HasPrefix(trimmed, `File "`) {
				cur.Frames[len(cur.Frames)-1].ContextLine = trimmed
			}
			state = inSource
		default:
			if m := pythonException.FindStringSubmatch(trimmed); m != nil {
				cur.Module, cur.Type, cur.Value = pythonExceptionType(m[1], m[2])
				state = inMessage
			}
		}
	}
	finish()
	if frames == 0 {
		return Trace{}, false
	}
	return Trace{Platform: "python", Exceptions: chain}, true
}

// pythonExceptionType splits the printed name ("json.decoder.JSONDecodeError"; builtins and
// __main__ classes are printed bare) into module and type, as sentry-python reports them.
func pythonExceptionType(name, value string) (module, typ, val string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:], value
	}
	return "", name, value
}

// pythonFrame fills a frame like sentry-python: a library file (stdlib, site-packages,
// dist-packages, frozen) gets its module and its sys.path-relative filename.
func pythonFrame(path string, line int, function string, opts Options) event.Frame {
	f := event.Frame{Function: function, Lineno: line, Filename: path, AbsPath: path}
	library := false
	slashed := strings.ReplaceAll(path, `\`, "/")
	if frozen, ok := strings.CutPrefix(path, "<frozen "); ok {
		f.Module = strings.TrimSuffix(frozen, ">")
		f.AbsPath = ""
		library = true
	} else if rel, ok := pythonLibraryPath(slashed); ok {
		f.Filename = rel
		f.Module = pythonModule(rel)
		library = true
	}
	f.InApp = boolPtr(opts.hasAppPath(slashed) || opts.hasAppPrefix(f.Module) || !library)
	return f
}

// pythonLibraryPath returns the path below site-packages/dist-packages or the stdlib folder.
func pythonLibraryPath(path string) (string, bool) {
	for _, dir := range []string{"/site-packages/", "/dist-packages/"} {
		if i := strings.LastIndex(path, dir); i >= 0 {
			return path[i+len(dir):], true
		}
	}
	if loc := pythonStdlib.FindStringIndex(path); loc != nil {
		return path[loc[1]:], true
	}
	return "", false
}

// pythonModule turns "json/__init__.py" into "json" and "httpkit/client.py" into "httpkit.client".
func pythonModule(rel string) string {
	rel = strings.TrimSuffix(rel, ".py")
	rel = strings.TrimSuffix(rel, "/__init__")
	return strings.ReplaceAll(rel, "/", ".")
}

// pythonUngroup rewrites an exception group's box ("  + Exception Group Traceback", "  | …")
// into a plain traceback of the group and drops the boxes of its sub-exceptions.
func pythonUngroup(lines []string) []string {
	grouped := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), pythonGroup) {
			grouped = true
			break
		}
	}
	if !grouped {
		return lines
	}
	out := make([]string, 0, len(lines))
	column := -1 // column of the current group's "|" border; -1 outside a group
	for _, l := range lines {
		indent := leadingSpace(l)
		rest := l[indent:]
		switch {
		case strings.HasPrefix(rest, pythonGroup) && (column < 0 || indent == column):
			column = indent
			out = append(out, pythonTraceback)
		case column >= 0 && indent == column && strings.HasPrefix(rest, "|"):
			out = append(out, strings.TrimPrefix(rest[1:], " "))
		case column >= 0 && (strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, "+")):
			// The sub-exceptions' boxes.
		default:
			column = -1
			out = append(out, l)
		}
	}
	return out
}
