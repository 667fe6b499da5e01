/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve --config FILE [--listen HOST:PORT] | ordo serve --routes
 * The HTTP API (src/server/, docs/internals/SERVER.md). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../server/server.h"
#include "cli.h"

/* The route table, as docs/api/openapi.json must list it. */
static int print_routes(bool json)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_arr_begin(&w);
    for (uint32_t i = 0; i < srv_n_routes; i++) {
        const srv_route_t *rt = &srv_routes[i];
        char path[160];
        snprintf(path, sizeof path, "%s%s%s", rt->pattern, rt->flags & SRV_PREFIX ? "{path}" : "",
                 rt->suffix ? rt->suffix : "");
        if (json) {
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "method", rt->method);
            ordo_jsonw_kstr(&w, "path", path);
            ordo_jsonw_kbool(&w, "token", (rt->flags & SRV_WRITE) != 0);
            ordo_jsonw_obj_end(&w);
        } else {
            printf("%-5s %s%s\n", rt->method, path, rt->flags & SRV_WRITE ? "  (token)" : "");
        }
    }
    ordo_jsonw_arr_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (json && rc == ORDO_OK)
        ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return rc ? ordo_cli_fail(NULL, rc, json) : ORDO_EXIT_OK;
}

static void print_listening(const ordo_server_t *s, bool json)
{
    if (json)
        printf("{\"listening\":\"%s\",\"data\":\"%s\",\"nodes\":%u}\n", s->bound, s->data_dir,
               s->net->n_nodes);
    else
        printf("ordo serve: listening on http://%s (data %s, %u nodes)\n", s->bound, s->data_dir,
               s->net->n_nodes);
    fflush(stdout);
}

/* SIGHUP: the models again (server.models.*); a failure keeps the old. */
static void reload_models(ordo_server_t *s)
{
    ordo_error_t err = {0};
    char loaded[128];
    if (srv_models_reload(s, &err)) {
        fprintf(stderr, "ordo serve: SIGHUP: models not reloaded: %s\n", err.msg);
    } else {
        srv_models_describe(s, loaded, sizeof loaded);
        fprintf(stderr, "ordo serve: SIGHUP: models reloaded (%s)\n", loaded);
    }
}

static int run_server(const ordo_config_t *cfg, bool json)
{
    /* SIGTERM and SIGINT are taken by sigwait below, in this thread only:
     * blocked before any thread starts, so every thread inherits the mask */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    static ordo_server_t s; /* large; one per process */
    ordo_error_t err = {0};
    int rc = ordo_server_open(&s, cfg, &err);
    if (rc == ORDO_OK && (rc = ordo_server_start(&s, &err)))
        ordo_server_close(&s);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    print_listening(&s, json);
    /* the tick: outcomes other processes wrote (ordo outcomes ingest) */
    int sig = 0;
    const struct timespec tick = {1, 0};
    while ((sig = sigtimedwait(&set, NULL, &tick)) == SIGHUP || sig < 0) {
        if (sig < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (sig == SIGHUP)
            reload_models(&s);
        srv_outcomes_poll(&s);
    }
    fprintf(stderr, "ordo serve: %s: draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    ordo_server_stop(&s, 10000);
    ordo_server_close(&s); /* flushes the log */
    fprintf(stderr, "ordo serve: stopped; the log is flushed\n");
    return ORDO_EXIT_OK;
}

static int cmd_serve(const ordo_cli_args_t *a)
{
    if (ordo_cli_flag(a, "routes"))
        return print_routes(a->json);
    const char *file = ordo_cli_get(a, "config");
    if (!file)
        return ordo_cli_usage("serve", "--config FILE is required (or --routes)");
    ordo_config_t cfg;
    ordo_error_t err = {0};
    int rc = ordo_config_load(file, &cfg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    const char *listen = ordo_cli_get(a, "listen");
    if (listen && strlen(listen) < sizeof cfg.server.listen)
        snprintf(cfg.server.listen, sizeof cfg.server.listen, "%s", listen);
    return run_server(&cfg, a->json);
}

static const ordo_cli_opt_t serve_opts[] = {
    {"config", 'c', "FILE", "ordo.conf with a server.* section (docs/examples/ordo.conf)"},
    {"listen", 0, "HOST:PORT", "override server.listen (port 0: any free port, printed)"},
    {"routes", 0, NULL, "print the API's routes and exit (docs/api/openapi.json lists them)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_serve = {
    .name = "serve",
    .summary = "the HTTP API: sourcing decisions, experiments, metrics",
    .usage = "serve --config FILE [--listen HOST:PORT] [--json]\nserve --routes [--json]",
    .about = "Serves the JSON API under /v1 (docs/api/openapi.json), /healthz and /metrics\n"
             "(Prometheus) on server.listen, loopback by default. POST /v1/source decides,\n"
             "reserves and logs one order and answers once its record is durable under\n"
             "log.sync; writes need 'Authorization: Bearer TOKEN' with one of\n"
             "server.tokens. Prints the address it listens on, then runs until SIGTERM or\n"
             "SIGINT, which drain the requests in progress and flush the log. SIGHUP (or\n"
             "POST /v1/models/reload) loads server.models.eta again and swaps it in.\n"
             "Outcomes another process stores in the data directory (ordo outcomes ingest)\n"
             "reach the risk drift and the customer history within about a second.",
    .examples = "ordo serve --config ordo.conf\n"
                "ordo serve --config ordo.conf --listen 127.0.0.1:0 --json\n"
                "ordo serve --routes",
    .opts = serve_opts,
    .min_pos = 0,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_serve,
};
