// A shop that logs its errors the way Node services do (console.error of the error), for
// logs_test.go: loadOrder fails twice and reserve once, then checkout throws uncaught.
// With SENTRY_DSN set, the loadOrder errors are also sent with @sentry/node, to show that an
// error from a log and the same error from the SDK make one issue.
'use strict';

function loadOrder(order) {
  const prices = { 41: undefined, 42: undefined };
  return prices[order].amount * 2;
}

function reserve(sku) {
  throw new Error('inventory service unavailable for ' + sku);
}

function checkout(cart) {
  if (cart.items === 0) throw new RangeError('cart is empty');
}

async function main() {
  let Sentry;
  if (process.env.SENTRY_DSN) {
    Sentry = require(process.env.NODE_MODULES + '/@sentry/node');
    Sentry.init({ dsn: process.env.SENTRY_DSN, defaultIntegrations: false });
  }
  console.log('shop starting');
  for (const order of [41, 42]) {
    try {
      loadOrder(order);
    } catch (err) {
      console.error(err);
      if (Sentry) Sentry.captureException(err);
    }
    console.log('GET /health 200');
  }
  try {
    reserve('sku-7');
  } catch (err) {
    console.error('reserve failed:', err.stack);
  }
  if (Sentry) await Sentry.flush(10000);
  checkout({ items: 0 });
}

main();
