#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_serve: wrk on loopback against `ordo serve`, in one run:
#   1. the bare endpoints of libmicrohttpd and h2o's evloop (bench_http_bare),
#      the measurement behind the choice in docs/internals/SERVER.md;
#   2. POST /v1/source on a 1,000-node network (ordo network generate), with
#      the log in its default durable mode (log.sync = sync, group commit);
#   3. GET /healthz of the same server: its bare endpoint (no sourcing).
# The server's connections_max is twice wrk's connections (128 for the
# default 64: up to 64 a thread, its threads wait with poll(2), see
# docs/internals/SERVER.md "System calls and threads").
# Reports requests/s, p50/p99 latency, errors, and the ratio of decisions/s
# to the bare rate. The goal: >= 30,000 decisions/s, p99 <= 5 ms, no errors,
# >= 40% of the bare rate (2 cores, wrk on the same machine).
# Usage: bench/bench_serve.sh [BUILD_DIR] (env: SECONDS_EACH, CONNS, THREADS)
set -uo pipefail
build=${1:-build}
ordo="$build/ordo"
bare="$build/bench_http_bare"
secs=${SECONDS_EACH:-8}
conns=${CONNS:-64}
wrk_threads=${THREADS:-1}
command -v wrk > /dev/null || { echo "bench_serve: wrk is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -x "$ordo" ] || { echo "bench_serve: no $ordo" >&2; exit 1; }
work=$(mktemp -d /tmp/ordo-bench-serve-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk's summary → "rps p50_ms p99_ms errors"
run_wrk() { # run_wrk URL [LUA]
    local url=$1 lua=${2:-}
    local out
    out=$(wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --latency ${lua:+-s "$lua"} "$url" 2>&1)
    echo "$out" > "$work/last.wrk"
    python3 - "$work/last.wrk" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), t, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
err = 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m: err += sum(int(x) for x in m.groups())
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m: err += int(m.group(1))
print(f"{rps:.0f} {ms('50%'):.2f} {ms('99%'):.2f} {err}")
EOF
}

report() { # report NAME "rps p50 p99 err"
    read -r rps p50 p99 err <<< "$2"
    printf '%-34s %9s req/s  p50 %6s ms  p99 %6s ms  errors %s\n' "$1" "$rps" "$p50" "$p99" "$err"
}

echo "bench_serve: wrk -t$wrk_threads -c$conns -d${secs}s on loopback, $(nproc) cores"

# ---- 1. bare endpoints of both libraries ----
if [ -x "$bare" ]; then
    for lib in mhd h2o; do
        port=$(free_port)
        "$bare" "$lib" "$port" 2 & pids+=($!)
        sleep 0.5
        r=$(run_wrk "http://127.0.0.1:$port/")
        report "bare $lib (2 threads)" "$r"
        kill "${pids[-1]}"; wait "${pids[-1]}" 2> /dev/null; unset 'pids[-1]'
    done
fi

# ---- 2. the server on a 1,000-node network ----
net="$work/net"
"$ordo" network generate --out "$net" --dcs 20 --stores 970 --dropshippers 10 --skus 5000 \
    --seed 7 > /dev/null || { echo "bench_serve: network generate failed" >&2; exit 1; }
port=$(free_port)
cat > "$work/ordo.conf" <<EOF
server.listen = 127.0.0.1:$port
server.data_dir = $work/data
server.network = $net
server.tokens = "bench-token-0123456789abcdef"
server.connections_max = $((conns * 2))
EOF
# orders: SKUs of the catalog, ship-to ZIPs across the US; unique ids per
# wrk thread and request, so that no request is an idempotent retry
python3 "$(dirname "$0")/../tools/bench/wrk_source_lua.py" "$net/catalog.csv" B >"$work/source.lua"
"$ordo" serve --config "$work/ordo.conf" > "$work/serve.out" 2> "$work/serve.err" & pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2> /dev/null && break; sleep 0.1; done
grep -q listening "$work/serve.out" || { echo "bench_serve: the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }
src=$(run_wrk "http://127.0.0.1:$port/v1/source" "$work/source.lua")
report "POST /v1/source (log sync)" "$src"
bare_r=$(run_wrk "http://127.0.0.1:$port/healthz")
report "GET /healthz (same server, bare)" "$bare_r"
curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
fb=$(awk '/^ordo_fallbacks_total/ {print $2}' "$work/metrics.txt")
commits=$(awk '/^ordo_log_commit_seconds_count/ {print $2}' "$work/metrics.txt")
# the group commits' time (write + fdatasync): mean, and the bucket holding
# the median and the 99th percentile (ordo_log_commit_seconds)
python3 - "$work/metrics.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
b = [(float(m.group(1)), float(m.group(2))) for m in
     re.finditer(r'^ordo_log_commit_seconds_bucket\{le="([0-9.e+-]+)"\} (\S+)$', t, re.M)]
m = re.search(r"^ordo_log_commit_seconds_count(?:\{\})? (\S+)$", t, re.M)
n = float(m.group(1)) if m else 0
m = re.search(r"^ordo_log_commit_seconds_sum(?:\{\})? (\S+)$", t, re.M)
tot = float(m.group(1)) if m else 0
def q(p):
    for le, c in b:
        if c >= p * n: return f"<= {le * 1000:g} ms"
    return "> last bucket"
if n: print(f"log group commit (write + fdatasync): {n:.0f}, mean {tot / n * 1000:.2f} ms, "
            f"median {q(0.5)}, p99 {q(0.99)}")
EOF
read -r srps _ sp99 serr <<< "$src"
read -r brps _ _ _ <<< "$bare_r"
python3 - "$srps" "$brps" "$sp99" "$serr" "${fb:-0}" "${commits:-0}" <<'EOF'
import sys
srps, brps, p99, err, fb, commits = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
ratio = srps / brps if brps else 0
print(f"decisions/s {srps:.0f}, p99 {p99:.2f} ms, errors {err}, deadline fallbacks {fb}, "
      f"group commits {commits}; ratio to the bare endpoint {ratio:.2f}")
goal = srps >= 30000 and p99 <= 5 and err == 0 and ratio >= 0.40
print("goal (>= 30000/s, p99 <= 5 ms, 0 errors, ratio >= 0.40):", "met" if goal else "NOT met")
EOF
exit 0
