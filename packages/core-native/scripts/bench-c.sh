#!/usr/bin/env bash
# Builds and runs the engine benchmark (bench/engine-bench.c) with -O3 (what node-gyp uses for Release), no
# -march=native (CI machines differ from build machines). Binary goes to
# bench/bin/ (gitignored). Works from any cwd.
#
#   scripts/bench-c.sh          # ~1 s per run, best of 3
#   scripts/bench-c.sh 0.2      # shorter runs (seconds per run)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CC="${CC:-cc}"
mkdir -p bench/bin
"$CC" -std=c11 -O3 -g -Wall -Wextra -Werror -Iinclude -o bench/bin/engine-bench \
  bench/engine-bench.c src/core/ring.c src/core/callback.c -lm
exec bench/bin/engine-bench "$@"
