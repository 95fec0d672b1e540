package exceptionparser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/entry"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/helper"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/stacktrace"
)

// epoch is the pinned clock of these tests: the operator only compares times with each other.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// harness runs a Parser on a pinned clock and collects what it writes.
type harness struct {
	t      *testing.T
	parser *Parser
	out    *collector
	now    time.Time
}

func newHarness(t *testing.T, configure ...func(*Config)) *harness {
	cfg := NewConfig()
	for _, c := range configure {
		c(cfg)
	}
	out := newCollector(t)
	cfg.OutputIDs = []string{out.ID()}
	op, err := cfg.Build(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	require.NoError(t, op.SetOutputs([]operator.Operator{out}))
	h := &harness{t: t, parser: op.(*Parser), out: out, now: epoch}
	h.parser.now = func() time.Time { return h.now }
	return h
}

// write sends lines of one file as one batch.
func (h *harness) write(file string, lines ...string) {
	bodies := make([]any, len(lines))
	for i, l := range lines {
		bodies[i] = l
	}
	h.writeBodies(file, bodies...)
}

// writeBodies sends records of one file as one batch.
func (h *harness) writeBodies(file string, bodies ...any) {
	entries := make([]*entry.Entry, len(bodies))
	for i, body := range bodies {
		e := entry.New()
		e.Body = body
		e.Attributes = map[string]any{"log.file.path": file}
		entries[i] = e
	}
	require.NoError(h.t, h.parser.ProcessBatch(context.Background(), entries))
}

// wait lets time pass and runs the flush loop's check.
func (h *harness) wait(d time.Duration) {
	h.now = h.now.Add(d)
	h.parser.flush(h.now)
}

// received drains what the operator has written so far.
func (h *harness) received() []*entry.Entry {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	got := h.out.entries
	h.out.entries = nil
	return got
}

// collector is the next operator: it keeps what it is given.
type collector struct {
	helper.OutputOperator
	mu      sync.Mutex
	entries []*entry.Entry
}

func newCollector(t *testing.T) *collector {
	cfg := helper.NewOutputConfig("collector", "collector")
	op, err := cfg.Build(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	return &collector{OutputOperator: op}
}

func (c *collector) ProcessBatch(_ context.Context, entries []*entry.Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = append(c.entries, entries...)
	return nil
}

func (c *collector) Process(ctx context.Context, e *entry.Entry) error {
	return c.ProcessBatch(ctx, []*entry.Entry{e})
}

func bodies(entries []*entry.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i], _ = e.Body.(string)
	}
	return out
}

func attr(e *entry.Entry, key string) string {
	s, _ := e.Attributes[key].(string)
	return s
}

var ordinaryBefore = []string{
	"2026-03-01 12:00:00.001 INFO  [main] shop.Server - listening on :8080",
	"GET /cart 200 3ms",
}

var ordinaryAfter = []string{
	"2026-03-01 12:00:01.002 INFO  [main] shop.Server - shutting down",
	"bye",
}

// TestRealTraces feeds every trace the runtimes printed for internal/stacktrace's tests, line by
// line between ordinary lines: the ordinary lines come out as they went in and the trace as one
// record whose stack trace is the trace's text.
func TestRealTraces(t *testing.T) {
	for _, lang := range []string{"go", "java", "javascript", "python"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "internal", "stacktrace", "testdata", lang, "*.txt"))
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, file := range files {
			t.Run(lang+"/"+filepath.Base(file), func(t *testing.T) {
				raw, err := os.ReadFile(file)
				require.NoError(t, err)
				trace := strings.TrimRight(string(raw), "\n")
				h := newHarness(t)
				lines := append(append(append([]string{}, ordinaryBefore...), strings.Split(trace, "\n")...), ordinaryAfter...)
				h.write("/var/log/app.log", lines...)
				h.wait(2 * DefaultFlushPeriod)
				got := h.received()
				want := append(append(append([]string{}, ordinaryBefore...), trace), ordinaryAfter...)
				require.Equal(t, want, bodies(got))
				rec := got[len(ordinaryBefore)]
				assert.Equal(t, trace, attr(rec, attrkey.ExceptionStacktrace))
				assert.NotEmpty(t, attr(rec, attrkey.ExceptionType)+attr(rec, attrkey.ExceptionMessage))
				assert.GreaterOrEqual(t, rec.Severity, entry.Error)
				for i, e := range got {
					if i != len(ordinaryBefore) {
						assert.NotContains(t, e.Attributes, attrkey.ExceptionStacktrace)
						assert.Equal(t, entry.Default, e.Severity)
					}
				}
			})
		}
	}
}

// TestFirstLines covers the first lines of each language's traces, including the runtimes
// whose traces were not printed here (.NET, Ruby, PHP: written in the shape they print).
func TestFirstLines(t *testing.T) {
	tests := []struct {
		name          string
		trace         string
		wantType      string
		wantMessage   string
		wantSeverity  entry.Severity
		wantStackText string // when the record's stack trace is not the whole trace
	}{
		{
			name: "java uncaught in a thread",
			trace: "Exception in thread \"main\" java.lang.IllegalStateException: boom\n" +
				"\tat com.acme.Shop.pay(Shop.java:12)\n\tat com.acme.Shop.main(Shop.java:5)",
			wantType: "java.lang.IllegalStateException", wantMessage: "boom", wantSeverity: entry.Fatal,
		},
		{
			name: "java exception without a message",
			trace: "java.lang.NullPointerException\n" +
				"\tat com.acme.Shop.pay(Shop.java:12)",
			wantType: "java.lang.NullPointerException", wantSeverity: entry.Error,
		},
		{
			name: "java message over two lines",
			trace: "com.acme.PaymentException: card declined\nreason: insufficient funds\n" +
				"\tat com.acme.Shop.pay(Shop.java:12)",
			wantType: "com.acme.PaymentException", wantSeverity: entry.Error,
		},
		{
			name: "node error with a code",
			trace: "Error [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string\n" +
				"    at Object.open (node:fs:573:10)\n    at main (/srv/app/index.js:3:6)",
			wantType: "Error", wantSeverity: entry.Error,
		},
		{
			name:     "node custom error",
			trace:    "ValidationError: email is required\n    at validate (/srv/app/user.js:10:11)\n    at /srv/app/index.js:4:3",
			wantType: "ValidationError", wantMessage: "email is required", wantSeverity: entry.Error,
		},
		{
			name: "dotnet unhandled with an inner exception",
			trace: "Unhandled exception. System.InvalidOperationException: checkout failed\n" +
				" ---> System.FormatException: bad price\n" +
				"   at Shop.Cart.Parse(String s) in /src/Shop/Cart.cs:line 12\n" +
				"   --- End of inner exception stack trace ---\n" +
				"   at Shop.Cart.Checkout() in /src/Shop/Cart.cs:line 20\n" +
				"   at Shop.Program.Main(String[] args) in /src/Shop/Program.cs:line 8",
			wantType: "System.InvalidOperationException", wantSeverity: entry.Fatal,
		},
		{
			name: "dotnet logged",
			trace: "System.ArgumentNullException: Value cannot be null. (Parameter 'id')\n" +
				"   at Shop.Orders.Find(String id) in /src/Shop/Orders.cs:line 31",
			wantType: "System.ArgumentNullException", wantSeverity: entry.Error,
		},
		{
			name: "ruby uncaught",
			trace: "/srv/shop/cart.rb:12:in 'Cart#pay': card declined (RuntimeError)\n" +
				"\tfrom /srv/shop/cart.rb:20:in 'Cart#checkout'\n\tfrom /srv/shop/main.rb:3:in '<main>'",
			wantType: "RuntimeError", wantMessage: "card declined", wantSeverity: entry.Error,
		},
		{
			name: "php uncaught behind error_log's time",
			trace: "[01-Mar-2026 12:00:00 UTC] PHP Fatal error:  Uncaught RuntimeException: card declined in /srv/shop/Cart.php:12\n" +
				"Stack trace:\n#0 /srv/shop/index.php(7): Shop\\Cart->pay()\n#1 {main}\n  thrown in /srv/shop/Cart.php on line 12",
			wantType: "RuntimeException", wantSeverity: entry.Fatal,
			// internal/stacktrace reads PHP's report from its "PHP Fatal error:".
			wantStackText: "PHP Fatal error:  Uncaught RuntimeException: card declined in /srv/shop/Cart.php:12\n" +
				"Stack trace:\n#0 /srv/shop/index.php(7): Shop\\Cart->pay()\n#1 {main}\n  thrown in /srv/shop/Cart.php on line 12",
		},
		{
			name: "php logged with error_log",
			trace: "[01-Mar-2026 12:00:00 UTC] reserve failed: InventoryException: inventory down in /srv/shop/Stock.php:17\n" +
				"Stack trace:\n#0 /srv/shop/index.php(34): reserve('sku-7')\n#1 {main}",
			wantType: "InventoryException", wantSeverity: entry.Error,
			wantStackText: "InventoryException: inventory down in /srv/shop/Stock.php:17\n" +
				"Stack trace:\n#0 /srv/shop/index.php(34): reserve('sku-7')\n#1 {main}",
		},
		{
			name: "go panic",
			trace: "panic: runtime error: index out of range [5] with length 2\n\ngoroutine 1 [running]:\n" +
				"main.pay(...)\n\t/srv/shop/main.go:12\nmain.main()\n\t/srv/shop/main.go:20 +0x1d",
			wantType: "panic", wantSeverity: entry.Fatal,
		},
		{
			name:         "go stack of zap's console encoder",
			trace:        "github.com/acme/shop.(*Cart).Pay\n\t/srv/shop/cart.go:12\nmain.main\n\t/srv/shop/main.go:20",
			wantSeverity: entry.Error,
		},
		{
			name: "python",
			trace: "Traceback (most recent call last):\n  File \"/srv/shop/app.py\", line 3, in <module>\n" +
				"    pay()\n  File \"/srv/shop/app.py\", line 2, in pay\n    raise ValueError(\"card declined\")\nValueError: card declined",
			wantType: "ValueError", wantMessage: "card declined", wantSeverity: entry.Error,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.write("/var/log/app.log", append(append([]string{"before"}, strings.Split(tt.trace, "\n")...), "after")...)
			h.wait(2 * DefaultFlushPeriod)
			got := h.received()
			require.Equal(t, []string{"before", tt.trace, "after"}, bodies(got))
			rec := got[1]
			wantStack := tt.trace
			if tt.wantStackText != "" {
				wantStack = tt.wantStackText
			}
			assert.Equal(t, wantStack, attr(rec, attrkey.ExceptionStacktrace))
			// The processor reads the frames with internal/stacktrace: it must read this one.
			if _, ok := stacktrace.Parse(wantStack, "", stacktrace.Options{}); !ok {
				t.Errorf("internal/stacktrace does not read the stack trace %q", wantStack)
			}
			if tt.wantType != "" {
				assert.Equal(t, tt.wantType, attr(rec, attrkey.ExceptionType))
			}
			if tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, attr(rec, attrkey.ExceptionMessage))
			}
			assert.Equal(t, tt.wantSeverity, rec.Severity)
		})
	}
}

// TestOrdinaryLinesUntouched: lines that look a little like traces but are none come out as
// they went in, in order, without attributes.
func TestOrdinaryLinesUntouched(t *testing.T) {
	lines := []string{
		"config.yaml: loaded",
		"Error: disk almost full",
		"TypeError is a class name",
		"shop.Server",
		"  at the end of the day",
		"panic attack averted",
		"Traceback follows tomorrow",
		"",
		"main.main",
		"all good",
		"Error: second warning without frames",
	}
	h := newHarness(t)
	h.write("/var/log/app.log", lines...)
	h.wait(2 * DefaultFlushPeriod)
	got := h.received()
	require.Equal(t, lines, bodies(got))
	for _, e := range got {
		assert.NotContains(t, e.Attributes, attrkey.ExceptionStacktrace)
		assert.Equal(t, entry.Default, e.Severity)
	}
	assert.Empty(t, h.parser.joiner.sources, "quiet sources are forgotten")
}

// TestFlushPeriod: a trace at the end of what was written waits for flush_period, and no
// ordinary line waits unless it comes after a line that may start a trace.
func TestFlushPeriod(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.FlushPeriod = 500 * time.Millisecond })
	h.write("/var/log/app.log", "one", "two")
	assert.Equal(t, []string{"one", "two"}, bodies(h.received()), "ordinary lines are not held")

	h.write("/var/log/app.log", "java.lang.IllegalStateException: boom", "\tat com.acme.Shop.pay(Shop.java:12)")
	assert.Empty(t, h.received(), "the trace may go on")
	h.wait(400 * time.Millisecond)
	assert.Empty(t, h.received())
	h.write("/var/log/app.log", "\tat com.acme.Shop.main(Shop.java:5)") // a second write of the same trace
	h.wait(400 * time.Millisecond)
	assert.Empty(t, h.received(), "the period counts from the last line")
	h.wait(200 * time.Millisecond)
	got := h.received()
	require.Len(t, got, 1)
	assert.Equal(t, "java.lang.IllegalStateException: boom\n\tat com.acme.Shop.pay(Shop.java:12)\n\tat com.acme.Shop.main(Shop.java:5)", got[0].Body)

	h.write("/var/log/app.log", "Error: maybe a trace", "its message may go on", "four")
	assert.Empty(t, h.received(), "lines after a possible first line wait for a frame")
	h.wait(600 * time.Millisecond)
	assert.Equal(t, []string{"Error: maybe a trace", "its message may go on", "four"}, bodies(h.received()),
		"without a frame they go on as they came")
}

// TestSourcesDoNotMix: two files whose lines arrive interleaved in one batch each give their
// own trace.
func TestSourcesDoNotMix(t *testing.T) {
	h := newHarness(t)
	entries := []*entry.Entry{}
	add := func(file, text string) {
		e := entry.New()
		e.Body = text
		e.Attributes = map[string]any{"log.file.path": file}
		entries = append(entries, e)
	}
	add("a.log", "java.lang.IllegalStateException: a")
	add("b.log", "Traceback (most recent call last):")
	add("a.log", "\tat com.acme.A.run(A.java:1)")
	add("b.log", "  File \"/srv/b.py\", line 1, in <module>")
	add("a.log", "a is done")
	add("b.log", "    run()")
	add("b.log", "KeyError: 'b'")
	add("b.log", "b is done")
	require.NoError(t, h.parser.ProcessBatch(context.Background(), entries))
	got := bodies(h.received())
	assert.Equal(t, []string{
		"java.lang.IllegalStateException: a\n\tat com.acme.A.run(A.java:1)",
		"a is done",
		"Traceback (most recent call last):\n  File \"/srv/b.py\", line 1, in <module>\n    run()\nKeyError: 'b'",
		"b is done",
	}, got)
}

// TestBoundedMemory: a trace longer than max_lines is sent in parts, and past max_sources the
// least recently seen source's trace is sent.
func TestBoundedMemory(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxLines = 10; c.MaxSources = 2 })
	lines := []string{"java.lang.StackOverflowError"}
	for i := 0; i < 25; i++ {
		lines = append(lines, "\tat com.acme.Loop.again(Loop.java:3)")
	}
	h.write("/var/log/app.log", lines...)
	got := h.received()
	require.Len(t, got, 17, "a trace of 10 lines, then the other 16 as ordinary lines")
	assert.Len(t, strings.Split(got[0].Body.(string), "\n"), 10)
	assert.LessOrEqual(t, len(h.parser.joiner.sources), 2)

	h.write("a.log", "java.lang.IllegalStateException: a")
	h.wait(time.Millisecond)
	h.write("b.log", "java.lang.IllegalStateException: b")
	h.wait(time.Millisecond)
	h.write("c.log", "java.lang.IllegalStateException: c")
	assert.Equal(t, []string{"java.lang.IllegalStateException: a"}, bodies(h.received()), "a was seen least recently")
	assert.LessOrEqual(t, len(h.parser.joiner.sources), 2)
}

// TestWholeRecords: a record that holds a whole trace already (journald, CRI partial lines
// joined by the container parser) is read as it is.
func TestWholeRecords(t *testing.T) {
	h := newHarness(t)
	trace := "Traceback (most recent call last):\n  File \"/srv/a.py\", line 1, in <module>\n    f()\nKeyError: 'x'\n"
	h.write("/var/log/app.log", trace, "two lines\nof prose")
	got := h.received()
	require.Equal(t, []string{trace, "two lines\nof prose"}, bodies(got))
	assert.Equal(t, "KeyError", attr(got[0], attrkey.ExceptionType))
	assert.NotContains(t, got[1].Attributes, attrkey.ExceptionType)
}

// TestWholeRecordsWithAMessageFirst: a logger's record that prints its message before the
// trace (python's logging into the journal, logback's message and throwable, a Go error and
// its debug.Stack) keeps its text; the stack trace starts where the trace does.
func TestWholeRecordsWithAMessageFirst(t *testing.T) {
	h := newHarness(t)
	python := "order 41 failed\nTraceback (most recent call last):\n  File \"/srv/shop.py\", line 3, in load_order\n    f()\nKeyError: 'x'"
	java := "payment failed for order 7\njava.lang.IllegalStateException: card declined\n\tat com.acme.Shop.pay(Shop.java:12)\n\tat com.acme.Shop.main(Shop.java:5)"
	node := "12:00:01 ERROR reserve failed: Error: inventory down\n    at reserve (/srv/shop/stock.js:13:9)"
	golang := "2026/03/01 12:00:00 load order: no price\ngoroutine 1 [running]:\nmain.loadOrder()\n\t/srv/main.go:3 +0x1d"
	prose := "GET /cart 200\nError: see above\nno trace here"
	h.write("/var/log/app.log", python, java, node, golang, prose)
	got := h.received()
	require.Equal(t, []string{python, java, node, golang, prose}, bodies(got))
	assert.Equal(t, python[len("order 41 failed\n"):], attr(got[0], attrkey.ExceptionStacktrace))
	assert.Equal(t, "KeyError", attr(got[0], attrkey.ExceptionType))
	assert.Equal(t, java[len("payment failed for order 7\n"):], attr(got[1], attrkey.ExceptionStacktrace))
	assert.Equal(t, "java.lang.IllegalStateException", attr(got[1], attrkey.ExceptionType))
	assert.Equal(t, "card declined", attr(got[1], attrkey.ExceptionMessage))
	assert.Equal(t, "Error: inventory down\n    at reserve (/srv/shop/stock.js:13:9)", attr(got[2], attrkey.ExceptionStacktrace))
	assert.Equal(t, "inventory down", attr(got[2], attrkey.ExceptionMessage))
	assert.True(t, strings.HasPrefix(attr(got[3], attrkey.ExceptionStacktrace), "goroutine 1 [running]:"))
	assert.Equal(t, "load order: no price", attr(got[3], attrkey.ExceptionMessage))
	assert.NotContains(t, got[4].Attributes, attrkey.ExceptionStacktrace)
}

func TestStopSendsWhatIsHeld(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, h.parser.Start(nil))
	h.write("/var/log/app.log", "panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/srv/main.go:3 +0x1d")
	require.NoError(t, h.parser.Stop())
	got := h.received()
	require.Len(t, got, 1)
	assert.Equal(t, "boom", attr(got[0], attrkey.ExceptionMessage))
}

func TestConfigValidate(t *testing.T) {
	for name, change := range map[string]func(*Config){
		"flush period": func(c *Config) { c.FlushPeriod = 0 },
		"max lines":    func(c *Config) { c.MaxLines = 1 },
		"trace size":   func(c *Config) { c.MaxTraceSize = 10 },
		"max sources":  func(c *Config) { c.MaxSources = 0 },
	} {
		cfg := NewConfig()
		change(cfg)
		_, err := cfg.Build(componenttest.NewNopTelemetrySettings())
		assert.Error(t, err, name)
	}
}

// TestTraceAfterAMessage: an exception line at the end of a logged message starts a trace when
// a frame follows it; the stack trace starts at the exception, the record keeps the message.
func TestTraceAfterAMessage(t *testing.T) {
	h := newHarness(t)
	h.write("/var/log/app.log",
		"reserve failed: Error: inventory down",
		"    at reserve (/srv/shop/stock.js:13:9)",
		"2026-03-01 12:00:00 ERROR checkout - java.lang.IllegalStateException: boom",
		"\tat com.acme.Shop.pay(Shop.java:12)",
		"request failed: Error: not a trace",
		"next line")
	got := h.received()
	require.Equal(t, []string{
		"reserve failed: Error: inventory down\n    at reserve (/srv/shop/stock.js:13:9)",
		"2026-03-01 12:00:00 ERROR checkout - java.lang.IllegalStateException: boom\n\tat com.acme.Shop.pay(Shop.java:12)",
		"request failed: Error: not a trace",
		"next line",
	}, bodies(got), "a message line waits for one line only")
	assert.Equal(t, "Error: inventory down\n    at reserve (/srv/shop/stock.js:13:9)", attr(got[0], attrkey.ExceptionStacktrace))
	assert.Equal(t, "inventory down", attr(got[0], attrkey.ExceptionMessage))
	assert.Equal(t, "java.lang.IllegalStateException", attr(got[1], attrkey.ExceptionType))
}

// TestGoStackDumps: a logged debug.Stack() takes the line before it as its message, and a
// panic right after it is a trace of its own.
func TestGoStackDumps(t *testing.T) {
	h := newHarness(t)
	h.write("/var/log/app.log",
		"2026/03/01 12:00:00 reserve: inventory down",
		"goroutine 1 [running]:",
		"main.reserve()",
		"\t/srv/shop/main.go:12 +0x1d",
		"panic: boom",
		"",
		"goroutine 1 [running]:",
		"main.main()",
		"\t/srv/shop/main.go:20 +0x1d",
		"exit status 2")
	got := h.received()
	require.Len(t, got, 4)
	assert.Equal(t, "reserve: inventory down", attr(got[1], attrkey.ExceptionMessage))
	assert.Equal(t, entry.Error, got[1].Severity)
	assert.Equal(t, "panic", attr(got[2], attrkey.ExceptionType))
	assert.Equal(t, "boom", attr(got[2], attrkey.ExceptionMessage))
	assert.Equal(t, entry.Fatal, got[2].Severity)
	assert.Equal(t, "exit status 2", got[3].Body)
}

// TestMemoryPerSourceIsBounded: a source that never stops continuing its trace, and more
// sources than max_sources, hold no more than the limits say.
func TestMemoryPerSourceIsBounded(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxSources = 50 })
	h.write("/var/log/app.log", "java.lang.StackOverflowError")
	frame := "\tat com.acme.shop.Recursion.again(Recursion.java:3)"
	batch := make([]string, 1000)
	for i := range batch {
		batch[i] = frame
	}
	for range 100 {
		h.write("/var/log/app.log", batch...)
		s := h.parser.joiner.sources["/var/log/app.log"]
		require.LessOrEqual(t, len(s.trace)+len(s.tail), DefaultMaxLines)
		require.LessOrEqual(t, s.size, DefaultMaxTraceSize+len(frame)+1)
	}
	for i := range 500 {
		h.write(fmt.Sprintf("/var/log/app-%d.log", i), "java.lang.IllegalStateException: held", "message line")
		require.LessOrEqual(t, len(h.parser.joiner.sources), 50)
	}
	got := 0
	for _, e := range h.received() {
		got += strings.Count(e.Body.(string), "\n") + 1
	}
	h.wait(2 * DefaultFlushPeriod)
	for _, e := range h.received() {
		got += strings.Count(e.Body.(string), "\n") + 1
	}
	assert.Equal(t, 1+100*len(batch)+500*2, got, "every line comes out")
}

// BenchmarkHeldBytesPerSource holds a 50-line trace in each of 1,000 sources and reports the
// heap that takes per source (the entries as stanza's file input makes them, and the joiner's
// state).
func BenchmarkHeldBytesPerSource(b *testing.B) {
	trace := []string{"java.lang.IllegalStateException: order 42 has no price"}
	for i := 0; i < 49; i++ {
		trace = append(trace, fmt.Sprintf("\tat com.acme.shop.Orders.step%d(Orders.java:%d)", i, i+10))
	}
	var perSource float64
	for b.Loop() {
		h := newHarness(&testing.T{})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 1000 {
			h.write(fmt.Sprintf("/var/log/app-%d.log", i), trace...)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSource = float64(after.HeapAlloc-before.HeapAlloc) / 1000
		runtime.KeepAlive(h)
	}
	b.ReportMetric(perSource, "held-B/source")
	b.ReportMetric(0, "ns/op")
}
