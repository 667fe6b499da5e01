/* SPDX-License-Identifier: Apache-2.0 */
/* Outcome events and ordo.conf at the door: amounts bounded (a cost of
 * 1e308 made totals print null), invalid UTF-8 refused with its line, not
 * replaced; a store-less check of outcome files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/config.h"
#include "ordo/store.h"

static int ev(const char *line, ordo_error_t *err)
{
    ordo_outcome_event_t e;
    ordo_error_clear(err);
    return ordo_outcome_parse_json(line, strlen(line), &e, "o.ndjson", 7, err);
}

static void test_amounts_bounded(void **s)
{
    (void)s;
    ordo_error_t err;
    assert_int_equal(ev("{\"event_id\":\"e1\",\"order_id\":\"o1\",\"type\":\"cost\","
                        "\"at\":\"2026-11-24T00:00:00Z\",\"pick\":1e308}",
                        &err),
                     ORDO_ERANGE);
    assert_string_equal(err.field, "pick");
    assert_int_equal(err.line, 7);
    assert_int_equal(ev("{\"event_id\":\"e1\",\"order_id\":\"o1\",\"shipment\":0,"
                        "\"type\":\"shipped\",\"at\":\"2026-11-24T00:00:00Z\","
                        "\"carrier_cost\":1000000001}",
                        &err),
                     ORDO_ERANGE);
    assert_string_equal(err.field, "carrier_cost");
    assert_int_equal(ev("{\"event_id\":\"e1\",\"order_id\":\"o1\",\"type\":\"returned\","
                        "\"at\":\"2026-11-24T00:00:00Z\",\"refund\":2e9}",
                        &err),
                     ORDO_ERANGE);
    assert_string_equal(err.field, "refund");
    /* the bound itself is accepted */
    assert_int_equal(ev("{\"event_id\":\"e1\",\"order_id\":\"o1\",\"type\":\"cost\","
                        "\"at\":\"2026-11-24T00:00:00Z\",\"pick\":1e9}",
                        &err),
                     ORDO_OK);
    /* and the library's own check agrees (events built in code) */
    ordo_outcome_event_t e = {.type = ORDO_OUTCOME_COST, .at = 1, .cost_mask = 1};
    snprintf(e.event_id, sizeof e.event_id, "e");
    snprintf(e.order_id, sizeof e.order_id, "o");
    e.cost[0] = 1e308;
    assert_int_equal(ordo_outcome_event_validate(&e, &err), ORDO_ERANGE);
}

static void test_outcome_invalid_utf8(void **s)
{
    (void)s;
    ordo_error_t err;
    assert_int_equal(ev("{\"event_id\":\"e\xFF\",\"order_id\":\"o1\",\"type\":\"cancelled\","
                        "\"at\":\"2026-11-24T00:00:00Z\"}",
                        &err),
                     ORDO_EPARSE);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    assert_int_equal(err.line, 7);
    /* a CSV file, checked whole without a store */
    char dir[] = "/tmp/ordo-door-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/o.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("event_id,order_id,type,at\ne1,o1,cancelled,2026-11-24T00:00:00Z\n"
          "e2,o\xC3,cancelled,2026-11-24T00:00:00Z\n",
          f);
    fclose(f);
    const char *paths[] = {path};
    assert_int_equal(ordo_store_outcomes_check_files(paths, 1, ORDO_OUTCOME_FMT_AUTO, &err),
                     ORDO_EPARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, path);
    unlink(path);
    rmdir(dir);
}

static void test_config_invalid_utf8(void **s)
{
    (void)s;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    const char *t = "store.backend = sqlite\nstore.busy_timeout_ms = 5000 # \xE2\x82\n";
    assert_int_equal(ordo_config_parse(t, strlen(t), "ordo.conf", &cfg, &err), ORDO_EPARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_bounded),
        cmocka_unit_test(test_outcome_invalid_utf8),
        cmocka_unit_test(test_config_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
