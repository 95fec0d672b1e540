package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

// RuleBook is what the rules API needs of whoever keeps the alert rules in force.
type RuleBook interface {
	// Rules lists the rules in force: the configured ones and those made through the API.
	Rules() []*alertrule.Rule
	// TargetConfigured reports whether a target of that name is configured.
	TargetConfigured(name string) bool
	// Reload puts the stored rules in force after a change.
	Reload(ctx context.Context) error
}

// APIRulePrefix starts the key of every rule made through the API ("api:<id>"); other keys are
// of configured rules, which the API shows but does not change.
const APIRulePrefix = "api:"

// Sentry's ids of the issue-alert conditions and filters Faultline implements.
const (
	condFirstSeen   = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
	condRegression  = "sentry.rules.conditions.regression_event.RegressionEventCondition"
	condReappeared  = "sentry.rules.conditions.reappeared_event.ReappearedEventCondition"
	condFrequency   = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
	condUniqueUsers = "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition"
	filterLevel     = "sentry.rules.filters.level.LevelFilter"
	filterTag       = "sentry.rules.filters.tagged_event.TaggedEventFilter"
	filterAttribute = "sentry.rules.filters.event_attribute.EventAttributeFilter"
	// actionNotify notifies a target configured in the collector: the API never takes an address.
	actionNotify = "faultline.rules.actions.NotifyTarget"
	// attributeSource is Faultline's event attribute for where an event came from (sentry, otel).
	attributeSource = "faultline.source"
)

var conditionOfKind = map[string]string{
	alertrule.NewIssue: condFirstSeen, alertrule.Regression: condRegression, alertrule.Escalation: condReappeared,
	alertrule.Frequency: condFrequency, alertrule.Users: condUniqueUsers,
}

// Sentry's numeric levels, as its LevelFilter takes them.
var levelNumbers = map[string]string{"debug": "10", "info": "20", "warning": "30", "error": "40", "fatal": "50"}

// intervals are Sentry's names of the windows.
var intervals = map[string]time.Duration{"1m": time.Minute, "5m": 5 * time.Minute, "15m": 15 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour}

func intervalName(d time.Duration) string {
	for name, v := range intervals {
		if v == d {
			return name
		}
	}
	return d.String()
}

// ruleBody is a rule as Sentry's project rules API reads and writes it.
type ruleBody struct {
	Name        string           `json:"name"`
	ActionMatch string           `json:"actionMatch"`
	FilterMatch string           `json:"filterMatch"`
	Conditions  []map[string]any `json:"conditions"`
	Filters     []map[string]any `json:"filters"`
	Actions     []map[string]any `json:"actions"`
	Frequency   json.Number      `json:"frequency"`
	Environment *string          `json:"environment"`
}

func (a *API) ruleJSON(p Project, r *alertrule.Rule, updated time.Time) map[string]any {
	var conds, filters, actions []map[string]any
	for _, t := range r.Triggers {
		c := map[string]any{"id": conditionOfKind[t.Kind]}
		if t.Kind == alertrule.Frequency || t.Kind == alertrule.Users {
			c["value"], c["interval"] = t.Threshold, intervalName(t.Window)
		}
		conds = append(conds, c)
	}
	f := r.Filters
	if f.Level != "" {
		filters = append(filters, map[string]any{"id": filterLevel, "match": "gte", "level": levelNumbers[f.Level]})
	}
	for _, kv := range [][2]string{{"release", f.Release}, {"platform", f.Platform}, {attributeSource, f.Source}} {
		if kv[1] != "" {
			filters = append(filters, map[string]any{"id": filterAttribute, "attribute": kv[0], "match": "eq", "value": kv[1]})
		}
	}
	keys := make([]string, 0, len(f.Tags))
	for k := range f.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		filters = append(filters, map[string]any{"id": filterTag, "key": k, "match": "eq", "value": f.Tags[k]})
	}
	for _, t := range r.Targets {
		actions = append(actions, map[string]any{"id": actionNotify, "target": t})
	}
	id, source := r.Key, "config"
	if rest, ok := strings.CutPrefix(r.Key, APIRulePrefix); ok {
		id, source = rest, "api"
	}
	out := map[string]any{
		"id": id, "name": r.Name, "actionMatch": "any", "filterMatch": "all",
		"conditions": orEmptyList(conds), "filters": orEmptyList(filters), "actions": orEmptyList(actions),
		"frequency": int64(r.Interval() / time.Minute), "environment": nullable(f.Environment),
		"projects": []string{p.Slug}, "status": "active", "source": source,
	}
	if !updated.IsZero() {
		out["dateCreated"] = isoTime(updated)
	}
	return out
}

func orEmptyList(l []map[string]any) []map[string]any {
	if l == nil {
		return []map[string]any{}
	}
	return l
}

// ruleFromBody reads a rule from Sentry's shape. Errors name the field.
func (a *API) ruleFromBody(project int64, b *ruleBody) (alertrule.Rule, error) {
	r := alertrule.Rule{Name: strings.TrimSpace(b.Name), Project: project}
	var errs []error
	if b.ActionMatch != "" && b.ActionMatch != "any" {
		errs = append(errs, fmt.Errorf("actionMatch %q is not supported (any: the rule fires when any condition holds)", b.ActionMatch))
	}
	if b.FilterMatch != "" && b.FilterMatch != "all" {
		errs = append(errs, fmt.Errorf("filterMatch %q is not supported (all: every filter must pass)", b.FilterMatch))
	}
	for i, c := range b.Conditions {
		t, err := conditionTrigger(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("conditions[%d]: %w", i, err))
			continue
		}
		r.Triggers = append(r.Triggers, t)
	}
	for i, f := range b.Filters {
		if err := addFilter(&r.Filters, f); err != nil {
			errs = append(errs, fmt.Errorf("filters[%d]: %w", i, err))
		}
	}
	if b.Environment != nil {
		r.Filters.Environment = *b.Environment
	}
	for i, act := range b.Actions {
		if id, _ := act["id"].(string); id != actionNotify {
			errs = append(errs, fmt.Errorf("actions[%d]: id %q is not supported (%s with a configured target)", i, id, actionNotify))
			continue
		}
		target, _ := act["target"].(string)
		r.Targets = append(r.Targets, target)
	}
	if b.Frequency != "" {
		minutes, err := b.Frequency.Int64()
		if err != nil || minutes <= 0 {
			errs = append(errs, fmt.Errorf("frequency %q must be a positive number of minutes", b.Frequency))
		}
		r.ActionInterval = time.Duration(minutes) * time.Minute
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	return r, errors.Join(r.Validate(), r.CheckTargets(a.cfg.Rules.TargetConfigured))
}

func conditionTrigger(c map[string]any) (alertrule.Trigger, error) {
	id, _ := c["id"].(string)
	switch id {
	case condFirstSeen:
		return alertrule.Trigger{Kind: alertrule.NewIssue}, nil
	case condRegression:
		return alertrule.Trigger{Kind: alertrule.Regression}, nil
	case condReappeared:
		return alertrule.Trigger{Kind: alertrule.Escalation}, nil
	case condFrequency, condUniqueUsers:
		kind := alertrule.Frequency
		if id == condUniqueUsers {
			kind = alertrule.Users
		}
		value, err := number(c["value"])
		if err != nil {
			return alertrule.Trigger{}, fmt.Errorf("value: %w", err)
		}
		name, _ := c["interval"].(string)
		w, ok := intervals[name]
		if !ok {
			return alertrule.Trigger{}, fmt.Errorf("interval %q must be one of 1m, 5m, 15m, 1h, 1d", name)
		}
		return alertrule.Trigger{Kind: kind, Threshold: value, Window: w}, nil
	}
	return alertrule.Trigger{}, fmt.Errorf("id %q is not supported (first seen, regression, reappeared, event frequency, unique user frequency)", id)
}

// number reads a JSON number or numeric string, as Sentry's forms send either.
func number(v any) (int64, error) {
	switch n := v.(type) {
	case json.Number:
		return n.Int64()
	case float64:
		if n != float64(int64(n)) {
			return 0, fmt.Errorf("%v is not a whole number", n)
		}
		return int64(n), nil
	case string:
		return strconv.ParseInt(n, 10, 64)
	}
	return 0, fmt.Errorf("%v is not a number", v)
}

func addFilter(f *alertrule.Filters, m map[string]any) error {
	id, _ := m["id"].(string)
	match, _ := m["match"].(string)
	value := fmt.Sprint(m["value"])
	switch id {
	case filterLevel:
		if match != "gte" {
			return fmt.Errorf("match %q is not supported (gte)", match)
		}
		level := fmt.Sprint(m["level"])
		for name, n := range levelNumbers {
			if level == n || level == name {
				f.Level = name
				return nil
			}
		}
		return fmt.Errorf("level %q must be 10, 20, 30, 40 or 50", level)
	case filterTag:
		if match != "eq" {
			return fmt.Errorf("match %q is not supported (eq)", match)
		}
		key, _ := m["key"].(string)
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		f.Tags[key] = value
		return nil
	case filterAttribute:
		if match != "eq" {
			return fmt.Errorf("match %q is not supported (eq)", match)
		}
		switch attr, _ := m["attribute"].(string); attr {
		case "release":
			f.Release = value
		case "platform":
			f.Platform = value
		case attributeSource:
			f.Source = value
		default:
			return fmt.Errorf("attribute %q is not supported (release, platform, %s)", attr, attributeSource)
		}
		return nil
	}
	return fmt.Errorf("id %q is not supported (level, tagged event, event attribute)", id)
}

// rulesOf lists the rules in force of a project.
func (a *API) rulesOf(p Project) []*alertrule.Rule {
	var out []*alertrule.Rule
	for _, r := range a.cfg.Rules.Rules() {
		if r.Project == p.ID {
			out = append(out, r)
		}
	}
	return out
}

// rulesRoute checks that rules are served at all.
func (a *API) rulesRoute(w http.ResponseWriter, r *http.Request) (Project, bool) {
	if a.cfg.Rules == nil {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return Project{}, false
	}
	return a.project(w, r)
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) {
	p, ok := a.rulesRoute(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, rule := range a.rulesOf(p) {
		out = append(out, a.ruleJSON(p, rule, time.Time{}))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) {
	p, ok := a.rulesRoute(w, r)
	if !ok {
		return
	}
	id := r.PathValue("rule")
	for _, rule := range a.rulesOf(p) {
		if rule.Key == APIRulePrefix+id || rule.Key == id {
			writeJSON(w, http.StatusOK, a.ruleJSON(p, rule, time.Time{}))
			return
		}
	}
	writeError(w, http.StatusNotFound, "The requested resource does not exist")
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) {
	a.putRule(w, r, 0)
}

func (a *API) updateRule(w http.ResponseWriter, r *http.Request) {
	id, ok := a.apiRuleID(w, r)
	if ok {
		a.putRule(w, r, id)
	}
}

// apiRuleID reads {rule}, refusing the configured rules, which only the configuration changes.
func (a *API) apiRuleID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	ref := r.PathValue("rule")
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		if _, ok := a.rulesRoute(w, r); ok {
			writeError(w, http.StatusForbidden, fmt.Sprintf("rule %q is set in the collector configuration (alerts::rules); change it there", ref))
		}
		return 0, false
	}
	return id, true
}

func (a *API) putRule(w http.ResponseWriter, r *http.Request, id int64) {
	p, ok := a.rulesRoute(w, r)
	if !ok {
		return
	}
	if id != 0 && !a.hasAPIRule(p, id) {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return
	}
	var body ruleBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	rule, err := a.ruleFromBody(p.ID, &body)
	if err == nil {
		for _, other := range a.rulesOf(p) {
			if other.Name == rule.Name && other.Key != APIRulePrefix+strconv.FormatInt(id, 10) {
				err = fmt.Errorf("name %q is used by another rule of the project", rule.Name)
			}
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid rule: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	spec, err := json.Marshal(rule)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	stored, err := a.st.PutAlertRule(r.Context(), store.StoredRule{ID: id, ProjectID: p.ID, Spec: string(spec)})
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if err := a.cfg.Rules.Reload(r.Context()); err != nil {
		writeStoreError(w, err)
		return
	}
	rule.Key = APIRulePrefix + strconv.FormatInt(stored.ID, 10)
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, a.ruleJSON(p, &rule, stored.Updated))
}

func (a *API) hasAPIRule(p Project, id int64) bool {
	for _, r := range a.rulesOf(p) {
		if r.Key == APIRulePrefix+strconv.FormatInt(id, 10) {
			return true
		}
	}
	return false
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request) {
	id, ok := a.apiRuleID(w, r)
	if !ok {
		return
	}
	p, ok := a.rulesRoute(w, r)
	if !ok {
		return
	}
	if !a.hasAPIRule(p, id) {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return
	}
	if err := a.st.DeleteAlertRule(r.Context(), id); err != nil {
		writeStoreError(w, err)
		return
	}
	if err := a.cfg.Rules.Reload(r.Context()); err != nil {
		writeStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
