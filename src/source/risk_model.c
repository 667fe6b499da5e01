/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — learned risk in the engine (include/ordo/source.h
 * ordo_engine_set_risk): the atomic swap of the risk table, the return
 * probability a shipment's returns are priced with, and the cancellation
 * probability when the policy prices cancellation, unless the policy says
 * "risk": "parametric".
 * docs/internals/SOURCING.md "Learned risk". */
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "ordo/network.h"
#include "ordo/order.h"

void ordo_engine_set_risk(ordo_engine_t *e, ordo_risk_table_t *t)
{
    src_swap_set(&e->risk_tab, t, offsetof(ordo_risk_table_t, retired_next));
}

const ordo_risk_table_t *ordo_engine_risk(const ordo_engine_t *e)
{
    return src_swap_get(&e->risk_tab);
}

void src_riskm_free(ordo_engine_t *e)
{
    src_swap_free(&e->risk_tab, offsetof(ordo_risk_table_t, retired_next), free);
}

static inline double sigmoid(double z)
{
    return 1 / (1 + exp(-z));
}

/* Farther than any two points on Earth (miles): the return floor's distance. */
#define RT_MAX_MILES 12500.0

static inline double neg(double v)
{
    return v < 0 ? v : 0;
}

/* A family's return coefficient (beyond the table: its first). */
static inline double fam_coef(const ordo_risk_table_t *t, uint32_t fam)
{
    return t->ret_family[fam < ORDO_RISK_TABLE_FAMILIES ? fam : 0];
}

/* The customer's return history term: from the engine's counts
 * (cust_hist.c) as training computes it (risk_data.c: returns / (delivered
 * orders + 2), and "a delivered order seen"); at the training mean when the
 * engine has no history or the order no customer id. */
static double history(const src_ctx_t *x)
{
    const ordo_risk_table_t *t = x->rtab;
    uint32_t n, r;
    const char *id = x->order->customer_id;
    if (!id || !*id || src_cust_lookup(x->eng, id, &n, &r) < 0)
        return t->r_history;
    r = r < n ? r : n; /* a return per returned shipment: at most one an order */
    return t->r_rate * ((double)r / ((double)n + 2)) + (n > 0 ? t->r_known : 0);
}

/* The return logit's decision part: service level, log(1 + order value)
 * and the customer's history (history()); its floor takes the
 * lowest coefficient of the order's families, split or not, lateness in
 * [0, 1] and miles in [0, RT_MAX_MILES] at their most favourable values. */
static void ret_begin(src_ctx_t *x, unsigned lvl)
{
    const ordo_risk_table_t *t = x->rtab;
    const ordo_order_t *o = x->order;
    double value = 0, fam = INFINITY;
    for (uint32_t i = 0; i < o->n_lines; i++) {
        const ordo_sku_t *sk = &x->net->skus[o->lines[i].sku];
        value += o->lines[i].quantity * sk->price;
        double f = fam_coef(t, sk->family);
        fam = f < fam ? f : fam;
    }
    if (!isfinite(fam))
        fam = 0;
    x->rt_ret0 = t->ret_level[lvl] + t->r_value * log1p(value > 0 ? value : 0) + history(x);
    x->rt_ret_lb = sigmoid(x->rt_ret0 + fam + neg(t->r_split) + neg(t->r_late) +
                           neg(t->r_miles) * log1p(RT_MAX_MILES));
}

/* The snapshot this decision reads (none when the policy says "risk":
 * "parametric" or the engine has none) and the decision's part of the
 * cancellation logit: service level, calendar days to the promise, the
 * rest at its training means; the floor takes 1 - P(on time) in [0, 1]. */
void src_riskm_begin(src_ctx_t *x)
{
    x->rtab = x->policy && x->policy->risk.parametric ? NULL : ordo_engine_risk(x->eng);
    if (!x->rtab)
        return;
    const ordo_risk_table_t *t = x->rtab;
    unsigned lvl = (unsigned)x->order->level < 8 ? (unsigned)x->order->level : 0;
    double days = x->promise > 0 ? floor((double)x->promise / 86400) -
                                       floor((double)x->as_of / 86400)
                                 : 0;
    x->rt_cancel0 = t->can_level[lvl] + t->c_promise * days + t->c_rest;
    x->rt_cancel_lb = sigmoid(x->rt_cancel0 + (t->c_late < 0 ? t->c_late : 0));
    ret_begin(x, lvl);
}

double src_riskm_cancel(const src_ctx_t *x, double ot)
{
    double late = 1 - ot;
    late = late < 0 ? 0 : late > 1 ? 1 : late;
    return sigmoid(x->rt_cancel0 + x->rtab->c_late * late);
}

/* A shipment's return logit without lateness: the family of its line of
 * most value (the first on a tie, as decision records name the order's),
 * split when it carries only some of the lines, log(1 + miles). */
double src_riskm_return_z(const src_ctx_t *x, uint32_t mask, double miles)
{
    const ordo_risk_table_t *t = x->rtab;
    double best = -1;
    uint32_t fam = 0;
    for (uint32_t m = mask; m; m &= m - 1) {
        const src_line_t *l = &x->lines[__builtin_ctz(m)];
        double v = l->price * l->qty;
        if (v > best) {
            best = v;
            fam = x->net->skus[l->sku].family;
        }
    }
    double fz = fam_coef(t, fam);
    double mi = miles > 0 ? (miles < RT_MAX_MILES ? miles : RT_MAX_MILES) : 0;
    return x->rt_ret0 + fz + (mask != x->all_mask ? t->r_split : 0) + t->r_miles * log1p(mi);
}

/* P(return) of a shipment of logit part z delivered on time with ot. */
double src_riskm_return(const src_ctx_t *x, double z, double ot)
{
    double late = 1 - ot;
    late = late < 0 ? 0 : late > 1 ? 1 : late;
    return sigmoid(z + x->rtab->r_late * late);
}
