/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — one pass over a run for every model that learns from it: the
 * decision log read and each record parsed once, the store's outcomes
 * iterated once and joined to the decisions by order id, each model's
 * training data built by its own sink (docs/internals/MODEL.md "Reading a
 * run once"). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/arena.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"

/* A kept decision: its order id and the row each sink gave it. */
typedef struct run_key {
    const char *id;
    uint32_t seq; /* in log order */
    uint32_t row[MODEL_RUN_MAX_SINKS];
} run_key_t;

typedef struct run_keys {
    ordo_arena_t *ids;
    run_key_t *k;
    size_t n, cap;
} run_keys_t;

static int keys_add(run_keys_t *t, const char *id, const uint32_t *row, int n_sinks)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1 << 16;
        run_key_t *k = realloc(t->k, cap * sizeof *k);
        if (!k)
            return ORDO_ENOMEM;
        t->k = k;
        t->cap = cap;
    }
    run_key_t *e = &t->k[t->n];
    if (!(e->id = ordo_arena_strdup(t->ids, id)))
        return ORDO_ENOMEM;
    e->seq = (uint32_t)t->n++;
    for (int s = 0; s < MODEL_RUN_MAX_SINKS; s++)
        e->row[s] = s < n_sinks ? row[s] : UINT32_MAX;
    return ORDO_OK;
}

/* Each decision record (not a shadow, with a plan, a time and an order
 * id) parsed once and shown to every sink. */
static int read_decisions(const char *log_dir, model_run_sink_t *sinks, int n_sinks, run_keys_t *t,
                          ordo_error_t *err)
{
    ordo_log_query_t q = {.raw = true};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    ordo_log_record_t rec;
    while (arena && (rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        ordo_record_t r;
        ordo_arena_reset(arena);
        if (ordo_record_read(rec.appended, rec.appended_len, 0, arena, &r, NULL))
            continue;
        if (r.shadow || !r.plan.present || !r.has_time || !r.order_id)
            continue;
        uint32_t row[MODEL_RUN_MAX_SINKS];
        int kept = 0;
        for (int s = 0; s < n_sinks && rc == 1; s++) {
            row[s] = UINT32_MAX;
            int src = sinks[s].record(sinks[s].ctx, &r, &row[s]);
            rc = src ? src : 1;
            kept |= row[s] != UINT32_MAX;
        }
        if (rc == 1 && kept && keys_add(t, r.order_id, row, n_sinks))
            rc = ORDO_ENOMEM;
        if (rc != 1)
            break;
    }
    if (!arena || rc == ORDO_ENOMEM)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

static int by_id_then_seq(const void *a, const void *b)
{
    const run_key_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sorted by id, one key per id: an order decided again (the same id
 * twice) takes its outcome on its latest decision, the plan it shipped. */
static void keys_sort(run_keys_t *t)
{
    qsort(t->k, t->n, sizeof *t->k, by_id_then_seq);
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (m && !strcmp(t->k[m - 1].id, t->k[i].id))
            m--;
        t->k[m++] = t->k[i];
    }
    t->n = m;
}

static const run_key_t *keys_find(const run_keys_t *t, const char *id)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->k[mid].id, id);
        if (!c)
            return &t->k[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int join_outcomes(const char *dir, model_run_sink_t *sinks, int n_sinks, const run_keys_t *t,
                         ordo_error_t *err)
{
    ordo_store_t *st;
    int rc = ordo_store_open_existing(dir, NULL, &st, err);
    if (rc)
        return rc;
    ordo_outcome_iter_t *it;
    if ((rc = ordo_store_outcome_iter_open(st, &it, err))) {
        ordo_store_close(st, NULL);
        return rc;
    }
    ordo_outcome_summary_t s;
    while ((rc = ordo_outcome_iter_next(it, &s, err)) == 1) {
        const run_key_t *k = keys_find(t, s.order_id);
        if (!k)
            continue;
        size_t n;
        const ordo_shipment_outcome_t *sh = ordo_outcome_iter_shipments(it, &n);
        for (int i = 0; i < n_sinks; i++)
            if (k->row[i] != UINT32_MAX)
                sinks[i].outcome(sinks[i].ctx, k->row[i], &s, sh, n);
    }
    ordo_outcome_iter_close(it);
    ordo_store_close(st, NULL);
    return rc < 0 ? rc : ORDO_OK;
}

int model_run_read(const char *dir, model_run_sink_t *sinks, int n_sinks, double *read_s,
                   double *join_s, ordo_error_t *err)
{
    if (n_sinks < 1 || n_sinks > MODEL_RUN_MAX_SINKS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "%d models to read a run for",
                              n_sinks);
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    run_keys_t t = {.ids = ordo_arena_create(1 << 20)};
    if (!t.ids)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    uint64_t t0 = ordo_now_ns();
    rc = read_decisions(dd.log, sinks, n_sinks, &t, err);
    uint64_t t1 = ordo_now_ns();
    if (!rc) {
        keys_sort(&t);
        rc = join_outcomes(dir, sinks, n_sinks, &t, err);
    }
    if (read_s)
        *read_s = (double)(t1 - t0) / 1e9;
    if (join_s)
        *join_s = (double)(ordo_now_ns() - t1) / 1e9;
    free(t.k);
    ordo_arena_destroy(t.ids);
    return rc;
}
