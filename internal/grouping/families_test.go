package grouping

import "testing"

// familyCases fill in behaviour of the rule families the reference describes that the
// per-platform cases do not reach. Inputs are our own; each expected leaf list is reasoned from
// the reference (research notes §3–§4), as the comment above each case says.
var familyCases = []groupingCase{
	{
		// Generated JVM classes: a "$$Lambda$" module does not contribute (so a lambda frame
		// groups by its function), javassist, Hibernate-proxy and Clojure fn parts become <auto>.
		name: "java generated class names do not split issues", platform: "java",
		event: `{"platform": "java", "exception": {"values": [{"type": "IllegalStateException", "value": "closed",
		  "stacktrace": {"frames": [
		    {"module": "com.acme.Service$$Lambda$12/0x0000000800c4b040", "function": "apply", "in_app": true},
		    {"module": "com.acme.Order_$$_javassist_42", "function": "getId", "in_app": true},
		    {"module": "com.acme.Customer$HibernateProxy$Xy7Zq", "function": "getName", "in_app": true},
		    {"module": "acme.core$fn__1234", "function": "invoke", "in_app": true}]}}]}}`,
		want: map[string][]string{
			"app": {"IllegalStateException", "apply", "com.acme.Order_$$_javassist<auto>", "getId",
				"com.acme.Customer$HibernateProxy$<auto>", "getName", "acme.core$fn__<auto>", "invoke"},
			"system": nil,
		},
		order: []string{"app"},
	},
	{
		// Threads: with no crashed thread, the single current thread is the one grouped.
		name: "threads: the single current thread groups", platform: "native",
		event: `{"platform": "native", "threads": {"values": [
		  {"id": 1, "stacktrace": {"frames": [{"function": "idle_loop", "in_app": true}]}},
		  {"id": 2, "current": true, "stacktrace": {"frames": [{"function": "parse_header", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"parse_header"}, "system": nil},
		order: []string{"app"},
	},
	{
		// Threads: a single thread is grouped even when it is neither crashed nor current.
		name: "threads: the only thread groups", platform: "native",
		event: `{"platform": "native", "threads": {"values": [
		  {"id": 7, "stacktrace": {"frames": [{"function": "render_frame", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"render_frame"}, "system": nil},
		order: []string{"app"},
	},
	{
		// Exceptions outrank threads (2000 over 1900): the crashed thread's frames do not count.
		name: "threads: an exception outranks the crashed thread", platform: "python",
		event: `{"platform": "python", "exception": {"values": [{"type": "ValueError", "value": "bad",
		  "stacktrace": {"frames": [{"module": "app.orders", "function": "load", "in_app": true}]}}]},
		  "threads": {"values": [{"id": 1, "crashed": true, "stacktrace": {"frames": [{"module": "app.worker", "function": "loop", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"ValueError", "app.orders", "load"}, "system": nil},
		order: []string{"app"},
	},
	{
		// Low-quality JavaScript frames are dropped whole: a function named eval, and code
		// whose abs_path is "eval code". The URL frame groups by function alone.
		name: "javascript eval frames are dropped", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "x is undefined",
		  "stacktrace": {"frames": [
		    {"abs_path": "https://app.example/static/app.js", "filename": "/static/app.js", "function": "boot", "in_app": true},
		    {"abs_path": "https://app.example/static/app.js", "filename": "/static/app.js", "function": "eval", "in_app": true},
		    {"abs_path": "eval code", "filename": "eval code", "function": "generated", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"TypeError", "boot"}, "system": nil},
		order: []string{"app"},
	},
	{
		// Unknown JavaScript names ("Anonymous function", a Firefox "outer/<") are no function;
		// a blob: URL keeps no filename, so only the named frame groups.
		name: "javascript unknown function names and blob URLs do not group", platform: "javascript",
		event: `{"platform": "javascript", "exception": {"values": [{"type": "Error", "value": "x",
		  "stacktrace": {"frames": [
		    {"abs_path": "blob:https://app.example/5f1c", "filename": "5f1c", "function": "worker", "in_app": true},
		    {"abs_path": "https://app.example/a.js", "filename": "/a.js", "function": "Anonymous function", "in_app": true},
		    {"abs_path": "https://app.example/b.js", "filename": "/b.js", "function": "render/<", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"Error", "worker"}, "system": nil},
		order: []string{"app"},
	},
	{
		// captureMessage in @sentry/node 11: a synthetic exception whose type is ignored and
		// whose value yields to the stack trace; the title is the crash frame's function.
		name: "node synthetic exception groups by its frames and is titled by the function", platform: "node",
		event: `{"platform": "node", "exception": {"values": [{"type": "Error", "value": "job 42 took 900ms",
		  "mechanism": {"type": "generic", "synthetic": true, "handled": true},
		  "stacktrace": {"frames": [{"module": "jobs", "filename": "/srv/app/jobs.js", "abs_path": "/srv/app/jobs.js", "function": "runJob", "in_app": true}]}}]}}`,
		want:  map[string][]string{"app": {"jobs", "runJob"}, "system": nil},
		order: []string{"app"},
		title: "runJob", culprit: "runJob(jobs)",
	},
}

func TestFamilyCases(t *testing.T) {
	runGroupingCases(t, familyCases)
}
