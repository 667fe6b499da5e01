/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze DIR --from postgres — a fleet's decisions, shipped by every
 * instance into PostgreSQL's decision_log (ordo log ship --to postgres),
 * copied into the data directory DIR/fleet (its log rebuilt, its store
 * the same PostgreSQL), which the analysis then reads as any data
 * directory (docs/internals/STORE.md "PostgreSQL"). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ordo/config.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "ordo/store.h"
#include "ordo/util.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)f;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* DIR/fleet/log and DIR/fleet/facts removed (both derived), ordo.conf
 * naming the PostgreSQL store written. */
static int fleet_reset(const ordo_datadir_t *fd, const char *dsn, ordo_error_t *err)
{
    const char *paths[2] = {fd->log, fd->facts};
    for (int i = 0; i < 2; i++)
        if (nftw(paths[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
            return ordo_error_set(err, ORDO_EIO, paths[i], 0, NULL, "cannot remove: %s",
                                  strerror(errno));
    int rc = ordo_mkdir_p(fd->root, err);
    if (rc)
        return rc;
    FILE *f = fopen(fd->config, "w");
    if (!f)
        return ordo_error_set(err, ORDO_EIO, fd->config, 0, NULL, "cannot write: %s",
                              strerror(errno));
    fprintf(f, "# made by ordo analyze --from postgres: the fleet's decisions, its store\n"
               "store.backend = postgres\nstore.postgres.dsn = \"");
    for (const char *c = dsn; *c; c++)
        fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    fprintf(f, "\"\n");
    return fclose(f) ? ordo_error_set(err, ORDO_EIO, fd->config, 0, NULL, "cannot write")
                     : ORDO_OK;
}

typedef struct fleet_copy {
    ordo_log_t *log;
    uint64_t records;
} fleet_copy_t;

static int copy_rec(void *ctx, const char *instance, const ordo_pg_ship_rec_t *r,
                    ordo_error_t *err)
{
    (void)instance;
    fleet_copy_t *c = ctx;
    c->records++;
    return ordo_log_append_flags(c->log, r->type, 0, r->key, r->key_len, r->ts_unix_ns,
                                 r->payload, r->len, NULL, err);
}

int ordo_cli_analyze_fleet(const char *dir, const char *dsn, char *fleet, size_t n,
                           uint64_t *records, ordo_error_t *err)
{
    ordo_config_t cfg;
    int rc;
    if (!dsn) {
        if ((rc = ordo_config_load_data_dir(dir, &cfg, err)))
            return rc;
        if (cfg.store_backend != ORDO_STORE_POSTGRES || !cfg.postgres_dsn[0])
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "dsn",
                                  "%s/ordo.conf names no PostgreSQL store: give --dsn DSN", dir);
        dsn = cfg.postgres_dsn;
    }
    if (snprintf(fleet, n, "%s/fleet", dir) >= (int)n)
        return ordo_error_set(err, ORDO_EINVAL, dir, 0, "data", "path too long");
    ordo_datadir_t fd;
    if ((rc = ordo_datadir_init(&fd, fleet, err)) || (rc = fleet_reset(&fd, dsn, err)))
        return rc;
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE; /* derived: flushed once at close */
    fleet_copy_t c = {0};
    ordo_log_open_info_t info;
    if ((rc = ordo_log_open(fd.log, &lo, &c.log, &info, err)))
        return rc;
    rc = ordo_store_pg_fetch_log(fleet, dsn, copy_rec, &c, err);
    int rc2 = ordo_log_close(c.log, rc ? NULL : err);
    *records = c.records;
    return rc ? rc : rc2;
}
