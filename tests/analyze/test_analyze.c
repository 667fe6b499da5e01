/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: metric files, the decision ↔ outcome join on synthetic data
 * directories with known effects, report numbers against direct formulas,
 * missing data, empty arms, the HTML report and the guardrail monitor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "analyze_fixture.h"
#include "ordo/stats.h"

/* ---- helpers ---- */

static cJSON *report_json(const ordo_analysis_t *a)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    /* never a silent NaN: the writer has no NaN token, and no text says nan */
    assert_null(strstr(b.data, "nan"));
    assert_null(strstr(b.data, "NaN"));
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    ordo_buf_free(&b);
    return j;
}

static const cJSON *metric_obj(const cJSON *rep, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "metrics"))
    {
        if (!strcmp(cJSON_GetObjectItem(m, "name")->valuestring, name))
            return m;
    }
    fail_msg("metric %s not in report", name);
    return NULL;
}

static double num(const cJSON *o, const char *path)
{
    /* dotted path; array index as a number */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
        if (tok[0] >= '0' && tok[0] <= '9')
            cur = cJSON_GetArrayItem(cur, atoi(tok));
        else
            cur = cJSON_GetObjectItem(cur, tok);
        if (!cur)
            fail_msg("no %s at %s", path, tok);
    }
    if (!cJSON_IsNumber(cur))
        fail_msg("%s is not a number", path);
    return cur->valuedouble;
}

static void assert_close(double got, double want, double rel)
{
    double tol = rel * fmax(1.0, fabs(want));
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.12g, want %.12g (tol %.3g)", got, want, tol);
}

/* Welch by direct formulas. */
typedef struct ref_arm {
    double n, sum, sumsq;
} ref_arm_t;

static void ref_add(ref_arm_t *r, double x)
{
    r->n += 1;
    r->sum += x;
    r->sumsq += x * x;
}

static double ref_mean(const ref_arm_t *r)
{
    return r->sum / r->n;
}

static double ref_var(const ref_arm_t *r)
{
    double m = ref_mean(r);
    return (r->sumsq - r->n * m * m) / (r->n - 1);
}

/* ---- metric definitions ---- */

static void test_metrics_example(void **state)
{
    (void)state;
    ordo_metric_set_t ex, def;
    ordo_error_t err;
    int rc = ordo_metric_set_load(ORDO_SOURCE_DIR "/docs/examples/metrics.json", &ex, &err);
    if (rc)
        fail_msg("%s", err.msg);
    ordo_metric_set_default(&def);
    assert_true(ex.n >= 20);
    assert_int_equal(ex.n, def.n);
    assert_memory_equal(&ex, &def, sizeof ex);
    int i = ordo_metric_set_find(&ex, "units_per_shipment");
    assert_true(i >= 0);
    assert_int_equal(ex.m[i].type, ORDO_METRIC_RATIO);
    assert_int_equal(ex.m[i].numerator, ORDO_AF_UNITS);
    assert_int_equal(ex.m[i].denominator, ORDO_AF_SHIPMENTS);
    i = ordo_metric_set_find(&ex, "on_time_rate");
    assert_int_equal(ex.m[i].good, ORDO_GOOD_HIGHER);
}

static void expect_bad(const char *json, const char *field)
{
    ordo_metric_set_t s;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_metric_set_parse(json, strlen(json), "t.json", &s, &err);
    assert_true(rc < 0);
    if (strcmp(err.field, field))
        fail_msg("field '%s', want '%s' (%s)", err.field, field, err.msg);
}

static void test_metrics_bad(void **state)
{
    (void)state;
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"nope\",\"type\":\"mean\","
               "\"good\":\"lower\"}]}",
               "metrics[0].numerator");
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"miles\",\"type\":\"proportion\","
               "\"good\":\"lower\"}]}",
               "metrics[0].numerator");
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"miles\",\"denominator\":"
               "\"shipments\",\"type\":\"mean\",\"good\":\"lower\"}]}",
               "metrics[0].denominator");
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"miles\",\"type\":\"mean\","
               "\"good\":\"up\"}]}",
               "metrics[0].good");
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"miles\",\"type\":\"mean\","
               "\"good\":\"lower\",\"colour\":1}]}",
               "metrics[0].colour");
    expect_bad("{\"metrics\":[{\"name\":\"x\",\"numerator\":\"miles\",\"type\":\"mean\","
               "\"good\":\"lower\"},{\"name\":\"x\",\"numerator\":\"units\",\"type\":\"mean\","
               "\"good\":\"lower\"}]}",
               "metrics[1].name");
    expect_bad("{\"metrics\":[]}", "metrics");
    ordo_metric_set_t s;
    ordo_error_t err;
    assert_int_equal(ordo_metric_set_parse("{", 1, "t", &s, &err), ORDO_EPARSE);
}

/* ---- the synthetic data directory ---- */

static void test_dir_report_numbers(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 1000;
    spec.spacing = 800; /* 9.3 days: past one full weekly cycle */
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, false);

    ordo_analysis_t *a;
    ordo_error_t err;
    int rc = ordo_analyze_dir(dir, NULL, &a, &err);
    if (rc)
        fail_msg("analyze: %s", err.msg);
    cJSON *rep = report_json(a);

    /* independent reference: actual cost per order over orders with outcomes */
    ref_arm_t cost[2] = {{0}}, planned[2] = {{0}};
    double ot_x[2] = {0}, ot_n[2] = {0};
    double missing = 0;
    /* CUPED: x = actual cost, y = control-policy planned cost */
    double sx[2] = {0}, sy[2] = {0}, sxx[2] = {0}, syy[2] = {0}, sxy[2] = {0}, nn[2] = {0};
    double ups_u[2] = {0}, ups_s[2] = {0};
    for (size_t i = 0; i < spec.n_orders; i++) {
        const fx_order_t *o = &orders[i];
        int v = o->variant;
        ref_add(&planned[v], o->planned);
        ups_u[v] += o->units;
        ups_s[v] += o->shipments;
        if (!o->has_outcome) {
            missing++;
            continue;
        }
        double x = o->ship + o->pick + o->pack;
        ref_add(&cost[v], x);
        ot_n[v] += 1;
        ot_x[v] += o->on_time == 1;
        double y = o->control_cost;
        nn[v]++;
        sx[v] += x;
        sy[v] += y;
        sxx[v] += x * x;
        syy[v] += y * y;
        sxy[v] += x * y;
    }
    assert_close(num(rep, "data.missing_outcome"), missing, 0);
    assert_close(num(rep, "data.orders_analysed"), (double)spec.n_orders, 0);
    assert_close(num(rep, "data.shadow_records"), (double)spec.n_orders / 2, 0);

    /* cost_per_order: Welch, unadjusted */
    const cJSON *m = metric_obj(rep, "cost_per_order");
    double mc = ref_mean(&cost[0]), mt = ref_mean(&cost[1]);
    double vc = ref_var(&cost[0]) / cost[0].n, vt = ref_var(&cost[1]) / cost[1].n;
    double se = sqrt(vc + vt);
    double df = (vc + vt) * (vc + vt) /
                (vc * vc / (cost[0].n - 1) + vt * vt / (cost[1].n - 1));
    assert_close(num(m, "variants.0.value"), mc, 1e-9);
    assert_close(num(m, "variants.1.value"), mt, 1e-9);
    assert_close(num(m, "variants.0.orders"), cost[0].n, 0);
    assert_close(num(m, "variants.1.missing"), (double)spec.n_orders / 2 - cost[1].n, 0);
    assert_close(num(m, "comparisons.0.difference.estimate"), mt - mc, 1e-9);
    assert_close(num(m, "comparisons.0.difference.se"), se, 1e-9);
    assert_close(num(m, "comparisons.0.difference.df"), df, 1e-9);
    assert_close(num(m, "comparisons.0.difference.p_value"),
                 2 * ordo_t_sf(fabs((mt - mc) / se), df), 1e-9);
    /* the true effect (−1) is inside the interval and the test sees it */
    assert_true(num(m, "comparisons.0.difference.ci_low") < -0.5);
    assert_true(num(m, "comparisons.0.difference.ci_high") < 0);

    /* CUPED with the control-policy planned cost as covariate */
    double N = nn[0] + nn[1];
    double my = (sy[0] + sy[1]) / N, mx = (sx[0] + sx[1]) / N;
    double cxy = (sxy[0] + sxy[1] - N * mx * my) / (N - 1);
    double vy = (syy[0] + syy[1] - N * my * my) / (N - 1);
    double theta = cxy / vy;
    double adj[2], avar[2];
    for (int v = 0; v < 2; v++) {
        double mxv = sx[v] / nn[v], myv = sy[v] / nn[v];
        adj[v] = mxv - theta * (myv - my);
        double vxx = (sxx[v] - nn[v] * mxv * mxv) / (nn[v] - 1);
        double vyy = (syy[v] - nn[v] * myv * myv) / (nn[v] - 1);
        double cv = (sxy[v] - nn[v] * mxv * myv) / (nn[v] - 1);
        avar[v] = vxx - 2 * theta * cv + theta * theta * vyy;
    }
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(m,
                                                                                   "comparisons"),
                                                                0),
                                            "analysis")
                            ->valuestring,
                        "cuped");
    assert_close(num(m, "comparisons.0.cuped.theta"), theta, 1e-8);
    assert_close(num(m, "comparisons.0.cuped.difference.estimate"), adj[1] - adj[0], 1e-8);
    assert_close(num(m, "comparisons.0.cuped.difference.se"),
                 sqrt(avar[0] / nn[0] + avar[1] / nn[1]), 1e-8);
    /* the covariate explains most of the cost: a real variance reduction */
    assert_true(num(m, "comparisons.0.cuped.variance_reduction") > 0.5);

    /* planned cost covers every order, outcomes or not */
    m = metric_obj(rep, "planned_cost_per_order");
    assert_close(num(m, "variants.0.value"), ref_mean(&planned[0]), 1e-9);
    assert_close(num(m, "variants.0.orders"), planned[0].n, 0);

    /* on-time rate: two proportions, pooled z */
    m = metric_obj(rep, "on_time_rate");
    double pc = ot_x[0] / ot_n[0], pt = ot_x[1] / ot_n[1];
    double pp = (ot_x[0] + ot_x[1]) / (ot_n[0] + ot_n[1]);
    double z = (pt - pc) / sqrt(pp * (1 - pp) * (1 / ot_n[0] + 1 / ot_n[1]));
    assert_close(num(m, "variants.1.value"), pt, 1e-12);
    assert_close(num(m, "comparisons.0.difference.estimate"), pt - pc, 1e-12);
    assert_close(num(m, "comparisons.0.difference.stat"), z, 1e-9);

    /* units per shipment: ratio of sums */
    m = metric_obj(rep, "units_per_shipment");
    assert_close(num(m, "variants.0.value"), ups_u[0] / ups_s[0], 1e-12);
    assert_close(num(m, "variants.1.value"), ups_u[1] / ups_s[1], 1e-12);

    /* SRM: exact 50/50 split */
    assert_close(num(rep, "srm.observed.0"), (double)spec.n_orders / 2, 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "srm"), "mismatch")));

    /* Holm and BH adjusted p-values are >= the raw ones */
    const cJSON *mm;
    cJSON_ArrayForEach(mm, cJSON_GetObjectItem(rep, "metrics"))
    {
        const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(mm, "comparisons"), 0);
        const cJSON *ph = cJSON_GetObjectItem(c, "p_holm");
        if (cJSON_IsNumber(ph)) {
            assert_true(ph->valuedouble >= num(c, "p_value") - 1e-15);
            assert_true(num(c, "p_bh") <= ph->valuedouble + 1e-15);
        }
    }

    /* segments: regions seen, time series and sequential looks exist */
    const cJSON *seg = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "segments"), "region");
    assert_int_equal(cJSON_GetArraySize(seg), 4);
    const cJSON *ts = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "timeseries"), 0);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(ts, "days")) >= 2);
    const cJSON *seq = cJSON_GetArrayItem(cJSON_GetObjectItem(ts, "sequential"), 0);
    const cJSON *looks = cJSON_GetObjectItem(seq, "looks");
    assert_true(cJSON_GetArraySize(looks) >= 2);
    /* the confidence sequence contains the fixed-horizon estimate and only narrows */
    double prev_w = INFINITY;
    const cJSON *lk;
    cJSON_ArrayForEach(lk, looks)
    {
        double w = num(lk, "cs_high") - num(lk, "cs_low");
        assert_true(w <= prev_w + 1e-12);
        prev_w = w;
    }

    /* verdict: cost improved by ~1 USD with on-time inside a 0.1 margin: ship */
    const cJSON *vd = cJSON_GetObjectItem(rep, "verdict");
    if (strcmp(cJSON_GetObjectItem(vd, "decision")->valuestring, "ship"))
        fail_msg("verdict %s: %s", cJSON_GetObjectItem(vd, "decision")->valuestring,
                 cJSON_GetObjectItem(vd, "reason")->valuestring);
    assert_string_equal(cJSON_GetObjectItem(vd, "variant")->valuestring, "treatment");

    /* a note states the missing outcomes and their treatment */
    bool noted = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(rep, "notes"))
    {
        noted |= strstr(n->valuestring, "no outcome events") != NULL;
    }
    assert_true(noted);

    /* text output: no nan, verdict line present */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_text(a, &b), ORDO_OK);
    assert_null(strstr(b.data, "nan"));
    assert_non_null(strstr(b.data, "Verdict: SHIP treatment"));
    ordo_buf_free(&b);

    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

/* A primary KPI is judged in every report by Holm among the primary KPIs
 * (the family the verdict tests), any other metric by Holm across the
 * tested metrics: JSON p_holm_kpis against Holm computed here, and each
 * row's result against the p that judges it. */
static void test_kpi_family_p(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 1000;
    spec.spacing = 800;
    spec.on_time_treat = 0.94;
    spec.kpis = "\"cost_per_order\",\"on_time_rate\"";
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, NULL, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    if (ordo_analyze_dir(dir, NULL, &a, &err))
        fail_msg("analyze: %s", err.msg);
    cJSON *rep = report_json(a);

    static const char *const kpis[2] = {"cost_per_order", "on_time_rate"};
    double p[2], adj[2];
    const cJSON *c[2];
    for (int i = 0; i < 2; i++) {
        const cJSON *m = metric_obj(rep, kpis[i]);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "primary")));
        c[i] = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "comparisons"), 0);
        p[i] = num(c[i], "p_value");
    }
    /* Holm for two: the smaller p times 2, the larger at least that */
    int lo = p[0] <= p[1] ? 0 : 1, hi = 1 - lo;
    adj[lo] = fmin(1, 2 * p[lo]);
    adj[hi] = fmin(1, fmax(adj[lo], p[hi]));
    for (int i = 0; i < 2; i++)
        assert_close(num(c[i], "p_holm_kpis"), adj[i], 1e-12);

    bool narrower = false;
    const cJSON *mm;
    cJSON_ArrayForEach(mm, cJSON_GetObjectItem(rep, "metrics"))
    {
        const cJSON *cc = cJSON_GetArrayItem(cJSON_GetObjectItem(mm, "comparisons"), 0);
        if (!cJSON_IsTrue(cJSON_GetObjectItem(cc, "available")))
            continue;
        bool primary = cJSON_IsTrue(cJSON_GetObjectItem(mm, "primary"));
        const cJSON *pk = cJSON_GetObjectItem(cc, "p_holm_kpis");
        assert_int_equal(primary, pk != NULL);
        const cJSON *ph = cJSON_GetObjectItem(cc, "p_holm");
        const char *result = cJSON_GetObjectItem(cc, "result")->valuestring;
        if (!strcmp(result, "descriptive"))
            continue;
        double judge = primary ? pk->valuedouble : cJSON_IsNumber(ph) ? ph->valuedouble : NAN;
        bool sig = strcmp(result, "not significant") != 0;
        assert_int_equal(sig, judge < 0.05);
        if (primary && cJSON_IsNumber(ph)) {
            assert_true(pk->valuedouble <= ph->valuedouble + 1e-15);
            narrower |= pk->valuedouble < ph->valuedouble;
        }
    }
    /* the two families differ here: the test tells them apart */
    assert_true(narrower);

    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_text(a, &b), ORDO_OK);
    assert_non_null(strstr(b.data, "p_holm: Holm among the primary KPIs on * rows"));
    ordo_buf_free(&b);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
}

static void test_dir_no_shadows_skips_cuped(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.shadows = false;
    spec.n_orders = 120;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_OK);
    cJSON *rep = report_json(a);
    const cJSON *c =
        cJSON_GetArrayItem(cJSON_GetObjectItem(metric_obj(rep, "cost_per_order"), "comparisons"),
                           0);
    assert_string_equal(cJSON_GetObjectItem(c, "analysis")->valuestring, "unadjusted");
    assert_non_null(strstr(cJSON_GetObjectItem(c, "cuped_note")->valuestring, "skipped"));
    bool noted = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(rep, "notes"))
    {
        noted |= strstr(n->valuestring, "CUPED skipped") != NULL;
    }
    assert_true(noted);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

static void test_dir_empty_arm(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.treatment_empty = true;
    spec.n_orders = 50;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_OK);
    cJSON *rep = report_json(a);
    const cJSON *m = metric_obj(rep, "cost_per_order");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "comparisons"), 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(c, "available")));
    assert_non_null(strstr(cJSON_GetObjectItem(c, "reason")->valuestring, "no orders"));
    const cJSON *arm = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "variants"), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(arm, "value")));
    assert_non_null(cJSON_GetObjectItem(arm, "reason"));
    const cJSON *vd = cJSON_GetObjectItem(rep, "verdict");
    assert_string_equal(cJSON_GetObjectItem(vd, "decision")->valuestring, "do_not_ship");
    /* all orders in one arm is a sample ratio mismatch */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "srm"), "mismatch")));
    bool noted = false;
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(rep, "notes"))
    {
        noted |= strstr(n->valuestring, "variant treatment has no orders") != NULL;
    }
    assert_true(noted);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_text(a, &b), ORDO_OK);
    assert_null(strstr(b.data, "nan"));
    assert_non_null(strstr(b.data, "unavailable"));
    ordo_buf_reset(&b);
    assert_int_equal(ordo_analysis_write_html(a, &b), ORDO_OK);
    assert_null(strstr(b.data, "nan"));
    ordo_buf_free(&b);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

/* ---- the core on hand-made rows: NaN, infinity, customer units ---- */

static void test_core_nan_and_customer_units(void **state)
{
    (void)state;
    ordo_analyze_config_t cfg;
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_default(&cfg, "core", vars, 2, NULL);
    cfg.unit = ORDO_EXP_UNIT_CUSTOMER;
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analysis_create(&cfg, &a, &err), ORDO_OK);
    /* 40 customers, each 1..4 orders; cost = customer effect + noise */
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 3);
    double X[40] = {0}, Y[40] = {0};
    int var[40];
    for (int c = 0; c < 40; c++) {
        var[c] = c % 2;
        char key[16];
        snprintf(key, sizeof key, "cust-%d", c);
        int k = 1 + (int)ordo_rng_below(&rng, 4);
        double base = 10 + 3 * ordo_rng_normal(&rng) - (var[c] ? 1.0 : 0.0);
        for (int i = 0; i < k; i++) {
            ordo_analyze_row_t row;
            ordo_analyze_row_init(&row);
            row.ts = 1795000000 + c * 3600 + i;
            row.variant = (uint32_t)var[c];
            assert_int_equal(ordo_analysis_unit(a, key, strlen(key), &row.unit, &err), ORDO_OK);
            double x = base + ordo_rng_normal(&rng);
            row.v[ORDO_AF_ACTUAL_COST] = x;
            row.v[ORDO_AF_HAS_OUTCOME] = 1;
            if (i == 1)
                row.v[ORDO_AF_ACTUAL_COST] = NAN; /* missing: skipped */
            if (i == 2)
                row.v[ORDO_AF_ACTUAL_COST] = INFINITY; /* non-finite: counted, skipped */
            if (isfinite(row.v[ORDO_AF_ACTUAL_COST])) {
                X[c] += x;
                Y[c] += 1;
            }
            assert_int_equal(ordo_analysis_add(a, &row, &err), ORDO_OK);
        }
    }
    ordo_analyze_row_t bad;
    ordo_analyze_row_init(&bad);
    bad.variant = 7;
    assert_int_equal(ordo_analysis_add(a, &bad, &err), ORDO_EINVAL);
    assert_int_equal(ordo_analysis_finish(a, 0, &err), ORDO_OK);
    cJSON *rep = report_json(a);
    /* delta method on customer totals, by direct formulas */
    double R[2], V[2];
    for (int v = 0; v < 2; v++) {
        double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int c = 0; c < 40; c++)
            if (var[c] == v && Y[c] > 0) {
                n++;
                sx += X[c];
                sy += Y[c];
                sxx += X[c] * X[c];
                syy += Y[c] * Y[c];
                sxy += X[c] * Y[c];
            }
        double mx = sx / n, my = sy / n;
        double vx = (sxx - n * mx * mx) / (n - 1), vy = (syy - n * my * my) / (n - 1),
               cxy = (sxy - n * mx * my) / (n - 1);
        R[v] = mx / my;
        V[v] = (vx - 2 * R[v] * cxy + R[v] * R[v] * vy) / (n * my * my);
    }
    const cJSON *m = metric_obj(rep, "cost_per_order");
    assert_close(num(m, "variants.0.value"), R[0], 1e-10);
    assert_close(num(m, "variants.1.value"), R[1], 1e-10);
    assert_close(num(m, "comparisons.0.difference.estimate"), R[1] - R[0], 1e-10);
    assert_close(num(m, "comparisons.0.difference.se"), sqrt(V[0] + V[1]), 1e-9);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(m,
                                                                                    "comparisons"),
                                                                 0),
                                            "method")
                            ->valuestring,
                        "delta method");
    assert_true(num(rep, "data.nonfinite_values") > 0);
    assert_close(num(rep, "srm.observed.0") + num(rep, "srm.observed.1"), 40, 0);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
}

/* ---- HTML: standalone, balanced SVG, required sections ---- */

/* Checks that every tag between <svg and </svg> is balanced. */
static void check_svg_balanced(const char *html)
{
    int n_svg = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p, "<svg")) {
        const char *end = strstr(p, "</svg>");
        assert_non_null(end);
        char stack[64][16];
        int depth = 0;
        const char *q = p;
        while (q < end + 6) {
            q = strchr(q, '<');
            if (!q || q >= end + 6)
                break;
            bool closing = q[1] == '/';
            const char *ns = q + (closing ? 2 : 1);
            size_t len = strcspn(ns, " />\n");
            const char *gt = strchr(q, '>');
            assert_non_null(gt);
            bool self = gt[-1] == '/';
            char name[16];
            snprintf(name, sizeof name, "%.*s", (int)(len < 15 ? len : 15), ns);
            if (closing) {
                assert_true(depth > 0);
                assert_string_equal(stack[depth - 1], name);
                depth--;
            } else if (!self) {
                assert_true(depth < 64);
                snprintf(stack[depth++], 16, "%s", name);
            }
            q = gt + 1;
        }
        assert_int_equal(depth, 0);
        n_svg++;
        p = end;
    }
    assert_true(n_svg >= 3); /* forest, cumulative, sequential */
}

static void test_html_report(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 200;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_OK);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_html(a, &b), ORDO_OK);
    const char *h = b.data;
    assert_non_null(strstr(h, "<!DOCTYPE html>"));
    assert_non_null(strstr(h, "</html>"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "http://www.w3.org/1999")); /* nothing but the SVG namespace */
    assert_null(strstr(h, "src=\""));
    assert_null(strstr(h, "nan"));
    static const char *const sections[] = {"id=\"verdict\"",    "id=\"forest\"",
                                           "id=\"timeseries\"", "id=\"guardrails\"",
                                           "id=\"srm\"",        "id=\"segments\"",
                                           "By region",         "By product family",
                                           "By order value",    "confidence sequence",
                                           "cumulative value per variant"};
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        if (!strstr(h, sections[i]))
            fail_msg("HTML lacks %s", sections[i]);
    check_svg_balanced(h);
    /* deterministic: the same data gives the same bytes */
    ordo_analysis_t *a2;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a2, &err), ORDO_OK);
    ordo_buf_t b2;
    ordo_buf_init(&b2, NULL);
    assert_int_equal(ordo_analysis_write_html(a2, &b2), ORDO_OK);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    ordo_buf_free(&b2);
    ordo_analysis_destroy(a2);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

/* ---- the guardrail monitor ---- */

static int stop_calls;
static char stop_metric[64];

static int fake_stop(void *ctx, const char *experiment, const char *metric, const char *detail,
                     ordo_error_t *err)
{
    (void)ctx;
    (void)detail;
    (void)err;
    assert_string_equal(experiment, "exp-fx");
    stop_calls++;
    snprintf(stop_metric, sizeof stop_metric, "%s", metric);
    return ORDO_OK;
}

static void test_monitor(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 1200;
    spec.on_time_control = 0.95;
    spec.on_time_treat = 0.55; /* a 40-point collapse against a 5-point margin */
    spec.guard_margin = 0.05;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, true);

    ordo_analyze_monitor_result_t res;
    ordo_error_t err;
    stop_calls = 0;
    assert_int_equal(ordo_analyze_monitor(dir, NULL, fake_stop, NULL, false, &res, &err), ORDO_OK);
    assert_int_equal(res.n_breaches, 1);
    assert_string_equal(res.breaches[0].metric, "on_time_rate");
    assert_true(res.breaches[0].cs_high < -0.05);
    assert_int_equal(stop_calls, 1);
    assert_string_equal(stop_metric, "on_time_rate");
    assert_true(res.stopped);

    /* dry run: nothing called */
    stop_calls = 0;
    assert_int_equal(ordo_analyze_monitor(dir, NULL, fake_stop, NULL, true, &res, &err), ORDO_OK);
    assert_int_equal(res.n_breaches, 1);
    assert_int_equal(stop_calls, 0);
    assert_false(res.stopped);

    /* through the registry: the experiment ends up stopped, audited */
    assert_int_equal(ordo_analyze_monitor(dir, NULL, NULL, NULL, false, &res, &err), ORDO_OK);
    assert_true(res.stopped);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    FX_CHECK(ordo_exp_registry_open(store, &reg, &err));
    ordo_exp_t *exp;
    FX_CHECK(ordo_exp_registry_get(reg, "exp-fx", &exp, &err));
    assert_int_equal(exp->status.state, ORDO_EXP_STOPPED);
    assert_non_null(strstr(exp->status.stop_reason, "on_time_rate"));
    ordo_exp_destroy(exp);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);

    /* the report says do not ship, naming the guardrail */
    ordo_analysis_t *a;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_OK);
    const char *why;
    assert_int_equal(ordo_analysis_verdict(a, NULL, &why), ORDO_VERDICT_DO_NOT_SHIP);
    assert_non_null(strstr(why, "on_time_rate"));
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    free(orders);
}

static void test_monitor_no_breach(void **state)
{
    (void)state;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 300;
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    char *dir = fx_tmp_dir();
    fx_build(dir, &spec, orders, true);
    ordo_analyze_monitor_result_t res;
    ordo_error_t err;
    stop_calls = 0;
    assert_int_equal(ordo_analyze_monitor(dir, NULL, fake_stop, NULL, false, &res, &err), ORDO_OK);
    assert_int_equal(res.n_breaches, 0);
    /* on_time_rate, and the default guardrail on cost_per_order */
    assert_int_equal(res.n_guardrails, 2);
    assert_int_equal(stop_calls, 0);
    fx_rm_tree(dir);
    free(orders);
}

static void test_not_a_data_dir(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    ordo_analysis_t *a = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_ENOENT);
    assert_null(a);
    fx_rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_example),
        cmocka_unit_test(test_metrics_bad),
        cmocka_unit_test(test_dir_report_numbers),
        cmocka_unit_test(test_kpi_family_p),
        cmocka_unit_test(test_dir_no_shadows_skips_cuped),
        cmocka_unit_test(test_dir_empty_arm),
        cmocka_unit_test(test_core_nan_and_customer_units),
        cmocka_unit_test(test_html_report),
        cmocka_unit_test(test_monitor),
        cmocka_unit_test(test_monitor_no_breach),
        cmocka_unit_test(test_not_a_data_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
