package sourcemap

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

const (
	realDir    = "testdata/real"
	appPath    = "/srv/app/app.min.js"
	testDebug  = "2f259f80-58b7-44cb-a7cd-de1505e7e718"
	projectID  = "1"
	releaseVer = "1.0"
)

// stackFixtures reads the frames node printed for each throw site (testdata/real/generator).
func stackFixtures(t testing.TB) map[string]map[string][]event.Frame {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, "stacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[string][]struct {
		Function string `json:"function"`
		AbsPath  string `json:"abs_path"`
		Lineno   int    `json:"lineno"`
		Colno    int    `json:"colno"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]event.Frame{}
	for variant, kinds := range raw {
		out[variant] = map[string][]event.Frame{}
		for kind, frames := range kinds {
			for _, f := range frames {
				out[variant][kind] = append(out[variant][kind], event.Frame{Function: f.Function, AbsPath: f.AbsPath, Lineno: f.Lineno, Colno: f.Colno})
			}
		}
	}
	return out
}

func readFixture(t testing.TB, variant, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, variant, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, body []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
}

// layout places one variant's minified file and map in a fresh local directory in one of the
// documented layouts and returns the directory.
func layout(t testing.TB, variant, how string) string {
	t.Helper()
	root := t.TempDir()
	js, mp := readFixture(t, variant, "app.min.js"), readFixture(t, variant, "app.min.js.map")
	switch how {
	case "release":
		dir := filepath.Join(root, projectID, "release", releaseVer, "_", "~", "srv", "app")
		writeFile(t, filepath.Join(dir, "app.min.js"), js)
		writeFile(t, filepath.Join(dir, "app.min.js.map"), mp)
	case "debug-id":
		dir := filepath.Join(root, projectID, "debug-id", testDebug)
		writeFile(t, filepath.Join(dir, "minified.js"), js)
		writeFile(t, filepath.Join(dir, "minified.js.map"), mp)
	case "debug-id-map-only":
		writeFile(t, filepath.Join(root, projectID, "debug-id", testDebug, "minified.js.map"), mp)
	case "bundle":
		writeFile(t, filepath.Join(root, projectID, "bundles", "upload.zip"), buildBundle(t, js, mp))
	default:
		t.Fatalf("unknown layout %q", how)
	}
	return root
}

// buildBundle writes an artifact bundle the way sentry-cli does: SYSB header, then a ZIP with a
// manifest; the map is found by debug id and the minified file by URL for release 1.0.
func buildBundle(t testing.TB, js, mp []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("SYSB\x02\x00\x00\x00")
	zw := zip.NewWriter(&buf)
	zw.SetOffset(8)
	manifest := map[string]any{
		"files": map[string]any{
			"files/_/_/srv/app/app.min.js":     map[string]any{"type": "minified_source", "url": "~/srv/app/app.min.js", "headers": map[string]string{"debug-id": testDebug, "Sourcemap": "app.min.js.map"}},
			"files/_/_/srv/app/app.min.js.map": map[string]any{"type": "source_map", "url": "~/srv/app/app.min.js.map", "headers": map[string]string{"debug-id": testDebug}},
		},
		"debug_id": "9e77a589-21d2-5428-829a-414ebcccce2a",
		"release":  releaseVer,
	}
	mb, _ := json.Marshal(manifest)
	for name, body := range map[string][]byte{"manifest.json": mb, "files/_/_/srv/app/app.min.js": js, "files/_/_/srv/app/app.min.js.map": mp} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dataField(t *testing.T, f event.Frame, key string) any {
	t.Helper()
	var d map[string]any
	if f.Data == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(f.Data), &d); err != nil {
		t.Fatalf("frame data %q: %v", f.Data, err)
	}
	return d[key]
}

// TestSymbolicateRealMinifierOutput runs the stack traces node printed for esbuild and terser
// bundles through every lookup path and checks the throwing frame against the "expect:" comment
// the original source carries on that line.
func TestSymbolicateRealMinifierOutput(t *testing.T) {
	stacks := stackFixtures(t)
	ways := []struct {
		layout       string
		release      string
		images       bool
		resolvedWith string
	}{
		{layout: "release", release: releaseVer, resolvedWith: "release"},
		{layout: "debug-id", images: true, resolvedWith: "debug-id"},
		{layout: "bundle", images: true, resolvedWith: "debug-id"},
		{layout: "bundle", release: releaseVer, resolvedWith: "release"},
	}
	for _, variant := range []string{"esbuild", "terser"} {
		for _, way := range ways {
			s := New(NewDir(layout(t, variant, way.layout)), Options{})
			for kind, frames := range stacks[variant] {
				name := variant + "/" + way.layout + "/" + way.resolvedWith + "/" + kind
				t.Run(name, func(t *testing.T) {
					req := Request{Project: projectID, Release: way.release, Platform: "node", Frames: frames}
					if way.images {
						req.DebugImages = []event.DebugImage{{Type: "sourcemap", CodeFile: appPath, DebugID: testDebug}}
					}
					res := s.Symbolicate(context.Background(), req)
					if len(res.Errors) > 0 {
						t.Fatalf("errors: %+v", res.Errors)
					}
					top := -1
					for i, f := range frames {
						if f.AbsPath == appPath {
							top = i
						}
					}
					got := res.Frames[top]
					want := expectedFunctions(got.ContextLine)
					if len(want) == 0 {
						t.Fatalf("frame resolved to %s:%d:%d, whose line %q has no expect: comment", got.Filename, got.Lineno, got.Colno, got.ContextLine)
					}
					if !slices.Contains(want, got.Function) {
						t.Errorf("function %q, want one of %q (frame %s:%d:%d, minified %q)", got.Function, want, got.Filename, got.Lineno, got.Colno, frames[top].Function)
					}
					if rw := dataField(t, got, "resolved_with"); rw != way.resolvedWith {
						t.Errorf("resolved_with %v, want %s", rw, way.resolvedWith)
					}
					if sm := dataField(t, got, "sourcemap"); sm == nil || sm == "" {
						t.Errorf("data.sourcemap missing")
					}
					inNodeModules := strings.Contains(got.AbsPath, "/node_modules/")
					if inNodeModules != (got.InApp != nil && !*got.InApp) {
						t.Errorf("abs_path %s: in_app %v", got.AbsPath, got.InApp)
					}
					if len(got.PreContext) != min(5, got.Lineno-1) || len(got.PostContext) == 0 {
						t.Errorf("context: %d lines before, %d after", len(got.PreContext), len(got.PostContext))
					}
				})
			}
		}
	}
}

// expectedFunctions reads "// expect: a | b (note)" from an original source line: the names a
// correct symbolication may give; the note says why there is more than one.
func expectedFunctions(line string) []string {
	_, after, ok := strings.Cut(line, "// expect: ")
	if !ok {
		return nil
	}
	after = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(after), "{snip}"))
	names, _, _ := strings.Cut(after, " (")
	return strings.Split(names, " | ")
}

// TestSymbolicateColumnsCountUTF16 checks the frame thrown after non-ASCII text on the same line:
// the original column must point at the throw statement when counted in UTF-16 units.
func TestSymbolicateColumnsCountUTF16(t *testing.T) {
	stacks := stackFixtures(t)
	for _, variant := range []string{"esbuild", "terser"} {
		s := New(NewDir(layout(t, variant, "release")), Options{})
		frames := stacks[variant]["unicode"]
		res := s.Symbolicate(context.Background(), Request{Project: projectID, Release: releaseVer, Frames: frames})
		got := res.Frames[len(frames)-1]
		src, err := os.ReadFile(filepath.Join(realDir, "generator", "app", "src", "index.js"))
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Split(string(src), "\n")[got.Lineno-1]
		units := []rune{}
		for _, r := range line {
			if r >= 0x10000 {
				units = append(units, 0xD800, 0xDC00) // width only
			} else {
				units = append(units, r)
			}
		}
		rest := string(units[got.Colno-1:])
		if !strings.HasPrefix(rest, "throw") && !strings.HasPrefix(rest, "new Error") {
			t.Errorf("%s: column %d points at %.20q, want the throw", variant, got.Colno, rest)
		}
	}
}

// TestSymbolicateReportsWhatCouldNotBeResolved covers the per-frame outcomes that leave a frame
// raw, and project isolation.
func TestSymbolicateReportsWhatCouldNotBeResolved(t *testing.T) {
	frame := stackFixtures(t)["esbuild"]["amount"]
	top := frame[len(frame)-1]
	tests := []struct {
		name    string
		setup   func(root string)
		req     Request
		frame   event.Frame
		want    string // error type, "" for none
		changed bool
	}{
		{
			name:  "another project's artifacts are never used",
			setup: func(root string) {},
			req:   Request{Project: "2", Release: releaseVer},
			frame: top, want: ErrNoSource,
		},
		{
			name: "a missing map is js_no_source with the map URL",
			setup: func(root string) {
				os.Remove(filepath.Join(root, projectID, "release", releaseVer, "_", "~", "srv", "app", "app.min.js.map"))
			},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: top, want: ErrNoSource,
		},
		{
			name: "a broken map is js_invalid_source",
			setup: func(root string) {
				writeFile(t, filepath.Join(root, projectID, "release", releaseVer, "_", "~", "srv", "app", "app.min.js.map"), []byte(`{"version":3,"sources":[],"mappings":"A!"}`))
			},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: top, want: ErrInvalidSource,
		},
		{
			name:  "a position past the mappings is js_invalid_sourcemap_location",
			setup: func(root string) {},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: event.Frame{AbsPath: appPath, Lineno: 40, Colno: 1}, want: ErrInvalidLocation,
		},
		{
			name: "plain JS without a map reference stays as it is without an error",
			setup: func(root string) {
				writeFile(t, filepath.Join(root, projectID, "release", releaseVer, "_", "~", "srv", "app", "plain.js"), []byte("function a(){throw 1}\n"))
			},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: event.Frame{AbsPath: "/srv/app/plain.js", Lineno: 1, Colno: 14},
		},
		{
			name:  "a dependency without a source is left unsymbolicated without an error",
			setup: func(root string) {},
			req:   Request{Project: projectID, Release: releaseVer, Platform: "node"},
			frame: event.Frame{AbsPath: "/srv/app/node_modules/express/lib/router.js", Lineno: 3, Colno: 7},
		},
		{
			name:  "a browser extension without a source is left unsymbolicated without an error",
			setup: func(root string) {},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: event.Frame{AbsPath: "chrome-extension://abcdef/content.js", Lineno: 1, Colno: 9},
		},
		{
			name:  "a node built-in is left alone",
			setup: func(root string) {},
			req:   Request{Project: projectID, Release: releaseVer, Platform: "node"},
			frame: event.Frame{AbsPath: "node:internal/modules/cjs/loader", Lineno: 1, Colno: 1, Function: "Module._compile"},
		},
		{
			name:  "the same frame resolves with the right project",
			setup: func(root string) {},
			req:   Request{Project: projectID, Release: releaseVer},
			frame: top, changed: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := layout(t, "esbuild", "release")
			tc.setup(root)
			tc.req.Frames = []event.Frame{tc.frame}
			res := New(NewDir(root), Options{}).Symbolicate(context.Background(), tc.req)
			gotType := ""
			if len(res.Errors) > 0 {
				gotType = res.Errors[0].Type
			}
			if gotType != tc.want {
				t.Fatalf("errors %+v, want type %q", res.Errors, tc.want)
			}
			if changed := res.Symbolicated > 0; changed != tc.changed {
				t.Fatalf("symbolicated %d frames, want changed=%v", res.Symbolicated, tc.changed)
			}
			if !tc.changed && (res.Frames[0].Lineno != tc.frame.Lineno || res.Frames[0].AbsPath != tc.frame.AbsPath) {
				t.Errorf("unresolved frame changed: %+v", res.Frames[0])
			}
			if tc.want != "" && dataField(t, res.Frames[0], "symbolicated") != false {
				t.Errorf("failed frame lacks data.symbolicated=false: %q", res.Frames[0].Data)
			}
		})
	}
}

// TestSymbolicateUsesMapNamesWithoutTheMinifiedFile checks the fallback when only the map was
// uploaded for a debug id: the frame still resolves, named after its caller's call site.
func TestSymbolicateUsesMapNamesWithoutTheMinifiedFile(t *testing.T) {
	frames := stackFixtures(t)["esbuild"]["amount"]
	s := New(NewDir(layout(t, "esbuild", "debug-id-map-only")), Options{})
	res := s.Symbolicate(context.Background(), Request{
		Project: projectID, Platform: "node", Frames: frames,
		DebugImages: []event.DebugImage{{Type: "sourcemap", CodeFile: appPath, DebugID: strings.ToUpper(testDebug)}},
	})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	top := res.Frames[len(frames)-1]
	if top.Function != "parseAmount" || !strings.HasSuffix(top.Filename, "src/ledger.js") {
		t.Errorf("top frame %s in %s, want parseAmount in src/ledger.js", top.Function, top.Filename)
	}
}

// nodeUserPath is Sentry's regular expression written out; the expression stays here as the
// oracle.
func TestNodeUserPathIsSentrysExpression(t *testing.T) {
	sentry := regexp.MustCompile(`^((app|webpack|[a-zA-Z]):|/)`)
	for _, p := range []string{
		"", "/", "/srv/app/index.js", "node:internal/process/task_queues", "node:fs", "app:///dist/main.js",
		"webpack:///src/a.js", "webpack-internal:///./src/a.js", "C:\\app\\index.js", "c:/app/index.js",
		"z:", "Z:x", "@:x", "[:x", "`:x", "{:x", "1:x", ":", "a", "ap:x", "app", "appx:y", "internal/timers.js",
		"async /srv/a.js", "<anonymous>", "file:///srv/a.js", "é:x",
	} {
		if got, want := nodeUserPath(p), sentry.MatchString(p); got != want {
			t.Errorf("nodeUserPath(%q) = %v, the expression says %v", p, got, want)
		}
	}
}
