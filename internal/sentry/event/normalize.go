package event

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unsafe"
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
	if err := parseJSON(unsafe.String(unsafe.SliceData(raw), len(raw)), maxInputDepth, t); err != nil {
		return nil, nil, fmt.Errorf("normalize event: %w", err)
	}
	root := &t.root
	if root.kind != kindObject {
		return nil, nil, fmt.Errorf("normalize event: event is not a JSON object (found %s)", kindName(root.kind))
	}
	t.normalize(root, &opts)
	out := t.appendJSON(make([]byte, 0, len(raw)+len(raw)/8+64), root)
	return out, t.decode(root), nil
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

func (t *tree) normalize(root *node, opts *NormalizeOptions) {
	t.reserve(root, 8)
	t.renameLegacyKeys(root)
	t.normalizeLogEntry(root)
	for _, key := range [...]string{"exception", "threads", "breadcrumbs"} {
		t.normalizeValues(root, key)
	}
	t.trim(root)
	t.normalizeEventID(root, opts.EventID)
	typ := t.inferType(root)
	t.set(root, "type", t.stringNode(typ))
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
	if t.get(root, "sdk") == nil && opts.SentryClient != "" {
		name, version, _ := strings.Cut(opts.SentryClient, "/")
		if name = strings.TrimSpace(name); name != "" {
			sdk := t.objectNode(t.field("name", t.stringNode(name)))
			if version = strings.TrimSpace(version); version != "" {
				t.appendKid(&sdk, t.field("version", t.stringNode(version)))
			}
			t.set(root, "sdk", sdk)
		}
	}
	if t.get(root, "logger") == nil {
		t.set(root, "logger", t.stringNode(""))
	}
	t.set(root, "version", t.stringNode(protocolVersion))
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
func (t *tree) renameLegacyKeys(root *node) {
	for i := 0; i < int(root.kids.count); i++ {
		kids := t.kids(root)
		if !strings.HasPrefix(t.keyText(&kids[i]), "sentry.interfaces.") {
			continue
		}
		for _, lk := range legacyKeys {
			if t.keyText(&kids[i]) != lk[0] {
				continue
			}
			// A null modern key counts as absent, so normalizing twice renames the same way.
			if j := t.index(root, lk[1]); j >= 0 && kids[j].kind == kindNull {
				t.del(root, lk[1])
				if j < i {
					i--
				}
			}
			if t.index(root, lk[1]) < 0 {
				t.setKey(&t.kids(root)[i], lk[1])
			}
			break
		}
	}
}

// normalizeLogEntry reads the legacy top-level "message" (a string or an object) into logentry
// and makes sure logentry has "formatted".
func (t *tree) normalizeLogEntry(root *node) {
	if le := t.get(root, "logentry"); le != nil && le.kind == kindNull {
		t.del(root, "logentry")
	}
	if t.index(root, "logentry") < 0 {
		if i := t.index(root, "message"); i >= 0 {
			t.setKey(&t.kids(root)[i], "logentry")
		}
	}
	i := t.index(root, "logentry")
	if i < 0 {
		return
	}
	le := &t.kids(root)[i]
	switch le.kind {
	case kindString, kindNumber:
		t.set(root, "logentry", t.objectNode(t.field("formatted", t.stringNode(t.lenient(le)))))
	case kindObject:
		if t.get(le, "formatted") == nil {
			if msg := t.get(le, "message"); msg != nil && msg.kind == kindString {
				t.set(le, "formatted", *msg)
			}
		}
	case kindNull:
		t.del(root, "logentry")
	default:
		invalid := *le
		t.del(root, "logentry")
		t.addError(root, "invalid_data", "logentry", &invalid)
	}
}

// normalizeValues brings the four shapes Relay accepts for exception, threads and breadcrumbs
// (a list, {"values": list}, one bare object, {}) to {"values": list}.
func (t *tree) normalizeValues(root *node, key string) {
	i := t.index(root, key)
	if i < 0 {
		return
	}
	v := &t.kids(root)[i]
	switch v.kind {
	case kindArray:
		t.set(root, key, t.objectNode(t.field("values", *v)))
	case kindObject:
		vals := t.get(v, "values")
		switch {
		case vals != nil && vals.kind == kindArray:
		case vals != nil && vals.kind == kindNull && v.kids.count == 1:
			t.del(root, key)
		case vals != nil:
			invalid := *v
			t.del(root, key)
			t.addError(root, "invalid_data", key, &invalid)
		case v.kids.count == 0:
			t.del(root, key)
		default:
			t.set(root, key, t.objectNode(t.field("values", t.arrayNode(*v))))
		}
	case kindNull:
		t.del(root, key)
	default:
		invalid := *v
		t.del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
	}
}

func (t *tree) normalizeEventID(root *node, headerID string) {
	if id, ok := normalizeUUID(headerID); ok {
		t.set(root, "event_id", t.stringNode(id))
		return
	}
	if id, ok := normalizeUUID(t.text(t.get(root, "event_id"))); ok {
		t.set(root, "event_id", t.stringNode(id))
		return
	}
	t.set(root, "event_id", t.stringNode(newEventID()))
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
func (t *tree) inferType(root *node) string {
	switch typ := t.text(t.get(root, "type")); typ {
	case "transaction", "feedback":
		return typ
	}
	for _, ex := range t.kids(t.get(t.get(root, "exception"), "values")) {
		if ex.kind == kindObject {
			return "error"
		}
	}
	for _, k := range [...]string{"csp", "hpkp", "expectct", "expectstaple", "nel"} {
		if t.get(root, k) != nil {
			return k
		}
	}
	return "default"
}

// parseLevel reads a level name, an alias or a Python logging number.
func parseLevel(n scalar) (string, bool) {
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

func (t *tree) normalizeLevel(root *node, typ string) {
	if lvl, ok := parseLevel(t.scalar(t.get(root, "level"))); ok {
		if cur := t.get(root, "level"); cur.kind != kindString || t.rawText(cur) != lvl {
			t.set(root, "level", t.stringNode(lvl))
		}
		return
	}
	if typ == "transaction" {
		t.set(root, "level", t.stringNode("info"))
		return
	}
	t.set(root, "level", t.stringNode("error"))
}

// validPlatforms is Relay's VALID_PLATFORMS.
var validPlatforms = map[string]bool{
	"as3": true, "c": true, "cfml": true, "cocoa": true, "csharp": true, "elixir": true,
	"haskell": true, "go": true, "groovy": true, "java": true, "javascript": true, "native": true,
	"node": true, "objc": true, "other": true, "perl": true, "php": true, "python": true, "ruby": true,
}

func (t *tree) normalizePlatform(root *node, fallback string) {
	if p := t.get(root, "platform"); p != nil && p.kind == kindString && validPlatforms[t.rawText(p)] {
		return
	}
	if !validPlatforms[fallback] {
		fallback = defaultEventPlatform
	}
	t.set(root, "platform", t.stringNode(fallback))
}

// normalizeLenient makes release, dist and environment trimmed strings; numbers and booleans are
// stringified like Relay's LenientString (booleans as Python spells them). Empty values go away.
func (t *tree) normalizeLenient(root *node, key string, isRelease bool) {
	v := t.get(root, key)
	if v == nil {
		return
	}
	var s string
	switch v.kind {
	case kindString:
		s = strings.TrimSpace(t.text(v))
		if len(s) == len(t.rawText(v)) && v.flags&strEscaped == 0 {
			if s != "" && (!isRelease || validRelease(s)) {
				return
			}
		}
	case kindNumber:
		s = t.rawText(v)
	case kindTrue:
		s = "True"
	case kindFalse:
		s = "False"
	case kindNull:
		t.del(root, key)
		return
	default:
		invalid := *v
		t.del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
		return
	}
	if s == "" {
		t.del(root, key)
		return
	}
	if isRelease && !validRelease(s) {
		invalid := *v
		t.del(root, key)
		t.addError(root, "invalid_data", key, &invalid)
		return
	}
	t.set(root, key, t.stringNode(s))
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
func (t *tree) normalizeTags(root *node) {
	var pairs []node
	dropped := 0
	seen := make(map[string]bool, 8)
	add := func(k string, v *node) {
		if v == nil || v.kind == kindNull || v.kind == kindObject || v.kind == kindArray {
			return
		}
		key := strings.TrimSpace(k)
		val := strings.TrimSpace(t.lenient(v))
		if key == "" || val == "" || len(key) > maxTagChars || len(val) > maxTagChars || reservedTags[key] || seen[key] {
			return
		}
		if len(pairs) == maxTags {
			dropped++
			return
		}
		seen[key] = true
		if key == "environment" {
			if t.get(root, "environment") == nil {
				t.set(root, "environment", t.stringNode(val))
			}
			return
		}
		pairs = append(pairs, t.arrayNode(t.stringNode(key), t.stringNode(val)))
	}
	tags := t.get(root, "tags")
	if tags != nil {
		switch tags.kind {
		case kindObject:
			kids := t.kids(tags)
			pairs = make([]node, 0, len(kids)+1)
			for i := range kids {
				add(t.name(&kids[i]), &kids[i])
			}
		case kindArray:
			kids := t.kids(tags)
			pairs = make([]node, 0, len(kids)+1)
			for i := range kids {
				if p := t.kids(&kids[i]); kids[i].kind == kindArray && len(p) == 2 && p[0].kind == kindString {
					add(t.text(&p[0]), &p[1])
				}
			}
		}
	}
	for _, k := range [...]string{"server_name", "site"} {
		v := t.get(root, k)
		if v == nil {
			continue
		}
		val := *v
		t.del(root, k)
		if s := strings.TrimSpace(t.lenient(&val)); s != "" && len(s) <= maxTagChars {
			for i := range pairs {
				if t.text(&t.kids(&pairs[i])[0]) == k {
					pairs = append(pairs[:i:i], pairs[i+1:]...)
					break
				}
			}
			pairs = append(pairs, t.arrayNode(t.stringNode(k), t.stringNode(s)))
		}
	}
	if dropped > 0 {
		t.noteTrim([]string{"tags"}, len(pairs)+dropped)
	}
	if tags == nil && len(pairs) == 0 {
		return
	}
	if len(pairs) == 0 {
		t.del(root, "tags")
		return
	}
	t.set(root, "tags", t.arrayNode(pairs...))
}

// autoIP is the placeholder SDKs send for "use the address you see me at".
const autoIP = "{{auto}}"

// autoIPPlatforms are the platforms for which Relay fills in the client address even when the
// SDK did not ask, because the client is the user's own device.
var autoIPPlatforms = map[string]bool{"javascript": true, "cocoa": true, "objc": true}

func (t *tree) normalizeIP(root *node, clientIP string) {
	if env := t.get(t.get(root, "request"), "env"); env != nil {
		if ra := t.get(env, "REMOTE_ADDR"); ra != nil && t.text(ra) == autoIP {
			if clientIP != "" {
				t.set(env, "REMOTE_ADDR", t.stringNode(clientIP))
			} else {
				t.del(env, "REMOTE_ADDR")
			}
		}
	}
	user := t.get(root, "user")
	if user != nil && user.kind != kindObject {
		return
	}
	ip := t.get(user, "ip_address")
	switch {
	case ip != nil && t.text(ip) == autoIP:
		if clientIP != "" {
			t.set(user, "ip_address", t.stringNode(clientIP))
		} else {
			t.del(user, "ip_address")
		}
		return
	case ip != nil && ip.kind != kindNull:
		return
	}
	if ra := t.get(t.get(t.get(root, "request"), "env"), "REMOTE_ADDR"); ra != nil && ra.kind == kindString && t.rawText(ra) != "" {
		t.setUserIP(root, *ra)
		return
	}
	if clientIP != "" && autoIPPlatforms[t.text(t.get(root, "platform"))] {
		t.setUserIP(root, t.stringNode(clientIP))
	}
}

func (t *tree) setUserIP(root *node, ip node) {
	if user := t.get(root, "user"); user != nil {
		t.set(user, "ip_address", ip)
		return
	}
	t.set(root, "user", t.objectNode(t.field("ip_address", ip)))
}

// knownContexts are the context types whose key names the type, so "type" can be filled in.
var knownContexts = map[string]bool{
	"device": true, "os": true, "runtime": true, "app": true, "browser": true, "gpu": true,
	"trace": true, "profile": true, "replay": true, "feedback": true, "monitor": true,
	"response": true, "otel": true, "cloud_resource": true, "nel": true, "state": true,
	"culture": true, "flags": true, "spring": true, "ota_updates": true, "performance_score": true,
}

func (t *tree) normalizeContexts(root *node) {
	ctx := t.get(root, "contexts")
	if ctx == nil || ctx.kind != kindObject {
		return
	}
	kids := t.kids(ctx)
	for i := range kids {
		m := &kids[i]
		if m.kind != kindObject || m.flags&keyEscaped != 0 || !knownContexts[t.keyText(m)] || t.get(m, "type") != nil {
			continue
		}
		t.set(m, "type", t.stringNode(t.keyText(m)))
	}
	t.computeContextFields(ctx)
	trace := t.get(ctx, "trace")
	if trace == nil || trace.kind != kindObject {
		return
	}
	if id := t.get(trace, "trace_id"); id != nil {
		if norm, ok := normalizeUUID(t.text(id)); ok && norm != t.rawText(id) {
			t.set(trace, "trace_id", t.stringNode(norm))
		}
	}
	for _, k := range [...]string{"span_id", "parent_span_id"} {
		if id := t.get(trace, k); id != nil && id.kind == kindString && len(t.rawText(id)) == 16 && isHex(t.rawText(id)) {
			if raw := t.rawText(id); strings.ToLower(raw) != raw {
				t.set(trace, k, t.stringNode(strings.ToLower(raw)))
			}
		}
	}
	if t.get(trace, "status") == nil {
		t.set(trace, "status", t.stringNode("unknown"))
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
func (t *tree) normalizeStacktraces(root *node) {
	exs := t.kids(t.get(t.get(root, "exception"), "values"))
	for i := range exs {
		ex := &exs[i]
		if ex.kind != kindObject {
			continue
		}
		if mech := t.get(ex, "mechanism"); mech != nil && mech.kind == kindObject && t.text(t.get(mech, "type")) == "" {
			t.set(mech, "type", t.stringNode("generic"))
		}
		t.normalizeFrames(t.get(ex, "stacktrace"))
		t.normalizeFrames(t.get(ex, "raw_stacktrace"))
	}
	ths := t.kids(t.get(t.get(root, "threads"), "values"))
	for i := range ths {
		t.normalizeFrames(t.get(&ths[i], "stacktrace"))
	}
	t.normalizeFrames(t.get(root, "stacktrace"))
}

func (t *tree) normalizeFrames(st *node) {
	frames := t.kids(t.get(st, "frames"))
	for i := range frames {
		f := &frames[i]
		if f.kind != kindObject {
			continue
		}
		// One pass finds what the frame needs: it runs for every frame of every event. It also
		// counts the context lines, for decode (tree.frameLines), which saves it a pass.
		var abs, filename *node
		numericAddr := false
		kids := t.kids(f)
		for j := range kids {
			switch m := &kids[j]; t.name(m) {
			case "abs_path":
				abs = m
			case "filename":
				filename = m
			case "instruction_addr", "symbol_addr", "image_addr":
				numericAddr = numericAddr || m.kind == kindNumber
			case "pre_context", "post_context":
				if m.kind == kindArray { // what decodeFrame reads (stringList)
					t.frameLines += int(m.kids.count)
				}
			}
		}
		// SDKs such as @sentry/node and @sentry/browser send only filename; Sentry reads the
		// frame's location (sourcemap lookup, debug images' code_file) from abs_path, so it is
		// filled from filename the way Sentry's frame normalization does.
		if !nonEmptyString(abs) && nonEmptyString(filename) {
			t.set(f, "abs_path", *filename)
		}
		if !numericAddr {
			continue
		}
		for _, k := range [...]string{"instruction_addr", "symbol_addr", "image_addr"} {
			if a := t.get(f, k); a != nil && a.kind == kindNumber {
				if v, ok := t.scalar(a).int(); ok && v >= 0 {
					t.set(f, k, t.stringNode(fmt.Sprintf("0x%x", v)))
				}
			}
		}
	}
}

// nonEmptyString reports whether t.text(n) != "": a string's text is empty only when its raw
// text is, as every escape stands for at least one byte.
func nonEmptyString(n *node) bool {
	return n != nil && n.kind == kindString && n.raw.len > 0
}

// normalizeTimestamps sets received, fills a missing timestamp, corrects clock drift and moves
// events from the far future or past to the received time, shifting every timestamp of the event
// by the same amount (Relay's clock_drift.rs and normalize_timestamps).
func (t *tree) normalizeTimestamps(root *node, opts *NormalizeOptions) {
	received := opts.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	received = received.UTC().Round(time.Microsecond)
	t.set(root, "received", t.numberNode(timestampText(received)))

	var shift time.Duration
	if !opts.SentAt.IsZero() {
		drift := received.Sub(opts.SentAt)
		if drift >= minClockDrift || drift <= -minClockDrift {
			shift = drift
			t.addError(root, "clock_drift", "", nil,
				t.field("sdk_time", t.stringNode(opts.SentAt.UTC().Format(time.RFC3339Nano))),
				t.field("server_time", t.stringNode(received.Format(time.RFC3339Nano))))
		}
	}

	tsNode := t.get(root, "timestamp")
	ts, ok := readTimestamp(t.scalar(tsNode))
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
		t.addError(root, errType, "timestamp", nil,
			t.field("sdk_time", t.stringNode(ts.Format(time.RFC3339Nano))),
			t.field("server_time", t.stringNode(received.Format(time.RFC3339Nano))))
		shift += received.Sub(ts)
		ts = received
		rewrite = true
	}
	if rewrite {
		t.set(root, "timestamp", t.numberNode(timestampText(ts)))
	}

	t.shiftTimestamp(root, "start_timestamp", shift)
	crumbs := t.kids(t.get(t.get(root, "breadcrumbs"), "values"))
	for i := range crumbs {
		if crumbs[i].kind == kindObject {
			t.shiftTimestamp(&crumbs[i], "timestamp", shift)
		}
	}
	if spans := t.get(root, "spans"); spans != nil && spans.kind == kindArray {
		kids := t.kids(spans)
		for i := range kids {
			if kids[i].kind == kindObject {
				t.shiftTimestamp(&kids[i], "start_timestamp", shift)
				t.shiftTimestamp(&kids[i], "timestamp", shift)
			}
		}
	}
}

// shiftTimestamp rewrites obj[key] as float epoch seconds moved by shift. A value that is no
// timestamp is dropped, as Relay drops invalid values.
func (t *tree) shiftTimestamp(obj *node, key string, shift time.Duration) {
	v := t.get(obj, key)
	if v == nil {
		return
	}
	ts, ok := readTimestamp(t.scalar(v))
	switch {
	case !ok:
		t.del(obj, key)
	case v.kind != kindNumber || shift != 0:
		t.set(obj, key, t.numberNode(timestampText(ts.Add(shift))))
	}
}

// addError appends a processing error {type, name?, value?, extra…} to the event's errors.
func (t *tree) addError(root *node, typ, name string, value *node, extra ...node) {
	e := make([]node, 0, 3+len(extra))
	e = append(e, t.field("type", t.stringNode(typ)))
	if name != "" {
		e = append(e, t.field("name", t.stringNode(name)))
	}
	if value != nil {
		e = append(e, t.field("value", *value))
	}
	e = append(e, extra...)
	errs := t.get(root, "errors")
	if errs == nil || errs.kind != kindArray {
		t.set(root, "errors", t.arrayNode(t.objectNode(e...)))
		return
	}
	t.push(errs, t.objectNode(e...))
}
