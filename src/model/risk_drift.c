/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — drift of the risk models: the reliability tables of P(return) and
 * P(cancel) on live outcomes, kept as outcomes arrive, and their state
 * file (include/ordo/model.h; docs/internals/MODEL.md "Drift"). The check
 * itself is the one every model uses (eta_drift.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/store.h"
#include "ordo/util.h"

static const char *const target_key[2] = {"return", "cancel"};

static bool is_prob(double p)
{
    return isfinite(p) && p >= 0 && p <= 1;
}

int32_t ordo_risk_drift_return_days(double w)
{
    if (!(w > 0))
        return ORDO_RISK_DRIFT_RETURN_DAYS;
    return w >= ORDO_RISK_DRIFT_MAX_RETURN_DAYS ? ORDO_RISK_DRIFT_MAX_RETURN_DAYS
                                                : (int32_t)ceil(w);
}

/* The state's return window in days and its count of day slots. */
static int32_t window_of(const ordo_risk_drift_t *d)
{
    return d->return_days > 0 && d->return_days <= ORDO_RISK_DRIFT_MAX_RETURN_DAYS
               ? d->return_days
               : ORDO_RISK_DRIFT_RETURN_DAYS;
}
#define SLOTS (window_of(d) + 1)

/* The return table of a delivery: its day's while the return window is
 * open, else the matured one. */
static ordo_calib_acc_t *return_table(ordo_risk_drift_t *d, int64_t delivered_at)
{
    int64_t day = delivered_at / 86400;
    int k = (int)(day % SLOTS);
    if (day <= d->matured_day || d->pending_day[k] > day)
        return &d->acc[ORDO_RISK_RETURN]; /* (a slot held by a later day: an outlier) */
    if (d->pending_day[k] != day) {
        if (d->pending_day[k]) /* an earlier day that should have matured */
            ordo_calib_acc_merge(&d->acc[ORDO_RISK_RETURN], &d->pending[k]);
        memset(&d->pending[k], 0, sizeof d->pending[k]);
        d->pending_day[k] = day;
    }
    return &d->pending[k];
}

void ordo_risk_drift_observe(ordo_risk_drift_t *d, double p_return, double p_cancel,
                             const ordo_outcome_summary_t *s, int64_t from)
{
    if (is_prob(p_cancel)) {
        if (s->cancelled_at > from)
            ordo_calib_acc_add(&d->acc[ORDO_RISK_CANCEL], p_cancel, 1);
        else if (!s->cancelled_at && s->delivered_at > from)
            ordo_calib_acc_add(&d->acc[ORDO_RISK_CANCEL], p_cancel, 0);
    }
    if (!is_prob(p_return) || s->cancelled_at || s->delivered_at <= 0)
        return;
    ordo_calib_acc_t *a = return_table(d, s->delivered_at);
    if (s->delivered_at > from) /* delivered since: its label as it stands */
        ordo_calib_acc_add(a, p_return, s->returned_at ? 1 : 0);
    else if (s->returned_at > from) { /* counted as kept, returned since */
        ordo_calib_acc_remove(a, p_return, 0);
        ordo_calib_acc_add(a, p_return, 1);
    }
}

void ordo_risk_drift_advance(ordo_risk_drift_t *d, int64_t t)
{
    if (t > d->watermark)
        d->watermark = t;
    int64_t mature = d->watermark / 86400 - window_of(d);
    if (mature > d->matured_day)
        d->matured_day = mature;
    for (int k = 0; k < SLOTS; k++)
        if (d->pending_day[k] && d->pending_day[k] <= d->matured_day) {
            ordo_calib_acc_merge(&d->acc[ORDO_RISK_RETURN], &d->pending[k]);
            memset(&d->pending[k], 0, sizeof d->pending[k]);
            d->pending_day[k] = 0;
        }
}

void ordo_risk_drift_set_window(ordo_risk_drift_t *d, int32_t days)
{
    int32_t old = window_of(d);
    d->return_days = days;
    if (window_of(d) == old)
        return;
    static ordo_risk_drift_t was; /* large; the server calls it under its lock */
    memcpy(was.pending_day, d->pending_day, sizeof d->pending_day);
    memcpy(was.pending, d->pending, sizeof d->pending);
    memset(d->pending_day, 0, sizeof d->pending_day);
    ordo_risk_drift_advance(d, d->watermark); /* the days the new window has passed */
    for (int k = 0; k <= old; k++)
        if (was.pending_day[k]) /* a passed day joins the return table */
            ordo_calib_acc_merge(return_table(d, was.pending_day[k] * 86400), &was.pending[k]);
}

uint64_t ordo_risk_drift_pending(const ordo_risk_drift_t *d)
{
    uint64_t n = 0;
    for (int k = 0; k < SLOTS; k++)
        n += d->pending_day[k] ? d->pending[k].total : 0;
    return n;
}

void ordo_risk_drift_check(const ordo_risk_drift_t *d, ordo_risk_target_t t, double bound,
                           uint64_t min_n, int64_t now, ordo_model_drift_t *out)
{
    ordo_model_drift_check(d->model, d->hash, &d->acc[t], bound, min_n, now, out);
}

static void u64_array(ordo_jsonw_t *w, const char *key, const uint64_t *v, int n)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < n; i++)
        ordo_jsonw_int(w, (int64_t)v[i]);
    ordo_jsonw_arr_end(w);
}

static void f64_array(ordo_jsonw_t *w, const char *key, const double *v, int n)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < n; i++)
        ordo_jsonw_double(w, v[i]);
    ordo_jsonw_arr_end(w);
}

static void acc_json(ordo_jsonw_t *w, const char *key, const ordo_calib_acc_t *a)
{
    int nb = a->n_bins > 0 ? a->n_bins : 10;
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "bins", nb);
    u64_array(w, "n", a->n, nb);
    f64_array(w, "sum_p", a->sum_p, nb);
    f64_array(w, "sum_y", a->sum_y, nb);
    ordo_jsonw_kdouble(w, "brier_sum", a->brier_sum);
    ordo_jsonw_kdouble(w, "log_loss_sum", a->log_loss_sum);
    ordo_jsonw_kdouble(w, "y_sum", a->y_sum);
    ordo_jsonw_kint(w, "total", (int64_t)a->total);
    ordo_jsonw_obj_end(w);
}

int ordo_risk_drift_write(const char *models_dir, const ordo_risk_drift_t *d, ordo_error_t *err)
{
    char ts[32];
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "model", d->model);
    ordo_jsonw_kstr(&w, "hash", d->hash);
    ordo_jsonw_kint(&w, "seq", (int64_t)d->seq);
    ordo_jsonw_kint(&w, "watermark", d->watermark);
    ordo_jsonw_kint(&w, "return_days", window_of(d));
    ordo_jsonw_kstr(&w, "updated_at", ordo_time_format(d->updated_at, ts, sizeof ts));
    for (int t = 0; t < 2; t++)
        acc_json(&w, target_key[t], &d->acc[t]);
    ordo_jsonw_kint(&w, "matured_day", d->matured_day);
    ordo_jsonw_key(&w, "pending"); /* delivery days whose returns may still come */
    ordo_jsonw_arr_begin(&w);
    for (int k = 0; k < SLOTS; k++)
        if (d->pending_day[k]) {
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kint(&w, "day", d->pending_day[k]);
            acc_json(&w, "return", &d->pending[k]);
            ordo_jsonw_obj_end(&w);
        }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    return model_state_write(models_dir, ORDO_RISK_DRIFT_FILE, &w, &b, err);
}

static double num_at(const cJSON *o, const char *key)
{
    return model_num(o, key, NAN);
}

static uint64_t count_of(double v)
{
    return isfinite(v) && v > 0 ? (uint64_t)v : 0;
}

/* One table; false when it is not one. */
static bool acc_read(const cJSON *o, ordo_calib_acc_t *a)
{
    double nb = num_at(o, "bins");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "n");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(o, "sum_p");
    const cJSON *sy = cJSON_GetObjectItemCaseSensitive(o, "sum_y");
    if (!(nb >= 1 && nb <= ORDO_CALIB_MAX_BINS) || cJSON_GetArraySize(n) != (int)nb ||
        cJSON_GetArraySize(sp) != (int)nb || cJSON_GetArraySize(sy) != (int)nb)
        return false;
    memset(a, 0, sizeof *a);
    a->n_bins = nb == 10 ? 0 : (int)nb;
    for (int b = 0; b < (int)nb; b++) {
        const cJSON *x = cJSON_GetArrayItem(n, b), *p = cJSON_GetArrayItem(sp, b),
                    *y = cJSON_GetArrayItem(sy, b);
        if (!cJSON_IsNumber(x) || !cJSON_IsNumber(p) || !cJSON_IsNumber(y))
            return false;
        a->n[b] = count_of(x->valuedouble);
        a->sum_p[b] = p->valuedouble;
        a->sum_y[b] = y->valuedouble;
    }
    a->brier_sum = num_at(o, "brier_sum");
    a->log_loss_sum = num_at(o, "log_loss_sum");
    a->y_sum = num_at(o, "y_sum");
    a->total = count_of(num_at(o, "total"));
    return isfinite(a->brier_sum) && isfinite(a->log_loss_sum) && isfinite(a->y_sum);
}

int ordo_risk_drift_read(const char *models_dir, ordo_risk_drift_t *d, ordo_error_t *err)
{
    cJSON *root;
    memset(d, 0, sizeof *d);
    int rc = model_state_read(models_dir, ORDO_RISK_DRIFT_FILE, &root, d->model, d->hash, err);
    if (rc)
        return rc;
    const char *path = ORDO_RISK_DRIFT_FILE;
    d->updated_at = model_time_of(root, "updated_at");
    d->seq = count_of(num_at(root, "seq"));
    double wm = num_at(root, "watermark");
    d->watermark = isfinite(wm) ? (int64_t)wm : 0;
    double rd = num_at(root, "return_days"); /* a file without it: the default */
    d->return_days = isfinite(rd) ? ordo_risk_drift_return_days(rd) : 0;
    for (int t = 0; t < 2 && !rc; t++)
        if (!acc_read(cJSON_GetObjectItemCaseSensitive(root, target_key[t]), &d->acc[t]))
            rc = ordo_error_set(err, ORDO_EPARSE, path, 0, target_key[t],
                                "not a reliability table");
    double md = num_at(root, "matured_day");
    d->matured_day = isfinite(md) ? (int64_t)md : 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "pending"))
    {
        double day = num_at(it, "day");
        int k = isfinite(day) && day > 0 ? (int)((int64_t)day % SLOTS) : 0;
        if (rc || !(isfinite(day) && day > 0) || d->pending_day[k] ||
            !acc_read(cJSON_GetObjectItemCaseSensitive(it, "return"), &d->pending[k]))
            rc = rc ? rc : ordo_error_set(err, ORDO_EPARSE, path, 0, "pending",
                                          "not a day's reliability table");
        else
            d->pending_day[k] = (int64_t)day;
    }
    cJSON_Delete(root);
    return rc;
}
