package grouping

import "testing"

// bothConfigs is one input grouped under both configs Sentry runs: want under
// newstyle:2026-01-20 (ConfigFall2025) and want2023 under newstyle:2023-01-11. The leaves of
// each are reasoned from the reference notes as in groupingCase; where they differ only in the
// exception's child order (2023: stacktrace, type, ns_error, value; 2026: type, value, ns_error,
// stacktrace) the comment says so.
type bothConfigs struct {
	name, platform string
	stackRules     string
	fpRules        string
	event          string
	want, want2023 map[string][]string
	title, culprit string
}

func runBothConfigs(t *testing.T, cases []bothConfigs) {
	t.Helper()
	runGroupingCases(t, expandBothConfigs(cases))
}

func expandBothConfigs(cases []bothConfigs) []groupingCase {
	var expanded []groupingCase
	for _, c := range cases {
		expanded = append(expanded,
			groupingCase{name: "2026/" + c.name, platform: c.platform, config: ConfigFall2025, stackRules: c.stackRules, fpRules: c.fpRules,
				event: c.event, want: c.want, title: c.title, culprit: c.culprit},
			groupingCase{name: "2023/" + c.name, platform: c.platform, config: ConfigWinter2023, stackRules: c.stackRules, fpRules: c.fpRules,
				event: c.event, want: c.want2023, title: c.title, culprit: c.culprit})
	}
	return expanded
}

// causeCases are issue 19's numbered causes, each under both configs, with inputs of our own.
var causeCases = []bothConfigs{
	// Cause 1: exception groups. Duplicates are found by their grouping component: the two
	// children's values differ, but the stack trace makes the value non-contributing, so they
	// are one top-level exception, which is grouped alone (no chained_exception wrapper).
	{
		name: "1 exception group children with equal components collapse", platform: "python",
		event: `{"platform": "python", "exception": {"values": [
		  {"type": "ValueError", "value": "row 1 invalid", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "etl.rows", "function": "check", "in_app": true}]}},
		  {"type": "ValueError", "value": "row 2 invalid", "mechanism": {"type": "chained", "exception_id": 2, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "etl.rows", "function": "check", "in_app": true}]}},
		  {"type": "ExceptionGroup", "value": "2 rows", "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true},
		   "stacktrace": {"frames": [{"module": "etl.run", "function": "main", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"ValueError", "etl.rows", "check"}, "system": nil},
		want2023: map[string][]string{"app": {"etl.rows", "check", "ValueError"}, "system": nil},
		title:    "ValueError: row 2 invalid",
	},
	{
		// Duplicates are compared by the leaves that contribute (as Sentry hashes each
		// exception's components): values no placeholder unifies do not keep two children apart
		// when the stack trace makes them non-contributing.
		name: "1 exception group children differing only in ignored values collapse", platform: "python",
		event: `{"platform": "python", "exception": {"values": [
		  {"type": "ValueError", "value": "row alpha invalid", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "etl.rows", "function": "check", "in_app": true}]}},
		  {"type": "ValueError", "value": "row beta invalid", "mechanism": {"type": "chained", "exception_id": 2, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "etl.rows", "function": "check", "in_app": true}]}},
		  {"type": "ExceptionGroup", "value": "2 rows", "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true}}]}}`,
		want:     map[string][]string{"app": {"ValueError", "etl.rows", "check"}, "system": nil},
		want2023: map[string][]string{"app": {"etl.rows", "check", "ValueError"}, "system": nil},
	},
	{
		// Two distinct children: sorted by type descending, then the root group.
		name: "1 exception group distinct children are sorted and keep the root", platform: "python",
		event: `{"platform": "python", "exception": {"values": [
		  {"type": "KeyError", "value": "k", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "a", "function": "f", "in_app": true}]}},
		  {"type": "OSError", "value": "o", "mechanism": {"type": "chained", "exception_id": 2, "parent_id": 0},
		   "stacktrace": {"frames": [{"module": "b", "function": "g", "in_app": true}]}},
		  {"type": "ExceptionGroup", "value": "2", "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true},
		   "stacktrace": {"frames": [{"module": "c", "function": "h", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app": {"OSError", "b", "g", "KeyError", "a", "f", "ExceptionGroup", "c", "h"}, "system": nil},
		want2023: map[string][]string{
			"app": {"b", "g", "OSError", "a", "f", "KeyError", "c", "h", "ExceptionGroup"}, "system": nil},
	},
	{
		// A parent id that names no exception: the tree is malformed and used as listed.
		name: "1 exception group with a missing parent is grouped as listed", platform: "python",
		event: `{"platform": "python", "exception": {"values": [
		  {"type": "KeyError", "value": "k", "mechanism": {"type": "chained", "exception_id": 1, "parent_id": 7}},
		  {"type": "ExceptionGroup", "value": "g", "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true}}]}}`,
		want:     map[string][]string{"app": {"KeyError", "k", "ExceptionGroup", "g"}},
		want2023: map[string][]string{"app": {"KeyError", "k", "ExceptionGroup", "g"}},
	},

	// Cause 2: security reports, checksums and NSError have the same components in both configs.
	{
		name: "2 csp report", platform: "javascript",
		event: `{"platform": "javascript", "csp": {"effective_directive": "connect-src", "violated_directive": "connect-src 'self'",
		  "blocked_uri": "https://api.tracker.example:8443/collect?id=9"}}`,
		want:     map[string][]string{"default": {"connect-src", "api.tracker.example:8443"}},
		want2023: map[string][]string{"default": {"connect-src", "api.tracker.example:8443"}},
	},
	{
		name: "2 hpkp report", platform: "other",
		event:    `{"platform": "other", "hpkp": {"hostname": "pay.example.org", "port": 443}}`,
		want:     map[string][]string{"default": {"hpkp", "pay.example.org"}},
		want2023: map[string][]string{"default": {"hpkp", "pay.example.org"}},
	},
	{
		name: "2 expect-ct report", platform: "other",
		event:    `{"platform": "other", "expectct": {"hostname": "pay.example.org", "port": 443}}`,
		want:     map[string][]string{"default": {"expect-ct", "pay.example.org"}},
		want2023: map[string][]string{"default": {"expect-ct", "pay.example.org"}},
	},
	{
		// NSError without frames: type and the domain and code; the value yields to ns_error.
		name: "2 NSError without a stack trace", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSCocoaErrorDomain", "value": "The file could not be saved. (512)",
		  "mechanism": {"type": "NSError", "meta": {"ns_error": {"domain": "NSCocoaErrorDomain", "code": 512}}}}]}}`,
		want:     map[string][]string{"app": {"NSCocoaErrorDomain", "NSCocoaErrorDomain", "512"}},
		want2023: map[string][]string{"app": {"NSCocoaErrorDomain", "NSCocoaErrorDomain", "512"}},
	},
	{
		// NSError with an in-app frame: 2026 order type, ns_error, stacktrace; 2023 stacktrace,
		// type, ns_error.
		name: "2 NSError with a stack trace", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSCocoaErrorDomain", "value": "x",
		  "mechanism": {"type": "NSError", "meta": {"ns_error": {"domain": "NSCocoaErrorDomain", "code": 4}}},
		  "stacktrace": {"frames": [{"function": "-[AcmeStore save]", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"NSCocoaErrorDomain", "NSCocoaErrorDomain", "4", "-[AcmeStore save]"}, "system": nil},
		want2023: map[string][]string{"app": {"-[AcmeStore save]", "NSCocoaErrorDomain", "NSCocoaErrorDomain", "4"}, "system": nil},
	},

	// Cause 3: in-app decisions.
	{
		// Dart VM: Sentry's own packages are -app -group in both configs; dart: is -app under
		// 2026 (Dart SDK), and the client's in_app on it is overridden there.
		name: "3 dart SDK and sentry package frames", platform: "dart",
		event: `{"platform": "dart", "exception": {"values": [{"type": "StateError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "dart:async/zone.dart", "filename": "zone.dart", "function": "_rootRun"},
		    {"abs_path": "package:acme/orders.dart", "filename": "orders.dart", "function": "load", "in_app": true},
		    {"abs_path": "package:sentry/src/hub.dart", "filename": "hub.dart", "function": "captureException", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"StateError", "orders.dart", "load"},
			"system": {"StateError", "zone.dart", "_rootRun", "orders.dart", "load"},
		},
		want2023: map[string][]string{
			"app":    {"orders.dart", "load", "StateError"},
			"system": {"zone.dart", "_rootRun", "orders.dart", "load", "StateError"},
		},
	},
	{
		// iOS: the app binary in Containers/Bundle/Application is in-app without the SDK's word;
		// UIKit is not.
		name: "3 ios app bundle frames are in-app", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSRangeException", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "-[UIApplication sendEvent:]", "package": "/System/Library/PrivateFrameworks/UIKitCore.framework/UIKitCore"},
		    {"function": "-[AcmeCart checkout:]", "package": "/private/var/containers/Bundle/Application/9F8E/Acme.app/Acme"}]}}]}}`,
		want: map[string][]string{
			"app":    {"NSRangeException", "-[AcmeCart checkout:]"},
			"system": {"NSRangeException", "-[UIApplication sendEvent:]", "-[AcmeCart checkout:]"},
		},
		want2023: map[string][]string{
			"app":    {"-[AcmeCart checkout:]", "NSRangeException"},
			"system": {"-[UIApplication sendEvent:]", "-[AcmeCart checkout:]", "NSRangeException"},
		},
	},
	{
		// 2023's webpack: rule makes frames in-app only where the SDK did not decide: the
		// client's in_app false on App.js stands, util.js (unmarked) becomes in-app. 2026 has no
		// webpack rule: no in-app frame.
		name: "3 webpack rule keeps the client's in_app false", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "webpack:///./src/App.js", "filename": "./src/App.js", "function": "App", "in_app": false},
		    {"abs_path": "webpack:///./src/util.js", "filename": "./src/util.js", "function": "format"}]}}]}}`,
		want: map[string][]string{
			"app":    nil,
			"system": {"Error", "app.js", "App", "util.js", "format"},
		},
		want2023: map[string][]string{
			"app":    {"util.js", "format", "Error"},
			"system": {"app.js", "App", "util.js", "format", "Error"},
		},
	},

	// Cause 4: native and Cocoa built-in categories.
	{
		// threadbase: the thread entry and all callers are ignored in both configs.
		name: "4 native threadbase", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "EXC_BAD_ACCESS", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "start_wqthread", "package": "/usr/lib/system/libsystem_pthread.dylib"},
		    {"function": "_dispatch_worker_thread2", "package": "/usr/lib/system/libdispatch.dylib"},
		    {"function": "acme_worker", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"EXC_BAD_ACCESS", "acme_worker"}, "system": nil},
		want2023: map[string][]string{"app": {"acme_worker", "EXC_BAD_ACCESS"}, "system": nil},
	},
	{
		// indirection: a C++ functor call operator does not group; it stays out of app.
		name: "4 native indirection", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "acme::run_jobs()", "in_app": true},
		    {"function": "std::function<void ()>::operator()() const", "in_app": false},
		    {"function": "acme::job::execute()", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"SIGSEGV", "acme::run_jobs", "acme::job::execute"},
			"system": nil,
		},
		want2023: map[string][]string{
			"app":    {"acme::run_jobs", "acme::job::execute", "SIGSEGV"},
			"system": nil,
		},
	},
	{
		// free is not an allocator internal: it groups in system under both configs.
		name: "4 native free groups", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGABRT", "value": "x",
		  "stacktrace": {"frames": [{"function": "acme_release", "in_app": true}, {"function": "free", "package": "/usr/lib/system/libsystem_malloc.dylib"}]}}]}}`,
		want:     map[string][]string{"app": {"SIGABRT", "acme_release"}, "system": {"SIGABRT", "acme_release", "free"}},
		want2023: map[string][]string{"app": {"acme_release", "SIGABRT"}, "system": {"acme_release", "free", "SIGABRT"}},
	},
	{
		// sun.reflect.GeneratedMethodAccessorNNN: out of app (sun.* framework), but it groups
		// (no -group) under its normalised name.
		name: "4 java generated accessor groups", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "RuntimeException", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "jdk.internal.reflect.GeneratedMethodAccessor77", "function": "invoke"},
		    {"module": "com.acme.Task", "function": "call", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"RuntimeException", "com.acme.Task", "call"},
			"system": {"RuntimeException", "jdk.internal.reflect.GeneratedMethodAccessor", "invoke", "com.acme.Task", "call"},
		},
		want2023: map[string][]string{
			"app":    {"com.acme.Task", "call", "RuntimeException"},
			"system": {"jdk.internal.reflect.GeneratedMethodAccessor", "invoke", "com.acme.Task", "call", "RuntimeException"},
		},
	},
	{
		// A native frame without a function hashes its filename (kept), never its package.
		name: "4 native frame without function keeps its filename and no package", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "src/Decoder.cpp", "package": "/opt/acme/libdecode.so", "in_app": true},
		    {"function": "acme_decode", "filename": "decode.c", "package": "/opt/acme/libdecode.so", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"SIGSEGV", "decoder.cpp", "decode.c", "acme_decode"}, "system": nil},
		want2023: map[string][]string{"app": {"decoder.cpp", "decode.c", "acme_decode", "SIGSEGV"}, "system": nil},
	},

	// Cause 5: Objective-C names are never trimmed.
	{
		name: "5 objective-c block names are kept whole", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSGenericException", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "-[AcmeUploader start:]", "in_app": true},
		    {"function": "__46+[AcmeUploader retry:]_block_invoke_2", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"NSGenericException", "-[AcmeUploader start:]", "__46+[AcmeUploader retry:]_block_invoke_2"}, "system": nil},
		want2023: map[string][]string{"app": {"-[AcmeUploader start:]", "__46+[AcmeUploader retry:]_block_invoke_2", "NSGenericException"}, "system": nil},
	},

	// Cause 6: no module from http(s) URLs: a URL frame groups by function only.
	{
		name: "6 javascript url frames derive no module", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "https://cdn.example.com/assets/js/vendor.9a8b7c6d.js", "filename": "/assets/js/vendor.9a8b7c6d.js", "function": "emit", "in_app": false},
		    {"abs_path": "https://www.example.com/assets/js/app.1f2e3d4c.js", "filename": "/assets/js/app.1f2e3d4c.js", "function": "onSubmit", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"TypeError", "onSubmit"},
			"system": {"TypeError", "emit", "onSubmit"},
		},
		want2023: map[string][]string{
			"app":    {"onSubmit", "TypeError"},
			"system": {"emit", "onSubmit", "TypeError"},
		},
	},

	// Cause 7: a JavaScript Date string and a C asctime date are one <date> each.
	{
		name: "7 dates are one placeholder", platform: "python",
		event:    `{"platform": "python", "exception": {"values": [{"type": "SyncError", "value": "lock held since Wed Apr 17 22:31:45 2019 by job 12"}]}}`,
		want:     map[string][]string{"app": {"SyncError", "lock held since <date> by job <int>"}},
		want2023: map[string][]string{"app": {"SyncError", "lock held since <date> by job <int>"}},
	},
	{
		name: "7 dates in messages", platform: "javascript",
		event:    `{"platform": "javascript", "logentry": {"formatted": "cache expired Thu Dec 03 2026 10:15:00 GMT+0100 (Central European Standard Time)"}}`,
		want:     map[string][]string{"default": {"cache expired <date>"}},
		want2023: map[string][]string{"default": {"cache expired <date>"}},
	},

	// Events from real clients: captureMessage in @sentry/node 11 is a synthetic exception; its
	// type never contributes and its value yields to the frames; titled by the crash function.
	{
		name: "clients synthetic exception groups by its frames", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "queue 7 stalled",
		  "mechanism": {"type": "generic", "synthetic": true, "handled": true},
		  "stacktrace": {"frames": [{"module": "queue", "filename": "/srv/app/queue.js", "abs_path": "/srv/app/queue.js", "function": "drain", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"queue", "drain"}, "system": nil},
		want2023: map[string][]string{"app": {"queue", "drain"}, "system": nil},
		title:    "drain", culprit: "drain(queue)",
	},
	{
		// Without frames only the parameterised value of a synthetic exception counts.
		name: "clients synthetic exception without frames groups by its value", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "queue 7 stalled",
		  "mechanism": {"type": "generic", "synthetic": true}}]}}`,
		want:     map[string][]string{"app": {"queue <int> stalled"}},
		want2023: map[string][]string{"app": {"queue <int> stalled"}},
		title:    "<unknown>",
	},
}

func TestIssue19CausesUnderBothConfigs(t *testing.T) { runBothConfigs(t, causeCases) }
