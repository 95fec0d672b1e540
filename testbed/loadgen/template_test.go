package loadgen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func referenceEnvelope(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "receiver", "sentryreceiver", "testdata", "node-error.envelope"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testFields = Fields{
	EventID: [16]byte{0xab, 0xcd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xef},
	User:    4711,
	Time:    time.Unix(1795645345, 400627000),
}

func TestSentryEnvelopesArePatchedEverywhere(t *testing.T) {
	templates, err := SentryEnvelopes(referenceEnvelope(t), 3, []string{SizeSmall, SizeMedium, SizeLarge})
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) != 9 {
		t.Fatalf("got %d templates, want 3 issues × 3 sizes", len(templates))
	}
	small, medium, large := templates[0].Size(), templates[3].Size(), templates[6].Size()
	if !(small < medium && medium < large) || medium < 9000 || medium > 10500 {
		t.Errorf("sizes small %d, medium %d, large %d: want small < medium (~9.5 KB) < large", small, medium, large)
	}
	for i, tmpl := range templates {
		body := make([]byte, tmpl.Size())
		tmpl.render(body, testFields)
		lines := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
		var header, event struct {
			EventID   string  `json:"event_id"`
			Timestamp float64 `json:"timestamp"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			Exception struct {
				Values []struct {
					Type string `json:"type"`
				} `json:"values"`
			} `json:"exception"`
		}
		if err := json.Unmarshal(lines[0], &header); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(lines[2], &event); err != nil {
			t.Fatalf("%s: patched event is not JSON: %v", tmpl.Name, err)
		}
		const wantID = "abcd0102030405060708090a0b0c0def"
		if header.EventID != wantID || event.EventID != wantID {
			t.Errorf("%s: event ids %q / %q, want %s", tmpl.Name, header.EventID, event.EventID, wantID)
		}
		if event.User.ID != "user-004711" {
			t.Errorf("%s: user %q", tmpl.Name, event.User.ID)
		}
		if event.Timestamp != 1795645345.400627 {
			t.Errorf("%s: timestamp %f", tmpl.Name, event.Timestamp)
		}
		if want := "TypeError" + string(rune('0'+i%3)); event.Exception.Values[0].Type != want {
			t.Errorf("%s: exception type %q, want %q (one per issue)", tmpl.Name, event.Exception.Values[0].Type, want)
		}
	}
}

func TestGzipBodyDecompressesToThePatchedBody(t *testing.T) {
	templates, err := SentryEnvelopes(referenceEnvelope(t), 1, []string{SizeMedium})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := templates[0]
	plain := make([]byte, tmpl.Size())
	tmpl.render(plain, testFields)
	zipped := tmpl.gzip.appendGzip(nil, plain)
	if len(zipped) >= len(plain)/2 {
		t.Errorf("gzip body is %d bytes for %d plain: the static text is not compressed", len(zipped), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr) // also verifies the CRC-32 and length
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatal("gzip body does not decompress to the patched body")
	}
}

func TestTemplateWithoutEventIDMarkerIsRefused(t *testing.T) {
	_, err := NewTemplate("bad", []byte(`{"event_id":"0123"}`), MarkerEventID(0))
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("got %v, want an error naming the missing marker", err)
	}
}

// BenchmarkRenderGzip is the generator's per-request cost of a gzip body (patch + assemble + CRC).
func BenchmarkRenderGzip(b *testing.B) {
	templates, err := SentryEnvelopes(referenceEnvelope(b), 1, []string{SizeMedium})
	if err != nil {
		b.Fatal(err)
	}
	tmpl := templates[0]
	plain := make([]byte, tmpl.Size())
	var out []byte
	for b.Loop() {
		tmpl.render(plain, testFields)
		out = tmpl.gzip.appendGzip(out[:0], plain)
	}
}
