/* SPDX-License-Identifier: Apache-2.0 */
/* tests for carriers as they are, on a generated network's rate cards
 * (src/core/generate.c, src/core/rate.c, src/core/geo.c): list prices,
 * weight and size limits with freight beyond them, each carrier's
 * dimensional-weight rule, handling and large-package surcharges, dated peak
 * windows, and the rate zones of Alaska, Hawaii and PR/VI; an older
 * 9-column card still loads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/network.h"

static ordo_network_t *net;

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/ordo-carriers-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    ordo_generate_options_t o = {.dcs = 2, .stores = 2, .dropshippers = 1, .skus = 50, .seed = 3};
    ordo_error_t err;
    if (ordo_network_generate(&o, NULL, dir, &err) || ordo_network_load(dir, NULL, &net, &err))
        return -1;
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ordo_network_destroy(net);
    return 0;
}

static const ordo_carrier_service_t *svc(const char *id)
{
    int32_t i = ordo_network_service(net, id);
    if (i < 0)
        fail_msg("no service %s", id);
    return &net->services[i];
}

static ordo_rate_t price(const char *id, int zone, double lb, double l, double w, double h,
                         int peak_md, int want_rc)
{
    ordo_parcel_t p = {lb, l * w * h, {l, w, h}};
    ordo_rate_t r;
    int rc = ordo_rate_package(svc(id), zone, &p, true, peak_md, &r);
    if (rc != want_rc)
        fail_msg("%s zone %d %g lb %gx%gx%g: rc %d, want %d", id, zone, lb, l, w, h, rc, want_rc);
    return r;
}

/* 1 lb ground: 2025 list prices are about $10.5-12 at zone 2 and $13.5-15.5
 * at zone 8 before fuel and residential surcharges */
static void test_list_prices(void **state)
{
    (void)state;
    ordo_rate_t z2 = price("parcel_ground", 2, 1, 6, 4, 3, 0, ORDO_OK);
    ordo_rate_t z8 = price("parcel_ground", 8, 1, 6, 4, 3, 0, ORDO_OK);
    assert_true(z2.base >= 10.5 && z2.base <= 12.0);
    assert_true(z8.base >= 13.5 && z8.base <= 15.5);
    /* with fuel and the residential surcharge, as a shipper pays */
    assert_true(z2.total >= 17 && z2.total <= 21);
    assert_true(z8.total >= 20 && z8.total <= 25);
    assert_true(z2.handling == 0 && z2.peak == 0);
}

/* 165 lb: over the parcel (150) and postal (70) limits; freight carries it */
static void test_weight_limits(void **state)
{
    (void)state;
    ordo_rate_t r = price("postal_ground", 5, 165, 30, 24, 20, 0, ORDO_ERANGE);
    assert_string_equal(r.over, "weight");
    r = price("parcel_ground", 5, 165, 30, 24, 20, 0, ORDO_ERANGE);
    assert_string_equal(r.over, "weight");
    price("postal_ground", 5, 71, 10, 10, 10, 0, ORDO_ERANGE);
    price("postal_ground", 5, 70, 10, 10, 10, 0, ORDO_OK);
    price("parcel_ground", 5, 150, 20, 20, 20, 0, ORDO_OK);
    r = price("ltl_freight", 5, 165, 30, 24, 20, 0, ORDO_OK);
    /* per hundredweight with a minimum charge, residential and liftgate */
    const ordo_carrier_service_t *f = svc("ltl_freight");
    assert_true(r.base >= f->min_charge && r.base >= 1.65 * f->rates[0][4] - 1e-9);
    assert_true(r.residential >= f->residential_surcharge + f->liftgate_surcharge - 1e-9);
    assert_true(r.dim_lb == 0 && r.billable_lb == 165);
    /* 1,200 lb: a lower weight break */
    ordo_rate_t big = price("ltl_freight", 5, 1200, 48, 40, 40, 0, ORDO_OK);
    assert_true(fabs(big.base - 12 * f->rates[2][4]) < 1e-6);
    /* size: 166 in of length + girth is beyond the parcel limit of 165 */
    r = price("parcel_ground", 5, 40, 60, 26, 27, 0, ORDO_ERANGE);
    assert_string_equal(r.over, "length + girth");
    r = price("parcel_ground", 5, 40, 109, 10, 10, 0, ORDO_ERANGE);
    assert_string_equal(r.over, "length");
    r = price("postal_ground", 5, 20, 40, 23, 23, 0, ORDO_ERANGE); /* 132 in */
    assert_string_equal(r.over, "length + girth");
}

/* dimensional weight by each carrier's rule */
static void test_dim_weight(void **state)
{
    (void)state;
    ordo_rate_t p = price("parcel_ground", 5, 5, 20, 20, 20, 0, ORDO_OK);
    ordo_rate_t u = price("postal_ground", 5, 5, 20, 20, 20, 0, ORDO_OK);
    assert_true(p.billable_lb == 58); /* 8000 / 139 = 57.55 */
    assert_true(u.billable_lb == 49); /* 8000 / 166 = 48.19 */
    /* half a cubic foot: no dimensional weight at postal, 7 lb at parcel */
    u = price("postal_ground", 5, 2, 12, 12, 6, 0, ORDO_OK);
    assert_true(u.dim_lb == 0 && u.billable_lb == 2);
    p = price("parcel_ground", 5, 2, 12, 12, 6, 0, ORDO_OK);
    assert_true(p.billable_lb == 7);
    /* exactly one cubic foot is not above the threshold */
    u = price("postal_ground", 5, 2, 12, 12, 12, 0, ORDO_OK);
    assert_true(u.dim_lb == 0);
    u = price("postal_ground", 5, 2, 12, 12, 12.5, 0, ORDO_OK);
    assert_true(u.billable_lb == 11); /* 1800 / 166 = 10.8 */
}

static void test_handling(void **state)
{
    (void)state;
    const ordo_carrier_service_t *g = svc("parcel_ground");
    ordo_rate_t r = price("parcel_ground", 5, 55, 20, 16, 12, 0, ORDO_OK); /* > 50 lb */
    assert_true(r.handling > 25 && r.handling == g->ahs_weight_amount);
    r = price("parcel_ground", 5, 10, 50, 10, 10, 0, ORDO_OK); /* longest > 48 in */
    assert_true(r.handling > 15 && r.handling == g->ahs_amount);
    r = price("parcel_ground", 5, 10, 35, 31, 5, 0, ORDO_OK); /* second > 30 in */
    assert_true(r.handling == g->ahs_amount);
    r = price("parcel_ground", 5, 10, 30, 20, 5, 0, ORDO_OK);
    assert_true(r.handling == 0);
    /* large package: 132 in of length + girth, billed at least 90 lb */
    r = price("parcel_ground", 5, 30, 50, 20, 21, 0, ORDO_OK);
    assert_true(r.handling >= 200 && r.billable_lb >= 90);
    /* fuel applies to the surcharge too */
    assert_true(fabs(r.fuel - (r.base + r.handling) * g->fuel_surcharge_pct / 100) < 1e-9);
    assert_true(fabs(r.total - (r.base + r.fuel + r.residential + r.peak + r.handling)) < 1e-9);
}

static void test_peak_windows(void **state)
{
    (void)state;
    ordo_rate_t dec = price("parcel_ground", 5, 1, 6, 4, 3, 1210, ORDO_OK);
    ordo_rate_t mar = price("parcel_ground", 5, 1, 6, 4, 3, 310, ORDO_OK);
    ordo_rate_t jan = price("parcel_ground", 5, 1, 6, 4, 3, 110, ORDO_OK);
    assert_true(dec.peak >= 0.30 && dec.peak <= 1.50);
    assert_true(mar.peak == 0);
    assert_true(jan.peak > 0); /* a window across the new year */
    assert_true(price("postal_ground", 5, 1, 8, 6, 4, 1210, ORDO_OK).peak > 0);
    assert_true(price("postal_ground", 5, 1, 8, 6, 4, 310, ORDO_OK).peak == 0);
    /* higher for a parcel with additional handling */
    ordo_rate_t heavy = price("parcel_ground", 5, 55, 20, 16, 12, 1210, ORDO_OK);
    assert_true(heavy.peak > dec.peak + 5);
}

/* Honolulu 968, Anchorage 995, San Juan 009 from New York 100 */
static void test_far_zones(void **state)
{
    (void)state;
    const ordo_geo_t *g = net->geo;
    assert_int_equal(ordo_geo_rate_zone(g, 100, 968), 11);
    assert_int_equal(ordo_geo_rate_zone(g, 100, 995), 10);
    assert_int_equal(ordo_geo_rate_zone(g, 100, 9), 12);
    assert_int_equal(ordo_geo_rate_zone(g, 100, 969), 9);
    assert_int_equal(ordo_geo_rate_zone(g, 968, 100), 11);
    assert_int_equal(ordo_geo_rate_zone(g, 968, 967), 1); /* within Hawaii */
    assert_int_equal(ordo_geo_rate_zone(g, 100, 900), 8);
    assert_int_equal(ordo_geo_zone(g, 100, 968), 8); /* the USPS chart's zone */
    const char *ids[] = {"parcel_ground", "parcel_two_day", "postal_ground", "ltl_freight"};
    for (size_t i = 0; i < 4; i++) {
        double w = i == 3 ? 300 : 2;
        double z8 = price(ids[i], 8, w, 10, 8, 6, 0, ORDO_OK).total;
        for (int z = 10; z <= 12; z++)
            if (!(price(ids[i], z, w, 10, 8, 6, 0, ORDO_OK).total > z8))
                fail_msg("%s zone %d not above zone 8", ids[i], z);
        if (i == 0 || i == 3) /* ground and freight go by sea or air: slower */
            assert_true(ordo_transit_cdf(svc(ids[i]), 11, 5) <
                        ordo_transit_cdf(svc(ids[i]), 8, 5));
    }
}

/* an older card (9 columns) loads: zones 10-12 are its zone 8 */
static void test_legacy_card(void **state)
{
    (void)state;
    ordo_network_t *old = NULL;
    ordo_error_t err;
    assert_int_equal(
        ordo_network_load(ORDO_SOURCE_DIR "/tests/fixtures/core/net-small", NULL, &old, &err),
        ORDO_OK);
    const ordo_carrier_service_t *s = &old->services[0];
    for (int z = 10; z <= 12; z++) {
        assert_true(s->rates[0][z - 1] == s->rates[0][7]);
        assert_true(s->per_lb_over[z - 1] == s->per_lb_over[7]);
        assert_true(ordo_transit_cdf(s, z, 5) == ordo_transit_cdf(s, 8, 5));
    }
    /* its peak_surcharge is a November-December window */
    ordo_rate_t r;
    ordo_parcel_t p = {1, 0, {0, 0, 0}};
    assert_int_equal(ordo_rate_package(s, 5, &p, false, 1210, &r), ORDO_OK);
    assert_true(r.peak == s->peak_surcharge);
    assert_int_equal(ordo_rate_package(s, 5, &p, false, 1010, &r), ORDO_OK);
    assert_true(r.peak == 0);
    /* no limits on an older card */
    ordo_parcel_t big = {500, 0, {120, 50, 50}};
    assert_int_equal(ordo_rate_package(s, 5, &big, false, 0, &r), ORDO_OK);
    ordo_network_destroy(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_prices),  cmocka_unit_test(test_weight_limits),
        cmocka_unit_test(test_dim_weight),   cmocka_unit_test(test_handling),
        cmocka_unit_test(test_peak_windows), cmocka_unit_test(test_far_zones),
        cmocka_unit_test(test_legacy_card),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
