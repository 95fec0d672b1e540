package grouping

import "testing"

// builtinRuleCases go past issue 19's list: one input per family of built-in stack-trace rules
// and frame normalisations the reference describes (native, Cocoa, Unreal, Rust, crash
// reporters, Android/Java, JavaScript dependencies and telemetry, Dart on the web, Linux system
// paths), under both configs. The comment of each case says which rules decide it; where the
// configs differ, why.
var builtinRuleCases = []bothConfigs{
	{
		// Unreal Engine: an assertion handler is out of app with everything it calls
		// (-app ^-app), and its callers are in-app (v+app) without the SDK's word.
		name: "unreal assertion handlers and their callers", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "EXCEPTION_ACCESS_VIOLATION_READ", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "GuardedMain"}, {"function": "AcmeGame::Tick"},
		    {"function": "FDebug::CheckVerifyFailedImpl2"}, {"function": "FOutputDevice::LogfImpl"}]}}]}}`,
		want: map[string][]string{
			"app":    {"EXCEPTION_ACCESS_VIOLATION_READ", "GuardedMain", "AcmeGame::Tick"},
			"system": {"EXCEPTION_ACCESS_VIOLATION_READ", "GuardedMain", "AcmeGame::Tick", "FDebug::CheckVerifyFailedImpl2", "FOutputDevice::LogfImpl"},
		},
		want2023: map[string][]string{
			"app":    {"GuardedMain", "AcmeGame::Tick", "EXCEPTION_ACCESS_VIOLATION_READ"},
			"system": {"GuardedMain", "AcmeGame::Tick", "FDebug::CheckVerifyFailedImpl2", "FOutputDevice::LogfImpl", "EXCEPTION_ACCESS_VIOLATION_READ"},
		},
	},
	{
		// Rust: begin_panic and what it calls neither group nor are in-app; std:: and __rust_
		// functions are out of app.
		name: "rust panic machinery", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "panic", "value": "called unwrap on None",
		  "stacktrace": {"frames": [
		    {"function": "acme::main", "in_app": true}, {"function": "acme::parse", "in_app": true},
		    {"function": "std::panicking::begin_panic"}, {"function": "std::panicking::rust_panic_with_hook"},
		    {"function": "__rust_start_panic"}]}}]}}`,
		want:     map[string][]string{"app": {"panic", "acme::main", "acme::parse"}, "system": nil},
		want2023: map[string][]string{"app": {"acme::main", "acme::parse", "panic"}, "system": nil},
	},
	{
		// Crash reporters linked into a Cocoa app: Sentry's and KSCrash's own functions are
		// -app -group even when the SDK marked them in-app.
		name: "cocoa crash reporter frames", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSInternalInconsistencyException", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "-[AcmeFeedViewController reload]", "in_app": true},
		    {"function": "-[SentryCrashExceptionApplication reportException:]", "in_app": true},
		    {"function": "sentrycrashcm_handleException", "in_app": true},
		    {"function": "kscrash_monitor", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"NSInternalInconsistencyException", "-[AcmeFeedViewController reload]"}, "system": nil},
		want2023: map[string][]string{"app": {"-[AcmeFeedViewController reload]", "NSInternalInconsistencyException"}, "system": nil},
	},
	{
		// Breakpad's signal handler and what it calls do not group (^-group -group) and are
		// out of app; its caller, the crashing frame, does.
		name: "breakpad handler frames", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "acme::render", "in_app": true},
		    {"function": "google_breakpad::ExceptionHandler::SignalHandler", "in_app": true},
		    {"function": "google_breakpad::ExceptionHandler::WriteMinidumpWithException", "in_app": true},
		    {"function": "write_minidump_file"}]}}]}}`,
		want:     map[string][]string{"app": {"SIGSEGV", "acme::render"}, "system": nil},
		want2023: map[string][]string{"app": {"acme::render", "SIGSEGV"}, "system": nil},
	},
	{
		// Objective-C exceptions: _CFThrowFormattedException and objc_exception_throw are
		// category throw. 2026: throw frames and below are -group -app. 2023: only what is
		// below the first throw frame is ignored (^-group), and objc_exception_throw, called by
		// a throw frame, is an internal (-group); _CFThrowFormattedException itself groups.
		// -[__NSArrayM objectAtIndex:] is a system frame wedged between non-system frames:
		// indirection, -group in both.
		name: "objective-c throw frames", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSRangeException", "value": "index 3 beyond bounds",
		  "stacktrace": {"frames": [
		    {"function": "-[AcmeListController tableView:cellForRowAtIndexPath:]", "in_app": true},
		    {"function": "-[__NSArrayM objectAtIndex:]", "package": "CoreFoundation"},
		    {"function": "_CFThrowFormattedException", "package": "CoreFoundation"},
		    {"function": "objc_exception_throw", "package": "libobjc.A.dylib"}]}}]}}`,
		want: map[string][]string{"app": {"NSRangeException", "-[AcmeListController tableView:cellForRowAtIndexPath:]"}, "system": nil},
		want2023: map[string][]string{
			"app":    {"-[AcmeListController tableView:cellForRowAtIndexPath:]", "NSRangeException"},
			"system": {"-[AcmeListController tableView:cellForRowAtIndexPath:]", "_CFThrowFormattedException", "NSRangeException"},
		},
	},
	{
		// Android: Looper.loop and Handler.dispatchMessage are thread bases (-group v-group);
		// io.sentry is framework (-app) and does not group; kotlin. is out of app but groups.
		name: "android thread bases, sentry and kotlin frames", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "NoSuchElementException", "value": "List is empty.",
		  "stacktrace": {"frames": [
		    {"module": "android.os.Looper", "function": "loop"},
		    {"module": "android.os.Handler", "function": "dispatchMessage"},
		    {"module": "io.sentry.android.core.SentryGestureListener", "function": "onSingleTapUp", "in_app": true},
		    {"module": "com.acme.MainActivity", "function": "onClick", "in_app": true},
		    {"module": "kotlin.collections.CollectionsKt___CollectionsKt", "function": "first", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"NoSuchElementException", "com.acme.MainActivity", "onClick"},
			"system": {"NoSuchElementException", "com.acme.MainActivity", "onClick", "kotlin.collections.CollectionsKt___CollectionsKt", "first"},
		},
		want2023: map[string][]string{
			"app":    {"com.acme.MainActivity", "onClick", "NoSuchElementException"},
			"system": {"com.acme.MainActivity", "onClick", "kotlin.collections.CollectionsKt___CollectionsKt", "first", "NoSuchElementException"},
		},
	},
	{
		// Spring proxies: FastClass and serialization-constructor accessors lose their
		// generated parts.
		name: "java generated spring and serialization classes", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "IllegalArgumentException", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "sun.reflect.GeneratedSerializationConstructorAccessor41", "function": "newInstance"},
		    {"module": "com.acme.Billing$$FastClassBySpringCGLIB$$5f1e2d3c", "function": "invoke", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"IllegalArgumentException", "com.acme.Billing$$FastClassBySpringCGLIB$$<auto>", "invoke"},
			"system": {"IllegalArgumentException", "sun.reflect.GeneratedSerializationConstructorAccessor<auto>", "newInstance", "com.acme.Billing$$FastClassBySpringCGLIB$$<auto>", "invoke"},
		},
		want2023: map[string][]string{
			"app":    {"com.acme.Billing$$FastClassBySpringCGLIB$$<auto>", "invoke", "IllegalArgumentException"},
			"system": {"sun.reflect.GeneratedSerializationConstructorAccessor<auto>", "newInstance", "com.acme.Billing$$FastClassBySpringCGLIB$$<auto>", "invoke", "IllegalArgumentException"},
		},
	},
	{
		// Browser dependencies: CDN scripts are out of app; polyfills (core-js) and session
		// recorders (LogRocket) are out of app and do not group. URL frames group by function.
		name: "javascript cdn, polyfill and telemetry frames", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "https://cdn.jsdelivr.net/npm/lodash@4.17.21/lodash.min.js", "filename": "/npm/lodash@4.17.21/lodash.min.js", "function": "debounced", "in_app": true},
		    {"abs_path": "https://shop.example.com/static/app.js", "filename": "/static/app.js", "module": "core-js/internals/task", "function": "run", "in_app": true},
		    {"abs_path": "https://shop.example.com/static/LogRocket/logger.js", "filename": "/static/LogRocket/logger.js", "function": "wrapped", "in_app": true},
		    {"abs_path": "https://shop.example.com/static/app.js", "filename": "/static/app.js", "function": "submitOrder", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"TypeError", "submitOrder"},
			"system": {"TypeError", "debounced", "submitOrder"},
		},
		want2023: map[string][]string{
			"app":    {"submitOrder", "TypeError"},
			"system": {"debounced", "submitOrder", "TypeError"},
		},
	},
	{
		// Flutter web: the Dart SDK served as org-dartlang-sdk:/// is -app -group.
		name: "flutter web dart sdk frames", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "StateError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "org-dartlang-sdk:///dart-sdk/lib/_internal/js_runtime/lib/async_patch.dart", "filename": "async_patch.dart", "function": "_asyncStartSync", "in_app": true},
		    {"abs_path": "http://localhost:8080/main.dart.js", "filename": "main.dart.js", "function": "loadCart", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"StateError", "loadCart"}, "system": nil},
		want2023: map[string][]string{"app": {"loadCart", "StateError"}, "system": nil},
	},
	{
		// Linux system libraries: 2026 marks /usr/lib packages out of app on every platform,
		// 2023 only for native frames; a Go frame from /usr/lib keeps the SDK's in_app there.
		name: "system library paths outside native", platform: "go",
		event: `{"platform": "go", "exception": {"values": [{"type": "*errors.errorString", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "plugin/loader", "function": "Open", "abs_path": "/usr/lib/go-plugins/loader.go", "package": "/usr/lib/go-plugins/loader.so", "in_app": true},
		    {"module": "acme/cmd", "function": "main", "abs_path": "/src/acme/cmd/main.go", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"*errors.errorString", "acme/cmd", "main"},
			"system": {"*errors.errorString", "plugin/loader", "Open", "acme/cmd", "main"},
		},
		want2023: map[string][]string{
			"app":    {"plugin/loader", "Open", "acme/cmd", "main", "*errors.errorString"},
			"system": nil,
		},
	},
	{
		// Telemetry (crashpad) frames never group; 2026 also takes them out of app.
		name: "native telemetry frames", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGABRT", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "acme::flush", "in_app": true},
		    {"function": "crashpad::CrashpadClient::DumpWithoutCrash", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"SIGABRT", "acme::flush"}, "system": nil},
		want2023: map[string][]string{"app": {"acme::flush", "SIGABRT"}, "system": nil},
	},
	{
		// Threads: of several threads the single crashed one groups; its thread-entry frame is
		// a thread base in both configs.
		name: "threads the crashed thread of many", platform: "native",
		event: `{"platform": "native", "threads": {"values": [
		  {"id": 1, "current": true, "stacktrace": {"frames": [{"function": "event_loop", "in_app": true}]}},
		  {"id": 2, "crashed": true, "stacktrace": {"frames": [{"function": "_pthread_start"}, {"function": "decode_chunk", "in_app": true}]}},
		  {"id": 3, "stacktrace": {"frames": [{"function": "idle", "in_app": true}]}}]}}`,
		want:     map[string][]string{"app": {"decode_chunk"}, "system": nil},
		want2023: map[string][]string{"app": {"decode_chunk"}, "system": nil},
	},
	{
		// Templates: file name and failing line, in both configs.
		name: "templates group by file and line", platform: "ruby",
		event: `{"platform": "ruby", "logentry": {"formatted": "undefined method for nil"},
		  "template": {"filename": "app/views/orders/show.html.erb", "abs_path": "/srv/app/views/orders/show.html.erb", "context_line": "<%= @order.total %>", "lineno": 7}}`,
		want:     map[string][]string{"default": {"show.html.erb", "<%= @order.total %>"}},
		want2023: map[string][]string{"default": {"show.html.erb", "<%= @order.total %>"}},
	},
}

func TestBuiltinRuleFamiliesUnderBothConfigs(t *testing.T) { runBothConfigs(t, builtinRuleCases) }
