/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: the rurality segment of a decision's row comes from its ship-to
 * ZIP by core geo's one definition (ordo_geo_zip_rural: population under
 * 2,000); tests/sim/test_sim_peak.sh checks the report's segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/analyze.h"
#include "ordo/arena.h"
#include "ordo/geo.h"
#include "ordo/record.h"
#include "ordo/util.h"

/* The row of a minimal decision record shipping to zip (NULL: no ZIP). */
static int row_of(const char *zip, ordo_analyze_row_t *row)
{
    char zs[64] = "";
    if (zip)
        snprintf(zs, sizeof zs, "\"ship_to\":{\"zip\":\"%s\"},", zip);
    char json[512];
    snprintf(json, sizeof json,
             "{\"record_version\":1,\"timestamp\":\"2026-11-23T10:00:00Z\",\"order_id\":\"o1\","
             "\"order\":{\"id\":\"o1\",%s\"lines\":[]},\"plan\":{\"status\":\"ok\","
             "\"shipments\":[],\"totals\":{\"cost\":{\"total\":5}}}}",
             zs);
    ordo_arena_t *arena = ordo_arena_create(4096);
    assert_non_null(arena);
    ordo_record_t rec;
    ordo_error_t err = {0};
    assert_int_equal(ordo_record_read(json, strlen(json), 0, arena, &rec, &err), ORDO_OK);
    int rc = ordo_analyze_row_from_decision(&rec, NULL, NULL, row, &err);
    ordo_arena_destroy(arena);
    return rc;
}

static void test_row_rurality(void **state)
{
    (void)state;
    const ordo_geo_t *g = ordo_geo_default();
    assert_non_null(g);
    /* 59002 Acton MT (187 residents), 10001 New York (27,004) */
    assert_int_equal(ordo_geo_zip_rural(g, 59002), 1);
    assert_int_equal(ordo_geo_zip_rural(g, 10001), 0);
    static const struct {
        const char *zip;
        const char *want;
    } cases[] = {{"59002", "rural"}, {"10001", "urban"}, {"99999", "unknown"},
                 {"ABCDE", "unknown"}, {NULL, "unknown"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ordo_analyze_row_t row;
        assert_int_equal(row_of(cases[i].zip, &row), ORDO_OK);
        assert_string_equal(ordo_analyze_rurality_name(row.rurality), cases[i].want);
    }
    assert_string_equal(ordo_analyze_rurality_name(ORDO_AN_RURALITIES), "unknown");
    ordo_analyze_row_t init;
    ordo_analyze_row_init(&init);
    assert_int_equal(init.rurality, ORDO_AN_RURALITIES - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_row_rurality)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
