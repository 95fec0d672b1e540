package store

import (
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Event payloads are stored zstd-compressed at the fastest level: the normalized JSON of a
// typical error event shrinks 3–5× at a cost far below the insert itself. Both coders are safe
// for concurrent EncodeAll/DecodeAll calls, so one of each serves every goroutine.
var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// compressBuffers are the buffers compress encodes into before copying out what it made.
var compressBuffers = sync.Pool{New: func() any { return new([]byte) }}

// compress returns b compressed, in a slice of its own size: encoded straight into a new slice
// it would hold the capacity guessed for it (a third of the input, some 3 KB for the reference
// event's 1.2 KB) for as long as the event waits for its fold.
func compress(b []byte) []byte {
	buf := compressBuffers.Get().(*[]byte)
	*buf = encoder.EncodeAll(b, (*buf)[:0])
	out := slices.Clone(*buf)
	compressBuffers.Put(buf)
	return out
}

func decompress(b []byte) ([]byte, error) {
	out, err := decoder.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress payload (%d bytes): %w", len(b), err)
	}
	return out, nil
}
