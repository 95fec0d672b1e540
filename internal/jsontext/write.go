package jsontext

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendJSON appends n's compact JSON to dst. A compact container that no edit reached is
// copied whole; everything else is copied value by value, so the output is the input without
// its whitespace and with its repairs.
func (t *Tree) AppendJSON(dst []byte, n *Node) []byte {
	switch n.kind {
	case Null:
		return append(dst, "null"...)
	case False:
		return append(dst, "false"...)
	case True:
		return append(dst, "true"...)
	case Number:
		return append(dst, t.Raw(n)...)
	case String:
		dst = append(dst, '"')
		dst = append(dst, t.Raw(n)...)
		return append(dst, '"')
	}
	if n.flags&compact != 0 && !t.editedWithin(n.raw) {
		return append(dst, t.Raw(n)...)
	}
	kids := t.Kids(n)
	if n.kind == Array {
		dst = append(dst, '[')
		for i := range kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = t.AppendJSON(dst, &kids[i])
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
		dst = append(dst, t.RawKey(m)...)
		dst = append(dst, '"', ':')
		dst = t.AppendJSON(dst, m)
	}
	return append(dst, '}')
}

// CompactText returns the source text of a container that was read without whitespace or
// repairs and that no edit reached since: what AppendJSON would write for it.
func (t *Tree) CompactText(n *Node) (string, bool) {
	if n.flags&compact != 0 && !t.editedWithin(n.raw) {
		return t.Raw(n), true
	}
	return "", false
}

// AppendString appends s as a JSON string literal, escaped as a string node of a Tree is
// written (StringNode, AppendJSON).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	return append(appendEscaped(dst, s), '"')
}

// appendEscaped writes s as the inside of a JSON string literal. The runs between the bytes to
// escape are found eight bytes at a time (plainEnd): the processor writes each processing error
// it adds this way, a few hundred bytes per event, and a byte-by-byte test cost ~7 instructions a
// byte (BenchmarkNodeEvent).
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := plainEnd(s, 0); i < len(s); i = plainEnd(s, start) {
		dst = append(dst, s[start:i]...)
		switch c := s[i]; c {
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

// plainEnd returns the offset of the first byte at or after i that a JSON string must escape (a
// quote, a backslash or a control character), or len(s): stringEnd's search.
func plainEnd(s string, i int) int {
	end := stringEnd(s, i-1)
	if end < 0 {
		end = ^end
	}
	return end
}

// escapeRaw returns s in raw (escaped) form and whether it needed escapes.
func escapeRaw(s string) (string, bool) {
	if plainEnd(s, 0) == len(s) {
		return s, false
	}
	return string(appendEscaped(nil, s)), true
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

const hexDigits = "0123456789abcdef"
