/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — learned lanes in the engine (include/ordo/lanes.h): the atomic
 * swap of the lane table, and the transit distribution and lateness a
 * shipment is timed with when the policy uses it. docs/internals/SOURCING.md
 * "Learned lanes". */
#include <stdbool.h>
#include <string.h>

#include "internal.h"
#include "ordo/geo.h"

static void lanes_destroy(void *t)
{
    ordo_lanes_destroy(t);
}

void ordo_engine_set_lanes(ordo_engine_t *e, ordo_lanes_t *lanes)
{
    src_swap_set(&e->lanes, lanes, offsetof(ordo_lanes_t, retired_next));
}

const ordo_lanes_t *ordo_engine_lanes(const ordo_engine_t *e)
{
    return src_swap_get(&e->lanes);
}

void src_lanes_free(ordo_engine_t *e)
{
    src_swap_free(&e->lanes, offsetof(ordo_lanes_t, retired_next), lanes_destroy);
}

void src_lanes_engine_init(ordo_engine_t *e)
{
    const ordo_network_t *net = e->net;
    for (uint32_t sv = 0; sv < net->n_services && sv < 64; sv++) {
        unsigned mask = net->services[sv].delivery_days;
        mask = mask ? mask : ORDO_WEEK_MON_FRI;
        for (int wd = 0; wd < 7; wd++)
            e->lane_by_wd[wd] |= (uint64_t)(wd == 4 || !(mask >> ((wd + 1) % 7) & 1)) << sv;
    }
}

/* The weekdays of the ship days after day0 (ship day s: the s-th working
 * day after the first on or after day0), kept per thread for the last
 * day0: one decision's day is the next one's. */
static const uint8_t *ship_weekdays(int64_t day0)
{
    static _Thread_local struct {
        int64_t day0;
        bool set;
        uint8_t wd[SRC_LANE_SHIP_DAYS];
    } c;
    if (c.set && c.day0 == day0)
        return c.wd;
    int64_t d = day0;
    while (!ordo_cal_working(d, ORDO_WEEK_MON_FRI))
        d++;
    for (int s = 0; s < SRC_LANE_SHIP_DAYS; s++) {
        c.wd[s] = (uint8_t)ordo_cal_weekday(d);
        do
            d++;
        while (!ordo_cal_working(d, ORDO_WEEK_MON_FRI));
    }
    c.day0 = day0;
    c.set = true;
    return c.wd;
}

/* The snapshot this decision reads (none when the policy says "eta":
 * "published" or the engine has none), and the class of each service on
 * each ship day. */
void src_lanes_begin(src_ctx_t *x)
{
    x->lanes = x->policy && x->policy->eta_published ? NULL : ordo_engine_lanes(x->eng);
    if (!x->lanes)
        return;
    uint16_t z3 = x->order->ship_zip3 < ORDO_ZIP3_COUNT ? x->order->ship_zip3 : 0;
    /* the rural destinations' lanes (ORDO_LANE_RURAL), as the model learned them */
    const ordo_geo_t *geo = x->net->geo ? x->net->geo : ordo_geo_default();
    int rural = ordo_geo_zip_rural(geo, x->order->ship_zip) == 1;
    x->lane_row = &x->lanes->lane[ordo_lanes_index(x->lanes, 0, 0, z3, rural << 1)];
    const uint8_t *wd = ship_weekdays(x->day0);
    for (int s = 0; s < SRC_LANE_SHIP_DAYS; s++)
        x->lane_cls[s] = x->eng->lane_by_wd[wd[s]];
}

void src_lanes_plan(const src_ctx_t *x, ordo_plan_t *plan)
{
    plan->eta_model = x->lanes ? x->lanes->version : NULL;
}

/* E[max(0, s0 + T − D)] (s0 + 1 with probability pe): the tail sum, or
 * the same loop src_expected_late runs over a published histogram. */
double src_lane_late_learned(const ordo_lane_dist_t *d, int s0, double pe, int D)
{
    int k = D - s0;
    if (pe == 0 && k >= 0)
        return k < ORDO_TRANSIT_DAYS ? d->tail[k] : 0;
    double late = 0;
    for (int t = 0; t < ORDO_TRANSIT_DAYS; t++) {
        if (d->pmf[t] <= 0)
            continue;
        int a = s0 + t - D, b = s0 + 1 + t - D;
        late += d->pmf[t] * ((1 - pe) * (a > 0 ? a : 0) + pe * (b > 0 ? b : 0));
    }
    return late;
}
