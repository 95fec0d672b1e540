// Package storeprobe reads Faultline's store database directly (SQLite file, PostgreSQL or MySQL), as an
// outside observer: how many events are stored, and which event ids. The testbed uses it to count
// processed events and to prove that no acknowledged event is missing. It only reads the events
// table and depends on nothing else of the store.
package storeprobe

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" database/sql driver
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the pure-Go "sqlite" driver
)

// Probe is an open read-only view of a store database.
type Probe struct {
	db      *sql.DB
	project int64 // when not 0, Count counts this project's events only
}

// OnlyProject makes Count count the events of one project, for a store that also holds events
// the load did not send (testbed scenario "1 sweep").
func (p *Probe) OnlyProject(id int64) { p.project = id }

// SQLite opens the store file at path read-only. The file must exist (the collector creates it).
func SQLite(path string) (*Probe, error) {
	q := url.Values{}
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("storeprobe: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return &Probe{db: db}, nil
}

// Postgres opens the store database at dsn.
func Postgres(dsn string) (*Probe, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("storeprobe: open postgres: %w", err)
	}
	db.SetMaxOpenConns(1)
	return &Probe{db: db}, nil
}

// MySQL opens the store database at dsn (go-sql-driver DSN: user@tcp(host:3306)/db).
func MySQL(dsn string) (*Probe, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, fmt.Errorf("storeprobe: open mysql: %w", err)
	}
	db.SetMaxOpenConns(1)
	return &Probe{db: db}, nil
}

// Close releases the connection.
func (p *Probe) Close() error { return p.db.Close() }

// Count is the number of stored events. A store whose schema does not exist yet counts 0.
func (p *Probe) Count(ctx context.Context) (int64, error) {
	var n int64
	if p.project != 0 {
		err := p.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM events WHERE project_id = %d`, p.project)).Scan(&n)
		return n, err
	}
	err := p.db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n)
	return n, err
}

// Missing returns the ids among want that no stored event of the project has.
func (p *Probe) Missing(ctx context.Context, projectID int64, want [][16]byte) ([][16]byte, error) {
	rows, err := p.db.QueryContext(ctx, fmt.Sprintf(`SELECT event_id FROM events WHERE project_id = %d`, projectID))
	if err != nil {
		return nil, fmt.Errorf("storeprobe: list event ids: %w", err)
	}
	defer rows.Close()
	stored := make(map[[16]byte]struct{}, len(want))
	var s string
	for rows.Next() {
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		var id [16]byte
		if n, err := hex.Decode(id[:], []byte(s)); err != nil || n != 16 {
			continue // not an id the generator sent
		}
		stored[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing [][16]byte
	for _, id := range want {
		if _, ok := stored[id]; !ok {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// Settle is how Drain decides the store has stopped changing.
type Settle struct {
	// Want is the count the store should reach; once it has, Settled of no change ends the wait.
	Want int64
	// Settled defaults to 1 s; Quiet (no change although Want is not reached: something is
	// missing) to 15 s; Max bounds the whole wait (default 5 min); Poll is the interval (250 ms).
	Settled, Quiet, Max, Poll time.Duration
	// OnPoll, when set, sees every count read.
	OnPoll func(count int64)
}

// Drain polls the event count until the store is stable and returns the last count and when it
// last changed. It fails if the store still changes after s.Max.
func (p *Probe) Drain(ctx context.Context, s Settle) (count int64, lastChange time.Time, err error) {
	if s.Settled <= 0 {
		s.Settled = time.Second
	}
	if s.Quiet <= 0 {
		s.Quiet = 15 * time.Second
	}
	if s.Max <= 0 {
		s.Max = 5 * time.Minute
	}
	if s.Poll <= 0 {
		s.Poll = 250 * time.Millisecond
	}
	deadline := time.Now().Add(s.Max)
	count, lastChange = -1, time.Now()
	for time.Now().Before(deadline) {
		n, err := p.Count(ctx)
		if err != nil {
			return count, lastChange, err
		}
		if s.OnPoll != nil {
			s.OnPoll(n)
		}
		if n != count {
			count, lastChange = n, time.Now()
		}
		quiet := time.Since(lastChange)
		if count >= s.Want && quiet >= s.Settled || quiet >= s.Quiet {
			return count, lastChange, nil
		}
		select {
		case <-ctx.Done():
			return count, lastChange, ctx.Err()
		case <-time.After(s.Poll):
		}
	}
	return count, lastChange, fmt.Errorf("storeprobe: the store still changes after %s (%d events)", s.Max, count)
}
