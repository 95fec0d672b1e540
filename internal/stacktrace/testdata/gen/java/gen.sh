#!/bin/sh
# Regenerates testdata/java/real_*.txt from Gen.java on the local JDK (17 when written).
set -e
cd "$(dirname "$0")"
java Gen.java ../../java
