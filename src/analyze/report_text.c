/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the text report for a terminal. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ordo/geo.h"

const char *an_fmt(double v, char *buf, size_t n)
{
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
        snprintf(buf, n, "%.3g", v);
    else
        snprintf(buf, n, "%.4g", v);
    return buf;
}

static const char *fmt_p(double p, char *buf, size_t n)
{
    if (!isfinite(p))
        return snprintf(buf, n, "n/a"), buf;
    if (p < 1e-4)
        snprintf(buf, n, "<1e-4");
    else
        snprintf(buf, n, "%.4f", p);
    return buf;
}

static const char *fmt_pct(double v, char *buf, size_t n)
{
    if (!isfinite(v))
        snprintf(buf, n, "n/a");
    else
        snprintf(buf, n, "%+.2f%%", 100 * v);
    return buf;
}

/* The shadow section: one block per real arm (all, each variant, not in
 * the experiment), one line per metric. */
static void write_shadow(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const ordo_analyze_shadow_info_t *si = &a->shadow_info;
    const an_shadow_group_t *all = &a->shadow[AN_SHADOW_ALL(a)];
    ordo_buf_printf(o, "\nShadow policy");
    if (!si->records && !all->orders) {
        ordo_buf_printf(o, ": no shadow records for experiment %s in the log — nothing to "
                           "compare (the experiment has no shadow policy, or none was logged "
                           "while it ran)\n",
                        a->cfg.experiment);
        return;
    }
    ordo_buf_printf(o,
                    " %s (%s) vs the real decisions, paired per order (diff = shadow − real)\n",
                    si->policy_name[0] ? si->policy_name : "?",
                    si->policy_version[0] ? si->policy_version : "?");
    ordo_buf_printf(o, "  shadow records %llu: paired %llu, unpaired %llu, left out %llu "
                       "(warm-up, burn-in, unknown variant)\n",
                    (unsigned long long)si->records, (unsigned long long)all->orders,
                    (unsigned long long)si->unpaired, (unsigned long long)si->excluded);
    if (!all->orders) {
        ordo_buf_printf(o, "  no shadow record pairs with an analysed decision: nothing to "
                           "compare\n");
        return;
    }
    char cih[32];
    snprintf(cih, sizeof cih, "%.0f%% CI (diff)", 100 * (1 - a->cfg.alpha));
    ordo_buf_printf(o, "  %-18s %-21s %7s %10s %10s %10s %24s\n", "real arm", "metric", "orders",
                    "real", "shadow", "diff", cih);
    for (size_t k = 0; k <= AN_SHADOW_ALL(a); k++) {
        /* all first, then the arms */
        size_t g = k == 0 ? AN_SHADOW_ALL(a) : k - 1;
        const an_shadow_group_t *sg = &a->shadow[g];
        if (g != AN_SHADOW_ALL(a) && !sg->orders) {
            ordo_buf_printf(o, "  %-18s no paired orders\n", an_shadow_group_label(a, g));
            continue;
        }
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            const an_shadow_stat_t *r = &sg->res[m];
            ordo_buf_printf(o, "  %-18s %-21s %7llu %10s %10s",
                            m == 0 ? an_shadow_group_label(a, g) : "",
                            ordo_analyze_shadow_metric_name(m), (unsigned long long)r->n,
                            r->n ? an_fmt(r->real, b1, sizeof b1) : "n/a",
                            r->n ? an_fmt(r->shadow, b2, sizeof b2) : "n/a");
            if (r->ok) {
                char ci[56];
                snprintf(ci, sizeof ci, "[%s, %s]", an_fmt(r->diff.ci_low, b4, sizeof b4),
                         an_fmt(r->diff.ci_high, b5, sizeof b5));
                ordo_buf_printf(o, " %10s %24s\n", an_fmt(r->diff.estimate, b3, sizeof b3), ci);
            } else {
                ordo_buf_printf(o, "   unavailable: %s\n", r->reason);
            }
        }
        if (sg->compared)
            ordo_buf_printf(o, "  %-18s %-21s %7llu   %.1f%% of orders (%llu)\n", "",
                            "plan differs", (unsigned long long)sg->compared,
                            100.0 * (double)sg->differ / (double)sg->compared,
                            (unsigned long long)sg->differ);
    }
    ordo_buf_printf(o, "  plan differs: the shadow plan's (node, service, sku, quantity) lines "
                       "are not the real plan's. Planned values, not outcomes.\n");
}

/* The hypothesis: prose, then the tested claim and its status per treatment. */
static void write_hypothesis(const ordo_analysis_t *a, ordo_buf_t *o)
{
    char txt[160], b1[32], b2[32];
    if (a->cfg.hypothesis[0])
        ordo_buf_printf(o, "Hypothesis: %s\n", a->cfg.hypothesis);
    ordo_buf_printf(o, "Tested claim: %s\n", an_claim_text(a, txt, sizeof txt));
    if (!a->cfg.claim.structured)
        return;
    for (size_t v = 1; v < a->V; v++) {
        const an_claim_t *r = &a->claims[v];
        ordo_buf_printf(o, "  %s: %s", a->cfg.variants[v], an_claim_status_name(r->status));
        if (r->status == AN_CLAIM_UNAVAILABLE)
            ordo_buf_printf(o, " (%s)\n", r->reason);
        else
            ordo_buf_printf(o, " (change %s, margin %s, one-sided p = %s)\n",
                            an_fmt(r->estimate, b1, sizeof b1), an_fmt(r->margin, b2, sizeof b2),
                            fmt_p(r->p_value, txt, sizeof txt));
    }
}

/* Header: experiment, verdict, orders (and units) per variant, SRM. */
static void write_head(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V;
    char b1[32], b2[32];
    const char *var, *why;
    ordo_analyze_verdict_t vd = ordo_analysis_verdict(a, &var, &why);
    ordo_buf_printf(o, "Experiment %s (unit: %s, control: %s, %s)\n", a->cfg.experiment,
                    ordo_exp_unit_kind_name(a->cfg.unit), a->cfg.variants[0],
                    a->cfg.from_registry ? "from the registry" : "defaults: not in the registry");
    write_hypothesis(a, o);
    ordo_buf_printf(o, "Runtime: %.1f days of the %g required (%s)%s\n", a->runtime_days,
                    a->required_days,
                    a->cfg.min_runtime_days >= 7 ? "min_runtime_days" : "one full weekly cycle",
                    a->runtime_short ? ": too short for a verdict on efficacy" : "");
    static const char *const vnames[] = {"KEEP RUNNING", "SHIP", "DO NOT SHIP"};
    ordo_buf_printf(o, "Verdict: %s%s%s — %s\n\n", vnames[vd], var ? " " : "", var ? var : "", why);
    ordo_buf_printf(o, "Orders per variant:");
    for (size_t v = 0; v < V; v++)
        ordo_buf_printf(o, "  %s %llu", a->cfg.variants[v], (unsigned long long)a->orders[v]);
    if (a->unit_map) {
        ordo_buf_printf(o, "\nUnits per variant: ");
        for (size_t v = 0; v < V; v++)
            ordo_buf_printf(o, "  %s %.0f", a->cfg.variants[v], a->unit_counts[v]);
    }
    ordo_buf_printf(o, "\n");
    if (a->srm_ok)
        ordo_buf_printf(o, "SRM: chi2 = %s, p = %s — %s\n", an_fmt(a->srm.stat, b1, sizeof b1),
                        fmt_p(a->srm.p_value, b2, sizeof b2),
                        a->srm.flags & ORDO_STATS_F_SRM ? "MISMATCH (p < 0.001)" : "ok");
    else
        ordo_buf_printf(o, "SRM: not tested (%s)\n", a->srm_reason);
}

/* One row of the metric table: metric m in variant v. */
static void write_metric_row(const ordo_analysis_t *a, size_t m, size_t v, bool kpi, ordo_buf_t *o)
{
    const size_t M = a->M;
    const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const an_arm_t *arm = &a->arms[v * M + m];
    char name[32];
    snprintf(name, sizeof name, "%s%s", kpi ? "*" : "", d->name);
    ordo_buf_printf(o, "%-24s %-8s %10s", v == 0 ? name : "", a->cfg.variants[v],
                    arm->ok ? an_fmt(arm->value, b1, sizeof b1) : "n/a");
    if (v == 0) {
        if (arm->missing)
            ordo_buf_printf(o, "   (%llu orders without a value)",
                            (unsigned long long)arm->missing);
        ordo_buf_printf(o, "\n");
        return;
    }
    const an_cmp_t *c = &a->cmps[v * M + m];
    if (!c->ok) {
        ordo_buf_printf(o, "  unavailable: %s\n", c->reason);
        return;
    }
    const ordo_stats_result_t *p = an_cmp_primary(c);
    char ci[48];
    snprintf(ci, sizeof ci, "[%s, %s]", an_fmt(p->ci_low, b3, sizeof b3),
             an_fmt(p->ci_high, b4, sizeof b4));
    double padj = an_cmp_p_adjusted(c);
    bool sig = padj < a->cfg.alpha;
    bool better = d->good == ORDO_GOOD_HIGHER ? p->estimate > 0 : p->estimate < 0;
    ordo_buf_printf(o, " %10s %10s %22s %9s %9s %s%s\n", an_fmt(p->estimate, b1, sizeof b1),
                    c->has_rel ? fmt_pct(c->rel.estimate, b2, sizeof b2) : "n/a", ci,
                    fmt_p(p->p_value, b4, sizeof b4),
                    isnan(padj) ? "-" : fmt_p(padj, b5, sizeof b5),
                    c->constant               ? "constant"
                    : d->good == ORDO_GOOD_NONE ? "descriptive"
                    : !sig                    ? "not significant"
                    : better                  ? "better"
                                              : "worse",
                    c->has_cuped ? " (CUPED)" : "");
}

/* True when no treatment of metric m can be compared yet. */
static bool not_computable(const ordo_analysis_t *a, size_t m)
{
    for (size_t v = 1; v < a->V; v++)
        if (a->cmps[v * a->M + m].ok)
            return false;
    return a->V > 1;
}

/* Metrics grouped as in the HTML report: primary KPIs, secondary metrics,
 * guardrails; those that cannot be computed yet in one line at the end. */
static void write_metric_table(const ordo_analysis_t *a, ordo_buf_t *o)
{
    static const char *const groups[3] = {"Primary KPIs", "Secondary metrics", "Guardrails"};
    ordo_buf_printf(o, "\n%-24s %-8s", "metric", "variant");
    ordo_buf_printf(o, " %10s %10s %10s %22s %9s %9s %s\n", "value", "diff", "lift",
                    "95% CI (diff)", "p", "p_holm", "result");
    for (int g = 0; g < 3; g++) {
        bool head = false;
        for (size_t m = 0; m < a->M; m++) {
            if (an_metric_group(a, m) != g || not_computable(a, m))
                continue;
            if (!head)
                ordo_buf_printf(o, "%s\n", groups[g]);
            head = true;
            for (size_t v = 0; v < a->V; v++)
                write_metric_row(a, m, v, g == 0, o);
        }
    }
    bool first = true;
    for (size_t m = 0; m < a->M; m++) {
        if (!not_computable(a, m))
            continue;
        ordo_buf_printf(o, "%s%s%s", first ? "Cannot be computed yet: " : ", ",
                        an_metric_group(a, m) == 0 ? "*" : "", a->cfg.metrics.m[m].name);
        first = false;
    }
    if (!first)
        ordo_buf_printf(o, " (reasons in the JSON and HTML reports)\n");
    ordo_buf_printf(o, "* primary KPI. diff = variant − control; lift relative to control.\n"
                       "p_holm: Holm among the primary KPIs on * rows (the verdict's test), "
                       "across all tested metrics on the others (BH in the JSON report).\n");
}

static void write_guardrails(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V;
    char b1[32], b2[32];
    if (!a->cfg.n_guardrails)
        return;
    ordo_buf_printf(o, "\nGuardrails (non-inferiority; breach = sequential confidence "
                       "sequence beyond the margin)\n");
    for (size_t g = 0; g < a->cfg.n_guardrails; g++)
        for (size_t v = 1; v < V; v++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
            char rel[48] = "";
            if (gs->relative)
                snprintf(rel, sizeof rel, " (%g%% of control)", 100 * gs->margin);
            ordo_buf_printf(o, "  %-22s %-8s harm=%s margin %s%s%s: %s", gs->metric,
                            a->cfg.variants[v],
                            gs->direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase",
                            an_fmt(gr->margin, b1, sizeof b1), rel,
                            gs->is_default ? " [default]" : "",
                            gr->breached       ? "BREACHED"
                            : !gr->evaluated   ? "unavailable"
                            : gr->non_inferior ? "pass"
                                               : "not yet shown");
            if (gr->evaluated)
                ordo_buf_printf(o, " (p_NI = %s)", fmt_p(gr->p_ni, b2, sizeof b2));
            else if (gr->reason[0])
                ordo_buf_printf(o, " (%s)", gr->reason);
            if (gr->harmed)
                ordo_buf_printf(o, " SIGNIFICANT HARM");
            ordo_buf_printf(o, "\n");
        }
}

int an_carriers(const ordo_analysis_t *a)
{
    int n = 0;
    while (n < ORDO_AN_LABELS && a->cfg.carrier_names[n][0])
        n++;
    return n;
}

double an_carrier_hhi(const ordo_analysis_t *a, size_t v, double *total)
{
    double t = 0, h = 0;
    for (int c = 0; c < ORDO_AN_LABELS; c++)
        t += a->carrier_ships[v][c];
    for (int c = 0; c < ORDO_AN_LABELS && t > 0; c++) {
        double s = 100 * a->carrier_ships[v][c] / t;
        h += s * s;
    }
    *total = t;
    return t > 0 ? h : NAN;
}

/* Each variant's shipments by carrier and their HHI. */
static void write_carriers(const ordo_analysis_t *a, ordo_buf_t *o)
{
    int n = an_carriers(a);
    if (!n)
        return;
    ordo_buf_printf(o, "\nCarrier dependence (share of shipments; HHI on 0-10,000)\n");
    for (size_t v = 0; v < a->V; v++) {
        double tot, hhi = an_carrier_hhi(a, v, &tot);
        ordo_buf_printf(o, "  %-16s %10.0f shipments  HHI %s", a->cfg.variants[v], tot,
                        isfinite(hhi) ? "" : "n/a");
        if (isfinite(hhi))
            ordo_buf_printf(o, "%.0f", hhi);
        for (int c = 0; c < n && tot > 0; c++)
            ordo_buf_printf(o, "%s%s %.1f%%", c ? ", " : "  ", a->cfg.carrier_names[c],
                            100 * a->carrier_ships[v][c] / tot);
        ordo_buf_printf(o, "\n");
    }
}

/* The key metrics in rural and urban ship-to ZIPs (the rurality segment;
 * the other segments are in the JSON and HTML reports). */
static void write_rurality(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const int dim = AN_DIM_RURALITY;
    char b1[32], b2[32], b3[32];
    bool head = false;
    for (size_t k = 0; k < a->K; k++) {
        for (size_t s = 0; s < a->seg_n[dim]; s++) {
            const an_seg_cell_t *cell = &a->segres[dim][s * a->K + k];
            uint64_t n = 0;
            for (size_t v = 0; v < a->V; v++)
                n += cell->arm[v].orders;
            if (!n)
                continue;
            if (!head)
                ordo_buf_printf(o, "\nBy rurality of the ship-to ZIP (rural: population under "
                                   "%u; for diagnosis, not the verdict)\n",
                                ORDO_GEO_RURAL_ZIP_POPULATION);
            head = true;
            ordo_buf_printf(o, "  %-22s %-8s", a->cfg.metrics.m[a->key[k]].name,
                            an_segment_name(a, dim, (int)s));
            for (size_t v = 0; v < a->V; v++) {
                const an_arm_t *arm = &cell->arm[v];
                ordo_buf_printf(o, "  %s %s (%llu)", a->cfg.variants[v],
                                an_fmt(arm->ok ? arm->value : NAN, b1, sizeof b1),
                                (unsigned long long)arm->orders);
            }
            for (size_t v = 1; v < a->V; v++)
                if (cell->ok[v])
                    ordo_buf_printf(o, "  diff %s [%s, %s]", an_fmt(cell->diff[v].estimate, b1, sizeof b1),
                                    an_fmt(cell->diff[v].ci_low, b2, sizeof b2),
                                    an_fmt(cell->diff[v].ci_high, b3, sizeof b3));
            ordo_buf_printf(o, "\n");
        }
    }
}

static void write_notes(const ordo_analysis_t *a, ordo_buf_t *o)
{
    size_t pos = 0;
    const char *n;
    bool first = true;
    while ((n = an_note_next(a, &pos))) {
        if (first)
            ordo_buf_printf(o, "\nData notes\n");
        first = false;
        ordo_buf_printf(o, "  - %s\n", n);
    }
}

int ordo_analysis_write_text(const ordo_analysis_t *a, ordo_buf_t *o)
{
    write_head(a, o);
    write_metric_table(a, o);
    write_guardrails(a, o);
    write_shadow(a, o);
    write_carriers(a, o);
    write_rurality(a, o);
    an_ops_write_text(a, o);
    write_notes(a, o);
    return o->oom ? ORDO_ENOMEM : ORDO_OK;
}
