package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Slack posts a message with blocks to a Slack incoming webhook. Slack has no resolve: resolve
// notifications are not sent to it.
type Slack struct {
	URL    string
	Client *http.Client
}

// Slack's limits on block text (Block Kit reference): 150 characters of header, 3000 of section.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func slackPayload(n *Notification) slackMessage {
	culprit := n.Issue.Culprit
	if culprit == "" {
		culprit = "no culprit"
	}
	fields := []slackText{
		{"mrkdwn", "*Events*\n" + strconv.FormatInt(n.Issue.TimesSeen, 10)},
		{"mrkdwn", "*Users*\n" + strconv.FormatInt(n.Issue.UserCount, 10)},
		{"mrkdwn", "*Release*\n" + slackEscape(truncate(orNone(n.Release), 500))},
		{"mrkdwn", "*Environment*\n" + slackEscape(truncate(orNone(n.Environment), 500))},
	}
	link := "<" + n.IssueURL + "|Open the issue in Faultline>"
	return slackMessage{
		Text: truncate(n.Headline(), slackSectionMax),
		Blocks: []slackBlock{
			{Type: "header", Text: &slackText{"plain_text", truncate(n.Headline(), slackHeaderMax)}},
			{Type: "section", Text: &slackText{"mrkdwn", "`" + slackEscape(truncate(culprit, 1000)) + "`"}},
			{Type: "section", Fields: fields},
			{Type: "section", Text: &slackText{"mrkdwn", link}},
			{Type: "context", Elements: []slackText{{"mrkdwn", "Rule: " + slackEscape(truncate(n.RuleName, 500))}}},
		},
	}
}

// Send posts the notification. Slack answers 200 "ok", or an error code in the body
// (invalid_payload, channel_not_found …) with a 4xx status.
func (s *Slack) Send(ctx context.Context, n *Notification) error {
	body, err := json.Marshal(slackPayload(n))
	if err != nil {
		return &PermanentError{Err: err}
	}
	r, err := post(ctx, s.Client, s.URL, body, nil)
	if err != nil {
		return err
	}
	return r.err()
}
