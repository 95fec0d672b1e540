package decode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// suiteDir is the repo copy of tc39/source-map-tests (see its ORIGIN.txt).
const suiteDir = "../testdata/tc39-source-map-tests"

type specCase struct {
	Name          string       `json:"name"`
	SourceMapFile string       `json:"sourceMapFile"`
	Valid         bool         `json:"sourceMapIsValid"`
	Actions       []specAction `json:"testActions"`
}

type specAction struct {
	Type             string   `json:"actionType"`
	GeneratedLine    uint32   `json:"generatedLine"`
	GeneratedColumn  uint32   `json:"generatedColumn"`
	OriginalSource   *string  `json:"originalSource"`
	OriginalLine     *uint32  `json:"originalLine"`
	OriginalColumn   *uint32  `json:"originalColumn"`
	MappedName       *string  `json:"mappedName"`
	IntermediateMaps []string `json:"intermediateMaps"`
	Present          []string `json:"present"`
}

func decodeResource(t *testing.T, name string) (*Map, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(suiteDir, "resources", name))
	if err != nil {
		t.Fatal(err)
	}
	return Decode(b)
}

// TestTC39SpecSuiteEveryCase runs every case of source-map-spec-tests.json: valid maps decode and
// every mapping check holds; invalid maps are rejected with a reason.
func TestTC39SpecSuiteEveryCase(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(suiteDir, "source-map-spec-tests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests []specCase `json:"tests"`
	}
	if err := json.Unmarshal(b, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Tests) != 99 {
		t.Fatalf("suite has %d cases, want the 99 of commit 7bfa363", len(suite.Tests))
	}
	for _, tc := range suite.Tests {
		t.Run(tc.Name, func(t *testing.T) {
			m, err := decodeResource(t, tc.SourceMapFile)
			if !tc.Valid {
				if err == nil {
					t.Fatalf("invalid map %s was accepted", tc.SourceMapFile)
				}
				t.Logf("rejected: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("valid map %s was rejected: %v", tc.SourceMapFile, err)
			}
			for i, a := range tc.Actions {
				switch a.Type {
				case "checkMapping":
					checkMapping(t, i, a, lookupChain(t, m, nil, a.GeneratedLine, a.GeneratedColumn))
				case "checkMappingTransitive":
					checkMapping(t, i, a, lookupChain(t, m, a.IntermediateMaps, a.GeneratedLine, a.GeneratedColumn))
				case "checkIgnoreList":
					var got []string
					for s := 0; s < m.SourceCount(); s++ {
						if m.Ignored(s) {
							name, _ := m.Source(s)
							got = append(got, name)
						}
					}
					if !slices.Equal(got, a.Present) {
						t.Errorf("action %d: ignored sources %q, want %q", i, got, a.Present)
					}
				default:
					t.Fatalf("action %d: unknown action type %q", i, a.Type)
				}
			}
		})
	}
}

type resolved struct {
	found        bool
	source       *string
	line, column uint32
	name         *string
}

// lookupChain looks a position up in m, then feeds the result through each intermediate map.
func lookupChain(t *testing.T, m *Map, chain []string, line, col uint32) resolved {
	var r resolved
	for step := 0; ; step++ {
		tok, ok := m.Lookup(line, col)
		if !ok {
			return resolved{}
		}
		r = resolved{found: true, line: tok.Line, column: tok.Col}
		if s, ok := m.Source(tok.Source); ok {
			r.source = &s
		}
		if tok.Name >= 0 {
			n := m.Name(tok.Name)
			r.name = &n
		}
		if step == len(chain) {
			return r
		}
		next, err := decodeResource(t, chain[step])
		if err != nil {
			t.Fatalf("intermediate map %s: %v", chain[step], err)
		}
		m, line, col = next, tok.Line, tok.Col
	}
}

func checkMapping(t *testing.T, i int, a specAction, r resolved) {
	t.Helper()
	if a.OriginalLine == nil {
		if r.found {
			t.Errorf("action %d: %d:%d resolved to %d:%d, want unmapped", i, a.GeneratedLine, a.GeneratedColumn, r.line, r.column)
		}
		return
	}
	if !r.found {
		t.Errorf("action %d: %d:%d did not resolve", i, a.GeneratedLine, a.GeneratedColumn)
		return
	}
	if r.line != *a.OriginalLine || r.column != *a.OriginalColumn {
		t.Errorf("action %d: %d:%d resolved to line %d column %d, want %d %d", i, a.GeneratedLine, a.GeneratedColumn, r.line, r.column, *a.OriginalLine, *a.OriginalColumn)
	}
	if !reflect.DeepEqual(r.source, a.OriginalSource) {
		t.Errorf("action %d: source %v, want %v", i, deref(r.source), deref(a.OriginalSource))
	}
	if a.Type == "checkMapping" && !reflect.DeepEqual(r.name, a.MappedName) {
		t.Errorf("action %d: name %v, want %v", i, deref(r.name), deref(a.MappedName))
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// TestTC39DecodingDebugIDGoldens decodes every map under decoding/debug-id and compares the
// decoded record with its .golden file; a .error marker means a warning must be reported.
func TestTC39DecodingDebugIDGoldens(t *testing.T) {
	dir := filepath.Join(suiteDir, "decoding", "debug-id")
	maps, err := filepath.Glob(filepath.Join(dir, "*.map"))
	if err != nil || len(maps) != 4 {
		t.Fatalf("found %d debug-id maps (%v), want 4", len(maps), err)
	}
	for _, path := range maps {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			goldenBytes, err := os.ReadFile(path + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			// The goldens carry trailing commas too; a missing debugId means null.
			goldenBytes = trailingComma.ReplaceAll(goldenBytes, []byte("$1"))
			var golden map[string]any
			var got any
			if err := json.Unmarshal(goldenBytes, &golden); err != nil {
				t.Fatalf("golden: %v", err)
			}
			if _, ok := golden["debugId"]; !ok {
				golden["debugId"] = nil
			}
			gotBytes, _ := json.Marshal(record(m))
			_ = json.Unmarshal(gotBytes, &got)
			if !reflect.DeepEqual(got, any(golden)) {
				t.Errorf("decoded record\n%s\nwant\n%s", gotBytes, goldenBytes)
			}
			errMarker := strings.TrimSuffix(path, ".map") + ".error"
			if _, err := os.Stat(errMarker); err == nil && len(m.Warnings) == 0 {
				t.Errorf("expected a warning (marker %s), got none", filepath.Base(errMarker))
			}
		})
	}
}

var trailingComma = regexp.MustCompile(`,(\s*[}\]])`)

// record renders a Map as the tc39 "Decoded Source Map Record" golden format.
func record(m *Map) map[string]any {
	rec := map[string]any{"file": nil, "sources": []any{}, "mappings": []any{}, "debugId": nil}
	if m.File != "" {
		rec["file"] = m.File
	}
	if m.DebugID != "" {
		rec["debugId"] = m.DebugID
	}
	var sources, mappings []any
	for i := 0; i < m.SourceCount(); i++ {
		src := map[string]any{"url": nil, "content": nil, "ignored": m.Ignored(i)}
		if s, ok := m.Source(i); ok {
			src["url"] = s
		}
		if c := m.Content(i); c != nil {
			src["content"] = c.Source
		}
		sources = append(sources, src)
	}
	for l := 0; l < m.GeneratedLines(); l++ {
		for _, s := range m.LineSegments(l) {
			mp := map[string]any{"generatedPosition": map[string]any{"line": l, "column": s.GenCol}, "originalPosition": nil, "name": nil}
			if s.Source >= 0 {
				mp["originalPosition"] = map[string]any{"sourceIndex": s.Source, "line": s.Line, "column": s.Col}
			}
			if s.Name >= 0 {
				mp["name"] = m.Name(int(s.Name))
			}
			mappings = append(mappings, mp)
		}
	}
	if sources != nil {
		rec["sources"] = sources
	}
	if mappings != nil {
		rec["mappings"] = mappings
	}
	return rec
}
