package storesource

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/sentry/event"
	"github.com/faultline/faultline/internal/sourcemap"
	"github.com/faultline/faultline/internal/store"
)

type provider struct{ st store.Store }

func (p provider) Store() store.Store { return p.st }

const debugID = "eeba6a6e-639f-543b-977e-9fc26a576d18"

// The map sends column 23 of the minified line 1 (the throw) to src/a.js line 2.
const (
	minifiedJS = "function a(){throw new Error('x')}a();\n//# debugId=" + debugID + "\n"
	sourceMap  = `{"version":3,"sources":["src/a.js"],"sourcesContent":["function boom() {\n  throw new Error('x')\n}\nboom()\n"],` +
		`"names":["boom"],"mappings":"AAAA,SAASA,aACP","debugId":"` + debugID + `"}`
)

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "faultline.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// upload stores one bundle (app.js and its map under ~/static/) for a project.
func upload(t testing.TB, st store.Store, project int64, checksum, release, js string, at time.Time) {
	t.Helper()
	err := st.PutBundle(context.Background(), &store.ArtifactBundle{
		Checksum: checksum, Release: release, Projects: []int64{project}, Created: at,
		Files: []store.ArtifactFile{
			{Path: "files/_/_/static/app.js", Type: "minified_source", URL: "~/static/app.js", DebugID: debugID,
				Headers: map[string]string{"sourcemap": "app.js.map"}, Content: []byte(js)},
			{Path: "files/_/_/static/app.js.map", Type: "source_map", URL: "~/static/app.js.map", DebugID: debugID, Content: []byte(sourceMap)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLookupsStayInTheirProjectAndPreferTheNewestUpload(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	upload(t, st, 1, strings.Repeat("a", 40), "web@1.0.0", minifiedJS+"// old", at)
	upload(t, st, 1, strings.Repeat("b", 40), "web@1.0.0", minifiedJS, at.Add(time.Minute))
	src := New(provider{st})

	f, err := src.ByDebugID(ctx, "1", debugID, sourcemap.KindMinified)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.Read()
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != minifiedJS || f.ResolvedWith != sourcemap.ResolvedDebugID || f.Headers["sourcemap"] != "app.js.map" {
		t.Errorf("by debug id: %+v %q, want the newer upload", f, body)
	}
	if f, err := src.ByURL(ctx, "1", "web@1.0.0", "", "~/static/app.js.map"); err != nil || f.ResolvedWith != sourcemap.ResolvedRelease {
		t.Errorf("by url: %+v %v", f, err)
	}
	for _, project := range []string{"2", "", "web", "-1"} {
		if _, err := src.ByDebugID(ctx, project, debugID, sourcemap.KindSourceMap); !errors.Is(err, sourcemap.ErrNotFound) {
			t.Errorf("project %q found project 1's map by debug id: %v", project, err)
		}
		if _, err := src.ByURL(ctx, project, "web@1.0.0", "", "~/static/app.js"); !errors.Is(err, sourcemap.ErrNotFound) {
			t.Errorf("project %q found project 1's file by URL: %v", project, err)
		}
	}
}

// TestUploadForOneProjectDoesNotSymbolicateAnother runs the Symbolicator over the source: the
// same event resolves for the project the bundle was uploaded to, and not for another.
func TestUploadForOneProjectDoesNotSymbolicateAnother(t *testing.T) {
	st := openStore(t)
	upload(t, st, 1, strings.Repeat("c", 40), "", minifiedJS, time.Now())
	sym := sourcemap.New(New(provider{st}), sourcemap.Options{})
	frame := event.Frame{AbsPath: "https://shop.example/static/app.js", Filename: "app.js", Lineno: 1, Colno: 23}
	images := []event.DebugImage{{Type: "sourcemap", CodeFile: frame.AbsPath, DebugID: debugID}}

	res := sym.Symbolicate(context.Background(), sourcemap.Request{Project: "1", DebugImages: images, Frames: []event.Frame{frame}})
	got := res.Frames[0]
	if res.Symbolicated != 1 || got.Filename != "src/a.js" || got.Lineno != 2 || !strings.Contains(got.ContextLine, "throw new Error") ||
		!strings.Contains(got.Data, `"resolved_with":"debug-id"`) {
		t.Errorf("project 1: %+v errors %+v", got, res.Errors)
	}

	res = sym.Symbolicate(context.Background(), sourcemap.Request{Project: "2", DebugImages: images, Frames: []event.Frame{frame}})
	if res.Symbolicated != 0 || res.Frames[0].Filename != "app.js" {
		t.Errorf("project 2 was symbolicated with project 1's upload: %+v", res.Frames[0])
	}
}
