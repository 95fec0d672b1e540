package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Times are stored as Unix microseconds (BIGINT) in both backends so that one set of queries
// serves both and comparisons stay integer comparisons.

// migrations are applied in order; a migration is never edited once released, only appended.
// {{id}}, {{blob}} are replaced per dialect.
var migrations = []string{
	// 1: events, issues and their aggregates.
	`
CREATE TABLE issues (
	id {{id}},
	project_id BIGINT NOT NULL,
	title TEXT NOT NULL,
	culprit TEXT NOT NULL,
	level TEXT NOT NULL,
	platform TEXT NOT NULL,
	meta_type TEXT NOT NULL,
	meta_value TEXT NOT NULL,
	meta_filename TEXT NOT NULL,
	meta_function TEXT NOT NULL,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	times_seen BIGINT NOT NULL,
	user_count BIGINT NOT NULL,
	first_release TEXT NOT NULL,
	last_release TEXT NOT NULL,
	status TEXT NOT NULL,
	substatus TEXT NOT NULL,
	resolution TEXT NOT NULL,
	resolution_release TEXT NOT NULL,
	resolved_at BIGINT NOT NULL,
	ignore_until BIGINT NOT NULL,
	ignore_until_count BIGINT NOT NULL,
	ignore_count BIGINT NOT NULL,
	grouping_config TEXT NOT NULL,
	explanation TEXT NOT NULL
);
CREATE INDEX issues_last_seen ON issues (project_id, last_seen);
CREATE INDEX issues_first_seen ON issues (project_id, first_seen);
CREATE INDEX issues_times_seen ON issues (project_id, times_seen);
CREATE INDEX issues_user_count ON issues (project_id, user_count);
CREATE INDEX issues_status_last_seen ON issues (project_id, status, last_seen);

-- Every grouping hash belongs to exactly one issue of a project: the unique key is what makes
-- concurrent issue creation race-free.
CREATE TABLE issue_hashes (
	project_id BIGINT NOT NULL,
	hash TEXT NOT NULL,
	issue_id BIGINT NOT NULL,
	PRIMARY KEY (project_id, hash)
);
CREATE INDEX issue_hashes_issue ON issue_hashes (issue_id);

CREATE TABLE events (
	id {{id}},
	project_id BIGINT NOT NULL,
	event_id TEXT NOT NULL,
	issue_id BIGINT NOT NULL,
	timestamp BIGINT NOT NULL,
	received BIGINT NOT NULL,
	level TEXT NOT NULL,
	release TEXT NOT NULL,
	environment TEXT NOT NULL,
	title TEXT NOT NULL,
	user_key TEXT NOT NULL,
	payload {{blob}} NOT NULL,
	UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue_time ON events (issue_id, timestamp, id);

CREATE TABLE issue_users (
	issue_id BIGINT NOT NULL,
	user_key TEXT NOT NULL,
	PRIMARY KEY (issue_id, user_key)
){{without_rowid}};

CREATE TABLE issue_tags (
	issue_id BIGINT NOT NULL,
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	times_seen BIGINT NOT NULL,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	PRIMARY KEY (issue_id, key, value)
){{without_rowid}};

CREATE TABLE issue_hourly (
	issue_id BIGINT NOT NULL,
	hour BIGINT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (issue_id, hour)
){{without_rowid}};

-- Releases in the order a project first saw them: the last resort of release ordering.
CREATE TABLE releases (
	id {{id}},
	project_id BIGINT NOT NULL,
	version TEXT NOT NULL,
	first_seen BIGINT NOT NULL,
	UNIQUE (project_id, version)
);
`,
	// 2: sentry-cli uploads. Chunks wait (content-addressed by SHA-1) until an assemble request
	// names them; an assembled artifact bundle is kept as its indexed files, each zstd-compressed,
	// and belongs to every project it was uploaded for.
	`
CREATE TABLE artifact_chunks (
	checksum TEXT PRIMARY KEY,
	data {{blob}} NOT NULL,
	created BIGINT NOT NULL
);
CREATE INDEX artifact_chunks_created ON artifact_chunks (created);

-- One row per uploaded bundle content (checksum) and the release/dist it was uploaded for;
-- created is the latest upload, which decides which bundle wins a lookup.
CREATE TABLE artifact_bundles (
	id {{id}},
	checksum TEXT NOT NULL,
	bundle_id TEXT NOT NULL,
	release TEXT NOT NULL,
	dist TEXT NOT NULL,
	size BIGINT NOT NULL,
	created BIGINT NOT NULL,
	UNIQUE (checksum, release, dist)
);

CREATE TABLE artifact_bundle_projects (
	project_id BIGINT NOT NULL,
	bundle_id BIGINT NOT NULL,
	PRIMARY KEY (project_id, bundle_id)
);

CREATE TABLE artifact_files (
	bundle_id BIGINT NOT NULL,
	path TEXT NOT NULL,
	type TEXT NOT NULL,
	url TEXT NOT NULL,
	debug_id TEXT NOT NULL,
	headers TEXT NOT NULL,
	content {{blob}} NOT NULL,
	PRIMARY KEY (bundle_id, path)
);
CREATE INDEX artifact_files_debug_id ON artifact_files (debug_id, type);
CREATE INDEX artifact_files_url ON artifact_files (url);
`,
	// 3: alerts. The outbox holds one row per alert and target, written in the transaction of
	// the event that fired it; workers claim due rows with a lease and record the outcome.
	// alert_last_fired enforces each rule's action interval per issue. alert_counts (events per
	// issue and minute received) and alert_users (the minute each user last hit an issue) are what
	// frequency and users triggers count in, kept only for projects with such rules and for a
	// day. alert_rules are the rules made through the API.
	`
CREATE TABLE alerts (
	id {{id}},
	project_id BIGINT NOT NULL,
	issue_id BIGINT NOT NULL,
	rule_key TEXT NOT NULL,
	rule_name TEXT NOT NULL,
	reason TEXT NOT NULL,
	event_id TEXT NOT NULL,
	release TEXT NOT NULL,
	environment TEXT NOT NULL,
	target TEXT NOT NULL,
	created BIGINT NOT NULL,
	state TEXT NOT NULL,
	attempts BIGINT NOT NULL,
	next_attempt BIGINT NOT NULL,
	lease_owner TEXT NOT NULL,
	lease_until BIGINT NOT NULL,
	delivered_at BIGINT NOT NULL,
	last_error TEXT NOT NULL
);
CREATE INDEX alerts_due ON alerts (target, state, next_attempt);
CREATE INDEX alerts_issue ON alerts (issue_id, id);

CREATE TABLE alert_last_fired (
	rule_key TEXT NOT NULL,
	issue_id BIGINT NOT NULL,
	fired_at BIGINT NOT NULL,
	PRIMARY KEY (rule_key, issue_id)
);
CREATE INDEX alert_last_fired_issue ON alert_last_fired (issue_id);

CREATE TABLE alert_counts (
	issue_id BIGINT NOT NULL,
	minute BIGINT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (issue_id, minute)
){{without_rowid}};

CREATE TABLE alert_users (
	issue_id BIGINT NOT NULL,
	user_key TEXT NOT NULL,
	seen BIGINT NOT NULL,
	PRIMARY KEY (issue_id, user_key)
){{without_rowid}};
CREATE INDEX alert_users_seen ON alert_users (issue_id, seen);

CREATE TABLE alert_rules (
	id {{id}},
	project_id BIGINT NOT NULL,
	spec TEXT NOT NULL,
	updated BIGINT NOT NULL
);
`,
	// 4: what the sweep needs. Events are deleted per project by when they were received; a
	// bundle is kept while lookups use it (last_used, set on lookup at most hourly).
	`
CREATE INDEX events_project_received ON events (project_id, received);
ALTER TABLE artifact_bundles ADD COLUMN last_used BIGINT NOT NULL DEFAULT 0;
UPDATE artifact_bundles SET last_used = created;
CREATE INDEX artifact_bundles_last_used ON artifact_bundles (last_used);
`,
	// 5: outcomes, Sentry's Stats: items of a project that did not become data, per hour, data
	// category, outcome (rate_limited by a quota, client_discard from the SDKs' client reports)
	// and reason.
	`
CREATE TABLE outcomes (
	project_id BIGINT NOT NULL,
	hour BIGINT NOT NULL,
	category TEXT NOT NULL,
	outcome TEXT NOT NULL,
	reason TEXT NOT NULL,
	quantity BIGINT NOT NULL,
	PRIMARY KEY (project_id, hour, category, outcome, reason)
){{without_rowid}};
`,
	// 6: alert_users without its index on seen. Users are counted per issue over its primary key
	// anyway (the longest window reaches every row), and keeping the index cost every user
	// record a second b-tree write (testbed scenario "1 alerts" profile).
	`
DROP INDEX alert_users_seen;
`,
	// 7: the sweep finds the hourly counts past retention by their hour. A new row is written
	// once per issue and hour; updates of a count leave this index alone.
	`
CREATE INDEX issue_hourly_hour ON issue_hourly (hour);
`,
	// 8: alert_counts.count becomes a mark: the times_seen before its first event
	// received in that minute, written once per issue and minute instead of a count updated by
	// every batch. The per-minute counts kept so far would read as marks, so they go: windows
	// start empty after the upgrade.
	`
DELETE FROM alert_counts;
`,
	// 9: bundle files in parts. MySQL stores no value larger than max_allowed_packet (16 MiB on
	// MariaDB by default, and bundles reach 256 MiB): a larger file's compressed content is kept
	// here in order, its artifact_files row left with empty content. The other backends store
	// every file whole and leave this table empty.
	`
CREATE TABLE artifact_file_parts (
	bundle_id BIGINT NOT NULL,
	path TEXT NOT NULL,
	part BIGINT NOT NULL,
	content {{blob}} NOT NULL,
	PRIMARY KEY (bundle_id, path, part)
);
`,
	// 10: the inbox of appended events (Store.Append) that are not folded yet: one encoded
	// record per event (see encodeRecord). Only SQLite uses it so far; on SQLite its id is the
	// rowid, which grows past every row present without AUTOINCREMENT's extra write per insert.
	`
CREATE TABLE inbox (
	id {{rowid}},
	record {{blob}} NOT NULL
);
`,
}

func (d dialect) ddl(s string) string {
	r := strings.NewReplacer(
		"{{id}}", d.idType,
		"{{rowid}}", d.rowidType,
		"{{blob}}", d.blobType,
		"{{without_rowid}}", d.withoutRowID,
	)
	if d.mysql {
		return mysqlDDL(r.Replace(s))
	}
	return r.Replace(s)
}

// migrate brings the schema up to date. On PostgreSQL an advisory lock keeps several collectors
// that start at once from migrating concurrently.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	switch {
	case d.postgres:
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7254190331)`); err != nil {
			return fmt.Errorf("migrate: take advisory lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7254190331)`) //nolint:errcheck // released with the session anyway
	case d.mysql:
		// MySQL commits each DDL statement on its own: a migration interrupted half way is
		// not rolled back, and the next start stops at its first statement that already ran.
		release, ok, err := mysqlLock(ctx, db, "migrate", time.Minute)
		if err != nil || !ok {
			return fmt.Errorf("migrate: take lock (another collector migrating?): %v", err)
		}
		defer release()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this build knows (%d)", current, len(migrations))
	}
	for v := current + 1; v <= len(migrations); v++ {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		for _, stmt := range splitStatements(d.ddl(migrations[v-1])) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback() //nolint:errcheck // the exec error is the one to report
				return fmt.Errorf("migrate to %d: %q: %w", v, firstLine(stmt), err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().UnixMicro()); err != nil {
			tx.Rollback() //nolint:errcheck // the exec error is the one to report
			return fmt.Errorf("migrate to %d: record version: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to %d: commit: %w", v, err)
		}
	}
	return nil
}

// splitStatements splits a migration at semicolons that end a line, dropping comment lines.
func splitStatements(s string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
