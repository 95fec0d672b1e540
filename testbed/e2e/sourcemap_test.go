package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/attrkey"
	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/testbed/harness"
)

const symbolicationConfig = `
receivers:
  sentry:
    endpoint: {{SENTRY}}
    projects:
      - id: 7
        slug: web
        keys: ["` + demoKey + `"]
processors:
  errorgrouping:
    sourcemaps:
      directory: {{SOURCEMAPS}}
exporters:
  otlp_http:
    endpoint: {{SINK}}
    compression: none
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [sentry]
      processors: [errorgrouping]
      exporters: [otlp_http]
`

// bundle copies the test app, bundles and minifies it with esbuild (external @sentry/node),
// and returns the dist directory holding app.js and app.js.map.
func bundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "bundle-app"))); err != nil {
		t.Fatal(err)
	}
	harness.RunTool(t, dir, "esbuild", []string{"src/index.js", "--bundle", "--minify", "--sourcemap",
		"--platform=node", "--external:@sentry/node", "--outfile=dist/app.js"})
	return filepath.Join(dir, "dist")
}

// runBundle runs the minified app in node against the collector and returns the event id.
func runBundle(t *testing.T, dist, dsn, release string) string {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(dist, "app.js"))
	cmd.Env = append(os.Environ(), "SENTRY_DSN="+dsn, "RELEASE="+release,
		"NODE_PATH="+harness.NodeModules(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node app.js: %v\n%s", err, out)
	}
	id := strings.TrimSpace(string(out))
	if len(id) != 32 {
		t.Fatalf("the app printed no event id:\n%s", out)
	}
	return id
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMinifiedNodeBundleIsSymbolicated(t *testing.T) {
	for _, mode := range []string{"release", "debug-id"} {
		t.Run("resolved with "+mode, func(t *testing.T) {
			dist := bundle(t)
			sourcemaps := t.TempDir()
			release := "web@3.1.0"
			switch mode {
			case "release":
				// Release files are laid out by their URL: "~" plus the path node reports.
				base := filepath.Join(sourcemaps, "7", "release", release, "_", "~"+dist)
				copyFile(t, filepath.Join(dist, "app.js"), filepath.Join(base, "app.js"))
				copyFile(t, filepath.Join(dist, "app.js.map"), filepath.Join(base, "app.js.map"))
			case "debug-id":
				harness.RunTool(t, dist, "sentry-cli", []string{"sourcemaps", "inject", "."})
				var sm struct {
					DebugID string `json:"debugId"`
				}
				b, err := os.ReadFile(filepath.Join(dist, "app.js.map"))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &sm); err != nil || sm.DebugID == "" {
					t.Fatalf("sentry-cli injected no debugId into the map (%v)", err)
				}
				base := filepath.Join(sourcemaps, "7", "debug-id", strings.ToLower(sm.DebugID))
				copyFile(t, filepath.Join(dist, "app.js"), filepath.Join(base, "minified.js"))
				copyFile(t, filepath.Join(dist, "app.js.map"), filepath.Join(base, "minified.js.map"))
			}

			sink := harness.NewSink(t)
			addr := harness.FreeAddr(t)
			harness.StartCollector(t, harness.Fill(symbolicationConfig, map[string]string{
				"SENTRY": addr, "SINK": sink.URL, "SOURCEMAPS": sourcemaps}), nil, addr)
			eventID := runBundle(t, dist, fmt.Sprintf("http://%s@%s/7", demoKey, addr), release)

			var raw string
			harness.Eventually(t, 20*time.Second, "the event to leave the processor", func() bool {
				for _, lr := range sink.LogRecords() {
					if id, ok := lr.Record.Attributes().Get(attrkey.EventID); ok && id.Str() == eventID {
						v, _ := lr.Record.Attributes().Get(attrkey.Event)
						raw = v.Str()
						return true
					}
				}
				return false
			})
			ev, err := event.Decode([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if t.Failed() {
					t.Logf("event that left the processor:\n%s", raw)
				}
			}()
			frames := ev.Exceptions[len(ev.Exceptions)-1].Stacktrace.Frames
			top := frames[len(frames)-1]
			if !strings.HasSuffix(top.Filename, "src/billing.js") || top.Lineno != 6 || top.Colno != 11 {
				t.Errorf("top frame at %s:%d:%d, want src/billing.js:6:11", top.Filename, top.Lineno, top.Colno)
			}
			if top.Function != "applyDiscount" {
				t.Errorf("top frame function %q, want applyDiscount", top.Function)
			}
			if !strings.Contains(top.ContextLine, "throw new Error(`unknown coupon ${coupon}`);") ||
				len(top.PreContext) != 5 || len(top.PostContext) != 5 {
				t.Errorf("context lines: pre %q line %q post %q", top.PreContext, top.ContextLine, top.PostContext)
			}
			if !strings.Contains(top.Data, `"resolved_with":"`+mode+`"`) {
				t.Errorf("frame data %s, want resolved_with %s", top.Data, mode)
			}
			caller := frames[len(frames)-2]
			if !strings.HasSuffix(caller.Filename, "src/checkout.js") || caller.Function != "checkout" || caller.Lineno != 5 {
				t.Errorf("caller frame %s:%d %s, want src/checkout.js:5 checkout", caller.Filename, caller.Lineno, caller.Function)
			}
		})
	}
}
