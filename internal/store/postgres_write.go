package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL side of writeBatch. Every round trip to the server is paid on the request
// path, since the default config has no queue before the store: a group commit of ~16 events
// used to take a BEGIN, 8 statements, one more per issue and a COMMIT, each a round trip. In a
// pipelined transaction (pipe) it takes three whatever the batch holds, plus the rare ones of
// new issues and fired alerts: the BEGIN with the releases and the hash lookup; the issue locks
// with the events; users, tags, hours and every issue update with the COMMIT. Rows go as arrays
// (unnest): a statement's text never varies, so pgx's statement cache keeps it prepared, and no
// statement nears the protocol's 65,535 parameters. Rows still go in key order, as writeBatch's
// lock order requires.

// releasesAndOwnersPostgres adds the batch's releases (upsertReleases) and reads which issues own
// its hashes (hashOwners), in one statement. The read takes no locks, so the releases stay the
// first thing the transaction locks.
func (t *tx) releasesAndOwnersPostgres(evs []*prepared) (map[hashKey]int64, error) {
	first := releasesFirstSeen(evs)
	var relProject, relFirst []int64
	var relVersion []string
	for _, k := range sortedKeys(first) {
		relProject, relVersion, relFirst = append(relProject, k.project), append(relVersion, k.hash), append(relFirst, first[k])
	}
	seen := map[hashKey]bool{}
	var hashProject []int64
	var hashes []string
	for _, e := range evs {
		for _, h := range e.Hashes {
			if k := (hashKey{e.ProjectID, h}); !seen[k] {
				seen[k] = true
				hashProject, hashes = append(hashProject, k.project), append(hashes, h)
			}
		}
	}
	owners := map[hashKey]int64{}
	t.run(`WITH r AS (
	INSERT INTO releases (project_id, version, first_seen) SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[])
	ON CONFLICT (project_id, version) DO NOTHING
)
SELECT h.project_id, h.hash, h.issue_id FROM issue_hashes h
JOIN unnest(?::bigint[], ?::text[]) AS k(project_id, hash) ON h.project_id = k.project_id AND h.hash = k.hash`,
		func(r scanner) error {
			var k hashKey
			var id int64
			if err := r.Scan(&k.project, &k.hash, &id); err != nil {
				return fmt.Errorf("read issue_hashes: %w", err)
			}
			owners[k] = id
			return nil
		},
		relProject, relVersion, relFirst, hashProject, hashes)
	if err := t.sync(); err != nil {
		return nil, err
	}
	return owners, nil
}

// lockAndInsertPostgres is lockIssues and insertEvents: the issue rows locked in id order, then
// the events (in event-id order) inserted, marking those that are new. Neither statement needs
// the other's result, so in a pipelined transaction both go in one round trip.
func (t *tx) lockAndInsertPostgres(evs []*prepared) (map[int64]*Issue, error) {
	ids := issueIDs(evs)
	issues := make(map[int64]*Issue, len(ids))
	t.run(`SELECT `+lockedIssueColumns+` FROM issues WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE`, func(r scanner) error {
		is, err := scanLockedIssue(r)
		if err != nil {
			return fmt.Errorf("read issue: %w", err)
		}
		issues[is.ID] = is
		return nil
	}, ids)
	order := eventOrder(evs)
	n := len(order)
	project, issue, ts, recv := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	eventID, level, release, env, title, user := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	payload := make([][]byte, n)
	byKey := make(map[hashKey]*prepared, n)
	for i, e := range order {
		project[i], eventID[i], issue[i], ts[i], recv[i] = e.ProjectID, e.EventID, e.issueID, e.ts, e.recv
		level[i], release[i], env[i], title[i], user[i], payload[i] = e.Level, e.Release, e.Environment, e.Title, e.userKey, e.blob
		byKey[hashKey{e.ProjectID, e.EventID}] = e
	}
	t.run(`INSERT INTO events (project_id, event_id, issue_id, timestamp, received, level, release, environment, title, user_key, payload)
SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[])
ON CONFLICT (project_id, event_id) DO NOTHING RETURNING project_id, event_id`, func(r scanner) error {
		var k hashKey
		if err := r.Scan(&k.project, &k.hash); err != nil {
			return fmt.Errorf("store events: %w", err)
		}
		if e := byKey[k]; e != nil {
			e.inserted = true
		}
		return nil
	}, project, eventID, issue, ts, recv, level, release, env, title, user, payload)
	if err := t.sync(); err != nil {
		return nil, fmt.Errorf("lock issues, store %d events: %w", n, err)
	}
	if len(issues) != len(ids) {
		return nil, errIssueVanished
	}
	return issues, nil
}

// foldPostgres writes what foldIntoIssues gathered in one statement: the distinct users (users
// may be nil when addUsers has run), the tag and hourly counts, and every issue's update, whose
// user_count grows by the users new to it. In a pipelined transaction it goes with the COMMIT.
// The order among them does not matter: the issues they belong to are locked.
func (t *tx) foldPostgres(ids []int64, issues map[int64]*Issue, users map[userKey]bool, tags map[tagKey]*tagAgg, hours map[hourKey]int64) error {
	uk := sortedUsers(users)
	userIssue, userKeys := make([]int64, len(uk)), make([]string, len(uk))
	for i, k := range uk {
		userIssue[i], userKeys[i] = k.issue, k.key
	}
	tk := sortedTags(tags)
	tagIssue, tagN, tagFirst, tagLast := make([]int64, len(tk)), make([]int64, len(tk)), make([]int64, len(tk)), make([]int64, len(tk))
	tagKeys, tagValues := make([]string, len(tk)), make([]string, len(tk))
	for i, k := range tk {
		a := tags[k]
		tagIssue[i], tagKeys[i], tagValues[i], tagN[i], tagFirst[i], tagLast[i] = k.issue, k.key, k.value, a.n, a.first, a.last
	}
	hk := sortedHours(hours)
	hourIssue, hourOf, hourN := make([]int64, len(hk)), make([]int64, len(hk)), make([]int64, len(hk))
	for i, k := range hk {
		hourIssue[i], hourOf[i], hourN[i] = k.issue, k.hour, hours[k]
	}
	var ints [9][]int64
	var texts [15][]string
	explanations := make([]*string, 0, len(ids)) // NULL: the stored one stays
	for _, id := range ids {
		is := issues[id]
		for i, v := range [...]int64{is.ID, toMicros(is.FirstSeen), toMicros(is.LastSeen), is.TimesSeen, is.UserCount,
			toMicros(is.ResolvedAt), toMicros(is.IgnoreUntil), is.IgnoreUntilCount, is.IgnoreCount} {
			ints[i] = append(ints[i], v)
		}
		for i, v := range [...]string{is.Title, is.Culprit, is.Level, is.Platform, is.Metadata.Type, is.Metadata.Value,
			is.Metadata.Filename, is.Metadata.Function, is.FirstRelease, is.LastRelease, is.Status, is.Substatus,
			is.Resolution, is.ResolutionRelease, is.GroupingConfig} {
			texts[i] = append(texts[i], v)
		}
		var ex *string
		if e, ok := explanationArg(is).(string); ok {
			ex = &e
		}
		explanations = append(explanations, ex)
	}
	q := `WITH tg AS (
	INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])
	ON CONFLICT (issue_id, key, value) DO UPDATE SET times_seen = issue_tags.times_seen + excluded.times_seen,
		first_seen = LEAST(issue_tags.first_seen, excluded.first_seen), last_seen = GREATEST(issue_tags.last_seen, excluded.last_seen)
), hr AS (
	INSERT INTO issue_hourly (issue_id, hour, count) SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[])
	ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count
), u AS (
	INSERT INTO issue_users (issue_id, user_key) SELECT * FROM unnest(?::bigint[], ?::text[])
	ON CONFLICT (issue_id, user_key) DO NOTHING RETURNING issue_id
), nu AS (
	SELECT issue_id, count(*) AS n FROM u GROUP BY issue_id
)
UPDATE issues SET title = v.title, culprit = v.culprit, level = v.level, platform = v.platform,
	meta_type = v.meta_type, meta_value = v.meta_value, meta_filename = v.meta_filename, meta_function = v.meta_function,
	first_seen = v.first_seen, last_seen = v.last_seen, times_seen = v.times_seen, user_count = v.user_count + COALESCE(nu.n, 0),
	first_release = v.first_release, last_release = v.last_release, status = v.status, substatus = v.substatus,
	resolution = v.resolution, resolution_release = v.resolution_release, resolved_at = v.resolved_at,
	ignore_until = v.ignore_until, ignore_until_count = v.ignore_until_count, ignore_count = v.ignore_count,
	grouping_config = v.grouping_config, explanation = COALESCE(v.explanation, issues.explanation)
FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
	?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
	?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
	AS v(id, first_seen, last_seen, times_seen, user_count, resolved_at, ignore_until, ignore_until_count, ignore_count,
	title, culprit, level, platform, meta_type, meta_value, meta_filename, meta_function,
	first_release, last_release, status, substatus, resolution, resolution_release, grouping_config, explanation)
	LEFT JOIN nu ON nu.issue_id = v.id
WHERE issues.id = v.id
RETURNING issues.id, issues.user_count`
	args := []any{tagIssue, tagKeys, tagValues, tagN, tagFirst, tagLast, hourIssue, hourOf, hourN, userIssue, userKeys,
		ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8],
		texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], texts[6], texts[7],
		texts[8], texts[9], texts[10], texts[11], texts[12], texts[13], texts[14], explanations}
	scan := func(r scanner) error {
		var id, n int64
		if err := r.Scan(&id, &n); err != nil {
			return fmt.Errorf("update issues: %w", err)
		}
		if is := issues[id]; is != nil {
			is.UserCount = n
		}
		return nil
	}
	t.run(q, scan, args...)
	if t.pipe != nil {
		return nil // sent with the COMMIT
	}
	return t.sync()
}

// pipe is a PostgreSQL write transaction on a connection of its own. Statements queued by
// tx.run go to the server together, as one pgx pipeline (pgx.Batch), at the next tx.sync, at
// any other statement (which they precede, so statements still run in the order the
// transaction issued them) or with the COMMIT; the BEGIN goes with the first of them.
type pipe struct {
	conn    *sql.Conn
	begun   bool
	pending []queued
}

type queued struct {
	q    string // with $n placeholders
	args []any
	rows func(pgx.Rows) error
}

// pipelinedTx runs fn in a pipelined transaction on PostgreSQL; it is inTx otherwise.
func (s *sqlStore) pipelinedTx(ctx context.Context, fn func(*tx) error) error {
	if !s.d.postgres {
		return s.inTx(ctx, fn)
	}
	c, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: connection: %w", s.d.name, err)
	}
	defer c.Close() // a connection left inside a transaction is discarded (stdlib's ResetSession)
	t := &tx{ctx: ctx, s: s, pipe: &pipe{conn: c}}
	if err := fn(t); err != nil {
		t.pipe.rollback(ctx)
		return err
	}
	if err := t.pipe.send(ctx, true); err != nil {
		t.pipe.rollback(ctx)
		return fmt.Errorf("%s: commit: %w", s.d.name, err)
	}
	for _, fn := range t.committed {
		fn()
	}
	return nil
}

// queueQuery holds q back until the next sync, statement or commit; scan reads its rows.
func (t *tx) queueQuery(q string, scan func(scanner) error, args ...any) {
	t.pipe.pending = append(t.pipe.pending, queued{q: t.s.d.rebind(q), args: args, rows: func(rows pgx.Rows) error {
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}})
}

// run runs q and scans its rows with scan. In a pipelined transaction it only queues q: q runs
// with the next sync, statement or commit, and errors are reported there.
func (t *tx) run(q string, scan func(scanner) error, args ...any) {
	if t.pipe != nil {
		t.queueQuery(q, scan, args...)
		return
	}
	if t.err != nil {
		return
	}
	rows, err := t.query(q, args...)
	if err != nil {
		t.err = err
		return
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			rows.Close()
			t.err = err
			return
		}
	}
	t.err = rows.Close()
}

// sync sends what run queued in a pipelined transaction, and returns the first error of the
// statements run has run since the last sync.
func (t *tx) sync() error {
	if t.pipe != nil {
		return t.pipe.flush(t.ctx)
	}
	err := t.err
	t.err = nil
	return err
}

// flush sends the BEGIN if it has not gone yet and whatever is queued.
func (p *pipe) flush(ctx context.Context) error {
	if p.begun && len(p.pending) == 0 {
		return nil
	}
	return p.send(ctx, false)
}

// send sends what waits (the BEGIN first if not sent yet), then COMMIT when commit, in one
// round trip, and returns the first error.
func (p *pipe) send(ctx context.Context, commit bool) error {
	return p.conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: driver connection is a %T", dc)
		}
		b := &pgx.Batch{}
		if !p.begun {
			b.Queue("BEGIN")
		}
		for _, q := range p.pending {
			b.Queue(q.q, q.args...).Query(q.rows)
		}
		if commit {
			b.Queue("COMMIT")
		}
		p.begun, p.pending = true, nil
		return pc.Conn().SendBatch(ctx, b).Close()
	})
}

// rollback ends a transaction that failed. Should the ROLLBACK fail too, the connection is still
// inside the transaction and the pool discards it when c is closed.
func (p *pipe) rollback(ctx context.Context) {
	if p.begun {
		p.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // see above
	}
}
