/* SPDX-License-Identifier: Apache-2.0 */
/* Policies and conditions are read through core's one JSON door: a key
 * given twice (anywhere), invalid UTF-8 and out-of-range numbers are
 * refused, naming the field. (A policy used to keep the first of two keys.) */
#include "policy_test_util.h"

static int perr(const char *json, char *field, size_t n, char *msg, size_t mn)
{
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    int rc = ordo_policy_parse(json, strlen(json), "p.json", &p, &err);
    ordo_policy_destroy(p);
    snprintf(field, n, "%s", err.field);
    snprintf(msg, mn, "%s", err.msg);
    return rc;
}

static void test_policy_duplicate_keys(void **s)
{
    (void)s;
    char f[128], m[256];
    assert_int_equal(perr("{\"name\":\"x\",\"name\":\"y\","
                          "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f, m, sizeof m),
                     ORDO_EPARSE);
    assert_string_equal(f, "name");
    assert_non_null(strstr(m, "duplicate"));
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"weights\":{\"cost\":1,\"cost\":2}}]}",
                          f, sizeof f, m, sizeof m),
                     ORDO_EPARSE);
    assert_string_equal(f, "strategies[0].weights.cost");
    /* inside a condition too */
    assert_int_equal(
        perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
             "\"when\":{\"path\":\"order.value\",\"op\":\"gt\",\"value\":1,\"value\":2}}]}",
             f, sizeof f, m, sizeof m),
        ORDO_EPARSE);
    assert_string_equal(f, "strategies[0].when.value");
}

static void test_policy_invalid_utf8(void **s)
{
    (void)s;
    char f[128], m[256];
    assert_int_equal(perr("{\"name\":\"x\",\"description\":\"d\xC3\","
                          "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f, m, sizeof m),
                     ORDO_EPARSE);
    assert_non_null(strstr(m, "invalid UTF-8"));
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\xED\xA0\x80\","
                          "\"type\":\"weighted\"}]}",
                          f, sizeof f, m, sizeof m),
                     ORDO_EPARSE);
    /* valid non-ASCII names stay accepted */
    assert_int_equal(perr("{\"name\":\"caf\xC3\xA9\",\"strategies\":[{\"name\":\"s\","
                          "\"type\":\"weighted\"}]}",
                          f, sizeof f, m, sizeof m),
                     ORDO_OK);
}

static void test_condition_door(void **s)
{
    (void)s;
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    const char *dup = "{\"path\":\"order.value\",\"op\":\"gt\",\"op\":\"lt\",\"value\":1}";
    assert_int_equal(ordo_cond_parse_json(dup, strlen(dup), "when", &c, &err), ORDO_EPARSE);
    assert_null(c);
    assert_string_equal(err.field, "op");
    const char *bad = "{\"path\":\"order.channel\",\"op\":\"eq\",\"value\":\"w\xFF\"}";
    assert_int_equal(ordo_cond_parse_json(bad, strlen(bad), "when", &c, &err), ORDO_EPARSE);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    const char *big = "{\"path\":\"order.value\",\"op\":\"gt\",\"value\":1e16}";
    assert_int_equal(ordo_cond_parse_json(big, strlen(big), "when", &c, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "value");
    const char *ok = "{\"path\":\"order.value\",\"op\":\"gt\",\"value\":100}";
    assert_int_equal(ordo_cond_parse_json(ok, strlen(ok), "when", &c, &err), ORDO_OK);
    ordo_cond_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_duplicate_keys),
        cmocka_unit_test(test_policy_invalid_utf8),
        cmocka_unit_test(test_condition_door),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
