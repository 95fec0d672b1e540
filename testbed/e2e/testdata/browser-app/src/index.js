// A small shop page: esbuild bundles and minifies it with @sentry/browser, the page is served
// from its own origin, and a click on "Pay" throws in src/coupons.js. The test checks that
// Faultline resolves that error back to the original source through a sentry-cli upload.
import * as Sentry from '@sentry/browser';
import { checkout } from './checkout';

const config = window.FAULTLINE;

Sentry.init({
  dsn: config.dsn,
  release: config.release || undefined,
  beforeSend(event) {
    // Lets the test know which event the click produced.
    document.getElementById('sent').textContent = event.event_id;
    return event;
  },
});

document.getElementById('pay').addEventListener('click', () => {
  checkout({ items: [{ sku: 'A-1', price: 1200 }], coupon: 'SPRING' });
});

document.getElementById('status').textContent = 'ready';
