package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
)

// movableClock is a store clock a test moves forward.
type movableClock struct{ at atomic.Int64 }

func newMovableClock() *movableClock {
	c := &movableClock{}
	c.at.Store(testNow.UnixMicro())
	return c
}
func (c *movableClock) now() time.Time          { return time.UnixMicro(c.at.Load()).UTC() }
func (c *movableClock) advance(d time.Duration) { c.at.Add(d.Microseconds()) }

func eachBackendOn(t *testing.T, clock func() time.Time, fn func(t *testing.T, s Store)) {
	for _, b := range backendsOn(clock) {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

func rule(key string, targets []string, triggers ...alertrule.Trigger) alertrule.Rule {
	return alertrule.Rule{Key: key, Name: key, Project: 1, Triggers: triggers, Targets: targets}
}

func setRules(t *testing.T, s Store, resolve []string, rules ...alertrule.Rule) {
	t.Helper()
	set, err := alertrule.Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	s.SetAlerting(Alerting{Rules: set, ResolveTargets: resolve})
}

// reasons lists an issue's alerts oldest first as "reason>target".
func reasons(t *testing.T, s Store, issue int64) []string {
	t.Helper()
	list, err := s.IssueAlerts(context.Background(), issue, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Reason+">"+list[i].Target)
	}
	return out
}

func TestStateTriggersWriteOneAlertPerTargetAndInterval(t *testing.T) {
	clock := newMovableClock()
	eachBackendOn(t, clock.now, func(t *testing.T, s Store) {
		ctx := context.Background()
		setRules(t, s, []string{"pd"}, rule("config:new-or-regressed", []string{"slack", "pd"},
			alertrule.Trigger{Kind: alertrule.NewIssue}, alertrule.Trigger{Kind: alertrule.Regression}))
		write(t, s, ev(0, "a"))
		is := onlyIssue(t, s)
		if got := fmt.Sprint(reasons(t, s, is.ID)); got != "[new_issue>slack new_issue>pd]" {
			t.Fatalf("after the first event: %s", got)
		}
		write(t, s, ev(1, "a"))
		if got := len(reasons(t, s, is.ID)); got != 2 {
			t.Fatalf("a second event added alerts: %d", got)
		}

		// A regression within the action interval is not notified; after it, it is.
		if _, err := s.UpdateStatus(ctx, is.ID, StatusUpdate{Status: StatusResolved}); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Minute)
		write(t, s, with(ev(2, "a"), func(e *Event) { e.Received = clock.now() }))
		want := "[new_issue>slack new_issue>pd resolve>pd]"
		if got := fmt.Sprint(reasons(t, s, is.ID)); got != want {
			t.Fatalf("regression within the interval: %s, want %s", got, want)
		}
		if _, err := s.UpdateStatus(ctx, is.ID, StatusUpdate{Status: StatusResolved}); err != nil {
			t.Fatal(err)
		}
		clock.advance(alertrule.DefaultActionInterval)
		write(t, s, with(ev(3, "a"), func(e *Event) { e.Received = clock.now() }))
		want = "[new_issue>slack new_issue>pd resolve>pd resolve>pd regression>slack regression>pd]"
		if got := fmt.Sprint(reasons(t, s, is.ID)); got != want {
			t.Fatalf("regression after the interval: %s, want %s", got, want)
		}
	})
}

func TestFiltersDecideOnTheTriggeringEvent(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		r := rule("config:prod", []string{"hook"}, alertrule.Trigger{Kind: alertrule.NewIssue})
		r.Filters = alertrule.Filters{Environment: "production", Source: alertrule.SourceSentry, Tags: map[string]string{"team": "web"}}
		setRules(t, s, nil, r)
		write(t, s, with(ev(0, "staging"), func(e *Event) { e.Environment = "staging"; e.Source = alertrule.SourceSentry }))
		write(t, s, with(ev(0, "prod"), func(e *Event) {
			e.Environment = "production"
			e.Source = alertrule.SourceSentry
			e.Tags = []Tag{{"team", "web"}}
		}))
		for _, is := range mustList(t, s, IssueQuery{}) {
			want := 0
			if is.Title == "TypeError: boom prod" {
				want = 1
			}
			if got := len(reasons(t, s, is.ID)); got != want {
				t.Errorf("%s: %d alerts, want %d", is.Title, got, want)
			}
		}
	})
}

func TestAFrequencyTriggerFiresWhenTheWindowCountPassesTheThreshold(t *testing.T) {
	clock := newMovableClock()
	eachBackendOn(t, clock.now, func(t *testing.T, s Store) {
		setRules(t, s, nil, rule("config:burst", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Frequency, Threshold: 5, Window: time.Minute}))
		at := clock.now().Truncate(time.Minute)
		burst := func(n int) {
			for range n {
				write(t, s, with(ev(0, "a"), func(e *Event) { e.Received = at }))
			}
		}
		burst(5)
		is := onlyIssue(t, s)
		if got := len(reasons(t, s, is.ID)); got != 0 {
			t.Fatalf("5 events (threshold 5) fired %d alerts", got)
		}
		burst(1)
		burst(20)
		if got := fmt.Sprint(reasons(t, s, is.ID)); got != "[frequency>hook]" {
			t.Fatalf("after crossing: %s", got)
		}
		// Ten minutes later the window is empty again: a few events fire nothing, even once the
		// action interval has passed.
		clock.advance(alertrule.DefaultActionInterval)
		at = at.Add(alertrule.DefaultActionInterval)
		burst(3)
		if got := len(reasons(t, s, is.ID)); got != 1 {
			t.Fatalf("a quiet window fired: %d alerts", got)
		}
		burst(3)
		if got := len(reasons(t, s, is.ID)); got != 2 {
			t.Fatalf("a second burst after the interval: %d alerts, want 2", got)
		}
	})
}

// A late event (received in an earlier minute, written after later ones) marks its minute after
// the later minutes were marked: the window still counts every event once.
func TestALateEventsMinuteCountsEveryEventOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		setRules(t, s, nil, rule("config:burst", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Frequency, Threshold: 3, Window: 5 * time.Minute}))
		at := testNow.Truncate(time.Minute)
		event := func(ago time.Duration) Event {
			return with(ev(0, "a"), func(e *Event) { e.Received = at.Add(-ago) })
		}
		write(t, s, event(0), event(0))
		write(t, s, event(3*time.Minute))
		is := onlyIssue(t, s)
		if got := len(reasons(t, s, is.ID)); got != 0 {
			t.Fatalf("3 events (threshold 3) fired %d alerts", got)
		}
		write(t, s, event(0))
		if got := len(reasons(t, s, is.ID)); got != 1 {
			t.Fatalf("4 events within 5 minutes: %d alerts, want 1", got)
		}
	})
}

func TestAUsersTriggerCountsDistinctUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		setRules(t, s, nil, rule("config:users", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Users, Threshold: 2, Window: time.Hour}))
		user := func(id string) Event { return with(ev(0, "a"), func(e *Event) { e.UserID = id }) }
		write(t, s, user("u1"), user("u1"), user("u2"))
		write(t, s, user("u2"), user("u1"))
		is := onlyIssue(t, s)
		if got := len(reasons(t, s, is.ID)); got != 0 {
			t.Fatalf("2 users (threshold 2) fired %d alerts", got)
		}
		write(t, s, user("u3"))
		if got := len(reasons(t, s, is.ID)); got != 1 {
			t.Fatalf("3 users: %d alerts, want 1", got)
		}
	})
}

// Users are recorded only once an issue has had more users than the least users threshold;
// the records are then filled in from the stored events, so the window holds exactly the users
// received within it, also those from before the issue crossed the threshold.
func TestAUsersTriggerCountsTheWindowsUsersFromBeforeItsThreshold(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		setRules(t, s, nil, rule("config:users", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Users, Threshold: 2, Window: time.Hour}))
		user := func(id string, ago time.Duration) Event {
			return with(ev(0, "a"), func(e *Event) { e.UserID = id; e.Received = testNow.Add(-ago); e.Timestamp = e.Received })
		}
		write(t, s, user("u1", 2*time.Hour), user("u1", 2*time.Hour))
		write(t, s, user("u2", 30*time.Minute), user("u2", 29*time.Minute))
		is := onlyIssue(t, s)
		if n := rowsOf(t, s, "alert_users", is.ID); n != 0 {
			t.Fatalf("%d users recorded below the threshold", n)
		}
		write(t, s, user("u3", 0)) // 3 users of all time, 2 of them within the hour
		is = onlyIssue(t, s)
		if got := len(reasons(t, s, is.ID)); got != 0 || is.UserCount != 3 {
			t.Fatalf("2 users within the hour (3 in all) fired %d alerts", got)
		}
		if n := rowsOf(t, s, "alert_users", is.ID); n != 2 {
			t.Fatalf("%d users recorded, want the 2 within the hour", n)
		}
		write(t, s, user("u1", 0))
		if got := len(reasons(t, s, is.ID)); got != 1 {
			t.Fatalf("3 users within the hour: %d alerts, want 1", got)
		}
	})
}

func TestAClaimedAlertIsDeliveredByItsLeaseHolderOnly(t *testing.T) {
	clock := newMovableClock()
	eachBackendOn(t, clock.now, func(t *testing.T, s Store) {
		ctx := context.Background()
		setRules(t, s, nil, rule("config:new", []string{"hook", "slack"}, alertrule.Trigger{Kind: alertrule.NewIssue}))
		write(t, s, ev(0, "a"))
		got, err := s.ClaimAlerts(ctx, "hook", "w1", time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].Target != "hook" || got[0].Attempts != 1 || got[0].Reason != alertrule.NewIssue {
			t.Fatalf("claim: %+v, %v", got, err)
		}
		if again, _ := s.ClaimAlerts(ctx, "hook", "w2", time.Minute, 10); len(again) != 0 {
			t.Fatalf("a leased alert was claimed again: %+v", again)
		}
		// The attempt fails: due again later, and then claimable after its lease.
		if err := s.AlertAttemptFailed(ctx, got[0].ID, "w1", "HTTP 500", clock.now().Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if early, _ := s.ClaimAlerts(ctx, "hook", "w2", time.Minute, 10); len(early) != 0 {
			t.Fatal("claimed before its retry time")
		}
		clock.advance(10 * time.Second)
		retry, err := s.ClaimAlerts(ctx, "hook", "w2", time.Minute, 10)
		if err != nil || len(retry) != 1 || retry[0].Attempts != 2 || retry[0].LastError != "HTTP 500" {
			t.Fatalf("retry: %+v, %v", retry, err)
		}
		if err := s.AlertDelivered(ctx, retry[0].ID, "w1"); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("the former lease holder recorded delivery: %v", err)
		}
		if err := s.AlertDelivered(ctx, retry[0].ID, "w2"); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Hour)
		if left, _ := s.ClaimAlerts(ctx, "hook", "w3", time.Minute, 10); len(left) != 0 {
			t.Fatalf("a delivered alert was claimed: %+v", left)
		}
		// A crashed worker's lease runs out and another takes the alert over.
		slack, _ := s.ClaimAlerts(ctx, "slack", "crashed", time.Minute, 10)
		clock.advance(time.Minute)
		taken, _ := s.ClaimAlerts(ctx, "slack", "w4", time.Minute, 10)
		if len(slack) != 1 || len(taken) != 1 || taken[0].ID != slack[0].ID {
			t.Fatalf("lease takeover: %+v then %+v", slack, taken)
		}
		if err := s.AlertAttemptFailed(ctx, taken[0].ID, "w4", "gave up", time.Time{}); err != nil {
			t.Fatal(err)
		}
		list, _ := s.IssueAlerts(ctx, taken[0].IssueID, 10)
		states := map[string]string{}
		for _, a := range list {
			states[a.Target] = a.State + " " + a.LastError
		}
		if states["hook"] != "delivered " || states["slack"] != "failed gave up" {
			t.Fatalf("states: %v", states)
		}
	})
}

func TestAlertRulesMadeThroughTheAPIAreKept(t *testing.T) {
	eachBackend(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		r, err := s.PutAlertRule(ctx, StoredRule{ProjectID: 1, Spec: `{"name":"a"}`})
		if err != nil || r.ID == 0 {
			t.Fatalf("create: %+v, %v", r, err)
		}
		if _, err := s.PutAlertRule(ctx, StoredRule{ID: r.ID, ProjectID: 1, Spec: `{"name":"b"}`}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutAlertRule(ctx, StoredRule{ID: r.ID + 100, ProjectID: 1, Spec: `{}`}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update of a missing rule: %v", err)
		}
		list, err := s.AlertRules(ctx)
		if err != nil || len(list) != 1 || list[0].Spec != `{"name":"b"}` {
			t.Fatalf("list: %+v, %v", list, err)
		}
		if err := s.DeleteAlertRule(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAlertRule(ctx, r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

// Two collectors on one database server each take half of a burst; the frequency rule fires
// once, when the total passes the threshold.
func TestCollectorsSharingOneServerCountTogether(t *testing.T) {
	for _, b := range serverBackends() {
		t.Run(b.name, func(t *testing.T) { sharingCountTogether(t, b) })
	}
}

func sharingCountTogether(t *testing.T, b serverBackend) {
	open := b.database(t, testClock)
	var stores []Store
	for range 2 {
		s := open(t, 10)
		setRules(t, s, nil, rule("config:burst", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Frequency, Threshold: 100, Window: 5 * time.Minute}))
		stores = append(stores, s)
	}
	at := testNow.Truncate(5 * time.Minute)
	batches := make([][]Event, 40) // 120 events, half through each collector
	for b := range batches {
		for range 3 {
			batches[b] = append(batches[b], with(ev(0, "a"), func(e *Event) { e.Received = at }))
		}
	}
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for b := i; b < len(batches); b += 2 {
				if err := s.Write(context.Background(), batches[b]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	is := onlyIssue(t, stores[0])
	if got := reasons(t, stores[0], is.ID); is.TimesSeen != 120 || len(got) != 1 {
		t.Fatalf("%d events fired %v, want one alert", is.TimesSeen, got)
	}
}

// Two collectors on one PostgreSQL each take half of the users; the users rule fires once, when
// the users of both pass the threshold.
func TestCollectorsSharingPostgresCountUsersTogether(t *testing.T) {
	if pgDatabase == "" {
		t.Skip("PostgreSQL off")
	}
	dsn := postgresDSN(t)
	var stores []Store
	for range 2 {
		s, err := OpenPostgres(context.Background(), dsn, PostgresOptions{Clock: testClock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		setRules(t, s, nil, rule("config:users", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Users, Threshold: 30, Window: 15 * time.Minute}))
		stores = append(stores, s)
	}
	at := testNow.Truncate(time.Minute)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for u := i; u < 40; u += 2 { // collector 0 sees u0, u2 …, collector 1 u1, u3 …
				e := with(ev(0, "a"), func(e *Event) { e.Received, e.Timestamp = at, at; e.UserID = fmt.Sprintf("u%d", u) })
				if err := s.Write(context.Background(), []Event{e, e}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	is := onlyIssue(t, stores[0])
	if got := reasons(t, stores[0], is.ID); is.UserCount != 40 || len(got) != 1 {
		t.Fatalf("%d users fired %v, want one alert", is.UserCount, got)
	}
}

func TestTheSweepDeletesAlertCountsNoWindowReaches(t *testing.T) {
	clock := newMovableClock()
	eachBackendOn(t, clock.now, func(t *testing.T, s Store) {
		// Threshold 0: users are recorded from the issue's first user on.
		setRules(t, s, nil, rule("config:users", []string{"hook"}, alertrule.Trigger{Kind: alertrule.Users, Threshold: 0, Window: time.Hour}))
		at := clock.now()
		write(t, s, with(ev(0, "a"), func(e *Event) { e.Received, e.Timestamp = at, at; e.UserID = "u1" }))
		swept, err := s.Sweep(context.Background(), Policy{})
		if err != nil || swept.AlertCounts != 0 {
			t.Fatalf("fresh counts swept: %+v, %v", swept, err)
		}
		clock.advance(25 * time.Hour)
		swept, err = s.Sweep(context.Background(), Policy{})
		if err != nil || swept.AlertCounts != 2 { // the minute's count and the user
			t.Fatalf("a day later: %+v, %v", swept, err)
		}
	})
}
