/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — growable byte buffer, backed by malloc or by an arena. */
#ifndef ORDO_BUF_H
#define ORDO_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "arena.h"

typedef struct ordo_buf {
    char *data;          /* always NUL-terminated when len > 0 or cap > 0 */
    size_t len;
    size_t cap;
    ordo_arena_t *arena; /* NULL: malloc/realloc; else memory from the arena */
    int oom;             /* sticky: set once an append failed */
} ordo_buf_t;

/* arena may be NULL. */
void ordo_buf_init(ordo_buf_t *buf, ordo_arena_t *arena);
/* Frees malloc'd storage (no-op for arena storage) and re-initializes. */
void ordo_buf_free(ordo_buf_t *buf);
/* len = 0, keeps capacity. */
void ordo_buf_reset(ordo_buf_t *buf);
int ordo_buf_reserve(ordo_buf_t *buf, size_t extra);
int ordo_buf_append(ordo_buf_t *buf, const void *data, size_t len);
int ordo_buf_putc(ordo_buf_t *buf, char c);
int ordo_buf_puts(ordo_buf_t *buf, const char *s);
int ordo_buf_printf(ordo_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ordo_buf_vprintf(ordo_buf_t *buf, const char *fmt, va_list ap);

#endif
