/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the JSON report (docs/reports.md). Values that cannot be
 * computed are null next to a "reason"; never a bare NaN. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void kd(ordo_jsonw_t *w, const char *k, double v)
{
    if (isfinite(v))
        ordo_jsonw_kdouble(w, k, v);
    else {
        ordo_jsonw_key(w, k);
        ordo_jsonw_null(w);
    }
}

static void write_result(ordo_jsonw_t *w, const ordo_stats_result_t *r)
{
    ordo_jsonw_obj_begin(w);
    kd(w, "estimate", r->estimate);
    kd(w, "se", r->se);
    kd(w, "ci_low", r->ci_low);
    kd(w, "ci_high", r->ci_high);
    kd(w, "stat", r->stat);
    kd(w, "p_value", r->p_value);
    kd(w, "df", r->df);
    if (r->flags & ORDO_STATS_F_ZERO_VARIANCE)
        ordo_jsonw_kbool(w, "zero_variance", true);
    if (r->flags & ORDO_STATS_F_SMALL_SAMPLE)
        ordo_jsonw_kbool(w, "small_sample", true);
    ordo_jsonw_obj_end(w);
}

static void write_arm(ordo_jsonw_t *w, const char *key, const an_arm_t *arm)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "variant", key);
    kd(w, "units", arm->n);
    ordo_jsonw_kint(w, "orders", (int64_t)arm->orders);
    ordo_jsonw_kint(w, "missing", (int64_t)arm->missing);
    kd(w, "value", arm->ok ? arm->value : NAN);
    kd(w, "se", arm->ok ? arm->se : NAN);
    if (!arm->ok)
        ordo_jsonw_kstr(w, "reason", arm->orders ? "too few units" : "no orders with a value");
    ordo_jsonw_obj_end(w);
}

/* "hypothesis": the prose, the structured claim (null when prose only) and
 * its test per treatment. */
static void write_hypothesis(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const ordo_exp_claim_t *cl = &a->cfg.claim;
    ordo_jsonw_key(w, "hypothesis");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "text", a->cfg.hypothesis);
    ordo_jsonw_kbool(w, "structured", cl->structured);
    char buf[160];
    ordo_jsonw_kstr(w, "claim", an_claim_text(a, buf, sizeof buf));
    if (cl->structured) {
        ordo_jsonw_kstr(w, "metric", cl->metric);
        ordo_jsonw_kstr(w, "direction", cl->direction == ORDO_EXP_DIR_DECREASE ? "decrease"
                                                                                : "increase");
        ordo_jsonw_kstr(w, "bound", cl->bound == ORDO_EXP_AT_MOST ? "at_most" : "at_least");
        kd(w, "margin", cl->margin);
        ordo_jsonw_kbool(w, "relative", cl->relative);
        ordo_jsonw_kstr(w, "test", cl->bound == ORDO_EXP_AT_MOST ? "non-inferiority"
                                                                  : "superiority by a margin");
    }
    ordo_jsonw_key(w, "tests");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 1; v < a->V && a->finished; v++) {
        const an_claim_t *r = &a->claims[v];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
        ordo_jsonw_kstr(w, "status", an_claim_status_name(r->status));
        kd(w, "estimate", r->estimate);
        kd(w, "margin", r->margin);
        kd(w, "p_value", r->p_value);
        if (r->status == AN_CLAIM_UNAVAILABLE)
            ordo_jsonw_kstr(w, "reason", r->reason);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_experiment(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const ordo_analyze_config_t *c = &a->cfg;
    ordo_jsonw_key(w, "experiment");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "id", c->experiment);
    ordo_jsonw_kstr(w, "source", c->from_registry ? "registry" : "defaults");
    ordo_jsonw_kstr(w, "unit", ordo_exp_unit_kind_name(c->unit));
    ordo_jsonw_kstr(w, "control", c->variants[0]);
    ordo_jsonw_key(w, "variants");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "key", c->variants[v]);
        if (c->policy_versions[v][0])
            ordo_jsonw_kstr(w, "policy_version", c->policy_versions[v]);
        kd(w, "weight", c->weights[v]);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "primary_kpis");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < c->n_kpis; i++)
        ordo_jsonw_str(w, c->kpis[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "guardrails");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < c->n_guardrails; i++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "metric", c->guardrails[i].metric);
        ordo_jsonw_kstr(w, "direction",
                        c->guardrails[i].direction == ORDO_EXP_DIR_DECREASE ? "decrease"
                                                                             : "increase");
        kd(w, "margin", c->guardrails[i].margin);
        ordo_jsonw_kbool(w, "relative", c->guardrails[i].relative);
        ordo_jsonw_kbool(w, "default", c->guardrails[i].is_default);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    kd(w, "alpha", c->alpha);
    write_hypothesis(a, w);
    ordo_jsonw_key(w, "runtime");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "start", a->start_ts);
    ordo_jsonw_kint(w, "now", a->now);
    kd(w, "days", a->runtime_days);
    kd(w, "required_days", a->required_days);
    kd(w, "min_runtime_days", c->min_runtime_days);
    kd(w, "max_runtime_days", c->max_runtime_days);
    ordo_jsonw_kbool(w, "long_enough", !a->runtime_short);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_data(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    char b[32];
    ordo_jsonw_key(w, "data");
    ordo_jsonw_obj_begin(w);
    uint64_t total = 0;
    for (size_t v = 0; v < a->V; v++)
        total += a->orders[v];
    ordo_jsonw_kint(w, "orders_analysed", (int64_t)total);
    if (a->has_counts) {
        const ordo_analyze_counts_t *c = &a->counts;
        ordo_jsonw_kint(w, "log_records", (int64_t)c->records);
        ordo_jsonw_kint(w, "decisions", (int64_t)c->decisions);
        ordo_jsonw_kint(w, "shadow_records", (int64_t)c->shadows);
        ordo_jsonw_kint(w, "bad_records", (int64_t)c->bad_records);
        ordo_jsonw_kint(w, "other_experiment", (int64_t)c->other_experiment);
        ordo_jsonw_kint(w, "no_experiment", (int64_t)c->no_experiment);
        ordo_jsonw_kint(w, "unknown_variant", (int64_t)c->unknown_variant);
        ordo_jsonw_kint(w, "excluded_warmup", (int64_t)c->excluded_warmup);
        ordo_jsonw_kint(w, "excluded_burn", (int64_t)c->excluded_burn);
        ordo_jsonw_kint(w, "excluded_flagged", (int64_t)c->excluded_flagged);
        ordo_jsonw_kint(w, "missing_outcome", (int64_t)c->missing_outcome);
        ordo_jsonw_kint(w, "time_inconsistent", (int64_t)c->time_inconsistent);
        ordo_jsonw_kint(w, "no_catalog", (int64_t)c->no_catalog);
        ordo_jsonw_kint(w, "covariate_missing", (int64_t)c->covariate_missing);
        ordo_jsonw_kint(w, "outcomes_loaded", (int64_t)c->outcomes_loaded);
        ordo_jsonw_kint(w, "outcomes_unmatched", (int64_t)c->outcomes_unmatched);
        ordo_jsonw_key(w, "invalid_outcome");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "orders", (int64_t)c->invalid_outcome);
        ordo_jsonw_kint(w, "before_order", (int64_t)c->invalid_before_order);
        ordo_jsonw_kint(w, "delivered_before_shipped",
                        (int64_t)c->invalid_delivered_before_shipped);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_kint(w, "nonfinite_values", (int64_t)a->nonfinite);
    if (a->first_ts > 0) {
        ordo_jsonw_kstr(w, "first", ordo_time_format(a->first_ts, b, sizeof b));
        ordo_jsonw_kstr(w, "last", ordo_time_format(a->last_ts, b, sizeof b));
    }
    ordo_jsonw_kint(w, "days", (int64_t)a->n_days);
    ordo_jsonw_key(w, "variants");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "key", a->cfg.variants[v]);
        ordo_jsonw_kint(w, "orders", (int64_t)a->orders[v]);
        kd(w, "units", a->unit_counts[v]);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_srm(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "srm");
    ordo_jsonw_obj_begin(w);
    double total = 0, wsum = 0;
    for (size_t v = 0; v < a->V; v++) {
        total += a->unit_counts[v];
        wsum += a->cfg.weights[v];
    }
    ordo_jsonw_key(w, "observed");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++)
        ordo_jsonw_double(w, a->unit_counts[v]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "expected");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++)
        ordo_jsonw_double(w, wsum > 0 ? total * a->cfg.weights[v] / wsum : 0);
    ordo_jsonw_arr_end(w);
    if (a->srm_ok) {
        kd(w, "chi2", a->srm.stat);
        kd(w, "df", a->srm.df);
        kd(w, "p_value", a->srm.p_value);
        ordo_jsonw_kbool(w, "mismatch", (a->srm.flags & ORDO_STATS_F_SRM) != 0);
    } else {
        ordo_jsonw_key(w, "p_value");
        ordo_jsonw_null(w);
        ordo_jsonw_kbool(w, "mismatch", false);
        ordo_jsonw_kstr(w, "reason", a->srm_reason);
    }
    kd(w, "threshold", ORDO_STATS_SRM_ALPHA);
    ordo_jsonw_obj_end(w);
}

static void write_metrics(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const size_t V = a->V, M = a->M;
    ordo_jsonw_key(w, "metrics");
    ordo_jsonw_arr_begin(w);
    for (size_t m = 0; m < M; m++) {
        const ordo_metric_def_t *d = &a->cfg.metrics.m[m];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "name", d->name);
        ordo_jsonw_kstr(w, "label", d->label[0] ? d->label : d->name);
        ordo_jsonw_kstr(w, "type", ordo_metric_type_name(d->type));
        ordo_jsonw_kstr(w, "good", ordo_metric_good_name(d->good));
        if (d->unit[0])
            ordo_jsonw_kstr(w, "unit", d->unit);
        ordo_jsonw_kstr(w, "numerator", ordo_analyze_field_name(d->numerator));
        ordo_jsonw_kstr(w, "denominator", ordo_analyze_field_name(d->denominator));
        bool kpi = false;
        for (size_t i = 0; i < a->cfg.n_kpis; i++)
            kpi |= !strcmp(a->cfg.kpis[i], d->name);
        ordo_jsonw_kbool(w, "primary", kpi);
        ordo_jsonw_key(w, "variants");
        ordo_jsonw_arr_begin(w);
        for (size_t v = 0; v < V; v++)
            write_arm(w, a->cfg.variants[v], &a->arms[v * M + m]);
        ordo_jsonw_arr_end(w);
        ordo_jsonw_key(w, "comparisons");
        ordo_jsonw_arr_begin(w);
        for (size_t v = 1; v < V; v++) {
            const an_cmp_t *c = &a->cmps[v * M + m];
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
            ordo_jsonw_kbool(w, "available", c->ok);
            if (!c->ok) {
                ordo_jsonw_kstr(w, "reason", c->reason);
                ordo_jsonw_obj_end(w);
                continue;
            }
            ordo_jsonw_kstr(w, "method", c->method);
            ordo_jsonw_kstr(w, "analysis", c->has_cuped ? "cuped" : "unadjusted");
            ordo_jsonw_kbool(w, "constant", c->constant);
            ordo_jsonw_key(w, "difference");
            write_result(w, &c->diff);
            ordo_jsonw_key(w, "relative_lift");
            if (c->has_rel)
                write_result(w, &c->rel);
            else
                ordo_jsonw_null(w);
            ordo_jsonw_key(w, "cuped");
            if (c->has_cuped) {
                ordo_jsonw_obj_begin(w);
                kd(w, "theta", c->theta);
                ordo_jsonw_key(w, "difference");
                write_result(w, &c->cuped);
                kd(w, "variance_reduction",
                   c->diff.se > 0 ? 1 - (c->cuped.se * c->cuped.se) / (c->diff.se * c->diff.se)
                                  : NAN);
                ordo_jsonw_obj_end(w);
            } else {
                ordo_jsonw_null(w);
                if (c->cuped_note[0])
                    ordo_jsonw_kstr(w, "cuped_note", c->cuped_note);
            }
            if (c->has_post || c->post_note[0]) {
                ordo_jsonw_key(w, "poststratified");
                if (c->has_post)
                    write_result(w, &c->post);
                else
                    ordo_jsonw_null(w);
                if (c->post_note[0])
                    ordo_jsonw_kstr(w, "poststratified_note", c->post_note);
            }
            const ordo_stats_result_t *p = an_cmp_primary(c);
            kd(w, "p_value", p->p_value);
            kd(w, "p_holm", c->tested ? c->p_holm : NAN);
            kd(w, "p_bh", c->tested ? c->p_bh : NAN);
            if (c->kpi)
                kd(w, "p_holm_kpis", c->p_kpi);
            bool sig = an_cmp_p_adjusted(c) < a->cfg.alpha;
            bool better = d->good == ORDO_GOOD_HIGHER ? p->estimate > 0 : p->estimate < 0;
            ordo_jsonw_kstr(w, "result",
                            d->good == ORDO_GOOD_NONE ? "descriptive"
                            : !sig                    ? "not significant"
                            : better                  ? "better"
                                                      : "worse");
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

static void write_guardrails(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const size_t V = a->V;
    ordo_jsonw_key(w, "guardrails");
    ordo_jsonw_arr_begin(w);
    for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
        const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
        for (size_t v = 1; v < V; v++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "metric", gs->metric);
            ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
            ordo_jsonw_kstr(w, "direction",
                            gs->direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase");
            kd(w, "margin", gr->margin);
            if (gs->relative)
                kd(w, "relative_margin", gs->margin);
            ordo_jsonw_kbool(w, "default", gs->is_default);
            ordo_jsonw_kbool(w, "significant_harm", gr->harmed);
            const an_cmp_t *c = gr->metric >= 0 ? &a->cmps[v * a->M + (size_t)gr->metric] : NULL;
            if (c && c->ok) {
                const ordo_stats_result_t *p = an_cmp_primary(c);
                kd(w, "estimate", p->estimate);
                kd(w, "ci_low", p->ci_low);
                kd(w, "ci_high", p->ci_high);
            }
            kd(w, "p_noninferiority", gr->evaluated ? gr->p_ni : NAN);
            ordo_jsonw_kbool(w, "non_inferior", gr->evaluated && gr->non_inferior);
            ordo_jsonw_kbool(w, "breached", gr->breached);
            ordo_jsonw_kstr(w, "status", gr->breached          ? "breached"
                                         : !gr->evaluated      ? "unavailable"
                                         : gr->non_inferior    ? "pass"
                                                               : "not yet shown");
            if (!gr->evaluated)
                ordo_jsonw_kstr(w, "reason", gr->reason[0] ? gr->reason : "no data");
            ordo_jsonw_obj_end(w);
        }
    }
    ordo_jsonw_arr_end(w);
}

static void write_series(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const size_t V = a->V, K = a->K, D = a->n_days;
    char b[32];
    ordo_jsonw_key(w, "timeseries");
    ordo_jsonw_arr_begin(w);
    for (size_t k = 0; k < K; k++) {
        size_t m = (size_t)a->key[k];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "metric", a->cfg.metrics.m[m].name);
        ordo_jsonw_key(w, "days");
        ordo_jsonw_arr_begin(w);
        for (size_t d = 0; d < D; d++) {
            ordo_time_format((a->day0 + (int64_t)d) * 86400, b, sizeof b);
            b[10] = 0;
            ordo_jsonw_str(w, b);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_key(w, "cumulative");
        ordo_jsonw_obj_begin(w);
        for (size_t v = 0; v < V; v++) {
            ordo_jsonw_key(w, a->cfg.variants[v]);
            ordo_jsonw_arr_begin(w);
            for (size_t d = 0; d < D; d++) {
                double x = a->ts_value[(k * D + d) * V + v];
                if (isfinite(x))
                    ordo_jsonw_double(w, x);
                else
                    ordo_jsonw_null(w);
            }
            ordo_jsonw_arr_end(w);
        }
        ordo_jsonw_obj_end(w);
        ordo_jsonw_key(w, "sequential");
        ordo_jsonw_arr_begin(w);
        for (size_t v = 1; v < V; v++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
            kd(w, "tau2", a->seq_tau2[k * V + v]);
            ordo_jsonw_key(w, "looks");
            ordo_jsonw_arr_begin(w);
            for (size_t d = 0; d < D; d++) {
                const an_seq_point_t *pt = &a->seq[(k * V + v) * D + d];
                if (!pt->ok)
                    continue;
                ordo_jsonw_obj_begin(w);
                ordo_time_format(pt->day * 86400, b, sizeof b);
                b[10] = 0;
                ordo_jsonw_kstr(w, "day", b);
                kd(w, "estimate", pt->estimate);
                kd(w, "cs_low", pt->cs_low);
                kd(w, "cs_high", pt->cs_high);
                kd(w, "p_value", pt->p_value);
                ordo_jsonw_obj_end(w);
            }
            ordo_jsonw_arr_end(w);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

static void write_segments(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    static const char *const keys[AN_DIMS] = {"region", "family", "value_band", "channel",
                                              "promotion", "rurality"};
    const size_t V = a->V, K = a->K;
    ordo_jsonw_key(w, "segments");
    ordo_jsonw_obj_begin(w);
    for (int dim = 0; dim < AN_DIMS; dim++) {
        ordo_jsonw_key(w, keys[dim]);
        ordo_jsonw_arr_begin(w);
        for (size_t s = 0; s < a->seg_n[dim]; s++) {
            uint64_t n = 0;
            for (size_t k = 0; k < K; k++)
                for (size_t v = 0; v < V; v++)
                    n += a->segres[dim][s * K + k].arm[v].orders;
            if (!n)
                continue;
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "segment", an_segment_name(a, dim, (int)s));
            ordo_jsonw_key(w, "metrics");
            ordo_jsonw_arr_begin(w);
            for (size_t k = 0; k < K; k++) {
                const an_seg_cell_t *cell = &a->segres[dim][s * K + k];
                ordo_jsonw_obj_begin(w);
                ordo_jsonw_kstr(w, "metric", a->cfg.metrics.m[a->key[k]].name);
                ordo_jsonw_key(w, "variants");
                ordo_jsonw_arr_begin(w);
                for (size_t v = 0; v < V; v++)
                    write_arm(w, a->cfg.variants[v], &cell->arm[v]);
                ordo_jsonw_arr_end(w);
                ordo_jsonw_key(w, "comparisons");
                ordo_jsonw_arr_begin(w);
                for (size_t v = 1; v < V; v++) {
                    ordo_jsonw_obj_begin(w);
                    ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
                    ordo_jsonw_kbool(w, "available", cell->ok[v]);
                    if (cell->ok[v]) {
                        ordo_jsonw_key(w, "difference");
                        write_result(w, &cell->diff[v]);
                    } else {
                        ordo_jsonw_kstr(w, "reason", "too few orders in an arm");
                    }
                    ordo_jsonw_obj_end(w);
                }
                ordo_jsonw_arr_end(w);
                ordo_jsonw_obj_end(w);
            }
            ordo_jsonw_arr_end(w);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static void write_shadow_group(const ordo_analysis_t *a, size_t g, ordo_jsonw_t *w)
{
    const an_shadow_group_t *sg = &a->shadow[g];
    ordo_jsonw_obj_begin(w);
    if (g != AN_SHADOW_ALL(a)) {
        ordo_jsonw_key(w, "variant");
        if (g < a->V)
            ordo_jsonw_str(w, a->cfg.variants[g]);
        else
            ordo_jsonw_null(w);
        ordo_jsonw_kstr(w, "label", an_shadow_group_label(a, g));
        ordo_jsonw_kbool(w, "in_experiment", g < a->V);
    }
    ordo_jsonw_kint(w, "orders", (int64_t)sg->orders);
    ordo_jsonw_kint(w, "plans_compared", (int64_t)sg->compared);
    ordo_jsonw_kint(w, "plans_differ", (int64_t)sg->differ);
    kd(w, "differ_share", sg->compared ? (double)sg->differ / (double)sg->compared : NAN);
    ordo_jsonw_key(w, "metrics");
    ordo_jsonw_arr_begin(w);
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
        const an_shadow_stat_t *r = &sg->res[m];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "name", ordo_analyze_shadow_metric_name(m));
        ordo_jsonw_kint(w, "orders", (int64_t)r->n);
        kd(w, "real", r->n ? r->real : NAN);
        kd(w, "shadow", r->n ? r->shadow : NAN);
        ordo_jsonw_kbool(w, "available", r->ok);
        ordo_jsonw_key(w, "difference");
        if (r->ok) {
            write_result(w, &r->diff);
        } else {
            ordo_jsonw_null(w);
            ordo_jsonw_kstr(w, "reason", r->reason);
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_shadow(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    const ordo_analyze_shadow_info_t *si = &a->shadow_info;
    const an_shadow_group_t *all = &a->shadow[AN_SHADOW_ALL(a)];
    ordo_jsonw_key(w, "shadow");
    ordo_jsonw_obj_begin(w);
    bool avail = all->orders > 0;
    ordo_jsonw_kbool(w, "available", avail);
    if (!avail)
        ordo_jsonw_kstr(w, "reason",
                        si->records ? "no shadow record pairs with an analysed decision"
                                    : "no shadow records for this experiment in the log");
    ordo_jsonw_kstr(w, "direction", "shadow - real");
    ordo_jsonw_key(w, "policy");
    if (si->records) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "name", si->policy_name);
        ordo_jsonw_kstr(w, "version", si->policy_version);
        ordo_jsonw_obj_end(w);
    } else {
        ordo_jsonw_null(w);
    }
    ordo_jsonw_kint(w, "records", (int64_t)si->records);
    ordo_jsonw_kint(w, "paired", (int64_t)all->orders);
    ordo_jsonw_kint(w, "unpaired", (int64_t)si->unpaired);
    ordo_jsonw_kint(w, "excluded", (int64_t)si->excluded);
    ordo_jsonw_kint(w, "other_records", (int64_t)si->other);
    ordo_jsonw_kint(w, "policy_changes", (int64_t)si->policy_changes);
    if (avail) {
        ordo_jsonw_key(w, "overall");
        write_shadow_group(a, AN_SHADOW_ALL(a), w);
        ordo_jsonw_key(w, "arms");
        ordo_jsonw_arr_begin(w);
        for (size_t g = 0; g <= AN_SHADOW_OUT(a); g++)
            write_shadow_group(a, g, w);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static void write_mix(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "zone_mix");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++) {
        double tot = 0;
        for (int z = 0; z < 9; z++)
            tot += a->zone_ships[v][z];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
        kd(w, "shipments", tot);
        ordo_jsonw_key(w, "shares");
        ordo_jsonw_arr_begin(w);
        for (int z = 0; z < 9; z++) {
            if (tot > 0)
                ordo_jsonw_double(w, a->zone_ships[v][z] / tot);
            else
                ordo_jsonw_null(w);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* carrier_mix: per variant, shipments by carrier, shares and the HHI. */
static void write_carrier_mix(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    int n = an_carriers(a);
    ordo_jsonw_key(w, "carrier_mix");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 0; v < a->V; v++) {
        double tot, hhi = an_carrier_hhi(a, v, &tot);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
        kd(w, "shipments", tot);
        kd(w, "hhi", hhi);
        ordo_jsonw_key(w, "carriers");
        ordo_jsonw_arr_begin(w);
        for (int c = 0; c < n; c++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "carrier", a->cfg.carrier_names[c]);
            kd(w, "shipments", a->carrier_ships[v][c]);
            kd(w, "share", tot > 0 ? a->carrier_ships[v][c] / tot : NAN);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

void ordo_analysis_write_json(const ordo_analysis_t *a, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "report_version", 1);
    write_experiment(a, w);
    ordo_jsonw_key(w, "verdict");
    ordo_jsonw_obj_begin(w);
    const char *var, *why;
    ordo_analyze_verdict_t vd = ordo_analysis_verdict(a, &var, &why);
    ordo_jsonw_kstr(w, "decision", ordo_analyze_verdict_name(vd));
    ordo_jsonw_kstr(w, "variant", var);
    ordo_jsonw_kstr(w, "reason", why);
    ordo_jsonw_key(w, "per_variant");
    ordo_jsonw_arr_begin(w);
    for (size_t v = 1; v < a->V; v++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->cfg.variants[v]);
        ordo_jsonw_kstr(w, "decision", ordo_analyze_verdict_name(a->v_verdict[v]));
        ordo_jsonw_kstr(w, "reason", a->v_reason[v]);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
    write_data(a, w);
    ordo_jsonw_key(w, "notes");
    ordo_jsonw_arr_begin(w);
    size_t pos = 0;
    const char *n;
    while ((n = an_note_next(a, &pos)))
        ordo_jsonw_str(w, n);
    ordo_jsonw_arr_end(w);
    write_srm(a, w);
    write_metrics(a, w);
    write_guardrails(a, w);
    write_series(a, w);
    write_segments(a, w);
    write_mix(a, w);
    write_carrier_mix(a, w);
    an_ops_write_json(a, w);
    write_shadow(a, w);
    ordo_jsonw_key(w, "run");
    if (a->run_summary)
        ordo_jsonw_raw(w, a->run_summary, strlen(a->run_summary));
    else
        ordo_jsonw_null(w);
    ordo_jsonw_obj_end(w);
}
