// Sends three errors with @sentry/node to a project whose quota refuses errors, flushing after
// each, then a transaction and a final flush that carries the SDK's client report.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  tracesSampleRate: 1.0,
  defaultIntegrations: false,
});

async function main() {
  for (let i = 0; i < 3; i++) {
    Sentry.captureException(new Error(`over quota ${i}`));
    await Sentry.flush(10000);
  }
  Sentry.startSpan({ name: 'GET /after-the-429', op: 'http.server' }, () => {});
  await Sentry.flush(10000);
  console.log('done');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
