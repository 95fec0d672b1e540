package decode

import (
	"math"
	"testing"
)

func TestDecodeVLQ(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "A is zero", in: "A", want: 0},
		{name: "C is one", in: "C", want: 1},
		{name: "D is minus one", in: "D", want: -1},
		{name: "gB is sixteen", in: "gB", want: 16},
		{name: "leading zero continuations are allowed", in: "ggggggggggA", want: 0},
		{name: "the largest 32-bit value decodes", in: "+/////D", want: math.MaxInt32},
		{name: "the smallest 32-bit value decodes", in: "hgggggE", want: math.MinInt32},
		{name: "one past the 32-bit range is rejected", in: "ggggggE", wantErr: true},
		{name: "a trailing continuation digit is rejected", in: "g", wantErr: true},
		{name: "a non-Base64 character is rejected", in: "=", wantErr: true},
		{name: "an empty input is rejected", in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := decodeVLQ([]byte(tc.in), 0)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("decodeVLQ(%q) = %d, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want || next != len(tc.in) {
				t.Fatalf("decodeVLQ(%q) = %d, %d, %v; want %d, %d, nil", tc.in, got, next, err, tc.want, len(tc.in))
			}
		})
	}
}

func TestEncodeVLQRoundTrips(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 15, 16, -16, 1000, -123456, math.MaxInt32, math.MinInt32 + 1} {
		enc := encodeVLQ(nil, v)
		got, _, err := decodeVLQ(enc, 0)
		if err != nil || got != v {
			t.Errorf("encode %d = %q decodes to %d, %v", v, enc, got, err)
		}
	}
}

func TestDecodeMappingsSortsUnorderedSegmentsPerLine(t *testing.T) {
	// columns 10 then 2 (relative -8) on line 0, source 0 original line 0
	m := append(encodeVLQ(nil, 10), "AAA,"...)
	m = append(encodeVLQ(m, -8), "AAC"...)
	lines, segs, err := decodeMappings(m, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || segs[0].GenCol != 2 || segs[1].GenCol != 10 || segs[0].Col != 1 {
		t.Fatalf("segments %+v, want sorted by column", segs)
	}
}
