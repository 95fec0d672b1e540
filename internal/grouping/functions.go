package grouping

import (
	"slices"
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

// trimNativeFunction reduces a demangled C++/Rust/Swift name to the token that names the
// function, as Sentry's stacktrace normalization does: C++ trailers (const, &) go, lambdas of
// every compiler read "lambda", argument lists go (except "(anonymous namespace)"), template
// arguments collapse to <T> (a leading Rust "<Type as Trait>" keeps its type), and the function
// is the last space-separated token outside brackets, or the one before a Swift "->". Names that
// start as Objective-C selectors ("[", "+[", "-[") are left alone; selectors inside a longer name
// (block invocations like "__46+[X y]_block_invoke_2") stay whole because brackets group.
func trimNativeFunction(fn string) string {
	if fn == "" || fn == "<redacted>" || fn == "<unknown>" {
		return fn
	}
	s := strings.TrimSpace(fn)
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "+[") || strings.HasPrefix(s, "-[") {
		return s
	}
	s = stripLinkerSuffixes(s)
	s = chopCppTrailers(s)
	// Stand-ins for characters that would otherwise read as brackets or separators.
	s = strings.NewReplacer(
		"operator<<", "operator\u27e8\u27e8", "operator<", "operator\u27e8", "operator()", "operator\u25ef",
		" -> ", " \u27ff ", "`anonymous namespace'", "\u3014anonymousnamespace\u3015",
	).Replace(s)
	s = replaceLambdas(s)
	s = replaceMSVCAnonymousNamespaces(s)
	s = replaceEnclosed(s, '(', ')', func(inner string, _ int) string {
		inner = strings.TrimSpace(inner)
		if inner == "anonymous namespace" || inner == "operator" {
			return "(" + inner + ")"
		}
		return ""
	})
	s = replaceEnclosed(s, '<', '>', collapseGenerics)
	tokens := splitFunctionTokens(s)
	if len(tokens) > 1 && tokens[len(tokens)-1] == "<T>" {
		tokens = tokens[:len(tokens)-1]
		tokens[len(tokens)-1] += " <T>"
	}
	token := ""
	if k := slices.Index(tokens, "\u27ff"); k >= 0 {
		token = tokens[(k-1+len(tokens))%len(tokens)]
	} else if len(tokens) > 0 {
		token = tokens[len(tokens)-1]
	}
	if token == "" {
		s = fn
	} else {
		s = strings.NewReplacer("\u27e8", "<", "\u25ef", "()", " \u27ff ", " -> ", "\u3014anonymousnamespace\u3015", "`anonymous namespace'").Replace(token)
	}
	s = stripRustHash(s)
	return stripWindowsDecoration(s)
}

// stripLinkerSuffixes removes GCC clone suffixes ("foo [clone .isra.0]") and glibc symbol
// versions ("memcpy@GLIBC_2.14").
func stripLinkerSuffixes(s string) string {
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
	if i := strings.Index(s, "@GLIBC_"); i > 0 {
		s = s[:i]
	}
	return s
}

// chopCppTrailers removes trailing "const" words and "&" qualifiers.
func chopCppTrailers(s string) string {
	for {
		switch {
		case strings.HasSuffix(s, "&"):
			s = strings.TrimRight(s[:len(s)-1], " \t\n\r\v\f")
		case strings.HasSuffix(s, "const") && (len(s) == 5 || !isWordByte(s[len(s)-6])):
			s = strings.TrimRight(s[:len(s)-5], " \t\n\r\v\f")
		default:
			return s
		}
	}
}

func isWordByte(c byte) bool { return isAlnumByte(c) || c == '_' || c >= 0x80 }

// replaceLambdas turns GCC "{lambda(int)#1}", MSVC "lambda_<32 hex>" and clang "$_3" into
// "lambda".
func replaceLambdas(s string) string {
	if !strings.Contains(s, "lambda") && !strings.Contains(s, "$_") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := lambdaAt(s, i); n > 0 {
			b.WriteString("lambda")
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// lambdaAt is the length of a compiler's lambda name starting at s[i], or 0.
func lambdaAt(s string, i int) int {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "{lambda("):
		// The shortest "(…)#digits}" that follows.
		for j := len("{lambda("); j < len(rest); j++ {
			if rest[j] != ')' || j+2 >= len(rest) || rest[j+1] != '#' || !isDigit(rest[j+2]) {
				continue
			}
			k := j + 2
			for k < len(rest) && isDigit(rest[k]) {
				k++
			}
			if k < len(rest) && rest[k] == '}' {
				return k + 1
			}
		}
	case strings.HasPrefix(rest, "lambda_") && (i == 0 || !isWordByte(s[i-1])):
		if len(rest) >= 39 && allLowerHex(rest[7:39]) && (len(rest) == 39 || !isWordByte(rest[39])) {
			return 39
		}
	case strings.HasPrefix(rest, "$_") && len(rest) > 2 && isDigit(rest[2]):
		k := 3
		for k < len(rest) && isDigit(rest[k]) {
			k++
		}
		if k == len(rest) || !isWordByte(rest[k]) {
			return k
		}
	}
	return 0
}

func allLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !('a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// replaceMSVCAnonymousNamespaces: MSVC names inline functions' anonymous namespaces
// "?A0x<8 hex>::"; they are the same namespace as "`anonymous namespace'".
func replaceMSVCAnonymousNamespaces(s string) string {
	for i := 0; ; {
		j := strings.Index(s[i:], "?A0x")
		if j < 0 {
			return s
		}
		j += i
		if j+14 <= len(s) && allLowerHex(s[j+4:j+12]) && s[j+12:j+14] == "::" {
			s = s[:j] + "\u3014anonymousnamespace\u3015::" + s[j+14:]
		}
		i = j + 1
	}
}

// replaceEnclosed replaces every outermost open…close group of s with repl(inner, start); text
// between groups is kept. An unmatched close bracket drops what follows it until brackets
// balance again, as Sentry's helper does.
func replaceEnclosed(s string, open, close byte, repl func(inner string, start int) string) string {
	if strings.IndexByte(s, open) < 0 {
		return s
	}
	var b strings.Builder
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == open:
			if depth == 0 {
				start = i
			}
			depth++
		case c == close:
			depth--
			if depth == 0 {
				b.WriteString(repl(s[start+1:i], start))
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// collapseGenerics: template arguments become <T>, except lambdas, and except a group at the
// very start (Rust's "<Type as Trait>::method"), which is replaced by its type.
func collapseGenerics(inner string, start int) string {
	if inner == "lambda" || lambdaAt(inner, 0) > 0 {
		return "<" + inner + ">"
	}
	if start > 0 {
		return "<T>"
	}
	// A blanket impl "<T as Trait>" names the trait instead.
	if len(inner) > 4 && 'A' <= inner[0] && inner[0] <= 'Z' && strings.HasPrefix(inner[1:], " as ") {
		inner = inner[5:]
	}
	inner = replaceEnclosed(inner, '<', '>', collapseGenerics)
	t, _, _ := strings.Cut(inner, " as ")
	return t
}

// splitFunctionTokens splits s at whitespace outside (), {}, [] and <> groups.
func splitFunctionTokens(s string) []string {
	var tokens []string
	var cur strings.Builder
	var stack []byte
	end := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if closer := bracketCloser(c); closer != 0 {
			stack = append(stack, closer)
			continue
		}
		if len(stack) > 0 {
			if c == stack[len(stack)-1] {
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					cur.WriteString(s[end : i+1])
					end = i + 1
				}
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			if cur.Len() > 0 {
				tokens = append(tokens, cur.String())
				cur.Reset()
			}
		} else {
			cur.WriteString(s[end : i+1])
		}
		end = i + 1
	}
	if cur.Len() > 0 {
		tokens = append(tokens, cur.String())
	}
	return tokens
}

func bracketCloser(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '{':
		return '}'
	case '[':
		return ']'
	case '<':
		return '>'
	}
	return 0
}

// stripRustHash removes a legacy Rust symbol hash ("::h" and 16 lowercase letters or digits).
func stripRustHash(s string) string {
	if n := len(s); n >= 19 && s[n-19:n-16] == "::h" {
		for i := n - 16; i < n; i++ {
			if !isDigit(s[i]) && !('a' <= s[i] && s[i] <= 'z') {
				return s
			}
		}
		return s[:n-19]
	}
	return s
}

// stripWindowsDecoration turns "_foo@12" / "@foo@12" (stdcall / fastcall) into the bare name.
func stripWindowsDecoration(s string) string {
	i := strings.LastIndexByte(s, '@')
	if i < 0 || !allDigits(s[i+1:]) {
		return s
	}
	return strings.TrimPrefix(s[:i], "@")
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
