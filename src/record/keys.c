/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision record's CBOR key table (v1), registered with core's
 * key table mechanism (cbor.h) when this module is linked in.
 *
 * Every key of decision and shadow records (ordo_record_write and what it
 * calls: plan, shipments, cost, eta, explain, alternatives, backorders, atp,
 * order, meta). A key's id is its index.
 *
 * APPEND-ONLY: records on disk name keys by these ids, so an entry is never
 * removed, reordered or renamed; new keys go at the end. Ids 0..23 take one
 * byte in CBOR and later ones two, so the first 24 are the keys repeated
 * per candidate, line and shipment. tests/fixtures/cbor/keys_v1.txt holds
 * the same list (tests/record checks it), for tests of core and log, which
 * do not link this module. */
#include <pthread.h>

#include "ordo/cbor.h"
#include "ordo/record.h"

static const char *const key_table_v1[] = {
    /* 0 */ "node",
    "lines",
    "line",
    "quantity",
    "sku",
    "service",
    "features",
    "zone",
    "miles",
    "landed_cost",
    /* 10 */ "on_time_prob",
    "return_risk",
    "load_penalty",
    "score",
    "score_vector",
    "verdict",
    "lost_on",
    "gap",
    "rule",
    "detail",
    /* 20 */ "by",
    "atp",
    "shipments",
    "cost",
    "pick",
    "pack",
    "shipping",
    "shipping_base",
    "fuel",
    "residential",
    /* 30 */ "peak",
    "returns",
    "carrying_relief",
    "opportunity",
    "split",
    "total",
    "record_version",
    "timestamp",
    "order_id",
    "policy",
    /* 40 */ "name",
    "version",
    "model_version",
    "experiment",
    "variant",
    "bucket",
    "excluded",
    "shadow",
    "control_cost",
    "order_value",
    /* 50 */ "product_family",
    "region",
    "unit",
    "fallback",
    "latency_ns",
    "order",
    "plan",
    "id",
    "created",
    "customer",
    /* 60 */ "cohort",
    "lifetime_value",
    "ship_to",
    "zip",
    "channel",
    "service_level",
    "pickup_store",
    "promise_date",
    "status",
    "fallback_reason",
    /* 70 */ "strategy",
    "search",
    "promise_days",
    "node_type",
    "carrier",
    "units",
    "weight_lb",
    "billable_lb",
    "eta",
    "p50_days",
    /* 80 */ "p90_days",
    "p50",
    "p90",
    "days_of_supply",
    "totals",
    "all_on_time_prob",
    "backorders",
    "reason",
    "reserved",
    "latency_us",
    /* 90 */ "explain",
    "evaluated",
    "candidates",
    "alternatives",
    "cluster",
    "window",
    "promotion",
    "risk",
    "stock_confidence",
    "short_pick",
    "cancel_prob",
    "cancellation",
    "value_weight",
    "signals_version",
    "eta_model",
    "risk_model",
    "netval_model",
    "parts",
    "economic",
    "summary",
};

#define N_KEYS (sizeof key_table_v1 / sizeof key_table_v1[0])

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void register_keys(void)
{
    (void)ordo_cbor_keys_register(key_table_v1, N_KEYS, NULL);
}

/* Before main: the log reader decodes CBOR records before any record
 * function runs (ordo_log_iter_next hands out JSON text). */
__attribute__((constructor)) static void register_at_load(void)
{
    pthread_once(&once, register_keys);
}

const char *const *ordo_record_cbor_keys(size_t *n)
{
    pthread_once(&once, register_keys);
    if (n)
        *n = N_KEYS;
    return key_table_v1;
}
