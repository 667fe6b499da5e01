/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the data directory's layout, in one place.
 *
 * A data directory (CONTRACTS.md) holds:
 *   DIR/ordo.db      the store (SQLite: registry, policies, outcomes, audit)
 *   DIR/ordo.conf    settings (optional; docs/examples/ordo.conf)
 *   DIR/log/         the decision-log segments
 *   DIR/facts/       the analysis facts table, a cache derived from log/ and
 *                    ordo.db (docs/internals/ANALYZE.md); safe to delete
 *   DIR/summary.json a simulation run's summary (runs only)
 * Every module that needs one of these paths asks an ordo_datadir_t built by
 * ordo_datadir_init(); nothing else spells them. The type is a plain value:
 * no allocation, nothing to free, safe to copy. */
#ifndef ORDO_DATADIR_H
#define ORDO_DATADIR_H

#include <stdbool.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest path a data directory's files may have, terminator included. */
#define ORDO_DATADIR_PATH_MAX 4096

typedef struct ordo_datadir {
    char root[ORDO_DATADIR_PATH_MAX];    /* DIR as given, without trailing slashes */
    char db[ORDO_DATADIR_PATH_MAX];      /* DIR/ordo.db */
    char config[ORDO_DATADIR_PATH_MAX];  /* DIR/ordo.conf */
    char log[ORDO_DATADIR_PATH_MAX];     /* DIR/log */
    char facts[ORDO_DATADIR_PATH_MAX];   /* DIR/facts */
    char summary[ORDO_DATADIR_PATH_MAX]; /* DIR/summary.json */
    char models[ORDO_DATADIR_PATH_MAX];  /* DIR/models: versioned model files (model.h) */
} ordo_datadir_t;

/* Names of the entries, relative to DIR. */
#define ORDO_DATADIR_DB "ordo.db"
#define ORDO_DATADIR_CONFIG "ordo.conf"
#define ORDO_DATADIR_LOG "log"
#define ORDO_DATADIR_FACTS "facts"
#define ORDO_DATADIR_SUMMARY "summary.json"
#define ORDO_DATADIR_MODELS "models"

/* Fills d for the data directory root (not touched on disk). ORDO_EINVAL,
 * naming the field "data_dir", when root is NULL, empty or too long. */
int ordo_datadir_init(ordo_datadir_t *d, const char *root, ordo_error_t *err);

/* The default data directory: $ORDO_DATA when set and not empty, else
 * "./ordo-data". The returned string is static or the environment's. */
const char *ordo_datadir_default(void);

/* What exists on disk now (stat, no error: false when absent or unreadable).
 * has_db: DIR/ordo.db, or DIR/ordo.conf naming a PostgreSQL store. */
bool ordo_datadir_has_db(const ordo_datadir_t *d);
bool ordo_datadir_has_log(const ordo_datadir_t *d);

#ifdef __cplusplus
}
#endif

#endif
