/* SPDX-License-Identifier: Apache-2.0 */
/* Holt–Winters exponential smoothing (additive trend or none; additive or
 * multiplicative seasonality), its SSE fit by Nelder–Mead, the
 * seasonal-naive benchmark and MASE. Formulas: include/ordo/fit.h;
 * optimiser: docs/internals/FIT.md. */
#include "ordo/fit.h"

#include "fit_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HW_NM_MAX_EVALS 600
#define HW_NM_FTOL 1e-12

static int check_model(const ordo_hw_model_t *md, ordo_error_t *err)
{
    if (!md)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model", "missing");
    if (md->period < 2 || md->period > ORDO_HW_MAX_PERIOD)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model.period",
                              "%d not in 2..%d", md->period, ORDO_HW_MAX_PERIOD);
    if (md->season != ORDO_HW_ADDITIVE && md->season != ORDO_HW_MULTIPLICATIVE)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model.season", "unknown kind");
    const double prm[3] = {md->alpha, md->beta, md->gamma};
    static const char *const names[3] = {"model.alpha", "model.beta", "model.gamma"};
    for (int k = 0; k < 3; k++) {
        if (!(prm[k] >= 0 && prm[k] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, names[k], "%g not in [0,1]",
                                  prm[k]);
    }
    if (!isfinite(md->level0) || !isfinite(md->trend0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model.level0", "not finite");
    for (int k = 0; k < md->period; k++) {
        int bad = !isfinite(md->season0[k]) ||
                  (md->season == ORDO_HW_MULTIPLICATIVE && !(md->season0[k] > 0));
        if (bad)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model.season0",
                                  "season0[%d] = %g is not %s", k, md->season0[k],
                                  md->season == ORDO_HW_MULTIPLICATIVE ? "> 0" : "finite");
    }
    return ORDO_OK;
}

static int check_series(const ordo_hw_model_t *md, const double *y, size_t n, ordo_error_t *err)
{
    if (!y || n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "empty series");
    for (size_t t = 0; t < n; t++) {
        int bad = !isfinite(y[t]) || (md->season == ORDO_HW_MULTIPLICATIVE && !(y[t] > 0));
        if (bad)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "y[%zu] = %g is not %s", t,
                                  y[t],
                                  md->season == ORDO_HW_MULTIPLICATIVE ? "> 0 (multiplicative)"
                                                                       : "finite");
    }
    return ORDO_OK;
}

/* The recursions, no checks: SSE returned, fitted and forecast optional. */
static double hw_recurse(const ordo_hw_model_t *md, const double *y, size_t n, double *fitted,
                         double *forecast, size_t h)
{
    int m = md->period, mul = md->season == ORDO_HW_MULTIPLICATIVE;
    double s[ORDO_HW_MAX_PERIOD];
    memcpy(s, md->season0, (size_t)m * sizeof *s);
    double a = md->alpha, g = md->gamma, beta = md->trend ? md->beta : 0;
    double l = md->level0, b = md->trend ? md->trend0 : 0, sse = 0;
    for (size_t t = 0; t < n; t++) {
        int k = (int)(t % (size_t)m);
        double base = l + b;
        double fit = mul ? base * s[k] : base + s[k];
        if (fitted)
            fitted[t] = fit;
        sse += (y[t] - fit) * (y[t] - fit);
        double nl = mul ? a * y[t] / s[k] + (1 - a) * base : a * (y[t] - s[k]) + (1 - a) * base;
        s[k] = mul ? g * y[t] / base + (1 - g) * s[k] : g * (y[t] - base) + (1 - g) * s[k];
        b = beta * (nl - l) + (1 - beta) * b;
        l = nl;
    }
    for (size_t k = 0; k < h; k++) {
        double base = l + (double)(k + 1) * b, sk = s[(n + k) % (size_t)m];
        forecast[k] = mul ? base * sk : base + sk;
    }
    return sse;
}

int ordo_hw_run(const ordo_hw_model_t *model, const double *y, size_t n, double *fitted,
                double *sse, double *forecast, size_t h, ordo_error_t *err)
{
    int rc = check_model(model, err);
    if (rc == ORDO_OK)
        rc = check_series(model, y, n, err);
    if (rc != ORDO_OK)
        return rc;
    if (h > 0 && !forecast)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "forecast", "no array for h = %zu", h);
    double s = hw_recurse(model, y, n, fitted, forecast, h);
    if (sse)
        *sse = s;
    return ORDO_OK;
}

int ordo_hw_init_state(ordo_hw_model_t *model, const double *y, size_t n, ordo_error_t *err)
{
    if (!model || model->period < 2 || model->period > ORDO_HW_MAX_PERIOD)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model.period", "not in 2..%d",
                              ORDO_HW_MAX_PERIOD);
    int rc = check_series(model, y, n, err);
    if (rc != ORDO_OK)
        return rc;
    size_t m = (size_t)model->period;
    if (n < 2 * m)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y",
                              "%zu values: the initial state needs two seasons (%zu)", n, 2 * m);
    double s1 = 0, s2 = 0;
    for (size_t k = 0; k < m; k++) {
        s1 += y[k];
        s2 += y[m + k];
    }
    model->level0 = s1 / (double)m;
    model->trend0 = model->trend ? (s2 - s1) / (double)m / (double)m : 0;
    for (size_t k = 0; k < m; k++)
        model->season0[k] = model->season == ORDO_HW_MULTIPLICATIVE ? y[k] / model->level0
                                                                     : y[k] - model->level0;
    return ORDO_OK;
}

/* ---- the fit: Nelder–Mead on the logits of the smoothing parameters ---- */

typedef struct hw_objective {
    ordo_hw_model_t md;
    const double *y;
    size_t n;
    int dim;  /* 2 (alpha, gamma) or 3 (alpha, beta, gamma) */
    int evals;
} hw_objective_t;

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static void set_params(hw_objective_t *o, const double *x)
{
    o->md.alpha = logistic(x[0]);
    o->md.gamma = logistic(x[o->dim - 1]);
    o->md.beta = o->dim == 3 ? logistic(x[1]) : 0;
}

static double sse_at(hw_objective_t *o, const double *x)
{
    set_params(o, x);
    o->evals++;
    double s = hw_recurse(&o->md, o->y, o->n, NULL, NULL, 0);
    return isfinite(s) ? s : HUGE_VAL;
}

/* Moves vertex w of the simplex to centroid + coef (w - centroid). */
static double nm_try(hw_objective_t *o, double (*v)[3], const double *c, int w, double coef,
                     double *out)
{
    for (int j = 0; j < o->dim; j++)
        out[j] = c[j] + coef * (v[w][j] - c[j]);
    return sse_at(o, out);
}

static void nm_sort(double (*v)[3], double *f, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
            double t = f[j];
            f[j] = f[j - 1];
            f[j - 1] = t;
            for (int k = 0; k < 3; k++) {
                t = v[j][k];
                v[j][k] = v[j - 1][k];
                v[j - 1][k] = t;
            }
        }
}

static void nm_shrink(hw_objective_t *o, double (*v)[3], double *f)
{
    for (int i = 1; i <= o->dim; i++) {
        for (int j = 0; j < o->dim; j++)
            v[i][j] = v[0][j] + 0.5 * (v[i][j] - v[0][j]);
        f[i] = sse_at(o, v[i]);
    }
}

/* One Nelder–Mead step (reflect, expand, contract or shrink). */
static void nm_step(hw_objective_t *o, double (*v)[3], double *f)
{
    int d = o->dim, w = d;
    double c[3] = {0}, xr[3], xe[3], xc[3];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            c[j] += v[i][j] / d;
    double fr = nm_try(o, v, c, w, -1.0, xr);
    if (fr < f[0]) {
        double fe = nm_try(o, v, c, w, -2.0, xe);
        memcpy(v[w], fe < fr ? xe : xr, sizeof xr);
        f[w] = fe < fr ? fe : fr;
    } else if (fr < f[d - 1]) {
        memcpy(v[w], xr, sizeof xr);
        f[w] = fr;
    } else {
        double fc = fr < f[w] ? nm_try(o, v, c, w, -0.5, xc) : nm_try(o, v, c, w, 0.5, xc);
        if (fc < (fr < f[w] ? fr : f[w])) {
            memcpy(v[w], xc, sizeof xc);
            f[w] = fc;
        } else {
            nm_shrink(o, v, f);
        }
    }
    nm_sort(v, f, d + 1);
}

/* Nelder–Mead from x (logit space), step 0.5; x and *fx get the best. */
static void nelder_mead(hw_objective_t *o, double *x, double *fx)
{
    double v[4][3] = {{0}}, f[4];
    for (int i = 0; i <= o->dim; i++) {
        memcpy(v[i], x, 3 * sizeof *x);
        if (i > 0)
            v[i][i - 1] += 0.5;
        f[i] = sse_at(o, v[i]);
    }
    nm_sort(v, f, o->dim + 1);
    int start = o->evals;
    while (o->evals - start < HW_NM_MAX_EVALS &&
           f[o->dim] - f[0] > HW_NM_FTOL * (1 + fabs(f[0])))
        nm_step(o, v, f);
    memcpy(x, v[0], 3 * sizeof *x);
    *fx = f[0];
}

static double logit_of(double p)
{
    return log(p / (1 - p));
}

/* ---- the joint fit: Levenberg–Marquardt on smoothing logits and state ---- */

typedef struct hw_lm {
    hw_objective_t *o;
    int p;          /* parameters */
    double *theta;  /* p */
    double *trial;  /* p */
    double *jac;    /* n x p: d residual / d theta */
    double *res;    /* n residuals */
    double *fit;    /* n fitted values (scratch) */
    double *a;      /* p x p normal matrix */
    double *g;      /* p gradient J^T r */
    double *step;   /* p */
} hw_lm_t;

static void lm_unpack(hw_objective_t *o, const double *th)
{
    int k = o->dim;
    set_params(o, th);
    o->md.level0 = th[k++];
    if (o->md.trend)
        o->md.trend0 = th[k++];
    for (int j = 0; j < o->md.period; j++)
        o->md.season0[j] = th[k++];
}

static void lm_pack(const hw_objective_t *o, double *th)
{
    int k = 0;
    th[k++] = logit_of(fmin(fmax(o->md.alpha, 1e-12), 1 - 1e-12));
    if (o->dim == 3)
        th[k++] = logit_of(fmin(fmax(o->md.beta, 1e-12), 1 - 1e-12));
    th[k++] = logit_of(fmin(fmax(o->md.gamma, 1e-12), 1 - 1e-12));
    th[k++] = o->md.level0;
    if (o->md.trend)
        th[k++] = o->md.trend0;
    for (int j = 0; j < o->md.period; j++)
        th[k++] = o->md.season0[j];
}

static double lm_sse(hw_lm_t *lm, const double *th, double *fit)
{
    lm_unpack(lm->o, th);
    lm->o->evals++;
    if (check_model(&lm->o->md, NULL) != ORDO_OK)
        return HUGE_VAL; /* a multiplicative state must stay positive */
    double s = hw_recurse(&lm->o->md, lm->o->y, lm->o->n, fit, NULL, 0);
    return isfinite(s) ? s : HUGE_VAL;
}

/* Residuals, central-difference Jacobian, J^T J and J^T r at theta. */
static void lm_linearise(hw_lm_t *lm)
{
    size_t n = lm->o->n, p = (size_t)lm->p;
    lm_sse(lm, lm->theta, lm->fit);
    for (size_t t = 0; t < n; t++)
        lm->res[t] = lm->o->y[t] - lm->fit[t];
    memcpy(lm->trial, lm->theta, p * sizeof *lm->trial);
    for (size_t j = 0; j < p; j++) {
        double h = 1e-6 * fmax(1.0, fabs(lm->theta[j]));
        lm->trial[j] = lm->theta[j] + h;
        lm_sse(lm, lm->trial, lm->fit);
        for (size_t t = 0; t < n; t++)
            lm->jac[t * p + j] = lm->fit[t];
        lm->trial[j] = lm->theta[j] - h;
        lm_sse(lm, lm->trial, lm->fit);
        for (size_t t = 0; t < n; t++)
            lm->jac[t * p + j] = -(lm->jac[t * p + j] - lm->fit[t]) / (2 * h);
        lm->trial[j] = lm->theta[j];
    }
    memset(lm->a, 0, p * p * sizeof *lm->a);
    memset(lm->g, 0, p * sizeof *lm->g);
    for (size_t t = 0; t < n; t++) {
        const double *row = lm->jac + t * p;
        for (size_t i = 0; i < p; i++) {
            lm->g[i] += row[i] * lm->res[t];
            for (size_t j = 0; j <= i; j++)
                lm->a[i * p + j] += row[i] * row[j];
        }
    }
}

/* Tries damped steps from theta; 1 and theta, *sse updated on success. */
static int lm_try_steps(hw_lm_t *lm, double *mu, double *sse, double *work)
{
    size_t p = (size_t)lm->p;
    double dmax = 0;
    for (size_t i = 0; i < p; i++)
        dmax = fmax(dmax, lm->a[i * p + i]);
    for (int tries = 0; tries < 12; tries++, *mu *= 4) {
        memcpy(work, lm->a, p * p * sizeof *work);
        for (size_t i = 0; i < p; i++)
            work[i * p + i] += *mu * lm->a[i * p + i] + 1e-12 * dmax;
        if (ordo_fit_cholesky(work, p, 0) != 0)
            continue;
        for (size_t i = 0; i < p; i++)
            lm->step[i] = -lm->g[i];
        ordo_fit_cholesky_solve(work, p, lm->step);
        for (size_t i = 0; i < p; i++)
            lm->trial[i] = lm->theta[i] + lm->step[i];
        double s = lm_sse(lm, lm->trial, NULL);
        if (s < *sse) {
            memcpy(lm->theta, lm->trial, p * sizeof *lm->theta);
            *sse = s;
            *mu = fmax(*mu / 3, 1e-12);
            return 1;
        }
    }
    return 0;
}

static int lm_fit(hw_objective_t *o, double *sse, int *iterations)
{
    hw_lm_t lm = {.o = o, .p = o->dim + (o->md.trend ? 2 : 1) + o->md.period};
    size_t p = (size_t)lm.p, n = o->n;
    double *mem = malloc((4 * p + 2 * p * p + n * (p + 2)) * sizeof *mem);
    if (!mem)
        return ORDO_ENOMEM;
    lm.theta = mem;
    lm.trial = lm.theta + p;
    lm.g = lm.trial + p;
    lm.step = lm.g + p;
    lm.a = lm.step + p;
    double *work = lm.a + p * p;
    lm.jac = work + p * p;
    lm.res = lm.jac + n * p;
    lm.fit = lm.res + n;
    lm_pack(o, lm.theta);
    double mu = 1e-3;
    *sse = lm_sse(&lm, lm.theta, NULL);
    for (*iterations = 0; *iterations < 200; (*iterations)++) {
        double before = *sse;
        lm_linearise(&lm);
        if (!lm_try_steps(&lm, &mu, sse, work) || before - *sse <= 1e-14 * before)
            break;
    }
    lm_unpack(o, lm.theta);
    free(mem);
    return ORDO_OK;
}

/* Step 2 of ordo_hw_fit: the smoothing parameters by Nelder–Mead. */
static double fit_smoothing(hw_objective_t *o, int *starts)
{
    static const double alphas[3] = {0.05, 0.3, 0.7}, betas[2] = {0.01, 0.2},
                        gammas[3] = {0.02, 0.2, 0.6};
    double best[3] = {0}, fbest = HUGE_VAL;
    *starts = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < (o->dim == 3 ? 2 : 1); b++)
            for (int g = 0; g < 3; g++, (*starts)++) {
                double x[3] = {logit_of(alphas[a]), logit_of(betas[b]), 0}, fx;
                x[o->dim - 1] = logit_of(gammas[g]);
                nelder_mead(o, x, &fx);
                if (fx < fbest) {
                    fbest = fx;
                    memcpy(best, x, sizeof best);
                }
            }
    nelder_mead(o, best, &fbest); /* restart from the best: NM can stall */
    (*starts)++;
    set_params(o, best);
    return fbest;
}

int ordo_hw_fit(ordo_hw_model_t *model, const double *y, size_t n, int flags,
                ordo_hw_fit_report_t *rep, ordo_error_t *err)
{
    int rc = (flags & ORDO_HW_GIVEN_STATE) ? ORDO_OK : ordo_hw_init_state(model, y, n, err);
    if (rc == ORDO_OK) {
        model->alpha = model->beta = model->gamma = 0.5;
        rc = check_model(model, err);
    }
    if (rc == ORDO_OK)
        rc = check_series(model, y, n, err);
    if (rc != ORDO_OK)
        return rc;
    hw_objective_t o = {.md = *model, .y = y, .n = n, .dim = model->trend ? 3 : 2};
    ordo_hw_fit_report_t r = {0};
    r.sse = fit_smoothing(&o, &r.starts);
    if (!(flags & ORDO_HW_HOLD_STATE) && lm_fit(&o, &r.sse, &r.lm_iterations) != ORDO_OK)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    r.evaluations = o.evals;
    *model = o.md;
    if (rep)
        *rep = r;
    return ORDO_OK;
}

static double hw_aicc(double sse, size_t n, int k)
{
    double dn = (double)n;
    if (dn - k - 1 <= 0 || !(sse > 0))
        return HUGE_VAL;
    return dn * log(sse / dn) + 2.0 * k + 2.0 * k * (k + 1) / (dn - k - 1);
}

int ordo_hw_fit_auto(ordo_hw_model_t *model, const double *y, size_t n, double *aicc,
                     ordo_error_t *err)
{
    if (!model || !y)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "model", "missing");
    int positive = 1;
    for (size_t t = 0; t < n; t++)
        positive &= y[t] > 0;
    ordo_hw_model_t best = *model;
    double best_ic = HUGE_VAL;
    int rc = ORDO_OK, fitted = 0;
    for (int form = 0; form < 4; form++) {
        ordo_hw_model_t md = {.period = model->period, .trend = form & 1,
                              .season = (form & 2) ? ORDO_HW_MULTIPLICATIVE : ORDO_HW_ADDITIVE};
        if (md.season == ORDO_HW_MULTIPLICATIVE && !positive)
            continue;
        ordo_hw_fit_report_t rep;
        int frc = ordo_hw_fit(&md, y, n, 0, &rep, err);
        if (frc != ORDO_OK) {
            rc = frc;
            continue;
        }
        fitted++;
        double ic = hw_aicc(rep.sse, n, 2 + 2 * md.trend + 1 + md.period);
        if (ic < best_ic) {
            best = md;
            best_ic = ic;
        }
    }
    if (!fitted)
        return rc; /* err names what ordo_hw_fit refused */
    if (best_ic == HUGE_VAL)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y",
                              "%zu values are too few for the %d parameters of a season of %d",
                              n, 3 + model->period, model->period);
    ordo_error_clear(err);
    *model = best;
    if (aicc)
        *aicc = best_ic;
    return ORDO_OK;
}

int ordo_seasonal_naive(const double *y, size_t n, int period, double *forecast, size_t h,
                        ordo_error_t *err)
{
    if (period < 1 || (size_t)period > n)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "period",
                              "%d: needs 1 <= period <= n (%zu)", period, n);
    if (!y || (h && !forecast))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "missing array");
    for (size_t k = 0; k < h; k++)
        forecast[k] = y[n - (size_t)period + k % (size_t)period];
    return ORDO_OK;
}

int ordo_mase(const double *train, size_t n, int period, const double *actual,
              const double *forecast, size_t h, double *mase, ordo_error_t *err)
{
    if (period < 1 || (size_t)period >= n)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "period",
                              "%d: needs 1 <= period < n (%zu)", period, n);
    if (!train || !actual || !forecast || !mase || h == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "forecast", "missing or empty");
    double scale = 0, mae = 0;
    for (size_t t = (size_t)period; t < n; t++)
        scale += fabs(train[t] - train[t - (size_t)period]);
    scale /= (double)(n - (size_t)period);
    if (!(scale > 0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "train",
                              "the seasonal-naive in-sample error is 0: MASE undefined");
    for (size_t k = 0; k < h; k++)
        mae += fabs(actual[k] - forecast[k]);
    *mase = mae / (double)h / scale;
    return ORDO_OK;
}
