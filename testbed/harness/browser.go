package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless Chromium (the system's, as CI installs it) and returns a chromedp
// context for one tab. The browser is closed when the test ends. Tests that need a browser fail,
// not skip, when none is installed: CI must run them.
//
// chromedp v0.23 has a generic API: actions are Action[T]; run one with
// chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#x"))) → (string, error), several value-less ones
// with chromedp.Do(ctx, chromedp.Navigate(u), chromedp.Click(chromedp.CSS("button"))).
func Browser(t testing.TB) context.Context {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Fatal("no Chromium found (set FAULTLINE_CHROMIUM or install the chromium package)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start Chromium %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// Do runs value-less chromedp actions with a deadline, failing the test on error.
func Do(t testing.TB, ctx context.Context, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Get runs one chromedp action that returns a value, with a deadline, failing the test on error.
func Get[T any](t testing.TB, ctx context.Context, timeout time.Duration, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// Screenshot saves a full-page PNG (quality 100 is what makes Chromium encode PNG, not JPEG) under testbed/screenshots/ (git-ignored) for people to look at.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png := Get(t, ctx, 30*time.Second, chromedp.FullScreenshot(100))
	dir := filepath.Join(RepoRoot(), "testbed", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func chromiumPath() string {
	if p := os.Getenv("FAULTLINE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
