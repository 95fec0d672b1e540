package loadgen

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"

	"github.com/klauspost/compress/flate"
)

// gzipTemplate is a template's body gzip-compressed ahead of time, so that a patched body can be
// sent compressed without compressing per request. The text between patches is compressed once,
// each piece as its own deflate stream ended by a sync flush (byte-aligned, no back-references
// into other pieces), and the patched bytes travel as stored blocks. A deflate decoder reads the
// pieces as one stream (RFC 1951 §3.2.4). Per request only the CRC-32 is computed.
type gzipTemplate struct {
	// static holds len(patches)+1 pieces of compressed text: piece i precedes patch i.
	static  [][]byte
	patches []patch
	size    int // compressed size for a patched body
}

// gzipHeader is a minimal gzip member header: magic, deflate, no flags, no mtime, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// finalEmptyBlock ends the deflate stream: an empty stored block with BFINAL set.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

func newGzipTemplate(body []byte, patches []patch) (*gzipTemplate, error) {
	g := &gzipTemplate{patches: patches}
	from := 0
	for i := 0; i <= len(patches); i++ {
		to := len(body)
		if i < len(patches) {
			to = patches[i].offset
		}
		piece, err := deflatePiece(body[from:to])
		if err != nil {
			return nil, err
		}
		g.static = append(g.static, piece)
		g.size += len(piece)
		if i < len(patches) {
			from = to + patches[i].kind.width()
			g.size += 5 + patches[i].kind.width()
		}
	}
	g.size += len(gzipHeader) + len(finalEmptyBlock) + 8
	return g, nil
}

func deflatePiece(text []byte) ([]byte, error) {
	if len(text) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// appendGzip appends the gzip form of body (the template's body, already patched) to dst.
func (g *gzipTemplate) appendGzip(dst, body []byte) []byte {
	dst = append(dst, gzipHeader...)
	for i, piece := range g.static {
		dst = append(dst, piece...)
		if i < len(g.patches) {
			p := g.patches[i]
			n := p.kind.width()
			dst = append(dst, 0x00, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
			dst = append(dst, body[p.offset:p.offset+n]...)
		}
	}
	dst = append(dst, finalEmptyBlock...)
	dst = binary.LittleEndian.AppendUint32(dst, crc32.ChecksumIEEE(body))
	return binary.LittleEndian.AppendUint32(dst, uint32(len(body)))
}
