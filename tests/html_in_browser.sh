#!/usr/bin/env bash
# The leaderboard page in a real headless browser: builds a 2-model × 2-benchmark
# leaderboard on the demo backend, loads index.html in Chromium, checks the
# rendered DOM (the table with its rows, the SVG charts, the sorting script
# ran) and that the page asks for nothing from the network, and takes a
# screenshot (kept as $SCREENSHOT_DIR/index.png when set).
# Usage: html_in_browser.sh EVALRUN SOURCE_DIR   (exit 77 = skipped: no chromium)
set -euo pipefail
evalrun=$1
source_dir=$2
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium not installed: skipped (bash scripts/setup.sh --tests installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > matrix.yaml <<'YAML'
matrix:
  - bench: mtbench
    models: [demo, demo2]
    judge: demo
  - bench: multifaceted
    bench_file: data/multifaceted_bench/example_instance_from_README.json
    models: [demo, demo2]
    judge: demo
YAML
sed -i "s#bench_file: data#bench_file: $source_dir/data#" matrix.yaml
"$evalrun" leaderboard --config matrix.yaml --out out --db board.db 2> board.err || fail "leaderboard: $(cat board.err)"
for f in leaderboard.md leaderboard.json leaderboard.csv index.html; do [ -s "out/$f" ] || fail "out/$f missing"; done
# A second run sends nothing and writes the same tables (timestamps aside).
cp out/leaderboard.json first.json
cp out/leaderboard.csv first.csv
"$evalrun" leaderboard --config matrix.yaml --out out --db board.db 2> again.err || fail "second leaderboard run"
[ "$(grep -c ' 0 requests sent' again.err)" = 4 ] || fail "the second run sent requests: $(cat again.err)"
diff <(grep -v computed_at first.json) <(grep -v computed_at out/leaderboard.json) > /dev/null \
  || fail "leaderboard.json changed"
diff <(cut -d, -f1-15 first.csv) <(cut -d, -f1-15 out/leaderboard.csv) > /dev/null || fail "leaderboard.csv changed"
if grep -Eo '(src|href)="[^"]*"' out/index.html | grep -Eq '(https?:)?//'; then
  fail "the page loads something from the network"
fi

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile" --window-size=1300,1600)
"$browser" "${flags[@]}" --dump-dom "file://$work/out/index.html" > dom.html 2> browser.err \
  || fail "chromium could not render the page: $(tail -5 browser.err)"
grep -q 'data-ready="yes"' dom.html || fail "the page's script did not run"
[ "$(grep -o '<tr>' dom.html | wc -l)" -ge 3 ] || fail "the leaderboard table has no rows"
[ "$(grep -o '<svg' dom.html | wc -l)" -ge 3 ] || fail "charts missing"
grep -q 'turn 1 vs turn 2' dom.html || fail "MT-Bench turn chart missing"
grep -q 'tokens: candidate demo: 160 requests' dom.html || fail "a cell's tooltip has no tokens"
"$browser" "${flags[@]}" --screenshot="$work/index.png" "file://$work/out/index.html" 2>> browser.err \
  || fail "no screenshot: $(tail -5 browser.err)"
[ "$(stat -c %s index.png)" -gt 10000 ] || fail "the screenshot is empty"
if [ -n "${SCREENSHOT_DIR:-}" ]; then cp index.png out/index.html "$SCREENSHOT_DIR/"; fi
echo "html_in_browser: table, $(grep -o '<svg' dom.html | wc -l) charts, screenshot $(stat -c %s index.png) bytes"
