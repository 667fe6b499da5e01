/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — orders, as JSON objects or NDJSON lines (docs/formats.md).
 *
 * A parsed order refers to its SKUs and pickup store by index into the
 * network, so the engine never looks an id up again. Its memory comes from
 * the arena the caller passes. */
#ifndef ORDO_ORDER_H
#define ORDO_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "json.h"
#include "network.h"

#define ORDO_ORDER_MAX_LINES 64

typedef enum ordo_service_level {
    ORDO_LEVEL_STANDARD = 0,
    ORDO_LEVEL_EXPRESS = 1,
    ORDO_LEVEL_PICKUP = 2,
    ORDO_LEVEL_TWO_DAY = 3,  /* delivered within 2 business days */
    ORDO_LEVEL_OVERNIGHT = 4 /* delivered the next business day */
} ordo_service_level_t;
#define ORDO_LEVELS 5

typedef struct ordo_order_line {
    uint32_t sku;      /* index into net->skus */
    uint32_t quantity; /* ≥ 1 */
} ordo_order_line_t;

/* The longest order id, in bytes (a decision record's log key). */
#define ORDO_ORDER_ID_MAX 255

typedef struct ordo_order {
    const char *id;            /* arena; 1..ORDO_ORDER_ID_MAX bytes of UTF-8 */
    int64_t created;           /* Unix seconds; 0 = absent: decided as of the decision
                                * time (ordo_decide_opts_t.now, else the clock) */
    const char *customer_id;   /* arena; "" when absent */
    const char *cohort;        /* arena; "" when absent */
    double lifetime_value;     /* USD, 0 when absent */
    uint32_t ship_zip;
    uint16_t ship_zip3;
    char state[3];             /* of the ship-to ZIP */
    bool ship_zip_approx;      /* ship-to ZIP not in the ZIP table: placed at its
                                * ZIP3's centroid (ordo_geo_zip_or_zip3) */
    const char *channel;       /* arena: "web", "app", "store", "marketplace"... */
    const char *promotion;     /* arena: promotion type ("bogo", "free_shipping"...); "" none */
    ordo_service_level_t level;
    int32_t pickup_node;       /* node index for pickup, else -1 */
    int64_t promise;           /* promised delivery date (Unix seconds), 0 = none */
    bool residential;          /* default true */
    uint32_t n_lines;
    ordo_order_line_t *lines;  /* arena */
} ordo_order_t;

/* Parses one order object. Unknown SKUs, bad ZIPs, quantities < 1, a pickup
 * without a known pickup-capable store and unknown fields are errors naming
 * the field (e.g. "lines[2].sku"); so are invalid UTF-8, a key given twice,
 * an id longer than ORDO_ORDER_ID_MAX bytes and a number out of range
 * (docs/formats.md). */
int ordo_order_parse(const char *json, size_t len, const ordo_network_t *net,
                     ordo_arena_t *arena, ordo_order_t *out, ordo_error_t *err);
/* Writes the order back in its input format. */
void ordo_order_write_json(const ordo_order_t *order, const ordo_network_t *net,
                           ordo_jsonw_t *w);

/* Order value: Σ quantity × price. */
double ordo_order_value(const ordo_order_t *order, const ordo_network_t *net);

const char *ordo_service_level_name(ordo_service_level_t l);
int ordo_service_level_parse(const char *s, ordo_service_level_t *out);

#endif
