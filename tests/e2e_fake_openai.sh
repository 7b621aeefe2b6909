#!/usr/bin/env bash
# End to end against the shared fake OpenAI server: injected 429/500 faults are
# retried, a second run is served from the cache, and a SIGKILLed run resumes
# without re-sending completed requests.
# Usage: e2e_fake_openai.sh EVALRUN FAKE_OPENAI_PY   (exit 77 = skipped)
set -euo pipefail
evalrun=$1
fake=$2
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
[ -f "$fake" ] || { echo "$fake missing: skipped"; exit 77; }
work=$(mktemp -d)
server=""
cleanup() { kill $(jobs -p) 2> /dev/null; wait 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$fake" --port 0 --port-file port.txt --latency-ms 50 --error-rate-429 0.1 \
  --error-rate-500 0.05 --seed 3 > fake.log 2>&1 &
server=$!
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
port=$(cat port.txt)
stats() { python3 -c "import json,sys,urllib.request; s=json.load(urllib.request.urlopen('http://127.0.0.1:$port/stats')); print(eval(sys.argv[1], {}, {'s': s}))" "$1"; }
reset() { python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$port/stats/reset', method='POST'))"; }
stored() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from requests').fetchone()[0])" "$1"; }
json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0][sys.argv[2]])" "$1" "$2"; }

cat > eps.yaml <<YAML
endpoints:
  cand:
    base_url: http://127.0.0.1:$port/v1
    model: fake-candidate
    max_concurrency: 16
    timeout_s: 30
  judge:
    base_url: http://127.0.0.1:$port/v1
    model: fake-judge
    max_concurrency: 16
    timeout_s: 30
YAML
run() { "$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --format json "$@"; }

# 1. Faults are retried until every request succeeds: 160 judgments, 0 errors.
run --db one.db > one.json 2> one.err || fail "run failed: $(cat one.err)"
[ "$(json_field one.json n)" = 160 ] || fail "expected 160 judgments"
[ "$(json_field one.json errors)" = 0 ] || fail "expected 0 errors"
[ "$(stats "s['status_counts'].get('200', 0)")" = 320 ] || fail "expected 320 successful replies"
[ "$(stats "s['distinct_prompts']")" = 320 ] || fail "expected 320 distinct prompts"
failed=$(stats "s['status_counts'].get('429', 0) + s['status_counts'].get('500', 0)")
[ "$failed" -gt 0 ] || fail "the fault injection did not fire"
[ "$(stats "s['requests_total']")" = $((320 + failed)) ] || fail "every failed request must be retried once per failure"
echo "run 1: $failed injected faults, all retried; $(tail -1 one.err)"

# 2. The same command again sends no chat request.
before=$(stats "s['requests_total']")
run --db one.db > two.json 2> two.err
[ "$(stats "s['requests_total']")" = "$before" ] || fail "the second run sent requests"
grep -q '320 from cache' two.err || fail "second run: $(cat two.err)"

# 3. SIGKILL halfway, then the same command finishes without re-sending stored work.
reset
# evalrun itself in the background (not the shell function, whose subshell would take the kill).
"$evalrun" --bench mtbench --model cand --judge judge --endpoints eps.yaml --db kill.db \
  --concurrency 2 > /dev/null 2>&1 &
victim=$!
for _ in $(seq 300); do
  [ -f kill.db ] && [ "$(stored kill.db 2> /dev/null || echo 0)" -ge 100 ] && break
  sleep 0.05
done
kill -9 "$victim"
wait "$victim" 2> /dev/null || true
kept=$(stored kill.db)
[ "$kept" -ge 100 ] && [ "$kept" -lt 320 ] || fail "kill was not halfway ($kept stored)"
# Requests in flight at the kill still finish on the server: let them, then count afresh.
for _ in $(seq 100); do [ "$(stats "s['in_flight']")" = 0 ] && break; sleep 0.05; done
reset
run --db kill.db > resumed.json 2> resumed.err || fail "resume failed: $(cat resumed.err)"
[ "$(json_field resumed.json n)" = 160 ] || fail "resumed run incomplete"
[ "$(json_field resumed.json errors)" = 0 ] || fail "resumed run has errors"
sent_ok=$(stats "s['status_counts'].get('200', 0)")
[ "$sent_ok" = $((320 - kept)) ] || fail "completed requests were sent again ($sent_ok answered, $kept stored)"
grep -q "$kept from cache" resumed.err || fail "resume should reuse $kept responses: $(cat resumed.err)"
[ "$(json_field resumed.json average)" = "$(json_field one.json average)" ] || fail "resumed scores differ"
echo "kill: $kept of 320 stored before SIGKILL; resume sent $((320 - kept)), reused $kept"
# 4. build-bench against a generator whose replies are 20% garbage: every
#    requested instance is written, none malformed.
kill "$server"; wait "$server" 2> /dev/null || true
rm -f port.txt
python3 "$fake" --port 0 --port-file port.txt --garbage-rate 0.2 --seed 5 \
  --models fake-candidate fake-judge fake-baseline > fake2.log 2>&1 &
server=$!
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
port=$(cat port.txt)
sed -i "s#http://127.0.0.1:[0-9]*/v1#http://127.0.0.1:$port/v1#" eps.yaml
"$evalrun" build-bench --generator cand --endpoints eps.yaml --per-source 10 --seed 1 --out built.jsonl \
  --db build.db 2> build.err || fail "build-bench: $(cat build.err)"
[ "$(wc -l < built.jsonl)" = 50 ] || fail "expected 50 instances: $(cat build.err)"
[ "$(stats "s['garbage']")" -gt 0 ] || fail "no garbage was injected"
python3 - built.jsonl <<'PY' || fail "malformed instance written"
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert all(isinstance(d[k], str) and d[k] for k in ("id", "source", "system", "prompt", "reference_answer")), d
    assert len(d["rubrics"]) == 4, d
    for r in d["rubrics"]:
        assert r["criteria"] and sorted(r["score_descriptions"]) == ["1", "2", "3", "4", "5"], r
        assert all(r["score_descriptions"].values())
    n += 1
assert n == 50
PY
"$evalrun" --bench multifaceted --bench-file built.jsonl --model demo --dry-run | grep -q "items: 50" \
  || fail "the Multifaceted loader did not read the built file back"
echo "build-bench: 50 instances written, $(stats "s['garbage']") garbage replies retried; $(tail -1 build.err)"

# 5. Every judging protocol end to end against the fake server (its judge formats).
cat >> eps.yaml <<YAML
  base:
    base_url: http://127.0.0.1:$port/v1
    model: fake-baseline
    max_concurrency: 16
    timeout_s: 30
YAML
for spec in "single 10 --bench koala --limit 10" \
            "pairwise 10 --bench mtbench --limit 5 --rubric fastchat-pair --baseline base" \
            "alpaca_eval 10 --bench alpacaeval --limit 10" \
            "flask 10 --bench flask --limit 10" \
            "absolute 10 --bench multifaceted --bench-file built.jsonl --limit 10 --judge-runs 1" \
            "relative 10 --bench multifaceted --bench-file built.jsonl --limit 10 --rubric prometheus-relative --baseline base"; do
  set -- $spec
  name=$1 n=$2; shift 2
  "$evalrun" "$@" --model cand --judge judge --endpoints eps.yaml --db "p-$name.db" --format json \
    > "p-$name.json" 2> "p-$name.err" || fail "$name: $(cat "p-$name.err")"
  python3 - "p-$name.json" "$n" <<'PY' || fail "$name: $(cat "p-$name.json")"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
counts = r["pairwise"] or r
assert counts["n"] == int(sys.argv[2]) and counts["errors"] == 0 and counts["parse_failures"] == 0, counts
PY
  echo "protocol $name: $(tail -1 "p-$name.err")"
done

# 5b. A model the server does not list (a typo) is refused before anything is sent or written,
# naming what the server serves: servers such as llama.cpp's answer to any model name.
sed 's/model: fake-candidate/model: fake-candidat/' eps.yaml > eps-typo.yaml
before=$(stats "s['requests_total']")
rc=0
"$evalrun" --bench koala --limit 2 --model cand --judge judge --endpoints eps-typo.yaml \
  --db typo.db > typo.out 2> typo.err || rc=$?
[ "$rc" = 2 ] || fail "a model the server does not serve: exit $rc, not 2: $(cat typo.err)"
grep -q "does not serve model 'fake-candidat'; it serves 'fake-baseline', 'fake-candidate', 'fake-judge'" typo.err \
  || fail "the refusal does not name what is served: $(cat typo.err)"
[ ! -e typo.db ] || fail "a refused run wrote typo.db"
[ "$(stats "s['requests_total']")" = "$before" ] || fail "a refused run sent requests"
echo "wrong model: refused with exit 2"

# 6. --dry-run is a budget: per role, exactly the requests the run then sends (a server without
# injected faults, so that the server's count per model is the number of requests), and after
# the run everything is cached.
python3 "$fake" --port 0 --port-file port2.txt --latency-ms 5 --seed 4 \
  --models fake-candidate fake-judge fake-baseline fake-generator > fake2.log 2>&1 &
server2=$!
for _ in $(seq 100); do [ -s port2.txt ] && break; sleep 0.1; done
port2=$(cat port2.txt)
sed "s/127.0.0.1:$port/127.0.0.1:$port2/" eps.yaml > eps2.yaml
cat >> eps2.yaml <<YAML
  gen:
    base_url: http://127.0.0.1:$port2/v1
    model: fake-generator
    max_concurrency: 16
    timeout_s: 30
YAML
per_model() { python3 -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$port2/stats'))['requests_per_model']))"; }
reset2() { python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$port2/stats/reset', method='POST'))"; }
# Compares the dry run's "ROLE: ... N to send" lines with the server's requests per model.
compare_budget() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys
budget = {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (\w+): .*: (\d+) to send", open(sys.argv[1]).read(), re.M)}
served = json.loads(sys.argv[2])
models = {"candidate": "fake-candidate", "baseline": "fake-baseline", "judge": "fake-judge", "generator": "fake-generator"}
expected = {models[role]: n for role, n in budget.items() if n}
assert expected == served, f"{sys.argv[3]}: dry run {budget}, server {served}"
PY
}
for spec in "single --bench koala --limit 10" \
            "pairwise --bench mtbench --limit 5 --rubric fastchat-pair --baseline base" \
            "pairwise-references --bench alpacaeval --limit 6 --rubric fastchat-pair --baseline references" \
            "alpaca_eval --bench alpacaeval --limit 10" \
            "flask --bench flask --limit 10" \
            "absolute-3-runs --bench multifaceted --bench-file built.jsonl --limit 5 --judge-runs 3" \
            "relative --bench multifaceted --bench-file built.jsonl --limit 5 --rubric prometheus-relative --baseline base" \
            "generated-system-messages --bench koala --limit 4 --system-messages generate:gen"; do
  set -- $spec
  name=$1
  shift
  reset2
  "$evalrun" "$@" --model cand --judge judge --endpoints eps2.yaml --db "b-$name.db" --dry-run > "b-$name.plan" \
    || fail "$name dry run: $(cat "b-$name.plan")"
  [ "$(per_model)" = "{}" ] || fail "$name: the dry run sent requests"
  [ ! -e "b-$name.db" ] || fail "$name: the dry run wrote a database"
  "$evalrun" "$@" --model cand --judge judge --endpoints eps2.yaml --db "b-$name.db" > /dev/null 2> "b-$name.err" \
    || fail "$name: $(cat "b-$name.err")"
  compare_budget "b-$name.plan" "$(per_model)" "$name" || fail "$name: budget and server disagree"
  "$evalrun" "$@" --model cand --judge judge --endpoints eps2.yaml --db "b-$name.db" --dry-run > "b-$name.again" \
    || fail "$name second dry run"
  grep -q "^  total: *0 to send" "b-$name.again" || fail "$name: after the run, all should be cached: $(cat "b-$name.again")"
  echo "budget $name: $(grep '^  total:' "b-$name.plan")"
done
reset2
"$evalrun" build-bench --generator gen --per-source 2 --seed 5 --endpoints eps2.yaml --out b-built.jsonl --db b-build.db --dry-run > b-build.plan \
  || fail "build-bench dry run: $(cat b-build.plan)"
[ ! -e b-built.jsonl ] || fail "the build-bench dry run wrote its output"
"$evalrun" build-bench --generator gen --per-source 2 --seed 5 --endpoints eps2.yaml --out b-built.jsonl --db b-build.db 2> b-build.err \
  || fail "build-bench: $(cat b-build.err)"
compare_budget b-build.plan "$(per_model)" build-bench || fail "build-bench: budget and server disagree"
echo "budget build-bench: $(grep 'generator:' b-build.plan)"
kill "$server2" 2> /dev/null

# 7. Arena-Hard's judge against a server whose judge sometimes gives no label (the game is
# continued once, with the judge's reply kept) or two conflicting ones (no verdict, not
# continued); a game still without a label after the continuation is dropped and counted.
python3 "$(dirname "$0")/support/fake_arena_judge.py" "$fake" --port 0 --port-file port3.txt \
  --seed 6 --models fake-candidate fake-judge fake-baseline fake-generator > fake3.log 2>&1 &
server3=$!
for _ in $(seq 100); do [ -s port3.txt ] && break; sleep 0.1; done
port3=$(cat port3.txt)
sed "s/127.0.0.1:$port2/127.0.0.1:$port3/" eps2.yaml > eps3.yaml
"$evalrun" --bench arenahard --limit 40 --model cand --judge judge --endpoints eps3.yaml --db arena.db \
  --format json > arena.json 2> arena.err || fail "arenahard: $(cat arena.err)"
served=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port3/stats'))['requests_total'])")
python3 - arena.db arena.json "$served" <<'PY' || fail "arena-hard against the fake judge: $(cat arena.json)"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
report = json.load(open(sys.argv[2]))["results"][0]["arena_hard"]
calls = db.execute("select c.item_id, c.call_index, c.attempt, coalesce(nullif(c.raw, ''), r.text) from judge_calls c left join request_log r on r.id = c.request").fetchall()
first = {(i, c): raw for i, c, a, raw in calls if a == 0}
second = {(i, c): raw for i, c, a, raw in calls if a == 1}
assert len(first) == 80 and not [a for _, _, a, _ in calls if a > 1]
no_label = {k for k, raw in first.items() if raw.startswith("My own answer first")}
conflicting = {k for k, raw in first.items() if raw.startswith("Either")}
assert no_label and conflicting, (len(no_label), len(conflicting))
assert set(second) == no_label, "exactly the games without a label are continued, once"
still = {k for k, raw in second.items() if raw == "Still undecided."}
assert report["continuations"] == len(no_label)
assert report["games_dropped"] == len(conflicting) + len(still), report
assert int(sys.argv[3]) == 40 + 80 + len(no_label), sys.argv[3]
print("arena-hard: %d continued, %d conflicting, %d dropped of 80 games" % (len(no_label), len(conflicting), report["games_dropped"]))
PY
# --dry-run's estimate: the candidate's replies as long, on average, as its 40 earlier ones.
"$evalrun" --bench arenahard --limit 80 --model cand --judge judge --endpoints eps3.yaml --db arena.db \
  --dry-run > dry.out 2>&1 || fail "dry run: $(cat dry.out)"
python3 - arena.db dry.out <<'PY' || fail "the dry run's estimate: $(cat dry.out)"
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n, total = db.execute("select count(*), sum(r.completion_tokens) from verdicts v "
                      "join requests r on r.id = v.candidate").fetchone()
line = [l for l in open(sys.argv[2]) if l.strip().startswith("candidate:") and "requests, ~" in l][0]
m = re.search(r"(\d+) requests, ~([\d,]+) prompt \+ ~([\d,]+) completion tokens \(replies as earlier ones\)", line)
assert m, line
sent, completion = int(m.group(1)), int(m.group(3).replace(",", ""))
assert sent == 40 and n == 40, (sent, n)
assert abs(completion - sent * total / n) <= 1, (completion, sent * total / n)
print("dry-run estimate: %d candidate requests, ~%d completion tokens" % (sent, completion))
PY
kill "$server3" 2> /dev/null

echo "e2e_fake_openai: all checks passed"
