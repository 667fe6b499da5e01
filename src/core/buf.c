/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — growable byte buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/buf.h"
#include "ordo/error.h"

void ordo_buf_init(ordo_buf_t *b, ordo_arena_t *arena)
{
    memset(b, 0, sizeof *b);
    b->arena = arena;
}

void ordo_buf_free(ordo_buf_t *b)
{
    if (!b->arena)
        free(b->data);
    ordo_arena_t *a = b->arena;
    ordo_buf_init(b, a);
}

void ordo_buf_reset(ordo_buf_t *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = 0;
}

int ordo_buf_reserve(ordo_buf_t *b, size_t extra)
{
    if (b->oom)
        return ORDO_ENOMEM;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return ORDO_ENOMEM;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return ORDO_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p;
    if (b->arena) {
        p = ordo_arena_alloc(b->arena, cap);
        if (p && b->len)
            memcpy(p, b->data, b->len);
    } else {
        p = realloc(b->data, cap);
    }
    if (!p) {
        b->oom = 1;
        return ORDO_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    b->data[b->len] = 0;
    return ORDO_OK;
}

int ordo_buf_append(ordo_buf_t *b, const void *data, size_t len)
{
    int rc = ordo_buf_reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return ORDO_OK;
}

int ordo_buf_putc(ordo_buf_t *b, char c)
{
    return ordo_buf_append(b, &c, 1);
}

int ordo_buf_puts(ordo_buf_t *b, const char *s)
{
    return ordo_buf_append(b, s, strlen(s));
}

int ordo_buf_vprintf(ordo_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return ORDO_EINVAL;
    if ((size_t)n < sizeof tmp)
        return ordo_buf_append(b, tmp, (size_t)n);
    int rc = ordo_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return ORDO_OK;
}

int ordo_buf_printf(ordo_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ordo_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}
