/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — experiment analysis: metric definitions, the decision ↔ outcome
 * join, per-variant metrics, and reports (text, JSON, standalone HTML/SVG).
 *
 * Every statistic comes from src/stats (include/ordo/stats.h); this module
 * only decides what to feed it. The design, the per-order fields, how
 * missing data is treated and the verdict rule: docs/internals/ANALYZE.md;
 * how to read a report: docs/reports.md.
 *
 * Two layers:
 *  - the analysis core (ordo_analysis_*): a streaming consumer of pre-joined
 *    per-order rows (ordo_analyze_row_t). Memory is O(variants × segments ×
 *    metrics) for order-randomized experiments; customer- and
 *    cluster-randomized ones also keep one small record per unit (the delta
 *    method and the cluster-robust variance need unit totals).
 *  - the data-directory front end (ordo_analyze_dir): reads the experiment
 *    from the registry, the outcome summaries from the store (once, into a
 *    hash map by order id), streams decision records from DIR/log in log
 *    order, joins and feeds the core.
 *
 * Nothing here crashes on bad data: missing outcomes, an empty arm, NaN
 * values or unparsable records are counted and the report says what was
 * missing and how it was treated; a statistic that cannot be computed is
 * reported as unavailable with the reason, never as a silent NaN. */
#ifndef ORDO_ANALYZE_H
#define ORDO_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "exp.h"
#include "json.h"
#include "network.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Per-order fields: what a metric's numerator and denominator name.
 * A value is NaN when it does not apply or is unknown for that order (for
 * example every outcome field of an order without outcome events); a
 * metric skips such orders and the report counts them as missing.
 * ====================================================================== */
typedef enum ordo_analyze_field {
    ORDO_AF_ORDERS = 0,        /* 1 for every order */
    ORDO_AF_PLANNED_COST,      /* plan totals: cost.total (incl. split) */
    ORDO_AF_PLANNED_PICK,
    ORDO_AF_PLANNED_PACK,
    ORDO_AF_PLANNED_SHIP,      /* cost.shipping */
    ORDO_AF_PLANNED_RETURNS,   /* expected return cost */
    ORDO_AF_PLANNED_CARRYING,  /* carrying_relief + opportunity */
    ORDO_AF_ACTUAL_COST,       /* outcome cost_total; NaN when no cost known */
    ORDO_AF_ACTUAL_PICK,       /* a part not reported is 0 once any part is known */
    ORDO_AF_ACTUAL_PACK,
    ORDO_AF_ACTUAL_SHIP,
    ORDO_AF_ACTUAL_RETURNS,
    ORDO_AF_ACTUAL_CARRYING,
    ORDO_AF_REFUND,
    ORDO_AF_ON_TIME,           /* 1 yes, 0 late, NaN unknown (not delivered, no promise) */
    ORDO_AF_DELIVERED,         /* 1 when every shipment was delivered */
    ORDO_AF_HOURS_TO_SHIP,     /* first shipment's shipped time − decision time */
    ORDO_AF_HOURS_TO_DELIVER,  /* full delivery − decision time */
    ORDO_AF_RETURNED,          /* 0/1 */
    ORDO_AF_CANCELLED,         /* 0/1 */
    ORDO_AF_SHIPMENTS,         /* planned shipments */
    ORDO_AF_SPLIT,             /* 1 when more than one shipment */
    ORDO_AF_UNITS,             /* planned units */
    ORDO_AF_MILES,             /* sum over shipments */
    ORDO_AF_ZONE_SUM,          /* sum of the shipments' zones */
    ORDO_AF_ZONE_1,            /* shipments in zone 1 ... */
    ORDO_AF_ZONE_9 = ORDO_AF_ZONE_1 + 8, /* ... zone 9 (territories) */
    ORDO_AF_PLANNED_ON_TIME_PROB,
    ORDO_AF_PLANNED_RETURN_RISK,
    ORDO_AF_FALLBACK,          /* 0/1 */
    ORDO_AF_LATENCY_MS,        /* decision latency (varies run to run) */
    ORDO_AF_ORDER_VALUE,       /* Σ quantity × price; NaN without a catalog */
    ORDO_AF_HAS_OUTCOME,       /* 0/1: any outcome event for the order */
    ORDO_AF_CONTROL_COST,      /* planned cost under the control policy; NaN unknown */
    /* operational measures (measure outcome events): the order's mean of
     * each; NaN when the order has no such event */
    ORDO_AF_SATISFACTION,       /* customer satisfaction, 0..5 */
    ORDO_AF_DOCK_TO_TRUCK_HOURS,/* packed → on the truck, hours */
    ORDO_AF_LABOUR_UTILISATION, /* labour used / capacity of the nodes that shipped it */
    ORDO_AF_PICK_RATE,          /* units picked per labour hour */
    ORDO_AF_COUNT
} ordo_analyze_field_t;

/* "planned_cost", ... ; NULL out of range. */
const char *ordo_analyze_field_name(int field);
/* Field index, or -1. */
int ordo_analyze_field_parse(const char *name);
/* True for 0/1 fields (usable as a proportion's numerator). */
bool ordo_analyze_field_binary(int field);

/* ======================================================================
 * Metric definitions (metrics.c). A metric file (docs/examples/metrics.json):
 *   {"metrics": [{"name": "cost_per_order", "label": "...",
 *                 "numerator": "actual_cost", "denominator": "orders",
 *                 "type": "mean", "good": "lower", "unit": "USD"}, ...]}
 * type  mean        per-order mean of the numerator (denominator "orders");
 *       proportion  share of orders with numerator 1 (a 0/1 field);
 *       ratio       Σ numerator / Σ denominator (delta method).
 * good  "lower", "higher" or "none" (descriptive, never tested for a verdict).
 * Parsing is strict: unknown keys, unknown fields, duplicate names are
 * ORDO_EINVAL naming the field ("metrics[3].numerator").
 * ====================================================================== */
#define ORDO_METRIC_NAME_MAX 64
#define ORDO_METRIC_LABEL_MAX 96
#define ORDO_METRIC_UNIT_MAX 16
#define ORDO_METRICS_MAX 64

typedef enum ordo_metric_type {
    ORDO_METRIC_MEAN = 0,
    ORDO_METRIC_PROPORTION = 1,
    ORDO_METRIC_RATIO = 2
} ordo_metric_type_t;

typedef enum ordo_metric_good {
    ORDO_GOOD_LOWER = 0,
    ORDO_GOOD_HIGHER = 1,
    ORDO_GOOD_NONE = 2
} ordo_metric_good_t;

typedef struct ordo_metric_def {
    char name[ORDO_METRIC_NAME_MAX];
    char label[ORDO_METRIC_LABEL_MAX]; /* "" = the name */
    char unit[ORDO_METRIC_UNIT_MAX];   /* "USD", "h", "" */
    int numerator;                     /* ordo_analyze_field_t */
    int denominator;                   /* ORDO_AF_ORDERS for mean/proportion */
    ordo_metric_type_t type;
    ordo_metric_good_t good;
} ordo_metric_def_t;

typedef struct ordo_metric_set {
    size_t n;
    ordo_metric_def_t m[ORDO_METRICS_MAX];
} ordo_metric_set_t;

const char *ordo_metric_type_name(ordo_metric_type_t t); /* "mean", ... */
const char *ordo_metric_good_name(ordo_metric_good_t g); /* "lower", ... */

/* Parses a metric file (name: for errors, may be NULL) into *out (a plain
 * value, caller-owned). */
int ordo_metric_set_parse(const char *json, size_t len, const char *name, ordo_metric_set_t *out,
                          ordo_error_t *err);
int ordo_metric_set_load(const char *path, ordo_metric_set_t *out, ordo_error_t *err);
/* The built-in metrics: the same list as docs/examples/metrics.json. */
void ordo_metric_set_default(ordo_metric_set_t *out);
/* Index of a metric by name, or -1. */
int ordo_metric_set_find(const ordo_metric_set_t *set, const char *name);

/* ======================================================================
 * The analysis core (analysis.c).
 * ====================================================================== */

/* Segments for the breakdown. Regions are the US Census regions of the
 * ship-to state (ordo_geo_region); families the catalog families; value
 * bands of the order value; rurality of the ship-to ZIP (ordo_geo_zip_rural). */
enum {
    ORDO_AN_REGIONS = 6,    /* the geo regions (ordo_geo_region_t), unknown last */
    ORDO_AN_FAMILIES = 33,  /* up to 32 families + unknown (the last) */
    ORDO_AN_VALUE_BANDS = 6, /* <50, 50–100, 100–250, 250–500, ≥500 USD, unknown */
    /* channels and promotion types: the first 16 distinct values in the
     * order the data shows them, then "other" (the last) */
    ORDO_AN_LABELS = 17,
    ORDO_AN_ROW_CARRIERS = 4, /* distinct carriers a row carries */
    /* rural, urban, unknown (the last): ordo_geo_zip_rural of the ship-to ZIP */
    ORDO_AN_RURALITIES = 3
};
const char *ordo_analyze_region_name(int region);
int ordo_analyze_region_index(const char *region_name); /* unknown → 5 */
const char *ordo_analyze_value_band_name(int band);
int ordo_analyze_value_band(double order_value); /* NaN → unknown (5) */
const char *ordo_analyze_rurality_name(int rurality); /* "rural", "urban", "unknown" */

/* One joined order, as the core consumes it. */
typedef struct ordo_analyze_row {
    int64_t ts;        /* decision time, Unix seconds */
    uint32_t variant;  /* index into the configuration's variants */
    uint32_t unit;     /* dense unit index (customer or cluster), for unit
                          kinds other than order; see ordo_analysis_unit() */
    uint8_t region;    /* 0 .. ORDO_AN_REGIONS-1 */
    uint8_t value_band;
    uint16_t family;   /* 0 .. ORDO_AN_FAMILIES-1 (ORDO_AN_FAMILIES-1: unknown) */
    uint8_t channel;   /* 0 .. ORDO_AN_LABELS-1: index into config.channel_names */
    uint8_t promotion; /* 0 .. ORDO_AN_LABELS-1: index into config.promotion_names */
    uint8_t rurality;  /* 0 rural, 1 urban, 2 unknown (ORDO_AN_RURALITIES-1) */
    double v[ORDO_AF_COUNT]; /* NaN: unknown / not applicable */
    /* shipments per carrier: carrier[i] indexes config.carrier_names */
    uint8_t n_carriers;
    uint8_t carrier[ORDO_AN_ROW_CARRIERS];
    uint32_t carrier_ships[ORDO_AN_ROW_CARRIERS];
} ordo_analyze_row_t;

/* Fills every value with NaN except orders (1); segments unknown. */
void ordo_analyze_row_init(ordo_analyze_row_t *row);

typedef struct ordo_analyze_guardrail {
    char metric[ORDO_EXP_METRIC_MAX];
    ordo_exp_direction_t direction; /* the harmful direction */
    double margin;                  /* absolute, >= 0 (relative: share of the control's value) */
    bool relative;                  /* margin × |control value| is the absolute margin */
    bool is_default;                /* a default guardrail the document did not declare */
} ordo_analyze_guardrail_t;

/* What the core needs to know about the experiment. A plain value. */
typedef struct ordo_analyze_config {
    char experiment[ORDO_EXP_ID_MAX];
    ordo_exp_unit_kind_t unit;
    size_t n_variants; /* 1 .. ORDO_EXP_MAX_ARMS; variant 0 is the control */
    char variants[ORDO_EXP_MAX_ARMS][ORDO_EXP_KEY_MAX];
    char policy_versions[ORDO_EXP_MAX_ARMS][ORDO_POLICY_VERSION_LEN]; /* may be "" */
    double weights[ORDO_EXP_MAX_ARMS]; /* configured split, for SRM */
    size_t n_kpis;
    char kpis[ORDO_EXP_MAX_KPIS][ORDO_EXP_METRIC_MAX];
    size_t n_guardrails;
    ordo_analyze_guardrail_t guardrails[ORDO_EXP_MAX_GUARDRAILS];
    double alpha;            /* 0: 0.05 */
    int64_t started_at;      /* 0 unknown */
    double max_runtime_days; /* 0 = not given */
    bool from_registry;      /* false: defaults (no experiment document) */
    ordo_metric_set_t metrics;
    char family_names[ORDO_AN_FAMILIES][32]; /* "" = unused */
    double min_runtime_days; /* 0 = not given; a verdict on efficacy also waits
                                for 7 full days (one weekly cycle) */
    char hypothesis[ORDO_EXP_TEXT_MAX]; /* the prose; "" none */
    ordo_exp_claim_t claim;             /* structured: tested by the verdict */
    char policy_names[ORDO_EXP_MAX_ARMS][ORDO_NAME_MAX]; /* built-in names; may be "" */
    /* Breakdown labels, filled by the join as the data shows them ("" =
     * unused; index ORDO_AN_LABELS-1 is "other"). A channel the order did
     * not give reads "web" (the order format's default); no promotion
     * reads "none". */
    char channel_names[ORDO_AN_LABELS][32];
    char promotion_names[ORDO_AN_LABELS][32];
    char carrier_names[ORDO_AN_LABELS][32]; /* carriers of the shipments, as seen */
} ordo_analyze_config_t;

/* Config from a parsed experiment (variants, weights, KPIs, guardrails,
 * alpha, start, runtime) with metrics (NULL: the defaults). */
void ordo_analyze_config_from_exp(ordo_analyze_config_t *cfg, const ordo_exp_t *exp,
                                  const ordo_metric_set_t *metrics);
/* Defaults for data without an experiment document: the given variants
 * (the first is the control), equal weights, primary "cost_per_order",
 * the default guardrails (ordo_exp_default_guardrail). */
void ordo_analyze_config_default(ordo_analyze_config_t *cfg, const char *experiment,
                                 const char *const *variants, size_t n_variants,
                                 const ordo_metric_set_t *metrics);

typedef struct ordo_analysis ordo_analysis_t;

/* Checks the config (KPIs and guardrails must name metrics of the set).
 * *out: ordo_analysis_destroy(). */
int ordo_analysis_create(const ordo_analyze_config_t *cfg, ordo_analysis_t **out,
                         ordo_error_t *err);
void ordo_analysis_destroy(ordo_analysis_t *a);

/* Dense index of a unit key (customer id, or cluster "state:window"),
 * created on first use; for unit kind order it is not needed. ORDO_ENOMEM. */
int ordo_analysis_unit(ordo_analysis_t *a, const char *key, size_t len, uint32_t *index,
                       ordo_error_t *err);

/* Adds one order. Non-finite values other than NaN are treated as NaN and
 * counted. A variant out of range is ORDO_EINVAL (nothing added). Must not
 * be called after finish. */
int ordo_analysis_add(ordo_analysis_t *a, const ordo_analyze_row_t *row, ordo_error_t *err);

/* Bookkeeping from the join, shown in the report's data section. */
typedef struct ordo_analyze_counts {
    uint64_t records;          /* log records read */
    uint64_t decisions;        /* decision records */
    uint64_t shadows;          /* shadow records */
    uint64_t bad_records;      /* unparsable decision payloads (skipped) */
    uint64_t other_experiment; /* decisions of another experiment */
    uint64_t no_experiment;    /* decisions outside every experiment */
    uint64_t unknown_variant;  /* variant not in the experiment */
    uint64_t excluded_warmup;  /* decided during warm-up */
    uint64_t excluded_burn;    /* switchback burn-in / burn-out / outside schedule */
    uint64_t excluded_flagged; /* marked "excluded" by the decision path (killed to control...) */
    uint64_t missing_outcome;  /* analysed orders with no outcome event */
    uint64_t time_inconsistent;/* outcome summaries flagged time_inconsistent */
    uint64_t no_catalog;       /* orders whose family / value is unknown */
    uint64_t covariate_missing;/* orders without a control-policy plan cost */
    uint64_t outcomes_loaded;  /* outcome summaries in the store */
    uint64_t outcomes_unmatched; /* outcome summaries with no decision */
    /* outcomes that cannot be true (validity.c), set aside: the order is
     * analysed as one without outcome events (also in missing_outcome) */
    uint64_t invalid_outcome;            /* orders whose outcome was set aside */
    uint64_t invalid_before_order;       /* an event dated before the decision */
    uint64_t invalid_delivered_before_shipped; /* delivery or return before the shipment
                                                  (or the store's time_inconsistent flag) */
} ordo_analyze_counts_t;

/* ======================================================================
 * Outcome validity (validity.c): an outcome that cannot be true is counted
 * and set aside, never analysed.
 * ====================================================================== */
typedef enum ordo_outcome_validity {
    ORDO_OUTCOME_VALID = 0,
    ORDO_OUTCOME_BEFORE_ORDER,             /* shipped / delivered / returned / cancelled
                                              before the decision (beyond a 5-minute skew) */
    ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED  /* delivered or returned before it shipped
                                              (negative shipping durations) */
} ordo_outcome_validity_t;

struct ordo_outcome_summary;
#define ORDO_OUTCOME_CLOCK_SKEW 300 /* seconds of clock skew tolerated */

/* "valid", "before_order", "delivered_before_shipped". */
const char *ordo_outcome_validity_name(ordo_outcome_validity_t v);
/* Checks summary s of an order decided at decision_ts (Unix seconds). */
ordo_outcome_validity_t ordo_outcome_validity(const struct ordo_outcome_summary *s,
                                              int64_t decision_ts);
/* The join's hook: checks s (NULL: no outcome, true) and, when it cannot be
 * true, counts it in c by reason and returns false (set it aside). */
bool ordo_analyze_outcome_usable(const struct ordo_outcome_summary *s, int64_t decision_ts,
                                 ordo_analyze_counts_t *c);

void ordo_analysis_set_counts(ordo_analysis_t *a, const ordo_analyze_counts_t *counts);
/* Adds a note (what was missing and how it was treated) to the report. */
void ordo_analysis_note(ordo_analysis_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Attaches the raw JSON of a simulation run's summary.json (copied). */
int ordo_analysis_set_run_summary(ordo_analysis_t *a, const char *json, size_t len);

/* Computes every statistic. now: Unix seconds for the runtime check (0: the
 * last decision's time). Idempotent. */
int ordo_analysis_finish(ordo_analysis_t *a, int64_t now, ordo_error_t *err);

/* The verdict. */
typedef enum ordo_analyze_verdict {
    ORDO_VERDICT_KEEP_RUNNING = 0,
    ORDO_VERDICT_SHIP = 1,
    ORDO_VERDICT_DO_NOT_SHIP = 2
} ordo_analyze_verdict_t;
const char *ordo_analyze_verdict_name(ordo_analyze_verdict_t v); /* "ship", "do_not_ship", "keep_running" */

/* After finish: the verdict, the variant it concerns (NULL when none) and the
 * reason (a sentence, owned by the analysis). */
ordo_analyze_verdict_t ordo_analysis_verdict(const ordo_analysis_t *a, const char **variant,
                                             const char **reason);

/* A guardrail significantly breached on the current data: its confidence
 * sequence (always valid, so monitoring any number of times keeps the error
 * rate) lies wholly beyond the margin in the harmful direction. */
typedef struct ordo_analyze_breach {
    char metric[ORDO_EXP_METRIC_MAX];
    char variant[ORDO_EXP_KEY_MAX];
    double estimate;         /* treatment − control */
    double cs_low, cs_high;  /* confidence sequence */
    double margin;
    double p_value;          /* always-valid p of "no difference" */
} ordo_analyze_breach_t;

/* After finish: breaches into out (up to cap), *n gets how many there are. */
size_t ordo_analysis_breaches(const ordo_analysis_t *a, ordo_analyze_breach_t *out, size_t cap);

/* Report writers (after finish). The JSON is documented in docs/reports.md;
 * the HTML is one standalone file (inline CSS and SVG, no script). Output is
 * deterministic: the same data gives the same bytes. */
void ordo_analysis_write_json(const ordo_analysis_t *a, ordo_jsonw_t *w);
int ordo_analysis_write_text(const ordo_analysis_t *a, ordo_buf_t *out);
int ordo_analysis_write_html(const ordo_analysis_t *a, ordo_buf_t *out);

/* ======================================================================
 * Shadow comparison (shadow.c). A running experiment with a shadow policy
 * logs, beside each real decision, an ORDO_LOG_REC_SHADOW record with the
 * plan the candidate would have made. The comparison pairs the two per
 * order (difference = shadow − real) over every order of the analysed
 * experiment's shadow records, broken down by the arm the order really got
 * (each variant, or not in the experiment). Memory is O(arms).
 * ====================================================================== */
enum {
    ORDO_AN_SHADOW_COST = 0,   /* plan.totals.cost.total */
    ORDO_AN_SHADOW_ON_TIME,    /* plan.totals.on_time_prob */
    ORDO_AN_SHADOW_SHIPMENTS,  /* plan.totals.shipments */
    ORDO_AN_SHADOW_SPLIT,      /* 1 when more than one shipment */
    ORDO_AN_SHADOW_METRICS
};
/* "planned_cost", "planned_on_time_prob", "shipments", "split_rate"; NULL
 * out of range. */
const char *ordo_analyze_shadow_metric_name(int m);

/* What of one plan the comparison needs. A plain value. */
typedef struct ordo_analyze_plan_summary {
    double v[ORDO_AN_SHADOW_METRICS]; /* NaN: absent */
    bool has_sig;                     /* plan.shipments was an array */
    uint64_t sig[2];                  /* order-free signature of the multiset of
                                         (node, service, sku, quantity) over every
                                         shipment line: equal plans, equal sig */
} ordo_analyze_plan_summary_t;

/* Summary of the plan of a decision or shadow record (record.h).
 * ORDO_EINVAL when the record has no plan object. */
int ordo_analyze_plan_summary(const ordo_record_t *record, ordo_analyze_plan_summary_t *out,
                              ordo_error_t *err);

/* Adds one order with both plans. arm: the variant index the order really
 * got, or -1 when it was not in the experiment. A metric missing on either
 * side skips that metric for this order; the plans count as different when
 * their signatures differ (only when both have one). ORDO_EINVAL for an arm
 * out of range. */
int ordo_analysis_add_shadow(ordo_analysis_t *a, int arm, const ordo_analyze_plan_summary_t *real,
                             const ordo_analyze_plan_summary_t *shadow, ordo_error_t *err);

/* Bookkeeping from the join, shown in the shadow section. */
typedef struct ordo_analyze_shadow_info {
    uint64_t records;        /* shadow records of the analysed experiment */
    uint64_t unpaired;       /* ... with no real decision of the same order beside them */
    uint64_t excluded;       /* ... paired with a decision the main analysis leaves
                                out (warm-up, switchback burn-in, unknown variant,
                                unparsable) */
    uint64_t other;          /* shadow records of other experiments or none */
    uint64_t policy_changes; /* records whose policy version is not the first one's */
    char policy_name[ORDO_NAME_MAX];              /* of the first record; "" unknown */
    char policy_version[ORDO_POLICY_VERSION_LEN]; /* of the first record; "" unknown */
} ordo_analyze_shadow_info_t;

void ordo_analysis_set_shadow_info(ordo_analysis_t *a, const ordo_analyze_shadow_info_t *info);

/* ======================================================================
 * Data directories (join.c).
 * ====================================================================== */

/* Where the join takes decision records from (ANALYZE.md "The facts table"). */
typedef enum ordo_analyze_facts {
    ORDO_ANALYZE_FACTS_AUTO = 0, /* DIR/facts, checked and refreshed from the log
                                    (built when missing, torn or stale) */
    ORDO_ANALYZE_FACTS_OFF,      /* read every record from DIR/log (the record path) */
    ORDO_ANALYZE_FACTS_REBUILD   /* DIR/facts rebuilt from the log and the store first */
} ordo_analyze_facts_t;

typedef struct ordo_analyze_options {
    const char *experiment;           /* NULL: the registry's only experiment,
                                         else the one with most decisions */
    const ordo_metric_set_t *metrics; /* NULL: defaults */
    const ordo_network_t *network;    /* catalog for family / order value;
                                         NULL: DIR/network when present */
    int64_t now;                      /* 0: last decision time */
    ordo_analyze_facts_t facts;       /* 0: ORDO_ANALYZE_FACTS_AUTO; the report is
                                         the same byte for byte either way */
} ordo_analyze_options_t;

/* What ordo_analyze_facts_update did. */
typedef struct ordo_analyze_facts_stats {
    uint64_t records_read; /* log records read (the new ones, or all on a rebuild) */
    uint64_t rows;         /* rows in DIR/facts/decisions now */
    bool rebuilt;          /* the decisions table was rebuilt ... */
    const char *why;       /* ... because ("missing", "checksum", "stale", ...) */
    uint64_t outcomes;     /* outcome summaries in DIR/facts/outcomes */
    bool outcomes_rebuilt; /* read again from the store */
} ordo_analyze_facts_stats_t;

/* Brings DIR/facts up to date with DIR/log and DIR/ordo.db without an
 * analysis: the new log records' rows appended (the saved rows are not
 * read: an_facts_update), the outcome facts refreshed; opt: its network
 * (the catalog the rows are built with, as ordo_analyze_dir takes it).
 * ORDO_ENOENT when DIR holds neither a log nor a database. */
int ordo_analyze_facts_update(const char *dir, const ordo_analyze_options_t *opt,
                              ordo_analyze_facts_stats_t *st, ordo_error_t *err);

/* The facts kept by the log's writer (ANALYZE.md "The facts kept by the
 * writer"): attached to the log a process appends to, it makes each
 * decision and shadow record's fact from the bytes appended (no read of
 * the log) and appends the rows of durable records to DIR/facts/decisions
 * (and strings) with a header covering the last durable record, exactly
 * the bytes a refresh would write, so that a refresh or an analysis finds
 * the table current. It never writes a header covering a record that is
 * not durable; when the table changed under it (another process rebuilt
 * or refreshed it, another catalog) or a write fails, it stops and leaves
 * the table to the next refresh. */
typedef struct ordo_facts_writer ordo_facts_writer_t;
struct ordo_log;
/* Opens the facts of data directory dir (DIR/facts, DIR/log) for the
 * catalog net (may be NULL: the analysis's default is DIR/network when it
 * exists) and brings them up to the log, as a refresh does. Call with the
 * log open for writing (by log) and nothing appended meanwhile; then
 * ordo_facts_writer_attach. A table that cannot be written (read-only
 * directory) leaves a writer that does nothing (stats: stopped). */
int ordo_facts_writer_open(const char *dir, const ordo_network_t *net, ordo_facts_writer_t **out,
                           ordo_error_t *err);
/* Observes log (ordo_log_set_observer): every record appended from now on.
 * The writer must outlive the log (ordo_log_close saves the last rows). */
void ordo_facts_writer_attach(ordo_facts_writer_t *w, struct ordo_log *log);
typedef struct ordo_facts_writer_stats {
    uint64_t records;    /* records observed */
    uint64_t rows;       /* rows in DIR/facts/decisions (as last written) */
    uint64_t saves;      /* writes of rows and header */
    uint64_t takeovers;  /* the table taken over again after another refresh moved it */
    uint64_t covered;    /* the log seq the file's header covers */
    const char *stopped; /* NULL, or why it stopped writing ("changed": not taken over
                          * again, "catalog": made with another network, "write", ...) */
} ordo_facts_writer_stats_t;
void ordo_facts_writer_stats(ordo_facts_writer_t *w, ordo_facts_writer_stats_t *st);
/* Frees the writer (after the log it observes was closed). NULL is allowed. */
void ordo_facts_writer_close(ordo_facts_writer_t *w);
/* The facts writer as a log follower (log.h) for the decider
 * (ordo_decider_options_t.log_follower): opened with the catalog an
 * analysis takes by default (net when DIR/network exists, else none);
 * nothing when ORDO_FACTS_ON_WRITE=0. */
extern const struct ordo_log_follower ordo_facts_follower;
/* The same, always with the process's net: for a process whose analyses
 * are given that net (ordo serve's reports), so they find the writer's
 * catalog and never rebuild its table. */
extern const struct ordo_log_follower ordo_facts_follower_net;

/* Analyses a data directory (DIR/log + DIR/ordo.db) or a simulation run (the
 * same plus DIR/summary.json). The analysis is finished. *out:
 * ordo_analysis_destroy(). ORDO_ENOENT when DIR holds neither a log nor a
 * database. */
int ordo_analyze_dir(const char *dir, const ordo_analyze_options_t *opt, ordo_analysis_t **out,
                     ordo_error_t *err);

/* Builds one row from a decision record (record.h) and its outcome
 * summary (NULL: none), with the segments (region from the ship-to ZIP;
 * family and order value from network, may be NULL). Exposed for tests and
 * tools; the variant and unit indices are left for the caller. */
struct ordo_outcome_summary;
int ordo_analyze_row_from_decision(const ordo_record_t *decision,
                                   const struct ordo_outcome_summary *outcome,
                                   const ordo_network_t *network, ordo_analyze_row_t *row,
                                   ordo_error_t *err);

/* ======================================================================
 * The guardrail monitor (monitor.c).
 * ====================================================================== */

/* Called for a breached guardrail: stop the experiment. Return ORDO_OK or an
 * error (the monitor reports it and goes on). */
typedef int (*ordo_analyze_stop_fn)(void *ctx, const char *experiment, const char *metric,
                                    const char *detail, ordo_error_t *err);

#define ORDO_ANALYZE_MAX_BREACHES 32

typedef struct ordo_analyze_monitor_result {
    char experiment[ORDO_EXP_ID_MAX];
    size_t n_guardrails;     /* guardrail × treatment checks made */
    size_t n_breaches;
    ordo_analyze_breach_t breaches[ORDO_ANALYZE_MAX_BREACHES];
    bool stopped;            /* the stop entry was called and succeeded */
    int stop_rc;             /* its return code (ORDO_OK when not called) */
    char stop_msg[ORDO_ERROR_MSG_MAX];
} ordo_analyze_monitor_result_t;

/* Analyses dir (as ordo_analyze_dir), evaluates every guardrail with the
 * sequential test, and when one is significantly breached stops the
 * experiment once: through stop(ctx, ...) when given, else through the
 * registry's ordo_exp_guardrail_stop on DIR/ordo.db. dry_run: report only.
 * *out gets the result. */
int ordo_analyze_monitor(const char *dir, const ordo_analyze_options_t *opt,
                         ordo_analyze_stop_fn stop, void *ctx, bool dry_run,
                         ordo_analyze_monitor_result_t *out, ordo_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
