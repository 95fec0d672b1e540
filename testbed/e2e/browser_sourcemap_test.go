package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/faultline/faultline/testbed/harness"
)

// bundleBrowserApp copies the shop page's sources, bundles and minifies them with esbuild
// (with @sentry/browser inside) and returns the directory whose static/ holds app.js and its map.
func bundleBrowserApp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "browser-app"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(harness.NodeModules(t), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	harness.RunTool(t, dir, "esbuild", []string{"src/index.js", "--bundle", "--minify", "--sourcemap",
		"--format=iife", "--target=es2020", "--outfile=dist/static/app.js"})
	return filepath.Join(dir, "dist")
}

// servePage serves the shop page and its static files from an origin of its own, so the SDK's
// requests to the collector are cross-origin.
func servePage(t *testing.T, dist, dsn, release string) string {
	t.Helper()
	config, err := json.Marshal(map[string]string{"dsn": dsn, "release": release})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script>window.FAULTLINE = %s;</script>
<script src="/static/app.js" defer></script></head>
<body><button id="pay">Pay</button><p id="status"></p><p id="sent"></p></body></html>`, config)
	mux := http.NewServeMux()
	mux.Handle("/static/", http.FileServer(http.Dir(dist)))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

type apiFrame struct {
	Filename    string   `json:"filename"`
	AbsPath     string   `json:"abs_path"`
	Function    string   `json:"function"`
	Lineno      int      `json:"lineno"`
	Colno       int      `json:"colno"`
	ContextLine string   `json:"context_line"`
	PreContext  []string `json:"pre_context"`
	PostContext []string `json:"post_context"`
	Data        struct {
		ResolvedWith string `json:"resolved_with"`
		Symbolicated bool   `json:"symbolicated"`
	} `json:"data"`
}

type apiEvent struct {
	EventID string `json:"eventID"`
	Entries []struct {
		Type string `json:"type"`
		Data struct {
			Values []struct {
				Stacktrace struct {
					Frames []apiFrame `json:"frames"`
				} `json:"stacktrace"`
			} `json:"values"`
		} `json:"data"`
	} `json:"entries"`
	Errors []json.RawMessage `json:"errors"`
}

func (e apiEvent) frames() []apiFrame {
	for _, en := range e.Entries {
		if en.Type == "exception" && len(en.Data.Values) > 0 {
			return en.Data.Values[len(en.Data.Values)-1].Stacktrace.Frames
		}
	}
	return nil
}

// TestBrowserErrorIsSymbolicatedFromASentryCLIUpload is the acceptance test of uploads: a
// minified browser bundle's maps go up with `sentry-cli sourcemaps upload` to the distribution
// running config/default.yaml, a click in headless Chromium throws, and the stored event shows
// the original source — found by debug id, and (without debug ids) by release and URL prefix.
func TestBrowserErrorIsSymbolicatedFromASentryCLIUpload(t *testing.T) {
	for _, mode := range []string{"debug-id", "release"} {
		t.Run("resolved with "+mode, func(t *testing.T) {
			fl := startDefault(t)
			dist := bundleBrowserApp(t)
			cli := []string{"SENTRY_URL=" + strings.TrimSuffix(fl.api, "/api/0"), "SENTRY_AUTH_TOKEN=" + demoToken,
				"SENTRY_ORG=faultline", "SENTRY_PROJECT=demo", "SENTRY_DISABLE_UPDATE_CHECK=1"}
			release := ""
			switch mode {
			case "debug-id":
				harness.RunTool(t, dist, "sentry-cli", []string{"sourcemaps", "inject", "static"}, cli...)
				out := harness.RunTool(t, dist, "sentry-cli", []string{"sourcemaps", "upload", "static"}, cli...)
				if !strings.Contains(out, "debug id") {
					t.Fatalf("sentry-cli uploaded no debug ids:\n%s", out)
				}
			case "release":
				release = "shop@2.0.0"
				harness.RunTool(t, dist, "sentry-cli", []string{"sourcemaps", "upload", "--release", release,
					"--url-prefix", "~/static", "static"}, cli...)
			}

			site := servePage(t, dist, fl.dsn, release)
			ctx := harness.Browser(t)
			harness.Do(t, ctx, 30*time.Second, chromedp.Navigate(site+"/"))
			harness.Get(t, ctx, 20*time.Second, chromedp.Poll[bool](`document.getElementById("status").textContent === "ready"`))
			harness.Do(t, ctx, 10*time.Second, chromedp.Click("#pay"))
			eventID := harness.Get(t, ctx, 20*time.Second, chromedp.Poll[string](`document.getElementById("sent").textContent`))

			var ev apiEvent
			harness.Eventually(t, 30*time.Second, "the click's event in an issue", func() bool {
				for _, is := range fl.issues(t) {
					fl.call(t, http.MethodGet, "/issues/"+is.ID+"/events/latest/", nil, &ev)
					if ev.EventID == eventID {
						return true
					}
				}
				return false
			})
			frames := ev.frames()
			defer func() {
				if t.Failed() {
					b, _ := json.MarshalIndent(frames, "", "  ")
					t.Logf("frames of event %s:\n%s\nerrors: %s", eventID, b, ev.Errors)
				}
			}()
			if len(frames) < 2 {
				t.Fatalf("event %s has %d frames", eventID, len(frames))
			}
			top := frames[len(frames)-1]
			if !strings.HasSuffix(top.Filename, "src/coupons.js") || top.Lineno != 6 || top.Function != "applyCoupon" {
				t.Errorf("top frame %s:%d in %q, want src/coupons.js:6 in applyCoupon", top.Filename, top.Lineno, top.Function)
			}
			if !strings.Contains(top.ContextLine, "throw new Error(`unknown coupon ${coupon}`);") ||
				len(top.PreContext) != 5 || len(top.PostContext) < 3 || top.PostContext[0] != "  }" {
				t.Errorf("context lines: pre %q line %q post %q", top.PreContext, top.ContextLine, top.PostContext)
			}
			if top.Data.ResolvedWith != mode || !top.Data.Symbolicated {
				t.Errorf("frame data %+v, want resolved_with %s", top.Data, mode)
			}
			caller := frames[len(frames)-2]
			if !strings.HasSuffix(caller.Filename, "src/checkout.js") || caller.Function != "checkout" || caller.Lineno != 5 {
				t.Errorf("caller frame %s:%d %s, want src/checkout.js:5 checkout", caller.Filename, caller.Lineno, caller.Function)
			}
		})
	}
}
