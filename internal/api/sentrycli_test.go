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
	cmd := exec.Command(cli, "issues", "list", "--org", "faultline", "--project", "demo")
	cmd.Env = append(os.Environ(), "SENTRY_URL="+srv.URL, "SENTRY_AUTH_TOKEN="+token, "SENTRY_LOG_LEVEL=warn", "SENTRY_DISABLE_UPDATE_CHECK=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sentry-cli issues list: %v\n%s", err, out)
	}
	for _, want := range []string{"TypeError: a", "TypeError: b", "DEMO-"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("sentry-cli output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("sentry-cli issues list:\n%s", out)
}
