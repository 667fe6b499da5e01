#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_pg: decisions/s of `ordo serve` with the store on PostgreSQL (1, 2
# and 4 instances on one server, scripts/pg_test_server.sh) against one
# instance on SQLite, in one run, with wrk on loopback (one wrk per
# instance, the connections split between them). Same network and orders
# as bench/bench_serve.sh (1,000 nodes, 2-line orders). Then the split of a
# decision's cost: CPU seconds of the ordo processes, of the PostgreSQL
# server processes, and of wrk, per 1,000 decisions (from /proc).
# Usage: bench/bench_pg.sh [BUILD_DIR] (env: SECONDS_EACH, CONNS, INSTANCES="1 2 4")
set -uo pipefail
build=${1:-build}
ordo="$build/ordo"
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${SECONDS_EACH:-8}
conns=${CONNS:-64}
counts=${INSTANCES:-1 2 4}
command -v wrk >/dev/null || { echo "bench_pg: wrk is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -x "$ordo" ] || { echo "bench_pg: no $ordo" >&2; exit 1; }
work=$(mktemp -d /tmp/ordo-bench-pg-XXXXXX)
chmod 755 "$work"
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
cleanup() { stop_all; bash "$src/scripts/pg_test_server.sh" stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
out=$(PG_TEST_FSYNC=${PG_TEST_FSYNC:-on} bash "$src/scripts/pg_test_server.sh" start "$work/pg") ||
    { echo "bench_pg: no PostgreSQL server" >&2; exit 1; }
dsn=$(sed -n 's/^DSN=//p' <<<"$out")
pgport=$(sed -n 's/^PGPORT=//p' <<<"$out")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_() { bash "$src/scripts/pg_test_server.sh" psql "$work/pg" "$1"; }

net="$work/net"
"$ordo" network generate --out "$net" --dcs 20 --stores 970 --dropshippers 10 --skus 5000 \
    --seed 7 >/dev/null || { echo "bench_pg: network generate failed" >&2; exit 1; }
python3 "$(dirname "$0")/../tools/bench/wrk_source_lua.py" "$net/catalog.csv" P >"$work/source.lua"

cpu_of() { # total utime+stime seconds of the given pids (and their threads)
    python3 - "$@" <<'EOF'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
t = 0
for p in sys.argv[1:]:
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        t += (int(f[11]) + int(f[12])) / hz
    except OSError:
        pass
print(f"{t:.3f}")
EOF
}
pg_pids() { pgrep -u postgres -d ' ' postgres || pgrep -d ' ' postgres; }

# run NAME BACKEND N: N servers, N wrk in parallel; prints one line
run() {
    local name=$1 backend=$2 n=$3 ports=() srv=()
    [ "$backend" = postgres ] && psql_ "DROP DATABASE IF EXISTS bench" >/dev/null 2>&1 &&
        psql_ "CREATE DATABASE bench" >/dev/null
    for i in $(seq 1 "$n"); do
        local d="$work/$name-$i" port
        port=$(free_port)
        mkdir -p "$d"
        {
            echo "server.listen = 127.0.0.1:$port"
            echo "server.data_dir = $d"
            echo "server.network = $net"
            echo 'server.tokens = "bench-token-0123456789abcdef"'
            if [ "$backend" = postgres ]; then
                echo 'store.backend = postgres'
                echo "store.postgres.dsn = \"${dsn/dbname=ordo/dbname=bench}\""
                echo 'store.busy_timeout_ms = 30000'
            fi
        } >"$d/ordo.conf"
        "$ordo" serve --config "$d/ordo.conf" >"$d/serve.out" 2>"$d/serve.err" &
        pids+=($!)
        srv+=($!)
        ports+=("$port")
    done
    for i in $(seq 1 "$n"); do
        local d="$work/$name-$i"
        for _ in $(seq 100); do grep -q listening "$d/serve.out" 2>/dev/null && break; sleep 0.1; done
        grep -q listening "$d/serve.out" || { echo "bench_pg: $name-$i did not start: $(cat "$d/serve.err")" >&2; return 1; }
    done
    local pg0 ordo0
    pg0=$(cpu_of $(pg_pids))
    ordo0=$(cpu_of "${srv[@]}")
    local wrks=() c=$((conns / n))
    for i in $(seq 1 "$n"); do
        sed "s/inst or \"x\"/\"$name$i\"/" "$work/source.lua" >"$work/$name-$i.lua"
        wrk -t1 -c"$c" -d"${secs}s" --latency -s "$work/$name-$i.lua" \
            "http://127.0.0.1:${ports[$((i - 1))]}/v1/source" >"$work/$name-$i.wrk" 2>&1 &
        wrks+=($!)
    done
    wait "${wrks[@]}"
    local pg1 ordo1 refused plist
    pg1=$(cpu_of $(pg_pids))
    ordo1=$(cpu_of "${srv[@]}")
    plist=$(IFS=,; echo "${ports[*]}") # plans refused by a cell another instance emptied
    refused=$(python3 "$src/tests/store/pg_load.py" --ports "$plist" \
        --token bench-token-0123456789abcdef --metric ordo_stock_refused_total 2>/dev/null)
    REFUSED=$refused python3 - "$name" "$n" "$pg0" "$pg1" "$ordo0" "$ordo1" "$work/$name-"*.wrk <<'EOF'
import os, re, sys
name, n = sys.argv[1], int(sys.argv[2])
pg = float(sys.argv[4]) - float(sys.argv[3])
eng = float(sys.argv[6]) - float(sys.argv[5])
rps = reqs = err = 0
p99 = 0.0
for f in sys.argv[7:]:
    t = open(f).read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    reqs += int(re.search(r"(\d+) requests in", t).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    err += int(m.group(1)) if m else 0
    m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)", t, re.M)
    if m:
        v = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
        p99 = max(p99, v)
k = reqs / 1000 if reqs else 1
print(f"{name:<14} {n} inst  {rps:8.0f} decisions/s  p99 {p99:7.2f} ms  non-2xx {err:6d}  "
      f"cpu per 1k decisions: ordo {eng / k:.3f} s, postgres {pg / k:.3f} s  "
      f"refused {os.environ.get('REFUSED', '0')}")
EOF
    stop_all
}

echo "bench_pg: wrk -c$conns -d${secs}s per configuration, $(nproc) cores, PostgreSQL fsync ${PG_TEST_FSYNC:-on}"
run sqlite sqlite 1
for n in $counts; do run "postgres-$n" postgres "$n"; done
