/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — inventory in compressed sparse rows by SKU, with lock-free
 * reservations.
 *
 * Each cell's on-hand and reserved counts share one 64-bit atomic word
 * (reserved in the high half, on hand in the low half), so a reservation
 * checks on_hand − reserved − safety ≥ qty and bumps reserved in a single
 * compare-and-swap: two callers can never both take the last unit. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/inventory.h"

typedef struct pending {
    uint32_t node, sku;
    int32_t on_hand, reserved, safety;
    int64_t as_of;
} pending_t;

struct ordo_inventory {
    uint32_t n_skus;
    /* construction */
    pending_t *pend;
    size_t n_pend, cap_pend;
    /* built */
    size_t n_cells;
    uint32_t *sku_start; /* n_skus + 1 */
    uint32_t *node;
    int32_t *safety;
    int64_t *as_of;
    _Atomic uint64_t *state;
    int built;
};

static inline uint64_t pack(int32_t on_hand, int32_t reserved)
{
    return ((uint64_t)(uint32_t)reserved << 32) | (uint32_t)on_hand;
}
static inline int32_t st_on_hand(uint64_t s)
{
    return (int32_t)(uint32_t)(s & 0xffffffffu);
}
static inline int32_t st_reserved(uint64_t s)
{
    return (int32_t)(uint32_t)(s >> 32);
}

ordo_inventory_t *ordo_inventory_create(uint32_t n_skus, size_t expected)
{
    ordo_inventory_t *inv = calloc(1, sizeof *inv);
    if (!inv)
        return NULL;
    inv->n_skus = n_skus;
    inv->cap_pend = expected ? expected : 1024;
    inv->pend = malloc(inv->cap_pend * sizeof(pending_t));
    if (!inv->pend) {
        free(inv);
        return NULL;
    }
    return inv;
}

void ordo_inventory_destroy(ordo_inventory_t *inv)
{
    if (!inv)
        return;
    free(inv->pend);
    free(inv->sku_start);
    free(inv->node);
    free(inv->safety);
    free(inv->as_of);
    free((void *)inv->state);
    free(inv);
}

int ordo_inventory_add(ordo_inventory_t *inv, uint32_t node, uint32_t sku, int32_t on_hand,
                       int32_t reserved, int32_t safety, int64_t as_of)
{
    if (inv->built)
        return ORDO_ESTATE;
    if (sku >= inv->n_skus || on_hand < 0 || reserved < 0 || safety < 0 || reserved > on_hand)
        return ORDO_EINVAL;
    if (inv->n_pend == inv->cap_pend) {
        size_t nc = inv->cap_pend * 2;
        pending_t *np = realloc(inv->pend, nc * sizeof(pending_t));
        if (!np)
            return ORDO_ENOMEM;
        inv->pend = np;
        inv->cap_pend = nc;
    }
    pending_t *p = &inv->pend[inv->n_pend++];
    p->node = node;
    p->sku = sku;
    p->on_hand = on_hand;
    p->reserved = reserved;
    p->safety = safety;
    p->as_of = as_of;
    return ORDO_OK;
}

int ordo_inventory_build(ordo_inventory_t *inv, ordo_error_t *err)
{
    if (inv->built)
        return ORDO_ESTATE;
    size_t n = inv->n_pend;
    if (n > UINT32_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, NULL, "too many inventory records");
    uint32_t max_node = 0;
    for (size_t i = 0; i < n; i++)
        if (inv->pend[i].node > max_node)
            max_node = inv->pend[i].node;
    /* Two stable counting sorts: by node, then by SKU → SKU-major, node-minor. */
    uint32_t *cnt_node = calloc((size_t)max_node + 2, sizeof(uint32_t));
    uint32_t *order1 = malloc((n ? n : 1) * sizeof(uint32_t));
    uint32_t *order2 = malloc((n ? n : 1) * sizeof(uint32_t));
    inv->sku_start = calloc((size_t)inv->n_skus + 1, sizeof(uint32_t));
    inv->node = malloc((n ? n : 1) * sizeof(uint32_t));
    inv->safety = malloc((n ? n : 1) * sizeof(int32_t));
    inv->as_of = malloc((n ? n : 1) * sizeof(int64_t));
    inv->state = malloc((n ? n : 1) * sizeof(uint64_t));
    int rc = ORDO_OK;
    if (!cnt_node || !order1 || !order2 || !inv->sku_start || !inv->node || !inv->safety ||
        !inv->as_of || !inv->state) {
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        cnt_node[inv->pend[i].node + 1]++;
    for (uint32_t k = 0; k <= max_node; k++)
        cnt_node[k + 1] += cnt_node[k];
    for (size_t i = 0; i < n; i++)
        order1[cnt_node[inv->pend[i].node]++] = (uint32_t)i;
    uint32_t *start = inv->sku_start;
    for (size_t i = 0; i < n; i++)
        start[inv->pend[i].sku + 1]++;
    for (uint32_t k = 0; k < inv->n_skus; k++)
        start[k + 1] += start[k];
    {
        uint32_t *pos = malloc(((size_t)inv->n_skus + 1) * sizeof(uint32_t));
        if (!pos) {
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
            goto out;
        }
        memcpy(pos, start, ((size_t)inv->n_skus + 1) * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++) {
            uint32_t r = order1[i];
            order2[pos[inv->pend[r].sku]++] = r;
        }
        free(pos);
    }
    for (size_t c = 0; c < n; c++) {
        const pending_t *p = &inv->pend[order2[c]];
        if (c > 0) {
            const pending_t *q = &inv->pend[order2[c - 1]];
            if (q->sku == p->sku && q->node == p->node) {
                rc = ordo_error_set(err, ORDO_EEXIST, NULL, 0, NULL,
                                    "duplicate inventory record for node #%u, SKU #%u", p->node,
                                    p->sku);
                goto out;
            }
        }
        inv->node[c] = p->node;
        inv->safety[c] = p->safety;
        inv->as_of[c] = p->as_of;
        atomic_init(&inv->state[c], pack(p->on_hand, p->reserved));
    }
    inv->n_cells = n;
    inv->built = 1;
    free(inv->pend);
    inv->pend = NULL;
    inv->n_pend = inv->cap_pend = 0;
out:
    free(cnt_node);
    free(order1);
    free(order2);
    return rc;
}

ordo_stock_range_t ordo_inventory_sku_cells(const ordo_inventory_t *inv, uint32_t sku)
{
    ordo_stock_range_t r = {0, 0};
    if (inv->built && sku < inv->n_skus) {
        r.begin = inv->sku_start[sku];
        r.end = inv->sku_start[sku + 1];
    }
    return r;
}

uint32_t ordo_inventory_cell_node(const ordo_inventory_t *inv, uint32_t cell)
{
    return inv->node[cell];
}

int64_t ordo_inventory_cell(const ordo_inventory_t *inv, uint32_t node, uint32_t sku)
{
    ordo_stock_range_t r = ordo_inventory_sku_cells(inv, sku);
    uint32_t lo = r.begin, hi = r.end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (inv->node[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r.end && inv->node[lo] == node ? (int64_t)lo : -1;
}

void ordo_inventory_get(const ordo_inventory_t *inv, uint32_t cell, ordo_stock_t *out)
{
    uint64_t s = atomic_load_explicit(&inv->state[cell], memory_order_acquire);
    out->node = inv->node[cell];
    out->on_hand = st_on_hand(s);
    out->reserved = st_reserved(s);
    out->safety_stock = inv->safety[cell];
    out->as_of = __atomic_load_n(&inv->as_of[cell], __ATOMIC_RELAXED);
}

static int32_t atp_of(uint64_t s, int32_t safety)
{
    int64_t a = (int64_t)st_on_hand(s) - st_reserved(s) - safety;
    return a > 0 ? (int32_t)a : 0;
}

int32_t ordo_inventory_atp(const ordo_inventory_t *inv, uint32_t cell)
{
    return atp_of(atomic_load_explicit(&inv->state[cell], memory_order_acquire),
                  inv->safety[cell]);
}

int32_t ordo_inventory_atp_unsafe(const ordo_inventory_t *inv, uint32_t cell)
{
    return atp_of(atomic_load_explicit(&inv->state[cell], memory_order_acquire), 0);
}

int ordo_inventory_reserve(ordo_inventory_t *inv, uint32_t cell, int32_t qty, int respect_safety)
{
    if (qty <= 0 || cell >= inv->n_cells)
        return ORDO_EINVAL;
    int32_t safety = respect_safety ? inv->safety[cell] : 0;
    uint64_t s = atomic_load_explicit(&inv->state[cell], memory_order_acquire);
    for (;;) {
        if (atp_of(s, safety) < qty)
            return ORDO_ESTOCK;
        uint64_t ns = pack(st_on_hand(s), st_reserved(s) + qty);
        if (atomic_compare_exchange_weak_explicit(&inv->state[cell], &s, ns,
                                                  memory_order_acq_rel, memory_order_acquire))
            return ORDO_OK;
    }
}

int ordo_inventory_release(ordo_inventory_t *inv, uint32_t cell, int32_t qty)
{
    if (qty <= 0 || cell >= inv->n_cells)
        return ORDO_EINVAL;
    uint64_t s = atomic_load_explicit(&inv->state[cell], memory_order_acquire);
    for (;;) {
        if (st_reserved(s) < qty)
            return ORDO_ERANGE;
        uint64_t ns = pack(st_on_hand(s), st_reserved(s) - qty);
        if (atomic_compare_exchange_weak_explicit(&inv->state[cell], &s, ns,
                                                  memory_order_acq_rel, memory_order_acquire))
            return ORDO_OK;
    }
}

int ordo_inventory_commit(ordo_inventory_t *inv, uint32_t cell, int32_t qty)
{
    if (qty <= 0 || cell >= inv->n_cells)
        return ORDO_EINVAL;
    uint64_t s = atomic_load_explicit(&inv->state[cell], memory_order_acquire);
    for (;;) {
        if (st_reserved(s) < qty || st_on_hand(s) < qty)
            return ORDO_ERANGE;
        uint64_t ns = pack(st_on_hand(s) - qty, st_reserved(s) - qty);
        if (atomic_compare_exchange_weak_explicit(&inv->state[cell], &s, ns,
                                                  memory_order_acq_rel, memory_order_acquire))
            return ORDO_OK;
    }
}

int ordo_inventory_receive(ordo_inventory_t *inv, uint32_t cell, int32_t qty)
{
    if (qty <= 0 || cell >= inv->n_cells)
        return ORDO_EINVAL;
    uint64_t s = atomic_load_explicit(&inv->state[cell], memory_order_acquire);
    for (;;) {
        if ((int64_t)st_on_hand(s) + qty > INT32_MAX)
            return ORDO_ERANGE;
        uint64_t ns = pack(st_on_hand(s) + qty, st_reserved(s));
        if (atomic_compare_exchange_weak_explicit(&inv->state[cell], &s, ns,
                                                  memory_order_acq_rel, memory_order_acquire))
            return ORDO_OK;
    }
}

int ordo_inventory_set(ordo_inventory_t *inv, uint32_t cell, int32_t on_hand, int32_t reserved)
{
    if (cell >= inv->n_cells || on_hand < 0 || reserved < 0 || reserved > on_hand)
        return ORDO_EINVAL;
    atomic_store_explicit(&inv->state[cell], pack(on_hand, reserved), memory_order_release);
    return ORDO_OK;
}

int ordo_inventory_set_as_of(ordo_inventory_t *inv, uint32_t cell, int64_t as_of)
{
    if (cell >= inv->n_cells)
        return ORDO_EINVAL;
    __atomic_store_n(&inv->as_of[cell], as_of, __ATOMIC_RELAXED);
    return ORDO_OK;
}

int ordo_inventory_reserve_many(ordo_inventory_t *inv, const uint32_t *cells, const int32_t *qtys,
                                size_t n, int respect_safety, size_t *failed_at)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ordo_inventory_reserve(inv, cells[i], qtys[i], respect_safety);
        if (rc) {
            for (size_t j = i; j-- > 0;)
                ordo_inventory_release(inv, cells[j], qtys[j]);
            if (failed_at)
                *failed_at = i;
            return rc;
        }
    }
    return ORDO_OK;
}

size_t ordo_inventory_cell_count(const ordo_inventory_t *inv)
{
    return inv->n_cells;
}
