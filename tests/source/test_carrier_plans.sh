#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Carriers as they are, through `ordo source` and `ordo rate` on a generated
# network: a 165 lb box ships by LTL freight (never postal), or, with no
# freight service, the plan says which limits it breaks; a December 10 order
# pays peak and a March order does not; Honolulu, Anchorage and San Juan get
# their own zones, priced above zone 8.
# Env: ORDO_BIN (the ordo binary).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d /tmp/ordo-carriers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

net="$tmp/net"
"$ordo" network generate --out "$net" --dcs 2 --stores 3 --dropshippers 1 --skus 200 --seed 5 \
    > /dev/null || bad "generate"
dc=$(python3 -c "import json; print(json.load(open('$net/network.json'))['nodes'][0]['id'])")
echo "SKU-BOX165,furniture,165,30,24,20,400.00,0.02,240.00" >> "$net/catalog.csv"
echo "SKU-SMALL,beauty,0.5,6,4,2,20.00,0.02,9.00" >> "$net/catalog.csv"
echo "$dc,SKU-BOX165,10,0,0,2026-01-05T06:00:00Z,0.1" >> "$net/inventory.csv"
echo "$dc,SKU-SMALL,100,0,0,2026-01-05T06:00:00Z,1.5" >> "$net/inventory.csv"
order() { # id created zip sku
    printf '{"id":"%s","created":"%sT15:00:00Z","ship_to":{"zip":"%s"},"lines":[{"sku":"%s","quantity":1}]}\n' \
        "$1" "$2" "$3" "$4" > "$tmp/$1.json"
}

# ---- 165 lb: freight, never postal ----
order heavy 2026-03-10 60601 SKU-BOX165
"$ordo" source --network "$net" --policy default --compact "$tmp/heavy.json" > "$tmp/heavy.out" ||
    bad "source heavy exits $?"
svc=$(jget "[s['service'] for s in d['shipments']]" < "$tmp/heavy.out")
[ "$svc" = "['ltl_freight']" ] && ok || bad "165 lb ships by $svc, want ['ltl_freight']"
ship=$(jget "d['totals']['cost']['shipping']" < "$tmp/heavy.out")
python3 -c "import sys; sys.exit(not (200 < $ship < 1000))" && ok ||
    bad "165 lb freight shipping \$$ship, want 200-1000"
for p in cost-optimized proximity-first; do
    "$ordo" source --network "$net" --policy $p --compact "$tmp/heavy.json" > "$tmp/h2.out"
    grep -q postal_ground "$tmp/h2.out" && bad "$p ships 165 lb by postal" || ok
done
"$ordo" rate --network "$net" --node "$dc" --to 60601 --weight 165 --dims 30x24x20 \
    --service postal_ground --json > "$tmp/r.out" 2>&1 && bad "postal rates 165 lb" || ok
grep -q "weight limit" "$tmp/r.out" && ok || bad "postal refusal names no weight limit: $(cat "$tmp/r.out")"

# ---- no freight service: the plan says why ----
cp -r "$net" "$tmp/nofr"
python3 - "$tmp/nofr/network.json" <<'EOF'
import json, sys
n = json.load(open(sys.argv[1]))
for x in n['nodes']:
    if 'services' in x:
        x['services'] = [s for s in x['services'] if s != 'ltl_freight']
json.dump(n, open(sys.argv[1], 'w'))
EOF
"$ordo" source --network "$tmp/nofr" --policy default --compact "$tmp/heavy.json" > "$tmp/nofr.out"
st=$(jget "d['status']" < "$tmp/nofr.out")
[ "$st" = unfulfillable ] && ok || bad "no freight: status $st"
why=$(jget "d['backorders'][0]['reason'] + ': ' + d['backorders'][0].get('detail', '')" < "$tmp/nofr.out")
[[ "$why" == no_carrier_service:*165\ lb*postal_ground\ weight* ]] && ok || bad "no freight: '$why'"

# ---- peak within its window ----
order dec 2026-12-10 60601 SKU-SMALL
order mar 2026-03-10 60601 SKU-SMALL
for o in dec mar; do
    "$ordo" source --network "$net" --policy cost-optimized --compact "$tmp/$o.json" > "$tmp/$o.out" ||
        bad "source $o"
done
pdec=$(jget "d['totals']['cost']['peak']" < "$tmp/dec.out")
pmar=$(jget "d['totals']['cost']['peak']" < "$tmp/mar.out")
python3 -c "import sys; sys.exit(not (0.3 <= $pdec <= 1.5))" && ok || bad "December 10 peak \$$pdec"
[ "$pmar" = 0 ] && ok || bad "March peak \$$pmar"

# ---- Alaska, Hawaii, PR: own zones above zone 8 ----
z8=$("$ordo" rate --network "$net" --node "$dc" --to 98101 --weight 1 --service parcel_ground --json)
t8=$(jget "d['total']" <<< "$z8")
for pair in 96813:11 99501:10 00901:12; do
    zip=${pair%%:*} want=${pair##*:}
    r=$("$ordo" rate --network "$net" --node "$dc" --to "$zip" --weight 1 --service parcel_ground --json)
    z=$(jget "d['zone']" <<< "$r")
    t=$(jget "d['total']" <<< "$r")
    [ "$z" = "$want" ] && ok || bad "$zip zone $z, want $want"
    python3 -c "import sys; sys.exit(not ($t > $t8))" && ok || bad "$zip \$$t not above zone 8 \$$t8"
    order "to$zip" 2026-03-10 "$zip" SKU-SMALL
    "$ordo" source --network "$net" --policy default --compact "$tmp/to$zip.json" > "$tmp/to$zip.out"
    pz=$(jget "d['shipments'][0]['zone']" < "$tmp/to$zip.out")
    [ "$pz" = "$want" ] && ok || bad "plan to $zip at zone $pz, want $want"
done

echo "carrier plans: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
