package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// SignatureHeader carries the webhook body's HMAC-SHA256 under the target's secret, as
// "sha256=<hex>".
const SignatureHeader = "X-Faultline-Signature"

// IdempotencyHeader carries the alert's idempotency key: the same on every attempt.
const IdempotencyHeader = "Idempotency-Key"

// Webhook posts a JSON document (WebhookPayload) to a URL, signed with HMAC-SHA256.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client
}

// WebhookPayload is the JSON a webhook receives (documented in the extension's README).
type WebhookPayload struct {
	ID             string         `json:"id"`
	IdempotencyKey string         `json:"idempotency_key"`
	Action         string         `json:"action"`
	Trigger        string         `json:"trigger,omitempty"`
	Rule           *WebhookRule   `json:"rule,omitempty"`
	Project        WebhookProject `json:"project"`
	Issue          WebhookIssue   `json:"issue"`
	Event          *WebhookEvent  `json:"event,omitempty"`
	Created        time.Time      `json:"created"`
}

// WebhookRule is the rule that fired.
type WebhookRule struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// WebhookProject is the issue's project.
type WebhookProject struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// WebhookIssue is the issue as the Web API names its fields.
type WebhookIssue struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Culprit   string    `json:"culprit"`
	Level     string    `json:"level"`
	Status    string    `json:"status"`
	Count     string    `json:"count"`
	UserCount int64     `json:"userCount"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	URL       string    `json:"url"`
}

// WebhookEvent is the event that fired the rule.
type WebhookEvent struct {
	ID          string `json:"id"`
	Release     string `json:"release,omitempty"`
	Environment string `json:"environment,omitempty"`
}

// Sign returns the signature header value of a body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func webhookPayload(n *Notification) WebhookPayload {
	p := WebhookPayload{
		ID: strconv.FormatInt(n.AlertID, 10), IdempotencyKey: n.IdempotencyKey, Action: n.Action, Trigger: n.Trigger,
		Project: WebhookProject{ID: strconv.FormatInt(n.Project.ID, 10), Slug: n.Project.Slug},
		Issue: WebhookIssue{
			ID: strconv.FormatInt(n.Issue.ID, 10), Title: n.Issue.Title, Culprit: n.Issue.Culprit, Level: n.Issue.Level,
			Status: n.Issue.Status, Count: strconv.FormatInt(n.Issue.TimesSeen, 10), UserCount: n.Issue.UserCount,
			FirstSeen: n.Issue.FirstSeen, LastSeen: n.Issue.LastSeen, URL: n.IssueURL,
		},
		Created: n.Created,
	}
	if n.Action == ActionTrigger {
		p.Rule = &WebhookRule{Key: n.RuleKey, Name: n.RuleName}
		p.Event = &WebhookEvent{ID: n.EventID, Release: n.Release, Environment: n.Environment}
	}
	return p
}

// Send posts the notification.
func (w *Webhook) Send(ctx context.Context, n *Notification) error {
	body, err := json.Marshal(webhookPayload(n))
	if err != nil {
		return &PermanentError{Err: err}
	}
	h := http.Header{}
	h.Set(IdempotencyHeader, n.IdempotencyKey)
	if w.Secret != "" {
		h.Set(SignatureHeader, Sign(w.Secret, body))
	}
	r, err := post(ctx, w.Client, w.URL, body, h)
	if err != nil {
		return err
	}
	return r.err()
}
