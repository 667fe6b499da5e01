/* SPDX-License-Identifier: Apache-2.0 */
/* bench_http_bare — a bare HTTP endpoint (GET or POST → 200 {"ok":true})
 * served by libmicrohttpd or by h2o's evloop library, to compare the two
 * on this machine with wrk (bench/bench_serve.sh runs both in one run;
 * docs/internals/SERVER.md has the figures and the choice).
 *
 *   bench_http_bare mhd|h2o PORT [THREADS]
 *
 * Runs until SIGTERM/SIGINT. Both read the whole request body and answer
 * the same 12 bytes with keep-alive, on THREADS threads (default 2):
 * libmicrohttpd's internal thread pool, or one h2o event loop per thread
 * on its own SO_REUSEPORT listener. */
#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char BODY[] = "{\"ok\":true}\n";
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* ---- libmicrohttpd ---- */
static enum MHD_Result mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version,
                                   const char *upload, size_t *upload_size, void **state)
{
    static int first;
    if (*state == NULL) {
        *state = &first;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static int run_mhd(int port, int threads)
{
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL,
        mhd_handler, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 10000u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mhd: cannot listen on %d\n", port);
        return 1;
    }
    while (!stop_flag)
        pause();
    MHD_stop_daemon(d);
    return 0;
}

/* ---- h2o evloop ---- */
static h2o_globalconf_t h2o_config;
static int h2o_port;

static int h2o_handler(h2o_handler_t *self, h2o_req_t *req)
{
    static h2o_generator_t gen = {NULL, NULL};
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_start_response(req, &gen);
    h2o_iovec_t body = h2o_iovec_init(BODY, sizeof BODY - 1);
    h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
    return 0;
}

typedef struct h2o_worker {
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
} h2o_worker_t;

static void h2o_on_accept(h2o_socket_t *listener, const char *err)
{
    h2o_worker_t *w = listener->data;
    h2o_socket_t *sock;
    if (err)
        return;
    if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
        return;
    h2o_accept(&w->accept_ctx, sock);
}

static int h2o_listen(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((uint16_t)h2o_port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, SOMAXCONN)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void *h2o_thread(void *arg)
{
    h2o_worker_t *w = arg;
    h2o_context_init(&w->ctx, h2o_evloop_create(), &h2o_config);
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = h2o_config.hosts;
    int fd = h2o_listen();
    if (fd < 0) {
        fprintf(stderr, "h2o: cannot listen on %d\n", h2o_port);
        exit(1);
    }
    h2o_socket_t *sock = h2o_evloop_socket_create(w->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = w;
    h2o_socket_read_start(sock, h2o_on_accept);
    while (!stop_flag)
        h2o_evloop_run(w->ctx.loop, 100);
    return NULL;
}

static int run_h2o(int port, int threads)
{
    h2o_port = port;
    h2o_config_init(&h2o_config);
    h2o_hostconf_t *host =
        h2o_config_register_host(&h2o_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof *h);
    h->on_req = h2o_handler;
    h2o_worker_t *workers = calloc((size_t)threads, sizeof *workers);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (int i = 0; i < threads; i++)
        pthread_create(&tids[i], NULL, h2o_thread, &workers[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    free(workers);
    free(tids);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_http_bare mhd|h2o PORT [THREADS]\n");
        return 0; /* make bench runs every bench_*: nothing to do alone */
    }
    int port = atoi(argv[2]), threads = argc > 3 ? atoi(argv[3]) : 2;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(argv[1], "mhd"))
        return run_mhd(port, threads);
    if (!strcmp(argv[1], "h2o"))
        return run_h2o(port, threads);
    fprintf(stderr, "bench_http_bare: unknown library %s\n", argv[1]);
    return 2;
}
