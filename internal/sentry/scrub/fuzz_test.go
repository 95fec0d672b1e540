package scrub

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// FuzzSelector checks that any selector text either fails to parse with an error or parses
// into a selector that can be matched without panicking, and that a selector matching a path is
// reachable with the path's schema types (the walk skips what is not).
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"$string", "**", "$http.headers.x-custom-token", "$frame.vars", "extra.** && !extra.keep",
		"(a || b) && !c.'d.e'", "exception.values.0.value", "*.*.$number", "!(", "a..b", "'unterminated",
		"$frame.** && !$http.**", "$exception.*.$frame.data.**"} {
		f.Add(s)
	}
	levels := []level{{pos: posPII, kind: event.ObjectValue}, {pos: posPII, kind: event.ArrayValue, index: 0}, {pos: posPII, kind: event.StringValue}}
	keys := []string{"extra", "", "keep"}
	typed := []level{{types: typeException, kind: event.ObjectValue}, {types: typeStacktrace, kind: event.ObjectValue},
		{kind: event.ArrayValue}, {types: typeFrame, kind: event.ObjectValue, index: 1}, {kind: event.ObjectValue}, {kind: event.NumberValue}}
	typedKeys := []string{"exception", "stacktrace", "frames", "", "data", "keep"}
	f.Fuzz(func(t *testing.T, text string) {
		sel, err := parseSelector(text)
		if err != nil {
			return
		}
		sel.specific()
		for i := range levels {
			sel.matches(levels[:i+1], keys[:i+1])
		}
		for i := range typed {
			for j := i; j < len(typed); j++ {
				var seen uint16
				for _, l := range typed[i : j+1] {
					seen |= l.types
				}
				if sel.matches(typed[i:j+1], typedKeys[i:j+1]) && !sel.reachable(seen) {
					t.Fatalf("%q matches %v but is not reachable with types %b", text, typedKeys[i:j+1], seen)
				}
			}
		}
	})
}

// FuzzScrub checks that scrubbing never fails an event Normalize accepts, always writes JSON,
// never leaves a default-sensitive key's string value in the output, and writes the same bytes
// when the walk goes into every value as when it skips those no application can select.
func FuzzScrub(f *testing.F) {
	f.Add(`{"extra":{"password":"hunter2"},"request":{"headers":[["Authorization","Bearer x"]]}}`, "$string", "@creditcard:mask")
	f.Add(`{"exception":{"values":[{"value":"card 4242424242424242","stacktrace":{"frames":[{"vars":{"token":"t"}}]}}]}}`, "**", "@ip:hash")
	f.Add(`{"user":{"ip_address":"{{auto}}","email":"a@b.io"},"tags":[["k","v"]]}`, "$user.email", "@email:remove")
	f.Add(`{"logentry":{"formatted":"postgres://u:p@h/db 078-05-1120"}}`, "extra.** || $string", "@anything:replace")
	f.Add(`{"exception":{"values":[{"stacktrace":{"frames":[{"data":{"password":"p","x":[1,{"k":true}]}}]},"module":{"a":"b"}}]},"other":{"k":{"token":"t"}}}`, "$frame.data.** || other.**", "@anything:remove")
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
		// Skipping the values no rule can change changes nothing. The header's event_id
		// keeps an event without one from getting two random ones.
		const id = "0123456789abcdef0123456789abcdef"
		var walks [2][]byte
		apps := s.anyApps
		for i, all := range []bool{false, true} {
			s.walkAll, s.anyApps = all, apps || all
			ss := s.Session()
			walks[i], _, _ = event.Normalize([]byte(raw), event.NormalizeOptions{ReceivedAt: received, EventID: id, Editor: ss})
			ss.Release()
		}
		// With applications the walks go in the same order and write the same bytes; without,
		// _meta follows the only lists' order, and is compared as a value.
		if custom && !bytes.Equal(walks[0], walks[1]) || !custom && !sameEvent(t, walks[0], walks[1]) {
			t.Fatalf("the skipping walk wrote\n%s\nthe full walk\n%s", walks[0], walks[1])
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
