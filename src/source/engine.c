/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the engine: parameters, the tables precomputed from the network
 * (transit CDFs, rates by whole pound, lateness, return shipping, the nodes
 * nearest each ZIP3, demand), and the runtime node loads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
    p->promise_days[ORDO_LEVEL_TWO_DAY] = 2;
    p->promise_days[ORDO_LEVEL_OVERNIGHT] = 1;
    p->peak = -1;
    p->beam_width = 12;
    p->beam_nodes = 6;
}

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
           p->promise_days[2] >= 0 && p->promise_days[3] >= 0 && p->promise_days[4] >= 0;
}

/* The node-slot tables decisions take (src_slots_take): every slot −1,
 * nothing touched, none busy. */
static bool slots_alloc(ordo_engine_t *e, const ordo_network_t *net)
{
    size_t n = (size_t)net->n_nodes + 1;
    int32_t *slot = malloc(sizeof *slot * n * SRC_SLOT_SETS);
    uint32_t *touch = malloc(sizeof *touch * n * SRC_SLOT_SETS);
    if (!slot || !touch) {
        free(slot);
        free(touch);
        return false;
    }
    memset(slot, 0xff, sizeof *slot * n * SRC_SLOT_SETS); /* -1 */
    for (size_t i = 0; i < SRC_SLOT_SETS; i++) {
        e->slot_sets[i].slot = slot + i * n;
        e->slot_sets[i].touch = touch + i * n;
        e->slot_sets[i].n_touch = 0;
        atomic_flag_clear(&e->slot_sets[i].busy);
    }
    return true;
}

src_slots_t *src_slots_take(ordo_engine_t *e)
{
    for (size_t i = 0; i < SRC_SLOT_SETS; i++)
        if (!atomic_flag_test_and_set_explicit(&e->slot_sets[i].busy, memory_order_acquire))
            return &e->slot_sets[i];
    return NULL;
}

void src_slots_give(src_slots_t *ss)
{
    if (ss)
        atomic_flag_clear_explicit(&ss->busy, memory_order_release);
}

/* The engine's tables, allocated (zeroed); false when out of memory. */
static bool engine_alloc(ordo_engine_t *e, const ordo_network_t *net)
{
    size_t cells = ordo_inventory_cell_count(net->inventory);
    size_t ns = net->n_services ? net->n_services : 1;
    e->cdf = calloc(ns, sizeof *e->cdf);
    e->min_rate = calloc((size_t)net->n_nodes * ORDO_ZONES + 1, sizeof *e->min_rate);
    e->node_zone = calloc(net->n_nodes + 1, 1);
    e->zones = calloc(SRC_MAX_ZONES, sizeof *e->zones);
    e->demand = calloc(cells + 1, sizeof *e->demand);
    e->load = calloc(net->n_nodes + 1, sizeof *e->load);
    e->load_day = malloc((net->n_nodes + 1) * sizeof *e->load_day);
    e->base_tab = calloc(ns, sizeof *e->base_tab);
    e->base_min = calloc(ns, sizeof *e->base_min);
    e->near =
        net->n_nodes <= 65535 ? malloc(sizeof *e->near * ORDO_ZIP3_COUNT * net->n_nodes + 1) : NULL;
    e->z3_zone = malloc((size_t)ORDO_ZIP3_COUNT * net->n_nodes + 1);
    e->z3_miles = malloc(sizeof *e->z3_miles * ((size_t)ORDO_ZIP3_COUNT * net->n_nodes + 1));
    e->inv_div = calloc(net->n_services + 1, sizeof *e->inv_div);
    e->mult = calloc(net->n_services + 1, sizeof *e->mult);
    e->dim_min = calloc(net->n_services + 1, sizeof *e->dim_min);
    e->quiet = calloc(net->n_services + 1, sizeof *e->quiet);
    e->ground = calloc(net->n_nodes + 1, sizeof *e->ground);
    e->one_lb = calloc((size_t)net->n_nodes * ORDO_ZONES * 4 + 1, sizeof *e->one_lb);
    e->late0 = calloc((size_t)net->n_services * ORDO_ZONES * SRC_LATE_SPAN + 1, sizeof *e->late0);
    return slots_alloc(e, net) && e->one_lb && e->late0 && e->dim_min && e->quiet && e->ground &&
           e->inv_div && e->mult && e->cdf && e->min_rate && e->node_zone && e->zones &&
           e->demand && e->load && e->load_day && e->base_tab && e->base_min && e->near &&
           e->z3_zone && e->z3_miles;
}

/* The smallest positive threshold of up to three (INFINITY: none). */
static double min_pos3(double a, double b, double c)
{
    double m = INFINITY;
    if (a > 0 && a < m)
        m = a;
    if (b > 0 && b < m)
        m = b;
    if (c > 0 && c < m)
        m = c;
    return m;
}

/* The service's quiet thresholds (src_quiet_t, src_size_quiet): below
 * every size rule of ordo_service_size_rules. */
static void service_quiet(const ordo_carrier_service_t *svc, src_quiet_t *q)
{
    q->q_w = min_pos3(svc->max_weight_lb, svc->ahs_weight_lb, 0);
    q->q_b = min_pos3(svc->max_billable_lb, 0, 0);
    q->q_l = min_pos3(svc->max_length_in, svc->large_longest_in, svc->ahs_longest_in);
    q->q_s = min_pos3(svc->ahs_second_in, 0, 0);
    q->q_g =
        min_pos3(svc->max_length_girth_in, svc->large_length_girth_in, svc->ahs_length_girth_in);
}

/* Per carrier service: dim divisor and fuel factors, transit CDFs, base
 * rates by whole pound and their suffix minima. */
static void tab_services(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t s = 0; s < net->n_services; s++) {
        const ordo_carrier_service_t *svc = &net->services[s];
        e->inv_div[s] = svc->dim_divisor > 0 ? 1.0 / svc->dim_divisor : 0;
        e->mult[s] = 1 + svc->fuel_surcharge_pct / 100.0;
        e->dim_min[s] = svc->dim_divisor > 0 ? svc->dim_min_cubic_in : 0;
        service_quiet(svc, &e->quiet[s]);
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
                    src_expected_late(&net->services[s], z + 1, k - SRC_LATE_OFF, 0.0, 0);
}

/* The index of zone `name` in e->zones, loading it on first sight; when
 * its file is absent (no tzdata) a zone without daylight saving at
 * round(lon / 15) hours stands in, unless `required`. */
static bool zone_find(const ordo_engine_t *e, const char *name, uint8_t *out)
{
    for (uint32_t i = 0; i < e->n_zones; i++)
        if (!strcmp(ordo_tz_name(e->zones[i]), name)) {
            *out = (uint8_t)i;
            return true;
        }
    return false;
}

static int zone_add(ordo_engine_t *e, ordo_tz_t *tz, uint8_t *out, ordo_error_t *err)
{
    if (!tz)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory loading zones");
    if (e->n_zones >= SRC_MAX_ZONES) {
        ordo_tz_destroy(tz);
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, "time_zone", "more than %d time zones",
                              SRC_MAX_ZONES);
    }
    e->zones[e->n_zones] = tz;
    *out = (uint8_t)e->n_zones++;
    return ORDO_OK;
}

static int zone_index(ordo_engine_t *e, const char *name, double lon, bool required, uint8_t *out,
                      ordo_error_t *err)
{
    if (name) {
        if (zone_find(e, name, out))
            return ORDO_OK;
        ordo_tz_t *tz = NULL;
        int rc = ordo_tz_load(name, &tz, err);
        if (rc == ORDO_OK)
            return zone_add(e, tz, out, err);
        if (rc != ORDO_ENOTFOUND || required)
            return rc;
    }
    char fixed[24];
    long h = lround(lon / 15.0);
    snprintf(fixed, sizeof fixed, "UTC%+ld", h);
    if (zone_find(e, fixed, out))
        return ORDO_OK;
    return zone_add(e, ordo_tz_fixed((int32_t)h * 3600, fixed), out, err);
}

/* Time zones: a node's own (time_zone) or its ZIP's; a customer's by ZIP3. */
static int tab_zones(ordo_engine_t *e, const ordo_network_t *net, ordo_error_t *err)
{
    int rc;
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *node = &net->nodes[n];
        bool own = node->time_zone[0] != 0;
        const char *name = own ? node->time_zone : ordo_tz_for_zip(net->geo, node->zip);
        if ((rc = zone_index(e, name, node->lon, own, &e->node_zone[n], err)))
            return rc;
    }
    for (uint32_t z3 = 0; z3 < ORDO_ZIP3_COUNT; z3++) {
        const ordo_zip3_t *t = ordo_geo_zip3(net->geo, (uint16_t)z3);
        if ((rc = zone_index(e, ordo_tz_for_zip3(net->geo, (uint16_t)z3), t->known ? t->lon : 0,
                             false, &e->zip3_zone[z3], err)))
            return rc;
    }
    return ORDO_OK;
}

/* Per node: starting load, the cheapest rate by zone, and the
 * cheapest 1-lb parcel by zone and surcharge flags: the same operations as
 * ship_lb(x, c, 1, 0) (1 lb is billable 1 lb by any service: no dimensional
 * weight without cube). */
/* Per node, its ground services as bits of its service list (the services
 * a standard order may use, src_services_allowed). */
static void tab_ground(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *node = &net->nodes[n];
        uint32_t g = 0;
        for (uint32_t k = 0; k < node->n_services && k < 32; k++)
            if (net->services[node->services[k]].service == ORDO_SERVICE_GROUND)
                g |= 1u << k;
        e->ground[n] = g;
    }
}

static void tab_nodes(ordo_engine_t *e, const ordo_network_t *net)
{
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *node = &net->nodes[n];
        atomic_init(&e->load[n], node->current_load);
        e->load_day[n] = INT32_MIN;
        for (int z = 0; z < ORDO_ZONES; z++) {
            double m = INFINITY;
            for (uint32_t k = 0; k < node->n_services; k++) {
                const ordo_carrier_service_t *svc = &net->services[node->services[k]];
                /* any parcel's base is at least the least rate (per parcel)
                 * and at least the minimum charge */
                double lo = INFINITY;
                for (uint32_t b = 0; b < svc->n_brackets && svc->basis == ORDO_RATE_PER_PARCEL; b++)
                    if (svc->rates[b][z] < lo)
                        lo = svc->rates[b][z];
                if (!(lo > svc->min_charge))
                    lo = svc->min_charge;
                double r = lo * (1 + svc->fuel_surcharge_pct / 100.0);
                if (r < m)
                    m = r;
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
                    /* peak depends on the order's date and the service's
                     * windows: 0 keeps this a lower bound */
                    double add = (f & 1) ? svc->residential_surcharge + svc->liftgate_surcharge : 0;
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
            float mi = net->miles[(size_t)n * ORDO_ZIP3_COUNT + z3];
            e->z3_zone[(size_t)z3 * net->n_nodes + n] = (uint8_t)z;
            e->z3_miles[(size_t)z3 * net->n_nodes + n] = mi;
            key[n] = node->pack_cost_per_shipment + node->pick_cost_per_unit +
                     (z >= 1 ? e->min_rate[(size_t)n * ORDO_ZONES + z - 1] : 1e9) +
                     (double)mi * 1e-6;
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

/* Whether node n receives returns: one of the network's `returns`, or by
 * default a DC (any node when the network has no DC). */
static bool receives_returns(const ordo_network_t *net, uint32_t n, bool have_dc)
{
    if (net->n_returns) {
        for (uint32_t k = 0; k < net->n_returns; k++)
            if (net->returns[k] == n)
                return true;
        return false;
    }
    return !have_dc || net->nodes[n].type == ORDO_NODE_DC;
}

/* For every destination ZIP3, the zone of a return parcel to the nearest
 * node that receives returns (0 when no such node has a known distance). */
static void tab_return_zones(ordo_engine_t *e, const ordo_network_t *net)
{
    bool have_dc = false;
    for (uint32_t n = 0; n < net->n_nodes; n++)
        have_dc |= net->nodes[n].type == ORDO_NODE_DC;
    double best[ORDO_ZIP3_COUNT];
    for (int d = 0; d < ORDO_ZIP3_COUNT; d++) {
        best[d] = INFINITY;
        e->ret_zone[d] = 0;
    }
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        if (!receives_returns(net, n, have_dc))
            continue;
        for (int d = 0; d < ORDO_ZIP3_COUNT; d++) {
            double m = ordo_network_miles(net, n, (uint16_t)d);
            int z = ordo_network_zone(net, n, (uint16_t)d);
            if (m >= 0 && z >= 1 && m < best[d]) {
                best[d] = m;
                e->ret_zone[d] = (uint8_t)z;
            }
        }
    }
}

/* Return shipping: the network's cheapest ground service (first service
 * when it has no ground one), unit weights 1..150 lb; the return parcel's
 * zone by destination ZIP3 (tab_return_zones). */
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
    tab_return_zones(e, net);
}

/* Demand per inventory cell (units/day), for days of supply, in order:
 * the cell's own `daily_demand` (inventory.csv); else the SKU's
 * `daily_demand` (catalog.csv) less what its cells with their own rate
 * take; else the SKU's network on-hand / network_days_of_supply. What is
 * not a cell's own is shared among the SKU's other cells by their share of
 * its on-hand (equally when it has none). At least 0.001/day. */
static void tab_demand(ordo_engine_t *e, const ordo_network_t *net)
{
    const float *own = net->cell_demand;
    for (uint32_t s = 0; s < net->n_skus; s++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, s);
        double units = 0, given = 0;
        uint32_t rest = 0;
        for (uint32_t c = r.begin; c < r.end; c++) {
            if (own && !isnan(own[c])) {
                given += own[c];
                continue;
            }
            ordo_stock_t st;
            ordo_inventory_get(net->inventory, c, &st);
            units += st.on_hand > 0 ? st.on_hand : 0;
            rest++;
        }
        double sku_daily = net->skus[s].daily_demand;
        double daily = sku_daily >= 0 ? sku_daily - given : units / e->p.network_days_of_supply;
        if (daily < 0.01)
            daily = 0.01;
        for (uint32_t c = r.begin; c < r.end; c++) {
            double d;
            if (own && !isnan(own[c])) {
                d = own[c];
            } else {
                ordo_stock_t st;
                ordo_inventory_get(net->inventory, c, &st);
                double share = units > 0 ? (st.on_hand > 0 ? st.on_hand : 0) / units : 1.0 / rest;
                d = daily * share;
            }
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
    atomic_init(&e->load_roll_at, INT64_MIN);
    atomic_flag_clear(&e->load_rolling);
    if (params)
        e->p = *params;
    else
        ordo_source_params_default(&e->p);
    if (!params_ok(&e->p)) {
        free(e);
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "params", "invalid engine parameters");
    }
    if (!engine_alloc(e, net) || !src_risk_engine_init(e)) {
        ordo_engine_destroy(e);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory allocating the engine's rate and node tables");
    }
    tab_services(e, net);
    tab_nodes(e, net);
    tab_ground(e, net);
    int rc = tab_zones(e, net, err);
    if (rc) {
        ordo_engine_destroy(e);
        return rc;
    }
    if (!tab_near(e, net)) {
        ordo_engine_destroy(e);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory sorting the nodes of each ZIP3");
    }
    tab_returns(e, net);
    tab_demand(e, net);
    src_lanes_engine_init(e);
    /* the federal holiday table is built once per process on first use:
     * here rather than inside the first decision (~17 M instructions) */
    (void)ordo_cal_federal_holiday(0);
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
    free(e->dim_min);
    free(e->quiet);
    free(e->ground);
    free(e->one_lb);
    free(e->late0);
    free(e->slot_sets[0].slot);
    free(e->slot_sets[0].touch);
    free(e->base_tab);
    free(e->base_min);
    free(e->near);
    free(e->z3_zone);
    free(e->z3_miles);
    free(e->min_rate);
    free(e->node_zone);
    for (uint32_t i = 0; e->zones && i < e->n_zones; i++)
        ordo_tz_destroy(e->zones[i]);
    free(e->zones);
    free(e->demand);
    free((void *)e->load);
    free(e->load_day);
    src_risk_engine_free(e);
    src_signals_free(e);
    src_lanes_free(e);
    src_riskm_free(e);
    src_netval_free(e);
    src_cust_free(e);
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

void ordo_engine_roll_loads(ordo_engine_t *e, int64_t t)
{
    if (t < atomic_load_explicit(&e->load_roll_at, memory_order_acquire) ||
        atomic_flag_test_and_set_explicit(&e->load_rolling, memory_order_acquire))
        return; /* not a new day anywhere, or another thread is rolling */
    int64_t next = INT64_MAX;
    for (uint32_t n = 0; n < e->net->n_nodes; n++) {
        const ordo_tz_t *tz = e->zones[e->node_zone[n]];
        int64_t day = ordo_cal_day_of(t + ordo_tz_offset(tz, t));
        if (e->load_day[n] == INT32_MIN) /* the network's current_load is this day's */
            e->load_day[n] = (int32_t)day;
        else if (day > e->load_day[n]) {
            atomic_store_explicit(&e->load[n], 0, memory_order_relaxed);
            e->load_day[n] = (int32_t)day;
        }
        /* the node's next local midnight, as a Unix instant (daylight saving
         * changes at night, not at midnight: the offset an hour before it) */
        int64_t end = ((int64_t)e->load_day[n] + 1) * 86400;
        end -= ordo_tz_offset(tz, end - ordo_tz_offset(tz, t));
        next = end < next ? end : next;
    }
    atomic_store_explicit(&e->load_roll_at, next, memory_order_release);
    atomic_flag_clear_explicit(&e->load_rolling, memory_order_release);
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
