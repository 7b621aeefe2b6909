#!/usr/bin/env bash
# End to end: a run cut into shards (run --shard i/n), each into its own
# database as separate machines would, merged (evalrun merge), reports the
# same as the run in one process. Usage: e2e_shards.sh EVALRUN SOURCE_DIR
set -euo pipefail
evalrun=$1
source_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The JSON report without what differs between two databases of the same
# results: run ids and times.
strip() { python3 "$source_dir/tests/support/strip_report.py" "$1"; }

# Each machine runs every benchmark of the evaluation for its shard, into
# one database; one process runs them all for the reference.
runs=("mtbench" "arenahard --limit 120" "alpacaeval --limit 150" "koala --system-messages none")
for spec in "${runs[@]}"; do
  # shellcheck disable=SC2086
  "$evalrun" --bench $spec --model demo --db whole.db > /dev/null 2> whole.err || fail "whole run $spec: $(cat whole.err)"
  for i in 0 1 2 3; do
    # shellcheck disable=SC2086
    "$evalrun" --bench $spec --model demo --db "shard$i.db" --shard "$i/4" > /dev/null 2> shard.err \
      || fail "shard $i of $spec: $(cat shard.err)"
  done
done
"$evalrun" merge merged.db shard0.db shard1.db shard2.db shard3.db 2> merge.err || fail "merge: $(cat merge.err)"
grep -q "merged 4 databases into merged.db: 4 runs" merge.err || fail "merge summary: $(cat merge.err)"
grep -q "mtbench demo judged by demo: 80 items, 4 of 4 shards, complete" merge.err \
  || fail "mtbench shards: $(cat merge.err)"
[ ! -e merged.db-wal ] || fail "the merged database's log was left beside it"
ls ./*.partial-* 2> /dev/null && fail "a partial file was left"

"$evalrun" report --db shard1.db --bench mtbench | grep -q "SHARD 1/4 of the items" || fail "a shard's report does not say so"
# Merges of some shards merge again into the whole.
"$evalrun" merge p01.db shard0.db shard1.db 2> p01.err || fail "partial merge: $(cat p01.err)"
grep -q "mtbench demo judged by demo: .* 2 of 4 shards, missing 2, 3, incomplete" p01.err || fail "$(cat p01.err)"
"$evalrun" merge p23.db shard2.db shard3.db 2> /dev/null || fail "partial merge 2"
"$evalrun" merge again.db p01.db p23.db 2> again-merge.err || fail "merging merges: $(cat again-merge.err)"
grep -q "4 of 4 shards, complete" again-merge.err || fail "$(cat again-merge.err)"
"$evalrun" report --db p01.db --bench mtbench | grep -q "SHARDS 0, 1 of 4 merged" || fail "a partial merge's report does not say so"

"$evalrun" report --db whole.db --format json > whole.json
"$evalrun" report --db merged.db --format json > merged.json
grep -q '"n": 160' merged.json || fail "mtbench turns in the merged report"
grep -q 'bradley_terry\|"score"' merged.json || fail "arena-hard in the merged report"
"$evalrun" report --db again.db --format json > again.json
cmp <(strip whole.json) <(strip again.json) || fail "the merge of merges differs from the whole run"
cmp <(strip whole.json) <(strip merged.json) || {
  diff <(strip whole.json) <(strip merged.json) | head -40 >&2
  fail "the merged report differs from the whole run's"
}
"$evalrun" report --db whole.db > whole.md
"$evalrun" report --db merged.db > merged.md
cmp <(grep -v 'started\|evalrun \|^| *[0-9]* *|' whole.md) <(grep -v 'started\|evalrun \|^| *[0-9]* *|' merged.md) \
  || fail "the Markdown reports differ"

# The merged run is the whole run: the same command finds it complete and
# sends nothing.
"$evalrun" --bench mtbench --model demo --db merged.db > /dev/null 2> again.err || fail "rerun: $(cat again.err)"
grep -q '0 requests sent' again.err || fail "the merged run was not the whole run: $(cat again.err)"

# A shard is stable under --limit: the shards of the first 30 items are the 30 items.
"$evalrun" --bench koala --model demo --system-messages none --limit 30 --db lim.db --format json > lim.json 2> /dev/null
for i in 0 1 2; do
  "$evalrun" --bench koala --model demo --system-messages none --limit 30 --shard "$i/3" \
    --db "lim$i.db" > /dev/null 2>&1 || fail "limited shard $i"
done
"$evalrun" merge lim-merged.db lim0.db lim1.db lim2.db 2> /dev/null || fail "limited merge"
"$evalrun" report --db lim-merged.db --format json > lim-merged.json
cmp <(strip lim.json) <(strip lim-merged.json) || fail "limited shards differ from the limited run"

# Refused, with exit 2 and nothing written: shards of different configurations
# (another --limit), the same shard twice, an existing output, a bad --shard.
"$evalrun" --bench koala --model demo --system-messages none --limit 40 --shard 2/3 --db other.db > /dev/null 2>&1
set +e
"$evalrun" merge mixed.db lim0.db lim1.db other.db 2> mixed.err; rc=$?
set -e
[ "$rc" = 2 ] || fail "shards of different configurations: exit $rc"
grep -q "different configurations" mixed.err || fail "mixed: $(cat mixed.err)"
grep -q "limit: 30 vs 40" mixed.err || fail "the differing field is not named: $(cat mixed.err)"
[ ! -e mixed.db ] || fail "a refused merge wrote its output"
set +e
"$evalrun" merge twice.db lim0.db lim1.db lim1.db 2> twice.err; rc=$?
cp lim1.db lim1-copy.db
"$evalrun" merge twice.db lim0.db lim1.db lim1-copy.db 2> twice2.err; rc2=$?
"$evalrun" merge lim-merged.db lim0.db 2> exists.err; rc3=$?
"$evalrun" --bench koala --model demo --shard 3/3 --db bad.db 2> bad.err; rc4=$?
set -e
[ "$rc" = 2 ] || fail "a database named twice: exit $rc"
[ "$rc2" = 2 ] || fail "the same shard twice: exit $rc2"
grep -q "both hold shard" twice2.err || fail "same shard: $(cat twice2.err)"
[ ! -e twice.db ] || fail "a refused merge wrote its output"
[ "$rc3" = 2 ] || fail "an existing output: exit $rc3"
[ "$rc4" = 2 ] || fail "--shard 3/3: exit $rc4"
grep -q "0 <= i < n" bad.err || fail "bad shard: $(cat bad.err)"
[ ! -e bad.db ] || fail "a bad --shard wrote a database"

# The plan names the shard.
"$evalrun" --bench mtbench --model demo --shard 1/4 --dry-run > plan.txt
grep -q "(shard 1/4)" plan.txt || fail "dry run: $(cat plan.txt)"
echo "e2e_shards: ok"
