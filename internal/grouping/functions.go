package grouping

import (
	"strings"

	"github.com/faultline/faultline/internal/grouping/enhancers"
)

// trimFunctionName is Sentry's function-name trimming during stacktrace normalization: C# loses
// its signature, native names are reduced to the function token; other platforms are unchanged.
func trimFunctionName(fn, platform string) string {
	if platform == "csharp" {
		if i := strings.Index(fn, " ("); i >= 0 {
			return fn[:i]
		}
		return fn
	}
	if enhancers.FamilyOf(platform) != enhancers.FamilyNative {
		return fn
	}
	return trimNativeFunction(fn)
}

// trimNativeFunction reduces a demangled C++/Rust/Swift name to what identifies the function:
// no argument lists, return types, clone suffixes or symbol hashes; template arguments collapse to
// <T> and lambdas to "lambda". Objective-C selectors ([Class method]) are left alone.
func trimNativeFunction(fn string) string {
	if fn == "" || strings.HasPrefix(fn, "[") || strings.HasPrefix(fn, "+[") || strings.HasPrefix(fn, "-[") {
		return fn
	}
	s := fn
	// GCC clone suffixes: "foo [clone .isra.0]"
	for {
		i := strings.Index(s, " [clone ")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			break
		}
		s = s[:i] + s[i+j+1:]
	}
	// Linker / ABI suffixes.
	if i := strings.Index(s, "@GLIBC_"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i > 0 && allDigits(s[i+1:]) {
		s = s[:i]
	}
	// Rust legacy symbol hash: ::h0123456789abcdef
	if i := strings.LastIndex(s, "::h"); i >= 0 && len(s)-i-3 == 16 && allHex(s[i+3:]) {
		s = s[:i]
	}
	// MSVC anonymous namespaces.
	for {
		j := strings.Index(s, "?A0x")
		if j < 0 || j+12 > len(s) || !allHex(s[j+4:j+12]) {
			break
		}
		s = s[:j] + "`anonymous namespace'" + s[j+12:]
	}
	s = replaceLambdas(s)
	// Trailing qualifiers.
	for {
		t := strings.TrimSpace(s)
		switch {
		case strings.HasSuffix(t, " const"):
			t = t[:len(t)-len(" const")]
		case strings.HasSuffix(t, "&&"):
			t = t[:len(t)-2]
		case strings.HasSuffix(t, "&"):
			t = t[:len(t)-1]
		default:
			s = t
			goto qualifiersDone
		}
		s = t
	}
qualifiersDone:
	s = stripArguments(s)
	s = collapseTemplates(s)
	s = pickFunctionToken(s)
	if s == "" {
		return fn
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// replaceLambdas turns GCC "{lambda(int)#1}", MSVC "<lambda_<32 hex>>" and clang "$_3" into "lambda".
func replaceLambdas(s string) string {
	for {
		i := strings.Index(s, "{lambda(")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		s = s[:i] + "lambda" + s[i+j+1:]
	}
	for {
		i := strings.Index(s, "<lambda_")
		if i < 0 || i+8+32 >= len(s) || !allHex(s[i+8:i+40]) || s[i+40] != '>' {
			break
		}
		s = s[:i] + "lambda" + s[i+41:]
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '$' && s[i+1] == '_' && s[i+2] >= '0' && s[i+2] <= '9' && (i == 0 || s[i-1] == ':') {
			j := i + 2
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			s = s[:i] + "lambda" + s[j:]
		}
	}
	return s
}

// stripArguments removes every parenthesized argument list except "(anonymous namespace)".
func stripArguments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if depth == 0 && strings.HasPrefix(s[i:], "(anonymous namespace)") {
			b.WriteString("(anonymous namespace)")
			i += len("(anonymous namespace)") - 1
			continue
		}
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// collapseTemplates rewrites every outermost template argument list to <T>, except Rust's
// "<A as B>" qualified paths, which keep their type.
func collapseTemplates(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '<' || strings.HasPrefix(s[i:], "<redacted>") || strings.HasPrefix(s[i:], "<unknown>") {
			b.WriteByte(c)
			continue
		}
		// "operator<" / "operator<<" are names, not templates.
		if strings.HasSuffix(b.String(), "operator") {
			b.WriteByte(c)
			continue
		}
		depth, j := 0, i
		for ; j < len(s); j++ {
			if s[j] == '<' {
				depth++
			} else if s[j] == '>' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j >= len(s) {
			b.WriteString(s[i:])
			break
		}
		inner := s[i+1 : j]
		if k := strings.Index(inner, " as "); k >= 0 && i == 0 {
			b.WriteByte('<')
			b.WriteString(collapseTemplates(inner[:k]))
			b.WriteString(" as ")
			b.WriteString(collapseTemplates(inner[k+4:]))
			b.WriteByte('>')
		} else {
			b.WriteString("<T>")
		}
		i = j
	}
	return b.String()
}

// pickFunctionToken drops return types and specifiers: the function is the last space-separated
// token outside template brackets (Swift: the token before "->").
func pickFunctionToken(s string) string {
	if i := strings.Index(s, " -> "); i >= 0 {
		s = s[:i]
	}
	depth := 0
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			depth++
		case '>':
			if depth > 0 {
				depth--
			}
		case ' ':
			if depth == 0 && !strings.HasPrefix(s[i:], " namespace)") && !strings.HasPrefix(s[i:], " namespace'") {
				last = i + 1
			}
		}
	}
	return strings.TrimSpace(s[last:])
}
