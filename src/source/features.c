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

/* ---- business days ----
 * A business day is a weekday that is not a US federal holiday: nodes ship
 * and promises count on those. A carrier delivers on its delivery_days
 * (default Mon–Fri), never on a federal holiday. Dates are the customer's
 * local dates, written as noon UTC of that date. */

int64_t src_bday_to_time(int64_t day0, int bdays)
{
    return ordo_cal_add_working(day0, bdays, ORDO_WEEK_MON_FRI) * 86400 + 12 * 3600;
}

int src_bdays_between(int64_t day0, int64_t day1)
{
    return ordo_cal_working_between(day0, day1, ORDO_WEEK_MON_FRI);
}

/* One ETA: ship on the s0-th business day, then the remaining days in the
 * carrier's delivery days (pickup: business days). */
static int64_t eta_date(const src_ctx_t *x, const src_eval_t *e, int days)
{
    if (e->service < 0 || days <= e->s0)
        return src_bday_to_time(x->day0, days);
    int64_t ship = ordo_cal_add_working(x->day0, e->s0, ORDO_WEEK_MON_FRI);
    unsigned mask = x->net->services[e->service].delivery_days;
    return ordo_cal_add_working(ship, days - e->s0, mask) * 86400 + 12 * 3600;
}

void src_eta_dates(const src_ctx_t *x, const src_eval_t *e, int p50, int p90, int64_t *d50,
                   int64_t *d90)
{
    *d50 = eta_date(x, e, p50);
    *d90 = eta_date(x, e, p90);
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
    const double *cdf =
        e->service >= 0 ? src_lane_cdf(x, e->node, (uint32_t)e->service, e->zone, e->s0) : NULL;
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
static int rate_card(const ordo_engine_t *eng, const src_svcx_t *sx, int32_t si, int zone,
                     const ordo_parcel_t *p, const double *key, bool residential, int peak_md,
                     ordo_rate_t *r)
{
    const ordo_carrier_service_t *svc = &eng->net->services[si];
    double dim = ordo_service_dim_lb(svc, p->cubic_in);
    double w = p->weight_lb > dim ? p->weight_lb : dim;
    int wl = src_ceil_int(w - 1e-9);
    if (wl < 1)
        wl = 1;
    double handling = 0, min_billable = 0;
    int kind = 0;
    /* below every size rule of the service (engine table): none applies;
     * key: the parcel's sides as src_size_key orders them */
    r->over = src_size_quiet(&eng->quiet[si], p->weight_lb, wl, key)
                  ? NULL
                  : ordo_service_size_rules(svc, p, wl, &handling, &min_billable, &kind);
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
    /* the order's per-service factors hold the peak of a parcel without size surcharges */
    r->peak = sx && kind == 0 ? sx->peak0 : ordo_service_peak(svc, peak_md, kind);
    r->total = r->base + r->fuel + r->residential + r->peak + handling;
    return ORDO_OK;
}

/* rate_card under a rate signal in force (sx->rate_sig): the base ×
 * rmult, fuel at fuel_pct of base and handling. */
static int rate(const ordo_engine_t *eng, const src_svcx_t *sx, int32_t si, int zone,
                const ordo_parcel_t *p, const double *key, bool residential, int peak_md,
                ordo_rate_t *r)
{
    int rc = rate_card(eng, sx, si, zone, p, key, residential, peak_md, r);
    if (rc || !sx || !sx->rate_sig)
        return rc;
    r->base *= sx->rmult;
    r->fuel = (r->base + r->handling) * sx->fuel_pct / 100.0;
    r->total = r->base + r->fuel + r->residential + r->peak + r->handling;
    return ORDO_OK;
}

/* Why no carrier service of the order's candidates can carry line li alone
 * (one unit of it): "<weight> lb, <sides> in: over <service> <limit>, ..."
 * into d (empty when every service can carry a unit). */
void src_line_limits(const src_ctx_t *x, uint32_t li, char *d, size_t cap)
{
    const ordo_network_t *net = x->net;
    const ordo_sku_t *sku = &net->skus[x->order->lines[li].sku];
    ordo_parcel_t p = {sku->weight_lb,
                       sku->length_in * sku->width_in * sku->height_in,
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
 * (in the node's local time, with daylight saving) or on a day it does not
 * ship (weekend, federal holiday), + processing days, + backlog days. The
 * local hour and day are worked out once per time zone and order
 * (x->tz_known) and shared by the nodes in it. */
static int ship_day(src_ctx_t *x, const src_cand_t *c)
{
    const ordo_node_t *node = &x->net->nodes[c->node];
    uint32_t load = c->load;
    double cap = c->cap;
    unsigned k = x->eng->node_zone[c->node];
    int hour;
    bool closed;
    if (k < 64 && (x->tz_known >> k & 1)) {
        hour = x->tz_hour[k];
        closed = x->tz_closed[k];
    } else {
        int64_t lt = x->as_of + ordo_tz_offset(x->eng->zones[k], x->as_of);
        int64_t ld = ordo_cal_day_of(lt);
        hour = (int)((lt - ld * 86400) / 3600);
        closed = !ordo_cal_working(ld, ORDO_WEEK_MON_FRI);
        if (k < 64) {
            x->tz_hour[k] = (uint8_t)hour;
            x->tz_closed[k] = closed;
            x->tz_known |= 1ull << k;
        }
    }
    int s0 = (hour >= node->cutoff_hour || closed) ? 1 : 0;
    s0 += node->processing_days > 0 ? node->processing_days : 0;
    if (cap > 0 && load > cap) /* backlog beyond today's capacity */
        s0 += (int)((load - cap) / cap) + 1;
    return s0;
}

/* Ship day and P(one more day) for `units` more at a candidate. */
static void processing(src_ctx_t *x, const src_cand_t *c, double units, int *s0_out, double *pe_out,
                       double *util_out)
{
    double cap = c->cap;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double pe = util > 0.8 ? (util - 0.8) / 0.4 : 0;
    if (pe > 0.5)
        pe = 0.5;
    *s0_out = c->ready ? c->s0 : ship_day(x, c);
    *pe_out = pe;
    *util_out = util;
}

/* The zone of a return parcel: from the customer's ZIP3 to the return node
 * nearest it (engine table); 0 when unknown. */
static inline int return_zone(const src_ctx_t *x)
{
    return x->order->ship_zip ? x->eng->ret_zone[x->order->ship_zip3] : 0;
}

/* Expected return shipping of one returned unit: a unit parcel from the
 * customer to the return node, by the network's cheapest ground service
 * (zone rz ≥ 1). */
static double return_ship(const ordo_engine_t *eng, int rz, const src_line_t *l)
{
    int wl = l->ret_wl;
    return wl < SRC_RET_LB ? eng->ret_rate[rz - 1][wl]
                           : eng->ret_rate[rz - 1][SRC_RET_LB - 1] +
                                 eng->ret_per_lb[rz - 1] * (wl - SRC_RET_LB + 1);
}

/* zone: the shipment's (0 for a pickup, returned over the counter, no
 * parcel); the return parcel's own zone is the customer's to the return
 * node, whatever node shipped. With a learned risk table, the cost of
 * returning every unit (P(return) 1): the caller scales it by the
 * shipment's P(return). */
double src_returns_at_base(const src_ctx_t *x, uint32_t mask, int zone)
{
    const ordo_source_params_t *P = &x->eng->p;
    double fixed = 0, ship = 0;
    int rz = zone >= 1 ? return_zone(x) : 0;
    if (x->lines_fixed && !x->rtab) {
        /* the same products, made once per line by src_lines_fixed (its
         * fix_ship is at the return zone, set when that is ≥ 1) */
        for (uint32_t m = mask; m; m &= m - 1) {
            const src_line_t *l = &x->lines[__builtin_ctz(m)];
            fixed += l->fix_ret;
            if (rz >= 1)
                ship += l->fix_ship;
        }
        return fixed + ship;
    }
    for (uint32_t m = mask; m; m &= m - 1) {
        const src_line_t *l = &x->lines[__builtin_ctz(m)];
        double rr = x->rtab ? 1 : l->base_rr;
        fixed += l->qty * rr * (P->return_processing + P->lost_margin_rate * l->price);
        if (rz >= 1)
            ship += l->qty * rr * return_ship(x->eng, rz, l);
    }
    return fixed + ship;
}

/* The economic terms of a line of qty units when the shipment takes `need`
 * units of its SKU (qty ≤ need) from a cell with `atp` units, `dos` days of
 * supply and `demand` units/day. The target cover is target days × demand;
 * of the units taken, taken = max(0, min(atp, cover) − (atp − need)) come
 * out of the cover and the rest from the excess above it:
 *   relief = −(need − taken) × unit cost × carrying rate / 365 × excess days
 *   opportunity = taken × unit cost × stock-out rate
 * the line's share qty/need of each. Each is at least the line's alone
 * (need = qty), as taken/need = max(0, 1 + (min(atp, cover) − atp)/need)
 * grows with need: the per-line bounds stay bounds. */
static inline void stock_econ_share(const ordo_source_params_t *P, const src_line_t *l,
                                    double share, double need, double atp, double dos,
                                    double demand, double *relief, double *opp)
{
    double cover = P->target_days_of_supply * demand;
    double taken = (atp < cover ? atp : cover) - (atp - need);
    if (taken < 0)
        taken = 0;
    *relief -=
        share * (need - taken) * l->unit_cost * P->carrying_rate / 365.0 * excess_days(P, dos);
    *opp += share * taken * l->unit_cost * P->stockout_margin_rate;
}

static inline void stock_econ(const ordo_source_params_t *P, const src_line_t *l, double qty,
                              double need, double atp, double dos, double demand, double *relief,
                              double *opp)
{
    stock_econ_share(P, l, qty / need, need, atp, dos, demand, relief, opp);
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
    o->late = 0;
    o->risk.set = false; /* the rest is set when the policy prices risk */
}

/* What every service of one shipment shares: timing inputs, the
 * service-independent costs and the returns at the base risk. */
typedef struct ship_in {
    bool pickup;
    int s0, D;
    double pe, share, util;
    double pick, pack, relief, opp; /* relief and opp: economic, not cash */
    double rr_base_units, dos_units;
    double base_rr, ret_base;
    double rt_z; /* the learned return logit but lateness (rtab only) */
    /* not a pickup: the shipment as a parcel (ship_parcel) and its size key
     * (src_size_key), the same for every service priced */
    ordo_parcel_t parcel;
    double key[4];
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
    /* a supplier's stock is not the retailer's: no carrying, no stock-out */
    bool owned = x->net->nodes[c->node].type != ORDO_NODE_DROPSHIP;
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
        if (owned)
            stock_econ(P, l, l->qty, need, c->atp[i], dos, x->eng->demand[c->cell[i]], &relief,
                       &opp);
        if (x->netval)
            opp += src_netval_line(x, c, i, l->qty);
        if (x->risk_on & SRC_RISK_STALE)
            src_risk_line(x, c, i, need, o);
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
    o->node = c->node;
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

/* A backlog signal in force: the labour penalty joins the load penalty,
 * and the criteria's load is at least the labour utilisation. */
static void signal_labour(const src_ctx_t *x, const src_cand_t *c, src_eval_t *o, ship_in_t *in)
{
    o->load_penalty += src_labour_penalty(x, c);
    if (c->labour_u > in->util)
        in->util = o->util = c->labour_u;
}

/* The candidate excluded by a signal in force (node closed, labour
 * saturated): the rule names it, the detail its version and line. */
static bool signal_excluded(const src_ctx_t *x, const src_cand_t *c, src_eval_t *o)
{
    if (!c->sig_excl)
        return false;
    set_excluded(o, c->sig_rule);
    if (x->details)
        snprintf(o->detail, sizeof o->detail, "signal v%llu line %u (%s)",
                 (unsigned long long)c->sig_excl->version, c->sig_excl->line,
                 ordo_signal_kind_name(c->sig_excl->kind));
    return true;
}

/* Capacity step: the node's capacity (when the constraints respect it),
 * ship day, P(an extra processing day), utilization and load penalty. */
static inline bool eval_capacity(src_ctx_t *x, const src_cand_t *c, const ordo_node_t *node,
                                 src_eval_t *o, ship_in_t *in)
{
    uint32_t load = c->load;
    double cap = c->cap;
    (void)node;
    if (cap > 0 && x->cons->respect_capacity && load + o->units > cap) {
        set_excluded(o, "capacity");
        if (x->details)
            snprintf(o->detail, sizeof o->detail, "load %u + %u > %.0f", load, o->units, cap);
        return false;
    }
    processing(x, c, o->units, &in->s0, &in->pe, &in->util);
    o->util = in->util;
    o->s0 = in->s0;
    o->p_extra = in->pe;
    double lp = in->util > 0.7 ? (in->util - 0.7) / 0.3 : 0;
    o->load_penalty = lp * lp;
    if (c->labour_u > 0) /* labour saturation (signals): smooth from the threshold */
        signal_labour(x, c, o, in);
    return true;
}

/* One service's price and timing for the shipment: what the choice needs
 * (the cost breakdown of the chosen one is filled in after the choice). */
typedef struct svc_pick {
    int32_t service;
    double on_time, return_risk, returns, total;
    double late; /* expected business days late */
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
    const double *cdf = src_cand_cdf(x, c, k, (uint32_t)service, o->zone);
    if (memo) {
        ot = pe == c->pe0 ? c->ot[k] : deliver_cdf(cdf, s0, pe, D);
        if (ot >= 1 - 1e-12) {
            late = 0;
        } else if ((c->late_set >> k & 1) && pe == c->late_pe[k]) {
            late = c->late[k];
        } else {
            late = src_cand_late(x, c, k, (uint32_t)service, o->zone, s0, pe, D);
            c->late_pe[k] = pe;
            c->late[k] = late;
            c->late_set |= 1u << k;
        }
    } else {
        ot = deliver_cdf(cdf, s0, pe, D);
        late = ot >= 1 - 1e-12 ? 0 : src_cand_late(x, c, k, (uint32_t)service, o->zone, s0, pe, D);
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
        if (rate(x->eng, x->svcx ? &x->svcx[cur->service] : NULL, cur->service, o->zone,
                 &in->parcel, in->key, x->order->residential, x->peak_md, r) != ORDO_OK)
            return false;
        service_timing(x, c, o, in, k, memo, cur->service, &ot, &late);
    }
    double rr;
    if (x->rtab) { /* learned: ret_base is every unit's return cost */
        rr = src_riskm_return(x, in->rt_z, ot);
        cur->returns = in->ret_base * rr;
    } else {
        rr = in->base_rr * (1 + P->lateness_return_factor * late);
        if (rr > 1)
            rr = 1;
        cur->returns = in->ret_base * (in->base_rr > 0 ? rr / in->base_rr : 0);
    }
    cur->on_time = ot;
    cur->late = late;
    cur->return_risk = rr;
    cur->total = in->pick + in->pack + r->total + cur->returns; /* cash */
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
    o->cost.total = best->total;
    o->cost.carrying_relief = in->relief;
    o->cost.opportunity = in->opp;
    o->cost.economic = in->relief + in->opp;
}

/* ---- service levels ---- */

/* ordo_service_policy_default's values, for a decision without a policy. */
static const ordo_service_policy_t default_service = {
    .target = {[ORDO_LEVEL_STANDARD] = 0.8,
               [ORDO_LEVEL_EXPRESS] = 0.9,
               [ORDO_LEVEL_TWO_DAY] = 0.9,
               [ORDO_LEVEL_OVERNIGHT] = 0.9},
    .floor = {[ORDO_LEVEL_EXPRESS] = 0.5, [ORDO_LEVEL_TWO_DAY] = 0.5, [ORDO_LEVEL_OVERNIGHT] = 0.5},
};

static inline const ordo_service_policy_t *service_policy(const src_ctx_t *x)
{
    return x->policy ? &x->policy->service : &default_service;
}

static inline int order_level(const src_ctx_t *x)
{
    unsigned l = (unsigned)x->order->level;
    return l < ORDO_LEVELS ? (int)l : ORDO_LEVEL_STANDARD;
}

double src_service_target(const src_ctx_t *x)
{
    double t = service_policy(x)->target[order_level(x)];
    if (x->strat && x->strat->has_service_target)
        t = x->strat->service_target;
    return t < x->cons->min_on_time ? x->cons->min_on_time : t;
}

double src_min_on_time(const src_ctx_t *x)
{
    double m = x->cons->min_on_time;
    if (x->strat) {
        double f = service_policy(x)->floor[order_level(x)];
        if (f > m)
            m = f;
    }
    return m;
}

int src_promise_for(const src_ctx_t *x, const ordo_node_t *node)
{
    int d = x->promise_days;
    if (node->type == ORDO_NODE_DROPSHIP && node->processing_days > 0 &&
        service_policy(x)->supplier_lead_time)
        d += node->processing_days;
    return d;
}

/* src_services_allowed with the order's level tested by the caller */
static inline uint32_t services_allowed(const src_ctx_t *x, const ordo_node_t *node, bool standard)
{
    uint32_t all = node->n_services >= 32 ? ~0u : (1u << node->n_services) - 1;
    if (!standard)
        return src_risk_cap_mask(x, node, all);
    uint32_t ground = x->eng->ground[node - x->net->nodes]; /* engine table */
    return src_risk_cap_mask(x, node, ground ? ground : all);
}

uint32_t src_services_allowed(const src_ctx_t *x, const ordo_node_t *node)
{
    return services_allowed(x, node, order_level(x) == ORDO_LEVEL_STANDARD);
}

bool src_services_upgrade(const src_ctx_t *x)
{
    return order_level(x) == ORDO_LEVEL_STANDARD && service_policy(x)->upgrade_standard;
}

/* The node's services (bit k: node->services[k]) a carrier outage in force
 * takes away for the order's destination. */
static inline bool services_out_any(const src_ctx_t *x)
{
    return x->svcx && ordo_signals_count(x->sig);
}

static inline uint32_t services_out(const src_ctx_t *x, const ordo_node_t *node)
{
    uint32_t out = 0;
    if (!services_out_any(x))
        return 0;
    for (uint32_t k = 0; k < node->n_services; k++)
        if (x->svcx[node->services[k]].out_sig)
            out |= 1u << k;
    return out;
}

/* The service rule: a service meeting the target beats one that does not;
 * of two that meet it the cheaper, of two that do not the more punctual
 * (the first of equals stays). */
static inline bool service_better(const svc_pick_t *cur, const svc_pick_t *best, double target)
{
    bool cm = cur->on_time + 1e-12 >= target, bm = best->on_time + 1e-12 >= target;
    if (cm != bm)
        return cm;
    return cm ? cur->total < best->total : cur->on_time > best->on_time;
}

/* Service step: the services to choose from (pickup, the one a priced plan
 * forces, or the node's that the order's level may use), each priced; the
 * cheapest meeting the level's target, else the most punctual — for every
 * strategy kind and the fallback rule. A standard order under a policy that
 * allows upgrades that misses the target with ground may take a faster
 * service costing at most upgrade_max_cost more, by the same rule. False
 * (excluded by "no_service") when no service can rate the shipment. */
static bool choose_service(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node,
                           int32_t force_service, const ship_in_t *in, src_eval_t *o)
{
    int32_t svc_list[ORDO_NODE_MAX_SERVICES + 1];
    uint32_t n_svc = 0, base = ~0u;
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
        base = src_services_allowed(x, node);
    }
    svc_pick_t picks[ORDO_NODE_MAX_SERVICES + 1];
    double target = src_service_target(x);
    int best = -1;
    const char *over = NULL;            /* a limit that kept a service from carrying it */
    const ordo_signal_t *outage = NULL; /* a carrier outage that took a service away */
    for (uint32_t k = 0; k < n_svc; k++) {
        picks[k].service = svc_list[k];
        if (!(base >> k & 1))
            continue;
        if (svc_list[k] >= 0 && x->svcx && x->svcx[svc_list[k]].out_sig) {
            outage = x->svcx[svc_list[k]].out_sig;
            continue;
        }
        if (!price_service(x, c, o, in, k, memo, &picks[k])) {
            if (picks[k].r.over)
                over = picks[k].r.over;
            continue;
        }
        if (best < 0 || service_better(&picks[k], &picks[best], target))
            best = (int)k;
    }
    if (best >= 0 && base != ~0u && picks[best].on_time + 1e-12 < target &&
        src_services_upgrade(x)) {
        double cap = picks[best].total + service_policy(x)->upgrade_max_cost;
        uint32_t uncapped = src_risk_cap_mask(x, node, ~0u);
        for (uint32_t k = 0; k < n_svc; k++) {
            if ((base >> k & 1) || !(uncapped >> k & 1) ||
                (svc_list[k] >= 0 && x->svcx && x->svcx[svc_list[k]].out_sig) ||
                !price_service(x, c, o, in, k, memo, &picks[k]))
                continue;
            if (picks[k].total <= cap + 1e-9 && service_better(&picks[k], &picks[best], target))
                best = (int)k;
        }
    }
    if (best < 0) {
        o->service = n_svc ? svc_list[0] : -3;
        set_excluded(o, outage && !over ? "signal:carrier_outage" : "no_service");
        if (x->details && outage && !over)
            snprintf(o->detail, sizeof o->detail, "signal v%llu line %u (carrier_outage %s)",
                     (unsigned long long)outage->version, outage->line, outage->area);
        else if (x->details && over)
            snprintf(o->detail, sizeof o->detail, "%.4g lb: over the services' limits (%s)",
                     o->weight, over);
        return false;
    }
    const svc_pick_t *b = &picks[best];
    o->service = b->service;
    o->billable = b->r.billable_lb;
    o->on_time = b->on_time;
    o->late = b->late;
    o->return_risk = b->return_risk;
    set_cost(o, in, b);
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
        term = share * src_zone_term(nat);
        break;
    case ORDO_CRIT_COST:
        nat = o->cost.total + o->risk.total; /* risk: 0 unless the policy prices it */
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
    if (x->risk_on)
        src_risk_reset(&o->risk);
    if (!eval_stock(x, c, mask, o, &in))
        return;
    if (signal_excluded(x, c, o))
        return;
    in.pick = c->pick * o->units;
    o->dos = o->units ? in.dos_units / o->units : 0;
    if (!eval_reach(x, c, in.pickup, o) || !eval_capacity(x, c, node, o, &in))
        return;
    in.share = x->total_units > 0 ? o->units / x->total_units : 1;
    in.D = src_promise_for(x, node);
    in.base_rr = o->units ? in.rr_base_units / o->units : 0;
    in.ret_base = src_returns_at_base(x, mask, in.pickup ? 0 : o->zone);
    if (x->rtab)
        in.rt_z = src_riskm_return_z(x, mask, o->miles);
    in.pack = node->pack_cost_per_shipment;
    if (!in.pickup) {
        ship_parcel(o, &in.parcel);
        src_size_key(in.parcel.side_in, in.key);
    }
    if (!choose_service(x, c, node, force_service, &in, o))
        return;
    if (x->risk_on)
        src_risk_shipment(x, mask, o);
    else
        o->risk.total = 0;
    double min_ot = src_min_on_time(x);
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
        const ordo_weights_t *w = src_risk_weights(x);
        o->score.v[0] =
            src_weighted_score(w, in.share, o->cost.total + o->risk.total, o->cost.economic,
                               src_weighted_on_time(w, in.share, o->on_time), o->return_risk,
                               o->load_penalty, src_overstock_part(o->dos, true));
        return;
    }
    score_criteria(x, node, &in, o);
}

static inline double line_fixed(const src_ctx_t *x, const src_cand_t *c, uint32_t i, bool zoned,
                                bool drop, double *econ);

void src_lines_fixed(src_ctx_t *x)
{
    const ordo_source_params_t *P = &x->eng->p;
    int rz = return_zone(x);
    x->cb.pickup = x->order->level == ORDO_LEVEL_PICKUP;
    x->cb.upgrade = src_services_upgrade(x);
    x->cb.standard = order_level(x) == ORDO_LEVEL_STANDARD;
    x->cb.out = services_out_any(x);
    x->cb.lead = service_policy(x)->supplier_lead_time;
    for (uint32_t i = 0; i < x->n_lines; i++) {
        src_line_t *l = &x->lines[i];
        double rr = x->rtab ? x->rt_ret_lb : l->base_rr; /* P(return)'s floor */
        l->fix_ret = l->qty * rr * (P->return_processing + P->lost_margin_rate * l->price);
        l->fix_ship = rz >= 1 ? l->qty * rr * return_ship(x->eng, rz, l) : -1;
        l->fix_zone = !x->cb.pickup && l->fix_ship >= 0 ? l->fix_ret + l->fix_ship : l->fix_ret;
    }
    x->lines_fixed = true;
}

/* The candidate's service-independent bounds of its lines with stock
 * (line_fixed), zero elsewhere. */
static inline void cand_lines_fixed(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node)
{
    bool zoned = c->zone >= 1, drop = node->type == ORDO_NODE_DROPSHIP;
    for (uint32_t i = 0; i < x->n_lines; i++)
        c->fixed[i] =
            c->atp[i] > 0 ? line_fixed(x, c, i, zoned, drop, &c->econ[i]) : (c->econ[i] = 0);
}

/* cand_on_time with learned lanes: the candidate's row of the lane index
 * and its ship day's classes looked up once (src_lane_learned per service
 * otherwise), the same probabilities. */
static void cand_on_time_lanes(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node, int s0,
                               double pe, int D)
{
    const ordo_lanes_t *l = x->lanes;
    const uint32_t *row = &x->lane_row[(size_t)c->node * l->n_services * ORDO_LANE_CLASSES];
    uint64_t cls = x->lane_cls[s0 < 0 ? 0 : s0 < SRC_LANE_SHIP_DAYS ? s0 : SRC_LANE_SHIP_DAYS - 1];
    int t = D - s0, ti = t < ORDO_TRANSIT_DAYS ? t : ORDO_TRANSIT_DAYS - 1, z = c->zone - 1;
    double best = 0;
    for (uint32_t k = 0; k < c->n_svc; k++) {
        uint32_t si = node->services[k];
        uint32_t d = ORDO_LANES_NONE;
        if (si < l->n_services)
            d = row[si * ORDO_LANE_CLASSES + (si < 64 ? (uint32_t)(cls >> si & 1) : 0)];
        c->lane[k] = d == ORDO_LANES_NONE ? NULL : &l->dists[d];
        const double *cdf = c->lane[k] ? c->lane[k]->cdf : x->eng->cdf[si][z];
        /* with pe 0, deliver_cdf is (1 − 0) × cdf[t]: cdf[t] itself */
        double p = pe == 0 ? (t >= 0 ? cdf[ti] : 0) : deliver_cdf(cdf, s0, pe, D);
        c->ot[k] = p;
        if ((c->svc_ok >> k & 1) && p > best)
            best = p;
    }
    c->ot_ub = best;
}

/* P(on time) of each of the candidate's services at its ship day (s0, pe)
 * and the best of the allowed ones (c->ot_ub). */
static inline void cand_on_time(src_ctx_t *x, src_cand_t *c, const ordo_node_t *node, int s0,
                                double pe)
{
    double best = 0;
    int D = x->promise_days;
    if (node->type == ORDO_NODE_DROPSHIP && node->processing_days > 0 && x->cb.lead)
        D += node->processing_days; /* src_promise_for */
    int t = D - s0;
    if (!x->lanes && pe == 0 && c->n_svc) {
        /* deliver_cdf with no extra day on the published histograms: the
         * same day of every service's cdf at the zone (0 + 1 × p is p) */
        int ti = t < ORDO_TRANSIT_DAYS ? t : ORDO_TRANSIT_DAYS - 1, z = c->zone - 1;
        for (uint32_t k = 0; k < c->n_svc; k++) {
            double p = t >= 0 ? x->eng->cdf[node->services[k]][z][ti] : 0;
            c->ot[k] = p;
            if ((c->svc_ok >> k & 1) && p > best)
                best = p;
        }
        c->ot_ub = best;
        return;
    }
    if (x->lanes && c->node < x->lanes->n_nodes) {
        cand_on_time_lanes(x, c, node, s0, pe, D);
        return;
    }
    for (uint32_t k = 0; k < c->n_svc; k++) {
        uint32_t si = node->services[k];
        c->lane[k] = x->lanes ? src_lane_learned(x, c->node, si, s0) : NULL;
        double p = deliver_cdf(src_cand_cdf(x, c, k, si, c->zone), s0, pe, D);
        c->ot[k] = p;
        if ((c->svc_ok >> k & 1) && p > best)
            best = p;
    }
    c->ot_ub = best;
}

void src_cand_init_bounds(src_ctx_t *x, uint32_t ci)
{
    src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    cand_lines_fixed(x, c, node);
    c->svcs = node->services;
    c->n_svc = c->zone >= 1 ? node->n_services : 0;
    c->zoff = c->zone >= 1 ? (uint32_t)(c->zone - 1) * SRC_RET_LB : 0;

    int s0;
    double pe, util;
    c->ready = false;
    c->sb_set = false;
    c->late_set = 0; /* no lateness kept yet */
    processing(x, c, 0, &s0, &pe, &util);
    c->s0 = s0;
    c->pe0 = pe;
    c->ready = true;
    double cap = c->cap;
    c->util0 = cap > 0 ? c->load / cap : 0;
    c->svc_ok = x->cb.upgrade ? ~0u : services_allowed(x, node, x->cb.standard);
    if (x->cb.out)
        c->svc_ok &= ~services_out(x, node);
    if (x->svc_signals)
        src_cand_one_lb(x, c);
    if (x->cb.pickup) {
        c->ot_ub = pickup_cdf(s0, pe, src_promise_for(x, node));
        return;
    }
    cand_on_time(x, c, node, s0, pe);
    /* the service rule (src_cand_service_rule) when a bound first needs it */
}

/* Exact where the shipment model is service-independent: the cash part
 * (returned), returns at the base risk (lateness only raises it); the
 * economic part (*econ), carrying relief and the opportunity cost with this
 * line's own quantity (a shared SKU's line only takes more of the cover). */
static inline double line_fixed(const src_ctx_t *x, const src_cand_t *c, uint32_t i, bool zoned,
                                bool drop, double *econ)
{
    const ordo_source_params_t *P = &x->eng->p;
    const src_line_t *l = &x->lines[i];
    double f = zoned ? l->fix_zone : l->fix_ret;
    if (x->risk_on)
        f += src_risk_line_lb(x, c, i);
    double relief = 0, opp = 0;
    if (!drop) /* the line's own quantity: a share of 1 (qty / qty) */
        stock_econ_share(P, l, 1.0, l->qty, c->atp[i], c->dos[i], x->eng->demand[c->cell[i]],
                         &relief, &opp);
    if (x->netval)
        opp += src_netval_line(x, c, i, l->qty);
    *econ = relief + opp;
    return f;
}
