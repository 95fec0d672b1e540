package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

func TestTheIssuePageShowsWhichAlertsFiredAndTheirDelivery(t *testing.T) {
	st := openStore(t)
	rules := []alertrule.Rule{{Key: "config:1:new", Name: "new <issues>", Project: 1,
		Triggers: []alertrule.Trigger{{Kind: alertrule.NewIssue}, {Kind: alertrule.Frequency, Threshold: 100, Window: 5 * time.Minute}},
		Filters:  alertrule.Filters{Level: "error", Environment: "production"}, Targets: []string{"slack", "oncall"}}}
	set, err := alertrule.Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	st.SetAlerting(store.Alerting{Rules: set})
	write(t, st, testEvent("a", 1, nil))
	ctx := context.Background()
	claimed, _ := st.ClaimAlerts(ctx, "slack", "w", time.Minute, 1)
	st.AlertDelivered(ctx, claimed[0].ID, "w")
	claimed, _ = st.ClaimAlerts(ctx, "oncall", "w", time.Minute, 1)
	st.AlertAttemptFailed(ctx, claimed[0].ID, "w", "HTTP 400: invalid routing key", time.Time{})

	u, err := New(st, Config{Token: testToken, Projects: []Project{{1, "demo"}}, Rules: set.Rules,
		OnError: func(path string, err error) { t.Errorf("%s: %v", path, err) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(u)
	defer srv.Close()
	b := newBrowser(t, srv.URL)
	b.login()
	list, _ := st.ListIssues(ctx, store.IssueQuery{})
	page := b.page(fmt.Sprintf("/issues/%d/", list[0].ID))
	for _, want := range []string{`id="alerts"`, "new issue", "new &lt;issues&gt;", "<code>slack</code>", `class="badge delivered"`,
		"<code>oncall</code>", `class="badge failed"`, "HTTP 400: invalid routing key"} {
		if !strings.Contains(page, want) {
			t.Errorf("the issue page lacks %s", want)
		}
	}
	rulesPage := b.page("/rules/")
	for _, want := range []string{"new &lt;issues&gt;", "a new issue or more than 100 events in 5 minutes", "level ≥ error", "environment = production",
		"<code>slack</code> <code>oncall</code>", "30 minutes", "configuration"} {
		if !strings.Contains(rulesPage, want) {
			t.Errorf("the rules page lacks %s:\n%s", want, rulesPage)
		}
	}
}
