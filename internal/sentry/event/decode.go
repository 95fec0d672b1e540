package event

import (
	"fmt"
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

// decodeTree builds the typed view. Strings point into the parsed text, so the view costs
// little beyond its slices.
func decodeTree(root *node) *Event {
	ev := &Event{
		EventID:     root.get("event_id").text(),
		Type:        root.get("type").text(),
		Platform:    root.get("platform").text(),
		Logger:      root.get("logger").text(),
		Release:     root.get("release").lenient(),
		Dist:        root.get("dist").lenient(),
		Environment: root.get("environment").lenient(),
		ServerName:  root.get("server_name").lenient(),
		Transaction: root.get("transaction").lenient(),
		Culprit:     root.get("culprit").lenient(),
	}
	ev.Timestamp, _ = readTimestamp(root.get("timestamp"))
	ev.Received, _ = readTimestamp(root.get("received"))
	ev.Level, _ = parseLevel(root.get("level"))
	ev.LogEntry = decodeLogEntry(root.get("logentry"))
	if ev.LogEntry == nil {
		ev.LogEntry = decodeLogEntry(root.get("message"))
	}
	exs := values(root.get("exception"))
	for i := range exs {
		if ex := &exs[i].val; ex.kind == kindObject {
			ev.Exceptions = append(ev.Exceptions, decodeException(ex))
		}
	}
	ths := values(root.get("threads"))
	for i := range ths {
		if th := &ths[i].val; th.kind == kindObject {
			ev.Threads = append(ev.Threads, Thread{
				ID:         th.get("id").lenient(),
				Name:       th.get("name").lenient(),
				Crashed:    flag(th.get("crashed")),
				Current:    flag(th.get("current")),
				Main:       flag(th.get("main")),
				Stacktrace: decodeStacktrace(th.get("stacktrace")),
			})
		}
	}
	ev.Stacktrace = decodeStacktrace(root.get("stacktrace"))
	if fp := root.get("fingerprint"); fp != nil && fp.kind == kindArray {
		ev.Fingerprint = make([]string, 0, len(fp.kids))
		for i := range fp.kids {
			if fp.kids[i].val.kind != kindNull {
				ev.Fingerprint = append(ev.Fingerprint, fp.kids[i].val.lenient())
			}
		}
	}
	ev.Tags = decodeTags(root.get("tags"))
	if ev.ServerName == "" {
		for _, t := range ev.Tags {
			if t.Key == "server_name" {
				ev.ServerName = t.Value
			}
		}
	}
	if u := root.get("user"); u != nil && u.kind == kindObject {
		ev.User = &User{
			ID:        u.get("id").lenient(),
			Email:     u.get("email").lenient(),
			IPAddress: u.get("ip_address").lenient(),
			Username:  u.get("username").lenient(),
			Name:      u.get("name").lenient(),
		}
	}
	if r := root.get("request"); r != nil && r.kind == kindObject {
		ev.Request = &Request{Method: r.get("method").lenient(), URL: r.get("url").lenient()}
	}
	if s := root.get("sdk"); s != nil && s.kind == kindObject {
		ev.SDK = &SDK{Name: s.get("name").lenient(), Version: s.get("version").lenient()}
	}
	if tr := root.get("contexts").get("trace"); tr != nil && tr.kind == kindObject {
		ev.Trace = TraceContext{
			TraceID:      hexID(tr.get("trace_id"), 32),
			SpanID:       hexID(tr.get("span_id"), 16),
			ParentSpanID: hexID(tr.get("parent_span_id"), 16),
			Op:           tr.get("op").lenient(),
			Status:       tr.get("status").lenient(),
		}
	}
	if imgs := root.get("debug_meta").get("images"); imgs != nil && imgs.kind == kindArray {
		for i := range imgs.kids {
			img := &imgs.kids[i].val
			if img.kind != kindObject {
				continue
			}
			size, _ := img.get("image_size").int()
			ev.DebugImages = append(ev.DebugImages, DebugImage{
				Type:      img.get("type").lenient(),
				CodeFile:  img.get("code_file").lenient(),
				DebugID:   img.get("debug_id").lenient(),
				ImageAddr: address(img.get("image_addr")),
				ImageSize: uint64(max(size, 0)),
				DebugFile: img.get("debug_file").lenient(),
				CodeID:    img.get("code_id").lenient(),
				Arch:      img.get("arch").lenient(),
			})
		}
	}
	return ev
}

// values returns the list of a Values container in any of its shapes.
func values(n *node) []member {
	if n == nil {
		return nil
	}
	switch n.kind {
	case kindArray:
		return n.kids
	case kindObject:
		if v := n.get("values"); v != nil {
			if v.kind == kindArray {
				return v.kids
			}
			return nil
		}
		if len(n.kids) > 0 {
			return []member{{val: *n}}
		}
	}
	return nil
}

func flag(n *node) bool {
	b, _ := n.boolean()
	return b
}

func decodeLogEntry(n *node) *LogEntry {
	if n == nil {
		return nil
	}
	switch n.kind {
	case kindString:
		return &LogEntry{Formatted: n.text()}
	case kindObject:
		le := &LogEntry{Formatted: n.get("formatted").lenient(), Message: n.get("message").lenient()}
		if le.Formatted == "" {
			le.Formatted = le.Message
		}
		if ps := n.get("params"); ps != nil && ps.kind == kindArray {
			le.Params = make([]string, len(ps.kids))
			for i := range ps.kids {
				le.Params[i] = ps.kids[i].val.lenient()
			}
		}
		return le
	}
	return nil
}

func decodeException(n *node) Exception {
	ex := Exception{
		Type:          n.get("type").lenient(),
		Value:         n.get("value").lenient(),
		Module:        n.get("module").lenient(),
		ThreadID:      n.get("thread_id").lenient(),
		Stacktrace:    decodeStacktrace(n.get("stacktrace")),
		RawStacktrace: decodeStacktrace(n.get("raw_stacktrace")),
	}
	if m := n.get("mechanism"); m != nil && m.kind == kindObject {
		mech := &Mechanism{
			Type:             m.get("type").lenient(),
			Synthetic:        flag(m.get("synthetic")),
			Source:           m.get("source").lenient(),
			IsExceptionGroup: flag(m.get("is_exception_group")),
		}
		if h, ok := m.get("handled").boolean(); ok {
			mech.Handled = &h
		}
		if id, ok := m.get("exception_id").int(); ok {
			v := int(id)
			mech.ExceptionID = &v
		}
		if id, ok := m.get("parent_id").int(); ok {
			v := int(id)
			mech.ParentID = &v
		}
		ex.Mechanism = mech
	}
	return ex
}

func decodeStacktrace(n *node) *Stacktrace {
	frames := n.get("frames")
	if frames == nil || frames.kind != kindArray {
		return nil
	}
	count := 0
	for i := range frames.kids {
		if frames.kids[i].val.kind == kindObject {
			count++
		}
	}
	// Frames are filled in place: building one and appending it copied 300 bytes per frame.
	st := &Stacktrace{Frames: make([]Frame, count)}
	var lines []string // shared backing for the frames' context lines
	j := 0
	for i := range frames.kids {
		if f := &frames.kids[i].val; f.kind == kindObject {
			decodeFrame(&st.Frames[j], f, &lines)
			j++
		}
	}
	return st
}

func decodeFrame(f *Frame, n *node, lines *[]string) {
	for i := range n.kids {
		m := &n.kids[i]
		v := &m.val
		switch m.name() {
		case "filename":
			f.Filename = v.lenient()
		case "abs_path":
			f.AbsPath = v.lenient()
		case "function":
			f.Function = v.lenient()
		case "raw_function":
			f.RawFunction = v.lenient()
		case "symbol":
			f.Symbol = v.lenient()
		case "module":
			f.Module = v.lenient()
		case "package":
			f.Package = v.lenient()
		case "platform":
			f.Platform = v.lenient()
		case "lineno":
			if l, ok := v.int(); ok && l > 0 && l <= 1<<31 {
				f.Lineno = int(l)
			}
		case "colno":
			if c, ok := v.int(); ok && c > 0 && c <= 1<<31 {
				f.Colno = int(c)
			}
		case "in_app":
			if b, ok := v.boolean(); ok {
				f.InApp = &b
			}
		case "context_line":
			f.ContextLine = v.lenient()
		case "pre_context":
			f.PreContext = stringList(v, lines)
		case "post_context":
			f.PostContext = stringList(v, lines)
		case "instruction_addr":
			f.InstructionAddr = address(v)
		case "symbol_addr":
			f.SymbolAddr = address(v)
		case "image_addr":
			f.ImageAddr = address(v)
		case "trust":
			f.Trust = v.lenient()
		case "data":
			if v.kind == kindObject {
				f.Data = string(appendJSON(nil, v))
			}
		}
	}
}

// stringList reads a list of lenient strings into the tail of *backing, so that the context
// lines of a stack trace share one allocation.
func stringList(n *node, backing *[]string) []string {
	if n.kind != kindArray {
		return nil
	}
	if len(n.kids) == 0 {
		return []string{} // an empty list reads as empty, not absent, as in Decode
	}
	if cap(*backing)-len(*backing) < len(n.kids) {
		*backing = make([]string, 0, max(len(n.kids), 128))
	}
	start := len(*backing)
	for i := range n.kids {
		*backing = append(*backing, n.kids[i].val.lenient())
	}
	return (*backing)[start:len(*backing):len(*backing)]
}

// address reads a frame or image address: a "0x…" string or an integer.
func address(n *node) string {
	if n == nil {
		return ""
	}
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
func hexID(n *node, length int) string {
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

func decodeTags(n *node) []Tag {
	if n == nil {
		return nil
	}
	var set tagSet
	switch n.kind {
	case kindArray:
		set.tags = make([]Tag, 0, len(n.kids))
		for i := range n.kids {
			if p := &n.kids[i].val; p.kind == kindArray && len(p.kids) == 2 {
				set.add(p.kids[0].val.lenient(), &p.kids[1].val)
			}
		}
	case kindObject:
		set.tags = make([]Tag, 0, len(n.kids))
		for i := range n.kids {
			set.add(n.kids[i].name(), &n.kids[i].val)
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

func (s *tagSet) add(k string, v *node) {
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
