package scrub

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/internal/sentry/event"
)

// A selector says where a rule applies, in Relay's selector syntax: a path of keys separated by
// dots ("extra.foo", "$http.headers.x-custom-token"), where "*" is any one key, "**" any number
// of keys, "$type" a value of that type ($string, $frame …) and 'quoted' a key with dots in it;
// combined with "!", "&&", "||" and parentheses. A path matches a value when it matches the end
// of the value's path, so "password" is every key named password.

type selectorOp uint8

const (
	opPath selectorOp = iota
	opNot
	opAnd
	opOr
)

type selector struct {
	op    selectorOp
	items []item
	kids  []selector
}

type itemKind uint8

const (
	itemKey itemKind = iota
	itemIndex
	itemAny  // *
	itemDeep // **
	itemType // $type
)

type item struct {
	kind  itemKind
	key   string // lowercase
	index int
	types uint16          // for itemType: schema types
	value event.ValueKind // for itemType: JSON type, when types is 0
	json  bool
}

var valueTypes = map[string]item{
	"$string":     {kind: itemType, value: event.StringValue, json: true},
	"$number":     {kind: itemType, value: event.NumberValue, json: true},
	"$boolean":    {kind: itemType, value: event.BoolValue, json: true},
	"$array":      {kind: itemType, value: event.ArrayValue, json: true},
	"$object":     {kind: itemType, value: event.ObjectValue, json: true},
	"$exception":  {kind: itemType, types: typeException},
	"$error":      {kind: itemType, types: typeException},
	"$stacktrace": {kind: itemType, types: typeStacktrace},
	"$frame":      {kind: itemType, types: typeFrame},
	"$request":    {kind: itemType, types: typeRequest},
	"$http":       {kind: itemType, types: typeRequest},
	"$user":       {kind: itemType, types: typeUser},
	"$logentry":   {kind: itemType, types: typeLogEntry},
	"$message":    {kind: itemType, types: typeLogEntry},
	"$thread":     {kind: itemType, types: typeThread},
	"$breadcrumb": {kind: itemType, types: typeBreadcrumb},
	"$sdk":        {kind: itemType, types: typeSDK},
}

// parseSelector parses one selector.
func parseSelector(s string) (selector, error) {
	p := selParser{s: s}
	sel, err := p.or()
	if err != nil {
		return selector{}, err
	}
	p.space()
	if p.i < len(p.s) {
		return selector{}, fmt.Errorf("unexpected %q at offset %d", p.s[p.i:], p.i)
	}
	return sel, nil
}

type selParser struct {
	s     string
	i     int
	depth int
}

func (p *selParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *selParser) or() (selector, error) {
	left, err := p.and()
	if err != nil {
		return left, err
	}
	for {
		p.space()
		if !strings.HasPrefix(p.s[p.i:], "||") {
			return left, nil
		}
		p.i += 2
		right, err := p.and()
		if err != nil {
			return left, err
		}
		if left.op == opOr {
			left.kids = append(left.kids, right)
		} else {
			left = selector{op: opOr, kids: []selector{left, right}}
		}
	}
}

func (p *selParser) and() (selector, error) {
	left, err := p.unary()
	if err != nil {
		return left, err
	}
	for {
		p.space()
		if !strings.HasPrefix(p.s[p.i:], "&&") {
			return left, nil
		}
		p.i += 2
		right, err := p.unary()
		if err != nil {
			return left, err
		}
		if left.op == opAnd {
			left.kids = append(left.kids, right)
		} else {
			left = selector{op: opAnd, kids: []selector{left, right}}
		}
	}
}

func (p *selParser) unary() (selector, error) {
	p.space()
	if p.i >= len(p.s) {
		return selector{}, errors.New("selector ends where a path was expected")
	}
	switch p.s[p.i] {
	case '!':
		p.i++
		inner, err := p.unary()
		return selector{op: opNot, kids: []selector{inner}}, err
	case '(':
		p.depth++
		if p.depth > 32 {
			return selector{}, errors.New("parentheses nested too deeply")
		}
		p.i++
		inner, err := p.or()
		if err != nil {
			return inner, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return inner, fmt.Errorf("missing ) at offset %d", p.i)
		}
		p.i++
		p.depth--
		return inner, nil
	}
	return p.path()
}

func (p *selParser) path() (selector, error) {
	var items []item
	for {
		it, err := p.item()
		if err != nil {
			return selector{}, err
		}
		items = append(items, it)
		if p.i < len(p.s) && p.s[p.i] == '.' {
			p.i++
			continue
		}
		return selector{op: opPath, items: items}, nil
	}
}

func (p *selParser) item() (item, error) {
	if p.i >= len(p.s) {
		return item{}, errors.New("selector ends where a key was expected")
	}
	if p.s[p.i] == '\'' {
		end := strings.IndexByte(p.s[p.i+1:], '\'')
		if end < 0 {
			return item{}, fmt.Errorf("unterminated quote at offset %d", p.i)
		}
		key := p.s[p.i+1 : p.i+1+end]
		p.i += end + 2
		return item{kind: itemKey, key: strings.ToLower(key)}, nil
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(".()!&|' \t", rune(p.s[p.i])) {
		p.i++
	}
	tok := p.s[start:p.i]
	switch {
	case tok == "":
		return item{}, fmt.Errorf("empty key at offset %d", start)
	case tok == "*":
		return item{kind: itemAny}, nil
	case tok == "**":
		return item{kind: itemDeep}, nil
	case tok[0] == '$':
		it, ok := valueTypes[strings.ToLower(tok)]
		if !ok {
			return item{}, fmt.Errorf("unknown value type %s", tok)
		}
		return it, nil
	}
	if n, err := strconv.Atoi(tok); err == nil && n >= 0 {
		return item{kind: itemIndex, index: n, key: tok}, nil
	}
	return item{kind: itemKey, key: strings.ToLower(tok)}, nil
}

// specific reports whether the selector names a key or an index somewhere it must match, which
// lets it reach fields the defaults and wildcard selectors leave alone (Relay's pii "maybe").
func (s *selector) specific() bool {
	switch s.op {
	case opPath:
		for _, it := range s.items {
			if it.kind == itemKey || it.kind == itemIndex {
				return true
			}
		}
		return false
	case opNot:
		return false
	case opAnd:
		for i := range s.kids {
			if s.kids[i].specific() {
				return true
			}
		}
		return false
	}
	for i := range s.kids {
		if !s.kids[i].specific() {
			return false
		}
	}
	return true
}

// reachable reports whether the selector may match a value whose path has only the schema types
// seen ($http, $frame …): a path needs a value of each of its types on the way. It may answer
// true for a selector that cannot match, never false for one that can.
func (s *selector) reachable(seen uint16) bool {
	switch s.op {
	case opPath:
		for i := range s.items {
			if it := &s.items[i]; it.kind == itemType && !it.json && it.types&seen == 0 {
				return false
			}
		}
		return true
	case opNot:
		return true
	case opAnd:
		for i := range s.kids {
			if !s.kids[i].reachable(seen) {
				return false
			}
		}
		return true
	}
	for i := range s.kids {
		if s.kids[i].reachable(seen) {
			return true
		}
	}
	return false
}

// matches reports whether the selector matches the last of levels, the path from the event
// (exclusive) to a value; keys are the levels' keys.
func (s *selector) matches(levels []level, keys []string) bool {
	switch s.op {
	case opPath:
		return matchPath(s.items, levels, keys)
	case opNot:
		return !s.kids[0].matches(levels, keys)
	case opAnd:
		for i := range s.kids {
			if !s.kids[i].matches(levels, keys) {
				return false
			}
		}
		return true
	}
	for i := range s.kids {
		if s.kids[i].matches(levels, keys) {
			return true
		}
	}
	return false
}

// matchPath matches items against the end of levels. A trailing ** ("everything within") takes
// at least one level, elsewhere ** takes any number.
func matchPath(items []item, levels []level, keys []string) bool {
	trailing := true
	for len(items) > 0 {
		it := &items[len(items)-1]
		if it.kind == itemDeep {
			rest := items[:len(items)-1]
			last := len(levels)
			if trailing {
				last--
			}
			for k := last; k >= 0; k-- {
				if matchPath(rest, levels[:k], keys[:k]) {
					return true
				}
			}
			return false
		}
		last := len(levels) - 1
		if last < 0 || !it.matches(&levels[last], keys[last]) {
			return false
		}
		items, levels, keys, trailing = items[:len(items)-1], levels[:last], keys[:last], false
	}
	return true
}

func (it *item) matches(l *level, key string) bool {
	switch it.kind {
	case itemAny:
		return true
	case itemType:
		if it.json {
			return l.kind == it.value
		}
		return l.types&it.types != 0
	case itemIndex:
		if key == "" {
			return l.index == it.index
		}
	}
	return len(key) == len(it.key) && strings.EqualFold(key, it.key)
}
