package jsontext

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// DefaultMaxDepth is the nesting serde_json, which Relay parses with, stops at.
const DefaultMaxDepth = 128

// Options says how deep a document may nest and which strings count as long.
type Options struct {
	// MaxDepth bounds the nesting of containers, the top-level one being at depth 1. Deeper
	// containers are not kept: they read as null and count in Shape.DeepCuts (a document should
	// not be lost for one absurdly nested value; serde_json rejects it instead). 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// LongString is the raw length past which a string counts in Shape.LongStrings.
	LongString int
}

// SyntaxError says where and why a document is not JSON.
type SyntaxError struct {
	Offset int // in the text as read, after invalid UTF-8 was replaced
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// parser reads JSON text: into a Tree (t set, Tree.Parse) or value by value (Reader).
type parser struct {
	s          string
	pos        int
	depth      int
	maxDepth   int
	longString int
	t          *Tree
	err        error
	repaired   string // the raw text of the last string scanString repaired
	// irregular counts what makes the input differ from its compact serialization (whitespace,
	// repaired strings, NaN/Infinity); a container whose span added none is compact.
	irregular int
}

// validText returns s with invalid UTF-8 replaced by U+FFFD, as a repair: a document should not
// be lost for one bad byte in one of its strings.
func validText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// Parse parses the document s into t, which must be new or Reset, and makes it t's root. Texts
// in the tree share s.
func (t *Tree) Parse(s string, opt Options) error {
	s = validText(s)
	if len(s) > math.MaxInt32 {
		return &SyntaxError{Msg: "document larger than 2 GiB"}
	}
	t.src = s
	p := parser{s: s, maxDepth: opt.MaxDepth, longString: opt.LongString, t: t}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	if !p.value(&t.root) {
		return p.err
	}
	if !p.end() {
		return p.err
	}
	return nil
}

// end checks that nothing but whitespace follows the document.
func (p *parser) end() bool {
	p.skipWS()
	if p.pos < len(p.s) {
		return p.fail("unexpected %s after the document", describeByte(p.s[p.pos]))
	}
	return true
}

// fail records the first syntax error; parsing functions then return false.
func (p *parser) fail(format string, args ...any) bool {
	p.err = &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
	return false
}

func describeByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return fmt.Sprintf("character %q", c)
}

// skipWS skips whitespace. Compact input has none, so the check for that is kept small enough
// to be inlined.
func (p *parser) skipWS() {
	if p.pos < len(p.s) && p.s[p.pos] > ' ' {
		return
	}
	p.skipSpaces()
}

func (p *parser) skipSpaces() {
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

// value parses one value into *dst, a slot of the parser's level lists, overwriting all of it:
// the caller sets a member's key afterwards.
func (p *parser) value(dst *Node) bool {
	var c byte
	if p.pos < len(p.s) {
		c = p.s[p.pos]
	}
	if c <= ' ' {
		p.skipSpaces()
		if p.pos >= len(p.s) {
			return p.fail("unexpected end of input")
		}
		c = p.s[p.pos]
	}
	// Strings are most values, and most of them have no escapes.
	textStart := p.pos + 1 // a string's, after its quote
	if c == '"' {
		if end := p.plainString(); end >= 0 {
			*dst = Node{kind: String, raw: span{int32(textStart), int32(end - textStart)}}
			if end-textStart > p.longString {
				p.t.Shape.LongStrings++
			}
			return true
		}
	}
	switch c {
	case '{':
		return p.container(dst, Object)
	case '[':
		return p.container(dst, Array)
	case '"':
		end, esc, ok := p.scanString()
		if !ok {
			return false
		}
		raw, flags := span{int32(textStart), int32(end - textStart)}, uint8(0)
		if end < 0 {
			raw, flags = span{p.t.own(p.repaired), int32(len(p.repaired))}, rawOwned
		}
		if esc {
			flags |= strEscaped
		}
		*dst = Node{kind: String, flags: flags, raw: raw}
		if int(raw.len) > p.longString {
			p.t.Shape.LongStrings++
		}
		return true
	case 't':
		return p.literal(dst, "true", True)
	case 'f':
		return p.literal(dst, "false", False)
	case 'n':
		return p.literal(dst, "null", Null)
	case 'N':
		// NaN and Infinity are what Python's json module writes for floats; Relay repairs them
		// (json_forensics) for Python SDKs. They become null.
		p.irregular++
		return p.literal(dst, "NaN", Null)
	case 'I':
		p.irregular++
		return p.literal(dst, "Infinity", Null)
	default:
		if c == '-' && strings.HasPrefix(p.s[p.pos:], "-Infinity") {
			p.irregular++
			return p.literal(dst, "-Infinity", Null)
		}
		if c == '-' || (c >= '0' && c <= '9') {
			start := p.pos
			if _, ok := p.lexNumber(); !ok {
				return false
			}
			*dst = Node{kind: Number, raw: span{int32(start), int32(p.pos - start)}}
			return true
		}
		return p.fail("unexpected %s", describeByte(c))
	}
}

func (p *parser) literal(dst *Node, lit string, k Kind) bool {
	if !strings.HasPrefix(p.s[p.pos:], lit) {
		return p.fail("invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	*dst = Node{kind: k}
	return true
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

// container parses an object or an array, its opening bracket at p.pos, into *dst. Children
// are written into the list of their depth, so that containers nested inside write to the next
// depth's list and siblings stay contiguous; when the container closes they move to a run of
// their own, a copy of plain bytes.
func (p *parser) container(dst *Node, k Kind) bool {
	if p.depth == p.maxDepth {
		// Deeper data is not kept: a document should not be lost for one absurdly nested value.
		// serde_json, which Relay parses with, rejects the whole document instead.
		p.irregular++
		p.t.Shape.DeepCuts++
		*dst = Node{kind: Null}
		return p.skipNested()
	}
	p.depth++
	p.t.Shape.Deepest = max(p.t.Shape.Deepest, p.depth)
	start, irregular := p.pos, p.irregular
	p.pos++
	closing := closingBracket(k)
	t, d := p.t, p.depth
	for len(t.levels) <= d {
		t.levels = append(t.levels, nil)
		t.spilled = append(t.spilled, nil)
	}
	t.spilled[d] = t.spilled[d][:0]
	p.skipWS()
	n := 0
	if p.pos < len(p.s) && p.s[p.pos] == closing {
		p.pos++
	} else if n = p.children(k); n < 0 {
		return false
	}
	var r run
	if spilled := t.spilled[d]; len(spilled) > 0 {
		// A container wider than spillNodes: its segments are joined into a chunk of its own.
		all := make([]Node, 0, n)
		for _, s := range spilled {
			all = append(all, s...)
		}
		all = append(all, t.levels[d][:n-len(all)]...)
		clear(spilled)
		t.spilled[d] = spilled[:0]
		r = t.adopt(all)
	} else if n > chunkNodes {
		// A wide container's list becomes a chunk of its own instead of being copied.
		r = t.adopt(t.levels[d][:n:n])
		t.levels[d] = nil
	} else if n > 0 {
		r = t.alloc(n)
		copy(t.chunks[r.chunk][r.first:], t.levels[d][:n])
	}
	t.Shape.Widest = max(t.Shape.Widest, n)
	v := Node{kind: k, kids: r}
	if p.irregular == irregular {
		v.flags, v.raw = compact, span{int32(start), int32(p.pos - start)}
	}
	*dst = v
	p.depth--
	return true
}

// skipNested reads past the object or array at p.pos without keeping it. It checks only what
// finding its end needs: brackets that balance and strings that end.
func (p *parser) skipNested() bool {
	open := 0
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case '{', '[':
			open++
		case '}', ']':
			if open--; open == 0 {
				p.pos++
				return true
			}
		case '"':
			if _, _, ok := p.scanString(); !ok {
				return false
			}
			continue
		}
		p.pos++
	}
	return p.fail("unexpected end of input in a nested value")
}

func closingBracket(k Kind) byte {
	if k == Object {
		return '}'
	}
	return ']'
}

// containerName names Kind k, an object or array, in syntax errors.
func containerName(k Kind) string {
	if k == Object {
		return "object"
	}
	return "array"
}

// children parses the members or elements of a container up to and including its closing
// bracket into the list of its depth, p.depth, and returns how many there are, -1 on a syntax
// error. The list is held in a local: nothing nested writes to this depth, and this way adding
// a child needs no loads and bounds checks of the Tree's lists. Everything kept across the
// calls of value is reloaded after them, so children takes as little as it can.
func (p *parser) children(k Kind) int {
	t := p.t
	level := t.levels[p.depth]
	spilled := 0 // children already moved to t.spilled
	for n := 0; ; {
		if n == len(level) {
			if len(level) >= spillNodes {
				// Past spillNodes the list grows by segments, joined once at the close: a
				// 300,000-wide array costs its nodes twice in all instead of nearly four
				// times with doubling (BenchmarkHostileShapes in the sentry receiver).
				t.spilled[p.depth] = append(t.spilled[p.depth], level)
				spilled += n
				level, n = make([]Node, spillNodes), 0
			} else {
				grown := make([]Node, max(2*len(level), 16))
				copy(grown, level)
				level = grown
			}
			t.levels[p.depth] = level
		}
		m := &level[n]
		n++
		if k == Object {
			// Compact input has no whitespace between the tokens of a member: the checks for
			// it are made only when the expected byte is not there.
			if p.pos >= len(p.s) || p.s[p.pos] != '"' {
				p.skipWS()
				if p.pos >= len(p.s) {
					p.fail("unexpected end of input in object")
					return -1
				}
				if p.s[p.pos] != '"' {
					p.fail("expected a string key, found %s", describeByte(p.s[p.pos]))
					return -1
				}
			}
			keyStart := p.pos + 1
			keyEnd, esc, ok := p.plainString(), false, true
			if keyEnd < 0 {
				if keyEnd, esc, ok = p.scanString(); !ok {
					return -1
				}
			}
			// The value may be a repaired string too and overwrite p.repaired.
			repairedKey := p.repaired
			if p.pos >= len(p.s) || p.s[p.pos] != ':' {
				p.skipWS()
				if p.pos >= len(p.s) || p.s[p.pos] != ':' {
					p.fail("expected ':' after object key")
					return -1
				}
			}
			p.pos++
			if !p.value(m) {
				return -1
			}
			if keyEnd < 0 {
				m.key = span{t.own(repairedKey), int32(len(repairedKey))}
				m.flags |= keyOwned
			} else {
				m.key = span{int32(keyStart), int32(keyEnd - keyStart)}
			}
			if esc {
				m.flags |= keyEscaped
			}
		} else if !p.value(m) {
			return -1
		}
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		p.skipWS()
		if p.pos >= len(p.s) {
			p.fail("unexpected end of input in %s", containerName(k))
			return -1
		}
		if c := p.s[p.pos]; c == ',' {
			p.pos++
			continue
		} else if c == closingBracket(k) {
			p.pos++
			return spilled + n
		}
		p.fail("expected ',' or '%c' in %s, found %s", closingBracket(k), containerName(k), describeByte(p.s[p.pos]))
		return -1
	}
}

// str reads a string starting at its opening quote and returns its raw (still escaped) text.
func (p *parser) str() (raw string, esc, ok bool) {
	start := p.pos + 1
	end, esc, ok := p.scanString()
	if end < 0 {
		return p.repaired, esc, ok
	}
	return p.s[start:end], esc, ok
}

// plainString reads a string starting at its opening quote and returns the offset of its closing
// quote, when the string has no escapes and nothing to repair: the common case, kept small
// enough to be inlined. Any other string returns a negative number and leaves p.pos as it was,
// for scanString.
func (p *parser) plainString() int {
	end := stringEnd(p.s, p.pos)
	if end >= 0 {
		p.pos = end + 1
	}
	return end
}

// scanString reads a string starting at its opening quote and returns the offset of the closing
// quote. A string that had to be repaired returns -1, its repaired raw text in p.repaired.
func (p *parser) scanString() (end int, esc, ok bool) {
	s := p.s
	start := p.pos + 1
	for i := start; ; {
		if end := stringEnd(s, i-1); end >= 0 {
			p.pos = end + 1
			return end, esc, true
		} else if i = ^end; i >= len(s) {
			break
		}
		if s[i] != '\\' { // a control character
			return p.repair(start)
		}
		n, valid := escapeLen(s[i:])
		if !valid {
			return p.repair(start)
		}
		esc = true
		i += n
	}
	p.pos = len(s)
	return start, false, p.fail("unterminated string")
}

// stringEnd looks for the first quote, backslash or control character in s after offset i (an
// opening quote, or the last byte of an escape: taking the quote keeps plainString inlined). It
// returns the offset of a quote, the string's end, and ^offset for the others (^len(s) when there
// is none), so that the common case takes a single comparison. It runs for every string, so it is
// kept a leaf without a stack check. Eight bytes are checked at a time, and the scan jumps
// straight to the first such byte: the borrow in each check only ever marks bytes after a true
// match, so the lowest marked byte is exact. Input is valid UTF-8 already, so bytes >= 0x80 need
// no look.
func stringEnd(s string, i int) int {
	// With i known not to be negative the compiler drops the bounds checks of the loops.
	i = max(i+1, 0)
	for lastWord := len(s) - 8; i <= lastWord; i += 8 {
		w := littleEndianWord(s[i:])
		// Flipping bit 1 turns '"' (0x22) into 0x20 and keeps control characters below 0x20 (and
		// everything else at or above 0x20), so one "less than 0x21" check finds both. The flips
		// keep bytes >= 0x80 there, so clearing w's high bits excludes those for both checks.
		q := w ^ (lsb * 0x02)
		b := w ^ (lsb * '\\')
		if m := ((q - lsb*0x21) | (b - lsb)) &^ w & msb; m != 0 {
			if i += bits.TrailingZeros64(m) >> 3; s[i] == '"' {
				return i
			}
			return ^i
		}
	}
	// Fewer than eight bytes are left: look at them one by one.
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i
		case c == '\\' || c < 0x20:
			return ^i
		}
	}
	return ^len(s)
}

// littleEndianWord reads the first eight bytes of s; the compiler makes it one load.
func littleEndianWord(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// repair is scanString's result for a string strRepair reads.
func (p *parser) repair(start int) (end int, esc, ok bool) {
	p.repaired, esc, ok = p.strRepair(start)
	if !ok {
		return start, false, false
	}
	return -1, esc, true
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

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
