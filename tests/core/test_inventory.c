/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/inventory.c: construction (compressed rows by SKU),
 * ATP, reserve/release/commit/receive and their error codes, all-or-nothing
 * reserve_many, and concurrent reservations that must never oversell. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/inventory.h"
#include "ordo/util.h"

static ordo_stock_t get(const ordo_inventory_t *inv, uint32_t cell)
{
    ordo_stock_t s;
    ordo_inventory_get(inv, cell, &s);
    return s;
}

/* One SKU at one node: on_hand, reserved, safety. */
static ordo_inventory_t *one_cell(int32_t on_hand, int32_t reserved, int32_t safety)
{
    ordo_inventory_t *inv = ordo_inventory_create(1, 1);
    assert_non_null(inv);
    assert_int_equal(ordo_inventory_add(inv, 0, 0, on_hand, reserved, safety, 1700000000), ORDO_OK);
    assert_int_equal(ordo_inventory_build(inv, NULL), ORDO_OK);
    return inv;
}

static void test_build_layout(void **state)
{
    (void)state;
    /* 200 random (node, SKU) records added in random order */
    enum { SKUS = 30, NODES = 40 };
    ordo_rng_t r;
    ordo_rng_seed(&r, 11);
    int32_t want[SKUS][NODES];
    memset(want, -1, sizeof want);
    ordo_inventory_t *inv = ordo_inventory_create(SKUS, 4); /* grows */
    int added = 0;
    while (added < 200) {
        uint32_t s = (uint32_t)ordo_rng_below(&r, SKUS), n = (uint32_t)ordo_rng_below(&r, NODES);
        if (want[s][n] >= 0)
            continue;
        want[s][n] = (int32_t)ordo_rng_below(&r, 1000);
        assert_int_equal(ordo_inventory_add(inv, n, s, want[s][n], 0, 0, (int64_t)added), ORDO_OK);
        added++;
    }
    ordo_error_t err;
    assert_int_equal(ordo_inventory_build(inv, &err), ORDO_OK);
    assert_int_equal(ordo_inventory_cell_count(inv), 200);
    uint32_t next = 0;
    for (uint32_t s = 0; s < SKUS; s++) {
        ordo_stock_range_t rg = ordo_inventory_sku_cells(inv, s);
        assert_int_equal(rg.begin, next); /* contiguous, SKU-major */
        next = rg.end;
        int count = 0;
        for (uint32_t n = 0; n < NODES; n++)
            count += want[s][n] >= 0;
        assert_int_equal(rg.end - rg.begin, count);
        for (uint32_t c = rg.begin; c < rg.end; c++) {
            uint32_t n = ordo_inventory_cell_node(inv, c);
            if (c > rg.begin) /* nodes ascending within a SKU */
                assert_true(ordo_inventory_cell_node(inv, c - 1) < n);
            assert_true(want[s][n] >= 0);
            assert_int_equal(get(inv, c).on_hand, want[s][n]);
            assert_int_equal(get(inv, c).node, n);
        }
        for (uint32_t n = 0; n < NODES; n++) {
            int64_t c = ordo_inventory_cell(inv, n, s);
            if (want[s][n] < 0)
                assert_int_equal(c, -1);
            else
                assert_int_equal(get(inv, (uint32_t)c).on_hand, want[s][n]);
        }
    }
    assert_int_equal(next, 200);
    /* out-of-range SKU: empty range, no cell */
    ordo_stock_range_t rg = ordo_inventory_sku_cells(inv, SKUS);
    assert_int_equal(rg.end - rg.begin, 0);
    assert_int_equal(ordo_inventory_cell(inv, 0, SKUS + 5), -1);
    /* built: no more adds, no second build */
    assert_int_equal(ordo_inventory_add(inv, 0, 0, 1, 0, 0, 0), ORDO_ESTATE);
    assert_int_equal(ordo_inventory_build(inv, &err), ORDO_ESTATE);
    ordo_inventory_destroy(inv);
    ordo_inventory_destroy(NULL);
}

static void test_build_errors(void **state)
{
    (void)state;
    ordo_inventory_t *inv = ordo_inventory_create(3, 0);
    assert_int_equal(ordo_inventory_add(inv, 0, 3, 1, 0, 0, 0), ORDO_EINVAL); /* SKU range */
    assert_int_equal(ordo_inventory_add(inv, 0, 0, -1, 0, 0, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_add(inv, 0, 0, 5, -1, 0, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_add(inv, 0, 0, 5, 6, 0, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_add(inv, 0, 0, 5, 0, -2, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_add(inv, 4, 1, 5, 0, 0, 0), ORDO_OK);
    assert_int_equal(ordo_inventory_add(inv, 2, 1, 5, 0, 0, 0), ORDO_OK);
    assert_int_equal(ordo_inventory_add(inv, 4, 1, 9, 0, 0, 0), ORDO_OK); /* duplicate */
    ordo_error_t err;
    ordo_error_clear(&err);
    assert_int_equal(ordo_inventory_build(inv, &err), ORDO_EEXIST);
    assert_int_equal(err.code, ORDO_EEXIST);
    ordo_inventory_destroy(inv);
    /* an empty inventory builds */
    inv = ordo_inventory_create(2, 0);
    assert_int_equal(ordo_inventory_build(inv, &err), ORDO_OK);
    assert_int_equal(ordo_inventory_cell_count(inv), 0);
    assert_int_equal(ordo_inventory_cell(inv, 0, 0), -1);
    ordo_inventory_destroy(inv);
}

static void test_atp(void **state)
{
    (void)state;
    ordo_inventory_t *inv = one_cell(100, 30, 10);
    ordo_stock_t s = get(inv, 0);
    assert_int_equal(s.on_hand, 100);
    assert_int_equal(s.reserved, 30);
    assert_int_equal(s.safety_stock, 10);
    assert_int_equal(s.as_of, 1700000000);
    assert_int_equal(ordo_inventory_atp(inv, 0), 60);
    assert_int_equal(ordo_inventory_atp_unsafe(inv, 0), 70);
    ordo_inventory_destroy(inv);
    /* safety above what is left: ATP is 0, never negative */
    inv = one_cell(10, 5, 8);
    assert_int_equal(ordo_inventory_atp(inv, 0), 0);
    assert_int_equal(ordo_inventory_atp_unsafe(inv, 0), 5);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 1, 1), ORDO_ESTOCK);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 5, 0), ORDO_OK); /* dips into safety */
    assert_int_equal(ordo_inventory_atp_unsafe(inv, 0), 0);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 1, 0), ORDO_ESTOCK);
    ordo_inventory_destroy(inv);
}

static void test_reserve_release_commit_receive(void **state)
{
    (void)state;
    ordo_inventory_t *inv = one_cell(20, 0, 2);
    /* argument errors change nothing */
    assert_int_equal(ordo_inventory_reserve(inv, 0, 0, 1), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_reserve(inv, 0, -3, 1), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_reserve(inv, 1, 1, 1), ORDO_EINVAL); /* no such cell */
    assert_int_equal(ordo_inventory_release(inv, 0, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_commit(inv, 0, -1), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_receive(inv, 0, 0), ORDO_EINVAL);
    assert_int_equal(ordo_inventory_receive(inv, 7, 1), ORDO_EINVAL);
    /* reserve up to ATP exactly */
    assert_int_equal(ordo_inventory_reserve(inv, 0, 19, 1), ORDO_ESTOCK);
    assert_int_equal(get(inv, 0).reserved, 0);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 10, 1), ORDO_OK);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 8, 1), ORDO_OK);
    assert_int_equal(ordo_inventory_atp(inv, 0), 0);
    assert_int_equal(ordo_inventory_reserve(inv, 0, 1, 1), ORDO_ESTOCK);
    assert_int_equal(get(inv, 0).reserved, 18);
    /* release: back to ATP; more than reserved is ERANGE */
    assert_int_equal(ordo_inventory_release(inv, 0, 19), ORDO_ERANGE);
    assert_int_equal(ordo_inventory_release(inv, 0, 3), ORDO_OK);
    assert_int_equal(get(inv, 0).reserved, 15);
    assert_int_equal(ordo_inventory_atp(inv, 0), 3);
    /* commit ships reserved units: both counts drop, ATP unchanged */
    assert_int_equal(ordo_inventory_commit(inv, 0, 16), ORDO_ERANGE);
    assert_int_equal(ordo_inventory_commit(inv, 0, 10), ORDO_OK);
    ordo_stock_t s = get(inv, 0);
    assert_int_equal(s.on_hand, 10);
    assert_int_equal(s.reserved, 5);
    assert_int_equal(ordo_inventory_atp(inv, 0), 3);
    /* receive adds on hand */
    assert_int_equal(ordo_inventory_receive(inv, 0, 7), ORDO_OK);
    assert_int_equal(get(inv, 0).on_hand, 17);
    assert_int_equal(ordo_inventory_atp(inv, 0), 10);
    assert_int_equal(ordo_inventory_receive(inv, 0, INT32_MAX), ORDO_ERANGE);
    assert_int_equal(get(inv, 0).on_hand, 17);
    assert_int_equal(ordo_inventory_receive(inv, 0, INT32_MAX - 17), ORDO_OK);
    assert_int_equal(get(inv, 0).on_hand, INT32_MAX);
    assert_int_equal(ordo_inventory_atp(inv, 0), INT32_MAX - 5 - 2);
    assert_int_equal(get(inv, 0).reserved, 5); /* the halves do not bleed */
    ordo_inventory_destroy(inv);
}

static void test_reserve_many(void **state)
{
    (void)state;
    ordo_inventory_t *inv = ordo_inventory_create(3, 3);
    assert_int_equal(ordo_inventory_add(inv, 0, 0, 10, 0, 0, 0), ORDO_OK);
    assert_int_equal(ordo_inventory_add(inv, 0, 1, 5, 0, 1, 0), ORDO_OK);
    assert_int_equal(ordo_inventory_add(inv, 0, 2, 3, 1, 0, 0), ORDO_OK);
    assert_int_equal(ordo_inventory_build(inv, NULL), ORDO_OK);
    /* cells 0, 1, 2 = SKUs 0, 1, 2 */
    uint32_t cells[] = {0, 1, 2};
    int32_t ok_q[] = {4, 4, 2};
    size_t failed = 99;
    assert_int_equal(ordo_inventory_reserve_many(inv, cells, ok_q, 3, 1, &failed), ORDO_OK);
    assert_int_equal(failed, 99); /* untouched on success */
    assert_int_equal(get(inv, 0).reserved, 4);
    assert_int_equal(get(inv, 1).reserved, 4);
    assert_int_equal(get(inv, 2).reserved, 3);
    /* cell 1 has ATP 0 now (5 - 4 - 1): the second pair fails, the first is
     * rolled back and the third never taken */
    int32_t ones[] = {1, 1, 1};
    assert_int_equal(ordo_inventory_reserve_many(inv, cells, ones, 3, 1, &failed), ORDO_ESTOCK);
    assert_int_equal(failed, 1);
    assert_int_equal(get(inv, 0).reserved, 4);
    assert_int_equal(get(inv, 1).reserved, 4);
    assert_int_equal(get(inv, 2).reserved, 3);
    /* the same cell twice: the second take does not fit, the first is undone */
    uint32_t same[] = {0, 0};
    int32_t q2[] = {4, 4}; /* ATP of cell 0 is 6 */
    assert_int_equal(ordo_inventory_reserve_many(inv, same, q2, 2, 1, &failed), ORDO_ESTOCK);
    assert_int_equal(failed, 1);
    assert_int_equal(get(inv, 0).reserved, 4);
    /* a bad quantity in the middle rolls back too, and reports EINVAL */
    int32_t q3[] = {1, -1, 1};
    assert_int_equal(ordo_inventory_reserve_many(inv, cells, q3, 3, 1, NULL), ORDO_EINVAL);
    assert_int_equal(get(inv, 0).reserved, 4);
    /* respect_safety 0 lets it use safety stock */
    uint32_t c1[] = {1};
    int32_t q1[] = {1};
    assert_int_equal(ordo_inventory_reserve_many(inv, c1, q1, 1, 1, &failed), ORDO_ESTOCK);
    assert_int_equal(ordo_inventory_reserve_many(inv, c1, q1, 1, 0, &failed), ORDO_OK);
    assert_int_equal(get(inv, 1).reserved, 5);
    /* n = 0 is a no-op success */
    assert_int_equal(ordo_inventory_reserve_many(inv, cells, ok_q, 0, 1, &failed), ORDO_OK);
    ordo_inventory_destroy(inv);
}

/* ---- concurrency ---- */

enum { THREADS = 8 };

typedef struct {
    ordo_inventory_t *inv;
    uint32_t cell;
    uint64_t seed;
    int mixed; /* 0: reserve only; 1: reserve/release/commit/receive */
    int ops;
    /* results */
    int64_t reserved_ok, released, committed, received;
    atomic_int *violations;
    atomic_int *go;
} worker_t;

static void check_invariant(worker_t *w)
{
    ordo_stock_t s;
    ordo_inventory_get(w->inv, w->cell, &s);
    if (s.reserved < 0 || s.on_hand < 0 || s.reserved > s.on_hand - s.safety_stock ||
        ordo_inventory_atp(w->inv, w->cell) < 0)
        atomic_fetch_add(w->violations, 1);
}

static void *worker(void *arg)
{
    worker_t *w = arg;
    ordo_rng_t r;
    ordo_rng_seed(&r, w->seed);
    while (!atomic_load(w->go))
        ;
    int64_t mine = 0; /* units this thread holds reserved */
    for (int i = 0; i < w->ops; i++) {
        int32_t q = 1 + (int32_t)ordo_rng_below(&r, 5);
        int action = w->mixed ? (int)ordo_rng_below(&r, 4) : 0;
        if (action == 0) {
            int rc = ordo_inventory_reserve(w->inv, w->cell, q, 1);
            if (rc == ORDO_OK) {
                w->reserved_ok += q;
                mine += q;
            } else if (rc != ORDO_ESTOCK) {
                atomic_fetch_add(w->violations, 1);
            } else if (!w->mixed && q == 1) {
                break; /* sold out: ATP is 0 and only reservations run */
            }
        } else if (action == 1 && mine > 0) {
            int32_t k = q < mine ? q : (int32_t)mine;
            if (ordo_inventory_release(w->inv, w->cell, k) != ORDO_OK)
                atomic_fetch_add(w->violations, 1);
            w->released += k;
            mine -= k;
        } else if (action == 2 && mine > 0) {
            int32_t k = q < mine ? q : (int32_t)mine;
            if (ordo_inventory_commit(w->inv, w->cell, k) != ORDO_OK)
                atomic_fetch_add(w->violations, 1);
            w->committed += k;
            mine -= k;
        } else if (action == 3) {
            if (ordo_inventory_receive(w->inv, w->cell, q) != ORDO_OK)
                atomic_fetch_add(w->violations, 1);
            w->received += q;
        }
        check_invariant(w);
    }
    return NULL;
}

static void run_workers(ordo_inventory_t *inv, uint32_t cell, int mixed, int ops, worker_t *ws,
                        atomic_int *violations)
{
    pthread_t th[THREADS];
    atomic_int go = 0;
    for (int t = 0; t < THREADS; t++) {
        ws[t] = (worker_t){.inv = inv,
                           .cell = cell,
                           .seed = 1000 + (uint64_t)t * 7 + (uint64_t)mixed,
                           .mixed = mixed,
                           .ops = ops,
                           .violations = violations,
                           .go = &go};
        assert_int_equal(pthread_create(&th[t], NULL, worker, &ws[t]), 0);
    }
    atomic_store(&go, 1);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
}

static void test_concurrent_reserve_never_oversells(void **state)
{
    (void)state;
    /* a hot SKU: 8 threads fight over 1,000,000 available units */
    const int32_t on_hand = 1000500, reserved0 = 300, safety = 200;
    ordo_inventory_t *inv = one_cell(on_hand, reserved0, safety);
    atomic_int violations = 0;
    worker_t ws[THREADS];
    run_workers(inv, 0, 0, 1000000, ws, &violations);
    int64_t sum = 0;
    for (int t = 0; t < THREADS; t++)
        sum += ws[t].reserved_ok;
    ordo_stock_t s = get(inv, 0);
    assert_int_equal(violations, 0);
    /* every successful reservation is counted once, none lost or doubled */
    assert_int_equal(s.reserved, reserved0 + sum);
    /* never more than was available, and sold out exactly */
    assert_true(sum <= on_hand - reserved0 - safety);
    assert_int_equal(sum, on_hand - reserved0 - safety);
    assert_int_equal(s.on_hand, on_hand);
    assert_int_equal(ordo_inventory_atp(inv, 0), 0);
    ordo_inventory_destroy(inv);
}

static void test_concurrent_mixed(void **state)
{
    (void)state;
    /* reservations, releases, shipments and receipts interleaved; a scarce
     * cell so that ESTOCK happens often */
    const int32_t on_hand = 60, safety = 5;
    ordo_inventory_t *inv = one_cell(on_hand, 0, safety);
    atomic_int violations = 0;
    worker_t ws[THREADS];
    run_workers(inv, 0, 1, 50000, ws, &violations);
    int64_t res = 0, rel = 0, com = 0, rec = 0;
    for (int t = 0; t < THREADS; t++) {
        res += ws[t].reserved_ok;
        rel += ws[t].released;
        com += ws[t].committed;
        rec += ws[t].received;
    }
    assert_int_equal(violations, 0);
    assert_true(res > 0 && rel > 0 && com > 0 && rec > 0);
    ordo_stock_t s = get(inv, 0);
    assert_int_equal(s.on_hand, on_hand + rec - com);
    assert_int_equal(s.reserved, res - rel - com);
    assert_true(s.reserved <= s.on_hand - safety);
    ordo_inventory_destroy(inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_layout),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_atp),
        cmocka_unit_test(test_reserve_release_commit_receive),
        cmocka_unit_test(test_reserve_many),
        cmocka_unit_test(test_concurrent_reserve_never_oversells),
        cmocka_unit_test(test_concurrent_mixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
