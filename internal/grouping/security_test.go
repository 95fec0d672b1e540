package grouping

import "testing"

func TestNormalizeBlockedURI(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "'self'"},
		{"self", "'self'"},
		{"'self'", "'self'"},
		{"https://evil.example.com:8443/x.js?y=1", "evil.example.com:8443"},
		{"http://cdn.example.com", "cdn.example.com"},
		{"data", "data:"},
		{"data:image/png;base64,AAAA", "data:"},
		{"blob:https://app.example.com/0a1b", "blob:"},
		{"chrome-extension://abcdef/inject.js", "chrome-extension://abcdef"},
		{"wss://socket.example.com/live", "wss://socket.example.com"},
		{"wss", "wss://"},
		{"about:blank", "about:"},
	}
	for _, c := range cases {
		if got := normalizeBlockedURI(c.in); got != c.want {
			t.Errorf("normalizeBlockedURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

var securityCases = []groupingCase{
	{
		// A CSP report groups by its effective directive and the blocked origin; the message
		// the report also carries is overruled.
		name: "csp reports group by directive and blocked host", platform: "javascript",
		event: `{"platform": "javascript", "logentry": {"formatted": "Blocked 'script' from 'evil.example.com'"},
		  "csp": {"effective_directive": "script-src", "violated_directive": "script-src 'self'",
		          "blocked_uri": "https://evil.example.com/x.js?v=3"}}`,
		want: map[string][]string{"default": {"script-src", "evil.example.com"}},
	},
	{
		// An inline script on the page itself: the kind of violation stands for the URI.
		name: "csp inline script violations group by their kind", platform: "javascript",
		event: `{"platform": "javascript", "csp": {"effective_directive": "script-src",
		  "violated_directive": "script-src 'unsafe-inline'", "blocked_uri": "self"}}`,
		want: map[string][]string{"default": {"script-src", "'unsafe-inline'"}},
	},
	{
		name: "csp data URIs group by scheme", platform: "javascript", config: ConfigWinter2023,
		event: `{"platform": "javascript", "csp": {"effective_directive": "img-src", "violated_directive": "img-src 'self'", "blocked_uri": "data"}}`,
		want:  map[string][]string{"default": {"img-src", "data:"}},
	},
	{
		name: "hpkp reports group by host", platform: "other",
		event: `{"platform": "other", "hpkp": {"hostname": "www.example.com"}}`,
		want:  map[string][]string{"default": {"hpkp", "www.example.com"}},
	},
	{
		name: "expect-ct reports group by host", platform: "other",
		event: `{"platform": "other", "expectct": {"hostname": "www.example.com"}}`,
		want:  map[string][]string{"default": {"expect-ct", "www.example.com"}},
	},
	{
		name: "expect-staple reports group by host", platform: "other",
		event: `{"platform": "other", "expectstaple": {"hostname": "www.example.com"}}`,
		want:  map[string][]string{"default": {"expect-staple", "www.example.com"}},
	},
	{
		// Cocoa: the NSError domain and code identify the error; its message is overruled.
		name: "cocoa NSError groups by domain and code", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSURLErrorDomain", "value": "The Internet connection appears to be offline. (-1009)",
		  "mechanism": {"type": "NSError", "meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": -1009}}}}]}}`,
		want: map[string][]string{"app": {"NSURLErrorDomain", "NSURLErrorDomain", "-1009"}},
	},
	{
		// 2023 order: stacktrace, type, ns_error, value; the frames win over the NSError.
		name: "cocoa NSError under 2023 with a stacktrace", platform: "cocoa", config: ConfigWinter2023,
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSCocoaErrorDomain", "value": "x",
		  "mechanism": {"type": "NSError", "meta": {"ns_error": {"domain": "NSCocoaErrorDomain", "code": 4}}},
		  "stacktrace": {"frames": [{"function": "-[AcmeStore save]", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"-[AcmeStore save]", "NSCocoaErrorDomain", "NSCocoaErrorDomain", "4"}, "system": nil},
	},
	{
		// A template error groups by the template's file name and failing line; its message
		// is overruled.
		name: "template errors group by file and line", platform: "python",
		event: `{"platform": "python", "logentry": {"formatted": "TemplateSyntaxError at /cart"},
		  "template": {"filename": "shop/templates/cart.html", "abs_path": "/srv/shop/templates/cart.html", "context_line": "{% for item in cart.items %}", "lineno": 12}}`,
		want: map[string][]string{"default": {"cart.html", "{% for item in cart.items %}"}},
	},
	{
		// A stack trace outranks the template.
		name: "a stack trace outranks a template", platform: "python",
		event: `{"platform": "python", "template": {"filename": "cart.html", "context_line": "x"},
		  "exception": {"values": [{"type": "TemplateSyntaxError", "value": "x", "stacktrace": {"frames": [{"module": "shop.views", "function": "cart", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"TemplateSyntaxError", "shop.views", "cart"}, "system": nil, "default": nil},
	},
	{
		// A 32-digit hex checksum is the hash; nothing else is looked at.
		name: "a hex checksum is the hash", platform: "python",
		event: `{"platform": "python", "checksum": "0123456789abcdef0123456789abcdef", "fingerprint": ["x"],
		  "exception": {"values": [{"type": "E", "value": "v"}]}}`,
		want: map[string][]string{},
	},
}

func TestGroupingSecurityReportsAndChecksums(t *testing.T) { runGroupingCases(t, securityCases) }

func TestChecksumVariants(t *testing.T) {
	for _, config := range Configs() {
		t.Run(config, func(t *testing.T) { checksumVariants(t, config) })
	}
}

// checksumVariants: the checksum wins over everything else under either config.
func checksumVariants(t *testing.T, config string) {
	res := group(t, Options{Config: config}, `{"platform": "python", "checksum": "0123456789abcdef0123456789abcdef", "exception": {"values": [{"type": "E", "value": "v"}]}}`)
	if len(res.Hashes) != 1 || res.Hashes[0] != "0123456789abcdef0123456789abcdef" || res.Variants["checksum"].Hash != res.Hashes[0] || len(res.Variants) != 1 {
		t.Errorf("hex checksum: %v %v", res.Hashes, res.Variants)
	}
	res = group(t, Options{Config: config}, `{"platform": "python", "checksum": "release-42"}`)
	if want := md5Leaves([]string{"release-42"}); len(res.Hashes) != 2 || res.Hashes[0] != want || res.Hashes[1] != "release-42" ||
		res.Variants["hashed_checksum"].Hash != want || res.Variants["checksum"].Hash != "release-42" {
		t.Errorf("short checksum: %v %v", res.Hashes, res.Variants)
	}
	long := "a checksum that is longer than the thirty-two characters of a hash"
	res = group(t, Options{Config: config}, `{"platform": "python", "checksum": "`+long+`"}`)
	if len(res.Hashes) != 1 || res.Hashes[0] != md5Leaves([]string{long}) || len(res.Variants) != 1 {
		t.Errorf("long checksum: %v %v", res.Hashes, res.Variants)
	}
}
