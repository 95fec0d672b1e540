package store

import (
	"context"
	"fmt"
	"github.com/faultline/faultline/internal/alertrule"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchEvents returns n events of the 9.5 KB reference event (testdata/node-error.json), spread
// over issues issues and 500 users, one second apart, with event ids starting at from.
func benchEvents(from, n, issues int) []Event {
	evs := make([]Event, n)
	start := time.Now().Add(-time.Duration(from+n) * time.Second)
	for i := range evs {
		k := from + i
		at := start.Add(time.Duration(i) * time.Second)
		evs[i] = Event{
			ProjectID: 1, EventID: fmt.Sprintf("%032x", k+1), Timestamp: at, Received: at,
			Level: "error", Platform: "node", Release: fmt.Sprintf("shop@1.2.%d", k%7), Environment: "production",
			Hashes:   []string{fmt.Sprintf("%032x", k%issues)},
			Title:    fmt.Sprintf("TypeError%d: Cannot read properties of undefined (reading 'id')", k%issues),
			Culprit:  "app/handlers/checkout.js in processOrder",
			Metadata: Metadata{Type: fmt.Sprintf("TypeError%d", k%issues), Value: "Cannot read properties of undefined (reading 'id')"},
			UserID:   fmt.Sprintf("user-%d", k%500),
			Tags:     []Tag{{"region", "eu-west-1"}, {"team", "checkout"}},
			Payload:  nodeEvent,
		}
	}
	return evs
}

// writeConcurrently writes evs in batches of batch from writers goroutines, as the exporter's
// queue consumers do.
func writeConcurrently(tb testing.TB, st Store, evs []Event, batch, writers int) {
	storeConcurrently(tb, st.Write, evs, batch, writers)
}

// storeConcurrently is writeConcurrently through the given method (Write or Append).
func storeConcurrently(tb testing.TB, store func(context.Context, []Event) error, evs []Event, batch, writers int) {
	var wg sync.WaitGroup
	next := make(chan []Event)
	for range writers {
		wg.Go(func() {
			for b := range next {
				if err := store(context.Background(), b); err != nil {
					tb.Error(err)
				}
			}
		})
	}
	for i := 0; i < len(evs); i += batch {
		next <- evs[i:min(i+batch, len(evs))]
	}
	close(next)
	wg.Wait()
}

// BenchmarkSQLiteBatchedWrite measures stored events per second on SQLite: 9.5 KB events in
// exporter-sized batches (100) from 4 concurrent callers, 50 issues; compression included.
func BenchmarkSQLiteBatchedWrite(b *testing.B) {
	st, err := OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	writeConcurrently(b, st, benchEvents(0, 1000, 50), 100, 4) // warm: issues exist, like a running system
	evs := benchEvents(1000, b.N, 50)
	b.SetBytes(int64(len(nodeEvent)))
	b.ReportAllocs()
	b.ResetTimer()
	writeConcurrently(b, st, evs, 100, 4)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPostgresBatchedWrite is the same on the local PostgreSQL.
func BenchmarkPostgresBatchedWrite(b *testing.B) {
	if pgDatabase == "" {
		b.Skip("PostgreSQL skipped: FAULTLINE_TEST_POSTGRES=off")
	}
	st, err := OpenPostgres(context.Background(), postgresDSN(b), PostgresOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	writeConcurrently(b, st, benchEvents(0, 1000, 50), 100, 4)
	evs := benchEvents(1000, b.N, 50)
	b.SetBytes(int64(len(nodeEvent)))
	b.ResetTimer()
	writeConcurrently(b, st, evs, 100, 4)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkCompressEvent(b *testing.B) {
	b.SetBytes(int64(len(nodeEvent)))
	for b.Loop() {
		compress(nodeEvent)
	}
}

// twentyRules is the alert rule mix the write-path benchmarks evaluate for project 1: six rules
// on state changes (with filters), ten frequency and four users rules across every window.
func twentyRules() []alertrule.Rule {
	var rules []alertrule.Rule
	add := func(f alertrule.Filters, triggers ...alertrule.Trigger) {
		n := len(rules)
		rules = append(rules, alertrule.Rule{Key: fmt.Sprintf("bench:%d", n), Name: fmt.Sprintf("rule %d", n), Project: 1,
			Triggers: triggers, Filters: f, Targets: []string{"hook"}})
	}
	add(alertrule.Filters{}, alertrule.Trigger{Kind: alertrule.NewIssue})
	add(alertrule.Filters{}, alertrule.Trigger{Kind: alertrule.Regression})
	add(alertrule.Filters{}, alertrule.Trigger{Kind: alertrule.Escalation})
	add(alertrule.Filters{Environment: "production"}, alertrule.Trigger{Kind: alertrule.NewIssue}, alertrule.Trigger{Kind: alertrule.Regression})
	add(alertrule.Filters{Level: "fatal"}, alertrule.Trigger{Kind: alertrule.NewIssue})
	add(alertrule.Filters{Tags: map[string]string{"team": "checkout"}}, alertrule.Trigger{Kind: alertrule.NewIssue})
	for i, w := range alertrule.Windows {
		add(alertrule.Filters{}, alertrule.Trigger{Kind: alertrule.Frequency, Threshold: 100, Window: w})
		add(alertrule.Filters{Environment: "production"}, alertrule.Trigger{Kind: alertrule.Frequency, Threshold: int64(1000 * (i + 1)), Window: w})
	}
	for _, w := range alertrule.Windows[1:] {
		add(alertrule.Filters{}, alertrule.Trigger{Kind: alertrule.Users, Threshold: 50, Window: w})
	}
	return rules
}

// BenchmarkSQLiteWriteAlertRules is BenchmarkSQLiteBatchedWrite without alert rules and with
// twentyRules, alternately for three rounds in the same run: the cost alert evaluation adds to a
// write. cpu-µs/event is the process's CPU time (user + system) per event, steadier than wall
// time on a shared machine.
func BenchmarkSQLiteWriteAlertRules(b *testing.B) {
	for round := range 3 {
		for _, n := range []int{0, 20} {
			b.Run(fmt.Sprintf("round=%d/rules=%d", round, n), func(b *testing.B) {
				st, err := OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), SQLiteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				if n > 0 {
					set, err := alertrule.Compile(twentyRules()[:n])
					if err != nil {
						b.Fatal(err)
					}
					st.SetAlerting(Alerting{Rules: set})
				}
				// Events arrive 1 ms apart, as under load (the minute counts roll over once a
				// minute, not every few batches as with benchEvents' one second).
				arrive := func(evs []Event) []Event {
					start := time.Now()
					for i := range evs {
						evs[i].Received = start.Add(time.Duration(i) * time.Millisecond)
					}
					return evs
				}
				writeConcurrently(b, st, arrive(benchEvents(0, 1000, 50)), 100, 4)
				evs := arrive(benchEvents(1000, b.N, 50))
				b.ReportAllocs()
				b.ResetTimer()
				cpu := processCPU()
				writeConcurrently(b, st, evs, 100, 4)
				b.StopTimer()
				b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/event")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// processCPU is the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSweepImpactOnWrites measures what a sweep deleting a large backlog costs the writers:
// a store holding sweepBacklog events past retention takes 40,000 new events (batches of 100
// from 4 writers, as the exporter writes) before the sweep, while it runs, and after it; the
// reported ratios compare the run during the sweep with the mean of the two around it.
// The issue's target for the testbed: throughput ≥ 80%, write p99 ≤ 2×.
func BenchmarkSweepImpactOnWrites(b *testing.B) {
	for _, bk := range backendsOn(func() time.Time { return testNow }) {
		b.Run(bk.name, func(b *testing.B) {
			for b.Loop() {
				sweepImpact(b, bk.open(b))
			}
		})
	}
}

const sweepBacklog = 200_000

func sweepImpact(b *testing.B, st Store) {
	ctx := context.Background()
	old := testNow.Add(-100 * 24 * time.Hour)
	for i := 0; i < sweepBacklog; i += 1000 {
		evs := benchEvents(i, 1000, 50)
		for j := range evs {
			evs[j].Received, evs[j].Timestamp = old, old
		}
		if err := st.Write(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	next := sweepBacklog
	phase := func() (perSec float64, p99 time.Duration) {
		evs := benchEvents(next, 40_000, 50)
		next += len(evs)
		for j := range evs {
			evs[j].Received, evs[j].Timestamp = testNow, testNow
		}
		var mu sync.Mutex
		var lat []time.Duration
		start := time.Now()
		work := make(chan []Event)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for batch := range work {
					t0 := time.Now()
					if err := st.Write(ctx, batch); err != nil {
						b.Error(err)
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			})
		}
		for i := 0; i < len(evs); i += 100 {
			work <- evs[i : i+100]
		}
		close(work)
		wg.Wait()
		slices.Sort(lat)
		return float64(len(evs)) / time.Since(start).Seconds(), lat[len(lat)*99/100]
	}
	before, p99Before := phase()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan Swept, 1)
	go func() {
		s, err := st.Sweep(sweepCtx, Policy{Retention: 90 * 24 * time.Hour})
		if err != nil && sweepCtx.Err() == nil {
			b.Error(err)
		}
		swept <- s
	}()
	during, p99During := phase()
	stopSweep()
	deleted := (<-swept).Events
	if deleted == 0 {
		b.Fatal("the sweep deleted nothing while the writers ran")
	}
	// What the sweep left is deleted before the last baseline.
	if _, err := st.Sweep(ctx, Policy{Retention: 90 * 24 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	after, p99After := phase()
	base, p99Base := (before+after)/2, (p99Before+p99After)/2
	b.ReportMetric(during/base, "throughput-ratio")
	b.ReportMetric(float64(p99During)/float64(p99Base), "p99-ratio")
	b.ReportMetric(float64(p99Base)/1e6, "p99-base-ms")
	b.ReportMetric(float64(deleted), "deleted-during")
}

// benchExplanation is a grouping explanation of the size the testbed's issues carry.
var benchExplanation = `{"app":{"contributes":true,"values":[` + strings.Repeat(`{"id":"frame","contributes":true,"hint":null,"values":["function","module"]},`, 230) + `{}]}}`

// BenchmarkGroupCommitWrite is the write path as the default config drives it: no queue before
// the store, so each Write is one group commit of the requests waiting at the receiver (about
// 16 with 16 senders), one call at a time. 9.5 KB events over 50 issues, received now; run on
// every backend in the same run. cpu-µs/event is this process's CPU (the collector's side: on
// PostgreSQL and MySQL the server's own CPU is not in it).
func BenchmarkGroupCommitWrite(b *testing.B) {
	for _, bk := range backendsOn(time.Now) {
		b.Run(bk.name, func(b *testing.B) {
			st := bk.open(b)
			groupCommits(b, st, st.Write)
		})
	}
}

// BenchmarkGroupCommitAppend is BenchmarkGroupCommitWrite through Append, on SQLite (elsewhere
// Append is Write), for three fold batch sizes: batches of 16 from one caller, as the default
// config drives the store, folded in the background. The time and CPU include folding all of
// them (a Fold at the end).
func BenchmarkGroupCommitAppend(b *testing.B) {
	for _, fb := range []int{250, 1000, 2000} {
		b.Run(fmt.Sprintf("fold=%d", fb), func(b *testing.B) {
			st, err := OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), SQLiteOptions{FoldBatch: fb})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			groupCommits(b, st, st.Append)
		})
	}
}

// BenchmarkInboxFoldCounted is BenchmarkGroupCommitAppend with folds of 256 started by their
// count alone (no fold delay), so that the work per event does not depend on how fast the
// machine runs: for instruction and system call counts per event (under callgrind, which runs
// some 50 times slower, the 100 ms delay would fold every few events). 256 is about what a fold
// takes under the testbed's load (100 ms of 1,300–2,500 events/s), and a multiple of the 16
// events an append brings, so that each fold takes the whole inbox as one due by its delay does.
// Event ids are scattered as SDKs' random UUIDs are, not in insertion order.
func BenchmarkInboxFoldCounted(b *testing.B) {
	st, err := OpenSQLite(filepath.Join(b.TempDir(), "bench.db"), SQLiteOptions{FoldBatch: 256, FoldDelay: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	groupCommits(b, st, func(ctx context.Context, evs []Event) error {
		for i := range evs {
			evs[i].EventID = scatteredID(evs[i].EventID)
		}
		return st.Append(ctx, evs)
	})
}

// scatteredID maps a sequential hex event id to one as scattered as a random UUID's
// (multiplying by an odd constant is a bijection on 64 bits, so ids stay distinct).
func scatteredID(id string) string {
	n, err := strconv.ParseUint(id[16:], 16, 64)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%016x%016x", n*0x9e3779b97f4a7c15, n)
}

// groupCommits measures b.N events stored through store in batches of 16 from one caller, after
// a warm-up of 1,000 whose issues carry an explanation as large as the testbed's (17 KB; the
// processor puts one on an issue's events only now and then, so the measured events have none).
// What was appended is folded before the clock stops.
func groupCommits(b *testing.B, st Store, store func(context.Context, []Event) error) {
	warm := benchEvents(0, 1000, 50)
	for i := range warm {
		warm[i].Explanation = benchExplanation
	}
	writeConcurrently(b, st, warm, 16, 1)
	evs := benchEvents(1000, b.N, 50)
	now := time.Now()
	for i := range evs {
		evs[i].Received = now.Add(time.Duration(i) * time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	storeConcurrently(b, store, evs, 16, 1)
	if err := st.Fold(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/event")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkInboxRecord encodes and decodes the reference event's inbox record.
func BenchmarkInboxRecord(b *testing.B) {
	e := benchEvents(0, 1, 1)[0]
	p, err := prepare(&e)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeRecord(p)
		}
	})
	rec := encodeRecord(p)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeRecord(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
