package event

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
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
func Normalize(raw []byte, opts NormalizeOptions) ([]byte, *Event, error) {
	sl := slabPool.Get().(*slab)
	defer sl.release()
	root, err := parseJSON(string(raw), maxInputDepth, sl)
	if err != nil {
		return nil, nil, fmt.Errorf("normalize event: %w", err)
	}
	if root.kind != kindObject {
		return nil, nil, fmt.Errorf("normalize event: event is not a JSON object (found %s)", kindName(root.kind))
	}
	normalizeTree(&root, &opts)
	out := appendJSON(make([]byte, 0, len(raw)+len(raw)/8+64), &root)
	return out, decodeTree(&root), nil
}

func kindName(k kind) string {
	switch k {
	case kindNull:
		return "null"
	case kindFalse, kindTrue:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "an array"
	}
	return "an object"
}

func normalizeTree(root *node, opts *NormalizeOptions) {
	root.reserve(8)
	renameLegacyKeys(root)
	normalizeLogEntry(root)
	for _, key := range [...]string{"exception", "threads", "breadcrumbs"} {
		normalizeValues(root, key)
	}
	normalizeEventID(root, opts.EventID)
	typ := inferType(root)
	root.set("type", stringNode(typ))
	normalizeLevel(root, typ)
	normalizePlatform(root, opts.DefaultPlatform)
	normalizeLenient(root, "release", true)
	normalizeLenient(root, "dist", false)
	normalizeLenient(root, "environment", false)
	normalizeTags(root)
	normalizeIP(root, opts.ClientIP)
	normalizeContexts(root)
	normalizeStacktraces(root)
	normalizeTimestamps(root, opts)
	if root.get("sdk") == nil && opts.SentryClient != "" {
		name, version, _ := strings.Cut(opts.SentryClient, "/")
		if name = strings.TrimSpace(name); name != "" {
			sdk := objectNode(field("name", stringNode(name)))
			if version = strings.TrimSpace(version); version != "" {
				sdk.kids = append(sdk.kids, field("version", stringNode(version)))
			}
			root.set("sdk", sdk)
		}
	}
	if root.get("logger") == nil {
		root.set("logger", stringNode(""))
	}
	root.set("version", stringNode(protocolVersion))
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
func renameLegacyKeys(root *node) {
	for i := 0; i < len(root.kids); i++ {
		if !strings.HasPrefix(root.kids[i].key, "sentry.interfaces.") {
			continue
		}
		for _, lk := range legacyKeys {
			if root.kids[i].key != lk[0] {
				continue
			}
			// A null modern key counts as absent, so normalizing twice renames the same way.
			if j := root.index(lk[1]); j >= 0 && root.kids[j].val.kind == kindNull {
				root.del(lk[1])
				if j < i {
					i--
				}
			}
			if root.index(lk[1]) < 0 {
				root.kids[i].key = lk[1]
			}
			break
		}
	}
}

// normalizeLogEntry reads the legacy top-level "message" (a string or an object) into logentry
// and makes sure logentry has "formatted".
func normalizeLogEntry(root *node) {
	if le := root.get("logentry"); le != nil && le.kind == kindNull {
		root.del("logentry")
	}
	if root.index("logentry") < 0 {
		if i := root.index("message"); i >= 0 {
			root.kids[i].key = "logentry"
			root.kids[i].val.flags &^= keyEscaped
		}
	}
	i := root.index("logentry")
	if i < 0 {
		return
	}
	le := &root.kids[i].val
	switch le.kind {
	case kindString, kindNumber:
		*le = objectNode(field("formatted", stringNode(le.lenient())))
	case kindObject:
		if le.get("formatted") == nil {
			if msg := le.get("message"); msg != nil && msg.kind == kindString {
				le.set("formatted", *msg)
			}
		}
	case kindNull:
		root.del("logentry")
	default:
		invalid := *le
		root.del("logentry")
		addError(root, "invalid_data", "logentry", &invalid)
	}
}

// normalizeValues brings the four shapes Relay accepts for exception, threads and breadcrumbs
// (a list, {"values": list}, one bare object, {}) to {"values": list}.
func normalizeValues(root *node, key string) {
	i := root.index(key)
	if i < 0 {
		return
	}
	v := &root.kids[i].val
	switch v.kind {
	case kindArray:
		*v = objectNode(field("values", *v))
	case kindObject:
		vals := v.get("values")
		switch {
		case vals != nil && vals.kind == kindArray:
		case vals != nil && vals.kind == kindNull && len(v.kids) == 1:
			root.del(key)
		case vals != nil:
			invalid := *v
			root.del(key)
			addError(root, "invalid_data", key, &invalid)
		case len(v.kids) == 0:
			root.del(key)
		default:
			*v = objectNode(field("values", arrayNode(*v)))
		}
	case kindNull:
		root.del(key)
	default:
		invalid := *v
		root.del(key)
		addError(root, "invalid_data", key, &invalid)
	}
}

func normalizeEventID(root *node, headerID string) {
	if id, ok := normalizeUUID(headerID); ok {
		root.set("event_id", stringNode(id))
		return
	}
	if id, ok := normalizeUUID(root.get("event_id").text()); ok {
		root.set("event_id", stringNode(id))
		return
	}
	root.set("event_id", stringNode(newEventID()))
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
func inferType(root *node) string {
	switch t := root.get("type").text(); t {
	case "transaction", "feedback":
		return t
	}
	if ex := root.get("exception"); ex != nil {
		if vals := ex.get("values"); vals != nil {
			for i := range vals.kids {
				if vals.kids[i].val.kind == kindObject {
					return "error"
				}
			}
		}
	}
	for _, k := range [...]string{"csp", "hpkp", "expectct", "expectstaple", "nel"} {
		if root.get(k) != nil {
			return k
		}
	}
	return "default"
}

// parseLevel reads a level name, an alias or a Python logging number.
func parseLevel(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.kind == kindNumber {
		switch n.raw {
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
	switch strings.ToLower(strings.TrimSpace(n.text())) {
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

func normalizeLevel(root *node, typ string) {
	if lvl, ok := parseLevel(root.get("level")); ok {
		if cur := root.get("level"); cur.kind != kindString || cur.raw != lvl {
			root.set("level", stringNode(lvl))
		}
		return
	}
	if typ == "transaction" {
		root.set("level", stringNode("info"))
		return
	}
	root.set("level", stringNode("error"))
}

// validPlatforms is Relay's VALID_PLATFORMS.
var validPlatforms = map[string]bool{
	"as3": true, "c": true, "cfml": true, "cocoa": true, "csharp": true, "elixir": true,
	"haskell": true, "go": true, "groovy": true, "java": true, "javascript": true, "native": true,
	"node": true, "objc": true, "other": true, "perl": true, "php": true, "python": true, "ruby": true,
}

func normalizePlatform(root *node, fallback string) {
	if p := root.get("platform"); p != nil && p.kind == kindString && validPlatforms[p.raw] {
		return
	}
	if !validPlatforms[fallback] {
		fallback = defaultEventPlatform
	}
	root.set("platform", stringNode(fallback))
}

// normalizeLenient makes release, dist and environment trimmed strings; numbers and booleans are
// stringified like Relay's LenientString (booleans as Python spells them). Empty values go away.
func normalizeLenient(root *node, key string, isRelease bool) {
	v := root.get(key)
	if v == nil {
		return
	}
	var s string
	switch v.kind {
	case kindString:
		s = strings.TrimSpace(v.text())
		if len(s) == len(v.raw) && !v.escaped() {
			if s != "" && (!isRelease || validRelease(s)) {
				return
			}
		}
	case kindNumber:
		s = v.raw
	case kindTrue:
		s = "True"
	case kindFalse:
		s = "False"
	case kindNull:
		root.del(key)
		return
	default:
		invalid := *v
		root.del(key)
		addError(root, "invalid_data", key, &invalid)
		return
	}
	if s == "" {
		root.del(key)
		return
	}
	if isRelease && !validRelease(s) {
		invalid := *v
		root.del(key)
		addError(root, "invalid_data", key, &invalid)
		return
	}
	root.set(key, stringNode(s))
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
func normalizeTags(root *node) {
	var pairs []node
	seen := make(map[string]bool, 8)
	add := func(k string, v *node) {
		if v == nil || v.kind == kindNull || v.kind == kindObject || v.kind == kindArray {
			return
		}
		key := strings.TrimSpace(k)
		val := strings.TrimSpace(v.lenient())
		if key == "" || val == "" || len(key) > maxTagChars || len(val) > maxTagChars || reservedTags[key] || seen[key] {
			return
		}
		seen[key] = true
		if key == "environment" {
			if root.get("environment") == nil {
				root.set("environment", stringNode(val))
			}
			return
		}
		pairs = append(pairs, arrayNode(stringNode(key), stringNode(val)))
	}
	tags := root.get("tags")
	if tags != nil {
		switch tags.kind {
		case kindObject:
			pairs = make([]node, 0, len(tags.kids)+1)
			for i := range tags.kids {
				add(tags.kids[i].name(), &tags.kids[i].val)
			}
		case kindArray:
			pairs = make([]node, 0, len(tags.kids)+1)
			for i := range tags.kids {
				if p := &tags.kids[i].val; p.kind == kindArray && len(p.kids) == 2 && p.kids[0].val.kind == kindString {
					add(p.kids[0].val.text(), &p.kids[1].val)
				}
			}
		}
	}
	for _, k := range [...]string{"server_name", "site"} {
		v := root.get(k)
		if v == nil {
			continue
		}
		val := *v
		root.del(k)
		if s := strings.TrimSpace(val.lenient()); s != "" && len(s) <= maxTagChars {
			for i := range pairs {
				if pairs[i].kids[0].val.text() == k {
					pairs = append(pairs[:i:i], pairs[i+1:]...)
					break
				}
			}
			pairs = append(pairs, arrayNode(stringNode(k), stringNode(s)))
		}
	}
	if tags == nil && len(pairs) == 0 {
		return
	}
	if len(pairs) == 0 {
		root.del("tags")
		return
	}
	root.set("tags", arrayNode(pairs...))
}

// autoIP is the placeholder SDKs send for "use the address you see me at".
const autoIP = "{{auto}}"

// autoIPPlatforms are the platforms for which Relay fills in the client address even when the
// SDK did not ask, because the client is the user's own device.
var autoIPPlatforms = map[string]bool{"javascript": true, "cocoa": true, "objc": true}

func normalizeIP(root *node, clientIP string) {
	if env := root.get("request").get("env"); env != nil {
		if ra := env.get("REMOTE_ADDR"); ra != nil && ra.text() == autoIP {
			if clientIP != "" {
				env.set("REMOTE_ADDR", stringNode(clientIP))
			} else {
				env.del("REMOTE_ADDR")
			}
		}
	}
	user := root.get("user")
	if user != nil && user.kind != kindObject {
		return
	}
	ip := user.get("ip_address")
	switch {
	case ip != nil && ip.text() == autoIP:
		if clientIP != "" {
			user.set("ip_address", stringNode(clientIP))
		} else {
			user.del("ip_address")
		}
		return
	case ip != nil && ip.kind != kindNull:
		return
	}
	if ra := root.get("request").get("env").get("REMOTE_ADDR"); ra != nil && ra.kind == kindString && ra.raw != "" {
		setUserIP(root, *ra)
		return
	}
	if clientIP != "" && autoIPPlatforms[root.get("platform").text()] {
		setUserIP(root, stringNode(clientIP))
	}
}

func setUserIP(root *node, ip node) {
	if user := root.get("user"); user != nil {
		user.set("ip_address", ip)
		return
	}
	root.set("user", objectNode(field("ip_address", ip)))
}

// knownContexts are the context types whose key names the type, so "type" can be filled in.
var knownContexts = map[string]bool{
	"device": true, "os": true, "runtime": true, "app": true, "browser": true, "gpu": true,
	"trace": true, "profile": true, "replay": true, "feedback": true, "monitor": true,
	"response": true, "otel": true, "cloud_resource": true, "nel": true, "state": true,
	"culture": true, "flags": true, "spring": true, "ota_updates": true, "performance_score": true,
}

func normalizeContexts(root *node) {
	ctx := root.get("contexts")
	if ctx == nil || ctx.kind != kindObject {
		return
	}
	for i := range ctx.kids {
		m := &ctx.kids[i]
		if m.val.kind != kindObject || m.keyEscaped() || !knownContexts[m.key] || m.val.get("type") != nil {
			continue
		}
		m.val.set("type", stringNode(m.key))
	}
	trace := ctx.get("trace")
	if trace == nil || trace.kind != kindObject {
		return
	}
	if id := trace.get("trace_id"); id != nil {
		if norm, ok := normalizeUUID(id.text()); ok && norm != id.raw {
			trace.set("trace_id", stringNode(norm))
		}
	}
	for _, k := range [...]string{"span_id", "parent_span_id"} {
		if id := trace.get(k); id != nil && id.kind == kindString && len(id.raw) == 16 && isHex(id.raw) {
			if lower := strings.ToLower(id.raw); lower != id.raw {
				trace.set(k, stringNode(lower))
			}
		}
	}
	if trace.get("status") == nil {
		trace.set("status", stringNode("unknown"))
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
func normalizeStacktraces(root *node) {
	if vals := root.get("exception").get("values"); vals != nil {
		for i := range vals.kids {
			ex := &vals.kids[i].val
			if ex.kind != kindObject {
				continue
			}
			if mech := ex.get("mechanism"); mech != nil && mech.kind == kindObject && mech.get("type").text() == "" {
				mech.set("type", stringNode("generic"))
			}
			normalizeFrames(ex.get("stacktrace"))
			normalizeFrames(ex.get("raw_stacktrace"))
		}
	}
	if vals := root.get("threads").get("values"); vals != nil {
		for i := range vals.kids {
			normalizeFrames(vals.kids[i].val.get("stacktrace"))
		}
	}
	normalizeFrames(root.get("stacktrace"))
}

func normalizeFrames(st *node) {
	frames := st.get("frames")
	if frames == nil {
		return
	}
	for i := range frames.kids {
		f := &frames.kids[i].val
		if f.kind != kindObject {
			continue
		}
		// SDKs such as @sentry/node and @sentry/browser send only filename; Sentry reads the
		// frame's location (sourcemap lookup, debug images' code_file) from abs_path, so it is
		// filled from filename the way Sentry's frame normalization does.
		if abs := f.get("abs_path"); (abs == nil || abs.text() == "") && f.get("filename").text() != "" {
			f.set("abs_path", *f.get("filename"))
		}
		for _, k := range [...]string{"instruction_addr", "symbol_addr", "image_addr"} {
			if a := f.get(k); a != nil && a.kind == kindNumber {
				if v, ok := a.int(); ok && v >= 0 {
					f.set(k, stringNode(fmt.Sprintf("0x%x", v)))
				}
			}
		}
	}
}

// normalizeTimestamps sets received, fills a missing timestamp, corrects clock drift and moves
// events from the far future or past to the received time, shifting every timestamp of the event
// by the same amount (Relay's clock_drift.rs and normalize_timestamps).
func normalizeTimestamps(root *node, opts *NormalizeOptions) {
	received := opts.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	received = received.UTC().Round(time.Microsecond)
	root.set("received", timestampNode(received))

	var shift time.Duration
	if !opts.SentAt.IsZero() {
		drift := received.Sub(opts.SentAt)
		if drift >= minClockDrift || drift <= -minClockDrift {
			shift = drift
			addError(root, "clock_drift", "", nil,
				field("sdk_time", stringNode(opts.SentAt.UTC().Format(time.RFC3339Nano))),
				field("server_time", stringNode(received.Format(time.RFC3339Nano))))
		}
	}

	tsNode := root.get("timestamp")
	ts, ok := readTimestamp(tsNode)
	rewrite := !ok || tsNode.kind != kindNumber || shift != 0
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
		addError(root, errType, "timestamp", nil,
			field("sdk_time", stringNode(ts.Format(time.RFC3339Nano))),
			field("server_time", stringNode(received.Format(time.RFC3339Nano))))
		shift += received.Sub(ts)
		ts = received
		rewrite = true
	}
	if rewrite {
		root.set("timestamp", timestampNode(ts))
	}

	shiftTimestamp(root, "start_timestamp", shift)
	if vals := root.get("breadcrumbs").get("values"); vals != nil {
		for i := range vals.kids {
			if vals.kids[i].val.kind == kindObject {
				shiftTimestamp(&vals.kids[i].val, "timestamp", shift)
			}
		}
	}
	if spans := root.get("spans"); spans != nil && spans.kind == kindArray {
		for i := range spans.kids {
			if spans.kids[i].val.kind == kindObject {
				shiftTimestamp(&spans.kids[i].val, "start_timestamp", shift)
				shiftTimestamp(&spans.kids[i].val, "timestamp", shift)
			}
		}
	}
}

// shiftTimestamp rewrites obj[key] as float epoch seconds moved by shift. A value that is no
// timestamp is dropped, as Relay drops invalid values.
func shiftTimestamp(obj *node, key string, shift time.Duration) {
	v := obj.get(key)
	if v == nil {
		return
	}
	t, ok := readTimestamp(v)
	switch {
	case !ok:
		obj.del(key)
	case v.kind != kindNumber || shift != 0:
		obj.set(key, timestampNode(t.Add(shift)))
	}
}

// addError appends a processing error {type, name?, value?, extra…} to the event's errors.
func addError(root *node, typ, name string, value *node, extra ...member) {
	e := make([]member, 0, 3+len(extra))
	e = append(e, field("type", stringNode(typ)))
	if name != "" {
		e = append(e, field("name", stringNode(name)))
	}
	if value != nil {
		e = append(e, field("value", *value))
	}
	e = append(e, extra...)
	errs := root.get("errors")
	if errs == nil || errs.kind != kindArray {
		root.set("errors", arrayNode(objectNode(e...)))
		return
	}
	errs.push(objectNode(e...))
}
