package event

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/jsontext"
)

// Decode returns the typed view of a normalized event (what Normalize returned, as stored). It
// reads the normalized shapes and tolerates the legacy ones, but it does not normalize: use
// Normalize for what SDKs send. The view's strings share one copy of normalized.
//
// It parses a tree and reads the view from it with the code Normalize uses, so that one key
// switch serves both. Reading the view straight from the text instead, as Decode did before
// (jsontext.Reader, no tree), cost 33 allocations and 22.0 KB per reference event against 13
// and 20.0 KB this way, and 2.4% more instructions (BenchmarkDecode, callgrind with GOGC=off):
// writing ~500 nodes into a pooled tree costs less than a closure call per value.
func Decode(normalized []byte) (*Event, error) {
	t := treePool.Get().(*tree)
	defer t.release()
	if err := t.parse(string(normalized), maxStoredDepth); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if root := t.Root(); root.Kind() != jsontext.Object {
		return nil, fmt.Errorf("decode event: event is not a JSON object (found %s)", kindName(root.Kind()))
	}
	return t.decode(t.Root()), nil
}

// eventFields are the values of the event keys the typed view reads, found in one pass over
// the event's members (the last of a repeated key counts, as in get).
type eventFields struct {
	eventID, typ, platform, logger, release, dist, environment, serverName, transaction,
	culprit, timestamp, received, level, logEntry, message, exception, threads, stacktrace,
	fingerprint, tags, user, request, sdk, contexts, debugMeta, checksum *jsontext.Node
	// security is the last of the csp, hpkp, expectct and expectstaple members.
	security *jsontext.Node
	template *jsontext.Node
	// errors is not part of the view; whether the event has it is (Event.noErrors).
	errors *jsontext.Node
}

func (t *tree) eventFields(root *jsontext.Node) (f eventFields) {
	kids := t.Kids(root)
	for i := range kids {
		m := &kids[i]
		switch t.Name(m) {
		case "event_id":
			f.eventID = m
		case "type":
			f.typ = m
		case "platform":
			f.platform = m
		case "logger":
			f.logger = m
		case "release":
			f.release = m
		case "dist":
			f.dist = m
		case "environment":
			f.environment = m
		case "server_name":
			f.serverName = m
		case "transaction":
			f.transaction = m
		case "culprit":
			f.culprit = m
		case "timestamp":
			f.timestamp = m
		case "received":
			f.received = m
		case "level":
			f.level = m
		case "logentry":
			f.logEntry = m
		case "message":
			f.message = m
		case "exception":
			f.exception = m
		case "threads":
			f.threads = m
		case "stacktrace":
			f.stacktrace = m
		case "fingerprint":
			f.fingerprint = m
		case "tags":
			f.tags = m
		case "user":
			f.user = m
		case "request":
			f.request = m
		case "sdk":
			f.sdk = m
		case "contexts":
			f.contexts = m
		case "debug_meta":
			f.debugMeta = m
		case "checksum":
			f.checksum = m
		case "csp", "hpkp", "expectct", "expectstaple":
			f.security = m
		case "template":
			f.template = m
		case "errors":
			f.errors = m
		}
	}
	return
}

// decode builds the typed view of the event object root. Strings point into the parsed text, so
// the view costs little beyond its slices.
func (t *tree) decode(root *jsontext.Node) *Event {
	f := t.eventFields(root)
	ev := &Event{
		slabs:       t.slabs,
		EventID:     t.Text(f.eventID),
		Type:        t.Text(f.typ),
		Platform:    t.Text(f.platform),
		Logger:      t.Text(f.logger),
		Release:     t.Lenient(f.release),
		Dist:        t.Lenient(f.dist),
		Environment: t.Lenient(f.environment),
		ServerName:  t.Lenient(f.serverName),
		Transaction: t.Lenient(f.transaction),
		Culprit:     t.Lenient(f.culprit),
		Checksum:    t.Lenient(f.checksum),
		noErrors:    f.errors == nil,
	}
	if n := f.template; n != nil && n.Kind() == jsontext.Object {
		ev.Template = &Template{
			Filename:    t.Lenient(t.Get(n, "filename")),
			AbsPath:     t.Lenient(t.Get(n, "abs_path")),
			ContextLine: t.Lenient(t.Get(n, "context_line")),
		}
		if l, ok := t.Scalar(t.Get(n, "lineno")).Int(); ok {
			ev.Template.Lineno = int(l)
		}
	}
	if n := f.security; n != nil && n.Kind() == jsontext.Object {
		ev.Security = &SecurityReport{
			Kind:               t.Name(n),
			Hostname:           t.Lenient(t.Get(n, "hostname")),
			BlockedURI:         t.Lenient(t.Get(n, "blocked_uri")),
			ViolatedDirective:  t.Lenient(t.Get(n, "violated_directive")),
			EffectiveDirective: t.Lenient(t.Get(n, "effective_directive")),
			DocumentURI:        t.Lenient(t.Get(n, "document_uri")),
		}
	}
	ev.Timestamp, _ = readTimestamp(t.Scalar(f.timestamp))
	ev.Received, _ = readTimestamp(t.Scalar(f.received))
	ev.Level, _ = parseLevel(t.Scalar(f.level))
	ev.LogEntry = t.decodeLogEntry(f.logEntry)
	if ev.LogEntry == nil {
		ev.LogEntry = t.decodeLogEntry(f.message)
	}
	var lines []string // the frames' context lines, when normalization counted them
	if t.frameLines > 0 {
		lines = t.lineBacking(t.frameLines)
	}
	exs := t.values(f.exception)
	for i := range exs {
		if ex := &exs[i]; ex.Kind() == jsontext.Object {
			ev.Exceptions = append(ev.Exceptions, t.decodeException(ex, &lines))
		}
	}
	ths := t.values(f.threads)
	for i := range ths {
		if th := &ths[i]; th.Kind() == jsontext.Object {
			ev.Threads = append(ev.Threads, Thread{
				ID:         t.Lenient(t.Get(th, "id")),
				Name:       t.Lenient(t.Get(th, "name")),
				Crashed:    flag(t.Get(th, "crashed")),
				Current:    flag(t.Get(th, "current")),
				Main:       flag(t.Get(th, "main")),
				Stacktrace: t.decodeStacktrace(t.Get(th, "stacktrace"), &lines),
			})
		}
	}
	ev.Stacktrace = t.decodeStacktrace(f.stacktrace, &lines)
	if fp := f.fingerprint; fp != nil && fp.Kind() == jsontext.Array {
		kids := t.Kids(fp)
		ev.Fingerprint = make([]string, 0, len(kids))
		for i := range kids {
			if kids[i].Kind() != jsontext.Null {
				ev.Fingerprint = append(ev.Fingerprint, t.Lenient(&kids[i]))
			}
		}
	}
	ev.Tags = t.decodeTags(f.tags)
	if ev.ServerName == "" {
		for _, tg := range ev.Tags {
			if tg.Key == "server_name" {
				ev.ServerName = tg.Value
			}
		}
	}
	if u := f.user; u != nil && u.Kind() == jsontext.Object {
		ev.User = &User{
			ID:        t.Lenient(t.Get(u, "id")),
			Email:     t.Lenient(t.Get(u, "email")),
			IPAddress: t.Lenient(t.Get(u, "ip_address")),
			Username:  t.Lenient(t.Get(u, "username")),
			Name:      t.Lenient(t.Get(u, "name")),
		}
	}
	if r := f.request; r != nil && r.Kind() == jsontext.Object {
		ev.Request = &Request{Method: t.Lenient(t.Get(r, "method")), URL: t.Lenient(t.Get(r, "url"))}
	}
	if s := f.sdk; s != nil && s.Kind() == jsontext.Object {
		ev.SDK = &SDK{Name: t.Lenient(t.Get(s, "name")), Version: t.Lenient(t.Get(s, "version"))}
	}
	if tr := t.Get(f.contexts, "trace"); tr != nil && tr.Kind() == jsontext.Object {
		ev.Trace = TraceContext{
			TraceID:      hexID(t.Scalar(t.Get(tr, "trace_id")), 32),
			SpanID:       hexID(t.Scalar(t.Get(tr, "span_id")), 16),
			ParentSpanID: hexID(t.Scalar(t.Get(tr, "parent_span_id")), 16),
			Op:           t.Lenient(t.Get(tr, "op")),
			Status:       t.Lenient(t.Get(tr, "status")),
		}
	}
	if imgs := t.Get(f.debugMeta, "images"); imgs != nil && imgs.Kind() == jsontext.Array {
		kids := t.Kids(imgs)
		for i := range kids {
			img := &kids[i]
			if img.Kind() != jsontext.Object {
				continue
			}
			size, _ := t.Scalar(t.Get(img, "image_size")).Int()
			ev.DebugImages = append(ev.DebugImages, DebugImage{
				Type:      t.Lenient(t.Get(img, "type")),
				CodeFile:  t.Lenient(t.Get(img, "code_file")),
				DebugID:   t.Lenient(t.Get(img, "debug_id")),
				ImageAddr: address(t.Scalar(t.Get(img, "image_addr"))),
				ImageSize: uint64(max(size, 0)),
				DebugFile: t.Lenient(t.Get(img, "debug_file")),
				CodeID:    t.Lenient(t.Get(img, "code_id")),
				Arch:      t.Lenient(t.Get(img, "arch")),
			})
		}
	}
	return ev
}

// values returns the list of a Values container in any of its shapes.
func (t *tree) values(n *jsontext.Node) []jsontext.Node {
	if n == nil {
		return nil
	}
	switch n.Kind() {
	case jsontext.Array:
		return t.Kids(n)
	case jsontext.Object:
		if v := t.Get(n, "values"); v != nil {
			if v.Kind() == jsontext.Array {
				return t.Kids(v)
			}
			return nil
		}
		if n.Len() > 0 {
			return []jsontext.Node{*n}
		}
	}
	return nil
}

func flag(n *jsontext.Node) bool {
	b, _ := n.Bool()
	return b
}

func (t *tree) decodeLogEntry(n *jsontext.Node) *LogEntry {
	if n == nil {
		return nil
	}
	switch n.Kind() {
	case jsontext.String:
		return &LogEntry{Formatted: t.Text(n)}
	case jsontext.Object:
		le := &LogEntry{Formatted: t.Lenient(t.Get(n, "formatted")), Message: t.Lenient(t.Get(n, "message"))}
		if le.Formatted == "" {
			le.Formatted = le.Message
		}
		if ps := t.Get(n, "params"); ps != nil && ps.Kind() == jsontext.Array {
			kids := t.Kids(ps)
			le.Params = make([]string, len(kids))
			for i := range kids {
				le.Params[i] = t.Lenient(&kids[i])
			}
		}
		return le
	}
	return nil
}

func (t *tree) decodeException(n *jsontext.Node, lines *[]string) Exception {
	ex := Exception{
		Type:          t.Lenient(t.Get(n, "type")),
		Value:         t.Lenient(t.Get(n, "value")),
		Module:        t.Lenient(t.Get(n, "module")),
		ThreadID:      t.Lenient(t.Get(n, "thread_id")),
		Stacktrace:    t.decodeStacktrace(t.Get(n, "stacktrace"), lines),
		RawStacktrace: t.decodeStacktrace(t.Get(n, "raw_stacktrace"), lines),
	}
	if m := t.Get(n, "mechanism"); m != nil && m.Kind() == jsontext.Object {
		mech := &Mechanism{
			Type:             t.Lenient(t.Get(m, "type")),
			Synthetic:        flag(t.Get(m, "synthetic")),
			Source:           t.Lenient(t.Get(m, "source")),
			IsExceptionGroup: flag(t.Get(m, "is_exception_group")),
		}
		if h, ok := t.Get(m, "handled").Bool(); ok {
			mech.Handled = &h
		}
		if id, ok := t.Scalar(t.Get(m, "exception_id")).Int(); ok {
			v := int(id)
			mech.ExceptionID = &v
		}
		if id, ok := t.Scalar(t.Get(m, "parent_id")).Int(); ok {
			v := int(id)
			mech.ParentID = &v
		}
		if ns := t.Get(t.Get(m, "meta"), "ns_error"); ns != nil && ns.Kind() == jsontext.Object {
			mech.NSError = &NSError{Domain: t.Lenient(t.Get(ns, "domain"))}
			mech.NSError.Code, _ = t.Scalar(t.Get(ns, "code")).Int()
		}
		ex.Mechanism = mech
	}
	return ex
}

// decodeStacktrace reads a stack trace. Its frames' context lines go to *eventLines when
// normalization counted them (tree.frameLines), else to a list of this stack trace's.
func (t *tree) decodeStacktrace(n *jsontext.Node, eventLines *[]string) *Stacktrace {
	frames := t.Get(n, "frames")
	if frames == nil || frames.Kind() != jsontext.Array {
		return nil
	}
	kids := t.Kids(frames)
	count := 0
	for i := range kids {
		if kids[i].Kind() == jsontext.Object {
			count++
		}
	}
	// Frames are filled in place: building one and appending it copied 300 bytes per frame. The
	// frames' context lines share one backing list of the exact size.
	st := &Stacktrace{Frames: t.frames(count)}
	lines := eventLines
	var own []string
	if t.frameLines == 0 {
		lineCount := 0
		for i := range kids {
			if kids[i].Kind() == jsontext.Object {
				lineCount += t.contextLines(&kids[i])
			}
		}
		if lineCount > 0 {
			own = make([]string, 0, lineCount)
		}
		lines = &own
	}
	j := 0
	for i := range kids {
		if f := &kids[i]; f.Kind() == jsontext.Object {
			t.decodeFrame(&st.Frames[j], f, lines)
			j++
		}
	}
	ownInApp(st.Frames)
	return st
}

// decodeFrame points a frame's InApp at inAppTrue or inAppFalse; ownInApp then gives each such
// frame a bool of its own, all in one allocation rather than one per frame.
var inAppTrue, inAppFalse = true, false

func ownInApp(frames []Frame) {
	var values []bool
	for i := range frames {
		if f := &frames[i]; f.InApp != nil {
			if values == nil {
				values = make([]bool, len(frames))
			}
			values[i] = *f.InApp
			f.InApp = &values[i]
		}
	}
}

// contextLines counts the elements of a frame's pre_context and post_context lists.
func (t *tree) contextLines(frame *jsontext.Node) int {
	n := 0
	kids := t.Kids(frame)
	for i := range kids {
		if m := &kids[i]; m.Kind() == jsontext.Array {
			if name := t.Name(m); name == "pre_context" || name == "post_context" {
				n += m.Len()
			}
		}
	}
	return n
}

func (t *tree) decodeFrame(f *Frame, n *jsontext.Node, lines *[]string) {
	kids := t.Kids(n)
	for i := range kids {
		v := &kids[i]
		switch t.Name(v) {
		case "filename":
			f.Filename = t.Lenient(v)
		case "abs_path":
			f.AbsPath = t.Lenient(v)
		case "function":
			f.Function = t.Lenient(v)
		case "raw_function":
			f.RawFunction = t.Lenient(v)
		case "symbol":
			f.Symbol = t.Lenient(v)
		case "module":
			f.Module = t.Lenient(v)
		case "package":
			f.Package = t.Lenient(v)
		case "platform":
			f.Platform = t.Lenient(v)
		case "lineno":
			if l, ok := t.Scalar(v).Int(); ok && l > 0 && l <= 1<<31 {
				f.Lineno = int(l)
			}
		case "colno":
			if c, ok := t.Scalar(v).Int(); ok && c > 0 && c <= 1<<31 {
				f.Colno = int(c)
			}
		case "in_app":
			if b, ok := v.Bool(); ok {
				f.InApp = &inAppFalse // given a bool of its own by ownInApp
				if b {
					f.InApp = &inAppTrue
				}
			}
		case "context_line":
			f.ContextLine = t.Lenient(v)
		case "pre_context":
			f.PreContext = t.stringList(v, lines)
		case "post_context":
			f.PostContext = t.stringList(v, lines)
		case "instruction_addr":
			f.InstructionAddr = address(t.Scalar(v))
		case "symbol_addr":
			f.SymbolAddr = address(t.Scalar(v))
		case "image_addr":
			f.ImageAddr = address(t.Scalar(v))
		case "trust":
			f.Trust = t.Lenient(v)
		case "data":
			if v.Kind() == jsontext.Object {
				f.Data = string(t.AppendJSON(nil, v))
			}
		}
	}
}

// stringList reads a list of lenient strings into the tail of *backing, which has room for
// them (tree.frameLines, contextLines), so that context lines share one allocation.
func (t *tree) stringList(n *jsontext.Node, backing *[]string) []string {
	if n.Kind() != jsontext.Array {
		return nil
	}
	kids := t.Kids(n)
	if len(kids) == 0 {
		return []string{} // an empty list reads as empty, not absent, as in Decode
	}
	// The backing has room, so the list is written in place rather than appended to it.
	lines := slices.Grow(*backing, len(kids))
	start, end := len(lines), len(lines)+len(kids)
	list := lines[start:end:end]
	list = list[:len(kids)]
	for i := range kids {
		// Lenient's common case, a string without escapes, inlined: Lenient is not.
		if s, ok := t.Plain(&kids[i]); ok {
			list[i] = s
		} else {
			list[i] = t.Lenient(&kids[i])
		}
	}
	*backing = lines[:end]
	return list
}

// address reads a frame or image address: a "0x…" string or an integer.
func address(n jsontext.Scalar) string {
	if n.Kind == jsontext.Number {
		if v, ok := n.Int(); ok && v >= 0 {
			return "0x" + strconv.FormatInt(v, 16)
		}
		return ""
	}
	return n.Text()
}

// hexID returns a trace or span id as lowercase hex of the given length, or "" when it is not
// one; trace ids may come in UUID form.
func hexID(n jsontext.Scalar, length int) string {
	s := n.Text()
	if length == 32 {
		id, _ := normalizeUUID(s)
		return id
	}
	if len(s) != length || !isHex(s) {
		return ""
	}
	return strings.ToLower(s)
}

func (t *tree) decodeTags(n *jsontext.Node) []Tag {
	if n == nil {
		return nil
	}
	var set tagSet
	kids := t.Kids(n)
	switch n.Kind() {
	case jsontext.Array:
		set.tags = make([]Tag, 0, len(kids))
		for i := range kids {
			if p := t.Kids(&kids[i]); kids[i].Kind() == jsontext.Array && len(p) == 2 {
				set.add(t.Lenient(&p[0]), t.Scalar(&p[1]))
			}
		}
	case jsontext.Object:
		set.tags = make([]Tag, 0, len(kids))
		for i := range kids {
			set.add(t.Name(&kids[i]), t.Scalar(&kids[i]))
		}
	}
	return set.tags
}

// tagSet collects tags in order and keeps the first value of a key (Relay's dedup); null and
// structured values are not tags. A short list is searched; a map takes over past 16 tags.
type tagSet struct {
	tags []Tag
	seen map[string]bool
}

func (s *tagSet) add(k string, v jsontext.Scalar) {
	if v.Kind == jsontext.Null || v.Kind == jsontext.Object || v.Kind == jsontext.Array {
		return
	}
	if s.seen != nil {
		if s.seen[k] {
			return
		}
		s.seen[k] = true
	} else {
		for _, t := range s.tags {
			if t.Key == k {
				return
			}
		}
		if len(s.tags) == 16 {
			s.seen = make(map[string]bool, 64)
			for _, t := range s.tags {
				s.seen[t.Key] = true
			}
			s.seen[k] = true
		}
	}
	s.tags = append(s.tags, Tag{Key: k, Value: v.Lenient()})
}
