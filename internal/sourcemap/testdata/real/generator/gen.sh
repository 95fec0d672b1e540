#!/bin/sh
# Regenerates the real-minifier fixtures: esbuild and terser output of app/, and the stack traces
# node prints when each throw site runs. Needs node and `npm install esbuild@0.25 terser@5`.
set -eu
OUT=${1:-out}
rm -rf "$OUT" && mkdir -p "$OUT/esbuild" "$OUT/terser" "$OUT/bundle"
npx esbuild app/src/index.js --bundle --minify --sourcemap --platform=node --format=cjs --outfile="$OUT/esbuild/app.min.js"
# terser minifies an unminified esbuild bundle and composes the maps
npx esbuild app/src/index.js --bundle --sourcemap --platform=node --format=cjs --outfile="$OUT/bundle/app.js"
npx terser "$OUT/bundle/app.js" -c -m --source-map "content='$OUT/bundle/app.js.map',url='app.min.js.map',includeSources" -o "$OUT/terser/app.min.js"
node stacks.js "$OUT" > "$OUT/stacks.json"
for v in esbuild terser; do node oracle.js "$OUT/$v/app.min.js.map" > "$OUT/$v/oracle.json"; done
