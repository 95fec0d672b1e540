package harness

import (
	"strings"
	"testing"
)

// A free port that starts like another fixed address is not taken for it.
func TestMoveAddrsReplacesWholeAddressesOnly(t *testing.T) {
	config := "a: 127.0.0.1:4317\nb: 127.0.0.1:4318\nc: 127.0.0.1:43181\nd: 127.0.0.1:13133\ne: 127.0.0.1:4317\n"
	got, moved := MoveAddrs(t, config, FixedAddrs...)
	if strings.Contains(got, "127.0.0.1:4317\n") || strings.Contains(got, "127.0.0.1:4318\n") || strings.Contains(got, "127.0.0.1:13133\n") {
		t.Fatalf("a fixed address is left:\n%s", got)
	}
	if !strings.Contains(got, "c: 127.0.0.1:43181\n") {
		t.Fatalf("an address that only starts like a fixed one was changed:\n%s", got)
	}
	want := "a: " + moved["127.0.0.1:4317"] + "\nb: " + moved["127.0.0.1:4318"] + "\nc: 127.0.0.1:43181\nd: " +
		moved["127.0.0.1:13133"] + "\ne: " + moved["127.0.0.1:4317"] + "\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
