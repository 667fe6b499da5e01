/* SPDX-License-Identifier: Apache-2.0 */
/* ordo signals — signals that change during the day (docs/formats.md
 * "Signals"):
 *   ordo signals apply --data DIR --network NET FILE [--json]
 *   ordo signals show  --data DIR --network NET [--at TIME] [--json]
 * apply stores FILE as one new version (all or nothing); show prints the
 * signals in force at a time, with the versions they come from. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/json.h"
#include "ordo/signals.h"
#include "ordo/store.h"
#include "ordo/util.h"

#define SHOW_MAX 4096

static const char *data_of(const ordo_cli_args_t *a)
{
    const char *data = ordo_cli_get(a, "data");
    return data ? data : ordo_cli_default_data_dir();
}

static int cmd_apply(const ordo_cli_args_t *a)
{
    const char *path = a->pos[0];
    char network[PATH_MAX];
    ordo_error_t err = {0};
    if (ordo_cli_data_network(data_of(a), ordo_cli_get(a, "network"), network, sizeof network,
                              &err))
        return ordo_cli_fail(&err, ORDO_EINVAL, a->json);
    ordo_network_t *net = NULL;
    ordo_store_t *s = NULL;
    char *text = NULL;
    size_t len = 0;
    ordo_signals_apply_result_t r = {0};
    int rc = ordo_read_file(path, &text, &len, &err);
    if (!rc)
        rc = ordo_cli_network_load(network, &net, &err);
    if (!rc)
        rc = ordo_store_open(data_of(a), NULL, &s, &err);
    if (!rc)
        rc = ordo_signals_apply_text(s, net, text, len, path, &r, &err);
    int rc2 = ordo_store_close(s, rc ? NULL : &err);
    rc = rc ? rc : rc2;
    free(text);
    ordo_network_destroy(net);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "version", (int64_t)r.version);
        ordo_jsonw_kint(&w, "lines", r.lines);
        ordo_jsonw_kint(&w, "signals", r.signals);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("applied %s as signals version %llu: %u line%s, %u signal%s\n", path,
               (unsigned long long)r.version, r.lines, r.lines == 1 ? "" : "s", r.signals,
               r.signals == 1 ? "" : "s");
    }
    return ORDO_EXIT_OK;
}

/* What a signal says, as text ("fuel 18.5%, rate x1.1"). */
static void signal_values(const ordo_signal_t *g, char *d, size_t cap)
{
    size_t n = 0;
    d[0] = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < cap)                                                                               \
            n += (size_t)snprintf(d + n, cap - n, __VA_ARGS__);                                    \
    } while (0)
    if (!isnan(g->rate_multiplier))
        ADD("rate_multiplier %g ", g->rate_multiplier);
    if (!isnan(g->fuel_pct))
        ADD("fuel_surcharge_pct %g ", g->fuel_pct);
    if (!isnan(g->labour_rate))
        ADD("labour_rate %g picks_per_hour %g ", g->labour_rate, g->picks_per_hour);
    if (!isnan(g->capacity))
        ADD("capacity %g ", g->capacity);
    if (!isnan(g->backlog))
        ADD("units %g ", g->backlog);
    if (g->kind == ORDO_SIGNAL_NODE_STATUS)
        ADD("status %s ", ordo_node_state_name(g->state));
    if (!isnan(g->capacity_factor))
        ADD("capacity_factor %g ", g->capacity_factor);
    if (g->kind == ORDO_SIGNAL_CARRIER_OUTAGE)
        ADD("%s%s ", g->area, g->restored ? " restored" : "");
#undef ADD
    if (n && n <= cap)
        d[n - 1] = 0;
}

static void print_show(const ordo_cli_args_t *a, const ordo_network_t *net,
                       const ordo_signals_t *snap, int64_t at, const ordo_signal_t **v, size_t n)
{
    char t[32], f[32], e[32], vals[256];
    ordo_time_format(at, t, sizeof t);
    if (a->json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "version", (int64_t)ordo_signals_version(snap));
        ordo_jsonw_kstr(&w, "at", t);
        ordo_jsonw_key(&w, "signals");
        ordo_jsonw_arr_begin(&w);
        for (size_t i = 0; i < n; i++) {
            ordo_jsonw_obj_begin(&w);
            ordo_signal_write_fields(&w, net, v[i]);
            ordo_jsonw_obj_end(&w);
        }
        ordo_jsonw_arr_end(&w);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
        return;
    }
    printf("signals version %llu, in force at %s: %zu\n",
           (unsigned long long)ordo_signals_version(snap), t, n);
    for (size_t i = 0; i < n; i++) {
        const ordo_signal_t *g = v[i];
        signal_values(g, vals, sizeof vals);
        ordo_time_format(g->from, f, sizeof f);
        if (g->to != ORDO_SIGNAL_OPEN_END)
            ordo_time_format(g->to, e, sizeof e);
        else
            snprintf(e, sizeof e, "open");
        printf("v%-4llu line %-4u %-15s %-20s %s .. %s  %s\n", (unsigned long long)g->version,
               g->line, ordo_signal_kind_name(g->kind),
               g->node >= 0 ? net->nodes[g->node].id : net->services[g->service].id, f, e, vals);
    }
}

static int cmd_show(const ordo_cli_args_t *a)
{
    const char *at_s = ordo_cli_get(a, "at");
    char network[PATH_MAX];
    ordo_error_t err = {0};
    if (ordo_cli_data_network(data_of(a), ordo_cli_get(a, "network"), network, sizeof network,
                              &err))
        return ordo_cli_fail(&err, ORDO_EINVAL, a->json);
    int64_t at = ordo_now_unix();
    if (at_s && ordo_time_parse(at_s, &at) != ORDO_OK)
        return ordo_cli_usage("signals show", "--at: not an ISO-8601 time: '%s'", at_s);
    ordo_network_t *net = NULL;
    ordo_store_t *s = NULL;
    ordo_signals_t *snap = NULL;
    int rc = ordo_cli_network_load(network, &net, &err);
    if (!rc)
        rc = ordo_store_open_existing(data_of(a), NULL, &s, &err);
    if (!rc)
        rc = ordo_signals_load(s, net, 0, &snap, &err);
    ordo_store_close(s, NULL);
    const ordo_signal_t **v = rc ? NULL : malloc(SHOW_MAX * sizeof *v);
    if (!rc && !v)
        rc = ordo_error_set(&err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc) {
        size_t n = ordo_signals_in_force(snap, at, v, SHOW_MAX);
        print_show(a, net, snap, at, v, n < SHOW_MAX ? n : SHOW_MAX);
    }
    free(v);
    ordo_signals_destroy(snap);
    ordo_network_destroy(net);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

static const ordo_cli_opt_t apply_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"network", 0, "NET", "the network the signals name (default: the one DIR recorded)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_apply_ = {
    .name = "apply",
    .summary = "validate an NDJSON signal file and store it as a new version",
    .usage = "signals apply [--data DIR] [--network NET] FILE [--json]",
    .about = "Validates every line of FILE (docs/formats.md \"Signals\") against the network:\n"
             "an unknown carrier, service or node, a window that ends before it starts, a\n"
             "negative or non-finite number, an unknown field, a duplicate key or invalid\n"
             "UTF-8 is an error naming the line and field, and nothing is stored. Otherwise\n"
             "the file becomes one new signals version in DIR's store, in one transaction\n"
             "with an audit entry. Deciders pick the new version up at their next order.",
    .examples = "ordo signals apply --data ordo-data docs/examples/signals.ndjson\n"
                "ordo signals apply --data ordo-data --network data/demo "
                "docs/examples/signals.ndjson",
    .opts = apply_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_apply,
};

static const ordo_cli_opt_t show_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"network", 0, "NET", "the network the signals name (default: the one DIR recorded)"},
    {"at", 0, "TIME", "the instant (ISO-8601; default now)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_show_ = {
    .name = "show",
    .summary = "print the signals in force at a time, with their versions",
    .usage = "signals show [--data DIR] [--network NET] [--at TIME] [--json]",
    .about = "Prints, for every key (a carrier service, a node, an outage area), the signal\n"
             "in force at TIME: the one of the highest version whose window contains TIME.",
    .examples = "ordo signals show --data ordo-data --network data/demo "
                "--at 2026-12-07T15:00:00Z",
    .opts = show_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_show,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_apply_, &cmd_show_, NULL};

const ordo_cli_cmd_t ordo_cmd_signals = {
    .name = "signals",
    .summary = "signals that change during the day: rates, labour, backlog, status, outages",
    .usage = "signals apply [--data DIR] --network NET FILE [--json]\n"
             "signals show [--data DIR] [--network NET] [--at TIME] [--json]",
    .about = "Signals are dated, versioned facts with an effective window: carrier rate\n"
             "multipliers and fuel surcharges, labour rates and capacity, backlogs, node\n"
             "status and carrier outages. Decisions read the version in force when they\n"
             "run and their records name it; replay uses the logged version.",
    .examples = "ordo signals apply --data ordo-data --network data/demo signals.ndjson",
    .subs = subs,
};
