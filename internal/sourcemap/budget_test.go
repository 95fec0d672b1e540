package sourcemap

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// countingSource has no artifacts and counts the distinct URLs it was asked about.
type countingSource struct {
	mu   sync.Mutex
	urls map[string]bool
}

func (c *countingSource) ByDebugID(context.Context, string, string, Kind) (*File, error) {
	return nil, ErrNotFound
}

func (c *countingSource) ByURL(_ context.Context, _, _, _, name string) (*File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.urls[name] = true
	return nil, ErrNotFound
}

func TestAnEventResolvesAtMostMaxSourcesPerEventFiles(t *testing.T) {
	src := &countingSource{urls: map[string]bool{}}
	ev := &event.Event{Platform: "javascript", Release: "r1"}
	for e := range 3 {
		st := &event.Stacktrace{}
		for f := range 100 {
			st.Frames = append(st.Frames, event.Frame{AbsPath: fmt.Sprintf("https://cdn.example.com/%d/%d.js", e, f), Lineno: 1, Colno: 1})
		}
		ev.Exceptions = append(ev.Exceptions, event.Exception{Type: "Error", Stacktrace: st})
	}
	res := New(src, Options{}).SymbolicateEvent(context.Background(), "1", ev)
	tooMany := 0
	for _, e := range res.Errors {
		if e.Type == ErrTooManySources {
			tooMany++
		}
	}
	if tooMany != 1 {
		t.Errorf("%d %s errors, want exactly one for the event: %+v", tooMany, ErrTooManySources, res.Errors)
	}
	// The 101st file of the event and later are not looked up under any candidate name.
	for u := range src.urls {
		parts := strings.Split(u, "/")
		if len(parts) < 2 {
			continue
		}
		var e, f int
		if _, err := fmt.Sscanf(parts[len(parts)-2]+"/"+parts[len(parts)-1], "%d/%d.js", &e, &f); err == nil && e*100+f >= MaxSourcesPerEvent {
			t.Fatalf("%s, a file beyond the budget of %d, was looked up", u, MaxSourcesPerEvent)
		}
	}
	if len(src.urls) == 0 {
		t.Fatal("no file was looked up")
	}
}
