/* SPDX-License-Identifier: Apache-2.0 */
/* What the world does with one decided order: ships it (labour, cutoff,
 * true transit), or the customer cancels; delivers it, late or not; the
 * customer returns it or keeps it. Every step is an outcome event, as a
 * warehouse system and a carrier would report it (docs/outcomes.md). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "world.h"

/* Appends src to dst[*at..cap - 1), truncating as snprintf would; dst
 * stays NUL-terminated. */
static void id_cat(char *dst, size_t cap, size_t *at, const char *src, size_t n)
{
    if (*at + n >= cap)
        n = cap - 1 - *at;
    memcpy(dst + *at, src, n);
    *at += n;
    dst[*at] = 0;
}

/* e's ids: "ORDER-SHIPMENT-TAG" and "ORDER", as snprintf would write them
 * (the simulator writes 7 events an order: no format parsing per event). */
static void event_ids(ordo_outcome_event_t *e, const char *order, uint32_t shipment,
                      const char *tag)
{
    char num[12];
    size_t nd = sizeof num, n = strlen(order), at = 0;
    do
        num[--nd] = (char)('0' + shipment % 10);
    while ((shipment /= 10) != 0);
    id_cat(e->order_id, sizeof e->order_id, &at, order, n);
    at = 0;
    id_cat(e->event_id, sizeof e->event_id, &at, order, n);
    id_cat(e->event_id, sizeof e->event_id, &at, "-", 1);
    id_cat(e->event_id, sizeof e->event_id, &at, num + nd, sizeof num - nd);
    id_cat(e->event_id, sizeof e->event_id, &at, "-", 1);
    id_cat(e->event_id, sizeof e->event_id, &at, tag, strlen(tag));
}

static int push(sim_t *s, const char *order, uint32_t shipment, const char *tag,
                ordo_outcome_type_t type, int64_t at, ordo_error_t *err)
{
    void *grown = sim_grow(s->ev, &s->cap_ev, s->n_ev, sizeof *s->ev, err);
    if (!grown)
        return ORDO_ENOMEM;
    s->ev = grown;
    if (!(grown = sim_grow(s->ev_cust, &s->cap_ev_cust, s->n_ev, sizeof *s->ev_cust, err)))
        return ORDO_ENOMEM;
    s->ev_cust = grown;
    s->ev_cust[s->n_ev] = 0;
    ordo_outcome_event_t *e = &s->ev[s->n_ev++];
    /* every field but the id strings, written below up to their NUL */
    memset((char *)e + offsetof(ordo_outcome_event_t, shipment), 0,
           sizeof *e - offsetof(ordo_outcome_event_t, shipment));
    event_ids(e, order, shipment, tag);
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
    for (;;) {
        int64_t k = day - s->day0;
        uint32_t cap = sim_truth_capacity(s, node, day); /* the timeline's labour */
        if (k < 0 || k >= (int64_t)s->horizon || cap == 0)
            return day;
        uint32_t *used = &s->labour[(size_t)node * s->horizon + (size_t)k];
        if (cap != UINT32_MAX && (*used + units <= cap || *used == 0)) {
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
    int transit = sim_transit_days(s->net, &lane, day, s->opt->seed, &s->rng[SIM_RNG_TRANSIT]);
    if (sh->service < 0 || transit == 0) {
        out->delivered = out->shipped + 2 * 3600;
        return;
    }
    unsigned mask = s->net->services[sh->service].delivery_days;
    mask = mask ? mask : ORDO_WEEK_MON_FRI;
    int64_t dday = sim_delivery_day(day, transit, mask);
    /* a carrier outage on the lane (the timeline's truth) holds the parcel
     * until the carrier serves the area again; then its transit, plus a day */
    int64_t end = sim_truth_outage_end(s, sh->service, o->ship_zip3, out->shipped);
    if (end) {
        int64_t held = ordo_cal_add_working(ordo_cal_day_of(end) + 1, transit, mask);
        dday = held > dday ? held : dday;
        s->sum->outage_delayed++;
    }
    out->delivered = dday * 86400 + 19 * 3600;
    if (out->delivered <= out->shipped)
        out->delivered = out->shipped + 3600;
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

double sim_customer_return_factor(const char *customer_id, double sigma)
{
    if (!customer_id || !*customer_id || !(sigma > 0))
        return 1;
    /* salted, so the factor is independent of the engine's customer key */
    uint64_t h = sim_mix64(ordo_hash64(customer_id, strlen(customer_id)) ^ 0x9e3779b97f4a7c15ull);
    double u1 = ((double)(h >> 32) + 0.5) / 4294967296.0; /* (0, 1) */
    double u2 = (double)(h & 0xffffffffu) / 4294967296.0;
    double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2); /* Box-Muller */
    return exp(sigma * z - sigma * sigma / 2);
}

/* shipped (with the carrier cost and the promise), cost (pick, pack),
 * delivered, and maybe returned. */
static int ship_events(sim_t *s, const ordo_order_t *o, const ordo_shipment_t *sh, uint32_t i,
                       const sim_ship_t *t, int64_t promise, ordo_error_t *err)
{
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
    if (i == 0) /* one delivered order for the customer's history */
        s->ev_cust[s->n_ev - 1] = ordo_engine_customer_key(o->customer_id);
    s->sum->units_shipped += sh->units;
    double rr, value = shipment_value(s, sh, &rr);
    double late_days = promise && t->delivered > promise ? (t->delivered - promise) / 86400.0 + 1 : 0;
    double p = rr * (1 + s->sc.return_late_factor * late_days) *
               sim_customer_return_factor(o->customer_id, s->sc.return_customer_sigma);
    if (ordo_rng_uniform(&s->rng[SIM_RNG_RETURN]) >= (p > 0.9 ? 0.9 : p))
        return ORDO_OK;
    int64_t at = t->delivered + 4 * 86400;
    if ((rc = push(s, o->id, i, "r", ORDO_OUTCOME_RETURNED, at, err)))
        return rc;
    s->ev_cust[s->n_ev - 1] = ordo_engine_customer_key(o->customer_id);
    s->ev[s->n_ev - 1].refund = value;
    s->ev[s->n_ev - 1].has_refund = true;
    if ((rc = push(s, o->id, i, "rc", ORDO_OUTCOME_COST, at, err)))
        return rc;
    s->ev[s->n_ev - 1].cost[ORDO_COST_RETURN] = s->sc.return_cost;
    s->ev[s->n_ev - 1].cost_mask = 1u << ORDO_COST_RETURN;
    s->sum->units_returned += sh->units;
    return ORDO_OK;
}

/* Units the plan left short, split into backordered and cancelled (a
 * reroute's units were counted with the order it came from; what its plan
 * does not source is cancelled). */
static uint32_t plan_accounting(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan,
                                bool reroute)
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
    if (cancelled > shortq || reroute)
        cancelled = shortq;
    if (reroute)
        s->sum->units_short_cancelled += cancelled;
    else
        s->sum->units_ordered += ordered;
    s->sum->units_cancelled += cancelled;
    s->sum->units_backordered += shortq - cancelled;
    return planned;
}

/* Ships what the shelves hold: each shipment picked against the true
 * stock (sim_pick), short lines left out; then the events. */
static int ship_all(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, const sim_ship_t *t,
                    int64_t promise, bool late, ordo_error_t *err)
{
    ordo_plan_line_t buf[ORDO_ORDER_MAX_LINES];
    uint32_t units = 0;
    int rc = ORDO_OK;
    for (uint32_t i = 0; !rc && i < plan->n_shipments; i++) {
        ordo_shipment_t picked;
        if (!sim_pick(s, o, plan->promise, &plan->shipments[i], &picked, buf,
                      ORDO_ORDER_MAX_LINES, err, &rc) ||
            rc)
            continue;
        units += picked.units;
        rc = ship_events(s, o, &picked, i, &t[i], promise, err);
    }
    if (!rc && units) {
        s->sum->orders_delivered++;
        s->sum->orders_late += late;
    }
    return rc ? rc : sim_settle_queue(s, o->id, true, err);
}

static int world_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, bool reroute,
                       ordo_error_t *err)
{
    uint32_t planned = plan_accounting(s, o, plan, reroute);
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
        int rc = sim_settle_queue(s, o->id, false, err);
        if (!rc)
            rc = push(s, o->id, 0, "x", ORDO_OUTCOME_CANCELLED, at, err);
        return rc ? rc : sim_ops_order(s, o, plan, t, promise, at, err);
    }
    int rc = ship_all(s, o, plan, t, promise, late, err);
    return rc ? rc : sim_ops_order(s, o, plan, t, promise, 0, err);
}

int sim_order_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err)
{
    return world_order(s, o, plan, false, err);
}

int sim_reroute_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err)
{
    return world_order(s, o, plan, true, err);
}
