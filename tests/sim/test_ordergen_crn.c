/* SPDX-License-Identifier: Apache-2.0 */
/* Common random numbers in the order generator (docs/internals/SIM.md,
 * "The world: demand"): with popularity weights from the caller and one
 * stream per order, what a policy does to the stock changes no order but a
 * pickup's lines — and those only among what its store has. Without either
 * option the same change moves other orders (the checks that the test can
 * fail). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/arena.h"
#include "ordo/generate.h"
#include "ordo/inventory.h"
#include "ordo/network.h"

#define N 2000

static ordo_network_t *net;
static double *weight;   /* per SKU, on hand at the start */
static int32_t *on_hand; /* per cell, at the start */
static uint32_t n_cells;
static char dir[] = "/tmp/ordo-ordergen-crn-XXXXXX";

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    ordo_generate_options_t g = {.dcs = 4, .stores = 40, .skus = 300, .seed = 42, .name = "crn"};
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_generate(&g, NULL, dir, &err), ORDO_OK);
    assert_int_equal(ordo_network_load(dir, NULL, &net, &err), ORDO_OK);
    weight = calloc(net->n_skus, sizeof *weight);
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        n_cells = r.end > n_cells ? r.end : n_cells;
    }
    on_hand = calloc(n_cells, sizeof *on_hand);
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_stock_t st;
            ordo_inventory_get(net->inventory, c, &st);
            on_hand[c] = st.on_hand;
            weight[k] += st.on_hand > 0 ? st.on_hand : 0;
        }
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ordo_network_destroy(net);
    free(weight);
    free(on_hand);
    static const char *const files[] = {"network.json", "catalog.csv", "inventory.csv"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* The stock at the start, or as a policy might leave it: every third SKU
 * sold out everywhere, and every other cell of the rest emptied. */
static void stock(bool used)
{
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        for (uint32_t c = r.begin; c < r.end; c++)
            ordo_inventory_set(net->inventory, c,
                               used && (k % 3 == 0 || c % 2 == 0) ? 0 : on_hand[c], 0);
    }
}

static ordo_order_t *orders(ordo_arena_t *a, bool used, bool weights, bool streams)
{
    stock(used);
    ordo_ordergen_options_t go;
    ordo_ordergen_defaults(&go);
    go.n_orders = N;
    go.seed = 5;
    go.pickup_share = 0.3;
    go.sku_weight = weights ? weight : NULL;
    go.order_streams = streams;
    ordo_order_t *o = ordo_arena_alloc(a, N * sizeof *o);
    ordo_error_t err = {0};
    assert_non_null(o);
    assert_int_equal(ordo_orders_generate(net, &go, a, o, &err), ORDO_OK);
    return o;
}

static bool same_lines(const ordo_order_t *a, const ordo_order_t *b)
{
    if (a->n_lines != b->n_lines)
        return false;
    for (uint32_t l = 0; l < a->n_lines; l++)
        if (a->lines[l].sku != b->lines[l].sku || a->lines[l].quantity != b->lines[l].quantity)
            return false;
    return true;
}

/* Orders (not pickups' lines) that differ between the two stocks. */
static uint32_t moved(const ordo_order_t *a, const ordo_order_t *b, uint32_t *pickups_differ)
{
    uint32_t n = 0;
    *pickups_differ = 0;
    for (uint32_t i = 0; i < N; i++) {
        bool pk = a[i].level == ORDO_LEVEL_PICKUP;
        bool same = !strcmp(a[i].id, b[i].id) && a[i].created == b[i].created &&
                    a[i].level == b[i].level && a[i].ship_zip == b[i].ship_zip &&
                    a[i].pickup_node == b[i].pickup_node;
        if (same && pk)
            *pickups_differ += !same_lines(&a[i], &b[i]);
        n += !same || (!pk && !same_lines(&a[i], &b[i]));
    }
    return n;
}

static void test_same_orders_under_any_stock(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_order_t *fresh = orders(a, false, true, true);
    ordo_order_t *used = orders(a, true, true, true);
    uint32_t pk_differ;
    assert_int_equal(moved(fresh, used, &pk_differ), 0);
    /* the pickups did meet the changed stock, and chose among their store's */
    assert_true(pk_differ > 10);
    uint32_t pickups = 0, in_stock = 0;
    for (uint32_t i = 0; i < N; i++) {
        if (used[i].level != ORDO_LEVEL_PICKUP)
            continue;
        for (uint32_t l = 0; l < used[i].n_lines; l++) {
            int64_t c = ordo_inventory_cell(net->inventory, (uint32_t)used[i].pickup_node,
                                            used[i].lines[l].sku);
            pickups++;
            in_stock += c >= 0 && ordo_inventory_atp(net->inventory, (uint32_t)c) > 0;
        }
    }
    assert_true(pickups > 300);
    assert_true(in_stock > pickups * 9 / 10); /* 200 draws may find none */
    ordo_arena_destroy(a);
}

/* Without the options, the same change of stock moves other orders. */
static void test_without_options_orders_move(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    uint32_t pk;
    /* one stream: a pickup's draws among its store's ATP shift the rest */
    assert_true(moved(orders(a, false, true, false), orders(a, true, true, false), &pk) > N / 2);
    /* popularity by the current on-hand: sold-out SKUs are never drawn */
    assert_true(moved(orders(a, false, false, true), orders(a, true, false, true), &pk) > N / 4);
    ordo_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_orders_under_any_stock),
        cmocka_unit_test(test_without_options_orders_move),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
