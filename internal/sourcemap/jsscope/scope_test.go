package jsscope

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// TestScopeNames looks up the position of the marker HERE (0-based line, UTF-16 column) and
// checks the innermost scope's name ("" for anonymous, "-" for no scope).
func TestScopeNames(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"a function declaration", "function load(a){return HERE}", "load"},
		{"a named function expression keeps its own name", "x.y=function inner(){HERE}", "inner"},
		{"an anonymous function takes the member it is assigned to", "a.prototype.b=function(){HERE}", "a.prototype.b"},
		{"an arrow takes its variable", "const b=(x,y)=>{HERE}", "b"},
		{"an arrow with one bare parameter", "let f=x=>{HERE}", "f"},
		{"an async arrow", "var g=async()=>{await HERE}", "g"},
		{"an expression-bodied arrow", "var h=()=>HERE+1,other=2", "h"},
		{"code after an expression-bodied arrow is outside it", "var h=()=>1,other=HERE", "-"},
		{"a class method", "class A{m(){HERE}}", "A.m"},
		{"a getter", "class A{get b(){HERE}}", "get A.b"},
		{"a static method", "class A{static s(){HERE}}", "A.s"},
		{"a constructor", "class A{constructor(){HERE}}", "new A"},
		{"a class field initializer runs in the class body, named as the constructor", "class A{x=HERE}", "new A"},
		{"an object literal bound to nothing names its members <object>.key", "f({m(){HERE}})", "<object>.m"},
		{"nested keys of an unbound object literal", "function g(){return{a:{b:()=>{HERE}}}}", "<object>.a.b"},
		{"a class field holding an arrow is named after the class", "class A{h=()=>{HERE}}", "A"},
		{"a named class expression joins its binding and its own name", "var S=class _S{m(){HERE}}", "S._S.m"},
		{"an anonymous class expression takes its binding", "var S=class{m(){HERE}}", "S.m"},
		{"an object literal method", "const o={m(){HERE}}", "o.m"},
		{"an object key holding a function", "const o={k:function(){HERE}}", "o.k"},
		{"a callback argument of a call statement stays anonymous", "[1].map(function(){HERE})", ""},
		{"a callback argument takes the binding of the call", "var a=b.map(function(){HERE})", "a"},
		{"an arrow argument takes the binding of the call", "x.y=b((n)=>{HERE},1)", "x.y"},
		{"an argument of a nested call takes the outer binding", "const z=f(g(1,()=>{HERE}))", "z"},
		{"the second arrow of a conditional is not inside the first", `r.k=c?a=>f(a):a=>{HERE}`, "r.k"},
		{"a conditional inside an arrow body keeps it open", `var h=a=>a?b:HERE`, "h"},
		{"a branch of a conditional takes the binding", "var c=t?function(){HERE}:null", "c"},
		{"a fallback after || takes the binding", "var c=t||(()=>{HERE})", "c"},
		{"the second declarator has its own binding", "var a=1,b=f(()=>{HERE})", "b"},
		{"a statement after a declaration has no binding", "var a=1;f(()=>{HERE})", ""},
		{"an object literal argument names its methods after the binding", "var r=h({get(){HERE}})", "r.get"},
		{"a function in an array under an object key is named by the key", "const a={list:[function(){HERE}]}", "a.list"},
		{"a call argument under an object key is named by the key", "const a={k:f(()=>{HERE}),m:1}", "a.k"},
		{"a default parameter is no binding", "function f(a=()=>{HERE}){}", ""},
		{"inside an arrow body the outer binding does not reach", "var o=()=>g(function(){HERE})", ""},
		{"the innermost function wins", "function outer(){function inner(){HERE}}", "inner"},
		{"after an inner function ends, the outer one is back", "function outer(){function inner(){}HERE}", "outer"},
		{"top-level code has no scope", "var a=1;HERE", "-"},
		{"braces in strings, templates, regexes and comments do not count", "function f(){var s='}',t=`${'}'}}`,r=/}[/]/g;/* } */HERE}", "f"},
		{"division is not a regex", "function f(a,b){var c=a/b/2;HERE}", "f"},
		{"a method named by a string", `var Z=class{parse(){}"~validate"(d){HERE}}`, `Z.<"~validate">`},
		{"methods after a minified method body", "class A{a(){}b(){HERE}}", "A.b"},
		{"an if block is not a method", "function f(x){if(x){HERE}}", "f"},
		// esbuild's output for a locale table with a "function" key (as in zod's locales): the
		// key is no keyword, so no phantom function starts there and takes a later name.
		{"an object key named function is no function", `var e={string:"text",number:"number",function:"function",object:"object"};function r(n){return(e[typeof n]??o(n))+t(n)}function o(n){return String(n)}function t(n){if(!n)throw new Error("empty");HERE}`, "t"},
		{"top-level code after a function key has no scope", `var e={function:"function",object:"object"},i=o(1);HERE`, "-"},
		{"a block after a function key is no function", `var e={function:"funkcja",array:"tablica"};for(const k in e){HERE}`, "-"},
		{"a method after a function key keeps its name", `var m={function:"f",list:"l"};function g(n){if(n){HERE}}`, "g"},
		{"a member named function is no function", `a.function(b);var c=d(1);HERE`, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line, col := marker(tc.src)
			src := strings.Replace(tc.src, "HERE", "here", 1)
			sc, ok := Scan(src).Lookup(line, col)
			got := "-"
			if ok {
				got = String(sc.Name)
			}
			if got != tc.want {
				t.Errorf("scope at %d:%d of %q is %q, want %q", line, col, tc.src, got, tc.want)
			}
		})
	}
}

func marker(src string) (line, col uint32) {
	before := src[:strings.Index(src, "HERE")]
	line = uint32(strings.Count(before, "\n"))
	last := before[strings.LastIndex(before, "\n")+1:]
	return line, uint32(len(utf16.Encode([]rune(last))))
}

func TestScopePositionsCountUTF16Units(t *testing.T) {
	src := "var s='😀é';\nfunction f(){return 1}"
	ix := Scan(src)
	sc, ok := ix.Lookup(1, 14)
	if !ok || String(sc.Name) != "f" || sc.StartLine != 1 || sc.StartCol != 0 {
		t.Fatalf("scope %+v, %v", sc, ok)
	}
	src = "var s='😀é';function f(){return 1}"
	// the emoji is two UTF-16 units, é one: f's body starts at column 12+...
	sc, ok = Scan(src).Lookup(0, 25)
	if !ok || String(sc.Name) != "f" || sc.StartCol != 12 {
		t.Fatalf("scope %+v, %v; want f starting at UTF-16 column 12", sc, ok)
	}
}
