#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets (fuzz/fuzz_*.c) with clang in their own build
# directory, replays every committed regression input once, then runs each
# target for FUZZ_SECONDS on a fresh corpus seeded from docs/examples and
# tests/fixtures. Exit status 1 when any input crashed; the crashing inputs
# are kept in $FUZZ_DIR/artifacts/<target>/ (see docs/internals/FUZZ.md).
#
#   scripts/fuzz.sh [TARGET...]      TARGET: order, policy, ... (default: all)
#
# Environment:
#   FUZZ_SECONDS  seconds per target (default 60; 0 = only build and replay)
#   FUZZ_JOBS     targets run at once (default 1)
#   FUZZ_DIR      build directory (default build-fuzz)
#   FUZZ_CORPUS   keep the corpora in this directory (default: a temporary
#                 directory removed at exit)
#   FUZZ_FLAGS    extra libFuzzer flags (e.g. "-fork=1 -ignore_crashes=1")
#   CC            the compiler (default clang)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
bdir=${FUZZ_DIR:-build-fuzz}
flags=${FUZZ_FLAGS:-}

cmake -S . -B "$bdir" -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DORDO_FUZZ=ON >/dev/null
cmake --build "$bdir" -j "$(nproc 2>/dev/null || echo 2)" --target fuzz_all >/dev/null

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz/fuzz_*.c; do
    t=$(basename "$f" .c)
    targets+=("${t#fuzz_}")
  done
fi

# the targets write files (log segments, outcome files): in memory when we can
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

if [ -n "${FUZZ_CORPUS:-}" ]; then
  corpus_root=$FUZZ_CORPUS
  mkdir -p "$corpus_root"
else
  corpus_root=$(mktemp -d "${TMPDIR:-/tmp}/ordo-fuzz-corpus.XXXXXX")
  trap 'rm -rf "$corpus_root"' EXIT
fi

# seed TARGET DIR: copies the target's seeds into DIR.
seed() {
  local t=$1 d=$2 f
  case $t in
    order)
      cp docs/examples/order.json tests/fixtures/source/example-order.json "$d"/
      local i=0
      while IFS= read -r line; do
        i=$((i + 1)); printf '%s' "$line" >"$d/orders-line-$i.json"
      done <docs/examples/orders.ndjson ;;
    policy) cp docs/examples/policy-*.json "$d"/ ;;
    exp) cp docs/examples/experiment.json "$d"/ ;;
    outcomes_ndjson) cp docs/examples/outcomes.ndjson "$d"/ ;;
    outcomes_csv) cp tests/fixtures/store/outcomes.csv "$d"/ ;;
    network_json)
      for f in tests/fixtures/source/net tests/fixtures/core/net-small docs/examples/network; do
        cp "$f/network.json" "$d/$(echo "$f" | tr / _).json"
      done ;;
    catalog_csv | inventory_csv)
      local kind=${t%_csv}
      for f in tests/fixtures/source/net tests/fixtures/core/net-small docs/examples/network; do
        cp "$f/$kind.csv" "$d/$(echo "$f" | tr / _).csv"
      done
      cp tests/fixtures/core/bad/"$kind"-*.csv "$d"/ ;;
    config) cp docs/examples/ordo.conf "$d"/ ;;
    inventory_apply) cp docs/examples/inventory.ndjson docs/examples/inventory.csv "$d"/ ;;
    cbor) cp tests/fixtures/cbor/*.cbor "$d"/ ;;
    cbor_pick) cp tests/fixtures/cbor/*.cbor "$d"/ ;;
    signals)
      cp docs/examples/signals.ndjson "$d"/
      local j=0
      while IFS= read -r line; do
        j=$((j + 1)); printf '%s\n' "$line" >"$d/signals-line-$j.ndjson"
      done <docs/examples/signals.ndjson ;;
    log_segment | log_index)
      # these targets write their seeds (a log made by the library) themselves
      ORDO_FUZZ_SEEDS=$d "$bdir/fuzz/fuzz_$t" -runs=0 "$d" >/dev/null 2>&1 ;;
    *) echo "fuzz: no seeds for $t" >&2 ;;
  esac
}

# replay TARGET: runs every committed regression input once, each in its own
# process. Inputs named in fuzz/regressions/PENDING reproduce a crash whose
# fix is not in yet: they are reported, and do not fail the run.
replay() {
  local t=$1 dir=fuzz/regressions/$1 f n=0 bad=0
  [ -d "$dir" ] || return 0
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    local pending=0
    grep -qxF "$t/$(basename "$f")" fuzz/regressions/PENDING 2>/dev/null && pending=1
    if "$bdir/fuzz/fuzz_$t" "$f" >"$bdir/replay-$t.log" 2>&1; then
      [ $pending -eq 1 ] && echo "fuzz: $t: $f no longer crashes: remove it from fuzz/regressions/PENDING"
    elif [ $pending -eq 1 ]; then
      echo "fuzz: $t: $f still crashes (listed in fuzz/regressions/PENDING)"
    else
      echo "fuzz: $t: $f crashes again:" >&2
      grep -E 'ERROR|SUMMARY|#[0-9] ' "$bdir/replay-$t.log" | head -8 >&2
      bad=1
    fi
  done
  echo "fuzz: $t: $n regression inputs replayed"
  return $bad
}

# run TARGET: fuzzes it for $seconds; prints one summary line.
run() {
  local t=$1 c=$corpus_root/$1 a=$root/$bdir/artifacts/$1
  mkdir -p "$c" "$a"
  [ -n "$(ls -A "$c")" ] || seed "$t" "$c"
  [ -d "fuzz/regressions/$t" ] && cp fuzz/regressions/"$t"/* "$c"/ 2>/dev/null || true
  local log=$root/$bdir/fuzz-$t.log rc=0
  # shellcheck disable=SC2086
  "$bdir/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$a/" -print_final_stats=1 $flags "$c" >"$log" 2>&1 || rc=$?
  local execs
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
  [ "$execs" != 0 ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  if [ $rc -ne 0 ] || ls "$a" | grep -q .; then
    echo "fuzz: $t: CRASH (after $execs runs): inputs in $a, log $log" >&2
    return 1
  fi
  echo "fuzz: $t: $execs runs in ${seconds}s, corpus $(ls "$c" | wc -l) inputs, no crash"
}

status=0
for t in "${targets[@]}"; do
  [ -x "$bdir/fuzz/fuzz_$t" ] || { echo "fuzz: no target fuzz_$t" >&2; exit 2; }
  replay "$t" || status=1
done
[ "$seconds" -gt 0 ] || exit $status

export -f run seed
export corpus_root bdir seconds flags root
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run "$@"' _ {} || status=1
exit $status
