/* SPDX-License-Identifier: Apache-2.0 */
/* The five strategies do what their names say, and service levels are
 * promises, measured on generated orders (ordo_orders_generate: ZIPs by
 * population, 1-4 lines, 78% standard / 17% express / 5% pickup) over a
 * generated network (the demo's 8 DCs, 120 stores, 6 drop-shippers, 5,000
 * SKUs), with the metrics bench_strategies prints (bench/strategy_metrics.h,
 * docs/policies.md "What the built-ins do"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/generate.h"
#include "ordo/ordo.h"
#include "ordo/source.h"

#include "../../bench/strategy_metrics.h"

enum { DEF, PROX, COST, INV, STORE, DROP, N_BUILTIN };
static const char *const names[N_BUILTIN] = {"default",           "proximity-first",
                                             "cost-optimized",    "inventory-priority",
                                             "store-fulfillment", "drop-ship"};
static sm_result_t res[N_BUILTIN];
static ordo_network_t *net;
static ordo_engine_t *eng;
static ordo_arena_t *oa;
static ordo_order_t *orders;
static char dir[] = "/tmp/ordo-strategies-XXXXXX";

#define N_ORDERS 3000

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    ordo_generate_options_t g = {.dcs = 8, .stores = 120, .dropshippers = 6, .skus = 5000,
                                 .seed = 42, .name = "domain"};
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_generate(&g, NULL, dir, &err), ORDO_OK);
    assert_int_equal(ordo_network_load(dir, NULL, &net, &err), ORDO_OK);
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    oa = ordo_arena_create(1 << 20);
    orders = calloc(N_ORDERS, sizeof *orders);
    ordo_ordergen_options_t go;
    ordo_ordergen_defaults(&go);
    go.n_orders = N_ORDERS;
    go.seed = 7; /* the orders of bench_strategies */
    assert_int_equal(ordo_orders_generate(net, &go, oa, orders, &err), ORDO_OK);
    for (int i = 0; i < N_BUILTIN; i++) {
        ordo_policy_t *p;
        assert_int_equal(ordo_policy_builtin(names[i], &p, &err), ORDO_OK);
        assert_int_equal(sm_measure(eng, net, p, orders, N_ORDERS, &res[i], &err), ORDO_OK);
        sm_print_row(stderr, names[i], &res[i]);
        ordo_policy_destroy(p);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(orders);
    ordo_arena_destroy(oa);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    static const char *const files[] = {"network.json", "catalog.csv", "inventory.csv"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* The generator does what it says: levels in their shares, every order
 * decided, most of them fulfilled. */
static void test_orders_as_generated(void **state)
{
    (void)state;
    const sm_result_t *r = &res[COST];
    assert_int_equal(r->orders, N_ORDERS);
    assert_true(r->fulfilled > N_ORDERS * 95 / 100);
    double ex = (double)r->n_level[ORDO_LEVEL_EXPRESS] / r->fulfilled;
    double pk = (double)r->n_level[ORDO_LEVEL_PICKUP] / r->fulfilled;
    assert_true(ex > 0.13 && ex < 0.21);
    assert_true(pk > 0.02 && pk < 0.08);
}

/* An express order never ships ground with less than an even chance of
 * arriving on time, and a standard order never buys a faster service (the
 * upgrade is off in every built-in). */
static void test_service_levels_are_promises(void **state)
{
    (void)state;
    for (int i = 0; i < N_BUILTIN; i++) {
        if (res[i].express_ground || res[i].standard_fast)
            fprintf(stderr, "%s: %u express orders on late ground, %u standard upgraded\n",
                    names[i], res[i].express_ground, res[i].standard_fast);
        assert_int_equal(res[i].express_ground, 0);
        assert_int_equal(res[i].standard_fast, 0);
        assert_true(sm_ot_level(&res[i], ORDO_LEVEL_EXPRESS) > 0.85);
    }
}

static void test_proximity_first_is_nearest(void **state)
{
    (void)state;
    for (int i = 0; i < N_BUILTIN; i++) {
        if (i == PROX)
            continue;
        if (!(sm_miles(&res[PROX]) < sm_miles(&res[i])) || !(sm_zone(&res[PROX]) < sm_zone(&res[i])))
            fprintf(stderr, "proximity-first %.0f mi, zone %.2f; %s %.0f mi, zone %.2f\n",
                    sm_miles(&res[PROX]), sm_zone(&res[PROX]), names[i], sm_miles(&res[i]),
                    sm_zone(&res[i]));
        assert_true(sm_miles(&res[PROX]) < sm_miles(&res[i]));
        assert_true(sm_zone(&res[PROX]) < sm_zone(&res[i]));
    }
}

static void test_cost_optimized_is_cheapest(void **state)
{
    (void)state;
    for (int i = 0; i < N_BUILTIN; i++)
        if (i != COST) {
            if (!(sm_cpo(&res[COST]) <= sm_cpo(&res[i])))
                fprintf(stderr, "cost-optimized $%.2f, %s $%.2f\n", sm_cpo(&res[COST]), names[i],
                        sm_cpo(&res[i]));
            assert_true(sm_cpo(&res[COST]) <= sm_cpo(&res[i]));
        }
}

/* The brief's case study: proximity-first costs a little more per order
 * and arrives on time more often. */
static void test_proximity_against_cost(void **state)
{
    (void)state;
    double ratio = sm_cpo(&res[PROX]) / sm_cpo(&res[COST]);
    fprintf(stderr, "proximity-first / cost-optimized cost per order: %.3f; on time %.3f / %.3f\n",
            ratio, sm_ot(&res[PROX]), sm_ot(&res[COST]));
    assert_true(ratio >= 1.02 && ratio <= 1.15);
    assert_true(sm_ot(&res[PROX]) > sm_ot(&res[COST]));
}

/* Stores ship at least half of what they can serve, and load does not rank
 * ahead of distance: store-fulfillment's parcels travel at most half again
 * as far as proximity-first's. */
static void test_store_fulfillment(void **state)
{
    (void)state;
    fprintf(stderr, "store-fulfillment: %.0f%% of store-servable shipments from stores, %.0f mi\n",
            100 * sm_store_share(&res[STORE]), sm_miles(&res[STORE]));
    assert_true(sm_store_share(&res[STORE]) >= 0.5);
    assert_true(sm_miles(&res[STORE]) <= 1.5 * sm_miles(&res[PROX]));
}

static void test_drop_ship(void **state)
{
    (void)state;
    fprintf(stderr, "drop-ship: %.0f%% of supplier-carried lines to suppliers\n",
            100 * sm_supplier_share(&res[DROP]));
    assert_true(sm_supplier_share(&res[DROP]) >= 0.5);
    for (int i = 0; i < N_BUILTIN; i++)
        if (i != DROP)
            assert_true(sm_supplier_share(&res[DROP]) > sm_supplier_share(&res[i]));
}

static void test_inventory_priority(void **state)
{
    (void)state;
    for (int i = 0; i < N_BUILTIN; i++)
        if (i != INV) {
            if (!(sm_dos(&res[INV]) > sm_dos(&res[i])))
                fprintf(stderr, "inventory-priority %.0f days of supply, %s %.0f\n",
                        sm_dos(&res[INV]), names[i], sm_dos(&res[i]));
            assert_true(sm_dos(&res[INV]) > sm_dos(&res[i]));
        }
}

static ordo_policy_t *parse(const char *json)
{
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_policy_parse(json, strlen(json), "test", &p, &err), ORDO_OK);
    return p;
}

/* proximity-first's criteria with standard orders allowed a faster service
 * costing at most UPGRADE_CAP more per shipment: where both choose the same
 * nodes and lines, an upgraded shipment costs at most that much more and is more
 * punctual; some are upgraded; none without the setting. */
#define UPGRADE_CAP 30.0

static void test_upgrade_within_cap(void **state)
{
    (void)state;
    static const char base[] =
        "{\"name\": \"near\", \"constraints\": {\"max_shipments\": 2, \"node_types\": [\"dc\", "
        "\"store\"]}, \"strategies\": [{\"name\": \"n\", \"type\": \"criteria\", \"criteria\": "
        "[{\"criterion\": \"zone\"}, {\"criterion\": \"fewest_shipments\"}, {\"criterion\": "
        "\"distance\", \"resolution\": 0.01}]}]%s}";
    char j0[1024], j1[1024];
    snprintf(j0, sizeof j0, base, "");
    char svc[128];
    snprintf(svc, sizeof svc, ", \"service\": {\"upgrade_standard\": true, \"upgrade_max_cost\": %g}",
             UPGRADE_CAP);
    snprintf(j1, sizeof j1, base, svc);
    ordo_policy_t *p0 = parse(j0), *p1 = parse(j1);
    ordo_arena_t *a0 = ordo_arena_create(1 << 20), *a1 = ordo_arena_create(1 << 20);
    ordo_decide_opts_t opts = {0};
    ordo_error_t err;
    uint32_t upgraded = 0, compared = 0;
    for (uint32_t i = 0; i < N_ORDERS; i++) {
        if (orders[i].level != ORDO_LEVEL_STANDARD)
            continue;
        ordo_arena_reset(a0);
        ordo_arena_reset(a1);
        ordo_plan_t *q0, *q1;
        assert_int_equal(ordo_source_decide(eng, p0, &orders[i], &opts, a0, &q0, &err), ORDO_OK);
        assert_int_equal(ordo_source_decide(eng, p1, &orders[i], &opts, a1, &q1, &err), ORDO_OK);
        for (uint32_t s = 0; s < q0->n_shipments; s++)
            assert_int_equal(net->services[q0->shipments[s].service].service, ORDO_SERVICE_GROUND);
        if (q0->n_shipments != q1->n_shipments)
            continue;
        for (uint32_t s = 0; s < q0->n_shipments; s++) {
            const ordo_shipment_t *a = &q0->shipments[s], *b = &q1->shipments[s];
            if (a->node != b->node || a->n_lines != b->n_lines)
                continue;
            compared++;
            if (a->service == b->service)
                continue;
            upgraded++;
            assert_int_not_equal(net->services[b->service].service, ORDO_SERVICE_GROUND);
            double ca = a->cost.pick + a->cost.pack + a->cost.shipping + a->cost.returns;
            double cb = b->cost.pick + b->cost.pack + b->cost.shipping + b->cost.returns;
            assert_true(cb <= ca + UPGRADE_CAP + 1e-6);
            assert_true(b->on_time_prob > a->on_time_prob);
        }
    }
    fprintf(stderr, "upgrade within $%g: %u of %u standard shipments\n", UPGRADE_CAP, upgraded,
            compared);
    assert_true(compared > 1000);
    assert_true(upgraded > 0);
    ordo_arena_destroy(a0);
    ordo_arena_destroy(a1);
    ordo_policy_destroy(p0);
    ordo_policy_destroy(p1);
}

/* Overnight and two-day orders: promised 1 and 2 business days, and every
 * shipment a strategy chose reaches the level's 0.5 floor. */
static void test_fast_levels(void **state)
{
    (void)state;
    ordo_policy_t *p;
    ordo_error_t err = {0};
    assert_int_equal(ordo_policy_builtin("cost-optimized", &p, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_decide_opts_t opts = {0};
    uint32_t ok = 0;
    for (uint32_t i = 0; i < N_ORDERS; i += 3) {
        ordo_order_t o = orders[i];
        if (o.level == ORDO_LEVEL_PICKUP)
            continue;
        o.level = i % 2 ? ORDO_LEVEL_OVERNIGHT : ORDO_LEVEL_TWO_DAY;
        ordo_arena_reset(a);
        ordo_plan_t *q;
        assert_int_equal(ordo_source_decide(eng, p, &o, &opts, a, &q, &err), ORDO_OK);
        if (q->status != ORDO_PLAN_OK)
            continue; /* the fallback rule is not bound by the floors */
        ok++;
        assert_int_equal(q->promise_days, o.level == ORDO_LEVEL_OVERNIGHT ? 1 : 2);
        for (uint32_t s = 0; s < q->n_shipments; s++)
            assert_true(q->shipments[s].on_time_prob >= 0.5 - 1e-9);
    }
    assert_true(ok > N_ORDERS / 6);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_as_generated),
        cmocka_unit_test(test_service_levels_are_promises),
        cmocka_unit_test(test_proximity_first_is_nearest),
        cmocka_unit_test(test_cost_optimized_is_cheapest),
        cmocka_unit_test(test_proximity_against_cost),
        cmocka_unit_test(test_store_fulfillment),
        cmocka_unit_test(test_drop_ship),
        cmocka_unit_test(test_inventory_priority),
        cmocka_unit_test(test_upgrade_within_cap),
        cmocka_unit_test(test_fast_levels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
