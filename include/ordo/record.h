/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision record: what the decision log keeps of one decision.
 *
 * One record per decision (ORDO_LOG_REC_DECISION) or shadow evaluation
 * (ORDO_LOG_REC_SHADOW): the order, the ATP seen at candidate nodes, the
 * policy and model versions, the experiment context (experiment, variant,
 * bucket, the randomization unit, cluster and switchback window exactly as
 * assignment chose them), the plan with its cost breakdown, fallback flag,
 * latency and timestamp. docs/internals/RECORD.md lists every field and how
 * to add one.
 *
 * This module owns the record's one writer (JSON text or CBOR through
 * ordo_jsonw_t), its CBOR key table and its one reader (bytes → the typed
 * ordo_record_t below). It decides nothing. */
#ifndef ORDO_RECORD_H
#define ORDO_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "json.h"
#include "network.h"
#include "source.h"

/* 2: a CBOR record's first member is `parts` (RECORD.md "Parts"): the byte
 * spans of its order, its ATP table and its plan's shipments, so a reader
 * that needs none of them jumps over them (ordo_cbor_pick_parts, cbor.h).
 * The same record written as JSON text has no parts (offsets into CBOR). */
#define ORDO_RECORD_VERSION 3

/* 3: a CBOR record's second member is `summary` (RECORD.md "Summary"): the
 * figures and strings the analysis takes of the record, in a CBOR array of
 * fixed shape, so that a reader of those needs not walk the record. Its
 * items, in order (a string or number absent from the record is null):
 *   1 (the summary's version, ORDO_RECORD_SUMMARY_VERSION),
 *   [check_lo, check_hi, flags, end, refs] (ORDO_RECORD_SUMMARY_SLOTS
 *     unsigneds of 5 bytes: XXH3-64 of the summary's bytes from `flags` to
 *     its end, ORDO_RECORD_SUMMARY_* flags, the byte offset of the
 *     summary's end and the strings numbered by then),
 *   timestamp, time (the timestamp as Unix seconds; null: it does not
 *   parse), order_id, policy.name, policy.version, experiment, variant,
 *   bucket, excluded (bool), control_cost, order_value, product_family,
 *   unit, fallback (bool), latency_ns,
 *   plan: [status, promise_date, totals.shipments, totals.units,
 *          totals.on_time_prob, totals.return_risk, totals.cost.total,
 *          .pick, .pack, .shipping, .returns, .split,
 *          .economic.carrying_relief, .economic.opportunity,
 *          the number of backorders,
 *          [[node, service, zone, miles, [sku, quantity, ...]], ...]],
 *   order: null | [channel, promotion, ship_to.zip, [sku, quantity, ...]]
 * each the value the record holds in that place. */
#define ORDO_RECORD_SUMMARY_VERSION 1
/* The summary's items before the plan's shipments, in pre-order (the
 * plan's array is one item, its elements follow): what a reader of the
 * record's top-level figures takes (ordo_cbor_summary_items, cbor.h). */
enum {
    ORDO_SUM_TIMESTAMP,
    ORDO_SUM_TIME,
    ORDO_SUM_ORDER_ID,
    ORDO_SUM_POLICY,
    ORDO_SUM_VERSION,
    ORDO_SUM_EXPERIMENT,
    ORDO_SUM_VARIANT,
    ORDO_SUM_BUCKET,
    ORDO_SUM_EXCLUDED,
    ORDO_SUM_CONTROL_COST,
    ORDO_SUM_ORDER_VALUE,
    ORDO_SUM_FAMILY,
    ORDO_SUM_UNIT,
    ORDO_SUM_FALLBACK,
    ORDO_SUM_LATENCY,
    ORDO_SUM_PLAN,
    ORDO_SUM_STATUS,
    ORDO_SUM_PROMISE,
    ORDO_SUM_SHIPMENTS,
    ORDO_SUM_UNITS,
    ORDO_SUM_ON_TIME,
    ORDO_SUM_RETURN_RISK,
    ORDO_SUM_TOTAL,
    ORDO_SUM_PICK,
    ORDO_SUM_PACK,
    ORDO_SUM_SHIPPING,
    ORDO_SUM_RETURNS,
    ORDO_SUM_SPLIT,
    ORDO_SUM_CARRYING,
    ORDO_SUM_OPPORTUNITY,
    ORDO_SUM_BACKORDERS,
    ORDO_SUM_TOP
};
enum {
    ORDO_RECORD_SUMMARY_CHECK_LO,
    ORDO_RECORD_SUMMARY_CHECK_HI,
    ORDO_RECORD_SUMMARY_FLAGS,
    ORDO_RECORD_SUMMARY_END,
    ORDO_RECORD_SUMMARY_REFS,
    ORDO_RECORD_SUMMARY_SLOTS
};
/* flags: the text "experiment" occurs in a record without an experiment
 * (a reader that needs the byte scan's view walks the record). */
#define ORDO_RECORD_SUMMARY_EXP_TEXT 1u

/* Where a record's summary is, when it is there as the writer lays it out
 * and its check holds: items (the byte offset of `time`), end (past the
 * summary's last byte), refs (strings numbered by its end), flags. */
typedef struct ordo_record_summary_at {
    uint32_t items, end, refs, flags;
} ordo_record_summary_at_t;
/* ORDO_OK, or ORDO_EUNSUPPORTED: no summary (records before version 3, JSON
 * text, another layout, a check that fails): walk the record. */
int ordo_record_summary_find(const void *p, size_t n, ordo_record_summary_at_t *at);

/* ---- writing ---- */

/* What the decision path knows beside the plan. Every pointer may be NULL. */
typedef struct ordo_decision_meta {
    const char *experiment;
    const char *variant;
    const char *unit;          /* the randomization unit's key as assignment hashed
                                * it: order id, customer id, or "cluster:window" */
    const char *cluster;       /* switchback: the cluster (state or region) */
    int64_t window;            /* switchback: the window index (with cluster) */
    const char *model_version; /* NULL: ORDO_SOURCE_MODEL_VERSION */
    const char *customer_key;  /* the customer's pseudonym, written instead of
                                * the order's customer id; NULL: the id as is */
    double bucket;             /* the unit's hash in [0, 1); < 0: none */
    bool excluded;             /* warm-up or switchback burn-in/out: not analysed */
    bool shadow;               /* a shadow evaluation that did not act */
    bool has_control_cost;     /* control_cost is set */
    double control_cost;       /* the plan cost under the experiment's control
                                * policy, known before assignment (CUPED) */
} ordo_decision_meta_t;

/* meta with no experiment (bucket "none"). */
void ordo_decision_meta_init(ordo_decision_meta_t *meta);

/* Writes the complete record of one plan (meta NULL: none) through w, text
 * or CBOR (ordo_jsonw_init_cbor). */
void ordo_record_write(const ordo_plan_t *plan, const ordo_network_t *net,
                       const ordo_decision_meta_t *meta, ordo_jsonw_t *w);

/* Key table v1 of the record's CBOR form: the names, id = index
 * (append-only, src/record/keys.c). It is registered with core's key table
 * mechanism (cbor.h) when this module is loaded; calling this also makes
 * sure. */
const char *const *ordo_record_cbor_keys(size_t *n);

/* ---- reading ----
 * Absent numbers read as NaN, absent strings as NULL. Strings live in the
 * arena given to ordo_record_read. */

typedef struct ordo_record_line {
    double line;     /* index into the order's lines (plan lines, backorders) */
    const char *sku;
    double quantity;
} ordo_record_line_t;

typedef struct ordo_record_shipment {
    const char *node, *node_type, *service; /* service "pickup" for pickups */
    double zone, miles, units, on_time_prob, return_risk;
    ordo_cost_t cost;                       /* NaN components when absent */
    const char *eta_p50, *eta_p90;          /* dates */
    uint32_t n_lines;
    ordo_record_line_t *lines;
} ordo_record_shipment_t;

typedef struct ordo_record_backorder {
    double line;
    const char *sku;
    double quantity;
    const char *reason;
    const char *action;       /* partial plans: "backordered", "cancelled"; NULL */
    const char *promise_date; /* backordered with a promise from replenishment; NULL */
} ordo_record_backorder_t;

typedef struct ordo_record_atp {
    const char *node, *sku;
    double atp;
} ordo_record_atp_t;

typedef struct ordo_record_plan {
    bool present;      /* the record has a plan object */
    const char *status, *search;
    const char *promise_date;
    double score;
    bool has_shipments; /* plan.shipments is an array */
    uint32_t n_shipments;
    ordo_record_shipment_t *shipments;
    bool has_cost;      /* plan.totals.cost is an object */
    ordo_cost_t cost;   /* totals */
    double shipments_total, units, on_time_prob, return_risk; /* totals */
    uint32_t n_backorders;
    ordo_record_backorder_t *backorders;
    int32_t n_candidates; /* explain: candidates; -1 when not explained */
    const char *partial;  /* plan.partial.handling; NULL when no partial handling ran */
    double cancel_prob;   /* totals.risk.cancel_prob: when the policy priced cancellation */
} ordo_record_plan_t;

typedef struct ordo_record_order {
    bool present;
    const char *id, *customer_id, *zip, *channel, *service_level;
    const char *promotion; /* NULL when the order has none */
    uint32_t n_lines;
    ordo_record_line_t *lines; /* line is NaN */
    const char *json; /* the order object as compact JSON text, for
                       * ordo_order_parse; only with ORDO_RECORD_READ_ORDER */
} ordo_record_order_t;

typedef struct ordo_record {
    double record_version;
    const char *timestamp;
    bool has_time;      /* timestamp parsed */
    int64_t time;       /* Unix seconds */
    const char *order_id;
    const char *policy_name, *policy_version, *model_version;
    uint64_t signals_version; /* the signal snapshot decided with; 0: none */
    const char *eta_model;    /* the learned lane table decided with; NULL: none */
    const char *risk_model;   /* the learned risk models decided with; NULL: none */
    const char *netval_model; /* the network-value table decided with; NULL: none */
    const char *experiment, *variant;
    double bucket;
    bool excluded, shadow;
    double control_cost;
    double order_value;
    const char *product_family, *region;
    const char *unit, *cluster;
    int64_t window;     /* -1 when absent */
    int8_t fallback;    /* -1 absent, 0 false, 1 true */
    double latency_ns;
    ordo_record_order_t order;
    uint32_t n_atp;
    ordo_record_atp_t *atp;
    ordo_record_plan_t plan;
} ordo_record_t;

enum {
    ORDO_RECORD_READ_ORDER = 1u << 0, /* fill order.json (replay) */
};

/* One record (a log payload: JSON text, or CBOR as the writer makes it)
 * → *out, its memory from arena. ORDO_EPARSE when the bytes are not a
 * record object; ORDO_ENOMEM. Missing fields are not errors: the caller
 * decides what it needs. */
int ordo_record_read(const void *data, size_t len, unsigned flags, ordo_arena_t *arena,
                     ordo_record_t *out, ordo_error_t *err);

/* The same, from a CBOR record already decoded (ordo_cbor_to_tree), for a
 * reader that also looks at the tree itself. */
struct ordo_cbor_node;
int ordo_record_read_tree(const struct ordo_cbor_node *root, unsigned flags, ordo_arena_t *arena,
                          ordo_record_t *out, ordo_error_t *err);

/* "node/service/sku*qty;..." over a plan's shipment lines, sorted, so two
 * plans that ship the same units the same way compare equal. NULL: no
 * memory. */
char *ordo_record_plan_signature(const ordo_record_plan_t *plan, ordo_arena_t *arena);

#endif
