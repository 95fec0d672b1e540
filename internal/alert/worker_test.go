package alert_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/faultline/faultline/internal/alert"
	"github.com/faultline/faultline/internal/alert/alerttest"
	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

var eventSeq atomic.Int64

func event(hash string, f func(e *store.Event)) store.Event {
	now := time.Now()
	e := store.Event{
		ProjectID: 1, EventID: fmt.Sprintf("%032x", eventSeq.Add(1)), Timestamp: now, Received: now,
		Level: "error", Platform: "node", Release: "shop@1.2.3", Environment: "production", Hashes: []string{hash},
		Title: "TypeError: boom <b>", Culprit: "app/checkout.js in pay", UserID: "u1",
		Metadata: store.Metadata{Type: "TypeError", Value: "boom"}, Payload: []byte(`{}`), Source: alertrule.SourceSentry,
	}
	if f != nil {
		f(&e)
	}
	return e
}

type fixture struct {
	st        store.Store
	worker    *alert.Worker
	delivered atomic.Int64
	failed    atomic.Int64
	logs      *observer.ObservedLogs
}

// start opens a store with one rule (new issue or regression → targets) and runs a worker.
func start(t *testing.T, targets map[string]alert.Target, resolve []string, opts alert.Options) *fixture {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "f.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var names []string
	for n := range targets {
		names = append(names, n)
	}
	set, err := alertrule.Compile([]alertrule.Rule{{Key: "config:new", Name: "new or regressed", Project: 1,
		Triggers: []alertrule.Trigger{{Kind: alertrule.NewIssue}, {Kind: alertrule.Regression}}, ActionInterval: time.Millisecond, Targets: names}})
	if err != nil {
		t.Fatal(err)
	}
	st.SetAlerting(store.Alerting{Rules: set, ResolveTargets: resolve})
	f := &fixture{st: st}
	core, logs := observer.New(zap.DebugLevel)
	f.logs = logs
	if opts.Backoff == 0 {
		opts.Backoff, opts.MaxBackoff = 20*time.Millisecond, 50*time.Millisecond
	}
	opts.Poll = 20 * time.Millisecond
	opts.IssueURL = func(id int64) string { return fmt.Sprintf("http://faultline.test/issues/%d/", id) }
	opts.ProjectSlug = func(int64) string { return "demo" }
	opts.Delivered = func(string) { f.delivered.Add(1) }
	opts.Failed = func(string) { f.failed.Add(1) }
	f.worker = alert.NewWorker(st, targets, opts, zap.New(core))
	f.worker.Start()
	t.Cleanup(f.worker.Stop)
	return f
}

func (f *fixture) write(t *testing.T, evs ...store.Event) {
	t.Helper()
	if err := f.st.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAWebhookGetsOneSignedPostPerAlert(t *testing.T) {
	hook := alerttest.NewRecorder(t)
	f := start(t, map[string]alert.Target{"hook": &alert.Webhook{URL: hook.URL, Secret: "s3cret", Client: http.DefaultClient}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	f.write(t, event("a", nil))
	eventually(t, "the post", func() bool { return len(hook.Posts()) == 1 })
	time.Sleep(100 * time.Millisecond) // a second event must not add a post
	posts := hook.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	p := posts[0]
	if got, want := p.Header.Get(alert.SignatureHeader), alert.Sign("s3cret", p.Body); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	var payload alert.WebhookPayload
	if err := json.Unmarshal(p.Body, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Action != "trigger" || payload.Trigger != "new_issue" || payload.Rule.Name != "new or regressed" ||
		payload.Issue.Title != "TypeError: boom <b>" || payload.Issue.URL != "http://faultline.test/issues/"+payload.Issue.ID+"/" ||
		payload.Event.Release != "shop@1.2.3" || p.Header.Get(alert.IdempotencyHeader) != payload.IdempotencyKey {
		t.Fatalf("payload: %s", p.Body)
	}
	eventually(t, "the delivery record", func() bool { return f.delivered.Load() == 1 })
}

func TestSlackGetsBlocksWithTheIssue(t *testing.T) {
	slack := alerttest.NewRecorder(t)
	f := start(t, map[string]alert.Target{"slack": &alert.Slack{URL: slack.URL, Client: http.DefaultClient}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	eventually(t, "the post", func() bool { return len(slack.Posts()) == 1 })
	body := string(slack.Posts()[0].Body)
	for _, want := range []string{`"type":"header"`, `New issue: TypeError: boom \u003cb\u003e`, "`app/checkout.js in pay`",
		`*Events*\n1`, `*Users*\n1`, `*Release*\nshop@1.2.3`, `*Environment*\nproduction`,
		`\u003chttp://faultline.test/issues/`, `Rule: new or regressed`} {
		if !strings.Contains(body, want) {
			t.Errorf("Slack message lacks %s:\n%s", want, body)
		}
	}
}

func TestPagerDutyTriggersAndResolvesOneIncidentPerIssue(t *testing.T) {
	pd := alerttest.NewPagerDuty(t, "R0UTINGKEY")
	f := start(t, map[string]alert.Target{"pd": &alert.PagerDuty{URL: pd.URL, RoutingKey: "R0UTINGKEY", Client: http.DefaultClient}}, []string{"pd"}, alert.Options{})
	pd.AnswerNext(http.StatusTooManyRequests, http.StatusInternalServerError) // retried
	f.write(t, event("a", nil))
	eventually(t, "the trigger", func() bool { return len(pd.Events()) == 1 })
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	if _, err := f.st.UpdateStatus(context.Background(), list[0].ID, store.StatusUpdate{Status: store.StatusResolved}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the resolve", func() bool { return len(pd.Events()) == 2 })
	ev := pd.Events()
	if ev[0].EventAction != "trigger" || ev[1].EventAction != "resolve" || ev[0].DedupKey != ev[1].DedupKey ||
		ev[0].DedupKey != alert.DedupKey(list[0].ID) || ev[0].Payload.Severity != "error" {
		t.Fatalf("events: %+v", ev)
	}
	alerts, _ := f.st.IssueAlerts(context.Background(), list[0].ID, 10)
	if len(alerts) != 2 || alerts[1].Attempts != 3 {
		t.Fatalf("alerts: %+v", alerts)
	}
}

func TestARefusedAlertFailsForGoodAndIsCounted(t *testing.T) {
	pd := alerttest.NewPagerDuty(t, "RIGHT")
	f := start(t, map[string]alert.Target{"pd": &alert.PagerDuty{URL: pd.URL, RoutingKey: "WRONG", Client: http.DefaultClient}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	eventually(t, "the failure", func() bool { return f.failed.Load() == 1 })
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	alerts, _ := f.st.IssueAlerts(context.Background(), list[0].ID, 10)
	if alerts[0].State != store.AlertFailed || alerts[0].Attempts != 1 || !strings.Contains(alerts[0].LastError, "routing_key") {
		t.Fatalf("alert: %+v", alerts[0])
	}
	if f.logs.FilterMessage("alert delivery failed for good").Len() != 1 {
		t.Fatal("the failure was not logged")
	}
}

func TestRetriesGiveUpAfterTheMaximumAge(t *testing.T) {
	hook := alerttest.NewRecorder(t)
	hook.SetDown(true)
	f := start(t, map[string]alert.Target{"hook": &alert.Webhook{URL: hook.URL, Client: http.DefaultClient}}, nil, alert.Options{MaxAge: 300 * time.Millisecond})
	f.write(t, event("a", nil))
	eventually(t, "the failure", func() bool { return f.failed.Load() == 1 })
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	alerts, _ := f.st.IssueAlerts(context.Background(), list[0].ID, 10)
	if alerts[0].Attempts < 2 || !strings.Contains(alerts[0].LastError, "HTTP 503") {
		t.Fatalf("alert: %+v", alerts[0])
	}
}

func TestAHangingTargetTimesOutAndIsRetriedWithoutDelayingOthers(t *testing.T) {
	slow, fast := alerttest.NewRecorder(t), alerttest.NewRecorder(t)
	slow.HangNext(time.Minute)
	f := start(t, map[string]alert.Target{
		"slow": &alert.Webhook{URL: slow.URL, Client: http.DefaultClient},
		"fast": &alert.Webhook{URL: fast.URL, Client: http.DefaultClient},
	}, nil, alert.Options{Timeout: 300 * time.Millisecond})
	began := time.Now()
	f.write(t, event("a", nil))
	eventually(t, "the fast target", func() bool { return len(fast.Posts()) == 1 })
	if d := time.Since(began); d > 250*time.Millisecond {
		t.Errorf("the fast target waited %s for the slow one", d)
	}
	eventually(t, "the retry of the slow target", func() bool { return len(slow.Posts()) == 1 })
	if f.logs.FilterMessage("alert delivery failed, will retry").Len() == 0 {
		t.Fatal("the timeout was not logged")
	}
}

func TestAFailingSlackURLIsNeverLogged(t *testing.T) {
	secretURL := "http://127.0.0.1:1/services/T000/B000/XXXXSECRET"
	f := start(t, map[string]alert.Target{"slack": &alert.Slack{URL: secretURL, Client: http.DefaultClient}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	eventually(t, "a failed attempt", func() bool { return f.logs.FilterMessage("alert delivery failed, will retry").Len() > 0 })
	for _, e := range f.logs.All() {
		if strings.Contains(fmt.Sprint(e.Context), "XXXXSECRET") || strings.Contains(e.Message, "XXXXSECRET") {
			t.Fatalf("the secret URL was logged: %v", e)
		}
	}
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	alerts, _ := f.st.IssueAlerts(context.Background(), list[0].ID, 10)
	if strings.Contains(alerts[0].LastError, "SECRET") {
		t.Fatalf("the secret URL was stored: %s", alerts[0].LastError)
	}
}

func TestEmailGoesOverSTARTTLSWithAuthAsTextAndHTML(t *testing.T) {
	srv := alerttest.NewSMTP(t, "alerts", "pa55word")
	f := start(t, map[string]alert.Target{"mail": &alert.Email{Endpoint: srv.Addr, Username: "alerts", Password: "pa55word",
		From: "faultline@example.com", To: []string{"oncall@example.com"}, TLS: &tls.Config{RootCAs: srv.RootCAs}}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	eventually(t, "the mail", func() bool { return len(srv.Mails()) == 1 })
	m := srv.Mails()[0]
	data := string(m.Data)
	if !m.TLS || m.From != "faultline@example.com" || len(m.To) != 1 || m.To[0] != "oncall@example.com" {
		t.Fatalf("envelope: %+v", m)
	}
	for _, want := range []string{"Subject: [Faultline] New issue: TypeError: boom <b>", "multipart/alternative",
		"Content-Type: text/plain; charset=utf-8", "Content-Type: text/html; charset=utf-8", "TypeError: boom &lt;b&gt;",
		"Message-ID: <faultline-alert-"} {
		if !strings.Contains(data, want) {
			t.Errorf("the mail lacks %q:\n%s", want, data)
		}
	}
}

func TestEmailRefusesAServerWithoutSTARTTLS(t *testing.T) {
	plain := alerttest.NewRecorder(t) // speaks HTTP, not SMTP: the greeting fails
	f := start(t, map[string]alert.Target{"mail": &alert.Email{Endpoint: strings.TrimPrefix(plain.URL, "http://"), From: "a@b", To: []string{"c@d"}}},
		nil, alert.Options{Timeout: 300 * time.Millisecond, MaxAge: 500 * time.Millisecond})
	f.write(t, event("a", nil))
	eventually(t, "the failure", func() bool { return f.failed.Load() == 1 })
}

func TestAGarbageAnswerIsRetried(t *testing.T) {
	notPagerDuty := alerttest.NewRecorder(t) // answers 200 "ok": not the Events API's JSON
	f := start(t, map[string]alert.Target{"pd": &alert.PagerDuty{URL: notPagerDuty.URL, RoutingKey: "K", Client: http.DefaultClient}}, nil, alert.Options{})
	f.write(t, event("a", nil))
	eventually(t, "two failed attempts", func() bool { return f.logs.FilterMessage("alert delivery failed, will retry").Len() >= 2 })
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	alerts, _ := f.st.IssueAlerts(context.Background(), list[0].ID, 10)
	if alerts[0].State != store.AlertPending || !strings.Contains(alerts[0].LastError, "without success") {
		t.Fatalf("alert: %+v", alerts[0])
	}
}

// Every target's secret stays out of the log and out of the stored last error while its
// deliveries fail: the SMTP password (the server refuses it), the PagerDuty routing key (the
// stand-in answers 400 to a key it does not know) and the webhook signing secret (the receiver
// answers 500).
func TestFailingTargetsNeverLogOrStoreTheirSecrets(t *testing.T) {
	smtpd := alerttest.NewSMTP(t, "alerts", "right-password")
	pd := alerttest.NewPagerDuty(t, "THEOTHERKEY")
	hook := alerttest.NewRecorder(t)
	hook.AnswerNext(http.StatusInternalServerError, http.StatusInternalServerError, http.StatusInternalServerError)
	secrets := []string{"SMTPPASSWORDSECRET", "ROUTINGKEYSECRET", "SIGNINGSECRET"}
	f := start(t, map[string]alert.Target{
		"mail": &alert.Email{Endpoint: smtpd.Addr, Username: "alerts", Password: secrets[0], From: "faultline@example.com",
			To: []string{"oncall@example.com"}, TLS: &tls.Config{RootCAs: smtpd.RootCAs}},
		"pd":   &alert.PagerDuty{URL: pd.URL, RoutingKey: secrets[1], Client: http.DefaultClient},
		"hook": &alert.Webhook{URL: hook.URL, Secret: secrets[2], Client: http.DefaultClient},
	}, nil, alert.Options{})
	f.write(t, event("a", nil))
	list, _ := f.st.ListIssues(context.Background(), store.IssueQuery{})
	var alerts []store.Alert
	eventually(t, "every target's failure", func() bool {
		alerts, _ = f.st.IssueAlerts(context.Background(), list[0].ID, 10)
		failed := 0
		for _, a := range alerts {
			if a.LastError != "" {
				failed++
			}
		}
		return failed == 3
	})
	var shown strings.Builder
	for _, e := range f.logs.All() {
		fmt.Fprintln(&shown, e.Message, e.Context)
	}
	for _, a := range alerts {
		fmt.Fprintln(&shown, a.LastError)
	}
	for _, s := range secrets {
		if strings.Contains(shown.String(), s) {
			t.Errorf("%s was logged or stored:\n%s", s, shown.String())
		}
	}
}
