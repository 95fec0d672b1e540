package storesource

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/sourcemap"
	"github.com/faultline/faultline/internal/store"
)

// BenchmarkLookup compares a debug-id lookup of an uploaded map (SQLite, 1,000 bundles of other
// builds stored beside it) with the same lookup in a local directory (loose files), the baseline.
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	for i := range 1000 {
		other := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
		err := st.PutBundle(ctx, &store.ArtifactBundle{Checksum: fmt.Sprintf("%040x", i), Release: fmt.Sprintf("web@%d", i), Projects: []int64{1}, Created: time.Now(),
			Files: []store.ArtifactFile{
				{Path: "files/_/_/static/app.js", Type: "minified_source", URL: "~/static/app.js", DebugID: other, Content: []byte(minifiedJS)},
				{Path: "files/_/_/static/app.js.map", Type: "source_map", URL: "~/static/app.js.map", DebugID: other, Content: []byte(sourceMap)},
			}})
		if err != nil {
			b.Fatal(err)
		}
	}
	upload(b, st, 1, strings.Repeat("f", 40), "web@1.0.0", minifiedJS, time.Now())
	dir := b.TempDir()
	loose := filepath.Join(dir, "1", "debug-id", debugID)
	if err := os.MkdirAll(loose, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(loose, "minified.js.map"), []byte(sourceMap), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, src := range []struct {
		name string
		s    sourcemap.Source
	}{{"uploads", New(provider{st})}, {"directory", sourcemap.NewDir(dir)}} {
		b.Run(src.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := src.s.ByDebugID(ctx, "1", debugID, sourcemap.KindSourceMap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
