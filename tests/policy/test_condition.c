/* SPDX-License-Identifier: Apache-2.0 */
/* The condition language: every operator, scope, path type and error. */
#include "policy_test_util.h"

static ordo_cond_t *cond(const char *json)
{
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    int rc = ordo_cond_parse_json(json, strlen(json), "when", &c, &err);
    if (rc)
        fprintf(stderr, "%s: %s (%s)\n", json, err.msg, err.field);
    assert_int_equal(rc, ORDO_OK);
    return c;
}

static int cond_err(const char *json, char *field, size_t n)
{
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    int rc = ordo_cond_parse_json(json, strlen(json), "when", &c, &err);
    assert_null(c);
    snprintf(field, n, "%s", err.field);
    return rc;
}

static void ctx_example(ordo_order_ctx_t *x)
{
    memset(x, 0, sizeof *x);
    x->region = "west";
    x->state = "CA";
    x->zip3 = 941;
    x->channel = "app";
    x->promotion = "bogo";
    x->service_level = "express";
    x->cohort = "vip";
    x->customer_id = "c-1";
    x->value = 250;
    x->lifetime_value = 1800;
    x->weight_lb = 7.5;
    x->n_lines = 3;
    x->units = 4;
    x->residential = true;
    x->rural = false;
    x->n_families = 2;
    x->families[0] = "apparel";
    x->families[1] = "home";
    x->n_skus = 1;
    x->skus[0] = "TEE-1";
}

static bool ev2(const ordo_order_ctx_t *x, const char *json)
{
    ordo_cond_t *c = cond(json);
    bool r = ordo_cond_eval(c, x);
    ordo_cond_destroy(c);
    return r;
}

static bool ev(const char *json)
{
    ordo_order_ctx_t x;
    ctx_example(&x);
    ordo_cond_t *c = cond(json);
    bool r = ordo_cond_eval(c, &x);
    ordo_cond_destroy(c);
    return r;
}

static void test_operators(void **s)
{
    (void)s;
    assert_true(ev("{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"west\"}"));
    assert_false(ev("{\"path\":\"order.region\",\"op\":\"ne\",\"value\":\"west\"}"));
    assert_true(ev("{\"path\":\"order.value\",\"op\":\"gt\",\"value\":249.99}"));
    assert_false(ev("{\"path\":\"order.value\",\"op\":\"gt\",\"value\":250}"));
    assert_true(ev("{\"path\":\"order.value\",\"op\":\"ge\",\"value\":250}"));
    assert_true(ev("{\"path\":\"order.value\",\"op\":\"le\",\"value\":250}"));
    assert_false(ev("{\"path\":\"order.value\",\"op\":\"lt\",\"value\":250}"));
    assert_true(ev("{\"path\":\"order.value\",\"op\":\"between\",\"value\":[100,250]}"));
    assert_false(ev("{\"path\":\"order.value\",\"op\":\"between\",\"value\":[251,900]}"));
    assert_true(ev("{\"path\":\"order.zip3\",\"op\":\"in\",\"value\":[940,941,942]}"));
    assert_false(ev("{\"path\":\"order.zip3\",\"op\":\"in\",\"value\":[100]}"));
    assert_true(ev("{\"path\":\"order.state\",\"op\":\"in\",\"value\":[\"OR\",\"CA\"]}"));
    assert_true(ev("{\"path\":\"order.families\",\"op\":\"contains\",\"value\":\"home\"}"));
    assert_false(ev("{\"path\":\"order.families\",\"op\":\"contains\",\"value\":\"toys\"}"));
    assert_true(ev("{\"path\":\"order.families\",\"op\":\"in\",\"value\":[\"toys\",\"apparel\"]}"));
    assert_true(ev("{\"path\":\"order.skus\",\"op\":\"contains\",\"value\":\"TEE-1\"}"));
    assert_true(ev("{\"path\":\"order.channel\",\"op\":\"contains\",\"value\":\"pp\"}"));
    assert_true(ev("{\"path\":\"order.promotion\",\"op\":\"eq\",\"value\":\"bogo\"}"));
    assert_false(ev("{\"path\":\"order.promotion\",\"op\":\"in\",\"value\":[\"clearance\"]}"));
    assert_true(ev("{\"path\":\"customer.cohort\",\"op\":\"eq\",\"value\":\"vip\"}"));
    assert_true(ev("{\"path\":\"customer.lifetime_value\",\"op\":\"ge\",\"value\":1000}"));
    assert_true(ev("{\"path\":\"order.service_level\",\"op\":\"eq\",\"value\":\"express\"}"));
    assert_true(ev("{\"path\":\"order.residential\",\"op\":\"eq\",\"value\":true}"));
    assert_true(ev("{\"path\":\"order.rural\",\"op\":\"ne\",\"value\":true}"));
    assert_true(ev("{\"path\":\"order.lines\",\"op\":\"eq\",\"value\":3}"));
    assert_true(ev("{\"path\":\"order.units\",\"op\":\"gt\",\"value\":3}"));
    assert_true(ev("{\"path\":\"order.weight_lb\",\"op\":\"lt\",\"value\":10}"));
    /* an unknown value never matches, even with ne */
    assert_false(ev("{\"path\":\"unit.id\",\"op\":\"ne\",\"value\":\"x\"}"));
}

static void test_scopes(void **s)
{
    (void)s;
    const char *t = "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"west\"}";
    const char *f = "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"south\"}";
    char b[512];
    snprintf(b, sizeof b, "{\"all\":[%s,%s]}", t, f);
    assert_false(ev(b));
    snprintf(b, sizeof b, "{\"all\":[%s,%s]}", t, t);
    assert_true(ev(b));
    snprintf(b, sizeof b, "{\"any\":[%s,%s]}", f, t);
    assert_true(ev(b));
    snprintf(b, sizeof b, "{\"any\":[%s,%s]}", f, f);
    assert_false(ev(b));
    snprintf(b, sizeof b, "{\"none\":[%s,%s]}", f, f);
    assert_true(ev(b));
    snprintf(b, sizeof b, "{\"none\":[%s]}", t);
    assert_false(ev(b));
    snprintf(b, sizeof b, "{\"all\":[{\"any\":[%s,%s]},{\"none\":[%s]}]}", f, t, f);
    assert_true(ev(b));
    assert_true(ordo_cond_eval(NULL, NULL)); /* no condition: always */
}

static void test_errors_name_the_field(void **s)
{
    (void)s;
    char f[128];
    assert_int_equal(cond_err("{\"path\":\"order.colour\",\"op\":\"eq\",\"value\":1}", f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "when.path");
    assert_int_equal(
        cond_err("{\"path\":\"order.value\",\"op\":\"like\",\"value\":1}", f, sizeof f),
        ORDO_EINVAL);
    assert_string_equal(f, "when.op");
    assert_int_equal(
        cond_err("{\"path\":\"order.value\",\"op\":\"eq\",\"value\":\"x\"}", f, sizeof f),
        ORDO_EINVAL);
    assert_string_equal(f, "when.value");
    assert_int_equal(
        cond_err("{\"path\":\"order.value\",\"op\":\"between\",\"value\":[5,1]}", f, sizeof f),
        ORDO_EINVAL);
    assert_string_equal(f, "when.value");
    assert_int_equal(
        cond_err("{\"path\":\"order.region\",\"op\":\"lt\",\"value\":\"a\"}", f, sizeof f),
        ORDO_EINVAL);
    assert_int_equal(
        cond_err("{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"a\",\"x\":1}", f, sizeof f),
        ORDO_EINVAL);
    assert_string_equal(f, "when.x");
    assert_int_equal(cond_err("{\"all\":[{\"path\":\"order.value\",\"op\":\"gt\",\"value\":1},"
                              "{\"path\":\"nope\",\"op\":\"eq\",\"value\":1}]}",
                              f, sizeof f),
                     ORDO_EINVAL);
    assert_string_equal(f, "when.all[1].path");
    assert_int_equal(cond_err("{\"any\":[]}", f, sizeof f), ORDO_EINVAL);
    assert_int_equal(cond_err("[1]", f, sizeof f), ORDO_EINVAL);
    assert_int_equal(
        cond_err("{\"path\":\"order.value\",\"op\":\"gt\",\"value\":1e999}", f, sizeof f),
        ORDO_EINVAL);
}

static void test_canonical_roundtrip(void **s)
{
    (void)s;
    const char *in = "{\"any\":[{\"value\":[1,2],\"op\":\"between\",\"path\":\"order.units\"},"
                     "{\"path\":\"order.state\",\"op\":\"in\",\"value\":[\"CA\",\"OR\"]}]}";
    ordo_cond_t *c = cond(in);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_cond_write_json(c, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_string_equal(b.data,
                        "{\"any\":[{\"path\":\"order.units\",\"op\":\"between\",\"value\":[1,2]},"
                        "{\"path\":\"order.state\",\"op\":\"in\",\"value\":[\"CA\",\"OR\"]}]}");
    ordo_cond_t *c2 = cond(b.data);
    ordo_order_ctx_t x;
    ctx_example(&x);
    assert_int_equal(ordo_cond_eval(c, &x), ordo_cond_eval(c2, &x));
    ordo_buf_free(&b);
    ordo_cond_destroy(c);
    ordo_cond_destroy(c2);
}

static void test_ctx_from_order(void **s)
{
    (void)s;
    ordo_network_t *net = load_fixture_net();
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"x\",\"ship_to\":{\"zip\":\"94103\"},\"channel\":\"app\","
                "\"customer\":{\"cohort\":\"new\"},\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":2},"
                "{\"sku\":\"LAMP-1\",\"quantity\":1}]}",
                &o);
    ordo_order_ctx_t x;
    ordo_order_ctx_init(&x, &o, net);
    assert_string_equal(x.region, "west");
    assert_string_equal(x.state, "CA");
    assert_int_equal(x.zip3, 941);
    assert_int_equal(x.units, 3);
    assert_int_equal(x.n_lines, 2);
    assert_int_equal(x.n_families, 2);
    assert_true(fabs(x.value - (2 * 19.99 + 59.0)) < 1e-9);
    assert_true(fabs(x.weight_lb - 7.0) < 1e-9);
    assert_string_equal(x.cohort, "new");
    assert_false(x.rural);                          /* San Francisco */
    assert_true(ordo_geo_zip3_rural(net->geo, 590)); /* 590xx: rural Montana */
    ordo_arena_destroy(a);
    ordo_network_destroy(net);
}

/* A condition is shared by reference: ordo_cond_ref gives the same
 * condition, each reference is dropped once, and the condition lives until
 * the last (ASan checks the frees). */
static void test_shared_by_reference(void **s)
{
    (void)s;
    ordo_order_ctx_t x;
    ctx_example(&x);
    ordo_cond_t *c = cond("{\"path\":\"order.value\",\"op\":\"gt\",\"value\":100}");
    ordo_cond_t *c2 = ordo_cond_ref(c);
    assert_ptr_equal(c, c2);
    assert_null(ordo_cond_ref(NULL));
    ordo_cond_destroy(c);
    assert_true(ordo_cond_eval(c2, &x)); /* still alive: one reference left */
    ordo_cond_destroy(c2);
    ordo_cond_destroy(NULL);
}

/* order.region values are geo's names: "territories" (older logs and
 * reports) is read as "territory", in eq, ne and in, and the canonical form
 * writes geo's name. A lone leaf writes as itself. */
static void test_region_names(void **s)
{
    (void)s;
    ordo_order_ctx_t x;
    ctx_example(&x);
    x.region = ordo_geo_region_name(ORDO_REGION_TERRITORY);
    const char *in = "{\"path\":\"order.region\",\"op\":\"in\",\"value\":[\"territories\"]}";
    ordo_cond_t *c = cond(in);
    assert_true(ordo_cond_eval(c, &x));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_cond_write_json(c, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_string_equal(b.data,
                        "{\"path\":\"order.region\",\"op\":\"in\",\"value\":[\"territory\"]}");
    ordo_buf_free(&b);
    ordo_cond_destroy(c);
    assert_true(ev2(&x, "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"territories\"}"));
    assert_false(ev2(&x, "{\"path\":\"order.region\",\"op\":\"ne\",\"value\":\"territories\"}"));
    /* only order.region knows region names */
    x.cohort = "territory";
    assert_false(ev2(&x, "{\"path\":\"customer.cohort\",\"op\":\"eq\",\"value\":\"territories\"}"));
    /* an unknown region (NULL) matches nothing, not even ne */
    x.region = NULL;
    assert_false(ev2(&x, "{\"path\":\"order.region\",\"op\":\"ne\",\"value\":\"west\"}"));
}

/* Text that is not JSON is an error naming the field. */
static void test_parse_json_text(void **s)
{
    (void)s;
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_cond_parse_json("{\"path\":", 9, "targeting", &c, &err), ORDO_EPARSE);
    assert_null(c);
    assert_string_equal(err.field, "targeting");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_errors_name_the_field),
        cmocka_unit_test(test_canonical_roundtrip),
        cmocka_unit_test(test_ctx_from_order),
        cmocka_unit_test(test_shared_by_reference),
        cmocka_unit_test(test_region_names),
        cmocka_unit_test(test_parse_json_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
