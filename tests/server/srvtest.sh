# SPDX-License-Identifier: Apache-2.0
# What the ordo serve risk-model tests share (sourced, after `set -u`):
# srv_setup NAME makes $ordo (ORDO_BIN), $tmp (removed at exit unless KEEP
# is set), $pid with stop() and die(), and skips without `ordo serve`;
# srv_risk_run DAYS [PER_DAY [TRAIN_ARG...]] makes $run, a proximity-vs-cost
# sim run (PER_DAY orders a day, 300 by default, seed 5) with a learned risk
# model (`ordo model train --kind risk TRAIN_ARG...`); srv_cancel_policy FILE writes the
# default policy pricing cancellation (its records log P(cancel));
# srv_customer_sign FILE writes the sign of the model's
# customer_return_rate coefficient (which must be fitted, not disabled);
# srv_config and start below.

srv_setup() {
    ordo=${ORDO_BIN:?ORDO_BIN not set}
    if ! "$ordo" serve --help >/dev/null 2>&1; then
        echo "SKIP: this ordo has no 'serve' command"; exit 77
    fi
    tmp=$(mktemp -d "/tmp/ordo-$1-XXXXXX")
    pid=""
    trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
}

stop() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"; wait "$pid" 2>/dev/null
    fi
    pid=""
}

die() {
    echo "FAIL: $*" >&2
    [ -f "$tmp/serve.err" ] && sed 's/^/  serve: /' "$tmp/serve.err" >&2
    exit 1
}

srv_risk_run() {
    run=$tmp/run
    local days=$1 per_day=${2:-300}
    shift; [ $# -gt 0 ] && shift
    "$ordo" sim --scenario proximity-vs-cost --days "$days" --orders-per-day "$per_day" \
        --seed 5 --out "$run" > /dev/null 2>&1 || die "sim"
    "$ordo" model train --run "$run" --kind risk "$@" > /dev/null || die "model train --kind risk"
}

srv_cancel_policy() {
    "$ordo" policy show default | python3 -c '
import json, sys
p = json.load(sys.stdin)
p["name"] = "default-cancel"
p["risk"] = {"cancellation": {}}
print(json.dumps(p))' > "$1" || die "policy"
}

srv_customer_sign() {
    "$ordo" model show "$run/models/risk-v1.json" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["return"]
assert "disabled" not in r["history"]["customer_return_rate"], r["history"]
c = r["coef"]["customer_return_rate"]
assert abs(c) > 1e-3, c
print(1 if c > 0 else -1)' > "$1" || die "the model has no customer_return_rate term"
}

# srv_config NAME [LINE...]: $port (a free one), $token, and
# $tmp/serve.conf serving $run, with the extra configuration lines.
srv_config() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    token="$1-test-token-$RANDOM$RANDOM"
    shift
    {
        echo "server.listen = 127.0.0.1:$port"
        echo "server.data_dir = \"$run\""
        echo "server.network = \"$run/network\""
        echo "server.tokens = \"$token\""
        for line in "$@"; do echo "$line"; done
    } > "$tmp/serve.conf"
}

# start: ordo serve on $tmp/serve.conf in the background ($pid).
start() {
    "$ordo" serve --config "$tmp/serve.conf" > "$tmp/serve.out" 2>> "$tmp/serve.err" &
    pid=$!
}
