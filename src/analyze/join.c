/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — data directories: the experiment from the registry, the
 * outcome summaries from the store (once, into a hash index by order id),
 * decision records in log order, joined into rows for the core. The records
 * come as facts (facts.c): from the facts table DIR/facts (facts_io.c), or,
 * on the record path, read from DIR/log here; the join is the same code. */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"
/* ------------------------------------------------------------------ */
/* A cheap pre-scan of the log: which experiments and variants appear. */

#define SCAN_MAX 64
typedef struct scan_exp {
    char id[ORDO_EXP_ID_MAX];
    uint64_t n;
    size_t n_variants;
    char variants[ORDO_EXP_MAX_ARMS][ORDO_EXP_KEY_MAX];
} scan_exp_t;

/* One decision of experiment id (and variant var): its index, SIZE_MAX
 * when SCAN_MAX experiments are known already. */
static size_t scan_add(scan_exp_t *exps, size_t *n_exps, const char *id, const char *var)
{
    size_t i = 0;
    while (i < *n_exps && strcmp(exps[i].id, id))
        i++;
    if (i == *n_exps) {
        if (*n_exps == SCAN_MAX)
            return SIZE_MAX;
        memset(&exps[i], 0, sizeof exps[i]);
        snprintf(exps[i].id, sizeof exps[i].id, "%s", id);
        (*n_exps)++;
    }
    exps[i].n++;
    if (var) {
        size_t j = 0;
        while (j < exps[i].n_variants && strcmp(exps[i].variants[j], var))
            j++;
        if (j == exps[i].n_variants && j < ORDO_EXP_MAX_ARMS)
            snprintf(exps[i].variants[exps[i].n_variants++], ORDO_EXP_KEY_MAX, "%s", var);
    }
    return i;
}

/* The same from the facts table: the byte scan's results are in the rows,
 * as interned ids (equal ids, equal strings). */
static int scan_facts(const an_facts_t *facts, scan_exp_t *exps, size_t *n_exps, ordo_error_t *err)
{
    uint32_t *eid = calloc(SCAN_MAX * (1 + ORDO_EXP_MAX_ARMS), sizeof *eid);
    if (!eid)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    uint32_t *vid = eid + SCAN_MAX; /* [i * ORDO_EXP_MAX_ARMS + j] */
    for (size_t r = 0, n = an_facts_count(facts); r < n; r++) {
        const an_fact_t *f = an_facts_row(facts, r);
        if ((f->flags & AN_F_SHADOW) || !(f->flags & AN_F_SCAN_EXP))
            continue;
        size_t i = 0;
        while (i < *n_exps && eid[i] != f->scan_exp)
            i++;
        if (i == *n_exps) {
            if (i == SCAN_MAX)
                continue;
            eid[i] = f->scan_exp;
        }
        bool var = f->flags & AN_F_SCAN_VAR;
        uint32_t *vs = &vid[i * ORDO_EXP_MAX_ARMS];
        size_t j = 0, nv = i < *n_exps ? exps[i].n_variants : 0;
        while (var && j < nv && vs[j] != f->scan_var)
            j++;
        bool new_var = var && j == nv && nv < ORDO_EXP_MAX_ARMS;
        if (new_var)
            vs[j] = f->scan_var;
        if (i == *n_exps || new_var) /* a new experiment or variant: by name */
            scan_add(exps, n_exps, an_strings_get(&facts->str, f->scan_exp),
                     new_var ? an_strings_get(&facts->str, f->scan_var) : NULL);
        else
            exps[i].n++;
    }
    free(eid);
    return ORDO_OK;
}

/* The same from the table's census (an_facts_census): its pairs come in
 * the order of their first rows, so experiments and variants come in the
 * order scan_facts finds them, with the same counts. */
static void scan_census(const an_facts_t *facts, scan_exp_t *exps, size_t *n_exps)
{
    const an_census_t *c = &facts->census;
    for (size_t k = 0; k < c->n; k++) {
        const an_census_pair_t *p = &c->pairs[k];
        /* the pair's first row as scan_facts meets it, then its others */
        size_t i = scan_add(exps, n_exps, an_strings_get(&facts->str, p->exp),
                            an_strings_get(&facts->str, p->var));
        if (i != SIZE_MAX)
            exps[i].n += p->n - 1;
    }
}

/* From the facts table (its census, else its rows), else from the log. */
static int scan_log(const char *logdir, an_facts_t *facts, scan_exp_t *exps, size_t *n_exps,
                    ordo_error_t *err)
{
    *n_exps = 0;
    if (facts && an_facts_census(facts)) {
        facts->census_read = true;
        scan_census(facts, exps, n_exps);
        return ORDO_OK;
    }
    if (facts)
        return scan_facts(facts, exps, n_exps, err);
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(logdir, NULL, &it, err);
    if (rc)
        return rc;
    ordo_log_record_t rec;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        char id[ORDO_EXP_ID_MAX], var[ORDO_EXP_KEY_MAX];
        if (!an_scan_str(rec.payload, rec.len, "\"experiment\"", id, sizeof id))
            continue;
        bool hv = an_scan_str(rec.payload, rec.len, "\"variant\"", var, sizeof var);
        scan_add(exps, n_exps, id, hv ? var : NULL);
    }
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

/* ------------------------------------------------------------------ */ /* ------------------------------------------------------------------
                                                                          */
/* The join, over facts (facts.c): the same code whether the facts were
 * read from the log just now or from the facts table. */

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* An order id as the join compares it: never equal when absent or too long
 * (the join keeps ids in ORDO_OUTCOME_ID_MAX bytes). */
typedef struct oid_key {
    bool ok;
    uint64_t h[2];
} oid_key_t;

static oid_key_t key_of(bool present, bool long_id, const uint64_t h[2])
{
    oid_key_t k = {present && !long_id, {h[0], h[1]}};
    return k;
}

static bool key_eq(const oid_key_t *a, const oid_key_t *b)
{
    return a->ok && b->ok && a->h[0] == b->h[0] && a->h[1] == b->h[1];
}

/* The steps of on_fact, taken into it: it is compiled for AVX2 beside
 * x86-64 (AN_CLONES), and GCC inlines no function into such a clone
 * unless told to. */
#define JOIN_INLINE static inline __attribute__((always_inline))

/* Two interned ids name the same string. */
static bool id_eq(uint32_t a, uint32_t b)
{
    return a != AN_ID_NONE && a != AN_ID_LONG && a == b;
}

/* Breakdown labels of one dimension: string id → label index. */
enum { JOIN_LABEL_IDS = 256 };
typedef struct join_labels {
    uint32_t id[2 * ORDO_AN_LABELS];
    uint8_t label[2 * ORDO_AN_LABELS];
    uint32_t n_ids, n_labels;
    /* label + 1 of the ids below JOIN_LABEL_IDS met so far, 0 not yet: an
     * id's label never changes once given (label_of) */
    uint8_t by_id[JOIN_LABEL_IDS];
} join_labels_t;

typedef struct join_ctx {
    ordo_analysis_t *a;
    an_outcomes_t oc;
    size_t oc_next;    /* the outcome row after the last one found */
    an_strings_t *str; /* the facts table's, or own_str on the record path */
    an_strings_t own_str;
    ordo_analyze_counts_t counts;
    int64_t warmup_end;
    uint32_t exp_id, cv_id, var_id[ORDO_EXP_MAX_ARMS]; /* the configuration's strings */
    /* the decision waiting for a shadow record of the same order */
    bool pending;
    ordo_analyze_row_t rows[2]; /* rows[cur]: the pending one; the next is built in the other */
    int cur;
    oid_key_t pending_order;
    /* a shadow that came before its decision */
    oid_key_t shadow_order;
    double shadow_cost;
    /* shadow comparison: the last decision record (any experiment), kept
     * until the next one so a shadow record logged after it can pair */
    bool sh_on;      /* the experiment may have shadow records */
    bool dec_valid;  /* a decision is held */
    bool dec_used;   /* already paired */
    bool dec_parsed; /* dec_sum is set (the record reads and has a plan) */
    int dec_arm;     /* variant index, -1 not in the experiment, -2 left out */
    oid_key_t dec_order;
    ordo_analyze_plan_summary_t dec_sum;
    /* a shadow record of this experiment that came before its decision */
    bool early;
    oid_key_t early_order;
    int64_t early_ts;
    ordo_analyze_plan_summary_t early_sum;
    ordo_analyze_shadow_info_t sh;
    /* breakdown labels: string id → label index, per dimension (channel,
     * promotion, carrier: from a carrier service's id) */
    join_labels_t lab[3];
    const ordo_network_t *net; /* services → carriers; NULL: the service id */
    uint32_t pickup_id;        /* the string id of "pickup" once seen; AN_ID_NONE before */
    uint32_t not_pickup[8];    /* service ids known to be another string */
    uint32_t n_not_pickup;
    /* a service id's carrier as row_carriers takes it, for the ids below
     * JOIN_LABEL_IDS: 0 not met yet, 1 pickup, else its label + 2 */
    uint8_t svc_carrier[JOIN_LABEL_IDS];
    uint32_t sh_pv_id; /* the first shadow's policy version id */
    /* a variant string id's arm as decision_arm takes it, for the ids below
     * JOIN_LABEL_IDS: 0 not met yet, 1 no variant of the experiment, else
     * its index + 2 (variant_index, once per id) */
    uint8_t var_arm[JOIN_LABEL_IDS];
} join_ctx_t;

/* The label of a channel (dim 0) or promotion (dim 1) string id: the
 * string's index among those seen so far (names kept in the analysis's
 * configuration for the reports), "other" past ORDO_AN_LABELS - 1. Absent
 * or empty values read as dflt. Ids are cached, names compared only on a
 * new id. */
static const char *label_name(const join_ctx_t *j, int dim, uint32_t id, const char *dflt)
{
    const char *s = id == AN_ID_LONG && dim == 2 ? "other" : an_strings_get(j->str, id);
    if (dim == 2 && s && j->net) { /* a carrier service → its carrier */
        int32_t k = ordo_network_service(j->net, s);
        if (k >= 0 && j->net->services[k].carrier[0])
            s = j->net->services[k].carrier;
    }
    return !s || !s[0] ? dflt : s;
}

static uint8_t label_find(join_ctx_t *j, int dim, uint32_t id, const char *dflt)
{
    join_labels_t *L = &j->lab[dim];
    for (uint32_t i = 0; i < L->n_ids; i++)
        if (L->id[i] == id)
            return L->label[i];
    ordo_analyze_config_t *cfg = &j->a->cfg;
    char(*names)[32] = dim == 2 ? cfg->carrier_names
                       : dim    ? cfg->promotion_names
                                : cfg->channel_names;
    const char *s = label_name(j, dim, id, dflt);
    uint8_t label = ORDO_AN_LABELS - 1;
    for (uint32_t i = 0; i < L->n_labels; i++)
        if (!strncmp(names[i], s, sizeof names[i] - 1)) {
            label = (uint8_t)i;
            break;
        }
    if (label == ORDO_AN_LABELS - 1 && L->n_labels < ORDO_AN_LABELS - 1) {
        label = (uint8_t)L->n_labels++;
        snprintf(names[label], sizeof names[label], "%s", s);
    }
    if (L->n_ids < 2 * ORDO_AN_LABELS) {
        L->id[L->n_ids] = id;
        L->label[L->n_ids++] = label;
    }
    return label;
}

/* label_find, read from the ids' table once an id was met (the strings'
 * ids are small: one per distinct string of the facts). */
static inline uint8_t label_of(join_ctx_t *j, int dim, uint32_t id, const char *dflt)
{
    join_labels_t *L = &j->lab[dim];
    if (id < JOIN_LABEL_IDS && L->by_id[id])
        return (uint8_t)(L->by_id[id] - 1);
    const uint8_t label = label_find(j, dim, id, dflt);
    if (id < JOIN_LABEL_IDS)
        L->by_id[id] = (uint8_t)(label + 1);
    return label;
}

/* Interns the configuration's strings, so facts compare by id. */
static int join_ids(join_ctx_t *j, ordo_error_t *err)
{
    const ordo_analyze_config_t *cfg = &j->a->cfg;
    int rc = an_strings_intern(j->str, cfg->experiment, &j->exp_id);
    j->cv_id = AN_ID_LONG;
    if (!rc && cfg->policy_versions[0][0])
        rc = an_strings_intern(j->str, cfg->policy_versions[0], &j->cv_id);
    for (size_t i = 0; i < j->a->V && !rc; i++)
        rc = an_strings_intern(j->str, cfg->variants[i], &j->var_id[i]);
    return rc ? ordo_error_set(err, rc, NULL, 0, NULL, "out of memory") : ORDO_OK;
}

JOIN_INLINE int flush_pending(join_ctx_t *j, ordo_error_t *err)
{
    if (!j->pending)
        return ORDO_OK;
    j->pending = false;
    const ordo_analyze_row_t *row = &j->rows[j->cur];
    if (!isfinite(row->v[ORDO_AF_CONTROL_COST]))
        j->counts.covariate_missing++;
    return ordo_analysis_add(j->a, row, err);
}

JOIN_INLINE bool is_control_policy(const join_ctx_t *j, const an_fact_t *f)
{
    return id_eq(f->policy_version, j->cv_id);
}

JOIN_INLINE void on_shadow(join_ctx_t *j, const an_fact_t *f)
{
    if (!(f->flags & AN_F_OID) || !is_control_policy(j, f))
        return;
    double c = f->dv[AN_DV_COST];
    if (!isfinite(c))
        return;
    oid_key_t k = key_of(true, f->flags & AN_F_OID_LONG, f->oid);
    if (j->pending && key_eq(&k, &j->pending_order)) {
        double *cc = &j->rows[j->cur].v[ORDO_AF_CONTROL_COST];
        if (!isfinite(*cc))
            *cc = c;
    } else {
        j->shadow_order = k;
        j->shadow_cost = c;
    }
}

JOIN_INLINE int variant_index(const join_ctx_t *j, uint32_t id)
{
    for (size_t i = 0; i < j->a->V; i++)
        if (id_eq(id, j->var_id[i]))
            return (int)i;
    return -1;
}

/* The arm of a decision of the analysed experiment: its variant index, or
 * -1 when it is not analysed (counted). *arm: on_decision's verdict so
 * far, -1 not of the experiment, -2 of it but left out. */
JOIN_INLINE int decision_arm(join_ctx_t *j, const an_fact_t *f, int *arm)
{
    *arm = -1;
    if (f->experiment == AN_ID_NONE) {
        j->counts.no_experiment++;
        return -1;
    }
    if (!id_eq(f->experiment, j->exp_id)) {
        j->counts.other_experiment++;
        return -1;
    }
    *arm = -2;
    _Static_assert(ORDO_EXP_MAX_ARMS + 2 <= 256, "an arm + 2 in a byte");
    const uint32_t v = f->variant;
    int vi;
    if (v < JOIN_LABEL_IDS && j->var_arm[v]) {
        vi = (int)j->var_arm[v] - 2;
    } else {
        vi = variant_index(j, v);
        if (v < JOIN_LABEL_IDS)
            j->var_arm[v] = (uint8_t)(vi + 2);
    }
    if (vi < 0) {
        j->counts.unknown_variant++;
        return -1;
    }
    /* the decision path marks orders that are not exposures: killed back to
     * control, warm-up, burn-in/out */
    if (f->flags & AN_F_EXCLUDED) {
        j->counts.excluded_flagged++;
        return -1;
    }
    if (!(f->flags & AN_F_OID)) {
        j->counts.bad_records++;
        return -1;
    }
    return vi;
}

/* The row's randomization unit: the one assignment chose, as the record
 * carries it (customer id, or switchback "cluster:window"), keyed by its
 * hash. An order-level experiment needs none. *skip when the record lacks
 * it. */
JOIN_INLINE int row_unit(join_ctx_t *j, const an_fact_t *f, ordo_analyze_row_t *row, bool *skip,
                         ordo_error_t *err)
{
    *skip = false;
    if (j->a->cfg.unit == ORDO_EXP_UNIT_ORDER)
        return ORDO_OK;
    if (!(f->flags & AN_F_UNIT)) {
        j->counts.bad_records++;
        *skip = true;
        return ORDO_OK;
    }
    return ordo_analysis_unit(j->a, (const char *)f->unit, sizeof f->unit, &row->unit, err);
}

/* The service id names "pickup" (ids compared once their string was). */
static bool is_pickup(join_ctx_t *j, uint32_t id)
{
    if (j->pickup_id != AN_ID_NONE && id == j->pickup_id)
        return true;
    for (uint32_t i = 0; i < j->n_not_pickup; i++)
        if (j->not_pickup[i] == id)
            return false;
    const char *s = an_strings_get(j->str, id);
    if (s && !strcmp(s, "pickup")) {
        j->pickup_id = id;
        return true;
    }
    if (j->n_not_pickup < sizeof j->not_pickup / sizeof j->not_pickup[0])
        j->not_pickup[j->n_not_pickup++] = id;
    return false;
}

/* A service id's carrier as row_carriers takes it: 1 pickup, else its
 * label + 2; kept for the ids below JOIN_LABEL_IDS (svc_carrier). */
static __attribute__((noinline)) unsigned svc_carrier_find(join_ctx_t *j, uint32_t id)
{
    _Static_assert(ORDO_AN_LABELS + 2 <= 256, "a label + 2 in a byte");
    const unsigned known = is_pickup(j, id) ? 1u : 2u + label_of(j, 2, id, "unknown");
    if (id < JOIN_LABEL_IDS)
        j->svc_carrier[id] = (uint8_t)known;
    return known;
}

/* svc_carrier_find, once per id below JOIN_LABEL_IDS. */
JOIN_INLINE unsigned svc_carrier(join_ctx_t *j, uint32_t id)
{
    const unsigned known = id < JOIN_LABEL_IDS ? j->svc_carrier[id] : 0;
    return known ? known : svc_carrier_find(j, id);
}

/* row_carriers past the first service. */
static __attribute__((noinline)) void row_carriers_more(join_ctx_t *j, const an_fact_t *f,
                                                        ordo_analyze_row_t *row)
{
    for (int k = 1; k < AN_FACT_SVCS && f->svc_n[k]; k++) {
        const unsigned known = svc_carrier(j, f->svc[k]);
        if (known == 1)
            continue;
        const uint8_t c = (uint8_t)(known - 2);
        int i = 0;
        while (i < row->n_carriers && row->carrier[i] != c)
            i++;
        if (i == row->n_carriers)
            row->carrier[row->n_carriers++] = c;
        row->carrier_ships[i] += f->svc_n[k];
    }
}

/* The row's shipments per carrier (pickups are no carrier's). The row
 * comes with none; the first service's carrier is its first, the others
 * (a split plan) are added by row_carriers_more. */
JOIN_INLINE void row_carriers(join_ctx_t *j, const an_fact_t *f, ordo_analyze_row_t *row)
{
    if (!f->svc_n[0])
        return;
    const unsigned first = svc_carrier(j, f->svc[0]);
    if (first != 1) {
        row->carrier[0] = (uint8_t)(first - 2);
        row->carrier_ships[0] = f->svc_n[0];
        row->n_carriers = 1;
    }
    if (f->svc_n[1])
        row_carriers_more(j, f, row);
}

/* The outcome row of an order, as an_outcomes_find gives it. Outcome rows
 * are mostly in the order the decisions were made (a summary is added
 * when the order's first event comes), so the row after the last one found
 * is tried first: a merge join while the orders agree, read in sequence,
 * and the index's random accesses only where they do not. With order ids
 * unique in the rows (dup_oids false: the store's one summary per order)
 * a row with the id is the one the index names. */
JOIN_INLINE long find_outcome(join_ctx_t *j, const uint64_t oid[2])
{
    const an_outcomes_t *oc = &j->oc;
    size_t c = j->oc_next;
    if (c < oc->n && !oc->dup_oids && oc->v[c].oid[0] == oid[0] && oc->v[c].oid[1] == oid[1]) {
        j->oc_next = c + 1;
        return (long)c;
    }
    long i = an_outcomes_find(oc, oid);
    if (i >= 0)
        j->oc_next = (size_t)i + 1;
    return i;
}

/* A decision record read; *arm: its variant index when its row was added
 * (made pending), else as decision_arm leaves it. */
JOIN_INLINE int on_decision(join_ctx_t *j, const an_fact_t *f, int *arm, ordo_error_t *err)
{
    int vi = decision_arm(j, f, arm);
    if (vi < 0)
        return ORDO_OK;
    long oi = find_outcome(j, f->oid);
    const an_outcome_t *o = NULL;
    if (oi >= 0) {
        o = &j->oc.v[oi];
        j->oc.matched[oi] = 1;
    }
    /* outcomes that cannot be true are counted and set aside (validity.c) */
    int64_t decided = (f->flags & AN_F_HAS_TIME) ? f->ts : 0;
    if (o && !an_outcome_plainly_valid(o, decided))
        o = an_outcome_row_usable(o, decided, &j->counts) ? o : NULL;
    ordo_analyze_row_t *row = &j->rows[j->cur ^ 1]; /* not the pending one */
    /* the row read from the fact and the outcome row in place; the
     * outcome summary's way where that does not apply (the same row) */
    if (!an_row_of_fact_outcome(f, o, row)) {
        ordo_outcome_summary_t s;
        if (o)
            an_outcome_expand(o, &s);
        if (an_row_from_fact(f, o ? &s : NULL, row, NULL)) {
            j->counts.bad_records++;
            return ORDO_OK;
        }
    }
    row->variant = (uint32_t)vi;
    row->channel = label_of(j, 0, f->channel, "web");
    row->promotion = label_of(j, 1, f->promotion, "none");
    row_carriers(j, f, row);
    if (j->warmup_end && row->ts < j->warmup_end) {
        j->counts.excluded_warmup++;
        return ORDO_OK;
    }
    bool skip;
    int rc = row_unit(j, f, row, &skip, err);
    if (rc || skip)
        return rc;
    if (!o)
        j->counts.missing_outcome++;
    else if (o->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT)
        j->counts.time_inconsistent++;
    if (!isfinite(row->v[ORDO_AF_ORDER_VALUE]) || row->family == ORDO_AN_FAMILIES - 1)
        j->counts.no_catalog++;
    /* covariate: the control arm's own plan is the control policy's plan */
    if (!isfinite(row->v[ORDO_AF_CONTROL_COST]) && (vi == 0 || is_control_policy(j, f)))
        row->v[ORDO_AF_CONTROL_COST] = row->v[ORDO_AF_PLANNED_COST];
    oid_key_t k = key_of(true, f->flags & AN_F_OID_LONG, f->oid);
    if (!isfinite(row->v[ORDO_AF_CONTROL_COST]) && key_eq(&j->shadow_order, &k))
        row->v[ORDO_AF_CONTROL_COST] = j->shadow_cost;
    j->shadow_order.ok = false;
    *arm = vi;
    if ((rc = flush_pending(j, err)))
        return rc;
    j->cur ^= 1;
    j->pending = true;
    j->pending_order = k;
    return ORDO_OK;
}

/* ---- shadow comparison: pairing a decision with its shadow record ---- */

JOIN_INLINE void sh_pair(join_ctx_t *j, int arm, const ordo_analyze_plan_summary_t *real,
                         const ordo_analyze_plan_summary_t *shadow, int64_t ts)
{
    /* the main analysis leaves these out; the window starts after warm-up
     * for orders outside the experiment too */
    if (arm == -2 || (j->warmup_end && ts < j->warmup_end)) {
        j->sh.excluded++;
        return;
    }
    if (ordo_analysis_add_shadow(j->a, arm, real, shadow, NULL) != ORDO_OK)
        j->sh.excluded++;
}

JOIN_INLINE void sh_early_unpaired(join_ctx_t *j)
{
    if (j->early)
        j->sh.unpaired++;
    j->early = false;
}

/* A new decision record (before it is handled): it replaces the held one.
 * read: the join read it (else it was skipped on the byte scan, and its
 * order id is the scanned one). */
JOIN_INLINE void sh_on_decision(join_ctx_t *j, const an_fact_t *f, bool read, int arm)
{
    j->dec_valid = false;
    oid_key_t k = {false, {0, 0}};
    if (read && (f->flags & AN_F_OID))
        k = key_of(true, f->flags & AN_F_OID_LONG, f->oid);
    else if (f->flags & AN_F_SCAN_OID)
        k = key_of(true, false, f->scan_oid);
    if (!k.ok) {
        sh_early_unpaired(j);
        return;
    }
    j->dec_order = k;
    j->dec_arm = arm;
    j->dec_used = false;
    j->dec_parsed = (f->flags & AN_F_PARSED) && (f->flags & AN_F_PLAN);
    if (j->dec_parsed)
        an_summary_of_fact(f, &j->dec_sum);
    /* a skipped decision is held as it is, and read when a shadow comes */
    j->dec_valid = read ? j->dec_parsed : true;
    if (!j->early)
        return;
    /* a shadow record of this order came first */
    if (j->dec_valid && key_eq(&j->early_order, &j->dec_order) && j->dec_parsed) {
        sh_pair(j, arm, &j->dec_sum, &j->early_sum, j->early_ts);
        j->dec_used = true;
        j->early = false;
    } else {
        sh_early_unpaired(j);
    }
}

/* A shadow record (read). Shadows of this experiment are compared; every
 * shadow may also carry the CUPED covariate (on_shadow). */
JOIN_INLINE void sh_on_shadow(join_ctx_t *j, const an_fact_t *f)
{
    if (!id_eq(f->experiment, j->exp_id)) {
        j->sh.other++;
        return;
    }
    j->sh_on = true; /* from now on decisions are held for pairing */
    j->sh.records++;
    /* the policy's strings only for the first shadow and a version whose
     * id differs from the first one's */
    if (j->sh.records == 1) {
        const char *pv = an_strings_get(j->str, f->policy_version);
        const char *pn = an_strings_get(j->str, f->policy_name);
        snprintf(j->sh.policy_name, sizeof j->sh.policy_name, "%s", pn ? pn : "");
        snprintf(j->sh.policy_version, sizeof j->sh.policy_version, "%s", pv ? pv : "");
        j->sh_pv_id = f->policy_version;
    } else if (!id_eq(f->policy_version, j->sh_pv_id)) {
        const char *pv = an_strings_get(j->str, f->policy_version);
        if (strcmp(pv ? pv : "", j->sh.policy_version))
            j->sh.policy_changes++;
    }
    if (!(f->flags & AN_F_OID) || (f->flags & AN_F_OID_LONG) || !(f->flags & AN_F_HAS_TIME) ||
        !(f->flags & AN_F_PLAN)) {
        j->sh.unpaired++;
        return;
    }
    ordo_analyze_plan_summary_t sum;
    an_summary_of_fact(f, &sum);
    oid_key_t k = key_of(true, false, f->oid);
    if (j->dec_valid && !j->dec_used && key_eq(&k, &j->dec_order)) {
        if (j->dec_parsed) {
            sh_pair(j, j->dec_arm, &j->dec_sum, &sum, f->ts);
            j->dec_used = true;
        } else {
            j->sh.unpaired++;
        }
        return;
    }
    sh_early_unpaired(j);
    j->early = true;
    j->early_order = k;
    j->early_ts = f->ts;
    j->early_sum = sum;
}

/* Cheap filter: a decision of another experiment (or none) is skipped on
 * the byte scan, without its parsed fields (held while a shadow record of
 * this order may follow). */
JOIN_INLINE bool skip_unread(join_ctx_t *j, const an_fact_t *f)
{
    bool skip = false;
    if (!(f->flags & AN_F_SCAN_EXP)) {
        if (!(f->flags & AN_F_EXP_TEXT)) {
            j->counts.no_experiment++;
            skip = true;
        }
    } else if (!id_eq(f->scan_exp, j->exp_id)) {
        j->counts.other_experiment++;
        skip = true;
    }
    if (skip && j->sh_on)
        sh_on_decision(j, f, false, -1);
    return skip;
}

/* One decision or shadow record, as its fact. */
AN_CLONES static int on_fact(join_ctx_t *j, const an_fact_t *f, ordo_error_t *err)
{
    bool decision = !(f->flags & AN_F_SHADOW);
    if (decision)
        j->counts.decisions++;
    else
        j->counts.shadows++;
    if (decision && skip_unread(j, f))
        return ORDO_OK;
    if (!(f->flags & AN_F_PARSED)) {
        if (decision) {
            j->counts.bad_records++;
            j->dec_valid = false;
            sh_early_unpaired(j);
        } else {
            j->sh.other++; /* unreadable: its experiment is unknown */
        }
        return ORDO_OK;
    }
    int rc = ORDO_OK;
    if (decision) {
        int arm;
        rc = on_decision(j, f, &arm, err);
        if (!rc && j->sh_on)
            sh_on_decision(j, f, true, arm);
    } else {
        on_shadow(j, f);
        sh_on_shadow(j, f);
    }
    return rc;
}

/* The record path: every record read and turned into its fact here. */
static int read_log(join_ctx_t *j, const char *logdir, const ordo_network_t *net, ordo_error_t *err)
{
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    if (!arena)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_log_iter_t *it;
    ordo_log_query_t q = {.raw = true}; /* facts.c reads CBOR records from their tree */
    int rc = ordo_log_iter_open(logdir, &q, &it, err);
    if (rc) {
        ordo_arena_destroy(arena);
        return rc;
    }
    ordo_log_record_t rec;
    an_fact_t f;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        j->counts.records++;
        if (rec.type != ORDO_LOG_REC_DECISION && rec.type != ORDO_LOG_REC_SHADOW)
            continue;
        if ((rc = an_fact_from_log(&rec, arena, net, j->str, &f, err)) ||
            (rc = on_fact(j, &f, err)))
            break;
    }
    ordo_log_iter_close(it);
    ordo_arena_destroy(arena);
    if (rc < 0)
        return rc;
    sh_early_unpaired(j);
    return flush_pending(j, err);
}

/* Whether a fact's outcome lookup will need the index, guessed AHEAD rows
 * before the join reaches it, to prefetch only for those: a decision
 * whose order is the outcome row after the last one guessed is found by
 * find_outcome's merge, in sequence (*next moves on); a shadow looks no
 * outcome up. A wrong guess costs a prefetch, never a result. */
static bool needs_index(const join_ctx_t *j, const an_fact_t *f, size_t *next)
{
    const an_outcomes_t *oc = &j->oc;
    if (f->flags & AN_F_SHADOW)
        return false;
    if (*next < j->oc_next) /* the join found a row through the index */
        *next = j->oc_next;
    size_t c = *next;
    if (c < oc->n && !oc->dup_oids && oc->v[c].oid[0] == f->oid[0] &&
        oc->v[c].oid[1] == f->oid[1]) {
        *next = c + 1;
        return false;
    }
    return true;
}

/* The rows of a table opened unchecked differ from their sums: the join's
 * results are to be dropped (ordo_analyze_dir rebuilds the table and runs
 * again). */
static int facts_damaged(ordo_error_t *err)
{
    return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, NULL,
                          "the facts table's rows differ from their checksum");
}

/* The facts path: the rows of the facts table. A table opened unchecked
 * (an_facts_open_fused) has each block of rows hashed just before the
 * join's look-ahead reaches it (an_facts_check_next), so the rows come
 * from memory once; damage is known after the last block. An error met
 * before is the damage's when the rest of the check fails. */
static int read_facts(join_ctx_t *j, an_facts_t *t, ordo_error_t *err)
{
    size_t n = an_facts_count(t);
    if (t->unchecked && t->n_add && !an_facts_check_rest(t)) /* rows beyond the saved ones */
        return facts_damaged(err);
    const bool fused = t->unchecked;
    j->counts.records = t->other_records + n;
    /* a decision the merge join will not find in sequence (needs_index:
     * an order without outcome, or outcome rows out of the decisions'
     * order) has its index slot prefetched 16 rows ahead; the others,
     * nothing */
    enum { AHEAD = 16 };
    size_t next = 0;
    /* the census the pick read, checked against every row */
    const bool census = t->census_read && t->census.rows == n && !t->census.over;
    uint64_t recount = 0;
    for (size_t i = 0; i < n + AHEAD; i++) {
        if (fused && i % AN_FACTS_BLOCK_ROWS == 0 && i <= n && !an_facts_check_next(t))
            return facts_damaged(err);
        if (i < n) { /* row i is guessed AHEAD rows before the join reads it */
            const an_fact_t *g = an_facts_row(t, i);
            for (size_t off = 64; off < sizeof *g; off += 64) /* the row's other lines */
                __builtin_prefetch((const char *)g + off);
            if (needs_index(j, g, &next))
                an_outcomes_prefetch(&j->oc, g->oid);
        }
        if (i < AHEAD)
            continue;
        size_t r = i - AHEAD; /* the join reads row r */
        const an_fact_t *f = an_facts_row(t, r);
        if (census)
            recount += an_census_term(f);
        int rc = on_fact(j, f, err);
        if (rc)
            return t->unchecked && !an_facts_check_rest(t) ? facts_damaged(err) : rc;
    }
    /* the census the experiment was picked from differs from the rows:
     * damage, as the rows' own (the table rebuilt, the analysis again) */
    if (census && recount != an_census_sum(&t->census)) {
        t->damaged = true;
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, NULL,
                              "the facts table's census differs from its rows");
    }
    sh_early_unpaired(j);
    return flush_pending(j, err);
}

static void drop_unknown_keys(ordo_analyze_config_t *cfg, ordo_analysis_t *notes_to,
                              char notes[][160], size_t *n_notes)
{
    (void)notes_to;
    size_t w = 0;
    for (size_t i = 0; i < cfg->n_kpis; i++) {
        if (ordo_metric_set_find(&cfg->metrics, cfg->kpis[i]) >= 0) {
            memmove(cfg->kpis[w++], cfg->kpis[i], sizeof cfg->kpis[i]);
        } else if (*n_notes < 8) {
            snprintf(notes[(*n_notes)++], 160, "primary KPI '%s' is not a defined metric: left out",
                     cfg->kpis[i]);
        }
    }
    cfg->n_kpis = w;
    if (!w && ordo_metric_set_find(&cfg->metrics, "cost_per_order") >= 0) {
        snprintf(cfg->kpis[0], sizeof cfg->kpis[0], "cost_per_order");
        cfg->n_kpis = 1;
        if (*n_notes < 8)
            snprintf(notes[(*n_notes)++], 160, "no usable primary KPI: cost_per_order used");
    }
    w = 0;
    for (size_t i = 0; i < cfg->n_guardrails; i++) {
        if (ordo_metric_set_find(&cfg->metrics, cfg->guardrails[i].metric) >= 0) {
            cfg->guardrails[w++] = cfg->guardrails[i];
        } else if (*n_notes < 8) {
            snprintf(notes[(*n_notes)++], 160, "guardrail '%s' is not a defined metric: left out",
                     cfg->guardrails[i].metric);
        }
    }
    cfg->n_guardrails = w;
}

static int pick_experiment(const char *dir, const char *logdir, an_facts_t *facts, bool have_log,
                           ordo_exp_registry_t *reg, const ordo_analyze_options_t *opt,
                           ordo_exp_t **exp, scan_exp_t *scan, size_t *n_scan, bool *scanned,
                           char *chosen, ordo_error_t *err)
{
    *exp = NULL;
    *scanned = false;
    if (opt->experiment && opt->experiment[0]) {
        snprintf(chosen, ORDO_EXP_ID_MAX, "%s", opt->experiment);
        if (reg) {
            ordo_error_t e;
            int rc = ordo_exp_registry_get(reg, opt->experiment, exp, &e);
            if (rc && rc != ORDO_ENOTFOUND) {
                *err = e;
                return rc;
            }
        }
        return ORDO_OK;
    }
    if (have_log) {
        int rc = scan_log(logdir, facts, scan, n_scan, err);
        if (rc)
            return rc;
        *scanned = true;
    }
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < *n_scan; i++)
        if (best == SIZE_MAX || scan[i].n > scan[best].n)
            best = i;
    if (best == SIZE_MAX)
        return ordo_error_set(err, ORDO_ENOTFOUND, dir, 0, NULL,
                              "no decision record in %s belongs to an experiment: nothing to "
                              "analyse (pass --experiment ID to name one)",
                              logdir);
    snprintf(chosen, ORDO_EXP_ID_MAX, "%s", scan[best].id);
    if (reg) {
        int rc = ordo_exp_registry_get(reg, chosen, exp, NULL);
        if (rc && rc != ORDO_ENOTFOUND)
            *exp = NULL;
    }
    return ORDO_OK;
}

/* What the data directory holds, read before the join. */
typedef struct an_dir {
    char logdir[4096], dbpath[4096];
    bool have_log, have_db;
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    ordo_exp_t *exp; /* NULL when not registered */
    ordo_network_t *own_net;
    const ordo_network_t *net;
    ordo_analyze_config_t *cfg;
    scan_exp_t *scan;
    size_t n_scan;
    char notes[8][160];
    size_t n_notes;
    char net_note[160]; /* the network could not be loaded ("" none) */
    an_facts_t *facts;  /* NULL: the record path */
    /* the outcome facts, opened beside the facts table (an_dir_facts) */
    struct ofacts_job *ojob;
} an_dir_t;

static void ofacts_job_free(struct ofacts_job *job);

static void an_dir_close(an_dir_t *ad)
{
    if (ad->facts)
        an_facts_close(ad->facts);
    free(ad->facts);
    free(ad->cfg);
    free(ad->scan);
    ordo_exp_destroy(ad->exp);
    ordo_network_destroy(ad->own_net);
    ordo_exp_registry_close(ad->reg);
    ofacts_job_free(ad->ojob);
    ordo_store_close(ad->store, NULL);
}

static int an_dir_open(const char *dir, an_dir_t *ad, ordo_error_t *err)
{
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc != ORDO_OK)
        return rc;
    snprintf(ad->logdir, sizeof ad->logdir, "%s", dd.log);
    snprintf(ad->dbpath, sizeof ad->dbpath, "%s", dd.db);
    ad->have_log = ordo_datadir_has_log(&dd);
    ad->have_db = ordo_datadir_has_db(&dd);
    if (!ad->have_log && !ad->have_db)
        return ordo_error_set(err, ORDO_ENOENT, dir, 0, NULL,
                              "not a data directory: neither %s nor %s exists", ad->logdir,
                              ad->dbpath);
    ad->scan = calloc(SCAN_MAX, sizeof *ad->scan);
    ad->cfg = calloc(1, sizeof *ad->cfg);
    if (!ad->scan || !ad->cfg)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (ad->have_db) {
        if ((rc = ordo_store_open_existing(dir, NULL, &ad->store, err)) ||
            (rc = ordo_exp_registry_open(ad->store, &ad->reg, err)))
            return rc;
    } else {
        snprintf(ad->notes[ad->n_notes++], 160,
                 "no database (%s): no experiment document and no outcomes", ORDO_DATADIR_DB);
    }
    return ORDO_OK;
}

/* An experiment that is not registered: variants from the log ("control"
 * first when present, else the first seen), default KPI and guardrails. */
static int config_from_log(const char *dir, const ordo_analyze_options_t *opt, bool scanned,
                           const char *chosen, an_dir_t *ad, ordo_error_t *err)
{
    if (!scanned && ad->have_log) {
        int rc = scan_log(ad->logdir, ad->facts, ad->scan, &ad->n_scan, err);
        if (rc)
            return rc;
    }
    const scan_exp_t *se = NULL;
    for (size_t i = 0; i < ad->n_scan; i++)
        if (!strcmp(ad->scan[i].id, chosen))
            se = &ad->scan[i];
    const char *vars[ORDO_EXP_MAX_ARMS];
    size_t nv = 0;
    if (se) {
        for (size_t i = 0; i < se->n_variants; i++)
            if (!strcmp(se->variants[i], "control"))
                vars[nv++] = se->variants[i];
        for (size_t i = 0; i < se->n_variants; i++)
            if (strcmp(se->variants[i], "control"))
                vars[nv++] = se->variants[i];
    }
    if (!nv)
        return ordo_error_set(err, ORDO_ENOTFOUND, dir, 0, "experiment",
                              "experiment '%s' is neither in the registry nor in the log", chosen);
    ordo_analyze_config_default(ad->cfg, chosen, vars, nv, opt->metrics);
    snprintf(ad->notes[ad->n_notes++], 160,
             "experiment '%s' is not in the registry: variants taken from the log (%s "
             "as control), equal weights, default KPI and guardrails",
             chosen, vars[0]);
    return ORDO_OK;
}

/* The experiment to analyse and its configuration. */
static int an_dir_config(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad,
                         ordo_error_t *err)
{
    bool scanned;
    char chosen[ORDO_EXP_ID_MAX] = "";
    int rc = pick_experiment(dir, ad->logdir, ad->facts, ad->have_log, ad->reg, opt, &ad->exp,
                             ad->scan, &ad->n_scan, &scanned, chosen, err);
    if (rc)
        return rc;
    if (ad->exp)
        ordo_analyze_config_from_exp(ad->cfg, ad->exp, opt->metrics);
    else if ((rc = config_from_log(dir, opt, scanned, chosen, ad, err)))
        return rc;
    for (size_t i = 0; i < ad->n_scan && ad->n_notes < 7; i++)
        if (strcmp(ad->scan[i].id, ad->cfg->experiment)) {
            snprintf(ad->notes[ad->n_notes++], 160,
                     "the log also holds %llu decisions of experiment '%s' (not analysed; "
                     "use --experiment)",
                     (unsigned long long)ad->scan[i].n, ad->scan[i].id);
        }
    drop_unknown_keys(ad->cfg, NULL, ad->notes, &ad->n_notes);
    return ORDO_OK;
}

/* The catalog for product family and order value: the options' network,
 * else DIR/network when present. */
static void an_dir_net(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad)
{
    char path[4096];
    ad->net = opt->network;
    snprintf(path, sizeof path, "%s/network/network.json", dir);
    if (!ad->net && exists(path)) {
        char nd[4096];
        snprintf(nd, sizeof nd, "%s/network", dir);
        ordo_error_t e;
        if (ordo_network_load(nd, NULL, &ad->own_net, &e) == ORDO_OK)
            ad->net = ad->own_net;
        else
            snprintf(ad->net_note, sizeof ad->net_note, "the network in %s could not be loaded: %s",
                     nd, e.msg);
    }
}

/* After the configuration: the catalog's note and family names. */
static void an_dir_catalog(an_dir_t *ad)
{
    if (ad->net_note[0] && ad->n_notes < 8)
        snprintf(ad->notes[ad->n_notes++], 160, "%s", ad->net_note);
    if (ad->net)
        for (uint32_t f = 0; f < ad->net->n_families && f < ORDO_AN_FAMILIES - 1; f++)
            snprintf(ad->cfg->family_names[f], sizeof ad->cfg->family_names[f], "%s",
                     ad->net->families[f]);
}

/* ---- the two parts of a refresh at once ----
 * The facts table (from the log) and the outcome facts (from the store)
 * share no file: the outcome facts are opened on a second thread while the
 * table is, with their own error; the store's handle is used by that
 * thread alone until it is joined, the network is read-only. The results
 * and errors are taken where the sequential path would meet them (the
 * table's error first). ORDO_FACTS_SEQUENTIAL=1: one after the other. */
typedef struct ofacts_job {
    const char *factsdir, *db;
    ordo_store_t *store;
    bool rebuild, check; /* an_ofacts_open (an analysis), else an_ofacts_update */
    an_outcomes_t oc;
    bool rebuilt, started;
    int rc;
    ordo_error_t err;
    pthread_t th;
} ofacts_job_t;

static void *ofacts_job_run(void *arg)
{
    ofacts_job_t *job = arg;
    job->rc = job->check ? an_ofacts_open(job->factsdir, job->db, job->store, job->rebuild,
                                          &job->oc, &job->rebuilt, &job->err)
                         : an_ofacts_update(job->factsdir, job->db, job->store, &job->oc,
                                            &job->rebuilt, &job->err);
    return NULL;
}

static bool facts_sequential(void)
{
    const char *e = getenv("ORDO_FACTS_SEQUENTIAL");
    return e && *e && strcmp(e, "0");
}

/* Starts the job on its own thread (run at the join when none can be). */
static void ofacts_job_start(ofacts_job_t *job)
{
    job->started = !pthread_create(&job->th, NULL, ofacts_job_run, job);
}

/* The job done: its result in job->rc, job->oc and job->err. */
static void ofacts_job_join(ofacts_job_t *job)
{
    if (job->started)
        pthread_join(job->th, NULL);
    else
        ofacts_job_run(job);
    job->started = false;
}

static void ofacts_job_free(ofacts_job_t *job)
{
    if (!job)
        return;
    if (job->started)
        pthread_join(job->th, NULL);
    an_outcomes_free(&job->oc);
    free(job);
}

/* The facts table of DIR (DIR/facts), opened, checked and brought up to
 * date with the log; none with ORDO_ANALYZE_FACTS_OFF or without a log.
 * With a store, the outcome facts are opened at the same time (taken by
 * join_outcomes). */
static int an_dir_facts(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad,
                        ordo_error_t *err)
{
    if (opt->facts == ORDO_ANALYZE_FACTS_OFF || !ad->have_log)
        return ORDO_OK;
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    if (!(ad->facts = calloc(1, sizeof *ad->facts)))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    bool rebuild = opt->facts == ORDO_ANALYZE_FACTS_REBUILD;
    /* the outcome facts on a thread of their own only beside a rebuild:
     * the fused open only maps the rows, and two threads mapping at once
     * cost ~0.33 s more CPU and no wall time at 10M orders (ANALYZE.md
     * "End to end") */
    ofacts_job_t *job = NULL;
    if (ad->store && rebuild && !facts_sequential() && (job = calloc(1, sizeof *job))) {
        *job = (ofacts_job_t){.factsdir = dd.facts,
                              .db = dd.db,
                              .store = ad->store,
                              .rebuild = rebuild,
                              .check = true};
        ofacts_job_start(job);
    }
    /* the rows are checked by the join as it reads them (read_facts) */
    rc = rebuild ? an_facts_open(dd.facts, ad->logdir, ad->net, true, ad->facts, err)
                 : an_facts_open_fused(dd.facts, ad->logdir, ad->net, ad->facts, err);
    if (job)
        ofacts_job_join(job); /* dd dies here; the store is the caller's again */
    if (rc) {
        free(ad->facts);
        ad->facts = NULL;
        ofacts_job_free(job);
        return rc;
    }
    ad->ojob = job;
    return ORDO_OK;
}

/* The outcome facts a join took, kept for the next one (after damage to
 * the facts table: ordo_analyze_dir), as if opened beside it again. */
static void ofacts_job_keep(an_dir_t *ad, an_outcomes_t *oc)
{
    ofacts_job_t *job = calloc(1, sizeof *job);
    if (!job)
        return; /* join_outcomes opens them again */
    job->oc = *oc;
    memset(oc, 0, sizeof *oc);
    if (job->oc.matched)
        memset(job->oc.matched, 0, job->oc.n ? job->oc.n : 1);
    ofacts_job_free(ad->ojob);
    ad->ojob = job;
}

/* The facts table found damaged by the join: rebuilt from the log as an
 * open that finds it damaged rebuilds it, the experiment's configuration
 * to be taken again (its notes after the directory's own: n_notes). */
static int an_dir_rebuild_facts(const char *dir, an_dir_t *ad, size_t n_notes, ordo_error_t *err)
{
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    ad->n_notes = n_notes;
    ordo_exp_destroy(ad->exp);
    ad->exp = NULL;
    return an_facts_rebuild(ad->facts, dd.facts, ad->logdir, ad->net, err);
}

/* ---- the join ---- */

/* The outcome summaries: the outcome facts of DIR/facts on the facts path,
 * else read from the store. */
static int join_outcomes(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad,
                         join_ctx_t *j, ordo_error_t *err)
{
    if (!ad->facts || !ad->store)
        return an_outcomes_load(ad->store, &j->oc, err);
    ofacts_job_t *job = ad->ojob;
    if (job) { /* opened beside the facts table */
        ad->ojob = NULL;
        int rc = job->rc;
        if (rc)
            *err = job->err;
        j->oc = job->oc;
        memset(&job->oc, 0, sizeof job->oc);
        ofacts_job_free(job);
        return rc;
    }
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    return an_ofacts_open(dd.facts, dd.db, ad->store, opt->facts == ORDO_ANALYZE_FACTS_REBUILD,
                          &j->oc, NULL, err);
}

/* Decision records joined with outcome summaries into the analysis. */
static int join_dir(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad, join_ctx_t *j,
                    ordo_error_t *err)
{
    const ordo_exp_t *exp = ad->exp;
    /* a registered experiment without a shadow policy has no shadow records
     * to pair: skip keeping decision bytes (the records are still counted) */
    j->sh_on = !exp || exp->has_shadow;
    if (exp && exp->status.started_at > 0 && exp->warmup_hours > 0)
        j->warmup_end = exp->status.started_at + (int64_t)(exp->warmup_hours * 3600.0);
    int rc;
    j->net = ad->net;
    if (ad->facts) {
        j->str = &ad->facts->str;
    } else {
        if (an_strings_init(&j->own_str))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        j->str = &j->own_str;
    }
    if ((rc = join_ids(j, err)) || (rc = join_outcomes(dir, opt, ad, j, err)))
        return rc;
    j->counts.outcomes_loaded = j->oc.n;
    if (ad->facts) {
        if ((rc = read_facts(j, ad->facts, err)))
            return rc;
    } else if (ad->have_log) {
        if ((rc = read_log(j, ad->logdir, ad->net, err)))
            return rc;
    } else {
        ordo_analysis_note(j->a, "no decision log (%s): no orders to analyse", ad->logdir);
    }
    for (size_t i = 0; i < j->oc.n; i++)
        j->counts.outcomes_unmatched += !j->oc.matched[i];
    return ORDO_OK;
}

static void join_free(join_ctx_t *j)
{
    if (!j)
        return;
    an_outcomes_free(&j->oc);
    if (j->str == &j->own_str)
        an_strings_free(&j->own_str);
    free(j);
}

/* What is missing and how it was treated. */
static void join_notes(ordo_analysis_t *a, const ordo_analyze_counts_t *c, bool have_net)
{
    uint64_t analysed = 0;
    for (size_t v = 0; v < a->V; v++)
        analysed += a->orders[v];
    if (c->missing_outcome)
        ordo_analysis_note(a,
                           "%llu of %llu analysed orders (%.1f%%) have no outcome events: they "
                           "count in planned metrics and are left out of outcome metrics "
                           "(actual cost, on-time, time to ship/deliver, returns, "
                           "cancellations); compare outcome_coverage across variants",
                           (unsigned long long)c->missing_outcome, (unsigned long long)analysed,
                           analysed ? 100.0 * (double)c->missing_outcome / (double)analysed : 0);
    if (c->bad_records)
        ordo_analysis_note(a, "%llu decision records could not be parsed: skipped",
                           (unsigned long long)c->bad_records);
    if (c->unknown_variant)
        ordo_analysis_note(a, "%llu decisions name a variant the experiment does not have: skipped",
                           (unsigned long long)c->unknown_variant);
    if (c->excluded_warmup)
        ordo_analysis_note(a, "%llu decisions made during the warm-up were excluded",
                           (unsigned long long)c->excluded_warmup);
    if (c->excluded_flagged)
        ordo_analysis_note(a,
                           "%llu decisions marked excluded by the decision path (killed back "
                           "to control, warm-up or burn-in) were left out",
                           (unsigned long long)c->excluded_flagged);
    if (c->excluded_burn)
        ordo_analysis_note(a,
                           "%llu decisions in switchback burn-in/burn-out (or outside the "
                           "schedule) were excluded",
                           (unsigned long long)c->excluded_burn);
    if (c->time_inconsistent)
        ordo_analysis_note(a,
                           "%llu outcome summaries have a delivery or return dated before the "
                           "shipment (time_inconsistent): kept as given",
                           (unsigned long long)c->time_inconsistent);
    if (c->no_catalog && analysed)
        ordo_analysis_note(a,
                           "%llu orders have no known product family or order value (%s): "
                           "shown as 'unknown' in the breakdown",
                           (unsigned long long)c->no_catalog,
                           have_net ? "SKU not in the catalog" : "no network/catalog available");
    if (c->outcomes_unmatched)
        ordo_analysis_note(a,
                           "%llu orders with outcome events have no decision of this "
                           "experiment: ignored",
                           (unsigned long long)c->outcomes_unmatched);
}

/* The facts path on facts already in memory (bench_facts_scale): the join
 * of t's rows with oc (borrowed: its matched flags are reset) and the
 * analysis, finished at now; shadow records are paired. */
int an_analyze_facts(const ordo_analyze_config_t *cfg, an_facts_t *t, an_outcomes_t *oc,
                     int64_t now, ordo_analysis_t **out, ordo_error_t *err)
{
    *out = NULL;
    join_ctx_t *j = calloc(1, sizeof *j);
    if (!j)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = ordo_analysis_create(cfg, &j->a, err);
    if (!rc) {
        j->sh_on = true;
        j->str = &t->str;
        j->oc = *oc;
        memset(j->oc.matched, 0, oc->n ? oc->n : 1);
        j->counts.outcomes_loaded = oc->n;
        if (!(rc = join_ids(j, err)) && !(rc = read_facts(j, t, err))) {
            for (size_t i = 0; i < j->oc.n; i++)
                j->counts.outcomes_unmatched += !j->oc.matched[i];
            join_notes(j->a, &j->counts, false);
            ordo_analysis_set_counts(j->a, &j->counts);
            ordo_analysis_set_shadow_info(j->a, &j->sh);
            rc = ordo_analysis_finish(j->a, now, err);
        }
        memset(&j->oc, 0, sizeof j->oc);
    }
    if (!rc) {
        *out = j->a;
        j->a = NULL;
    }
    ordo_analysis_destroy(j->a);
    free(j);
    return rc;
}

int ordo_analyze_facts_update(const char *dir, const ordo_analyze_options_t *opt_in,
                              ordo_analyze_facts_stats_t *st, ordo_error_t *err)
{
    ordo_analyze_options_t defopt = {0};
    const ordo_analyze_options_t *opt = opt_in ? opt_in : &defopt;
    memset(st, 0, sizeof *st);
    an_dir_t ad;
    memset(&ad, 0, sizeof ad);
    ordo_datadir_t dd;
    int rc = an_dir_open(dir, &ad, err);
    if (!rc)
        rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        goto done;
    an_dir_net(dir, opt, &ad);
    ofacts_job_t job = {.factsdir = dd.facts, .db = dd.db, .store = ad.store};
    bool at_once = ad.store && ad.have_log && !facts_sequential();
    if (at_once)
        ofacts_job_start(&job);
    if (ad.have_log) {
        an_facts_t t;
        if ((rc = an_facts_update(dd.facts, ad.logdir, ad.net, &t, err))) {
            if (at_once)
                ofacts_job_join(&job);
            an_outcomes_free(&job.oc);
            goto done;
        }
        st->records_read = t.read_records;
        st->rows = an_facts_count(&t);
        st->rebuilt = t.rebuilt;
        st->why = t.why;
        an_facts_close(&t);
    }
    if (ad.store) {
        ofacts_job_join(&job); /* run here when not started */
        if ((rc = job.rc)) {
            *err = job.err;
            an_outcomes_free(&job.oc);
            goto done;
        }
        st->outcomes_rebuilt = job.rebuilt;
        st->outcomes = job.oc.n;
        an_outcomes_free(&job.oc);
    }
done:
    an_dir_close(&ad);
    return rc;
}

/* A simulation run's DIR/summary.json, attached to the analysis. */
static void attach_summary(const char *dir, ordo_analysis_t *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (!exists(path))
        return;
    char *data = NULL;
    size_t len = 0;
    ordo_error_t e;
    if (ordo_read_file(path, &data, &len, &e) != ORDO_OK)
        return;
    cJSON *sj = cJSON_ParseWithLength(data, len);
    if (sj) {
        /* measured wall-clock rates would make the report differ run to run */
        cJSON_DeleteItemFromObjectCaseSensitive(sj, "measured");
        char *compact = cJSON_PrintUnformatted(sj);
        if (compact) {
            ordo_analysis_set_run_summary(a, compact, strlen(compact));
            free(compact);
        }
        cJSON_Delete(sj);
    } else {
        ordo_analysis_note(a, "summary.json is not valid JSON: ignored");
    }
    free(data);
}

/* One analysis of DIR once its tables are open: the experiment's
 * configuration, the join, the report. When the join finds the facts
 * table damaged, the outcome facts it took are kept for the next pass. */
static int analyze_pass(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad,
                        ordo_analysis_t **out, ordo_error_t *err)
{
    ordo_analysis_t *a = NULL;
    join_ctx_t *j = NULL;
    int rc;
    if ((rc = an_dir_config(dir, opt, ad, err)))
        goto done;
    an_dir_catalog(ad);
    if ((rc = ordo_analysis_create(ad->cfg, &a, err)))
        goto done;
    for (size_t i = 0; i < ad->n_notes; i++)
        ordo_analysis_note(a, "%s", ad->notes[i]);
    if (!(j = calloc(1, sizeof *j))) {
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    j->a = a;
    if ((rc = join_dir(dir, opt, ad, j, err))) {
        if (ad->facts && ad->facts->damaged)
            ofacts_job_keep(ad, &j->oc);
        goto done;
    }
    join_notes(a, &j->counts, ad->net != NULL);
    ordo_analysis_set_counts(a, &j->counts);
    ordo_analysis_set_shadow_info(a, &j->sh);
    attach_summary(dir, a);
    if ((rc = ordo_analysis_finish(a, opt->now, err)))
        goto done;
    *out = a;
    a = NULL;
done:
    ordo_analysis_destroy(a);
    join_free(j);
    return rc;
}

int ordo_analyze_dir(const char *dir, const ordo_analyze_options_t *opt_in, ordo_analysis_t **out,
                     ordo_error_t *err)
{
    *out = NULL;
    ordo_analyze_options_t defopt = {0};
    const ordo_analyze_options_t *opt = opt_in ? opt_in : &defopt;
    an_dir_t ad;
    memset(&ad, 0, sizeof ad);
    int rc;
    if ((rc = an_dir_open(dir, &ad, err)))
        goto done;
    an_dir_net(dir, opt, &ad);
    if ((rc = an_dir_facts(dir, opt, &ad, err)))
        goto done;
    size_t n_notes = ad.n_notes;
    rc = analyze_pass(dir, opt, &ad, out, err);
    /* the facts' rows, checked by the join (or, after an error before it,
     * here), differ from their sums: the report is dropped, the table
     * rebuilt, the analysis run again */
    if (rc && ad.facts && !an_facts_check_rest(ad.facts) &&
        !(rc = an_dir_rebuild_facts(dir, &ad, n_notes, err)))
        rc = analyze_pass(dir, opt, &ad, out, err);
    /* a census counted from the rows (a table saved without one), now
     * checked by the join: saved for the next analysis */
    ordo_datadir_t dd;
    if (!rc && ad.facts && !ad.facts->census_saved && !ordo_datadir_init(&dd, dir, NULL))
        an_facts_census_save(ad.facts, dd.facts);
done:
    an_dir_close(&ad);
    return rc;
}
