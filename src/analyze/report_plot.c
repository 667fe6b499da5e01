/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the HTML report's lift plot and axis helpers: metrics
 * grouped as an analyst reads them (primary KPIs first and marked, then
 * secondary metrics, then guardrails; metrics that cannot be computed and
 * constant ones collapsed into one line each), plain-English names, ticks
 * at round numbers, intervals beyond the axis marked as such, and no lift
 * drawn below −100%. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void an_html_esc(ordo_buf_t *o, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            ordo_buf_puts(o, "&lt;");
            break;
        case '>':
            ordo_buf_puts(o, "&gt;");
            break;
        case '&':
            ordo_buf_puts(o, "&amp;");
            break;
        case '"':
            ordo_buf_puts(o, "&quot;");
            break;
        default:
            ordo_buf_putc(o, *s);
        }
    }
}

double an_nice_step(double span, int target)
{
    if (!(span > 0) || !isfinite(span) || target < 1)
        return 1;
    double raw = span / target;
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
}

int an_step_decimals(double step)
{
    int d = 0;
    while (d < 9 && fabs(step * pow(10, d) - round(step * pow(10, d))) > 1e-9 * pow(10, d))
        d++;
    return d;
}

const char *an_metric_label(const ordo_metric_def_t *d)
{
    return d->label[0] ? d->label : d->name;
}

/* Which group a metric belongs to: 0 primary KPI, 1 secondary, 2 guardrail. */
int an_metric_group(const ordo_analysis_t *a, size_t m)
{
    const char *name = a->cfg.metrics.m[m].name;
    for (size_t i = 0; i < a->cfg.n_kpis; i++)
        if (!strcmp(a->cfg.kpis[i], name))
            return 0;
    for (size_t g = 0; g < a->cfg.n_guardrails; g++)
        if (!strcmp(a->cfg.guardrails[g].metric, name))
            return 2;
    return 1;
}

static const char *const group_names[3] = {"Primary KPIs", "Secondary metrics", "Guardrails"};

typedef struct plot_axis {
    double xmin, xmax, left, width;
} plot_axis_t;

static double ax_x(const plot_axis_t *ax, double v)
{
    return ax->left + (v - ax->xmin) / (ax->xmax - ax->xmin) * ax->width;
}

/* A drawable row: computed, with a relative lift, not constant. */
static bool drawable(const an_cmp_t *c)
{
    return c->ok && c->has_rel && !c->constant && isfinite(c->rel.estimate);
}

/* The axis: symmetric at round ticks around 0, never below −100%. */
static plot_axis_t plot_axis(const ordo_analysis_t *a, double *step)
{
    double lim = 0;
    for (size_t m = 0; m < a->M; m++)
        for (size_t v = 1; v < a->V; v++) {
            const an_cmp_t *c = &a->cmps[v * a->M + m];
            if (!drawable(c))
                continue;
            if (isfinite(c->rel.ci_low))
                lim = fmax(lim, fmin(fabs(fmax(c->rel.ci_low, -1)), 5));
            if (isfinite(c->rel.ci_high))
                lim = fmax(lim, fmin(fabs(c->rel.ci_high), 5));
        }
    if (!(lim > 0))
        lim = 0.1;
    /* about five round ticks over what is shown: [max(−100%, −lim), lim] */
    *step = an_nice_step(lim + fmin(lim, 1), 5);
    plot_axis_t ax = {.left = 280, .width = 480};
    ax.xmax = ceil(lim / *step - 1e-9) * *step;
    ax.xmin = fmax(-1, -ax.xmax);
    return ax;
}

static void plot_ticks(const plot_axis_t *ax, double step, double y0, double y1, ordo_buf_t *o)
{
    int dec = an_step_decimals(100 * step);
    for (double t = ceil(ax->xmin / step - 1e-9) * step; t <= ax->xmax + 1e-9 * step; t += step) {
        double x = ax_x(ax, t);
        bool zero = fabs(t) < step * 1e-6;
        ordo_buf_printf(
            o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>\n", x, y0,
            x, y1, zero ? "#888" : "#eee", zero ? " stroke-dasharray=\"3,3\"" : "");
        if (zero)
            ordo_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">0%%</text>\n", x,
                            y1 + 14);
        else
            ordo_buf_printf(o,
                            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s%.*f%%</text>\n",
                            x, y1 + 14, t < 0 ? "&#8722;" : "+", dec, fabs(100 * t));
    }
    double first = ceil(ax->xmin / step - 1e-9) * step;
    if (ax->xmin <= -1 + 1e-12 && first > -1 + 1e-9 * step) /* label the edge at −100% */
        ordo_buf_printf(o,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">&#8722;100%%</text>\n",
                        ax->left, y1 + 14);
    if (ax->xmin <= -1 + 1e-12)
        ordo_buf_printf(o,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" fill=\"#999\">"
                        "(a lift below &#8722;100%% is impossible)</text>\n",
                        ax->left, y1 + 28);
}

#define PLOT_STUB 12.0 /* px: the stub of an interval wholly beyond the axis */

/* One metric's interval; ends beyond the axis get an arrow at the edge. */
static void plot_row(const ordo_analysis_t *a, const plot_axis_t *ax, size_t m, size_t v, double y,
                     ordo_buf_t *o)
{
    const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
    const an_cmp_t *c = &a->cmps[v * a->M + m];
    ordo_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s", ax->left - 10, y + 4,
                    an_metric_group(a, m) == 0 ? "&#9733; " : "");
    an_html_esc(o, an_metric_label(d));
    if (a->V > 2) {
        ordo_buf_puts(o, " (");
        an_html_esc(o, a->cfg.variants[v]);
        ordo_buf_puts(o, ")");
    }
    ordo_buf_puts(o, "</text>\n");
    const ordo_stats_result_t *p = an_cmp_primary(c);
    bool sig = an_cmp_p_adjusted(c) < a->cfg.alpha;
    bool better = d->good == ORDO_GOOD_HIGHER ? p->estimate > 0 : p->estimate < 0;
    const char *col = d->good == ORDO_GOOD_NONE || !sig ? "#777" : better ? "#2a7a3a" : "#c44e52";
    double lo = c->rel.ci_low, hi = c->rel.ci_high, pt = c->rel.estimate;
    bool lo_out = !(lo >= ax->xmin), hi_out = !(hi <= ax->xmax);
    double xl = ax_x(ax, lo_out ? ax->xmin : lo), xh = ax_x(ax, hi_out ? ax->xmax : hi);
    /* an interval wholly beyond one edge: a dashed stub inside that edge
     * (else its line would run outside the plot, over the labels) */
    bool beyond = lo > ax->xmax || hi < ax->xmin;
    if (lo > ax->xmax)
        xl = xh - PLOT_STUB;
    else if (hi < ax->xmin)
        xh = xl + PLOT_STUB;
    double xp = ax_x(ax, fmax(ax->xmin, fmin(ax->xmax, pt)));
    ordo_buf_printf(
        o,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        "stroke-width=\"2\"%s/>\n<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
        xl, y, xh, y, col, beyond ? " stroke-dasharray=\"4,2\"" : "", xp, y, col);
    if (hi_out)
        ordo_buf_printf(o,
                        "<polygon class=\"overflow\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        "fill=\"%s\"><title>interval continues beyond the axis</title>"
                        "</polygon>\n",
                        xh, y - 5, xh + 8, y, xh, y + 5, col);
    if (lo_out)
        ordo_buf_printf(o,
                        "<polygon class=\"overflow\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        "fill=\"%s\"><title>%s</title></polygon>\n",
                        xl, y - 5, xl - 8, y, xl, y + 5, col,
                        lo < -1 ? "interval reaches below -100%: cut at -100%, the least possible"
                                : "interval continues beyond the axis");
    char ab[32], unit[24] = "";
    if (d->unit[0])
        snprintf(unit, sizeof unit, " %s", d->unit);
    char lb[40];
    if (lo < -1)
        snprintf(lb, sizeof lb, "&#8804;&#8722;100%%");
    else
        snprintf(lb, sizeof lb, "%+.2f%%", 100 * lo);
    ordo_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">%+.2f%% [%s, %+.2f%%] &#183; %s%s</text>\n",
                    ax->left + ax->width + 14, y + 4, 100 * pt, lb, 100 * hi,
                    an_fmt(p->estimate, ab, sizeof ab), unit);
}

/* Names of the metrics of one kind (cannot be computed, or constant). */
static size_t collapsed(const ordo_analysis_t *a, bool constant, ordo_buf_t *o)
{
    size_t n = 0;
    for (size_t m = 0; m < a->M; m++)
        for (size_t v = 1; v < a->V; v++) {
            const an_cmp_t *c = &a->cmps[v * a->M + m];
            if (drawable(c) || c->constant != constant)
                continue;
            if (o) {
                ordo_buf_puts(o, n ? ", " : "");
                if (an_metric_group(a, m) == 0)
                    ordo_buf_puts(o, "&#9733; ");
                an_html_esc(o, an_metric_label(&a->cfg.metrics.m[m]));
                if (constant && a->arms[m].ok) {
                    char b[32];
                    ordo_buf_printf(o, " (%s)", an_fmt(a->arms[m].value, b, sizeof b));
                }
            }
            n++;
            break;
        }
    return n;
}

void an_html_forest(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V, M = a->M;
    double step;
    plot_axis_t ax = plot_axis(a, &step);
    size_t rows = 0, heads = 0;
    for (int g = 0; g < 3; g++) {
        size_t n = 0;
        for (size_t m = 0; m < M; m++)
            for (size_t v = 1; v < V; v++)
                n += an_metric_group(a, m) == g && drawable(&a->cmps[v * M + m]);
        rows += n;
        heads += n > 0;
    }
    size_t n_na = collapsed(a, false, NULL), n_const = collapsed(a, true, NULL);
    const double rh = 18, top = 30;
    double y = top, h = top + rh * (double)(rows + heads) + 50;
    ordo_buf_printf(o,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                    "role=\"img\" aria-label=\"relative lift by metric\">\n",
                    ax.left + ax.width + 330, h);
    ordo_buf_printf(o,
                    "<text x=\"%.1f\" y=\"14\" text-anchor=\"middle\">relative lift vs %s "
                    "(%.0f%% CI) &#183; right: lift [CI] &#183; absolute difference</text>\n",
                    ax_x(&ax, 0), a->cfg.variants[0], 100 * (1 - a->cfg.alpha));
    plot_ticks(&ax, step, top - 8, h - 44, o);
    for (int g = 0; g < 3; g++) {
        bool head = false;
        for (size_t m = 0; m < M; m++)
            for (size_t v = 1; v < V; v++) {
                if (an_metric_group(a, m) != g || !drawable(&a->cmps[v * M + m]))
                    continue;
                if (!head) {
                    ordo_buf_printf(o, "<text x=\"8\" y=\"%.1f\" font-weight=\"bold\">%s</text>\n",
                                    y + rh / 2 + 4, group_names[g]);
                    y += rh;
                    head = true;
                }
                plot_row(a, &ax, m, v, y + rh / 2, o);
                y += rh;
            }
    }
    ordo_buf_puts(o, "</svg>\n");
    if (n_na) {
        ordo_buf_puts(o, "<p class=\"small collapsed\">Cannot be computed yet: ");
        collapsed(a, false, o);
        ordo_buf_puts(o, " (reasons in the table below).</p>\n");
    }
    if (n_const) {
        ordo_buf_puts(o, "<p class=\"small collapsed\">Constant (the same value in every "
                         "order, nothing to compare): ");
        collapsed(a, true, o);
        ordo_buf_puts(o, ".</p>\n");
    }
}
