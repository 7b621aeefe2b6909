#!/usr/bin/env bash
# The examples of docs/kubernetes/ and docs/slurm/, run here as their engines
# would run them, on the built-in demo backend: the manifests checked against
# the Kubernetes API fields they use, the Indexed Job's pods (one per
# completion index), the merge Job and the nightly CronJob; the Slurm array's
# tasks, its merge, and the submission script (with a stand-in sbatch). The
# shards merged report what the run in one process reports.
# Usage: e2e_deploy.sh EVALRUN SOURCE_DIR
set -euo pipefail
evalrun=$(realpath "$1")
source_dir=$(realpath "$2")
python3 -c 'import yaml' 2> /dev/null || { echo "python3-yaml missing: skipped" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
manifests=$source_dir/tests/support/k8s_manifests.py

# `evalrun` as the image runs it, every endpoint answered by the demo backend
# (the endpoints files are read as they are; nothing is contacted).
mkdir bin
cat > bin/evalrun << WRAP
#!/usr/bin/env bash
case "\${1:-}" in
  run|leaderboard) exec "$evalrun" "\$@" --demo ;;
  *) exec "$evalrun" "\$@" ;;
esac
WRAP
chmod +x bin/evalrun
export PATH=$work/bin:$PATH
strip() { python3 "$source_dir/tests/support/strip_report.py" "$1"; }

# 1. Kubernetes: the manifests, then what each pod would run, in order.
python3 "$manifests" check "$source_dir/docs/kubernetes" > /dev/null || fail "manifests"
cp -r "$source_dir/docs/kubernetes" typo
sed -i 's/completionMode: Indexed/completionsMode: Indexed/' typo/shards-job.yaml
if python3 "$manifests" check typo 2> typo.err; then fail "a misspelt field passed the check"; fi
grep -q "unknown field 'completionsMode'" typo.err || fail "typo: $(cat typo.err)"
mkdir -p k8s/results
python3 "$manifests" run "$source_dir/docs/kubernetes" "$work/k8s" > pods.jsonl
[ "$(grep -c -- '--shard' pods.jsonl)" = 4 ] || fail "expected 4 shard pods: $(cat pods.jsonl)"
while IFS= read -r pod; do
  mapfile -t argv < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])))' "$pod")
  "${argv[@]}" > /dev/null 2> pod.err || fail "pod ${argv[*]}: $(cat pod.err)"
done < pods.jsonl
for i in 0 1 2 3; do [ -s "k8s/results/shard-$i.db" ] || fail "shard $i wrote no database"; done
[ -s k8s/results/report/report.json ] && [ -s k8s/results/report/report.md ] || fail "the merge job wrote no report"
[ -s k8s/results/leaderboard/leaderboard.md ] || fail "the nightly job wrote no leaderboard"
evalrun run --bench mtbench --model janus --judge gpt-4 --endpoints k8s/config/endpoints.yaml \
  --db whole.db --format json > whole.json 2> /dev/null
evalrun report --db whole.db --format json > whole-report.json
cmp <(strip whole-report.json) <(strip k8s/results/report/report.json) || fail "the Kubernetes shards merged differ from the whole run"

# 2. Slurm: the array's tasks, then the merge, with the variables the scripts read.
export RESULTS=$work/slurm BENCH=mtbench MODEL=janus JUDGE=gpt-4 ENDPOINTS=$work/k8s/config/endpoints.yaml
for i in 0 1 3; do
  SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 bash "$source_dir/docs/slurm/shards.sbatch" > /dev/null 2> task.err \
    || fail "array task $i: $(cat task.err)"
done
# Task 2 submitted again on its own (an array of 1), the number of shards given.
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 SHARDS=4 bash "$source_dir/docs/slurm/shards.sbatch" > /dev/null 2> task.err \
  || fail "array task 2 again: $(cat task.err)"
if bash "$source_dir/docs/slurm/shards.sbatch" 2> nota.err; then fail "shards.sbatch ran outside an array"; fi
bash "$source_dir/docs/slurm/merge.sbatch" > /dev/null 2> merge.err || fail "merge.sbatch: $(cat merge.err)"
cmp <(strip whole-report.json) <(strip slurm/report/report.json) || fail "the Slurm shards merged differ from the whole run"
# submit.sh queues the array, then the merge after it (a stand-in sbatch records them).
cat > bin/sbatch << 'SB'
#!/usr/bin/env bash
echo "$*" >> "$SBATCH_LOG"
case "$*" in *--array=*) echo "4242;cluster" ;; *) echo 4243 ;; esac
SB
chmod +x bin/sbatch
SBATCH_LOG=$work/sbatch.log SHARDS=8 bash "$source_dir/docs/slurm/submit.sh" > /dev/null
grep -q -- "--array=0-7 .*shards.sbatch" sbatch.log || fail "submit: $(cat sbatch.log)"
grep -q -- "--dependency=afterok:4242 .*merge.sbatch" sbatch.log || fail "submit: $(cat sbatch.log)"
echo "e2e_deploy: ok"
