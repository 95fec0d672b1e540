package sourcemap

import (
	"unicode/utf16"

	"github.com/faultline/faultline/internal/sourcemap/decode"
)

// contextSize is how many lines of source surround the frame's line on each side.
const contextSize = 5

// Long lines are cut to a window around the column, as Sentry does (source_context.rs: lines over
// 150 characters become 140 characters, starting 60 before the column, with {snip} markers).
const (
	maxLineLen    = 150
	windowLen     = 140
	windowLeading = 60
)

// contextLines returns up to five lines before, the line itself, and up to five after (0-based
// line, UTF-16 column).
func contextLines(t *decode.Text, line, col int) (pre []string, ctx string, post []string) {
	for i := max(0, line-contextSize); i < line; i++ {
		l, _ := t.Line(i)
		pre = append(pre, trimLine(l, 0))
	}
	l, _ := t.Line(line)
	ctx = trimLine(l, col)
	for i := line + 1; i <= line+contextSize && i < t.Lines(); i++ {
		l, _ := t.Line(i)
		post = append(post, trimLine(l, 0))
	}
	return pre, ctx, post
}

// trimLine cuts a long line to a window around a UTF-16 column, counting in UTF-16 units as
// JavaScript does.
func trimLine(line string, col int) string {
	if len(line) <= maxLineLen || utf16Len(line) <= maxLineLen {
		return line
	}
	units := utf16.Encode([]rune(line))
	start := max(0, min(col-windowLeading, len(units)-windowLen))
	end := min(start+windowLen, len(units))
	out := string(utf16.Decode(units[start:end]))
	if end < len(units) {
		out += " {snip}"
	}
	if start > 0 {
		out = "{snip} " + out
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
