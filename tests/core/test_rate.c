/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/rate.c: billable weight (dimensional weight, rounding
 * up to the pound), rate-card bracket lookup, per-pound pricing beyond the
 * last bracket, surcharges, argument errors, and the transit-time CDF. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/network.h"

#define EPS 1e-9

/* A card whose prices say where they came from: rates[b][z-1] = 10 + 2b + z,
 * per_lb_over[z-1] = 0.5 + 0.1 z. Brackets ≤1, ≤2, ≤5, ≤10 lb. */
static void make_service(ordo_carrier_service_t *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "test_ground");
    s->n_brackets = 4;
    const double br[] = {1, 2, 5, 10};
    for (int b = 0; b < 4; b++) {
        s->bracket_max_lb[b] = br[b];
        for (int z = 1; z <= ORDO_ZONES; z++)
            s->rates[b][z - 1] = 10 + 2 * b + z;
    }
    for (int z = 1; z <= ORDO_ZONES; z++)
        s->per_lb_over[z - 1] = 0.5 + 0.1 * z;
    s->fuel_surcharge_pct = 10;
    s->residential_surcharge = 5.5;
    s->peak_surcharge = 1.25;
    s->n_peak = 1; /* what the parser makes of an older card's peak_surcharge */
    s->peak[0] = (ordo_peak_window_t){1101, 1231, 1.25, 0, 0};
    s->dim_divisor = 139;
    /* zone z: arrives on day z with 0.5, day z+1 with 0.5 */
    for (int z = 1; z <= ORDO_ZONES; z++) {
        s->transit[z - 1][z] = 0.5;
        s->transit[z - 1][z + 1] = 0.5;
    }
}

static ordo_rate_t rate(const ordo_carrier_service_t *s, int zone, double lb, double cubic)
{
    ordo_rate_t r;
    memset(&r, 0xff, sizeof r);
    int rc = ordo_rate_parcel(s, zone, lb, cubic, false, false, &r);
    if (rc != ORDO_OK)
        fail_msg("rate(zone %d, %g lb, %g in3) failed: %d", zone, lb, cubic, rc);
    return r;
}

static void test_billable_weight(void **state)
{
    (void)state;
    ordo_carrier_service_t s;
    make_service(&s);
    static const struct {
        double actual, cubic, billable;
    } cases[] = {
        {0.01, 0, 1}, /* minimum one pound */
        {0.4, 0, 1},
        {1.0, 0, 1}, /* exactly a pound stays a pound */
        {1.0001, 0, 2},
        {1.5, 0, 2},
        {2.0, 0, 2},
        {2.01, 0, 3},
        {9.99, 0, 10},
        /* dimensional weight: 12 x 12 x 12 = 1728 in³ / 139 = 12.43 → 13 */
        {3.0, 1728, 13},
        /* dimensional weight below actual: actual wins */
        {20.2, 1728, 21},
        /* 10 x 8 x 4 = 320 in³ → 2.30 lb dim vs 0.5 actual → 3 */
        {0.5, 320, 3},
        /* exactly 139 in³ is exactly 1 lb dim */
        {0.2, 139, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ordo_rate_t r = rate(&s, 5, cases[i].actual, cases[i].cubic);
        if (fabs(r.billable_lb - cases[i].billable) > EPS)
            fail_msg("case %zu: %g lb, %g in3 billed %g lb, want %g", i, cases[i].actual,
                     cases[i].cubic, r.billable_lb, cases[i].billable);
        assert_true(fabs(r.actual_lb - cases[i].actual) < EPS);
        assert_true(fabs(r.dim_lb - cases[i].cubic / 139) < EPS);
        assert_int_equal(r.zone, 5);
    }
    /* no divisor: no dimensional weight */
    s.dim_divisor = 0;
    ordo_rate_t r = rate(&s, 5, 3.0, 1728);
    assert_true(r.dim_lb == 0);
    assert_true(r.billable_lb == 3);
}

static void test_brackets_and_overweight(void **state)
{
    (void)state;
    ordo_carrier_service_t s;
    make_service(&s);
    for (int z = 1; z <= ORDO_ZONES; z++) {
        /* bracket b holds billable weights in (max[b-1], max[b]] */
        static const struct {
            double lb;
            int bracket;
        } in[] = {{0.5, 0}, {1, 0}, {1.2, 1}, {2, 1}, {3, 2}, {5, 2}, {6, 3}, {10, 3}};
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
            ordo_rate_t r = rate(&s, z, in[i].lb, 0);
            double want = 10 + 2 * in[i].bracket + z;
            if (fabs(r.base - want) > EPS)
                fail_msg("zone %d, %g lb: base %g, want %g", z, in[i].lb, r.base, want);
        }
        /* beyond the last bracket: last rate + per-lb for each extra pound */
        ordo_rate_t r = rate(&s, z, 10.2, 0); /* billed 11 */
        assert_true(fabs(r.base - (16 + z + (0.5 + 0.1 * z) * 1)) < EPS);
        r = rate(&s, z, 37, 0);
        assert_true(fabs(r.base - (16 + z + (0.5 + 0.1 * z) * 27)) < EPS);
        /* dimensional weight pushes into the overweight range too */
        r = rate(&s, z, 1, 1728); /* 13 lb billed */
        assert_true(fabs(r.base - (16 + z + (0.5 + 0.1 * z) * 3)) < EPS);
    }
    /* rates rise with weight and zone on this card */
    assert_true(rate(&s, 2, 3, 0).base < rate(&s, 8, 3, 0).base);
    assert_true(rate(&s, 8, 3, 0).base < rate(&s, 8, 30, 0).base);
}

static void test_surcharges(void **state)
{
    (void)state;
    ordo_carrier_service_t s;
    make_service(&s);
    ordo_rate_t r;
    /* zone 4, 4 lb → bracket ≤5: base 10 + 4 + 4 = 18 */
    assert_int_equal(ordo_rate_parcel(&s, 4, 4, 0, false, false, &r), ORDO_OK);
    assert_true(fabs(r.base - 18) < EPS);
    assert_true(fabs(r.fuel - 1.8) < EPS);
    assert_true(r.residential == 0 && r.peak == 0);
    assert_true(fabs(r.total - 19.8) < EPS);
    assert_int_equal(ordo_rate_parcel(&s, 4, 4, 0, true, false, &r), ORDO_OK);
    assert_true(fabs(r.residential - 5.5) < EPS);
    assert_true(fabs(r.total - 25.3) < EPS);
    assert_int_equal(ordo_rate_parcel(&s, 4, 4, 0, true, true, &r), ORDO_OK);
    assert_true(fabs(r.peak - 1.25) < EPS);
    assert_true(fabs(r.total - 26.55) < EPS);
    assert_int_equal(ordo_rate_parcel(&s, 4, 4, 0, false, true, &r), ORDO_OK);
    assert_true(fabs(r.total - 21.05) < EPS);
    assert_true(fabs(r.total - (r.base + r.fuel + r.residential + r.peak)) < EPS);
    /* fuel is a share of the base only, not of the other surcharges */
    s.fuel_surcharge_pct = 0;
    assert_int_equal(ordo_rate_parcel(&s, 4, 4, 0, true, true, &r), ORDO_OK);
    assert_true(r.fuel == 0);
    assert_true(fabs(r.total - (18 + 5.5 + 1.25)) < EPS);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ordo_carrier_service_t s;
    make_service(&s);
    ordo_rate_t r;
    assert_int_equal(ordo_rate_parcel(&s, 0, 1, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 13, 1, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, -3, 1, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, 0, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, -1, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, NAN, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, INFINITY, 0, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, 1, -1, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, 1, NAN, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 5, 1, INFINITY, false, false, &r), ORDO_EINVAL);
    assert_int_equal(ordo_rate_parcel(&s, 9, 1, 0, false, false, &r), ORDO_OK); /* zone 9 */
    assert_true(fabs(r.base - 19) < EPS);
    s.n_brackets = 0;
    assert_int_equal(ordo_rate_parcel(&s, 5, 1, 0, false, false, &r), ORDO_EINVAL);
}

static void test_transit_cdf(void **state)
{
    (void)state;
    ordo_carrier_service_t s;
    make_service(&s);
    for (int z = 1; z <= ORDO_ZONES; z++) {
        assert_true(ordo_transit_cdf(&s, z, z - 1) == 0);
        assert_true(fabs(ordo_transit_cdf(&s, z, z) - 0.5) < EPS);
        assert_true(fabs(ordo_transit_cdf(&s, z, z + 1) - 1) < EPS);
        assert_true(fabs(ordo_transit_cdf(&s, z, 1000) - 1) < EPS);
        double prev = 0;
        for (int d = 0; d < ORDO_TRANSIT_DAYS + 3; d++) {
            double p = ordo_transit_cdf(&s, z, d);
            assert_true(p >= prev && p <= 1);
            prev = p;
        }
    }
    assert_true(ordo_transit_cdf(&s, 3, -1) == 0);
    assert_true(ordo_transit_cdf(&s, 0, 5) == 0);
    assert_true(ordo_transit_cdf(&s, 13, 5) == 0);
    /* rounding in the sum never pushes the CDF above 1 */
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++)
        s.transit[0][d] = 0.1;
    assert_true(ordo_transit_cdf(&s, 1, ORDO_TRANSIT_DAYS - 1) == 1);
}

static void test_fixture_card(void **state)
{
    (void)state;
    /* the fixture's ground card carries the public calibration facts:
     * 1 lb ground is $11.32 in zone 2 and $14.17 in zone 8 */
    ordo_network_t *net = NULL;
    ordo_error_t err;
    assert_int_equal(
        ordo_network_load(ORDO_SOURCE_DIR "/tests/fixtures/core/net-small", NULL, &net, &err),
        ORDO_OK);
    const ordo_carrier_service_t *g = &net->services[ordo_network_service(net, "parcel_ground")];
    ordo_rate_t r;
    assert_int_equal(ordo_rate_parcel(g, 2, 0.8, 0, false, false, &r), ORDO_OK);
    assert_true(fabs(r.base - 11.32) < EPS);
    assert_int_equal(ordo_rate_parcel(g, 8, 1, 0, true, false, &r), ORDO_OK);
    assert_true(fabs(r.base - 14.17) < EPS);
    assert_true(fabs(r.total - (14.17 * 1.10 + 5.5)) < 1e-6);
    /* a 24 lb chair, 30 x 26 x 22 in: 17160 in³ / 139 = 123.45 → 124 lb
     * billed: 56.30 + 2.30 × (124 − 20) in zone 8 */
    assert_int_equal(ordo_rate_parcel(g, 8, 24, 30 * 26 * 22, false, false, &r), ORDO_OK);
    assert_true(fabs(r.billable_lb - 124) < EPS);
    assert_true(fabs(r.base - (56.30 + 2.30 * 104)) < 1e-6);
    /* transit: ground zone 3 arrives day 1 (0.3) or 2 (0.6) or 3 (0.1) */
    assert_true(fabs(ordo_transit_cdf(g, 3, 1) - 0.3) < 1e-9);
    assert_true(fabs(ordo_transit_cdf(g, 3, 2) - 0.9) < 1e-9);
    assert_true(fabs(ordo_transit_cdf(g, 3, 3) - 1.0) < 1e-9);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_billable_weight), cmocka_unit_test(test_brackets_and_overweight),
        cmocka_unit_test(test_surcharges),      cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_transit_cdf),     cmocka_unit_test(test_fixture_card),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
