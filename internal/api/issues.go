package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/search"
	"github.com/faultline/faultline/internal/store"
)

// sentryTime is how Sentry writes timestamps (ISO-8601, UTC, microseconds).
const sentryTime = "2006-01-02T15:04:05.000000Z"

func isoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(sentryTime)
}

// Sentry cursors are "value:offset:is_prev"; ours page by offset, so value is always 0.
func parseCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	parts := strings.Split(c, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("invalid cursor %q", c)
	}
	off, err := strconv.Atoi(parts[1])
	if err != nil || off < 0 {
		return 0, fmt.Errorf("invalid cursor %q", c)
	}
	return off, nil
}

func pageLimit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid limit %q", v)
	}
	return min(n, 100), nil
}

// setLink writes Sentry's Link header: a previous and a next link, each saying whether it has results.
func setLink(w http.ResponseWriter, r *http.Request, offset, limit int, hasNext bool) {
	link := func(off int, prev bool, rel string, results bool) string {
		isPrev := 0
		if prev {
			isPrev = 1
		}
		cursor := fmt.Sprintf("0:%d:%d", off, isPrev)
		q := r.URL.Query()
		q.Set("cursor", cursor)
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		if r.TLS != nil {
			u.Scheme = "https"
		}
		return fmt.Sprintf(`<%s>; rel="%s"; results="%t"; cursor="%s"`, u.String(), rel, results, cursor)
	}
	prev := max(offset-limit, 0)
	w.Header().Set("Link", link(prev, true, "previous", offset > 0)+", "+link(offset+limit, false, "next", hasNext))
}

func (a *API) listProjectIssues(w http.ResponseWriter, r *http.Request) {
	p, ok := a.project(w, r)
	if !ok {
		return
	}
	a.listIssues(w, r, []int64{p.ID})
}

func (a *API) listOrgIssues(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	var ids []int64
	for _, v := range r.URL.Query()["project"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid project %q", v))
			return
		}
		if id == -1 { // Sentry's "all projects"
			ids = nil
			break
		}
		if _, ok := a.byID[id]; !ok {
			writeError(w, http.StatusForbidden, fmt.Sprintf("You do not have permission to perform this action (project %d)", id))
			return
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		for _, p := range a.cfg.Projects {
			ids = append(ids, p.ID)
		}
	}
	a.listIssues(w, r, ids)
}

func (a *API) listIssues(w http.ResponseWriter, r *http.Request, projects []int64) {
	params := r.URL.Query()
	query := "is:unresolved" // Sentry's default when no query is given
	if params.Has("query") {
		query = params.Get("query")
	}
	q, err := search.Parse(query)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q.ProjectIDs = projects
	q.Sort = params.Get("sort")
	if q.Offset, err = parseCursor(params.Get("cursor")); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := pageLimit(r, 25)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q.Limit = limit + 1
	stats := "24h"
	if params.Has("statsPeriod") {
		stats = params.Get("statsPeriod")
	}
	if stats != "" && stats != "24h" && stats != "14d" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid statsPeriod %q (want 24h, 14d or empty)", stats))
		return
	}
	list, err := a.st.ListIssues(r.Context(), q)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	hasNext := len(list) > limit
	list = list[:min(len(list), limit)]
	out := make([]map[string]any, 0, len(list))
	for i := range list {
		out = append(out, a.issueJSON(r, &list[i]))
	}
	if stats != "" && len(list) > 0 {
		if err := a.addStats(r, list, out, stats); err != nil {
			writeStoreError(w, err)
			return
		}
	}
	setLink(w, r, q.Offset, limit, hasNext)
	writeJSON(w, http.StatusOK, out)
}

// addStats adds Sentry's sparkline series: {"24h": [[unix, count] × 24 hours]} or
// {"14d": [[unix, count] × 14 days]}.
func (a *API) addStats(r *http.Request, list []store.Issue, out []map[string]any, period string) error {
	now := time.Now().UTC()
	buckets, size := 24, time.Hour
	if period == "14d" {
		buckets, size = 14, 24*time.Hour
	}
	start := now.Truncate(size).Add(-time.Duration(buckets-1) * size)
	ids := make([]int64, len(list))
	for i, is := range list {
		ids[i] = is.ID
	}
	hourly, err := a.st.IssueHourly(r.Context(), ids, start)
	if err != nil {
		return err
	}
	for i, is := range list {
		series := make([][2]int64, buckets)
		for b := range series {
			series[b][0] = start.Add(time.Duration(b) * size).Unix()
		}
		for _, h := range hourly[is.ID] {
			if b := int(h.Hour.Sub(start) / size); b >= 0 && b < buckets {
				series[b][1] += h.Count
			}
		}
		out[i]["stats"] = map[string]any{period: series}
	}
	return nil
}

// issueJSON is an issue as Sentry serializes a group.
func (a *API) issueJSON(r *http.Request, is *store.Issue) map[string]any {
	p := a.byID[is.ProjectID]
	if p.Slug == "" {
		p = Project{ID: is.ProjectID, Slug: strconv.FormatInt(is.ProjectID, 10)}
	}
	kind := "error"
	if is.Metadata.Type == "" {
		kind = "default"
	}
	meta := map[string]any{"title": is.Title}
	for k, v := range map[string]string{"type": is.Metadata.Type, "value": is.Metadata.Value, "filename": is.Metadata.Filename, "function": is.Metadata.Function} {
		if v != "" {
			meta[k] = v
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return map[string]any{
		"id":            strconv.FormatInt(is.ID, 10),
		"shortId":       shortID(p.Slug, is.ID),
		"title":         is.Title,
		"culprit":       is.Culprit,
		"permalink":     fmt.Sprintf("%s://%s/issues/%d/", scheme, r.Host, is.ID),
		"logger":        nil,
		"level":         is.Level,
		"status":        is.Status,
		"statusDetails": statusDetails(is),
		"substatus":     nullable(is.Substatus),
		"isPublic":      false,
		"platform":      is.Platform,
		"project":       a.projectJSON(p, false),
		"type":          kind,
		"metadata":      meta,
		"numComments":   0,
		"assignedTo":    nil,
		"isBookmarked":  false,
		"isSubscribed":  false,
		"hasSeen":       false,
		"annotations":   []any{},
		"issueType":     kind,
		"issueCategory": "error",
		"isUnhandled":   false,
		"count":         strconv.FormatInt(is.TimesSeen, 10),
		"userCount":     is.UserCount,
		"firstSeen":     isoTime(is.FirstSeen),
		"lastSeen":      isoTime(is.LastSeen),
	}
}

// shortID is the project slug in capitals and the issue id in base 36 ("DEMO-1A"). Sentry numbers
// issues per project; we use the global issue id, which is unique without a per-project counter
// that concurrent PostgreSQL writers would contend on.
func shortID(slug string, id int64) string {
	return strings.ToUpper(slug) + "-" + strings.ToUpper(strconv.FormatInt(id, 36))
}

func statusDetails(is *store.Issue) map[string]any {
	d := map[string]any{}
	switch is.Status {
	case store.StatusResolved:
		switch is.Resolution {
		case store.ResolvedInRelease:
			d["inRelease"] = is.ResolutionRelease
		case store.ResolvedInNextRelease:
			d["inNextRelease"] = true
		}
	case store.StatusIgnored:
		if !is.IgnoreUntil.IsZero() {
			d["ignoreUntil"] = isoTime(is.IgnoreUntil)
		}
		if is.IgnoreCount > 0 {
			d["ignoreCount"] = is.IgnoreCount
		}
	}
	return d
}

func releaseJSON(v string) any {
	if v == "" {
		return nil
	}
	return map[string]any{"version": v, "shortVersion": v}
}

func (a *API) getIssue(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	a.writeIssueDetail(w, r, is)
}

func (a *API) writeIssueDetail(w http.ResponseWriter, r *http.Request, is *store.Issue) {
	out := a.issueJSON(r, is)
	tags, err := a.st.IssueTags(r.Context(), is.ID, 10)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	tagsJSON := make([]map[string]any, 0, len(tags))
	for _, t := range tags {
		top := make([]map[string]any, 0, len(t.Top))
		for _, v := range t.Top {
			top = append(top, map[string]any{"key": t.Key, "name": v.Value, "value": v.Value, "count": v.Count,
				"firstSeen": isoTime(v.FirstSeen), "lastSeen": isoTime(v.LastSeen)})
		}
		tagsJSON = append(tagsJSON, map[string]any{"key": t.Key, "name": t.Key, "totalValues": t.TotalValues,
			"uniqueValues": t.UniqueValues, "topValues": top})
	}
	out["tags"] = tagsJSON
	out["firstRelease"] = releaseJSON(is.FirstRelease)
	out["lastRelease"] = releaseJSON(is.LastRelease)
	out["userReportCount"] = 0
	out["participants"] = []any{}
	out["seenBy"] = []any{}
	out["activity"] = []any{}
	out["groupingConfig"] = is.GroupingConfig
	if json.Valid([]byte(is.Explanation)) {
		out["groupingExplanation"] = json.RawMessage(is.Explanation)
	}
	if err := a.addStats(r, []store.Issue{*is}, []map[string]any{out}, "24h"); err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// statusBody is the PUT body: Sentry's status names and statusDetails.
type statusBody struct {
	Status        string `json:"status"`
	StatusDetails struct {
		InNextRelease  bool       `json:"inNextRelease"`
		InRelease      string     `json:"inRelease"`
		IgnoreDuration int64      `json:"ignoreDuration"` // minutes
		IgnoreCount    int64      `json:"ignoreCount"`
		IgnoreUntil    *time.Time `json:"ignoreUntil"`
	} `json:"statusDetails"`
}

func (a *API) updateIssue(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	u, ok := readStatusUpdate(w, r)
	if !ok {
		return
	}
	updated, err := a.st.UpdateStatus(r.Context(), is.ID, u)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	a.writeIssueDetail(w, r, updated)
}

// bulkUpdate is Sentry's bulk mutation (what `sentry-cli issues resolve|mute|unresolve` sends):
// PUT on the project's issue list with the issues selected by ?id= (repeated), or by ?status=,
// or all issues of the project; the answer is the applied change, 204 when nothing matched.
func (a *API) bulkUpdate(w http.ResponseWriter, r *http.Request) {
	p, ok := a.project(w, r)
	if !ok {
		return
	}
	u, ok := readStatusUpdate(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	var ids []int64
	if raw := params["id"]; len(raw) > 0 {
		for _, v := range raw {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid id %q", v))
				return
			}
			ids = append(ids, id)
		}
	} else {
		q := store.IssueQuery{ProjectIDs: []int64{p.ID}, Status: params.Get("status"), Limit: 1000}
		if q.Status == "muted" {
			q.Status = store.StatusIgnored
		}
		list, err := a.st.ListIssues(r.Context(), q)
		if err != nil {
			writeStoreError(w, err)
			return
		}
		for _, is := range list {
			ids = append(ids, is.ID)
		}
	}
	var last *store.Issue
	for _, id := range ids {
		is, err := a.st.Issue(r.Context(), id)
		if err != nil || is.ProjectID != p.ID {
			continue
		}
		if last, err = a.st.UpdateStatus(r.Context(), id, u); err != nil {
			writeStoreError(w, err)
			return
		}
	}
	if last == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": last.Status, "statusDetails": statusDetails(last), "substatus": nullable(last.Substatus)})
}

// readStatusUpdate decodes a status change body.
func readStatusUpdate(w http.ResponseWriter, r *http.Request) (store.StatusUpdate, bool) {
	var body statusBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return store.StatusUpdate{}, false
	}
	now := time.Now().UTC()
	u := store.StatusUpdate{Now: now}
	d := body.StatusDetails
	switch body.Status {
	case "resolved":
		u.Status = store.StatusResolved
		switch {
		case d.InRelease != "":
			u.Resolution, u.Release = store.ResolvedInRelease, d.InRelease
		case d.InNextRelease:
			u.Resolution = store.ResolvedInNextRelease
		}
	case "resolvedInNextRelease":
		u.Status, u.Resolution = store.StatusResolved, store.ResolvedInNextRelease
	case "unresolved":
		u.Status = store.StatusUnresolved
	case "ignored", "archived", "muted":
		u.Status = store.StatusIgnored
		u.IgnoreCount = d.IgnoreCount
		if d.IgnoreDuration > 0 {
			u.IgnoreUntil = now.Add(time.Duration(d.IgnoreDuration) * time.Minute)
		}
		if d.IgnoreUntil != nil {
			u.IgnoreUntil = *d.IgnoreUntil
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unsupported status %q (want resolved, resolvedInNextRelease, unresolved or ignored)", body.Status))
		return store.StatusUpdate{}, false
	}
	return u, true
}

func (a *API) deleteIssue(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	if err := a.st.DeleteIssue(r.Context(), is.ID); err != nil {
		writeStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (a *API) issueHashes(w http.ResponseWriter, r *http.Request) {
	is, ok := a.issue(w, r)
	if !ok {
		return
	}
	hashes, err := a.st.IssueHashes(r.Context(), is.ID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	latest, err := a.st.LatestEvent(r.Context(), is.ID)
	var latestJSON any
	if err == nil {
		latestJSON = a.eventJSON(latest, false)
	}
	out := make([]map[string]any, 0, len(hashes))
	for _, h := range hashes {
		out = append(out, map[string]any{"id": h, "latestEvent": latestJSON, "mergedBySeer": false})
	}
	writeJSON(w, http.StatusOK, out)
}
