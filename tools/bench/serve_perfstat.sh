#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# serve_perfstat.sh ORDO NET: CPU per decision of `ordo serve`, per thread
# (docs/internals/SERVER.md "Speed"): the server as bench_serve.sh runs it
# (server.connections_max = 128, a fresh data directory), wrk -t1 -c64 -d8s
# with bench_serve.sh's orders, and 2 s into it `perf stat --per-thread -e
# task-clock,block:block_rq_issue -p PID -- sleep 4`; the decisions
# ordo_decisions_total counted over that window divide each thread's
# task-clock. Also prints the log's group commits in the window, their mean
# time (ordo_log_commit_seconds), and the block requests each thread issued
# per group commit (the committer's: the log's write, and the inode when the
# file grew; the device's cache flush is not one).
# NET: ordo network generate --dcs 20 --stores 970 --dropshippers 10
# --skus 5000 --seed 7 (as bench_serve.sh).
set -u
ordo=$1; net=$2
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d /tmp/ordo-serve-perf-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$w/ordo.conf" <<EOC
server.listen = 127.0.0.1:$port
server.data_dir = $w/data
server.network = $net
server.tokens = "bench-token-0123456789abcdef"
server.connections_max = 128
EOC
python3 "$here/wrk_source_lua.py" "$net/catalog.csv" B > "$w/source.lua"
"$ordo" serve --config "$w/ordo.conf" > "$w/serve.out" 2> "$w/serve.err" &
sp=$!
for _ in $(seq 100); do grep -q listening "$w/serve.out" 2> /dev/null && break; sleep 0.1; done
metric() { # metric NAME: the sum of its samples
    curl -s "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 ~ "^"n"({.*})?$" {s += $2} END {print s + 0}'
}
wrk -t1 -c64 -d8s -s "$w/source.lua" "http://127.0.0.1:$port/v1/source" > "$w/wrk.out" 2>&1 &
wp=$!
sleep 2
d0=$(metric ordo_decisions_total); c0=$(metric ordo_log_commit_seconds_count)
s0=$(metric ordo_log_commit_seconds_sum)
perf stat --per-thread -e task-clock,block:block_rq_issue -p "$sp" -o "$w/perf.txt" -- sleep 4 2> /dev/null
d1=$(metric ordo_decisions_total); c1=$(metric ordo_log_commit_seconds_count)
s1=$(metric ordo_log_commit_seconds_sum)
wait "$wp"
kill "$sp"; wait "$sp" 2> /dev/null
python3 - "$w/perf.txt" "$d0" "$d1" "$c0" "$c1" "$s0" "$s1" <<'EOF'
import re, sys, collections
d = float(sys.argv[3]) - float(sys.argv[2])
c = float(sys.argv[5]) - float(sys.argv[4]); s = float(sys.argv[7]) - float(sys.argv[6])
per = collections.OrderedDict()
rq = collections.OrderedDict()
for line in open(sys.argv[1]):
    m = re.match(r"\s*(\S+?)-\d+\s+([\d.,]+)\s+(msec\s+task-clock|block:block_rq_issue)", line)
    if m:
        name = m.group(1)
        name = "MHD-worker" if name.startswith("MHD-") else name
        v = float(m.group(2).replace(",", ""))
        if m.group(3).startswith("block"):
            rq[name] = rq.get(name, 0) + v
        else:
            per[name] = per.get(name, 0) + v
tot = sum(per.values())
print(f"decisions in the window {d:.0f} ({d / 4:.0f}/s); group commits {c:.0f}, "
      f"{d / c if c else 0:.1f} decisions each, mean {s / c * 1000 if c else 0:.2f} ms")
for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
    print(f"  {k:<16} {v * 1000 / d:7.1f} us a decision")
print(f"  {'all threads':<16} {tot * 1000 / d:7.1f} us a decision")
for k, v in rq.items():
    if v:
        print(f"  block requests issued by {k}: {v:.0f}, {v / c if c else 0:.2f} a group commit")
EOF
rm -rf "$w"
