package decode

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// largeMap builds a deterministic ~10 MB map shaped like esbuild's output for a big bundle (the
// reference's typescript.js measurement: most bytes are sourcesContent, a few hundred generated
// lines of ~1,500 segments, a third of them named, original positions with locality).
func largeMap(tb testing.TB) []byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const nSources, nNames, genLines, segsPerLine = 120, 20000, 450, 1500
	sources := make([]string, nSources)
	contents := make([]string, nSources)
	for i := range sources {
		sources[i] = fmt.Sprintf("../src/module%03d/file%03d.ts", i/10, i)
		var b strings.Builder
		for b.Len() < 50_000 {
			fmt.Fprintf(&b, "export function fn%d(a, b) {\n\treturn \"value\\t\" + a * %d + b; // line\n}\n", b.Len(), rng.IntN(1000))
		}
		contents[i] = b.String()
	}
	names := make([]string, nNames)
	for i := range names {
		names[i] = fmt.Sprintf("identifier%d", i)
	}
	var m []byte
	var src, line, col, name int64
	for l := 0; l < genLines; l++ {
		if l > 0 {
			m = append(m, ';')
		}
		for s := 0; s < segsPerLine; s++ {
			if s > 0 {
				m = append(m, ',')
			}
			// locality as in real bundles: a source runs for a while, original lines mostly
			// advance a little, columns move within a line
			m = encodeVLQ(m, int64(1+rng.IntN(12)))
			ns, nl, nc := src, line, col
			switch r := rng.IntN(400); {
			case r == 0:
				ns, nl, nc = int64(rng.IntN(nSources)), int64(rng.IntN(1500)), int64(rng.IntN(40))
			case r < 60:
				nl, nc = line+int64(1+rng.IntN(3)), int64(rng.IntN(20))
			default:
				nc = max(0, col+int64(rng.IntN(30)-8))
			}
			m = encodeVLQ(m, ns-src)
			m = encodeVLQ(m, nl-line)
			m = encodeVLQ(m, nc-col)
			src, line, col = ns, nl, nc
			if rng.IntN(3) == 0 {
				nn := int64(rng.IntN(nNames))
				m = encodeVLQ(m, nn-name)
				name = nn
			}
		}
	}
	out, err := json.Marshal(map[string]any{
		"version": 3, "file": "bundle.min.js", "sources": sources, "sourcesContent": contents,
		"names": names, "mappings": string(m),
	})
	if err != nil {
		tb.Fatal(err)
	}
	// Set FAULTLINE_BENCH_MAP to a path to get the same map for comparing other parsers.
	if path := os.Getenv("FAULTLINE_BENCH_MAP"); path != "" {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// BenchmarkDecodeLargeMap parses a ~10 MB map to the point where lookups work.
func BenchmarkDecodeLargeMap(b *testing.B) {
	data := largeMap(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup is a cached frame lookup: one position in an already decoded large map.
func BenchmarkLookup(b *testing.B) {
	m, err := Decode(largeMap(b))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pos := make([][2]uint32, 1024)
	for i := range pos {
		pos[i] = [2]uint32{uint32(rng.IntN(400)), uint32(rng.IntN(11000))}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pos[i&1023]
		m.Lookup(p[0], p[1])
		i++
	}
}

// BenchmarkDecodeLargeMapVsMozilla decodes the same ~10 MB map as BenchmarkDecodeLargeMap and then
// has Mozilla source-map 0.7 (testbed/node_modules) parse it in node on the same machine, best of
// six (JSON.parse + SourceMapConsumer + first lookup), reporting mozilla-ms and the speed-up ratio.
// It needs node and `npm ci` in testbed/; without them only our side is measured.
func BenchmarkDecodeLargeMapVsMozilla(b *testing.B) {
	data := largeMap(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
	ours := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1e6
	b.StopTimer()
	modules, err := filepath.Abs(filepath.Join("..", "..", "..", "testbed", "node_modules"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "source-map")); err != nil {
		b.Logf("no testbed/node_modules/source-map: run npm ci in testbed/ to compare with Mozilla")
		return
	}
	path := filepath.Join(b.TempDir(), "large.map")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join("..", "testdata", "real", "generator", "bench-mozilla.js"), path)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("node bench-mozilla.js: %v\n%s", err, out)
	}
	fields := strings.Fields(string(out))
	mozilla, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	if err != nil {
		b.Fatalf("unexpected output of bench-mozilla.js: %q", out)
	}
	b.ReportMetric(mozilla, "mozilla-ms")
	b.ReportMetric(mozilla/ours, "x-faster-than-mozilla")
}
