package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
)

// Alerts is the store's transactional outbox of alert notifications.
//
// The write path decides which rules fire inside the transaction that stores the events that
// made them fire, and writes one outbox row per alert and target in that same transaction: an
// alert whose cause was committed cannot be lost, and none exists for an event that was not.
// Workers (any number, in any number of collectors) claim due rows with a lease, deliver them
// outside any transaction and record the outcome; a row is delivered by whoever holds its lease.
type Alerts interface {
	// SetAlerting replaces the rules the write path evaluates (none until it is called).
	SetAlerting(a Alerting)
	// AlertSignal receives a value after a write committed new alerts, so that a local worker
	// need not wait for its next poll.
	AlertSignal() <-chan struct{}
	// ClaimAlerts leases up to limit pending alerts of a target that are due, oldest first, to
	// owner until lease has passed; each claim counts as an attempt.
	ClaimAlerts(ctx context.Context, target, owner string, lease time.Duration, limit int) ([]Alert, error)
	// AlertDelivered records that owner delivered an alert it holds the lease of.
	AlertDelivered(ctx context.Context, id int64, owner string) error
	// AlertAttemptFailed records a failed delivery: the alert is due again at retryAt, or, when
	// retryAt is zero, it has failed for good. msg must not contain secrets.
	AlertAttemptFailed(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error
	// IssueAlerts lists the alerts of an issue, newest first.
	IssueAlerts(ctx context.Context, issueID int64, limit int) ([]Alert, error)

	// AlertRules lists the rules made through the API.
	AlertRules(ctx context.Context) ([]StoredRule, error)
	// PutAlertRule creates a rule (ID 0) or replaces one; it returns the rule as stored.
	PutAlertRule(ctx context.Context, r StoredRule) (StoredRule, error)
	// DeleteAlertRule deletes a rule made through the API.
	DeleteAlertRule(ctx context.Context, id int64) error
}

// ErrLeaseLost is returned when an alert's outcome is recorded by a worker that no longer holds
// its lease (it expired and another worker claimed the alert).
var ErrLeaseLost = errors.New("alert lease lost")

// Alerting is what the write path evaluates.
type Alerting struct {
	Rules *alertrule.Set
	// ResolveTargets are the targets told when an issue they were alerted about is resolved
	// (PagerDuty closes its incident).
	ResolveTargets []string
}

// Alert states.
const (
	AlertPending   = "pending"
	AlertDelivered = "delivered"
	AlertFailed    = "failed"
)

// ReasonResolve is the reason of an alert that tells a target an issue was resolved; other
// alerts carry the trigger kind that fired them (alertrule.NewIssue …).
const ReasonResolve = "resolve"

// Alert is one notification of one target, as the outbox keeps it.
type Alert struct {
	ID        int64
	ProjectID int64
	IssueID   int64
	RuleKey   string
	RuleName  string
	Reason    string
	// EventID, Release and Environment are of the event that fired the alert.
	EventID     string
	Release     string
	Environment string
	Target      string
	Created     time.Time
	State       string
	Attempts    int64
	NextAttempt time.Time
	DeliveredAt time.Time
	LastError   string
}

// StoredRule is a rule made through the API; Spec is its JSON, which the store does not read.
type StoredRule struct {
	ID        int64
	ProjectID int64
	Spec      string
	Updated   time.Time
}

// alerting is the compiled form of Alerting the write path reads.
type alerting struct {
	rules   *alertrule.Set
	resolve map[string]bool
}

// notifyKey is one rule notifying one issue.
type notifyKey struct {
	rule  string
	issue int64
}

// alertState is the store's share of alerting: the rules, a signal for the local worker and
// the times until which a rule is known not to notify an issue again. That cache only saves
// the write path the query that would say so; it is filled after commit and only ever errs on
// the side of asking.
type alertState struct {
	cur    atomic.Pointer[alerting]
	signal chan struct{}

	mu       sync.Mutex
	notified map[notifyKey]int64 // until, Unix µs
	marks    map[int64]*windowMarks
	users    map[int64]usersCount
	seen     map[userKey]int64 // minute a user was last recorded for an issue
	// recording holds the issues whose user records this process knows to be complete: it
	// filled them in from the stored events, or recorded every user since.
	recording map[int64]bool
}

// maxCached bounds each cache: past it, the cache starts over.
const maxCached = 100_000

func newAlertState() *alertState {
	a := &alertState{signal: make(chan struct{}, 1)}
	a.reset()
	return a
}

func (a *alertState) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.notified = map[notifyKey]int64{}
	a.marks = map[int64]*windowMarks{}
	a.users = map[int64]usersCount{}
	a.seen = map[userKey]int64{}
	a.recording = map[int64]bool{}
}

func (a *alertState) isRecording(issue int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.recording[issue]
}

func (a *alertState) setRecording(issue int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.recording) >= maxCached {
		a.recording = map[int64]bool{}
	}
	a.recording[issue] = true
}

func (a *alertState) windowMarks(issue, minute int64) *windowMarks {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m := a.marks[issue]; m != nil && m.minute == minute {
		return m
	}
	return nil
}

func (a *alertState) setWindowMarks(issue int64, m *windowMarks) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.marks) >= maxCached {
		a.marks = map[int64]*windowMarks{}
	}
	a.marks[issue] = m
}

func (a *alertState) usersCount(k int64) (usersCount, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.users[k]
	return c, ok
}

func (a *alertState) setUsersCount(k int64, c usersCount) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.users) >= maxCached {
		a.users = map[int64]usersCount{}
	}
	a.users[k] = c
}

func (a *alertState) userSeen(k userKey) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[k]
}

func (a *alertState) setUserSeen(k userKey, minute int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) >= maxCached {
		a.seen = map[userKey]int64{}
	}
	a.seen[k] = max(a.seen[k], minute)
}

func (s *sqlStore) SetAlerting(a Alerting) {
	al := &alerting{rules: a.Rules, resolve: map[string]bool{}}
	for _, t := range a.ResolveTargets {
		al.resolve[t] = true
	}
	s.alerts.reset() // intervals may have changed
	s.alerts.cur.Store(al)
}

func (s *sqlStore) AlertSignal() <-chan struct{} { return s.alerts.signal }

func (s *sqlStore) alertRules() *alertrule.Set {
	if a := s.alerts.cur.Load(); a != nil {
		return a.rules
	}
	return nil
}

func (a *alertState) quietUntil(k notifyKey) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.notified[k]
}

func (a *alertState) setQuietUntil(k notifyKey, until int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.notified) >= maxCached {
		a.notified = map[notifyKey]int64{}
	}
	if until > a.notified[k] {
		a.notified[k] = until
	}
}

// firing is a rule that fires for an issue because of one of the batch's events.
type firing struct {
	alertrule.Firing
	issue *Issue
	ev    *prepared
}

// stateTrigger names the state change an event caused, "" for none.
func stateTrigger(fresh bool, before, after string) string {
	switch {
	case fresh:
		return alertrule.NewIssue
	case before == StatusResolved && after == StatusUnresolved:
		return alertrule.Regression
	case before == StatusIgnored && after == StatusUnresolved:
		return alertrule.Escalation
	}
	return ""
}

// alertEvent is what rule filters read of an event.
func alertEvent(e *prepared) *alertrule.Event {
	tags := make([]alertrule.Tag, len(e.tags))
	for i, t := range e.tags {
		tags[i] = alertrule.Tag{Key: t.Key, Value: t.Value}
	}
	return &alertrule.Event{Level: e.Level, Environment: e.Environment, Release: e.Release,
		Platform: e.Platform, Source: e.Source, Tags: tags}
}

const minuteMicros = int64(time.Minute / time.Microsecond)

// windowCounts answers the frequency and users triggers of one issue, for windows ending at
// its latest event.
//
// Events are counted from the issue's times_seen, which is exact across collectors sharing a
// database (it is updated under the issue's row lock), and a mark per issue and minute
// (alert_counts): times_seen before the issue's first event received in that minute, written by
// whichever write comes first and never changed. The events of minutes x to now are times_seen
// less the mark of x (the least mark of x and later minutes, so that a late write's mark for
// an earlier minute changes nothing). A process writes and reads the marks once per issue and
// minute and keeps them; the batches in between add no statement. A window of k minutes is the
// current minute, the k-1 before it and the share of the k-th that the window still covers.
//
// Distinct users are kept as the minute each user last hit the issue (alert_users), written at
// most once per issue, user and minute, but only for an issue that has had more distinct users
// (Issue.UserCount, exact across collectors) than the project's least users threshold: below
// it no users trigger can fire, whatever the window. The first time a process records users for
// an issue it fills the records in from the stored events of the longest users window, so an
// issue crossing the floor, a restart or a new rule starts from complete records. A count is
// only made when the window has more events and the issue more users of all time than the
// threshold, and when the last count plus the events since cannot settle the answer.
type windowCounts struct {
	t       *tx
	issue   *Issue
	now     int64 // received time of the issue's latest event, Unix µs
	minute  int64 // now's minute
	marks   *windowMarks
	users   *usersCount
	project *alertrule.Project
}

// windowMarks are an issue's marks for the windows ending in minute, per window length k in
// minutes: full[k] the mark of minute-k+1, earliest[k] that of minute-k.
type windowMarks struct {
	minute         int64
	full, earliest map[int64]int64
}

// usersCount is an exact count of an issue's distinct users per users window, made when the
// issue had timesSeen events: a later window has at most that many users plus the events since.
type usersCount struct {
	timesSeen int64
	counts    map[time.Duration]int64
}

// userSlack is how far before the window's start an event's own timestamp may lie and still be
// found when user records are filled in from the stored events (which are indexed by issue and
// timestamp, not by received time).
const userSlack = time.Hour

// countWindows marks the minutes of an issue's new events (sorted by received time) and records
// their users where needed, and returns what its project's window triggers read.
func (t *tx) countWindows(is *Issue, list []*prepared, p *alertrule.Project) (*windowCounts, error) {
	c := &windowCounts{t: t, issue: is, now: list[len(list)-1].recv, project: p}
	c.minute = c.now / minuteMicros
	if c.marks = t.s.alerts.windowMarks(is.ID, c.minute); c.marks == nil {
		var err error
		if c.marks, err = t.markWindows(is, list, c.minute); err != nil {
			return nil, err
		}
	}
	if ws := p.UserWindows(); len(ws) > 0 && is.UserCount > p.UserFloor() {
		if t.s.alerts.isRecording(is.ID) {
			return c, t.touchUsers(is.ID, list)
		}
		if err := t.fillUsers(is.ID, c.minute-int64(ws[len(ws)-1]/time.Minute)+1); err != nil {
			return nil, err
		}
		t.afterCommit(func() { t.s.alerts.setRecording(is.ID) })
	}
	return c, nil
}

// markWindows writes the marks of the minutes of the batch's events (sorted by received time)
// that have none yet and reads those the windows ending in minute need.
func (t *tx) markWindows(is *Issue, list []*prepared, minute int64) (*windowMarks, error) {
	before := is.TimesSeen - int64(len(list)) // times_seen before the batch
	for i, e := range list {
		if i > 0 && e.recv/minuteMicros == list[i-1].recv/minuteMicros {
			continue
		}
		if _, err := t.exec(`INSERT INTO alert_counts (issue_id, minute, count) VALUES (?, ?, ?) ON CONFLICT (issue_id, minute) DO NOTHING`,
			is.ID, e.recv/minuteMicros, before+int64(i)); err != nil {
			return nil, err
		}
	}
	longest := int64(alertrule.Windows[len(alertrule.Windows)-1] / time.Minute)
	rows, err := t.queryStmt(`SELECT minute, count FROM alert_counts WHERE issue_id = ? AND minute >= ? AND minute <= ? ORDER BY minute DESC`,
		is.ID, minute-longest, minute)
	if err != nil {
		return nil, err
	}
	type mark struct{ minute, least int64 } // least: the least mark of this minute and later ones
	var desc []mark
	for rows.Next() {
		var m mark
		if err := rows.Scan(&m.minute, &m.least); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read alert marks of issue %d: %w", is.ID, err)
		}
		if len(desc) > 0 {
			m.least = min(m.least, desc[len(desc)-1].least)
		}
		desc = append(desc, m)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read alert marks of issue %d: %w", is.ID, err)
	}
	// markOf is the mark of minute x: the least of x and later minutes. The batch wrote one for
	// its latest minute, so every x up to it has one (before is only a fallback).
	markOf := func(x int64) int64 {
		out := before
		for _, m := range desc {
			if m.minute < x {
				break
			}
			out = m.least
		}
		return out
	}
	w := &windowMarks{minute: minute, full: map[int64]int64{}, earliest: map[int64]int64{}}
	for _, win := range alertrule.Windows {
		k := int64(win / time.Minute)
		w.full[k], w.earliest[k] = markOf(minute-k+1), markOf(minute-k)
	}
	t.afterCommit(func() { t.s.alerts.setWindowMarks(is.ID, w) })
	return w, nil
}

// fillUsers writes the user records of an issue from its stored events received from minute on
// (this batch's included): each user's last minute.
func (t *tx) fillUsers(issueID, minute int64) error {
	from := minute * minuteMicros
	rows, err := t.queryStmt(`SELECT user_key, MAX(received) FROM events WHERE issue_id = ? AND timestamp >= ? AND received >= ? AND user_key <> ''
GROUP BY user_key`, issueID, from-userSlack.Microseconds(), from)
	if err != nil {
		return err
	}
	var records [][]any
	for rows.Next() {
		var key string
		var received int64
		if err := rows.Scan(&key, &received); err != nil {
			rows.Close()
			return fmt.Errorf("read users of issue %d: %w", issueID, err)
		}
		records = append(records, []any{issueID, key, received / minuteMicros})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read users of issue %d: %w", issueID, err)
	}
	_, err = t.insertRows(`INSERT INTO alert_users (issue_id, user_key, seen) VALUES `, 3,
		` ON CONFLICT (issue_id, user_key) DO UPDATE SET seen = excluded.seen WHERE alert_users.seen < excluded.seen`, "", records)
	return err
}

// touchUsers records the minute each user of the batch last hit the issue, skipping the users
// already recorded for that minute.
func (t *tx) touchUsers(issueID int64, list []*prepared) error {
	var written map[userKey]int64 // minute recorded by this batch
	for _, e := range list {
		if e.userKey == "" {
			continue
		}
		k, minute := userKey{issueID, e.userKey}, e.recv/minuteMicros
		if written[k] >= minute || t.s.alerts.userSeen(k) >= minute {
			continue
		}
		if _, err := t.exec(`INSERT INTO alert_users (issue_id, user_key, seen) VALUES (?, ?, ?)
ON CONFLICT (issue_id, user_key) DO UPDATE SET seen = excluded.seen WHERE alert_users.seen < excluded.seen`, issueID, e.userKey, minute); err != nil {
			return err
		}
		if written == nil {
			written = map[userKey]int64{}
		}
		written[k] = minute
	}
	if len(written) > 0 {
		t.afterCommit(func() {
			for k, minute := range written {
				t.s.alerts.setUserSeen(k, minute)
			}
		})
	}
	return nil
}

// exceeds reports whether the window has more than threshold events (users false) or distinct
// users.
func (c *windowCounts) exceeds(window time.Duration, users bool, threshold int64) bool {
	if !users {
		return c.events(window) > float64(threshold)
	}
	if c.issue.UserCount <= threshold { // never had more users at all
		return false
	}
	if c.users == nil {
		if last, ok := c.t.s.alerts.usersCount(c.issue.ID); ok && last.counts[window]+c.issue.TimesSeen-last.timesSeen <= threshold {
			return false
		}
		c.users = c.countUsers()
	}
	return c.users.counts[window] > threshold
}

// events is the count of events within window: those since its first full minute's mark and
// the share of the minute before that the window still covers.
func (c *windowCounts) events(window time.Duration) float64 {
	k := int64(window / time.Minute)
	full, earliest := c.marks.full[k], c.marks.earliest[k]
	covered := 1 - float64(c.now-c.minute*minuteMicros)/float64(minuteMicros)
	return float64(c.issue.TimesSeen-full) + float64(full-earliest)*covered
}

// countUsers counts the distinct users within every users window of the project in one query:
// each user's row holds the last minute it hit the issue, so the users of a window are the rows
// of its minutes. A failed count counts none; the write goes on.
func (c *windowCounts) countUsers() *usersCount {
	windows := c.project.UserWindows()
	out := &usersCount{timesSeen: c.issue.TimesSeen, counts: make(map[time.Duration]int64, len(windows))}
	longest := int64(windows[len(windows)-1] / time.Minute)
	rows, err := c.t.queryStmt(`SELECT seen, COUNT(*) FROM alert_users WHERE issue_id = ? AND seen > ? GROUP BY seen`, c.issue.ID, c.minute-longest)
	if err != nil {
		return out
	}
	for rows.Next() {
		var seen, n int64
		if rows.Scan(&seen, &n) != nil {
			continue
		}
		for _, w := range windows {
			if seen > c.minute-int64(w/time.Minute) {
				out.counts[w] += n
			}
		}
	}
	rows.Close()
	id := c.issue.ID
	c.t.afterCommit(func() { c.t.s.alerts.setUsersCount(id, *out) })
	return out
}

// notify records the alerts of the firings that their rule's action interval allows: the rule's
// last notification of the issue moves to now, and one outbox row per target is written.
func (t *tx) notify(firings []firing) error {
	now := t.s.now().UnixMicro()
	for _, f := range firings {
		k := notifyKey{f.Rule.Key, f.issue.ID}
		if now < t.s.alerts.quietUntil(k) {
			continue
		}
		interval := f.Rule.Interval().Microseconds()
		n, err := t.exec(`INSERT INTO alert_last_fired (rule_key, issue_id, fired_at) VALUES (?, ?, ?)
ON CONFLICT (rule_key, issue_id) DO UPDATE SET fired_at = excluded.fired_at WHERE alert_last_fired.fired_at <= ?`,
			k.rule, k.issue, now, now-interval)
		if err != nil {
			return err
		}
		if n == 0 {
			row, err := t.queryRow(`SELECT fired_at FROM alert_last_fired WHERE rule_key = ? AND issue_id = ?`, k.rule, k.issue)
			if err != nil {
				return err
			}
			var fired int64
			if err := row.Scan(&fired); err != nil {
				return fmt.Errorf("read last notification of rule %q: %w", k.rule, err)
			}
			t.afterCommit(func() { t.s.alerts.setQuietUntil(k, fired+interval) })
			continue
		}
		t.afterCommit(func() { t.s.alerts.setQuietUntil(k, now+interval) })
		for _, target := range f.Rule.Targets {
			if err := t.enqueueAlert(f.issue, f.Rule.Key, f.Rule.Name, f.Trigger, f.ev.EventID, f.ev.Release, f.ev.Environment, target, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tx) enqueueAlert(is *Issue, ruleKey, ruleName, reason, eventID, release, env, target string, now int64) error {
	if _, err := t.exec(`INSERT INTO alerts (project_id, issue_id, rule_key, rule_name, reason, event_id, release, environment, target, created,
	state, attempts, next_attempt, lease_owner, lease_until, delivered_at, last_error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', 0, 0, '')`,
		is.ProjectID, is.ID, ruleKey, ruleName, reason, eventID, release, env, target, now, now); err != nil {
		return err
	}
	t.afterCommit(t.s.signalAlerts)
	return nil
}

func (s *sqlStore) signalAlerts() {
	select {
	case s.alerts.signal <- struct{}{}:
	default:
	}
}

// enqueueResolves tells every resolve target that alerted about an issue that it was resolved.
func (t *tx) enqueueResolves(is *Issue) error {
	a := t.s.alerts.cur.Load()
	if a == nil || len(a.resolve) == 0 {
		return nil
	}
	rows, err := t.query(`SELECT DISTINCT target FROM alerts WHERE issue_id = ? AND reason <> ?`, is.ID, ReasonResolve)
	if err != nil {
		return err
	}
	var targets []string
	for rows.Next() {
		var target string
		if err := rows.Scan(&target); err != nil {
			rows.Close()
			return fmt.Errorf("read alert targets of issue %d: %w", is.ID, err)
		}
		if a.resolve[target] {
			targets = append(targets, target)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read alert targets of issue %d: %w", is.ID, err)
	}
	now := t.s.now().UnixMicro()
	for _, target := range targets {
		if err := t.enqueueAlert(is, "", "", ReasonResolve, "", is.LastRelease, "", target, now); err != nil {
			return err
		}
	}
	return nil
}

const alertColumns = `id, project_id, issue_id, rule_key, rule_name, reason, event_id, release, environment, target, created,
	state, attempts, next_attempt, delivered_at, last_error`

func scanAlert(r scanner) (Alert, error) {
	var a Alert
	var created, next, delivered int64
	err := r.Scan(&a.ID, &a.ProjectID, &a.IssueID, &a.RuleKey, &a.RuleName, &a.Reason, &a.EventID, &a.Release, &a.Environment,
		&a.Target, &created, &a.State, &a.Attempts, &next, &delivered, &a.LastError)
	a.Created, a.NextAttempt, a.DeliveredAt = fromMicros(created), fromMicros(next), fromMicros(delivered)
	return a, err
}

func (s *sqlStore) ClaimAlerts(ctx context.Context, target, owner string, lease time.Duration, limit int) ([]Alert, error) {
	now := s.now().UnixMicro()
	skipLocked := ""
	if s.d.postgres {
		skipLocked = " FOR UPDATE SKIP LOCKED" // several collectors claim at once without waiting on each other
	}
	var out []Alert
	err := s.inTx(ctx, func(t *tx) error {
		if s.d.mysql {
			var err error
			out, err = t.claimAlertsMySQL(target, owner, now, now+lease.Microseconds(), limit)
			return err
		}
		rows, err := t.queryStmt(`UPDATE alerts SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id IN (
	SELECT id FROM alerts WHERE target = ? AND state = 'pending' AND next_attempt <= ? AND lease_until <= ? ORDER BY id LIMIT ?`+skipLocked+`)
RETURNING `+alertColumns, owner, now+lease.Microseconds(), target, now, now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return fmt.Errorf("claim alerts: %w", err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b Alert) int { return cmpInt(a.ID, b.ID) })
	return out, err
}

// claimAlertsMySQL is ClaimAlerts without UPDATE … RETURNING: the due rows are locked (skipping
// those another collector is claiming), leased, then read.
func (t *tx) claimAlertsMySQL(target, owner string, now, until int64, limit int) ([]Alert, error) {
	rows, err := t.query(`SELECT id FROM alerts WHERE target = ? AND state = 'pending' AND next_attempt <= ? AND lease_until <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
		target, now, now, limit)
	if err != nil {
		return nil, err
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim alerts: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil || len(ids) == 0 {
		return nil, err
	}
	in := `(` + placeholders(len(ids)) + `)`
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE alerts SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id IN `+in,
		append([]any{owner, until}, ids...)...); err != nil {
		return nil, fmt.Errorf("claim alerts: %w", err)
	}
	if rows, err = t.query(`SELECT `+alertColumns+` FROM alerts WHERE id IN `+in, ids...); err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("claim alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *sqlStore) AlertDelivered(ctx context.Context, id int64, owner string) error {
	return s.finishAlert(ctx, `UPDATE alerts SET state = 'delivered', delivered_at = ?, lease_until = 0, last_error = ''
WHERE id = ? AND lease_owner = ? AND state = 'pending'`, s.now().UnixMicro(), id, owner)
}

func (s *sqlStore) AlertAttemptFailed(ctx context.Context, id int64, owner, msg string, retryAt time.Time) error {
	if retryAt.IsZero() {
		return s.finishAlert(ctx, `UPDATE alerts SET state = 'failed', lease_until = 0, last_error = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
			msg, id, owner)
	}
	return s.finishAlert(ctx, `UPDATE alerts SET next_attempt = ?, lease_until = 0, last_error = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
		retryAt.UnixMicro(), msg, id, owner)
}

func (s *sqlStore) finishAlert(ctx context.Context, q string, args ...any) error {
	return s.inTx(ctx, func(t *tx) error {
		n, err := t.exec(q, args...)
		if err == nil && n == 0 {
			err = ErrLeaseLost
		}
		return err
	})
}

func (s *sqlStore) IssueAlerts(ctx context.Context, issueID int64, limit int) ([]Alert, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT `+alertColumns+` FROM alerts WHERE issue_id = ? ORDER BY id DESC LIMIT ?`), issueID, limit)
	if err != nil {
		return nil, fmt.Errorf("alerts of issue %d: %w", issueID, err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("alerts of issue %d: %w", issueID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// sweepAlertCounts deletes the minute counts and user records no window reaches any more: older
// than the longest window and the minute before it.
func (s *sqlStore) sweepAlertCounts(ctx context.Context, now time.Time, out *Swept) error {
	oldest := now.UnixMicro()/minuteMicros - int64(alertrule.Windows[len(alertrule.Windows)-1]/time.Minute) - 1
	for _, q := range []string{
		`DELETE FROM alert_counts WHERE issue_id IN (SELECT DISTINCT issue_id FROM alert_counts WHERE minute < ? LIMIT ` + strconv.Itoa(sweepIssues) + `) AND minute < ?`,
		`DELETE FROM alert_users WHERE issue_id IN (SELECT DISTINCT issue_id FROM alert_users WHERE seen < ? LIMIT ` + strconv.Itoa(sweepIssues) + `) AND seen < ?`,
	} {
		for {
			n, err := s.sweepStep(ctx, func(t *tx) (int64, error) { return t.exec(q, oldest, oldest) })
			out.AlertCounts += n
			if err != nil {
				return fmt.Errorf("sweep alert counts: %w", err)
			}
			if n == 0 {
				break
			}
		}
	}
	return nil
}

func (s *sqlStore) AlertRules(ctx context.Context) ([]StoredRule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, project_id, spec, updated FROM alert_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read alert rules: %w", err)
	}
	defer rows.Close()
	var out []StoredRule
	for rows.Next() {
		var r StoredRule
		var updated int64
		if err := rows.Scan(&r.ID, &r.ProjectID, &r.Spec, &updated); err != nil {
			return nil, fmt.Errorf("read alert rules: %w", err)
		}
		r.Updated = fromMicros(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqlStore) PutAlertRule(ctx context.Context, r StoredRule) (StoredRule, error) {
	r.Updated = s.now().UTC().Truncate(time.Microsecond)
	err := s.inTx(ctx, func(t *tx) error {
		if r.ID == 0 {
			var err error
			r.ID, _, err = t.insertID(`INSERT INTO alert_rules (project_id, spec, updated) VALUES (?, ?, ?) RETURNING id`, r.ProjectID, r.Spec, r.Updated.UnixMicro())
			return err
		}
		n, err := t.exec(`UPDATE alert_rules SET project_id = ?, spec = ?, updated = ? WHERE id = ?`, r.ProjectID, r.Spec, r.Updated.UnixMicro(), r.ID)
		if err == nil && n == 0 {
			err = fmt.Errorf("alert rule %d: %w", r.ID, ErrNotFound)
		}
		return err
	})
	return r, err
}

func (s *sqlStore) DeleteAlertRule(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		n, err := t.exec(`DELETE FROM alert_rules WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = fmt.Errorf("alert rule %d: %w", id, ErrNotFound)
		}
		return err
	})
}
