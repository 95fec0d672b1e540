package jsontext

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestStringEnd checks the word-at-a-time scan against a byte loop for every byte value at every
// position of a word and in the tail shorter than one.
func TestStringEnd(t *testing.T) {
	want := func(s string, i int) int {
		for i++; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"':
				return i
			case c == '\\' || c < 0x20:
				return ^i
			}
		}
		return ^len(s)
	}
	for n := 1; n <= 20; n++ {
		for pos := 1; pos < n; pos++ {
			for c := range 256 {
				b := make([]byte, n)
				b[0] = '"'
				for i := 1; i < n; i++ {
					b[i] = 'a' + byte(i%26)
				}
				b[pos] = byte(c)
				s := string(b)
				if got, want := stringEnd(s, 0), want(s, 0); got != want {
					t.Fatalf("stringEnd(%q, 0) = %d, want %d", s, got, want)
				}
			}
		}
	}
}

// TestIndexEscapedKeys checks that a key written with escapes is found by its text, and that
// the length check, made on the raw key, does not rule it out.
func TestIndexEscapedKeys(t *testing.T) {
	tr := &Tree{}
	if err := tr.Parse(`{"us\u0065r":1,"a":2,"\u0061b":3,"\"":4,"user":5,"x\ty":6}`, Options{}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"user": 4, "a": 1, "ab": 2, `"`: 3, "x\ty": 5, "us": -1, "b": -1, "": -1} {
		if got := tr.Index(tr.Root(), key); got != want {
			t.Errorf("Index(%q) = %d, want %d", key, got, want)
		}
	}
	tr.Del(tr.Root(), "user") // the last "user"; the escaped one is found next
	if got := tr.Index(tr.Root(), "user"); got != 0 {
		t.Errorf("after Del, Index(user) = %d, want 0", got)
	}
}

// joined is n copies of item (with {i} replaced by the copy's number) separated by commas.
func joined(item string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(item, "{i}", strconv.Itoa(i)))
	}
	return b.String()
}

func TestWideListsParseWhole(t *testing.T) {
	// Wider than spillNodes at two depths at once, and a sibling after each.
	inner := `[` + joined(`{i}`, 3*spillNodes+5) + `]`
	raw := `{"a":[` + inner + `,` + inner + `,{"k":[` + joined(`"s{i}"`, spillNodes+1) + `]}],"b":1}`
	tr := &Tree{}
	if err := tr.Parse(raw, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := string(tr.appendCompact(nil, tr.Root())); got != raw {
		t.Fatalf("node-by-node serialization differs from the input (%d vs %d bytes)", len(got), len(raw))
	}
	if n := len(tr.Kids(&tr.Kids(tr.Get(tr.Root(), "a"))[1])); n != 3*spillNodes+5 {
		t.Errorf("the second inner list has %d elements, want %d", n, 3*spillNodes+5)
	}
}

// TestRepairs checks what is repaired rather than rejected, and that the output is JSON.
func TestRepairs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"{\"a\":\"x\ty\"}", `{"a":"x\u0009y"}`},
		{`{"a":"\ud800x"}`, `{"a":"\ufffdx"}`},
		{"{\"a\":\"\xff\"}", "{\"a\":\"\uFFFD\"}"},
		{`[NaN, Infinity, -Infinity, 1]`, `[null,null,null,1]`},
		{` { "a" : [ 1 , "b" ] } `, `{"a":[1,"b"]}`},
	} {
		tr := &Tree{}
		if err := tr.Parse(tt.in, Options{}); err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := string(tr.AppendJSON(nil, tr.Root())); got != tt.want {
			t.Errorf("Parse(%q) writes %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{`{"a":1,}`, `[1,]`, `{"a":"\x41"}`, `1.2.3`, `inf`, `{'a':1}`, `[01]`, `{"a" 1}`, `"x`, `[1] 2`, ``} {
		if err := (&Tree{}).Parse(in, Options{}); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		}
	}
}

// FuzzParse checks that the tree and the Reader accept the same texts, that what the tree writes
// is valid JSON, and that copying a compact container's source writes what writing it node by
// node does.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5e3,"x\ny",{"b":null}],"c":true,"d":NaN}`))
	f.Add([]byte(`[{"k":"\ud83d\ude00"},"\u0000", -0, 1E+2]`))
	f.Add([]byte("{\"a\":\"raw\ttab\"}"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tr := &Tree{}
		treeErr := tr.Parse(string(raw), Options{MaxDepth: 16})
		var r Reader
		r.Reset(string(raw), 16)
		readOK := r.Skip() && r.End()
		if (treeErr == nil) != readOK {
			t.Fatalf("tree error %v, Reader error %v for %q", treeErr, r.Err(), raw)
		}
		if treeErr != nil {
			return
		}
		out := tr.AppendJSON(nil, tr.Root())
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("output is not valid JSON:\n%q\n%q", raw, out)
		}
		if want := tr.appendCompact(nil, tr.Root()); !bytes.Equal(out, want) {
			t.Fatalf("copied source text differs from the node-by-node serialization:\n%q\n%q", out, want)
		}
	})
}

// appendCompact serializes n node by node, never copying a container's source text: the
// reference that AppendJSON's copies must match.
func (t *Tree) appendCompact(dst []byte, n *Node) []byte {
	switch n.kind {
	case Object, Array:
		open, closing := byte('['), byte(']')
		if n.kind == Object {
			open, closing = '{', '}'
		}
		dst = append(dst, open)
		kids := t.Kids(n)
		for i := range kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			if n.kind == Object {
				dst = append(dst, '"')
				dst = append(dst, t.RawKey(&kids[i])...)
				dst = append(dst, '"', ':')
			}
			dst = t.appendCompact(dst, &kids[i])
		}
		return append(dst, closing)
	}
	return t.AppendJSON(dst, n)
}
