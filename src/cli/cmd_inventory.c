/* SPDX-License-Identifier: Apache-2.0 */
/* ordo inventory — the stock the data directory owns:
 *   ordo inventory load    [--data DIR] SNAPSHOT.csv [--actor WHO] [--check] [--json]
 *   ordo inventory delta   [--data DIR] DELTA.csv [--actor WHO] [--check] [--json]
 *   ordo inventory apply   [--data DIR] FILE [--format ndjson|csv] [--actor WHO] [--check] [--json]
 *   ordo inventory show    [--data DIR] [--node ID] [--sku ID] [--json]
 *   ordo inventory release [--data DIR] ORDER [--ship [--shipment N]] [--json]
 * docs/internals/STORE.md "Stock", docs/formats.md "Stock snapshots and deltas". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/json.h"
#include "ordo/store.h"

static const char *data_of(const ordo_cli_args_t *a)
{
    const char *data = ordo_cli_get(a, "data");
    return data ? data : ordo_cli_default_data_dir();
}

/* The store of --data, or NULL with *rc set. */
static ordo_store_t *open_store(const ordo_cli_args_t *a, int *rc, ordo_error_t *err)
{
    ordo_store_t *s = NULL;
    *rc = ordo_store_open(data_of(a), NULL, &s, err);
    return *rc == ORDO_OK ? s : NULL;
}

/* Closes s (may be NULL); the first error of rc and the close. */
static int close_store(ordo_store_t *s, int rc, ordo_error_t *err)
{
    int rc2 = s ? ordo_store_close(s, rc ? NULL : err) : ORDO_OK;
    return rc ? rc : rc2;
}

static int load_common(const ordo_cli_args_t *a, ordo_stock_file_t kind)
{
    const char *path = a->pos[0], *actor = ordo_cli_get(a, "actor");
    bool check = ordo_cli_flag(a, "check");
    ordo_error_t err = {0};
    ordo_stock_load_stats_t st = {0};
    /* checked before the store is opened: a refused file creates nothing */
    int rc = ordo_store_stock_load_file(NULL, path, kind, actor, true, &st, &err);
    if (rc == ORDO_OK && !check) {
        ordo_store_t *s = open_store(a, &rc, &err);
        if (s)
            rc = ordo_store_stock_load_file(s, path, kind, actor ? actor : "cli", false, &st,
                                            &err);
        rc = close_store(s, rc, &err);
    }
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, a->json);
    const char *what = kind == ORDO_STOCK_SNAPSHOT ? "snapshot" : "delta";
    if (a->json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "file", path);
        ordo_jsonw_kstr(&w, "kind", what);
        ordo_jsonw_kbool(&w, "checked_only", check);
        ordo_jsonw_kint(&w, "rows", (int64_t)st.rows);
        ordo_jsonw_kint(&w, "units", st.units);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else
        printf("%s %s: %llu cell%s, %lld units%s\n", what, path, (unsigned long long)st.rows,
               st.rows == 1 ? "" : "s", (long long)st.units, check ? " (checked, not stored)" : "");
    return ORDO_EXIT_OK;
}

static int cmd_load(const ordo_cli_args_t *a)
{
    return load_common(a, ORDO_STOCK_SNAPSHOT);
}

static int cmd_delta(const ordo_cli_args_t *a)
{
    return load_common(a, ORDO_STOCK_DELTA);
}

static int cmd_apply(const ordo_cli_args_t *a)
{
    const char *path = a->pos[0], *actor = ordo_cli_get(a, "actor"), *f = ordo_cli_get(a, "format");
    bool check = ordo_cli_flag(a, "check");
    ordo_error_t err = {0};
    ordo_stock_format_t fmt = ORDO_STOCK_FMT_AUTO;
    if (f && !strcmp(f, "ndjson"))
        fmt = ORDO_STOCK_FMT_NDJSON;
    else if (f && !strcmp(f, "csv"))
        fmt = ORDO_STOCK_FMT_CSV;
    else if (f) {
        ordo_error_set(&err, ORDO_EINVAL, NULL, 0, "format", "--format is ndjson or csv");
        return ordo_cli_fail(&err, ORDO_EINVAL, a->json);
    }
    ordo_stock_apply_stats_t st = {0};
    /* checked before the store is opened: a refused document creates nothing */
    int rc = ordo_store_stock_apply_file(NULL, path, fmt, actor, true, &st, &err);
    if (rc == ORDO_OK && !check) {
        ordo_store_t *s = open_store(a, &rc, &err);
        if (s)
            rc = ordo_store_stock_apply_file(s, path, fmt, actor ? actor : "cli", false, &st,
                                             &err);
        rc = close_store(s, rc, &err);
    }
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "file", path);
        ordo_jsonw_kbool(&w, "checked_only", check);
        ordo_jsonw_kint(&w, "snapshots", (int64_t)st.snapshots);
        ordo_jsonw_kint(&w, "deltas", (int64_t)st.deltas);
        ordo_jsonw_kint(&w, "stale", (int64_t)st.stale);
        ordo_jsonw_kint(&w, "units", st.units);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else
        printf("%s: %llu snapshot record%s, %llu delta%s, %llu stale skipped%s\n", path,
               (unsigned long long)st.snapshots, st.snapshots == 1 ? "" : "s",
               (unsigned long long)st.deltas, st.deltas == 1 ? "" : "s",
               (unsigned long long)st.stale, check ? " (checked, not stored)" : "");
    return ORDO_EXIT_OK;
}

typedef struct show_ctx {
    const char *node, *sku;
    ordo_jsonw_t *w; /* NULL: text */
    uint64_t n;
} show_ctx_t;

static int show_row(void *ctx, const ordo_stock_row_t *r)
{
    show_ctx_t *c = ctx;
    if ((c->node && strcmp(c->node, r->node)) || (c->sku && strcmp(c->sku, r->sku)))
        return 0;
    int64_t atp = r->on_hand - r->reserved - r->safety;
    if (atp < 0)
        atp = 0;
    c->n++;
    if (!c->w) {
        printf("%-16s %-20s %9lld %9lld %7lld %9lld\n", r->node, r->sku, (long long)r->on_hand,
               (long long)r->reserved, (long long)r->safety, (long long)atp);
        return 0;
    }
    ordo_jsonw_obj_begin(c->w);
    ordo_jsonw_kstr(c->w, "node", r->node);
    ordo_jsonw_kstr(c->w, "sku", r->sku);
    ordo_jsonw_kint(c->w, "on_hand", r->on_hand);
    ordo_jsonw_kint(c->w, "reserved", r->reserved);
    ordo_jsonw_kint(c->w, "safety_stock", r->safety);
    ordo_jsonw_kint(c->w, "atp", atp);
    char t[32];
    ordo_jsonw_kstr(c->w, "as_of", ordo_time_format(r->as_of, t, sizeof t));
    ordo_jsonw_obj_end(c->w);
    return 0;
}

static void totals_json(ordo_jsonw_t *w, const ordo_stock_totals_t *t)
{
    ordo_jsonw_key(w, "totals");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "cells", (int64_t)t->cells);
    ordo_jsonw_kint(w, "held_units", (int64_t)t->held_units);
    ordo_jsonw_kint(w, "held_reservations", (int64_t)t->held);
    ordo_jsonw_kint(w, "max_seq", (int64_t)t->max_seq);
    ordo_jsonw_kint(w, "applied_seq", (int64_t)t->applied_seq);
    ordo_jsonw_obj_end(w);
}

static int cmd_show(const ordo_cli_args_t *a)
{
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    int rc = ordo_store_open_existing(data_of(a), NULL, &s, &err);
    ordo_stock_totals_t t = {0};
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    show_ctx_t c = {.node = ordo_cli_get(a, "node"), .sku = ordo_cli_get(a, "sku"),
                    .w = a->json ? &w : NULL};
    if (a->json) {
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_key(&w, "cells");
        ordo_jsonw_arr_begin(&w);
    } else if (rc == ORDO_OK) {
        printf("%-16s %-20s %9s %9s %7s %9s\n", "node", "sku", "on_hand", "reserved", "safety",
               "atp");
    }
    if (rc == ORDO_OK)
        rc = ordo_store_stock_list(s, show_row, &c, &err);
    if (rc == ORDO_OK)
        rc = ordo_store_stock_totals(s, &t, &err);
    ordo_store_close(s, NULL);
    if (rc == ORDO_OK && a->json) {
        ordo_jsonw_arr_end(&w);
        totals_json(&w, &t);
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
        if (rc == ORDO_OK)
            ordo_cli_print_buf(&b);
    } else if (rc == ORDO_OK) {
        printf("%llu cell%s shown; %llu units held by %llu reservations (log applied to seq "
               "%llu)\n",
               (unsigned long long)c.n, c.n == 1 ? "" : "s", (unsigned long long)t.held_units,
               (unsigned long long)t.held, (unsigned long long)t.applied_seq);
    }
    ordo_buf_free(&b);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

static int cmd_release(const ordo_cli_args_t *a)
{
    bool ship = ordo_cli_flag(a, "ship");
    const char *sh = ordo_cli_get(a, "shipment");
    int64_t shipment = -1;
    if (sh) {
        char *end;
        long v = strtol(sh, &end, 10);
        if (!ship || *sh < '0' || *sh > '9' || *end || v < 0 || v > 1000000)
            return ordo_cli_usage("inventory release",
                                  "--shipment wants --ship and a shipment index 0.., got '%s'",
                                  sh);
        shipment = v;
    }
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    uint64_t units = 0;
    int rc = ordo_store_open_existing(data_of(a), NULL, &s, &err);
    if (rc == ORDO_OK)
        rc = ordo_store_reservation_settle(s, a->pos[0], shipment,
                                           ship ? ORDO_STOCK_SHIP : ORDO_STOCK_RELEASE, &units,
                                           &err);
    int rc2 = ordo_store_close(s, rc ? NULL : &err);
    rc = rc ? rc : rc2;
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "order_id", a->pos[0]);
        ordo_jsonw_kstr(&w, "action", ship ? "shipped" : "released");
        ordo_jsonw_kint(&w, "units", (int64_t)units);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("%s %llu unit%s of order %s\n", ship ? "shipped" : "released",
               (unsigned long long)units, units == 1 ? "" : "s", a->pos[0]);
    }
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t load_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"actor", 0, "WHO", "who loads it, for the audit trail (default cli)"},
    {"check", 0, NULL, "only check the file; store nothing"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_load_ = {
    .name = "load",
    .summary = "load a stock snapshot: replace on hand for the cells it lists",
    .usage = "inventory load [--data DIR] SNAPSHOT.csv [--actor WHO] [--check] [--json]",
    .about = "Reads a CSV with the header node,sku,on_hand,safety_stock and sets each\n"
             "listed cell's on hand (and safety stock, unless empty) in the store; cells\n"
             "not listed keep theirs, reservations are kept. All or nothing, audited (kind\n"
             "inventory). An error names the file, line and field. docs/formats.md.",
    .examples = "ordo inventory load --data ordo-data snapshot.csv",
    .opts = load_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_load,
};

static const ordo_cli_cmd_t cmd_delta_ = {
    .name = "delta",
    .summary = "apply a stock delta: add signed quantities to on hand",
    .usage = "inventory delta [--data DIR] DELTA.csv [--actor WHO] [--check] [--json]",
    .about = "Reads a CSV with the header node,sku,quantity and adds each non-zero\n"
             "quantity (receipts positive, shrink negative) to the cell's on hand. Each\n"
             "cell must be in the store (load a snapshot first, or it was reserved) and\n"
             "may not go below 0. All or nothing, audited. docs/formats.md.",
    .examples = "ordo inventory delta --data ordo-data receipts.csv",
    .opts = load_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_delta,
};

static const ordo_cli_opt_t apply_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"format", 0, "F", "ndjson or csv (default: by the extension)"},
    {"actor", 0, "WHO", "who applies it, for the audit trail (default cli)"},
    {"check", 0, NULL, "only check the document; store nothing"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_apply_ = {
    .name = "apply",
    .summary = "apply an inventory document: snapshot and delta records, each with as_of",
    .usage = "inventory apply [--data DIR] FILE [--format ndjson|csv] [--actor WHO] [--check]\n"
             "                [--json]",
    .about = "Reads NDJSON (.ndjson, .jsonl, .json) or CSV (.csv) records, each a\n"
             "snapshot (sets on hand, and safety stock if given, as of a time) or a\n"
             "delta (adds a signed quantity). A snapshot older than its cell's as_of is\n"
             "skipped (stale). Records apply in order, all or nothing, audited (kind\n"
             "inventory, action apply). An error names the file, line and field.\n"
             "docs/formats.md \"Inventory documents\".",
    .examples = "ordo inventory apply --data ordo-data docs/examples/inventory.ndjson",
    .opts = apply_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_apply,
};

static const ordo_cli_opt_t show_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"node", 0, "ID", "only this node's cells"},
    {"sku", 0, "ID", "only this SKU's cells"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_show_ = {
    .name = "show",
    .summary = "show the store's stock: on hand, reserved, safety, ATP",
    .usage = "inventory show [--data DIR] [--node ID] [--sku ID] [--json]",
    .about = "Lists the cells the store owns (loaded by a snapshot, or reserved by a\n"
             "decision) with on hand, reserved, safety stock and ATP, and the totals of\n"
             "held reservations and the last log sequence they reflect.",
    .examples = "ordo inventory show --data ordo-data --sku SKU-0000001 --json",
    .opts = show_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_show,
};

static const ordo_cli_opt_t release_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"ship", 0, NULL, "the units shipped: on hand and reserved both drop"},
    {"shipment", 0, "N", "with --ship, only shipment N of the plan (0, 1, ...)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_release_ = {
    .name = "release",
    .summary = "release an order's reservations (cancelled), or consume them (--ship)",
    .usage = "inventory release [--data DIR] ORDER [--ship [--shipment N]] [--json]",
    .about = "Ends the held reservations of ORDER: without --ship they are released and\n"
             "the units are available again; with --ship they are consumed (on hand and\n"
             "reserved both drop). Ingesting a cancelled or shipped outcome event does the\n"
             "same (ordo outcomes ingest). An order with nothing held releases 0 units.",
    .examples = "ordo inventory release --data ordo-data ORD-1001",
    .opts = release_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_release,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_load_, &cmd_delta_, &cmd_show_, &cmd_release_,
                                             &cmd_apply_, NULL};

const ordo_cli_cmd_t ordo_cmd_inventory = {
    .name = "inventory",
    .summary = "the data directory's stock: snapshots, deltas, reservations",
    .usage = "inventory load [--data DIR] SNAPSHOT.csv [--json]\n"
             "inventory delta [--data DIR] DELTA.csv [--json]\n"
             "inventory show [--data DIR] [--node ID] [--sku ID] [--json]\n"
             "inventory release [--data DIR] ORDER [--ship [--shipment N]] [--json]\n"
             "inventory apply [--data DIR] FILE [--format ndjson|csv] [--json]",
    .about = "The data directory owns the stock: on hand per (node, SKU) and the units\n"
             "every logged decision reserved. ordo source --data reserves there, so that\n"
             "runs and processes on one directory never sell a unit twice.\n"
             "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).",
    .examples = "ordo inventory load --data ordo-data snapshot.csv\n"
                "ordo inventory show --data ordo-data --json",
    .subs = subs,
};
