#!/usr/bin/env bash
# Queues the shards (an array of SHARDS tasks, 4 unless set) and the merge,
# which starts once every shard succeeded. Variables as in shards.sbatch
# (RESULTS, BENCH, MODEL, JUDGE, ENDPOINTS) pass through to both jobs.
#   RESULTS=/shared/janus-mtbench SHARDS=8 bash submit.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
export SHARDS=${SHARDS:-4}
array=$(sbatch --parsable --export=ALL --array="0-$((SHARDS - 1))" "$here/shards.sbatch")
sbatch --parsable --export=ALL --dependency="afterok:${array%%;*}" "$here/merge.sbatch"
