/* SPDX-License-Identifier: Apache-2.0 */
/* The world's own count per arm (summary.json "arms"): orders, planned
 * cost, delivered and late, overall and in rural ZIPs. The experiment's
 * report estimates effects from outcome events; this is what the world
 * knows it did; rural is ordo_geo_zip_rural, as in the report's rurality
 * segment (peak-cost-routing). */
#include <stdio.h>
#include <string.h>

#include "ordo/geo.h"
#include "world.h"

static ordo_sim_arm_t *arm_of(ordo_sim_summary_t *sum, const char *variant)
{
    for (uint32_t i = 0; i < sum->n_arms; i++)
        if (!strcmp(sum->arms[i].variant, variant))
            return &sum->arms[i];
    if (sum->n_arms == ORDO_SIM_MAX_ARMS)
        return NULL;
    ordo_sim_arm_t *a = &sum->arms[sum->n_arms++];
    memset(a, 0, sizeof *a);
    snprintf(a->variant, sizeof a->variant, "%s", variant);
    return a;
}

static bool rural(const sim_t *s, const ordo_order_t *o)
{
    return ordo_geo_zip_rural(s->net->geo ? s->net->geo : ordo_geo_default(), o->ship_zip) == 1;
}

void sim_count_arm_outcomes(sim_t *s, const ordo_order_t *o, const ordo_decision_t *dec,
                            uint64_t delivered0, uint64_t late0)
{
    ordo_sim_arm_t *a = arm_of(s->sum, dec->variant ? dec->variant : "none");
    if (!a)
        return;
    uint64_t delivered = s->sum->orders_delivered - delivered0;
    uint64_t late = s->sum->orders_late - late0;
    a->delivered += delivered;
    a->late += late;
    if (rural(s, o)) {
        a->rural_delivered += delivered;
        a->rural_late += late;
    }
}

void sim_count_arm(sim_t *s, const ordo_order_t *o, const ordo_decision_t *dec, uint64_t delivered0,
                   uint64_t late0)
{
    ordo_sim_arm_t *a = arm_of(s->sum, dec->variant ? dec->variant : "none");
    if (!a)
        return;
    a->orders++;
    double cost = dec->plan ? dec->plan->cost.total : 0;
    a->planned_cost += cost;
    a->planned_cost_sq += cost * cost;
    a->rural_orders += rural(s, o);
    sim_count_arm_outcomes(s, o, dec, delivered0, late0);
}
