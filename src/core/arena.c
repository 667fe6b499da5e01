/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — arena allocator. Blocks form a list; reset keeps them all so a
 * reused arena stops calling malloc once it has grown to its working size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"

/* Under AddressSanitizer the unused part of every block is poisoned and an
 * allocation unpoisons exactly the bytes asked for, so reading or writing
 * past an arena allocation (even into the same block, or into its
 * alignment padding) is reported as it is for malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK (64 * 1024)

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    _Alignas(16) unsigned char data[];
} block_t;

struct ordo_arena {
    block_t *head;    /* first block */
    block_t *cur;     /* block being filled */
    size_t block_size;
    size_t mallocs;
};

static size_t align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

static block_t *block_new(ordo_arena_t *a, size_t size)
{
    if (size > SIZE_MAX - sizeof(block_t))
        return NULL;
    block_t *b = malloc(sizeof(block_t) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    POISON(b->data, size);
    a->mallocs++;
    return b;
}

ordo_arena_t *ordo_arena_create(size_t block_size)
{
    ordo_arena_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->block_size = block_size ? align_up(block_size) : ARENA_DEFAULT_BLOCK;
    a->head = a->cur = block_new(a, a->block_size);
    if (!a->head) {
        free(a);
        return NULL;
    }
    return a;
}

void ordo_arena_destroy(ordo_arena_t *a)
{
    if (!a)
        return;
    block_t *b = a->head;
    while (b) {
        block_t *next = b->next;
        UNPOISON(b->data, b->size);
        free(b);
        b = next;
    }
    free(a);
}

void *ordo_arena_alloc(ordo_arena_t *a, size_t size)
{
    if (!a)
        return NULL;
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    size_t need = align_up(size);
    for (;;) {
        block_t *b = a->cur;
        if (b->size - b->used >= need) {
            void *p = b->data + b->used;
            b->used += need;
            UNPOISON(p, size);
            return p;
        }
        /* Move to the next kept block, if one is big enough. */
        if (b->next) {
            a->cur = b->next;
            a->cur->used = 0;
            POISON(a->cur->data, a->cur->size);
            continue;
        }
        size_t sz = need > a->block_size ? need : a->block_size;
        block_t *nb = block_new(a, sz);
        if (!nb)
            return NULL;
        b->next = nb;
        a->cur = nb;
    }
}

void *ordo_arena_calloc(ordo_arena_t *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = ordo_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *ordo_arena_strndup(ordo_arena_t *a, const char *s, size_t n)
{
    char *p = ordo_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *ordo_arena_strdup(ordo_arena_t *a, const char *s)
{
    return ordo_arena_strndup(a, s, strlen(s));
}

/* Poisons what follows the first `used` bytes of b, and every later block. */
static void poison_from(block_t *b, size_t used)
{
#ifdef ARENA_ASAN
    POISON(b->data + used, b->size - used);
    for (b = b->next; b; b = b->next)
        POISON(b->data, b->size);
#else
    (void)b, (void)used;
#endif
}

void ordo_arena_reset(ordo_arena_t *a)
{
    if (!a)
        return;
    a->cur = a->head;
    a->head->used = 0;
    poison_from(a->head, 0);
}

ordo_arena_mark_t ordo_arena_mark(const ordo_arena_t *a)
{
    ordo_arena_mark_t m = {a->cur, a->cur->used};
    return m;
}

void ordo_arena_rewind(ordo_arena_t *a, ordo_arena_mark_t m)
{
    a->cur = m.block;
    a->cur->used = m.used;
    poison_from(a->cur, m.used);
}

size_t ordo_arena_used(const ordo_arena_t *a)
{
    size_t n = 0;
    for (const block_t *b = a->head; b; b = b->next) {
        n += b->used;
        if (b == a->cur)
            break;
    }
    return n;
}

size_t ordo_arena_reserved(const ordo_arena_t *a)
{
    size_t n = 0;
    for (const block_t *b = a->head; b; b = b->next)
        n += b->size;
    return n;
}

size_t ordo_arena_block_allocs(const ordo_arena_t *a)
{
    return a->mallocs;
}
