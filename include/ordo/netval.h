/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the value of a unit of stock where it is (docs/internals/SOURCING.md,
 * "Network value of stock").
 *
 * A network-value table holds, per inventory cell, what taking one unit
 * from that cell now costs the rest of the network before the next
 * replenishment (USD a unit). Two ways to fill it:
 *  - stock-out: the cell's expected demand until replenishment (a
 *    Holt–Winters forecast per family x region turned into units at the
 *    node) prices a unit at margin x P(demand >= on hand), the expected
 *    margin lost to a stock-out when one more unit leaves now;
 *  - network (Acimovic & Graves 2015): per SKU, a transportation LP of
 *    expected demand per region against the stock of every node at the
 *    unit cost of each node x region lane; the dual of a node's supply row
 *    is the shadow price of a unit there.
 * The engine reads the table a policy with "network_value": true adds to
 * each line's opportunity cost (qty x value), swapped atomically like
 * learned lanes (ordo_engine_set_netval, source.h). The table is core's;
 * building one is the model module's (fit.h: ordo_demand_forecast,
 * ordo_netval_stockout, ordo_netval_from_lp), not on the decision path. */
#ifndef ORDO_NETVAL_H
#define ORDO_NETVAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ordo_netval {
    char version[64];     /* what built it, e.g. "lp/day12" */
    uint32_t n_cells;
    float *value;         /* per inventory cell, USD per unit taken, >= 0 */
    struct ordo_netval *retired_next; /* the engine's retired list */
} ordo_netval_t;

/* A table of n_cells zeros, or NULL when out of memory. */
ordo_netval_t *ordo_netval_new(uint32_t n_cells, const char *version);
void ordo_netval_destroy(ordo_netval_t *t);

#ifdef __cplusplus
}
#endif

#endif /* ORDO_NETVAL_H */
