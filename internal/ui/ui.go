// Package ui serves Faultline's web pages: the issue list and the issue page with its events,
// behind a login with the API token. Pages are rendered on the server with html/template from
// embedded templates and assets; a few lines of plain JavaScript only add conveniences.
//
// It knows the store, the search syntax and the Sentry event model; nothing of the collector.
// Every value that comes from an event is attacker-controlled: it reaches the page only through
// html/template's contextual escaping, and a strict Content-Security-Policy forbids inline script
// as a second line of defence.
package ui

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/faultline/faultline/internal/alertrule"
	"github.com/faultline/faultline/internal/store"
)

// Project is a configured project.
type Project struct {
	ID   int64
	Slug string
}

// Config is what the UI needs besides the store.
type Config struct {
	// Token is the API token; people log in with it.
	Token string
	// Projects are the projects to show, in menu order.
	Projects []Project
	// TraceURL links an event's trace id to a tracing UI: "{trace_id}" is replaced by the id
	// (e.g. "http://localhost:16686/trace/{trace_id}"). Empty shows the id without a link.
	TraceURL string
	// SessionTTL is how long a login lasts (default 12 hours).
	SessionTTL time.Duration
	// OnError receives the errors that pages show only as "something went wrong".
	OnError func(path string, err error)
	// Rules lists the alert rules in force (nil: none).
	Rules func() []*alertrule.Rule
}

// UI serves the pages; mount it at the root of a server.
type UI struct {
	st       store.Store
	cfg      Config
	byID     map[int64]Project
	sessions *sessions
	menus    menuCache
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy allows only our own script and styles: an injected <script> or event
// handler attribute that escaping somehow let through still does not run.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// New returns the UI handler.
func New(st store.Store, cfg Config) (*UI, error) {
	if cfg.Token == "" {
		return nil, errors.New("ui: the API token must be set")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.OnError == nil {
		cfg.OnError = func(string, error) {}
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	u := &UI{st: st, cfg: cfg, byID: map[int64]Project{}, sessions: newSessions(cfg.Token, cfg.SessionTTL),
		pages: pages, mux: http.NewServeMux()}
	for _, p := range cfg.Projects {
		u.byID[p.ID] = p
	}
	static, _ := fs.Sub(staticFS, "static")
	u.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	u.mux.HandleFunc("GET /login", u.loginPage)
	u.mux.HandleFunc("POST /login", u.login)
	u.mux.Handle("POST /logout", u.authed(u.logout))
	u.mux.Handle("GET /{$}", u.authed(u.listPage))
	u.mux.Handle("GET /issues/{id}/{$}", u.authed(u.issuePage))
	u.mux.Handle("POST /issues/{id}/status", u.authed(u.changeStatus))
	u.mux.Handle("POST /issues/{id}/delete", u.authed(u.deleteIssue))
	u.mux.Handle("GET /stats", u.authed(u.statsPage))
	u.mux.Handle("GET /issues/{id}/events/{event}/json", u.authed(u.rawEvent))
	u.mux.Handle("GET /rules/{$}", u.authed(u.rulesPage))
	return u, nil
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "list", "issue", "error", "rules", "stats"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// ServeHTTP sets the security headers every response carries, then routes.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	u.mux.ServeHTTP(w, r)
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets: the page's own data plus the session's CSRF token.
type page struct {
	Title    string
	CSRF     string
	Projects []Project
	Data     any
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Title: title, Projects: u.cfg.Projects, Data: data}
	if s, ok := u.sessions.fromRequest(r); ok {
		p.CSRF = u.sessions.csrfToken(s)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := u.pages[name].ExecuteTemplate(w, "layout", p); err != nil {
		u.cfg.OnError(r.URL.Path, fmt.Errorf("render page %s: %w", name, err))
	}
}

// fail shows an error page; store errors other than "not found" are logged, not shown.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong reading the issue store; the collector's log has the details."
	var in *store.InputError
	switch {
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "There is no such issue or event."
	case errors.As(err, &in):
		status, msg = http.StatusBadRequest, in.Msg
	default:
		u.cfg.OnError(r.URL.Path, err)
	}
	u.render(w, r, status, "error", http.StatusText(status), msg)
}
