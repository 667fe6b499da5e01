/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: A/A runs with CUPED. Both arms run the same policy, so every
 * null hypothesis is true and a test at alpha = 0.05 must reject about 5%
 * of the time. The covariate is the control policy's planned cost (in the
 * control arm the decision's own planned cost, in the other arm the
 * shadow's): fixed at decision time, before any outcome, and not a function
 * of the order's own assignment. 1,000 seeded replications of 400 orders:
 * the false-positive rate's standard error is 0.007, and the accepted band
 * [0.03, 0.07] is about ±3 standard errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/util.h"

#define REPS 1000
#define ORDERS 400

/* The comparison of metric name in a JSON report. */
static const cJSON *comparison(const cJSON *rep, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "metrics"))
    {
        if (!strcmp(cJSON_GetObjectItem(m, "name")->valuestring, name))
            return cJSON_GetArrayItem(cJSON_GetObjectItem(m, "comparisons"), 0);
    }
    fail_msg("no metric %s", name);
    return NULL;
}

typedef struct aa_count {
    int cuped, plain, cuped_used, constant;
} aa_count_t;

static void count(const cJSON *rep, const char *name, aa_count_t *c)
{
    const cJSON *cmp = comparison(rep, name);
    const cJSON *cu = cJSON_GetObjectItem(cmp, "cuped");
    double p = cJSON_GetObjectItem(cJSON_GetObjectItem(cmp, "difference"), "p_value")->valuedouble;
    c->plain += p < 0.05;
    if (cJSON_IsTrue(cJSON_GetObjectItem(cmp, "constant")))
        c->constant++;
    if (cJSON_IsObject(cu)) {
        c->cuped_used++;
        double pc =
            cJSON_GetObjectItem(cJSON_GetObjectItem(cu, "difference"), "p_value")->valuedouble;
        c->cuped += pc < 0.05;
    } else {
        c->cuped += p < 0.05;
    }
}

/* One A/A replication: orders with a planned cost y (the covariate), an
 * actual cost correlated with it, an on-time flag and no fallback. */
static cJSON *replicate(ordo_rng_t *rng)
{
    ordo_analyze_config_t *cfg = malloc(sizeof *cfg);
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_default(cfg, "aa", vars, 2, NULL);
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analysis_create(cfg, &a, &err), ORDO_OK);
    free(cfg);
    for (int i = 0; i < ORDERS; i++) {
        ordo_analyze_row_t r;
        ordo_analyze_row_init(&r);
        r.ts = 1795000000 + (int64_t)i * 2000; /* 9.3 days */
        r.variant = ordo_rng_uniform(rng) < 0.5 ? 0 : 1;
        double y = 6 + 10 * ordo_rng_uniform(rng) + 2 * ordo_rng_normal(rng);
        r.v[ORDO_AF_PLANNED_COST] = y;
        r.v[ORDO_AF_CONTROL_COST] = y; /* same policy in both arms */
        r.v[ORDO_AF_ACTUAL_COST] = y + 1.5 * ordo_rng_normal(rng);
        r.v[ORDO_AF_ON_TIME] = ordo_rng_uniform(rng) < 0.9 ? 1 : 0;
        r.v[ORDO_AF_FALLBACK] = 0;
        r.v[ORDO_AF_HAS_OUTCOME] = 1;
        assert_int_equal(ordo_analysis_add(a, &r, &err), ORDO_OK);
    }
    assert_int_equal(ordo_analysis_finish(a, 0, &err), ORDO_OK);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    cJSON *rep = cJSON_Parse(b.data);
    assert_non_null(rep);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
    return rep;
}

static void test_aa_false_positive_rate(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261206);
    aa_count_t cost = {0}, planned = {0}, ontime = {0}, fallback = {0};
    for (int r = 0; r < REPS; r++) {
        cJSON *rep = replicate(&rng);
        count(rep, "cost_per_order", &cost);
        count(rep, "planned_cost_per_order", &planned);
        count(rep, "on_time_rate", &ontime);
        count(rep, "fallback_rate", &fallback);
        cJSON_Delete(rep);
    }
    fprintf(stderr,
            "A/A false positives in %d runs (CUPED / unadjusted / runs with CUPED):\n"
            "  cost_per_order          %d / %d / %d\n"
            "  planned_cost_per_order  %d / %d / %d\n"
            "  on_time_rate            %d / %d / %d\n"
            "  fallback_rate           %d / %d / %d (constant in %d)\n",
            REPS, cost.cuped, cost.plain, cost.cuped_used, planned.cuped, planned.plain,
            planned.cuped_used, ontime.cuped, ontime.plain, ontime.cuped_used, fallback.cuped,
            fallback.plain, fallback.cuped_used, fallback.constant);
    /* CUPED runs where it applies, and keeps the error rate */
    assert_int_equal(cost.cuped_used, REPS);
    assert_in_range(cost.cuped, 30, 70);
    assert_in_range(cost.plain, 30, 70);
    assert_in_range(ontime.cuped, 30, 70);
    /* the metric that is the covariate itself: no CUPED (it would remove all
     * variance and leave rounding to decide), and the plain test keeps alpha */
    assert_int_equal(planned.cuped_used, 0);
    assert_in_range(planned.cuped, 30, 70);
    /* a constant metric: never significant, never CUPED */
    assert_int_equal(fallback.cuped_used, 0);
    assert_int_equal(fallback.constant, REPS);
    assert_int_equal(fallback.cuped, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_aa_false_positive_rate)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
