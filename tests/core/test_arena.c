/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/arena.c: alignment, block reuse after reset, big
 * allocations, mark/rewind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/arena.h"

static void test_alignment(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(1024);
    assert_non_null(a);
    /* odd sizes must not break 16-byte alignment of the next allocation */
    static const size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 100, 1, 2, 999, 5};
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *p = ordo_arena_alloc(a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            memset(p, 0xAB, sizes[i]); /* ASan checks the whole range is ours */
        }
    /* size 0 still gives a distinct, aligned pointer */
    void *z1 = ordo_arena_alloc(a, 0), *z2 = ordo_arena_alloc(a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    assert_int_equal((uintptr_t)z2 % 16, 0);
    ordo_arena_destroy(a);
}

static void test_no_overlap_and_contents_survive(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(256);
    enum { N = 400 };
    unsigned char *ptrs[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        lens[i] = (size_t)(i * 7 % 61) + 1;
        ptrs[i] = ordo_arena_alloc(a, lens[i]);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], i & 0xff, lens[i]);
    }
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < lens[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    assert_true(ordo_arena_used(a) >= 400);
    assert_true(ordo_arena_reserved(a) >= ordo_arena_used(a));
    ordo_arena_destroy(a);
}

static void workload(ordo_arena_t *a)
{
    /* mixed small allocations, a big one in the middle, strings */
    for (int i = 0; i < 300; i++)
        assert_non_null(ordo_arena_alloc(a, (size_t)(i % 97) + 1));
    assert_non_null(ordo_arena_alloc(a, 200000)); /* larger than a block */
    for (int i = 0; i < 300; i++)
        assert_non_null(ordo_arena_strdup(a, "a string copied into the arena"));
    assert_non_null(ordo_arena_calloc(a, 1000, 8));
}

static void test_reset_reuses_blocks(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(4096);
    workload(a);
    size_t allocs = ordo_arena_block_allocs(a);
    size_t reserved = ordo_arena_reserved(a);
    assert_true(allocs > 1); /* the workload needed several blocks */
    for (int r = 0; r < 20; r++) {
        ordo_arena_reset(a);
        assert_int_equal(ordo_arena_used(a), 0);
        workload(a);
        assert_int_equal(ordo_arena_block_allocs(a), allocs);
        assert_int_equal(ordo_arena_reserved(a), reserved);
    }
    ordo_arena_destroy(a);
}

static void test_big_allocations(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(1024);
    size_t before = ordo_arena_block_allocs(a);
    unsigned char *big = ordo_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 0x5A, 1 << 20);
    assert_int_equal(ordo_arena_block_allocs(a), before + 1);
    assert_true(ordo_arena_reserved(a) >= (1u << 20) + 1024);
    /* small allocations after a big one still work and do not touch it */
    char *s = ordo_arena_strdup(a, "after");
    assert_string_equal(s, "after");
    assert_int_equal(big[0], 0x5A);
    assert_int_equal(big[(1 << 20) - 1], 0x5A);
    /* absurd sizes fail cleanly instead of wrapping around */
    assert_null(ordo_arena_alloc(a, SIZE_MAX));
    assert_null(ordo_arena_alloc(a, SIZE_MAX - 8));
    assert_null(ordo_arena_calloc(a, SIZE_MAX / 2, 4));
    /* calloc zeroes */
    int *z = ordo_arena_calloc(a, 300, sizeof(int));
    for (int i = 0; i < 300; i++)
        assert_int_equal(z[i], 0);
    ordo_arena_destroy(a);
}

static void test_mark_rewind(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(512);
    char *keep = ordo_arena_strdup(a, "keep me");
    size_t used0 = ordo_arena_used(a);
    ordo_arena_mark_t m = ordo_arena_mark(a);
    /* cross several block boundaries after the mark */
    void *first_after = NULL;
    for (int i = 0; i < 100; i++) {
        void *p = ordo_arena_alloc(a, 100);
        if (!first_after)
            first_after = p;
    }
    assert_true(ordo_arena_used(a) > used0);
    size_t allocs = ordo_arena_block_allocs(a);
    ordo_arena_rewind(a, m);
    assert_int_equal(ordo_arena_used(a), used0);
    assert_string_equal(keep, "keep me");
    /* the next allocation reuses the memory right after the mark */
    void *again = ordo_arena_alloc(a, 100);
    assert_ptr_equal(again, first_after);
    /* the same amount again needs no new block */
    for (int i = 1; i < 100; i++)
        assert_non_null(ordo_arena_alloc(a, 100));
    assert_int_equal(ordo_arena_block_allocs(a), allocs);
    assert_string_equal(keep, "keep me");
    ordo_arena_destroy(a);
}

static void test_strndup(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(0); /* default block size */
    char *s = ordo_arena_strndup(a, "hello, world", 5);
    assert_string_equal(s, "hello");
    char *e = ordo_arena_strndup(a, "", 0);
    assert_string_equal(e, "");
    assert_true(ordo_arena_reserved(a) >= 64 * 1024);
    ordo_arena_destroy(a);
    ordo_arena_destroy(NULL); /* allowed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_no_overlap_and_contents_survive),
        cmocka_unit_test(test_reset_reuses_blocks),
        cmocka_unit_test(test_big_allocations),
        cmocka_unit_test(test_mark_rewind),
        cmocka_unit_test(test_strndup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
