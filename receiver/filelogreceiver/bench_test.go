package filelogreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// benchLog writes a log of records: ordinary lines, and every 100th record a stack trace
// (Java, Python, Node and Go in turn, 8 to 11 lines each). It returns the file's line count and
// the record count the exception_parser should make of it.
func benchLog(b *testing.B, path string, records int) (lines, joined int) {
	traces := []string{
		"java.lang.IllegalStateException: order %d has no price\n\tat com.acme.shop.Orders.load(Orders.java:42)\n\tat com.acme.shop.Orders.checkout(Orders.java:47)\n\tat com.acme.shop.Api.handle(Api.java:71)\n\tat java.base/java.lang.Thread.run(Thread.java:840)\nCaused by: java.lang.NumberFormatException: For input string: \"12,5\"\n\tat java.base/java.lang.Integer.parseInt(Integer.java:668)\n\tat com.acme.shop.Orders.parsePrice(Orders.java:35)\n\t... 3 more",
		"Traceback (most recent call last):\n  File \"/srv/shop/app/orders.py\", line 46, in handle\n    load(order)\n  File \"/srv/shop/app/orders.py\", line 31, in load\n    return prices[order] * 2\n           ~~~~~~~~~~~~~~^~~\nKeyError: 'order %d'",
		"TypeError: Cannot read properties of undefined (reading 'amount') in order %d\n    at loadOrder (/srv/shop/orders.js:9:24)\n    at handle (/srv/shop/api.js:29:7)\n    at Layer.handle [as handle_request] (/srv/shop/node_modules/express/lib/router/layer.js:95:5)\n    at next (/srv/shop/node_modules/express/lib/router/route.js:149:13)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
		"panic: order %d has no price\n\ngoroutine 7 [running]:\nmain.loadOrder(...)\n\t/srv/shop/orders.go:23\nmain.handle(0xc000010000)\n\t/srv/shop/api.go:65 +0x29e\ncreated by main.serve in goroutine 1\n\t/srv/shop/main.go:40 +0x1d8",
	}
	var sb strings.Builder
	for i := 0; i < records; i++ {
		if i%100 == 99 {
			t := fmt.Sprintf(traces[(i/100)%len(traces)], i)
			sb.WriteString(t + "\n")
			lines += strings.Count(t, "\n") + 1 - strings.Count(t, "\n\n") // filelog skips empty lines
		} else {
			fmt.Fprintf(&sb, "2026-03-01T12:%02d:%02d.%03dZ INFO  [http-%d] com.acme.shop.Api - GET /cart/%d 200 in %dms user=u%d\n",
				i/3600%60, i/60%60, i%1000, i%8, i, i%97, i%1013)
			lines++
		}
		joined++
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return lines, joined
}

// cpuTime is the CPU the process has used so far (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readAll runs a file_log receiver over path from its beginning until want records came out,
// and returns the CPU the process spent meanwhile.
func readAll(b *testing.B, path string, operators []any, want int) time.Duration {
	f := NewFactory()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(map[string]any{
		"include":                      []any{path},
		"start_at":                     "beginning",
		"preserve_leading_whitespaces": true,
		"include_file_path":            true,
		"include_file_record_number":   true,
		"operators":                    operators,
	}).Unmarshal(cfg); err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	done := make(chan struct{})
	sink, _ := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		if got.Add(int64(ld.LogRecordCount())) == int64(want) {
			close(done)
		}
		return nil
	})
	r, err := f.CreateLogs(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d records after 2 minutes", got.Load(), want)
	}
	spent := cpuTime() - start
	if err := r.Shutdown(context.Background()); err != nil {
		b.Fatal(err)
	}
	return spent
}

// BenchmarkExceptionParserShareOfFilelog reads one log of 200,000 records (1% of them stack
// traces) with file_log alone and with exception_parser, alternately, one round of each per
// iteration (run with -benchtime=Nx, N of 7 or more: the machine is shared and noisy), and
// reports the process CPU per line of each and how much the operator adds to file_log's own,
// as the median over the rounds of each round's pair: the target is at most 10%.
func BenchmarkExceptionParserShareOfFilelog(b *testing.B) {
	path := filepath.Join(b.TempDir(), "app.log")
	lines, joined := benchLog(b, path, 200_000)
	parser := []any{map[string]any{"type": "exception_parser"}}
	var alone, with time.Duration
	var added []float64
	for b.Loop() {
		a := readAll(b, path, nil, lines)
		w := readAll(b, path, parser, joined)
		alone, with = alone+a, with+w
		added = append(added, 100*float64(w-a)/float64(a))
	}
	sort.Float64s(added)
	perLine := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(lines) }
	b.ReportMetric(perLine(alone), "filelog-cpu-ns/line")
	b.ReportMetric(perLine(with), "with-parser-cpu-ns/line")
	b.ReportMetric(added[len(added)/2], "added-%-median")
	b.ReportMetric(0, "ns/op")
}
