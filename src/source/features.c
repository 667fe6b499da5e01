/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — what one candidate shipment is worth: landed-cost stack, on-time
 * probability, return risk, load penalty, and its strategy score
 * (src_eval_shipment, as named steps); business days and the node rules;
 * the candidates' service-independent costs and on-time bounds. The engine's
 * tables are built in engine.c, the optimistic bounds are in bounds.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/util.h"

/* ---- business days ---- */

static int weekday(int64_t day) /* 0 = Monday */
{
    int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

int64_t src_bday_to_time(int64_t day0, int bdays)
{
    int64_t d = day0;
    while (bdays > 0) {
        d++;
        if (weekday(d) < 5)
            bdays--;
    }
    while (weekday(d) >= 5)
        d++;
    return d * 86400 + 12 * 3600;
}

int src_bdays_between(int64_t day0, int64_t day1)
{
    int n = 0;
    for (int64_t d = day0 + 1; d <= day1 && n < 366; d++)
        if (weekday(d) < 5)
            n++;
    return n;
}

/* ---- node filters ---- */

bool src_node_allowed(const src_ctx_t *x, const ordo_node_t *n, const char **why)
{
    if (!n->active) {
        *why = "inactive";
        return false;
    }
    if (!(n->caps & ORDO_CAP_SHIP)) {
        *why = "no_ship_capability";
        return false;
    }
    if (!(x->cons->node_types & (1u << n->type))) {
        *why = "node_type";
        return false;
    }
    if (x->groups_any && !(n->groups & x->groups_any)) {
        *why = "node_group";
        return false;
    }
    if (n->groups & x->groups_none) {
        *why = "excluded_group";
        return false;
    }
    return true;
}

src_score_t src_plan_term(const src_ctx_t *x, uint32_t k)
{
    src_score_t s;
    memset(&s, 0, sizeof s);
    if (!x->strat || k == 0)
        return s;
    if (x->strat->kind == ORDO_STRATEGY_WEIGHTED) {
        s.v[0] = -(x->strat->weights.cost * x->eng->p.split_cost + x->strat->weights.split) *
                 (double)(k - 1);
    } else {
        for (uint32_t i = 0; i < x->strat->n_criteria; i++)
            if (x->strat->criteria[i].kind == ORDO_CRIT_FEWEST_SHIPMENTS)
                s.v[i] = 1.0 / k;
    }
    return s;
}

/* ---- one shipment ---- */

/* Days of carrying a shipment from this node saves: supply beyond the
 * target, at most 90 days (the horizon over which excess stock would
 * otherwise be marked down or moved). */
static double excess_days(const ordo_source_params_t *P, double dos)
{
    double e = dos - P->target_days_of_supply;
    return e <= 0 ? 0 : e < 90 ? e : 90;
}

/* P(delivered by day D) when the parcel ships on s0 (or s0+1 with p_extra). */
static inline double deliver_cdf(const double *cdf, int s0, double pe, int D)
{
    double p = 0;
    int t = D - s0;
    if (t >= 0)
        p += (1 - pe) * cdf[t < ORDO_TRANSIT_DAYS ? t : ORDO_TRANSIT_DAYS - 1];
    t--;
    if (t >= 0 && pe > 0)
        p += pe * cdf[t < ORDO_TRANSIT_DAYS ? t : ORDO_TRANSIT_DAYS - 1];
    return p;
}

static double pickup_cdf(int s0, double pe, int D)
{
    return (D >= s0 ? 1 - pe : 0) + (D >= s0 + 1 ? pe : 0);
}

void src_eta(const src_ctx_t *x, const src_eval_t *e, int *p50, int *p90)
{
    *p50 = *p90 = -1;
    const double *cdf = e->service >= 0 ? x->eng->cdf[e->service][e->zone - 1] : NULL;
    for (int d = 0; d < 64; d++) {
        double p = cdf ? deliver_cdf(cdf, e->s0, e->p_extra, d) : pickup_cdf(e->s0, e->p_extra, d);
        if (*p50 < 0 && p >= 0.5 - 1e-12)
            *p50 = d;
        if (p >= 0.9 - 1e-12) {
            *p90 = d;
            break;
        }
    }
    if (*p50 < 0)
        *p50 = 63;
    if (*p90 < 0)
        *p90 = 63;
}

int src_return_lb(const src_line_t *l)
{
    double w = l->weight;
    if (l->cubic / 139.0 > w)
        w = l->cubic / 139.0;
    int wl = src_ceil_int(w - 1e-9);
    return wl < 1 ? 1 : wl;
}

/* The shipment as a parcel: its actual weight (at least 0.1 lb), cube and
 * sides (src_parcel_sides over its units). */
static inline void ship_parcel(const src_eval_t *o, ordo_parcel_t *p)
{
    p->weight_lb = o->weight > 0 ? o->weight : 0.1;
    p->cubic_in = o->cubic;
    src_parcel_sides(o->side, o->cubic, p->side_in);
}

/* Same as ordo_rate_package (limits, billable = ceil(max(actual, dim above
 * the service's threshold)) whole pounds, handling, peak on the order's
 * date), from the precomputed table when the billable weight is within it.
 * ORDO_ERANGE (r->over names the limit) when the service cannot carry it. */
static int rate(const ordo_engine_t *eng, int32_t si, int zone, const ordo_parcel_t *p,
                bool residential, int peak_md, ordo_rate_t *r)
{
    const ordo_carrier_service_t *svc = &eng->net->services[si];
    double dim = ordo_service_dim_lb(svc, p->cubic_in);
    double w = p->weight_lb > dim ? p->weight_lb : dim;
    int wl = src_ceil_int(w - 1e-9);
    if (wl < 1)
        wl = 1;
    double handling, min_billable;
    int kind;
    r->over = ordo_service_size_rules(svc, p, wl, &handling, &min_billable, &kind);
    if (r->over)
        return ORDO_ERANGE;
    if (wl < min_billable)
        wl = src_ceil_int(min_billable - 1e-9);
    if (wl >= SRC_RET_LB || zone < 1 || zone > ORDO_ZONES)
        return ordo_rate_package(svc, zone, p, residential, peak_md, r);
    r->zone = zone;
    r->actual_lb = p->weight_lb;
    r->dim_lb = dim;
    r->billable_lb = wl;
    r->base = eng->base_tab[si][zone - 1][wl];
    r->handling = handling;
    r->fuel = (r->base + handling) * svc->fuel_surcharge_pct / 100.0;
    r->residential = residential ? svc->residential_surcharge + svc->liftgate_surcharge : 0;
    r->peak = ordo_service_peak(svc, peak_md, kind);
    r->total = r->base + r->fuel + r->residential + r->peak + handling;
    return ORDO_OK;
}

/* Why no carrier service of the order's candidates can carry line li alone
 * (one unit of it): "<weight> lb, <sides> in: over <service> <limit>, ..."
 * into d (empty when every service can carry a unit). */
void src_line_limits(const src_ctx_t *x, uint32_t li, char *d, size_t cap)
{
    const ordo_network_t *net = x->net;
    const ordo_sku_t *sku = &net->skus[x->order->lines[li].sku];
    ordo_parcel_t p = {sku->weight_lb, sku->length_in * sku->width_in * sku->height_in,
                       {sku->length_in, sku->width_in, sku->height_in}};
    size_t n = 0;
    d[0] = 0;
    for (uint32_t s = 0; s < net->n_services && n + 48 < cap; s++) {
        const ordo_carrier_service_t *svc = &net->services[s];
        double h, mb;
        int kind;
        double dim = ordo_service_dim_lb(svc, p.cubic_in);
        const char *over = ordo_service_size_rules(
            svc, &p, ceil((p.weight_lb > dim ? p.weight_lb : dim) - 1e-9), &h, &mb, &kind);
        if (!n)
            n = (size_t)snprintf(d, cap, "%.4g lb, %.4gx%.4gx%.4g in: over ", sku->weight_lb,
                                 sku->length_in, sku->width_in, sku->height_in);
        if (over && n < cap)
            n += (size_t)snprintf(d + n, cap - n, "%s%s %s", d[n - 1] == ' ' ? "" : ", ", svc->id,
                                  over);
        if (n >= cap)
            n = cap - 1;
    }
    if (n && d[n - 1] == ' ')
        d[0] = 0; /* no service's limit is the cause */
}

/* Ship day in business days after the order: 1 after the node's cutoff
 * (node-local time) or on a weekend, + processing days, + backlog days. The
 * order's UTC day and second of day come from ctx_init; local time differs
 * by whole hours, so the local hour and weekday are worked out once per time
 * zone and order (x->tz_known) and shared by the nodes in it. */
static int ship_day(src_ctx_t *x, const src_cand_t *c)
{
    const ordo_node_t *node = &x->net->nodes[c->node];
    uint32_t load = c->load;
    double cap = node->daily_capacity;
    int tz = x->eng->node_tz[c->node];
    unsigned k = (unsigned)(tz + 32);
    int hour, wd;
    if (k < 64 && (x->tz_known >> k & 1)) {
        hour = x->tz_hour[k];
        wd = x->tz_wd[k];
    } else {
        int64_t sod = x->sod + (int64_t)tz * 3600;
        int dd = 0; /* local day − UTC day */
        while (sod < 0) {
            sod += 86400;
            dd--;
        }
        while (sod >= 86400) {
            sod -= 86400;
            dd++;
        }
        hour = (int)(sod / 3600);
        wd = ((x->wd0 + dd) % 7 + 7) % 7;
        if (k < 64) {
            x->tz_hour[k] = (uint8_t)hour;
            x->tz_wd[k] = (uint8_t)wd;
            x->tz_known |= 1ull << k;
        }
    }
    int s0 = (hour >= node->cutoff_hour || wd >= 5) ? 1 : 0;
    s0 += node->processing_days > 0 ? node->processing_days : 0;
    if (cap > 0 && load > cap) /* backlog beyond today's capacity */
        s0 += (int)((load - cap) / cap) + 1;
    return s0;
}

/* Ship day and P(one more day) for `units` more at a candidate. */
static void processing(src_ctx_t *x, const src_cand_t *c, double units, int *s0_out, double *pe_out,
                       double *util_out)
{
    const ordo_node_t *node = &x->net->nodes[c->node];
    double cap = node->daily_capacity;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double pe = util > 0.8 ? (util - 0.8) / 0.4 : 0;
    if (pe > 0.5)
        pe = 0.5;
    *s0_out = c->ready ? c->s0 : ship_day(x, c);
    *pe_out = pe;
    *util_out = util;
}

/* Expected return shipping of one returned unit (a unit parcel back by the
 * network's cheapest ground service). */
static double return_ship(const ordo_engine_t *eng, int zone, const src_line_t *l)
{
    int wl = l->ret_wl;
    return wl < SRC_RET_LB ? eng->ret_rate[zone - 1][wl]
                           : eng->ret_rate[zone - 1][SRC_RET_LB - 1] +
                                 eng->ret_per_lb[zone - 1] * (wl - SRC_RET_LB + 1);
}

double src_returns_at_base(const src_ctx_t *x, uint32_t mask, int zone)
{
    const ordo_source_params_t *P = &x->eng->p;
    double fixed = 0, ship = 0;
    for (uint32_t m = mask; m; m &= m - 1) {
        const src_line_t *l = &x->lines[__builtin_ctz(m)];
        fixed += l->qty * l->base_rr * (P->return_processing + P->lost_margin_rate * l->price);
        if (zone >= 1)
            ship += l->qty * l->base_rr * return_ship(x->eng, zone, l);
    }
    return fixed + ship;
}

static void set_excluded(src_eval_t *o, const char *rule)
{
    o->feasible = false;
    o->excluded_by = rule;
}

/* The fields of an evaluation read before they are written (the struct is
 * large): a feasible, empty shipment with no service yet. */
static inline void eval_reset(src_eval_t *o)
{
    o->feasible = true;
    o->excluded_by = NULL;
    o->detail[0] = 0;
    o->service = -3;
    o->units = 0;
    o->weight = o->cubic = o->billable = 0;
    o->side[0] = o->side[1] = o->side[2] = 0;
    o->on_time = o->return_risk = o->load_penalty = o->dos = o->util = o->miles = 0;
    o->zone = 0;
    o->s0 = 0;
    o->p_extra = 0;
    memset(&o->cost, 0, sizeof o->cost);
    memset(&o->score, 0, sizeof o->score);
}

/* What every service of one shipment shares: timing inputs, the
 * service-independent costs and the returns at the base risk. */
typedef struct ship_in {
    bool pickup;
    int s0, D;
    double pe, share, util;
    double pick, pack, relief, opp;
    double rr_base_units, dos_units;
    double base_rr, ret_base;
} ship_in_t;

/* Stock step: the lines of mask at the candidate, with duplicate SKUs
 * aggregated; units, weight and cube into o, carrying relief and stock-out
 * opportunity cost into in. False (o excluded by "stock") when the
 * candidate lacks a line's quantity. */
static inline bool eval_stock(const src_ctx_t *x, const src_cand_t *c, uint32_t mask, src_eval_t *o,
                              ship_in_t *in)
{
    const ordo_source_params_t *P = &x->eng->p;
    double rr_base_units = 0, relief = 0, opp = 0, dos_units = 0;
    for (uint32_t i = 0; i < x->n_lines; i++) {
        if (!(mask & (1u << i)))
            continue;
        const src_line_t *l = &x->lines[i];
        uint32_t need = l->qty;
        if (l->shared) /* pieces of a split line, or repeated SKUs */
            for (uint32_t j = 0; j < x->n_lines; j++)
                if (j != i && (mask & (1u << j)) && x->lines[j].sku == l->sku)
                    need += x->lines[j].qty;
        if (c->atp[i] <= 0 || need > (uint32_t)c->atp[i]) {
            set_excluded(o, "stock");
            if (x->details)
                snprintf(o->detail, sizeof o->detail, "ATP %d < %u", c->atp[i], need);
            return false;
        }
        o->units += l->qty;
        o->weight += l->weight * l->qty;
        o->cubic += l->cubic * l->qty;
        for (int k = 0; k < 3; k++)
            if (l->side[k] > o->side[k])
                o->side[k] = l->side[k];
        rr_base_units += l->base_rr * l->qty;
        double dos = c->dos[i];
        dos_units += dos * l->qty;
        double demand = x->eng->demand[c->cell[i]];
        relief -= l->qty * l->price * P->carrying_rate / 365.0 * excess_days(P, dos);
        double after = (c->atp[i] - (double)need) / demand;
        if (after < P->target_days_of_supply)
            opp += l->qty * l->price * P->stockout_margin_rate *
                   (P->target_days_of_supply - after) / P->target_days_of_supply;
    }
    in->rr_base_units = rr_base_units;
    in->relief = relief;
    in->opp = opp;
    in->dos_units = dos_units;
    return true;
}

/* Reach step: zone and distance, and the guardrails on them (a pickup has
 * neither). */
static inline bool eval_reach(const src_ctx_t *x, const src_cand_t *c, bool pickup, src_eval_t *o)
{
    o->zone = pickup ? 0 : c->zone;
    o->miles = pickup ? 0 : c->miles;
    if (pickup)
        return true;
    if (o->zone < 1) {
        set_excluded(o, "unknown_zone");
        return false;
    }
    if (x->max_zone && o->zone > x->max_zone) {
        set_excluded(o, x->zone_rule);
        if (x->details)
            snprintf(o->detail, sizeof o->detail, "zone %d > %d", o->zone, x->max_zone);
        return false;
    }
    if (x->max_miles > 0 && o->miles > x->max_miles) {
        set_excluded(o, x->miles_rule);
        if (x->details)
            snprintf(o->detail, sizeof o->detail, "%.0f mi > %.0f", o->miles, x->max_miles);
        return false;
    }
    return true;
}

/* Capacity step: the node's capacity (when the constraints respect it),
 * ship day, P(an extra processing day), utilization and load penalty. */
static inline bool eval_capacity(src_ctx_t *x, const src_cand_t *c, const ordo_node_t *node,
                                 src_eval_t *o, ship_in_t *in)
{
    uint32_t load = c->load;
    double cap = node->daily_capacity;
    if (cap > 0 && x->cons->respect_capacity && load + o->units > cap) {
        set_excluded(o, "capacity");
        if (x->details)
            snprintf(o->detail, sizeof o->detail, "load %u + %u > %u", load, o->units,
                     node->daily_capacity);
        return false;
    }
    processing(x, c, o->units, &in->s0, &in->pe, &in->util);
    o->util = in->util;
    o->s0 = in->s0;
    o->p_extra = in->pe;
    double lp = in->util > 0.7 ? (in->util - 0.7) / 0.3 : 0;
    o->load_penalty = lp * lp;
    return true;
}

/* One service's price and timing for the shipment: what the choice needs
 * (the cost breakdown of the chosen one is filled in after the choice). */
typedef struct svc_pick {
    int32_t service;
    double on_time, return_risk, returns, total;
    ordo_rate_t r;
} svc_pick_t;

/* P(on time) and expected business days late with the k-th service of the
 * list. memo: the candidate's bounds describe node->services[k], so the same
 * (service, s0, pe) gives the same numbers: P(on time) at the candidate's
 * current load is in its bounds, expected lateness is kept from the last
 * evaluation. */
static inline __attribute__((always_inline)) void
service_timing(src_ctx_t *x, src_cand_t *c, const src_eval_t *o, const ship_in_t *in, uint32_t k,
               bool memo, int32_t service, double *ot_out, double *late_out)
{
    int s0 = in->s0, D = in->D;
    double pe = in->pe, ot, late;
    const double *cdf = x->eng->cdf[service][o->zone - 1];
    if (memo) {
        ot = pe == c->pe0 ? c->ot[k] : deliver_cdf(cdf, s0, pe, D);
        if (ot >= 1 - 1e-12) {
            late = 0;
        } else if (pe == c->late_pe[k]) {
            late = c->late[k];
        } else {
            late = src_late(x->eng, (uint32_t)service, o->zone, s0, pe, D);
            c->late_pe[k] = pe;
            c->late[k] = late;
        }
    } else {
        ot = deliver_cdf(cdf, s0, pe, D);
        late = ot >= 1 - 1e-12 ? 0 : src_late(x->eng, (uint32_t)service, o->zone, s0, pe, D);
    }
    *ot_out = ot;
    *late_out = late;
}

/* Prices the shipment with one service: rate, timing, lateness-raised
 * returns and the landed cost. False when the service cannot rate it. */
static inline __attribute__((always_inline)) bool price_service(src_ctx_t *x, src_cand_t *c,
                                                                const src_eval_t *o,
                                                                const ship_in_t *in, uint32_t k,
                                                                bool memo, svc_pick_t *cur)
{
    const ordo_source_params_t *P = &x->eng->p;
    double ot, late;
    ordo_rate_t *r = &cur->r; /* every field set by rate() */
    if (cur->service == ORDO_SERVICE_PICKUP) {
        int s0 = in->s0, D = in->D;
        double pe = in->pe;
        memset(r, 0, sizeof *r);
        ot = pickup_cdf(s0, pe, D);
        late = (1 - pe) * (s0 > D ? s0 - D : 0) + pe * (s0 + 1 > D ? s0 + 1 - D : 0);
    } else {
        ordo_parcel_t parcel;
        ship_parcel(o, &parcel);
        if (rate(x->eng, cur->service, o->zone, &parcel, x->order->residential, x->peak_md, r) !=
            ORDO_OK)
            return false;
        service_timing(x, c, o, in, k, memo, cur->service, &ot, &late);
    }
    double factor = 1 + P->lateness_return_factor * late;
    double rr = in->base_rr * factor;
    if (rr > 1)
        rr = 1;
    cur->returns = in->ret_base * (in->base_rr > 0 ? rr / in->base_rr : 0);
    cur->on_time = ot;
    cur->return_risk = rr;
    cur->total = in->pick + in->pack + r->total + cur->returns + in->relief + in->opp;
    return true;
}

/* The landed-cost breakdown of the chosen service. */
static void set_cost(src_eval_t *o, const ship_in_t *in, const svc_pick_t *best)
{
    o->cost.pick = in->pick;
    o->cost.pack = in->pack;
    o->cost.shipping_base = best->r.base;
    o->cost.fuel = best->r.fuel;
    o->cost.residential = best->r.residential;
    o->cost.peak = best->r.peak;
    o->cost.shipping = best->r.total;
    o->cost.returns = best->returns;
    o->cost.carrying_relief = in->relief;
    o->cost.opportunity = in->opp;
    o->cost.total = best->total;
}

/* Service step: the services to choose from (pickup, the one a priced plan
 * forces, or the node's), each priced; criteria strategies (and the
 * fallback rule) take the cheapest meeting the service target, else the
 * most punctual; weighted ones the best weighted score, preferring services
 * that meet the minimum P(on time). False (excluded by "no_service") when no
 * service can rate the shipment. */
static bool choose_service(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node,
                           int32_t force_service, const ship_in_t *in, src_eval_t *o)
{
    const ordo_strategy_t *st = x->strat;
    double min_ot = x->cons->min_on_time;
    int32_t svc_list[ORDO_NODE_MAX_SERVICES + 1];
    uint32_t n_svc = 0;
    /* c->svc[k] describes node->services[k] once the bounds are set */
    bool memo = c->ready && !in->pickup && c->n_svc == node->n_services;
    if (in->pickup) {
        svc_list[n_svc++] = ORDO_SERVICE_PICKUP;
    } else if (force_service >= 0) {
        svc_list[n_svc++] = force_service;
        memo = false;
    } else {
        for (uint32_t k = 0; k < node->n_services; k++)
            svc_list[n_svc++] = (int32_t)node->services[k];
    }
    svc_pick_t cur, best;
    memset(&best, 0, sizeof best);
    double target = st && st->kind == ORDO_STRATEGY_CRITERIA ? st->service_target : 0.9;
    if (target < min_ot)
        target = min_ot;
    bool have = false, best_meets = false;
    const char *over = NULL; /* a limit that kept a service from carrying it */
    double best_key = -INFINITY;
    for (uint32_t k = 0; k < n_svc; k++) {
        cur.service = svc_list[k];
        if (!price_service(x, c, o, in, k, memo, &cur)) {
            if (cur.r.over)
                over = cur.r.over;
            continue;
        }
        double ot = cur.on_time, key;
        if (!st || st->kind == ORDO_STRATEGY_CRITERIA) {
            /* cheapest service meeting the target, else the most punctual */
            bool meets = ot + 1e-12 >= target;
            if (best_meets && !meets)
                continue;
            key = meets ? -cur.total : ot;
            if (meets && !best_meets) {
                best_meets = true;
                best_key = -INFINITY;
            }
        } else {
            const ordo_weights_t *w = &st->weights;
            key = src_weighted_score(w, in->share, cur.total,
                                     src_weighted_on_time(w, in->share, ot), cur.return_risk,
                                     o->load_penalty, src_overstock_part(o->dos, true));
            if (!(ot + 1e-12 >= min_ot))
                key -= 1e12; /* only when nothing meets the minimum */
        }
        if (!have || key > best_key) {
            have = true;
            best_key = key;
            best = cur;
        }
    }
    o->service = best.service;
    o->billable = best.r.billable_lb;
    o->on_time = best.on_time;
    o->return_risk = best.return_risk;
    if (!have) {
        set_excluded(o, "no_service");
        if (x->details && over)
            snprintf(o->detail, sizeof o->detail, "%.4g lb: over the services' limits (%s)",
                     o->weight, over);
        return false;
    }
    set_cost(o, in, &best);
    return true;
}

/* One criterion's natural value and 0..1 term for the shipment: 1; 0 for a
 * plan-level criterion (fewest_shipments); −1 when the criterion excludes the
 * node outright (a node type outside its order). */
static inline int criterion_term(src_ctx_t *x, const src_eval_t *o, const ordo_node_t *node,
                                 const ordo_criterion_t *k, double share, double util,
                                 double *nat_out, double *term_out)
{
    double nat = 0, term = 0;
    switch (k->kind) {
    case ORDO_CRIT_DISTANCE:
        nat = o->miles;
        term = share * (1 - (nat < 3000 ? nat : 3000) / 3000);
        break;
    case ORDO_CRIT_ZONE:
        nat = o->zone;
        term = share * (1 - (nat > 1 ? nat - 1 : 0) / 8);
        break;
    case ORDO_CRIT_COST:
        nat = o->cost.total;
        term = -nat / k->scale;
        break;
    case ORDO_CRIT_ON_TIME:
        nat = o->on_time;
        term = share * nat;
        break;
    case ORDO_CRIT_ETA: {
        int p50, p90;
        src_eta(x, o, &p50, &p90);
        nat = p50;
        term = share * (1 - (p50 < 20 ? p50 : 20) / 20.0);
        break;
    }
    case ORDO_CRIT_NODE_TYPE: {
        uint32_t rank = k->n_types;
        for (uint32_t t = 0; t < k->n_types; t++)
            if (k->type_order[t] == node->type)
                rank = t;
        if (rank == k->n_types)
            return -1;
        nat = rank;
        term = share * (1 - (double)rank / k->n_types);
        break;
    }
    case ORDO_CRIT_PRIORITY:
        nat = node->priority;
        term = share / (1 + (nat > 0 ? nat : 0));
        break;
    case ORDO_CRIT_DAYS_OF_SUPPLY:
        nat = o->dos;
        term = share * (nat < k->scale ? nat / k->scale : 1);
        break;
    case ORDO_CRIT_LOAD:
        nat = util;
        term = share * (1 - (util < 1 ? util : 1));
        break;
    case ORDO_CRIT_RETURN_RISK:
        nat = o->return_risk;
        term = share * (1 - nat);
        break;
    default: /* fewest_shipments: plan level */
        return 0;
    }
    *nat_out = nat;
    *term_out = term;
    return 1;
}

/* Score step of a criteria strategy: each criterion's rounded term, or the
 * exclusion by the first criterion whose min or max the shipment breaks. */
static void score_criteria(src_ctx_t *x, const ordo_node_t *node, const ship_in_t *in,
                           src_eval_t *o)
{
    static const char *const rule[ORDO_CRIT_COUNT] = {"criterion:distance",
                                                      "criterion:zone",
                                                      "criterion:cost",
                                                      "criterion:on_time",
                                                      "criterion:eta",
                                                      "criterion:node_type",
                                                      "criterion:priority",
                                                      "criterion:days_of_supply",
                                                      "criterion:load",
                                                      "criterion:return_risk",
                                                      "criterion:fewest_shipments"};
    const ordo_strategy_t *st = x->strat;
    for (uint32_t i = 0; i < st->n_criteria; i++) {
        const ordo_criterion_t *k = &st->criteria[i];
        double nat, term;
        int t = criterion_term(x, o, node, k, in->share, in->util, &nat, &term);
        if (t == 0)
            continue;
        if (t < 0) {
            set_excluded(o, "criterion:node_type");
            return;
        }
        if ((k->has_min && nat < k->min - 1e-12) || (k->has_max && nat > k->max + 1e-12)) {
            set_excluded(o, rule[k->kind]);
            if (x->details)
                snprintf(o->detail, sizeof o->detail, "%s %.4g outside [%g, %g]",
                         ordo_criterion_name(k->kind), nat, k->has_min ? k->min : -INFINITY,
                         k->has_max ? k->max : INFINITY);
            return;
        }
        o->score.v[i] = src_quantize(term, k->resolution);
    }
}

/* One shipment, as named steps: stock, reach (zone, distance, guardrails),
 * capacity and processing, the service and its landed cost, the minimum
 * P(on time), and the strategy's score. */
void src_eval_shipment(src_ctx_t *x, uint32_t ci, uint32_t mask, int32_t force_service,
                       src_eval_t *o)
{
    src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    eval_reset(o);
    x->evaluated++;
    ship_in_t in;
    in.pickup = x->order->level == ORDO_LEVEL_PICKUP;
    if (!eval_stock(x, c, mask, o, &in))
        return;
    in.pick = node->pick_cost_per_unit * o->units;
    o->dos = o->units ? in.dos_units / o->units : 0;
    if (!eval_reach(x, c, in.pickup, o) || !eval_capacity(x, c, node, o, &in))
        return;
    in.share = x->total_units > 0 ? o->units / x->total_units : 1;
    in.D = x->promise_days;
    in.base_rr = o->units ? in.rr_base_units / o->units : 0;
    in.ret_base = src_returns_at_base(x, mask, in.pickup ? 0 : o->zone);
    in.pack = node->pack_cost_per_shipment;
    if (!choose_service(x, c, node, force_service, &in, o))
        return;
    double min_ot = x->cons->min_on_time;
    if (o->on_time + 1e-12 < min_ot) {
        set_excluded(o, "min_on_time");
        if (x->details)
            snprintf(o->detail, sizeof o->detail, "P(on time) %.3f < %.3f", o->on_time, min_ot);
        return;
    }
    const ordo_strategy_t *st = x->strat;
    if (!st)
        return;
    if (st->kind == ORDO_STRATEGY_WEIGHTED) {
        const ordo_weights_t *w = &st->weights;
        o->score.v[0] = src_weighted_score(
            w, in.share, o->cost.total, src_weighted_on_time(w, in.share, o->on_time),
            o->return_risk, o->load_penalty, src_overstock_part(o->dos, true));
        return;
    }
    score_criteria(x, node, &in, o);
}

static double line_fixed(const src_ctx_t *x, const src_cand_t *c, uint32_t i);

void src_cand_init_bounds(src_ctx_t *x, uint32_t ci)
{
    src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    for (uint32_t i = 0; i < x->n_lines; i++)
        c->fixed[i] = c->atp[i] > 0 ? line_fixed(x, c, i) : 0;
    c->svcs = node->services;
    c->n_svc = c->zone >= 1 ? node->n_services : 0;
    c->zoff = c->zone >= 1 ? (uint32_t)(c->zone - 1) * SRC_RET_LB : 0;

    int s0;
    double pe, util;
    c->ready = false;
    processing(x, c, 0, &s0, &pe, &util);
    c->s0 = s0;
    c->pe0 = pe;
    c->ready = true;
    double cap = node->daily_capacity;
    c->util0 = cap > 0 ? c->load / cap : 0;
    if (x->order->level == ORDO_LEVEL_PICKUP) {
        c->ot_ub = pickup_cdf(s0, pe, x->promise_days);
        return;
    }
    double best = 0;
    for (uint32_t k = 0; k < c->n_svc; k++) {
        double p =
            deliver_cdf(x->eng->cdf[node->services[k]][c->zone - 1], s0, pe, x->promise_days);
        c->ot[k] = p;
        c->late_pe[k] = NAN; /* no lateness kept yet */
        if (p > best)
            best = p;
    }
    c->ot_ub = best;
}

/* Exact where the shipment model is service-independent: returns at the
 * base risk (lateness only raises it), carrying relief, and the opportunity
 * cost with this line's own quantity (shared SKUs only deplete more). */
static double line_fixed(const src_ctx_t *x, const src_cand_t *c, uint32_t i)
{
    const ordo_source_params_t *P = &x->eng->p;
    const src_line_t *l = &x->lines[i];
    double dos = c->dos[i];
    double f = l->qty * l->base_rr * (P->return_processing + P->lost_margin_rate * l->price) -
               l->qty * l->price * P->carrying_rate / 365.0 * excess_days(P, dos);
    if (x->order->level != ORDO_LEVEL_PICKUP && c->zone >= 1)
        f += l->qty * l->base_rr * return_ship(x->eng, c->zone, l);
    double after = (c->atp[i] - (double)l->qty) / x->eng->demand[c->cell[i]];
    if (after < P->target_days_of_supply)
        f += l->qty * l->price * P->stockout_margin_rate * (P->target_days_of_supply - after) /
             P->target_days_of_supply;
    return f;
}
