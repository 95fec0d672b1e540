// Package alert delivers the alerts the store's outbox holds to their targets: a generic
// webhook signed with HMAC-SHA256, a Slack incoming webhook, PagerDuty's Events API v2 and email
// over SMTP.
//
// A Worker claims due alerts per target with a lease (so that of several collectors sharing a
// database exactly one delivers each alert), renders each as a Notification and sends it with a
// bounded timeout, retrying with exponential backoff until the alert is older than its maximum
// age. Each target has its own loop: a slow or failing target delays nobody else, and
// ingestion never waits on delivery. The package knows nothing of the collector.
package alert

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/faultline/faultline/internal/store"
)

// Actions of a notification.
const (
	ActionTrigger = "trigger" // a rule fired
	ActionResolve = "resolve" // the issue was resolved (sent to targets that close incidents)
)

// Notification is one alert as targets render it.
type Notification struct {
	// AlertID is the outbox row; IdempotencyKey (derived from it) is the same for every attempt.
	AlertID        int64
	IdempotencyKey string
	Action         string
	// Trigger is the trigger kind that fired the rule (alertrule.NewIssue …); empty for resolve.
	Trigger  string
	RuleKey  string
	RuleName string
	Project  Project
	Issue    store.Issue
	// IssueURL is the issue's page in the web UI.
	IssueURL string
	// EventID, Release and Environment are of the event that fired the rule.
	EventID     string
	Release     string
	Environment string
	// Created is when the alert was decided.
	Created time.Time
}

// Project names the issue's project.
type Project struct {
	ID   int64
	Slug string
}

// IdempotencyKey is the key every attempt of an alert carries.
func IdempotencyKey(alertID int64) string { return "faultline-alert-" + strconv.FormatInt(alertID, 10) }

// Headline is a one-line description of the notification: what happened to which issue.
func (n *Notification) Headline() string {
	what := map[string]string{
		"new_issue":  "New issue",
		"regression": "Regression",
		"escalation": "Escalating issue",
		"frequency":  "Issue spiking",
		"users":      "Issue affecting many users",
	}[n.Trigger]
	if n.Action == ActionResolve {
		what = "Resolved"
	}
	if what == "" {
		what = "Alert"
	}
	return what + ": " + n.Issue.Title
}

// PermanentError is a delivery failure that retrying cannot fix (the target refused the
// request as invalid): the alert fails at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfterError is a failure whose target said when to try again.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

func permanent(format string, args ...any) error {
	return &PermanentError{Err: fmt.Errorf(format, args...)}
}

func isPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
