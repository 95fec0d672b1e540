// Package ruletext holds the lexical rules that Sentry's two rule languages — stack-trace rules
// (enhancers) and server-side fingerprint rules — share. It knows nothing of what a rule means.
package ruletext

// StripComment cuts a "#" comment that is not inside a quoted value.
func StripComment(line string) string {
	inQuote := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case '#':
			if !inQuote {
				return line[:i]
			}
		}
	}
	return line
}
