/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/order.c: parsing orders against the fixture network
 * (tests/fixtures/core/net-small), every validation error with the field it
 * names, pickup orders, NDJSON lines, and writing an order back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../src/core/cjson_internal.h" /* ordo_order_from_cjson */
#include "ordo/order.h"
#include "ordo/util.h"

typedef struct {
    ordo_network_t *net;
    ordo_arena_t *arena;
} ctx_t;

static int setup(void **state)
{
    ctx_t *c = calloc(1, sizeof *c);
    ordo_error_t err;
    if (ordo_network_load(ORDO_SOURCE_DIR "/tests/fixtures/core/net-small", NULL, &c->net, &err))
        return -1;
    c->arena = ordo_arena_create(0);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx_t *c = *state;
    ordo_network_destroy(c->net);
    ordo_arena_destroy(c->arena);
    free(c);
    return 0;
}

static ordo_order_t parse_ok(ctx_t *c, const char *json)
{
    ordo_order_t o;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_order_parse(json, strlen(json), c->net, c->arena, &o, &err);
    if (rc) {
        char buf[512];
        fail_msg("order failed: %s\n%s", ordo_error_format(&err, buf, sizeof buf), json);
    }
    return o;
}

static void expect_error(ctx_t *c, const char *json, int code, const char *field)
{
    ordo_order_t o;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_order_parse(json, strlen(json), c->net, c->arena, &o, &err);
    char buf[512];
    ordo_error_format(&err, buf, sizeof buf);
    if (rc != code)
        fail_msg("code %s, want %s (%s) for\n%s", ordo_errname(rc), ordo_errname(code), buf, json);
    assert_int_equal(err.code, code);
    if (strcmp(err.field, field))
        fail_msg("field '%s', want '%s' (%s) for\n%s", err.field, field, buf, json);
    assert_true(err.msg[0] != 0);
}

#define FULL_ORDER                                                                                 \
    "{\"id\": \"o-1001\", \"created\": \"2026-11-24T15:04:05Z\","                                  \
    " \"customer\": {\"id\": \"c-42\", \"cohort\": \"loyal\", \"lifetime_value\": 1250.5},"        \
    " \"ship_to\": {\"zip\": \"02139\", \"residential\": false},"                                  \
    " \"channel\": \"app\", \"service_level\": \"express\", \"promotion\": \"bogo\","                \
    " \"lines\": [{\"sku\": \"SKU-LAMP\", \"quantity\": 2}, {\"sku\": \"SKU-TEE\", "               \
    "\"quantity\": 3}],"                                                                           \
    " \"promise_date\": \"2026-11-27\"}"

static void test_full_order(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o = parse_ok(c, FULL_ORDER);
    assert_string_equal(o.id, "o-1001");
    int64_t t;
    assert_int_equal(ordo_time_parse("2026-11-24T15:04:05Z", &t), ORDO_OK);
    assert_int_equal(o.created, t);
    assert_int_equal(ordo_time_parse("2026-11-27", &t), ORDO_OK);
    assert_int_equal(o.promise, t);
    assert_string_equal(o.customer_id, "c-42");
    assert_string_equal(o.cohort, "loyal");
    assert_true(o.lifetime_value == 1250.5);
    assert_int_equal(o.ship_zip, 2139);
    assert_int_equal(o.ship_zip3, 21);
    assert_string_equal(o.state, "MA");
    assert_false(o.residential);
    assert_string_equal(o.channel, "app");
    assert_string_equal(o.promotion, "bogo");
    assert_int_equal(o.level, ORDO_LEVEL_EXPRESS);
    assert_int_equal(o.pickup_node, -1);
    assert_int_equal(o.n_lines, 2);
    assert_int_equal(o.lines[0].sku, ordo_network_sku(c->net, "SKU-LAMP"));
    assert_int_equal(o.lines[0].quantity, 2);
    assert_int_equal(o.lines[1].sku, ordo_network_sku(c->net, "SKU-TEE"));
    assert_int_equal(o.lines[1].quantity, 3);
    assert_true(fabs(ordo_order_value(&o, c->net) - (2 * 89.00 + 3 * 19.99)) < 1e-9);
}

static void test_defaults(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o = parse_ok(c, "{\"id\":\"o2\",\"ship_to\":{\"zip\":\"10001\"},"
                                 "\"lines\":[{\"sku\":\"SKU-MUG\",\"quantity\":1}]}");
    assert_string_equal(o.id, "o2");
    assert_int_equal(o.created, 0);
    assert_int_equal(o.promise, 0);
    assert_string_equal(o.customer_id, "");
    assert_string_equal(o.cohort, "");
    assert_true(o.lifetime_value == 0);
    assert_string_equal(o.channel, "web");
    assert_string_equal(o.promotion, "");
    assert_int_equal(o.level, ORDO_LEVEL_STANDARD);
    assert_true(o.residential);
    assert_int_equal(o.pickup_node, -1);
    assert_int_equal(o.ship_zip3, 100);
    assert_string_equal(o.state, "NY");
    /* 64 lines is the most an order may have */
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof json,
                                "{\"id\":\"big\",\"ship_to\":{\"zip\":\"10001\"},"
                                "\"lines\":[");
    const char *skus[] = {"SKU-TEE", "SKU-MUG", "SKU-LAMP", "SKU-CHAIR", "SKU-SOCKS"};
    for (int i = 0; i < 5; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"sku\":\"%s\",\"quantity\":%d}",
                              i ? "," : "", skus[i], 1000000 - i);
    snprintf(json + n, sizeof json - n, "]}");
    o = parse_ok(c, json);
    assert_int_equal(o.n_lines, 5);
    assert_int_equal(o.lines[0].quantity, 1000000);
}

static void test_pickup(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o = parse_ok(c, "{\"id\":\"p1\",\"service_level\":\"pickup\","
                                 "\"pickup_store\":\"store-chi\","
                                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}");
    assert_int_equal(o.level, ORDO_LEVEL_PICKUP);
    assert_int_equal(o.pickup_node, ordo_network_node(c->net, "store-chi"));
    assert_int_equal(o.ship_zip, 60601); /* the store's ZIP */
    assert_int_equal(o.ship_zip3, 606);
    assert_string_equal(o.state, "IL");
    o = parse_ok(c, "{\"id\":\"p2\",\"service_level\":\"pickup\",\"pickup_store\":\"store-nyc\","
                    "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}");
    assert_int_equal(o.pickup_node, ordo_network_node(c->net, "store-nyc"));
    /* a DC cannot be a pickup store */
    expect_error(c,
                 "{\"id\":\"p3\",\"service_level\":\"pickup\",\"pickup_store\":\"dc-nj\","
                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
                 ORDO_EINVAL, "pickup_store");
    expect_error(c,
                 "{\"id\":\"p4\",\"service_level\":\"pickup\",\"pickup_store\":\"store-xyz\","
                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
                 ORDO_ENOTFOUND, "pickup_store");
    expect_error(c,
                 "{\"id\":\"p5\",\"service_level\":\"pickup\","
                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
                 ORDO_EPARSE, "pickup_store");
    expect_error(c,
                 "{\"id\":\"p6\",\"service_level\":\"pickup\",\"pickup_store\":7,"
                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
                 ORDO_EPARSE, "pickup_store");
    /* a pickup store on a shipped order is a contradiction */
    expect_error(c,
                 "{\"id\":\"p7\",\"pickup_store\":\"store-chi\",\"ship_to\":{\"zip\":\"10001\"},"
                 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
                 ORDO_EINVAL, "pickup_store");
}

static void test_errors(void **state)
{
    ctx_t *c = *state;
#define SHIP "\"ship_to\":{\"zip\":\"10001\"}"
#define LINE1 "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]"
    static const struct {
        const char *json;
        int code;
        const char *field;
    } cases[] = {
        /* unknown SKU, named by its line */
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1},"
         "{\"sku\":\"SKU-HAT\",\"quantity\":1}]}",
         ORDO_ENOTFOUND, "lines[1].sku"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"quantity\":1}]}", ORDO_EPARSE, "lines[0].sku"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":5,\"quantity\":1}]}", ORDO_EPARSE,
         "lines[0].sku"},
        /* a repeated key is an error, not a silent choice of one value */
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1,"
         "\"quantity\":1000}]}",
         ORDO_EPARSE, "lines[0].quantity"},
        {"{\"id\":\"e\",\"id\":\"f\"," SHIP "," LINE1 "}", ORDO_EPARSE, "id"},
        /* quantities */
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":0}]}", ORDO_EINVAL,
         "lines[0].quantity"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":-2}]}", ORDO_EINVAL,
         "lines[0].quantity"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1.5}]}", ORDO_EINVAL,
         "lines[0].quantity"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":\"2\"}]}",
         ORDO_EINVAL, "lines[0].quantity"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\"}]}", ORDO_EINVAL,
         "lines[0].quantity"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1e7}]}", ORDO_EINVAL,
         "lines[0].quantity"},
        /* duplicate SKU lines */
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1},"
         "{\"sku\":\"SKU-MUG\",\"quantity\":1},{\"sku\":\"SKU-TEE\",\"quantity\":2}]}",
         ORDO_EEXIST, "lines[2].sku"},
        /* ZIPs */
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"00000\"}," LINE1 "}", ORDO_ENOTFOUND, "ship_to.zip"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"1000\"}," LINE1 "}", ORDO_EPARSE, "ship_to.zip"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":10001}," LINE1 "}", ORDO_EPARSE, "ship_to.zip"},
        {"{\"id\":\"e\",\"ship_to\":{}," LINE1 "}", ORDO_EPARSE, "ship_to.zip"},
        {"{\"id\":\"e\",\"ship_to\":\"10001\"," LINE1 "}", ORDO_EPARSE, "ship_to"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"10001\",\"residential\":\"yes\"}," LINE1 "}",
         ORDO_EPARSE, "ship_to.residential"},
        /* missing ship_to on a shipped order */
        {"{\"id\":\"e\"," LINE1 "}", ORDO_EPARSE, "ship_to"},
        {"{\"id\":\"e\",\"service_level\":\"express\"," LINE1 "}", ORDO_EPARSE, "ship_to"},
        /* unknown fields at every level */
        {"{\"id\":\"e\"," SHIP "," LINE1 ",\"gift\":true}", ORDO_EPARSE, "gift"},
        {"{\"id\":\"e\",\"customer\":{\"name\":\"x\"}," SHIP "," LINE1 "}", ORDO_EPARSE,
         "customer.name"},
        {"{\"id\":\"e\",\"ship_to\":{\"zip\":\"10001\",\"zip4\":\"1234\"}," LINE1 "}", ORDO_EPARSE,
         "ship_to.zip4"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1,\"qty\":1}]}",
         ORDO_EPARSE, "lines[0].qty"},
        /* other fields */
        {"{" SHIP "," LINE1 "}", ORDO_EPARSE, "id"},
        {"{\"id\":\"\"," SHIP "," LINE1 "}", ORDO_EPARSE, "id"},
        {"{\"id\":17," SHIP "," LINE1 "}", ORDO_EPARSE, "id"},
        {"{\"id\":\"e\",\"created\":\"yesterday\"," SHIP "," LINE1 "}", ORDO_EPARSE, "created"},
        {"{\"id\":\"e\",\"promise_date\":20261127," SHIP "," LINE1 "}", ORDO_EPARSE,
         "promise_date"},
        {"{\"id\":\"e\",\"channel\":5," SHIP "," LINE1 "}", ORDO_EPARSE, "channel"},
        {"{\"id\":\"e\",\"promotion\":[]," SHIP "," LINE1 "}", ORDO_EPARSE, "promotion"},
        {"{\"id\":\"e\",\"service_level\":\"same_day\"," SHIP "," LINE1 "}", ORDO_EPARSE,
         "service_level"},
        {"{\"id\":\"e\",\"customer\":[]," SHIP "," LINE1 "}", ORDO_EPARSE, "customer"},
        {"{\"id\":\"e\",\"customer\":{\"lifetime_value\":-1}," SHIP "," LINE1 "}", ORDO_EPARSE,
         "customer.lifetime_value"},
        {"{\"id\":\"e\",\"customer\":{\"cohort\":1}," SHIP "," LINE1 "}", ORDO_EPARSE,
         "customer.cohort"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[]}", ORDO_EPARSE, "lines"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":{}}", ORDO_EPARSE, "lines"},
        {"{\"id\":\"e\"," SHIP "}", ORDO_EPARSE, "lines"},
        {"{\"id\":\"e\"," SHIP ",\"lines\":[\"SKU-TEE\"]}", ORDO_EPARSE, "lines[0]"},
        /* not an order at all */
        {"", ORDO_EPARSE, ""},
        {"{\"id\":", ORDO_EPARSE, ""},
        {"[1,2]", ORDO_EPARSE, ""},
        {"{\"id\":\"e\"," SHIP "," LINE1 "} {\"id\":\"f\"}", ORDO_EPARSE, ""},
        {"{\"id\":\"e\"," SHIP "," LINE1 "} x", ORDO_EPARSE, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(c, cases[i].json, cases[i].code, cases[i].field);
    /* 65 lines are too many */
    char json[16384];
    size_t n = (size_t)snprintf(json, sizeof json, "{\"id\":\"big\"," SHIP ",\"lines\":[");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"sku\":\"SKU-TEE\",\"quantity\":1}",
                              i ? "," : "");
    snprintf(json + n, sizeof json - n, "]}");
    expect_error(c, json, ORDO_EPARSE, "lines");
#undef SHIP
#undef LINE1
}

static void test_write_roundtrip(void **state)
{
    ctx_t *c = *state;
    static const char *const orders[] = {
        FULL_ORDER,
        "{\"id\":\"p1\",\"service_level\":\"pickup\",\"pickup_store\":\"store-chi\","
        "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
        "{\"id\":\"q \\\"quoted\\\" \\u00e9\",\"ship_to\":{\"zip\":\"00601\"},"
        "\"customer\":{\"cohort\":\"new\"},\"lines\":[{\"sku\":\"SKU-CHAIR\",\"quantity\":4}]}",
    };
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        ordo_order_t a = parse_ok(c, orders[i]);
        ordo_buf_t buf;
        ordo_buf_init(&buf, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &buf, 0);
        ordo_order_write_json(&a, c->net, &w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        cJSON *v = cJSON_Parse(buf.data); /* valid JSON */
        assert_non_null(v);
        cJSON_Delete(v);
        ordo_order_t b = parse_ok(c, buf.data);
        assert_string_equal(a.id, b.id);
        assert_int_equal(a.created, b.created);
        assert_int_equal(a.promise, b.promise);
        assert_string_equal(a.customer_id, b.customer_id);
        assert_string_equal(a.cohort, b.cohort);
        assert_true(a.lifetime_value == b.lifetime_value);
        assert_int_equal(a.ship_zip, b.ship_zip);
        assert_int_equal(a.residential, b.residential);
        assert_string_equal(a.channel, b.channel);
        assert_string_equal(a.promotion, b.promotion);
        assert_int_equal(a.level, b.level);
        assert_int_equal(a.pickup_node, b.pickup_node);
        assert_int_equal(a.n_lines, b.n_lines);
        for (uint32_t k = 0; k < a.n_lines; k++) {
            assert_int_equal(a.lines[k].sku, b.lines[k].sku);
            assert_int_equal(a.lines[k].quantity, b.lines[k].quantity);
        }
        ordo_buf_free(&buf);
    }
}

static void test_ndjson_lines(void **state)
{
    ctx_t *c = *state;
    /* a batch: one order per line; each line is parsed as a slice of the
     * buffer (not NUL-terminated), as a batch reader does */
    const char *batch = "{\"id\":\"n1\",\"ship_to\":{\"zip\":\"10001\"},\"lines\":[{\"sku\":\"SKU-"
                        "TEE\",\"quantity\":1}]}\n"
                        "{\"id\":\"n2\",\"ship_to\":{\"zip\":\"90001\"},\"lines\":[{\"sku\":\"SKU-"
                        "MUG\",\"quantity\":2}]}\r\n"
                        "\n"
                        "{\"id\":\"n3\",\"service_level\":\"pickup\",\"pickup_store\":\"store-"
                        "nyc\",\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":3}]}\n";
    const char *p = batch;
    int n = 0;
    uint32_t qty_sum = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && !(len == 1 && p[0] == '\r')) {
            ordo_order_t o;
            ordo_error_t err;
            assert_int_equal(ordo_order_parse(p, len, c->net, c->arena, &o, &err), ORDO_OK);
            qty_sum += o.lines[0].quantity;
            n++;
        }
        p = nl ? nl + 1 : p + len;
    }
    assert_int_equal(n, 3);
    assert_int_equal(qty_sum, 6);
    /* a slice that stops inside an object is malformed even if the buffer
     * goes on */
    const char *two = "{\"id\":\"n1\",\"ship_to\":{\"zip\":\"10001\"},"
                      "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}";
    ordo_order_t o;
    ordo_error_t err;
    assert_int_equal(ordo_order_parse(two, strlen(two) - 1, c->net, c->arena, &o, &err),
                     ORDO_EPARSE);
}

static void test_from_cjson_and_arena(void **state)
{
    ctx_t *c = *state;
    cJSON *root = cJSON_Parse(FULL_ORDER);
    ordo_order_t o;
    ordo_error_t err;
    assert_int_equal(ordo_order_from_cjson(root, c->net, c->arena, &o, &err), ORDO_OK);
    cJSON_Delete(root); /* the order's strings live in the arena */
    assert_string_equal(o.id, "o-1001");
    assert_string_equal(o.cohort, "loyal");
    /* a reused arena stops allocating blocks */
    ordo_arena_t *a = ordo_arena_create(4096);
    size_t allocs = 0;
    for (int i = 0; i < 200; i++) {
        ordo_arena_reset(a);
        assert_int_equal(ordo_order_parse(FULL_ORDER, strlen(FULL_ORDER), c->net, a, &o, &err),
                         ORDO_OK);
        if (i == 0)
            allocs = ordo_arena_block_allocs(a);
    }
    assert_int_equal(ordo_arena_block_allocs(a), allocs);
    ordo_arena_destroy(a);
    /* service level names */
    ordo_service_level_t l;
    for (int i = 0; i < ORDO_LEVELS; i++) {
        assert_int_equal(
            ordo_service_level_parse(ordo_service_level_name((ordo_service_level_t)i), &l),
            ORDO_OK);
        assert_int_equal(l, i);
    }
    assert_int_equal(ordo_service_level_parse("Express", &l), ORDO_EINVAL);
    assert_string_equal(ordo_service_level_name(ORDO_LEVEL_PICKUP), "pickup");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_order),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_pickup),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_write_roundtrip),
        cmocka_unit_test(test_ndjson_lines),
        cmocka_unit_test(test_from_cjson_and_arena),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
