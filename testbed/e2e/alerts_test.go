package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/jackc/pgx/v5"

	"github.com/faultline/faultline/internal/alert"
	"github.com/faultline/faultline/internal/alert/alerttest"
	"github.com/faultline/faultline/testbed/harness"
)

// alertsRig is config/alerts-example.yaml running against a recording webhook and Slack.
type alertsRig struct {
	config      string
	env         []string
	sentryAddr  string
	uiAddr      string
	hook, slack *alerttest.Recorder
	f           faultline
}

const webhookSecret = "e2e-signing-secret"

// alertsConfig is config/alerts-example.yaml with its fixed auxiliary ports moved to free ones
// and extra rules (YAML list items, indented as the example's) appended to its rules.
func alertsConfig(t *testing.T, extraRules string) string {
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "alerts-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config := string(raw)
	config, _ = harness.MoveAddrs(t, config, harness.FixedAddrs...)
	if extraRules != "" {
		const anchor = "          targets: [webhook, slack]\n"
		if !strings.Contains(config, anchor) {
			t.Fatal("config/alerts-example.yaml changed: update alertsConfig")
		}
		config = strings.Replace(config, anchor, anchor+extraRules, 1)
	}
	return config
}

func newAlertsRig(t *testing.T, extraRules string, env ...string) *alertsRig {
	r := &alertsRig{config: alertsConfig(t, extraRules), hook: alerttest.NewRecorder(t), slack: alerttest.NewRecorder(t),
		sentryAddr: harness.FreeAddr(t), uiAddr: harness.FreeAddr(t)}
	r.env = append([]string{
		"FAULTLINE_SENTRY_ENDPOINT=" + r.sentryAddr, "FAULTLINE_UI_ENDPOINT=" + r.uiAddr, "FAULTLINE_DATA_DIR=" + t.TempDir(),
		"FAULTLINE_ALERT_WEBHOOK_URL=" + r.hook.URL, "FAULTLINE_ALERT_WEBHOOK_SECRET=" + webhookSecret,
		"FAULTLINE_ALERT_SLACK_URL=" + r.slack.URL + "/services/T000/B000/SLACKSECRET",
		"FAULTLINE_ALERT_BASE_URL=http://" + r.uiAddr,
	}, env...)
	r.f = faultline{dsn: fmt.Sprintf("http://%s@%s/1", demoKey, r.sentryAddr), api: "http://" + r.uiAddr + "/api/0"}
	return r
}

func (r *alertsRig) start(t *testing.T) *harness.Collector {
	c := harness.StartCollector(t, r.config, r.env, r.sentryAddr, r.uiAddr)
	r.f.process = c
	return c
}

// payloads decodes the webhook posts, checking each one's signature.
func (r *alertsRig) payloads(t *testing.T) []alert.WebhookPayload {
	t.Helper()
	var out []alert.WebhookPayload
	for _, p := range r.hook.Posts() {
		if got, want := p.Header.Get(alert.SignatureHeader), alert.Sign(webhookSecret, p.Body); got != want {
			t.Fatalf("webhook signature %q, want %q", got, want)
		}
		var w alert.WebhookPayload
		if err := json.Unmarshal(p.Body, &w); err != nil {
			t.Fatalf("webhook body: %v\n%s", err, p.Body)
		}
		out = append(out, w)
	}
	return out
}

func triggers(ps []alert.WebhookPayload) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Trigger+"/"+p.Issue.ID)
	}
	return out
}

// settle waits long enough for an alert that should not come to have come.
func settle() { time.Sleep(3 * time.Second) }

func TestAlertsFromTheExampleConfig(t *testing.T) {
	r := newAlertsRig(t, "", "FAULTLINE_ALERT_INTERVAL=1s")
	r.start(t)

	// A new issue: one Slack post and one webhook post.
	sendGo(t, r.f.dsn, "shop@1.0.0", "alice")
	is := r.f.waitForCount(t, "*e2e.paymentDeclined", "1")
	harness.Eventually(t, 20*time.Second, "the new-issue alerts", func() bool { return len(r.slack.Posts()) == 1 && len(r.hook.Posts()) == 1 })
	slack := string(r.slack.Posts()[0].Body)
	if !strings.Contains(slack, "New issue: ") || !strings.Contains(slack, "/issues/"+is.ID+"/") || !strings.Contains(slack, "shop@1.0.0") {
		t.Errorf("Slack message: %s", slack)
	}
	if got := triggers(r.payloads(t)); len(got) != 1 || got[0] != "new_issue/"+is.ID {
		t.Fatalf("webhook: %v", got)
	}

	// A second event of the issue: nothing.
	sendGo(t, r.f.dsn, "shop@1.0.0", "bob")
	r.f.waitForCount(t, "*e2e.paymentDeclined", "2")
	settle()
	if len(r.slack.Posts()) != 1 || len(r.hook.Posts()) != 1 {
		t.Fatalf("a second event alerted: %d Slack, %d webhook posts", len(r.slack.Posts()), len(r.hook.Posts()))
	}

	// Resolved in the next release, then an event from a newer release: a regression alert.
	r.f.call(t, http.MethodPut, "/issues/"+is.ID+"/", map[string]any{"status": "resolved", "statusDetails": map[string]any{"inNextRelease": true}}, nil)
	sendGo(t, r.f.dsn, "shop@1.1.0", "alice")
	harness.Eventually(t, 20*time.Second, "the regression alerts", func() bool { return len(r.slack.Posts()) == 2 && len(r.hook.Posts()) == 2 })
	if got := triggers(r.payloads(t)); got[1] != "regression/"+is.ID {
		t.Fatalf("webhook: %v", got)
	}
	if p := r.payloads(t)[1]; p.Event.Release != "shop@1.1.0" || p.Issue.URL != "http://"+r.uiAddr+"/issues/"+is.ID+"/" {
		t.Errorf("regression payload: %+v", p)
	}

	// The rules API lists the configured rule, and never shows the targets' secrets.
	var rules []map[string]any
	r.f.call(t, http.MethodGet, "/projects/faultline/demo/rules/", nil, &rules)
	b, _ := json.Marshal(rules)
	if len(rules) != 1 || rules[0]["name"] != "new issue or regression" || strings.Contains(string(b), "SLACKSECRET") {
		t.Errorf("rules: %s", b)
	}
	if out := r.f.process.Output(); strings.Contains(out, "SLACKSECRET") || strings.Contains(out, webhookSecret) {
		t.Error("the collector logged a secret")
	}
}

// sendBurst posts n events of one issue (the same stack trace) as raw envelopes.
func sendBurst(t *testing.T, sentryAddr string, n int) {
	t.Helper()
	url := fmt.Sprintf("http://%s/api/1/envelope/?sentry_key=%s", sentryAddr, demoKey)
	for i := range n {
		resp, err := http.Post(url, "application/x-sentry-envelope", bytes.NewReader(envelope(newEventID(), i)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("event %d: %s", i, resp.Status)
		}
	}
}

func TestABurstCrossingAFrequencyRuleAlertsOncePerInterval(t *testing.T) {
	r := newAlertsRig(t, `        - name: cart burst
          project: 1
          triggers: [{kind: frequency, threshold: 20, window: 1m}]
          action_interval: 1h
          targets: [webhook]
`)
	r.start(t)
	sendBurst(t, r.sentryAddr, 60)
	r.f.waitForCount(t, "TypeError", "60")
	settle()
	var frequency []string
	for _, p := range r.payloads(t) {
		if p.Trigger == "frequency" {
			frequency = append(frequency, p.Rule.Name)
		}
	}
	if len(frequency) != 1 || frequency[0] != "cart burst" {
		t.Fatalf("frequency alerts: %v (all: %v)", frequency, triggers(r.payloads(t)))
	}
}

// TestSIGKILLBetweenCommitAndDeliveryDeliversOnce kills the collector while alerts whose events
// were acknowledged wait for targets that are down, and restarts it: each of those alerts is
// delivered exactly once, and an alert delivered before the kill is not sent again.
func TestSIGKILLBetweenCommitAndDeliveryDeliversOnce(t *testing.T) {
	r := newAlertsRig(t, "")
	col := r.start(t)
	sendGo(t, r.f.dsn, "shop@1.0.0", "alice")
	first := r.f.waitForCount(t, "*e2e.paymentDeclined", "1")
	harness.Eventually(t, 20*time.Second, "the first issue's alerts", func() bool { return len(r.hook.Posts()) == 1 && len(r.slack.Posts()) == 1 })

	r.hook.SetDown(true)
	r.slack.SetDown(true)
	// Acknowledged; its new-issue alerts are committed with its fold, which the count waits for.
	sendBurst(t, r.sentryAddr, 1)
	second := r.f.waitForCount(t, "TypeError", "1")
	time.Sleep(500 * time.Millisecond) // a delivery attempt or two fail against the down targets
	col.Kill()
	r.hook.SetDown(false)
	r.slack.SetDown(false)

	r.start(t)
	harness.Eventually(t, 90*time.Second, "the second issue's alerts after the restart", func() bool {
		return len(r.hook.Posts()) >= 2 && len(r.slack.Posts()) >= 2
	})
	settle()
	got := triggers(r.payloads(t))
	want := []string{"new_issue/" + first.ID, "new_issue/" + second.ID}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(r.slack.Posts()) != 2 {
		t.Fatalf("webhook %v (want %v), %d Slack posts (want 2)", got, want, len(r.slack.Posts()))
	}
}

// TestTwoCollectorsOnOnePostgresDeliverEachAlertOnce runs two collectors on one database, each
// receiving its own issues: every alert reaches each target exactly once.
func TestTwoCollectorsOnOnePostgresDeliverEachAlertOnce(t *testing.T) {
	dsn := freshPostgresDB(t)
	hook, slack := alerttest.NewRecorder(t), alerttest.NewRecorder(t)
	var rigs []*alertsRig
	for range 2 {
		r := newAlertsRig(t, "", "FAULTLINE_POSTGRES_DSN="+dsn, "FAULTLINE_ALERT_WEBHOOK_URL="+hook.URL,
			"FAULTLINE_ALERT_SLACK_URL="+slack.URL)
		r.hook, r.slack = hook, slack
		r.start(t)
		rigs = append(rigs, r)
	}
	// Six distinct issues (a stack-less message groups by its text, numbers aside), alternately
	// through each collector.
	for i, step := range []string{"cart", "address", "shipping", "payment", "review", "receipt"} {
		r := rigs[i%2]
		client, err := sentry.NewClient(sentry.ClientOptions{Dsn: r.f.dsn, Transport: sentry.NewHTTPSyncTransport()})
		if err != nil {
			t.Fatal(err)
		}
		sentry.NewHub(client, sentry.NewScope()).CaptureMessage("checkout step " + step + " failed")
	}
	harness.Eventually(t, 30*time.Second, "six issues", func() bool { return len(rigs[0].f.issues(t)) == 6 })
	harness.Eventually(t, 30*time.Second, "six alerts per target", func() bool { return len(hook.Posts()) >= 6 && len(slack.Posts()) >= 6 })
	settle()
	seen := map[string]int{}
	for _, p := range rigs[0].payloads(t) {
		seen[p.Issue.ID]++
	}
	if len(hook.Posts()) != 6 || len(slack.Posts()) != 6 || len(seen) != 6 {
		t.Fatalf("%d webhook and %d Slack posts for %d issues, want 6, 6, 6", len(hook.Posts()), len(slack.Posts()), len(seen))
	}
}

func freshPostgresDB(t *testing.T) string {
	t.Helper()
	const admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL at 127.0.0.1:5432: %v", err)
	}
	name := fmt.Sprintf("faultline_e2e_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck // best effort
	})
	return strings.Replace(admin, "/postgres?", "/"+name+"?", 1)
}

// TestATargetThatHangsSlowsNeitherIngestionNorItsOwnRecovery sends events at full speed while
// the targets answer normally and while they hang (every attempt runs into alerts::timeout),
// alternately: the hanging targets do not slow ingestion, and an alert that fired while they hung
// is delivered once they answer again.
func TestATargetThatHangsSlowsNeitherIngestionNorItsOwnRecovery(t *testing.T) {
	r := newAlertsRig(t, `        - name: every burst
          project: 1
          triggers: [{kind: frequency, threshold: 0, window: 1m}]
          action_interval: 1s
          targets: [webhook, slack]
`)
	r.env = append(r.env, "FAULTLINE_ALERT_INTERVAL=1s")
	r.start(t)
	url := fmt.Sprintf("http://%s/api/1/envelope/?sentry_key=%s", r.sentryAddr, demoKey)
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	phase := func(d time.Duration) int {
		acked := make(chan int)
		deadline := time.Now().Add(d)
		for w := range 4 {
			go func() {
				n := 0
				for i := w; time.Now().Before(deadline); i += 4 {
					resp, err := client.Post(url, "application/x-sentry-envelope", bytes.NewReader(envelope(newEventID(), i)))
					if err != nil {
						continue
					}
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						n++
					}
				}
				acked <- n
			}()
		}
		total := 0
		for range 4 {
			total += <-acked
		}
		return total
	}
	var answering, hanging int
	for round := range 2 {
		answering += phase(3 * time.Second)
		r.hook.SetHanging(true)
		r.slack.SetHanging(true)
		if round == 1 {
			sendGo(t, r.f.dsn, "shop@9.9.9", "zed") // a new issue while the targets hang
		}
		hanging += phase(3 * time.Second)
		r.hook.SetHanging(false)
		r.slack.SetHanging(false)
	}
	ratio := float64(hanging) / float64(answering)
	t.Logf("events acknowledged in 6 s: %d while the targets answered, %d while they hung (ratio %.2f)", answering, hanging, ratio)
	if ratio < 0.5 {
		t.Errorf("ingestion slowed to %.0f%% while the targets hung", ratio*100)
	}
	goIssue := r.f.waitForCount(t, "*e2e.paymentDeclined", "1")
	harness.Eventually(t, 60*time.Second, "the new-issue alert after the targets came back", func() bool {
		for _, p := range r.payloads(t) {
			if p.Trigger == "new_issue" && p.Issue.ID == goIssue.ID {
				return true
			}
		}
		return false
	})
}

// TestTheAlertsExampleIsTheDefaultConfigPlusAlerts keeps config/alerts-example.yaml what the
// README says it is when config/default.yaml changes.
func TestTheAlertsExampleIsTheDefaultConfigPlusAlerts(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", name))
		if err != nil {
			t.Fatal(err)
		}
		// Without the header comment, which says what each file is.
		s := string(b)
		for strings.HasPrefix(s, "#") {
			_, s, _ = strings.Cut(s, "\n")
		}
		return s
	}
	example, def := read("alerts-example.yaml"), read("default.yaml")
	start := strings.Index(example, "    alerts:\n")
	end := strings.Index(example, "\nreceivers:\n")
	if start < 0 || end < start {
		t.Fatal("config/alerts-example.yaml has no alerts section before receivers")
	}
	if without := example[:start] + example[end:]; without != def {
		t.Fatalf("config/alerts-example.yaml is not config/default.yaml plus its alerts section; bring it up to date:\n%s", without)
	}
}
