package scrub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/faultline/faultline/internal/sentry/event"
)

// scrubWith normalizes raw with cfg's scrubber; walkAll makes it go into every value.
func scrubWith(t testing.TB, cfg Config, raw []byte, walkAll bool) ([]byte, error) {
	t.Helper()
	s, err := Compile(cfg)
	if err != nil {
		t.Fatalf("compile %+v: %v", cfg.Applications, err)
	}
	if walkAll {
		s.walkAll, s.anyApps = true, true
	}
	ss := s.Session()
	defer ss.Release()
	out, _, err := event.Normalize(raw, event.NormalizeOptions{ReceivedAt: received, Editor: ss})
	return out, err
}

// skipEvent has the values selectors can reach inside fields Sentry does not scrub: keys named
// like sensitive words and like selectors' keys, nested objects and arrays, under unknown
// top-level fields, frames, exceptions, breadcrumbs, threads, spans and the sdk.
const skipEvent = `{"event_id": "0123456789abcdef0123456789abcdef",
 "unknown": {"password": "p1", "token": ["t1", {"x-custom-token": "t2"}], "headers": {"x-custom-token": "t3", "a": [1, true, null]}},
 "other": [{"value": "v1", "vars": {"password": "p2"}, "deep": {"deeper": {"password": "p3", "n": 42}}}],
 "exception": {"values": [{"type": "E", "value": "secret v2", "module": {"password": "p4"},
   "mechanism": {"type": "generic", "data": {"password": "p5", "token": "t4"}},
   "stacktrace": {"frames": [
     {"function": "f", "filename": "/home/alice/app.js", "vars": {"password": "p6", "x": {"token": "t5"}},
      "pre_context": ["password = 1", "token"], "data": {"password": "p7", "headers": {"x-custom-token": "t6"}}},
     {"function": "g", "context_line": "4242424242424242", "post_context": [{"password": "p8"}]},
     {"vars": {"token": "t14"}, "lineno": 3, "vars": {"password": "p26"}}]}},
   {"stacktrace": {"frames": [{"vars": {"password": "p27"}}]}, "type": "F", "value": "secret v3", "raw_stacktrace": {"frames": [{"vars": {"token": "t15"}}]}}]},
 "threads": {"values": [{"id": 1, "name": "main", "stacktrace": {"frames": [{"function": "h", "vars": {"token": "t7"}, "module": {"password": "p9"}}]}, "state": {"password": "p10"}}]},
 "breadcrumbs": {"values": [{"message": "m token", "data": {"password": "p11", "url": "https://u:p@host/"}, "category": {"password": "p12"}, "extra": ["x", {"token": "t8"}]},
   {"data": {"token": "t13"}, "type": "http", "message": "password p24", "data": {"password": "p25"}}]},
 "spans": [{"op": "db", "data": {"password": "p13"}, "tags": {"password": "p14"}}],
 "request": {"url": "https://example.com/a?password=1&b=2", "headers": {"X-Custom-Token": "t9", "Cookie": "a=b"}, "env": {"REMOTE_ADDR": "192.0.2.1"}, "data": {"password": "p15"}},
 "user": {"id": "u1", "email": "a@example.com", "ip_address": "192.0.2.2", "data": {"password": "p16"}},
 "sdk": {"name": "s", "client_ip": "192.0.2.3", "packages": [{"name": "password", "version": "1"}], "settings": {"password": "p17"}},
 "contexts": {"os": {"name": "Linux"}, "custom": {"password": "p18", "list": [{"token": "t10"}]}},
 "extra": {"a": {"b": {"password": "p19"}}, "list": ["4242 4242 4242 4242", {"token": "t11"}]},
 "tags": [["password", "p20"], ["plain", "v"]],
 "logentry": {"formatted": "password p21", "params": [{"token": "t12"}]},
 "stacktrace": {"frames": [{"function": "top", "vars": {"password": "p22"}, "meta": {"password": "p23"}}]},
 "modules": {"password": "1.0"},
 "fingerprint": ["password", "{{ default }}"]
}`

// skipSelectors are selectors of every shape: keys, indexes, *, **, schema and JSON types, and
// their negations, conjunctions and alternatives.
var skipSelectors = []string{
	"password", "token", "x-custom-token", "**", "*", "**.password", "*.password", "**.token.**",
	"$string", "$number", "$boolean", "$array", "$object", "$object.password", "$array.*",
	"$http.headers.x-custom-token", "$http.**", "$http.headers.*", "$request.data.password",
	"$frame.vars.password", "$frame.**", "$frame.data.**", "$frame.*", "$frame.pre_context.0", "$stacktrace.**",
	"$exception.module.password", "$exception.mechanism.**", "$error.**", "$thread.**", "$thread.state.password",
	"$breadcrumb.category.password", "$breadcrumb.**", "$sdk.**", "$sdk.settings.password", "$user.**", "$user.data.password",
	"$logentry.params.**", "$message.**", "unknown.**", "unknown.headers.x-custom-token", "other.0.deep.**",
	"exception.values.0.module.password", "spans.0.tags.password", "sdk.packages.0.name", "modules.password",
	"fingerprint.0", "!$string", "!password", "$frame && password", "$frame.** && !$string", "password && !$frame.**",
	"$http.** || $frame.**", "($frame.** || unknown.**) && $string", "!($http.**) && token", "$sdk.** || $thread.** || modules.*",
	"$frame.vars.** && $http.**", "!$frame.** && !$http.**",
	// Selecting an object Sentry's schema names selects its members too.
	"frames.*", "frames.1", "exception.values.*", "breadcrumbs.values.0", "sdk", "threads.values.0.stacktrace",
	"$frame && frames.*", "stacktrace.frames.0",
}

// TestSkipsNothingARuleCouldMatch checks that the walk's skipping of values no application can
// select changes no output byte: every selector, with each rule and with and without the
// defaults, scrubs the events exactly as a walk that goes into every value does.
func TestSkipsNothingARuleCouldMatch(t *testing.T) {
	events := [][]byte{[]byte(skipEvent), referenceEvent(t)}
	for _, sel := range skipSelectors {
		for _, rule := range []string{"@anything:replace", "@anything:remove", "@password:filter", "@creditcard:mask", "@urlauth:hash"} {
			for _, base := range []Config{{}, {ScrubDefaults: true, ScrubIPAddresses: true}} {
				cfg := base
				cfg.Applications = map[string][]string{sel: {rule}}
				for i, raw := range events {
					got, err1 := scrubWith(t, cfg, raw, false)
					want, err2 := scrubWith(t, cfg, raw, true)
					if err1 != nil || err2 != nil {
						t.Fatalf("normalize: %v, %v", err1, err2)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("%s %s (defaults %v), event %d: the skipping walk wrote\n%s\nthe full walk\n%s", sel, rule, base.ScrubDefaults, i, got, want)
					}
				}
			}
		}
	}
}

// TestSkippedSelectorsStillMatch checks that the event above does exercise the skip: selectors
// reaching into fields Sentry does not scrub change them.
func TestSkippedSelectorsStillMatch(t *testing.T) {
	for _, c := range []struct{ sel, path string }{
		{"$frame.data.**", "exception.values.0.stacktrace.frames.0.data.password"},
		{"$thread.state.password", "threads.values.0.state.password"},
		{"$sdk.settings.password", "sdk.settings.password"},
		{"unknown.**", "unknown.token.1.x-custom-token"},
		{"**.password", "other.0.deep.deeper.password"},
		{"$exception.module.password", "exception.values.0.module.password"},
	} {
		m := scrubEvent(t, Config{Applications: map[string][]string{c.sel: {"@anything:replace"}}}, skipEvent)
		if got := at(m, c.path); got != "[Filtered]" {
			t.Errorf("%s: %s is %v", c.sel, c.path, got)
		}
	}
}

// TestReachable checks the selectors' reachability against their matching: a selector that
// matches a path is reachable with the path's types.
func TestReachable(t *testing.T) {
	types := []uint16{0, typeException, typeStacktrace, typeFrame, typeRequest, typeUser, typeLogEntry, typeThread, typeBreadcrumb, typeSDK}
	for _, text := range skipSelectors {
		sel, err := parseSelector(text)
		if err != nil {
			t.Fatal(err)
		}
		// Paths of up to three levels, each of one type (or none), ending in a posOther value.
		for _, a := range types {
			for _, b := range types {
				for _, c := range types {
					levels := []level{{types: a, kind: event.ObjectValue}, {types: b, kind: event.ObjectValue}, {types: c, kind: event.ObjectValue},
						{kind: event.ObjectValue}, {kind: event.StringValue}}
					keys := []string{"headers", "password", "token", "x-custom-token", "password"}
					for n := 1; n <= len(levels); n++ {
						seen := uint16(0)
						for _, l := range levels[:n] {
							seen |= l.types
						}
						if sel.matches(levels[:n], keys[:n]) && !sel.reachable(seen) {
							t.Errorf("%s matches %s with types %b but is not reachable", text, fmt.Sprint(keys[:n]), seen)
						}
					}
				}
			}
		}
	}
}

// TestDefaultsSkipNothing checks that the walk without applications, which reads only the
// fields Sentry scrubs (the scrubber's only lists, frames without vars left out), scrubs the
// events as a walk that goes into every value does. _meta is compared as a value: its members
// follow the walk's order, which differs.
func TestDefaultsSkipNothing(t *testing.T) {
	events := [][]byte{[]byte(skipEvent), referenceEvent(t)}
	for _, cfg := range []Config{
		{ScrubDefaults: true},
		{ScrubDefaults: true, ScrubIPAddresses: true},
		{ScrubIPAddresses: true},
		{SensitiveFields: []string{"custom", "Value"}},
		{ScrubDefaults: true, SensitiveFields: []string{"function"}, SafeFields: []string{"password", "url"}},
	} {
		for i, raw := range events {
			got, err1 := scrubWith(t, cfg, raw, false)
			want, err2 := scrubWith(t, cfg, raw, true)
			if err1 != nil || err2 != nil {
				t.Fatalf("normalize: %v, %v", err1, err2)
			}
			if !sameEvent(t, got, want) {
				t.Errorf("%+v, event %d: the skipping walk wrote\n%s\nthe full walk\n%s", cfg, i, got, want)
			}
		}
	}
}

// sameEvent reports whether a and b are the same event: the same members, byte for byte and
// in the same order, but for _meta, which must hold the same value: its members follow the
// walk's order. (Comparing whole events as values would miss a repeated key's earlier values,
// which decoding drops.)
func sameEvent(t testing.TB, a, b []byte) bool {
	t.Helper()
	ma, metaA := rootMembers(t, a)
	mb, metaB := rootMembers(t, b)
	return reflect.DeepEqual(ma, mb) && reflect.DeepEqual(metaA, metaB)
}

// rootMembers returns an event's members but _meta as "key=raw value", and _meta decoded.
func rootMembers(t testing.TB, event []byte) ([]string, any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(event))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, event)
	}
	var members []string
	var meta any
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, event)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("not a JSON object: %v\n%s", err, event)
		}
		if key == "_meta" {
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatal(err)
			}
			continue
		}
		members = append(members, key.(string)+"="+string(raw))
	}
	return members, meta
}
