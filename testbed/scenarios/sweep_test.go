package scenarios

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/store"
	"github.com/faultline/faultline/testbed/harness"
)

var (
	flagSweepEvents = flag.Int("sweep-events", 1_000_000, "events past retention the sweep of scenario \"1 sweep\" deletes")
	flagSweepRounds = flag.Int("sweep-rounds", 2, "rounds of scenario \"1 sweep\" (each: one run without a sweep, one with)")
)

// Issue-15 targets: while a sweep deletes a large backlog, scenario 1 keeps 80% of its
// throughput and the exporter's write p99 stays within 2× of the run without a sweep.
const (
	minSweepThroughput = 0.80
	maxSweepWriteP99   = 2.0
)

// backlogProject holds the events past retention; the load goes to projectID, so the measured
// counts see only the load's events.
const backlogProject = 2

// TestSweepCost is scenario 1 on a store that already holds -sweep-events events of another
// project, received 100 days ago: once with FAULTLINE_RETENTION_DAYS=3650 (the sweep finds
// nothing to delete) and once with 90, where the collector's first sweep deletes them while the
// load runs; alternately for -sweep-rounds rounds, each on a fresh copy of the same database.
// The collector's own metrics give the exporter's write p99. FAULTLINE_TESTBED_SWEEP=1 runs it
// (`make testbed-sweep`).
func TestSweepCost(t *testing.T) {
	if os.Getenv("FAULTLINE_TESTBED_SWEEP") == "" {
		t.Skip("set FAULTLINE_TESTBED_SWEEP=1 to run the sweep scenario")
	}
	harness.DistPath(t)
	backlog := filepath.Join(t.TempDir(), "backlog.db")
	start := time.Now()
	fillBacklog(t, backlog, *flagSweepEvents)
	fi, err := os.Stat(backlog)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backlog: %d events, %d MB, written in %s", *flagSweepEvents, fi.Size()>>20, time.Since(start).Round(time.Second))

	templates := sentryTemplates(t, *flagIssues, sizes())
	var processed [2]int64
	var in [2]time.Duration
	var p99 [2][]float64
	var deleted int64
	left := int64(math.MaxInt64)
	for round := 1; round <= *flagSweepRounds; round++ {
		for i, days := range []string{"3650", "90"} {
			metricsAddr := harness.FreeAddr(t)
			host, port, _ := strings.Cut(metricsAddr, ":")
			opts := collectorOptions{
				env: []string{"FAULTLINE_RETENTION_DAYS=" + days},
				replace: map[string]string{"  telemetry:\n    metrics:\n      level: none\n": "  telemetry:\n    metrics:\n      level: normal\n" +
					"      readers:\n        - pull:\n            exporter:\n              prometheus: {host: " + host + ", port: " + port + "}\n"},
				prepare: func(dataDir string) { copyFile(t, backlog, filepath.Join(dataDir, "faultline.db")) },
			}
			name := "faultline SQLite, nothing past retention"
			if days == "90" {
				name = fmt.Sprintf("faultline SQLite, sweep deleting %d events", *flagSweepEvents)
			}
			f := startFaultline(t, opts)
			tg := f.target(t, name, "")
			tg.probe.OnlyProject(projectID)
			backlogProbe := f.probe(t, "")
			backlogProbe.OnlyProject(backlogProject)
			before, err := backlogProbe.Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			r := measure(t, fmt.Sprintf("1 sweep, round %d", round), tg, sentryLoad(f.sentryAddr, templates))
			after, err := backlogProbe.Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			q, err := writeP99(metricsAddr)
			if err != nil {
				t.Fatal(err)
			}
			f.col.Stop()
			judgeSafety(r)
			t.Logf("%s: %.0f processed/s, exporter write p99 %.1f ms; backlog %d → %d events during the run", name, r.ProcessedPerSec(), q, before, after)
			r.Note = fmt.Sprintf("exporter write p99 %.1f ms; events past retention %d at the start of the load, %d after the drain", q, before, after)
			processed[i] += r.Processed
			in[i] += r.ProcessedIn
			p99[i] = append(p99[i], q)
			if i == 1 {
				deleted += before - after
				left = min(left, after)
				if after == 0 {
					t.Errorf("round %d: the sweep finished before the load did: the run measured no sweep for part of it", round)
				}
			} else if after != before {
				t.Errorf("round %d: %d events deleted without anything past retention", round, before-after)
			}
		}
	}
	rate := func(i int) float64 { return float64(processed[i]) / in[i].Seconds() }
	share := rate(1) / rate(0)
	meanP99 := func(i int) float64 {
		var s float64
		for _, v := range p99[i] {
			s += v
		}
		return s / float64(len(p99[i]))
	}
	p99Ratio := meanP99(1) / meanP99(0)
	const scenario = "1 sweep"
	report.check(scenario, fmt.Sprintf("processed/s, sweep ÷ none (%d rounds each, alternately)", *flagSweepRounds),
		fmt.Sprintf("%.0f ÷ %.0f = %.2f×", rate(1), rate(0), share), "≥ 0.80×", share >= minSweepThroughput)
	report.check(scenario, "exporter write p99, sweep ÷ none (mean of the rounds)",
		fmt.Sprintf("%.1f ÷ %.1f ms = %.2f×", meanP99(1), meanP99(0), p99Ratio), "≤ 2×", p99Ratio <= maxSweepWriteP99)
	report.check(scenario, "events the sweep deleted during the measured runs", fmt.Sprintf("%d (at least %d still left after each run)", deleted, left),
		"> 0, never all", deleted > 0 && left > 0)
}

// fillBacklog writes n events of backlogProject, received 100 days ago over one hour in 500
// issues, into a new SQLite store at path, through the store itself so that the schema and file
// are what the collector makes.
func fillBacklog(t *testing.T, path string, n int) {
	t.Helper()
	payload, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "internal", "store", "testdata", "node-error.json"))
	if err != nil {
		t.Fatal(err)
	}
	payload = bytes.TrimSpace(payload)
	st, err := store.OpenSQLite(path, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now().Add(-100 * 24 * time.Hour)
	const batch = 2000
	for i := 0; i < n; i += batch {
		evs := make([]store.Event, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			when := at.Add(time.Duration(j) * time.Hour / time.Duration(n))
			hash := fmt.Sprintf("backlog-%d", j%500)
			evs = append(evs, store.Event{
				ProjectID: backlogProject, EventID: fmt.Sprintf("%032x", j+1), Timestamp: when, Received: when,
				Level: "error", Platform: "node", Hashes: []string{hash}, Title: "TypeError: " + hash, Culprit: "app.js in handler",
				Metadata: store.Metadata{Type: "TypeError", Value: hash}, UserID: strconv.Itoa(j % 1000), Payload: payload,
			})
		}
		if err := st.Write(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	// Written back before the collector starts: otherwise the copy's writeback competes with the
	// measured run's own writes.
	if err := out.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeP99 reads the exporter's write duration histogram from the collector's Prometheus
// endpoint and returns its 99th percentile in ms, interpolated inside the bucket that holds it.
func writeP99(addr string) (float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	type bucket struct{ le, n float64 }
	var buckets []bucket
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "otelcol_exporter_issuestore_write_duration") || !strings.Contains(line, "_bucket{") {
			continue
		}
		i := strings.Index(line, `le="`)
		j := strings.LastIndexByte(line, ' ')
		if i < 0 || j < 0 {
			continue
		}
		leText := line[i+4:]
		leText = leText[:strings.IndexByte(leText, '"')]
		le, err := strconv.ParseFloat(leText, 64)
		if err != nil {
			return 0, fmt.Errorf("bucket bound %q: %w", leText, err)
		}
		n, err := strconv.ParseFloat(line[j+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("bucket count in %q: %w", line, err)
		}
		buckets = append(buckets, bucket{le, n})
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if len(buckets) == 0 || buckets[len(buckets)-1].n == 0 {
		return 0, fmt.Errorf("no exporter write duration histogram at %s", addr)
	}
	total := buckets[len(buckets)-1].n
	want := 0.99 * total
	lower, below := 0.0, 0.0
	for _, b := range buckets {
		if b.n >= want {
			if b.le > 1e300 { // +Inf: the last finite bound is all that is known
				return lower, nil
			}
			return lower + (b.le-lower)*(want-below)/(b.n-below), nil
		}
		lower, below = b.le, b.n
	}
	return lower, nil
}
