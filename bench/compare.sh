#!/usr/bin/env bash
# evalrun's cost per request against the shared fake OpenAI server, as ratios to the ideal and
# (with --peer) to promptfoo on the same inputs.
#
# N distinct prompts (../shared/bench/gen_prompts.py) are run as the Koala benchmark's items:
# one candidate call and one judge call (FastChat single grading) per item, C requests in
# flight per endpoint, every reply taking LATENCY_MS. The fake server runs on core 0, evalrun
# on core 1. Checks from the server's /stats that exactly 2N requests arrived, all answered
# 200, N per model, and prints one line:
#
#   evalrun N C LATENCY_MS wall_s ideal_s overhead_x cpu_s ms_cpu_per_request peak_rss_mb
#     db_bytes_per_item max_in_flight first_request_ms server_cpu_s evalrun_busy server_busy
#     window_s evalrun_busy_window server_busy_window
#
# ideal_s = (ceil(N/C) + 1) * LATENCY_MS (the judge wave trails the answer wave by one reply;
# "-" at 0 ms); cpu_s and peak_rss_mb are the evalrun process's (GNU time), startup and report
# included; db_bytes_per_item is the database (and its WAL) over N; first_request_ms is from
# evalrun's start to the first request at the server; evalrun_busy and server_busy are each
# process's CPU over the wall time (near 1.00: that process was the limit); window_s is the time
# from the server's first request to its last reply, and the *_busy_window figures each process's
# CPU over it (evalrun's sampled every 10 ms; the whole run's figures also count evalrun's start
# and its report, while the server waits).
#
# --peer also runs ../shared/bench/peers/peer_promptfoo.sh N 2C LATENCY_MS (its concurrency
# is the total in flight) with the same prompts, prints its line and the ratios.
#
# Usage: bench/compare.sh N C LATENCY_MS [--peer]
# Env: EVALRUN (the executable, default build/evalrun), KEEP_WORK=1 (keep the scratch folder),
#      PERF=1 (record a perf profile of evalrun into the scratch folder; implies KEEP_WORK),
#      PERF_ARGS (perf record's options, default -g; e.g. "--call-graph dwarf -F 1000").
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 N C LATENCY_MS [--peer]" >&2
  exit 2
fi
n=$1 c=$2 latency=$3 peer=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
shared="$root/../shared/bench"
evalrun=${EVALRUN:-$root/build/evalrun}
export EVALRUN_HOME=${EVALRUN_HOME:-$root} # benchmarks/ and data/ of this checkout, wherever the binary is
[ -f "$shared/fake_openai.py" ] || { echo "needs $shared/fake_openai.py" >&2; exit 1; }
[ -x "$evalrun" ] || { echo "no evalrun at $evalrun (build it, or set EVALRUN)" >&2; exit 1; }
[ "${PERF:-}" = 1 ] && KEEP_WORK=1
work=$(mktemp -d "${TMPDIR:-/tmp}/evalrun-compare.XXXXXX")
server="" timed="" sampler=""
cleanup() {
  set +e # (a process killed here makes its wait fail: the rest still runs)
  # An interrupted run: evalrun and the sampler stop before the scratch folder goes.
  [ -n "$timed" ] && pkill -TERM -P "$timed" 2> /dev/null # evalrun (or perf), time's child
  for pid in $timed $sampler; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; done
  [ -n "$server" ] && kill "$server" 2> /dev/null && wait "$server" 2> /dev/null
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap "exit 130" INT TERM # (wait returns at once; cleanup stops what runs)

python3 "$shared/gen_prompts.py" "$n" -o "$work/prompts.jsonl"
taskset -c 0 python3 "$root/bench/timed_fake.py" "$shared/fake_openai.py" --port 0 \
  --port-file "$work/port" --latency-ms "$latency" --seed 1 --backlog 4096 \
  --models bench-candidate bench-judge > "$work/server.out" 2> "$work/server.err" &
server=$!
for _ in $(seq 500); do [ -s "$work/port" ] && break; sleep 0.01; done
[ -s "$work/port" ] || { echo "the fake server did not start: $(cat "$work/server.err")" >&2; exit 1; }
port=$(cat "$work/port")
cat > "$work/eps.yaml" << YAML
endpoints:
  cand: {base_url: "http://127.0.0.1:$port/v1", model: bench-candidate, max_concurrency: $c, timeout_s: 600}
  judge: {base_url: "http://127.0.0.1:$port/v1", model: bench-judge, max_concurrency: $c, timeout_s: 600}
YAML

profile=()
[ "${PERF:-}" = 1 ] && profile=(perf record ${PERF_ARGS:--g} -o "$work/perf.data" --)
start=$(date +%s.%N)
rc=0
/usr/bin/time -f "%e %U %S %M" -o "$work/time" taskset -c 1 "${profile[@]}" "$evalrun" \
  --bench koala --bench-file "$work/prompts.jsonl" --model cand --judge judge \
  --endpoints "$work/eps.yaml" --db "$work/compare.db" --format json \
  > "$work/report.json" 2> "$work/evalrun.err" &
timed=$!
# evalrun's CPU time (all threads), sampled every 10 ms: its CPU while the server had work.
# (Found by its name, as the kernel keeps it: at most 15 characters.)
python3 "$root/bench/cpu_samples.py" "$timed" "$(basename "$evalrun" | cut -c1-15)" \
  > "$work/cpu_samples" &
sampler=$!
wait "$timed" || rc=$?
timed=""
wait "$sampler" || true
sampler=""
[ "$rc" = 0 ] || { echo "evalrun exited $rc: $(tail -5 "$work/evalrun.err")" >&2; exit 1; }
python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "http://127.0.0.1:$port/stats" > "$work/stats.json"
server_cpu=$(awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$server/stat")
db_bytes=$(cat "$work"/compare.db* | wc -c)

python3 - "$n" "$c" "$latency" "$start" "$work" "$db_bytes" "$server_cpu" > "$work/line" << 'PY'
import bisect, json, math, sys
n, c, latency, start, work = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
db_bytes, server_cpu = int(sys.argv[6]), sys.argv[7]
wall, user, system, rss_kb = open(work + "/time").read().split()[-4:]
st = json.load(open(work + "/stats.json"))
problems = []
if st["requests_total"] != 2 * n:
    problems.append("requests_total=%d" % st["requests_total"])
if st["status_counts"] != {"200": 2 * n}:
    problems.append("status_counts=%s" % st["status_counts"])
if st["requests_per_model"] != {"bench-candidate": n, "bench-judge": n}:
    problems.append("requests_per_model=%s" % st["requests_per_model"])
if problems:
    sys.exit("check failed (expected %d requests, all 200, %d per model): %s" % (2 * n, n, ", ".join(problems)))
wall, cpu = float(wall), float(user) + float(system)
ideal = (math.ceil(n / c) + 1) * latency / 1000.0


def evalrun_cpu_at(t, samples):
    """evalrun's CPU seconds at Unix time t, interpolated between the samples."""
    times = [s[0] for s in samples]
    i = bisect.bisect_left(times, t)
    if i == 0:
        return samples[0][1]
    if i == len(samples):
        return samples[-1][1]
    (t0, c0), (t1, c1) = samples[i - 1], samples[i]
    return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c1


# While the server had work (its first request's arrival to its last reply): each process's CPU
# over that window's wall time. The whole run's busy figures also count evalrun's start and its
# report, when the server has nothing to do.
samples = [tuple(map(float, line.split())) for line in open(work + "/cpu_samples") if line.strip()]
window = st["last_reply_unix"] - st["first_request_unix"]
evalrun_window = (evalrun_cpu_at(st["last_reply_unix"], samples)
                  - evalrun_cpu_at(st["first_request_unix"], samples)) if samples else float("nan")
print("evalrun N=%d C=%d latency=%g wall_s=%.2f ideal_s=%s overhead_x=%s cpu_s=%.2f "
      "ms_cpu_per_request=%.3f peak_rss_mb=%.1f db_bytes_per_item=%.0f max_in_flight=%d "
      "first_request_ms=%.0f server_cpu_s=%s evalrun_busy=%.2f server_busy=%.2f "
      "window_s=%.2f evalrun_busy_window=%.2f server_busy_window=%.2f"
      % (n, c, latency, wall, "%.2f" % ideal if ideal else "-", "%.2f" % (wall / ideal) if ideal else "-",
         cpu, cpu * 1000 / (2 * n), int(rss_kb) / 1024, db_bytes / n, st["max_in_flight"],
         (st["first_request_unix"] - start) * 1000, server_cpu, cpu / wall, float(server_cpu) / wall,
         window, evalrun_window / window if window > 0 else float("nan"),
         st["server_cpu_window_s"] / window if window > 0 else float("nan")))
PY
cat "$work/line"
if [ "${PERF:-}" = 1 ]; then
  perf report -i "$work/perf.data" --no-children --percent-limit 1 --stdio 2> /dev/null \
    | grep -E '^ +[0-9.]+%' | head -40 > "$work/perf.txt" || true
  echo "profile: $work/perf.txt" >&2
fi

if [ "$peer" = --peer ]; then
  kill "$server" && wait "$server" 2> /dev/null || true
  server=""
  peer_line=$(SERVER_CPU=0 PROMPTS_JSONL="$work/prompts.jsonl" taskset -c 1 \
    bash "$shared/peers/peer_promptfoo.sh" "$n" $((2 * c)) "$latency")
  echo "$peer_line"
  python3 - "$(cat "$work/line")" "$peer_line" << 'PY'
import sys
def fields(line):
    return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
ours, theirs = fields(sys.argv[1]), fields(sys.argv[2])
n = int(ours["N"])
their_ms = float(theirs["cpu_s"]) * 1000 / (2 * n)
print("ratios (promptfoo / evalrun): cpu per request %.1fx, peak RSS %.1fx, wall %.2fx"
      % (their_ms / float(ours["ms_cpu_per_request"]),
         float(theirs["peak_rss_mb"]) / float(ours["peak_rss_mb"]),
         float(theirs["wall_s"]) / float(ours["wall_s"])))
PY
fi
