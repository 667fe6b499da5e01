/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — generated orders for benchmarks and domain tests.
 *
 * ordo_orders_generate draws orders as a fulfillment analyst would test
 * sourcing strategies with them: ship-to ZIPs weighted by population, 1–4
 * lines of SKUs drawn by popularity among stocked SKUs (the SKU's on-hand
 * stock across the network, which the generator makes deeper for popular
 * SKUs), 78% standard, 17% express and 5% pickup at the pickup-capable
 * store nearest the customer (lines drawn among the SKUs that store
 * stocks). Same seed and network, same orders.
 *
 * A simulator comparing policies needs the same orders whatever stock the
 * policies left (common random numbers): it passes sku_weight (popularity
 * from the world, not from the network's current stock) and order_streams
 * (each order drawn from its own stream keyed by (seed, order index), so
 * the variable number of draws of one order — a pickup's SKUs drawn among
 * its store's ATP, a duplicate SKU drawn again — cannot shift another).
 * Then only a pickup order's lines can depend on the stock. The defaults
 * (NULL, false) keep the benchmarks' and domain tests' orders. */
#ifndef ORDO_GENERATE_H
#define ORDO_GENERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "network.h"
#include "order.h"

typedef struct ordo_ordergen_options {
    uint32_t n_orders;
    uint64_t seed;
    int64_t created0;     /* first order time, Unix seconds; 0 → 2026-06-01 */
    uint32_t days;        /* orders spread over this many days; 0 → 28 */
    uint32_t max_lines;   /* 0 → 4 */
    double express_share; /* < 0 → 0.17 */
    double pickup_share;  /* < 0 → 0.05 */
    /* n_skus popularity weights (≤ 0: never drawn); NULL → each SKU's
     * on-hand across the network */
    const double *sku_weight;
    bool order_streams; /* each order from its own stream keyed by (seed, i) */
} ordo_ordergen_options_t;

/* Defaults as documented above. */
void ordo_ordergen_defaults(ordo_ordergen_options_t *opt);

/* Fills out[0..n_orders-1]; ids, lines and strings come from arena. A
 * network without stocked SKUs is ORDO_EINVAL. */
int ordo_orders_generate(const ordo_network_t *net, const ordo_ordergen_options_t *opt,
                         ordo_arena_t *arena, ordo_order_t *out, ordo_error_t *err);

#endif
