/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the dashboard's files, bundled into the binary at build
 * time (the dashboard works with no internet). */
#ifndef ORDO_SERVER_ASSETS_H
#define ORDO_SERVER_ASSETS_H

#include <stddef.h>

typedef struct ordo_asset { const char *path; const unsigned char *data; size_t len; const char *content_type; } ordo_asset_t;

const ordo_asset_t *ordo_asset_find(const char *path); /* "/" → index.html; NULL when absent */

#endif
