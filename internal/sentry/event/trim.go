package event

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/jsontext"
)

// Trimming bounds what one event can hold, as Relay's normalization does before Sentry stores an
// event, so that an event's cost downstream (typed view, grouping, rendering, storage, the UI) is
// bounded by these numbers rather than by how many tiny values fit in the size limit. What was
// removed is recorded in the event's _meta the way Sentry records it, so the UI can say so.
//
// The bounds (receiver/sentryreceiver/README.md lists them for users):
const (
	// maxFrames is Relay's hard limit of frames per stack trace (trimming.rs,
	// enforce_frame_hard_limit). Relay keeps the newest; Faultline keeps both ends, the crash and
	// the entry point, and marks the gap with frames_omitted, the stack trace field Sentry's UI
	// reads.
	maxFrames = 250
	// maxExceptions is Sentry's limit of exceptions in one chain (SENTRY_MAX_EXCEPTIONS); the
	// newest are kept, the last being the one raised.
	maxExceptions = 25
	// maxBreadcrumbs is the SDKs' default max_breadcrumbs; the newest are kept.
	maxBreadcrumbs = 100
	// maxThreads bounds the threads interface; the first are kept (crashed and current threads
	// come first in what SDKs send).
	maxThreads = 100
	// maxTags bounds the tags of one event; the first are kept.
	maxTags = 200
	// maxMessageChars is Relay's max_chars for messages (MaxChars::Message): logentry's formatted
	// and message.
	maxMessageChars = 8192
	// maxStringChars bounds every other string. Relay bounds fields one by one and data bags by
	// size; one bound for everything is Faultline's simplification.
	maxStringChars = 16384
	// maxDatabagDepth is Relay's depth of data bags (BagSize, 7 for extra and contexts): a
	// container at depth maxDatabagDepth-1 below the bag becomes its JSON text, deeper ones
	// go with it.
	maxDatabagDepth = 7
	// maxExtraBytes and maxModulesBytes are Relay's sizes of the extra and modules data bags
	// (sentry-protocol.md §10: extra 256 KiB, modules 8 KiB), as serialized JSON: the entries that
	// do not fit are dropped, the first of them trimmed inside when it is a list or an object.
	maxExtraBytes   = 256 << 10
	maxModulesBytes = 8 << 10
	// maxMetaEntries bounds _meta itself, so that recording what was trimmed cannot grow without
	// bound either.
	maxMetaEntries = 100
)

// minStringBound is the smallest string bound: the parser counts strings longer than this.
const minStringBound = maxMessageChars

// trimmedSuffix ends a string that was cut, as in Relay; the cut is recorded as a "!limit" remark.
const trimmedSuffix = "..."

// metaEntry is one annotation of _meta: at path, the value had origLen entries or characters
// (0: not recorded), and for a cut string, the remark covers the characters [remStart, remEnd)
// of the result; remarks are an Editor's (edit.go).
type metaEntry struct {
	path             []string
	origLen          int
	remStart, remEnd int
	remarks          []Remark
}

// trim applies the bounds above to a parsed event whose exception, threads and breadcrumbs are
// already in {"values": […]} form. Tags are bounded by normalizeTags, which reads them anyway.
func (t *tree) trim(root *jsontext.Node) {
	if t.Shape.DeepCuts > 0 {
		t.addError(root, "invalid_data", "", nil, t.Field("reason", t.StringNode(fmt.Sprintf(
			"values nested deeper than %d levels were replaced by null (%d of them)", maxInputDepth, t.Shape.DeepCuts))))
	}
	if t.Shape.Widest > min(maxExceptions, maxFrames, maxBreadcrumbs, maxThreads) {
		t.trimValues(root, "exception", maxExceptions, false)
		t.trimValues(root, "threads", maxThreads, true)
		t.trimValues(root, "breadcrumbs", maxBreadcrumbs, false)
		t.trimStacktraces(root)
	}
	t.trimDatabags(root)
	if t.Shape.LongStrings > 0 {
		t.trimStrings(root, nil)
	}
	// After strings, so that one long string is cut rather than dropped from its bag.
	t.trimBag(root, "extra", maxExtraBytes)
	t.trimBag(root, "modules", maxModulesBytes)
}

// trimValues keeps at most max entries of key.values, the first ones or the last ones.
func (t *tree) trimValues(root *jsontext.Node, key string, max int, keepFirst bool) {
	container := t.Get(root, key)
	vals := t.Get(container, "values")
	if vals == nil || vals.Kind() != jsontext.Array || vals.Len() <= max {
		return
	}
	kids := t.Kids(vals)
	kept := kids[len(kids)-max:]
	if keepFirst {
		kept = kids[:max]
	}
	t.noteTrim([]string{key, "values"}, len(kids))
	t.Set(container, "values", t.ArrayNode(kept...))
}

// trimStacktraces bounds the frames of every stack trace of the event.
func (t *tree) trimStacktraces(root *jsontext.Node) {
	for _, key := range [...]string{"exception", "threads"} {
		vals := t.Elems(t.Get(t.Get(root, key), "values"))
		for i := range vals {
			for _, st := range [...]string{"stacktrace", "raw_stacktrace"} {
				t.trimFrames(&vals[i], st, key, "values", strconv.Itoa(i))
			}
		}
	}
	t.trimFrames(root, "stacktrace")
}

// trimFrames keeps the first and last maxFrames/2 frames of owner[key].frames and records the
// gap in frames_omitted ([first omitted index, index after the last omitted]).
func (t *tree) trimFrames(owner *jsontext.Node, key string, path ...string) {
	st := t.Get(owner, key)
	frames := t.Get(st, "frames")
	if frames == nil || frames.Kind() != jsontext.Array || frames.Len() <= maxFrames {
		return
	}
	kids := t.Kids(frames)
	n, half := len(kids), maxFrames/2
	kept := make([]jsontext.Node, 0, maxFrames)
	kept = append(append(kept, kids[:half]...), kids[n-half:]...)
	t.noteTrim(append(path[:len(path):len(path)], key, "frames"), n)
	t.Set(st, "frames", t.ArrayNode(kept...))
	t.Set(st, "frames_omitted", t.ArrayNode(t.NumberNode(strconv.Itoa(half)), t.NumberNode(strconv.Itoa(n-half))))
}

// trimDatabags bounds the depth of the free-form data of an event: extra, each context, request
// data, breadcrumb data and frame variables. A bag needs it only when the document reaches
// maxDatabagDepth-1 levels below the bag, which the parser's deepest nesting tells without a walk.
func (t *tree) trimDatabags(root *jsontext.Node) {
	// Depths of the bags' roots, the event object being 1.
	const extraDepth, contextDepth, crumbDataDepth, varsDepth = 2, 3, 5, 8
	deepEnough := func(bagDepth int) bool { return t.Shape.Deepest >= bagDepth+maxDatabagDepth-1 }
	if deepEnough(extraDepth) {
		t.trimDepth(t.Get(root, "extra"), 0)
	}
	if deepEnough(contextDepth) {
		if ctx := t.Get(root, "contexts"); ctx != nil && ctx.Kind() == jsontext.Object {
			kids := t.Kids(ctx)
			for i := range kids {
				t.trimDepth(&kids[i], 0)
			}
		}
		t.trimDepth(t.Get(t.Get(root, "request"), "data"), 0)
	}
	if deepEnough(crumbDataDepth) {
		crumbs := t.Elems(t.Get(t.Get(root, "breadcrumbs"), "values"))
		for i := range crumbs {
			t.trimDepth(t.Get(&crumbs[i], "data"), 0)
		}
	}
	if deepEnough(varsDepth) {
		for _, key := range [...]string{"exception", "threads"} {
			vals := t.Elems(t.Get(t.Get(root, key), "values"))
			for i := range vals {
				frames := t.Elems(t.Get(t.Get(&vals[i], "stacktrace"), "frames"))
				for j := range frames {
					t.trimDepth(t.Get(&frames[j], "vars"), 0)
				}
			}
		}
	}
}

// trimBag bounds the serialized size of the data bag root[key]. Parsed and untouched, a bag's
// size is its source text's, so a bag that fits costs one comparison.
func (t *tree) trimBag(root *jsontext.Node, key string, budget int) {
	if len(t.Source()) <= budget {
		return
	}
	bag := t.Get(root, key)
	if bag == nil || (bag.Kind() != jsontext.Object && bag.Kind() != jsontext.Array) {
		return
	}
	if t.jsonSize(bag) > budget {
		t.trimSize(bag, budget, []string{key})
	}
}

// trimSize keeps the entries of container n, in order, while they fit in budget bytes of JSON;
// the first that does not fit is trimmed inside when it is a container and there is room for
// it, and the rest are dropped, which _meta records. It returns the size of what it kept.
func (t *tree) trimSize(n *jsontext.Node, budget int, path []string) int {
	kids := t.Kids(n)
	used := 2 // the brackets
	for i := range kids {
		m := &kids[i]
		key, overhead := strconv.Itoa(i), 0
		if n.Kind() == jsontext.Object {
			key, overhead = t.Name(m), m.KeyLen()+3 // "key":
		}
		if i > 0 {
			overhead++ // the comma
		}
		size := overhead + t.jsonSize(m)
		if used+size <= budget {
			used += size
			continue
		}
		keep := i
		if room := budget - used - overhead; (m.Kind() == jsontext.Object || m.Kind() == jsontext.Array) && room > 2 {
			t.Touch(n)
			used += overhead + t.trimSize(m, room, append(path[:len(path):len(path)], key))
			keep = i + 1
		}
		t.Truncate(n, keep)
		t.noteTrim(path, len(kids))
		return used
	}
	return used
}

// jsonSize is the length of n's JSON as AppendJSON writes it.
func (t *tree) jsonSize(n *jsontext.Node) int {
	switch n.Kind() {
	case jsontext.Null, jsontext.True:
		return 4
	case jsontext.False:
		return 5
	case jsontext.Number:
		return n.RawLen()
	case jsontext.String:
		return n.RawLen() + 2
	}
	if raw, ok := t.CompactText(n); ok {
		return len(raw)
	}
	size := 2
	kids := t.Kids(n)
	for i := range kids {
		if i > 0 {
			size++
		}
		if n.Kind() == jsontext.Object {
			size += kids[i].KeyLen() + 3
		}
		size += t.jsonSize(&kids[i])
	}
	return size
}

// trimDepth turns the containers at depth maxDatabagDepth-1 below a data bag into their JSON
// text, as Relay does: nothing is lost, but nothing below is structure any more.
func (t *tree) trimDepth(n *jsontext.Node, depth int) {
	if n == nil || (n.Kind() != jsontext.Object && n.Kind() != jsontext.Array) {
		return
	}
	kids := t.Kids(n)
	for i := range kids {
		m := &kids[i]
		if m.Kind() != jsontext.Object && m.Kind() != jsontext.Array {
			continue
		}
		if depth+1 < maxDatabagDepth-1 {
			t.trimDepth(m, depth+1)
			continue
		}
		t.Touch(n)
		text := string(t.AppendJSON(nil, m))
		t.Replace(m, t.StringNode(text))
		if m.RawLen() > minStringBound {
			t.Shape.LongStrings++
		}
	}
}

// trimStrings cuts every string longer than its bound, walking the whole document: it runs
// only when the parser saw a long string. path is where n lies.
func (t *tree) trimStrings(n *jsontext.Node, path []string) {
	kids := t.Kids(n)
	for i := range kids {
		m := &kids[i]
		if m.Kind() != jsontext.String && m.Kind() != jsontext.Object && m.Kind() != jsontext.Array {
			continue
		}
		// A string's raw text is at least as long as its characters are many.
		if m.Kind() == jsontext.String && m.RawLen() <= minStringBound {
			continue
		}
		var key string
		if n.Kind() == jsontext.Object {
			key = t.Name(m)
		} else {
			key = strconv.Itoa(i)
		}
		if m.Kind() != jsontext.String {
			t.trimStrings(m, append(path, key))
			continue
		}
		bound := maxStringChars
		if len(path) == 1 && path[0] == "logentry" && (key == "formatted" || key == "message") {
			bound = maxMessageChars
		}
		text := t.Text(m)
		chars := utf8.RuneCountInString(text)
		if chars <= bound {
			continue
		}
		keep := bound - len(trimmedSuffix)
		cut := 0
		for range keep {
			_, size := utf8.DecodeRuneInString(text[cut:])
			cut += size
		}
		t.Touch(n)
		t.Replace(m, t.StringNode(text[:cut]+trimmedSuffix))
		t.noteEntry(metaEntry{path: append(path[:len(path):len(path)], key), origLen: chars, remStart: keep, remEnd: bound})
	}
}

// noteTrim records that the container at path had n entries before trimming.
func (t *tree) noteTrim(path []string, n int) {
	t.noteEntry(metaEntry{path: path, origLen: n})
}

func (t *tree) noteEntry(e metaEntry) {
	if len(t.meta) < maxMetaEntries {
		t.meta = append(t.meta, e)
	}
}

// writeMeta writes the recorded trims into the event's _meta, in Sentry's shape: the event's
// paths as nested objects (array indexes as keys), each annotation under "": {"len": original
// length, "rem": [["!limit", "s", from, to]]}. A _meta the event already has is kept and added
// to, as Relay keeps the meta of what it is sent (so normalizing twice changes nothing).
func (t *tree) writeMeta(root *jsontext.Node) {
	if len(t.meta) == 0 {
		return
	}
	if m := t.Get(root, "_meta"); m == nil || m.Kind() != jsontext.Object {
		t.Set(root, "_meta", t.ObjectNode())
	}
	for _, e := range t.meta {
		at := t.Get(root, "_meta")
		for _, k := range e.path {
			at = t.metaChild(at, k)
		}
		var rems []jsontext.Node
		if e.remEnd > 0 {
			rems = append(rems, t.ArrayNode(t.StringNode("!limit"), t.StringNode("s"),
				t.NumberNode(strconv.Itoa(e.remStart)), t.NumberNode(strconv.Itoa(e.remEnd))))
		}
		for _, r := range e.remarks {
			parts := []jsontext.Node{t.StringNode(r.RuleID), t.StringNode(r.Type)}
			if r.Ranged {
				parts = append(parts, t.NumberNode(strconv.Itoa(r.Start)), t.NumberNode(strconv.Itoa(r.End)))
			}
			rems = append(rems, t.ArrayNode(parts...))
		}
		// A value both trimmed and scrubbed gets one annotation: its remarks in the order they
		// were made, and the length it had when it arrived.
		ann := t.metaChild(at, "")
		if len(rems) > 0 {
			if old := t.Get(ann, "rem"); old != nil && old.Kind() == jsontext.Array {
				for _, r := range rems {
					t.Push(old, r)
				}
			} else {
				t.Set(ann, "rem", t.ArrayNode(rems...))
			}
		}
		if e.origLen > 0 && t.Get(ann, "len") == nil {
			t.Set(ann, "len", t.NumberNode(strconv.Itoa(e.origLen)))
		}
	}
}

// metaChild returns obj[key], made an empty object first when it is not one.
func (t *tree) metaChild(obj *jsontext.Node, key string) *jsontext.Node {
	if c := t.Get(obj, key); c != nil && c.Kind() == jsontext.Object {
		return c
	}
	t.Set(obj, key, t.ObjectNode())
	return t.Get(obj, key)
}
