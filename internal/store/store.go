// Package store keeps every Sentry event Faultline accepts and aggregates events into issues:
// counts, distinct users, releases, tags, hourly counts and the resolve/ignore/regress lifecycle.
//
// One interface (Store) has three backends behind it: SQLite (the embedded default: one serialized
// writer goroutine with batched transactions), PostgreSQL and MySQL / MariaDB (any number of
// collectors writing at once; issue creation is race-free on the unique (project, hash) key). All
// share one SQL implementation that differs only by dialect (MySQL's queries are translated from
// the others', see mysqlQuery).
//
// Events come in two ways. Write stores and folds them (events, issues, aggregates, alerts) before
// it returns. Append returns once they are durable and folds them later: on SQLite it commits them
// to an inbox table, and the writer folds what is pending in large batches (see OpenSQLite), so
// the per-transaction cost of the fold is paid once per batch instead of once per caller. On
// PostgreSQL and MySQL Append is Write for now: several collectors share those databases, and an
// inbox there would need a way for one of them to claim what another left behind.
//
// The store knows nothing of pdata, the collector or HTTP: callers hand it Events that are already
// grouped (hashes, title, culprit, metadata) and read Issues back.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when an issue or event does not exist.
var ErrNotFound = errors.New("not found")

// Store is the issue store. All methods are safe for concurrent use.
type Store interface {
	// Write stores events and folds them into issues. It returns only after every event is
	// committed (or with an error, in which case any subset may have been stored: writing the same
	// events again is safe because events are deduplicated by (project, event id)).
	Write(ctx context.Context, events []Event) error
	// Append stores events durably and returns once they are committed; they are folded into
	// events and issues shortly after (on SQLite within OpenSQLite's fold delay), so reads may
	// not see them yet. Events are deduplicated by (project, event id) as with Write, so
	// appending the same events again after an error is safe. On PostgreSQL and MySQL Append is
	// Write.
	Append(ctx context.Context, events []Event) error
	// Fold returns once every event appended before the call is folded (or, on SQLite, kept
	// back as unfoldable: see OpenSQLite), or with ctx's error. An event that fails to fold
	// while nothing else is pending is retried, not kept back (alone it cannot be told from a
	// failing database), so Fold waits for it until ctx ends.
	Fold(ctx context.Context) error

	// ListIssues returns one page of issues matching q.
	ListIssues(ctx context.Context, q IssueQuery) ([]Issue, error)
	// CountIssues returns how many issues match q (its sort and paging aside), counting no
	// further than upTo when it is positive: a bounded count stays cheap on large stores.
	CountIssues(ctx context.Context, q IssueQuery, upTo int64) (int64, error)
	// TagValues returns the distinct values of a tag key over the issues of the given projects
	// (all when none), most recently seen first, at most limit of them.
	TagValues(ctx context.Context, projectIDs []int64, key string, limit int) ([]string, error)
	// Issue returns one issue with its tag summary.
	Issue(ctx context.Context, id int64) (*Issue, error)
	// IssueTags returns the top values per tag key of an issue, at most perKey values per key.
	IssueTags(ctx context.Context, id int64, perKey int) ([]TagSummary, error)
	// IssueHourly returns hourly event counts of the given issues since a time (missing hours are 0).
	IssueHourly(ctx context.Context, ids []int64, since time.Time) (map[int64][]HourCount, error)
	// IssueHashes lists every grouping hash that belongs to an issue.
	IssueHashes(ctx context.Context, id int64) ([]string, error)
	// UpdateStatus changes an issue's status and returns it as stored afterwards.
	UpdateStatus(ctx context.Context, id int64, u StatusUpdate) (*Issue, error)
	// DeleteIssue removes an issue with its events, hashes and aggregates.
	DeleteIssue(ctx context.Context, id int64) error
	// DeleteProject removes every issue, event and release of a project and the artifact
	// bundles no other project shares; it returns what it removed.
	DeleteProject(ctx context.Context, project int64) (Swept, error)
	// Sweep removes what the policy no longer keeps (see sqlStore.Sweep) and returns what it
	// removed, also when it stops early with an error.
	Sweep(ctx context.Context, p Policy) (Swept, error)
	// EnforceBudget is the disk-budget part of Sweep alone: cheap enough to run every second,
	// so that a small budget is kept under a fast ingest.
	EnforceBudget(ctx context.Context, maxSize int64) (Swept, error)

	// IssueEvents returns an issue's events, newest first.
	IssueEvents(ctx context.Context, issueID int64, limit, offset int) ([]StoredEvent, error)
	// LatestEvent returns the newest event of an issue.
	LatestEvent(ctx context.Context, issueID int64) (*StoredEvent, error)
	// AdjacentEvents returns the event ids of the events just older and just newer than e within
	// its issue, "" where there is none.
	AdjacentEvents(ctx context.Context, e *StoredEvent) (older, newer string, err error)
	// EventByID returns an event by its Sentry event id within a project.
	EventByID(ctx context.Context, projectID int64, eventID string) (*StoredEvent, error)

	// Artifacts keeps sentry-cli uploads: chunks and assembled artifact bundles.
	Artifacts

	// WriteOutcomes adds counts of items that did not become data (Sentry's Stats).
	WriteOutcomes(ctx context.Context, outcomes []Outcome) error
	// Outcomes returns the hourly counts of the given projects (all when none) since a time,
	// oldest hour first.
	Outcomes(ctx context.Context, projectIDs []int64, since time.Time) ([]Outcome, error)
	// Alerts is the outbox of alert notifications and the rules made through the API.
	Alerts

	// Close stops the writer and closes the database. On SQLite it folds what is pending first;
	// what it cannot fold stays in the inbox for the next start.
	Close() error
}

// Provider is implemented by whatever owns a Store (the issuestore extension) so that other
// components can find it among the collector's extensions without importing each other.
type Provider interface {
	Store() Store
}

// Event is one grouped event to store.
type Event struct {
	ProjectID   int64
	EventID     string    // 32 lowercase hex
	Timestamp   time.Time // when it happened (client clock)
	Received    time.Time // when the collector received it; regressions are judged on this clock
	Level       string
	Platform    string
	Release     string
	Environment string
	// Hashes are the grouping hashes, primary first. An event joins the issue that owns any of them.
	Hashes   []string
	Title    string
	Culprit  string
	Metadata Metadata
	// GroupingConfig and Explanation (JSON) describe how the hashes were made; Explanation may
	// be empty, as the processor puts it on an issue's events only now and then.
	GroupingConfig string
	Explanation    string
	// User is who was affected; UserKey() picks the identity distinct users are counted by.
	UserID, UserEmail, UserIP string
	// Tags are the event's tags (environment, release and level are added by the store when absent).
	Tags []Tag
	// Payload is the whole normalized event JSON; it is stored zstd-compressed.
	Payload []byte
	// Source is where the event came from, for alert rule filters: alertrule.SourceSentry or
	// alertrule.SourceOTel. It is not stored.
	Source string
}

// UserKey identifies the affected user for distinct-user counts: the user id, else the email,
// else the IP address, prefixed so that an id never collides with an email.
func (e *Event) UserKey() string {
	switch {
	case e.UserID != "":
		return "id:" + e.UserID
	case e.UserEmail != "":
		return "email:" + e.UserEmail
	case e.UserIP != "":
		return "ip:" + e.UserIP
	}
	return ""
}

// Metadata is Sentry's issue metadata.
type Metadata struct {
	Type     string
	Value    string
	Filename string
	Function string
}

// Tag is one key/value pair.
type Tag struct {
	Key   string
	Value string
}

// Status values as Sentry names them.
const (
	StatusUnresolved = "unresolved"
	StatusResolved   = "resolved"
	StatusIgnored    = "ignored"
)

// Substatus values as Sentry names them.
const (
	SubstatusNew        = "new"
	SubstatusOngoing    = "ongoing"
	SubstatusRegressed  = "regressed"
	SubstatusEscalating = "escalating"
	SubstatusForever    = "archived_forever"
	SubstatusUntil      = "archived_until_condition_met"
)

// Resolution kinds of a resolved issue.
const (
	ResolvedNow           = "now"           // any event received after resolution regresses it
	ResolvedInRelease     = "inRelease"     // events from Release or newer regress it
	ResolvedInNextRelease = "inNextRelease" // events from releases newer than Release regress it
)

// Issue is an aggregate of events that share a grouping hash.
type Issue struct {
	ID           int64
	ProjectID    int64
	Title        string
	Culprit      string
	Level        string
	Platform     string
	Metadata     Metadata
	FirstSeen    time.Time
	LastSeen     time.Time
	TimesSeen    int64
	UserCount    int64
	FirstRelease string
	LastRelease  string
	Status       string
	Substatus    string
	// Resolution is set while resolved: its kind, the release it refers to and when it was set.
	Resolution        string
	ResolutionRelease string
	ResolvedAt        time.Time
	// IgnoreUntil and IgnoreUntilCount are set while ignored until a condition:
	// a time, or a total times-seen count at which the issue comes back.
	IgnoreUntil      time.Time
	IgnoreUntilCount int64
	IgnoreCount      int64 // the N of "until N more events", for display
	GroupingConfig   string
	Explanation      string // of the latest event that carried one
}

// HourCount is the number of events of one hour.
type HourCount struct {
	Hour  time.Time
	Count int64
}

// TagSummary is the top values of one tag key on an issue.
type TagSummary struct {
	Key          string
	TotalValues  int64 // events that had this key
	UniqueValues int64
	Top          []TagValue
}

// TagValue is one value of a tag with how often it was seen.
type TagValue struct {
	Value     string
	Count     int64
	FirstSeen time.Time
	LastSeen  time.Time
}

// StoredEvent is an event as read back.
type StoredEvent struct {
	ID          int64 // storage row id, used to order events that share a timestamp
	ProjectID   int64
	IssueID     int64
	EventID     string
	Timestamp   time.Time
	Received    time.Time
	Level       string
	Release     string
	Environment string
	Title       string
	UserKey     string
	Payload     []byte // the normalized event JSON, decompressed
}

// Sort orders of the issue list, named as Sentry names them.
const (
	SortDate = "date" // last seen, newest first
	SortNew  = "new"  // first seen, newest first
	SortFreq = "freq" // times seen, most first
	SortUser = "user" // distinct users, most first
)

// IssueQuery selects issues. Zero values mean "any".
type IssueQuery struct {
	ProjectIDs  []int64
	Status      string // unresolved|resolved|ignored
	Level       string
	Release     string    // issues with at least one event in this release
	Environment string    // issues with at least one event in this environment
	Tags        []Tag     // issues with at least one event carrying each of these tags
	Text        string    // substring of title or culprit, case-insensitive
	Since       time.Time // last seen at or after
	Sort        string
	Limit       int
	Offset      int
}

// StatusUpdate is a requested status change.
type StatusUpdate struct {
	Status string // unresolved|resolved|ignored
	// For resolved: ResolvedNow (default), ResolvedInRelease with Release, or ResolvedInNextRelease.
	Resolution string
	Release    string
	// For ignored: until a time and/or until N more events; neither means forever.
	IgnoreUntil time.Time
	IgnoreCount int64
	// Now is when the change is made (defaults to the store's clock).
	Now time.Time
}
