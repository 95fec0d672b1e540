package stacktrace

import (
	"strconv"
	"testing"
)

// pf is the frameString of a Python frame as sentry-python fills it: library frames carry module
// and a sys.path-relative filename, app frames their path as printed.
func pf(function, module, file, abs string, line int, context string, app bool) string {
	s := "fn=" + function + " "
	if module != "" {
		s += "mod=" + module + " "
	}
	s += "file=" + file + " "
	if abs != "" {
		s += "abs=" + abs + " "
	}
	s += "line=" + strconv.Itoa(line) + " "
	if context != "" {
		s += "ctx=" + context + " "
	}
	if app {
		return s + "app"
	}
	return s + "sys"
}

// appFrame is a frame of testdata/gen/python's application file.
func appFrame(function string, line int, context string) string {
	return pf(function, "", "/srv/shop/app/orders.py", "/srv/shop/app/orders.py", line, context, true)
}

var captureFrame = appFrame("capture", 46, "call()")

const pyenvLib = "/root/.pyenv/versions/3.11.7/lib/python3.11/"

var pythonSamples = []sample{
	{
		name: "real CPython 3.11: stdlib frames below app code, carets skipped",
		hint: "python", file: "python/real_json.txt",
		want: []wantException{{typ: "JSONDecodeError", module: "json.decoder",
			value: "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
			frames: []string{
				captureFrame,
				appFrame("<lambda>", 52, `"real_json": lambda: parse("{'a': 1}"),`),
				appFrame("parse", 10, "return json.loads(body)"),
				pf("loads", "json", "json/__init__.py", pyenvLib+"json/__init__.py", 346, "return _default_decoder.decode(s)", false),
				pf("decode", "json.decoder", "json/decoder.py", pyenvLib+"json/decoder.py", 337, "obj, end = self.raw_decode(s, idx=_w(s, 0).end())", false),
				pf("raw_decode", "json.decoder", "json/decoder.py", pyenvLib+"json/decoder.py", 353, "obj, end = self.scan_once(s, idx)", false),
			}}},
	},
	{
		name: "real CPython 3.11: raise from gives a two-exception chain, cause first",
		hint: "python", file: "python/real_raise_from.txt",
		want: []wantException{
			{typ: "KeyError", value: "'price'", frames: []string{
				appFrame("charge", 19, "return total(order)"),
				appFrame("total", 14, `return sum(item["price"] * item["qty"] for item in order["items"])`),
				appFrame("<genexpr>", 14, `return sum(item["price"] * item["qty"] for item in order["items"])`),
			}},
			{typ: "PaymentError", module: "app.orders", value: "order has no price", frames: []string{
				captureFrame,
				appFrame("<lambda>", 53, `"real_raise_from": lambda: charge({"items": [{"qty": 2}]}),`),
				appFrame("charge", 21, `raise PaymentError("order has no price") from e`),
			}},
		},
	},
	{
		name: "real CPython 3.11: exception during handling of another",
		hint: "python", file: "python/real_during_handling.txt",
		want: []wantException{
			{typ: "KeyError", value: "'refund'", frames: []string{appFrame("refund", 26, `return order["refund"]`)}},
			{typ: "ZeroDivisionError", value: "division by zero", frames: []string{
				captureFrame,
				appFrame("<lambda>", 54, `"real_during_handling": lambda: refund({}),`),
				appFrame("refund", 28, "return 1 / 0"),
			}},
		},
	},
	{
		name: "real CPython 3.11: RecursionError with a repeated-line summary",
		hint: "python", file: "python/real_recursion.txt",
		want: []wantException{{typ: "RecursionError", value: "maximum recursion depth exceeded", frames: []string{
			captureFrame,
			appFrame("<lambda>", 55, `"real_recursion": lambda: recurse(0),`),
			appFrame("recurse", 32, "return recurse(n + 1)"),
			appFrame("recurse", 32, "return recurse(n + 1)"),
			appFrame("recurse", 32, "return recurse(n + 1)"),
		}}},
	},
	{
		name: "real CPython 3.11: exception group keeps the group and its frames",
		hint: "python", file: "python/real_exception_group.txt",
		want: []wantException{{typ: "ExceptionGroup", value: "invalid orders (2 sub-exceptions)", frames: []string{
			captureFrame,
			appFrame("<lambda>", 56, `"real_exception_group": lambda: validate([]),`),
			appFrame("validate", 37, `raise ExceptionGroup("invalid orders", errors)`),
		}}},
	},
	{
		name: "real CPython 3.11: site-packages library frame is not in-app",
		hint: "python", file: "python/real_site_packages.txt",
		want: []wantException{{typ: "ConnectionError", module: "httpkit", value: "connection refused: http://rates.internal/eur", frames: []string{
			captureFrame,
			appFrame("fetch_rates", 41, `return httpkit.get("http://rates.internal/eur", lambda: True)`),
			pf("get", "httpkit.client", "httpkit/client.py", "/srv/shop/.venv/lib/python3.11/site-packages/httpkit/client.py", 7,
				`raise ConnectionError("connection refused: " + url)`, false),
		}}},
	},
	{
		name: "real CPython 3.11: SyntaxError location lines are not a frame's source",
		hint: "python", file: "python/real_syntax_error.txt",
		want: []wantException{{typ: "SyntaxError", value: "invalid syntax", frames: []string{
			captureFrame,
			appFrame("<lambda>", 58, `"real_syntax_error": lambda: compile("def f(:\n    pass\n", "/srv/shop/app/plugins/broken.py", "exec"),`),
		}}},
	},
	{
		name: "frozen frames print no source: the next frame's location is not taken for it",
		hint: "python",
		text: `Traceback (most recent call last):
  File "/app/main.py", line 3, in <module>
    import plugins.broken
  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load
  File "/app/plugins/broken.py", line 1
    def f(:
          ^
SyntaxError: invalid syntax
`,
		want: []wantException{{typ: "SyntaxError", value: "invalid syntax", frames: []string{
			pf("<module>", "", "/app/main.py", "/app/main.py", 3, "import plugins.broken", true),
			pf("_find_and_load", "importlib._bootstrap", "<frozen importlib._bootstrap>", "", 1176, "", false),
		}}},
	},
	{
		name: "Django view on Debian dist-packages, multi-line message",
		hint: "python",
		text: `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
  File "/usr/lib/python3/dist-packages/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
  File "/opt/shop/catalog/views.py", line 88, in product_detail
    product = Product.objects.get(slug=slug)
  File "/usr/lib/python3/dist-packages/django/db/models/manager.py", line 87, in manager_method
    return getattr(self.get_queryset(), name)(*args, **kwargs)
catalog.models.Product.DoesNotExist: Product matching query does not exist.
Lookup was slug='blue-shoe'
`,
		want: []wantException{{typ: "DoesNotExist", module: "catalog.models.Product",
			value: "Product matching query does not exist.\nLookup was slug='blue-shoe'", frames: []string{
				pf("inner", "django.core.handlers.exception", "django/core/handlers/exception.py", "/usr/lib/python3/dist-packages/django/core/handlers/exception.py", 55, "response = get_response(request)", false),
				pf("_get_response", "django.core.handlers.base", "django/core/handlers/base.py", "/usr/lib/python3/dist-packages/django/core/handlers/base.py", 197, "response = wrapped_callback(request, *callback_args, **callback_kwargs)", false),
				pf("product_detail", "", "/opt/shop/catalog/views.py", "/opt/shop/catalog/views.py", 88, "product = Product.objects.get(slug=slug)", true),
				pf("manager_method", "django.db.models.manager", "django/db/models/manager.py", "/usr/lib/python3/dist-packages/django/db/models/manager.py", 87, "return getattr(self.get_queryset(), name)(*args, **kwargs)", false),
			}}},
	},
	{
		name: "Windows paths, frozen importlib frames, relative app path under an app prefix",
		hint: "python",
		opts: Options{AppPrefixes: []string{"worker/"}},
		text: `Traceback (most recent call last):
  File "C:\Users\ci\shop\worker\main.py", line 12, in <module>
    import plugins.tax
  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load
  File "C:\Python311\Lib\importlib\__init__.py", line 126, in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
ModuleNotFoundError: No module named 'plugins.tax'
`,
		want: []wantException{{typ: "ModuleNotFoundError", value: "No module named 'plugins.tax'", frames: []string{
			pf("<module>", "", `C:\Users\ci\shop\worker\main.py`, `C:\Users\ci\shop\worker\main.py`, 12, "import plugins.tax", true),
			pf("_find_and_load", "importlib._bootstrap", "<frozen importlib._bootstrap>", "", 1176, "", false),
			pf("import_module", "importlib", "importlib/__init__.py", `C:\Python311\Lib\importlib\__init__.py`, 126, "return _bootstrap._gcd_import(name[level:], package, level)", false),
		}}},
	},
	{
		name: "Celery task through a virtualenv, bare exception without message",
		hint: "python",
		text: `Traceback (most recent call last):
  File "/home/app/.venv/lib/python3.12/site-packages/celery/app/trace.py", line 453, in trace_task
    R = retval = fun(*args, **kwargs)
                 ^^^^^^^^^^^^^^^^^^^^
  File "/home/app/src/tasks/emails.py", line 30, in send_receipt
    raise SystemExit
SystemExit
`,
		want: []wantException{{typ: "SystemExit", frames: []string{
			pf("trace_task", "celery.app.trace", "celery/app/trace.py", "/home/app/.venv/lib/python3.12/site-packages/celery/app/trace.py", 453, "R = retval = fun(*args, **kwargs)", false),
			pf("send_receipt", "", "/home/app/src/tasks/emails.py", "/home/app/src/tasks/emails.py", 30, "raise SystemExit", true),
		}}},
	},
	{
		name: "cause printed without traceback, then asyncio frames",
		hint: "python",
		text: `ConnectionResetError: [Errno 104] Connection reset by peer

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/local/lib/python3.12/asyncio/runners.py", line 118, in run
    return self._loop.run_until_complete(task)
  File "/app/bot.py", line 9, in main
    await client.fetch()
aiohttp.client_exceptions.ServerDisconnectedError: Server disconnected
`,
		want: []wantException{
			{typ: "ConnectionResetError", value: "[Errno 104] Connection reset by peer"},
			{typ: "ServerDisconnectedError", module: "aiohttp.client_exceptions", value: "Server disconnected", frames: []string{
				pf("run", "asyncio.runners", "asyncio/runners.py", "/usr/local/lib/python3.12/asyncio/runners.py", 118, "return self._loop.run_until_complete(task)", false),
				pf("main", "", "/app/bot.py", "/app/bot.py", 9, "await client.fetch()", true),
			}},
		},
	},
}

func TestPythonSamples(t *testing.T) { runSamples(t, "python", pythonSamples) }

func BenchmarkParsePython(b *testing.B) { benchSamples(b, pythonSamples) }
