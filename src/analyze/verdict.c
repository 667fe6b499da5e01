/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — statistics at finish and the verdict: the accumulators
 * that analysis.c filled become arms, comparisons (CUPED, post-
 * stratification), SRM, sequential confidence sequences, segments,
 * multiplicity corrections, guardrails, and the ship / do-not-ship / keep-
 * running verdict per treatment and overall.
 *
 * Every test, interval and correction is a call into src/stats; this file
 * only decides what to feed it (docs/internals/ANALYZE.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ */
/* Finish */

/* Power sums (shifted by kx, ky) → the stats accumulator. */
static ordo_moments_t acc_moments(const an_acc_t *c, double kx, double ky)
{
    ordo_moments_t m;
    ordo_moments_init(&m);
    if (c->n <= 0)
        return m;
    double n = c->n;
    m.n = (uint64_t)n;
    m.k_x = kx;
    m.k_y = ky;
    m.mean_x = c->sx / n;
    m.mean_y = c->sy / n;
    m.m2_x = c->sxx - c->sx * c->sx / n;
    m.m2_y = c->syy - c->sy * c->sy / n;
    m.c_xy = c->sxy - c->sx * c->sy / n;
    if (m.m2_x < 0)
        m.m2_x = 0;
    if (m.m2_y < 0)
        m.m2_y = 0;
    return m;
}

static void set_reason(char *dst, const ordo_error_t *e, const char *fallback)
{
    snprintf(dst, AN_REASON_MAX, "%s", e && e->code && e->msg[0] ? e->msg : fallback);
}

/* Arm summary of a metric from an order-level accumulator. */
static void arm_from_acc(const ordo_metric_def_t *d, const ordo_moments_t *mo, an_arm_t *arm)
{
    arm->n = (double)mo->n;
    arm->ok = false;
    arm->value = arm->se = NAN;
    if (mo->n == 0)
        return;
    if (d->type == ORDO_METRIC_RATIO) {
        double r, se;
        if (ordo_stats_ratio(mo, &r, &se, NULL) == ORDO_OK) {
            arm->value = r;
            arm->se = se;
            arm->ok = true;
        }
        return;
    }
    arm->value = ordo_moments_mean_x(mo);
    arm->se = mo->n >= 2 ? sqrt(ordo_moments_var_x(mo) / (double)mo->n) : NAN;
    arm->ok = true;
}

/* Unit-level arm: x = Σ numerator, y = Σ denominator per unit. */
static void arm_from_units(const ordo_moments_t *mo, an_arm_t *arm)
{
    arm->n = (double)mo->n;
    arm->ok = false;
    arm->value = arm->se = NAN;
    double r, se;
    if (mo->n >= 1 && ordo_stats_ratio(mo, &r, &se, NULL) == ORDO_OK) {
        arm->value = r;
        arm->se = mo->n >= 2 ? se : NAN;
        arm->ok = true;
    }
}

/* A comparison from two order-level accumulators (unit = order). */
static int compare_orders(const ordo_metric_def_t *d, const ordo_moments_t *c,
                          const ordo_moments_t *t, double alpha, ordo_stats_result_t *diff,
                          ordo_stats_result_t *rel, bool *has_rel, const char **method,
                          ordo_error_t *err)
{
    *has_rel = false;
    int rc;
    if (d->type == ORDO_METRIC_MEAN) {
        *method = "welch";
        ordo_stats_arm_t ac = ordo_stats_arm_from_moments(c), at = ordo_stats_arm_from_moments(t);
        rc = ordo_stats_welch(&ac, &at, alpha, diff, err);
        if (!rc && rel) {
            ordo_error_t e2;
            *has_rel = ordo_stats_lift(&ac, &at, alpha, NULL, rel, &e2) == ORDO_OK;
        }
        return rc;
    }
    if (d->type == ORDO_METRIC_PROPORTION) {
        *method = "two-proportion z";
        double nc = (double)c->n, nt = (double)t->n;
        double xc = ordo_moments_mean_x(c) * nc, xt = ordo_moments_mean_x(t) * nt;
        xc = round(xc);
        xt = round(xt);
        rc = ordo_stats_prop_z(xc, nc, xt, nt, alpha, diff, err);
        if (!rc && rel && nc > 0 && nt > 0) {
            double pc = xc / nc, pt = xt / nt;
            ordo_error_t e2;
            *has_rel = ordo_stats_rel_lift(pc, sqrt(pc * (1 - pc) / nc), pt,
                                           sqrt(pt * (1 - pt) / nt), alpha, rel, &e2) == ORDO_OK;
        }
        return rc;
    }
    *method = "delta method";
    rc = ordo_stats_ratio_delta(c, t, alpha, diff, err);
    if (!rc && rel) {
        double rc_, sc, rt, st;
        ordo_error_t e2;
        if (ordo_stats_ratio(c, &rc_, &sc, &e2) == ORDO_OK &&
            ordo_stats_ratio(t, &rt, &st, &e2) == ORDO_OK)
            *has_rel = ordo_stats_rel_lift(rc_, sc, rt, st, alpha, rel, &e2) == ORDO_OK;
    }
    return rc;
}

/* A comparison from unit-level accumulators (customer or switchback). */
static int compare_units(const ordo_analysis_t *a, const ordo_metric_def_t *d,
                         const ordo_moments_t *c, const ordo_moments_t *t, double alpha,
                         ordo_stats_result_t *diff, ordo_stats_result_t *rel, bool *has_rel,
                         const char **method, ordo_error_t *err)
{
    *has_rel = false;
    int rc;
    if (a->cfg.unit == ORDO_EXP_UNIT_SWITCHBACK && d->type != ORDO_METRIC_RATIO) {
        *method = "cluster-robust";
        rc = ordo_stats_cluster_robust(c, t, alpha, diff, err);
    } else {
        *method = "delta method";
        rc = ordo_stats_ratio_delta(c, t, alpha, diff, err);
    }
    if (!rc && rel) {
        double rc_, sc, rt, st;
        ordo_error_t e2;
        if (ordo_stats_ratio(c, &rc_, &sc, &e2) == ORDO_OK &&
            ordo_stats_ratio(t, &rt, &st, &e2) == ORDO_OK)
            *has_rel = ordo_stats_rel_lift(rc_, sc, rt, st, alpha, rel, &e2) == ORDO_OK;
    }
    return rc;
}

/* Unit-level accumulators per variant for metric m (from the unit table),
 * optionally only units whose first day is <= last_day. */
static void unit_moments(const ordo_analysis_t *a, size_t m, ordo_moments_t *out)
{
    for (size_t v = 0; v < a->V; v++)
        ordo_moments_init(&out[v]);
    for (size_t u = 0; u < a->n_units; u++) {
        const an_unit_t *un = &a->units[u];
        if (un->variant >= a->V)
            continue;
        const double *s = &a->unit_sums[(u * a->M + m) * 2];
        if (s[1] == 0 && s[0] == 0)
            continue; /* no order of this unit has the metric */
        ordo_moments_add2(&out[un->variant], s[0], s[1]);
    }
}

/* One value in every order (up to rounding of the shifted sums). */
static bool constant_moments(const ordo_moments_t *m)
{
    if (m->n == 0)
        return false;
    double mean = ordo_moments_mean_x(m);
    return m->m2_x <= 1e-12 * (double)m->n * (1 + mean * mean);
}

/* x is an exact linear function of the covariate y: CUPED would leave no
 * variance, and rounding would decide the test. */
static bool collinear(const ordo_moments_t *m)
{
    return m->n >= 2 && m->m2_y > 0 && m->c_xy * m->c_xy >= (1 - 1e-12) * m->m2_x * m->m2_y;
}

static void compute_metrics(ordo_analysis_t *a)
{
    const size_t V = a->V, M = a->M;
    const double alpha = a->cfg.alpha;
    bool per_unit = a->unit_map != NULL;
    ordo_moments_t mo[ORDO_EXP_MAX_ARMS], mu[ORDO_EXP_MAX_ARMS];
    for (size_t m = 0; m < M; m++) {
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        for (size_t v = 0; v < V; v++)
            mo[v] = acc_moments(&a->overall[v * M + m], a->kx[m], a->ky[m]);
        if (per_unit)
            unit_moments(a, m, mu);
        for (size_t v = 0; v < V; v++) {
            an_arm_t *arm = &a->arms[v * M + m];
            if (per_unit)
                arm_from_units(&mu[v], arm);
            else
                arm_from_acc(d, &mo[v], arm);
            arm->orders = mo[v].n;
            arm->missing = a->missing[v * M + m];
        }
        for (size_t v = 1; v < V; v++) {
            an_cmp_t *c = &a->cmps[v * M + m];
            c->p_holm = c->p_bh = c->p_kpi = NAN;
            c->kpi = false;
            c->theta = NAN;
            ordo_error_t e;
            ordo_error_clear(&e);
            int rc = per_unit ? compare_units(a, d, &mu[0], &mu[v], alpha, &c->diff, &c->rel,
                                              &c->has_rel, &c->method, &e)
                              : compare_orders(d, &mo[0], &mo[v], alpha, &c->diff, &c->rel,
                                               &c->has_rel, &c->method, &e);
            c->ok = rc == ORDO_OK;
            if (!c->ok) {
                char why[AN_REASON_MAX];
                set_reason(why, &e, ordo_strerror(rc));
                if (!mo[0].n || !mo[v].n)
                    snprintf(c->reason, sizeof c->reason, "no orders with a value in %s",
                             !mo[0].n ? "the control arm" : "this arm");
                else
                    snprintf(c->reason, sizeof c->reason, "%s", why);
                c->has_rel = false;
                continue;
            }
            c->constant = d->type != ORDO_METRIC_RATIO && !per_unit && constant_moments(&mo[0]) &&
                          constant_moments(&mo[v]);
            /* CUPED: order unit, mean or proportion, every order with the
             * covariate (else it would compare different subsets). */
            if (c->constant) {
                snprintf(c->cuped_note, sizeof c->cuped_note,
                         "not used: the metric is constant (nothing to adjust)");
            } else if (per_unit || d->type == ORDO_METRIC_RATIO) {
                snprintf(c->cuped_note, sizeof c->cuped_note, "%s",
                         per_unit ? "not used: the unit is not the order"
                                  : "not used for ratio metrics");
            } else if (a->nocov[m] + a->nocov[v * M + m] > 0) {
                snprintf(c->cuped_note, sizeof c->cuped_note,
                         "skipped: %llu orders have no planned cost under the control policy",
                         (unsigned long long)(a->nocov[m] + a->nocov[v * M + m]));
            } else {
                ordo_moments_t cc = acc_moments(&a->cuped[m], a->kx[m], a->kc);
                ordo_moments_t ct = acc_moments(&a->cuped[v * M + m], a->kx[m], a->kc);
                ordo_stats_arm_t adj_c, adj_t;
                ordo_error_t e2;
                if (collinear(&cc) && collinear(&ct)) {
                    snprintf(c->cuped_note, sizeof c->cuped_note,
                             "not used: the covariate determines the metric in both arms "
                             "(nothing would be left to test)");
                } else if (ordo_stats_cuped(&cc, &ct, alpha, &c->cuped, &c->theta, &adj_c, &adj_t,
                                            &e2) == ORDO_OK) {
                    c->has_cuped = true;
                    ordo_stats_result_t rel;
                    if (adj_c.n > 0 && adj_t.n > 0 &&
                        ordo_stats_rel_lift(adj_c.mean, sqrt(adj_c.var / adj_c.n), adj_t.mean,
                                            sqrt(adj_t.var / adj_t.n), alpha, &rel,
                                            &e2) == ORDO_OK) {
                        c->rel = rel;
                        c->has_rel = true;
                    }
                } else {
                    set_reason(c->cuped_note, &e2, "CUPED failed");
                }
            }
        }
    }
}

/* Post-stratification by region for the key metrics (order unit, mean or
 * proportion), over regions with at least 2 orders in both arms. */
static void compute_poststrat(ordo_analysis_t *a)
{
    const size_t V = a->V, K = a->K;
    if (a->unit_map)
        return;
    for (size_t k = 0; k < K; k++) {
        size_t m = (size_t)a->key[k];
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        for (size_t v = 1; v < V; v++) {
            an_cmp_t *c = &a->cmps[v * a->M + m];
            if (d->type == ORDO_METRIC_RATIO) {
                snprintf(c->post_note, sizeof c->post_note, "not used for ratio metrics");
                continue;
            }
            ordo_stats_arm_t sc[ORDO_AN_REGIONS], st[ORDO_AN_REGIONS];
            size_t ns = 0, dropped = 0;
            for (int r = 0; r < ORDO_AN_REGIONS; r++) {
                ordo_moments_t mc = acc_moments(&a->seg[0][(r * V + 0) * K + k], a->kx[m], 0);
                ordo_moments_t mt = acc_moments(&a->seg[0][(r * V + v) * K + k], a->kx[m], 0);
                if (!mc.n && !mt.n)
                    continue;
                if (mc.n < 2 || mt.n < 2) {
                    dropped++;
                    continue;
                }
                sc[ns] = ordo_stats_arm_from_moments(&mc);
                st[ns] = ordo_stats_arm_from_moments(&mt);
                ns++;
            }
            if (!ns) {
                snprintf(c->post_note, sizeof c->post_note, "no region has 2 orders in both arms");
                continue;
            }
            ordo_error_t e;
            if (ordo_stats_poststratify(sc, st, ns, NULL, a->cfg.alpha, &c->post, &e) == ORDO_OK) {
                c->has_post = true;
                if (dropped)
                    snprintf(c->post_note, sizeof c->post_note,
                             "%zu region(s) with fewer than 2 orders in an arm left out", dropped);
            } else {
                set_reason(c->post_note, &e, "post-stratification failed");
            }
        }
    }
}

static void compute_srm(ordo_analysis_t *a)
{
    const size_t V = a->V;
    double w[ORDO_EXP_MAX_ARMS];
    for (size_t v = 0; v < V; v++) {
        a->unit_counts[v] = (double)a->orders[v];
        w[v] = a->cfg.weights[v];
    }
    if (a->unit_map) {
        for (size_t v = 0; v < V; v++)
            a->unit_counts[v] = 0;
        for (size_t u = 0; u < a->n_units; u++)
            if (a->units[u].variant < V)
                a->unit_counts[a->units[u].variant] += 1;
    }
    a->srm_ok = false;
    if (V < 2) {
        snprintf(a->srm_reason, sizeof a->srm_reason, "only one variant");
        return;
    }
    double total = 0;
    for (size_t v = 0; v < V; v++)
        total += a->unit_counts[v];
    if (total <= 0) {
        snprintf(a->srm_reason, sizeof a->srm_reason, "no units");
        return;
    }
    ordo_error_t e;
    if (ordo_stats_srm(a->unit_counts, w, V, &a->srm, &e) == ORDO_OK)
        a->srm_ok = true;
    else
        set_reason(a->srm_reason, &e, "SRM test failed");
}

/* Per-day accumulators for the non-order units: each unit in the day of its
 * first order, with its totals (x = Σ numerator, y = Σ denominator). */
static int unit_days(ordo_analysis_t *a)
{
    const size_t V = a->V, K = a->K, M = a->M;
    if (!a->n_days)
        return ORDO_OK;
    memset(a->days, 0, a->n_days * V * K * sizeof *a->days);
    for (size_t u = 0; u < a->n_units; u++) {
        const an_unit_t *un = &a->units[u];
        if (un->variant >= V || un->first_ts <= 0)
            continue;
        int64_t d = un->first_ts / 86400 - a->day0;
        if (d < 0 || d >= (int64_t)a->n_days)
            continue;
        for (size_t k = 0; k < K; k++) {
            const double *s = &a->unit_sums[(u * M + (size_t)a->key[k]) * 2];
            if (s[0] == 0 && s[1] == 0)
                continue;
            an_acc_add(&a->days[((size_t)d * V + un->variant) * K + k], s[0], s[1]);
        }
    }
    return ORDO_OK;
}

/* Cumulative values per variant per day and the sequential test (mSPRT with
 * daily looks) for every key metric and treatment. */
static void compute_sequential(ordo_analysis_t *a)
{
    const size_t V = a->V, K = a->K, D = a->n_days;
    bool per_unit = a->unit_map != NULL;
    if (per_unit)
        unit_days(a);
    an_acc_t cum[ORDO_EXP_MAX_ARMS];
    ordo_moments_t mo[ORDO_EXP_MAX_ARMS];
    for (size_t k = 0; k < K; k++) {
        size_t m = (size_t)a->key[k];
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        double kx = per_unit ? 0 : a->kx[m], ky = per_unit ? 0 : a->ky[m];
        for (size_t v = 1; v < V; v++) {
            /* tau² from the variance at the last look (ANALYZE.md). */
            memset(cum, 0, sizeof cum);
            for (size_t dd = 0; dd < D; dd++)
                for (size_t w = 0; w < V; w++)
                    an_acc_merge(&cum[w], &a->days[(dd * V + w) * K + k]);
            ordo_moments_t c = acc_moments(&cum[0], kx, ky), t = acc_moments(&cum[v], kx, ky);
            ordo_stats_result_t r;
            bool hr;
            const char *meth;
            ordo_error_t e;
            double tau2 = NAN;
            int rc = per_unit ? compare_units(a, d, &c, &t, a->cfg.alpha, &r, NULL, &hr, &meth, &e)
                              : compare_orders(d, &c, &t, a->cfg.alpha, &r, NULL, &hr, &meth, &e);
            if (!rc && r.se > 0)
                tau2 = ordo_msprt_tau2_for(r.se * r.se, a->cfg.alpha);
            a->seq_tau2[k * V + v] = tau2;
            ordo_msprt_t s;
            bool have = isfinite(tau2) && tau2 > 0 &&
                        ordo_msprt_init(&s, tau2, a->cfg.alpha, NULL) == ORDO_OK;
            memset(cum, 0, sizeof cum);
            for (size_t dd = 0; dd < D; dd++) {
                an_seq_point_t *pt = &a->seq[(k * V + v) * D + dd];
                pt->day = a->day0 + (int64_t)dd;
                pt->ok = false;
                pt->estimate = pt->cs_low = pt->cs_high = pt->p_value = NAN;
                an_acc_merge(&cum[0], &a->days[(dd * V + 0) * K + k]);
                an_acc_merge(&cum[v], &a->days[(dd * V + v) * K + k]);
                if (!have)
                    continue;
                c = acc_moments(&cum[0], kx, ky);
                t = acc_moments(&cum[v], kx, ky);
                rc = per_unit ? compare_units(a, d, &c, &t, a->cfg.alpha, &r, NULL, &hr, &meth, &e)
                              : compare_orders(d, &c, &t, a->cfg.alpha, &r, NULL, &hr, &meth, &e);
                if (rc || !(r.se > 0))
                    continue; /* too few units yet for this look */
                if (ordo_msprt_update(&s, r.estimate, r.se * r.se, NULL) != ORDO_OK)
                    continue;
                pt->ok = true;
                pt->estimate = r.estimate;
                pt->cs_low = s.cs_low;
                pt->cs_high = s.cs_high;
                pt->p_value = s.p_value;
            }
        }
        /* cumulative value per variant per day */
        memset(cum, 0, sizeof cum);
        for (size_t dd = 0; dd < D; dd++) {
            for (size_t v = 0; v < V; v++) {
                an_acc_merge(&cum[v], &a->days[(dd * V + v) * K + k]);
                mo[v] = acc_moments(&cum[v], kx, ky);
                an_arm_t arm;
                if (per_unit)
                    arm_from_units(&mo[v], &arm);
                else
                    arm_from_acc(d, &mo[v], &arm);
                a->ts_value[(k * D + dd) * V + v] = arm.ok ? arm.value : NAN;
            }
        }
    }
}

static void compute_segments(ordo_analysis_t *a)
{
    const size_t V = a->V, K = a->K;
    for (int dim = 0; dim < AN_DIMS; dim++) {
        for (size_t s = 0; s < a->seg_n[dim]; s++) {
            for (size_t k = 0; k < K; k++) {
                size_t m = (size_t)a->key[k];
                const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
                an_seg_cell_t *cell = &a->segres[dim][s * K + k];
                ordo_moments_t mo[ORDO_EXP_MAX_ARMS];
                for (size_t v = 0; v < V; v++) {
                    mo[v] = acc_moments(&a->seg[dim][(s * V + v) * K + k], a->kx[m], a->ky[m]);
                    arm_from_acc(d, &mo[v], &cell->arm[v]);
                    cell->arm[v].orders = mo[v].n;
                }
                for (size_t v = 1; v < V; v++) {
                    bool hr;
                    const char *meth;
                    cell->ok[v] = compare_orders(d, &mo[0], &mo[v], a->cfg.alpha, &cell->diff[v],
                                                 NULL, &hr, &meth, NULL) == ORDO_OK;
                }
            }
        }
    }
}

/* Variant v's primary KPIs that can be computed, Holm-adjusted among
 * themselves (the family the verdict tests), into their comparisons'
 * p_kpi. A failed adjustment (a p-value that is not a number) leaves the
 * raw p-values. */
static void kpi_family(ordo_analysis_t *a, size_t v)
{
    const size_t M = a->M;
    double p[ORDO_EXP_MAX_KPIS], ph[ORDO_EXP_MAX_KPIS];
    an_cmp_t *c[ORDO_EXP_MAX_KPIS];
    size_t n = 0;
    for (size_t i = 0; i < a->cfg.n_kpis; i++) {
        int m = ordo_metric_set_find(&a->cfg.metrics, a->cfg.kpis[i]);
        if (m < 0 || !a->cmps[v * M + (size_t)m].ok)
            continue;
        c[n] = &a->cmps[v * M + (size_t)m];
        p[n] = an_cmp_primary(c[n])->p_value;
        n++;
    }
    if (!n)
        return;
    if (ordo_stats_holm(p, n, ph, NULL))
        memcpy(ph, p, n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        c[i]->p_kpi = ph[i];
        c[i]->kpi = true;
    }
}

static void compute_corrections(ordo_analysis_t *a)
{
    const size_t V = a->V, M = a->M;
    double p[ORDO_METRICS_MAX], ph[ORDO_METRICS_MAX], pb[ORDO_METRICS_MAX];
    size_t idx[ORDO_METRICS_MAX];
    for (size_t v = 1; v < V; v++) {
        kpi_family(a, v);
        size_t n = 0;
        for (size_t m = 0; m < M; m++) {
            an_cmp_t *c = &a->cmps[v * M + m];
            if (!c->ok || c->constant || a->cfg.metrics.m[m].good == ORDO_GOOD_NONE)
                continue; /* a constant metric is no test: it does not dilute the others */
            double pv = an_cmp_primary(c)->p_value;
            if (!isfinite(pv))
                continue;
            p[n] = pv;
            idx[n++] = m;
        }
        if (!n)
            continue;
        if (ordo_stats_holm(p, n, ph, NULL) || ordo_stats_bh(p, n, pb, NULL))
            continue;
        for (size_t i = 0; i < n; i++) {
            an_cmp_t *c = &a->cmps[v * M + idx[i]];
            c->p_holm = ph[i];
            c->p_bh = pb[i];
            c->tested = true;
        }
    }
}

static bool higher_is_better_guard(ordo_exp_direction_t dir)
{
    return dir == ORDO_EXP_DIR_DECREASE; /* harm is a decrease */
}

/* The absolute margin in force: a relative margin is a share of the
 * control arm's value of the metric. */
static double margin_in_force(const ordo_analysis_t *a, int m, double margin, bool relative)
{
    if (!relative)
        return margin;
    const an_arm_t *ctl = &a->arms[(size_t)m];
    return ctl->ok && isfinite(ctl->value) ? margin * fabs(ctl->value) : NAN;
}

/* The last valid look of key metric k for variant v, or NULL. */
static const an_seq_point_t *last_look(const ordo_analysis_t *a, int k, size_t v)
{
    const size_t V = a->V, D = a->n_days;
    if (k < 0 || !D)
        return NULL;
    for (size_t dd = D; dd-- > 0;) {
        const an_seq_point_t *pt = &a->seq[((size_t)k * V + v) * D + dd];
        if (pt->ok)
            return pt;
    }
    return NULL;
}

/* Significantly worse (Holm across the tested metrics) in the harmful
 * direction of a guardrail. */
static bool harmed(const an_cmp_t *c, bool hib, double alpha)
{
    if (!c->ok || !c->tested || !(c->p_holm < alpha))
        return false;
    double est = an_cmp_primary(c)->estimate;
    return hib ? est < 0 : est > 0;
}

static void compute_guardrails(ordo_analysis_t *a)
{
    const size_t V = a->V, G = a->cfg.n_guardrails;
    for (size_t g = 0; g < G; g++) {
        const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
        int m = ordo_metric_set_find(&a->cfg.metrics, gs->metric);
        int k = m >= 0 ? a->key_of[m] : -1;
        for (size_t v = 1; v < V; v++) {
            an_guard_t *gr = &a->guards[g * V + v];
            gr->metric = m;
            gr->p_ni = NAN;
            gr->margin = NAN;
            if (m < 0)
                continue;
            const an_cmp_t *c = &a->cmps[v * a->M + (size_t)m];
            bool hib = higher_is_better_guard(gs->direction);
            gr->margin = margin_in_force(a, m, gs->margin, gs->relative);
            gr->harmed = harmed(c, hib, a->cfg.alpha);
            if (!isfinite(gr->margin)) {
                snprintf(gr->reason, sizeof gr->reason,
                         "the relative margin needs the control's value, which is unavailable");
                continue;
            }
            if (c->ok) {
                double margin = gr->margin > 0 ? gr->margin : 1e-12;
                ordo_error_t e;
                if (ordo_stats_noninferiority(an_cmp_primary(c), margin, hib, a->cfg.alpha,
                                              &gr->p_ni, &gr->non_inferior, &e) == ORDO_OK)
                    gr->evaluated = true;
                else
                    set_reason(gr->reason, &e, "non-inferiority test failed");
            } else {
                snprintf(gr->reason, sizeof gr->reason, "%s", c->reason);
            }
            /* sequential breach: the last valid look's confidence sequence */
            const an_seq_point_t *last = last_look(a, k, v);
            if (last) {
                gr->seq_ok = true;
                gr->breached = hib ? last->cs_high < -gr->margin : last->cs_low > gr->margin;
            }
        }
    }
}

const char *an_claim_status_name(an_claim_status_t s)
{
    switch (s) {
    case AN_CLAIM_UNTESTED:
        return "untested";
    case AN_CLAIM_UNAVAILABLE:
        return "unavailable";
    case AN_CLAIM_NOT_YET:
        return "not_yet_shown";
    case AN_CLAIM_SUPPORTED:
        return "supported";
    case AN_CLAIM_REFUTED:
        return "refuted";
    }
    return "?";
}

const char *an_claim_text(const ordo_analysis_t *a, char *buf, size_t n)
{
    const ordo_exp_claim_t *cl = &a->cfg.claim;
    if (!cl->structured) {
        snprintf(buf, n, "none (prose only: nothing is tested)");
        return buf;
    }
    const char *sign = cl->direction == ORDO_EXP_DIR_INCREASE ? "+" : "-";
    if (cl->relative)
        snprintf(buf, n, "%s %s %s%g%%", cl->metric,
                 cl->bound == ORDO_EXP_AT_MOST ? "at most" : "at least", sign, 100 * cl->margin);
    else
        snprintf(buf, n, "%s %s %s%g", cl->metric,
                 cl->bound == ORDO_EXP_AT_MOST ? "at most" : "at least", sign, cl->margin);
    return buf;
}

/* Tests the structured hypothesis for variant v. at_most d m: the change in
 * direction d is below m (non-inferiority); refuted when the confidence
 * sequence lies wholly above m. at_least d m: the change in direction d
 * exceeds m (superiority by a margin); refuted when the sequence lies
 * wholly below m. */
static void test_claim(ordo_analysis_t *a, size_t v)
{
    const ordo_exp_claim_t *cl = &a->cfg.claim;
    an_claim_t *r = &a->claims[v];
    memset(r, 0, sizeof *r);
    r->p_value = r->estimate = r->margin = NAN;
    r->metric = a->claim_key;
    if (!cl->structured) {
        r->status = AN_CLAIM_UNTESTED;
        return;
    }
    r->status = AN_CLAIM_UNAVAILABLE;
    int m = a->claim_key;
    const an_cmp_t *c = &a->cmps[v * a->M + (size_t)m];
    r->margin = margin_in_force(a, m, cl->margin, cl->relative);
    if (!c->ok || !isfinite(r->margin)) {
        snprintf(r->reason, sizeof r->reason, "%s",
                 !c->ok ? c->reason : "the control's value is unavailable");
        return;
    }
    /* s: +1 when the claimed direction is an increase; work on s × diff */
    double sgn = cl->direction == ORDO_EXP_DIR_INCREASE ? 1 : -1;
    ordo_stats_result_t d = *an_cmp_primary(c);
    r->estimate = d.estimate;
    bool at_most = cl->bound == ORDO_EXP_AT_MOST;
    d.estimate = sgn * d.estimate - r->margin; /* > 0: beyond the margin */
    bool shown = false;
    ordo_error_t e;
    /* at_most: H1 shifted < 0; at_least: H1 shifted > 0 */
    if (ordo_stats_noninferiority(&d, 1e-12, !at_most, a->cfg.alpha, &r->p_value, &shown, &e)) {
        set_reason(r->reason, &e, "the test failed");
        return;
    }
    r->status = shown ? AN_CLAIM_SUPPORTED : AN_CLAIM_NOT_YET;
    const an_seq_point_t *last = last_look(a, a->key_of[m], v);
    if (last) {
        double lo = sgn > 0 ? last->cs_low : -last->cs_high;
        double hi = sgn > 0 ? last->cs_high : -last->cs_low;
        if (at_most ? lo > r->margin : hi < r->margin)
            r->status = AN_CLAIM_REFUTED;
    }
}

/* Settles variant v's verdict on safety before any KPI is looked at: a
 * sample ratio mismatch, an arm with no orders, a breached guardrail, or a
 * hypothesis of the form "at most" refuted. Each is sequentially valid, so
 * it may stop the experiment at any look. Returns true when settled. */
static bool verdict_blocked(ordo_analysis_t *a, size_t v, char *why, size_t wn)
{
    ordo_analyze_verdict_t *vd = &a->v_verdict[v];
    if (a->srm_ok && (a->srm.flags & ORDO_STATS_F_SRM)) {
        *vd = ORDO_VERDICT_DO_NOT_SHIP;
        snprintf(why, wn,
                 "sample ratio mismatch (p = %.3g < 0.001)%s: the split differs from the "
                 "configured weights, so assignment or logging is broken and the results "
                 "cannot be trusted",
                 a->srm.p_value,
                 !a->orders[0]   ? ", the control arm has no orders"
                 : !a->orders[v] ? ", this arm has no orders"
                                 : "");
        return true;
    }
    if (!a->orders[0] || !a->orders[v]) {
        snprintf(why, wn, "the %s arm has no orders yet", !a->orders[0] ? "control" : "treatment");
        return true;
    }
    for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
        const an_guard_t *gr = &a->guards[g * a->V + v];
        if (gr->breached) {
            *vd = ORDO_VERDICT_DO_NOT_SHIP;
            snprintf(why, wn, "guardrail %s is significantly breached (beyond its margin %.4g)",
                     a->cfg.guardrails[g].metric, gr->margin);
            return true;
        }
    }
    const an_claim_t *cl = &a->claims[v];
    if (cl->status == AN_CLAIM_REFUTED && a->cfg.claim.bound == ORDO_EXP_AT_MOST) {
        char txt[160];
        *vd = ORDO_VERDICT_DO_NOT_SHIP;
        snprintf(why, wn,
                 "the hypothesis (%s) is refuted: the change is %+.4g, significantly beyond "
                 "the margin %.4g at any look",
                 an_claim_text(a, txt, sizeof txt), cl->estimate, cl->margin);
        return true;
    }
    return false;
}

/* Variant v's primary KPIs that can be computed, with their p-values
 * Holm-adjusted among themselves. */
typedef struct kpi_tests {
    size_t n;
    int km[ORDO_EXP_MAX_KPIS]; /* metric index */
    double p[ORDO_EXP_MAX_KPIS], ph[ORDO_EXP_MAX_KPIS];
    int improved, worse; /* first significantly better / worse, or -1 */
} kpi_tests_t;

/* Fills t; returns false (with the reason in why) when no primary KPI can
 * be computed yet. The adjusted p-values are those compute_corrections
 * stored (kpi_family). */
static bool kpi_tests(ordo_analysis_t *a, size_t v, kpi_tests_t *t, char *why, size_t wn)
{
    const size_t M = a->M;
    const char *missing_kpi = NULL;
    t->n = 0;
    for (size_t i = 0; i < a->cfg.n_kpis; i++) {
        int m = ordo_metric_set_find(&a->cfg.metrics, a->cfg.kpis[i]);
        if (m < 0 || !a->cmps[v * M + (size_t)m].ok) {
            missing_kpi = a->cfg.kpis[i];
            continue;
        }
        const an_cmp_t *c = &a->cmps[v * M + (size_t)m];
        t->km[t->n] = m;
        t->p[t->n] = an_cmp_primary(c)->p_value;
        t->ph[t->n++] = c->p_kpi;
    }
    if (!t->n) {
        snprintf(
            why, wn, "primary KPI %s cannot be computed yet: %s", missing_kpi ? missing_kpi : "?",
            missing_kpi && ordo_metric_set_find(&a->cfg.metrics, missing_kpi) >= 0
                ? a->cmps[v * M + (size_t)ordo_metric_set_find(&a->cfg.metrics, missing_kpi)].reason
                : "not defined");
        return false;
    }
    t->improved = t->worse = -1;
    for (size_t i = 0; i < t->n; i++) {
        const ordo_metric_def_t *d = &a->cfg.metrics.m[t->km[i]];
        const ordo_stats_result_t *r = an_cmp_primary(&a->cmps[v * M + (size_t)t->km[i]]);
        bool hib = d->good == ORDO_GOOD_HIGHER;
        bool better = hib ? r->estimate > 0 : r->estimate < 0;
        if (t->ph[i] < a->cfg.alpha && better && t->improved < 0)
            t->improved = (int)i;
        if (t->ph[i] < a->cfg.alpha && !better && t->worse < 0 && d->good != ORDO_GOOD_NONE)
            t->worse = (int)i;
    }
    return true;
}

/* The guardrails of variant v that can be computed, as the decision rule
 * takes them; *unknown_guard names the first that cannot. */
static size_t guard_inputs(const ordo_analysis_t *a, size_t v, ordo_stats_guardrail_t *gsr,
                           const char **unknown_guard)
{
    const size_t M = a->M;
    size_t ng = 0;
    *unknown_guard = NULL;
    for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
        const an_guard_t *gr = &a->guards[g * a->V + v];
        if (gr->metric < 0 || !a->cmps[v * M + (size_t)gr->metric].ok) {
            if (!*unknown_guard)
                *unknown_guard = a->cfg.guardrails[g].metric;
            continue;
        }
        gsr[ng].diff = *an_cmp_primary(&a->cmps[v * M + (size_t)gr->metric]);
        if (!isfinite(gr->margin)) {
            if (!*unknown_guard)
                *unknown_guard = a->cfg.guardrails[g].metric;
            continue;
        }
        gsr[ng].margin = gr->margin > 0 ? gr->margin : 1e-12;
        gsr[ng].higher_is_better = higher_is_better_guard(a->cfg.guardrails[g].direction);
        ng++;
    }
    return ng;
}

/* A declared metric (primary KPI, guardrail, hypothesis metric) of variant
 * v significantly worse after Holm's correction across metrics: the index
 * of the metric, or -1. */
static int declared_harm(const ordo_analysis_t *a, size_t v)
{
    for (size_t g = 0; g < a->cfg.n_guardrails; g++)
        if (a->guards[g * a->V + v].harmed)
            return a->guards[g * a->V + v].metric;
    if (a->cfg.claim.structured) {
        int m = a->claim_key;
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        const an_cmp_t *c = &a->cmps[v * a->M + (size_t)m];
        if (d->good != ORDO_GOOD_NONE && harmed(c, d->good == ORDO_GOOD_HIGHER, a->cfg.alpha))
            return m;
    }
    return -1;
}

/* Why variant v, which passes the decision rule, may still not ship:
 * a significant harm or the hypothesis not yet shown. Returns true (reason
 * in why, *settled true when more data cannot help) when it may not. */
static bool ship_blocked(ordo_analysis_t *a, size_t v, bool *settled, char *why, size_t wn)
{
    int hm = declared_harm(a, v);
    *settled = false;
    if (hm >= 0) {
        const an_cmp_t *c = &a->cmps[v * a->M + (size_t)hm];
        *settled = true;
        snprintf(why, wn,
                 "%s is significantly worse (difference %+.4g, Holm-adjusted p = %.3g): "
                 "never ship against a significant harm in a declared metric",
                 a->cfg.metrics.m[hm].name, an_cmp_primary(c)->estimate, c->p_holm);
        return true;
    }
    const an_claim_t *cl = &a->claims[v];
    char txt[160];
    if (cl->status == AN_CLAIM_REFUTED) { /* at_least: the gain is below the claim */
        *settled = true;
        snprintf(why, wn, "the hypothesis (%s) is refuted: the change is %+.4g",
                 an_claim_text(a, txt, sizeof txt), cl->estimate);
        return true;
    }
    if (cl->status == AN_CLAIM_NOT_YET) {
        snprintf(why, wn, "the hypothesis (%s) is not yet shown (one-sided p = %.3g)",
                 an_claim_text(a, txt, sizeof txt), cl->p_value);
        return true;
    }
    if (cl->status == AN_CLAIM_UNAVAILABLE) {
        snprintf(why, wn, "the hypothesis (%s) cannot be tested yet: %s",
                 an_claim_text(a, txt, sizeof txt), cl->reason);
        return true;
    }
    return false;
}

/* Variant v's verdict (a->v_verdict[v]) and its reason (why, which the
 * caller copies to a->v_reason[v]). Returns true when it ships, with *lift
 * the size of its improvement (relative when available). *safety: the
 * verdict rests on a sequentially valid safety check (it stands at any
 * runtime); else a verdict other than keep running waits for the minimum
 * runtime. */
static bool variant_verdict(ordo_analysis_t *a, size_t v, bool runtime_over, double *lift,
                            bool *safety, char *why, size_t wn)
{
    const size_t M = a->M;
    ordo_analyze_verdict_t *vd = &a->v_verdict[v];
    *vd = ORDO_VERDICT_KEEP_RUNNING;
    *safety = true;
    kpi_tests_t t;
    if (verdict_blocked(a, v, why, wn))
        return false;
    *safety = false;
    if (!kpi_tests(a, v, &t, why, wn))
        return false;
    if (t.worse >= 0) {
        *vd = ORDO_VERDICT_DO_NOT_SHIP;
        snprintf(why, wn, "primary KPI %s is significantly worse (p = %.3g)",
                 a->cfg.metrics.m[t.km[t.worse]].name, t.ph[t.worse]);
        return false;
    }
    int pi = t.improved >= 0 ? t.improved : 0;
    int pm = t.km[pi];
    const ordo_metric_def_t *pd = &a->cfg.metrics.m[pm];
    ordo_stats_guardrail_t gsr[ORDO_EXP_MAX_GUARDRAILS];
    const char *unknown_guard;
    size_t ng = guard_inputs(a, v, gsr, &unknown_guard);
    ordo_stats_result_t prim = *an_cmp_primary(&a->cmps[v * M + (size_t)pm]);
    prim.p_value = t.ph[pi];
    ordo_stats_decision_t dec;
    long failed = -1;
    ordo_error_t e;
    if (ordo_stats_decide(&prim, pd->good == ORDO_GOOD_HIGHER, gsr, ng, a->cfg.alpha, &dec, &failed,
                          &e) != ORDO_OK) {
        snprintf(why, wn, "the decision rule could not run: %s", e.msg);
        return false;
    }
    bool settled = false;
    bool blocked = ship_blocked(a, v, &settled, why, wn);
    if (dec == ORDO_STATS_SHIP && !unknown_guard && !blocked) {
        *vd = ORDO_VERDICT_SHIP;
        const an_cmp_t *c = &a->cmps[v * M + (size_t)pm];
        char tmp[64];
        if (c->has_rel)
            snprintf(tmp, sizeof tmp, "%+.2f%%, ", 100 * c->rel.estimate);
        else
            tmp[0] = 0;
        snprintf(why, wn,
                 "primary KPI %s improved significantly (%sp = %.3g), every guardrail "
                 "is significantly non-inferior%s",
                 pd->name, tmp, prim.p_value,
                 a->cfg.claim.structured ? " and the hypothesis is supported"
                                         : " (the hypothesis is prose only: not tested)");
        *lift = c->has_rel ? fabs(c->rel.estimate) : fabs(prim.estimate);
        return true;
    }
    if (blocked && settled) {
        *vd = ORDO_VERDICT_DO_NOT_SHIP;
    } else if (runtime_over) {
        *vd = ORDO_VERDICT_DO_NOT_SHIP;
        snprintf(why, wn,
                 "the maximum runtime (%g days) is over without a significant improvement "
                 "with every guardrail non-inferior",
                 a->cfg.max_runtime_days);
    } else if (unknown_guard) {
        snprintf(why, wn, "guardrail %s cannot be computed yet", unknown_guard);
    } else if (dec == ORDO_STATS_NO_SHIP_GUARDRAIL && failed >= 0) {
        snprintf(why, wn, "guardrail %s is not yet shown non-inferior (margin %.4g)",
                 a->cfg.guardrails[failed].metric, gsr[failed].margin);
    } else if (dec != ORDO_STATS_SHIP) {
        snprintf(why, wn, "primary KPI %s has not improved significantly yet (p = %.3g)", pd->name,
                 prim.p_value);
    }
    return false;
}

/* The runtime so far against what a verdict on efficacy needs: the
 * document's min_runtime_days and at least one full weekly cycle. */
static void compute_runtime(ordo_analysis_t *a)
{
    /* the registry's start, unless the decisions predate it (a simulation
     * on historical dates): then the first decision */
    a->start_ts = a->cfg.started_at > 0 && (a->first_ts <= 0 || a->cfg.started_at <= a->first_ts)
                      ? a->cfg.started_at
                      : a->first_ts;
    a->runtime_days =
        a->start_ts > 0 && a->now > a->start_ts ? (double)(a->now - a->start_ts) / 86400.0 : 0;
    a->required_days = a->cfg.min_runtime_days > 7 ? a->cfg.min_runtime_days : 7;
    a->runtime_short = a->runtime_days < a->required_days;
}

/* Before the minimum runtime a verdict on efficacy (ship, or do not ship
 * for a KPI, a harm or the maximum runtime) becomes keep running, saying
 * what it would be and why it waits. */
static void hold_for_runtime(ordo_analysis_t *a, size_t v, bool safety)
{
    if (!a->runtime_short || safety || a->v_verdict[v] == ORDO_VERDICT_KEEP_RUNNING)
        return;
    char held[512];
    bool min_given = a->cfg.min_runtime_days >= 7;
    snprintf(held, sizeof held, "it has run %.1f of the %g days required (%s) — would be %s: %s",
             a->runtime_days, a->required_days,
             min_given ? "min_runtime_days" : "one full weekly cycle",
             a->v_verdict[v] == ORDO_VERDICT_SHIP ? "SHIP" : "DO NOT SHIP", a->v_reason[v]);
    a->v_verdict[v] = ORDO_VERDICT_KEEP_RUNNING;
    memcpy(a->v_reason[v], held, sizeof held);
}

/* The overall verdict: ship the treatment with the largest lift among those
 * that ship; else do-not-ship when every treatment is do-not-ship; else
 * keep running. */
static void compute_verdict(ordo_analysis_t *a)
{
    const size_t V = a->V;
    a->verdict = ORDO_VERDICT_KEEP_RUNNING;
    a->verdict_variant = -1;
    compute_runtime(a);
    if (V < 2) {
        snprintf(a->verdict_reason, sizeof a->verdict_reason,
                 "only one variant has data or is configured: nothing to compare");
        return;
    }
    bool runtime_over = false;
    if (a->cfg.max_runtime_days > 0 && a->cfg.started_at > 0)
        runtime_over = (double)(a->now - a->cfg.started_at) >= a->cfg.max_runtime_days * 86400.0;
    int best = -1;
    double best_lift = 0;
    for (size_t v = 1; v < V; v++) {
        double lift = 0;
        bool safety;
        char why[sizeof a->v_reason[v]] = "";
        test_claim(a, v);
        bool ships = variant_verdict(a, v, runtime_over, &lift, &safety, why, sizeof why);
        memcpy(a->v_reason[v], why, sizeof why);
        hold_for_runtime(a, v, safety);
        ships = ships && a->v_verdict[v] == ORDO_VERDICT_SHIP;
        if (ships && (best < 0 || lift > best_lift)) {
            best = (int)v;
            best_lift = lift;
        }
    }
    if (best > 0) {
        a->verdict = ORDO_VERDICT_SHIP;
        a->verdict_variant = best;
        snprintf(a->verdict_reason, sizeof a->verdict_reason, "%s", a->v_reason[best]);
        return;
    }
    bool all_no = true;
    int first_keep = -1, first_no = -1;
    for (size_t v = 1; v < V; v++) {
        if (a->v_verdict[v] != ORDO_VERDICT_DO_NOT_SHIP) {
            all_no = false;
            if (first_keep < 0)
                first_keep = (int)v;
        } else if (first_no < 0) {
            first_no = (int)v;
        }
    }
    int pick = all_no ? first_no : first_keep;
    a->verdict = all_no ? ORDO_VERDICT_DO_NOT_SHIP : ORDO_VERDICT_KEEP_RUNNING;
    a->verdict_variant = pick;
    snprintf(a->verdict_reason, sizeof a->verdict_reason, "%s", pick > 0 ? a->v_reason[pick] : "");
}

static void note_data(ordo_analysis_t *a)
{
    const size_t V = a->V, M = a->M;
    for (size_t v = 0; v < V; v++)
        if (!a->orders[v])
            ordo_analysis_note(a,
                               "variant %s has no orders: every comparison with it is "
                               "reported as unavailable",
                               a->cfg.variants[v]);
    if (a->nonfinite)
        ordo_analysis_note(a,
                           "%llu non-finite values (infinity) in the rows were treated as "
                           "missing",
                           (unsigned long long)a->nonfinite);
    if (a->mixed_units)
        ordo_analysis_note(a,
                           "%llu units had orders in more than one variant; each is analysed "
                           "in the variant of its first order",
                           (unsigned long long)a->mixed_units);
    if (a->outside_days && a->K)
        ordo_analysis_note(a,
                           "%llu orders had no usable timestamp (or fell outside a %d-day "
                           "span): left out of the time series only",
                           (unsigned long long)a->outside_days, AN_MAX_DAYS);
    if (a->has_counts && a->counts.invalid_outcome)
        ordo_analysis_note(a,
                           "%llu orders have outcomes that cannot be true (%llu with an event "
                           "before the order was decided, %llu delivered or returned before "
                           "they shipped): set aside, not analysed (counted as without outcome "
                           "events)",
                           (unsigned long long)a->counts.invalid_outcome,
                           (unsigned long long)a->counts.invalid_before_order,
                           (unsigned long long)a->counts.invalid_delivered_before_shipped);
    uint64_t total = 0, nocov = 0;
    for (size_t v = 0; v < V; v++)
        total += a->orders[v];
    int cm = ordo_metric_set_find(&a->cfg.metrics, "cost_per_order");
    if (cm < 0)
        cm = 0;
    for (size_t v = 0; v < V; v++)
        nocov += a->nocov[v * M + (size_t)cm];
    if (!a->unit_map && total) {
        if (!a->kcset)
            ordo_analysis_note(a, "no decision record carries a planned cost under the control "
                                  "policy (no shadow record with the control policy): CUPED "
                                  "skipped; estimates are unadjusted");
        else if (nocov)
            ordo_analysis_note(a,
                               "%llu orders lack a planned cost under the control policy: CUPED "
                               "skipped for the metrics they affect",
                               (unsigned long long)nocov);
    }
}

int ordo_analysis_finish(ordo_analysis_t *a, int64_t now, ordo_error_t *err)
{
    if (a->finished)
        return ORDO_OK;
    an_lanes_flush(a);
    const size_t V = a->V, M = a->M, K = a->K, D = a->n_days;
    a->now = now ? now : a->last_ts;
    a->arms = calloc(V * M, sizeof *a->arms);
    a->cmps = calloc(V * M, sizeof *a->cmps);
    a->guards = calloc((a->cfg.n_guardrails ? a->cfg.n_guardrails : 1) * V, sizeof *a->guards);
    a->seq_tau2 = calloc((K ? K : 1) * V, sizeof *a->seq_tau2);
    a->seq = calloc((K ? K : 1) * V * (D ? D : 1), sizeof *a->seq);
    a->ts_value = calloc((K ? K : 1) * V * (D ? D : 1), sizeof *a->ts_value);
    bool ok = a->arms && a->cmps && a->guards && a->seq_tau2 && a->seq && a->ts_value;
    for (int d = 0; d < AN_DIMS; d++) {
        a->segres[d] = calloc(a->seg_n[d] * (K ? K : 1), sizeof(an_seg_cell_t));
        ok = ok && a->segres[d];
    }
    if (!ok)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    note_data(a);
    compute_metrics(a);
    compute_poststrat(a);
    compute_srm(a);
    compute_sequential(a);
    compute_segments(a);
    compute_corrections(a);
    compute_guardrails(a);
    compute_verdict(a);
    an_shadow_finish(a);
    an_ops_finish(&a->ops, a->V, a->cfg.alpha);
    a->finished = true;
    return ORDO_OK;
}

ordo_analyze_verdict_t ordo_analysis_verdict(const ordo_analysis_t *a, const char **variant,
                                             const char **reason)
{
    if (variant)
        *variant = a->verdict_variant > 0 ? a->cfg.variants[a->verdict_variant] : NULL;
    if (reason)
        *reason = a->verdict_reason;
    return a->verdict;
}

size_t ordo_analysis_breaches(const ordo_analysis_t *a, ordo_analyze_breach_t *out, size_t cap)
{
    if (!a->finished)
        return 0;
    size_t n = 0;
    const size_t V = a->V, D = a->n_days;
    for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
        for (size_t v = 1; v < V; v++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            if (!gr->breached)
                continue;
            if (n < cap) {
                ordo_analyze_breach_t *b = &out[n];
                memset(b, 0, sizeof *b);
                snprintf(b->metric, sizeof b->metric, "%s", a->cfg.guardrails[g].metric);
                snprintf(b->variant, sizeof b->variant, "%s", a->cfg.variants[v]);
                b->margin = gr->margin; /* in force: a relative margin made absolute */
                int k = a->key_of[gr->metric];
                for (size_t dd = D; dd-- > 0;) {
                    const an_seq_point_t *pt = &a->seq[((size_t)k * V + v) * D + dd];
                    if (pt->ok) {
                        b->estimate = pt->estimate;
                        b->cs_low = pt->cs_low;
                        b->cs_high = pt->cs_high;
                        b->p_value = pt->p_value;
                        break;
                    }
                }
            }
            n++;
        }
    }
    return n;
}
