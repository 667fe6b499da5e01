/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the standalone HTML report: inline CSS and SVG charts, no
 * script, no external asset. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const palette[] = {"#4c72b0", "#dd8452", "#55a868", "#c44e52",
                                      "#8172b3", "#937860", "#da8bc3", "#8c8c8c"};
#define PAL(i) palette[(i) % (sizeof palette / sizeof palette[0])]

static void esc(ordo_buf_t *o, const char *s)
{
    an_html_esc(o, s);
}

static const char *pfmt(double p, char *b, size_t n)
{
    if (!isfinite(p))
        snprintf(b, n, "n/a");
    else if (p < 1e-4)
        snprintf(b, n, "&lt;0.0001");
    else
        snprintf(b, n, "%.4f", p);
    return b;
}

static const char *css =
    "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;"
    "color:#222;max-width:1100px}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;"
    "border-bottom:1px solid #ddd}table{border-collapse:collapse;font-size:.85em;margin:.5em 0}"
    "th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}th{background:#f4f4f4}"
    "td.l,th.l{text-align:left}.verdict{padding:12px 16px;border-radius:6px;font-size:1.1em}"
    ".ship{background:#e3f4e6;border:1px solid #55a868}.do_not_ship{background:#fbe5e5;"
    "border:1px solid #c44e52}.keep_running{background:#fff6dd;border:1px solid #d9a400}"
    ".ok{color:#2a7a3a}.bad{color:#b22}.warn{color:#a07000}svg{background:#fff}"
    "svg text{font-size:11px;font-family:inherit}.small{font-size:.85em;color:#555}";

/* ---- line charts over days ---- */

typedef struct series {
    const double *y;  /* n values, stride */
    size_t stride;
    const char *color;
    const char *label;
} series_t;

/* Left margin of the charts: room for the longest tick label ("−0.025"). */
#define CL 78.0

static void chart_frame(ordo_buf_t *o, double w, double h, const char *title, double ymin,
                        double ymax, int64_t day0, size_t n)
{
    ordo_buf_printf(o,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                    "role=\"img\">\n",
                    w, h);
    ordo_buf_puts(o, "<text x=\"8\" y=\"14\">");
    esc(o, title);
    ordo_buf_puts(o, "</text>\n");
    ordo_buf_printf(o,
                    "<rect x=\"%.0f\" y=\"22\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                    "stroke=\"#ccc\"/>\n",
                    CL, w - CL - 10, h - 52);
    /* ticks at round numbers inside [ymin, ymax] */
    double step = an_nice_step(ymax - ymin, 5);
    int dec = an_step_decimals(step);
    for (double t = ceil(ymin / step - 1e-9) * step; t <= ymax + 1e-9 * step; t += step) {
        double y = 22 + (h - 52) * (1 - (ymax > ymin ? (t - ymin) / (ymax - ymin) : 0.5));
        double v = fabs(t) < step * 1e-6 ? 0 : t;
        ordo_buf_printf(o,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"#eee\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                        "text-anchor=\"end\">%s%.*f</text>\n",
                        CL, y, w - 10, y, CL - 4, y + 4, v < 0 ? "&#8722;" : "", dec, fabs(v));
    }
    char d1[32], d2[32];
    ordo_time_format(day0 * 86400, d1, sizeof d1);
    ordo_time_format((day0 + (int64_t)(n ? n - 1 : 0)) * 86400, d2, sizeof d2);
    d1[10] = d2[10] = 0;
    ordo_buf_printf(o, "<text x=\"%.0f\" y=\"%.1f\">%s</text>\n", CL, h - 14, d1);
    ordo_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", w - 10,
                    h - 14, d2);
}

static double px(size_t i, size_t n, double w)
{
    return CL + (n > 1 ? (double)i / (double)(n - 1) : 0.5) * (w - CL - 10);
}

static double py(double v, double ymin, double ymax, double h)
{
    double f = ymax > ymin ? (v - ymin) / (ymax - ymin) : 0.5;
    return 22 + (h - 52) * (1 - f);
}

static void cumulative_chart(const ordo_analysis_t *a, size_t k, ordo_buf_t *o)
{
    const size_t V = a->V, D = a->n_days;
    const double w = 520, h = 220;
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t d = 0; d < D; d++)
        for (size_t v = 0; v < V; v++) {
            double y = a->ts_value[(k * D + d) * V + v];
            if (isfinite(y)) {
                ymin = fmin(ymin, y);
                ymax = fmax(ymax, y);
            }
        }
    const ordo_metric_def_t *md = &a->cfg.metrics.m[a->key[k]];
    char title[160];
    snprintf(title, sizeof title, "%s: cumulative value per variant", an_metric_label(md));
    if (!isfinite(ymin)) {
        ordo_buf_puts(o, "<p class=\"small\">");
        esc(o, title);
        ordo_buf_puts(o, ": no data over time.</p>\n");
        return;
    }
    double pad = (ymax - ymin) * 0.05 + (ymax == ymin ? fabs(ymax) * 0.05 + 1e-9 : 0);
    ymin -= pad;
    ymax += pad;
    chart_frame(o, w, h, title, ymin, ymax, a->day0, D);
    for (size_t v = 0; v < V; v++) {
        ordo_buf_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                        PAL(v));
        bool any = false;
        for (size_t d = 0; d < D; d++) {
            double y = a->ts_value[(k * D + d) * V + v];
            if (!isfinite(y))
                continue;
            ordo_buf_printf(o, "%s%.1f,%.1f", any ? " " : "", px(d, D, w), py(y, ymin, ymax, h));
            any = true;
        }
        ordo_buf_puts(o, "\"/>\n");
        ordo_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", CL + 10 + 90.0 * (double)v,
                        h - 30, PAL(v));
        esc(o, a->cfg.variants[v]);
        ordo_buf_puts(o, "</text>\n");
    }
    ordo_buf_puts(o, "</svg>\n");
}

static void sequential_chart(const ordo_analysis_t *a, size_t k, size_t v, ordo_buf_t *o)
{
    const size_t V = a->V, D = a->n_days;
    const an_seq_point_t *pts = &a->seq[(k * V + v) * D];
    const double w = 520, h = 220;
    double ymin = 0, ymax = 0;
    size_t n_ok = 0;
    for (size_t d = 0; d < D; d++)
        if (pts[d].ok) {
            n_ok++;
            double lo = pts[d].cs_low, hi = pts[d].cs_high;
            if (isfinite(lo))
                ymin = fmin(ymin, lo);
            if (isfinite(hi))
                ymax = fmax(ymax, hi);
            ymin = fmin(ymin, pts[d].estimate);
            ymax = fmax(ymax, pts[d].estimate);
        }
    const ordo_metric_def_t *md = &a->cfg.metrics.m[a->key[k]];
    char title[200];
    snprintf(title, sizeof title, "%s: %s − %s with the %.0f%% confidence sequence",
             an_metric_label(md),
             a->cfg.variants[v], a->cfg.variants[0], 100 * (1 - a->cfg.alpha));
    if (!n_ok) {
        ordo_buf_puts(o, "<p class=\"small\">");
        esc(o, title);
        ordo_buf_puts(o, ": not enough data for a sequential look yet.</p>\n");
        return;
    }
    /* an infinite first look would flatten the chart: clip to 4× the last width */
    const an_seq_point_t *last = NULL;
    for (size_t d = 0; d < D; d++)
        if (pts[d].ok)
            last = &pts[d];
    double span = (last->cs_high - last->cs_low) * 2 + fabs(last->estimate);
    if (isfinite(span) && span > 0) {
        ymin = fmax(ymin, last->estimate - 2 * span);
        ymax = fmin(ymax, last->estimate + 2 * span);
    }
    double pad = (ymax - ymin) * 0.05 + 1e-12;
    ymin -= pad;
    ymax += pad;
    chart_frame(o, w, h, title, ymin, ymax, a->day0, D);
    /* band as one polygon: upper edge forward, lower edge back */
    ordo_buf_puts(o, "<polygon fill=\"#4c72b0\" fill-opacity=\"0.2\" stroke=\"none\" points=\"");
    bool any = false;
    for (size_t d = 0; d < D; d++)
        if (pts[d].ok) {
            double hi = fmin(ymax, fmax(ymin, pts[d].cs_high));
            ordo_buf_printf(o, "%s%.1f,%.1f", any ? " " : "", px(d, D, w), py(hi, ymin, ymax, h));
            any = true;
        }
    for (size_t d = D; d-- > 0;)
        if (pts[d].ok) {
            double lo = fmin(ymax, fmax(ymin, pts[d].cs_low));
            ordo_buf_printf(o, " %.1f,%.1f", px(d, D, w), py(lo, ymin, ymax, h));
        }
    ordo_buf_puts(o, "\"/>\n");
    ordo_buf_puts(o, "<polyline fill=\"none\" stroke=\"#4c72b0\" stroke-width=\"2\" points=\"");
    any = false;
    for (size_t d = 0; d < D; d++)
        if (pts[d].ok) {
            double e = fmin(ymax, fmax(ymin, pts[d].estimate));
            ordo_buf_printf(o, "%s%.1f,%.1f", any ? " " : "", px(d, D, w), py(e, ymin, ymax, h));
            any = true;
        }
    ordo_buf_puts(o, "\"/>\n");
    if (ymin < 0 && ymax > 0)
        ordo_buf_printf(o,
                        "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                        "stroke-dasharray=\"3,3\"/>\n",
                        CL, py(0, ymin, ymax, h), w - 10, py(0, ymin, ymax, h));
    /* guardrail margin, if this metric is a guardrail */
    for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
        if (strcmp(a->cfg.guardrails[g].metric, md->name))
            continue;
        double gm = a->guards[g * V + v].margin;
        double mline = a->cfg.guardrails[g].direction == ORDO_EXP_DIR_DECREASE ? -gm : gm;
        if (mline > ymin && mline < ymax)
            ordo_buf_printf(o,
                            "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                            "stroke=\"#c44e52\" stroke-dasharray=\"6,3\"/>\n"
                            "<text x=\"%.1f\" y=\"%.1f\" fill=\"#c44e52\" "
                            "text-anchor=\"end\">margin</text>\n",
                            CL, py(mline, ymin, ymax, h), w - 10, py(mline, ymin, ymax, h), w - 12,
                            py(mline, ymin, ymax, h) - 3);
    }
    ordo_buf_puts(o, "</svg>\n");
}

/* ---- tables ---- */

static void metrics_table(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V, M = a->M;
    char b1[32], b2[32], b3[32], b4[32];
    ordo_buf_puts(o, "<table><tr><th class=\"l\">metric</th><th class=\"l\">variant</th>"
                     "<th>value</th><th>orders</th><th>missing</th><th>difference</th>"
                     "<th>CI</th><th>lift</th><th>p</th><th>p (Holm)</th><th>p (BH)</th>"
                     "<th class=\"l\">method</th></tr>\n");
    static const char *const groups[3] = {"Primary KPIs", "Secondary metrics", "Guardrails"};
    int shown = -1;
    for (size_t gm = 0; gm < 3 * M; gm++) {
        size_t m = gm % M;
        int g = (int)(gm / M);
        if (an_metric_group(a, m) != g)
            continue;
        if (shown != g) {
            ordo_buf_printf(o, "<tr><th class=\"l\" colspan=\"12\">%s</th></tr>\n", groups[g]);
            shown = g;
        }
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        for (size_t v = 0; v < V; v++) {
            const an_arm_t *arm = &a->arms[v * M + m];
            ordo_buf_puts(o, "<tr><td class=\"l\">");
            if (v == 0) {
                if (g == 0)
                    ordo_buf_puts(o, "&#9733; ");
                esc(o, an_metric_label(d));
            }
            ordo_buf_puts(o, "</td><td class=\"l\">");
            esc(o, a->cfg.variants[v]);
            ordo_buf_printf(o, "</td><td>%s</td><td>%llu</td><td>%llu</td>",
                            arm->ok ? an_fmt(arm->value, b1, sizeof b1) : "n/a",
                            (unsigned long long)arm->orders, (unsigned long long)arm->missing);
            if (v == 0) {
                ordo_buf_puts(o, "<td colspan=\"7\" class=\"l small\">control</td></tr>\n");
                continue;
            }
            const an_cmp_t *c = &a->cmps[v * M + m];
            if (!c->ok) {
                ordo_buf_puts(o, "<td colspan=\"7\" class=\"l warn\">unavailable: ");
                esc(o, c->reason);
                ordo_buf_puts(o, "</td></tr>\n");
                continue;
            }
            const ordo_stats_result_t *p = an_cmp_primary(c);
            double padj = an_cmp_p_adjusted(c);
            bool sig = padj < a->cfg.alpha;
            bool better = d->good == ORDO_GOOD_HIGHER ? p->estimate > 0 : p->estimate < 0;
            const char *cls = d->good == ORDO_GOOD_NONE || !sig ? "" : better ? "ok" : "bad";
            ordo_buf_printf(o, "<td class=\"%s\">%s</td><td>[%s, %s]</td>", cls,
                            an_fmt(p->estimate, b1, sizeof b1), an_fmt(p->ci_low, b2, sizeof b2),
                            an_fmt(p->ci_high, b3, sizeof b3));
            if (c->has_rel)
                ordo_buf_printf(o, "<td class=\"%s\">%+.2f%%</td>", cls, 100 * c->rel.estimate);
            else
                ordo_buf_puts(o, "<td>n/a</td>");
            ordo_buf_printf(o, "<td>%s</td>", c->constant ? "-" : pfmt(p->p_value, b1, sizeof b1));
            ordo_buf_printf(o, "<td>%s</td><td>%s</td>",
                            isnan(padj) ? "-" : pfmt(padj, b2, sizeof b2),
                            c->tested ? pfmt(c->p_bh, b3, sizeof b3) : "-");
            ordo_buf_printf(o, "<td class=\"l\">%s%s</td></tr>\n", c->method,
                            c->constant ? ", constant" : c->has_cuped ? ", CUPED" : "");
            (void)b4;
        }
    }
    ordo_buf_puts(o, "</table>\n");
}

static void guardrail_table(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V;
    char b1[32], b2[32], b3[32];
    if (!a->cfg.n_guardrails) {
        ordo_buf_puts(o, "<p>No guardrails configured.</p>\n");
        return;
    }
    ordo_buf_puts(o, "<table><tr><th class=\"l\">guardrail</th><th class=\"l\">variant</th>"
                     "<th class=\"l\">harmful direction</th><th>margin</th><th>difference</th>"
                     "<th>p (non-inferiority)</th><th class=\"l\">status</th></tr>\n");
    for (size_t g = 0; g < a->cfg.n_guardrails; g++)
        for (size_t v = 1; v < V; v++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
            ordo_buf_puts(o, "<tr><td class=\"l\">");
            const ordo_metric_def_t *md = gr->metric >= 0 ? &a->cfg.metrics.m[gr->metric] : NULL;
            esc(o, md ? an_metric_label(md) : gs->metric);
            if (gs->is_default)
                ordo_buf_puts(o, " <span class=\"small\">(default)</span>");
            ordo_buf_puts(o, "</td><td class=\"l\">");
            esc(o, a->cfg.variants[v]);
            const an_cmp_t *c = gr->metric >= 0 ? &a->cmps[v * a->M + (size_t)gr->metric] : NULL;
            char rel[48] = "";
            if (gs->relative)
                snprintf(rel, sizeof rel, " (%g%% of control)", 100 * gs->margin);
            ordo_buf_printf(o,
                            "</td><td class=\"l\">%s</td><td>%s%s</td><td>%s</td><td>%s</td>",
                            gs->direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase",
                            an_fmt(gr->margin, b1, sizeof b1), rel,
                            c && c->ok ? an_fmt(an_cmp_primary(c)->estimate, b2, sizeof b2)
                                       : "n/a",
                            gr->evaluated ? pfmt(gr->p_ni, b3, sizeof b3) : "n/a");
            if (gr->breached)
                ordo_buf_puts(o, "<td class=\"l bad\">breached (sequential test)</td>");
            else if (!gr->evaluated) {
                ordo_buf_puts(o, "<td class=\"l warn\">unavailable: ");
                esc(o, gr->reason);
                ordo_buf_puts(o, "</td>");
            } else if (gr->harmed)
                ordo_buf_printf(o, "<td class=\"l bad\">significantly worse%s</td>",
                                gr->non_inferior ? " (within the margin)" : "");
            else if (gr->non_inferior)
                ordo_buf_puts(o, "<td class=\"l ok\">pass: non-inferior</td>");
            else
                ordo_buf_puts(o, "<td class=\"l warn\">not yet shown non-inferior</td>");
            ordo_buf_puts(o, "</tr>\n");
        }
    ordo_buf_puts(o, "</table>\n");
}

static void segment_tables(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V, K = a->K;
    char b1[32], b2[32], b3[32];
    for (int dim = 0; dim < AN_DIMS; dim++) {
        ordo_buf_printf(o, "<h3>By %s</h3>\n", an_dim_names[dim]);
        ordo_buf_puts(o, "<table><tr><th class=\"l\">segment</th><th class=\"l\">metric</th>");
        for (size_t v = 0; v < V; v++) {
            ordo_buf_puts(o, "<th>");
            esc(o, a->cfg.variants[v]);
            ordo_buf_puts(o, " (orders)</th>");
        }
        for (size_t v = 1; v < V; v++) {
            ordo_buf_puts(o, "<th>diff ");
            esc(o, a->cfg.variants[v]);
            ordo_buf_puts(o, " [CI]</th>");
        }
        ordo_buf_puts(o, "</tr>\n");
        for (size_t s = 0; s < a->seg_n[dim]; s++) {
            uint64_t n = 0;
            for (size_t k = 0; k < K; k++)
                for (size_t v = 0; v < V; v++)
                    n += a->segres[dim][s * K + k].arm[v].orders;
            if (!n)
                continue;
            for (size_t k = 0; k < K; k++) {
                const an_seg_cell_t *cell = &a->segres[dim][s * K + k];
                ordo_buf_puts(o, "<tr><td class=\"l\">");
                if (k == 0)
                    esc(o, an_segment_name(a, dim, (int)s));
                ordo_buf_puts(o, "</td><td class=\"l\">");
                esc(o, an_metric_label(&a->cfg.metrics.m[a->key[k]]));
                ordo_buf_puts(o, "</td>");
                for (size_t v = 0; v < V; v++)
                    ordo_buf_printf(o, "<td>%s (%llu)</td>",
                                    cell->arm[v].ok ? an_fmt(cell->arm[v].value, b1, sizeof b1)
                                                    : "n/a",
                                    (unsigned long long)cell->arm[v].orders);
                for (size_t v = 1; v < V; v++) {
                    if (cell->ok[v])
                        ordo_buf_printf(o, "<td>%s [%s, %s]</td>",
                                        an_fmt(cell->diff[v].estimate, b1, sizeof b1),
                                        an_fmt(cell->diff[v].ci_low, b2, sizeof b2),
                                        an_fmt(cell->diff[v].ci_high, b3, sizeof b3));
                    else
                        ordo_buf_puts(o, "<td class=\"small\">too few orders</td>");
                }
                ordo_buf_puts(o, "</tr>\n");
            }
        }
        ordo_buf_puts(o, "</table>\n");
    }
}

/* Cells of the shares x[i] / tot (n/a without a total), ending the row. */
static void share_cells(ordo_buf_t *o, const double *x, int n, double tot)
{
    for (int i = 0; i < n; i++) {
        if (tot > 0)
            ordo_buf_printf(o, "<td>%.1f%%</td>", 100 * x[i] / tot);
        else
            ordo_buf_puts(o, "<td>n/a</td>");
    }
    ordo_buf_puts(o, "</tr>\n");
}

static void zone_table(const ordo_analysis_t *a, ordo_buf_t *o)
{
    ordo_buf_puts(o, "<table><tr><th class=\"l\">variant</th><th>shipments</th>");
    for (int z = 1; z <= 9; z++)
        ordo_buf_printf(o, "<th>zone %d</th>", z);
    ordo_buf_puts(o, "</tr>\n");
    for (size_t v = 0; v < a->V; v++) {
        double tot = 0;
        for (int z = 0; z < 9; z++)
            tot += a->zone_ships[v][z];
        ordo_buf_puts(o, "<tr><td class=\"l\">");
        esc(o, a->cfg.variants[v]);
        ordo_buf_printf(o, "</td><td>%.0f</td>", tot);
        share_cells(o, a->zone_ships[v], 9, tot);
    }
    ordo_buf_puts(o, "</table>\n");
}

/* Each variant's share of shipments by carrier and its HHI. */
static void carrier_table(const ordo_analysis_t *a, ordo_buf_t *o)
{
    int n = an_carriers(a);
    if (!n)
        return;
    ordo_buf_puts(o, "<h3>Carrier dependence</h3>\n<p class=\"small\">Share of shipments by "
                     "carrier; HHI: the Herfindahl&ndash;Hirschman index of those shares "
                     "(0&ndash;10,000; 10,000 is one carrier).</p>\n"
                     "<table><tr><th class=\"l\">variant</th><th>shipments</th><th>HHI</th>");
    for (int c = 0; c < n; c++) {
        ordo_buf_puts(o, "<th>");
        esc(o, a->cfg.carrier_names[c]);
        ordo_buf_puts(o, "</th>");
    }
    ordo_buf_puts(o, "</tr>\n");
    for (size_t v = 0; v < a->V; v++) {
        double tot, hhi = an_carrier_hhi(a, v, &tot);
        ordo_buf_puts(o, "<tr><td class=\"l\">");
        esc(o, a->cfg.variants[v]);
        ordo_buf_printf(o, "</td><td>%.0f</td>", tot);
        if (isfinite(hhi))
            ordo_buf_printf(o, "<td>%.0f</td>", hhi);
        else
            ordo_buf_puts(o, "<td>n/a</td>");
        share_cells(o, a->carrier_ships[v], n, tot);
    }
    ordo_buf_puts(o, "</table>\n");
}

static void shadow_section(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const ordo_analyze_shadow_info_t *si = &a->shadow_info;
    const an_shadow_group_t *all = &a->shadow[AN_SHADOW_ALL(a)];
    ordo_buf_puts(o, "<section id=\"shadow\"><h2>Shadow policy</h2>\n");
    if (!si->records && !all->orders) {
        ordo_buf_puts(o, "<p>No shadow records for experiment ");
        esc(o, a->cfg.experiment);
        ordo_buf_puts(o, " in the log: nothing to compare (the experiment has no shadow policy, "
                         "or none was logged while it ran).</p>\n</section>\n");
        return;
    }
    ordo_buf_puts(o, "<p>Would-be plans of the shadow policy <b>");
    esc(o, si->policy_name[0] ? si->policy_name : "?");
    ordo_buf_puts(o, "</b> (");
    esc(o, si->policy_version[0] ? si->policy_version : "?");
    ordo_buf_printf(o,
                    ") against the real decisions of the same orders, paired per order; "
                    "difference = shadow − real, %.0f%% paired t interval. %llu shadow "
                    "records: %llu paired, %llu unpaired, %llu left out (warm-up, burn-in, "
                    "unknown variant).</p>\n",
                    100 * (1 - a->cfg.alpha), (unsigned long long)si->records,
                    (unsigned long long)all->orders, (unsigned long long)si->unpaired,
                    (unsigned long long)si->excluded);
    if (!all->orders) {
        ordo_buf_puts(o, "<p class=\"warn\">No shadow record pairs with an analysed decision: "
                         "nothing to compare.</p>\n</section>\n");
        return;
    }
    ordo_buf_puts(o, "<table><tr><th class=\"l\">real arm</th><th class=\"l\">metric</th>"
                     "<th>orders</th><th>real</th><th>shadow</th><th>difference</th>"
                     "<th>CI low</th><th>CI high</th><th>plans differ</th></tr>\n");
    for (size_t k = 0; k <= AN_SHADOW_ALL(a); k++) {
        size_t g = k == 0 ? AN_SHADOW_ALL(a) : k - 1;
        const an_shadow_group_t *sg = &a->shadow[g];
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            const an_shadow_stat_t *r = &sg->res[m];
            ordo_buf_puts(o, "<tr>");
            if (m == 0) {
                ordo_buf_printf(o, "<td class=\"l\" rowspan=\"%d\">", ORDO_AN_SHADOW_METRICS);
                esc(o, an_shadow_group_label(a, g));
                ordo_buf_puts(o, "</td>");
            }
            ordo_buf_printf(o, "<td class=\"l\">%s</td><td>%llu</td><td>%s</td><td>%s</td>",
                            ordo_analyze_shadow_metric_name(m), (unsigned long long)r->n,
                            r->n ? an_fmt(r->real, b1, sizeof b1) : "n/a",
                            r->n ? an_fmt(r->shadow, b2, sizeof b2) : "n/a");
            if (r->ok) {
                ordo_buf_printf(o, "<td>%s</td><td>%s</td><td>%s</td>",
                                an_fmt(r->diff.estimate, b3, sizeof b3),
                                an_fmt(r->diff.ci_low, b4, sizeof b4),
                                an_fmt(r->diff.ci_high, b5, sizeof b5));
            } else {
                ordo_buf_puts(o, "<td class=\"l\" colspan=\"3\">unavailable: ");
                esc(o, r->reason);
                ordo_buf_puts(o, "</td>");
            }
            if (m == 0) {
                ordo_buf_printf(o, "<td rowspan=\"%d\">", ORDO_AN_SHADOW_METRICS);
                if (sg->compared)
                    ordo_buf_printf(o, "%.1f%% (%llu of %llu)",
                                    100.0 * (double)sg->differ / (double)sg->compared,
                                    (unsigned long long)sg->differ,
                                    (unsigned long long)sg->compared);
                else
                    ordo_buf_puts(o, "n/a");
                ordo_buf_puts(o, "</td>");
            }
            ordo_buf_puts(o, "</tr>\n");
        }
    }
    ordo_buf_puts(o, "</table>\n<p class=\"small\">Planned values, not outcomes: what the "
                     "candidate would have planned for the same orders and stock. A plan differs "
                     "when its (node, service, sku, quantity) lines are not the real plan's.</p>"
                     "\n</section>\n");
}

static void run_summary(const ordo_analysis_t *a, ordo_buf_t *o)
{
    if (!a->run_summary)
        return;
    cJSON *j = cJSON_Parse(a->run_summary);
    if (!j)
        return;
    ordo_buf_puts(o, "<h2>Simulation run</h2>\n<table>\n");
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        char *v = cJSON_IsString(it) ? NULL : cJSON_PrintUnformatted(it);
        ordo_buf_puts(o, "<tr><th class=\"l\">");
        esc(o, it->string ? it->string : "");
        ordo_buf_puts(o, "</th><td class=\"l\">");
        esc(o, cJSON_IsString(it) ? it->valuestring : v ? v : "");
        ordo_buf_puts(o, "</td></tr>\n");
        free(v);
    }
    ordo_buf_puts(o, "</table>\n");
    cJSON_Delete(j);
}

/* Dates, duration, the variants with their policies, and the hypothesis
 * with its test per treatment. */
static void header_facts(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char d1[32], d2[32], d3[32], txt[160], b1[32], b2[32];
    ordo_buf_puts(o, "<table class=\"facts\">\n<tr><th class=\"l\">dates</th><td class=\"l\">");
    if (a->first_ts > 0) {
        ordo_time_format(a->first_ts, d1, sizeof d1);
        ordo_time_format(a->last_ts, d2, sizeof d2);
        ordo_buf_printf(o, "first decision %s · last %s", d1, d2);
        if (a->cfg.started_at > 0)
            ordo_buf_printf(o, " · started %s",
                            ordo_time_format(a->cfg.started_at, d3, sizeof d3));
    } else {
        ordo_buf_puts(o, "no dated decisions");
    }
    ordo_buf_printf(o,
                    "</td></tr>\n<tr><th class=\"l\">duration</th><td class=\"l %s\">%.1f days "
                    "of the %g required (%s)%s</td></tr>\n",
                    a->runtime_short ? "warn" : "", a->runtime_days, a->required_days,
                    a->cfg.min_runtime_days >= 7 ? "min_runtime_days" : "one full weekly cycle",
                    a->runtime_short ? ": too short for a verdict on efficacy" : "");
    ordo_buf_puts(o, "<tr><th class=\"l\">variants</th><td class=\"l\">");
    for (size_t v = 0; v < a->V; v++) {
        ordo_buf_puts(o, v ? " · " : "");
        ordo_buf_puts(o, "<b>");
        esc(o, a->cfg.variants[v]);
        ordo_buf_puts(o, "</b>");
        if (a->cfg.policy_names[v][0] || a->cfg.policy_versions[v][0]) {
            ordo_buf_puts(o, ": ");
            esc(o, a->cfg.policy_names[v][0] ? a->cfg.policy_names[v] : "policy");
            if (a->cfg.policy_versions[v][0]) {
                ordo_buf_puts(o, " <span class=\"small\">");
                esc(o, a->cfg.policy_versions[v]);
                ordo_buf_puts(o, "</span>");
            }
        }
        ordo_buf_printf(o, " (weight %s%s)", an_fmt(a->cfg.weights[v], b1, sizeof b1),
                        v == 0 ? ", control" : "");
    }
    ordo_buf_puts(o, "</td></tr>\n<tr><th class=\"l\">hypothesis</th><td class=\"l\">");
    esc(o, a->cfg.hypothesis[0] ? a->cfg.hypothesis : "(none)");
    ordo_buf_puts(o, "<br><span class=\"small\">tested claim: ");
    esc(o, an_claim_text(a, txt, sizeof txt));
    for (size_t v = 1; a->cfg.claim.structured && v < a->V; v++) {
        const an_claim_t *r = &a->claims[v];
        ordo_buf_puts(o, " · ");
        esc(o, a->cfg.variants[v]);
        ordo_buf_printf(o, ": <b>%s</b>", an_claim_status_name(r->status));
        if (r->status != AN_CLAIM_UNAVAILABLE)
            ordo_buf_printf(o, " (change %s, margin %s, one-sided p = %s)",
                            an_fmt(r->estimate, b1, sizeof b1), an_fmt(r->margin, b2, sizeof b2),
                            pfmt(r->p_value, d1, sizeof d1));
    }
    ordo_buf_puts(o, "</span></td></tr>\n</table>\n");
}

/* The page head and the verdict, overall and per treatment. */
static void head_and_verdict(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V;
    const char *var, *why;
    ordo_analyze_verdict_t vd = ordo_analysis_verdict(a, &var, &why);
    ordo_buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                     "<title>ordo experiment report: ");
    esc(o, a->cfg.experiment);
    ordo_buf_printf(o, "</title>\n<style>%s</style></head><body>\n", css);
    ordo_buf_puts(o, "<h1>Experiment ");
    esc(o, a->cfg.experiment);
    ordo_buf_puts(o, "</h1>\n<p class=\"small\">unit: ");
    esc(o, ordo_exp_unit_kind_name(a->cfg.unit));
    ordo_buf_puts(o, " · control: ");
    esc(o, a->cfg.variants[0]);
    ordo_buf_printf(o, " · alpha %.3g · %s</p>\n", a->cfg.alpha,
                    a->cfg.from_registry ? "experiment document from the registry"
                                         : "no experiment document: defaults used");
    header_facts(a, o);

    static const char *const vnames[] = {"Keep running", "Ship", "Do not ship"};
    ordo_buf_printf(o, "<section id=\"verdict\"><h2>Verdict</h2>\n<div class=\"verdict %s\"><b>%s",
                    ordo_analyze_verdict_name(vd), vnames[vd]);
    if (var) {
        ordo_buf_puts(o, " ");
        esc(o, var);
    }
    ordo_buf_puts(o, "</b> — ");
    esc(o, why);
    ordo_buf_puts(o, "</div>\n");
    if (V > 2) {
        ordo_buf_puts(o, "<ul>\n");
        for (size_t v = 1; v < V; v++) {
            ordo_buf_puts(o, "<li>");
            esc(o, a->cfg.variants[v]);
            ordo_buf_printf(o, ": %s — ", vnames[a->v_verdict[v]]);
            esc(o, a->v_reason[v]);
            ordo_buf_puts(o, "</li>\n");
        }
        ordo_buf_puts(o, "</ul>\n");
    }
    ordo_buf_puts(o, "</section>\n");
}

/* Orders and units per variant, and the data notes. */
static void data_section(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char b1[32];
    ordo_buf_puts(o, "<section id=\"data\"><h2>Data</h2>\n<table><tr><th class=\"l\">variant</th>"
                     "<th>orders</th><th>units</th><th>configured weight</th></tr>\n");
    for (size_t v = 0; v < a->V; v++) {
        ordo_buf_puts(o, "<tr><td class=\"l\">");
        esc(o, a->cfg.variants[v]);
        ordo_buf_printf(o, "</td><td>%llu</td><td>%.0f</td><td>%s</td></tr>\n",
                        (unsigned long long)a->orders[v], a->unit_counts[v],
                        an_fmt(a->cfg.weights[v], b1, sizeof b1));
    }
    ordo_buf_puts(o, "</table>\n");
    if (a->has_counts)
        ordo_buf_printf(o,
                        "<p class=\"%s\">Outcomes that cannot be true, set aside: %llu "
                        "(%llu dated before the order, %llu delivered or returned before "
                        "shipping).</p>\n",
                        a->counts.invalid_outcome ? "warn" : "small",
                        (unsigned long long)a->counts.invalid_outcome,
                        (unsigned long long)a->counts.invalid_before_order,
                        (unsigned long long)a->counts.invalid_delivered_before_shipped);
    size_t pos = 0;
    const char *n;
    bool first = true;
    while ((n = an_note_next(a, &pos))) {
        if (first)
            ordo_buf_puts(o, "<h3>What was missing and how it was treated</h3>\n<ul>\n");
        first = false;
        ordo_buf_puts(o, "<li>");
        esc(o, n);
        ordo_buf_puts(o, "</li>\n");
    }
    if (!first)
        ordo_buf_puts(o, "</ul>\n");
    else
        ordo_buf_puts(o, "<p>Nothing missing: every analysed order had its outcome.</p>\n");
    ordo_buf_puts(o, "</section>\n");
}

static void srm_section(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char b1[32], b2[32];
    ordo_buf_puts(o, "<section id=\"srm\"><h2>Sample ratio</h2>\n");
    if (a->srm_ok) {
        bool bad = a->srm.flags & ORDO_STATS_F_SRM;
        ordo_buf_printf(o,
                        "<p class=\"%s\">%s: chi-square %s on %.0f df, p = %s (flagged below "
                        "0.001).</p>\n",
                        bad ? "bad" : "ok", bad ? "Sample ratio mismatch" : "No mismatch",
                        an_fmt(a->srm.stat, b1, sizeof b1), a->srm.df,
                        pfmt(a->srm.p_value, b2, sizeof b2));
    } else {
        ordo_buf_puts(o, "<p class=\"warn\">Not tested: ");
        esc(o, a->srm_reason);
        ordo_buf_puts(o, "</p>\n");
    }
    ordo_buf_puts(o, "</section>\n");
}

/* Guardrails, the lift per metric, the charts over time and the segment
 * breakdown. */
static void results_sections(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V, K = a->K;
    ordo_buf_puts(o, "<section id=\"guardrails\"><h2>Guardrails</h2>\n");
    guardrail_table(a, o);
    ordo_buf_puts(o, "</section>\n");

    ordo_buf_puts(o, "<section id=\"forest\"><h2>Lift by metric</h2>\n");
    an_html_forest(a, o);
    ordo_buf_puts(o, "<p class=\"small\">Green: significantly better after Holm's correction; "
                     "red: significantly worse; grey: not significant or descriptive. "
                     "A primary KPI is corrected among the primary KPIs, as the verdict "
                     "tests it; any other metric across all tested metrics.</p>\n");
    metrics_table(a, o);
    ordo_buf_puts(o, "</section>\n");

    ordo_buf_puts(o, "<section id=\"timeseries\"><h2>Over time</h2>\n");
    if (!a->n_days)
        ordo_buf_puts(o, "<p>No dated orders.</p>\n");
    for (size_t k = 0; k < K && a->n_days; k++) {
        cumulative_chart(a, k, o);
        for (size_t v = 1; v < V; v++)
            sequential_chart(a, k, v, o);
    }
    ordo_buf_puts(o, "</section>\n");

    ordo_buf_puts(o, "<section id=\"segments\"><h2>Breakdown</h2>\n"
                     "<p class=\"small\">Key metrics by segment, orders as units (descriptive "
                     "when the experiment randomizes customers or clusters).</p>\n");
    segment_tables(a, o);
    ordo_buf_puts(o, "<h3>Zone mix of shipments</h3>\n");
    zone_table(a, o);
    carrier_table(a, o);
    ordo_buf_puts(o, "</section>\n");
    an_ops_write_html(a, o);
}

int ordo_analysis_write_html(const ordo_analysis_t *a, ordo_buf_t *o)
{
    head_and_verdict(a, o);
    data_section(a, o);
    srm_section(a, o);
    results_sections(a, o);
    shadow_section(a, o);
    run_summary(a, o);
    ordo_buf_puts(o, "<p class=\"small\">Generated by ordo analyze. How to read this report: "
                     "docs/reports.md.</p>\n</body></html>\n");
    return o->oom ? ORDO_ENOMEM : ORDO_OK;
}
