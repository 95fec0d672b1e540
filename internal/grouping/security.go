package grouping

import "strings"

// Browser security reports group by what they report, not by a message: a CSP violation by
// its directive and what was blocked (or by the kind of inline violation), an HPKP, Expect-CT
// or Expect-Staple failure by its host. The strategies rank below stack traces and above
// messages (research notes §3.1, §3.9).

// securityReport is the strategy for the event's security report, if it has one.
func (s *state) securityReport() (strategyOut, bool) {
	r := s.ev.Security
	if r == nil {
		return strategyOut{}, false
	}
	var c *Component
	switch r.Kind {
	case "csp":
		c = s.cspComponent()
	case "hpkp", "expectct", "expectstaple":
		salt := map[string]string{"hpkp": "hpkp", "expectct": "expect-ct", "expectstaple": "expect-staple"}[r.Kind]
		c = s.a.node(strings.ReplaceAll(salt, "-", "_"))
		c.Children = s.a.children(2)
		saltC := s.a.leaf("salt", salt)
		saltC.Hint = "a static salt"
		c.Children = append(c.Children, saltC, s.a.leaf("hostname", r.Hostname))
		c.computeContributes()
	default:
		return strategyOut{}, false
	}
	return strategyOut{name: c.ID, variants: []variantComp{{"default", c}}}, true
}

const cspSelf = "'self'"

func (s *state) cspComponent() *Component {
	r := s.ev.Security
	blocked := normalizeBlockedURI(r.BlockedURI)
	violationC := s.a.node("violation")
	var uriC *Component
	if kind := localScriptViolation(r.ViolatedDirective, r.EffectiveDirective, blocked); kind != "" {
		violationC = s.a.leaf("violation", "'"+kind+"'")
		uriC = s.a.leaf("uri", blocked)
		uriC.set(false, "violation takes precedence")
	} else {
		violationC.set(false, "not a local script violation")
		uriC = s.a.leaf("uri", blocked)
	}
	c := s.a.node("csp")
	c.Children = s.a.children(3)
	c.Children = append(c.Children, s.a.leaf("salt", r.EffectiveDirective), violationC, uriC)
	c.computeContributes()
	return c
}

// localScriptViolation names an inline script or eval blocked by script-src on the page's own
// origin: "unsafe-inline", "unsafe-eval", or "".
func localScriptViolation(violated, effective, normalizedBlocked string) string {
	if violated == "" || effective != "script-src" || normalizedBlocked != cspSelf {
		return ""
	}
	switch {
	case strings.Contains(violated, "'unsafe-inline'"):
		return "unsafe-inline"
	case strings.Contains(violated, "'unsafe-eval'"):
		return "unsafe-eval"
	}
	return ""
}

// normalizeBlockedURI reduces a CSP report's blocked URI to what identifies the source: the
// host of http(s) URLs, "scheme://host" or "scheme:" for other schemes ("data:", "blob:",
// "chrome-extension://id"), and 'self' for the page itself (empty, "self" or "'self'"). A bare
// scheme, as browsers often report ("data"), is read as one.
func normalizeBlockedURI(v string) string {
	if v == "" || v == cspSelf || v == "self" {
		return cspSelf
	}
	scheme, host := v, ""
	if strings.Contains(v, ":") {
		scheme, host = splitSchemeHost(v)
		if scheme == "http" || scheme == "https" {
			return host
		}
	}
	return joinSchemeHost(scheme, host)
}

// splitSchemeHost splits a URL into its lowercased scheme and its authority, as Python's
// urlsplit does: the scheme is what precedes the first ":" when that is a valid scheme name,
// and the authority follows "//" up to the next "/", "?" or "#".
func splitSchemeHost(v string) (scheme, host string) {
	rest := v
	if i := strings.IndexByte(v, ':'); i > 0 && isSchemeName(v[:i]) {
		scheme, rest = strings.ToLower(v[:i]), v[i+1:]
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		host = rest
	}
	return scheme, host
}

func isSchemeName(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(isAlnumByte(c) || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// netlocSchemes are the schemes Python's urlunsplit writes with "//" even without a host.
var netlocSchemes = map[string]bool{
	"ftp": true, "http": true, "gopher": true, "nntp": true, "telnet": true, "imap": true,
	"wais": true, "file": true, "mms": true, "https": true, "shttp": true, "snews": true,
	"prospero": true, "rtsp": true, "rtspu": true, "rsync": true, "svn": true, "svn+ssh": true,
	"sftp": true, "nfs": true, "git": true, "git+ssh": true, "ws": true, "wss": true,
}

func joinSchemeHost(scheme, host string) string {
	out := ""
	if host != "" || (scheme != "" && netlocSchemes[scheme]) {
		out = "//" + host
	}
	if scheme != "" {
		out = scheme + ":" + out
	}
	return out
}
