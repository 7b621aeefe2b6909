#!/usr/bin/env bash
# End to end: evalrun view serves its page and its JSON API over a demo
# database on 127.0.0.1 (read-only), pages and filters verdicts, shows a
# pairwise turn's two judge calls with their replies, and refuses what it
# cannot answer. (The page itself in a browser: not yet tested here.)
# Usage: e2e_view.sh EVALRUN
set -euo pipefail
evalrun=$1
work=$(mktemp -d)
viewer=""
trap '[ -n "$viewer" ] && kill "$viewer" 2> /dev/null; rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
cat > endpoints.yaml << 'YAML'
endpoints:
  rival: {base_url: "demo://in-process", model: evalrun-demo-rival}
YAML
"$evalrun" --bench mtbench --model demo --db runs.db > /dev/null 2>&1 || fail "single run"
"$evalrun" --bench mtbench --limit 20 --rubric fastchat-pair --baseline rival --model demo \
  --endpoints endpoints.yaml --db runs.db > /dev/null 2>&1 || fail "pairwise run"
before=$(sha256sum runs.db | cut -d' ' -f1)
"$evalrun" view --db runs.db --port 0 > view.out 2> view.err &
viewer=$!
for _ in $(seq 100); do grep -q 127.0.0.1 view.out 2> /dev/null && break; sleep 0.05; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' view.out)
[ -n "$port" ] || fail "no address printed: $(cat view.out view.err)"
python3 - "$port" << 'PY'
import json, sys, urllib.error, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
def get(path, status=200):
    try:
        r = urllib.request.urlopen(base + path)
        code, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
    if code != status:
        sys.exit("FAIL: GET %s gave %d, expected %d: %s" % (path, code, status, body[:200]))
    return body
page = get("/").decode()
assert "<title>evalrun view</title>" in page and "http://" not in page.replace('http://www.w3.org/2000/svg', ''), "the page"
runs = json.loads(get("/api/runs"))["runs"]
assert [r["protocol"] for r in runs] == ["single", "pairwise"], runs
# MT-Bench demo: 80 items, 2 turns each; the pairwise run 20 items.
h1, h2 = runs[0]["headline"], runs[1]["headline"]
single = json.loads(get("/api/runs/1"))
counts = single["score_counts"]
# The histogram's data: every rated verdict once, values in order, on the 1-10 scale.
assert sum(n for _, n in counts) == h1["rated"], counts
assert [v for v, _ in counts] == sorted(v for v, _ in counts) and 1 <= counts[0][0] and counts[-1][0] <= 10, counts
assert abs(sum(v * n for v, n in counts) / h1["rated"] - h1["value"]) < 1e-9, (counts, h1)
assert h1["rated"] + h1["unreadable"] + h1["failed"] == 160 and h1["name"] == "average", h1
assert h2["rated"] + h2["unreadable"] + h2["failed"] == 40 and h2["name"] == "tie_win_rate", h2
assert h1["interval"][0] <= h1["value"] <= h1["interval"][1], h1
run = json.loads(get("/api/runs/2"))
assert "tie" in run["report"] and run["headline"] == h2, run["report"]
# Who answered: the rival endpoint served the baseline's 40 answers.
served = run["report_json"]["served"]
assert [(s["model"], s["requests"]) for s in served["baseline"]] == [("evalrun-demo-rival", 40)], served
assert "baseline served as evalrun-demo-rival (40 requests)" in run["report"], run["report"]
assert sum(s["count"] for s in run["statuses"]) == 40, run["statuses"]
assert run["report_json"]["judge_diagnostics"]["pairs"] == 40, run["report_json"]
assert run["diagnostics"]["summary"].startswith("unreadable 0 of 40"), run["diagnostics"]
# Pages of 15: 40 verdicts in three pages, in item order, none twice.
seen = []
for offset in (0, 15, 30):
    page = json.loads(get("/api/runs/2/verdicts?limit=15&offset=%d" % offset))
    assert page["total"] == 40, page["total"]
    seen += [(v["item_id"], v["turn"]) for v in page["rows"]]
# (Whole-number ids by value: "81" before "100".)
assert len(seen) == 40 and len(set(seen)) == 40, seen
assert seen == sorted(seen, key=lambda k: (int(k[0]), k[1])), seen
# Filters: by category (the counts the run page gives), by status, by text.
for c in run["categories"]:
    page = json.loads(get("/api/runs/2/verdicts?category=" + urllib.request.quote(c["value"])))
    assert page["total"] == c["count"] and all(v["category"] == c["value"] for v in page["rows"]), c
assert json.loads(get("/api/runs/2/verdicts?status=unreadable"))["total"] == 0
# Pairs whose games disagree: as many as the report's diagnostics count, in pages.
d = run["report_json"]["judge_diagnostics"]
inconsistent = json.loads(get("/api/runs/2/verdicts?status=inconsistent&limit=200"))
flipped = json.loads(get("/api/runs/2/verdicts?status=flipped&limit=200"))
assert inconsistent["total"] == d["swap_inconsistent"] > flipped["total"] > 0, (inconsistent["total"], d)
assert flipped["total"] == d["swap_flips"] and len(flipped["rows"]) == flipped["total"], d
second = json.loads(get("/api/runs/2/verdicts?status=inconsistent&limit=3&offset=3"))
assert [v["item_id"] for v in second["rows"]] == [v["item_id"] for v in inconsistent["rows"][3:6]]
assert json.loads(get("/api/runs/2/verdicts?status=ok"))["total"] == 40
first = seen[0]
found = json.loads(get("/api/runs/2/verdicts?q=" + urllib.request.quote(first[0])))
assert found["total"] >= 1 and any(v["item_id"] == first[0] for v in found["rows"]), found
# Text search ignores case: the demo judge's replies all say "Final verdict".
lower = json.loads(get("/api/runs/2/verdicts?q=final+verdict"))["total"]
upper = json.loads(get("/api/runs/2/verdicts?q=FINAL+VERDICT"))["total"]
assert lower == upper == 40, (lower, upper)
# One pairwise turn: the two games, model first and baseline first, with their replies.
item = json.loads(get("/api/runs/2/items/%s/%d" % (urllib.request.quote(first[0]), first[1])))
calls = item["judge_calls"]
assert [c["position"] for c in calls] == ["model-first", "baseline-first"], calls
assert all(c["reply"] and c["prompt"] for c in calls), calls
assert item["candidate_answer"] and item["baseline_answer"], item
assert any(m["role"] == "user" for m in item["conversation"]), item["conversation"]
# Refusals.
get("/api/runs/99", 404)
get("/api/runs/x", 400)
get("/api/runs/2/verdicts?status=bogus", 400)
get("/api/runs/2/verdicts?offset=-1", 400)
get("/api/runs/2/verdicts?limit=0", 400)
get("/api/runs/2/items/%s/0" % urllib.request.quote(first[0]), 400)
get("/api/runs/2/items/%s/4294967297" % urllib.request.quote(first[0]), 400)
get("/api/runs/2/verdicts?q=%zz", 400)
get("/api/runs/2/items/%s/9" % urllib.request.quote(first[0]), 404)
get("/api/nothing", 404)
req = urllib.request.Request(base + "/api/runs", data=b"{}", method="POST")
try:
    urllib.request.urlopen(req)
    sys.exit("FAIL: a POST was answered")
except urllib.error.HTTPError as e:
    assert e.code == 405 and e.headers["Allow"] == "GET", (e.code, e.headers)
# A request line longer than the server reads: 431, not a dropped connection.
get("/api/runs/2/verdicts?q=" + "x" * 20000, 431)
print("e2e_view: %d runs, 40 verdicts paged, item %s turn %d with %d judge calls" % (len(runs), first[0], first[1], len(calls)))
PY
[ "$(sha256sum runs.db | cut -d' ' -f1)" = "$before" ] || fail "the database changed"
# Report filters that match nothing: an error naming what the database holds, exit 2.
rc=0
"$evalrun" report --db runs.db --judge nosuch > /dev/null 2> nosuch.err || rc=$?
[ "$rc" = 2 ] && grep -q "no run matches --judge nosuch" nosuch.err || fail "report --judge nosuch: $rc $(cat nosuch.err)"
# A run written while the viewer is open appears in it.
"$evalrun" --bench koala --limit 5 --model demo --db runs.db > /dev/null 2>&1 || fail "koala run"
python3 -c 'import json, sys, urllib.request
runs = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/runs" % sys.argv[1]))["runs"]
assert [r["bench"] for r in runs] == ["mtbench", "mtbench", "koala"], runs' "$port" \
  || fail "the viewer did not see the new run"
if "$evalrun" view --db missing.db --port 0 > /dev/null 2> missing.err; then fail "a missing database was served"; fi
grep -q "missing.db" missing.err || fail "the refusal does not name the file: $(cat missing.err)"
