/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — HTTP with libmicrohttpd: routing, bearer tokens, limits,
 * errors, and the hand-over of /v1/source to the decision thread. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* ---- the route table: docs/api/openapi.json lists the same routes ---- */

static int h_source(ordo_server_t *s, srv_req_t *r)
{
    (void)s;
    (void)r;
    return 0; /* answered by the decision thread (SRV_QUEUED) */
}

const srv_route_t srv_routes[] = {
    {"GET", "/healthz", NULL, SRV_NO_SHED, srv_h_healthz, "healthz"},
    {"GET", "/metrics", NULL, SRV_NO_SHED, srv_h_metrics, "metrics"},
    {"POST", "/v1/source", NULL, SRV_QUEUED, h_source, "source"},
    {"POST", "/v1/source:batch", NULL, SRV_QUEUED, h_source, "source_batch"},
    {"POST", "/v1/inventory", NULL, SRV_WRITE, srv_h_inventory, "inventory"},
    {"POST", "/v1/signals", NULL, SRV_WRITE, srv_h_signals, "signals"},
    {"POST", "/v1/outcomes", NULL, SRV_WRITE, srv_h_outcomes, "outcomes"},
    {"GET", "/v1/experiments", NULL, 0, srv_h_exp_list, "experiments"},
    {"POST", "/v1/experiments", NULL, SRV_WRITE, srv_h_exp_create, "experiments_create"},
    {"GET", "/v1/experiments/{id}", NULL, 0, srv_h_exp_show, "experiment"},
    {"GET", "/v1/experiments/{id}", "/report", 0, srv_h_exp_report, "experiment_report"},
    {"POST", "/v1/experiments/{id}", ":start", SRV_WRITE, srv_h_exp_action, "experiment_start"},
    {"POST", "/v1/experiments/{id}", ":pause", SRV_WRITE, srv_h_exp_action, "experiment_pause"},
    {"POST", "/v1/experiments/{id}", ":stop", SRV_WRITE, srv_h_exp_action, "experiment_stop"},
    {"POST", "/v1/experiments/{id}", ":conclude", SRV_WRITE, srv_h_exp_action,
     "experiment_conclude"},
    {"POST", "/v1/experiments/{id}", ":kill", SRV_WRITE, srv_h_exp_action, "experiment_kill"},
    {"GET", "/v1/decisions/{id}", NULL, 0, srv_h_decision, "decision"},
    {"GET", "/v1/policies", NULL, 0, srv_h_policies, "policies"},
    {"POST", "/v1/policies", NULL, SRV_WRITE, srv_h_policy_register, "policies_create"},
    {"GET", "/v1/events", NULL, SRV_NO_SHED, srv_h_events, "events"},
    {"GET", "/v1/network", NULL, 0, srv_h_network, "network"},
    {"GET", "/v1/flows", NULL, 0, srv_h_flows, "flows"},
    {"GET", "/", NULL, SRV_NO_SHED, srv_h_asset, "dashboard"},
    {"GET", "/assets/", NULL, SRV_PREFIX | SRV_NO_SHED, srv_h_asset, "assets"},
    {"GET", "/v1/models", NULL, 0, srv_h_models, "models"},
    {"POST", "/v1/models/reload", NULL, SRV_WRITE, srv_h_models_reload, "models_reload"},
};
const uint32_t srv_n_routes = sizeof srv_routes / sizeof srv_routes[0];

bool srv_route_match(const srv_route_t *rt, const char *method, const char *url, char *arg,
                     size_t argn)
{
    if (method && strcmp(rt->method, method))
        return false;
    const char *brace = strstr(rt->pattern, "{id}");
    if (!brace) {
        if (rt->flags & SRV_PREFIX)
            return !strncmp(url, rt->pattern, strlen(rt->pattern));
        return !strcmp(url, rt->pattern);
    }
    size_t plen = (size_t)(brace - rt->pattern);
    if (strncmp(url, rt->pattern, plen))
        return false;
    const char *rest = url + plen;
    size_t n = strlen(rest), slen = rt->suffix ? strlen(rt->suffix) : 0;
    if (n <= slen || (slen && strcmp(rest + n - slen, rt->suffix)))
        return false;
    n -= slen;
    if (n >= argn || memchr(rest, '/', n))
        return false;
    /* ":action" belongs to a route with that suffix, not to the id */
    if (!slen && memchr(rest, ':', n))
        return false;
    memcpy(arg, rest, n);
    arg[n] = 0;
    return true;
}

const char *srv_query(srv_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- errors ---- */

int srv_error(srv_req_t *r, unsigned status, const char *code, const char *message,
              const char *field)
{
    ordo_buf_reset(&r->out);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "error");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "code", code);
    ordo_jsonw_kstr(&w, "message", message);
    ordo_jsonw_kstr(&w, "field", field && field[0] ? field : NULL);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    r->status = status;
    r->content_type = "application/json";
    return 0;
}

/* The HTTP status of an ordo error code. */
static unsigned status_of(int rc)
{
    switch (rc) {
    case ORDO_ENOTFOUND:
    case ORDO_ENOENT:
        return 404;
    case ORDO_EEXIST:
    case ORDO_ECONFLICT:
    case ORDO_ESTATE:
        return 409;
    case ORDO_EBUSY:
        return 503;
    case ORDO_EINVAL:
    case ORDO_EPARSE:
    case ORDO_ERANGE:
    case ORDO_EUNSUPPORTED:
    case ORDO_EFULL:
        return 400;
    case ORDO_ESTOCK:
    case ORDO_EINFEASIBLE:
        return 422;
    default:
        return 500;
    }
}

int srv_error_from(srv_req_t *r, int rc, const ordo_error_t *err)
{
    const char *msg = err && err->code && err->msg[0] ? err->msg : ordo_strerror(rc);
    srv_error(r, status_of(rc), ordo_errname(rc), msg, err ? err->field : NULL);
    if (r->status == 503)
        r->retry_after = 1;
    return 0;
}

/* ---- bearer tokens, compared in constant time ---- */

/* True when the Authorization header carries one of the configured
 * tokens. Both sides are hashed to 32 bytes first, so sodium_memcmp
 * compares equal lengths and the time does not depend on where (or
 * whether) the token differs, nor on its length; every token is tried. */
static bool token_ok(const ordo_server_t *s, const char *header)
{
    if (!header || strncmp(header, "Bearer ", 7))
        return false;
    const char *tok = header + 7;
    unsigned char got[32], want[32];
    crypto_generichash(got, sizeof got, (const unsigned char *)tok, strlen(tok), NULL, 0);
    int ok = 0;
    for (uint32_t i = 0; i < s->n_tokens; i++) {
        crypto_generichash(want, sizeof want, (const unsigned char *)s->tokens[i],
                           s->token_len[i], NULL, 0);
        ok |= sodium_memcmp(got, want, sizeof got) == 0;
    }
    return ok != 0;
}

/* ---- one request ---- */

static srv_req_t *req_new(struct MHD_Connection *c)
{
    srv_req_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    ordo_buf_init(&r->body, NULL);
    ordo_buf_init(&r->out, NULL);
    r->conn = c;
    r->t0 = ordo_now_ns();
    r->status = 200;
    r->content_type = "application/json";
    return r;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, srv_req_t *r)
{
    struct MHD_Response *resp;
    if (r->stream && r->status == 200)
        resp = r->stream, r->stream = NULL;
    else if (r->static_body)
        resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    else if (r->out.data && !r->out.arena && !r->out.oom) { /* the buffer itself, no copy */
        resp = MHD_create_response_from_buffer_with_free_callback(r->out.len, r->out.data, free);
        if (resp)
            ordo_buf_init(&r->out, NULL); /* MHD frees it with the response */
    } else
        resp = MHD_create_response_from_buffer(r->out.len, r->out.data, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    if (r->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (r->replayed)
        MHD_add_response_header(resp, "Idempotent-Replay", "true");
    enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Finds the route; 404 or 405 into r when none. */
static const srv_route_t *route_find(srv_req_t *r, const char *method, const char *url)
{
    bool path_known = false;
    for (uint32_t i = 0; i < srv_n_routes; i++) {
        if (srv_route_match(&srv_routes[i], NULL, url, r->arg, sizeof r->arg)) {
            path_known = true;
            if (!strcmp(srv_routes[i].method, method)) {
                r->route_index = i;
                return &srv_routes[i];
            }
        }
    }
    if (path_known)
        srv_error(r, 405, "EMETHOD", "method not allowed on this path", NULL);
    else
        srv_error(r, 404, "ENOTFOUND", "no such route", NULL);
    r->route_index = srv_n_routes; /* "unknown" in the metrics */
    return NULL;
}

/* First call of a request: route, token, declared body size, load. false
 * when the answer is already known (an error in r). */
static bool req_admit(ordo_server_t *s, srv_req_t *r, struct MHD_Connection *c,
                      const char *method, const char *url)
{
    size_t url_len = strlen(url);
    if (url_len >= sizeof r->url) {
        srv_error(r, 414, "ETOOLARGE", "path too long", "path");
        return false;
    }
    memcpy(r->url, url, url_len + 1); /* snprintf's "%s" cost ~1,000 instructions */
    r->route = route_find(r, method, url);
    if (!r->route)
        return false;
    if (atomic_load(&s->draining)) {
        srv_error(r, 503, "EBUSY", "the server is shutting down", NULL);
        r->retry_after = 1;
        return false;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if ((r->route->flags & SRV_WRITE) && !token_ok(s, auth)) {
        srv_error(r, 401, "EAUTH", "a write needs 'Authorization: Bearer TOKEN' with a token "
                  "of the server's configuration", "Authorization");
        return false;
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > s->cfg.server.body_max_bytes) {
        srv_error(r, 413, "ETOOLARGE", "request body exceeds server.body_max_bytes", "body");
        return false;
    }
    if (!(r->route->flags & (SRV_QUEUED | SRV_NO_SHED)) &&
        atomic_load(&s->inflight) > s->cfg.server.inflight_max) {
        atomic_fetch_add(&s->metrics.overload_503, 1);
        srv_error(r, 503, "EBUSY", "overloaded: too many requests in progress", NULL);
        r->retry_after = 1;
        return false;
    }
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    ordo_server_t *s = cls;
    srv_req_t *r = *state;
    if (!r) {
        if (!(r = req_new(c)))
            return MHD_NO;
        *state = r;
        atomic_fetch_add(&s->inflight, 1);
        if (!req_admit(s, r, c, method, url))
            r->route = NULL, r->queued = true, atomic_store(&r->done, true);
        return MHD_YES;
    }
    if (*upload_size) { /* body bytes */
        if (!r->body_too_large && r->body.len + *upload_size <= s->cfg.server.body_max_bytes)
            ordo_buf_append(&r->body, upload, *upload_size);
        else
            r->body_too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->queued) { /* answered (an early error, or the decision thread) */
        if (r->plan) { /* durable: its JSON is written here, off the decision thread */
            /* one allocation for a usual answer (1.3 KB for two lines)
             * rather than four as the buffer doubles from 256 bytes */
            ordo_buf_reserve(&r->out, SRV_ANSWER_RESERVE - 1);
            int rc = srv_plan_json(s, r->plan, &r->out);
            r->plan = NULL;
            if (rc)
                srv_error_from(r, rc, NULL);
        }
        srv_arena_put(s, r->arena);
        r->arena = NULL;
        return send_answer(c, r);
    }
    if (r->body_too_large) {
        srv_error(r, 413, "ETOOLARGE", "request body exceeds server.body_max_bytes", "body");
        return send_answer(c, r);
    }
    if (r->route->flags & SRV_QUEUED) {
        /* a single order is parsed here, on the worker: a refused one is
         * answered at once, never queued */
        if (!strcmp(r->route->metric, "source") && !srv_source_prepare(s, r))
            return send_answer(c, r);
        r->queued = true;
        r->deadline_ns = r->t0 + (uint64_t)s->cfg.server.deadline_ms * 1000000ull;
        MHD_suspend_connection(c); /* before the push: resume must find it suspended */
        srv_queue_push(s, r);
        return MHD_YES;
    }
    r->route->handler(s, r);
    return send_answer(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    ordo_server_t *s = cls;
    srv_req_t *r = *state;
    if (!r)
        return;
    uint32_t i = r->route_index < srv_n_routes ? r->route_index : srv_n_routes;
    srv_hist_add(&s->metrics.route_latency[i], ordo_now_ns() - r->t0);
    unsigned cls3 = r->status >= 500 ? 2 : r->status >= 400 ? 1 : 0;
    atomic_fetch_add(&s->metrics.route_status[i * 3 + cls3], 1);
    if (!r->uncounted)
        atomic_fetch_sub(&s->inflight, 1);
    if (r->stream) /* a stream that was not sent (an error answered instead) */
        MHD_destroy_response(r->stream);
    srv_arena_put(s, r->arena);
    ordo_buf_free(&r->body);
    ordo_buf_free(&r->out);
    free(r);
    *state = NULL;
}

/* HOST:PORT → sockaddr (IPv4 or IPv6 literal). */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, ordo_error_t *err)
{
    char host[128];
    snprintf(host, sizeof host, "%s", listen);
    char *colon = strrchr(host, ':');
    if (!colon)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "server.listen", "'%s' is not HOST:PORT",
                              listen);
    *colon = 0;
    int port = atoi(colon + 1);
    char *h = host;
    if (h[0] == '[' && colon > h && colon[-1] == ']') {
        h++;
        colon[-1] = 0;
    }
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, h, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, h, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
    } else {
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "server.listen",
                              "'%s' is not an IP address (give 127.0.0.1, ::1 or 0.0.0.0)", h);
    }
    return ORDO_OK;
}

int ordo_server_start(ordo_server_t *s, ordo_error_t *err)
{
    struct sockaddr_storage ss;
    int rc = parse_listen(s->cfg.server.listen, &ss, err);
    if (rc)
        return rc;
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialise");
    if ((rc = srv_queue_start(s, err)))
        return rc;
    /* poll(2) rather than epoll while a worker holds at most 64
     * connections: with epoll libmicrohttpd takes a suspended connection out
     * of the set and puts it back (two epoll_ctl a request) and reads
     * until EAGAIN (a second recvfrom): 8.1 system calls a decision, 4.3
     * with poll; but poll's cost grows with the idle connections in its
     * set (docs/internals/SERVER.md "System calls and threads") */
    bool poll = s->cfg.server.connections_max <= 64u * s->cfg.server.threads;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (poll ? MHD_USE_POLL : MHD_USE_EPOLL) |
                     MHD_ALLOW_SUSPEND_RESUME |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.server.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.server.connections_max,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.server.client_timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        /* a connection's memory pool is zeroed at every request of a
         * keep-alive: 16 KB (the default is 32) still holds any request
         * line and headers we accept, the body is copied out in chunks */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
    if (!s->mhd) {
        srv_queue_stop(s);
        return ordo_error_set(err, ORDO_EIO, NULL, 0, "server.listen", "cannot listen on %s",
                              s->cfg.server.listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    snprintf(host, sizeof host, "%s", s->cfg.server.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = 0;
    snprintf(s->bound, sizeof s->bound, "%s:%u", host, info ? (unsigned)info->port : 0u);
    s->started_ns = ordo_now_ns();
    return ORDO_OK;
}

void ordo_server_stop(ordo_server_t *s, uint32_t wait_ms)
{
    if (!s->mhd)
        return;
    atomic_store(&s->draining, true);
    int listen_fd = MHD_quiesce_daemon(s->mhd); /* no new connections; open ones finish */
    srv_events_wake(s);         /* event streams end */
    uint64_t until = ordo_now_ns() + (uint64_t)wait_ms * 1000000ull;
    while (atomic_load(&s->inflight) > 0 && ordo_now_ns() < until) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    srv_queue_stop(s); /* decides and commits what is queued, resumes it */
    srv_events_wake(s); /* streams see draining and end */
    MHD_stop_daemon(s->mhd);
    if (listen_fd >= 0) /* quiescing handed the listening socket to us */
        close(listen_fd);
    s->mhd = NULL;
}
