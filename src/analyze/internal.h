/* ordo analyze — internals shared by the core, the report writers and the
 * monitor. Not installed. */
#ifndef ORDO_ANALYZE_INTERNAL_H
#define ORDO_ANALYZE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ordo/analyze.h"
#include "ordo/stats.h"
#include "ordo/util.h"

#define AN_MAX_KEY 20 /* key metrics: KPIs + guardrails + the hypothesis metric */
#define AN_DIMS 3     /* region, family, value band */
#define AN_MAX_DAYS 3660
#define AN_REASON_MAX 200

/* Power sums of values shifted by a per-metric constant (see ANALYZE.md):
 * converted to ordo_moments_t once, at finish. */
typedef struct an_acc {
    double n, sx, sy, sxx, syy, sxy;
} an_acc_t;

/* Adds one row's shifted values (x, y) to c. */
static inline void an_acc_add(an_acc_t *c, double x, double y)
{
    c->n += 1;
    c->sx += x;
    c->sy += y;
    c->sxx += x * x;
    c->syy += y * y;
    c->sxy += x * y;
}

/* a += b */
static inline void an_acc_merge(an_acc_t *a, const an_acc_t *b)
{
    a->n += b->n;
    a->sx += b->sx;
    a->sy += b->sy;
    a->sxx += b->sxx;
    a->syy += b->syy;
    a->sxy += b->sxy;
}

typedef struct an_unit {
    uint32_t variant;
    uint32_t n_orders;
    int64_t first_ts;
    bool mixed; /* orders of this unit seen in more than one variant */
} an_unit_t;

/* One treatment-vs-control comparison of one metric. */
typedef struct an_cmp {
    bool ok;                   /* diff computed */
    char reason[AN_REASON_MAX];/* why not (when !ok) */
    const char *method;        /* "welch", "two-proportion z", "delta method", ... */
    ordo_stats_result_t diff;  /* unadjusted */
    bool has_rel;
    ordo_stats_result_t rel;   /* relative lift of the primary analysis */
    bool has_cuped;
    ordo_stats_result_t cuped;
    double theta;
    char cuped_note[AN_REASON_MAX];
    bool has_post;
    ordo_stats_result_t post;
    char post_note[AN_REASON_MAX];
    double p_holm, p_bh;       /* NaN when not tested */
    bool tested;
    bool constant;             /* the metric has one value in every order of both arms */
} an_cmp_t;

/* The analysis a verdict uses: CUPED when available, else the plain one. */
static inline const ordo_stats_result_t *an_cmp_primary(const an_cmp_t *c)
{
    return c->has_cuped ? &c->cuped : &c->diff;
}

typedef struct an_arm {
    double n;        /* units (orders, or customers / clusters) */
    uint64_t orders; /* orders with a value */
    uint64_t missing;/* orders where the metric is undefined */
    bool ok;
    double value, se;
} an_arm_t;

typedef struct an_seq_point {
    int64_t day; /* Unix day number */
    bool ok;
    double estimate, cs_low, cs_high, p_value;
} an_seq_point_t;

typedef struct an_seg_cell {
    an_arm_t arm[ORDO_EXP_MAX_ARMS];
    bool ok[ORDO_EXP_MAX_ARMS]; /* comparison vs control available */
    ordo_stats_result_t diff[ORDO_EXP_MAX_ARMS];
} an_seg_cell_t;

typedef struct an_guard {
    int metric;          /* index into metrics */
    bool evaluated;      /* fixed-horizon non-inferiority computed */
    double p_ni;
    bool non_inferior;
    bool seq_ok;
    bool breached;
    char reason[AN_REASON_MAX];
    double margin;       /* absolute margin in force (relative × |control value|) */
    bool harmed;         /* significantly worse (Holm across metrics), even within the margin */
} an_guard_t;

/* The structured hypothesis, tested per treatment. */
typedef enum an_claim_status {
    AN_CLAIM_UNTESTED = 0,  /* prose only */
    AN_CLAIM_UNAVAILABLE,   /* metric cannot be computed (reason) */
    AN_CLAIM_NOT_YET,       /* neither shown nor refuted */
    AN_CLAIM_SUPPORTED,     /* shown at alpha (fixed horizon) */
    AN_CLAIM_REFUTED        /* the confidence sequence lies wholly on the wrong side */
} an_claim_status_t;

typedef struct an_claim {
    an_claim_status_t status;
    int metric;             /* index, -1 undefined */
    double margin;          /* absolute */
    double estimate;        /* treatment − control (primary analysis) */
    double p_value;         /* one-sided p of the claim; NaN when not computed */
    char reason[AN_REASON_MAX];
} an_claim_t;

const char *an_claim_status_name(an_claim_status_t s); /* "untested", "supported", ... */
/* "cost_per_order at most +3% (relative)" into buf. */
const char *an_claim_text(const ordo_analysis_t *a, char *buf, size_t n);

/* Shadow comparison: one group per real arm (variants 0..V-1, then "not in
 * the experiment" at V) plus the overall group at V+1. */
typedef struct an_shadow_stat {
    bool ok;                    /* diff computed */
    char reason[AN_REASON_MAX]; /* why not */
    uint64_t n;                 /* orders with the metric on both sides */
    double real, shadow;        /* means; NaN when n == 0 */
    ordo_stats_result_t diff;   /* paired: shadow − real, t with n − 1 df */
} an_shadow_stat_t;

typedef struct an_shadow_group {
    ordo_moments_t m[ORDO_AN_SHADOW_METRICS]; /* x = shadow − real, y = real */
    uint64_t orders;                          /* pairs */
    uint64_t compared;                        /* pairs where both plans have a signature */
    uint64_t differ;                          /* ... whose signatures differ */
    an_shadow_stat_t res[ORDO_AN_SHADOW_METRICS];
} an_shadow_group_t;

struct ordo_analysis {
    ordo_analyze_config_t cfg;
    size_t V, M, K;
    int key[AN_MAX_KEY];   /* key metric k → metric index */
    int key_of[ORDO_METRICS_MAX]; /* metric → key index or -1 */
    double kx[ORDO_METRICS_MAX], ky[ORDO_METRICS_MAX], kc;
    bool kset[ORDO_METRICS_MAX], kcset;

    an_acc_t *overall;  /* [v * M + m] */
    an_acc_t *cuped;    /* [v * M + m]: rows with the covariate */
    uint64_t *missing;  /* [v * M + m] */
    uint64_t *nocov;    /* [v * M + m]: value present, covariate missing */
    an_acc_t *seg[AN_DIMS]; /* [(s * V + v) * K + k] */
    size_t seg_n[AN_DIMS];

    int64_t day0;      /* first day of the array */
    size_t n_days;
    an_acc_t *days;    /* [(d * V + v) * K + k] */
    uint64_t outside_days;

    uint64_t orders[ORDO_EXP_MAX_ARMS];
    double zone_ships[ORDO_EXP_MAX_ARMS][9];
    uint64_t nonfinite;
    int64_t first_ts, last_ts;

    ordo_strmap_t *unit_map;
    an_unit_t *units;
    double *unit_sums; /* [(u * M + m) * 2 + {0 num, 1 den}] */
    size_t n_units, cap_units;
    uint64_t mixed_units;

    ordo_analyze_counts_t counts;
    bool has_counts;
    an_shadow_group_t *shadow;  /* [V + 2] */
    ordo_analyze_shadow_info_t shadow_info;
    bool has_shadow_info;
    char *run_summary;
    ordo_buf_t notes; /* NUL-separated */
    size_t n_notes;

    /* results */
    bool finished;
    int64_t now;
    an_arm_t *arms;     /* [v * M + m] */
    an_cmp_t *cmps;     /* [v * M + m], v >= 1 */
    ordo_stats_result_t srm;
    bool srm_ok;
    char srm_reason[AN_REASON_MAX];
    double unit_counts[ORDO_EXP_MAX_ARMS];
    an_seg_cell_t *segres[AN_DIMS]; /* [s * K + k] */
    /* time series: per key metric, per day, per variant cumulative value */
    double *ts_value;   /* [(k * n_days + d) * V + v], NaN when unavailable */
    an_seq_point_t *seq; /* [(k * V + v) * n_days + d], v >= 1 */
    double *seq_tau2;    /* [k * V + v] */
    an_guard_t *guards;  /* [g * V + v] */
    ordo_analyze_verdict_t verdict;
    int verdict_variant; /* -1 none */
    char verdict_reason[512];
    ordo_analyze_verdict_t v_verdict[ORDO_EXP_MAX_ARMS];
    char v_reason[ORDO_EXP_MAX_ARMS][512];
    an_claim_t claims[ORDO_EXP_MAX_ARMS]; /* [v], v >= 1 */
    int claim_key;         /* metric index of the hypothesis, -1 none */
    int64_t start_ts;      /* experiment start (registry), else the first decision */
    double runtime_days;   /* now − start */
    double required_days;  /* max(min_runtime_days, 7) */
    bool runtime_short;    /* runtime_days < required_days: no verdict on efficacy yet */
};

/* Shadow comparison (shadow.c): statistics at finish; the group of a real
 * arm (-1: not in the experiment) and the overall group. */
void an_shadow_finish(ordo_analysis_t *a);
#define AN_SHADOW_OUT(a) ((a)->V)
#define AN_SHADOW_ALL(a) ((a)->V + 1)
/* "control", ..., "not in experiment", "all" for group g. */
const char *an_shadow_group_label(const ordo_analysis_t *a, size_t g);

/* HTML helpers (report_plot.c). */
void an_html_esc(ordo_buf_t *o, const char *s);
/* A round tick step (1, 2, 2.5 or 5 × 10^k) giving about target ticks over span. */
double an_nice_step(double span, int target);
/* Decimals needed to print multiples of step exactly. */
int an_step_decimals(double step);
/* The metric's plain-English label (its name when it has none). */
const char *an_metric_label(const ordo_metric_def_t *d);
/* 0 primary KPI, 1 secondary metric, 2 guardrail. */
int an_metric_group(const ordo_analysis_t *a, size_t m);
/* The lift plot, grouped, with collapsed lines for what cannot be drawn. */
void an_html_forest(const ordo_analysis_t *a, ordo_buf_t *o);

/* Shared formatting helpers (report_text.c). */
const char *an_fmt(double v, char *buf, size_t n); /* "n/a" for non-finite */
const char *an_family_name(const ordo_analysis_t *a, int s);
const char *an_segment_name(const ordo_analysis_t *a, int dim, int s);
extern const char *const an_dim_names[AN_DIMS];
/* Iterates the notes: start with *pos = 0; NULL at the end. */
const char *an_note_next(const ordo_analysis_t *a, size_t *pos);

#endif
