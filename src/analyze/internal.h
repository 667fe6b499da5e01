/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — internals shared by the core, the report writers and the
 * monitor. Not installed. */
#ifndef ORDO_ANALYZE_INTERNAL_H
#define ORDO_ANALYZE_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/arena.h"
#include "ordo/store.h"
#include "ordo/stats.h"
#include "ordo/util.h"

#define AN_MAX_KEY 20 /* key metrics: KPIs + guardrails + the hypothesis metric */
#define AN_DIMS 6     /* region, family, value band, channel, promotion, rurality */
#define AN_DIM_RURALITY 5
#define AN_MAX_DAYS 3660
#define AN_REASON_MAX 200

/* Compiled twice where the compiler can pick at run time (x86-64, GCC's
 * ifunc): for AVX2, where four doubles take one instruction (add_values: a
 * cell's four sums in one addition), and for any x86-64. Same operations
 * on each double, so the same bits. Not with Clang: its multiversioned
 * functions must carry the attribute on every declaration, and a caller in
 * another file (join.c calling facts.c) then fails to link; Clang builds
 * the plain x86-64 version alone, which gives the same bits. */
#if defined(__x86_64__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define AN_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef AN_CLONES
#define AN_CLONES
#endif

/* splitmix64's finalizer: spreads a hash so that sums of hashes of
 * different multisets collide only by chance (2^-64 per signature word);
 * the plan signature's step (shadow.c, facts.c). */
static inline uint64_t an_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

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

/* What one row adds to an accumulator, as three pairs in an_acc_t's
 * order: (1, x), (y, x*x), (y*y, x*y). Computed once per metric and added
 * pair by pair to each of its cells: the very additions of an_acc_add, two
 * at a time (ANALYZE.md "At scale"). */
typedef double an_v2_t __attribute__((vector_size(16)));
typedef struct an_terms {
    an_v2_t t[3];
} an_terms_t;

static inline void an_terms_set(an_terms_t *t, double x, double y)
{
    const an_v2_t yx = {y, x};
    t->t[0] = (an_v2_t){1.0, x};
    t->t[1] = yx * t->t[0];          /* (y * 1, x * x): y * 1 is y, exactly */
    t->t[2] = yx * (an_v2_t){y, y};  /* (y * y, x * y) */
}

/* an_acc_t's doubles two at a time (GCC and Clang: a vector of doubles
 * aliases doubles, so nothing else is reloaded after a store) */
typedef double an_v2u_t __attribute__((vector_size(16), aligned(8)));

static inline void an_acc_add_terms(an_acc_t *c, const an_terms_t *t)
{
    an_v2u_t *v = (an_v2u_t *)(void *)c;
    v[0] += t->t[0];
    v[1] += t->t[1];
    v[2] += t->t[2];
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
    bool kpi;                  /* a primary KPI that can be computed: p_kpi is set */
    double p_kpi;              /* Holm among the variant's primary KPIs: the verdict's family */
    bool constant;             /* the metric has one value in every order of both arms */
} an_cmp_t;

/* The adjusted p-value that judges a row of the reports: a primary KPI's
 * among the primary KPIs (the family the verdict tests), any other
 * metric's across the tested metrics; NaN when not tested. */
static inline double an_cmp_p_adjusted(const an_cmp_t *c)
{
    return c->kpi ? c->p_kpi : c->tested ? c->p_holm : NAN;
}

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

/* The shadow metrics' moments while pairs are added: ordo_moments_t's
 * fields, one array over the metrics each, so that a pair's four updates
 * are 4-wide operations (an_shadow_lanes_add; ANALYZE.md "At scale"). */
typedef struct an_shadow_lanes {
    uint64_t n[ORDO_AN_SHADOW_METRICS];
    double k_x[ORDO_AN_SHADOW_METRICS], k_y[ORDO_AN_SHADOW_METRICS];
    double mean_x[ORDO_AN_SHADOW_METRICS], m2_x[ORDO_AN_SHADOW_METRICS];
    double mean_y[ORDO_AN_SHADOW_METRICS], m2_y[ORDO_AN_SHADOW_METRICS];
    double c_xy[ORDO_AN_SHADOW_METRICS];
    double inv_next; /* 1 / inv_n, divided by the last shared update */
    uint64_t inv_n;  /* 0: none */
} an_shadow_lanes_t;

typedef struct an_shadow_group {
    an_shadow_lanes_t lanes;                  /* the pairs as they are added */
    ordo_moments_t m[ORDO_AN_SHADOW_METRICS]; /* x = shadow − real, y = real:
                                               * the lanes', at finish */
    uint64_t orders;                          /* pairs */
    uint64_t compared;                        /* pairs where both plans have a signature */
    uint64_t differ;                          /* ... whose signatures differ */
    an_shadow_stat_t res[ORDO_AN_SHADOW_METRICS];
} an_shadow_group_t;

/* Operational metrics per variant (ops.c; ANALYZE.md "Operational
 * metrics"): each arm's mean with its interval, and the pick rate's
 * variance with its interval, whatever the metric set. */
enum {
    AN_OPS_SATISFACTION,
    AN_OPS_DOCK_TO_TRUCK,
    AN_OPS_CANCELLED,
    AN_OPS_LABOUR,
    AN_OPS_PICK_RATE,
    AN_OPS_N
};
typedef struct an_ops {
    ordo_moments_t m[ORDO_EXP_MAX_ARMS][AN_OPS_N];
    /* 1 / (n + 1) of each moment with n > 0, divided at its previous update
     * so that the next one does not wait on the division (an_ops_add) */
    double inv_next[ORDO_EXP_MAX_ARMS][AN_OPS_N];
    bool any; /* some order carried a measure: the section is shown */
    bool ok[ORDO_EXP_MAX_ARMS][AN_OPS_N];
    ordo_stats_result_t mean[ORDO_EXP_MAX_ARMS][AN_OPS_N];
    bool var_ok[ORDO_EXP_MAX_ARMS];
    ordo_stats_result_t pick_var[ORDO_EXP_MAX_ARMS];
} an_ops_t;
struct ordo_jsonw;
void an_ops_add(an_ops_t *ops, const ordo_analyze_row_t *row);
void an_ops_finish(an_ops_t *ops, size_t n_variants, double alpha);
void an_ops_write_text(const ordo_analysis_t *a, ordo_buf_t *o);
void an_ops_write_json(const ordo_analysis_t *a, struct ordo_jsonw *w);
void an_ops_write_html(const ordo_analysis_t *a, ordo_buf_t *o);

struct ordo_analysis {
    ordo_analyze_config_t cfg;
    size_t V, M, K;
    int key[AN_MAX_KEY];   /* key metric k → metric index */
    int key_of[ORDO_METRICS_MAX]; /* metric → key index or -1 */
    double kx[ORDO_METRICS_MAX], ky[ORDO_METRICS_MAX], kc;
    bool kset[ORDO_METRICS_MAX], kcset;
    /* each metric's fields as add_values reads them (from cfg.metrics, at
     * create): numerator, denominator (-1: 1.0, not a ratio) */
    int16_t m_num[ORDO_METRICS_MAX], m_den[ORDO_METRICS_MAX];
    /* the same, grouped for the row loop (at create): means that are no
     * key metric, then key means, then ratios, each group's loop compiled
     * without the others' tests (ANALYZE.md "At scale") */
    struct an_mplan {
        int16_t m, num, den, k;
    } mplan[ORDO_METRICS_MAX];
    size_t n_mean_plain, n_mean_key;
    /* an order-unit analysis's means, four to a vector (analysis.c
     * add_mean_lanes; ANALYZE.md "At scale"): [v * n_lane_groups + g] and
     * [g]; NULL for other units. lane_num: each lane's row field. */
    struct an_lanes *lanes;
    struct an_lane_keys *lane_keys;
    uint64_t *lane_rows; /* [v]: rows added to the lanes since their flush */
    size_t n_lane_groups;
    bool lanes_set; /* every lane's shift is set (lanes_first) */
    /* [v]: every row of variant v since the lanes were cleared had the
     * covariate, so the lanes' CUPED n, sx and sxx are their overall n, sx
     * and sxx, bit for bit, and are not added (add_mean_lanes'
     * CUPED_SHARED; copied out by cuped_split) */
    bool cuped_shared[ORDO_EXP_MAX_ARMS];
    /* plain means fill groups [0, lane_key_g0), key means the groups
     * after (each set padded to a multiple of four lanes); lane_plan:
     * each lane's a->mplan index, -1 for a padding lane */
    size_t lane_key_g0, n_key_groups;
    int16_t lane_num[ORDO_METRICS_MAX + 8];
    int16_t lane_plan[ORDO_METRICS_MAX + 8];
    /* the first lane_runs groups read four consecutive row fields each
     * (lane_num[4g] on): one load instead of four; lanes_create puts the
     * plain means' runs of four first */
    size_t lane_runs;
    /* the key means' day and segment cells laid out by sum, four key
     * means to a group (struct an_key_lanes): [(s * V + v) * n_key_groups
     * + kg] and [(d * V + v) * n_key_groups + kg] (d as in days); added
     * into seg and days by an_lanes_flush. NULL without key mean lanes. */
    struct an_key_lanes *key_seg[AN_DIMS];
    struct an_key_lanes *key_days;
    /* the ratios of an analysis with mean lanes, four to a vector
     * (add_ratio_lanes): [v * n_ratio_groups + g] and [g]; ratio_plan:
     * each lane's a->mplan index, -1 for a padding lane; ratio_key: some
     * ratio is a key metric. NULL without ratios or mean lanes. */
    struct an_ratio_lanes *ratio_lanes;
    struct an_ratio_keys *ratio_keys;
    size_t n_ratio_groups;
    bool ratio_key;
    bool ratios_set; /* every ratio lane's shifts are set (ratios_first) */
    int16_t ratio_num[ORDO_METRICS_MAX + 4], ratio_den[ORDO_METRICS_MAX + 4];
    int16_t ratio_plan[ORDO_METRICS_MAX + 4];


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
    double carrier_ships[ORDO_EXP_MAX_ARMS][ORDO_AN_LABELS]; /* [v][config.carrier_names] */
    uint64_t nonfinite;
    int64_t first_ts, last_ts;

    ordo_strmap_t *unit_map;
    an_unit_t *units;
    double *unit_sums; /* [(u * M + m) * 2 + {0 num, 1 den}] */
    size_t n_units, cap_units;
    uint64_t mixed_units;

    ordo_analyze_counts_t counts;
    bool has_counts;
    an_ops_t ops;
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

/* Adds the lanes' sums and counts into overall, cuped, missing, nocov,
 * nonfinite, seg and days, and clears them (ordo_analysis_finish; tests). */
void an_lanes_flush(ordo_analysis_t *a);

/* The plan's signature (ordo_analyze_plan_summary's sig): a sum over its
 * lines of hashes of (node, service, SKU, quantity), so the same lines in
 * any order give the same signature. */
void an_plan_sig(const ordo_record_plan_t *plan, uint64_t sig[2]);
/* Shadow comparison (shadow.c): statistics at finish; the group of a real
 * arm (-1: not in the experiment) and the overall group. */
void an_shadow_finish(ordo_analysis_t *a);
/* A pair's values per shadow metric: x = shadow − real, y = real, for
 * the metrics of bit mask fin (both sides finite; the others not read).
 * an_shadow_lanes_add: each metric's moments as ordo_moments_add2 updates
 * them, the same bits; when fin has every metric and the four counts are
 * equal, through an_shadow_lanes_add_shared. That one updates the four
 * at once, with one division (1 / n is then one double): the caller checks
 * the counts, with unequal ones its result is wrong
 * (test_shadow_lanes_shared_division). an_shadow_lanes_get: one metric's
 * moments as an ordo_moments_t. */
void an_shadow_lanes_add(an_shadow_lanes_t *L, const double *x, const double *y, unsigned fin);
void an_shadow_lanes_add_shared(an_shadow_lanes_t *L, const double *x, const double *y);
void an_shadow_lanes_get(const an_shadow_lanes_t *L, int m, ordo_moments_t *out);
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
/* Carrier dependence of variant v: the Herfindahl–Hirschman index of the
 * carriers' shares of its shipments, on the 0–10,000 scale (NaN without
 * shipments), and the shipments (*total). an_carriers: carriers seen. */
double an_carrier_hhi(const ordo_analysis_t *a, size_t v, double *total);
int an_carriers(const ordo_analysis_t *a);
/* Iterates the notes: start with *pos = 0; NULL at the end. */
const char *an_note_next(const ordo_analysis_t *a, size_t *pos);

/* ======================================================================
 * The facts table (facts.c, facts_io.c; docs/internals/ANALYZE.md "The
 * facts table"). One fixed-width row per decision or shadow record: every
 * figure the join and the rows need, taken from the record once, so an
 * analysis never parses a record again. Rows are experiment-independent:
 * strings are interned ids, order ids and units 128-bit hashes.
 * ====================================================================== */

/* Decision figures of a row (raw, as the record has them). */
enum {
    AN_DV_COST = 0, AN_DV_PICK, AN_DV_PACK, AN_DV_SHIP, AN_DV_RETURNS, AN_DV_CARRYING,
    AN_DV_ON_TIME_PROB, AN_DV_RETURN_RISK, AN_DV_SHIPMENTS, AN_DV_UNITS, AN_DV_MILES,
    AN_DV_ZONE_SUM, AN_DV_LATENCY_MS, AN_DV_CONTROL_COST, AN_DV_ORDER_VALUE, AN_DV_N
};

enum {
    AN_F_SHADOW = 1 << 0,     /* ORDO_LOG_REC_SHADOW (else a decision) */
    AN_F_PARSED = 1 << 1,     /* the record reader read it */
    AN_F_HAS_TIME = 1 << 2,   /* timestamp parsed: ts is set */
    AN_F_HAS_COST = 1 << 3,   /* plan.totals.cost present */
    AN_F_PLAN = 1 << 4,       /* plan present: the plan summary is defined */
    AN_F_SIG = 1 << 5,        /* plan.shipments was an array: sig, miles, zones */
    AN_F_EXCLUDED = 1 << 6,   /* "excluded": true */
    AN_F_OID = 1 << 7,        /* order_id present (oid) */
    AN_F_OID_LONG = 1 << 8,   /* ... ORDO_OUTCOME_ID_MAX bytes or longer: never matches */
    AN_F_SCAN_OID = 1 << 9,   /* the byte scan found "order_id" (scan_oid) */
    AN_F_SCAN_EXP = 1 << 10,  /* the byte scan found "experiment" (scan_exp) */
    AN_F_EXP_TEXT = 1 << 11,  /* the text "experiment" occurs in the payload */
    AN_F_UNIT = 1 << 12,      /* a non-empty unit (unit) */
    AN_F_SCAN_VAR = 1 << 13   /* the byte scan found "variant" (scan_var) */
};

#define AN_FACT_SVCS 4          /* carrier services kept per fact */
#define AN_ID_NONE 0u          /* string absent (NULL) */
#define AN_ID_LONG 0xffffffffu /* present but too long to intern: equals nothing */
#define AN_STR_MAX 4096        /* longest interned string, bytes */

typedef struct an_fact {
    int64_t ts;           /* decision time, Unix s (AN_F_HAS_TIME) */
    int64_t promise;      /* from plan.promise_date (end of day for a date); 0 none */
    uint64_t oid[2];      /* XXH3-128 of order_id */
    uint64_t scan_oid[2]; /* XXH3-128 of the byte-scanned order_id */
    uint64_t unit[2];     /* XXH3-128 of unit */
    uint64_t sig[2];      /* plan signature (AN_F_SIG) */
    double dv[AN_DV_N];
    float zones[9];       /* shipments per zone; NaN without AN_F_SIG (exact: small counts) */
    uint32_t experiment, variant, policy_name, policy_version; /* string ids */
    uint32_t scan_exp, scan_var; /* byte-scanned "experiment", "variant" (AN_F_SCAN_*) */
    uint32_t channel, promotion; /* string ids of order.channel, order.promotion */
    /* the plan's carrier services (string ids, distinct; past AN_FACT_SVCS
     * the last one is AN_ID_LONG: "other") and their shipments */
    uint32_t svc[AN_FACT_SVCS];
    uint16_t svc_n[AN_FACT_SVCS];
    uint16_t flags;
    uint16_t family;      /* 0 .. ORDO_AN_FAMILIES-1 */
    uint8_t region, value_band;
    int8_t fallback;      /* -1 absent, 0, 1 */
    uint8_t rurality;     /* 0 rural, 1 urban, 2 unknown (facts version 4) */
    uint8_t pad[4];
} an_fact_t;

/* Interned strings: ids from 1, stable, append-only. */
#define AN_STR_RECENT 32
typedef struct an_strings {
    ordo_strmap_t *map;
    ordo_buf_t buf;   /* NUL-terminated strings */
    uint32_t *off;    /* [id - 1] offset into buf */
    uint32_t n, cap;
    /* the ids met last, by length and end bytes (an_strings_intern): most
     * records repeat the experiment, variant, policy and channel */
    uint32_t recent[AN_STR_RECENT], recent_len[AN_STR_RECENT];
    uint64_t serial; /* this table's, from an_strings_init: never 0, never reused */
} an_strings_t;

int an_strings_init(an_strings_t *s);
void an_strings_free(an_strings_t *s);
/* Id of str (added when new); AN_ID_NONE for NULL, AN_ID_LONG when too
 * long. ORDO_ENOMEM. */
int an_strings_intern(an_strings_t *s, const char *str, uint32_t *id);
/* Id of an existing string, AN_ID_LONG (matches nothing) when not interned. */
uint32_t an_strings_find(const an_strings_t *s, const char *str);
/* The string of an id; "" for AN_ID_LONG, NULL for AN_ID_NONE. */
const char *an_strings_get(const an_strings_t *s, uint32_t id);

/* One decision or shadow log record → its fact (byte scan, record reader,
 * plan, segments). Only ORDO_ENOMEM is an error: an unreadable record is a
 * fact without AN_F_PARSED. */
struct ordo_log_record;
int an_fact_from_log(const struct ordo_log_record *rec, ordo_arena_t *arena,
                     const ordo_network_t *net, an_strings_t *str, an_fact_t *f,
                     ordo_error_t *err);
/* The fields a fact reads of a decision record, from its CBOR tree, by the
 * record reader's rules; the other fields of *d are zero (facts_tree.c).
 * ORDO_EPARSE when d is not an object, ORDO_ENOMEM. */
struct ordo_cbor_node;
int an_record_from_tree(const struct ordo_cbor_node *d, ordo_arena_t *arena, ordo_record_t *d_out);
/* A cost read without an "economic" object, as the record reader makes
 * it: economic = carrying relief + opportunity (NaN as 0), taken out of
 * the total (facts_tree.c). */
void an_cost_flat(ordo_cost_t *c);
/* true: CBOR facts are read with the whole record reader
 * (ordo_record_read_tree) instead of an_record_from_tree: the reference the
 * tests and bench_facts compare the fast reader with. */
extern bool an_fact_full_reader;
/* A CBOR record's fact fields (as an_record_from_tree) and what the tree
 * scan of facts.c finds, in one pass over its bytes with no tree
 * (facts_stream.c); ORDO_EUNSUPPORTED: read the record through the tree
 * (shapes cbor_tree.c's fast path does not take, among them everything the
 * full decoder refuses). an_fact_tree_reader: always the tree (tests,
 * bench_facts). */
typedef struct an_stream_scan {
    bool exp_text;
    bool done[3];          /* experiment, variant, order_id */
    const char *value[3];
} an_stream_scan_t;
int an_record_stream(const void *p, size_t n, ordo_arena_t *arena, ordo_record_t *d,
                     an_stream_scan_t *sc);
/* The summary's strings that recur from record to record (policy, its
 * version, experiment, variant, family, plan status, promise date, nodes,
 * services, SKUs, channel, promotion) are held once per thread by
 * an_record_stream in a small table keyed by their bytes (ANALYZE.md
 * "Strings that recur"): one met again is not checked as UTF-8 again nor
 * copied, and the record's pointer is the table's string, beside which the
 * fact keeps what it derives of it. A pointer of a record stays valid
 * until the next an_record_stream of the thread. */
#define AN_MEMO_LEN 40 /* the longest string held, its NUL included */
typedef struct an_memo {
    char s[AN_MEMO_LEN]; /* first: a record's pointer is the entry's */
    uint32_t len;
    uint32_t epoch;   /* the record last reading it: not replaced while it reads */
    uint32_t id;      /* its id in the string table whose serial is strings */
    uint64_t strings; /* that table's serial (an_strings_t), 0 none */
    int32_t family;   /* its index in net's families (checked), -1 not known */
    const void *net;
    uint64_t h64; /* ordo_hash64 of its bytes, when has_h64 */
    int64_t promise;
    bool has_h64;
    int8_t promise_ok; /* 0 not known, 1 parsed as promise, -1 does not parse */
    int16_t plain;     /* its length if no '"', '\\' or control byte, -1 not, -2 not known */
} an_memo_t;
#define AN_MEMO_N 512 /* entries, direct-mapped */
extern _Thread_local an_memo_t an_memo_table[AN_MEMO_N];
/* The table's entry of a string of the last record read, NULL when s is
 * not one (a string of the arena, or of another thread). */
static inline an_memo_t *an_memo_of(const char *s)
{
    uintptr_t a = (uintptr_t)s, b = (uintptr_t)an_memo_table;
    if (a < b || a >= b + sizeof an_memo_table)
        return NULL;
    an_memo_t *m = &an_memo_table[(a - b) / sizeof an_memo_table[0]];
    return m->s == s ? m : NULL;
}
extern bool an_fact_tree_reader;
/* true: an_record_stream walks every record, the summary of records of
 * version 3 unread (RECORD.md "Summary"; the tests' and benches' reference). */
extern bool an_fact_summary_off;
/* A read record → its fact (not the byte-scan part). */
int an_fact_from_record(const ordo_record_t *d, const ordo_network_t *net, an_strings_t *str,
                        an_fact_t *f, ordo_error_t *err);
/* The row of a fact and its outcome (NULL: none), without variant and unit:
 * exactly what ordo_analyze_row_from_decision gives. ORDO_EINVAL without a
 * timestamp or a plan cost. */
struct ordo_outcome_summary;
int an_row_from_fact(const an_fact_t *f, const struct ordo_outcome_summary *o,
                     ordo_analyze_row_t *row, ordo_error_t *err);
/* The string value of the first "key": "..." in payload, without parsing
 * the JSON (join.c's cheap filter); false when absent or not a plain string.
 * key is given with its quotes. */
bool an_scan_str(const char *p, size_t len, const char *key, char *out, size_t cap);
/* XXH3-128 of a string into h[2]. */
void an_hash128(const char *s, size_t len, uint64_t h[2]);
/* Fingerprint of what facts take from a catalog (0: none). */
uint64_t an_catalog_fingerprint(const ordo_network_t *net);

/* Outcome facts: a compact copy of every outcome summary, keyed by the
 * order id's hash, with an open-addressing index. */
typedef struct an_outcome {
    int64_t shipped_at, delivered_at, last_delivered_at, returned_at, cancelled_at, promised_by;
    double cost[ORDO_COST_PARTS], cost_total, refund;
    uint32_t n_shipments, n_delivered, n_returned;
    uint8_t on_time, cost_mask, flags, pad;
    double measure[ORDO_MEASURE_COUNT]; /* the order's mean of each measure; NaN none */
    uint64_t oid[2];
} an_outcome_t;

/* An index slot: the row's index + 1 (0 empty) and the tag of its order
 * id, so an order without outcome is known absent from the slots alone and
 * a row is read only when its tag matches. */
typedef struct an_oslot {
    uint32_t at, tag;
} an_oslot_t;

typedef struct an_outcomes {
    an_outcome_t *v;
    size_t n, cap;
    an_oslot_t *slot; /* [mask + 1] */
    size_t mask;
    uint8_t *matched; /* [n] */
    bool dup_oids;    /* an_outcomes_index met an order id twice (the store has
                       * one summary per order: not from it); find gives the
                       * first, and the join looks up every order by the index */
    uint64_t events;  /* the store's outcome change seq they were read at */
    void *map;        /* v and slot map the outcome facts file (not freed) */
    size_t map_len;
    int lock_fd;      /* + 1: the file, held with a shared lock while mapped */
    const long *hint; /* a delta's: each row's index in the facts it applies
                       * to, -1 none (a new order); NULL: look them up */
} an_outcomes_t;

void an_outcomes_free(an_outcomes_t *oc);
/* Every summary of the store (store may be NULL: none). */
int an_outcomes_load(struct ordo_store *store, an_outcomes_t *oc, ordo_error_t *err);
/* Appends the summaries of the orders changed after change seq since (no
 * index: a delta to apply). */
int an_outcomes_load_since(struct ordo_store *store, uint64_t since, an_outcomes_t *oc,
                           ordo_error_t *err);
/* Builds the index over v[0..n) and the matched flags. */
int an_outcomes_index(an_outcomes_t *oc, ordo_error_t *err);
/* Index of the outcome of an order, or -1. */
long an_outcomes_find(const an_outcomes_t *oc, const uint64_t oid[2]);
/* An order id's first slot, and its tag: bits of the hash the slot does
 * not use (the slot takes the low bits of oid[0] ^ oid[1] >> 7). */
static inline size_t an_outcomes_slot_of(const uint64_t oid[2], size_t mask)
{
    return (size_t)(oid[0] ^ (oid[1] >> 7)) & mask;
}
static inline uint32_t an_outcomes_tag(const uint64_t oid[2])
{
    return (uint32_t)(oid[0] >> 32);
}
/* Puts row i of oc in the index (a free slot is there: the index is at most
 * 3/4 full); no check for its order id already being there. Returns the
 * slot it took. */
static inline size_t an_outcomes_insert(an_outcomes_t *oc, size_t i)
{
    size_t s = an_outcomes_slot_of(oc->v[i].oid, oc->mask);
    while (oc->slot[s].at)
        s = (s + 1) & oc->mask;
    oc->slot[s] = (an_oslot_t){(uint32_t)(i + 1), an_outcomes_tag(oc->v[i].oid)};
    return s;
}
/* A prefetch hint for a lookup coming soon: the order's index slot.
 * always_inline: GCC takes a function whose only effect is a prefetch for
 * one without side effects and drops its calls before it would inline
 * them. (A second stage, the outcome row the slot names, was dropped that
 * way and never ran; forced in, it measured slower: ANALYZE.md "Since, a
 * presence filter ...".) */
static inline __attribute__((always_inline)) void an_outcomes_prefetch(const an_outcomes_t *oc,
                                                                       const uint64_t oid[2])
{
    if (oc->slot)
        __builtin_prefetch(&oc->slot[an_outcomes_slot_of(oid, oc->mask)]);
}
void an_outcome_expand(const an_outcome_t *o, struct ordo_outcome_summary *s);
/* Outcome validity (validity.c; ANALYZE.md "Bad input"): t (0 = absent)
 * is before the decision by more than the clock skew. */
static inline bool an_before(int64_t t, int64_t decision_ts)
{
    return t != 0 && decision_ts > 0 && t < decision_ts - ORDO_OUTCOME_CLOCK_SKEW;
}
/* The rules on an outcome's times and flags, as the summary (s) and the
 * outcome facts' row (an_outcome_t: the same fields) both carry them. */
#define AN_VALIDITY_OF(s, decision_ts)                                                             \
    (an_before((s)->shipped_at, decision_ts) || an_before((s)->delivered_at, decision_ts) ||       \
             an_before((s)->last_delivered_at, decision_ts) ||                                     \
             an_before((s)->returned_at, decision_ts) || an_before((s)->cancelled_at, decision_ts) \
         ? ORDO_OUTCOME_BEFORE_ORDER                                                               \
     : ((s)->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT) ||                                       \
             ((s)->shipped_at > 0 &&                                                               \
              (((s)->delivered_at > 0 && (s)->delivered_at < (s)->shipped_at) ||                   \
               ((s)->returned_at > 0 && (s)->returned_at < (s)->shipped_at)))                      \
         ? ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED                                                   \
         : ORDO_OUTCOME_VALID)
/* true when v is valid; else counted in c as ordo_analyze_outcome_usable
 * counts it */
bool an_outcome_valid_or_count(ordo_outcome_validity_t v, ordo_analyze_counts_t *c);
/* ordo_analyze_outcome_usable on the outcome row itself: the same rules on
 * the same fields, counted the same way; true for NULL. */
static inline bool an_outcome_row_usable(const an_outcome_t *o, int64_t decision_ts,
                                         ordo_analyze_counts_t *c)
{
    if (!o)
        return true;
    const ordo_outcome_validity_t v = AN_VALIDITY_OF(o, decision_ts);
    return v == ORDO_OUTCOME_VALID || an_outcome_valid_or_count(v, c);
}
/* AN_VALIDITY_OF(o, decided) is ORDO_OUTCOME_VALID, the common case
 * decided in few operations: an_before with decided > 0 is t != 0 and
 * t < decided - ORDO_OUTCOME_CLOCK_SKEW, and no t is before a decided <= 0
 * (the limit INT64_MIN); the first four times at once (the join's
 * on_fact, AVX2 beside x86-64). false: an_outcome_row_usable decides,
 * names and counts. */
static inline __attribute__((always_inline)) bool an_outcome_plainly_valid(const an_outcome_t *o,
                                                                           int64_t decided)
{
    typedef int64_t i4u_t __attribute__((vector_size(32), aligned(8)));
    _Static_assert(
        offsetof(an_outcome_t, delivered_at) == offsetof(an_outcome_t, shipped_at) + 8 &&
            offsetof(an_outcome_t, last_delivered_at) == offsetof(an_outcome_t, shipped_at) + 16 &&
            offsetof(an_outcome_t, returned_at) == offsetof(an_outcome_t, shipped_at) + 24,
        "shipped, delivered, last delivered and returned at in a row");
    const int64_t lim = decided > 0 ? decided - ORDO_OUTCOME_CLOCK_SKEW : INT64_MIN;
    const i4u_t t = *(const i4u_t *)(const void *)&o->shipped_at;
    const i4u_t lim4 = {lim, lim, lim, lim}, zero = {0, 0, 0, 0};
    const i4u_t before = (t != zero) & (t < lim4);
    const int64_t ca = o->cancelled_at;
    if ((before[0] | before[1] | before[2] | before[3]) || (ca != 0 && ca < lim) ||
        (o->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT))
        return false;
    const int64_t sh = o->shipped_at, de = o->delivered_at, re = o->returned_at;
    return !(sh > 0 && ((de > 0 && de < sh) || (re > 0 && re < sh)));
}

/* The row of a fact and its outcome row o (NULL: none), read in place:
 * each field written once, no outcome summary expanded, no blank row
 * copied. The same row as an_outcome_expand then
 * an_row_from_fact, every value the same bits; variant, unit, channel,
 * promotion and carriers as ordo_analyze_row_init leaves them. false when
 * it does not apply (no timestamp or plan cost, or an outcome without
 * promised_by, whose on-time the summary's rule decides): build the row
 * the generic way. */
/* an_row_of_fact_outcome below; with the plan summary of a fact
 * (an_summary_of_fact), taken inline by their caller: the join's on_fact,
 * itself compiled for AVX2 beside x86-64 (AN_CLONES), so the rows and
 * summaries of the facts are made without a call (each operation the
 * same, the same bits; formerly an_row_from_fact_outcome and
 * an_summary_from_fact, the names in older figures). */
/* The fact's part of its row: every plan field written (NaN where the
 * fact has none), the segments, the timestamp. */
static inline __attribute__((always_inline)) void an_row_plan(const an_fact_t *f,
                                                              ordo_analyze_row_t *row)
{
    row->ts = f->ts;
    double *v = row->v;
    _Static_assert(AN_DV_PICK == AN_DV_COST + 1 && AN_DV_PACK == AN_DV_COST + 2 &&
                       AN_DV_SHIP == AN_DV_COST + 3 && AN_DV_RETURNS == AN_DV_COST + 4 &&
                       AN_DV_CARRYING == AN_DV_COST + 5 &&
                       ORDO_AF_PLANNED_PICK == ORDO_AF_PLANNED_COST + 1 &&
                       ORDO_AF_PLANNED_PACK == ORDO_AF_PLANNED_COST + 2 &&
                       ORDO_AF_PLANNED_SHIP == ORDO_AF_PLANNED_COST + 3 &&
                       ORDO_AF_PLANNED_RETURNS == ORDO_AF_PLANNED_COST + 4 &&
                       ORDO_AF_PLANNED_CARRYING == ORDO_AF_PLANNED_COST + 5,
                   "the planned cost and its parts in the same order");
    memcpy(&v[ORDO_AF_PLANNED_COST], &f->dv[AN_DV_COST], 6 * sizeof *v);
    v[ORDO_AF_PLANNED_ON_TIME_PROB] = f->dv[AN_DV_ON_TIME_PROB];
    v[ORDO_AF_PLANNED_RETURN_RISK] = f->dv[AN_DV_RETURN_RISK];
    double nship = f->dv[AN_DV_SHIPMENTS];
    v[ORDO_AF_SHIPMENTS] = nship;
    v[ORDO_AF_SPLIT] = isfinite(nship) ? (nship > 1) : NAN;
    v[ORDO_AF_UNITS] = f->dv[AN_DV_UNITS];
    if (f->flags & AN_F_SIG) {
        /* the zones' floats as doubles (exact), four at a time */
        typedef float f4u_t __attribute__((vector_size(16), aligned(4)));
        typedef double d4u_t __attribute__((vector_size(32), aligned(8)));
        for (int z = 0; z < 8; z += 4)
            *(d4u_t *)(void *)&v[ORDO_AF_ZONE_1 + z] =
                __builtin_convertvector(*(const f4u_t *)(const void *)&f->zones[z], d4u_t);
        v[ORDO_AF_ZONE_9] = f->zones[8];
        v[ORDO_AF_MILES] = f->dv[AN_DV_MILES];
        v[ORDO_AF_ZONE_SUM] = f->dv[AN_DV_ZONE_SUM];
    } else {
        for (int z = ORDO_AF_ZONE_1; z <= ORDO_AF_ZONE_9; z++)
            v[z] = NAN;
        v[ORDO_AF_MILES] = NAN;
        v[ORDO_AF_ZONE_SUM] = NAN;
    }
    v[ORDO_AF_FALLBACK] = f->fallback < 0 ? NAN : f->fallback;
    v[ORDO_AF_LATENCY_MS] = f->dv[AN_DV_LATENCY_MS];
    v[ORDO_AF_CONTROL_COST] = f->dv[AN_DV_CONTROL_COST];
    row->region = f->region;
    row->rurality = f->rurality;
    v[ORDO_AF_ORDER_VALUE] = f->dv[AN_DV_ORDER_VALUE];
    row->value_band = f->value_band;
    row->family = f->family;
}

static inline __attribute__((always_inline)) bool
an_row_of_fact_outcome(const an_fact_t *f, const an_outcome_t *o, ordo_analyze_row_t *row)
{
    if ((f->flags & (AN_F_HAS_TIME | AN_F_HAS_COST)) != (AN_F_HAS_TIME | AN_F_HAS_COST) ||
        (o && !o->promised_by))
        return false;
    /* ordo_analyze_row_init's fields, but the ones written below */
    row->variant = 0;
    row->unit = 0;
    row->channel = ORDO_AN_LABELS - 1;
    row->promotion = ORDO_AN_LABELS - 1;
    row->n_carriers = 0;
    memset(row->carrier, 0, sizeof row->carrier);
    memset(row->carrier_ships, 0, sizeof row->carrier_ships);
    double *v = row->v;
    v[ORDO_AF_ORDERS] = 1;
    an_row_plan(f, row);
    _Static_assert(ORDO_AF_ACTUAL_COST + 6 == ORDO_AF_REFUND &&
                       ORDO_AF_REFUND + 1 == ORDO_AF_ON_TIME &&
                       ORDO_AF_ON_TIME + 5 == ORDO_AF_CANCELLED &&
                       ORDO_AF_DOCK_TO_TRUCK_HOURS == ORDO_AF_SATISFACTION + 1 &&
                       ORDO_AF_LABOUR_UTILISATION == ORDO_AF_SATISFACTION + 2 &&
                       ORDO_AF_PICK_RATE == ORDO_AF_SATISFACTION + 3 && ORDO_MEASURE_COUNT == 4,
                   "the outcome's fields, as written below");
    if (!o) {
        for (int i = ORDO_AF_ACTUAL_COST; i <= ORDO_AF_CANCELLED; i++)
            v[i] = NAN;
        v[ORDO_AF_HAS_OUTCOME] = 0;
        for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
            v[ORDO_AF_SATISFACTION + m] = NAN;
        return true;
    }
    /* row_outcome's values from the row's fields, without the summary */
    const int64_t t = f->ts;
    v[ORDO_AF_HAS_OUTCOME] = 1;
    const unsigned mask = o->cost_mask;
    double *part = &v[ORDO_AF_ACTUAL_PICK];
    v[ORDO_AF_ACTUAL_COST] = mask ? o->cost_total : NAN;
    typedef double d4u_t __attribute__((vector_size(32), aligned(8)));
    typedef int64_t i4_t __attribute__((vector_size(32)));
    if (mask) { /* a part not reported is +0, four at a time */
        const i4_t bit = {1, 2, 4, 8}, m4 = {mask, mask, mask, mask};
        const i4_t keep = (m4 & bit) != 0;
        *(d4u_t *)(void *)part = (d4u_t)((i4_t) * (const d4u_t *)(const void *)o->cost & keep);
        part[4] = (mask & 16u) ? o->cost[4] : 0;
    } else {
        for (int i = 0; i < ORDO_COST_PARTS; i++)
            part[i] = NAN;
    }
    v[ORDO_AF_REFUND] = o->refund;
    const unsigned ot = o->on_time; /* promised_by is set: the summary's own */
    v[ORDO_AF_ON_TIME] = ot == ORDO_ON_TIME_YES ? 1 : ot == ORDO_ON_TIME_LATE ? 0 : NAN;
    v[ORDO_AF_DELIVERED] = o->delivered_at > 0;
    v[ORDO_AF_HOURS_TO_SHIP] = o->shipped_at > 0 ? (double)(o->shipped_at - t) / 3600.0 : NAN;
    v[ORDO_AF_HOURS_TO_DELIVER] =
        o->delivered_at > 0 ? (double)(o->delivered_at - t) / 3600.0 : NAN;
    v[ORDO_AF_RETURNED] = o->returned_at > 0 || o->n_returned > 0;
    v[ORDO_AF_CANCELLED] = o->cancelled_at > 0;
    /* a measure the order has none of is NaN in the row (the summary's
     * measure_n is 0 exactly when the row's value is NaN) */
    const d4u_t ms = *(const d4u_t *)(const void *)o->measure;
    const i4_t num = ms == ms; /* all ones where not NaN */
    const d4u_t nan4 = {NAN, NAN, NAN, NAN};
    *(d4u_t *)(void *)&v[ORDO_AF_SATISFACTION] = (d4u_t)(((i4_t)ms & num) | ((i4_t)nan4 & ~num));
    return true;
}

static inline __attribute__((always_inline)) void
an_summary_of_fact(const an_fact_t *f, ordo_analyze_plan_summary_t *out)
{
    /* cost, on-time probability, shipments and split (1 when more than
     * one), four at a time; a value that is not finite (split: when the
     * shipments are not) reads NaN */
    _Static_assert(ORDO_AN_SHADOW_COST == 0 && ORDO_AN_SHADOW_ON_TIME == 1 &&
                       ORDO_AN_SHADOW_SHIPMENTS == 2 && ORDO_AN_SHADOW_SPLIT == 3 &&
                       ORDO_AN_SHADOW_METRICS == 4,
                   "the plan summary's four values, in the order below");
    typedef double d4u_t __attribute__((vector_size(32), aligned(8)));
    typedef int64_t i4_t __attribute__((vector_size(32)));
    const double n = f->dv[AN_DV_SHIPMENTS];
    const d4u_t x = {f->dv[AN_DV_COST], f->dv[AN_DV_ON_TIME_PROB], n, n};
    const i4_t absm = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    const d4u_t inf4 = {INFINITY, INFINITY, INFINITY, INFINITY}, nan4 = {NAN, NAN, NAN, NAN};
    const i4_t fin = (d4u_t)((i4_t)x & absm) < inf4;
    const d4u_t val = {x[0], x[1], n, n > 1};
    *(d4u_t *)(void *)out->v = (d4u_t)(((i4_t)val & fin) | ((i4_t)nan4 & ~fin));
    out->has_sig = (f->flags & AN_F_SIG) != 0;
    out->sig[0] = out->has_sig ? f->sig[0] : 0;
    out->sig[1] = out->has_sig ? f->sig[1] : 0;
}
/* A new row at the end of oc->v (not indexed); NULL: out of memory. */
an_outcome_t *an_outcomes_add(an_outcomes_t *oc);
/* The outcome row of a summary. */
void an_outcome_from_summary(const struct ordo_outcome_summary *s, an_outcome_t *o);

/* The outcome facts' refresh from the store's outcome tail (ofacts_tail.c):
 * the rows of the orders changed after change seq from up to to, as
 * an_outcomes_load_since gives them, read from the tail's rows and the
 * saved fold states (DIR/facts/outcome_state); *ctx keeps the new states
 * for an_otail_save_start/_end once the rows are applied. ORDO_ENOENT: the tail cannot
 * serve this refresh (missing, a number missing or doubled): read SQLite. */
typedef struct an_otail an_otail_t;
int an_otail_delta(const char *factsdir, const char *db, int64_t ino, struct ordo_store *store,
                   const an_outcomes_t *old, uint64_t from, uint64_t to, an_outcomes_t *delta,
                   an_otail_t **ctx, ordo_error_t *err);
/* Saves the states: started once the outcome facts' rows are known to be
 * n (written while the rows are applied), ended with the outcome facts as
 * now saved (NULL: they were not; the states then left stale). */
void an_otail_save_start(an_otail_t *ctx, size_t n);
void an_otail_save_end(an_otail_t *ctx, const an_outcomes_t *oc);
void an_otail_free(an_otail_t *ctx);
/* No saved states (outcome facts written without them). */
void an_otail_invalidate(const char *factsdir);
/* Threads the tail's fold and save use (2, the default, the fold from
 * 4,096 changed orders on; 1: one, also with ORDO_OTAIL_THREADS=1; the
 * states and rows are the same either way). */
extern int an_otail_threads;
/* malloc (calloc when zero), asked for in transparent huge pages when n
 * spans whole 2 MB pages (ofacts_tail.c): a fault a 2 MB page instead of
 * one a 4 KB page, where most of a refresh's kernel time went to the first
 * touch of its big arrays. Freed with free. */
void *an_big_alloc(size_t n, bool zero);
/* What the last refresh of the outcome facts read (tests, bench). */
#define AN_OTAIL_STATS 1
typedef struct an_otail_stats {
    bool tail;             /* the tail served it (else SQLite, ORDO_ENOENT) */
    bool all;              /* no saved states: every order folded afresh */
    uint64_t rows;         /* tail rows folded */
    uint64_t orders;       /* orders changed */
    uint64_t from_sqlite;  /* of which read from SQLite (no usable state) */
    uint64_t ns_scan, ns_fold, ns_save; /* the tail read and grouped; folded; saved */
} an_otail_stats_t;
extern _Thread_local an_otail_stats_t an_otail_last;

/* The facts of a data directory: rows covering the log up to covered_seq. */
/* The facts table's rows are checksummed in blocks of this many (facts_io.c). */
#define AN_FACTS_BLOCK_ROWS 4096

/* The census of a facts table: its non-shadow rows with a byte-scanned
 * "experiment" counted by (scan_exp, scan_var) (scan_var AN_ID_NONE when
 * the byte scan found no "variant"), the pairs in the order their first
 * rows come; what picks the experiment (join.c) without a pass over the
 * rows. Kept up to date where rows are saved (facts_io.c), saved beside
 * the decisions file (DIR/facts/census), checked by the join when the
 * pick read it (an_census_term). */
#define AN_CENSUS_MAX 256 /* pairs; more: the census is not kept */
typedef struct an_census_pair {
    uint32_t exp, var; /* little-endian hosts: (uint64_t)var << 32 | exp */
    uint64_t n;
} an_census_pair_t;
typedef struct an_census {
    an_census_pair_t *pairs;
    size_t n, cap;
    size_t rows; /* the table's rows [0, rows) are counted */
    bool over;   /* more than AN_CENSUS_MAX pairs: not kept */
} an_census_t;
/* Counts row f (a non-shadow row with AN_F_SCAN_EXP) into c. */
void an_census_add_slow(an_census_t *c, const struct an_fact *f);
void an_census_free(an_census_t *c);
static inline void an_census_add(an_census_t *c, const an_fact_t *f)
{
    if ((f->flags & (AN_F_SHADOW | AN_F_SCAN_EXP)) != AN_F_SCAN_EXP)
        return;
    uint32_t var = (f->flags & AN_F_SCAN_VAR) ? f->scan_var : AN_ID_NONE;
    /* the pair as one 64-bit key: a few pairs are searched here */
    uint64_t key = (uint64_t)var << 32 | f->scan_exp, k;
    for (size_t i = 0, n = c->n < 8 ? c->n : 8; i < n; i++) {
        memcpy(&k, &c->pairs[i], sizeof k);
        if (k == key) {
            c->pairs[i].n++;
            return;
        }
    }
    an_census_add_slow(c, f);
}
/* What the join adds up per row to check a census without counting it
 * again: a counted row's pair mixed into an odd 64-bit value, else 0. The
 * census's total is the sum over its pairs of count × value (mod 2^64,
 * an_census_sum): one count wrong by d moves it by d × an odd value,
 * never 0. */
static inline uint64_t an_census_mix(uint32_t exp, uint32_t var)
{
    uint64_t m = ((uint64_t)var << 32 | exp) * 0x9e3779b97f4a7c15ull;
    return (m ^ m >> 29) | 1;
}
static inline uint64_t an_census_term(const an_fact_t *f)
{
    bool counted = (f->flags & (AN_F_SHADOW | AN_F_SCAN_EXP)) == AN_F_SCAN_EXP;
    uint32_t var = (f->flags & AN_F_SCAN_VAR) ? f->scan_var : AN_ID_NONE;
    return an_census_mix(f->scan_exp, var) & (0 - (uint64_t)counted);
}
uint64_t an_census_sum(const an_census_t *c);

typedef struct an_facts {
    an_strings_t str;
    const an_fact_t *base; /* rows mapped from the file */
    size_t n_base;
    an_fact_t *add;        /* rows read since (not yet saved) */
    size_t n_add, cap_add;
    uint64_t other_records; /* log records neither decision nor shadow */
    uint64_t covered_seq;   /* last log record covered; 0 none */
    uint8_t chain[32];      /* its chain hash */
    uint64_t catalog;       /* an_catalog_fingerprint of the catalog used */
    void *map;
    size_t map_len;
    uint32_t saved_strings; /* strings already in the file */
    size_t n_saved;         /* rows already in the file */
    uint64_t sum_full;      /* chained XXH3 of the complete blocks of rows */
    uint64_t sum_all;       /* ... and over the rest, as saved (the header's) */
    an_census_t census;     /* rows [0, census.rows) counted */
    bool census_saved;      /* DIR/facts/census holds it */
    bool census_read;       /* an experiment was picked from it: the join checks it */
    /* the check fused into the join (an_facts_open_fused): the saved rows,
     * not yet checked, are hashed a block at a time as the join reads them
     * (an_facts_check_next) against the header's sums */
    bool unchecked;               /* rows [0, n_base) not checked yet */
    bool damaged;                 /* ... and found different from their sums */
    size_t check_next;            /* the next block to hash */
    uint64_t check_sum;           /* the chain over the blocks hashed so far */
    uint64_t want_full, want_all; /* the header's sum_full and sum_all */
    /* what happened at open, for tests and the bench */
    bool rebuilt;           /* the table was (re)built from the log */
    const char *why;        /* why it was rebuilt: "missing", "torn", "stale", ... */
    uint64_t read_records;  /* log records read by this open/refresh */
} an_facts_t;

static inline size_t an_facts_count(const an_facts_t *t)
{
    return t->n_base + t->n_add;
}
static inline const an_fact_t *an_facts_row(const an_facts_t *t, size_t i)
{
    return i < t->n_base ? &t->base[i] : &t->add[i - t->n_base];
}

/* Opens the facts of the data directory (factsdir = DIR/facts, logdir =
 * DIR/log), checks them (header, checksums, log position and its chain
 * hash, catalog), rebuilds them when missing, torn or stale (or when
 * rebuild is set), reads the log records after the covered position and
 * saves (best effort: a directory that cannot be written leaves the facts
 * in memory only). */
int an_facts_open(const char *factsdir, const char *logdir, const ordo_network_t *net,
                  bool rebuild, an_facts_t *t, ordo_error_t *err);
/* an_facts_open for a refresh that only appends: the saved rows are mapped
 * but not read (not checked either, but for the last partial block of
 * rows: an analysis, which reads them, checks them all), the new records
 * are read and their rows appended, with one fdatasync. Cost: the new
 * records, not the history. */
int an_facts_update(const char *factsdir, const char *logdir, const ordo_network_t *net,
                    an_facts_t *t, ordo_error_t *err);
/* an_facts_open for an analysis that reads every row once: the saved rows
 * are mapped but not checked here (t->unchecked), the join checks them as
 * it reads them (an_facts_check_next); when the log adds rows, the saved
 * ones are checked first, before a save (a save's sums must come from
 * checked rows). */
int an_facts_open_fused(const char *factsdir, const char *logdir, const ordo_network_t *net,
                        an_facts_t *t, ordo_error_t *err);
/* The fused check's next step: block t->check_next of AN_FACTS_BLOCK_ROWS
 * rows hashed on the chain; after the last complete block, the partial
 * one (perhaps empty), and both sums compared with the header's. false:
 * the rows differ (t->damaged set; the join's results are to be dropped).
 * Nothing once the check is done. an_facts_check_rest: every step left. */
bool an_facts_check_next(an_facts_t *t);
bool an_facts_check_rest(an_facts_t *t);
/* The table rebuilt from the log as an open that finds its rows damaged
 * rebuilds it (t->rebuilt, t->why "checksum"), and saved. */
int an_facts_rebuild(an_facts_t *t, const char *factsdir, const char *logdir,
                     const ordo_network_t *net, ordo_error_t *err);
/* The check an open makes of every saved row (or, tail, of the last
 * partial block only): the chained XXH3 of each complete block of 4,096
 * rows against sum_full, continued over the rest against sum_all; sets
 * t->sum_full. an_facts_sums: both sums of t's rows, as a save writes
 * them. */
bool an_facts_sums_ok(an_facts_t *t, uint64_t sum_full, uint64_t sum_all, bool tail);
uint64_t an_facts_sums(const an_facts_t *t, uint64_t *sum_full);
/* The census brought up to every row of t (the rows not counted yet
 * read once: a table saved without one). false: it cannot be (rows no
 * longer in memory, too many pairs). */
bool an_facts_census(an_facts_t *t);
/* The census saved as DIR/facts/census for the table as saved (best
 * effort, tmp and rename); nothing when it is not of every saved row. */
void an_facts_census_save(an_facts_t *t, const char *factsdir);
/* Reads the log records after covered_seq into the table (and saves). */
int an_facts_refresh(an_facts_t *t, const char *factsdir, const char *logdir,
                     const ordo_network_t *net, ordo_error_t *err);
void an_facts_close(an_facts_t *t);

/* The outcome facts of the data directory (db: the store's file): reused
 * when the store's event count is the one they were saved at (or when the
 * store's files are untouched since it was counted), else read again from
 * the store and saved. */
int an_ofacts_open(const char *factsdir, const char *db, struct ordo_store *store, bool rebuild,
                   an_outcomes_t *oc, bool *rebuilt, ordo_error_t *err);
/* The same for a refresh that does not analyse (`--facts update`): only
 * the rows it overwrites are checked against their checksums, not every
 * row and slot (a damaged one is caught by the next an_ofacts_open), and
 * the file is not read whole. */
int an_ofacts_update(const char *factsdir, const char *db, struct ordo_store *store,
                     an_outcomes_t *oc, bool *rebuilt, ordo_error_t *err);
/* Writes oc (indexed) as the outcome facts of factsdir for the store's
 * file db, at the store's change seq oc->events, as an open that read
 * them from the store saves them (bench_facts_scale's tables on disk). */
int an_ofacts_save(const char *factsdir, const char *db, const an_outcomes_t *oc);

/* The check an_ofacts_open makes of the outcome facts before an analysis:
 * every group of 16 rows against its 32-bit checksum sum[g] and the
 * groups' hashes against row_agg, every slot against slot_agg.
 * an_ofacts_sums: those sums, as a save writes them (sum: one per group,
 * [(oc->n + 15) / 16]). */
bool an_ofacts_body_ok(const an_outcomes_t *oc, const uint32_t *sum, uint64_t row_agg,
                       uint64_t slot_agg);
void an_ofacts_sums(const an_outcomes_t *oc, uint32_t *sum, uint64_t *row_agg, uint64_t *slot_agg);

/* The facts path's join and analysis on facts already in memory (t; oc
 * borrowed, its matched flags reset), finished at now (join.c). */
int an_analyze_facts(const ordo_analyze_config_t *cfg, an_facts_t *t, an_outcomes_t *oc,
                     int64_t now, ordo_analysis_t **out, ordo_error_t *err);

#endif
