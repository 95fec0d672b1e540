package stacktrace

import (
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// PHP comes in two shapes. PHP's own Throwable::__toString (logged by frameworks and printed on
// an uncaught exception) lists the previous exceptions first and each outer one after "Next":
//
//	PDOException: SQLSTATE[23000]: Integrity constraint violation in /var/www/src/Repo.php:42
//	Stack trace:
//	#0 /var/www/src/Repo.php(42): PDOStatement->execute(Array)
//	#1 /var/www/src/Controller.php(30): App\Repo->save(Object(App\Order))
//	#2 {main}
//
//	Next RuntimeException: could not save order in /var/www/src/Service.php:55
//
// The OTel PHP SDK writes exception.stacktrace in Java's printStackTrace shape instead, with
// namespaces dotted and files reduced to their base names:
//
//	RuntimeException: could not save order
//		at App.Service.save(Service.php:55)
//		at {main}(index.php:7)
//	Caused by: PDOException: SQLSTATE[23000]: …
//
// A "#n" line names the called function and the line it was called from; frames are shifted so
// each holds the function that contains its line, as sentry-php (and the OTel formatter) do.
// Functions read "Class::method" like sentry-php's. In the OTel shape a class method and a
// namespaced function look alike ("App.Service.save"); the last segment is taken as a method.

// phpLibraryNamespaces are vendor namespaces, for frames whose path doesn't say "vendor/".
var phpLibraryNamespaces = []string{
	`Symfony\`, `Illuminate\`, `Laravel\`, `Doctrine\`, `GuzzleHttp\`, `Psr\`, `Monolog\`,
	`OpenTelemetry\`, `Composer\`, `PHPUnit\`, `Twig\`, `League\`, `Predis\`, `Carbon\`,
	`Sentry\`, `Slim\`, `Laminas\`, `Nyholm\`, `React\`, `Amp\`,
}

var (
	// phpTraceLine is "#3 /path/File.php(163): Class->method(args)" or "#2 [internal function]: f()".
	phpTraceLine = regexp.MustCompile(`^#\d+ (?:(.+?)\((\d+)\)|\[internal function\]): (.+)$`)
	// phpLocation closes a native header: "… in /path/File.php:42".
	phpLocation = regexp.MustCompile(`(?s)^(.*) in (.+):(\d+)$`)
	// phpClassName is a fully qualified class name, namespaces separated by backslashes.
	phpClassName = regexp.MustCompile(`^\\?[A-Za-z_\x80-\xff][\w\x80-\xff]*(?:\\[A-Za-z_\x80-\xff][\w\x80-\xff]*)*$`)
)

func parsePHP(lines []string, opts Options) (Trace, bool) {
	if chain, ok := parsePHPNative(lines, opts); ok {
		return Trace{Platform: "php", Exceptions: chain}, true
	}
	chain, ok := parseThrowableText(lines, opts, throwableStyle{frame: phpOTelFrame, header: phpOTelHeader})
	return Trace{Platform: "php", Exceptions: chain}, ok
}

// phpBlock is one exception of the native shape while it is read.
type phpBlock struct {
	header []string // the header's lines, up to "Stack trace:"
	traced bool     // "Stack trace:" was seen: the header was an exception's
	calls  []phpCall
	main   bool // the trace reached {main}
}

// phpCall is one "#n" line: the called function, and where it was called from.
type phpCall struct {
	function, file string
	line           int
}

func parsePHPNative(lines []string, opts Options) ([]Exception, bool) {
	var blocks []phpBlock
	inHeader, inTrace := false, false
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		switch {
		case inHeader && trimmed == "Stack trace:":
			blocks[len(blocks)-1].traced = true
			inHeader, inTrace = false, true
		case inTrace && strings.HasPrefix(trimmed, "#") && strings.HasSuffix(trimmed, " {main}"):
			blocks[len(blocks)-1].main, inTrace = true, false
		case inTrace && phpTraceLine.MatchString(trimmed):
			m := phpTraceLine.FindStringSubmatch(trimmed)
			b := &blocks[len(blocks)-1]
			b.calls = append(b.calls, phpCall{function: phpCallName(m[3]), file: m[1], line: atoi(m[2])})
		case inHeader:
			b := &blocks[len(blocks)-1]
			b.header = append(b.header, trimmed)
		default:
			header, ok := phpHeaderStart(trimmed)
			if !ok || strings.HasPrefix(trimmed, "thrown in ") {
				inTrace = false // "thrown in … on line 3" and other trailing text
				continue
			}
			blocks = append(blocks, phpBlock{header: []string{header}})
			inHeader, inTrace = true, false
		}
	}
	var chain []Exception
	frames := 0
	for _, b := range blocks {
		if !b.traced {
			continue
		}
		e, location := phpNativeHeader(strings.Join(b.header, "\n"))
		e.Frames = phpNativeFrames(b, location, opts)
		frames += len(e.Frames)
		chain = append(chain, e)
	}
	return chain, frames > 0
}

// phpHeaderStart recognises the first line of an exception: "Type: message…" after an optional
// "PHP Fatal error:  Uncaught " or "Next ".
func phpHeaderStart(s string) (string, bool) {
	for _, prefix := range []string{"PHP Fatal error:  Uncaught ", "Fatal error: Uncaught ", "Next "} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = rest
			break
		}
	}
	name, _, _ := strings.Cut(s, ": ")
	name, _, _ = strings.Cut(name, " in ") // "Exception in /path:3" has no message
	return s, phpClassName.MatchString(name)
}

// phpNativeHeader splits "Type: message in /path/File.php:42" into the exception and the
// location it was thrown at.
func phpNativeHeader(h string) (Exception, phpCall) {
	var at phpCall
	if m := phpLocation.FindStringSubmatch(h); m != nil {
		h, at.file, at.line = m[1], m[2], atoi(m[3])
	}
	typ, value, _ := strings.Cut(h, ": ")
	return Exception{Type: strings.TrimPrefix(typ, `\`), Value: value}, at
}

// phpNativeFrames shifts the calls into frames, innermost first: the throw location lies in
// the first called function, each call site in the next one, the last in {main} (unless the
// trace was cut short: then its function is unknown and it is left out).
func phpNativeFrames(b phpBlock, thrownAt phpCall, opts Options) []event.Frame {
	var frames []event.Frame
	location := thrownAt
	for _, c := range b.calls {
		frames = append(frames, phpFrame(c.function, location.file, location.line, opts))
		location = c
	}
	if b.main {
		frames = append(frames, phpFrame("{main}", location.file, location.line, opts))
	}
	reverseFrames(frames)
	return frames
}

// phpCallName is the function of a "#n" call, without arguments, with "->" as "::".
func phpCallName(call string) string {
	depth := 0
	for i, r := range call {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case '(':
			if depth == 0 {
				call = call[:i]
				return strings.ReplaceAll(call, "->", "::")
			}
		}
	}
	return strings.ReplaceAll(call, "->", "::")
}

// phpFrame fills a frame like sentry-php: an unknown file (an internal function's) is
// "[internal]"; vendor paths and vendor namespaces are not in-app.
func phpFrame(function, path string, line int, opts Options) event.Frame {
	f := event.Frame{Function: function, Lineno: line, Filename: path, AbsPath: path}
	if path == "" {
		f.Filename = "[internal]"
	}
	if !isAbsolutePath(path) {
		f.AbsPath = ""
	}
	slashed := strings.ReplaceAll(path, `\`, "/")
	library := path == "" || strings.Contains(slashed, "/vendor/") || strings.HasPrefix(slashed, "vendor/") ||
		hasAnyPrefix(strings.TrimPrefix(function, `\`), phpLibraryNamespaces)
	f.InApp = boolPtr(opts.hasAppPath(slashed) || opts.hasAppPrefix(function) || !library)
	return f
}

// phpOTelHeader reads the OTel formatter's "App.Exceptions.PaymentFailed: message".
func phpOTelHeader(s string) (Exception, bool) {
	name, value, _ := strings.Cut(s, ": ")
	name = strings.ReplaceAll(name, ".", `\`)
	if !phpClassName.MatchString(name) {
		return Exception{}, false
	}
	return Exception{Type: name, Value: value}, true
}

// phpOTelFrame reads the OTel formatter's "at App.Service.save(Service.php:55)",
// "at {main}(index.php:7)" and "at strlen(Unknown Source)".
func phpOTelFrame(s string, opts Options) (event.Frame, bool) {
	rest, ok := strings.CutPrefix(s, "at ")
	if !ok || !strings.HasSuffix(rest, ")") {
		return event.Frame{}, false
	}
	open := strings.LastIndexByte(rest, '(')
	if open <= 0 {
		return event.Frame{}, false
	}
	name, location := rest[:open], rest[open+1:len(rest)-1]
	file, line := "", 0
	if location != "Unknown Source" {
		var num string
		file, num, _ = strings.Cut(location, ":")
		if !strings.HasSuffix(strings.ToLower(file), ".php") && !strings.HasSuffix(strings.ToLower(file), ".inc") {
			return event.Frame{}, false
		}
		line = atoi(num)
	}
	if name == "(main)" {
		name = "{main}"
	}
	if dot := lastDotOutsideBraces(name); dot > 0 {
		name = strings.ReplaceAll(name[:dot], ".", `\`) + "::" + strings.ReplaceAll(name[dot+1:], ".", `\`)
	} else {
		name = strings.ReplaceAll(name, ".", `\`)
	}
	return phpFrame(name, file, line, opts), true
}

// lastDotOutsideBraces finds the separator before the function in "App.Service.save" and
// "App.Service.{closure:App\Service::save():12}"; -1 when there is none.
func lastDotOutsideBraces(s string) int {
	depth, last := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '.':
			if depth == 0 {
				last = i
			}
		}
	}
	return last
}
