/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — generated orders (include/ordo/generate.h): ship-to ZIPs by
 * population, 1–4 lines of SKUs by popularity among stocked SKUs (or the
 * caller's weights), 78% standard / 17% express / 5% pickup at the nearest
 * pickup-capable store; one stream for all orders, or one per order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/generate.h"
#include "ordo/geo.h"
#include "ordo/inventory.h"
#include "ordo/util.h"

/* A store farther than this from the customer is not "near": the customer
 * is drawn again. */
#define PICKUP_MAX_MILES 60.0

void ordo_ordergen_defaults(ordo_ordergen_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->n_orders = 1000;
    opt->seed = 1;
    opt->express_share = -1;
    opt->pickup_share = -1;
}

typedef struct gen {
    const ordo_network_t *net;
    ordo_rng_t rng;
    size_t nz;
    double *zcum;      /* cumulative population over ZIPs */
    uint32_t ns;       /* stocked SKUs */
    uint32_t *stocked; /* their indices */
    double *scum;      /* cumulative popularity (on-hand, or the weights) */
    double *pop;       /* per stocked SKU, its popularity */
} gen_t;

/* A SKU's popularity: the caller's weight, else its on-hand stock across
 * the network. */
static double sku_popularity(const ordo_network_t *net, const double *weight, uint32_t s)
{
    if (weight)
        return weight[s];
    ordo_stock_range_t rg = ordo_inventory_sku_cells(net->inventory, s);
    double on = 0;
    for (uint32_t c = rg.begin; c < rg.end; c++) {
        ordo_stock_t k;
        ordo_inventory_get(net->inventory, c, &k);
        on += k.on_hand > 0 ? k.on_hand : 0;
    }
    return on;
}

static int gen_init(gen_t *g, const ordo_network_t *net, const ordo_ordergen_options_t *opt,
                    ordo_error_t *err)
{
    memset(g, 0, sizeof *g);
    g->net = net;
    ordo_rng_seed(&g->rng, opt->seed);
    g->nz = ordo_geo_count(net->geo);
    g->zcum = malloc(sizeof *g->zcum * (g->nz ? g->nz : 1));
    g->stocked = malloc(sizeof *g->stocked * (net->n_skus ? net->n_skus : 1));
    g->scum = malloc(sizeof *g->scum * (net->n_skus ? net->n_skus : 1));
    g->pop = malloc(sizeof *g->pop * (net->n_skus ? net->n_skus : 1));
    if (!g->zcum || !g->stocked || !g->scum || !g->pop)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, "orders", "out of memory");
    double tot = 0;
    for (size_t i = 0; i < g->nz; i++) {
        const ordo_zip_t *z = ordo_geo_at(net->geo, i);
        tot += z->population;
        g->zcum[i] = tot;
    }
    double st = 0;
    for (uint32_t s = 0; s < net->n_skus; s++) {
        double on = sku_popularity(net, opt->sku_weight, s);
        if (!(on > 0))
            continue;
        g->stocked[g->ns] = s;
        g->pop[g->ns] = on;
        st += on;
        g->scum[g->ns++] = st;
    }
    if (!g->ns || tot <= 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "network",
                              "no stocked SKU or no populated ZIP to draw orders from");
    return ORDO_OK;
}

static void gen_free(gen_t *g)
{
    free(g->zcum);
    free(g->stocked);
    free(g->scum);
    free(g->pop);
}

/* The nearest active pickup-capable store to a ZIP3 within
 * PICKUP_MAX_MILES, or -1. */
static int32_t near_pickup(const ordo_network_t *net, uint16_t zip3)
{
    int32_t best = -1;
    double bm = PICKUP_MAX_MILES;
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *nd = &net->nodes[n];
        if (nd->type != ORDO_NODE_STORE || !nd->active || !(nd->caps & ORDO_CAP_PICKUP))
            continue;
        double m = ordo_network_miles(net, n, zip3);
        if (m <= bm) {
            bm = m;
            best = (int32_t)n;
        }
    }
    return best;
}

/* A SKU by popularity; for a pickup order, among those its store has. */
static uint32_t draw_sku(gen_t *g, int32_t store)
{
    if (store < 0)
        return g->stocked[ordo_rng_pick_cumulative(&g->rng, g->scum, g->ns)];
    for (int tries = 0; tries < 200; tries++) {
        uint32_t s = g->stocked[ordo_rng_pick_cumulative(&g->rng, g->scum, g->ns)];
        int64_t cell = ordo_inventory_cell(g->net->inventory, (uint32_t)store, s);
        if (cell >= 0 && ordo_inventory_atp_unsafe(g->net->inventory, (uint32_t)cell) > 0)
            return s;
    }
    return g->stocked[ordo_rng_pick_cumulative(&g->rng, g->scum, g->ns)];
}

static int draw_lines(gen_t *g, ordo_order_t *o, uint32_t max_lines, ordo_arena_t *a)
{
    o->n_lines = 1 + (uint32_t)ordo_rng_below(&g->rng, max_lines);
    if (o->n_lines > g->ns)
        o->n_lines = g->ns;
    o->lines = ordo_arena_alloc(a, sizeof *o->lines * o->n_lines);
    if (!o->lines)
        return ORDO_ENOMEM;
    for (uint32_t l = 0; l < o->n_lines; l++) {
        uint32_t sku;
        bool dup;
        int tries = 0;
        do {
            sku = draw_sku(g, o->pickup_node);
            dup = false;
            for (uint32_t k = 0; k < l; k++)
                dup |= o->lines[k].sku == sku;
        } while (dup && ++tries < 100);
        o->lines[l].sku = sku;
        o->lines[l].quantity = ordo_rng_below(&g->rng, 4) == 0 ? 2 : 1;
    }
    return ORDO_OK;
}

/* One order: level first, then a customer (near a pickup store for a
 * pickup order: drawn again up to 50 times, else a standard order). */
static int draw_order(gen_t *g, const ordo_ordergen_options_t *opt, uint32_t i, ordo_arena_t *a,
                      ordo_order_t *o)
{
    char *id = ordo_arena_alloc(a, 24);
    if (!id)
        return ORDO_ENOMEM;
    snprintf(id, 24, "G%u", i);
    memset(o, 0, sizeof *o);
    o->id = id;
    int64_t t0 = opt->created0 ? opt->created0 : 1780272000; /* 2026-06-01 */
    uint32_t days = opt->days ? opt->days : 28;
    o->created = t0 + (int64_t)ordo_rng_below(&g->rng, (uint64_t)days * 86400);
    o->customer_id = "";
    o->cohort = "";
    o->channel = "web";
    o->residential = true;
    o->pickup_node = -1;
    double ex = opt->express_share >= 0 ? opt->express_share : 0.17;
    double pk = opt->pickup_share >= 0 ? opt->pickup_share : 0.05;
    double u = ordo_rng_uniform(&g->rng);
    o->level = u < pk ? ORDO_LEVEL_PICKUP : u < pk + ex ? ORDO_LEVEL_EXPRESS : ORDO_LEVEL_STANDARD;
    const ordo_zip_t *z = NULL;
    for (int tries = 0; tries < 50; tries++) {
        z = ordo_geo_at(g->net->geo, ordo_rng_pick_cumulative(&g->rng, g->zcum, g->nz));
        if (o->level != ORDO_LEVEL_PICKUP)
            break;
        o->pickup_node = near_pickup(g->net, z->zip3);
        if (o->pickup_node >= 0)
            break;
    }
    if (o->level == ORDO_LEVEL_PICKUP && o->pickup_node < 0)
        o->level = ORDO_LEVEL_STANDARD;
    o->ship_zip = z->zip;
    o->ship_zip3 = z->zip3;
    memcpy(o->state, z->state, 3);
    return draw_lines(g, o, opt->max_lines ? opt->max_lines : 4, a);
}

/* Order i's own stream, keyed by (seed, i): however many draws order i
 * makes (a pickup's among its store's ATP, a duplicate SKU drawn again),
 * order i + 1 starts from the same state. */
static void order_stream(ordo_rng_t *rng, uint64_t seed, uint32_t i)
{
    uint64_t key[2] = {seed, i};
    ordo_rng_seed(rng, ordo_hash64(key, sizeof key));
}

int ordo_orders_generate(const ordo_network_t *net, const ordo_ordergen_options_t *opt,
                         ordo_arena_t *arena, ordo_order_t *out, ordo_error_t *err)
{
    gen_t g;
    int rc = gen_init(&g, net, opt, err);
    for (uint32_t i = 0; !rc && i < opt->n_orders; i++) {
        if (opt->order_streams)
            order_stream(&g.rng, opt->seed, i);
        if ((rc = draw_order(&g, opt, i, arena, &out[i])))
            ordo_error_set(err, rc, NULL, 0, "orders", "out of memory: the arena could not hold "
                                                       "order %u",
                           i);
    }
    gen_free(&g);
    return rc;
}
