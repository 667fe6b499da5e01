/* SPDX-License-Identifier: Apache-2.0 */
/* Policies: built-ins parse, the version is a content hash of the canonical
 * form, and bad documents are errors naming the field. */
#include "policy_test_util.h"

static int perr(const char *json, char *field, size_t n)
{
    ordo_error_t err = {0};
    ordo_policy_t *p = NULL;
    int rc = ordo_policy_parse(json, strlen(json), "p.json", &p, &err);
    assert_null(p);
    snprintf(field, n, "%s", err.field);
    return rc;
}

static void test_builtins(void **s)
{
    (void)s;
    int n = 0;
    for (const char *const *name = ordo_policy_builtin_names(); *name; name++, n++) {
        ordo_policy_t *p = builtin(*name);
        assert_string_equal(p->name, *name);
        assert_int_equal(strlen(p->version), 16);
        assert_true(p->n_strategies >= 1);
        ordo_policy_destroy(p);
    }
    assert_int_equal(n, 6);
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_policy_builtin("nope", &p, &err), ORDO_ENOTFOUND);
}

static void test_version_is_content_hash(void **s)
{
    (void)s;
    ordo_policy_t *a =
        policy_from("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                    "\"weights\":{\"cost\":1,\"on_time\":5}}]}");
    /* same content: other key order, whitespace, defaults spelled out */
    ordo_policy_t *b =
        policy_from("{ \"strategies\" : [ { \"weights\": {\"on_time\": 5.0, \"cost\": 1},\n"
                    "  \"type\": \"weighted\", \"name\": \"s\" } ],\n \"name\": \"x\", "
                    "\"constraints\": {\"max_shipments\": 2, \"respect_capacity\": true} }");
    ordo_policy_t *c =
        policy_from("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                    "\"weights\":{\"cost\":1,\"on_time\":6}}]}");
    assert_string_equal(a->version, b->version);
    assert_string_not_equal(a->version, c->version);
    /* the canonical form parses back to the same version */
    ordo_buf_t buf;
    ordo_buf_init(&buf, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &buf, 1);
    ordo_policy_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    ordo_policy_t *d = policy_from(buf.data);
    assert_string_equal(a->version, d->version);
    ordo_buf_free(&buf);
    ordo_policy_destroy(a);
    ordo_policy_destroy(b);
    ordo_policy_destroy(c);
    ordo_policy_destroy(d);
}

static void test_errors_name_the_field(void **s)
{
    (void)s;
    char f[128];
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}],"
                          "\"colour\":1}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "colour");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"weights\":{\"cost\":-1}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].weights.cost");
    /* 1e999 is what a NaN/infinity looks like once it reaches JSON */
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"weights\":{\"on_time\":1e999}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].weights.on_time");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"weights\":{\"speed\":1}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].weights.speed");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"weights\":{\"cost\":\"1\"}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].weights.cost");
    assert_int_equal(
        perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"magic\"}]}", f, sizeof f),
        ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].type");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"criteria\","
                          "\"criteria\":[{\"criterion\":\"zone\"},{\"criterion\":\"vibes\"}]}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].criteria[1].criterion");
    assert_int_equal(perr("{\"name\":\"x\",\"constraints\":{\"max_shipments\":0},"
                          "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "constraints.max_shipments");
    assert_int_equal(perr("{\"name\":\"x\",\"constraints\":{\"min_on_time\":1.5},"
                          "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "constraints.min_on_time");
    assert_int_equal(perr("{\"name\":\"x\",\"constraints\":{\"guardrails\":[{\"when\":"
                          "{\"path\":\"order.rural\",\"op\":\"eq\",\"value\":1},\"max_zone\":4}]},"
                          "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "constraints.guardrails[0].when.value");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"when\":{\"path\":\"order.value\",\"op\":\"gt\"}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].when.value");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[]}", f, sizeof f), ORDO_EINVAL);
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"},"
                          "{\"name\":\"s\",\"type\":\"weighted\"}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[1].name");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                          "\"constraints\":{\"node_types\":[\"warehouse\"]}}]}",
                          f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "strategies[0].constraints.node_types");
    assert_int_equal(perr("{\"name\":\"x\",\"strategies\":", f, sizeof f), ORDO_EPARSE);
    assert_int_equal(perr("[]", f, sizeof f), ORDO_EINVAL);
}

/* The policy's service settings: defaults, a canonical form that names them
 * only when they differ from the defaults, and errors naming the field. */
static void test_service_settings(void **s)
{
    (void)s;
#define W "\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]"
    ordo_policy_t *a = policy_from("{\"name\":\"x\"," W "}");
    assert_true(a->service.target[ORDO_LEVEL_STANDARD] == 0.8);
    assert_true(a->service.target[ORDO_LEVEL_EXPRESS] == 0.9);
    assert_true(a->service.target[ORDO_LEVEL_OVERNIGHT] == 0.9);
    assert_true(a->service.floor[ORDO_LEVEL_TWO_DAY] == 0.5);
    assert_true(a->service.floor[ORDO_LEVEL_STANDARD] == 0);
    assert_false(a->service.upgrade_standard || a->service.supplier_lead_time);
    /* the defaults spelled out: the same policy */
    ordo_policy_t *b = policy_from("{\"name\":\"x\"," W ",\"service\":{\"targets\":{\"express\":0.9},"
                                   "\"floors\":{\"overnight\":0.5},\"upgrade_standard\":false}}");
    assert_string_equal(a->version, b->version);
    ordo_policy_t *c = policy_from(
        "{\"name\":\"x\"," W ",\"service\":{\"targets\":{\"standard\":0.7,\"two_day\":0.95},"
        "\"floors\":{\"express\":0.2},\"upgrade_standard\":true,\"upgrade_max_cost\":4.5,"
        "\"supplier_lead_time\":true}}");
    assert_string_not_equal(a->version, c->version);
    assert_true(c->service.target[ORDO_LEVEL_STANDARD] == 0.7);
    assert_true(c->service.target[ORDO_LEVEL_TWO_DAY] == 0.95);
    assert_true(c->service.floor[ORDO_LEVEL_EXPRESS] == 0.2);
    assert_true(c->service.upgrade_standard && c->service.upgrade_max_cost == 4.5);
    assert_true(c->service.supplier_lead_time);
    ordo_buf_t buf;
    ordo_buf_init(&buf, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &buf, 0);
    ordo_policy_write_json(c, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_non_null(strstr(buf.data, "\"upgrade_max_cost\":4.5"));
    ordo_policy_t *d = policy_from(buf.data);
    assert_string_equal(c->version, d->version);
    ordo_buf_free(&buf);
    char f[128];
    assert_int_equal(perr("{\"name\":\"x\"," W ",\"service\":{\"targets\":{\"express\":1.5}}}", f,
                          sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "service.targets.express");
    assert_int_equal(perr("{\"name\":\"x\"," W ",\"service\":{\"targets\":{\"pickup\":0.5}}}", f,
                          sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "service.targets.pickup");
    assert_int_equal(perr("{\"name\":\"x\"," W ",\"service\":{\"floors\":{\"express\":0.95}}}", f,
                          sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "service.floors.express");
    assert_int_equal(perr("{\"name\":\"x\"," W ",\"service\":{\"upgrade\":true}}", f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "service.upgrade");
    assert_int_equal(perr("{\"name\":\"x\"," W ",\"service\":{\"upgrade_max_cost\":-1}}", f,
                          sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "service.upgrade_max_cost");
#undef W
    /* a criteria strategy's service_target applies only when given */
    ordo_policy_t *e = policy_from("{\"name\":\"x\",\"strategies\":[{\"name\":\"s\",\"type\":"
                                   "\"criteria\",\"criteria\":[{\"criterion\":\"cost\"}]},"
                                   "{\"name\":\"t\",\"type\":\"criteria\",\"criteria\":"
                                   "[{\"criterion\":\"cost\"}],\"service_target\":0.75}]}");
    assert_false(e->strategies[0].has_service_target);
    assert_true(e->strategies[1].has_service_target && e->strategies[1].service_target == 0.75);
    ordo_policy_destroy(a);
    ordo_policy_destroy(b);
    ordo_policy_destroy(c);
    ordo_policy_destroy(d);
    ordo_policy_destroy(e);
}

static void test_strategy_constraints_inherit(void **s)
{
    (void)s;
    ordo_policy_t *p = policy_from(
        "{\"name\":\"x\",\"constraints\":{\"max_shipments\":3,\"min_on_time\":0.4,"
        "\"node_types\":[\"dc\",\"store\"]},\"strategies\":["
        "{\"name\":\"a\",\"type\":\"weighted\"},"
        "{\"name\":\"b\",\"type\":\"weighted\",\"constraints\":{\"max_shipments\":1}}]}");
    assert_int_equal(p->strategies[0].constraints.max_shipments, 3);
    assert_int_equal(p->strategies[1].constraints.max_shipments, 1);
    assert_true(fabs(p->strategies[1].constraints.min_on_time - 0.4) < 1e-12);
    assert_int_equal(p->strategies[1].constraints.node_types,
                     (1u << ORDO_NODE_DC) | (1u << ORDO_NODE_STORE));
    ordo_policy_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_version_is_content_hash),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_service_settings),
        cmocka_unit_test(test_strategy_constraints_inherit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
