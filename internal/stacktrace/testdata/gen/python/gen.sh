#!/bin/sh
# Regenerates testdata/python/real_*.txt on the local CPython (3.11 when written).
set -e
cd "$(dirname "$0")"
python3 gen.py ../../python
