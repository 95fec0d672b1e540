package stacktrace

import (
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// .NET reads Exception.ToString(), which the OTel .NET SDK records:
//
//	System.InvalidOperationException: Order 42 cannot be shipped
//	 ---> System.ArgumentNullException: Value cannot be null. (Parameter 'address')
//	   at Acme.Shop.Shipping.Validate(Address address) in /src/Acme.Shop/Shipping.cs:line 27
//	   --- End of inner exception stack trace ---
//	   at Acme.Shop.Shipping.Ship(Order order) in /src/Acme.Shop/Shipping.cs:line 15
//	   at Acme.Shop.OrdersController.<Post>d__4.MoveNext()
//	--- End of stack trace from previous location ---
//
// The headers come outermost first (each inner one after " ---> "), the stack sections innermost
// first, separated by "--- End of inner exception stack trace ---"; the chain is innermost
// first, as Sentry orders it. Frames are filled like the Sentry .NET SDK's: module = the
// declaring type, function = the method; a compiler-generated async state machine
// ("<Post>d__4.MoveNext") is named after the method it implements, as the SDK's enhanced stack
// traces do. The exception type is the full type name (the SDK's module would be the assembly,
// which the text doesn't show). Of an AggregateException, the first inner exception is kept.

// dotnetLibraryPrefixes are namespaces the Sentry .NET SDK leaves out of the app by default.
var dotnetLibraryPrefixes = []string{
	"System", "Microsoft", "Mono", "FSharp", "Giraffe", "Newtonsoft.Json", "Serilog", "NLog",
	"Npgsql", "RabbitMQ", "Hangfire", "IdentityServer4", "AWSSDK", "Amazon", "Polly",
	"Swashbuckle", "FluentValidation", "Autofac", "StackExchange.Redis", "Dapper", "RestSharp",
	"SkiaSharp", "IdentityModel", "SQLitePCLRaw", "Xamarin", "Google", "MongoDB", "AutoMapper",
	"MediatR", "Castle", "Grpc", "OpenTelemetry", "Sentry", "Xunit", "NUnit",
}

var (
	// dotnetHeader is "Namespace.TypeName: message", with an HRESULT on some types
	// ("Npgsql.PostgresException (0x80004005): 23505: …").
	dotnetHeader = regexp.MustCompile("^([A-Za-z_][\\w.`+]*)(?: \\(0x[0-9A-Fa-f]+\\))?(?:: (.*))?$")
	// dotnetStateMachine is a compiler-generated type: "<PlaceAsync>d__5" (async, iterator).
	dotnetStateMachine = regexp.MustCompile(`^<([^>]+)>d__\d+$`)
)

const (
	dotnetInnerMarker = "---> "
	dotnetInnerEnd    = "--- End of inner exception stack trace ---"
)

func parseDotnet(lines []string, opts Options) (Trace, bool) {
	var headers []Exception // outermost first
	var sections [][]event.Frame
	var frames []event.Frame // the current section, innermost first
	inHeader := true
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if f, ok := dotnetFrame(trimmed, opts); ok {
			frames = append(frames, f)
			inHeader = false
			continue
		}
		if trimmed == dotnetInnerEnd {
			sections = append(sections, frames)
			frames = nil
			continue
		}
		if strings.HasPrefix(trimmed, "--- End of stack trace from previous location") {
			continue // an async boundary inside one stack
		}
		if inner, ok := strings.CutPrefix(trimmed, dotnetInnerMarker); ok && inHeader {
			if e, ok := dotnetException(inner); ok {
				headers = append(headers, e)
			}
			continue
		}
		if !inHeader {
			if strings.HasPrefix(trimmed, dotnetInnerMarker) {
				break // "---> (Inner Exception #1) …" of an AggregateException
			}
			continue
		}
		if len(headers) == 0 {
			trimmed = strings.TrimPrefix(trimmed, "Unhandled exception. ")
			if e, ok := dotnetException(trimmed); ok {
				headers = append(headers, e)
			}
			continue
		}
		last := &headers[len(headers)-1]
		last.Value += "\n" + trimmed
	}
	sections = append(sections, frames)
	total := 0
	for _, s := range sections {
		total += len(s)
	}
	if total == 0 {
		return Trace{}, false
	}
	// Sections run innermost first like the chain; pair them from the innermost header on.
	chain := make([]Exception, max(len(headers), len(sections)))
	for i := range chain {
		if h := len(headers) - 1 - i; h >= 0 {
			chain[i] = headers[h]
		}
		if i < len(sections) {
			chain[i].Frames = sections[i]
			reverseFrames(chain[i].Frames)
		}
	}
	return Trace{Platform: "csharp", Exceptions: chain}, true
}

func dotnetException(s string) (Exception, bool) {
	m := dotnetHeader.FindStringSubmatch(s)
	if m == nil || !strings.Contains(m[1], ".") {
		return Exception{}, false
	}
	return Exception{Type: m[1], Value: m[2]}, true
}

// dotnetFrame reads "at Ns.Type.Method(Type arg) in /path/File.cs:line 27"; the location is
// missing without symbols. Arguments are either none or "Type name" pairs, which keeps Java's
// "at pkg.Class.method(File.java:12)" out.
func dotnetFrame(s string, opts Options) (event.Frame, bool) {
	rest, ok := strings.CutPrefix(s, "at ")
	if !ok {
		return event.Frame{}, false
	}
	signature, location := rest, ""
	if i := strings.LastIndex(rest, ") in "); i >= 0 {
		signature, location = rest[:i+1], rest[i+len(") in "):]
	}
	open := strings.IndexByte(signature, '(')
	if open <= 0 || !strings.HasSuffix(signature, ")") {
		return event.Frame{}, false
	}
	if args := signature[open+1 : len(signature)-1]; args != "" && !strings.Contains(args, " ") {
		return event.Frame{}, false
	}
	qualified := signature[:open]
	if strings.ContainsAny(qualified, " ") {
		return event.Frame{}, false
	}
	f := event.Frame{Function: qualified}
	for _, ctor := range []string{"..ctor", "..cctor"} {
		if typ, ok := strings.CutSuffix(qualified, ctor); ok {
			f.Module, f.Function = typ, ctor[1:]
		}
	}
	if f.Module == "" {
		if dot := strings.LastIndexByte(qualified, '.'); dot > 0 {
			f.Module, f.Function = qualified[:dot], qualified[dot+1:]
		}
	}
	// "Ns.Type.<PlaceAsync>d__5.MoveNext" is the body of Ns.Type.PlaceAsync.
	if dot := strings.LastIndexByte(f.Module, '.'); dot > 0 && f.Function == "MoveNext" {
		if m := dotnetStateMachine.FindStringSubmatch(f.Module[dot+1:]); m != nil {
			f.Module, f.Function = f.Module[:dot], m[1]
		}
	}
	if location != "" {
		path, line, _ := strings.Cut(location, ":line ")
		f.Filename, f.Lineno = path, atoi(line)
		if isAbsolutePath(path) {
			f.AbsPath = path
		}
	}
	library := f.Module == "" || dotnetIsLibrary(f.Module)
	f.InApp = boolPtr(opts.hasAppPrefix(f.Module) || opts.hasAppPath(f.AbsPath) || !library)
	return f, true
}

// dotnetIsLibrary reports whether a type is in one of the library namespaces.
func dotnetIsLibrary(typ string) bool {
	for _, p := range dotnetLibraryPrefixes {
		if typ == p || strings.HasPrefix(typ, p+".") {
			return true
		}
	}
	return false
}
