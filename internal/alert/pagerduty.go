package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// PagerDutyEventsURL is the Events API v2 endpoint.
const PagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDuty sends Events API v2 events: trigger when a rule fires, resolve when the issue is
// resolved, both with one dedup_key per issue so that PagerDuty keeps one incident per issue.
type PagerDuty struct {
	URL        string // PagerDutyEventsURL unless a test stands in for it
	RoutingKey string
	Client     *http.Client
}

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
}

type pdPayload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp,omitempty"`
	Component     string            `json:"component,omitempty"`
	Group         string            `json:"group,omitempty"`
	Class         string            `json:"class,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// pdAnswer is the Events API's answer: 202 {"status":"success","message":"Event processed",
// "dedup_key":…}, or 400 {"status":"invalid event","message":…,"errors":[…]}.
type pdAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key"`
	Errors   []string `json:"errors"`
}

// DedupKey is the PagerDuty dedup_key of an issue.
func DedupKey(issueID int64) string { return "faultline-issue-" + strconv.FormatInt(issueID, 10) }

// pdSeverity maps a Sentry level to PagerDuty's severities.
func pdSeverity(level string) string {
	switch level {
	case "fatal":
		return "critical"
	case "warning":
		return "warning"
	case "info", "debug":
		return "info"
	}
	return "error"
}

func pagerDutyEvent(routingKey string, n *Notification) pdEvent {
	e := pdEvent{RoutingKey: routingKey, EventAction: n.Action, DedupKey: DedupKey(n.Issue.ID)}
	if n.Action == ActionResolve {
		return e
	}
	e.Client, e.ClientURL = "Faultline", n.IssueURL
	e.Links = []pdLink{{Href: n.IssueURL, Text: "Issue in Faultline"}}
	e.Payload = &pdPayload{
		Summary:   truncate(n.Headline(), 1024), // the API's limit on summary
		Source:    "faultline project " + n.Project.Slug,
		Severity:  pdSeverity(n.Issue.Level),
		Timestamp: n.Created.UTC().Format(time.RFC3339),
		Component: n.Issue.Culprit,
		Group:     n.Project.Slug,
		Class:     n.Issue.Metadata.Type,
		CustomDetails: map[string]string{
			"rule": n.RuleName, "trigger": n.Trigger, "events": strconv.FormatInt(n.Issue.TimesSeen, 10),
			"users": strconv.FormatInt(n.Issue.UserCount, 10), "release": n.Release, "environment": n.Environment,
			"event_id": n.EventID,
		},
	}
	return e
}

// Send sends the event. PagerDuty deduplicates triggers by dedup_key, which makes a repeated
// attempt harmless.
func (p *PagerDuty) Send(ctx context.Context, n *Notification) error {
	body, err := json.Marshal(pagerDutyEvent(p.RoutingKey, n))
	if err != nil {
		return &PermanentError{Err: err}
	}
	r, err := post(ctx, p.Client, p.URL, body, nil)
	if err != nil {
		return err
	}
	if err := r.err(); err != nil {
		var a pdAnswer
		if json.Unmarshal(r.body, &a) == nil && a.Message != "" {
			return fmt.Errorf("%w (%s: %v)", err, a.Message, a.Errors)
		}
		return err
	}
	var a pdAnswer
	if err := json.Unmarshal(r.body, &a); err != nil || a.Status != "success" {
		return fmt.Errorf("PagerDuty answered HTTP %d without success: %s", r.status, snippet(r.body))
	}
	return nil
}
