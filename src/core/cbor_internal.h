/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — what the CBOR writer (json.c) and decoder (cbor.c) share. Not
 * installed. */
#ifndef ORDO_CBOR_INTERNAL_H
#define ORDO_CBOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The stringref rule (cbor.schmorp.de/stringref): with `index` strings in
 * the table, a string gets the next index only when at least this long (a
 * reference must be shorter than the string). Writer and decoder must agree. */
static inline size_t cbor_strref_min_len(uint64_t index)
{
    return index < 24 ? 3 : index < 256 ? 4 : index < 65536 ? 5 : index < 4294967296ull ? 7 : 11;
}

/* Word-at-a-time hash for short strings (keys, ids): one or two rounds. */
static inline uint32_t cbor_short_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, s, 8);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t x = 0;
        memcpy(&x, s, n);
        h = (h ^ x) * 0xff51afd7ed558ccdull;
    }
    h ^= h >> 32;
    h *= 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h >> 32);
}

#endif
