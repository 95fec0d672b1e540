package grouping

import "testing"

// frameFingerprintCases: frame components and fingerprint variables under both configs.
var frameFingerprintCases = []bothConfigs{
	{
		// JavaScript: a function-less frame on a URL (file: counts here) hashes no context
		// line, but file: is no URL origin for the filename, which counts; applewebdata: is one.
		name: "javascript context lines and URL origins", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "file:///Users/dev/app/index.html", "filename": "index.html", "context_line": "boot()", "in_app": true},
		    {"abs_path": "applewebdata://1234/app.js", "filename": "app.js", "function": "start", "context_line": "go()", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"Error", "index.html", "start", "go()"}, "system": nil},
		want2023: map[string][]string{"app": {"index.html", "start", "go()", "Error"}, "system": nil},
	},
	{
		// A +group rule restores a frame the JavaScript strategy turned off as low quality
		// (eval here), from its own components, on the hash-only path too.
		name: "javascript +group restores an eval frame", platform: "javascript",
		stackRules: "function:eval +group",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "https://shop.example/app.js", "filename": "app.js", "function": "eval", "in_app": true},
		    {"abs_path": "https://shop.example/app.js", "filename": "app.js", "function": "start", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"Error", "eval", "start"}, "system": nil},
		want2023: map[string][]string{"app": {"eval", "start", "Error"}, "system": nil},
	},
	{
		// C# hashes raw_function when the SDK sends one, signature included.
		name: "csharp raw function", platform: "csharp",
		event: `{"platform": "csharp", "exception": {"values": [{"type": "System.InvalidOperationException", "value": "x",
		  "stacktrace": {"frames": [{"module": "Acme.Orders", "function": "Load", "raw_function": "Acme.Orders.Load (System.Int32 id)", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"System.InvalidOperationException", "Acme.Orders", "Acme.Orders.Load (System.Int32 id)"}, "system": nil},
		want2023: map[string][]string{"app": {"Acme.Orders", "Acme.Orders.Load (System.Int32 id)", "System.InvalidOperationException"}, "system": nil},
	},
	{
		// Frame variables resolve on the crash frame (the last in-app one); package is the
		// basename; level and logger from the event.
		name: "fingerprint frame variables", platform: "python",
		event: `{"platform": "python", "level": "warning", "logger": "acme.jobs", "fingerprint": ["{{ function }}", "{{ module }}", "{{ package }}", "{{ level }}", "{{ logger }}", "{{ path }}"],
		  "exception": {"values": [{"type": "E", "value": "x", "stacktrace": {"frames": [
		    {"module": "acme.jobs", "function": "run", "package": "/srv/lib/acme.egg", "abs_path": "/srv/acme/jobs.py", "in_app": true},
		    {"module": "lib.util", "function": "helper", "package": "/srv/lib/util.egg", "abs_path": "/srv/lib/util.py"}]}}]}}`,
		want:     map[string][]string{"custom_client_fingerprint": {"run", "acme.jobs", "acme.egg", "warning", "acme.jobs", "/srv/acme/jobs.py"}, "app": nil, "system": nil},
		want2023: map[string][]string{"custom_fingerprint": {"run", "acme.jobs", "acme.egg", "warning", "acme.jobs", "/srv/acme/jobs.py"}, "app": nil, "system": nil},
	},
	{
		// Without frames or a transaction the variables resolve to <no-…>.
		name: "fingerprint missing function", platform: "python",
		event:    `{"platform": "python", "fingerprint": ["{{ function }}", "{{ transaction }}"], "logentry": {"formatted": "hi"}}`,
		want:     map[string][]string{"custom_client_fingerprint": {"<no-function>", "<no-transaction>"}, "default": nil},
		want2023: map[string][]string{"custom_fingerprint": {"<no-function>", "<no-transaction>"}, "default": nil},
	},
	{
		// {{ default }} is replaced in place by the variant's leaves.
		name: "hybrid fingerprint", platform: "python",
		event: `{"platform": "python", "fingerprint": ["{{ default }}", "tenant-7"], "exception": {"values": [{"type": "E", "value": "x", "stacktrace": {"frames": [
		    {"module": "acme.jobs", "function": "run", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"E", "acme.jobs", "run", "tenant-7"}, "system": nil},
		want2023: map[string][]string{"app": {"acme.jobs", "run", "E", "tenant-7"}, "system": nil},
	},
	{
		// Value and message variables: 2026 parameterises {{ value }}, {{ error.value }},
		// {{ message }} and a literal equal to the event's message; raw_* opt out. 2023
		// parameterises none of them.
		name: "fingerprint value and message variables", platform: "python",
		event: `{"platform": "python", "fingerprint": ["{{ value }}", "{{ raw_value }}", "{{ error.value }}", "{{ message }}", "{{ raw_message }}", "order 42 failed"],
		  "exception": {"values": [{"type": "E", "value": "order 42 failed"}]}}`,
		want: map[string][]string{"custom_client_fingerprint": {"order <int> failed", "order 42 failed", "order <int> failed",
			"order <int> failed", "order 42 failed", "order <int> failed"}, "app": nil},
		want2023: map[string][]string{"custom_fingerprint": {"order 42 failed", "order 42 failed", "order 42 failed",
			"order 42 failed", "order 42 failed", "order 42 failed"}, "app": nil},
	},
	{
		// "<anonymous function>" is no function name.
		name: "javascript anonymous function names", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"abs_path": "https://a.example/app.js", "filename": "/app.js", "function": "<anonymous function>", "in_app": true},
		    {"abs_path": "https://a.example/app.js", "filename": "/app.js", "function": "render", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"Error", "render"}, "system": nil},
		want2023: map[string][]string{"app": {"render", "Error"}, "system": nil},
	},

	{
		// Server rules: family and error.type on one rule, a variable and a title; the
		// variant is custom_server_fingerprint in 2026, custom_fingerprint in 2023.
		name: "server rule family title", platform: "javascript",
		fpRules:  `family:javascript error.type:TypeError -> js-type-errors, {{ transaction }} title="JS type error"`,
		event:    `{"platform": "javascript", "transaction": "/cart", "exception": {"values": [{"type": "TypeError", "value": "x"}]}}`,
		want:     map[string][]string{"custom_server_fingerprint": {"js-type-errors", "/cart"}, "app": nil},
		want2023: map[string][]string{"custom_fingerprint": {"js-type-errors", "/cart"}, "app": nil},
		title:    "JS type error",
	},
	{
		// sdk, release and message (case-insensitive) matchers.
		name: "server rule sdk release", platform: "python",
		fpRules:  "sdk:sentry.python release:2.* message:\"*timeout*\" -> timeouts",
		event:    `{"platform": "python", "release": "2.4.1", "sdk": {"name": "sentry.python", "version": "2.1.0"}, "logentry": {"formatted": "upstream Timeout after 30s"}}`,
		want:     map[string][]string{"custom_server_fingerprint": {"timeouts"}, "default": nil},
		want2023: map[string][]string{"custom_fingerprint": {"timeouts"}, "default": nil},
	},
	{
		// Another SDK: no match, the (parameterised) message groups.
		name: "server rule sdk mismatch", platform: "python",
		fpRules:  "sdk:sentry.javascript.* message:\"*timeout*\" -> timeouts",
		event:    `{"platform": "python", "release": "2.4.1", "sdk": {"name": "sentry.python", "version": "2.1.0"}, "logentry": {"formatted": "upstream Timeout after 30s"}}`,
		want:     map[string][]string{"default": {"upstream Timeout after <duration>"}},
		want2023: map[string][]string{"default": {"upstream Timeout after <duration>"}},
	},
}

func TestFramesAndFingerprintsUnderBothConfigs(t *testing.T) {
	runBothConfigs(t, frameFingerprintCases)
}
