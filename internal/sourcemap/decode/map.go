// Package decode parses source maps (ECMA-426, "version 3") into a compact, immutable form that
// answers "which original position produced this generated position" in well under a microsecond.
//
// It owns the JSON and VLQ decoding, index maps, sourceRoot, names, sourcesContent, ignoreList and
// debug ids. It knows nothing of events, frames, files or where maps come from: callers hand it
// bytes. Positions here are 0-based lines and 0-based UTF-16 columns, as in the format itself.
//
// Validation follows the tc39 source-map-tests: a map the spec calls invalid is rejected with a
// reason (wrong field types, bad VLQ, out-of-range indexes, overlapping sections, nested index
// maps). Leniencies, each because real maps need it: a `)]}'` XSSI prefix is skipped, trailing
// commas are accepted, raw control characters inside strings are kept, escapes inside
// sourcesContent are checked only when that source is read (and kept as written when malformed),
// null `file`/`sourceRoot`
// count as absent, `x_google_ignoreList` stands in for a missing `ignoreList`, and an unparsable
// debug id is dropped with a warning instead of failing the map.
//
// Its JSON scanner (json.go) is its own, not internal/jsontext, Faultline's shared reader, by
// measurement: on BenchmarkDecodeLargeMap's 10 MB map, reading the map's structure with
// jsontext.Reader (sourcesContent taken as raw values) cost 80.4 M instructions against the
// scanner's 25.5 M, 18% of the 313 M of the whole decode (callgrind; wall clock 4.7-4.9 ms
// against 1.6-2.0 ms of a 28-34 ms decode). Most of a map's bytes are sourcesContent strings
// with an escape every line: the scanner jumps from quote to quote with bytes.IndexByte and
// validates their escapes only when a source is read, where jsontext validates UTF-8 and every
// escape as it reads, and rewrites strings it repairs. A port could stay within 5% only with a
// second, lazy string scanner inside jsontext, which is no less to maintain than this one.
package decode

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync/atomic"
)

// Segment is one decoded mapping. Source and Name are -1 when absent; a Source of -1 marks
// generated code that maps to nothing (a 1-field segment).
type Segment struct {
	GenCol uint32
	Source int32
	Line   uint32
	Col    uint32
	Name   int32
}

// Map is a decoded source map. It is immutable after Decode and safe for concurrent use.
type Map struct {
	File string
	// DebugID is the map's debug id, lowercase and hyphenated, or "" when absent or invalid.
	DebugID string
	// Warnings lists what was wrong but tolerated, e.g. a debugId that is not a UUID.
	Warnings []string

	sources  []string // after sourceRoot; "" for a null source
	nullSrc  []bool
	ignored  []bool
	names    []string
	contents []content
	texts    []atomic.Pointer[Text] // per source, filled on first Content call

	lines []uint32 // segs[lines[l]:lines[l+1]] are the segments of generated line l
	segs  []Segment

	retained int64 // bytes held for sourcesContent: the input, or a copy of the contents
}

// content is one sourcesContent entry, kept escaped until someone reads it.
type content struct {
	raw     []byte
	escaped bool
	present bool
}

// Text is an original source split into lines, built once per source on first use.
type Text struct {
	Source string
	// starts[i] is the byte offset where line i begins.
	starts []int
}

// Line returns line i (0-based) without its terminator, and whether it exists.
func (t *Text) Line(i int) (string, bool) {
	if i < 0 || i >= len(t.starts) {
		return "", false
	}
	end := len(t.Source)
	if i+1 < len(t.starts) {
		end = t.starts[i+1]
	}
	line := t.Source[t.starts[i]:end]
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	return line, true
}

// Lines is the number of lines.
func (t *Text) Lines() int { return len(t.starts) }

// NewText splits a source into lines; for sources that come from elsewhere than sourcesContent.
func NewText(s string) *Text {
	t := &Text{Source: s, starts: make([]int, 1, 1+strings.Count(s, "\n"))}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			t.starts = append(t.starts, i+1)
		}
	}
	return t
}

// Token is the result of a lookup: the original position of a generated position.
type Token struct {
	GenLine, GenCol uint32
	Source          int // index into the map's sources
	Line, Col       uint32
	Name            int // index into names, -1 when the mapping has no name
}

// Lookup returns the mapping for a 0-based generated line and UTF-16 column: the mapping with the
// greatest column ≤ col on that same line. It reports false when the line has no mapping at or
// before col, or when that mapping is unmapped code. This is Mozilla's GREATEST_LOWER_BOUND and
// what Sentry's SourceMapCache does; it never borrows a mapping from an earlier line.
func (m *Map) Lookup(line, col uint32) (Token, bool) {
	i, ok := m.SegmentAt(line, col)
	if !ok {
		return Token{}, false
	}
	s := m.segs[i]
	if s.Source < 0 {
		return Token{}, false
	}
	return Token{GenLine: line, GenCol: s.GenCol, Source: int(s.Source), Line: s.Line, Col: s.Col, Name: int(s.Name)}, true
}

// SegmentAt returns the index of the segment Lookup would use, including unmapped ones, so that
// callers can look at neighbouring segments with Segment.
func (m *Map) SegmentAt(line, col uint32) (int, bool) {
	if int(line)+1 >= len(m.lines) {
		return 0, false
	}
	lo, hi := int(m.lines[line]), int(m.lines[line+1])
	// first index in [lo,hi) with GenCol > col
	n := sort.Search(hi-lo, func(i int) bool { return m.segs[lo+i].GenCol > col })
	if n == 0 {
		return 0, false
	}
	i := lo + n - 1
	for i > lo && m.segs[i-1].GenCol == m.segs[i].GenCol {
		i--
	}
	return i, true
}

// Segment returns segment i as indexed by SegmentAt.
func (m *Map) Segment(i int) Segment { return m.segs[i] }

// LineSegments returns the segments of generated line l (sorted by column). Do not modify them.
func (m *Map) LineSegments(l int) []Segment {
	if l < 0 || l+1 >= len(m.lines) {
		return nil
	}
	return m.segs[m.lines[l]:m.lines[l+1]]
}

// GeneratedLines is the number of generated lines the mappings describe.
func (m *Map) GeneratedLines() int { return len(m.lines) - 1 }

// SourceCount is the number of sources.
func (m *Map) SourceCount() int { return len(m.sources) }

// Source returns source i after sourceRoot resolution, and false when the entry was null.
func (m *Map) Source(i int) (string, bool) {
	if i < 0 || i >= len(m.sources) {
		return "", false
	}
	return m.sources[i], !m.nullSrc[i]
}

// Ignored reports whether source i is on the map's ignoreList (third-party code).
func (m *Map) Ignored(i int) bool { return i >= 0 && i < len(m.ignored) && m.ignored[i] }

// Name returns names[i], or "" when i is out of range (-1 included).
func (m *Map) Name(i int) string {
	if i < 0 || i >= len(m.names) {
		return ""
	}
	return m.names[i]
}

// Content returns the sourcesContent of source i split into lines, or nil when the map does not
// carry it. The text is unescaped on first use and kept.
func (m *Map) Content(i int) *Text {
	if i < 0 || i >= len(m.contents) || !m.contents[i].present {
		return nil
	}
	p := &m.texts[i]
	if t := p.Load(); t != nil {
		return t
	}
	t := NewText(unescape(m.contents[i].raw, m.contents[i].escaped))
	if p.CompareAndSwap(nil, t) {
		return t
	}
	return p.Load()
}

// Segments is the number of decoded segments.
func (m *Map) Segments() int { return len(m.segs) }

// SizeBytes estimates the memory the map holds, for cache accounting.
func (m *Map) SizeBytes() int64 {
	n := int64(len(m.segs))*20 + int64(len(m.lines))*4 + 256
	for i := range m.sources {
		n += int64(len(m.sources[i])) + 24
	}
	for i := range m.names {
		n += int64(len(m.names[i])) + 16
	}
	// the bytes kept for sourcesContent, plus each source's unescaped text and line index once
	// read
	n += m.retained
	for i := range m.contents {
		n += int64(len(m.contents[i].raw)) + int64(len(m.contents[i].raw))/8 + 64
	}
	return n
}

// Decode parses a source map or an index map.
func Decode(b []byte) (*Map, error) {
	b = stripXSSI(b)
	s := &scanner{b: b}
	m, err := decodeAny(s, 0)
	if err != nil {
		return nil, err
	}
	s.ws()
	if s.i != len(s.b) {
		return nil, s.errorf("trailing data after the map")
	}
	// The contents point into b. When they are most of it, keep b (copying would cost time and,
	// for a moment, twice the memory); otherwise copy them into one buffer so b can be freed.
	total := 0
	for i := range m.contents {
		total += len(m.contents[i].raw)
	}
	if 2*total >= len(b) {
		m.retained = int64(len(b))
	} else {
		buf := make([]byte, 0, total)
		for i := range m.contents {
			start := len(buf)
			buf = append(buf, m.contents[i].raw...)
			m.contents[i].raw = buf[start:len(buf):len(buf)]
		}
		m.retained = int64(total)
	}
	m.texts = make([]atomic.Pointer[Text], len(m.contents))
	return m, nil
}

func stripXSSI(b []byte) []byte {
	if bytes.HasPrefix(b, []byte(")]}'")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[i+1:]
		}
		return b[len(b):]
	}
	return b
}

// raw holds the fields of one map object as scanned, before they are interpreted.
type raw struct {
	version                        int64
	hasVersion, versionOK          bool
	file, sourceRoot               string
	mappings                       []byte
	mappingsEscaped, hasMappings   bool
	hasSources, hasSections        bool
	sources                        []string
	nullSrc                        []bool
	contents                       []content
	names                          []string
	ignoreList, googleIgnoreList   []int64
	hasIgnoreList, hasGoogleIgnore bool
	debugID, debugIDSnake          string
	hasDebugID, hasDebugIDSnake    bool
	sections                       []section
}

type section struct {
	line, col int64
	m         *Map
}

// decodeAny reads one map object: a regular map, or at depth 0 an index map.
func decodeAny(s *scanner, depth int) (*Map, error) {
	if k := s.peek(); k != kindObject {
		return nil, fmt.Errorf("source map must be a JSON object, got %s", k)
	}
	var r raw
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "version":
			if s.peek() != kindNumber {
				r.hasVersion = true
				return typeErr(s, "version", "the number 3")
			}
			v, integral, err := s.integer()
			r.hasVersion, r.version, r.versionOK = true, v, integral
			return err
		case "file":
			return optString(s, "file", &r.file)
		case "sourceRoot":
			return optString(s, "sourceRoot", &r.sourceRoot)
		case "mappings":
			if s.peek() != kindString {
				return typeErr(s, "mappings", "a string")
			}
			var err error
			r.mappings, r.mappingsEscaped, err = s.str()
			r.hasMappings = true
			return err
		case "sources":
			r.hasSources = true
			r.sources, r.nullSrc = r.sources[:0], r.nullSrc[:0]
			return stringArray(s, "sources", true, func(raw []byte, esc, null bool) {
				r.sources = append(r.sources, unescape(raw, esc))
				r.nullSrc = append(r.nullSrc, null)
			})
		case "sourcesContent":
			r.contents = r.contents[:0]
			return stringArrayWith(s, "sourcesContent", true, s.lazyStr, func(raw []byte, esc, null bool) {
				r.contents = append(r.contents, content{raw: raw, escaped: esc, present: !null})
			})
		case "names":
			r.names = r.names[:0]
			return stringArray(s, "names", false, func(raw []byte, esc, _ bool) {
				r.names = append(r.names, unescape(raw, esc))
			})
		case "ignoreList":
			r.hasIgnoreList = true
			return indexArray(s, "ignoreList", &r.ignoreList)
		case "x_google_ignoreList":
			r.hasGoogleIgnore = true
			return indexArray(s, "x_google_ignoreList", &r.googleIgnoreList)
		case "debugId":
			r.hasDebugID = true
			return optString(s, "debugId", &r.debugID)
		case "debug_id":
			r.hasDebugIDSnake = true
			return optString(s, "debug_id", &r.debugIDSnake)
		case "sections":
			r.hasSections = true
			if depth > 0 {
				return fmt.Errorf("section map is itself an index map: nested index maps are not allowed")
			}
			return decodeSections(s, &r)
		default:
			return s.skip(1)
		}
	})
	if err != nil {
		return nil, err
	}
	if !r.hasVersion {
		return nil, fmt.Errorf("missing field version")
	}
	if !r.versionOK || r.version != 3 {
		return nil, fmt.Errorf("unsupported version %d (want 3)", r.version)
	}
	m := &Map{File: r.file}
	m.DebugID, m.Warnings = pickDebugID(r)
	if r.hasSections {
		if r.hasMappings {
			return nil, fmt.Errorf("index map must not have a mappings field")
		}
		return flatten(m, r.sections), nil
	}
	if !r.hasMappings {
		return nil, fmt.Errorf("missing field mappings")
	}
	if !r.hasSources {
		return nil, fmt.Errorf("missing field sources")
	}
	ignore := r.ignoreList
	if !r.hasIgnoreList && r.hasGoogleIgnore {
		ignore = r.googleIgnoreList
	}
	m.sources, m.nullSrc = r.sources, r.nullSrc
	for i := range m.sources {
		if !m.nullSrc[i] {
			m.sources[i] = withRoot(r.sourceRoot, m.sources[i])
		}
	}
	m.ignored = make([]bool, len(m.sources))
	for _, i := range ignore {
		if i >= int64(len(m.sources)) {
			return nil, fmt.Errorf("ignoreList index %d out of range (map has %d sources)", i, len(m.sources))
		}
		m.ignored[i] = true
	}
	m.names = r.names
	m.contents = make([]content, len(m.sources))
	for i := range r.contents {
		if i < len(m.contents) {
			m.contents[i] = r.contents[i]
		}
	}
	mappings := r.mappings
	if r.mappingsEscaped {
		mappings = []byte(unescape(mappings, true))
	}
	lines, segs, ok := decodeMappingsParallel(mappings, len(m.sources), len(m.names))
	if !ok {
		var err error
		if lines, segs, err = decodeMappings(mappings, len(m.sources), len(m.names)); err != nil {
			return nil, err
		}
	}
	m.lines, m.segs = lines, segs
	return m, nil
}

// withRoot applies sourceRoot the way the spec does (root + "/" + source), except that a source
// which is already absolute (a URL or an absolute path) is kept as is, as rust-sourcemap and
// therefore Sentry do.
func withRoot(root, src string) string {
	if root == "" || strings.HasPrefix(src, "/") || strings.Contains(src, "://") {
		return src
	}
	if strings.HasSuffix(root, "/") {
		return root + src
	}
	return root + "/" + src
}

func pickDebugID(r raw) (string, []string) {
	var warn []string
	id, ok := "", false
	if r.hasDebugID {
		if id, ok = normalizeDebugID(r.debugID); !ok {
			warn = append(warn, fmt.Sprintf("debugId %q is not a UUID; ignored", r.debugID))
		}
	}
	if r.hasDebugIDSnake {
		snake, sok := normalizeDebugID(r.debugIDSnake)
		switch {
		case !sok:
			warn = append(warn, fmt.Sprintf("debug_id %q is not a UUID; ignored", r.debugIDSnake))
		case !ok:
			id, ok = snake, true
		case snake != id:
			warn = append(warn, fmt.Sprintf("debugId %s and debug_id %s differ; using debugId", id, snake))
		}
	}
	return id, warn
}

// NormalizeDebugID returns a debug id as a lowercase hyphenated UUID. It accepts the hyphenated
// and the 32-hex forms, and drops a Breakpad-style age suffix ("-0" … ), which JS ids never use.
func NormalizeDebugID(s string) (string, bool) { return normalizeDebugID(s) }

func normalizeDebugID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var hex []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			hex = append(hex, c)
		case c >= 'A' && c <= 'F':
			hex = append(hex, c+('a'-'A'))
		case c == '-':
			if len(hex) == 32 { // age suffix
				return format(hex), isHexTail(s[i+1:])
			}
			if len(hex) != 8 && len(hex) != 12 && len(hex) != 16 && len(hex) != 20 {
				return "", false
			}
		default:
			return "", false
		}
	}
	if len(hex) != 32 {
		return "", false
	}
	return format(hex), true
}

func isHexTail(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func format(h []byte) string {
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}

func typeErr(s *scanner, field, want string) error {
	return fmt.Errorf("field %s must be %s, got %s", field, want, s.peek())
}

func optString(s *scanner, field string, dst *string) error {
	switch s.peek() {
	case kindString:
		raw, esc, err := s.str()
		*dst = unescape(raw, esc)
		return err
	case kindNull:
		return s.literal("null")
	}
	return typeErr(s, field, "a string")
}

func stringArray(s *scanner, field string, nullable bool, add func(raw []byte, escaped, null bool)) error {
	return stringArrayWith(s, field, nullable, s.str, add)
}

func stringArrayWith(s *scanner, field string, nullable bool, str func() ([]byte, bool, error), add func(raw []byte, escaped, null bool)) error {
	if s.peek() != kindArray {
		return typeErr(s, field, "an array")
	}
	return s.array(func(i int) error {
		switch s.peek() {
		case kindString:
			raw, esc, err := str()
			if err == nil {
				add(raw, esc, false)
			}
			return err
		case kindNull:
			if nullable {
				add(nil, false, true)
				return s.literal("null")
			}
		}
		want := "a string"
		if nullable {
			want = "a string or null"
		}
		return fmt.Errorf("%s[%d] must be %s, got %s", field, i, want, s.peek())
	})
}

func indexArray(s *scanner, field string, dst *[]int64) error {
	if s.peek() != kindArray {
		return typeErr(s, field, "an array")
	}
	*dst = (*dst)[:0]
	return s.array(func(i int) error {
		if s.peek() != kindNumber {
			return fmt.Errorf("%s[%d] must be a source index, got %s", field, i, s.peek())
		}
		v, integral, err := s.integer()
		if err != nil {
			return err
		}
		if !integral || v < 0 || v > math.MaxInt32 {
			return fmt.Errorf("%s[%d] must be a non-negative integer", field, i)
		}
		*dst = append(*dst, v)
		return nil
	})
}

func decodeSections(s *scanner, r *raw) error {
	if s.peek() != kindArray {
		return typeErr(s, "sections", "an array")
	}
	return s.array(func(i int) error {
		if k := s.peek(); k != kindObject {
			return fmt.Errorf("sections[%d] must be an object, got %s", i, k)
		}
		sec := section{line: -1, col: -1}
		hasOffset := false
		err := s.object(func(key []byte) error {
			switch string(key) {
			case "offset":
				hasOffset = true
				if k := s.peek(); k != kindObject {
					return fmt.Errorf("sections[%d].offset must be an object, got %s", i, k)
				}
				return s.object(func(key []byte) error {
					var dst *int64
					switch string(key) {
					case "line":
						dst = &sec.line
					case "column":
						dst = &sec.col
					default:
						return s.skip(1)
					}
					if k := s.peek(); k != kindNumber {
						return fmt.Errorf("sections[%d].offset.%s must be a number, got %s", i, key, k)
					}
					v, integral, err := s.integer()
					if err != nil {
						return err
					}
					if !integral || v < 0 || v > math.MaxInt32 {
						return fmt.Errorf("sections[%d].offset.%s must be a non-negative integer", i, key)
					}
					*dst = v
					return nil
				})
			case "map":
				m, err := decodeAny(s, 1)
				if err != nil {
					return fmt.Errorf("sections[%d].map: %w", i, err)
				}
				sec.m = m
				return nil
			case "url":
				return fmt.Errorf("sections[%d] has a url: sections referring to other files are not supported", i)
			default:
				return s.skip(1)
			}
		})
		if err != nil {
			return err
		}
		switch {
		case !hasOffset:
			return fmt.Errorf("sections[%d] has no offset", i)
		case sec.line < 0:
			return fmt.Errorf("sections[%d].offset has no line", i)
		case sec.col < 0:
			return fmt.Errorf("sections[%d].offset has no column", i)
		case sec.m == nil:
			return fmt.Errorf("sections[%d] has no map", i)
		}
		if n := len(r.sections); n > 0 {
			prev := r.sections[n-1]
			if sec.line < prev.line || sec.line == prev.line && sec.col <= prev.col {
				return fmt.Errorf("sections[%d] at %d:%d does not start after sections[%d] at %d:%d", i, sec.line, sec.col, n-1, prev.line, prev.col)
			}
			if l, c, ok := lastMapping(prev); ok && (sec.line < l || sec.line == l && sec.col <= c) {
				return fmt.Errorf("sections[%d] at %d:%d overlaps sections[%d], which maps up to %d:%d", i, sec.line, sec.col, n-1, l, c)
			}
		}
		r.sections = append(r.sections, sec)
		return nil
	})
}

// lastMapping returns the generated position of a section's last segment, after its offset.
func lastMapping(sec section) (line, col int64, ok bool) {
	m := sec.m
	for l := len(m.lines) - 2; l >= 0; l-- {
		if m.lines[l+1] > m.lines[l] {
			c := int64(m.segs[m.lines[l+1]-1].GenCol)
			if l == 0 {
				c += sec.col
			}
			return sec.line + int64(l), c, true
		}
	}
	return 0, 0, false
}

// flatten merges the sections of an index map into one map: sources and names are concatenated
// and each section's segments are shifted by its offset (the column offset applies to the
// section's first line only).
func flatten(m *Map, secs []section) *Map {
	nLines := 1
	nSegs := 0
	for _, sec := range secs {
		nLines = max(nLines, int(sec.line)+sec.m.GeneratedLines())
		nSegs += len(sec.m.segs)
		m.sources = append(m.sources, sec.m.sources...)
		m.nullSrc = append(m.nullSrc, sec.m.nullSrc...)
		m.ignored = append(m.ignored, sec.m.ignored...)
		m.contents = append(m.contents, sec.m.contents...)
		m.names = append(m.names, sec.m.names...)
		m.Warnings = append(m.Warnings, sec.m.Warnings...)
	}
	m.segs = make([]Segment, 0, nSegs)
	m.lines = make([]uint32, nLines+1)
	srcBase, nameBase := int32(0), int32(0)
	line := 0 // next generated line whose start index is not yet set
	for _, sec := range secs {
		for l := 0; l < sec.m.GeneratedLines(); l++ {
			gl := int(sec.line) + l
			for ; line <= gl; line++ {
				m.lines[line] = uint32(len(m.segs))
			}
			for _, s := range sec.m.LineSegments(l) {
				if l == 0 {
					s.GenCol += uint32(sec.col)
				}
				if s.Source >= 0 {
					s.Source += srcBase
				}
				if s.Name >= 0 {
					s.Name += nameBase
				}
				m.segs = append(m.segs, s)
			}
		}
		srcBase += int32(len(sec.m.sources))
		nameBase += int32(len(sec.m.names))
	}
	for ; line <= nLines; line++ {
		m.lines[line] = uint32(len(m.segs))
	}
	return m
}
