package envelope

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/klauspost/compress/zlib"
)

// DecodeStoreBody reads the body of the legacy /store/ endpoint: one event as JSON, or (old raven
// clients) the base64 text of zlib-compressed JSON, which Relay detects without a header. The
// result is the event JSON; whether it is valid JSON is the event decoder's business, this only
// checks that it starts like an object. Bodies and inflated events over limits.MaxEventSize are
// KindTooLarge errors, cut off while reading.
func DecodeStoreBody(r io.Reader, limits Limits) ([]byte, error) {
	body, err := readCapped(r, limits.MaxEventSize, "store body")
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, &Error{Kind: KindEmpty, Detail: "empty request body"}
	}
	if trimmed[0] == '{' {
		return body, nil
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(trimmed)))
	n, err := base64.StdEncoding.Decode(raw, trimmed)
	if err != nil {
		if n, err = base64.RawURLEncoding.Decode(raw, bytes.TrimRight(trimmed, "=")); err != nil {
			return nil, malformed("store body is neither a JSON object nor base64 text")
		}
	}
	raw = raw[:n]
	if len(raw) >= 2 && isZlibHeader(raw) {
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, &Error{Kind: KindMalformed, Detail: "invalid zlib data in store body", Err: err}
		}
		defer zr.Close()
		if raw, err = readCapped(&codingReader{r: zr, coding: "zlib"}, limits.MaxEventSize, "inflated store body"); err != nil {
			return nil, err
		}
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, malformed("store body does not decode to a JSON object")
	}
	return raw, nil
}

func readCapped(r io.Reader, max int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, readError(err)
	}
	if int64(len(b)) > max {
		return nil, &Error{Kind: KindTooLarge, Detail: fmt.Sprintf("%s exceeds the %d byte limit", what, max)}
	}
	return b, nil
}
