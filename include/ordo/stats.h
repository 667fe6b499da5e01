/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — statistics for experiments: distributions, tests, intervals,
 * variance reduction, sequential monitoring, multiple-testing corrections
 * and power. Pure numbers: nothing here knows what an order is.
 *
 * Conventions
 *  - Functions that can fail return ORDO_OK or a negative ORDO_E* code, with
 *    detail in a caller-owned ordo_error_t (NULL allowed). They never return
 *    NaN silently: an empty arm, n < 2 or a zero denominator is ORDO_EINVAL.
 *  - Differences are always treatment − control.
 *  - A result's df is the degrees of freedom of its t reference; df == 0
 *    means the reference is the standard normal (a z statistic).
 *  - alpha is two-sided unless a function says otherwise; intervals are
 *    (1 − alpha) confidence intervals.
 *  - No function here allocates except ordo_stats_holm / ordo_stats_bh, and
 *    none keeps a pointer it was given: all inputs and outputs are owned by
 *    the caller. Everything is reentrant (no global state).
 *
 * Formulas and the choices behind them: docs/internals/STATS.md. */
#ifndef ORDO_STATS_H
#define ORDO_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Distributions. cdf = P(X <= x), sf = P(X > x) computed directly (so
 * upper tails keep their relative precision), ppf = inverse cdf, isf =
 * inverse sf. Invalid parameters give NaN (these are the only functions
 * that return NaN; they are total on valid input). */
double ordo_norm_pdf(double x);
double ordo_norm_cdf(double x);
double ordo_norm_sf(double x);
double ordo_norm_ppf(double p);
double ordo_norm_isf(double q);

/* Student t with df > 0 degrees of freedom (df = INFINITY is the normal). */
double ordo_t_pdf(double x, double df);
double ordo_t_cdf(double x, double df);
double ordo_t_sf(double x, double df);
double ordo_t_ppf(double p, double df);
double ordo_t_isf(double q, double df);

/* Chi-square with k > 0 degrees of freedom. */
double ordo_chi2_cdf(double x, double k);
double ordo_chi2_sf(double x, double k);
double ordo_chi2_ppf(double p, double k);
double ordo_chi2_isf(double q, double k);

/* Noncentral t (df > 0, noncentrality ncp), as used by R's power.t.test. */
double ordo_nct_cdf(double x, double df, double ncp);
double ordo_nct_sf(double x, double df, double ncp);

/* Regularized incomplete gamma P(a, x), Q(a, x) and beta I_x(a, b). */
double ordo_gamma_p(double a, double x);
double ordo_gamma_q(double a, double x);
double ordo_beta_inc(double a, double b, double x);

/* ------------------------------------------------------------------ */
/* Streaming moments (Welford / Chan et al.): O(1) memory per
 * variant × segment. Tracks a value x and an optional second value y
 * (a pre-period covariate for CUPED, or the denominator of a ratio
 * metric) with their co-moment. ordo_moments_add(m, x) is
 * ordo_moments_add2(m, x, 0): do not mix the two on one accumulator. */
typedef struct ordo_moments {
    uint64_t n;
    double k_x, k_y;     /* shift: the first value seen (keeps precision when
                            the mean is large against the spread) */
    double mean_x, m2_x; /* mean of x − k_x; m2 = sum of squared deviations */
    double mean_y, m2_y;
    double c_xy;         /* sum of (x − mean)(y − mean) */
} ordo_moments_t;

void ordo_moments_init(ordo_moments_t *m);
void ordo_moments_add(ordo_moments_t *m, double x);
void ordo_moments_add2(ordo_moments_t *m, double x, double y);
/* a += b (parallel / per-shard accumulators). */
void ordo_moments_merge(ordo_moments_t *a, const ordo_moments_t *b);
/* Means (0 when n == 0). */
double ordo_moments_mean_x(const ordo_moments_t *m);
double ordo_moments_mean_y(const ordo_moments_t *m);
/* Sample (n − 1) variances and covariance; 0 when n < 2. */
double ordo_moments_var_x(const ordo_moments_t *m);
double ordo_moments_var_y(const ordo_moments_t *m);
double ordo_moments_cov(const ordo_moments_t *m);

/* Summary of one arm for a difference in means: unit count, mean and
 * sample variance of the unit values. */
typedef struct ordo_stats_arm {
    double n;
    double mean;
    double var;
} ordo_stats_arm_t;

ordo_stats_arm_t ordo_stats_arm_from_moments(const ordo_moments_t *m);

/* ------------------------------------------------------------------ */
/* Results. */
enum {
    ORDO_STATS_F_ZERO_VARIANCE = 1u << 0, /* se == 0: p is 1 (no difference) or 0 */
    ORDO_STATS_F_SMALL_SAMPLE = 1u << 1,  /* an arm has fewer than 30 units (or
                                             fewer than 5 successes/failures) */
    ORDO_STATS_F_SRM = 1u << 2            /* sample ratio mismatch, p < 0.001 */
};

typedef struct ordo_stats_result {
    double estimate; /* treatment − control (or the statistic's estimate) */
    double se;       /* standard error of estimate */
    double ci_low, ci_high;
    double stat;     /* t or z statistic (chi-square for SRM) */
    double p_value;  /* two-sided unless stated */
    double df;       /* 0: normal reference */
    unsigned flags;  /* ORDO_STATS_F_* */
} ordo_stats_result_t;

/* Welch's t-test with Welch–Satterthwaite df. Each arm needs n >= 2.
 * Zero variance in both arms sets ORDO_STATS_F_ZERO_VARIANCE, se = 0,
 * p = 1 when the means are equal and 0 otherwise. */
int ordo_stats_welch(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                     double alpha, ordo_stats_result_t *out, ordo_error_t *err);

/* One arm's mean: x̄ ± t(1 − α/2, n − 1)·s/√n (estimate x̄, se s/√n; stat
 * and p test a mean of 0). Needs n >= 2; zero variance as in Welch. */
int ordo_stats_mean_interval(const ordo_moments_t *m, double alpha, ordo_stats_result_t *out,
                             ordo_error_t *err);

/* One arm's variance (normal theory): estimate s², se s²·√(2/(n − 1)),
 * interval [(n − 1)s²/χ²(1 − α/2, n − 1), (n − 1)s²/χ²(α/2, n − 1)];
 * stat and p are NaN (no test). Needs n >= 2. */
int ordo_stats_var_interval(const ordo_moments_t *m, double alpha, ordo_stats_result_t *out,
                            ordo_error_t *err);

/* Two-proportion z-test: x successes out of n. The test uses the pooled
 * standard error (statsmodels proportions_ztest); estimate, se and the
 * interval use the unpooled (Wald) standard error. */
int ordo_stats_prop_z(double x_control, double n_control, double x_treatment,
                      double n_treatment, double alpha, ordo_stats_result_t *out,
                      ordo_error_t *err);

/* Ratio metric sum(num)/sum(den) per arm, with num in x and den in y of a
 * bivariate accumulator fed once per randomization unit (customer or
 * cluster). Delta-method variance; normal reference. */
int ordo_stats_ratio(const ordo_moments_t *arm, double *ratio, double *se, ordo_error_t *err);
int ordo_stats_ratio_delta(const ordo_moments_t *control, const ordo_moments_t *treatment,
                           double alpha, ordo_stats_result_t *out, ordo_error_t *err);

/* Relative lift treatment/control − 1 of two independent estimates with
 * their standard errors, by the delta method; normal reference. The
 * control estimate must not be 0. (The absolute lift is the difference
 * returned by the tests above.) */
int ordo_stats_rel_lift(double est_control, double se_control, double est_treatment,
                        double se_treatment, double alpha, ordo_stats_result_t *out,
                        ordo_error_t *err);

/* Absolute and relative lift of a difference in means (Welch). Either out
 * pointer may be NULL. */
int ordo_stats_lift(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                    double alpha, ordo_stats_result_t *abs_lift,
                    ordo_stats_result_t *rel_lift, ordo_error_t *err);

/* CUPED: accumulators with the metric in x and the pre-treatment covariate
 * in y. theta = pooled cov(x, y) / pooled var(y); each arm's metric becomes
 * x − theta (y − pooled mean y), then Welch. theta_out may be NULL. The
 * adjusted arms are written to adj_control / adj_treatment when not NULL. */
int ordo_stats_cuped(const ordo_moments_t *control, const ordo_moments_t *treatment, double alpha,
                     ordo_stats_result_t *out, double *theta_out, ordo_stats_arm_t *adj_control,
                     ordo_stats_arm_t *adj_treatment, ordo_error_t *err);

/* Post-stratification over k strata (e.g. regions): control[i] and
 * treatment[i] are stratum i of each arm. weights may be NULL (each
 * stratum's share of all units in both arms) or k known population shares
 * (normalized here). Each stratum needs n >= 2 in both arms. Normal
 * reference. */
int ordo_stats_poststratify(const ordo_stats_arm_t *control, const ordo_stats_arm_t *treatment,
                            size_t k, const double *weights, double alpha,
                            ordo_stats_result_t *out, ordo_error_t *err);

/* Cluster-robust difference in means (switchbacks, clusters nested in
 * arms): accumulators fed once per cluster with x = sum of the metric over
 * the cluster and y = number of observations in it. CR1 sandwich of OLS
 * y ~ 1 + treatment with statsmodels' correction G/(G−1)·(N−1)/(N−2) and
 * a t reference with G − 1 df (G clusters, N observations). */
int ordo_stats_cluster_robust(const ordo_moments_t *control, const ordo_moments_t *treatment,
                              double alpha, ordo_stats_result_t *out, ordo_error_t *err);

/* Sample ratio mismatch: chi-square goodness of fit of k counts against
 * expected weights (normalized here; each > 0). out->stat, out->df and
 * out->p_value are set; ORDO_STATS_F_SRM when p < 0.001. */
#define ORDO_STATS_SRM_ALPHA 0.001
int ordo_stats_srm(const double *counts, const double *weights, size_t k,
                   ordo_stats_result_t *out, ordo_error_t *err);

/* Non-inferiority of a difference (treatment − control) with an absolute
 * margin > 0. higher_is_better: H0 diff <= −margin vs H1 diff > −margin;
 * otherwise H0 diff >= margin vs H1 diff < margin. One-sided p-value with
 * the reference of diff (t with diff->df, or normal when 0).
 * *non_inferior = p < alpha. */
int ordo_stats_noninferiority(const ordo_stats_result_t *diff, double margin,
                              bool higher_is_better, double alpha, double *p_value,
                              bool *non_inferior, ordo_error_t *err);

/* Decision rule: ship only if the primary metric improves significantly
 * (p < alpha and in the better direction) and every guardrail is
 * significantly non-inferior. */
typedef struct ordo_stats_guardrail {
    ordo_stats_result_t diff;
    double margin;
    bool higher_is_better;
} ordo_stats_guardrail_t;

typedef enum ordo_stats_decision {
    ORDO_STATS_SHIP = 0,
    ORDO_STATS_NO_SHIP_PRIMARY = 1,   /* primary did not improve significantly */
    ORDO_STATS_NO_SHIP_GUARDRAIL = 2  /* a guardrail is not shown non-inferior */
} ordo_stats_decision_t;

/* failed_guardrail (may be NULL) gets the index of the first guardrail
 * that failed, or -1. */
int ordo_stats_decide(const ordo_stats_result_t *primary, bool primary_higher_is_better,
                      const ordo_stats_guardrail_t *guardrails, size_t n_guardrails,
                      double alpha, ordo_stats_decision_t *decision, long *failed_guardrail,
                      ordo_error_t *err);

/* ------------------------------------------------------------------ */
/* Sequential monitoring: mixture SPRT (Johari et al. 2017) with a normal
 * mixing distribution N(0, tau2) on the difference, giving an
 * always-valid p-value and the matching confidence sequence. Call
 * ordo_msprt_update at every look with the current estimate and its
 * variance. */
typedef struct ordo_msprt {
    double tau2;     /* mixing variance, in squared units of the estimate */
    double alpha;
    double p_value;  /* running always-valid p-value (starts at 1) */
    double cs_low, cs_high; /* running intersection of the sequence */
    double log_lr;   /* log likelihood ratio at the last look */
    uint64_t looks;
} ordo_msprt_t;

int ordo_msprt_init(ordo_msprt_t *s, double tau2, double alpha, ordo_error_t *err);
/* var_estimate > 0. After the call s->p_value < alpha means reject. */
int ordo_msprt_update(ordo_msprt_t *s, double estimate, double var_estimate, ordo_error_t *err);
/* tau2 that makes the confidence sequence tightest when the estimate's
 * variance is v_planned (Howard et al. 2021, eq. for the normal mixture). */
double ordo_msprt_tau2_for(double v_planned, double alpha);

/* ------------------------------------------------------------------ */
/* Multiple testing: adjusted p-values, as statsmodels multipletests
 * ('holm', 'fdr_bh'). adj may alias p. ORDO_ENOMEM / ORDO_EINVAL. */
int ordo_stats_holm(const double *p, size_t k, double *adj, ordo_error_t *err);
int ordo_stats_bh(const double *p, size_t k, double *adj, ordo_error_t *err);

/* ------------------------------------------------------------------ */
/* Power, as R's power.t.test (two-sample, two-sided, noncentral t, strict =
 * FALSE) and power.prop.test (its normal formula). Sample sizes are per arm
 * and fractional (round up to report). */
int ordo_power_mean_power(double n, double delta, double sd, double alpha, double *power,
                          ordo_error_t *err);
int ordo_power_mean_n(double delta, double sd, double alpha, double power, double *n,
                      ordo_error_t *err);
int ordo_power_mean_mde(double n, double sd, double alpha, double power, double *delta,
                        ordo_error_t *err);
int ordo_power_prop_power(double n, double p1, double p2, double alpha, double *power,
                          ordo_error_t *err);
int ordo_power_prop_n(double p1, double p2, double alpha, double power, double *n,
                      ordo_error_t *err);
/* The p2 > p1 reached with the given power (R: power.prop.test with p2
 * unknown). */
int ordo_power_prop_mde(double n, double p1, double alpha, double power, double *p2,
                        ordo_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
