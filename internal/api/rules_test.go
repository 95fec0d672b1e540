package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

// testBook is a RuleBook over a store: one configured rule and the stored ones.
type testBook struct {
	st  store.Store
	mu  sync.Mutex
	set *alertrule.Set
}

func (b *testBook) Rules() []*alertrule.Rule {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.set.Rules()
}

func (b *testBook) TargetConfigured(name string) bool { return name == "slack" || name == "oncall" }

func (b *testBook) Reload(ctx context.Context) error {
	rules := []alertrule.Rule{{Key: "config:1:new", Name: "new issues", Project: 1,
		Triggers: []alertrule.Trigger{{Kind: alertrule.NewIssue}}, Targets: []string{"slack"}}}
	stored, err := b.st.AlertRules(ctx)
	if err != nil {
		return err
	}
	for _, sr := range stored {
		var r alertrule.Rule
		if err := json.Unmarshal([]byte(sr.Spec), &r); err != nil {
			return err
		}
		r.Key, r.Project = APIRulePrefix+strconv.FormatInt(sr.ID, 10), sr.ProjectID
		rules = append(rules, r)
	}
	set, err := alertrule.Compile(rules)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.set = set
	b.mu.Unlock()
	b.st.SetAlerting(store.Alerting{Rules: set})
	return nil
}

func rulesServer(t *testing.T) *httptest.Server {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "rules.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book := &testBook{st: st}
	if err := book.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, Config{Token: token, Org: "faultline", Projects: []Project{{ID: 1, Slug: "demo"}}, Rules: book}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, srv *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const spikeRule = `{"name": "checkout spike", "actionMatch": "any", "filterMatch": "all", "frequency": 60, "environment": "production",
	"conditions": [{"id": "sentry.rules.conditions.event_frequency.EventFrequencyCondition", "value": 100, "interval": "5m"},
	               {"id": "sentry.rules.conditions.regression_event.RegressionEventCondition"}],
	"filters": [{"id": "sentry.rules.filters.level.LevelFilter", "match": "gte", "level": "40"},
	            {"id": "sentry.rules.filters.tagged_event.TaggedEventFilter", "key": "team", "match": "eq", "value": "checkout"},
	            {"id": "sentry.rules.filters.event_attribute.EventAttributeFilter", "attribute": "faultline.source", "match": "eq", "value": "otel"}],
	"actions": [{"id": "faultline.rules.actions.NotifyTarget", "target": "oncall"}]}`

func TestRulesAreListedCreatedUpdatedAndDeleted(t *testing.T) {
	srv := rulesServer(t)
	const base = "/api/0/projects/faultline/demo/rules/"
	status, body := send(t, srv, "POST", base, spikeRule)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	var created map[string]any
	json.Unmarshal([]byte(body), &created)
	id := created["id"].(string)
	if created["frequency"] != float64(60) || created["environment"] != "production" || created["source"] != "api" ||
		!strings.Contains(body, `"interval":"5m"`) || !strings.Contains(body, `"level":"40"`) || !strings.Contains(body, `"target":"oncall"`) {
		t.Fatalf("created: %s", body)
	}

	status, body = send(t, srv, "GET", base, "")
	var list []map[string]any
	json.Unmarshal([]byte(body), &list)
	bySource := map[string]string{}
	for _, r := range list {
		bySource[r["source"].(string)] = r["id"].(string)
	}
	if status != 200 || len(list) != 2 || bySource["api"] != id || bySource["config"] == "" {
		t.Fatalf("list: %d %s", status, body)
	}

	updated := strings.Replace(spikeRule, `"value": 100`, `"value": 500`, 1)
	if status, body = send(t, srv, "PUT", base+id+"/", updated); status != 200 || !strings.Contains(body, `"value":500`) {
		t.Fatalf("update: %d %s", status, body)
	}
	if status, body = send(t, srv, "GET", base+id+"/", ""); status != 200 || !strings.Contains(body, `"value":500`) {
		t.Fatalf("get: %d %s", status, body)
	}
	configured := bySource["config"]
	if status, body = send(t, srv, "DELETE", base+configured+"/", ""); status != http.StatusForbidden || !strings.Contains(body, "alerts::rules") {
		t.Fatalf("deleting a configured rule: %d %s", status, body)
	}
	if status, _ = send(t, srv, "DELETE", base+id+"/", ""); status != http.StatusAccepted {
		t.Fatalf("delete: %d", status)
	}
	if status, _ = send(t, srv, "GET", base+id+"/", ""); status != http.StatusNotFound {
		t.Fatalf("a deleted rule: %d", status)
	}
}

func TestInvalidRulesAreRefusedNamingTheField(t *testing.T) {
	srv := rulesServer(t)
	cases := map[string]struct{ from, to, want string }{
		"an address instead of a target": {`"target": "oncall"`, `"target": "http://169.254.169.254/latest"`, `targets[0]: \"http://169.254.169.254/latest\" is not a configured target`},
		"a Sentry action with a URL":     {`"id": "faultline.rules.actions.NotifyTarget", "target": "oncall"`, `"id": "sentry.rules.actions.notify_event_service.NotifyEventServiceAction", "service": "webhooks"`, `actions[0]: id \"sentry.rules.actions.notify_event_service.NotifyEventServiceAction\" is not supported`},
		"an unknown interval":            {`"interval": "5m"`, `"interval": "2m"`, `conditions[0]: interval \"2m\" must be one of`},
		"an unknown condition":           {`RegressionEventCondition`, `TaggedEventCondition`, `conditions[1]: id`},
		"a level by another match":       {`"match": "gte", "level": "40"`, `"match": "lte", "level": "40"`, `filters[0]: match \"lte\" is not supported`},
		"a bad frequency":                {`"frequency": 60`, `"frequency": -5`, `frequency \"-5\" must be a positive number of minutes`},
		"no name":                        {`"name": "checkout spike"`, `"name": ""`, "name must be set"},
		"a configured rule's name":       {`"name": "checkout spike"`, `"name": "new issues"`, `name \"new issues\" is used by another rule`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, body := send(t, srv, "POST", "/api/0/projects/faultline/demo/rules/", strings.Replace(spikeRule, c.from, c.to, 1))
			if status != http.StatusBadRequest || !strings.Contains(body, c.want) {
				t.Fatalf("%d %s, want 400 with %s", status, body, c.want)
			}
		})
	}
	if status, _ := send(t, srv, "POST", "/api/0/projects/faultline/nope/rules/", spikeRule); status != http.StatusNotFound {
		t.Fatalf("an unknown project: %d", status)
	}
}

// Rules made through the API fire like configured ones: the store evaluates them on write.
func TestARuleMadeThroughTheAPIFires(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "fire.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	book := &testBook{st: st}
	book.Reload(context.Background())
	srv := httptest.NewServer(New(st, Config{Token: token, Org: "faultline", Projects: []Project{{ID: 1, Slug: "demo"}}, Rules: book}))
	defer srv.Close()
	body := `{"name": "regressions", "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
		"actions": [{"id": "faultline.rules.actions.NotifyTarget", "target": "oncall"}]}`
	if status, b := send(t, srv, "POST", "/api/0/projects/faultline/demo/rules/", body); status != http.StatusCreated {
		t.Fatalf("%d %s", status, b)
	}
	now := time.Now()
	if err := st.Write(context.Background(), []store.Event{{ProjectID: 1, EventID: strings.Repeat("a", 32), Timestamp: now, Received: now,
		Hashes: []string{"h"}, Title: "boom", Payload: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	list, _ := st.ListIssues(context.Background(), store.IssueQuery{})
	alerts, _ := st.IssueAlerts(context.Background(), list[0].ID, 10)
	targets := map[string]bool{}
	for _, a := range alerts {
		targets[a.Target+" "+a.RuleName] = true
	}
	if len(alerts) != 2 || !targets["slack new issues"] || !targets["oncall regressions"] {
		t.Fatalf("alerts: %+v", alerts)
	}
}
