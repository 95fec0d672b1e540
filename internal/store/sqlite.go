package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// SQLiteOptions tune the SQLite backend.
type SQLiteOptions struct {
	// MaxBatch is the most events one write transaction takes (default 2000).
	MaxBatch int
	// Clock is what the store reads as now (default time.Now); tests pin it.
	Clock func() time.Time
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store closed")

// OpenSQLite opens (creating it and its directory if needed) the SQLite database at path and
// brings its schema up to date.
//
// SQLite allows one writer at a time and peers that let several connections write concurrently
// lost events under load, so every write goes through one connection, and event writes through
// one goroutine that gathers the batches of all waiting callers into a single transaction. A
// caller's Write returns only after the transaction holding its events committed. WAL mode lets
// the readers (the API) run beside the writer; synchronous=NORMAL keeps every committed
// transaction across a process crash (not across a power loss, which WAL+FULL would add at
// several times the cost).
func OpenSQLite(path string, opts SQLiteOptions) (Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory for %s: %w", path, err)
		}
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"auto_vacuum(INCREMENTAL)", "journal_size_limit(8388608)", "journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(OFF)", "cache_size(-32000)"}, extra...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	wdb, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	ctx := context.Background()
	if err := incrementalVacuum(ctx, wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	if err := migrate(ctx, wdb, sqliteDialect); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	s := &sqlStore{d: sqliteDialect, db: rdb, wdb: wdb, prepare: true, clock: clockOrDefault(opts.Clock), alerts: newAlertState()}
	w := &batchWriter{s: s, maxBatch: opts.MaxBatch, reqs: make(chan *writeReq), quit: make(chan struct{})}
	if w.maxBatch <= 0 {
		w.maxBatch = 2000
	}
	w.wg.Add(1)
	go w.loop()
	s.write = w.submit
	s.closeFn = func() error {
		w.close()
		return errors.Join(s.closeStmts(), rdb.Close(), wdb.Close())
	}
	return s, nil
}

// incrementalVacuum makes sure the database can give deleted pages back to the file system
// (the sweep runs PRAGMA incremental_vacuum after each step), so that the file really stays
// within a disk budget. A new database gets the mode from the connection's pragma; one created
// before needs a single full VACUUM to switch.
func incrementalVacuum(ctx context.Context, db *sql.DB) error {
	var mode int
	if err := db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("read auto_vacuum: %w", err)
	}
	const incremental = 2
	if mode == incremental {
		return nil
	}
	if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("switch to auto_vacuum=incremental: %w", err)
	}
	return nil
}

// batchWriter is SQLite's single event writer.
type batchWriter struct {
	s        *sqlStore
	maxBatch int
	// reqs is unbuffered: a request is either taken by the loop or never, so nothing is left
	// behind in a buffer when the writer stops.
	reqs      chan *writeReq
	quit      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

type writeReq struct {
	ctx  context.Context
	evs  []*prepared
	done chan error // buffered (1): the loop never waits on a caller
}

func (w *batchWriter) submit(ctx context.Context, evs []*prepared) error {
	r := &writeReq{ctx: ctx, evs: evs, done: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the request is written even if the caller stops waiting; a caller that gave up
	// retries, and the retry is deduplicated by event id.
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *batchWriter) loop() {
	defer w.wg.Done()
	for {
		var first *writeReq
		select {
		case first = <-w.reqs:
		case <-w.quit:
			return
		}
		batch := []*writeReq{first}
		n := len(first.evs)
	gather:
		for n < w.maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
				n += len(r.evs)
			default:
				break gather
			}
		}
		w.run(batch)
	}
}

// run writes the gathered requests in one transaction. If it fails and held several requests,
// each is retried alone so that one bad request cannot fail the others.
func (w *batchWriter) run(batch []*writeReq) {
	var evs []*prepared
	for _, r := range batch {
		evs = append(evs, r.evs...)
	}
	err := w.tx(evs)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			resetPrepared(r.evs)
			r.done <- w.tx(r.evs)
		}
		return
	}
	for _, r := range batch {
		r.done <- err
	}
}

func (w *batchWriter) tx(evs []*prepared) error {
	// The transaction is not bound to any one caller's context: the batch belongs to all of them.
	return w.s.inTx(context.Background(), func(t *tx) error { return t.writeBatch(evs) })
}

func (w *batchWriter) close() {
	w.closeOnce.Do(func() { close(w.quit) })
	w.wg.Wait()
}

// resetPrepared clears what a failed transaction assigned so the events can be written again.
func resetPrepared(evs []*prepared) {
	for _, e := range evs {
		e.issueID, e.group, e.inserted = 0, nil, false
	}
}
