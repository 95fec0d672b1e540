package event

import (
	"net/url"
	"strings"

	"github.com/faultline/faultline/internal/sentry/useragent"
)

// normalizeRequest moves the query string and the fragment out of request.url into
// request.query_string (as [key, value] pairs, so that scrubbing sees each parameter by its
// name) and request.fragment, as Relay does: query strings often carry tokens, and URLs are shown
// in culprits and tags. A query_string or fragment the SDK sent separately wins.
func (t *tree) normalizeRequest(root *node) {
	req := t.get(root, "request")
	if req == nil || req.kind != kindObject {
		return
	}
	u := t.get(req, "url")
	if u == nil || u.kind != kindString {
		return
	}
	full := t.text(u)
	cut := strings.IndexAny(full, "?#")
	if cut < 0 {
		return
	}
	base, rest := full[:cut], full[cut:]
	var query, fragment string
	if rest[0] == '?' {
		query = rest[1:]
		if i := strings.IndexByte(query, '#'); i >= 0 {
			query, fragment = query[:i], query[i+1:]
		}
	} else {
		fragment = rest[1:]
	}
	t.set(req, "url", t.stringNode(base))
	if qs := t.get(req, "query_string"); (qs == nil || qs.kind == kindNull || qs.kind == kindString && t.text(qs) == "") && query != "" {
		t.set(req, "query_string", t.queryPairs(query))
	}
	if fr := t.get(req, "fragment"); (fr == nil || fr.kind == kindNull || fr.kind == kindString && t.text(fr) == "") && fragment != "" {
		t.set(req, "fragment", t.stringNode(fragment))
	}
}

// queryPairs reads a form-encoded query into [key, value] pairs, in order.
func (t *tree) queryPairs(query string) node {
	var pairs []node
	for part := range strings.SplitSeq(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, t.arrayNode(t.stringNode(formUnescape(k)), t.stringNode(formUnescape(v))))
	}
	return t.arrayNode(pairs...)
}

func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s // a stray % is kept as sent
}

// normalizeUserAgent fills the browser, device and operating-system contexts from the request's
// User-Agent header when the SDK sent none, as Relay does. The operating system goes in "os"
// only for browser events; on a server platform "os" is the server's, so the user's goes in
// "client_os".
func (t *tree) normalizeUserAgent(root *node) {
	ua := t.header(t.get(t.get(root, "request"), "headers"), "User-Agent")
	if ua == "" {
		return
	}
	info := useragent.Parse(ua)
	if info.BrowserName == "" && info.OSName == "" && info.DeviceFamily == "" {
		return
	}
	ctx := t.get(root, "contexts")
	if ctx == nil || ctx.kind != kindObject {
		t.set(root, "contexts", t.objectNode())
		ctx = t.get(root, "contexts")
	}
	if info.BrowserName != "" && !t.hasContext(ctx, "browser") {
		t.set(ctx, "browser", t.nameVersion(info.BrowserName, info.BrowserVersion, "browser"))
	}
	if info.DeviceFamily != "" && !t.hasContext(ctx, "device") {
		t.set(ctx, "device", t.objectNode(t.field("family", t.stringNode(info.DeviceFamily)),
			t.field("model", t.stringNode(info.DeviceModel)), t.field("brand", t.stringNode(info.DeviceBrand)),
			t.field("type", t.stringNode("device"))))
	}
	if info.OSName == "" {
		return
	}
	if t.text(t.get(root, "platform")) == "javascript" {
		if !t.hasContext(ctx, "os") {
			t.set(ctx, "os", t.nameVersion(info.OSName, info.OSVersion, "os"))
		}
	} else if t.get(ctx, "client_os") == nil {
		t.set(ctx, "client_os", t.nameVersion(info.OSName, info.OSVersion, "os"))
	}
}

func (t *tree) nameVersion(name, version, typ string) node {
	o := t.objectNode(t.field("name", t.stringNode(name)))
	if version != "" {
		t.appendKid(&o, t.field("version", t.stringNode(version)))
	}
	t.appendKid(&o, t.field("type", t.stringNode(typ)))
	return o
}

// hasContext says whether contexts holds one of type typ, under its own key or another.
func (t *tree) hasContext(ctx *node, typ string) bool {
	kids := t.kids(ctx)
	for i := range kids {
		if kids[i].kind != kindObject {
			continue
		}
		if ty := t.get(&kids[i], "type"); ty != nil && t.text(ty) == typ || ty == nil && t.name(&kids[i]) == typ {
			return true
		}
	}
	return false
}

// header returns the first value of the named header (case-insensitive) of request.headers, an
// object or a list of [name, value] pairs.
func (t *tree) header(headers *node, name string) string {
	kids := t.kids(headers)
	for i := range kids {
		switch headers.kind {
		case kindObject:
			if strings.EqualFold(t.name(&kids[i]), name) {
				return t.lenient(&kids[i])
			}
		case kindArray:
			if p := t.elems(&kids[i]); len(p) == 2 && strings.EqualFold(t.text(&p[0]), name) {
				return t.lenient(&p[1])
			}
		}
	}
	return ""
}

// computedContexts are the context types for which Relay adds a "name version" field named
// after the type (contexts.os.os = "Windows 10"), which Sentry shows as the context's tag.
var computedContexts = [...]string{"browser", "os", "runtime"}

// computeContextFields adds the computed field to browser, os and runtime contexts that have
// both a name and a version and no such field.
func (t *tree) computeContextFields(ctx *node) {
	kids := t.kids(ctx)
	for i := range kids {
		c := &kids[i]
		if c.kind != kindObject {
			continue
		}
		typ := t.text(t.get(c, "type"))
		for _, k := range computedContexts {
			if typ != k || t.get(c, k) != nil {
				continue
			}
			name, version := t.lenient(t.get(c, "name")), t.lenient(t.get(c, "version"))
			if name != "" && version != "" {
				t.set(c, k, t.stringNode(name+" "+version))
			}
		}
	}
}

// contextTags says which tags each context type gives, by field: "" is the tag named after the
// context's key itself ("browser"), any other the key plus ".field" ("browser.name"). These are
// the tags Sentry derives from contexts when it saves an event.
var contextTags = map[string][]contextTag{
	"browser": {{"", "browser", "browser"}, {"name", "name", "browser.name"}},
	"os":      {{"", "os", "os"}, {"name", "name", "os.name"}},
	"runtime": {{"", "runtime", "runtime"}, {"name", "name", "runtime.name"}},
	"device":  {{"", "model", "device"}, {"family", "family", "device.family"}},
	"gpu":     {{"name", "name", "gpu.name"}, {"vendor", "vendor_name", "gpu.vendor"}},
}

// contextTag is one tag a context type gives. key is the tag's key for a context under its
// type's own key (contexts.os), the usual case, which then costs no concatenation.
type contextTag struct{ suffix, field, key string }

// deriveTags adds the tags Sentry derives from an event when it saves it: level, logger,
// environment, release, dist, user, transaction, the mechanism and handled flag of the first
// exception, and the contexts' tags; they replace a tag of the same key. url comes from the
// request only when the event has no url tag. It runs after scrubbing, as Sentry derives from the
// scrubbed event, and keeps the tags already there in place, so _meta paths into them stay right.
func (t *tree) deriveTags(root *node) {
	type derived struct {
		key, value string
		override   bool // false: only when the event has no such tag (Sentry's plugin tags)
	}
	// Backed by the stack for the usual count: this runs for every event.
	var buf [24]derived
	add := buf[:0]
	setTag := func(key, value string, override bool) {
		if value == "" || len(value) > maxTagChars || strings.IndexByte(value, '\n') >= 0 || strings.IndexByte(value, '\r') >= 0 {
			return
		}
		for i := range add {
			if add[i].key == key {
				add[i].value = value // a later context of the same key wins, as in Sentry
				return
			}
		}
		add = append(add, derived{key, value, override})
	}
	lenient := func(n *node) string { return strings.TrimSpace(t.lenient(n)) }
	for _, k := range [...]string{"level", "logger", "transaction"} {
		setTag(k, lenient(t.get(root, k)), true)
	}
	if exs := t.elems(t.get(t.get(root, "exception"), "values")); len(exs) > 0 {
		if mech := t.get(&exs[0], "mechanism"); mech != nil && mech.kind == kindObject {
			setTag("mechanism", lenient(t.get(mech, "type")), true)
			switch t.scalar(t.get(mech, "handled")).kind {
			case kindTrue:
				setTag("handled", "yes", true)
			case kindFalse:
				setTag("handled", "no", true)
			}
		}
	}
	ctx := t.get(root, "contexts")
	kids := t.kids(ctx)
	for i := range kids {
		c := &kids[i]
		if c.kind != kindObject {
			continue
		}
		alias, typ := t.name(c), t.text(t.get(c, "type"))
		for _, m := range contextTags[typ] {
			key := m.key
			if alias != typ {
				key = alias
				if m.suffix != "" {
					key += "." + m.suffix
				}
			}
			setTag(key, lenient(t.get(c, m.field)), true)
		}
	}
	setTag("url", lenient(t.get(t.get(root, "request"), "url")), false)
	// Last, the tags normalizeTags drops or moves to a field: normalizing again then appends
	// them in the same order.
	for _, k := range [...]string{"environment", "release", "dist"} {
		setTag(k, lenient(t.get(root, k)), true)
	}
	setTag("user", t.userTag(t.get(root, "user")), true)
	if len(add) == 0 {
		return
	}
	tags := t.get(root, "tags")
	if tags == nil || tags.kind != kindArray {
		t.set(root, "tags", t.arrayNode())
		tags = t.get(root, "tags")
	}
	var presentBuf [24]bool
	present := presentBuf[:len(add)]
	if len(add) > len(presentBuf) {
		present = make([]bool, len(add))
	}
	pairs := t.kids(tags)
	for i := range pairs {
		p := t.elems(&pairs[i])
		if len(p) != 2 {
			continue
		}
		key := t.text(&p[0])
		for j, d := range add {
			if d.key != key {
				continue
			}
			present[j] = true
			if d.override && t.text(&p[1]) != d.value {
				t.touch(tags)
				t.touch(&pairs[i])
				p[1] = t.stringNode(d.value)
			}
		}
	}
	// The tags' list is given room for all the new pairs at once: pushing them one by one moved
	// it each time it was full, three times for the reference event.
	missing := 0
	for j := range add {
		if !present[j] {
			missing++
		}
	}
	if missing > 0 {
		t.reserve(tags, missing)
	}
	for j, d := range add {
		if !present[j] {
			t.push(tags, t.arrayNode(t.stringNode(d.key), t.stringNode(d.value)))
		}
	}
}

// userTag is Sentry's tag value for the user: the first of id, email, username and IP address,
// prefixed with its kind.
func (t *tree) userTag(user *node) string {
	for _, k := range [...][2]string{{"id", "id"}, {"email", "email"}, {"username", "username"}, {"ip_address", "ip"}} {
		if v := strings.TrimSpace(t.lenient(t.get(user, k[0]))); v != "" {
			return k[1] + ":" + v
		}
	}
	return ""
}
