package decode

import (
	"bytes"
	"math"
	"runtime"
	"slices"
	"sync"
)

// parallelMin is the mappings length from which decoding is split across cores: below it the
// goroutines cost more than they save (BenchmarkDecodeLargeMap is the measure).
const parallelMin = 1 << 20

// The fields of a mapping are deltas that run across lines, so a chunk that starts mid-string
// does not know its absolute values. The first chunk decodes normally; the others decode with
// every running value at 0 and store partial sums in place (with "has source" and "has name" in
// the two top bits of GenCol), and a second pass adds the sums of the chunks before them and
// validates. Any problem sends the whole string through decodeMappings, which words the error.
const (
	flagMapped = 1 << 31
	flagNamed  = 1 << 30
	colMask    = flagNamed - 1
)

type chunk struct {
	lo, hi               int      // bytes m[lo:hi]
	off, count           int      // its segments are segs[off:off+count]
	lines                []uint32 // end (relative to off) of each of its lines
	src, line, col, name int64    // sums of its deltas
	ok                   bool
}

// decodeMappingsParallel decodes long mappings on several cores; it returns ok=false when the
// input needs the sequential decoder (short input, one core, or anything invalid or unusual).
func decodeMappingsParallel(m []byte, nSources, nNames int) (lines []uint32, segs []Segment, ok bool) {
	n := min(runtime.GOMAXPROCS(0), 8)
	if len(m) < parallelMin || n < 2 {
		return nil, nil, false
	}
	return decodeInChunks(m, nSources, nNames, n)
}

// decodeInChunks splits mappings into about n chunks and decodes them concurrently.
func decodeInChunks(m []byte, nSources, nNames, n int) (lines []uint32, segs []Segment, ok bool) {
	// split at ';' so every chunk starts a generated line; count each chunk's segments exactly
	// (commas plus non-empty lines) so all decode straight into one array
	var chunks []chunk
	lo := 0
	for k := 1; k <= n; k++ {
		hi := len(m)
		if k < n {
			at := max(k*len(m)/n, lo)
			j := bytes.IndexByte(m[at:], ';')
			if j < 0 {
				continue
			}
			hi = at + j
		}
		chunks = append(chunks, chunk{lo: lo, hi: hi})
		lo = hi + 1
		if hi == len(m) {
			break
		}
	}
	total, nLines := 0, 0
	for k := range chunks {
		c := &chunks[k]
		c.off = total
		c.count = bytes.Count(m[c.lo:c.hi], []byte{','})
		for start := c.lo; ; {
			end := bytes.IndexByte(m[start:c.hi], ';')
			if end < 0 {
				end = c.hi - start
			}
			if end > 0 {
				c.count++
			}
			nLines++
			start += end + 1
			if start > c.hi {
				break
			}
		}
		total += c.count
	}
	segs = make([]Segment, total)
	var wg sync.WaitGroup
	for k := range chunks {
		wg.Go(func() {
			c := &chunks[k]
			decodeChunk(m[c.lo:c.hi], segs[c.off:c.off+c.count], c, k == 0, nSources, nNames)
		})
	}
	wg.Wait()
	lines = make([]uint32, 1, nLines+1)
	for k := range chunks {
		if !chunks[k].ok {
			return nil, nil, false
		}
		for _, end := range chunks[k].lines {
			lines = append(lines, uint32(chunks[k].off)+end)
		}
	}
	// second pass: absolute values for every chunk after the first
	var src, line, col, name int64
	bad := make([]bool, len(chunks))
	for k := range chunks {
		if k > 0 {
			s, l, c, nm := src, line, col, name
			wg.Go(func() {
				bad[k] = !fixChunk(segs[chunks[k].off:chunks[k].off+chunks[k].count], s, l, c, nm, nSources, nNames)
			})
		}
		src, line, col, name = src+chunks[k].src, line+chunks[k].line, col+chunks[k].col, name+chunks[k].name
	}
	wg.Wait()
	if slices.Contains(bad, true) {
		return nil, nil, false
	}
	return lines, segs, true
}

// fixChunk turns partial sums into absolute values and checks them.
func fixChunk(segs []Segment, src, line, col, name int64, nSources, nNames int) bool {
	for i := range segs {
		s := &segs[i]
		g := s.GenCol
		s.GenCol = g & colMask
		if g&flagMapped != 0 {
			sv, lv, cv := src+int64(s.Source), line+int64(int32(s.Line)), col+int64(int32(s.Col))
			if sv < 0 || sv >= int64(nSources) || lv < 0 || lv > math.MaxInt32 || cv < 0 || cv > math.MaxInt32 {
				return false
			}
			s.Source, s.Line, s.Col = int32(sv), uint32(lv), uint32(cv)
		} else {
			s.Source = -1
		}
		if g&flagNamed != 0 {
			nv := name + int64(s.Name)
			if nv < 0 || nv >= int64(nNames) {
				return false
			}
			s.Name = int32(nv)
		} else {
			s.Name = -1
		}
	}
	return true
}

// decodeChunk decodes whole lines of mappings into out, which has exactly the room they need.
// The first chunk (final) writes absolute, validated values; the others partial sums and flags.
func decodeChunk(m []byte, out []Segment, c *chunk, final bool, nSources, nNames int) {
	var genCol int64
	n, lineStart, sorted := 0, 0, true
	endLine := func() {
		if !sorted {
			slices.SortStableFunc(out[lineStart:n], func(a, b Segment) int { return int(a.GenCol&colMask) - int(b.GenCol&colMask) })
		}
		c.lines = append(c.lines, uint32(n))
		lineStart, sorted, genCol = n, true, 0
	}
	atEnd := func(i int) bool { return i == len(m) || m[i] == ',' || m[i] == ';' }
	var f [5]int64
	for i := 0; i < len(m); {
		if m[i] == ';' {
			endLine()
			i++
			continue
		}
		if n == len(out) {
			return
		}
		// the fields of one segment; one- and two-digit VLQs (up to ±511, most fields) are
		// decoded right here, longer ones by slowField
		k := 0
		for {
			if k == 5 || i == len(m) {
				return
			}
			d := uint8(base64Value[m[i]])
			switch {
			case d < 32:
				f[k] = int64(d >> 1)
				if d&1 != 0 {
					f[k] = -f[k]
				}
				i++
			case d < 64 && i+1 < len(m) && uint8(base64Value[m[i+1]]) < 32:
				u := int64(d&31) | int64(base64Value[m[i+1]])<<5
				f[k] = u >> 1
				if u&1 != 0 {
					f[k] = -f[k]
				}
				i += 2
			default:
				if f[k], i = slowField(m, i); i < 0 {
					return
				}
			}
			k++
			if atEnd(i) {
				break
			}
		}
		if k == 2 || k == 3 {
			return
		}
		genCol += f[0]
		if genCol < 0 || genCol > colMask {
			return
		}
		s := Segment{GenCol: uint32(genCol), Source: -1, Name: -1}
		if k >= 4 {
			c.src += f[1]
			c.line += f[2]
			c.col += f[3]
			if final {
				if c.src < 0 || c.src >= int64(nSources) || c.line < 0 || c.line > math.MaxInt32 || c.col < 0 || c.col > math.MaxInt32 {
					return
				}
				s.Source, s.Line, s.Col = int32(c.src), uint32(c.line), uint32(c.col)
			} else {
				if !fitsInt32(c.src) || !fitsInt32(c.line) || !fitsInt32(c.col) {
					return
				}
				s.GenCol |= flagMapped
				s.Source, s.Line, s.Col = int32(c.src), uint32(int32(c.line)), uint32(int32(c.col))
			}
		}
		if k == 5 {
			c.name += f[4]
			if !fitsInt32(c.name) || final && (c.name < 0 || c.name >= int64(nNames)) {
				return
			}
			if !final {
				s.GenCol |= flagNamed
			}
			s.Name = int32(c.name)
		}
		if n > lineStart && out[n-1].GenCol&colMask > s.GenCol&colMask {
			sorted = false
		}
		out[n] = s
		n++
		if i < len(m) && m[i] == ',' {
			i++
			if atEnd(i) {
				return
			}
		}
	}
	endLine()
	c.ok = n == len(out)
}

func fitsInt32(v int64) bool { return v >= math.MinInt32 && v <= math.MaxInt32 }

// slowField decodes a multi-digit VLQ, returning -1 as the index when it is invalid.
func slowField(m []byte, i int) (int64, int) {
	v, j := vlq(m, i)
	if j < 0 {
		var err error
		if v, j, err = decodeVLQ(m, i); err != nil {
			return 0, -1
		}
	}
	return v, j
}
