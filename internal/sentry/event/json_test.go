package event

import "testing"

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
	tr := &tree{}
	if err := parseJSON(`{"us\u0065r":1,"a":2,"\u0061b":3,"\"":4,"user":5,"x\ty":6}`, maxInputDepth, tr); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"user": 4, "a": 1, "ab": 2, `"`: 3, "x\ty": 5, "us": -1, "b": -1, "": -1} {
		if got := tr.index(&tr.root, key); got != want {
			t.Errorf("index(%q) = %d, want %d", key, got, want)
		}
	}
	tr.del(&tr.root, "user") // the last "user"; the escaped one is found next
	if got := tr.index(&tr.root, "user"); got != 0 {
		t.Errorf("after del, index(user) = %d, want 0", got)
	}
}
