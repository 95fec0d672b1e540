package decode

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// scanner walks JSON text in place. It exists because a source map is mostly three huge strings
// (mappings, sourcesContent, names): reading them as sub-slices of the input, and unescaping only
// what is asked for, is what makes a 10 MB map cheap (BenchmarkDecodeLargeMap). It is strict JSON
// with one leniency: a trailing comma before `]` or `}` is accepted, because hand-written maps
// (including the tc39 decoding fixtures) contain them.
type scanner struct {
	b []byte
	i int
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

type kind byte

const (
	kindInvalid kind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

func (k kind) String() string {
	switch k {
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBool:
		return "boolean"
	case kindNull:
		return "null"
	}
	return "invalid"
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the kind of the next value after whitespace.
func (s *scanner) peek() kind {
	s.ws()
	if s.i >= len(s.b) {
		return kindInvalid
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	case c == '"':
		return kindString
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber
	case c == 't' || c == 'f':
		return kindBool
	case c == 'n':
		return kindNull
	}
	return kindInvalid
}

// str reads a string and returns its raw bytes between the quotes (still escaped) and whether it
// contains escapes. Escapes are validated; raw control characters inside strings are tolerated
// (a leniency JSON.parse does not have, and harmless here).
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	return s.scanString(true)
}

// lazyStr reads a string without validating its escapes: it jumps from quote to quote
// (bytes.IndexByte is vectorized), which is what makes sourcesContent, most of a map's bytes,
// cheap. unescape tolerates what it then finds.
func (s *scanner) lazyStr() (raw []byte, escaped bool, err error) {
	return s.scanString(false)
}

func (s *scanner) scanString(validate bool) (raw []byte, escaped bool, err error) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, s.errorf("expected string")
	}
	s.i++
	start := s.i
	if !validate {
		for {
			q := bytes.IndexByte(s.b[s.i:], '"')
			if q < 0 {
				return nil, false, s.errorf("unterminated string")
			}
			end := s.i + q
			bs := 0
			for end-bs-1 >= start && s.b[end-bs-1] == '\\' {
				bs++
			}
			s.i = end + 1
			if bs%2 == 0 {
				raw = s.b[start:end]
				return raw, bytes.IndexByte(raw, '\\') >= 0, nil
			}
		}
	}
	quote := -1 // position of the next '"' at or after s.i, once searched
	for {
		if quote < s.i {
			q := bytes.IndexByte(s.b[s.i:], '"')
			if q < 0 {
				return nil, false, s.errorf("unterminated string")
			}
			quote = s.i + q
		}
		bs := bytes.IndexByte(s.b[s.i:quote], '\\')
		if bs < 0 {
			raw = s.b[start:quote]
			s.i = quote + 1
			return raw, escaped, nil
		}
		s.i += bs
		escaped = true
		if s.i+1 >= len(s.b) {
			return nil, false, s.errorf("unterminated escape")
		}
		switch s.b[s.i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			s.i += 2
		case 'u':
			if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
				return nil, false, s.errorf("bad \\u escape")
			}
			s.i += 6
		default:
			return nil, false, s.errorf("bad escape \\%c", s.b[s.i+1])
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number reads a JSON number and returns its text.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	intStart := s.i
	if digits() == 0 {
		return nil, s.errorf("expected number")
	}
	if s.b[intStart] == '0' && s.i-intStart > 1 {
		return nil, s.errorf("leading zero in number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return nil, s.errorf("expected digits after decimal point")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return nil, s.errorf("expected exponent digits")
		}
	}
	return s.b[start:s.i], nil
}

// integer reads a number that must be integral (1.0 and 1e2 count) and fit in an int64.
func (s *scanner) integer() (int64, bool, error) {
	text, err := s.number()
	if err != nil {
		return 0, false, err
	}
	if n, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false, nil
	}
	return int64(f), true, nil
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.errorf("expected %s", word)
	}
	s.i += len(word)
	return nil
}

// skip consumes one value of any kind, validating it.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return s.errorf("nesting deeper than %d", maxDepth)
	}
	switch s.peek() {
	case kindObject:
		return s.object(func(key []byte) error { return s.skip(depth + 1) })
	case kindArray:
		return s.array(func(int) error { return s.skip(depth + 1) })
	case kindString:
		_, _, err := s.str()
		return err
	case kindNumber:
		_, err := s.number()
		return err
	case kindBool:
		if s.b[s.i] == 't' {
			return s.literal("true")
		}
		return s.literal("false")
	case kindNull:
		return s.literal("null")
	}
	return s.errorf("expected a value")
}

// object walks an object, calling member with each raw key; member must consume the value.
// Keys are compared in their raw form: source map keys never need escapes.
func (s *scanner) object(member func(key []byte) error) error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return s.errorf("expected object")
	}
	s.i++
	for {
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return nil
		}
		key, _, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.errorf("expected ':' after object key")
		}
		s.i++
		if err := member(key); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.errorf("unterminated object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or '}' in object")
		}
	}
}

// array walks an array, calling elem with each index; elem must consume the value.
func (s *scanner) array(elem func(i int) error) error {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		return s.errorf("expected array")
	}
	s.i++
	for n := 0; ; n++ {
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		if err := elem(n); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.errorf("unterminated array")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("expected ',' or ']' in array")
		}
	}
}

// unescape turns the raw bytes of a JSON string into its value. Invalid surrogates become U+FFFD,
// as JSON.parse followed by UTF-8 encoding would produce. Escapes that lazyStr did not validate
// and turn out malformed are kept as they are.
func unescape(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '"', '\\', '/':
			out = append(out, raw[i+1])
		case 'u':
			if i+6 > len(raw) || !isHex4(raw[i+2:i+6]) {
				out = append(out, c)
				i++
				continue
			}
			r := rune(hex4(raw[i+2 : i+6]))
			i += 6
			if r >= 0xD800 && r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' && isHex4(raw[i+2:i+6]) {
				if lo := rune(hex4(raw[i+2 : i+6])); lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			out = append(out, c, raw[i+1])
		}
		i += 2
	}
	return string(out)
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c-'a') + 10
		default:
			n |= int(c-'A') + 10
		}
	}
	return n
}
