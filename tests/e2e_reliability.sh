#!/usr/bin/env bash
# Reliability end to end, each part bounded: signals stop a run cleanly and it resumes; six
# processes share one database; a foreign database is refused untouched; reports read a
# read-only database; a full disk is reported as such; an API key a server echoes is never
# stored, logged or reported.
# Usage: e2e_reliability.sh EVALRUN FAKE_OPENAI_PY SOURCE_DIR   (exit 77 = skipped)
set -euo pipefail
evalrun=$1
fake=$2
source_dir=$3
support="$(cd "$(dirname "$0")" && pwd)/support"
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
command -v sqlite3 > /dev/null || [ -n "${CI:-}" ] || true
[ -f "$fake" ] || { echo "$fake missing: skipped"; exit 77; }
work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2> /dev/null || true
  wait 2> /dev/null || true
  umount "$work/small" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
sql() { python3 -c "import sqlite3,sys; print('\n'.join('|'.join(map(str, r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))" "$1" "$2"; }

python3 "$fake" --port 0 --port-file port.txt --latency-ms 100 --seed 2 > fake.log 2>&1 &
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
port=$(cat port.txt)
stats() { python3 -c "import json,sys,urllib.request; s=json.load(urllib.request.urlopen('http://127.0.0.1:$port/stats')); print(eval(sys.argv[1], {}, {'s': s}))" "$1"; }
reset() { python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$port/stats/reset', method='POST'))"; }
cat > eps.yaml <<YAML
endpoints:
  cand: {base_url: "http://127.0.0.1:$port/v1", model: fake-candidate, max_concurrency: 4, timeout_s: 30}
  judge: {base_url: "http://127.0.0.1:$port/v1", model: fake-judge, max_concurrency: 4, timeout_s: 30}
YAML

# 1. SIGINT, then SIGTERM: the run stops sending, lets what is on the wire land, ends
#    `interrupted` with 130 / 143, and reports say it is unfinished; the same command resumes
#    and completes without sending any request twice.
for sig in INT TERM HUP; do
  rm -f sig.db*
  reset
  "$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db sig.db > /dev/null 2> sig.err &
  victim=$!
  for _ in $(seq 100); do [ "$(stats "s['requests_total']")" -ge 40 ] && break; sleep 0.05; done
  kill -$sig $victim
  rc=0; wait $victim || rc=$?
  expected=$(case $sig in INT) echo 130 ;; TERM) echo 143 ;; HUP) echo 129 ;; esac)
  [ "$rc" = "$expected" ] || fail "SIG$sig: exit $rc, expected $expected: $(cat sig.err)"
  grep -q 'run the same command again to resume' sig.err || fail "SIG$sig: no resume hint: $(cat sig.err)"
  [ "$(sql sig.db 'select status, lease_owner from runs')" = "interrupted|" ] || fail "SIG$sig: run not marked interrupted"
  "$evalrun" report --db sig.db | grep -q 'UNFINISHED (interrupted)' || fail "SIG$sig: report does not say the run is unfinished"
  "$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db sig.db > /dev/null 2> resume.err \
    || fail "SIG$sig resume: $(cat resume.err)"
  [ "$(stats "s['requests_total']")" = "$(stats "s['distinct_prompts']")" ] || fail "SIG$sig: a request was sent twice"
  [ "$(stats "s['distinct_prompts']")" = 320 ] || fail "SIG$sig: expected 320 distinct requests"
  echo "SIG$sig: exit $rc, resumed: $(tail -1 resume.err | cut -c1-120)"
done

# 2. Seven processes on one database at once (three on the same run, one on a run that shares
#    requests with it, three others): every run completes, each request is sent once.
reset
rm -f six.db*
pids=()
for spec in "mtbench cand judge 20" "mtbench cand judge 20" "mtbench cand judge 20" \
            "mtbench cand judge 10" "koala cand judge 20" "selfinstruct cand judge 20" \
            "mtbench judge cand 20"; do
  set -- $spec
  "$evalrun" --bench "$1" --model "$2" --judge "$3" --endpoints eps.yaml --db six.db --limit "$4" \
    > /dev/null 2>> six.err &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a process failed: $(cat six.err)"; done
[ "$(sql six.db "select count(*) from runs where status = 'complete'")" = 5 ] || fail "runs: $(sql six.db 'select * from runs')"
[ "$(stats "s['requests_total']")" = 240 ] && [ "$(stats "s['distinct_prompts']")" = 240 ] \
  || fail "seven processes: $(stats "s['requests_total']") requests for $(stats "s['distinct_prompts']") distinct"
echo "seven processes: 5 runs complete (two sharing requests), 240 requests, none twice"

# A process waiting for another's run stops at once on a signal, sends nothing and leaves the
# run to the other (which completes it).
rm -f wait.db*
reset
"$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db wait.db --limit 10 \
  > /dev/null 2> holder.err &
holder=$!
for _ in $(seq 100); do [ "$(stats "s['requests_total']")" -ge 1 ] && break; sleep 0.05; done
"$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db wait.db --limit 10 \
  > /dev/null 2> waiter.err &
waiter=$!
for _ in $(seq 100); do grep -q 'waiting for it to finish' waiter.err && break; sleep 0.05; done
kill -INT $waiter
start=$(date +%s%N)
rc=0; wait $waiter || rc=$?
waited_ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 130 ] && [ "$waited_ms" -lt 2000 ] || fail "the waiter: exit $rc after $waited_ms ms: $(cat waiter.err)"
grep -q 'nothing was sent and the run was left to it' waiter.err || fail "waiter: $(cat waiter.err)"
wait $holder || fail "the holder: $(cat holder.err)"
[ "$(sql wait.db 'select status from runs')" = complete ] || fail "the waiter changed the run's status"
echo "a waiting process stopped by SIGINT: exit 130 after $waited_ms ms, the run left complete"

# 3. A database of another program is refused untouched; reports and leaderboard --no-run read
#    a read-only one.
python3 -c "import sqlite3; c = sqlite3.connect('foreign.db'); c.execute('create table t(x)'); c.execute('pragma user_version=7'); c.commit()"
cp foreign.db foreign.orig
if "$evalrun" --bench mtbench --model demo --db foreign.db > /dev/null 2> foreign.err; then fail "foreign database accepted"; fi
grep -q 'foreign.db: not an evalrun database' foreign.err || fail "foreign: $(cat foreign.err)"
cmp -s foreign.db foreign.orig && [ ! -e foreign.db-wal ] || fail "the foreign database was changed"
chmod 444 six.db
sha256sum six.db* > six.sha
"$evalrun" report --db six.db > ro.md 2> ro.err || fail "read-only report: $(cat ro.err)"
grep -q '## koala' ro.md || fail "read-only report content"
# leaderboard --no-run: the stored runs only, nothing sent, nothing written to the database; a
# cell the database lacks is shown as such.
cat > six.yaml << YAML
matrix:
  - {bench: mtbench, models: [cand], judge: judge, limit: 20}
  - {bench: mtbench, models: [judge], judge: cand, limit: 20}
  - {bench: koala, models: [cand], judge: judge, limit: 20}
  - {bench: selfinstruct, models: [cand], judge: judge, limit: 10}
YAML
sent=$(stats "s['requests_total']")
rc=0
"$evalrun" leaderboard --config six.yaml --db six.db --endpoints eps.yaml --out board --no-run 2> board.err || rc=$?
[ "$rc" = 3 ] || fail "leaderboard --no-run with a missing cell: exit $rc: $(cat board.err)"
grep -q 'leaderboard of 3 runs' board.err || fail "leaderboard --no-run: $(cat board.err)"
grep -q '| cand | selfinstruct | limit 10 | not in the database yet' board/leaderboard.md || fail "the missing cell: $(cat board/leaderboard.md)"
[ "$(stats "s['requests_total']")" = "$sent" ] || fail "leaderboard --no-run sent requests"
sha256sum -c --quiet six.sha || fail "leaderboard --no-run or report changed the database"
[ ! -e six.db-wal ] && [ ! -e six.db-shm ] || fail "a read-only command left -wal/-shm files"
chmod 644 six.db
# In a folder the reader cannot write to (as nobody, when this runs as root).
mkdir ro && cp six.db ro/ && chmod 555 ro && chmod 444 ro/six.db
as_reader=()
[ "$(id -u)" = 0 ] && command -v runuser > /dev/null && as_reader=(runuser -u nobody --)
chmod 755 "$work"
"${as_reader[@]}" "$evalrun" report --db ro/six.db > ro2.md 2> ro2.err || fail "report in a read-only folder: $(cat ro2.err)"
grep -q '## koala' ro2.md || fail "report in a read-only folder: content"
chmod 755 ro

# 4. A full disk (a 2 MiB tmpfs; the FLASK demo run's database takes about 6.5 MB): "disk
#    full: <path>", exit 3, what was committed kept, and
#    the same command in a roomier place resumes from it.
mkdir small
if mount -t tmpfs -o size=2m tmpfs small 2> /dev/null; then
  rc=0
  "$evalrun" --bench flask_original --model demo --db small/full.db > /dev/null 2> full.err || rc=$?
  [ "$rc" = 3 ] || fail "full disk: exit $rc: $(cat full.err)"
  grep -q "disk full: .*small/full.db" full.err || fail "full disk message: $(cat full.err)"
  # An output file on the full disk: the same words and exit status.
  rc=0
  "$evalrun" report --db small/full.db --out small/report > /dev/null 2> out_full.err || rc=$?
  [ "$rc" = 3 ] && grep -q 'disk full: .*small/report' out_full.err || fail "report on a full disk: exit $rc: $(cat out_full.err)"
  kept=$(sql small/full.db 'select count(*) from requests')
  cp small/full.db* .
  umount small
  "$evalrun" --bench flask_original --model demo --db full.db > /dev/null 2> roomy.err || fail "resume after full disk: $(cat roomy.err)"
  # Every response kept is used (FLASK asks some requests twice: one response can answer more).
  reused=$(sed -n 's/.* \([0-9]*\) from cache.*/\1/p' roomy.err)
  [ "$kept" -gt 0 ] && [ "${reused:-0}" -ge "$kept" ] || fail "the $kept responses kept were not reused: $(cat roomy.err)"
  echo "full disk: reported, $kept responses kept and reused"
else
  echo "full disk: skipped (cannot mount a tmpfs here)"
fi
if [ -w /dev/full ]; then
  rc=0
  "$evalrun" report --db six.db > /dev/full 2> devfull.err || rc=$?
  [ "$rc" = 3 ] && grep -q 'disk full: standard output' devfull.err || fail "report > /dev/full: exit $rc: $(cat devfull.err)"
fi

# 5. A server that echoes the API key (in an error body and in replies): the key is in no
#    database file, log line or report.
python3 "$support/echo_key_server.py" echo_port.txt &
for _ in $(seq 100); do [ -s echo_port.txt ] && break; sleep 0.1; done
eport=$(cat echo_port.txt)
cat > keys.yaml <<YAML
endpoints:
  echo: {base_url: "http://127.0.0.1:$eport/v1", model: echo, api_key_env: ECHO_KEY, timeout_s: 10}
  echo-error: {base_url: "http://127.0.0.1:$eport/v1", model: echo-error, api_key_env: ECHO_KEY, timeout_s: 10}
YAML
export ECHO_KEY=sk-test-0123456789abcdef-SECRET
"$evalrun" --bench mtbench --limit 2 --model echo --judge echo --endpoints keys.yaml --db keys.db > keys.md 2> keys.err \
  || fail "echo run: $(cat keys.err)"
rc=0
"$evalrun" --bench mtbench --limit 2 --model echo-error --judge echo --endpoints keys.yaml --db keys.db >> keys.md 2>> keys.err || rc=$?
[ "$rc" = 3 ] || fail "the rejected run should fail its requests (exit $rc)"
"$evalrun" report --db keys.db --format json >> keys.md
"$evalrun" report --db keys.db --format csv >> keys.md
[[ "$(sql keys.db "select message from errors")" == *"rejected credentials: Bearer [REDACTED]"* ]] \
  || fail "the echoed key should be stored as [REDACTED]: $(sql keys.db 'select message from errors')"
[[ "$(sql keys.db "select text from request_log")" == *"I saw Bearer [REDACTED]"* ]] || fail "replies: [REDACTED]"
if grep -rl "$ECHO_KEY" keys.db* keys.md keys.err; then fail "the API key leaked"; fi
echo "echoed API key: redacted everywhere"

# 6. The server goes away for 10 s mid-run and comes back on the same port: the endpoint is
#    paused and probed meanwhile, and the run completes with no error and nothing sent twice.
python3 "$fake" --port 0 --port-file port6.txt --latency-ms 50 --seed 6 > fake6.log 2>&1 &
server6=$!
for _ in $(seq 100); do [ -s port6.txt ] && break; sleep 0.1; done
port6=$(cat port6.txt)
sed "s/127.0.0.1:$port/127.0.0.1:$port6/" eps.yaml > eps6.yaml
"$evalrun" --bench mtbench --model cand --judge judge --endpoints eps6.yaml --db outage.db > /dev/null 2> outage.err &
runner=$!
for _ in $(seq 200); do
  [ "$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port6/stats'))['requests_total'])")" -ge 60 ] && break
  sleep 0.05
done
kill "$server6"; wait "$server6" 2> /dev/null || true
sleep 10
python3 "$fake" --port "$port6" --latency-ms 50 --seed 7 > fake6b.log 2>&1 &
wait "$runner" || fail "the run did not survive the outage: $(cat outage.err)"
[ "$(sql outage.db "select status from runs")" = complete ] || fail "outage: run not complete"
[ "$(sql outage.db "select count(*) from errors")" = 0 ] || fail "outage: errors recorded"
[ "$(sql outage.db "select count(*) from verdicts where status = 'ok'")" = 160 ] || fail "outage: verdicts"
echo "10 s outage: $(tail -1 outage.err | cut -c1-160)"

echo "e2e_reliability: all checks passed"
