/* SPDX-License-Identifier: Apache-2.0 */
/* What the world does with one decided order: ships it (labour, cutoff,
 * true transit), or the customer cancels; delivers it, late or not; the
 * customer returns it or keeps it. Every step is an outcome event, as a
 * warehouse system and a carrier would report it (docs/outcomes.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "world.h"

static int push(sim_t *s, const char *order, uint32_t shipment, const char *tag,
                ordo_outcome_type_t type, int64_t at, ordo_error_t *err)
{
    if (s->n_ev == s->cap_ev) {
        size_t cap = s->cap_ev ? s->cap_ev * 2 : 4096;
        ordo_outcome_event_t *e = realloc(s->ev, cap * sizeof *e);
        if (!e)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        s->ev = e;
        s->cap_ev = cap;
    }
    ordo_outcome_event_t *e = &s->ev[s->n_ev++];
    memset(e, 0, sizeof *e);
    snprintf(e->event_id, sizeof e->event_id, "%s-%u-%s", order, shipment, tag);
    snprintf(e->order_id, sizeof e->order_id, "%s", order);
    e->shipment = shipment;
    e->type = type;
    e->at = at;
    return ORDO_OK;
}

int sim_event_push(sim_t *s, const char *order, uint32_t shipment, const char *tag,
                   ordo_outcome_type_t type, int64_t at, ordo_error_t *err)
{
    return push(s, order, shipment, tag, type, at, err);
}

/* The ship day after labour: a node past its daily capacity ships the
 * units on its next working day with room (the backlog queue). */
static int64_t labour_day(sim_t *s, uint32_t node, int64_t day, uint32_t units)
{
    uint32_t cap = s->net->nodes[node].daily_capacity;
    for (;;) {
        int64_t k = day - s->day0;
        if (k < 0 || k >= (int64_t)s->horizon || cap == 0)
            return day;
        uint32_t *used = &s->labour[(size_t)node * s->horizon + (size_t)k];
        if (*used + units <= cap || *used == 0) {
            *used += units;
            return day;
        }
        day = ordo_cal_add_working(day + 1, 0, ORDO_WEEK_MON_FRI);
    }
}

/* The world's timing of one shipment. */
static void ship_time(sim_t *s, const ordo_order_t *o, const ordo_shipment_t *sh,
                      sim_ship_t *out)
{
    const ordo_node_t *node = &s->net->nodes[sh->node];
    int64_t day = labour_day(s, sh->node, sim_ship_day(node, o->created), sh->units);
    int off = sim_node_utc_offset(node);
    out->shipped = day * 86400 + (18 - off) * 3600;
    if (out->shipped <= o->created)
        out->shipped = o->created + 3600;
    sim_lane_t lane = {sh->node, sh->service, o->ship_zip, o->ship_zip3, o->state};
    int transit = sim_transit_days(s->net, &lane, day, &s->rng[SIM_RNG_TRANSIT]);
    if (sh->service < 0 || transit == 0) {
        out->delivered = out->shipped + 2 * 3600;
        return;
    }
    unsigned mask = s->net->services[sh->service].delivery_days;
    int64_t dday = ordo_cal_add_working(day + 1, transit - 1, mask ? mask : ORDO_WEEK_MON_FRI);
    out->delivered = dday * 86400 + 19 * 3600;
    if (out->delivered <= out->shipped)
        out->delivered = out->shipped + 3600;
}

/* Units of the plan's lines the world really takes from each node's true
 * stock: any unit beyond it is an oversell. */
static void take_stock(sim_t *s, const ordo_shipment_t *sh)
{
    for (uint32_t l = 0; l < sh->n_lines; l++) {
        const ordo_plan_line_t *pl = &sh->lines[l];
        if (pl->cell >= s->n_cells)
            continue;
        int32_t *st = &s->true_stock[pl->cell];
        int32_t before = *st > 0 ? *st : 0;
        *st -= (int32_t)pl->quantity;
        if ((uint32_t)before < pl->quantity)
            s->sum->oversells += pl->quantity - (uint32_t)before;
    }
}

static double shipment_value(const sim_t *s, const ordo_shipment_t *sh, double *ret_rate)
{
    double v = 0, r = 0;
    for (uint32_t l = 0; l < sh->n_lines; l++) {
        const ordo_sku_t *k = &s->net->skus[sh->lines[l].sku];
        v += k->price * sh->lines[l].quantity;
        r += k->return_rate * sh->lines[l].quantity;
    }
    *ret_rate = sh->units ? r / sh->units : 0;
    return v;
}

/* shipped (with the carrier cost and the promise), cost (pick, pack),
 * delivered, and maybe returned. */
static int ship_events(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, uint32_t i,
                       const sim_ship_t *t, int64_t promise, ordo_error_t *err)
{
    const ordo_shipment_t *sh = &plan->shipments[i];
    int rc = push(s, o->id, i, "s", ORDO_OUTCOME_SHIPPED, t->shipped, err);
    if (rc)
        return rc;
    ordo_outcome_event_t *e = &s->ev[s->n_ev - 1];
    e->promised_by = promise;
    e->cost[ORDO_COST_SHIP] = sh->cost.shipping;
    e->cost_mask = 1u << ORDO_COST_SHIP;
    if ((rc = push(s, o->id, i, "c", ORDO_OUTCOME_COST, t->shipped, err)))
        return rc;
    e = &s->ev[s->n_ev - 1];
    e->cost[ORDO_COST_PICK] = sh->cost.pick;
    e->cost[ORDO_COST_PACK] = sh->cost.pack;
    e->cost_mask = (1u << ORDO_COST_PICK) | (1u << ORDO_COST_PACK);
    if ((rc = push(s, o->id, i, "d", ORDO_OUTCOME_DELIVERED, t->delivered, err)))
        return rc;
    take_stock(s, sh);
    s->sum->units_shipped += sh->units;
    double rr, value = shipment_value(s, sh, &rr);
    double late_days = promise && t->delivered > promise ? (t->delivered - promise) / 86400.0 + 1 : 0;
    double p = rr * (1 + s->sc.return_late_factor * late_days);
    if (ordo_rng_uniform(&s->rng[SIM_RNG_RETURN]) >= (p > 0.9 ? 0.9 : p))
        return ORDO_OK;
    int64_t at = t->delivered + 4 * 86400;
    if ((rc = push(s, o->id, i, "r", ORDO_OUTCOME_RETURNED, at, err)))
        return rc;
    s->ev[s->n_ev - 1].refund = value;
    s->ev[s->n_ev - 1].has_refund = true;
    if ((rc = push(s, o->id, i, "rc", ORDO_OUTCOME_COST, at, err)))
        return rc;
    s->ev[s->n_ev - 1].cost[ORDO_COST_RETURN] = s->sc.return_cost;
    s->ev[s->n_ev - 1].cost_mask = 1u << ORDO_COST_RETURN;
    s->sum->units_returned += sh->units;
    return ORDO_OK;
}

/* Units the plan left short, split into backordered and cancelled. */
static uint32_t plan_accounting(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan)
{
    uint32_t ordered = 0, planned = 0, cancelled = 0;
    for (uint32_t l = 0; l < o->n_lines; l++)
        ordered += o->lines[l].quantity;
    for (uint32_t i = 0; i < plan->n_shipments; i++)
        planned += plan->shipments[i].units;
    for (uint32_t a = 0; a < plan->n_line_actions; a++)
        if (plan->line_actions[a].action && !strcmp(plan->line_actions[a].action, "cancelled"))
            cancelled += plan->line_actions[a].short_qty;
    uint32_t shortq = ordered > planned ? ordered - planned : 0;
    if (cancelled > shortq)
        cancelled = shortq;
    s->sum->units_ordered += ordered;
    s->sum->units_cancelled += cancelled;
    s->sum->units_backordered += shortq - cancelled;
    return planned;
}

int sim_order_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err)
{
    uint32_t planned = plan_accounting(s, o, plan);
    double u_cancel = ordo_rng_uniform(&s->rng[SIM_RNG_CANCEL]);
    if (!plan->n_shipments || plan->n_shipments > SIM_MAX_SHIPMENTS)
        return ORDO_OK;
    int64_t promise = plan->promise ? ordo_cal_day_of(plan->promise) * 86400 + 86399 : 0;
    sim_ship_t t[SIM_MAX_SHIPMENTS];
    bool late = false;
    int64_t first_ship = INT64_MAX;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        ship_time(s, o, &plan->shipments[i], &t[i]);
        late |= promise && t[i].delivered > promise;
        if (t[i].shipped < first_ship)
            first_ship = t[i].shipped;
    }
    if (u_cancel < (late ? s->sc.cancel_when_late : s->sc.cancel_base)) {
        int64_t at = first_ship - 3600 > o->created ? first_ship - 3600 : o->created + 60;
        s->sum->units_cancelled += planned;
        s->sum->orders_cancelled++;
        int rc = push(s, o->id, 0, "x", ORDO_OUTCOME_CANCELLED, at, err);
        return rc ? rc : sim_ops_order(s, o, plan, t, promise, at, err);
    }
    s->sum->orders_delivered++;
    s->sum->orders_late += late;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        int rc = ship_events(s, o, plan, i, &t[i], promise, err);
        if (rc)
            return rc;
    }
    return sim_ops_order(s, o, plan, t, promise, 0, err);
}
