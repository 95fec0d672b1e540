package sourcemap

import (
	"cmp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap/decode"
	"github.com/faultline/faultline/internal/sourcemap/jsscope"
)

// uselessNames are function names that say nothing about the code; a frame that ends up with one
// prefers the name its caller used for it.
var uselessNames = map[string]bool{"<anonymous>": true, "__webpack_require__": true, "__webpack_modules__": true}

// functionName names a symbolicated frame. The rule, in order:
//
//  1. With the minified file available, the innermost function scope around the frame's position
//     (see package jsscope for what counts and how anonymous functions are named):
//     a named scope gives its name, each identifier mapped back through the source map;
//     an anonymous scope gives "<anonymous>"; code outside any function gives the minified name
//     the SDK reported, or "<unknown>".
//  2. Without the minified file, the scope is unknown and the mapping names decide: the name the
//     caller frame's mapping carries at its call site (the callee as the caller spelled it), else
//     the minified name the SDK reported.
//  3. A useless result ("<anonymous>", webpack's module plumbing) is replaced by the caller's
//     call-site name when there is one, else by the SDK's minified name when there is one.
//
// Repeated name parts are folded as Sentry does: a.b.b.b.c → a.{b#3}.c.
func (s *Symbolicator) functionName(r *resolved, raw event.Frame, tok decode.Token, callsite string) string {
	var name string
	switch {
	case r.min != nil:
		sc, ok := r.min.scopes.Lookup(tok.GenLine, tok.GenCol)
		switch {
		case !ok:
			name = cmp.Or(raw.Function, "<unknown>")
		case len(sc.Name) == 0:
			name = "<anonymous>"
		default:
			name = resolveScopeName(r.m, sc.Name)
		}
	default:
		name = cmp.Or(callsite, raw.Function)
	}
	if uselessNames[name] {
		name = cmp.Or(callsite, raw.Function, name)
	}
	return foldName(name)
}

// resolveScopeName maps each identifier of a scope name back to its original name, as Sentry's
// scope naming does: the mapping that starts exactly at the identifier gives its name (one column
// before it is accepted too, as generators disagree on whether a name's mapping sits on the
// identifier or just before it). Two fallbacks read what the map leaves out:
//   - a function or class name whose mapping has no name takes the name of the mapping on its
//     keyword when both point at the same original position (TypeScript names the keyword);
//   - an identifier whose mapping has no name reads the identifier at its original position,
//     when the source is in the map and no earlier mapping shares that position (terser leaves
//     renamed parameters unnamed at their uses, but esbuild maps whole statements such as its
//     export objects, {a:()=>a,b:()=>b}, to one position, where no such identifier is).
//
// Otherwise the minified text stays.
func resolveScopeName(m *decode.Map, comps []jsscope.Component) string {
	var b strings.Builder
	for _, c := range comps {
		if !c.Ident {
			b.WriteString(c.Text)
			continue
		}
		b.WriteString(originalIdent(m, c))
	}
	return b.String()
}

func originalIdent(m *decode.Map, c jsscope.Component) string {
	segs := m.LineSegments(int(c.Line))
	k := sort.Search(len(segs), func(i int) bool { return segs[i].GenCol > c.Col }) - 1
	if k < 0 || segs[k].GenCol+1 < c.Col {
		return c.Text
	}
	seg := segs[k]
	if seg.Name >= 0 {
		return m.Name(int(seg.Name))
	}
	if seg.Source < 0 {
		return c.Text
	}
	samePlace := k > 0 && segs[k-1].Source == seg.Source && segs[k-1].Line == seg.Line && segs[k-1].Col == seg.Col
	if samePlace && c.Declared && segs[k-1].Name >= 0 && segs[k-1].GenCol >= c.KeywordCol {
		return m.Name(int(segs[k-1].Name))
	}
	if !samePlace {
		if id := identAt(m.Content(int(seg.Source)), seg.Line, seg.Col); id != "" {
			return id
		}
	}
	return c.Text
}

// identAt returns the JavaScript identifier starting at a 0-based line and UTF-16 column of an
// original source, or "".
func identAt(t *decode.Text, line, col uint32) string {
	if t == nil {
		return ""
	}
	l, ok := t.Line(int(line))
	if !ok {
		return ""
	}
	i, units := 0, uint32(0)
	for i < len(l) && units < col {
		r, size := utf8.DecodeRuneInString(l[i:])
		units++
		if r >= 0x10000 {
			units++
		}
		i += size
	}
	j := i
	for j < len(l) {
		r, size := utf8.DecodeRuneInString(l[j:])
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || j > i && unicode.IsDigit(r)) {
			break
		}
		j += size
	}
	return l[i:j]
}

// foldName folds runs of a repeated dotted part: a.b.b.b.c → a.{b#3}.c.
func foldName(name string) string {
	if strings.Count(name, ".") < 2 {
		return name
	}
	parts := strings.Split(name, ".")
	var out []string
	for i := 0; i < len(parts); {
		j := i
		for j < len(parts) && parts[j] == parts[i] {
			j++
		}
		if n := j - i; n > 1 {
			out = append(out, "{"+parts[i]+"#"+strconv.Itoa(n)+"}")
		} else {
			out = append(out, parts[i])
		}
		i = j
	}
	return strings.Join(out, ".")
}
