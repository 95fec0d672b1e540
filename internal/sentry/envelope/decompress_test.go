package envelope

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

const sample = "{\"event_id\":\"b81c5be4d31e48959103a1f878a1efcb\"}\n{\"type\":\"event\"}\n{\"message\":\"hello\"}\n"

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	default:
		t.Fatalf("no compressor for %q", coding)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompressDecodesEveryCodingSDKsUse(t *testing.T) {
	tests := []struct {
		name, header, compressor string
	}{
		{"gzip", "gzip", "gzip"},
		{"x-gzip", "x-gzip", "gzip"},
		{"deflate wrapped in zlib", "deflate", "zlib"},
		{"raw deflate", "deflate", "raw-deflate"},
		{"brotli", "br", "br"},
		{"zstd", "zstd", "zstd"},
		{"upper-case coding names", "GZip", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := Decompress(bytes.NewReader(compress(t, tt.compressor, []byte(sample))), tt.header)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			env, err := Parse(rc, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if string(env.Items[0].Payload) != `{"message":"hello"}` {
				t.Errorf("payload %q", env.Items[0].Payload)
			}
		})
	}
}

func TestDecompressPassesIdentityCodingsThrough(t *testing.T) {
	for _, h := range []string{"", "identity", "UTF-8"} {
		rc, err := Decompress(strings.NewReader(sample), h)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != sample {
			t.Errorf("%q: got %q", h, b)
		}
	}
}

func TestDecompressReportsBadInput(t *testing.T) {
	tests := []struct {
		name, coding, body string
		kind               Kind
	}{
		{"an unknown coding", "lz4", sample, KindUnsupported},
		{"a list of codings", "gzip, br", string(compress(t, "br", compress(t, "gzip", []byte(sample)))), KindUnsupported},
		{"gzip that is not gzip", "gzip", sample, KindMalformed},
		{"truncated gzip", "gzip", string(compress(t, "gzip", []byte(sample))[:20]), KindMalformed},
		{"zstd that is not zstd", "zstd", sample, KindMalformed},
		{"brotli that is not brotli", "br", sample, KindMalformed},
		{"deflate that is not deflate", "deflate", "\xff\xff\xff\xff", KindMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := Decompress(strings.NewReader(tt.body), tt.coding)
			if err == nil {
				_, err = Parse(rc, DefaultLimits())
				rc.Close()
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind {
				t.Fatalf("got %v, want kind %v", err, tt.kind)
			}
		})
	}
}

func TestParseCutsOffADecompressionBomb(t *testing.T) {
	// 64 MiB of zeros compress to about 64 KiB; the cap stops reading long before the end.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("{}\n{\"type\":\"attachment\"}\n"))
	zero := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zero)
	}
	zw.Close()
	rc, err := Decompress(&buf, "gzip")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	l := DefaultLimits()
	l.MaxEnvelopeSize = 1 << 20
	_, err = Parse(rc, l)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooLarge {
		t.Fatalf("got %v, want too large", err)
	}
}

func TestDecodeStoreBody(t *testing.T) {
	event := `{"message":"hello","level":"error"}`
	tests := []struct {
		name string
		body string
		want string
		kind Kind
	}{
		{name: "plain JSON", body: event, want: event},
		{name: "base64 of zlib JSON from old raven clients", body: base64.StdEncoding.EncodeToString(compress(t, "zlib", []byte(event))), want: event},
		{name: "base64 of plain JSON", body: base64.StdEncoding.EncodeToString([]byte(event)), want: event},
		{name: "an empty body", body: "  ", kind: KindEmpty},
		{name: "text that is neither", body: "hello world", kind: KindMalformed},
		{name: "base64 of something else", body: base64.StdEncoding.EncodeToString([]byte("[1,2]")), kind: KindMalformed},
		{name: "a body over the event limit", body: `{"a":"` + strings.Repeat("x", 2<<20) + `"}`, kind: KindTooLarge},
		{name: "a zlib bomb", body: base64.StdEncoding.EncodeToString(compress(t, "zlib", []byte(`{"a":"`+strings.Repeat("x", 4<<20)+`"}`))), kind: KindTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStoreBody(strings.NewReader(tt.body), DefaultLimits())
			if tt.kind != 0 {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tt.kind {
					t.Fatalf("got %v, want kind %v", err, tt.kind)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
