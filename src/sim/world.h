/* SPDX-License-Identifier: Apache-2.0 */
/* The simulation's state, shared by the loop (sim.c) and the world (world.c). */
#ifndef ORDO_SIM_WORLD_H
#define ORDO_SIM_WORLD_H

#include "internal.h"
#include "ordo/decide.h"
#include "ordo/buf.h"
#include "ordo/store.h"

#define SIM_MAX_SHIPMENTS 32
#define SIM_ID_MAX 48 /* order ids the world keeps across orders */

/* The world's stock (stock_truth.c; SIM.md "True and recorded stock"):
 * store shelves shrink and miscount day by day, stores pick in waves, a
 * pick the shelf cannot cover is counted (a snapshot through the
 * inventory interface) and decided again, and nodes are replenished on
 * schedules. Scenario section "stock" (scenario_world.c). */
typedef struct sim_stock_cfg {
    double shrink_per_day;   /* store cells: P(a unit on the shelf is lost) a day */
    double miscount_per_day; /* store cells: P(the shelf is off by ±1 unit) a day */
    double phantom_per_day;  /* store cells: P(the shelf's units go missing) a day */
    int wave_hours;          /* stores' pick waves: reroutes decided every so many hours */
    /* replenishment: weekday bits (bit 0 Monday) per node type, and the
     * order-up-to level as a multiple of the cell's starting on hand */
    unsigned replenish_days[ORDO_NODE_TYPES];
    double replenish_up_to;
} sim_stock_cfg_t;

/* Demand (demand.c; SIM.md "The world: demand"). Scenario sections
 * "calendar" and "shoppers". */
#define SIM_COHORTS 4 /* new, occasional, loyal, vip */
#define SIM_MAX_PEAK_DAYS 64
typedef struct sim_demand_cfg {
    bool holidays;        /* the holiday calendar's factors */
    double thanksgiving, black_friday, cyber_weekend, cyber_monday;
    double december_start, december_peak, december_late, christmas, december_after;
    uint32_t n_days;      /* explicit days and their factors (override the calendar) */
    int64_t day[SIM_MAX_PEAK_DAYS];
    double day_factor[SIM_MAX_PEAK_DAYS];
    bool shape;           /* Zipf SKUs in families and basket sizes */
    bool from_stock;      /* a basket's families are its generated lines' (drawn by
                           * on-hand); false: drawn from the catalog, so demand does
                           * not depend on what the policies left in stock */
    double zipf_s, lines_mean, qty[4];
    bool customers;       /* returning customers in cohorts */
    double returning;     /* P(an order is a returning customer's) */
    double share[SIM_COHORTS], ltv[SIM_COHORTS], frequency[SIM_COHORTS];
} sim_demand_cfg_t;

typedef struct sim_customer {
    char id[12];
    int cohort;
    double ltv; /* USD */
} sim_customer_t;

/* One timeline entry: an NDJSON signal document and when it is applied. */
typedef struct sim_signal_doc {
    int64_t at; /* Unix seconds */
    char *text; /* malloc'd */
    size_t len;
} sim_signal_doc_t;

/* A short line waiting for the next pick wave. */
typedef struct sim_short {
    ordo_order_t order; /* a shallow copy: its strings live in the day's arena */
    int64_t promise;    /* the first plan's promise */
    uint32_t sku, qty, cell;
} sim_short_t;

/* An order's reservations waiting to be settled in the store. */
typedef struct sim_settle {
    char order[SIM_ID_MAX];
    bool ship; /* shipped (ORDO_STOCK_SHIP), else cancelled (ORDO_STOCK_RELEASE) */
} sim_settle_t;

typedef struct sim_world {
    sim_stock_cfg_t cfg;
    ordo_rng_t rng_stock, rng_reroute;
    int32_t *target;            /* per cell: on hand at the start (order-up-to base) */
    uint32_t *cell_sku;         /* per cell: its SKU */
    sim_settle_t *settle;
    size_t n_settle, cap_settle;
    sim_short_t *shorts;        /* waiting for the wave */
    size_t n_short, cap_short;
    int64_t wave_due;           /* Unix seconds of the next wave (when shorts wait) */
    ordo_arena_t *arena;        /* reroute decisions */
    bool in_wave;               /* a reroute's short lines are cancelled, not rerouted */
    ordo_buf_t doc;             /* inventory documents */
    sim_demand_cfg_t dem;
    ordo_rng_t rng_shop;
    uint32_t fam_begin[ORDO_MAX_FAMILIES], fam_end[ORDO_MAX_FAMILIES];
    uint32_t *fam_sku;          /* SKUs by family, most popular first */
    double *fam_cum;            /* cumulative Zipf weights, per family from 0 */
    sim_customer_t *cust;
    size_t n_cust, cap_cust;
    /* the timeline (timeline.c): signal documents applied at their times,
     * and the world's own snapshot of them (its truth) */
    struct cJSON *timeline_json; /* the scenario's "timeline", until open */
    sim_signal_doc_t *docs;
    size_t n_docs, next_doc;
    struct ordo_signals *truth;  /* every timeline signal, as the world lives it */
} sim_world_t;

typedef struct sim_ship {
    int64_t shipped, delivered; /* Unix seconds */
} sim_ship_t;

typedef struct sim {
    const ordo_sim_options_t *opt;
    sim_scenario_t sc;
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_decider_t *dec;
    ordo_store_t *store; /* outcome events go in through this handle */
    ordo_arena_t *arena; /* per order */
    ordo_arena_t *day_arena; /* the day's orders */
    ordo_order_t *orders;
    uint32_t cap_orders;
    ordo_rng_t rng[SIM_RNGS];
    int32_t *true_stock; /* per inventory cell: what is really on the shelf */
    uint32_t n_cells;
    uint32_t *labour;    /* node × day: units released to the dock */
    uint32_t horizon;    /* days in labour */
    int64_t day0;        /* the Unix day the run starts */
    ordo_outcome_event_t *ev;
    size_t n_ev, cap_ev;
    bool bulk; /* the store's outcome bulk load on (sim.c: bulk_begin) */
    uint64_t *ev_cust; /* per event in ev: its order's customer key for the
                        * engine's return history (delivered, returned), 0 */
    size_t cap_ev_cust;
    const ordo_outcome_event_t **due; /* the events being stored, by id */
    ordo_outcome_event_t *due_ev;     /* ... and their copies, in that order */
    size_t cap_due;
    ordo_sim_summary_t *sum;
    sim_world_t w;
    ordo_policy_t *default_policy; /* the scenario's default_policy, NULL: none */
    struct sim_netval *nv; /* the scenario's "network_value" (netval.c), NULL: none */
} sim_t;

/* Appends one outcome event (id "ORDER-SHIPMENT-TAG") to s->ev (world.c). */
int sim_event_push(sim_t *s, const char *order, uint32_t shipment, const char *tag,
                   ordo_outcome_type_t type, int64_t at, ordo_error_t *err);
/* The operational measures of a decided order (ops.c): t[i] the world's
 * timing of shipment i; cancelled_at > 0 when the customer cancelled. */
int sim_ops_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, const sim_ship_t *t,
                  int64_t promise, int64_t cancelled_at, ordo_error_t *err);

/* The world's return propensity of a customer (SIM.md "Returns"): a
 * multiplier exp(sigma z - sigma^2 / 2), z standard normal from a hash of
 * the id (no RNG stream drawn), so its mean over customers is 1; 1 for a
 * guest (NULL or "") or sigma 0. */
double sim_customer_return_factor(const char *customer_id, double sigma);

/* The world's answer to one decided order, as outcome events in s->ev. */
int sim_order_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err);

/* ---- learn.c: scenarios that learn their models (scenario "learn") ---- */
/* Registers the arms' policies with the scenario's overrides and points
 * the experiment's variants at them (before the experiment is created). */
int sim_learn_prepare(sim_t *s, ordo_error_t *err);
/* At the end of the warm-up: trains, swaps the models in, starts the
 * experiment. */
int sim_learn_step(sim_t *s, uint32_t days_done, ordo_error_t *err);

/* ---- stock_truth.c ---- */
/* p (n used of *cap elements of size), doubled when full: the array to
 * use, NULL (err set, p left as is) when out of memory. */
void *sim_grow(void *p, size_t *cap, size_t n, size_t size, ordo_error_t *err);
/* t as YYYY-MM-DDTHH:MM:SSZ. */
void sim_iso_time(int64_t t, char out[32]);
/* Reads the scenario's world sections and allocates the world's stock
 * state (after the network, the true stock and the store are open). */
int sim_world_open(sim_t *s, ordo_error_t *err);
void sim_world_close(sim_t *s);
/* Before a day's orders (the decider idle): shrink and miscounts, then
 * the day's replenishment. */
int sim_world_day_begin(sim_t *s, uint32_t day, ordo_error_t *err);
/* After a day's orders, before its events are stored: the last pick
 * wave and every reservation settled. */
int sim_world_day_end(sim_t *s, uint32_t day, ordo_error_t *err);
/* The pick wave, when one is due at t (called before each order's world). */
int sim_world_wave_check(sim_t *s, int64_t t, ordo_error_t *err);
/* Picks a shipment against the true stock: lines the shelf cannot cover
 * are queued for the wave (a store) and left out of *out (lines in buf,
 * SIM_MAX_LINES); returns the units picked. */
uint32_t sim_pick(sim_t *s, const ordo_order_t *o, int64_t promise, const ordo_shipment_t *sh,
                  ordo_shipment_t *out, ordo_plan_line_t *buf, uint32_t cap, ordo_error_t *err,
                  int *rc);
/* Queues the settlement of an order's reservations. */
int sim_settle_queue(sim_t *s, const char *order, bool shipped, ordo_error_t *err);

/* ---- demand.c ---- */
int sim_demand_open(sim_t *s, ordo_error_t *err);
void sim_demand_close(sim_t *s);
/* The day's factor on the mean arrivals (the holiday calendar). */
double sim_demand_factor(const sim_t *s, uint32_t day);
/* Baskets, Zipf SKUs and customers on the generated orders. */
int sim_demand_shape(sim_t *s, ordo_order_t *orders, uint32_t n, ordo_arena_t *a,
                     ordo_error_t *err);

/* ---- timeline.c ---- */
int sim_timeline_open(sim_t *s, ordo_error_t *err);
void sim_timeline_close(sim_t *s);
/* Applies the timeline's documents due at t (through the signals
 * interface, the decider idle). */
int sim_timeline_due(sim_t *s, int64_t t, ordo_error_t *err);
/* The truth of the timeline: the end of a carrier outage in force for the
 * service to zip3 at t (at most SIM_OUTAGE_MAX_DAYS on), 0 when none; a
 * node's labour capacity on a day (units, 0: unlimited; UINT32_MAX: closed). */
#define SIM_OUTAGE_MAX_DAYS 10
int64_t sim_truth_outage_end(const sim_t *s, int32_t service, uint16_t zip3, int64_t t);
uint32_t sim_truth_capacity(const sim_t *s, uint32_t node, int64_t day);

/* ---- truth.c: season and holidays (SIM.md "The true lane model") ---- */
int64_t sim_thanksgiving(int year);
/* P(an extra day) of the season's draw extra (0: peak season, 1: the last
 * days before Christmas, 2: around a holiday) for a parcel shipped on
 * ship_day (fast: two-day or overnight). */
double sim_truth_season_p(int64_t ship_day, bool fast, int extra);
/* The day a parcel shipped on ship_day arrives after transit (>= 1)
 * delivery days of the carrier's week mask: the transit-th delivery day
 * after ship_day, counted as ordo_eta_obs_transit and the engine count. */
int64_t sim_delivery_day(int64_t ship_day, int transit, unsigned mask);

/* The decider's calls, timed as the run's deciding (sim.c): a decision
 * (an order or a wave's reroute), and ordo_decider_idle, whose commit
 * applies the reservations of the orders decided since the last one. */
int sim_decide(sim_t *s, const ordo_order_t *o, int64_t at, ordo_arena_t *a, ordo_decision_t *dec,
               ordo_error_t *err);
int sim_decider_idle(sim_t *s, ordo_error_t *err);
/* The time since t0 (ordo_now_ns) into the run's store share: the
 * world's writes through the store's interfaces (settlements, inventory
 * and signals documents) are the store's work, as outcome events are. */
void sim_store_timed(sim_t *s, uint64_t t0);
/* ---- netval.c: the network value of stock (SIM.md "Network value of stock") ---- */
typedef struct sim_netval sim_netval_t;
int sim_netval_open(sim_t *s, ordo_error_t *err);
void sim_netval_close(sim_t *s);
/* After the day's replenishment: the LPs, their duals into the engine. */
int sim_netval_day(sim_t *s, uint32_t day, ordo_error_t *err);
/* Each decided order: its demand seen, its cost counted. */
void sim_netval_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan);

/* Before each order is decided (sim.c): the pick wave and the timeline. */
int sim_world_before(sim_t *s, int64_t t, ordo_error_t *err);

/* ---- scenario_world.c ---- */
int sim_world_cfg_load(const char *scenario, sim_stock_cfg_t *cfg, sim_demand_cfg_t *dem,
                       struct cJSON **timeline, ordo_error_t *err);

/* The world's answer to a reroute (world.c): like sim_order_world, but its
 * units were counted with the order it came from, and what its plan does
 * not source is cancelled. */
int sim_reroute_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err);
/* One decided order in its arm's count, given the summary's delivered and
 * late counts before the world had it (arms.c). */
void sim_count_arm(sim_t *s, const ordo_order_t *o, const ordo_decision_t *dec,
                   uint64_t delivered0, uint64_t late0);
/* Only its delivered and late counts: a reroute's (a pick wave's new order,
 * whose orders count with the order it came from), counted in its own
 * decision's arm. */
void sim_count_arm_outcomes(sim_t *s, const ordo_order_t *o, const ordo_decision_t *dec,
                            uint64_t delivered0, uint64_t late0);
/* The guardrail monitor after days_done simulated days (guard.c). */
int sim_monitor(sim_t *s, uint32_t days_done, ordo_error_t *err);
/* The scenario's network.stock_scale on the loaded network
 * (guard.c). */
void sim_scale_network(sim_t *s);

#endif
