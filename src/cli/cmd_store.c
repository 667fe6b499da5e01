/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store migrate --from DIR --to DSN [--json] — moves a data
 * directory's SQLite store into an empty PostgreSQL database
 * (docs/internals/STORE.md "PostgreSQL"). */
#include <stdio.h>

#include "cli.h"
#include "ordo/json.h"
#include "ordo/store.h"

void ordo_cli_print_obj(void (*fill)(ordo_jsonw_t *w, const void *ctx), const void *ctx)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    fill(&w, ctx);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static void fill_migrate(ordo_jsonw_t *w, const void *ctx)
{
    const ordo_pg_migrate_report_t *r = ctx;
    ordo_jsonw_kstr(w, "instance", r->instance);
    ordo_jsonw_key(w, "tables");
    ordo_jsonw_obj_begin(w);
    for (size_t i = 0; i < r->n; i++) {
        ordo_jsonw_key(w, r->tables[i].table);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "source", (int64_t)r->tables[i].source);
        ordo_jsonw_kint(w, "target", (int64_t)r->tables[i].target);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kbool(w, "verified", true);
}

static int run_migrate(const ordo_cli_args_t *a)
{
    const char *from = ordo_cli_get(a, "from"), *to = ordo_cli_get(a, "to");
    if (!from || !to)
        return ordo_cli_usage("store migrate", "--from DIR and --to DSN are required");
    ordo_error_t err = {0};
    ordo_pg_migrate_report_t r;
    int rc = ordo_store_pg_migrate(from, to, &r, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        ordo_cli_print_obj(fill_migrate, &r);
        return ORDO_EXIT_OK;
    }
    uint64_t rows = 0;
    for (size_t i = 0; i < r.n; i++) {
        printf("%-15s %10llu rows\n", r.tables[i].table, (unsigned long long)r.tables[i].target);
        rows += r.tables[i].target;
    }
    printf("migrated %llu rows (counts verified), instance %s; now set store.backend = postgres "
           "in %s/ordo.conf\n",
           (unsigned long long)rows, r.instance, from);
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t migrate_opts[] = {
    {"from", 0, "DIR", "the data directory whose SQLite store is copied (required)"},
    {"to", 0, "DSN", "libpq connection string of an empty PostgreSQL database (required)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_migrate_ = {
    .name = "migrate",
    .summary = "copy a data directory's SQLite store into PostgreSQL",
    .usage = "store migrate --from DIR --to DSN [--json]",
    .about = "Copies every table of DIR/ordo.db (outcomes, documents and their history,\n"
             "the audit trail, customer pseudonyms and their key, stock, reservations,\n"
             "signals) into the PostgreSQL database DSN, which must hold no ordo data yet,\n"
             "in one transaction with COPY; the row counts of every table are compared\n"
             "before the commit, so nothing is lost and nothing is half-copied. DIR's\n"
             "reservations are stored under DIR's instance id (DIR/pg_instance), since\n"
             "they belong to DIR's decision log. DIR is not changed otherwise: set\n"
             "store.backend = postgres in DIR/ordo.conf afterwards (docs/internals/STORE.md).",
    .examples = "ordo store migrate --from ordo-data --to 'host=db port=5432 dbname=ordo user=ordo'",
    .opts = migrate_opts,
    .flags = ORDO_CLI_RESULT,
    .run = run_migrate,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_migrate_, NULL};

const ordo_cli_cmd_t ordo_cmd_store = {
    .name = "store",
    .summary = "the store's backends: migrate a data directory to PostgreSQL",
    .usage = "store migrate --from DIR --to DSN [--json]",
    .about = "The store holds everything but the decision log: SQLite in the data directory\n"
             "(the default), or PostgreSQL shared by several ordo serve instances.",
    .examples = "ordo store migrate --from ordo-data --to 'host=db dbname=ordo user=ordo'",
    .subs = subs,
};
