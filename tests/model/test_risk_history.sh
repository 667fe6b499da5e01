#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The customer's return history in the return-risk model against the
# simulated world's truth (docs/internals/SIM.md "The customer's return
# propensity": each customer returns m_c times the catalog rate, lognormal
# with mean 1). On a four-week run the learned customer_return_rate comes
# out positive and the held-out AUC with the history terms beats the same
# model trained without them (--history-min-rows past any support). On a
# tiny run the minimum-support rule (MODEL.md "Minimum support") leaves the
# term out: coefficient 0, and the file, `ordo model show` and `ordo model
# eval` say why. Env: ORDO_BIN.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d /tmp/ordo-riskhist-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

run=$tmp/run
"$ordo" sim --scenario proximity-vs-cost --days 28 --orders-per-day 600 --seed 5 --out "$run" \
    > /dev/null 2>&1 || bad "sim (28 days)"
"$ordo" model train --run "$run" --kind risk > /dev/null || bad "train with history"
"$ordo" model train --run "$run" --kind risk --history-min-rows 1000000000 > /dev/null ||
    bad "train without history"
"$ordo" model show "$run/models/risk-v1.json" --json > "$tmp/s1.json" || bad "show v1"
"$ordo" model show "$run/models/risk-v2.json" --json > "$tmp/s2.json" || bad "show v2"
"$ordo" model eval --run "$run" --model "$run/models/risk-v1.json" --kind risk --json \
    > "$tmp/e1.json" || bad "eval v1"
"$ordo" model eval --run "$run" --model "$run/models/risk-v2.json" --kind risk --json \
    > "$tmp/e2.json" || bad "eval v2"
python3 - "$tmp" <<'PY' && ok || bad "the history term is learned with its true sign and helps"
import json, sys
t = sys.argv[1]
s1, s2 = (json.load(open(t + "/s%d.json" % k))["return"] for k in (1, 2))
e1, e2 = (json.load(open(t + "/e%d.json" % k))["return"] for k in (1, 2))
h1 = s1["history"]["customer_return_rate"]
c1 = s1["coef"]["customer_return_rate"]
a1, a2 = e1["learned"]["auc"], e2["learned"]["auc"]
print("customer_return_rate %+.4f (%d rows with a prior return, %d returned again); "
      "held-out AUC with history %.4f, without %.4f" % (c1, h1["rows"], h1["returned"], a1, a2))
assert "disabled" not in h1 and h1["rows"] >= 100 and h1["returned"] >= 10, h1
assert c1 > 0.5, c1
assert s2["coef"]["customer_return_rate"] == 0 and s2["coef"]["customer_known"] == 0, s2["coef"]
assert s2["history"]["customer_return_rate"]["disabled"].startswith("support "), s2["history"]
assert e2["history"]["customer_known"]["disabled"].startswith("support "), e2["history"]
assert a1 > a2 + 0.002, (a1, a2)
PY

# a tiny run: too few rows with a prior return, the term is off
tiny=$tmp/tiny
"$ordo" sim --scenario proximity-vs-cost --days 5 --orders-per-day 200 --seed 5 --out "$tiny" \
    > /dev/null 2>&1 || bad "sim (tiny)"
"$ordo" model train --run "$tiny" --kind risk > "$tmp/train.txt" || bad "train (tiny)"
grep -Eq "history customer_return_rate +[0-9]+ rows, [0-9]+ returned: DISABLED \(support [0-9]+ < 100\)" \
    "$tmp/train.txt" && ok || bad "train does not print the term's support: $(cat "$tmp/train.txt")"
"$ordo" model train --run "$tiny" --kind risk --json > "$tmp/train.json" || bad "train --json (tiny)"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["risk"]["history"]["customer_return_rate"]; assert h["disabled"].startswith("support "), h' \
    "$tmp/train.json" && ok || bad "train --json has no history support"
python3 - "$tiny/models/risk-v1.json" <<'PY' && ok || bad "the tiny run's file: disabled, 0"
import json, re, sys
m = json.load(open(sys.argv[1]))["return"]
h = m["history"]["customer_return_rate"]
assert m["history"]["min_rows"] == 100 and m["history"]["min_returned"] == 10, m["history"]
assert re.fullmatch(r"support \d+ < 100", h["disabled"]) and h["rows"] < 100, h
assert m["coef"][m["features"].index("customer_return_rate")] == 0, m["coef"]
PY
"$ordo" model show "$tiny/models/risk-v1.json" > "$tmp/show.txt" || bad "show (tiny)"
grep -Eq "history customer_return_rate +[0-9]+ rows, [0-9]+ returned: DISABLED \(support [0-9]+ < 100\)" \
    "$tmp/show.txt" && ok || bad "show does not say the term is disabled: $(grep history "$tmp/show.txt")"
"$ordo" model train --run "$tiny" --kind risk --holdout 0.4 > /dev/null || bad "train (tiny, holdout)"
"$ordo" model eval --run "$tiny" --model latest --kind risk > "$tmp/eval.txt" || bad "eval (tiny)"
grep -q "customer_return_rate.*DISABLED (support" "$tmp/eval.txt" && ok ||
    bad "eval does not say the term is disabled"
# the knobs: a count >= 1
"$ordo" model train --run "$tiny" --kind risk --history-min-rows 0 > /dev/null 2>&1 &&
    bad "--history-min-rows 0 accepted" || ok
"$ordo" model train --run "$tiny" --kind risk --history-min-returned 1.5 > /dev/null 2>&1 &&
    bad "--history-min-returned 1.5 accepted" || ok

echo "risk history: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
