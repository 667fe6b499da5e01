/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the operational metrics per variant: customer satisfaction,
 * dock-to-truck time, cancellation rate, labour utilisation of the nodes
 * used (each arm's mean with its interval) and the pick rate's variance
 * (with its interval). The values come from measure outcome events
 * (docs/outcomes.md); every interval is a call into src/stats. The section
 * is shown only when some order carried a measure, so reports of data
 * without measures are unchanged. docs/internals/ANALYZE.md "Operational
 * metrics". */
#include <math.h>
#include <stdio.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

static const char *const ops_key[AN_OPS_N] = {"satisfaction", "dock_to_truck_hours", "cancel_rate",
                                              "labour_utilisation", "pick_rate"};
static const char *const ops_label[AN_OPS_N] = {
    "satisfaction (0-5)", "dock-to-truck h", "cancel rate", "labour utilisation", "pick rate u/h"};

/* ordo_moments_add(m, x) for moments that only ever get x (ordo_moments_add2
 * with y = 0): the same operations on x, in the same order, without those
 * on y, which would leave mean_y, m2_y and c_xy at +0 (their terms are
 * +0 - +0, +0 * inv and +0 * d, and +0 + -0 is +0): the same bits
 * (test_acc_terms), inlined in the row loop (ANALYZE.md "At scale"). */
static inline void moments_add_x(ordo_moments_t *m, double *inv_next, double x)
{
    /* 1 / n: 1 for the first value, else divided at the previous update
     * (the same quotient, only earlier: the division's latency is off the
     * row's path) */
    double inv = 1.0;
    if (m->n == 0) {
        m->k_x = x;
        m->k_y = 0.0;
    } else {
        inv = *inv_next;
    }
    x -= m->k_x;
    m->n++;
    double dx = x - m->mean_x;
    m->mean_x += dx * inv;
    m->m2_x += dx * (x - m->mean_x);
    /* n + 1 as a signed count (below 2^63): the same double, converted
     * without the unsigned conversion's test */
    *inv_next = 1.0 / (double)(int64_t)(m->n + 1);
}

/* Bit i set when ms[i] is finite, i < 4. */
static inline unsigned finite_mask4(const double *ms)
{
#ifdef __SSE2__
    /* two at a time: |x| < inf is false for NaN and the infinities */
    const __m128d absm = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX));
    const __m128d inf = _mm_set1_pd(INFINITY);
    const __m128d lo = _mm_and_pd(_mm_loadu_pd(ms), absm);
    const __m128d hi = _mm_and_pd(_mm_loadu_pd(ms + 2), absm);
    return (unsigned)_mm_movemask_pd(_mm_cmplt_pd(lo, inf)) |
           (unsigned)_mm_movemask_pd(_mm_cmplt_pd(hi, inf)) << 2;
#else
    return (unsigned)isfinite(ms[0]) | (unsigned)isfinite(ms[1]) << 1 |
           (unsigned)isfinite(ms[2]) << 2 | (unsigned)isfinite(ms[3]) << 3;
#endif
}

void an_ops_add(an_ops_t *ops, const ordo_analyze_row_t *row)
{
    if (row->variant >= ORDO_EXP_MAX_ARMS)
        return;
    ordo_moments_t *m = ops->m[row->variant];
    double *inv = ops->inv_next[row->variant];
    const double *v = row->v;
    if (isfinite(v[ORDO_AF_CANCELLED]))
        moments_add_x(&m[AN_OPS_CANCELLED], &inv[AN_OPS_CANCELLED], v[ORDO_AF_CANCELLED]);
    /* the four measures, most often absent (NaN), tested at once; each
     * moment on its own, so the order they are added in changes nothing */
    _Static_assert(ORDO_AF_DOCK_TO_TRUCK_HOURS == ORDO_AF_SATISFACTION + 1 &&
                       ORDO_AF_LABOUR_UTILISATION == ORDO_AF_SATISFACTION + 2 &&
                       ORDO_AF_PICK_RATE == ORDO_AF_SATISFACTION + 3,
                   "the measures' fields, as read below");
    static const uint8_t measure_op[4] = {AN_OPS_SATISFACTION, AN_OPS_DOCK_TO_TRUCK, AN_OPS_LABOUR,
                                          AN_OPS_PICK_RATE};
    const double *ms = &v[ORDO_AF_SATISFACTION];
    unsigned fin = finite_mask4(ms);
    if (!fin)
        return;
    ops->any = true;
    do {
        const int i = __builtin_ctz(fin);
        moments_add_x(&m[measure_op[i]], &inv[measure_op[i]], ms[i]);
        fin &= fin - 1;
    } while (fin);
}

void an_ops_finish(an_ops_t *ops, size_t n_variants, double alpha)
{
    for (size_t v = 0; v < n_variants && v < ORDO_EXP_MAX_ARMS; v++) {
        for (int k = 0; k < AN_OPS_N; k++)
            ops->ok[v][k] =
                ordo_stats_mean_interval(&ops->m[v][k], alpha, &ops->mean[v][k], NULL) == ORDO_OK;
        ops->var_ok[v] = ordo_stats_var_interval(&ops->m[v][AN_OPS_PICK_RATE], alpha,
                                                 &ops->pick_var[v], NULL) == ORDO_OK;
    }
}

/* "4.52 [4.49, 4.55]", the mean alone with one value, or "n/a". */
static const char *cell(const an_ops_t *ops, size_t v, int k, char *buf, size_t n)
{
    char b1[32], b2[32], b3[32];
    const ordo_moments_t *m = &ops->m[v][k];
    const ordo_stats_result_t *r = &ops->mean[v][k];
    if (ops->ok[v][k])
        snprintf(buf, n, "%s [%s, %s]", an_fmt(r->estimate, b1, sizeof b1),
                 an_fmt(r->ci_low, b2, sizeof b2), an_fmt(r->ci_high, b3, sizeof b3));
    else
        snprintf(buf, n, "%s", m->n ? an_fmt(ordo_moments_mean_x(m), b1, sizeof b1) : "n/a");
    return buf;
}

static const char *var_cell(const an_ops_t *ops, size_t v, char *buf, size_t n)
{
    char b1[32], b2[32], b3[32];
    const ordo_stats_result_t *r = &ops->pick_var[v];
    if (!ops->var_ok[v])
        return "n/a";
    snprintf(buf, n, "%s [%s, %s]", an_fmt(r->estimate, b1, sizeof b1),
             an_fmt(r->ci_low, b2, sizeof b2), an_fmt(r->ci_high, b3, sizeof b3));
    return buf;
}

void an_ops_write_text(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const an_ops_t *ops = &a->ops;
    if (!ops->any)
        return;
    ordo_buf_printf(o, "\nOperational metrics (per variant: mean [%g%% interval], orders)\n",
                    100 * (1 - a->cfg.alpha));
    char buf[128];
    for (size_t v = 0; v < a->V; v++) {
        ordo_buf_printf(o, "  %s\n", a->cfg.variants[v]);
        for (int k = 0; k < AN_OPS_N; k++)
            ordo_buf_printf(o, "    %-22s %-32s %llu\n", ops_label[k],
                            cell(ops, v, k, buf, sizeof buf), (unsigned long long)ops->m[v][k].n);
        ordo_buf_printf(o, "    %-22s %-32s %llu\n", "pick-rate variance",
                        var_cell(ops, v, buf, sizeof buf),
                        (unsigned long long)ops->m[v][AN_OPS_PICK_RATE].n);
    }
}

static void kd(ordo_jsonw_t *w, const char *k, double v)
{
    ordo_jsonw_key(w, k);
    if (isfinite(v))
        ordo_jsonw_double(w, v);
    else
        ordo_jsonw_null(w);
}

/* {"orders", "value", "ci_low", "ci_high"}: nulls when not computed. */
static void write_interval(ordo_jsonw_t *w, const char *key, uint64_t n, bool ok,
                           const ordo_stats_result_t *r, double fallback)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "orders", (int64_t)n);
    kd(w, "value", ok ? r->estimate : fallback);
    kd(w, "ci_low", ok ? r->ci_low : NAN);
    kd(w, "ci_high", ok ? r->ci_high : NAN);
    ordo_jsonw_obj_end(w);
}

void an_ops_write_json(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const an_ops_t *ops = &a->ops;
    if (!ops->any)
        return;
    ordo_jsonw_key(w, "operations");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
        for (int k = 0; k < AN_OPS_N; k++) {
            const ordo_moments_t *m = &ops->m[v][k];
            write_interval(w, ops_key[k], m->n, ops->ok[v][k], &ops->mean[v][k],
                           m->n ? ordo_moments_mean_x(m) : NAN);
        }
        write_interval(w, "pick_rate_variance", ops->m[v][AN_OPS_PICK_RATE].n, ops->var_ok[v],
                       &ops->pick_var[v], NAN);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

void an_ops_write_html(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const an_ops_t *ops = &a->ops;
    if (!ops->any)
        return;
    ordo_buf_printf(o,
                    "<section id=\"operations\"><h2>Operational metrics</h2>\n"
                    "<p class=\"small\">Per variant, from measure outcome events: the mean "
                    "and its %g%% interval; the pick rate's variance across orders (chi-square "
                    "interval).</p>\n<table><tr><th class=\"l\">variant</th>",
                    100 * (1 - a->cfg.alpha));
    for (int k = 0; k < AN_OPS_N; k++)
        ordo_buf_printf(o, "<th>%s</th>", ops_label[k]);
    ordo_buf_puts(o, "<th>pick-rate variance</th></tr>\n");
    char buf[128];
    for (size_t v = 0; v < a->V; v++) {
        ordo_buf_puts(o, "<tr><td class=\"l\">");
        an_html_esc(o, a->cfg.variants[v]);
        ordo_buf_puts(o, "</td>");
        for (int k = 0; k < AN_OPS_N; k++)
            ordo_buf_printf(o, "<td>%s</td>", cell(ops, v, k, buf, sizeof buf));
        ordo_buf_printf(o, "<td>%s</td></tr>\n", var_cell(ops, v, buf, sizeof buf));
    }
    ordo_buf_puts(o, "</table>\n</section>\n");
}
