package decode

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// largeMappings returns the mappings string of the benchmark map, long enough for the parallel
// decoder, with its source and name counts.
func largeMappings(t *testing.T) ([]byte, int, int) {
	t.Helper()
	data := largeMap(t)
	var mappings []byte
	var nSources, nNames int
	s := &scanner{b: data}
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "mappings":
			raw, _, err := s.str()
			mappings = raw
			return err
		case "sources":
			return s.array(func(int) error { nSources++; return s.skip(1) })
		case "names":
			return s.array(func(int) error { nNames++; return s.skip(1) })
		}
		return s.skip(1)
	})
	if err != nil || len(mappings) < parallelMin {
		t.Fatalf("benchmark map: %v, %d bytes of mappings", err, len(mappings))
	}
	return mappings, nSources, nNames
}

func TestParallelDecodingMatchesSequential(t *testing.T) {
	m, nSources, nNames := largeMappings(t)
	pl, ps, ok := decodeMappingsParallel(m, nSources, nNames)
	if !ok {
		t.Fatal("parallel decoder refused a valid map")
	}
	sl, ss, err := decodeMappings(m, nSources, nNames)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pl, sl) || !slices.Equal(ps, ss) {
		t.Fatalf("parallel and sequential results differ (%d/%d lines, %d/%d segments)", len(pl), len(sl), len(ps), len(ss))
	}
}

func TestParallelDecodingLeavesErrorsToTheSequentialDecoder(t *testing.T) {
	m, nSources, nNames := largeMappings(t)
	tests := []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{name: "a bad character late in the string", edit: func(b []byte) []byte { b[len(b)-3] = '!'; return b }, want: "invalid Base64 character"},
		{name: "a source index out of range late in the string", edit: func(b []byte) []byte {
			b = encodeVLQ(append(b, ";A"...), 1_000_000)
			return append(b, "AA"...)
		}, want: "source index"},
		{name: "an empty segment late in the string", edit: func(b []byte) []byte { return append(b, ",,"...) }, want: "empty segment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.edit(bytes.Clone(m))
			if _, _, ok := decodeMappingsParallel(bad, nSources, nNames); ok {
				t.Fatal("parallel decoder accepted invalid mappings")
			}
			_, _, err := decodeMappings(bad, nSources, nNames)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("sequential error %v, want %q", err, tc.want)
			}
		})
	}
}
