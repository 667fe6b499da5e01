/* SPDX-License-Identifier: Apache-2.0 */
/* ordo stats — two-sample tests, intervals, variance reduction, SRM,
 * non-inferiority and the ship decision. Formulas: docs/internals/STATS.md. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ordo/stats.h"

static int check_alpha(double alpha, ordo_error_t *err)
{
    if (!(alpha > 0.0 && alpha < 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "alpha",
                              "alpha must be in (0, 1), got %g", alpha);
    return ORDO_OK;
}

static int check_arm(const ordo_stats_arm_t *a, const char *name, double min_n, ordo_error_t *err)
{
    if (!a)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, name, "missing arm");
    if (!(a->n >= min_n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, name,
                              "%s arm has %g units; at least %g needed%s", name, a->n, min_n,
                              a->n == 0 ? " (empty arm)" : "");
    if (!isfinite(a->mean) || !isfinite(a->var) || a->var < 0.0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, name,
                              "%s arm has a non-finite mean or a negative variance", name);
    return ORDO_OK;
}

static void result_clear(ordo_stats_result_t *out)
{
    memset(out, 0, sizeof *out);
}

/* Fills stat, p and CI for an estimate with se on a t (df > 0) or normal
 * (df == 0) reference. se == 0 is flagged, never NaN. */
static void finish_two_sided(ordo_stats_result_t *out, double alpha)
{
    double est = out->estimate, se = out->se, df = out->df;
    if (!(se > 0.0)) {
        out->se = 0.0;
        out->flags |= ORDO_STATS_F_ZERO_VARIANCE;
        out->stat = est == 0.0 ? 0.0 : copysign(HUGE_VAL, est);
        out->p_value = est == 0.0 ? 1.0 : 0.0;
        out->ci_low = out->ci_high = est;
        return;
    }
    double z = est / se;
    out->stat = z;
    double tail = df > 0.0 ? ordo_t_sf(fabs(z), df) : ordo_norm_sf(fabs(z));
    out->p_value = fmin(1.0, 2.0 * tail);
    double q = df > 0.0 ? ordo_t_isf(alpha / 2.0, df) : ordo_norm_isf(alpha / 2.0);
    out->ci_low = est - q * se;
    out->ci_high = est + q * se;
}

int ordo_stats_welch(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                     double alpha, ordo_stats_result_t *out, ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)) || (rc = check_arm(control, "control", 2, err)) ||
        (rc = check_arm(treatment, "treatment", 2, err)))
        return rc;
    result_clear(out);
    double v1 = control->var / control->n, v2 = treatment->var / treatment->n;
    double v = v1 + v2;
    out->estimate = treatment->mean - control->mean;
    out->se = sqrt(v);
    if (v > 0.0)
        out->df = v * v / (v1 * v1 / (control->n - 1.0) + v2 * v2 / (treatment->n - 1.0));
    else
        out->df = control->n + treatment->n - 2.0;
    if (control->n < 30 || treatment->n < 30)
        out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

int ordo_stats_prop_z(double x_control, double n_control, double x_treatment,
                      double n_treatment, double alpha, ordo_stats_result_t *out,
                      ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if (!(n_control >= 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "control",
                              "control arm is empty (n = %g)", n_control);
    if (!(n_treatment >= 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "treatment",
                              "treatment arm is empty (n = %g)", n_treatment);
    if (!(x_control >= 0.0 && x_control <= n_control))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "control",
                              "successes %g outside [0, %g]", x_control, n_control);
    if (!(x_treatment >= 0.0 && x_treatment <= n_treatment))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "treatment",
                              "successes %g outside [0, %g]", x_treatment, n_treatment);
    result_clear(out);
    double p1 = x_control / n_control, p2 = x_treatment / n_treatment;
    double pooled = (x_control + x_treatment) / (n_control + n_treatment);
    double se0 = sqrt(pooled * (1.0 - pooled) * (1.0 / n_control + 1.0 / n_treatment));
    out->estimate = p2 - p1;
    out->se = sqrt(p1 * (1.0 - p1) / n_control + p2 * (1.0 - p2) / n_treatment);
    out->df = 0.0;
    if (fmin(x_control, n_control - x_control) < 5 || fmin(x_treatment, n_treatment - x_treatment) < 5)
        out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    if (!(se0 > 0.0)) {
        /* both arms all-failure or all-success: no difference */
        out->flags |= ORDO_STATS_F_ZERO_VARIANCE;
        out->stat = 0.0;
        out->p_value = 1.0;
        out->ci_low = out->ci_high = out->estimate;
        return ORDO_OK;
    }
    out->stat = out->estimate / se0;
    out->p_value = fmin(1.0, 2.0 * ordo_norm_sf(fabs(out->stat)));
    if (out->se > 0.0) {
        double q = ordo_norm_isf(alpha / 2.0);
        out->ci_low = out->estimate - q * out->se;
        out->ci_high = out->estimate + q * out->se;
    } else {
        out->flags |= ORDO_STATS_F_ZERO_VARIANCE;
        out->ci_low = out->ci_high = out->estimate;
    }
    return ORDO_OK;
}

int ordo_stats_ratio(const ordo_moments_t *arm, double *ratio, double *se, ordo_error_t *err)
{
    if (!arm || arm->n < 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n",
                              "ratio metric needs at least 2 units, got %llu%s",
                              arm ? (unsigned long long)arm->n : 0ULL,
                              arm && arm->n == 0 ? " (empty arm)" : "");
    double mx = ordo_moments_mean_x(arm), my = ordo_moments_mean_y(arm);
    if (my == 0.0 || !isfinite(my) || !isfinite(mx))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "denominator",
                              "ratio metric denominator has mean %g", my);
    double n = (double)arm->n;
    double vx = ordo_moments_var_x(arm), vy = ordo_moments_var_y(arm), c = ordo_moments_cov(arm);
    double r = mx / my;
    double var = (vx - 2.0 * r * c + r * r * vy) / (my * my * n);
    *ratio = r;
    *se = var > 0.0 ? sqrt(var) : 0.0;
    return ORDO_OK;
}

int ordo_stats_ratio_delta(const ordo_moments_t *control, const ordo_moments_t *treatment,
                           double alpha, ordo_stats_result_t *out, ordo_error_t *err)
{
    int rc;
    double rc_, sc, rt, st;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if ((rc = ordo_stats_ratio(control, &rc_, &sc, err))) {
        if (err)
            snprintf(err->field, sizeof err->field, "control");
        return rc;
    }
    if ((rc = ordo_stats_ratio(treatment, &rt, &st, err))) {
        if (err)
            snprintf(err->field, sizeof err->field, "treatment");
        return rc;
    }
    result_clear(out);
    out->estimate = rt - rc_;
    out->se = sqrt(sc * sc + st * st);
    out->df = 0.0;
    if (control->n < 30 || treatment->n < 30)
        out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

int ordo_stats_rel_lift(double est_control, double se_control, double est_treatment,
                        double se_treatment, double alpha, ordo_stats_result_t *out,
                        ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if (est_control == 0.0 || !isfinite(est_control))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "control",
                              "relative lift needs a non-zero control estimate, got %g",
                              est_control);
    if (!isfinite(est_treatment) || !(se_control >= 0.0) || !(se_treatment >= 0.0) ||
        !isfinite(se_control) || !isfinite(se_treatment))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "se",
                              "relative lift needs finite estimates and standard errors");
    result_clear(out);
    double c = est_control, t = est_treatment;
    out->estimate = t / c - 1.0;
    double var = se_treatment * se_treatment / (c * c) +
                 t * t * se_control * se_control / (c * c * c * c);
    out->se = sqrt(var);
    out->df = 0.0;
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

int ordo_stats_lift(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                    double alpha, ordo_stats_result_t *abs_lift, ordo_stats_result_t *rel_lift,
                    ordo_error_t *err)
{
    ordo_stats_result_t tmp;
    int rc = ordo_stats_welch(control, treatment, alpha, abs_lift ? abs_lift : &tmp, err);
    if (rc)
        return rc;
    if (rel_lift) {
        rc = ordo_stats_rel_lift(control->mean, sqrt(control->var / control->n), treatment->mean,
                                 sqrt(treatment->var / treatment->n), alpha, rel_lift, err);
        if (rc)
            return rc;
        if (control->n < 30 || treatment->n < 30)
            rel_lift->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    }
    return ORDO_OK;
}

static ordo_stats_arm_t cuped_arm(const ordo_moments_t *m, double theta, double pooled_mean_y)
{
    double vx = ordo_moments_var_x(m), vy = ordo_moments_var_y(m), c = ordo_moments_cov(m);
    double var = vx - 2.0 * theta * c + theta * theta * vy;
    ordo_stats_arm_t a = {(double)m->n,
                          ordo_moments_mean_x(m) - theta * (ordo_moments_mean_y(m) - pooled_mean_y),
                          var > 0.0 ? var : 0.0};
    return a;
}

int ordo_stats_cuped(const ordo_moments_t *control, const ordo_moments_t *treatment, double alpha,
                     ordo_stats_result_t *out, double *theta_out, ordo_stats_arm_t *adj_control,
                     ordo_stats_arm_t *adj_treatment, ordo_error_t *err)
{
    if (!control || control->n < 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "control",
                              "control arm has %llu units; at least 2 needed",
                              control ? (unsigned long long)control->n : 0ULL);
    if (!treatment || treatment->n < 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "treatment",
                              "treatment arm has %llu units; at least 2 needed",
                              treatment ? (unsigned long long)treatment->n : 0ULL);
    ordo_moments_t pooled = *control;
    ordo_moments_merge(&pooled, treatment);
    double vy = ordo_moments_var_y(&pooled);
    /* a constant covariate carries no information: no adjustment */
    double theta = vy > 0.0 ? ordo_moments_cov(&pooled) / vy : 0.0;
    double pooled_y = ordo_moments_mean_y(&pooled);
    ordo_stats_arm_t c = cuped_arm(control, theta, pooled_y);
    ordo_stats_arm_t t = cuped_arm(treatment, theta, pooled_y);
    if (theta_out)
        *theta_out = theta;
    if (adj_control)
        *adj_control = c;
    if (adj_treatment)
        *adj_treatment = t;
    return ordo_stats_welch(&c, &t, alpha, out, err);
}

int ordo_stats_poststratify(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                            size_t k, const double *weights, double alpha,
                            ordo_stats_result_t *out, ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if (k == 0 || !control || !treatment)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "strata", "no strata");
    double wsum = 0.0;
    for (size_t i = 0; i < k; i++) {
        double w = weights ? weights[i] : control[i].n + treatment[i].n;
        if (!(w >= 0.0) || !isfinite(w))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "weights",
                                  "stratum %zu has weight %g", i, w);
        wsum += w;
    }
    if (!(wsum > 0.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "weights", "strata weights sum to 0");
    result_clear(out);
    double est = 0.0, var = 0.0;
    for (size_t i = 0; i < k; i++) {
        double w = (weights ? weights[i] : control[i].n + treatment[i].n) / wsum;
        if (w == 0.0)
            continue;
        char field[32];
        snprintf(field, sizeof field, "strata[%zu]", i);
        if ((rc = check_arm(&control[i], "control", 2, err)) ||
            (rc = check_arm(&treatment[i], "treatment", 2, err))) {
            if (err)
                snprintf(err->field, sizeof err->field, "%s", field);
            return rc;
        }
        est += w * (treatment[i].mean - control[i].mean);
        var += w * w * (treatment[i].var / treatment[i].n + control[i].var / control[i].n);
        if (control[i].n < 30 || treatment[i].n < 30)
            out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    }
    out->estimate = est;
    out->se = sqrt(var);
    out->df = 0.0;
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

/* sum over clusters of (Y_c − r N_c)^2 with r = mean Y / mean N */
static double cluster_resid_ss(const ordo_moments_t *m, double r)
{
    double s = m->m2_x - 2.0 * r * m->c_xy + r * r * m->m2_y;
    return s > 0.0 ? s : 0.0;
}

int ordo_stats_cluster_robust(const ordo_moments_t *control, const ordo_moments_t *treatment,
                              double alpha, ordo_stats_result_t *out, ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    const ordo_moments_t *arms[2] = {control, treatment};
    const char *names[2] = {"control", "treatment"};
    double mean[2], v[2], nobs = 0.0;
    for (int i = 0; i < 2; i++) {
        const ordo_moments_t *m = arms[i];
        if (!m || m->n < 2)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, names[i],
                                  "%s arm has %llu clusters; at least 2 needed", names[i],
                                  m ? (unsigned long long)m->n : 0ULL);
        double my = ordo_moments_mean_y(m);
        double tot = my * (double)m->n;
        if (!(my > 0.0))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, names[i],
                                  "%s arm has no observations in its clusters", names[i]);
        mean[i] = ordo_moments_mean_x(m) / my;
        v[i] = cluster_resid_ss(m, mean[i]) / (tot * tot);
        nobs += tot;
    }
    double g = (double)(control->n + treatment->n);
    if (!(nobs > 2.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "fewer than 3 observations");
    result_clear(out);
    double corr = g / (g - 1.0) * (nobs - 1.0) / (nobs - 2.0);
    out->estimate = mean[1] - mean[0];
    out->se = sqrt((v[0] + v[1]) * corr);
    out->df = g - 1.0;
    if (g < 30)
        out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

int ordo_stats_srm(const double *counts, const double *weights, size_t k,
                   ordo_stats_result_t *out, ordo_error_t *err)
{
    if (k < 2 || !counts || !weights)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants",
                              "sample ratio test needs at least 2 variants");
    double total = 0.0, wsum = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!(counts[i] >= 0.0) || !isfinite(counts[i]))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "counts",
                                  "variant %zu has count %g", i, counts[i]);
        if (!(weights[i] > 0.0) || !isfinite(weights[i]))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "weights",
                                  "variant %zu has weight %g; weights must be > 0", i,
                                  weights[i]);
        total += counts[i];
        wsum += weights[i];
    }
    if (!(total > 0.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "counts", "no units assigned");
    result_clear(out);
    double chi2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        double e = total * weights[i] / wsum;
        double d = counts[i] - e;
        chi2 += d * d / e;
    }
    out->stat = chi2;
    out->df = (double)(k - 1);
    out->p_value = ordo_chi2_sf(chi2, (double)(k - 1));
    out->estimate = total;
    if (out->p_value < ORDO_STATS_SRM_ALPHA)
        out->flags |= ORDO_STATS_F_SRM;
    return ORDO_OK;
}

int ordo_stats_noninferiority(const ordo_stats_result_t *diff, double margin,
                              bool higher_is_better, double alpha, double *p_value,
                              bool *non_inferior, ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if (!(margin > 0.0) || !isfinite(margin))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "margin",
                              "non-inferiority margin must be > 0, got %g", margin);
    if (!diff || !isfinite(diff->estimate) || !(diff->se >= 0.0) || !(diff->df >= 0.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "diff", "invalid difference");
    /* distance from the inferiority boundary, positive when better */
    double dist = higher_is_better ? diff->estimate + margin : margin - diff->estimate;
    double p;
    if (diff->se == 0.0) {
        p = dist > 0.0 ? 0.0 : 1.0;
    } else {
        double z = dist / diff->se;
        p = diff->df > 0.0 ? ordo_t_sf(z, diff->df) : ordo_norm_sf(z);
    }
    if (p_value)
        *p_value = p;
    if (non_inferior)
        *non_inferior = p < alpha;
    return ORDO_OK;
}

int ordo_stats_decide(const ordo_stats_result_t *primary, bool primary_higher_is_better,
                      const ordo_stats_guardrail_t *guardrails, size_t n_guardrails,
                      double alpha, ordo_stats_decision_t *decision, long *failed_guardrail,
                      ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)))
        return rc;
    if (!primary || !decision || (n_guardrails && !guardrails))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "missing argument");
    if (failed_guardrail)
        *failed_guardrail = -1;
    bool better = primary_higher_is_better ? primary->estimate > 0.0 : primary->estimate < 0.0;
    bool primary_ok = better && primary->p_value < alpha;
    for (size_t i = 0; i < n_guardrails; i++) {
        bool ok;
        rc = ordo_stats_noninferiority(&guardrails[i].diff, guardrails[i].margin,
                                       guardrails[i].higher_is_better, alpha, NULL, &ok, err);
        if (rc) {
            if (err)
                snprintf(err->field, sizeof err->field, "guardrails[%zu]", i);
            return rc;
        }
        if (!ok) {
            if (failed_guardrail)
                *failed_guardrail = (long)i;
            *decision = ORDO_STATS_NO_SHIP_GUARDRAIL;
            return ORDO_OK;
        }
    }
    *decision = primary_ok ? ORDO_STATS_SHIP : ORDO_STATS_NO_SHIP_PRIMARY;
    return ORDO_OK;
}

static int check_moments(const ordo_moments_t *m, ordo_error_t *err)
{
    if (!m || m->n < 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n",
                              "an interval needs at least 2 values, got %llu",
                              m ? (unsigned long long)m->n : 0ULL);
    if (!isfinite(ordo_moments_mean_x(m)) || !isfinite(ordo_moments_var_x(m)))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "values", "non-finite mean or variance");
    return ORDO_OK;
}

/* Checks alpha and m, clears out, sets df = n - 1 and the small-sample flag. */
static int one_arm_begin(const ordo_moments_t *m, double alpha, ordo_stats_result_t *out,
                         ordo_error_t *err)
{
    int rc;
    if ((rc = check_alpha(alpha, err)) || (rc = check_moments(m, err)))
        return rc;
    result_clear(out);
    out->df = (double)m->n - 1.0;
    if (m->n < 30)
        out->flags |= ORDO_STATS_F_SMALL_SAMPLE;
    return ORDO_OK;
}

int ordo_stats_mean_interval(const ordo_moments_t *m, double alpha, ordo_stats_result_t *out,
                             ordo_error_t *err)
{
    int rc = one_arm_begin(m, alpha, out, err);
    if (rc)
        return rc;
    out->estimate = ordo_moments_mean_x(m);
    out->se = sqrt(ordo_moments_var_x(m) / (double)m->n);
    finish_two_sided(out, alpha);
    return ORDO_OK;
}

int ordo_stats_var_interval(const ordo_moments_t *m, double alpha, ordo_stats_result_t *out,
                            ordo_error_t *err)
{
    int rc = one_arm_begin(m, alpha, out, err);
    if (rc)
        return rc;
    double df = out->df, s2 = ordo_moments_var_x(m);
    out->estimate = s2;
    out->se = s2 * sqrt(2.0 / df);
    out->stat = out->p_value = NAN;
    if (!(s2 > 0.0)) {
        out->flags |= ORDO_STATS_F_ZERO_VARIANCE;
        return ORDO_OK; /* the interval is the point 0 */
    }
    out->ci_low = df * s2 / ordo_chi2_isf(alpha / 2.0, df);
    out->ci_high = df * s2 / ordo_chi2_ppf(alpha / 2.0, df);
    return ORDO_OK;
}
