/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — sourcing policies and the condition language.
 *
 * A policy is a JSON document (docs/policies.md): a name, global
 * constraints, strategies tried in order (each with an optional `when`
 * condition) and fallback strategies. Its version is a hash of its canonical
 * form, so two documents that differ only in key order or whitespace have the
 * same version, and every decision names the version that made it.
 *
 * The condition language (paths into an order context, operators, scopes) is
 * independent of policies and is the language of experiment targeting too:
 *   ordo_cond_parse_json() → ordo_cond_eval(cond, ctx) → ordo_cond_destroy().
 * A condition is compiled once, when it is parsed; ordo_cond_eval is the one
 * evaluator of that compiled form, for policies and experiments alike.
 *
 * Parsed policies and conditions are immutable and may be shared by any
 * number of threads. The module (src/policy, core its only dependency) does
 * no I/O apart from ordo_policy_load, which reads a policy file. */
#ifndef ORDO_POLICY_H
#define ORDO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"
#include "network.h"
#include "geo.h"
#include "order.h"

/* ---- order context: what a condition can look at ---- */

#define ORDO_CTX_MAX_FAMILIES 16
#define ORDO_CTX_MAX_SKUS 16

typedef struct ordo_order_ctx {
    const char *region;        /* ordo_geo_region_name() of the state; NULL when unknown */
    const char *state;         /* "CA"; NULL when unknown */
    int zip3;                  /* 0..999, -1 when unknown */
    const char *channel;       /* NULL when unknown */
    const char *promotion;     /* order's promotion type; "" when none */
    const char *service_level; /* ordo_service_level_name(): "standard", "express", ... */
    const char *cohort;        /* "" when none */
    const char *customer_id;
    double value;          /* order value, USD */
    double lifetime_value; /* USD */
    double weight_lb;      /* total actual weight */
    uint32_t n_lines;
    uint32_t units;
    bool residential;
    bool rural;          /* ordo_geo_zip3_rural() of the ship-to ZIP3 */
    uint32_t n_families; /* distinct product families of the lines */
    const char *families[ORDO_CTX_MAX_FAMILIES];
    uint32_t n_skus; /* distinct SKU ids (first ORDO_CTX_MAX_SKUS) */
    const char *skus[ORDO_CTX_MAX_SKUS];
    const char *unit; /* experiment unit id; NULL when none */
} ordo_order_ctx_t;

/* Fills ctx from an order. Strings point into order and net (which must
 * outlive ctx). Fields the caller wants to override can be set afterwards. */
void ordo_order_ctx_init(ordo_order_ctx_t *ctx, const ordo_order_t *order,
                         const ordo_network_t *net);

/* ---- conditions ---- */

typedef struct ordo_cond ordo_cond_t;

/* Parses a condition (JSON text, docs/policies.md#conditions):
 *   {"path": "order.region", "op": "eq", "value": "west"}
 *   {"all"|"any"|"none": [cond, ...]}
 * into its compiled form. field names where the condition sits (e.g.
 * "targeting"; NULL: "when"), for errors. order.region values are
 * ordo_geo_region_name() spellings ("territories" is read as "territory").
 * *out holds one reference. */
int ordo_cond_parse_json(const char *json, size_t len, const char *field, ordo_cond_t **out,
                         ordo_error_t *err);
/* Shares an immutable condition: one more reference, the same pointer
 * (NULL stays NULL). Each reference is dropped by one ordo_cond_destroy();
 * the last one frees. Thread-safe. */
ordo_cond_t *ordo_cond_ref(const ordo_cond_t *cond);
/* Drops one reference (NULL: nothing). */
void ordo_cond_destroy(ordo_cond_t *cond);
/* NULL cond is "always true". No allocation; thread-safe. */
bool ordo_cond_eval(const ordo_cond_t *cond, const ordo_order_ctx_t *ctx);
/* Canonical JSON (fixed key order, values normalized). */
void ordo_cond_write_json(const ordo_cond_t *cond, ordo_jsonw_t *w);
/* The paths a condition may use, NULL-terminated (for docs and errors). */
const char *const *ordo_cond_paths(void);

/* ---- policies ---- */

typedef enum ordo_strategy_kind {
    ORDO_STRATEGY_WEIGHTED = 0,
    ORDO_STRATEGY_CRITERIA = 1
} ordo_strategy_kind_t;

/* Weighted: score = −cost·cash_cost − economic·economic_cost
 *                   + on_time·on_time_prob
 *                   − return_risk·return_risk − load·load_penalty
 *                   − split·(shipments − 1) + overstock·relief_share
 * (docs/policies.md). All weights finite and in [0, 1e6]. economic weighs
 * carrying relief + opportunity cost (default 1: with cost 1, the landed
 * cost). */
typedef struct ordo_weights {
    double cost;
    double economic;
    double on_time;
    double return_risk;
    double load;
    double split;
    double overstock;
} ordo_weights_t;

typedef enum ordo_criterion_kind {
    ORDO_CRIT_DISTANCE = 0,
    ORDO_CRIT_ZONE,
    ORDO_CRIT_COST,
    ORDO_CRIT_ON_TIME,
    ORDO_CRIT_ETA,
    ORDO_CRIT_NODE_TYPE,
    ORDO_CRIT_PRIORITY,
    ORDO_CRIT_DAYS_OF_SUPPLY,
    ORDO_CRIT_LOAD,
    ORDO_CRIT_RETURN_RISK,
    ORDO_CRIT_FEWEST_SHIPMENTS,
    ORDO_CRIT_COUNT
} ordo_criterion_kind_t;

#define ORDO_MAX_CRITERIA 7

typedef struct ordo_criterion {
    ordo_criterion_kind_t kind;
    bool has_min, has_max;
    double min, max;                              /* exclusion bounds on the natural value */
    double resolution;                            /* per-shipment score quantum, 0 = exact */
    double scale;                                 /* cost / days_of_supply scale */
    ordo_node_type_t type_order[ORDO_NODE_TYPES]; /* node_type criterion */
    uint32_t n_types;
} ordo_criterion_t;

#define ORDO_MAX_GUARDRAILS 8

typedef struct ordo_guardrail {
    ordo_cond_t *when; /* owned; NULL = always */
    int max_zone;      /* 0 = no limit */
    double max_miles;  /* 0 = no limit */
} ordo_guardrail_t;

typedef struct ordo_constraints {
    uint32_t max_shipments; /* ≥ 1 */
    bool allow_line_split;
    unsigned node_types;  /* bit t: type allowed; default all */
    uint64_t groups_any;  /* allowed groups (0 = any node) */
    uint64_t groups_none; /* excluded groups */
    /* group names as written (resolved against a network at decision time) */
    uint32_t n_allow_groups, n_exclude_groups;
    char allow_groups[8][ORDO_ID_MAX];
    char exclude_groups[8][ORDO_ID_MAX];
    double min_on_time; /* per shipment, 0..1 */
    bool respect_capacity;
    bool respect_safety_stock;
    uint32_t n_guardrails;
    ordo_guardrail_t guardrails[ORDO_MAX_GUARDRAILS];
} ordo_constraints_t;

typedef struct ordo_strategy {
    char name[ORDO_NAME_MAX];
    ordo_cond_t *when; /* owned; NULL = always */
    ordo_strategy_kind_t kind;
    ordo_weights_t weights; /* weighted */
    uint32_t n_criteria;    /* criteria */
    ordo_criterion_t criteria[ORDO_MAX_CRITERIA];
    /* cheapest service with P(on time) ≥ this, for every delivery level,
     * instead of the policy's service targets; when has_service_target */
    double service_target;
    bool has_service_target;
    bool has_constraints;  /* strategy overrides the policy's constraints */
    ordo_constraints_t constraints;
} ordo_strategy_t;

#define ORDO_MAX_STRATEGIES 16

/* What a policy does with an order it cannot ship in full
 * (docs/policies.md, "Partial orders"): constraints.partial, policy level. */
typedef enum ordo_partial_mode {
    ORDO_PARTIAL_NONE = 0,           /* unfulfillable, as without the setting */
    ORDO_PARTIAL_SHIP_AVAILABLE = 1, /* ship what can ship, backorder the rest */
    ORDO_PARTIAL_CANCEL_SHORT = 2    /* ship what can ship, cancel the rest */
} ordo_partial_mode_t;

/* Pickup orders their store cannot fill, in the policy's order of preference. */
typedef enum ordo_pickup_option {
    ORDO_PICKUP_TRANSFER = 0,   /* another node ships the short lines to the store */
    ORDO_PICKUP_OTHER_STORE = 1 /* the nearest other pickup store with everything */
} ordo_pickup_option_t;

typedef struct ordo_partial {
    ordo_partial_mode_t mode;
    uint32_t n_pickup;
    ordo_pickup_option_t pickup[2];
} ordo_partial_t;

const char *ordo_partial_mode_name(ordo_partial_mode_t m);
const char *ordo_pickup_option_name(ordo_pickup_option_t o);
#define ORDO_POLICY_VERSION_LEN 17 /* 16 hex digits + NUL */

/* Service levels are promises (docs/policies.md, "Service levels"): each
 * shipment ships with the cheapest service whose P(on time) reaches the
 * order level's target, else the most punctual; a standard order keeps to
 * ground services unless upgrade_standard; a shipment of an express,
 * two-day or overnight order whose service cannot reach the level's floor is
 * excluded. */
typedef struct ordo_service_policy {
    double target[ORDO_LEVELS]; /* indexed by ordo_service_level_t; pickup unused */
    double floor[ORDO_LEVELS];  /* per-shipment minimum P(on time); pickup unused */
    bool upgrade_standard;      /* a standard order may buy a faster service ... */
    double upgrade_max_cost;    /* ... costing at most this much more per shipment, USD */
    bool supplier_lead_time;    /* a drop-ship supplier's promise adds its processing days */
} ordo_service_policy_t;

/* The defaults: targets 0.8 standard, 0.9 express, two-day and overnight;
 * floors 0.5 for express, two-day and overnight; no upgrade; suppliers held
 * to the order's promise. */
void ordo_service_policy_default(ordo_service_policy_t *sp);

/* Risk terms (docs/policies.md, "Risk: stale stock, customer value,
 * cancellation, carrier caps"): the policy's "risk" object and its
 * "carrier_caps" list. All off unless the policy names them. */
#define ORDO_MAX_CARRIER_CAPS 8
#define ORDO_MAX_VALUE_COHORTS 8
#define ORDO_CAP_WINDOW_MAX_HOURS 168

typedef struct ordo_carrier_cap {
    char carrier[ORDO_ID_MAX]; /* a carrier of the network's services */
    double max_share;          /* 0..1 of the shipments in the window */
    uint32_t window_hours;     /* 1..ORDO_CAP_WINDOW_MAX_HOURS */
    uint32_t min_shipments;    /* the cap binds once the window holds this many */
} ordo_carrier_cap_t;

typedef struct ordo_risk_policy {
    /* stale stock: P(the line's units are there) from the count's age */
    bool stale_stock;
    double half_life_hours[ORDO_NODE_TYPES]; /* by node type; 0: never stale */
    double short_pick_cost;                  /* USD per line short-picked */
    double unknown_age_hours;                /* the age of a count without as_of */
    /* customer value: weighs the on-time term and cancellation cost */
    bool customer_value;
    uint32_t n_cohorts;
    char cohort[ORDO_MAX_VALUE_COHORTS][ORDO_ID_MAX];
    double cohort_weight[ORDO_MAX_VALUE_COHORTS];
    double ltv_reference; /* 0: lifetime value not used */
    double ltv_max_weight;
    /* cancellation: P = min(max, base + per_day_late × E[business days late]) */
    bool cancellation;
    double cancel_base, cancel_per_day_late, cancel_max;
    double cancel_cost_per_shipment; /* USD */
    double cancel_value_share;       /* of the shipment's merchandise value */
    /* carrier caps */
    uint32_t n_caps;
    ordo_carrier_cap_t caps[ORDO_MAX_CARRIER_CAPS];
    /* "risk": "parametric" (or "model": "parametric" in the object): the
     * parametric terms above even when the engine has learned risk models
     * (ordo_engine_set_risk); "learned" (the default) uses them */
    bool parametric;
} ordo_risk_policy_t;

/* The defaults of each object when it is given (docs/policies.md). */
void ordo_risk_policy_default(ordo_risk_policy_t *r);
/* The policy's "labour" object (docs/policies.md "Labour"): a node's
 * utilisation u = backlog / capacity (signals, signals.h). Above threshold
 * the node's shipments carry a load penalty of penalty × ((u − threshold) /
 * (exclude_at − threshold))², rising smoothly from 0; at u ≥ exclude_at the
 * node is excluded. Defaults 0.8, 0.98, 1. */
typedef struct ordo_labour_policy {
    double threshold, exclude_at, penalty;
} ordo_labour_policy_t;
void ordo_labour_policy_default(ordo_labour_policy_t *lp);

typedef struct ordo_policy {
    char name[ORDO_NAME_MAX];
    char description[256];
    char version[ORDO_POLICY_VERSION_LEN];
    ordo_constraints_t constraints;
    uint32_t n_strategies;
    ordo_strategy_t strategies[ORDO_MAX_STRATEGIES];
    uint32_t n_fallbacks;
    ordo_strategy_t fallbacks[ORDO_MAX_STRATEGIES];
    bool fallback_nearest; /* last resort: nearest node with full stock */
    ordo_partial_t partial; /* constraints.partial; all zero: none */
    ordo_service_policy_t service;
    ordo_risk_policy_t risk; /* "risk" and "carrier_caps" */
    ordo_labour_policy_t labour; /* "labour": saturation from signals */
    /* "eta": "published" times shipments with the carriers' published
     * histograms even when the engine has learned lanes (ordo_engine_set_lanes);
     * "learned" (the default) uses them where it has them */
    bool eta_published;
    /* "network_value": true adds the engine's network-value table
     * (ordo_engine_set_netval) to each line's opportunity cost */
    bool network_value;
} ordo_policy_t;

/* Parses and validates a policy document. Unknown fields, NaN or
 * out-of-range weights and bad conditions are ORDO_EINVAL errors naming the
 * field ("strategies[0].weights.cost"). *out is malloc'd: free with
 * ordo_policy_destroy(). name (may be NULL) is the file name for errors. */
int ordo_policy_parse(const char *json, size_t len, const char *name, ordo_policy_t **out,
                      ordo_error_t *err);
void ordo_policy_destroy(ordo_policy_t *policy);
/* Canonical JSON: every field, fixed order, defaults made explicit (except
 * the weight `economic`, written only when it is not its default 1, so the
 * policies written before it keep their versions). The version is the
 * FNV-1a 64-bit hash of the compact canonical form. */
void ordo_policy_write_json(const ordo_policy_t *policy, ordo_jsonw_t *w);

/* Built-in policies: "default" (weighted), "proximity-first",
 * "cost-optimized", "inventory-priority", "store-fulfillment", "drop-ship".
 * The JSON text is static; NULL when unknown. */
const char *ordo_policy_builtin_json(const char *name);
const char *const *ordo_policy_builtin_names(void); /* NULL-terminated */
/* Parses a built-in (ORDO_ENOTFOUND when unknown). */
int ordo_policy_builtin(const char *name, ordo_policy_t **out, ordo_error_t *err);
/* A policy FILE when that path exists, else a built-in NAME (ORDO_ENOENT
 * when neither). */
int ordo_policy_load(const char *file_or_name, ordo_policy_t **out, ordo_error_t *err);

const char *ordo_criterion_name(ordo_criterion_kind_t k);

#endif
