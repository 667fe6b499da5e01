/* SPDX-License-Identifier: Apache-2.0 */
/* What a sourcing strategy does to generated orders, as a fulfillment
 * analyst measures it: cash cost per order, miles and zone per shipment,
 * P(on time) by service level, shipments per order, node mix, the share of
 * store-servable shipments that leave stores, the share of supplier-carried
 * lines sent to suppliers, days of supply at the source, express orders on
 * ground. Header only: bench/bench_strategies.c prints it, and
 * tests/source/test_strategies_domain.c asserts on it. Decisions are made
 * without reserving, so every policy sees the same stock and loads. */
#ifndef ORDO_STRATEGY_METRICS_H
#define ORDO_STRATEGY_METRICS_H

#include <stdio.h>
#include <string.h>

#include "ordo/ordo.h"
#include "ordo/source.h"

#define SM_LEVELS 8

typedef struct sm_result {
    uint32_t orders, fulfilled, shipments, deliveries;
    double cash;       /* Σ cash cost (pick, pack, shipping, returns) */
    double miles, zone; /* Σ over delivery shipments */
    double on_time;    /* Σ plan P(on time) */
    double ot_level[SM_LEVELS], cash_level[SM_LEVELS];
    uint32_t n_level[SM_LEVELS];
    uint32_t by_type[ORDO_NODE_TYPES];
    uint32_t store_servable, store_servable_from_store;
    uint32_t supplier_lines, supplier_lines_to_supplier;
    double dos_units, units;
    uint32_t express, express_ground;
    uint32_t standard_fast; /* standard orders with a shipment by a faster service */
} sm_result_t;

/* Does an active node of this type have every line's quantity? */
static inline bool sm_type_has(const ordo_network_t *net, ordo_node_type_t type,
                               const ordo_order_t *o, const ordo_shipment_t *sh, uint32_t line)
{
    const ordo_inventory_t *inv = net->inventory;
    uint32_t first = sh ? o->lines[sh->lines[0].line].sku : o->lines[line].sku;
    ordo_stock_range_t rg = ordo_inventory_sku_cells(inv, first);
    for (uint32_t c = rg.begin; c < rg.end; c++) {
        uint32_t n = ordo_inventory_cell_node(inv, c);
        const ordo_node_t *nd = &net->nodes[n];
        if (nd->type != type || !nd->active || !(nd->caps & ORDO_CAP_SHIP))
            continue;
        bool all = true;
        uint32_t nl = sh ? sh->n_lines : 1;
        for (uint32_t j = 0; j < nl && all; j++) {
            uint32_t li = sh ? sh->lines[j].line : line;
            uint32_t q = sh ? sh->lines[j].quantity : o->lines[li].quantity;
            int64_t cell = ordo_inventory_cell(inv, n, o->lines[li].sku);
            all = cell >= 0 && ordo_inventory_atp(inv, (uint32_t)cell) >= (int32_t)q;
        }
        if (all)
            return true;
    }
    return false;
}

static inline void sm_add_plan(const ordo_network_t *net, const ordo_order_t *o,
                               const ordo_plan_t *p, sm_result_t *r)
{
    r->orders++;
    if (p->status == ORDO_PLAN_UNFULFILLABLE)
        return;
    r->fulfilled++;
    r->on_time += p->on_time_prob;
    if ((unsigned)o->level < SM_LEVELS) {
        r->ot_level[o->level] += p->on_time_prob;
        for (uint32_t s = 0; s < p->n_shipments; s++)
            r->cash_level[o->level] += p->shipments[s].cost.pick + p->shipments[s].cost.pack +
                                       p->shipments[s].cost.shipping + p->shipments[s].cost.returns;
        r->n_level[o->level]++;
    }
    bool pickup = o->level == ORDO_LEVEL_PICKUP, ground = false, fast = false;
    for (uint32_t s = 0; s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        const ordo_node_t *nd = &net->nodes[sh->node];
        r->cash += sh->cost.pick + sh->cost.pack + sh->cost.shipping + sh->cost.returns;
        r->shipments++;
        r->by_type[nd->type]++;
        r->dos_units += sh->days_of_supply * sh->units;
        r->units += sh->units;
        /* parcel ground only: an item no parcel service carries ships by
         * freight whatever the order's level (the plan says so) */
        if (sh->service >= 0 && net->services[sh->service].service == ORDO_SERVICE_GROUND &&
            net->services[sh->service].basis != ORDO_RATE_PER_CWT && sh->on_time_prob < 0.5)
            ground = true;
        if (o->level == ORDO_LEVEL_STANDARD && sh->service >= 0 &&
            net->services[sh->service].service != ORDO_SERVICE_GROUND)
            fast = true;
        if (!pickup) {
            r->deliveries++;
            r->miles += sh->miles;
            r->zone += sh->zone;
        }
        if (pickup || sm_type_has(net, ORDO_NODE_STORE, o, sh, 0)) {
            r->store_servable++;
            r->store_servable_from_store += nd->type == ORDO_NODE_STORE;
        }
        for (uint32_t j = 0; !pickup && j < sh->n_lines; j++)
            if (sm_type_has(net, ORDO_NODE_DROPSHIP, o, NULL, sh->lines[j].line)) {
                r->supplier_lines++;
                r->supplier_lines_to_supplier += nd->type == ORDO_NODE_DROPSHIP;
            }
    }
    r->standard_fast += fast;
    if (o->level == ORDO_LEVEL_EXPRESS) {
        r->express++;
        r->express_ground += ground;
    }
}

/* Decides every order under the policy (no reservation) and measures. */
static inline int sm_measure(ordo_engine_t *eng, const ordo_network_t *net,
                             const ordo_policy_t *pol, const ordo_order_t *orders, uint32_t n,
                             sm_result_t *r, ordo_error_t *err)
{
    memset(r, 0, sizeof *r);
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_decide_opts_t opts = {0};
    for (uint32_t i = 0; i < n; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *p;
        int rc = ordo_source_decide(eng, pol, &orders[i], &opts, a, &p, err);
        if (rc) {
            ordo_arena_destroy(a);
            return rc;
        }
        sm_add_plan(net, &orders[i], p, r);
    }
    ordo_arena_destroy(a);
    return 0;
}

static inline double sm_div(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static inline double sm_cpo(const sm_result_t *r) { return sm_div(r->cash, r->fulfilled); }
static inline double sm_miles(const sm_result_t *r) { return sm_div(r->miles, r->deliveries); }
static inline double sm_zone(const sm_result_t *r) { return sm_div(r->zone, r->deliveries); }
static inline double sm_ot(const sm_result_t *r) { return sm_div(r->on_time, r->fulfilled); }
static inline double sm_ot_level(const sm_result_t *r, int l)
{
    return sm_div(r->ot_level[l], r->n_level[l]);
}
static inline double sm_cpo_level(const sm_result_t *r, int l)
{
    return sm_div(r->cash_level[l], r->n_level[l]);
}
static inline double sm_store_share(const sm_result_t *r)
{
    return sm_div(r->store_servable_from_store, r->store_servable);
}
static inline double sm_supplier_share(const sm_result_t *r)
{
    return sm_div(r->supplier_lines_to_supplier, r->supplier_lines);
}
static inline double sm_dos(const sm_result_t *r) { return sm_div(r->dos_units, r->units); }
static inline double sm_type_share(const sm_result_t *r, ordo_node_type_t t)
{
    return sm_div(r->by_type[t], r->shipments);
}

static inline void sm_print_header(FILE *f)
{
    fprintf(f, "| built-in | fulfilled | cash/order (standard, express) | miles/shipment | zone/shipment | P(on time) | "
               "standard | express | pickup | shipments/order | DC / store / supplier | "
               "store-servable from stores | supplier lines to suppliers | days of supply | "
               "express on parcel ground at P(on time) < 0.5 | standard upgraded |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

static inline void sm_print_row(FILE *f, const char *name, const sm_result_t *r)
{
    fprintf(f,
            "| %s | %u/%u | $%.2f ($%.2f, $%.2f) | %.0f | %.2f | %.3f | %.3f | %.3f | %.3f | %.2f | "
            "%.0f%% / %.0f%% / %.0f%% | %.0f%% | %.0f%% | %.0f | %.0f%% | %.0f%% |\n",
            name, r->fulfilled, r->orders, sm_cpo(r), sm_cpo_level(r, ORDO_LEVEL_STANDARD),
            sm_cpo_level(r, ORDO_LEVEL_EXPRESS), sm_miles(r), sm_zone(r), sm_ot(r),
            sm_ot_level(r, ORDO_LEVEL_STANDARD), sm_ot_level(r, ORDO_LEVEL_EXPRESS),
            sm_ot_level(r, ORDO_LEVEL_PICKUP), sm_div(r->shipments, r->fulfilled),
            100 * sm_type_share(r, ORDO_NODE_DC), 100 * sm_type_share(r, ORDO_NODE_STORE),
            100 * sm_type_share(r, ORDO_NODE_DROPSHIP), 100 * sm_store_share(r),
            100 * sm_supplier_share(r), sm_dos(r), 100 * sm_div(r->express_ground, r->express),
            100 * sm_div(r->standard_fast, r->n_level[ORDO_LEVEL_STANDARD]));
}

#endif
