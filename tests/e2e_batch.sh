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
strip() { python3 "$source_dir/tests/support/strip_report.py" "$1"; }
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
grep -q "12 requests answered by 1 batch job$" one.err || fail "$(cat one.err)"
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
grep -q "12 requests answered by 2 batch jobs" flaky.err || fail "$(cat flaky.err)"
cmp <(strip one.json) <(strip flaky.json) || fail "the verdicts after a failed line differ"

# A job that leaves requests without any line failed them: asked in the next job.
start dropped --drop-first 2
run dropped dropped.db --batch > /dev/null 2> dropped.err || fail "dropped: $(cat dropped.err)"
[ "$(stat dropped batches_created)" = 2 ] || fail "jobs: $(stat dropped batches_created): $(cat dropped.err)"
[ "$(stat dropped answered_once)" = 12 ] || fail "answered: $(stat dropped answered_once)"
grep -q "10 answered, 2 failed" dropped.err || fail "$(cat dropped.err)"

# 5. An offline candidate (offline: true): its requests written to batch files (batch export),
# answered elsewhere (here a stand-in for vllm run-batch, writing its output format), their
# replies stored (batch ingest), turn by turn; the judge (the demo) is asked as usual.
cat > off.yaml << 'YAML'
endpoints:
  cand:
    base_url: http://127.0.0.1:9/v1
    model: org/offline-model
    offline: true
YAML
offline() { "$evalrun" "$@" --bench mtbench --limit 3 --model cand --judge demo --endpoints off.yaml --db off.db; }
answer_file() { # answer_file IN OUT: what vllm run-batch writes for IN
  python3 - "$1" "$2" << 'PY'
import json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for n, line in enumerate(f):
        req = json.loads(line)
        assert req["method"] == "POST" and req["url"] == "/v1/chat/completions", req
        assert req["body"]["model"] == "org/offline-model", req
        turns = sum(1 for m in req["body"]["messages"] if m["role"] == "user")
        body = {"id": f"cmpl-{n}", "object": "chat.completion", "model": req["body"]["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": f"offline answer {n} to turn {turns}"}}],
                "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}}
        out.write(json.dumps({"id": f"vllm-{n}", "custom_id": req["custom_id"],
                              "response": {"status_code": 200, "request_id": f"vllm-batch-{n}", "body": body},
                              "error": None}) + "\n")
PY
}
set +e
offline batch export --out r1.jsonl > /dev/null 2> ex1.err; rc=$?
set -e
[ "$rc" = 3 ] || fail "export of an unanswered run: exit $rc: $(cat ex1.err)"
[ "$(wc -l < r1.jsonl)" = 3 ] || fail "turn 1 requests: $(wc -l < r1.jsonl): $(cat ex1.err)"
grep -q "3 requests for cand (org/offline-model) written to r1.jsonl" ex1.err || fail "$(cat ex1.err)"
answer_file r1.jsonl o1.jsonl
set +e
offline batch ingest o1.jsonl > /dev/null 2> in1.err; rc=$?
set -e
[ "$rc" = 3 ] || fail "ingest of turn 1: exit $rc: $(cat in1.err)"
grep -q "3 replies stored, 0 failed" in1.err || fail "$(cat in1.err)"
grep -q "3 requests wait for offline endpoints" in1.err || fail "turn 2 is not waiting: $(cat in1.err)"
set +e
offline batch export --out r2.jsonl > /dev/null 2> ex2.err
set -e
[ "$(wc -l < r2.jsonl)" = 3 ] || fail "turn 2 requests: $(cat ex2.err)"
grep -q '"content":"offline answer' r2.jsonl || fail "turn 2 does not carry turn 1's answer"
answer_file r2.jsonl o2.jsonl
offline batch ingest o2.jsonl --format json > off.json 2> in2.err || fail "the last ingest: $(cat in2.err)"
grep -q '"n": 6' off.json || fail "6 judged turns: $(cat off.json)"
python3 - << 'PY' || fail "the verdicts do not judge the offline answers"
import sqlite3
db = sqlite3.connect("off.db")
n = db.execute("SELECT COUNT(*) FROM verdicts v JOIN request_log r ON r.id = v.candidate "
               "WHERE r.text LIKE 'offline answer %'").fetchone()[0]
assert n == 6, n
PY
# A reply file of something else is refused with its line, and nothing is stored.
echo '{"not": "a batch line"}' > bad.jsonl
if offline batch ingest bad.jsonl > /dev/null 2> bad.err; then fail "a bad reply file was taken"; fi
grep -q "bad.jsonl:1: not a batch output line" bad.err || fail "$(cat bad.err)"

# 6. The demo backend has no batch API: refused before anything is written.
if "$evalrun" --bench mtbench --model demo --batch --db demo.db 2> demo.err; then fail "--batch with the demo judge"; fi
grep -q "no batch API" demo.err || fail "$(cat demo.err)"
[ ! -e demo.db ] || fail "a refused --batch wrote a database"
echo "e2e_batch: ok"
