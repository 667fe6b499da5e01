/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: verdicts that cannot mislead — the structured hypothesis is
 * tested, the minimum runtime and a full weekly cycle are waited for, and
 * nothing ships against a significant harm in a declared metric. Each case
 * builds a synthetic data directory (analyze_fixture.h) whose plain
 * decision rule would ship, and checks what stops it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "analyze_fixture.h"

/* The verdict of a fixture; *why copied into why. */
static ordo_analyze_verdict_t run(const fx_spec_t *spec, char *why, size_t wn,
                                  ordo_analysis_t **keep)
{
    char *dir = fx_tmp_dir();
    fx_build(dir, spec, NULL, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    if (ordo_analyze_dir(dir, NULL, &a, &err))
        fail_msg("analyze: %s", err.msg);
    const char *r;
    ordo_analyze_verdict_t vd = ordo_analysis_verdict(a, NULL, &r);
    snprintf(why, wn, "%s", r);
    fprintf(stderr, "verdict %s: %s\n", ordo_analyze_verdict_name(vd), why);
    if (keep)
        *keep = a;
    else
        ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    return vd;
}

static void base(fx_spec_t *s)
{
    fx_spec_default(s);
    s->n_orders = 1000;
    s->spacing = 800; /* 9.3 days */
}

/* The fixture ships: cost −1 USD, on-time unchanged inside a 0.1 margin. */
static void test_ships_after_a_week(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_SHIP);
    assert_non_null(strstr(why, "prose only"));
}

/* The same data over 6.9 days: not one full weekly cycle yet. */
static void test_weekly_cycle(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.spacing = 600;
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_KEEP_RUNNING);
    assert_non_null(strstr(why, "weekly cycle"));
    assert_non_null(strstr(why, "would be SHIP"));
}

/* min_runtime_days 14: 9.3 days are not enough. */
static void test_min_runtime(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.extra = ",\"remove_default_guardrails\":[\"cancel_rate\",\"return_rate\"],"
              "\"min_runtime_days\":14";
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_KEEP_RUNNING);
    assert_non_null(strstr(why, "of the 14 days required (min_runtime_days)"));
}

/* On-time falls 27 points with a declared margin so wide it never breaches:
 * the harm is significant, so it does not ship, whatever the cost gain. */
static void test_no_ship_against_harm(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.on_time_treat = 0.63;
    s.guard_margin = 0.9;
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_DO_NOT_SHIP);
    assert_non_null(strstr(why, "on_time_rate is significantly worse"));
}

/* Without a declared guardrail on it, on-time is guarded by default; an
 * experiment that removes that default by name is not. */
static void test_default_guardrail_catches_harm(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.on_time_treat = 0.63;
    s.guard_margin = -1; /* no guardrail declared */
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_DO_NOT_SHIP);
    assert_non_null(strstr(why, "guardrail on_time_rate is significantly breached"));
    s.extra = ",\"remove_default_guardrails\":[\"cancel_rate\",\"return_rate\",\"on_time_rate\"]";
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_SHIP);
}

/* "cost per order at most +3%" with cost +15%: the hypothesis is refuted,
 * at any runtime (a sequentially valid check), before any KPI. */
static void test_hypothesis_refuted(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.spacing = 600; /* under a week: a safety verdict does not wait */
    s.cost_effect = 1.5;
    s.hypothesis = "{\"text\":\"at most 3% more cost per order\",\"metric\":\"cost_per_order\","
                   "\"direction\":\"increase\",\"bound\":\"at_most\",\"margin\":0.03,"
                   "\"relative\":true}";
    s.extra = ",\"remove_default_guardrails\":[\"cancel_rate\",\"return_rate\",\"cost_per_order\"]";
    ordo_analysis_t *a;
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, &a), ORDO_VERDICT_DO_NOT_SHIP);
    assert_non_null(strstr(why, "hypothesis (cost_per_order at most +3%) is refuted"));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_text(a, &b), ORDO_OK);
    assert_non_null(strstr(b.data, "Hypothesis: at most 3% more cost per order"));
    assert_non_null(strstr(b.data, "treatment: refuted"));
    /* and the JSON report: the prose beside the structured claim, its test */
    ordo_buf_reset(&b);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_non_null(strstr(b.data, "\"hypothesis\":{\"text\":\"at most 3% more cost per order\","
                                   "\"structured\":true,\"claim\":\"cost_per_order at most +3%\""));
    assert_non_null(strstr(b.data, "\"test\":\"non-inferiority\""));
    assert_non_null(strstr(b.data, "\"tests\":[{\"variant\":\"treatment\",\"status\":\"refuted\""));
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
}

/* "cost per order at most +3%" with cost −10%: supported, and it ships. */
static void test_hypothesis_supported(void **state)
{
    (void)state;
    fx_spec_t s;
    base(&s);
    s.hypothesis = "{\"text\":\"t\",\"metric\":\"cost_per_order\",\"direction\":\"increase\","
                   "\"bound\":\"at_most\",\"margin\":0.03,\"relative\":true}";
    char why[600];
    assert_int_equal(run(&s, why, sizeof why, NULL), ORDO_VERDICT_SHIP);
    assert_non_null(strstr(why, "the hypothesis is supported"));
    /* a claim of at least 30% less cost is not shown by a 10% cut */
    s.hypothesis = "{\"text\":\"t\",\"metric\":\"cost_per_order\",\"direction\":\"decrease\","
                   "\"bound\":\"at_least\",\"margin\":0.3,\"relative\":true}";
    ordo_analyze_verdict_t vd = run(&s, why, sizeof why, NULL);
    assert_int_not_equal(vd, ORDO_VERDICT_SHIP);
    assert_non_null(strstr(why, "hypothesis"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ships_after_a_week),
        cmocka_unit_test(test_weekly_cycle),
        cmocka_unit_test(test_min_runtime),
        cmocka_unit_test(test_no_ship_against_harm),
        cmocka_unit_test(test_default_guardrail_catches_harm),
        cmocka_unit_test(test_hypothesis_refuted),
        cmocka_unit_test(test_hypothesis_supported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
