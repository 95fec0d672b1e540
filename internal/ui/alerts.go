package ui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

// alertsShown is how many of an issue's alerts its page lists.
const alertsShown = 20

// alertView is one alert on the issue page.
type alertView struct {
	Created             time.Time
	Rule, Reason        string
	Target, State       string
	Attempts            int64
	DeliveredAt         time.Time
	NextAttempt         time.Time
	LastError           string
	Pending, Failed, OK bool
}

var reasonNames = map[string]string{
	alertrule.NewIssue: "new issue", alertrule.Regression: "regression", alertrule.Escalation: "escalation",
	alertrule.Frequency: "frequency", alertrule.Users: "users", store.ReasonResolve: "resolved",
}

func viewAlerts(list []store.Alert) []alertView {
	out := make([]alertView, len(list))
	for i, a := range list {
		out[i] = alertView{Created: a.Created, Rule: a.RuleName, Reason: reasonNames[a.Reason], Target: a.Target, State: a.State,
			Attempts: a.Attempts, DeliveredAt: a.DeliveredAt, NextAttempt: a.NextAttempt, LastError: a.LastError,
			Pending: a.State == store.AlertPending, Failed: a.State == store.AlertFailed, OK: a.State == store.AlertDelivered}
	}
	return out
}

// ruleView is one alert rule on the rules page.
type ruleView struct {
	Project  string
	Name     string
	Source   string
	Triggers []string
	Filters  []string
	Interval string
	Targets  []string
}

func describeTrigger(t alertrule.Trigger) string {
	switch t.Kind {
	case alertrule.Frequency:
		return fmt.Sprintf("more than %d events in %s", t.Threshold, humanDuration(t.Window))
	case alertrule.Users:
		return fmt.Sprintf("more than %d users in %s", t.Threshold, humanDuration(t.Window))
	case alertrule.Escalation:
		return "an ignored issue escalates"
	case alertrule.Regression:
		return "an issue regresses"
	}
	return "a new issue"
}

func describeFilters(f alertrule.Filters) []string {
	var out []string
	if f.Level != "" {
		out = append(out, "level ≥ "+f.Level)
	}
	for _, kv := range [][2]string{{"environment", f.Environment}, {"release", f.Release}, {"platform", f.Platform}, {"source", f.Source}} {
		if kv[1] != "" {
			out = append(out, kv[0]+" = "+kv[1])
		}
	}
	for k, v := range f.Tags {
		out = append(out, k+" = "+v)
	}
	return out
}

func (u *UI) rulesPage(w http.ResponseWriter, r *http.Request) {
	var views []ruleView
	if u.cfg.Rules != nil {
		for _, rule := range u.cfg.Rules() {
			p, ok := u.byID[rule.Project]
			if !ok {
				continue
			}
			v := ruleView{Project: p.Slug, Name: rule.Name, Source: "configuration", Filters: describeFilters(rule.Filters),
				Interval: humanDuration(rule.Interval()), Targets: rule.Targets}
			if strings.HasPrefix(rule.Key, "api:") {
				v.Source = "API"
			}
			for _, t := range rule.Triggers {
				v.Triggers = append(v.Triggers, describeTrigger(t))
			}
			views = append(views, v)
		}
	}
	u.render(w, r, http.StatusOK, "rules", "Alert rules", views)
}
