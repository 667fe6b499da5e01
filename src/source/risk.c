/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the risk terms of a shipment (docs/internals/SOURCING.md, "Risk
 * terms"; the policy's "risk" object and "carrier_caps", docs/policies.md):
 *
 * - stale stock: a count's age lowers the confidence that its units are
 *   there; a line's chance of a short pick costs short_pick_cost;
 * - customer value: a cohort's or lifetime value's weight on the on-time
 *   term and on the cancellation cost;
 * - cancellation: P(cancel) grows with the expected business days late;
 * - carrier caps: the shipments of each carrier over a rolling window
 *   (lock-free hourly slots in the engine); a carrier at its cap is not
 *   chosen under a strategy.
 *
 * All off (one flag test per shipment) unless the policy names them. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/inventory.h"

/* ---- carrier windows (engine state) ---- */

#define CW_BITS 24
#define CW_MASK ((1ull << CW_BITS) - 1)

bool src_risk_engine_init(ordo_engine_t *e)
{
    const ordo_network_t *net = e->net;
    e->svc_carrier = malloc(net->n_services ? net->n_services : 1);
    e->carriers = calloc(net->n_services + 1, sizeof *e->carriers);
    if (!e->svc_carrier || !e->carriers)
        return false;
    for (uint32_t s = 0; s < net->n_services; s++) {
        const char *name = net->services[s].carrier;
        uint32_t k = 0;
        while (k < e->n_carriers && strcmp(e->carriers[k], name))
            k++;
        if (k == e->n_carriers && k < 64)
            e->carriers[e->n_carriers++] = name;
        e->svc_carrier[s] = k < 64 ? (uint8_t)k : 0xff; /* beyond 64 carriers: not cappable */
    }
    /* one row per carrier and a last one of all carriers */
    e->cwin = calloc((size_t)(e->n_carriers + 1) * SRC_CWIN_SLOTS, sizeof *e->cwin);
    return e->cwin != NULL;
}

void src_risk_engine_free(ordo_engine_t *e)
{
    free(e->svc_carrier);
    free(e->carriers);
    free((void *)e->cwin);
}

static int carrier_index(const ordo_engine_t *e, const char *name)
{
    for (uint32_t k = 0; k < e->n_carriers; k++)
        if (!strcmp(e->carriers[k], name))
            return (int)k;
    return -1;
}

static inline uint64_t hour_of(int64_t at)
{
    return at > 0 ? (uint64_t)at / 3600 : 0;
}

/* One slot of a row: the count of its hour, a new hour resetting it. A
 * slot holding a later hour (an order dated before the window's newest)
 * is left alone, and taking back touches only its own hour. */
static void slot_add(_Atomic uint64_t *row, uint64_t hour, int d)
{
    _Atomic uint64_t *slot = &row[hour % SRC_CWIN_SLOTS];
    uint64_t v = atomic_load_explicit(slot, memory_order_relaxed), nv;
    do {
        uint64_t h = v >> CW_BITS, n = v & CW_MASK;
        if (h != hour) {
            if (d < 0 || h > hour)
                return;
            n = 0;
        }
        n = d > 0 ? (n < CW_MASK ? n + 1 : n) : (n ? n - 1 : 0);
        nv = hour << CW_BITS | n;
    } while (!atomic_compare_exchange_weak_explicit(slot, &v, nv, memory_order_relaxed,
                                                    memory_order_relaxed));
}

/* Shipments in row over the window_hours ending at hour. */
static uint64_t row_sum(const _Atomic uint64_t *row, uint64_t hour, uint32_t window_hours)
{
    uint64_t n = 0;
    if (window_hours > SRC_CWIN_SLOTS)
        window_hours = SRC_CWIN_SLOTS;
    for (uint32_t k = 0; k < window_hours && k <= hour; k++) {
        uint64_t h = hour - k;
        uint64_t v = atomic_load_explicit(&row[h % SRC_CWIN_SLOTS], memory_order_relaxed);
        if (v >> CW_BITS == h)
            n += v & CW_MASK;
    }
    return n;
}

static _Atomic uint64_t *cw_row(const ordo_engine_t *e, uint32_t k)
{
    return (_Atomic uint64_t *)&e->cwin[(size_t)k * SRC_CWIN_SLOTS];
}

void src_risk_commit(ordo_engine_t *e, const ordo_plan_t *plan, int64_t at, int d)
{
    uint64_t hour = hour_of(at);
    for (uint32_t s = 0; s < plan->n_shipments; s++) {
        int32_t si = plan->shipments[s].service;
        if (si < 0 || (uint32_t)si >= e->net->n_services || e->svc_carrier[si] == 0xff)
            continue;
        slot_add(cw_row(e, e->svc_carrier[si]), hour, d);
        slot_add(cw_row(e, e->n_carriers), hour, d);
    }
}

int ordo_engine_carrier_volume(const ordo_engine_t *e, const char *carrier, int64_t at,
                               uint32_t window_hours, uint64_t *carrier_n, uint64_t *total_n)
{
    int k = carrier ? carrier_index(e, carrier) : (int)e->n_carriers;
    if (k < 0)
        return ORDO_ENOTFOUND;
    uint64_t hour = hour_of(at);
    if (carrier_n)
        *carrier_n = row_sum(cw_row(e, (uint32_t)k), hour, window_hours);
    if (total_n)
        *total_n = row_sum(cw_row(e, e->n_carriers), hour, window_hours);
    return ORDO_OK;
}

int ordo_engine_add_carrier_volume(ordo_engine_t *e, const char *carrier, int64_t at,
                                   int32_t shipments)
{
    int k = carrier ? carrier_index(e, carrier) : -1;
    if (k < 0)
        return ORDO_ENOTFOUND;
    uint64_t hour = hour_of(at);
    int d = shipments < 0 ? -1 : 1;
    for (int32_t i = 0; i != shipments; i += d) {
        slot_add(cw_row(e, (uint32_t)k), hour, d);
        slot_add(cw_row(e, e->n_carriers), hour, d);
    }
    return ORDO_OK;
}

/* ---- per decision ---- */

/* The customer's weight: the first cohort of the policy's list that is the
 * order's, else lifetime value over the reference (at least 1, at most
 * ltv_max_weight) when a reference is set, else 1. */
static double value_weight(const ordo_risk_policy_t *r, const ordo_order_t *o)
{
    for (uint32_t k = 0; k < r->n_cohorts; k++)
        if (o->cohort && !strcmp(o->cohort, r->cohort[k]))
            return r->cohort_weight[k];
    if (r->ltv_reference > 0) {
        double m = o->lifetime_value / r->ltv_reference;
        return m < 1 ? 1 : m > r->ltv_max_weight ? r->ltv_max_weight : m;
    }
    return 1;
}

/* A cap blocks its carrier when the window holds at least min_shipments
 * and one more shipment would take the carrier's share above max_share. */
static uint64_t caps_blocked(const src_ctx_t *x, const ordo_risk_policy_t *r)
{
    uint64_t block = 0, hour = hour_of(x->as_of);
    for (uint32_t i = 0; i < r->n_caps; i++) {
        const ordo_carrier_cap_t *cap = &r->caps[i];
        int k = carrier_index(x->eng, cap->carrier);
        if (k < 0)
            continue; /* no service of the network: no volume to cap */
        uint64_t total = row_sum(cw_row(x->eng, x->eng->n_carriers), hour, cap->window_hours);
        if (total < cap->min_shipments)
            continue;
        uint64_t n = row_sum(cw_row(x->eng, (uint32_t)k), hour, cap->window_hours);
        if ((double)(n + 1) > cap->max_share * (double)(total + 1))
            block |= 1ull << k;
    }
    return block;
}

void src_risk_init(src_ctx_t *x)
{
    x->risk_on = 0;
    x->risk_m = 1;
    x->risk_block = 0;
    x->wt_for = NULL;
    for (int t = 0; t < ORDO_NODE_TYPES; t++) { /* no count is that old */
        x->risk_asof[t] = INT64_MIN;
        x->risk_r[t] = 1;
    }
    if (!x->policy)
        return;
    const ordo_risk_policy_t *r = &x->policy->risk;
    x->risk_on = (r->stale_stock ? SRC_RISK_STALE : 0) | (r->cancellation ? SRC_RISK_CANCEL : 0) |
                 (r->n_caps ? SRC_RISK_CAPS : 0);
    if (r->customer_value) {
        x->risk_m = value_weight(r, x->order);
        x->risk_on |= SRC_RISK_VALUE;
    }
    if (r->n_caps)
        x->risk_block = caps_blocked(x, r);
}

const ordo_weights_t *src_risk_weights_scaled(src_ctx_t *x)
{
    if (x->wt_for != x->strat) {
        x->wt = x->strat->weights;
        x->wt.on_time *= x->risk_m;
        x->wt_for = x->strat;
    }
    return &x->wt;
}

uint32_t src_risk_cap_block(const src_ctx_t *x, const ordo_node_t *node, uint32_t allowed)
{
    if (!x->strat) /* the fallback rule ignores caps */
        return allowed;
    for (uint32_t k = 0; k < node->n_services && k < 32; k++) {
        uint8_t ci = x->eng->svc_carrier[node->services[k]];
        if (ci != 0xff && (x->risk_block >> ci & 1))
            allowed &= ~(1u << k);
    }
    return allowed;
}

/* ---- stale stock ---- */

/* P(the count is still right) after age_h hours, half-life half_life_h */
static inline double still_right(double age_h, double half_life_h)
{
    return half_life_h > 0 && age_h > 0 ? exp2(-age_h / half_life_h) : 1;
}

static inline double confidence_of(double r, double atp, double need)
{
    if (atp < need || atp <= 0)
        return 0;
    return r + (1 - r) * (atp - need + 1) / (atp + 1);
}

double ordo_stock_confidence(double age_h, double half_life_h, double atp, double need)
{
    return confidence_of(still_right(age_h, half_life_h), atp, need);
}

/* Line i's confidence at the candidate when need units of its SKU ship.
 * The context is the decision's own (const for the callers' sake): the
 * per-type memo of the last as_of is the only thing written. */
static double line_confidence(const src_ctx_t *x, const src_cand_t *c, uint32_t i, double need)
{
    src_ctx_t *mx = (src_ctx_t *)x;
    const ordo_risk_policy_t *rp = &x->policy->risk;
    unsigned t = (unsigned)x->net->nodes[c->node].type;
    if (t >= ORDO_NODE_TYPES)
        return confidence_of(1, c->atp[i], need);
    ordo_stock_t st;
    ordo_inventory_get(x->net->inventory, c->cell[i], &st);
    if (st.as_of != x->risk_asof[t]) {
        double age = st.as_of ? (double)(x->as_of - st.as_of) / 3600.0 : rp->unknown_age_hours;
        mx->risk_asof[t] = st.as_of;
        mx->risk_r[t] = still_right(age, rp->half_life_hours[t]);
    }
    return confidence_of(x->risk_r[t], c->atp[i], need);
}

void src_risk_line(const src_ctx_t *x, const src_cand_t *c, uint32_t i, uint32_t need,
                   src_eval_t *o)
{
    double conf = line_confidence(x, c, i, need);
    o->risk.stock_confidence *= conf;
    o->risk.short_pick += (1 - conf) * x->policy->risk.short_pick_cost;
}

/* The cancellation rate with no lateness (its lower bound). */
static inline double cancel_floor(const ordo_risk_policy_t *r)
{
    return r->cancel_base < r->cancel_max ? r->cancel_base : r->cancel_max;
}

double src_risk_line_lb(const src_ctx_t *x, const src_cand_t *c, uint32_t i)
{
    if (!(x->risk_on & (SRC_RISK_STALE | SRC_RISK_CANCEL)))
        return 0;
    const ordo_risk_policy_t *r = &x->policy->risk;
    const src_line_t *l = &x->lines[i];
    double lb = 0;
    if (x->risk_on & SRC_RISK_STALE) /* a larger need only lowers the confidence */
        lb += (1 - line_confidence(x, c, i, l->qty)) * r->short_pick_cost;
    if (x->risk_on & SRC_RISK_CANCEL) /* P(cancel) ≥ its floor; per-shipment part ≥ 0 */
        lb += x->risk_m * (x->rtab ? x->rt_cancel_lb : cancel_floor(r)) * r->cancel_value_share *
              l->qty * l->price;
    return lb;
}

void src_risk_shipment(const src_ctx_t *x, uint32_t mask, src_eval_t *o)
{
    const ordo_risk_policy_t *r = &x->policy->risk;
    o->risk.set = true;
    o->risk.value_weight = x->risk_m;
    if (x->risk_on & SRC_RISK_CANCEL) {
        double value = 0;
        for (uint32_t m = mask; m; m &= m - 1) {
            const src_line_t *l = &x->lines[__builtin_ctz(m)];
            value += l->qty * l->price;
        }
        double p = r->cancel_base + r->cancel_per_day_late * o->late;
        p = p < r->cancel_max ? p : r->cancel_max;
        if (x->rtab) /* the learned model, unless the policy says "parametric" */
            p = src_riskm_cancel(x, o->on_time);
        o->risk.cancel_prob = p;
        o->risk.cancellation =
            x->risk_m * p * (r->cancel_cost_per_shipment + r->cancel_value_share * value);
    }
    o->risk.total = o->risk.short_pick + o->risk.cancellation;
}

/* Totals: confidence and P(no cancellation) multiply (independent
 * shipments), costs add. */
static void risk_add(ordo_risk_t *t, const ordo_risk_t *r)
{
    t->set = true;
    t->stock_confidence *= r->stock_confidence;
    t->short_pick += r->short_pick;
    t->cancellation += r->cancellation;
    t->total += r->total;
    t->value_weight = r->value_weight;
    t->cancel_prob = 1 - (1 - t->cancel_prob) * (1 - r->cancel_prob);
}

void src_risk_plan_add(ordo_plan_t *plan, const ordo_shipment_t *sh, bool first)
{
    if (first)
        src_risk_reset(&plan->risk);
    if (sh->risk.set)
        risk_add(&plan->risk, &sh->risk);
}

void src_risk_plan_merge(ordo_risk_t *dst, const ordo_risk_t *src)
{
    if (!src->set)
        return;
    if (!dst->set)
        src_risk_reset(dst);
    risk_add(dst, src);
}
