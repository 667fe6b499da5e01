#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of `ordo power`: values against the scipy references in
# tests/fixtures/stats/tests.txt, rounding, --json, --help and exit codes.
set -u
BIN=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repo}
FIX="$SRC/tests/fixtures/stats/tests.txt"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# json_num KEY < json
json_num() { sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p"; }
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(d <= 1e-8 * s) }'; }

# --- every power fixture through the CLI
while read -r kind rest; do
    ins=${rest%%=>*}
    want=${rest##*=> }
    set -- $ins
    case $kind in
    powt_n) args=(--metric mean --mde "$1" --sd "$2" --alpha "$3" --power "$4"); key=n ;;
    powt_power) args=(--metric mean --n "$1" --mde "$2" --sd "$3" --alpha "$4"); key=power ;;
    powt_mde) args=(--metric mean --n "$1" --sd "$2" --alpha "$3" --power "$4"); key=mde ;;
    powp_n) args=(--metric proportion --p1 "$1" --p2 "$2" --alpha "$3" --power "$4"); key=n ;;
    powp_power) args=(--metric proportion --n "$1" --p1 "$2" --p2 "$3" --alpha "$4"); key=power ;;
    powp_mde) args=(--metric proportion --n "$1" --p1 "$2" --alpha "$3" --power "$4"); key=p2 ;;
    *) continue ;;
    esac
    out=$("$BIN" power "${args[@]}" --json)
    rc=$?
    got=$(printf '%s' "$out" | json_num "$key")
    if [ $rc -eq 0 ] && [ -n "$got" ] && close "$got" "$want"; then ok; else bad "$kind ${args[*]}: got '$got' want $want (rc $rc)"; fi
    if [ "$key" = n ]; then
        up=$(printf '%s' "$out" | json_num n_rounded_up)
        exp=$(awk -v x="$got" 'BEGIN { c = int(x); if (c < x) c++; print c }')
        [ "$up" = "$exp" ] && ok || bad "$kind: n_rounded_up $up, want $exp"
    fi
done < <(grep -E '^pow[tp]_' "$FIX")

# --- text output: R's layout, exact and rounded-up n, power default 0.8
out=$("$BIN" power --metric mean --sd 1 --mde 1)
[ $? -eq 0 ] && ok || bad "text run failed"
printf '%s\n' "$out" | grep -Eq '^ +n = 16\.714' && ok || bad "text n: $out"
printf '%s\n' "$out" | grep -Eq '^ +n rounded up = 17$' && ok || bad "text rounded: $out"
printf '%s\n' "$out" | grep -q 'power = 0.8' && ok || bad "default power"
printf '%s\n' "$out" | grep -q 'each\* group' && ok || bad "per-arm note"

# --- help and usage errors
"$BIN" power --help | grep -q -- '--metric proportion' && ok || bad "--help"
"$BIN" power --metric mean --sd 1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "missing --mde not 2"
"$BIN" power --metric mean --sd x --mde 1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad number not 2"
"$BIN" power --metric median --sd 1 --mde 1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad metric not 2"
"$BIN" power --sd 1 --mde 1 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "missing metric not 2"
"$BIN" power --metric mean --sd 1 --mde 1 --n 10 --power 0.8 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--n with --power not 2"
"$BIN" power --metric mean --sd 1 --mde 1 --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown flag not 2"
# --- values out of range: a clear error naming the field, exit 65
err=$("$BIN" power --metric proportion --p1 0.5 --p2 1.5 2>&1 >/dev/null); rc=$?
[ $rc -eq 65 ] && ok || bad "p2=1.5 exit $rc"
printf '%s' "$err" | grep -q "p2" && ok || bad "p2 error does not name the field: $err"
err=$("$BIN" power --metric mean --sd -1 --mde 1 --json 2>&1 >/dev/null); rc=$?
[ $rc -eq 65 ] && ok || bad "sd=-1 exit $rc"
printf '%s' "$err" | grep -q '"field":"sd"' && ok || bad "json error: $err"
"$BIN" power --metric mean --sd 1 --mde 1 --alpha 1.5 >/dev/null 2>&1; [ $? -eq 65 ] && ok || bad "alpha 1.5"

echo "power_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
