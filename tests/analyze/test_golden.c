/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: the core on a fixed data set against scipy/statsmodels
 * (tests/fixtures/analyze, made by tools/fixtures/make_analyze_fixtures.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/util.h"

static double get(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(o, a), b);
    if (!cJSON_IsNumber(x))
        fail_msg("%s.%s missing", a, b);
    return x->valuedouble;
}

static void near(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fmax(fabs(want), 1e-300)))
        fail_msg("got %.15g want %.15g", got, want);
}

static const cJSON *cmp0(const cJSON *rep, const char *metric)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "metrics"))
    {
        if (!strcmp(cJSON_GetObjectItem(m, "name")->valuestring, metric))
            return cJSON_GetArrayItem(cJSON_GetObjectItem(m, "comparisons"), 0);
    }
    fail_msg("no metric %s", metric);
    return NULL;
}

static double field(const ordo_csv_field_t *f)
{
    double v;
    if (f->n == 0)
        return NAN;
    if (ordo_parse_double(f->p, f->n, &v))
        fail_msg("bad number");
    return v;
}

static void test_golden(void **state)
{
    (void)state;
    char *csv, *js;
    size_t n, jn;
    ordo_error_t err;
    assert_int_equal(ordo_read_file(ORDO_SOURCE_DIR "/tests/fixtures/analyze/rows.csv", &csv, &n,
                                    &err),
                     ORDO_OK);
    assert_int_equal(ordo_read_file(ORDO_SOURCE_DIR "/tests/fixtures/analyze/expected.json", &js,
                                    &jn, &err),
                     ORDO_OK);
    cJSON *want = cJSON_Parse(js);
    assert_non_null(want);

    ordo_analyze_config_t *cfg = malloc(sizeof *cfg);
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_default(cfg, "golden", vars, 2, NULL);
    ordo_analysis_t *a;
    assert_int_equal(ordo_analysis_create(cfg, &a, &err), ORDO_OK);
    char *line = strtok(csv, "\n"); /* header */
    int rows = 0;
    while ((line = strtok(NULL, "\n"))) {
        ordo_csv_field_t f[8];
        assert_int_equal(ordo_csv_split(line, strlen(line), f, 8), 6);
        ordo_analyze_row_t r;
        ordo_analyze_row_init(&r);
        r.ts = 1795000000 + rows * 3600;
        r.variant = (uint32_t)field(&f[0]);
        r.v[ORDO_AF_CONTROL_COST] = field(&f[1]);
        r.v[ORDO_AF_ACTUAL_COST] = field(&f[2]);
        r.v[ORDO_AF_ON_TIME] = field(&f[3]);
        r.v[ORDO_AF_UNITS] = field(&f[4]);
        r.v[ORDO_AF_SHIPMENTS] = field(&f[5]);
        assert_int_equal(ordo_analysis_add(a, &r, &err), ORDO_OK);
        rows++;
    }
    assert_int_equal(rows, 300);
    assert_int_equal(ordo_analysis_finish(a, 0, &err), ORDO_OK);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    cJSON *rep = cJSON_Parse(b.data);
    assert_non_null(rep);

    const cJSON *c = cmp0(rep, "cost_per_order");
    near(get(c, "difference", "estimate"), get(want, "welch", "estimate"), 1e-10);
    near(get(c, "difference", "se"), get(want, "welch", "se"), 1e-10);
    near(get(c, "difference", "stat"), get(want, "welch", "stat"), 1e-9);
    near(get(c, "difference", "df"), get(want, "welch", "df"), 1e-9);
    near(get(c, "difference", "p_value"), get(want, "welch", "p_value"), 1e-6);
    const cJSON *cu = cJSON_GetObjectItem(c, "cuped");
    near(cJSON_GetObjectItem(cu, "theta")->valuedouble, get(want, "cuped", "theta"), 1e-9);
    near(get(cu, "difference", "estimate"), get(want, "cuped", "estimate"), 1e-9);
    near(get(cu, "difference", "p_value"), get(want, "cuped", "p_value"), 1e-5);

    c = cmp0(rep, "on_time_rate");
    near(get(c, "difference", "estimate"), get(want, "prop", "estimate"), 1e-12);
    near(get(c, "difference", "stat"), get(want, "prop", "stat"), 1e-9);
    near(get(c, "difference", "p_value"), get(want, "prop", "p_value"), 1e-8);

    c = cmp0(rep, "units_per_shipment");
    near(get(c, "difference", "estimate"), get(want, "ratio", "estimate"), 1e-12);
    near(get(c, "difference", "se"), get(want, "ratio", "se"), 1e-9);
    near(get(c, "difference", "p_value"), get(want, "ratio", "p_value"), 1e-8);

    cJSON_Delete(rep);
    cJSON_Delete(want);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
    free(cfg);
    free(csv);
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
