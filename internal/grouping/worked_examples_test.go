package grouping

import (
	"testing"
)

// The research notes (reference/sentry-grouping.md §6.1, §7.3) quote hashes from Sentry's own
// snapshots; these tests assert them byte for byte.

func TestWorkedExamplesFromSentrySnapshotsHashExactly(t *testing.T) {
	pythonBase := `{"platform": "python", "exception": {"values": [
	  {"type": "ValueError", "value": "hello world", "module": "foo.bar",
	   "stacktrace": {"frames": [{"filename": "foo/baz.py", "lineno": 1, "in_app": true}]}},
	  {"type": "ValueError", "value": "hello world", "module": "foo.bar",
	   "stacktrace": {"frames": [{"filename": "foo/baz.py", "lineno": 1, "in_app": false}]}}]}}`
	cases := []struct {
		name   string
		config string
		event  string
		want   map[string]string // variant → hash; "" means null
		hashes []string
	}{
		{
			// app = md5("ValueError"+"baz.py"+"ValueError"+"hello world"): the first exception's
			// in-app frame contributes, so its value is dropped; the second has no in-app frame,
			// so its stacktrace does not contribute and its value does.
			// system = md5("ValueError"+"baz.py"+"ValueError"+"baz.py").
			name: "python chained exception under 2026 orders type, value, stacktrace", config: ConfigFall2025, event: pythonBase,
			want:   map[string]string{"app": "beb01c07d991f36b9da1e90fc7169ad8", "system": "8c527d091797ca91a535be7b461e5059"},
			hashes: []string{"beb01c07d991f36b9da1e90fc7169ad8", "8c527d091797ca91a535be7b461e5059"},
		},
		{
			// Same leaves in 2023's order stacktrace, type, value:
			// app = md5("baz.py"+"ValueError"+"ValueError"+"hello world").
			name: "python chained exception under 2023 orders stacktrace, type, value", config: ConfigWinter2023, event: pythonBase,
			want: map[string]string{"app": "c52ebcc2d9d0780a23c7d99831678830", "system": "669cb6664e0f5fed38665da04e464f7e"},
		},
		{
			// Hybrid fingerprint: md5(type + value + "dogs are great"); no system variant
			// because the exception has no stacktrace.
			name: "a hybrid fingerprint salts the app variant", config: ConfigFall2025,
			event: `{"fingerprint": ["{{ default }}", "dogs are great"], "platform": "javascript",
			  "sdk": {"name": "sentry.javascript.nextjs"},
			  "exception": {"values": [{"type": "FailedToFetchError", "value": "FailedToFetchError: Charlie didn't bring the ball back!"}]}}`,
			want: map[string]string{"app": "e3d593b4335190212ca7c18b8e967fb1"},
		},
		{
			// 2026 parameterizes {{ message }}: md5("FailedToFetchError: Charlie didn't bring <int> balls back!" + "dogs are great").
			name: "a custom fingerprint with {{ message }} is parameterized under 2026", config: ConfigFall2025,
			event: `{"fingerprint": ["{{ message }}", "dogs are great"], "platform": "javascript",
			  "exception": {"values": [{"type": "FailedToFetchError", "value": "FailedToFetchError: Charlie didn't bring 2 balls back!"}]}}`,
			want:   map[string]string{"custom_client_fingerprint": "b31e899e08ed071ee0534f28745910d0", "app": ""},
			hashes: []string{"b31e899e08ed071ee0534f28745910d0"},
		},
		{
			// 2023 keeps the raw message: md5("FailedToFetchError: Charlie didn't bring 2 balls back!" + "dogs are great").
			name: "a custom fingerprint with {{ message }} stays raw under 2023", config: ConfigWinter2023,
			event: `{"fingerprint": ["{{ message }}", "dogs are great"], "platform": "javascript",
			  "exception": {"values": [{"type": "FailedToFetchError", "value": "FailedToFetchError: Charlie didn't bring 2 balls back!"}]}}`,
			want: map[string]string{"custom_fingerprint": "69d81763f9ec386fc0c0607ef62cabfa", "app": ""},
		},
		{
			// default = md5("Hello there world!"): logentry.formatted when there is no template.
			name: "a log message uses formatted when there is no template", config: ConfigFall2025,
			event: `{"logentry": {"formatted": "Hello there world!"}}`,
			want:  map[string]string{"default": "329b29efcf1f77067a063e34f56e7791"},
		},
		{
			// default = md5("testing testing <int>, <int>, <int>").
			name: "a javascript message is parameterized", config: ConfigWinter2023,
			event: `{"platform": "javascript", "logentry": {"formatted": "testing testing 1, 2, 3"}}`,
			want:  map[string]string{"default": "f9e47f16e3b9770b440157179c47bf7a"},
		},
		{
			// system = md5("foo.py"+"foo bar"): the function is ignored because a sourcemap was
			// used and a context line is available; app is null (no in-app frames).
			name: "a sourcemapped javascript frame hashes its context line instead of its function", config: ConfigFall2025,
			event: `{"platform": "javascript", "stacktrace": {"frames": [{"filename": "foo.py", "function": "bar",
			  "context_line": "foo bar", "data": {"sourcemap": "http://example.com/foo.js.map"}}]}}`,
			want: map[string]string{"system": "60e0a667027bef0d0b7c4882891df7e8", "app": ""},
		},
		{
			// 2026: a lone function-less frame without a URL is ignored, nothing contributes:
			// fallback md5("").
			name: "a single non-URL javascript frame falls back under 2026", config: ConfigFall2025,
			event:  `{"platform": "javascript", "stacktrace": {"frames": [{"filename": "foo.js", "abs_path": "foo.js", "lineno": 1}]}}`,
			want:   map[string]string{"app": "", "system": "", "fallback": "d41d8cd98f00b204e9800998ecf8427e"},
			hashes: []string{"d41d8cd98f00b204e9800998ecf8427e"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := group(t, Options{Config: c.config}, c.event)
			checkHashes(t, res, c.want, c.hashes)
		})
	}
}

func group(t testing.TB, opts Options, ev string) *Result {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	res, err := g.Group(mustEvent(t, ev))
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	return res
}

func checkHashes(t *testing.T, res *Result, want map[string]string, hashes []string) {
	t.Helper()
	for name, h := range want {
		v, ok := res.Variants[name]
		if !ok {
			t.Errorf("variant %q missing; have %v", name, variantNames(res))
			continue
		}
		if v.Hash != h {
			t.Errorf("variant %q hash = %q, want %q", name, v.Hash, h)
		}
	}
	if len(want) > 0 {
		for name := range res.Variants {
			if _, ok := want[name]; !ok {
				t.Errorf("unexpected variant %q (hash %q)", name, res.Variants[name].Hash)
			}
		}
	}
	if hashes != nil && !equalStrings(res.Hashes, hashes) {
		t.Errorf("hashes = %v, want %v", res.Hashes, hashes)
	}
	if t.Failed() {
		b, _ := res.MarshalJSON()
		t.Logf("result: %s", b)
	}
}

func variantNames(res *Result) []string {
	var out []string
	for n := range res.Variants {
		out = append(out, n)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
