/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — signals in the engine: the snapshot swap, and what the signals in
 * force at an order's instant do to its candidates (capacity, pick cost,
 * labour, closed nodes) and its carrier services (rate, fuel, outages).
 * docs/internals/SOURCING.md "Signals". */
#include <math.h>
#include <string.h>

#include "internal.h"

void ordo_engine_set_signals(ordo_engine_t *e, ordo_signals_t *snap)
{
    ordo_signals_t *old = atomic_exchange_explicit(&e->signals, snap, memory_order_acq_rel);
    if (!old)
        return;
    /* a decision that loaded old may still read it: keep it to destroy */
    ordo_signals_t *head = atomic_load_explicit(&e->retired, memory_order_relaxed);
    do {
        *ordo_signals_retired_next(old) = head;
    } while (!atomic_compare_exchange_weak_explicit(&e->retired, &head, old, memory_order_release,
                                                    memory_order_relaxed));
}

const ordo_signals_t *ordo_engine_signals(const ordo_engine_t *e)
{
    const ordo_signals_t *s =
        atomic_load_explicit(&((ordo_engine_t *)e)->signals, memory_order_acquire);
    return s ? s : ordo_signals_empty();
}

/* Called by ordo_engine_destroy: the snapshot in force and the retired. */
void src_signals_free(ordo_engine_t *e)
{
    ordo_signals_destroy(atomic_load(&e->signals));
    ordo_signals_t *r = atomic_load(&e->retired);
    while (r) {
        ordo_signals_t *next = *ordo_signals_retired_next(r);
        ordo_signals_destroy(r);
        r = next;
    }
}

void src_signal_used(src_ctx_t *x, const ordo_signal_t *g, const char *effect)
{
    for (uint32_t i = 0; i < x->n_sig_used; i++)
        if (x->sig_used[i].signal == g && !strcmp(x->sig_used[i].effect, effect))
            return;
    if (x->n_sig_used < ORDO_PLAN_MAX_SIGNALS)
        x->sig_used[x->n_sig_used++] = (ordo_signal_use_t){g, effect};
}

static const ordo_labour_policy_t *labour_policy(const src_ctx_t *x)
{
    static const ordo_labour_policy_t dflt = {0.8, 0.98, 1};
    const ordo_labour_policy_t *lp = x->policy ? &x->policy->labour : &dflt;
    return lp->exclude_at > lp->threshold ? lp : &dflt;
}

double src_labour_penalty(const src_ctx_t *x, const src_cand_t *c)
{
    const ordo_labour_policy_t *lp = labour_policy(x);
    if (c->labour_u <= lp->threshold)
        return 0;
    double r = (c->labour_u - lp->threshold) / (lp->exclude_at - lp->threshold);
    return lp->penalty * r * r;
}

/* Status and labour: the node's capacity and pick cost while in force. */
static void node_capacity(src_ctx_t *x, src_cand_t *c)
{
    const ordo_signal_t *lab = ordo_signals_node(x->sig, ORDO_SIGNAL_LABOUR, c->node, x->as_of);
    if (lab) {
        if (!isnan(lab->capacity))
            c->cap = lab->capacity;
        if (!isnan(lab->labour_rate))
            c->pick = lab->labour_rate / lab->picks_per_hour;
        src_signal_used(x, lab, "labour");
    }
    const ordo_signal_t *st =
        ordo_signals_node(x->sig, ORDO_SIGNAL_NODE_STATUS, c->node, x->as_of);
    if (!st || st->state == ORDO_NODE_STATE_OPEN)
        return;
    if (st->state == ORDO_NODE_STATE_CLOSED) {
        c->sig_excl = st;
        c->sig_rule = "signal:node_closed";
        src_signal_used(x, st, "closed");
        return;
    }
    c->cap *= st->capacity_factor;
    src_signal_used(x, st, "degraded");
}

void src_cand_signals(src_ctx_t *x, src_cand_t *c)
{
    src_cand_node_as_is(x, c);
    if (!ordo_signals_count(x->sig))
        return;
    node_capacity(x, c);
    const ordo_signal_t *bl = ordo_signals_node(x->sig, ORDO_SIGNAL_BACKLOG, c->node, x->as_of);
    if (!bl || c->sig_excl)
        return;
    /* no capacity (0: unlimited) and a backlog: nothing to saturate */
    c->labour_u = c->cap > 0 ? bl->backlog / c->cap : 0;
    const ordo_labour_policy_t *lp = labour_policy(x);
    if (c->labour_u >= lp->exclude_at) {
        c->sig_excl = bl;
        c->sig_rule = "signal:labour_saturated";
        src_signal_used(x, bl, "labour_saturated");
    } else {
        src_signal_used(x, bl, c->labour_u > lp->threshold ? "labour_penalty" : "backlog");
    }
}

void src_svcx_signals(src_ctx_t *x, uint32_t s, src_svcx_t *sx)
{
    sx->rate_sig = sx->out_sig = NULL;
    sx->rmult = 1;
    sx->fuel_pct = x->net->services[s].fuel_surcharge_pct;
    if (!ordo_signals_count(x->sig))
        return;
    const ordo_signal_t *g = ordo_signals_rate(x->sig, s, x->as_of);
    if (g) {
        sx->rate_sig = g;
        if (!isnan(g->rate_multiplier))
            sx->rmult = g->rate_multiplier;
        if (!isnan(g->fuel_pct))
            sx->fuel_pct = g->fuel_pct;
        sx->mult = sx->rmult * (1 + sx->fuel_pct / 100.0);
        src_signal_used(x, g, "rate");
        x->svc_signals = true;
    }
    if (x->order->ship_zip &&
        (sx->out_sig = ordo_signals_outage(x->sig, s, x->order->ship_zip3, x->as_of))) {
        src_signal_used(x, sx->out_sig, "outage");
        x->svc_signals = true;
    }
}

void src_cand_one_lb(const src_ctx_t *x, src_cand_t *c)
{
    const ordo_node_t *node = &x->net->nodes[c->node];
    double best = INFINITY;
    for (uint32_t k = 0; c->zone >= 1 && k < node->n_services; k++) {
        uint32_t si = node->services[k];
        const ordo_carrier_service_t *svc = &x->net->services[si];
        if (x->svcx[si].out_sig)
            continue;
        double add =
            x->order->residential ? svc->residential_surcharge + svc->liftgate_surcharge : 0;
        double t = x->eng->base_min[si][c->zone - 1][1] * x->svcx[si].mult + add;
        if (t < best)
            best = t;
    }
    c->one_lb = isfinite(best) ? best : 0;
}

void src_plan_signals(src_ctx_t *x, ordo_plan_t *plan)
{
    plan->signals_version = ordo_signals_version(x->sig);
    plan->n_signals = 0;
    plan->signals = NULL;
    if (!x->n_sig_used)
        return;
    plan->signals = ordo_arena_alloc(x->arena, sizeof *plan->signals * x->n_sig_used);
    if (!plan->signals)
        return;
    memcpy(plan->signals, x->sig_used, sizeof *plan->signals * x->n_sig_used);
    plan->n_signals = x->n_sig_used;
}
