// Package glob matches the glob patterns of Sentry's stack-trace and fingerprint rule syntax.
//
// It owns pattern compilation and matching only; it knows nothing about frames, events or rules.
// Two dialects exist: plain globs, where "*" matches any run of characters, and path globs, where
// "*" stops at "/" and "**" crosses it, values have "\" read as "/", and a relative value also
// matches as if it began with "/" (so "**/vendor/**" matches "vendor/x.go").
package glob

import "strings"

type kind uint8

const (
	kindGeneric  kind = iota
	kindAny           // "*" or "**": everything matches
	kindExact         // no wildcard
	kindPrefix        // "lit*" (plain) or "lit**" (path)
	kindSuffix        // "*lit" (plain)
	kindContains      // "*lit*" (plain) or "**/lit/**" (path)
)

// Pattern is a compiled glob.
type Pattern struct {
	src        string
	pat        string // lowercased when foldCase
	lit        string // the literal part for the fast kinds
	kind       kind
	path       bool
	foldCase   bool
	matchEmpty bool // whether the empty value matches (only "*" / "**")
}

// Compile compiles pattern. path selects the path dialect; foldCase makes matching
// case-insensitive (the caller must then pass values through Fold or have them lowercase).
func Compile(pattern string, path, foldCase bool) Pattern {
	p := Pattern{src: pattern, pat: pattern, path: path, foldCase: foldCase}
	if foldCase {
		p.pat = strings.ToLower(pattern)
	}
	if path {
		p.pat = strings.ReplaceAll(p.pat, `\`, "/")
	} else {
		// In plain globs "*" already crosses everything, so "**" means the same.
		for strings.Contains(p.pat, "**") {
			p.pat = strings.ReplaceAll(p.pat, "**", "*")
		}
	}
	p.kind = kindGeneric
	pat := p.pat
	switch {
	case pat == "*" || pat == "**":
		p.kind, p.matchEmpty = kindAny, true
	case !strings.ContainsAny(pat, "*?["):
		p.kind, p.lit = kindExact, pat
	case !path && strings.Count(pat, "*") == 1 && !strings.ContainsAny(pat, "?[") && strings.HasSuffix(pat, "*"):
		p.kind, p.lit = kindPrefix, pat[:len(pat)-1]
	case !path && strings.Count(pat, "*") == 1 && !strings.ContainsAny(pat, "?[") && strings.HasPrefix(pat, "*"):
		p.kind, p.lit = kindSuffix, pat[1:]
	case !path && strings.Count(pat, "*") == 2 && !strings.ContainsAny(pat, "?[") && strings.HasPrefix(pat, "*") && strings.HasSuffix(pat, "*") && len(pat) > 2:
		p.kind, p.lit = kindContains, pat[1:len(pat)-1]
	case path && strings.HasPrefix(pat, "**/") && strings.HasSuffix(pat, "/**") && len(pat) > 6 &&
		!strings.ContainsAny(pat[3:len(pat)-3], "*?["):
		// "**/x/**" matches any value containing "/x/", counting the implied leading "/".
		p.kind, p.lit = kindContains, pat[2:len(pat)-2]
	case path && strings.HasSuffix(pat, "**") && strings.Count(pat, "*") == 2 && !strings.ContainsAny(pat, "?["):
		// "lit**": everything that starts with lit (or, for a relative value, with lit once
		// the implied leading "/" is added).
		p.kind, p.lit = kindPrefix, pat[:len(pat)-2]
	}
	return p
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// Fold prepares a value for a case-insensitive path pattern: lowercase, "\" as "/".
// Values that need no change are returned without allocating.
func Fold(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || ('A' <= c && c <= 'Z') || c >= 0x80 {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	return strings.ReplaceAll(strings.ToLower(s), `\`, "/")
}

// Match reports whether value matches. For foldCase patterns value must already be folded
// (see Fold); this keeps the per-frame work to one fold per value, not one per rule.
func (p *Pattern) Match(value string) bool {
	switch p.kind {
	case kindAny:
		return true
	case kindExact:
		if value == p.lit {
			return true
		}
		return p.path && len(value) > 0 && value[0] != '/' && len(p.lit) == len(value)+1 && p.lit[0] == '/' && p.lit[1:] == value
	case kindPrefix:
		if strings.HasPrefix(value, p.lit) {
			return true
		}
		return p.path && len(value) > 0 && value[0] != '/' && len(p.lit) > 0 && p.lit[0] == '/' && strings.HasPrefix(value, p.lit[1:])
	case kindSuffix:
		return strings.HasSuffix(value, p.lit)
	case kindContains:
		if strings.Contains(value, p.lit) {
			return true
		}
		return p.path && len(value) > 0 && value[0] != '/' && strings.HasPrefix(value, p.lit[1:])
	}
	if matchGeneric(p.pat, value, false, p.path) {
		return true
	}
	return p.path && len(value) > 0 && value[0] != '/' && matchGeneric(p.pat, value, true, true)
}

// MatchFold is Match for case-insensitive patterns given a value in any case: literal, prefix
// and suffix patterns compare with strings.EqualFold, so most values need no lowercased copy.
func (p *Pattern) MatchFold(value string) bool {
	if !p.foldCase {
		return p.Match(value)
	}
	switch p.kind {
	case kindAny:
		return true
	case kindExact:
		if !p.path {
			return strings.EqualFold(value, p.lit)
		}
	case kindPrefix:
		if !p.path {
			return len(value) >= len(p.lit) && strings.EqualFold(value[:len(p.lit)], p.lit)
		}
	case kindSuffix:
		return len(value) >= len(p.lit) && strings.EqualFold(value[len(value)-len(p.lit):], p.lit)
	}
	if p.path {
		return p.Match(Fold(value))
	}
	return p.Match(strings.ToLower(value))
}

// matchGeneric is a backtracking matcher over value, read with a leading "/" when lead is set.
func matchGeneric(pat, value string, lead, path bool) bool {
	n := len(value)
	if lead {
		n++
	}
	return matchFrom(pat, value, lead, path, n, 0, 0)
}

func charAt(value string, lead bool, i int) byte {
	if lead {
		if i == 0 {
			return '/'
		}
		return value[i-1]
	}
	return value[i]
}

func matchFrom(pat, value string, lead, path bool, n, pi, vi int) bool {
	for pi < len(pat) {
		c := pat[pi]
		switch c {
		case '*':
			double := pi+1 < len(pat) && pat[pi+1] == '*'
			next := pi + 1
			if double {
				next = pi + 2
			}
			crosses := double || !path
			for k := vi; k <= n; k++ {
				if matchFrom(pat, value, lead, path, n, next, k) {
					return true
				}
				if k < n && !crosses && charAt(value, lead, k) == '/' {
					return false
				}
			}
			return false
		case '?':
			if vi >= n || (path && charAt(value, lead, vi) == '/') {
				return false
			}
			pi++
			vi++
		case '[':
			end := strings.IndexByte(pat[pi+1:], ']')
			if vi >= n {
				return false
			}
			if end < 0 {
				if charAt(value, lead, vi) != '[' {
					return false
				}
				pi++
				vi++
				continue
			}
			set := pat[pi+1 : pi+1+end]
			neg := false
			if len(set) > 0 && (set[0] == '!' || set[0] == '^') {
				neg, set = true, set[1:]
			}
			if inSet(set, charAt(value, lead, vi)) == neg {
				return false
			}
			pi += end + 2
			vi++
		default:
			if vi >= n || charAt(value, lead, vi) != c {
				return false
			}
			pi++
			vi++
		}
	}
	return vi == n
}

func inSet(set string, c byte) bool {
	for i := 0; i < len(set); i++ {
		if i+2 < len(set) && set[i+1] == '-' {
			if set[i] <= c && c <= set[i+2] {
				return true
			}
			i += 2
			continue
		}
		if set[i] == c {
			return true
		}
	}
	return false
}
