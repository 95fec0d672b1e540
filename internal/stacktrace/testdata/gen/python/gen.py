"""Writes real CPython tracebacks to testdata/python/real_*.txt, formatted with
traceback.format_exception as the OpenTelemetry Python SDK records exception.stacktrace.

The application code runs under the fixed file name /srv/shop/app/orders.py and a "library"
under a virtualenv's site-packages (their sources are registered in linecache so tracebacks show
the source lines), so the output does not depend on where the repository is checked out. Line
numbers in APP and LIB are asserted by the tests.
"""
import linecache
import os
import sys
import types

APP_FILE = "/srv/shop/app/orders.py"
LIB_FILE = "/srv/shop/.venv/lib/python3.11/site-packages/httpkit/client.py"
LIB = '''\
class ConnectionError(OSError):
    pass


def get(url, retry):
    if retry():
        raise ConnectionError("connection refused: " + url)
'''

APP = '''\
import json
import traceback


class PaymentError(Exception):
    pass


def parse(body):
    return json.loads(body)


def total(order):
    return sum(item["price"] * item["qty"] for item in order["items"])


def charge(order):
    try:
        return total(order)
    except KeyError as e:
        raise PaymentError("order has no price") from e


def refund(order):
    try:
        return order["refund"]
    except KeyError:
        return 1 / 0


def recurse(n):
    return recurse(n + 1)


def validate(orders):
    errors = [ValueError("bad qty"), TypeError("bad price")]
    raise ExceptionGroup("invalid orders", errors)


def fetch_rates():
    return httpkit.get("http://rates.internal/eur", lambda: True)


def capture(call):
    try:
        call()
    except BaseException as e:
        return "".join(traceback.format_exception(e))


CASES = {
    "real_json": lambda: parse("{'a': 1}"),
    "real_raise_from": lambda: charge({"items": [{"qty": 2}]}),
    "real_during_handling": lambda: refund({}),
    "real_recursion": lambda: recurse(0),
    "real_exception_group": lambda: validate([]),
    "real_site_packages": fetch_rates,
    "real_syntax_error": lambda: compile("def f(:\\n    pass\\n", "/srv/shop/app/plugins/broken.py", "exec"),
}
'''

def main(out):
    for path, src in ((LIB_FILE, LIB), (APP_FILE, APP)):
        linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    lib = types.ModuleType("httpkit")
    exec(compile(LIB, LIB_FILE, "exec"), lib.__dict__)
    ns = {"__name__": "app.orders", "httpkit": lib}
    exec(compile(APP, APP_FILE, "exec"), ns)
    sys.setrecursionlimit(60)
    for name, run in ns["CASES"].items():
        with open(os.path.join(out, name + ".txt"), "w") as f:
            f.write(ns["capture"](run))


if __name__ == "__main__":
    main(sys.argv[1])
