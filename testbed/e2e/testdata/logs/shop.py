"""A shop that logs its errors the way Python services do (logging to stderr), for
logs_test.go. Modes:
  bugs         load_order fails twice and reserve once, logged with logger.exception; then
               checkout crashes with an uncaught exception (exit status 1).
  interleaved  two threads log their own bug N times each, between ordinary lines.
  slow         load_order fails once, logged through a stream that writes each record in
               pieces with pauses longer than the collector's poll interval (partial writes).
"""
import logging
import sys
import threading

logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                    format="%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s")
log = logging.getLogger("shop")


def load_order(order):
    prices = {"41": None, "42": None}
    return prices[order] * 2


def reserve(sku):
    raise ConnectionError("inventory service unavailable for " + sku)


def checkout(cart):
    return cart["total"] / cart["items"]


def handle(name, work, *args):
    try:
        work(*args)
    except Exception:
        log.exception("%s failed", name)


def bugs():
    log.info("shop starting")
    handle("order 41", load_order, "41")
    log.info("GET /health 200")
    handle("order 42", load_order, "42")
    handle("reserve", reserve, "sku-7")
    log.info("checking out")
    sys.stderr.flush()
    checkout({"total": 10, "items": 0})


def worker(name, work, arg, n):
    for i in range(n):
        log.info("%s: request %d", name, i)
        handle(name, work, arg)


def interleaved(n=20):
    a = threading.Thread(target=worker, name="orders", args=("orders", load_order, "41", n))
    b = threading.Thread(target=worker, name="stock", args=("stock", reserve, "sku-7", n))
    a.start(); b.start(); a.join(); b.join()
    log.info("done")


class SlowStream:
    """Writes each line in two pieces, 300 ms apart, and pauses 300 ms after it."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        import time
        for line in text.splitlines(keepends=True):
            half = len(line) // 2
            for piece in (line[:half], line[half:]):
                self.stream.write(piece)
                self.stream.flush()
                time.sleep(0.3)

    def flush(self):
        self.stream.flush()


def slow():
    logging.getLogger().handlers[0].setStream(SlowStream(sys.stderr))
    log.info("slow writer starting")
    handle("order 41", load_order, "41")
    log.info("done")


if __name__ == "__main__":
    {"bugs": bugs, "interleaved": interleaved, "slow": slow}[sys.argv[1]]()
