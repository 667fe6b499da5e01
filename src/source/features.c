/* ordo — the engine (precomputed tables, runtime load) and what one
 * candidate shipment is worth: landed-cost stack, on-time probability,
 * return risk, load penalty, and its strategy score. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/util.h"

void ordo_source_params_default(ordo_source_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->return_processing = 4.00;
    p->lost_margin_rate = 0.15;
    p->carrying_rate = 0.25;
    p->target_days_of_supply = 14;
    p->stockout_margin_rate = 0.30;
    p->network_days_of_supply = 60;
    p->lateness_return_factor = 0.25;
    p->split_cost = 1.50;
    p->promise_days[ORDO_LEVEL_STANDARD] = 5;
    p->promise_days[ORDO_LEVEL_EXPRESS] = 2;
    p->promise_days[ORDO_LEVEL_PICKUP] = 1;
    p->peak = -1;
    p->beam_width = 12;
    p->beam_nodes = 6;
}

static double expected_late(const ordo_carrier_service_t *svc, int zone, int s0, double pe, int D);

static bool params_ok(const ordo_source_params_t *p)
{
    const double v[] = {p->return_processing,      p->lost_margin_rate,
                        p->carrying_rate,          p->target_days_of_supply,
                        p->stockout_margin_rate,   p->network_days_of_supply,
                        p->lateness_return_factor, p->split_cost};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!isfinite(v[i]) || v[i] < 0)
            return false;
    return p->network_days_of_supply > 0 && p->target_days_of_supply > 0 && p->beam_width >= 1 &&
           p->beam_nodes >= 1 && p->promise_days[0] >= 0 && p->promise_days[1] >= 0 &&
           p->promise_days[2] >= 0;
}

/* The engine's tables, allocated (zeroed); false when out of memory. */
static bool engine_alloc(ordo_engine_t *e, const ordo_network_t *net)
{
    size_t cells = ordo_inventory_cell_count(net->inventory);
    size_t ns = net->n_services ? net->n_services : 1;
    e->cdf = calloc(ns, sizeof *e->cdf);
    e->min_rate = calloc((size_t)net->n_nodes * ORDO_ZONES + 1, sizeof *e->min_rate);
    e->node_tz = calloc(net->n_nodes + 1, 1);
    e->demand = calloc(cells + 1, sizeof *e->demand);
    e->load = calloc(net->n_nodes + 1, sizeof *e->load);
    e->base_tab = calloc(ns, sizeof *e->base_tab);
    e->base_min = calloc(ns, sizeof *e->base_min);
    e->near =
        net->n_nodes <= 65535 ? malloc(sizeof *e->near * ORDO_ZIP3_COUNT * net->n_nodes + 1) : NULL;
    e->inv_div = calloc(net->n_services + 1, sizeof *e->inv_div);
    e->mult = calloc(net->n_services + 1, sizeof *e->mult);
    e->one_lb = calloc((size_t)net->n_nodes * ORDO_ZONES * 4 + 1, sizeof *e->one_lb);
    e->late0 = calloc((size_t)net->n_services * ORDO_ZONES * SRC_LATE_SPAN + 1, sizeof *e->late0);
    return e->one_lb && e->late0 && e->inv_div && e->mult && e->cdf && e->min_rate && e->node_tz &&
           e->demand && e->load && e->base_tab && e->base_min && e->near;
}

/* Per carrier service: dim divisor and fuel factors, transit CDFs, base
 * rates by whole pound and their suffix minima. */
static void tab_services(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t s = 0; s < net->n_services; s++) {
        const ordo_carrier_service_t *svc = &net->services[s];
        e->inv_div[s] = svc->dim_divisor > 0 ? 1.0 / svc->dim_divisor : 0;
        e->mult[s] = 1 + svc->fuel_surcharge_pct / 100.0;
    }
    for (uint32_t s = 0; s < net->n_services; s++)
        for (int z = 0; z < ORDO_ZONES; z++) {
            double c = 0;
            for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
                c += net->services[s].transit[z][d];
                e->cdf[s][z][d] = c > 1 ? 1 : c;
            }
        }
    for (uint32_t s = 0; s < net->n_services; s++)
        for (int z = 0; z < ORDO_ZONES; z++)
            for (int w = 1; w < SRC_RET_LB; w++) {
                ordo_rate_t r;
                if (ordo_rate_parcel(&net->services[s], z + 1, w, 0, false, false, &r) == 0)
                    e->base_tab[s][z][w] = r.base;
            }
    /* suffix minimum: a lower bound for any parcel at least that heavy, even
     * if a rate card is not monotone in weight */
    for (uint32_t s = 0; s < net->n_services; s++)
        for (int z = 0; z < ORDO_ZONES; z++) {
            double m = e->base_tab[s][z][SRC_RET_LB - 1];
            for (int w = SRC_RET_LB - 1; w >= 1; w--) {
                if (e->base_tab[s][z][w] < m)
                    m = e->base_tab[s][z][w];
                e->base_min[s][z][w] = m;
            }
        }
    /* expected lateness with no extra-day chance by s0 − D (src_late) */
    for (uint32_t s = 0; s < net->n_services; s++)
        for (int z = 0; z < ORDO_ZONES; z++)
            for (int k = 0; k < SRC_LATE_SPAN; k++)
                e->late0[((size_t)s * ORDO_ZONES + z) * SRC_LATE_SPAN + k] =
                    expected_late(&net->services[s], z + 1, k - SRC_LATE_OFF, 0.0, 0);
}

/* Per node: time zone, starting load, the cheapest rate by zone, and the
 * cheapest 1-lb parcel by zone and surcharge flags: the same operations as
 * ship_lb(x, c, 1, 0) (1 lb is billable 1 lb by any service: no dimensional
 * weight without cube). */
static void tab_nodes(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *node = &net->nodes[n];
        e->node_tz[n] = (int8_t)lround(node->lon / 15.0);
        atomic_init(&e->load[n], node->current_load);
        for (int z = 0; z < ORDO_ZONES; z++) {
            double m = INFINITY;
            for (uint32_t k = 0; k < node->n_services; k++) {
                const ordo_carrier_service_t *svc = &net->services[node->services[k]];
                for (uint32_t b = 0; b < svc->n_brackets; b++) {
                    double r = svc->rates[b][z] * (1 + svc->fuel_surcharge_pct / 100.0);
                    if (r < m)
                        m = r;
                }
            }
            e->min_rate[(size_t)n * ORDO_ZONES + z] = isfinite(m) ? m : 0;
        }
    }
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *node = &net->nodes[n];
        for (int z = 0; z < ORDO_ZONES; z++)
            for (int f = 0; f < 4; f++) {
                double best = INFINITY;
                for (uint32_t k = 0; k < node->n_services; k++) {
                    uint32_t si = node->services[k];
                    const ordo_carrier_service_t *svc = &net->services[si];
                    double add = ((f & 1) ? svc->residential_surcharge : 0) +
                                 ((f & 2) ? svc->peak_surcharge : 0);
                    double t = e->base_min[si][z][1] * e->mult[si] + add;
                    if (t < best)
                        best = t;
                }
                e->one_lb[((size_t)n * ORDO_ZONES + z) * 4 + f] = isfinite(best) ? best : 0;
            }
    }
}

/* Nodes of each ZIP3 by a static cost key (pack + pick + cheapest rate at
 * the zone, miles breaking ties). False when out of memory. */
static bool tab_near(ordo_engine_t *e, const ordo_network_t *net)
{
    double *key = malloc(sizeof *key * (net->n_nodes + 1));
    if (!key)
        return false;
    for (uint32_t z3 = 0; z3 < ORDO_ZIP3_COUNT; z3++) {
        uint16_t *row = &e->near[(size_t)z3 * net->n_nodes];
        for (uint32_t n = 0; n < net->n_nodes; n++) {
            const ordo_node_t *node = &net->nodes[n];
            int z = ordo_network_zone(net, n, (uint16_t)z3);
            key[n] = node->pack_cost_per_shipment + node->pick_cost_per_unit +
                     (z >= 1 ? e->min_rate[(size_t)n * ORDO_ZONES + z - 1] : 1e9) +
                     ordo_network_miles(net, n, (uint16_t)z3) * 1e-6;
            row[n] = (uint16_t)n;
        }
        /* insertion sort is too slow for 1000s of nodes: shell sort */
        for (uint32_t gap = net->n_nodes / 2; gap > 0; gap /= 2)
            for (uint32_t i = gap; i < net->n_nodes; i++) {
                uint16_t v = row[i];
                uint32_t j = i;
                while (j >= gap && key[row[j - gap]] > key[v]) {
                    row[j] = row[j - gap];
                    j -= gap;
                }
                row[j] = v;
            }
    }
    free(key);
    return true;
}

/* Return shipping: the network's cheapest ground service (first service
 * when it has no ground one), unit weights 1..150 lb. */
static void tab_returns(ordo_engine_t *e, const ordo_network_t *net)
{
    int32_t ret = -1;
    double best = INFINITY;
    for (uint32_t s = 0; s < net->n_services; s++) {
        const ordo_carrier_service_t *svc = &net->services[s];
        if (svc->n_brackets == 0)
            continue;
        double r = svc->rates[0][4] + (svc->service == ORDO_SERVICE_GROUND ? 0 : 1e6);
        if (r < best) {
            best = r;
            ret = (int32_t)s;
        }
    }
    for (int z = 0; z < ORDO_ZONES; z++) {
        for (int w = 1; w < SRC_RET_LB; w++) {
            ordo_rate_t r;
            if (ret >= 0 &&
                ordo_rate_parcel(&net->services[ret], z + 1, w, 0, false, false, &r) == 0)
                e->ret_rate[z][w] = r.total;
        }
        e->ret_rate[z][0] = e->ret_rate[z][1];
        e->ret_per_lb[z] = e->ret_rate[z][SRC_RET_LB - 1] - e->ret_rate[z][SRC_RET_LB - 2];
    }
}

/* Demand estimate: the SKU's network on-hand / network_days_of_supply,
 * shared among the nodes that stock it by daily capacity. */
static void tab_demand(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t s = 0; s < net->n_skus; s++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, s);
        double units = 0, cap = 0;
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_stock_t st;
            ordo_inventory_get(net->inventory, c, &st);
            units += st.on_hand > 0 ? st.on_hand : 0;
            const ordo_node_t *nd = &net->nodes[st.node];
            cap += nd->daily_capacity ? nd->daily_capacity : 1000;
        }
        double daily = units / e->p.network_days_of_supply;
        if (daily < 0.01)
            daily = 0.01;
        for (uint32_t c = r.begin; c < r.end; c++) {
            const ordo_node_t *nd = &net->nodes[ordo_inventory_cell_node(net->inventory, c)];
            double share = (nd->daily_capacity ? nd->daily_capacity : 1000) / (cap > 0 ? cap : 1);
            double d = daily * share;
            e->demand[c] = (float)(d < 0.001 ? 0.001 : d);
        }
    }
}

int ordo_engine_create(const ordo_network_t *net, const ordo_source_params_t *params,
                       ordo_engine_t **out, ordo_error_t *err)
{
    *out = NULL;
    if (!net || !net->inventory || !net->zone)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "network", "network is not finalized");
    ordo_engine_t *e = calloc(1, sizeof *e);
    if (!e)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory allocating the engine");
    e->net = net;
    if (params)
        e->p = *params;
    else
        ordo_source_params_default(&e->p);
    if (!params_ok(&e->p)) {
        free(e);
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "params", "invalid engine parameters");
    }
    if (!engine_alloc(e, net)) {
        ordo_engine_destroy(e);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory allocating the engine's rate and node tables");
    }
    tab_services(e, net);
    tab_nodes(e, net);
    if (!tab_near(e, net)) {
        ordo_engine_destroy(e);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory sorting the nodes of each ZIP3");
    }
    tab_returns(e, net);
    tab_demand(e, net);
    *out = e;
    return ORDO_OK;
}

void ordo_engine_destroy(ordo_engine_t *e)
{
    if (!e)
        return;
    free(e->cdf);
    free(e->inv_div);
    free(e->mult);
    free(e->one_lb);
    free(e->late0);
    free(e->base_tab);
    free(e->base_min);
    free(e->near);
    free(e->min_rate);
    free(e->node_tz);
    free(e->demand);
    free((void *)e->load);
    free(e);
}

const ordo_network_t *ordo_engine_network(const ordo_engine_t *e)
{
    return e->net;
}

uint32_t ordo_engine_node_load(const ordo_engine_t *e, uint32_t node)
{
    return node < e->net->n_nodes ? atomic_load_explicit(&e->load[node], memory_order_relaxed) : 0;
}

void ordo_engine_add_load(ordo_engine_t *e, uint32_t node, int32_t units)
{
    if (node >= e->net->n_nodes)
        return;
    if (units >= 0) {
        atomic_fetch_add_explicit(&e->load[node], (uint32_t)units, memory_order_relaxed);
        return;
    }
    uint32_t cur = atomic_load_explicit(&e->load[node], memory_order_relaxed);
    uint32_t next;
    do {
        next = cur > (uint32_t)-units ? cur - (uint32_t)-units : 0;
    } while (!atomic_compare_exchange_weak(&e->load[node], &cur, next));
}

void ordo_engine_reset_loads(ordo_engine_t *e)
{
    for (uint32_t n = 0; n < e->net->n_nodes; n++)
        atomic_store(&e->load[n], 0);
}

int ordo_engine_set_cell_demand(ordo_engine_t *e, const float *per_cell, size_t n,
                                ordo_error_t *err)
{
    size_t cells = ordo_inventory_cell_count(e->net->inventory);
    if (n != cells)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "demand", "expected %zu cells, got %zu",
                              cells, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(per_cell[i]) || per_cell[i] < 0)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "demand",
                                  "cell %zu: demand must be finite and >= 0", i);
    for (size_t i = 0; i < n; i++)
        e->demand[i] = per_cell[i] < 0.001f ? 0.001f : per_cell[i];
    return ORDO_OK;
}

double ordo_engine_days_of_supply(const ordo_engine_t *e, uint32_t cell)
{
    return ordo_inventory_atp(e->net->inventory, cell) / (double)e->demand[cell];
}

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

static double quantize(double v, double res)
{
    return res > 0 ? floor(v / res + 0.5) * res : v;
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

/* Expected business days late. */
static double expected_late(const ordo_carrier_service_t *svc, int zone, int s0, double pe, int D)
{
    double late = 0;
    const double *pr = svc->transit[zone - 1];
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        if (pr[d] <= 0)
            continue;
        int a = s0 + d - D, b = s0 + 1 + d - D;
        late += pr[d] * ((1 - pe) * (a > 0 ? a : 0) + pe * (b > 0 ? b : 0));
    }
    return late;
}

/* expected_late of service si, from the engine's table when there is no
 * extra-day chance (pe == 0: the common case below 80% utilization). The
 * loop depends on s0 and D only through s0 − D, and with pe == 0 every term
 * is pr[d]·(1·max(0, a) + 0·b) = pr[d]·max(0, a) exactly, so the table
 * (expected_late at s0 − D, D = 0) holds the very number the loop gives;
 * below the table's range every a ≤ 0 and the sum is 0. */
static inline double src_late(const ordo_engine_t *eng, uint32_t si, int zone, int s0, double pe,
                              int D)
{
    int k = s0 - D + SRC_LATE_OFF;
    if (pe == 0 && k < SRC_LATE_SPAN)
        return k <= 0 ? 0 : eng->late0[((size_t)si * ORDO_ZONES + zone - 1) * SRC_LATE_SPAN + k];
    return expected_late(&eng->net->services[si], zone, s0, pe, D);
}

int src_return_lb(const src_line_t *l)
{
    double w = l->weight;
    if (l->cubic / 139.0 > w)
        w = l->cubic / 139.0;
    int wl = src_ceil_int(w - 1e-9);
    return wl < 1 ? 1 : wl;
}

/* Same as ordo_rate_parcel (billable = ceil(max(actual, dim)) whole pounds),
 * from the precomputed table when the billable weight is within it. */
static int rate(const ordo_engine_t *eng, int32_t si, int zone, double weight, double cubic,
                bool residential, bool peak, ordo_rate_t *r)
{
    const ordo_carrier_service_t *svc = &eng->net->services[si];
    double dim = svc->dim_divisor > 0 ? cubic / svc->dim_divisor : 0;
    double w = weight > dim ? weight : dim;
    int wl = src_ceil_int(w - 1e-9);
    if (wl < 1)
        wl = 1;
    if (wl >= SRC_RET_LB || zone < 1 || zone > ORDO_ZONES)
        return ordo_rate_parcel(svc, zone, weight, cubic, residential, peak, r);
    double billable = wl;
    r->zone = zone;
    r->actual_lb = weight;
    r->dim_lb = dim;
    r->billable_lb = billable;
    r->base = eng->base_tab[si][zone - 1][(int)billable];
    r->fuel = r->base * svc->fuel_surcharge_pct / 100.0;
    r->residential = residential ? svc->residential_surcharge : 0;
    r->peak = peak ? svc->peak_surcharge : 0;
    r->total = r->base + r->fuel + r->residential + r->peak;
    return ORDO_OK;
}

/* Service si's base_min row at the candidate's zone. */
static inline const double *svc_row(const src_ctx_t *x, const src_cand_t *c, uint32_t si)
{
    return (const double *)x->eng->base_min + (size_t)si * (ORDO_ZONES * SRC_RET_LB) + c->zoff;
}

/* max over services of −cost·shipping + on_time·share·P(on time): the
 * service trade-off of a weighted score, bounded per service: see
 * weighted_service_ub_sub below. */

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

/* Expected returns cost of the lines in mask at their base return rates:
 * processing and lost margin, plus return shipping when zone >= 1 (not a
 * pickup). Lateness scales it (src_eval_shipment). */
static double returns_at_base(const src_ctx_t *x, uint32_t mask, int zone)
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
        if (rate(x->eng, cur->service, o->zone, o->weight > 0 ? o->weight : 0.1, o->cubic,
                 x->order->residential, x->peak, r) != ORDO_OK)
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
    double best_key = -INFINITY;
    for (uint32_t k = 0; k < n_svc; k++) {
        cur.service = svc_list[k];
        if (!price_service(x, c, o, in, k, memo, &cur))
            continue;
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
        o->score.v[i] = quantize(term, k->resolution);
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
    in.ret_base = returns_at_base(x, mask, in.pickup ? 0 : o->zone);
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

/* Billable whole pounds for the bound tables, clamped to 1..150 (heavier
 * parcels cost at least the 150-lb rate). */
static inline int billable_lb(double weight, double cubic, double inv_div)
{
    double dim = cubic * inv_div;
    int wl = src_ceil_int((weight > dim ? weight : dim) - 1e-9);
    if (wl < 1)
        wl = 1;
    if (wl >= SRC_RET_LB)
        wl = SRC_RET_LB - 1;
    return wl;
}

/* Is the subset's parcel beyond the rate tables by a service with this 1/dim
 * (criteria_service_bound then leaves the choice to ordo_rate_parcel)? */
static inline bool sub_heavy(const src_subset_t *sub, double inv_div)
{
    double w = sub->weight > 0 ? sub->weight : 0.1, dim = sub->cubic * inv_div;
    return (w > dim ? w : dim) > 149.5;
}

void src_subset_init(const src_ctx_t *x, uint32_t mask, src_subset_t *sub)
{
    double units = 0, rr_units = 0, weight = 0, cubic = 0;
    for (uint32_t m = mask; m; m &= m - 1) {
        const src_line_t *l = &x->lines[__builtin_ctz(m)];
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
    sub->rr = units ? rr_units / units : 0;
    /* billable pounds of the parcel by each service (dim divisors differ) */
    const ordo_engine_t *e = x->eng;
    uint32_t ns = x->net->n_services < SRC_MAX_SERVICES ? x->net->n_services : SRC_MAX_SERVICES;
    sub->heavy = 0;
    for (uint32_t s = 0; s < ns; s++) {
        sub->wl[s] = (uint8_t)billable_lb(weight, cubic, e->inv_div[s]);
        if (sub_heavy(sub, e->inv_div[s]))
            sub->heavy |= 1ull << s;
    }
    sub->n_wl = ns;
    sub->ret_known = 0;
}

/* The subset's billable pounds with a candidate's k-th service. */
static inline int sub_wl(const src_ctx_t *x, uint32_t s, const src_subset_t *sub)
{
    return s < sub->n_wl ? sub->wl[s] : billable_lb(sub->weight, sub->cubic, x->svcx[s].inv_div);
}

/* ship_lb and weighted_service_ub with the subset's billable pounds. */
static double ship_lb_sub(const src_ctx_t *x, const src_cand_t *c, const src_subset_t *sub)
{
    double best = INFINITY;
    for (uint32_t k = 0; k < c->n_svc; k++) {
        uint32_t si = c->svcs[k];
        const src_svcx_t *sx = &x->svcx[si];
        double t = svc_row(x, c, si)[sub_wl(x, si, sub)] * sx->mult + sx->add;
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
        uint32_t si = c->svcs[k];
        const src_svcx_t *sx = &x->svcx[si];
        double t = -w->cost * (svc_row(x, c, si)[sub_wl(x, si, sub)] * sx->mult + sx->add) +
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
        *term = share * (1 - (z > 1 ? z - 1 : 0) / 8);
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
        sub->ret_base[c->zone - 1] = returns_at_base(x, sub->mask, c->zone);
        sub->ret_known |= zbit;
    }
    double ret_base = sub->ret_base[c->zone - 1];
    double base_rr = sub->rr;
    double var[ORDO_NODE_MAX_SERVICES];
    double lim = INFINITY;
    for (uint32_t m = meets; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctz(m), si = c->svcs[k];
        const src_svcx_t *sx = &x->svcx[si];
        ship[k] = eng->base_tab[si][c->zone - 1][sub_wl(x, si, sub)] * sx->mult + sx->add;
        double ot = c->ot[k], late;
        if (ot >= 1 - 1e-12) {
            late = 0;
        } else if (pe == c->late_pe[k]) {
            late = c->late[k];
        } else {
            late = src_late(eng, si, c->zone, c->s0, pe, x->promise_days);
            c->late_pe[k] = pe; /* the memo src_eval_shipment keeps */
            c->late[k] = late;
        }
        double rr = base_rr * (1 + P->lateness_return_factor * late);
        if (rr > 1)
            rr = 1;
        var[k] = ship[k] + ret_base * (base_rr > 0 ? rr / base_rr : 0);
        if (var[k] < lim)
            lim = var[k];
    }
    double mag = 1 + fabs(lim) + node->pack_cost_per_shipment +
                 node->pick_cost_per_unit * sub->units + fabs(fixed_cost);
    for (uint32_t m = meets; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctz(m);
        if (var[k] <= lim + 1e-9 * mag)
            may |= 1u << k;
    }
    return may;
}

/* Criteria strategies ship with the cheapest service whose P(on time)
 * reaches the target, else the most punctual (src_eval_shipment). When the
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
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_engine_t *eng = x->eng;
    uint32_t n = c->n_svc;
    if (!c->ready || n == 0 || n != node->n_services || n > ORDO_NODE_MAX_SERVICES)
        return false;
    /* P(extra day) as processing() computes it */
    double cap = node->daily_capacity;
    double util = cap > 0 ? (c->load + sub->units) / cap : 0;
    double pe = util > 0.8 ? (util - 0.8) / 0.4 : 0;
    if (pe > 0.5)
        pe = 0.5;
    if (pe != c->pe0)
        return false;
    double target = x->strat->service_target;
    if (target < x->cons->min_on_time)
        target = x->cons->min_on_time;
    /* Which services meet the target, and the best P(on time), depend on the
     * node alone (pe is its pe0); shipping and lateness-raised returns are
     * needed only for the services that can be chosen: the one meeting the
     * target, the cheapest of several that do (within the margin), or the
     * most punctual when none does. */
    uint32_t meets = 0;
    double best_ot = -1;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t si = c->svcs[k];
        if (si < SRC_MAX_SERVICES ? (sub->heavy >> si & 1) : sub_heavy(sub, x->svcx[si].inv_div))
            return false; /* beyond the tables: ordo_rate_parcel decides */
        double ot = c->ot[k];
        if (ot + 1e-12 >= target)
            meets |= 1u << k;
        if (ot > best_ot)
            best_ot = ot;
    }
    double ship[ORDO_NODE_MAX_SERVICES];
    uint32_t may = 0;
    if (meets & (meets - 1)) {
        may = cheapest_meeting(x, c, node, sub, meets, pe, fixed_cost, ship);
    } else {
        /* exactly one meets the target, or none: the most punctual */
        may = meets;
        if (!meets)
            for (uint32_t k = 0; k < n; k++)
                if (c->ot[k] >= best_ot - 1e-12)
                    may |= 1u << k;
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
    return true;
}

void src_upper_bound_sub(src_ctx_t *x, uint32_t ci, src_subset_t *sub, bool tight, src_score_t *out)
{
    const src_cand_t *c = &x->cands[ci];
    const ordo_node_t *node = &x->net->nodes[c->node];
    const ordo_strategy_t *st = x->strat;
    memset(out, 0, sizeof *out);
    if (!st)
        return;
    bool weighted = st->kind == ORDO_STRATEGY_WEIGHTED;
    double fixed_cost = 0, dos_units = 0;
    if (weighted && st->weights.overstock == 0) {
        /* days of supply weigh nothing: the term below is 0 whatever they are */
        for (uint32_t m = sub->mask; m; m &= m - 1)
            fixed_cost += c->fixed[__builtin_ctz(m)];
    } else {
        for (uint32_t m = sub->mask; m; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            fixed_cost += c->fixed[i];
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
        node->pick_cost_per_unit * units + node->pack_cost_per_shipment + ship + fixed_cost;
    double cap = node->daily_capacity;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double lp = util > 0.7 ? (util - 0.7) / 0.3 : 0;
    double rr = sub->rr;
    if (st->kind == ORDO_STRATEGY_WEIGHTED) {
        const ordo_weights_t *w = &st->weights;
        double svc_part = pickup || c->zone < 1 ? src_weighted_on_time(w, share, c->ot_ub)
                                                : weighted_service_ub_sub(x, c, sub, w, share);
        out->v[0] = src_weighted_score(w, share, cost_lb, svc_part, rr, lp * lp,
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
        out->v[i] = (k->resolution > 0 ? quantize(term + 1e-9, k->resolution) : term) + 1e-9;
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
    if (ot < x->cons->min_on_time - 1e-12)
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
            if (k->has_max && node->daily_capacity > 0 && c->util0 > k->max + 1e-9)
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
    double cap = node->daily_capacity;
    double util = cap > 0 ? (c->load + units) / cap : 0;
    double term;
    if (!criterion_ub_term(k, c, node, pickup, sub->share, 0, dos, true, util, sub->rr, c->ot_ub,
                           &term))
        return 0;
    return (k->resolution > 0 ? quantize(term + 1e-9, k->resolution) : term) + 1e-9;
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
    double share, cost, rr, dos, util0;
} line_ub_in_t;

static inline void line_ub_inputs(const src_ctx_t *x, const src_cand_t *c, const ordo_node_t *node,
                                  uint32_t i, line_ub_in_t *in)
{
    const src_line_t *l = &x->lines[i];
    double units = l->qty;
    in->share = l->ub_share;
    in->cost = node->pick_cost_per_unit * units + c->fixed[i];
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
        const ordo_weights_t *w = &st->weights;
        /* share·min(1, mean dos/90) ≤ Σ share_i·dos_i/90 and ≤ share; the
         * load penalty only lowers a score (0 here) */
        out->v[0] =
            src_weighted_score(w, in.share, in.cost, src_weighted_on_time(w, in.share, c->ot_ub),
                               in.rr, 0, src_overstock_part(in.dos, false));
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
    return node->pack_cost_per_shipment +
           (pickup || c->zone < 1
                ? 0
                : x->eng->one_lb[((size_t)c->node * ORDO_ZONES + c->zone - 1) * 4 +
                                 (x->order->residential ? 1 : 0) + (x->peak ? 2 : 0)]);
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
