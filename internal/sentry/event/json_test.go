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
