/* ordo analyze — the text report for a terminal. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

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

int ordo_analysis_write_text(const ordo_analysis_t *a, ordo_buf_t *o)
{
    const size_t V = a->V, M = a->M;
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    const char *var, *why;
    ordo_analyze_verdict_t vd = ordo_analysis_verdict(a, &var, &why);
    ordo_buf_printf(o, "Experiment %s (unit: %s, control: %s, %s)\n", a->cfg.experiment,
                    ordo_exp_unit_kind_name(a->cfg.unit), a->cfg.variants[0],
                    a->cfg.from_registry ? "from the registry" : "defaults: not in the registry");
    static const char *const vnames[] = {"KEEP RUNNING", "SHIP", "DO NOT SHIP"};
    ordo_buf_printf(o, "Verdict: %s%s%s — %s\n\n", vnames[vd], var ? " " : "", var ? var : "",
                    why);
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
    ordo_buf_printf(o, "\n%-24s %-8s", "metric", "variant");
    ordo_buf_printf(o, " %10s %10s %10s %22s %9s %9s %s\n", "value", "diff", "lift", "95% CI (diff)",
                    "p", "p_holm", "result");
    for (size_t m = 0; m < M; m++) {
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        bool kpi = false;
        for (size_t i = 0; i < a->cfg.n_kpis; i++)
            kpi |= !strcmp(a->cfg.kpis[i], d->name);
        for (size_t v = 0; v < V; v++) {
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
                continue;
            }
            const an_cmp_t *c = &a->cmps[v * M + m];
            if (!c->ok) {
                ordo_buf_printf(o, "  unavailable: %s\n", c->reason);
                continue;
            }
            const ordo_stats_result_t *p = an_cmp_primary(c);
            char ci[48];
            snprintf(ci, sizeof ci, "[%s, %s]", an_fmt(p->ci_low, b3, sizeof b3),
                     an_fmt(p->ci_high, b4, sizeof b4));
            bool sig = c->tested && c->p_holm < a->cfg.alpha;
            bool better = d->good == ORDO_GOOD_HIGHER ? p->estimate > 0 : p->estimate < 0;
            ordo_buf_printf(o, " %10s %10s %22s %9s %9s %s%s\n", an_fmt(p->estimate, b1, sizeof b1),
                            c->has_rel ? fmt_pct(c->rel.estimate, b2, sizeof b2) : "n/a", ci,
                            fmt_p(p->p_value, b4, sizeof b4),
                            c->tested ? fmt_p(c->p_holm, b5, sizeof b5) : "-",
                            d->good == ORDO_GOOD_NONE ? "descriptive"
                            : !sig                    ? "not significant"
                            : better                  ? "better"
                                                      : "worse",
                            c->has_cuped ? " (CUPED)" : "");
        }
    }
    ordo_buf_printf(o, "* primary KPI. diff = variant − control; lift relative to control; "
                       "p_holm adjusted across metrics (BH in the JSON report).\n");
    if (a->cfg.n_guardrails) {
        ordo_buf_printf(o, "\nGuardrails (non-inferiority; breach = sequential confidence "
                           "sequence beyond the margin)\n");
        for (size_t g = 0; g < a->cfg.n_guardrails; g++)
            for (size_t v = 1; v < V; v++) {
                const an_guard_t *gr = &a->guards[g * V + v];
                const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
                ordo_buf_printf(o, "  %-22s %-8s harm=%s margin %s: %s", gs->metric,
                                a->cfg.variants[v],
                                gs->direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase",
                                an_fmt(gs->margin, b1, sizeof b1),
                                gr->breached       ? "BREACHED"
                                : !gr->evaluated   ? "unavailable"
                                : gr->non_inferior ? "pass"
                                                   : "not yet shown");
                if (gr->evaluated)
                    ordo_buf_printf(o, " (p_NI = %s)", fmt_p(gr->p_ni, b2, sizeof b2));
                else if (gr->reason[0])
                    ordo_buf_printf(o, " (%s)", gr->reason);
                ordo_buf_printf(o, "\n");
            }
    }
    size_t pos = 0;
    const char *n;
    bool first = true;
    while ((n = an_note_next(a, &pos))) {
        if (first)
            ordo_buf_printf(o, "\nData notes\n");
        first = false;
        ordo_buf_printf(o, "  - %s\n", n);
    }
    return o->oom ? ORDO_ENOMEM : ORDO_OK;
}
