/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — held-out scores of the risk models: AUC, reliability table,
 * Brier score and log loss, beside the base-rate model and the parametric
 * term the learned ones replace (include/ordo/model.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void score(const double *p, const double *y, size_t n, ordo_risk_score_t *s)
{
    ordo_calib_summary_t sum;
    memset(s, 0, sizeof *s);
    s->auc = NAN;
    ordo_auc(p, y, n, &s->auc, NULL);
    if (ordo_calibration(p, y, n, 10, s->bins, &sum, NULL) != ORDO_OK)
        return;
    s->brier = sum.brier;
    s->log_loss = sum.log_loss;
    s->ece = sum.ece;
    s->max_gap = sum.max_gap;
}

static int eval_target(const ordo_risk_model_t *m, const ordo_risk_run_t *run,
                       ordo_risk_target_t t, int day_from, ordo_risk_eval_t *out)
{
    int fam_map[ORDO_RISK_MAX_NAMES], svc_map[ORDO_RISK_MAX_NAMES];
    ordo_risk_model_maps(m, run, fam_map, svc_map);
    ordo_risk_design_t x;
    if (ordo_risk_design_build(run, t, fam_map, m->families.n, svc_map, m->services.n, &x))
        return ORDO_ENOMEM;
    size_t first = 0;
    while (first < x.n && x.day[first] < day_from)
        first++;
    size_t n = x.n - first;
    const ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    double *p = malloc((n + 1) * sizeof *p);
    int rc = p ? ORDO_OK : ORDO_ENOMEM;
    if (!rc && n) {
        ordo_logit_rows_t rows = {.n_rows = n, .n_features = x.d, .row_start = x.rs + first,
                                  .col = x.col, .val = x.val, .y = x.y + first};
        ordo_logit_predict(&rows, c->intercept, c->coef, p);
        score(p, x.y + first, n, &out->learned[t]);
        for (size_t i = 0; i < n; i++)
            ordo_calib_acc_add(&out->acc[t], p[i], x.y[first + i]);
        for (size_t i = 0; i < n; i++)
            p[i] = c->rate;
        score(p, x.y + first, n, &out->base_rate[t]);
        int has = 1;
        for (size_t i = 0; has && i < n; i++) {
            p[i] = x.base[first + i];
            has = isfinite(p[i]) && p[i] >= 0 && p[i] <= 1;
        }
        if ((out->has_parametric[t] = has))
            score(p, x.y + first, n, &out->parametric[t]);
    }
    out->n[t] = n;
    free(p);
    ordo_risk_design_free(&x);
    return rc;
}

int ordo_risk_evaluate(const ordo_risk_model_t *m, const ordo_risk_run_t *run, int64_t from,
                       ordo_risk_eval_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    out->from = from ? from : m->info.trained_until;
    /* whole days: a split is a UTC midnight; a later instant skips its day */
    int day_from = (int)ceil((double)(out->from - run->t0) / 86400.0);
    int rc = eval_target(m, run, ORDO_RISK_RETURN, day_from, out);
    if (!rc)
        rc = eval_target(m, run, ORDO_RISK_CANCEL, day_from, out);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (!out->n[ORDO_RISK_RETURN] && !out->n[ORDO_RISK_CANCEL])
        return ordo_error_set(err, ORDO_ENOTFOUND, m->info.run, 0, "run",
                              "no order with an outcome decided after the model's training");
    return ORDO_OK;
}
