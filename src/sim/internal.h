/* SPDX-License-Identifier: Apache-2.0 */
/* The simulator's own parts: scenario files and the world's truth. */
#ifndef ORDO_SIM_INTERNAL_H
#define ORDO_SIM_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "ordo/network.h"
#include "ordo/sim.h"
#include "ordo/util.h"

#define SIM_MAX_INLINE_POLICIES 8
struct ordo_policy;
struct ordo_store;

typedef struct sim_scenario {
    char name[64];
    char experiment[64];
    char *experiment_json; /* malloc'd: the experiment document */
    ordo_generate_options_t gen;
    double express_share, pickup_share;
    uint32_t max_lines;
    double weekly[7];  /* Monday..Sunday arrival factors */
    double hourly[24]; /* arrival weight per UTC hour */
    double cancel_when_late, cancel_base;
    double return_late_factor;
    double return_cost;
    double return_customer_sigma; /* sd of log(customer return propensity) */
    /* the run (scenario.c; docs/internals/SIM.md "Scenario files") */
    int64_t start_day;        /* Unix day of the first simulated day */
    char default_policy[64];  /* built-in for orders no experiment acts on; "" decider's */
    double stock_scale[3];    /* on-hand × this at the start, by node type (1) */
    uint32_t monitor_days;    /* guardrail monitor every N simulated days (0: off) */
    char control[64];         /* the experiment's first variant key */
    /* variants' inline policies (policies.c), registered once the store is open */
    uint32_t n_inline;
    struct ordo_policy *inline_policies[SIM_MAX_INLINE_POLICIES];
    /* "learn" (learn.c): a warm-up under the parametric models, then the
     * experiment with models trained on it (0: none) */
    uint32_t warmup_days, train_lag_days;
    char *learn_json;         /* malloc'd: the "learn" object */
} sim_scenario_t;

/* The scenario file of name (ordo_sim_scenario_path) into *root (a JSON
 * object, the caller's to delete) and its path. */
int sim_scenario_read(const char *name, char path[4096], cJSON **root, ordo_error_t *err);
int sim_scenario_load(const char *name, sim_scenario_t *s, ordo_error_t *err);
void sim_scenario_free(sim_scenario_t *s);
/* The scenario's "learn" object (learn.c). */
int sim_learn_read(const cJSON *root, const char *path, sim_scenario_t *s, ordo_error_t *err);
/* Rewrites the experiment so every variant runs variant key's policy (the
 * world entirely under one arm; assignment unchanged). ORDO_ENOTFOUND. */
int sim_scenario_all_arm(sim_scenario_t *s, const char *key, ordo_error_t *err);
/* Variants whose "policy" is a policy document get its "policy_version"
 * (policies.c); the policies are registered in the run's store later. */
int sim_scenario_inline_policies(sim_scenario_t *s, ordo_error_t *err);
int sim_scenario_register_policies(sim_scenario_t *s, struct ordo_store *store, ordo_error_t *err);
void sim_scenario_free_policies(sim_scenario_t *s);

/* One random stream per purpose, each seeded from the run's seed. */
enum { SIM_RNG_DEMAND, SIM_RNG_TIME, SIM_RNG_TRANSIT, SIM_RNG_CANCEL, SIM_RNG_RETURN, SIM_RNGS };

/* The world's truth of one shipment (truth.c). */
typedef struct sim_lane {
    uint32_t node;
    int32_t service;  /* network service index; < 0: pickup */
    uint32_t zip;     /* destination */
    uint16_t zip3;
    const char *state;
} sim_lane_t;

/* The node's UTC offset in hours (its longitude, 15° an hour). */
int sim_node_utc_offset(const ordo_node_t *node);
/* The Unix day (local) a node ships an order created at t, before labour:
 * cutoff (local), then processing days, on working days. */
int64_t sim_ship_day(const ordo_node_t *node, int64_t t);
/* True transit in working days for the lane shipped on ship_day; seed is
 * the run's (the lane-day delay is a function of it, the lane and the day). */
int sim_transit_days(const ordo_network_t *net, const sim_lane_t *lane, int64_t ship_day,
                     uint64_t seed, ordo_rng_t *rng);
/* The lane-day offset (SIM.md "The true lane model"): every parcel of a
 * lane (node, service, ZIP3) shipped on one day is a day early together
 * with probability `early` (only where the base days are > 1), else one
 * day late together with probability `late`, and given that, a second day
 * late with probability `two`. */
typedef struct sim_lane_day_p {
    double early, late, two;
} sim_lane_day_p_t;
sim_lane_day_p_t sim_truth_lane_day_p(const char *carrier, int service, int base_days);
/* The lane-day's days (-1, 0, 1, 2): a hash of (seed, lane, ship_day), the
 * same for every parcel of the lane that day, no random draw. */
int sim_truth_lane_day_days(uint64_t seed, const sim_lane_t *lane, int64_t ship_day,
                            sim_lane_day_p_t p);
/* The lane model's parts, for docs and tests: mean base days by zone and
 * service class; the late probabilities. */
int sim_truth_base_days(int zone, bool fast);

/* splitmix64's finaliser: a 64-bit hash spread (the world's draws that
 * are a function of their key, not of a stream: truth.c, world.c) */
static inline uint64_t sim_mix64(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

#endif
