package fingerprint

import (
	"testing"
)

func TestParseReadsValuesVariablesAndTitle(t *testing.T) {
	rs, err := Parse(`# comment
error.type:"Foo Error" -> "a, b", {{ transaction }}, plain title="Custom: {{ type }}"`)
	if err != nil {
		t.Fatal(err)
	}
	r := rs.rules[0]
	want := []string{"a, b", "{{ transaction }}", "plain"}
	if len(r.Fingerprint) != 3 || r.Fingerprint[0] != want[0] || r.Fingerprint[1] != want[1] || r.Fingerprint[2] != want[2] {
		t.Errorf("fingerprint = %q, want %q", r.Fingerprint, want)
	}
	if r.Title != "Custom: {{ type }}" {
		t.Errorf("title = %q", r.Title)
	}
}

func TestMatchersHoldForTheSameExceptionOrFrame(t *testing.T) {
	rs, err := Parse("error.type:A error.value:*two* -> x\nstack.function:f stack.module:m.* app:yes -> y")
	if err != nil {
		t.Fatal(err)
	}
	ev := &Event{Exceptions: []Exception{{Type: "A", Value: "one"}, {Type: "B", Value: "TWO"}}}
	if r := rs.Match(ev); r != nil {
		t.Errorf("type and value from different exceptions matched %q", r)
	}
	ev.Exceptions[1].Type = "A"
	if r := rs.Match(ev); r == nil || r.Fingerprint[0] != "x" {
		t.Errorf("same exception should match (value is case-insensitive)")
	}
	ev = &Event{Frames: []Frame{{Function: "f", Module: "m.x", InApp: false}}}
	if r := rs.Match(ev); r != nil {
		t.Errorf("app:yes must not match an out-of-app frame")
	}
	ev.Frames[0].InApp = true
	if r := rs.Match(ev); r == nil || r.Fingerprint[0] != "y" {
		t.Errorf("frame rule should match")
	}
}

func TestBuiltinRulesCoverChunkLoadAndHydrationErrors(t *testing.T) {
	ev := &Event{Family: "javascript", Exceptions: []Exception{{Type: "Error", Value: "ChunkLoadError: Loading chunk 7 failed"}}}
	if r := Builtin().Match(ev); r == nil || r.Fingerprint[0] != "chunkloaderror" || !r.Builtin() {
		t.Errorf("chunk load value not matched: %v", r)
	}
	ev = &Event{Family: "other", Exceptions: []Exception{{Type: "ChunkLoadError"}}}
	if r := Builtin().Match(ev); r != nil {
		t.Errorf("built-in JS rules must not match other platforms")
	}
	ev = &Event{Family: "javascript", Messages: []string{"Hydration failed because the initial UI does not match what was rendered on the server."},
		Tag: func(k string) (string, bool) { return "/home", k == "transaction" }}
	if r := Builtin().Match(ev); r == nil || r.Fingerprint[0] != "hydrationerror" {
		t.Errorf("hydration message not matched: %v", r)
	}
}
