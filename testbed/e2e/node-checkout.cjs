// Sends the same checkout bug with @sentry/node as the user and release given in the environment,
// then prints the event id.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.RELEASE,
  environment: 'production',
  defaultIntegrations: false,
});
Sentry.setUser({ id: process.env.USER_ID });

function reserveStock(sku) {
  throw new RangeError(`no stock left for sku ${sku}`);
}

async function main() {
  let eventId;
  try {
    reserveStock(process.env.SKU);
  } catch (err) {
    eventId = Sentry.captureException(err);
  }
  await Sentry.flush(10000);
  console.log(eventId);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
