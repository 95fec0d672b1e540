// Package enhancers parses and applies stack-trace rules ("enhancements") in Sentry's rule text
// syntax: which frames are in-app, which frames take part in grouping, frame categories, and the
// max-frames / min-frames limits of a stacktrace.
//
// It owns the rule language, the built-in rule sets of each grouping config and the rule engine.
// It works on a flat per-frame view prepared by the caller and knows nothing about events,
// component trees or hashes.
package enhancers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/grouping/glob"
	"github.com/faultline/faultline/internal/grouping/ruletext"
)

// Family is the behaviour family of a platform, as rules see it.
type Family uint8

// Families; "other" is everything that is neither JavaScript nor native.
const (
	FamilyOther Family = iota
	FamilyJavaScript
	FamilyNative
)

// FamilyOf maps a platform name to its behaviour family.
func FamilyOf(platform string) Family {
	switch platform {
	case "javascript", "node":
		return FamilyJavaScript
	case "objc", "cocoa", "swift", "native", "c":
		return FamilyNative
	}
	return FamilyOther
}

func (f Family) String() string {
	switch f {
	case FamilyJavaScript:
		return "javascript"
	case FamilyNative:
		return "native"
	}
	return "other"
}

type field uint8

const (
	fieldFamily field = iota
	fieldPath
	fieldModule
	fieldFunction
	fieldPackage
	fieldApp
	fieldCategory
	fieldErrorType
	fieldErrorValue
	fieldErrorMechanism
	// fieldClientUnset (built-in rules only, key "client_in_app:unset") holds for frames whose
	// SDK sent no in_app: the rule fills in what the client left open and never overrides it.
	fieldClientUnset
)

// matcherKeys maps every accepted matcher key (with its stack.* / error.* aliases) to its field.
var matcherKeys = map[string]field{
	"family":          fieldFamily,
	"path":            fieldPath,
	"stack.abs_path":  fieldPath,
	"module":          fieldModule,
	"stack.module":    fieldModule,
	"function":        fieldFunction,
	"stack.function":  fieldFunction,
	"package":         fieldPackage,
	"stack.package":   fieldPackage,
	"app":             fieldApp,
	"category":        fieldCategory,
	"error.type":      fieldErrorType,
	"error.value":     fieldErrorValue,
	"error.mechanism": fieldErrorMechanism,
	"client_in_app":   fieldClientUnset,
}

type matcher struct {
	field   field
	negated bool
	pat     glob.Pattern
	// families is the bit set of families a family matcher accepts.
	families uint8
	// app is the in-app value an app matcher accepts.
	app bool
	// offset is 0 for the frame itself, -1 for its caller, +1 for its callee.
	offset int
}

type actionKind uint8

const (
	actionApp actionKind = iota
	actionGroup
	actionCategory
	actionMaxFrames
	actionMinFrames
)

// Range says which frames a flag action touches relative to the matched frame.
type rangeKind uint8

const (
	rangeSelf rangeKind = iota
	rangeUp             // "^": frames toward the crash (after it in caller-first order)
	rangeDown           // "v": frames away from the crash (before it)
)

// modifies reports whether the action changes the frame itself (category, in-app) rather than
// how it contributes to grouping.
func (a action) modifies() bool { return a.kind == actionCategory || a.kind == actionApp }

type action struct {
	kind  actionKind
	rng   rangeKind
	flag  bool
	str   string
	limit int
}

// Rule is one parsed line.
type Rule struct {
	text     string
	builtin  bool
	matchers []matcher
	actions  []action
	// frameFamilies is a quick filter: the families the rule can match at all.
	frameFamilies uint8
	// modifies: the rule sets a category or in-app (first pass); contributes: it sets grouping
	// flags or max-frames / min-frames (second pass).
	modifies, contributes bool
	hints                 [4]string
	// dynamic are the matchers that read rule state, the exception or neighbouring frames.
	dynamic []matcher
	// needsCategories are the categories some frame of the stack must have for the rule to
	// match (from its plain, non-negated category: matchers), so most category rules are
	// skipped at a glance for stacks without those categories.
	needsCategories []string
}

// HintKind selects one of the explanation texts a rule produces.
type HintKind uint8

// Hint kinds.
const (
	HintIgnored HintKind = iota
	HintUnignored
	HintInApp
	HintOutOfApp
)

// Hint is the explanation shown on a frame the rule changed, e.g.
// "ignored by built-in stack trace rule (category:threadbase -group v-group)". The texts are
// built once per rule so grouping an event does not format strings.
func (r *Rule) Hint(k HintKind) string { return r.hints[k] }

func (r *Rule) buildHints() {
	by := "stack trace rule (" + r.text + ")"
	if r.builtin {
		by = "built-in " + by
	}
	r.hints = [4]string{"ignored by " + by, "un-ignored by " + by, "marked in-app by " + by, "marked out of app by " + by}
}

// String is the rule in canonical form, as hints print it.
func (r *Rule) String() string { return r.text }

// Builtin reports whether the rule belongs to a grouping config's base set.
func (r *Rule) Builtin() bool { return r.builtin }

// Rules is an ordered rule set.
type Rules struct {
	rules      []*Rule
	needsValue bool
	// needsException: some rule reads the exception (error.type, error.value, error.mechanism).
	needsException bool
	// neighbourPaths: some caller/callee matcher reads a path or package, so every frame's
	// Path and Package must be folded even when its static matches are cached.
	neighbourPaths bool
	cache          *staticCache
}

// NeighbourPaths reports whether a caller/callee matcher reads path or package.
func (rs *Rules) NeighbourPaths() bool { return rs != nil && rs.neighbourPaths }

// Len is the number of rules.
func (rs *Rules) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.rules)
}

// Concat returns base's rules followed by extra's, as Sentry applies project rules on top of the
// config's base rules.
func Concat(base, extra *Rules) *Rules {
	out := &Rules{cache: newStaticCache()}
	if base != nil {
		out.rules = append(out.rules, base.rules...)
	}
	if extra != nil {
		out.rules = append(out.rules, extra.rules...)
	}
	out.needsValue = (base != nil && base.needsValue) || (extra != nil && extra.needsValue)
	out.needsException = (base != nil && base.needsException) || (extra != nil && extra.needsException)
	out.neighbourPaths = (base != nil && base.neighbourPaths) || (extra != nil && extra.neighbourPaths)
	return out
}

// Parse parses rule text: one rule per line, "#" starts a comment. Errors name the line.
func Parse(text string) (*Rules, error) {
	return parse(text, false)
}

func parse(text string, builtin bool) (*Rules, error) {
	rs := &Rules{cache: newStaticCache()}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(ruletext.StripComment(line))
		if line == "" {
			continue
		}
		r, err := parseRule(line)
		if err == nil && !builtin && r.usesClientUnset() {
			err = fmt.Errorf("unknown matcher %q", "client_in_app")
		}
		if err != nil {
			return nil, fmt.Errorf("stack-trace rules line %d (%q): %w", i+1, line, err)
		}
		r.builtin = builtin
		r.buildHints()
		rs.rules = append(rs.rules, r)
		for _, m := range r.matchers {
			rs.needsValue = rs.needsValue || m.field == fieldErrorValue
			rs.needsException = rs.needsException || m.field == fieldErrorType || m.field == fieldErrorValue || m.field == fieldErrorMechanism
			rs.neighbourPaths = rs.neighbourPaths || (m.offset != 0 && (m.field == fieldPath || m.field == fieldPackage))
		}
	}
	return rs, nil
}

// tokenize splits a rule into tokens: whitespace separates, quoted values keep their spaces,
// and "[", "]", "|" stand alone.
func tokenize(line string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote := false
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '"':
			inQuote = !inQuote
			cur.WriteByte(c)
		case inQuote:
			cur.WriteByte(c)
		case c == ' ' || c == '\t':
			flush()
		case c == '[' || c == ']' || c == '|':
			flush()
			toks = append(toks, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted value")
	}
	flush()
	return toks, nil
}

func parseRule(line string) (*Rule, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, err
	}
	r := &Rule{frameFamilies: 0b111}
	var canon []string
	i := 0
	// Matchers come first: an optional "[ m ] |" caller, frame matchers, an optional "| [ m ]" callee.
	if i < len(toks) && toks[i] == "[" {
		if i+3 >= len(toks) || toks[i+2] != "]" || toks[i+3] != "|" {
			return nil, fmt.Errorf("a caller matcher must look like [ matcher ] |")
		}
		m, c, err := parseMatcher(toks[i+1])
		if err != nil {
			return nil, err
		}
		m.offset = -1
		r.matchers = append(r.matchers, m)
		canon = append(canon, "[ "+c+" ] |")
		i += 4
	}
	for i < len(toks) && !isAction(toks[i]) && toks[i] != "|" {
		m, c, err := parseMatcher(toks[i])
		if err != nil {
			return nil, err
		}
		if m.field == fieldFamily && !m.negated {
			r.frameFamilies &= m.families
		}
		r.matchers = append(r.matchers, m)
		if c != "" {
			canon = append(canon, c)
		}
		i++
	}
	if i < len(toks) && toks[i] == "|" {
		if i+3 >= len(toks) || toks[i+1] != "[" || toks[i+3] != "]" {
			return nil, fmt.Errorf("a callee matcher must look like | [ matcher ]")
		}
		m, c, err := parseMatcher(toks[i+2])
		if err != nil {
			return nil, err
		}
		m.offset = 1
		r.matchers = append(r.matchers, m)
		canon = append(canon, "| [ "+c+" ]")
		i += 4
	}
	if len(r.matchers) == 0 {
		return nil, fmt.Errorf("a rule needs at least one matcher before its actions")
	}
	if i == len(toks) {
		return nil, fmt.Errorf("a rule needs at least one action (+app, -group, category=…, max-frames=…)")
	}
	for ; i < len(toks); i++ {
		a, err := parseAction(toks[i])
		if err != nil {
			return nil, err
		}
		if a.modifies() {
			r.modifies = true
		} else {
			r.contributes = true
		}
		r.actions = append(r.actions, a)
		canon = append(canon, toks[i])
	}
	r.text = strings.Join(canon, " ")
	// Cheap tests first: a rule is a conjunction, so the order only changes how fast a
	// non-matching frame is rejected.
	slices.SortStableFunc(r.matchers, func(a, b matcher) int { return matcherCost(a) - matcherCost(b) })
	for _, m := range r.matchers {
		if m.field == fieldCategory && !m.negated && !strings.ContainsAny(m.pat.String(), "*?[") {
			r.needsCategories = append(r.needsCategories, m.pat.String())
		}
	}
	for _, m := range r.matchers {
		if !isStatic(&m) {
			r.dynamic = append(r.dynamic, m)
		}
	}
	return r, nil
}

func (r *Rule) usesClientUnset() bool {
	for _, m := range r.matchers {
		if m.field == fieldClientUnset {
			return true
		}
	}
	return false
}

func matcherCost(m matcher) int {
	switch m.field {
	case fieldFamily, fieldApp, fieldClientUnset:
		return 0
	case fieldCategory, fieldErrorType, fieldErrorMechanism:
		return 1
	case fieldFunction, fieldModule:
		return 2
	}
	return 3
}

func isAction(tok string) bool {
	if tok == "" {
		return false
	}
	switch tok[0] {
	case '+', '-', '^':
		return true
	case 'v':
		return len(tok) > 1 && (tok[1] == '+' || tok[1] == '-')
	}
	return strings.Contains(tok, "=") && !strings.Contains(tok, ":")
}

func parseMatcher(tok string) (matcher, string, error) {
	var m matcher
	src := tok
	if strings.HasPrefix(tok, "!") {
		m.negated = true
		tok = tok[1:]
	}
	key, value, ok := strings.Cut(tok, ":")
	if !ok {
		return m, "", fmt.Errorf("%q is neither a matcher (key:value) nor an action", src)
	}
	f, known := matcherKeys[key]
	if !known {
		return m, "", fmt.Errorf("unknown matcher %q", key)
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	if value == "" {
		return m, "", fmt.Errorf("matcher %q has an empty value", key)
	}
	m.field = f
	switch f {
	case fieldFamily:
		for _, f := range strings.Split(value, ",") {
			switch f {
			case "javascript":
				m.families |= 1 << FamilyJavaScript
			case "native":
				m.families |= 1 << FamilyNative
			case "other":
				m.families |= 1 << FamilyOther
			case "all":
				m.families |= 0b111
			default:
				return m, "", fmt.Errorf("unknown family %q (want javascript, native, other or all)", f)
			}
		}
	case fieldClientUnset:
		if value != "unset" || m.negated {
			return m, "", fmt.Errorf("client_in_app matcher only takes unset")
		}
		// Not part of the rule's text: hints name the rule as Sentry's does.
		return m, "", nil
	case fieldApp:
		switch value {
		case "yes", "true", "1":
			m.app = true
		case "no", "false", "0":
		default:
			return m, "", fmt.Errorf("app matcher wants yes or no, not %q", value)
		}
	case fieldPath, fieldPackage:
		m.pat = glob.Compile(value, true, true)
	case fieldErrorValue:
		m.pat = glob.Compile(value, false, true)
	default:
		m.pat = glob.Compile(value, false, false)
	}
	canon := key + ":" + quoteIfNeeded(value)
	if m.negated {
		canon = "!" + canon
	}
	return m, canon, nil
}

func quoteIfNeeded(v string) string {
	if strings.ContainsAny(v, " \t\"[]|#") {
		return strconv.Quote(v)
	}
	return v
}

func parseAction(tok string) (action, error) {
	var a action
	if key, value, ok := strings.Cut(tok, "="); ok {
		switch key {
		case "category":
			if value == "" {
				return a, fmt.Errorf("category= needs a value")
			}
			a.kind, a.str = actionCategory, value
		case "max-frames", "min-frames":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return a, fmt.Errorf("%s wants a non-negative integer, not %q", key, value)
			}
			a.kind, a.limit = actionMaxFrames, n
			if key == "min-frames" {
				a.kind = actionMinFrames
			}
		case "invert-stacktrace":
			return a, fmt.Errorf("invert-stacktrace is no longer supported")
		default:
			return a, fmt.Errorf("unknown variable action %q", key)
		}
		return a, nil
	}
	rest := tok
	switch rest[0] {
	case '^':
		a.rng, rest = rangeUp, rest[1:]
	case 'v':
		a.rng, rest = rangeDown, rest[1:]
	}
	if len(rest) < 2 || (rest[0] != '+' && rest[0] != '-') {
		return a, fmt.Errorf("unknown action %q", tok)
	}
	a.flag = rest[0] == '+'
	switch rest[1:] {
	case "app":
		a.kind = actionApp
	case "group":
		a.kind = actionGroup
	default:
		return a, fmt.Errorf("unknown flag action %q (want app or group)", tok)
	}
	return a, nil
}
