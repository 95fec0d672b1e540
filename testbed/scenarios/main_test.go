// Package scenarios runs the testbed: the load generator against the built otelcol-faultline
// distribution (and against a server that only answers 200, the ceiling), watching the
// collector's CPU and memory and proving that every acknowledged event reached the store.
//
// `make testbed` runs every scenario (FAULTLINE_TESTBED=1) and prints a results table; flags after
// -args tune it (see below), and -results=FILE writes the table as markdown (testbed/RESULTS.md).
// Without FAULTLINE_TESTBED only TestSmoke runs: a short version that keeps the machinery honest
// inside `make test`.
package scenarios

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/loadgen"
)

var (
	flagDuration       = flag.Duration("duration", 15*time.Second, "load duration of each measured run")
	flagConcurrency    = flag.Int("concurrency", 8, "concurrent senders (keep-alive connections)")
	flagIssues         = flag.Int("issues", 50, "distinct issues (exception types) in the load")
	flagUsers          = flag.Int("users", 1000, "distinct user ids in the load")
	flagSizes          = flag.String("sizes", "medium", "event-size mix, comma-separated small|medium|large; repeat one to weight it")
	flagGzip           = flag.Bool("gzip", false, "send request bodies gzip-compressed")
	flagResults        = flag.String("results", "", "write the results as markdown to this file (relative to the repository root)")
	flagGOGC           = flag.String("gogc", "300", "GOGC of the collector processes, as `make run` sets it; empty = the Go default (100)")
	flagProfile        = flag.String("profile", "", "directory for CPU profiles of the collector during each measured load (pprof extension)")
	flagReceiverRounds = flag.Int("receiver-rounds", 1, "rounds of scenario 3's receivers-only comparison (each: the sentry load, then the OTLP load, on one collector); the ratio is judged on all rounds together")
)

// okServerEnv makes the test binary serve loadgen.OKHandler on the given address instead of
// running tests: the ceiling runs in its own process, as the collector does.
const okServerEnv = "FAULTLINE_TESTBED_OK_SERVER"

func TestMain(m *testing.M) {
	if addr := os.Getenv(okServerEnv); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, http.Serve(ln, loadgen.OKHandler()))
		os.Exit(1)
	}
	flag.Parse()
	code := m.Run()
	if len(report.runs) > 0 {
		fmt.Print(report.table())
		if *flagResults != "" {
			if err := report.writeMarkdown(*flagResults); err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// fullRun says whether the full scenarios run (make testbed) rather than only the smoke test.
func fullRun() bool { return os.Getenv("FAULTLINE_TESTBED") != "" }

func sizes() []string {
	var out []string
	for _, s := range strings.Split(*flagSizes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
