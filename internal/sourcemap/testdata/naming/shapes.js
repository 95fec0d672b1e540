// Our own source exercising the naming rules: call-argument and conditional bindings,
// container prefixes, object literals, classes, new.
export const registry = new Map();
export const loader = makeLoader(function loadOne(id) { return fetchIt(id) + 1; });
export const saver = makeLoader((id) => { if (!id) throw new Error("no id"); return id * 2; });
export const pick = Math.random() > 2 ? (a) => { return a.left + 1; } : (a) => { return a.right - 1; };
export const fallback = registry.get("x") || function () { return helperValue(3); };
function makeLoader(fn) { return (x) => fn(x) + registry.size; }
function fetchIt(id) { if (id < 0) throw new RangeError("neg"); return id; }
function helperValue(n) { return n * registry.size; }
export const parsers = {
  json: { parse(text) { return JSON.parse(text); }, stringify: (v) => JSON.stringify(v) },
  h: { set(key, value) { registry.set(key, value); return value; }, get: function (key) { return registry.get(key); } },
};
export class ZodType {
  constructor(def) { this.def = def; this.check = () => this.def.ok === true; }
  meta(m) { if (!m) throw new TypeError("meta"); return new ZodType({ ...this.def, m }); }
  static create(d) { return new ZodType(d); }
  get description() { return this.def.description ?? "none"; }
  set description(v) { this.def.description = v; }
  field = this.def ? 1 : (() => { return registry.size; })();
  handler = (ev) => { return ev.type + this.def; };
}
export const Widget = class InnerWidget {
  render(props) { return props.children.map((c) => c.render()); }
};
export const singleton = new class {
  start(opts) { return opts.port + 1; }
  stop() { throw new Error("stopped"); }
}();
registry.set("cb", function () { return registry.size; });
[1, 2].forEach(function (n) { registry.set(n, n); });
export function outer(list) {
  const mapped = list.map((v) => v * 2);
  const inner = function (a) { return a + mapped.length; };
  const obj = { deep: { deeper() { return inner(1); } } };
  return obj.deep.deeper() + (list.length ? list.reduce((s, v) => s + v, 0) : 0);
}
export const locales = { function: "funkcja", object: "obiekt", describe(x) { return locales[typeof x]; } };
