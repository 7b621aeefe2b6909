#!/usr/bin/env bash
# End to end: evalrun against its built-in demo backend. Usage: e2e_demo.sh EVALRUN SOURCE_DIR
set -euo pipefail
evalrun=$1
source_dir=$2
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

# 7. Every benchmark's plan, with the exact item counts.
for expect in "alpacaeval 805 805" "flask 1740 1740" "koala 180 180" "mtbench 80 160" "selfinstruct 252 252"; do
  set -- $expect
  "$evalrun" --bench "$1" --model demo --dry-run > "plan-$1.txt"
  grep -q "items: $2, turns: $3" "plan-$1.txt" || fail "$1 plan: $(cat "plan-$1.txt")"
done
"$evalrun" list benchmarks > list.txt
grep -Eq '^koala +1 +180 +180' list.txt || fail "list benchmarks: $(cat list.txt)"

# 8. System messages from a pool: the same seed gives the same assignment, another seed another.
pool="$source_dir/data/system_messages/unseen_pool.yaml"
assignments() { python3 -c "import sqlite3,sys; print('\n'.join(f'{i} {s}' for i, s in sqlite3.connect(sys.argv[1]).execute('select item_id, system_message_id from verdicts where run_id = ? order by item_id', (int(sys.argv[2]),))))" "$@"; }
"$evalrun" --bench koala --model demo --system-messages "pool:$pool" --seed 7 --db s7a.db > /dev/null 2>&1 || fail "pool run"
"$evalrun" --bench koala --model demo --system-messages "pool:$pool" --seed 7 --db s7b.db > /dev/null 2>&1 || fail "pool run 2"
"$evalrun" --bench koala --model demo --system-messages "pool:$pool" --seed 8 --db s8.db > /dev/null 2>&1 || fail "pool run 3"
assignments s7a.db 1 > a7.txt; assignments s7b.db 1 > b7.txt; assignments s8.db 1 > a8.txt
[ "$(wc -l < a7.txt)" = 180 ] || fail "expected 180 assignments"
cmp -s a7.txt b7.txt || fail "the same seed gave different system messages"
cmp -s a7.txt a8.txt && fail "another seed gave the same system messages"
grep -q ' pool-' a7.txt || fail "pool ids not recorded"

# 9. build-bench on the demo backend writes a file the Multifaceted loader reads back.
"$evalrun" build-bench --generator demo --per-source 4 --seed 2 --out built.jsonl --db build.db 2> build.err \
  || fail "build-bench: $(cat build.err)"
[ "$(wc -l < built.jsonl)" = 20 ] || fail "expected 20 instances"
python3 - built.jsonl <<'PY' || fail "built instances are incomplete"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert all(d[k] for k in ("id", "source", "system", "prompt", "reference_answer")), d
    assert len(d["rubrics"]) == 4 and all(set(r["score_descriptions"]) == set("12345") and r["criteria"] for r in d["rubrics"])
PY
"$evalrun" --bench multifaceted --bench-file built.jsonl --model demo --dry-run > mf.txt || fail "loader"
grep -q "items: 20, turns: 20" mf.txt || fail "loader read back: $(cat mf.txt)"
grep -q "system messages: 20 of 20 items" mf.txt || fail "system messages not read back"

# 10. A completions endpoint gets its prompt rendered with the named template, stored with the request.
cat > cmpl.yaml <<'YAML'
endpoints:
  janus-demo:
    base_url: demo://in-process
    model: kaist-ai/janus-7b
    kind: completions
    template: mistral-inst
YAML
"$evalrun" --bench mtbench --model janus-demo --judge demo --endpoints cmpl.yaml --limit 1 --db cmpl.db > /dev/null 2>&1 || fail "completions run"
python3 - cmpl.db <<'PY' || fail "rendered prompt not stored"
import json, sqlite3, sys
rows = [json.loads(s) for (s,) in sqlite3.connect(sys.argv[1]).execute("select semantics from request_log where model = 'kaist-ai/janus-7b'")]
assert len(rows) == 2, rows
t2 = [r for r in rows if len(r["messages"]) == 3][0]
assert t2["prompt"].startswith("[INST] Compose an engaging travel blog post"), t2["prompt"]
assert "[/INST] " in t2["prompt"] and t2["prompt"].endswith(" [/INST] ") and "</s>[INST] " in t2["prompt"]
PY

# 11. Every judging protocol end to end on the demo backend.
protocol_run() { # NAME EXPECTED_N ARGS...
  local name=$1 n=$2; shift 2
  "$evalrun" "$@" --model demo --db "proto-$name.db" --format json > "proto-$name.json" 2> "proto-$name.err" \
    || fail "$name: $(cat "proto-$name.err")"
  python3 - "proto-$name.json" "$n" "$name" <<'PY' || fail "$name report"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n, name = int(sys.argv[2]), sys.argv[3]
assert r["errors"] == 0, r
if r["pairwise"]:
    assert r["pairwise"]["n"] == n and r["pairwise"]["errors"] == 0 and r["pairwise"]["parse_failures"] == 0, r
else:
    assert r["n"] == n and r["parse_failures"] == 0, r
PY
}
cat > pairs.yaml <<'YAML'
endpoints:
  demo2: {base_url: "demo://in-process", model: evalrun-demo-2}
  demo3: {base_url: "demo://in-process", model: evalrun-demo-3}
YAML
protocol_run single 20 --bench koala --limit 20
protocol_run pairwise 20 --bench mtbench --limit 10 --rubric fastchat-pair --baseline demo
protocol_run alpaca_eval 20 --bench alpacaeval --limit 20
protocol_run flask 20 --bench flask --limit 20
protocol_run absolute 20 --bench multifaceted --bench-file built.jsonl
protocol_run relative 20 --bench multifaceted --bench-file built.jsonl --rubric prometheus-relative --baseline demo
# All pairs of three endpoints: three runs.
"$evalrun" --bench mtbench --limit 2 --rubric fastchat-pair --pairs demo,demo2,demo3 --endpoints pairs.yaml \
  --judge demo --db pairs.db > pairs.out 2> pairs.err || fail "pairs: $(cat pairs.err)"
[ "$(grep -c '^## mtbench' pairs.out)" = 3 ] || fail "expected 3 pair runs: $(cat pairs.out)"
grep -q 'demo2 vs demo3' pairs.out || fail "pair demo2 vs demo3 missing"
python3 - proto-absolute.db <<'PY' || fail "absolute: 4 rubrics x 3 runs per item expected"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("select count(*) from judge_calls").fetchone()[0] == 20 * 4 * 3
PY

# 12. Ad-hoc scoring: the good lines are scored, the bad ones named by line number.
python3 - > answers.jsonl <<'PY'
import json
for i in range(200):
    if i == 17: print('{"id": "a17", "prompt": "cut off'); continue
    if i == 99: print(json.dumps({"id": "a99", "answer": "no prompt"})); continue
    if i == 150: print("not json"); continue
    print(json.dumps({"id": f"a{i}", "prompt": f"Question {i}?", "answer": f"Answer {i}.", "reference": "Ref."}))
PY
if "$evalrun" score --rubric helpfulness --input answers.jsonl --judge demo --db score.db > score.out 2> score.err; then
  fail "score must exit non-zero when lines are bad"
fi
[ "$(grep -c '| ok |' score.out)" = 197 ] || fail "expected 197 scored answers: $(tail -2 score.out)"
grep -q 'mean score: [0-9.]* over 197 scored answers' score.out || fail "no mean"
for line in 18 100 151; do grep -q "answers.jsonl:$line:" score.err || fail "bad line $line not named: $(cat score.err)"; done

# 13. Importing published judgments; a malformed file imports nothing.
python3 - "$source_dir" > annotations.json <<'PY'
import json, sys
ins = json.load(open(sys.argv[1] + "/data/alpaca_eval/results/gpt4_1106_preview/model_outputs.json"))[:10]
print(json.dumps([{"instruction": d["instruction"], "output_1": d["output"], "generator_1": "gpt4_1106_preview",
                   "output_2": "mine", "generator_2": "mine", "annotator": "weighted_alpaca_eval_gpt4_turbo",
                   "preference": 1.0 + i / 10} for i, d in enumerate(ins)]))
PY
"$evalrun" import alpaca-eval --annotations annotations.json --db imported.db 2> import.err || fail "import: $(cat import.err)"
"$evalrun" report --db imported.db --format json | python3 -c "
import json, statistics, sys
r = json.load(sys.stdin)['results'][0]
assert r['protocol'] == 'alpaca_eval' and r['pairwise']['n'] == 10, r
a = r['alpaca_eval']
# The alpaca_eval package's formulas on preferences 1.0, 1.1, ..., 1.9 and outputs 'mine':
p = [i / 10 for i in range(10)]
expected = {'win_rate': 100 * statistics.mean(p), 'standard_error': 100 * statistics.stdev(p) / len(p) ** 0.5,
            'n_wins': 4, 'n_wins_base': 5, 'n_draws': 1, 'n_total': 10, 'discrete_win_rate': 45.0}
for key, value in expected.items():
    assert abs(a[key] - value) <= 1e-9 * max(1, abs(value)), (key, a[key], value)
assert a['avg_length'] == 4, a
assert a['length_controlled_winrate'] is None and 'instruction_difficulty' in a['length_controlled_note']" \
  || fail "imported AlpacaEval metrics"
echo '[{"instruction": "x"}]' > broken.json
if "$evalrun" import alpaca-eval --annotations broken.json --db broken.db 2> broken.err; then fail "broken import"; fi
grep -q "annotation \[0\]: field 'output_1'" broken.err || fail "import error: $(cat broken.err)"
[ ! -e broken.db ] || fail "a failed import must not write a database"

# 14. Leaderboard columns: a full run, a limit-5 run of the same file and a run of another file
# are three columns; a model that cannot run keeps its row, with the reason, in every output.
head -n 10 built.jsonl > half.jsonl
cat > matrix.yaml <<'YAML'
matrix:
  - bench: multifaceted
    bench_file: built.jsonl
    models: [demo, no-such-model]
    judge: demo
  - bench: multifaceted
    bench_file: built.jsonl
    models: [demo]
    judge: demo
    limit: 5
  - bench: multifaceted
    bench_file: half.jsonl
    models: [demo]
    judge: demo
YAML
status=0
"$evalrun" leaderboard --config matrix.yaml --out board --db board.db 2> board.err || status=$?
[ "$status" = 3 ] || fail "a cell that cannot run should give exit 3, got $status: $(cat board.err)"
python3 - board/leaderboard.json <<'PY' || fail "leaderboard columns: $(cat board/leaderboard.json)"
import json, sys
b = json.load(open(sys.argv[1]))
variants = sorted(c["variant"] for c in b["columns"])
assert len(b["columns"]) == 3, variants
assert [v.split(",")[0] for v in variants] == ["10 items", "20 items", "5 items"], variants
demo = next(r for r in b["rows"] if r["model"] == "demo")
assert all(c is not None and c["n"] > 0 for c in demo["cells"]), demo
assert any(r["model"] == "no-such-model" for r in b["rows"])
assert b["not_run"][0]["model"] == "no-such-model" and "unknown candidate endpoint" in b["not_run"][0]["reason"]
PY
for f in leaderboard.md leaderboard.json leaderboard.csv index.html; do
  grep -q "no-such-model" "board/$f" && grep -q "unknown candidate endpoint" "board/$f" \
    || fail "board/$f lacks the model that could not run"
done

# The command line's --db wins over the config's `db`.
printf 'db: from-config.db\nmatrix:\n  - bench: koala\n    models: [demo]\n    judge: demo\n    limit: 2\n' > small.yaml
"$evalrun" leaderboard --config small.yaml --out small --db from-flag.db 2> small.err || fail "small board: $(cat small.err)"
[ -s from-flag.db ] && [ ! -e from-config.db ] || fail "--db must win over the config's db"

# 15. The README's ten-line ad-hoc rubric (extends a shipped one) scores an answers file.
python3 - "$source_dir/README.md" > concise.yaml <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text[text.index("**An ad-hoc rubric in ten lines.**"):]
print(re.search(r"```yaml\n(.*?)```", section, re.S).group(1), end="")
PY
printf '%s\n' '{"id": "b", "prompt": "What is 2+2?", "answer": "4", "reference": "4"}' \
  '{"id": "a", "prompt": "Name a colour.", "answer": "Blue.", "reference": "Red."}' > concise.jsonl
"$evalrun" score --rubric concise.yaml --input concise.jsonl --judge demo --db concise.db > concise.out 2>&1 \
  || fail "README rubric: $(cat concise.out)"
grep -q 'mean score: .* over 2 scored answers (0 unscored; rubric concise-answers@1' concise.out \
  || fail "README rubric did not score both answers: $(cat concise.out)"
[ "$(grep -E '^\| (a|b) \|' concise.out | cut -d' ' -f2 | tr -d '\n')" = ba ] \
  || fail "score must print answers in input order: $(cat concise.out)"

# 16. A JSON Lines file is read a line at a time while the run goes: a bad line far down is
# found by the check of the whole file beside it, the run stops and is removed (exit 2, the
# line named), and the answers already received stay in the cache.
python3 - > big.jsonl <<'PY'
import json
for i in range(60000):
    print(json.dumps({"id": f"q{i}", "prompt": f"Question number {i}?"}))
print('{"id": "broken", "prompt": ')
PY
if "$evalrun" --bench koala --bench-file big.jsonl --model demo --db late.db > late.out 2> late.err; then
  fail "a bad line must fail the run"
fi
grep -q 'big.jsonl:60001: not valid JSON' late.err || fail "the bad line must be named: $(tail -3 late.err)"
grep -q 'found while the run was under way, after [0-9]* requests had been sent' late.err \
  || fail "late problem must say what was sent: $(tail -3 late.err)"
python3 - late.db <<'PY' || fail "the run must be removed, its answers kept"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("select count(*) from runs").fetchone()[0] == 0
assert db.execute("select count(*) from verdicts").fetchone()[0] == 0
assert db.execute("select count(*) from requests").fetchone()[0] > 0
PY
# --limit reads (and checks) only what the run uses: a bad line further down does not matter.
"$evalrun" --bench koala --bench-file big.jsonl --model demo --db limited.db --limit 100 \
  > limited.out 2> limited.err || fail "--limit 100 before the bad line: $(tail -3 limited.err)"
grep -q 'run 1 complete; 100 turns' limited.err || fail "--limit 100: $(tail -2 limited.err)"
# A problem the check finds at once is refused with nothing sent and no database written.
head -n 3 big.jsonl > early.jsonl && echo '{"id": "q0", "prompt": "again"}' >> early.jsonl
if "$evalrun" --bench koala --bench-file early.jsonl --model demo --db early.db 2> early.err; then
  fail "a duplicate id must fail the run"
fi
grep -q "early.jsonl:4: duplicate item id 'q0' (first at line 1); nothing was sent" early.err \
  || fail "early problem: $(cat early.err)"
[ ! -e early.db ] || fail "a problem found at once must not write a database"
# A shipped benchmark's file is checked whole before anything is sent, FLASK's 1,700 items too.
if "$evalrun" --bench flask_original --model demo --rubric prometheus-absolute --db flask.db 2> flask.err; then
  fail "FLASK items have no Prometheus rubric: the run must be refused"
fi
grep -q 'cannot judge these flask_original items; nothing was sent' flask.err \
  || fail "FLASK refused late: $(head -c 300 flask.err)"
[ ! -e flask.db ] || fail "a refused run must not write a database"
# A pipe is read whole (it can be read only once), as before.
"$evalrun" --bench koala --bench-file <(head -n 5 big.jsonl) --model demo --db piped.db \
  > piped.out 2> piped.err || fail "a piped bench file: $(cat piped.err)"
grep -q '5 turns: 5 rated' piped.err || fail "piped bench file: $(tail -2 piped.err)"

echo "e2e_demo: all checks passed"
