/* SPDX-License-Identifier: Apache-2.0 */
/* analyze: the HTML report as an analyst reads it — the guardrail table's
 * margin and p-value are two numbers, axis ticks are round, labels are
 * plain English, metrics are grouped (primary KPIs first and marked, then
 * secondary, then guardrails; what cannot be drawn collapsed into a line),
 * intervals beyond the axis are marked, and the header has the dates, the
 * duration, the variants with their policies and the hypothesis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "analyze_fixture.h"

static char *report(const fx_spec_t *spec)
{
    char *dir = fx_tmp_dir();
    fx_build(dir, spec, NULL, false);
    ordo_analysis_t *a;
    ordo_error_t err;
    if (ordo_analyze_dir(dir, NULL, &a, &err))
        fail_msg("analyze: %s", err.msg);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_analysis_write_html(a, &b), ORDO_OK);
    char *html = strdup(b.data);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
    fx_rm_tree(dir);
    const char *keep = getenv("ORDO_KEEP_HTML");
    if (keep && *keep) {
        static int n;
        char path[1024];
        snprintf(path, sizeof path, "%s.%d.html", keep, n++);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(html, f);
            fclose(f);
        }
    }
    return html;
}

/* The text between the first occurrence of from and the next to. */
static char *between(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    p += strlen(from);
    const char *q = strstr(p, to);
    assert_non_null(q);
    return strndup(p, (size_t)(q - p));
}

/* Every tick label of the lift plot is a round percentage. */
static void check_ticks(const char *svg)
{
    int n = 0;
    for (const char *p = svg; (p = strstr(p, "text-anchor=\"middle\">")); n++) {
        p += strlen("text-anchor=\"middle\">");
        if (!strncmp(p, "relative lift", 13)) {
            n--;
            continue;
        }
        if (!strncmp(p, "0%", 2))
            continue;
        const char *q = p;
        if (!strncmp(q, "&#8722;", 7))
            q += 7;
        else if (*q == '+')
            q++;
        else
            fail_msg("tick without a sign: %.20s", p);
        double v = strtod(q, NULL);
        /* multiples of 1, 2, 2.5 or 5 × 10^k: a round number */
        double mag = pow(10, floor(log10(v)));
        double r = v / mag;
        bool round_ = fabs(r - 1) < 1e-9 || fabs(r - 2) < 1e-9 || fabs(r - 2.5) < 1e-9 ||
                      fabs(r - 4) < 1e-9 || fabs(r - 5) < 1e-9 || fabs(r - 6) < 1e-9 ||
                      fabs(r - 8) < 1e-9 || fabs(r - 3) < 1e-9 || fabs(r - 1.5) < 1e-9;
        if (!round_)
            fail_msg("tick %g%% is not a round number", v);
    }
    assert_true(n >= 3);
}

static void test_html_report(void **state)
{
    (void)state;
    fx_spec_t s;
    fx_spec_default(&s);
    s.n_orders = 600;
    s.spacing = 1500;
    s.hypothesis = "{\"text\":\"Nearest node: at most 3% more cost per order.\","
                   "\"metric\":\"cost_per_order\",\"direction\":\"increase\","
                   "\"bound\":\"at_most\",\"margin\":0.03,\"relative\":true}";
    char *html = report(&s);

    /* header: dates, duration, variants with policies, hypothesis */
    char *facts = between(html, "<table class=\"facts\">", "</table>");
    assert_non_null(strstr(facts, "first decision 2026-11-18"));
    assert_non_null(strstr(facts, "days of the 7 required"));
    assert_non_null(strstr(facts, "<b>control</b>: cost-optimized"));
    assert_non_null(strstr(facts, "<b>treatment</b>: proximity-first"));
    assert_non_null(strstr(facts, "Nearest node: at most 3% more cost per order."));
    assert_non_null(strstr(facts, "tested claim: cost_per_order at most +3%"));
    free(facts);

    /* guardrails: the margin column holds the margin, the p column the p-value */
    char *gt = between(html, "<section id=\"guardrails\">", "</section>");
    char *row = between(gt, "On-time delivery rate", "</tr>");
    /* harmful direction, margin, difference, p */
    char *cells = between(row, "decrease</td><td>", "</td><td class");
    assert_true(!strncmp(cells, "0.1</td>", 8)); /* the declared margin */
    char *p = strrchr(cells, '>');
    assert_non_null(p);
    assert_string_not_equal(p + 1, "0.1"); /* the p-value is not the margin again */
    free(cells);
    free(row);
    assert_non_null(strstr(gt, "(default)")); /* cost per order, guarded by default */
    free(gt);

    /* the lift plot */
    char *svg = between(html, "aria-label=\"relative lift by metric\">", "</svg>");
    check_ticks(svg);
    /* plain English, never the snake_case name */
    assert_non_null(strstr(svg, "Actual cost per order"));
    assert_null(strstr(svg, "cost_per_order"));
    assert_null(strstr(svg, "on_time_rate"));
    /* groups in order, primary marked */
    const char *g1 = strstr(svg, "Primary KPIs"), *g2 = strstr(svg, "Secondary metrics"),
               *g3 = strstr(svg, "Guardrails");
    assert_true(g1 && g2 && g3 && g1 < g2 && g2 < g3);
    assert_non_null(strstr(svg, "&#9733; Actual cost per order"));
    /* the guardrail on-time comes after the secondary metrics */
    assert_true(strstr(svg, "On-time delivery rate") > g3);
    /* no tick label below −100% */
    assert_null(strstr(svg, "&#8722;200%"));
    free(svg);
    /* the constant fallback rate is collapsed into one line, without CUPED */
    char *col = between(html, "<p class=\"small collapsed\">Constant", "</p>");
    assert_non_null(strstr(col, "Fallback rate"));
    free(col);
    free(html);
}

/* A tiny sample: wide intervals run off the axis and are marked there; the
 * axis stops at −100%. */
static void test_overflow_marks(void **state)
{
    (void)state;
    fx_spec_t s;
    fx_spec_default(&s);
    s.n_orders = 12;
    s.spacing = 60000;
    s.cost_effect = -6;
    char *html = report(&s);
    char *svg = between(html, "aria-label=\"relative lift by metric\">", "</svg>");
    check_ticks(svg);
    assert_non_null(strstr(svg, "class=\"overflow\""));
    assert_non_null(strstr(svg, "a lift below &#8722;100% is impossible"));
    free(svg);
    free(html);
}

/* A lift far past the axis's ±500% cap: its interval is a dashed stub
 * inside the right edge, with its arrow, not a line running off the plot
 * over the labels; every interval of the plot lies inside it. */
static void test_interval_wholly_beyond_axis(void **state)
{
    (void)state;
    fx_spec_t s;
    fx_spec_default(&s);
    s.n_orders = 400;
    s.cost_effect = 80; /* planned cost ~10 in control: a lift of ~+800% */
    char *html = report(&s);
    char *svg = between(html, "aria-label=\"relative lift by metric\">", "</svg>");
    assert_non_null(strstr(svg, "stroke-dasharray=\"4,2\""));
    int lines = 0;
    for (const char *p = svg; (p = strstr(p, "<line x1=\"")); p++) {
        const char *end = strstr(p, "/>");
        if (!end || !memmem(p, (size_t)(end - p), "stroke-width=\"2\"", 16))
            continue; /* a tick */
        double x1 = strtod(p + 10, NULL), x2 = strtod(strstr(p, "x2=\"") + 4, NULL);
        assert_true(x1 < x2);
        assert_true(x1 >= 280 - 1e-9 && x2 <= 280 + 480 + 1e-9);
        lines++;
    }
    assert_true(lines >= 5);
    free(svg);
    free(html);
}

/* The charts over time leave room for a minus sign left of the axis. */
static void test_chart_labels_fit(void **state)
{
    (void)state;
    fx_spec_t s;
    fx_spec_default(&s);
    s.n_orders = 400;
    s.spacing = 1800;
    char *html = report(&s);
    char *ts = between(html, "<section id=\"timeseries\">", "</section>");
    /* every y tick label is right-aligned at x = 74, so a 10-character label
     * (about 60 px) starts inside the picture */
    for (const char *p = ts; (p = strstr(p, "text-anchor=\"end\">")); p++) {
        const char *x = p;
        while (x > ts && strncmp(x, "x=\"", 3))
            x--;
        double xv = strtod(x + 3, NULL);
        assert_true(xv >= 70);
    }
    free(ts);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_report),
        cmocka_unit_test(test_overflow_marks),
        cmocka_unit_test(test_interval_wholly_beyond_axis),
        cmocka_unit_test(test_chart_labels_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
