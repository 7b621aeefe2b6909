#!/usr/bin/env bash
# End to end: evalrun against its built-in demo backend. Usage: e2e_demo.sh EVALRUN
set -euo pipefail
evalrun=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. A full MT-Bench run: 160 judged turns, no errors, JSON report keys.
"$evalrun" --bench mtbench --model demo --db run.db --format json > report.json 2> run.err
grep -q '"n": 160' report.json || fail "expected 160 judged turns: $(cat report.json)"
grep -q '"errors": 0' report.json || fail "expected 0 errors"
grep -q '"parse_failures": 0' report.json || fail "expected 0 parse failures"
grep -q '"protocol": "single"' report.json || fail "protocol missing"
grep -q '"demo": true' report.json || fail "demo results must be marked"
grep -Eq '"turn1": [0-9]' report.json || fail "turn1 missing"
grep -Eq '"turn2": [0-9]' report.json || fail "turn2 missing"
grep -q '320 requests sent' run.err || fail "first run should send 320 requests: $(cat run.err)"

# 2. The same command again sends nothing (cache) and reports the same numbers.
"$evalrun" --bench mtbench --model demo --db run.db --format json > again.json 2> again.err
grep -q '0 requests sent' again.err || fail "second run should send nothing: $(cat again.err)"
grep -q '320 from cache' again.err || fail "second run should use the cache"
cmp <(grep -v '_at"' report.json) <(grep -v '_at"' again.json) || fail "re-run changed the report"

# 3. `report` reads the database back, in markdown and JSON.
"$evalrun" report --db run.db > report.md
grep -q 'DEMO BACKEND' report.md || fail "markdown report must mark the demo"
grep -q '| turn 1 | turn 2 | average | n | parse failures | errors |' report.md || fail "markdown table missing"
"$evalrun" report --db run.db --format json | grep -q '"average"' || fail "json report"
if "$evalrun" report --db missing.db 2> missing.err; then fail "report on a missing db must fail"; fi
[ ! -e missing.db ] || fail "report must not create a database"

# 4. --dry-run prints the plan and writes nothing.
"$evalrun" --bench mtbench --model demo --db dry.db --dry-run > plan.txt
grep -q 'items: 80, turns: 160' plan.txt || fail "dry-run plan: $(cat plan.txt)"
[ ! -e dry.db ] || fail "dry-run wrote a database"

# 5. An unreachable candidate: non-zero exit within seconds, a message naming the
#    endpoint, its URL and what to start; no database written.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)
cat > eps.yaml <<YAML
endpoints:
  janus:
    base_url: http://127.0.0.1:$port/v1
    model: kaist-ai/janus-7b
YAML
start=$(date +%s)
if "$evalrun" --bench mtbench --model janus --judge demo --endpoints eps.yaml --db down.db 2> down.err; then
  fail "an unreachable endpoint must fail"
fi
[ $(( $(date +%s) - start )) -le 10 ] || fail "took too long to fail"
grep -q "endpoint 'janus'" down.err || fail "message must name the endpoint: $(cat down.err)"
grep -q "http://127.0.0.1:$port/v1" down.err || fail "message must name the URL"
grep -q "vllm serve kaist-ai/janus-7b" down.err || fail "message must say what to start"
[ ! -e down.db ] || fail "nothing may be written when the endpoint is down"

# 6. Bad input: an endpoints file with a typo names file, line and field.
printf 'endpoints:\n  janus:\n    base_url: http://127.0.0.1:1/v1\n    modle: x\n' > typo.yaml
if "$evalrun" --bench mtbench --model janus --endpoints typo.yaml --db typo.db 2> typo.err; then
  fail "a bad endpoints file must fail"
fi
grep -q "typo.yaml:[0-9]*: field 'endpoints.janus" typo.err || fail "error must name file:line:field: $(cat typo.err)"
[ ! -e typo.db ] || fail "nothing may be written on bad input"

echo "e2e_demo: all checks passed"
