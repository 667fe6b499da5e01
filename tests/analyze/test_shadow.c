/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: the shadow comparison. A data directory built through the log
 * API with decisions and shadow records of known cost, on-time and split
 * differences, by real arm (control, treatment, not in the experiment);
 * the reported paired differences and intervals against values computed
 * here by direct two-pass formulas with t quantiles from scipy. Plus the
 * pairing corner cases (shadow before its decision, unpaired, warm-up,
 * other experiments), a data directory without shadow records and the
 * core's unavailable cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "analyze_fixture.h"
#include "ordo/stats.h"

/* scipy.stats.t.isf(0.025, df), Debian python3-scipy:
 *   /usr/bin/python3 -c "from scipy import stats; print(stats.t.isf(0.025, 119))" */
static double t975(double df)
{
    if (df == 119)
        return 1.9800998764260065;
    if (df == 59)
        return 2.0009953770482105;
    if (df == 299)
        return 1.9679296690653623;
    fail_msg("no scipy t quantile for df %g", df);
    return NAN;
}

static void assert_close(double got, double want, double rel)
{
    double tol = rel * fmax(1.0, fabs(want));
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.12g, want %.12g (tol %.3g)", got, want, tol);
}

static cJSON *report_json(const ordo_analysis_t *a)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_null(strstr(b.data, "nan"));
    assert_null(strstr(b.data, "NaN"));
    assert_null(strstr(b.data, ":inf"));
    assert_null(strstr(b.data, ":-inf"));
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    ordo_buf_free(&b);
    return j;
}

static char *report_text(const ordo_analysis_t *a, bool html)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(html ? ordo_analysis_write_html(a, &b) : ordo_analysis_write_text(a, &b),
                     ORDO_OK);
    ordo_buf_putc(&b, 0);
    assert_null(strstr(b.data, "nan"));
    assert_null(strstr(b.data, "NaN"));
    return b.data; /* caller frees */
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", key);
    return v->valuedouble;
}

/* ---- the synthetic data ---- */

#define SH_N 310 /* orders: 0..9 in warm-up, 10..309 analysed */
#define SH_WARM 10
enum { G_CONTROL = 0, G_TREATMENT = 1, G_OUT = 2, G_ALL = 3, G_N = 4 };

typedef struct sh_ship {
    const char *node, *service;
    const char *sku[2];
    int qty[2];
    int n_lines;
} sh_ship_t;

typedef struct sh_plan {
    double cost, on_time;
    int n_ships;
    sh_ship_t ships[2];
} sh_plan_t;

typedef struct sh_order {
    int group; /* G_CONTROL, G_TREATMENT, G_OUT */
    int64_t ts;
    sh_plan_t real, shadow;
    bool differs;
} sh_order_t;

static void plan_json(ordo_jsonw_t *w, const sh_plan_t *p)
{
    ordo_jsonw_key(w, "plan");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "status", "ok");
    ordo_jsonw_key(w, "shipments");
    ordo_jsonw_arr_begin(w);
    int units = 0;
    for (int s = 0; s < p->n_ships; s++) {
        const sh_ship_t *sh = &p->ships[s];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "node", sh->node);
        ordo_jsonw_kstr(w, "service", sh->service);
        ordo_jsonw_key(w, "lines");
        ordo_jsonw_arr_begin(w);
        for (int l = 0; l < sh->n_lines; l++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kint(w, "line", l);
            ordo_jsonw_kstr(w, "sku", sh->sku[l]);
            ordo_jsonw_kint(w, "quantity", sh->qty[l]);
            ordo_jsonw_obj_end(w);
            units += sh->qty[l];
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_kint(w, "zone", 3);
        ordo_jsonw_kdouble(w, "miles", 250.0);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "totals");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "shipments", p->n_ships);
    ordo_jsonw_kint(w, "units", units);
    ordo_jsonw_key(w, "cost");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "total", p->cost);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kdouble(w, "on_time_prob", p->on_time);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

/* A decision (shadow false) or shadow record. exp NULL: no experiment. */
static void record_json(ordo_buf_t *b, const char *oid, int64_t ts, const char *exp,
                        const char *variant, bool shadow, const char *policy_name,
                        const char *policy_version, const sh_plan_t *p)
{
    char t[32];
    ordo_time_format(ts, t, sizeof t);
    ordo_buf_reset(b);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "record_version", 1);
    ordo_jsonw_kstr(&w, "timestamp", t);
    ordo_jsonw_kstr(&w, "order_id", oid);
    ordo_jsonw_key(&w, "policy");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "name", policy_name);
    ordo_jsonw_kstr(&w, "version", policy_version);
    ordo_jsonw_obj_end(&w);
    if (exp) {
        ordo_jsonw_kstr(&w, "experiment", exp);
        ordo_jsonw_kstr(&w, "variant", variant);
        ordo_jsonw_kbool(&w, "excluded", false);
    }
    if (shadow)
        ordo_jsonw_kbool(&w, "shadow", true);
    ordo_jsonw_kbool(&w, "fallback", false);
    ordo_jsonw_key(&w, "order");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "id", oid);
    ordo_jsonw_key(&w, "ship_to");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "zip", "02139");
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    plan_json(&w, p);
    ordo_jsonw_obj_end(&w);
    if (ordo_jsonw_finish(&w))
        abort();
}

static const char *const nodes[] = {"DC-1", "DC-2", "ST-9"};
static const char *const services[] = {"ground", "2day"};
static const char *const skus[] = {"SKU-A", "SKU-B", "SKU-C"};

static void random_plan(ordo_rng_t *r, sh_plan_t *p)
{
    memset(p, 0, sizeof *p);
    p->cost = 10 + 3 * ordo_rng_uniform(r);
    p->on_time = 0.85 + 0.1 * ordo_rng_uniform(r);
    p->n_ships = ordo_rng_uniform(r) < 0.3 ? 2 : 1;
    for (int s = 0; s < p->n_ships; s++) {
        sh_ship_t *sh = &p->ships[s];
        sh->node = nodes[ordo_rng_below(r, 3)];
        sh->service = services[ordo_rng_below(r, 2)];
        sh->n_lines = 1 + (int)ordo_rng_below(r, 2);
        for (int l = 0; l < sh->n_lines; l++) {
            sh->sku[l] = skus[(s * 2 + l) % 3];
            sh->qty[l] = 1 + (int)ordo_rng_below(r, 3);
        }
    }
}

static const int64_t SH_T0 = 1795000000; /* experiment start */

/* Builds the directory; fills orders[SH_N]. */
static void build(const char *dir, sh_order_t *orders)
{
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open(dir, NULL, &store, &err));
    ordo_exp_registry_t *reg;
    FX_CHECK(ordo_exp_registry_open(store, &reg, &err));
    const char *doc =
        "{\"id\":\"exp-sh\",\"hypothesis\":\"the candidate plans cheaper\",\"unit\":\"order\","
        "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"
        "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"
        "\"warmup_hours\":2,\"primary_kpis\":[\"cost_per_order\"],"
        "\"shadow\":{\"policy\":\"default\"}}";
    ordo_exp_t *exp;
    int rc = ordo_exp_registry_create(reg, doc, strlen(doc), "fx", "test", NULL, &exp, &err);
    if (rc) {
        fprintf(stderr, "create: %s (%s)\n", err.msg, err.field);
        abort();
    }
    assert_true(exp->has_shadow);
    ordo_exp_destroy(exp);
    FX_CHECK(ordo_exp_registry_transition(reg, "exp-sh", ORDO_EXP_ACT_START, NULL, "test", NULL,
                                          SH_T0, NULL, &err));
    ordo_exp_registry_close(reg);
    FX_CHECK(ordo_store_close(store, &err));

    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 2026);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    static const double delta[3] = {-0.8, 1.2, 0.0}; /* shadow − real cost by group */
    for (int i = 0; i < SH_N; i++) {
        sh_order_t *o = &orders[i];
        o->group = i < SH_WARM ? i % 2 : (i % 5 < 2 ? G_CONTROL : i % 5 < 4 ? G_TREATMENT : G_OUT);
        /* warm-up is 2 h after the start */
        o->ts = i < SH_WARM ? SH_T0 + 60 * i : SH_T0 + 3 * 3600 + 60 * i;
        random_plan(&rng, &o->real);
        if (i % 3 == 0) {
            random_plan(&rng, &o->shadow);
            o->shadow.ships[0].node = "DC-9"; /* never a real node: surely differs */
            o->differs = true;
        } else {
            o->shadow = o->real;
            if (o->real.n_ships == 2) { /* the same lines in another order: not a difference */
                o->shadow.ships[0] = o->real.ships[1];
                o->shadow.ships[1] = o->real.ships[0];
            }
            o->differs = false;
        }
        o->shadow.cost = o->real.cost + delta[o->group] + 0.5 * ordo_rng_normal(&rng);
        o->shadow.on_time = o->real.on_time - 0.01 + 0.02 * ordo_rng_uniform(&rng);

        char oid[32];
        snprintf(oid, sizeof oid, "S-%05d", i);
        const char *exp_id = o->group == G_OUT ? (i % 2 ? "exp-other" : NULL) : "exp-sh";
        const char *variant = o->group == G_CONTROL     ? "control"
                              : o->group == G_TREATMENT ? "treatment"
                                                        : "x";
        ordo_buf_t sb;
        ordo_buf_init(&sb, NULL);
        record_json(&sb, oid, o->ts, "exp-sh", o->group == G_OUT ? "" : variant, true, "default",
                    "dddd000011112222", &o->shadow);
        record_json(&b, oid, o->ts, exp_id, variant, false, "p", "rrrr000011112222", &o->real);
        bool shadow_first = i % 7 == 0;
        if (shadow_first)
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o->ts * 1000000000LL, sb.data, sb.len, NULL, &err));
        FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, oid, strlen(oid), o->ts * 1000000000LL,
                                 b.data, b.len, NULL, &err));
        if (!shadow_first)
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o->ts * 1000000000LL, sb.data, sb.len, NULL, &err));
        ordo_buf_free(&sb);
        if (i == 100) {
            /* a shadow without its decision, and one of another experiment */
            sh_plan_t p;
            random_plan(&rng, &p);
            record_json(&b, "S-GHOST", o->ts, "exp-sh", "", true, "default", "dddd000011112222",
                        &p);
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, "S-GHOST", 7, o->ts * 1000000000LL,
                                     b.data, b.len, NULL, &err));
            record_json(&b, oid, o->ts, "exp-other", "", true, "other", "eeee000011112222", &p);
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o->ts * 1000000000LL, b.data, b.len, NULL, &err));
        }
    }
    ordo_buf_free(&b);
    FX_CHECK(ordo_log_close(log, &err));
}

/* Direct two-pass reference for one group and one metric. */
typedef struct ref {
    size_t n;
    double real, shadow, diff, lo, hi;
} ref_t;

static double metric_of(const sh_plan_t *p, int m)
{
    switch (m) {
    case ORDO_AN_SHADOW_COST:
        return p->cost;
    case ORDO_AN_SHADOW_ON_TIME:
        return p->on_time;
    case ORDO_AN_SHADOW_SHIPMENTS:
        return p->n_ships;
    default:
        return p->n_ships > 1;
    }
}

static ref_t reference(const sh_order_t *orders, int group, int m)
{
    ref_t r = {0};
    double sr = 0, ss = 0;
    for (int i = SH_WARM; i < SH_N; i++) {
        const sh_order_t *o = &orders[i];
        if (group != G_ALL && o->group != group)
            continue;
        r.n++;
        sr += metric_of(&o->real, m);
        ss += metric_of(&o->shadow, m);
    }
    double n = (double)r.n;
    r.real = sr / n;
    r.shadow = ss / n;
    double mean = 0;
    for (int i = SH_WARM; i < SH_N; i++)
        if (group == G_ALL || orders[i].group == group)
            mean += metric_of(&orders[i].shadow, m) - metric_of(&orders[i].real, m);
    mean /= n;
    double ssd = 0;
    for (int i = SH_WARM; i < SH_N; i++)
        if (group == G_ALL || orders[i].group == group) {
            double d = metric_of(&orders[i].shadow, m) - metric_of(&orders[i].real, m) - mean;
            ssd += d * d;
        }
    double se = sqrt(ssd / (n - 1) / n);
    double q = t975(n - 1);
    r.diff = mean;
    r.lo = mean - q * se;
    r.hi = mean + q * se;
    return r;
}

static const cJSON *group_obj(const cJSON *sh, int group)
{
    if (group == G_ALL)
        return cJSON_GetObjectItem(sh, "overall");
    return cJSON_GetArrayItem(cJSON_GetObjectItem(sh, "arms"), group);
}

static void test_shadow_dir(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    sh_order_t *orders = calloc(SH_N, sizeof *orders);
    build(dir, orders);
    ordo_analyze_options_t opt = {.experiment = "exp-sh"};
    ordo_analysis_t *a;
    ordo_error_t err;
    int rc = ordo_analyze_dir(dir, &opt, &a, &err);
    if (rc)
        fail_msg("analyze: %s", err.msg);
    cJSON *rep = report_json(a);
    const cJSON *sh = cJSON_GetObjectItem(rep, "shadow");
    assert_non_null(sh);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sh, "available")));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sh, "policy"), "name")->valuestring,
                        "default");
    assert_int_equal((int)jnum(sh, "records"), SH_N + 1);      /* + the ghost */
    assert_int_equal((int)jnum(sh, "paired"), SH_N - SH_WARM); /* warm-up left out */
    assert_int_equal((int)jnum(sh, "excluded"), SH_WARM);
    assert_int_equal((int)jnum(sh, "unpaired"), 1);
    assert_int_equal((int)jnum(sh, "other_records"), 1);
    /* the main analysis saw the same orders */
    assert_int_equal((int)jnum(cJSON_GetObjectItem(rep, "data"), "orders_analysed"), 240);

    static const char *const labels[] = {"control", "treatment", "not in experiment"};
    for (int g = 0; g < G_N; g++) {
        const cJSON *go = group_obj(sh, g);
        assert_non_null(go);
        if (g < G_ALL) {
            assert_string_equal(cJSON_GetObjectItem(go, "label")->valuestring, labels[g]);
            assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(go, "in_experiment")), g != G_OUT);
        }
        size_t n = 0, differ = 0;
        for (int i = SH_WARM; i < SH_N; i++)
            if (g == G_ALL || orders[i].group == g) {
                n++;
                differ += orders[i].differs;
            }
        assert_int_equal((size_t)jnum(go, "orders"), n);
        assert_int_equal((size_t)jnum(go, "plans_differ"), differ);
        assert_close(jnum(go, "differ_share"), (double)differ / (double)n, 1e-12);
        const cJSON *ms = cJSON_GetObjectItem(go, "metrics");
        assert_int_equal(cJSON_GetArraySize(ms), ORDO_AN_SHADOW_METRICS);
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            const cJSON *mo = cJSON_GetArrayItem(ms, m);
            assert_string_equal(cJSON_GetObjectItem(mo, "name")->valuestring,
                                ordo_analyze_shadow_metric_name(m));
            ref_t r = reference(orders, g, m);
            assert_int_equal((size_t)jnum(mo, "orders"), r.n);
            assert_true(cJSON_IsTrue(cJSON_GetObjectItem(mo, "available")));
            assert_close(jnum(mo, "real"), r.real, 1e-9);
            assert_close(jnum(mo, "shadow"), r.shadow, 1e-9);
            const cJSON *d = cJSON_GetObjectItem(mo, "difference");
            assert_close(jnum(d, "estimate"), r.diff, 1e-9);
            assert_close(jnum(d, "ci_low"), r.lo, 1e-8);
            assert_close(jnum(d, "ci_high"), r.hi, 1e-8);
            assert_close(jnum(d, "df"), (double)r.n - 1, 0);
        }
    }
    /* the known cost effect is where it was put */
    const cJSON *cc = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(group_obj(sh, G_CONTROL), "metrics"), 0),
        "difference");
    assert_true(jnum(cc, "ci_low") < -0.8 && jnum(cc, "ci_high") > -0.8);
    assert_true(jnum(cc, "ci_high") < 0);
    const cJSON *tc = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(group_obj(sh, G_TREATMENT), "metrics"), 0),
        "difference");
    assert_true(jnum(tc, "ci_low") < 1.2 && jnum(tc, "ci_high") > 1.2);

    char *text = report_text(a, false);
    assert_non_null(strstr(text, "Shadow policy default (dddd000011112222)"));
    assert_non_null(strstr(text, "not in experiment"));
    assert_non_null(strstr(text, "plan differs"));
    assert_non_null(strstr(text, "have no real decision of the same order")); /* the ghost */
    free(text);
    char *html = report_text(a, true);
    assert_non_null(strstr(html, "id=\"shadow\""));
    assert_non_null(strstr(html, "not in experiment"));
    free(html);
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    free(orders);
    fx_rm_tree(dir);
}

/* fx_build's shadow records carry no experiment (CUPED only): the report
 * says there is nothing to compare, in every form. */
static void test_no_shadow_records(void **state)
{
    (void)state;
    for (int with_cuped_shadows = 0; with_cuped_shadows < 2; with_cuped_shadows++) {
        char *dir = fx_tmp_dir();
        fx_spec_t spec;
        fx_spec_default(&spec);
        spec.n_orders = 60;
        spec.shadows = with_cuped_shadows;
        fx_build(dir, &spec, NULL, true);
        ordo_analysis_t *a;
        ordo_error_t err;
        assert_int_equal(ordo_analyze_dir(dir, NULL, &a, &err), ORDO_OK);
        cJSON *rep = report_json(a);
        const cJSON *sh = cJSON_GetObjectItem(rep, "shadow");
        assert_non_null(sh);
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(sh, "available")));
        assert_string_equal(cJSON_GetObjectItem(sh, "reason")->valuestring,
                            "no shadow records for this experiment in the log");
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(sh, "policy")));
        assert_int_equal((int)jnum(sh, "records"), 0);
        assert_int_equal((int)jnum(sh, "paired"), 0);
        assert_null(cJSON_GetObjectItem(sh, "arms"));
        assert_int_equal((int)jnum(sh, "other_records"), with_cuped_shadows ? 30 : 0);
        char *text = report_text(a, false);
        assert_non_null(strstr(text, "Shadow policy: no shadow records for experiment exp-fx"));
        free(text);
        char *html = report_text(a, true);
        assert_non_null(strstr(html, "No shadow records for experiment exp-fx"));
        free(html);
        cJSON_Delete(rep);
        ordo_analysis_destroy(a);
        fx_rm_tree(dir);
    }
}

/* A record read from JSON text by the record reader. */
static void summary_of(ordo_arena_t *ar, ordo_record_t *d, const char *json)
{
    assert_int_equal(ordo_record_read(json, strlen(json), 0, ar, d, NULL), ORDO_OK);
}

/* The core alone: bad arms, one pair (no interval), zero variance. */
static void test_core_edges(void **state)
{
    (void)state;
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_t *cfg = calloc(1, sizeof *cfg);
    ordo_analyze_config_default(cfg, "e", vars, 2, NULL);
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analysis_create(cfg, &a, &err), ORDO_OK);
    ordo_analyze_plan_summary_t r, s;
    ordo_arena_t *ar = ordo_arena_create(1 << 12);
    ordo_record_t d;
    summary_of(ar, &d, "{\"plan\":{\"shipments\":[{\"node\":\"A\",\"service\":\"g\","
                           "\"lines\":[{\"sku\":\"X\",\"quantity\":2}]}],"
                           "\"totals\":{\"shipments\":1,\"cost\":{\"total\":5},"
                           "\"on_time_prob\":0.9}}}");
    assert_int_equal(ordo_analyze_plan_summary(&d, &r, &err), ORDO_OK);
    /* the same lines with another quantity: a different plan */
    summary_of(ar, &d, "{\"plan\":{\"shipments\":[{\"node\":\"A\",\"service\":\"g\","
                    "\"lines\":[{\"sku\":\"X\",\"quantity\":3}]}],"
                    "\"totals\":{\"shipments\":1,\"cost\":{\"total\":4},\"on_time_prob\":0.9}}}");
    assert_int_equal(ordo_analyze_plan_summary(&d, &s, &err), ORDO_OK);
    assert_true(r.has_sig && s.has_sig);
    assert_true(r.sig[0] != s.sig[0] || r.sig[1] != s.sig[1]);
    summary_of(ar, &d, "{\"no_plan\":1}");
    assert_int_equal(ordo_analyze_plan_summary(&d, &s, &err), ORDO_EINVAL);
    summary_of(ar, &d, "{\"plan\":{\"shipments\":[{\"node\":\"A\",\"service\":\"g\","
                    "\"lines\":[{\"sku\":\"X\",\"quantity\":3}]}],"
                    "\"totals\":{\"shipments\":1,\"cost\":{\"total\":4},\"on_time_prob\":0.9}}}");
    assert_int_equal(ordo_analyze_plan_summary(&d, &s, &err), ORDO_OK);

    ordo_arena_destroy(ar);
    assert_int_equal(ordo_analysis_add_shadow(a, 2, &r, &s, &err), ORDO_EINVAL);
    assert_int_equal(ordo_analysis_add_shadow(a, -2, &r, &s, &err), ORDO_EINVAL);
    /* control: one pair only; treatment: three pairs, all −1 (zero variance) */
    assert_int_equal(ordo_analysis_add_shadow(a, 0, &r, &s, &err), ORDO_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ordo_analysis_add_shadow(a, 1, &r, &s, &err), ORDO_OK);
    assert_int_equal(ordo_analysis_finish(a, 0, &err), ORDO_OK);
    cJSON *rep = report_json(a);
    const cJSON *sh = cJSON_GetObjectItem(rep, "shadow");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sh, "available")));
    const cJSON *c0 = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(sh, "arms"), 0), "metrics"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c0, "available")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c0, "difference")));
    assert_string_equal(cJSON_GetObjectItem(c0, "reason")->valuestring,
                        "fewer than 2 paired orders");
    assert_close(jnum(c0, "real"), 5, 0);
    assert_close(jnum(c0, "shadow"), 4, 1e-12);
    const cJSON *t0 = cJSON_GetObjectItem(
        cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(sh, "arms"), 1), "metrics"),
            0),
        "difference");
    assert_close(jnum(t0, "estimate"), -1, 1e-12);
    assert_close(jnum(t0, "ci_low"), -1, 1e-12);
    assert_close(jnum(t0, "ci_high"), -1, 1e-12);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t0, "zero_variance")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(t0, "stat")));
    const cJSON *out = cJSON_GetArrayItem(cJSON_GetObjectItem(sh, "arms"), 2);
    assert_int_equal((int)jnum(out, "orders"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(out, "differ_share")));
    const cJSON *all = cJSON_GetObjectItem(sh, "overall");
    assert_int_equal((int)jnum(all, "plans_differ"), 4);
    char *text = report_text(a, false);
    assert_non_null(strstr(text, "unavailable: fewer than 2 paired orders"));
    assert_non_null(strstr(text, "not in experiment  no paired orders"));
    free(text);
    free(report_text(a, true));
    assert_int_equal(ordo_analysis_add_shadow(a, 0, &r, &s, &err), ORDO_EINVAL); /* finished */
    cJSON_Delete(rep);
    ordo_analysis_destroy(a);
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shadow_dir),
        cmocka_unit_test(test_no_shadow_records),
        cmocka_unit_test(test_core_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
