/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — what the CBOR writer (json.c) and decoder (cbor.c) share. Not
 * installed. */
#ifndef ORDO_CBOR_INTERNAL_H
#define ORDO_CBOR_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes_internal.h"
#include "ordo/cbor.h"
#include "ordo/util.h"

/* The stringref rule (cbor.schmorp.de/stringref): with `index` strings in
 * the table, a string gets the next index only when at least this long (a
 * reference must be shorter than the string). Writer and decoder must agree. */
static inline size_t cbor_strref_min_len(uint64_t index)
{
    return index < 24 ? 3 : index < 256 ? 4 : index < 65536 ? 5 : index < 4294967296ull ? 7 : 11;
}

/* The end of a record's parts member (cbor.h ordo_cbor_parts), when p
 * starts with one as the record writer lays it out; else 0. */
size_t cbor_parts_member_end(const void *p, size_t n);

/* ordo_cbor_key_id of a NUL-terminated name, through a per-thread cache
 * keyed by the name's address; *len gets strlen(name). */
int ordo_cbor_key_id_cstr(const char *name, size_t *len);

/* Word-at-a-time hash for short strings (keys, ids): one or two rounds.
 * Only ever compared with hashes of this process (never stored). */
static inline uint32_t cbor_short_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    const char *end = s + n;
    bool long_ = n >= 8;
    while (n >= 8) {
        h = (h ^ core_load64(s)) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) { /* the tail in one word: the last 8 bytes (overlapping), or a short string's */
        const unsigned char *u = (const unsigned char *)s;
        uint64_t x = long_    ? core_load64(end - 8)
                     : n >= 4 ? core_load32(u) | (uint64_t)core_load32(u + n - 4) << 32
                              : u[0] | (uint64_t)u[n / 2] << 8 | (uint64_t)u[n - 1] << 16;
        h = (h ^ x) * 0xff51afd7ed558ccdull;
    }
    h ^= h >> 32;
    h *= 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h >> 32);
}

/* A big-endian unsigned of type T (bits wide) at q, one load. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CBOR_BE_LOAD(q, T, bits)                                                                   \
    __extension__({                                                                                \
        T x_;                                                                                      \
        memcpy(&x_, (q), sizeof x_);                                                               \
        (uint64_t) __builtin_bswap##bits(x_);                                                      \
    })
#else
#define CBOR_BE_LOAD(q, T, bits)                                                                   \
    __extension__({                                                                                \
        T x_;                                                                                      \
        memcpy(&x_, (q), sizeof x_);                                                               \
        (uint64_t)x_;                                                                              \
    })
#endif

/* The head of the item at *p (before end): major type, additional info,
 * argument (ai itself below 24 and for 31); *p moves past it. false: it
 * does not fit, or a reserved width (28..30). For the one-pass readers
 * (cbor_pick.c, cbor_tree.c). */
static inline __attribute__((always_inline)) bool cbor_head(const uint8_t **p, const uint8_t *end,
                                                            unsigned *major, unsigned *ai,
                                                            uint64_t *arg)
{
    if (*p >= end)
        return false;
    uint8_t b = *(*p)++;
    *major = b >> 5;
    *ai = b & 31;
    if (*ai < 24 || *ai == 31) {
        *arg = *ai;
        return true;
    }
    if (*ai > 27)
        return false;
    size_t k = (size_t)1 << (*ai - 24);
    if ((size_t)(end - *p) < k)
        return false;
    const uint8_t *q = *p;
    switch (k) { /* big-endian arguments, one load each */
    case 1: *arg = q[0]; break;
    case 2: *arg = CBOR_BE_LOAD(q, uint16_t, 16); break;
    case 4: *arg = CBOR_BE_LOAD(q, uint32_t, 32); break;
    default: *arg = CBOR_BE_LOAD(q, uint64_t, 64);
    }
    *p += k;
    return true;
}

/* An IEEE half (CBOR float16) as a double. */
/* A text string's bytes as the readers take them (the picker, the one-pass
 * fact reader): valid UTF-8 without NUL. ASCII without NUL, eight bytes at
 * a time, decides most; the rest goes to ordo_utf8_check. */
static inline bool cbor_plain_text(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if ((x & 0x8080808080808080ull) ||
            ((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull))
            break;
    }
    for (; i < n; i++)
        if (!s[i] || (s[i] & 0x80))
            return !memchr(s + i, 0, n - i) && ordo_utf8_check(s + i, n - i) == n - i;
    return true;
}

static inline double cbor_half_to_double(uint16_t h)
{
    int e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) {
        v = (double)m * 0x1p-24; /* subnormal: exact */
    } else if (e == 31) {
        v = m ? NAN : INFINITY;
    } else { /* (1024 + m)·2^(e−25): the double's exponent and mantissa bits */
        uint64_t bits = (uint64_t)(e - 15 + 1023) << 52 | (uint64_t)m << 42;
        memcpy(&v, &bits, sizeof v);
    }
    return h & 0x8000 ? -v : v;
}

/* The double of a CBOR float: major 7 with ai 25 (half), 26 or 27, and its
 * argument as cbor_head reads it. */
static inline double cbor_float(unsigned ai, uint64_t arg)
{
    if (ai == 25)
        return cbor_half_to_double((uint16_t)arg);
    if (ai == 26) {
        uint32_t u = (uint32_t)arg;
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    double d;
    memcpy(&d, &arg, 8);
    return d;
}

/* ordo_cbor_to_tree's fast path (cbor_tree.c): the tree of a record as the
 * writer makes it; ORDO_EUNSUPPORTED for anything else (the full decoder
 * reads it). ordo_cbor_tree_fast_off: always the full decoder (tests). */
int cbor_tree_fast(const void *p, size_t n, ordo_arena_t *arena, const ordo_cbor_node_t **out);
extern bool ordo_cbor_tree_fast_off;

#endif
