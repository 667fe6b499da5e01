/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — what a valid UTF-8 sequence is, in one place: the JSON writer
 * (json.c, which replaces bad bytes on output) and the input door (util.c,
 * which refuses them) both ask it. Private to core. */
#ifndef ORDO_CORE_UTF8_INTERNAL_H
#define ORDO_CORE_UTF8_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes_internal.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one:
 * a bad lead or continuation byte, a sequence cut by n, an overlong form, a
 * surrogate or a code point beyond U+10FFFF. Inlined: the writer calls it
 * per character. */
static inline __attribute__((always_inline)) size_t core_utf8_seq(const unsigned char *p,
                                                                  size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* How many bytes of s[0, n) are not part of a valid sequence (each becomes
 * U+FFFD, 3 bytes, where a writer replaces them). */
static inline size_t core_utf8_bad_bytes(const char *s, size_t n)
{
    if (!(core_or_bytes(s, n) & CORE_HIGHS)) /* all ASCII: a few loads */
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t bad = 0, i = 0;
    for (uint64_t x; i + 8 <= n; i += 8) { /* ASCII eight bytes at a time */
        memcpy(&x, u + i, 8);
        if (x & 0x8080808080808080ull)
            break;
    }
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = core_utf8_seq(u + i, n - i);
        bad += l == 0;
        i += l ? l : 1;
    }
    return bad;
}

/* Copies s[0, n) to dst with each invalid byte replaced by U+FFFD; dst
 * holds n + 2 × core_utf8_bad_bytes(s, n) bytes. */
static inline void core_utf8_copy_replacing(char *dst, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = u[i] < 0x80 ? 1 : core_utf8_seq(u + i, n - i);
        if (l) {
            memcpy(dst, s + i, l);
            dst += l;
            i += l;
        } else {
            memcpy(dst, "\xEF\xBF\xBD", 3);
            dst += 3;
            i++;
        }
    }
}

#endif
