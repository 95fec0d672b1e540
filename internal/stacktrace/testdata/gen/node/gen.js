// Writes real V8 error stacks (err.stack, which the OpenTelemetry JS SDK records as
// exception.stacktrace) to testdata/javascript/real_*.txt.
//
// The application and a "library" run as vm scripts under fixed file names, and every case starts
// from a timer callback, so no frame depends on where the repository is checked out. Line numbers
// in APP and LIB are asserted by the tests.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const LIB_FILE = '/srv/shop/node_modules/fastpay/lib/client.js';
const LIB = `(function () {
  class FastpayError extends Error {
    constructor(message) {
      super(message);
      this.name = 'FastpayError';
    }
  }
  return {
    charge(amount, onDone) {
      if (amount > 100) throw new FastpayError('limit exceeded: ' + amount);
      return onDone(amount);
    },
  };
})()`;

const APP_FILE = '/srv/shop/src/orders.js';
const APP = `(function (fastpay) {
  class Order {
    constructor(items) {
      this.total = items.reduce((sum, item) => sum + item.price.amount, 0);
    }
  }
  async function loadOrder(id) {
    await null;
    return JSON.parse('{"id": ' + id);
  }
  async function checkout(id) {
    return await loadOrder(id);
  }
  const handlers = {};
  handlers.pay = function submitPayment(amount) {
    return fastpay.charge(amount, (charged) => charged.toFixed());
  };
  return {
    'real_type_error': () => [{}].map((user) => user.profile.name),
    'real_new_order': () => new Order([{ price: null }]),
    'real_async': () => checkout('7'),
    'real_library': () => handlers.pay(250),
    'real_callback_into_app': () => handlers.pay(undefined),
    'real_eval': () => eval('(function render() { return undefinedTemplate; })()'),
  };
})`;

const MAIN_FILE = '/srv/shop/src/main.js';
const MAIN = `(function (cases, report) {
  for (const [name, run] of Object.entries(cases)) {
    setImmediate(async () => {
      try {
        await run();
      } catch (err) {
        report(name, err.stack);
      }
    });
  }
})`;

const out = process.argv[2];
const lib = vm.runInThisContext(LIB, { filename: LIB_FILE });
const cases = vm.runInThisContext(APP, { filename: APP_FILE })(lib);
vm.runInThisContext(MAIN, { filename: MAIN_FILE })(cases, (name, stack) => {
  fs.writeFileSync(path.join(out, name + '.txt'), stack + '\n');
});
