/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — experiments: deterministic assignment of units to arms.
 *
 * This header holds the assignment core (docs/internals/ASSIGNMENT.md):
 *   - hashing compatible with the GrowthBook SDKs (src/exp/hash.c), so a
 *     team already running GrowthBook gets identical buckets;
 *   - bucket ranges, namespaces, holdouts and the assigner that combines
 *     them (src/exp/assign.c);
 *   - switchback schedules and per-stratum permuted blocks
 *     (src/exp/switchback.c).
 * The registry, lifecycle and targeting conditions are added to this module
 * later, in their own sections below.
 *
 * Nothing here allocates: every struct is a plain value the caller owns, and
 * pointers passed in are only read during the call unless a comment says
 * otherwise. All strings are UTF-8 with an explicit length; invalid UTF-8 is
 * ORDO_EINVAL. */
#ifndef ORDO_EXP_H
#define ORDO_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "order.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Hashing (hash.c)
 * ====================================================================== */

#define ORDO_EXP_FNV_OFFSET 0x811c9dc5u
#define ORDO_EXP_FNV_PRIME 0x01000193u

/* FNV-1a 32-bit over the UTF-16 code units of UTF-8 text, as JavaScript's
 * charCodeAt() sees the string: each code unit (a full 16-bit value, two
 * surrogates for a code point above U+FFFF) is XORed into the hash, then the
 * hash is multiplied by the FNV prime. Continues from *state (start with
 * ORDO_EXP_FNV_OFFSET), so fnv(a + b) is update(a) then update(b).
 * ORDO_EINVAL (naming the byte offset) on invalid UTF-8: overlong forms,
 * encoded surrogates, code points above U+10FFFF, truncated sequences. */
int ordo_exp_fnv1a32_update(uint32_t *state, const char *utf8, size_t len, ordo_error_t *err);

/* GrowthBook's hash(seed, value, version), a number in [0, 1):
 *   version 1: (fnv(id + seed) % 1000) / 1000
 *   version 2: (fnv(decimal string of fnv(seed + id)) % 10000) / 10000
 * ORDO_EINVAL for another version or invalid UTF-8. */
int ordo_exp_hash(const char *seed, size_t seed_len, const char *id, size_t id_len, int version,
                  double *out, ordo_error_t *err);

/* ======================================================================
 * Bucket ranges and assignment (assign.c)
 * ====================================================================== */

#define ORDO_EXP_MAX_ARMS 32
#define ORDO_EXP_MAX_HOLDOUTS 8
#define ORDO_EXP_SEED_MAX 128     /* bytes, experiment and holdout seeds */
#define ORDO_EXP_NAMESPACE_MAX 64 /* bytes of a namespace (layer) name */

/* Arm i owns hash values n with start <= n < end. */
typedef struct ordo_exp_range {
    double start;
    double end;
} ordo_exp_range_t;

/* GrowthBook's getBucketRanges, with its runtime semantics:
 *   - coverage is clamped to [0, 1] (NaN counts as 0: nobody is in);
 *   - weights == NULL, n_weights != n_arms, a sum outside [0.99, 1.01] or a
 *     non-finite weight fall back to equal weights 1/n_arms;
 *   - arm i gets [cum_i, cum_i + coverage * w_i), cum_i = Σ_{j<i} w_j, so
 *     raising coverage never moves a unit to another arm.
 * out must hold n_arms ranges. ORDO_EINVAL when n_arms is 0 or above
 * ORDO_EXP_MAX_ARMS. Strict validation (weights that do not sum to 1,
 * coverage outside [0, 1]) belongs to the registry, not here. */
int ordo_exp_bucket_ranges(size_t n_arms, double coverage, const double *weights, size_t n_weights,
                           ordo_exp_range_t *out, ordo_error_t *err);

/* GrowthBook's chooseVariation: the first arm whose range holds n, or -1. */
int ordo_exp_choose_arm(double n, const ordo_exp_range_t *ranges, size_t n_ranges);

/* GrowthBook's inNamespace: hash("__" + name, id, 1) in [start, end).
 * *in is false on error. */
int ordo_exp_in_namespace(const char *name, size_t name_len, double start, double end,
                          const char *id, size_t id_len, bool *in, ordo_error_t *err);

/* What a unit is: the key hashed for assignment. */
typedef enum ordo_exp_unit_kind {
    ORDO_EXP_UNIT_ORDER = 0,     /* order id: every order is randomized alone */
    ORDO_EXP_UNIT_CUSTOMER = 1,  /* customer id: all orders of a customer share an arm */
    ORDO_EXP_UNIT_SWITCHBACK = 2 /* cluster (ship-to state) × time window */
} ordo_exp_unit_kind_t;

const char *ordo_exp_unit_kind_name(ordo_exp_unit_kind_t kind); /* "order", ... */
int ordo_exp_unit_kind_parse(const char *s, ordo_exp_unit_kind_t *out);

/* The key of an order for a unit kind, pointing into the order (no copy):
 * order → order->id; customer → order->customer_id ("" for a guest, who is
 * then not in the experiment); switchback → the cluster, order->state (the
 * window comes from the order's time, see ordo_exp_switchback_arm). */
void ordo_exp_unit_key(ordo_exp_unit_kind_t kind, const ordo_order_t *order, const char **key,
                       size_t *key_len);

/* A holdout: a slice of units kept out of every experiment that lists it,
 * assigned by its own seed. A unit is held out when
 * hash(seed, id, hash_version) < fraction — GrowthBook's filter with ranges
 * [[fraction, 1)] describes the units that remain. */
typedef struct ordo_exp_holdout_spec {
    const char *seed; /* borrowed during init; non-empty */
    double fraction;  /* in [0, 1] */
    int hash_version; /* 1 or 2; 0 means 2 */
} ordo_exp_holdout_spec_t;

/* What an experiment's assignment needs; pointers are borrowed during
 * ordo_exp_assigner_init only (everything is copied). */
typedef struct ordo_exp_assign_spec {
    const char *key;       /* experiment id, the seed when seed is NULL/"" */
    const char *seed;      /* NULL or "": key */
    int hash_version;      /* 1 or 2; 0 means 2 (CONTRACTS.md) */
    size_t n_arms;         /* 2 .. ORDO_EXP_MAX_ARMS */
    const double *weights; /* NULL: equal */
    size_t n_weights;
    double coverage;            /* clamped to [0, 1] */
    const char *namespace_name; /* NULL or "": no namespace (layer) */
    double namespace_start, namespace_end;
    const ordo_exp_holdout_spec_t *holdouts; /* n_holdouts entries */
    size_t n_holdouts;
} ordo_exp_assign_spec_t;

typedef struct ordo_exp_holdout {
    double fraction;
    int hash_version;
    uint32_t seed_state; /* FNV state after the seed (version 2 prefix) */
    size_t seed_len;
    char seed[ORDO_EXP_SEED_MAX];
} ordo_exp_holdout_t;

/* A compiled assignment: treat as opaque, copy freely (no pointers out). */
typedef struct ordo_exp_assigner {
    int hash_version;
    size_t n_arms;
    ordo_exp_range_t ranges[ORDO_EXP_MAX_ARMS];
    uint32_t seed_state; /* FNV state after the seed (version 2) */
    size_t seed_len;
    char seed[ORDO_EXP_SEED_MAX];
    bool has_namespace;
    double namespace_start, namespace_end;
    size_t namespace_seed_len; /* "__" + name */
    char namespace_seed[ORDO_EXP_NAMESPACE_MAX + 2];
    size_t n_holdouts;
    ordo_exp_holdout_t holdouts[ORDO_EXP_MAX_HOLDOUTS];
} ordo_exp_assigner_t;

/* Why a unit got what it got. Later modules append reasons (targeting,
 * inactive, forced...) at the end. */
typedef enum ordo_exp_reason {
    ORDO_EXP_REASON_ASSIGNED = 0,     /* in the experiment */
    ORDO_EXP_REASON_MISSING_UNIT = 1, /* empty unit key (e.g. guest, no customer id) */
    ORDO_EXP_REASON_HOLDOUT = 2,      /* in a holdout */
    ORDO_EXP_REASON_NAMESPACE = 3,    /* outside the experiment's namespace range */
    ORDO_EXP_REASON_COVERAGE = 4      /* hash outside every arm's range */
} ordo_exp_reason_t;

const char *ordo_exp_reason_name(ordo_exp_reason_t r); /* "assigned", "holdout", ... */

typedef struct ordo_exp_assignment {
    bool in_experiment;
    int arm;       /* 0-based; -1 when not in the experiment */
    double bucket; /* the experiment hash; -1 when not computed */
    ordo_exp_reason_t reason;
    int holdout; /* index of the holdout that caught the unit, else -1 */
} ordo_exp_assignment_t;

/* Validates the spec (seed, hash version, arm count, namespace range in
 * [0, 1] with start <= end, holdouts) and precomputes ranges and hash
 * prefixes. Weights and coverage follow ordo_exp_bucket_ranges. */
int ordo_exp_assigner_init(ordo_exp_assigner_t *a, const ordo_exp_assign_spec_t *spec,
                           ordo_error_t *err);

/* Assigns one unit. Checks, in order: empty key, holdouts, namespace, arm
 * ranges — the order GrowthBook's run() applies them. No allocation, no
 * locks; safe to call from many threads on one assigner. ORDO_EINVAL only for
 * invalid UTF-8 in the key. */
int ordo_exp_assign(const ordo_exp_assigner_t *a, const char *unit, size_t unit_len,
                    ordo_exp_assignment_t *out, ordo_error_t *err);

/* Assigns n units at once (units[i], lens[i] → out[i]). Same results as n
 * calls of ordo_exp_assign; interleaves the independent hash chains of
 * several units, so bulk re-derivation (analysis, simulation) runs faster.
 * Stops at the first invalid key and returns its error. */
int ordo_exp_assign_batch(const ordo_exp_assigner_t *a, const char *const *units,
                          const size_t *lens, size_t n, ordo_exp_assignment_t *out,
                          ordo_error_t *err);

/* ======================================================================
 * Permuted blocks and switchbacks (switchback.c)
 * ====================================================================== */

#define ORDO_EXP_BLOCK_MAX 256

/* Per-stratum permuted blocks: the k-th unit of a stratum (a region) gets
 * slot k % size of block k / size; each block holds every arm in
 * proportion to its weight (largest remainder of w_i · size) and is
 * shuffled by Fisher–Yates with j = floor(hash(seed, stratum ":" block ":" i,
 * version) · (i + 1)), for i = size-1 down to 1. Any GrowthBook SDK can
 * recompute it. Within every complete block the arm counts are exact. */
typedef struct ordo_exp_blocks {
    size_t n_arms;
    uint32_t size;                     /* n_arms .. ORDO_EXP_BLOCK_MAX */
    uint32_t count[ORDO_EXP_MAX_ARMS]; /* arm i appears count[i] times per block */
    int hash_version;
} ordo_exp_blocks_t;

/* weights NULL (or not summing to 1 ± 0.01): equal. size 0 picks
 * 2 · n_arms. ORDO_EINVAL for a size below n_arms or above the maximum, or
 * when a weight rounds to zero slots. */
int ordo_exp_blocks_init(ordo_exp_blocks_t *b, size_t n_arms, const double *weights,
                         size_t n_weights, uint32_t size, int hash_version, ordo_error_t *err);

/* Arm of unit number seq (0-based) of a stratum. Stateless: the caller keeps
 * the per-stratum sequence number (durably, if units arrive over time). */
int ordo_exp_blocks_arm(const ordo_exp_blocks_t *b, const char *seed, size_t seed_len,
                        const char *stratum, size_t stratum_len, uint64_t seq, int *arm,
                        ordo_error_t *err);

/* A switchback: each cluster (region) × time window is one unit. Window w of
 * cluster c runs arm
 *   - random mode (block_size 0): chooseVariation(hash(seed, c ":" w, v),
 *     ranges with coverage 1 and the weights);
 *   - blocked mode (block_size > 0): ordo_exp_blocks_arm with stratum c and
 *     seq w, which balances arms over time within every cluster.
 * Windows are [start + w·window, start + (w+1)·window); the first burn_in
 * and last burn_out seconds of each window still run the window's arm but
 * are excluded from analysis (carryover from the previous arm). */
typedef struct ordo_exp_switchback_spec {
    const char *seed;         /* non-empty; borrowed during init */
    int hash_version;         /* 1 or 2; 0 means 2 */
    int64_t start;            /* Unix seconds, first window's start */
    int64_t window_seconds;   /* > 0 */
    uint32_t n_windows;       /* > 0 */
    int64_t burn_in_seconds;  /* >= 0 */
    int64_t burn_out_seconds; /* >= 0; burn_in + burn_out < window_seconds */
    size_t n_arms;            /* 2 .. ORDO_EXP_MAX_ARMS */
    const double *weights;    /* NULL: equal */
    size_t n_weights;
    uint32_t block_size; /* 0: random mode; else blocked (see above) */
} ordo_exp_switchback_spec_t;

typedef struct ordo_exp_switchback {
    int hash_version;
    int64_t start, window_seconds, burn_in_seconds, burn_out_seconds;
    uint32_t n_windows;
    size_t n_arms;
    ordo_exp_range_t ranges[ORDO_EXP_MAX_ARMS];
    bool blocked;
    ordo_exp_blocks_t blocks;
    size_t seed_len;
    char seed[ORDO_EXP_SEED_MAX];
} ordo_exp_switchback_t;

typedef struct ordo_exp_switchback_slot {
    bool in_schedule;     /* t in [start, start + n_windows · window) */
    uint32_t window;      /* window index (valid when in_schedule) */
    int arm;              /* -1 when not in the schedule */
    int64_t window_start; /* Unix seconds */
    int64_t window_end;
    bool burn_in;  /* t in the first burn_in seconds of the window */
    bool burn_out; /* t in the last burn_out seconds */
    bool excluded; /* burn_in || burn_out || !in_schedule: drop from analysis */
} ordo_exp_switchback_slot_t;

int ordo_exp_switchback_init(ordo_exp_switchback_t *sb, const ordo_exp_switchback_spec_t *spec,
                             ordo_error_t *err);

/* Arm of cluster at time t (Unix seconds). A cluster name must be non-empty
 * UTF-8. */
int ordo_exp_switchback_arm(const ordo_exp_switchback_t *sb, const char *cluster,
                            size_t cluster_len, int64_t t, ordo_exp_switchback_slot_t *out,
                            ordo_error_t *err);

/* Arm of one window of one cluster (no time arithmetic). */
int ordo_exp_switchback_window_arm(const ordo_exp_switchback_t *sb, const char *cluster,
                                   size_t cluster_len, uint32_t window, int *arm,
                                   ordo_error_t *err);

/* The whole schedule: arms[c * n_windows + w] for clusters[c] (NUL-terminated
 * names, borrowed). arms must hold n_clusters · n_windows ints. */
int ordo_exp_switchback_schedule(const ordo_exp_switchback_t *sb, const char *const *clusters,
                                 size_t n_clusters, int *arms, ordo_error_t *err);

/* ======================================================================
 * The experiment document (document.c) — docs/experiments.md
 *
 * An experiment is a JSON document: id, hypothesis, unit and seed,
 * coverage, variants (key, policy version, weight), targeting (a condition
 * of the policy language, ordo_cond_*), namespace (layer + range),
 * holdouts, stratification or switchback schedule, warm-up, KPIs,
 * guardrails, alpha/power/MDE, runtime bounds, ramp, hash version and an
 * optional shadow policy. Parsing is strict: an unknown field, a value of
 * the wrong type or out of range is ORDO_EINVAL naming the field
 * ("variants[1].weight"). The first variant is the control.
 * ====================================================================== */

#include "policy.h"
#include "store.h"

#define ORDO_EXP_ID_MAX 64       /* id bytes + NUL: [A-Za-z0-9._-], 1..63 */
#define ORDO_EXP_KEY_MAX 64      /* variant key bytes + NUL */
#define ORDO_EXP_METRIC_MAX 64   /* KPI / guardrail metric name + NUL */
#define ORDO_EXP_TEXT_MAX 1024   /* hypothesis, reasons */
#define ORDO_EXP_MAX_KPIS 8
#define ORDO_EXP_MAX_GUARDRAILS 8
#define ORDO_EXP_MAX_RAMP 8

typedef struct ordo_exp_variant {
    char key[ORDO_EXP_KEY_MAX];
    char policy[ORDO_NAME_MAX]; /* built-in policy name as written; "" when given by version */
    char policy_version[ORDO_POLICY_VERSION_LEN]; /* always set after parsing */
    double weight;
} ordo_exp_variant_t;

/* Which way a guardrail metric must not move. */
typedef enum ordo_exp_direction {
    ORDO_EXP_DIR_DECREASE = 0, /* harm = treatment below control by more than margin */
    ORDO_EXP_DIR_INCREASE = 1  /* harm = treatment above control by more than margin */
} ordo_exp_direction_t;

typedef struct ordo_exp_guardrail_spec {
    char metric[ORDO_EXP_METRIC_MAX];
    ordo_exp_direction_t direction;
    double margin; /* >= 0, absolute, in the metric's units (relative: a share
                      of the control's value, 0.05 = 5%) */
    bool relative; /* "relative": true */
} ordo_exp_guardrail_spec_t;

/* A structured hypothesis: one claim about one metric, which the verdict
 * tests (docs/experiments.md).
 *   bound at_least: the metric moves in direction by at least margin
 *                   (superiority by a margin; margin 0 = plain superiority);
 *   bound at_most:  it moves in direction by at most margin
 *                   (non-inferiority: "cost per order at most +3%"). */
typedef enum ordo_exp_bound {
    ORDO_EXP_AT_LEAST = 0,
    ORDO_EXP_AT_MOST = 1
} ordo_exp_bound_t;

typedef struct ordo_exp_claim {
    bool structured;                /* false: prose only, nothing is tested */
    char metric[ORDO_EXP_METRIC_MAX];
    ordo_exp_direction_t direction; /* the direction of the claimed change */
    ordo_exp_bound_t bound;
    double margin;                  /* >= 0; relative: share of the control's value */
    bool relative;
} ordo_exp_claim_t;

/* The default guardrails every sourcing experiment gets unless its document
 * lists the metric in "remove_default_guardrails" (or declares a guardrail
 * on it, which then replaces the default): on_time_rate (decrease, 0.02),
 * cost_per_order (increase, 5% relative), cancel_rate (increase, 0.005),
 * return_rate (increase, 0.01). */
#define ORDO_EXP_DEFAULT_GUARDRAILS 4
/* The i-th default (0 .. ORDO_EXP_DEFAULT_GUARDRAILS-1); NULL out of range. */
const ordo_exp_guardrail_spec_t *ordo_exp_default_guardrail(size_t i);

typedef struct ordo_exp_ramp_stage {
    double percent;     /* (0, 100]: share of eligible units in the experiment */
    double after_hours; /* stage begins this long after the first start */
} ordo_exp_ramp_stage_t;

/* What a switchback's cluster is. */
typedef enum ordo_exp_cluster {
    ORDO_EXP_CLUSTER_STATE = 0,
    ORDO_EXP_CLUSTER_REGION = 1
} ordo_exp_cluster_t;

typedef enum ordo_exp_state {
    ORDO_EXP_DRAFT = 0,
    ORDO_EXP_RUNNING = 1,
    ORDO_EXP_PAUSED = 2,
    ORDO_EXP_STOPPED = 3,
    ORDO_EXP_CONCLUDED = 4
} ordo_exp_state_t;

const char *ordo_exp_state_name(ordo_exp_state_t s); /* "draft", "running", ... */
int ordo_exp_state_parse(const char *s, ordo_exp_state_t *out);

/* Lifecycle status, kept with the document in the registry. */
typedef struct ordo_exp_status {
    ordo_exp_state_t state;
    bool killed;             /* kill switch: targeted traffic runs the control */
    int64_t created_at;      /* Unix seconds; 0 = not yet stored */
    int64_t started_at;      /* first start (ramp and warm-up count from it); 0 = never */
    int64_t updated_at;      /* last state change */
    int64_t stopped_at;      /* 0 = not stopped */
    int64_t concluded_at;
    char winner[ORDO_EXP_KEY_MAX];       /* "" = none */
    char stop_reason[ORDO_EXP_TEXT_MAX]; /* why it stopped ("" = none) */
} ordo_exp_status_t;

/* A parsed experiment. Owned by whoever created it: ordo_exp_destroy(). */
typedef struct ordo_exp {
    char id[ORDO_EXP_ID_MAX];
    char hypothesis[ORDO_EXP_TEXT_MAX];
    ordo_exp_unit_kind_t unit;
    char seed[ORDO_EXP_SEED_MAX]; /* "" = the id */
    int hash_version;             /* 1 or 2 (default 2) */
    double coverage;              /* [0, 1] */
    size_t n_variants;            /* 2 .. ORDO_EXP_MAX_ARMS */
    ordo_exp_variant_t variants[ORDO_EXP_MAX_ARMS];
    ordo_cond_t *targeting;       /* one reference (ordo_cond_ref); NULL = every order */
    bool has_namespace;
    char layer[ORDO_EXP_NAMESPACE_MAX];
    double namespace_start, namespace_end;
    size_t n_holdouts;
    char holdout_seeds[ORDO_EXP_MAX_HOLDOUTS][ORDO_EXP_SEED_MAX];
    double holdout_fractions[ORDO_EXP_MAX_HOLDOUTS];
    /* stratified assignment (unit order): permuted blocks per stratum */
    bool stratified;
    ordo_exp_cluster_t stratum; /* region or state */
    uint32_t block_size;
    /* switchback (unit switchback) */
    ordo_exp_cluster_t cluster;
    int64_t sb_start, sb_window_seconds, sb_burn_in_seconds, sb_burn_out_seconds;
    uint32_t sb_windows, sb_block_size;
    double warmup_hours;
    size_t n_kpis;
    char kpis[ORDO_EXP_MAX_KPIS][ORDO_EXP_METRIC_MAX];
    size_t n_guardrails;
    ordo_exp_guardrail_spec_t guardrails[ORDO_EXP_MAX_GUARDRAILS];
    double alpha, power, mde; /* alpha, power in (0, 1); mde > 0 (0 = not given) */
    double min_runtime_days, max_runtime_days; /* 0 = not given */
    size_t n_ramp;
    ordo_exp_ramp_stage_t ramp[ORDO_EXP_MAX_RAMP];
    bool has_shadow;
    ordo_exp_variant_t shadow; /* key "shadow", weight 0 */
    /* content hash (FNV-1a 64, hex) of the compact canonical definition */
    char definition_version[ORDO_POLICY_VERSION_LEN];
    ordo_exp_status_t status;
    uint64_t store_version; /* registry document version; 0 = not stored */
    /* "hypothesis" as an object {"text", "metric", "direction", "bound",
     * "margin", "relative"}; a plain string is prose only (claim.structured
     * false). The prose is in hypothesis either way. */
    ordo_exp_claim_t claim;
    /* default guardrails the document removes by metric name */
    size_t n_removed_guardrails;
    char removed_guardrails[ORDO_EXP_DEFAULT_GUARDRAILS][ORDO_EXP_METRIC_MAX];
} ordo_exp_t;

/* The guardrails in force: the declared ones, then every default guardrail
 * whose metric is neither declared nor removed. Returns how many were
 * written to out (at most cap). */
size_t ordo_exp_effective_guardrails(const ordo_exp_t *exp, ordo_exp_guardrail_spec_t *out,
                                     size_t cap);
/* True when out[i] of ordo_exp_effective_guardrails is a default one. */
bool ordo_exp_guardrail_is_default(const ordo_exp_t *exp, const char *metric);

/* The switchback schedule of a switchback experiment (seeded by its seed,
 * else its id; arms weighted as its variants). */
int ordo_exp_switchback_of(const ordo_exp_t *e, ordo_exp_switchback_t *sb, ordo_error_t *err);

/* Parses an experiment document (strict; see above). A variant may name a
 * built-in policy ("policy": "cost-optimized"), resolved to its version, or
 * give "policy_version"; whether a version is known is the registry's check
 * (ordo_exp_registry_create). name (may be NULL) is the file for errors.
 * *out is malloc'd; free with ordo_exp_destroy(). */
int ordo_exp_parse(const char *json, size_t len, const char *name, ordo_exp_t **out,
                   ordo_error_t *err);
void ordo_exp_destroy(ordo_exp_t *exp);

/* The canonical definition (fixed key order, defaults explicit); parsing it
 * gives the same experiment. */
void ordo_exp_write_json(const ordo_exp_t *exp, ordo_jsonw_t *w);
/* The status object as stored and shown. */
void ordo_exp_status_write_json(const ordo_exp_status_t *st, ordo_jsonw_t *w);

/* The variant index of a key, or -1. */
int ordo_exp_variant_index(const ordo_exp_t *exp, const char *key);

/* Coverage in effect at time now: the ramp stage's percent / 100 capped by
 * coverage (coverage itself without a ramp, or before the first start). */
double ordo_exp_coverage_at(const ordo_exp_t *exp, int64_t now);

/* Version of a built-in policy by name (NULL when unknown). The table is
 * computed once; the strings are static. */
const char *ordo_exp_builtin_policy_version(const char *name);
/* Name of the built-in policy with this version, or NULL. */
const char *ordo_exp_builtin_policy_name(const char *version);

/* ======================================================================
 * The registry (registry.c, lifecycle.c): experiments as documents of kind
 * "experiment" in the store, with optimistic concurrency, and every change
 * in the audit trail (kind "experiment").
 * ====================================================================== */

#define ORDO_EXP_DOC_KIND "experiment"
#define ORDO_EXP_POLICY_KIND "policy"               /* id = policy version */
#define ORDO_EXP_DEFAULT_POLICY_KIND "default_policy" /* id "default" */

typedef struct ordo_exp_registry ordo_exp_registry_t;

/* store is borrowed (must outlive the registry; not thread-safe, like the
 * store handle). */
int ordo_exp_registry_open(ordo_store_t *store, ordo_exp_registry_t **out, ordo_error_t *err);
void ordo_exp_registry_close(ordo_exp_registry_t *reg);
ordo_store_t *ordo_exp_registry_store(ordo_exp_registry_t *reg);

/* Stores a policy's canonical JSON as doc kind "policy" keyed by its
 * version (idempotent: registering the same version again is OK). */
int ordo_exp_policy_register(ordo_store_t *store, const ordo_policy_t *policy,
                             ordo_error_t *err);
/* Known = a built-in's version or a registered policy. */
int ordo_exp_policy_known(ordo_store_t *store, const char *version, bool *known,
                          ordo_error_t *err);
/* The policy of a version (built-in or registered): *out malloc'd, free
 * with ordo_policy_destroy(). ORDO_ENOTFOUND when unknown. */
int ordo_exp_policy_load(ordo_store_t *store, const char *version, ordo_policy_t **out,
                         ordo_error_t *err);

/* The default policy version (what orders outside every experiment run):
 * set by concluding an experiment with a winner; ORDO_ENOTFOUND when never
 * set (callers then use the built-in "default"). version needs
 * ORDO_POLICY_VERSION_LEN bytes; experiment and variant (may be NULL) need
 * ORDO_EXP_ID_MAX / ORDO_EXP_KEY_MAX bytes. */
int ordo_exp_default_policy_get(ordo_store_t *store, char *version, char *experiment,
                                char *variant, ordo_error_t *err);

/* Validates strictly (ordo_exp_parse, then: every policy version known,
 * no overlapping namespace range in the same layer among experiments that
 * are not concluded, id not taken) and stores the experiment as a draft,
 * with an audit entry "create". actor NULL: $USER, else "unknown". */
int ordo_exp_registry_create(ordo_exp_registry_t *reg, const char *json, size_t len,
                             const char *name, const char *actor, const char *reason,
                             ordo_exp_t **out, ordo_error_t *err);
/* Same checks, nothing stored (used by create; useful for dry runs). */
int ordo_exp_registry_validate(ordo_exp_registry_t *reg, const ordo_exp_t *exp,
                               ordo_error_t *err);

/* The stored experiment: *out malloc'd (ordo_exp_destroy). ORDO_ENOTFOUND. */
int ordo_exp_registry_get(ordo_exp_registry_t *reg, const char *id, ordo_exp_t **out,
                          ordo_error_t *err);

/* Calls fn for every experiment in id order; exp is valid during the call.
 * Return non-zero from fn to stop (that value is returned). */
typedef int (*ordo_exp_list_fn)(void *ctx, const ordo_exp_t *exp);
int ordo_exp_registry_list(ordo_exp_registry_t *reg, ordo_exp_list_fn fn, void *ctx,
                           ordo_error_t *err);

/* Audit trail of one experiment, oldest first. */
int ordo_exp_registry_history(ordo_exp_registry_t *reg, const char *id, ordo_store_audit_fn fn,
                              void *ctx, ordo_error_t *err);

/* A counter bumped in the same transaction as every registry change, for
 * cheap "did anything change" polling (reload the snapshot when it moves). */
int ordo_exp_registry_generation(ordo_exp_registry_t *reg, uint64_t *gen, ordo_error_t *err);

/* ---- lifecycle (lifecycle.c) ----
 *   draft → running (start);  running ⇄ paused (pause / start);
 *   running | paused → stopped (stop);  stopped → concluded (conclude);
 *   kill: running | paused | stopped (not yet killed) → stopped + killed.
 * Anything else is ORDO_ESTATE with a message saying why (starting a
 * concluded experiment included). Each change is one transaction: the
 * document update (optimistic: re-read and retry on a version conflict) and
 * its audit entry (who, when, why). Concluding with a winner stores its
 * policy version as the default policy (doc kind "default_policy", id
 * "default"), also audited. actor NULL: $USER; reason may be NULL. */
typedef enum ordo_exp_action {
    ORDO_EXP_ACT_START = 0,
    ORDO_EXP_ACT_PAUSE = 1,
    ORDO_EXP_ACT_STOP = 2,
    ORDO_EXP_ACT_CONCLUDE = 3,
    ORDO_EXP_ACT_KILL = 4
} ordo_exp_action_t;

const char *ordo_exp_action_name(ordo_exp_action_t a); /* "start", ... */

/* winner: only for conclude (NULL: no rollout). now 0: the wall clock.
 * *out (may be NULL) gets the updated experiment (ordo_exp_destroy). */
int ordo_exp_registry_transition(ordo_exp_registry_t *reg, const char *id,
                                 ordo_exp_action_t action, const char *winner,
                                 const char *actor, const char *reason, int64_t now,
                                 ordo_exp_t **out, ordo_error_t *err);

/* The knowledge base of concluded experiments. Concluding with results
 * stores, in the same transaction as the state change:
 *   kind "exp_report", id = experiment: the final report, as given (the
 *     JSON of `ordo analyze --format json`);
 *   kind "exp_result", id = experiment: {"experiment", "hypothesis",
 *     "created_at", "started_at", "stopped_at", "concluded_at", "killed",
 *     "stop_reason", "winner", "promoted_policy" ({"policy_version",
 *     "policy"} or null), "variants" [{"key", "policy_version", "policy"}],
 *     "summary": the caller's compact summary of the report, as given}.
 * The registry does not read either document: whoever analyses (the CLI)
 * writes the report and its summary (docs/experiments.md "The catalog"). */
#define ORDO_EXP_RESULT_KIND "exp_result"
#define ORDO_EXP_REPORT_KIND "exp_report"

typedef struct ordo_exp_conclusion {
    const char *report_json; /* valid JSON, report_len bytes; NULL: none stored */
    size_t report_len;
    const char *summary_json; /* valid JSON, summary_len bytes; NULL: null */
    size_t summary_len;
} ordo_exp_conclusion_t;

/* Concludes as ordo_exp_registry_transition(ORDO_EXP_ACT_CONCLUDE) does and,
 * in the same transaction, stores the report and the result document
 * (res NULL: like the plain transition). */
int ordo_exp_registry_conclude(ordo_exp_registry_t *reg, const char *id, const char *winner,
                               const char *actor, const char *reason,
                               const ordo_exp_conclusion_t *res, int64_t now, ordo_exp_t **out,
                               ordo_error_t *err);

/* The guardrail monitor's entry point: stops a running or paused
 * experiment on its own, recording actor "guardrail", action
 * "guardrail_stop", reason "guardrail <metric> breached" and
 * detail {"metric", "detail"} in the audit trail. detail may be NULL.
 * ORDO_ESTATE when the experiment is not running or paused. */
int ordo_exp_guardrail_stop(ordo_exp_registry_t *reg, const char *id, const char *metric,
                            const char *detail, ordo_error_t *err);

/* ======================================================================
 * Routing (route.c): what the decision path calls for each order.
 *
 * A snapshot is an immutable, compiled copy of the experiments that affect
 * traffic (running ones, and stopped-but-killed ones until concluded), in
 * priority order (earliest first start, then id). Routing reads it without
 * allocation, locks or I/O; many threads may route over one snapshot.
 * Reload (build a new snapshot and swap) when ordo_exp_registry_generation
 * changes.
 * ====================================================================== */

#define ORDO_EXP_ROUTE_MAX 64 /* experiments in one snapshot */

/* Why a unit got what it got in one experiment. 0..4 equal
 * ordo_exp_reason_t. */
typedef enum ordo_exp_route_reason {
    ORDO_EXP_ROUTE_ASSIGNED = 0,
    ORDO_EXP_ROUTE_MISSING_UNIT = 1,
    ORDO_EXP_ROUTE_HOLDOUT = 2,
    ORDO_EXP_ROUTE_NAMESPACE = 3,
    ORDO_EXP_ROUTE_COVERAGE = 4,
    ORDO_EXP_ROUTE_TARGETED_OUT = 5,
    ORDO_EXP_ROUTE_NOT_RUNNING = 6,
    ORDO_EXP_ROUTE_KILLED = 7,
    ORDO_EXP_ROUTE_OVERLAP = 8,  /* an earlier experiment already decides this order */
    ORDO_EXP_ROUTE_SCHEDULE = 9  /* switchback: outside the schedule's windows */
} ordo_exp_route_reason_t;

/* "assigned", "missing unit", "holdout", "outside namespace",
 * "outside coverage", "targeted out", "not running", "killed", "overlap",
 * "outside schedule". */
const char *ordo_exp_route_reason_name(ordo_exp_route_reason_t r);

typedef struct ordo_exp_snapshot ordo_exp_snapshot_t;

/* Builds a snapshot from experiments (borrowed during the call; everything
 * is copied, conditions are re-parsed so the snapshot owns its own).
 * Experiments that are not running nor killed-and-stopped are skipped.
 * default_version (may be NULL/"") is the policy for orders outside every
 * experiment. ORDO_EFULL above ORDO_EXP_ROUTE_MAX experiments. */
int ordo_exp_snapshot_build(const ordo_exp_t *const *exps, size_t n, const char *default_version,
                            ordo_exp_snapshot_t **out, ordo_error_t *err);
/* Loads every routed experiment, the default policy and the stratified
 * assignment counters from the registry. */
int ordo_exp_snapshot_load(ordo_exp_registry_t *reg, ordo_exp_snapshot_t **out,
                           ordo_error_t *err);
void ordo_exp_snapshot_destroy(ordo_exp_snapshot_t *snap);
size_t ordo_exp_snapshot_count(const ordo_exp_snapshot_t *snap);
/* Policy version of experiment i's control arm (its first variant), i in
 * route order (ordo_exp_route_t.entries[i]); NULL when i is out of range. */
const char *ordo_exp_snapshot_control_version(const ordo_exp_snapshot_t *snap, size_t i);
/* Registry generation the snapshot was loaded at (0 for a built one). */
uint64_t ordo_exp_snapshot_generation(const ordo_exp_snapshot_t *snap);

/* Unit ids of one order. NULL fields fall back to the context (customer
 * id) or are missing. */
typedef struct ordo_exp_units {
    const char *order_id;
    const char *customer_id;
} ordo_exp_units_t;

typedef struct ordo_exp_route_entry {
    const char *experiment;     /* id, points into the snapshot */
    const char *variant;        /* key, NULL when no variant runs */
    const char *policy_version; /* NULL when no variant runs */
    int variant_index;          /* -1 when none */
    double bucket;              /* the unit's hash, -1 when not computed */
    bool in_experiment;         /* an exposure to analyse */
    bool in_warmup;             /* decided during warm-up: exclude from analysis */
    bool excluded;              /* in_warmup, or switchback burn-in / burn-out */
    bool stratified;            /* arm came from the per-stratum permuted block */
    ordo_exp_route_reason_t reason;
    /* the randomization unit as assignment saw it (for the decision record) */
    const char *unit;           /* key hashed (order or customer id), NULL for
                                 * switchbacks or when missing; points into units/ctx */
    const char *cluster;        /* switchback: the cluster, NULL otherwise; into ctx */
    int64_t window;             /* switchback: the window index, -1 otherwise */
} ordo_exp_route_entry_t;

typedef struct ordo_exp_route {
    uint32_t n;                 /* one entry per snapshot experiment, priority order */
    ordo_exp_route_entry_t entries[ORDO_EXP_ROUTE_MAX];
    int acting;                 /* entry whose policy runs, -1: the default */
    const char *policy_version; /* what to run: the acting entry's, else the
                                 * snapshot's default ("" when none: built-in default) */
    bool needs_refill;          /* a stratified counter ran out: call
                                 * ordo_exp_snapshot_refill off the hot path */
} ordo_exp_route_t;

/* Routes one order: for each experiment of the snapshot, in priority order,
 * the first check that fails names the reason — targeting (ctx), unit key,
 * holdouts, namespace, coverage at the ramp stage of now — else the variant
 * (kill switch: control, reason "killed", not an exposure). The first
 * experiment that assigns the order acts; later ones that would also have
 * assigned it report "overlap" (use one layer with disjoint ranges to avoid
 * losing traffic). Switchbacks use the cluster (ctx state or region) and
 * the window of now. No allocation; ORDO_EINVAL only for invalid UTF-8 in a
 * unit id. */
int ordo_exp_route(const ordo_exp_snapshot_t *snap, const ordo_order_ctx_t *ctx,
                   const ordo_exp_units_t *units, int64_t now, ordo_exp_route_t *out,
                   ordo_error_t *err);

/* Durably reserves the next chunk of sequence numbers for every stratified
 * counter that is running low (doc kind "exp_counter", one per experiment,
 * optimistic concurrency so several processes get disjoint chunks). Not on
 * the hot path. Counters start empty: a stratified experiment assigns by
 * hash until the first refill (ordo_exp_snapshot_load refills). */
int ordo_exp_snapshot_refill(ordo_exp_snapshot_t *snap, ordo_store_t *store, ordo_error_t *err);

/* ---- shadow mode ----
 * A running experiment with a "shadow" policy evaluates it on every order it
 * targets (targeting + namespace; coverage and ramp do not limit shadows,
 * which never act). The caller runs the engine a second time with each
 * returned version, without reserving, and logs an ORDO_LOG_REC_SHADOW
 * record beside the real decision. */
typedef struct ordo_exp_shadow {
    const char *experiment;     /* into the snapshot */
    const char *policy_version; /* the candidate */
    const char *variant;        /* the arm the order actually got in this
                                 * experiment, NULL when not in it */
} ordo_exp_shadow_t;

/* Fills up to cap shadows; *n gets how many apply (may exceed cap: the
 * rest are dropped). route (may be NULL) is this order's ordo_exp_route
 * result over the same snapshot, for the variant field. No allocation. */
int ordo_exp_shadow_policies(const ordo_exp_snapshot_t *snap, const ordo_order_ctx_t *ctx,
                             const ordo_exp_units_t *units, const ordo_exp_route_t *route,
                             ordo_exp_shadow_t *out, size_t cap, size_t *n, ordo_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
