/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/order_fast.c: the one-pass parse of an order's common
 * shape gives exactly the order the cJSON tree gives, and every text it
 * does not take (or that is invalid) is answered by the tree with the same
 * error. Thousands of generated orders (valid, unusual and invalid), each
 * with byte mutations, go through ordo_order_parse (fast path first) and
 * through the tree alone, and must agree field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../src/core/cjson_internal.h" /* ordo_order_parse_fast, the tree path */
#include "ordo/buf.h"
#include "ordo/order.h"
#include "ordo/util.h"

typedef struct {
    ordo_network_t *net;
    ordo_arena_t *arena;
    uint64_t rng;
    int fast, total;
} ctx_t;

static int setup(void **state)
{
    ctx_t *c = calloc(1, sizeof *c);
    ordo_error_t err;
    if (ordo_network_load(ORDO_SOURCE_DIR "/tests/fixtures/core/net-small", NULL, &c->net, &err))
        return -1;
    c->arena = ordo_arena_create(0);
    c->rng = 0x2545f4914f6cdd1dull;
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

static uint32_t rnd(ctx_t *c, uint32_t n)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return (uint32_t)(c->rng % n);
}

/* The tree path alone: what ordo_order_parse did before the fast path. */
static int tree_parse(ctx_t *c, const char *json, size_t len, ordo_order_t *o, ordo_error_t *err)
{
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, NULL, -1, &root, err);
    if (rc)
        return rc;
    rc = ordo_order_from_cjson(root, c->net, c->arena, o, err);
    cJSON_Delete(root);
    return rc;
}

/* Both paths on text: the same code, error and field, or the same order. */
static void compare(ctx_t *c, const char *text, size_t len)
{
    ordo_order_t a, b, f;
    ordo_error_t ea, eb;
    ordo_error_clear(&ea);
    ordo_error_clear(&eb);
    ordo_arena_reset(c->arena);
    c->fast += ordo_order_parse_fast(text, len, c->net, c->arena, &f);
    c->total++;
    int ra = ordo_order_parse(text, len, c->net, c->arena, &a, &ea);
    int rb = tree_parse(c, text, len, &b, &eb);
    if (ra != rb)
        fail_msg("rc %d (fast path) vs %d (tree) for\n%.*s", ra, rb, (int)len, text);
    if (ra) {
        assert_int_equal(ea.code, eb.code);
        assert_int_equal(ea.line, eb.line);
        assert_string_equal(ea.field, eb.field);
        assert_string_equal(ea.msg, eb.msg);
    } else {
        if (!ordo_order_equal(&a, &b))
            fail_msg("the two paths give different orders for\n%.*s", (int)len, text);
    }
}

static const char *pick(ctx_t *c, const char *const *v, size_t n)
{
    return v[rnd(c, (uint32_t)n)];
}
#define PICK(c, arr) pick(c, arr, sizeof arr / sizeof arr[0])

static const char *const ws_[] = {"", "", "", " ", "\n  ", "\t", "\r\n"};
static const char *const skus[] = {"SKU-TEE", "SKU-MUG", "SKU-LAMP", "SKU-CHAIR", "SKU-SOCKS",
                                   "SKU-TEE", "SKU-NOPE"};
static const char *const qtys[] = {"1", "2", "7", "1000000", "1000001", "0", "-1", "\"2\"",
                                   "2.5", "1e2", "3", "01", "2.0", "1", "12"};
static const char *const zips[] = {"02139", "10001", "60601", "94538", "10027", "99999",
                                   "00000", "abcde", "0213",  "75201", "30303"};

static void add_lines(ctx_t *c, ordo_buf_t *b)
{
    const char *w = PICK(c, ws_);
    uint32_t n = rnd(c, 9) == 0 ? 0 : 1 + rnd(c, 4);
    ordo_buf_printf(b, "\"lines\":%s[", w);
    for (uint32_t i = 0; i < n; i++) {
        const char *sku = rnd(c, 12) ? skus[rnd(c, 5)] : PICK(c, skus);
        const char *q = rnd(c, 5) ? qtys[rnd(c, 3)] : PICK(c, qtys);
        int order = (int)rnd(c, 2), extra = rnd(c, 30) == 0, miss = rnd(c, 40) == 0;
        ordo_buf_printf(b, "%s{%s", i ? "," : "", w);
        if (order)
            ordo_buf_printf(b, "\"quantity\":%s%s,", w, q);
        if (!miss)
            ordo_buf_printf(b, "\"sku\":%s\"%s\"", w, sku);
        else
            ordo_buf_printf(b, "\"skux\":\"%s\"", sku);
        if (!order)
            ordo_buf_printf(b, ",%s\"quantity\"%s:%s", w, w, q);
        if (extra)
            ordo_buf_printf(b, ",\"qty\":1");
        ordo_buf_printf(b, "%s}", w);
    }
    ordo_buf_printf(b, "%s]", w);
}

/* One top-level member, kind k, into b. */
static void add_member(ctx_t *c, ordo_buf_t *b, int k, int id)
{
    static const char *const times[] = {"2026-11-24T15:04:05Z", "2026-11-24", "bad",
                                        "2026-11-24T15:04:05+02:00"};
    static const char *const levels[] = {"standard", "express", "two_day", "overnight",
                                         "pickup", "bogus"};
    static const char *const ids[] = {"", "caf\xc3\xa9", "a\\u0041b", "a\\\"b", "x\x01y"};
    const char *w = PICK(c, ws_);
    switch (k) {
    case 0:
        if (rnd(c, 10))
            ordo_buf_printf(b, "\"id\":%s\"o-%d\"", w, id);
        else if (rnd(c, 6))
            ordo_buf_printf(b, "\"id\":\"%s\"", PICK(c, ids));
        else
            ordo_buf_printf(b, "\"id\":\"%0300d\"", id);
        return;
    case 1:
        ordo_buf_printf(b, "\"created\":%s\"%s\"", w, PICK(c, times));
        return;
    case 2:
        ordo_buf_printf(b, "\"promise_date\":\"%s\"", PICK(c, times));
        return;
    case 3:
        ordo_buf_printf(b, "\"channel\":\"%s\"", rnd(c, 2) ? "app" : "marketplace");
        return;
    case 4:
        ordo_buf_printf(b, "\"promotion\":%s", rnd(c, 8) ? "\"bogo\"" : "null");
        return;
    case 5:
        ordo_buf_printf(b, "\"service_level\":\"%s\"", PICK(c, levels));
        return;
    case 6:
        ordo_buf_printf(b, "\"ship_to\":{%s\"zip\":%s\"%s\"", w, w, rnd(c, 4) ? zips[rnd(c, 5)] : PICK(c, zips));
        if (rnd(c, 2))
            ordo_buf_printf(b, ",\"residential\":%s", rnd(c, 8) ? (rnd(c, 2) ? "true" : "false") : "1");
        ordo_buf_printf(b, "%s}", rnd(c, 25) ? "" : ",\"zipp\":1");
        return;
    case 7:
        ordo_buf_printf(b, "\"customer\":{\"id\":\"c-%d\"%s%s}", (int)rnd(c, 50),
                         rnd(c, 2) ? ",\"cohort\":\"new\"" : "",
                         rnd(c, 6) ? "" : ",\"lifetime_value\":12.5");
        return;
    case 8:
        add_lines(c, b);
        return;
    case 9:
        ordo_buf_printf(b, "\"pickup_store\":\"%s\"", rnd(c, 2) ? "store-chi" : "dc-nj");
        return;
    default:
        ordo_buf_printf(b, "\"idd\":1");
    }
}

/* An order: the usual members in a shuffled order, some left out, now and
 * then an unusual one or a repeat. */
static void gen_order(ctx_t *c, ordo_buf_t *b, int id)
{
    int ks[12], n = 0;
    ks[n++] = 0;
    ks[n++] = 8;
    ks[n++] = 6;
    for (int k = 1; k <= 7; k++)
        if (k != 6 && rnd(c, 3) == 0)
            ks[n++] = k;
    if (rnd(c, 20) == 0)
        ks[n++] = 9;
    if (rnd(c, 30) == 0)
        ks[n++] = 10;
    if (rnd(c, 30) == 0) { /* a repeated key */
        int r = ks[rnd(c, (uint32_t)n)];
        ks[n++] = r;
    }
    if (rnd(c, 25) == 0) { /* one left out */
        int at = (int)rnd(c, (uint32_t)n);
        n--;
        ks[at] = ks[n];
    }
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rnd(c, (uint32_t)i + 1), t = ks[i];
        ks[i] = ks[j];
        ks[j] = t;
    }
    ordo_buf_reset(b);
    ordo_buf_printf(b, "%s{", PICK(c, ws_));
    for (int i = 0; i < n; i++) {
        ordo_buf_printf(b, "%s%s", i ? "," : "", PICK(c, ws_));
        add_member(c, b, ks[i], id);
    }
    ordo_buf_printf(b, "%s}%s", PICK(c, ws_), rnd(c, 40) ? "" : " x");
}

static void mutate_and_compare(ctx_t *c, const ordo_buf_t *b)
{
    static const char bytes[] = "{}[]\":,\\ 0a9-e.\x01\xc3tfn";
    char t[4096];
    if (b->len >= sizeof t)
        return;
    for (int m = 0; m < 4; m++) {
        memcpy(t, b->data, b->len);
        size_t len = b->len, at = rnd(c, (uint32_t)len);
        if (m == 3) { /* a byte cut out */
            memmove(t + at, t + at + 1, len - at - 1);
            len--;
        } else {
            t[at] = bytes[rnd(c, sizeof bytes - 1)];
        }
        compare(c, t, len);
    }
}

static void test_paths_agree(void **state)
{
    ctx_t *c = *state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    int gen_fast = 0, n = 6000;
    for (int i = 0; i < n; i++) {
        gen_order(c, &b, i);
        int before = c->fast;
        compare(c, b.data, b.len);
        gen_fast += c->fast - before;
        mutate_and_compare(c, &b);
    }
    ordo_buf_free(&b);
    /* the fast path does take the common shape: a good share of the
     * generated texts (a bug that sends everything to the tree fails) */
    print_message("fast path: %d of %d generated orders, %d of %d texts with the mutations\n",
                  gen_fast, n, c->fast, c->total);
    assert_true(gen_fast * 10 > n);
    assert_true(gen_fast < n);
}

/* The shape `POST /v1/source` gets (bench/bench_serve.sh) takes the fast
 * path, and the order is the tree's. */
static void test_common_shapes_fast(void **state)
{
    ctx_t *c = *state;
    static const char *const texts[] = {
        "{\"id\":\"B1-x-1-1\",\"ship_to\":{\"zip\":\"10027\"},\"lines\":[{\"sku\":\"SKU-TEE\","
        "\"quantity\":1},{\"sku\":\"SKU-MUG\",\"quantity\":1}]}",
        "{\n  \"id\": \"o1\",\n  \"created\": \"2026-11-24T15:04:05Z\",\n  \"customer\": "
        "{\"id\": \"c9\", \"cohort\": \"vip\"},\n  \"ship_to\": {\"zip\": \"02139\", "
        "\"residential\": false},\n  \"channel\": \"app\",\n  \"service_level\": "
        "\"express\",\n  \"promotion\": \"bogo\",\n  \"lines\": [{\"quantity\": 3, \"sku\": "
        "\"SKU-LAMP\"}]\n}\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        ordo_order_t f;
        ordo_arena_reset(c->arena);
        assert_int_equal(ordo_order_parse_fast(texts[i], strlen(texts[i]), c->net, c->arena, &f),
                         1);
        compare(c, texts[i], strlen(texts[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_shapes_fast),
        cmocka_unit_test(test_paths_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
