/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — GET /v1/events: the decisions of the log and the outcomes
 * of the store as Server-Sent Events, resumable. Each event's data is one
 * line of `ordo log tail` (the same writers, src/cli/cmd_log_tail.c):
 *   id: D:O\nevent: decision|shadow|outcome\ndata: LINE\n\n
 * D is the log sequence number of the last decision or shadow record sent,
 * O the store's outcome change number of the last outcome sent, so the id
 * of any event is where to resume. ?from=N starts the records at seq N,
 * ?outcomes_since=M the outcomes after change M, ?types=K,... picks the
 * kinds; a reconnecting EventSource's Last-Event-ID: D:O resumes after
 * both. When the stream has caught up it suspends its connection; the
 * committer wakes every stream after each group, POST /v1/outcomes after
 * its commit, and the main thread's one-second tick (outcomes written by
 * other processes). */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "server.h"

/* Outcome changes read at most per pass of a stream. */
#define STREAM_OUTCOME_CHANGES 1024

typedef struct srv_stream {
    ordo_server_t *s;
    struct MHD_Connection *conn;
    unsigned kinds;      /* ORDO_CLI_EV_* */
    uint64_t next_seq;   /* the next log record */
    uint64_t since;      /* outcomes: the last change sent */
    ordo_store_t *store; /* for the outcomes, opened at their first read */
    ordo_buf_t pending;
    size_t off;
    uint64_t woken; /* wakes seen; a stream suspends only when none came since its read */
    struct srv_stream *next_waiting;
} srv_stream_t;

static void sse_event(void *ctx, uint64_t seq, const char *kind, const ordo_buf_t *line)
{
    srv_stream_t *st = ctx;
    bool outcome = !strcmp(kind, "outcome");
    /* a record's seq is already in next_seq (seq + 1); an outcome's
     * change is not yet in since */
    ordo_buf_printf(&st->pending,
                    "id: %llu:%llu\nevent: %s\ndata: ", (unsigned long long)(st->next_seq - 1),
                    (unsigned long long)(outcome ? seq : st->since), kind);
    ordo_buf_append(&st->pending, line->data, line->len);
    ordo_buf_puts(&st->pending, "\n\n");
}

/* Suspends the stream until the next wake, unless one came meanwhile. */
static void stream_wait(srv_stream_t *st)
{
    ordo_server_t *s = st->s;
    pthread_mutex_lock(&s->streams_lock);
    if (st->woken == s->stream_wakes) {
        MHD_suspend_connection(st->conn);
        st->next_waiting = s->waiting;
        s->waiting = st;
    }
    pthread_mutex_unlock(&s->streams_lock);
}

void srv_events_wake(ordo_server_t *s)
{
    pthread_mutex_lock(&s->streams_lock);
    s->stream_wakes++;
    for (srv_stream_t *st = s->waiting; st; st = st->next_waiting)
        MHD_resume_connection(st->conn);
    s->waiting = NULL;
    pthread_mutex_unlock(&s->streams_lock);
}

/* The outcomes changed since the stream's last one, into pending. A store
 * not created yet has none. */
static int read_outcomes(srv_stream_t *st, ordo_error_t *err)
{
    if (!st->store) {
        int rc = ordo_store_open_existing(st->s->data_dir, NULL, &st->store, err);
        if (rc)
            return rc == ORDO_ENOENT ? ORDO_OK : rc;
    }
    return ordo_cli_outcomes_read(st->store, st->since, STREAM_OUTCOME_CHANGES, sse_event, st,
                                  &st->since, err);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    srv_stream_t *st = cls;
    if (st->off == st->pending.len) {
        ordo_buf_reset(&st->pending);
        st->off = 0;
        pthread_mutex_lock(&st->s->streams_lock);
        st->woken = st->s->stream_wakes;
        pthread_mutex_unlock(&st->s->streams_lock);
        ordo_error_t err = {0};
        if ((st->kinds & (ORDO_CLI_EV_DECISION | ORDO_CLI_EV_SHADOW)) &&
            ordo_cli_events_read(st->s->log_dir, st->next_seq, st->kinds, 1 << 16, sse_event, st,
                                 &st->next_seq, &err) &&
            err.code != ORDO_ENOENT)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if ((st->kinds & ORDO_CLI_EV_OUTCOME) && read_outcomes(st, &err))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!st->pending.len) {
            if (atomic_load(&st->s->draining))
                return MHD_CONTENT_READER_END_OF_STREAM;
            stream_wait(st);
            return 0;
        }
    }
    size_t n = st->pending.len - st->off < max ? st->pending.len - st->off : max;
    memcpy(buf, st->pending.data + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    srv_stream_t *st = cls;
    ordo_store_close(st->store, NULL);
    ordo_buf_free(&st->pending);
    free(st);
}

/* A sequence number: the whole of [p, p + n) in decimal digits, no sign. */
static bool parse_u64(const char *p, size_t n, uint64_t *out)
{
    int64_t v;
    if (!n || p[0] < '0' || p[0] > '9' || ordo_parse_i64(p, n, &v) != ORDO_OK)
        return false;
    *out = (uint64_t)v;
    return true;
}

int srv_h_events(ordo_server_t *s, srv_req_t *r)
{
    const char *from = srv_query(r, "from"), *osince = srv_query(r, "outcomes_since");
    const char *types = srv_query(r, "types");
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    uint64_t next = 1, since = 0;
    unsigned kinds = ORDO_CLI_EV_DECISION | ORDO_CLI_EV_SHADOW | ORDO_CLI_EV_OUTCOME;
    if (types && !ordo_cli_event_kinds(types, &kinds))
        return srv_error(r, 400, "EINVAL",
                         "types must be a comma-separated list of decision, shadow, outcome",
                         "types");
    if (from && (!parse_u64(from, strlen(from), &next) || next < 1))
        return srv_error(r, 400, "ERANGE", "from must be a sequence number >= 1", "from");
    if (osince && !parse_u64(osince, strlen(osince), &since))
        return srv_error(r, 400, "ERANGE", "outcomes_since must be an outcome change number >= 0",
                         "outcomes_since");
    if (last && *last) {
        /* a reconnecting client (its URL unchanged): D:O, or D alone as
         * older servers sent, resumes after both, whatever the query says */
        const char *colon = strchr(last, ':');
        size_t dn = colon ? (size_t)(colon - last) : strlen(last);
        uint64_t d;
        if (!parse_u64(last, dn, &d) || (colon && !parse_u64(colon + 1, strlen(colon + 1), &since)))
            return srv_error(r, 400, "EINVAL", "Last-Event-ID must be D:O, two sequence numbers",
                             "Last-Event-ID");
        next = d + 1;
    }
    srv_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        return srv_error_from(r, ORDO_ENOMEM, NULL);
    st->s = s;
    st->conn = r->conn;
    st->kinds = kinds;
    st->next_seq = next;
    st->since = since;
    ordo_buf_init(&st->pending, NULL);
    r->stream =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1 << 16, stream_read, st, stream_free);
    if (!r->stream) {
        stream_free(st);
        return srv_error_from(r, ORDO_ENOMEM, NULL);
    }
    r->content_type = "text/event-stream";
    /* open for as long as the client listens: not a request in progress
     * for the overload limit (server.inflight_max) */
    atomic_fetch_sub(&s->inflight, 1);
    r->uncounted = true;
    return 0;
}
