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

#ifdef __cplusplus
}
#endif
#endif
