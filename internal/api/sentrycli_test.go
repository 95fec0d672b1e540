package api

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSentryCLIListsIssues runs the real sentry-cli (installed by `make test` into
// testbed/node_modules) against the API: `sentry-cli issues list` must show our issues.
func TestSentryCLIListsIssues(t *testing.T) {
	cli, err := filepath.Abs("../../testbed/node_modules/.bin/sentry-cli")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("sentry-cli not installed (run `make test` or `npm ci` in testbed): %v", err)
	}
	srv, _ := server(t)
	run := func(args ...string) string {
		cmd := exec.Command(cli, append([]string{"issues"}, append(args, "--org", "faultline", "--project", "demo")...)...)
		cmd.Env = append(os.Environ(), "SENTRY_URL="+srv.URL, "SENTRY_AUTH_TOKEN="+token, "SENTRY_LOG_LEVEL=warn", "SENTRY_DISABLE_UPDATE_CHECK=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sentry-cli issues %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("list")
	for _, want := range []string{"TypeError: a", "TypeError: b", "DEMO-", "unresolved"} {
		if !strings.Contains(out, want) {
			t.Errorf("sentry-cli issues list lacks %q:\n%s", want, out)
		}
	}
	id := firstIssueID(t, srv)
	run("resolve", "--id", id)
	// sentry-cli's list sends an empty query (all issues) whatever --status says.
	if out := run("list"); !strings.Contains(out, "| resolved ") || !strings.Contains(out, "| unresolved ") {
		t.Errorf("after sentry-cli issues resolve --id %s, one issue should be resolved:\n%s", id, out)
	}
	run("mute", "--all")
	if out := run("list"); !strings.Contains(out, "ignored") || strings.Contains(out, "unresolved") {
		t.Errorf("after sentry-cli issues mute --all:\n%s", out)
	}
}
