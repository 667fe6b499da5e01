/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — routing: the per-order call of the decision path. A snapshot is a
 * compiled, immutable copy of the experiments that affect traffic; routing
 * reads it without allocation, locks or I/O. Stratified (per-region
 * permuted block) assignment takes sequence numbers from lock-free
 * per-stratum counters whose chunks are reserved durably in the store by
 * ordo_exp_snapshot_refill, off the hot path. */
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "ordo/util.h"
#include "registry_internal.h"

/* ---- stratified counters ----
 * A counter word packs a chunk index (high 40 bits) and the offset used in
 * that chunk (low 24 bits): sequence number = chunk * chunk_size + offset.
 * Chunks are whole numbers of blocks, reserved in the store, so two
 * processes never share a sequence number and each abandoned chunk leaves at
 * most one partly used block. */
#define CTR_EMPTY UINT64_MAX
#define CTR_OFF_BITS 24
#define CTR_OFF_MASK ((1ull << CTR_OFF_BITS) - 1)
#define CTR_BLOCKS_PER_CHUNK 64

typedef struct strat_counter {
    _Atomic uint64_t cur;   /* chunk being used, CTR_EMPTY when none */
    _Atomic uint64_t spare; /* next chunk, CTR_EMPTY when none */
    _Atomic int touched;    /* routed here at least once (refill it) */
} strat_counter_t;

/* Region strata are the geo regions (ORDO_REGION_UNKNOWN last), named as
 * ordo_geo_region_name() spells them: the names key the stored counters and
 * the block permutations. */
#define N_REGION_STRATA ORDO_GEO_REGIONS
_Static_assert(ORDO_REGION_UNKNOWN == ORDO_GEO_REGIONS - 1, "unknown is the last stratum");
#define N_STATE_STRATA (26 * 26 + 1)

typedef struct snap_exp {
    char id[ORDO_EXP_ID_MAX];
    ordo_exp_unit_kind_t unit;
    bool killed;
    bool running;
    int64_t started_at;
    int64_t warmup_end;
    ordo_cond_t *targeting; /* one reference (ordo_cond_ref); NULL: everyone */
    size_t n_variants;
    char keys[ORDO_EXP_MAX_ARMS][ORDO_EXP_KEY_MAX];
    char versions[ORDO_EXP_MAX_ARMS][ORDO_POLICY_VERSION_LEN];
    size_t n_stages; /* >= 1 */
    int64_t stage_start[ORDO_EXP_MAX_RAMP];
    ordo_exp_assigner_t *assigners; /* n_stages, owned */
    exp_fast_t *fast;               /* n_stages, owned; fast[k].a = &assigners[k] */
    bool switchback;
    ordo_exp_cluster_t cluster;
    ordo_exp_switchback_t sb;
    bool stratified;
    ordo_exp_cluster_t stratum;
    ordo_exp_blocks_t blocks;
    char seed[ORDO_EXP_SEED_MAX];
    size_t seed_len;
    size_t n_strata;
    strat_counter_t *counters; /* n_strata, owned */
    uint64_t chunk;            /* sequence numbers per chunk */
    bool has_shadow;
    char shadow_version[ORDO_POLICY_VERSION_LEN];
    bool has_namespace;
    char layer[ORDO_EXP_NAMESPACE_MAX];
    double ns_start, ns_end;
} snap_exp_t;

struct ordo_exp_snapshot {
    size_t n;
    snap_exp_t *exps;
    char default_version[ORDO_POLICY_VERSION_LEN];
    uint64_t generation;
};

static const char *const route_reason_names[] = {
    "assigned",     "missing unit", "holdout", "outside namespace", "outside coverage",
    "targeted out", "not running",  "killed",  "overlap",           "outside schedule"};

const char *ordo_exp_snapshot_control_version(const ordo_exp_snapshot_t *snap, size_t i)
{
    if (!snap || i >= snap->n || snap->exps[i].n_variants == 0)
        return NULL;
    return snap->exps[i].versions[0];
}

const char *ordo_exp_route_reason_name(ordo_exp_route_reason_t r)
{
    if ((unsigned)r < sizeof route_reason_names / sizeof route_reason_names[0])
        return route_reason_names[r];
    return "unknown";
}

/* ---- build ---- */

static void snap_exp_free(snap_exp_t *s)
{
    ordo_cond_destroy(s->targeting);
    free(s->assigners);
    free(s->fast);
    free(s->counters);
}

void ordo_exp_snapshot_destroy(ordo_exp_snapshot_t *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->n; i++)
        snap_exp_free(&snap->exps[i]);
    free(snap->exps);
    free(snap);
}

size_t ordo_exp_snapshot_count(const ordo_exp_snapshot_t *snap)
{
    return snap ? snap->n : 0;
}

uint64_t ordo_exp_snapshot_generation(const ordo_exp_snapshot_t *snap)
{
    return snap ? snap->generation : 0;
}

static bool routed(const ordo_exp_t *e)
{
    return e->status.state == ORDO_EXP_RUNNING ||
           (e->status.state == ORDO_EXP_STOPPED && e->status.killed);
}

/* Targeting of s: the condition's compiled form, evaluated by the one
 * evaluator of the policy module (no condition: everyone). */
static inline bool targeted(const snap_exp_t *s, const ordo_order_ctx_t *ctx)
{
    return ordo_cond_eval(s->targeting, ctx);
}

static int compile(const ordo_exp_t *e, snap_exp_t *s, ordo_error_t *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", e->id);
    s->unit = e->unit;
    s->killed = e->status.killed;
    s->running = e->status.state == ORDO_EXP_RUNNING;
    s->started_at = e->status.started_at;
    s->warmup_end = e->status.started_at + (int64_t)(e->warmup_hours * 3600.0 + 0.5);
    s->n_variants = e->n_variants;
    double w[ORDO_EXP_MAX_ARMS];
    for (size_t i = 0; i < e->n_variants; i++) {
        snprintf(s->keys[i], sizeof s->keys[i], "%s", e->variants[i].key);
        snprintf(s->versions[i], sizeof s->versions[i], "%s", e->variants[i].policy_version);
        w[i] = e->variants[i].weight;
    }
    const char *seed = e->seed[0] ? e->seed : e->id;
    snprintf(s->seed, sizeof s->seed, "%s", seed);
    s->seed_len = strlen(s->seed);
    s->has_shadow = e->has_shadow;
    if (e->has_shadow)
        snprintf(s->shadow_version, sizeof s->shadow_version, "%s", e->shadow.policy_version);
    s->has_namespace = e->has_namespace;
    snprintf(s->layer, sizeof s->layer, "%s", e->layer);
    s->ns_start = e->namespace_start;
    s->ns_end = e->namespace_end;
    s->targeting = ordo_cond_ref(e->targeting); /* immutable: shared, not copied */
    int rc;
    if (e->unit == ORDO_EXP_UNIT_SWITCHBACK) {
        s->switchback = true;
        s->cluster = e->cluster;
        return ordo_exp_switchback_of(e, &s->sb, err);
    }
    s->n_stages = e->n_ramp ? e->n_ramp : 1;
    s->assigners = calloc(s->n_stages, sizeof *s->assigners);
    s->fast = calloc(s->n_stages, sizeof *s->fast);
    if (!s->assigners || !s->fast)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_exp_holdout_spec_t hs[ORDO_EXP_MAX_HOLDOUTS];
    for (size_t i = 0; i < e->n_holdouts; i++)
        hs[i] = (ordo_exp_holdout_spec_t){.seed = e->holdout_seeds[i],
                                          .fraction = e->holdout_fractions[i],
                                          .hash_version = e->hash_version};
    for (size_t k = 0; k < s->n_stages; k++) {
        double cov = e->coverage;
        if (e->n_ramp) {
            double p = e->ramp[k].percent / 100.0;
            cov = p < cov ? p : cov;
            s->stage_start[k] = e->status.started_at + (int64_t)(e->ramp[k].after_hours * 3600.0);
        }
        ordo_exp_assign_spec_t spec = {.key = e->id,
                                       .seed = seed,
                                       .hash_version = e->hash_version,
                                       .n_arms = e->n_variants,
                                       .weights = w,
                                       .n_weights = e->n_variants,
                                       .coverage = cov,
                                       .namespace_name = e->has_namespace ? e->layer : NULL,
                                       .namespace_start = e->namespace_start,
                                       .namespace_end = e->namespace_end,
                                       .holdouts = hs,
                                       .n_holdouts = e->n_holdouts};
        rc = ordo_exp_assigner_init(&s->assigners[k], &spec, err);
        if (rc)
            return rc;
        exp_fast_init(&s->fast[k], &s->assigners[k]);
    }
    if (e->stratified) {
        s->stratified = true;
        s->stratum = e->stratum;
        rc = ordo_exp_blocks_init(&s->blocks, e->n_variants, w, e->n_variants, e->block_size,
                                  e->hash_version, err);
        if (rc)
            return rc;
        s->chunk = (uint64_t)s->blocks.size * CTR_BLOCKS_PER_CHUNK;
        s->n_strata = e->stratum == ORDO_EXP_CLUSTER_REGION ? N_REGION_STRATA : N_STATE_STRATA;
        s->counters = calloc(s->n_strata, sizeof *s->counters);
        if (!s->counters)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        for (size_t i = 0; i < s->n_strata; i++) {
            atomic_init(&s->counters[i].cur, CTR_EMPTY);
            atomic_init(&s->counters[i].spare, CTR_EMPTY);
            atomic_init(&s->counters[i].touched, 0);
        }
    }
    return ORDO_OK;
}

static int cmp_exp(const void *a, const void *b)
{
    const snap_exp_t *x = a, *y = b;
    if (x->started_at != y->started_at)
        return x->started_at < y->started_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

int ordo_exp_snapshot_build(const ordo_exp_t *const *exps, size_t n, const char *default_version,
                            ordo_exp_snapshot_t **out, ordo_error_t *err)
{
    *out = NULL;
    ordo_exp_snapshot_t *snap = calloc(1, sizeof *snap);
    if (!snap)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    snprintf(snap->default_version, sizeof snap->default_version, "%s",
             default_version ? default_version : "");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += routed(exps[i]);
    if (m > ORDO_EXP_ROUTE_MAX) {
        free(snap);
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, "experiments",
                              "%zu experiments affect traffic; at most %d can", m,
                              ORDO_EXP_ROUTE_MAX);
    }
    snap->exps = calloc(m ? m : 1, sizeof *snap->exps);
    if (!snap->exps) {
        free(snap);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (!routed(exps[i]))
            continue;
        int rc = compile(exps[i], &snap->exps[snap->n], err);
        snap->n++;
        if (rc) {
            ordo_exp_snapshot_destroy(snap);
            return rc;
        }
    }
    qsort(snap->exps, snap->n, sizeof *snap->exps, cmp_exp);
    *out = snap;
    return ORDO_OK;
}

typedef struct collect_ctx {
    ordo_exp_t **v;
    size_t n, cap;
    int rc;
} collect_ctx_t;

static int collect_fn(void *vctx, const ordo_exp_t *e)
{
    collect_ctx_t *c = vctx;
    if (!routed(e))
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        ordo_exp_t **v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return c->rc = ORDO_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    ordo_exp_t *copy = malloc(sizeof *copy);
    if (!copy)
        return c->rc = ORDO_ENOMEM;
    *copy = *e;
    copy->targeting = ordo_cond_ref(e->targeting); /* the copy holds its own reference */
    c->v[c->n++] = copy;
    return 0;
}

int ordo_exp_snapshot_load(ordo_exp_registry_t *reg, ordo_exp_snapshot_t **out, ordo_error_t *err)
{
    *out = NULL;
    uint64_t gen = 0;
    int rc = ordo_exp_registry_generation(reg, &gen, err);
    if (rc)
        return rc;
    char def[ORDO_POLICY_VERSION_LEN] = "";
    rc = ordo_exp_default_policy_get(reg->store, def, NULL, NULL, err);
    if (rc == ORDO_ENOTFOUND) {
        ordo_error_clear(err);
        def[0] = '\0';
    } else if (rc) {
        return rc;
    }
    collect_ctx_t c = {0};
    rc = ordo_exp_registry_list(reg, collect_fn, &c, err);
    if (c.rc)
        rc = ordo_error_set(err, c.rc, NULL, 0, NULL, "out of memory");
    if (rc == ORDO_OK)
        rc = ordo_exp_snapshot_build((const ordo_exp_t *const *)c.v, c.n, def, out, err);
    for (size_t i = 0; i < c.n; i++)
        ordo_exp_destroy(c.v[i]);
    free(c.v);
    if (rc)
        return rc;
    (*out)->generation = gen;
    /* regions: reserve a chunk for every stratum up front */
    for (size_t i = 0; i < (*out)->n; i++) {
        snap_exp_t *s = &(*out)->exps[i];
        if (s->stratified && s->stratum == ORDO_EXP_CLUSTER_REGION)
            for (size_t k = 0; k < s->n_strata; k++)
                atomic_store(&s->counters[k].touched, 1);
    }
    rc = ordo_exp_snapshot_refill(*out, reg->store, err);
    if (rc) {
        ordo_exp_snapshot_destroy(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- strata ---- */

static size_t stratum_index(const snap_exp_t *s, const ordo_order_ctx_t *ctx)
{
    if (s->stratum == ORDO_EXP_CLUSTER_REGION) {
        ordo_geo_region_t r;
        if (ordo_geo_region_parse(ctx->region, &r) != ORDO_OK)
            r = ORDO_REGION_UNKNOWN;
        return (size_t)r;
    }
    const char *st = ctx->state;
    if (st && st[0] >= 'A' && st[0] <= 'Z' && st[1] >= 'A' && st[1] <= 'Z' && !st[2])
        return (size_t)(st[0] - 'A') * 26 + (size_t)(st[1] - 'A');
    return N_STATE_STRATA - 1;
}

/* Name of stratum i into buf (3 bytes at least for states). */
static const char *stratum_name(const snap_exp_t *s, size_t i, char *buf)
{
    if (s->stratum == ORDO_EXP_CLUSTER_REGION)
        return ordo_geo_region_name((ordo_geo_region_t)i);
    if (i == N_STATE_STRATA - 1)
        return "unknown";
    buf[0] = (char)('A' + i / 26);
    buf[1] = (char)('A' + i % 26);
    buf[2] = '\0';
    return buf;
}

/* Takes the next sequence number of a stratum: true and *seq, or false when
 * no chunk is left (*needs_refill set). Lock-free. */
static bool take_seq(const snap_exp_t *s, strat_counter_t *c, uint64_t *seq, bool *needs_refill)
{
    if (!atomic_load_explicit(&c->touched, memory_order_relaxed))
        atomic_store_explicit(&c->touched, 1, memory_order_relaxed);
    for (;;) {
        uint64_t v = atomic_load_explicit(&c->cur, memory_order_acquire);
        if (v != CTR_EMPTY && (v & CTR_OFF_MASK) < s->chunk) {
            if (atomic_compare_exchange_weak_explicit(&c->cur, &v, v + 1, memory_order_acq_rel,
                                                      memory_order_acquire)) {
                *seq = (v >> CTR_OFF_BITS) * s->chunk + (v & CTR_OFF_MASK);
                if ((v & CTR_OFF_MASK) + 1 == s->chunk)
                    *needs_refill = true;
                return true;
            }
            continue;
        }
        uint64_t sp = atomic_load_explicit(&c->spare, memory_order_acquire);
        if (sp == CTR_EMPTY) {
            *needs_refill = true;
            return false;
        }
        if (atomic_compare_exchange_strong_explicit(&c->spare, &sp, CTR_EMPTY, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            atomic_store_explicit(&c->cur, sp, memory_order_release);
            *needs_refill = true; /* the spare is gone: reserve the next */
        }
    }
}

int ordo_exp_snapshot_refill(ordo_exp_snapshot_t *snap, ordo_store_t *store, ordo_error_t *err)
{
    for (size_t i = 0; i < snap->n; i++) {
        snap_exp_t *s = &snap->exps[i];
        if (!s->stratified || !s->running)
            continue;
        /* which strata need a spare chunk? */
        bool any = false;
        for (size_t k = 0; k < s->n_strata && !any; k++)
            any = atomic_load(&s->counters[k].touched) &&
                  atomic_load(&s->counters[k].spare) == CTR_EMPTY;
        if (!any)
            continue;
        for (int tries = 0;; tries++) {
            char *json = NULL;
            size_t len = 0;
            uint64_t version = 0;
            int rc = ordo_store_doc_get(store, EXP_COUNTER_KIND, s->id, &json, &len, &version, err);
            if (rc == ORDO_ENOTFOUND) {
                ordo_error_clear(err);
                version = 0;
            } else if (rc) {
                return rc;
            }
            cJSON *root = json ? cJSON_ParseWithLength(json, len) : cJSON_CreateObject();
            free(json);
            cJSON *next = root ? cJSON_GetObjectItemCaseSensitive(root, "next_chunk") : NULL;
            if (root && !next)
                next = cJSON_AddObjectToObject(root, "next_chunk");
            if (!root || !cJSON_IsObject(next)) {
                cJSON_Delete(root);
                return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "exp_counter",
                                      "stratified counters of '%s' are damaged", s->id);
            }
            uint64_t got[N_STATE_STRATA];
            for (size_t k = 0; k < s->n_strata; k++) {
                got[k] = CTR_EMPTY;
                if (!atomic_load(&s->counters[k].touched) ||
                    atomic_load(&s->counters[k].spare) != CTR_EMPTY)
                    continue;
                char nb[4];
                const char *name = stratum_name(s, k, nb);
                cJSON *x = cJSON_GetObjectItemCaseSensitive(next, name);
                double chunk_no = cJSON_IsNumber(x) ? x->valuedouble : 0;
                got[k] = (uint64_t)chunk_no;
                if (x)
                    cJSON_SetNumberValue(x, chunk_no + 1);
                else
                    cJSON_AddNumberToObject(next, name, chunk_no + 1);
            }
            char *body = cJSON_PrintUnformatted(root);
            cJSON_Delete(root);
            if (!body)
                return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
            rc = ordo_store_doc_put(store, EXP_COUNTER_KIND, s->id, body, strlen(body), version,
                                    NULL, err);
            free(body);
            if ((rc == ORDO_ECONFLICT || rc == ORDO_EEXIST) && tries < 8) {
                ordo_error_clear(err);
                continue; /* another process reserved meanwhile: re-read */
            }
            if (rc)
                return rc;
            for (size_t k = 0; k < s->n_strata; k++)
                if (got[k] != CTR_EMPTY) {
                    uint64_t word = got[k] << CTR_OFF_BITS;
                    uint64_t empty = CTR_EMPTY;
                    /* cur first when empty (first use), else as the spare */
                    if (!atomic_compare_exchange_strong(&s->counters[k].cur, &empty, word))
                        atomic_store(&s->counters[k].spare, word);
                }
            break;
        }
    }
    return ORDO_OK;
}

/* ---- route ---- */

static const char *cluster_of(ordo_exp_cluster_t c, const ordo_order_ctx_t *ctx)
{
    return c == ORDO_EXP_CLUSTER_REGION ? ctx->region : ctx->state;
}

static const char *unit_of(const snap_exp_t *s, const ordo_order_ctx_t *ctx,
                           const ordo_exp_units_t *u)
{
    if (s->unit == ORDO_EXP_UNIT_CUSTOMER) {
        if (u && u->customer_id)
            return u->customer_id;
        return ctx->customer_id;
    }
    return u ? u->order_id : NULL;
}

static inline void entry_reset(ordo_exp_route_entry_t *r, const snap_exp_t *s)
{
    r->experiment = s->id;
    r->variant = NULL;
    r->policy_version = NULL;
    r->variant_index = -1;
    r->bucket = -1;
    r->in_experiment = false;
    r->in_warmup = false;
    r->excluded = false;
    r->stratified = false;
    r->unit = NULL;
    r->cluster = NULL;
    r->window = -1;
}

/* The arm of a switchback experiment: the (cluster, window) slot's. *arm is
 * -1, with r->reason set, when the order has no cluster or falls outside
 * the schedule. */
static inline int switchback_arm(const snap_exp_t *s, const ordo_order_ctx_t *ctx, int64_t now,
                                 ordo_exp_route_entry_t *r, int *arm, ordo_error_t *err)
{
    *arm = -1;
    const char *cl = cluster_of(s->cluster, ctx);
    if (!cl || !*cl) {
        r->reason = ORDO_EXP_ROUTE_MISSING_UNIT;
        return ORDO_OK;
    }
    ordo_exp_switchback_slot_t slot;
    int rc = ordo_exp_switchback_arm(&s->sb, cl, strlen(cl), now, &slot, err);
    if (rc)
        return rc;
    if (!slot.in_schedule) {
        r->reason = ORDO_EXP_ROUTE_SCHEDULE;
        return ORDO_OK;
    }
    *arm = slot.arm;
    r->excluded = slot.excluded;
    r->cluster = cl;
    r->window = (int64_t)slot.window;
    return ORDO_OK;
}

/* The arm of a hashed experiment: the unit's bucket under the ramp stage in
 * force at now. *arm is -1, with r->reason set, when the unit is not in. */
static inline int hashed_arm(const snap_exp_t *s, const ordo_order_ctx_t *ctx,
                             const ordo_exp_units_t *units, int64_t now,
                             ordo_exp_route_entry_t *r, int *arm, ordo_error_t *err)
{
    *arm = -1;
    const char *key = unit_of(s, ctx, units);
    size_t stage = 0;
    for (size_t k = 1; k < s->n_stages; k++)
        if (now >= s->stage_start[k])
            stage = k;
    ordo_exp_assignment_t a;
    int rc = exp_fast_assign(&s->fast[stage], key, &a, err);
    if (rc)
        return rc;
    r->bucket = a.bucket;
    r->unit = key && *key ? key : NULL;
    if (!a.in_experiment) {
        r->reason = (ordo_exp_route_reason_t)a.reason;
        return ORDO_OK;
    }
    *arm = a.arm;
    return ORDO_OK;
}

/* Stratified assignment replaces the hashed arm by the permuted block's,
 * when the stratum's counter has a sequence number to give. */
static inline int stratified_arm(const snap_exp_t *s, const ordo_order_ctx_t *ctx,
                                 ordo_exp_route_t *out, ordo_exp_route_entry_t *r, int *arm,
                                 ordo_error_t *err)
{
    uint64_t seq;
    strat_counter_t *c = &s->counters[stratum_index(s, ctx)];
    if (!take_seq(s, c, &seq, &out->needs_refill))
        return ORDO_OK;
    char nb[4];
    const char *name = stratum_name(s, (size_t)(c - s->counters), nb);
    int rc = ordo_exp_blocks_arm(&s->blocks, s->seed, s->seed_len, name, strlen(name), seq, arm,
                                 err);
    if (rc == ORDO_OK)
        r->stratified = true;
    return rc;
}

/* The first experiment to assign an order acts on it. */
static inline void act(ordo_exp_route_t *out, size_t i, const ordo_exp_route_entry_t *r)
{
    if (out->acting < 0) {
        out->acting = (int)i;
        out->policy_version = r->policy_version;
    }
}

int ordo_exp_route(const ordo_exp_snapshot_t *snap, const ordo_order_ctx_t *ctx,
                   const ordo_exp_units_t *units, int64_t now, ordo_exp_route_t *out,
                   ordo_error_t *err)
{
    out->n = 0;
    out->acting = -1;
    out->needs_refill = false;
    out->policy_version = snap->default_version;
    for (size_t i = 0; i < snap->n; i++) {
        const snap_exp_t *s = &snap->exps[i];
        ordo_exp_route_entry_t *r = &out->entries[out->n++];
        entry_reset(r, s);
        if (!targeted(s, ctx)) {
            r->reason = ORDO_EXP_ROUTE_TARGETED_OUT;
            continue;
        }
        int arm;
        int rc = s->switchback ? switchback_arm(s, ctx, now, r, &arm, err)
                               : hashed_arm(s, ctx, units, now, r, &arm, err);
        if (rc)
            return rc;
        if (arm < 0)
            continue;
        if (s->killed) {
            r->reason = ORDO_EXP_ROUTE_KILLED;
            r->variant_index = 0;
            r->variant = s->keys[0];
            r->policy_version = s->versions[0];
            act(out, i, r);
            continue;
        }
        if (out->acting >= 0) {
            r->reason = ORDO_EXP_ROUTE_OVERLAP;
            continue;
        }
        if (s->stratified && (rc = stratified_arm(s, ctx, out, r, &arm, err)))
            return rc;
        r->reason = ORDO_EXP_ROUTE_ASSIGNED;
        r->in_experiment = true;
        r->variant_index = arm;
        r->variant = s->keys[arm];
        r->policy_version = s->versions[arm];
        r->in_warmup = now < s->warmup_end;
        r->excluded = r->excluded || r->in_warmup;
        act(out, i, r);
    }
    return ORDO_OK;
}

int ordo_exp_shadow_policies(const ordo_exp_snapshot_t *snap, const ordo_order_ctx_t *ctx,
                             const ordo_exp_units_t *units, const ordo_exp_route_t *route,
                             ordo_exp_shadow_t *out, size_t cap, size_t *n, ordo_error_t *err)
{
    *n = 0;
    for (size_t i = 0; i < snap->n; i++) {
        const snap_exp_t *s = &snap->exps[i];
        if (!s->has_shadow || !s->running || s->killed)
            continue;
        if (!targeted(s, ctx))
            continue;
        if (s->has_namespace) {
            const char *key = unit_of(s, ctx, units);
            if (!key || !*key)
                continue;
            bool in;
            int rc = ordo_exp_in_namespace(s->layer, strlen(s->layer), s->ns_start, s->ns_end, key,
                                           strlen(key), &in, err);
            if (rc)
                return rc;
            if (!in)
                continue;
        }
        if (*n < cap) {
            ordo_exp_shadow_t *sh = &out[*n];
            sh->experiment = s->id;
            sh->policy_version = s->shadow_version;
            sh->variant = NULL;
            if (route && i < route->n && route->entries[i].experiment == s->id &&
                route->entries[i].in_experiment)
                sh->variant = route->entries[i].variant;
        }
        (*n)++;
    }
    return ORDO_OK;
}
