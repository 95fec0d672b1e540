// Package e2e runs the distribution with config/default.yaml — the config `make run` starts — and
// drives it with real Sentry SDKs, then checks issues through the Sentry-style API.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/testbed/harness"
)

const (
	demoKey   = "e2a7c1f04b9d4e3a8f6b5c2d1a0e9f87"
	demoToken = "flt_demo_4c1f0e8a2b7d49e6a3c5f0d1b2e8c7a9"
)

type faultline struct {
	dsn, api string
	otlpHTTP string // host:port of the OTLP/HTTP receiver
	process  *harness.Collector
}

// startDefault runs config/default.yaml with its fixed auxiliary ports moved to free ones, so
// the test never collides with a `make run` on the same machine.
func startDefault(t *testing.T) faultline {
	t.Helper()
	return startConfig(t, "default.yaml")
}

// startConfig runs one of config/'s files like startDefault, with env added to its environment.
func startConfig(t *testing.T, name string, env ...string) faultline {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", name))
	if err != nil {
		t.Fatal(err)
	}
	return startConfigText(t, string(cfg), env...)
}

// startConfigText runs a config given as text like startDefault.
func startConfigText(t *testing.T, cfg string, env ...string) faultline {
	t.Helper()
	return startConfigTextArgs(t, cfg, nil, env...)
}

// startConfigTextArgs is startConfigText with command-line arguments for the collector.
func startConfigTextArgs(t *testing.T, cfg string, args []string, env ...string) faultline {
	t.Helper()
	// A port FreeAddr handed out may be taken by another process before the collector binds it:
	// then the collector exits, and another set of ports is tried.
	for attempt := 1; ; attempt++ {
		config, moved := harness.MoveAddrs(t, cfg, harness.FixedAddrs...)
		sentryAddr, uiAddr := harness.FreeAddr(t), harness.FreeAddr(t)
		c, err := harness.TryStartCollectorArgs(t, config, args, append([]string{
			"FAULTLINE_SENTRY_ENDPOINT=" + sentryAddr,
			"FAULTLINE_UI_ENDPOINT=" + uiAddr,
			"FAULTLINE_DATA_DIR=" + t.TempDir(),
		}, env...), sentryAddr, uiAddr, moved["127.0.0.1:4318"])
		if err != nil && attempt < 3 && strings.Contains(err.Error(), "address already in use") {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return faultline{dsn: fmt.Sprintf("http://%s@%s/1", demoKey, sentryAddr), api: "http://" + uiAddr + "/api/0",
			otlpHTTP: moved["127.0.0.1:4318"], process: c}
	}
}

func (f faultline) call(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.api+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+demoToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
}

type issue struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Count     string `json:"count"`
	UserCount int    `json:"userCount"`
	Status    string `json:"status"`
	Substatus string `json:"substatus"`
	FirstSeen string `json:"firstSeen"`
	LastSeen  string `json:"lastSeen"`
	Metadata  struct {
		Type string `json:"type"`
	} `json:"metadata"`
	FirstRelease *struct{ Version string } `json:"firstRelease"`
	LastRelease  *struct{ Version string } `json:"lastRelease"`
}

// issues lists every issue of the demo project, whatever its status.
func (f faultline) issues(t *testing.T) []issue {
	var list []issue
	f.call(t, http.MethodGet, "/projects/faultline/demo/issues/?query=", nil, &list)
	return list
}

func (f faultline) issueOfType(t *testing.T, typ string) (issue, bool) {
	for _, is := range f.issues(t) {
		if is.Metadata.Type == typ {
			var detail issue
			f.call(t, http.MethodGet, "/issues/"+is.ID+"/", nil, &detail)
			return detail, true
		}
	}
	return issue{}, false
}

func (f faultline) waitForCount(t *testing.T, typ, count string) issue {
	t.Helper()
	var got issue
	harness.Eventually(t, 20*time.Second, fmt.Sprintf("a %s issue with count %s", typ, count), func() bool {
		var ok bool
		got, ok = f.issueOfType(t, typ)
		return ok && got.Count == count
	})
	return got
}

// sendGo captures the same bug (one call site) with sentry-go as the given user and release.
func sendGo(t *testing.T, dsn, release, userID string) {
	t.Helper()
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: release, Environment: "production",
		Transport: sentry.NewHTTPSyncTransport()})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.Scope().SetUser(sentry.User{ID: userID})
	if id := hub.CaptureException(chargeCard(fmt.Sprintf("order-%d", time.Now().UnixNano()))); id == nil {
		t.Fatal("sentry-go did not send the event")
	}
	hub.Flush(10 * time.Second)
}

type paymentDeclined struct{ order string }

func (e *paymentDeclined) Error() string { return "payment declined for " + e.order }

func chargeCard(order string) error { return &paymentDeclined{order: order} }

func TestIssuesFromRealSDKsThroughTheDefaultPipeline(t *testing.T) {
	f := startDefault(t)

	// sentry-go: one bug, three events from two users, with order ids that differ every time.
	sendGo(t, f.dsn, "shop@1.0.0", "alice")
	sendGo(t, f.dsn, "shop@1.0.0", "bob")
	sendGo(t, f.dsn, "shop@1.1.0", "alice")
	goIssue := f.waitForCount(t, "*e2e.paymentDeclined", "3")
	if goIssue.UserCount != 2 {
		t.Errorf("userCount = %d, want 2 (alice and bob)", goIssue.UserCount)
	}
	if goIssue.FirstRelease == nil || goIssue.FirstRelease.Version != "shop@1.0.0" ||
		goIssue.LastRelease == nil || goIssue.LastRelease.Version != "shop@1.1.0" {
		t.Errorf("releases = %+v / %+v, want shop@1.0.0 / shop@1.1.0", goIssue.FirstRelease, goIssue.LastRelease)
	}
	if goIssue.FirstSeen == "" || goIssue.LastSeen < goIssue.FirstSeen {
		t.Errorf("firstSeen %q / lastSeen %q", goIssue.FirstSeen, goIssue.LastSeen)
	}

	// @sentry/node: the same bug twice with different SKUs is one issue; a different bug is another.
	for _, run := range []struct{ user, sku string }{{"carol", "A-17"}, {"dave", "B-99"}} {
		harness.RunNode(t, "e2e/node-checkout.cjs", "SENTRY_DSN="+f.dsn, "RELEASE=web@2.0.0", "USER_ID="+run.user, "SKU="+run.sku)
	}
	nodeIssue := f.waitForCount(t, "RangeError", "2")
	if nodeIssue.UserCount != 2 {
		t.Errorf("node userCount = %d, want 2", nodeIssue.UserCount)
	}
	if n := len(f.issues(t)); n != 2 {
		t.Errorf("%d issues, want 2 (one per bug)", n)
	}

	// Resolved in shop@1.1.0: an event from the older shop@1.0.0 does not reopen it …
	f.call(t, http.MethodPut, "/issues/"+goIssue.ID+"/", map[string]any{"status": "resolved",
		"statusDetails": map[string]any{"inRelease": "shop@1.1.0"}}, nil)
	sendGo(t, f.dsn, "shop@1.0.0", "erin")
	got := f.waitForCount(t, "*e2e.paymentDeclined", "4")
	if got.Status != "resolved" {
		t.Errorf("an event from an older release reopened the issue: status %q", got.Status)
	}
	// … while one from the release that was meant to fix it is a regression.
	sendGo(t, f.dsn, "shop@1.1.0", "erin")
	got = f.waitForCount(t, "*e2e.paymentDeclined", "5")
	if got.Status != "unresolved" || got.Substatus != "regressed" {
		t.Errorf("status %q/%q after an event from the fixed release, want unresolved/regressed", got.Status, got.Substatus)
	}
}
