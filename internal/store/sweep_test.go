package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// set puts the clock at a time.
func (c *movableClock) set(t time.Time) { c.at.Store(t.UnixMicro()) }

const day = 24 * time.Hour

// rowsOf counts the rows of a table that belong to an issue.
func rowsOf(t *testing.T, s Store, table string, issue int64) int {
	t.Helper()
	st := s.(*sqlStore)
	var n int
	if err := st.db.QueryRow(st.d.rebind(`SELECT COUNT(*) FROM `+table+` WHERE issue_id = ?`), issue).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func issueByTitle(t *testing.T, s Store, projects []int64, hash string) *Issue {
	t.Helper()
	list, err := s.ListIssues(context.Background(), IssueQuery{ProjectIDs: projects, Text: "boom " + hash})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		return nil
	}
	return &list[0]
}

func TestSweepDeletesWhatIsPastRetentionAndIssuesKeepTheirCounts(t *testing.T) {
	now := base.Add(40 * day)
	eachBackendOn(t, func() time.Time { return now }, func(t *testing.T, s Store) {
		ctx := context.Background()
		const later = 20 * 24 * 60 // minutes: base + 20 days, inside a 30-day retention at base + 40 days
		write(t, s,
			with(ev(0, "old"), func(e *Event) { e.UserID = "u1" }),
			with(ev(1, "old"), func(e *Event) { e.UserID = "u2" }),
			with(ev(0, "mixed"), func(e *Event) { e.UserID = "u1" }),
			with(ev(later, "mixed"), func(e *Event) { e.UserID = "u2" }),
			with(ev(0, "longer"), func(e *Event) { e.ProjectID = 2 }),
		)
		old := issueByTitle(t, s, nil, "old")
		policy := Policy{Retention: 30 * day, ProjectRetention: map[int64]time.Duration{2: 60 * day}}
		swept, err := s.Sweep(ctx, policy)
		if err != nil {
			t.Fatal(err)
		}
		if swept != (Swept{Events: 3, Issues: 1, Hours: 2}) {
			t.Errorf("swept %+v, want 3 events, 1 issue and the 2 hourly counts of the hour past retention", swept)
		}
		if _, err := s.Issue(ctx, old.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("issue past retention still there: %v", err)
		}
		for _, table := range []string{"issue_hashes", "issue_tags", "issue_hourly", "issue_users", "events"} {
			if n := rowsOf(t, s, table, old.ID); n != 0 {
				t.Errorf("%d rows of the deleted issue left in %s", n, table)
			}
		}
		mixed := issueByTitle(t, s, nil, "mixed")
		if mixed == nil || mixed.TimesSeen != 2 || mixed.UserCount != 2 {
			t.Fatalf("surviving issue %+v, want count 2 and 2 users over every event ever seen", mixed)
		}
		hours, err := s.IssueHourly(ctx, []int64{mixed.ID}, base.Add(-day))
		if err != nil {
			t.Fatal(err)
		}
		var counted int64
		for _, h := range hours[mixed.ID] {
			counted += h.Count
		}
		if n := rowsOf(t, s, "issue_hourly", mixed.ID); n != 1 || counted != 1 {
			t.Errorf("surviving issue: %d hourly rows counting %d events, want only the hour inside retention (1)", n, counted)
		}
		evs, err := s.IssueEvents(ctx, mixed.ID, 10, 0)
		if err != nil || len(evs) != 1 || !evs[0].Timestamp.Equal(base.Add(later*time.Minute)) {
			t.Errorf("events of the surviving issue: %d (%v), want only the one inside retention", len(evs), err)
		}
		if issueByTitle(t, s, []int64{2}, "longer") == nil {
			t.Error("the issue of a project with a longer retention was deleted")
		}
		if again, err := s.Sweep(ctx, policy); err != nil || again != (Swept{}) {
			t.Errorf("a second sweep removed %+v (%v), want nothing", again, err)
		}
	})
}

func TestSweepDeletesUnusedBundlesAndStaleChunks(t *testing.T) {
	clock := newMovableClock()
	eachBackendOn(t, clock.now, func(t *testing.T, s Store) {
		ctx := context.Background()
		clock.set(base)
		unused := testBundle(sha1Hex([]byte("unused")), "web@1.0.0", []int64{1}, base)
		used := testBundle(sha1Hex([]byte("used")), "web@2.0.0", []int64{1}, base)
		for _, b := range []*ArtifactBundle{unused, used} {
			if err := s.PutBundle(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		clock.set(base.Add(50 * day))
		if _, err := s.ArtifactByURL(ctx, 1, "web@2.0.0", "", "~/app.js"); err != nil {
			t.Fatal(err)
		}
		clock.set(base.Add(100 * day))
		stale, fresh := []byte("stale chunk"), []byte("fresh chunk")
		if err := s.PutChunks(ctx, []Chunk{{sha1Hex(stale), stale}}); err != nil {
			t.Fatal(err)
		}
		clock.set(base.Add(100*day + 2*time.Hour))
		if err := s.PutChunks(ctx, []Chunk{{sha1Hex(fresh), fresh}}); err != nil {
			t.Fatal(err)
		}
		swept, err := s.Sweep(ctx, Policy{ArtifactRetention: 90 * day})
		if err != nil {
			t.Fatal(err)
		}
		if swept != (Swept{Bundles: 1, Chunks: 1}) {
			t.Errorf("swept %+v, want 1 bundle and 1 chunk", swept)
		}
		if _, err := s.ArtifactByURL(ctx, 1, "web@1.0.0", "", "~/app.js"); !errors.Is(err, ErrNotFound) {
			t.Errorf("bundle unused for 100 days still found: %v", err)
		}
		if _, err := s.ArtifactByURL(ctx, 1, "web@2.0.0", "", "~/app.js"); err != nil {
			t.Errorf("bundle used 50 days ago: %v", err)
		}
		missing, err := s.MissingChunks(ctx, []string{sha1Hex(stale), sha1Hex(fresh)})
		if err != nil || len(missing) != 1 || missing[0] != sha1Hex(stale) {
			t.Errorf("missing chunks %v (%v), want only the stale one", missing, err)
		}
	})
}

func TestSweepKeepsTheStoreWithinItsBudgetNewestEventsFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		// The oldest 3,400 are project 2's, the newest 600 project 1's: the budget takes the
		// oldest events across projects, so what is left is the newest, whatever the project.
		evs := benchEvents(0, 4000, 50)
		const older = 3400
		for i := range evs[:older] {
			evs[i].ProjectID = 2
		}
		// No batch mixes the projects: within a batch the store inserts in (project, event id)
		// order, and the budget deletes in insertion order, so a mixed batch's boundary would
		// depend on where the backend's size estimate stops the deletion.
		for _, part := range [][]Event{evs[:older], evs[older:]} {
			for chunk := range slices.Chunk(part, 500) {
				if err := s.Write(ctx, chunk); err != nil {
					t.Fatal(err)
				}
			}
		}
		st := s.(*sqlStore)
		before, err := st.usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		budget := before.bytes / 2
		swept, err := s.Sweep(ctx, Policy{MaxSize: budget})
		if err != nil {
			t.Fatal(err)
		}
		after, err := st.usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d → %d bytes (budget %d), %d events deleted", before.bytes, after.bytes, budget, swept.Events)
		if _, low := st.marks(budget); after.bytes > low || swept.Events == 0 || swept.Events >= int64(len(evs)) {
			t.Errorf("after the sweep %d bytes for a budget of %d (%d events deleted)", after.bytes, budget, swept.Events)
		}
		if path := sqlitePath(st); path != "" {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() > budget {
				t.Errorf("database file %d bytes, budget %d: the deleted pages were not given back", fi.Size(), budget)
			}
		}
		if _, err := s.EventByID(ctx, 2, evs[0].EventID); !errors.Is(err, ErrNotFound) {
			t.Errorf("oldest event (of project 2) still stored: %v", err)
		}
		left := len(evs) - int(swept.Events)
		for _, p := range []struct {
			project int64
			want    int
		}{{1, min(left, len(evs)-older)}, {2, max(0, left-(len(evs)-older))}} {
			var kept int
			if err := st.db.QueryRow(st.d.rebind(`SELECT COUNT(*) FROM events WHERE project_id = ?`), p.project).Scan(&kept); err != nil {
				t.Fatal(err)
			}
			if kept != p.want {
				t.Errorf("project %d keeps %d events, want %d: the %d left must be the newest of all projects", p.project, kept, p.want, left)
			}
		}
	})
}

// sqlitePath is the database file of a SQLite store, "" on a server.
func sqlitePath(s *sqlStore) string {
	if !s.d.embedded() {
		return ""
	}
	var seq int
	var name, file string
	if err := s.db.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		return ""
	}
	return file
}

func TestDeleteProjectRemovesItsDataOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		write(t, s, ev(0, "a"), ev(1, "a"), ev(2, "b"), with(ev(0, "c"), func(e *Event) { e.ProjectID = 2 }))
		own := testBundle(sha1Hex([]byte("own")), "web@1.0.0", []int64{1}, base)
		shared := testBundle(sha1Hex([]byte("shared")), "web@2.0.0", []int64{1, 2}, base)
		for _, b := range []*ArtifactBundle{own, shared} {
			if err := s.PutBundle(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		swept, err := s.DeleteProject(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if swept != (Swept{Events: 3, Issues: 2, Bundles: 1}) {
			t.Errorf("deleted %+v, want 3 events, 2 issues, 1 bundle", swept)
		}
		if n, _ := s.CountIssues(ctx, IssueQuery{ProjectIDs: []int64{1}}, 0); n != 0 {
			t.Errorf("%d issues of the deleted project left", n)
		}
		if issueByTitle(t, s, []int64{2}, "c") == nil {
			t.Error("the other project's issue was deleted")
		}
		if _, err := s.ArtifactByURL(ctx, 2, "web@2.0.0", "", "~/app.js"); err != nil {
			t.Errorf("the bundle shared with the other project: %v", err)
		}
		if _, err := s.ArtifactByURL(ctx, 1, "web@2.0.0", "", "~/app.js"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the deleted project still finds the shared bundle: %v", err)
		}
		// The project can start again from nothing.
		write(t, s, ev(3, "a"))
		if is := issueByTitle(t, s, []int64{1}, "a"); is == nil || is.TimesSeen != 1 {
			t.Errorf("issue after the project was deleted: %+v, want a new one with count 1", is)
		}
	})
}

// TestSweepWhileSeveralCollectorsWriteToOneServer: three stores on one database write while two
// of them sweep; nothing deadlocks, and the issues inside retention count every event.
func TestSweepWhileSeveralCollectorsWriteToOneServer(t *testing.T) {
	for _, b := range serverBackends() {
		t.Run(b.name, func(t *testing.T) { sweepWhileSeveralWrite(t, b) })
	}
}

func sweepWhileSeveralWrite(t *testing.T, b serverBackend) {
	now := base.Add(40 * day)
	open := b.database(t, func() time.Time { return now })
	var stores []Store
	for range 3 {
		stores = append(stores, open(t, 4))
	}
	policy := Policy{Retention: 30 * day}
	ctx, cancel := context.WithCancel(context.Background())
	var sweepers sync.WaitGroup
	for _, s := range stores[:2] {
		sweepers.Go(func() {
			for ctx.Err() == nil {
				if _, err := s.Sweep(ctx, policy); err != nil && ctx.Err() == nil {
					t.Errorf("sweep: %v", err)
				}
			}
		})
	}
	const perWriter, batch = 600, 20
	var writers sync.WaitGroup
	for w, s := range stores {
		writers.Go(func() {
			for i := 0; i < perWriter; i += batch {
				var evs []Event
				for j := i; j < i+batch; j++ {
					k := w*perWriter + j
					minute := 20 * 24 * 60 // inside retention
					hash := fmt.Sprintf("new%d", k%5)
					if k%2 == 1 {
						minute, hash = 0, fmt.Sprintf("old%d", k%5) // past it
					}
					e := ev(minute, hash)
					e.EventID = fmt.Sprintf("%032x", 1<<40+k)
					evs = append(evs, e)
				}
				if err := s.Write(context.Background(), evs); err != nil {
					t.Errorf("write: %v", err)
					return
				}
			}
		})
	}
	writers.Wait()
	cancel()
	sweepers.Wait()
	// The last sweep may find the lock still held a moment by a sweeper's session that ended
	// when its context was cancelled; it is tried until it ran.
	var list []Issue
	for try := 0; ; try++ {
		if _, err := stores[2].Sweep(context.Background(), policy); err != nil {
			t.Fatal(err)
		}
		var err error
		if list, err = stores[2].ListIssues(context.Background(), IssueQuery{Limit: 100}); err != nil {
			t.Fatal(err)
		}
		if len(list) == 5 || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var total int64
	for _, is := range list {
		if is.LastSeen.Before(now.Add(-policy.Retention)) {
			t.Errorf("issue %q past retention left after the last sweep", is.Title)
			continue
		}
		evs, err := stores[2].IssueEvents(context.Background(), is.ID, 10000, 0)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(evs)) != is.TimesSeen {
			t.Errorf("issue %q: count %d, %d events stored", is.Title, is.TimesSeen, len(evs))
		}
		total += is.TimesSeen
	}
	if want := int64(len(stores) * perWriter / 2); total != want {
		t.Errorf("issues inside retention count %d events, want %d", total, want)
	}
}

func TestOutcomesAddUpPerHourAndGoWithRetention(t *testing.T) {
	now := base.Add(40 * day)
	eachBackendOn(t, func() time.Time { return now }, func(t *testing.T, s Store) {
		ctx := context.Background()
		old, recent := base, now.Add(-90*time.Minute)
		err := s.WriteOutcomes(ctx, []Outcome{
			{ProjectID: 1, Hour: old, Category: "error", Outcome: OutcomeRateLimited, Reason: "quota", Quantity: 5},
			{ProjectID: 1, Hour: recent, Category: "error", Outcome: OutcomeRateLimited, Reason: "quota", Quantity: 2},
			{ProjectID: 1, Hour: recent.Add(time.Minute), Category: "error", Outcome: OutcomeRateLimited, Reason: "quota", Quantity: 3},
			{ProjectID: 2, Hour: recent, Category: "transaction", Outcome: OutcomeClientDiscard, Reason: "sample_rate", Quantity: 7},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Outcomes(ctx, []int64{1}, now.Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Quantity != 5 || !got[0].Hour.Equal(recent.Truncate(time.Hour)) {
			t.Errorf("outcomes of project 1 in the last 2 hours: %+v, want one hour with 5", got)
		}
		if _, err := s.Sweep(ctx, Policy{Retention: 30 * day}); err != nil {
			t.Fatal(err)
		}
		all, err := s.Outcomes(ctx, nil, time.Time{})
		if err != nil || len(all) != 2 {
			t.Errorf("after the sweep: %+v (%v), want the two recent hours only", all, err)
		}
		if _, err := s.DeleteProject(ctx, 2); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.Outcomes(ctx, []int64{2}, time.Time{}); len(all) != 0 {
			t.Errorf("outcomes of a deleted project: %+v", all)
		}
	})
}
