/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — PostgreSQL: a decision's whole reservation in one round
 * trip (ordo_store_stock_reserve_plan). The plan's cells go as arrays to
 * ordo_reserve_plan (migration step 9, postgres_schema.h), which takes
 * them all or none, writes the reservation rows and the customer's
 * mapping, and commits without waiting for the WAL flush (ordo_pg_sync
 * waits once for a group) (docs/internals/STORE.md "PostgreSQL"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

enum { ARR_NODE, ARR_SKU, ARR_SHIP, ARR_QTY, ARR_ON_HAND, ARR_RESERVED, ARR_SAFETY, ARR_AS_OF,
       ARR_COUNT };

/* A text element of an array literal, quoted ("...", with \ before " and \). */
static void arr_text(ordo_buf_t *a, const char *s)
{
    ordo_buf_putc(a, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            ordo_buf_putc(a, '\\');
        ordo_buf_putc(a, *s);
    }
    ordo_buf_putc(a, '"');
}

static int64_t arr_num(const ordo_store_plan_cell_t *c, int field)
{
    switch (field) {
    case ARR_SHIP: return c->shipment;
    case ARR_QTY: return c->qty;
    case ARR_ON_HAND: return c->seed.on_hand;
    case ARR_RESERVED: return c->seed.reserved;
    case ARR_SAFETY: return c->seed.safety;
    default: return c->seed.as_of;
    }
}

/* The cells' arrays, one after the other in b->arr (each NUL-terminated),
 * their starts in at[]. */
static int arr_build(store_backend_t *b, const ordo_store_plan_cell_t *cells, uint32_t n,
                     size_t at[ARR_COUNT], ordo_error_t *err)
{
    ordo_buf_t *a = &b->arr;
    ordo_buf_reset(a);
    for (int f = 0; f < ARR_COUNT; f++) {
        at[f] = a->len;
        ordo_buf_putc(a, '{');
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                ordo_buf_putc(a, ',');
            if (f == ARR_NODE || f == ARR_SKU)
                arr_text(a, f == ARR_NODE ? cells[i].node : cells[i].sku);
            else
                ordo_buf_printf(a, "%lld", (long long)arr_num(&cells[i], f));
        }
        ordo_buf_putc(a, '}');
        ordo_buf_putc(a, '\0');
    }
    if (a->oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    return ORDO_OK;
}

int ordo_pg_stock_reserve_plan(store_backend_t *b, uint64_t seq, const char *order_id,
                               const ordo_store_plan_cell_t *cells, uint32_t n,
                               bool respect_safety, const char *customer_key,
                               const char *customer_id, int64_t now, int32_t *result,
                               ordo_error_t *err)
{
    *result = 0;
    if (b->depth > 0)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                              "a plan's reservation runs outside any transaction");
    size_t at[ARR_COUNT];
    int rc = arr_build(b, cells, n, at, err);
    if (rc != ORDO_OK)
        return rc;
    pg_params_t p = {.n = 0};
    ordo_pg_params_text(&p, b->instance);
    ordo_pg_params_i64(&p, (int64_t)seq);
    ordo_pg_params_text(&p, order_id);
    ordo_pg_params_i64(&p, now);
    for (int f = 0; f < ARR_COUNT; f++)
        ordo_pg_params_text(&p, b->arr.data + at[f]);
    ordo_pg_params_text(&p, respect_safety ? "t" : "f");
    if (customer_key && customer_id) {
        ordo_pg_params_text(&p, customer_key);
        ordo_pg_params_text(&p, customer_id);
    } else {
        ordo_pg_params_null(&p);
        ordo_pg_params_null(&p);
    }
    /* set before the statement is sent: a lost answer may still have
     * committed, without the flush */
    b->unsynced = true;
    PGresult *r;
    rc = ordo_pg_run(b, Q_RESERVE_PLAN, &p, "reserve plan", &r, err);
    if (rc != ORDO_OK)
        return rc;
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
        rc = ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "postgres reserve plan: no answer");
    else
        *result = (int32_t)ordo_pg_i64(r, 0, 0);
    PQclear(r);
    if (rc == ORDO_OK && (*result < -1 || *result > (int64_t)n))
        rc = ordo_error_set(err, ORDO_EIO, NULL, 0, NULL,
                            "postgres reserve plan: answer %d for %u cells", (int)*result, n);
    return rc;
}
