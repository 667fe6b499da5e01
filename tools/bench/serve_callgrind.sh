#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# serve_callgrind.sh ORDO OUT NET: instructions per decision of `ordo serve`
# (docs/internals/SERVER.md "Instructions per request"): the server under
# callgrind with instrumentation off, 40 orders of warm-up, instrumentation
# on, wrk -t1 -c8 with bench_serve.sh's orders until 400 answers, off.
# OUT is callgrind's output (CGOPTS adds options, e.g. --separate-threads=yes);
# NET a network directory (ordo network generate --dcs 20 --stores 970
# --dropshippers 10 --skus 5000 --seed 7, as bench_serve.sh). Prints the
# decisions counted; divide callgrind_annotate's figures by it.
set -u
ordo=$1; out=$2; net=$3
here=$(cd "$(dirname "$0")" && pwd)
w=$(mktemp -d /tmp/ordo-serve-cg-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > $w/ordo.conf <<EOC
server.listen = 127.0.0.1:$port
server.data_dir = $w/data
server.network = $net
server.tokens = "bench-token-0123456789abcdef"
server.connections_max = 128
EOC
python3 "$here/wrk_source_lua.py" $net/catalog.csv B > $w/source.lua
cat >> $w/source.lua <<'EOL'
local answers = 0
function response(status, headers, body)
  answers = answers + 1
  if answers == 400 then local f = io.open("@W@/done", "w"); f:write("x"); f:close(); wrk.thread:stop() end
end
EOL
sed -i "s|@W@|$w|" $w/source.lua
valgrind --tool=callgrind ${CGOPTS:-} --instr-atstart=no --callgrind-out-file=$out $ordo serve --config $w/ordo.conf > $w/serve.out 2> $w/serve.err &
vp=$!
for _ in $(seq 600); do grep -q listening $w/serve.out 2>/dev/null && break; sleep 0.2; done
# warm-up: 40 orders
for i in $(seq 40); do curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data "{\"id\":\"warm-$i\",\"ship_to\":{\"zip\":\"10027\"},\"lines\":[{\"sku\":\"$(sed -n 2p $net/catalog.csv | cut -d, -f1)\",\"quantity\":1}]}" http://127.0.0.1:$port/v1/source; done
d0=$(curl -s http://127.0.0.1:$port/metrics | awk '/^ordo_decisions_total/ {s+=$2} END {print s}')
callgrind_control -i on $vp > /dev/null
wrk -t1 -c8 -d300s -s $w/source.lua http://127.0.0.1:$port/v1/source > $w/wrk.out 2>&1 &
wp=$!
while [ ! -e $w/done ]; do sleep 0.05; done
sleep 0.3
callgrind_control -i off $vp > /dev/null
kill -INT $wp; wait $wp
d1=$(curl -s http://127.0.0.1:$port/metrics | awk '/^ordo_decisions_total/ {s+=$2} END {print s}')
kill -TERM $vp; wait $vp
echo "decisions $((d1 - d0)) ($d0 -> $d1)"; grep -E 'requests in|Non-2xx' $w/wrk.out
rm -rf $w
