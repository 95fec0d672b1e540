package jsscope

import (
	"unicode/utf8"
)

// tokKind classifies the tokens the scope finder cares about; everything else is punct or opaque.
type tokKind uint8

const (
	tIdent   tokKind = iota // identifiers and keywords
	tPrivate                // #name
	tString
	tNumber
	tTemplate // a template literal without substitutions, or a piece of one
	tRegex
	tPunct
	tNone // outside the finder's window
)

// token is one significant token with its position as a 0-based line and UTF-16 column, the
// coordinates source maps use.
type token struct {
	kind tokKind
	// start/end locate the token's text in the source; tokens hold no pointers, so the garbage
	// collector never scans the (large) token slice.
	start, end uint32
	line, col  uint32
	// endLine/endCol is the position just after the token.
	endLine, endCol uint32
}

// lexer tokenizes JavaScript well enough to find function boundaries in minified code: it knows
// comments, strings, template literals with nested substitutions, and tells regex literals from
// division by the previous token. It never fails: unknown bytes become single-byte punctuators.
type lexer struct {
	src       string
	i         int
	line, col uint32 // position of src[i]
	// prevKind/prevText describe the last significant token, for the regex/division decision.
	prevKind tokKind
	prevText string
	hasPrev  bool
	// templates holds, for each open template substitution, the brace depth at which it opened.
	templates []int
	depth     int
}

func (lx *lexer) advance(n int) {
	for end := lx.i + n; lx.i < end; {
		c := lx.src[lx.i]
		switch {
		case c == '\n':
			lx.line++
			lx.col = 0
			lx.i++
		case c < utf8.RuneSelf:
			lx.col++
			lx.i++
		default:
			r, size := utf8.DecodeRuneInString(lx.src[lx.i:])
			if r >= 0x10000 {
				lx.col += 2 // a surrogate pair in UTF-16
			} else {
				lx.col++
			}
			lx.i += size
		}
	}
}

// skipSpaceAndComments moves over whitespace (including the Unicode spaces JS allows) and comments.
func (lx *lexer) skipSpaceAndComments() {
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			lx.advance(1)
		case c == '/' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '/':
			n := 2
			for lx.i+n < len(lx.src) && lx.src[lx.i+n] != '\n' {
				n++
			}
			lx.advance(n)
		case c == '/' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '*':
			n := 2
			for lx.i+n+1 < len(lx.src) && !(lx.src[lx.i+n] == '*' && lx.src[lx.i+n+1] == '/') {
				n++
			}
			lx.advance(min(n+2, len(lx.src)-lx.i))
		case c >= utf8.RuneSelf:
			r, _ := utf8.DecodeRuneInString(lx.src[lx.i:])
			if r == 0xA0 || r == 0xFEFF || r == 0x2028 || r == 0x2029 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x202F || r == 0x205F || r == 0x3000 {
				lx.advance(1)
				continue
			}
			return
		default:
			return
		}
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '\\' || c >= utf8.RuneSelf
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// regexAllowedAfter lists keywords after which a '/' starts a regular expression.
var regexAllowedAfter = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true, "new": true,
	"delete": true, "void": true, "throw": true, "case": true, "do": true, "else": true,
	"yield": true, "await": true,
}

func (lx *lexer) regexAllowed() bool {
	if !lx.hasPrev {
		return true
	}
	switch lx.prevKind {
	case tIdent:
		return regexAllowedAfter[lx.prevText]
	case tPunct:
		return lx.prevText != ")" && lx.prevText != "]" && lx.prevText != "}"
	}
	return false
}

// next returns the next significant token, or false at the end of input.
func (lx *lexer) next() (token, bool) {
	lx.skipSpaceAndComments()
	if lx.i >= len(lx.src) {
		return token{}, false
	}
	t := token{line: lx.line, col: lx.col}
	start := lx.i
	c := lx.src[lx.i]
	switch {
	case isIdentStart(c):
		n := 1
		for lx.i+n < len(lx.src) && isIdentPart(lx.src[lx.i+n]) {
			n++
		}
		t.kind = tIdent
		lx.advance(n)
	case c == '#' && lx.i+1 < len(lx.src) && isIdentStart(lx.src[lx.i+1]):
		n := 2
		for lx.i+n < len(lx.src) && isIdentPart(lx.src[lx.i+n]) {
			n++
		}
		t.kind = tPrivate
		lx.advance(n)
	case c >= '0' && c <= '9' || c == '.' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] >= '0' && lx.src[lx.i+1] <= '9':
		n := 1
		for lx.i+n < len(lx.src) {
			d := lx.src[lx.i+n]
			if isIdentPart(d) || d == '.' || (d == '+' || d == '-') && (lx.src[lx.i+n-1] == 'e' || lx.src[lx.i+n-1] == 'E') {
				n++
				continue
			}
			break
		}
		t.kind = tNumber
		lx.advance(n)
	case c == '"' || c == '\'':
		n := 1
		for lx.i+n < len(lx.src) && lx.src[lx.i+n] != c && lx.src[lx.i+n] != '\n' {
			if lx.src[lx.i+n] == '\\' {
				n++
			}
			n++
		}
		t.kind = tString
		lx.advance(min(n+1, len(lx.src)-lx.i))
	case c == '`':
		t.kind = tTemplate
		lx.advance(1)
		lx.templateBody()
	case c == '}' && len(lx.templates) > 0 && lx.templates[len(lx.templates)-1] == lx.depth:
		// the end of a ${…} substitution: continue the template
		lx.templates = lx.templates[:len(lx.templates)-1]
		t.kind = tTemplate
		lx.advance(1)
		lx.templateBody()
	case c == '/' && lx.regexAllowed():
		n, inClass := 1, false
		for lx.i+n < len(lx.src) && lx.src[lx.i+n] != '\n' {
			d := lx.src[lx.i+n]
			if d == '\\' {
				n += 2
				continue
			}
			if d == '[' {
				inClass = true
			} else if d == ']' {
				inClass = false
			} else if d == '/' && !inClass {
				break
			}
			n++
		}
		n++ // closing slash
		for lx.i+n < len(lx.src) && isIdentPart(lx.src[lx.i+n]) {
			n++ // flags
		}
		t.kind = tRegex
		lx.advance(min(n, len(lx.src)-lx.i))
	default:
		t.kind = tPunct
		n := punctLen(lx.src[lx.i:])
		switch lx.src[start : start+n] {
		case "{", "(", "[":
			lx.depth++
		case "}", ")", "]":
			lx.depth--
		}
		lx.advance(n)
	}
	t.start, t.end = uint32(start), uint32(lx.i)
	t.endLine, t.endCol = lx.line, lx.col
	lx.prevKind, lx.prevText, lx.hasPrev = t.kind, lx.src[start:lx.i], true
	return t, true
}

// templateBody consumes template characters up to the closing backtick or a "${", which opens a
// substitution whose closing brace resumes the template.
func (lx *lexer) templateBody() {
	for lx.i < len(lx.src) {
		switch lx.src[lx.i] {
		case '\\':
			lx.advance(min(2, len(lx.src)-lx.i))
		case '`':
			lx.advance(1)
			return
		case '$':
			if lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '{' {
				lx.advance(2)
				lx.templates = append(lx.templates, lx.depth)
				return
			}
			lx.advance(1)
		default:
			lx.advance(1)
		}
	}
}

// punctLen returns the length of the punctuator at the start of s. The scope finder only needs
// "=>", "?.", "..." and the assignment/comparison family kept whole (so "=" is never confused
// with "==" or "=>"); the rest may be split, which is harmless.
func punctLen(s string) int {
	c := s[0]
	if c >= utf8.RuneSelf {
		_, n := utf8.DecodeRuneInString(s)
		return n
	}
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	c1, c2 := at(1), at(2)
	switch c {
	case '=':
		switch {
		case c1 == '>':
			return 2
		case c1 == '=' && c2 == '=':
			return 3
		case c1 == '=':
			return 2
		}
	case '!':
		if c1 == '=' {
			if c2 == '=' {
				return 3
			}
			return 2
		}
	case '.':
		if c1 == '.' && c2 == '.' {
			return 3
		}
	case '?':
		if c1 == '?' || c1 == '.' && !(c2 >= '0' && c2 <= '9') {
			if c1 == '?' && c2 == '=' {
				return 3
			}
			return 2
		}
	case '<', '>', '&', '|', '*', '+', '-', '%', '^', '/':
		if c1 == c && (c == '&' || c == '|' || c == '*' || c == '<' || c == '>' || c == '+' || c == '-') {
			if c == '>' && c2 == '>' {
				if at(3) == '=' {
					return 4
				}
				return 3
			}
			if c2 == '=' && c != '+' && c != '-' {
				return 3
			}
			return 2
		}
		if c1 == '=' {
			return 2
		}
	}
	return 1
}
