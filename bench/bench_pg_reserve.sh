#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_pg_reserve: four ways to take a unit of stock on PostgreSQL, with
# pgbench, CLIENTS concurrent clients on the same scarce cells:
#   conditional  UPDATE stock SET reserved = reserved + 1
#                WHERE node = .. AND sku = .. AND on_hand - reserved >= 1
#   for_update   BEGIN; SELECT .. FOR UPDATE; UPDATE if it fits; COMMIT
#   serializable BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT; UPDATE if it
#                fits; COMMIT (pgbench retries serialization failures)
#   advisory     BEGIN; pg_advisory_xact_lock(fleet); SELECT; UPDATE; COMMIT
#                (the fleet-wide write lock ordo's decider holds)
# Each runs SECONDS_EACH on CELLS cells of UNITS units each: attempts/s,
# and the oversell check (no cell reserved past on hand).
# Usage: bench/bench_pg_reserve.sh (env: SECONDS_EACH, CLIENTS, CELLS, UNITS)
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${SECONDS_EACH:-5}
clients=${CLIENTS:-8}
cells=${CELLS:-20}
units=${UNITS:-100000}
work=$(mktemp -d /tmp/ordo-bench-resv-XXXXXX)
chmod 755 "$work"
trap 'bash "$src/scripts/pg_test_server.sh" stop "$work/pg"; rm -rf "$work"' EXIT
out=$(PG_TEST_FSYNC=${PG_TEST_FSYNC:-on} bash "$src/scripts/pg_test_server.sh" start "$work/pg") ||
    { echo "bench_pg_reserve: no PostgreSQL server" >&2; exit 1; }
port=$(sed -n 's/^PGPORT=//p' <<<"$out")
bin=$(ls -d /usr/lib/postgresql/*/bin | head -1)
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
sql() { "${as_pg[@]}" "$bin/psql" -h "$work/pg" -p "$port" -U ordo -d ordo -qAtc "$1"; }

cat >"$work/conditional.sql" <<'EOF'
\set k random(1, :cells)
UPDATE stock SET reserved = reserved + 1 WHERE node = 'n' AND sku = 's' || :k AND on_hand - reserved >= 1;
EOF
cat >"$work/for_update.sql" <<'EOF'
\set k random(1, :cells)
BEGIN;
SELECT on_hand - reserved AS atp FROM stock WHERE node = 'n' AND sku = 's' || :k FOR UPDATE \gset
\if :atp >= 1
UPDATE stock SET reserved = reserved + 1 WHERE node = 'n' AND sku = 's' || :k;
\endif
COMMIT;
EOF
sed 's/^BEGIN;/BEGIN ISOLATION LEVEL SERIALIZABLE;/; s/ FOR UPDATE//' "$work/for_update.sql" \
    >"$work/serializable.sql"
sed 's/^BEGIN;/BEGIN;\nSELECT pg_advisory_xact_lock(1);/; s/ FOR UPDATE//' "$work/for_update.sql" \
    >"$work/advisory.sql"
chmod 644 "$work"/*.sql

echo "bench_pg_reserve: $clients clients, $cells cells of $units units, ${secs}s each, $(nproc) cores"
for m in conditional for_update serializable advisory; do
    sql "DROP TABLE IF EXISTS stock; CREATE TABLE stock (node TEXT, sku TEXT, on_hand BIGINT,
         reserved BIGINT CHECK (reserved >= 0), PRIMARY KEY (node, sku));
         INSERT INTO stock SELECT 'n', 's' || i, $units, 0 FROM generate_series(1, $cells) i"
    r=$("${as_pg[@]}" "$bin/pgbench" -h "$work/pg" -p "$port" -U ordo -n -c "$clients" -j 2 \
        -T "$secs" -D cells="$cells" --max-tries=100 -f "$work/$m.sql" ordo 2>&1)
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$r")
    retried=$(sed -n 's/^number of transactions retried: \([0-9]*\).*/\1/p' <<<"$r")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$r")
    over=$(sql "SELECT count(*) FROM stock WHERE reserved > on_hand")
    taken=$(sql "SELECT sum(reserved) FROM stock")
    printf '%-13s %9.0f attempts/s  units taken %8s  retried %6s  failed %4s  oversold cells %s\n' \
        "$m" "${tps:-0}" "$taken" "${retried:-0}" "${failed:-0}" "$over"
done
