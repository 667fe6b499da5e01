/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — experiment reports and the guardrail monitor.
 *
 *   ordo analyze DIR [--format text|json|html] [--out FILE] [--experiment ID]
 *                    [--metrics FILE] [--network DIR] [--json]
 *   ordo analyze DIR --monitor [--dry-run] [--experiment ID] [--json]
 *
 * How to read a report: docs/reports.md; internals: docs/internals/ANALYZE.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/analyze.h"

static int run_monitor(const char *dir, const ordo_analyze_options_t *opt, bool dry, bool json)
{
    ordo_analyze_monitor_result_t res;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_analyze_monitor(dir, opt, NULL, NULL, dry, &res, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    if (json) {
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "experiment", res.experiment);
        ordo_jsonw_kint(&w, "checks", (int64_t)res.n_guardrails);
        ordo_jsonw_key(&w, "breaches");
        ordo_jsonw_arr_begin(&w);
        for (size_t i = 0; i < res.n_breaches && i < ORDO_ANALYZE_MAX_BREACHES; i++) {
            const ordo_analyze_breach_t *x = &res.breaches[i];
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "metric", x->metric);
            ordo_jsonw_kstr(&w, "variant", x->variant);
            ordo_jsonw_kdouble(&w, "estimate", x->estimate);
            ordo_jsonw_kdouble(&w, "cs_low", x->cs_low);
            ordo_jsonw_kdouble(&w, "cs_high", x->cs_high);
            ordo_jsonw_kdouble(&w, "margin", x->margin);
            ordo_jsonw_kdouble(&w, "p_value", x->p_value);
            ordo_jsonw_obj_end(&w);
        }
        ordo_jsonw_arr_end(&w);
        ordo_jsonw_kbool(&w, "stopped", res.stopped);
        if (res.stop_rc) {
            ordo_jsonw_kstr(&w, "stop_error", res.stop_msg);
        }
        ordo_jsonw_kbool(&w, "dry_run", dry);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
    } else {
        printf("Experiment %s: %zu guardrail check(s), %zu breach(es)\n", res.experiment,
               res.n_guardrails, res.n_breaches);
        for (size_t i = 0; i < res.n_breaches && i < ORDO_ANALYZE_MAX_BREACHES; i++) {
            const ordo_analyze_breach_t *x = &res.breaches[i];
            printf("  BREACH %s (%s): difference %.6g, confidence sequence [%.6g, %.6g], "
                   "margin %.6g\n",
                   x->metric, x->variant, x->estimate, x->cs_low, x->cs_high, x->margin);
        }
        if (res.n_breaches) {
            if (dry)
                printf("dry run: nothing stopped\n");
            else if (res.stopped)
                printf("experiment %s stopped (audit: actor guardrail, action guardrail_stop)\n",
                       res.experiment);
            else
                printf("could not stop the experiment: %s\n", res.stop_msg);
        }
    }
    ordo_buf_free(&b);
    if (res.n_breaches && !dry && !res.stopped && res.stop_rc)
        return ordo_cli_exit_code(res.stop_rc);
    return res.n_breaches ? ORDO_EXIT_FAIL : ORDO_EXIT_OK;
}

static void fill_facts_update(ordo_jsonw_t *w, const void *ctx)
{
    const ordo_analyze_facts_stats_t *st = ctx;
    ordo_jsonw_kint(w, "records_read", (int64_t)st->records_read);
    ordo_jsonw_kint(w, "rows", (int64_t)st->rows);
    ordo_jsonw_kbool(w, "rebuilt", st->rebuilt);
    if (st->rebuilt)
        ordo_jsonw_kstr(w, "why", st->why);
    ordo_jsonw_kint(w, "outcomes", (int64_t)st->outcomes);
    ordo_jsonw_kbool(w, "outcomes_rebuilt", st->outcomes_rebuilt);
}

/* --facts update: DIR/facts brought up to date, no report. */
static int run_facts_update(const char *dir, const ordo_analyze_options_t *opt, bool json)
{
    ordo_analyze_facts_stats_t st;
    ordo_error_t err;
    int rc = ordo_analyze_facts_update(dir, opt, &st, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    if (json) {
        ordo_cli_print_obj(fill_facts_update, &st);
        return ORDO_EXIT_OK;
    }
    printf("facts: %llu log record(s) read, %llu row(s)%s%s%s; outcome facts: %llu order(s)%s\n",
           (unsigned long long)st.records_read, (unsigned long long)st.rows,
           st.rebuilt ? " (rebuilt: " : "", st.rebuilt ? st.why : "", st.rebuilt ? ")" : "",
           (unsigned long long)st.outcomes, st.outcomes_rebuilt ? " (read again from the store)" : "");
    return ORDO_EXIT_OK;
}

static int run(const ordo_cli_args_t *args)
{
    const char *format = ordo_cli_get(args, "format"), *exp = ordo_cli_get(args, "experiment"),
               *metrics = ordo_cli_get(args, "metrics"), *network = ordo_cli_get(args, "network"),
               *data = ordo_cli_get(args, "data"), *facts = ordo_cli_get(args, "facts");
    bool monitor = ordo_cli_flag(args, "monitor"), dry = ordo_cli_flag(args, "dry-run");
    const char *from = ordo_cli_get(args, "from");
    if (from && strcmp(from, "postgres"))
        return ordo_cli_usage("analyze", "--from must be postgres, not '%s'", from);
    if (!format)
        format = "text";
    if (args->json)
        format = "json";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
        return ordo_cli_usage("analyze", "--format must be text, json or html, not '%s'", format);
    ordo_analyze_facts_t facts_mode = ORDO_ANALYZE_FACTS_AUTO;
    bool facts_update = facts && !strcmp(facts, "update");
    if (facts_update && (monitor || from))
        return ordo_cli_usage("analyze", "--facts update goes without --monitor and --from");
    if (facts && !strcmp(facts, "off"))
        facts_mode = ORDO_ANALYZE_FACTS_OFF;
    else if (facts && !strcmp(facts, "rebuild"))
        facts_mode = ORDO_ANALYZE_FACTS_REBUILD;
    else if (facts && strcmp(facts, "auto") && !facts_update)
        return ordo_cli_usage("analyze", "--facts must be auto, off, rebuild or update, not '%s'",
                              facts);
    const char *dir = args->npos ? args->pos[0] : data ? data : ordo_cli_default_data_dir();
    if (dry && !monitor)
        return ordo_cli_usage("analyze", "--dry-run goes with --monitor");
    bool jerr = !strcmp(format, "json");
    ordo_error_t err;
    ordo_error_clear(&err);
    char fleet[4096];
    uint64_t fleet_records = 0;
    int rc;
    if (from) { /* the fleet's decisions, from PostgreSQL, into DIR/fleet */
        if ((rc = ordo_cli_analyze_fleet(dir, ordo_cli_get(args, "dsn"), fleet, sizeof fleet,
                                         &fleet_records, &err)))
            return ordo_cli_fail(&err, rc, jerr);
        dir = fleet;
        if (facts_mode == ORDO_ANALYZE_FACTS_AUTO) /* its log was rebuilt */
            facts_mode = ORDO_ANALYZE_FACTS_REBUILD;
        fprintf(stderr, "analyze: %llu records from PostgreSQL's decision_log in %s\n",
                (unsigned long long)fleet_records, fleet);
    }
    ordo_metric_set_t *set = NULL;
    ordo_network_t *net = NULL;
    int exit_code = ORDO_EXIT_OK;
    if (metrics) {
        set = malloc(sizeof *set);
        if (!set)
            return ordo_cli_fail(NULL, ORDO_ENOMEM, jerr);
        if ((rc = ordo_metric_set_load(metrics, set, &err))) {
            free(set);
            return ordo_cli_fail(&err, rc, jerr);
        }
    }
    if (network && (rc = ordo_cli_network_load(network, &net, &err))) {
        free(set);
        return ordo_cli_fail(&err, rc, jerr);
    }
    ordo_analyze_options_t opt = {
        .experiment = exp, .metrics = set, .network = net, .facts = facts_mode};
    if (monitor) {
        exit_code = run_monitor(dir, &opt, dry, jerr);
        goto done;
    }
    if (facts_update) {
        exit_code = run_facts_update(dir, &opt, jerr);
        goto done;
    }
    ordo_analysis_t *a = NULL;
    if ((rc = ordo_analyze_dir(dir, &opt, &a, &err))) {
        exit_code = ordo_cli_fail(&err, rc, jerr);
        goto done;
    }
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    if (!strcmp(format, "json")) {
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 1);
        ordo_analysis_write_json(a, &w);
        rc = ordo_jsonw_finish(&w);
        ordo_buf_putc(&b, '\n');
    } else if (!strcmp(format, "html")) {
        rc = ordo_analysis_write_html(a, &b);
    } else {
        rc = ordo_analysis_write_text(a, &b);
    }
    if (rc || b.oom)
        exit_code = ordo_cli_fail(NULL, rc ? rc : ORDO_ENOMEM, jerr);
    else
        fwrite(b.data ? b.data : "", 1, b.len, stdout);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
done:
    ordo_network_destroy(net);
    free(set);
    return exit_code;
}

static const ordo_cli_opt_t opts[] = {
    {"format", 0, "F", "text (default), json or html (a standalone file with SVG charts)"},
    {"json", 0, NULL, "same as --format json"},
    {"experiment", 0, "ID", "the experiment (default: the one with most decisions)"},
    {"metrics", 0, "FILE", "metric definitions (default: the built-in set, as in\n"
                           "docs/examples/metrics.json)"},
    {"network", 0, "DIR", "catalog for the product-family and order-value breakdowns\n"
                          "(default DIR/network when present)"},
    {"monitor", 0, NULL, "evaluate the guardrails with the sequential test and stop the\n"
                         "experiment in the registry when one is significantly breached\n"
                         "(exit 1 when breached)"},
    {"dry-run", 0, NULL, "with --monitor: report only, stop nothing"},
    {"data", 0, "DIR", "the data directory, when DIR is not given"},
    {"facts", 0, "MODE", "auto (default): read decisions from the facts table DIR/facts,\n"
                         "brought up to date with the log first; off: parse every record\n"
                         "in DIR/log; rebuild: rebuild DIR/facts first. The report is the\n"
                         "same in every mode. update: only bring DIR/facts up to date\n"
                         "(new log records appended, outcome facts refreshed), no report"},
    {"from", 0, "postgres", "read a fleet's decisions from PostgreSQL's decision_log\n"
                            "(every instance's, shipped by ordo log ship --to postgres),\n"
                            "copied into DIR/fleet; outcomes from the same database"},
    {"dsn", 0, "DSN", "with --from postgres: the database (default: DIR/ordo.conf's\n"
                      "store.postgres.dsn)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_analyze = {
    .name = "analyze",
    .summary = "experiment reports (text, JSON, HTML) and the guardrail monitor",
    .usage = "analyze DIR [--format text|json|html] [--out FILE] [--experiment ID]\n"
             "            [--metrics FILE] [--network DIR] [--facts auto|off|rebuild] [--json]\n"
             "analyze DIR --facts update [--network DIR] [--json]\n"
             "analyze DIR --monitor [--dry-run] [--experiment ID] [--json]\n"
             "analyze DIR --from postgres [--dsn DSN] [...]",
    .about = "Joins the decisions in DIR/log with the outcomes in DIR/ordo.db and reports an\n"
             "experiment: metrics per variant, lift with intervals, CUPED, SRM, guardrails,\n"
             "sequential monitoring, breakdowns and a verdict (ship, do not ship, keep running).\n"
             "DIR is a data directory or a simulation run (a data directory plus summary.json);\n"
             "--data DIR is accepted too (default $ORDO_DATA or ./ordo-data).\n"
             "How to read a report: docs/reports.md.",
    .examples = "ordo analyze ordo-data --format html --out report.html\n"
                "ordo analyze ordo-data --monitor --dry-run --json\n"
                "ordo analyze ordo-data --facts update --json\n"
                "ordo analyze ordo-data --from postgres --json",
    .opts = opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
