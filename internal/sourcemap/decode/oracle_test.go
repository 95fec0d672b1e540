package decode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestLookupAgreesWithMozillaSourceMap compares every probe Mozilla source-map 0.7 answered for
// the real esbuild and terser maps (segment starts, one column either side, past line ends; see
// testdata/real/generator/oracle.js) with Lookup.
func TestLookupAgreesWithMozillaSourceMap(t *testing.T) {
	for _, variant := range []string{"esbuild", "terser"} {
		t.Run(variant, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "real", variant)
			mb, err := os.ReadFile(filepath.Join(dir, "app.min.js.map"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(mb)
			if err != nil {
				t.Fatal(err)
			}
			ob, err := os.ReadFile(filepath.Join(dir, "oracle.json"))
			if err != nil {
				t.Fatal(err)
			}
			var probes []struct {
				Line, Column   uint32
				Source         *string
				OriginalLine   *uint32
				OriginalColumn *uint32
				Name           *string
			}
			if err := json.Unmarshal(ob, &probes); err != nil {
				t.Fatal(err)
			}
			if len(probes) < 100 {
				t.Fatalf("only %d probes", len(probes))
			}
			for _, p := range probes {
				tok, ok := m.Lookup(p.Line, p.Column)
				if p.Source == nil {
					if ok {
						t.Errorf("%d:%d resolved, Mozilla says unmapped", p.Line, p.Column)
					}
					continue
				}
				src, _ := m.Source(tok.Source)
				var name *string
				if tok.Name >= 0 {
					n := m.Name(tok.Name)
					name = &n
				}
				if !ok || src != *p.Source || tok.Line != *p.OriginalLine || tok.Col != *p.OriginalColumn || deref(name) != deref(p.Name) {
					t.Errorf("%d:%d → %s %d:%d %v (found %v), Mozilla %s %d:%d %v", p.Line, p.Column, src, tok.Line, tok.Col, deref(name), ok, *p.Source, *p.OriginalLine, *p.OriginalColumn, deref(p.Name))
				}
			}
		})
	}
}
