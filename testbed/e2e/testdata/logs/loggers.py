"""A shop that logs its errors as JSON through Python's common JSON loggers, for logs_test.go's
TestJSONLogsOfRealLoggers: load_order fails twice and reserve once. The records go to stderr.
  structlog           structlog's JSONRenderer after format_exc_info: the traceback's text in
                      "exception".
  structlog-dict      the same with dict_tracebacks: "exception" a list of exceptions and frames.
  python-json-logger  logging with pythonjsonlogger's JsonFormatter: the traceback in "exc_info".
"""
import logging
import sys


def load_order(order):
    prices = {"41": None, "42": None}
    return prices[order] * 2


def reserve(sku):
    raise ConnectionError("inventory service unavailable for " + sku)


def logger(kind):
    if kind.startswith("structlog"):
        import structlog
        tracebacks = structlog.processors.dict_tracebacks if kind == "structlog-dict" else structlog.processors.format_exc_info
        structlog.configure(
            processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                        tracebacks, structlog.processors.JSONRenderer()],
            logger_factory=structlog.PrintLoggerFactory(sys.stderr))
        return structlog.get_logger()
    from pythonjsonlogger import jsonlogger
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("shop")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log


def handle(log, name, work, *args):
    try:
        work(*args)
    except Exception:
        log.exception(name + " failed")


if __name__ == "__main__":
    log = logger(sys.argv[1])
    log.info("shop starting")
    handle(log, "order 41", load_order, "41")
    handle(log, "order 42", load_order, "42")
    handle(log, "reserve", reserve, "sku-7")
