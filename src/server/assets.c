/* SPDX-License-Identifier: Apache-2.0 */
/* Looks a request path up in the table of embedded dashboard files. The
 * table (ordo_assets_table) is generated at build time from web/ and the npm
 * packages the dashboard draws with (cmake/ordo_assets_embed.cmake). */
#include "assets.h"

#include <string.h>

extern const ordo_asset_t ordo_assets_table[];
extern const size_t ordo_assets_count;

const ordo_asset_t *ordo_asset_find(const char *path)
{
    if (!path)
        return NULL;
    /* a query string or a fragment does not name another file */
    size_t n = strcspn(path, "?#");
    if (n == 1 && path[0] == '/') {
        path = "/index.html";
        n = strlen(path);
    }
    for (size_t i = 0; i < ordo_assets_count; i++) {
        const ordo_asset_t *a = &ordo_assets_table[i];
        if (strlen(a->path) == n && !memcmp(a->path, path, n))
            return a;
    }
    return NULL;
}
