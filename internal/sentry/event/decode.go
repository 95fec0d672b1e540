package event

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Decode returns the typed view of a normalized event (what Normalize returned, as stored). It
// reads the normalized shapes and tolerates the legacy ones, but it does not normalize: use
// Normalize for what SDKs send.
func Decode(normalized []byte) (*Event, error) {
	ev, err := decodeText(string(normalized))
	if err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	return ev, nil
}

// decodeText reads the typed view of an event; the view's strings share s.
func decodeText(s string) (*Event, error) {
	p := newReader(s)
	if p.peek() != '{' {
		n, ok := p.scalar()
		if !ok {
			return nil, p.err
		}
		return nil, fmt.Errorf("event is not a JSON object (found %s)", kindName(n.kind))
	}
	ev, err := p.readEvent()
	if err != nil {
		return nil, err
	}
	if p.skipWS(); p.pos < len(p.s) {
		p.fail("unexpected %s after the document", describeByte(p.s[p.pos]))
		return nil, p.err
	}
	return ev, nil
}

// eventFields are the values of the event keys the typed view reads, found in one pass over
// the event's members (the last of a repeated key counts, as in get).
type eventFields struct {
	eventID, typ, platform, logger, release, dist, environment, serverName, transaction,
	culprit, timestamp, received, level, logEntry, message, exception, threads, stacktrace,
	fingerprint, tags, user, request, sdk, contexts, debugMeta, checksum *node
	// security is the last of the csp, hpkp, expectct and expectstaple members.
	security *node
	template *node
}

func (t *tree) eventFields(root *node) (f eventFields) {
	kids := t.kids(root)
	for i := range kids {
		m := &kids[i]
		switch t.name(m) {
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
		}
	}
	return
}

// decode builds the typed view of the event object root. Strings point into the parsed text, so
// the view costs little beyond its slices.
func (t *tree) decode(root *node) *Event {
	f := t.eventFields(root)
	ev := &Event{
		EventID:     t.text(f.eventID),
		Type:        t.text(f.typ),
		Platform:    t.text(f.platform),
		Logger:      t.text(f.logger),
		Release:     t.lenient(f.release),
		Dist:        t.lenient(f.dist),
		Environment: t.lenient(f.environment),
		ServerName:  t.lenient(f.serverName),
		Transaction: t.lenient(f.transaction),
		Culprit:     t.lenient(f.culprit),
		Checksum:    t.lenient(f.checksum),
	}
	if n := f.template; n != nil && n.kind == kindObject {
		ev.Template = &Template{
			Filename:    t.lenient(t.get(n, "filename")),
			AbsPath:     t.lenient(t.get(n, "abs_path")),
			ContextLine: t.lenient(t.get(n, "context_line")),
		}
		if l, ok := t.scalar(t.get(n, "lineno")).int(); ok {
			ev.Template.Lineno = int(l)
		}
	}
	if n := f.security; n != nil && n.kind == kindObject {
		ev.Security = &SecurityReport{
			Kind:               t.name(n),
			Hostname:           t.lenient(t.get(n, "hostname")),
			BlockedURI:         t.lenient(t.get(n, "blocked_uri")),
			ViolatedDirective:  t.lenient(t.get(n, "violated_directive")),
			EffectiveDirective: t.lenient(t.get(n, "effective_directive")),
			DocumentURI:        t.lenient(t.get(n, "document_uri")),
		}
	}
	ev.Timestamp, _ = readTimestamp(t.scalar(f.timestamp))
	ev.Received, _ = readTimestamp(t.scalar(f.received))
	ev.Level, _ = parseLevel(t.scalar(f.level))
	ev.LogEntry = t.decodeLogEntry(f.logEntry)
	if ev.LogEntry == nil {
		ev.LogEntry = t.decodeLogEntry(f.message)
	}
	var lines []string // the frames' context lines, when normalization counted them
	if t.frameLines > 0 {
		lines = make([]string, 0, t.frameLines)
	}
	exs := t.values(f.exception)
	for i := range exs {
		if ex := &exs[i]; ex.kind == kindObject {
			ev.Exceptions = append(ev.Exceptions, t.decodeException(ex, &lines))
		}
	}
	ths := t.values(f.threads)
	for i := range ths {
		if th := &ths[i]; th.kind == kindObject {
			ev.Threads = append(ev.Threads, Thread{
				ID:         t.lenient(t.get(th, "id")),
				Name:       t.lenient(t.get(th, "name")),
				Crashed:    flag(t.get(th, "crashed")),
				Current:    flag(t.get(th, "current")),
				Main:       flag(t.get(th, "main")),
				Stacktrace: t.decodeStacktrace(t.get(th, "stacktrace"), &lines),
			})
		}
	}
	ev.Stacktrace = t.decodeStacktrace(f.stacktrace, &lines)
	if fp := f.fingerprint; fp != nil && fp.kind == kindArray {
		kids := t.kids(fp)
		ev.Fingerprint = make([]string, 0, len(kids))
		for i := range kids {
			if kids[i].kind != kindNull {
				ev.Fingerprint = append(ev.Fingerprint, t.lenient(&kids[i]))
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
	if u := f.user; u != nil && u.kind == kindObject {
		ev.User = &User{
			ID:        t.lenient(t.get(u, "id")),
			Email:     t.lenient(t.get(u, "email")),
			IPAddress: t.lenient(t.get(u, "ip_address")),
			Username:  t.lenient(t.get(u, "username")),
			Name:      t.lenient(t.get(u, "name")),
		}
	}
	if r := f.request; r != nil && r.kind == kindObject {
		ev.Request = &Request{Method: t.lenient(t.get(r, "method")), URL: t.lenient(t.get(r, "url"))}
	}
	if s := f.sdk; s != nil && s.kind == kindObject {
		ev.SDK = &SDK{Name: t.lenient(t.get(s, "name")), Version: t.lenient(t.get(s, "version"))}
	}
	if tr := t.get(f.contexts, "trace"); tr != nil && tr.kind == kindObject {
		ev.Trace = TraceContext{
			TraceID:      hexID(t.scalar(t.get(tr, "trace_id")), 32),
			SpanID:       hexID(t.scalar(t.get(tr, "span_id")), 16),
			ParentSpanID: hexID(t.scalar(t.get(tr, "parent_span_id")), 16),
			Op:           t.lenient(t.get(tr, "op")),
			Status:       t.lenient(t.get(tr, "status")),
		}
	}
	if imgs := t.get(f.debugMeta, "images"); imgs != nil && imgs.kind == kindArray {
		kids := t.kids(imgs)
		for i := range kids {
			img := &kids[i]
			if img.kind != kindObject {
				continue
			}
			size, _ := t.scalar(t.get(img, "image_size")).int()
			ev.DebugImages = append(ev.DebugImages, DebugImage{
				Type:      t.lenient(t.get(img, "type")),
				CodeFile:  t.lenient(t.get(img, "code_file")),
				DebugID:   t.lenient(t.get(img, "debug_id")),
				ImageAddr: address(t.scalar(t.get(img, "image_addr"))),
				ImageSize: uint64(max(size, 0)),
				DebugFile: t.lenient(t.get(img, "debug_file")),
				CodeID:    t.lenient(t.get(img, "code_id")),
				Arch:      t.lenient(t.get(img, "arch")),
			})
		}
	}
	return ev
}

// values returns the list of a Values container in any of its shapes.
func (t *tree) values(n *node) []node {
	if n == nil {
		return nil
	}
	switch n.kind {
	case kindArray:
		return t.kids(n)
	case kindObject:
		if v := t.get(n, "values"); v != nil {
			if v.kind == kindArray {
				return t.kids(v)
			}
			return nil
		}
		if n.kids.count > 0 {
			return []node{*n}
		}
	}
	return nil
}

func flag(n *node) bool {
	b, _ := n.boolean()
	return b
}

func (t *tree) decodeLogEntry(n *node) *LogEntry {
	if n == nil {
		return nil
	}
	switch n.kind {
	case kindString:
		return &LogEntry{Formatted: t.text(n)}
	case kindObject:
		le := &LogEntry{Formatted: t.lenient(t.get(n, "formatted")), Message: t.lenient(t.get(n, "message"))}
		if le.Formatted == "" {
			le.Formatted = le.Message
		}
		if ps := t.get(n, "params"); ps != nil && ps.kind == kindArray {
			kids := t.kids(ps)
			le.Params = make([]string, len(kids))
			for i := range kids {
				le.Params[i] = t.lenient(&kids[i])
			}
		}
		return le
	}
	return nil
}

func (t *tree) decodeException(n *node, lines *[]string) Exception {
	ex := Exception{
		Type:          t.lenient(t.get(n, "type")),
		Value:         t.lenient(t.get(n, "value")),
		Module:        t.lenient(t.get(n, "module")),
		ThreadID:      t.lenient(t.get(n, "thread_id")),
		Stacktrace:    t.decodeStacktrace(t.get(n, "stacktrace"), lines),
		RawStacktrace: t.decodeStacktrace(t.get(n, "raw_stacktrace"), lines),
	}
	if m := t.get(n, "mechanism"); m != nil && m.kind == kindObject {
		mech := &Mechanism{
			Type:             t.lenient(t.get(m, "type")),
			Synthetic:        flag(t.get(m, "synthetic")),
			Source:           t.lenient(t.get(m, "source")),
			IsExceptionGroup: flag(t.get(m, "is_exception_group")),
		}
		if h, ok := t.get(m, "handled").boolean(); ok {
			mech.Handled = &h
		}
		if id, ok := t.scalar(t.get(m, "exception_id")).int(); ok {
			v := int(id)
			mech.ExceptionID = &v
		}
		if id, ok := t.scalar(t.get(m, "parent_id")).int(); ok {
			v := int(id)
			mech.ParentID = &v
		}
		if ns := t.get(t.get(m, "meta"), "ns_error"); ns != nil && ns.kind == kindObject {
			mech.NSError = &NSError{Domain: t.lenient(t.get(ns, "domain"))}
			mech.NSError.Code, _ = t.scalar(t.get(ns, "code")).int()
		}
		ex.Mechanism = mech
	}
	return ex
}

// decodeStacktrace reads a stack trace. Its frames' context lines go to *eventLines when
// normalization counted them (tree.frameLines), else to a list of this stack trace's.
func (t *tree) decodeStacktrace(n *node, eventLines *[]string) *Stacktrace {
	frames := t.get(n, "frames")
	if frames == nil || frames.kind != kindArray {
		return nil
	}
	kids := t.kids(frames)
	count := 0
	for i := range kids {
		if kids[i].kind == kindObject {
			count++
		}
	}
	// Frames are filled in place: building one and appending it copied 300 bytes per frame. The
	// frames' context lines share one backing list of the exact size.
	st := &Stacktrace{Frames: make([]Frame, count)}
	lines := eventLines
	var own []string
	if t.frameLines == 0 {
		lineCount := 0
		for i := range kids {
			if kids[i].kind == kindObject {
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
		if f := &kids[i]; f.kind == kindObject {
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
func (t *tree) contextLines(frame *node) int {
	n := 0
	kids := t.kids(frame)
	for i := range kids {
		if m := &kids[i]; m.kind == kindArray {
			if name := t.name(m); name == "pre_context" || name == "post_context" {
				n += int(m.kids.count)
			}
		}
	}
	return n
}

func (t *tree) decodeFrame(f *Frame, n *node, lines *[]string) {
	kids := t.kids(n)
	for i := range kids {
		v := &kids[i]
		switch t.name(v) {
		case "filename":
			f.Filename = t.lenient(v)
		case "abs_path":
			f.AbsPath = t.lenient(v)
		case "function":
			f.Function = t.lenient(v)
		case "raw_function":
			f.RawFunction = t.lenient(v)
		case "symbol":
			f.Symbol = t.lenient(v)
		case "module":
			f.Module = t.lenient(v)
		case "package":
			f.Package = t.lenient(v)
		case "platform":
			f.Platform = t.lenient(v)
		case "lineno":
			if l, ok := t.scalar(v).int(); ok && l > 0 && l <= 1<<31 {
				f.Lineno = int(l)
			}
		case "colno":
			if c, ok := t.scalar(v).int(); ok && c > 0 && c <= 1<<31 {
				f.Colno = int(c)
			}
		case "in_app":
			if b, ok := v.boolean(); ok {
				f.InApp = &inAppFalse // given a bool of its own by ownInApp
				if b {
					f.InApp = &inAppTrue
				}
			}
		case "context_line":
			f.ContextLine = t.lenient(v)
		case "pre_context":
			f.PreContext = t.stringList(v, lines)
		case "post_context":
			f.PostContext = t.stringList(v, lines)
		case "instruction_addr":
			f.InstructionAddr = address(t.scalar(v))
		case "symbol_addr":
			f.SymbolAddr = address(t.scalar(v))
		case "image_addr":
			f.ImageAddr = address(t.scalar(v))
		case "trust":
			f.Trust = t.lenient(v)
		case "data":
			if v.kind == kindObject {
				f.Data = string(t.appendJSON(nil, v))
			}
		}
	}
}

// stringList reads a list of lenient strings into the tail of *backing, which has room for
// them (tree.frameLines, contextLines), so that context lines share one allocation.
func (t *tree) stringList(n *node, backing *[]string) []string {
	if n.kind != kindArray {
		return nil
	}
	kids := t.kids(n)
	if len(kids) == 0 {
		return []string{} // an empty list reads as empty, not absent, as in Decode
	}
	// The backing has room, so the list is written in place rather than appended to it.
	lines := slices.Grow(*backing, len(kids))
	start, end := len(lines), len(lines)+len(kids)
	list := lines[start:end:end]
	list = list[:len(kids)]
	for i, v := range kids {
		// lenient's common case, a string without escapes, written out: lenient is not inlined.
		if v.kind == kindString && v.flags&(strEscaped|rawOwned) == 0 {
			list[i] = t.src[v.raw.off:][:v.raw.len]
		} else {
			list[i] = t.lenient(&kids[i])
		}
	}
	*backing = lines[:end]
	return list
}

// address reads a frame or image address: a "0x…" string or an integer.
func address(n scalar) string {
	if n.kind == kindNumber {
		if v, ok := n.int(); ok && v >= 0 {
			return "0x" + strconv.FormatInt(v, 16)
		}
		return ""
	}
	return n.text()
}

// hexID returns a trace or span id as lowercase hex of the given length, or "" when it is not
// one; trace ids may come in UUID form.
func hexID(n scalar, length int) string {
	s := n.text()
	if length == 32 {
		id, _ := normalizeUUID(s)
		return id
	}
	if len(s) != length || !isHex(s) {
		return ""
	}
	return strings.ToLower(s)
}

func (t *tree) decodeTags(n *node) []Tag {
	if n == nil {
		return nil
	}
	var set tagSet
	kids := t.kids(n)
	switch n.kind {
	case kindArray:
		set.tags = make([]Tag, 0, len(kids))
		for i := range kids {
			if p := t.kids(&kids[i]); kids[i].kind == kindArray && len(p) == 2 {
				set.add(t.lenient(&p[0]), t.scalar(&p[1]))
			}
		}
	case kindObject:
		set.tags = make([]Tag, 0, len(kids))
		for i := range kids {
			set.add(t.name(&kids[i]), t.scalar(&kids[i]))
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

func (s *tagSet) add(k string, v scalar) {
	if v.kind == kindNull || v.kind == kindObject || v.kind == kindArray {
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
	s.tags = append(s.tags, Tag{Key: k, Value: v.lenient()})
}
