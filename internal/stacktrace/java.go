package stacktrace

import (
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// Java reads Throwable.printStackTrace output, as the OTel Java SDK records it, and the same
// shape written by logback/log4j (with "~[app.jar:1.0]" suffixes and "... N common frames
// omitted"):
//
//	Exception in thread "main" java.lang.IllegalStateException: boom
//		at com.acme.Foo.bar(Foo.java:12)
//		at java.base/java.lang.Thread.run(Thread.java:833)
//		Suppressed: java.io.IOException: close failed
//			at com.acme.Foo.close(Foo.java:40)
//			... 1 more
//	Caused by: java.lang.NumberFormatException: For input string: "x"
//		at java.base/java.lang.Integer.parseInt(Integer.java:652)
//		... 2 more
//
// Frames are filled as sentry-java fills them from StackTraceElement: module = class name,
// function = method name, filename = source file. "... N more" frames are restored from the
// enclosing trace, as the Throwable itself holds them. The chain is the top-level exception and
// its causes; suppressed exceptions are not part of it (sentry-java leaves them out too).

// javaLibraryPrefixes are packages of the JDK and of common frameworks and libraries: their
// frames are not in-app unless an app prefix claims them.
var javaLibraryPrefixes = []string{
	"java.", "javax.", "jdk.", "sun.", "com.sun.", "jakarta.",
	"kotlin.", "kotlinx.", "scala.", "groovy.", "clojure.", "org.codehaus.groovy.",
	"org.springframework.", "org.apache.", "org.eclipse.", "org.hibernate.", "org.jboss.",
	"org.glassfish.", "org.junit.", "junit.", "org.mockito.", "org.slf4j.", "ch.qos.logback.",
	"org.postgresql.", "com.mysql.", "com.zaxxer.", "org.aspectj.", "net.bytebuddy.",
	"io.netty.", "io.grpc.", "io.opentelemetry.", "io.sentry.", "io.micrometer.", "io.undertow.",
	"io.vertx.", "io.ktor.", "io.reactivex.", "reactor.", "rx.", "akka.",
	"com.fasterxml.", "com.google.", "okhttp3.", "okio.", "retrofit2.", "feign.",
	"android.", "androidx.", "dalvik.", "com.android.", "org.jetbrains.", "org.gradle.",
}

// javaBlock is one printed throwable: the top-level one, a "Caused by:" or a "Suppressed:".
type javaBlock struct {
	kind      string // "top", "cause" or "suppressed"
	indent    int    // leading whitespace of the header line
	exc       Exception
	first     int // its printed frames (innermost first) are slab[first:last] of the parse
	last      int
	omitted   int // "... N more"
	enclosing int // index of the block whose trace the omitted frames come from; -1 for none
}

func parseJava(lines []string, opts Options) (Trace, bool) {
	chain, ok := parseThrowableText(lines, opts, throwableStyle{frame: javaFrame, header: javaHeader})
	return Trace{Platform: "java", Exceptions: chain}, ok
}

// throwableStyle is what differs between Java's printStackTrace and its imitations (the OTel
// PHP SDK writes PHP exceptions in the same shape): how a frame line and a header read.
type throwableStyle struct {
	frame  func(line string, opts Options) (event.Frame, bool)
	header func(line string) (Exception, bool)
}

// parseThrowableText reads printStackTrace-shaped text into the chain, oldest first.
func parseThrowableText(lines []string, opts Options, style throwableStyle) ([]Exception, bool) {
	var blocks []javaBlock
	// Every printed frame goes into one slab, each block's frames a window of it: frames are
	// large structs, and one allocation beats a growing slice per block (BenchmarkParseJava).
	slab := make([]event.Frame, 0, countLinesWithPrefix(lines, "at "))
	cur := -1
	headerOpen := false // the current block has no frames yet: unknown lines continue its message
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if f, ok := style.frame(trimmed, opts); ok {
			if cur < 0 {
				blocks = append(blocks, javaBlock{kind: "top", enclosing: -1})
				cur = 0
			}
			if b := &blocks[cur]; b.first == b.last {
				b.first = len(slab)
			}
			slab = append(slab, f)
			blocks[cur].last = len(slab)
			headerOpen = false
			continue
		}
		if n, ok := javaOmitted(trimmed); ok {
			if cur >= 0 {
				blocks[cur].omitted = n
			}
			headerOpen = false
			continue
		}
		if strings.HasPrefix(trimmed, "[CIRCULAR REFERENCE") || strings.HasPrefix(trimmed, "Caused by: [CIRCULAR REFERENCE") {
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "Caused by: "); ok && cur >= 0 {
			indent := leadingSpace(line)
			b := javaBlock{kind: "cause", indent: indent, enclosing: javaCausing(blocks, indent, cur)}
			b.exc, _ = style.header(rest)
			blocks = append(blocks, b)
			cur, headerOpen = len(blocks)-1, true
			continue
		}
		if rest, ok := strings.CutPrefix(trimmed, "Suppressed: "); ok && cur >= 0 {
			indent := leadingSpace(line)
			b := javaBlock{kind: "suppressed", indent: indent, enclosing: javaEnclosing(blocks, indent)}
			b.exc, _ = style.header(rest)
			blocks = append(blocks, b)
			cur, headerOpen = len(blocks)-1, true
			continue
		}
		if cur < 0 {
			if exc, ok := style.header(trimmed); ok {
				blocks = append(blocks, javaBlock{kind: "top", indent: leadingSpace(line), exc: exc, enclosing: -1})
				cur, headerOpen = 0, true
			}
			continue
		}
		if headerOpen {
			// A multi-line message (getMessage() with newlines) is printed before the frames.
			e := &blocks[cur].exc
			e.Value += "\n" + trimmed
		}
	}
	if len(blocks) == 0 {
		return nil, false
	}

	// Restore omitted frames in print order: an enclosing block always precedes its children.
	// Restored frames get their own in_app, so that a later rule changing one exception's frame
	// leaves the other's alone.
	full := make([][]event.Frame, len(blocks))
	for i, b := range blocks {
		printed := slab[b.first:b.last:b.last]
		full[i] = printed
		if b.omitted > 0 && b.enclosing >= 0 {
			enc := full[b.enclosing]
			restored := enc[len(enc)-min(b.omitted, len(enc)):]
			frames := make([]event.Frame, 0, len(printed)+len(restored))
			frames = append(frames, printed...)
			for _, f := range restored {
				f.InApp = boolPtr(*f.InApp)
				frames = append(frames, f)
			}
			full[i] = frames
		}
	}

	// The chain: the top-level throwable and the causes printed at its own indentation.
	var chain []Exception
	frames := 0
	for i, b := range blocks {
		if b.kind == "suppressed" || b.indent != blocks[0].indent {
			continue
		}
		e := b.exc
		e.Frames = full[i]
		reverseFrames(e.Frames)
		frames += len(e.Frames)
		chain = append(chain, e)
	}
	if frames == 0 {
		return nil, false
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, true
}

// javaCausing finds the block a "Caused by:" line at indent belongs to: the last block printed
// at the same indentation (a suppressed exception's lines in between are indented deeper).
func javaCausing(blocks []javaBlock, indent, cur int) int {
	for i := len(blocks) - 1; i >= 0; i-- {
		if blocks[i].indent == indent {
			return i
		}
	}
	return cur
}

// javaEnclosing finds the block a "Suppressed:" line at indent belongs to: the last block
// printed with a smaller indentation.
func javaEnclosing(blocks []javaBlock, indent int) int {
	for i := len(blocks) - 1; i >= 0; i-- {
		if blocks[i].indent < indent {
			return i
		}
	}
	return -1
}

// javaHeader reads "java.lang.IllegalStateException: message" (optionally after
// `Exception in thread "main" `) into type (simple class name), module (package) and value.
func javaHeader(s string) (Exception, bool) {
	if rest, ok := strings.CutPrefix(s, "Exception in thread \""); ok {
		if i := strings.Index(rest, "\" "); i >= 0 {
			s = rest[i+2:]
		}
	}
	class, value, _ := strings.Cut(s, ": ")
	class = strings.TrimSuffix(class, ":")
	if !isJavaClassName(class) {
		return Exception{}, false
	}
	e := Exception{Type: class, Value: value}
	if i := strings.LastIndexByte(class, '.'); i >= 0 {
		e.Module, e.Type = class[:i], class[i+1:]
	}
	return e, true
}

// isJavaClassName accepts a binary class name: identifiers joined by dots, at least one dot
// (printStackTrace prints the qualified name; a bare word is more likely prose).
func isJavaClassName(s string) bool {
	if s == "" || !strings.Contains(s, ".") {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || !isJavaIdentifier(part) {
			return false
		}
	}
	return true
}

func isJavaIdentifier(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f:
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// javaOmitted reads "... 3 more" and logback's "... 3 common frames omitted".
func javaOmitted(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, "... ")
	if !ok {
		return 0, false
	}
	num, tail, _ := strings.Cut(rest, " ")
	if tail != "more" && tail != "common frames omitted" {
		return 0, false
	}
	n := atoi(num)
	return n, n > 0
}

// javaFrame reads one "at pkg.Class.method(File.java:12)" line (already trimmed), with an
// optional class-loader/module prefix ("java.base/", "app//", "java.base@17.0.2/") and an optional
// logback packaging suffix ("~[spring-web-6.1.jar:6.1.2]").
func javaFrame(s string, opts Options) (event.Frame, bool) {
	rest, ok := strings.CutPrefix(s, "at ")
	if !ok {
		return event.Frame{}, false
	}
	rest = strings.TrimSpace(rest)
	if strings.HasSuffix(rest, "]") {
		if i := strings.LastIndex(rest, " ["); i >= 0 {
			rest = strings.TrimSpace(rest[:i])
		} else if i := strings.LastIndex(rest, " ~["); i >= 0 {
			rest = strings.TrimSpace(rest[:i])
		}
	}
	open := strings.IndexByte(rest, '(')
	if open <= 0 || !strings.HasSuffix(rest, ")") {
		return event.Frame{}, false
	}
	qualified, location := rest[:open], rest[open+1:len(rest)-1]

	// A hidden class (lambda proxy) is named "Foo$$Lambda$14/0x0000000800c03000": keep its
	// "/0x…" part in the class name, as Class.getName() does, and drop the loader/module prefix.
	hidden := ""
	if i := strings.Index(qualified, "/0x"); i >= 0 {
		end := strings.IndexByte(qualified[i:], '.')
		if end < 0 {
			return event.Frame{}, false
		}
		hidden = qualified[i : i+end]
		qualified = qualified[:i] + qualified[i+end:]
	}
	if i := strings.LastIndexByte(qualified, '/'); i >= 0 {
		qualified = qualified[i+1:]
	}
	dot := strings.LastIndexByte(qualified, '.')
	if dot <= 0 || dot == len(qualified)-1 {
		return event.Frame{}, false
	}
	class, method := qualified[:dot]+hidden, qualified[dot+1:]
	if !isJavaClassLike(class) {
		return event.Frame{}, false
	}

	f := event.Frame{Module: class, Function: method}
	switch location {
	case "":
		return event.Frame{}, false // Java always prints a location; "M()" is a .NET frame
	case "Native Method", "Unknown Source":
	default:
		file, line, hasLine := strings.Cut(location, ":")
		if strings.ContainsAny(file, " ,") {
			return event.Frame{}, false // a .NET or JavaScript signature, not a Java location
		}
		f.Filename = file
		if hasLine {
			f.Lineno = atoi(line)
		}
	}
	f.InApp = boolPtr(opts.hasAppPrefix(class) || !hasAnyPrefix(class, javaLibraryPrefixes))
	return f, true
}

// isJavaClassLike accepts a class name as frames print it, hidden-class suffix included.
func isJavaClassLike(s string) bool {
	base, _, _ := strings.Cut(s, "/0x")
	for _, part := range strings.Split(base, ".") {
		if part == "" || !isJavaIdentifier(part) {
			return false
		}
	}
	return true
}
