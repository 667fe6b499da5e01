/* SPDX-License-Identifier: Apache-2.0 */
/* Partial orders (policy constraints.partial) on the fixture network:
 * ship_available ships the in-stock line and backorders the other with a
 * promise from replenishment.csv; cancel_short cancels it; no inbound says
 * so; a pickup order its store cannot fill is transferred to it or picked up
 * at the nearest other store; without the setting nothing changes. */
#include "testutil.h"

typedef struct fx {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_arena_t *a;
} fx_t;

static const char replenishment[] = "node,sku,quantity,arrival\n"
                                    "DC-EDISON,GONE-1,2,2026-11-26\n"
                                    "DC-ATLANTA,GONE-1,5,2026-12-01\n";

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->net = load_fixture_net();
    ordo_error_t err = {0};
    assert_int_equal(ordo_replenishment_parse_csv(f->net, replenishment, strlen(replenishment),
                                                  "replenishment.csv", &err),
                     ORDO_OK);
    assert_int_equal(ordo_engine_create(f->net, NULL, &f->eng, &err), ORDO_OK);
    f->a = ordo_arena_create(0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_arena_destroy(f->a);
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    free(f);
    return 0;
}

#define POLICY(partial)                                                                            \
    "{\"name\":\"p\",\"constraints\":{\"partial\":" partial "},"                                   \
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}"

/* GONE-1: 3 on hand, 3 safety stock (none available); TEE-1 everywhere */
#define HALF                                                                                       \
    "{\"id\":\"h\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":\"30303\"},"          \
    "\"lines\":[{\"sku\":\"GONE-1\",\"quantity\":3},{\"sku\":\"TEE-1\",\"quantity\":1}]}"

static ordo_plan_t *run(fx_t *f, const char *policy, const char *order)
{
    ordo_policy_t *p = policy_from(policy);
    ordo_order_t *o = ordo_arena_alloc(f->a, sizeof *o);
    parse_order(f->net, f->a, order, o);
    ordo_plan_t *plan = decide(f->eng, p, o, f->a, false);
    plan->policy_name = plan->policy_version = "copied";
    plan->strategy = NULL;
    ordo_policy_destroy(p);
    return plan;
}

static char *date_of(int64_t t, char *b)
{
    ordo_time_format(t, b, 32);
    b[10] = 0;
    return b;
}

static void test_ship_available_backorders_with_promise(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p = run(f, POLICY("{\"mode\":\"ship_available\"}"), HALF);
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_int_equal(p->n_shipments, 1);
    assert_int_equal(p->shipments[0].n_lines, 1);
    assert_int_equal(p->shipments[0].lines[0].line, 1); /* TEE-1 ships */
    assert_int_equal(p->n_backorders, 1);
    assert_int_equal(p->backorders[0].line, 0);
    assert_int_equal(p->backorders[0].quantity, 3);
    assert_string_equal(p->backorders[0].reason, "out_of_stock");
    assert_string_equal(p->backorders[0].action, "backordered");
    /* Edison's 2 do not cover 3; Atlanta's 5 arrive Tue 1 Dec: + 0
     * processing + ground P90 to 303 (zone 1) */
    char b[32];
    assert_string_equal(date_of(p->backorders[0].promise, b), "2026-12-03");
    assert_non_null(strstr(p->backorders[0].promise_note, "DC-ATLANTA on 2026-12-01"));
    assert_int_equal(p->n_line_actions, 2);
    assert_string_equal(p->line_actions[0].action, "backordered");
    assert_int_equal(p->line_actions[0].short_qty, 3);
    assert_string_equal(p->line_actions[1].action, "shipped");
    assert_int_equal(p->line_actions[1].shipped, 1);
    assert_string_equal(p->partial, "ship_available");
    char *j = plan_json(p, f->net);
    assert_non_null(strstr(j, "\"status\":\"partial\""));
    assert_non_null(strstr(j, "\"promise_date\":\"2026-12-03\""));
    assert_non_null(strstr(j, "\"handling\":\"ship_available\""));
    free(j);
}

static void test_cumulative_inbound_covers(void **state)
{
    fx_t *f = *state;
    /* 2 units: Edison's row of 2 on 26 Nov covers them */
    ordo_plan_t *p = run(f, POLICY("{\"mode\":\"ship_available\"}"),
                         "{\"id\":\"h\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":"
                         "\"08817\"},\"lines\":[{\"sku\":\"GONE-1\",\"quantity\":2},{\"sku\":"
                         "\"TEE-1\",\"quantity\":1}]}");
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_non_null(strstr(p->backorders[0].promise_note, "DC-EDISON on 2026-11-26"));
}

/* An explained partial plan explains the part it ships: every candidate
 * is on the search lines of the shipped line. */
static void test_explained_partial(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *pol = policy_from(POLICY("{\"mode\":\"ship_available\"}"));
    ordo_order_t *o = ordo_arena_alloc(f->a, sizeof *o);
    parse_order(f->net, f->a, HALF, o);
    ordo_plan_t *p = decide(f->eng, pol, o, f->a, true);
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_true(p->explained);
    assert_int_equal(p->n_search_lines, 1);
    assert_int_equal(p->search_lines[0].line, 1);
    assert_true(p->n_candidates > 0);
    uint32_t chosen = 0;
    for (uint32_t i = 0; i < p->n_candidates; i++) {
        assert_int_equal(p->candidates[i].lines_mask, 1);
        chosen += p->candidates[i].chosen;
    }
    assert_int_equal(chosen, 1);
    ordo_policy_destroy(pol);
}

static void test_cancel_short(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p = run(f, POLICY("{\"mode\":\"cancel_short\"}"), HALF);
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_int_equal(p->n_shipments, 1);
    assert_int_equal(p->n_backorders, 1);
    assert_string_equal(p->backorders[0].action, "cancelled");
    assert_string_equal(p->backorders[0].reason, "out_of_stock");
    assert_true(p->backorders[0].promise == 0);
    assert_string_equal(p->line_actions[0].action, "cancelled");
    assert_string_equal(p->partial, "cancel_short");
}

static void test_no_replenishment_known(void **state)
{
    fx_t *f = *state;
    /* RARE-1: 5 in all, no split allowed, no inbound */
    ordo_plan_t *p = run(f, POLICY("{\"mode\":\"ship_available\"}"),
                         "{\"id\":\"r\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":"
                         "\"10002\"},\"lines\":[{\"sku\":\"RARE-1\",\"quantity\":4},{\"sku\":"
                         "\"TEE-1\",\"quantity\":1}]}");
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_int_equal(p->n_backorders, 1);
    assert_string_equal(p->backorders[0].reason, "insufficient_stock");
    assert_true(p->backorders[0].promise == 0);
    assert_string_equal(p->backorders[0].promise_note, "no replenishment known");
    char *j = plan_json(p, f->net);
    assert_non_null(strstr(j, "\"note\":\"no replenishment known\""));
    free(j);
}

static void test_split_line_ships_part(void **state)
{
    fx_t *f = *state;
    /* RARE-1 × 6 with splits: 5 allowed units ship, 1 is backordered */
    ordo_plan_t *p =
        run(f,
            "{\"name\":\"p\",\"constraints\":{\"max_shipments\":4,\"allow_line_split\":"
            "true,\"partial\":{\"mode\":\"ship_available\"}},\"strategies\":[{"
            "\"name\":\"w\",\"type\":\"weighted\"}]}",
            "{\"id\":\"r\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":"
            "\"10002\"},\"lines\":[{\"sku\":\"RARE-1\",\"quantity\":6}]}");
    assert_int_equal(p->status, ORDO_PLAN_PARTIAL);
    assert_int_equal(p->units, 5);
    assert_int_equal(p->line_actions[0].shipped, 5);
    assert_int_equal(p->line_actions[0].short_qty, 1);
    assert_int_equal(p->backorders[0].quantity, 1);
}

static void test_mode_none_is_unchanged(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p = run(f, POLICY("{\"mode\":\"none\"}"), HALF);
    assert_int_equal(p->status, ORDO_PLAN_UNFULFILLABLE);
    assert_int_equal(p->n_backorders, 2);
    assert_null(p->backorders[0].action);
    assert_null(p->partial);
    char *j = plan_json(p, f->net);
    assert_null(strstr(j, "\"partial\""));
    assert_null(strstr(j, "\"action\""));
    free(j);
}

#define PICKUP(store, lines)                                                                       \
    "{\"id\":\"k\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"pickup\","             \
    "\"pickup_store\":\"" store "\",\"lines\":[" lines "]}"

static void test_pickup_transfer(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p = run(f, POLICY("{\"pickup\":[\"transfer\"]}"),
                         PICKUP("ST-SF", "{\"sku\":\"TV-55\",\"quantity\":1},"
                                         "{\"sku\":\"TEE-1\",\"quantity\":1}"));
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_equal(p->search, "transfer");
    assert_string_equal(p->partial, "transfer");
    assert_int_equal(p->n_shipments, 2);
    assert_string_equal(plan_node(f->net, p, 0), "ST-SF"); /* TEE-1 picked there */
    assert_int_equal(p->shipments[0].service, ORDO_SERVICE_PICKUP);
    assert_false(p->shipments[0].transfer);
    assert_string_equal(plan_node(f->net, p, 1), "DC-ONTARIO"); /* nearest with a TV */
    assert_true(p->shipments[1].transfer);
    assert_string_equal(p->line_actions[0].action, "transferred");
    assert_true(p->line_actions[0].promise == p->shipments[1].eta_p90);
    assert_string_equal(p->line_actions[1].action, "shipped");
    assert_int_equal(p->n_backorders, 0);
    char *j = plan_json(p, f->net);
    assert_non_null(strstr(j, "\"transfer_to\":\"ST-SF\""));
    free(j);
}

static void test_pickup_other_store(void **state)
{
    fx_t *f = *state;
    /* Chicago has no RARE-1; NYC (715 mi) and SF (2 each) do: NYC is nearer */
    ordo_plan_t *p = run(f, POLICY("{\"pickup\":[\"other_store\",\"transfer\"]}"),
                         PICKUP("ST-CHICAGO", "{\"sku\":\"RARE-1\",\"quantity\":2}"));
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_equal(p->partial, "other_store");
    assert_int_equal(p->n_shipments, 1);
    assert_string_equal(plan_node(f->net, p, 0), "ST-NYC");
    assert_int_equal(p->shipments[0].service, ORDO_SERVICE_PICKUP);
    assert_string_equal(p->line_actions[0].action, "other_store");
    /* not allowed by the policy: unfulfillable as before */
    p = run(f, POLICY("{\"mode\":\"none\"}"),
            PICKUP("ST-CHICAGO", "{\"sku\":\"RARE-1\",\"quantity\":2}"));
    assert_int_equal(p->status, ORDO_PLAN_UNFULFILLABLE);
    assert_string_equal(p->backorders[0].reason, "pickup_store_short");
}

static void test_replenishment_errors(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *csv, *field;
        long line;
    } bad[] = {
        {"node,sku,quantity,arrival\nDC-NOWHERE,TEE-1,1,2026-12-01\n", "node", 2},
        {"node,sku,quantity,arrival\nDC-EDISON,NOPE,1,2026-12-01\n", "sku", 2},
        {"node,sku,quantity,arrival\nDC-EDISON,TEE-1,1,2026-12-01\nDC-EDISON,TEE-1,0,2026-12-01\n",
         "quantity", 3},
        {"node,sku,quantity,arrival\nDC-EDISON,TEE-1,2,2026-13-01\n", "arrival", 2},
        {"node,sku,qty,arrival\n", NULL, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ordo_error_t err = {0};
        int rc = ordo_replenishment_parse_csv(f->net, bad[i].csv, strlen(bad[i].csv),
                                              "replenishment.csv", &err);
        assert_int_not_equal(rc, ORDO_OK);
        assert_int_equal(err.line, bad[i].line);
        assert_string_equal(err.file, "replenishment.csv");
        if (bad[i].field)
            assert_string_equal(err.field, bad[i].field);
    }
    /* failed parses keep the rows loaded before */
    uint32_t n;
    assert_non_null(ordo_network_inbound(f->net, (uint32_t)ordo_network_sku(f->net, "GONE-1"), &n));
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ship_available_backorders_with_promise, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cumulative_inbound_covers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explained_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_replenishment_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_line_ships_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_none_is_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pickup_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pickup_other_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replenishment_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
