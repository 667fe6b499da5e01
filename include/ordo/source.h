/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the sourcing engine: landed cost, on-time confidence, strategies,
 * split allocation, fallback and explanations.
 *
 * An engine wraps a loaded network (not owned, must outlive the engine) with
 * what the decision path needs precomputed (transit CDFs, minimum rates per
 * node and zone, demand estimates for days of supply) and with runtime state
 * (units committed per node today), kept in atomics. ordo_source_decide() is
 * thread-safe: any number of threads may decide over one engine at once,
 * each with its own arena. Plans live in the caller's arena; the decision
 * path allocates nothing else, so a reset arena reused across decisions
 * means no malloc per decision. docs/internals/SOURCING.md has the models. */
#ifndef ORDO_SOURCE_H
#define ORDO_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "inventory.h"
#include "json.h"
#include "lanes.h"
#include "network.h"
#include "order.h"
#include "policy.h"
#include "signals.h"

#define ORDO_SOURCE_MODEL_VERSION "ordo-cost-1"
/* Orders with at most this many lines (after any line split) get the exact
 * search; larger ones the bounded beam search. */
#define ORDO_SOURCE_EXACT_MAX_LINES 6

/* Cost-model parameters (USD unless noted). ordo_source_params_default()
 * gives the documented defaults. */
typedef struct ordo_source_params {
    double return_processing;      /* per returned unit */
    double lost_margin_rate;       /* share of price lost per returned unit */
    double carrying_rate;          /* annual carrying cost, share of unit cost */
    double target_days_of_supply;  /* below it, depleting a node costs */
    double stockout_margin_rate;   /* cost per unit of target cover taken, share of unit cost */
    double network_days_of_supply; /* no demand given: on hand / this = daily demand */
    double lateness_return_factor; /* return risk × (1 + f × expected days late) */
    double split_cost;             /* per shipment beyond the first */
    int promise_days[ORDO_LEVELS]; /* default promise by service level, business days */
    int peak; /* −1: the services' peak windows on the order date, 0 no, 1 the first window */
    int beam_width;                /* beam search states kept */
    int beam_nodes;                /* candidate nodes per line in beam search */
} ordo_source_params_t;

void ordo_source_params_default(ordo_source_params_t *p);

typedef struct ordo_engine ordo_engine_t;

/* net must stay alive and unchanged (apart from inventory) while the engine
 * lives. params NULL = defaults. */
int ordo_engine_create(const ordo_network_t *net, const ordo_source_params_t *params,
                       ordo_engine_t **out, ordo_error_t *err);
void ordo_engine_destroy(ordo_engine_t *eng);
const ordo_network_t *ordo_engine_network(const ordo_engine_t *eng);
/* Units committed at a node today (initial current_load + reservations). */
uint32_t ordo_engine_node_load(const ordo_engine_t *eng, uint32_t node);
void ordo_engine_add_load(ordo_engine_t *eng, uint32_t node, int32_t units);
/* New day: loads back to zero. */
void ordo_engine_reset_loads(ordo_engine_t *eng);
/* The loads as of instant t (Unix seconds): a node's counter counts the
 * units committed on its local day (its time zone, as its cutoff), so each
 * node whose local day at t is later than the day its load counts starts
 * again from zero. The first call only notes the day: the network's
 * current_load is that day's. Cheap when no node's day has ended (one
 * comparison); instants earlier than the last roll count in the new day.
 * The decider calls it before each order with the order's instant. */
void ordo_engine_roll_loads(ordo_engine_t *eng, int64_t t);
/* Carrier volume over a rolling window (policy carrier_caps): shipments
 * reserved with each carrier, counted in hourly buckets of the order's
 * instant, the last ORDO_CAP_WINDOW_MAX_HOURS (168) hours kept. Lock-free;
 * no allocation. The shipments of `carrier` (NULL: every carrier) and of all
 * carriers in the window_hours (1..168) ending at `at` (Unix seconds);
 * ORDO_ENOTFOUND for a carrier no service of the network has. */
int ordo_engine_carrier_volume(const ordo_engine_t *eng, const char *carrier, int64_t at,
                               uint32_t window_hours, uint64_t *carrier_n, uint64_t *total_n);
/* Adds (or, negative, takes back) shipments of a carrier at an instant, as a
 * reservation does: for restoring the window's state and for tests. */
int ordo_engine_add_carrier_volume(ordo_engine_t *eng, const char *carrier, int64_t at,
                                   int32_t shipments);
/* Stale stock (policy risk.stale_stock): P(need units are really there) of
 * a count of atp units age_h hours old at a node type of half-life
 * half_life_h hours (0: never stale). The count is still right with
 * probability r = 2^(−age/half-life); a drifted count's units are uniform on
 * 0..atp, so the confidence is r + (1 − r)(atp − need + 1)/(atp + 1); 0 when
 * atp < need. */
double ordo_stock_confidence(double age_h, double half_life_h, double atp, double need);
/* Replaces the demand estimate (units/day) of every inventory cell, e.g.
 * from a forecast model; copies n = ordo_inventory_cell_count() values. */
int ordo_engine_set_cell_demand(ordo_engine_t *eng, const float *per_cell, size_t n,
                                ordo_error_t *err);
/* Days of supply of one inventory cell (ATP / daily demand). */
double ordo_engine_days_of_supply(const ordo_engine_t *eng, uint32_t cell);

/* Swaps the signal snapshot decisions read (signals.h), atomically: a
 * decision loads the pointer once and uses only that snapshot. The engine
 * takes ownership of snap (NULL: no signals); the snapshot it replaces is
 * kept until ordo_engine_destroy, since a decision running on another
 * thread may still read it. Never blocks a decision; calls to it may come
 * from any thread. */
void ordo_engine_set_signals(ordo_engine_t *eng, ordo_signals_t *snap);
/* The snapshot in force (never NULL: ordo_signals_empty() when none). */
const ordo_signals_t *ordo_engine_signals(const ordo_engine_t *eng);

/* Swaps the learned lane table decisions time shipments with (lanes.h;
 * a learned model fills it, model.h), atomically and without blocking a
 * decision, as ordo_engine_set_signals: the engine takes ownership, the
 * replaced table is kept until ordo_engine_destroy. NULL: the published
 * histograms again. A policy with "eta": "published" ignores it. */
void ordo_engine_set_lanes(ordo_engine_t *eng, ordo_lanes_t *lanes);
/* The table in force, NULL when none. */
const ordo_lanes_t *ordo_engine_lanes(const ordo_engine_t *eng);
/* Swaps the network-value table (netval.h) decisions read, as
 * ordo_engine_set_lanes: the engine takes ownership, the replaced table is
 * kept until ordo_engine_destroy; NULL: none. Only a policy with
 * "network_value": true reads it (each line's opportunity cost gains
 * qty x the value of its cell). */
struct ordo_netval;
void ordo_engine_set_netval(ordo_engine_t *eng, struct ordo_netval *table);
const struct ordo_netval *ordo_engine_netval(const ordo_engine_t *eng);
/* The cost of one unit of weight_lb on a node -> ZIP3 lane as the engine
 * tables it: pick, pack and the node's cheapest service at that billable
 * weight (1..150 lb, with fuel; no surcharges); INFINITY when unknown. */
double ordo_engine_unit_cost(const ordo_engine_t *eng, uint32_t node, uint16_t zip3,
                             double weight_lb);

/* Learned return and cancellation risk (a model fills it: model.h
 * ordo_risk_model_table; docs/internals/SOURCING.md "Learned risk"): the
 * logits of two logistic regressions, split into what one decision fixes
 * and what each shipment adds. Immutable once given to the engine. */
#define ORDO_RISK_TABLE_FAMILIES 256
typedef struct ordo_risk_table {
    char version[64]; /* "risk-v2:1a2b3c4d" */
    /* return: ret_level[service level] + ret_family[family] + r_value
     * log(1 + order value) + r_history (the customer's history at the
     * training means) + r_late (1 - P(on time)) + r_split split + r_miles
     * log(1 + miles); with the engine's customer history
     * (ordo_engine_customer_outcome) r_rate returns / (orders + 2) +
     * r_known (orders > 0) in place of r_history */
    double ret_level[8], ret_family[ORDO_RISK_TABLE_FAMILIES];
    double r_value, r_history, r_late, r_split, r_miles;
    double r_rate, r_known;
    /* cancellation: can_level[service level] + c_promise days to the promise
     * + c_rest (stock margin, backorders, time to ship at the training
     * means) + c_late (1 - P(on time)) */
    double can_level[8];
    double c_promise, c_rest, c_late;
    struct ordo_risk_table *retired_next; /* the engine's */
} ordo_risk_table_t;

/* Swaps the learned risk table, atomically, as ordo_engine_set_lanes: the
 * engine takes ownership (malloc'd; freed with free() at destroy); NULL:
 * the parametric terms again. A policy with "risk": "parametric" ignores
 * it. With a table, every shipment's returns are priced at its P(return)
 * from the table (family of its line of most value, split when it carries
 * some of the lines), and a policy that prices cancellation ("risk":
 * {"cancellation": ...}) takes P(cancel) from it. */
void ordo_engine_set_risk(ordo_engine_t *eng, ordo_risk_table_t *table);
const ordo_risk_table_t *ordo_engine_risk(const ordo_engine_t *eng);

/* The customers' return history the learned P(return) reads
 * (docs/internals/SOURCING.md "Learned risk"): adds a customer's delivered
 * orders and returns, as their outcome events are ingested (one count per
 * order, as the model's training counts them). Calls must not overlap each
 * other (one ingest thread); decisions may run meanwhile and read the
 * counts without a lock or an allocation. Until the first call the engine
 * has no history and a decision takes the model's training mean (r_history);
 * after it, an order's customer with no count is a new customer, an order
 * without a customer id keeps the mean. "" / NULL is ignored. ORDO_ENOMEM. */
int ordo_engine_customer_outcome(ordo_engine_t *eng, const char *customer_id, uint32_t delivered,
                                 uint32_t returned);
/* The same by the customer's key (ordo_engine_customer_key: a 64-bit hash
 * of the id, 0 for none), for a caller that keeps keys, not ids. */
uint64_t ordo_engine_customer_key(const char *customer_id);
int ordo_engine_customer_outcome_key(ordo_engine_t *eng, uint64_t key, uint32_t delivered,
                                     uint32_t returned);
/* A customer's counts; 0 (counts 0) when the engine has none for it. */
int ordo_engine_customer_history(const ordo_engine_t *eng, const char *customer_id,
                                 uint32_t *orders, uint32_t *returns);

/* ---- plans ---- */

typedef enum ordo_plan_status {
    ORDO_PLAN_OK = 0,
    ORDO_PLAN_FALLBACK = 1,
    ORDO_PLAN_UNFULFILLABLE = 2,
    ORDO_PLAN_PARTIAL = 3 /* some units ship, the rest are backordered or cancelled */
} ordo_plan_status_t;

/* The cash cost of fulfilment (total) and, apart, the economic terms
 * (economic): carrying relief and opportunity cost, priced at unit cost, are
 * not cash the order spends. */
typedef struct ordo_cost {
    double pick;
    double pack;
    double shipping; /* base + fuel + residential + peak */
    double shipping_base;
    double fuel;
    double residential;
    double peak;
    double returns;         /* expected return cost */
    double split;           /* plan level only */
    double total;           /* cash: pick + pack + shipping + returns (+ split) */
    double carrying_relief; /* economic, ≤ 0: holding cost avoided */
    double opportunity;     /* economic, ≥ 0: depleting a node short on supply */
    double economic;        /* carrying_relief + opportunity */
} ordo_cost_t;

/* Every component of ordo_cost_t, in the order plans and decision records
 * write them: X(field, plan_level_only, economic). The cash components are
 * the cost object's keys; the economic ones (economic = 1) its "economic"
 * object, where the field `economic` is written as "total". The plan writer
 * (plan_json.c), the record reader (src/record) and the plan totals
 * (allocate.c) expand it, so a new cost component is a field above, a line
 * here and the cost code that sets it (docs/internals/RECORD.md). */
#define ORDO_COST_COMPONENTS(X)                                                                    \
    X(pick, 0, 0) X(pack, 0, 0) X(shipping, 0, 0) X(shipping_base, 0, 0) X(fuel, 0, 0)             \
    X(residential, 0, 0) X(peak, 0, 0) X(returns, 0, 0) X(split, 1, 0) X(total, 0, 0)              \
    X(carrying_relief, 0, 1) X(opportunity, 0, 1) X(economic, 0, 1)

/* The risk terms of a shipment or plan (docs/internals/SOURCING.md, "Risk
 * terms"): filled when the policy prices any of them (set), written as the
 * plan's "risk" objects. Expected costs, USD: not cash (cost.total), they
 * enter the score beside it. A plan's: confidence and P(on time)-like terms
 * as products / units-weighted means, costs summed. */
typedef struct ordo_risk {
    bool set;
    double stock_confidence; /* P(every line's units are really there) */
    double short_pick;       /* (1 − confidence per line) × short_pick_cost */
    double cancel_prob;      /* P(the customer cancels), from lateness */
    double cancellation;     /* cancel_prob × cost of a cancellation × value_weight */
    double value_weight;     /* the customer's weight (cohort or lifetime value) */
    double total;            /* short_pick + cancellation */
} ordo_risk_t;

typedef struct ordo_plan_line {
    uint32_t line; /* index into order->lines */
    uint32_t sku;
    uint32_t quantity;
    uint32_t cell; /* inventory cell */
} ordo_plan_line_t;

#define ORDO_SERVICE_PICKUP (-1)

typedef struct ordo_shipment {
    uint32_t node;
    int32_t service; /* index into net->services; ORDO_SERVICE_PICKUP */
    uint32_t n_lines;
    ordo_plan_line_t *lines;
    uint32_t units;
    double weight_lb, billable_lb;
    int zone; /* 0 for pickup */
    double miles;
    ordo_cost_t cost;
    double on_time_prob;
    double return_risk; /* expected returned units / units */
    double load_penalty;
    double days_of_supply;          /* units-weighted, after shipping */
    int eta_p50_days, eta_p90_days; /* business days after the order date */
    int64_t eta_p50, eta_p90;       /* Unix seconds (noon UTC of that day) */
    bool transfer; /* ships to the order's pickup store, not to the customer */
    ordo_risk_t risk;
} ordo_shipment_t;

typedef struct ordo_backorder {
    uint32_t line;
    uint32_t quantity;
    const char *reason; /* static: "out_of_stock", "excluded", ... */
    const char *detail; /* arena; may be NULL */
    /* partial orders (policy constraints.partial): "backordered" or
     * "cancelled"; NULL when the policy has no partial handling */
    const char *action;
    int64_t promise;          /* backordered: from replenishment, Unix s; 0: none known */
    const char *promise_note; /* arena: how the promise was found; may be NULL */
} ordo_backorder_t;

/* What a partial decision did with one order line (plan->line_actions). */
typedef struct ordo_line_action {
    uint32_t line;
    const char *action; /* "shipped", "backordered", "cancelled", "transferred", "other_store" */
    uint32_t shipped;   /* units this plan ships, transfers or has picked up elsewhere */
    uint32_t short_qty; /* units backordered or cancelled */
    const char *reason; /* why short_qty does not ship (a backorder reason); NULL */
    int64_t promise;    /* backordered: promise; transferred, other_store: ready
                         * for pickup; Unix s, 0 when none is known */
    const char *note;   /* arena: where the promise comes from; NULL */
} ordo_line_action_t;

/* ATP seen at a candidate node, for the decision record. */
typedef struct ordo_atp_seen {
    uint32_t node;
    uint32_t sku;
    int32_t atp;
} ordo_atp_seen_t;

/* One shipment candidate considered (explain mode). */
typedef struct ordo_candidate {
    uint32_t lines_mask; /* bit i: search line i (see plan->search_lines) */
    uint32_t node;
    int32_t service;
    bool feasible;
    const char *excluded_by; /* rule name, NULL when feasible */
    const char *detail;      /* arena, may be NULL */
    double landed_cost, on_time_prob, return_risk, load_penalty;
    int zone;
    double miles;
    double score;                            /* primary score component */
    double score_vec[ORDO_MAX_CRITERIA + 1]; /* criteria strategies: one per criterion */
    bool chosen;
    /* outscored: the first score component where the best plan using this
     * candidate (an upper bound) falls below the chosen plan, and by how much */
    const char *lost_on; /* "score" (weighted) or a criterion name */
    double gap;
} ordo_candidate_t;

/* An alternative plan (explain mode): the best plan of one line grouping. */
typedef struct ordo_alt_plan {
    uint32_t n_shipments;
    uint32_t masks[ORDO_ORDER_MAX_LINES < 8 ? ORDO_ORDER_MAX_LINES : 8];
    uint32_t nodes[8];
    double score;
    double score_vec[ORDO_MAX_CRITERIA + 1];
    bool chosen;
    const char *lost_on; /* as in ordo_candidate_t */
    double gap;
} ordo_alt_plan_t;

/* A signal that touched a decision, and what it did (plan->signals). */
typedef struct ordo_signal_use {
    const ordo_signal_t *signal; /* in the snapshot (lives as long as the engine) */
    const char *effect;          /* static: "rate", "outage", "closed", ... */
} ordo_signal_use_t;
#define ORDO_PLAN_MAX_SIGNALS 16

typedef struct ordo_plan {
    ordo_plan_status_t status;
    const ordo_order_t *order; /* not owned */
    const char *policy_name;   /* points into the policy */
    const char *policy_version;
    const char *strategy;        /* strategy that decided; "nearest" for fallback */
    const char *search;          /* "exact", "beam", "pickup", "fallback", "given" */
    const char *fallback_reason; /* why the fallback ran; NULL */
    uint32_t n_shipments;
    ordo_shipment_t *shipments;
    ordo_cost_t cost; /* totals, including split cost */
    uint32_t units;
    double on_time_prob;     /* units-weighted mean */
    double all_on_time_prob; /* P(every shipment on time) */
    double return_risk;      /* units-weighted */
    double score;            /* primary score component */
    uint32_t score_dim;
    double score_vec[ORDO_MAX_CRITERIA + 1];
    int promise_days;
    int64_t promise; /* Unix seconds */
    uint32_t n_backorders;
    ordo_backorder_t *backorders;
    /* partial orders: NULL, or what ran ("ship_available", "cancel_short",
     * "transfer", "other_store"), why, and one action per order line */
    const char *partial;
    const char *partial_reason;
    uint32_t n_line_actions;
    ordo_line_action_t *line_actions;
    bool reserved; /* stock was reserved for this plan */
    uint64_t latency_ns;
    int64_t decided_at; /* Unix seconds */
    int64_t as_of;      /* the instant the order was decided as of: its created
                         * time, else ordo_decide_opts_t.now, else the clock */
    uint32_t evaluated; /* shipment candidates evaluated exactly */
    /* search lines: order lines, or pieces of them when a line was split */
    uint32_t n_search_lines;
    ordo_plan_line_t *search_lines; /* cell unused (0) */
    uint32_t n_atp;
    ordo_atp_seen_t *atp;
    /* explain */
    bool explained;
    uint32_t n_candidates;
    ordo_candidate_t *candidates;
    uint32_t n_alternatives;
    ordo_alt_plan_t *alternatives;
    ordo_risk_t risk; /* the shipments' risk terms, when the policy prices them */
    /* signals: the version of the snapshot the decision read (0: none) and
     * the signals in force that touched it (at most ORDO_PLAN_MAX_SIGNALS) */
    uint64_t signals_version;
    uint32_t n_signals;
    ordo_signal_use_t *signals;
    /* the learned lane table the decision was timed with ("eta-v3:1f2e3d4c",
     * lanes.h), NULL: the published histograms; owned by the engine */
    const char *eta_model;
    /* the learned risk table the decision was priced with ("risk-v2:1a2b3c4d",
     * ordo_engine_set_risk), NULL: the parametric terms; owned by the engine */
    const char *risk_model;
    /* the network-value table the decision was priced with ("netval-v2:1a2b3c4d",
     * ordo_engine_set_netval), NULL: none or a policy without network_value */
    const char *netval_model;
} ordo_plan_t;

typedef struct ordo_decide_opts {
    bool explain;         /* collect every candidate and alternative plan */
    bool reserve;         /* reserve stock and add node load atomically */
    bool force_beam;      /* use the beam search even for small orders */
    bool force_fallback;  /* behave as if the policy could not run */
    uint64_t deadline_ns; /* ordo_now_ns() deadline; 0 none → fallback when passed */
    int64_t now;          /* Unix seconds an order without `created` is decided
                           * as of; 0: the clock */
    /* the signal snapshot to decide with instead of the engine's (replay:
     * the logged version); NULL: the engine's */
    const ordo_signals_t *signals;
} ordo_decide_opts_t;

/* Decides one order. policy NULL runs the deterministic fallback. The plan
 * and everything it points to live in arena. An unfulfillable order is not an
 * error: ORDO_OK with status ORDO_PLAN_UNFULFILLABLE and backorders. Errors
 * are for bad arguments, an order that splits into more than 24 search lines
 * (ORDO_EUNSUPPORTED, "lines"), a failed reservation, or exhausted memory;
 * err names what failed. */
int ordo_source_decide(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                       const ordo_decide_opts_t *opts, ordo_arena_t *arena, ordo_plan_t **out,
                       ordo_error_t *err);

/* Releases a reserved plan's stock and node load (e.g. order cancelled). */
int ordo_source_release(ordo_engine_t *eng, const ordo_plan_t *plan);

/* ---- pricing a given plan ---- */

typedef struct ordo_plan_spec_shipment {
    uint32_t node;
    int32_t service; /* −1 (ORDO_SERVICE_PICKUP) or −2: best for the policy */
    uint32_t n_lines;
    ordo_plan_line_t *lines; /* line, quantity (sku/cell filled by pricing) */
} ordo_plan_spec_shipment_t;

typedef struct ordo_plan_spec {
    uint32_t n_shipments;
    ordo_plan_spec_shipment_t *shipments;
} ordo_plan_spec_t;

#define ORDO_SERVICE_BEST (-2)

/* Parses a plan (ordo_plan_write_json output or a hand-written
 * {"shipments":[{"node","service","lines":[{"line"|"sku","quantity"}]}]})
 * against an order. Memory from arena. */
int ordo_plan_spec_parse(const char *json, size_t len, const ordo_network_t *net,
                         const ordo_order_t *order, ordo_arena_t *arena, ordo_plan_spec_t *out,
                         ordo_error_t *err);
/* Prices a given plan with the same cost model and scores it with the
 * policy's first strategy (policy NULL: the built-in default weights).
 * Constraint violations are reported as backorders with reason
 * "violates:<rule>" but the plan is still priced. A plan the engine cannot
 * price fails naming its field: more than 8 shipments or 24 lines
 * (ORDO_EUNSUPPORTED, "shipments"), a node, service or order line out of
 * range (ORDO_EINVAL, e.g. "shipments[1].node"). */
int ordo_source_price(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                      const ordo_plan_spec_t *spec, ordo_arena_t *arena, ordo_plan_t **out,
                      ordo_error_t *err);

/* ---- output ---- */

const char *ordo_plan_status_name(ordo_plan_status_t s);
/* The plan as docs/examples/plan.json shows it (explain section included
 * when the plan was explained). */
void ordo_plan_write_json(const ordo_plan_t *plan, const ordo_network_t *net, ordo_jsonw_t *w);

/* The decision record that embeds this plan is record.h's. */

#endif
