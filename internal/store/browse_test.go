package store

import (
	"context"
	"fmt"
	"testing"
)

func TestCountIssuesCountsWhatListIssuesSelects(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		write(t, s,
			with(ev(0, "a"), func(e *Event) { e.Level = "warning"; e.Environment = "staging" }),
			ev(1, "b"), ev(2, "c"), ev(3, "c"),
			with(ev(4, "d"), func(e *Event) { e.ProjectID = 2 }),
		)
		cases := []struct {
			name string
			q    IssueQuery
			upTo int64
			want int64
		}{
			{"everything", IssueQuery{}, 0, 4},
			{"one project", IssueQuery{ProjectIDs: []int64{1}}, 0, 3},
			{"by level", IssueQuery{Level: "warning"}, 0, 1},
			{"by environment", IssueQuery{Environment: "staging"}, 0, 1},
			{"by text", IssueQuery{Text: "boom c"}, 0, 1},
			{"paging does not change the total", IssueQuery{Limit: 1, Offset: 2}, 0, 4},
			{"no further than asked", IssueQuery{}, 2, 2},
			{"a bound above the total", IssueQuery{ProjectIDs: []int64{1}}, 10, 3},
		}
		for _, c := range cases {
			n, err := s.CountIssues(ctx, c.q, c.upTo)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if n != c.want {
				t.Errorf("%s: %d issues, want %d", c.name, n, c.want)
			}
		}
	})
}

func TestTagValuesListTheValuesSeenMostRecentFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		write(t, s,
			with(ev(0, "a"), func(e *Event) { e.Release = "1.0"; e.Environment = "production" }),
			with(ev(5, "b"), func(e *Event) { e.Release = "1.1"; e.Environment = "production" }),
			with(ev(9, "a"), func(e *Event) { e.Release = "1.0"; e.Environment = "staging" }),
			with(ev(7, "c"), func(e *Event) { e.ProjectID = 2; e.Release = "9.9" }),
		)
		cases := []struct {
			name     string
			projects []int64
			key      string
			limit    int
			want     string
		}{
			{"releases of every project", nil, "release", 0, "[1.0 9.9 1.1]"},
			{"releases of one project", []int64{1}, "release", 0, "[1.0 1.1]"},
			{"environments", []int64{1}, "environment", 0, "[staging production]"},
			{"at most limit", nil, "release", 1, "[1.0]"},
			{"a key nobody sent", nil, "browser", 0, "[]"},
		}
		for _, c := range cases {
			vals, err := s.TagValues(ctx, c.projects, c.key, c.limit)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := fmt.Sprint(vals); got != c.want {
				t.Errorf("%s: %s, want %s", c.name, got, c.want)
			}
		}
	})
}

func TestAdjacentEventsStepThroughAnIssueInListOrder(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		// Two events share a timestamp: the storage id orders them, as IssueEvents does.
		write(t, s, ev(0, "a"), ev(3, "a"), ev(3, "a"), ev(5, "a"), ev(4, "other"))
		is := mustList(t, s, IssueQuery{Text: "boom a"})[0]
		evs, err := s.IssueEvents(ctx, is.ID, 10, 0) // newest first
		if err != nil || len(evs) != 4 {
			t.Fatalf("events: %d %v", len(evs), err)
		}
		for i := range evs {
			older, newer, err := s.AdjacentEvents(ctx, &evs[i])
			if err != nil {
				t.Fatal(err)
			}
			wantOlder, wantNewer := "", ""
			if i+1 < len(evs) {
				wantOlder = evs[i+1].EventID
			}
			if i > 0 {
				wantNewer = evs[i-1].EventID
			}
			if older != wantOlder || newer != wantNewer {
				t.Errorf("event %d of the list: older %q newer %q, want %q %q", i, older, newer, wantOlder, wantNewer)
			}
		}
	})
}
