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
        cmocka_unit_test(test_format_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
