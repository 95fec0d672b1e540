package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"
)

// Policy says what a sweep removes. Zero values keep everything.
type Policy struct {
	// Retention is how long events are kept, counted from when the collector received them.
	Retention time.Duration
	// ProjectRetention overrides Retention for some projects.
	ProjectRetention map[int64]time.Duration
	// MaxSize is the disk budget in bytes: past it the oldest events go first, across projects.
	MaxSize int64
	// ArtifactRetention is how long an artifact bundle no lookup has used is kept.
	ArtifactRetention time.Duration
}

func (p Policy) retentionOf(project int64) time.Duration {
	if r, ok := p.ProjectRetention[project]; ok {
		return r
	}
	return p.Retention
}

// Swept counts what a sweep removed.
type Swept struct {
	Events, Issues, Bundles, Chunks int64
	// Hours are the hourly counts of issues (one per issue and hour) past retention.
	Hours int64
	// AlertCounts are the per-minute event counts and user records of alert windows.
	AlertCounts int64
}

// Sweep sizes: each batch is its own short transaction, so that a writer waits for at most one
// of them (see pace).
const (
	sweepEvents  = 200
	sweepIssues  = 50
	sweepBundles = 5
	sweepChunks  = 100
)

// Sweep removes, in this order: events past their project's retention; issues' hourly counts of
// the hours past it; issues whose newest event is past it and that have no event left (with their
// hashes, users, tags and hourly counts; the issues that stay keep their counts over every event
// ever seen); artifact bundles unused for ArtifactRetention; chunks no assemble request named
// within ChunkTTL; alert window counts no window reaches any more; then, while the store is
// over its budget, the oldest events of any project.
//
// It works in small transactions and pauses between them (pace), so ingestion keeps its pace
// while a large backlog is deleted. On PostgreSQL one collector sweeps at a time (an advisory
// lock); the others return at once.
func (s *sqlStore) Sweep(ctx context.Context, p Policy) (Swept, error) {
	var out Swept
	if !s.d.embedded() {
		release, ok, err := s.sweepLock(ctx)
		if err != nil || !ok {
			return out, err
		}
		defer release()
	}
	now := s.now()
	if err := s.sweepRetention(ctx, p, now, &out); err != nil {
		return out, err
	}
	if p.ArtifactRetention > 0 {
		if err := s.sweepBundles(ctx, now.Add(-p.ArtifactRetention).UnixMicro(), &out); err != nil {
			return out, err
		}
	}
	if err := s.sweepChunks(ctx, now.Add(-ChunkTTL).UnixMicro(), &out); err != nil {
		return out, err
	}
	if err := s.sweepAlertCounts(ctx, now, &out); err != nil {
		return out, err
	}
	if p.MaxSize > 0 {
		if err := s.enforceBudget(ctx, p.MaxSize, &out); err != nil {
			return out, err
		}
	}
	if s.d.embedded() && out != (Swept{}) {
		if err := s.checkpoint(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// checkpoint copies SQLite's write-ahead log into the database file, which is when the file
// shrinks after a sweep. PASSIVE does what it can without waiting for readers; SQLite's own
// checkpoints finish the rest.
func (s *sqlStore) checkpoint(ctx context.Context) error {
	if _, err := s.wdb.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return fmt.Errorf("sweep: checkpoint: %w", err)
	}
	return nil
}

// sweepLockKey is the PostgreSQL advisory lock of the sweep (migrations use another).
const sweepLockKey = 7254190332

// sweepLock takes the sweep's advisory lock on a connection of its own, without waiting.
func (s *sqlStore) sweepLock(ctx context.Context) (release func(), ok bool, err error) {
	if s.d.mysql {
		release, ok, err := mysqlLock(ctx, s.db, "sweep", 0)
		if err != nil {
			return nil, false, fmt.Errorf("sweep: %w", err)
		}
		return release, ok, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("sweep: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, sweepLockKey).Scan(&ok); err != nil || !ok {
		if err != nil {
			// The server may have granted the lock before the call failed (a cancelled context):
			// the session is ended rather than pooled, which releases it.
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // it returns the ErrBadConn that discards the connection
			conn.Close()
			return nil, false, fmt.Errorf("sweep: take advisory lock: %w", err)
		}
		conn.Close()
		return nil, false, nil
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, sweepLockKey)
		if err != nil {
			// Ending the session releases the lock: the connection is discarded, not pooled.
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // it returns the ErrBadConn that discards the connection
		}
		conn.Close()
	}, true, nil
}

func (s *sqlStore) sweepRetention(ctx context.Context, p Policy, now time.Time, out *Swept) error {
	projects, err := s.projectIDs(ctx)
	if err != nil {
		return err
	}
	for _, project := range projects {
		r := p.retentionOf(project)
		if r <= 0 {
			continue
		}
		cutoff := now.Add(-r).UnixMicro()
		if _, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
			return t.exec(`DELETE FROM outcomes WHERE project_id = ? AND hour < ?`, project, cutoff)
		}); err != nil {
			return fmt.Errorf("sweep outcomes of project %d: %w", project, err)
		}
		for {
			n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
				return t.exec(`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE project_id = ? AND received < ? ORDER BY received LIMIT `+strconv.Itoa(sweepEvents)+`)`, project, cutoff)
			})
			out.Events += n
			if err != nil {
				return fmt.Errorf("sweep events of project %d: %w", project, err)
			}
			if n < sweepEvents {
				break
			}
		}
		if err := s.sweepHours(ctx, project, cutoff, out); err != nil {
			return fmt.Errorf("sweep hourly counts of project %d: %w", project, err)
		}
		for {
			ids, err := s.int64s(ctx, `SELECT id FROM issues i WHERE project_id = ? AND last_seen < ?
	AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = i.id) LIMIT `+strconv.Itoa(sweepIssues), project, cutoff)
			if err != nil || len(ids) == 0 {
				return err
			}
			n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
				var deleted int64
				for _, id := range ids {
					// Checked again inside the transaction: an event may have arrived since.
					n, err := t.exec(`DELETE FROM issues WHERE id = ? AND last_seen < ? AND NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = issues.id)`, id, cutoff)
					if err != nil {
						return deleted, err
					}
					if n == 0 {
						continue
					}
					if err := t.deleteIssueRows(id); err != nil {
						return deleted, err
					}
					deleted++
				}
				return deleted, nil
			})
			out.Issues += n
			if err != nil {
				return fmt.Errorf("sweep issues of project %d: %w", project, err)
			}
			if len(ids) < sweepIssues {
				break
			}
		}
	}
	return nil
}

// sweepHours deletes a project's hourly counts of the hours that ended before cutoff. The
// issues keep their totals (times_seen, user_count); only the series loses its old hours.
func (s *sqlStore) sweepHours(ctx context.Context, project, cutoff int64, out *Swept) error {
	before := cutoff / hourMicros
	for {
		ids, err := s.int64s(ctx, `SELECT DISTINCT h.issue_id FROM issue_hourly h JOIN issues i ON i.id = h.issue_id
	WHERE h.hour < ? AND i.project_id = ? LIMIT `+strconv.Itoa(sweepIssues), before, project)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := append([]any{before}, anys(ids)...)
		n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
			return t.exec(`DELETE FROM issue_hourly WHERE hour < ? AND issue_id IN (`+placeholders(len(ids))+`)`, args...)
		})
		out.Hours += n
		if err != nil {
			return err
		}
		if len(ids) < sweepIssues {
			return nil
		}
	}
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// sweepBundles deletes the artifact bundles no lookup has used since cutoff.
func (s *sqlStore) sweepBundles(ctx context.Context, cutoff int64, out *Swept) error {
	return s.deleteBundles(ctx, `last_used < ?`, []any{cutoff}, out)
}

// deleteBundles deletes the artifact bundles matching a condition, with their files and links.
func (s *sqlStore) deleteBundles(ctx context.Context, where string, args []any, out *Swept) error {
	for {
		ids, err := s.int64s(ctx, `SELECT id FROM artifact_bundles WHERE `+where+` LIMIT `+strconv.Itoa(sweepBundles), args...)
		if err != nil || len(ids) == 0 {
			return err
		}
		n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
			var deleted int64
			for _, id := range ids {
				// The condition is checked again: a lookup or an upload may have used it since.
				n, err := t.exec(`DELETE FROM artifact_bundles WHERE id = ? AND `+where, append([]any{id}, args...)...)
				if err != nil {
					return deleted, err
				}
				if n == 0 {
					continue
				}
				for _, q := range []string{`DELETE FROM artifact_files WHERE bundle_id = ?`, `DELETE FROM artifact_file_parts WHERE bundle_id = ?`, `DELETE FROM artifact_bundle_projects WHERE bundle_id = ?`} {
					if _, err := t.exec(q, id); err != nil {
						return deleted, err
					}
				}
				deleted++
			}
			return deleted, nil
		})
		out.Bundles += n
		if err != nil {
			return fmt.Errorf("delete artifact bundles: %w", err)
		}
		if len(ids) < sweepBundles {
			return nil
		}
	}
}

// sweepChunks deletes uploaded chunks no assemble request named in time.
func (s *sqlStore) sweepChunks(ctx context.Context, cutoff int64, out *Swept) error {
	for {
		n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
			return t.exec(`DELETE FROM artifact_chunks WHERE checksum IN (SELECT checksum FROM artifact_chunks WHERE created < ? LIMIT `+strconv.Itoa(sweepChunks)+`)`, cutoff)
		})
		out.Chunks += n
		if err != nil {
			return fmt.Errorf("sweep chunks: %w", err)
		}
		if n < sweepChunks {
			return nil
		}
	}
}

// sweepStep runs one batch of a sweep in its own transaction and then paces: it pauses four times
// as long as the batch took, so that a sweep holds the database (on SQLite: the only writer
// connection, and a core of the CPU) at most a fifth of the time and the writers waiting behind a
// batch wait for one batch only (BenchmarkSweepImpactOnWrites). At twice, testbed scenario
// "1 sweep" kept only 0.76× of its throughput while 1M events were deleted; at four times, see
// testbed/RESULTS.md. On SQLite the pages the batch freed are given back to the file system right
// away. Enforcing the disk budget pauses only as long as the batch took (budgetStep): there the
// deletion has to outrun ingestion.
func (s *sqlStore) sweepStep(ctx context.Context, fn func(*tx) (int64, error)) (int64, error) {
	return s.pacedStep(ctx, 4, fn)
}

func (s *sqlStore) budgetStep(ctx context.Context, fn func(*tx) (int64, error)) (int64, error) {
	return s.pacedStep(ctx, 1, fn)
}

// pacedStep runs fn in a transaction, then pauses pace times as long as it took.
func (s *sqlStore) pacedStep(ctx context.Context, pace time.Duration, fn func(*tx) (int64, error)) (int64, error) {
	start := time.Now()
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		n, err = fn(t)
		return err
	})
	if err != nil {
		return 0, err
	}
	if n > 0 && s.d.embedded() {
		if _, err := s.wdb.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return n, fmt.Errorf("incremental vacuum: %w", err)
		}
	}
	pause := time.NewTimer(pace * time.Since(start))
	defer pause.Stop()
	select {
	case <-pause.C:
	case <-ctx.Done():
		return n, ctx.Err()
	}
	return n, nil
}

// projectIDs lists the projects that have issues (every stored event belongs to an issue) or
// outcomes.
func (s *sqlStore) projectIDs(ctx context.Context) ([]int64, error) {
	return s.int64s(ctx, `SELECT project_id FROM issues UNION SELECT project_id FROM outcomes ORDER BY project_id`)
}

// int64s reads a one-column query of integers.
func (s *sqlStore) int64s(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", firstLine(q), err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("%q: %w", firstLine(q), err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// deleteIssueRows deletes what belongs to an issue whose row is already deleted.
func (t *tx) deleteIssueRows(id int64) error {
	for _, q := range []string{
		`DELETE FROM issue_hashes WHERE issue_id = ?`,
		`DELETE FROM events WHERE issue_id = ?`,
		`DELETE FROM issue_users WHERE issue_id = ?`,
		`DELETE FROM issue_tags WHERE issue_id = ?`,
		`DELETE FROM issue_hourly WHERE issue_id = ?`,
		`DELETE FROM alerts WHERE issue_id = ?`,
		`DELETE FROM alert_last_fired WHERE issue_id = ?`,
		`DELETE FROM alert_counts WHERE issue_id = ?`,
		`DELETE FROM alert_users WHERE issue_id = ?`,
	} {
		if _, err := t.exec(q, id); err != nil {
			return err
		}
	}
	return nil
}

// DeleteProject deletes every issue, event, release and outcome of a project, and its artifact
// bundles unless another project shares them. It works in the sweep's small transactions, so it
// may take a while on a large project.
func (s *sqlStore) DeleteProject(ctx context.Context, project int64) (Swept, error) {
	var out Swept
	// Events appended before the delete and not folded yet would be folded after it, and bring
	// the project's issues back: they go first (SQLite's inbox; elsewhere Fold returns at once).
	if err := s.Fold(ctx); err != nil {
		return out, fmt.Errorf("delete project %d: fold the events received before the delete: %w", project, err)
	}
	for {
		ids, err := s.int64s(ctx, `SELECT id FROM issues WHERE project_id = ? LIMIT `+strconv.Itoa(sweepIssues), project)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return out, err
			}
			break
		}
		for _, id := range ids {
			// An issue's events go in batches first: a single transaction for a large issue
			// would hold the writer for long.
			for {
				n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
					return t.exec(`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE issue_id = ? LIMIT `+strconv.Itoa(sweepEvents)+`)`, id)
				})
				out.Events += n
				if err != nil {
					return out, fmt.Errorf("delete project %d: %w", project, err)
				}
				if n < sweepEvents {
					break
				}
			}
			n, err := s.sweepStep(ctx, func(t *tx) (int64, error) {
				n, err := t.exec(`DELETE FROM issues WHERE id = ?`, id)
				if err != nil || n == 0 {
					return 0, err
				}
				return 1, t.deleteIssueRows(id)
			})
			out.Issues += n
			if err != nil {
				return out, fmt.Errorf("delete project %d: %w", project, err)
			}
		}
	}
	err := s.inTx(ctx, func(t *tx) error {
		for _, q := range []string{`DELETE FROM artifact_bundle_projects WHERE project_id = ?`, `DELETE FROM releases WHERE project_id = ?`,
			`DELETE FROM outcomes WHERE project_id = ?`} {
			if _, err := t.exec(q, project); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("delete project %d: %w", project, err)
	}
	// A bundle no project links any more can never be found again.
	if err := s.deleteBundles(ctx, `NOT EXISTS (SELECT 1 FROM artifact_bundle_projects p WHERE p.bundle_id = artifact_bundles.id)`, nil, &out); err != nil {
		return out, fmt.Errorf("delete project %d: %w", project, err)
	}
	return out, nil
}
