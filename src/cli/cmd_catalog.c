/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — the knowledge base of concluded experiments: the summary a
 * conclusion stores beside its report, `exp catalog` and its meta view (the
 * batting average). The CLI composes the analysis (src/analyze) and the
 * registry (src/exp): neither depends on the other. docs/experiments.md,
 * "The catalog". */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_catalog.h"
#include "ordo/analyze.h"
#include "ordo/exp.h"
#include "ordo/store.h"

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* The value of variant key in a metric's "variants" array. */
static double arm_value(const cJSON *metric, const char *variant)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, get(metric, "variants"))
    {
        const char *k = str(v, "variant");
        if (k && !strcmp(k, variant))
            return num(v, "value");
    }
    return NAN;
}

/* One comparison of a report's metric, compactly. The estimate is the one
 * the verdict uses: CUPED when the report applied it, else the plain
 * difference. significant: the report's own test, Holm-adjusted p below
 * alpha (among the primary KPIs for a KPI, p_holm_kpis; else p_holm). */
static void write_cmp(ordo_jsonw_t *w, const cJSON *metric, const cJSON *c, const char *control,
                      double alpha)
{
    const char *variant = str(c, "variant");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "variant", variant);
    double base = arm_value(metric, control), val = arm_value(metric, variant ? variant : "");
    ordo_jsonw_kdouble(w, "control_value", base);
    ordo_jsonw_kdouble(w, "value", val);
    const cJSON *cuped = get(c, "cuped");
    const cJSON *d = cJSON_IsObject(cuped) ? get(cuped, "difference") : get(c, "difference");
    double est = num(d, "estimate");
    ordo_jsonw_kstr(w, "analysis", cJSON_IsObject(cuped) ? "cuped" : "unadjusted");
    ordo_jsonw_kdouble(w, "abs_diff", est);
    ordo_jsonw_kdouble(w, "ci_low", num(d, "ci_low"));
    ordo_jsonw_kdouble(w, "ci_high", num(d, "ci_high"));
    const cJSON *rel = get(c, "relative_lift");
    ordo_jsonw_kdouble(w, "lift", cJSON_IsObject(rel) ? num(rel, "estimate") : NAN);
    ordo_jsonw_kdouble(w, "lift_ci_low", cJSON_IsObject(rel) ? num(rel, "ci_low") : NAN);
    ordo_jsonw_kdouble(w, "lift_ci_high", cJSON_IsObject(rel) ? num(rel, "ci_high") : NAN);
    double p = num(c, "p_value"), ph = num(c, "p_holm"), pk = num(c, "p_holm_kpis");
    ordo_jsonw_kdouble(w, "p_value", p);
    ordo_jsonw_kdouble(w, "p_holm", ph);
    if (!isnan(pk))
        ordo_jsonw_kdouble(w, "p_holm_kpis", pk);
    if (str(c, "result"))
        ordo_jsonw_kstr(w, "result", str(c, "result"));
    double pj = isnan(pk) ? ph : pk;
    bool sig = !isnan(pj) && pj < alpha && !isnan(est) && est != 0;
    ordo_jsonw_kbool(w, "significant", sig);
    ordo_jsonw_kstr(w, "direction", !sig ? "flat" : est > 0 ? "up" : "down");
    ordo_jsonw_obj_end(w);
}

static bool in_list(const cJSON *arr, const char *name, const char *field)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        const char *s = field ? str(x, field) : (cJSON_IsString(x) ? x->valuestring : NULL);
        if (s && !strcmp(s, name))
            return true;
    }
    return false;
}

/* Primary KPIs, guardrails and the hypothesis's metric: the metrics the
 * experiment was about. */
static bool key_metric(const cJSON *exp, const char *name)
{
    const char *hm = str(get(exp, "hypothesis"), "metric");
    return in_list(get(exp, "primary_kpis"), name, NULL) ||
           in_list(get(exp, "guardrails"), name, "metric") || (hm && !strcmp(hm, name));
}

static void write_metrics(ordo_jsonw_t *w, const cJSON *r, const char *control, double alpha)
{
    const cJSON *exp = get(r, "experiment"), *m;
    ordo_jsonw_key(w, "metrics");
    ordo_jsonw_arr_begin(w);
    cJSON_ArrayForEach(m, get(r, "metrics"))
    {
        const char *name = str(m, "name");
        if (!name)
            continue;
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "name", name);
        ordo_jsonw_kstr(w, "good", str(m, "good"));
        ordo_jsonw_kbool(w, "primary", cJSON_IsTrue(get(m, "primary")));
        ordo_jsonw_kbool(w, "key", key_metric(exp, name));
        ordo_jsonw_key(w, "comparisons");
        ordo_jsonw_arr_begin(w);
        const cJSON *c;
        cJSON_ArrayForEach(c, get(m, "comparisons"))
        {
            if (cJSON_IsTrue(get(c, "available")))
                write_cmp(w, m, c, control, alpha);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* Per region, the key metrics' differences (the report's breakdown). */
static void write_regions(ordo_jsonw_t *w, const cJSON *r, const char *control, double alpha)
{
    const cJSON *exp = get(r, "experiment"), *seg;
    ordo_jsonw_key(w, "regions");
    ordo_jsonw_obj_begin(w);
    cJSON_ArrayForEach(seg, get(get(r, "segments"), "region"))
    {
        const char *region = str(seg, "segment");
        if (!region)
            continue;
        ordo_jsonw_key(w, region);
        ordo_jsonw_arr_begin(w);
        const cJSON *m;
        cJSON_ArrayForEach(m, get(seg, "metrics"))
        {
            const char *name = str(m, "metric");
            if (!name || !key_metric(exp, name))
                continue;
            const cJSON *c;
            cJSON_ArrayForEach(c, get(m, "comparisons"))
            {
                if (!cJSON_IsTrue(get(c, "available")))
                    continue;
                const cJSON *d = get(c, "difference");
                double est = num(d, "estimate"), p = num(d, "p_value");
                double base = arm_value(m, control);
                bool sig = !isnan(p) && p < alpha && !isnan(est) && est != 0;
                ordo_jsonw_obj_begin(w);
                ordo_jsonw_kstr(w, "metric", name);
                ordo_jsonw_kstr(w, "variant", str(c, "variant"));
                ordo_jsonw_kdouble(w, "control_value", base);
                ordo_jsonw_kdouble(w, "abs_diff", est);
                ordo_jsonw_kdouble(w, "ci_low", num(d, "ci_low"));
                ordo_jsonw_kdouble(w, "ci_high", num(d, "ci_high"));
                ordo_jsonw_kdouble(w, "lift", base != 0 ? est / base : NAN);
                ordo_jsonw_kdouble(w, "p_value", p);
                ordo_jsonw_kstr(w, "direction", !sig ? "flat" : est > 0 ? "up" : "down");
                ordo_jsonw_obj_end(w);
            }
        }
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static int summarize(const char *report, size_t len, ordo_buf_t *out)
{
    cJSON *r = cJSON_ParseWithLength(report, len);
    if (!r)
        return ORDO_EINVAL;
    const cJSON *exp = get(r, "experiment"), *verdict = get(r, "verdict"), *data = get(r, "data");
    const char *control = str(exp, "control") ? str(exp, "control") : "control";
    double alpha = num(exp, "alpha");
    if (isnan(alpha))
        alpha = 0.05;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "verdict", str(verdict, "decision"));
    ordo_jsonw_kstr(&w, "verdict_variant", str(verdict, "variant"));
    ordo_jsonw_kstr(&w, "verdict_reason", str(verdict, "reason"));
    ordo_jsonw_kstr(&w, "control", control);
    ordo_jsonw_kdouble(&w, "alpha", alpha);
    ordo_jsonw_kdouble(&w, "orders", num(data, "orders_analysed"));
    ordo_jsonw_kstr(&w, "first", str(data, "first"));
    ordo_jsonw_kstr(&w, "last", str(data, "last"));
    ordo_jsonw_kdouble(&w, "days", num(data, "days"));
    ordo_jsonw_kstr(&w, "hypothesis_claim", str(get(exp, "hypothesis"), "claim"));
    write_metrics(&w, r, control, alpha);
    write_regions(&w, r, control, alpha);
    ordo_jsonw_obj_end(&w);
    cJSON_Delete(r);
    return ordo_jsonw_finish(&w);
}

int ordo_cli_conclusion_build(const char *dir, const char *id, ordo_buf_t *report,
                              ordo_buf_t *summary, ordo_error_t *err)
{
    ordo_analyze_options_t opt = {.experiment = id};
    ordo_analysis_t *a = NULL;
    int rc = ordo_analyze_dir(dir, &opt, &a, err);
    if (rc)
        return rc;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, report, 0);
    ordo_analysis_write_json(a, &w);
    rc = ordo_jsonw_finish(&w);
    ordo_analysis_destroy(a);
    if (rc == ORDO_OK)
        rc = summarize(report->data, report->len, summary);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, "report", "cannot summarise the report of '%s'",
                              id);
    return ORDO_OK;
}

/* ---- exp catalog ---- */

typedef struct cat_filter {
    const char *metric, *policy, *region, *verdict;
} cat_filter_t;

typedef struct cat_list {
    cJSON **docs;
    size_t n, cap;
} cat_list_t;

static int collect(void *ctx, const ordo_store_doc_t *doc)
{
    cat_list_t *l = ctx;
    cJSON *j = cJSON_ParseWithLength(doc->json, doc->json_len);
    if (!j)
        return ORDO_EINVAL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        cJSON **d = realloc(l->docs, cap * sizeof *d);
        if (!d) {
            cJSON_Delete(j);
            return ORDO_ENOMEM;
        }
        l->docs = d;
        l->cap = cap;
    }
    l->docs[l->n++] = j;
    return 0;
}

/* The variant an experiment's outcome is told by: the winner, else the one
 * the verdict concerns, else the first one compared. */
static const char *focus_variant(const cJSON *doc)
{
    const cJSON *s = get(doc, "summary"), *m;
    if (str(doc, "winner") &&
        strcmp(str(doc, "winner"), str(s, "control") ? str(s, "control") : ""))
        return str(doc, "winner");
    if (str(s, "verdict_variant"))
        return str(s, "verdict_variant");
    cJSON_ArrayForEach(m, get(s, "metrics"))
    {
        const cJSON *c = cJSON_GetArrayItem(get(m, "comparisons"), 0);
        if (c && str(c, "variant"))
            return str(c, "variant");
    }
    return "";
}

static bool named_policy(const cJSON *doc, const char *p)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, get(doc, "variants"))
    {
        const char *pv = str(v, "policy_version"), *pn = str(v, "policy");
        if ((pv && !strcmp(pv, p)) || (pn && !strcmp(pn, p)))
            return true;
    }
    return false;
}

static const cJSON *metric_of(const cJSON *doc, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, get(get(doc, "summary"), "metrics"))
    {
        const char *n = str(m, "name");
        if (n && !strcmp(n, name))
            return m;
    }
    return NULL;
}

static bool selected(const cJSON *doc, const cat_filter_t *f)
{
    const cJSON *s = get(doc, "summary");
    if (f->verdict) {
        const char *v = cJSON_IsObject(s) ? str(s, "verdict") : "none";
        if (!v || strcmp(v, f->verdict))
            return false;
    }
    if (f->policy && !named_policy(doc, f->policy))
        return false;
    if (f->metric) {
        const cJSON *m = metric_of(doc, f->metric);
        if (!m || !cJSON_IsTrue(get(m, "key")))
            return false;
    }
    if (f->region && cJSON_GetArraySize(get(get(s, "regions"), f->region)) == 0)
        return false;
    return true;
}

/* The rows shown for one experiment: the focus variant's comparison of
 * each metric (overall, or in f->region), calling fn(ctx, metric name,
 * good, row). all: every metric, else the key metrics only. */
typedef void (*row_fn)(void *ctx, const char *metric, const char *good, const cJSON *row);

static void each_row(const cJSON *doc, const cat_filter_t *f, bool all, row_fn fn, void *ctx)
{
    const char *var = focus_variant(doc);
    const cJSON *s = get(doc, "summary"), *x;
    if (f->region) {
        cJSON_ArrayForEach(x, get(get(s, "regions"), f->region))
        {
            const char *name = str(x, "metric"), *v = str(x, "variant");
            if (!name || !v || strcmp(v, var) || (f->metric && strcmp(name, f->metric)))
                continue;
            const cJSON *m = metric_of(doc, name);
            fn(ctx, name, m ? str(m, "good") : NULL, x);
        }
        return;
    }
    cJSON_ArrayForEach(x, get(s, "metrics"))
    {
        const char *name = str(x, "name");
        if (!name || (f->metric && strcmp(name, f->metric)) ||
            (!all && !f->metric && !cJSON_IsTrue(get(x, "key"))))
            continue;
        const cJSON *c;
        cJSON_ArrayForEach(c, get(x, "comparisons"))
        {
            const char *v = str(c, "variant");
            if (v && !strcmp(v, var))
                fn(ctx, name, str(x, "good"), c);
        }
    }
}

static void fmt_num(double v, const char *fmt, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, v);
}

static void text_row(void *ctx, const char *metric, const char *good, const cJSON *r)
{
    (void)ctx;
    (void)good;
    char d[32], lo[32], hi[32], l[32], p[32];
    fmt_num(num(r, "abs_diff"), "%+.4g", d, sizeof d);
    fmt_num(num(r, "ci_low"), "%.4g", lo, sizeof lo);
    fmt_num(num(r, "ci_high"), "%.4g", hi, sizeof hi);
    fmt_num(100 * num(r, "lift"), "%+.2f%%", l, sizeof l);
    fmt_num(num(r, "p_value"), "%.3g", p, sizeof p);
    printf("    %-24s %10s [%s, %s]  lift %9s", metric, d, lo, hi, l);
    if (!isnan(num(r, "lift_ci_low")))
        printf(" [%+.2f%%, %+.2f%%]", 100 * num(r, "lift_ci_low"), 100 * num(r, "lift_ci_high"));
    printf("  p %s  %s\n", p, str(r, "direction") ? str(r, "direction") : "");
}

static void json_row(void *ctx, const char *metric, const char *good, const cJSON *r)
{
    ordo_jsonw_t *w = ctx;
    (void)good;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "metric", metric);
    static const char *const keys[] = {"control_value", "abs_diff",    "ci_low",       "ci_high",
                                       "lift",          "lift_ci_low", "lift_ci_high", "p_value"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (get(r, keys[i]))
            ordo_jsonw_kdouble(w, keys[i], num(r, keys[i]));
    ordo_jsonw_kstr(w, "direction", str(r, "direction"));
    ordo_jsonw_obj_end(w);
}

static void catalog_text(const cJSON *doc, const cat_filter_t *f)
{
    const cJSON *s = get(doc, "summary"), *pp = get(doc, "promoted_policy");
    const char *conc = str(doc, "concluded_at");
    printf("%s  concluded %s  verdict %s  winner %s  promoted %s\n", str(doc, "experiment"),
           conc ? conc : "-", cJSON_IsObject(s) && str(s, "verdict") ? str(s, "verdict") : "none",
           str(doc, "winner") ? str(doc, "winner") : "-",
           cJSON_IsObject(pp) ? str(pp, "policy_version") : "-");
    const char *h = str(doc, "hypothesis");
    printf("  hypothesis: %s\n", h && *h ? h : "(none)");
    if (!cJSON_IsObject(s)) {
        printf("  (no report stored)\n");
        return;
    }
    printf("  %s vs %s, %.0f orders, %s .. %s%s%s\n", focus_variant(doc), str(s, "control"),
           num(s, "orders"), str(s, "first") ? str(s, "first") : "-",
           str(s, "last") ? str(s, "last") : "-", f->region ? ", region " : "",
           f->region ? f->region : "");
    each_row(doc, f, false, text_row, NULL);
}

static void catalog_json(const cJSON *doc, const cat_filter_t *f, ordo_jsonw_t *w)
{
    const cJSON *s = get(doc, "summary"), *pp = get(doc, "promoted_policy");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "experiment", str(doc, "experiment"));
    ordo_jsonw_kstr(w, "hypothesis", str(doc, "hypothesis"));
    ordo_jsonw_kstr(w, "started_at", str(doc, "started_at"));
    ordo_jsonw_kstr(w, "concluded_at", str(doc, "concluded_at"));
    ordo_jsonw_kstr(w, "verdict", cJSON_IsObject(s) ? str(s, "verdict") : NULL);
    ordo_jsonw_kstr(w, "verdict_reason", cJSON_IsObject(s) ? str(s, "verdict_reason") : NULL);
    ordo_jsonw_kstr(w, "winner", str(doc, "winner"));
    ordo_jsonw_kstr(w, "promoted_policy", cJSON_IsObject(pp) ? str(pp, "policy_version") : NULL);
    ordo_jsonw_kstr(w, "variant", focus_variant(doc));
    ordo_jsonw_kstr(w, "control", cJSON_IsObject(s) ? str(s, "control") : NULL);
    ordo_jsonw_kdouble(w, "orders", cJSON_IsObject(s) ? num(s, "orders") : NAN);
    ordo_jsonw_kstr(w, "region", f->region);
    ordo_jsonw_key(w, "metrics");
    ordo_jsonw_arr_begin(w);
    each_row(doc, f, false, json_row, w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

int ordo_cli_catalog_entry(const char *doc, size_t len, ordo_jsonw_t *w)
{
    cJSON *j = cJSON_ParseWithLength(doc, len);
    if (!j)
        return ORDO_EPARSE;
    cat_filter_t f = {0};
    if (w)
        catalog_json(j, &f, w);
    else
        catalog_text(j, &f);
    cJSON_Delete(j);
    return ORDO_OK;
}

/* ---- the meta view: per metric, how often it moved ---- */

typedef struct bat_row {
    char name[64];
    unsigned n, up, down, flat, better, worse;
} bat_row_t;

typedef struct bat {
    bat_row_t rows[256]; /* metric names over all reports (a report has at most 64) */
    size_t n;
} bat_t;

static void bat_add(void *ctx, const char *metric, const char *good, const cJSON *r)
{
    bat_t *b = ctx;
    size_t i = 0;
    while (i < b->n && strcmp(b->rows[i].name, metric))
        i++;
    if (i == b->n) {
        if (b->n == sizeof b->rows / sizeof b->rows[0])
            return;
        memset(&b->rows[i], 0, sizeof b->rows[i]);
        snprintf(b->rows[i].name, sizeof b->rows[i].name, "%s", metric);
        b->n++;
    }
    bat_row_t *x = &b->rows[i];
    const char *d = str(r, "direction");
    x->n++;
    if (d && !strcmp(d, "up"))
        x->up++;
    else if (d && !strcmp(d, "down"))
        x->down++;
    else
        x->flat++;
    bool higher = good && !strcmp(good, "higher"), lower = good && !strcmp(good, "lower");
    if (d && strcmp(d, "flat") && (higher || lower)) {
        if ((!strcmp(d, "up")) == higher)
            x->better++;
        else
            x->worse++;
    }
}

static double share(unsigned k, unsigned n)
{
    return n ? (double)k / n : NAN;
}

static void bat_print(const bat_t *b, size_t experiments, bool json)
{
    if (!json) {
        printf("%zu concluded experiment%s with a report\n", experiments,
               experiments == 1 ? "" : "s");
        printf("%-26s %5s %13s %13s %13s %8s %8s\n", "METRIC", "N", "UP", "DOWN", "NOT SIG",
               "BETTER", "WORSE");
        for (size_t i = 0; i < b->n; i++) {
            const bat_row_t *x = &b->rows[i];
            printf("%-26s %5u %4u (%5.1f%%) %4u (%5.1f%%) %4u (%5.1f%%) %8u %8u\n", x->name, x->n,
                   x->up, 100 * share(x->up, x->n), x->down, 100 * share(x->down, x->n), x->flat,
                   100 * share(x->flat, x->n), x->better, x->worse);
        }
        return;
    }
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &out, 1);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "experiments", (int64_t)experiments);
    ordo_jsonw_key(&w, "metrics");
    ordo_jsonw_arr_begin(&w);
    for (size_t i = 0; i < b->n; i++) {
        const bat_row_t *x = &b->rows[i];
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "metric", x->name);
        ordo_jsonw_kint(&w, "experiments", x->n);
        ordo_jsonw_kint(&w, "up", x->up);
        ordo_jsonw_kint(&w, "down", x->down);
        ordo_jsonw_kint(&w, "not_significant", x->flat);
        ordo_jsonw_kdouble(&w, "up_share", share(x->up, x->n));
        ordo_jsonw_kdouble(&w, "down_share", share(x->down, x->n));
        ordo_jsonw_kdouble(&w, "not_significant_share", share(x->flat, x->n));
        ordo_jsonw_kint(&w, "better", x->better);
        ordo_jsonw_kint(&w, "worse", x->worse);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    if (ordo_jsonw_finish(&w) == ORDO_OK)
        ordo_cli_print_buf(&out);
    ordo_buf_free(&out);
}

static void print_catalog(cat_list_t *l, const cat_filter_t *f, bool meta, bool json)
{
    size_t shown = 0;
    if (meta) {
        bat_t *b = calloc(1, sizeof *b);
        if (!b)
            return;
        for (size_t i = 0; i < l->n; i++)
            if (selected(l->docs[i], f) && cJSON_IsObject(get(l->docs[i], "summary"))) {
                shown++;
                each_row(l->docs[i], f, true, bat_add, b);
            }
        bat_print(b, shown, json);
        free(b);
        return;
    }
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &out, 1);
    ordo_jsonw_arr_begin(&w);
    for (size_t i = 0; i < l->n; i++) {
        if (!selected(l->docs[i], f))
            continue;
        shown++;
        if (json)
            catalog_json(l->docs[i], f, &w);
        else
            catalog_text(l->docs[i], f);
    }
    ordo_jsonw_arr_end(&w);
    if (json && ordo_jsonw_finish(&w) == ORDO_OK)
        ordo_cli_print_buf(&out);
    else if (!json && !shown)
        printf("no concluded experiment matches\n");
    ordo_buf_free(&out);
}

static int run_catalog(const ordo_cli_args_t *a)
{
    cat_filter_t f = {ordo_cli_get(a, "metric"), ordo_cli_get(a, "policy"),
                      ordo_cli_get(a, "region"), ordo_cli_get(a, "verdict")};
    if (f.verdict && strcmp(f.verdict, "ship") && strcmp(f.verdict, "do_not_ship") &&
        strcmp(f.verdict, "keep_running") && strcmp(f.verdict, "none"))
        return ordo_cli_usage("exp catalog",
                              "--verdict must be ship, do_not_ship, keep_running or none, not "
                              "'%s'",
                              f.verdict);
    const char *data = ordo_cli_get(a, "data");
    if (!data)
        data = ordo_cli_default_data_dir();
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store = NULL;
    cat_list_t l = {0};
    int rc = ordo_store_open_existing(data, NULL, &store, &err);
    if (rc == ORDO_OK) {
        rc = ordo_store_doc_list(store, ORDO_EXP_RESULT_KIND, collect, &l, &err);
        if (rc && !err.msg[0])
            ordo_error_set(&err, rc, NULL, 0, ORDO_EXP_RESULT_KIND,
                           "a stored experiment result is not valid JSON");
        ordo_store_close(store, NULL);
    } else if (rc == ORDO_ENOENT) { /* no database yet: an empty catalog */
        rc = ORDO_OK;
        ordo_error_clear(&err);
    }
    if (rc == ORDO_OK)
        print_catalog(&l, &f, ordo_cli_flag(a, "meta"), a->json);
    for (size_t i = 0; i < l.n; i++)
        cJSON_Delete(l.docs[i]);
    free(l.docs);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

static const ordo_cli_opt_t catalog_opts[] = {
    {"metric", 0, "M",
     "experiments about metric M (a primary KPI, guardrail or the\n"
     "hypothesis's metric); shows that metric only"},
    {"policy", 0, "P", "experiments with a variant running policy P (version or name)"},
    {"region", 0, "R",
     "experiments with orders compared in region R (northeast,\n"
     "midwest, south, west); shows that region's differences"},
    {"verdict", 0, "V", "ship, do_not_ship, keep_running, or none (no report)"},
    {"meta", 0, NULL,
     "per metric, the share of experiments that moved it\n"
     "significantly up, down or not (the batting average)"},
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_exp_catalog = {
    .name = "catalog",
    .summary = "past (concluded) experiments and their outcomes",
    .usage = "exp catalog [--metric M] [--policy P] [--region R] [--verdict V] [--meta]\n"
             "            [--data DIR] [--json]",
    .about = "Lists the concluded experiments of the registry with what `exp conclude`\n"
             "stored: the verdict, the winner and the policy it promoted, the hypothesis,\n"
             "and per key metric (primary KPIs, guardrails) the difference with its 95%\n"
             "interval, the relative lift with its interval and the p-value, for the winner\n"
             "(else the variant the verdict concerns) against control. up / down: the\n"
             "change is significant (Holm-adjusted p below alpha). Filters combine.\n"
             "--meta prints, per metric, how many of the selected experiments moved it\n"
             "significantly up, down or not, and how many of those moves were better or\n"
             "worse: which kinds of sourcing change tend to pay. The full report of one\n"
             "experiment is the store document exp_report/ID (docs/experiments.md).",
    .examples = "ordo exp catalog --metric cost_per_order --verdict ship\n"
                "ordo exp catalog --meta --json",
    .opts = catalog_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run_catalog};
