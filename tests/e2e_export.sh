#!/usr/bin/env bash
# End to end: evalrun export writes runs in FastChat's, Arena-Hard-Auto's and
# AlpacaEval's file layouts, and evalrun import reads them back into the same
# verdicts (status, score, winner, labels) and the same report numbers.
# Usage: e2e_export.sh EVALRUN SOURCE_DIR
set -euo pipefail
evalrun=$1
source_dir=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
compare() { python3 "$source_dir/tests/support/compare_verdicts.py" "$@"; }

cat > endpoints.yaml <<'YAML'
endpoints:
  rival: {base_url: "demo://in-process", model: evalrun-demo-rival}
YAML
run() { "$evalrun" "$@" --endpoints endpoints.yaml --db runs.db > /dev/null 2> run.err || fail "run $*: $(cat run.err)"; }
run --bench mtbench --model demo                                     # run 1: single
run --bench mtbench --limit 20 --rubric fastchat-pair --baseline rival --model demo  # run 2: pairwise
run --bench arenahard --limit 40 --model demo                        # run 3
run --bench alpacaeval --limit 60 --model demo                       # run 4

# FastChat: model_judgment/<judge>_single.jsonl and _pair.jsonl, model_answer/<model>.jsonl.
"$evalrun" export --format fastchat --out fastchat --db runs.db 2> export.err || fail "export: $(cat export.err)"
grep -q "run 1 (mtbench, demo judged by evalrun-demo): 160 verdicts" export.err || fail "$(cat export.err)"
for f in fastchat/model_judgment/evalrun-demo_single.jsonl fastchat/model_judgment/evalrun-demo_pair.jsonl \
         fastchat/model_answer/demo.jsonl; do
  [ -s "$f" ] || fail "no $f"
done
python3 - fastchat <<'PY' || fail "FastChat layout"
import json, sys
root = sys.argv[1]
single = [json.loads(l) for l in open(f"{root}/model_judgment/evalrun-demo_single.jsonl")]
assert len(single) == 160, len(single)
# gen_judgment.py's keys; question ids are numbers, as in question.jsonl.
assert set(single[0]) == {"question_id", "model", "judge", "user_prompt", "judgment", "score", "turn"}, single[0]
assert single[0]["question_id"] == 81 and single[0]["judge"] == ["evalrun-demo", "single-v1"]
assert "[[rating]]" in single[0]["user_prompt"] or "Rating" in single[0]["user_prompt"]
pair = [json.loads(l) for l in open(f"{root}/model_judgment/evalrun-demo_pair.jsonl")]
assert len(pair) == 40 and {p["model_2"] for p in pair} == {"rival"}
assert all(p["g1_winner"] in ("model_1", "model_2", "tie", "error") for p in pair)
answers = [json.loads(l) for l in open(f"{root}/model_answer/demo.jsonl")]
assert len(answers) == 80 and all(len(a["choices"][0]["turns"]) == 2 for a in answers), len(answers)
# The baseline's answers of the pairwise run (model_2), each item's two turns.
rival = [json.loads(l) for l in open(f"{root}/model_answer/rival.jsonl")]
assert len(rival) == 20 and all(len(a["choices"][0]["turns"]) == 2 and all(a["choices"][0]["turns"])
                                for a in rival), rival[:1]
PY
"$evalrun" import fastchat --judgments fastchat/model_judgment/evalrun-demo_single.jsonl --db single.db 2> /dev/null \
  || fail "import FastChat single"
compare runs.db 1 single.db 1 --failed-as-parse-failed || fail "FastChat single round trip"
"$evalrun" import fastchat --judgments fastchat/model_judgment/evalrun-demo_pair.jsonl --db pair.db 2> /dev/null \
  || fail "import FastChat pairwise"
compare runs.db 2 pair.db 1 --failed-as-parse-failed || fail "FastChat pairwise round trip"

# Arena-Hard-Auto: model_judgment/<judge>/<model>.jsonl, model_answer/<model>.jsonl
# (the baseline's too), read back with the answers (average #tokens).
"$evalrun" export --format arena-hard --out arena --db runs.db 2> /dev/null || fail "export arena-hard"
[ -s arena/model_answer/gpt-4-0314.jsonl ] || fail "no baseline answers"
"$evalrun" import arena-hard --judgments arena/model_judgment/evalrun-demo --answers arena/model_answer \
  --db arena.db 2> /dev/null || fail "import arena-hard"
compare runs.db 3 arena.db 1 || fail "Arena-Hard round trip"
# The same battles, score and interval in both reports.
score() {
  "$evalrun" report --db "$1" --bench arenahard --format json > "$1.json" || fail "report of $1"
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]["arena_hard"]
print(r["wins"], r["ties"], r["losses"], r["games_dropped"], r["score"], r["lower"], r["upper"],
      [(row["model"], row["avg_tokens"]) for row in r["table"]])' "$1.json" \
    || fail "no Arena-Hard numbers in the report of $1"
}
own=$(score runs.db)
imported=$(score arena.db)
[ -n "$own" ] && [ "$own" = "$imported" ] || fail "Arena-Hard numbers: $own against $imported"
echo "Arena-Hard (wins ties losses dropped score lower upper): $own"

# AlpacaEval: <model>/model_outputs.json and <model>/<annotator>/annotations.json.
"$evalrun" export --format alpaca-eval --out alpaca --db runs.db 2> /dev/null || fail "export alpaca-eval"
python3 -c '
import json
a = json.load(open("alpaca/demo/evalrun-demo/annotations.json"))
o = json.load(open("alpaca/demo/model_outputs.json"))
assert len(a) == 60 and len(o) == 60
assert a[0]["generator_1"] == "gpt4_1106_preview" and a[0]["generator_2"] == "demo"
assert a[0]["instruction"] == o[0]["instruction"] and a[0]["output_2"] == o[0]["output"]
' || fail "AlpacaEval layout"
"$evalrun" import alpaca-eval --annotations alpaca/demo/evalrun-demo/annotations.json --db alpaca.db 2> /dev/null \
  || fail "import alpaca-eval"
compare runs.db 4 alpaca.db 1 --by-order || fail "AlpacaEval round trip"

# Nothing to export, and a format evalrun does not write: refused.
"$evalrun" --bench koala --limit 5 --model demo --db koala.db > /dev/null 2>&1 || fail "koala run"
set +e
"$evalrun" export --format arena-hard --out none --db koala.db 2> none.err
status=$?
set -e
[ "$status" = 2 ] || fail "an export with nothing to export: exit $status"
grep -q "no run to export as arena-hard" none.err || fail "$(cat none.err)"
[ ! -e none ] || fail "an export with nothing to export wrote a folder"
if "$evalrun" export --format lm-eval --out x --db runs.db 2> /dev/null; then fail "an unknown format"; fi
echo "e2e_export: all checks passed"
