/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — return and cancellation risk: two L2 logistic regressions
 * (ordo_logit_fit) and their versioned file DATA/models/risk-vN.json
 * (include/ordo/model.h; docs/internals/MODEL.md "Return and cancellation
 * risk"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/json.h"
#include "ordo/util.h"

static const char *const return_num[ORDO_RISK_RETURN_NUM] = {
    "log_value", "late", "split", "log_miles", "customer_return_rate", "customer_known"};
static const char *const cancel_num[ORDO_RISK_CANCEL_NUM] = {
    "late", "promise_days", "log_stock_margin", "stock_out", "backordered", "log_ship_hours",
    "ship_hours_unknown"};

static uint32_t n_coef(const ordo_risk_model_t *m, ordo_risk_target_t t)
{
    return (uint32_t)(t == ORDO_RISK_RETURN ? m->families.n + ORDO_RISK_RETURN_NUM
                                            : ORDO_RISK_CANCEL_NUM) +
           (uint32_t)m->services.n;
}

void ordo_risk_feature_name(const ordo_risk_model_t *m, ordo_risk_target_t t, uint32_t j,
                            char *out, size_t n)
{
    uint32_t nf = t == ORDO_RISK_RETURN ? (uint32_t)m->families.n : 0;
    uint32_t nn = t == ORDO_RISK_RETURN ? ORDO_RISK_RETURN_NUM : ORDO_RISK_CANCEL_NUM;
    if (j < nf)
        snprintf(out, n, "family:%s", m->families.name[j]);
    else if (j < nf + nn)
        snprintf(out, n, "%s", (t == ORDO_RISK_RETURN ? return_num : cancel_num)[j - nf]);
    else if (j < nf + nn + (uint32_t)m->services.n)
        snprintf(out, n, "service:%s", m->services.name[j - nf - nn]);
    else
        snprintf(out, n, "?");
}

void ordo_risk_model_maps(const ordo_risk_model_t *m, const ordo_risk_run_t *run, int *fam_map,
                          int *svc_map)
{
    for (int i = 0; i < run->families.n; i++) {
        fam_map[i] = -1;
        for (int j = 0; j < m->families.n; j++)
            if (!strcmp(run->families.name[i], m->families.name[j]))
                fam_map[i] = j;
    }
    for (int i = 0; i < run->services.n; i++) {
        svc_map[i] = -1;
        for (int j = 0; j < m->services.n; j++)
            if (!strcmp(run->services.name[i], m->services.name[j]))
                svc_map[i] = j;
    }
}

static uint64_t content_hash(const ordo_risk_model_t *m)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    for (int i = 0; i < m->families.n; i++)
        ordo_buf_append(&b, m->families.name[i], strlen(m->families.name[i]) + 1);
    for (int i = 0; i < m->services.n; i++)
        ordo_buf_append(&b, m->services.name[i], strlen(m->services.name[i]) + 1);
    const ordo_risk_coef_t *c[2] = {&m->ret, &m->cancel};
    for (int t = 0; t < 2; t++) {
        ordo_buf_append(&b, &c[t]->intercept, sizeof c[t]->intercept);
        ordo_buf_append(&b, c[t]->coef, c[t]->n_coef * sizeof c[t]->coef[0]);
        ordo_buf_append(&b, c[t]->mean, c[t]->n_coef * sizeof c[t]->mean[0]);
    }
    ordo_buf_append(&b, &m->info.l2, sizeof m->info.l2);
    uint64_t h = ordo_hash64(b.data ? b.data : "", b.len);
    ordo_buf_free(&b);
    return h;
}

static void set_hash(ordo_risk_model_t *m)
{
    snprintf(m->info.hash, sizeof m->info.hash, "%016llx", (unsigned long long)content_hash(m));
}

/* ---- training ---- */

/* Orders decided before until with an outcome of target t whose label is
 * not mature (left out of the design). */
static uint64_t count_immature(const ordo_risk_run_t *run, ordo_risk_target_t t, int64_t until)
{
    uint64_t k = 0;
    for (size_t i = 0; i < run->n; i++) {
        const ordo_risk_order_t *o = &run->o[i];
        if (o->has_outcome && !(t == ORDO_RISK_RETURN && o->cancelled) &&
            (!until || o->time < until))
            k += !ordo_risk_label_mature(run, o, t);
    }
    return k;
}

/* No label of t is mature although orders have outcomes: refused. */
static int refuse_immature(const ordo_risk_run_t *run, ordo_risk_target_t t, uint64_t k,
                           ordo_error_t *err)
{
    int ret = t == ORDO_RISK_RETURN;
    double w = (ret ? run->return_window : run->cancel_window) / 86400.0;
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, ret ? "return_window" : "cancel_window",
                          "no mature %s label: none of the %llu orders with an outcome was %s "
                          "at least the %s window (%.2f days%s) before the run's last event; "
                          "train on a longer run%s",
                          ret ? "return" : "cancellation", (unsigned long long)k,
                          ret ? "delivered" : "decided", ret ? "return" : "cancellation", w,
                          w > 0 ? "" : ": none observed", ret ? " or set the return window" : "");
}

/* The customer-history terms' support in the first n rows of x (columns
 * first, first + 1): rows with the term non-zero, and of them returned. A
 * term short of sup's thresholds is taken out of those rows (its column
 * all zero: the fit leaves its coefficient at 0). */
static void history_support(ordo_risk_design_t *x, size_t n, uint32_t first,
                            const ordo_risk_support_t *sup, ordo_risk_coef_t *c)
{
    for (int h = 0; h < ORDO_RISK_HIST_N; h++) {
        c->hist_rows[h] = c->hist_returned[h] = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = x->rs[i]; k < x->rs[i + 1]; k++)
                if (x->col[k] == first + (uint32_t)h && x->val[k] != 0) {
                    c->hist_rows[h]++;
                    c->hist_returned[h] += x->y[i] > 0;
                }
        c->hist_off[h] = c->hist_rows[h] < sup->min_rows ||
                         c->hist_returned[h] < sup->min_returned;
    }
    if (!c->hist_off[0] && !c->hist_off[1])
        return;
    size_t w = 0, start = 0;
    for (size_t i = 0; i < x->n; i++) {
        size_t end = x->rs[i + 1];
        x->rs[i] = w;
        for (size_t k = start; k < end; k++) {
            uint32_t h = x->col[k] - first;
            if (i < n && x->col[k] >= first && h < ORDO_RISK_HIST_N && c->hist_off[h])
                continue;
            x->col[w] = x->col[k];
            x->val[w++] = x->val[k];
        }
        start = end;
    }
    x->rs[x->n] = w;
}

int ordo_risk_history_off(const ordo_risk_model_t *m, int h, char *out, size_t n)
{
    const ordo_risk_coef_t *c = &m->ret;
    const ordo_risk_support_t *s = &m->info.support;
    if (h < 0 || h >= ORDO_RISK_HIST_N || !c->hist_off[h])
        return 0;
    if (c->hist_rows[h] < s->min_rows)
        snprintf(out, n, "support %llu < %llu", (unsigned long long)c->hist_rows[h],
                 (unsigned long long)s->min_rows);
    else
        snprintf(out, n, "returned %llu < %llu", (unsigned long long)c->hist_returned[h],
                 (unsigned long long)s->min_returned);
    return 1;
}

static int fit_target(const ordo_risk_run_t *run, ordo_risk_target_t t, int64_t until, double l2,
                      ordo_risk_model_t *m, ordo_error_t *err)
{
    ordo_risk_design_t x;
    ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    if (ordo_risk_design_build(run, t, NULL, m->families.n, NULL, m->services.n, &x))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int day_until = until ? (int)((until - run->t0) / 86400) : INT32_MAX;
    size_t n = 0;
    while (n < x.n && x.day[n] < day_until)
        n++; /* the log is in time order */
    uint64_t immature = count_immature(run, t, until);
    m->info.immature[t] = immature;
    if (!n && immature) {
        ordo_risk_design_free(&x);
        return refuse_immature(run, t, immature, err);
    }
    c->n = n;
    c->n_coef = (uint32_t)x.d;
    c->rate = 0;
    memset(c->mean, 0, sizeof c->mean);
    for (size_t i = 0; i < n; i++) {
        c->rate += x.y[i] / (double)n;
        for (size_t k = x.rs[i]; k < x.rs[i + 1]; k++)
            c->mean[x.col[k]] += x.val[k] / (double)n;
    }
    if (t == ORDO_RISK_RETURN)
        history_support(&x, n, (uint32_t)m->families.n + 4, &m->info.support, c);
    ordo_logit_rows_t rows = {.n_rows = n, .n_features = x.d, .row_start = x.rs, .col = x.col,
                              .val = x.val, .y = x.y};
    ordo_logit_opts_t opts = {.l2 = l2, .standardize = 1, .tol = 1e-7};
    ordo_logit_report_t rep = {0};
    /* nothing to learn from (all held out): every probability one half */
    memset(c->coef, 0, sizeof c->coef);
    c->intercept = 0;
    int rc = n ? ordo_logit_fit(&rows, &opts, &c->intercept, c->coef, &rep, err) : ORDO_OK;
    c->iterations = rep.iterations;
    c->converged = rep.converged;
    ordo_risk_design_free(&x);
    return rc;
}

int ordo_risk_train(const ordo_risk_run_t *run, int64_t until, double l2,
                    ordo_risk_model_t **out, ordo_error_t *err)
{
    return ordo_risk_train_support(run, until, l2, NULL, out, err);
}

int ordo_risk_train_support(const ordo_risk_run_t *run, int64_t until, double l2,
                            const ordo_risk_support_t *sup, ordo_risk_model_t **out,
                            ordo_error_t *err)
{
    ordo_risk_model_t *m = calloc(1, sizeof *m);
    if (!m)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    m->info.support.min_rows = sup && sup->min_rows ? sup->min_rows : ORDO_RISK_HIST_MIN_ROWS;
    m->info.support.min_returned =
        sup && sup->min_returned ? sup->min_returned : ORDO_RISK_HIST_MIN_RETURNED;
    m->families = run->families;
    m->services = run->services;
    m->info.l2 = l2;
    m->info.created = ordo_now_unix();
    m->info.orders = run->n;
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t i = 0; i < run->n; i++)
        if (!until || run->o[i].time < until) {
            lo = run->o[i].time < lo ? run->o[i].time : lo;
            hi = run->o[i].time > hi ? run->o[i].time : hi;
        }
    m->info.trained_from = lo == INT64_MAX ? 0 : lo;
    m->info.trained_until = until ? until : hi + 1;
    m->info.labels_asof = run->asof;
    m->info.return_window_days = run->return_window / 86400.0;
    m->info.cancel_window_days = run->cancel_window / 86400.0;
    int rc = fit_target(run, ORDO_RISK_RETURN, until, l2, m, err);
    if (!rc)
        rc = fit_target(run, ORDO_RISK_CANCEL, until, l2, m, err);
    if (rc) {
        free(m);
        return rc;
    }
    set_hash(m);
    *out = m;
    return ORDO_OK;
}

void ordo_risk_model_destroy(ordo_risk_model_t *m)
{
    free(m);
}

/* ---- the file ---- */

static void write_names(ordo_jsonw_t *w, const char *key, const ordo_risk_names_t *t)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < t->n; i++)
        ordo_jsonw_str(w, t->name[i]);
    ordo_jsonw_arr_end(w);
}

static const char *const hist_name[ORDO_RISK_HIST_N] = {"customer_return_rate",
                                                        "customer_known"};

void ordo_risk_history_json(ordo_jsonw_t *w, const ordo_risk_model_t *m)
{
    char why[64];
    ordo_jsonw_key(w, "history");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "min_rows", (int64_t)m->info.support.min_rows);
    ordo_jsonw_kint(w, "min_returned", (int64_t)m->info.support.min_returned);
    for (int h = 0; h < ORDO_RISK_HIST_N; h++) {
        ordo_jsonw_key(w, hist_name[h]);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "rows", (int64_t)m->ret.hist_rows[h]);
        ordo_jsonw_kint(w, "returned", (int64_t)m->ret.hist_returned[h]);
        if (ordo_risk_history_off(m, h, why, sizeof why))
            ordo_jsonw_kstr(w, "disabled", why);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static void read_history(const cJSON *o, ordo_risk_model_t *m)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "history");
    if (!cJSON_IsObject(h))
        return; /* a file from before the rule: every term fitted */
    m->info.support.min_rows = (uint64_t)model_num(h, "min_rows", 0);
    m->info.support.min_returned = (uint64_t)model_num(h, "min_returned", 0);
    for (int k = 0; k < ORDO_RISK_HIST_N; k++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(h, hist_name[k]);
        m->ret.hist_rows[k] = (uint64_t)model_num(e, "rows", 0);
        m->ret.hist_returned[k] = (uint64_t)model_num(e, "returned", 0);
        m->ret.hist_off[k] = cJSON_GetObjectItemCaseSensitive(e, "disabled") != NULL;
    }
}

static void write_coef(ordo_jsonw_t *w, const ordo_risk_model_t *m, ordo_risk_target_t t)
{
    const ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    char name[64];
    ordo_jsonw_key(w, t == ORDO_RISK_RETURN ? "return" : "cancel");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "rows", (int64_t)c->n);
    ordo_jsonw_kint(w, "immature", (int64_t)m->info.immature[t]);
    ordo_jsonw_kdouble(w, "label_window_days", t == ORDO_RISK_RETURN
                                                   ? m->info.return_window_days
                                                   : m->info.cancel_window_days);
    ordo_jsonw_kdouble(w, "rate", c->rate);
    ordo_jsonw_kint(w, "iterations", c->iterations);
    ordo_jsonw_kbool(w, "converged", c->converged);
    ordo_jsonw_kdouble(w, "intercept", c->intercept);
    if (t == ORDO_RISK_RETURN)
        ordo_risk_history_json(w, m);
    ordo_jsonw_key(w, "features");
    ordo_jsonw_arr_begin(w);
    for (uint32_t j = 0; j < c->n_coef; j++) {
        ordo_risk_feature_name(m, t, j, name, sizeof name);
        ordo_jsonw_str(w, name);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "coef");
    ordo_jsonw_arr_begin(w);
    for (uint32_t j = 0; j < c->n_coef; j++)
        ordo_jsonw_double(w, c->coef[j]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "mean");
    ordo_jsonw_arr_begin(w);
    for (uint32_t j = 0; j < c->n_coef; j++)
        ordo_jsonw_double(w, c->mean[j]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

int ordo_risk_model_write(const ordo_risk_model_t *m, ordo_buf_t *out)
{
    const ordo_risk_info_t *in = &m->info;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, 0);
    ordo_jsonw_obj_begin(&w);
    model_head_out_t h = {ORDO_RISK_FORMAT, in->version,      in->hash,           in->run,
                          in->created,      in->trained_from, in->trained_until, in->orders};
    model_write_head(&w, &h);
    if (in->labels_asof)
        model_write_time(&w, "labels_asof", in->labels_asof);
    ordo_jsonw_kdouble(&w, "l2", in->l2);
    write_names(&w, "families", &m->families);
    write_names(&w, "services", &m->services);
    write_coef(&w, m, ORDO_RISK_RETURN);
    write_coef(&w, m, ORDO_RISK_CANCEL);
    ordo_jsonw_obj_end(&w);
    ordo_buf_putc(out, '\n');
    return ordo_jsonw_finish(&w);
}

static int bad(ordo_error_t *err, const char *name, const char *field, const char *msg)
{
    return ordo_error_set(err, ORDO_EPARSE, name, 0, field, "%s", msg);
}

static int read_names(const cJSON *root, const char *key, ordo_risk_names_t *t, const char *name,
                      ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key), *v;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > ORDO_RISK_MAX_NAMES)
        return bad(err, name, key, "wants an array of at most 128 names");
    t->n = 0;
    cJSON_ArrayForEach(v, a)
    {
        const char *s = cJSON_GetStringValue(v);
        snprintf(t->name[t->n++], sizeof t->name[0], "%s", s ? s : "?");
    }
    return ORDO_OK;
}

static int read_coef(const cJSON *root, ordo_risk_model_t *m, ordo_risk_target_t t,
                     const char *name, ordo_error_t *err)
{
    const char *key = t == ORDO_RISK_RETURN ? "return" : "cancel";
    ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "coef"), *v;
    const cJSON *mu = cJSON_GetObjectItemCaseSensitive(o, "mean");
    c->n_coef = n_coef(m, t);
    if (!cJSON_IsObject(o) || !cJSON_IsArray(a) || (uint32_t)cJSON_GetArraySize(a) != c->n_coef ||
        !cJSON_IsArray(mu) || (uint32_t)cJSON_GetArraySize(mu) != c->n_coef)
        return bad(err, name, key,
                   "wants {\"intercept\", \"coef\", \"mean\": one number a feature each}");
    uint32_t j = 0;
    cJSON_ArrayForEach(v, a)
    {
        if (!cJSON_IsNumber(v))
            return bad(err, name, key, "a coefficient is not a number");
        c->coef[j++] = v->valuedouble;
    }
    j = 0;
    cJSON_ArrayForEach(v, mu)
    {
        if (!cJSON_IsNumber(v))
            return bad(err, name, key, "a mean is not a number");
        c->mean[j++] = v->valuedouble;
    }
    c->intercept = model_num(o, "intercept", 0);
    c->n = (uint64_t)model_num(o, "rows", 0);
    m->info.immature[t] = (uint64_t)model_num(o, "immature", 0);
    *(t == ORDO_RISK_RETURN ? &m->info.return_window_days : &m->info.cancel_window_days) =
        model_num(o, "label_window_days", 0);
    c->rate = model_num(o, "rate", 0);
    c->iterations = (int)model_num(o, "iterations", 0);
    c->converged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "converged"));
    if (t == ORDO_RISK_RETURN)
        read_history(o, m);
    return ORDO_OK;
}

static int read_model(const cJSON *root, ordo_risk_model_t *m, const char *name,
                      ordo_error_t *err)
{
    ordo_risk_info_t *in = &m->info;
    model_head_t h = {in->version, sizeof in->version, in->hash, in->run, sizeof in->run,
                      &in->created, &in->trained_from, &in->trained_until, 1, NULL};
    int rc = model_read_head(root, ORDO_RISK_FORMAT, "risk", name, &h, err);
    if (rc)
        return rc;
    in->orders = (uint64_t)model_num(root, "orders", 0);
    in->l2 = model_num(root, "l2", 1);
    in->labels_asof = model_time_of(root, "labels_asof");
    rc = read_names(root, "families", &m->families, name, err);
    if (!rc)
        rc = read_names(root, "services", &m->services, name, err);
    if (!rc)
        rc = read_coef(root, m, ORDO_RISK_RETURN, name, err);
    if (!rc)
        rc = read_coef(root, m, ORDO_RISK_CANCEL, name, err);
    return rc;
}

int ordo_risk_model_parse(const char *json, size_t len, const char *name,
                          ordo_risk_model_t **out, ordo_error_t *err)
{
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, name, 0, &root, err);
    if (rc)
        return rc;
    ordo_risk_model_t *m = calloc(1, sizeof *m);
    rc = m ? read_model(root, m, name, err)
           : ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    cJSON_Delete(root);
    if (!rc) {
        char hash[17];
        snprintf(hash, sizeof hash, "%s", m->info.hash);
        set_hash(m);
        rc = model_hash_check(name, hash, m->info.hash, err);
    }
    if (rc) {
        free(m);
        return rc;
    }
    *out = m;
    return ORDO_OK;
}

int ordo_risk_model_load(const char *path, ordo_risk_model_t **out, ordo_error_t *err)
{
    char *text;
    size_t len;
    int rc = ordo_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = ordo_risk_model_parse(text, len, path, out, err);
    free(text);
    return rc;
}

int ordo_risk_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err)
{
    return model_latest(dir, "risk", path, n, err);
}

int ordo_risk_model_save(ordo_risk_model_t *m, const char *dir, char *path, size_t n,
                         ordo_error_t *err)
{
    int rc = model_next_version(dir, "risk", m->info.version, sizeof m->info.version, path, n,
                                err);
    if (rc)
        return rc;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    rc = model_write_new(path, &b, ordo_risk_model_write(m, &b), err);
    ordo_buf_free(&b);
    return rc;
}
