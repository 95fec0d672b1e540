package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// SQLiteOptions tune the SQLite backend.
type SQLiteOptions struct {
	// MaxBatch is the most events one write or append transaction takes (default 2000).
	MaxBatch int
	// FoldBatch is the most appended events one fold takes; a fold starts as soon as this many
	// are pending (default 1000).
	FoldBatch int
	// FoldDelay is how long an appended event waits at most before a fold starts, so that a
	// quiet collector shows its events promptly (default 100ms).
	FoldDelay time.Duration
	// MaxPending bounds the appended events not folded yet: appends wait while this many are
	// (default 4 × FoldBatch). Since a fold starts as soon as FoldBatch are pending, it is reached
	// only while folds fail (or at open, from a larger inbox).
	MaxPending int
	// Clock is what the store reads as now (default time.Now); tests pin it.
	Clock func() time.Time
	// Logger gets what the writer cannot hand back to a caller: failed folds and events kept
	// back in the inbox (default: nothing is logged).
	Logger *zap.Logger
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
//
// Append is the cheap way in. The writer commits the appended events as records in the inbox
// table (one transaction for all waiting callers, as for Write), acknowledges them and keeps them
// in memory; it folds them (events, issues, aggregates, alerts) in batches of FoldBatch, or once
// the oldest has waited FoldDelay, each fold one transaction that also deletes their records.
// Most of a write's cost is per transaction (the pages of issues, tags and hourly counts it
// dirties, the commit), so a fold of a thousand events costs far less per event than the
// transactions of the ~16 events a group commit gathers. Records a crash left in the inbox are
// read at open and folded first. A fold deletes its records in its own transaction, so no record
// outlives its fold; an event that arrives twice (an SDK resending it while the first copy waits
// in the inbox) is stored and counted once, since folds deduplicate by event id.
//
// A fold that fails is retried with backoff, its records kept. When the batch fails but parts of
// it fold, the events that fail alone are found by halving; each is retried with the next folds
// and, after maxFoldFailures, kept back (see holdBack).
func OpenSQLite(path string, opts SQLiteOptions) (Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory for %s: %w", path, err)
		}
	}
	if err := createDatabase(path); err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"auto_vacuum(INCREMENTAL)", "journal_size_limit(8388608)", "journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(OFF)", "cache_size(-32000)"}, extra...) {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	ctx := context.Background()
	if err := upgrade(ctx, dsn()); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	// The writer keeps its statement journals in memory (temp_store): a multi-row statement
	// that may fail halfway (a NOT NULL constraint, say) journals the pages it changes so that
	// it can be undone alone, and the default wrote them to a temporary file once past 64 KB, as a
	// chunk of 64 events is: 1.5 pwrite calls more per event.
	wdb, err := sql.Open("sqlite", dsn("temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	rdb, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	s := &sqlStore{d: sqliteDialect, db: rdb, wdb: wdb, prepare: true, clock: clockOrDefault(opts.Clock), alerts: newAlertState()}
	w := newBatchWriter(s, opts)
	if err := w.recover(ctx); err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	w.wg.Add(1)
	go w.loop()
	s.write = w.submit
	s.append = w.submitAppend
	s.fold = w.submitFold
	s.closeFn = func() error {
		w.close()
		return errors.Join(s.closeStmts(), rdb.Close(), wdb.Close())
	}
	return s, nil
}

// pageSize is the page size of a new database. A commit writes every page it dirtied to the
// write-ahead log as a frame of two pwrite calls, and a checkpoint reads and writes each page
// again: with 8 KB pages instead of SQLite's 4 KB, a fold's sequential rows (events, inbox
// records) take half the frames. BenchmarkInboxFoldCounted: pwrite calls per event 4.73 → 2.59,
// pread 1.02 → 0.36, CPU per event 0.96×. 16 KB pages made fewer calls still (1.93) but cost
// more CPU than 8 KB: an entry of a scattered index (event ids) dirties a whole page.
const pageSize = 8192

// createDatabase creates the database file with pageSize pages if there is none yet. The page
// size is fixed once the file's first page is written, which the auto_vacuum and journal_mode
// pragmas do, and the driver runs a connection's pragmas in an order of its own: so the file is
// created on a connection of its own. A database created before keeps the page size it has.
func createDatabase(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size("+strconv.Itoa(pageSize)+")")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA auto_vacuum = INCREMENTAL`, `PRAGMA journal_mode = WAL`} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return db.Close()
}

// upgrade brings the database's vacuum mode and schema up to date, on a connection of its own:
// a VACUUM copies the whole database into a temporary one, and building an index sorts a whole
// table, which must not be held in memory as the writer's temporary storage is.
func upgrade(ctx context.Context, dsn string) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := incrementalVacuum(ctx, db); err != nil {
		return err
	}
	if err := migrate(ctx, db, sqliteDialect); err != nil {
		return err
	}
	return db.Close()
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

// batchWriter is SQLite's single event writer: it commits writes and appends, and folds what was
// appended. Everything but its channels belongs to its goroutine.
type batchWriter struct {
	s          *sqlStore
	log        *zap.Logger
	maxBatch   int
	foldBatch  int
	foldDelay  time.Duration
	maxPending int
	// reqs is unbuffered: a request is either taken by the loop or never, so nothing is left
	// behind in a buffer when the writer stops.
	reqs      chan *writeReq
	quit      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	// pending are the appended events not folded yet, in inbox order; lastID is the inbox id of
	// the last record appended or found at open.
	pending []*prepared
	lastID  int64
	// keptBack are the inbox ids of records this process will not fold (sorted): events that
	// failed alone too often, records it cannot decode. Folds leave them in the inbox.
	keptBack []int64
	// folds are the Fold calls waiting for the events appended before them.
	folds []*writeReq
	// After a fold failed, the next waits until retryAt; backoff is the wait after the next failure.
	retryAt time.Time
	backoff time.Duration
}

// maxFoldFailures is how many folds an event may fail alone (while others fold) before it is
// kept back.
const maxFoldFailures = 3

// Fold retries wait from minBackoff, doubling up to maxBackoff.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func newBatchWriter(s *sqlStore, opts SQLiteOptions) *batchWriter {
	w := &batchWriter{s: s, log: opts.Logger, maxBatch: opts.MaxBatch, foldBatch: opts.FoldBatch, foldDelay: opts.FoldDelay,
		maxPending: opts.MaxPending, reqs: make(chan *writeReq), quit: make(chan struct{})}
	if w.log == nil {
		w.log = zap.NewNop()
	}
	if w.maxBatch <= 0 {
		w.maxBatch = 2000
	}
	if w.foldBatch <= 0 {
		w.foldBatch = 1000
	}
	if w.foldDelay <= 0 {
		w.foldDelay = 100 * time.Millisecond
	}
	if w.maxPending <= 0 {
		w.maxPending = 4 * w.foldBatch
	}
	w.maxPending = max(w.maxPending, w.foldBatch)
	return w
}

type reqKind uint8

const (
	writeKind  reqKind = iota // store and fold now
	appendKind                // store in the inbox
	foldKind                  // wait for the fold of what was appended before
)

type writeReq struct {
	ctx  context.Context
	kind reqKind
	evs  []*prepared
	done chan error // buffered (1): the loop never waits on a caller
	// upTo is, for a Fold, the last inbox id appended when the writer took it.
	upTo int64
}

func (w *batchWriter) submit(ctx context.Context, evs []*prepared) error {
	return w.do(ctx, &writeReq{ctx: ctx, kind: writeKind, evs: evs, done: make(chan error, 1)})
}

// submitAppend encodes the records on the caller's goroutine, and keeps of each event only what
// its fold needs.
func (w *batchWriter) submitAppend(ctx context.Context, evs []*prepared) error {
	for _, p := range evs {
		p.rec = encodeRecord(p)
		p.Event = pendingEvent(p.Event)
	}
	return w.do(ctx, &writeReq{ctx: ctx, kind: appendKind, evs: evs, done: make(chan error, 1)})
}

func (w *batchWriter) submitFold(ctx context.Context) error {
	return w.do(ctx, &writeReq{ctx: ctx, kind: foldKind, done: make(chan error, 1)})
}

func (w *batchWriter) do(ctx context.Context, r *writeReq) error {
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

// recover reads the records a previous run left in the inbox into pending; the loop folds them
// first, since they are due at once. A record that cannot be decoded is kept back.
func (w *batchWriter) recover(ctx context.Context) error {
	rows, err := w.s.wdb.QueryContext(ctx, `SELECT id, record FROM inbox ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rec []byte
		if err := rows.Scan(&id, &rec); err != nil {
			return fmt.Errorf("read inbox: %w", err)
		}
		w.lastID = id
		p, err := decodeRecord(rec)
		if err != nil {
			w.log.Error("inbox record kept back: it cannot be decoded", zap.Int64("inbox_id", id), zap.Error(err))
			w.keptBack = append(w.keptBack, id)
			continue
		}
		p.inboxID = id
		w.pending = append(w.pending, p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	if len(w.pending) > 0 {
		w.log.Info("folding the events a previous run left in the inbox", zap.Int("events", len(w.pending)))
	}
	return nil
}

func (w *batchWriter) loop() {
	defer w.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		now := time.Now()
		due, ok := w.nextFold(now)
		if ok && !due.After(now) {
			w.fold()
			continue
		}
		var wake <-chan time.Time
		if ok {
			timer.Reset(due.Sub(now))
			wake = timer.C
		}
		// Backpressure: while the pending events are at their bound, nothing is taken (appends
		// wait) until a fold makes room.
		in := w.reqs
		if len(w.pending) >= w.maxPending {
			in = nil
		}
		select {
		case r := <-in:
			w.serve(w.gather(r))
		case <-wake:
		case <-w.quit:
			timer.Stop()
			w.drain()
			return
		}
		timer.Stop()
	}
}

// nextFold is when the next fold is due: once FoldBatch events are pending, a Fold call waits or
// the pending events are at their bound, else when the oldest has waited FoldDelay; never sooner
// than a failed fold's retry. ok is false when nothing is pending.
func (w *batchWriter) nextFold(now time.Time) (due time.Time, ok bool) {
	if len(w.pending) == 0 {
		return time.Time{}, false
	}
	due = w.pending[0].appended.Add(w.foldDelay)
	if len(w.pending) >= w.foldBatch || len(w.folds) > 0 {
		due = now
	}
	if due.Before(w.retryAt) {
		due = w.retryAt
	}
	return due, true
}

// gather takes the requests waiting now besides first, up to maxBatch events.
func (w *batchWriter) gather(first *writeReq) []*writeReq {
	batch := []*writeReq{first}
	n := len(first.evs)
	for n < w.maxBatch {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
			n += len(r.evs)
		default:
			return batch
		}
	}
	return batch
}

func (w *batchWriter) serve(batch []*writeReq) {
	var writes, appends []*writeReq
	for _, r := range batch {
		switch r.kind {
		case writeKind:
			writes = append(writes, r)
		case appendKind:
			appends = append(appends, r)
		}
	}
	if len(appends) > 0 {
		commitTogether(appends, w.appendTx)
	}
	if len(writes) > 0 {
		commitTogether(writes, w.tx)
	}
	for _, r := range batch {
		if r.kind == foldKind {
			r.upTo = w.lastID
			w.folds = append(w.folds, r)
		}
	}
	w.answerFolds()
}

// commitTogether commits the gathered requests' events in one transaction (commit) and answers
// them. If it fails and held several requests, each is retried alone so that one bad request
// cannot fail the others.
func commitTogether(batch []*writeReq, commit func([]*prepared) error) {
	var evs []*prepared
	for _, r := range batch {
		evs = append(evs, r.evs...)
	}
	err := commit(evs)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.done <- commit(r.evs)
		}
		return
	}
	for _, r := range batch {
		r.done <- err
	}
}

// tx writes events and folds them, clearing first what an earlier failed try assigned.
func (w *batchWriter) tx(evs []*prepared) error {
	resetPrepared(evs)
	// The transaction is not bound to any one caller's context: the batch belongs to all of them.
	return w.s.inTx(context.Background(), func(t *tx) error { return t.writeBatch(evs) })
}

// appendTx inserts the events' records; once they are committed the events are pending.
func (w *batchWriter) appendTx(evs []*prepared) error {
	err := w.s.inTx(context.Background(), func(t *tx) error {
		// The records go in multi-row statements (as insertRowsSQLite's rows). A statement's rows
		// get consecutive ids ending at the last one it inserted: an inbox id is one past the
		// largest present, and this connection is the only writer.
		args := make([]any, 0, sqliteChunk(len(evs)))
		for rest := evs; len(rest) > 0; {
			n := sqliteChunk(len(rest))
			chunk := rest[:n]
			rest = rest[n:]
			args = args[:0]
			for _, e := range chunk {
				args = append(args, e.rec)
			}
			last, err := t.insertRowID(`INSERT INTO inbox (record) VALUES `+valueRows(n, 1), args...)
			if err != nil {
				return fmt.Errorf("append %d events to the inbox: %w", n, err)
			}
			for i, e := range chunk {
				e.inboxID = last - int64(n-1-i)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := time.Now()
	for _, e := range evs {
		e.rec, e.appended = nil, now
	}
	w.pending = append(w.pending, evs...)
	w.lastID = evs[len(evs)-1].inboxID
	return nil
}

// fold folds up to FoldBatch pending events in one transaction that deletes their records.
func (w *batchWriter) fold() {
	n := min(len(w.pending), w.foldBatch)
	batch := w.pending[:n]
	err := w.foldTx(batch, n == len(w.pending) && len(w.keptBack) == 0)
	var retry []*prepared
	if err != nil {
		is := isolation{maxFailedTx: 2*bits.Len(uint(n)) + 2}
		if n > 1 {
			is.isolate(batch, func(part []*prepared) error { return w.foldTx(part, false) })
		}
		if is.folded == 0 {
			// Nothing folded, not even a part: the database fails, not an event (or every
			// pending event does; which of them can be told apart only once others fold).
			w.failed(err, n)
			return
		}
		retry = w.holdBack(is.failed)
	}
	if len(retry) > 0 {
		w.pending = append(retry, w.pending[n:]...)
		w.failed(nil, len(retry))
	} else {
		clear(batch) // the folded events' memory goes now, not when pending grows into a new array
		w.pending = w.pending[n:]
		w.retryAt, w.backoff = time.Time{}, 0
	}
	w.answerFolds()
}

// foldTx stores and folds the events and deletes their records, in one transaction. whole says
// that they are every record the inbox holds (all that is pending, nothing kept back), as they
// are whenever a fold is due by its delay: then the table is emptied at once, which SQLite does
// by freeing its pages instead of deleting row by row.
func (w *batchWriter) foldTx(evs []*prepared, whole bool) error {
	resetPrepared(evs)
	return w.s.inTx(context.Background(), func(t *tx) error {
		if err := t.writeBatch(evs); err != nil {
			return err
		}
		if whole {
			_, err := t.exec(`DELETE FROM inbox`)
			return err
		}
		return t.deleteInbox(evs[0].inboxID, evs[len(evs)-1].inboxID, w.keptBack)
	})
}

// failedFold is an event that failed a fold alone, with the error.
type failedFold struct {
	ev  *prepared
	err error
}

// isolation is the state of isolating the events that fail a fold: how many folded, the
// failed transactions and the events that failed alone.
type isolation struct {
	folded, failedTx, maxFailedTx int
	failed                        []failedFold
}

// isolate folds (with foldTx) what it can of a batch that failed, halving the parts that fail, and records how
// many events it folded and those that failed alone. Every part is a run of consecutive pending
// events, so the records a part deletes are its own. One bad event among n costs about
// 2·log2(n) failed transactions before the first part folds; a database that refuses every
// transaction would take 2n of them, with every append waiting behind, so after maxFailedTx with
// nothing folded it is taken for the database's failure and isolating stops.
func (is *isolation) isolate(evs []*prepared, foldTx func([]*prepared) error) {
	half := len(evs) / 2
	for _, part := range [][]*prepared{evs[:half], evs[half:]} {
		if len(part) == 0 {
			continue
		}
		if is.folded == 0 && is.failedTx >= is.maxFailedTx {
			return
		}
		err := foldTx(part)
		switch {
		case err == nil:
			is.folded += len(part)
		case len(part) == 1:
			is.failedTx++
			is.failed = append(is.failed, failedFold{part[0], err})
		default:
			is.failedTx++
			is.isolate(part, foldTx)
		}
	}
}

// holdBack counts a failure against each event that failed alone while others folded, and
// returns those to retry with the next fold. An event that failed maxFoldFailures times is kept
// back: it stays in the inbox, and this process folds it no more.
//
// Kept back rather than dropped: its sender was told it is stored, and what fails may be this
// build (a bug, a limit) rather than the event, in which case the next start, perhaps on a fixed
// build, folds it. It costs a row in the inbox and a failed transaction per start. It must not
// stay pending: every fold would fail on it and halve again, and Fold would wait for it forever.
func (w *batchWriter) holdBack(failed []failedFold) []*prepared {
	var retry []*prepared
	for _, f := range failed {
		f.ev.failures++
		if f.ev.failures < maxFoldFailures {
			w.log.Warn("an appended event failed to fold; retrying", zap.Int64("project_id", f.ev.ProjectID),
				zap.String("event_id", f.ev.EventID), zap.Int("failures", f.ev.failures), zap.Error(f.err))
			retry = append(retry, f.ev)
			continue
		}
		w.log.Error("an appended event keeps failing to fold; it stays in the inbox until the next start",
			zap.Int64("project_id", f.ev.ProjectID), zap.String("event_id", f.ev.EventID), zap.Int64("inbox_id", f.ev.inboxID),
			zap.Int("failures", f.ev.failures), zap.Error(f.err))
		i, _ := slices.BinarySearch(w.keptBack, f.ev.inboxID)
		w.keptBack = slices.Insert(w.keptBack, i, f.ev.inboxID)
	}
	return retry
}

// failed schedules the next fold after a failure, backing off.
func (w *batchWriter) failed(err error, events int) {
	w.backoff = min(max(2*w.backoff, minBackoff), maxBackoff)
	w.retryAt = time.Now().Add(w.backoff)
	if err != nil {
		w.log.Error("fold of appended events failed; they stay in the inbox and are retried", zap.Int("events", events),
			zap.Duration("retry_in", w.backoff), zap.Error(err))
	}
}

// answerFolds answers the Fold calls whose events are all folded (or kept back).
func (w *batchWriter) answerFolds() {
	w.folds = slices.DeleteFunc(w.folds, func(r *writeReq) bool {
		if len(w.pending) > 0 && w.pending[0].inboxID <= r.upTo {
			return false
		}
		r.done <- nil
		return true
	})
}

// drain folds what is pending as the writer stops, until a fold fails; the rest stays in the
// inbox for the next start.
func (w *batchWriter) drain() {
	for len(w.pending) > 0 {
		before := len(w.pending)
		w.fold()
		if len(w.pending) >= before {
			break
		}
	}
	w.answerFolds()
	for _, r := range w.folds {
		r.done <- ErrClosed
	}
	w.folds = nil
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
