package decode

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// base64Value maps a byte to its Base64 digit, or -1.
var base64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// decodeVLQ reads one Base64 VLQ starting at m[i] and returns its value and the index after it.
// Values must fit in 32 bits signed (ECMA-426 §9.2.1); leading zero continuation digits are fine.
func decodeVLQ(m []byte, i int) (int64, int, error) {
	var v uint64
	var shift uint
	start := i
	for {
		if i >= len(m) {
			if i == start {
				return 0, i, fmt.Errorf("empty VLQ at mappings offset %d", start)
			}
			return 0, i, fmt.Errorf("VLQ at mappings offset %d ends with a continuation digit", start)
		}
		d := base64Value[m[i]]
		if d < 0 {
			if i == start && (m[i] == ',' || m[i] == ';') {
				return 0, i, fmt.Errorf("empty segment at mappings offset %d", start)
			}
			return 0, i, fmt.Errorf("invalid Base64 character %q at mappings offset %d", m[i], i)
		}
		i++
		if shift < 60 {
			v |= uint64(d&31) << shift
		} else if d&31 != 0 {
			return 0, i, fmt.Errorf("VLQ at mappings offset %d exceeds 32 bits", start)
		}
		if d&32 == 0 {
			break
		}
		shift += 5
	}
	mag := v >> 1
	if v&1 == 1 {
		if mag > 1<<31 {
			return 0, i, fmt.Errorf("VLQ at mappings offset %d exceeds 32 bits", start)
		}
		return -int64(mag), i, nil
	}
	if mag > math.MaxInt32 {
		return 0, i, fmt.Errorf("VLQ at mappings offset %d exceeds 32 bits", start)
	}
	return int64(mag), i, nil
}

// encodeVLQ appends the Base64 VLQ of v; tests and benchmarks use it to build maps.
func encodeVLQ(dst []byte, v int64) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var u uint64
	if v < 0 {
		u = uint64(-v)<<1 | 1
	} else {
		u = uint64(v) << 1
	}
	for {
		d := u & 31
		u >>= 5
		if u != 0 {
			d |= 32
		}
		dst = append(dst, alphabet[d])
		if u == 0 {
			return dst
		}
	}
}

// vlq decodes one VLQ of at most 7 digits starting at m[i] and returns its value and the index
// after it, or -1 for anything else (bad character, end of input, over 32 bits, leading zero
// digits); decodeVLQ then decodes it or words the error.
// It is small enough to be inlined into the hot loop.
func vlq(m []byte, i int) (int64, int) {
	var u uint64
	for shift := uint(0); i < len(m) && shift < 35; shift += 5 {
		d := base64Value[m[i]]
		if d < 0 {
			return 0, -1
		}
		i++
		u |= uint64(d&31) << shift
		if d&32 == 0 {
			if u>>1 > math.MaxInt32 {
				return 0, -1
			}
			if u&1 != 0 {
				return -int64(u >> 1), i
			}
			return int64(u >> 1), i
		}
	}
	return 0, -1
}

// decodeMappings decodes a mappings string into per-line segments. lines[l]..lines[l+1] indexes
// the segments of generated line l; segments of a line are sorted by generated column (stable, so
// equal columns keep their order in the map, which is what the spec's sort does).
func decodeMappings(m []byte, nSources, nNames int) (lines []uint32, segs []Segment, err error) {
	nLines := bytes.Count(m, []byte{';'}) + 1
	lines = make([]uint32, 1, nLines+1)
	segs = make([]Segment, 0, bytes.Count(m, []byte{','})+nLines)
	var genCol, src, oline, ocol, name int64
	lineStart, sorted := 0, true
	endLine := func() {
		if !sorted {
			slices.SortStableFunc(segs[lineStart:], func(a, b Segment) int { return int(a.GenCol) - int(b.GenCol) })
		}
		lines = append(lines, uint32(len(segs)))
		lineStart, sorted, genCol = len(segs), true, 0
	}
	atEnd := func(i int) bool { return i == len(m) || m[i] == ',' || m[i] == ';' }
	for i := 0; i < len(m); {
		if m[i] == ';' {
			endLine()
			i++
			continue
		}
		segStart := i
		v, j := vlq(m, i)
		if j < 0 {
			if v, j, err = decodeVLQ(m, i); err != nil {
				return nil, nil, err
			}
		}
		i = j
		genCol += v
		if genCol < 0 || genCol > math.MaxInt32 {
			return nil, nil, fmt.Errorf("segment at mappings offset %d has generated column %d", segStart, genCol)
		}
		seg := Segment{GenCol: uint32(genCol), Source: -1, Name: -1}
		if !atEnd(i) {
			var d [3]int64
			for k := range d {
				if atEnd(i) {
					return nil, nil, fmt.Errorf("segment at mappings offset %d has %d fields (want 1, 4 or 5)", segStart, k+1)
				}
				if d[k], j = vlq(m, i); j < 0 {
					if d[k], j, err = decodeVLQ(m, i); err != nil {
						return nil, nil, err
					}
				}
				i = j
			}
			src += d[0]
			oline += d[1]
			ocol += d[2]
			switch {
			case src < 0 || src >= int64(nSources):
				return nil, nil, fmt.Errorf("segment at mappings offset %d has source index %d (map has %d sources)", segStart, src, nSources)
			case oline < 0 || oline > math.MaxInt32:
				return nil, nil, fmt.Errorf("segment at mappings offset %d has original line %d", segStart, oline)
			case ocol < 0 || ocol > math.MaxInt32:
				return nil, nil, fmt.Errorf("segment at mappings offset %d has original column %d", segStart, ocol)
			}
			seg.Source, seg.Line, seg.Col = int32(src), uint32(oline), uint32(ocol)
			if !atEnd(i) {
				if v, j = vlq(m, i); j < 0 {
					if v, j, err = decodeVLQ(m, i); err != nil {
						return nil, nil, err
					}
				}
				i = j
				name += v
				if name < 0 || name >= int64(nNames) {
					return nil, nil, fmt.Errorf("segment at mappings offset %d has name index %d (map has %d names)", segStart, name, nNames)
				}
				seg.Name = int32(name)
				if !atEnd(i) {
					return nil, nil, fmt.Errorf("segment at mappings offset %d has more than 5 fields", segStart)
				}
			}
		}
		if len(segs) > lineStart && segs[len(segs)-1].GenCol > seg.GenCol {
			sorted = false
		}
		segs = append(segs, seg)
		if i < len(m) && m[i] == ',' {
			i++
			if i == len(m) || m[i] == ';' || m[i] == ',' {
				return nil, nil, fmt.Errorf("empty segment at mappings offset %d", i)
			}
		}
	}
	endLine()
	return lines, segs, nil
}
