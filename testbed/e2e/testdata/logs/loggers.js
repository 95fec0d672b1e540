// A shop that logs its errors as JSON through Node's common loggers, for logs_test.go's
// TestJSONLogsOfRealLoggers: loadOrder fails twice and reserve once. Run as
// `node loggers.js pino|winston` with NODE_MODULES naming testbed/node_modules; the records go
// to stdout.
//   - pino: logger.error(err, msg): the error serialized under "err" (type, message, stack).
//   - winston: format.errors({ stack: true }) then format.json(): "message" and "stack".
'use strict';

function loadOrder(order) {
  const prices = { 41: undefined, 42: undefined };
  return prices[order].amount * 2;
}

function reserve(sku) {
  throw new Error('inventory service unavailable for ' + sku);
}

function makeLogger(name) {
  const modules = process.env.NODE_MODULES;
  if (name === 'pino') {
    const pino = require(modules + '/pino');
    const logger = pino();
    return { info: (m) => logger.info(m), error: (err, m) => logger.error(err, m), done: (cb) => logger.flush(cb) };
  }
  const winston = require(modules + '/winston');
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
  return { info: (m) => logger.info(m), error: (err) => logger.error(err), done: (cb) => cb() };
}

const log = makeLogger(process.argv[2]);
log.info('shop starting');
for (const order of [41, 42]) {
  try {
    loadOrder(order);
  } catch (err) {
    log.error(err, 'load order failed');
  }
}
try {
  reserve('sku-7');
} catch (err) {
  log.error(err, 'reserve failed');
}
log.done(() => {});
