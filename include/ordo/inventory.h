/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — inventory: (node, SKU) → on hand, reserved, safety stock, as-of.
 *
 * Available-to-promise (ATP) = on hand − reserved − safety stock, never below
 * zero. Reserve and release are lock-free compare-and-swap operations on one
 * 64-bit word holding on-hand and reserved together, so concurrent callers
 * can never oversell. Records are stored per SKU (compressed sparse rows), so
 * finding the nodes that stock a SKU is one index away. */
#ifndef ORDO_INVENTORY_H
#define ORDO_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct ordo_inventory ordo_inventory_t;
struct ordo_network;

typedef struct ordo_stock {
    uint32_t node;
    int32_t on_hand;
    int32_t reserved;
    int32_t safety_stock;
    int64_t as_of;     /* Unix seconds */
} ordo_stock_t;

/* Records of one SKU: cells [begin, end). Cell indices are stable for the
 * life of the inventory and are what reserve/release take. */
typedef struct ordo_stock_range {
    uint32_t begin, end;
} ordo_stock_range_t;

ordo_stock_range_t ordo_inventory_sku_cells(const ordo_inventory_t *inv, uint32_t sku);
uint32_t ordo_inventory_cell_node(const ordo_inventory_t *inv, uint32_t cell);
/* Cell for (node, SKU); -1 when the node does not stock it. */
int64_t ordo_inventory_cell(const ordo_inventory_t *inv, uint32_t node, uint32_t sku);
/* Snapshot of one cell (atomic read). */
void ordo_inventory_get(const ordo_inventory_t *inv, uint32_t cell, ordo_stock_t *out);
/* ATP of one cell, ≥ 0. */
int32_t ordo_inventory_atp(const ordo_inventory_t *inv, uint32_t cell);
/* ATP ignoring safety stock (for policies that may dip into it). */
int32_t ordo_inventory_atp_unsafe(const ordo_inventory_t *inv, uint32_t cell);

/* Atomically reserves qty > 0 units: ORDO_ESTOCK when ATP < qty (nothing
 * changes). respect_safety 0 lets the reservation use safety stock. */
int ordo_inventory_reserve(ordo_inventory_t *inv, uint32_t cell, int32_t qty, int respect_safety);
/* Returns previously reserved units. ORDO_ERANGE if more than reserved. */
int ordo_inventory_release(ordo_inventory_t *inv, uint32_t cell, int32_t qty);
/* Ships reserved units: reserved −= qty and on_hand −= qty together. */
int ordo_inventory_commit(ordo_inventory_t *inv, uint32_t cell, int32_t qty);
/* Adds received units to on hand. */
int ordo_inventory_receive(ordo_inventory_t *inv, uint32_t cell, int32_t qty);

/* Overwrites a cell's on hand and reserved (0 ≤ reserved ≤ on hand), for
 * restoring a logged state (replay) or a count. Not for the decision path. */
int ordo_inventory_set(ordo_inventory_t *inv, uint32_t cell, int32_t on_hand, int32_t reserved);
/* Sets when a cell was last counted (Unix seconds), e.g. from the data
 * directory's stock after a snapshot: stale-stock pricing reads it. Safe
 * while other threads decide (the time is read and written whole). */
int ordo_inventory_set_as_of(ordo_inventory_t *inv, uint32_t cell, int64_t as_of);

/* All-or-nothing reservation of n (cell, qty) pairs: on failure everything
 * reserved by this call is released and *failed_at (if not NULL) is the index
 * of the pair that could not be reserved. */
int ordo_inventory_reserve_many(ordo_inventory_t *inv, const uint32_t *cells,
                                const int32_t *qtys, size_t n, int respect_safety,
                                size_t *failed_at);

size_t ordo_inventory_cell_count(const ordo_inventory_t *inv);

/* Construction (used by the CSV loader): add records in any order, then
 * build. Duplicate (node, SKU) is ORDO_EEXIST. */
ordo_inventory_t *ordo_inventory_create(uint32_t n_skus, size_t expected_records);
void ordo_inventory_destroy(ordo_inventory_t *inv);
int ordo_inventory_add(ordo_inventory_t *inv, uint32_t node, uint32_t sku, int32_t on_hand,
                       int32_t reserved, int32_t safety_stock, int64_t as_of);
int ordo_inventory_build(ordo_inventory_t *inv, ordo_error_t *err);

#endif
