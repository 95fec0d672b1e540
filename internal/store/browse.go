package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The reads in this file serve people browsing issues (the web UI): totals for paging, the
// values the filter menus offer, and stepping from one event of an issue to the next.

func (s *sqlStore) CountIssues(ctx context.Context, q IssueQuery, upTo int64) (int64, error) {
	where, args := s.issueFilter(q, s.now())
	query := "SELECT COUNT(*) FROM issues" + where
	if upTo > 0 {
		query = "SELECT COUNT(*) FROM (SELECT 1 FROM issues" + where + " LIMIT ?) AS matching"
		args = append(args, upTo)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.d.rebind(query), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count issues: %w", err)
	}
	return n, nil
}

func (s *sqlStore) TagValues(ctx context.Context, projectIDs []int64, key string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT t.value FROM issue_tags t JOIN issues i ON i.id = t.issue_id WHERE t.key = ?`
	args := []any{key}
	if len(projectIDs) > 0 {
		q += ` AND i.project_id IN (` + placeholders(len(projectIDs)) + `)`
		for _, p := range projectIDs {
			args = append(args, p)
		}
	}
	q += ` GROUP BY t.value ORDER BY MAX(t.last_seen) DESC, t.value LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read values of tag %q: %w", key, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read values of tag %q: %w", key, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *sqlStore) AdjacentEvents(ctx context.Context, e *StoredEvent) (older, newer string, err error) {
	ts := toMicros(e.Timestamp)
	// Events are ordered by (timestamp, id), as IssueEvents lists them.
	step := func(cmp, dir string) (string, error) {
		var id string
		err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT event_id FROM events WHERE issue_id = ? AND (timestamp `+cmp+` ? OR (timestamp = ? AND id `+cmp+` ?)) ORDER BY timestamp `+dir+`, id `+dir+` LIMIT 1`),
			e.IssueID, ts, ts, e.ID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return id, err
	}
	if older, err = step("<", "DESC"); err != nil {
		return "", "", fmt.Errorf("read the event before %s: %w", e.EventID, err)
	}
	if newer, err = step(">", "ASC"); err != nil {
		return "", "", fmt.Errorf("read the event after %s: %w", e.EventID, err)
	}
	return older, newer, nil
}
