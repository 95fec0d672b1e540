package scenarios

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// maxAlertCost is the issue-14 target: 20 rules add at most 5% CPU per stored event.
const maxAlertCost = 1.05

var flagAlertRounds = flag.Int("alert-rounds", 3, "rounds of scenario \"1 alerts\" (each: one run without rules, one with 20)")

// twentyRulesConfig is the alerts section of a collector with 20 rules on project 1, all
// notifying a webhook at hookURL: six on state changes (with filters), ten frequency rules and
// four users rules across every window. The window rules' thresholds are above what the load
// reaches, so that every batch evaluates them (the frequency rules in full; the users rules ask
// for twice the load's users, which the store settles from each issue's users of all time) while
// only the new-issue rules fire, once per issue: the cost of evaluating, not of delivering a
// flood.
func twentyRulesConfig(hookURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    alerts:\n      targets:\n        hook:\n          webhook: {url: %q}\n      rules:\n", hookURL)
	n := 0
	add := func(triggers, filters string) {
		n++
		fmt.Fprintf(&b, "        - {name: rule %d, project: 1, triggers: %s, filters: %s, targets: [hook]}\n", n, triggers, filters)
	}
	add("[{kind: new_issue}]", "{}")
	add("[{kind: regression}]", "{}")
	add("[{kind: escalation}]", "{}")
	add("[{kind: new_issue}, {kind: regression}]", "{environment: production}")
	add("[{kind: new_issue}]", "{level: fatal}")
	add("[{kind: new_issue}]", "{tags: {team: checkout}}")
	for i, w := range []string{"1m", "5m", "15m", "1h", "24h"} {
		add(fmt.Sprintf("[{kind: frequency, threshold: %d, window: %s}]", 1_000_000*(i+1), w), "{}")
		add(fmt.Sprintf("[{kind: frequency, threshold: %d, window: %s}]", 2_000_000*(i+1), w), "{environment: production}")
	}
	for _, w := range []string{"5m", "15m", "1h", "24h"} {
		add(fmt.Sprintf("[{kind: users, threshold: %d, window: %s}]", 2*(*flagUsers), w), "{}")
	}
	return b.String()
}

// TestAlertRulesCost is scenario 1 without alert rules and with twenty, alternately for
// -alert-rounds rounds: the CPU per stored event that evaluating alerts adds (issue 14).
func TestAlertRulesCost(t *testing.T) {
	if !fullRun() {
		t.Skip("set FAULTLINE_TESTBED=1 (make testbed) to run the scenarios")
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer hook.Close()
	templates := sentryTemplates(t, *flagIssues, sizes())
	const anchor = "\nreceivers:\n" // the alerts section goes at the end of the issuestore extension's
	var cpu [2]time.Duration
	var processed [2]int64
	for round := 1; round <= *flagAlertRounds; round++ {
		for i, rules := range []int{0, 20} {
			opts := collectorOptions{}
			name := "faultline SQLite, no alert rules"
			if rules > 0 {
				opts.replace = map[string]string{anchor: twentyRulesConfig(hook.URL) + anchor}
				name = "faultline SQLite, 20 alert rules"
			}
			f := startFaultline(t, opts)
			r := measure(t, fmt.Sprintf("1 alerts, round %d", round), f.target(t, name, ""), sentryLoad(f.sentryAddr, templates))
			f.col.Stop()
			judgeSafety(r)
			cpu[i] += r.CPU
			processed[i] += r.Processed
		}
	}
	without := cpu[0] / time.Duration(processed[0])
	with := cpu[1] / time.Duration(processed[1])
	ratio := float64(with) / float64(without)
	report.check("1 alerts", fmt.Sprintf("CPU per stored event, 20 rules ÷ none (%d rounds each, alternately)", *flagAlertRounds),
		fmt.Sprintf("%.1f ÷ %.1f µs = %.3f×", float64(with)/1e3, float64(without)/1e3, ratio), "≤ 1.05×", ratio <= maxAlertCost)
}
