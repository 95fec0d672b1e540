package grouping

import (
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// FuzzGroup: any event the receiver accepts must group without panicking, under both configs,
// with and without trees, and Group and GroupHashes must agree.
func FuzzGroup(f *testing.F) {
	for _, cases := range [][]groupingCase{pythonCases, javascriptCases, nodeCases, javaCases, goCases, csharpCases, rubyCases, phpCases, nativeCases} {
		for _, c := range cases {
			f.Add([]byte(c.event))
		}
	}
	var groupers []*Grouper
	for _, cfg := range Configs() {
		g, err := New(Options{Config: cfg, StackTraceRules: "[ function:a ] | function:b | [ function:c ] ^-group v+app\nfamily:native max-frames=3 min-frames=2",
			FingerprintRules: "message:*x* -> {{ default }}, {{ message }}, {{ function }}, {{ tags.t }}"})
		if err != nil {
			f.Fatal(err)
		}
		groupers = append(groupers, g)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		normalized, _, err := event.Normalize(raw, event.NormalizeOptions{})
		if err != nil {
			return
		}
		ev, err := event.Decode(normalized)
		if err != nil {
			return
		}
		for _, g := range groupers {
			full, err := g.Group(ev)
			if err != nil {
				t.Fatal(err)
			}
			lite, _ := g.GroupHashes(ev)
			if !equalStrings(full.Hashes, lite.Hashes) || len(full.Hashes) == 0 {
				t.Fatalf("Group %v vs GroupHashes %v", full.Hashes, lite.Hashes)
			}
			if _, err := full.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
