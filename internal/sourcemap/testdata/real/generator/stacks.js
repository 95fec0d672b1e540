// Runs each throw site of the fixture app under both minifiers and prints the V8 stack frames as
// Sentry frames (caller first), with the bundle's path replaced by /srv/app/app.min.js.
const { execFileSync } = require("child_process");
const path = require("path");
const out = process.argv[2];
const kinds = ["unicode", "amount", "ledger", "getter", "user", "arrow", "callback", "lib", "static", "proto", "object", "ctor", "field"];
const result = {};
for (const variant of ["esbuild", "terser"]) {
  const file = path.resolve(out, variant, "app.min.js");
  result[variant] = {};
  for (const kind of kinds) {
    let stderr = "";
    try {
      execFileSync("node", ["--stack-trace-limit=50", file, kind], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      stderr = e.stderr.toString();
    }
    const frames = [];
    for (const line of stderr.split("\n")) {
      // native frames such as "at Array.map (<anonymous>)" have no position; SDKs keep them
      const native = line.match(/^\s+at (.*?) \((<anonymous>|native)\)$/);
      if (native) {
        frames.push({ function: native[1], abs_path: native[2] });
        continue;
      }
      const m = line.match(/^\s+at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/);
      if (!m) continue;
      let abs = m[2] === file ? "/srv/app/app.min.js" : m[2];
      frames.push({ function: m[1] || "", abs_path: abs, lineno: +m[3], colno: +m[4] });
    }
    result[variant][kind] = frames.reverse();
  }
}
console.log(JSON.stringify(result, null, 1));
