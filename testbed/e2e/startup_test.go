package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/testbed/harness"
)

// TestARetentionOrBudgetThatMakesNoSenseStopsTheStart: the distribution with config/default.yaml
// and a FAULTLINE_RETENTION_DAYS or FAULTLINE_MAX_STORE_SIZE of 0, negative or below the minimum
// exits at start, and its error names the key.
func TestARetentionOrBudgetThatMakesNoSenseStopsTheStart(t *testing.T) {
	bin := harness.DistPath(t)
	config := filepath.Join(harness.RepoRoot(), "config", "default.yaml")
	for _, c := range []struct{ env, want string }{
		{"FAULTLINE_RETENTION_DAYS=0", "retention_days 0 must be at least 1"},
		{"FAULTLINE_RETENTION_DAYS=-7", "retention_days -7 must be at least 1"},
		{"FAULTLINE_MAX_STORE_SIZE=0", `max_size "0" must be at least 16 MiB`},
		{"FAULTLINE_MAX_STORE_SIZE=-10GiB", `max_size "-10GiB" is not a size such as 10GiB`},
		{"FAULTLINE_MAX_STORE_SIZE=1MB", `max_size "1MB" must be at least 16 MiB`},
	} {
		t.Run(c.env, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--config", config)
			cmd.Env = append(os.Environ(), c.env, "FAULTLINE_DATA_DIR="+t.TempDir(),
				"FAULTLINE_SENTRY_ENDPOINT="+harness.FreeAddr(t), "FAULTLINE_UI_ENDPOINT="+harness.FreeAddr(t))
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("the collector was still running after 30 s:\n%s", out)
			}
			if err == nil || !strings.Contains(string(out), c.want) {
				t.Errorf("exit %v, want a failed start saying %q:\n%s", err, c.want, out)
			}
		})
	}
}
