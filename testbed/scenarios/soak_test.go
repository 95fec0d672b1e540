package scenarios

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dustin/go-humanize"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to measure the database

	"github.com/faultline/faultline/testbed/loadgen"
	"github.com/faultline/faultline/testbed/procstat"
	"github.com/faultline/faultline/testbed/storeprobe"
)

var (
	flagSoak       = flag.Duration("soak", 4*time.Minute, "load time of the soak's first phase, which crosses the budget several times")
	flagSoakBudget = flag.String("soak-budget", "200MB", "the store's max_size in the soak")
)

// The soak's second phase is a short paced load whose events all fit far inside the budget's
// low mark (15 s × 300/s × ~3 KB ≈ 14 MB), so every one of them must still be stored afterwards.
const (
	soakTail     = 15 * time.Second
	soakTailRate = 300
)

// TestSoak runs the default config with a small disk budget (FAULTLINE_MAX_STORE_SIZE) on SQLite
// and on PostgreSQL at full load for -soak, long enough to cross the budget several times, while
// it samples the database size and the collector's RSS every second; then a short second load,
// all of which must be in the store once it settled. FAULTLINE_TESTBED_SOAK=1 runs it (`make
// soak`); its checks go to the report like the scenarios'.
func TestSoak(t *testing.T) {
	if os.Getenv("FAULTLINE_TESTBED_SOAK") == "" {
		t.Skip("set FAULTLINE_TESTBED_SOAK=1 to run the soak")
	}
	budget, err := humanize.ParseBytes(*flagSoakBudget)
	if err != nil {
		t.Fatal(err)
	}
	templates := sentryTemplates(t, *flagIssues, sizes())
	t.Run("SQLite", func(t *testing.T) { soak(t, "6 soak SQLite", "", int64(budget), templates) })
	t.Run("PostgreSQL", func(t *testing.T) { soak(t, "6 soak PostgreSQL", freshPostgres(t), int64(budget), templates) })
}

func soak(t *testing.T, scenario, postgresDSN string, budget int64, templates []*loadgen.Template) {
	f := startFaultline(t, collectorOptions{postgresDSN: postgresDSN, env: []string{"FAULTLINE_MAX_STORE_SIZE=" + *flagSoakBudget}})
	defer f.col.Stop()
	size := sqliteSize(filepath.Join(f.dataDir, "faultline.db"))
	if postgresDSN != "" {
		db, err := sql.Open("pgx", postgresDSN)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		size = func() (int64, error) {
			var n int64
			return n, db.QueryRow(`SELECT pg_database_size(current_database())`).Scan(&n)
		}
	}
	probe := f.probe(t, postgresDSN)

	// Sample every second until the end: the largest database and RSS seen.
	var mu sync.Mutex
	var maxSize, maxRSS int64
	var samples int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			n, err := size()
			s, perr := procstat.Read(f.col.PID())
			mu.Lock()
			if err == nil {
				maxSize = max(maxSize, n)
			}
			if perr == nil {
				maxRSS = max(maxRSS, s.RSS)
			}
			samples++
			if samples%30 == 0 {
				t.Logf("t=%ds database %s (largest %s), RSS %d MB", samples, humanize.IBytes(uint64(n)), humanize.IBytes(uint64(maxSize)), s.RSS>>20)
			}
			mu.Unlock()
		}
	}()

	load := func(d time.Duration, rate float64) *loadgen.Result {
		cfg := sentryLoad(f.sentryAddr, templates)
		cfg.Duration, cfg.Rate = d, rate
		gen, err := loadgen.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return gen.Run(context.Background())
	}
	first := load(*flagSoak, 0)
	tail := load(soakTail, soakTailRate)
	// The queue drains, and at least one sweep runs after the last event (sweep_interval 10s).
	if _, _, err := probe.Drain(context.Background(), settleNoWant()); err != nil {
		t.Error(err)
	}
	time.Sleep(15 * time.Second)
	close(stop)
	<-sampled

	if postgresDSN != "" {
		logTableSizes(t, postgresDSN)
	}
	missing, err := probe.Missing(context.Background(), projectID, tail.AcceptedIDs)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := probe.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	written := first.Accepted + tail.Accepted
	t.Logf("%s: accepted %d + %d events, %d stored at the end; largest database %s for a budget of %s; peak RSS %d MB",
		scenario, first.Accepted, tail.Accepted, stored, humanize.IBytes(uint64(maxSize)), humanize.IBytes(uint64(budget)), maxRSS>>20)
	report.check(scenario, "events accepted / still stored", fmt.Sprintf("%d / %d", written, stored), "budget crossed", stored < written)
	report.check(scenario, "largest database vs max_size", fmt.Sprintf("%s / %s = %.0f%%", humanize.IBytes(uint64(maxSize)), humanize.IBytes(uint64(budget)), 100*float64(maxSize)/float64(budget)),
		"≤ 110%", maxSize <= budget*110/100)
	report.check(scenario, "events of the last 15 s missing", fmt.Sprintf("%d of %d", len(missing), tail.Accepted), "0", len(missing) == 0)
	report.check(scenario, "peak RSS", fmt.Sprintf("%d MB", maxRSS>>20), "≤ 300 MB", maxRSS <= maxPeakRSS)
	if maxSize > budget*110/100 || len(missing) > 0 || maxRSS > maxPeakRSS {
		t.Errorf("%s: largest database %d bytes (budget %d), %d recent events missing, peak RSS %d MB", scenario, maxSize, budget, len(missing), maxRSS>>20)
	}
}

// settleNoWant waits until the store count has not changed for a few seconds: with a budget the
// count never reaches what was sent.
func settleNoWant() storeprobe.Settle {
	return storeprobe.Settle{Want: 1 << 62, Quiet: 5 * time.Second}
}

// sqliteSize is the size of a SQLite database on disk: the file and its write-ahead log.
func sqliteSize(path string) func() (int64, error) {
	return func() (int64, error) {
		var total int64
		for _, p := range []string{path, path + "-wal"} {
			fi, err := os.Stat(p)
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				return 0, err
			}
			total += fi.Size()
		}
		return total, nil
	}
}

// logTableSizes logs the largest tables of a PostgreSQL store, indexes and TOAST included.
func logTableSizes(t *testing.T, dsn string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Log(err)
		return
	}
	defer db.Close()
	rows, err := db.Query(`SELECT relname, pg_relation_size(oid), pg_total_relation_size(oid) FROM pg_class
WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 3 DESC LIMIT 6`)
	if err != nil {
		t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var heap, total int64
		if rows.Scan(&name, &heap, &total) == nil {
			t.Logf("table %s: heap %s, with indexes and TOAST %s", name, humanize.IBytes(uint64(heap)), humanize.IBytes(uint64(total)))
		}
	}
}
