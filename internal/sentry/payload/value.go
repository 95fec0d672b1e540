package payload

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/faultline/faultline/internal/jsontext"
)

// Kind says which field of a Value holds its content.
type Kind uint8

// The kinds a dynamic value can take; they mirror what OTel attributes can hold.
const (
	KindEmpty Kind = iota // JSON null or absent
	KindString
	KindBool
	KindInt
	KindDouble
	KindArray
	KindMap
)

// Value is a dynamically typed value from a payload: span data, typed log attributes, link
// attributes. Arrays and objects keep their structure so the translator can build OTel slices and
// maps without re-parsing.
type Value struct {
	Kind   Kind
	Str    string
	Bool   bool
	Int    int64
	Double float64
	Array  []Value
	Map    []Attr
}

// Attr is one named value. Unit is set only where the protocol carries one (v2 span attributes,
// measurements).
type Attr struct {
	Key   string
	Value Value
	Unit  string
}

// Tag is one string-valued Sentry tag.
type Tag struct {
	Key   string
	Value string
}

// Bounds on what one payload may make the receiver build, so that its cost is bounded by these
// numbers and not by how many tiny values fit in the item's size limit.
const (
	// MaxAttributes bounds the attributes read from one object (span data, typed attributes,
	// measurements), as OTel SDKs bound a span's attributes by default (AttributeCountLimit).
	// pcommon.Map looks up every key it is given, so unbounded maps cost quadratic time.
	MaxAttributes = 128
	// MaxTags bounds the tags of one payload, as event normalization bounds an event's.
	MaxTags = 200
	// MaxPayloadValues bounds the JSON values (containers and entries) read from one payload.
	// A container of MaxContainerItems entries of a few dozen values each stays well below it.
	MaxPayloadValues = 200_000
	// MaxContainerItems bounds the entries read from a container (logs, v2 spans, trace
	// metrics, session aggregates) and the child spans of a transaction. SDKs send at most a
	// few hundred at once (sentry-python's max_spans is 1000, log batches flush at 100, session
	// aggregates hold one bucket per minute since the last flush).
	MaxContainerItems = 1000
)

// trees are shared by all decoders: every decoder copies what it keeps (own) before the tree
// goes back.
var trees = sync.Pool{New: func() any { return new(jsontext.Tree) }}

// node is a value of a parsed payload; the zero node is an absent value, which reads as null.
type node struct {
	t *jsontext.Tree
	n *jsontext.Node
}

// Get returns the value at the path of keys, absent when any step is not an object or lacks
// the key. Where a key repeats, the last one counts, as in serde_json.
func (v node) Get(keys ...string) node {
	for _, k := range keys {
		if v.n = v.t.Get(v.n, k); v.n == nil {
			return node{}
		}
	}
	return v
}

// exists reports whether the value is present (null counts as present).
func (v node) exists() bool { return v.n != nil }

// kind returns the value's JSON type; an absent value is null.
func (v node) kind() jsontext.Kind {
	if v.n == nil {
		return jsontext.Null
	}
	return v.n.Kind()
}

// scalar returns the value's kind and raw text, which share the payload.
func (v node) scalar() jsontext.Scalar { return v.t.Scalar(v.n) }

// text returns an owned copy of the string at the path of keys, "" when it is not a string.
func (v node) text(keys ...string) string {
	return own(v.t.Text(v.Get(keys...).n))
}

// own copies a text read from the tree: the tree's texts share the payload, which the caller
// may reuse, and the tree goes back to the pool.
func own(s string) string {
	if len(s) == 1 {
		// Converting one byte takes the runtime's static string of it, as string(b) did
		// for tag values such as "3"; strings.Clone would allocate.
		b := [1]byte{s[0]}
		return string(b[:])
	}
	return strings.Clone(s)
}

// elems returns an array's elements, none for other kinds.
func (v node) elems() iter.Seq[node] {
	return func(yield func(node) bool) {
		kids := v.t.Elems(v.n)
		for i := range kids {
			if !yield(node{v.t, &kids[i]}) {
				return
			}
		}
	}
}

// members returns an object's keys (which share the payload) and values in order, none for
// other kinds.
func (v node) members() iter.Seq2[string, node] {
	return func(yield func(string, node) bool) {
		if v.kind() != jsontext.Object {
			return
		}
		kids := v.t.Kids(v.n)
		for i := range kids {
			if !yield(v.t.Name(&kids[i]), node{v.t, &kids[i]}) {
				return
			}
		}
	}
}

// len returns how many members or elements a container has.
func (v node) len() int {
	if v.n == nil {
		return 0
	}
	return v.n.Len()
}

// parseObject parses raw as a JSON object and hands it to decode. The tree goes back to the pool
// afterwards, so decode must copy every string it keeps (own). raw is bounded first (limitJSON),
// so that no payload makes the parser hold more than MaxPayloadValues values.
func parseObject(what string, raw []byte, decode func(node) error) error {
	return parseContainer(what, raw, func(v node, _ Cut) error { return decode(v) })
}

// Cut says what limitJSON left out of a payload.
type Cut struct {
	// Items counts the elements cut from arrays that are members of the top-level object: a
	// container's items beyond MaxContainerItems, a transaction's child spans.
	Items int
	// Data reports that anything else was cut: entries of a nested array or object beyond
	// MaxContainerItems, or what follows the first MaxPayloadValues values.
	Data bool
}

// parseContainer is parseObject that tells decode what was cut.
func parseContainer(what string, raw []byte, decode func(v node, cut Cut) error) error {
	raw, cut := limitJSON(raw, MaxContainerItems, MaxPayloadValues)
	t := trees.Get().(*jsontext.Tree)
	defer func() {
		t.Reset()
		trees.Put(t)
	}()
	if err := t.Parse(unsafe.String(unsafe.SliceData(raw), len(raw)), jsontext.Options{}); err != nil {
		return fmt.Errorf("decode %s: invalid JSON: %w", what, err)
	}
	v := node{t, t.Root()}
	if v.kind() != jsontext.Object {
		return fmt.Errorf("decode %s: payload is a JSON %s, want an object", what, v.kind())
	}
	return decode(v, cut)
}

// limitJSON returns raw with every array and object cut after its first maxEntries entries and,
// once maxValues values (containers and entries) have begun, every container still open cut after
// the entry it is in. Cuts fall between entries, so valid JSON stays valid. the parser builds a
// 36-byte node for every value, and growing its lists several times that, so this is what keeps a 10 MiB
// span of tiny values from costing gigabytes. It reads only structure (strings, brackets, commas)
// in one pass and allocates only when it cuts; input that is not JSON is left for the parser to
// reject, and what is cut is never read.
func limitJSON(raw []byte, maxEntries, maxValues int) ([]byte, Cut) {
	type open struct {
		entries int
		array   bool
	}
	var (
		out    []byte
		cut    Cut
		last   int
		values int
		stack  []open
	)
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '"':
			i = quoteEnd(raw, i)
		case '{', '[':
			values++
			stack = append(stack, open{entries: 1, array: c == '['})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) == 0 {
				continue
			}
			values++
			top := &stack[len(stack)-1]
			if top.entries++; top.entries <= maxEntries && values < maxValues {
				continue
			}
			// Cut from this comma to the bracket that closes the container.
			end, rest := closeOf(raw, i+1)
			out = append(out, raw[last:i]...)
			last = end
			if len(stack) == 2 && !stack[0].array && top.array {
				cut.Items += rest
			} else {
				cut.Data = true
			}
			i = end - 1
		}
	}
	if out == nil {
		return raw, cut
	}
	return append(out, raw[last:]...), cut
}

// quoteEnd returns the index of the quote that ends the string opening at i, or the last index
// when the string does not end.
func quoteEnd(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(raw) - 1
}

// closeOf returns the index of the bracket that closes the container open at i (len(raw) when
// none does), and how many entries begin between i and it.
func closeOf(raw []byte, i int) (end, entries int) {
	depth := 0
	entries = 1
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			i = quoteEnd(raw, i)
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, entries
			}
			depth--
		case ',':
			if depth == 0 {
				entries++
			}
		}
	}
	return len(raw), entries
}

// named is kind followed by id when there is one, for error messages.
func named(kind, id string) string {
	if id == "" {
		return kind
	}
	return kind + " " + id
}

// str reads key as a "lenient string" the way Relay does for release and tag values: strings as
// they are, numbers as their JSON text, booleans as true/false, anything else as absent.
func str(v node, key string) string {
	return lenient(v.Get(key))
}

func lenient(f node) string {
	return own(f.scalar().Lenient())
}

// integer reads key as a non-fractional number; strings holding one are accepted too because SDKs
// serialize 64-bit integers as strings where JavaScript would lose precision.
func integer(v node, key string) int64 {
	f := v.Get(key).scalar()
	switch f.Kind {
	case jsontext.Number:
		if n, ok := f.IntLiteral(); ok {
			return n
		}
		x, _ := strconv.ParseFloat(f.Raw, 64)
		return int64(x)
	case jsontext.String:
		n, _ := strconv.ParseInt(f.Text(), 10, 64)
		return n
	}
	return 0
}

// number reads key as a float; ok is false when it is absent or not numeric.
func number(v node, key string) (x float64, ok bool) {
	f := v.Get(key).scalar()
	if f.Kind != jsontext.Number {
		return 0, false
	}
	x, err := strconv.ParseFloat(f.Raw, 64)
	return x, err == nil
}

// boolean reads key as a JSON boolean; anything else is false.
func boolean(v node, key string) bool {
	return v.Get(key).kind() == jsontext.True
}

// rawJSON returns the compact JSON text of key, or "" when absent or null.
func rawJSON(v node, key string) string {
	f := v.Get(key)
	if f.kind() == jsontext.Null {
		return ""
	}
	return string(f.t.AppendJSON(nil, f.n))
}

var errNoTimestamp = errors.New("no timestamp")

// timestamp reads key as a Sentry timestamp: a number of seconds since the epoch (fractions keep
// microseconds as SDKs send them) or an RFC 3339 string; strings without a zone are UTC.
func timestamp(v node, key string) (time.Time, error) {
	f := v.Get(key).scalar()
	switch f.Kind {
	case jsontext.Null:
		return time.Time{}, errNoTimestamp
	case jsontext.Number:
		x, err := strconv.ParseFloat(f.Raw, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 1e11 {
			return time.Time{}, fmt.Errorf("%s %s is not a time in seconds since the epoch", key, f.Raw)
		}
		sec, frac := math.Modf(x)
		// Round to the microsecond: float seconds carry no more than that, and rounding keeps
		// 1795645345.4006274 from becoming …400627399.
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
	case jsontext.String:
		s := f.Text()
		t, err := parseTimeString(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", key, s)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s is a JSON %s, want a number or a string", key, f.Kind)
}

// optionalTimestamp is timestamp for fields that may be absent: a missing one is the zero time,
// a malformed one still fails.
func optionalTimestamp(v node, key string) (time.Time, error) {
	t, err := timestamp(v, key)
	if err == errNoTimestamp {
		return time.Time{}, nil
	}
	return t, err
}

func parseTimeString(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	// Naive times (no zone) are UTC, as in Relay.
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
}

// tags reads key as Sentry tags: an object of strings or a list of [key, value] pairs. Empty keys
// are dropped; later duplicates are dropped (first one wins, like Relay's deduplication).
func tags(v node, key string) []Tag {
	f := v.Get(key)
	var out []Tag
	add := func(k string, val node) {
		if k == "" || val.kind() == jsontext.Null || len(out) == MaxTags {
			return
		}
		for _, t := range out {
			if t.Key == k {
				return
			}
		}
		out = append(out, Tag{Key: own(k), Value: lenient(val)})
	}
	switch f.kind() {
	case jsontext.Object:
		out = make([]Tag, 0, min(f.len(), MaxTags))
		for k, val := range f.members() {
			add(k, val)
		}
	case jsontext.Array:
		out = make([]Tag, 0, min(f.len(), MaxTags))
		for p := range f.elems() {
			if p.kind() != jsontext.Array || p.len() != 2 {
				continue
			}
			kv := f.t.Kids(p.n)
			add(f.t.Scalar(&kv[0]).Lenient(), node{f.t, &kv[1]})
		}
	}
	return out
}

// toValue converts any JSON value into a Value, keeping integers apart from doubles.
func toValue(f node) Value {
	switch f.kind() {
	case jsontext.String:
		return Value{Kind: KindString, Str: own(f.t.Text(f.n))}
	case jsontext.True:
		return Value{Kind: KindBool, Bool: true}
	case jsontext.False:
		return Value{Kind: KindBool}
	case jsontext.Number:
		s := f.scalar()
		if n, ok := s.IntLiteral(); ok {
			return Value{Kind: KindInt, Int: n}
		}
		x, _ := strconv.ParseFloat(s.Raw, 64)
		return Value{Kind: KindDouble, Double: x}
	case jsontext.Array:
		out := make([]Value, 0, f.len())
		for e := range f.elems() {
			out = append(out, toValue(e))
		}
		return Value{Kind: KindArray, Array: out}
	case jsontext.Object:
		attrs, _ := objectAttrs(f)
		return Value{Kind: KindMap, Map: attrs}
	}
	return Value{}
}

// objectAttrs converts the first MaxAttributes members of a JSON object into attributes in
// document order, and returns how many members it left out.
func objectAttrs(f node) (attrs []Attr, dropped int) {
	if f.kind() != jsontext.Object {
		return nil, 0
	}
	out := make([]Attr, 0, min(f.len(), MaxAttributes))
	for k, val := range f.members() {
		if len(out) == MaxAttributes {
			dropped++
			continue
		}
		out = append(out, Attr{Key: own(k), Value: toValue(val)})
	}
	return out, dropped
}

// typedAttrs reads the protocol's typed attribute object {key: {"type": t, "value": v, "unit": u}}
// used by log items and v2 spans. The declared type decides the kind where the JSON value allows
// it (an "integer" sent as a string stays an integer); otherwise the JSON value's own type wins.
// Only the first MaxAttributes members are read; dropped says how many more there were.
func typedAttrs(v node, key string) (attrs []Attr, dropped int) {
	f := v.Get(key)
	if f.kind() != jsontext.Object {
		return nil, 0
	}
	out := make([]Attr, 0, min(f.len(), MaxAttributes))
	for k, a := range f.members() {
		if len(out) == MaxAttributes {
			dropped++
			continue
		}
		if a.kind() != jsontext.Object {
			// Some SDKs send bare values; keep them rather than drop them.
			out = append(out, Attr{Key: own(k), Value: toValue(a)})
			continue
		}
		raw := a.Get("value")
		if !raw.exists() {
			continue
		}
		val := toValue(raw)
		switch a.t.Text(a.Get("type").n) {
		case "integer":
			if val.Kind == KindString {
				if n, err := strconv.ParseInt(val.Str, 10, 64); err == nil {
					val = Value{Kind: KindInt, Int: n}
				}
			} else if val.Kind == KindDouble && val.Double == math.Trunc(val.Double) {
				val = Value{Kind: KindInt, Int: int64(val.Double)}
			}
		case "double":
			if val.Kind == KindInt {
				val = Value{Kind: KindDouble, Double: float64(val.Int)}
			} else if val.Kind == KindString {
				if x, err := strconv.ParseFloat(val.Str, 64); err == nil {
					val = Value{Kind: KindDouble, Double: x}
				}
			}
		case "string":
			if val.Kind != KindString {
				val = Value{Kind: KindString, Str: lenient(raw)}
			}
		}
		out = append(out, Attr{Key: own(k), Value: val, Unit: a.text("unit")})
	}
	return out, dropped
}

// isHex reports whether s is exactly n lowercase or uppercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// traceID normalizes a trace id: 32 hex digits, or a UUID with dashes, lowercased. It returns ""
// for anything else so callers can treat the id as absent.
func traceID(s string) string {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if !isHex(s, 32) {
		return ""
	}
	return lower(s)
}

// spanID normalizes a span id: 16 hex digits, lowercased, or "".
func spanID(s string) string {
	if !isHex(s, 16) {
		return ""
	}
	return lower(s)
}

// eventID normalizes an event id the way trace ids are normalized (both are UUIDs).
func eventID(s string) string { return traceID(s) }

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
