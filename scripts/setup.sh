#!/usr/bin/env bash
# Installs the Debian 12 packages evalrun needs to build (and, with --tests,
# to run every test: python3 for the fake-server checks (python3-yaml for the
# deployment examples' check), Chromium for the leaderboard page check, npm
# (when there is no npm) and then playwright-core from npm into
# tests/browser/node_modules for the evalrun view check, clang-16 and its
# runtimes for the libFuzzer targets in fuzz/). Idempotent: packages already
# present are left alone.
# Needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libcurl4-openssl-dev libsqlite3-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libfmt-dev
  libboost-dev doctest-dev libcli11-dev libre2-dev libssl-dev
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(python3 python3-yaml chromium strace clang-16 libclang-rt-16-dev)
  command -v npm > /dev/null || packages+=(npm)
fi
# playwright-core, at the version tests/browser/package-lock.json pins.
install_browser_driver() {
  if [ "${1:-}" = "--tests" ]; then
    npm ci --prefix "$(dirname "$0")/../tests/browser" --no-audit --no-fund --loglevel=error
  fi
}
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  install_browser_driver "${1:-}"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_browser_driver "${1:-}"
