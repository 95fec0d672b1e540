#!/bin/sh
# Regenerates testdata/javascript/real_*.txt on the local Node.js (20 when written).
set -e
cd "$(dirname "$0")"
node gen.js ../../javascript
