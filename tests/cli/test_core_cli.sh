#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of the core commands: geo, network generate/info, rate,
# --help everywhere, exit codes on bad input.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_out() { # expect_out "desc" "needle" cmd...
    local desc=$1 needle=$2; shift 2
    local out; out=$("$@" 2>&1)
    if [[ $out == *"$needle"* ]]; then ok; else bad "$desc: wanted '$needle', got: $out"; fi
}
expect_rc() { # expect_rc "desc" rc cmd...
    local desc=$1 want=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "$desc: exit $rc, wanted $want ($(cat "$tmp/err"))"; fi
}

# zone facts from the real USPS chart
expect_out "zone 100-021" "zone 3" "$ordo" geo zone 100 021
expect_out "zone 100-191" "zone 2" "$ordo" geo zone 100 191
expect_out "zone 100-606" "zone 5" "$ordo" geo zone 100 606
expect_out "zone 100-900" "zone 8" "$ordo" geo zone 100 900
expect_out "zone 945-900" "zone 4" "$ordo" geo zone 945 900
expect_out "zone json" '"zone":9' "$ordo" geo zone 10001 96910 --json
miles=$("$ordo" geo distance 10001 90001 --json | sed 's/.*"miles":\([0-9.]*\).*/\1/')
if awk -v m="$miles" 'BEGIN{exit !(m > 2415 && m < 2475)}'; then ok; else bad "NY-LA miles $miles"; fi
expect_rc "bad zip" 65 "$ordo" geo zone 1000 021
expect_rc "unknown zip" 65 "$ordo" geo distance 00000 10001
expect_out "PO-box zip at its ZIP3" '"located_by":"zip3"' "$ordo" geo zip 30301 --json
expect_out "unique zip distance" '"warnings":["from: not in the ZIP table' "$ordo" geo distance 77001 10001 --json
expect_out "table zip" '"located_by":"zip"' "$ordo" geo zip 10001 --json
expect_rc "geo usage" 2 "$ordo" geo
expect_rc "unknown command" 2 "$ordo" frobnicate

# --help on the command and every subcommand
expect_rc "help" 0 "$ordo" --help
for c in "geo" "network" "network generate" "network info" "rate"; do
    # shellcheck disable=SC2086
    expect_out "help $c" "Usage: ordo" "$ordo" $c --help
done
for c in $("$ordo" --help | awk '/^Commands:/{f=1;next} f && /^  [a-z]/{print $1}'); do
    expect_rc "help for $c" 0 "$ordo" "$c" --help
done

# generate is deterministic per seed, and info reads it back
"$ordo" network generate --out "$tmp/a" --dcs 3 --stores 20 --dropshippers 2 --skus 400 --seed 9 >/dev/null || bad "generate a"
"$ordo" network generate --out "$tmp/b" --dcs 3 --stores 20 --dropshippers 2 --skus 400 --seed 9 >/dev/null || bad "generate b"
"$ordo" network generate --out "$tmp/c" --dcs 3 --stores 20 --dropshippers 2 --skus 400 --seed 10 >/dev/null || bad "generate c"
for f in network.json catalog.csv inventory.csv; do
    if cmp -s "$tmp/a/$f" "$tmp/b/$f"; then ok; else bad "same seed, different $f"; fi
done
if cmp -s "$tmp/a/inventory.csv" "$tmp/c/inventory.csv"; then bad "different seeds, same inventory"; else ok; fi
expect_out "info" "3 dc, 20 store, 2 dropship" "$ordo" network info "$tmp/a"
expect_out "info json" '"skus": 400' "$ordo" network info "$tmp/a" --json
expect_rc "info missing dir" 66 "$ordo" network info "$tmp/nope"
expect_rc "generate without --out" 2 "$ordo" network generate --dcs 1

# bad input: a clear error naming file, line and field, non-zero exit
cp -r "$tmp/a" "$tmp/bad"
sed -i '3s/^\([^,]*\),\([^,]*\),[0-9]*/\1,\2,-4/' "$tmp/bad/inventory.csv"
expect_rc "negative on_hand" 65 "$ordo" network info "$tmp/bad"
expect_out "negative on_hand message" "inventory.csv:3: field 'on_hand'" "$ordo" network info "$tmp/bad"
cp "$tmp/a/inventory.csv" "$tmp/bad/inventory.csv"
echo "DC-001,SKU-NOPE,1,0,,," >> "$tmp/bad/inventory.csv" # seven fields: the generator writes daily_demand
expect_out "unknown sku" "field 'sku': unknown SKU 'SKU-NOPE'" "$ordo" network info "$tmp/bad"
cp "$tmp/a/inventory.csv" "$tmp/bad/inventory.csv"
sed -n '2p' "$tmp/a/inventory.csv" >> "$tmp/bad/inventory.csv"
expect_out "duplicate record" "duplicate" "$ordo" network info "$tmp/bad"
cp "$tmp/a/inventory.csv" "$tmp/bad/inventory.csv"
sed -i '0,/"zip": "[0-9]*"/s//"zip": "00000"/' "$tmp/bad/network.json"
expect_out "unknown zip" "nodes[0].zip" "$ordo" network info "$tmp/bad"
printf '{"nodes": [' > "$tmp/bad/network.json"
expect_rc "malformed json" 65 "$ordo" network info "$tmp/bad"

# rate: parts and totals
node=$(grep -o '"id": "DC-001"' "$tmp/a/network.json" | head -1)
[ -n "$node" ] || bad "no DC-001"
expect_out "rate" "billable" "$ordo" rate --network "$tmp/a" --node DC-001 --to 10001 --weight 1 --service ground
expect_rc "rate bad weight" 2 "$ordo" rate --network "$tmp/a" --node DC-001 --to 10001 --weight -1 --service ground
expect_rc "rate unknown node" 65 "$ordo" rate --network "$tmp/a" --node NOPE --to 10001 --weight 1 --service ground

# calibration: a 1 lb ground parcel lists at $11.32 in zone 2 and $14.17 in zone 8
ex="$src/docs/examples/network"
expect_out "zone 8 base" '"base": 14.17' "$ordo" rate --network "$ex" --node DC-003 --to 90001 --weight 1 --service parcel_ground --json
expect_out "zone 2 base" '"base": 11.32' "$ordo" rate --network "$ex" --node DC-003 --to 19103 --weight 1 --service parcel_ground --json
expect_out "dim weight" '"billable_lb": 9' "$ordo" rate --network "$ex" --node DC-003 --to 19103 --weight 1 --dims 12x12x8 --service parcel_ground --json

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
