/* SPDX-License-Identifier: Apache-2.0 */
/* ordo outcomes — load what happened to orders, and look it up.
 *
 *   ordo outcomes ingest [--data DIR] [--format ndjson|csv] [--json] FILE...
 *   ordo outcomes show   [--data DIR] (--order ID | --all) [--json]
 *
 * Formats and the summary rules: docs/outcomes.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/datadir.h"
#include "ordo/store.h"

static const char *fmt_time(int64_t t, char *buf, size_t n)
{
    if (!t)
        return "-";
    return ordo_time_format(t, buf, n);
}

static int cmd_ingest(const ordo_cli_args_t *a)
{
    const char *data = ordo_cli_get(a, "data"), *f = ordo_cli_get(a, "format");
    if (!data)
        data = ordo_cli_default_data_dir();
    ordo_outcome_format_t fmt = ORDO_OUTCOME_FMT_AUTO;
    bool json = a->json;
    if (f && (!strcmp(f, "ndjson") || !strcmp(f, "jsonl")))
        fmt = ORDO_OUTCOME_FMT_NDJSON;
    else if (f && !strcmp(f, "csv"))
        fmt = ORDO_OUTCOME_FMT_CSV;
    else if (f)
        return ordo_cli_usage("outcomes ingest", "--format must be ndjson or csv, not '%s'", f);
    if (a->npos < 1)
        return ordo_cli_usage("outcomes ingest", "no FILE given");
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    /* A fresh directory gets a store only for input that is accepted: a
     * rejected ingest must not leave an empty ordo.db behind. (An existing
     * store needs no pre-pass: the ingest is one transaction.) */
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, data, &err);
    if (rc == ORDO_OK && !ordo_datadir_has_db(&dd))
        rc = ordo_store_outcomes_check_files((const char *const *)a->pos, (size_t)a->npos, fmt,
                                             &err);
    if (rc == ORDO_OK)
        rc = ordo_store_open(data, NULL, &s, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    ordo_outcome_ingest_stats_t st = {0};
    uint64_t events = 0, orders = 0;
    rc = ordo_store_outcomes_ingest_files(s, (const char *const *)a->pos, (size_t)a->npos, fmt,
                                          &st, &err);
    if (rc == ORDO_OK)
        rc = ordo_store_outcome_counts(s, &events, &orders, &err);
    if (rc != ORDO_OK) {
        ordo_store_close(s, NULL);
        return ordo_cli_fail(&err, rc, json);
    }
    rc = ordo_store_close(s, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "files", (int64_t)st.files);
        ordo_jsonw_kint(&w, "lines", (int64_t)st.lines);
        ordo_jsonw_kint(&w, "inserted", (int64_t)st.inserted);
        ordo_jsonw_kint(&w, "duplicates", (int64_t)st.duplicates);
        ordo_jsonw_kint(&w, "events_stored", (int64_t)events);
        ordo_jsonw_kint(&w, "orders", (int64_t)orders);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("ingested %" PRIu64 " events from %" PRIu64 " file%s: %" PRIu64 " new, %" PRIu64
               " duplicate%s ignored\n"
               "%s now holds %" PRIu64 " events for %" PRIu64 " orders\n",
               st.lines, st.files, st.files == 1 ? "" : "s", st.inserted, st.duplicates,
               st.duplicates == 1 ? "" : "s", data, events, orders);
    }
    return ORDO_EXIT_OK;
}

static void print_costs(const double *cost, unsigned mask)
{
    bool first = true;
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (!(mask & (1u << p)))
            continue;
        printf("%s%s %.2f", first ? "" : ", ", ordo_cost_part_name(p), cost[p]);
        first = false;
    }
}

/* "  measures     satisfaction 4.5, ..." when the order has any. */
static void print_measures(const ordo_outcome_summary_t *o)
{
    const char *sep = "  measures     ";
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        if (o->measure_n[m]) {
            printf("%s%s %g", sep, ordo_measure_name(m), o->measure[m]);
            sep = ", ";
        }
    if (sep[0] == ',')
        printf("\n");
}

static void print_summary(const ordo_outcome_summary_t *o, const ordo_shipment_outcome_t *sh,
                          size_t n)
{
    char t[32];
    printf("order %s: %s\n", o->order_id, ordo_outcome_type_name(o->state));
    printf("  shipped      %s\n", fmt_time(o->shipped_at, t, sizeof t));
    printf("  delivered    %s", fmt_time(o->delivered_at, t, sizeof t));
    printf(" (%u of %u shipments)\n", o->n_delivered, o->n_shipments);
    printf("  returned     %s\n", fmt_time(o->returned_at, t, sizeof t));
    printf("  cancelled    %s\n", fmt_time(o->cancelled_at, t, sizeof t));
    printf("  promised by  %s", fmt_time(o->promised_by, t, sizeof t));
    printf("  on time: %s\n", ordo_on_time_name(o->on_time));
    if (o->cost_mask) {
        printf("  cost         %.2f (", o->cost_total);
        print_costs(o->cost, o->cost_mask);
        printf(")\n");
    } else {
        printf("  cost         -\n");
    }
    if (o->refund > 0)
        printf("  refund       %.2f\n", o->refund);
    print_measures(o);
    if (o->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT)
        printf("  warning      a shipment was delivered or returned before it shipped\n");
    if (o->flags & ORDO_OUTCOME_FLAG_ACTIVITY_AFTER_CANCEL)
        printf("  warning      shipped or delivered after the cancellation\n");
    for (size_t i = 0; i < n; i++) {
        printf("  shipment %u: shipped %s", sh[i].shipment,
               fmt_time(sh[i].shipped_at, t, sizeof t));
        printf(", delivered %s", fmt_time(sh[i].delivered_at, t, sizeof t));
        printf(", returned %s", fmt_time(sh[i].returned_at, t, sizeof t));
        if (sh[i].cost_mask) {
            printf("; ");
            print_costs(sh[i].cost, sh[i].cost_mask);
        }
        printf("\n");
    }
    printf("  events       %u (%s", o->n_events, fmt_time(o->first_event_at, t, sizeof t));
    printf(" .. %s)\n", fmt_time(o->last_event_at, t, sizeof t));
}

static void print_json(const ordo_outcome_summary_t *o, const ordo_shipment_outcome_t *sh, size_t n)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_outcome_summary_write_json(o, sh, n, &w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static int show_one(ordo_store_t *s, const char *order, bool json, ordo_error_t *err)
{
    ordo_outcome_summary_t o;
    int rc = ordo_store_outcome_get(s, order, &o, err);
    if (rc != ORDO_OK)
        return rc;
    size_t n = 0;
    rc = ordo_store_outcome_shipments(s, order, NULL, 0, &n, err);
    if (rc != ORDO_OK)
        return rc;
    ordo_shipment_outcome_t *sh = calloc(n ? n : 1, sizeof *sh);
    if (!sh)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    rc = ordo_store_outcome_shipments(s, order, sh, n, &n, err);
    if (rc == ORDO_OK) {
        if (json)
            print_json(&o, sh, n);
        else
            print_summary(&o, sh, n);
    }
    free(sh);
    return rc;
}

static int show_all(ordo_store_t *s, bool json, ordo_error_t *err)
{
    ordo_outcome_iter_t *it;
    int rc = ordo_store_outcome_iter_open(s, &it, err);
    if (rc != ORDO_OK)
        return rc;
    ordo_outcome_summary_t o;
    if (!json)
        printf("%-20s %-10s %-21s %-21s %-8s %10s\n", "order", "state", "shipped", "delivered",
               "on_time", "cost");
    while ((rc = ordo_outcome_iter_next(it, &o, err)) == 1) {
        size_t n;
        const ordo_shipment_outcome_t *sh = ordo_outcome_iter_shipments(it, &n);
        if (json) {
            print_json(&o, sh, n);
        } else {
            char a[32], d[32], cost[32] = "-";
            if (o.cost_mask)
                snprintf(cost, sizeof cost, "%.2f", o.cost_total);
            printf("%-20s %-10s %-21s %-21s %-8s %10s\n", o.order_id,
                   ordo_outcome_type_name(o.state), fmt_time(o.shipped_at, a, sizeof a),
                   fmt_time(o.delivered_at, d, sizeof d), ordo_on_time_name(o.on_time), cost);
        }
    }
    ordo_outcome_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

static int cmd_show(const ordo_cli_args_t *a)
{
    const char *data = ordo_cli_get(a, "data"), *order = ordo_cli_get(a, "order");
    if (!data)
        data = ordo_cli_default_data_dir();
    bool json = a->json, all = ordo_cli_flag(a, "all");
    if (!order == !all)
        return ordo_cli_usage("outcomes show", "give either --order ID or --all");
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    int rc = ordo_store_open_existing(data, NULL, &s, &err);
    if (rc == ORDO_OK)
        rc = order ? show_one(s, order, json, &err) : show_all(s, json, &err);
    ordo_store_close(s, NULL);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t ingest_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"format", 0, "F", "ndjson or csv for every file; by default from the extension\n"
                       "(.ndjson, .jsonl, .json: NDJSON; .csv: CSV)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_ingest_ = {
    .name = "ingest",
    .summary = "store outcome events (shipped, delivered, returned, cancelled, cost)",
    .usage = "outcomes ingest [--data DIR] [--format ndjson|csv] [--json] FILE...",
    .about = "Reads outcome events from each FILE (NDJSON: one JSON object per line; CSV: a\n"
             "header line naming the fields) and stores them in DIR/ordo.db.\n"
             "All files are validated and stored in one transaction: a bad line anywhere\n"
             "(malformed, unknown type or field, missing field, negative cost, bad\n"
             "timestamp) stores nothing, and the error names the file, line and field.\n"
             "An event whose event_id is already stored is ignored (counted as a\n"
             "duplicate), so ingesting the same file twice is harmless. Event format:\n"
             "docs/outcomes.md.",
    .examples = "ordo outcomes ingest --data ordo-data docs/examples/outcomes.ndjson",
    .opts = ingest_opts,
    .max_pos = -1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_ingest,
};

static const ordo_cli_opt_t show_opts[] = {
    {"order", 0, "ID", "one order's summary and its shipments"},
    {"all", 0, NULL, "every order's summary (with --json: one JSON object per line)"},
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_show_ = {
    .name = "show",
    .summary = "print an order's outcome summary, derived from event timestamps",
    .usage = "outcomes show [--data DIR] (--order ID | --all) [--json]",
    .about = "Times are derived from event timestamps, not arrival order: shipped is the\n"
             "first shipment's, delivered the last shipment's once all are delivered;\n"
             "on_time compares the delivery with the promise carried by the events.",
    .examples = "ordo outcomes show --data ordo-data --order ORD-1001 --json",
    .opts = show_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_show,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_ingest_, &cmd_show_, NULL};

const ordo_cli_cmd_t ordo_cmd_outcomes = {
    .name = "outcomes",
    .summary = "ingest and look up order outcomes",
    .usage = "outcomes ingest [--data DIR] [--format ndjson|csv] [--json] FILE...\n"
             "outcomes show [--data DIR] (--order ID | --all) [--json]",
    .about = "What happened to orders after they were decided (docs/outcomes.md).\n"
             "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).",
    .examples = "ordo outcomes ingest docs/examples/outcomes.ndjson",
    .subs = subs,
};
