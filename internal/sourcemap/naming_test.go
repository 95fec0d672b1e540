package sourcemap

import (
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sourcemap/decode"
	"github.com/faultline/faultline/internal/sourcemap/jsscope"
)

// TestScopeNamesOfEsbuildExportObjects: the arrows of esbuild's export object all map to one
// original position; each is named by its own key (under "<object>", as the object is only a
// call argument), not by the neighbouring entry's name that the shared position carries, and the
// locale table's "function" key starts no function.
func TestScopeNamesOfEsbuildExportObjects(t *testing.T) {
	js, err := os.ReadFile("testdata/naming/esbuild-exports.min.js")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/naming/esbuild-exports.min.js.map")
	if err != nil {
		t.Fatal(err)
	}
	m, err := decode.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	ix := jsscope.Scan(string(js))
	for _, c := range []struct{ at, want string }{
		{"s,describe", "<object>.api"},   // inside ()=>s; the object is bound to nothing
		{"o});var", "<object>.describe"}, // inside ()=>o
		{`new Error("empty")`, "check"},  // function c, original name from the map
		{"String(n)", "fallback"},        // function a
		{"o(1),save", "api.load"},        // arrow in the api object
	} {
		col := strings.Index(string(js), c.at)
		sc, ok := ix.Lookup(0, uint32(col))
		if !ok {
			t.Errorf("%q: no scope", c.at)
			continue
		}
		if got := resolveScopeName(m, sc.Name); got != c.want {
			t.Errorf("scope at %q is %q (minified %q), want %q", c.at, got, jsscope.String(sc.Name), c.want)
		}
	}
}

// TestScopeNamesOfRealMinifierOutput checks js-source-scopes' naming rules on esbuild and terser
// output of our own testdata/naming/shapes.js: functions passed as call arguments and held in
// conditionals or || fallbacks take the binding they end up in; a call statement's callbacks stay
// anonymous; object literal members carry their container prefix (parsers.json.parse); an object
// bound to nothing is <object>.; classes give Class.method, get/set, the class body's field
// initialisers and a class-field arrow the class name; a new class{} takes its binding; and the
// "function" key of a locale table starts no function. Every expected name is what Sentry's
// SourceMapCache (symbolic) returns at that position: with -tags symbolic,
// FAULTLINE_NAME_BUNDLES=testdata/naming/shapes TestMeasureNames agrees on all 522 positions.
func TestScopeNamesOfRealMinifierOutput(t *testing.T) {
	type at struct{ anchor, want string }
	for _, tc := range []struct {
		file    string
		anchors []at
	}{
		{"shapes.esb.js", []at{
			{"u(r)+1", "loader"}, // makeLoader(function loadOne(){…}): the call's binding
			{`throw new Error("no id")`, "saver"},
			{"e.left+1", "pick"}, {"e.right-1", "pick"}, // both branches of ?:
			{"p(3)", "fallback"},           // after ||
			{"e(r)+t.size", "<anonymous>"}, // a returned arrow
			{"throw new RangeError", "fetchIt"},
			{"JSON.parse(e)", "parsers.json.parse"},
			{"JSON.stringify(e)", "parsers.json.stringify"},
			{"t.set(e,r),r", "parsers.h.set"},
			{"t.get(e)}}}", "parsers.h.get"},
			{"this.def.ok", "this.check"},
			{`throw new TypeError("meta")`, "ZodType._ZodType.meta"},
			{"return new e(r)", "ZodType._ZodType.create"},
			{`"none"`, "get ZodType._ZodType.description"},
			{"this.def.description=r", "set ZodType._ZodType.description"},
			{"r.type+this.def", "ZodType._ZodType"}, // class-field arrow
			{"o.render()", "<anonymous>"},           // callback of a returned call
			{"r.children.map", "Widget.render"},
			{"e.port+1", "singleton.start"}, // new class{…}()
			{`throw new Error("stopped")`, "singleton.stop"},
			{"return t.size});[1", "<anonymous>"}, // registry.set("cb", function(){…}) statement
			{"t.set(e,e)", "<anonymous>"},
			{"n*2", "mapped"}, {"n+r.length", "inner"},
			{"o(1)", "<object>.deep.deeper"},
			{"n+i,0", "<anonymous>"},
			{"f[typeof e]", "locales.describe"},
		}},
		{"shapes.ter.js", []at{
			{"throw new RangeError", "<anonymous>"}, // fetchIt inlined as an IIFE
			{"+1}),t=s", "loader"},
			{`throw new Error("no id")`, "saver"},
			{"e.left+1", "pick"}, {"e.right-1", "pick"},
			{"return 3*e.size", "fallback"},
			{"r(t)+e.size", "<anonymous>"},
			{"JSON.parse(e)", "parsers.json.parse"},
			{"JSON.stringify(e)", "parsers.json.stringify"},
			{"(e.set(r,t),t)", "parsers.h.set"},
			{"e.get(r)}}}", "parsers.h.get"},
			{"this.def.ok", "this.check"},
			{`throw new TypeError("meta")`, "ZodType._ZodType.meta"},
			{"return new r(e)", "ZodType._ZodType.create"},
			{`"none"`, "get ZodType._ZodType.description"},
			{"this.def.description=e", "set ZodType._ZodType.description"},
			{"e.size)()", "ZodType._ZodType"}, // IIFE in a field initialiser
			{"e.type+this.def", "ZodType._ZodType"},
			{"e.render()", "<anonymous>"},
			{"e.children.map", "Widget.render"},
			{"e.port+1", "singleton.start"},
			{`throw new Error("stopped")`, "singleton.stop"},
			{"return e.size}),[1", "<anonymous>"},
			{"e.set(r,r)", "<anonymous>"},
			{"2*e)", "mapped"},
			{"1+r.length", "<object>.deep.deeper"},
			{"e+r,0", "<anonymous>"},
			{"a[typeof e]", "locales.describe"},
		}},
	} {
		js, err := os.ReadFile("testdata/naming/shapes/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile("testdata/naming/shapes/" + tc.file + ".map")
		if err != nil {
			t.Fatal(err)
		}
		m, err := decode.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		ix := jsscope.Scan(string(js))
		for _, a := range tc.anchors {
			i := strings.Index(string(js), a.anchor)
			if i < 0 || strings.Count(string(js), a.anchor) != 1 {
				t.Errorf("%s: anchor %q is not unique", tc.file, a.anchor)
				continue
			}
			// One line, ASCII only: the byte offset is the UTF-16 column.
			got := "<unknown>"
			if sc, ok := ix.Lookup(0, uint32(i)); ok {
				got = "<anonymous>"
				if len(sc.Name) > 0 {
					got = resolveScopeName(m, sc.Name)
				}
			}
			if got != a.want {
				t.Errorf("%s at %q: %q, want %q", tc.file, a.anchor, got, a.want)
			}
		}
	}
}
