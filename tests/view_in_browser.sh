#!/usr/bin/env bash
# evalrun view in Chromium, driven by playwright-core (tests/browser/view.mjs)
# over a demo database: an MT-Bench run and an Arena-Hard run, whose demo judge
# leaves one verdict unreadable. Screenshots are kept in $SCREENSHOT_DIR when set.
# Usage: view_in_browser.sh EVALRUN SOURCE_DIR
#   (exit 77 = skipped: no chromium or node, or tests/browser/node_modules not installed:
#    bash scripts/setup.sh --tests installs them)
set -euo pipefail
evalrun=$1
source_dir=$(realpath "$2")
command -v chromium > /dev/null || { echo "chromium not installed: skipped"; exit 77; }
command -v node > /dev/null || { echo "node not installed: skipped"; exit 77; }
[ -d "$source_dir/tests/browser/node_modules/playwright-core" ] \
  || { echo "playwright-core not installed (npm ci --prefix tests/browser): skipped"; exit 77; }
work=$(mktemp -d)
viewer=""
trap '[ -n "$viewer" ] && kill "$viewer" 2> /dev/null; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$evalrun" --bench mtbench --model demo --db runs.db > /dev/null 2>&1 || fail "mtbench run"
"$evalrun" --bench arenahard --model demo --db runs.db > /dev/null 2>&1 || fail "arenahard run"
"$evalrun" view --db runs.db --port 0 > view.out 2> view.err &
viewer=$!
for _ in $(seq 100); do grep -q 127.0.0.1 view.out 2> /dev/null && break; sleep 0.05; done
url=$(sed -n 's|.*\(http://127.0.0.1:[0-9]*\)/.*|\1|p' view.out)
[ -n "$url" ] || fail "no address printed: $(cat view.out view.err)"
shots=${SCREENSHOT_DIR:-$work/shots}
mkdir -p "$shots"
HOME="$work" node "$source_dir/tests/browser/view.mjs" "$url" "$shots" || fail "the browser check"
for s in 1-runs 2-run 3-unreadable 4-item; do
  [ "$(stat -c %s "$shots/$s.png")" -gt 10000 ] || fail "screenshot $s is empty"
done
