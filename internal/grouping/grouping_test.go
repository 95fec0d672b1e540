package grouping

import (
	"strings"
	"testing"
)

// groupingCase is one event grouped under one config. Expected hashes are derived, not copied:
// want lists, per variant, the contributing leaves in tree order, and the test hashes their
// concatenation with md5 exactly as §5 of the research notes describes. A nil list means the
// variant exists with a null hash. Each case's comment says why those leaves contribute.
type groupingCase struct {
	name       string
	platform   string // for the coverage count; the event says the same
	config     string // "" = default (newstyle:2026-01-20)
	stackRules string
	fpRules    string
	event      string
	want       map[string][]string
	order      []string // variant names in the order of Result.Hashes, when it matters
	title      string
	culprit    string
}

func md5Leaves(leaves []string) string { return hashStrings(leaves) }

func runGroupingCases(t *testing.T, cases []groupingCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := group(t, Options{Config: c.config, StackTraceRules: c.stackRules, FingerprintRules: c.fpRules}, c.event)
			want := map[string]string{}
			for name, leaves := range c.want {
				if leaves == nil {
					want[name] = ""
				} else {
					want[name] = md5Leaves(leaves)
				}
			}
			var hashes []string
			for _, name := range c.order {
				hashes = append(hashes, want[name])
			}
			checkHashes(t, res, want, hashes)
			// GroupHashes must agree with Group on everything but the trees.
			g, _ := New(Options{Config: c.config, StackTraceRules: c.stackRules, FingerprintRules: c.fpRules})
			lite, err := g.GroupHashes(mustEvent(t, c.event))
			if err != nil || !equalStrings(lite.Hashes, res.Hashes) || lite.Title != res.Title || lite.Culprit != res.Culprit {
				t.Errorf("GroupHashes = %v %q %q, Group = %v %q %q (%v)", lite.Hashes, lite.Title, lite.Culprit, res.Hashes, res.Title, res.Culprit, err)
			}
			if lite.Variants != nil || lite.Metadata != res.Metadata {
				t.Errorf("GroupHashes: variants %v (want none), metadata %+v, Group's %+v", lite.Variants, lite.Metadata, res.Metadata)
			}
			if c.title != "" && res.Title != c.title {
				t.Errorf("title = %q, want %q", res.Title, c.title)
			}
			if c.culprit != "" && res.Culprit != c.culprit {
				t.Errorf("culprit = %q, want %q", res.Culprit, c.culprit)
			}
		})
	}
}

var pythonCases = []groupingCase{
	{
		// Python frames hash module, function and the whitespace-collapsed context line; the
		// filename yields to the module. app has only the in-app frame; the value is dropped
		// because the stacktrace contributes.
		name: "python frames hash module, function and context line", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "ZeroDivisionError", "value": "division by zero",
		  "stacktrace": {"frames": [
		    {"module": "django.core.handlers.base", "filename": "django/core/handlers/base.py", "function": "get_response", "context_line": "response = wrapped(request)", "in_app": false},
		    {"module": "app.views", "filename": "app/views.py", "function": "index", "context_line": "    return 1/0", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"ZeroDivisionError", "app.views", "index", "return 1/0"},
			"system": {"ZeroDivisionError", "django.core.handlers.base", "get_response", "response = wrapped(request)", "app.views", "index", "return 1/0"},
		},
		order: []string{"app", "system"}, title: "ZeroDivisionError: division by zero", culprit: "app.views in index",
	},
	{
		// Built-in rule path:**/site-packages/** -app overrides the SDK's in_app=true.
		name: "python site-packages frames are out of app even when the SDK says otherwise", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "ConnectionError", "value": "boom",
		  "stacktrace": {"frames": [
		    {"module": "svc.client", "function": "fetch", "abs_path": "/srv/svc/client.py", "in_app": true},
		    {"module": "requests.api", "function": "get", "abs_path": "/venv/lib/python3.11/site-packages/requests/api.py", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"ConnectionError", "svc.client", "fetch"},
			"system": {"ConnectionError", "svc.client", "fetch", "requests.api", "get"},
		},
		culprit: "svc.client in fetch",
	},
	{
		// Without a stacktrace the (parameterized) value contributes; only the app variant exists.
		name: "python exception without stacktrace groups by type and parameterized value", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "KeyError", "value": "id 12345 missing"}]}}`,
		want:  map[string][]string{"app": {"KeyError", "id <int> missing"}},
	},
	{
		// The message strategy prefers the template (logentry.message) to the formatted text.
		name: "python log message groups by its template", platform: "python",
		event: `{"platform": "python", "logentry": {"message": "Login failed for %s", "formatted": "Login failed for bob"}}`,
		want:  map[string][]string{"default": {"Login failed for %s"}}, title: "Login failed for bob",
	},
	{
		// 2026: <module> whose callee is spawn_main is category internals → -app -group.
		name: "python multiprocessing bootstrap frame is an ignored internal under 2026", platform: "python",
		event: pythonSpawnEvent,
		want: map[string][]string{
			"app":    {"ValueError", "worker", "run", "raise ValueError(x)"},
			"system": {"ValueError", "multiprocessing.spawn", "spawn_main", "exitcode = _main(fd, parent_sentinel)", "worker", "run", "raise ValueError(x)"},
		},
	},
	{
		// 2023 has no internals rule: the in-app <module> frame and its raw context line count;
		// 2023 order is stacktrace, type.
		name: "python multiprocessing bootstrap frame counts under 2023", platform: "python", config: ConfigWinter2023,
		event: pythonSpawnEvent,
		want: map[string][]string{
			"app": {"__main__", "<module>", "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=12, pipe_handle=31)",
				"worker", "run", "raise ValueError(x)", "ValueError"},
			"system": {"__main__", "<module>", "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=12, pipe_handle=31)",
				"multiprocessing.spawn", "spawn_main", "exitcode = _main(fd, parent_sentinel)", "worker", "run", "raise ValueError(x)", "ValueError"},
		},
	},
	{
		// The second of two identical adjacent frames is ignored due to recursion; app and
		// system then hash the same, so system is not stored twice.
		name: "python direct recursion counts once and system defers to an equal app hash", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "RecursionError", "value": "maximum recursion depth exceeded",
		  "stacktrace": {"frames": [
		    {"module": "app.tree", "function": "walk", "lineno": 10, "in_app": true},
		    {"module": "app.tree", "function": "walk", "lineno": 10, "in_app": true},
		    {"module": "app.tree", "function": "visit", "lineno": 20, "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"RecursionError", "app.tree", "walk", "app.tree", "visit"},
			"system": nil,
		},
		order: []string{"app"},
	},
	{
		// A synthetic mechanism's type is not meaningful: only the value contributes.
		name: "python synthetic exception type does not contribute", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "SIGSEGV", "value": "Segfault", "mechanism": {"type": "signalhandler", "synthetic": true}}]}}`,
		want:  map[string][]string{"app": {"Segfault"}},
	},
	{
		// Only the first two non-blank lines of a message count, marked with "...".
		name: "python multi-line message is trimmed to two lines", platform: "python",
		event: `{"platform": "python", "logentry": {"formatted": "line one\n\nline two\nline 3"}}`,
		want:  map[string][]string{"default": {"line one\nline two..."}},
	},
	{
		// A project rule path:**/myproject/** +app makes SDK-unflagged frames in-app.
		name: "python project rule marks frames in-app by path", platform: "python",
		stackRules: "path:**/myproject/** +app",
		event: `{"platform": "python", "exception": {"values": [{"type": "TypeError", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "lib.util", "function": "helper", "abs_path": "/opt/lib/util.py"},
		    {"module": "myproject.jobs", "function": "run_job", "abs_path": "/srv/myproject/jobs.py"}]}}]}}`,
		want: map[string][]string{
			"app":    {"TypeError", "myproject.jobs", "run_job"},
			"system": {"TypeError", "lib.util", "helper", "myproject.jobs", "run_job"},
		},
	},
	{
		// min-frames=3 discards stacktraces with 1–2 contributing frames: both variants fall
		// back to type+value and the equal system hash is dropped.
		name: "python min-frames discards a too short stacktrace", platform: "python",
		stackRules: "family:other min-frames=3",
		event: `{"platform": "python", "exception": {"values": [{"type": "TypeError", "value": "bad operand",
		  "stacktrace": {"frames": [{"module": "a", "function": "f", "in_app": true}, {"module": "b", "function": "g", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"TypeError", "bad operand"}, "system": nil},
	},
}

const pythonSpawnEvent = `{"platform": "python", "exception": {"values": [{"type": "ValueError", "value": "x",
  "stacktrace": {"frames": [
    {"module": "__main__", "filename": "<string>", "function": "<module>", "context_line": "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=12, pipe_handle=31)", "in_app": true},
    {"module": "multiprocessing.spawn", "filename": "spawn.py", "function": "spawn_main", "context_line": "exitcode = _main(fd, parent_sentinel)", "in_app": false},
    {"module": "worker", "filename": "worker.py", "function": "run", "context_line": "raise ValueError(x)", "in_app": true}]}}]}}`

var javascriptCases = []groupingCase{
	{
		// URL frames: the filename is ignored (URL origin) and grouping derives no module from
		// the URL (only symbolication does, from the original source): the functions count.
		name: "javascript URL frames group by function", platform: "javascript",
		event: browserEvent("4f3a2b1c", "1a2b3c4d"),
		want: map[string][]string{
			"app":    {"TypeError", "handleClick"},
			"system": {"TypeError", "dispatch", "handleClick"},
		},
		title: "TypeError: Cannot read properties of undefined (reading 'id')", culprit: "handleClick(/static/js/main.4f3a2b1c.js)",
	},
	{
		// javascript (not node) strips the query string from filenames before hashing.
		name: "javascript query strings are stripped from filenames", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"filename": "app.js?v=123", "abs_path": "/app.js?v=123", "function": "init", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "app.js", "init"}, "system": nil},
	},
	{
		// Only the last "." segment of a JS function counts; <anonymous> is an unknown name.
		name: "javascript functions are trimmed and unknown names ignored", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "a.js", "function": "Foo.prototype.bar", "in_app": true},
		    {"filename": "b.js", "function": "<anonymous>", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "a.js", "bar", "b.js"}, "system": nil},
	},
	{
		// Frames in [native code] are low-quality and ignored whole.
		name: "javascript native code frames are ignored", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "[native code]", "abs_path": "[native code]", "function": "Array.forEach", "in_app": false},
		    {"filename": "c.js", "function": "run", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "c.js", "run"}, "system": nil},
	},
	{
		// 2023 drops a lone function-less frame only when it HAS a URL: this one has none and
		// hashes its filename (bare stacktrace, no in-app frame so app is null).
		name: "javascript single non-URL frame still counts under 2023", platform: "javascript", config: ConfigWinter2023,
		event: `{"platform": "javascript", "stacktrace": {"frames": [{"filename": "foo.js", "abs_path": "foo.js", "lineno": 1}]}}`,
		want:  map[string][]string{"app": nil, "system": {"foo.js"}},
	},
	{
		// 2023's inverted condition drops a lone function-less URL frame: fallback.
		name: "javascript single URL frame is dropped under 2023", platform: "javascript", config: ConfigWinter2023,
		event: `{"platform": "javascript", "stacktrace": {"frames": [{"module": "foo", "filename": "foo.js", "abs_path": "http://example.com/foo.js", "lineno": 1}]}}`,
		want:  map[string][]string{"app": nil, "system": nil, "fallback": {}},
	},
	{
		// 2026 keeps a lone function-less URL frame: its module "foo" (from symbolication) counts.
		name: "javascript single URL frame counts under 2026", platform: "javascript",
		event: `{"platform": "javascript", "stacktrace": {"frames": [{"module": "foo", "filename": "foo.js", "abs_path": "http://example.com/foo.js", "lineno": 1}]}}`,
		want:  map[string][]string{"app": nil, "system": {"foo"}},
	},
	{
		// A javascript module that is just the tail of abs_path is a bad guess: the filename counts.
		name: "javascript bad module falls back to filename", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"module": "src/app", "abs_path": "/srv/src/app", "filename": "src/app.js", "function": "render", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "app.js", "render"}, "system": nil},
	},
	{
		// Built-in fingerprint rule: every ChunkLoadError is one issue.
		name: "javascript chunk load errors share the built-in fingerprint", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "ChunkLoadError", "value": "Loading chunk 123 failed."}]}}`,
		want:  map[string][]string{"built_in_fingerprint": {"chunkloaderror"}, "app": nil},
		order: []string{"built_in_fingerprint"},
	},
	{
		// Built-in hydration rule: fingerprint hydrationerror + the transaction tag.
		name: "javascript hydration errors group per transaction", platform: "javascript",
		event: `{"platform": "javascript", "tags": [["transaction", "/checkout"]], "exception": {"values": [
		  {"type": "Error", "value": "Text content does not match server-rendered HTML."}]}}`,
		want: map[string][]string{"built_in_fingerprint": {"hydrationerror", "/checkout"}, "app": nil},
	},
	{
		// 2023's JS block: webpack:// frames are in-app unless under node_modules; the filenames
		// count (webpack: is no URL origin); order stacktrace, type.
		name: "javascript webpack frames are in-app under 2023", platform: "javascript", config: ConfigWinter2023,
		event: webpackEvent,
		want: map[string][]string{
			"app":    {"app.js", "App", "Error"},
			"system": {"react-dom.development.js", "commitRoot", "app.js", "App", "Error"},
		},
	},
	{
		// 2026 has no webpack in-app rule: no in-app frames, app is null.
		name: "javascript webpack frames are not in-app by default under 2026", platform: "javascript",
		event: webpackEvent,
		want: map[string][]string{
			"app":    nil,
			"system": {"Error", "react-dom.development.js", "commitRoot", "app.js", "App"},
		},
		order: []string{"system"},
	},
	{
		// Project rule -group on a logging helper removes it from both variants.
		name: "javascript project rule ignores a helper for grouping", platform: "javascript",
		stackRules: "family:javascript function:logError -group",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"filename": "a.js", "function": "save", "in_app": true}, {"filename": "log.js", "function": "logError", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "a.js", "save"}, "system": nil},
	},
	{
		// ^-group ignores the frames toward the crash from the matched one (exclusive).
		name: "javascript caret group rule ignores frames toward the crash", platform: "javascript",
		stackRules: "function:logFailure ^-group",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "a.js", "function": "submit", "in_app": true},
		    {"filename": "r.js", "function": "logFailure", "in_app": true},
		    {"filename": "w.js", "function": "wrap", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "a.js", "submit", "r.js", "logFailure"}, "system": nil},
	},
	{
		// Built-in: window.reportError and the frames it led to are out of app, but still
		// group in the system variant.
		name: "javascript reportError and what it called are out of app", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "a.js", "function": "submit", "in_app": true},
		    {"filename": "r.js", "function": "reportError", "in_app": true},
		    {"filename": "w.js", "function": "wrap", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"Error", "a.js", "submit"},
			"system": {"Error", "a.js", "submit", "r.js", "reportError", "w.js", "wrap"},
		},
	},
	{
		// Callee context: render frames that call throwError are ignored.
		name: "javascript callee matcher restricts a rule to frames calling a function", platform: "javascript",
		stackRules: "function:render | [ function:throwError ] -group",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "a.js", "function": "render", "in_app": true},
		    {"filename": "b.js", "function": "render", "in_app": true},
		    {"filename": "t.js", "function": "throwError", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"Error", "a.js", "render", "t.js", "throwError"}, "system": nil},
	},
}

func browserEvent(mainHash, vendorHash string) string {
	return `{"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "Cannot read properties of undefined (reading 'id')",
	  "stacktrace": {"frames": [
	    {"filename": "/static/js/vendor.` + vendorHash + `.js", "abs_path": "https://shop.example.com/static/js/vendor.` + vendorHash + `.js", "function": "dispatch", "lineno": 1, "colno": 9912, "in_app": false},
	    {"filename": "/static/js/main.` + mainHash + `.js", "abs_path": "https://shop.example.com/static/js/main.` + mainHash + `.js", "function": "handleClick", "lineno": 1, "colno": 4521, "in_app": true}]}}]}}`
}

const webpackEvent = `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
  "stacktrace": {"frames": [
    {"abs_path": "webpack:///./node_modules/react-dom/cjs/react-dom.development.js", "filename": "./node_modules/react-dom/cjs/react-dom.development.js", "function": "commitRoot"},
    {"abs_path": "webpack:///./src/App.js", "filename": "./src/App.js", "function": "App"}]}}]}}`

var nodeCases = []groupingCase{
	{
		// node internals are -app -group (built-in); node_modules frames -app; express's
		// function keeps its last "." segment; context lines count for node.
		name: "node frames drop internals and keep dependencies only in system", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "TypeError", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "node:internal/process/task_queues", "abs_path": "node:internal/process/task_queues", "module": "task_queues", "function": "processTicksAndRejections", "in_app": false},
		    {"filename": "/srv/app/node_modules/express/lib/router/layer.js", "abs_path": "/srv/app/node_modules/express/lib/router/layer.js", "module": "express.lib.router:layer", "function": "Layer.handle [as handle_request]", "context_line": "    fn(req, res, next);", "in_app": true},
		    {"filename": "/srv/app/src/orders.js", "abs_path": "/srv/app/src/orders.js", "module": "orders", "function": "OrderService.load", "context_line": "  const o = await repo.find(id);", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"TypeError", "orders", "load", "const o = await repo.find(id);"},
			"system": {"TypeError", "express.lib.router:layer", "handle [as handle_request]", "fn(req, res, next);", "orders", "load", "const o = await repo.find(id);"},
		},
		culprit: "OrderService.load(orders)",
	},
	{
		// A custom fingerprint of variables: md5(transaction + type); all component variants
		// are overruled; the culprit is the transaction.
		name: "node custom fingerprint resolves transaction and type", platform: "node",
		event: `{"platform": "node", "transaction": "GET /orders/:id", "fingerprint": ["{{ transaction }}", "{{ type }}"],
		  "exception": {"values": [{"type": "TypeError", "value": "x", "stacktrace": {"frames": [{"filename": "/srv/a.js", "function": "f", "in_app": true}]}}]}}`,
		want:    map[string][]string{"custom_client_fingerprint": {"GET /orders/:id", "TypeError"}, "app": nil, "system": nil},
		culprit: "GET /orders/:id",
	},
	{
		// With a sourcemap and a context line, the function is ignored.
		name: "node sourcemapped frame hashes its context line instead of its function", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"abs_path": "/srv/app/src/index.ts", "filename": "/srv/app/src/index.ts", "module": "index", "function": "main",
		    "context_line": "throw new Error('x')", "in_app": true, "data": {"sourcemap": "/srv/app/dist/index.js.map"}}]}}]}}`,
		want: map[string][]string{"app": {"Error", "index", "throw new Error('x')"}, "system": nil},
	},
	{
		// Context lines over 120 characters are ignored.
		name: "node context lines longer than 120 characters are ignored", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [{"filename": "/srv/a.js", "module": "a", "function": "f", "in_app": true,
		    "context_line": "` + strings.Repeat("x", 121) + `"}]}}]}}`,
		want: map[string][]string{"app": {"Error", "a", "f"}, "system": nil},
	},
	{
		// A hybrid server rule keeps the variants and salts them with a literal.
		name: "node server rule with default salts the component hash", platform: "node",
		fpRules: "logger:payments -> {{ default }}, payments",
		event:   `{"platform": "node", "logger": "payments", "exception": {"values": [{"type": "Error", "value": "card declined 4242"}]}}`,
		want:    map[string][]string{"app": {"Error", "card declined <int>", "payments"}},
	},
	{
		// error.type matcher in a stack-trace rule applies only to that exception's frames.
		name: "node error.type matcher scopes a stack-trace rule to one exception type", platform: "node",
		stackRules: "error.type:TimeoutError function:retry -group",
		event: `{"platform": "node", "exception": {"values": [{"type": "TimeoutError", "value": "x",
		  "stacktrace": {"frames": [{"filename": "/srv/a.js", "module": "a", "function": "call", "in_app": true}, {"filename": "/srv/r.js", "module": "r", "function": "retry", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"TimeoutError", "a", "call"}, "system": nil},
	},
}

var javaCases = []groupingCase{
	{
		// Spring is category framework → -app; lambda$ functions are ignored; filename yields
		// to module.
		name: "java groups by class and method without framework frames in app", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "IllegalStateException", "module": "java.lang", "value": "order 42 closed",
		  "stacktrace": {"frames": [
		    {"module": "org.springframework.web.servlet.FrameworkServlet", "function": "service", "filename": "FrameworkServlet.java"},
		    {"module": "com.acme.OrderController", "function": "lambda$get$0", "filename": "OrderController.java", "in_app": true},
		    {"module": "com.acme.OrderController", "function": "get", "filename": "OrderController.java", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"IllegalStateException", "com.acme.OrderController", "com.acme.OrderController", "get"},
			"system": {"IllegalStateException", "org.springframework.web.servlet.FrameworkServlet", "service", "com.acme.OrderController", "com.acme.OrderController", "get"},
		},
		culprit: "com.acme.OrderController in get",
	},
	{
		// java.lang.reflect is category indirection → -group; the generated accessor is a
		// sun.* framework class: out of app, but it still groups (with its number removed).
		name: "java reflection frames do not group, generated accessors are framework", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "RuntimeException", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "sun.reflect.GeneratedMethodAccessor123", "function": "invoke", "in_app": false},
		    {"module": "java.lang.reflect.Method", "function": "invoke", "in_app": false},
		    {"module": "com.acme.Job", "function": "run", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"RuntimeException", "com.acme.Job", "run"},
			"system": {"RuntimeException", "sun.reflect.GeneratedMethodAccessor", "invoke", "com.acme.Job", "run"},
		},
	},
	{
		// CGLIB proxies get their generated hex replaced by <auto>.
		name: "java cglib proxy class names are normalized", platform: "java",
		event: javaProxyEvent("1a2b3c4d"),
		want:  map[string][]string{"app": {"DataException", "com.acme.Service$$EnhancerBySpringCGLIB$$<auto>", "process"}, "system": nil},
	},
	{
		// ThreadPoolExecutor.runWorker is threadbase: it and every caller are ignored.
		name: "java thread base frames and their callers are ignored", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "NullPointerException", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "java.lang.Thread", "function": "run"},
		    {"module": "java.util.concurrent.ThreadPoolExecutor", "function": "runWorker"},
		    {"module": "com.acme.Worker", "function": "work", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"NullPointerException", "com.acme.Worker", "work"}, "system": nil},
	},
	{
		// A negated matcher: every frame outside com.acme is out of app.
		name: "java negated module matcher marks foreign frames out of app", platform: "java",
		stackRules: "family:other !module:com.acme.* -app",
		event: `{"platform": "java", "exception": {"values": [{"type": "E", "value": "x",
		  "stacktrace": {"frames": [
		    {"module": "org.acme.Lib", "function": "call", "in_app": true},
		    {"module": "com.acme.App", "function": "main", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"E", "com.acme.App", "main"}, "system": {"E", "org.acme.Lib", "call", "com.acme.App", "main"}},
	},
	{
		// Server rule with frame matchers that must hold for the same frame.
		name: "java server rule matches function and module on the same frame", platform: "java",
		fpRules: "stack.function:charge stack.module:com.acme.payment.* -> payment-failure",
		event: `{"platform": "java", "exception": {"values": [{"type": "E", "value": "x",
		  "stacktrace": {"frames": [{"module": "com.acme.payment.Gateway", "function": "charge", "in_app": true}]}}]}}`,
		want: map[string][]string{"custom_server_fingerprint": {"payment-failure"}, "app": nil, "system": nil},
	},
	{
		// Same rule, but function and module are on different frames: no match.
		name: "java server rule frame matchers on different frames do not match", platform: "java",
		fpRules: "stack.function:charge stack.module:com.acme.payment.* -> payment-failure",
		event: `{"platform": "java", "exception": {"values": [{"type": "E", "value": "x",
		  "stacktrace": {"frames": [{"module": "com.acme.payment.Gateway", "function": "authorize", "in_app": true}, {"module": "com.acme.Shop", "function": "charge", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"E", "com.acme.payment.Gateway", "authorize", "com.acme.Shop", "charge"}, "system": nil},
	},
	{
		// Threads: the single crashed thread's stacktrace, wrapped in a threads component.
		name: "java threads group by the crashed thread", platform: "java",
		event: `{"platform": "java", "threads": {"values": [
		  {"id": 1, "stacktrace": {"frames": [{"module": "com.acme.Idle", "function": "sleep", "in_app": true}]}},
		  {"id": 2, "crashed": true, "stacktrace": {"frames": [{"module": "com.acme.Main", "function": "work", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"com.acme.Main", "work"}, "system": nil},
	},
}

func javaProxyEvent(hex string) string {
	return `{"platform": "java", "exception": {"values": [{"type": "DataException", "value": "x",
	  "stacktrace": {"frames": [{"module": "com.acme.Service$$EnhancerBySpringCGLIB$$` + hex + `", "function": "process", "in_app": true}]}}]}}`
}

var goCases = []groupingCase{
	{
		// Go module cache paths are -app (built-in path:**/go/pkg/mod/**).
		name: "go module cache frames are out of app", platform: "go",
		event: `{"platform": "go", "exception": {"values": [{"type": "*pq.Error", "value": "duplicate key",
		  "stacktrace": {"frames": [
		    {"abs_path": "/app/internal/store/orders.go", "filename": "orders.go", "module": "github.com/acme/shop/internal/store", "function": "(*Store).SaveOrder", "in_app": true},
		    {"abs_path": "/root/go/pkg/mod/github.com/lib/pq@v1.10.9/conn.go", "filename": "conn.go", "module": "github.com/lib/pq", "function": "(*conn).Exec", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"*pq.Error", "github.com/acme/shop/internal/store", "(*Store).SaveOrder"},
			"system": {"*pq.Error", "github.com/acme/shop/internal/store", "(*Store).SaveOrder", "github.com/lib/pq", "(*conn).Exec"},
		},
		culprit: "github.com/acme/shop/internal/store in (*Store).SaveOrder",
	},
	{
		// No stacktrace: the value is parameterized (IP address and port number).
		name: "go error without stacktrace parameterizes addresses", platform: "go",
		event: `{"platform": "go", "exception": {"values": [{"type": "*net.OpError", "value": "dial tcp 10.0.0.5:5432: connect: connection refused"}]}}`,
		want:  map[string][]string{"app": {"*net.OpError", "dial tcp <ip>:<int>: connect: connection refused"}},
	},
	{
		// Go frames have no context line: file and function only (no module sent here).
		name: "go frames without module hash filename and function", platform: "go",
		event: `{"platform": "go", "exception": {"values": [{"type": "panic", "value": "runtime error: index out of range [3] with length 3",
		  "stacktrace": {"frames": [{"filename": "main.go", "abs_path": "/app/main.go", "function": "main.handler", "context_line": "x := a[3]", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"panic", "main.go", "main.handler"}, "system": nil},
	},
	{
		// A tags.X server rule with a glob.
		name: "go server rule matches a tag glob", platform: "go",
		fpRules: "tags.region:eu-* -> eu-errors",
		event:   `{"platform": "go", "tags": [["region", "eu-west-1"]], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:    map[string][]string{"custom_server_fingerprint": {"eu-errors"}, "app": nil},
	},
	{
		// Unknown fingerprint variables become <unrecognized-variable-…> in 2026.
		name: "go unknown fingerprint variable is marked unrecognized under 2026", platform: "go",
		event: `{"platform": "go", "fingerprint": ["{{ nope }}", "x"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"custom_client_fingerprint": {"<unrecognized-variable-nope>", "x"}, "app": nil},
	},
	{
		// …and stay literal in 2023, whose variant is custom_fingerprint.
		name: "go unknown fingerprint variable stays literal under 2023", platform: "go", config: ConfigWinter2023,
		event: `{"platform": "go", "fingerprint": ["{{ nope }}", "x"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"custom_fingerprint": {"{{ nope }}", "x"}, "app": nil},
	},
}

var csharpCases = []groupingCase{
	{
		// C# hashes the full name as sent: trimming at " (" only makes the display name.
		name: "csharp hashes the full function name as sent", platform: "csharp",
		event: `{"platform": "csharp", "exception": {"values": [{"type": "System.InvalidOperationException", "value": "x",
		  "stacktrace": {"frames": [{"module": "Acme.Orders.OrderService", "function": "Load (Int32 id)", "filename": "OrderService.cs", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"System.InvalidOperationException", "Acme.Orders.OrderService", "Load (Int32 id)"}, "system": nil},
	},
	{
		// C# prefers raw_function when the SDK sends one.
		name: "csharp prefers raw_function", platform: "csharp",
		event: `{"platform": "csharp", "exception": {"values": [{"type": "System.Exception", "value": "x",
		  "stacktrace": {"frames": [{"module": "Acme.Job", "function": "Run", "raw_function": "Run(CancellationToken ct)", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"System.Exception", "Acme.Job", "Run(CancellationToken ct)"}, "system": nil},
	},
	{
		// No in-app frames: app does not fall back to type+value while system has frames.
		name: "csharp without in-app frames groups only by the system variant", platform: "csharp",
		event: `{"platform": "csharp", "exception": {"values": [{"type": "System.Exception", "value": "x",
		  "stacktrace": {"frames": [{"module": "Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker", "function": "Next"}]}}]}}`,
		want:  map[string][]string{"app": nil, "system": {"System.Exception", "Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker", "Next"}},
		order: []string{"system"},
	},
	{
		// Level and logger variables; a missing logger resolves to <no-logger>.
		name: "csharp fingerprint with level and missing logger", platform: "csharp",
		event: `{"platform": "csharp", "level": "fatal", "fingerprint": ["{{ level }}", "{{ logger }}"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"custom_client_fingerprint": {"fatal", "<no-logger>"}, "app": nil},
	},
	{
		// A negated level matcher together with a type glob.
		name: "csharp server rule with a negated matcher", platform: "csharp",
		fpRules: "!level:fatal error.type:*Timeout* -> timeouts",
		event:   `{"platform": "csharp", "level": "error", "exception": {"values": [{"type": "System.TimeoutException", "value": "x"}]}}`,
		want:    map[string][]string{"custom_server_fingerprint": {"timeouts"}, "app": nil},
	},
	{
		// Server rules override the client fingerprint.
		name: "csharp server rule replaces the client fingerprint", platform: "csharp",
		fpRules: "error.type:DatabaseUnavailable -> system-down",
		event:   `{"platform": "csharp", "fingerprint": ["mine"], "exception": {"values": [{"type": "DatabaseUnavailable", "value": "x"}]}}`,
		want:    map[string][]string{"custom_server_fingerprint": {"system-down"}, "app": nil},
	},
}

var rubyCases = []groupingCase{
	{
		// Ruby: "block in x" → "block"; ERB template methods lose their __NNNN_NNNN suffix.
		name: "ruby blocks and erb template methods are normalized", platform: "ruby",
		event: `{"platform": "ruby", "exception": {"values": [{"type": "NoMethodError", "value": "undefined method 'total' for nil",
		  "stacktrace": {"frames": [
		    {"filename": "app/views/orders/show.html.erb", "function": "_app_views_orders_show_html_erb__1234567_89012345", "context_line": "<%= order.total %>", "in_app": true},
		    {"filename": "app/models/order.rb", "function": "block in total", "context_line": "items.sum { |i| i.price }", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"NoMethodError", "show.html.erb", "_app_views_orders_show_html_erb", "<%= order.total %>", "order.rb", "block", "items.sum { |i| i.price }"},
			"system": nil,
		},
	},
	{
		// vendor/ gems are out of app.
		name: "ruby vendored gems are out of app", platform: "ruby",
		event: `{"platform": "ruby", "exception": {"values": [{"type": "ArgumentError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "/app/vendor/bundle/ruby/3.2.0/gems/rack-3.0.0/lib/rack/builder.rb", "filename": "rack/builder.rb", "function": "call", "in_app": true},
		    {"abs_path": "/app/app/controllers/orders_controller.rb", "filename": "app/controllers/orders_controller.rb", "function": "show", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"ArgumentError", "orders_controller.rb", "show"},
			"system": {"ArgumentError", "builder.rb", "call", "orders_controller.rb", "show"},
		},
	},
	{
		// {{ function }} resolves from the crash frame (last in-app frame).
		name: "ruby fingerprint uses the crash frame function", platform: "ruby",
		event: `{"platform": "ruby", "fingerprint": ["{{ function }}", "{{ stack.filename }}"], "exception": {"values": [{"type": "E", "value": "x",
		  "stacktrace": {"frames": [{"filename": "a.rb", "function": "outer", "in_app": true}, {"filename": "lib.rb", "function": "inner", "in_app": false}]}}]}}`,
		want: map[string][]string{"custom_client_fingerprint": {"outer", "a.rb"}, "app": nil, "system": nil},
	},
	{
		// A log message matcher is case-insensitive and sees log messages.
		name: "ruby server rule matches a message case-insensitively", platform: "ruby",
		fpRules: `message:"*connection refused*" -> conn-refused`,
		event:   `{"platform": "ruby", "logentry": {"formatted": "Redis: Connection REFUSED by peer"}}`,
		want:    map[string][]string{"custom_server_fingerprint": {"conn-refused"}, "default": nil},
	},
}

var phpCases = []groupingCase{
	{
		// PHP anonymous-class methods hash the method name; vendor/ frames are out of app.
		name: "php anonymous class methods and vendor frames", platform: "php",
		event: `{"platform": "php", "exception": {"values": [{"type": "ErrorException", "value": "x",
		  "stacktrace": {"frames": [
		    {"filename": "/var/www/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php", "abs_path": "/var/www/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php", "function": "Pipeline::then"},
		    {"filename": "/var/www/app/Http/Controllers/OrderController.php", "function": "class@anonymous/var/www/app/x.php:12$0::handle", "context_line": "return $this->repo->find($id);", "in_app": true},
		    {"filename": "/var/www/app/Http/Controllers/OrderController.php", "function": "{closure}", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app":    {"ErrorException", "ordercontroller.php", "handle", "return $this->repo->find($id);", "ordercontroller.php", "{closure}"},
			"system": {"ErrorException", "pipeline.php", "Pipeline::then", "ordercontroller.php", "handle", "return $this->repo->find($id);", "ordercontroller.php", "{closure}"},
		},
	},
	{
		// "[Anonymous function]" names are ignored.
		name: "php anonymous functions are ignored", platform: "php",
		event: `{"platform": "php", "exception": {"values": [{"type": "E", "value": "x",
		  "stacktrace": {"frames": [{"filename": "a.php", "function": "[Anonymous function]", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"E", "a.php"}, "system": nil},
	},
	{
		// Messages: the exception wins; the message component is overruled, default is null.
		name: "php exception takes precedence over the log message", platform: "php",
		event: `{"platform": "php", "logentry": {"formatted": "something"}, "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"app": {"E", "x"}, "default": nil},
	},
	{
		// {{ default }} without spaces is still the default marker → plain component hash.
		name: "php fingerprint default without spaces is the default grouping", platform: "php",
		event: `{"platform": "php", "fingerprint": ["{{default}}"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"app": {"E", "x"}},
	},
	{
		// The literal "default" is not a variable: a custom fingerprint.
		name: "php literal default is a custom fingerprint", platform: "php",
		event: `{"platform": "php", "fingerprint": ["default"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"custom_client_fingerprint": {"default"}, "app": nil},
	},
	{
		// Missing tag → <no-value-for-tag-X>.
		name: "php missing tag variable", platform: "php",
		event: `{"platform": "php", "fingerprint": ["{{ tags.tenant }}"], "exception": {"values": [{"type": "E", "value": "x"}]}}`,
		want:  map[string][]string{"custom_client_fingerprint": {"<no-value-for-tag-tenant>"}, "app": nil},
	},
}

var nativeCases = []groupingCase{
	{
		// Native: C++ names lose arguments, const and clone suffixes; templates become <T>;
		// the filename still counts; std:: functions and /usr/lib packages are -app.
		name: "native function names are trimmed and filenames kept", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "std::out_of_range", "value": "vector::_M_range_check",
		  "stacktrace": {"frames": [
		    {"function": "Acme::Engine::run(int) [clone .isra.0]", "filename": "engine.cpp", "abs_path": "/src/engine.cpp", "package": "/opt/acme/bin/acme", "in_app": true},
		    {"function": "std::vector<int, std::allocator<int> >::at(unsigned long) const", "filename": "vector", "package": "/usr/lib/libstdc++.so.6"}]}}]}}`,
		want: map[string][]string{
			"app":    {"std::out_of_range", "engine.cpp", "Acme::Engine::run"},
			"system": {"std::out_of_range", "engine.cpp", "Acme::Engine::run", "vector", "std::vector<T>::at"},
		},
		culprit: "Acme::Engine::run(int) [clone .isra.0]",
	},
	{
		// pthread entry points are threadbase: -group v-group. main() is not one.
		name: "native thread entry points do not group", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "Segfault",
		  "stacktrace": {"frames": [
		    {"function": "thread_start", "package": "/usr/lib/system/libsystem_pthread.dylib"},
		    {"function": "_pthread_start", "package": "/usr/lib/system/libsystem_pthread.dylib"},
		    {"function": "main", "in_app": true}, {"function": "crash_here", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"SIGSEGV", "main", "crash_here"}, "system": nil},
	},
	{
		// 2026: throw helpers are -group -app: system equals app.
		name: "native throw helpers are ignored under 2026", platform: "native",
		event: nativeThrowEvent,
		want:  map[string][]string{"app": {"std::runtime_error", "main_loop", "do_work"}, "system": nil},
	},
	{
		// __cxa_throw has its own rule in both configs (order stacktrace, type in 2023).
		name: "native throw helpers are ignored under 2023 too", platform: "native", config: ConfigWinter2023,
		event: nativeThrowEvent,
		want:  map[string][]string{"app": {"main_loop", "do_work", "std::runtime_error"}, "system": nil},
	},
	{
		// abort is only category throw: 2023 ignores what is above it (nothing here), so abort
		// itself still counts in system; 2026 ignores it too.
		name: "native abort still counts in system under 2023", platform: "native", config: ConfigWinter2023,
		event: nativeAbortEvent,
		want: map[string][]string{
			"app":    {"main_loop", "do_work", "SIGABRT"},
			"system": {"main_loop", "do_work", "abort", "SIGABRT"},
		},
	},
	{
		name: "native abort is ignored under 2026", platform: "native",
		event: nativeAbortEvent,
		want:  map[string][]string{"app": {"SIGABRT", "main_loop", "do_work"}, "system": nil},
	},
	{
		// <unknown> functions are ignored and the package is no fallback: no frame contributes,
		// so type and value do. The unnamed libsystem frame is a system internal.
		name: "native frames without a function contribute nothing", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGABRT", "value": "Abort",
		  "stacktrace": {"frames": [
		    {"package": "/opt/acme/acme", "in_app": true},
		    {"function": "<unknown>", "package": "/usr/lib/system/libsystem_kernel.dylib", "in_app": false}]}}]}}`,
		want: map[string][]string{"app": {"SIGABRT", "Abort"}, "system": nil},
	},
	{
		// max-frames=2: only the two contributing frames nearest the crash count.
		name: "native max-frames keeps the frames nearest the crash", platform: "native",
		stackRules: "family:native max-frames=2",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [{"function": "f1", "in_app": true}, {"function": "f2", "in_app": true}, {"function": "f3", "in_app": true}, {"function": "f4", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"SIGSEGV", "f3", "f4"}, "system": nil},
	},
	{
		// Rust legacy symbol hashes are stripped.
		name: "native rust symbol hashes are stripped", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "panic", "value": "x",
		  "stacktrace": {"frames": [{"function": "acme::worker::run::h0123456789abcdef", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"panic", "acme::worker::run"}, "system": nil},
	},
	{
		// Project category rules are assigned before any category: rule runs, so a project
		// assert helper becomes a throw helper under 2026's built-in rule.
		name: "native project category assignment feeds built-in category rules", platform: "native",
		stackRules: "family:native function:acme_assert category=throw",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGABRT", "value": "x",
		  "stacktrace": {"frames": [{"function": "work", "in_app": true}, {"function": "acme_assert", "in_app": true}, {"function": "abort"}]}}]}}`,
		want: map[string][]string{"app": {"SIGABRT", "work"}, "system": nil},
	},
	{
		// iOS: the app's own binary inside the bundle container is in-app even when the SDK
		// did not say so. A block the client left unmarked would be a compiler internal
		// (categories are decided before in-app rules); this one the client marked in-app, and
		// its Objective-C name is kept whole.
		name: "cocoa frames of the installed app bundle are in-app", platform: "cocoa",
		event: `{"platform": "cocoa", "exception": {"values": [{"type": "NSInvalidArgumentException", "value": "x",
		  "stacktrace": {"frames": [
		    {"function": "UIApplicationMain", "package": "UIKitCore"},
		    {"function": "-[AcmeViewController viewDidLoad]", "package": "/private/var/containers/Bundle/Application/0A1B2C3D/Acme.app/Acme"},
		    {"function": "__46+[AcmeSync resume]_block_invoke_2", "in_app": true, "package": "/Users/dev/Library/Developer/CoreSimulator/Devices/X/data/Containers/Bundle/Application/Y/Acme.app/Acme"}]}}]}}`,
		want: map[string][]string{
			"app":    {"NSInvalidArgumentException", "-[AcmeViewController viewDidLoad]", "__46+[AcmeSync resume]_block_invoke_2"},
			"system": nil,
		},
	},
	{
		// 2023 decides in-app before categories: the bundle rule makes the unmarked block
		// in-app, so it is no compiler internal and counts.
		name: "cocoa blocks of the app bundle count under 2023", platform: "cocoa", config: ConfigWinter2023,
		event: cocoaBlockEvent,
		want:  map[string][]string{"app": {"-[AcmeSync start]", "__46+[AcmeSync resume]_block_invoke_2", "SIGABRT"}, "system": nil},
	},
	{
		// 2026 categorizes first: an unmarked block is an internal, neither app nor grouped.
		name: "cocoa unmarked blocks are internals under 2026", platform: "cocoa",
		event: cocoaBlockEvent,
		want:  map[string][]string{"app": {"SIGABRT", "-[AcmeSync start]"}, "system": nil},
	},
	{
		// free is its own category, not malloc: it is neither ignored nor out of app by itself.
		name: "native free still groups", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [{"function": "release_buffer", "in_app": true}, {"function": "free", "in_app": false}]}}]}}`,
		want: map[string][]string{"app": {"SIGSEGV", "release_buffer"}, "system": {"SIGSEGV", "release_buffer", "free"}},
	},
	{
		// A malloc called by malloc is an internal: only the outer allocation counts.
		name: "native nested allocator frames are internals", platform: "native",
		event: `{"platform": "native", "exception": {"values": [{"type": "SIGSEGV", "value": "x",
		  "stacktrace": {"frames": [{"function": "load", "in_app": true}, {"function": "malloc"}, {"function": "malloc"}]}}]}}`,
		want: map[string][]string{"app": {"SIGSEGV", "load"}, "system": {"SIGSEGV", "load", "malloc"}},
	},
	{
		// Flutter on Android under 2026: the app's Dart code in /data/app is in-app; the
		// Flutter framework, the Dart SDK and Sentry's Dart packages are not (the last ones do
		// not group either).
		name: "flutter frames of the framework, the Dart SDK and Sentry are out of app", platform: "native",
		event: flutterEvent,
		want: map[string][]string{
			"app":    {"StateError", "main.dart", "loadOrders"},
			"system": {"StateError", "zone.dart", "runUnary", "framework.dart", "build", "main.dart", "loadOrders"},
		},
	},
	{
		// 2023 has no rules for dart: or package:flutter/ paths, so the /data/app rule makes
		// them in-app; Sentry's packages are still out (order stacktrace, type).
		name: "flutter frames under 2023 count the Dart SDK and framework as app", platform: "native", config: ConfigWinter2023,
		event: flutterEvent,
		want: map[string][]string{
			"app":    {"zone.dart", "runUnary", "framework.dart", "build", "main.dart", "loadOrders", "StateError"},
			"system": nil,
		},
	},
	{
		// Dart VM events (platform dart, family other): Sentry's own packages are out of app
		// and do not group on every platform.
		name: "dart sentry package frames do not group", platform: "dart",
		event: `{"platform": "dart", "exception": {"values": [{"type": "StateError", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "package:acme/orders.dart", "filename": "orders.dart", "function": "load", "in_app": true},
		    {"abs_path": "package:sentry/src/hub.dart", "filename": "hub.dart", "function": "captureException", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": {"StateError", "orders.dart", "load"}, "system": nil},
	},
	{
		// Threads without a single crashed/current thread contribute nothing: fallback.
		name: "native threads without a crashed thread fall back", platform: "native",
		event: `{"platform": "native", "threads": {"values": [
		  {"id": 1, "stacktrace": {"frames": [{"function": "a", "in_app": true}]}},
		  {"id": 2, "stacktrace": {"frames": [{"function": "b", "in_app": true}]}}]}}`,
		want: map[string][]string{"app": nil, "fallback": {}},
	},
}

const flutterEvent = `{"platform": "native", "exception": {"values": [{"type": "StateError", "value": "Bad state",
  "stacktrace": {"frames": [
    {"abs_path": "dart:async/zone.dart", "filename": "zone.dart", "function": "runUnary", "in_app": true, "package": "/data/app/com.acme-1/lib/arm64/libapp.so"},
    {"abs_path": "package:flutter/src/widgets/framework.dart", "filename": "framework.dart", "function": "build", "package": "/data/app/com.acme-1/lib/arm64/libapp.so"},
    {"abs_path": "package:sentry_flutter/src/integrations.dart", "filename": "integrations.dart", "function": "wrap", "package": "/data/app/com.acme-1/lib/arm64/libapp.so"},
    {"abs_path": "package:acme/main.dart", "filename": "main.dart", "function": "loadOrders", "package": "/data/app/com.acme-1/lib/arm64/libapp.so"}]}}]}}`

const cocoaBlockEvent = `{"platform": "cocoa", "exception": {"values": [{"type": "SIGABRT", "value": "x",
  "stacktrace": {"frames": [
    {"function": "-[AcmeSync start]", "package": "/private/var/containers/Bundle/Application/0A1B/Acme.app/Acme"},
    {"function": "__46+[AcmeSync resume]_block_invoke_2", "package": "/private/var/containers/Bundle/Application/0A1B/Acme.app/Acme"}]}}]}}`

const nativeAbortEvent = `{"platform": "native", "exception": {"values": [{"type": "SIGABRT", "value": "x",
  "stacktrace": {"frames": [{"function": "main_loop", "in_app": true}, {"function": "do_work", "in_app": true}, {"function": "abort", "in_app": false}]}}]}}`

const nativeThrowEvent = `{"platform": "native", "exception": {"values": [{"type": "std::runtime_error", "value": "x",
  "stacktrace": {"frames": [{"function": "main_loop", "in_app": true}, {"function": "do_work", "in_app": true}, {"function": "__cxa_throw", "in_app": false}]}}]}}`

func TestGroupingPython(t *testing.T)     { runGroupingCases(t, pythonCases) }
func TestGroupingJavaScript(t *testing.T) { runGroupingCases(t, javascriptCases) }
func TestGroupingNode(t *testing.T)       { runGroupingCases(t, nodeCases) }
func TestGroupingJava(t *testing.T)       { runGroupingCases(t, javaCases) }
func TestGroupingGo(t *testing.T)         { runGroupingCases(t, goCases) }
func TestGroupingCSharp(t *testing.T)     { runGroupingCases(t, csharpCases) }
func TestGroupingRuby(t *testing.T)       { runGroupingCases(t, rubyCases) }
func TestGroupingPHP(t *testing.T)        { runGroupingCases(t, phpCases) }
func TestGroupingNative(t *testing.T)     { runGroupingCases(t, nativeCases) }
