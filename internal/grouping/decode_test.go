package grouping

import (
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// The processor groups what the receiver normalized. These events go through
// event.Normalize and event.Decode and must group exactly as the test reader's view does.
func TestNormalizedEventsGroupLikeTheirTestView(t *testing.T) {
	all := [][]groupingCase{pythonCases, javascriptCases, nodeCases, javaCases, goCases, csharpCases, rubyCases, phpCases, nativeCases, familyCases, securityCases, expandBothConfigs(causeCases), expandBothConfigs(builtinRuleCases), expandBothConfigs(frameFingerprintCases)}
	for _, cases := range all {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				g, err := New(Options{Config: c.config, StackTraceRules: c.stackRules, FingerprintRules: c.fpRules})
				if err != nil {
					t.Fatal(err)
				}
				normalized, _, err := event.Normalize([]byte(c.event), event.NormalizeOptions{})
				if err != nil {
					t.Fatalf("Normalize: %v", err)
				}
				ev, err := event.Decode(normalized)
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				got, _ := g.Group(ev)
				want, _ := g.Group(mustEvent(t, c.event))
				if !equalStrings(got.Hashes, want.Hashes) {
					gb, _ := got.MarshalJSON()
					t.Errorf("normalized event hashes %v, test view %v\nnormalized: %s\nresult: %s", got.Hashes, want.Hashes, normalized, gb)
				}
			})
		}
	}
}
