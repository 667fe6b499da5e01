/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the fulfillment simulator (docs/internals/SIM.md).
 *
 * A world on real US geography in which every part of ordo runs together:
 * orders arrive over simulated days, each goes through the decider
 * (assignment, decision, reservation, decision log) exactly as
 * `ordo source --data` would send it, and the world answers with outcome
 * events (shipped, delivered, cancelled, returned, costs) drawn from its own
 * truth, stored as `ordo outcomes ingest` stores them. A run directory is a
 * data directory plus summary.json, which `ordo analyze` and `ordo log`
 * read like production data. The simulator uses the public API only.
 *
 * Deterministic for a seed: one random stream per purpose, seeded from the
 * seed; no wall clock in any output but the measured rates. */
#ifndef ORDO_SIM_H
#define ORDO_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Called at the end of every simulated day (done: day == days done) and
 * every few thousand orders (day: the day under way, 1-based); now is the
 * simulated clock (Unix seconds). */
typedef void (*ordo_sim_progress_fn)(void *ctx, uint32_t day, uint32_t days, uint64_t orders,
                                     uint64_t expected_orders, int64_t now);

typedef struct ordo_sim_options {
    const char *scenario;    /* a name (data/scenarios/NAME.json) or a file path */
    uint32_t days;           /* simulated days, ≥ 1 */
    uint32_t orders_per_day; /* mean arrivals per day, before the weekly cycle */
    uint64_t seed;
    const char *out_dir;     /* the run directory (created; must not hold a run) */
    const char *network_dir; /* NULL: generated into OUT/network from the scenario */
    ordo_sim_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    /* NULL: the experiment as the scenario says. A variant key: the world
     * entirely under that variant's policy (every variant runs it;
     * assignment and the report are unchanged), for the true global effect
     * of a policy (docs/internals/SIM.md "Switchback"). */
    const char *all_arm;
    /* A run directory of the same scenario and seed: the scenario's
     * "network_value" LPs use the demand that run had (DIR/netval_demand.csv)
     * instead of a forecast: the clairvoyant policy (SIM.md "Network value
     * of stock"). NULL: the forecast. */
    const char *demand_truth;
} ordo_sim_options_t;

/* What the world did to the orders of one arm (the variant an order got;
 * "none" outside every experiment), measured by the world itself: the
 * truth beside the experiment's report, and its rural/urban split (a ZIP
 * of under 2,000 people is rural, as in the truth's lane model). */
#define ORDO_SIM_MAX_ARMS 8
typedef struct ordo_sim_arm {
    char variant[32];
    uint64_t orders;
    double planned_cost;       /* Σ plan cost (cash total) */
    double planned_cost_sq;    /* Σ its square (the lifts' intervals) */
    uint64_t delivered, late;  /* orders delivered, and of those late */
    uint64_t rural_orders, rural_delivered, rural_late;
} ordo_sim_arm_t;

typedef struct ordo_sim_summary {
    char scenario[64];
    char experiment[64];
    uint64_t seed;
    uint32_t days;
    uint64_t orders;
    uint64_t units_ordered;
    uint64_t units_shipped;     /* left a node (including later returns) */
    uint64_t units_backordered; /* the plan could not source them */
    uint64_t units_cancelled;   /* the plan cancelled them, or the customer did */
    uint64_t units_returned;
    uint64_t orders_cancelled;
    uint64_t orders_late;       /* delivered after the promise */
    uint64_t orders_delivered;
    uint64_t oversells;         /* units shipped beyond a node's true stock: must be 0 */
    uint64_t outcome_events;
    /* the world's stock (docs/internals/SIM.md "True and recorded stock") */
    uint64_t short_picks;           /* plan lines a store's shelf could not cover */
    uint64_t units_short;           /* their units */
    uint64_t reroutes;              /* short lines decided again (orders "<id>-r") */
    uint64_t units_short_cancelled; /* short units neither rerouted nor sourced again */
    uint64_t cycle_counts;          /* cells counted after a short pick */
    uint64_t units_shrunk;          /* units lost from store shelves */
    uint64_t units_replenished;     /* units delivered by replenishment */
    uint64_t signals_applied;       /* timeline documents applied (signal versions) */
    uint64_t outage_delayed;        /* shipments a carrier outage held back */
    char all_arm[64];           /* the option, "" when none */
    /* the guardrail monitor (scenario "monitor.every_days") */
    uint32_t monitor_runs;      /* times it ran */
    bool stopped;               /* it stopped the experiment */
    int64_t stopped_at;         /* simulated Unix seconds of the stop */
    uint32_t stopped_day;       /* simulated days run before the stop */
    char stop_metric[64];       /* the breached guardrail */
    char stop_detail[256];      /* the monitor's sentence */
    uint64_t orders_after_stop;    /* decided after the stop */
    uint64_t treatment_after_stop; /* ... in a non-control variant: must be 0 */
    uint32_t n_arms;
    ordo_sim_arm_t arms[ORDO_SIM_MAX_ARMS]; /* in order of first appearance */
    double seconds;             /* measured wall time of the world loop */
    double orders_per_second;   /* measured */
    /* where the wall time went (measured): deciding (assignment, the
     * engine, reservation, the log append), storing outcome events (and
     * the decider's idle commit of the store), the guardrail monitor; the
     * rest of `seconds` is the world's own work */
    double decide_seconds, store_seconds, monitor_seconds;
    /* a learning scenario ("learn"): the warm-up, the model trained on it */
    uint32_t warmup_days;       /* 0: none */
    char learned_control[32];   /* the control variant (parametric models) */
    char learned_eta[32];       /* the ETA model's version (OUT/models) */
    char learned_risk[32];      /* the risk model's version (OUT/models) */
    uint64_t learned_shipments; /* shipments it was trained on */
    double train_seconds;       /* measured: reading, joining and training */
} ordo_sim_summary_t;

void ordo_sim_options_init(ordo_sim_options_t *opt);

/* Runs the scenario into opt->out_dir and fills sum. Writes
 * OUT/summary.json (see ordo_sim_summary_json). */
int ordo_sim_run(const ordo_sim_options_t *opt, ordo_sim_summary_t *sum, ordo_error_t *err);

/* The summary as JSON (malloc'd, NUL-terminated; free it). The measured
 * rates are under "measured", everything else depends on the seed only. */
char *ordo_sim_summary_json(const ordo_sim_summary_t *sum, int pretty);

/* Where a scenario name is looked for: $ORDO_SCENARIOS, then the source
 * tree's data/scenarios, then ./data/scenarios. path gets the file found;
 * ORDO_ENOTFOUND naming the scenario otherwise. */
int ordo_sim_scenario_path(const char *name, char *path, size_t n, ordo_error_t *err);

#endif
