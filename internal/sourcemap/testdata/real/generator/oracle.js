// Writes, for a source map, what Mozilla source-map 0.7 (the DESIGN's position oracle) answers at
// every segment start, one column before and after it, and past the end of each line.
// Usage: node oracle.js app.min.js.map > oracle.json
const fs = require("fs");
const { SourceMapConsumer } = require("source-map");
(async () => {
  const raw = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const c = await new SourceMapConsumer(raw);
  const probes = new Set();
  const lastCol = new Map();
  c.eachMapping((m) => {
    for (const col of [m.generatedColumn - 1, m.generatedColumn, m.generatedColumn + 1]) {
      if (col >= 0) probes.add(m.generatedLine + ":" + col);
    }
    lastCol.set(m.generatedLine, Math.max(lastCol.get(m.generatedLine) || 0, m.generatedColumn));
  });
  for (const [line, col] of lastCol) probes.add(line + ":" + (col + 1000));
  const out = [];
  for (const p of probes) {
    const [line, column] = p.split(":").map(Number);
    const o = c.originalPositionFor({ line, column });
    out.push({ line: line - 1, column, source: o.source, originalLine: o.line === null ? null : o.line - 1, originalColumn: o.column, name: o.name });
  }
  out.sort((a, b) => a.line - b.line || a.column - b.column);
  c.destroy();
  console.log(JSON.stringify(out));
})();
