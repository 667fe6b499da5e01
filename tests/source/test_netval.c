/* SPDX-License-Identifier: Apache-2.0 */
/* The network value of stock in the engine (src/source/netval.c): a policy
 * with "network_value": true adds qty x the table's value of each line's
 * cell to the opportunity cost and moves the decision off a node whose
 * stock is worth more elsewhere; a policy without it, or no table, decides
 * as before; tables swap; deciding with one allocates nothing per order. */
#include "testutil.h"
#include "ordo/netval.h"

/* The fixture network (tests/fixtures/source/net), an engine on it and an
 * order of two tees to New York that three DCs and a store can ship. */
typedef struct fx {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_arena_t *oa, *a;
    ordo_order_t order;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->net = load_fixture_net();
    assert_int_equal(ordo_engine_create(f->net, NULL, &f->eng, NULL), ORDO_OK);
    f->oa = ordo_arena_create(0);
    f->a = ordo_arena_create(0);
    parse_order(f->net, f->oa,
                "{\"id\":\"NV-1\",\"created\":\"2026-11-24T15:04:05Z\",\"ship_to\":{\"zip\":"
                "\"10027\"},\"service_level\":\"standard\",\"lines\":[{\"sku\":\"TEE-1\","
                "\"quantity\":2}]}",
                &f->order);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    ordo_arena_destroy(f->oa);
    ordo_arena_destroy(f->a);
    free(f);
    return 0;
}

static ordo_policy_t *least_cost(bool network_value)
{
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"name\":\"lc\",\"constraints\":{\"max_shipments\":1},\"strategies\":[{\"name\":\"s\","
             "\"type\":\"weighted\",\"weights\":{\"cost\":1,\"economic\":1,\"on_time\":0}}]%s}",
             network_value ? ",\"network_value\":true" : "");
    return policy_from(doc);
}

/* A table valuing every cell of node at v a unit. */
static ordo_netval_t *node_table(const ordo_network_t *net, uint32_t node, float v)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        n = r.end > n ? r.end : n;
    }
    ordo_netval_t *t = ordo_netval_new(n, "test");
    assert_non_null(t);
    for (uint32_t c = 0; c < n; c++)
        if (ordo_inventory_cell_node(net->inventory, c) == node)
            t->value[c] = v;
    return t;
}

static void test_value_moves_the_decision(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *on = least_cost(true), *off = least_cost(false);
    ordo_plan_t *base = decide(f->eng, off, &f->order, f->a, false);
    assert_int_equal(base->n_shipments, 1);
    uint32_t n0 = base->shipments[0].node;
    double opp0 = base->cost.opportunity;
    /* no table: the key changes nothing */
    ordo_arena_t *a2 = ordo_arena_create(0);
    ordo_plan_t *same = decide(f->eng, on, &f->order, a2, false);
    assert_int_equal(same->shipments[0].node, n0);
    assert_true(fabs(same->score - base->score) < 1e-9);
    /* a unit at n0 is worth 500 elsewhere: the policy with the key leaves it */
    ordo_engine_set_netval(f->eng, node_table(f->net, n0, 500));
    ordo_arena_reset(a2);
    ordo_plan_t *moved = decide(f->eng, on, &f->order, a2, false);
    assert_int_not_equal(moved->shipments[0].node, n0);
    /* ... the one without it does not */
    ordo_arena_reset(a2);
    ordo_plan_t *kept = decide(f->eng, off, &f->order, a2, false);
    assert_int_equal(kept->shipments[0].node, n0);
    assert_true(fabs(kept->cost.opportunity - opp0) < 1e-9);
    /* a small value at n0 is priced into its opportunity cost, qty x value */
    ordo_engine_set_netval(f->eng, node_table(f->net, n0, 0.01f));
    ordo_arena_reset(a2);
    ordo_plan_t *priced = decide(f->eng, on, &f->order, a2, false);
    assert_int_equal(priced->shipments[0].node, n0);
    double units = 0;
    for (uint32_t i = 0; i < f->order.n_lines; i++)
        units += f->order.lines[i].quantity;
    assert_true(fabs(priced->cost.opportunity - opp0 - units * 0.01f) < 1e-6);
    assert_string_equal(ordo_engine_netval(f->eng)->version, "test");
    ordo_arena_destroy(a2);
    ordo_policy_destroy(on);
    ordo_policy_destroy(off);
}

static void test_policy_key(void **state)
{
    (void)state;
    ordo_policy_t *on = least_cost(true), *off = least_cost(false);
    assert_true(on->network_value);
    assert_false(off->network_value);
    assert_string_not_equal(on->version, off->version);
    ordo_policy_destroy(on);
    ordo_policy_destroy(off);
    const char *bad = "{\"name\":\"t\",\"network_value\":1,\"strategies\":[{\"name\":\"s\","
                      "\"type\":\"weighted\",\"weights\":{\"cost\":1}}]}";
    ordo_policy_t *p;
    ordo_error_t err = {0};
    assert_int_not_equal(ordo_policy_parse(bad, strlen(bad), "t", &p, &err), ORDO_OK);
    assert_non_null(strstr(err.field, "network_value"));
}

static void test_no_malloc_with_netval(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = least_cost(true);
    ordo_engine_set_netval(f->eng, node_table(f->net, 0, 3));
    ordo_plan_t *plan;
    for (int i = 0; i < 3; i++) {
        ordo_arena_reset(f->a);
        assert_int_equal(ordo_source_decide(f->eng, p, &f->order, NULL, f->a, &plan, NULL), 0);
    }
    size_t before = ordo_arena_block_allocs(f->a);
    for (int i = 0; i < 200; i++) {
        ordo_arena_reset(f->a);
        assert_int_equal(ordo_source_decide(f->eng, p, &f->order, NULL, f->a, &plan, NULL), 0);
    }
    assert_int_equal(ordo_arena_block_allocs(f->a), before);
    ordo_policy_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_value_moves_the_decision, setup, teardown),
        cmocka_unit_test(test_policy_key),
        cmocka_unit_test_setup_teardown(test_no_malloc_with_netval, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
