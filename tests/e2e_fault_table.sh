#!/usr/bin/env bash
# A whole MT-Bench run (80 questions, 160 turns, 320 distinct requests) through every fault at
# once: the server answers 429, 500, garbage and never (hang) at random, goes away for 10 s
# mid-run, and evalrun is SIGKILLed five times at random moments and started again with the
# same command. Checks that every turn ends judged or with a recorded error (none lost), that
# no request is sent once its reply is stored (none duplicated), and that the final report
# equals an undisturbed run's; prints the README's reliability table.
# Usage: e2e_fault_table.sh EVALRUN FAKE_OPENAI_PY SOURCE_DIR [TABLE_FILE]   (exit 77 = skipped)
set -euo pipefail
evalrun=$1
fake=$2
source_dir=$3
table_file=${4:-}
logging_fake="$(cd "$(dirname "$0")" && pwd)/support/logging_fake.py"
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
[ -f "$fake" ] || { echo "$fake missing: skipped"; exit 77; }
work=$(mktemp -d)
cleanup() {
  { kill -9 $(jobs -p) && wait; } 2> /dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
RANDOM=2405 # the kill moments, reproducible

faults=(--error-rate-429 0.2 --error-rate-500 0.1 --garbage-rate 0.05 --hang-rate 0.01)
server_life=0
start_server() { # PORT (0: any free one) LOG
  server_life=$((server_life + 1))
  rm -f port.txt
  python3 "$logging_fake" "$fake" "$2" --port "$1" --port-file port.txt --latency-ms 100 \
    --seed "$server_life" "${faults[@]}" >> fake.log 2>&1 &
  server=$!
  for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
  [ -s port.txt ] || fail "the fake server did not start: $(cat fake.log)"
}
start_server 0 server.log
port=$(cat port.txt)
in_flight() { python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/stats'))['in_flight'])"; }
received() { grep -c '^recv ' server.log || true; }
# The fake's digests of the requests whose replies the database holds (see logging_fake.py).
stored_digests() {
  python3 - "$1" << 'PY'
import hashlib, json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for (semantics,) in db.execute("SELECT semantics FROM request_log"):
    s = json.loads(semantics)
    canon = json.dumps([s["model"], s["messages"]], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    print(hashlib.sha256(canon.encode()).digest()[:16].hex())
PY
}

# A timeout of 3 s, so that a hung request costs 3 s before it is sent again.
cat > eps.yaml << YAML
endpoints:
  cand: {base_url: "http://127.0.0.1:$port/v1", model: fake-candidate, max_concurrency: 4, timeout_s: 3}
  judge: {base_url: "http://127.0.0.1:$port/v1", model: fake-judge, max_concurrency: 4, timeout_s: 3}
YAML
command=("$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db faults.db --format json)

# Five lives killed at a random moment 0.3 to 1.5 s after their start. After each kill, once the
# server has nothing in flight, the log's length marks where the next life starts, and the
# digests stored so far are what the next life must not send.
: > boundaries.txt
for life in 1 2 3 4 5; do
  "${command[@]}" > /dev/null 2>> runs.err &
  victim=$!
  ms=$((300 + RANDOM % 1200))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -0 "$victim" 2> /dev/null || fail "life $life ended before its kill: $(cat runs.err)"
  kill -9 "$victim"
  wait "$victim" 2> /dev/null || true
  for _ in $(seq 100); do [ "$(in_flight)" = 0 ] && break; sleep 0.05; done
  sleep 0.3
  received_now=$(received)
  echo "$(wc -l < server.log)" >> boundaries.txt
  stored_digests faults.db > "stored_$life.txt"
  echo "life $life: SIGKILL after $received_now requests received, $(wc -l < "stored_$life.txt") replies stored"
done

# The sixth life runs to its end; 60 requests into it the server goes away for 10 s and comes
# back on the same port.
rc=0
"${command[@]}" > final.json 2>> runs.err &
runner=$!
start=$(received)
for _ in $(seq 400); do [ "$(($(received) - start))" -ge 60 ] && break; sleep 0.05; done
{ kill -9 "$server" && wait "$server"; } 2> /dev/null || true
echo "$(wc -l < server.log)" > outage.txt
sleep 10
start_server "$port" server.log
wait "$runner" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "the last life exited $rc: $(tail -5 runs.err)"
echo "life 6: outage of 10 s, exit $rc: $(tail -1 runs.err | cut -c1-160)"
# The table counts the database as the sixth life left it (a later run may complete it).
python3 -c "import sqlite3; sqlite3.connect('faults.db').backup(sqlite3.connect('life6.db'))"

# An undisturbed run of the same command against a server without faults, for the report. A
# turn that ended in an error is asked again by the same command: it completes the run.
kill "$server"
wait "$server" 2> /dev/null || true
faults=()
start_server "$port" calm.log
if [ "$rc" = 3 ]; then
  "${command[@]}" > again.json 2> again.err || fail "the run again: $(cat again.err)"
  echo "again: $(tail -1 again.err | cut -c1-160)"
fi
"$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db calm.db --format json \
  > calm.json 2> calm.err || fail "the undisturbed run: $(cat calm.err)"

python3 - "$source_dir" "$table_file" << 'PY' || fail "see above"
import json, sqlite3, sys
source_dir, table_file = sys.argv[1], sys.argv[2]
turns = sum(len(json.loads(line)["turns"])
            for line in open(source_dir + "/data/mt_bench/question.jsonl") if line.strip())
questions = sum(1 for line in open(source_dir + "/data/mt_bench/question.jsonl") if line.strip())
lines = open("server.log").read().split("\n")[:-1]
bounds = [int(b) for b in open("boundaries.txt").read().split()] + [10**9]
outage = int(open("outage.txt").read())
stored = [set()] + [set(open("stored_%d.txt" % i).read().split()) for i in range(1, 6)]

# A request is a duplicate when its reply was stored before its life began, or when the
# server had already answered it (or was still answering it) in the same life.
duplicates, counts, life = [], {}, 0
answered, outstanding = set(), {}
answered_before, asked_again = set(), 0  # answered in an earlier life, not stored by its kill
for n, line in enumerate(lines):
    while n >= bounds[life]:
        life, answered_before, answered, outstanding = life + 1, answered_before | answered, set(), {}
    if n == outage:  # what the server held when it was killed was never answered
        outstanding = {}
    kind, digest = line.split()
    counts[kind] = counts.get(kind, 0) + 1
    if kind == "recv":
        if digest in stored[life] or digest in answered or outstanding.get(digest, 0) > 0:
            duplicates.append((life + 1, digest))
        elif digest in answered_before:
            asked_again += 1
        outstanding[digest] = outstanding.get(digest, 0) + 1
    else:
        outstanding[digest] -= 1
        if kind == "ok":
            answered.add(digest)

db = sqlite3.connect("file:life6.db?mode=ro", uri=True)
(run_id, status), = db.execute("SELECT id, status FROM runs")
judged = set(db.execute("SELECT item_id, turn FROM verdicts WHERE run_id = ? AND status = 'ok'", (run_id,)))
failed = set(db.execute("SELECT item_id, turn FROM verdicts WHERE run_id = ? AND status != 'ok'", (run_id,)))
failed |= set(db.execute("SELECT item_id, turn FROM errors WHERE run_id = ?", (run_id,)))
failed -= judged
lost = turns - len(judged) - len(failed)
final, calm = json.load(open("final.json"))["results"][0], json.load(open("calm.json"))["results"][0]

rows = [
    ("Requests received by the server", counts.get("recv", 0)),
    ("429 replies", counts.get("429", 0)),
    ("500 replies", counts.get("500", 0)),
    ("Garbage replies (200, truncated JSON)", counts.get("garbage", 0)),
    ("Hung requests (never answered)", counts.get("hang", 0)),
    ("Server outages (10 s, same port)", 1),
    ("SIGKILLs of evalrun", 5),
    ("Questions / turns", "%d / %d" % (questions, turns)),
    ("Turns judged", len(judged)),
    ("Turns ending in a recorded error", len(failed)),
    ("Turns lost", lost),
    ("Requests on the wire at a kill (reply not stored), sent again", asked_again),
    ("Requests sent again after their reply was stored", len(duplicates)),
]
table = "| What | Count |\n|---|---:|\n" + "".join("| %s | %s |\n" % r for r in rows)
print(table, end="")
if table_file:
    open(table_file, "w").write(table)
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        ok = False
check(lost == 0, "%d turns lost" % lost)
check(not duplicates, "requests sent again: %s" % duplicates[:5])
check(status == "complete" or failed, "the run is %s" % status)
check(all(counts.get(k, 0) > 0 for k in ("429", "500", "garbage")), "a fault never fired: %s" % counts)
check(final["errors"] == len(failed), "the report counts %s errors, the database %d" % (final["errors"], len(failed)))
for reason, n in db.execute("SELECT kind || ': ' || message, count(*) FROM errors GROUP BY 1"):
    print("recorded error (%d): %s" % (n, reason))
# Run again (after errors) against a calm server, the run completes; its report is the
# undisturbed run's, finish times apart.
if failed:
    final = json.load(open("again.json"))["results"][0]
for r in (final, calm):
    del r["started_at"], r["finished_at"]
check(final == calm, "the report differs from the undisturbed run's:\n%s\n%s" % (final, calm))
sys.exit(0 if ok else 1)
PY
echo "faults, an outage and five SIGKILLs: nothing lost, nothing sent twice"
