/* ordo analyze — the streaming core: rows in, accumulators per variant ×
 * metric (× segment, × day for the key metrics), statistics at finish.
 *
 * Every test, interval and correction is a call into src/stats; this file
 * only decides what to feed it (docs/internals/ANALYZE.md). */
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
const char *const an_dim_names[AN_DIMS] = {"region", "product family", "order value"};

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

const char *an_family_name(const ordo_analysis_t *a, int s)
{
    if (s < 0 || s >= ORDO_AN_FAMILIES - 1 || !a->cfg.family_names[s][0])
        return "unknown";
    return a->cfg.family_names[s];
}

const char *an_segment_name(const ordo_analysis_t *a, int dim, int s)
{
    switch (dim) {
    case 0: return ordo_analyze_region_name(s);
    case 1: return an_family_name(a, s);
    default: return ordo_analyze_value_band_name(s);
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
    cfg->n_guardrails = exp->n_guardrails;
    for (size_t i = 0; i < exp->n_guardrails; i++) {
        snprintf(cfg->guardrails[i].metric, sizeof cfg->guardrails[i].metric, "%s",
                 exp->guardrails[i].metric);
        cfg->guardrails[i].direction = exp->guardrails[i].direction;
        cfg->guardrails[i].margin = exp->guardrails[i].margin;
    }
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
    cfg->n_guardrails = 2;
    snprintf(cfg->guardrails[0].metric, sizeof cfg->guardrails[0].metric, "on_time_rate");
    cfg->guardrails[0].direction = ORDO_EXP_DIR_DECREASE;
    cfg->guardrails[0].margin = 0.02;
    snprintf(cfg->guardrails[1].metric, sizeof cfg->guardrails[1].metric, "return_rate");
    cfg->guardrails[1].direction = ORDO_EXP_DIR_INCREASE;
    cfg->guardrails[1].margin = 0.01;
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
    int rc = ORDO_OK;
    char f[64];
    for (size_t i = 0; i < cfg->n_kpis && !rc; i++) {
        snprintf(f, sizeof f, "primary_kpis[%zu]", i);
        rc = add_key(a, cfg->kpis[i], f, err);
    }
    for (size_t i = 0; i < cfg->n_guardrails && !rc; i++) {
        snprintf(f, sizeof f, "guardrails[%zu].metric", i);
        rc = add_key(a, cfg->guardrails[i].metric, f, err);
        if (!rc && !(cfg->guardrails[i].margin >= 0 && isfinite(cfg->guardrails[i].margin))) {
            snprintf(f, sizeof f, "guardrails[%zu].margin", i);
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, f, "must be a number >= 0");
        }
    }
    if (rc) {
        ordo_analysis_destroy(a);
        return rc;
    }
    size_t VM = a->V * a->M;
    a->overall = calloc(VM, sizeof *a->overall);
    a->cuped = calloc(VM, sizeof *a->cuped);
    a->missing = calloc(VM, sizeof *a->missing);
    a->nocov = calloc(VM, sizeof *a->nocov);
    a->seg_n[0] = ORDO_AN_REGIONS;
    a->seg_n[1] = ORDO_AN_FAMILIES;
    a->seg_n[2] = ORDO_AN_VALUE_BANDS;
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
    free(a->shadow);
    for (int d = 0; d < AN_DIMS; d++) {
        free(a->seg[d]);
        free(a->segres[d]);
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

static inline void acc_add(an_acc_t *c, double x, double y)
{
    c->n += 1;
    c->sx += x;
    c->sy += y;
    c->sxx += x * x;
    c->syy += y * y;
    c->sxy += x * y;
}

static inline void acc_merge(an_acc_t *a, const an_acc_t *b)
{
    a->n += b->n;
    a->sx += b->sx;
    a->sy += b->sy;
    a->sxx += b->sxx;
    a->syy += b->syy;
    a->sxy += b->sxy;
}

static int grow_days(ordo_analysis_t *a, int64_t day)
{
    size_t stride = a->V * a->K;
    if (!a->n_days) {
        a->days = calloc(stride, sizeof *a->days);
        if (!a->days)
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
    if (!d)
        return ORDO_ENOMEM;
    memcpy(d + (size_t)(a->day0 - lo) * stride, a->days, a->n_days * stride * sizeof *d);
    free(a->days);
    a->days = d;
    a->day0 = lo;
    a->n_days = n;
    return ORDO_OK;
}

int ordo_analysis_add(ordo_analysis_t *a, const ordo_analyze_row_t *row, ordo_error_t *err)
{
    if (a->finished)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL, "analysis already finished");
    if (row->variant >= a->V)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variant", "variant %u out of range",
                              row->variant);
    const size_t V = a->V, M = a->M, K = a->K;
    const uint32_t v = row->variant;
    bool per_unit = a->unit_map != NULL;
    an_unit_t *unit = NULL;
    double *usum = NULL;
    if (per_unit) {
        if (row->unit >= a->n_units)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "unit",
                                  "unit %u was not created with ordo_analysis_unit", row->unit);
        unit = &a->units[row->unit];
        if (unit->variant == UINT32_MAX) {
            unit->variant = v;
            unit->first_ts = row->ts;
        } else if (unit->variant != v) {
            if (!unit->mixed)
                a->mixed_units++;
            unit->mixed = true;
        }
        if (row->ts < unit->first_ts)
            unit->first_ts = row->ts;
        unit->n_orders++;
        usum = &a->unit_sums[(size_t)row->unit * M * 2];
    }
    a->orders[v]++;
    if (!a->first_ts || row->ts < a->first_ts)
        a->first_ts = row->ts;
    if (row->ts > a->last_ts)
        a->last_ts = row->ts;

    an_acc_t *day = NULL;
    if (row->ts > 0 && K) {
        int64_t d = row->ts / 86400;
        if (!a->n_days || d < a->day0 || d >= a->day0 + (int64_t)a->n_days) {
            int rc = grow_days(a, d);
            if (rc == ORDO_ENOMEM)
                return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
        }
        if (a->n_days && d >= a->day0 && d < a->day0 + (int64_t)a->n_days)
            day = &a->days[((size_t)(d - a->day0) * V + v) * K];
        else
            a->outside_days++;
    } else if (K) {
        a->outside_days++;
    }
    unsigned r = row->region < ORDO_AN_REGIONS ? row->region : ORDO_AN_REGIONS - 1;
    unsigned f = row->family < ORDO_AN_FAMILIES ? row->family : ORDO_AN_FAMILIES - 1;
    unsigned b = row->value_band < ORDO_AN_VALUE_BANDS ? row->value_band : ORDO_AN_VALUE_BANDS - 1;
    an_acc_t *seg0 = K ? &a->seg[0][(r * V + v) * K] : NULL;
    an_acc_t *seg1 = K ? &a->seg[1][(f * V + v) * K] : NULL;
    an_acc_t *seg2 = K ? &a->seg[2][(b * V + v) * K] : NULL;

    double cov = row->v[ORDO_AF_CONTROL_COST];
    bool has_cov = isfinite(cov);
    if (has_cov && !a->kcset) {
        a->kc = cov;
        a->kcset = true;
    }
    double yc = has_cov ? cov - a->kc : 0;

    for (int z = 0; z < 9; z++) {
        double s = row->v[ORDO_AF_ZONE_1 + z];
        if (isfinite(s))
            a->zone_ships[v][z] += s;
    }

    const ordo_metric_def_t *defs = a->cfg.metrics.m;
    an_acc_t *ov = &a->overall[v * M];
    an_acc_t *cu = &a->cuped[v * M];
    for (size_t m = 0; m < M; m++) {
        double x = row->v[defs[m].numerator];
        double y = defs[m].type == ORDO_METRIC_RATIO ? row->v[defs[m].denominator] : 1.0;
        if (!isfinite(x) || !isfinite(y)) {
            if (!isnan(x) || !isnan(y))
                a->nonfinite += !isfinite(x) && !isnan(x) ? 1 : !isfinite(y) && !isnan(y);
            a->missing[v * M + m]++;
            continue;
        }
        if (!a->kset[m]) {
            a->kx[m] = x;
            a->ky[m] = defs[m].type == ORDO_METRIC_RATIO ? y : 0;
            a->kset[m] = true;
        }
        double xs = x - a->kx[m];
        double ys = defs[m].type == ORDO_METRIC_RATIO ? y - a->ky[m] : 0;
        acc_add(&ov[m], xs, ys);
        if (defs[m].type != ORDO_METRIC_RATIO) {
            if (has_cov)
                acc_add(&cu[m], xs, yc);
            else
                a->nocov[v * M + m]++;
        }
        if (usum) {
            usum[m * 2] += x;
            usum[m * 2 + 1] += y;
        }
        int k = a->key_of[m];
        if (k >= 0) {
            if (day)
                acc_add(&day[k], xs, ys);
            acc_add(&seg0[k], xs, ys);
            acc_add(&seg1[k], xs, ys);
            acc_add(&seg2[k], xs, ys);
        }
    }
    return ORDO_OK;
}

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
            c->p_holm = c->p_bh = NAN;
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
            /* CUPED: order unit, mean or proportion, every order with the
             * covariate (else it would compare different subsets). */
            if (per_unit || d->type == ORDO_METRIC_RATIO) {
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
                if (ordo_stats_cuped(&cc, &ct, alpha, &c->cuped, &c->theta, &adj_c, &adj_t,
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
            acc_add(&a->days[((size_t)d * V + un->variant) * K + k], s[0], s[1]);
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
                    acc_merge(&cum[w], &a->days[(dd * V + w) * K + k]);
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
                acc_merge(&cum[0], &a->days[(dd * V + 0) * K + k]);
                acc_merge(&cum[v], &a->days[(dd * V + v) * K + k]);
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
                acc_merge(&cum[v], &a->days[(dd * V + v) * K + k]);
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

static void compute_corrections(ordo_analysis_t *a)
{
    const size_t V = a->V, M = a->M;
    double p[ORDO_METRICS_MAX], ph[ORDO_METRICS_MAX], pb[ORDO_METRICS_MAX];
    size_t idx[ORDO_METRICS_MAX];
    for (size_t v = 1; v < V; v++) {
        size_t n = 0;
        for (size_t m = 0; m < M; m++) {
            an_cmp_t *c = &a->cmps[v * M + m];
            if (!c->ok || a->cfg.metrics.m[m].good == ORDO_GOOD_NONE)
                continue;
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

static void compute_guardrails(ordo_analysis_t *a)
{
    const size_t V = a->V, G = a->cfg.n_guardrails, D = a->n_days;
    for (size_t g = 0; g < G; g++) {
        const ordo_analyze_guardrail_t *gs = &a->cfg.guardrails[g];
        int m = ordo_metric_set_find(&a->cfg.metrics, gs->metric);
        int k = m >= 0 ? a->key_of[m] : -1;
        for (size_t v = 1; v < V; v++) {
            an_guard_t *gr = &a->guards[g * V + v];
            gr->metric = m;
            gr->p_ni = NAN;
            if (m < 0)
                continue;
            const an_cmp_t *c = &a->cmps[v * a->M + (size_t)m];
            bool hib = higher_is_better_guard(gs->direction);
            if (c->ok) {
                double margin = gs->margin > 0 ? gs->margin : 1e-12;
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
            if (k >= 0 && D) {
                const an_seq_point_t *last = NULL;
                for (size_t dd = D; dd-- > 0;) {
                    const an_seq_point_t *pt = &a->seq[((size_t)k * V + v) * D + dd];
                    if (pt->ok) {
                        last = pt;
                        break;
                    }
                }
                if (last) {
                    gr->seq_ok = true;
                    gr->breached = hib ? last->cs_high < -gs->margin : last->cs_low > gs->margin;
                }
            }
        }
    }
}

static void compute_verdict(ordo_analysis_t *a)
{
    const size_t V = a->V, M = a->M;
    const double alpha = a->cfg.alpha;
    a->verdict = ORDO_VERDICT_KEEP_RUNNING;
    a->verdict_variant = -1;
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
        char *why = a->v_reason[v];
        size_t wn = sizeof a->v_reason[v];
        ordo_analyze_verdict_t *vd = &a->v_verdict[v];
        *vd = ORDO_VERDICT_KEEP_RUNNING;
        if (a->srm_ok && (a->srm.flags & ORDO_STATS_F_SRM)) {
            *vd = ORDO_VERDICT_DO_NOT_SHIP;
            snprintf(why, wn,
                     "sample ratio mismatch (p = %.3g < 0.001)%s: the split differs from the "
                     "configured weights, so assignment or logging is broken and the results "
                     "cannot be trusted",
                     a->srm.p_value,
                     !a->orders[0] ? ", the control arm has no orders"
                     : !a->orders[v] ? ", this arm has no orders"
                                     : "");
            continue;
        }
        if (!a->orders[0] || !a->orders[v]) {
            snprintf(why, wn, "the %s arm has no orders yet", !a->orders[0] ? "control" : "treatment");
            continue;
        }
        bool stop = false;
        for (size_t g = 0; g < a->cfg.n_guardrails && !stop; g++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            if (gr->breached) {
                *vd = ORDO_VERDICT_DO_NOT_SHIP;
                snprintf(why, wn, "guardrail %s is significantly breached (beyond its margin %g)",
                         a->cfg.guardrails[g].metric, a->cfg.guardrails[g].margin);
                stop = true;
            }
        }
        if (stop)
            continue;
        /* primary KPIs, Holm-adjusted among themselves */
        size_t nk = a->cfg.n_kpis;
        double p[ORDO_EXP_MAX_KPIS], ph[ORDO_EXP_MAX_KPIS];
        int km[ORDO_EXP_MAX_KPIS];
        size_t n = 0;
        const char *missing_kpi = NULL;
        for (size_t i = 0; i < nk; i++) {
            int m = ordo_metric_set_find(&a->cfg.metrics, a->cfg.kpis[i]);
            if (m < 0 || !a->cmps[v * M + (size_t)m].ok) {
                missing_kpi = a->cfg.kpis[i];
                continue;
            }
            km[n] = m;
            p[n++] = an_cmp_primary(&a->cmps[v * M + (size_t)m])->p_value;
        }
        if (!n) {
            snprintf(why, wn, "primary KPI %s cannot be computed yet: %s",
                     missing_kpi ? missing_kpi : "?",
                     missing_kpi && ordo_metric_set_find(&a->cfg.metrics, missing_kpi) >= 0
                         ? a->cmps[v * M + (size_t)ordo_metric_set_find(&a->cfg.metrics,
                                                                        missing_kpi)]
                               .reason
                         : "not defined");
            continue;
        }
        if (ordo_stats_holm(p, n, ph, NULL))
            memcpy(ph, p, n * sizeof *p);
        int improved = -1, worse = -1;
        for (size_t i = 0; i < n; i++) {
            const ordo_metric_def_t *d = &a->cfg.metrics.m[km[i]];
            const ordo_stats_result_t *r = an_cmp_primary(&a->cmps[v * M + (size_t)km[i]]);
            bool hib = d->good == ORDO_GOOD_HIGHER;
            bool better = hib ? r->estimate > 0 : r->estimate < 0;
            if (ph[i] < alpha && better && improved < 0)
                improved = (int)i;
            if (ph[i] < alpha && !better && worse < 0 && d->good != ORDO_GOOD_NONE)
                worse = (int)i;
        }
        if (worse >= 0) {
            *vd = ORDO_VERDICT_DO_NOT_SHIP;
            snprintf(why, wn, "primary KPI %s is significantly worse (p = %.3g)",
                     a->cfg.metrics.m[km[worse]].name, ph[worse]);
            continue;
        }
        int pm = km[improved >= 0 ? improved : 0];
        const ordo_metric_def_t *pd = &a->cfg.metrics.m[pm];
        ordo_stats_guardrail_t gsr[ORDO_EXP_MAX_GUARDRAILS];
        size_t ng = 0;
        const char *unknown_guard = NULL;
        for (size_t g = 0; g < a->cfg.n_guardrails; g++) {
            const an_guard_t *gr = &a->guards[g * V + v];
            if (gr->metric < 0 || !a->cmps[v * M + (size_t)gr->metric].ok) {
                if (!unknown_guard)
                    unknown_guard = a->cfg.guardrails[g].metric;
                continue;
            }
            gsr[ng].diff = *an_cmp_primary(&a->cmps[v * M + (size_t)gr->metric]);
            gsr[ng].margin = a->cfg.guardrails[g].margin > 0 ? a->cfg.guardrails[g].margin : 1e-12;
            gsr[ng].higher_is_better = higher_is_better_guard(a->cfg.guardrails[g].direction);
            ng++;
        }
        ordo_stats_result_t prim = *an_cmp_primary(&a->cmps[v * M + (size_t)pm]);
        prim.p_value = ph[improved >= 0 ? improved : 0];
        ordo_stats_decision_t dec;
        long failed = -1;
        ordo_error_t e;
        if (ordo_stats_decide(&prim, pd->good == ORDO_GOOD_HIGHER, gsr, ng, alpha, &dec, &failed,
                              &e) != ORDO_OK) {
            snprintf(why, wn, "the decision rule could not run: %s", e.msg);
            continue;
        }
        if (dec == ORDO_STATS_SHIP && !unknown_guard) {
            *vd = ORDO_VERDICT_SHIP;
            const an_cmp_t *c = &a->cmps[v * M + (size_t)pm];
            char tmp[64];
            if (c->has_rel)
                snprintf(tmp, sizeof tmp, "%+.2f%%, ", 100 * c->rel.estimate);
            else
                tmp[0] = 0;
            snprintf(why, wn,
                     "primary KPI %s improved significantly (%sp = %.3g) and every guardrail "
                     "is significantly non-inferior",
                     pd->name, tmp, prim.p_value);
            double lift = c->has_rel ? fabs(c->rel.estimate) : fabs(prim.estimate);
            if (best < 0 || lift > best_lift) {
                best = (int)v;
                best_lift = lift;
            }
            continue;
        }
        if (runtime_over) {
            *vd = ORDO_VERDICT_DO_NOT_SHIP;
            snprintf(why, wn,
                     "the maximum runtime (%g days) is over without a significant improvement "
                     "with every guardrail non-inferior",
                     a->cfg.max_runtime_days);
            continue;
        }
        if (unknown_guard)
            snprintf(why, wn, "guardrail %s cannot be computed yet", unknown_guard);
        else if (dec == ORDO_STATS_NO_SHIP_GUARDRAIL && failed >= 0)
            snprintf(why, wn, "guardrail %s is not yet shown non-inferior (margin %g)",
                     a->cfg.guardrails[failed].metric, a->cfg.guardrails[failed].margin);
        else
            snprintf(why, wn, "primary KPI %s has not improved significantly yet (p = %.3g)",
                     pd->name, prim.p_value);
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
                b->margin = a->cfg.guardrails[g].margin;
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
