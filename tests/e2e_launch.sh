#!/usr/bin/env bash
# evalrun starts, watches and stops endpoint servers (`launch:`), here the
# shared fake OpenAI server: started when nothing answers and stopped after
# the run, Ctrl-C, a refused model or evalrun's own death with no process
# left; a server that dies mid-run is reported with its log; three replicas
# with one failing every request complete with no errors.
# Usage: e2e_launch.sh EVALRUN FAKE_OPENAI_PY   (exit 77 = skipped)
set -euo pipefail
evalrun=$1
fake=$2
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
[ -f "$fake" ] || { echo "$fake missing: skipped"; exit 77; }
work=$(mktemp -d)
cleanup() { pkill -f "$work/fake" 2> /dev/null || true; kill $(jobs -p) 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
cp "$fake" fake_openai.py # its path names this test's servers (pgrep)
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
servers_left() { pgrep -fc "$work/fake_openai.py" || true; }
answers() { python3 -c "import sys,urllib.request; urllib.request.urlopen('http://127.0.0.1:$1/health', timeout=2)" 2> /dev/null; }
json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0][sys.argv[2]])" "$1" "$2"; }
endpoint() { # NAME PORT MODEL EXTRA_FAKE_ARGS
  cat <<YAML
  $1:
    base_url: http://127.0.0.1:$2/v1
    model: $3
    launch:
      command: python3 $work/fake_openai.py --port {port} --models fake-candidate $4
      startup_timeout_s: 30
YAML
}
run() { "$evalrun" run --bench mtbench --judge demo --endpoints eps.yaml --format json "$@"; }
# A run in the background (ENDPOINTS MODEL DB STDERR); its pid in $victim.
run_in_background() {
  "$evalrun" run --bench mtbench --judge demo --endpoints "$1" --model "$2" --db "$3" > /dev/null 2> "$4" &
  victim=$!
}
wait_ready() { for _ in $(seq 100); do grep -q "is ready" "$1" && break; sleep 0.1; done; }

p1=$(free_port)
{ echo "endpoints:"; endpoint cand "$p1" fake-candidate "--latency-ms 200"; endpoint typo "$p1" fake-candidat ""; } > eps.yaml

# 1. Nothing answers: the server is started, the run completes, the server is stopped.
run --model cand --db one.db --limit 5 > one.json 2> one.err || fail "run failed: $(cat one.err)"
grep -q "starting the server of 'cand'" one.err || fail "not started: $(cat one.err)"
[ "$(json_field one.json errors)" = 0 ] || fail "errors in run 1"
[ "$(servers_left)" = 0 ] || fail "a server is left after the run"
answers "$p1" && fail "the port still answers after the run"
grep -q "fake_openai stopped" one.db.cand.server.log || fail "the server was not stopped in order: $(cat one.db.cand.server.log)"
echo "1. started, ran, stopped: $(tail -1 one.err)"

# 2. A server that answers already is used, not started again.
python3 fake_openai.py --port "$p1" --models fake-candidate > own.log 2>&1 &
own=$!
for _ in $(seq 100); do answers "$p1" && break; sleep 0.1; done
run --model cand --db two.db --limit 2 > /dev/null 2> two.err || fail "run 2 failed: $(cat two.err)"
grep -q "starting the server" two.err && fail "started a second server: $(cat two.err)"
grep -q "'cand' (http://127.0.0.1:$p1/v1) answers already: used as it is, and left running" two.err \
  || fail "no word on the server used: $(cat two.err)"
answers "$p1" || fail "the server evalrun did not start was stopped"
kill "$own"; wait "$own" 2> /dev/null || true
echo "2. a running server is used as it is"

# 3. A model name the launched server does not serve: exit 2, server stopped.
set +e
run --model typo --db three.db --limit 2 > /dev/null 2> three.err
rc=$?
set -e
[ "$rc" = 2 ] || fail "typo: exit $rc, expected 2: $(cat three.err)"
grep -q "does not serve model 'fake-candidat'" three.err || fail "typo message: $(cat three.err)"
[ "$(servers_left)" = 0 ] || fail "a server is left after the refusal"
[ ! -f three.db ] || fail "the refused run wrote a database"
echo "3. a model the server does not serve is refused (exit 2), the server stopped"

# 4. SIGINT during the run: exit 130, server stopped.
run_in_background eps.yaml cand four.db four.err
wait_ready four.err
sleep 0.5
kill -INT "$victim"
rc=0; wait "$victim" || rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc: $(cat four.err)"
[ "$(servers_left)" = 0 ] || fail "a server is left after SIGINT"
echo "4. SIGINT during the run: exit 130, no server left"

# 5. SIGINT while waiting for a slow server: exit 130, nothing left, nothing written.
p2=$(free_port)
cat > slow.yaml <<YAML
endpoints:
  slow:
    base_url: http://127.0.0.1:$p2/v1
    model: fake-candidate
    launch:
      command: sleep 20; exec python3 $work/fake_openai.py --port {port}
YAML
run_in_background slow.yaml slow five.db five.err
for _ in $(seq 100); do grep -q "starting the server" five.err && break; sleep 0.1; done
sleep 0.5
kill -INT "$victim"
rc=0; wait "$victim" || rc=$?
[ "$rc" = 130 ] || fail "SIGINT while starting: exit $rc: $(cat five.err)"
pgrep -f "sleep 20; exec python3 $work" > /dev/null && fail "the starting server is left"
[ ! -f five.db ] || fail "a database was written"
echo "5. SIGINT while a server starts: exit 130, nothing left"

# 6. evalrun killed outright: the kernel stops its server (SIGTERM to it).
run_in_background eps.yaml cand six.db six.err
wait_ready six.err
kill -9 "$victim"
wait "$victim" 2> /dev/null || true
for _ in $(seq 50); do [ "$(servers_left)" = 0 ] && break; sleep 0.1; done
[ "$(servers_left)" = 0 ] || fail "a server outlived evalrun's SIGKILL"
# The same for a compound command, whose shell passes the SIGTERM on.
cat > compound.yaml <<YAML
endpoints:
  cand:
    base_url: http://127.0.0.1:$p1/v1
    model: fake-candidate
    launch:
      command: sleep 0.1; python3 $work/fake_openai.py --port {port} --latency-ms 200
YAML
run_in_background compound.yaml cand six2.db six2.err
wait_ready six2.err
kill -9 "$victim"
wait "$victim" 2> /dev/null || true
for _ in $(seq 50); do [ "$(servers_left)" = 0 ] && break; sleep 0.1; done
[ "$(servers_left)" = 0 ] || fail "a compound command's server outlived evalrun's SIGKILL"
# --demo answers every endpoint in-process: nothing is started.
run --model cand --demo --db six3.db --limit 1 > /dev/null 2> six3.err || fail "--demo: $(cat six3.err)"
grep -q "starting the server" six3.err && fail "--demo started a server"
echo "6. evalrun SIGKILLed: its server went with it (a compound command's too); --demo starts nothing"

# 7. The server dies mid-run: the run stops (exit 3) and says so, with the end of its log.
run_in_background eps.yaml cand seven.db seven.err
wait_ready seven.err
sleep 0.5
pkill -9 -f "$work/fake_openai.py --port $p1"
rc=0; wait "$victim" || rc=$?
[ "$rc" = 3 ] || fail "server died: exit $rc: $(cat seven.err)"
grep -q "the server of 'cand' (http://127.0.0.1:$p1/v1) was killed by signal 9" seven.err || fail "no report of the death: $(cat seven.err)"
grep -q "  | fake_openai listening on" seven.err || fail "no log excerpt: $(cat seven.err)"
grep -q "run the same command again to resume" seven.err || fail "no resume hint: $(cat seven.err)"
echo "7. a server that dies mid-run is reported with its log (exit 3)"

# 7b. One of two replicas dies mid-run: reported, and the other finishes the run (exit 0).
p6=$(free_port); p7=$(free_port)
cat > two_replicas.yaml <<YAML
endpoints:
  cand:
    base_urls: [http://127.0.0.1:$p6/v1, http://127.0.0.1:$p7/v1]
    model: fake-candidate
    launch:
      command: python3 $work/fake_openai.py --port {port} --latency-ms 500
YAML
"$evalrun" run --bench mtbench --judge demo --endpoints two_replicas.yaml --model cand --db seven2.db --limit 40 \
  --format json > seven2.json 2> seven2.err &
victim=$!
for _ in $(seq 100); do [ "$(grep -c "is ready" seven2.err)" = 2 ] && break; sleep 0.1; done
sleep 0.3
pkill -9 -f "$work/fake_openai.py --port $p7"
rc=0; wait "$victim" || rc=$?
[ "$rc" = 0 ] || fail "one replica died: exit $rc: $(cat seven2.err)"
grep -q "the server of 'cand' replica 1 (http://127.0.0.1:$p7/v1) was killed by signal 9 (Killed) during the run; the run goes on with the other replicas" seven2.err \
  || fail "replica death: $(cat seven2.err)"
[ "$(json_field seven2.json errors)" = 0 ] || fail "replica death: errors"
echo "7b. a replica that dies mid-run is reported; the other finishes the run"

# 7c. A port held by something else that answers 404: refused at once.
python3 -m http.server "$p7" --bind 127.0.0.1 > http.log 2>&1 &
held=$!
for _ in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $p7), 1)" 2> /dev/null && break; sleep 0.1; done
rc=0; "$evalrun" run --bench mtbench --judge demo --endpoints two_replicas.yaml --model cand --db seven3.db > /dev/null 2> seven3.err || rc=$?
kill "$held"; wait "$held" 2> /dev/null || true
[ "$rc" = 2 ] || fail "held port: exit $rc"
grep -q "is held by something that answers HTTP 404 at http://127.0.0.1:$p7/health" seven3.err || fail "held port: $(cat seven3.err)"
[ "$(servers_left)" = 0 ] || fail "held port: a server is left"
echo "7c. a port held by another service is refused at once"

# 8. Three replicas, the second failing every request: no errors, it is marked unhealthy.
p3=$(free_port); p4=$(free_port); p5=$(free_port)
cat > replicas.yaml <<YAML
endpoints:
  cand:
    base_urls: [http://127.0.0.1:$p3/v1, http://127.0.0.1:$p4/v1, http://127.0.0.1:$p5/v1]
    model: fake-candidate
    max_concurrency: 4
    launch:
      command: python3 $work/fake_openai.py --port {port} --latency-ms 20 --models fake-candidate --error-rate-500 \$(( {replica} == 1 ))
YAML
"$evalrun" run --bench mtbench --judge demo --endpoints replicas.yaml --model cand --db eight.db \
  --format json > eight.json 2> eight.err || fail "replicas: $(cat eight.err)"
[ "$(json_field eight.json n)" = 160 ] || fail "replicas: not all judged"
[ "$(json_field eight.json errors)" = 0 ] || fail "replicas: errors"
grep -q "replica http://127.0.0.1:$p4/v1 of 'cand': .* taken out of the rotation 1 time for failing; unhealthy at the end" eight.err \
  || fail "the failing replica is not reported unhealthy: $(cat eight.err)"
grep -q "replica http://127.0.0.1:$p3/v1 of 'cand': .*, 0 failed; taken out of the rotation 0 times for failing; healthy" eight.err || fail "replica 0: $(cat eight.err)"
grep -q '"status_counts": {"500": ' eight.db.cand.1.server.log || fail "replica 1 did not fail: $(tail -1 eight.db.cand.1.server.log)"
[ "$(servers_left)" = 0 ] || fail "replica servers left"
echo "8. three replicas, one failing: no errors; $(grep "^evalrun: replica .*$p4" eight.err)"

# 9. A server that ends before it is ready: exit 2 with the end of its log, nothing written.
cat > broken.yaml <<YAML
endpoints:
  broken:
    base_url: http://127.0.0.1:$p2/v1
    model: m
    launch:
      command: echo loading; echo "CUDA out of memory" >&2; exit 1
YAML
rc=0; "$evalrun" run --bench mtbench --judge demo --endpoints broken.yaml --model broken --db nine.db > /dev/null 2> nine.err || rc=$?
[ "$rc" = 2 ] || fail "broken: exit $rc"
grep -q "exited with status 1 before it was ready" nine.err || fail "broken: $(cat nine.err)"
grep -q "  | CUDA out of memory" nine.err || fail "broken: no log: $(cat nine.err)"
[ ! -f nine.db ] || fail "broken: a database was written"
echo "9. a server that ends at start: exit 2 with its log"
