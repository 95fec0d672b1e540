package store

import (
	"database/sql"
	"fmt"
)

// The PostgreSQL side of writeBatch. Every statement is a round trip to the server, paid on the
// request path since the default config has no queue before the store: a group commit of ~16
// events used to send about 9 + one per issue statements. Here each step of the batch is one
// statement whatever the batch holds, with its rows passed as arrays (unnest): the text never
// varies, so pgx's statement cache keeps it prepared, and no statement approaches the 65,535
// parameters of the protocol. Rows still go in key order, as writeBatch's lock order requires.

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
	rows, err := t.query(`WITH r AS (
	INSERT INTO releases (project_id, version, first_seen) SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[])
	ON CONFLICT (project_id, version) DO NOTHING
)
SELECT h.project_id, h.hash, h.issue_id FROM issue_hashes h
JOIN unnest(?::bigint[], ?::text[]) AS k(project_id, hash) ON h.project_id = k.project_id AND h.hash = k.hash`,
		relProject, relVersion, relFirst, hashProject, hashes)
	if err != nil {
		return nil, err
	}
	owners := map[hashKey]int64{}
	for rows.Next() {
		var k hashKey
		var id int64
		if err := rows.Scan(&k.project, &k.hash, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read issue_hashes: %w", err)
		}
		owners[k] = id
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read issue_hashes: %w", err)
	}
	return owners, nil
}

// insertEventsPostgres is insertEvents' one statement for all of the batch's events (in
// event-id order), marking those it inserted.
func (t *tx) insertEventsPostgres(order []*prepared) error {
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
	rows, err := t.query(`INSERT INTO events (project_id, event_id, issue_id, timestamp, received, level, release, environment, title, user_key, payload)
SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[])
ON CONFLICT (project_id, event_id) DO NOTHING RETURNING project_id, event_id`,
		project, eventID, issue, ts, recv, level, release, env, title, user, payload)
	if err != nil {
		return fmt.Errorf("store %d events: %w", n, err)
	}
	return scanInserted(rows, byKey)
}

func scanInserted(rows *sql.Rows, byKey map[hashKey]*prepared) error {
	for rows.Next() {
		var k hashKey
		if err := rows.Scan(&k.project, &k.hash); err != nil {
			rows.Close()
			return fmt.Errorf("store events: %w", err)
		}
		if e := byKey[k]; e != nil {
			e.inserted = true
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store events: %w", err)
	}
	return nil
}

// addAggregatesPostgres is addUsers, addTags and addHours in one statement: it adds the
// distinct users (counting the new ones into their issues' UserCount), the tag counts and the
// hourly counts.
func (t *tx) addAggregatesPostgres(issues map[int64]*Issue, users map[userKey]bool, tags map[tagKey]*tagAgg, hours map[hourKey]int64) error {
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
	rows, err := t.query(`WITH tg AS (
	INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen)
	SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])
	ON CONFLICT (issue_id, key, value) DO UPDATE SET times_seen = issue_tags.times_seen + excluded.times_seen,
		first_seen = LEAST(issue_tags.first_seen, excluded.first_seen), last_seen = GREATEST(issue_tags.last_seen, excluded.last_seen)
), hr AS (
	INSERT INTO issue_hourly (issue_id, hour, count) SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[])
	ON CONFLICT (issue_id, hour) DO UPDATE SET count = issue_hourly.count + excluded.count
)
INSERT INTO issue_users (issue_id, user_key) SELECT * FROM unnest(?::bigint[], ?::text[])
ON CONFLICT (issue_id, user_key) DO NOTHING RETURNING issue_id`,
		tagIssue, tagKeys, tagValues, tagN, tagFirst, tagLast, hourIssue, hourOf, hourN, userIssue, userKeys)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("add users: %w", err)
		}
		issues[id].UserCount++
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("add users: %w", err)
	}
	return nil
}

// saveIssuesPostgres is saveIssue for several issues in one statement.
func (t *tx) saveIssuesPostgres(ids []int64, issues map[int64]*Issue) error {
	var ints [9][]int64
	var texts [16][]string
	for _, id := range ids {
		is := issues[id]
		for i, v := range [...]int64{is.ID, toMicros(is.FirstSeen), toMicros(is.LastSeen), is.TimesSeen, is.UserCount,
			toMicros(is.ResolvedAt), toMicros(is.IgnoreUntil), is.IgnoreUntilCount, is.IgnoreCount} {
			ints[i] = append(ints[i], v)
		}
		for i, v := range [...]string{is.Title, is.Culprit, is.Level, is.Platform, is.Metadata.Type, is.Metadata.Value,
			is.Metadata.Filename, is.Metadata.Function, is.FirstRelease, is.LastRelease, is.Status, is.Substatus,
			is.Resolution, is.ResolutionRelease, is.GroupingConfig, is.Explanation} {
			texts[i] = append(texts[i], v)
		}
	}
	_, err := t.exec(`UPDATE issues SET title = v.title, culprit = v.culprit, level = v.level, platform = v.platform,
	meta_type = v.meta_type, meta_value = v.meta_value, meta_filename = v.meta_filename, meta_function = v.meta_function,
	first_seen = v.first_seen, last_seen = v.last_seen, times_seen = v.times_seen, user_count = v.user_count,
	first_release = v.first_release, last_release = v.last_release, status = v.status, substatus = v.substatus,
	resolution = v.resolution, resolution_release = v.resolution_release, resolved_at = v.resolved_at,
	ignore_until = v.ignore_until, ignore_until_count = v.ignore_until_count, ignore_count = v.ignore_count,
	grouping_config = v.grouping_config, explanation = v.explanation
FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
	?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
	?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
	AS v(id, first_seen, last_seen, times_seen, user_count, resolved_at, ignore_until, ignore_until_count, ignore_count,
	title, culprit, level, platform, meta_type, meta_value, meta_filename, meta_function,
	first_release, last_release, status, substatus, resolution, resolution_release, grouping_config, explanation)
WHERE issues.id = v.id`,
		ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8],
		texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], texts[6], texts[7],
		texts[8], texts[9], texts[10], texts[11], texts[12], texts[13], texts[14], texts[15])
	return err
}
