/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — placeholder for the bundled dashboard: no assets. The
 * dashboard's build (web/) replaces this file with the generated table. */
#include "assets.h"

const ordo_asset_t *ordo_asset_find(const char *path)
{
    (void)path;
    return NULL;
}
