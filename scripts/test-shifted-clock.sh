#!/usr/bin/env bash
# Runs the test suite with every Go clock of this build shifted DAYS into the future (default
# 3650), the collector under test included, to find tests whose answer depends on the day they
# run. A fixed fixture date compared with an unpinned clock fails here years before it would in CI.
#
# How: `go build -overlay` swaps the standard library's time.go for a copy whose Now() adds the
# offset read from FAULTLINE_CLOCK_OFFSET_DAYS. Timers and durations run on the monotonic clock and
# are untouched. Everything is rebuilt against the patched package, so a run takes several times
# longer than `make test`; it is a check to run after touching dates, not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

days=${1:-3650}
shift $(( $# > 0 ? 1 : 0 ))   # the rest, if any, are go test's arguments (default ./...)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

src=$(go env GOROOT)/src/time/time.go
python3 - "$src" "$work/time.go" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
s = open(src).read()
now = "func Now() Time {\n\tsec, nsec, mono := runtimeNow()\n"
if now not in s or 'import (\n' not in s:
    sys.exit("test-shifted-clock: this Go's time.Now() has an unexpected shape; update the patch")
s = s.replace('import (\n', 'import (\n\t"syscall"\n', 1)
s = s.replace(now, now + "\tsec += shiftedClockSeconds()\n", 1)
s += '''
var shiftedClock = int64(-1)

// shiftedClockSeconds is FAULTLINE_CLOCK_OFFSET_DAYS in seconds, read once.
func shiftedClockSeconds() int64 {
	if shiftedClock < 0 {
		v, _ := syscall.Getenv("FAULTLINE_CLOCK_OFFSET_DAYS")
		n := int64(0)
		for _, c := range v {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int64(c-'0')
		}
		shiftedClock = n * 86400
	}
	return shiftedClock
}
'''
open(dst, "w").write(s)
PY
printf '{"Replace":{"%s":"%s"}}\n' "$src" "$work/time.go" > "$work/overlay.json"

export FAULTLINE_CLOCK_OFFSET_DAYS=$days
# Node.js programs the tests start (real Sentry SDKs) read the same shifted clock: an SDK's own
# timestamps (client reports, sent_at) must agree with the collector's, as they do on a real day.
cat > "$work/shift-clock.cjs" <<'JS'
const offset = Number(process.env.FAULTLINE_CLOCK_OFFSET_DAYS || 0) * 86400000;
const RealDate = Date;
class ShiftedDate extends RealDate {
  constructor(...args) { if (args.length === 0) super(RealDate.now() + offset); else super(...args); }
  static now() { return RealDate.now() + offset; }
}
globalThis.Date = ShiftedDate;
const origin = performance.timeOrigin + offset;
Object.defineProperty(performance, 'timeOrigin', { get: () => origin });
JS
export NODE_OPTIONS="--require $work/shift-clock.cjs${NODE_OPTIONS:+ $NODE_OPTIONS}"
# The distribution the end-to-end tests start is built with the same overlay, into $work.
# Its replaces are relative to the output directory, so they become absolute.
sed -e "s|^  output_path: .*|  output_path: $work/dist|" -e "s|=> \.\./|=> $PWD/|" builder-config.yaml > "$work/builder-config.yaml"
GOFLAGS=-overlay=$work/overlay.json .tools/bin/builder --config "$work/builder-config.yaml" >/dev/null 2>"$work/ocb.log" ||
  { cat "$work/ocb.log" >&2; exit 1; }
echo "test-shifted-clock: every clock runs $days days ahead"
FAULTLINE_DIST=$work/dist/otelcol-faultline go test -overlay "$work/overlay.json" -count=1 -timeout 40m "${@:-./...}"
