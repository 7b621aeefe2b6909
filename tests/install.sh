#!/usr/bin/env bash
# `cmake --install` into a temporary prefix; the installed evalrun, run from
# another directory with no EVALRUN_HOME, finds its data beside itself, keeps
# working when the prefix is moved, and never reads the source tree.
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$(realpath "$1")
source_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset EVALRUN_HOME

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log" ||
  fail "cmake --install: $(cat "$work/install.log")"
for f in bin/evalrun share/evalrun/benchmarks/mtbench.yaml share/evalrun/rubrics/fastchat-single.yaml \
  share/evalrun/data/mt_bench/question.jsonl share/evalrun/data/endpoints.yaml \
  share/evalrun/data/SOURCES.md; do
  [ -f "$work/prefix/$f" ] || fail "not installed: $f"
done
if ls "$work/prefix/share/evalrun/benchmarks/"*.cpp > /dev/null 2>&1; then
  fail "sources installed as data"
fi

mkdir "$work/elsewhere"
cd "$work/elsewhere"
evalrun=$work/prefix/bin/evalrun

"$evalrun" list benchmarks > list.txt || fail "list benchmarks: $(cat list.txt)"
grep -qx "benchmarks in $work/prefix/share/evalrun/benchmarks" list.txt ||
  fail "home is not the installed data: $(head -1 list.txt)"
grep -q '^mtbench ' list.txt || fail "mtbench not listed"

"$evalrun" --bench mtbench --model demo --db run.db --format json > report.json 2> run.err ||
  fail "demo MT-Bench: $(cat run.err)"
grep -q '"n": 160' report.json || fail "expected 160 judged turns"
grep -q '"errors": 0' report.json || fail "expected no errors"

# The shipped nightly matrix, named as the README names it, from any directory.
"$evalrun" leaderboard --config data/nightly.yaml --out board > board.txt 2>&1 ||
  fail "leaderboard: $(cat board.txt)"
[ -s board/index.html ] && [ -s board/leaderboard.json ] || fail "leaderboard pages missing"

# Relocatable: the prefix moved, the data is found beside the executable.
mv "$work/prefix" "$work/moved"
"$work/moved/bin/evalrun" --bench koala --model demo --db moved.db --limit 3 \
  --system-messages pool:data/system_messages/unseen_pool.yaml > moved.txt 2>&1 ||
  fail "moved install: $(cat moved.txt)"

# Nothing under the source tree is opened (strace, where the sandbox allows it).
if command -v strace > /dev/null && strace -f -o /dev/null true 2> /dev/null; then
  strace -f -e trace=%file -o trace.txt "$work/moved/bin/evalrun" --bench mtbench --model demo \
    --db traced.db --limit 2 > /dev/null 2>&1 || fail "traced run failed"
  grep -c . trace.txt > /dev/null || fail "strace recorded nothing"
  if grep -F "\"$source_dir/" trace.txt; then
    fail "the installed evalrun opened files in the source tree"
  fi
  grep -qF "\"$work/moved/share/evalrun/benchmarks/mtbench.yaml\"" trace.txt ||
    fail "the trace does not show the installed spec being read"
else
  echo "strace unavailable: the source-tree check was skipped" >&2
fi
echo "install: ok"
