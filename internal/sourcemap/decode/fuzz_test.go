package decode

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzDecodeVLQ checks that any input either fails cleanly or decodes to a value that survives a
// round trip through the encoder, that whole mappings strings never panic, and that the chunked
// (parallel) decoder agrees with the sequential one.
func FuzzDecodeVLQ(f *testing.F) {
	for _, s := range []string{"A", "D", "+/////D", "ggggggE", "AAAA,SAASA;;ACA", "C,F", ";;A="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, next, err := decodeVLQ(b, 0); err == nil {
			if next > len(b) {
				t.Fatalf("next %d beyond input %d", next, len(b))
			}
			back, _, err := decodeVLQ(encodeVLQ(nil, v), 0)
			if err != nil || back != v {
				t.Fatalf("%d re-encoded decodes to %d, %v", v, back, err)
			}
		}
		lines, segs, err := decodeMappings(b, 3, 3)
		// the chunked decoder must agree with the sequential one, or refuse when it fails
		plines, psegs, ok := decodeInChunks(b, 3, 3, 3)
		if err != nil {
			if ok {
				t.Fatalf("chunked decoder accepted mappings the sequential one rejects (%v)", err)
			}
			return
		}
		if int(lines[len(lines)-1]) != len(segs) {
			t.Fatalf("line index ends at %d, have %d segments", lines[len(lines)-1], len(segs))
		}
		if ok && (!slices.Equal(lines, plines) || !slices.Equal(segs, psegs)) {
			t.Fatalf("chunked decoder differs: %v %v vs %v %v", lines, segs, plines, psegs)
		}
	})
}

// FuzzDecodeMap checks that Decode never panics and that every segment of an accepted map is
// found again by Lookup at its own position.
func FuzzDecodeMap(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(suiteDir, "resources", "*.map"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		for l := 0; l < m.GeneratedLines(); l++ {
			for _, s := range m.LineSegments(l) {
				i, ok := m.SegmentAt(uint32(l), s.GenCol)
				if !ok || m.Segment(i).GenCol != s.GenCol {
					t.Fatalf("segment at %d:%d not found by SegmentAt", l, s.GenCol)
				}
			}
		}
		for i := 0; i < m.SourceCount(); i++ {
			if c := m.Content(i); c != nil {
				c.Line(c.Lines() - 1)
			}
		}
	})
}
