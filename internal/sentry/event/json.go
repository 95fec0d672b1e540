package event

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// This file holds the package's own JSON tree: a strict, lossless parser and a byte-copying
// serializer. Faultline keeps each event as JSON text, so the tree exists to edit a few keys of a
// document and write the rest back unchanged.
//
// The representation was chosen by measurement on the reference event (testdata/node-error.envelope,
// 9.5 KB) on the shared 2-core machine; see the benchmarks in normalize_test.go:
//
//	benchmark                       µs/op      allocs/op  B/op
//	BenchmarkParseTree              10-10.5    0          0
//	BenchmarkFastjsonParseMarshal   14-14.5    0          0
//	BenchmarkNormalize              32.5-33    44         38 K
//	BenchmarkDecode                 17.5-18    32         21 K
//	BenchmarkRenderStacktrace       1.4-1.5    4          2.6 K
//
// (ns/op with GOMAXPROCS=1, best of three to five runs, garbage collection included: wall-clock
// ns/op varies 2-4x with the other engineers' load; with both cores, where the collector runs
// beside the benchmark, Normalize takes 27-29.5 µs and Decode 17-19.5 µs.) Decode misses its
// 15 µs target: what remains is the string scan itself, the GC write barriers of a
// pointer-holding tree and view, and building the typed view the API returns.
//
// The tree parses as fast as valyala/fastjson parses and marshals. fastjson is not used because
// its tree can write invalid JSON: it parses leniently (raw control characters, `\x` escapes, numbers such as `1.2.3` or
// `inf` are accepted and copied to the output), and a string or key that has been read is
// re-encoded with strconv.AppendQuote, whose `\a`, `\v` and `\x7f` are Go escapes, not JSON ones.
// The store, PostgreSQL jsonb and every consumer downstream must be able to read what Normalize
// writes, so the parser here validates as it goes, repairs what Relay's forensics repair, keeps
// strings and numbers as their raw JSON text (so output is a copy) and never mutates on read.
// Decode does not build a tree at all (read.go): writing nodes was most of its cost.

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindObject
	kindArray
)

// node flags.
const (
	strEscaped uint8 = 1 << iota // a string's raw text contains backslash escapes
	keyEscaped                   // on a member's value: the member's key contains escapes
)

// node is one JSON value. Strings keep their escaped text between the quotes, numbers their
// literal text, so serializing a node copies bytes. An object or array keeps in raw its whole
// source text when that text is already what appendJSON would write (no whitespace, nothing
// repaired), so an untouched subtree is written with one copy; editing it clears raw. Objects and arrays share one child type
// (array elements have empty keys) so that one slab serves both: 48 bytes a node, 64 a member.
type node struct {
	kind  kind
	flags uint8
	raw   string
	kids  []member
}

// member is one key of an object, or one element of an array (key "").
type member struct {
	key string
	val node
}

func (n *node) escaped() bool { return n.flags&strEscaped != 0 }

func (m *member) keyEscaped() bool { return m.val.flags&keyEscaped != 0 }

const (
	// maxInputDepth bounds the nesting Normalize accepts. serde_json, which Relay parses with,
	// stops at 128; Sentry's databags (extra, contexts) are trimmed far below that.
	maxInputDepth = 128
	// maxStoredDepth bounds the nesting Decode and ParseDocument accept: normalization wraps bare
	// exception/thread/breadcrumb objects in {"values":[…]}, adding two levels to what it read.
	maxStoredDepth = maxInputDepth + 8
)

// syntaxError says where and why a document is not JSON.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.offset, e.msg)
}

// slab holds the child lists of a tree. Each nesting depth has its own chunk, and the children
// of a container are written straight into the chunk of their depth: containers nested inside
// it write to the next depth's chunk, so siblings stay contiguous without a stack and a copy
// (that copy, with its GC write barriers, was a sixth of BenchmarkNormalize). Chunks are reused
// through slabPool when the tree is only needed during one call (Normalize, Decode).
type slab struct {
	levels [][]member // levels[d] receives the children of containers at depth d
	root   [1]member
}

var slabPool = sync.Pool{New: func() any { return &slab{} }}

// next returns a fresh slot after the children written at depth d since base, moving those
// children to a larger chunk when the current one is full. Slots are not zeroed: the parser
// writes key and value.
func (sl *slab) next(d, base int) (*member, int) {
	for len(sl.levels) <= d {
		sl.levels = append(sl.levels, nil)
	}
	lv := sl.levels[d]
	if len(lv) == cap(lv) {
		n := len(lv) - base
		grown := make([]member, n, max(2*cap(lv), 2*n, 16))
		copy(grown, lv[base:])
		lv, base = grown, 0
	}
	lv = lv[:len(lv)+1]
	sl.levels[d] = lv
	return &lv[len(lv)-1], base
}

// release returns sl to the pool. Chunks are not cleared: they are overwritten when reused,
// and clearing them cost 7% of BenchmarkNormalize. Until then a pooled slab keeps the last
// event's text reachable, which the pool's own release at GC bounds.
func (sl *slab) release() {
	for i := range sl.levels {
		sl.levels[i] = sl.levels[i][:0]
	}
	slabPool.Put(sl)
}

// parser builds a tree over s.
type parser struct {
	s        string
	pos      int
	depth    int
	maxDepth int
	sl       *slab
	err      error
	lines    []string // Decode's shared backing for frame context lines
	// irregular counts what makes the input differ from its compact serialization (whitespace,
	// repaired strings, NaN/Infinity); a container whose span added none keeps it as raw.
	irregular int
}

// parseJSON parses a whole document into sl. Invalid UTF-8 is replaced by U+FFFD first, as a
// repair: an event should not be lost for one bad byte in a breadcrumb.
func parseJSON(s string, maxDepth int, sl *slab) (node, error) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	p := parser{s: s, maxDepth: maxDepth, sl: sl}
	root := &sl.root[0].val
	if !p.value(root) {
		return node{}, p.err
	}
	p.skipWS()
	if p.pos < len(p.s) {
		p.fail("unexpected %s after the document", describeByte(p.s[p.pos]))
		return node{}, p.err
	}
	return *root, nil
}

// fail records the first syntax error; parsing functions then return false.
func (p *parser) fail(format string, args ...any) bool {
	p.err = &syntaxError{offset: p.pos, msg: fmt.Sprintf(format, args...)}
	return false
}

func describeByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("character %q", c)
}

func (p *parser) skipWS() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
			p.irregular++
		default:
			return
		}
	}
}

// value parses one value into *dst, a slot in the slab. Values are written in place rather than
// returned: BenchmarkParseTree spent a third of its time copying returned nodes.
func (p *parser) value(dst *node) bool {
	p.skipWS()
	if p.pos >= len(p.s) {
		return p.fail("unexpected end of input")
	}
	switch c := p.s[p.pos]; c {
	case '{':
		return p.container(dst, kindObject)
	case '[':
		return p.container(dst, kindArray)
	case '"':
		raw, esc, ok := p.str()
		if !ok {
			return false
		}
		v := node{kind: kindString, raw: raw}
		if esc {
			v.flags = strEscaped
		}
		*dst = v
		return true
	case 't':
		return p.literal(dst, "true", kindTrue)
	case 'f':
		return p.literal(dst, "false", kindFalse)
	case 'n':
		return p.literal(dst, "null", kindNull)
	case 'N':
		// NaN and Infinity are what Python's json module writes for floats; Relay repairs them
		// (json_forensics) for Python SDKs. They become null.
		p.irregular++
		return p.literal(dst, "NaN", kindNull)
	case 'I':
		p.irregular++
		return p.literal(dst, "Infinity", kindNull)
	default:
		if c == '-' && strings.HasPrefix(p.s[p.pos:], "-Infinity") {
			p.irregular++
			return p.literal(dst, "-Infinity", kindNull)
		}
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number(dst)
		}
		return p.fail("unexpected %s", describeByte(c))
	}
}

func (p *parser) literal(dst *node, lit string, k kind) bool {
	if !strings.HasPrefix(p.s[p.pos:], lit) {
		return p.fail("invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	*dst = node{kind: k}
	return true
}

func (p *parser) number(dst *node) bool {
	raw, ok := p.lexNumber()
	if ok {
		*dst = node{kind: kindNumber, raw: raw}
	}
	return ok
}

// lexNumber reads a number with JSON's grammar and returns its text.
func (p *parser) lexNumber() (string, bool) {
	s, start := p.s, p.pos
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return "", p.fail("invalid number: expected a digit")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return "", p.fail("invalid number: expected a digit after '.'")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return "", p.fail("invalid number: expected a digit in the exponent")
		}
	}
	p.pos = i
	return s[start:i], true
}

// container parses an object or an array, its opening bracket at p.pos, into *dst.
func (p *parser) container(dst *node, k kind) bool {
	p.depth++
	if p.depth > p.maxDepth {
		return p.fail("nesting deeper than %d levels", p.maxDepth)
	}
	start, irregular := p.pos, p.irregular
	p.pos++
	closing, what := byte(']'), "array"
	if k == kindObject {
		closing, what = '}', "object"
	}
	sl, d := p.sl, p.depth
	base := 0
	if d < len(sl.levels) {
		base = len(sl.levels[d])
	}
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == closing {
		p.pos++
		p.depth--
		*dst = node{kind: k}
		return true
	}
	for {
		var m *member
		if k == kindObject {
			p.skipWS()
			if p.pos >= len(p.s) {
				return p.fail("unexpected end of input in object")
			}
			if p.s[p.pos] != '"' {
				return p.fail("expected a string key, found %s", describeByte(p.s[p.pos]))
			}
			key, esc, ok := p.str()
			if !ok {
				return false
			}
			p.skipWS()
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				return p.fail("expected ':' after object key")
			}
			p.pos++
			m, base = sl.next(d, base)
			m.key = key
			if !p.value(&m.val) {
				return false
			}
			if esc {
				m.val.flags |= keyEscaped
			}
		} else {
			m, base = sl.next(d, base)
			m.key = ""
			if !p.value(&m.val) {
				return false
			}
		}
		p.skipWS()
		if p.pos >= len(p.s) {
			return p.fail("unexpected end of input in %s", what)
		}
		if c := p.s[p.pos]; c == ',' {
			p.pos++
			continue
		} else if c == closing {
			p.pos++
			break
		}
		return p.fail("expected ',' or '%c' in %s, found %s", closing, what, describeByte(p.s[p.pos]))
	}
	lv := sl.levels[d]
	*dst = node{kind: k, kids: lv[base:len(lv):len(lv)]}
	if p.irregular == irregular {
		dst.raw = p.s[start:p.pos]
	}
	p.depth--
	return true
}

// str reads a string starting at its opening quote and returns its raw (still escaped) text.
// Eight bytes are checked at a time for a quote, a backslash or a control character, and the
// scan jumps straight to the first such byte: the borrow in the check only ever marks bytes
// after a true match, so the lowest marked byte is exact. Input is valid UTF-8 already, so
// bytes >= 0x80 need no look.
func (p *parser) str() (raw string, esc, ok bool) {
	s := p.s
	start := p.pos + 1
	i := start
	for {
		for i+8 <= len(s) {
			w := load8(s, i)
			q := w ^ (lsb * '"')
			b := w ^ (lsb * '\\')
			if m := ((q-lsb)&^q | (b-lsb)&^b | (w-lsb*0x20)&^w) & msb; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"':
			p.pos = i + 1
			return s[start:i], esc, true
		case c == '\\':
			n, ok := escapeLen(s[i:])
			if !ok {
				return p.strRepair(start)
			}
			esc = true
			i += n
		case c < 0x20:
			return p.strRepair(start)
		default:
			// Fewer than eight bytes are left: look at them one by one.
			i++
		}
	}
	p.pos = len(s)
	return "", false, p.fail("unterminated string")
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// load8 reads s[i:i+8] as one little-endian word; the caller guarantees i+8 <= len(s). Reading
// the string's bytes through a []byte view is safe because nothing writes to it, and lets the
// compiler emit one load instead of eight.
func load8(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i:])
}

// escapeLen returns the length of the valid escape sequence at the start of s; ok is false for
// an escape JSON does not allow or a lone UTF-16 surrogate.
func escapeLen(s string) (int, bool) {
	if len(s) < 2 {
		return 0, false
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			return 0, false
		}
		if !utf16.IsSurrogate(r) {
			return 6, true
		}
		if r >= 0xdc00 || len(s) < 12 || s[6] != '\\' || s[7] != 'u' {
			return 0, false
		}
		r2, ok := hex4(s[8:])
		if !ok || r2 < 0xdc00 || r2 > 0xdfff {
			return 0, false
		}
		return 12, true
	}
	return 0, false
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := range 4 {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// strRepair re-reads a string that holds a raw control character or a lone surrogate escape
// (both of which serde_json, and so Relay, reject) and returns a repaired raw text: control
// characters escaped, lone surrogates replaced by U+FFFD. Other invalid escapes stay errors.
func (p *parser) strRepair(start int) (raw string, esc, ok bool) {
	p.irregular++
	s := p.s
	var b strings.Builder
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return b.String(), true, true
		case c == '\\':
			n, ok := escapeLen(s[i:])
			if ok {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
			if len(s) >= i+6 && s[i+1] == 'u' {
				if r, ok := hex4(s[i+2:]); ok && utf16.IsSurrogate(r) {
					b.WriteString(`\ufffd`)
					i += 6
					continue
				}
			}
			p.pos = i
			return "", false, p.fail("invalid escape sequence in string")
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	p.pos = len(s)
	return "", false, p.fail("unterminated string")
}

const hexDigits = "0123456789abcdef"

// appendJSON serializes n.
func appendJSON(dst []byte, n *node) []byte {
	settle(n)
	return appendNode(dst, n)
}

// settle clears the source text of every container below n whose content was edited, and
// reports whether n's own text is stale. Editing methods clear raw on the container they edit;
// this walk carries that to its ancestors, which hold no pointer to what they contain. Trees
// whose nodes share member lists must be copied before editing (cloneObject), or the copy that
// was not edited would keep its old text.
func settle(n *node) bool {
	if n.kind != kindObject && n.kind != kindArray {
		return false
	}
	dirty := n.raw == ""
	for i := range n.kids {
		if settle(&n.kids[i].val) {
			dirty = true
		}
	}
	if dirty && n.raw != "" {
		n.raw = "" // written only once, so a settled tree is only read by later calls
	}
	return dirty
}

// appendNode serializes n after settle.
func appendNode(dst []byte, n *node) []byte {
	switch n.kind {
	case kindNull:
		return append(dst, "null"...)
	case kindFalse:
		return append(dst, "false"...)
	case kindTrue:
		return append(dst, "true"...)
	case kindNumber:
		return append(dst, n.raw...)
	case kindString:
		dst = append(dst, '"')
		dst = append(dst, n.raw...)
		return append(dst, '"')
	case kindObject:
		if n.raw != "" {
			return append(dst, n.raw...)
		}
		dst = append(dst, '{')
		for i := range n.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			m := &n.kids[i]
			dst = append(dst, '"')
			dst = append(dst, m.key...)
			dst = append(dst, '"', ':')
			dst = appendNode(dst, &m.val)
		}
		return append(dst, '}')
	case kindArray:
		if n.raw != "" {
			return append(dst, n.raw...)
		}
		dst = append(dst, '[')
		for i := range n.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendNode(dst, &n.kids[i].val)
		}
		return append(dst, ']')
	}
	return dst
}

// appendEscaped writes s as the inside of a JSON string literal.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// escapeRaw returns s in raw (escaped) form and whether it needed escapes.
func escapeRaw(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return string(appendEscaped(nil, s)), true
		}
	}
	return s, false
}

// unescape turns a raw string back into text. The raw text was validated by the parser or
// written by appendEscaped.
func unescape(raw string) string {
	i := strings.IndexByte(raw, '\\')
	if i < 0 {
		return raw
	}
	b := make([]byte, 0, len(raw))
	b = append(b, raw[:i]...)
	for i < len(raw) {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			break
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(raw[i+2:])
			if !ok {
				return string(b)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(raw[i+2:])
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return string(b)
}

// Constructors for values the normalizer writes.

func stringNode(s string) node {
	raw, esc := escapeRaw(s)
	n := node{kind: kindString, raw: raw}
	if esc {
		n.flags = strEscaped
	}
	return n
}

func numberNode(raw string) node { return node{kind: kindNumber, raw: raw} }

func boolNode(b bool) node {
	if b {
		return node{kind: kindTrue}
	}
	return node{kind: kindFalse}
}

func objectNode(ms ...member) node { return node{kind: kindObject, kids: ms} }

func arrayNode(ns ...node) node {
	ms := make([]member, len(ns))
	for i := range ns {
		ms[i].val = ns[i]
	}
	return node{kind: kindArray, kids: ms}
}

// field makes a member from a plain key.
func field(key string, v node) member {
	raw, esc := escapeRaw(key)
	v.flags &^= keyEscaped
	if esc {
		v.flags |= keyEscaped
	}
	return member{key: raw, val: v}
}

// Reading and editing.

func (m *member) is(key string) bool {
	if m.val.flags&keyEscaped == 0 {
		return m.key == key
	}
	return unescape(m.key) == key
}

// name returns the member's key as text.
func (m *member) name() string {
	if m.val.flags&keyEscaped == 0 {
		return m.key
	}
	return unescape(m.key)
}

// get returns the value of key in object n, or nil. A pointer into n is valid until n's members
// change. When a key repeats, the last one counts, as in serde_json (Relay) and in Decode.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	if i := n.index(key); i >= 0 {
		return &n.kids[i].val
	}
	return nil
}

// elems returns an array's elements, nil for other kinds.
func (n *node) elems() []member {
	if n == nil || n.kind != kindArray {
		return nil
	}
	return n.kids
}

// index returns the position of the last key in object n, or -1.
func (n *node) index(key string) int {
	for i := len(n.kids) - 1; i >= 0; i-- {
		if n.kids[i].is(key) {
			return i
		}
	}
	return -1
}

// set replaces the value of key in object n or appends it. The value keeps the existing
// member's key flags. Appending copies the members unless n was given room with reserve: parsed
// member lists are capped, so a node copied by value never sees another's append.
func (n *node) set(key string, v node) {
	n.raw = ""
	if i := n.index(key); i >= 0 {
		v.flags = v.flags&^keyEscaped | n.kids[i].val.flags&keyEscaped
		n.kids[i].val = v
		return
	}
	n.kids = append(n.kids, field(key, v))
}

// reserve gives n room for extra members, so that the keys normalization adds to the event
// object do not copy it each time (that cost 12% of BenchmarkNormalize). Only a node that is
// not shared may be given room.
func (n *node) reserve(extra int) {
	n.raw = ""
	n.kids = slices.Grow(n.kids[:len(n.kids):len(n.kids)], extra)
}

// push appends an element to array n.
func (n *node) push(v node) {
	v.flags &^= keyEscaped
	n.raw = ""
	n.kids = append(n.kids, member{val: v})
}

// del removes key from object n.
func (n *node) del(key string) {
	if i := n.index(key); i >= 0 {
		n.raw = ""
		kids := make([]member, 0, len(n.kids)-1)
		kids = append(kids, n.kids[:i]...)
		n.kids = append(kids, n.kids[i+1:]...)
	}
}

// text returns a string node's text, "" for other kinds.
func (n *node) text() string {
	if n == nil || n.kind != kindString {
		return ""
	}
	if n.flags&strEscaped == 0 {
		return n.raw
	}
	return unescape(n.raw)
}

// lenient returns strings as they are and numbers and booleans as their JSON text, the way Relay
// reads "lenient string" fields such as release and tag values.
func (n *node) lenient() string {
	if n == nil {
		return ""
	}
	switch n.kind {
	case kindString:
		return n.text()
	case kindNumber:
		return n.raw
	case kindTrue:
		return "true"
	case kindFalse:
		return "false"
	}
	return ""
}

// int returns an integral number node's value.
func (n *node) int() (int64, bool) {
	if n == nil || n.kind != kindNumber {
		return 0, false
	}
	if i, err := strconv.ParseInt(n.raw, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(n.raw, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func (n *node) boolean() (value, ok bool) {
	if n == nil {
		return false, false
	}
	switch n.kind {
	case kindTrue:
		return true, true
	case kindFalse:
		return false, true
	}
	return false, false
}
