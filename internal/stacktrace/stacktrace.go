// Package stacktrace parses the stack-trace strings that OpenTelemetry SDKs and language runtimes
// write into exception.stacktrace (Java, Python, JavaScript/V8 and Firefox/Safari, Go, .NET, Ruby,
// PHP) into an exception chain with Sentry-style frames, filled the way the platform's Sentry SDK
// would fill them, so that Sentry grouping treats an OTel exception like an SDK event.
//
// It knows the event model's Frame and nothing else: no pdata, no grouping, no collector.
package stacktrace

import (
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Options says which frames belong to the application.
type Options struct {
	// AppPrefixes are module/package/namespace/path prefixes whose frames are in-app
	// (e.g. "com.acme.", "github.com/acme/", "src/", "app/"). Frames from none of them are
	// in-app only when the language's own heuristics say so (not stdlib/vendor/node_modules/site-packages).
	AppPrefixes []string
}

// Language names as Sentry platforms: "java", "python", "javascript" (V8/node), "go", "csharp",
// "ruby", "php".

// Trace is a parsed stack trace: the exception chain oldest-first (the cause first, the exception
// that was raised last — Sentry's order), each with frames oldest-first (the innermost call last).
type Trace struct {
	Platform   string // Sentry platform of the detected format
	Exceptions []Exception
}

// Exception is one exception of a chain, as found in the text (type and message where the format
// prints them: Java "Caused by:", Python chained tracebacks, Go "panic: ...", .NET "---> ").
type Exception struct {
	Type   string
	Value  string
	Module string        // e.g. the Java package of the exception class, when printed
	Frames []event.Frame // Function, Module/Package, Filename, AbsPath, Lineno, Colno, InApp set
}

// format is the parser of one platform's stack-trace text. parse returns false when the lines
// hold no frame of the format. markers are substrings every frame line of the format contains
// (one of them at least): a text without any is not read by the format when detecting.
type format struct {
	platform string
	parse    func(lines []string, opts Options) (Trace, bool)
	markers  []string
}

// formats in detection order: on a tie in frame count, the earlier format wins.
var formats = []format{
	{"java", parseJava, []string{"at "}},
	{"python", parsePython, []string{`File "`}},
	{"javascript", parseJavaScript, []string{"at ", "@"}},
	{"go", parseGo, []string{".go:", ".s:"}},
	{"csharp", parseDotnet, []string{"at "}},
	{"ruby", parseRuby, []string{":in ", ".rb:"}},
	{"php", parsePHP, []string{"#", "at "}},
}

// hintPlatforms maps telemetry.sdk.language values (and Sentry platform names) to platforms.
var hintPlatforms = map[string]string{
	"java":       "java",
	"jvm":        "java",
	"kotlin":     "java",
	"scala":      "java",
	"python":     "python",
	"nodejs":     "javascript",
	"node":       "javascript",
	"javascript": "javascript",
	"webjs":      "javascript",
	"go":         "go",
	"dotnet":     "csharp",
	"csharp":     "csharp",
	"ruby":       "ruby",
	"php":        "php",
}

// Parse reads a stack trace as written by an OTel SDK or the runtime. language is a hint (the
// resource's telemetry.sdk.language, e.g. "java", "python", "nodejs", "go", "dotnet", "ruby",
// "php", or ""): when empty or wrong, the format is detected from the text. ok is false when the
// text is in no known format (the caller then groups by type + parameterized message).
func Parse(text, language string, opts Options) (t Trace, ok bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	hinted := hintPlatforms[strings.ToLower(strings.TrimSpace(language))]
	for _, f := range formats {
		if f.platform == hinted {
			if t, ok := f.parse(lines, opts); ok {
				return t, true
			}
		}
	}
	// No usable hint: every format reads the text, and the one that recognises the most frames
	// wins. A line of one format rarely matches another's frame shape, so counts separate well.
	best, bestFrames := Trace{}, 0
	for _, f := range formats {
		if f.platform == hinted || !containsAny(text, f.markers) {
			continue
		}
		if t, ok := f.parse(lines, opts); ok {
			if n := frameCount(t); n > bestFrames {
				best, bestFrames = t, n
			}
		}
	}
	return best, bestFrames > 0
}

// countLinesWithPrefix counts the lines that start with prefix after their indentation: the
// frame lines of formats whose frames start with a marker, to size frame slices at once.
func countLinesWithPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), prefix) {
			n++
		}
	}
	return n
}

func containsAny(text string, markers []string) bool {
	for _, m := range markers {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

func frameCount(t Trace) int {
	n := 0
	for _, e := range t.Exceptions {
		n += len(e.Frames)
	}
	return n
}

// hasAppPrefix reports whether a module-like name (package, namespace, class) starts with one of
// the app prefixes.
func (o Options) hasAppPrefix(name string) bool {
	if name == "" {
		return false
	}
	for _, p := range o.AppPrefixes {
		if p != "" && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// hasAppPath reports whether a file path starts with one of the app prefixes, or contains a
// relative prefix at a folder boundary: "src/" matches "/home/ci/build/src/app.js", because
// runtimes print absolute paths while users think in project-relative ones.
func (o Options) hasAppPath(path string) bool {
	if path == "" {
		return false
	}
	path = strings.ReplaceAll(path, `\`, "/")
	for _, p := range o.AppPrefixes {
		if p == "" {
			continue
		}
		p = strings.ReplaceAll(p, `\`, "/")
		if strings.HasPrefix(path, p) {
			return true
		}
		if !strings.HasPrefix(p, "/") && strings.Contains(path, "/"+p) {
			return true
		}
	}
	return false
}

// hasAnyPrefix reports whether s starts with one of prefixes.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func boolPtr(b bool) *bool { return &b }

// reverseFrames turns innermost-first frames (Java, .NET, V8, Go, Ruby, PHP print them so) into
// Sentry's oldest-first order.
func reverseFrames(frames []event.Frame) {
	for i, j := 0, len(frames)-1; i < j; i, j = i+1, j-1 {
		frames[i], frames[j] = frames[j], frames[i]
	}
}

// leadingSpace is the number of leading spaces and tabs of line.
func leadingSpace(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t"))
}

// atoi reads a non-negative decimal; anything else (or an overflowing number) gives 0.
func atoi(s string) int {
	if s == "" || len(s) > 9 {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
