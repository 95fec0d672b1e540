package sentryreceiver

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// protocolVersion is the newest Sentry protocol version the receiver speaks; Relay rejects newer.
const protocolVersion = 7

// credentials are what a request says about who sent it.
type credentials struct {
	key string
	// version is sentry_version, 0 when absent.
	version int
}

// requestCredentials reads the credentials of a request the way Relay does: from X-Sentry-Auth,
// an "Authorization: Sentry …" or "Authorization: Basic …" header, or sentry_* query parameters.
// More than one source is an error, as is a source without a key. found is false when the
// request carries none (the envelope header's dsn may then authenticate it). An Authorization
// header with another scheme (Bearer …) is left to the server's auth extension.
func requestCredentials(r *http.Request) (c credentials, found bool, apiErr *apiError) {
	var sources []func() (credentials, *apiError)
	if v := r.Header.Get("X-Sentry-Auth"); v != "" {
		sources = append(sources, func() (credentials, *apiError) { return parseSentryAuth(v, "bad x-sentry-auth header") })
	}
	if v := r.Header.Get("Authorization"); v != "" {
		if scheme, rest, _ := strings.Cut(v, " "); strings.EqualFold(scheme, "sentry") {
			sources = append(sources, func() (credentials, *apiError) { return parseSentryAuth(v, "bad authorization header") })
		} else if strings.EqualFold(scheme, "basic") {
			sources = append(sources, func() (credentials, *apiError) { return parseBasicAuth(rest) })
		}
	}
	if strings.Contains(r.URL.RawQuery, "sentry_") {
		sources = append(sources, func() (credentials, *apiError) { return parseQueryAuth(r.URL.Query()) })
	}
	switch len(sources) {
	case 0:
		return credentials{}, false, nil
	case 1:
		c, apiErr = sources[0]()
		return c, apiErr == nil, apiErr
	}
	return credentials{}, false, errUnauthorized("multiple authorization payloads detected")
}

// parseSentryAuth reads `Sentry sentry_key=…, sentry_version=7, sentry_client=…`.
func parseSentryAuth(v, what string) (credentials, *apiError) {
	if len(v) < 7 || !strings.EqualFold(v[:7], "sentry ") {
		return credentials{}, errUnauthorized(what, "non sentry auth")
	}
	var c credentials
	for pair := range strings.SplitSeq(v[7:], ",") {
		k, val, _ := strings.Cut(pair, "=")
		if err := c.set(strings.TrimSpace(k), strings.TrimSpace(val)); err != nil {
			return credentials{}, errUnauthorized(what, err.detail)
		}
	}
	if c.key == "" {
		return credentials{}, errUnauthorized(what, "missing public key in auth header")
	}
	return c, nil
}

func parseBasicAuth(b64 string) (credentials, *apiError) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	key, _, _ := strings.Cut(string(raw), ":")
	if err != nil || key == "" {
		return credentials{}, errUnauthorized("bad authorization header", "basic auth must carry the public key as user name")
	}
	return credentials{key: key}, nil
}

func parseQueryAuth(q url.Values) (credentials, *apiError) {
	var c credentials
	for k, vs := range q {
		if len(vs) > 0 {
			if err := c.set(k, vs[0]); err != nil {
				return credentials{}, errUnauthorized("bad authorization query", err.detail)
			}
		}
	}
	if c.key == "" {
		return credentials{}, errUnauthorized("bad authorization query", "missing public key in query")
	}
	return c, nil
}

func (c *credentials) set(k, v string) *apiError {
	switch k {
	case "sentry_key":
		c.key = v
	case "sentry_version":
		major, _, _ := strings.Cut(v, ".")
		n, err := strconv.Atoi(major)
		if err != nil {
			return &apiError{detail: "invalid value for version"}
		}
		c.version = n
	}
	return nil
}
