/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log ship [DIR] --to postgres [--dsn DSN] [--json] — the verified
 * records of DIR's decision log into PostgreSQL (docs/internals/STORE.md
 * "PostgreSQL"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ordo/config.h"
#include "ordo/datadir.h"
#include "ordo/json.h"
#include "ordo/log.h"
#include "ordo/store.h"

static void fill_ship(ordo_jsonw_t *w, const void *ctx)
{
    const ordo_pg_ship_report_t *r = ctx;
    ordo_jsonw_kstr(w, "instance", r->instance);
    ordo_jsonw_kint(w, "shipped", (int64_t)r->shipped);
    ordo_jsonw_kint(w, "already", (int64_t)r->already);
    ordo_jsonw_kint(w, "last_seq", (int64_t)r->verified_last);
    ordo_jsonw_kbool(w, "log_ok", r->log_ok);
    if (!r->log_ok)
        ordo_jsonw_kstr(w, "reason", r->reason);
}

/* The records of a log as the store's ship source. */
typedef struct ship_src {
    const char *log_dir;
    ordo_log_iter_t *it;
} ship_src_t;

static int src_open(void *ctx, uint64_t from_seq, ordo_error_t *err)
{
    ship_src_t *c = ctx;
    ordo_log_query_t q = {.from_seq = from_seq};
    return ordo_log_iter_open(c->log_dir, &q, &c->it, err);
}

static int src_next(void *ctx, ordo_pg_ship_rec_t *r, ordo_error_t *err)
{
    ship_src_t *c = ctx;
    ordo_log_record_t rec;
    int n = ordo_log_iter_next(c->it, &rec, err);
    if (n != 1)
        return n;
    _Static_assert(ORDO_PG_CHAIN_BYTES == ORDO_LOG_HASH_BYTES, "chain hash size");
    *r = (ordo_pg_ship_rec_t){.seq = rec.seq,
                              .type = rec.type,
                              .ts_unix_ns = rec.ts_unix_ns,
                              .key = rec.key,
                              .key_len = rec.key_len,
                              .payload = rec.payload,
                              .len = rec.len};
    memcpy(r->chain, rec.chain, sizeof r->chain);
    return 1;
}

/* Verifies DIR's log, then ships its verified prefix. */
static int ship_dir(const char *d, const char *dsn, ordo_pg_ship_report_t *r, ordo_error_t *err)
{
    memset(r, 0, sizeof *r);
    ordo_datadir_t dd;
    ordo_log_verify_report_t v;
    int rc = ordo_datadir_init(&dd, d, err);
    if (rc == ORDO_OK)
        rc = ordo_log_verify(dd.log, &v, err);
    if (rc != ORDO_OK)
        return rc;
    r->log_ok = v.ok;
    if (!v.ok)
        snprintf(r->reason, sizeof r->reason, "%s: record %llu: %s", v.bad_segment,
                 (unsigned long long)v.bad_seq, v.reason);
    ship_src_t c = {.log_dir = dd.log};
    ordo_pg_ship_source_t src = {
        .last = v.records ? v.last_seq : 0, .open = src_open, .next = src_next, .ctx = &c};
    rc = ordo_store_pg_ship_log(d, dsn, &src, r, err);
    if (c.it)
        ordo_log_iter_close(c.it);
    return rc;
}

static int run_ship(const ordo_cli_args_t *a)
{
    const char *d = ordo_cli_get(a, "data");
    if (!d && a->npos)
        d = a->pos[0];
    if (!d)
        d = ordo_cli_default_data_dir();
    const char *to = ordo_cli_get(a, "to"), *dsn = ordo_cli_get(a, "dsn");
    if (!to || strcmp(to, "postgres") != 0)
        return ordo_cli_usage("log ship", "--to postgres is required (the only target)");
    ordo_error_t err = {0};
    ordo_config_t cfg;
    int rc = ORDO_OK;
    if (!dsn) { /* the data directory's own store.postgres.dsn */
        rc = ordo_config_load_data_dir(d, &cfg, &err);
        if (rc == ORDO_OK && !cfg.postgres_dsn[0])
            return ordo_cli_usage("log ship", "give --dsn DSN (%s/ordo.conf has no "
                                              "store.postgres.dsn)", d);
        dsn = cfg.postgres_dsn;
    }
    ordo_pg_ship_report_t r;
    if (rc == ORDO_OK)
        rc = ship_dir(d, dsn, &r, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json)
        ordo_cli_print_obj(fill_ship, &r);
    else
        printf("shipped %llu records (%llu there before), instance %s, up to seq %llu\n",
               (unsigned long long)r.shipped, (unsigned long long)r.already, r.instance,
               (unsigned long long)r.verified_last);
    if (!r.log_ok)
        fprintf(stderr, "ordo: the log does not verify past seq %llu (%s): later records were "
                        "not shipped\n", (unsigned long long)r.verified_last, r.reason);
    return r.log_ok ? ORDO_EXIT_OK : ORDO_EXIT_FAIL;
}

static const ordo_cli_opt_t ship_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"to", 0, "postgres", "where to ship: postgres (required)"},
    {"dsn", 0, "DSN", "libpq connection string (default: DIR/ordo.conf's store.postgres.dsn)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_log_ship = {
    .name = "ship",
    .summary = "copy the log's verified records into PostgreSQL",
    .usage = "log ship [DIR] --to postgres [--dsn DSN] [--json]",
    .about = "Verifies DIR's decision log, then copies its records up to the last verified\n"
             "one into PostgreSQL's decision_log table (instance, seq, type, time, key,\n"
             "chain hash, record JSON) with COPY, so that a fleet's decisions can be read\n"
             "in one place. Idempotent: a second run copies only the records appended\n"
             "since, after checking that the last record PostgreSQL holds has the local\n"
             "record's chain hash. Exit 1 when the log does not verify to its end (the\n"
             "verified records before the damage are shipped).",
    .examples = "ordo log ship ordo-data --to postgres\n"
                "ordo log ship ordo-data --to postgres --dsn 'host=db dbname=ordo user=ordo' --json",
    .opts = ship_opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_ship,
};
