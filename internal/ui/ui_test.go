package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sentry/scrub"
	"github.com/faultline/faultline/internal/store"
)

const testToken = "test-token-0123456789"

var (
	nodeEvent       = mustRead("testdata/node-error.json")
	explanationJSON = string(mustRead("testdata/explanation.json"))
)

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return bytes.TrimSpace(b)
}

var eventSeq int

// testEvent is an event of project 1 grouped under hash, received minutes ago.
func testEvent(hash string, minutesAgo int, f func(*store.Event)) store.Event {
	eventSeq++
	at := time.Now().Add(-time.Duration(minutesAgo) * time.Minute)
	e := store.Event{
		ProjectID: 1, EventID: fmt.Sprintf("%032x", eventSeq), Timestamp: at, Received: at,
		Level: "error", Platform: "node", Release: "shop@1.0.0", Environment: "production", Hashes: []string{hash},
		Title: "TypeError: boom " + hash, Culprit: "src/billing.js in applyDiscount",
		Metadata:       store.Metadata{Type: "TypeError", Value: "boom"},
		GroupingConfig: "newstyle:2026-01-20", Explanation: explanationJSON, UserID: "u1",
		Payload: nodeEvent,
	}
	if f != nil {
		f(&e)
	}
	return e
}

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "faultline.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func write(t testing.TB, st store.Store, evs ...store.Event) {
	t.Helper()
	if err := st.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// serve starts the UI over real HTTP.
func serve(t *testing.T, st store.Store) string {
	t.Helper()
	u, err := New(st, Config{Token: testToken, Projects: []Project{{1, "demo"}, {2, "backend"}},
		TraceURL: "https://tempo.example/trace/{trace_id}", OnError: func(path string, err error) { t.Errorf("%s: %v", path, err) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(u)
	t.Cleanup(srv.Close)
	return srv.URL
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func (b *browser) login() {
	b.t.Helper()
	resp, body := b.do("POST", "/login", url.Values{"token": {testToken}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login: %s\n%s", resp.Status, body)
	}
}

// page GETs a page as a logged-in browser and wants 200.
func (b *browser) page(path string) string {
	b.t.Helper()
	resp, body := b.do("GET", path, nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	return body
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no CSRF token")
	}
	return m[1]
}

func TestUnauthenticatedRequestsGetNoData(t *testing.T) {
	st := openStore(t)
	write(t, st, testEvent("secret", 1, nil))
	base := serve(t, st)
	b := newBrowser(t, base)
	cases := []struct {
		method, path, accept string
		want                 int
	}{
		{"GET", "/", "text/html", http.StatusSeeOther},
		{"GET", "/issues/1/", "text/html", http.StatusSeeOther},
		{"GET", "/issues/1/", "application/json", http.StatusUnauthorized},
		{"GET", "/issues/1/events/00000000000000000000000000000001/json", "", http.StatusUnauthorized},
		{"POST", "/issues/1/status", "text/html", http.StatusUnauthorized},
		{"POST", "/logout", "text/html", http.StatusUnauthorized},
	}
	for _, c := range cases {
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"action": {"resolve"}}
		}
		resp, body := b.do(c.method, c.path, form, "Accept", c.accept)
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %s, want %d", c.method, c.path, resp.Status, c.want)
		}
		if strings.Contains(body, "boom secret") {
			t.Errorf("%s %s leaked the issue", c.method, c.path)
		}
		if c.want == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s %s redirects to %q, want the login page", c.method, c.path, resp.Header.Get("Location"))
		}
	}
	is, _ := st.Issue(context.Background(), 1)
	if is.Status != store.StatusUnresolved {
		t.Errorf("an unauthenticated POST changed the issue to %s", is.Status)
	}
}

func TestLoginSessionAndLogout(t *testing.T) {
	st := openStore(t)
	base := serve(t, st)
	b := newBrowser(t, base)
	if resp, body := b.do("POST", "/login", url.Values{"token": {"wrong"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not the API token") {
		t.Fatalf("wrong token: %s", resp.Status)
	}
	if resp, _ := b.do("POST", "/login", url.Values{"token": {testToken}}, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a login posted from another origin: %s, want 403", resp.Status)
	}
	resp, _ := b.do("POST", "/login", url.Values{"token": {testToken}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("login with an off-site next: %s to %q, want 303 to /", resp.Status, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v, want HttpOnly and SameSite=Strict", cookie)
	}
	page := b.page("/")
	b.do("POST", "/logout", url.Values{"csrf": {csrfOf(t, page)}})
	// The old cookie, replayed after logout, opens nothing.
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.AddCookie(cookie)
	replay, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	replay.Body.Close()
	if replay.StatusCode != http.StatusUnauthorized {
		t.Errorf("a logged-out session cookie got %s, want 401", replay.Status)
	}
	// The API token works as a bearer token too, for scripts.
	if resp, _ := newBrowser(t, base).do("GET", "/", nil, "Authorization", "Bearer "+testToken); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer token: %s", resp.Status)
	}
}

func TestStatusChangesNeedTheCSRFToken(t *testing.T) {
	st := openStore(t)
	write(t, st, testEvent("a", 1, nil))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	if resp, _ := b.do("POST", "/issues/1/status", url.Values{"action": {"resolve"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %s, want 403", resp.Status)
	}
	if resp, _ := b.do("POST", "/issues/1/status", url.Values{"action": {"resolve"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %s, want 403", resp.Status)
	}
	steps := []struct{ action, want string }{
		{"resolve-next-release", "resolved in next release"},
		{"reopen", "ongoing"},
		{"ignore-for-60m", "ignored until"},
		{"reopen", "ongoing"},
		{"ignore-count-100", "ignored for 100 more events"},
		{"reopen", "ongoing"},
		{"resolve", "resolved"},
	}
	for _, s := range steps {
		resp, body := b.do("POST", "/issues/1/status", url.Values{"action": {s.action}, "csrf": {csrfOf(t, page)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %s\n%s", s.action, resp.Status, body)
		}
		page = b.page("/issues/1/")
		if !strings.Contains(page, `id="issue-status">`+s.want) {
			t.Errorf("after %s the status badge does not say %q", s.action, s.want)
		}
	}
	if resp, _ := b.do("POST", "/issues/1/status", url.Values{"action": {"explode"}, "csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown action: %s, want 400", resp.Status)
	}
}

func TestDeletingAnIssueNeedsItsConfirmation(t *testing.T) {
	st := openStore(t)
	write(t, st, testEvent("a", 1, nil))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	if !strings.Contains(page, `action="/issues/1/delete"`) {
		t.Fatal("the issue page has no delete form")
	}
	if resp, _ := b.do("POST", "/issues/1/delete", url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %s, want 403", resp.Status)
	}
	if resp, _ := b.do("POST", "/issues/1/delete", url.Values{"csrf": {csrfOf(t, page)}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("without the confirmation: %s, want 400", resp.Status)
	}
	if _, err := st.Issue(context.Background(), 1); err != nil {
		t.Fatalf("the issue went without its confirmation: %v", err)
	}
	resp, body := b.do("POST", "/issues/1/delete", url.Values{"confirm": {"yes"}, "csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/?project=") {
		t.Fatalf("delete: %s to %q\n%s", resp.Status, resp.Header.Get("Location"), body)
	}
	if _, err := st.Issue(context.Background(), 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after the delete: %v, want not found", err)
	}
}

func TestTheListFiltersSearchesSortsAndPages(t *testing.T) {
	st := openStore(t)
	var evs []store.Event
	for i := range 30 {
		evs = append(evs, testEvent(fmt.Sprintf("bulk%02d", i), 60+i, nil))
	}
	evs = append(evs,
		testEvent("warn", 5, func(e *store.Event) { e.Level = "warning"; e.Title = "Warning: slow checkout" }),
		testEvent("staging", 3, func(e *store.Event) { e.Environment = "staging"; e.Release = "shop@2.0.0" }),
		testEvent("other", 2, func(e *store.Event) { e.ProjectID = 2; e.Title = "Error: in the backend" }),
		testEvent("unconfigured", 2, func(e *store.Event) { e.ProjectID = 99; e.Title = "Error: nobody's project" }),
	)
	write(t, st, evs...)
	b := newBrowser(t, serve(t, st))
	b.login()
	rows := regexp.MustCompile(`class="title" href="/issues/\d+/">([^<]+)<`)
	titles := func(path string) []string {
		var out []string
		for _, m := range rows.FindAllStringSubmatch(b.page(path), -1) {
			out = append(out, m[1])
		}
		return out
	}
	cases := []struct {
		path      string
		wantCount int
		wantFirst string
	}{
		{"/", 25, "Error: in the backend"},
		{"/?page=2", 8, ""},
		{"/?project=demo", 25, "TypeError: boom staging"},
		{"/?level=warning", 1, "Warning: slow checkout"},
		{"/?q=level:warning", 1, "Warning: slow checkout"},
		{"/?q=checkout", 1, "Warning: slow checkout"},
		{"/?environment=staging", 1, "TypeError: boom staging"},
		{"/?q=release:shop@2.0.0", 1, "TypeError: boom staging"},
		{"/?status=resolved", 0, ""},
		{"/?q=is:resolved&status=unresolved", 25, "Error: in the backend"},
		{"/?sort=new&q=bulk", 25, "TypeError: boom bulk00"},
	}
	for _, c := range cases {
		got := titles(c.path)
		if len(got) != c.wantCount || (c.wantFirst != "" && got[0] != c.wantFirst) {
			t.Errorf("%s: %d issues %q, want %d starting with %q", c.path, len(got), got, c.wantCount, c.wantFirst)
		}
	}
	page := b.page("/")
	for _, want := range []string{"1–25 of 33", `href="/?page=2`, `<option value="shop@2.0.0">`, `<option value="staging">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the list page lacks %q", want)
		}
	}
	if strings.Contains(page, "nobody&#39;s project") {
		t.Error("the list shows an issue of an unconfigured project")
	}
	if resp, body := b.do("GET", "/?q=is:bookmarked", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "unsupported is: value") {
		t.Errorf("a bad query: %s", resp.Status)
	}
}

func TestAMessageShowsTheStackOfItsThread(t *testing.T) {
	st := openStore(t)
	payload := `{"event_id":"0000000000000000000000000000000a","platform":"python","level":"info",` +
		`"logentry":{"formatted":"cache warm-up took 12s"},"threads":{"values":[` +
		`{"id":1,"name":"worker","stacktrace":{"frames":[{"function":"idle","filename":"pool.py","lineno":3}]}},` +
		`{"id":2,"name":"main","current":true,"stacktrace":{"frames":[{"function":"warm_cache","filename":"app/cache.py","lineno":41,"in_app":true}]}}]}}`
	write(t, st, testEvent("msg", 1, func(e *store.Event) { e.Payload = []byte(payload) }))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	for _, want := range []string{"cache warm-up took 12s", `<span class="fn">warm_cache</span>`, "app/cache.py:41"} {
		if !strings.Contains(page, want) {
			t.Errorf("the issue page lacks %q", want)
		}
	}
	if strings.Contains(page, "idle") {
		t.Error("the page shows the idle thread, not the current one")
	}
}

func TestTheIssuePageShowsTheEvent(t *testing.T) {
	st := openStore(t)
	write(t, st, testEvent("a", 3, nil), testEvent("a", 2, nil), testEvent("a", 1, nil))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	for _, want := range []string{
		"TypeError: boom a", "<span class=\"fn\">applyDiscount</span>", "src/billing.js:6:11",
		"throw new Error(`unknown coupon ${coupon}`);", "source map ~/dist/app.js.map (found by release)",
		"not symbolicated: js_no_source: no source map for this file", "system frames</summary>",
		`href="https://tempo.example/trace/6e0ef15ede06506803e11fc01001116a"`, "https://api.example.com/v1/items/7",
		"User-Agent", "Mozilla/5.0", "203.0.113.7", "<strong>app</strong>", "21b1621050ac53a943ec48b4f0c02987",
		"Resolve in next release", "for 1 week", "until 100 more events", `id="older"`, "Raw JSON", "shop@1.0.0",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the issue page lacks %q", want)
		}
	}
	older := regexp.MustCompile(`href="\?event=([0-9a-f]{32})" id="older"`).FindStringSubmatch(page)
	if older == nil {
		t.Fatal("no link to the older event")
	}
	if p := b.page("/issues/1/?event=" + older[1]); !strings.Contains(p, `id="newer"`) || !strings.Contains(p, `id="older"`) {
		t.Error("the middle event links neither way")
	}
	resp, body := b.do("GET", "/issues/1/events/"+older[1]+"/json", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || body != string(nodeEvent) {
		t.Errorf("raw JSON: %s %q %q", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := b.do("GET", "/issues/2/", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing issue: %s", resp.Status)
	}
	if resp, _ := b.do("GET", "/issues/1/?event=ffffffffffffffffffffffffffffffff", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a missing event: %s", resp.Status)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestTheIssuePageSaysWhatWasTrimmedOnIngest(t *testing.T) {
	frames := make([]string, 1000)
	for i := range frames {
		frames[i] = fmt.Sprintf(`{"function":"f%d","filename":"app.js","lineno":%d,"in_app":true}`, i, i+1)
	}
	raw := `{"platform":"node","message":"` + strings.Repeat("x", 9000) + `","exception":{"values":[{"type":"RangeError","value":"too deep","stacktrace":{"frames":[` + strings.Join(frames, ",") + `]}}]}}`
	normalized, _, err := event.Normalize([]byte(raw), event.NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	write(t, st, testEvent("trim", 1, func(e *store.Event) { e.Payload = normalized }))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	for _, want := range []string{
		"Trimmed on ingest", "<code>exception.values.0.stacktrace.frames</code> 1000 entries sent",
		"<code>logentry.formatted</code> 9000 characters sent", "the middle 750 of 1000 frames were cut on ingest",
		`<span class="fn">f999</span>`, `<span class="fn">f0</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the issue page lacks %q", want)
		}
	}
	if strings.Contains(page, `<span class="fn">f500</span>`) {
		t.Error("the page shows a frame that was cut")
	}
}

func TestSafeNextKeepsRedirectsOnThisSite(t *testing.T) {
	for next, want := range map[string]string{
		"/issues/7/?q=a":        "/issues/7/?q=a",
		"/":                     "/",
		"//evil.example/":       "/",
		`/\evil.example`:        "/",
		"/\t/evil.example":      "/",
		"/\n/evil.example":      "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"issues":                "/",
		"":                      "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestTheStatsPageSumsOutcomes(t *testing.T) {
	st := openStore(t)
	now := time.Now()
	err := st.WriteOutcomes(context.Background(), []store.Outcome{
		{ProjectID: 1, Hour: now, Category: "error", Outcome: store.OutcomeRateLimited, Reason: "quota", Quantity: 4},
		{ProjectID: 1, Hour: now.Add(-time.Hour), Category: "error", Outcome: store.OutcomeRateLimited, Reason: "quota", Quantity: 5},
		{ProjectID: 1, Hour: now.Add(-48 * time.Hour), Category: "transaction", Outcome: store.OutcomeClientDiscard, Reason: "sample_rate", Quantity: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/stats")
	if !strings.Contains(page, `<td>error</td><td>rate_limited</td><td>quota</td><td class="num">9</td>`) || strings.Contains(page, "sample_rate") {
		t.Errorf("the last 24 hours should show 9 errors refused over a quota and nothing older:\n%s", page)
	}
	if page := b.page("/stats?period=7d"); !strings.Contains(page, `<td class="num">7</td>`) {
		t.Errorf("the last 7 days should show the transactions the SDK dropped")
	}
}

func TestTheIssuePageSaysWhatWasScrubbedAndWhy(t *testing.T) {
	raw := `{"platform":"node","extra":{"db_password":"hunter2"},"exception":{"values":[{"type":"PaymentError","value":"card 4242 4242 4242 4242 declined"}]}}`
	s, err := scrub.Compile(scrub.Config{ScrubDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.Session()
	normalized, _, err := event.Normalize([]byte(raw), event.NormalizeOptions{Editor: ss})
	ss.Release()
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	write(t, st, testEvent("scrub", 1, func(e *store.Event) { e.Payload = normalized }))
	b := newBrowser(t, serve(t, st))
	b.login()
	page := b.page("/issues/1/")
	for _, want := range []string{
		"Scrubbed on ingest", "<code>extra.db_password</code> replaced by @password:filter (7 characters sent)",
		"<code>exception.values.0.value</code> replaced by @creditcard:filter (33 characters sent)", "card [Filtered] declined",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the issue page lacks %q", want)
		}
	}
	for _, secret := range []string{"hunter2", "4242 4242"} {
		if strings.Contains(page, secret) {
			t.Errorf("the issue page shows %q", secret)
		}
	}
	if strings.Contains(page, "Trimmed on ingest") {
		t.Error("a scrubbed value is listed as trimmed")
	}
}
