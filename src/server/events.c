/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — GET /v1/events: the decision stream as Server-Sent Events,
 * resumable. Each event is one line of `ordo log tail` (the same writer):
 *   id: SEQ\nevent: decision|shadow\ndata: {"seq","type","record"}\n\n
 * ?from=N starts at seq N; a reconnecting EventSource's Last-Event-ID: N
 * resumes at N+1. When the stream has caught up with the log it suspends
 * its connection; the committer wakes every stream after each group. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "server.h"

typedef struct srv_stream {
    ordo_server_t *s;
    struct MHD_Connection *conn;
    uint64_t next_seq;
    ordo_buf_t pending;
    size_t off;
    uint64_t woken; /* wakes seen; a stream suspends only when none came since its read */
    struct srv_stream *next_waiting;
} srv_stream_t;

static void sse_event(void *ctx, uint64_t seq, uint16_t type, const ordo_buf_t *line)
{
    srv_stream_t *st = ctx;
    ordo_buf_printf(&st->pending, "id: %llu\nevent: %s\ndata: ", (unsigned long long)seq,
                    type == ORDO_LOG_REC_SHADOW ? "shadow" : "decision");
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
        if (ordo_cli_events_read(st->s->log_dir, st->next_seq, 1 << 16, sse_event, st,
                                 &st->next_seq, &err) &&
            err.code != ORDO_ENOENT)
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
    ordo_buf_free(&st->pending);
    free(st);
}

int srv_h_events(ordo_server_t *s, srv_req_t *r)
{
    const char *from = srv_query(r, "from");
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    char *end = NULL;
    uint64_t next = 1;
    if (from) {
        next = strtoull(from, &end, 10);
        if (!*from || *end || next < 1)
            return srv_error(r, 400, "ERANGE", "from must be a sequence number >= 1", "from");
    } else if (last && *last) {
        next = strtoull(last, &end, 10) + 1;
    }
    srv_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        return srv_error_from(r, ORDO_ENOMEM, NULL);
    st->s = s;
    st->conn = r->conn;
    st->next_seq = next;
    ordo_buf_init(&st->pending, NULL);
    r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1 << 16, stream_read, st,
                                                  stream_free);
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
