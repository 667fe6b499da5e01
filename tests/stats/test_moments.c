/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming accumulators against numpy on the same generated data
 * (tests/fixtures/stats/moments.txt), and merging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "ordo/stats.h"

/* splitmix64 of a counter, as splitmix_uniform() in
 * tools/fixtures/make_stats_fixtures.py */
static double su(uint64_t seed, uint64_t stream, uint64_t i)
{
    uint64_t z = (seed * 0x100000001B3ULL + stream * 0x9E3779B97F4A7C15ULL) +
                 (i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static void gen(uint64_t seed, uint64_t i, double mu, double sd, double *x, double *y)
{
    double g1 = (su(seed, 0, i) + su(seed, 1, i)) - 1.0;
    double g2 = (su(seed, 2, i) + su(seed, 3, i)) - 1.0;
    *y = mu + sd * g1;
    *x = (mu + sd * g2) + 0.5 * *y;
}

static void test_moments_fixture(void **state)
{
    (void)state;
    fx_file_t fx;
    assert_true(fx_open(&fx, "moments.txt"));
    fx_case_t c;
    int rc, n = 0;
    while ((rc = fx_next(&fx, &c)) == 1) {
        uint64_t seed = (uint64_t)c.in[0], count = (uint64_t)c.in[1];
        double mu = c.in[2], sd = c.in[3];
        ordo_moments_t m, parts[3];
        ordo_moments_init(&m);
        for (int p = 0; p < 3; p++)
            ordo_moments_init(&parts[p]);
        for (uint64_t i = 0; i < count; i++) {
            double x, y;
            gen(seed, i, mu, sd, &x, &y);
            ordo_moments_add2(&m, x, y);
            ordo_moments_add2(&parts[i % 3], x, y); /* shards, merged below */
        }
        ordo_moments_t merged = parts[0];
        ordo_moments_merge(&merged, &parts[1]);
        ordo_moments_merge(&merged, &parts[2]);
        const ordo_moments_t *ms[2] = {&m, &merged};
        for (int k = 0; k < 2; k++) {
            const ordo_moments_t *a = ms[k];
            assert_true(a->n == count);
            double got[5] = {ordo_moments_mean_x(a), ordo_moments_var_x(a), ordo_moments_mean_y(a), ordo_moments_var_y(a),
                             ordo_moments_cov(a)};
            /* means on the scale of sd, (co)variances relatively */
            double floors[5] = {sd, 1e-300, sd, 1e-300, sd * sd};
            for (int i = 0; i < 5; i++) {
                double e = fx_relerr(got[i], c.out[i], floors[i]);
                if (!(e <= 1e-10))
                    fail_msg("moments.txt:%d %s output %d = %.17g, want %.17g (rel %.3g)", c.line,
                             k ? "merged" : "sequential", i, got[i], c.out[i], e);
            }
        }
        n++;
    }
    assert_int_equal(rc, 0);
    fx_close(&fx);
    assert_true(n >= 5);
}

static void test_moments_basics(void **state)
{
    (void)state;
    ordo_moments_t m, e;
    ordo_moments_init(&m);
    ordo_moments_init(&e);
    assert_true(ordo_moments_var_x(&m) == 0.0);
    ordo_moments_add(&m, 3.0);
    assert_true(ordo_moments_var_x(&m) == 0.0); /* n = 1: no variance, no NaN */
    ordo_moments_add(&m, 5.0);
    assert_true(ordo_moments_mean_x(&m) == 4.0);
    assert_true(ordo_moments_mean_y(&m) == 0.0);
    assert_true(ordo_moments_var_x(&m) == 2.0);
    /* merging an empty accumulator either way is the identity */
    ordo_moments_t a = m;
    ordo_moments_merge(&a, &e);
    assert_memory_equal(&a, &m, sizeof a);
    ordo_moments_merge(&e, &m);
    assert_memory_equal(&e, &m, sizeof e);
    ordo_stats_arm_t arm = ordo_stats_arm_from_moments(&m);
    assert_true(arm.n == 2.0 && arm.mean == 4.0 && arm.var == 2.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_fixture),
        cmocka_unit_test(test_moments_basics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
