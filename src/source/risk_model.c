/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — learned risk in the engine (include/ordo/source.h
 * ordo_engine_set_risk): the atomic swap of the risk table, and the
 * cancellation probability a shipment is priced with when the policy
 * prices cancellation and does not say "risk": "parametric".
 * docs/internals/SOURCING.md "Learned risk". */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

void ordo_engine_set_risk(ordo_engine_t *e, ordo_risk_table_t *t)
{
    ordo_risk_table_t *old = atomic_exchange_explicit(&e->risk_tab, t, memory_order_acq_rel);
    if (!old)
        return;
    /* a decision that loaded old may still read it: keep it to free */
    ordo_risk_table_t *head = atomic_load_explicit(&e->risk_tab_retired, memory_order_relaxed);
    do {
        old->retired_next = head;
    } while (!atomic_compare_exchange_weak_explicit(&e->risk_tab_retired, &head, old,
                                                    memory_order_release, memory_order_relaxed));
}

const ordo_risk_table_t *ordo_engine_risk(const ordo_engine_t *e)
{
    return atomic_load_explicit(&((ordo_engine_t *)e)->risk_tab, memory_order_acquire);
}

void src_riskm_free(ordo_engine_t *e)
{
    free(atomic_load(&e->risk_tab));
    ordo_risk_table_t *r = atomic_load(&e->risk_tab_retired);
    while (r) {
        ordo_risk_table_t *next = r->retired_next;
        free(r);
        r = next;
    }
}

static inline double sigmoid(double z)
{
    return 1 / (1 + exp(-z));
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
}

double src_riskm_cancel(const src_ctx_t *x, double ot)
{
    double late = 1 - ot;
    late = late < 0 ? 0 : late > 1 ? 1 : late;
    return sigmoid(x->rt_cancel0 + x->rtab->c_late * late);
}
