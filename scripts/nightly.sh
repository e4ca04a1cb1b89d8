#!/usr/bin/env bash
# The nightly checks, not run in CI (too slow or too big for it): runs every
# scripts/nightly/*.mjs in turn, in name order, each with node, and reports
# which failed. Each script prints a one-line result and exits non-zero on a
# failure. Add a check by dropping a script there (rf64.mjs: a recording
# past 4 GiB is RF64 and reads back whole; a soak script will join it).
#
# Needs the built packages: run `node scripts/setup.mjs` first.
# Exits 1 when any script failed, after running them all.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
failed=()
ran=0
for script in scripts/nightly/*.mjs; do
  [ -e "$script" ] || continue
  ran=$((ran + 1))
  echo "== $script"
  start=$SECONDS
  if node "$script"; then
    echo "== $script: passed in $((SECONDS - start)) s"
  else
    echo "== $script: FAILED (exit $?) after $((SECONDS - start)) s"
    failed+=("$script")
  fi
done
if [ "$ran" -eq 0 ]; then
  echo "nightly: no scripts in scripts/nightly"
  exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "nightly: $((ran - ${#failed[@]})) passed, ${#failed[@]} failed: ${failed[*]}"
  exit 1
fi
echo "nightly: $ran passed, 0 failed"
