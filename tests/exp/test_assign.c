/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/assign.c: bucket ranges, namespaces, holdouts and the
 * assigner, against fixtures made by the GrowthBook JavaScript SDK. */
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

#include "exp_fixture.h"
#include "ordo/exp.h"

static cJSON *load_json(const char *name)
{
    char *data = exp_fixture_read(name);
    assert_non_null(data);
    cJSON *j = cJSON_Parse(data);
    free(data);
    assert_non_null(j);
    return j;
}

static size_t read_weights(const cJSON *arr, double *w)
{
    size_t n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) w[n++] = x->valuedouble;
    return n;
}

/* The example, exactly as JavaScript computes it. */
static void test_ranges_example(void **state)
{
    (void)state;
    double w[3] = {0.2, 0.3, 0.5};
    ordo_exp_range_t r[3];
    assert_int_equal(ordo_exp_bucket_ranges(3, 0.2, w, 3, r, NULL), ORDO_OK);
    assert_true(r[0].start == 0.0 && fabs(r[0].end - 0.04) < 1e-15);
    assert_true(r[1].start == 0.2 && fabs(r[1].end - 0.26) < 1e-15);
    assert_true(r[2].start == 0.5 && fabs(r[2].end - 0.6) < 1e-15);
    assert_int_equal(ordo_exp_choose_arm(0.03, r, 3), 0);
    assert_int_equal(ordo_exp_choose_arm(0.0401, r, 3), -1);
    assert_int_equal(ordo_exp_choose_arm(0.2, r, 3), 1);
    assert_int_equal(ordo_exp_choose_arm(0.7, r, 3), -1);
    ordo_error_t err;
    assert_int_equal(ordo_exp_bucket_ranges(0, 1, NULL, 0, r, &err), ORDO_EINVAL);
    ordo_exp_range_t big[ORDO_EXP_MAX_ARMS + 1];
    assert_int_equal(ordo_exp_bucket_ranges(ORDO_EXP_MAX_ARMS + 1, 1, NULL, 0, big, &err),
                     ORDO_EINVAL);
    /* NaN coverage: nobody is in. A NaN weight: equal weights. */
    assert_int_equal(ordo_exp_bucket_ranges(2, NAN, NULL, 0, r, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_choose_arm(0.0, r, 2), -1);
    double nw[2] = {NAN, 0.5};
    assert_int_equal(ordo_exp_bucket_ranges(2, 1, nw, 2, r, NULL), ORDO_OK);
    assert_true(r[0].end == 0.5 && r[1].start == 0.5 && r[1].end == 1.0);
}

static void test_ranges_fixture(void **state)
{
    (void)state;
    cJSON *j = load_json("growthbook_ranges.json");
    const cJSON *c;
    size_t cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases"))
    {
        size_t n = (size_t)cJSON_GetObjectItem(c, "n_arms")->valueint;
        double coverage = cJSON_GetObjectItem(c, "coverage")->valuedouble;
        const cJSON *jw = cJSON_GetObjectItem(c, "weights");
        double w[ORDO_EXP_MAX_ARMS];
        size_t nw = cJSON_IsArray(jw) ? read_weights(jw, w) : 0;
        ordo_exp_range_t r[ORDO_EXP_MAX_ARMS];
        assert_int_equal(ordo_exp_bucket_ranges(n, coverage, nw ? w : NULL, nw, r, NULL), ORDO_OK);
        const cJSON *jr = cJSON_GetObjectItem(c, "ranges");
        assert_int_equal((size_t)cJSON_GetArraySize(jr), n);
        for (size_t i = 0; i < n; i++) {
            const cJSON *pair = cJSON_GetArrayItem(jr, (int)i);
            double s = cJSON_GetArrayItem(pair, 0)->valuedouble;
            double e = cJSON_GetArrayItem(pair, 1)->valuedouble;
            if (r[i].start != s || r[i].end != e)
                fail_msg("case %zu arm %zu: [%.17g, %.17g) but GrowthBook [%.17g, %.17g)", cases, i,
                         r[i].start, r[i].end, s, e);
        }
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "probes"))
        {
            double x = cJSON_GetArrayItem(p, 0)->valuedouble;
            int want = cJSON_GetArrayItem(p, 1)->valueint;
            assert_int_equal(ordo_exp_choose_arm(x, r, n), want);
        }
        cases++;
    }
    assert_true(cases >= 15);
    cJSON_Delete(j);
}

/* Every experiment × id of GrowthBook#run(): in/out, variation, bucket. */
static void test_assign_fixture(void **state)
{
    (void)state;
    cJSON *j = load_json("growthbook_assign.json");
    const cJSON *e;
    size_t checked = 0, in = 0, held = 0, outside_ns = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "experiments"))
    {
        const cJSON *x = cJSON_GetObjectItem(e, "experiment");
        ordo_exp_assign_spec_t spec = {0};
        spec.key = cJSON_GetObjectItem(x, "key")->valuestring;
        const cJSON *seed = cJSON_GetObjectItem(x, "seed");
        spec.seed = seed ? seed->valuestring : NULL;
        spec.hash_version = cJSON_GetObjectItem(x, "hashVersion")->valueint;
        spec.n_arms = (size_t)cJSON_GetObjectItem(x, "n")->valueint;
        double w[ORDO_EXP_MAX_ARMS];
        const cJSON *jw = cJSON_GetObjectItem(x, "weights");
        if (jw) {
            spec.n_weights = read_weights(jw, w);
            spec.weights = w;
        }
        const cJSON *cov = cJSON_GetObjectItem(x, "coverage");
        spec.coverage = cov ? cov->valuedouble : 1.0;
        const cJSON *ns = cJSON_GetObjectItem(x, "namespace");
        if (ns) {
            spec.namespace_name = cJSON_GetArrayItem(ns, 0)->valuestring;
            spec.namespace_start = cJSON_GetArrayItem(ns, 1)->valuedouble;
            spec.namespace_end = cJSON_GetArrayItem(ns, 2)->valuedouble;
        }
        ordo_exp_holdout_spec_t hs[ORDO_EXP_MAX_HOLDOUTS];
        const cJSON *jh = cJSON_GetObjectItem(x, "holdouts");
        const cJSON *h;
        cJSON_ArrayForEach(h, jh)
        {
            hs[spec.n_holdouts].seed = cJSON_GetObjectItem(h, "seed")->valuestring;
            hs[spec.n_holdouts].fraction = cJSON_GetObjectItem(h, "fraction")->valuedouble;
            hs[spec.n_holdouts].hash_version = cJSON_GetObjectItem(h, "hashVersion")->valueint;
            spec.n_holdouts++;
        }
        spec.holdouts = hs;
        ordo_exp_assigner_t a;
        ordo_error_t err;
        assert_int_equal(ordo_exp_assigner_init(&a, &spec, &err), ORDO_OK);

        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(e, "results"))
        {
            const char *id = cJSON_GetObjectItem(r, "id")->valuestring;
            bool want_in = cJSON_IsTrue(cJSON_GetObjectItem(r, "in_experiment"));
            int want_var = cJSON_GetObjectItem(r, "variation")->valueint;
            ordo_exp_assignment_t got;
            assert_int_equal(ordo_exp_assign(&a, id, strlen(id), &got, &err), ORDO_OK);
            if (got.in_experiment != want_in || got.arm != want_var)
                fail_msg("%s / \"%s\": in=%d arm=%d (%s), GrowthBook in=%d variation=%d", spec.key,
                         id, got.in_experiment, got.arm, ordo_exp_reason_name(got.reason), want_in,
                         want_var);
            if (want_in) {
                assert_true(got.bucket == cJSON_GetObjectItem(r, "bucket")->valuedouble);
                assert_int_equal(got.reason, ORDO_EXP_REASON_ASSIGNED);
                in++;
            }
            const cJSON *jho = cJSON_GetObjectItem(r, "held_out");
            if (cJSON_IsTrue(jho)) {
                assert_int_equal(got.reason, ORDO_EXP_REASON_HOLDOUT);
                assert_true(got.holdout >= 0);
                held++;
            }
            const cJSON *jns = cJSON_GetObjectItem(r, "in_namespace");
            if (jns && id[0]) {
                bool in_ns;
                assert_int_equal(ordo_exp_in_namespace(spec.namespace_name,
                                                       strlen(spec.namespace_name),
                                                       spec.namespace_start, spec.namespace_end, id,
                                                       strlen(id), &in_ns, NULL),
                                 ORDO_OK);
                assert_int_equal(in_ns, cJSON_IsTrue(jns));
                if (!in_ns && !cJSON_IsTrue(jho)) {
                    assert_int_equal(got.reason, ORDO_EXP_REASON_NAMESPACE);
                    outside_ns++;
                }
            }
            if (!id[0])
                assert_int_equal(got.reason, ORDO_EXP_REASON_MISSING_UNIT);
            checked++;
        }
    }
    assert_true(checked >= 1000);
    assert_true(in >= 300 && held >= 10 && outside_ns >= 50);
    cJSON_Delete(j);
}

static void make_id(char *buf, size_t size, const char *prefix, unsigned i)
{
    snprintf(buf, size, "%s-%07u", prefix, i);
}

/* Raising coverage never moves a unit to another arm. */
static void test_coverage_monotonic(void **state)
{
    (void)state;
    double w[3] = {0.2, 0.3, 0.5};
    ordo_exp_assigner_t lo, hi;
    ordo_exp_assign_spec_t spec = {
        .key = "mono", .n_arms = 3, .weights = w, .n_weights = 3, .coverage = 0.3};
    assert_int_equal(ordo_exp_assigner_init(&lo, &spec, NULL), ORDO_OK);
    spec.coverage = 0.9;
    assert_int_equal(ordo_exp_assigner_init(&hi, &spec, NULL), ORDO_OK);
    unsigned in_lo = 0, in_hi = 0;
    for (unsigned i = 0; i < 20000; i++) {
        char id[32];
        make_id(id, sizeof id, "cust", i);
        ordo_exp_assignment_t a, b;
        assert_int_equal(ordo_exp_assign(&lo, id, strlen(id), &a, NULL), ORDO_OK);
        assert_int_equal(ordo_exp_assign(&hi, id, strlen(id), &b, NULL), ORDO_OK);
        assert_true(a.bucket == b.bucket);
        if (a.in_experiment) {
            in_lo++;
            assert_true(b.in_experiment);
            assert_int_equal(a.arm, b.arm);
        } else {
            assert_int_equal(a.reason, ORDO_EXP_REASON_COVERAGE);
        }
        in_hi += b.in_experiment;
    }
    /* Coverage fractions, with a generous binomial margin (sd ≈ 0.003). */
    assert_true(fabs(in_lo / 20000.0 - 0.3) < 0.02);
    assert_true(fabs(in_hi / 20000.0 - 0.9) < 0.02);
}

/* Arm shares follow the weights (version 2 is unbiased). */
static void test_balance(void **state)
{
    (void)state;
    double w[3] = {0.2, 0.3, 0.5};
    ordo_exp_assigner_t a;
    ordo_exp_assign_spec_t spec = {.key = "balance",
                                   .hash_version = 2,
                                   .n_arms = 3,
                                   .weights = w,
                                   .n_weights = 3,
                                   .coverage = 1};
    assert_int_equal(ordo_exp_assigner_init(&a, &spec, NULL), ORDO_OK);
    unsigned count[3] = {0};
    const unsigned n = 60000;
    for (unsigned i = 0; i < n; i++) {
        char id[32];
        make_id(id, sizeof id, "ord", i);
        ordo_exp_assignment_t r;
        assert_int_equal(ordo_exp_assign(&a, id, strlen(id), &r, NULL), ORDO_OK);
        assert_true(r.in_experiment);
        count[r.arm]++;
    }
    for (int i = 0; i < 3; i++) /* sd ≤ 0.0021; 5 sd */
        assert_true(fabs(count[i] / (double)n - w[i]) < 0.011);
}

/* Two experiments on disjoint slices of one namespace never share a unit;
 * an experiment in another namespace (layer) overlaps both. */
static void test_namespace_exclusion(void **state)
{
    (void)state;
    ordo_exp_assigner_t x, y, z;
    ordo_exp_assign_spec_t spec = {.key = "x",
                                   .n_arms = 2,
                                   .coverage = 1,
                                   .namespace_name = "sourcing",
                                   .namespace_start = 0,
                                   .namespace_end = 0.4};
    assert_int_equal(ordo_exp_assigner_init(&x, &spec, NULL), ORDO_OK);
    spec.key = "y";
    spec.namespace_start = 0.4;
    spec.namespace_end = 1.0;
    assert_int_equal(ordo_exp_assigner_init(&y, &spec, NULL), ORDO_OK);
    spec.key = "z";
    spec.namespace_name = "carrier";
    spec.namespace_start = 0;
    spec.namespace_end = 0.5;
    assert_int_equal(ordo_exp_assigner_init(&z, &spec, NULL), ORDO_OK);
    unsigned nx = 0, ny = 0, xz = 0, yz = 0;
    for (unsigned i = 0; i < 20000; i++) {
        char id[32];
        make_id(id, sizeof id, "cust", i);
        ordo_exp_assignment_t a, b, c;
        assert_int_equal(ordo_exp_assign(&x, id, strlen(id), &a, NULL), ORDO_OK);
        assert_int_equal(ordo_exp_assign(&y, id, strlen(id), &b, NULL), ORDO_OK);
        assert_int_equal(ordo_exp_assign(&z, id, strlen(id), &c, NULL), ORDO_OK);
        assert_false(a.in_experiment && b.in_experiment);
        assert_true(a.in_experiment || b.in_experiment); /* the slices cover [0, 1) */
        nx += a.in_experiment;
        ny += b.in_experiment;
        xz += a.in_experiment && c.in_experiment;
        yz += b.in_experiment && c.in_experiment;
        if (!a.in_experiment)
            assert_int_equal(a.reason, ORDO_EXP_REASON_NAMESPACE);
    }
    /* Version-1 namespace hashes are biased (id + seed, % 1000), so only a
     * loose share check; independence of layers shows as overlap. */
    assert_true(fabs(nx / 20000.0 - 0.4) < 0.05);
    assert_int_equal(nx + ny, 20000); /* every id in exactly one of x, y */
    assert_true(xz > 2000 && yz > 4000);
}

/* A held-out unit is out of every experiment that lists the holdout. */
static void test_holdout(void **state)
{
    (void)state;
    ordo_exp_holdout_spec_t hold = {.seed = "global-holdout-2026", .fraction = 0.1};
    ordo_exp_assigner_t e1, e2;
    ordo_exp_assign_spec_t spec = {
        .key = "e1", .n_arms = 2, .coverage = 1, .holdouts = &hold, .n_holdouts = 1};
    assert_int_equal(ordo_exp_assigner_init(&e1, &spec, NULL), ORDO_OK);
    spec.key = "e2";
    spec.n_arms = 3;
    assert_int_equal(ordo_exp_assigner_init(&e2, &spec, NULL), ORDO_OK);
    unsigned held = 0;
    const unsigned n = 30000;
    for (unsigned i = 0; i < n; i++) {
        char id[32];
        make_id(id, sizeof id, "cust", i);
        ordo_exp_assignment_t a, b;
        assert_int_equal(ordo_exp_assign(&e1, id, strlen(id), &a, NULL), ORDO_OK);
        assert_int_equal(ordo_exp_assign(&e2, id, strlen(id), &b, NULL), ORDO_OK);
        double hv;
        assert_int_equal(ordo_exp_hash(hold.seed, strlen(hold.seed), id, strlen(id), 2, &hv, NULL),
                         ORDO_OK);
        bool want = hv < 0.1;
        assert_int_equal(a.reason == ORDO_EXP_REASON_HOLDOUT, want);
        assert_int_equal(b.reason == ORDO_EXP_REASON_HOLDOUT, want);
        assert_int_equal(a.in_experiment, !want);
        held += want;
    }
    assert_true(fabs(held / (double)n - 0.1) < 0.01);
}

static void test_unit_keys(void **state)
{
    (void)state;
    ordo_order_t o;
    memset(&o, 0, sizeof o);
    o.id = "ord-000000042";
    o.customer_id = "cust-0012345";
    strcpy(o.state, "CA");
    const char *k;
    size_t n;
    ordo_exp_unit_key(ORDO_EXP_UNIT_ORDER, &o, &k, &n);
    assert_string_equal(k, "ord-000000042");
    assert_int_equal(n, 13);
    ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &o, &k, &n);
    assert_string_equal(k, "cust-0012345");
    ordo_exp_unit_key(ORDO_EXP_UNIT_SWITCHBACK, &o, &k, &n);
    assert_string_equal(k, "CA");
    /* Every order of a customer gets the same arm. */
    ordo_exp_assigner_t a;
    ordo_exp_assign_spec_t spec = {.key = "cust-exp", .n_arms = 2, .coverage = 1};
    assert_int_equal(ordo_exp_assigner_init(&a, &spec, NULL), ORDO_OK);
    ordo_exp_assignment_t first, r;
    ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &o, &k, &n);
    assert_int_equal(ordo_exp_assign(&a, k, n, &first, NULL), ORDO_OK);
    o.id = "ord-000000043";
    ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &o, &k, &n);
    assert_int_equal(ordo_exp_assign(&a, k, n, &r, NULL), ORDO_OK);
    assert_int_equal(r.arm, first.arm);
    /* A guest (no customer id) is not in a customer-level experiment. */
    o.customer_id = "";
    ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &o, &k, &n);
    assert_int_equal(ordo_exp_assign(&a, k, n, &r, NULL), ORDO_OK);
    assert_false(r.in_experiment);
    assert_int_equal(r.reason, ORDO_EXP_REASON_MISSING_UNIT);
    assert_string_equal(ordo_exp_reason_name(r.reason), "missing_unit");
    ordo_exp_unit_kind_t kind;
    assert_int_equal(ordo_exp_unit_kind_parse("switchback", &kind), ORDO_OK);
    assert_int_equal(kind, ORDO_EXP_UNIT_SWITCHBACK);
    assert_int_equal(ordo_exp_unit_kind_parse("session", &kind), ORDO_EINVAL);
    assert_string_equal(ordo_exp_unit_kind_name(ORDO_EXP_UNIT_CUSTOMER), "customer");
}

static void test_init_errors(void **state)
{
    (void)state;
    ordo_exp_assigner_t a;
    ordo_error_t err;
    ordo_exp_assign_spec_t ok = {.key = "k", .n_arms = 2, .coverage = 1};
    ordo_exp_assign_spec_t s = ok;
    s.hash_version = 3;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "hash_version");
    s = ok;
    s.n_arms = 1;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "variants");
    s = ok;
    s.key = NULL;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    s.key = "";
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "seed");
    s = ok;
    s.seed = "bad\xC3";
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    char longseed[ORDO_EXP_SEED_MAX + 1];
    memset(longseed, 'x', sizeof longseed - 1);
    longseed[sizeof longseed - 1] = '\0';
    s.seed = longseed;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    s = ok;
    s.namespace_name = "ns";
    s.namespace_start = 0.6;
    s.namespace_end = 0.4;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "namespace");
    s.namespace_start = 0;
    s.namespace_end = 1.5;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    s = ok;
    ordo_exp_holdout_spec_t h = {.seed = "h", .fraction = 1.2};
    s.holdouts = &h;
    s.n_holdouts = 1;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "holdouts[0].fraction");
    h.fraction = 0.1;
    h.seed = "";
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "holdouts[0].seed");
    /* Runtime semantics: out-of-range coverage is clamped, not an error. */
    s = ok;
    s.coverage = 7;
    assert_int_equal(ordo_exp_assigner_init(&a, &s, &err), ORDO_OK);
    assert_true(a.ranges[1].end == 1.0);
    /* Invalid UTF-8 in a unit is an error, and the unit is not in. */
    ordo_exp_assignment_t r;
    assert_int_equal(ordo_exp_assign(&a, "\xFF", 1, &r, &err), ORDO_EINVAL);
    assert_false(r.in_experiment);
    assert_string_equal(err.field, "unit");
}

/* The batch call gives exactly the results of single calls. */
static void test_batch(void **state)
{
    (void)state;
    ordo_exp_holdout_spec_t hold = {.seed = "hold", .fraction = 0.05, .hash_version = 1};
    double w[3] = {0.2, 0.3, 0.5};
    for (int version = 1; version <= 2; version++) {
        ordo_exp_assign_spec_t spec = {.key = "batch",
                                       .hash_version = version,
                                       .n_arms = 3,
                                       .weights = w,
                                       .n_weights = 3,
                                       .coverage = 0.8,
                                       .namespace_name = "layer",
                                       .namespace_start = 0.1,
                                       .namespace_end = 0.9,
                                       .holdouts = &hold,
                                       .n_holdouts = 1};
        ordo_exp_assigner_t a;
        assert_int_equal(ordo_exp_assigner_init(&a, &spec, NULL), ORDO_OK);
        enum { N = 1003 };
        static char bufs[N][48];
        const char *ids[N];
        size_t lens[N];
        const char *exotic[] = {"ü", "日本", "😀", "", "a", "Zürich-ß"};
        for (unsigned i = 0; i < N; i++) {
            if (i % 17 == 0)
                snprintf(bufs[i], sizeof bufs[i], "%s", exotic[(i / 17) % 6]);
            else if (i % 5 == 0)
                snprintf(bufs[i], sizeof bufs[i], "cust-%07u-%s", i, exotic[i % 3]);
            else
                snprintf(bufs[i], sizeof bufs[i], "%s-%0*u", i % 2 ? "cust" : "order",
                         (int)(i % 11), i);
            ids[i] = bufs[i];
            lens[i] = strlen(bufs[i]);
        }
        static ordo_exp_assignment_t out[N];
        assert_int_equal(ordo_exp_assign_batch(&a, ids, lens, N, out, NULL), ORDO_OK);
        for (unsigned i = 0; i < N; i++) {
            ordo_exp_assignment_t one;
            assert_int_equal(ordo_exp_assign(&a, ids[i], lens[i], &one, NULL), ORDO_OK);
            assert_int_equal(out[i].in_experiment, one.in_experiment);
            assert_int_equal(out[i].arm, one.arm);
            assert_int_equal(out[i].reason, one.reason);
            assert_int_equal(out[i].holdout, one.holdout);
            assert_true(out[i].bucket == one.bucket);
        }
        /* An invalid key stops the batch with an error. */
        ids[500] = "\xC3";
        lens[500] = 1;
        ordo_error_t err;
        assert_int_equal(ordo_exp_assign_batch(&a, ids, lens, N, out, &err), ORDO_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_example), cmocka_unit_test(test_ranges_fixture),
        cmocka_unit_test(test_assign_fixture), cmocka_unit_test(test_coverage_monotonic),
        cmocka_unit_test(test_balance),        cmocka_unit_test(test_namespace_exclusion),
        cmocka_unit_test(test_holdout),        cmocka_unit_test(test_unit_keys),
        cmocka_unit_test(test_init_errors),    cmocka_unit_test(test_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
