const labels = {string: "text", number: "number", function: "function", object: "object"};
export function describe(x) {
  const kind = labels[typeof x] ?? fallback(x);
  return kind + check(x);
}
function fallback(x) { return String(x); }
function check(x) {
  if (!x) throw new Error("empty");
  return "!";
}
export const api = {
  load: () => describe(1),
  save: () => check(0),
};
