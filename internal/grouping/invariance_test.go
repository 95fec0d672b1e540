package grouping

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func primary(t *testing.T, opts Options, ev string) string {
	t.Helper()
	return group(t, opts, ev).Primary()
}

func TestSameBugWithVariablePartsInTheMessageGroupsTogether(t *testing.T) {
	// Without a stacktrace the exception value is hashed after parameterization, so every
	// variable part must disappear. Each pair differs only in the variable part.
	pairs := []struct{ name, a, b string }{
		{"ids", "user 1042 not found", "user 77 not found"},
		{"negative and decimal numbers", "balance -12.50 below limit 3", "balance -7.25 below limit 9"},
		{"uuids", "order 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed", "order 9b2c1f3e-1111-4a2b-8c3d-abcdefabcdef failed"},
		{"hex ids", "object 0x7ffee4b8a9c0 freed twice", "object 0x600003a4c120 freed twice"},
		{"long hex digests", "blob 5d41402abc4b2a76b9719d911017c592 missing", "blob 7d793037a0760186574b0282f2f435e7 missing"},
		{"ipv4 addresses", "connect 10.0.0.12:5432 refused", "connect 192.168.1.7:6543 refused"},
		{"ipv6 addresses", "connect [2001:db8::1] refused", "connect [fe80::a00:27ff:fe4e:66a1] refused"},
		{"iso timestamps", "job at 2024-01-15T10:20:30Z late", "job at 2025-11-02T23:59:01.123+02:00 late"},
		{"http dates", "expired Mon, 02 Jan 2006 15:04:05 GMT", "expired Tue, 17 Mar 2026 08:00:00 GMT"},
		{"durations", "query took 1500ms", "query took 27ms"},
		{"emails", "cannot notify jane@example.com", "cannot notify bob.smith@corp.example.org"},
		{"urls", "GET https://api.example.com/v1/orders/5 returned 502", "GET https://api.example.com/v1/orders/99 returned 503"},
		{"quoted values", "lookup failed key='tenant-a'", "lookup failed key='tenant-b'"},
		{"multi-line tails", "request failed\nretrying\nattempt 1", "request failed\nretrying\nattempt 2 of 5 at node b"},
	}
	for _, cfg := range Configs() {
		for _, p := range pairs {
			t.Run(cfg+" "+p.name, func(t *testing.T) {
				ev := func(v string) string {
					b, _ := json.Marshal(v)
					return `{"platform": "python", "exception": {"values": [{"type": "LookupError", "value": ` + string(b) + `}]}}`
				}
				ha, hb := primary(t, Options{Config: cfg}, ev(p.a)), primary(t, Options{Config: cfg}, ev(p.b))
				if ha != hb {
					t.Errorf("%q and %q group apart: %s vs %s", p.a, p.b, ha, hb)
				}
			})
			t.Run(cfg+" "+p.name+" as log message", func(t *testing.T) {
				ev := func(v string) string {
					b, _ := json.Marshal(v)
					return `{"platform": "python", "logentry": {"formatted": ` + string(b) + `}}`
				}
				if ha, hb := primary(t, Options{Config: cfg}, ev(p.a)), primary(t, Options{Config: cfg}, ev(p.b)); ha != hb {
					t.Errorf("%q and %q group apart: %s vs %s", p.a, p.b, ha, hb)
				}
			})
		}
	}
}

func TestSameThrowSiteWithDifferentMessagesGroupsTogether(t *testing.T) {
	// With a contributing stacktrace the value does not count at all.
	ev := func(msg string) string {
		return `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "` + msg + `",
		  "stacktrace": {"frames": [{"filename": "/srv/app/src/pay.js", "module": "pay", "function": "charge", "context_line": "throw new Error(msg)", "in_app": true}]}}]}}`
	}
	if a, b := primary(t, Options{}, ev("card 4242 declined")), primary(t, Options{}, ev("insufficient funds for order 77")); a != b {
		t.Errorf("same throw site groups apart: %s vs %s", a, b)
	}
}

func TestDifferentThrowSitesGroupApart(t *testing.T) {
	ev := func(function, line string) string {
		return `{"platform": "node", "exception": {"values": [{"type": "TypeError", "value": "Cannot read properties of undefined (reading 'id')",
		  "stacktrace": {"frames": [
		    {"filename": "/srv/app/src/server.js", "module": "server", "function": "handle", "context_line": "await route(req)", "in_app": true},
		    {"filename": "/srv/app/src/orders.js", "module": "orders", "function": "` + function + `", "context_line": "` + line + `", "in_app": true}]}}]}}`
	}
	for _, cfg := range Configs() {
		a := primary(t, Options{Config: cfg}, ev("loadOrder", "return order.id"))
		b := primary(t, Options{Config: cfg}, ev("loadCustomer", "return customer.id"))
		if a == b {
			t.Errorf("%s: two throw sites share hash %s", cfg, a)
		}
	}
}

func TestDeployThatOnlyRenamesHashedChunksKeepsTheHash(t *testing.T) {
	// Browser frames point at content-hashed bundles. The filename of a URL frame is ignored and
	// the module generated from the URL drops the chunk hash, so a redeploy keeps every issue.
	cases := []struct{ name, before, after, vendorBefore, vendorAfter string }{
		{"webpack 8-hex contenthash", "4f3a2b1c", "9c1d0e7f", "1a2b3c4d", "5e6f7a8b"},
		{"webpack 20-hex contenthash", "4f3a2b1c0d9e8f7a6b5c", "9c1d0e7f6a5b4c3d2e1f", "aaaaaaa1", "bbbbbbb2"},
	}
	for _, cfg := range Configs() {
		for _, c := range cases {
			t.Run(cfg+" "+c.name, func(t *testing.T) {
				a := group(t, Options{Config: cfg}, browserEvent(c.before, c.vendorBefore))
				b := group(t, Options{Config: cfg}, browserEvent(c.after, c.vendorAfter))
				if !equalStrings(a.Hashes, b.Hashes) {
					t.Errorf("hashes changed across deploy: %v vs %v", a.Hashes, b.Hashes)
				}
			})
		}
	}
	t.Run("symbolicated frames of main.4f3a2b.js and main.9c1d0e.js", func(t *testing.T) {
		// After symbolication the frames name original sources; only the minified bundle name in
		// data differs between deploys.
		ev := func(bundle string) string {
			return `{"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "x",
			  "stacktrace": {"frames": [{"abs_path": "webpack://shop/./src/cart.js", "filename": "./src/cart.js", "function": "addItem",
			    "context_line": "cart.items.push(item.id)", "in_app": true,
			    "data": {"sourcemap": "https://shop.example.com/static/js/` + bundle + `.map"}}]}}]}}`
		}
		if a, b := primary(t, Options{}, ev("main.4f3a2b.js")), primary(t, Options{}, ev("main.9c1d0e.js")); a != b {
			t.Errorf("hash changed across deploy: %s vs %s", a, b)
		}
	})
	t.Run("java proxy classes regenerated with new hex", func(t *testing.T) {
		if a, b := primary(t, Options{}, javaProxyEvent("1a2b3c4d")), primary(t, Options{}, javaProxyEvent("99887766")); a != b {
			t.Errorf("hash changed with regenerated proxy: %s vs %s", a, b)
		}
	})
}

func TestFingerprintParameterizationDiffersByConfig(t *testing.T) {
	// 2026 parameterizes a literal fingerprint entry equal to the raw message; 2023 does not.
	ev := func(n string) string {
		return `{"platform": "python", "fingerprint": ["job 12 failed"], "logentry": {"formatted": "job ` + n + ` failed"}}`
	}
	if a, b := primary(t, Options{}, ev("12")), primary(t, Options{}, ev("13")); a == b {
		t.Errorf("different literal fingerprints share a hash under 2026")
	}
	res := group(t, Options{}, ev("12"))
	if got := res.Variants["custom_client_fingerprint"].Values; !equalStrings(got, []string{"job <int> failed"}) {
		t.Errorf("2026 values = %q, want the parameterized raw message", got)
	}
	res = group(t, Options{Config: ConfigWinter2023}, ev("12"))
	if got := res.Variants["custom_fingerprint"].Values; !equalStrings(got, []string{"job 12 failed"}) {
		t.Errorf("2023 values = %q, want the literal", got)
	}
}

func TestResultJSONIsTheGroupContract(t *testing.T) {
	res := group(t, Options{}, `{"platform": "python", "exception": {"values": [{"type": "ValueError", "value": "bad id 7",
	  "stacktrace": {"frames": [{"module": "app", "function": "f", "in_app": true}, {"module": "lib", "function": "g", "in_app": false}]}}]}}`)
	b, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Config   string   `json:"config"`
		Hashes   []string `json:"hashes"`
		Variants map[string]struct {
			Hash        *string         `json:"hash"`
			Contributes bool            `json:"contributes"`
			Hint        *string         `json:"hint"`
			Tree        json.RawMessage `json:"tree"`
		} `json:"variants"`
		Title   string `json:"title"`
		Culprit string `json:"culprit"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b)
	}
	if got.Config != ConfigFall2025 || len(got.Hashes) != 2 || got.Hashes[0] != res.Variants["app"].Hash {
		t.Errorf("config/hashes wrong: %s", b)
	}
	if v := got.Variants["app"]; v.Hash == nil || !v.Contributes || len(v.Tree) == 0 {
		t.Errorf("app variant wrong: %s", b)
	}
	if got.Title != "ValueError: bad id 7" || got.Culprit != "app in f" {
		t.Errorf("title %q culprit %q", got.Title, got.Culprit)
	}
	for _, want := range []string{`"id":"frame","contributes":false,"hint":"marked out of app by the client"`, `"hint":"marked in-app by the client"`,
		`{"id":"value","contributes":false,"hint":"ignored because stacktrace takes precedence","values":["bad id <int>"]}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("tree lacks %s\n%s", want, b)
		}
	}
	// A variant that does not contribute has "hash": null.
	res = group(t, Options{}, `{"platform": "python", "fingerprint": ["x"], "exception": {"values": [{"type": "E", "value": "v"}]}}`)
	b, _ = res.MarshalJSON()
	if !strings.Contains(string(b), `"app":{"type":"component","hash":null,"contributes":false,"hint":"ignored because custom client fingerprint takes precedence"`) {
		t.Errorf("non-contributing variant not null: %s", b)
	}
}

func TestExplanationTreeCarriesRuleHints(t *testing.T) {
	res := group(t, Options{StackTraceRules: "function:helper -group"}, `{"platform": "python", "exception": {"values": [{"type": "E", "value": "v",
	  "stacktrace": {"frames": [
	    {"module": "__main__", "filename": "<string>", "function": "<module>", "context_line": "spawn_main(tracker_fd=5, pipe_handle=7)", "in_app": true},
	    {"module": "multiprocessing.spawn", "function": "spawn_main"},
	    {"module": "app", "function": "helper", "in_app": true},
	    {"module": "app", "function": "work", "in_app": true}]}}]}}`)
	b, _ := res.MarshalJSON()
	for _, want := range []string{
		`"hint":"ignored by stack trace rule (function:helper -group)"`,
		`"hint":"ignored by built-in stack trace rule (category:internals -app -group)"`,
		`"spawn_main(tracker_fd=<int>, pipe_handle=<int>)"`,
		`"hint":"non app frame"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("tree lacks %s\n%s", want, b)
		}
	}
}

func TestTitleTruncatesTheFirstLineOfTheValue(t *testing.T) {
	long := strings.Repeat("a", 150)
	res := group(t, Options{}, `{"platform": "go", "exception": {"values": [{"type": "E", "value": "`+long+`\nsecond line"}]}}`)
	if want := "E: " + strings.Repeat("a", 100) + "…"; res.Title != want {
		t.Errorf("title = %q, want %q", res.Title, want)
	}
	res = group(t, Options{FingerprintRules: `error.type:E -> e title="E in {{ transaction }}"`}, `{"platform": "go", "transaction": "/x", "exception": {"values": [{"type": "E", "value": "v"}]}}`)
	if res.Title != "E in /x" {
		t.Errorf("rule title = %q", res.Title)
	}
	res = group(t, Options{}, `{"platform": "go", "request": {"url": "https://x.example/a"}, "exception": {"values": [{"type": "E", "value": "v"}]}}`)
	if res.Culprit != "https://x.example/a" {
		t.Errorf("culprit without frames = %q, want the request URL", res.Culprit)
	}
}

func TestNewRejectsBadRulesNamingTheLine(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown config", Options{Config: "legacy:2019-03-12"}, `grouping config "legacy:2019-03-12" is not supported`},
		{"unknown stack-trace matcher", Options{StackTraceRules: "# ok\nfoo:bar +app"}, `stack-trace rules line 2 ("foo:bar +app"): unknown matcher "foo"`},
		{"stack-trace rule without action", Options{StackTraceRules: "function:x"}, `line 1 ("function:x"): a rule needs at least one action`},
		{"bad flag action", Options{StackTraceRules: "function:x +bogus"}, `unknown flag action "+bogus"`},
		{"bad max-frames", Options{StackTraceRules: "family:native max-frames=lots"}, `max-frames wants a non-negative integer, not "lots"`},
		{"unknown family", Options{StackTraceRules: "family:cobol -app"}, `unknown family "cobol"`},
		{"removed invert-stacktrace", Options{StackTraceRules: "family:native invert-stacktrace=1"}, `invert-stacktrace is no longer supported`},
		{"unterminated quote", Options{StackTraceRules: `function:"x -app`}, `unterminated quoted value`},
		{"fingerprint rule without arrow", Options{FingerprintRules: "\n\nerror.type:X"}, `fingerprint rules line 3 ("error.type:X"): missing "->"`},
		{"unknown fingerprint matcher", Options{FingerprintRules: "colour:red -> x"}, `unknown matcher "colour"`},
		{"fingerprint rule without values", Options{FingerprintRules: "error.type:X -> "}, `at least one fingerprint value`},
		{"unknown attribute", Options{FingerprintRules: `error.type:X -> a colour="red"`}, `unknown attribute "colour"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestGroupDoesNotModifyTheEvent(t *testing.T) {
	ev := mustEvent(t, browserEvent("4f3a2b1c", "1a2b3c4d"))
	before, _ := json.Marshal(ev)
	g, _ := New(Options{})
	if _, err := g.Group(ev); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(ev)
	if string(before) != string(after) {
		t.Errorf("event changed:\n%s\n%s", before, after)
	}
}

func TestExceptionGroupsKeepTheDistinctLeafExceptions(t *testing.T) {
	// RFC 0079 tree: root group 0 with two identical ValueErrors → one remains, no chain wrapper.
	ev := `{"platform": "python", "exception": {"values": [
	  {"type": "ValueError", "value": "bad", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0}},
	  {"type": "ValueError", "value": "bad", "mechanism": {"type": "chained", "exception_id": 2, "parent_id": 0}},
	  {"type": "ExceptionGroup", "value": "many", "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true}}]}}`
	res := group(t, Options{}, ev)
	if want := md5Leaves([]string{"ValueError", "bad"}); res.Primary() != want {
		b, _ := json.Marshal(res)
		t.Errorf("primary = %s, want md5(ValueError+bad) %s\n%s", res.Primary(), want, b)
	}
	// Two different leaves: both plus the root group, chained; same-type leaves come in the
	// tree's order, which lists later exceptions first.
	ev = strings.Replace(ev, `"value": "bad", "mechanism": {"type": "chained", "exception_id": 2`, `"value": "worse", "mechanism": {"type": "chained", "exception_id": 2`, 1)
	res = group(t, Options{}, ev)
	if want := md5Leaves([]string{"ValueError", "worse", "ValueError", "bad", "ExceptionGroup", "many"}); res.Primary() != want {
		t.Errorf("primary = %s, want %s", res.Primary(), want)
	}
}

func TestGroupIsSafeForConcurrentUse(t *testing.T) {
	g, err := New(Options{StackTraceRules: "family:javascript function:dispatch -group"})
	if err != nil {
		t.Fatal(err)
	}
	events := []string{browserEvent("4f3a2b1c", "1a2b3c4d"), event20Frames(), webpackEvent, pythonSpawnEvent}
	want := make([]string, len(events))
	for i, e := range events {
		res, _ := g.Group(mustEvent(t, e))
		want[i] = res.Primary()
	}
	done := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func(w int) {
			for k := 0; k < 200; k++ {
				i := (w + k) % len(events)
				res, err := g.Group(mustEvent(t, events[i]))
				if err != nil || res.Primary() != want[i] {
					done <- fmt.Errorf("event %d: primary %s, want %s (%v)", i, res.Primary(), want[i], err)
					return
				}
			}
			done <- nil
		}(w)
	}
	for w := 0; w < 8; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
