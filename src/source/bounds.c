/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — optimistic bounds on a shipment's score, for the searches: per
 * line group and candidate (src_upper_bound_sub, with the services a
 * criteria strategy can choose), per criterion (the lead), and decomposed
 * per line and per shipment (src_line_ub, src_fixed_ub). The weighted
 * bounds use the score's own formula (src_weighted_score, internal.h); the
 * criteria bounds mirror the terms of score_criteria (features.c). */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Billable whole pounds for the bound tables, clamped to 1..150 (heavier
 * parcels cost at least the 150-lb rate). */
static inline int billable_lb(double weight, double cubic, double inv_div, double dim_min)
{
    double dim = cubic > dim_min ? cubic * inv_div : 0;
    int wl = src_ceil_int((weight > dim ? weight : dim) - 1e-9);
    if (wl < 1)
        wl = 1;
    if (wl >= SRC_RET_LB)
        wl = SRC_RET_LB - 1;
    return wl;
}

/* Is the subset's parcel beyond the rate tables by a service with this 1/dim
 * (criteria_service_bound then leaves the choice to ordo_rate_parcel)? */
static inline bool sub_heavy(const src_subset_t *sub, double inv_div, double dim_min)
{
    double w = sub->weight > 0 ? sub->weight : 0.1;
    double dim = sub->cubic > dim_min ? sub->cubic * inv_div : 0;
    return (w > dim ? w : dim) > 149.5;
}

/* Does a size or weight rule of the service (a limit, additional handling,
 * large package) apply to the subset's parcel? Then its shipping is not the
 * table's, and criteria_service_bound leaves the choice to the evaluation.
 * *over: a limit, so the service cannot carry it at all. */
static inline bool sub_sized(const ordo_carrier_service_t *svc, const src_subset_t *sub, int wl,
                             bool *over)
{
    ordo_parcel_t p = {sub->weight > 0 ? sub->weight : 0.1, sub->cubic,
                       {sub->side[0], sub->side[1], sub->side[2]}};
    double h, mb;
    int kind;
    *over = ordo_service_size_rules(svc, &p, wl, &h, &mb, &kind) != NULL;
    return *over || kind != 0;
}

/* Can service s not carry the subset's parcel (known for the first
 * SRC_MAX_SERVICES services; the others count as able, which keeps the
 * bounds optimistic)? */
static inline bool sub_over(const src_subset_t *sub, uint32_t s)
{
    return s < sub->n_wl && (sub->over >> s & 1);
}

void src_subset_init(const src_ctx_t *x, uint32_t mask, src_subset_t *sub)
{
    double units = 0, rr_units = 0, weight = 0, cubic = 0, side[3] = {0, 0, 0};
    for (uint32_t m = mask; m; m &= m - 1) {
        const src_line_t *l = &x->lines[__builtin_ctz(m)];
        for (int k = 0; k < 3; k++)
            if (l->side[k] > side[k])
                side[k] = l->side[k];
        units += l->qty;
        rr_units += l->base_rr * l->qty;
        weight += l->weight * l->qty;
        cubic += l->cubic * l->qty;
    }
    sub->mask = mask;
    sub->units = units;
    sub->weight = weight;
    sub->cubic = cubic;
    sub->share = x->total_units > 0 ? units / x->total_units : 1;
    sub->rr = x->rtab ? x->rt_ret_lb : units ? rr_units / units : 0;
    src_parcel_sides(side, cubic, sub->side);
    /* billable pounds of the parcel by each service (dim divisors differ) */
    const ordo_engine_t *e = x->eng;
    uint32_t ns = x->net->n_services < SRC_MAX_SERVICES ? x->net->n_services : SRC_MAX_SERVICES;
    sub->heavy = sub->over = 0;
    double pw = weight > 0 ? weight : 0.1; /* the parcel's weight, as sub_sized takes it */
    double key[4];
    src_size_key(sub->side, key);
    for (uint32_t s = 0; s < ns; s++) {
        bool over = false;
        sub->wl[s] = (uint8_t)billable_lb(weight, cubic, e->inv_div[s], e->dim_min[s]);
        /* below every size rule of the service: no need to ask them */
        if ((!src_size_quiet(&e->quiet[s], pw, sub->wl[s], key) &&
             sub_sized(&x->net->services[s], sub, sub->wl[s], &over)) ||
            sub_heavy(sub, e->inv_div[s], e->dim_min[s]))
            sub->heavy |= 1ull << s;
        if (over)
            sub->over |= 1ull << s;
    }
    sub->n_wl = ns;
    sub->ret_known = 0;
}

/* The subset's billable pounds with a candidate's k-th service. */
static inline int sub_wl(const src_ctx_t *x, uint32_t s, const src_subset_t *sub)
{
    return s < sub->n_wl ? sub->wl[s]
                         : billable_lb(sub->weight, sub->cubic, x->svcx[s].inv_div,
                                       x->svcx[s].dim_min);
}

/* ship_lb and weighted_service_ub with the subset's billable pounds. */
static double ship_lb_sub(const src_ctx_t *x, const src_cand_t *c, const src_subset_t *sub)
{
    double best = INFINITY;
    for (uint32_t k = 0; k < c->n_svc; k++) {
        if (!(c->svc_ok >> k & 1))
            continue; /* never chosen for this order */
        uint32_t si = c->svcs[k];
        if (sub_over(sub, si))
            continue;
        const src_svcx_t *sx = &x->svcx[si];
        double t = src_svc_row(x, c, si)[sub_wl(x, si, sub)] * sx->mult + sx->add;
        if (t < best)
            best = t;
    }
    return isfinite(best) ? best : 0;
}

double src_ship_lb_zone(const src_ctx_t *x, const src_subset_t *sub, int zone, uint64_t svcs)
{
    const double *tab = (const double *)x->eng->base_min + (size_t)(zone - 1) * SRC_RET_LB;
    double best = INFINITY;
    for (uint32_t s = 0; s < x->net->n_services; s++) {
        if (s < 64 && !(svcs >> s & 1))
            continue;
        const src_svcx_t *sx = &x->svcx[s];
        double t = tab[(size_t)s * (ORDO_ZONES * SRC_RET_LB) + sub_wl(x, s, sub)] * sx->mult + sx->add;
        if (t < best)
            best = t;
    }
    return isfinite(best) ? best : 0;
}

/* The `svc` part of a weighted bound (src_weighted_score): the best
 * −cost·shipping + on-time term over the candidate's services. */
static double weighted_service_ub_sub(const src_ctx_t *x, const src_cand_t *c,
                                      const src_subset_t *sub, const ordo_weights_t *w,
                                      double share)
{
    double best = -INFINITY;
    for (uint32_t k = 0; k < c->n_svc; k++) {
        if (!(c->svc_ok >> k & 1))
            continue; /* never chosen for this order */
        uint32_t si = c->svcs[k];
        if (sub_over(sub, si))
            continue;
        const src_svcx_t *sx = &x->svcx[si];
        double t = -w->cost * (src_svc_row(x, c, si)[sub_wl(x, si, sub)] * sx->mult + sx->add) +
                   src_weighted_on_time(w, share, c->ot[k]);
        if (t > best)
            best = t;
    }
    return isfinite(best) ? best : 0;
}

/* An optimistic score: no shipment (S, node) can score above it. The parts
 * that depend only on S come from sub (src_subset_init), so a subset's many
 * candidates share them; every number is computed as it always was. */
/* Upper bound of one criterion's 0..1 term for a candidate serving `share`
 * of the order's units. cap_dos: days of supply capped at 1 (a whole-group
 * bound); uncapped for per-line bounds, which are summed and so must stay
 * additive (share·min(1, d) <= share·d). Returns false for criteria that
 * bound nothing here. */
static inline __attribute__((always_inline)) bool
criterion_ub_term(const ordo_criterion_t *k, const src_cand_t *c, const ordo_node_t *node,
                  bool pickup, double share, double cost, double dos, bool cap_dos, double util,
                  double rr, double ot_ub, double *term)
{
    switch (k->kind) {
    case ORDO_CRIT_DISTANCE: {
        double m = pickup ? 0 : c->miles;
        *term = share * (1 - (m < 3000 ? m : 3000) / 3000);
        return true;
    }
    case ORDO_CRIT_ZONE: {
        double z = pickup ? 0 : c->zone;
        *term = share * src_zone_term(z);
        return true;
    }
    case ORDO_CRIT_COST:
        *term = -cost / k->scale;
        return true;
    case ORDO_CRIT_ON_TIME:
        *term = share * ot_ub;
        return true;
    case ORDO_CRIT_ETA:
        *term = share;
        return true;
    case ORDO_CRIT_NODE_TYPE: {
        uint32_t rank = k->n_types;
        for (uint32_t q = 0; q < k->n_types; q++)
            if (k->type_order[q] == node->type)
                rank = q;
        *term = share * (1 - (double)(rank < k->n_types ? rank : 0) / k->n_types);
        return true;
    }
    case ORDO_CRIT_PRIORITY:
        *term = share / (1 + (node->priority > 0 ? node->priority : 0));
        return true;
    case ORDO_CRIT_DAYS_OF_SUPPLY:
        *term = share * (cap_dos && dos >= k->scale ? 1 : dos / k->scale);
        return true;
    case ORDO_CRIT_LOAD:
        *term = share * (1 - (util < 1 ? util : 1));
        return true;
    case ORDO_CRIT_RETURN_RISK:
        *term = share * (1 - rr);
        return true;
    default:
        return false;
    }
}

/* criteria_service_bound when several services meet the target: which of
 * them may be the cheapest (shipping plus returns raised by lateness, as
 * src_eval_shipment prices them, within a 1e-9 relative margin), their
 * shipping in ship[k]. */
static uint32_t cheapest_meeting(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node,
                                 src_subset_t *sub, uint32_t meets, double pe, double fixed_cost,
                                 double *ship)
{
    const ordo_engine_t *eng = x->eng;
    const ordo_source_params_t *P = &eng->p;
    uint32_t may = 0;
    uint32_t zbit = 1u << (c->zone - 1);
    if (!(sub->ret_known & zbit)) {
        sub->ret_base[c->zone - 1] = src_returns_at_base(x, sub->mask, c->zone);
        sub->ret_known |= zbit;
    }
    double ret_base = sub->ret_base[c->zone - 1];
    double base_rr = sub->rr;
    double rt_z = x->rtab ? src_riskm_return_z(x, sub->mask, c->miles) : 0;
    double var[ORDO_NODE_MAX_SERVICES];
    double lim = INFINITY;
    for (uint32_t m = meets; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctz(m), si = c->svcs[k];
        const src_svcx_t *sx = &x->svcx[si];
        ship[k] = eng->base_tab[si][c->zone - 1][sub_wl(x, si, sub)] * sx->mult + sx->add;
        double ot = c->ot[k], late;
        if (ot >= 1 - 1e-12) {
            late = 0;
        } else if ((c->late_set >> k & 1) && pe == c->late_pe[k]) {
            late = c->late[k];
        } else {
            late = src_cand_late(x, c, k, si, c->zone, c->s0, pe, src_promise_for(x, node));
            c->late_pe[k] = pe; /* the memo src_eval_shipment keeps */
            c->late[k] = late;
            c->late_set |= 1u << k;
        }
        if (x->rtab) { /* as price_service: ret_base is every unit's return cost */
            var[k] = ship[k] + ret_base * src_riskm_return(x, rt_z, ot);
        } else {
            double rr = base_rr * (1 + P->lateness_return_factor * late);
            if (rr > 1)
                rr = 1;
            var[k] = ship[k] + ret_base * (base_rr > 0 ? rr / base_rr : 0);
        }
        if (var[k] < lim)
            lim = var[k];
    }
    double mag = 1 + fabs(lim) + node->pack_cost_per_shipment +
                 c->pick * sub->units + fabs(fixed_cost);
    for (uint32_t m = meets; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctz(m);
        if (var[k] <= lim + 1e-9 * mag)
            may |= 1u << k;
    }
    return may;
}

/* The services the rule can choose at the candidate's extra-day chance pe
 * (the one meeting the target, the cheapest of several that do within the
 * margin, or the most punctual when none does): their best P(on time) in
 * *ot_b and their cheapest shipping, less a 1e-9 relative margin, in
 * *ship_b. */
static inline __attribute__((always_inline)) void
rule_choice(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node, src_subset_t *sub, double pe,
            double fixed_cost, double *ot_b, double *ship_b)
{
    const ordo_engine_t *eng = x->eng;
    uint32_t meets = c->sb_meets;
    double ship[ORDO_NODE_MAX_SERVICES];
    uint32_t may = 0;
    if (meets & (meets - 1)) {
        may = cheapest_meeting(x, c, node, sub, meets, pe, fixed_cost, ship);
    } else {
        may = c->sb_may1;
        for (uint32_t m = may; m; m &= m - 1) {
            uint32_t k = (uint32_t)__builtin_ctz(m), si = c->svcs[k];
            const src_svcx_t *sx = &x->svcx[si];
            ship[k] = eng->base_tab[si][c->zone - 1][sub_wl(x, si, sub)] * sx->mult + sx->add;
        }
    }
    double ot = -1, sh = INFINITY;
    for (uint32_t m = may; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctz(m);
        if (c->ot[k] > ot)
            ot = c->ot[k];
        if (ship[k] < sh)
            sh = ship[k];
    }
    *ot_b = ot;
    *ship_b = sh - 1e-9 * (1 + fabs(sh));
}

void src_cand_service_rule(const src_ctx_t *x, src_cand_t *c)
{
    double target = x->svc_target; /* src_service_target, once per preparation */
    uint32_t allowed = c->svc_ok, n = c->n_svc < ORDO_NODE_MAX_SERVICES ? c->n_svc
                                                                       : ORDO_NODE_MAX_SERVICES;
    c->sb_set = true;
    /* as criteria_service_bound requires: bounds set, every service of the
     * node described, no upgrade (svc_ok is ~0 exactly then) */
    c->sb_fast = c->ready && c->n_svc > 0 && c->n_svc == x->net->nodes[c->node].n_services &&
                 c->n_svc <= ORDO_NODE_MAX_SERVICES && c->svc_ok != ~0u;
    c->sb_bits = 0;
    c->sb_bits_ok = true;
    c->sb_meets = c->sb_may1 = 0;
    c->sb_best_ot = -1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t si = c->svcs[k];
        if (si < SRC_MAX_SERVICES)
            c->sb_bits |= 1ull << si;
        else
            c->sb_bits_ok = false;
        if (!(allowed >> k & 1))
            continue;
        if (c->ot[k] + 1e-12 >= target)
            c->sb_meets |= 1u << k;
        if (c->ot[k] > c->sb_best_ot)
            c->sb_best_ot = c->ot[k];
    }
    /* exactly one meets the target, or none: the most punctual */
    c->sb_may1 = c->sb_meets;
    if (!c->sb_meets)
        for (uint32_t k = 0; k < n; k++)
            if ((allowed >> k & 1) && c->ot[k] >= c->sb_best_ot - 1e-12)
                c->sb_may1 |= 1u << k;
}

/* Every strategy ships with the cheapest service whose P(on time) reaches
 * the target, else the most punctual (choose_service). When the
 * shipment leaves the node's chance of an extra processing day where the
 * candidate's bounds computed it (c->pe0), every service's P(on time) and
 * expected lateness are exactly those src_eval_shipment will use, and its
 * cost differs between services only by shipping and lateness-raised
 * returns, which are computed here as it computes them. The services that
 * can be chosen are then known up to rounding (a 1e-9 relative margin), and
 * the bound takes the best P(on time) and the cheapest shipping among them
 * rather than among all services. False (bound as before) when any of that
 * does not hold: another extra-day chance, a billable weight beyond the rate
 * tables, a partial service table. */
static __attribute__((noinline)) bool criteria_service_bound(src_ctx_t *x, uint32_t ci,
                                                             src_subset_t *sub, double fixed_cost,
                                                             double *ot_b, double *ship_b)
{
    src_cand_t *c = &x->cands[ci];
    if (!c->ready)
        return false;
    /* set once per candidate: the service table is whole and no standard
     * order may be upgraded (then the bound is over all services) */
    if (!c->sb_set)
        src_cand_service_rule(x, c);
    if (!c->sb_fast)
        return false;
    const ordo_node_t *node = &x->net->nodes[c->node];
    uint32_t n = c->n_svc;
    /* P(extra day) as processing() computes it */
    double cap = c->cap;
    double util = cap > 0 ? (c->load + sub->units) / cap : 0;
    double pe = util > 0.8 ? (util - 0.8) / 0.4 : 0;
    if (pe > 0.5)
        pe = 0.5;
    if (pe != c->pe0)
        return false;
    /* a service whose billable weight or size is beyond the tables:
     * ordo_rate_parcel decides */
    if (c->sb_bits_ok) {
        if (sub->heavy & c->sb_bits)
            return false;
    } else {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t si = c->svcs[k];
            if (si < SRC_MAX_SERVICES
                    ? (sub->heavy >> si & 1)
                    : sub_heavy(sub, x->svcx[si].inv_div, x->svcx[si].dim_min) ||
                          sub_sized(&x->net->services[si], sub, sub_wl(x, si, sub), &(bool){0}))
                return false;
        }
    }
    /* Which services meet the target, and the best P(on time), depend on the
     * node alone (pe is its pe0: src_cand_service_rule); shipping and
     * lateness-raised returns are needed only for the services that can be
     * chosen: the one meeting the target, the cheapest of several that do
     * (within the margin), or the most punctual when none does. */
    rule_choice(x, c, node, sub, pe, fixed_cost, ot_b, ship_b);
    return true;
}

/* src_upper_bound_sub of a weighted strategy with the tight service bound,
 * in the common case (the candidate's bounds set, its service table whole,
 * no upgrade, the candidate's extra-day chance, no service beyond the
 * tables): the same operands in the same order as the general path below
 * and criteria_service_bound, so the same bits, without re-checking per
 * call what holds per candidate. False: take the general path. */
static inline __attribute__((always_inline)) bool
weighted_tight_ub(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node, src_subset_t *sub,
                  const ordo_weights_t *w, double *out)
{
    if (!c->ready)
        return false;
    if (!c->sb_set) /* once per candidate, when a bound first needs it */
        src_cand_service_rule(x, c);
    if (!c->sb_fast || !c->sb_bits_ok || (sub->heavy & c->sb_bits))
        return false;
    double units = sub->units;
    double cap = c->cap; /* the node's capacity under the signals in force */
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double pe = util > 0.8 ? (util - 0.8) / 0.4 : 0;
    if (pe > 0.5)
        pe = 0.5;
    if (pe != c->pe0)
        return false;
    double fixed_cost = 0, econ = 0, dos_units = 0;
    for (uint32_t m = sub->mask; m; m &= m - 1) {
        uint32_t i = (uint32_t)__builtin_ctz(m);
        fixed_cost += c->fixed[i];
        econ += c->econ[i];
        if (w->overstock != 0)
            dos_units += c->dos[i] * x->lines[i].qty;
    }
    /* the services the rule can choose (criteria_service_bound) */
    double ot_s, ship_s;
    rule_choice(x, c, node, sub, pe, fixed_cost, &ot_s, &ship_s);
    double share = sub->share;
    double dos = units ? dos_units / units : 0;
    double cost_lb = c->pick * units + node->pack_cost_per_shipment + 0.0 + fixed_cost;
    double lp = util > 0.7 ? (util - 0.7) / 0.3 : 0;
    double svc_part = -w->cost * ship_s + src_weighted_on_time(w, share, ot_s);
    *out = src_weighted_score(w, share, cost_lb, econ, svc_part, sub->rr, lp * lp,
                              src_overstock_part(dos, true));
    return true;
}

void src_upper_bound_sub(src_ctx_t *x, uint32_t ci, src_subset_t *sub, bool tight, src_score_t *out)
{
    src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_strategy_t *st = x->strat;
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    if (tight && st->kind == ORDO_STRATEGY_WEIGHTED && c->zone >= 1 &&
        x->order->level != ORDO_LEVEL_PICKUP &&
        weighted_tight_ub(x, c, node, sub, src_risk_weights(x), &out->v[0]))
        return;
    bool weighted = st->kind == ORDO_STRATEGY_WEIGHTED;
    double fixed_cost = 0, econ = 0, dos_units = 0;
    if (weighted && st->weights.overstock == 0) {
        /* days of supply weigh nothing: the term below is 0 whatever they are */
        for (uint32_t m = sub->mask; m; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            fixed_cost += c->fixed[i];
            econ += c->econ[i];
        }
    } else {
        for (uint32_t m = sub->mask; m; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            fixed_cost += c->fixed[i];
            econ += c->econ[i];
            dos_units += c->dos[i] * x->lines[i].qty;
        }
    }
    double units = sub->units;
    double share = sub->share;
    double dos = units ? dos_units / units : 0;
    bool pickup = x->order->level == ORDO_LEVEL_PICKUP;
    double ship = 0, ot_b = c->ot_ub;
    if (!weighted && !pickup && c->zone >= 1 &&
        !(tight && criteria_service_bound(x, ci, sub, fixed_cost, &ot_b, &ship)))
        ship = ship_lb_sub(x, c, sub);
    double cost_lb =
        c->pick * units + node->pack_cost_per_shipment + ship + fixed_cost;
    double cap = c->cap;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double lp = util > 0.7 ? (util - 0.7) / 0.3 : 0;
    double rr = sub->rr;
    if (st->kind == ORDO_STRATEGY_WEIGHTED) {
        const ordo_weights_t *w = src_risk_weights(x);
        double svc_part, ot_s, ship_s;
        if (pickup || c->zone < 1)
            svc_part = src_weighted_on_time(w, share, c->ot_ub);
        else if (tight && criteria_service_bound(x, ci, sub, fixed_cost, &ot_s, &ship_s))
            /* the services the rule can choose: the cheapest shipping and
             * the best P(on time) among them */
            svc_part = -w->cost * ship_s + src_weighted_on_time(w, share, ot_s);
        else
            svc_part = weighted_service_ub_sub(x, c, sub, w, share);
        out->v[0] = src_weighted_score(w, share, cost_lb, econ, svc_part, rr, lp * lp,
                                       src_overstock_part(dos, true));
        return;
    }
    for (uint32_t i = 0; i < st->n_criteria; i++) {
        const ordo_criterion_t *k = &st->criteria[i];
        double term;
        if (!criterion_ub_term(k, c, node, pickup, share, cost_lb, dos, true, util, rr, ot_b,
                               &term))
            continue;
        /* quantization is monotone: the shipment's rounded term is at most
         * the rounded bound (1e-9 absorbs rounding differences between the
         * two computations) */
        out->v[i] = (k->resolution > 0 ? src_quantize(term + 1e-9, k->resolution) : term) + 1e-9;
    }
}

int src_lead_criterion(const ordo_strategy_t *st)
{
    if (!st || st->kind != ORDO_STRATEGY_CRITERIA)
        return -1;
    for (uint32_t q = 0; q < st->n_criteria; q++) {
        switch (st->criteria[q].kind) {
        case ORDO_CRIT_FEWEST_SHIPMENTS: /* plan level: 0 in every shipment's bound */
            continue;
        case ORDO_CRIT_COST:    /* needs the shipping bound: no cheaper than the whole */
        case ORDO_CRIT_ON_TIME: /* bounded with the service choice (criteria_service_bound) */
            return -1;
        default:
            return (int)q;
        }
    }
    return -1;
}

bool src_cand_never(const src_ctx_t *x, uint32_t ci)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_strategy_t *st = x->strat;
    bool pickup = x->order->level == ORDO_LEVEL_PICKUP;
    /* c->ot_ub bounds every shipment's P(on time) (more units only add
     * delay); the margin absorbs rounding between the two computations */
    double ot = c->ot_ub + 1e-9;
    if (ot < src_min_on_time(x) - 1e-12)
        return true;
    if (!st || st->kind != ORDO_STRATEGY_CRITERIA)
        return false;
    for (uint32_t q = 0; q < st->n_criteria; q++) {
        const ordo_criterion_t *k = &st->criteria[q];
        switch (k->kind) {
        case ORDO_CRIT_NODE_TYPE: {
            bool listed = false;
            for (uint32_t t = 0; t < k->n_types; t++)
                listed |= k->type_order[t] == node->type;
            if (!listed)
                return true;
            break;
        }
        case ORDO_CRIT_ON_TIME:
            if (k->has_min && ot < k->min - 1e-12)
                return true;
            break;
        case ORDO_CRIT_ZONE:
            if (!pickup && k->has_max && c->zone > k->max + 1e-12)
                return true;
            break;
        case ORDO_CRIT_DISTANCE:
            if (!pickup && k->has_max && c->miles > k->max + 1e-6)
                return true;
            break;
        case ORDO_CRIT_LOAD:
            if (k->has_max && c->cap > 0 && c->util0 > k->max + 1e-9)
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

double src_upper_bound_lead(src_ctx_t *x, uint32_t ci, const src_subset_t *sub, int q)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_criterion_t *k = &x->strat->criteria[q];
    /* the same operands, in the same order, as src_upper_bound_sub */
    double dos_units = 0;
    if (k->kind == ORDO_CRIT_DAYS_OF_SUPPLY)
        for (uint32_t m = sub->mask; m; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            dos_units += c->dos[i] * x->lines[i].qty;
        }
    double units = sub->units;
    double dos = units ? dos_units / units : 0;
    bool pickup = x->order->level == ORDO_LEVEL_PICKUP;
    double cap = c->cap;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double term;
    if (!criterion_ub_term(k, c, node, pickup, sub->share, 0, dos, true, util, sub->rr, c->ot_ub,
                           &term))
        return 0;
    return (k->resolution > 0 ? src_quantize(term + 1e-9, k->resolution) : term) + 1e-9;
}

void src_upper_bound(src_ctx_t *x, uint32_t ci, uint32_t mask, src_score_t *out)
{
    src_subset_t sub;
    src_subset_init(x, mask, &sub);
    src_upper_bound_sub(x, ci, &sub, true, out);
}

/* What src_line_ub bounds for line i at a candidate, shared by the whole
 * vector and one criterion (src_line_ub_crit) so both give the same bits. */
typedef struct line_ub_in {
    double share, cost, econ, rr, dos, util0;
} line_ub_in_t;

static inline void line_ub_inputs(const src_ctx_t *x, const src_cand_t *c, const ordo_node_t *node,
                                  uint32_t i, line_ub_in_t *in)
{
    const src_line_t *l = &x->lines[i];
    double units = l->qty;
    in->share = l->ub_share;
    in->cost = c->pick * units + c->fixed[i];
    in->econ = c->econ[i];
    in->rr = l->ub_rr;
    in->dos = units ? c->dos[i] * l->qty / units : 0;
    in->util0 = c->util0;
}

void src_line_ub(src_ctx_t *x, uint32_t ci, uint32_t i, src_score_t *out)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_strategy_t *st = x->strat;
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    line_ub_in_t in;
    line_ub_inputs(x, c, node, i, &in);
    bool pickup = x->order->level == ORDO_LEVEL_PICKUP;
    if (st->kind == ORDO_STRATEGY_WEIGHTED) {
        const ordo_weights_t *w = src_risk_weights(x);
        /* share·min(1, mean dos/90) ≤ Σ share_i·dos_i/90 and ≤ share; the
         * load penalty only lowers a score (0 here) */
        out->v[0] =
            src_weighted_score(w, in.share, in.cost, in.econ,
                               src_weighted_on_time(w, in.share, c->ot_ub), in.rr, 0,
                               src_overstock_part(in.dos, false));
        return;
    }
    for (uint32_t q = 0; q < st->n_criteria; q++) {
        double term;
        if (criterion_ub_term(&st->criteria[q], c, node, pickup, in.share, in.cost, in.dos, false,
                              in.util0, in.rr, c->ot_ub, &term))
            out->v[q] = term;
    }
}

double src_line_ub_crit(src_ctx_t *x, uint32_t ci, uint32_t i, uint32_t q)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_criterion_t *k = &x->strat->criteria[q];
    if (k->kind == ORDO_CRIT_FEWEST_SHIPMENTS)
        return 0; /* criterion_ub_term bounds nothing there */
    line_ub_in_t in;
    line_ub_inputs(x, c, node, i, &in);
    double term;
    return criterion_ub_term(k, c, node, x->order->level == ORDO_LEVEL_PICKUP, in.share, in.cost,
                             in.dos, false, in.util0, in.rr, c->ot_ub, &term)
               ? term
               : 0;
}

/* The cheapest shipment-level cost of a candidate: pack + the 1-lb parcel. */
static inline double fixed_ub_cost(const src_ctx_t *x, const src_cand_t *c, const ordo_node_t *node)
{
    bool pickup = x->order->level == ORDO_LEVEL_PICKUP;
    double one = pickup || c->zone < 1
                     ? 0
                     : x->eng->one_lb[((size_t)c->node * ORDO_ZONES + c->zone - 1) * 4 +
                                      (x->order->residential ? 1 : 0) + (x->peak ? 2 : 0)];
    if (x->svc_signals && !pickup && c->zone >= 1)
        one = c->one_lb; /* under the rate and outage signals in force */
    else if (x->rate_floor < 1) /* a rate signal in the snapshot may lower shipping */
        one *= x->rate_floor;
    return node->pack_cost_per_shipment + one;
}

double src_fixed_ub_crit(src_ctx_t *x, uint32_t ci, uint32_t q)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_criterion_t *k = &x->strat->criteria[q];
    if (k->kind == ORDO_CRIT_FEWEST_SHIPMENTS)
        return 0;
    double fixed = k->kind == ORDO_CRIT_COST ? fixed_ub_cost(x, c, &x->net->nodes[c->node]) : 0;
    return (k->kind == ORDO_CRIT_COST ? -fixed / k->scale : 0) + k->resolution * 0.5 + 1e-9;
}

void src_fixed_ub(src_ctx_t *x, uint32_t ci, src_score_t *out)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_strategy_t *st = x->strat;
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    double fixed = fixed_ub_cost(x, c, node);
    if (st->kind == ORDO_STRATEGY_WEIGHTED) {
        out->v[0] = -st->weights.cost * fixed;
        return;
    }
    for (uint32_t q = 0; q < st->n_criteria; q++) {
        const ordo_criterion_t *k = &st->criteria[q];
        if (k->kind == ORDO_CRIT_FEWEST_SHIPMENTS)
            continue;
        out->v[q] =
            (k->kind == ORDO_CRIT_COST ? -fixed / k->scale : 0) + k->resolution * 0.5 + 1e-9;
    }
}
