"""A shop that logs its errors the way Python services do (logging to stderr), for
logs_test.go. Modes:
  bugs         load_order fails twice and reserve once, logged with logger.exception; then
               checkout crashes with an uncaught exception (exit status 1).
  interleaved  two threads log their own bug N times each, between ordinary lines.
  slow         load_order fails once, logged through a stream that writes each record in
               pieces with pauses longer than the collector's poll interval (partial writes).
  steady N     find_order fails for orders 0 … N-1, one every 20 ms, each logged with
               logger.exception: a KeyError naming its order.
  journal      as bugs, but the logging records go to stdout as journal entries in the journal
               export format, one entry per record with the whole text (traceback included) in
               MESSAGE, the way a journal handler sends them; the crash still goes to stderr.
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


def find_order(order):
    return {}[order]


def steady(n):
    import time
    for i in range(n):
        handle("order %d" % i, find_order, str(i))
        sys.stderr.flush()
        time.sleep(0.02)


class JournalExportHandler(logging.Handler):
    """Writes each record as one entry of the journal export format (what
    systemd-journal-remote reads): the fields a journal handler sends, MESSAGE the formatted
    record with its traceback. A value with a newline is written in the binary-safe form."""

    PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6}

    def __init__(self, stream, identifier, boot_id, host):
        super().__init__()
        self.stream, self.identifier, self.boot_id, self.host = stream, identifier, boot_id, host
        self.setFormatter(logging.Formatter("%(message)s"))

    def field(self, key, value):
        value = str(value).encode()
        if b"\n" in value:
            import struct
            self.stream.write(key.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n")
        else:
            self.stream.write(key.encode() + b"=" + value + b"\n")

    def emit(self, record):
        import time
        self.field("__REALTIME_TIMESTAMP", int(record.created * 1e6))
        self.field("__MONOTONIC_TIMESTAMP", time.monotonic_ns() // 1000)
        self.field("_BOOT_ID", self.boot_id)
        self.field("_HOSTNAME", self.host)
        self.field("_SYSTEMD_UNIT", self.identifier + ".service")
        self.field("_TRANSPORT", "journal")
        self.field("SYSLOG_IDENTIFIER", self.identifier)
        self.field("PRIORITY", self.PRIORITIES.get(record.levelno, 6))
        self.field("LOGGER", record.name)
        self.field("CODE_FUNC", record.funcName)
        self.field("MESSAGE", self.format(record))
        self.stream.write(b"\n")
        self.stream.flush()


def journal():
    identifier, boot_id, host = sys.argv[2:5]
    root = logging.getLogger()
    root.handlers = [JournalExportHandler(sys.stdout.buffer, identifier, boot_id, host)]
    bugs()


if __name__ == "__main__":
    {"bugs": bugs, "interleaved": interleaved, "slow": slow, "journal": journal,
     "steady": lambda: steady(int(sys.argv[2]))}[sys.argv[1]]()
