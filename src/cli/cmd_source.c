/* SPDX-License-Identifier: Apache-2.0 */
/* ordo source --network DIR --policy FILE|NAME [--explain] [ORDER.json]
 * One order from a file, or NDJSON orders on stdin → NDJSON plans. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "model_risk.h"
#include "ordo/analyze.h"
#include "ordo/decide.h"
#include "ordo/source.h"

void ordo_cli_line_error(ordo_buf_t *b, long line, const ordo_error_t *err, int rc)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "line", line);
    ordo_jsonw_key(&w, "error");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "code", ordo_errname(rc));
    ordo_jsonw_kstr(&w, "message", err->code ? err->msg : ordo_strerror(rc));
    if (err->field[0])
        ordo_jsonw_kstr(&w, "field", err->field);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
}

typedef struct run_ctx {
    ordo_decider_t *decider;
    const ordo_network_t *net;
    bool record;
    int64_t now;
    ordo_arena_t *arena;
} run_ctx_t;

/* Decides one order text; fills out (plan or record JSON). */
static int decide_one(run_ctx_t *r, const char *text, size_t len, int pretty, ordo_buf_t *out,
                      ordo_error_t *err)
{
    ordo_arena_reset(r->arena);
    ordo_order_t order;
    int rc = ordo_order_parse(text, len, r->net, r->arena, &order, err);
    if (rc)
        return rc;
    ordo_decision_t dec;
    int64_t now = r->now ? r->now : order.created;
    rc = ordo_decider_decide(r->decider, &order, now, r->arena, &dec, err);
    if (rc)
        return rc;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, pretty);
    if (r->record) {
        ordo_decision_meta_t meta = {.experiment = dec.experiment,
                                     .variant = dec.variant,
                                     .bucket = dec.bucket,
                                     .excluded = dec.excluded,
                                     .unit = dec.unit,
                                     .cluster = dec.cluster,
                                     .window = dec.window,
                                     .has_control_cost = dec.has_control_cost,
                                     .control_cost = dec.control_cost};
        ordo_record_write(dec.plan, r->net, &meta, &w);
    } else {
        ordo_plan_write_json(dec.plan, r->net, &w);
    }
    return ordo_jsonw_finish(&w);
}

/* What `ordo source` holds open while it decides. */
typedef struct source_env {
    ordo_policy_t *policy;
    ordo_network_t *net;
    ordo_engine_t *eng;
    bool json;
} source_env_t;

/* With --data and a learned risk model: the customers' return history
 * from the data directory's log and outcomes, as `ordo serve` has it. */
static int source_customers(const ordo_cli_args_t *a, ordo_engine_t *eng, ordo_error_t *err)
{
    const char *dir = ordo_cli_get(a, "data");
    if (!dir || !ordo_cli_get(a, "risk-model"))
        return ORDO_OK;
    ordo_cust_feed_t *f = NULL;
    int rc = ordo_cust_feed_create(&f, err);
    if (!rc)
        rc = ordo_cust_feed_update(f, eng, dir, NULL, err);
    ordo_cust_feed_destroy(f);
    return rc;
}

/* Loads the policy and the network, creates the engine and opens the
 * decider; 0 or the exit code after printing the error. */
static int source_open(const ordo_cli_args_t *a, ordo_decider_options_t *dopt, source_env_t *env,
                       run_ctx_t *r)
{
    ordo_error_t err = {0};
    const char *pol = ordo_cli_get(a, "policy");
    int rc = pol ? ordo_cli_policy_load(pol, &env->policy, &err) : ORDO_OK;
    if (!rc)
        rc = ordo_cli_network_load(ordo_cli_get(a, "network"), &env->net, &err);
    if (!rc)
        rc = ordo_engine_create(env->net, NULL, &env->eng, &err);
    if (!rc && ordo_cli_get(a, "eta-model"))
        rc = ordo_cli_eta_model_apply(env->eng, env->net, ordo_cli_get(a, "eta-model"), &err);
    if (!rc && ordo_cli_get(a, "risk-model"))
        rc = ordo_cli_risk_model_apply(env->eng, env->net, ordo_cli_get(a, "risk-model"), &err);
    if (!rc && ordo_cli_get(a, "netval"))
        rc = ordo_cli_netval_apply(env->eng, env->net, ordo_cli_get(a, "netval"),
                                   ordo_cli_get(a, "data"), &err);
    if (!rc) {
        dopt->data_dir = ordo_cli_get(a, "data");
        dopt->default_policy = env->policy;
        rc = ordo_decider_open(env->net, env->eng, dopt, &r->decider, &err);
    }
    if (!rc && (rc = source_customers(a, env->eng, &err))) {
        ordo_decider_close(r->decider, NULL);
        r->decider = NULL;
    }
    /* a logging run records the network its data directory serves */
    if (!rc && dopt->data_dir && dopt->log &&
        (rc = ordo_cli_data_network_record(dopt->data_dir, ordo_cli_get(a, "network"), &err))) {
        ordo_decider_close(r->decider, NULL);
        r->decider = NULL;
    }
    if (rc) {
        ordo_engine_destroy(env->eng);
        ordo_network_destroy(env->net);
        ordo_policy_destroy(env->policy);
        return ordo_cli_fail(&err, rc, env->json);
    }
    r->net = env->net;
    return 0;
}

/* One order from a file: one plan, indented unless compact. */
static int decide_file(run_ctx_t *r, const char *order_file, bool compact, bool json)
{
    ordo_error_t err = {0};
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    char *data;
    size_t len;
    int rc = ordo_read_file(order_file, &data, &len, &err);
    if (!rc) {
        rc = decide_one(r, data, len, compact ? 0 : 1, &out, &err);
        free(data);
    }
    if (!rc) /* printed only once its record is durable */
        rc = ordo_decider_commit(r->decider, &err);
    int exit_code = ORDO_EXIT_OK;
    if (rc) {
        if (!err.file[0])
            snprintf(err.file, sizeof err.file, "%s", order_file);
        exit_code = ordo_cli_fail(&err, rc, json);
    } else {
        ordo_cli_print_buf(&out);
    }
    ordo_buf_free(&out);
    return exit_code;
}

/* stdin, line by line, with a deadline: a group waits for the next order
 * only until the group's time bound (poll), never longer. */
typedef struct line_reader {
    int fd;
    char *buf;
    size_t cap, start, end;
    bool eof;
} line_reader_t;

enum { LINE_OK = 1, LINE_EOF = 0, LINE_TIMEOUT = -1, LINE_ERROR = -2 };

/* Waits until fd is readable or deadline_ns (ordo_now_ns) passes. */
static int wait_readable(int fd, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t now = ordo_now_ns();
        int ms = now >= deadline_ns ? 0 : (int)((deadline_ns - now + 999999) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, ms);
        if (n > 0)
            return LINE_OK;
        if (n == 0)
            return LINE_TIMEOUT;
        if (errno != EINTR)
            return LINE_ERROR;
    }
}

/* The next line (its newline removed, NUL-terminated, valid until the next
 * call). deadline_ns 0: wait as long as it takes. */
static int line_next(line_reader_t *rd, uint64_t deadline_ns, char **line, size_t *len)
{
    for (;;) {
        char *nl = rd->end > rd->start ? memchr(rd->buf + rd->start, '\n', rd->end - rd->start)
                                       : NULL;
        if (nl || (rd->eof && rd->end > rd->start)) {
            size_t n = nl ? (size_t)(nl - (rd->buf + rd->start)) : rd->end - rd->start;
            *line = rd->buf + rd->start;
            *len = n;
            rd->start += nl ? n + 1 : n;
            (*line)[n] = 0; /* the newline, or the spare byte kept below */
            return LINE_OK;
        }
        if (rd->eof)
            return LINE_EOF;
        if (deadline_ns) {
            int w = wait_readable(rd->fd, deadline_ns);
            if (w != LINE_OK)
                return w;
        }
        if (rd->start > 0) {
            memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
            rd->end -= rd->start;
            rd->start = 0;
        }
        if (rd->cap - rd->end < 65536 + 1) {
            size_t cap = rd->cap ? rd->cap * 2 : 1 << 17;
            char *b = realloc(rd->buf, cap);
            if (!b)
                return LINE_ERROR;
            rd->buf = b;
            rd->cap = cap;
        }
        ssize_t got = read(rd->fd, rd->buf + rd->end, rd->cap - rd->end - 1);
        if (got > 0)
            rd->end += (size_t)got;
        else if (got == 0)
            rd->eof = true;
        else if (errno != EINTR)
            return LINE_ERROR;
    }
}

/* Whether a whole line (or the end of the input) is already buffered. */
static bool line_ready(const line_reader_t *rd)
{
    return rd->eof || (rd->end > rd->start && memchr(rd->buf + rd->start, '\n', rd->end - rd->start));
}

/* The plan (or error) lines of the orders decided since the last commit:
 * printed only once ordo_decider_commit has made their records durable. */
typedef struct group {
    ordo_buf_t lines;
    uint32_t n;          /* orders in the group */
    uint32_t max;        /* --group */
    uint64_t wait_ns;    /* --group-wait */
    uint64_t started_ns; /* when the group's first order was read */
} group_t;

/* The committer thread: commits a group and prints its lines while the
 * main thread decides the next group, so the batch does not wait for the
 * fdatasync. One group at a time is in its hands. */
typedef struct committer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ordo_decider_t *decider;
    ordo_buf_t lines; /* the group handed over */
    bool busy;        /* a group is handed over and not yet printed */
    bool stop;
    int rc;           /* the first failed commit: nothing after it is printed */
    ordo_error_t err;
} committer_t;

static void *committer_main(void *arg)
{
    committer_t *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->busy && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (!c->busy)
            break;
        bool failed = c->rc != ORDO_OK;
        pthread_mutex_unlock(&c->mu);
        ordo_error_t err = {0};
        /* every record of the group was appended before it was handed
         * over: the commit covers it (and maybe some of the next group) */
        int rc = failed ? ORDO_OK : ordo_decider_commit_durable(c->decider, &err);
        if (!failed && !rc) {
            if (c->lines.len)
                fwrite(c->lines.data, 1, c->lines.len, stdout);
            fflush(stdout);
            /* the store's part (it starts the decider's applier thread) */
            ordo_decider_commit_after(c->decider);
        }
        pthread_mutex_lock(&c->mu);
        if (rc && !c->rc) {
            c->rc = rc;
            c->err = err;
        }
        ordo_buf_reset(&c->lines);
        c->busy = false;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Hands the group over to the committer (after the one before it is
 * printed); false once a commit has failed (nothing more is printed).
 * Without wait, a committer still busy with the group before leaves the
 * group open (it keeps growing, up to --group). */
static bool group_commit_if(committer_t *c, group_t *g, bool wait)
{
    pthread_mutex_lock(&c->mu);
    if (c->busy && !wait) {
        int rc = c->rc;
        pthread_mutex_unlock(&c->mu);
        return rc == ORDO_OK;
    }
    while (c->busy)
        pthread_cond_wait(&c->cv, &c->mu);
    int rc = c->rc;
    if (!rc && g->n) {
        ordo_buf_t t = c->lines;
        c->lines = g->lines;
        g->lines = t;
        c->busy = true;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    g->n = 0;
    return rc == ORDO_OK;
}

static bool group_commit(committer_t *c, group_t *g)
{
    return group_commit_if(c, g, true);
}

/* Waits until the last group handed over is printed, stops the thread. */
static int committer_finish(committer_t *c, bool json)
{
    pthread_mutex_lock(&c->mu);
    while (c->busy)
        pthread_cond_wait(&c->cv, &c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    int rc = c->rc;
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    ordo_buf_free(&c->lines);
    return rc ? ordo_cli_fail(&c->err, rc, json) : ORDO_EXIT_OK;
}

/* Decides one input line into the group; the exit code of a bad line. */
static int stream_line(run_ctx_t *r, group_t *g, ordo_buf_t *out, char *line, size_t n,
                       long lineno)
{
    while (n > 0 && line[n - 1] == '\r')
        line[--n] = 0;
    size_t k = 0;
    while (k < n && (line[k] == ' ' || line[k] == '\t'))
        k++;
    if (k == n)
        return ORDO_EXIT_OK;
    if (g->n++ == 0)
        g->started_ns = ordo_now_ns();
    ordo_error_t err = {0};
    ordo_buf_reset(out);
    int rc = decide_one(r, line, n, 0, out, &err);
    int exit_code = ORDO_EXIT_OK;
    if (rc) {
        ordo_buf_reset(out);
        ordo_cli_line_error(out, lineno, &err, rc);
        exit_code = ordo_cli_exit_code(rc);
    }
    if (ordo_buf_append(&g->lines, out->data, out->len) || ordo_buf_putc(&g->lines, '\n'))
        return ordo_cli_fail(NULL, ORDO_ENOMEM, false);
    return exit_code;
}

/* NDJSON orders on stdin, one plan (or error) line each, printed a group
 * at a time: a group is committed (one fdatasync of its records) when it
 * holds --group orders, when --group-wait has passed since its first
 * order, when no next order arrives before that, and at the end. */
static int decide_stream(run_ctx_t *r, group_t *g, bool json)
{
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    ordo_buf_init(&g->lines, NULL);
    line_reader_t rd = {.fd = STDIN_FILENO};
    committer_t c = {.decider = r->decider};
    ordo_buf_init(&c.lines, NULL);
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    if (pthread_create(&c.thread, NULL, committer_main, &c)) {
        pthread_cond_destroy(&c.cv);
        pthread_mutex_destroy(&c.mu);
        ordo_buf_free(&out);
        ordo_buf_free(&g->lines);
        return ordo_cli_fail(NULL, ORDO_ENOMEM, json);
    }
    int exit_code = ORDO_EXIT_OK;
    long lineno = 0;
    bool progress = ordo_cli_isatty_err();
    uint64_t t0 = ordo_now_ns();
    for (;;) {
        if (g->n && (g->n >= g->max || ordo_now_ns() >= g->started_ns + g->wait_ns)) {
            /* the group's time is up: while the committer still syncs the
             * group before and input is waiting, keep deciding (the group
             * could not be printed sooner anyway) */
            bool wait = g->n >= g->max || !line_ready(&rd);
            if (!group_commit_if(&c, g, wait))
                break; /* reported by committer_finish */
        }
        char *line = NULL;
        size_t n = 0;
        if (!g->n && !line_ready(&rd) && wait_readable(rd.fd, 0) != LINE_OK) {
            /* about to wait: free the store for others */
            ordo_error_t err = {0};
            int rc = ordo_decider_idle(r->decider, &err);
            if (rc) {
                exit_code = ordo_cli_fail(&err, rc, json);
                break;
            }
        }
        int got = line_next(&rd, g->n ? g->started_ns + g->wait_ns : 0, &line, &n);
        if (got == LINE_TIMEOUT)
            continue; /* the group's time is up: committed above */
        if (got == LINE_ERROR) {
            exit_code = ordo_cli_fail(NULL, ORDO_EIO, json);
            break;
        }
        if (got == LINE_EOF)
            break;
        lineno++;
        if (progress && lineno % 10000 == 0) {
            double secs = (double)(ordo_now_ns() - t0) / 1e9;
            fprintf(stderr, "\r  %ld orders decided (%.0f/s)", lineno,
                    secs > 0 ? (double)lineno / secs : 0.0);
        }
        int x = stream_line(r, g, &out, line, n, lineno);
        if (x)
            exit_code = x;
    }
    group_commit(&c, g);
    int x = committer_finish(&c, json);
    if (x)
        exit_code = x;
    free(rd.buf);
    if (progress && lineno >= 10000)
        fprintf(stderr, "\r  %ld orders decided\n", lineno);
    ordo_buf_free(&out);
    ordo_buf_free(&g->lines);
    return exit_code;
}

static int run(const ordo_cli_args_t *a)
{
    source_env_t env = {.json = a->json};
    run_ctx_t r;
    memset(&r, 0, sizeof r);
    ordo_decider_options_t dopt;
    ordo_decider_options_init(&dopt);
    dopt.explain = ordo_cli_flag(a, "explain");
    dopt.reserve = ordo_cli_flag(a, "reserve");
    dopt.log = !ordo_cli_flag(a, "dry-run"); /* with --data: log and reserve, unless a dry run */
    dopt.group_commit = true; /* a plan is printed once its group is durable */
    dopt.log_follower = &ordo_facts_follower; /* DIR/facts kept as the log is written */
    r.record = ordo_cli_flag(a, "record");
    group_t g = {.max = 256, .wait_ns = 5000000};
    const char *gs = ordo_cli_get(a, "group"), *gw = ordo_cli_get(a, "group-wait");
    char *end;
    if (gs) {
        long v = strtol(gs, &end, 10);
        if (*gs < '0' || *gs > '9' || *end || v < 1 || v > 1000000)
            return ordo_cli_usage("source", "--group wants 1 to 1000000 orders, got '%s'", gs);
        g.max = (uint32_t)v;
    }
    if (gw) {
        double v = strtod(gw, &end);
        if (*gw < '0' || *gw > '9' || *end || !(v >= 0 && v <= 60000))
            return ordo_cli_usage("source", "--group-wait wants 0 to 60000 ms, got '%s'", gw);
        g.wait_ns = (uint64_t)(v * 1e6);
    }
    const char *now = ordo_cli_get(a, "now");
    if (now && ordo_time_parse(now, &r.now))
        return ordo_cli_usage("source", "--now wants an ISO 8601 time, got '%s'", now);
    if (!ordo_cli_get(a, "network") || (!ordo_cli_get(a, "policy") && !ordo_cli_get(a, "data")))
        return ordo_cli_usage("source", "--network and --policy (or --data) are required");
    const char *order_file = a->npos ? a->pos[0] : NULL;
    int exit_code = source_open(a, &dopt, &env, &r);
    if (exit_code)
        return exit_code;
    r.arena = ordo_arena_create(1 << 20);
    if (!r.arena)
        exit_code = ordo_cli_fail(NULL, ORDO_ENOMEM, a->json);
    else if (order_file && strcmp(order_file, "-"))
        exit_code = decide_file(&r, order_file, ordo_cli_flag(a, "compact"), a->json);
    else
        exit_code = decide_stream(&r, &g, a->json);
    ordo_arena_destroy(r.arena);
    ordo_error_t err = {0};
    int rc = ordo_decider_close(r.decider, &err);
    if (rc && exit_code == ORDO_EXIT_OK)
        exit_code = ordo_cli_fail(&err, rc, a->json);
    ordo_engine_destroy(env.eng);
    ordo_network_destroy(env.net);
    ordo_policy_destroy(env.policy);
    return exit_code;
}

static const ordo_cli_opt_t opts[] = {
    {"network", 0, "DIR", "the network (required)"},
    {"policy", 0, "P", "a policy file, or a built-in name (ordo policy list)"},
    {"explain", 0, NULL, "also list every candidate considered and why it lost"},
    {"reserve", 0, NULL, "reserve the stock in memory as orders are decided, so a\n"
                         "batch never sells the same unit twice. With --data stock is\n"
                         "always reserved, in the data directory's store (shared by\n"
                         "every run and process on it), unless --dry-run"},
    {"dry-run", 0, NULL, "with --data: route through the experiments but log nothing and\n"
                         "reserve nothing in the store (plans are promises of nothing)"},
    {"record", 0, NULL, "print decision records (the decision-log form) instead of plans"},
    {"data", 0, "DIR", "append every decision to the log in DIR/log, and route orders\n"
                       "through the experiments running in DIR/ordo.db (assigned\n"
                       "variants run their policy; shadow policies are logged beside\n"
                       "the real decision). --policy then sets the policy for orders\n"
                       "no experiment acts on (default: the registry's default, else\n"
                       "the built-in default). Without --data nothing is logged."},
    {"group", 0, "N", "with --data, print plans a group of at most N orders at a time\n"
                      "(default 256): the group's records are made durable with one\n"
                      "fdatasync, then its plans are printed, so every printed plan\n"
                      "is in the log even after a crash. 1: one fdatasync per order"},
    {"group-wait", 0, "MS", "the longest a group stays open, from its first order\n"
                            "(default 5 ms; fractions allowed): a group is committed\n"
                            "and printed when it is full, when MS have passed, when no\n"
                            "next order arrives within them, and at the end of the input"},
    {"now", 0, "TIME", "decision time (ISO 8601) for ramps, switchback windows and\n"
                       "warm-up, and the instant an order without created is\n"
                       "decided as of; default: each order's created time, else\n"
                       "the clock"},
    {"compact", 0, NULL, "one-line JSON even for a single order"},
    {"eta-model", 0, "FILE", "time shipments with this learned ETA model (ordo model train;\n"
                             "docs/models.md) where the policy does not say \"eta\":\n"
                             "\"published\"; records name it (eta_model)"},
    {"risk-model", 0, "FILE", "price returns (and cancellation where the policy prices it)\n"
                              "with this learned risk model (ordo model train) unless the\n"
                              "policy says \"risk\": \"parametric\"; records name it (risk_model);\n"
                              "with --data, the customers' return history comes from its\n"
                              "decision log and outcomes (as in ordo serve)"},
    {"netval", 0, "FILE|latest", "the network value of stock (ordo model train --kind netval): a\n"
                          "netval-vN.json file, a version or latest (in --data's models);\n"
                          "policies with \"network_value\": true price it; records name it\n"
                          "(netval_model)"},
    {"json", 0, NULL, "errors as JSON (plans are JSON already)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_source = {
    .name = "source",
    .summary = "decide which nodes ship an order (plans)",
    .usage = "source --network DIR --policy FILE|NAME [--explain] [ORDER.json]\n"
             "source --network DIR --policy FILE|NAME < orders.ndjson > plans.ndjson\n"
             "source --network DIR --data DIR [--policy P] [...]",
    .about = "Decides which node ships which lines of each order, with which carrier\n"
             "service, and prints the plan: shipments, cost breakdown, ETA (p50, p90),\n"
             "on-time probability, return risk, totals, score and policy version.\n"
             "With ORDER.json one plan is printed (indented); without it, orders are read\n"
             "one per line from stdin and one plan per line is written to stdout (a bad\n"
             "line gives an {\"error\":...} line and the batch goes on).",
    .examples = "ordo source --network docs/examples/network --policy default "
                "docs/examples/order.json\n"
                "ordo source --network docs/examples/network --policy cost-optimized "
                "< docs/examples/orders.ndjson",
    .opts = opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
