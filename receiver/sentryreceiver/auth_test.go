package sentryreceiver

import (
	"net/http/httptest"
	"testing"
)

func TestRequestCredentialsReadsEachSourceLikeRelay(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		header  map[string]string
		key     string
		version int
		found   bool
		detail  string
	}{
		{name: "sentry-go's header", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=sentry.go/0.50.0, sentry_key=abc"}, key: "abc", version: 7, found: true},
		{name: "a lower-case prefix and spaces around pairs", header: map[string]string{"X-Sentry-Auth": "sentry   sentry_key = abc ,sentry_version=7.1"}, key: "abc", version: 7, found: true},
		{name: "Authorization: Sentry", header: map[string]string{"Authorization": "Sentry sentry_key=abc"}, key: "abc", found: true},
		{name: "Authorization: Basic", header: map[string]string{"Authorization": "Basic YWJjOg=="}, key: "abc", found: true},
		{name: "the JavaScript SDKs' query", target: "/api/1/envelope/?sentry_version=7&sentry_key=abc&sentry_client=sentry.javascript.browser%2F10.0.0", key: "abc", version: 7, found: true},
		{name: "nothing at all", found: false},
		{name: "an Authorization header of another scheme", header: map[string]string{"Authorization": "Bearer t"}, found: false},
		{name: "a query without sentry_ parameters", target: "/api/1/envelope/?x=1", found: false},
		{name: "header and query together", target: "/?sentry_key=abc", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=abc"}, detail: "multiple authorization payloads detected"},
		{name: "both auth headers", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=abc", "Authorization": "Sentry sentry_key=abc"}, detail: "multiple authorization payloads detected"},
		{name: "an empty key", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key="}, detail: "bad x-sentry-auth header"},
		{name: "a version that is not a number", header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=abc, sentry_version=x"}, detail: "bad x-sentry-auth header"},
		{name: "Basic without a user", header: map[string]string{"Authorization": "Basic Og=="}, detail: "bad authorization header"},
		{name: "Basic that is not base64", header: map[string]string{"Authorization": "Basic !!!"}, detail: "bad authorization header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/api/1/envelope/"
			}
			r := httptest.NewRequest("POST", target, nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			c, found, apiErr := requestCredentials(r)
			if tt.detail != "" {
				if apiErr == nil || apiErr.detail != tt.detail || apiErr.status != 401 {
					t.Fatalf("got %v, want 401 %q", apiErr, tt.detail)
				}
				return
			}
			if apiErr != nil || found != tt.found || c.key != tt.key || c.version != tt.version {
				t.Fatalf("got %+v found=%v err=%v", c, found, apiErr)
			}
		})
	}
}

func TestOriginCheckFollowsAllowedOrigins(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		origin   string
		referer  string
		allowed  bool
	}{
		{"no patterns allow everything", nil, "https://a.example", "", true},
		{"* allows everything", []string{"*"}, "https://a.example", "", true},
		{"a request without Origin or Referer passes", []string{"example.com"}, "", "", true},
		{"a bare host matches any scheme and port", []string{"example.com"}, "http://example.com:8080", "", true},
		{"a bare host does not match a subdomain", []string{"example.com"}, "https://www.example.com", "", false},
		{"a wildcard matches subdomains", []string{"*.example.com"}, "https://a.b.example.com", "", true},
		{"a wildcard does not match the apex", []string{"*.example.com"}, "https://example.com", "", false},
		{"a scheme must match", []string{"https://example.com"}, "http://example.com", "", false},
		{"a default port matches an explicit one", []string{"https://example.com:443"}, "https://example.com", "", true},
		{"another port does not match", []string{"https://example.com:8443"}, "https://example.com", "", false},
		{"Referer is used without Origin", []string{"example.com"}, "", "https://example.com/page?x=1", true},
		{"Origin null falls back to Referer", []string{"example.com"}, "null", "https://evil.example/", false},
		{"a non-web Referer proves nothing", []string{"example.com"}, "", "file:///tmp/x.html", false},
		{"host names compare case-insensitively", []string{"Example.COM"}, "https://EXAMPLE.com", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Projects = []ProjectConfig{{ID: 1, Keys: []string{"k"}, AllowedOrigins: tt.patterns}}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			p := newProjects(cfg.Projects, cfg.ServiceName).byKey["k"]
			if got := p.originAllowed(tt.origin, tt.referer); got != tt.allowed {
				t.Errorf("allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
}

func TestServiceNameFollowsTheStrategy(t *testing.T) {
	projects := []ProjectConfig{
		{ID: 1, Slug: "web", Keys: []string{"a"}},
		{ID: 2, Keys: []string{"b"}},
		{ID: 3, Slug: "api", Keys: []string{"c"}, ServiceName: "checkout"},
	}
	tests := []struct {
		strategy string
		want     [3]string
	}{
		{ServiceNameSlug, [3]string{"web", "", "checkout"}},
		{ServiceNameProjectID, [3]string{"", "", "checkout"}},
	}
	for _, tt := range tests {
		ps := newProjects(projects, tt.strategy)
		for i, k := range []string{"a", "b", "c"} {
			// "" leaves the translator's default, sentry-project-<id>.
			if got := ps.byKey[k].serviceName; got != tt.want[i] {
				t.Errorf("%s: project %d service name %q, want %q", tt.strategy, i+1, got, tt.want[i])
			}
		}
	}
}
