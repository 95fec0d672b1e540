package envelope

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the memory a zstd frame may ask for. 8 MiB is the window every decoder
// must support (RFC 8878 §3.1.1.1.2); a frame asking for more is refused instead of allocated.
const zstdMaxWindow = 8 << 20

var zstdPool = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		// Only invalid options make NewReader fail, and the options above are constants.
		panic(fmt.Sprintf("creating zstd decoder: %v", err))
	}
	return d
}}

// Decompress wraps r so that reads return the body decoded according to a Content-Encoding
// header value: gzip (and x-gzip), deflate (zlib-wrapped as RFC 9110 says, or raw as some
// clients send it), br, zstd, and identity. "" and "UTF-8" (sent by old Ruby and Android SDKs)
// mean no encoding, as in Relay. A list of codings ("gzip, br") is a KindUnsupported error, as
// is an unknown coding: Relay's decompression layer accepts one coding and answers 415 otherwise.
// A corrupt stream surfaces as a KindMalformed error from Read. Close releases the decoder, not
// r. Decompress does not limit the output: Parse and DecodeStoreBody do, while they read.
func Decompress(r io.Reader, contentEncoding string) (io.ReadCloser, error) {
	if strings.Contains(contentEncoding, ",") {
		return nil, &Error{Kind: KindUnsupported,
			Detail: fmt.Sprintf("Content-Encoding %q lists more than one coding; one coding is accepted", contentEncoding)}
	}
	coding := strings.ToLower(strings.TrimSpace(contentEncoding))
	next, closer, err := decoder(r, coding)
	if err != nil {
		return nil, err
	}
	closeAll := func() {}
	if closer != nil {
		closeAll = func() { closer.Close() }
	}
	return &decompressed{Reader: &codingReader{r: next, coding: coding}, close: closeAll}, nil
}

func decoder(r io.Reader, coding string) (io.Reader, io.Closer, error) {
	switch coding {
	case "", "identity", "utf-8":
		return r, nil, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, streamError(coding, err)
		}
		return zr, zr, nil
	case "deflate":
		br := bufio.NewReaderSize(r, 512)
		head, err := br.Peek(2)
		if err != nil {
			return nil, nil, streamError(coding, err)
		}
		if isZlibHeader(head) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, nil, streamError(coding, err)
			}
			return zr, zr, nil
		}
		fr := flate.NewReader(br)
		return fr, fr, nil
	case "br":
		return brotli.NewReader(r), nil, nil
	case "zstd":
		d := zstdPool.Get().(*zstd.Decoder)
		if err := d.Reset(r); err != nil {
			zstdPool.Put(d)
			return nil, nil, streamError(coding, err)
		}
		return d, zstdRelease{d}, nil
	}
	return nil, nil, &Error{Kind: KindUnsupported, Detail: fmt.Sprintf("unsupported content encoding %q", coding)}
}

// isZlibHeader reports whether two bytes are a zlib header (RFC 1950 §2.2): method 8 (deflate)
// and a header checksum divisible by 31. A raw deflate stream cannot start this way and be valid
// for long, so the check tells the two "deflate" flavours apart.
func isZlibHeader(b []byte) bool {
	return b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

type zstdRelease struct{ d *zstd.Decoder }

func (z zstdRelease) Close() error {
	// Reset(nil) drops the reference to the request body before the decoder is pooled.
	_ = z.d.Reset(nil)
	zstdPool.Put(z.d)
	return nil
}

type decompressed struct {
	io.Reader
	close func()
}

func (d *decompressed) Close() error {
	d.close()
	return nil
}

// codingReader classifies a decoder's failures as KindMalformed, keeping the underlying error
// reachable (a body-size error of the HTTP server, for example).
type codingReader struct {
	r      io.Reader
	coding string
}

func (c *codingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if err != nil && err != io.EOF {
		var own *Error
		if !errors.As(err, &own) {
			err = streamError(c.coding, err)
		}
	}
	return n, err
}

func streamError(coding string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	name := coding
	if name == "" {
		name = "identity"
	}
	return &Error{Kind: KindMalformed, Detail: fmt.Sprintf("invalid %s body", name), Err: err}
}
