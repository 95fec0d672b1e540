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
