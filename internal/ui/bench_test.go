package ui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/store"
)

// BenchmarkListPage measures the issue list page on the server — session check, query parsing,
// the store reads (page, total, filter menus, sparklines) and rendering — over a SQLite store
// holding 10,000 issues (FAULTLINE_BENCH_ISSUES to change), each with a few events spread over
// the last day, in 20 releases and 3 environments. The query mix rotates through the views people
// use. Reported: p50/p95 in ms; the target is 100 ms.
func BenchmarkListPage(b *testing.B) {
	benchListPage(b, &sqliteBench, func(dir string) (store.Store, error) {
		return store.OpenSQLite(filepath.Join(dir, "faultline.db"), store.SQLiteOptions{})
	})
}

// BenchmarkListPagePostgres is BenchmarkListPage on PostgreSQL; it runs when
// FAULTLINE_BENCH_POSTGRES names an empty database (or schema, with search_path) to fill.
func BenchmarkListPagePostgres(b *testing.B) {
	dsn := os.Getenv("FAULTLINE_BENCH_POSTGRES")
	if dsn == "" {
		b.Skip("set FAULTLINE_BENCH_POSTGRES to an empty PostgreSQL database to run")
	}
	benchListPage(b, &postgresBench, func(string) (store.Store, error) {
		return store.OpenPostgres(b.Context(), dsn, store.PostgresOptions{})
	})
}

func benchListPage(b *testing.B, data *benchData, open func(dir string) (store.Store, error)) {
	n := 10_000
	if v := os.Getenv("FAULTLINE_BENCH_ISSUES"); v != "" {
		fmt.Sscan(v, &n)
	}
	h, cookie := benchUI(b, data, n, open)
	paths := []string{
		"/",
		"/?sort=freq",
		"/?sort=user&page=3",
		"/?sort=new&status=all&level=error",
		"/?q=release:shop@1.0.7%20TypeError",
		"/?environment=staging&page=2",
		"/?q=boom%2012",
		"/?project=demo&status=all",
	}
	durations := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", req.URL, rec.Code, rec.Body)
		}
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(float64(len(durations)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(n), "issues")
}

// benchData is a store filled once per run: filling it takes a minute, and the benchmark
// function runs several times.
type benchData struct {
	once  sync.Once
	store store.Store
	dir   string
}

var sqliteBench, postgresBench benchData

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range []*benchData{&sqliteBench, &postgresBench} {
		if d.store != nil {
			d.store.Close()
			os.RemoveAll(d.dir)
		}
	}
	os.Exit(code)
}

func benchUI(b *testing.B, data *benchData, issues int, open func(dir string) (store.Store, error)) (http.Handler, *http.Cookie) {
	data.once.Do(func() {
		dir, err := os.MkdirTemp("", "faultline-ui-bench-")
		if err != nil {
			b.Fatal(err)
		}
		st, err := open(dir)
		if err != nil {
			b.Fatal(err)
		}
		data.dir, data.store = dir, st
		envs := []string{"production", "staging", "development"}
		now := time.Now()
		var batch []store.Event
		for i := range issues {
			for k := range 1 + i%3 {
				eventSeq++
				at := now.Add(-time.Duration((i*7+k*13)%(24*60)) * time.Minute)
				batch = append(batch, store.Event{
					ProjectID: 1, EventID: fmt.Sprintf("%032x", eventSeq), Timestamp: at, Received: at,
					Level: []string{"error", "warning", "error", "fatal"}[i%4], Platform: "node",
					Release: fmt.Sprintf("shop@1.0.%d", i%20), Environment: envs[i%3],
					Hashes: []string{fmt.Sprintf("%032x", i)}, Title: fmt.Sprintf("TypeError: boom %d", i),
					Culprit: "src/billing.js in applyDiscount", UserID: fmt.Sprintf("u%d", k),
					Metadata: store.Metadata{Type: "TypeError", Value: "boom"}, Explanation: explanationJSON,
					Payload: nodeEvent,
				})
			}
			if len(batch) >= 2000 || i == issues-1 {
				if err := st.Write(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	})
	if data.store == nil {
		b.Fatal("the benchmark store could not be filled")
	}
	u, err := New(data.store, Config{Token: testToken, Projects: []Project{{1, "demo"}}})
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	u.sessions.start(rec, httptest.NewRequest("POST", "/login", nil), time.Now())
	return u, rec.Result().Cookies()[0]
}
