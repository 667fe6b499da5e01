/* SPDX-License-Identifier: Apache-2.0 */
/* ordo stats — power, sample size and minimum detectable effect with R's
 * definitions: power.t.test (two-sample, two-sided, strict = FALSE) uses the
 * noncentral t; power.prop.test uses its own normal formula. Sample sizes
 * are per arm. R finds unknowns with uniroot (tol = eps^0.25); here they are
 * solved to ~1e-12 relative, so R's printed n may differ in the 5th digit.
 * See docs/internals/STATS.md. */
#include <math.h>

#include "ordo/stats.h"

typedef double (*mono_fn)(double x, const void *ctx);

/* Root of an increasing f on [lo, hi] with f(lo) < 0 < f(hi): bisection
 * safeguarded Illinois steps, to ~1e-13 relative. */
static double solve_increasing(mono_fn f, const void *ctx, double lo, double hi, double flo,
                               double fhi)
{
    int side = 0;
    double x = lo;
    for (int it = 0; it < 400; it++) {
        x = (lo * fhi - hi * flo) / (fhi - flo); /* false position */
        if (!(x > lo && x < hi))
            x = 0.5 * (lo + hi);
        double fx = f(x, ctx);
        if (fx == 0.0)
            return x;
        if (fx < 0.0) {
            lo = x;
            flo = fx;
            if (side == -1)
                fhi *= 0.5;
            side = -1;
        } else {
            hi = x;
            fhi = fx;
            if (side == 1)
                flo *= 0.5;
            side = 1;
        }
        if (hi - lo <= 1e-14 * fabs(x) + 1e-300)
            break;
    }
    return 0.5 * (lo + hi);
}

static int check_common(double alpha, double power, bool need_power, ordo_error_t *err)
{
    if (!(alpha > 0.0 && alpha < 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "alpha",
                              "alpha must be in (0, 1), got %g", alpha);
    if (need_power && !(power > 0.0 && power < 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "power",
                              "power must be in (0, 1), got %g", power);
    return ORDO_OK;
}

/* ---- means: power.t.test ---- */

static double t_power(double n, double delta, double sd, double alpha)
{
    double nu = 2.0 * (n - 1.0);
    double q = ordo_t_isf(alpha / 2.0, nu);
    return ordo_nct_sf(q, nu, sqrt(n / 2.0) * fabs(delta) / sd);
}

int ordo_power_mean_power(double n, double delta, double sd, double alpha, double *power,
                          ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, 0, false, err)))
        return rc;
    if (!(n > 1.0) || !isfinite(n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "n per arm must be > 1, got %g", n);
    if (!(sd > 0.0) || !isfinite(sd))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "sd", "sd must be > 0, got %g", sd);
    if (!isfinite(delta))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "mde", "mde must be finite");
    *power = t_power(n, delta, sd, alpha);
    return ORDO_OK;
}

typedef struct {
    double delta, sd, alpha, power, n;
} tctx_t;

static double t_power_minus_n(double n, const void *c)
{
    const tctx_t *t = c;
    return t_power(n, t->delta, t->sd, t->alpha) - t->power;
}

static double t_power_minus_delta(double delta, const void *c)
{
    const tctx_t *t = c;
    return t_power(t->n, delta, t->sd, t->alpha) - t->power;
}

int ordo_power_mean_n(double delta, double sd, double alpha, double power, double *n,
                      ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, power, true, err)))
        return rc;
    if (!(sd > 0.0) || !isfinite(sd))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "sd", "sd must be > 0, got %g", sd);
    if (!(delta != 0.0) || !isfinite(delta))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "mde",
                              "mde must be a non-zero finite number, got %g", delta);
    if (!(power > alpha / 2.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "power",
                              "power must exceed alpha/2 = %g", alpha / 2.0);
    tctx_t c = {delta, sd, alpha, power, 0};
    double lo = 2.0, flo = t_power_minus_n(lo, &c);
    while (flo > 0.0 && lo > 1.0 + 1e-9) { /* tiny n: extend down towards 1 */
        lo = 1.0 + (lo - 1.0) / 2.0;
        flo = t_power_minus_n(lo, &c);
    }
    if (flo >= 0.0) {
        *n = lo;
        return ORDO_OK;
    }
    double hi = 2.0 * lo, fhi = t_power_minus_n(hi, &c);
    while (fhi < 0.0) {
        lo = hi;
        flo = fhi;
        hi *= 2.0;
        if (hi > 1e15)
            return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "mde",
                                  "effect too small: more than 1e15 units per arm needed");
        fhi = t_power_minus_n(hi, &c);
    }
    *n = solve_increasing(t_power_minus_n, &c, lo, hi, flo, fhi);
    return ORDO_OK;
}

int ordo_power_mean_mde(double n, double sd, double alpha, double power, double *delta,
                        ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, power, true, err)))
        return rc;
    if (!(n > 1.0) || !isfinite(n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "n per arm must be > 1, got %g", n);
    if (!(sd > 0.0) || !isfinite(sd))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "sd", "sd must be > 0, got %g", sd);
    tctx_t c = {0, sd, alpha, power, n};
    double lo = 0.0, flo = t_power_minus_delta(lo, &c);
    if (flo >= 0.0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "power",
                              "power must exceed alpha/2 = %g", alpha / 2.0);
    double hi = sd, fhi = t_power_minus_delta(hi, &c);
    while (fhi < 0.0) {
        lo = hi;
        flo = fhi;
        hi *= 2.0;
        if (hi > 1e12 * sd)
            return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "n", "no effect size reaches that power");
        fhi = t_power_minus_delta(hi, &c);
    }
    *delta = solve_increasing(t_power_minus_delta, &c, lo, hi, flo, fhi);
    return ORDO_OK;
}

/* ---- proportions: power.prop.test ---- */

static int check_p(double p, const char *name, ordo_error_t *err)
{
    if (!(p > 0.0 && p < 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, name, "%s must be in (0, 1), got %g",
                              name, p);
    return ORDO_OK;
}

static double prop_power(double n, double p1, double p2, double alpha)
{
    double z = ordo_norm_isf(alpha / 2.0);
    double s = p1 + p2;
    double num = sqrt(n) * fabs(p1 - p2) - z * sqrt(s * (1.0 - s / 2.0));
    return ordo_norm_cdf(num / sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2)));
}

int ordo_power_prop_power(double n, double p1, double p2, double alpha, double *power,
                          ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, 0, false, err)) || (rc = check_p(p1, "p1", err)) ||
        (rc = check_p(p2, "p2", err)))
        return rc;
    if (!(n > 0.0) || !isfinite(n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "n per arm must be > 0, got %g", n);
    *power = prop_power(n, p1, p2, alpha);
    return ORDO_OK;
}

int ordo_power_prop_n(double p1, double p2, double alpha, double power, double *n,
                      ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, power, true, err)) || (rc = check_p(p1, "p1", err)) ||
        (rc = check_p(p2, "p2", err)))
        return rc;
    if (p1 == p2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p2", "p1 and p2 must differ");
    /* the formula solved for n in closed form */
    double s = p1 + p2;
    double r = (ordo_norm_isf(alpha / 2.0) * sqrt(s * (1.0 - s / 2.0)) +
                ordo_norm_ppf(power) * sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2))) /
               fabs(p1 - p2);
    if (!(r > 0.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "power",
                              "power %g is reached with no units", power);
    *n = r * r;
    return ORDO_OK;
}

typedef struct {
    double n, p1, alpha, power;
} pctx_t;

static double prop_power_minus_p2(double p2, const void *c)
{
    const pctx_t *p = c;
    return prop_power(p->n, p->p1, p2, p->alpha) - p->power;
}

int ordo_power_prop_mde(double n, double p1, double alpha, double power, double *p2,
                        ordo_error_t *err)
{
    int rc;
    if ((rc = check_common(alpha, power, true, err)) || (rc = check_p(p1, "p1", err)))
        return rc;
    if (!(n > 0.0) || !isfinite(n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "n per arm must be > 0, got %g", n);
    pctx_t c = {n, p1, alpha, power};
    double lo = p1, hi = 1.0;
    double flo = prop_power_minus_p2(lo, &c), fhi = prop_power_minus_p2(hi, &c);
    if (flo >= 0.0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "power",
                              "power %g is already reached with no effect", power);
    if (fhi <= 0.0)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "n",
                              "no p2 in (p1, 1) reaches power %g with n = %g", power, n);
    *p2 = solve_increasing(prop_power_minus_p2, &c, lo, hi, flo, fhi);
    return ORDO_OK;
}
