#!/usr/bin/env bash
# Throughput of evalrun's client pool against the shared fake OpenAI server,
# as a ratio to the ideal. Koala (180 single-turn prompts) is answered by one
# endpoint and judged by another, each limited to C requests in flight, every
# reply taking L ms: the ideal wall time is about (ceil(180 / C) + 1) * L
# (the judge wave trails the answer wave by one reply). Also reports the peak
# concurrency the server saw (ideal: 2C) and the evalrun process's peak RSS.
# Usage: bench/client_pool_throughput.sh [BUILD_DIR] [C] [L_MS]
set -euo pipefail
build=${1:-build}
c=${2:-32}
latency=${3:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
fake="$root/../shared/bench/fake_openai.py"
[ -f "$fake" ] || { echo "needs ../shared/bench/fake_openai.py"; exit 1; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
# Server on core 0, evalrun on core 1, so they do not compete for CPU.
taskset -c 0 python3 "$fake" --port 0 --port-file "$work/port" --latency-ms "$latency" > /dev/null 2>&1 &
server=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
cat > "$work/eps.yaml" <<YAML
endpoints:
  cand: {base_url: "http://127.0.0.1:$port/v1", model: bench-candidate, max_concurrency: $c}
  judge: {base_url: "http://127.0.0.1:$port/v1", model: bench-judge, max_concurrency: $c}
YAML
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/rss" taskset -c 1 "$root/$build/evalrun" --bench koala --model cand \
  --judge judge --endpoints "$work/eps.yaml" --db "$work/b.db" > /dev/null 2> "$work/err"
end=$(date +%s.%N)
peak=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/stats'))['max_in_flight'])")
python3 - "$start" "$end" "$c" "$latency" "$peak" "$(cat "$work/rss")" <<'PY'
import math, sys
start, end, c, lat, peak, rss = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
wall = end - start
ideal = (math.ceil(180 / c) + 1) * lat / 1000
print(f"koala, 360 requests, C={c} per endpoint, {lat:.0f} ms per reply")
print(f"wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f} (1.00 = ideal)")
print(f"peak in flight at the server {peak} (ideal {2 * c}); evalrun peak RSS {rss / 1024:.1f} MiB")
PY
