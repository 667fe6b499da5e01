/* ordo source --network DIR --policy FILE|NAME [--explain] [ORDER.json]
 * One order from a file, or NDJSON orders on stdin → NDJSON plans. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/decide.h"
#include "ordo/source.h"

static const char usage[] =
    "Usage: ordo source --network DIR --policy FILE|NAME [--explain] [ORDER.json]\n"
    "       ordo source --network DIR --policy FILE|NAME < orders.ndjson > plans.ndjson\n"
    "       ordo source --network DIR --data DIR [--policy P] [...]\n\n"
    "Decides which node ships which lines of each order, with which carrier\n"
    "service, and prints the plan: shipments, cost breakdown, ETA (p50, p90),\n"
    "on-time probability, return risk, totals, score and policy version.\n"
    "With ORDER.json one plan is printed (indented); without it, orders are read\n"
    "one per line from stdin and one plan per line is written to stdout (a bad\n"
    "line gives an {\"error\":...} line and the batch goes on).\n\n"
    "  --policy P     a policy file, or a built-in: default, proximity-first,\n"
    "                 cost-optimized, inventory-priority, store-fulfillment, drop-ship\n"
    "  --explain      also list every candidate considered and why it lost\n"
    "  --reserve      reserve the stock in memory as orders are decided, so a\n"
    "                 batch never sells the same unit twice\n"
    "  --record       print decision records (the decision-log form) instead of plans\n"
    "  --data DIR     append every decision to the log in DIR/log, and route orders\n"
    "                 through the experiments running in DIR/ordo.db (assigned\n"
    "                 variants run their policy; shadow policies are logged beside\n"
    "                 the real decision). --policy then sets the policy for orders\n"
    "                 no experiment acts on (default: the registry's default, else\n"
    "                 the built-in default). Without --data nothing is logged.\n"
    "  --now TIME     decision time (ISO 8601) for ramps, switchback windows and\n"
    "                 warm-up; default: each order's created time, else the clock\n"
    "  --compact      one-line JSON even for a single order\n"
    "  --json         errors as JSON\n";

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

static int run(int argc, char **argv)
{
    static const struct option opts[] = {{"network", required_argument, 0, 'N'},
                                         {"policy", required_argument, 0, 'p'},
                                         {"explain", no_argument, 0, 'e'},
                                         {"reserve", no_argument, 0, 'r'},
                                         {"record", no_argument, 0, 'R'},
                                         {"compact", no_argument, 0, 'c'},
                                         {"json", no_argument, 0, 'j'},
                                         {"data", required_argument, 0, 'D'},
                                         {"now", required_argument, 0, 'T'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dir = NULL, *pol = NULL, *data_dir = NULL;
    bool json = false, compact = false;
    run_ctx_t r;
    memset(&r, 0, sizeof r);
    ordo_decider_options_t dopt;
    ordo_decider_options_init(&dopt);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'N':
            dir = optarg;
            break;
        case 'p':
            pol = optarg;
            break;
        case 'e':
            dopt.explain = true;
            break;
        case 'r':
            dopt.reserve = true;
            break;
        case 'D':
            data_dir = optarg;
            break;
        case 'T':
            if (ordo_time_parse(optarg, &r.now))
                return ordo_cli_usage("source", "--now wants an ISO 8601 time, got '%s'", optarg);
            break;
        case 'R':
            r.record = true;
            break;
        case 'c':
            compact = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return ORDO_EXIT_OK;
        default:
            return ordo_cli_usage("source", "bad option");
        }
    }
    if (!dir || (!pol && !data_dir))
        return ordo_cli_usage("source", "--network and --policy (or --data) are required");
    if (argc - optind > 1)
        return ordo_cli_usage("source", "at most one ORDER.json");
    const char *order_file = optind < argc ? argv[optind] : NULL;
    ordo_error_t err = {0};
    ordo_policy_t *policy = NULL;
    ordo_network_t *net = NULL;
    int rc = pol ? ordo_policy_load(pol, &policy, &err) : ORDO_OK;
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    if ((rc = ordo_network_load(dir, NULL, &net, &err))) {
        ordo_policy_destroy(policy);
        return ordo_cli_fail(&err, rc, json);
    }
    ordo_engine_t *eng = NULL;
    if ((rc = ordo_engine_create(net, NULL, &eng, &err))) {
        ordo_network_destroy(net);
        ordo_policy_destroy(policy);
        return ordo_cli_fail(&err, rc, json);
    }
    dopt.data_dir = data_dir;
    dopt.default_policy = policy;
    if ((rc = ordo_decider_open(net, eng, &dopt, &r.decider, &err))) {
        ordo_engine_destroy(eng);
        ordo_network_destroy(net);
        ordo_policy_destroy(policy);
        return ordo_cli_fail(&err, rc, json);
    }
    r.net = net;
    r.arena = ordo_arena_create(1 << 20);
    int exit_code = ORDO_EXIT_OK;
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    if (!r.arena) {
        exit_code = ordo_cli_fail(NULL, ORDO_ENOMEM, json);
    } else if (order_file && strcmp(order_file, "-")) {
        char *data;
        size_t len;
        rc = ordo_read_file(order_file, &data, &len, &err);
        if (!rc) {
            rc = decide_one(&r, data, len, compact ? 0 : 1, &out, &err);
            free(data);
        }
        if (rc) {
            if (!err.file[0])
                snprintf(err.file, sizeof err.file, "%s", order_file);
            exit_code = ordo_cli_fail(&err, rc, json);
        } else {
            ordo_cli_print_buf(&out);
        }
    } else {
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
            rc = decide_one(&r, line, (size_t)n, 0, &out, &err);
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
    }
    ordo_buf_free(&out);
    ordo_arena_destroy(r.arena);
    ordo_error_clear(&err);
    if ((rc = ordo_decider_close(r.decider, &err)) && exit_code == ORDO_EXIT_OK)
        exit_code = ordo_cli_fail(&err, rc, json);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    ordo_policy_destroy(policy);
    if (fflush(stdout) != 0)
        return ORDO_EXIT_IO;
    return exit_code;
}

const ordo_cli_cmd_t ordo_cmd_source = {"source", "decide which nodes ship an order (plans)", run};
