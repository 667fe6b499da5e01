/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/cbor_tree.c: ordo_cbor_to_tree's one-pass fast path
 * builds the tree the full decoder builds, node for node (type, count, key,
 * number bit for bit, string bytes), on decision records in ordo's
 * encoding and in other encoders' (tests/fixtures/cbor) and on 40,000
 * mutations of them, where both must also agree on failing; the writer's
 * own records always take the fast path. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/cbor_internal.h"
#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

#include "../fixtures/cbor/record_keys.h"
#include "cbor_fixture.h"


static void same_tree(const ordo_cbor_node_t *a, const ordo_cbor_node_t *b)
{
    for (; a || b; a = a->next, b = b->next) {
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->n, b->n);
        assert_true(!a->key == !b->key);
        if (a->key)
            assert_string_equal(a->key, b->key);
        assert_memory_equal(&a->num, &b->num, sizeof a->num);
        assert_int_equal(a->len, b->len);
        assert_true(!a->s == !b->s);
        if (a->s)
            assert_memory_equal(a->s, b->s, a->len + 1);
        same_tree(a->child, b->child);
    }
}

/* Both ways on p: the same result and the same tree; the fast path's rc. */
static int both(const void *p, size_t n, ordo_arena_t *fa, ordo_arena_t *sa)
{
    const ordo_cbor_node_t *fast = NULL, *slow = NULL;
    ordo_arena_reset(fa);
    ordo_arena_reset(sa);
    int frc = cbor_tree_fast(p, n, fa, &fast);
    ordo_cbor_tree_fast_off = true;
    int src = ordo_cbor_to_tree(p, n, sa, &slow, NULL);
    ordo_cbor_tree_fast_off = false;
    const ordo_cbor_node_t *whole = NULL;
    int wrc = ordo_cbor_to_tree(p, n, fa, &whole, NULL);
    assert_int_equal(wrc, src);
    if (frc == ORDO_OK) {
        assert_int_equal(src, ORDO_OK); /* never takes what the decoder refuses */
        same_tree(fast, slow);
    }
    if (src == ORDO_OK)
        same_tree(whole, slow);
    return frc;
}

static void test_fixtures(void **state)
{
    (void)state;
    ordo_arena_t *fa = ordo_arena_create(1 << 16), *sa = ordo_arena_create(1 << 16);
    for (size_t f = 0; f < NF; f++) {
        size_t n;
        char *data = load(files[f], &n);
        int rc = both(data, n, fa, sa);
        if (strstr(files[f], ".ordo."))
            assert_int_equal(rc, ORDO_OK); /* the writer's records: the fast path */
        free(data);
    }
    ordo_arena_destroy(fa);
    ordo_arena_destroy(sa);
}

/* Records written here: tables, repeated cells, string references past
 * 24 and 256 strings, text keys, negative and float numbers, NaN. */
static void test_written(void **state)
{
    (void)state;
    ordo_arena_t *fa = ordo_arena_create(1 << 16), *sa = ordo_arena_create(1 << 16);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    for (int shape = 0; shape < 3; shape++) {
        ordo_jsonw_t w;
        ordo_buf_reset(&b);
        ordo_jsonw_init_cbor(&w, &b);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "order_id", "O-1");
        ordo_jsonw_kdouble(&w, "not_a_key_of_the_table", -2.5);
        ordo_jsonw_kdouble(&w, "latency_ns", NAN);
        ordo_jsonw_key(&w, "atp");
        static const char *const cols[] = {"node", "sku", "atp"};
        ordo_jsonw_table_begin(&w, cols, 3);
        for (int r = 0; r < 40 + 300 * shape; r++) {
            char node[16], sku[24];
            snprintf(node, sizeof node, "DC-%03d", r % 7);
            snprintf(sku, sizeof sku, "SKU-%07d", r / (1 + shape));
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "node", node);
            ordo_jsonw_kstr(&w, "sku", sku);
            ordo_jsonw_kint(&w, "atp", r % 3 - 1);
            ordo_jsonw_obj_end(&w);
        }
        ordo_jsonw_table_end(&w);
        ordo_jsonw_key(&w, "plan");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kdouble(&w, "miles", 1e300 * shape);
        ordo_jsonw_kbool(&w, "fallback", shape == 1);
        ordo_jsonw_key(&w, "promise_date");
        ordo_jsonw_null(&w);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_obj_end(&w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        assert_int_equal(both(b.data, b.len, fa, sa), ORDO_OK);
    }
    ordo_buf_free(&b);
    ordo_arena_destroy(fa);
    ordo_arena_destroy(sa);
}

typedef struct arenas {
    ordo_arena_t *fast, *slow;
} arenas_t;

static bool fast_taken(const unsigned char *b, size_t n, void *ctx)
{
    arenas_t *a = ctx;
    return both(b, n, a->fast, a->slow) == ORDO_OK;
}

static void test_mutations(void **state)
{
    (void)state;
    arenas_t a = {ordo_arena_create(1 << 16), ordo_arena_create(1 << 16)};
    long fast = mutations(40000, fast_taken, &a);
    assert_true(fast > 1000 && 40000 - fast > 1000);
    ordo_arena_destroy(a.fast);
    ordo_arena_destroy(a.slow);
}

/* Every IEEE half (CBOR float16) as the readers take it, against the
 * standard's formula: (−1)^s · 2^(e−15) · (1 + m/1024), subnormals
 * 2^−14 · m/1024, e = 31 infinity or NaN; bit for bit, NaNs by their sign. */
static void test_half_floats(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
        double want = e == 0    ? ldexp(m / 1024.0, -14)
                      : e == 31 ? (m ? NAN : INFINITY)
                                : ldexp(1.0 + m / 1024.0, e - 15);
        want = s ? -want : want;
        double got = cbor_half_to_double((uint16_t)h);
        if (isnan(want)) {
            assert_true(isnan(got));
            assert_int_equal(!!signbit(got), !!signbit(want));
        } else {
            assert_memory_equal(&got, &want, sizeof got);
        }
    }
    assert_true(cbor_half_to_double(0x3c00) == 1.0 && cbor_half_to_double(0xc000) == -2.0);
    assert_true(cbor_half_to_double(0x7bff) == 65504.0 && cbor_half_to_double(0x0001) == 0x1p-24);
}

int main(void)
{
    register_record_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_written),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_half_floats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
