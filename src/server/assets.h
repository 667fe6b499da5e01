/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's static files (web/), embedded into the ordo executable at
 * build time (cmake/ordo_assets.cmake), so `ordo serve` needs no files on
 * disk and no internet. Paths are exact: a path that is not in the table,
 * "/assets/../x" included, is absent. */
#ifndef ORDO_SERVER_ASSETS_H
#define ORDO_SERVER_ASSETS_H

#include <stddef.h>

typedef struct ordo_asset { const char *path; const unsigned char *data; size_t len; const char *content_type; } ordo_asset_t;

const ordo_asset_t *ordo_asset_find(const char *path); /* "/" → index.html; NULL when absent */

#endif
