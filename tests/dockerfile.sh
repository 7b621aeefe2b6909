#!/usr/bin/env bash
# The Dockerfile: `docker build` and a demo run in the image where a Docker
# daemon answers; otherwise its install stage, with the same script
# (scripts/install_deb.sh, simulated), on the package cpack builds here: every
# library the package depends on comes from Debian 12's archive, and no
# compiler or header package comes with it.
# Usage: dockerfile.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(realpath "$1")
source_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
dockerfile=$source_dir/Dockerfile

# The final stage is debian:12-slim with the package installed by the script.
final=$(awk '/^FROM /{stage=$0; body=""} {body=body $0 "\n"} END{printf "%s", body}' "$dockerfile")
grep -q '^FROM debian:12-slim' <<< "$final" || fail "the final stage is not debian:12-slim"
grep -q 'bash /tmp/install_deb.sh /tmp/packages/evalrun_\*.deb' <<< "$final" \
  || fail "the final stage does not install with scripts/install_deb.sh"
grep -q 'cpack -G DEB -B /packages' "$dockerfile" || fail "the build stage does not make the package"
grep -q 'bash scripts/setup.sh' "$dockerfile" || fail "the build stage does not use scripts/setup.sh"

if command -v docker > /dev/null && docker info > /dev/null 2>&1; then
  docker build -t evalrun-test "$source_dir" > "$work/build.log" 2>&1 || fail "docker build: $(tail -20 "$work/build.log")"
  docker run --rm evalrun-test --bench mtbench --model demo --limit 2 --db /tmp/demo.db > "$work/run.out" \
    || fail "the image's demo run failed"
  grep -q 'mtbench' "$work/run.out" || fail "the image's demo report: $(cat "$work/run.out")"
  docker run --rm --entrypoint sh evalrun-test -c '! command -v gcc && ! command -v cmake' \
    || fail "the final image holds build tools"
  echo "dockerfile: docker build and a demo run passed"
  exit 0
fi

command -v dpkg-deb > /dev/null && command -v apt-get > /dev/null || { echo "no apt: skipped" >&2; exit 77; }
[ -n "$(ls /var/lib/apt/lists/*_Packages* 2> /dev/null)" ] || { echo "no apt package lists: skipped" >&2; exit 77; }
cd "$build_dir"
cpack -G DEB -B "$work" > "$work/cpack.log" 2>&1 || fail "cpack: $(cat "$work/cpack.log")"
deb=$(ls "$work"/evalrun_*.deb)
bash "$source_dir/scripts/install_deb.sh" --simulate "$deb" > "$work/apt.log" 2>&1 \
  || fail "the package's dependencies do not resolve: $(cat "$work/apt.log")"
grep -q '^Inst evalrun ' "$work/apt.log" || fail "apt would not install evalrun: $(cat "$work/apt.log")"
# What a fresh debian:12-slim gets is the package and what it depends on (here, on a machine
# that has most of it already, apt lists less): no compiler, no headers.
depends=$(dpkg-deb -f "$deb" Depends)
if grep -E '(^|[ ,])(gcc|g\+\+|cpp|cmake|ninja-build|make|lib[a-z0-9+.-]*-dev)( |,|$)' <<< "$depends"; then
  fail "the package depends on build tools or headers: $depends"
fi
if grep -E '^Inst (gcc|g\+\+|cpp|cmake|ninja-build|make|lib[a-z0-9+.-]*-dev) ' "$work/apt.log"; then
  fail "the install stage would bring build tools or headers"
fi
echo "dockerfile: no Docker daemon; the install stage resolves (apt would install $(grep -c '^Inst ' "$work/apt.log") package(s) here); Depends: $depends"
