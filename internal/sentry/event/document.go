package event

import (
	"fmt"
	"slices"
	"strconv"
)

// Document is a normalized event opened for editing: the processor replaces symbolicated frames
// and records processing errors, then writes the event back. Everything it does not touch is
// written back byte for byte.
type Document struct {
	root node
	ev   *Event
}

// ParseDocument opens a normalized event for editing.
func ParseDocument(normalized []byte) (*Document, error) {
	// The tree lives as long as the document, so its slab is not pooled.
	root, err := parseJSON(string(normalized), maxStoredDepth, &slab{})
	if err != nil {
		return nil, fmt.Errorf("parse event document: %w", err)
	}
	if root.kind != kindObject {
		return nil, fmt.Errorf("parse event document: event is not a JSON object (found %s)", kindName(root.kind))
	}
	return &Document{root: root, ev: decodeTree(&root)}, nil
}

// Event returns the typed view of the document. Edits update it in place, so the pointer stays
// valid; its slices are replaced, not modified.
func (d *Document) Event() *Event { return d.ev }

// AppendTo appends the document's JSON to dst.
func (d *Document) AppendTo(dst []byte) []byte { return appendJSON(dst, &d.root) }

// StacktraceKind says which part of an event a stack trace belongs to.
type StacktraceKind uint8

const (
	// ExceptionStacktrace is exception.values[Index].stacktrace (Index into Event.Exceptions).
	ExceptionStacktrace StacktraceKind = iota
	// ThreadStacktrace is threads.values[Index].stacktrace (Index into Event.Threads).
	ThreadStacktrace
	// EventStacktrace is the legacy top-level stacktrace; Index is ignored.
	EventStacktrace
)

// StacktraceRef names one stack trace of an event.
type StacktraceRef struct {
	Kind  StacktraceKind
	Index int
}

func (r StacktraceRef) String() string {
	switch r.Kind {
	case ExceptionStacktrace:
		return "exception " + strconv.Itoa(r.Index)
	case ThreadStacktrace:
		return "thread " + strconv.Itoa(r.Index)
	}
	return "event stacktrace"
}

// Stacktraces lists the stack traces the event has, exceptions first.
func (d *Document) Stacktraces() []StacktraceRef {
	var refs []StacktraceRef
	for i, ex := range d.ev.Exceptions {
		if ex.Stacktrace != nil {
			refs = append(refs, StacktraceRef{Kind: ExceptionStacktrace, Index: i})
		}
	}
	for i, th := range d.ev.Threads {
		if th.Stacktrace != nil {
			refs = append(refs, StacktraceRef{Kind: ThreadStacktrace, Index: i})
		}
	}
	if d.ev.Stacktrace != nil {
		refs = append(refs, StacktraceRef{Kind: EventStacktrace})
	}
	return refs
}

// Stacktrace is the typed view of the referenced stack trace, nil when the event has none there.
func (d *Document) Stacktrace(ref StacktraceRef) *Stacktrace {
	switch {
	case ref.Kind == ExceptionStacktrace && ref.Index < len(d.ev.Exceptions):
		return d.ev.Exceptions[ref.Index].Stacktrace
	case ref.Kind == ThreadStacktrace && ref.Index < len(d.ev.Threads):
		return d.ev.Threads[ref.Index].Stacktrace
	case ref.Kind == EventStacktrace:
		return d.ev.Stacktrace
	}
	return nil
}

// owner returns the object that holds the referenced stacktrace: an exception, a thread or the
// event itself. Indexes count object entries only, as the typed view does.
func (d *Document) owner(ref StacktraceRef) (*node, error) {
	var key string
	switch ref.Kind {
	case EventStacktrace:
		return &d.root, nil
	case ExceptionStacktrace:
		key = "exception"
	case ThreadStacktrace:
		key = "threads"
	default:
		return nil, fmt.Errorf("unknown stacktrace kind %d", ref.Kind)
	}
	vals := d.root.get(key).get("values").elems()
	n := 0
	for i := range vals {
		if vals[i].val.kind != kindObject {
			continue
		}
		if n == ref.Index {
			return &vals[i].val, nil
		}
		n++
	}
	return nil, fmt.Errorf("event has no %s", ref)
}

// ReplaceFrames replaces the frames of one stack trace, as symbolication does. The stack trace
// as sent is kept as raw_stacktrace the first time (Sentry's convention), so replacing twice
// still keeps the original. When the frame count is unchanged, each frame keeps the keys Frame
// does not model (vars, addr_mode …); Frame's zero values remove their keys. Frame.Data must be a
// JSON object or empty.
func (d *Document) ReplaceFrames(ref StacktraceRef, frames []Frame) error {
	owner, err := d.owner(ref)
	if err != nil {
		return fmt.Errorf("replace frames: %w", err)
	}
	st := owner.get("stacktrace")
	if st == nil || st.kind != kindObject {
		return fmt.Errorf("replace frames: %s has no stacktrace", ref)
	}
	old := st.get("frames").elems()
	newFrames := make([]member, len(frames))
	for i := range frames {
		var base node
		if len(frames) == len(old) && old[i].val.kind == kindObject {
			base = old[i].val
		}
		f, err := frameNode(base, &frames[i])
		if err != nil {
			return fmt.Errorf("replace frames: %s frame %d: %w", ref, i, err)
		}
		newFrames[i].val = f
	}
	// The stacktrace node is copied before editing: raw_stacktrace keeps sharing the original.
	if owner.get("raw_stacktrace") == nil && ref.Kind != EventStacktrace {
		owner.set("raw_stacktrace", *st)
		st = owner.get("stacktrace")
	}
	edited := cloneObject(*st)
	edited.set("frames", node{kind: kindArray, kids: newFrames})
	owner.set("stacktrace", edited)
	*d.ev = *decodeTree(&d.root)
	return nil
}

// cloneObject copies an object's member list so edits to the copy leave the original alone.
func cloneObject(n node) node {
	if n.kind != kindObject {
		return objectNode()
	}
	n.kids = slices.Clone(n.kids)
	return n
}

// frameNode writes f's fields over a copy of base (an existing frame object, or empty).
func frameNode(base node, f *Frame) (node, error) {
	n := cloneObject(base)
	setString := func(key, v string) {
		if v == "" {
			n.del(key)
			return
		}
		n.set(key, stringNode(v))
	}
	setInt := func(key string, v int) {
		if v <= 0 {
			n.del(key)
			return
		}
		n.set(key, numberNode(strconv.Itoa(v)))
	}
	setLines := func(key string, lines []string) {
		if lines == nil {
			n.del(key)
			return
		}
		ns := make([]node, len(lines))
		for i, l := range lines {
			ns[i] = stringNode(l)
		}
		n.set(key, arrayNode(ns...))
	}
	setString("filename", f.Filename)
	setString("abs_path", f.AbsPath)
	setString("function", f.Function)
	setString("raw_function", f.RawFunction)
	setString("symbol", f.Symbol)
	setString("module", f.Module)
	setString("package", f.Package)
	setString("platform", f.Platform)
	setInt("lineno", f.Lineno)
	setInt("colno", f.Colno)
	if f.InApp == nil {
		n.del("in_app")
	} else {
		n.set("in_app", boolNode(*f.InApp))
	}
	setString("context_line", f.ContextLine)
	setLines("pre_context", f.PreContext)
	setLines("post_context", f.PostContext)
	setString("instruction_addr", f.InstructionAddr)
	setString("symbol_addr", f.SymbolAddr)
	setString("image_addr", f.ImageAddr)
	setString("trust", f.Trust)
	if f.Data == "" {
		n.del("data")
		return n, nil
	}
	data, err := parseJSON(f.Data, maxInputDepth, &slab{})
	if err != nil {
		return node{}, fmt.Errorf("frame data: %w", err)
	}
	if data.kind != kindObject {
		return node{}, fmt.Errorf("frame data is %s, want a JSON object", kindName(data.kind))
	}
	n.set("data", data)
	return n, nil
}

// AddProcessingError records a processing error in the event's "errors" list the way Sentry
// shows them: {"type": typ, …fields}, fields in key order (e.g. "js_no_source" with "url").
func (d *Document) AddProcessingError(typ string, fields map[string]string) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != "type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	extra := make([]member, len(keys))
	for i, k := range keys {
		extra[i] = field(k, stringNode(fields[k]))
	}
	addError(&d.root, typ, "", nil, extra...)
}
