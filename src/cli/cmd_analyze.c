/* ordo analyze — experiment reports and the guardrail monitor.
 *
 *   ordo analyze DIR [--format text|json|html] [--out FILE] [--experiment ID]
 *                    [--metrics FILE] [--network DIR] [--json]
 *   ordo analyze DIR --monitor [--dry-run] [--experiment ID] [--json]
 *
 * How to read a report: docs/reports.md; internals: docs/internals/ANALYZE.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/analyze.h"

static const char usage[] =
    "Usage: ordo analyze DIR [--format text|json|html] [--out FILE] [--experiment ID]\n"
    "                        [--metrics FILE] [--network DIR] [--json]\n"
    "       ordo analyze DIR --monitor [--dry-run] [--experiment ID] [--json]\n\n"
    "Joins the decisions in DIR/log with the outcomes in DIR/ordo.db and reports an\n"
    "experiment: metrics per variant, lift with intervals, CUPED, SRM, guardrails,\n"
    "sequential monitoring, breakdowns and a verdict (ship, do not ship, keep running).\n"
    "DIR is a data directory or a simulation run (a data directory plus summary.json);\n"
    "--data DIR is accepted too (default $ORDO_DATA or ./ordo-data).\n\n"
    "  --format F       text (default), json or html (a standalone file with SVG charts)\n"
    "  --json           same as --format json\n"
    "  --out FILE       write the report to FILE instead of standard output\n"
    "  --experiment ID  the experiment (default: the one with most decisions)\n"
    "  --metrics FILE   metric definitions (default: the built-in set, as in\n"
    "                   docs/examples/metrics.json)\n"
    "  --network DIR    catalog for the product-family and order-value breakdowns\n"
    "                   (default DIR/network when present)\n"
    "  --monitor        evaluate the guardrails with the sequential test and stop the\n"
    "                   experiment in the registry when one is significantly breached\n"
    "                   (exit 1 when breached)\n"
    "  --dry-run        with --monitor: report only, stop nothing\n";

enum { O_FORMAT = 256, O_OUT, O_EXP, O_METRICS, O_NETWORK, O_MONITOR, O_DRY, O_JSON, O_DATA,
       O_HELP };

static int write_out(const char *path, const ordo_buf_t *b, bool json_err)
{
    if (!path) {
        if (b->len)
            fwrite(b->data, 1, b->len, stdout);
        return ORDO_EXIT_OK;
    }
    ordo_error_t err;
    int rc = ordo_write_file_atomic(path, b->data ? b->data : "", b->len, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json_err);
    return ORDO_EXIT_OK;
}

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

static int run(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, O_FORMAT},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"experiment", required_argument, NULL, O_EXP},
                                         {"metrics", required_argument, NULL, O_METRICS},
                                         {"network", required_argument, NULL, O_NETWORK},
                                         {"monitor", no_argument, NULL, O_MONITOR},
                                         {"dry-run", no_argument, NULL, O_DRY},
                                         {"json", no_argument, NULL, O_JSON},
                                         {"data", required_argument, NULL, O_DATA},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    const char *format = "text", *out = NULL, *exp = NULL, *metrics = NULL, *network = NULL,
               *data = NULL;
    bool monitor = false, dry = false, json = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT: format = optarg; break;
        case O_OUT: out = optarg; break;
        case O_EXP: exp = optarg; break;
        case O_METRICS: metrics = optarg; break;
        case O_NETWORK: network = optarg; break;
        case O_MONITOR: monitor = true; break;
        case O_DRY: dry = true; break;
        case O_JSON: json = true; break;
        case O_DATA: data = optarg; break;
        case 'h':
        case O_HELP: fputs(usage, stdout); return ORDO_EXIT_OK;
        default:
            return ordo_cli_usage("analyze", "unknown option or missing value: %s",
                                  argv[optind - 1]);
        }
    }
    if (json)
        format = "json";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
        return ordo_cli_usage("analyze", "--format must be text, json or html, not '%s'", format);
    if (optind < argc - 1)
        return ordo_cli_usage("analyze", "one data directory expected");
    const char *dir = optind < argc ? argv[optind] : data ? data : ordo_cli_default_data_dir();
    if (dry && !monitor)
        return ordo_cli_usage("analyze", "--dry-run goes with --monitor");
    bool jerr = !strcmp(format, "json");
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_metric_set_t *set = NULL;
    ordo_network_t *net = NULL;
    int rc, exit_code = ORDO_EXIT_OK;
    if (metrics) {
        set = malloc(sizeof *set);
        if (!set)
            return ordo_cli_fail(NULL, ORDO_ENOMEM, jerr);
        if ((rc = ordo_metric_set_load(metrics, set, &err))) {
            free(set);
            return ordo_cli_fail(&err, rc, jerr);
        }
    }
    if (network && (rc = ordo_network_load(network, NULL, &net, &err))) {
        free(set);
        return ordo_cli_fail(&err, rc, jerr);
    }
    ordo_analyze_options_t opt = {.experiment = exp, .metrics = set, .network = net};
    if (monitor) {
        exit_code = run_monitor(dir, &opt, dry, jerr);
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
        exit_code = write_out(out, &b, jerr);
    ordo_buf_free(&b);
    ordo_analysis_destroy(a);
done:
    ordo_network_destroy(net);
    free(set);
    return exit_code;
}

const ordo_cli_cmd_t ordo_cmd_analyze = {"analyze", "experiment reports (text, JSON, HTML) and "
                                                    "the guardrail monitor",
                                         run};
