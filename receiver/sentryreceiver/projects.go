package sentryreceiver

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/component"

	"github.com/faultline/faultline/internal/projectdef"
	"github.com/faultline/faultline/internal/sentry/scrub"
)

// project is a configured project, ready for lookups.
type project struct {
	id          string // decimal, as in paths and attributes
	serviceName string
	origins     []originPattern // empty = any origin
	quotas      []*quota
	// wholeQuotas are the quotas over every category: while one is exhausted a request is
	// refused before its body is read.
	wholeQuotas []*quota
	// scrubber is the project's data scrubbing, compiled once.
	scrubber *scrub.Scrubber
}

// projects resolves public keys and project ids. It is immutable after construction, except for
// the quotas' counts.
type projects struct {
	byKey map[string]*project
	byID  map[string]*project
}

// newProjects prepares a validated list of projects; strategy is the receiver's service_name.
func newProjects(list []ProjectConfig, strategy string) *projects {
	ps := &projects{byKey: map[string]*project{}, byID: map[string]*project{}}
	for _, pc := range list {
		p := &project{id: strconv.FormatInt(pc.ID, 10)}
		p.scrubber, _ = pc.Scrubbing.Compile("") // Validate has compiled it once already.
		switch {
		case pc.ServiceName != "":
			p.serviceName = pc.ServiceName
		case pc.Slug != "" && strategy != ServiceNameProjectID:
			p.serviceName = pc.Slug
		default:
			// Empty lets the translator apply its documented default, "sentry-project-<id>".
		}
		for _, o := range pc.AllowedOrigins {
			op, _ := parseOriginPattern(o) // Validate has rejected bad patterns.
			if op.host == "*" && op.scheme == "" && op.port == "" {
				p.origins = nil
				break
			}
			p.origins = append(p.origins, op)
		}
		for _, qc := range pc.Quotas {
			q := newQuota(qc)
			p.quotas = append(p.quotas, q)
			if q.categories == nil {
				p.wholeQuotas = append(p.wholeQuotas, q)
			}
		}
		for _, k := range pc.Keys {
			ps.byKey[k] = p
		}
		ps.byID[p.id] = p
	}
	return ps
}

// originAllowed applies the project's allowed_origins to a request's Origin, else its Referer
// (http and https only), as Relay does. A request without either (any server-side SDK) passes.
func (p *project) originAllowed(origin, referer string) bool {
	if len(p.origins) == 0 {
		return true
	}
	raw := origin
	if raw == "" || raw == "null" {
		raw = referer
	}
	if raw == "" {
		return true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		// Origin "null" with a non-web Referer, or garbage: nothing to match, so no proof of an
		// allowed origin.
		return false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	for _, o := range p.origins {
		if o.matches(scheme, host, port) {
			return true
		}
	}
	return false
}

// projectsFrom returns the projects the receiver serves. Without projects_from they are its
// own. With it they are the extension's definitions; a project the receiver lists as well may
// add its service_name, but where it restates keys, origins, slug or quotas they must agree with
// the extension's, and it may not list a project the extension does not define.
func projectsFrom(cfg *Config, host component.Host) ([]ProjectConfig, error) {
	if cfg.ProjectsFrom == nil {
		return cfg.Projects, nil
	}
	id := *cfg.ProjectsFrom
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("sentry receiver: projects_from: extension %q is not configured (add it under extensions: and service::extensions)", id)
	}
	provider, ok := ext.(projectdef.Provider)
	if !ok {
		return nil, fmt.Errorf("sentry receiver: projects_from: extension %q does not define projects (use the issuestore extension)", id)
	}
	defs := provider.Projects()
	if len(defs) == 0 {
		return nil, fmt.Errorf("sentry receiver: projects_from: extension %q defines no project", id)
	}
	own := map[int64]int{}
	for i, p := range cfg.Projects {
		own[p.ID] = i
	}
	var out []ProjectConfig
	var errs []error
	for _, d := range defs {
		pc := ProjectConfig{ID: d.ID, Slug: d.Slug, Keys: d.Keys, AllowedOrigins: d.AllowedOrigins, Quotas: d.Quotas, Scrubbing: d.Scrubbing}
		if i, ok := own[d.ID]; ok {
			mine := cfg.Projects[i]
			restated := projectdef.Definition{ID: mine.ID, Slug: mine.Slug, Keys: mine.Keys, AllowedOrigins: mine.AllowedOrigins, Quotas: mine.Quotas, Scrubbing: mine.Scrubbing}
			if diff := projectdef.Differences(d, restated); diff != "" {
				errs = append(errs, fmt.Errorf("sentry receiver: projects[%d] (id %d) disagrees with project %d of extension %q: %s (as the extension defines it vs as the receiver restates it); define it in one place",
					i, d.ID, d.ID, id, diff))
			}
			pc.ServiceName = mine.ServiceName
			delete(own, d.ID)
		}
		out = append(out, pc)
	}
	for pid, i := range own {
		errs = append(errs, fmt.Errorf("sentry receiver: projects[%d] (id %d) is not a project of extension %q; define it there", i, pid, id))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	merged := *cfg
	merged.Projects, merged.ProjectsFrom = out, nil
	if err := merged.Validate(); err != nil {
		return nil, fmt.Errorf("sentry receiver: the projects of extension %q: %w", id, err)
	}
	return out, nil
}
