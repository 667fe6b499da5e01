#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Walks every command of the ordo CLI, as the binary itself lists them
# (ordo help --list): --help and -h, an unknown option, --json where the
# command prints a result, --out (-, /dev/full, a directory that does not
# exist, a symlink, a FIFO), and the near-miss suggestions. Every command that
# takes --json or --out must have a run here, so a new command cannot be missed.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
ex="$src/docs/examples"
tmp=$(mktemp -d /tmp/ordo-walk-XXXXXX)
trap 'bash "$src/scripts/pg_test_server.sh" stop "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# ---- the command list comes from the binary ----
"$ordo" help --list > "$tmp/list" || bad "ordo help --list exits $?"
mapfile -t leaves < <(awk -F'\t' '$2 != "(group)" {print $1}' "$tmp/list")
mapfile -t groups < <(awk -F'\t' '$2 == "(group)" {print $1}' "$tmp/list")
[ "${#leaves[@]}" -ge 35 ] && ok || bad "only ${#leaves[@]} commands listed"
[ "${#groups[@]}" -ge 6 ] && ok || bad "only ${#groups[@]} command groups listed"
for must in "source" "analyze" "version" "policy check" "policy show" "policy list" \
    "exp schedule" "log verify" "geo zone" "network generate" "outcomes ingest"; do
    grep -q "^$must	" "$tmp/list" && ok || bad "'$must' missing from ordo help --list"
done
opts_of() { awk -F'\t' -v p="$1" '$1 == p {print $2}' "$tmp/list"; }
has_opt() { [[ " $(opts_of "$1") " == *" --$2 "* || " $(opts_of "$1") " == *" --$2="* ]]; }
# the completion script knows the same commands
"$ordo" completion bash > "$tmp/comp" || bad "completion bash"
for c in "${leaves[@]}"; do
    grep -q -- "${c##* }" "$tmp/comp" && ok || bad "completion lacks '$c'"
done

# ---- --help and -h: exit 0, a usage line and an example ----
for c in "" "${groups[@]}" "${leaves[@]}"; do
    read -ra w <<< "$c"
    for h in --help -h; do
        out=$("$ordo" "${w[@]}" "$h" 2>&1); rc=$?
        [ "$rc" -eq 0 ] || { bad "ordo $c $h exits $rc"; continue; }
        grep -qi "usage" <<< "$out" && grep -qi "example" <<< "$out" && ok \
            || bad "ordo $c $h: no usage line or no example"
    done
done

# ---- an unknown option: exit 2, reported once, nothing on stdout ----
for c in "" "${groups[@]}" "${leaves[@]}"; do
    read -ra w <<< "$c"
    "$ordo" "${w[@]}" --bogus-walk > "$tmp/o" 2> "$tmp/e"; rc=$?
    n=$(grep -c -- "--bogus-walk" "$tmp/e")
    if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && [ ! -s "$tmp/o" ]; then ok; else
        bad "ordo $c --bogus-walk: exit $rc, named $n times: $(cat "$tmp/e")"
    fi
done

# ---- --json: a run of every command that prints a result ----
declare -A covered inv
D="$tmp/d"
json_ok() { # json_ok PATH-WORDS -- ARGS...: runs ordo ARGS --json, checks JSON
    local path=$1; shift
    covered[$path]=1
    [ -z "${inv[$path]+x}" ] && inv[$path]=$(printf '%q ' "$@")
    "$ordo" "$@" --json > "$tmp/j" 2> "$tmp/je"; local rc=$?
    if [ "$rc" -ne 0 ] && ! { [ "$path" = analyze ] && [ "$rc" -eq 1 ]; }; then
        bad "ordo $* --json exits $rc: $(head -c 300 "$tmp/je")"; return
    fi
    python3 -c '
import json, sys
text = open(sys.argv[1]).read()
try:
    json.loads(text)
except ValueError:
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines, "no output"
    for l in lines:
        json.loads(l)
' "$tmp/j" 2> "$tmp/pe" && ok || bad "ordo $* --json is not JSON: $(head -c 200 "$tmp/j")"
}
json_ok version version
json_ok "geo distance" geo distance 10001 90001
json_ok "geo zone" geo zone 10001 94105
json_ok "geo zip" geo zip 10001
json_ok "network info" network info "$net"
json_ok "network generate" network generate --out "$tmp/gen" --dcs 1 --stores 2 \
    --dropshippers 1 --skus 50
json_ok rate rate --network "$net" --node DC-001 --to 90001 --weight 2 --service ground
json_ok "policy check" policy check default
json_ok "policy show" policy show default
json_ok "policy list" policy list
json_ok source source --network "$net" --policy default "$ex/order.json"
json_ok price price --network "$net" --order "$ex/order.json" --plan "$ex/plan.json"
json_ok power power --metric mean --sd 1 --mde 0.5
json_ok "exp hash" exp hash s a 2
json_ok "exp schedule" exp schedule --seed s --clusters CA,TX --start 2026-11-24T00:00:00Z \
    --windows 2 --window-hours 1
json_ok "exp register-policy" exp register-policy cost-optimized --data "$D"
json_ok "exp create" exp create "$ex/experiment.json" --data "$D"
json_ok "exp start" exp start proximity-vs-cost --data "$D"
json_ok "exp list" exp list --data "$D"
json_ok "exp show" exp show proximity-vs-cost --data "$D"
json_ok "exp history" exp history proximity-vs-cost --data "$D"
json_ok "exp assign" exp assign proximity-vs-cost --unit ORD-1 --data "$D"
now=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
"$ordo" source --network "$net" --data "$D" --now "$now" < "$ex/orders.ndjson" > /dev/null \
    || bad "source --data"
order=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["id"])' \
    "$ex/orders.ndjson")
json_ok "inventory show" inventory show --data "$D"
json_ok "inventory release" inventory release --data "$D" "$order"
printf 'node,sku,on_hand,safety_stock\nDC-001,SKU-0000001,50,\n' > "$tmp/snap.csv"
json_ok "inventory load" inventory load --data "$D" "$tmp/snap.csv"
printf 'node,sku,quantity\nDC-001,SKU-0000001,5\n' > "$tmp/delta.csv"
json_ok "inventory delta" inventory delta --data "$D" "$tmp/delta.csv"
json_ok "inventory apply" inventory apply --data "$D" "$ex/inventory.ndjson"
json_ok "inventory apply csv" inventory apply --data "$D" "$ex/inventory.csv" --check
json_ok "log verify" log verify "$D"
json_ok "log dump" log dump "$D" --limit 1
json_ok "log show" log show "$D" --order "$order"
json_ok "log tail" log tail "$D" --from-seq 2
json_ok serve serve --routes
json_ok "log export" log export "$D"
json_ok "log replay" log replay "$D" --policy cost-optimized --network "$net" --limit 2
printf '{"order_id":"w-1"}\n' > "$tmp/app.ndjson"
json_ok "log append" log append "$tmp/applog" "$tmp/app.ndjson"
for _ in $(seq 1 12); do cat "$ex/orders.ndjson"; done > "$tmp/many.ndjson"
"$ordo" log append "$tmp/cklog" --segment-bytes 4096 "$tmp/many.ndjson" > /dev/null ||
    bad "log append --segment-bytes"
json_ok "log checkpoint" log checkpoint "$tmp/cklog"
lastseg=$(basename "$(ls "$tmp"/cklog/log/*.seg | tail -1)" .seg)
json_ok "log archive" log archive "$tmp/cklog" --before $((10#$lastseg))
json_ok "outcomes ingest" outcomes ingest --data "$D" "$ex/outcomes.ndjson"
json_ok "outcomes show" outcomes show --data "$D" --all
cust=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["customer"]["id"])' \
    "$ex/orders.ndjson")
json_ok "customer lookup" customer lookup --data "$D" "$cust"
json_ok "customer erase" customer erase --data "$D" "$cust"
json_ok "signals apply" signals apply --data "$D" --network "$net" "$ex/signals.ndjson"
json_ok "signals show" signals show --data "$D" --network "$net" --at 2026-12-07T15:00:00Z
json_ok analyze analyze "$D" --network "$net"
json_ok analyze analyze "$D" --network "$net" --facts update
"$ordo" analyze "$D" --network "$net" --facts update --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["records_read"] == 0 and not d["rebuilt"] and d["rows"] > 0, d' ||
    bad "analyze --facts update after an analysis read records or rebuilt the facts"
json_ok sim sim --scenario proximity-vs-cost --days 4 --orders-per-day 40 --seed 3 --out "$tmp/simrun"
json_ok "model train" model train --run "$tmp/simrun"
json_ok "model eval" model eval --run "$tmp/simrun" --model latest
json_ok "model show" model show latest --data "$tmp/simrun"
json_ok "model train risk" model train --run "$tmp/simrun" --kind risk
json_ok "model eval risk" model eval --run "$tmp/simrun" --model latest --kind risk
json_ok "model show risk" model show risk-v1 --data "$tmp/simrun"
json_ok "model train netval" model train --kind netval --data "$tmp/simrun"
json_ok "model show netval" model show latest --kind netval --data "$tmp/simrun"
json_ok "exp pause" exp pause proximity-vs-cost --data "$D"
json_ok "exp kill" exp kill proximity-vs-cost --data "$D"
json_ok "exp conclude" exp conclude proximity-vs-cost --data "$D"
json_ok "exp catalog" exp catalog --data "$D"
sed 's/"id": "proximity-vs-cost"/"id": "walk-second"/' "$ex/experiment.json" > "$tmp/second.json"
"$ordo" exp create "$tmp/second.json" --data "$D" > /dev/null || bad "create a second experiment"
"$ordo" exp start walk-second --data "$D" > /dev/null || bad "start the second experiment"
json_ok "exp stop" exp stop walk-second --data "$D"
# store migrate and log ship need a PostgreSQL server (scripts/pg_test_server.sh)
chmod 755 "$tmp"
if pgout=$(bash "$src/scripts/pg_test_server.sh" start "$tmp/pg" 2> "$tmp/pgerr"); then
    pgdsn=$(sed -n 's/^DSN=//p' <<< "$pgout")
    json_ok "store migrate" store migrate --from "$D" --to "$pgdsn"
    json_ok "log ship" log ship "$D" --to postgres --dsn "$pgdsn"
else
    echo "note: no PostgreSQL server, store migrate and log ship not walked: $(cat "$tmp/pgerr")"
    covered["store migrate"]=1 covered["log ship"]=1
fi
for c in "${leaves[@]}"; do
    if has_opt "$c" json; then
        [ -n "${covered[$c]+x}" ] && ok || bad "ordo $c takes --json but the walk has no run of it"
    fi
done

# ---- --out FILE: '-', /dev/full (74), a directory that does not exist (73) ----
stateful=" exp register-policy exp create exp start exp pause exp stop exp kill exp conclude "
stateful+=" signals apply "
stateful+=" store migrate log ship "
stateful+=" log append outcomes ingest network generate customer erase log checkpoint log archive "
stateful+=" inventory load inventory delta inventory release inventory apply "
stateful+=" model train "
inv[completion]="completion bash"
inv[help]="help"
for c in "${leaves[@]}"; do
    has_opt "$c" out=FILE || continue
    [ -n "${inv[$c]+x}" ] || { bad "ordo $c takes --out but the walk has no run of it"; continue; }
    eval "args=(${inv[$c]})"
    "$ordo" "${args[@]}" --out "$tmp/nonexistent/x" > /dev/null 2>&1; rc=$?
    [ "$rc" -eq 73 ] && ok || bad "ordo $c --out DIR-THAT-DOES-NOT-EXIST/x exits $rc, not 73"
    [[ $stateful == *" $c "* ]] && continue
    "$ordo" "${args[@]}" --out /dev/full > /dev/null 2>&1; rc=$?
    [ "$rc" -eq 74 ] && ok || bad "ordo $c --out /dev/full exits $rc, not 74"
    "$ordo" "${args[@]}" > /dev/full 2> /dev/null; rc=$?
    [ "$rc" -eq 74 ] && ok || bad "ordo $c > /dev/full exits $rc, not 74"
    if [[ " log replay source analyze price " != *" $c "* ]]; then # these print timings
        "$ordo" "${args[@]}" --out - > "$tmp/dash" 2>/dev/null
        "$ordo" "${args[@]}" --out "$tmp/file" > /dev/null 2>&1
        cmp -s "$tmp/dash" "$tmp/file" && ok || bad "ordo $c: --out - and --out FILE differ"
    fi
done
# network generate --out is a directory; one that cannot be created is 73 too
echo file > "$tmp/plain"
"$ordo" network generate --out "$tmp/plain/net" > /dev/null 2>&1; rc=$?
[ "$rc" -eq 73 ] && ok || bad "network generate --out under a regular file exits $rc, not 73"

# a symlink and a FIFO stay what they are; the target gets the result
echo old > "$tmp/target"
ln -s "$tmp/target" "$tmp/link"
"$ordo" analyze "$D" --network "$net" --out "$tmp/link" > /dev/null 2>&1
[ -L "$tmp/link" ] && ok || bad "analyze --out replaced a symlink"
grep -q "Experiment\|experiment" "$tmp/target" && ok || bad "the symlink's target has no report"
"$ordo" geo zone 10001 94105 --out "$tmp/link" || bad "geo zone --out symlink"
[ -L "$tmp/link" ] && grep -q "^zone 8" "$tmp/target" && ok || bad "geo zone --out symlink"
mkfifo "$tmp/fifo"
cat "$tmp/fifo" > "$tmp/fifo.out" &
reader=$!
"$ordo" geo zone 10001 94105 --out "$tmp/fifo"; rc=$?
wait "$reader"
[ "$rc" -eq 0 ] && [ -p "$tmp/fifo" ] && grep -q "^zone 8" "$tmp/fifo.out" && ok \
    || bad "geo zone --out FIFO: exit $rc, fifo kept: $([ -p "$tmp/fifo" ] && echo yes || echo no)"
# a failed run leaves a regular file as it was
echo keep > "$tmp/keep"
"$ordo" geo zone 1000 021 --out "$tmp/keep" 2> /dev/null
[ "$(cat "$tmp/keep")" = keep ] && ok || bad "a failed run changed its --out file"
[ -z "$(ls "$tmp" | grep '\.tmp\.')" ] && ok || bad "a temporary file was left behind"

# ---- near misses get a suggestion ----
suggests() { # suggests DESC WANT ordo-args...
    local desc=$1 want=$2; shift 2
    "$ordo" "$@" > /dev/null 2> "$tmp/s"; local rc=$?
    if [ "$rc" -ne 0 ] && grep -q -- "did you mean '$want'" "$tmp/s"; then ok; else
        bad "$desc: exit $rc, wanted a suggestion of '$want': $(cat "$tmp/s")"
    fi
}
suggests "mistyped command" source sorce
suggests "mistyped subcommand" schedule exp scedule
suggests "mistyped option" --network source --netwrk "$net" --policy default
suggests "mistyped policy" proximity-first source --network "$net" --policy proximity_first \
    "$ex/order.json"
suggests "mistyped policy name" proximity-first policy show proximity_first
sed 's/"quantity"/"qty"/' "$ex/order.json" > "$tmp/qty.json"
suggests "qty for quantity" "lines\[0\].quantity" source --network "$net" --policy default \
    "$tmp/qty.json"
sed 's/"id"/"order_id"/' "$ex/order.json" > "$tmp/oid.json"
suggests "order_id for id" id source --network "$net" --policy default "$tmp/oid.json"
suggests "network parent" "$ex/network" source --network "$ex" --policy default "$ex/order.json"

suggests "replay: mistyped policy" cost-optimized log replay "$D" --policy cost_optimized \
    --network "$net"
suggests "replay: network parent" "$ex/network" log replay "$D" --policy default --network "$ex"

# a batch with a bad line still writes its --out file (the error is a line of it)
{ cat "$ex/orders.ndjson"; echo '{"id":"bad"}'; } > "$tmp/batch.ndjson"
"$ordo" source --network "$net" --policy default --out "$tmp/plans.ndjson" \
    < "$tmp/batch.ndjson" 2> /dev/null; rc=$?
n=$(wc -l < "$tmp/plans.ndjson" 2> /dev/null || echo 0)
[ "$rc" -eq 65 ] && [ "$n" -eq "$(($(wc -l < "$ex/orders.ndjson") + 1))" ] && ok \
    || bad "batch with a bad line and --out: exit $rc, $n lines"

echo "cli walk: $pass passed, $fail failed (${#leaves[@]} commands)"
[ "$fail" -eq 0 ]
