/* SPDX-License-Identifier: Apache-2.0 */
/* The network value of stock (src/model/netval.c): the stock-out price
 * against 50-digit sums (fixture tests/fixtures/model/netval.txt, made by
 * tools/fixtures/make_netval_fixture.py); the demand forecast beats
 * seasonal naive on weekly-seasonal series; the network table is each
 * SKU's LP duals on its cells, and zero where stock is plenty. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/fit.h"
#include "ordo/inventory.h"
#include "ordo/network.h"
#include "ordo/util.h"

#define EXNET ORDO_SOURCE_DIR "/docs/examples/network"

static void test_stockout_fixture(void **state)
{
    (void)state;
    FILE *f = fopen(ORDO_SOURCE_DIR "/tests/fixtures/model/netval.txt", "r");
    assert_non_null(f);
    char line[256];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        double margin, mean, k, want;
        if (line[0] == '#' || sscanf(line, "%lf %lf %lf %lf", &margin, &mean, &k, &want) != 4)
            continue;
        double got = ordo_netval_stockout(margin, mean, k);
        if (fabs(got - want) > 1e-9 * (1 + want))
            fail_msg("stockout(%g, %g, %g) = %.17g, want %.17g", margin, mean, k, got, want);
        cases++;
    }
    fclose(f);
    assert_int_equal(cases, 10);
    assert_true(ordo_netval_stockout(10, 3, 0) == 0);  /* nothing to take */
    assert_true(ordo_netval_stockout(10, 0, 2) == 0);  /* no demand */
    assert_true(ordo_netval_stockout(10, 3, 2) > ordo_netval_stockout(10, 3, 3));
}

/* Poisson units with a weekly cycle and a slow drift: the forecast's MASE
 * on the last week, summed over series, beats seasonal naive's. */
static void test_forecast_beats_naive(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 2015);
    static const double week[7] = {1.2, 1.0, 0.9, 0.9, 1.1, 1.5, 1.4};
    double sum_fc = 0, sum_sn = 0, y[63];
    for (int s = 0; s < 24; s++) {
        double level = 5 + 40 * ordo_rng_uniform(&rng);
        for (int t = 0; t < 63; t++)
            y[t] = (double)ordo_rng_poisson(&rng, level * week[t % 7] * (1 + 0.004 * t));
        double m_fc, m_sn;
        assert_int_equal(ordo_demand_backtest(y, 63, 7, &m_fc, &m_sn, NULL), ORDO_OK);
        sum_fc += m_fc;
        sum_sn += m_sn;
    }
    assert_true(sum_fc < sum_sn);
    /* short histories: weekday means, then the mean; never negative */
    double f[7];
    ordo_demand_fc_report_t rep;
    double two[2] = {4, 6};
    assert_int_equal(ordo_demand_forecast(two, 2, 3, f, &rep, NULL), ORDO_OK);
    assert_int_equal(rep.method, 2);
    assert_true(f[0] == 5 && f[2] == 5);
    assert_int_equal(ordo_demand_forecast(y, 10, 7, f, &rep, NULL), ORDO_OK);
    assert_int_equal(rep.method, 1);
    assert_true(f[0] == y[3] && f[4] == (y[0] + y[7]) / 2); /* days 10 and 14 */
    assert_int_not_equal(ordo_demand_forecast(y, 0, 7, f, NULL, NULL), ORDO_OK);
}

static uint32_t n_cells(const ordo_network_t *net)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        n = r.end > n ? r.end : n;
    }
    return n;
}

/* Two regions; SKU 0's stock scarce: the table holds its LP's node duals
 * on its cells, checked against ordo_transport_solve on the same LP. */
static void test_lp_table(void **state)
{
    (void)state;
    ordo_network_t *net;
    assert_int_equal(ordo_network_load(EXNET, NULL, &net, NULL), ORDO_OK);
    uint32_t nc = n_cells(net), nn = net->n_nodes, nr = 2;
    double *supply = calloc(nc, sizeof *supply), *demand = calloc((size_t)net->n_skus * nr, 8);
    double *cost = calloc((size_t)nn * nr, sizeof *cost);
    for (uint32_t i = 0; i < nn; i++) {
        cost[i * nr] = 5 + i % 3;
        cost[i * nr + 1] = 9 - i % 3;
    }
    ordo_stock_range_t r0 = ordo_inventory_sku_cells(net->inventory, 0);
    double total = 0;
    for (uint32_t c = r0.begin; c < r0.end; c++)
        total += supply[c] = 2 + c % 3;
    demand[0] = 0.7 * total;
    demand[1] = 0.6 * total;
    demand[nr] = 1; /* SKU 1: demand, no stock in supply[]: all unmet, no value */
    ordo_netval_t *t = ordo_netval_new(nc, "lp");
    ordo_netval_lp_t in = {.net = net, .n_regions = nr, .demand = demand, .supply = supply,
                           .cost = cost, .unmet_cost = 30};
    ordo_netval_lp_report_t rep;
    assert_int_equal(ordo_netval_from_lp(&in, t, &rep, NULL), ORDO_OK);
    assert_int_equal(rep.lps, 2);
    uint32_t m = r0.end - r0.begin;
    double s[64], cst[128], nv[64];
    assert_true(m <= 64);
    for (uint32_t c = r0.begin; c < r0.end; c++) {
        uint32_t node = ordo_inventory_cell_node(net->inventory, c);
        s[c - r0.begin] = supply[c];
        cst[(c - r0.begin) * nr] = cost[node * nr];
        cst[(c - r0.begin) * nr + 1] = cost[node * nr + 1];
    }
    ordo_transport_problem_t p = {.n_nodes = m, .n_regions = nr, .supply = s, .demand = demand,
                                  .cost = cst, .unmet_cost = 30};
    ordo_transport_result_t res = {.node_value = nv};
    assert_int_equal(ordo_transport_solve(&p, &res, NULL), ORDO_OK);
    for (uint32_t c = r0.begin; c < r0.end; c++) {
        assert_true(fabs(t->value[c] - nv[c - r0.begin]) < 1e-4);
        assert_true(t->value[c] > 0); /* demand exceeds supply: every unit has value */
    }
    /* SKU 1 has demand and no units: a unit would be worth having (not
     * one to take); SKUs without demand are worth nothing */
    ordo_stock_range_t r1 = ordo_inventory_sku_cells(net->inventory, 1);
    for (uint32_t c = r1.begin; c < r1.end; c++)
        assert_true(t->value[c] > 0);
    for (uint32_t c = r0.end; c < nc; c++)
        assert_true(t->value[c] == 0 || (c >= r1.begin && c < r1.end));
    /* plenty of stock: no node is worth more than it costs to ship from */
    for (uint32_t c = r0.begin; c < r0.end; c++)
        supply[c] = 1000;
    assert_int_equal(ordo_netval_from_lp(&in, t, &rep, NULL), ORDO_OK);
    for (uint32_t c = r0.begin; c < r0.end; c++)
        assert_true(t->value[c] == 0);
    ordo_error_t err = {0};
    uint32_t *sc = calloc(net->n_skus, sizeof *sc);
    sc[net->n_skus - 1] = 1; /* a second matrix the input does not have */
    in.sku_cost = sc;
    assert_int_equal(ordo_netval_from_lp(&in, t, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "sku_cost");
    free(sc);
    in.sku_cost = NULL;
    in.unmet_cost = 0;
    assert_int_equal(ordo_netval_from_lp(&in, t, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "unmet_cost");
    ordo_netval_destroy(t);
    free(supply);
    free(demand);
    free(cost);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stockout_fixture),
        cmocka_unit_test(test_forecast_beats_naive),
        cmocka_unit_test(test_lp_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
