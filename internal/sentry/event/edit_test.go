package event

import (
	"reflect"
	"strings"
	"testing"
)

// recorder is an Editor that admits everything, narrows the event to rootOnly, and records the
// keys it is shown at the top level, in order.
type recorder struct {
	rootOnly []string
	depth    int
	seen     []string
}

func (r *recorder) Root() []string { return r.rootOnly }

func (r *recorder) Enter(key string, index int, kind ValueKind) (bool, []string) {
	if r.depth == 0 {
		r.seen = append(r.seen, key)
	}
	r.depth++
	return true, nil
}

func (r *recorder) Leave() { r.depth-- }

func (r *recorder) Edit(string, ValueKind, *Change) bool { return false }

// TestOnlyListsAreWalkedInTheirOrder checks the walk of an only list, long (found in one pass)
// and short (looked up key by key): its members in the list's order, a repeated key's values in
// the document's order, keys that share a slot of the one pass told apart.
func TestOnlyListsAreWalkedInTheirOrder(t *testing.T) {
	// gamma and eta, zeta and pi share a keySlot.
	if keySlot("gamma") != keySlot("eta") || keySlot("zeta") != keySlot("pi") {
		t.Fatal("the test's keys no longer share slots")
	}
	raw := `{"pi":1,"eta":2,"alpha":3,"zeta":4,"gamma":5,"beta":6,"x":7,"eta":8,"delta":9,"beta":10}`
	for _, c := range []struct {
		only []string
		want []string
	}{
		{[]string{"zeta", "eta", "gamma", "pi", "nu", "alpha"}, []string{"zeta", "eta", "eta", "gamma", "pi", "alpha"}},
		{[]string{"delta", "beta", "gamma", "zeta", "pi", "mu", "alpha"}, []string{"delta", "beta", "beta", "gamma", "zeta", "pi", "alpha"}},
		{[]string{"eta", "x"}, []string{"eta", "eta", "x"}},
		{[]string{"nu"}, nil},
	} {
		r := &recorder{rootOnly: c.only}
		if _, err := Edit([]byte(raw), r); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.seen, c.want) {
			t.Errorf("only %s: walked %v, want %v", strings.Join(c.only, ","), r.seen, c.want)
		}
	}
}
