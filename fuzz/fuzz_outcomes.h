/* SPDX-License-Identifier: Apache-2.0 */
/* The body of the two outcome-file targets (fuzz_outcomes_ndjson.c and
 * fuzz_outcomes_csv.c): the input is written as an outcome file and ingested
 * through ordo_store_outcomes_ingest_files into a store opened once, inside
 * an outer transaction that is rolled back, so the store stays empty. */
#ifndef ORDO_FUZZ_OUTCOMES_H
#define ORDO_FUZZ_OUTCOMES_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/config.h"
#include "ordo/error.h"
#include "ordo/store.h"

static ordo_store_t *store;
static char file[4200];

static void close_store(void)
{
    ordo_store_close(store, NULL);
}

static void outcomes_init(const char *name)
{
    ordo_error_t err;
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    cfg.sqlite_sync = ORDO_SQLITE_SYNC_NORMAL;
    const char *dir = fuzz_tmp_dir();
    if (ordo_store_open(dir, &cfg, &store, &err) != 0) {
        fprintf(stderr, "fuzz: store: %s\n", err.msg);
        abort();
    }
    atexit(close_store); /* runs before the directory is removed */
    snprintf(file, sizeof file, "%s/%s", dir, name);
}

static int outcomes_one(const uint8_t *data, size_t size, ordo_outcome_format_t fmt)
{
    ordo_error_t err;
    fuzz_write(file, data, size);
    if (ordo_store_tx_begin(store, &err) != 0)
        abort();
    const char *paths[] = {file};
    ordo_outcome_ingest_stats_t st = {0};
    (void)ordo_store_outcomes_ingest_files(store, paths, 1, fmt, &st, &err);
    if (ordo_store_tx_depth(store) != 1) {
        fprintf(stderr, "fuzz: ingest left the transaction depth at %d\n",
                ordo_store_tx_depth(store));
        abort();
    }
    if (ordo_store_tx_rollback(store, &err) != 0)
        abort();
    return 0;
}

#endif
