package sourcemap

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// withoutSourcesContent returns the esbuild fixture map with sourcesContent removed.
func withoutSourcesContent(t *testing.T) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, "esbuild", "app.min.js.map"), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "sourcesContent")
	b, _ := json.Marshal(m)
	return b
}

func TestSymbolicateSourcesOutsideTheMap(t *testing.T) {
	frames := stackFixtures(t)["esbuild"]["amount"]
	top := frames[len(frames)-1]
	js := readFixture(t, "esbuild", "app.min.js")
	relDir := func(root string) string {
		return filepath.Join(root, projectID, "release", releaseVer, "_", "~", "srv", "app")
	}
	tests := []struct {
		name        string
		setup       func(t *testing.T, root string)
		wantErr     string
		wantContext bool
		wantMapURL  string
	}{
		{
			name: "an inline data: map is decoded in place",
			setup: func(t *testing.T, root string) {
				inline := strings.Replace(string(js), "//# sourceMappingURL=app.min.js.map",
					"//# sourceMappingURL=data:application/json;base64,"+base64.StdEncoding.EncodeToString(readFixture(t, "esbuild", "app.min.js.map")), 1)
				writeFile(t, filepath.Join(relDir(root), "app.min.js"), []byte(inline))
			},
			wantContext: true, wantMapURL: appPath,
		},
		{
			name: "a map without sourcesContent still resolves and reports the missing context",
			setup: func(t *testing.T, root string) {
				writeFile(t, filepath.Join(relDir(root), "app.min.js"), js)
				writeFile(t, filepath.Join(relDir(root), "app.min.js.map"), withoutSourcesContent(t))
			},
			wantErr: ErrMissingSourcesContent, wantMapURL: "/srv/app/app.min.js.map",
		},
		{
			name: "an original file uploaded for the release provides the context",
			setup: func(t *testing.T, root string) {
				writeFile(t, filepath.Join(relDir(root), "app.min.js"), js)
				writeFile(t, filepath.Join(relDir(root), "app.min.js.map"), withoutSourcesContent(t))
				src := readFile(t, filepath.Join(realDir, "generator", "app", "src", "ledger.js"))
				// the map names ../../app/src/ledger.js relative to /srv/app/app.min.js.map
				writeFile(t, filepath.Join(root, projectID, "release", releaseVer, "_", "~", "app", "src", "ledger.js"), src)
			},
			wantContext: true, wantMapURL: "/srv/app/app.min.js.map",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			res := New(NewDir(root), Options{}).Symbolicate(context.Background(), Request{Project: projectID, Release: releaseVer, Frames: []event.Frame{top}})
			if res.Symbolicated != 1 {
				t.Fatalf("not symbolicated: %+v", res.Errors)
			}
			got := res.Frames[0]
			gotErr := ""
			if len(res.Errors) > 0 {
				gotErr = res.Errors[0].Type
			}
			if gotErr != tc.wantErr {
				t.Errorf("errors %+v, want %q", res.Errors, tc.wantErr)
			}
			if (got.ContextLine != "") != tc.wantContext {
				t.Errorf("context line %q, want present=%v", got.ContextLine, tc.wantContext)
			}
			if tc.wantContext && !strings.Contains(got.ContextLine, "expect: parseAmount") {
				t.Errorf("context line %q is not the throw site", got.ContextLine)
			}
			if sm := dataField(t, got, "sourcemap"); sm != tc.wantMapURL {
				t.Errorf("data.sourcemap %v, want %s", sm, tc.wantMapURL)
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSymbolicateIsSafeForConcurrentUse runs many events at once against one Symbolicator with
// a tiny cache, so loads, evictions and bundle reads overlap (run with -race).
func TestSymbolicateIsSafeForConcurrentUse(t *testing.T) {
	stacks := stackFixtures(t)
	s := New(NewDir(layout(t, "esbuild", "bundle")), Options{CacheBytes: 64 << 10, ResolutionTTL: -1})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				for kind, frames := range stacks["esbuild"] {
					res := s.Symbolicate(context.Background(), Request{Project: projectID, Release: releaseVer, Platform: "node", Frames: frames})
					if res.Symbolicated == 0 || len(res.Errors) > 0 {
						t.Errorf("goroutine %d, %s: %d symbolicated, errors %+v", g, kind, res.Symbolicated, res.Errors)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if st := s.CacheStats(); st.Bytes > 64<<10 {
		t.Errorf("cache holds %d bytes, over its 64 KiB budget", st.Bytes)
	}
}

func TestSymbolicateEventKeepsTheRawStacktraceOfExceptions(t *testing.T) {
	frames := stackFixtures(t)["terser"]["ledger"]
	s := New(NewDir(layout(t, "terser", "release")), Options{})
	tests := []struct {
		name     string
		platform string
		want     int
	}{
		{name: "a node event is symbolicated", platform: "node", want: 3},
		{name: "a python event is left alone", platform: "python", want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := &event.Event{Platform: tc.platform, Release: releaseVer, Exceptions: []event.Exception{{Type: "Error", Stacktrace: &event.Stacktrace{Frames: frames}}}}
			res := s.SymbolicateEvent(context.Background(), projectID, ev)
			if res.Symbolicated != tc.want || len(res.Errors) > 0 {
				t.Fatalf("symbolicated %d (want %d), errors %+v", res.Symbolicated, tc.want, res.Errors)
			}
			exc := ev.Exceptions[0]
			if tc.want == 0 {
				if exc.RawStacktrace != nil {
					t.Fatal("raw stacktrace set although nothing changed")
				}
				return
			}
			if exc.RawStacktrace == nil || exc.RawStacktrace.Frames[len(frames)-1].AbsPath != appPath {
				t.Fatalf("raw stacktrace not kept: %+v", exc.RawStacktrace)
			}
			if top := exc.Stacktrace.Frames[len(frames)-1]; top.Function != "Ledger.post" {
				t.Errorf("top frame %s, want Ledger.post", top.Function)
			}
		})
	}
}

func TestErrorListKeepsFirstOfEachPastItsIndex(t *testing.T) {
	var l errorList
	for round := 0; round < 2; round++ {
		for row := 1; row <= 3*indexFrom; row++ {
			l.add(ProcessingError{Type: ErrInvalidLocation, Row: row, Source: "/app.js"})
		}
	}
	if len(l.errs) != 3*indexFrom {
		t.Fatalf("%d errors, want %d distinct", len(l.errs), 3*indexFrom)
	}
	for i, e := range l.errs {
		if e.Row != i+1 {
			t.Fatalf("error %d has row %d: the list is not in first-seen order", i, e.Row)
		}
	}
}
