package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// newFor is how long an issue stays "new" before it reads as "ongoing", as in Sentry.
const newFor = 7 * 24 * time.Hour

// settle derives what depends on the reading time rather than on events.
func settle(is *Issue, now time.Time) *Issue {
	if is.Status == StatusUnresolved && is.Substatus == SubstatusNew && now.Sub(is.FirstSeen) > newFor {
		is.Substatus = SubstatusOngoing
	}
	// An ignore-until-time that has passed reads as unresolved right away; the row itself
	// changes with the next event or status change (ListIssues filters the same way).
	if is.Status == StatusIgnored && !is.IgnoreUntil.IsZero() && now.After(is.IgnoreUntil) {
		setUnresolved(is, SubstatusEscalating)
	}
	return is
}

func (s *sqlStore) ListIssues(ctx context.Context, q IssueQuery) ([]Issue, error) {
	now := s.now()
	where, args := s.issueFilter(q, now)
	order := "last_seen DESC"
	switch q.Sort {
	case SortNew:
		order = "first_seen DESC"
	case SortFreq:
		order = "times_seen DESC"
	case SortUser:
		order = "user_count DESC"
	case "", SortDate:
	default:
		return nil, &InputError{Msg: fmt.Sprintf("unknown sort %q (want date, new, freq or user)", q.Sort)}
	}
	sqlq := "SELECT " + issueColumns + " FROM issues" + where
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	sqlq += " ORDER BY " + order + ", id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, max(q.Offset, 0))
	rows, err := s.db.QueryContext(ctx, s.d.rebind(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			return nil, fmt.Errorf("list issues: %w", err)
		}
		out = append(out, *settle(is, now))
	}
	return out, rows.Err()
}

// issueFilter turns the selection of q (everything but sort and paging) into a WHERE clause
// (empty when q selects everything) and its arguments.
func (s *sqlStore) issueFilter(q IssueQuery, now time.Time) (string, []any) {
	var where []string
	var args []any
	if len(q.ProjectIDs) > 0 {
		where = append(where, "project_id IN ("+placeholders(len(q.ProjectIDs))+")")
		for _, p := range q.ProjectIDs {
			args = append(args, p)
		}
	}
	switch q.Status {
	case "":
	case StatusIgnored:
		where = append(where, "status = ? AND (ignore_until = 0 OR ignore_until > ?)")
		args = append(args, q.Status, now.UnixMicro())
	case StatusUnresolved:
		where = append(where, "(status = ? OR (status = ? AND ignore_until > 0 AND ignore_until <= ?))")
		args = append(args, q.Status, StatusIgnored, now.UnixMicro())
	default:
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.Level != "" {
		where = append(where, "level = ?")
		args = append(args, q.Level)
	}
	if !q.Since.IsZero() {
		where = append(where, "last_seen >= ?")
		args = append(args, q.Since.UnixMicro())
	}
	for _, tg := range append([]Tag{{"release", q.Release}, {"environment", q.Environment}}, q.Tags...) {
		if tg.Value != "" {
			where = append(where, "EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = issues.id AND t.key = ? AND t.value = ?)")
			args = append(args, tg.Key, tg.Value)
		}
	}
	if q.Text != "" {
		pat := "%" + likeEscaper.Replace(q.Text) + "%"
		where = append(where, "(title "+s.d.like+" ? ESCAPE '\\' OR culprit "+s.d.like+" ? ESCAPE '\\')")
		args = append(args, pat, pat)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (s *sqlStore) Issue(ctx context.Context, id int64) (*Issue, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind("SELECT "+issueColumns+" FROM issues WHERE id = ?"), id)
	is, err := scanIssue(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("issue %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read issue %d: %w", id, err)
	}
	return settle(is, s.now()), nil
}

func (s *sqlStore) IssueTags(ctx context.Context, id int64, perKey int) ([]TagSummary, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT key, value, times_seen, first_seen, last_seen FROM issue_tags WHERE issue_id = ? ORDER BY key, times_seen DESC, value`), id)
	if err != nil {
		return nil, fmt.Errorf("read tags of issue %d: %w", id, err)
	}
	defer rows.Close()
	var out []TagSummary
	for rows.Next() {
		var key string
		var v TagValue
		var first, last int64
		if err := rows.Scan(&key, &v.Value, &v.Count, &first, &last); err != nil {
			return nil, fmt.Errorf("read tags of issue %d: %w", id, err)
		}
		v.FirstSeen, v.LastSeen = fromMicros(first), fromMicros(last)
		if len(out) == 0 || out[len(out)-1].Key != key {
			out = append(out, TagSummary{Key: key})
		}
		ts := &out[len(out)-1]
		ts.TotalValues += v.Count
		ts.UniqueValues++
		if len(ts.Top) < perKey {
			ts.Top = append(ts.Top, v)
		}
	}
	return out, rows.Err()
}

func (s *sqlStore) IssueHourly(ctx context.Context, ids []int64, since time.Time) (map[int64][]HourCount, error) {
	out := make(map[int64][]HourCount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	from := since.UnixMicro() / hourMicros
	to := s.now().UnixMicro() / hourMicros
	args := []any{from}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT issue_id, hour, count FROM issue_hourly WHERE hour >= ? AND issue_id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("read hourly counts: %w", err)
	}
	defer rows.Close()
	counts := map[int64]map[int64]int64{}
	for rows.Next() {
		var id, hour, n int64
		if err := rows.Scan(&id, &hour, &n); err != nil {
			return nil, fmt.Errorf("read hourly counts: %w", err)
		}
		if counts[id] == nil {
			counts[id] = map[int64]int64{}
		}
		counts[id][hour] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read hourly counts: %w", err)
	}
	for _, id := range ids {
		series := make([]HourCount, 0, to-from+1)
		for h := from; h <= to; h++ {
			series = append(series, HourCount{Hour: time.UnixMicro(h * hourMicros).UTC(), Count: counts[id][h]})
		}
		out[id] = series
	}
	return out, nil
}

func (s *sqlStore) IssueHashes(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT hash FROM issue_hashes WHERE issue_id = ? ORDER BY hash`), id)
	if err != nil {
		return nil, fmt.Errorf("read hashes of issue %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("read hashes of issue %d: %w", id, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s *sqlStore) UpdateStatus(ctx context.Context, id int64, u StatusUpdate) (*Issue, error) {
	now := s.now()
	if u.Now.IsZero() {
		u.Now = now
	}
	var out *Issue
	err := s.inTx(ctx, func(t *tx) error {
		row, err := t.queryRow("SELECT "+issueColumns+" FROM issues WHERE id = ?"+s.d.forUpdate, id)
		if err != nil {
			return err
		}
		is, err := scanIssue(row)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("issue %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read issue %d: %w", id, err)
		}
		before := is.Status
		if err := applyStatus(is, u); err != nil {
			return err
		}
		out = is
		if err := t.saveIssue(is); err != nil {
			return err
		}
		if before != StatusResolved && is.Status == StatusResolved {
			return t.enqueueResolves(is)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return settle(out, now), nil
}

func (s *sqlStore) DeleteIssue(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		// The issue row goes first: on PostgreSQL that takes its lock, so a concurrent writer
		// that was about to add events to it waits and then retries without it.
		n, err := t.exec(`DELETE FROM issues WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("issue %d: %w", id, ErrNotFound)
		}
		return t.deleteIssueRows(id)
	})
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (s *sqlStore) inTx(ctx context.Context, fn func(*tx) error) error {
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer t.tx.Rollback() //nolint:errcheck // after Commit it is a no-op; it frees the connection if fn panics
	if err := fn(t); err != nil {
		t.tx.Rollback() //nolint:errcheck // fn's error is the one to report
		s.share(ctx, t.unshared)
		return err
	}
	err = t.tx.Commit()
	s.share(ctx, t.unshared) // the connection is free again: the statements can be prepared on it
	if err != nil {
		return fmt.Errorf("%s: commit: %w", s.d.name, err)
	}
	for _, fn := range t.committed {
		fn()
	}
	return nil
}

const eventColumns = `id, project_id, issue_id, event_id, timestamp, received, level, release, environment, title, user_key, payload`

func scanEvent(r scanner) (*StoredEvent, error) {
	var e StoredEvent
	var ts, recv int64
	var blob []byte
	if err := r.Scan(&e.ID, &e.ProjectID, &e.IssueID, &e.EventID, &ts, &recv, &e.Level, &e.Release, &e.Environment, &e.Title, &e.UserKey, &blob); err != nil {
		return nil, err
	}
	e.Timestamp, e.Received = fromMicros(ts), fromMicros(recv)
	payload, err := decompress(blob)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", e.EventID, err)
	}
	e.Payload = payload
	return &e, nil
}

func (s *sqlStore) IssueEvents(ctx context.Context, issueID int64, limit, offset int) ([]StoredEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT `+eventColumns+` FROM events WHERE issue_id = ? ORDER BY timestamp DESC, id DESC LIMIT ? OFFSET ?`), issueID, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("read events of issue %d: %w", issueID, err)
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("read events of issue %d: %w", issueID, err)
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

func (s *sqlStore) LatestEvent(ctx context.Context, issueID int64) (*StoredEvent, error) {
	evs, err := s.IssueEvents(ctx, issueID, 1, 0)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("latest event of issue %d: %w", issueID, ErrNotFound)
	}
	return &evs[0], nil
}

func (s *sqlStore) EventByID(ctx context.Context, projectID int64, eventID string) (*StoredEvent, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+eventColumns+` FROM events WHERE project_id = ? AND event_id = ?`), projectID, strings.ToLower(strings.ReplaceAll(eventID, "-", "")))
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event %s of project %d: %w", eventID, projectID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read event %s: %w", eventID, err)
	}
	return e, nil
}

func (s *sqlStore) Close() error { return s.closeFn() }
