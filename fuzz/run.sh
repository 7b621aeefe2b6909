#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-16 into BUILD_DIR and runs each one
# for SECONDS on a copy of its seed corpus (fuzz/corpus/<target>/), with its
# dictionary (fuzz/<target>.dict). Fails on any crash, sanitizer report,
# uncaught exception or broken invariant, and prints the input that caused it
# (kept under BUILD_DIR/fuzz-artifacts/).
#   bash fuzz/run.sh build-fuzz 60
# Reproduce a finding: BUILD_DIR/fuzz/fuzz_<target> PATH-TO-INPUT
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
source_dir=$(cd "$(dirname "$0")/.." && pwd)
targets=(openai_reply judge_replies config csv)

for tool in clang-16 clang++-16; do
  if ! command -v "$tool" > /dev/null; then
    echo "fuzz: $tool is missing (Debian: apt-get install clang-16 libclang-rt-16-dev," \
      "or bash scripts/setup.sh --tests)" >&2
    exit 1
  fi
done

CC=clang-16 CXX=clang++-16 cmake -S "$source_dir" -B "$build" -G Ninja -DEVALRUN_FUZZ=ON \
  -DEVALRUN_BUILD_TESTS=OFF > /dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

# Stop at the first report of any kind (UBSan is built not to recover anyway).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  artifacts="$build/fuzz-artifacts/$t"
  rm -rf "$work" "$artifacts"
  mkdir -p "$work" "$artifacts"
  # A copy: what the fuzzer adds to its corpus stays out of the source tree.
  cp "$source_dir/fuzz/corpus/$t/"* "$work/"
  log="$build/fuzz-$t.log"
  echo "fuzz: $t for ${seconds}s (log: $log)"
  if "$build/fuzz/fuzz_$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict="$source_dir/fuzz/$t.dict" -print_final_stats=1 -artifact_prefix="$artifacts/" \
    > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $t passed: ${runs:-?} inputs, no finding"
  else
    status=1
    echo "fuzz: $t FAILED; the last lines of $log:" >&2
    tail -n 60 "$log" >&2
    for input in "$artifacts"/*; do
      [ -e "$input" ] || continue
      echo "fuzz: $t: crashing input: $input (reproduce: $build/fuzz/fuzz_$t $input)" >&2
    done
  fi
done
exit $status
