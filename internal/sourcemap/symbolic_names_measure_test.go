//go:build symbolic

package sourcemap

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	symbolic "github.com/honeycombio/symbolic-go"

	"github.com/faultline/faultline/internal/sourcemap/decode"
	"github.com/faultline/faultline/internal/sourcemap/jsscope"
)

// TestMeasureNames measures how often our scope names agree with Sentry's SourceMapCache on real
// bundles: every minified file (with its .map) in $FAULTLINE_NAME_BUNDLES, about 300 mapped
// positions each that symbolic places inside a function. Bundles of third-party libraries are not
// kept in the repository; build them with the esbuild and terser in testbed/node_modules, e.g.
//
//	esbuild entry.js --bundle --minify --format=esm --sourcemap --sources-content=true --outfile=out/zod.esb.js
//	esbuild entry.js --bundle --format=esm --outfile=zod.bundle.js
//	terser zod.bundle.js --module -c -m --source-map "includeSources,url='zod.ter.js.map'" --output out/zod.ter.js
//
// and run
//
//	FAULTLINE_NAME_BUNDLES=out CGO_ENABLED=1 LD_LIBRARY_PATH=… go test -tags symbolic -run MeasureNames -v ./internal/sourcemap/
func TestMeasureNames(t *testing.T) {
	dir := os.Getenv("FAULTLINE_NAME_BUNDLES")
	if dir == "" {
		t.Skip("FAULTLINE_NAME_BUNDLES is not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.js"))
	total, agree := 0, 0
	miss := map[string]int{}
	for _, jsPath := range files {
		mp, err := os.ReadFile(jsPath + ".map")
		if err != nil {
			continue
		}
		js, _ := os.ReadFile(jsPath)
		smc, err := symbolic.NewSourceMapCache(string(js), string(mp))
		if err != nil {
			t.Fatal(err)
		}
		m, err := decode.Decode(mp)
		if err != nil {
			t.Fatal(err)
		}
		ix := jsscope.Scan(string(js))
		var pos [][2]uint32
		for line := 0; ; line++ {
			segs := m.LineSegments(line)
			if segs == nil && line > strings.Count(string(js), "\n") {
				break
			}
			for _, s := range segs {
				pos = append(pos, [2]uint32{uint32(line), s.GenCol})
			}
		}
		step := max(1, len(pos)/300)
		n, ok := 0, 0
		for k := 0; k < len(pos); k += step {
			p := pos[k]
			want, err := smc.Lookup(p[0]+1, p[1]+1, 0)
			if err != nil || want.FunctionName == "<unknown>" {
				continue
			}
			got := "<unknown>"
			if sc, found := ix.Lookup(p[0], p[1]); found {
				got = "<anonymous>"
				if len(sc.Name) > 0 {
					got = resolveScopeName(m, sc.Name)
				}
			}
			n++
			if got == want.FunctionName {
				ok++
			} else {
				miss[fmt.Sprintf("%s: symbolic %q ours %q", filepath.Base(jsPath), want.FunctionName, got)]++
			}
		}
		t.Logf("%-20s %d/%d agree", filepath.Base(jsPath), ok, n)
		total += n
		agree += ok
	}
	t.Logf("TOTAL %d/%d agree (%.1f%%)", agree, total, 100*float64(agree)/float64(total))
	var keys []string
	for k := range miss {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return miss[keys[i]] > miss[keys[j]] })
	for i, k := range keys {
		if i >= 40 {
			break
		}
		t.Logf("%4d %s", miss[k], k)
	}
}
