package event

import (
	"net/url"
	"slices"
	"strings"

	"github.com/faultline/faultline/internal/sentry/useragent"

	"github.com/faultline/faultline/internal/jsontext"
)

// normalizeRequest moves the query string and the fragment out of request.url into
// request.query_string (as [key, value] pairs, so that scrubbing sees each parameter by its
// name) and request.fragment, as Relay does: query strings often carry tokens, and URLs are shown
// in culprits and tags. A query_string or fragment the SDK sent separately wins.
func (t *tree) normalizeRequest(root *jsontext.Node) {
	req := t.Get(root, "request")
	if req == nil || req.Kind() != jsontext.Object {
		return
	}
	u := t.Get(req, "url")
	if u == nil || u.Kind() != jsontext.String {
		return
	}
	full := t.Text(u)
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
	t.Set(req, "url", t.StringNode(base))
	if qs := t.Get(req, "query_string"); (qs == nil || qs.Kind() == jsontext.Null || qs.Kind() == jsontext.String && t.Text(qs) == "") && query != "" {
		t.Set(req, "query_string", t.queryPairs(query))
	}
	if fr := t.Get(req, "fragment"); (fr == nil || fr.Kind() == jsontext.Null || fr.Kind() == jsontext.String && t.Text(fr) == "") && fragment != "" {
		t.Set(req, "fragment", t.StringNode(fragment))
	}
}

// queryPairs reads a form-encoded query into [key, value] pairs, in order.
func (t *tree) queryPairs(query string) jsontext.Node {
	var pairs []jsontext.Node
	for part := range strings.SplitSeq(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, t.ArrayNode(t.StringNode(formUnescape(k)), t.StringNode(formUnescape(v))))
	}
	return t.ArrayNode(pairs...)
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
func (t *tree) normalizeUserAgent(root *jsontext.Node) {
	ua := t.header(t.Get(t.Get(root, "request"), "headers"), "User-Agent")
	if ua == "" {
		return
	}
	info := useragent.Parse(ua)
	if info.BrowserName == "" && info.OSName == "" && info.DeviceFamily == "" {
		return
	}
	ctx := t.Get(root, "contexts")
	if ctx == nil || ctx.Kind() != jsontext.Object {
		t.Set(root, "contexts", t.ObjectNode())
		ctx = t.Get(root, "contexts")
	}
	if info.BrowserName != "" && !t.hasContext(ctx, "browser") {
		t.Set(ctx, "browser", t.nameVersion(info.BrowserName, info.BrowserVersion, "browser"))
	}
	if info.DeviceFamily != "" && !t.hasContext(ctx, "device") {
		t.Set(ctx, "device", t.ObjectNode(t.Field("family", t.StringNode(info.DeviceFamily)),
			t.Field("model", t.StringNode(info.DeviceModel)), t.Field("brand", t.StringNode(info.DeviceBrand)),
			t.Field("type", t.StringNode("device"))))
	}
	if info.OSName == "" {
		return
	}
	if t.Text(t.Get(root, "platform")) == "javascript" {
		if !t.hasContext(ctx, "os") {
			t.Set(ctx, "os", t.nameVersion(info.OSName, info.OSVersion, "os"))
		}
	} else if t.Get(ctx, "client_os") == nil {
		t.Set(ctx, "client_os", t.nameVersion(info.OSName, info.OSVersion, "os"))
	}
}

func (t *tree) nameVersion(name, version, typ string) jsontext.Node {
	o := t.ObjectNode(t.Field("name", t.StringNode(name)))
	if version != "" {
		t.Add(&o, t.Field("version", t.StringNode(version)))
	}
	t.Add(&o, t.Field("type", t.StringNode(typ)))
	return o
}

// hasContext says whether contexts holds one of type typ, under its own key or another.
func (t *tree) hasContext(ctx *jsontext.Node, typ string) bool {
	kids := t.Kids(ctx)
	for i := range kids {
		if kids[i].Kind() != jsontext.Object {
			continue
		}
		if ty := t.Get(&kids[i], "type"); ty != nil && t.Text(ty) == typ || ty == nil && t.Name(&kids[i]) == typ {
			return true
		}
	}
	return false
}

// header returns the first value of the named header (case-insensitive) of request.headers, an
// object or a list of [name, value] pairs.
func (t *tree) header(headers *jsontext.Node, name string) string {
	kids := t.Kids(headers)
	for i := range kids {
		switch headers.Kind() {
		case jsontext.Object:
			if strings.EqualFold(t.Name(&kids[i]), name) {
				return t.Lenient(&kids[i])
			}
		case jsontext.Array:
			if p := t.Elems(&kids[i]); len(p) == 2 && strings.EqualFold(t.Text(&p[0]), name) {
				return t.Lenient(&p[1])
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
func (t *tree) computeContextFields(ctx *jsontext.Node) {
	kids := t.Kids(ctx)
	for i := range kids {
		c := &kids[i]
		if c.Kind() != jsontext.Object {
			continue
		}
		typ := t.Text(t.Get(c, "type"))
		for _, k := range computedContexts {
			if typ != k || t.Get(c, k) != nil {
				continue
			}
			name, version := t.Lenient(t.Get(c, "name")), t.Lenient(t.Get(c, "version"))
			if name != "" && version != "" {
				t.Set(c, k, t.StringNode(name+" "+version))
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

// The tags deriveTags takes from the event's own fields: eventFieldTags first, releaseFieldTags
// last (see deriveTags); movedFieldTags are the fields normalizeTags moves into the tags.
var (
	eventFieldTags   = [...]string{"level", "logger", "transaction"}
	releaseFieldTags = [...]string{"environment", "release", "dist"}
	movedFieldTags   = [...]string{"server_name", "site"}
)

// DerivedTagKeys are the keys of the tags normalization gives events: those of their own
// fields, of the first exception's mechanism, the request's url, the user, and the contexts'
// (under their type's own key, and the client_os context derived from a browser's user agent).
// Code that makes something per tag key can make these once.
var DerivedTagKeys = func() []string {
	keys := slices.Concat(eventFieldTags[:], []string{"mechanism", "handled", "url"}, releaseFieldTags[:],
		[]string{"user"}, movedFieldTags[:])
	for _, tags := range contextTags {
		for _, ct := range tags {
			keys = append(keys, ct.key)
		}
	}
	for _, ct := range contextTags["os"] {
		keys = append(keys, strings.Replace(ct.key, "os", "client_os", 1))
	}
	slices.Sort(keys)
	return keys
}()

// deriveTags adds the tags Sentry derives from an event when it saves it: level, logger,
// environment, release, dist, user, transaction, the mechanism and handled flag of the first
// exception, and the contexts' tags; they replace a tag of the same key. url comes from the
// request only when the event has no url tag. It runs after scrubbing, as Sentry derives from the
// scrubbed event, and keeps the tags already there in place, so _meta paths into them stay right.
func (t *tree) deriveTags(root *jsontext.Node) {
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
	lenient := func(n *jsontext.Node) string { return strings.TrimSpace(t.Lenient(n)) }
	f := t.tagSources(root)
	for i := range f.eventFields {
		setTag(eventFieldTags[i], lenient(f.eventFields[i]), true)
	}
	if exs := t.Elems(t.Get(f.exception, "values")); len(exs) > 0 {
		if mech := t.Get(&exs[0], "mechanism"); mech != nil && mech.Kind() == jsontext.Object {
			setTag("mechanism", lenient(t.Get(mech, "type")), true)
			switch t.Scalar(t.Get(mech, "handled")).Kind {
			case jsontext.True:
				setTag("handled", "yes", true)
			case jsontext.False:
				setTag("handled", "no", true)
			}
		}
	}
	kids := t.Kids(f.contexts)
	for i := range kids {
		c := &kids[i]
		if c.Kind() != jsontext.Object {
			continue
		}
		alias, typ := t.Name(c), t.Text(t.Get(c, "type"))
		for _, m := range contextTags[typ] {
			key := m.key
			if alias != typ {
				key = alias
				if m.suffix != "" {
					key += "." + m.suffix
				}
			}
			setTag(key, lenient(t.Get(c, m.field)), true)
		}
	}
	setTag("url", lenient(t.Get(f.request, "url")), false)
	// Last, the tags normalizeTags drops or moves to a field: normalizing again then appends
	// them in the same order.
	for i := range f.releaseFields {
		setTag(releaseFieldTags[i], lenient(f.releaseFields[i]), true)
	}
	setTag("user", t.userTag(f.user), true)
	if len(add) == 0 {
		return
	}
	tags := f.tags
	if tags == nil || tags.Kind() != jsontext.Array {
		t.Set(root, "tags", t.ArrayNode())
		tags = t.Get(root, "tags")
	}
	var presentBuf [24]bool
	present := presentBuf[:len(add)]
	if len(add) > len(presentBuf) {
		present = make([]bool, len(add))
	}
	pairs := t.Kids(tags)
	for i := range pairs {
		p := t.Elems(&pairs[i])
		if len(p) != 2 {
			continue
		}
		key := t.Text(&p[0])
		for j, d := range add {
			if d.key != key {
				continue
			}
			present[j] = true
			if d.override && t.Text(&p[1]) != d.value {
				t.Touch(tags)
				t.Touch(&pairs[i])
				p[1] = t.StringNode(d.value)
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
		t.Reserve(tags, missing)
	}
	for j, d := range add {
		if !present[j] {
			t.Push(tags, t.ArrayNode(t.StringNode(d.key), t.StringNode(d.value)))
		}
	}
}

// tagSources are the members of the event deriveTags reads, found in one pass over the event's
// members rather than one lookup each: a lookup of a key the event lacks reads every member.
type tagSources struct {
	eventFields                              [len(eventFieldTags)]*jsontext.Node
	releaseFields                            [len(releaseFieldTags)]*jsontext.Node
	exception, contexts, request, user, tags *jsontext.Node
}

// tagSources finds deriveTags' members of root; when a key repeats the last one counts, as in Get.
// The cases are constants, which the compiler turns into a search by length and content; they
// follow eventFieldTags and releaseFieldTags.
func (t *tree) tagSources(root *jsontext.Node) (f tagSources) {
	kids := t.Kids(root)
	for i := range kids {
		m := &kids[i]
		switch t.Name(m) {
		case "level":
			f.eventFields[0] = m
		case "logger":
			f.eventFields[1] = m
		case "transaction":
			f.eventFields[2] = m
		case "environment":
			f.releaseFields[0] = m
		case "release":
			f.releaseFields[1] = m
		case "dist":
			f.releaseFields[2] = m
		case "exception":
			f.exception = m
		case "contexts":
			f.contexts = m
		case "request":
			f.request = m
		case "user":
			f.user = m
		case "tags":
			f.tags = m
		}
	}
	return f
}

// userTag is Sentry's tag value for the user: the first of id, email, username and IP address,
// prefixed with its kind.
func (t *tree) userTag(user *jsontext.Node) string {
	for _, k := range [...][2]string{{"id", "id"}, {"email", "email"}, {"username", "username"}, {"ip_address", "ip"}} {
		if v := strings.TrimSpace(t.Lenient(t.Get(user, k[0]))); v != "" {
			return k[1] + ":" + v
		}
	}
	return ""
}
