package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/testbed/harness"
)

// TestQuotaRefusalsAndClientReportsReachTheStatsAPI: config/default.yaml with a quota that
// admits no errors on the demo project (defined once, in the issuestore extension). sentry-go and
// @sentry/node each send three errors and a transaction: the first error is refused with a 429,
// the SDK drops the next two itself and says so in its client report. The Stats API (stats_v2)
// then counts, per SDK run, one error rate_limited and two client_discard.
func TestQuotaRefusalsAndClientReportsReachTheStatsAPI(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const anchor = `        allowed_origins: ["*"]` + "\n"
	if !strings.Contains(string(raw), anchor) {
		t.Fatalf("config/default.yaml no longer contains %q: update the test", anchor)
	}
	cfg := strings.Replace(string(raw), anchor, anchor+"        quotas:\n          - {categories: [error], limit: 0, window: 1h}\n", 1)
	for _, sdk := range []struct {
		name string
		run  func(t *testing.T, dsn string)
	}{
		{"sentry-go", func(t *testing.T, dsn string) {
			client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, EnableTracing: true, TracesSampleRate: 1, Transport: sentry.NewHTTPSyncTransport()})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			hub := sentry.NewHub(client, sentry.NewScope())
			for i := range 3 {
				hub.CaptureException(fmt.Errorf("over quota %d", i))
			}
			tx := sentry.StartTransaction(sentry.SetHubOnContext(context.Background(), hub), "GET /after-the-429")
			tx.Finish()
			client.Flush(10 * time.Second)
		}},
		{"@sentry/node", func(t *testing.T, dsn string) {
			harness.RunNode(t, "compat/node-quota.cjs", "SENTRY_DSN="+dsn)
		}},
	} {
		t.Run(sdk.name, func(t *testing.T) {
			f := startConfigText(t, cfg)
			sdk.run(t, f.dsn)
			var got map[string]int64
			harness.Eventually(t, 30*time.Second, "one refused error and two dropped by the SDK in stats_v2", func() bool {
				got = f.errorOutcomes(t)
				return got["rate_limited"] == 1 && got["client_discard"] == 2
			})
			if len(f.issues(t)) != 0 {
				t.Error("an error over the quota became an issue")
			}
		})
	}
}

// errorOutcomes sums the demo project's error outcomes of the last day from the Stats API.
func (f faultline) errorOutcomes(t *testing.T) map[string]int64 {
	var got struct {
		Groups []struct {
			By     map[string]any   `json:"by"`
			Totals map[string]int64 `json:"totals"`
		} `json:"groups"`
	}
	f.call(t, "GET", "/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=category&statsPeriod=24h&interval=1h&project=1", nil, &got)
	out := map[string]int64{}
	for _, g := range got.Groups {
		if g.By["category"] == "error" {
			out[fmt.Sprint(g.By["outcome"])] += g.Totals["sum(quantity)"]
		}
	}
	return out
}
