/* SPDX-License-Identifier: Apache-2.0 */
/* constraints.partial: parsed, validated with errors naming the field, in
 * the canonical form and version only when it is not the default. */
#include "policy_test_util.h"

#include "ordo/buf.h"

#define DOC(constraints)                                                                           \
    "{\"name\":\"p\",\"constraints\":" constraints ","                                             \
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}"

static void expect_error(const char *json, const char *field)
{
    ordo_error_t err = {0};
    ordo_policy_t *p = NULL;
    assert_int_equal(ordo_policy_parse(json, strlen(json), "t", &p, &err), ORDO_EINVAL);
    assert_null(p);
    assert_string_equal(err.field, field);
}

static char *canonical(const ordo_policy_t *p)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_policy_write_json(p, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    return b.data;
}

static void test_partial_parses(void **state)
{
    (void)state;
    ordo_policy_t *p = policy_from(DOC(
        "{\"partial\":{\"mode\":\"ship_available\",\"pickup\":[\"other_store\",\"transfer\"]}}"));
    assert_int_equal(p->partial.mode, ORDO_PARTIAL_SHIP_AVAILABLE);
    assert_int_equal(p->partial.n_pickup, 2);
    assert_int_equal(p->partial.pickup[0], ORDO_PICKUP_OTHER_STORE);
    assert_int_equal(p->partial.pickup[1], ORDO_PICKUP_TRANSFER);
    /* the canonical form parses back to the same version */
    char *c = canonical(p);
    assert_non_null(strstr(c, "\"partial\":{\"mode\":\"ship_available\","
                              "\"pickup\":[\"other_store\",\"transfer\"]}"));
    ordo_policy_t *q = policy_from(c);
    assert_string_equal(p->version, q->version);
    free(c);
    ordo_policy_destroy(q);
    /* another mode is another version */
    q = policy_from(DOC("{\"partial\":{\"mode\":\"cancel_short\",\"pickup\":[\"other_store\","
                        "\"transfer\"]}}"));
    assert_int_equal(q->partial.mode, ORDO_PARTIAL_CANCEL_SHORT);
    assert_string_not_equal(p->version, q->version);
    ordo_policy_destroy(q);
    ordo_policy_destroy(p);
}

static void test_default_keeps_version(void **state)
{
    (void)state;
    ordo_policy_t *a = policy_from(DOC("{}"));
    ordo_policy_t *b = policy_from(DOC("{\"partial\":{\"mode\":\"none\",\"pickup\":[]}}"));
    ordo_policy_t *c = policy_from(DOC("{\"partial\":{}}"));
    assert_int_equal(b->partial.mode, ORDO_PARTIAL_NONE);
    assert_string_equal(a->version, b->version);
    assert_string_equal(a->version, c->version);
    char *t = canonical(a);
    assert_null(strstr(t, "partial"));
    free(t);
    ordo_policy_destroy(a);
    ordo_policy_destroy(b);
    ordo_policy_destroy(c);
}

static void test_partial_errors_name_the_field(void **state)
{
    (void)state;
    expect_error(DOC("{\"partial\":\"ship_available\"}"), "constraints.partial");
    expect_error(DOC("{\"partial\":{\"mode\":\"ship_some\"}}"), "constraints.partial.mode");
    expect_error(DOC("{\"partial\":{\"mode\":1}}"), "constraints.partial.mode");
    expect_error(DOC("{\"partial\":{\"modes\":\"none\"}}"), "constraints.partial.modes");
    expect_error(DOC("{\"partial\":{\"pickup\":\"transfer\"}}"), "constraints.partial.pickup");
    expect_error(DOC("{\"partial\":{\"pickup\":[\"transfer\",\"teleport\"]}}"),
                 "constraints.partial.pickup[1]");
    expect_error(DOC("{\"partial\":{\"pickup\":[\"transfer\",\"transfer\"]}}"),
                 "constraints.partial.pickup[1]");
    /* policy level only */
    expect_error("{\"name\":\"p\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\","
                 "\"constraints\":{\"partial\":{\"mode\":\"none\"}}}]}",
                 "strategies[0].constraints.partial");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_parses),
        cmocka_unit_test(test_default_keeps_version),
        cmocka_unit_test(test_partial_errors_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
