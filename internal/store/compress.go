package store

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Event payloads are stored zstd-compressed at the fastest level: the normalized JSON of a
// typical error event shrinks 3–5× at a cost far below the insert itself. Both coders are safe
// for concurrent EncodeAll/DecodeAll calls, so one of each serves every goroutine.
var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

func compress(b []byte) []byte {
	return encoder.EncodeAll(b, make([]byte, 0, len(b)/3))
}

func decompress(b []byte) ([]byte, error) {
	out, err := decoder.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress payload (%d bytes): %w", len(b), err)
	}
	return out, nil
}
