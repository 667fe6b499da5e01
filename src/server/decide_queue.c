/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the decision thread: POST /v1/source and /v1/source:batch.
 *
 * HTTP threads parse a single order, suspend the request's connection and
 * queue it here. This thread takes everything queued at once (a group),
 * decides each order with the one decider (group_commit and defer_records:
 * decide only queues the record), and hands the group to the committer,
 * which encodes and appends the records, makes them durable (one write +
 * one fdatasync) and only then resumes the connections: no answer leaves
 * before its record is durable. While a group is being synced the next one queues up, so the
 * group size follows the load. */
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli/cli.h"
#include "server.h"

/* The order's last decision record (*seq: its seq; a second one only
 * follows a reservation PostgreSQL lost, see replay_order). */
static bool stored_record(ordo_server_t *s, const char *id, size_t id_len, ordo_buf_t *out,
                          uint64_t *seq)
{
    ordo_log_query_t q = {.key = id, .key_len = id_len};
    ordo_log_iter_t *it;
    ordo_error_t err = {0};
    if (ordo_log_iter_open(s->log_dir, &q, &it, &err))
        return false;
    ordo_log_record_t rec;
    bool found = false;
    size_t base = out->len;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        out->len = base;
        ordo_buf_append(out, rec.payload, rec.len);
        *seq = rec.seq;
        found = true;
    }
    ordo_log_iter_close(it);
    return found;
}

bool srv_stored_record(ordo_server_t *s, const char *id, size_t id_len, ordo_buf_t *out)
{
    uint64_t seq;
    return stored_record(s, id, id_len, out, &seq);
}

/* An order decided before (in this process or, through the log, in an
 * earlier one): everything decided so far is committed, then the plan of
 * its record is read back. No new decision, no second reservation; but on
 * PostgreSQL the record's reservation is checked first (a crash of the
 * server may have lost it): taken again when missing, and when its stock
 * is gone, *lost: the order is decided again (a second record). */
static int replay_order(ordo_server_t *s, const ordo_order_t *order, ordo_buf_t *out,
                        bool *lost, ordo_error_t *err)
{
    uint64_t last = atomic_load(&s->last_seq);
    int rc = ordo_decider_commit_durable(s->decider, err); /* the applier does the rest */
    /* PostgreSQL: the first answer may have been a 503 because the store
     * had not committed its reservations (a restart): the retry is not
     * acknowledged before they are */
    if (rc == ORDO_OK)
        rc = ordo_decider_store_wait(s->decider, last, 10000, err);
    if (rc)
        return rc;
    ordo_buf_t rec;
    ordo_buf_init(&rec, NULL);
    cJSON *j = NULL;
    char *plan = NULL;
    uint64_t seq = 0;
    bool found = stored_record(s, order->id, strlen(order->id), &rec, &seq);
    if (found && (rc = ordo_decider_replay_check(s->decider, seq, rec.data, rec.len, lost, err)))
        found = false;
    if (found && !*lost && (j = cJSON_ParseWithLength(rec.data, rec.len)))
        plan = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "plan"));
    if (plan)
        ordo_buf_puts(out, plan);
    else if (rc == ORDO_OK && !*lost)
        rc = ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "id",
                            "order '%s' was decided but its record cannot be read", order->id);
    cJSON_free(plan);
    cJSON_Delete(j);
    ordo_buf_free(&rec);
    if (rc == ORDO_OK && !*lost)
        atomic_fetch_add(&s->metrics.idempotent_replays, 1);
    return rc;
}

/* Decides one parsed order (in arena). The plan lives in arena: with
 * plan_out set it is handed back (its JSON is written later, by the HTTP
 * worker that sends it, off the decision thread); else its JSON goes into
 * out. A retry's plan (*replayed) is always in out. */
static int decide_order(ordo_server_t *s, srv_req_t *r, ordo_arena_t *arena,
                        const ordo_order_t *order, ordo_buf_t *out, ordo_plan_t **plan_out,
                        bool *replayed, ordo_error_t *err)
{
    uint32_t seen;
    size_t id_len = strlen(order->id);
    bool lost = false;
    int rc;
    if (ordo_strmap_get(s->decided, order->id, id_len, &seen) &&
        ((rc = replay_order(s, order, out, &lost, err)) || !lost)) {
        *replayed = true;
        return rc;
    }
    ordo_decider_set_deadline(s->decider, r->deadline_ns);
    ordo_decision_t dec;
    if ((rc = ordo_decider_decide(s->decider, order, order->created, arena, &dec, err)))
        return rc;
    ordo_strmap_put(s->decided, order->id, id_len, 1);
    if (dec.seq)
        atomic_store(&s->last_seq, dec.seq);
    atomic_fetch_add(&s->metrics.decisions, 1);
    if (dec.plan->status == ORDO_PLAN_FALLBACK)
        atomic_fetch_add(&s->metrics.fallbacks, 1);
    srv_metrics_variant(&s->metrics, dec.experiment, dec.variant);
    if (plan_out) { /* it outlives this call: nothing of it may point into the decider */
        ordo_plan_t *p = dec.plan;
        *plan_out = p;
        /* deferred records: decide copied them already, and the committer
         * may be encoding the record now */
        if (ordo_decider_records_deferred(s->decider))
            return ORDO_OK;
        p->policy_name = ordo_arena_strdup(arena, p->policy_name ? p->policy_name : "");
        p->policy_version = ordo_arena_strdup(arena, p->policy_version ? p->policy_version : "");
        return p->policy_name && p->policy_version ? ORDO_OK : ORDO_ENOMEM;
    }
    return srv_plan_json(s, dec.plan, out);
}

/* Parses one order text into arena (reset first). *bad_input: the text
 * was refused (the order is wrong: 400), not the memory. */
static int parse_order(ordo_server_t *s, ordo_arena_t *arena, const char *text, size_t len,
                       ordo_order_t **order, bool *bad_input, ordo_error_t *err)
{
    ordo_arena_reset(arena);
    /* in the arena, not on the stack: the plan points at its order */
    if (!(*order = ordo_arena_calloc(arena, 1, sizeof **order)))
        return ORDO_ENOMEM;
    int rc = ordo_order_parse(text, len, s->net, arena, *order, err);
    *bad_input = rc != ORDO_OK;
    return rc;
}

int srv_plan_json(ordo_server_t *s, const ordo_plan_t *plan, ordo_buf_t *out)
{
    ordo_jsonw_t w; /* the plan, as `ordo source` prints it */
    ordo_jsonw_init(&w, out, 0);
    ordo_plan_write_json(plan, s->net, &w);
    return ordo_jsonw_finish(&w);
}

/* A free list of arenas: a single request's plan stays in its own arena
 * until its worker has written the answer. */
static ordo_arena_t *arena_get(ordo_server_t *s)
{
    pthread_mutex_lock(&s->arenas_lock);
    ordo_arena_t *a = s->n_arenas ? s->arenas[--s->n_arenas] : NULL;
    pthread_mutex_unlock(&s->arenas_lock);
    return a ? a : ordo_arena_create(1 << 16);
}

void srv_arena_put(ordo_server_t *s, ordo_arena_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&s->arenas_lock);
    if (s->n_arenas < SRV_MAX_ARENAS) {
        s->arenas[s->n_arenas++] = a;
        a = NULL;
    }
    pthread_mutex_unlock(&s->arenas_lock);
    ordo_arena_destroy(a);
}

bool srv_source_prepare(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    bool bad_input = false;
    r->arena = arena_get(s);
    int rc = r->arena ? parse_order(s, r->arena, r->body.data ? r->body.data : "", r->body.len,
                                    &r->order, &bad_input, &err)
                      : ORDO_ENOMEM;
    if (rc == ORDO_OK)
        return true;
    r->order = NULL;
    srv_error_from(r, rc, &err);
    if (bad_input) /* an unknown SKU, a SKU twice...: the order is wrong */
        r->status = 400;
    return false;
}

/* POST /v1/source: one order, parsed by its worker (srv_source_prepare),
 * → its plan, or an error. */
static void source_single(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    bool replayed = false;
    int rc = decide_order(s, r, r->arena, r->order, &r->out, &r->plan, &replayed, &err);
    r->order = NULL; /* the plan keeps pointing at it, in r->arena */
    if (rc) {
        srv_error_from(r, rc, &err);
        return;
    }
    r->replayed = replayed;
    r->status = replayed ? 200 : 201;
}

/* POST /v1/source:batch: NDJSON orders → NDJSON plans, one line each
 * in the input's order; a bad line is the error line `ordo source` prints. */
static void source_batch(ordo_server_t *s, srv_req_t *r)
{
    ordo_buf_putc(&r->body, '\0');
    char *p = r->body.data;
    long line = 0;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n) {
            ordo_error_t err = {0};
            bool replayed = false;
            size_t mark = r->out.len;
            ordo_order_t *order;
            bool bad_input;
            int rc = parse_order(s, s->arena, p, n, &order, &bad_input, &err);
            if (rc == ORDO_OK)
                rc = decide_order(s, r, s->arena, order, &r->out, NULL, &replayed, &err);
            /* deferred records: encoded before the next line reuses the arena */
            if (rc == ORDO_OK)
                rc = ordo_decider_records_write(s->decider, &err);
            if (rc) {
                r->out.len = mark;
                ordo_cli_line_error(&r->out, line, &err, rc);
            }
            ordo_buf_putc(&r->out, '\n');
        }
        p = nl ? nl + 1 : NULL;
    }
    r->status = 200;
    r->content_type = "application/x-ndjson";
}

/* Decides a group (the decision thread). */
static void decide_group(ordo_server_t *s, srv_req_t *group)
{
    for (srv_req_t *r = group; r; r = r->next) {
        if (!strcmp(r->route->metric, "source_batch"))
            source_batch(s, r);
        else
            source_single(s, r);
    }
}

/* Commits a decided group, then answers it (the committer thread): no
 * answer leaves before the group's records are durable. The store's
 * follow-up of the commit (ordo_decider_commit_after) is the caller's, once
 * the answers are on their way. Returns the commit's code. */
static int commit_group(ordo_server_t *s, srv_req_t *group)
{
    ordo_error_t err = {0};
    uint64_t t0 = ordo_now_ns();
    uint64_t last = atomic_load(&s->last_seq); /* this group's records and maybe more */
    int rc = ordo_decider_commit_durable(s->decider, &err);
    if (rc == ORDO_OK) /* PostgreSQL: the reservations committed before the answers */
        rc = ordo_decider_store_wait(s->decider, last, 10000, &err);
    srv_hist_add(&s->metrics.fsync, ordo_now_ns() - t0);
    atomic_fetch_add(&s->metrics.groups, 1);
    srv_req_t *next;
    for (srv_req_t *r = group; r; r = next) {
        next = r->next;
        if (rc) { /* nothing of the group may be acknowledged */
            r->plan = NULL;
            srv_error_from(r, rc, &err);
        }
        atomic_store(&r->done, true);
        MHD_resume_connection(r->conn);
    }
    srv_events_wake(s);
    return rc;
}

/* Hands a decided group to the committer without waiting: groups decided
 * while it syncs join the next commit (one fdatasync for all of them), so
 * the decision thread never stops for a sync. */
static void handoff(srv_queue_t *q, srv_req_t *group)
{
    srv_req_t *tail = group;
    while (tail->next)
        tail = tail->next;
    pthread_mutex_lock(&q->commit_lock);
    if (q->handoff)
        q->handoff_tail->next = group;
    else
        q->handoff = group;
    q->handoff_tail = tail;
    if (q->commit_waiting) /* busy committing: it takes this group when done, no wake-up */
        pthread_cond_signal(&q->commit_cond);
    pthread_mutex_unlock(&q->commit_lock);
}

static void *commit_main(void *arg)
{
    ordo_server_t *s = arg;
    srv_queue_t *q = &s->queue;
    pthread_setname_np(pthread_self(), "ordo-commit");
    pthread_mutex_lock(&q->commit_lock);
    for (;;) {
        q->answered_ns = ordo_now_ns();
        while (!q->handoff && !q->commit_stop) {
            q->commit_waiting = true;
            pthread_cond_wait(&q->commit_cond, &q->commit_lock);
            q->commit_waiting = false;
        }
        srv_req_t *g = q->handoff; /* every group decided so far */
        if (!g)
            break; /* stopped, nothing left */
        q->handoff = q->handoff_tail = NULL;
        pthread_mutex_unlock(&q->commit_lock);
        /* answered: the store's part goes to the decider's applier
         * thread (ordo_decider_commit_after only wakes it) */
        if (commit_group(s, g) == ORDO_OK)
            ordo_decider_commit_after(s->decider);
        pthread_mutex_lock(&q->commit_lock);
    }
    pthread_mutex_unlock(&q->commit_lock);
    return NULL;
}

/* Takes the whole queue; waits up to wait_ms for one. NULL when empty. */
static srv_req_t *take_all(srv_queue_t *q, long wait_ms, bool *stop)
{
    pthread_mutex_lock(&q->lock);
    if (!q->head && !q->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += wait_ms * 1000 * 1000;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        q->waiting = true;
        pthread_cond_timedwait(&q->cond, &q->lock, &ts);
        q->waiting = false;
    }
    srv_req_t *g = q->head;
    q->head = q->tail = NULL;
    q->depth = 0;
    *stop = q->stop;
    pthread_mutex_unlock(&q->lock);
    return g;
}

/* True while the committer holds or syncs groups, or answered one less
 * than 2 ms ago: under load their clients' next requests follow at once. */
static bool commit_in_flight(srv_queue_t *q)
{
    pthread_mutex_lock(&q->commit_lock);
    bool busy = q->handoff || !q->commit_waiting || ordo_now_ns() - q->answered_ns < 2000000u;
    pthread_mutex_unlock(&q->commit_lock);
    return busy;
}

static void *decide_main(void *arg)
{
    ordo_server_t *s = arg;
    pthread_setname_np(pthread_self(), "ordo-decide");
    bool idle = true, stop = false;
    for (;;) {
        /* 2 ms after work (then the store is let go), 100 ms when idle */
        srv_req_t *g = take_all(&s->queue, idle ? 100 : 2, &stop);
        if (g) {
            decide_group(s, g);
            handoff(&s->queue, g);
            idle = false;
            continue;
        }
        if (stop)
            break;
        /* nothing for 2 ms and no answer pending: let other writers at the
         * store. A gap while a group syncs is not idleness (a store commit
         * there cost a WAL write of the hot pages every few groups, and
         * delayed the group that followed); under load the store is let go
         * every 500 ms anyway (ordo_decider_decide) */
        if (!idle && !commit_in_flight(&s->queue)) {
            ordo_decider_idle(s->decider, NULL);
            idle = true;
        }
    }
    ordo_decider_idle(s->decider, NULL);
    return NULL;
}

/* Lets the committer finish the groups it holds, then joins it. */
static void srv_committer_stop(srv_queue_t *q)
{
    pthread_mutex_lock(&q->commit_lock);
    q->commit_stop = true;
    pthread_cond_broadcast(&q->commit_cond);
    pthread_mutex_unlock(&q->commit_lock);
    pthread_join(q->committer, NULL);
}

int srv_queue_start(ordo_server_t *s, ordo_error_t *err)
{
    srv_queue_t *q = &s->queue;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    pthread_mutex_init(&q->commit_lock, NULL);
    pthread_cond_init(&q->commit_cond, NULL);
    if (pthread_create(&q->committer, NULL, commit_main, s))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot start the committer");
    if (pthread_create(&q->thread, NULL, decide_main, s)) {
        srv_committer_stop(q);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot start the decision thread");
    }
    q->started = true;
    return ORDO_OK;
}

void srv_queue_stop(ordo_server_t *s)
{
    srv_queue_t *q = &s->queue;
    if (!q->started)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    srv_committer_stop(q);
    q->started = false;
}

void srv_queue_push(ordo_server_t *s, srv_req_t *r)
{
    srv_queue_t *q = &s->queue;
    r->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->depth++;
    /* a decision thread at work takes the whole queue when it is done:
     * only one that waits needs the wake-up (a futex call saved per push) */
    if (q->waiting)
        pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}
