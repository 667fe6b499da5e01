/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — model decay: the calibration of a model's probability (the ETA
 * model's on time, the risk models' return and cancellation) on the
 * outcomes that arrived after its training, against a bound; the ETA
 * state file ordo serve's /metrics reads (docs/internals/MODEL.md "Drift"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/util.h"

void ordo_model_drift_check(const char *version, const char *hash, const ordo_calib_acc_t *r,
                            double bound, uint64_t min_n, int64_t now, ordo_model_drift_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->model, sizeof out->model, "%s", version);
    snprintf(out->hash, sizeof out->hash, "%s", hash);
    out->checked_at = now;
    out->bound = bound;
    out->min_n = min_n;
    out->predictions = r->total;
    int nb = r->n_bins > 0 ? r->n_bins : 10;
    double sp = 0, sy = 0;
    bool any = false;
    for (int b = 0; b < nb; b++) {
        sp += r->sum_p[b];
        sy += r->sum_y[b];
        any |= r->n[b] >= min_n && r->n[b] > 0;
    }
    out->calibration_error = any ? ordo_calib_acc_max_gap(r, min_n) : NAN;
    out->mean_error = r->total ? fabs(sp - sy) / (double)r->total : NAN;
    out->brier = r->total ? r->brier_sum / (double)r->total : NAN;
    out->alarm = (any && out->calibration_error > bound) ||
                 (r->total >= min_n && out->mean_error > bound);
}

void ordo_eta_drift_check(const ordo_eta_info_t *model, const ordo_eta_eval_t *ev, double bound,
                          uint64_t min_n, int64_t now, ordo_eta_drift_t *out)
{
    ordo_model_drift_check(model->version, model->hash, &ev->model, bound, min_n, now, out);
}

void ordo_model_drift_json(const ordo_model_drift_t *d, ordo_jsonw_t *w)
{
    char ts[32];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "model", d->model);
    ordo_jsonw_kstr(w, "hash", d->hash);
    ordo_jsonw_kstr(w, "checked_at", ordo_time_format(d->checked_at, ts, sizeof ts));
    ordo_jsonw_kint(w, "predictions", (int64_t)d->predictions);
    ordo_jsonw_kdouble(w, "calibration_error", d->calibration_error);
    ordo_jsonw_kdouble(w, "mean_error", d->mean_error);
    ordo_jsonw_kdouble(w, "brier", d->brier);
    ordo_jsonw_kdouble(w, "bound", d->bound);
    ordo_jsonw_kint(w, "min_n", (int64_t)d->min_n);
    ordo_jsonw_kbool(w, "alarm", d->alarm);
    ordo_jsonw_obj_end(w);
}

void ordo_eta_drift_json(const ordo_eta_drift_t *d, ordo_jsonw_t *w)
{
    ordo_model_drift_json(d, w);
}

int model_state_write(const char *models_dir, const char *file, ordo_jsonw_t *w, ordo_buf_t *b,
                      ordo_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", models_dir, file);
    int rc = ordo_jsonw_finish(w);
    if (!rc)
        rc = ordo_buf_putc(b, '\n');
    if (!rc)
        rc = ordo_write_file_atomic(path, b->data, b->len, err);
    ordo_buf_free(b);
    return rc;
}

int model_state_read(const char *models_dir, const char *file, cJSON **root, char model[32],
                     char hash[17], ordo_error_t *err)
{
    char path[4096], *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", models_dir, file);
    *root = NULL;
    int rc = ordo_read_file(path, &text, &len, err);
    if (!rc)
        rc = ordo_json_parse_doc(text, len, path, 0, root, err);
    free(text);
    if (rc)
        return rc;
    model_str_into(*root, "model", model, 32);
    model_str_into(*root, "hash", hash, 17);
    return ORDO_OK;
}

int ordo_eta_drift_write(const char *models_dir, const ordo_eta_drift_t *d, ordo_error_t *err)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_eta_drift_json(d, &w);
    return model_state_write(models_dir, ORDO_ETA_DRIFT_FILE, &w, &b, err);
}

static uint64_t count_of(double v)
{
    return isfinite(v) && v > 0 ? (uint64_t)v : 0;
}

int ordo_eta_drift_read(const char *models_dir, ordo_eta_drift_t *d, ordo_error_t *err)
{
    cJSON *root;
    memset(d, 0, sizeof *d);
    int rc = model_state_read(models_dir, ORDO_ETA_DRIFT_FILE, &root, d->model, d->hash, err);
    if (rc)
        return rc;
    d->checked_at = model_time_of(root, "checked_at");
    d->predictions = count_of(model_num(root, "predictions", NAN));
    d->calibration_error = model_num(root, "calibration_error", NAN);
    d->mean_error = model_num(root, "mean_error", NAN);
    d->brier = model_num(root, "brier", NAN);
    d->bound = model_num(root, "bound", NAN);
    d->min_n = count_of(model_num(root, "min_n", NAN));
    d->alarm = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "alarm"));
    cJSON_Delete(root);
    return ORDO_OK;
}
