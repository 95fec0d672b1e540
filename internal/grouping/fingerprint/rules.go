// Package fingerprint parses and matches server-side fingerprint rules in Sentry's syntax
// ("matcher:glob … -> value, {{ var }} title=\"…\""): the first rule matching an event replaces
// its fingerprint. It also holds the built-in rules of the grouping configs.
//
// It owns the rule language and matching over a flat view of the event that the caller prepares;
// it knows nothing about component trees, hashing or fingerprint variables' values.
package fingerprint

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/grouping/glob"
	"github.com/faultline/faultline/internal/grouping/ruletext"
)

// Event is what rules see of an event.
type Event struct {
	Family     string // javascript, native or other: the event platform's family
	Exceptions []Exception
	// Messages are the log message and every exception value (message: matchers test them all).
	Messages []string
	Frames   []Frame
	Logger   string
	Level    string
	Release  string
	SDK      string
	Tag      func(key string) (string, bool)
}

// Reset empties ev for reuse, keeping the capacity of its lists.
func (ev *Event) Reset() {
	*ev = Event{Exceptions: ev.Exceptions[:0], Messages: ev.Messages[:0], Frames: ev.Frames[:0]}
}

// Exception is one exception's type and value.
type Exception struct{ Type, Value string }

// Frame is one frame of any stacktrace of the event.
type Frame struct {
	Path     string // abs_path, passed through glob.Fold
	Filename string // passed through glob.Fold
	Module   string
	Function string
	Package  string // passed through glob.Fold
	InApp    bool
	Family   string
}

type group uint8

const (
	groupTop group = iota
	groupException
	groupFrame
	groupMessage
)

type matcher struct {
	key      string
	tag      string
	negated  bool
	grp      group
	pat      glob.Pattern
	fold     bool     // case-insensitive matcher on a value of any case
	families []string // for family matchers
}

// Rule is one parsed fingerprint rule.
type Rule struct {
	text        string
	builtin     bool
	groups      [4][]matcher // matchers split by what they must hold for together
	Fingerprint []string
	Title       string
}

// String is the rule as written (without comment), as Sentry reports a matched rule.
func (r *Rule) String() string { return r.text }

// Builtin reports whether the rule is one of Sentry's built-in rules.
func (r *Rule) Builtin() bool { return r.builtin }

// Rules is an ordered rule list; the first match wins.
type Rules struct{ rules []*Rule }

// Len is the number of rules.
func (rs *Rules) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.rules)
}

//go:embed rules/javascript.txt
var builtinText string

var builtin = func() *Rules {
	rs, err := parse(builtinText, true)
	if err != nil {
		panic(fmt.Sprintf("built-in fingerprint rules: %v", err))
	}
	return rs
}()

// Builtin returns the built-in rules every supported grouping config inherits
// (Sentry's javascript@2024-02-02 set: chunk-load and hydration errors).
func Builtin() *Rules { return builtin }

// Parse parses rule text, one rule per line; "#" starts a comment. Errors name the line.
func Parse(text string) (*Rules, error) { return parse(text, false) }

func parse(text string, isBuiltin bool) (*Rules, error) {
	rs := &Rules{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(ruletext.StripComment(line))
		if line == "" {
			continue
		}
		r, err := parseRule(line)
		if err != nil {
			return nil, fmt.Errorf("fingerprint rules line %d (%q): %w", i+1, line, err)
		}
		r.builtin = isBuiltin
		rs.rules = append(rs.rules, r)
	}
	return rs, nil
}

func parseRule(line string) (*Rule, error) {
	lhs, rhs, ok := cutArrow(line)
	if !ok {
		return nil, fmt.Errorf(`missing "->" between matchers and fingerprint`)
	}
	r := &Rule{text: line}
	toks, err := splitMatchers(lhs)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("a rule needs at least one matcher before ->")
	}
	for _, tok := range toks {
		m, err := parseMatcher(tok)
		if err != nil {
			return nil, err
		}
		r.groups[m.grp] = append(r.groups[m.grp], m)
	}
	if err := parseFingerprint(rhs, r); err != nil {
		return nil, err
	}
	if len(r.Fingerprint) == 0 {
		return nil, fmt.Errorf("a rule needs at least one fingerprint value after ->")
	}
	return r, nil
}

// cutArrow splits at the first "->" outside quotes.
func cutArrow(line string) (string, string, bool) {
	inQuote := false
	for i := 0; i+1 < len(line); i++ {
		switch line[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case '-':
			if !inQuote && line[i+1] == '>' {
				return line[:i], line[i+2:], true
			}
		}
	}
	return "", "", false
}

func splitMatchers(s string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == ' ' || c == '\t'):
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted value")
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	return toks, nil
}

func parseMatcher(tok string) (matcher, error) {
	var m matcher
	src := tok
	if strings.HasPrefix(tok, "!") {
		m.negated, tok = true, tok[1:]
	}
	key, value, ok := strings.Cut(tok, ":")
	if !ok || value == "" {
		return m, fmt.Errorf("%q is not a matcher (key:value)", src)
	}
	m.key = key
	path, fold := false, false
	switch key {
	case "type", "error.type":
		m.key, m.grp = "type", groupException
	case "value", "error.value":
		m.key, m.grp, fold = "value", groupException, true
	case "message":
		m.grp, fold = groupMessage, true
	case "logger", "release", "sdk":
	case "level":
		fold = true
	case "family":
		m.families = strings.Split(value, ",")
	case "path", "stack.abs_path":
		m.key, m.grp, path, fold = "path", groupFrame, true, true
	case "module", "stack.module":
		m.key, m.grp = "module", groupFrame
	case "function", "stack.function":
		m.key, m.grp = "function", groupFrame
	case "package", "stack.package":
		m.key, m.grp, path, fold = "package", groupFrame, true, true
	case "app", "stack.app":
		m.key, m.grp = "app", groupFrame
		if value != "yes" && value != "no" && value != "true" && value != "false" {
			return m, fmt.Errorf("app matcher wants yes or no, not %q", value)
		}
	default:
		if t, ok := strings.CutPrefix(key, "tags."); ok && t != "" {
			m.key, m.tag = "tags", t
			break
		}
		return m, fmt.Errorf("unknown matcher %q", key)
	}
	m.fold = fold && !path
	m.pat = glob.Compile(value, path, fold)
	return m, nil
}

func parseFingerprint(rhs string, r *Rule) error {
	s := strings.TrimSpace(rhs)
	for len(s) > 0 {
		// An attribute (title="…") ends the value list.
		if k, rest, ok := attribute(s); ok {
			v, tail, err := readValue(rest)
			if err != nil {
				return err
			}
			if k != "title" {
				return fmt.Errorf("unknown attribute %q (only title is supported)", k)
			}
			r.Title = v
			s = strings.TrimSpace(tail)
			continue
		}
		if r.Title != "" {
			return fmt.Errorf("fingerprint value %q after an attribute", s)
		}
		v, tail, err := readValue(s)
		if err != nil {
			return err
		}
		r.Fingerprint = append(r.Fingerprint, v)
		s = strings.TrimSpace(tail)
		if strings.HasPrefix(s, ",") {
			s = strings.TrimSpace(s[1:])
			if s == "" {
				return fmt.Errorf("trailing comma after the last fingerprint value")
			}
		} else if s != "" {
			if _, _, ok := attribute(s); !ok {
				return fmt.Errorf("expected \",\" or an attribute before %q", s)
			}
		}
	}
	return nil
}

func attribute(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && (s[i] == '_' || ('a' <= s[i] && s[i] <= 'z')) {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != '=' {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// readValue reads a quoted string, a {{ variable }} (spaces allowed inside) or a bare word.
func readValue(s string) (string, string, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == '"' {
				v, err := strconv.Unquote(s[:i+1])
				if err != nil {
					return "", "", fmt.Errorf("bad quoted value %s: %w", s[:i+1], err)
				}
				return v, s[i+1:], nil
			}
		}
		return "", "", fmt.Errorf("unterminated quoted value %s", s)
	case strings.HasPrefix(s, "{{"):
		end := strings.Index(s, "}}")
		if end < 0 {
			return "", "", fmt.Errorf("unterminated variable %s", s)
		}
		return s[:end+2], s[end+2:], nil
	}
	i := 0
	for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return s[:i], s[i:], nil
}

// Match returns the first rule matching ev, or nil.
func (rs *Rules) Match(ev *Event) *Rule {
	if rs == nil || len(rs.rules) == 0 {
		return nil
	}
	for _, r := range rs.rules {
		if r.matches(ev) {
			return r
		}
	}
	return nil
}

func (r *Rule) matches(ev *Event) bool {
	// Matchers of one group must hold for the same exception / frame / message.
	for grp, ms := range r.groups {
		if len(ms) == 0 {
			continue
		}
		switch group(grp) {
		case groupTop:
			for i := range ms {
				if ms[i].testTop(ev) == ms[i].negated {
					return false
				}
			}
		case groupException:
			if !anyOf(len(ev.Exceptions), func(k int) bool {
				return allOf(ms, func(m *matcher) bool {
					if m.key == "type" {
						return m.pat.Match(ev.Exceptions[k].Type)
					}
					return m.pat.MatchFold(ev.Exceptions[k].Value)
				})
			}) {
				return false
			}
		case groupFrame:
			if !anyOf(len(ev.Frames), func(k int) bool { return allOf(ms, func(m *matcher) bool { return m.testFrame(&ev.Frames[k]) }) }) {
				return false
			}
		case groupMessage:
			if !anyOf(len(ev.Messages), func(k int) bool {
				return allOf(ms, func(m *matcher) bool { return m.pat.MatchFold(ev.Messages[k]) })
			}) {
				return false
			}
		}
	}
	return true
}

func anyOf(n int, f func(int) bool) bool {
	for k := 0; k < n; k++ {
		if f(k) {
			return true
		}
	}
	return false
}

func allOf(ms []matcher, f func(*matcher) bool) bool {
	for i := range ms {
		if f(&ms[i]) == ms[i].negated {
			return false
		}
	}
	return true
}

func (m *matcher) match(v string) bool {
	if m.fold {
		return m.pat.MatchFold(v)
	}
	return m.pat.Match(v)
}

func (m *matcher) testTop(ev *Event) bool {
	switch m.key {
	case "logger":
		return m.match(ev.Logger)
	case "level":
		return m.match(ev.Level)
	case "release":
		return m.match(ev.Release)
	case "sdk":
		return m.match(ev.SDK)
	case "family":
		for _, f := range m.families {
			if f == "all" || f == ev.Family {
				return true
			}
		}
		return false
	case "tags":
		if ev.Tag == nil {
			return false
		}
		v, ok := ev.Tag(m.tag)
		return ok && m.match(v)
	}
	return false
}

func (m *matcher) testFrame(f *Frame) bool {
	switch m.key {
	case "path":
		return (f.Path != "" && m.pat.Match(f.Path)) || (f.Filename != "" && m.pat.Match(f.Filename))
	case "module":
		return f.Module != "" && m.pat.Match(f.Module)
	case "function":
		return f.Function != "" && m.pat.Match(f.Function)
	case "package":
		return f.Package != "" && m.pat.Match(f.Package)
	case "app":
		want := m.pat.String() == "yes" || m.pat.String() == "true"
		return f.InApp == want
	}
	return false
}
