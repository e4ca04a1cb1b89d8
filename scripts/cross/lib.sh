# Sourced by the cross scripts (linux-arm64.sh, win32-x64.sh): what they
# share. Set `target` (the name in the log lines) before sourcing.

started=$SECONDS
# A log line naming the step and the seconds since the script started.
step() { echo "== [cross $target] $* ($((SECONDS - started)) s)"; }

# Installs the Debian packages given that are missing (apt-get as root;
# otherwise prints the command to run and exits 1).
ensure_packages() {
  local missing=() package command
  for package in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  command="apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ "$(id -u)" != 0 ]]; then
    echo "missing system packages: ${missing[*]}. Run:"
    echo "  sudo sh -c 'apt-get update && $command'"
    exit 1
  fi
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq -o DPkg::Lock::Timeout=600 && apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null; }
}

# The host build a cross test needs (the JS of every package it loads).
require_host_build() {
  local dist
  for dist in packages/core-native/dist packages/stream/dist packages/soundfile/dist; do
    [[ -d "$dist" ]] || { echo "no $dist: run node scripts/setup.mjs first (the host build)"; exit 1; }
  done
}
