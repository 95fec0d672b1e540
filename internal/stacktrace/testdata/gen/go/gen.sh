#!/bin/sh
# Regenerates testdata/go/real_*.txt: panics and stack dumps of main.go, built with -trimpath
# so that paths do not depend on the checkout (Go 1.26 when written).
set -e
cd "$(dirname "$0")"
out=../../go
bin=$(mktemp -d)/gen
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -trimpath -o "$bin" .
for c in index nil-map repanic goroutine error-value debug-stack runtime-stack-truncated; do
	"$bin" "$c" 2>"$out/real_$c.txt" || true
done
GOTRACEBACK=all "$bin" goroutine 2>"$out/real_gotraceback_all.txt" || true
