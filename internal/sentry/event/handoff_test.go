package event

import (
	"strings"
	"testing"
)

// TestSharedViewIsRecycledAfterItsLastHolder: a recyclable view's frames are reused only once
// the sharer has unshared it and every borrower has returned it, in whichever order they let go.
func TestSharedViewIsRecycledAfterItsLastHolder(t *testing.T) {
	raw := `{"exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[
		{"function":"caller","pre_context":["a","b"],"context_line":"c"},{"function":"callee"}]}}]}}`
	normalize := func() (string, *Event) {
		text, ev, err := Normalize([]byte(raw), NormalizeOptions{Recyclable: true})
		if err != nil {
			t.Fatal(err)
		}
		if ev.slabs == nil {
			t.Fatal("Recyclable gave a view without slabs")
		}
		return string(text), ev
	}
	frames := func(ev *Event) []Frame { return ev.Exceptions[0].Stacktrace.Frames }

	t.Run("borrower lets go last", func(t *testing.T) {
		text, ev := normalize()
		Share(text, ev)
		borrowed := Shared(text)
		if borrowed != ev {
			t.Fatalf("Shared gave %p, want the shared view %p", borrowed, ev)
		}
		Unshare(text)
		if Shared(text) != nil {
			t.Fatal("the view is still found after Unshare")
		}
		if ev.slabs == nil {
			t.Fatal("the view was recycled while a borrower held it")
		}
		_, other := normalize()
		if &frames(other)[0] == &frames(borrowed)[0] {
			t.Fatal("another view took the frames of a view still borrowed")
		}
		if fs := frames(borrowed); fs[0].Function != "caller" || strings.Join(fs[0].PreContext, "") != "ab" || fs[1].Function != "callee" {
			t.Fatalf("the borrowed view's frames changed: %+v", fs)
		}
		Return(borrowed)
		if ev.slabs != nil {
			t.Fatal("the view was not recycled after its last holder let go")
		}
	})
	t.Run("sharer lets go last", func(t *testing.T) {
		text, ev := normalize()
		Share(text, ev)
		Return(Shared(text))
		if ev.slabs == nil {
			t.Fatal("the view was recycled while shared")
		}
		Unshare(text)
		if ev.slabs != nil {
			t.Fatal("the view was not recycled after Unshare")
		}
	})
	t.Run("a view never shared is left to the collector", func(t *testing.T) {
		text, ev := normalize()
		if Shared(text) != nil {
			t.Fatal("found a view that was never shared")
		}
		if ev.slabs == nil {
			t.Fatal("an unshared view lost its slabs")
		}
	})
}

// TestSlabsHandOutSeparateFrames: the frames and context lines of one view's stack traces, and
// of views that share a slab, never overlap, however often the slab has to grow.
func TestSlabsHandOutSeparateFrames(t *testing.T) {
	var s viewSlabs
	var taken [][]Frame
	for n := range 40 {
		fs := s.takeFrames(n%7 + 1)
		if cap(fs) != len(fs) {
			t.Fatalf("frames with room past their end (len %d, cap %d): an append would overwrite a neighbour", len(fs), cap(fs))
		}
		for i := range fs {
			fs[i].Lineno = n
		}
		taken = append(taken, fs)
	}
	for n, fs := range taken {
		for _, f := range fs {
			if f.Lineno != n {
				t.Fatalf("take %d: frame overwritten by take %d", n, f.Lineno)
			}
		}
	}
	lines := s.takeLines(3)
	if len(lines) != 0 || cap(lines) != 3 {
		t.Fatalf("takeLines(3) gave len %d cap %d", len(lines), cap(lines))
	}
}
