package sentryreceiver

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/faultline/faultline/internal/projectdef"
)

// Service name strategies: what the receiver puts in the resource's service.name.
const (
	// ServiceNameSlug names the service after the project's slug (the default), falling back to
	// "sentry-project-<id>" for a project without one.
	ServiceNameSlug = "slug"
	// ServiceNameProjectID always uses "sentry-project-<id>".
	ServiceNameProjectID = "project_id"
)

// Config is the sentry receiver's configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint (default localhost:8000), TLS, auth extension,
	// max_request_body_size (default 200 MiB, Relay's envelope limit; it also caps the body
	// after decompression), timeouts, middlewares.
	confighttp.ServerConfig `mapstructure:",squash"`
	// Projects lists the projects events may be sent to. At least one is required unless
	// projects_from names where they are defined.
	Projects []ProjectConfig `mapstructure:"projects"`
	// ProjectsFrom names an extension that defines the projects (the issuestore extension), so
	// that each is defined once. Projects listed here as well must agree with it.
	ProjectsFrom *component.ID `mapstructure:"projects_from"`
	// ServiceName is the service.name strategy: "slug" (default) or "project_id". A project's own
	// service_name overrides it.
	ServiceName string `mapstructure:"service_name"`
	// GroupCommit merges the data of concurrent requests into one call down the pipeline.
	GroupCommit GroupCommitConfig `mapstructure:"group_commit"`
	// MaxRequestHeaderCount, MaxRequestHeaderBytes and MaxRequestURILength bound a request's
	// head (confighttp has no keys for them). The defaults are those of Relay's HTTP stack
	// (hyper): 100 header fields, 408 KiB of request line and header, a URI of 65,534 bytes.
	// More is answered 431 (header) or 414 (URI).
	MaxRequestHeaderCount int `mapstructure:"max_request_header_count"`
	MaxRequestHeaderBytes int `mapstructure:"max_request_header_bytes"`
	MaxRequestURILength   int `mapstructure:"max_request_uri_length"`
	_                     struct{}
}

// GroupCommitConfig bounds the calls the receiver makes down each pipeline at once: requests
// arriving while max_in_flight calls are under way are merged and go down together in the
// next call, and each is answered with that call's outcome. A pipeline ending in a durable
// write (a store transaction, a persistent queue) writes once per call, so this is where its cost
// per event is decided.
type GroupCommitConfig struct {
	// MaxInFlight is the number of calls per pipeline at once; 0 turns merging off (every
	// request makes its own call, as many at once as requests).
	MaxInFlight int `mapstructure:"max_in_flight"`
	// MaxItems caps the records, spans or data points of a merged call.
	MaxItems int `mapstructure:"max_items"`
	_        struct{}
}

// ProjectConfig is one Sentry project.
type ProjectConfig struct {
	// ID is the numeric project id, the last path segment of the DSN.
	ID int64 `mapstructure:"id"`
	// Slug is the project's short name; it names the service unless service_name says otherwise.
	Slug string `mapstructure:"slug"`
	// Keys are the public keys (the DSN's user part) that may send to this project; any length.
	Keys []string `mapstructure:"keys"`
	// AllowedOrigins restricts the Origin (or Referer) of browser requests: "*" (any, the
	// default when empty), "example.com", "*.example.com", or "https://example.com:8443".
	AllowedOrigins []string `mapstructure:"allowed_origins"`
	// Quotas limit the items per data category this project, or each of its keys, may send per
	// window; an item over any of them is refused with 429.
	Quotas []QuotaConfig `mapstructure:"quotas"`
	// ServiceName, when set, is the service.name of everything this project sends.
	ServiceName string `mapstructure:"service_name"`
	// Scrubbing is the project's data scrubbing, applied to every error and message event
	// before anything downstream sees it; absent means Sentry's defaults (README, "Data
	// scrubbing").
	Scrubbing *projectdef.Scrubbing `mapstructure:"scrubbing"`
	_         struct{}
}

// QuotaConfig is one quota, as Relay's: at most limit items of the categories per window,
// counted for the whole project (scope project), for each public key apart (scope key) or for
// one key alone (key). Windows
// are aligned to the Unix epoch; a refused SDK waits until the window ends.
type QuotaConfig = projectdef.Quota

var _ confmap.Validator = (*Config)(nil)

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Projects) == 0 && c.ProjectsFrom == nil {
		errs = append(errs, errors.New("projects: at least one project is required, e.g. projects: [{id: 1, keys: [<public key>]}], or projects_from: issuestore"))
	}
	if len(c.CompressionAlgorithms) > 0 {
		errs = append(errs, fmt.Errorf("compression_algorithms %q: not supported by the sentry receiver, which decodes gzip, deflate, br and zstd itself within Relay's limits; remove the key", c.CompressionAlgorithms))
	}
	if c.MaxRequestHeaderCount <= 0 || c.MaxRequestHeaderBytes <= 0 || c.MaxRequestURILength <= 0 {
		errs = append(errs, fmt.Errorf("max_request_header_count (%d), max_request_header_bytes (%d) and max_request_uri_length (%d) must be positive; the defaults are %d, %d and %d",
			c.MaxRequestHeaderCount, c.MaxRequestHeaderBytes, c.MaxRequestURILength, defaultMaxHeaderCount, defaultMaxHeaderBytes, defaultMaxURILength))
	}
	if c.GroupCommit.MaxInFlight < 0 || c.GroupCommit.MaxItems < 0 {
		errs = append(errs, fmt.Errorf("group_commit: max_in_flight (%d) and max_items (%d) must not be negative",
			c.GroupCommit.MaxInFlight, c.GroupCommit.MaxItems))
	}
	switch c.ServiceName {
	case "", ServiceNameSlug, ServiceNameProjectID:
	default:
		errs = append(errs, fmt.Errorf("service_name %q: must be %q or %q", c.ServiceName, ServiceNameSlug, ServiceNameProjectID))
	}
	ids := map[int64]bool{}
	keys := map[string]int64{}
	for i, p := range c.Projects {
		where := fmt.Sprintf("projects[%d] (id %d)", i, p.ID)
		if p.ID <= 0 {
			errs = append(errs, fmt.Errorf("%s: id must be a positive number, the last path segment of the DSN", where))
		} else if ids[p.ID] {
			errs = append(errs, fmt.Errorf("%s: id %d is configured twice", where, p.ID))
		}
		ids[p.ID] = true
		if len(p.Keys) == 0 && c.ProjectsFrom == nil {
			errs = append(errs, fmt.Errorf("%s: keys must list at least one public key", where))
		}
		for _, k := range p.Keys {
			switch {
			case k == "":
				errs = append(errs, fmt.Errorf("%s: empty public key", where))
			case strings.ContainsAny(k, " ,=:@/\t"):
				errs = append(errs, fmt.Errorf("%s: public key %q contains a character a DSN or auth header cannot carry", where, k))
			default:
				if other, dup := keys[k]; dup {
					errs = append(errs, fmt.Errorf("%s: public key %q is also a key of project %d; a key must identify one project", where, k, other))
				}
				keys[k] = p.ID
			}
		}
		for _, o := range p.AllowedOrigins {
			if _, err := parseOriginPattern(o); err != nil {
				errs = append(errs, fmt.Errorf("%s: allowed_origins: %w", where, err))
			}
		}
		if _, err := p.Scrubbing.Compile(where); err != nil {
			errs = append(errs, err)
		}
		for j, q := range p.Quotas {
			// Without keys here (projects_from), the extension checks a quota's key.
			errs = append(errs, q.Validate(fmt.Sprintf("%s: quotas[%d]", where, j), p.Keys)...)
		}
	}
	return errors.Join(errs...)
}

// originPattern is one allowed_origins entry.
type originPattern struct {
	scheme string // "" = any
	host   string // "*" = any; "*.example.com" = any subdomain (not the apex)
	port   string // "" = any
}

func parseOriginPattern(s string) (originPattern, error) {
	if s == "" {
		return originPattern{}, errors.New("empty origin pattern")
	}
	if s == "*" {
		return originPattern{host: "*"}, nil
	}
	var p originPattern
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		p.scheme, rest = strings.ToLower(s[:i]), s[i+3:]
		if p.scheme != "http" && p.scheme != "https" {
			return p, fmt.Errorf("origin pattern %q: scheme must be http or https", s)
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	u, err := url.Parse("http://" + rest)
	if err != nil || u.Path != "" || u.Hostname() == "" {
		return p, fmt.Errorf("origin pattern %q: want *, host, *.host, or scheme://host[:port]", s)
	}
	p.host, p.port = strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(strings.TrimPrefix(p.host, "*."), "*") {
		return p, fmt.Errorf("origin pattern %q: * may only be the whole pattern or the first label", s)
	}
	return p, nil
}

func (p originPattern) matches(scheme, host, port string) bool {
	if p.scheme != "" && p.scheme != scheme {
		return false
	}
	if p.port != "" && p.port != port {
		return false
	}
	switch {
	case p.host == "*":
		return true
	case strings.HasPrefix(p.host, "*."):
		return strings.HasSuffix(host, p.host[1:])
	}
	return p.host == host
}
