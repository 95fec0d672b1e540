package stacktrace

import (
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// gof is the frameString of a Go frame as sentry-go fills it: an absolute path goes to
// abs_path, a relative (-trimpath) one to filename.
func gof(function, module, path string, line int, app bool) string {
	s := "fn=" + function + " mod=" + module + " "
	if isAbsolutePath(path) {
		s += "abs=" + path + " "
	} else {
		s += "file=" + path + " "
	}
	s += "line=" + strconv.Itoa(line) + " "
	if app {
		return s + "app"
	}
	return s + "sys"
}

// genMain is testdata/gen/go/main.go as a -trimpath build prints it.
const genMain = "github.com/faultline/faultline/internal/stacktrace/testdata/gen/go/main.go"

func mainFrame(function string, line int) string { return gof(function, "main", genMain, line, true) }

func repeated(frame string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = frame
	}
	return out
}

var goSamples = []sample{
	{
		name: "real Go 1.26: index out of range in an inlined function",
		hint: "go", file: "go/real_index.txt",
		want: []wantException{{typ: "panic", value: "runtime error: index out of range [3] with length 1",
			frames: []string{mainFrame("main", 65), mainFrame("pick", 23)}}},
	},
	{
		name: "real Go 1.26: nil map write in a pointer-receiver method",
		hint: "go", file: "go/real_nil-map.txt",
		want: []wantException{{typ: "panic", value: "assignment to entry in nil map",
			frames: []string{mainFrame("main", 67), mainFrame("(*Inventory).Reserve", 19)}}},
	},
	{
		name: "real Go 1.26: re-panic in a deferred closure; the panic frame is dropped",
		hint: "go", file: "go/real_repanic.txt",
		want: []wantException{{typ: "panic", value: "checkout failed: runtime error: index out of range [5] with length 2",
			frames: []string{
				mainFrame("main", 69), mainFrame("checkout", 32), mainFrame("pick", 23), mainFrame("checkout.func1", 29),
			}}},
	},
	{
		name: "real Go 1.26: nil pointer in a goroutine; created-by is not a frame",
		hint: "go", file: "go/real_goroutine.txt",
		want: []wantException{{typ: "panic", value: "runtime error: invalid memory address or nil pointer dereference",
			frames: []string{mainFrame("worker", 38), mainFrame("(*Inventory).Reserve", 19)}}},
	},
	{
		name: "real Go 1.26: GOTRACEBACK=all dump; only the crashing goroutine counts",
		hint: "go", file: "go/real_gotraceback_all.txt",
		want: []wantException{{typ: "panic", value: "runtime error: invalid memory address or nil pointer dereference",
			frames: []string{mainFrame("worker", 38), mainFrame("(*Inventory).Reserve", 19)}}},
	},
	{
		name: "real Go 1.26: panic with an error value from a closure of main",
		hint: "go", file: "go/real_error-value.txt",
		want: []wantException{{typ: "panic", value: "no stock",
			frames: []string{mainFrame("main", 77), mainFrame("func2", 77)}}},
	},
	{
		name: "real Go 1.26: runtime/debug.Stack output without its own frame",
		hint: "go", file: "go/real_debug-stack.txt",
		want: []wantException{{frames: []string{mainFrame("main", 79), mainFrame("reportStack", 44)}}},
	},
	{
		name: "real Go 1.26: runtime.Stack cut at 2 KiB like the OTel SDK's",
		hint: "go", file: "go/real_runtime-stack-truncated.txt",
		want: []wantException{{frames: then(repeated(mainFrame("deep", 59), 14), mainFrame("deep", 56), mainFrame("recordStack", 50))}},
	},
	{
		name: "OTel SDK RecordError frames dropped; module cache and stdlib frames not in-app",
		hint: "go",
		text: `goroutine 42 [running]:
go.opentelemetry.io/otel/sdk/trace.recordStackTrace()
	/root/go/pkg/mod/go.opentelemetry.io/otel/sdk@v1.47.0/trace/span.go:527 +0x4d
go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).RecordError(0xc0001a2000, {0xa1b2c0, 0xc00012e040}, {0x0, 0x0, 0x0})
	/root/go/pkg/mod/go.opentelemetry.io/otel/sdk@v1.47.0/trace/span.go:435 +0x3a5
github.com/acme/shop/internal/orders.(*Service).Place(0xc000110000, {0xa1f3e8, 0xc0001b4000}, 0xc0001c6000)
	/src/shop/internal/orders/service.go:88 +0x1f2
github.com/acme/shop/internal/api.(*Server).placeOrder(0xc000120000, {0xa1e8c0, 0xc0001d2000}, 0xc0001e0000)
	/src/shop/internal/api/orders.go:41 +0x12b
net/http.HandlerFunc.ServeHTTP(0xc0001f0000?, {0xa1e8c0?, 0xc0001d2000?}, 0x4d6b5a?)
	/usr/local/go/src/net/http/server.go:2294 +0x29
github.com/go-chi/chi/v5.(*Mux).routeHTTP(0xc000100060, {0xa1e8c0, 0xc0001d2000}, 0xc0001e0000)
	/root/go/pkg/mod/github.com/go-chi/chi/v5@v5.1.0/mux.go:459 +0x2c6
net/http.(*conn).serve(0xc0001a0000, {0xa1f3e8, 0xc000190000})
	/usr/local/go/src/net/http/server.go:2200 +0x8b4
created by net/http.(*Server).Serve in goroutine 1
	/usr/local/go/src/net/http/server.go:3360 +0x485
`,
		want: []wantException{{frames: []string{
			gof("(*conn).serve", "net/http", "/usr/local/go/src/net/http/server.go", 2200, false),
			gof("(*Mux).routeHTTP", "github.com/go-chi/chi/v5", "/root/go/pkg/mod/github.com/go-chi/chi/v5@v5.1.0/mux.go", 459, false),
			gof("HandlerFunc.ServeHTTP", "net/http", "/usr/local/go/src/net/http/server.go", 2294, false),
			gof("(*Server).placeOrder", "github.com/acme/shop/internal/api", "/src/shop/internal/api/orders.go", 41, true),
			gof("(*Service).Place", "github.com/acme/shop/internal/orders", "/src/shop/internal/orders/service.go", 88, true),
		}}},
	},
	{
		name: "fatal error with GOTRACEBACK=system frame details, generics and vendored code",
		hint: "go",
		opts: Options{AppPrefixes: []string{"shopd/"}},
		text: `fatal error: concurrent map writes

goroutine 7 gp=0xc000007dc0 m=4 mp=0xc000080008 [running]:
runtime.fatal({0x5a3b1e?, 0x0?})
	/usr/lib/go-1.22/src/runtime/panic.go:1042 +0x5c fp=0xc00005ff48 sp=0xc00005ff18 pc=0x43a93c
shopd/internal/cache.Set[go.shape.string,go.shape.int](0xc000012345, {0x5a1f00, 0x3}, 0x1)
	/build/shopd/internal/cache/cache.go:30 +0x45 fp=0xc00005ff78 sp=0xc00005ff48 pc=0x4b2c45
shopd/vendor/github.com/lib/pq.(*conn).Exec(...)
	/build/shopd/vendor/github.com/lib/pq/conn.go:870
shopd/internal/jobs.Warm.func2()
	/build/shopd/internal/jobs/warm.go:17 +0x2a fp=0xc00005ffe0 sp=0xc00005ff98 pc=0x4b3e0a
runtime.goexit({})
	/usr/lib/go-1.22/src/runtime/asm_amd64.s:1695 +0x1 fp=0xc00005ffe8 sp=0xc00005ffe0 pc=0x46f3e1
`,
		want: []wantException{{typ: "fatal error", value: "concurrent map writes", frames: []string{
			gof("Warm.func2", "shopd/internal/jobs", "/build/shopd/internal/jobs/warm.go", 17, true),
			gof("(*conn).Exec", "shopd/vendor/github.com/lib/pq", "/build/shopd/vendor/github.com/lib/pq/conn.go", 870, true),
			gof("Set[go.shape.string,go.shape.int]", "shopd/internal/cache", "/build/shopd/internal/cache/cache.go", 30, true),
		}}},
	},
	{
		name: "fatal signal: the runtime's system stack comes before the goroutine's",
		hint: "go",
		text: `fatal error: unexpected signal during runtime execution
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x7f3a1c2d1e2f]

runtime stack:
runtime.throw({0x5c1e4e?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1077 +0x5c fp=0x7ffc2b3e1d40 sp=0x7ffc2b3e1d10 pc=0x43a93c
runtime.sigpanic()
	/usr/local/go/src/runtime/signal_unix.go:845 +0x3e9 fp=0x7ffc2b3e1da0 sp=0x7ffc2b3e1d40 pc=0x4512a9

goroutine 1 gp=0xc000002380 m=0 mp=0x5f2c60 [syscall]:
runtime.cgocall(0x4a0e40, 0xc000067f18)
	/usr/local/go/src/runtime/cgocall.go:157 +0x4b fp=0xc000067ef0 sp=0xc000067eb8 pc=0x40500b
github.com/acme/imaging._Cfunc_resize(0x0)
	_cgo_gotypes.go:39 +0x45 fp=0xc000067f18 sp=0xc000067ef0 pc=0x4a0d05
github.com/acme/imaging.Resize(...)
	/src/imaging/resize.go:12
main.main()
	/src/cmd/thumbs/main.go:20 +0x17 fp=0xc000067f40 sp=0xc000067f18 pc=0x4a0d97
`,
		want: []wantException{{typ: "fatal error", value: "unexpected signal during runtime execution", frames: []string{
			gof("main", "main", "/src/cmd/thumbs/main.go", 20, true),
			gof("Resize", "github.com/acme/imaging", "/src/imaging/resize.go", 12, true),
			gof("_Cfunc_resize", "github.com/acme/imaging", "_cgo_gotypes.go", 39, true),
		}}},
	},
	{
		name: "Windows paths and a multi-line panic value",
		hint: "go",
		text: "panic: config: missing keys:\n  db.url\n\ngoroutine 1 [running]:\nmain.loadConfig(...)\n\tC:/build/shopd/cmd/shopd/config.go:14\nmain.main()\n\tC:/build/shopd/cmd/shopd/main.go:9 +0x65\nexit status 2\n",
		want: []wantException{{typ: "panic", value: "config: missing keys:\ndb.url", frames: []string{
			gof("main", "main", "C:/build/shopd/cmd/shopd/main.go", 9, true),
			gof("loadConfig", "main", "C:/build/shopd/cmd/shopd/config.go", 14, true),
		}}},
	},
}

func TestGoSamples(t *testing.T) { runSamples(t, "go", goSamples) }

// TestGoParsesItsOwnStack captures a real stack of this test and reads it back.
func TestGoParsesItsOwnStack(t *testing.T) {
	var stack string
	func() { stack = string(debug.Stack()) }()
	got, ok := Parse(stack, "go", Options{})
	if !ok {
		t.Fatalf("own stack not recognised:\n%s", stack)
	}
	frames := got.Exceptions[0].Frames
	innermost, caller := frames[len(frames)-1], frames[len(frames)-2]
	const pkg = "github.com/faultline/faultline/internal/stacktrace"
	if innermost.Module != pkg || innermost.Function != "func1" || !*innermost.InApp ||
		!strings.HasSuffix(innermost.AbsPath, "golang_test.go") || innermost.Lineno == 0 {
		t.Errorf("innermost frame = %s", frameString(innermost))
	}
	if caller.Module != pkg || caller.Function != "TestGoParsesItsOwnStack" {
		t.Errorf("caller frame = %s", frameString(caller))
	}
	for _, f := range frames {
		if f.Module == "testing" || f.Module == "runtime" || f.Module == "runtime/debug" {
			t.Errorf("frame of the runtime or test harness kept: %s", frameString(f))
		}
	}
}

func BenchmarkParseGo(b *testing.B) { benchSamples(b, goSamples) }
