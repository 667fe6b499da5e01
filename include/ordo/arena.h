/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — arena allocator for per-request memory.
 *
 * An arena hands out memory from large blocks and frees it all at once.
 * ordo_arena_reset() keeps the blocks, so after warm-up a request served from
 * a reused arena calls malloc() zero times. Not thread-safe: one arena per
 * thread or per request. */
#ifndef ORDO_ARENA_H
#define ORDO_ARENA_H

#include <stddef.h>

typedef struct ordo_arena ordo_arena_t;

typedef struct ordo_arena_mark {
    void *block;
    size_t used;
} ordo_arena_mark_t;

/* block_size 0 picks 64 KiB. Returns NULL when out of memory. */
ordo_arena_t *ordo_arena_create(size_t block_size);
void ordo_arena_destroy(ordo_arena_t *arena);

/* 16-byte aligned memory owned by the arena; NULL when out of memory.
 * A request larger than the block size gets a block of its own. */
void *ordo_arena_alloc(ordo_arena_t *arena, size_t size);
void *ordo_arena_calloc(ordo_arena_t *arena, size_t count, size_t size);
char *ordo_arena_strdup(ordo_arena_t *arena, const char *s);
char *ordo_arena_strndup(ordo_arena_t *arena, const char *s, size_t n);

/* Frees everything allocated since creation, keeping the blocks. */
void ordo_arena_reset(ordo_arena_t *arena);
/* Save and roll back to a point (everything allocated after it is freed). */
ordo_arena_mark_t ordo_arena_mark(const ordo_arena_t *arena);
void ordo_arena_rewind(ordo_arena_t *arena, ordo_arena_mark_t mark);

size_t ordo_arena_used(const ordo_arena_t *arena);     /* bytes handed out */
size_t ordo_arena_reserved(const ordo_arena_t *arena); /* bytes held in blocks */
size_t ordo_arena_block_allocs(const ordo_arena_t *arena); /* malloc calls so far */

#endif
