/* SPDX-License-Identifier: Apache-2.0 */
/* The network-value table (include/ordo/netval.h): a value per inventory
 * cell the engine reads; model/netval.c fills it. */
#include "ordo/netval.h"

#include <stdio.h>
#include <stdlib.h>

ordo_netval_t *ordo_netval_new(uint32_t n_cells, const char *version)
{
    ordo_netval_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->value = calloc(n_cells ? n_cells : 1, sizeof *t->value);
    if (!t->value) {
        free(t);
        return NULL;
    }
    t->n_cells = n_cells;
    snprintf(t->version, sizeof t->version, "%s", version ? version : "");
    return t;
}

void ordo_netval_destroy(ordo_netval_t *t)
{
    if (!t)
        return;
    free(t->value);
    free(t);
}
