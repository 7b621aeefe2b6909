#!/usr/bin/env bash
# Installs evalrun's Debian package (cpack -G DEB) and the shared libraries it
# depends on, from Debian 12's archive, and nothing it only recommends: the
# install stage of the Dockerfile. Needs root.
# Usage: install_deb.sh [--simulate] PACKAGE.deb
#   --simulate: only show what apt would install (no root needed; tests/dockerfile.sh).
set -euo pipefail
simulate=()
quiet=(-qq)
if [ "${1:-}" = "--simulate" ]; then
  simulate=(--simulate)
  quiet=()
  shift
fi
[ $# -eq 1 ] || { echo "usage: install_deb.sh [--simulate] PACKAGE.deb" >&2; exit 2; }
package=$(realpath "$1")
if [ ${#simulate[@]} -eq 0 ]; then
  apt-get update -qq
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y "${quiet[@]}" --no-install-recommends "${simulate[@]}" "$package"
if [ ${#simulate[@]} -eq 0 ]; then
  apt-get clean
  rm -rf /var/lib/apt/lists/*
  evalrun --version
fi
