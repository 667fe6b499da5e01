/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the engine's customer history fed from a data directory's
 * decision log and outcomes (decide.h ordo_cust_feed_*; docs/internals/
 * SOURCING.md "Customer history outside the simulator"). Orders are
 * indexed by id from their first decision record (shadows skipped) with
 * their customer; customers by the record's pseudonym, mapped back to the
 * id through the store once per customer, when one of its orders first
 * has an outcome to count. ordo_decide_log_each, the walk over the log's
 * decision records from a sequence on, serves the server's drift index
 * too (src/server/drift.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/cbor.h"
#include "ordo/datadir.h"
#include "ordo/decide.h"
#include "ordo/store.h"
#include "ordo/util.h"

enum { FEED_DELIVERED = 1, FEED_RETURNED = 2 };
#define CUST_UNRESOLVED UINT64_MAX

struct ordo_cust_feed {
    ordo_strmap_t *orders;  /* order id -> order index */
    uint32_t *order_cust;   /* per order: customer index */
    uint8_t *order_flags;   /* per order: FEED_* counted */
    uint32_t n_orders, cap_orders;
    ordo_strmap_t *custs;   /* record's customer (pseudonym) -> customer index */
    char **cust_name;       /* per customer: the record's string */
    uint64_t *cust_key;     /* per customer: the engine's key, 0 none, CUST_UNRESOLVED */
    uint32_t n_custs, cap_custs;
    uint64_t log_seq;       /* the log read up to */
    uint64_t outcome_seq;   /* the outcome changes read up to */
};

int ordo_cust_feed_create(ordo_cust_feed_t **out, ordo_error_t *err)
{
    ordo_cust_feed_t *f = calloc(1, sizeof *f);
    if (f && (!(f->orders = ordo_strmap_create(1 << 12)) ||
              !(f->custs = ordo_strmap_create(1 << 10)))) {
        ordo_cust_feed_destroy(f);
        f = NULL;
    }
    *out = f;
    return f ? ORDO_OK : ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
}

void ordo_cust_feed_destroy(ordo_cust_feed_t *f)
{
    if (!f)
        return;
    ordo_strmap_destroy(f->orders);
    ordo_strmap_destroy(f->custs);
    for (uint32_t i = 0; i < f->n_custs; i++)
        free(f->cust_name[i]);
    free(f->cust_name);
    free(f->cust_key);
    free(f->order_cust);
    free(f->order_flags);
    free(f);
}

/* The customer index of the record's customer string (added if new). */
static int cust_of(ordo_cust_feed_t *f, const char *name, uint32_t *out)
{
    size_t n = strlen(name);
    if (ordo_strmap_get(f->custs, name, n, out))
        return ORDO_OK;
    if (f->n_custs == f->cap_custs) {
        uint32_t cap = f->cap_custs ? 2 * f->cap_custs : 1024;
        char **nm = realloc(f->cust_name, cap * sizeof *nm);
        if (nm)
            f->cust_name = nm;
        uint64_t *k = realloc(f->cust_key, cap * sizeof *k);
        if (k)
            f->cust_key = k;
        if (!nm || !k)
            return ORDO_ENOMEM;
        f->cap_custs = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return ORDO_ENOMEM;
    int rc = ordo_strmap_put(f->custs, name, n, f->n_custs);
    if (rc) {
        free(copy);
        return rc;
    }
    f->cust_name[f->n_custs] = copy;
    f->cust_key[f->n_custs] = CUST_UNRESOLVED;
    *out = f->n_custs++;
    return ORDO_OK;
}

/* Indexes a decision record's order (its first record counts). */
static int order_put(ordo_cust_feed_t *f, const ordo_record_t *rec)
{
    const char *cid = rec->order.customer_id;
    size_t n = strlen(rec->order_id);
    uint32_t i;
    if (!cid || !*cid || ordo_strmap_get(f->orders, rec->order_id, n, &i))
        return ORDO_OK;
    if (f->n_orders == f->cap_orders) {
        uint32_t cap = f->cap_orders ? 2 * f->cap_orders : 4096;
        uint32_t *c = realloc(f->order_cust, cap * sizeof *c);
        if (c)
            f->order_cust = c;
        uint8_t *fl = realloc(f->order_flags, cap);
        if (fl)
            f->order_flags = fl;
        if (!c || !fl)
            return ORDO_ENOMEM;
        f->cap_orders = cap;
    }
    int rc = cust_of(f, cid, &f->order_cust[f->n_orders]);
    if (!rc)
        rc = ordo_strmap_put(f->orders, rec->order_id, n, f->n_orders);
    if (!rc)
        f->order_flags[f->n_orders++] = 0;
    return rc;
}

/* The fields a walk gives (decide.h ordo_decide_log_each), picked out of a
 * CBOR record without decoding the rest (cbor.h ordo_cbor_pick). */
enum { PK_OID, PK_SHADOW, PK_CUST, PK_RISK_MODEL, PK_RETURN, PK_CANCEL, PK_N };
static const char *const pick_paths[PK_N] = {
    "order_id", "shadow", "order.customer.id", "risk_model", "plan.totals.return_risk",
    "plan.totals.risk.cancel_prob"};

static const char *pick_str(const ordo_cbor_pick_t *p, ordo_arena_t *arena, bool *oom)
{
    if (!p->found || p->type != ORDO_CBOR_STRING)
        return NULL;
    char *s = ordo_arena_strndup(arena, p->s, p->len);
    *oom |= !s;
    return s;
}

static double pick_num(const ordo_cbor_pick_t *p)
{
    return p->found && p->type == ORDO_CBOR_NUMBER ? p->num : NAN;
}

/* A log record into rec: picked when it is CBOR the picker takes, else
 * read whole. Nonzero: not a record (skipped) or out of memory. */
static int walk_read(const ordo_log_record_t *lr, ordo_cbor_picker_t *pk, ordo_arena_t *arena,
                     ordo_record_t *rec)
{
    ordo_cbor_pick_t p[PK_N];
    if (!pk || !(lr->flags & ORDO_LOG_FLAG_CBOR) ||
        ordo_cbor_pick(pk, lr->appended, lr->appended_len, p) != ORDO_OK)
        return ordo_record_read(lr->appended, lr->appended_len, 0, arena, rec, NULL);
    bool oom = false;
    memset(rec, 0, sizeof *rec);
    rec->order_id = pick_str(&p[PK_OID], arena, &oom);
    rec->shadow = p[PK_SHADOW].found && p[PK_SHADOW].type == ORDO_CBOR_TRUE;
    rec->order.customer_id = pick_str(&p[PK_CUST], arena, &oom);
    rec->risk_model = pick_str(&p[PK_RISK_MODEL], arena, &oom);
    rec->plan.return_risk = pick_num(&p[PK_RETURN]);
    rec->plan.cancel_prob = pick_num(&p[PK_CANCEL]);
    return oom ? ORDO_ENOMEM : ORDO_OK;
}

int ordo_decide_log_each(const char *log_dir, uint64_t *seq, ordo_decision_each_fn fn, void *ctx,
                         ordo_error_t *err)
{
    struct stat st;
    if (stat(log_dir, &st) && errno == ENOENT)
        return ORDO_OK;
    ordo_log_query_t q = {.from_seq = *seq + 1, .raw = true};
    ordo_log_iter_t *it = NULL;
    ordo_cbor_picker_t *pk = NULL; /* NULL (ENOMEM): every record read whole */
    int rc = ordo_log_iter_open(log_dir, &q, &it, err);
    ordo_arena_t *arena = rc ? NULL : ordo_arena_create(1 << 16);
    if (!rc && !arena)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc) {
        (void)ordo_record_cbor_keys(NULL); /* the key table, for the picker's paths */
        ordo_cbor_picker_new(pick_paths, PK_N, &pk);
    }
    ordo_log_record_t lr;
    int more = 0;
    while (!rc && (more = ordo_log_iter_next(it, &lr, err)) == 1) {
        ordo_record_t rec;
        *seq = lr.seq;
        if (lr.type != ORDO_LOG_REC_DECISION)
            continue;
        ordo_arena_reset(arena);
        if (!walk_read(&lr, pk, arena, &rec) && rec.order_id && !rec.shadow &&
            (rc = fn(&rec, ctx)) == ORDO_ENOMEM)
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc && more < 0)
        rc = more;
    if (it)
        ordo_log_iter_close(it);
    ordo_cbor_picker_free(pk);
    ordo_arena_destroy(arena);
    return rc;
}

static int order_each(const ordo_record_t *rec, void *ctx)
{
    return order_put(ctx, rec);
}

int ordo_cust_feed_record(ordo_cust_feed_t *f, const ordo_record_t *rec)
{
    return rec->order_id && !rec->shadow ? order_put(f, rec) : ORDO_OK;
}

void ordo_cust_feed_log_read(ordo_cust_feed_t *f, uint64_t seq)
{
    if (seq > f->log_seq)
        f->log_seq = seq;
}

/* The engine's key of customer c: the id its pseudonym maps to (0 when the
 * store maps it to none: erased, or its mapping not written yet: the
 * decider writes it when it commits the order's reservations); a record
 * without a pseudonym names the id itself. */
static int cust_key(ordo_cust_feed_t *f, ordo_store_t *store, uint32_t c, uint64_t *key,
                    ordo_error_t *err)
{
    if (f->cust_key[c] == CUST_UNRESOLVED) {
        const char *name = f->cust_name[c];
        char *id = NULL;
        bool pseudonym = strlen(name) == ORDO_CUSTOMER_KEY_LEN - 1 && !strncmp(name, "ck_", 3);
        int rc = pseudonym ? ordo_store_customer_resolve(store, name, &id, err) : ORDO_OK;
        if (rc == ORDO_ENOTFOUND) { /* erased, or not written yet: asked again next time */
            *key = 0;
            return ORDO_OK;
        }
        if (rc)
            return rc;
        f->cust_key[c] = ordo_engine_customer_key(pseudonym ? id : name);
        free(id);
    }
    *key = f->cust_key[c];
    return ORDO_OK;
}

/* Counts one changed order's delivery and return, each once. */
static int count_order(ordo_cust_feed_t *f, ordo_store_t *store, ordo_engine_t *eng,
                       const ordo_outcome_summary_t *sum, uint64_t *counted, ordo_error_t *err)
{
    uint32_t i;
    if (!ordo_strmap_get(f->orders, sum->order_id, strlen(sum->order_id), &i))
        return ORDO_OK;
    unsigned add = (sum->n_delivered || sum->last_delivered_at ? FEED_DELIVERED : 0) |
                   (sum->n_returned || sum->returned_at ? FEED_RETURNED : 0);
    add &= ~(unsigned)f->order_flags[i];
    uint64_t key;
    if (!add)
        return ORDO_OK;
    int rc = cust_key(f, store, f->order_cust[i], &key, err);
    if (!rc && key)
        rc = ordo_engine_customer_outcome_key(eng, key, add & FEED_DELIVERED ? 1 : 0,
                                              add & FEED_RETURNED ? 1 : 0);
    if (rc == ORDO_ENOMEM)
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (!rc) {
        f->order_flags[i] |= (uint8_t)add;
        *counted += key != 0;
    }
    return rc;
}

/* The outcome changes since the last update (after the log's new
 * decisions, whose orders they may name). */
static int read_outcomes(ordo_cust_feed_t *f, ordo_store_t *store, ordo_engine_t *eng,
                         const char *log_dir, uint64_t seq, uint64_t *counted, ordo_error_t *err)
{
    ordo_outcome_iter_t *it = NULL;
    int rc = ordo_decide_log_each(log_dir, &f->log_seq, order_each, f, err);
    if (!rc)
        rc = ordo_store_outcome_iter_since(store, f->outcome_seq, &it, err);
    ordo_outcome_summary_t sum;
    int more = 0;
    while (!rc && (more = ordo_outcome_iter_next(it, &sum, err)) == 1)
        rc = count_order(f, store, eng, &sum, counted, err);
    if (!rc && more < 0)
        rc = more;
    ordo_outcome_iter_close(it);
    if (!rc)
        f->outcome_seq = seq;
    return rc;
}

int ordo_cust_feed_update(ordo_cust_feed_t *f, ordo_engine_t *eng, const char *data_dir,
                          uint64_t *counted, ordo_error_t *err)
{
    uint64_t n = 0, seq = 0;
    ordo_datadir_t dd;
    ordo_store_t *store = NULL;
    int rc = ordo_datadir_init(&dd, data_dir, err);
    if (!rc)
        rc = ordo_store_open(data_dir, NULL, &store, err);
    if (!rc)
        rc = ordo_store_outcome_seq(store, &seq, err);
    if (!rc && seq > f->outcome_seq) /* else nothing to count: the log waits */
        rc = read_outcomes(f, store, eng, dd.log, seq, &n, err);
    if (store)
        ordo_store_close(store, NULL);
    if (counted)
        *counted = n;
    return rc;
}
