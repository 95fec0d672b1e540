package event

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	goflag "flag"
	"os"
	"regexp"
	"testing"
)

var updateGolden = goflag.Bool("update", false, "rewrite testdata/golden.jsonl.gz from the current code")

// goldenCase is one input the package has been given and what the code that wrote the golden
// file made of it. The inputs are every event the tests of this module passed to Normalize,
// Decode and ParseDocument, plus the fuzz corpus of FuzzNormalize; the expectations were written
// by the pointer-based tree this package had before its offsets-based one, so the rewrite is
// held to byte-identical output.
type goldenCase struct {
	Fn   string            // the call that was recorded: normalize, decode or document
	Raw  []byte            // the input
	Opts *NormalizeOptions `json:",omitempty"` // Normalize's options (normalize only)
	Want goldenResult      // what the input gave
}

type goldenResult struct {
	Normalized []byte `json:",omitempty"` // Normalize's JSON
	NormView   string `json:",omitempty"` // Normalize's typed view, as JSON
	NormErr    string `json:",omitempty"`
	RandomID   bool   `json:",omitempty"` // Normalize made up the event id
	DecodeView string `json:",omitempty"` // Decode(Raw)'s typed view, as JSON
	DecodeErr  string `json:",omitempty"`
	Document   []byte `json:",omitempty"` // ParseDocument(Raw) written back
	DocView    string `json:",omitempty"`
	DocErr     string `json:",omitempty"`
}

const goldenFile = "testdata/golden.jsonl.gz"

func viewJSON(t *testing.T, ev *Event) string {
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func runGolden(t *testing.T, c *goldenCase) goldenResult {
	var r goldenResult
	if c.Fn == "normalize" {
		out, ev, err := Normalize(c.Raw, *c.Opts)
		r.Normalized, r.NormErr = out, errText(err)
		if err == nil {
			r.NormView = viewJSON(t, ev)
			again, _, _ := Normalize(c.Raw, *c.Opts)
			r.RandomID = !bytes.Equal(again, out)
		}
	}
	ev, err := Decode(c.Raw)
	if r.DecodeErr = errText(err); err == nil {
		r.DecodeView = viewJSON(t, ev)
	}
	doc, err := ParseDocument(c.Raw)
	if r.DocErr = errText(err); err == nil {
		r.Document = doc.AppendTo(nil)
		r.DocView = viewJSON(t, doc.Event())
	}
	return r
}

// goldenCases reads goldenFile.
func goldenCases(t *testing.T) []goldenCase {
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c goldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	return cases
}

var eventIDPattern = regexp.MustCompile(`"event_id":"([0-9a-f]{32})"`)

// TestGolden holds Normalize, Decode and ParseDocument to the output recorded in goldenFile.
// An event id Normalize made up is random: it is taken from the golden output before comparing.
func TestGolden(t *testing.T) {
	cases := goldenCases(t)
	if *updateGolden {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		enc := json.NewEncoder(zw)
		for i := range cases {
			cases[i].Want = runGolden(t, &cases[i])
			if err := enc.Encode(&cases[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for i := range cases {
		c := &cases[i]
		got := runGolden(t, c)
		if c.Want.RandomID && got.RandomID {
			id := eventIDPattern.FindSubmatch(c.Want.Normalized)[1]
			gotID := eventIDPattern.FindSubmatch(got.Normalized)[1]
			got.Normalized = bytes.ReplaceAll(got.Normalized, gotID, id)
			got.NormView = string(bytes.ReplaceAll([]byte(got.NormView), gotID, id))
		}
		if !bytes.Equal(got.Normalized, c.Want.Normalized) || got.NormView != c.Want.NormView || got.NormErr != c.Want.NormErr {
			t.Errorf("case %d: Normalize(%q)\n got %q %s %q\nwant %q %s %q", i, c.Raw,
				got.Normalized, got.NormView, got.NormErr, c.Want.Normalized, c.Want.NormView, c.Want.NormErr)
		}
		if got.DecodeView != c.Want.DecodeView || got.DecodeErr != c.Want.DecodeErr {
			t.Errorf("case %d: Decode(%q)\n got %s %q\nwant %s %q", i, c.Raw, got.DecodeView, got.DecodeErr, c.Want.DecodeView, c.Want.DecodeErr)
		}
		if !bytes.Equal(got.Document, c.Want.Document) || got.DocView != c.Want.DocView || got.DocErr != c.Want.DocErr {
			t.Errorf("case %d: ParseDocument(%q)\n got %q %s %q\nwant %q %s %q", i, c.Raw,
				got.Document, got.DocView, got.DocErr, c.Want.Document, c.Want.DocView, c.Want.DocErr)
		}
	}
}
