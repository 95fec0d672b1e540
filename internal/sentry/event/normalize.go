package event

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/faultline/faultline/internal/jsontext"
)

// NormalizeOptions carries what the server knows about an event beyond its JSON.
type NormalizeOptions struct {
	// EventID is the envelope header's event_id. Relay lets the header win; the event's own id
	// is used when the header has none, and a new one is made when neither is a valid UUID.
	EventID string
	// ReceivedAt is when the server received the event; the zero value means now.
	ReceivedAt time.Time
	// SentAt is the envelope header's sent_at, zero when unknown. It drives clock-drift correction.
	SentAt time.Time
	// ClientIP is the sending client's address, used for user.ip_address "{{auto}}".
	ClientIP string
	// DefaultPlatform is used when the event names no valid platform; "other" when empty.
	DefaultPlatform string
	// SentryClient is the client's sentry_client auth value ("sentry.javascript.browser/7.0.0"),
	// which Relay turns into sdk {name, version} for events that carry no sdk.
	SentryClient string
	// Retention is how far in the past a timestamp may lie before the event is moved to the
	// received time (Relay's max_secs_in_past); zero means 90 days, Sentry's default retention.
	Retention time.Duration
	// Editor, when set, sees every value after normalization and may change it (data
	// scrubbing); what it changes is recorded in the event's "_meta".
	Editor Editor
	// Recyclable makes the typed view's frames reusable for a later view once the view has been
	// shared and every holder let go of it (Share, Unshare, Return). A recyclable view that is
	// never shared is simply collected.
	Recyclable bool
}

// Limits from Relay's normalization (reference/sentry-protocol.md §10).
const (
	minClockDrift        = 55 * time.Minute
	maxSecsInFuture      = 60 * time.Second
	defaultRetention     = 90 * 24 * time.Hour
	maxTagChars          = 200
	maxReleaseChars      = 200
	protocolVersion      = "7"
	defaultEventPlatform = "other"
)

// Normalize applies to a raw event what Relay's normalization applies before Sentry stores it,
// and returns the normalized JSON together with its typed view.
//
// Normalized JSON is the form the store keeps and the processor re-reads: event_id as 32
// lowercase hex, timestamps as float epoch seconds, exception/threads/breadcrumbs as
// {"values": […]}, tags as [key, value] pairs, legacy interface keys renamed, level, platform,
// type and received filled in. Keys Faultline does not know are kept as sent.
//
// The only errors are input that is not a JSON object; everything else is repaired or, where
// Relay drops a value, dropped with an entry in the event's "errors".
//
// The typed view's strings may share memory with raw, which must therefore not be modified
// while the view is in use: not copying the event saves a tenth of what
// BenchmarkHandleNodeErrorEnvelope allocates.
func Normalize(raw []byte, opts NormalizeOptions) ([]byte, *Event, error) {
	t := treePool.Get().(*tree)
	defer t.release()
	if err := t.parse(unsafe.String(unsafe.SliceData(raw), len(raw)), maxInputDepth); err != nil {
		return nil, nil, fmt.Errorf("normalize event: %w", err)
	}
	root := t.Root()
	if root.Kind() != jsontext.Object {
		return nil, nil, fmt.Errorf("normalize event: event is not a JSON object (found %s)", kindName(root.Kind()))
	}
	t.normalize(root, &opts)
	if opts.Recyclable {
		t.slabs = slabPool.Get().(*viewSlabs)
	}
	out := t.AppendJSON(make([]byte, 0, len(raw)+len(raw)/8+64), root)
	return out, t.decode(root), nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case jsontext.Null:
		return "null"
	case jsontext.False, jsontext.True:
		return "a boolean"
	case jsontext.Number:
		return "a number"
	case jsontext.String:
		return "a string"
	case jsontext.Array:
		return "an array"
	}
	return "an object"
}

func (t *tree) normalize(root *jsontext.Node, opts *NormalizeOptions) {
	t.Reserve(root, 8)
	t.renameLegacyKeys(root)
	t.normalizeLogEntry(root)
	for _, key := range [...]string{"exception", "threads", "breadcrumbs"} {
		t.normalizeValues(root, key)
	}
	t.trim(root)
	t.normalizeEventID(root, opts.EventID)
	typ := t.inferType(root)
	t.Set(root, "type", t.StringNode(typ))
	t.normalizeLevel(root, typ)
	t.normalizePlatform(root, opts.DefaultPlatform)
	t.normalizeLenient(root, "release", true)
	t.normalizeLenient(root, "dist", false)
	t.normalizeLenient(root, "environment", false)
	t.normalizeTags(root)
	t.normalizeIP(root, opts.ClientIP)
	t.normalizeRequest(root)
	t.normalizeUserAgent(root)
	t.normalizeContexts(root)
	t.normalizeStacktraces(root)
	t.normalizeTimestamps(root, opts)
	if t.Get(root, "sdk") == nil && opts.SentryClient != "" {
		name, version, _ := strings.Cut(opts.SentryClient, "/")
		if name = strings.TrimSpace(name); name != "" {
			sdk := t.ObjectNode(t.Field("name", t.StringNode(name)))
			if version = strings.TrimSpace(version); version != "" {
				t.Add(&sdk, t.Field("version", t.StringNode(version)))
			}
			t.Set(root, "sdk", sdk)
		}
	}
	if t.Get(root, "logger") == nil {
		t.Set(root, "logger", t.StringNode(""))
	}
	t.Set(root, "version", t.StringNode(protocolVersion))
	if opts.Editor != nil {
		t.walkEditor(root, opts.Editor)
	}
	t.deriveTags(root)
	t.writeMeta(root)
}

// legacyKeys maps the old "sentry.interfaces.*" names to today's keys (Relay's legacy_alias).
var legacyKeys = [...][2]string{
	{"sentry.interfaces.Exception", "exception"},
	{"sentry.interfaces.Message", "logentry"},
	{"sentry.interfaces.User", "user"},
	{"sentry.interfaces.Http", "request"},
	{"sentry.interfaces.Contexts", "contexts"},
	{"sentry.interfaces.Breadcrumbs", "breadcrumbs"},
	{"sentry.interfaces.Stacktrace", "stacktrace"},
	{"sentry.interfaces.Template", "template"},
	{"sentry.interfaces.Csp", "csp"},
	{"sentry.interfaces.Hpkp", "hpkp"},
	{"sentry.interfaces.ExpectCT", "expectct"},
	{"sentry.interfaces.ExpectStaple", "expectstaple"},
}

// renameLegacyKeys renames a legacy key in place when the modern key is absent. When both are
// present the modern one wins and the legacy one stays as an unknown key, as in Relay.
func (t *tree) renameLegacyKeys(root *jsontext.Node) {
	for i := 0; i < root.Len(); i++ {
		kids := t.Kids(root)
		if !strings.HasPrefix(t.RawKey(&kids[i]), "sentry.interfaces.") {
			continue
		}
		for _, lk := range legacyKeys {
			if t.RawKey(&kids[i]) != lk[0] {
				continue
			}
			// A null modern key counts as absent, so normalizing twice renames the same way.
			if j := t.Index(root, lk[1]); j >= 0 && kids[j].Kind() == jsontext.Null {
				t.Del(root, lk[1])
				if j < i {
					i--
				}
			}
			if t.Index(root, lk[1]) < 0 {
				t.SetKey(&t.Kids(root)[i], lk[1])
			}
			break
		}
	}
}

// normalizeLogEntry reads the legacy top-level "message" (a string or an object) into logentry
// and makes sure logentry has "formatted".
func (t *tree) normalizeLogEntry(root *jsontext.Node) {
	if le := t.Get(root, "logentry"); le != nil && le.Kind() == jsontext.Null {
		t.Del(root, "logentry")
	}
	if t.Index(root, "logentry") < 0 {
		if i := t.Index(root, "message"); i >= 0 {
			t.SetKey(&t.Kids(root)[i], "logentry")
		}
	}
	i := t.Index(root, "logentry")
	if i < 0 {
		return
	}
	le := &t.Kids(root)[i]
	switch le.Kind() {
	case jsontext.String, jsontext.Number:
		t.Set(root, "logentry", t.ObjectNode(t.Field("formatted", t.StringNode(t.Lenient(le)))))
	case jsontext.Object:
		if t.Get(le, "formatted") == nil {
			if msg := t.Get(le, "message"); msg != nil && msg.Kind() == jsontext.String {
				t.Set(le, "formatted", *msg)
			}
		}
	case jsontext.Null:
		t.Del(root, "logentry")
	default:
		invalid := *le
		t.Del(root, "logentry")
		t.addError(root, "invalid_data", "logentry", &invalid)
	}
}

// normalizeValues brings the four shapes Relay accepts for exception, threads and breadcrumbs
// (a list, {"values": list}, one bare object, {}) to {"values": list}.
func (t *tree) normalizeValues(root *jsontext.Node, key string) {
	i := t.Index(root, key)
	if i < 0 {
		return
	}
	v := &t.Kids(root)[i]
	switch v.Kind() {
	case jsontext.Array:
		t.Set(root, key, t.ObjectNode(t.Field("values", *v)))
	case jsontext.Object:
		vals := t.Get(v, "values")
		switch {
		case vals != nil && vals.Kind() == jsontext.Array:
		case vals != nil && vals.Kind() == jsontext.Null && v.Len() == 1:
			t.Del(root, key)
		case vals != nil:
			invalid := *v
			t.Del(root, key)
			t.addError(root, "invalid_data", key, &invalid)
		case v.Len() == 0:
			t.Del(root, key)
		default:
			t.Set(root, key, t.ObjectNode(t.Field("values", t.ArrayNode(*v))))
		}
	case jsontext.Null:
		t.Del(root, key)
	default:
		invalid := *v
		t.Del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
	}
}

func (t *tree) normalizeEventID(root *jsontext.Node, headerID string) {
	if id, ok := normalizeUUID(headerID); ok {
		t.Set(root, "event_id", t.StringNode(id))
		return
	}
	if id, ok := normalizeUUID(t.Text(t.Get(root, "event_id"))); ok {
		t.Set(root, "event_id", t.StringNode(id))
		return
	}
	t.Set(root, "event_id", t.StringNode(newEventID()))
}

// normalizeUUID accepts the forms Relay's EventId parses (simple, hyphenated, braced, urn:uuid:,
// any case) and returns 32 lowercase hex digits.
func normalizeUUID(s string) (string, bool) {
	if len(s) > 9 && strings.EqualFold(s[:9], "urn:uuid:") {
		s = s[9:]
	}
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	var buf [32]byte
	switch len(s) {
	case 32:
		copy(buf[:], s)
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		copy(buf[0:8], s[0:8])
		copy(buf[8:12], s[9:13])
		copy(buf[12:16], s[14:18])
		copy(buf[16:20], s[19:23])
		copy(buf[20:32], s[24:36])
	default:
		return "", false
	}
	for i, c := range buf {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			buf[i] = c + ('a' - 'A')
		default:
			return "", false
		}
	}
	if s == string(buf[:]) {
		return s, true
	}
	return string(buf[:]), true
}

func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// inferType follows Relay: SDKs only set the type of transactions (and feedback); everything
// else is an error when it has exceptions, a security report by its interface, or default.
func (t *tree) inferType(root *jsontext.Node) string {
	switch typ := t.Text(t.Get(root, "type")); typ {
	case "transaction", "feedback":
		return typ
	}
	for _, ex := range t.Kids(t.Get(t.Get(root, "exception"), "values")) {
		if ex.Kind() == jsontext.Object {
			return "error"
		}
	}
	for _, k := range [...]string{"csp", "hpkp", "expectct", "expectstaple", "nel"} {
		if t.Get(root, k) != nil {
			return k
		}
	}
	return "default"
}

// parseLevel reads a level name, an alias or a Python logging number.
func parseLevel(n jsontext.Scalar) (string, bool) {
	if n.Kind == jsontext.Number {
		switch n.Raw {
		case "10":
			return "debug", true
		case "20":
			return "info", true
		case "30":
			return "warning", true
		case "40":
			return "error", true
		case "50":
			return "fatal", true
		}
		return "", false
	}
	switch strings.ToLower(strings.TrimSpace(n.Text())) {
	case "debug", "trace":
		return "debug", true
	case "info", "log":
		return "info", true
	case "warning", "warn":
		return "warning", true
	case "error":
		return "error", true
	case "fatal", "critical":
		return "fatal", true
	}
	return "", false
}

func (t *tree) normalizeLevel(root *jsontext.Node, typ string) {
	if lvl, ok := parseLevel(t.Scalar(t.Get(root, "level"))); ok {
		if cur := t.Get(root, "level"); cur.Kind() != jsontext.String || t.Raw(cur) != lvl {
			t.Set(root, "level", t.StringNode(lvl))
		}
		return
	}
	if typ == "transaction" {
		t.Set(root, "level", t.StringNode("info"))
		return
	}
	t.Set(root, "level", t.StringNode("error"))
}

// validPlatforms is Relay's VALID_PLATFORMS.
var validPlatforms = map[string]bool{
	"as3": true, "c": true, "cfml": true, "cocoa": true, "csharp": true, "elixir": true,
	"haskell": true, "go": true, "groovy": true, "java": true, "javascript": true, "native": true,
	"node": true, "objc": true, "other": true, "perl": true, "php": true, "python": true, "ruby": true,
}

func (t *tree) normalizePlatform(root *jsontext.Node, fallback string) {
	if p := t.Get(root, "platform"); p != nil && p.Kind() == jsontext.String && validPlatforms[t.Raw(p)] {
		return
	}
	if !validPlatforms[fallback] {
		fallback = defaultEventPlatform
	}
	t.Set(root, "platform", t.StringNode(fallback))
}

// normalizeLenient makes release, dist and environment trimmed strings; numbers and booleans are
// stringified like Relay's LenientString (booleans as Python spells them). Empty values go away.
func (t *tree) normalizeLenient(root *jsontext.Node, key string, isRelease bool) {
	v := t.Get(root, key)
	if v == nil {
		return
	}
	var s string
	switch v.Kind() {
	case jsontext.String:
		s = strings.TrimSpace(t.Text(v))
		if len(s) == len(t.Raw(v)) && !v.Escaped() {
			if s != "" && (!isRelease || validRelease(s)) {
				return
			}
		}
	case jsontext.Number:
		s = t.Raw(v)
	case jsontext.True:
		s = "True"
	case jsontext.False:
		s = "False"
	case jsontext.Null:
		t.Del(root, key)
		return
	default:
		invalid := *v
		t.Del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
		return
	}
	if s == "" {
		t.Del(root, key)
		return
	}
	if isRelease && !validRelease(s) {
		invalid := *v
		t.Del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
		return
	}
	t.Set(root, key, t.StringNode(s))
}

// validRelease applies Relay's release rules that matter for storage: bounded length, no line
// breaks or tabs, not a path-like or reserved name.
func validRelease(s string) bool {
	if len(s) > maxReleaseChars || strings.ContainsAny(s, "\r\n\t") {
		return false
	}
	switch s {
	case ".", "..", "latest":
		return false
	}
	return true
}

// reservedTags are dropped by Relay: they duplicate event fields Sentry indexes itself.
var reservedTags = map[string]bool{"release": true, "dist": true, "user": true, "filename": true, "function": true}

// normalizeTags turns tags (an object or a list of pairs) into deduplicated [key, value] pairs,
// drops reserved and invalid ones, moves the environment tag to the field and server_name/site
// fields into tags, as Relay's normalize_event_tags does.
func (t *tree) normalizeTags(root *jsontext.Node) {
	var pairs []jsontext.Node
	dropped := 0
	seen := make(map[string]bool, 8)
	add := func(k string, v *jsontext.Node) {
		if v == nil || v.Kind() == jsontext.Null || v.Kind() == jsontext.Object || v.Kind() == jsontext.Array {
			return
		}
		key := strings.TrimSpace(k)
		val := strings.TrimSpace(t.Lenient(v))
		if key == "" || val == "" || len(key) > maxTagChars || len(val) > maxTagChars || reservedTags[key] || seen[key] {
			return
		}
		if len(pairs) == maxTags {
			dropped++
			return
		}
		seen[key] = true
		if key == "environment" {
			if t.Get(root, "environment") == nil {
				t.Set(root, "environment", t.StringNode(val))
			}
			return
		}
		pairs = append(pairs, t.ArrayNode(t.StringNode(key), t.StringNode(val)))
	}
	tags := t.Get(root, "tags")
	if tags != nil {
		switch tags.Kind() {
		case jsontext.Object:
			kids := t.Kids(tags)
			pairs = make([]jsontext.Node, 0, len(kids)+1)
			for i := range kids {
				add(t.Name(&kids[i]), &kids[i])
			}
		case jsontext.Array:
			kids := t.Kids(tags)
			pairs = make([]jsontext.Node, 0, len(kids)+1)
			for i := range kids {
				if p := t.Kids(&kids[i]); kids[i].Kind() == jsontext.Array && len(p) == 2 && p[0].Kind() == jsontext.String {
					add(t.Text(&p[0]), &p[1])
				}
			}
		}
	}
	for _, k := range movedFieldTags {
		v := t.Get(root, k)
		if v == nil {
			continue
		}
		val := *v
		t.Del(root, k)
		if s := strings.TrimSpace(t.Lenient(&val)); s != "" && len(s) <= maxTagChars {
			for i := range pairs {
				if t.Text(&t.Kids(&pairs[i])[0]) == k {
					pairs = append(pairs[:i:i], pairs[i+1:]...)
					break
				}
			}
			pairs = append(pairs, t.ArrayNode(t.StringNode(k), t.StringNode(s)))
		}
	}
	if dropped > 0 {
		t.noteTrim([]string{"tags"}, len(pairs)+dropped)
	}
	if tags == nil && len(pairs) == 0 {
		return
	}
	if len(pairs) == 0 {
		t.Del(root, "tags")
		return
	}
	t.Set(root, "tags", t.ArrayNode(pairs...))
}

// autoIP is the placeholder SDKs send for "use the address you see me at".
const autoIP = "{{auto}}"

// autoIPPlatforms are the platforms for which Relay fills in the client address even when the
// SDK did not ask, because the client is the user's own device.
var autoIPPlatforms = map[string]bool{"javascript": true, "cocoa": true, "objc": true}

func (t *tree) normalizeIP(root *jsontext.Node, clientIP string) {
	if env := t.Get(t.Get(root, "request"), "env"); env != nil {
		if ra := t.Get(env, "REMOTE_ADDR"); ra != nil && t.Text(ra) == autoIP {
			if clientIP != "" {
				t.Set(env, "REMOTE_ADDR", t.StringNode(clientIP))
			} else {
				t.Del(env, "REMOTE_ADDR")
			}
		}
	}
	user := t.Get(root, "user")
	if user != nil && user.Kind() != jsontext.Object {
		return
	}
	ip := t.Get(user, "ip_address")
	switch {
	case ip != nil && t.Text(ip) == autoIP:
		if clientIP != "" {
			t.Set(user, "ip_address", t.StringNode(clientIP))
		} else {
			t.Del(user, "ip_address")
		}
		return
	case ip != nil && ip.Kind() != jsontext.Null:
		return
	}
	if ra := t.Get(t.Get(t.Get(root, "request"), "env"), "REMOTE_ADDR"); ra != nil && ra.Kind() == jsontext.String && t.Raw(ra) != "" {
		t.setUserIP(root, *ra)
		return
	}
	if clientIP != "" && autoIPPlatforms[t.Text(t.Get(root, "platform"))] {
		t.setUserIP(root, t.StringNode(clientIP))
	}
}

func (t *tree) setUserIP(root *jsontext.Node, ip jsontext.Node) {
	if user := t.Get(root, "user"); user != nil {
		t.Set(user, "ip_address", ip)
		return
	}
	t.Set(root, "user", t.ObjectNode(t.Field("ip_address", ip)))
}

// knownContexts are the context types whose key names the type, so "type" can be filled in.
var knownContexts = map[string]bool{
	"device": true, "os": true, "runtime": true, "app": true, "browser": true, "gpu": true,
	"trace": true, "profile": true, "replay": true, "feedback": true, "monitor": true,
	"response": true, "otel": true, "cloud_resource": true, "nel": true, "state": true,
	"culture": true, "flags": true, "spring": true, "ota_updates": true, "performance_score": true,
}

func (t *tree) normalizeContexts(root *jsontext.Node) {
	ctx := t.Get(root, "contexts")
	if ctx == nil || ctx.Kind() != jsontext.Object {
		return
	}
	kids := t.Kids(ctx)
	for i := range kids {
		m := &kids[i]
		if m.Kind() != jsontext.Object || m.KeyEscaped() || !knownContexts[t.RawKey(m)] || t.Get(m, "type") != nil {
			continue
		}
		t.Set(m, "type", t.StringNode(t.RawKey(m)))
	}
	t.computeContextFields(ctx)
	trace := t.Get(ctx, "trace")
	if trace == nil || trace.Kind() != jsontext.Object {
		return
	}
	if id := t.Get(trace, "trace_id"); id != nil {
		if norm, ok := normalizeUUID(t.Text(id)); ok && norm != t.Raw(id) {
			t.Set(trace, "trace_id", t.StringNode(norm))
		}
	}
	for _, k := range [...]string{"span_id", "parent_span_id"} {
		if id := t.Get(trace, k); id != nil && id.Kind() == jsontext.String && len(t.Raw(id)) == 16 && isHex(t.Raw(id)) {
			if raw := t.Raw(id); strings.ToLower(raw) != raw {
				t.Set(trace, k, t.StringNode(strings.ToLower(raw)))
			}
		}
	}
	if t.Get(trace, "status") == nil {
		t.Set(trace, "status", t.StringNode("unknown"))
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// normalizeStacktraces gives every mechanism a type (Relay requires one; "generic" when
// unknown), fills a frame's missing abs_path from its filename, and writes integer addresses in
// frames as "0x…" strings, Relay's Addr form.
func (t *tree) normalizeStacktraces(root *jsontext.Node) {
	exs := t.Kids(t.Get(t.Get(root, "exception"), "values"))
	for i := range exs {
		ex := &exs[i]
		if ex.Kind() != jsontext.Object {
			continue
		}
		if mech := t.Get(ex, "mechanism"); mech != nil && mech.Kind() == jsontext.Object && t.Text(t.Get(mech, "type")) == "" {
			t.Set(mech, "type", t.StringNode("generic"))
		}
		t.normalizeFrames(t.Get(ex, "stacktrace"))
		t.normalizeFrames(t.Get(ex, "raw_stacktrace"))
	}
	ths := t.Kids(t.Get(t.Get(root, "threads"), "values"))
	for i := range ths {
		t.normalizeFrames(t.Get(&ths[i], "stacktrace"))
	}
	t.normalizeFrames(t.Get(root, "stacktrace"))
}

func (t *tree) normalizeFrames(st *jsontext.Node) {
	frames := t.Kids(t.Get(st, "frames"))
	for i := range frames {
		f := &frames[i]
		if f.Kind() != jsontext.Object {
			continue
		}
		// One pass finds what the frame needs: it runs for every frame of every event. It also
		// counts the context lines, for decode (tree.frameLines), which saves it a pass.
		var abs, filename *jsontext.Node
		numericAddr := false
		kids := t.Kids(f)
		for j := range kids {
			switch m := &kids[j]; t.Name(m) {
			case "abs_path":
				abs = m
			case "filename":
				filename = m
			case "instruction_addr", "symbol_addr", "image_addr":
				numericAddr = numericAddr || m.Kind() == jsontext.Number
			case "pre_context", "post_context":
				if m.Kind() == jsontext.Array { // what decodeFrame reads (stringList)
					t.frameLines += m.Len()
				}
			}
		}
		// SDKs such as @sentry/node and @sentry/browser send only filename; Sentry reads the
		// frame's location (sourcemap lookup, debug images' code_file) from abs_path, so it is
		// filled from filename the way Sentry's frame normalization does.
		if !nonEmptyString(abs) && nonEmptyString(filename) {
			t.Set(f, "abs_path", *filename)
		}
		if !numericAddr {
			continue
		}
		for _, k := range [...]string{"instruction_addr", "symbol_addr", "image_addr"} {
			if a := t.Get(f, k); a != nil && a.Kind() == jsontext.Number {
				if v, ok := t.Scalar(a).Int(); ok && v >= 0 {
					t.Set(f, k, t.StringNode(fmt.Sprintf("0x%x", v)))
				}
			}
		}
	}
}

// nonEmptyString reports whether t.text(n) != "": a string's text is empty only when its raw
// text is, as every escape stands for at least one byte.
func nonEmptyString(n *jsontext.Node) bool {
	return n != nil && n.Kind() == jsontext.String && n.RawLen() > 0
}

// normalizeTimestamps sets received, fills a missing timestamp, corrects clock drift and moves
// events from the far future or past to the received time, shifting every timestamp of the event
// by the same amount (Relay's clock_drift.rs and normalize_timestamps).
func (t *tree) normalizeTimestamps(root *jsontext.Node, opts *NormalizeOptions) {
	received := opts.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	received = received.UTC().Round(time.Microsecond)
	t.Set(root, "received", t.NumberNode(timestampText(received)))

	var shift time.Duration
	if !opts.SentAt.IsZero() {
		drift := received.Sub(opts.SentAt)
		if drift >= minClockDrift || drift <= -minClockDrift {
			shift = drift
			t.addError(root, "clock_drift", "", nil,
				t.Field("sdk_time", t.StringNode(opts.SentAt.UTC().Format(time.RFC3339Nano))),
				t.Field("server_time", t.StringNode(received.Format(time.RFC3339Nano))))
		}
	}

	tsNode := t.Get(root, "timestamp")
	ts, ok := readTimestamp(t.Scalar(tsNode))
	rewrite := !ok || tsNode.Kind() != jsontext.Number || shift != 0
	if !ok {
		ts = received
	} else {
		ts = ts.Add(shift)
	}
	retention := opts.Retention
	if retention <= 0 {
		retention = defaultRetention
	}
	if ts.After(received.Add(maxSecsInFuture)) || ts.Before(received.Add(-retention)) {
		errType := "future_timestamp"
		if ts.Before(received) {
			errType = "past_timestamp"
		}
		t.addError(root, errType, "timestamp", nil,
			t.Field("sdk_time", t.StringNode(ts.Format(time.RFC3339Nano))),
			t.Field("server_time", t.StringNode(received.Format(time.RFC3339Nano))))
		shift += received.Sub(ts)
		ts = received
		rewrite = true
	}
	if rewrite {
		t.Set(root, "timestamp", t.NumberNode(timestampText(ts)))
	}

	t.shiftTimestamp(root, "start_timestamp", shift)
	crumbs := t.Kids(t.Get(t.Get(root, "breadcrumbs"), "values"))
	for i := range crumbs {
		if crumbs[i].Kind() == jsontext.Object {
			t.shiftTimestamp(&crumbs[i], "timestamp", shift)
		}
	}
	if spans := t.Get(root, "spans"); spans != nil && spans.Kind() == jsontext.Array {
		kids := t.Kids(spans)
		for i := range kids {
			if kids[i].Kind() == jsontext.Object {
				t.shiftTimestamp(&kids[i], "start_timestamp", shift)
				t.shiftTimestamp(&kids[i], "timestamp", shift)
			}
		}
	}
}

// shiftTimestamp rewrites obj[key] as float epoch seconds moved by shift. A value that is no
// timestamp is dropped, as Relay drops invalid values.
func (t *tree) shiftTimestamp(obj *jsontext.Node, key string, shift time.Duration) {
	v := t.Get(obj, key)
	if v == nil {
		return
	}
	ts, ok := readTimestamp(t.Scalar(v))
	switch {
	case !ok:
		t.Del(obj, key)
	case v.Kind() != jsontext.Number || shift != 0:
		t.Set(obj, key, t.NumberNode(timestampText(ts.Add(shift))))
	}
}

// addError appends a processing error {type, name?, value?, extra…} to the event's errors.
func (t *tree) addError(root *jsontext.Node, typ, name string, value *jsontext.Node, extra ...jsontext.Node) {
	e := make([]jsontext.Node, 0, 3+len(extra))
	e = append(e, t.Field("type", t.StringNode(typ)))
	if name != "" {
		e = append(e, t.Field("name", t.StringNode(name)))
	}
	if value != nil {
		e = append(e, t.Field("value", *value))
	}
	e = append(e, extra...)
	errs := t.Get(root, "errors")
	if errs == nil || errs.Kind() != jsontext.Array {
		t.Set(root, "errors", t.ArrayNode(t.ObjectNode(e...)))
		return
	}
	t.Push(errs, t.ObjectNode(e...))
}
