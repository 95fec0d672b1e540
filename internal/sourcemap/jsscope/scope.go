// Package jsscope finds the functions of a (minified) JavaScript file and the names they would be
// called by, so that a stack frame can be named after the function it ran in rather than after
// the token it stopped at.
//
// It owns a small tolerant lexer and a bracket-matching scope finder; it knows nothing of source
// maps, events or files. Positions are 0-based lines and UTF-16 columns, as in source maps.
//
// What counts as a scope and how it is named (the same inference Sentry's js-source-scopes makes):
//   - function declarations and expressions: their own name; an anonymous one takes the name it is
//     assigned to (`a.prototype.b = function(){}` → `a.prototype.b`, `const b = function(){}` → `b`)
//     or its object key (`{a: function(){}}` in `var c = {…}` → `c.a`);
//   - arrow functions: the same inference (`const b = () => {}` → `b`); the scope of an arrow
//     with an expression body ends where that expression does;
//   - class and object methods: `A.m` (`get A.m`, `set A.m` for accessors, `new A` for the
//     constructor) and `c.m` for methods of an object literal assigned to `c`, `<object>.m`
//     when the object literal is bound to nothing (nested keys join: `<object>.a.b`);
//
// Where Sentry's own SourceMapCache names differently, its naming wins (the symbolic oracle test
// in package sourcemap compares every fixture frame).
//   - class bodies, named `new A`, because field initializers run in the constructor; functions
//     held by class fields (`h = () => {…}`) are named `A`; a class expression with a name of its
//     own assigned to a binding, `var A = class B {…}`, is `A.B` (so its methods are `A.B.m`),
//     which is what Sentry shows for bundler output such as esbuild's
//     `var UserService = class _UserService`;
//   - a function or arrow inside a call's arguments, a conditional or another expression takes
//     the binding the whole expression is assigned to (`var a = f(function(){})` → `a`); where
//     there is none (a call statement), it stays anonymous.
//
// Each name is kept as components with their positions, so the caller can map every identifier
// back through the source map to its original spelling.
package jsscope

import (
	"slices"
	"sort"
	"strings"
)

// Component is one piece of a scope name: an identifier from the file (Ident, with its position)
// or literal text such as ".", "get " or "new ".
type Component struct {
	Text      string
	Ident     bool
	Line, Col uint32
	// Declared marks the name a function or class declares for itself; KeywordCol is then the
	// column of its "function" or "class" keyword, on the same line (some generators map the
	// name from the keyword rather than from the name).
	Declared   bool
	KeywordCol uint32
}

// Scope is one function-like region. End is exclusive. Name is empty for anonymous functions.
type Scope struct {
	StartLine, StartCol uint32
	EndLine, EndCol     uint32
	Name                []Component
	parent              int
}

// Index holds the scopes of one file for innermost-scope lookups.
type Index struct {
	scopes []Scope // sorted by start, parents before children
}

// Len is the number of scopes found.
func (ix *Index) Len() int { return len(ix.scopes) }

func pos(line, col uint32) uint64 { return uint64(line)<<32 | uint64(col) }

func (s *Scope) start() uint64 { return pos(s.StartLine, s.StartCol) }
func (s *Scope) end() uint64   { return pos(s.EndLine, s.EndCol) }

// Lookup returns the innermost scope that contains the position.
func (ix *Index) Lookup(line, col uint32) (*Scope, bool) {
	p := pos(line, col)
	i := sort.Search(len(ix.scopes), func(i int) bool { return ix.scopes[i].start() > p }) - 1
	for i >= 0 {
		s := &ix.scopes[i]
		if p < s.end() {
			return s, true
		}
		i = s.parent
	}
	return nil, false
}

type openKind uint8

const (
	oParen openKind = iota
	oBracket
	oBlock
	oObject
	oClass
	oFuncBody
	oArrowExpr
)

type open struct {
	kind  openKind
	tok   int         // index of the opening token
	scope int         // scope this closes, -1 when none
	name  []Component // name of an object literal or class, for naming its members
	// method is set on a parenthesis that holds a function's parameters: the scope its body opens.
	method *pending
	// arrow is, for a parenthesis, the arrow function it starts if "=>" follows it: worked out
	// when it opens, because the tokens before it may be gone from the window by then.
	arrow *pending
	// binding is the target of the assignment or declaration being evaluated inside this
	// construct (`x = …`, `var x = …`), until the next "," or ";" at this level.
	binding []Component
	// questions counts the "?" of conditionals open in an arrow's expression body, so that the
	// ":" matching one stays in the body and any other ":" ends it (c ? a => x : b => y).
	questions int
}

// pending is a function whose body brace has not been seen yet.
type pending struct {
	line, col uint32 // where its scope starts
	name      []Component
	arrow     bool // an arrow: a non-"{" next token starts an expression body
}

// window is how many recent tokens the finder keeps: it looks back a few tokens (modifiers,
// assignment targets such as a.b.c.d), never further, so a bundle of any size scans in constant
// token memory.
const window = 256

type finder struct {
	src    string
	ring   [window]token
	n      int // tokens seen; token i is ring[i%window] while i > n-window
	stack  []open
	scopes []Scope
	// afterParams is the function whose parameter list just closed; a "{" next opens its body.
	afterParams *pending
	// afterFunction is set between the "function" keyword and its parameter list.
	afterFunction *pending
	// pendingClass is set between "class" and its body brace, at the stack depth it belongs to.
	pendingClass      *pending
	pendingClassDepth int
	rootBinding       []Component // binding at the top level of the file
	lastParen         open        // the "(" matching the last ")"
	lastParenAt       int         // token index of that ")", so "=>" uses it only right after it
}

// Scan finds the scopes of a JavaScript source.
func Scan(src string) *Index {
	f := &finder{src: src, lastParenAt: -2}
	lx := &lexer{src: src}
	for {
		t, ok := lx.next()
		if !ok {
			break
		}
		f.ring[f.n%window] = t
		f.n++
		f.step(f.n - 1)
	}
	// close what is still open at the end of the file
	for i := len(f.stack) - 1; i >= 0; i-- {
		if s := f.stack[i].scope; s >= 0 {
			f.scopes[s].EndLine, f.scopes[s].EndCol = lx.line, lx.col
		}
	}
	sort.SliceStable(f.scopes, func(i, j int) bool {
		a, b := &f.scopes[i], &f.scopes[j]
		if a.start() != b.start() {
			return a.start() < b.start()
		}
		return a.end() > b.end()
	})
	var parents []int
	for i := range f.scopes {
		for len(parents) > 0 && f.scopes[parents[len(parents)-1]].end() <= f.scopes[i].start() {
			parents = parents[:len(parents)-1]
		}
		f.scopes[i].parent = -1
		if len(parents) > 0 {
			f.scopes[i].parent = parents[len(parents)-1]
		}
		parents = append(parents, i)
	}
	return &Index{scopes: f.scopes}
}

func (f *finder) top() *open {
	if len(f.stack) == 0 {
		return nil
	}
	return &f.stack[len(f.stack)-1]
}

// text returns a token's source text.
func (f *finder) text(t token) string { return f.src[t.start:t.end] }

// at returns token i, or a token of kind tNone when i is outside the window.
func (f *finder) at(i int) token {
	if i < 0 || i >= f.n || i <= f.n-window {
		return token{kind: tNone}
	}
	return f.ring[i%window]
}

func (f *finder) isPunct(i int, text string) bool {
	t := f.at(i)
	return t.kind == tPunct && f.text(t) == text
}

func (f *finder) isIdent(i int, text string) bool {
	t := f.at(i)
	return t.kind == tIdent && f.text(t) == text
}

// pendingAt is a function that starts at token i.
func (f *finder) pendingAt(i int, name []Component, arrow bool) *pending {
	t := f.at(i)
	return &pending{line: t.line, col: t.col, name: name, arrow: arrow}
}

func (f *finder) newScope(p *pending) int {
	f.scopes = append(f.scopes, Scope{StartLine: p.line, StartCol: p.col, Name: p.name})
	return len(f.scopes) - 1
}

func (f *finder) closeScope(s int, line, col uint32) {
	if s >= 0 {
		f.scopes[s].EndLine, f.scopes[s].EndCol = line, col
	}
}

// closeArrows ends expression-bodied arrows at token t (a ",", ";" or closing bracket).
func (f *finder) closeArrows(t token) {
	for len(f.stack) > 0 && f.top().kind == oArrowExpr {
		f.closeScope(f.top().scope, t.line, t.col)
		f.stack = f.stack[:len(f.stack)-1]
	}
}

func (f *finder) step(i int) {
	t := f.at(i)
	text := f.text(t)
	// a closed parameter list (or an arrow) decides what the next token starts
	if p := f.afterParams; p != nil {
		f.afterParams = nil
		if t.kind == tPunct && text == "{" {
			f.stack = append(f.stack, open{kind: oFuncBody, tok: i, scope: f.newScope(p)})
			return
		}
		if p.arrow {
			f.stack = append(f.stack, open{kind: oArrowExpr, tok: i, scope: f.newScope(p)})
		}
	}
	// "function" after "." or "?." is a property, and before ":" an object key; only what
	// follows "function" tells the key apart, so a pending function that meets anything but its
	// name, "*" or its parameter list was none.
	if f.afterFunction != nil && t.kind == tPunct && text != "(" && text != "*" {
		f.afterFunction = nil
	}
	if t.kind == tIdent {
		switch {
		case text == "function" && (f.isPunct(i-1, ".") || f.isPunct(i-1, "?.")):
			// a.function(…) is a call of a method named function
		case text == "function":
			start := i
			if f.isIdent(i-1, "async") {
				start = i - 1
			}
			f.afterFunction = f.pendingAt(start, f.infer(start), false)
		case text == "class":
			f.pendingClass, f.pendingClassDepth = f.pendingAt(i, f.infer(i), false), len(f.stack)
		case f.afterFunction != nil && f.isIdent(i-1, "function") || f.afterFunction != nil && f.isPunct(i-1, "*"):
			f.afterFunction.name = []Component{f.declared(t, f.afterFunction)}
		case f.afterFunction != nil:
			// two identifiers in a row after "function": it was no keyword
			f.afterFunction = nil
		case f.pendingClass != nil && len(f.stack) == f.pendingClassDepth && f.isIdent(i-1, "class") && text != "extends":
			// `var A = class B {}` is named A.B, as Sentry's js-source-scopes names it (bundlers
			// write exactly this: esbuild's `var UserService = class _UserService`).
			if p := f.pendingClass; len(p.name) > 0 {
				p.name = append(append(p.name, Component{Text: "."}), f.declared(t, p))
			} else {
				p.name = []Component{f.declared(t, p)}
			}
		}
		return
	}
	if t.kind != tPunct {
		return
	}
	switch text {
	case "(":
		start := i
		if f.isIdent(i-1, "async") {
			start = i - 1
		}
		o := open{kind: oParen, tok: i, scope: -1, arrow: f.pendingAt(start, f.infer(start), true)}
		if p := f.afterFunction; p != nil {
			o.method, f.afterFunction = p, nil
		} else {
			o.method = f.methodAt(i)
		}
		f.stack = append(f.stack, o)
	case "[":
		f.stack = append(f.stack, open{kind: oBracket, tok: i, scope: -1})
	case "{":
		if p := f.pendingClass; p != nil && len(f.stack) == f.pendingClassDepth {
			f.pendingClass = nil
			// The class body (field initializers, static blocks) runs as the constructor:
			// "new A". Its methods are named after the class alone.
			body := *p
			if len(p.name) > 0 {
				body.name = append([]Component{{Text: "new "}}, p.name...)
			}
			f.stack = append(f.stack, open{kind: oClass, tok: i, scope: f.newScope(&body), name: p.name})
			return
		}
		if f.objectLiteralAt(i) {
			name := f.infer(i)
			if len(name) == 0 {
				// an object literal bound to nothing names its members "<object>.key"
				name = []Component{{Text: "<object>"}}
			}
			f.stack = append(f.stack, open{kind: oObject, tok: i, scope: -1, name: name})
			return
		}
		f.stack = append(f.stack, open{kind: oBlock, tok: i, scope: -1})
	case ")", "]", "}":
		f.closeArrows(t)
		// Pop to the matching opener, closing what the input left open; a closer without one
		// is ignored. Scopes therefore always nest, whatever the input.
		j := len(f.stack) - 1
		for j >= 0 && !closes(text, f.stack[j].kind) {
			j--
		}
		if j < 0 {
			return
		}
		opener := f.stack[j]
		for len(f.stack) > j {
			f.closeScope(f.top().scope, t.endLine, t.endCol)
			f.stack = f.stack[:len(f.stack)-1]
		}
		if text == ")" {
			f.lastParen, f.lastParenAt = opener, i
			f.afterParams = opener.method
		}
	case ",", ";":
		f.closeArrows(t)
		*f.bindingSlot() = nil
	case "?":
		if o := f.top(); o != nil && o.kind == oArrowExpr {
			o.questions++
		}
	case ":":
		for len(f.stack) > 0 && f.top().kind == oArrowExpr && f.top().questions == 0 {
			f.closeScope(f.top().scope, t.line, t.col)
			f.stack = f.stack[:len(f.stack)-1]
		}
		if o := f.top(); o != nil && o.kind == oArrowExpr {
			o.questions--
		}
		if o := f.top(); o != nil && o.kind == oObject {
			// the value of this key is named after it, also inside arrays and calls
			o.binding = f.objectKeyName(i)
		}
	case "=":
		if o := f.top(); o == nil || o.kind != oParen || o.method == nil {
			// (a default parameter value is no binding the function ends up in)
			*f.bindingSlot() = f.assignTarget(i)
		}
	case "=>":
		switch {
		case f.lastParenAt == i-1 && f.lastParen.arrow != nil:
			f.afterParams = f.lastParen.arrow
		case f.at(i-1).kind == tIdent:
			start := i - 1
			if f.isIdent(start-1, "async") {
				start--
			}
			f.afterParams = f.pendingAt(start, f.infer(start), true)
		}
	}
}

// closes reports whether a closing punctuator matches an open construct.
func closes(closer string, k openKind) bool {
	switch closer {
	case ")":
		return k == oParen
	case "]":
		return k == oBracket
	}
	return k == oBlock || k == oObject || k == oClass || k == oFuncBody
}

func (f *finder) ident(t token) Component {
	return Component{Text: f.text(t), Ident: true, Line: t.line, Col: t.col}
}

// declared is the name token t of the function or class p, which starts at its keyword.
func (f *finder) declared(t token, p *pending) Component {
	c := f.ident(t)
	if p.line == t.line {
		c.Declared, c.KeywordCol = true, p.col
	}
	return c
}

// keyAt returns the property-name component of token i, if it can name a method or key.
func (f *finder) keyAt(i int) (Component, bool) {
	if i < 0 {
		return Component{}, false
	}
	switch t := f.at(i); t.kind {
	case tIdent, tPrivate:
		return f.ident(t), true
	}
	return Component{}, false
}

// methodAt recognizes `name(` as the start of a method definition inside a class body or object
// literal: the name must follow the start of the body, a member separator, or a modifier.
func (f *finder) methodAt(paren int) *pending {
	o := f.top()
	if o == nil || o.kind != oClass && o.kind != oObject {
		return nil
	}
	key, ok := f.keyAt(paren - 1)
	start, prefix := paren-1, ""
	if t := f.at(paren - 1); !ok && t.kind == tString {
		// a method named by a string, "~validate"(){}, reads <"~validate">
		key, ok = Component{Text: "<" + f.text(t) + ">"}, true
	}
	if !ok {
		return nil
	}
	for j := start - 1; j > o.tok; j-- {
		t := f.at(j)
		text := f.text(t)
		if t.kind == tPunct && text == "*" {
			start = j
			continue
		}
		if t.kind == tIdent && (text == "static" || text == "async" || text == "get" || text == "set") {
			if text == "get" || text == "set" {
				prefix = text + " "
			}
			start = j
			continue
		}
		if !(t.kind == tPunct && (text == "," || text == ";" || text == "}")) {
			return nil
		}
		break
	}
	var name []Component
	if prefix != "" {
		name = append(name, Component{Text: prefix})
	}
	switch {
	case o.kind == oClass && key.Text == "constructor":
		name = append(append(name, Component{Text: "new "}), o.name...)
	case len(o.name) > 0:
		name = append(append(name, o.name...), Component{Text: "."}, key)
	default:
		name = append(name, key)
	}
	if len(o.name) == 0 && o.kind == oClass && key.Text == "constructor" {
		name = nil
	}
	return f.pendingAt(start, name, false)
}

// objectLiteralAt decides whether the "{" at token i opens an object literal (an expression)
// rather than a block, from the token before it.
func (f *finder) objectLiteralAt(i int) bool {
	if i == 0 {
		return false
	}
	p := f.at(i - 1)
	switch p.kind {
	case tIdent:
		switch f.text(p) {
		case "return", "typeof", "in", "of", "new", "delete", "void", "throw", "case", "yield", "await", "instanceof":
			return true
		}
		return false
	case tPunct:
		switch f.text(p) {
		case ")", "]", "}", ";", "{", "=>":
			return false
		case ":":
			o := f.top()
			return o != nil && (o.kind == oObject || o.kind == oParen || o.kind == oBracket)
		}
		return true
	}
	return false
}

// infer names an anonymous function, arrow, class or object literal starting at token start from
// what precedes it: an assignment target (`a.b.c =`) or an object key (`key:`); failing that,
// from the binding the expression it is part of ends up in (`x = f(function(){})`,
// `x = c ? () => 1 : null`), as js-source-scopes names it by walking up to the declaration.
func (f *finder) infer(start int) []Component {
	j := start - 1
	if f.at(j).kind == tPunct {
		switch f.text(f.at(j)) {
		case "=":
			if o := f.top(); o != nil && o.kind == oParen && o.method != nil {
				return nil // a default parameter value
			}
			return f.assignTarget(j)
		case ":":
			if o := f.top(); o != nil && o.kind == oObject {
				return f.objectKeyName(j)
			}
		}
	}
	return f.enclosingBinding()
}

// objectKeyName names the value of the object literal key before the ":" at token j: the
// object's own name and the key.
func (f *finder) objectKeyName(j int) []Component {
	o := f.top()
	key, ok := f.keyAt(j - 1)
	if !ok {
		return nil
	}
	if len(o.name) == 0 {
		return []Component{key}
	}
	return append(append(append([]Component(nil), o.name...), Component{Text: "."}), key)
}

// assignTarget names the target of the "=" at token j: an identifier or member chain
// (`a.b.c`), or nil. A class field's target names the class.
func (f *finder) assignTarget(j int) []Component {
	var chain []Component
	k := j - 1
	for k >= 0 {
		key, ok := f.keyAt(k)
		if !ok {
			break
		}
		chain = append(chain, key)
		if k >= 1 && (f.isPunct(k-1, ".") || f.isPunct(k-1, "?.")) {
			chain = append(chain, Component{Text: "."})
			k -= 2
			continue
		}
		break
	}
	if len(chain) == 0 || chain[len(chain)-1].Text == "." {
		return nil
	}
	for a, b := 0, len(chain)-1; a < b; a, b = a+1, b-1 {
		chain[a], chain[b] = chain[b], chain[a]
	}
	if o := f.top(); o != nil && o.kind == oClass && len(chain) == 1 {
		// a class field holding a function (`handler = () => …` in class A) is named after
		// the class, as js-source-scopes names it
		return append([]Component(nil), o.name...)
	}
	return chain
}

// bindingSlot is the binding of the innermost open construct, or of the file's top level.
func (f *finder) bindingSlot() *[]Component {
	if o := f.top(); o != nil {
		return &o.binding
	}
	return &f.rootBinding
}

// enclosingBinding is the binding an expression inside parentheses and brackets ends up in:
// the nearest assignment at one of those levels or at the statement around them. Function
// bodies and arrows bound it (their own code binds their names); an object literal or class
// names its members itself.
func (f *finder) enclosingBinding() []Component {
	// Names are shared, never written in place: slices.Clip makes any append copy.
	for k := len(f.stack) - 1; k >= 0; k-- {
		o := &f.stack[k]
		switch o.kind {
		case oParen, oBracket:
			if o.binding != nil {
				return slices.Clip(o.binding)
			}
		case oBlock, oFuncBody:
			return slices.Clip(o.binding)
		case oClass:
			return slices.Clip(o.name)
		case oObject:
			return slices.Clip(o.binding)
		default:
			return nil
		}
	}
	return slices.Clip(f.rootBinding)
}

// String renders a name with its identifiers as they appear in the file.
func String(name []Component) string {
	var b strings.Builder
	for _, c := range name {
		b.WriteString(c.Text)
	}
	return b.String()
}
