/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: outcomes that cannot be true are counted and set aside, not
 * analysed (src/analyze/validity.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "analyze_fixture.h"

static void test_rules(void **state)
{
    (void)state;
    const int64_t t = 1795000000;
    ordo_outcome_summary_t s;
    memset(&s, 0, sizeof s);
    s.shipped_at = t + 3600;
    s.delivered_at = s.last_delivered_at = t + 86400;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_VALID);
    /* a few minutes of clock skew are tolerated */
    s.shipped_at = t - 120;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_VALID);
    /* delivered nine months before the order existed */
    s.shipped_at = t + 3600;
    s.delivered_at = s.last_delivered_at = t - 270 * 86400;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_BEFORE_ORDER);
    /* delivered before shipped (after the order) */
    s.delivered_at = s.last_delivered_at = t + 1800;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED);
    /* returned before shipped */
    s.delivered_at = s.last_delivered_at = 0;
    s.returned_at = t + 1800;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED);
    /* cancelled before the order */
    memset(&s, 0, sizeof s);
    s.cancelled_at = t - 86400;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_BEFORE_ORDER);
    /* the store's own flag */
    memset(&s, 0, sizeof s);
    s.flags = ORDO_OUTCOME_FLAG_TIME_INCONSISTENT;
    assert_int_equal(ordo_outcome_validity(&s, t), ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED);
    /* the hook counts by reason */
    ordo_analyze_counts_t c;
    memset(&c, 0, sizeof c);
    assert_false(ordo_analyze_outcome_usable(&s, t, &c));
    assert_true(ordo_analyze_outcome_usable(NULL, t, &c));
    memset(&s, 0, sizeof s);
    s.delivered_at = t - 86400;
    assert_false(ordo_analyze_outcome_usable(&s, t, &c));
    assert_int_equal(c.invalid_outcome, 2);
    assert_int_equal(c.invalid_before_order, 1);
    assert_int_equal(c.invalid_delivered_before_shipped, 1);
    assert_string_equal(ordo_outcome_validity_name(ORDO_OUTCOME_BEFORE_ORDER), "before_order");
}

static const cJSON *metric(const cJSON *rep, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "metrics"))
    {
        if (!strcmp(cJSON_GetObjectItem(m, "name")->valuestring, name))
            return m;
    }
    fail_msg("no metric %s", name);
    return NULL;
}

/* A tenth of the treatment's deliveries nine months before the order: they
 * are counted and left out, and hours_to_deliver stays positive. */
static void test_set_aside_in_report(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 600;
    spec.bad_time_every = 10;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, false);
    uint64_t bad = 0, no_outcome = 0;
    for (size_t i = 0; i < spec.n_orders; i++) {
        bad += orders[i].bad_time;
        no_outcome += !orders[i].has_outcome;
    }
    assert_true(bad > 10);
    ordo_analysis_t *a;
    ordo_error_t err;
    if (ordo_analyze_dir(dir, NULL, &a, &err))
        fail_msg("analyze: %s", err.msg);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    cJSON *rep = cJSON_Parse(b.data);
    const cJSON *data = cJSON_GetObjectItem(rep, "data");
    const cJSON *inv = cJSON_GetObjectItem(data, "invalid_outcome");
    assert_int_equal((uint64_t)cJSON_GetObjectItem(inv, "orders")->valuedouble, bad);
    assert_int_equal((uint64_t)cJSON_GetObjectItem(inv, "before_order")->valuedouble, bad);
    assert_int_equal((uint64_t)cJSON_GetObjectItem(data, "missing_outcome")->valuedouble,
                     no_outcome + bad);
    const cJSON *h = metric(rep, "hours_to_deliver");
    const cJSON *tv = cJSON_GetArrayItem(cJSON_GetObjectItem(h, "variants"), 1);
    assert_true(cJSON_GetObjectItem(tv, "value")->valuedouble > 0);
    /* the text report says so */
    ordo_buf_reset(&b);
    assert_int_equal(ordo_analysis_write_text(a, &b), ORDO_OK);
    assert_non_null(strstr(b.data, "outcomes that cannot be true"));
    ordo_buf_free(&b);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_set_aside_in_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
