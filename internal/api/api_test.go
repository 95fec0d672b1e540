package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/store"
)

const token = "test-token"

// server starts the API over a real SQLite store holding two issues of project 1: "a" with
// three events from two users and releases 1.0.0/1.1.0, and "b" with one event.
func server(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "api.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	payload, err := os.ReadFile("testdata/node-error.json")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	mk := func(i int, hash, release, user string) store.Event {
		ts := at.Add(time.Duration(i) * time.Minute)
		return store.Event{ProjectID: 1, EventID: fmt.Sprintf("%032x", i+1), Timestamp: ts, Received: ts, Level: "error",
			Platform: "node", Hashes: []string{hash}, Title: "TypeError: " + hash, Culprit: "app.js in " + hash,
			Metadata: store.Metadata{Type: "TypeError", Value: hash, Filename: "app.js", Function: hash},
			Release:  release, Environment: "production", UserID: user, Tags: []store.Tag{{Key: "browser", Value: "Chrome"}},
			Explanation: `{"app":{"hash":"` + hash + `"}}`, Payload: payload}
	}
	if err := st.Write(context.Background(), []store.Event{
		mk(0, "a", "shop@1.0.0", "u1"), mk(1, "a", "shop@1.1.0", "u2"), mk(2, "a", "shop@1.1.0", "u1"), mk(3, "b", "shop@1.1.0", "u3"),
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, Config{Token: token, Org: "faultline", Projects: []Project{{ID: 1, Slug: "demo"}, {ID: 2, Slug: "other"}}}))
	t.Cleanup(srv.Close)
	return srv, st
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp
}

func TestRequestsWithoutTheTokenAreRefused(t *testing.T) {
	srv, _ := server(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/0/organizations/faultline/projects/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
}

func TestProjectsAreListed(t *testing.T) {
	srv, _ := server(t)
	var projects []map[string]any
	call(t, srv, "GET", "/api/0/organizations/faultline/projects/", "", &projects)
	if len(projects) != 2 || projects[0]["slug"] != "demo" || projects[0]["id"] != "1" {
		t.Errorf("projects = %v", projects)
	}
	if resp := call(t, srv, "GET", "/api/0/organizations/nope/projects/", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown org: %d, want 404", resp.StatusCode)
	}
}

func TestIssuesHaveSentryFieldNamesAndTypes(t *testing.T) {
	srv, _ := server(t)
	var issues []map[string]any
	call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/?sort=freq", "", &issues)
	if len(issues) != 2 {
		t.Fatalf("want 2 issues, got %d", len(issues))
	}
	is := issues[0]
	checks := map[string]any{
		"title": "TypeError: a", "culprit": "app.js in a", "level": "error", "status": "unresolved",
		"count": "3", "userCount": float64(2), "shortId": "DEMO-" + strings.ToUpper(is["id"].(string)),
		"project":  map[string]any{"id": "1", "slug": "demo", "name": "demo", "platform": nil},
		"metadata": map[string]any{"type": "TypeError", "value": "a", "filename": "app.js", "function": "a", "title": "TypeError: a"},
	}
	for k, want := range checks {
		if fmt.Sprint(is[k]) != fmt.Sprint(want) {
			t.Errorf("%s = %#v, want %#v", k, is[k], want)
		}
	}
	for _, k := range []string{"firstSeen", "lastSeen"} {
		if _, err := time.Parse(time.RFC3339Nano, is[k].(string)); err != nil {
			t.Errorf("%s is not ISO-8601: %v", k, err)
		}
	}
	stats := is["stats"].(map[string]any)["24h"].([]any)
	var total float64
	for _, p := range stats {
		total += p.([]any)[1].(float64)
	}
	if len(stats) != 24 || total != 3 {
		t.Errorf("24h stats: %d buckets, %v events; want 24 and 3", len(stats), total)
	}
}

func TestIssueSearch(t *testing.T) {
	srv, _ := server(t)
	cases := []struct {
		name, query string
		want        int
	}{
		{"unresolved by default", "", 2},
		{"free text on the title", "query=TypeError:%20b", 1},
		{"free text on the culprit", "query=app.js%20in%20a", 1},
		{"by release", "query=release:shop@1.0.0", 1},
		{"by environment", "query=environment:production", 2},
		{"by level", "query=level:warning", 0},
		{"resolved", "query=is:resolved", 0},
	}
	for _, c := range cases {
		var issues []map[string]any
		call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/?"+c.query, "", &issues)
		if len(issues) != c.want {
			t.Errorf("%s: %d issues, want %d", c.name, len(issues), c.want)
		}
	}
	var org []map[string]any
	call(t, srv, "GET", "/api/0/organizations/faultline/issues/?project=1&query=TypeError", "", &org)
	if len(org) != 2 {
		t.Errorf("organization issues: %d, want 2", len(org))
	}
}

func TestIssuesArePagedWithSentryLinkHeaders(t *testing.T) {
	srv, _ := server(t)
	var page []map[string]any
	resp := call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/?limit=1", "", &page)
	link := resp.Header.Get("Link")
	if len(page) != 1 || !strings.Contains(link, `rel="previous"; results="false"; cursor="0:0:1"`) ||
		!strings.Contains(link, `rel="next"; results="true"; cursor="0:1:0"`) {
		t.Fatalf("first page: %d issues, Link %s", len(page), link)
	}
	var second []map[string]any
	resp = call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/?limit=1&cursor=0:1:0", "", &second)
	if len(second) != 1 || second[0]["id"] == page[0]["id"] || !strings.Contains(resp.Header.Get("Link"), `rel="next"; results="false"`) {
		t.Errorf("second page: %v, Link %s", second, resp.Header.Get("Link"))
	}
}

func firstIssueID(t *testing.T, srv *httptest.Server) string {
	var issues []map[string]any
	call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/?sort=freq", "", &issues)
	return issues[0]["id"].(string)
}

func TestIssueDetailHasTagsReleasesAndExplanation(t *testing.T) {
	srv, _ := server(t)
	id := firstIssueID(t, srv)
	var is map[string]any
	call(t, srv, "GET", "/api/0/issues/"+id+"/", "", &is)
	if is["firstRelease"].(map[string]any)["version"] != "shop@1.0.0" || is["lastRelease"].(map[string]any)["version"] != "shop@1.1.0" {
		t.Errorf("releases: %v .. %v", is["firstRelease"], is["lastRelease"])
	}
	tags := map[string]float64{}
	for _, tg := range is["tags"].([]any) {
		m := tg.(map[string]any)
		tags[m["key"].(string)] = m["totalValues"].(float64)
	}
	if tags["browser"] != 3 || tags["release"] != 3 {
		t.Errorf("tags = %v", tags)
	}
	if is["groupingExplanation"].(map[string]any)["app"] == nil {
		t.Errorf("grouping explanation missing: %v", is["groupingExplanation"])
	}
	var viaOrg map[string]any
	call(t, srv, "GET", "/api/0/organizations/faultline/issues/"+id+"/", "", &viaOrg)
	if viaOrg["id"] != id {
		t.Errorf("organization-scoped issue route: %v", viaOrg["id"])
	}
	if resp := call(t, srv, "GET", "/api/0/organizations/nope/issues/"+id+"/events/latest/", "", nil); resp.StatusCode != 404 {
		t.Errorf("organization-scoped route of an unknown org: %d, want 404", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", "/api/0/issues/999999/", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown issue: %d, want 404", resp.StatusCode)
	}
}

func TestIssueStatusChanges(t *testing.T) {
	srv, _ := server(t)
	id := firstIssueID(t, srv)
	// The API and the store read the wall clock: an ignore-until must lie ahead of it.
	until := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	cases := []struct {
		body, wantStatus, wantDetails string
	}{
		{`{"status":"resolved"}`, "resolved", "map[]"},
		{`{"status":"resolved","statusDetails":{"inNextRelease":true}}`, "resolved", "map[inNextRelease:true]"},
		{`{"status":"resolvedInNextRelease"}`, "resolved", "map[inNextRelease:true]"},
		{`{"status":"resolved","statusDetails":{"inRelease":"shop@2.0.0"}}`, "resolved", "map[inRelease:shop@2.0.0]"},
		{`{"status":"ignored","statusDetails":{"ignoreCount":5}}`, "ignored", "map[ignoreCount:5]"},
		{`{"status":"ignored","statusDetails":{"ignoreUntil":"` + until.Format(time.RFC3339) + `"}}`, "ignored", "map[ignoreUntil:" + until.Format("2006-01-02T15:04:05.000000Z") + "]"},
		{`{"status":"unresolved"}`, "unresolved", "map[]"},
	}
	for _, c := range cases {
		var is map[string]any
		call(t, srv, "PUT", "/api/0/issues/"+id+"/", c.body, &is)
		if is["status"] != c.wantStatus || fmt.Sprint(is["statusDetails"]) != c.wantDetails {
			t.Errorf("%s: status %v %v, want %s %s", c.body, is["status"], is["statusDetails"], c.wantStatus, c.wantDetails)
		}
	}
	if resp := call(t, srv, "PUT", "/api/0/issues/"+id+"/", `{"status":"bogus"}`, nil); resp.StatusCode != 400 {
		t.Errorf("bogus status: %d, want 400", resp.StatusCode)
	}
}

func TestIssueEventsLatestEventHashesAndEventByID(t *testing.T) {
	srv, _ := server(t)
	id := firstIssueID(t, srv)
	var evs []map[string]any
	call(t, srv, "GET", "/api/0/issues/"+id+"/events/", "", &evs)
	if len(evs) != 3 || evs[0]["groupID"] != id || evs[0]["eventID"] != fmt.Sprintf("%032x", 3) {
		t.Fatalf("events: %d, first %v", len(evs), evs[0]["eventID"])
	}
	var latest map[string]any
	call(t, srv, "GET", "/api/0/issues/"+id+"/events/latest/", "", &latest)
	entries := latest["entries"].([]any)
	var types []string
	for _, e := range entries {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if latest["eventID"] != fmt.Sprintf("%032x", 3) || fmt.Sprint(types) != "[exception breadcrumbs request]" {
		t.Errorf("latest event %v with entries %v", latest["eventID"], types)
	}
	var hashes []map[string]any
	call(t, srv, "GET", "/api/0/issues/"+id+"/hashes/", "", &hashes)
	if len(hashes) != 1 || hashes[0]["id"] != "a" {
		t.Errorf("hashes = %v", hashes)
	}
	var one map[string]any
	call(t, srv, "GET", "/api/0/projects/faultline/demo/events/"+fmt.Sprintf("%032x", 1)+"/", "", &one)
	if one["groupID"] != id || one["release"].(map[string]any)["version"] != "shop@1.2.3" {
		t.Errorf("event by id: group %v release %v", one["groupID"], one["release"])
	}
	if resp := call(t, srv, "GET", "/api/0/projects/faultline/other/events/"+fmt.Sprintf("%032x", 1)+"/", "", nil); resp.StatusCode != 404 {
		t.Errorf("event through another project: %d, want 404", resp.StatusCode)
	}
}

func TestDeletingAProjectsData(t *testing.T) {
	srv, _ := server(t)
	id := firstIssueID(t, srv)
	if resp := call(t, srv, "DELETE", "/api/0/projects/faultline/nosuch/", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("delete of an unknown project: %d, want 404", resp.StatusCode)
	}
	if resp := call(t, srv, "DELETE", "/api/0/projects/faultline/demo/", "", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d, want 204", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", "/api/0/issues/"+id+"/", "", nil); resp.StatusCode != 404 {
		t.Errorf("issue after its project's data was deleted: %d, want 404", resp.StatusCode)
	}
	var list []map[string]any
	call(t, srv, "GET", "/api/0/projects/faultline/demo/issues/", "", &list)
	if len(list) != 0 {
		t.Errorf("%d issues left", len(list))
	}
}

func TestDeletingAnIssue(t *testing.T) {
	srv, _ := server(t)
	id := firstIssueID(t, srv)
	if resp := call(t, srv, "DELETE", "/api/0/issues/"+id+"/", "", nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete: %d, want 202", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", "/api/0/issues/"+id+"/", "", nil); resp.StatusCode != 404 {
		t.Errorf("after delete: %d, want 404", resp.StatusCode)
	}
}

func TestStatsV2SumsOutcomesLikeSentry(t *testing.T) {
	srv, st := server(t)
	now := time.Now().UTC()
	err := st.WriteOutcomes(context.Background(), []store.Outcome{
		{ProjectID: 1, Hour: now, Category: "error", Outcome: store.OutcomeRateLimited, Reason: "quota", Quantity: 4},
		{ProjectID: 1, Hour: now.Add(-2 * time.Hour), Category: "error", Outcome: store.OutcomeClientDiscard, Reason: "ratelimit_backoff", Quantity: 3},
		{ProjectID: 1, Hour: now.Add(-3 * 24 * time.Hour), Category: "error", Outcome: store.OutcomeRateLimited, Reason: "quota", Quantity: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Intervals []string `json:"intervals"`
		Groups    []struct {
			By     map[string]any     `json:"by"`
			Totals map[string]int64   `json:"totals"`
			Series map[string][]int64 `json:"series"`
		} `json:"groups"`
	}
	call(t, srv, "GET", "/api/0/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=category&statsPeriod=24h&interval=1h&project=1", "", &got)
	if len(got.Intervals) != 24 || len(got.Groups) != 2 {
		t.Fatalf("%d intervals, groups %+v; want 24 hours and two groups", len(got.Intervals), got.Groups)
	}
	for _, g := range got.Groups {
		want := map[string]int64{"rate_limited": 4, "client_discard": 3}[g.By["outcome"].(string)]
		if g.By["category"] != "error" || g.Totals["sum(quantity)"] != want || len(g.Series["sum(quantity)"]) != 24 {
			t.Errorf("group %+v, want total %d over 24 hours", g, want)
		}
	}
	if resp := call(t, srv, "GET", "/api/0/organizations/faultline/stats_v2/?groupBy=team", "", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown groupBy: %d, want 400", resp.StatusCode)
	}
}
