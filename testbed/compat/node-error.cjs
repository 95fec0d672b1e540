// Sends one handled error inside a span with @sentry/node, then prints the ids the test checks.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'compat-node@2.0.0',
  environment: 'ci',
  tracesSampleRate: 1.0,
  defaultIntegrations: false,
});
Sentry.setUser({ id: 'node-user-7', email: 'grace@example.com' });
Sentry.setTag('checkout.step', 'payment');

function chargeCard(order) {
  throw new TypeError(`card declined for order ${order}`);
}

async function main() {
  let result;
  Sentry.startSpan({ name: 'POST /checkout', op: 'http.server' }, (span) => {
    Sentry.startSpan({ name: 'charge card', op: 'payment' }, () => {
      try {
        chargeCard(42);
      } catch (err) {
        const eventId = Sentry.captureException(err);
        result = { eventId, traceId: span.spanContext().traceId };
      }
    });
  });
  await Sentry.flush(10000);
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
