/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/cbor_pick.c: the values ordo_cbor_pick takes out of a
 * record are those ordo_cbor_to_tree + ordo_cbor_get give (first member of
 * each key), on decision records in ordo's encoding and in other encoders'
 * (tests/fixtures/cbor), and on 30,000 mutations of them: whenever the pick
 * succeeds, the tree decodes and agrees; the writer's own records are
 * always picked. Also ordo_json_format_double's short-decimal path against
 * the %.15g/%.16g/%.17g rule it replaces. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

#include "../fixtures/cbor/cbor_path.h"
#include "../fixtures/cbor/record_keys.h"
#include "cbor_fixture.h"


static const char *const paths[] = {
    "timestamp", "order_id", "policy.name", "policy.version", "experiment", "variant",
    "plan.status", "bucket", "excluded", "fallback", "plan.totals.shipments",
    "plan.totals.units", "plan.totals.cost.total", "plan.totals.cost.pick",
    "plan.totals.cost.economic", "plan.totals.cost.economic.total",
    "plan.totals.cost.carrying_relief", "plan.totals.on_time_prob", "plan.backorders",
    "plan.shipments", "latency_ns", "order", "order.id", "order.lines", "atp", "plan.explain",
    "plan.totals", "record_version"};
#define NP (sizeof paths / sizeof *paths)

/* Picks and the tree agree on every path; the number of paths found. */
static int agree(const ordo_cbor_node_t *root, const ordo_cbor_pick_t *p)
{
    int found = 0;
    for (size_t i = 0; i < NP; i++) {
        const ordo_cbor_node_t *v = at_path(root, paths[i]);
        if (!v) {
            assert_false(p[i].found);
            continue;
        }
        found++;
        assert_true(p[i].found);
        assert_int_equal(p[i].type, v->type);
        if (v->type == ORDO_CBOR_NUMBER)
            assert_true(p[i].num == v->num);
        if (v->type == ORDO_CBOR_STRING) {
            assert_int_equal(p[i].len, v->len);
            assert_memory_equal(p[i].s, v->s, v->len);
        }
        if (v->type == ORDO_CBOR_ARRAY || v->type == ORDO_CBOR_OBJECT)
            assert_int_equal(p[i].n, v->n);
    }
    return found;
}

static void test_fixtures_agree(void **state)
{
    (void)state;
    ordo_cbor_picker_t *pk;
    assert_int_equal(ordo_cbor_picker_new(paths, NP, &pk), ORDO_OK);
    ordo_cbor_pick_t p[NP];
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    for (size_t f = 0; f < NF; f++) {
        size_t n;
        char *data = load(files[f], &n);
        const ordo_cbor_node_t *root;
        ordo_arena_reset(arena);
        assert_int_equal(ordo_cbor_to_tree(data, n, arena, &root, NULL), ORDO_OK);
        int rc = ordo_cbor_pick(pk, data, n, p);
        if (strstr(files[f], ".ordo."))
            assert_int_equal(rc, ORDO_OK); /* the writer's records are always picked */
        if (rc == ORDO_OK) {
            int found = agree(root, p);
            if (!strncmp(files[f], "decision", 8))
                assert_true(found >= 12);
        }
        free(data);
    }
    ordo_arena_destroy(arena);
    ordo_cbor_picker_free(pk);
}

typedef struct pick_ctx {
    ordo_cbor_picker_t *pk;
    ordo_cbor_pick_t p[NP];
    ordo_arena_t *arena;
} pick_ctx_t;

/* A mutated record: picked (true) only where the tree decodes, and then
 * the picks agree with it. */
static bool picked(const unsigned char *b, size_t n, void *ctx)
{
    pick_ctx_t *c = ctx;
    const ordo_cbor_node_t *root;
    ordo_arena_reset(c->arena);
    int trc = ordo_cbor_to_tree(b, n, c->arena, &root, NULL);
    if (ordo_cbor_pick(c->pk, b, n, c->p) != ORDO_OK)
        return false;
    assert_int_equal(trc, ORDO_OK); /* never picks what the decoder refuses */
    if (root->type == ORDO_CBOR_OBJECT)
        agree(root, c->p);
    return true;
}

static void test_mutations(void **state)
{
    (void)state;
    pick_ctx_t c;
    assert_int_equal(ordo_cbor_picker_new(paths, NP, &c.pk), ORDO_OK);
    c.arena = ordo_arena_create(1 << 16);
    long n = mutations(30000, picked, &c);
    assert_true(n > 1000 && 30000 - n > 1000);
    ordo_arena_destroy(c.arena);
    ordo_cbor_picker_free(c.pk);
}

/* A text string of n bytes ("s<i>" padded with 'x') in CBOR at o. */
static size_t put_text(unsigned char *o, int i, size_t n)
{
    size_t h = n < 24 ? 1 : 2;
    o[0] = n < 24 ? (unsigned char)(0x60 + n) : 0x78;
    if (h == 2)
        o[1] = (unsigned char)n;
    char s[64];
    int k = snprintf(s, sizeof s, "s%d", i);
    memset(s + k, 'x', sizeof s - (size_t)k);
    memcpy(o + h, s, n);
    return h + n;
}

/* The string numbering across its thresholds (3 bytes below 24 numbered
 * strings, 4 below 256, 5 after), strings with a one-byte length, and
 * nested indefinite maps and arrays in a skipped member: a reference to
 * every number picks what the tree gives, and one past the last is
 * refused by both. */
static void test_many_strings(void **state)
{
    (void)state;
    pick_ctx_t c;
    assert_int_equal(ordo_cbor_picker_new(paths, NP, &c.pk), ORDO_OK);
    c.arena = ordo_arena_create(1 << 20);
    static unsigned char b[32768];
    size_t n = 0, numbered = 0;
    memcpy(b, "\xd9\x01\x00\xbf\x65order\x9f", 11); /* tag 256, {"order": [ */
    n = 11;
    numbered++; /* "order" */
    for (int i = 0; i < 400; i++) {
        size_t len = 2 + (size_t)(i * 7 % 29); /* 2..30 */
        if (i % 50 == 10) { /* [{"node": "..."}] */
            memcpy(b + n, "\x9f\xbf\x64node", 7);
            n += 7;
            numbered += numbered < 256; /* 4 bytes: numbered below 256 only */
        }
        numbered += len >= (numbered < 24 ? 3u : numbered < 256 ? 4u : 5u);
        n += put_text(b + n, i, len);
        if (i % 50 == 10) {
            memcpy(b + n, "\xff\xff", 2);
            n += 2;
        }
    }
    b[n++] = 0xff;
    memcpy(b + n, "\x68order_id", 9); /* "order_id": */
    n += 9;
    numbered++;
    for (size_t t = 0; t <= numbered; t += t < 30 || t + 30 > numbered ? 1 : 7) {
        size_t m = n;
        b[m++] = 0xd8; /* tag 25: a reference to string t */
        b[m++] = 25;
        if (t < 24) {
            b[m++] = (unsigned char)t;
        } else if (t < 256) {
            b[m++] = 0x18;
            b[m++] = (unsigned char)t;
        } else {
            b[m++] = 0x19;
            b[m++] = (unsigned char)(t >> 8);
            b[m++] = (unsigned char)t;
        }
        b[m++] = 0xff;
        bool ok = picked(b, m, &c);
        assert_true(ok == (t < numbered));
        if (ok)
            assert_true(c.p[1].found && c.p[1].type == ORDO_CBOR_STRING && c.p[1].len >= 3);
    }
    ordo_arena_destroy(c.arena);
    ordo_cbor_picker_free(c.pk);
}

static void test_bad_paths(void **state)
{
    (void)state;
    ordo_cbor_picker_t *pk;
    const char *empty[] = {""};
    assert_int_equal(ordo_cbor_picker_new(empty, 1, &pk), ORDO_EINVAL);
    const char *deep[] = {"a.b.c.d.e.f.g"};
    assert_int_equal(ordo_cbor_picker_new(deep, 1, &pk), ORDO_EUNSUPPORTED);
}

/* The rule the short-decimal path replaces. */
static int reference(double v, char *buf)
{
    if (fabs(v) < 1e15 && v == (double)(long long)v)
        return snprintf(buf, 32, "%lld", (long long)v);
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return n;
    }
    return snprintf(buf, 32, "%.17g", v);
}

static void check_format(double v)
{
    char a[40], b[40];
    int na = ordo_json_format_double(v, a), nb = reference(v, b);
    if (na != nb || strcmp(a, b))
        fail_msg("%.17g: got %s, want %s", v, a, b);
}

static void test_format_double(void **state)
{
    (void)state;
    static const double fixed[] = {1e-4, -1e-4, 9.9999e-5, 0.1, 0.2, 0.3, 0.1 + 0.2, 1.5, 34.3679,
                                   -0.7345, 0.9987, 99999999999999.9, 999999999999999.0,
                                   123456789.12345678, 0.00012345678, 1e15 - 0.5, 5e-5,
                                   2.675, 1.005, 1234.5678, 0.30000000000000004,
                                   999999999.9999, 1e9 - 1e-4, 1e9 + 0.5, 0.5, 7.25, 100.001,
                                   0.0001, 0.00015, 12.3, 12.30001, 0.1 + 0.7};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        check_format(fixed[i]);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    for (int i = 0; i < 200000; i++) {
        int k = (int)ordo_rng_below(&rng, 10);
        double m = (double)ordo_rng_below(&rng, 1000000000000ull);
        double v = m / pow(10, k) * (ordo_rng_below(&rng, 2) ? -1 : 1);
        check_format(v);
        check_format(v * (1 + 1e-15));
        uint64_t bits = ordo_rng_next(&rng);
        double r;
        memcpy(&r, &bits, 8);
        if (isfinite(r) && r != 0)
            check_format(r);
        /* the 4-place probe: small mantissas, up to 8 places, and near misses */
        double s = (double)ordo_rng_below(&rng, 100000000) / pow(10, (int)ordo_rng_below(&rng, 9));
        check_format(s);
        check_format(nextafter(s, 0));
        check_format(nextafter(s, 1e300));
    }
}

int main(void)
{
    register_record_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_agree),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_many_strings),
        cmocka_unit_test(test_format_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
