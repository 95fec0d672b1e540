package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestInboxRecordRoundTrips(t *testing.T) {
	e := ev(3, "h1", "h2")
	e.Release, e.Environment, e.Source = "shop@1.2.3", "production", "sentry"
	e.UserEmail = "a@example.com"
	e.Tags = []Tag{{"region", "eu"}, {"", "dropped"}, {"region", "twice"}}
	p, err := prepare(&e)
	if err != nil {
		t.Fatal(err)
	}
	rec := encodeRecord(p)
	got, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	want := &prepared{Event: pendingEvent(p.Event), ts: p.ts, recv: p.recv, userKey: p.userKey, tags: p.tags, blob: p.blob}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v\nwant    %+v", got, want)
	}
	if got.Event.Payload != nil || got.Event.Tags != nil || got.userKey != "email:a@example.com" {
		t.Errorf("a pending event keeps its payload only compressed and its user as the key: %+v", got.Event)
	}
	for n := range len(rec) {
		if _, err := decodeRecord(rec[:n]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", n, len(rec))
		}
	}
	if _, err := decodeRecord(append(rec[:len(rec):len(rec)], 0)); err == nil {
		t.Error("a record with a trailing byte decoded")
	}
	if _, err := decodeRecord(append([]byte{recordVersion + 1}, rec[1:]...)); err == nil {
		t.Error("a record of an unknown version decoded")
	}
}

// openInbox opens a SQLite store at path with the given options on the test clock.
func openInbox(t *testing.T, path string, opts SQLiteOptions) Store {
	t.Helper()
	opts.Clock = testClock
	s, err := OpenSQLite(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawDB opens the database file beside the store, for what the tests check or break underneath.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func appendEvents(t *testing.T, s Store, evs []Event) {
	t.Helper()
	if err := s.Append(context.Background(), evs); err != nil {
		t.Fatalf("append: %v", err)
	}
}

func fold(t *testing.T, s Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Fold(ctx); err != nil {
		t.Fatalf("fold: %v", err)
	}
}

// timesSeen is the sum of the issues' counts.
func timesSeen(t *testing.T, s Store) int64 {
	t.Helper()
	list, err := s.ListIssues(context.Background(), IssueQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, is := range list {
		n += is.TimesSeen
	}
	return n
}

func TestAppendedEventsAreVisibleAfterFold(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		evs := benchEvents(0, 40, 4)
		appendEvents(t, s, evs[:16])
		appendEvents(t, s, evs[16:])
		fold(t, s)
		if n := timesSeen(t, s); n != 40 {
			t.Errorf("issues count %d events, want 40", n)
		}
		for _, e := range evs {
			got, err := s.EventByID(context.Background(), 1, e.EventID)
			if err != nil {
				t.Fatalf("event %s: %v", e.EventID, err)
			}
			if string(got.Payload) != string(e.Payload) {
				t.Fatalf("event %s: payload differs", e.EventID)
			}
		}
		list, err := s.ListIssues(context.Background(), IssueQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 || list[0].UserCount != 10 || list[0].FirstRelease == "" {
			t.Errorf("issues %+v: want 4 issues of 10 users each", list)
		}
	})
}

func TestAQuietStoreFoldsAfterTheDelay(t *testing.T) {
	s := openInbox(t, filepath.Join(t.TempDir(), "f.db"), SQLiteOptions{FoldDelay: 20 * time.Millisecond})
	e := ev(0, "a")
	appendEvents(t, s, []Event{e})
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, err := s.EventByID(context.Background(), 1, e.EventID); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an appended event was not folded without a Fold call")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEventsLeftInTheInboxAreFoldedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s := openInbox(t, path, SQLiteOptions{})
	evs := benchEvents(0, 30, 3)
	write(t, s, evs[:10]...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// What a SIGKILL between the append's commit and the fold leaves: records of events 5 to 29,
	// of which 5 to 9 were stored already (an SDK resent them while their first copies waited),
	// and 20 to 24 twice.
	db := rawDB(t, path)
	for _, e := range append(evs[5:], evs[20:25]...) {
		p, err := prepare(&e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO inbox (record) VALUES (?)`, encodeRecord(p)); err != nil {
			t.Fatal(err)
		}
	}
	s = openInbox(t, path, SQLiteOptions{})
	fold(t, s)
	if n := timesSeen(t, s); n != 30 {
		t.Errorf("issues count %d events after recovery, want 30", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 30 {
		t.Errorf("%d events stored, want 30", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
		t.Errorf("%d records left in the inbox", n)
	}
	users := int64(0)
	list, _ := s.ListIssues(context.Background(), IssueQuery{})
	for _, is := range list {
		users += is.UserCount
	}
	if users != 30 {
		t.Errorf("%d distinct users counted, want 30", users)
	}
}

// TestAFoldWhoseRecordsOutliveItFoldsToNothing: records of events that were folded already, found
// in the inbox at open (an SDK's resends; or, were a fold's records ever deleted after the fold
// committed rather than in its transaction, a crash in between), fold again to nothing: no count,
// user, tag or hourly count moves.
func TestAFoldWhoseRecordsOutliveItFoldsToNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s := openInbox(t, path, SQLiteOptions{FoldDelay: time.Hour})
	evs := benchEvents(0, 60, 3)
	for i := range evs {
		evs[i].Timestamp = testNow.Add(-time.Duration(i) * 7 * time.Minute)
		evs[i].Received = evs[i].Timestamp
	}
	appendEvents(t, s, evs[:25])
	appendEvents(t, s, evs[25:])
	db := rawDB(t, path)
	var recs [][]byte
	rows, err := db.Query(`SELECT record FROM inbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var rec []byte
		if err := rows.Scan(&rec); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if rows.Close(); len(recs) != len(evs) {
		t.Fatalf("%d records in the inbox before the fold, want %d", len(recs), len(evs))
	}
	fold(t, s)
	before := storeCounts(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The records are back, as if their delete never ran.
	for _, rec := range recs {
		if _, err := db.Exec(`INSERT INTO inbox (record) VALUES (?)`, rec); err != nil {
			t.Fatal(err)
		}
	}
	s = openInbox(t, path, SQLiteOptions{FoldDelay: time.Hour})
	fold(t, s)
	if after := storeCounts(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("folding the records again changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != int64(len(evs)) {
		t.Errorf("%d events stored, want %d", n, len(evs))
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
		t.Errorf("%d records left in the inbox", n)
	}
}

// storeCounts is what a fold counts, issue by issue: times seen, users, tags and hourly counts.
func storeCounts(t *testing.T, s Store) map[string]any {
	t.Helper()
	ctx := context.Background()
	list, err := s.ListIssues(ctx, IssueQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	var ids []int64
	for _, is := range list {
		ids = append(ids, is.ID)
		tags, err := s.IssueTags(ctx, is.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(is.ID)] = fmt.Sprintf("seen %d users %d first %v last %v tags %+v", is.TimesSeen, is.UserCount, is.FirstSeen, is.LastSeen, tags)
	}
	hourly, err := s.IssueHourly(ctx, ids, testNow.Add(-10*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	out["hourly"] = fmt.Sprintf("%+v", hourly)
	if len(list) == 0 {
		t.Fatal("no issues")
	}
	return out
}

func TestDuplicateAppendsAreCountedOnce(t *testing.T) {
	s := openInbox(t, filepath.Join(t.TempDir(), "f.db"), SQLiteOptions{FoldDelay: time.Hour})
	evs := benchEvents(0, 15, 2)
	appendEvents(t, s, evs[:10])
	fold(t, s)
	appendEvents(t, s, evs[5:]) // 5–9 folded already
	appendEvents(t, s, evs[12:14])
	appendEvents(t, s, evs[12:13]) // pending twice more
	fold(t, s)
	if n := timesSeen(t, s); n != 15 {
		t.Errorf("issues count %d events, want 15", n)
	}
	list, err := s.ListIssues(context.Background(), IssueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range list {
		tags, err := s.IssueTags(context.Background(), is.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range tags {
			if tg.Key == "region" && tg.TotalValues != is.TimesSeen {
				t.Errorf("issue %d: region tag counted %d times, the issue %d", is.ID, tg.TotalValues, is.TimesSeen)
			}
		}
	}
}

func TestCloseFoldsWhatIsPending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s := openInbox(t, path, SQLiteOptions{FoldDelay: time.Hour})
	appendEvents(t, s, benchEvents(0, 30, 3))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 30 {
		t.Errorf("%d events stored at close, want 30", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
		t.Errorf("%d records left in the inbox", n)
	}
}

// failFolds makes every insert into events fail (the events whose id is given, when some are),
// as a fold failing in the database would; the inbox still takes appends. It returns what undoes it.
func failFolds(t *testing.T, db *sql.DB, eventIDs ...string) func() {
	t.Helper()
	when := ""
	if len(eventIDs) > 0 {
		when = ` WHEN NEW.event_id IN ('` + strings.Join(eventIDs, `','`) + `')`
	}
	if _, err := db.Exec(`CREATE TRIGGER fail_folds BEFORE INSERT ON events` + when + ` BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.Exec(`DROP TRIGGER fail_folds`); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAppendsWaitWhilePendingIsAtItsBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s := openInbox(t, path, SQLiteOptions{FoldBatch: 10, MaxPending: 20, FoldDelay: time.Millisecond})
	db := rawDB(t, path)
	undo := failFolds(t, db)
	evs := benchEvents(0, 30, 3)
	for i := 0; i < 20; i += 5 {
		appendEvents(t, s, evs[i:i+5])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := s.Append(ctx, evs[20:25])
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an append past the bound returned %v, want it to wait", err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 20 {
		t.Errorf("%d records in the inbox, want the 20 of the bound", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 0 {
		t.Errorf("%d events stored while folds failed", n)
	}
	undo()
	appendEvents(t, s, evs[20:]) // waits for the retried fold to make room
	fold(t, s)
	if n := timesSeen(t, s); n != 30 {
		t.Errorf("issues count %d events, want 30", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
		t.Errorf("%d records left in the inbox", n)
	}
}

func TestAnEventThatFailsAloneIsKeptBackNotBlockingOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	core, logs := observer.New(zapcore.WarnLevel)
	s := openInbox(t, path, SQLiteOptions{FoldDelay: time.Millisecond, Logger: zap.New(core)})
	db := rawDB(t, path)
	evs := benchEvents(0, 200, 5)
	poison := evs[3].EventID
	undo := failFolds(t, db, poison)
	appendEvents(t, s, evs[:10])
	// The others keep coming: an event is counted as failing only beside others that fold.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 10; i < len(evs); i += 5 {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := s.Append(context.Background(), evs[i:i+5]); err != nil {
				t.Error(err)
				return
			}
		}
	})
	fold(t, s) // returns once the event is kept back
	close(done)
	wg.Wait()
	fold(t, s)
	if _, err := s.EventByID(context.Background(), 1, poison); !errors.Is(err, ErrNotFound) {
		t.Errorf("the failing event: %v, want it not stored", err)
	}
	if _, err := s.EventByID(context.Background(), 1, evs[4].EventID); err != nil {
		t.Errorf("the event after it: %v", err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 1 {
		t.Errorf("%d records in the inbox, want the failing event's", n)
	}
	kept := logs.FilterLevelExact(zapcore.ErrorLevel).FilterMessageSnippet("keeps failing").All()
	if len(kept) != 1 || kept[0].ContextMap()["event_id"] != poison {
		t.Fatalf("logged %v, want one error naming the event", logs.All())
	}
	for _, l := range logs.All() {
		for k, v := range l.ContextMap() {
			if strings.Contains(fmt.Sprint(v), "TypeError: Cannot read") || strings.Contains(fmt.Sprint(v), string(nodeEvent[:40])) {
				t.Errorf("log %q field %s carries the event: %v", l.Message, k, v)
			}
		}
	}
	stored := timesSeen(t, s)
	// Once what failed is fixed, the next start folds it.
	undo()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openInbox(t, path, SQLiteOptions{})
	fold(t, s)
	if _, err := s.EventByID(context.Background(), 1, poison); err != nil {
		t.Errorf("the kept-back event after a restart: %v", err)
	}
	if n := timesSeen(t, s); n != stored+1 {
		t.Errorf("issues count %d events, want %d", n, stored+1)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM inbox`); n != 0 {
		t.Errorf("%d records left in the inbox", n)
	}
}

func TestAnUndecodableRecordIsKeptBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s := openInbox(t, path, SQLiteOptions{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	evs := benchEvents(0, 3, 1)
	for i, e := range evs {
		p, err := prepare(&e)
		if err != nil {
			t.Fatal(err)
		}
		rec := encodeRecord(p)
		if i == 1 {
			rec[0] = recordVersion + 1 // a newer build's record, after a downgrade
		}
		if _, err := db.Exec(`INSERT INTO inbox (record) VALUES (?)`, rec); err != nil {
			t.Fatal(err)
		}
	}
	core, logs := observer.New(zapcore.ErrorLevel)
	s = openInbox(t, path, SQLiteOptions{Logger: zap.New(core)})
	fold(t, s)
	if n := timesSeen(t, s); n != 2 {
		t.Errorf("issues count %d events, want 2", n)
	}
	if ids := count(t, db, `SELECT COUNT(*) FROM inbox WHERE id = 2`); ids != 1 || logs.Len() != 1 {
		t.Errorf("the undecodable record: %d left, %d errors logged; want it kept and logged", ids, logs.Len())
	}
}

// Isolating the events that fail a fold costs about 2·log2(n) failed transactions per bad event;
// a database that refuses everything is recognized after that many, not after 2n.
func TestIsolationStopsWhenNothingFolds(t *testing.T) {
	batch := make([]*prepared, 1000)
	for i := range batch {
		batch[i] = &prepared{Event: &Event{EventID: fmt.Sprintf("%032x", i)}}
	}
	tries := 0
	refuseAll := func([]*prepared) error { tries++; return errors.New("disk full") }
	is := isolation{maxFailedTx: 22}
	is.isolate(batch, refuseAll)
	if is.folded != 0 || tries > 22 {
		t.Errorf("a database refusing everything: %d transactions tried, %d events folded; want at most 22, none", tries, is.folded)
	}
	for _, bad := range [][]int{{0}, {999}, {0, 1}, {3, 700}} {
		tries = 0
		refuse := func(part []*prepared) error {
			tries++
			for _, p := range part {
				for _, b := range bad {
					if p.EventID == batch[b].EventID {
						return errors.New("refused")
					}
				}
			}
			return nil
		}
		is := isolation{maxFailedTx: 22}
		is.isolate(batch, refuse)
		var failed []string
		for _, f := range is.failed {
			failed = append(failed, f.ev.EventID)
		}
		if is.folded != len(batch)-len(bad) || len(failed) != len(bad) {
			t.Errorf("bad events %v: %d folded, failed alone %v (%d transactions)", bad, is.folded, failed, tries)
		}
	}
}

// Events appended before a project is deleted do not bring it back when they are folded.
func TestDeleteProjectFoldsWhatWasAppendedBefore(t *testing.T) {
	s := openInbox(t, filepath.Join(t.TempDir(), "f.db"), SQLiteOptions{FoldDelay: time.Hour})
	appendEvents(t, s, benchEvents(0, 30, 3))
	if _, err := s.DeleteProject(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	fold(t, s)
	if n := timesSeen(t, s); n != 0 {
		t.Errorf("after deleting the project, its issues count %d events, want none", n)
	}
}
