/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the shadow comparison: a candidate policy's would-be plans
 * against the real decisions of the same orders, paired per order.
 *
 * Per real arm and metric one ordo_moments_t of (x = shadow − real,
 * y = real): the paired mean difference, its variance and the mean of
 * each side, O(arms) whatever the number of orders. The interval is the
 * paired t interval mean(d) ± t(1 − α/2, n − 1) · sd(d) / √n with the t
 * quantile from src/stats (docs/internals/ANALYZE.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const shadow_metric_names[ORDO_AN_SHADOW_METRICS] = {
    "planned_cost", "planned_on_time_prob", "shipments", "split_rate"};

const char *ordo_analyze_shadow_metric_name(int m)
{
    return m >= 0 && m < ORDO_AN_SHADOW_METRICS ? shadow_metric_names[m] : NULL;
}

const char *an_shadow_group_label(const ordo_analysis_t *a, size_t g)
{
    if (g < a->V)
        return a->cfg.variants[g];
    return g == AN_SHADOW_OUT(a) ? "not in experiment" : "all";
}

/* ------------------------------------------------------------------ */
/* Plan summaries */

/* ordo_hash64 of s's bytes ^ its length; a string held by the facts'
 * reader (an_memo_of) keeps it beside it. */
static inline uint64_t str_hash(const char *s)
{
    an_memo_t *m = an_memo_of(s);
    if (!m) {
        size_t n = strlen(s);
        return ordo_hash64(s, n) ^ (uint64_t)n;
    }
    if (!m->has_h64) {
        m->h64 = ordo_hash64(m->s, m->len) ^ (uint64_t)m->len;
        m->has_h64 = true;
    }
    return m->h64;
}

void an_plan_sig(const ordo_record_plan_t *plan, uint64_t sig[2])
{
    sig[0] = sig[1] = 0;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        const ordo_record_shipment_t *s = &plan->shipments[i];
        uint64_t hs = an_mix64(0x6f72646f ^ str_hash(s->node ? s->node : ""));
        hs = an_mix64(hs ^ str_hash(s->service ? s->service : ""));
        for (uint32_t k = 0; k < s->n_lines; k++) {
            double q = s->lines[k].quantity;
            uint64_t h = an_mix64(hs ^ str_hash(s->lines[k].sku ? s->lines[k].sku : ""));
            h = an_mix64(h ^ (isfinite(q) ? (uint64_t)(int64_t)q : UINT64_MAX));
            sig[0] += h;
            sig[1] += an_mix64(h ^ 0x9e3779b97f4a7c15ULL);
        }
    }
}

int ordo_analyze_plan_summary(const ordo_record_t *rec, ordo_analyze_plan_summary_t *out,
                              ordo_error_t *err)
{
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        out->v[m] = NAN;
    out->has_sig = false;
    out->sig[0] = out->sig[1] = 0;
    const ordo_record_plan_t *plan = &rec->plan;
    if (!plan->present)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "plan", "missing");
    out->v[ORDO_AN_SHADOW_COST] = plan->cost.total;
    out->v[ORDO_AN_SHADOW_ON_TIME] = plan->on_time_prob;
    double n = plan->shipments_total;
    if (!isfinite(n) && plan->has_shipments)
        n = plan->n_shipments;
    out->v[ORDO_AN_SHADOW_SHIPMENTS] = n;
    out->v[ORDO_AN_SHADOW_SPLIT] = isfinite(n) ? (n > 1) : NAN;
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        if (!isfinite(out->v[m]))
            out->v[m] = NAN;
    if (!plan->has_shipments)
        return ORDO_OK;
    out->has_sig = true;
    an_plan_sig(plan, out->sig);
    return ORDO_OK;
}

/* ------------------------------------------------------------------ */
/* Accumulation */

_Static_assert(ORDO_AN_SHADOW_METRICS == 4, "the lanes are 4-wide");

/* Four doubles at once, at any 8-byte alignment; with AVX2 (the clones)
 * one 256-bit operation, elsewhere two 128-bit ones. Each lane is the IEEE
 * operation the scalar update makes. */
typedef double sh_v4_t __attribute__((vector_size(32), aligned(8)));
typedef int64_t sh_i4_t __attribute__((vector_size(32), aligned(8)));

/* The four updates at once, counts equal (n before the pair). 1 / n is
 * taken from the previous shared update when it divided for this n (the
 * same quotient, only earlier: the division is off the pair's path), else
 * divided here. Inlined into the clones (pointers, not vectors by value:
 * a 32-byte vector argument takes another ABI with AVX than without). */
static inline __attribute__((always_inline)) void lanes_shared(an_shadow_lanes_t *L,
                                                               const sh_v4_t *x, const sh_v4_t *y)
{
    const uint64_t n = L->n[0] + 1;
    if (n == 1) { /* every shift is its metric's first value */
        *(sh_v4_t *)L->k_x = *x;
        *(sh_v4_t *)L->k_y = *y;
    }
    const double inv1 = L->inv_n == n ? L->inv_next : 1.0 / (double)n;
    const sh_v4_t inv = {inv1, inv1, inv1, inv1};
    const sh_v4_t xs = *x - *(const sh_v4_t *)L->k_x;
    const sh_v4_t ys = *y - *(const sh_v4_t *)L->k_y;
    sh_v4_t *mean_x = (sh_v4_t *)L->mean_x, *mean_y = (sh_v4_t *)L->mean_y;
    const sh_v4_t dx = xs - *mean_x, dy = ys - *mean_y;
    *mean_x += dx * inv;
    *mean_y += dy * inv;
    const sh_v4_t dx2 = xs - *mean_x;
    *(sh_v4_t *)L->m2_x += dx * dx2;
    *(sh_v4_t *)L->m2_y += dy * (ys - *mean_y);
    *(sh_v4_t *)L->c_xy += dy * dx2;
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        L->n[m] = n;
    L->inv_n = n + 1;
    L->inv_next = 1.0 / (double)(n + 1);
}

static bool lanes_same_n(const an_shadow_lanes_t *L)
{
    return L->n[0] == L->n[1] && L->n[0] == L->n[2] && L->n[0] == L->n[3];
}

AN_CLONES void an_shadow_lanes_add_shared(an_shadow_lanes_t *L, const double *x, const double *y)
{
    const sh_v4_t xv = *(const sh_v4_t *)x, yv = *(const sh_v4_t *)y;
    lanes_shared(L, &xv, &yv);
}

/* A pair from the two plans' summaries (each written as one 4-wide store,
 * an_summary_of_fact, so read back as one): x = shadow − real, y = real. */
AN_CLONES static void lanes_add_pair(an_shadow_lanes_t *L, const double *real, const double *shadow)
{
    const sh_v4_t r = *(const sh_v4_t *)real, s = *(const sh_v4_t *)shadow;
    const sh_i4_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const sh_v4_t inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    const sh_i4_t ok = ((sh_v4_t)((sh_i4_t)r & absm) < inf) & ((sh_v4_t)((sh_i4_t)s & absm) < inf);
    const unsigned fin = (unsigned)(ok[0] & 1) | (unsigned)(ok[1] & 1) << 1 |
                         (unsigned)(ok[2] & 1) << 2 | (unsigned)(ok[3] & 1) << 3;
    const sh_v4_t x = s - r;
    if (fin == 15 && lanes_same_n(L)) {
        lanes_shared(L, &x, &r);
        return;
    }
    double xa[ORDO_AN_SHADOW_METRICS], ya[ORDO_AN_SHADOW_METRICS];
    memcpy(xa, &x, sizeof xa);
    memcpy(ya, &r, sizeof ya);
    an_shadow_lanes_add(L, xa, ya, fin);
}

/* Lane m set to the moments *in (an_shadow_lanes_get's inverse). */
static void lanes_set(an_shadow_lanes_t *L, int m, const ordo_moments_t *in)
{
    L->n[m] = in->n;
    L->k_x[m] = in->k_x;
    L->k_y[m] = in->k_y;
    L->mean_x[m] = in->mean_x;
    L->m2_x[m] = in->m2_x;
    L->mean_y[m] = in->mean_y;
    L->m2_y[m] = in->m2_y;
    L->c_xy[m] = in->c_xy;
}

void an_shadow_lanes_add(an_shadow_lanes_t *L, const double *x, const double *y, unsigned fin)
{
    if (fin == (1u << ORDO_AN_SHADOW_METRICS) - 1 && lanes_same_n(L)) {
        an_shadow_lanes_add_shared(L, x, y);
        return;
    }
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
        if (!(fin >> m & 1))
            continue;
        ordo_moments_t mo;
        an_shadow_lanes_get(L, m, &mo);
        ordo_moments_add2(&mo, x[m], y[m]);
        lanes_set(L, m, &mo);
    }
}

void an_shadow_lanes_get(const an_shadow_lanes_t *L, int m, ordo_moments_t *out)
{
    out->n = L->n[m];
    out->k_x = L->k_x[m];
    out->k_y = L->k_y[m];
    out->mean_x = L->mean_x[m];
    out->m2_x = L->m2_x[m];
    out->mean_y = L->mean_y[m];
    out->m2_y = L->m2_y[m];
    out->c_xy = L->c_xy[m];
}

int ordo_analysis_add_shadow(ordo_analysis_t *a, int arm, const ordo_analyze_plan_summary_t *real,
                             const ordo_analyze_plan_summary_t *shadow, ordo_error_t *err)
{
    if (a->finished)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "analysis already finished");
    if (arm < -1 || arm >= (int)a->V)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "arm", "arm %d out of range", arm);
    an_shadow_group_t *g = &a->shadow[arm < 0 ? AN_SHADOW_OUT(a) : (size_t)arm];
    g->orders++;
    lanes_add_pair(&g->lanes, real->v, shadow->v);
    if (real->has_sig && shadow->has_sig) {
        g->compared++;
        g->differ += real->sig[0] != shadow->sig[0] || real->sig[1] != shadow->sig[1];
    }
    return ORDO_OK;
}

void ordo_analysis_set_shadow_info(ordo_analysis_t *a, const ordo_analyze_shadow_info_t *info)
{
    a->shadow_info = *info;
    a->has_shadow_info = true;
}

/* ------------------------------------------------------------------ */
/* Finish */

static void paired(const ordo_moments_t *mo, double alpha, an_shadow_stat_t *r)
{
    memset(r, 0, sizeof *r);
    r->n = mo->n;
    r->real = r->shadow = NAN;
    r->diff.estimate = r->diff.se = r->diff.ci_low = r->diff.ci_high = NAN;
    r->diff.stat = r->diff.p_value = r->diff.df = NAN;
    if (mo->n == 0) {
        snprintf(r->reason, sizeof r->reason, "no order with this value in both plans");
        return;
    }
    double d = ordo_moments_mean_x(mo);
    r->real = ordo_moments_mean_y(mo);
    r->shadow = r->real + d;
    r->diff.estimate = d;
    if (mo->n < 2) {
        snprintf(r->reason, sizeof r->reason, "fewer than 2 paired orders");
        return;
    }
    double n = (double)mo->n, df = n - 1;
    double var = ordo_moments_var_x(mo);
    double se = sqrt(var > 0 ? var / n : 0);
    double q = ordo_t_isf(alpha / 2, df);
    if (!isfinite(q) || !isfinite(se)) {
        snprintf(r->reason, sizeof r->reason, "t quantile unavailable");
        return;
    }
    r->ok = true;
    r->diff.se = se;
    r->diff.df = df;
    r->diff.ci_low = d - q * se;
    r->diff.ci_high = d + q * se;
    if (se > 0) {
        r->diff.stat = d / se;
        r->diff.p_value = fmin(1.0, 2 * ordo_t_sf(fabs(r->diff.stat), df));
    } else {
        /* every order differs by the same amount: no spread to test */
        r->diff.flags |= ORDO_STATS_F_ZERO_VARIANCE;
        r->diff.stat = NAN;
        r->diff.p_value = d == 0 ? 1 : 0;
    }
    if (mo->n < 30)
        r->diff.flags |= ORDO_STATS_F_SMALL_SAMPLE;
}

void an_shadow_finish(ordo_analysis_t *a)
{
    an_shadow_group_t *all = &a->shadow[AN_SHADOW_ALL(a)];
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        ordo_moments_init(&all->m[m]);
    all->orders = all->compared = all->differ = 0;
    for (size_t g = 0; g <= AN_SHADOW_OUT(a); g++) {
        an_shadow_group_t *s = &a->shadow[g];
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
            an_shadow_lanes_get(&s->lanes, m, &s->m[m]);
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
            ordo_moments_merge(&all->m[m], &s->m[m]);
        all->orders += s->orders;
        all->compared += s->compared;
        all->differ += s->differ;
    }
    for (size_t g = 0; g <= AN_SHADOW_ALL(a); g++)
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
            paired(&a->shadow[g].m[m], a->cfg.alpha, &a->shadow[g].res[m]);
    const ordo_analyze_shadow_info_t *si = &a->shadow_info;
    if (!a->has_shadow_info)
        return;
    if (si->policy_changes)
        ordo_analysis_note(a,
                           "%llu shadow records name a different shadow policy version than "
                           "the first (%s): all are compared together",
                           (unsigned long long)si->policy_changes, si->policy_version);
    if (si->unpaired)
        ordo_analysis_note(a,
                           "%llu shadow records have no real decision of the same order beside "
                           "them in the log: left out of the shadow comparison",
                           (unsigned long long)si->unpaired);
}
