/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — short byte strings (keys, ids, encoded numbers: mostly under 16
 * bytes) copied, compared and checked with a few word loads instead of a
 * library call or a byte loop: the record and answer writers (json.c) do
 * this dozens of times a decision. Each helper covers [0, n) with
 * overlapping loads and never touches a byte outside it. Private to core. */
#ifndef ORDO_CORE_BYTES_INTERNAL_H
#define ORDO_CORE_BYTES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CORE_ONES 0x0101010101010101ull
#define CORE_HIGHS 0x8080808080808080ull

static inline uint64_t core_load64(const void *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t core_load32(const void *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Copies n bytes from s to d (every load before the stores). */
static inline void core_copy_small(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (n > 16) {
        memcpy(dp, sp, n);
    } else if (n >= 8) {
        uint64_t a = core_load64(sp), b = core_load64(sp + n - 8);
        memcpy(dp, &a, 8);
        memcpy(dp + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a = core_load32(sp), b = core_load32(sp + n - 4);
        memcpy(dp, &a, 4);
        memcpy(dp + n - 4, &b, 4);
    } else if (n) {
        unsigned char a = sp[0], b = sp[n / 2], c = sp[n - 1];
        dp[0] = a;
        dp[n / 2] = b;
        dp[n - 1] = c;
    }
}

/* Whether a[0, n) and b[0, n) hold the same bytes. */
static inline bool core_equal_small(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    if (n > 16)
        return !memcmp(x, y, n);
    if (n >= 8)
        return ((core_load64(x) ^ core_load64(y)) |
                (core_load64(x + n - 8) ^ core_load64(y + n - 8))) == 0;
    if (n >= 4)
        return ((core_load32(x) ^ core_load32(y)) |
                (core_load32(x + n - 4) ^ core_load32(y + n - 4))) == 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* The bitwise OR of every byte of s[0, n), eight lanes wide (a byte may
 * be counted twice): what a test for "any byte with bit 7 set" needs. */
static inline uint64_t core_or_bytes(const void *s, size_t n)
{
    const unsigned char *p = s;
    if (n >= 8) {
        uint64_t acc = core_load64(p + n - 8);
        for (size_t i = 0; i + 8 <= n; i += 8)
            acc |= core_load64(p + i);
        return acc;
    }
    if (n >= 4)
        return core_load32(p) | core_load32(p + n - 4);
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc;
}

/* Nonzero when some byte of x is below c (c <= 128), or equals e1 or e2:
 * exact for "is there such a byte", not for which one. */
static inline uint64_t core_any_byte(uint64_t x, unsigned c, unsigned char e1, unsigned char e2)
{
    uint64_t lt = (x - CORE_ONES * c) & ~x;
    uint64_t q = x ^ (CORE_ONES * e1), b = x ^ (CORE_ONES * e2);
    return (lt | ((q - CORE_ONES) & ~q) | ((b - CORE_ONES) & ~b)) & CORE_HIGHS;
}

#endif
