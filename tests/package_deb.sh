#!/usr/bin/env bash
# `cpack -G DEB` builds a Debian package that holds the executable and its
# data, and depends on the shared libraries it links.
# Usage: package_deb.sh BUILD_DIR
set -euo pipefail
build_dir=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v dpkg-deb > /dev/null || { echo "dpkg-deb missing: skipped" >&2; exit 77; }

cd "$build_dir"
cpack -G DEB -B "$work" > "$work/cpack.log" 2>&1 || fail "cpack: $(cat "$work/cpack.log")"
deb=$(ls "$work"/evalrun_*.deb)
dpkg-deb -I "$deb" > "$work/info.txt"
depends=$(grep '^ Depends:' "$work/info.txt") || fail "no Depends: $(cat "$work/info.txt")"
for lib in libc6 libstdc++6 libcurl4 libsqlite3-0 libsimdjson14 libyaml-cpp0.7 libfmt9 libre2-9 libssl3; do
  grep -q "$lib" <<< "$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$deb" > "$work/contents.txt"
for f in ./usr/bin/evalrun ./usr/share/evalrun/benchmarks/mtbench.yaml \
  ./usr/share/evalrun/rubrics/fastchat-single.yaml ./usr/share/evalrun/data/mt_bench/question.jsonl; do
  grep -q " $f\$" "$work/contents.txt" || fail "package lacks $f"
done
echo "package: $(basename "$deb"):$depends"
