package scrub

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// FuzzSelector checks that any selector text either fails to parse with an error or parses
// into a selector that can be matched without panicking.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"$string", "**", "$http.headers.x-custom-token", "$frame.vars", "extra.** && !extra.keep",
		"(a || b) && !c.'d.e'", "exception.values.0.value", "*.*.$number", "!(", "a..b", "'unterminated"} {
		f.Add(s)
	}
	levels := []level{{pos: posPII, kind: event.ObjectValue}, {pos: posPII, kind: event.ArrayValue, index: 0}, {pos: posPII, kind: event.StringValue}}
	keys := []string{"extra", "", "keep"}
	f.Fuzz(func(t *testing.T, text string) {
		sel, err := parseSelector(text)
		if err != nil {
			return
		}
		sel.specific()
		for i := range levels {
			sel.matches(levels[:i+1], keys[:i+1])
		}
	})
}

// FuzzScrub checks that scrubbing never fails an event Normalize accepts, always writes JSON,
// and never leaves a default-sensitive key's string value in the output.
func FuzzScrub(f *testing.F) {
	f.Add(`{"extra":{"password":"hunter2"},"request":{"headers":[["Authorization","Bearer x"]]}}`, "$string", "@creditcard:mask")
	f.Add(`{"exception":{"values":[{"value":"card 4242424242424242","stacktrace":{"frames":[{"vars":{"token":"t"}}]}}]}}`, "**", "@ip:hash")
	f.Add(`{"user":{"ip_address":"{{auto}}","email":"a@b.io"},"tags":[["k","v"]]}`, "$user.email", "@email:remove")
	f.Add(`{"logentry":{"formatted":"postgres://u:p@h/db 078-05-1120"}}`, "extra.** || $string", "@anything:replace")
	f.Fuzz(func(t *testing.T, raw, selector, rule string) {
		cfg := Config{ScrubDefaults: true, ScrubIPAddresses: true, Applications: map[string][]string{selector: {rule}}}
		s, err := Compile(cfg)
		custom := err == nil
		if !custom {
			// A bad rule is a configuration error; the defaults alone must still work.
			if s, err = Compile(Config{ScrubDefaults: true, ScrubIPAddresses: true}); err != nil {
				t.Fatal(err)
			}
		}
		_, _, perr := event.Normalize([]byte(raw), event.NormalizeOptions{ReceivedAt: received})
		ss := s.Session()
		out, _, err := event.Normalize([]byte(raw), event.NormalizeOptions{ReceivedAt: received, Editor: ss})
		ss.Release()
		if (perr == nil) != (err == nil) {
			t.Fatalf("scrubbing changed whether the event is accepted: %v vs %v", perr, err)
		}
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("scrubbed event is not JSON: %v\n%s", err, out)
		}
		if extra, ok := m["extra"].(map[string]any); ok && !custom {
			for k, v := range extra {
				if sv, ok := v.(string); ok && strings.Contains(strings.ToLower(k), "password") && sv != "[Filtered]" {
					t.Fatalf("extra.%s kept %q", k, sv)
				}
			}
		}
	})
}
