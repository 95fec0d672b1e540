const fs = require("fs");
const { SourceMapConsumer } = require("source-map");
const text = fs.readFileSync(process.argv[2], "utf8");
(async () => {
  const times = [];
  for (let i = 0; i < 6; i++) {
    const t0 = process.hrtime.bigint();
    const raw = JSON.parse(text);
    const c = await new SourceMapConsumer(raw);
    c.originalPositionFor({ line: 1, column: 5 });
    const t1 = process.hrtime.bigint();
    times.push(Number(t1 - t0) / 1e6);
    c.destroy();
  }
  console.log(times.map((t) => t.toFixed(1)).join(" "), "ms; best", Math.min(...times).toFixed(1));
})();
