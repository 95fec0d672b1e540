package issuestoreextension

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/faultline/faultline/extension/issuestoreextension/internal/metadata"
	"github.com/faultline/faultline/internal/api"
	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/store"
	"github.com/faultline/faultline/internal/ui"
)

// Server is what the extension offers other components, found with host.GetExtensions().
type Server interface {
	store.Provider
	// Handle mounts a handler on the server (a pattern outside /api/0/ and more specific than
	// the UI's "/"). Handlers are not behind the API token; use Authorized for that.
	Handle(pattern string, h http.Handler)
	// Authorized reports whether a request carries the API token.
	Authorized(r *http.Request) bool
}

// Extension is the issuestore extension.
type Extension struct {
	cfg *Config
	set extension.Settings

	mux *http.ServeMux

	mu       sync.Mutex
	st       store.Store
	api      *api.API
	ui       *ui.UI
	server   *http.Server
	sweeper  *sweeper
	alerting *alerting
	tel      *metadata.TelemetryBuilder
	wg       sync.WaitGroup
}

var (
	_ Server              = (*Extension)(nil)
	_ projectdef.Provider = (*Extension)(nil)
)

func newExtension(cfg *Config, set extension.Settings) *Extension {
	e := &Extension{cfg: cfg, set: set, mux: http.NewServeMux()}
	e.mux.Handle("/api/0/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		a := e.api
		e.mu.Unlock()
		if a == nil {
			http.Error(w, `{"detail":"the issue store is not running"}`, http.StatusServiceUnavailable)
			return
		}
		a.ServeHTTP(w, r)
	}))
	e.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		u := e.ui
		e.mu.Unlock()
		if u == nil {
			http.Error(w, "the issue store is not running", http.StatusServiceUnavailable)
			return
		}
		u.ServeHTTP(w, r)
	}))
	return e
}

// Store returns the open store (nil before Start).
func (e *Extension) Store() store.Store {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

// Projects returns the project definitions, for the components configured with projects_from.
// They are the configuration's, so they are there before Start.
func (e *Extension) Projects() []projectdef.Definition {
	out := make([]projectdef.Definition, len(e.cfg.Projects))
	for i, p := range e.cfg.Projects {
		out[i] = projectdef.Definition{ID: p.ID, Slug: p.Slug, Keys: p.Keys, AllowedOrigins: p.AllowedOrigins, Quotas: p.Quotas, Scrubbing: p.Scrubbing}
	}
	return out
}

// Handle mounts a handler on the server.
func (e *Extension) Handle(pattern string, h http.Handler) { e.mux.Handle(pattern, h) }

// Authorized reports whether a request carries the API token.
func (e *Extension) Authorized(r *http.Request) bool {
	e.mu.Lock()
	a := e.api
	e.mu.Unlock()
	return a != nil && a.Authorized(r)
}

// Start opens the store (running migrations) and starts the HTTP server.
func (e *Extension) Start(ctx context.Context, host component.Host) error {
	tel, err := metadata.NewTelemetryBuilder(e.set.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("issuestore: telemetry: %w", err)
	}
	opened, err := e.open(ctx)
	if err != nil {
		tel.Shutdown()
		return err
	}
	// The API and the UI delete through the store that counts what they delete.
	st := countingStore{Store: opened, tel: tel}
	targets, resolves, err := buildTargets(ctx, e.cfg.Alerts.Targets)
	if err != nil {
		st.Close()
		tel.Shutdown()
		return fmt.Errorf("issuestore: %w", err)
	}
	book := newRulebook(opened, &e.cfg.Alerts, resolves, e.set.Logger)
	if err := book.Reload(ctx); err != nil {
		st.Close()
		tel.Shutdown()
		return fmt.Errorf("issuestore: alert rules: %w", err)
	}
	projects := make([]api.Project, len(e.cfg.Projects))
	for i, p := range e.cfg.Projects {
		projects[i] = api.Project{ID: p.ID, Slug: p.Slug, Platform: p.Platform}
	}
	a := api.New(st, api.Config{Token: string(e.cfg.APIToken), Org: "faultline", Projects: projects, Rules: book})
	uiProjects := make([]ui.Project, len(e.cfg.Projects))
	for i, p := range e.cfg.Projects {
		uiProjects[i] = ui.Project{ID: p.ID, Slug: p.Slug}
	}
	pages, err := ui.New(st, ui.Config{Token: string(e.cfg.APIToken), Projects: uiProjects, TraceURL: e.cfg.UI.TraceURL, Rules: book.Rules,
		SessionTTL: e.cfg.UI.SessionTTL, OnError: func(path string, err error) {
			e.set.Logger.Error("UI request failed", zap.String("path", path), zap.Error(err))
		}})
	if err != nil {
		st.Close()
		tel.Shutdown()
		return fmt.Errorf("issuestore: %w", err)
	}
	server, err := e.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), e.set.TelemetrySettings, e.mux)
	if err != nil {
		st.Close()
		tel.Shutdown()
		return fmt.Errorf("issuestore: create HTTP server: %w", err)
	}
	ln, err := e.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		st.Close()
		tel.Shutdown()
		return fmt.Errorf("issuestore: listen on %s: %w", e.cfg.NetAddr.Endpoint, err)
	}
	w := startSweeper(opened, e.cfg.policy(), e.cfg.SweepInterval, tel, e.set.Logger)
	al := startAlerting(ctx, opened, e.cfg, book, targets, tel, e.set.Logger)
	e.mu.Lock()
	e.st, e.api, e.ui, e.server, e.sweeper, e.tel, e.alerting = opened, a, pages, server, w, tel, al
	e.mu.Unlock()
	e.set.Logger.Info("issue store API and UI listening", zap.String("endpoint", ln.Addr().String()))
	e.wg.Go(func() {
		if err := server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	})
	return nil
}

func (e *Extension) open(ctx context.Context) (store.Store, error) {
	if e.cfg.PostgresDSN != "" {
		st, err := store.OpenPostgres(ctx, string(e.cfg.PostgresDSN), store.PostgresOptions{MaxConns: e.cfg.PostgresMaxConns})
		if err != nil {
			return nil, fmt.Errorf("issuestore: %w", err)
		}
		e.set.Logger.Info("issue store on PostgreSQL")
		return st, nil
	}
	if e.cfg.MySQLDSN != "" {
		st, err := store.OpenMySQL(ctx, string(e.cfg.MySQLDSN), store.MySQLOptions{MaxConns: e.cfg.MySQLMaxConns})
		if err != nil {
			return nil, fmt.Errorf("issuestore: %w", err)
		}
		e.set.Logger.Info("issue store on MySQL")
		return st, nil
	}
	st, err := store.OpenSQLite(e.cfg.SQLite.Path, store.SQLiteOptions{MaxBatch: e.cfg.SQLite.MaxBatch, Logger: e.set.Logger})
	if err != nil {
		return nil, fmt.Errorf("issuestore: %w", err)
	}
	e.set.Logger.Info("issue store on SQLite", zap.String("path", e.cfg.SQLite.Path))
	return st, nil
}

// Shutdown stops the server, then closes the store. It is safe without Start.
func (e *Extension) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	server, st, w, tel, al := e.server, e.st, e.sweeper, e.tel, e.alerting
	e.server, e.st, e.api, e.ui, e.sweeper, e.tel, e.alerting = nil, nil, nil, nil, nil, nil, nil
	e.mu.Unlock()
	var errs []error
	if server != nil {
		errs = append(errs, server.Shutdown(ctx))
	}
	e.wg.Wait()
	if w != nil {
		w.stop()
	}
	if al != nil {
		al.stop()
	}
	if st != nil {
		errs = append(errs, st.Close())
	}
	if tel != nil {
		tel.Shutdown()
	}
	return errors.Join(errs...)
}
