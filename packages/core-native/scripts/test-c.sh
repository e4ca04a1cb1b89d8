#!/usr/bin/env bash
# Builds and runs the C core's unit tests (src/core/*.test.c) three times:
# plain, under AddressSanitizer + UndefinedBehaviorSanitizer, and under
# valgrind (memcheck; the ring's two-thread stress tests, ring-stress.test.c,
# are left out there: slow under valgrind, and ASan covers them). Binaries
# go to test/bin/ (gitignored). Fails on any compile error, warning or test
# failure. Works from any cwd.
#
#   scripts/test-c.sh            # everything
#   scripts/test-c.sh ring       # only tests whose name contains "ring"
#                                # (arguments are passed to every binary)
#
# Env: CC (default cc); BIN (default test/bin); VALGRIND=0 skips the valgrind pass (valgrind is a
# system package scripts/setup.mjs installs); RUN, a command the test
# binaries run under: another architecture's emulator when CC is a cross
# compiler (scripts/cross/linux-arm64.sh: CC=aarch64-linux-gnu-gcc,
# RUN="qemu-aarch64 -L /usr/aarch64-linux-gnu", VALGRIND=0 and
# detect_leaks=0 in ASAN_OPTIONS: LeakSanitizer cannot stop threads under
# qemu-user; the host run checks leaks). SANITIZE=0 leaves out the
# ASan/UBSan builds (mingw-w64 has no sanitizers), EXE is the binaries'
# suffix and LDFLAGS is added to each link: scripts/cross/win32-x64.sh runs
# them under wine with CC=x86_64-w64-mingw32-gcc-posix, EXE=.exe and
# LDFLAGS=-static (no mingw DLLs to find).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CC="${CC:-cc}"
read -r -a RUNNER <<<"${RUN:-}"
BIN="${BIN:-test/bin}"
EXE="${EXE:-}"
read -r -a LDFLAGS <<<"${LDFLAGS:-}"
mkdir -p "$BIN"

CFLAGS=(-std=c11 -O1 -g -Wall -Wextra -Werror -pthread -Iinclude)
# float-cast-overflow is not part of -fsanitize=undefined in GCC; it turns a
# NaN or out-of-range float converted to an integer sample into an error.
SANFLAGS=(-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer
          -fno-sanitize-recover=all)
LIBS=(-lm)
CORE=(src/core/ring.c src/core/callback.c src/core/convert.c src/core/file_pump.c)
TESTS=(ring ring-stress callback callback-run callback-rings callback-state callback-convert
       convert file_pump)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()

build() { # name variant flags...
  local name=$1 variant=$2
  shift 2
  local out="$BIN/$name-test$variant$EXE"
  echo "== cc $name$variant"
  "$CC" "${CFLAGS[@]}" "$@" -o "$out" "${CORE[@]}" "src/core/$name.test.c" "${LIBS[@]}" ${LDFLAGS[@]+"${LDFLAGS[@]}"}
}

run() { # binary args...
  local bin=$1
  shift
  echo "== run $bin"
  local start=$SECONDS
  if "${RUNNER[@]}" "$bin" "$@"; then
    echo "   ($((SECONDS - start)) s)"
  else
    echo "!! $bin failed"
    failed+=("$bin")
  fi
}

variants=("")
if [[ "${SANITIZE:-1}" != 0 ]]; then variants+=("-asan"); fi

for t in "${TESTS[@]}"; do
  build "$t" "" 
  if [[ "${SANITIZE:-1}" != 0 ]]; then build "$t" "-asan" "${SANFLAGS[@]}"; fi
done

for t in "${TESTS[@]}"; do
  for variant in "${variants[@]}"; do run "$BIN/$t-test$variant$EXE" "$@"; done
done

valgrind_run() { # binary args...
  echo "== valgrind $*"
  if ! valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite -q "$@"; then
    echo "!! valgrind $1 failed"
    failed+=("valgrind $1")
  fi
}

if [[ "${VALGRIND:-1}" != 0 ]]; then
  if ! command -v valgrind >/dev/null 2>&1; then
    echo "!! valgrind is not installed (node scripts/setup.mjs installs it; VALGRIND=0 skips this pass)"
    failed+=("valgrind missing")
  elif (($# == 0)); then
    valgrind_run "$BIN/ring-test" bytes_and_layout init_errors attach_errors empty_full_edges \
      split_regions index_wrap set_read_index random_single
    for t in callback callback-run callback-rings callback-state callback-convert; do
      valgrind_run "$BIN/$t-test"
    done
    valgrind_run "$BIN/convert-test"
    valgrind_run "$BIN/file_pump-test"
  else
    for t in "${TESTS[@]}"; do valgrind_run "$BIN/$t-test" "$@"; done
  fi
fi

if ((${#failed[@]})); then
  echo "C tests FAILED: ${failed[*]}"
  exit 1
fi
echo "C tests passed"
