/* ordo exp — internals shared by hash.c, assign.c and switchback.c.
 * Not a public header. */
#ifndef ORDO_EXP_INTERNAL_H
#define ORDO_EXP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordo/exp.h"

static inline uint32_t exp_fnv_step(uint32_t h, uint32_t unit)
{
    return (h ^ unit) * ORDO_EXP_FNV_PRIME;
}

/* FNV-1a over the UTF-16 code units of UTF-8 text. Returns (size_t)-1 on
 * success, else the byte offset of the first invalid sequence. */
static inline size_t exp_fnv_utf16(uint32_t *state, const char *utf8, size_t len)
{
    const unsigned char *p = (const unsigned char *)utf8;
    const unsigned char *end = p + len;
    uint32_t h = *state;
    while (p < end) {
        uint32_t c = *p;
        if (c < 0x80) {
            h = exp_fnv_step(h, c);
            p++;
            continue;
        }
        size_t left = (size_t)(end - p);
        uint32_t cp;
        if (c < 0xC2) {
            goto bad; /* continuation byte or overlong 2-byte lead */
        } else if (c < 0xE0) {
            if (left < 2 || (p[1] & 0xC0) != 0x80)
                goto bad;
            cp = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
            p += 2;
        } else if (c < 0xF0) {
            if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
                goto bad;
            if (c == 0xE0 && p[1] < 0xA0)
                goto bad; /* overlong */
            if (c == 0xED && p[1] >= 0xA0)
                goto bad; /* encoded surrogate */
            cp = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
            p += 3;
        } else if (c < 0xF5) {
            if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
                goto bad;
            if (c == 0xF0 && p[1] < 0x90)
                goto bad; /* overlong */
            if (c == 0xF4 && p[1] >= 0x90)
                goto bad; /* above U+10FFFF */
            cp = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
                 (p[3] & 0x3Fu);
            p += 4;
        } else {
            goto bad;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = exp_fnv_step(h, 0xD800u + (cp >> 10));
            h = exp_fnv_step(h, 0xDC00u + (cp & 0x3FFu));
        } else {
            h = exp_fnv_step(h, cp);
        }
        continue;
    bad:
        *state = h;
        return (size_t)(p - (const unsigned char *)utf8);
    }
    *state = h;
    return (size_t)-1;
}

/* FNV-1a of the decimal string of v (JavaScript's String(v) for a uint32).
 * Each digit is computed straight from v (division by a constant is a
 * multiply), so the digits do not wait on each other and the FNV chain can
 * start with the most significant one at once. */
static inline uint32_t exp_fnv_decimal(uint32_t v)
{
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    if (v >= 1000000000u)
        h = exp_fnv_step(h, '0' + v / 1000000000u);
    if (v >= 100000000u)
        h = exp_fnv_step(h, '0' + v / 100000000u % 10u);
    if (v >= 10000000u)
        h = exp_fnv_step(h, '0' + v / 10000000u % 10u);
    if (v >= 1000000u)
        h = exp_fnv_step(h, '0' + v / 1000000u % 10u);
    if (v >= 100000u)
        h = exp_fnv_step(h, '0' + v / 100000u % 10u);
    if (v >= 10000u)
        h = exp_fnv_step(h, '0' + v / 10000u % 10u);
    if (v >= 1000u)
        h = exp_fnv_step(h, '0' + v / 1000u % 10u);
    if (v >= 100u)
        h = exp_fnv_step(h, '0' + v / 100u % 10u);
    if (v >= 10u)
        h = exp_fnv_step(h, '0' + v / 10u % 10u);
    return exp_fnv_step(h, '0' + v % 10u);
}

static inline bool exp_ascii(const char *s, size_t n)
{
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        bits |= (unsigned char)s[i];
    return bits < 0x80u;
}

static inline double exp_v1_value(uint32_t h)
{
    return (double)(h % 1000u) / 1000.0;
}

static inline double exp_v2_value(uint32_t h_seed_id)
{
    return (double)(exp_fnv_decimal(h_seed_id) % 10000u) / 10000.0;
}

/* Reports invalid UTF-8 at byte offset off of field. */
int ordo_exp__bad_utf8(ordo_error_t *err, const char *field, size_t off);

#endif
