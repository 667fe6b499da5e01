/* SPDX-License-Identifier: Apache-2.0 */
/* ordo source --network DIR --policy FILE|NAME [--explain] [ORDER.json]
 * One order from a file, or NDJSON orders on stdin → NDJSON plans. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/decide.h"
#include "ordo/source.h"

static void write_line_error(ordo_buf_t *b, long line, const ordo_error_t *err, int rc)
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
    if (!rc) {
        dopt->data_dir = ordo_cli_get(a, "data");
        dopt->default_policy = env->policy;
        rc = ordo_decider_open(env->net, env->eng, dopt, &r->decider, &err);
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

/* NDJSON orders on stdin, one plan (or error) line each. */
static int decide_stream(run_ctx_t *r)
{
    ordo_error_t err = {0};
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    int exit_code = ORDO_EXIT_OK;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    bool progress = ordo_cli_isatty_err();
    uint64_t t0 = ordo_now_ns();
    while ((n = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        if (progress && lineno % 10000 == 0) {
            double secs = (double)(ordo_now_ns() - t0) / 1e9;
            fprintf(stderr, "\r  %ld orders decided (%.0f/s)", lineno,
                    secs > 0 ? (double)lineno / secs : 0.0);
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        size_t k = 0;
        while (k < (size_t)n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == (size_t)n)
            continue;
        ordo_buf_reset(&out);
        ordo_error_clear(&err);
        int rc = decide_one(r, line, (size_t)n, 0, &out, &err);
        if (rc) {
            ordo_buf_reset(&out);
            write_line_error(&out, lineno, &err, rc);
            exit_code = ordo_cli_exit_code(rc);
        }
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    }
    free(line);
    if (progress && lineno >= 10000)
        fprintf(stderr, "\r  %ld orders decided\n", lineno);
    ordo_buf_free(&out);
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
    r.record = ordo_cli_flag(a, "record");
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
        exit_code = decide_stream(&r);
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
                         "batch never sells the same unit twice"},
    {"record", 0, NULL, "print decision records (the decision-log form) instead of plans"},
    {"data", 0, "DIR", "append every decision to the log in DIR/log, and route orders\n"
                       "through the experiments running in DIR/ordo.db (assigned\n"
                       "variants run their policy; shadow policies are logged beside\n"
                       "the real decision). --policy then sets the policy for orders\n"
                       "no experiment acts on (default: the registry's default, else\n"
                       "the built-in default). Without --data nothing is logged."},
    {"now", 0, "TIME", "decision time (ISO 8601) for ramps, switchback windows and\n"
                       "warm-up; default: each order's created time, else the clock"},
    {"compact", 0, NULL, "one-line JSON even for a single order"},
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
