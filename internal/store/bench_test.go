package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
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
	var wg sync.WaitGroup
	next := make(chan []Event)
	for range writers {
		wg.Go(func() {
			for b := range next {
				if err := st.Write(context.Background(), b); err != nil {
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
