package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// base is when the fixture events happen, and testNow what every test store reads as now: a
// day later, so that an issue first seen at base is still new and series from base have 25 hours.
var (
	base    = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	testNow = base.Add(24 * time.Hour)
)

func testClock() time.Time { return testNow }

var nodeEvent = func() []byte {
	b, err := os.ReadFile("testdata/node-error.json")
	if err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b)
}()

var evSeq int

// ev builds an event of project 1 at base+minute with the given hashes.
func ev(minute int, hashes ...string) Event {
	evSeq++
	at := base.Add(time.Duration(minute) * time.Minute)
	return Event{
		ProjectID: 1, EventID: fmt.Sprintf("%032x", evSeq), Timestamp: at, Received: at,
		Level: "error", Platform: "node", Hashes: hashes,
		Title: "TypeError: boom " + hashes[0], Culprit: "app/handler.js in handle",
		Metadata:       Metadata{Type: "TypeError", Value: "boom", Filename: "app/handler.js", Function: "handle"},
		GroupingConfig: "newstyle:2026-01-20", Explanation: `{"app":{}}`,
		Payload: nodeEvent,
	}
}

func with(e Event, f func(*Event)) Event { f(&e); return e }

func write(t *testing.T, s Store, evs ...Event) {
	t.Helper()
	if err := s.Write(context.Background(), evs); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func onlyIssue(t *testing.T, s Store) Issue {
	t.Helper()
	list, err := s.ListIssues(context.Background(), IssueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("want 1 issue, got %d: %+v", len(list), list)
	}
	return list[0]
}

func TestEventsJoinTheIssueOwningAnyOfTheirHashes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		write(t, s, ev(0, "a"))
		write(t, s, ev(1, "b", "a"), ev(2, "c", "b")) // b joins via a; c via b, claimed in the same batch
		write(t, s, ev(3, "z"))
		list, err := s.ListIssues(ctx, IssueQuery{Sort: SortNew})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("want 2 issues, got %d", len(list))
		}
		first := list[1]
		if first.TimesSeen != 3 {
			t.Errorf("times seen = %d, want 3", first.TimesSeen)
		}
		hashes, err := s.IssueHashes(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(hashes) != "[a b c]" {
			t.Errorf("hashes = %v, want [a b c]", hashes)
		}
	})
}

func TestAnIssueAggregatesItsEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		u := func(e Event, id, email, ip string) Event {
			return with(e, func(e *Event) { e.UserID, e.UserEmail, e.UserIP = id, email, ip })
		}
		e1 := u(with(ev(10, "h"), func(e *Event) {
			e.Release = "shop@1.0.0"
			e.Environment = "prod"
			e.Tags = []Tag{{"browser", "Chrome"}}
		}), "u1", "", "")
		e2 := u(with(ev(70, "h"), func(e *Event) {
			e.Release = "shop@1.1.0"
			e.Environment = "prod"
			e.Tags = []Tag{{"browser", "Firefox"}}
		}), "", "a@example.com", "10.0.0.1")
		e3 := u(with(ev(5, "h"), func(e *Event) {
			e.Release = "shop@1.1.0"
			e.Environment = "staging"
			e.Tags = []Tag{{"browser", "Chrome"}}
		}), "", "", "10.0.0.1")
		e4 := u(with(ev(71, "h"), func(e *Event) {
			e.Title, e.Level, e.Explanation = "TypeError: latest", "fatal", `{"latest":true}`
			e.Tags = []Tag{{"browser", "Chrome"}}
		}), "u1", "other@example.com", "")
		write(t, s, e1, e2)
		write(t, s, e3, e4)
		is := onlyIssue(t, s)
		checks := []struct {
			name      string
			got, want any
		}{
			{"times seen", is.TimesSeen, int64(4)},
			{"distinct users (id, else email, else ip)", is.UserCount, int64(3)},
			{"first seen is the earliest event", is.FirstSeen, base.Add(5 * time.Minute)},
			{"last seen is the latest event", is.LastSeen, base.Add(71 * time.Minute)},
			{"first release is the earliest event's", is.FirstRelease, "shop@1.1.0"},
			{"last release is the latest event's that had one", is.LastRelease, "shop@1.1.0"},
			{"title follows the latest event", is.Title, "TypeError: latest"},
			{"level follows the latest event", is.Level, "fatal"},
			{"explanation follows the latest event", is.Explanation, `{"latest":true}`},
			{"metadata", is.Metadata, Metadata{Type: "TypeError", Value: "boom", Filename: "app/handler.js", Function: "handle"}},
			{"a new issue is unresolved", is.Status, StatusUnresolved},
		}
		for _, c := range checks {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		tags, err := s.IssueTags(ctx, is.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, ts := range tags {
			got[ts.Key] = fmt.Sprintf("%d %d %s %d", ts.TotalValues, ts.UniqueValues, ts.Top[0].Value, ts.Top[0].Count)
		}
		want := map[string]string{
			"browser":     "4 2 Chrome 3",
			"environment": "3 2 prod 2",
			"release":     "3 2 shop@1.1.0 2",
			"level":       "4 2 error 3",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("tags = %v, want %v", got, want)
		}
		hourly, err := s.IssueHourly(ctx, []int64{is.ID}, base)
		if err != nil {
			t.Fatal(err)
		}
		if h := hourly[is.ID]; h[0].Count != 2 || h[1].Count != 2 || !h[0].Hour.Equal(base) {
			t.Errorf("hourly = %v, want 2 events at %v and 2 the hour after", h[:2], base)
		}
	})
}

func TestAnIssueKeepsTheLatestExplanationGiven(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		unexplained := func(e Event) Event { return with(e, func(e *Event) { e.Explanation = "" }) }
		write(t, s, unexplained(ev(1, "h")))
		if got := onlyIssue(t, s).Explanation; got != "" {
			t.Fatalf("explanation %q from events that carried none", got)
		}
		write(t, s, with(ev(2, "h"), func(e *Event) { e.Explanation = `{"second":true}` }), unexplained(ev(3, "h")))
		write(t, s, unexplained(ev(4, "h")))
		if got := onlyIssue(t, s).Explanation; got != `{"second":true}` {
			t.Errorf("explanation %q, want the one of the latest event that carried one", got)
		}
		write(t, s, with(ev(0, "h"), func(e *Event) { e.Explanation = `{"older":true}` }))
		if got := onlyIssue(t, s).Explanation; got != `{"second":true}` {
			t.Errorf("an older event's explanation replaced a newer one: %q", got)
		}
	})
}

func TestEventsAreStoredWholeAndFoundByID(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		e := ev(0, "h")
		write(t, s, e, ev(1, "h"))
		got, err := s.EventByID(ctx, 1, e.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Payload, nodeEvent) {
			t.Errorf("payload changed on the way through the store (%d bytes in, %d out)", len(nodeEvent), len(got.Payload))
		}
		if _, err := s.EventByID(ctx, 2, e.EventID); !errors.Is(err, ErrNotFound) {
			t.Errorf("an event is found in another project: %v", err)
		}
		latest, err := s.LatestEvent(ctx, got.IssueID)
		if err != nil {
			t.Fatal(err)
		}
		if latest.Timestamp != base.Add(time.Minute) {
			t.Errorf("latest event at %v, want %v", latest.Timestamp, base.Add(time.Minute))
		}
		evs, err := s.IssueEvents(ctx, got.IssueID, 10, 0)
		if err != nil || len(evs) != 2 {
			t.Fatalf("issue events: %d, %v", len(evs), err)
		}
	})
}

func TestAnEventIDIsStoredAndCountedOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		e := ev(0, "h")
		write(t, s, e, e)
		write(t, s, e)
		if is := onlyIssue(t, s); is.TimesSeen != 1 {
			t.Errorf("times seen = %d after writing one event three times, want 1", is.TimesSeen)
		}
	})
}

func TestLifecycle(t *testing.T) {
	rel := func(minute int, release string) Event {
		return with(ev(minute, "h"), func(e *Event) { e.Release = release })
	}
	resolvedAt := base.Add(30 * time.Minute)
	cases := []struct {
		name          string
		before        []Event
		update        StatusUpdate
		after         []Event
		wantStatus    string
		wantSubstatus string
	}{
		{"a new issue is new", []Event{ev(0, "h")}, StatusUpdate{}, nil, StatusUnresolved, SubstatusNew},
		{"an event after resolving regresses the issue", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusResolved, Now: resolvedAt}, []Event{ev(31, "h")}, StatusUnresolved, SubstatusRegressed},
		{"an event received before the resolution does not regress it", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusResolved, Now: resolvedAt}, []Event{ev(29, "h")}, StatusResolved, ""},
		{"resolved in a release: an event from an older release does not regress it", []Event{rel(0, "shop@1.2.0")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInRelease, Release: "shop@1.3.0", Now: resolvedAt},
			[]Event{rel(40, "shop@1.2.9")}, StatusResolved, ""},
		{"resolved in a release: an event from that release regresses it", []Event{rel(0, "shop@1.2.0")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInRelease, Release: "shop@1.3.0", Now: resolvedAt},
			[]Event{rel(40, "shop@1.3.0")}, StatusUnresolved, SubstatusRegressed},
		{"resolved in a release: a newer build of it regresses it", []Event{rel(0, "1.3.0+5")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInRelease, Release: "1.3.0+7", Now: resolvedAt},
			[]Event{rel(40, "1.3.0+12")}, StatusUnresolved, SubstatusRegressed},
		{"resolved in a release: an older build of it does not regress it", []Event{rel(0, "1.3.0+5")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInRelease, Release: "1.3.0+7", Now: resolvedAt},
			[]Event{rel(40, "1.3.0+6")}, StatusResolved, ""},
		{"resolved in the next release: the same release does not regress it", []Event{rel(0, "shop@2.0.0")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInNextRelease, Now: resolvedAt},
			[]Event{rel(40, "shop@2.0.0"), rel(41, "shop@1.9.0")}, StatusResolved, ""},
		{"resolved in the next release: a newer release regresses it", []Event{rel(0, "shop@2.0.0")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInNextRelease, Now: resolvedAt},
			[]Event{rel(40, "shop@2.0.1")}, StatusUnresolved, SubstatusRegressed},
		{"resolved in the next release: free-form releases compare by first-seen order", []Event{rel(0, "abc123"), rel(1, "def456")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInNextRelease, Now: resolvedAt},
			[]Event{rel(40, "abc123"), rel(41, "def456")}, StatusResolved, ""},
		{"resolved in the next release: a later free-form release regresses it", []Event{rel(0, "abc123")},
			StatusUpdate{Status: StatusResolved, Resolution: ResolvedInNextRelease, Now: resolvedAt},
			[]Event{rel(40, "fff999")}, StatusUnresolved, SubstatusRegressed},
		{"ignored forever stays ignored", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusIgnored, Now: resolvedAt}, []Event{ev(40, "h"), ev(41, "h")}, StatusIgnored, SubstatusForever},
		{"ignored until 2 more events comes back on the second", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusIgnored, IgnoreCount: 2, Now: resolvedAt}, []Event{ev(40, "h"), ev(41, "h")}, StatusUnresolved, SubstatusEscalating},
		{"ignored until 2 more events stays ignored after one", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusIgnored, IgnoreCount: 2, Now: resolvedAt}, []Event{ev(40, "h")}, StatusIgnored, SubstatusUntil},
		{"ignored until a time comes back after it", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusIgnored, IgnoreUntil: base.Add(time.Hour), Now: resolvedAt}, []Event{ev(61, "h")}, StatusUnresolved, SubstatusEscalating},
		{"ignored until a time stays ignored before it", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusIgnored, IgnoreUntil: testNow.Add(24 * time.Hour), Now: resolvedAt}, []Event{ev(59, "h")}, StatusIgnored, SubstatusUntil},
		{"reopening makes it ongoing", []Event{ev(0, "h")},
			StatusUpdate{Status: StatusUnresolved, Now: resolvedAt}, nil, StatusUnresolved, SubstatusOngoing},
	}
	eachBackend(t, func(t *testing.T, s Store) {
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				project := int64(100 + i)
				inProject := func(evs []Event) []Event {
					out := make([]Event, len(evs))
					for j, e := range evs {
						e.ProjectID = project
						out[j] = e
					}
					return out
				}
				write(t, s, inProject(c.before)...)
				list, err := s.ListIssues(context.Background(), IssueQuery{ProjectIDs: []int64{project}})
				if err != nil || len(list) != 1 {
					t.Fatalf("list: %v, %v", list, err)
				}
				id := list[0].ID
				if c.update.Status != "" {
					if _, err := s.UpdateStatus(context.Background(), id, c.update); err != nil {
						t.Fatal(err)
					}
				}
				for _, e := range inProject(c.after) {
					write(t, s, e) // one by one: the order of arrival matters
				}
				is, err := s.Issue(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if is.Status != c.wantStatus || is.Substatus != c.wantSubstatus {
					t.Errorf("status %s/%s, want %s/%s", is.Status, is.Substatus, c.wantStatus, c.wantSubstatus)
				}
			})
		}
	})
}

func TestListIssues(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		// a: 3 events, 1 user, oldest; b: 1 event, 2 users? no — 1 event; c: 2 events, 2 users, newest.
		write(t, s,
			with(ev(0, "a"), func(e *Event) { e.Title = "TypeError: alpha"; e.Release = "1.0"; e.UserID = "u1" }),
			with(ev(1, "a"), func(e *Event) { e.Title = "TypeError: alpha"; e.UserID = "u1" }),
			with(ev(2, "a"), func(e *Event) { e.Title = "TypeError: alpha"; e.UserID = "u1" }),
			with(ev(10, "b"), func(e *Event) { e.Title = "RangeError: beta 100%"; e.Level = "warning"; e.Environment = "staging" }),
			with(ev(20, "c"), func(e *Event) { e.Title = "Error: gamma"; e.Culprit = "worker.js"; e.UserID = "u1" }),
			with(ev(21, "c"), func(e *Event) {
				e.Title = "Error: gamma"
				e.Culprit = "worker.js"
				e.UserID = "u2"
				e.Tags = []Tag{{"browser", "Chrome 120.0.6099"}, {"handled", "no"}}
			}),
		)
		all, _ := s.ListIssues(ctx, IssueQuery{})
		ids := map[string]int64{}
		for _, is := range all {
			ids[is.Title[len(is.Title)-5:]] = is.ID
		}
		b, err := s.ListIssues(ctx, IssueQuery{Text: "beta"})
		if err != nil || len(b) != 1 {
			t.Fatalf("text search: %v %v", b, err)
		}
		if _, err := s.UpdateStatus(ctx, b[0].ID, StatusUpdate{Status: StatusResolved}); err != nil {
			t.Fatal(err)
		}
		titles := func(q IssueQuery) string {
			list, err := s.ListIssues(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, is := range list {
				out = append(out, is.Title)
			}
			return fmt.Sprint(out)
		}
		cases := []struct {
			name string
			q    IssueQuery
			want string
		}{
			{"sorted by last seen by default", IssueQuery{}, "[Error: gamma RangeError: beta 100% TypeError: alpha]"},
			{"sorted by first seen", IssueQuery{Sort: SortNew}, "[Error: gamma RangeError: beta 100% TypeError: alpha]"},
			{"sorted by events", IssueQuery{Sort: SortFreq}, "[TypeError: alpha Error: gamma RangeError: beta 100%]"},
			{"sorted by users", IssueQuery{Sort: SortUser}, "[Error: gamma TypeError: alpha RangeError: beta 100%]"},
			{"unresolved only", IssueQuery{Status: StatusUnresolved}, "[Error: gamma TypeError: alpha]"},
			{"resolved only", IssueQuery{Status: StatusResolved}, "[RangeError: beta 100%]"},
			{"by level", IssueQuery{Level: "warning"}, "[RangeError: beta 100%]"},
			{"by release", IssueQuery{Release: "1.0"}, "[TypeError: alpha]"},
			{"by environment", IssueQuery{Environment: "staging"}, "[RangeError: beta 100%]"},
			{"by tags", IssueQuery{Tags: []Tag{{"browser", "Chrome 120.0.6099"}, {"handled", "no"}}}, "[Error: gamma]"},
			{"by a tag no event has", IssueQuery{Tags: []Tag{{"browser", "Chrome 120.0.6099"}, {"handled", "yes"}}}, "[]"},
			{"free text matches the culprit", IssueQuery{Text: "WORKER"}, "[Error: gamma]"},
			{"free text treats % literally", IssueQuery{Text: "100%"}, "[RangeError: beta 100%]"},
			{"free text treats _ literally", IssueQuery{Text: "_"}, "[]"},
			{"a page of one", IssueQuery{Limit: 1, Offset: 1}, "[RangeError: beta 100%]"},
			{"in a project with none", IssueQuery{ProjectIDs: []int64{2}}, "[]"},
		}
		for _, c := range cases {
			if got := titles(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})
}

func TestAnIgnoreUntilATimeThatPassedReadsAsUnresolved(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		write(t, s, ev(0, "past"), ev(0, "future"))
		for _, is := range mustList(t, s, IssueQuery{}) {
			until := testNow.Add(-time.Minute)
			if is.Title == "TypeError: boom future" {
				until = testNow.Add(time.Hour)
			}
			if _, err := s.UpdateStatus(ctx, is.ID, StatusUpdate{Status: StatusIgnored, IgnoreUntil: until}); err != nil {
				t.Fatal(err)
			}
		}
		titles := func(status string) string {
			var out []string
			for _, is := range mustList(t, s, IssueQuery{Status: status}) {
				out = append(out, is.Title+"/"+is.Status)
			}
			return fmt.Sprint(out)
		}
		if got := titles(StatusUnresolved); got != "[TypeError: boom past/unresolved]" {
			t.Errorf("unresolved: %s", got)
		}
		if got := titles(StatusIgnored); got != "[TypeError: boom future/ignored]" {
			t.Errorf("ignored: %s", got)
		}
	})
}

func mustList(t *testing.T, s Store, q IssueQuery) []Issue {
	t.Helper()
	list, err := s.ListIssues(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeletingAnIssueRemovesItsEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		e := ev(0, "h")
		write(t, s, e)
		is := onlyIssue(t, s)
		if err := s.DeleteIssue(ctx, is.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Issue(ctx, is.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("issue still there: %v", err)
		}
		if _, err := s.EventByID(ctx, 1, e.EventID); !errors.Is(err, ErrNotFound) {
			t.Errorf("event still there: %v", err)
		}
		if err := s.DeleteIssue(ctx, is.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleting twice: %v, want ErrNotFound", err)
		}
		write(t, s, ev(1, "h"))
		if again := onlyIssue(t, s); again.ID == is.ID || again.TimesSeen != 1 {
			t.Errorf("a new event of a deleted issue's hash should open a fresh issue, got %+v", again)
		}
	})
}

// workload is a fixed mix of events over 40 issues, 8 hashes shared pairwise between events so
// that concurrent writers race to create the same issues, and some duplicate event ids.
func workload(n int) []Event {
	out := make([]Event, 0, n)
	for i := 0; i < n; i++ {
		e := Event{
			ProjectID: 1 + int64(i%2), EventID: fmt.Sprintf("%032x", 1_000_000+i%(n-n/20)),
			Timestamp: base.Add(time.Duration(i) * time.Second), Level: "error",
			Hashes:  []string{fmt.Sprintf("p%02d", i%40), fmt.Sprintf("s%02d", i%8)},
			Title:   fmt.Sprintf("Error %d", i%40),
			UserID:  fmt.Sprintf("u%d", i%13),
			Release: fmt.Sprintf("1.0.%d", i%5),
			Tags:    []Tag{{"shard", fmt.Sprint(i % 3)}},
			Payload: nodeEvent,
		}
		e.Received = e.Timestamp
		out = append(out, e)
	}
	return out
}

func summary(t *testing.T, s Store) string {
	t.Helper()
	list, err := s.ListIssues(context.Background(), IssueQuery{Sort: SortFreq, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	var lines []string
	for _, is := range list {
		total += is.TimesSeen
		hashes, _ := s.IssueHashes(context.Background(), is.ID)
		lines = append(lines, fmt.Sprintf("%d:%v:%d:%d:%s..%s", is.ProjectID, hashes, is.TimesSeen, is.UserCount, is.FirstSeen.Format(time.TimeOnly), is.LastSeen.Format(time.TimeOnly)))
	}
	slices.Sort(lines) // issue ids (and so ties in the sort) depend on who created the issue first
	return fmt.Sprintf("%d issues, %d events: %s", len(list), total, strings.Join(lines, " "))
}

func TestConcurrentWritersProduceWhatOneWriterDoes(t *testing.T) {
	const n, writers, batch = 2000, 4, 25
	evs := workload(n)
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			single := b.open(t)
			for i := 0; i < n; i += batch {
				write(t, single, evs[i:i+batch]...)
			}
			want := summary(t, single)

			// Four handles (on a server four pools, as four collectors would have), one database.
			var handles []Store
			if i := slices.IndexFunc(serverBackends(), func(sb serverBackend) bool { return sb.name == b.name }); i >= 0 {
				open := serverBackends()[i].database(t, testClock)
				for range writers {
					handles = append(handles, open(t, 2))
				}
			} else {
				s := b.open(t)
				handles = []Store{s, s, s, s}
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Go(func() {
					// Each writer takes every writers-th batch, so all of them create issues at once.
					for i := w * batch; i < n; i += writers * batch {
						if err := handles[w].Write(context.Background(), evs[i:i+batch]); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := summary(t, handles[0]); got != want {
				t.Errorf("concurrent writers:\n%s\nsingle writer:\n%s", got, want)
			}
		})
	}
}

func TestReleaseOrder(t *testing.T) {
	cases := []struct {
		a, b string
		want int
		ok   bool
	}{
		{"1.2.3", "1.2.10", -1, true},
		{"shop@1.10.0", "shop@1.9.0", 1, true},
		{"v2.0", "2.0.0", 0, true},
		{"1.0.0-rc.1", "1.0.0", -1, true},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1, true},
		{"1.0.0-2", "1.0.0-beta", -1, true},
		{"1.0.0+20", "1.0.0+3", 1, true},
		{"1.0.0", "1.0.0+1", -1, true},
		{"1.0.0+abc", "1.0.0+abd", -1, true},
		{"shop@1.0.0", "cart@2.0.0", 0, false},
		{"deadbeef", "1.0.0", 0, false},
		{"1.2.3.4.5", "1.2.3", 0, false},
	}
	for _, c := range cases {
		got, ok := compareVersions(c.a, c.b)
		if got != c.want || ok != c.ok {
			t.Errorf("compare(%q, %q) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}
