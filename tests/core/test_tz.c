/* SPDX-License-Identifier: Apache-2.0 */
/* The TZif reader and the holiday calendar against Python's zoneinfo and a
 * rule-by-rule holiday list (tools/fixtures/make_tz_fixtures.py). A zone
 * whose file is absent (no tzdata) is skipped, not failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/calendar.h"

#define FIXTURE ORDO_SOURCE_DIR "/tests/fixtures/tz/offsets.txt"

static void offsets_match_zoneinfo(void **state)
{
    (void)state;
    FILE *f = fopen(FIXTURE, "r");
    assert_non_null(f);
    char line[256], cur[ORDO_TZ_NAME_MAX] = "";
    ordo_tz_t *tz = NULL;
    bool absent = false;
    int checked = 0, zones = 0;
    while (fgets(line, sizeof line, f)) {
        char name[ORDO_TZ_NAME_MAX];
        long long t;
        long off;
        if (line[0] == '#' || !strncmp(line, "holiday ", 8) || sscanf(line, "%63s %lld %ld", name, &t, &off) != 3)
            continue;
        if (strcmp(name, cur)) {
            ordo_tz_destroy(tz);
            tz = NULL;
            snprintf(cur, sizeof cur, "%s", name);
            ordo_error_t err = {0};
            int rc = ordo_tz_load(name, &tz, &err);
            absent = rc == ORDO_ENOTFOUND;
            if (absent)
                fprintf(stderr, "skip %s: %s\n", name, err.msg);
            else
                assert_int_equal(rc, ORDO_OK), zones++;
        }
        if (absent)
            continue;
        if (ordo_tz_offset(tz, t) != off)
            fail_msg("%s at %lld: got %d, zoneinfo says %ld", name, t, ordo_tz_offset(tz, t), off);
        checked++;
    }
    ordo_tz_destroy(tz);
    fclose(f);
    if (!zones)
        skip();
    assert_true(checked > 1000);
}

static void holidays_match_rule_list(void **state)
{
    (void)state;
    FILE *f = fopen(FIXTURE, "r");
    assert_non_null(f);
    static bool hol[12 * 366 + 10];
    int64_t d0 = ordo_cal_days(2020, 1, 1), d1 = ordo_cal_days(2031, 12, 31);
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        int y, m, d;
        if (sscanf(line, "holiday %d-%d-%d", &y, &m, &d) == 3) {
            hol[ordo_cal_days(y, m, d) - d0] = true;
            n++;
        }
    }
    fclose(f);
    assert_true(n > 100);
    for (int64_t d = d0; d <= d1; d++)
        if (ordo_cal_federal_holiday(d) != hol[d - d0]) {
            int y, m, md;
            ordo_cal_civil(d, &y, &m, &md);
            fail_msg("%04d-%02d-%02d: ordo says %d", y, m, md, ordo_cal_federal_holiday(d));
        }
}

static void holiday_examples(void **state)
{
    (void)state;
    assert_true(ordo_cal_federal_holiday(ordo_cal_days(2026, 11, 26)));  /* Thanksgiving */
    assert_true(ordo_cal_federal_holiday(ordo_cal_days(2027, 7, 5)));    /* July 4 on Sunday */
    assert_false(ordo_cal_federal_holiday(ordo_cal_days(2027, 7, 4)));
    assert_true(ordo_cal_federal_holiday(ordo_cal_days(2021, 12, 31)));  /* 2022 New Year */
    assert_false(ordo_cal_federal_holiday(ordo_cal_days(2020, 6, 19)));  /* before Juneteenth */
    assert_true(ordo_cal_federal_holiday(ordo_cal_days(2026, 6, 19)));
    /* Friday before Thanksgiving week: 4 working days on is Fri 27 (Thu 26
     * is skipped), or Wed 25 for a carrier that delivers on Saturdays */
    int64_t fri = ordo_cal_days(2026, 11, 20);
    assert_int_equal(ordo_cal_add_working(fri, 4, ORDO_WEEK_MON_FRI), ordo_cal_days(2026, 11, 27));
    assert_int_equal(ordo_cal_add_working(fri, 4, ORDO_WEEK_MON_SAT), ordo_cal_days(2026, 11, 25));
    assert_int_equal(ordo_cal_working_between(fri, ordo_cal_days(2026, 11, 30), 0x1f), 5);
    int y, m, d;
    ordo_cal_civil(ordo_cal_days(1969, 12, 31), &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    assert_int_equal(ordo_cal_day_of(-1), -1);
}

static void zones_of_zips(void **state)
{
    (void)state;
    const ordo_geo_t *g = ordo_geo_default();
    assert_string_equal(ordo_tz_for_zip(g, 10027), "America/New_York");
    assert_string_equal(ordo_tz_for_zip(g, 79901), "America/Denver");      /* El Paso */
    assert_string_equal(ordo_tz_for_zip(g, 32501), "America/Chicago");     /* Pensacola */
    assert_string_equal(ordo_tz_for_zip(g, 85001), "America/Phoenix");
    assert_string_equal(ordo_tz_for_zip(g, 96813), "Pacific/Honolulu");
    assert_string_equal(ordo_tz_for_zip(g, 30301), "America/New_York");    /* PO box ZIP */
    assert_string_equal(ordo_tz_for_zip(g, 83814), "America/Los_Angeles"); /* Coeur d'Alene */
    assert_string_equal(ordo_tz_for_zip(g, 97914), "America/Boise");       /* Ontario OR */
    assert_null(ordo_tz_for_zip(g, 0));
    assert_false(ordo_tz_name_valid("../etc/passwd"));
    assert_false(ordo_tz_name_valid("/etc/passwd"));
    assert_true(ordo_tz_name_valid("America/Indiana/Indianapolis"));
    ordo_tz_t *tz = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_tz_load("America/Nowhere", &tz, &err), ORDO_ENOTFOUND);
    assert_string_equal(err.field, "time_zone");
    unsigned char junk[60] = "TZjunk";
    assert_int_equal(ordo_tz_parse(junk, sizeof junk, "x", &tz, &err), ORDO_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(offsets_match_zoneinfo),
        cmocka_unit_test(holidays_match_rule_list),
        cmocka_unit_test(holiday_examples),
        cmocka_unit_test(zones_of_zips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
