package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/testbed/harness"
)

// startForUI runs config/default.yaml like startDefault, with the grouping processor resolving
// JavaScript frames from a local source map directory, and returns the DSN, the API client and
// the UI's base URL.
func startForUI(t *testing.T, sourcemaps string) (faultline, string) {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(harness.RepoRoot(), "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	config := string(cfg)
	config, _ = harness.MoveAddrs(t, config, harness.FixedAddrs...)
	const grouping = "  errorgrouping:\n    sourcemaps:\n"
	if !strings.Contains(config, grouping) {
		t.Fatalf("config/default.yaml no longer has %q to add a sourcemap directory to", grouping)
	}
	config = strings.Replace(config, grouping, grouping+"      directory: "+sourcemaps+"\n", 1)
	sentryAddr, uiAddr := harness.FreeAddr(t), harness.FreeAddr(t)
	harness.StartCollector(t, config, []string{
		"FAULTLINE_SENTRY_ENDPOINT=" + sentryAddr,
		"FAULTLINE_UI_ENDPOINT=" + uiAddr,
		"FAULTLINE_DATA_DIR=" + t.TempDir(),
	}, sentryAddr, uiAddr)
	return faultline{dsn: fmt.Sprintf("http://%s@%s/1", demoKey, sentryAddr), api: "http://" + uiAddr + "/api/0"}, "http://" + uiAddr
}

func (f faultline) waitForIssues(t *testing.T, n int) {
	t.Helper()
	harness.Eventually(t, 30*time.Second, fmt.Sprintf("%d issues", n), func() bool { return len(f.issues(t)) >= n })
}

// logIn opens the UI, which shows the login page, and logs in with the demo token.
func logIn(t *testing.T, ctx context.Context, ui string) {
	t.Helper()
	harness.Do(t, ctx, 30*time.Second,
		chromedp.Navigate(ui+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SetValue(chromedp.CSS("#token"), demoToken),
	)
	clickAndWait(t, ctx, "form.login button[type=submit]", `document.querySelector('#issues') !== null`)
}

// clickAndWait clicks the element sel selects and waits until the page it leads to satisfies
// cond (a JavaScript expression) and has finished loading; evaluating during the navigation may
// fail, so it retries.
func clickAndWait(t *testing.T, ctx context.Context, sel, cond string) {
	t.Helper()
	harness.Do(t, ctx, 20*time.Second, chromedp.Click(chromedp.CSS(sel)))
	harness.Eventually(t, 20*time.Second, cond, func() bool {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](`document.readyState === 'complete' && (`+cond+`)`))
		return err == nil && ok
	})
}

func issueTitles(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#issues a.title')].map(a => a.textContent)`))
}

func TestTheUIFromLoginToRegression(t *testing.T) {
	dist := bundle(t)
	release := "web@3.1.0"
	sourcemaps := t.TempDir()
	mapped := filepath.Join(sourcemaps, "1", "release", release, "_", "~"+dist)
	copyFile(t, filepath.Join(dist, "app.js"), filepath.Join(mapped, "app.js"))
	copyFile(t, filepath.Join(dist, "app.js.map"), filepath.Join(mapped, "app.js.map"))
	f, ui := startForUI(t, sourcemaps)

	// Three issues from real SDKs: the minified node bundle's error, a Go error, a Go warning.
	runBundle(t, dist, f.dsn, release)
	sendGo(t, f.dsn, "shop@1.0.0", "alice")
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: f.dsn, Release: "shop@1.0.0", Environment: "staging",
		Transport: sentry.NewHTTPSyncTransport()})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.Scope().SetLevel(sentry.LevelWarning)
	hub.CaptureMessage("cache warm-up took 12s")
	hub.Flush(10 * time.Second)
	f.waitForIssues(t, 3)
	ctx := harness.Browser(t)
	logIn(t, ctx, ui)
	if got := issueTitles(t, ctx); len(got) != 3 {
		t.Fatalf("the list shows %q, want the 3 issues", got)
	}
	harness.Screenshot(t, ctx, "ui-issue-list")

	// A filter menu and the search box each narrow the list.
	// Set the menu without a change event, which would submit the form by itself (app.js).
	harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[string](`document.querySelector('select[name=level]').value = 'warning'`))
	clickAndWait(t, ctx, "#filters button[type=submit]", `location.search.includes('level=warning') && document.querySelector('#issues') !== null`)
	if got := issueTitles(t, ctx); len(got) != 1 || !strings.Contains(got[0], "cache warm-up") {
		t.Errorf("level:warning shows %q, want only the warning", got)
	}
	harness.Do(t, ctx, 20*time.Second,
		chromedp.Navigate(ui+"/"),
		chromedp.WaitVisible(chromedp.CSS("input[name=q]")),
		chromedp.SetValue(chromedp.CSS("input[name=q]"), "coupon"),
	)
	clickAndWait(t, ctx, "#filters button[type=submit]", `location.search.includes('q=coupon') && document.querySelector('#issues') !== null`)
	got := issueTitles(t, ctx)
	if len(got) != 1 || !strings.Contains(got[0], "unknown coupon SPRING") {
		t.Fatalf("searching for coupon shows %q, want the node error", got)
	}

	// The issue page shows the frame resolved through the source map, with its context.
	clickAndWait(t, ctx, "#issues a.title", `document.querySelector('#issue-title') !== null`)
	top := harness.Get(t, ctx, 10*time.Second, chromedp.Text(chromedp.CSS(".exception .frame.in-app")))
	for _, want := range []string{"applyDiscount", "src/billing.js:6:11", "throw new Error(`unknown coupon ${coupon}`);", "found by release"} {
		if !strings.Contains(top, want) {
			t.Errorf("the top in-app frame lacks %q:\n%s", want, top)
		}
	}
	if line := harness.Get(t, ctx, 10*time.Second, chromedp.Text(chromedp.CSS(".exception .frame.in-app tr.current"))); !strings.Contains(line, "6") {
		t.Errorf("the highlighted context line is %q, want line 6", line)
	}
	harness.Screenshot(t, ctx, "ui-issue")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	harness.Screenshot(t, ctx, "ui-issue-dark")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}

	// Resolve, then a new event from the same code regresses it.
	clickAndWait(t, ctx, "button[value=resolve]", `document.querySelector('#issue-status')?.textContent.trim() === 'resolved'`)
	issueURL := harness.Get(t, ctx, 5*time.Second, chromedp.Location())
	runBundle(t, dist, f.dsn, release)
	harness.Eventually(t, 30*time.Second, "the issue to show as regressed", func() bool {
		harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(issueURL), chromedp.WaitVisible(chromedp.CSS("#issue-status")))
		return harness.Get(t, ctx, 5*time.Second, chromedp.Text(chromedp.CSS("#issue-status"))) == "regressed"
	})
	harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(ui+"/?q=coupon"), chromedp.WaitVisible(chromedp.CSS("#issues")))
	if badge := harness.Get(t, ctx, 5*time.Second, chromedp.Text(chromedp.CSS("#issues .badge"))); badge != "regressed" {
		t.Errorf("the list's badge says %q, want regressed", badge)
	}
}

// Payloads that would run if any event value reached the page unescaped: each sets a marker
// and opens a dialog.
const (
	xssScript = `<script>window.__xss='script';alert('script')</script>`
	xssAttr   = `"><img src=x onerror="window.__xss='img';alert('img')">`
	xssURL    = `javascript:window.__xss='url';alert('url')`
	xssAll    = xssScript + xssAttr + " " + xssURL
)

// xssEvent puts the payloads into every string field an event has.
func xssEvent(n int) *sentry.Event {
	frame := func(fn string) sentry.Frame {
		return sentry.Frame{Function: fn + xssAll, Module: xssAll, Filename: xssURL, AbsPath: xssURL, Lineno: 3, Colno: 7,
			PreContext: []string{xssScript, xssAttr}, ContextLine: xssAll, PostContext: []string{xssURL}, InApp: true,
			Vars: map[string]any{"v": xssAll}}
	}
	return &sentry.Event{
		Level:       sentry.LevelError,
		Message:     xssAll,
		Release:     `"><img src=x onerror="window.__xss='rel'">` + fmt.Sprint(n),
		Environment: xssAttr,
		ServerName:  xssAll,
		Transaction: xssAll,
		Tags:        map[string]string{"payload": xssAll, xssAttr: xssURL, "url": xssURL},
		User:        sentry.User{ID: xssURL, Email: xssAll, Username: xssAll, Name: xssAll, Data: map[string]string{"d": xssAll}},
		Request: &sentry.Request{URL: xssURL, Method: "POST", Data: xssAll, QueryString: "q=" + xssAll, Cookies: "c=" + xssAll,
			Headers: map[string]string{"Referer": xssURL, "X-Payload": xssAll}, Env: map[string]string{"E": xssAll}},
		Breadcrumbs: []*sentry.Breadcrumb{{Type: xssAll, Category: xssAll, Message: xssAll, Level: sentry.LevelInfo,
			Data: map[string]any{"url": xssURL, "x": xssAll}, Timestamp: time.Now()}},
		Contexts: map[string]sentry.Context{"payload": {"value": xssAll, "link": xssURL}},
		Exception: []sentry.Exception{{Type: "XSSError" + fmt.Sprint(n) + xssScript, Value: xssAll, Module: xssAll,
			Stacktrace: &sentry.Stacktrace{Frames: []sentry.Frame{frame("outer"), frame("inner")}}}},
	}
}

func TestEventContentNeverRunsInTheUI(t *testing.T) {
	f, ui := startForUI(t, t.TempDir())
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: f.dsn, Transport: sentry.NewHTTPSyncTransport()})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	for n := range 2 { // two issues, the first with two events for the older/newer links
		hub.CaptureEvent(xssEvent(n))
		if n == 0 {
			hub.CaptureEvent(xssEvent(n))
		}
	}
	hub.Flush(10 * time.Second)
	f.waitForIssues(t, 2)

	// Without a session the pages hold no event data: browsers land on the login page, anything
	// else gets 401.
	for _, accept := range []string{"text/html", "application/json"} {
		for _, path := range []string{"/", "/?status=all", "/issues/1/", "/issues/1/?event=x", "/issues/2/"} {
			req, _ := http.NewRequest(http.MethodGet, ui+path, nil)
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantLogin := accept == "text/html"
			if wantLogin && (resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login") ||
				!wantLogin && resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "XSSError") {
				t.Errorf("GET %s (Accept %s) without a session: %s at %s", path, accept, resp.Status, resp.Request.URL.Path)
			}
		}
	}

	ctx := harness.Browser(t)
	var mu sync.Mutex
	var fired []string
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			mu.Lock()
			fired = append(fired, "dialog: "+e.Message)
			mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *log.EventEntryAdded:
			// A refused inline script would mean escaping let markup through.
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				mu.Lock()
				fired = append(fired, "CSP violation: "+e.Entry.Text)
				mu.Unlock()
			}
		}
	})
	logIn(t, ctx, ui)

	// Every page: the list (with each filter the payloads can reach), every issue, every event.
	pages := []string{ui + "/?status=all", ui + "/?status=all&q=" + "XSSError", ui + "/login"}
	var issueLinks []string
	harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(ui+"/?status=all"), chromedp.WaitVisible(chromedp.CSS("#issues")))
	issueLinks = harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#issues a.title')].map(a => a.href)`))
	if len(issueLinks) != 2 {
		t.Fatalf("the list links %d issues, want 2", len(issueLinks))
	}
	for _, filter := range harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#filters select[name=release] option, #filters select[name=environment] option')].filter(o => o.value).map(o => o.parentElement.name + '=' + encodeURIComponent(o.value))`)) {
		pages = append(pages, ui+"/?status=all&"+filter)
	}
	for _, link := range issueLinks {
		pages = append(pages, link)
		harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#issue-title")))
		pages = append(pages, harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#older')].map(a => a.href)`))...)
		// The tag links lead to filtered lists.
		pages = append(pages, harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.tag a')].map(a => a.href)`))...)
	}

	const inspect = `(() => {
		const bad = [];
		if (window.__xss !== undefined) bad.push('marker set by ' + window.__xss);
		for (const s of document.scripts) if (s.getAttribute('src') !== '/static/app.js') bad.push('script element: ' + s.outerHTML.slice(0, 80));
		for (const el of document.querySelectorAll('*')) {
			for (const a of el.attributes) {
				if (/^on/i.test(a.name)) bad.push('handler attribute ' + a.name + ' on ' + el.tagName);
				if (/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\s*javascript:/i.test(a.value)) bad.push(a.name + '=' + a.value + ' on ' + el.tagName);
			}
		}
		for (const img of document.images) if (img.getAttribute('src') === 'x') bad.push('injected img');
		return bad;
	})()`
	for _, p := range pages {
		harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(p), chromedp.WaitReady(chromedp.CSS("main")))
		// Open every folded part so nothing stays unrendered.
		harness.Do(t, ctx, 5*time.Second, chromedp.Poll[chromedp.Void](`(document.querySelectorAll('details').forEach(d => d.open = true), true)`))
		if bad := harness.Get(t, ctx, 10*time.Second, chromedp.Evaluate[[]string](inspect)); len(bad) > 0 {
			t.Errorf("%s: %q", p, bad)
		}
		if !strings.Contains(p, "/login") {
			if body := harness.Get(t, ctx, 10*time.Second, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, "<script>window.__xss") && !strings.Contains(p, "environment=") && !strings.Contains(p, "release=") {
				t.Errorf("%s does not show the payload as text", p)
			}
		}
	}
	time.Sleep(500 * time.Millisecond) // let late events arrive
	mu.Lock()
	defer mu.Unlock()
	if len(fired) > 0 {
		t.Errorf("event content ran in the browser: %q", fired)
	}
	harness.Do(t, ctx, 20*time.Second, chromedp.Navigate(issueLinks[0]), chromedp.WaitVisible(chromedp.CSS("#issue-title")))
	harness.Screenshot(t, ctx, "ui-xss-issue")
}
