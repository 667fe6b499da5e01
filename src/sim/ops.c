/* SPDX-License-Identifier: Apache-2.0 */
/* The world's operational measures of one decided order, as a warehouse
 * management system, a labour management system and a customer survey
 * would send them: measure outcome events (docs/outcomes.md "Operational
 * measures"). The model is the world's truth (docs/internals/SIM.md
 * "Operational metrics"):
 *   - labour utilisation: units the node has released to its floor on the
 *     shipment's labour day (this shipment included) / its daily capacity;
 *   - pick rate (units per labour hour): the node type's rate, slower as
 *     the shift fills (fatigue, congestion), with lognormal noise;
 *   - dock-to-truck hours: the node type's staging time, longer once the
 *     node passes 75% of its capacity (loaders and trailers run short);
 *   - satisfaction (0..5): falls with days late and with each extra
 *     shipment; a cancelled order scores near the floor.
 * Noise comes from a stream per order (seeded by the run's seed and the
 * order id), so the world's other streams, and thus every decision and
 * every other outcome, are the same as without measures. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "world.h"

/* Per node type (DC, store, drop-ship): picks per labour hour at an empty
 * floor, and staging hours on the dock. */
static const double pick_rate_base[ORDO_NODE_TYPES] = {140, 45, 90};
static const double dock_hours_base[ORDO_NODE_TYPES] = {2.0, 3.5, 2.5};

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static int measure(sim_t *s, const ordo_order_t *o, uint32_t shipment, const char *tag,
                   ordo_measure_t m, double value, int64_t at, const char *node, ordo_error_t *err)
{
    int rc = sim_event_push(s, o->id, shipment, tag, ORDO_OUTCOME_MEASURE, at, err);
    if (rc)
        return rc;
    ordo_outcome_event_t *e = &s->ev[s->n_ev - 1];
    double lo, hi;
    ordo_measure_range((int)m, &lo, &hi);
    e->measure = m;
    e->value = clamp(round(value * 1e6) / 1e6, lo, hi); /* as a feed would round it */
    if (node) { /* e->node is zeroed: its bytes up to the last one */
        size_t n = strlen(node);
        memcpy(e->node, node, n < sizeof e->node ? n : sizeof e->node - 1);
    }
    return ORDO_OK;
}

/* The node's load on the day shipment t left it (world.c ships at 18:00
 * local on the labour day). */
static double utilisation(const sim_t *s, uint32_t node, const sim_ship_t *t)
{
    const ordo_node_t *nd = &s->net->nodes[node];
    int64_t day = (t->shipped - (18 - sim_node_utc_offset(nd)) * 3600) / 86400;
    int64_t k = day - s->day0;
    if (!nd->daily_capacity || k < 0 || k >= (int64_t)s->horizon)
        return 0;
    return (double)s->labour[(size_t)node * s->horizon + (size_t)k] / nd->daily_capacity;
}

static int shipment_measures(sim_t *s, const ordo_order_t *o, const ordo_shipment_t *sh,
                             uint32_t i, const sim_ship_t *t, ordo_rng_t *rng, ordo_error_t *err)
{
    const ordo_node_t *nd = &s->net->nodes[sh->node];
    int type = (unsigned)nd->type < ORDO_NODE_TYPES ? (int)nd->type : 0;
    double u = utilisation(s, sh->node, t);
    double rate = pick_rate_base[type] * (1.1 - 0.35 * fmin(u, 1.5)) *
                  exp(0.2 * ordo_rng_normal(rng));
    double dock = dock_hours_base[type] * (1 + 2 * fmax(0, fmin(u, 2) - 0.75)) *
                  exp(0.25 * ordo_rng_normal(rng));
    int rc = measure(s, o, i, "mu", ORDO_MEASURE_LABOUR_UTILISATION, u, t->shipped, nd->id, err);
    if (!rc)
        rc = measure(s, o, i, "mp", ORDO_MEASURE_PICK_RATE, rate, t->shipped, nd->id, err);
    if (!rc)
        rc = measure(s, o, i, "md", ORDO_MEASURE_DOCK_TO_TRUCK_HOURS, clamp(dock, 0.1, 72),
                     t->shipped, nd->id, err);
    return rc;
}

int sim_ops_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, const sim_ship_t *t,
                  int64_t promise, int64_t cancelled_at, ordo_error_t *err)
{
    char key[160];
    int n = snprintf(key, sizeof key, "%llu/ops/%s", (unsigned long long)s->opt->seed, o->id);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, ordo_hash64(key, (size_t)(n < (int)sizeof key ? n : (int)sizeof key - 1)));
    double noise = 0.3 * ordo_rng_normal(&rng);
    if (cancelled_at)
        return measure(s, o, 0, "ms", ORDO_MEASURE_SATISFACTION, 1.0 + fabs(noise),
                       cancelled_at + 3600, NULL, err);
    double late_days = 0;
    int64_t last = 0;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        int rc = shipment_measures(s, o, &plan->shipments[i], i, &t[i], &rng, err);
        if (rc)
            return rc;
        if (promise && t[i].delivered > promise)
            late_days = fmax(late_days, ceil((double)(t[i].delivered - promise) / 86400.0));
        if (t[i].delivered > last)
            last = t[i].delivered;
    }
    double score = 4.6 - 0.9 * fmin(late_days, 3) - 0.35 * (plan->n_shipments - 1.0) + noise;
    return measure(s, o, 0, "ms", ORDO_MEASURE_SATISFACTION, clamp(score, 1, 5), last + 86400,
                   NULL, err);
}
