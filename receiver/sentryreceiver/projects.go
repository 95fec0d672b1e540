package sentryreceiver

import (
	"net/url"
	"strconv"
	"strings"
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
}

// projects resolves public keys and project ids. It is immutable after construction, except for
// the quotas' counts.
type projects struct {
	byKey map[string]*project
	byID  map[string]*project
}

func newProjects(cfg *Config) *projects {
	ps := &projects{byKey: map[string]*project{}, byID: map[string]*project{}}
	for _, pc := range cfg.Projects {
		p := &project{id: strconv.FormatInt(pc.ID, 10)}
		switch {
		case pc.ServiceName != "":
			p.serviceName = pc.ServiceName
		case pc.Slug != "" && cfg.ServiceName != ServiceNameProjectID:
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
