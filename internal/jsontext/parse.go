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
	// f is the frame of the container parseTree reads the children of. It is kept here rather
	// than in a local: a local changed in the loop and needed after a call there is saved on
	// every turn.
	f *frame
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
	if !p.parseTree() {
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

// frame is a nesting depth's state while parseTree reads a container there: the container's
// kind and where it began, and its children so far, level[:n] after spilled ones moved to
// segments. Children are written into the list of their depth, so that containers nested inside
// write to the next depth's list and siblings stay contiguous; when a container closes they move
// to a run of their own, a copy of plain bytes. The lists are kept for the next container at the
// depth, and the next document.
type frame struct {
	kind             Kind
	start, irregular int // the offset of its opening bracket, and p.irregular there
	n, spilled       int
	level            []Node
	// segments holds full lists of a container wider than spillNodes; they are joined once when
	// it closes.
	segments [][]Node
}

// parseTree parses the document into the tree's root. It is one loop over the text, without
// recursion: each nesting depth has its frame (Tree.frames). Most of the document is read by
// plainChildren, which makes no call; the loop reads what it leaves (whitespace, escapes,
// repairs, other numbers, deep nesting, errors) and calls the functions the Reader shares.
func (p *parser) parseTree() bool {
	t, s := p.t, p.s
	pos := 0     // p.pos, kept in a local while the loop runs
	m := &t.root // the slot the value at pos goes into, its key set
	for {
		// A value starts at pos.
		var c byte
		if pos < len(s) {
			c = s[pos]
		}
		if c <= ' ' {
			p.pos = pos
			p.skipSpaces()
			if pos = p.pos; pos >= len(s) {
				return p.fail("unexpected end of input")
			}
			c = s[pos]
		}
		if c != '{' && c != '[' {
			p.pos = pos
			if !p.scalar(c, m) {
				return false
			}
			pos = p.pos
		} else if p.depth == p.maxDepth {
			// Deeper data is not kept: a document should not be lost for one absurdly nested
			// value. serde_json, which Relay parses with, rejects the whole document instead.
			p.irregular++
			t.Shape.DeepCuts++
			m.kind, m.raw, m.kids = Null, span{}, run{}
			p.pos = pos
			if !p.skipNested() {
				return false
			}
			pos = p.pos
		} else {
			p.depth++
			if p.depth >= len(t.frames) {
				t.frames = append(t.frames, make([]frame, p.depth+1-len(t.frames))...)
			}
			f := &t.frames[p.depth]
			p.f = f
			f.kind, f.start, f.irregular, f.n, f.spilled = Array, pos, p.irregular, 0, 0
			if c == '{' {
				f.kind = Object
			}
			t.Shape.Deepest = max(t.Shape.Deepest, p.depth)
			pos++
			goto opened
		}

	next:
		// A value ended at pos: a comma or the innermost container's closing bracket follows.
		if p.depth == 0 {
			p.pos = pos
			return true
		}
		if pos < len(s) && s[pos] == ',' {
			pos++
			goto member
		}
		p.pos = pos
		p.skipWS()
		if pos = p.pos; pos >= len(s) {
			return p.fail("unexpected end of input in %s", containerName(p.f.kind))
		}
		if c, k := s[pos], p.f.kind; c == ',' {
			pos++
			goto member
		} else if c != closingBracket(k) {
			return p.fail("expected ',' or '%c' in %s, found %s", closingBracket(k), containerName(k), describeByte(c))
		}
		pos++

	close:
		// The innermost container ended at pos: its children move to a run, it goes into its
		// slot, and its parent is the innermost again.
		{
			f := p.f
			v := Node{kind: f.kind, kids: t.closeLevel(f)}
			t.Shape.Widest = max(t.Shape.Widest, f.spilled+f.n)
			if p.irregular == f.irregular {
				v.flags, v.raw = compact, span{int32(f.start), int32(pos - f.start)}
			}
			p.depth--
			slot := &t.root
			if p.depth > 0 {
				f = &t.frames[p.depth]
				p.f = f
				slot = &f.level[f.n-1]
			}
			slot.kind, slot.flags, slot.raw, slot.kids = v.kind, slot.flags|v.flags, v.raw, v.kids
		}
		goto next

	opened:
		// A container opened before pos: whitespace or its closing bracket may follow.
		if pos >= len(s) || s[pos] <= ' ' {
			p.pos = pos
			p.skipSpaces()
			pos = p.pos
		}
		if pos < len(s) && s[pos] == closingBracket(p.f.kind) {
			pos++
			goto close
		}

	member:
		// The next member or element of the innermost container starts at pos.
		{
			var stop int
			switch pos, stop = p.plainChildren(pos); stop {
			case atValue:
				m = &p.f.level[p.f.n-1]
				continue
			case afterValue:
				goto next
			case atOpen:
				goto opened
			}
		}
		f := p.f
		if f.n == len(f.level) {
			f.grow()
		}
		m = &f.level[f.n]
		f.n++
		m.key, m.flags = span{}, 0
		if f.kind == Array {
			continue
		}
		if pos >= len(s) || s[pos] != '"' {
			p.pos = pos
			p.skipWS()
			if pos = p.pos; pos >= len(s) {
				return p.fail("unexpected end of input in object")
			}
			if s[pos] != '"' {
				return p.fail("expected a string key, found %s", describeByte(s[pos]))
			}
		}
		p.pos = pos
		if !p.key(m) {
			return false
		}
		p.skipWS()
		if pos = p.pos; pos >= len(s) || s[pos] != ':' {
			return p.fail("expected ':' after object key")
		}
		pos++
	}
}

// Where plainChildren stopped.
const (
	atMember   = iota // where a member or element starts
	atValue           // where the value of the last member or element in the frame starts, its key set
	afterValue        // after a value that no comma follows
	atOpen            // after the opening bracket of the container of the frame, which it opened
)

// plainChildren reads the innermost container from pos, where a member or element starts, as
// long as what it meets is of the common kind: a plain key (no escapes) and colon without
// whitespace, a value that is a plain string, an integer without sign, a literal or a container
// opened and closed without whitespace, then a comma or a closing bracket. It calls nothing, so
// that its state stays in registers (a Go function keeps none across a call: a call per value
// cost more in saving and reloading state than the scanning itself), and it stops at anything
// else, which parseTree reads. It returns where it stopped, and where in a child.
func (p *parser) plainChildren(pos int) (int, int) {
	t, f, s := p.t, p.f, p.s
	// The free slots are walked as a slice, so that the slot is a register the stores index.
	free := f.level[f.n:]
	for {
		if len(free) == 0 {
			f.n = len(f.level)
			return pos, atMember
		}
		m := &free[0]
		if f.kind == Object {
			if pos >= len(s) || s[pos] != '"' {
				f.n = len(f.level) - len(free)
				return pos, atMember
			}
			end := pos + 1
			for ; end <= len(s)-8; end += 8 {
				if found := specialBytes(littleEndianWord(s[end:])); found != 0 {
					end += bits.TrailingZeros64(found) >> 3
					break
				}
			}
			if end+1 >= len(s) || s[end] != '"' || s[end+1] != ':' {
				f.n = len(f.level) - len(free)
				return pos, atMember
			}
			m.key = span{int32(pos + 1), int32(end - pos - 1)}
			pos = end + 2
		} else {
			m.key = span{}
		}
		m.flags = 0
		if pos >= len(s) {
			f.n = len(f.level) - len(free) + 1
			return pos, atValue
		}
		switch c := s[pos]; c {
		case '"':
			end := pos + 1
			for ; end <= len(s)-8; end += 8 {
				if found := specialBytes(littleEndianWord(s[end:])); found != 0 {
					end += bits.TrailingZeros64(found) >> 3
					break
				}
			}
			if end >= len(s) || s[end] != '"' {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			m.kind, m.raw, m.kids = String, span{int32(pos + 1), int32(end - pos - 1)}, run{}
			if end-pos-1 > p.longString {
				t.Shape.LongStrings++
			}
			pos = end + 1
		case 't':
			if len(s)-pos < 4 || s[pos:pos+4] != "true" {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			m.kind, m.raw, m.kids = True, span{}, run{}
			pos += 4
		case 'f':
			if len(s)-pos < 5 || s[pos:pos+5] != "false" {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			m.kind, m.raw, m.kids = False, span{}, run{}
			pos += 5
		case 'n':
			if len(s)-pos < 4 || s[pos:pos+4] != "null" {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			m.kind, m.raw, m.kids = Null, span{}, run{}
			pos += 4
		case '{', '[':
			// The container opens: the slot keeps its key until it closes.
			f.n = len(f.level) - len(free) + 1
			if p.depth == p.maxDepth || p.depth+1 >= len(t.frames) {
				return pos, atValue
			}
			p.depth++
			f = &t.frames[p.depth]
			p.f = f
			f.kind, f.start, f.irregular, f.n, f.spilled = Array, pos, p.irregular, 0, 0
			if c == '{' {
				f.kind = Object
			}
			t.Shape.Deepest = max(t.Shape.Deepest, p.depth)
			free = f.level
			pos++
			if pos >= len(s) || s[pos] <= ' ' {
				return pos, atOpen
			}
			if s[pos] != closingBracket(f.kind) {
				continue
			}
			// An empty container: the closing bracket is read below.
			goto closing
		default:
			if c < '1' || c > '9' {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			end := pos + 1
			for end < len(s) && s[end]-'0' <= 9 {
				end++
			}
			if end < len(s) && (s[end] == '.' || s[end] == 'e' || s[end] == 'E') {
				f.n = len(f.level) - len(free) + 1
				return pos, atValue
			}
			m.kind, m.raw, m.kids = Number, span{int32(pos), int32(end - pos)}, run{}
			pos = end
		}
		// The slot is taken; it is kept in free until now, so that the scans above have one
		// register more.
		free = free[1:]
	closing:
		// A value ended at pos: a comma follows, or closing brackets, each of which closes the
		// innermost container: its children are copied to the current chunk, it goes into its
		// slot, and its parent is the innermost again.
		for {
			if pos < len(s) && s[pos] == ',' {
				pos++
				break
			}
			n := len(f.level) - len(free)
			if pos >= len(s) || s[pos] != closingBracket(f.kind) {
				f.n = n
				return pos, afterValue
			}
			var r run
			if n > 0 {
				if f.spilled > 0 || t.cur >= len(t.chunks) || len(t.chunks[t.cur])-t.used < n {
					// parseTree's closeLevel moves them.
					f.n = n
					return pos, afterValue
				}
				chunk, kids := t.chunks[t.cur][t.used:][:n], f.level[:n]
				for i := range kids {
					chunk[i] = kids[i]
				}
				r = run{chunk: int32(t.cur), first: int32(t.used), count: int32(n), cap: int32(n)}
				t.used += n
			}
			pos++
			t.Shape.Widest = max(t.Shape.Widest, n)
			kind, flags, raw := f.kind, uint8(0), span{}
			if p.irregular == f.irregular {
				flags, raw = compact, span{int32(f.start), int32(pos - f.start)}
			}
			p.depth--
			slot := &t.root
			if p.depth > 0 {
				f = &t.frames[p.depth]
				p.f = f
				slot = &f.level[f.n-1]
				free = f.level[f.n:]
			}
			slot.kind, slot.flags, slot.raw, slot.kids = kind, slot.flags|flags, raw, r
			if p.depth == 0 {
				return pos, afterValue
			}
		}
	}
}

// scalar reads the string, number or literal at p.pos, which starts with c, into m, keeping
// m's key.
func (p *parser) scalar(c byte, m *Node) bool {
	start := p.pos
	kind, flags, raw := Null, uint8(0), span{}
	switch {
	case c == '"':
		end, esc, ok := p.scanString()
		if !ok {
			return false
		}
		kind, raw = String, span{int32(start + 1), int32(end - start - 1)}
		if end < 0 {
			flags, raw = rawOwned, span{p.t.own(p.repaired), int32(len(p.repaired))}
		}
		if esc {
			flags |= strEscaped
		}
		if int(raw.len) > p.longString {
			p.t.Shape.LongStrings++
		}
	case c == 't':
		kind = True
		if !p.literal("true") {
			return false
		}
	case c == 'f':
		kind = False
		if !p.literal("false") {
			return false
		}
	case c == 'n':
		if !p.literal("null") {
			return false
		}
	// NaN and Infinity are what Python's json module writes for floats; Relay repairs them
	// (json_forensics) for Python SDKs. They become null.
	case c == 'N':
		p.irregular++
		if !p.literal("NaN") {
			return false
		}
	case c == 'I':
		p.irregular++
		if !p.literal("Infinity") {
			return false
		}
	case c == '-' && strings.HasPrefix(p.s[start:], "-Infinity"):
		p.irregular++
		p.pos += len("-Infinity")
	case c == '-' || c >= '0' && c <= '9':
		if _, ok := p.lexNumber(); !ok {
			return false
		}
		kind, raw = Number, span{int32(start), int32(p.pos - start)}
	default:
		return p.fail("unexpected %s", describeByte(c))
	}
	m.kind, m.flags, m.raw, m.kids = kind, m.flags|flags, raw, run{}
	return true
}

// literal reads lit at p.pos.
func (p *parser) literal(lit string) bool {
	if !strings.HasPrefix(p.s[p.pos:], lit) {
		return p.fail("invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	return true
}

// key reads the string at p.pos as member m's key.
func (p *parser) key(m *Node) bool {
	start := p.pos
	end, esc, ok := p.scanString()
	if !ok {
		return false
	}
	if end < 0 {
		m.key, m.flags = span{p.t.own(p.repaired), int32(len(p.repaired))}, keyOwned
	} else {
		m.key = span{int32(start + 1), int32(end - start - 1)}
	}
	if esc {
		m.flags |= keyEscaped
	}
	return true
}

// grow makes room in f.level for one more child.
func (f *frame) grow() {
	if len(f.level) < spillNodes {
		grown := make([]Node, max(2*len(f.level), 16))
		copy(grown, f.level)
		f.level = grown
		return
	}
	// Past spillNodes the list grows by segments, joined once at the close: a 300,000-wide array
	// costs its nodes twice in all instead of nearly four times with doubling
	// (BenchmarkHostileShapes in the sentry receiver).
	if f.spilled == 0 {
		f.segments = f.segments[:0]
	}
	f.segments = append(f.segments, f.level)
	f.spilled += f.n
	f.level, f.n = make([]Node, spillNodes), 0
}

// closeLevel moves the children of the container of frame f, which closed, to a run, when
// plainChildren did not.
func (t *Tree) closeLevel(f *frame) run {
	n := f.n
	if f.spilled > 0 {
		// A container wider than spillNodes: its segments are joined into a chunk of its own.
		all := make([]Node, 0, f.spilled+n)
		for _, seg := range f.segments {
			all = append(all, seg...)
		}
		all = append(all, f.level[:n]...)
		clear(f.segments)
		f.segments = f.segments[:0]
		return t.adopt(all)
	}
	if n > chunkNodes {
		// A wide container's list becomes a chunk of its own instead of being copied.
		r := t.adopt(f.level[:n:n])
		f.level = nil
		return r
	}
	r := t.alloc(n)
	if n > 0 {
		copy(t.chunks[r.chunk][r.first:], f.level[:n])
	}
	return r
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

// str reads a string starting at its opening quote and returns its raw (still escaped) text.
func (p *parser) str() (raw string, esc, ok bool) {
	start := p.pos + 1
	end, esc, ok := p.scanString()
	if end < 0 {
		return p.repaired, esc, ok
	}
	return p.s[start:end], esc, ok
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
// opening quote, or the last byte of an escape). It returns the offset of a quote, the string's
// end, and ^offset for the others (^len(s) when there is none), so that the common case takes a
// single comparison. Eight bytes are checked at a time (specialBytes), and the scan jumps straight
// to the first such byte. Input is valid UTF-8 already, so bytes >= 0x80 need no look.
func stringEnd(s string, i int) int {
	// With i known not to be negative the compiler drops the bounds checks of the loops.
	i = max(i+1, 0)
	for lastWord := len(s) - 8; i <= lastWord; i += 8 {
		if m := specialBytes(littleEndianWord(s[i:])); m != 0 {
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

// specialBytes marks the quotes, backslashes and control characters in the word w: the high bit
// of each such byte is set, and of no byte before the first one. Flipping bit 1 turns '"' (0x22)
// into 0x20 and keeps control characters below 0x20 (and everything else at or above 0x20), so
// one "less than 0x21" check finds both. The flips keep bytes >= 0x80 there, so clearing w's high
// bits excludes those for both checks. The borrow in each check only ever marks bytes after a
// true match, so the lowest marked byte is exact.
func specialBytes(w uint64) uint64 {
	q := w ^ (lsb * 0x02)
	b := w ^ (lsb * '\\')
	return ((q - lsb*0x21) | (b - lsb)) &^ w & msb
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
