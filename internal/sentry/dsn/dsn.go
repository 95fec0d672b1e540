// Package dsn parses Sentry DSNs (`{scheme}://{public_key}[:{secret}]@{host}[:{port}][/{path}]/{project_id}`)
// and derives the ingestion URLs a client posts to. It knows nothing about HTTP servers.
package dsn

import (
	"fmt"
	"net/url"
	"strings"
)

// DSN is a parsed Sentry DSN.
type DSN struct {
	Scheme    string // http or https
	PublicKey string
	Host      string // host[:port]
	Path      string // path prefix before the project id, without trailing slash ("" or "/sentry")
	ProjectID string
}

// Parse reads a DSN. The public key may have any length (Sentry's are 32 hex; self-hosted setups
// and tests use others).
func Parse(s string) (DSN, error) {
	u, err := url.Parse(s)
	if err != nil {
		return DSN{}, fmt.Errorf("invalid DSN %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return DSN{}, fmt.Errorf("invalid DSN %q: scheme must be http or https", s)
	}
	if u.User == nil || u.User.Username() == "" {
		return DSN{}, fmt.Errorf("invalid DSN %q: missing public key", s)
	}
	if u.Host == "" {
		return DSN{}, fmt.Errorf("invalid DSN %q: missing host", s)
	}
	path := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	if i < 0 || path[i+1:] == "" {
		return DSN{}, fmt.Errorf("invalid DSN %q: missing project id", s)
	}
	return DSN{
		Scheme:    u.Scheme,
		PublicKey: u.User.Username(),
		Host:      u.Host,
		Path:      path[:i],
		ProjectID: path[i+1:],
	}, nil
}

// EnvelopeURL is where a client posts envelopes for this DSN.
func (d DSN) EnvelopeURL() string {
	return fmt.Sprintf("%s://%s%s/api/%s/envelope/", d.Scheme, d.Host, d.Path, d.ProjectID)
}

// AuthHeader is the X-Sentry-Auth header value a client sends.
func (d DSN) AuthHeader(client string) string {
	return fmt.Sprintf("Sentry sentry_version=7, sentry_client=%s, sentry_key=%s", client, d.PublicKey)
}

// String renders the DSN back.
func (d DSN) String() string {
	return fmt.Sprintf("%s://%s@%s%s/%s", d.Scheme, d.PublicKey, d.Host, d.Path, d.ProjectID)
}
