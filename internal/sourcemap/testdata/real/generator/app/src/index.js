import { parseAmount, Ledger } from "./ledger.js";
import { UserService } from "./models/user.js";
import { retry } from "tinylib";

// Each throw site names the function a stack frame should show, in an "expect:" comment.
export function main(kind) {
  const label = "Größe ünïcödé 😀 label"; const other = `tmpl ${label.length}`; if (kind === "unicode") { throw new Error("unicode " + other); } // expect: main
  switch (kind) {
    case "amount":
      return parseAmount("x12");
    case "ledger":
      return new Ledger("acme").post(-5);
    case "getter":
      return new Ledger("acme").balance;
    case "user":
      return new UserService({ strict: true }).load(42);
    case "arrow":
      return validateAll([1, 2, -3]);
    case "callback":
      return [1].map(function (n) {
        throw new Error("in anonymous callback " + n); // expect: <anonymous>
      });
    case "lib":
      return retry(() => 1, 0);
    case "static":
      return UserService.fromJSON("{bad");
    case "proto":
      return new Legacy().run();
    case "object":
      return handlers.onMessage("hello");
    case "ctor":
      return new UserService(null);
    case "field":
      return new Counter().tick();
  }
  return null;
}

const validateAll = (items) => {
  for (const item of items) {
    if (item < 0) throw new RangeError("negative item " + item); // expect: validateAll
  }
  return true;
};

function Legacy() {
  this.name = "legacy";
}
Legacy.prototype.run = function () {
  throw new Error("legacy run " + this.name); // expect: Legacy.prototype.run
};

class Counter {
  step = () => {
    throw new Error("step failed"); // expect: Counter (Sentry names functions held by class fields after the class)
  };
  tick() {
    return this.step();
  }
}

const handlers = {
  onMessage(msg) {
    throw new TypeError("cannot handle " + msg); // expect: handlers.onMessage
  },
};

if (typeof process !== "undefined" && process.argv[2]) {
  main(process.argv[2]);
}
