/* SPDX-License-Identifier: Apache-2.0 */
/* The fields `ordo log export --format csv` picks out of a CBOR decision
 * record (log_export.c; bench/bench_export.c times the same picks). Not
 * installed. */
#ifndef ORDO_CLI_EXPORT_PICKS_H
#define ORDO_CLI_EXPORT_PICKS_H

enum {
    P_TS, P_OID, P_POLICY, P_VERSION, P_EXP, P_VAR, P_STATUS, P_BUCKET, P_EXCLUDED, P_FALLBACK,
    P_SHIPMENTS, P_UNITS, P_TOTAL, P_PICK, P_PACK, P_SHIPPING, P_RETURNS, P_SPLIT, P_CR, P_OPP,
    P_ECON, P_ECON_CR, P_ECON_OPP, P_OTP, P_RISK, P_BACKORDERS, P_LATENCY, P_N
};
static const char *const pick_paths[P_N] = {
    "timestamp", "order_id", "policy.name", "policy.version", "experiment", "variant",
    "plan.status", "bucket", "excluded", "fallback", "plan.totals.shipments",
    "plan.totals.units", "plan.totals.cost.total", "plan.totals.cost.pick",
    "plan.totals.cost.pack", "plan.totals.cost.shipping", "plan.totals.cost.returns",
    "plan.totals.cost.split", "plan.totals.cost.carrying_relief",
    "plan.totals.cost.opportunity", "plan.totals.cost.economic",
    "plan.totals.cost.economic.carrying_relief", "plan.totals.cost.economic.opportunity",
    "plan.totals.on_time_prob", "plan.totals.return_risk", "plan.backorders", "latency_ns"};

#endif
