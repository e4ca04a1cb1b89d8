#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan into build-asan/ and runs
# test/asan-smoke.cjs against it on a private JACK dummy server: open, run,
# restart, abort, stop, close twice, use after close, a stream dropped
# while running (garbage collected), two control calls at once on one stream
# (stop and close, start and abort, start and close, two closes) and 200
# streams dropped without close. Any ASan report fails the script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
work="$here/build-asan"
rm -rf "$work"
mkdir -p "$work"
cp -r src include "$work/"
# binding.gyp asks scripts/native-deps.mjs for the static PortAudio by a path
# relative to this package; the copy asks by an absolute one
sed "s|node ../../scripts/|node $here/../../scripts/|g" binding.gyp >"$work/binding.gyp"
ln -s "$here/node_modules" "$work/node_modules"
nodedir="$(node -e "import('../../scripts/lib/node-headers.mjs').then(m => process.stdout.write(m.localNodedir() ?? ''))")"
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1"
(
  cd "$work"
  CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
    node "$here/node_modules/node-gyp/bin/node-gyp.js" rebuild ${nodedir:+--nodedir="$nodedir"} >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
)
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
server="pastream-test-asan"
jackd -n "$server" --no-realtime -d dummy -r 48000 -p 256 -C 2 -P 2 >"$work/jackd.log" 2>&1 &
jackd_pid=$!
trap 'kill -TERM $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null || true' EXIT
# Node itself leaks by design at exit: leak checking is off; everything else is on.
# Reports go to files as well: the glue points fd 2 at /dev/null while
# PortAudio probes, and a report written then would be lost.
status=0
JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1 \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0:log_path=$work/asan-report" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$work/ubsan-report" \
  LD_PRELOAD="$asan $ubsan" \
  node --expose-gc test/asan-smoke.cjs "$work/build/Release/pastream_core.node" "$server" || status=$?
for report in "$work"/asan-report.* "$work"/ubsan-report.*; do
  if [ -e "$report" ]; then
    echo "== $report"
    cat "$report"
    [ "$status" = 0 ] && status=1
  fi
done
if [ "$status" != 0 ]; then
  echo "asan: 0 passed, 1 failed (exit $status)"
  exit "$status"
fi
echo "asan: 1 passed, 0 failed"
