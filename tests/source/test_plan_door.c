/* SPDX-License-Identifier: Apache-2.0 */
/* A plan spec (ordo price) is read through core's one JSON door: a key
 * given twice, invalid UTF-8 and out-of-range numbers are refused. */
#include "testutil.h"

#define EX ORDO_SOURCE_DIR "/docs/examples"

static void test_plan_spec_door(void **s)
{
    (void)s;
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    assert_int_equal(ordo_network_load(EX "/network", NULL, &net, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    size_t ol, pl;
    char *otext = read_text(EX "/order.json", &ol);
    char *ptext = read_text(EX "/plan.json", &pl);
    ordo_order_t o;
    assert_int_equal(ordo_order_parse(otext, ol, net, a, &o, &err), ORDO_OK);
    ordo_plan_spec_t spec;
    /* the example plan is accepted as it is */
    assert_int_equal(ordo_plan_spec_parse(ptext, pl, net, &o, a, &spec, &err), ORDO_OK);
    const char *dup = "{\"shipments\":[{\"node\":\"DC-003\",\"node\":\"DC-001\","
                      "\"lines\":[{\"line\":0}]}]}";
    assert_int_equal(ordo_plan_spec_parse(dup, strlen(dup), net, &o, a, &spec, &err), ORDO_EPARSE);
    assert_string_equal(err.field, "shipments[0].node");
    const char *bad = "{\"shipments\":[{\"node\":\"DC-\xFF\",\"lines\":[{\"line\":0}]}]}";
    assert_int_equal(ordo_plan_spec_parse(bad, strlen(bad), net, &o, a, &spec, &err), ORDO_EPARSE);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    free(otext);
    free(ptext);
    ordo_arena_destroy(a);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_spec_door),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
