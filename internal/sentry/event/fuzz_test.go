package event

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/jsontext"
)

// FuzzNormalize checks the properties the store and processor rely on: Decode accepts what the
// tree parser accepts, Normalize never panics,
// its output is valid JSON (and UTF-8) that Decode and ParseDocument accept with the same typed
// view, a document written back unchanged is byte-identical, and normalizing again changes
// nothing. The second pass has no sent_at: clock drift belongs to the envelope, which a stored
// event no longer has. Seeds live in testdata/fuzz/FuzzNormalize.
func FuzzNormalize(f *testing.F) {
	f.Add(referenceEvent(f))
	f.Add([]byte(`{"exception":{"type":"E"},"message":"m","tags":{"environment":"e"},"timestamp":"2026-11-25T22:00:00"}`))
	// Events that trimming cuts (trim.go): frames, nesting, a long message, a data bag.
	f.Add([]byte(`{"exception":{"values":[{"stacktrace":{"frames":[` + strings.Repeat(`{},`, 300) + `{}]}}]},"_meta":{"x":1}}`))
	f.Add([]byte(`{"extra":{"a":` + strings.Repeat(`[`, 140) + strings.Repeat(`]`, 140) + `},"message":"` + strings.Repeat("é", 9000) + `"}`))
	opts := NormalizeOptions{EventID: "", ReceivedAt: received, SentAt: received.Add(-2 * time.Hour), ClientIP: "192.0.2.7"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Decode accepts exactly the objects the tree parser accepts.
		tr := treePool.Get().(*tree)
		treeErr := tr.parse(string(raw), maxStoredDepth)
		_, directErr := Decode(raw)
		if (treeErr == nil && tr.Root().Kind() == jsontext.Object) != (directErr == nil) {
			t.Fatalf("tree parse error %v, Decode error %v for %q", treeErr, directErr, raw)
		}
		tr.release()

		out, ev, err := Normalize(raw, opts)
		if err != nil {
			return
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("output is not valid JSON:\n%q\n%q", raw, out)
		}
		dec, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode rejects Normalize's output: %v\n%q", err, out)
		}
		if !reflect.DeepEqual(dec, ev) {
			t.Fatalf("Decode's view differs from Normalize's:\n%+v\n%+v", dec, ev)
		}
		doc, err := ParseDocument(out)
		if err != nil {
			t.Fatalf("ParseDocument rejects Normalize's output: %v", err)
		}
		if back := doc.AppendTo(nil); !bytes.Equal(back, out) {
			t.Fatalf("untouched document changed:\n%q\n%q", out, back)
		}
		// A processing error added to a document opened on the view, which writes it without
		// parsing when it can, gives the bytes of the parsed document.
		opened := OpenDocument(string(out), ev)
		for _, d := range []*Document{doc, opened} {
			for _, url := range []string{"https://a.example/x.js", "b\u00e9\"\n"} {
				if err := d.AddProcessingError("js_no_source", []ErrorField{{Key: "url", Value: url}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if a, b := opened.AppendTo(nil), doc.AppendTo(nil); !bytes.Equal(a, b) {
			t.Fatalf("processing errors written differently:\n%q\n%q", a, b)
		}
		if a := opened.AppendTo(nil); opened.String() != string(a) || doc.String() != string(a) {
			t.Fatalf("String differs from AppendTo:\n%q\n%q", opened.String(), a)
		}
		again, _, err := Normalize(out, NormalizeOptions{ReceivedAt: opts.ReceivedAt, ClientIP: opts.ClientIP})
		if err != nil {
			t.Fatalf("Normalize rejects its own output: %v\n%q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("Normalize is not idempotent:\n%q\n%q\n%q", raw, out, again)
		}
		_ = RenderStacktrace(ev)
	})
}
