#!/usr/bin/env bash
# End to end: run --batch against a fake server with OpenAI's Batch API
# (tests/support/fake_batch_server.py, on loopback): the judge's requests go
# as batch jobs, each answered once; a run killed while its job waits takes
# the same job up again (no second one); lines a job failed go in the next
# job; the verdicts equal those of plain requests.
# Usage: e2e_batch.sh EVALRUN SOURCE_DIR
set -euo pipefail
evalrun=$1
source_dir=$2
command -v python3 > /dev/null || { echo "python3 missing: skipped" >&2; exit 77; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
server=$source_dir/tests/support/fake_batch_server.py

# start NAME ARGS...: a fake server, its endpoints file NAME.yaml (the judge "batchjudge").
start() {
  local name=$1
  shift
  python3 "$server" --port-file "$name.port" "$@" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$name.port" ] && break; sleep 0.05; done
  [ -s "$name.port" ] || fail "the fake server $name did not start"
  cat > "$name.yaml" << YAML
endpoints:
  batchjudge:
    base_url: http://127.0.0.1:$(cat "$name.port")/v1
    model: judge-model
    max_concurrency: 8
YAML
}
stat() { # stat NAME FIELD: a field of the server's /stats
  python3 -c '
import json, sys, urllib.request
s = json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % open(sys.argv[1] + ".port").read()))
f = sys.argv[2]
if f == "answered_once":
    print(len(s["answered"]) if all(n == 1 for n in s["answered"].values()) else "twice")
else:
    print(s[f])' "$1" "$2"
}
strip() { python3 -c '
import json, sys
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in ("id", "run_id", "started_at", "finished_at", "created_at", "judge_model_id", "judge")}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
print(json.dumps(clean(json.load(open(sys.argv[1]))), indent=1, sort_keys=True))' "$1"; }
run() { # run NAME DB [FLAGS]: MT-Bench's first 6 questions (12 turns), the judge batchjudge
  local name=$1 db=$2
  shift 2
  "$evalrun" --bench mtbench --limit 6 --model demo --judge batchjudge --endpoints "$name.yaml" \
    --batch-poll 0.05 --db "$db" "$@"
}
# run_in_background NAME DB ERR: `run NAME DB --batch` in the background, its pid (evalrun's
# own, not a subshell's) in $first.
run_in_background() {
  "$evalrun" --bench mtbench --limit 6 --model demo --judge batchjudge --endpoints "$1.yaml" \
    --batch-poll 0.05 --db "$2" --batch > /dev/null 2> "$3" &
  first=$!
}

# 1. The round trip: one job of 12 judge requests, each answered once, no plain request.
start one
run one one.db --batch --format json > one.json 2> one.err || fail "batch run: $(cat one.err)"
grep -q '"n": 12' one.json || fail "12 judged turns: $(cat one.json)"
[ "$(stat one batches_created)" = 1 ] || fail "jobs: $(stat one batches_created)"
[ "$(stat one lines)" = 12 ] || fail "lines: $(stat one lines)"
[ "$(stat one answered_once)" = 12 ] || fail "answered: $(stat one answered_once)"
[ "$(stat one plain_requests)" = 0 ] || fail "plain requests sent"
grep -q "12 requests of run 1 to batchjudge (judge-model) go as a batch job" one.err || fail "$(cat one.err)"
grep -q "batch job batch_1: 12 answered, 0 failed" one.err || fail "$(cat one.err)"
# The same command again: everything stored, no job.
run one one.db --batch > /dev/null 2> again.err || fail "again: $(cat again.err)"
[ "$(stat one batches_created)" = 1 ] || fail "a second job for a stored run"
# Plain requests give the same verdicts.
start plain
run plain plain.db --format json > plain.json 2> plain.err || fail "plain run: $(cat plain.err)"
[ "$(stat plain plain_requests)" = 12 ] || fail "plain: $(stat plain plain_requests)"
cmp <(strip one.json) <(strip plain.json) || fail "batch and plain verdicts differ"

# 2. Killed while its job waits: the next run takes the same job up.
start held --hold
run_in_background held held.db held1.err
for _ in $(seq 200); do [ "$(stat held batches_created)" = 1 ] && break; sleep 0.05; done
for _ in $(seq 200); do grep -q "in_progress" held1.err && break; sleep 0.05; done
[ "$(stat held batches_created)" = 1 ] || fail "no job was created: $(cat held1.err)"
kill -9 "$first"
wait "$first" 2> /dev/null || true
python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/admin/finish" % open("held.port").read(), data=b"{}"))'
run held held.db --batch --format json > held.json 2> held2.err || fail "resumed: $(cat held2.err)"
grep -q "(submitted by an earlier run): 12 answered" held2.err || fail "not resumed: $(cat held2.err)"
[ "$(stat held batches_created)" = 1 ] || fail "a second job: $(stat held batches_created)"
[ "$(stat held files_uploaded)" = 1 ] || fail "a second upload"
[ "$(stat held answered_once)" = 12 ] || fail "answered: $(stat held answered_once)"
cmp <(strip one.json) <(strip held.json) || fail "the resumed run's verdicts differ"

# 3. SIGINT while the job waits: exit 130, the job left recorded, then taken up.
start sig --hold
run_in_background sig sig.db sig1.err
for _ in $(seq 200); do grep -q "in_progress" sig1.err && break; sleep 0.05; done
grep -q "in_progress" sig1.err || fail "the job was not waited for: $(cat sig1.err)"
kill -INT "$first"
set +e
wait "$first"
rc=$?
set -e
[ "$rc" = 130 ] || fail "SIGINT while waiting: exit $rc: $(cat sig1.err)"
grep -q "goes on without evalrun" sig1.err || fail "$(cat sig1.err)"
python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/admin/finish" % open("sig.port").read(), data=b"{}"))'
run sig sig.db --batch > /dev/null 2> sig2.err || fail "after SIGINT: $(cat sig2.err)"
[ "$(stat sig batches_created)" = 1 ] || fail "a second job after SIGINT"

# 4. Lines a job failed are asked in a next job.
start flaky --fail-first 3
run flaky flaky.db --batch --format json > flaky.json 2> flaky.err || fail "flaky: $(cat flaky.err)"
[ "$(stat flaky batches_created)" = 2 ] || fail "jobs: $(stat flaky batches_created): $(cat flaky.err)"
[ "$(stat flaky lines)" = 15 ] || fail "lines: $(stat flaky lines)"
[ "$(stat flaky answered_once)" = 12 ] || fail "answered: $(stat flaky answered_once)"
grep -q "9 answered, 3 failed" flaky.err || fail "$(cat flaky.err)"
cmp <(strip one.json) <(strip flaky.json) || fail "the verdicts after a failed line differ"

# 5. The demo backend has no batch API: refused before anything is written.
if "$evalrun" --bench mtbench --model demo --batch --db demo.db 2> demo.err; then fail "--batch with the demo judge"; fi
grep -q "no batch API" demo.err || fail "$(cat demo.err)"
[ ! -e demo.db ] || fail "a refused --batch wrote a database"
echo "e2e_batch: ok"
