/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/geo.c: ZIP table, ZIP3 centroids, great-circle
 * distance, USPS distance zones, and accuracy against the real USPS zone
 * chart (../shared/reference, skipped when absent). */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/geo.h"
#include "ordo/util.h"

#define USPS_CHART ORDO_SOURCE_DIR "/../shared/reference/usps-zone-chart-zip3.csv.gz"

static const ordo_geo_t *G(void)
{
    const ordo_geo_t *g = ordo_geo_default();
    assert_non_null(g);
    return g;
}

static void test_haversine(void **state)
{
    (void)state;
    const double R = ORDO_EARTH_RADIUS_MI;
    assert_true(ordo_geo_miles(40, -74, 40, -74) == 0);
    /* a quarter of a meridian and half the equator */
    assert_true(fabs(ordo_geo_miles(0, 0, 90, 0) - M_PI / 2 * R) < 1e-6);
    assert_true(fabs(ordo_geo_miles(0, 0, 0, 180) - M_PI * R) < 1e-6);
    assert_true(fabs(ordo_geo_miles(0, 170, 0, -170) - 20 * M_PI / 180 * R) < 1e-6);
    /* one degree of latitude is 69.09 miles */
    assert_true(fabs(ordo_geo_miles(10, 20, 11, 20) - 69.0934) < 0.001);
    /* symmetric */
    double ab = ordo_geo_miles(42.36, -71.06, 34.05, -118.24);
    double ba = ordo_geo_miles(34.05, -118.24, 42.36, -71.06);
    assert_true(fabs(ab - ba) < 1e-9);
}

static void test_new_york_los_angeles(void **state)
{
    (void)state;
    const ordo_geo_t *g = G();
    const ordo_zip_t *ny = ordo_geo_zip(g, 10001), *la = ordo_geo_zip(g, 90001);
    assert_non_null(ny);
    assert_non_null(la);
    assert_string_equal(ny->state, "NY");
    assert_string_equal(la->state, "CA");
    assert_int_equal(ny->zip3, 100);
    /* The published great-circle distance New York–Los Angeles is about
     * 2,445 miles between city centres; ZIP centroids sit a few miles from
     * those centres (90001 is ~7 mi south of downtown LA), so ±30 mi. */
    double d = ordo_geo_miles(ny->lat, ny->lon, la->lat, la->lon);
    print_message("New York 10001 - Los Angeles 90001: %.1f mi\n", d);
    assert_true(fabs(d - 2445) <= 30);
    double d3 = ordo_geo_zip3_miles(g, 100, 900);
    print_message("ZIP3 100 - 900: %.1f mi\n", d3);
    assert_true(fabs(d3 - 2445) <= 30);
    assert_true(fabs(ordo_geo_zip3_miles(g, 900, 100) - d3) < 1e-9);
    assert_true(ordo_geo_zip3_miles(g, 100, 100) == 0);
}

static void test_zone_facts(void **state)
{
    (void)state;
    const ordo_geo_t *g = G();
    /* USPS zone chart facts for origin 100 (New York) */
    assert_int_equal(ordo_geo_zone(g, 100, 21), 3);  /* Boston */
    assert_int_equal(ordo_geo_zone(g, 100, 191), 2); /* Philadelphia */
    assert_int_equal(ordo_geo_zone(g, 100, 606), 5); /* Chicago */
    assert_int_equal(ordo_geo_zone(g, 100, 900), 8); /* Los Angeles */
    assert_int_equal(ordo_geo_zone(g, 945, 900), 4); /* Oakland area → LA */
    assert_int_equal(ordo_geo_zone(g, 100, 969), 9); /* Guam */
    assert_int_equal(ordo_geo_zone(g, 969, 100), 9);
    assert_int_equal(ordo_geo_zone(g, 100, 100), 1);
    assert_true(ordo_geo_zip3(g, 969)->territory);
    assert_false(ordo_geo_zip3(g, 100)->territory);
    assert_false(ordo_geo_zip3(g, 967)->territory); /* Hawaii is a state */
    /* unknown ZIP3s */
    assert_false(ordo_geo_zip3(g, 0)->known);
    assert_int_equal(ordo_geo_zone(g, 100, 0), ORDO_ENOTFOUND);
    assert_int_equal(ordo_geo_zone(g, 0, 100), ORDO_ENOTFOUND);
    assert_int_equal(ordo_geo_zone(g, 100, 1000), ORDO_ENOTFOUND);
    assert_int_equal(ordo_geo_zone(g, 65535, 100), ORDO_ENOTFOUND);
    assert_true(ordo_geo_zip3_miles(g, 100, 0) == ORDO_ENOTFOUND);
    assert_false(ordo_geo_zip3(g, 1000)->known);
}

static void test_zone_bands(void **state)
{
    (void)state;
    static const struct {
        double miles;
        int zone;
    } cases[] = {{0, 1},       {50, 1},   {50.01, 2},  {150, 2},  {150.01, 3},  {300, 3},
                 {300.01, 4},  {600, 4},  {600.01, 5}, {1000, 5}, {1000.01, 6}, {1400, 6},
                 {1400.01, 7}, {1800, 7}, {1800.1, 8}, {2445, 8}, {12000, 8}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ordo_zone_from_miles(cases[i].miles) != cases[i].zone)
            fail_msg("%g mi: zone %d, want %d", cases[i].miles,
                     ordo_zone_from_miles(cases[i].miles), cases[i].zone);
}

static void test_zip_parse_format(void **state)
{
    (void)state;
    uint32_t z = 0;
    assert_int_equal(ordo_zip_parse("02139", 5, &z), ORDO_OK);
    assert_int_equal(z, 2139);
    assert_int_equal(ordo_zip_parse("00501", 5, &z), ORDO_OK);
    assert_int_equal(z, 501);
    assert_int_equal(ordo_zip_parse("99999", 5, &z), ORDO_OK);
    assert_int_equal(ordo_zip_parse("021390", 6, &z), ORDO_EPARSE);
    assert_int_equal(ordo_zip_parse("2139", 4, &z), ORDO_EPARSE);
    assert_int_equal(ordo_zip_parse("0213a", 5, &z), ORDO_EPARSE);
    assert_int_equal(ordo_zip_parse("-2139", 5, &z), ORDO_EPARSE);
    assert_int_equal(ordo_zip_parse("02139-1234", 10, &z), ORDO_EPARSE);
    char buf[6];
    assert_string_equal(ordo_zip_format(2139, buf), "02139");
    assert_string_equal(ordo_zip_format(501, buf), "00501");
    assert_string_equal(ordo_zip_format(99950, buf), "99950");
}

static void test_table(void **state)
{
    (void)state;
    const ordo_geo_t *g = G();
    size_t n = ordo_geo_count(g);
    assert_true(n > 30000 && n < 45000); /* ~33,000 US ZIPs with centroids */
    for (size_t i = 1; i < n; i++)
        assert_true(ordo_geo_at(g, i - 1)->zip < ordo_geo_at(g, i)->zip);
    assert_null(ordo_geo_at(g, n));
    assert_null(ordo_geo_zip(g, 100000));
    assert_null(ordo_geo_zip(g, 0));
    const ordo_zip_t *c = ordo_geo_zip(g, 2139);
    assert_non_null(c);
    assert_string_equal(c->city, "Cambridge");
    assert_string_equal(c->state, "MA");
    assert_int_equal(c->zip3, 21);
    assert_true(fabs(c->lat - 42.36) < 0.05 && fabs(c->lon + 71.10) < 0.05);
    /* ZIP3 centroids: population-weighted mean of the table's ZIPs */
    static const uint16_t z3s[] = {21, 100, 606, 900, 945, 969};
    for (size_t k = 0; k < sizeof z3s / sizeof z3s[0]; k++) {
        double wl = 0, wo = 0, ul = 0, uo = 0;
        uint64_t pop = 0;
        uint32_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
            const ordo_zip_t *z = ordo_geo_at(g, i);
            if (z->zip3 != z3s[k])
                continue;
            wl += z->population * z->lat;
            wo += z->population * z->lon;
            ul += z->lat;
            uo += z->lon;
            pop += z->population;
            cnt++;
        }
        const ordo_zip3_t *t = ordo_geo_zip3(g, z3s[k]);
        assert_true(t->known);
        assert_int_equal(t->n_zips, cnt);
        assert_true(t->population == pop);
        double lat = pop ? wl / pop : ul / cnt, lon = pop ? wo / pop : uo / cnt;
        assert_true(fabs(t->lat - lat) < 1e-9 && fabs(t->lon - lon) < 1e-9);
    }
    assert_string_equal(ordo_geo_zip3(g, 100)->state, "NY");
    assert_string_equal(ordo_geo_zip3(g, 969)->state, "GU");
}

static void test_region_rural(void **state)
{
    (void)state;
    /* US Census regions */
    assert_string_equal(ordo_geo_region("NY"), "northeast");
    assert_string_equal(ordo_geo_region("MA"), "northeast");
    assert_string_equal(ordo_geo_region("IL"), "midwest");
    assert_string_equal(ordo_geo_region("TX"), "south");
    assert_string_equal(ordo_geo_region("DC"), "south");
    assert_string_equal(ordo_geo_region("CA"), "west");
    assert_string_equal(ordo_geo_region("HI"), "west");
    assert_string_equal(ordo_geo_region("PR"), "territory");
    assert_string_equal(ordo_geo_region("GU"), "territory");
    assert_string_equal(ordo_geo_region("AE"), "territory"); /* military mail */
    assert_string_equal(ordo_geo_region("XX"), "unknown");
    assert_string_equal(ordo_geo_region(""), "unknown");
    assert_string_equal(ordo_geo_region(NULL), "unknown");
    assert_string_equal(ordo_geo_region("CAL"), "unknown");
    assert_string_equal(ordo_geo_region("ca"), "unknown");
    /* every state in the ZIP table has a region */
    const ordo_geo_t *g = G();
    for (size_t i = 0; i < ordo_geo_count(g); i++)
        if (!strcmp(ordo_geo_region(ordo_geo_at(g, i)->state), "unknown"))
            fail_msg("state %s has no region", ordo_geo_at(g, i)->state);
    /* rural: the ZIP3's ZIPs average under 4,000 residents */
    assert_false(ordo_geo_zip3_rural(g, 100)); /* Manhattan */
    assert_true(ordo_geo_zip3_rural(g, 590));  /* 590xx, Montana */
    assert_false(ordo_geo_zip3_rural(g, 0));   /* unknown is not rural */
    assert_false(ordo_geo_zip3_rural(g, 1000)); /* out of range */
    assert_false(ordo_geo_zip3_rural(NULL, 590));
    int rural = 0, known = 0;
    for (uint16_t z = 0; z < ORDO_ZIP3_COUNT; z++) {
        const ordo_zip3_t *t = ordo_geo_zip3(g, z);
        known += t->known;
        rural += ordo_geo_zip3_rural(g, z);
        assert_int_equal(ordo_geo_zip3_rural(g, z),
                         t->known && (double)t->population < 4000.0 * t->n_zips);
    }
    assert_true(rural > 0 && rural < known);
    /* outcomes' rurality, per 5-digit ZIP: population under 2,000 */
    assert_int_equal(ordo_geo_zip_rural(g, 10001), 0); /* Manhattan */
    assert_int_equal(ordo_geo_zip_rural(g, 99999), -1); /* not in the table */
    assert_int_equal(ordo_geo_zip_rural(NULL, 10001), -1);
    size_t zr = 0;
    for (size_t i = 0; i < ordo_geo_count(g); i++) {
        const ordo_zip_t *z = ordo_geo_at(g, i);
        assert_int_equal(ordo_geo_zip_rural(g, z->zip), z->population < 2000);
        zr += z->population < 2000;
    }
    assert_true(zr > 0 && zr < ordo_geo_count(g));
}

/* One region table: every name round-trips through parse, the older
 * spelling "territories" is read, every state code of the table is found
 * (binary search over a sorted table), and a ZIP's region is its state's. */
static void test_region_table(void **state)
{
    (void)state;
    for (int r = 0; r < ORDO_GEO_REGIONS; r++) {
        ordo_geo_region_t back;
        assert_int_equal(ordo_geo_region_parse(ordo_geo_region_name((ordo_geo_region_t)r), &back),
                         ORDO_OK);
        assert_int_equal(back, r);
    }
    assert_string_equal(ordo_geo_region_name(ORDO_GEO_REGIONS), "unknown");
    assert_string_equal(ordo_geo_region_name((ordo_geo_region_t)-1), "unknown");
    ordo_geo_region_t r;
    assert_int_equal(ordo_geo_region_parse("territories", &r), ORDO_OK);
    assert_int_equal(r, ORDO_REGION_TERRITORY);
    assert_int_equal(ordo_geo_region_parse("Territory", &r), ORDO_ENOTFOUND);
    assert_int_equal(ordo_geo_region_parse(NULL, &r), ORDO_ENOTFOUND);
    static const char *const codes[] = {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
        "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
        "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
        "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP", "PW", "FM", "MH", "AA",
        "AE", "AP"};
    int counts[ORDO_GEO_REGIONS] = {0};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        ordo_geo_region_t x = ordo_geo_state_region(codes[i]);
        if (x == ORDO_REGION_UNKNOWN)
            fail_msg("%s has no region", codes[i]);
        counts[x]++;
    }
    assert_int_equal(counts[ORDO_REGION_NORTHEAST], 9);
    assert_int_equal(counts[ORDO_REGION_MIDWEST], 12);
    assert_int_equal(counts[ORDO_REGION_SOUTH], 17);
    assert_int_equal(counts[ORDO_REGION_WEST], 13);
    assert_int_equal(counts[ORDO_REGION_TERRITORY], 11);
    const ordo_geo_t *g = G();
    assert_int_equal(ordo_geo_zip_region(g, 901), ORDO_REGION_TERRITORY);  /* 00901 San Juan */
    assert_int_equal(ordo_geo_zip_region(g, 2139), ORDO_REGION_NORTHEAST); /* 02139 */
    assert_int_equal(ordo_geo_zip_region(g, 99999), ORDO_REGION_WEST); /* not a ZIP: its ZIP3's AK */
    assert_int_equal(ordo_geo_zip_region(g, 0), ORDO_REGION_UNKNOWN);   /* ZIP3 000 is unknown */
    assert_int_equal(ordo_geo_zip_region(NULL, 2139), ORDO_REGION_UNKNOWN);
    for (size_t i = 0; i < ordo_geo_count(g); i++) {
        const ordo_zip_t *z = ordo_geo_at(g, i);
        assert_int_equal(ordo_geo_zip_region(g, z->zip), ordo_geo_state_region(z->state));
    }
}

static void *default_thread(void *arg)
{
    (void)arg;
    return (void *)ordo_geo_default();
}

static void test_default_threadsafe(void **state)
{
    (void)state;
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, default_thread, NULL), 0);
    void *r[4];
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], &r[i]);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(r[i], ordo_geo_default());
}

/* ---- a small table parsed from text ---- */

#define SMALL_CSV                                                                                  \
    "zip,state,lat,lon,population,city\n"                                                          \
    "10002,NY,40.7,-73.9,300,Two\r\n"                                                              \
    "10001,NY,40.0,-74.0,100,One\n"                                                                \
    "\"20001\",DC,38.9,-77.0,,\"Washington, DC\"\n"                                                \
    "20002,DC,39.1,-77.2,0,Zero\n"

static void test_parse_small(void **state)
{
    (void)state;
    ordo_geo_t *g = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_geo_parse(SMALL_CSV, strlen(SMALL_CSV), "small", &g, &err), ORDO_OK);
    assert_non_null(g);
    assert_int_equal(ordo_geo_count(g), 4);
    assert_int_equal(ordo_geo_at(g, 0)->zip, 10001); /* sorted */
    assert_int_equal(ordo_geo_at(g, 3)->zip, 20002);
    assert_string_equal(ordo_geo_zip(g, 10002)->city, "Two");
    assert_string_equal(ordo_geo_zip(g, 20001)->city, "Washington, DC");
    /* weighted: (100*40.0 + 300*40.7)/400 */
    const ordo_zip3_t *t = ordo_geo_zip3(g, 100);
    assert_true(fabs(t->lat - 40.525) < 1e-12);
    assert_true(fabs(t->lon - (-73.925)) < 1e-12);
    assert_int_equal(t->population, 400);
    assert_string_equal(t->state, "NY");
    /* no population at all: unweighted */
    t = ordo_geo_zip3(g, 200);
    assert_true(fabs(t->lat - 39.0) < 1e-12);
    assert_true(fabs(t->lon - (-77.1)) < 1e-12);
    assert_int_equal(t->n_zips, 2);
    /* 198.8 mi between the two centroids (checked with Python) */
    assert_true(fabs(ordo_geo_zip3_miles(g, 100, 200) - 198.82) < 0.01);
    assert_int_equal(ordo_geo_zone(g, 100, 200), 3);
    ordo_geo_destroy(g);
}

static void expect_geo_error(const char *csv, int code, long line, const char *field)
{
    ordo_geo_t *g = (ordo_geo_t *)1;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_geo_parse(csv, strlen(csv), "bad.csv", &g, &err);
    if (rc != code)
        fail_msg("rc %d, want %d for:\n%s", rc, code, csv);
    assert_null(g);
    assert_string_equal(err.file, "bad.csv");
    assert_int_equal(err.line, line);
    assert_string_equal(err.field, field);
}

static void test_parse_bad(void **state)
{
    (void)state;
    expect_geo_error("", ORDO_EPARSE, 0, "");
    expect_geo_error("state,zip\n", ORDO_EPARSE, 1, "");
    expect_geo_error("zip,state,lat,lon,population,city\n", ORDO_EPARSE, 1, "");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,NY,40,-74,1\n", ORDO_EPARSE, 2, "");
    expect_geo_error("zip,state,lat,lon,population,city\n1000,NY,40,-74,1,X\n", ORDO_EPARSE, 2,
                     "zip");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,N,40,-74,1,X\n", ORDO_EPARSE, 2,
                     "state");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,NY,91,-74,1,X\n", ORDO_EPARSE, 2,
                     "lat");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,NY,40,-74x,1,X\n", ORDO_EPARSE, 2,
                     "lon");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,NY,40,-74,-5,X\n", ORDO_EPARSE, 2,
                     "population");
    expect_geo_error("zip,state,lat,lon,population,city\n10001,NY,40,-74,1,X\n"
                     "10002,NY,40,-74,1,Y\n10001,NY,40,-74,1,Z\n",
                     ORDO_EEXIST, 4, "zip");
    ordo_geo_t *g;
    ordo_error_t err;
    assert_int_equal(ordo_geo_load("/nonexistent/us-zips.csv", &g, &err), ORDO_ENOENT);
    assert_string_equal(err.file, "/nonexistent/us-zips.csv");
    /* the project's own data file loads and matches the embedded table */
    assert_int_equal(ordo_geo_load(ORDO_SOURCE_DIR "/data/us-zips.csv", &g, &err), ORDO_OK);
    assert_int_equal(ordo_geo_count(g), ordo_geo_count(G()));
    assert_int_equal(ordo_geo_zone(g, 100, 606), 5);
    ordo_geo_destroy(g);
}

/* ---- accuracy against the USPS chart ---- */

static void test_usps_chart_accuracy(void **state)
{
    (void)state;
    if (access(USPS_CHART, R_OK) != 0) {
        print_message("skipped: %s not found\n", USPS_CHART);
        skip();
    }
    FILE *f = popen("gzip -dc '" USPS_CHART "'", "r");
    if (!f) {
        print_message("skipped: cannot run gzip\n");
        skip();
    }
    const ordo_geo_t *g = G();
    char line[128];
    long rows = 0, pairs = 0, exact = 0, within1 = 0, unknown = 0;
    long confusion[10][10] = {{0}};
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        rows++;
        if (rows == 1) {
            assert_memory_equal(line, "orig_zip3,dest_zip3,zone", 24);
            continue;
        }
        ordo_csv_field_t fl[4];
        uint32_t o, d, zone;
        assert_int_equal(ordo_csv_split(line, n, fl, 4), 3);
        assert_int_equal(ordo_parse_u32(fl[0].p, fl[0].n, &o), ORDO_OK);
        assert_int_equal(ordo_parse_u32(fl[1].p, fl[1].n, &d), ORDO_OK);
        assert_int_equal(ordo_parse_u32(fl[2].p, fl[2].n, &zone), ORDO_OK);
        assert_true(o < 1000 && d < 1000 && zone >= 1 && zone <= 9);
        int z = ordo_geo_zone(g, (uint16_t)o, (uint16_t)d);
        if (z == ORDO_ENOTFOUND) {
            unknown++;
            continue;
        }
        assert_true(z >= 1 && z <= 9);
        pairs++;
        exact += z == (int)zone;
        within1 += abs(z - (int)zone) <= 1;
        confusion[zone][z]++;
    }
    int status = pclose(f);
    if (rows == 0) {
        print_message("skipped: gzip produced nothing (status %d)\n", status);
        skip();
    }
    assert_int_equal(status, 0);
    assert_true(pairs > 500000); /* most of the 864,900 pairs are known to ordo */
    double share_exact = (double)exact / pairs, share_within1 = (double)within1 / pairs;
    print_message("USPS zone chart: %ld pairs compared (%ld with a ZIP3 unknown to ordo): "
                  "%.1f%% exact, %.2f%% within one zone\n",
                  pairs, unknown, 100 * share_exact, 100 * share_within1);
    /* a first measurement found 85.3% exact and 99.9% within one */
    assert_true(share_exact >= 0.80);
    assert_true(share_within1 >= 0.99);
    /* zone 9 in the chart is about territories; ordo must agree on most */
    long z9 = 0;
    for (int k = 1; k <= 9; k++)
        z9 += confusion[9][k];
    if (z9)
        assert_true((double)confusion[9][9] / z9 >= 0.8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_haversine),           cmocka_unit_test(test_new_york_los_angeles),
        cmocka_unit_test(test_zone_facts),          cmocka_unit_test(test_zone_bands),
        cmocka_unit_test(test_zip_parse_format),    cmocka_unit_test(test_table),
        cmocka_unit_test(test_region_rural),        cmocka_unit_test(test_region_table),        cmocka_unit_test(test_default_threadsafe),
        cmocka_unit_test(test_parse_small),         cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_usps_chart_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
