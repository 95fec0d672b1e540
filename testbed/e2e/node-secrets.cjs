// Sends one error with @sentry/node that carries secrets in every place the data-scrubbing
// end-to-end test looks: a card number in the exception message, a password in extra, an
// Authorization header and cookies in the request, and the user's IP address.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'web@2.0.0',
  environment: 'production',
  defaultIntegrations: false,
  sendDefaultPii: true,
});
Sentry.setUser({ id: 'node-user', ip_address: process.env.SECRET_IP });
Sentry.setExtra('db_password', process.env.SECRET_PASSWORD);
Sentry.addEventProcessor((event) => {
  event.request = {
    url: 'https://shop.example/checkout',
    method: 'POST',
    headers: { Authorization: process.env.SECRET_AUTH, 'User-Agent': 'node-e2e' },
    cookies: { sid: process.env.SECRET_COOKIE },
  };
  return event;
});

function charge() {
  throw new TypeError(`card ${process.env.SECRET_CARD} was declined`);
}

async function main() {
  try {
    charge();
  } catch (err) {
    Sentry.captureException(err);
  }
  await Sentry.flush(10000);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
