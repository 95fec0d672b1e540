package jsontext

import "strings"

// Reader reads a document value by value, without building a tree: a caller that wants a few
// fields of a document reads them straight from the text and skips the rest. It shares the
// tree parser's lexer, so it accepts, repairs and rejects exactly what Tree.Parse does. Strings
// and raw texts it returns share the text it reads.
//
// Reading functions return false on a syntax error, which Err then returns; the caller stops.
type Reader struct{ parser }

// Reset makes r read s. Containers nested deeper than maxDepth (0: DefaultMaxDepth) are
// skipped as Tree.Parse skips them.
func (r *Reader) Reset(s string, maxDepth int) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	r.parser = parser{s: validText(s), maxDepth: maxDepth}
}

// Err returns the syntax error a reading function stopped at.
func (r *Reader) Err() error { return r.err }

// End checks that nothing but whitespace is left.
func (r *Reader) End() bool { return r.end() }

// Peek returns the first byte of the next value, 0 at the end of input.
func (r *Reader) Peek() byte {
	r.skipWS()
	if r.pos >= len(r.s) {
		return 0
	}
	return r.s[r.pos]
}

// Scalar reads the next value. Strings, numbers and literals come back with their text; an
// object or array is skipped and comes back as its kind. NaN and ±Infinity read as null.
func (r *Reader) Scalar() (Scalar, bool) {
	switch c := r.Peek(); c {
	case '{':
		return Scalar{Kind: Object}, r.Object(func(string) bool { return r.Skip() })
	case '[':
		return Scalar{Kind: Array}, r.Array(r.Skip)
	case '"':
		raw, esc, ok := r.str()
		return Scalar{Kind: String, Escaped: esc, Raw: raw}, ok
	case 't':
		return Scalar{Kind: True}, r.lex("true")
	case 'f':
		return Scalar{Kind: False}, r.lex("false")
	case 'n':
		return Scalar{Kind: Null}, r.lex("null")
	case 'N':
		return Scalar{Kind: Null}, r.lex("NaN")
	case 'I':
		return Scalar{Kind: Null}, r.lex("Infinity")
	case 0:
		return Scalar{}, r.fail("unexpected end of input")
	default:
		if c == '-' && strings.HasPrefix(r.s[r.pos:], "-Infinity") {
			return Scalar{Kind: Null}, r.lex("-Infinity")
		}
		if c == '-' || (c >= '0' && c <= '9') {
			raw, ok := r.lexNumber()
			return Scalar{Kind: Number, Raw: raw}, ok
		}
		return Scalar{}, r.fail("unexpected %s", describeByte(c))
	}
}

func (r *Reader) lex(lit string) bool {
	if !strings.HasPrefix(r.s[r.pos:], lit) {
		return r.fail("invalid literal, expected %q", lit)
	}
	r.pos += len(lit)
	return true
}

// Skip reads past the next value.
func (r *Reader) Skip() bool {
	_, ok := r.Scalar()
	return ok
}

// Object calls fn with each key of the object that is the next value; fn must read or skip
// the member's value. A value that is not an object is skipped without calling fn.
func (r *Reader) Object(fn func(key string) bool) bool {
	if r.Peek() != '{' {
		return r.Skip()
	}
	return r.members('}', "object", fn)
}

// Array calls fn for each element of the array that is the next value; fn must read or skip
// it. A value that is not an array is skipped without calling fn.
func (r *Reader) Array(fn func() bool) bool {
	if r.Peek() != '[' {
		return r.Skip()
	}
	return r.members(']', "array", func(string) bool { return fn() })
}

func (r *Reader) members(closing byte, what string, fn func(key string) bool) bool {
	if r.depth == r.maxDepth {
		// Deeper data is skipped as the tree parser skips it.
		return r.skipNested()
	}
	r.depth++
	r.pos++
	if r.Peek() == closing {
		r.pos++
		r.depth--
		return true
	}
	for {
		key := ""
		if closing == '}' {
			if c := r.Peek(); c != '"' {
				if c == 0 {
					return r.fail("unexpected end of input in object")
				}
				return r.fail("expected a string key, found %s", describeByte(c))
			}
			var ok bool
			if key, ok = r.stringValue(); !ok {
				return false
			}
			if r.Peek() != ':' {
				return r.fail("expected ':' after object key")
			}
			r.pos++
		}
		if r.Peek() == 0 {
			return r.fail("unexpected end of input")
		}
		if !fn(key) {
			return false
		}
		switch r.Peek() {
		case ',':
			r.pos++
		case closing:
			r.pos++
			r.depth--
			return true
		case 0:
			return r.fail("unexpected end of input in %s", what)
		default:
			return r.fail("expected ',' or '%c' in %s, found %s", closing, what, describeByte(r.s[r.pos]))
		}
	}
}

// stringValue reads the string at r.pos as text.
func (r *Reader) stringValue() (string, bool) {
	start := r.pos + 1
	end, esc, ok := r.scanString()
	raw := r.repaired
	if end >= 0 {
		raw = r.s[start:end]
	}
	if esc {
		raw = unescape(raw)
	}
	return raw, ok
}
