/* SPDX-License-Identifier: Apache-2.0 */
/* tests for the near-miss helpers of src/core/util.c (ordo_edit_distance,
 * ordo_suggest) and the "did you mean" an unknown order field gets in
 * src/core/order.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/order.h"
#include "ordo/util.h"

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(ordo_edit_distance("", ""), 0);
    assert_int_equal(ordo_edit_distance("abc", ""), 3);
    assert_int_equal(ordo_edit_distance("", "abc"), 3);
    assert_int_equal(ordo_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(ordo_edit_distance("json", "jsno"), 1);    /* a swap counts 1 */
    assert_int_equal(ordo_edit_distance("source", "sorce"), 1); /* a deletion */
    assert_int_equal(ordo_edit_distance("proximity_first", "proximity-first"), 1);
    assert_int_equal(ordo_edit_distance("ca", "abc"), 3); /* OSA, not full Damerau */
}

static void test_suggest(void **state)
{
    (void)state;
    static const char *const cmds[] = {"geo",    "network", "rate",  "exp",   "log",
                                       "source", "policy",  "price", "power", NULL};
    assert_string_equal(ordo_suggest("sorce", cmds), "source");
    assert_string_equal(ordo_suggest("netwrok", cmds), "network");
    assert_string_equal(ordo_suggest("polcy", cmds), "policy");
    assert_null(ordo_suggest("frobnicate", cmds));
    assert_null(ordo_suggest("", cmds));
    assert_null(ordo_suggest("x", cmds)); /* one letter is no near miss */
    static const char *const pols[] = {"default", "proximity-first", "cost-optimized", NULL};
    assert_string_equal(ordo_suggest("proximity_first", pols), "proximity-first");
    assert_string_equal(ordo_suggest("cost_optimised", pols), "cost-optimized");
    static const char *const lkeys[] = {"sku", "quantity", NULL};
    assert_string_equal(ordo_suggest("qty", lkeys), "quantity"); /* an abbreviation */
    assert_string_equal(ordo_suggest("skus", lkeys), "sku");
    static const char *const okeys[] = {"id", "created", "customer", "ship_to", "lines", NULL};
    assert_string_equal(ordo_suggest("order_id", okeys), "id"); /* a part of the word */
    assert_string_equal(ordo_suggest("shipto", okeys), "ship_to");
    assert_null(ordo_suggest("gift", okeys));
}

static void test_order_field_suggestion(void **state)
{
    (void)state;
    ordo_network_t *net;
    ordo_error_t err;
    assert_int_equal(
        ordo_network_load(ORDO_SOURCE_DIR "/tests/fixtures/core/net-small", NULL, &net, &err), 0);
    ordo_arena_t *arena = ordo_arena_create(0);
    ordo_order_t o;
    static const struct {
        const char *json, *field, *hint;
    } cases[] = {
        {"{\"order_id\":\"e\",\"ship_to\":{\"zip\":\"10001\"},"
         "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
         "order_id", "did you mean 'id'?"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"10001\"},\"lines\":[{\"sku\":\"SKU-TEE\",\"qty\":1}]"
         "}",
         "lines[0].qty", "did you mean 'lines[0].quantity'?"},
        {"{\"id\":\"e\",\"ship_to\":{\"zipcode\":\"10001\"},"
         "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
         "ship_to.zipcode", "did you mean 'ship_to.zip'?"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"10001\"},\"gift\":true,"
         "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
         "gift", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ordo_error_clear(&err);
        int rc = ordo_order_parse(cases[i].json, strlen(cases[i].json), net, arena, &o, &err);
        assert_int_equal(rc, ORDO_EPARSE); /* an unknown field stays an error */
        assert_string_equal(err.field, cases[i].field);
        if (cases[i].hint)
            assert_non_null(strstr(err.msg, cases[i].hint));
        else
            assert_null(strstr(err.msg, "did you mean"));
    }
    ordo_arena_destroy(arena);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_order_field_suggestion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
