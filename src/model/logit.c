/* SPDX-License-Identifier: Apache-2.0 */
/* Penalised logistic regression: Newton's method with a backtracking
 * (Armijo) line search on the objective in include/ordo/fit.h. The Newton
 * system is solved by Cholesky after a Jacobi scaling (so features of very
 * different scales do not ruin it), with a Levenberg shift added only when
 * the scaled Hessian is not numerically positive definite. */
#include "ordo/fit.h"

#include "fit_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOGIT_MAX_HALVINGS 60
#define LOGIT_ARMIJO 1e-4

typedef struct logit_work {
    const ordo_logit_rows_t *rows;
    size_t dim;        /* 1 + n_features */
    double l2;
    double wsum;
    double *pen;       /* dim: penalty weight per parameter (0 for intercept) */
    double *theta;     /* dim */
    double *grad;      /* dim */
    double *hess;      /* dim * dim, upper triangle filled, then mirrored */
    double *step;      /* dim */
    double *scale;     /* dim: Jacobi scaling */
    double *eta;       /* n_rows */
    double *delta;     /* n_rows: change of eta along the step */
} logit_work_t;

static double softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static double row_weight(const ordo_logit_rows_t *r, size_t i)
{
    return r->weight ? r->weight[i] : 1.0;
}

static double entry_val(const ordo_logit_rows_t *r, size_t k)
{
    return r->val ? r->val[k] : 1.0;
}

static int validate(const ordo_logit_rows_t *r, const ordo_logit_opts_t *o, ordo_error_t *err)
{
    if (!r || !o || !r->row_start || !r->y || (r->row_start[r->n_rows] > 0 && !r->col))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows", "missing array");
    if (r->n_rows == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.n_rows", "no rows");
    if (r->n_features > ORDO_LOGIT_MAX_FEATURES)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.n_features",
                              "%zu features, at most %d", r->n_features,
                              ORDO_LOGIT_MAX_FEATURES);
    if (!(o->l2 >= 0) || !isfinite(o->l2))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "opts.l2", "must be >= 0");
    double wsum = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        if (r->row_start[i + 1] < r->row_start[i])
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.row_start",
                                  "row %zu: offsets decrease", i);
        if (!(r->y[i] >= 0 && r->y[i] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.y",
                                  "row %zu: label %g not in [0,1]", i, r->y[i]);
        double w = row_weight(r, i);
        if (!(w >= 0) || !isfinite(w))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.weight",
                                  "row %zu: weight %g not >= 0", i, w);
        wsum += w;
        for (size_t k = r->row_start[i]; k < r->row_start[i + 1]; k++) {
            if (r->col[k] >= r->n_features)
                return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.col",
                                      "row %zu: feature %u >= n_features %zu", i,
                                      (unsigned)r->col[k], r->n_features);
            if (!isfinite(entry_val(r, k)))
                return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.val",
                                      "row %zu: value not finite", i);
        }
    }
    if (!(wsum > 0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "rows.weight", "all weights are 0");
    return ORDO_OK;
}

/* Penalty weights l2 * s_j^2, s_j the weighted population sd of feature j
 * (zeros included) when standardising, else 1; a constant feature gets 1. */
static int penalty_weights(logit_work_t *w, const ordo_logit_opts_t *o)
{
    const ordo_logit_rows_t *r = w->rows;
    size_t d = r->n_features;
    w->pen[0] = 0;
    for (size_t j = 0; j < d; j++)
        w->pen[1 + j] = o->l2;
    if (!o->standardize)
        return ORDO_OK;
    double *sx = calloc(2 * d + 1, sizeof *sx);
    if (!sx)
        return ORDO_ENOMEM;
    double *sxx = sx + d;
    for (size_t i = 0; i < r->n_rows; i++) {
        double wi = row_weight(r, i);
        for (size_t k = r->row_start[i]; k < r->row_start[i + 1]; k++) {
            double v = entry_val(r, k);
            sx[r->col[k]] += wi * v;
            sxx[r->col[k]] += wi * v * v;
        }
    }
    for (size_t j = 0; j < d; j++) {
        double mean = sx[j] / w->wsum;
        double var = sxx[j] / w->wsum - mean * mean;
        double s2 = var > 1e-300 ? var : 1.0;
        w->pen[1 + j] = o->l2 * s2;
    }
    free(sx);
    return ORDO_OK;
}

static double row_eta(const ordo_logit_rows_t *r, size_t i, const double *theta)
{
    double eta = theta[0];
    for (size_t k = r->row_start[i]; k < r->row_start[i + 1]; k++)
        eta += theta[1 + r->col[k]] * entry_val(r, k);
    return eta;
}

static double penalty(const logit_work_t *w, const double *theta, double t, const double *step)
{
    double s = 0;
    for (size_t j = 1; j < w->dim; j++) {
        double c = theta[j] + (step ? t * step[j] : 0);
        s += w->pen[j] * c * c;
    }
    return 0.5 * s;
}

/* The objective at theta + t * step, from eta + t * delta. */
static double objective_along(const logit_work_t *w, double t)
{
    const ordo_logit_rows_t *r = w->rows;
    double f = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        double e = w->eta[i] + t * w->delta[i];
        f += row_weight(r, i) * (softplus(e) - r->y[i] * e);
    }
    return f + penalty(w, w->theta, t, w->step);
}

/* Adds one row's curvature c x x^T to the upper triangle of hess. */
static void add_row_hessian(logit_work_t *w, size_t i, double c)
{
    const ordo_logit_rows_t *r = w->rows;
    size_t dim = w->dim;
    double *h = w->hess;
    size_t b = r->row_start[i], e = r->row_start[i + 1];
    h[0] += c;
    for (size_t k = b; k < e; k++) {
        size_t jk = 1 + r->col[k];
        double vk = c * entry_val(r, k);
        h[jk] += vk;
        for (size_t l = k; l < e; l++) {
            size_t jl = 1 + r->col[l];
            double v = vk * entry_val(r, l);
            if (l != k && jl == jk)
                v *= 2;
            if (jk <= jl)
                h[jk * dim + jl] += v;
            else
                h[jl * dim + jk] += v;
        }
    }
}

/* eta, gradient and Hessian (mirrored to full) at theta; returns the
 * objective. */
static double evaluate(logit_work_t *w)
{
    const ordo_logit_rows_t *r = w->rows;
    size_t dim = w->dim;
    memset(w->grad, 0, dim * sizeof *w->grad);
    memset(w->hess, 0, dim * dim * sizeof *w->hess);
    double f = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        double e = row_eta(r, i, w->theta);
        double wi = row_weight(r, i);
        w->eta[i] = e;
        f += wi * (softplus(e) - r->y[i] * e);
        double p = sigmoid(e);
        double g = wi * (p - r->y[i]);
        w->grad[0] += g;
        for (size_t k = r->row_start[i]; k < r->row_start[i + 1]; k++)
            w->grad[1 + r->col[k]] += g * entry_val(r, k);
        add_row_hessian(w, i, wi * p * (1 - p));
    }
    for (size_t j = 1; j < dim; j++) {
        w->grad[j] += w->pen[j] * w->theta[j];
        w->hess[j * dim + j] += w->pen[j];
    }
    for (size_t a = 0; a < dim; a++)
        for (size_t b = a + 1; b < dim; b++)
            w->hess[b * dim + a] = w->hess[a * dim + b];
    return f + penalty(w, w->theta, 0, NULL);
}

/* step = -H^{-1} grad, through D H D with D = diag(H)^{-1/2}. The scaled
 * Hessian is overwritten by its factor. */
static int newton_step(logit_work_t *w)
{
    size_t n = w->dim;
    for (size_t i = 0; i < n; i++) {
        double hii = w->hess[i * n + i];
        w->scale[i] = hii > 1e-300 ? 1.0 / sqrt(hii) : 1.0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            w->hess[i * n + j] *= w->scale[i] * w->scale[j];
    double *copy = malloc(n * n * sizeof *copy);
    if (!copy)
        return ORDO_ENOMEM;
    memcpy(copy, w->hess, n * n * sizeof *copy);
    double mu = 0;
    while (ordo_fit_cholesky(w->hess, n, mu) != 0) {
        if (mu > 1e6) {
            free(copy);
            return ORDO_ERANGE;
        }
        mu = mu == 0 ? 1e-12 : mu * 10;
        memcpy(w->hess, copy, n * n * sizeof *copy);
    }
    free(copy);
    for (size_t i = 0; i < n; i++)
        w->step[i] = -w->grad[i] * w->scale[i];
    ordo_fit_cholesky_solve(w->hess, n, w->step);
    for (size_t i = 0; i < n; i++)
        w->step[i] *= w->scale[i];
    return ORDO_OK;
}

static void step_deltas(logit_work_t *w)
{
    const ordo_logit_rows_t *r = w->rows;
    for (size_t i = 0; i < r->n_rows; i++)
        w->delta[i] = row_eta(r, i, w->step);
}

/* Largest step component in units of its curvature: |d_j| / scale_j, over
 * sqrt(sum w). */
static double scaled_step(const logit_work_t *w)
{
    double m = 0;
    for (size_t i = 0; i < w->dim; i++) {
        double v = fabs(w->step[i]) / w->scale[i] / sqrt(w->wsum);
        if (v > m)
            m = v;
    }
    return m;
}

static int work_alloc(logit_work_t *w, const ordo_logit_rows_t *r)
{
    memset(w, 0, sizeof *w);
    w->rows = r;
    w->dim = 1 + r->n_features;
    size_t dim = w->dim;
    w->pen = calloc(6 * dim, sizeof(double));
    w->hess = malloc(dim * dim * sizeof(double));
    w->eta = malloc(2 * r->n_rows * sizeof(double));
    if (!w->pen || !w->hess || !w->eta)
        return ORDO_ENOMEM;
    w->theta = w->pen + dim;
    w->grad = w->theta + dim;
    w->step = w->grad + dim;
    w->scale = w->step + dim;
    w->delta = w->eta + r->n_rows;
    return ORDO_OK;
}

static void work_free(logit_work_t *w)
{
    free(w->pen);
    free(w->hess);
    free(w->eta);
}

/* The intercept that fits the base rate: a start that is never far off. */
static void start_point(logit_work_t *w)
{
    const ordo_logit_rows_t *r = w->rows;
    double sy = 0;
    w->wsum = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        sy += row_weight(r, i) * r->y[i];
        w->wsum += row_weight(r, i);
    }
    double rate = sy / w->wsum;
    rate = rate < 1e-6 ? 1e-6 : rate > 1 - 1e-6 ? 1 - 1e-6 : rate;
    w->theta[0] = log(rate / (1 - rate));
}

/* One damped Newton iteration; *done set when the step was negligible. */
static int iterate(logit_work_t *w, double *f, double tol, ordo_logit_report_t *rep, int *done)
{
    int rc = newton_step(w);
    if (rc != ORDO_OK)
        return rc;
    step_deltas(w);
    double slope = 0;
    for (size_t i = 0; i < w->dim; i++)
        slope += w->grad[i] * w->step[i];
    double small = scaled_step(w);
    double t = 1, ft = objective_along(w, t);
    while (!(ft <= *f + LOGIT_ARMIJO * t * slope) && rep->halvings < 100000) {
        if (t < ldexp(1.0, -LOGIT_MAX_HALVINGS))
            break;
        t *= 0.5;
        rep->halvings++;
        ft = objective_along(w, t);
    }
    int descent = ft <= *f;
    if (descent || small <= tol) {
        for (size_t i = 0; i < w->dim; i++)
            w->theta[i] += t * w->step[i];
        *f = evaluate(w);
    }
    rep->iterations++;
    if (small <= tol) {
        rep->converged = 1;
        *done = 1;
    } else if (!descent) {
        *done = 1; /* no descent left at machine precision */
        rep->converged = small <= sqrt(tol);
    }
    return ORDO_OK;
}

static void finish_report(logit_work_t *w, double f, ordo_logit_report_t *rep)
{
    const ordo_logit_rows_t *r = w->rows;
    double ll = 0, g = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        ll += row_weight(r, i) * (softplus(w->eta[i]) - r->y[i] * w->eta[i]);
    for (size_t i = 0; i < w->dim; i++)
        if (fabs(w->grad[i]) > g)
            g = fabs(w->grad[i]);
    rep->objective = f;
    rep->log_loss = ll / w->wsum;
    rep->grad_max = g / w->wsum;
}

int ordo_logit_fit(const ordo_logit_rows_t *rows, const ordo_logit_opts_t *opts,
                   double *intercept, double *coef, ordo_logit_report_t *rep,
                   ordo_error_t *err)
{
    int rc = validate(rows, opts, err);
    if (rc != ORDO_OK)
        return rc;
    if (!intercept || (!coef && rows->n_features))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "coef", "no output array");
    ordo_logit_report_t local = {0};
    rep = rep ? rep : &local;
    memset(rep, 0, sizeof *rep);
    int max_iter = opts->max_iter > 0 ? opts->max_iter : 100;
    double tol = opts->tol > 0 ? opts->tol : 1e-9;
    logit_work_t w;
    rc = work_alloc(&w, rows);
    if (rc == ORDO_OK) {
        start_point(&w);
        rc = penalty_weights(&w, opts);
    }
    if (rc != ORDO_OK) {
        work_free(&w);
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    }
    double f = evaluate(&w);
    int done = 0;
    while (!done && rep->iterations < max_iter && rc == ORDO_OK)
        rc = iterate(&w, &f, tol, rep, &done);
    if (rc == ORDO_OK) {
        finish_report(&w, f, rep);
        *intercept = w.theta[0];
        memcpy(coef, w.theta + 1, rows->n_features * sizeof *coef);
    }
    work_free(&w);
    if (rc == ORDO_ENOMEM)
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (rc != ORDO_OK)
        return ordo_error_set(err, rc, NULL, 0, "rows", "Hessian not positive definite");
    return ORDO_OK;
}

double ordo_logit_prob(double intercept, const double *coef, const uint32_t *col,
                       const double *val, size_t nnz)
{
    double eta = intercept;
    for (size_t k = 0; k < nnz; k++)
        eta += coef[col[k]] * (val ? val[k] : 1.0);
    return sigmoid(eta);
}

void ordo_logit_predict(const ordo_logit_rows_t *rows, double intercept, const double *coef,
                        double *prob)
{
    for (size_t i = 0; i < rows->n_rows; i++) {
        size_t b = rows->row_start[i];
        prob[i] = ordo_logit_prob(intercept, coef, rows->col + b, rows->val ? rows->val + b : NULL,
                                  rows->row_start[i + 1] - b);
    }
}
