#!/usr/bin/env bash
# End to end on the demo backend: the Janus paper's helpfulness numbers. Arena-Hard-Auto v0.1
# (both games, the continuation, Bradley-Terry checked against the closed form recomputed here
# from the stored labels), AlpacaEval's length-controlled win rate from side files made here
# from the formulas, and the Janus suite's paper-layout tables.
# Usage: e2e_paper.sh EVALRUN SOURCE_DIR   (exit 77 = skipped: no python3)
set -euo pipefail
evalrun=$1
source_dir=$2
command -v python3 > /dev/null || { echo "python3 missing: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Arena-Hard on the demo backend: 500 answers, 1,000 first judge calls (both orders), one
#    continuation per game without a label, and a score equal to 100 (W + T/2) / N over the
#    weighted battles, recomputed here from the labels in the database.
"$evalrun" --bench arenahard --model demo --db ah.db --format json > ah.json 2> ah.err \
  || fail "arenahard run: $(cat ah.err)"
python3 - ah.db ah.json <<'PY' || fail "arena-hard checks"
import json, re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
report = json.load(open(sys.argv[2]))["results"][0]
first = db.execute("select count(*), count(distinct position) from judge_calls where attempt = 0").fetchone()
assert first == (1000, 2), first
# Every continuation follows a first reply without any label, and only those are continued.
label = re.compile(r"\[\[([AB<>=]+)\]\]")
firsts = {(i, c): raw for i, c, raw in db.execute("select c.item_id, c.call_index, coalesce(nullif(c.raw, ''), r.text) from judge_calls c left join request_log r on r.id = c.request where c.attempt = 0")}
continued = {(i, c) for i, c in db.execute("select item_id, call_index from judge_calls where attempt = 1")}
assert db.execute("select count(*) from judge_calls where attempt > 1").fetchone()[0] == 0
for key, raw in firsts.items():
    assert (key in continued) == (not label.findall(raw)), (key, raw)
assert len(continued) > 0
w = t = l = dropped = 0
for (labels,) in db.execute("select labels from verdicts"):
    for game, lab in enumerate(json.loads(labels)):
        weight = 3 if ">>" in lab else 1
        model_wins = {"B>A": 1, "B>>A": 1, "A>B": 0, "A>>B": 0}
        if lab == "A=B":
            t += 1
        elif lab in model_wins:
            if (model_wins[lab] == 1) == (game == 0):
                w += weight
            else:
                l += weight
        else:
            dropped += 1
a = report["arena_hard"]
assert (a["wins"], a["ties"], a["losses"], a["games_dropped"]) == (w, t, l, dropped), (a, w, t, l, dropped)
assert a["continuations"] == len(continued)
assert abs(a["score"] - round(100 * (w + t / 2) / (w + t + l), 2)) < 1e-9, a["score"]
assert a["lower"] < a["score"] < a["upper"]
assert report["headline"]["name"] == "arena_hard_score" and report["headline"]["unit"] == "percent"
baseline = [row for row in a["table"] if row["model"] == "gpt-4-0314"][0]
assert int(baseline["avg_tokens"]) == 423 and baseline["score"] == 50
print("arena-hard: W %d T %d L %d, %d dropped, %d continued, score %.2f" % (w, t, l, dropped, len(continued), a["score"]))
PY
"$evalrun" report --db ah.db > ah.md
grep -q '^gpt-4-0314                     | score: 50.0  | 95% CI:  (0.0, 0.0)  | average #tokens: 423$' ah.md \
  || fail "upstream's table line missing: $(cat ah.md)"

# 2. Published judgments re-scored: the database's own games exported in upstream's
#    model_judgment layout, imported, give the same table.
mkdir -p judgments/gpt-4-1106-preview answers
python3 - ah.db judgments/gpt-4-1106-preview/demo.jsonl <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w") as out:
    for item, labels in db.execute("select item_id, labels from verdicts order by item_id"):
        games = [{"user_prompt": "...", "judgment": "...", "score": lab or None} for lab in json.loads(labels)]
        out.write(json.dumps({"question_id": item, "model": "demo", "judge": "gpt-4-1106-preview", "games": games}) + "\n")
PY
cp "$source_dir/data/arena_hard/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl" answers/
"$evalrun" import arena-hard --judgments judgments/gpt-4-1106-preview --answers answers --db imported.db 2> import.err \
  || fail "import: $(cat import.err)"
"$evalrun" report --db imported.db --format json > imported.json
python3 - ah.json imported.json <<'PY' || fail "the imported judgments must give the same score"
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]["arena_hard"]
b = json.load(open(sys.argv[2]))["results"][0]["arena_hard"]
for key in ("score", "lower", "upper", "wins", "ties", "losses", "games_dropped"):
    assert a[key] == b[key], (key, a[key], b[key])
PY

# 3. AlpacaEval's LC from side files made here (df_gamed.csv: 805 instructions x 2 gamed
#    baselines; instruction_difficulty.csv): the report shows LC and its standard error, the
#    check through the saved weights agrees, and the weights file has upstream's layout.
"$evalrun" --bench alpacaeval --model demo --db ae.db > /dev/null 2> ae.err || fail "alpacaeval: $(cat ae.err)"
"$evalrun" report --db ae.db --alpaca-eval-lc lc > nolc.md
grep -q 'lc/df_gamed.csv: no such file; download it once with' nolc.md || fail "missing side file not named: $(cat nolc.md)"
mkdir -p lc
python3 - <<'PY'
import math, random
random.seed(7)
difficulty = [random.gauss(0, 1) for _ in range(805)]
with open("lc/df_gamed.csv", "w") as f:
    f.write(",index,model,preference,std_delta_len,instruction_difficulty,not_gamed_baseline\n")
    row = 0
    for model, sign in (("gpt4_1106_preview_verbose", -1), ("gpt4_1106_preview_concise", 1)):
        for i in range(805):
            s = sign * abs(random.gauss(1, 0.5))
            p = 1 / (1 + math.exp(1.5 * math.tanh(s) - 0.8 * difficulty[i]))
            f.write("%d,%d,%s,%.6f,%.6f,%.6f,False\n" % (row, i, model, p, s, difficulty[i]))
            row += 1
with open("lc/instruction_difficulty.csv", "w") as f:
    f.write("index,instruction_difficulty\n")
    for i, d in enumerate(difficulty):
        f.write("%d,%.6f\n" % (i, d))
PY
"$evalrun" report --db ae.db --alpaca-eval-lc lc --format json --out lcout 2> lc.err || fail "LC report: $(cat lc.err)"
python3 - lcout/report.json <<'PY' || fail "LC report checks"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
ae = r["alpaca_eval"]
assert r["headline"]["name"] == "length_controlled_winrate", r["headline"]
assert 0 < ae["length_controlled_winrate"] < 100 and ae["lc_standard_error"] > 0, ae
assert abs(ae["lc_from_weights"] - ae["length_controlled_winrate"]) < 1e-6, ae
assert len(ae["lc_cv"]) == 10 and ae["lc_C"] in [c["C"] for c in ae["lc_cv"]]
PY
weights=lcout/weights/evalrun-demo/length_controlled_v1/baseline_gpt4_1106_preview.csv
head -1 "$weights" | grep -qx ',np.tanh(std_delta_len),instruction_difficulty,not_gamed_baseline.astype(float)' \
  || fail "weights header: $(cat "$weights")"
sed -n 2p "$weights" | grep -qx 'gpt4_1106_preview,0.0000000000000000,0.0000000000000000,0.0000000000000000' \
  || fail "the baseline's row of zeros must come first: $(cat "$weights")"
# A pinned C is used as is (no cross-validation).
"$evalrun" report --db ae.db --alpaca-eval-lc lc --alpaca-eval-lc-c 1 --format json > pinned.json
python3 -c "import json,sys; a=json.load(open('pinned.json'))['results'][0]['alpaca_eval']; assert a['lc_C'] == 1 and a['lc_cv'] == [], a" \
  || fail "--alpaca-eval-lc-c"
# A bad side file stops `run` before any request, and writes nothing.
mkdir -p badlc && printf 'index,preference,std_delta_len,instruction_difficulty,not_gamed_baseline\n0,x,1,1,False\n' > badlc/df_gamed.csv
if "$evalrun" --bench alpacaeval --model demo --db bad.db --alpaca-eval-lc badlc > /dev/null 2> bad.err; then
  fail "a bad df_gamed.csv must fail the run"
fi
grep -q 'badlc/df_gamed.csv:2' bad.err || fail "the bad file's line must be named: $(cat bad.err)"
[ ! -e bad.db ] || fail "a refused run must not write a database"
# Without instruction_difficulty.csv the LC is computed and the skipped check is named.
mkdir -p gamedonly && cp lc/df_gamed.csv gamedonly/
"$evalrun" report --db ae.db --alpaca-eval-lc gamedonly > gamedonly.md
grep -q 'gamedonly/instruction_difficulty.csv: no such file' gamedonly.md || fail "missing difficulty file not named"
grep -Eq '^demo,-?[0-9]+\.[0-9]{16},-?[0-9]+\.[0-9]{16},-?[0-9]+\.[0-9]{16}$' "$weights" || fail "weights row: $(cat "$weights")"

# 4. The Janus suite on the demo backend: a Multifaceted Bench file built by the demo
#    generator, then every table of the paper in janus.md.
"$evalrun" build-bench --generator demo --per-source 2 --out multifaceted_bench.jsonl --db build.db 2> build.err \
  || fail "build-bench: $(cat build.err)"
"$evalrun" leaderboard --config data/suites/janus.yaml --demo --alpaca-eval-lc lc --out janus 2> janus.err \
  || fail "janus suite: $(cat janus.err)"
[ -s janus.demo.db ] && [ ! -e janus.db ] || fail "--demo must write janus.demo.db only"
for heading in '## Helpfulness' '## Multifaceted Bench' '## Tie+win rates against baselines'; do
  grep -q "^$heading" janus/janus.md || fail "janus.md lacks $heading: $(cat janus/janus.md)"
done
grep -Eq '^\| janus \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9] \(' janus/janus.md \
  || fail "janus row of the helpfulness table: $(cat janus/janus.md)"
grep -Eq '^\| gpt-4-turbo \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+' janus/janus.md \
  || fail "Multifaceted row: $(cat janus/janus.md)"
[ "$(grep -c '^| janus | ' janus/janus.md)" = 5 ] || fail "janus rows: $(cat janus/janus.md)"
grep -q 'DEMO BACKEND' janus/janus.md || fail "demo tables must say so"

echo "e2e_paper: all checks passed"
