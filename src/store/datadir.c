/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the data directory's layout (datadir.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/config.h"
#include "ordo/datadir.h"

static int join(char *out, const char *root, const char *name)
{
    int n = snprintf(out, ORDO_DATADIR_PATH_MAX, "%s/%s", root, name);
    return n >= 0 && n < ORDO_DATADIR_PATH_MAX;
}

int ordo_datadir_init(ordo_datadir_t *d, const char *root, ordo_error_t *err)
{
    if (!root || !*root)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "data_dir", "no data directory given");
    size_t len = strlen(root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    /* the longest entry name decides what fits */
    if (len + 1 + sizeof ORDO_DATADIR_SUMMARY > ORDO_DATADIR_PATH_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "data_dir",
                              "data directory path too long (%zu bytes, at most %zu)", len,
                              (size_t)ORDO_DATADIR_PATH_MAX - 1 - sizeof ORDO_DATADIR_SUMMARY);
    memcpy(d->root, root, len);
    d->root[len] = '\0';
    /* "/" stays "/", and its entries are "/ordo.db", not "//ordo.db" */
    const char *base = strcmp(d->root, "/") ? d->root : "";
    if (!join(d->db, base, ORDO_DATADIR_DB) || !join(d->config, base, ORDO_DATADIR_CONFIG) ||
        !join(d->log, base, ORDO_DATADIR_LOG) ||
        !join(d->facts, base, ORDO_DATADIR_FACTS) || !join(d->summary, base, ORDO_DATADIR_SUMMARY) ||
        !join(d->models, base, ORDO_DATADIR_MODELS))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "data_dir", "data directory path too long");
    return ORDO_OK;
}

const char *ordo_datadir_default(void)
{
    const char *env = getenv("ORDO_DATA");
    return env && *env ? env : "./ordo-data";
}

bool ordo_datadir_has_db(const ordo_datadir_t *d)
{
    struct stat st;
    if (stat(d->db, &st) == 0 && S_ISREG(st.st_mode))
        return true;
    /* a store on PostgreSQL (store.backend = postgres in DIR/ordo.conf) */
    ordo_config_t cfg;
    return stat(d->config, &st) == 0 && ordo_config_load_data_dir(d->root, &cfg, NULL) == ORDO_OK &&
           cfg.store_backend == ORDO_STORE_POSTGRES;
}

bool ordo_datadir_has_log(const ordo_datadir_t *d)
{
    struct stat st;
    return stat(d->log, &st) == 0 && S_ISDIR(st.st_mode);
}
