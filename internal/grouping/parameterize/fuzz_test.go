package parameterize

import (
	"strings"
	"testing"
)

// FuzzNormalize: messages come from untrusted events; the hand-written matchers must never
// panic, and placeholders must be stable (parameterizing twice changes nothing more).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"testing testing 1, 2, 3", "connect 2001:db8::ff00:42:8329 refused", "::", "1.2.3.4:80",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "Mon, 02 Jan 2006 15:04:05 GMT",
		"a@b.c", "https://x", "key='v' b=\"w\" c=True", "tx0123456789abcdef01234-0123456789", "-1.5s",
		"line\r\nline\n\n\nline", "datetime.datetime(2024, 1, 2)", "Monday, 02-Jan-06 15:04:05 MST",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Normalize(s, true)
		if strings.Count(once, "\n") > 1 {
			t.Errorf("trimmed message has more than two lines: %q", once)
		}
		_ = Replace(s)
	})
}
