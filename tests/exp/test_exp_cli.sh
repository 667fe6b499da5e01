#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of `ordo exp hash` and `ordo exp schedule`.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
BIN=${ORDO_BIN:?set ORDO_BIN}
SRC=${ORDO_SOURCE_DIR:?set ORDO_SOURCE_DIR}
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect_eq() { # name got want
    if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
expect_rc() { # name want_rc cmd...
    local name=$1 want=$2
    shift 2
    "$@" >/dev/null 2>&1
    local rc=$?
    if [ $rc -eq "$want" ]; then ok "$name"; else bad "$name: exit $rc, want $want"; fi
}

# Published GrowthBook values.
expect_eq "hash v1 empty seed" "$("$BIN" exp hash "" a 1)" "0.22"
expect_eq "hash v1" "$("$BIN" exp hash b a 1)" "0.946"
expect_eq "hash v2" "$("$BIN" exp hash seed a 2)" "0.0505"
expect_eq "hash v2 ab" "$("$BIN" exp hash foo ab 2)" "0.2575"
expect_eq "hash --json" "$("$BIN" exp hash foo ab 2 --json)" \
    '{"seed":"foo","id":"ab","version":2,"hash":0.2575}'

# Rows of the GrowthBook fixture, non-ASCII ones included (every 25th row).
n=0
while IFS=, read -r seed id version expected; do
    got=$("$BIN" exp hash -- "$seed" "$id" "$version")
    if [ "$got" != "$expected" ]; then
        bad "fixture hash('$seed', '$id', $version): got '$got', want '$expected'"
    fi
    n=$((n + 1))
done < <(grep -v '^#' "$SRC/tests/fixtures/exp/growthbook_hash.csv" | tail -n +2 | awk 'NR % 25 == 1')
[ $n -ge 40 ] && ok "fixture rows via CLI ($n)" || bad "too few fixture rows ($n)"
expect_eq "hash emoji" "$("$BIN" exp hash seed '😀' 2)" \
    "$(grep '^seed,😀,2,' "$SRC/tests/fixtures/exp/growthbook_hash.csv" | cut -d, -f4)"

# Errors: usage 2, bad data 65.
expect_rc "hash bad version" 2 "$BIN" exp hash s a 3
expect_rc "hash missing args" 2 "$BIN" exp hash s a
expect_rc "hash too many args" 2 "$BIN" exp hash s a 2 x
expect_rc "hash invalid utf-8" 65 "$BIN" exp hash s $'\xc3' 2
expect_rc "exp unknown subcommand" 2 "$BIN" exp frobnicate
for sub in hash schedule; do
    expect_rc "exp $sub --help" 0 "$BIN" exp "$sub" --help
    "$BIN" exp "$sub" --help | grep -q "^Usage: ordo exp $sub" && ok "exp $sub --help text" \
        || bad "exp $sub --help text"
done
expect_rc "exp --help" 0 "$BIN" exp --help

# Schedule.
S=(exp schedule --seed sb-2026 --clusters CA,TX,NY --start 2026-11-24T00:00:00Z --windows 6
   --window-hours 2 --burn-in 15 --burn-out 5)
out=$("$BIN" "${S[@]}")
[ $? -eq 0 ] && ok "schedule runs" || bad "schedule runs"
expect_eq "schedule rows" "$(echo "$out" | grep -cE '^ +[0-9]+  2026-')" "6"
echo "$out" | grep -q 'burn-in 15 min, burn-out 5 min' && ok "schedule burn text" \
    || bad "schedule burn text"
expect_eq "schedule deterministic" "$("$BIN" "${S[@]}")" "$out"
json=$("$BIN" "${S[@]}" --json)
echo "$json" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["seed"] == "sb-2026" and d["hash_version"] == 2 and d["windows"] == 6
assert d["window_seconds"] == 7200 and d["burn_in_seconds"] == 900 and d["burn_out_seconds"] == 300
assert d["clusters"] == ["CA", "TX", "NY"] and d["arms"] == ["control", "treatment"]
assert len(d["schedule"]) == 6
w1 = d["schedule"][1]
assert w1["start"] == "2026-11-24T02:00:00Z" and w1["end"] == "2026-11-24T04:00:00Z"
assert w1["analysis_start"] == "2026-11-24T02:15:00Z" and w1["analysis_end"] == "2026-11-24T03:55:00Z"
for c in d["clusters"]:
    assert sum(d["windows_per_arm"][c].values()) == 6
' && ok "schedule --json" || bad "schedule --json"

# The JSON schedule matches the GrowthBook-derived fixture (first case: 48 windows).
/usr/bin/python3 - "$BIN" "$SRC/tests/fixtures/exp/growthbook_switchback.json" <<'PY' && ok "schedule matches fixture" || bad "schedule matches fixture"
import json, subprocess, sys
bin_, path = sys.argv[1], sys.argv[2]
cases = json.load(open(path, encoding="utf-8"))["cases"]
for c in cases:
    arms = ["a%d" % i for i in range(c["n_arms"])]
    cmd = [bin_, "exp", "schedule", "--seed", c["seed"], "--clusters", ",".join(c["clusters"]),
           "--start", "2026-11-24T00:00:00Z", "--windows", str(c["n_windows"]),
           "--window-hours", "1", "--arms", ",".join(arms),
           "--hash-version", str(c["hash_version"]), "--block-size", str(c["block_size"]), "--json"]
    if c["weights"]:
        cmd += ["--weights", ",".join(repr(w) for w in c["weights"])]
    d = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
    for ci, cl in enumerate(c["clusters"]):
        for w in range(c["n_windows"]):
            got = d["schedule"][w]["arms"][cl]
            want = arms[c["schedule"][ci][w]]
            if got != want:
                sys.exit("case %s cluster %s window %d: %s != %s" % (c["seed"], cl, w, got, want))
PY

# Blocked mode balances each cluster exactly.
bj=$("$BIN" exp schedule --seed bal --clusters CA,TX,NY,FL --start 2026-11-24 --windows 24 \
     --window-hours 1 --block-size 4 --json)
echo "$bj" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["mode"] == "blocked" and d["block_size"] == 4
for c, counts in d["windows_per_arm"].items():
    assert counts == {"control": 12, "treatment": 12}, (c, counts)
' && ok "blocked schedule balanced" || bad "blocked schedule balanced"

# Schedule errors.
expect_rc "schedule missing seed" 2 "$BIN" exp schedule --clusters CA --start 2026-11-24 --windows 2 --window-hours 1
expect_rc "schedule bad start" 2 "$BIN" exp schedule --seed s --clusters CA --start yesterday --windows 2 --window-hours 1
expect_rc "schedule bad weights" 2 "$BIN" exp schedule --seed s --clusters CA --start 2026-11-24 --windows 2 --window-hours 1 --weights 0.5,0.4
expect_rc "schedule duplicate cluster" 2 "$BIN" exp schedule --seed s --clusters CA,CA --start 2026-11-24 --windows 2 --window-hours 1
expect_rc "schedule empty cluster" 2 "$BIN" exp schedule --seed s --clusters CA,,TX --start 2026-11-24 --windows 2 --window-hours 1
expect_rc "schedule burn too long" 65 "$BIN" exp schedule --seed s --clusters CA --start 2026-11-24 --windows 2 --window-hours 1 --burn-in 40 --burn-out 20
expect_rc "schedule unknown option" 2 "$BIN" exp schedule --seed s --bogus
expect_rc "schedule by id: no registry" 66 "$BIN" exp schedule my-exp --data "$(mktemp -d)/none"
err=$("$BIN" exp schedule --seed s --clusters CA --start 2026-11-24 --windows 2 --window-hours 1 --burn-in 60 --json 2>&1 >/dev/null)
echo "$err" | grep -q '"field":"burn_in"' && ok "schedule error JSON names field" || bad "schedule error JSON names field: $err"

if [ $fails -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
