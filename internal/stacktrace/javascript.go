package stacktrace

import (
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// JavaScript reads Error.prototype.stack, which the OTel JS SDKs record: V8 (Node.js, Chrome,
// Edge) prints a "Type: message" header and innermost-first "    at …" lines; Firefox and Safari
// print only "function@url:line:col" lines.
//
//	TypeError: Cannot read properties of undefined (reading 'id')
//	    at getUser (/srv/shop/src/users.js:12:18)
//	    at Object.submitPayment [as pay] (/srv/shop/src/orders.js:16:20)
//	    at /srv/shop/src/index.js:5:3
//	    at async checkout (file:///srv/shop/src/orders.mjs:12:12)
//	    at render (eval at compile (/srv/shop/src/view.js:24:24), <anonymous>:1:22)
//
// Frames are filled like the Sentry JavaScript SDKs: filename and abs_path are the path or URL,
// an eval frame points at the eval call, "async "/" [as alias]" decorations are dropped. Node
// frames get the module the Node SDK derives from the path ("fastpay.lib:client" for a package
// file; the bare file name elsewhere, since the app's root folder is not in the text); browser
// frames get none, so grouping derives it from the URL as Sentry's processing does.

var (
	// v8Location is "path:line:col" or "path:line", the path possibly a URL or a Windows path.
	v8Location = regexp.MustCompile(`^(.*?):(\d+)(?::(\d+))?$`)
	// geckoFrame is a Firefox/Safari line: "fn@url:line:col" or Safari's "fn@[native code]".
	geckoFrame = regexp.MustCompile(`^([^@()]*)@(?:(.+?):(\d+):(\d+)|(\[native code\]))$`)
	// jsErrorName is an error's name in a V8 header; Node adds a "[ERR_X]" code to system errors.
	jsErrorName = regexp.MustCompile(`^(?:Uncaught )?([A-Za-z_$][\w$.]*)(?: \[[\w.]+\])?$`)
)

func parseJavaScript(lines []string, opts Options) (Trace, bool) {
	// V8 frames all start with "at ": size the frames at once (Firefox/Safari ones grow it).
	exc := Exception{Frames: make([]event.Frame, 0, countLinesWithPrefix(lines, "at "))}
	var header []string
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if f, ok := v8Frame(trimmed, opts); ok {
			exc.Frames = append(exc.Frames, f)
			continue
		}
		if f, ok := geckoFrameLine(trimmed, opts); ok {
			exc.Frames = append(exc.Frames, f)
			continue
		}
		if len(exc.Frames) == 0 {
			header = append(header, trimmed)
		}
	}
	if len(exc.Frames) == 0 {
		return Trace{}, false
	}
	exc.Type, exc.Value = jsHeader(strings.Join(header, "\n"))
	reverseFrames(exc.Frames)
	return Trace{Platform: "javascript", Exceptions: []Exception{exc}}, true
}

// jsHeader splits "TypeError: message" into name and message; a header that does not start
// with an error name (a custom toString) is all message.
func jsHeader(h string) (typ, value string) {
	if h == "" {
		return "", ""
	}
	name, message, found := strings.Cut(h, ": ")
	if !found {
		name, message = h, ""
	}
	if m := jsErrorName.FindStringSubmatch(name); m != nil {
		return m[1], message
	}
	return "", h
}

// v8Frame reads one V8 "at …" line.
func v8Frame(s string, opts Options) (event.Frame, bool) {
	rest, ok := strings.CutPrefix(s, "at ")
	if !ok {
		return event.Frame{}, false
	}
	rest = strings.TrimPrefix(rest, "async ")
	function, location := "", rest
	if i := strings.Index(rest, " ("); i >= 0 && strings.HasSuffix(rest, ")") {
		function, location = rest[:i], rest[i+2:len(rest)-1]
	}
	if i := strings.Index(function, " [as "); i >= 0 {
		function = function[:i]
	}
	// An eval frame's position is inside the evaluated code; Sentry points it at the eval call:
	// "eval at compile (/srv/view.js:24:24), <anonymous>:1:22".
	if inner, ok := strings.CutPrefix(location, "eval at "); ok {
		open, end := strings.Index(inner, "("), strings.LastIndex(inner, "),")
		if open < 0 || end < open {
			return event.Frame{}, false
		}
		location = inner[open+1 : end]
	}
	f := event.Frame{Function: function}
	switch {
	case location == "<anonymous>" || location == "native":
		f.Filename, f.AbsPath = location, location
	case strings.HasPrefix(location, "index ") && function != "":
		// "at async Promise.all (index 0)": a built-in with no source.
	default:
		m := v8Location.FindStringSubmatch(location)
		if m == nil || m[1] == "" || strings.ContainsAny(m[1], "()") {
			return event.Frame{}, false
		}
		path := strings.TrimPrefix(m[1], "file://")
		f.Filename, f.AbsPath = path, path
		f.Lineno, f.Colno = atoi(m[2]), atoi(m[3])
	}
	jsFillFrame(&f, opts)
	return f, true
}

// geckoFrameLine reads one Firefox/Safari "function@url:line:col" line.
func geckoFrameLine(s string, opts Options) (event.Frame, bool) {
	m := geckoFrame.FindStringSubmatch(s)
	if m == nil {
		return event.Frame{}, false
	}
	f := event.Frame{Function: m[1]}
	if m[5] != "" {
		f.Filename, f.AbsPath = m[5], m[5]
	} else {
		url := m[2]
		// Firefox prints code from eval as "app.js line 5 > eval": point at the eval call.
		if file, evalLine, ok := strings.Cut(url, " line "); ok {
			num, _, _ := strings.Cut(evalLine, " ")
			f.Filename, f.AbsPath, f.Lineno = file, file, atoi(num)
		} else {
			f.Filename, f.AbsPath = url, url
			f.Lineno, f.Colno = atoi(m[3]), atoi(m[4])
		}
	}
	jsFillFrame(&f, opts)
	return f, true
}

// jsFillFrame sets module and in_app from the frame's path.
func jsFillFrame(f *event.Frame, opts Options) {
	path := strings.ReplaceAll(f.AbsPath, `\`, "/")
	builtin := path == "" || path == "<anonymous>" || path == "native" || path == "[native code]"
	internal := strings.HasPrefix(path, "node:") || strings.HasPrefix(path, "internal/")
	dependency := strings.Contains(path, "/node_modules/") || strings.Contains(path, "/~/")
	if !builtin && !strings.Contains(path, "://") {
		f.Module = nodeModule(path)
	}
	f.InApp = boolPtr(opts.hasAppPath(path) || !(builtin || internal || dependency))
}

// nodeModule names a Node.js file as the Node SDK does: a package file by its folders below
// node_modules and its name ("fastpay/lib/client.js" → "fastpay.lib:client"), other files by
// their name without extension.
func nodeModule(path string) string {
	dir, file := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, file = path[:i], path[i+1:]
	}
	for _, ext := range []string{".js", ".mjs", ".cjs"} {
		if base, ok := strings.CutSuffix(file, ext); ok {
			file = base
			break
		}
	}
	if i := strings.LastIndex(dir, "/node_modules/"); i >= 0 {
		return strings.ReplaceAll(dir[i+len("/node_modules/"):], "/", ".") + ":" + file
	}
	return file
}
