package event

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/jsontext"
)

// Document is a normalized event opened for editing: the processor replaces symbolicated frames
// and records processing errors, then writes the event back. Everything it does not touch is
// written back byte for byte. A document opened on a typed view it already has (OpenDocument)
// parses its text only when it is first edited: most events are only read.
type Document struct {
	text string
	t    *tree // nil until the first edit of an opened document
	ev   *Event
	// borrowed says ev is the caller's (OpenDocument), which the document must not modify.
	borrowed bool
	// errs are the processing errors added to a document not parsed, comma-separated JSON
	// objects to be written as its "errors" list (AddProcessingError).
	errs []byte
	// errsAppendable caches errorsAppendable (0 unknown, 1 yes, 2 no): appendableErrors scans
	// the whole text twice, and a symbolicated event adds one error per file it has no source for.
	errsAppendable uint8
}

// ParseDocument opens a normalized event for editing.
func ParseDocument(normalized []byte) (*Document, error) {
	d := &Document{text: string(normalized)}
	if _, err := d.tree(); err != nil {
		return nil, err
	}
	return d, nil
}

// OpenDocument opens a normalized event whose typed view the caller already has (Normalize's,
// or Shared's): the view is used as it is, and the text is parsed only when the document is
// edited. ev must have been read from normalized itself (not from the text before or after an
// edit). ev is not modified; an edit gives the document a view of its own.
func OpenDocument(normalized string, ev *Event) *Document {
	return &Document{text: normalized, ev: ev, borrowed: true}
}

// tree returns the document's parsed tree, parsing the text the first time.
func (d *Document) tree() (*tree, error) {
	if d.t != nil {
		return d.t, nil
	}
	if len(d.errs) > 0 {
		// Errors written at the end of the text become part of it.
		d.text, d.errs = d.String(), nil
	}
	// The tree lives as long as the document, so it is not pooled.
	t := &tree{}
	if err := t.parse(d.text, maxStoredDepth); err != nil {
		return nil, fmt.Errorf("parse event document: %w", err)
	}
	if t.Root().Kind() != jsontext.Object {
		return nil, fmt.Errorf("parse event document: event is not a JSON object (found %s)", kindName(t.Root().Kind()))
	}
	d.t = t
	if d.ev == nil {
		d.ev = t.decode(t.Root())
	}
	return t, nil
}

// Event returns the typed view of the document. An edit replaces it with a new view: call Event
// again after one.
func (d *Document) Event() *Event { return d.ev }

// AppendTo appends the document's JSON to dst.
func (d *Document) AppendTo(dst []byte) []byte {
	if d.t == nil {
		if len(d.errs) == 0 {
			return append(dst, d.text...)
		}
		dst = append(dst, d.text[:len(d.text)-1]...)
		if len(d.text) > 2 {
			dst = append(dst, ',')
		}
		dst = append(append(append(dst, `"errors":[`...), d.errs...), "]}"...)
		return dst
	}
	return d.t.AppendJSON(dst, d.t.Root())
}

// String returns the document's JSON. The text is built once at its final size: the event is
// about 10 KB, and appending it to an empty slice and converting that to a string copied it
// three to four times.
func (d *Document) String() string {
	if d.t == nil && len(d.errs) == 0 {
		return d.text
	}
	var b strings.Builder
	if d.t == nil {
		b.Grow(len(d.text) + len(`,"errors":[]`) + len(d.errs))
		b.WriteString(d.text[:len(d.text)-1])
		if len(d.text) > 2 {
			b.WriteByte(',')
		}
		b.WriteString(`"errors":[`)
		b.Write(d.errs)
		b.WriteString("]}")
		return b.String()
	}
	return string(d.t.AppendJSON(make([]byte, 0, len(d.text)+len(d.text)/8), d.t.Root()))
}

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
func (d *Document) owner(ref StacktraceRef) (*jsontext.Node, error) {
	t, err := d.tree()
	if err != nil {
		return nil, err
	}
	var key string
	switch ref.Kind {
	case EventStacktrace:
		return t.Root(), nil
	case ExceptionStacktrace:
		key = "exception"
	case ThreadStacktrace:
		key = "threads"
	default:
		return nil, fmt.Errorf("unknown stacktrace kind %d", ref.Kind)
	}
	vals := t.Elems(t.Get(t.Get(t.Root(), key), "values"))
	n := 0
	for i := range vals {
		if vals[i].Kind() != jsontext.Object {
			continue
		}
		if n == ref.Index {
			return &vals[i], nil
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
	t := d.t
	st := t.Get(owner, "stacktrace")
	if st == nil || st.Kind() != jsontext.Object {
		return fmt.Errorf("replace frames: %s has no stacktrace", ref)
	}
	old := t.Elems(t.Get(st, "frames"))
	newFrames := make([]jsontext.Node, len(frames))
	for i := range frames {
		var base jsontext.Node
		if len(frames) == len(old) && old[i].Kind() == jsontext.Object {
			base = old[i]
		}
		f, err := t.frameNode(base, &frames[i])
		if err != nil {
			return fmt.Errorf("replace frames: %s frame %d: %w", ref, i, err)
		}
		newFrames[i] = f
	}
	// The stacktrace node is copied before editing: raw_stacktrace keeps sharing the original.
	if t.Get(owner, "raw_stacktrace") == nil && ref.Kind != EventStacktrace {
		t.Set(owner, "raw_stacktrace", *st)
		st = t.Get(owner, "stacktrace")
	}
	edited := t.cloneObject(*st)
	t.Set(&edited, "frames", t.ArrayNode(newFrames...))
	t.Set(owner, "stacktrace", edited)
	d.ev, d.borrowed = t.decode(t.Root()), false
	return nil
}

// cloneObject copies an object's members so edits to the copy leave the original alone.
func (t *tree) cloneObject(n jsontext.Node) jsontext.Node {
	if n.Kind() != jsontext.Object {
		return t.ObjectNode()
	}
	t.Own(&n)
	return n
}

// frameNode writes f's fields over a copy of base (an existing frame object, or empty).
func (t *tree) frameNode(base jsontext.Node, f *Frame) (jsontext.Node, error) {
	n := t.cloneObject(base)
	setString := func(key, v string) {
		if v == "" {
			t.Del(&n, key)
			return
		}
		t.Set(&n, key, t.StringNode(v))
	}
	setInt := func(key string, v int) {
		if v <= 0 {
			t.Del(&n, key)
			return
		}
		t.Set(&n, key, t.NumberNode(strconv.Itoa(v)))
	}
	setLines := func(key string, lines []string) {
		if lines == nil {
			t.Del(&n, key)
			return
		}
		ns := make([]jsontext.Node, len(lines))
		for i, l := range lines {
			ns[i] = t.StringNode(l)
		}
		t.Set(&n, key, t.ArrayNode(ns...))
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
		t.Del(&n, "in_app")
	} else {
		t.Set(&n, "in_app", jsontext.BoolNode(*f.InApp))
	}
	setString("context_line", f.ContextLine)
	setLines("pre_context", f.PreContext)
	setLines("post_context", f.PostContext)
	setString("instruction_addr", f.InstructionAddr)
	setString("symbol_addr", f.SymbolAddr)
	setString("image_addr", f.ImageAddr)
	setString("trust", f.Trust)
	if f.Data == "" {
		t.Del(&n, "data")
		return n, nil
	}
	data := treePool.Get().(*tree)
	defer data.release()
	if err := data.parse(f.Data, maxInputDepth); err != nil {
		return jsontext.Node{}, fmt.Errorf("frame data: %w", err)
	}
	if data.Root().Kind() != jsontext.Object {
		return jsontext.Node{}, fmt.Errorf("frame data is %s, want a JSON object", kindName(data.Root().Kind()))
	}
	t.Set(&n, "data", t.Import(&data.Tree, data.Root()))
	return n, nil
}

// AddProcessingError records a processing error in the event's "errors" list the way Sentry
// shows them: {"type": typ, …fields}, fields in key order whatever order they are passed in
// (e.g. "js_no_source" with "url"); their keys are distinct, and a "type" among them is dropped.
//
// A document not yet parsed whose event has no "errors" list gets the list written after its
// last member instead, the same bytes the tree would write: symbolication adds an error to most
// events sent without source maps (js_no_source for each file), and parsing each of them for
// that alone was most of what the processor saved by not parsing (BenchmarkNodeEvent).
func (d *Document) AddProcessingError(typ string, fields []ErrorField) error {
	fields = sortedErrorFields(fields)
	if d.t == nil && d.errorsAppendable() {
		if len(d.errs) > 0 {
			d.errs = append(d.errs, ',')
		} else if d.errs == nil {
			// Room for half a dozen errors: an event sent without source maps gets a
			// js_no_source (some 150 bytes with its reason and url) for each application file
			// of its stack trace. Growing from 256 bytes took three more allocations, 3 KB in
			// all, for the reference event's 930 bytes of errors.
			d.errs = make([]byte, 0, 1024)
		}
		d.errs = appendProcessingError(d.errs, typ, fields)
		d.viewWithErrors()
		return nil
	}
	t, err := d.tree()
	if err != nil {
		return fmt.Errorf("add processing error: %w", err)
	}
	e := t.processingError(typ, fields)
	if errs := t.Get(t.Root(), "errors"); errs != nil && errs.Kind() == jsontext.Array {
		t.Push(errs, e)
	} else {
		t.Set(t.Root(), "errors", t.ArrayNode(e))
	}
	d.viewWithErrors()
	return nil
}

// viewWithErrors keeps the document's view what Decode of its text gives once the event has
// processing errors: the view has no errors list, but it says whether the event had one
// (Event.noErrors). A borrowed view that says none is copied first. The copy shares the
// borrowed view's frames but not their ownership: it has no slabs to recycle, and nobody holds
// it (handoff.go).
func (d *Document) viewWithErrors() {
	if !d.ev.noErrors {
		return
	}
	if d.borrowed {
		ev := *d.ev
		ev.slabs, ev.holders = nil, 0
		d.ev, d.borrowed = &ev, false
	}
	d.ev.noErrors = false
}

// errorsAppendable says whether processing errors can be written at the end of the unparsed
// text, decided once: the view it was opened on says the event has no "errors" member (the
// sentry receiver's, which normalization read), or else the text is scanned to prove it
// (appendableErrors).
func (d *Document) errorsAppendable() bool {
	if d.errsAppendable == 0 {
		d.errsAppendable = 2
		if d.ev.noErrors || appendableErrors(d.text) {
			d.errsAppendable = 1
		}
	}
	return d.errsAppendable == 1
}

// SetCulprit sets the event's culprit.
func (d *Document) SetCulprit(culprit string) error {
	t, err := d.tree()
	if err != nil {
		return fmt.Errorf("set culprit: %w", err)
	}
	t.Set(t.Root(), "culprit", t.StringNode(culprit))
	return nil
}

// AppendWithCulprit appends a normalized event to dst with the culprit grouping derived, as
// Sentry stores it with the event it saves; a culprit the event has (an SDK's, raven-js) is kept.
// The store's copy of the event is made here anyway, so the culprit costs no copy of its own:
// the member is written after the last one without parsing when the text certainly has no
// culprit (the test of AddProcessingError), else the event is parsed.
func AppendWithCulprit(dst []byte, normalized, culprit string) ([]byte, error) {
	if culprit == "" {
		return append(dst, normalized...), nil
	}
	if appendable(normalized, `"culprit"`) {
		dst = append(dst, normalized[:len(normalized)-1]...)
		if len(normalized) > 2 {
			dst = append(dst, ',')
		}
		return append(jsontext.AppendString(append(dst, `"culprit":`...), culprit), '}'), nil
	}
	d, err := ParseDocument([]byte(normalized))
	if err != nil {
		return nil, err
	}
	if d.Event().Culprit == "" {
		if err := d.SetCulprit(culprit); err != nil {
			return nil, err
		}
	}
	return d.AppendTo(dst), nil
}

// ErrorField is one field of a processing error besides its type (AddProcessingError).
type ErrorField struct {
	Key, Value string
}

// sortedErrorFields puts fields in key order, the order Sentry writes them in, and drops
// "type", which AddProcessingError writes first. Callers usually pass them sorted already.
func sortedErrorFields(fields []ErrorField) []ErrorField {
	byKey := func(a, b ErrorField) int { return strings.Compare(a.Key, b.Key) }
	if !slices.IsSortedFunc(fields, byKey) {
		fields = slices.SortedFunc(slices.Values(fields), byKey)
	}
	if slices.ContainsFunc(fields, func(f ErrorField) bool { return f.Key == "type" }) {
		fields = slices.DeleteFunc(slices.Clone(fields), func(f ErrorField) bool { return f.Key == "type" })
	}
	return fields
}

// processingError is the object of one processing error, fields sorted (sortedErrorFields).
func (t *tree) processingError(typ string, fields []ErrorField) jsontext.Node {
	ms := make([]jsontext.Node, 0, 1+len(fields))
	ms = append(ms, t.Field("type", t.StringNode(typ)))
	for _, f := range fields {
		ms = append(ms, t.Field(f.Key, t.StringNode(f.Value)))
	}
	return t.ObjectNode(ms...)
}

// appendProcessingError appends the JSON processingError's node is written as, without
// building the node: the errors of a document not parsed are only ever written.
func appendProcessingError(dst []byte, typ string, fields []ErrorField) []byte {
	dst = jsontext.AppendString(append(dst, `{"type":`...), typ)
	for _, f := range fields {
		dst = jsontext.AppendString(append(dst, ','), f.Key)
		dst = jsontext.AppendString(append(dst, ':'), f.Value)
	}
	return append(dst, '}')
}

// appendableErrors says whether an "errors" list can be written at the end of text without
// parsing it: text is a compact object and certainly has no "errors" member, as no key can be
// "errors" without the word in the text, or an escape that spells it.
func appendableErrors(text string) bool {
	return appendable(text, `"errors"`)
}

// appendable says whether a member named by quotedKey can be written at the end of text
// without parsing it (appendableErrors).
func appendable(text, quotedKey string) bool {
	return len(text) >= 2 && text[0] == '{' && text[len(text)-1] == '}' &&
		!containsQuoted(text, quotedKey) && !strings.Contains(text, `\u`)
}

// containsQuoted is strings.Contains(text, quoted) for a quoted string of four bytes or more,
// in fewer instructions on JSON. A quote is one byte in eight or so of JSON, so Index soon hands
// the search to its SSE4.2 compare, which moves 16 bytes less the needle's length at a time:
// searching for the first four bytes (12 at a time) and checking the rest where they match costs
// two thirds of searching for all nine of "culprit" quoted (7 at a time) in the reference event.
func containsQuoted(text, quoted string) bool {
	head := quoted[:4]
	for {
		i := strings.Index(text, head)
		if i < 0 {
			return false
		}
		if strings.HasPrefix(text[i:], quoted) {
			return true
		}
		text = text[i+1:]
	}
}
