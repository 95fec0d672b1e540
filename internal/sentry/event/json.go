package event

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the package's own JSON tree: a strict, lossless parser and a byte-copying
// serializer. Faultline keeps each event as JSON text, so the tree exists to edit a few keys of a
// document and write the rest back unchanged.
//
// The representation was chosen by measurement on the reference event (testdata/node-error.envelope,
// 9.5 KB, ~500 values). Wall-clock time on the shared 2-core machine varies 2-10x with the other
// engineers' load, so the comparison is in instructions per operation (valgrind --tool=callgrind,
// GOMAXPROCS=1, garbage collection included, difference of two run lengths), which vary a few
// per cent with where collections fall:
//
//	benchmark                          pointer-based tree       this tree
//	BenchmarkNormalize                 403 k instr, 37.9 KB     336 k instr, 20.4 KB
//	  the same without GC (GOGC=off)   346 k instr              314 k instr
//	BenchmarkHandleNodeErrorEnvelope   659 k instr, 61.3 KB     514 k instr, 43.6 KB
//	  the same without GC (GOGC=off)   455 k instr              424 k instr
//	BenchmarkParseTree                 200 k instr              195 k instr
//
// Without collections the two trees execute about the same instructions; the difference is the
// garbage collector's: the pointer-based tree paid a write barrier for every string and slice
// it stored while a collection ran, its slab was scanned, and Normalize copied the event. What
// remains is mostly the scan of the text itself (parseJSON, ~40% of the handler).
//
// fastjson is not used because its tree can write invalid JSON: it parses leniently (raw
// control characters, `\x` escapes, numbers such as `1.2.3` or `inf` are accepted and copied to
// the output), and a string or key that has been read is re-encoded with strconv.AppendQuote,
// whose `\a`, `\v` and `\x7f` are Go escapes, not JSON ones. The store, PostgreSQL jsonb and
// every consumer downstream must be able to read what Normalize writes, so the parser here
// validates as it goes, repairs what Relay's forensics repair, keeps strings and numbers as
// their raw JSON text (so output is a copy) and never mutates on read. Decode does not build a
// tree at all (read.go): writing nodes was most of its cost.

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
	keyEscaped                   // the member's key contains escapes
	keyOwned                     // key.off indexes tree.strs instead of spanning tree.src
	rawOwned                     // raw.off indexes tree.strs instead of spanning tree.src
	compact                      // a container whose raw text is already what appendJSON writes
)

// span is a piece of text: src[off:off+len], or strs[off] when the node's owned flag says so.
type span struct{ off, len int32 }

// run is where a container's children live: chunks[chunk][first:first+count], with room for
// cap children before the run must move.
type run struct{ chunk, first, count, cap int32 }

// node is one JSON value, and in an object or array also its slot there (key is empty in
// arrays). A node holds no pointers: its texts are spans of the tree's source or indexes of
// strings the tree owns, and its children are a run in the tree's chunks. So building and editing
// a tree costs no GC write barriers and the chunks are never scanned (see the note above; with
// the pointer-based tree this replaced, write barriers alone were a tenth of
// BenchmarkHandleNodeErrorEnvelope). Strings keep their
// escaped text between the quotes and numbers their literal text, so serializing a node copies
// bytes; a container that is compact keeps in raw its whole source text, so an untouched subtree
// is written with one copy, and editing it clears the flag.
type node struct {
	kind  kind
	flags uint8
	key   span
	raw   span
	kids  run
}

// tree is a parsed document and everything written into it. Nodes are addressed by pointers
// into chunks, which never move, so a *node stays valid while the tree is edited.
type tree struct {
	src    string
	root   node
	chunks [][]node // full length; runs are taken from chunks[cur][used:]
	cur    int
	used   int
	strs   []string // texts that are not in src: written by normalization or repaired
	// edited holds the source offsets of the compact containers that were edited (touch).
	edited       []int32
	editedSorted bool
	// frameLines counts the context lines in the frames normalizeFrames walked, so that decode can
	// give them all one backing list of the exact size; 0 when normalization did not run.
	frameLines int
	// levels[d] holds the children of the container open at nesting depth d while it is parsed;
	// only one container per depth is open at a time, so each list starts empty.
	levels [][]node
	// spilled[d] holds full segments of levels[d] while a container wider than spillNodes is
	// parsed at depth d; they are joined once when it closes.
	spilled [][][]node
	// shape is what the parser saw that trimming may have to bound; when nothing is over a bound,
	// trimming costs a few comparisons (BenchmarkNormalize).
	shape shape
	// meta collects what trimming removed and an Editor changed, written to the event's _meta
	// at the end.
	meta []metaEntry
	// walk is the state of an Editor's walk (edit.go), kept for the next event.
	walk *editWalk
}

// shape summarizes a parsed document for trimming.
type shape struct {
	widest      int // most members or elements of one container
	deepest     int // deepest nesting of a container, the root object being 1
	longStrings int // strings whose raw text is longer than the smallest string bound
	deepCuts    int // containers nested deeper than the parser keeps, replaced by null
}

// chunkNodes is the size of a chunk; the reference event has ~500 nodes.
const chunkNodes = 1024

// spillNodes is the size past which a container's child list grows by segments (children).
const spillNodes = 8 * chunkNodes

// maxPooledChunks is how many chunks a pooled tree keeps: events up to ~16 times the reference
// event reuse them, larger ones allocate theirs.
const maxPooledChunks = 16

var treePool = sync.Pool{New: func() any { return &tree{} }}

// release returns t to the pool. Chunks are kept but not cleared: they hold no pointers and
// are overwritten when reused.
func (t *tree) release() {
	clear(t.strs)
	t.src, t.root, t.cur, t.used, t.strs, t.edited = "", node{}, 0, 0, t.strs[:0], t.edited[:0]
	t.frameLines = 0
	t.shape = shape{}
	clear(t.meta)
	t.meta = t.meta[:0]
	// A tree that held a hostile document keeps only the chunks an ordinary one needs, so the
	// pool does not hold on to the memory of the largest event it ever saw.
	kept := t.chunks[:0]
	for _, c := range t.chunks {
		if len(c) == chunkNodes && len(kept) < maxPooledChunks {
			kept = append(kept, c)
		}
	}
	clear(t.chunks[len(kept):])
	t.chunks = kept
	for d := range t.levels {
		if cap(t.levels[d]) > chunkNodes {
			t.levels[d] = nil
		}
	}
	for d := range t.spilled {
		t.spilled[d] = nil
	}
	treePool.Put(t)
}

// alloc takes a run of n slots, which the caller fills.
func (t *tree) alloc(n int) run {
	if n == 0 {
		return run{}
	}
	for ; t.cur < len(t.chunks); t.cur, t.used = t.cur+1, 0 {
		if len(t.chunks[t.cur])-t.used >= n {
			r := run{chunk: int32(t.cur), first: int32(t.used), count: int32(n), cap: int32(n)}
			t.used += n
			return r
		}
	}
	t.chunks = append(t.chunks, make([]node, max(chunkNodes, n)))
	t.cur, t.used = len(t.chunks)-1, n
	return run{chunk: int32(t.cur), count: int32(n), cap: int32(n)}
}

// adopt makes nodes a chunk of the tree, all of it taken by one run.
func (t *tree) adopt(nodes []node) run {
	t.chunks = append(t.chunks, nodes)
	t.cur, t.used = len(t.chunks)-1, len(nodes)
	return run{chunk: int32(t.cur), count: int32(len(nodes)), cap: int32(len(nodes))}
}

// kids returns a container's children; the slice is capped at them.
func (t *tree) kids(n *node) []node {
	if n == nil || n.kids.count == 0 {
		return nil
	}
	r := n.kids
	return t.chunks[r.chunk][r.first : r.first+r.count : r.first+r.count]
}

// own stores a text the tree must keep and returns its index.
func (t *tree) own(s string) int32 {
	t.strs = append(t.strs, s)
	return int32(len(t.strs) - 1)
}

// rawText returns a node's raw text: a string's escaped content, a number's literal, a compact
// container's source.
func (t *tree) rawText(n *node) string {
	if n.flags&rawOwned != 0 {
		return t.strs[n.raw.off]
	}
	return t.src[n.raw.off : n.raw.off+n.raw.len]
}

// keyText returns a member's raw (escaped) key.
func (t *tree) keyText(n *node) string {
	if n.flags&keyOwned != 0 {
		return t.strs[n.key.off]
	}
	return t.src[n.key.off : n.key.off+n.key.len]
}

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

// parser reads JSON text: into a tree (t set, parseJSON) or straight into the typed view
// (read.go).
type parser struct {
	s        string
	pos      int
	depth    int
	maxDepth int
	t        *tree
	err      error
	lines    []string // Decode's shared backing for frame context lines
	repaired string   // the raw text of the last string scanString repaired
	// irregular counts what makes the input differ from its compact serialization (whitespace,
	// repaired strings, NaN/Infinity); a container whose span added none is compact.
	irregular int
}

// parseJSON parses a whole document into t, whose root it becomes. Invalid UTF-8 is replaced by
// U+FFFD first, as a repair: an event should not be lost for one bad byte in a breadcrumb.
func parseJSON(s string, maxDepth int, t *tree) error {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > math.MaxInt32 {
		return &syntaxError{msg: "document larger than 2 GiB"}
	}
	t.src = s
	p := parser{s: s, maxDepth: maxDepth, t: t}
	if !p.value(&t.root) {
		return p.err
	}
	p.skipWS()
	if p.pos < len(p.s) {
		p.fail("unexpected %s after the document", describeByte(p.s[p.pos]))
		return p.err
	}
	return nil
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
func (p *parser) value(dst *node) bool {
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
			*dst = node{kind: kindString, raw: span{int32(textStart), int32(end - textStart)}}
			if end-textStart > minStringBound {
				p.t.shape.longStrings++
			}
			return true
		}
	}
	switch c {
	case '{':
		return p.container(dst, kindObject)
	case '[':
		return p.container(dst, kindArray)
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
		*dst = node{kind: kindString, flags: flags, raw: raw}
		if raw.len > minStringBound {
			p.t.shape.longStrings++
		}
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
			start := p.pos
			if _, ok := p.lexNumber(); !ok {
				return false
			}
			*dst = node{kind: kindNumber, raw: span{int32(start), int32(p.pos - start)}}
			return true
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
func (p *parser) container(dst *node, k kind) bool {
	if p.depth == p.maxDepth {
		// Deeper data is not kept: an event should not be lost for one absurdly nested value.
		// serde_json, which Relay parses with, rejects the whole event instead.
		p.irregular++
		p.t.shape.deepCuts++
		*dst = node{kind: kindNull}
		return p.skipNested()
	}
	p.depth++
	p.t.shape.deepest = max(p.t.shape.deepest, p.depth)
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
		all := make([]node, 0, n)
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
	t.shape.widest = max(t.shape.widest, n)
	v := node{kind: k, kids: r}
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

func closingBracket(k kind) byte {
	if k == kindObject {
		return '}'
	}
	return ']'
}

// containerName names kind k, an object or array, in syntax errors.
func containerName(k kind) string {
	if k == kindObject {
		return "object"
	}
	return "array"
}

// children parses the members or elements of a container up to and including its closing
// bracket into the list of its depth, p.depth, and returns how many there are, -1 on a syntax
// error. The list is held in a local: nothing nested writes to this depth, and this way adding
// a child needs no loads and bounds checks of the tree's lists. Everything kept across the
// calls of value is reloaded after them, so children takes as little as it can.
func (p *parser) children(k kind) int {
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
				level, n = make([]node, spillNodes), 0
			} else {
				grown := make([]node, max(2*len(level), 16))
				copy(grown, level)
				level = grown
			}
			t.levels[p.depth] = level
		}
		m := &level[n]
		n++
		if k == kindObject {
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

const hexDigits = "0123456789abcdef"

// editedWithin reports whether an edit changed a container whose source text lies within sp.
func (t *tree) editedWithin(sp span) bool {
	if len(t.edited) == 0 {
		return false
	}
	if !t.editedSorted {
		slices.Sort(t.edited)
		t.editedSorted = true
	}
	i, _ := slices.BinarySearch(t.edited, sp.off)
	return i < len(t.edited) && t.edited[i] < sp.off+sp.len
}

// touch clears n's compact flag before its children change, and records where n's source text
// was: its compact ancestors, which n does not know, contain that offset (editedWithin).
func (t *tree) touch(n *node) {
	if n.flags&compact != 0 {
		n.flags &^= compact
		t.edited = append(t.edited, n.raw.off)
		t.editedSorted = false
	}
}

// appendJSON serializes n. A compact container that no edit reached is copied whole.
func (t *tree) appendJSON(dst []byte, n *node) []byte {
	switch n.kind {
	case kindNull:
		return append(dst, "null"...)
	case kindFalse:
		return append(dst, "false"...)
	case kindTrue:
		return append(dst, "true"...)
	case kindNumber:
		return append(dst, t.rawText(n)...)
	case kindString:
		dst = append(dst, '"')
		dst = append(dst, t.rawText(n)...)
		return append(dst, '"')
	}
	if n.flags&compact != 0 && !t.editedWithin(n.raw) {
		return append(dst, t.rawText(n)...)
	}
	kids := t.kids(n)
	if n.kind == kindArray {
		dst = append(dst, '[')
		for i := range kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = t.appendJSON(dst, &kids[i])
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i := range kids {
		if i > 0 {
			dst = append(dst, ',')
		}
		m := &kids[i]
		dst = append(dst, '"')
		dst = append(dst, t.keyText(m)...)
		dst = append(dst, '"', ':')
		dst = t.appendJSON(dst, m)
	}
	return append(dst, '}')
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

// Constructors for values the normalizer writes. A constructed node has no key; set, push and
// field give it its place.

func (t *tree) stringNode(s string) node {
	raw, esc := escapeRaw(s)
	n := node{kind: kindString, flags: rawOwned, raw: span{t.own(raw), int32(len(raw))}}
	if esc {
		n.flags |= strEscaped
	}
	return n
}

func (t *tree) numberNode(raw string) node {
	return node{kind: kindNumber, flags: rawOwned, raw: span{t.own(raw), int32(len(raw))}}
}

func boolNode(b bool) node {
	if b {
		return node{kind: kindTrue}
	}
	return node{kind: kindFalse}
}

// objectNode makes an object of members made with field.
func (t *tree) objectNode(ms ...node) node {
	r := t.alloc(len(ms))
	if r.count > 0 {
		copy(t.chunks[r.chunk][r.first:], ms)
	}
	return node{kind: kindObject, kids: r}
}

func (t *tree) arrayNode(ns ...node) node {
	r := t.alloc(len(ns))
	if r.count > 0 {
		kids := t.chunks[r.chunk][r.first : r.first+r.count]
		for i := range ns {
			kids[i] = ns[i]
			kids[i].key, kids[i].flags = span{}, ns[i].flags&^(keyEscaped|keyOwned)
		}
	}
	return node{kind: kindArray, kids: r}
}

// field makes a member from a plain key.
func (t *tree) field(key string, v node) node {
	t.setKey(&v, key)
	return v
}

// setKey gives member m a plain key.
func (t *tree) setKey(m *node, key string) {
	raw, esc := escapeRaw(key)
	m.key = span{t.own(raw), int32(len(raw))}
	m.flags = m.flags&^keyEscaped | keyOwned
	if esc {
		m.flags |= keyEscaped
	}
}

// importNode copies n of tree o into t, its texts owned by t.
func (t *tree) importNode(o *tree, n *node) node {
	v := *n
	if v.flags&keyOwned != 0 || v.key.len > 0 {
		key := o.keyText(n)
		v.key, v.flags = span{t.own(key), int32(len(key))}, v.flags|keyOwned
	} else {
		v.key = span{}
	}
	// Imported containers are not compact: edits inside them could not be told from offsets.
	v.flags &^= compact
	if v.kind == kindString || v.kind == kindNumber {
		raw := o.rawText(n)
		v.raw, v.flags = span{t.own(raw), int32(len(raw))}, v.flags|rawOwned
	}
	if v.kind == kindObject || v.kind == kindArray {
		kids := o.kids(n)
		v.kids = t.alloc(len(kids))
		for i := range kids {
			t.chunks[v.kids.chunk][int(v.kids.first)+i] = t.importNode(o, &kids[i])
		}
	}
	return v
}

// Reading and editing.

// name returns the member's key as text. It is called for every member of every frame, so the
// common case, a plain key in the source, is kept small enough to be inlined.
func (t *tree) name(m *node) string {
	if m.flags&(keyEscaped|keyOwned) != 0 {
		return t.nameSlow(m)
	}
	return t.src[m.key.off:][:m.key.len]
}

func (t *tree) nameSlow(m *node) string {
	if m.flags&keyEscaped == 0 {
		return t.keyText(m)
	}
	return unescape(t.keyText(m))
}

// get returns the value of key in object n, or nil. When a key repeats, the last one counts, as
// in serde_json (Relay) and in Decode.
func (t *tree) get(n *node, key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	kids := t.kids(n)
	if i := t.lastIndex(kids, key); i >= 0 {
		return &kids[i]
	}
	return nil
}

// elems returns an array's elements, nil for other kinds.
func (t *tree) elems(n *node) []node {
	if n == nil || n.kind != kindArray {
		return nil
	}
	return t.kids(n)
}

// index returns the position of the last key in object n, or -1. Keys are compared only when
// their lengths allow a match, which rules out most of them without reading them.
func (t *tree) index(n *node, key string) int {
	return t.lastIndex(t.kids(n), key)
}

// lastIndex is index of an object's members.
func (t *tree) lastIndex(kids []node, key string) int {
	// The lengths are compared as int32: the compiler folds the field's offset into a 32-bit
	// load, not into a sign-extending one.
	n := int32(len(key))
	for i := len(kids) - 1; i >= 0; i-- {
		m := &kids[i]
		if m.key.len == n {
			if m.flags&keyEscaped == 0 && t.keyText(m) == key {
				return i
			}
		} else if m.key.len > n && m.flags&keyEscaped != 0 && unescape(t.keyText(m)) == key {
			// A key with escapes is longer than its text.
			return i
		}
	}
	return -1
}

// set replaces the value of key in object n or appends it. A replaced value keeps the member's
// key. Appending moves the members unless their run has room (reserve): parsed runs have none,
// so a node copied by value never sees another's append.
func (t *tree) set(n *node, key string, v node) {
	t.touch(n)
	if i := t.index(n, key); i >= 0 {
		m := &t.kids(n)[i]
		v.key, v.flags = m.key, v.flags&^(keyEscaped|keyOwned)|m.flags&(keyEscaped|keyOwned)
		*m = v
		return
	}
	t.appendKid(n, t.field(key, v))
}

// push appends an element to array n.
func (t *tree) push(n *node, v node) {
	t.touch(n)
	v.key, v.flags = span{}, v.flags&^(keyEscaped|keyOwned)
	t.appendKid(n, v)
}

func (t *tree) appendKid(n *node, m node) {
	r := n.kids
	if r.count == r.cap {
		r = t.move(n, max(2*int(r.count), 4))
	}
	t.chunks[r.chunk][r.first+r.count] = m
	r.count++
	n.kids = r
}

// move copies n's children to a new run with room for size and returns it.
func (t *tree) move(n *node, size int) run {
	kids := t.kids(n)
	r := t.alloc(size)
	copy(t.chunks[r.chunk][r.first:], kids)
	r.count = int32(len(kids))
	return r
}

// reserve gives n room for extra members, so that the keys normalization adds to the event
// object do not move it each time. Only a node that is not shared may be given room.
func (t *tree) reserve(n *node, extra int) {
	t.touch(n)
	n.kids = t.move(n, int(n.kids.count)+extra)
}

// del removes key from object n.
func (t *tree) del(n *node, key string) {
	if i := t.index(n, key); i >= 0 {
		t.touch(n)
		kids := t.kids(n)
		r := t.alloc(len(kids) - 1)
		if r.count > 0 {
			dst := t.chunks[r.chunk][r.first:]
			copy(dst, kids[:i])
			copy(dst[i:], kids[i+1:])
		}
		n.kids = r
	}
}

// scalar is a value's kind and raw text without its tree; the reader (read.go) produces them
// directly. Objects and arrays have no text here.
type scalar struct {
	kind kind
	esc  bool
	raw  string
}

// scalar returns n as a scalar; a missing value reads as null.
func (t *tree) scalar(n *node) scalar {
	if n == nil {
		return scalar{kind: kindNull}
	}
	if n.kind == kindString || n.kind == kindNumber {
		return scalar{kind: n.kind, esc: n.flags&strEscaped != 0, raw: t.rawText(n)}
	}
	return scalar{kind: n.kind}
}

// text returns a string node's text, "" for other kinds.
func (t *tree) text(n *node) string {
	if n != nil && n.kind == kindString && n.flags&(strEscaped|rawOwned) == 0 {
		return t.src[n.raw.off : n.raw.off+n.raw.len]
	}
	return t.scalar(n).text()
}

// lenient is scalar.lenient of n; a string without escapes, the common case, is read directly
// and inlined.
func (t *tree) lenient(n *node) string {
	if n == nil || n.kind != kindString || n.flags&(strEscaped|rawOwned) != 0 {
		return t.lenientSlow(n)
	}
	return t.src[n.raw.off:][:n.raw.len]
}

func (t *tree) lenientSlow(n *node) string {
	return t.scalar(n).lenient()
}

// text returns a string's text, "" for other kinds.
func (s scalar) text() string {
	if s.kind != kindString {
		return ""
	}
	if !s.esc {
		return s.raw
	}
	return unescape(s.raw)
}

// lenient returns strings as they are and numbers and booleans as their JSON text, the way Relay
// reads "lenient string" fields such as release and tag values.
func (s scalar) lenient() string {
	switch s.kind {
	case kindString:
		return s.text()
	case kindNumber:
		return s.raw
	case kindTrue:
		return "true"
	case kindFalse:
		return "false"
	}
	return ""
}

// int returns an integral number's value.
func (s scalar) int() (int64, bool) {
	if s.kind != kindNumber {
		return 0, false
	}
	if v, ok := smallInt(s.raw); ok {
		return v, true
	}
	if i, err := strconv.ParseInt(s.raw, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s.raw, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// smallInt reads a non-negative integer of up to 18 digits, which cannot overflow: line and
// column numbers, the integers events carry most.
func smallInt(raw string) (int64, bool) {
	if raw == "" || len(raw) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func (s scalar) boolean() (value, ok bool) {
	switch s.kind {
	case kindTrue:
		return true, true
	case kindFalse:
		return false, true
	}
	return false, false
}

func (n *node) boolean() (value, ok bool) {
	if n == nil {
		return false, false
	}
	return scalar{kind: n.kind}.boolean()
}
