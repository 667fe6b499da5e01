#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dashboard in a real browser: a small data directory made with the CLI
# (network, experiment, decisions with explanations, outcomes), `ordo serve`
# on a free loopback port, then Debian's headless chromium driven by
# playwright-core (tests/server/dashboard_browser.js) opens the experiments,
# an experiment page and a decision, checks that the forest plot, the
# cumulative charts and the map draw, uses the token, and saves screenshots
# under the build directory (test-artifacts/). Exit 77 (skipped) when this
# ordo has no `serve` command or there is no chromium.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
chromium=${ORDO_CHROMIUM:-/usr/bin/chromium}
artifacts=${ORDO_TEST_ARTIFACTS:-$PWD/test-artifacts}

if ! "$ordo" serve --help >/dev/null 2>&1; then
    echo "SKIP: this ordo has no 'serve' command"; exit 77
fi
if [ ! -x "$chromium" ]; then
    echo "SKIP: no chromium at $chromium (scripts/deps.sh installs Debian's)"; exit 77
fi
if ! command -v node >/dev/null 2>&1 || [ ! -d "$src/web/node_modules/playwright-core" ]; then
    echo "FAIL: node or web/node_modules/playwright-core missing: run scripts/deps.sh" >&2; exit 1
fi

tmp=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
die() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.err" ] && sed 's/^/  serve: /' "$tmp/serve.err" >&2; exit 1; }

net=$tmp/network data=$tmp/data exp=proximity-vs-cost
"$ordo" network generate --out "$net" --dcs 4 --stores 24 --dropshippers 2 --skus 300 --seed 11 \
    >/dev/null || die "network generate"
# the example experiment on every order of the Northeast and Midwest; the
# hypothesis on planned cost, the KPIs (actual cost, on time) from outcomes
sed 's/"coverage": 0.5/"coverage": 1/; s/"end": 0.5/"end": 1/;
     s/"metric": "cost_per_order"/"metric": "planned_cost_per_order"/' \
    "$src/docs/examples/experiment.json" | grep -v '"stratify"' > "$tmp/experiment.json"
"$ordo" exp create "$tmp/experiment.json" --data "$data" >/dev/null || die "exp create"
"$ordo" exp start "$exp" --data "$data" --reason "dashboard test" >/dev/null || die "exp start"

# 400 orders over a week from people in five states, decided with --explain
awk -F, 'NR > 1 && ($2 == "NY" || $2 == "PA" || $2 == "IL" || $2 == "OH" || $2 == "MA") && $5 > 20000 {print $1}' \
    "$src/data/us-zips.csv" > "$tmp/zips.txt"
awk -F, 'NR > 1 && NR <= 201 {print $1}' "$net/catalog.csv" > "$tmp/skus.txt"
awk -v seed=3 -v zf="$tmp/zips.txt" -v sf="$tmp/skus.txt" 'BEGIN {
    srand(seed)
    while ((getline z < zf) > 0) zips[nz++] = z
    while ((getline s < sf) > 0) skus[ns++] = s
    for (i = 1; i <= 400; i++) {
        n = 1 + int(rand() * 2); lines = ""; base = int(rand() * ns)
        for (j = 0; j < n; j++) lines = lines (j ? "," : "") sprintf("{\"sku\":\"%s\",\"quantity\":1}", skus[(base + 31 * j) % ns])
        printf("{\"id\":\"W-%04d\",\"created\":\"2026-12-%02dT%02d:00:00Z\",\"ship_to\":{\"zip\":\"%s\"},\"lines\":[%s]}\n",
               i, 8 + int(i / 60), i % 24, zips[int(rand() * nz)], lines)
    }
}' > "$tmp/orders.ndjson"
"$ordo" source --network "$net" --data "$data" --reserve --explain < "$tmp/orders.ndjson" \
    > "$tmp/plans.ndjson" || die "source"

# outcomes: shipped the next day at about the planned carrier cost, delivered
# around the p50 ETA (some late), a few returned
python3 - "$tmp/plans.ndjson" "$tmp/orders.ndjson" > "$tmp/outcomes.ndjson" <<'PY' || die "outcomes"
import json, random, sys
from datetime import datetime, timedelta
rnd = random.Random(5)
created = {o["id"]: o["created"] for o in map(json.loads, open(sys.argv[2]))}
for p in map(json.loads, open(sys.argv[1])):
    if p.get("status") != "ok":
        continue
    oid = p["order_id"]
    t0 = datetime.strptime(created[oid], "%Y-%m-%dT%H:%M:%SZ")
    for k, sh in enumerate(p["shipments"]):
        at = t0 + timedelta(hours=20)
        ev = lambda n, typ, when, **kw: print(json.dumps(dict(
            event_id=f"{oid}-{k}-{n}", order_id=oid, shipment=k, type=typ,
            at=when.strftime("%Y-%m-%dT%H:%M:%SZ"), **kw)))
        ev(1, "shipped", at, carrier_cost=round(sh["cost"]["shipping"] * rnd.uniform(0.9, 1.15), 2),
           promised_by=p["promise_date"])
        ev(2, "cost", at, pick=sh["cost"]["pick"], pack=sh["cost"]["pack"])
        eta = datetime.strptime(sh["eta"]["p50"], "%Y-%m-%d") + timedelta(hours=15)
        late = timedelta(days=rnd.choice([0, 0, 0, 0, 1, 2]))
        ev(3, "delivered", eta + late)
        if rnd.random() < 0.08:
            ev(4, "returned", eta + late + timedelta(days=6), refund=20.0)
PY
"$ordo" outcomes ingest --data "$data" "$tmp/outcomes.ndjson" >/dev/null || die "outcomes ingest"

# a learned ETA model for the server, with a drift check of a tiny bound:
# the models page shows its calibration and the alarm
"$ordo" model train --run "$data" --holdout 0.3 >/dev/null || die "model train"
"$ordo" model show latest --data "$data" --bound 0.0001 --min-n 1 >/dev/null || die "model show --data"
# the risk model trained with it, and a saved drift state of it whose
# P(return) is far off (the server reads it back at start, as after a
# restart): the models page draws both targets and the alarm
"$ordo" model show latest --kind risk --data "$data" --json > "$tmp/risk.json" || die "model show --kind risk"
python3 - "$tmp/risk.json" "$data/models/risk-drift.json" <<'PY' || die "risk drift state"
import json, sys
m = json.load(open(sys.argv[1]))
def table(i, n, p, y):
    t = {"bins": 10, "n": [0] * 10, "sum_p": [0] * 10, "sum_y": [0] * 10,
         "brier_sum": n * ((p - y) ** 2), "log_loss_sum": 0, "y_sum": n * y, "total": n}
    t["n"][i], t["sum_p"][i], t["sum_y"][i] = n, n * p, n * y
    return t
json.dump({"model": m["version"], "hash": m["hash"], "seq": 10 ** 12, "watermark": 4102444800,
           "updated_at": "2026-12-06T12:00:00Z", "return": table(1, 1500, 0.1, 0.4),
           "cancel": table(0, 1500, 0.02, 0.021)}, open(sys.argv[2], "w"))
PY

# an order of the experiment, to look up
order=$("$ordo" log export "$data" --format csv |
        awk -F, 'NR > 1 && $3 == "decision" && $8 != "" {print $4; exit}')
[ -n "$order" ] || die "no decision in the experiment"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="dashboard-test-$RANDOM$RANDOM$RANDOM" # the server wants 16 to 256 bytes
cat > "$tmp/serve.conf" <<CONF
server.listen = 127.0.0.1:$port
server.data_dir = "$data"
server.network = "$net"
server.tokens = "$token"
server.models.eta = latest
server.models.risk = latest
CONF
"$ordo" serve --config "$tmp/serve.conf" > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
base="http://127.0.0.1:$port"
python3 - "$base/healthz" "$pid" <<'PY' || die "ordo serve did not answer on $base"
import os, sys, time, urllib.request
for _ in range(300):
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        sys.exit(1)
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY

mkdir -p "$artifacts"
CHROMIUM="$chromium" node "$src/tests/server/dashboard_browser.js" \
    --base "$base" --experiment "$exp" --order "$order" --token "$token" --out "$artifacts"
rc=$?
kill -TERM "$pid"
wait "$pid" || { echo "FAIL: ordo serve exited $? on SIGTERM" >&2; rc=1; }
pid=""
[ $rc -eq 0 ] || sed 's/^/  serve: /' "$tmp/serve.err" >&2
exit $rc
