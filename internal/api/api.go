// Package api serves the subset of Sentry's Web API (/api/0/) that Faultline implements, over
// the store interface: projects (list, delete their data), issues (list, detail, status, delete,
// events, hashes), events, outcome stats (stats_v2), and the chunked artifact-bundle upload
// `sentry-cli sourcemaps upload` uses.
// Field names and types follow what Sentry returns so that sentry-cli and scripts written for
// Sentry work unchanged.
//
// It is plain net/http: it knows the store and the configured projects, nothing of the collector.
package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/store"
)

// Project is a configured project.
type Project struct {
	ID       int64
	Slug     string
	Platform string
}

// Config is what the API needs besides the store.
type Config struct {
	// Token is the bearer token every request must carry.
	Token string
	// Org is the organization slug (Faultline has one organization).
	Org      string
	Projects []Project
	// Upload bounds sentry-cli uploads; zero fields take DefaultUploadLimits.
	Upload UploadLimits
	// Rules keeps the alert rules; nil leaves the rules API out.
	Rules RuleBook
}

// API serves /api/0/.
type API struct {
	st     store.Store
	cfg    Config
	bySlug map[string]Project
	byID   map[int64]Project
	mux    *http.ServeMux
	limits UploadLimits

	// assembling holds the bundles (checksum, release, dist) being assembled right now, so a
	// client's repeated request is told "assembling" instead of starting a second assembly.
	assemblingMu sync.Mutex
	assembling   map[string]bool
	// assemblySlots bounds the assemblies running at once: each holds its bundle in memory
	// several times over (chunks, the joined file, the unpacked files).
	assemblySlots chan struct{}
}

// maxConcurrentAssemblies is how many bundles are assembled at once; a request that finds none
// free is told "assembling", which sentry-cli answers by asking again a moment later.
const maxConcurrentAssemblies = 2

// New returns the API handler; mount it at the root of a server (its routes start with /api/0/).
func New(st store.Store, cfg Config) *API {
	a := &API{st: st, cfg: cfg, bySlug: map[string]Project{}, byID: map[int64]Project{}, mux: http.NewServeMux(),
		limits: cfg.Upload.orDefaults(), assembling: map[string]bool{},
		assemblySlots: make(chan struct{}, maxConcurrentAssemblies)}
	for _, p := range cfg.Projects {
		a.bySlug[p.Slug] = p
		a.byID[p.ID] = p
	}
	routes := map[string]http.HandlerFunc{
		"GET /api/0/organizations/{org}/projects/":                 a.listProjects,
		"DELETE /api/0/projects/{org}/{project}/":                  a.deleteProject,
		"GET /api/0/organizations/{org}/stats_v2/":                 a.stats,
		"GET /api/0/projects/{org}/{project}/issues/":              a.listProjectIssues,
		"PUT /api/0/projects/{org}/{project}/issues/":              a.bulkUpdate,
		"GET /api/0/organizations/{org}/issues/":                   a.listOrgIssues,
		"GET /api/0/issues/{id}/":                                  a.getIssue,
		"PUT /api/0/issues/{id}/":                                  a.updateIssue,
		"DELETE /api/0/issues/{id}/":                               a.deleteIssue,
		"GET /api/0/issues/{id}/events/":                           a.issueEvents,
		"GET /api/0/issues/{id}/events/latest/":                    a.latestEvent,
		"GET /api/0/issues/{id}/hashes/":                           a.issueHashes,
		"GET /api/0/projects/{org}/{project}/events/{event}/":      a.eventByID,
		"GET /api/0/organizations/{org}/chunk-upload/":             a.chunkUploadOptions,
		"POST /api/0/organizations/{org}/chunk-upload/":            a.uploadChunks,
		"POST /api/0/organizations/{org}/artifactbundle/assemble/": a.assembleBundle,
		"GET /api/0/projects/{org}/{project}/rules/":               a.listRules,
		"POST /api/0/projects/{org}/{project}/rules/":              a.createRule,
		"GET /api/0/projects/{org}/{project}/rules/{rule}/":        a.getRule,
		"PUT /api/0/projects/{org}/{project}/rules/{rule}/":        a.updateRule,
		"DELETE /api/0/projects/{org}/{project}/rules/{rule}/":     a.deleteRule,
	}
	for pattern, h := range routes {
		a.mux.Handle(pattern, h)
		// Newer Sentry clients address issues under the organization too.
		if method, path, ok := strings.Cut(pattern, " /api/0/issues/"); ok {
			a.mux.Handle(method+" /api/0/organizations/{org}/issues/"+path, a.inOrg(h))
		}
	}
	return a
}

// inOrg checks the {org} of an organization-scoped route before handling it.
func (a *API) inOrg(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.checkOrg(w, r) {
			h(w, r)
		}
	}
}

// ServeHTTP checks the bearer token, then routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.Authorized(r) {
		writeError(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
		return
	}
	a.mux.ServeHTTP(w, r)
}

// Authorized reports whether the request carries the configured bearer token.
func (a *API) Authorized(r *http.Request) bool { return HasBearerToken(r, a.cfg.Token) }

// HasBearerToken reports whether r's Authorization header is "Bearer <token>", compared in
// constant time. The UI accepts the API token the same way.
func HasBearerToken(r *http.Request, token string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(token)) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v) //nolint:errcheck // the client went away
}

func writeError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// writeStoreError maps a store error to Sentry's status and detail.
func writeStoreError(w http.ResponseWriter, err error) {
	var in *store.InputError
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
	case errors.As(err, &in):
		writeError(w, http.StatusBadRequest, in.Msg)
	default:
		writeError(w, http.StatusInternalServerError, "Internal Error: "+err.Error())
	}
}

func (a *API) checkOrg(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("org") != a.cfg.Org {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return false
	}
	return true
}

// project resolves {project} by slug (or numeric id, which Sentry also accepts).
func (a *API) project(w http.ResponseWriter, r *http.Request) (Project, bool) {
	if !a.checkOrg(w, r) {
		return Project{}, false
	}
	ref := r.PathValue("project")
	if p, ok := a.bySlug[ref]; ok {
		return p, true
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if p, ok := a.byID[id]; ok {
			return p, true
		}
	}
	writeError(w, http.StatusNotFound, "The requested resource does not exist")
	return Project{}, false
}

// issue loads {id}, checking it belongs to a configured project.
func (a *API) issue(w http.ResponseWriter, r *http.Request) (*store.Issue, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return nil, false
	}
	is, err := a.st.Issue(r.Context(), id)
	if err != nil {
		writeStoreError(w, err)
		return nil, false
	}
	if _, ok := a.byID[is.ProjectID]; !ok {
		writeError(w, http.StatusNotFound, "The requested resource does not exist")
		return nil, false
	}
	return is, true
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) {
	if !a.checkOrg(w, r) {
		return
	}
	out := make([]map[string]any, 0, len(a.cfg.Projects))
	for _, p := range a.cfg.Projects {
		out = append(out, a.projectJSON(p, true))
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteProject deletes every issue, event, release and artifact bundle of a project, as
// Sentry's project deletion does; the project itself stays, since it is defined in the
// configuration, and starts again from nothing.
func (a *API) deleteProject(w http.ResponseWriter, r *http.Request) {
	p, ok := a.project(w, r)
	if !ok {
		return
	}
	if _, err := a.st.DeleteProject(r.Context(), p.ID); err != nil {
		writeStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) projectJSON(p Project, full bool) map[string]any {
	m := map[string]any{"id": strconv.FormatInt(p.ID, 10), "slug": p.Slug, "name": p.Slug, "platform": nullable(p.Platform)}
	if full {
		m["organization"] = map[string]any{"id": "1", "slug": a.cfg.Org, "name": a.cfg.Org}
		m["status"] = "active"
		m["isMember"] = true
		m["hasAccess"] = true
	}
	return m
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
