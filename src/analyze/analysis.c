/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the streaming core, accumulation: segments, configuration,
 * and rows in, accumulators per variant × metric (× segment, × day for the
 * key metrics). The statistics at finish and the verdict are in verdict.c
 * (docs/internals/ANALYZE.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/geo.h"

/* ------------------------------------------------------------------ */
/* Segments */

/* Regions are geo's (ordo_geo_region_t): index r is region r. */
_Static_assert((int)ORDO_AN_REGIONS == (int)ORDO_GEO_REGIONS, "analysis regions are geo regions");
static const char *const band_names[ORDO_AN_VALUE_BANDS] = {
    "under $50", "$50-100", "$100-250", "$250-500", "$500 and over", "unknown"};
const char *const an_dim_names[AN_DIMS] = {"region", "product family", "order value", "channel",
                                           "promotion", "rurality"};

const char *ordo_analyze_region_name(int r)
{
    return ordo_geo_region_name(r >= 0 && r < ORDO_AN_REGIONS ? (ordo_geo_region_t)r
                                                              : ORDO_REGION_UNKNOWN);
}

int ordo_analyze_region_index(const char *name)
{
    ordo_geo_region_t r;
    return ordo_geo_region_parse(name, &r) == ORDO_OK ? (int)r : (int)ORDO_REGION_UNKNOWN;
}

const char *ordo_analyze_value_band_name(int b)
{
    return b >= 0 && b < ORDO_AN_VALUE_BANDS ? band_names[b] : "unknown";
}

int ordo_analyze_value_band(double v)
{
    if (!isfinite(v) || v < 0)
        return ORDO_AN_VALUE_BANDS - 1;
    return v < 50 ? 0 : v < 100 ? 1 : v < 250 ? 2 : v < 500 ? 3 : 4;
}

const char *ordo_analyze_rurality_name(int r)
{
    static const char *const names[ORDO_AN_RURALITIES] = {"rural", "urban", "unknown"};
    return r >= 0 && r < ORDO_AN_RURALITIES ? names[r] : "unknown";
}

const char *an_family_name(const ordo_analysis_t *a, int s)
{
    if (s < 0 || s >= ORDO_AN_FAMILIES - 1 || !a->cfg.family_names[s][0])
        return "unknown";
    return a->cfg.family_names[s];
}

/* A channel or promotion label; the last is "other". */
static const char *label_name(const char (*names)[32], int s)
{
    if (s < 0 || s >= ORDO_AN_LABELS - 1)
        return "other";
    return names[s][0] ? names[s] : "unknown";
}

const char *an_segment_name(const ordo_analysis_t *a, int dim, int s)
{
    switch (dim) {
    case 0: return ordo_analyze_region_name(s);
    case 1: return an_family_name(a, s);
    case 2: return ordo_analyze_value_band_name(s);
    case 3: return label_name(a->cfg.channel_names, s);
    case 4: return label_name(a->cfg.promotion_names, s);
    default: return ordo_analyze_rurality_name(s);
    }
}

const char *ordo_analyze_verdict_name(ordo_analyze_verdict_t v)
{
    switch (v) {
    case ORDO_VERDICT_SHIP: return "ship";
    case ORDO_VERDICT_DO_NOT_SHIP: return "do_not_ship";
    case ORDO_VERDICT_KEEP_RUNNING: return "keep_running";
    }
    return "?";
}

void ordo_analyze_row_init(ordo_analyze_row_t *row)
{
    memset(row, 0, sizeof *row);
    for (int i = 0; i < ORDO_AF_COUNT; i++)
        row->v[i] = NAN;
    row->v[ORDO_AF_ORDERS] = 1;
    row->region = ORDO_AN_REGIONS - 1;
    row->value_band = ORDO_AN_VALUE_BANDS - 1;
    row->family = ORDO_AN_FAMILIES - 1;
    row->channel = ORDO_AN_LABELS - 1;
    row->promotion = ORDO_AN_LABELS - 1;
    row->rurality = ORDO_AN_RURALITIES - 1;
}

/* ------------------------------------------------------------------ */
/* Configuration */

static void config_common(ordo_analyze_config_t *cfg, const ordo_metric_set_t *metrics)
{
    if (metrics)
        cfg->metrics = *metrics;
    else
        ordo_metric_set_default(&cfg->metrics);
    if (!(cfg->alpha > 0 && cfg->alpha < 1))
        cfg->alpha = 0.05;
}

static void guardrail_from_spec(ordo_analyze_guardrail_t *g, const ordo_exp_guardrail_spec_t *s,
                                bool is_default)
{
    snprintf(g->metric, sizeof g->metric, "%s", s->metric);
    g->direction = s->direction;
    g->margin = s->margin;
    g->relative = s->relative;
    g->is_default = is_default;
}

void ordo_analyze_config_from_exp(ordo_analyze_config_t *cfg, const ordo_exp_t *exp,
                                  const ordo_metric_set_t *metrics)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->experiment, sizeof cfg->experiment, "%s", exp->id);
    cfg->unit = exp->unit;
    cfg->n_variants = exp->n_variants;
    double total = 0;
    for (size_t i = 0; i < exp->n_variants; i++) {
        snprintf(cfg->variants[i], sizeof cfg->variants[i], "%s", exp->variants[i].key);
        snprintf(cfg->policy_versions[i], sizeof cfg->policy_versions[i], "%s",
                 exp->variants[i].policy_version);
        cfg->weights[i] = exp->variants[i].weight;
        total += exp->variants[i].weight;
    }
    if (!(total > 0))
        for (size_t i = 0; i < exp->n_variants; i++)
            cfg->weights[i] = 1.0 / (double)exp->n_variants;
    cfg->n_kpis = exp->n_kpis;
    for (size_t i = 0; i < exp->n_kpis; i++)
        snprintf(cfg->kpis[i], sizeof cfg->kpis[i], "%s", exp->kpis[i]);
    ordo_exp_guardrail_spec_t gs[ORDO_EXP_MAX_GUARDRAILS];
    cfg->n_guardrails = ordo_exp_effective_guardrails(exp, gs, ORDO_EXP_MAX_GUARDRAILS);
    for (size_t i = 0; i < cfg->n_guardrails; i++)
        guardrail_from_spec(&cfg->guardrails[i], &gs[i], i >= exp->n_guardrails);
    for (size_t i = 0; i < exp->n_variants; i++)
        snprintf(cfg->policy_names[i], sizeof cfg->policy_names[i], "%s",
                 exp->variants[i].policy);
    snprintf(cfg->hypothesis, sizeof cfg->hypothesis, "%s", exp->hypothesis);
    cfg->claim = exp->claim;
    cfg->min_runtime_days = exp->min_runtime_days;
    cfg->alpha = exp->alpha;
    cfg->started_at = exp->status.started_at;
    cfg->max_runtime_days = exp->max_runtime_days;
    cfg->from_registry = true;
    config_common(cfg, metrics);
}

void ordo_analyze_config_default(ordo_analyze_config_t *cfg, const char *experiment,
                                 const char *const *variants, size_t n_variants,
                                 const ordo_metric_set_t *metrics)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->experiment, sizeof cfg->experiment, "%s", experiment ? experiment : "");
    cfg->unit = ORDO_EXP_UNIT_ORDER;
    if (n_variants > ORDO_EXP_MAX_ARMS)
        n_variants = ORDO_EXP_MAX_ARMS;
    cfg->n_variants = n_variants;
    for (size_t i = 0; i < n_variants; i++) {
        snprintf(cfg->variants[i], sizeof cfg->variants[i], "%s", variants[i]);
        cfg->weights[i] = 1.0 / (double)n_variants;
    }
    cfg->n_kpis = 1;
    snprintf(cfg->kpis[0], sizeof cfg->kpis[0], "cost_per_order");
    cfg->n_guardrails = ORDO_EXP_DEFAULT_GUARDRAILS;
    for (size_t i = 0; i < ORDO_EXP_DEFAULT_GUARDRAILS; i++)
        guardrail_from_spec(&cfg->guardrails[i], ordo_exp_default_guardrail(i), true);
    cfg->alpha = 0.05;
    config_common(cfg, metrics);
}

/* ------------------------------------------------------------------ */
/* Lifecycle */

void ordo_analysis_note(ordo_analysis_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ordo_buf_vprintf(&a->notes, fmt, ap);
    va_end(ap);
    ordo_buf_putc(&a->notes, 0);
    a->n_notes++;
}

const char *an_note_next(const ordo_analysis_t *a, size_t *pos)
{
    if (*pos >= a->notes.len || a->notes.oom)
        return NULL;
    const char *s = a->notes.data + *pos;
    *pos += strlen(s) + 1;
    return s;
}

static int add_key(ordo_analysis_t *a, const char *name, const char *what, ordo_error_t *err)
{
    int m = ordo_metric_set_find(&a->cfg.metrics, name);
    if (m < 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, what,
                              "metric '%s' is not defined (see docs/examples/metrics.json)",
                              name);
    if (a->key_of[m] >= 0)
        return ORDO_OK;
    if (a->K >= AN_MAX_KEY)
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, what, "too many key metrics");
    a->key_of[m] = (int)a->K;
    a->key[a->K++] = m;
    return ORDO_OK;
}

/* A default guardrail on a metric that a custom metric set does not define
 * is dropped (a declared one is an error). */
static void drop_undefined_defaults(ordo_analysis_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->cfg.n_guardrails; i++) {
        const ordo_analyze_guardrail_t *g = &a->cfg.guardrails[i];
        if (g->is_default && ordo_metric_set_find(&a->cfg.metrics, g->metric) < 0)
            continue;
        a->cfg.guardrails[n++] = *g;
    }
    a->cfg.n_guardrails = n;
}

/* The row loop's plan: the metrics grouped (means that are no key metric,
 * key means, ratios); the order within a row does not matter, as no two
 * metrics share a cell. */
static void plan_metrics(ordo_analysis_t *a)
{
    size_t n = 0;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t m = 0; m < a->M; m++) {
            bool ratio = a->m_den[m] >= 0, key = a->key_of[m] >= 0;
            if ((pass == 0 && !ratio && !key) || (pass == 1 && !ratio && key) ||
                (pass == 2 && ratio))
                a->mplan[n++] = (struct an_mplan){(int16_t)m, a->m_num[m], a->m_den[m],
                                                  (int16_t)a->key_of[m]};
        }
        if (pass == 0)
            a->n_mean_plain = n;
        else if (pass == 1)
            a->n_mean_key = n - a->n_mean_plain;
    }
}

static bool lanes_create(ordo_analysis_t *a); /* below, with the row loop */

int ordo_analysis_create(const ordo_analyze_config_t *cfg, ordo_analysis_t **out,
                         ordo_error_t *err)
{
    *out = NULL;
    if (cfg->n_variants < 1 || cfg->n_variants > ORDO_EXP_MAX_ARMS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants",
                              "needs 1 to %d variants, got %zu", ORDO_EXP_MAX_ARMS,
                              cfg->n_variants);
    if (cfg->metrics.n < 1 || cfg->metrics.n > ORDO_METRICS_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "metrics", "no metrics defined");
    ordo_analysis_t *a = calloc(1, sizeof *a);
    if (!a)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    a->cfg = *cfg;
    if (!(a->cfg.alpha > 0 && a->cfg.alpha < 1))
        a->cfg.alpha = 0.05;
    a->V = cfg->n_variants;
    a->M = cfg->metrics.n;
    ordo_buf_init(&a->notes, NULL);
    for (int i = 0; i < ORDO_METRICS_MAX; i++)
        a->key_of[i] = -1;
    for (size_t m = 0; m < a->M; m++) {
        const ordo_metric_def_t *d = &cfg->metrics.m[m];
        a->m_num[m] = (int16_t)d->numerator;
        a->m_den[m] = (int16_t)(d->type == ORDO_METRIC_RATIO ? d->denominator : -1);
    }
    int rc = ORDO_OK;
    char f[64];
    for (size_t i = 0; i < cfg->n_kpis && !rc; i++) {
        snprintf(f, sizeof f, "primary_kpis[%zu]", i);
        rc = add_key(a, cfg->kpis[i], f, err);
    }
    drop_undefined_defaults(a);
    for (size_t i = 0; i < a->cfg.n_guardrails && !rc; i++) {
        snprintf(f, sizeof f, "guardrails[%zu].metric", i);
        rc = add_key(a, a->cfg.guardrails[i].metric, f, err);
        if (!rc && !(a->cfg.guardrails[i].margin >= 0 && isfinite(a->cfg.guardrails[i].margin))) {
            snprintf(f, sizeof f, "guardrails[%zu].margin", i);
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, f, "must be a number >= 0");
        }
    }
    a->claim_key = -1;
    if (!rc && cfg->claim.structured) {
        rc = add_key(a, cfg->claim.metric, "hypothesis.metric", err);
        if (!rc)
            a->claim_key = ordo_metric_set_find(&a->cfg.metrics, cfg->claim.metric);
    }
    if (rc) {
        ordo_analysis_destroy(a);
        return rc;
    }
    plan_metrics(a);
    size_t VM = a->V * a->M;
    a->overall = calloc(VM, sizeof *a->overall);
    a->cuped = calloc(VM, sizeof *a->cuped);
    a->missing = calloc(VM, sizeof *a->missing);
    a->nocov = calloc(VM, sizeof *a->nocov);
    a->seg_n[0] = ORDO_AN_REGIONS;
    a->seg_n[1] = ORDO_AN_FAMILIES;
    a->seg_n[2] = ORDO_AN_VALUE_BANDS;
    a->seg_n[3] = ORDO_AN_LABELS;
    a->seg_n[4] = ORDO_AN_LABELS;
    a->seg_n[AN_DIM_RURALITY] = ORDO_AN_RURALITIES;
    a->shadow = calloc(a->V + 2, sizeof *a->shadow);
    bool ok = a->overall && a->cuped && a->missing && a->nocov && a->shadow;
    for (size_t g = 0; a->shadow && g < a->V + 2; g++)
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
            ordo_moments_init(&a->shadow[g].m[m]);
    for (int d = 0; d < AN_DIMS; d++) {
        a->seg[d] = calloc(a->seg_n[d] * a->V * (a->K ? a->K : 1), sizeof(an_acc_t));
        ok = ok && a->seg[d];
    }
    if (cfg->unit != ORDO_EXP_UNIT_ORDER) {
        a->unit_map = ordo_strmap_create(1024);
        ok = ok && a->unit_map;
    }
    ok = ok && lanes_create(a);
    if (!ok) {
        ordo_analysis_destroy(a);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    *out = a;
    return ORDO_OK;
}

void ordo_analysis_destroy(ordo_analysis_t *a)
{
    if (!a)
        return;
    free(a->overall);
    free(a->cuped);
    free(a->missing);
    free(a->nocov);
    free(a->lanes);
    free(a->lane_keys);
    free(a->lane_rows);
    free(a->key_days);
    free(a->ratio_lanes);
    free(a->ratio_keys);
    free(a->shadow);
    for (int d = 0; d < AN_DIMS; d++) {
        free(a->seg[d]);
        free(a->segres[d]);
        free(a->key_seg[d]);
    }
    free(a->days);
    ordo_strmap_destroy(a->unit_map);
    free(a->units);
    free(a->unit_sums);
    free(a->run_summary);
    ordo_buf_free(&a->notes);
    free(a->arms);
    free(a->cmps);
    free(a->ts_value);
    free(a->seq);
    free(a->seq_tau2);
    free(a->guards);
    free(a);
}

void ordo_analysis_set_counts(ordo_analysis_t *a, const ordo_analyze_counts_t *c)
{
    a->counts = *c;
    a->has_counts = true;
}

int ordo_analysis_set_run_summary(ordo_analysis_t *a, const char *json, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return ORDO_ENOMEM;
    memcpy(s, json, len);
    s[len] = 0;
    free(a->run_summary);
    a->run_summary = s;
    return ORDO_OK;
}

int ordo_analysis_unit(ordo_analysis_t *a, const char *key, size_t len, uint32_t *index,
                       ordo_error_t *err)
{
    if (!a->unit_map)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                              "units are only kept for customer or switchback experiments");
    if (ordo_strmap_get(a->unit_map, key, len, index))
        return ORDO_OK;
    if (a->n_units == a->cap_units) {
        size_t cap = a->cap_units ? a->cap_units * 2 : 1024;
        an_unit_t *u = realloc(a->units, cap * sizeof *u);
        if (!u)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        a->units = u;
        double *s = realloc(a->unit_sums, cap * a->M * 2 * sizeof *s);
        if (!s)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        a->unit_sums = s;
        a->cap_units = cap;
    }
    uint32_t idx = (uint32_t)a->n_units;
    if (ordo_strmap_put(a->unit_map, key, len, idx))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    memset(&a->units[idx], 0, sizeof a->units[idx]);
    a->units[idx].variant = UINT32_MAX;
    memset(&a->unit_sums[(size_t)idx * a->M * 2], 0, a->M * 2 * sizeof(double));
    a->n_units++;
    *index = idx;
    return ORDO_OK;
}

/* ------------------------------------------------------------------ */
/* Adding rows */

static bool grow_key_days(ordo_analysis_t *a, int64_t lo, size_t n); /* below */

static __attribute__((noinline)) int grow_days(ordo_analysis_t *a, int64_t day)
{
    size_t stride = a->V * a->K;
    if (!a->n_days) {
        a->days = calloc(stride, sizeof *a->days);
        if (!a->days || !grow_key_days(a, day, 1))
            return ORDO_ENOMEM;
        a->day0 = day;
        a->n_days = 1;
        return ORDO_OK;
    }
    int64_t lo = day < a->day0 ? day : a->day0;
    int64_t hi = day > a->day0 + (int64_t)a->n_days - 1 ? day : a->day0 + (int64_t)a->n_days - 1;
    if (hi - lo + 1 > AN_MAX_DAYS)
        return ORDO_ERANGE;
    size_t n = (size_t)(hi - lo + 1);
    an_acc_t *d = calloc(n * stride, sizeof *d);
    if (!d || !grow_key_days(a, lo, n)) {
        free(d);
        return ORDO_ENOMEM;
    }
    memcpy(d + (size_t)(a->day0 - lo) * stride, a->days, a->n_days * stride * sizeof *d);
    free(a->days);
    a->days = d;
    a->day0 = lo;
    a->n_days = n;
    return ORDO_OK;
}

/* Per-unit bookkeeping (customer or cluster units): the unit's variant, its
 * first order, and *usum, the row of per-unit metric sums. */
static int add_to_unit(ordo_analysis_t *a, const ordo_analyze_row_t *row, double **usum,
                       ordo_error_t *err)
{
    if (row->unit >= a->n_units)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "unit",
                              "unit %u was not created with ordo_analysis_unit", row->unit);
    an_unit_t *unit = &a->units[row->unit];
    if (unit->variant == UINT32_MAX) {
        unit->variant = row->variant;
        unit->first_ts = row->ts;
    } else if (unit->variant != row->variant) {
        if (!unit->mixed)
            a->mixed_units++;
        unit->mixed = true;
    }
    if (row->ts < unit->first_ts)
        unit->first_ts = row->ts;
    unit->n_orders++;
    *usum = &a->unit_sums[(size_t)row->unit * a->M * 2];
    return ORDO_OK;
}

/* The day cell of the row's timestamp (*day, and *cell its index
 * (d * V + v)), growing the day array as needed; NULL when the row has no
 * usable timestamp. */
static int day_cell(ordo_analysis_t *a, const ordo_analyze_row_t *row, an_acc_t **day, size_t *cell,
                    ordo_error_t *err)
{
    const size_t V = a->V, K = a->K;
    *day = NULL;
    if (!K)
        return ORDO_OK;
    if (row->ts <= 0) {
        a->outside_days++;
        return ORDO_OK;
    }
    int64_t d = row->ts / 86400;
    if (__builtin_expect(!a->n_days || d < a->day0 || d >= a->day0 + (int64_t)a->n_days, 0)) {
        int rc = grow_days(a, d);
        if (rc == ORDO_ENOMEM)
            return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    }
    if (a->n_days && d >= a->day0 && d < a->day0 + (int64_t)a->n_days) {
        *cell = (size_t)(d - a->day0) * V + row->variant;
        *day = &a->days[*cell * K];
    } else
        a->outside_days++;
    return ORDO_OK;
}

/* Where one row's values go: the overall and CUPED accumulators of its
 * variant, its per-unit sums, and for key metrics its day and segments. */
typedef struct row_cells {
    an_acc_t *day;
    an_acc_t *seg[AN_DIMS];
    struct an_key_lanes *kday, *kseg[AN_DIMS]; /* the key means' (a->key_seg) */
    double *usum;
    bool has_cov;
    double yc; /* the covariate, shifted by kc */
} row_cells_t;

/* A metric's value missing from the row (NaN or infinite): counted, and
 * counted as non-finite when either value is infinite. */
static inline void add_missing(ordo_analysis_t *a, size_t vm, double x, double y)
{
    a->nonfinite += isinf(x) || isinf(y);
    a->missing[vm]++;
}

/* Lanes as integers, for masks: a comparison of two an_v2_t gives all
 * ones (true) or zeros per lane. */
typedef int64_t an_v2i_t __attribute__((vector_size(16)));

/* v where mask is all ones, +0 where it is zero. */
static inline an_v2_t keep_lanes(an_v2_t v, an_v2i_t mask)
{
    return (an_v2_t)((an_v2i_t)v & mask);
}

/* Four of an_acc_t's doubles at once: (n, sx, sy, sxx). On a machine with
 * AVX2 (add_values' clone) one 256-bit addition, elsewhere the compiler
 * splits it into two 128-bit ones; either way each lane is the same IEEE
 * addition as an_acc_add's, so the cells are the same bits. */
typedef double an_v4_t __attribute__((vector_size(32)));
typedef double an_v4u_t __attribute__((vector_size(32), aligned(8)));

/* (lo, hi) as one vector. Macros, not functions: a 32-byte vector passed
 * by value would take another ABI with AVX than without. */
#define JOIN_PAIRS(lo, hi) ((an_v4_t){(lo)[0], (lo)[1], (hi)[0], (hi)[1]})

/* A mean metric's terms, as an_terms_set(x - kx, 0) makes them: (1, xs)
 * and (0, xs * xs), as one vector t01; its third pair, (0, ±0), adds
 * nothing to cells that only ever get means (they stay +0), so it is not
 * added. */
#define ADD_MEAN_TERMS(c, t01) (*(an_v4u_t *)(void *)(c) += (t01))

/* an_acc_add_terms, its first two pairs as one vector t01. */
#define ADD_TERMS4(c, t01, t2)                                                                   \
    do {                                                                                         \
        an_acc_t *c_ = (c);                                                                      \
        *(an_v4u_t *)(void *)c_ += (t01);                                                        \
        ((an_v2u_t *)(void *)c_)[2] += (t2);                                                     \
    } while (0)

/* A key mean's terms t01 (as ADD_MEAN_TERMS takes them) added to its day
 * cell (has_day) and its six segment cells. */
static inline __attribute__((always_inline)) void
add_key_mean(const row_cells_t *c, const bool has_day, int k, const an_v4_t *t01)
{
    _Static_assert(AN_DIMS == 6, "one line per breakdown below");
    if (has_day)
        ADD_MEAN_TERMS(&c->day[k], *t01);
    ADD_MEAN_TERMS(&c->seg[0][k], *t01);
    ADD_MEAN_TERMS(&c->seg[1][k], *t01);
    ADD_MEAN_TERMS(&c->seg[2][k], *t01);
    ADD_MEAN_TERMS(&c->seg[3][k], *t01);
    ADD_MEAN_TERMS(&c->seg[4][k], *t01);
    ADD_MEAN_TERMS(&c->seg[5][k], *t01);
}

/* The means of an order-unit analysis, four metrics (lanes) to a group:
 * lane l of group g is the mean a->mplan[a->lane_plan[4 * g + l]]; the
 * plain means fill the first groups, the key means the groups from
 * a->lane_key_g0 on (a padding lane, -1 in lane_plan, reads the order
 * count and is masked off). Per variant and group, the lanes' overall
 * sums (n, sx, sxx: an overall mean cell's sy, syy and sxy stay +0),
 * CUPED sums and counts; per group, each lane's shift (kx) and whether it
 * is set. Added into a->overall, a->cuped, a->missing, a->nocov and
 * a->nonfinite by an_lanes_flush. A lane's missing count is not summed
 * per row: it is the variant's rows (a->lane_rows) less its n, and its
 * count without the covariate n less cn (all exact integers). A padding
 * lane's sums are never read; a row's infinite values are counted into
 * a->nonfinite by count_lane_infinities, only for rows that have one. */
typedef int64_t an_v4i_t __attribute__((vector_size(32)));
struct an_lanes {
    an_v4_t n, sx, sxx;
    an_v4_t cn, csx, csy, csxx, csyy, csxy;
};
struct an_lane_keys {
    an_v4_t kx;
    an_v4i_t set, real; /* all ones: the shift is set; the lane is a metric */
};
/* Per variant and group of four ratios, the lanes' six sums (a lane's
 * missing count: the variant's rows less its n); per group, the shifts
 * (kx, ky). */
struct an_ratio_lanes {
    an_v4_t n, sx, sy, sxx, syy, sxy;
};
struct an_ratio_keys {
    an_v4_t kx, ky;
    an_v4i_t set, real; /* as an_lane_keys' */
};

/* The ratios whose first pair of finite values this is (all ones in
 * first): their shifts, as add_values_loop sets them. */
static void ratios_first(ordo_analysis_t *a, size_t g, const an_v4_t *xp, const an_v4_t *yp,
                         const an_v4i_t *fp)
{
    const an_v4_t x = *xp, y = *yp;
    const an_v4i_t first = *fp;
    struct an_ratio_keys *k = &a->ratio_keys[g];
    for (int l = 0; l < 4; l++) {
        if (!first[l])
            continue;
        const int m = a->mplan[a->ratio_plan[g * 4 + (size_t)l]].m;
        a->kx[m] = x[l];
        a->ky[m] = y[l];
        a->kset[m] = true;
        k->kx[l] = x[l];
        k->ky[l] = y[l];
        k->set[l] = -1;
    }
    bool all = true;
    for (size_t i = 0; i < a->n_ratio_groups * 4; i++)
        all = all && (!a->ratio_keys[i / 4].real[i % 4] || a->ratio_keys[i / 4].set[i % 4]);
    a->ratios_set = all;
}

/* A key mean group's day or segment cell, by sum: the lanes' n, sx and
 * sxx (a key mean's cell gets means only: its sy, syy and sxy stay +0). */
struct an_key_lanes {
    an_v4_t n, sx, sxx;
};

/* a->key_days for days [lo, lo + n), the old days' lanes moved in place
 * (before grow_days sets day0 and n_days); nothing without key lanes.
 * false: out of memory. */
static bool grow_key_days(ordo_analysis_t *a, int64_t lo, size_t n)
{
    if (!a->key_seg[0])
        return true;
    const size_t stride = a->V * a->n_key_groups, size = n * stride * sizeof *a->key_days;
    struct an_key_lanes *d = aligned_alloc(32, size);
    if (!d)
        return false;
    memset(d, 0, size);
    if (a->n_days)
        memcpy(d + (size_t)(a->day0 - lo) * stride, a->key_days, a->n_days * stride * sizeof *d);
    free(a->key_days);
    a->key_days = d;
    return true;
}

/* A key mean group's terms added to its day or segment cell kl. */
#define ADD_KEY_LANES(kl, one, xs, xx)                                                             \
    do {                                                                                           \
        struct an_key_lanes *kl_ = (kl);                                                           \
        kl_->n += (one);                                                                           \
        kl_->sx += (xs);                                                                           \
        kl_->sxx += (xx);                                                                          \
    } while (0)

/* The key lanes kl of key group kg added into cells (the K key cells of
 * one segment or day cell), and cleared. */
static void flush_key_lanes(ordo_analysis_t *a, struct an_key_lanes *kl, an_acc_t *cells, size_t kg)
{
    const int16_t *plan = &a->lane_plan[(a->lane_key_g0 + kg) * 4];
    for (int l = 0; l < 4; l++) {
        if (plan[l] < 0)
            continue;
        an_acc_t *c = &cells[a->mplan[plan[l]].k];
        c->n += kl->n[l];
        c->sx += kl->sx[l];
        c->sxx += kl->sxx[l];
    }
    memset(kl, 0, sizeof *kl);
}

/* The lanes' metrics whose first finite value this is (all ones in first):
 * their shift, as add_values_loop sets it (kx the value, ky 0). */
static void lanes_first(ordo_analysis_t *a, size_t g, const an_v4_t *xp, const an_v4i_t *fp)
{
    const an_v4_t x = *xp; /* by address: a 32-byte vector's ABI differs with AVX */
    const an_v4i_t first = *fp;
    struct an_lane_keys *k = &a->lane_keys[g];
    for (int l = 0; l < 4; l++) {
        if (!first[l])
            continue;
        const int m = a->mplan[a->lane_plan[g * 4 + (size_t)l]].m;
        a->kx[m] = x[l];
        a->ky[m] = 0;
        a->kset[m] = true;
        k->kx[l] = x[l];
        k->set[l] = -1;
    }
    bool all = true; /* every metric lane's shift set: no more checks */
    for (size_t i = 0; i < a->n_lane_groups * 4; i++)
        all = all && (!a->lane_keys[i / 4].real[i % 4] || a->lane_keys[i / 4].set[i % 4]);
    a->lanes_set = all;
}

/* Variant v's rows stop sharing the lanes' CUPED n, sx and sxx with the
 * overall ones (a row without the covariate, or the flush): they are
 * copied, and added apart from then on. */
static void cuped_split(ordo_analysis_t *a, size_t v)
{
    const size_t G = a->n_lane_groups;
    for (size_t g = 0; g < G; g++) {
        struct an_lanes *L = &a->lanes[v * G + g];
        L->cn = L->n;
        L->csx = L->sx;
        L->csxx = L->sxx;
    }
    a->cuped_shared[v] = false;
}

void an_lanes_flush(ordo_analysis_t *a)
{
    if (!a->lanes)
        return;
    const size_t G = a->n_lane_groups, M = a->M, V = a->V, K = a->K, Gk = a->n_key_groups;
    for (size_t v = 0; v < V; v++) {
        if (a->cuped_shared[v])
            cuped_split(a, v);
        a->cuped_shared[v] = true; /* the lanes are cleared below */
    }
    for (size_t v = 0; v < V; v++)
        for (size_t g = 0; g < G; g++) {
            struct an_lanes *L = &a->lanes[v * G + g];
            const uint64_t rows = a->lane_rows[v];
            for (size_t l = 0; l < 4; l++) {
                const int p = a->lane_plan[g * 4 + l];
                if (p < 0)
                    continue;
                const size_t vm = v * M + (size_t)a->mplan[p].m;
                an_acc_t *o = &a->overall[vm], *cu = &a->cuped[vm];
                o->n += L->n[l];
                o->sx += L->sx[l];
                o->sxx += L->sxx[l];
                cu->n += L->cn[l];
                cu->sx += L->csx[l];
                cu->sy += L->csy[l];
                cu->sxx += L->csxx[l];
                cu->syy += L->csyy[l];
                cu->sxy += L->csxy[l];
                a->missing[vm] += rows - (uint64_t)L->n[l];
                a->nocov[vm] += (uint64_t)L->n[l] - (uint64_t)L->cn[l];
            }
            memset(L, 0, sizeof *L);
        }
    const size_t Gr = a->n_ratio_groups;
    for (size_t v = 0; v < V && a->ratio_lanes; v++)
        for (size_t g = 0; g < Gr; g++) {
            struct an_ratio_lanes *L = &a->ratio_lanes[v * Gr + g];
            const uint64_t rows = a->lane_rows[v];
            for (size_t l = 0; l < 4; l++) {
                const int p = a->ratio_plan[g * 4 + l];
                if (p < 0)
                    continue;
                const size_t vm = v * M + (size_t)a->mplan[p].m;
                an_acc_t *o = &a->overall[vm];
                o->n += L->n[l];
                o->sx += L->sx[l];
                o->sy += L->sy[l];
                o->sxx += L->sxx[l];
                o->syy += L->syy[l];
                o->sxy += L->sxy[l];
                a->missing[vm] += rows - (uint64_t)L->n[l];
            }
            memset(L, 0, sizeof *L);
        }
    memset(a->lane_rows, 0, V * sizeof *a->lane_rows);
    for (int d = 0; d < AN_DIMS && a->key_seg[0]; d++)
        for (size_t cell = 0; cell < a->seg_n[d] * V; cell++) /* cell: s * V + v */
            for (size_t kg = 0; kg < Gk; kg++)
                flush_key_lanes(a, &a->key_seg[d][cell * Gk + kg], &a->seg[d][cell * K], kg);
    for (size_t cell = 0; a->key_days && cell < a->n_days * V; cell++) /* d * V + v */
        for (size_t kg = 0; kg < Gk; kg++)
            flush_key_lanes(a, &a->key_days[cell * Gk + kg], &a->days[cell * K], kg);
}

/* The plain means' order in their lanes (plain[i]: the a->mplan index of
 * lane i): first every run of four means whose row fields are
 * consecutive (add_mean_lanes reads such a group with one load), then the
 * others by field. Any order gives the same cells: each lane is its own
 * metric's sums, added lane by lane and flushed by lane_plan. */
static void order_plain_lanes(const ordo_analysis_t *a, int16_t *plain)
{
    const size_t n = a->n_mean_plain;
    int16_t by[ORDO_METRICS_MAX];
    bool used[ORDO_METRICS_MAX] = {false};
    for (size_t i = 0; i < n; i++) { /* by field, stable */
        size_t k = i;
        for (; k > 0 && a->mplan[by[k - 1]].num > a->mplan[i].num; k--)
            by[k] = by[k - 1];
        by[k] = (int16_t)i;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (used[i])
            continue;
        size_t run[4] = {i, 0, 0, 0}, len = 1;
        for (size_t k = i + 1; k < n && len < 4; k++)
            if (!used[k] && a->mplan[by[k]].num == a->mplan[by[i]].num + (int)len)
                run[len++] = k;
        if (len < 4)
            continue;
        for (size_t l = 0; l < 4; l++) {
            used[run[l]] = true;
            plain[o++] = by[run[l]];
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!used[i])
            plain[o++] = by[i];
}

/* The lanes of an order-unit analysis (after plan_metrics and the
 * segment cells); none for customer and switchback units (their per-unit
 * sums take the plain loop). false: out of memory. */
static bool lanes_create(ordo_analysis_t *a)
{
    if (a->cfg.unit != ORDO_EXP_UNIT_ORDER)
        return true;
    const size_t n_plain = a->n_mean_plain, n_key = a->n_mean_key;
    const size_t Gp = (n_plain + 3) / 4, Gk = (n_key + 3) / 4, G = Gp + Gk;
    if (!G)
        return true;
    size_t nl = a->V * G * sizeof(struct an_lanes), nk = G * sizeof(struct an_lane_keys);
    a->lanes = aligned_alloc(32, nl);
    a->lane_keys = aligned_alloc(32, nk);
    a->lane_rows = calloc(a->V, sizeof *a->lane_rows);
    if (!a->lanes || !a->lane_keys || !a->lane_rows)
        return false;
    memset(a->lanes, 0, nl);
    memset(a->lane_keys, 0, nk);
    a->n_lane_groups = G;
    for (size_t v = 0; v < a->V; v++)
        a->cuped_shared[v] = true;
    a->lane_key_g0 = Gp;
    a->n_key_groups = Gk;
    int16_t plain[ORDO_METRICS_MAX];
    order_plain_lanes(a, plain);
    for (size_t i = 0; i < G * 4; i++) {
        const size_t g = i / 4, j = (g - Gp) * 4 + i % 4; /* j: the i-th lane's key mean */
        const int p =
            g < Gp ? (i < n_plain ? plain[i] : -1) : (j < n_key ? (int)(n_plain + j) : -1);
        a->lane_plan[i] = (int16_t)p;
        a->lane_num[i] = p >= 0 ? a->mplan[p].num : ORDO_AF_ORDERS;
        a->lane_keys[g].real[i % 4] = p >= 0 ? -1 : 0;
    }
    a->lane_runs = 0; /* the leading plain groups that are runs (order_plain_lanes) */
    for (size_t g = 0; g < Gp; g++) {
        const int16_t *num = &a->lane_num[g * 4], *plan = &a->lane_plan[g * 4];
        bool run = num[0] + 3 < ORDO_AF_COUNT;
        for (int l = 0; l < 4; l++)
            run = run && plan[l] >= 0 && num[l] == num[0] + l;
        if (!run)
            break;
        a->lane_runs = g + 1;
    }
    for (int d = 0; d < AN_DIMS && Gk; d++) {
        const size_t size = a->seg_n[d] * a->V * Gk * sizeof(struct an_key_lanes);
        a->key_seg[d] = aligned_alloc(32, size);
        if (!a->key_seg[d])
            return false;
        memset(a->key_seg[d], 0, size);
    }
    const size_t n_mean = n_plain + n_key, n_ratio = a->M - n_mean, Gr = (n_ratio + 3) / 4;
    a->ratios_set = !Gr; /* no ratio lanes: no shift to wait for */
    if (!Gr)
        return true;
    const size_t rl = a->V * Gr * sizeof(struct an_ratio_lanes),
                 rk = Gr * sizeof(struct an_ratio_keys);
    a->ratio_lanes = aligned_alloc(32, rl);
    a->ratio_keys = aligned_alloc(32, rk);
    if (!a->ratio_lanes || !a->ratio_keys)
        return false;
    memset(a->ratio_lanes, 0, rl);
    memset(a->ratio_keys, 0, rk);
    a->n_ratio_groups = Gr;
    for (size_t i = 0; i < Gr * 4; i++) {
        const int p = i < n_ratio ? (int)(n_mean + i) : -1;
        a->ratio_plan[i] = (int16_t)p;
        a->ratio_num[i] = p >= 0 ? a->mplan[p].num : ORDO_AF_ORDERS;
        a->ratio_den[i] = p >= 0 ? a->mplan[p].den : ORDO_AF_ORDERS;
        a->ratio_keys[i / 4].real[i % 4] = p >= 0 ? -1 : 0;
        a->ratio_key = a->ratio_key || (p >= 0 && a->mplan[p].k >= 0);
    }
    return true;
}

/* Adds the row's value of every metric to its cells: each metric's terms
 * are computed once and added to its overall cell, its key cells (day and
 * segments) and, with the covariate's, to its CUPED cell. has_cov and
 * has_day are constants in each call of add_values, so each of its loops
 * is compiled without their tests (the same additions in the same order);
 * the metrics go by group (a->mplan): means, key means, ratios.
 * A mean metric's missing value (NaN or infinite) takes no branch: its
 * terms are +0 (masked), and adding +0 leaves every cell as it was (a sum
 * that starts at +0 never becomes -0), so the cells are those of skipping
 * it, without a mispredicted branch per missing value (ANALYZE.md "At
 * scale"). */
static inline __attribute__((always_inline)) void
add_values_loop(ordo_analysis_t *a, const ordo_analyze_row_t *row, const row_cells_t *c,
                const bool has_cov, const bool has_day, const bool means)
{
    const size_t M = a->M, v = row->variant;
    an_acc_t *const ov = &a->overall[v * M];
    an_acc_t *const cu = &a->cuped[v * M];
    uint64_t *const miss = &a->missing[v * M], *const nocov = &a->nocov[v * M];
    const double *const rv = row->v;
    double *const usum = c->usum;
    an_acc_t *const day = c->day;
    an_acc_t *const s0 = c->seg[0], *const s1 = c->seg[1], *const s2 = c->seg[2],
                    *const s3 = c->seg[3], *const s4 = c->seg[4], *const s5 = c->seg[5];
    _Static_assert(AN_DIMS == 6, "one line per breakdown below");
    const double yc = c->yc;
    const struct an_mplan *p = a->mplan;
    const size_t n_plain = a->n_mean_plain, n_mean = n_plain + a->n_mean_key;
    uint64_t nonfinite = 0;
    const an_v2i_t absm = {INT64_MAX, INT64_MAX};
    const an_v2_t inf2 = {INFINITY, INFINITY};
    for (size_t i = 0; means && i < n_mean; i++) {
        const int m = p[i].m;
        const double x = rv[p[i].num];
        const bool fin = isfinite(x);
        nonfinite += isinf(x) != 0; /* glibc: -1 for -inf */
        miss[m] += !fin;
        if (__builtin_expect(!a->kset[m], 0) && fin) {
            a->kx[m] = x;
            a->ky[m] = 0;
            a->kset[m] = true;
        }
        /* |x| < inf per lane: false for NaN and infinities */
        const an_v2_t ax = (an_v2_t)((an_v2i_t)(an_v2_t){x, x} & absm);
        const an_v2i_t fm = ax < inf2;
        /* (1, x - kx) as an_terms_set's first pair (1 - 0 is 1), +0 when missing */
        const an_v2_t t0 = keep_lanes((an_v2_t){1.0, x} - (an_v2_t){0.0, a->kx[m]}, fm);
        const double xs = t0[1];
        const an_v2_t t1 = t0 * (an_v2_t){0.0, xs}; /* (1 * 0, xs * xs) */
        const an_v4_t t01 = JOIN_PAIRS(t0, t1);
        ADD_MEAN_TERMS(&ov[m], t01);
        if (has_cov) {
            /* an_terms_set(xs, yc): (1, xs), (yc * 1, xs * xs), (yc * yc, xs * yc) */
            const an_v2_t yx = keep_lanes((an_v2_t){yc, xs}, fm);
            const an_v2_t ct1 = yx * t0, ct2 = yx * (an_v2_t){yx[0], yx[0]};
            const an_v4_t ct01 = JOIN_PAIRS(t0, ct1);
            ADD_TERMS4(&cu[m], ct01, ct2);
        } else {
            nocov[m] += fin;
        }
        if (usum) {
            usum[m * 2] += fin ? x : 0.0;
            usum[m * 2 + 1] += t0[0];
        }
        if (i >= n_plain)
            add_key_mean(c, has_day, p[i].k, &t01);
    }
    a->nonfinite += nonfinite;
    for (size_t i = n_mean; i < M; i++) {
        const int m = p[i].m, den = p[i].den;
        const double x = rv[p[i].num], y = rv[den];
        if (!isfinite(x) || !isfinite(y)) {
            add_missing(a, v * M + (size_t)m, x, y);
            continue;
        }
        if (!a->kset[m]) {
            a->kx[m] = x;
            a->ky[m] = y;
            a->kset[m] = true;
        }
        an_terms_t t;
        an_terms_set(&t, x - a->kx[m], y - a->ky[m]);
        const an_v4_t t01 = JOIN_PAIRS(t.t[0], t.t[1]);
        ADD_TERMS4(&ov[m], t01, t.t[2]);
        if (usum) {
            usum[m * 2] += x;
            usum[m * 2 + 1] += y;
        }
        const int k = p[i].k;
        if (k >= 0) {
            if (has_day)
                ADD_TERMS4(&day[k], t01, t.t[2]);
            ADD_TERMS4(&s0[k], t01, t.t[2]);
            ADD_TERMS4(&s1[k], t01, t.t[2]);
            ADD_TERMS4(&s2[k], t01, t.t[2]);
            ADD_TERMS4(&s3[k], t01, t.t[2]);
            ADD_TERMS4(&s4[k], t01, t.t[2]);
            ADD_TERMS4(&s5[k], t01, t.t[2]);
        }
    }
}

/* How a row's means reach their lanes' CUPED sums (add_mean_lanes):
 * CUPED_NONE, the row has no covariate: none; CUPED_OWN: all six;
 * CUPED_SHARED, the row has the covariate, as every row of its variant
 * since the lanes were cleared had (a->cuped_shared): the CUPED n, sx and
 * sxx would take exactly the additions of the overall n, sx and sxx, so
 * they are not added (cuped_split copies them where the rows part). */
enum cuped_mode { CUPED_NONE, CUPED_SHARED, CUPED_OWN };

/* One group's lanes: x's terms added to the group's overall and CUPED
 * sums; its terms (n, xs, xx; +0 in a missing lane) for the key cells.
 * *inf: all ones in the lanes where x is infinite (or-ed in). */
typedef struct mean_terms {
    an_v4_t one, xs, xx;
} mean_terms_t;

static inline __attribute__((always_inline)) mean_terms_t
add_mean_group(struct an_lanes *L, const struct an_lane_keys *LK, const an_v4u_t *xp,
               const an_v4_t *yp, const enum cuped_mode mode, an_v4i_t *inf)
{
    /* by address: a 32-byte vector's ABI differs with AVX (-Wpsabi) */
    const an_v4_t x = *xp, yc4 = *yp;
    const an_v4i_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const an_v4_t inf4 = {INFINITY, INFINITY, INFINITY, INFINITY};
    const an_v4_t one4 = {1.0, 1.0, 1.0, 1.0};
    const an_v4_t ax = (an_v4_t)((an_v4i_t)x & absm);
    /* |x| < inf: false for NaN and infinities; a padding lane reads the
     * order count, and its sums are never read */
    const an_v4i_t fm = ax < inf4;
    *inf |= ax == inf4;
    mean_terms_t t;
    t.one = (an_v4_t)((an_v4i_t)one4 & fm);
    t.xs = (an_v4_t)((an_v4i_t)(x - LK->kx) & fm);
    t.xx = t.xs * t.xs;
    L->n += t.one;
    L->sx += t.xs;
    L->sxx += t.xx;
    if (mode != CUPED_NONE) {
        const an_v4_t yv = (an_v4_t)((an_v4i_t)yc4 & fm);
        if (mode == CUPED_OWN) {
            L->cn += t.one;
            L->csx += t.xs;
            L->csxx += t.xx;
        }
        L->csy += yv;
        L->csyy += yv * yv;
        L->csxy += t.xs * yv;
    }
    return t;
}

/* The means of an order-unit analysis (a->lanes), four to a vector: the
 * value of each lane's metric, masked as add_values_loop masks it, is
 * added to the lane's overall and CUPED sums and, for a key mean, to its
 * day and segment lanes (a->key_days, a->key_seg). Per lane the terms and additions are
 * add_values_loop's: n += 1 (+0 when missing), sx += xs, sxx += xs * xs;
 * with the covariate yc, CUPED's sy += yc, syy += yc * yc, sxy += xs * yc
 * (all +0 when missing); an overall mean cell's sy, syy and sxy stay +0.
 * The first a->lane_runs groups read four consecutive row fields: one
 * load each, the others four. The shifts are set before (lanes_first_row).
 * an_lanes_flush adds the lanes into the cells. */
static inline __attribute__((always_inline)) void
add_mean_lanes(ordo_analysis_t *a, const ordo_analyze_row_t *row, const row_cells_t *c,
               const enum cuped_mode mode, const bool has_day, an_v4i_t *inf)
{
    const size_t G = a->n_lane_groups, Gp = a->lane_key_g0, Gr = a->lane_runs;
    struct an_lanes *const L = &a->lanes[row->variant * G];
    const struct an_lane_keys *const LK = a->lane_keys;
    const double *const rv = row->v;
    const int16_t *const num = a->lane_num;
    const an_v4_t yc4 = {c->yc, c->yc, c->yc, c->yc};
    a->lane_rows[row->variant]++;
    for (size_t g = 0; g < Gr; g++) /* plain means: no key cells */
        (void)add_mean_group(&L[g], &LK[g], (const an_v4u_t *)(const void *)&rv[num[g * 4]], &yc4,
                             mode, inf);
    for (size_t g = Gr; g < G; g++) {
        const int16_t *nu = &num[g * 4];
        const an_v4_t x = {rv[nu[0]], rv[nu[1]], rv[nu[2]], rv[nu[3]]};
        const mean_terms_t t =
            add_mean_group(&L[g], &LK[g], (const an_v4u_t *)(const void *)&x, &yc4, mode, inf);
        if (g < Gp)
            continue;
        /* the key means' day and segment cells, by sum */
        _Static_assert(AN_DIMS == 6, "one line per breakdown below");
        const size_t kg = g - Gp;
        if (has_day)
            ADD_KEY_LANES(&c->kday[kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[0][kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[1][kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[2][kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[3][kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[4][kg], t.one, t.xs, t.xx);
        ADD_KEY_LANES(&c->kseg[5][kg], t.one, t.xs, t.xx);
    }
}

/* The ratios of an analysis with mean lanes, four to a vector: lane l of
 * group g is the ratio a->mplan[a->ratio_plan[4 * g + l]] (a padding lane
 * reads orders / orders; its sums are never read). A lane whose numerator
 * or denominator is not finite adds +0 terms (counted missing, and
 * non-finite when either is infinite: *inf), as add_values_loop's plain
 * rule skips it; else the terms of an_terms_set(xs, ys): n += 1, sx += xs,
 * sy += ys, sxx += xs * xs, syy += ys * ys, sxy += xs * ys. A key ratio's
 * terms are added to its day and segment cells lane by lane.
 * an_lanes_flush adds the lanes into the overall cells. */
static inline __attribute__((always_inline)) void add_ratio_lanes(ordo_analysis_t *a,
                                                                  const ordo_analyze_row_t *row,
                                                                  const row_cells_t *c,
                                                                  const bool has_day, an_v4i_t *inf)
{
    const size_t G = a->n_ratio_groups;
    struct an_ratio_lanes *const L = &a->ratio_lanes[row->variant * G];
    const struct an_ratio_keys *const RK = a->ratio_keys;
    const double *const rv = row->v;
    const an_v4i_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const an_v4_t inf4 = {INFINITY, INFINITY, INFINITY, INFINITY};
    const an_v4_t one4 = {1.0, 1.0, 1.0, 1.0};
    for (size_t g = 0; g < G; g++) {
        const int16_t *nu = &a->ratio_num[g * 4], *de = &a->ratio_den[g * 4];
        const an_v4_t x = {rv[nu[0]], rv[nu[1]], rv[nu[2]], rv[nu[3]]};
        const an_v4_t y = {rv[de[0]], rv[de[1]], rv[de[2]], rv[de[3]]};
        const an_v4_t ax = (an_v4_t)((an_v4i_t)x & absm), ay = (an_v4_t)((an_v4i_t)y & absm);
        const an_v4i_t fm = (ax < inf4) & (ay < inf4); /* both finite */
        *inf |= (ax == inf4) | (ay == inf4);
        const an_v4_t one = (an_v4_t)((an_v4i_t)one4 & fm);
        const an_v4_t xs = (an_v4_t)((an_v4i_t)(x - RK[g].kx) & fm);
        const an_v4_t ys = (an_v4_t)((an_v4i_t)(y - RK[g].ky) & fm);
        const an_v4_t xx = xs * xs, yy = ys * ys, xy = xs * ys;
        L[g].n += one;
        L[g].sx += xs;
        L[g].sy += ys;
        L[g].sxx += xx;
        L[g].syy += yy;
        L[g].sxy += xy;
        for (int l = 0; a->ratio_key && l < 4; l++) {
            const int p = a->ratio_plan[g * 4 + (size_t)l];
            const int k = p >= 0 ? a->mplan[p].k : -1;
            if (k < 0)
                continue;
            const an_v4_t t01 = {one[l], xs[l], ys[l], xx[l]};
            const an_v2_t t2 = {yy[l], xy[l]};
            _Static_assert(AN_DIMS == 6, "one line per breakdown below");
            if (has_day)
                ADD_TERMS4(&c->day[k], t01, t2);
            ADD_TERMS4(&c->seg[0][k], t01, t2);
            ADD_TERMS4(&c->seg[1][k], t01, t2);
            ADD_TERMS4(&c->seg[2][k], t01, t2);
            ADD_TERMS4(&c->seg[3][k], t01, t2);
            ADD_TERMS4(&c->seg[4][k], t01, t2);
            ADD_TERMS4(&c->seg[5][k], t01, t2);
        }
    }
}

/* The shifts of the lanes whose metric has its first finite value in this
 * row (lanes_first, ratios_first), before the row is added: what
 * add_mean_group and add_ratio_lanes tested per group and per row, once
 * per row until every lane's shift is set. */
static __attribute__((noinline)) void lanes_first_row(ordo_analysis_t *a,
                                                      const ordo_analyze_row_t *row)
{
    const double *const rv = row->v;
    const an_v4i_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const an_v4_t inf4 = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (size_t g = 0; !a->lanes_set && g < a->n_lane_groups; g++) {
        const struct an_lane_keys *k = &a->lane_keys[g];
        const an_v4i_t todo = k->real & ~k->set; /* a metric on every row NaN stays here */
        if (!(todo[0] | todo[1] | todo[2] | todo[3]))
            continue;
        const int16_t *nu = &a->lane_num[g * 4];
        const an_v4_t x = {rv[nu[0]], rv[nu[1]], rv[nu[2]], rv[nu[3]]};
        const an_v4i_t first = ((an_v4_t)((an_v4i_t)x & absm) < inf4) & todo;
        if (first[0] | first[1] | first[2] | first[3])
            lanes_first(a, g, &x, &first);
    }
    for (size_t g = 0; !a->ratios_set && g < a->n_ratio_groups; g++) {
        const int16_t *nu = &a->ratio_num[g * 4], *de = &a->ratio_den[g * 4];
        const an_v4_t x = {rv[nu[0]], rv[nu[1]], rv[nu[2]], rv[nu[3]]};
        const an_v4_t y = {rv[de[0]], rv[de[1]], rv[de[2]], rv[de[3]]};
        const struct an_ratio_keys *k = &a->ratio_keys[g];
        const an_v4i_t first = ((an_v4_t)((an_v4i_t)x & absm) < inf4) &
                               ((an_v4_t)((an_v4i_t)y & absm) < inf4) & k->real & ~k->set;
        if (first[0] | first[1] | first[2] | first[3])
            ratios_first(a, g, &x, &y, &first);
    }
}

/* A row with an infinite value in some lane: its metrics' infinite values
 * counted into a->nonfinite, as add_values_loop counts them (a ratio once
 * when either value is infinite; padding lanes not). */
static __attribute__((noinline)) void count_lane_infinities(ordo_analysis_t *a,
                                                            const ordo_analyze_row_t *row)
{
    const double *const rv = row->v;
    for (size_t i = 0; i < a->n_lane_groups * 4; i++)
        a->nonfinite += a->lane_plan[i] >= 0 && isinf(rv[a->lane_num[i]]);
    for (size_t i = 0; i < a->n_ratio_groups * 4; i++)
        a->nonfinite +=
            a->ratio_plan[i] >= 0 && (isinf(rv[a->ratio_num[i]]) || isinf(rv[a->ratio_den[i]]));
}

/* An order-unit analysis's row (a->lanes): the means by lanes, the ratios
 * by lanes too where there are any (else add_values_loop has none to add). */
static inline __attribute__((always_inline)) void
add_lanes_case(ordo_analysis_t *a, const ordo_analyze_row_t *row, const row_cells_t *c,
               const enum cuped_mode mode, const bool has_day)
{
    an_v4i_t inf = {0, 0, 0, 0};
    add_mean_lanes(a, row, c, mode, has_day, &inf);
    if (a->ratio_lanes)
        add_ratio_lanes(a, row, c, has_day, &inf);
    if (__builtin_expect((inf[0] | inf[1] | inf[2] | inf[3]) != 0, 0))
        count_lane_infinities(a, row);
}

/* The row's shipments by zone added to its variant's sums, four zones to
 * a vector: a value that is not finite adds +0 instead of being skipped
 * (the sums start at +0 and are never -0, so x + 0 is x: the same bits,
 * no branch). */
static inline __attribute__((always_inline)) void add_zones(double *zs, const double *s)
{
    _Static_assert(ORDO_AF_ZONE_9 == ORDO_AF_ZONE_1 + 8, "nine zone fields in a row");
    const an_v4i_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const an_v4_t inf4 = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (int i = 0; i < 8; i += 4) {
        const an_v4_t x = *(const an_v4u_t *)(const void *)&s[i];
        const an_v4i_t fm = (an_v4_t)((an_v4i_t)x & absm) < inf4;
        *(an_v4u_t *)(void *)&zs[i] += (an_v4_t)((an_v4i_t)x & fm);
    }
    zs[8] += isfinite(s[8]) ? s[8] : 0.0;
}

/* The row's lanes (add_lanes_case), its covariate's CUPED mode and day
 * taken as constants in each call. */
static inline __attribute__((always_inline)) void
add_lanes(ordo_analysis_t *a, const ordo_analyze_row_t *row, const row_cells_t *c)
{
    const uint32_t v = row->variant;
    if (__builtin_expect(!a->lanes_set || !a->ratios_set, 0))
        lanes_first_row(a, row);
    enum cuped_mode mode = CUPED_NONE;
    if (c->has_cov)
        mode = a->cuped_shared[v] ? CUPED_SHARED : CUPED_OWN;
    else if (a->cuped_shared[v])
        cuped_split(a, v);
    if (mode == CUPED_SHARED && c->day)
        add_lanes_case(a, row, c, CUPED_SHARED, true);
    else if (mode == CUPED_SHARED)
        add_lanes_case(a, row, c, CUPED_SHARED, false);
    else if (mode == CUPED_OWN && c->day)
        add_lanes_case(a, row, c, CUPED_OWN, true);
    else if (mode == CUPED_OWN)
        add_lanes_case(a, row, c, CUPED_OWN, false);
    else if (c->day)
        add_lanes_case(a, row, c, CUPED_NONE, true);
    else
        add_lanes_case(a, row, c, CUPED_NONE, false);
}

AN_CLONES static void add_values(ordo_analysis_t *a, const ordo_analyze_row_t *row,
                                 const row_cells_t *c)
{
    add_zones(a->zone_ships[row->variant], &row->v[ORDO_AF_ZONE_1]);
    if (a->lanes)
        add_lanes(a, row, c);
    else if (c->has_cov && c->day)
        add_values_loop(a, row, c, true, true, true);
    else if (c->has_cov)
        add_values_loop(a, row, c, true, false, true);
    else if (c->day)
        add_values_loop(a, row, c, false, true, true);
    else
        add_values_loop(a, row, c, false, false, true);
}

int ordo_analysis_add(ordo_analysis_t *a, const ordo_analyze_row_t *row, ordo_error_t *err)
{
    if (a->finished)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL, "analysis already finished");
    if (row->variant >= a->V)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variant", "variant %u out of range",
                              row->variant);
    const size_t V = a->V, K = a->K;
    const uint32_t v = row->variant;
    row_cells_t c;
    c.usum = NULL;
    c.kday = NULL;
    if (a->unit_map) {
        int rc = add_to_unit(a, row, &c.usum, err);
        if (rc)
            return rc;
    }
    a->orders[v]++;
    if (!a->first_ts || row->ts < a->first_ts)
        a->first_ts = row->ts;
    if (row->ts > a->last_ts)
        a->last_ts = row->ts;
    size_t day_i = 0;
    int rc = day_cell(a, row, &c.day, &day_i, err);
    if (rc)
        return rc;
    unsigned r = row->region < ORDO_AN_REGIONS ? row->region : ORDO_AN_REGIONS - 1;
    unsigned f = row->family < ORDO_AN_FAMILIES ? row->family : ORDO_AN_FAMILIES - 1;
    unsigned b = row->value_band < ORDO_AN_VALUE_BANDS ? row->value_band : ORDO_AN_VALUE_BANDS - 1;
    unsigned ch = row->channel < ORDO_AN_LABELS ? row->channel : ORDO_AN_LABELS - 1;
    unsigned pr = row->promotion < ORDO_AN_LABELS ? row->promotion : ORDO_AN_LABELS - 1;
    unsigned ru = row->rurality < ORDO_AN_RURALITIES ? row->rurality : ORDO_AN_RURALITIES - 1;
    /* the key metrics' segment cells, where the row's additions reach
     * them: not when every key metric is a mean lane, which has its own
     * (c.kseg), and the ratios are lanes (add_lanes) */
    if (K && (!a->ratio_lanes || a->ratio_key)) {
        c.seg[0] = &a->seg[0][(r * V + v) * K];
        c.seg[1] = &a->seg[1][(f * V + v) * K];
        c.seg[2] = &a->seg[2][(b * V + v) * K];
        c.seg[3] = &a->seg[3][(ch * V + v) * K];
        c.seg[4] = &a->seg[4][(pr * V + v) * K];
        c.seg[AN_DIM_RURALITY] = &a->seg[AN_DIM_RURALITY][(ru * V + v) * K];
    } else {
        for (int d = 0; d < AN_DIMS; d++)
            c.seg[d] = NULL;
    }
    if (a->key_seg[0]) {
        const size_t Gk = a->n_key_groups;
        c.kday = c.day ? &a->key_days[day_i * Gk] : NULL;
        c.kseg[0] = &a->key_seg[0][(r * V + v) * Gk];
        c.kseg[1] = &a->key_seg[1][(f * V + v) * Gk];
        c.kseg[2] = &a->key_seg[2][(b * V + v) * Gk];
        c.kseg[3] = &a->key_seg[3][(ch * V + v) * Gk];
        c.kseg[4] = &a->key_seg[4][(pr * V + v) * Gk];
        c.kseg[AN_DIM_RURALITY] = &a->key_seg[AN_DIM_RURALITY][(ru * V + v) * Gk];
    }

    double cov = row->v[ORDO_AF_CONTROL_COST];
    c.has_cov = isfinite(cov);
    if (c.has_cov && !a->kcset) {
        a->kc = cov;
        a->kcset = true;
    }
    c.yc = c.has_cov ? cov - a->kc : 0;

    for (int k = 0; k < row->n_carriers && k < ORDO_AN_ROW_CARRIERS; k++)
        if (row->carrier[k] < ORDO_AN_LABELS)
            a->carrier_ships[v][row->carrier[k]] += row->carrier_ships[k];
    add_values(a, row, &c);
    an_ops_add(&a->ops, row);
    return ORDO_OK;
}
