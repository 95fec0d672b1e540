package jsontext

import (
	"bytes"
	"encoding/json"
	"os"
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

// TestSyntaxErrors pins where and why documents are rejected: the message and offset of each
// syntax error, at the default depth and, where that changes the error, at MaxDepth 2.
func TestSyntaxErrors(t *testing.T) {
	for _, tt := range []struct {
		in       string
		maxDepth int
		offset   int
		msg      string
	}{
		{"", 0, 0, "unexpected end of input"},
		{" ", 0, 1, "unexpected end of input"},
		{"\t\n", 0, 2, "unexpected end of input"},
		{"{", 0, 1, "unexpected end of input in object"},
		{"[", 0, 1, "unexpected end of input"},
		{"{ ", 0, 2, "unexpected end of input in object"},
		{"[ ", 0, 2, "unexpected end of input"},
		{"{\"a\"", 0, 4, "expected ':' after object key"},
		{"{\"a\" ", 0, 5, "expected ':' after object key"},
		{"{\"a\":", 0, 5, "unexpected end of input"},
		{"{\"a\": ", 0, 6, "unexpected end of input"},
		{"{\"a\":1", 0, 6, "unexpected end of input in object"},
		{"{\"a\":1 ", 0, 7, "unexpected end of input in object"},
		{"[1", 0, 2, "unexpected end of input in array"},
		{"[1 ", 0, 3, "unexpected end of input in array"},
		{"[1,", 0, 3, "unexpected end of input"},
		{"[1, ", 0, 4, "unexpected end of input"},
		{"{\"a\":1,}", 0, 7, "expected a string key, found character '}'"},
		{"[1,]", 0, 3, "unexpected character ']'"},
		{"{,}", 0, 1, "expected a string key, found character ','"},
		{"[,]", 0, 1, "unexpected character ','"},
		{"{\"a\" 1}", 0, 5, "expected ':' after object key"},
		{"{\"a\"1}", 0, 4, "expected ':' after object key"},
		{"{\"a\":1 \"b\":2}", 0, 7, "expected ',' or '}' in object, found character '\"'"},
		{"[1 2]", 0, 3, "expected ',' or ']' in array, found character '2'"},
		{"{\"a\":1]", 0, 6, "expected ',' or '}' in object, found character ']'"},
		{"[1}", 0, 2, "expected ',' or ']' in array, found character '}'"},
		{"{1:2}", 0, 1, "expected a string key, found character '1'"},
		{"{'a':1}", 0, 1, "expected a string key, found character '\\''"},
		{"{a:1}", 0, 1, "expected a string key, found character 'a'"},
		{"{\"a\":}", 0, 5, "unexpected character '}'"},
		{"{\"a\":,}", 0, 5, "unexpected character ','"},
		{"[tru]", 0, 1, "invalid literal, expected \"true\""},
		{"[fals]", 0, 1, "invalid literal, expected \"false\""},
		{"[nul]", 0, 1, "invalid literal, expected \"null\""},
		{"[True]", 0, 1, "unexpected character 'T'"},
		{"[NaX]", 0, 1, "invalid literal, expected \"NaN\""},
		{"[Inf]", 0, 1, "invalid literal, expected \"Infinity\""},
		{"[-Inf]", 0, 2, "invalid number: expected a digit"},
		{"[-]", 0, 2, "invalid number: expected a digit"},
		{"[-a]", 0, 2, "invalid number: expected a digit"},
		{"[01]", 0, 2, "expected ',' or ']' in array, found character '1'"},
		{"[1.]", 0, 3, "invalid number: expected a digit after '.'"},
		{"[1.e3]", 0, 3, "invalid number: expected a digit after '.'"},
		{"[1e]", 0, 3, "invalid number: expected a digit in the exponent"},
		{"[1e+]", 0, 4, "invalid number: expected a digit in the exponent"},
		{"[.5]", 0, 1, "unexpected character '.'"},
		{"[+1]", 0, 1, "unexpected character '+'"},
		{"[1.2.3]", 0, 4, "expected ',' or ']' in array, found character '.'"},
		{"[0x10]", 0, 2, "expected ',' or ']' in array, found character 'x'"},
		{"inf", 0, 0, "unexpected character 'i'"},
		{"[1] 2", 0, 4, "unexpected character '2' after the document"},
		{"{} {}", 0, 3, "unexpected character '{' after the document"},
		{"\"x", 0, 2, "unterminated string"},
		{"[\"x", 0, 3, "unterminated string"},
		{"{\"a\":\"x", 0, 7, "unterminated string"},
		{"{\"x", 0, 3, "unterminated string"},
		{"[\"\\x\"]", 0, 2, "invalid escape sequence in string"},
		{"[\"\\u12\"]", 0, 2, "invalid escape sequence in string"},
		{"[\"\\u12G4\"]", 0, 2, "invalid escape sequence in string"},
		{"{\"\\q\":1}", 0, 2, "invalid escape sequence in string"},
		{"[\"a\\", 0, 3, "invalid escape sequence in string"},
		{"[\"a\x01\"]x", 0, 6, "unexpected character 'x' after the document"},
		{"[\x01]", 0, 1, "unexpected byte 0x01"},
		{"{\x01:1}", 0, 1, "expected a string key, found byte 0x01"},
		{"[1\x01]", 0, 2, "expected ',' or ']' in array, found byte 0x01"},
		{"[1,,2]", 0, 3, "unexpected character ','"},
		{"{\"a\":1,,\"b\":2}", 0, 7, "expected a string key, found character ','"},
		{"{\"a\"::1}", 0, 5, "unexpected character ':'"},
		{"[[[]]", 0, 5, "unexpected end of input in array"},
		{"[[]]]", 0, 4, "unexpected character ']' after the document"},
		{"{\"a\":{\"b\":[}]}", 0, 11, "unexpected character '}'"},
		{"{\"a\":{\"b\":[}]}", 2, 12, "expected ',' or '}' in object, found character ']'"},
		{"[}", 0, 1, "unexpected character '}'"},
		{"{]", 0, 1, "expected a string key, found character ']'"},
		{"]", 0, 0, "unexpected character ']'"},
		{"}", 0, 0, "unexpected character '}'"},
		{":", 0, 0, "unexpected character ':'"},
		{",", 0, 0, "unexpected character ','"},
		{"[[[[[1]]]]]x", 0, 11, "unexpected character 'x' after the document"},
		{"[[[[[\"x]]]]]", 0, 12, "unterminated string"},
		{"{\"a\":[[[[{\"b\":\"\\z\"}]]]]}", 0, 15, "invalid escape sequence in string"},
		{"[[[[[", 0, 5, "unexpected end of input"},
		{"[[[[[", 2, 5, "unexpected end of input in a nested value"},
		{"[\"\xff\" 1]", 0, 7, "expected ',' or ']' in array, found character '1'"},
		{"[\"\\ud800\\u\"]", 0, 8, "invalid escape sequence in string"},
		{"[NaN,Infinity,-Infinity,-Infinit]", 0, 25, "invalid number: expected a digit"},
		{"{\"a\":1}x", 0, 7, "unexpected character 'x' after the document"},
		{"[1]]", 0, 3, "unexpected character ']' after the document"},
		{"nul", 0, 0, "invalid literal, expected \"null\""},
		{"t", 0, 0, "invalid literal, expected \"true\""},
		{"-", 0, 1, "invalid number: expected a digit"},
		{"\"\\u0000\"x", 0, 8, "unexpected character 'x' after the document"},
		{"1 1", 0, 2, "unexpected character '1' after the document"},
		{"[ 1 , 2 ,]", 0, 9, "unexpected character ']'"},
		{"{ \"a\" : 1 , }", 0, 12, "expected a string key, found character '}'"},
		{"{ \"a\" : 1 \"b\" }", 0, 10, "expected ',' or '}' in object, found character '\"'"},
		{"[\n1\n,\n]", 0, 6, "unexpected character ']'"},
		{"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,x]", 0, 49, "unexpected character 'x'"},
		{"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\\x\"}", 0, 66, "invalid escape sequence in string"},
		{"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" :\"b\"", 0, 39, "unexpected end of input in object"},
		{"[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 30, "unterminated string"},
		{"[123456789012345678901234567890e]", 0, 32, "invalid number: expected a digit in the exponent"},
	} {
		err := (&Tree{}).Parse(tt.in, Options{MaxDepth: tt.maxDepth})
		se, ok := err.(*SyntaxError)
		if !ok || se.Offset != tt.offset || se.Msg != tt.msg {
			t.Errorf("Parse(%q) at depth %d: %v, want offset %d: %s", tt.in, tt.maxDepth, err, tt.offset, tt.msg)
		}
	}
}

// FuzzValid compares what Parse accepts with encoding/json: every document json.Valid accepts
// is accepted, and one it rejects only for one of the repairs in the package doc (raw control
// characters, NaN and Infinity, or nesting cut at MaxDepth, inside which only the brackets and
// strings are checked).
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\ny",{"b":null}],"c":true}`, `[{"k":"\ud83d\ude00"},"\u0000", -0, 1E+2]`,
		"{\"a\":\"raw\ttab\"}", `[[[[[[[[[[1]]]]]]]]]]`, `[NaN]`, ` { "a" : [ ] } `, `{"a":1,}`, `[01]`, `"\x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		tr := &Tree{}
		err := tr.Parse(string(raw), Options{MaxDepth: 8})
		valid := json.Valid(raw)
		if valid && err != nil {
			t.Fatalf("json.Valid accepts %q, Parse: %v", raw, err)
		}
		repaired := tr.Shape.DeepCuts > 0 || tr.ownsText(tr.Root()) ||
			bytes.Contains(raw, []byte("NaN")) || bytes.Contains(raw, []byte("Infinity"))
		if !valid && err == nil && !repaired {
			t.Fatalf("json.Valid rejects %q, Parse accepts it", raw)
		}
	})
}

// ownsText reports whether n or a node in it holds a text the tree owns: after Parse, a string
// or key that was repaired.
func (t *Tree) ownsText(n *Node) bool {
	if n.flags&(rawOwned|keyOwned) != 0 {
		return true
	}
	kids := t.Kids(n)
	for i := range kids {
		if t.ownsText(&kids[i]) {
			return true
		}
	}
	return false
}

// BenchmarkParse parses the reference event (see the package doc) into a reused Tree.
func BenchmarkParse(b *testing.B) {
	env, err := os.ReadFile("../sentry/event/testdata/node-error.envelope")
	if err != nil {
		b.Fatal(err)
	}
	doc := strings.Split(string(env), "\n")[2]
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var tr Tree
	for b.Loop() {
		tr.Reset()
		if err := tr.Parse(doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAppendString checks the escaping against a byte loop for every byte value at every
// position of strings up to two and a half words long, alone and after another byte to escape,
// and escapeRaw against it.
func TestAppendString(t *testing.T) {
	want := func(s string) string {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	for n := 1; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := range 256 {
				for _, other := range []int{-1, (pos + 3) % n} {
					b := bytes.Repeat([]byte{'a'}, n)
					if other >= 0 && other != pos {
						b[other] = '\n'
					}
					b[pos] = byte(c)
					s := string(b)
					w := want(s)
					if got := string(AppendString([]byte("x"), s)); got != "x"+w {
						t.Fatalf("AppendString(%q) = %s, want %s", s, got[1:], w)
					}
					raw, esc := escapeRaw(s)
					if `"`+raw+`"` != w || esc != (raw != s) {
						t.Fatalf("escapeRaw(%q) = %q, %v; want %s", s, raw, esc, w)
					}
				}
			}
		}
	}
	if got := string(AppendString(nil, "")); got != `""` {
		t.Errorf("AppendString of the empty string = %s", got)
	}
}
