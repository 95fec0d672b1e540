// A small multi-file app: esbuild bundles and minifies it, node runs the bundle, and the test
// checks that Faultline resolves the thrown error back to src/billing.js.
const Sentry = require('@sentry/node');
const { checkout } = require('./checkout');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.RELEASE,
  defaultIntegrations: false,
});

async function main() {
  let eventId;
  try {
    checkout({ items: [{ sku: 'A-1', price: 1200 }], coupon: 'SPRING' });
  } catch (err) {
    eventId = Sentry.captureException(err);
  }
  await Sentry.flush(10000);
  console.log(eventId);
}

main();
