package scrub

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// maxApplications bounds the selectors of one configuration: a value's matching applications
// are a bit set.
const maxApplications = 64

// application is one selector with the rules applied where it matches.
type application struct {
	sel      selector
	specific bool // names a key or index: may reach fields the defaults leave alone
	rules    []*rule
	// last is the item a path selector's value must match itself (not "**"), nil for others:
	// checked first, it rules out most values without matching the whole path.
	last *item
}

// rule is a compiled rule.
type rule struct {
	id        string
	det       *detector      // a built-in detector
	re        *regexp.Regexp // a pattern
	groups    []int          // a pattern's capture groups to redact; nil = the whole match
	keyRe     *regexp.Regexp // redact_pair
	password  bool           // @password: the key contains a default sensitive word
	anything  bool
	inner     []*rule // multiple, alias
	hideInner bool
	red       Redaction
}

type ruleCompiler struct {
	specs map[string]RuleSpec
	done  map[string]*rule
}

var methods = map[string]bool{"replace": true, "mask": true, "hash": true, "remove": true}

// builtinTypes are the types a built-in rule id (@type:method) may name besides the detectors.
var builtinTypes = map[string]bool{"anything": true, "password": true, "common": true}

// passwordWords finds the default sensitive words for @password rules.
var passwordWords = func() *wordIndex {
	x := &wordIndex{}
	x.add(hitDefault, DefaultSensitiveWords)
	return x
}()

func (c *ruleCompiler) compile(id string, depth int) (*rule, error) {
	if r, ok := c.done[id]; ok {
		return r, nil
	}
	if depth > 8 {
		return nil, errors.New("rules refer to each other too deeply (a cycle?)")
	}
	var r *rule
	var err error
	if strings.HasPrefix(id, "@") {
		r, err = builtinRule(id)
	} else {
		spec, ok := c.specs[id]
		if !ok {
			return nil, fmt.Errorf("no such rule: define it under rules, or use a built-in rule such as @creditcard:mask")
		}
		r, err = c.custom(id, spec, depth)
	}
	if err != nil {
		return nil, err
	}
	c.done[id] = r
	return r, nil
}

// builtinRule compiles "@type:method" (method "replace" when omitted; "filter" is replace with
// "[Filtered]").
func builtinRule(id string) (*rule, error) {
	typ, method, _ := strings.Cut(id[1:], ":")
	if method == "" {
		method = "replace"
	}
	red := Redaction{Method: method}
	if method == "filter" {
		red = Redaction{Method: "replace", Text: filtered}
	} else if !methods[method] {
		return nil, fmt.Errorf("unknown method %q: want filter, replace, mask, hash or remove", method)
	}
	if red.Method == "replace" && red.Text == "" {
		red.Text = filtered
	}
	r := &rule{id: id, red: red}
	switch typ {
	case "anything":
		r.anything = true
	case "password":
		r.password = true
	case "common":
		for _, name := range []string{"creditcard", "iban", "pemkey", "urlauth", "userpath", "usssn"} {
			r.inner = append(r.inner, &rule{id: "@" + name + ":" + method, det: detectors[name], red: red})
		}
		r.inner = append(r.inner, &rule{id: "@password:" + method, password: true, red: red})
	default:
		d, ok := detectors[typ]
		if !ok {
			return nil, fmt.Errorf("unknown type @%s: want one of @anything, @password, @common, @creditcard, @email, @ip, @iban, @imei, @mac, @uuid, @pemkey, @urlauth, @usssn, @userpath", typ)
		}
		r.det = d
		if method == "replace" {
			r.red.Text = d.replaceText
		}
	}
	return r, nil
}

func (c *ruleCompiler) custom(id string, spec RuleSpec, depth int) (*rule, error) {
	red := spec.Redaction
	if red.Method == "" {
		red.Method = "replace"
	}
	if !methods[red.Method] {
		return nil, fmt.Errorf("redaction method %q: want replace, mask, hash or remove", red.Method)
	}
	if red.Method == "replace" && red.Text == "" {
		red.Text = filtered
	}
	r := &rule{id: id, red: red, hideInner: spec.HideInner}
	switch spec.Type {
	case "pattern":
		if spec.Pattern == "" {
			return nil, errors.New("pattern: empty regular expression")
		}
		re, err := regexp.Compile(spec.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		for _, g := range spec.ReplaceGroups {
			if g < 0 || g > re.NumSubexp() {
				return nil, fmt.Errorf("replace_groups: group %d does not exist in %q", g, spec.Pattern)
			}
		}
		r.re, r.groups = re, spec.ReplaceGroups
	case "redact_pair":
		if spec.KeyPattern == "" {
			return nil, errors.New("redact_pair: empty key_pattern")
		}
		re, err := regexp.Compile(spec.KeyPattern)
		if err != nil {
			return nil, fmt.Errorf("key_pattern: %w", err)
		}
		r.keyRe = re
	case "anything":
		r.anything = true
	case "password":
		r.password = true
	case "multiple", "alias":
		refs := spec.Rules
		if spec.Type == "alias" {
			if spec.Rule == "" {
				return nil, errors.New("alias: rule is empty")
			}
			refs = []string{spec.Rule}
		}
		if len(refs) == 0 {
			return nil, errors.New("multiple: rules is empty")
		}
		for _, ref := range refs {
			in, err := c.compile(ref, depth+1)
			if err != nil {
				return nil, fmt.Errorf("rule %q: %w", ref, err)
			}
			r.inner = append(r.inner, in)
		}
	case "":
		return nil, errors.New("type is empty: want pattern, redact_pair, anything, multiple, alias or a built-in type such as creditcard")
	default:
		d, ok := detectors[spec.Type]
		if !ok {
			return nil, fmt.Errorf("unknown type %q", spec.Type)
		}
		r.det = d
	}
	return r, nil
}

// applyRule applies r to the value l, reporting under id. It returns the new text, whether the
// value was removed, and whether anything changed.
func (ss *Session) applyRule(r *rule, id string, l *level, text string, kind event.ValueKind, c *event.Change) (string, bool, bool) {
	if r.inner != nil {
		changed := false
		for _, in := range r.inner {
			inID := in.id
			if r.hideInner {
				inID = id
			}
			out, removed, ok := ss.applyRule(in, inID, l, text, kind, c)
			if !ok {
				continue
			}
			if removed {
				return "", true, true
			}
			text, kind, changed = out, event.StringValue, true
		}
		return text, false, changed
	}
	switch {
	case r.anything:
		return ss.whole(r, id, text, c)
	case r.password:
		if key := ss.key(); key != "" && passwordWords.find(key) != 0 {
			return ss.whole(r, id, text, c)
		}
		return text, false, false
	case r.keyRe != nil:
		if key := ss.key(); key != "" && r.keyRe.MatchString(key) {
			return ss.whole(r, id, text, c)
		}
		return text, false, false
	}
	if kind != event.StringValue {
		return text, false, false
	}
	if r.det != nil {
		if !r.det.gate(gate(text)) {
			return text, false, false
		}
		return ss.redactWith(text, id, r.red, c, r.det.find)
	}
	return ss.redactWith(text, id, r.red, c, func(s string, from int) (int, int, bool) {
		loc := r.re.FindStringSubmatchIndex(s[from:])
		if loc == nil {
			return 0, 0, false
		}
		if len(r.groups) == 0 {
			if loc[1] == loc[0] { // an empty match redacts nothing
				return 0, 0, false
			}
			return from + loc[0], from + loc[1], true
		}
		g := r.groups[0]
		if loc[2*g] < 0 || loc[2*g+1] == loc[2*g] {
			return 0, 0, false
		}
		return from + loc[2*g], from + loc[2*g+1], true
	})
}

// whole applies r's redaction to the whole value.
func (ss *Session) whole(r *rule, id, text string, c *event.Change) (string, bool, bool) {
	if r.red.Method == "remove" {
		c.Remarks = append(c.Remarks, event.Remark{RuleID: id, Type: "x"})
		return "", true, true
	}
	out := redacted(r.red, text)
	if out == text && r.red.Method == "replace" {
		return text, false, false
	}
	c.Remarks = append(c.Remarks, event.Remark{RuleID: id, Type: remarkType(r.red.Method), Start: 0, End: len(out), Ranged: true})
	return out, false, true
}

// redact applies a detector's rule over text, for the defaults.
func (ss *Session) redact(text string, d *detector, r *rule, c *event.Change) (string, bool) {
	out, _, ok := ss.redactWith(text, r.id, r.red, c, d.find)
	return out, ok
}

// redactWith replaces every range find reports. A "remove" redaction removes the whole value.
func (ss *Session) redactWith(text, id string, red Redaction, c *event.Change, find func(string, int) (int, int, bool)) (string, bool, bool) {
	start, end, ok := find(text, 0)
	if !ok {
		return text, false, false
	}
	if red.Method == "remove" {
		c.Remarks = append(c.Remarks, event.Remark{RuleID: id, Type: "x"})
		return "", true, true
	}
	b := ss.buf[:0]
	from := 0
	for ok {
		b = append(b, text[from:start]...)
		rep := redacted(red, text[start:end])
		c.Remarks = append(c.Remarks, event.Remark{RuleID: id, Type: remarkType(red.Method), Start: len(b), End: len(b) + len(rep), Ranged: true})
		b = append(b, rep...)
		from = end
		if from >= len(text) {
			break
		}
		start, end, ok = find(text, from)
	}
	b = append(b, text[from:]...)
	ss.buf = b
	return string(b), false, true
}

// redacted is what red writes for a match.
func redacted(red Redaction, match string) string {
	switch red.Method {
	case "mask":
		return strings.Repeat("*", len([]rune(match)))
	case "hash":
		m := hmac.New(sha1.New, []byte(red.Key))
		m.Write([]byte(match))
		return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
	}
	return red.Text
}

func remarkType(method string) string {
	switch method {
	case "mask":
		return "m"
	case "hash":
		return "p"
	case "remove":
		return "x"
	}
	return "s"
}
