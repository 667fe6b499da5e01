/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — internals shared by hash.c, assign.c and switchback.c.
 * Not a public header. */
#ifndef ORDO_EXP_INTERNAL_H
#define ORDO_EXP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ordo/exp.h"

struct cJSON;

/* ordo_exp_parse on an already parsed document (the registry stores
 * definitions as JSON and parses them with cJSON). */
int ordo_exp_from_cjson(const struct cJSON *obj, const char *name, ordo_exp_t **out,
                        ordo_error_t *err);

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

/* FNV-1a of the decimal string of v (JavaScript's String(v) for a uint32),
 * digit by digit. Each digit is computed straight from v (division by a
 * constant is a multiply), so the digits do not wait on each other and the
 * FNV chain can start with the most significant one at once. */
static inline uint32_t exp_fnv_decimal_digits(uint32_t v)
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

/* Tables filled once at load time (hash.c), read-only afterwards:
 * fnv(String(q)) for q = 1 .. 4294 (index 0 unused), from
 * exp_fnv_decimal_digits; and the three ASCII digits of 0 .. 999, packed
 * (hundreds in the low byte). */
#define EXP_DEC_PREFIX_N 4295
extern uint32_t ordo_exp__dec_prefix[EXP_DEC_PREFIX_N];
extern uint32_t ordo_exp__dec3[1000];

/* Same value as exp_fnv_decimal_digits. For v >= 10^6 (all but 1 in 4,295
 * of uniform 32-bit hashes) the string is String(v / 10^6) followed by six
 * digits: the FNV state after the leading part comes from the table, one
 * load instead of up to four dependent steps, and the six digits left come
 * from two three-digit table entries, without the branches on the digit
 * count (which mispredict whenever a hash has fewer than ten digits). */
__attribute__((always_inline)) static inline uint32_t exp_fnv_decimal(uint32_t v)
{
    if (v < 1000000u)
        return exp_fnv_decimal_digits(v);
    uint32_t q = v / 1000000u, r = v - q * 1000000u;
    uint32_t r_hi = r / 1000u, r_lo = r - r_hi * 1000u;
    uint32_t d_hi = ordo_exp__dec3[r_hi], d_lo = ordo_exp__dec3[r_lo];
    uint32_t h = ordo_exp__dec_prefix[q];
    h = exp_fnv_step(h, d_hi & 0xFFu);
    h = exp_fnv_step(h, (d_hi >> 8) & 0xFFu);
    h = exp_fnv_step(h, d_hi >> 16);
    h = exp_fnv_step(h, d_lo & 0xFFu);
    h = exp_fnv_step(h, (d_lo >> 8) & 0xFFu);
    return exp_fnv_step(h, d_lo >> 16);
}

/* GrowthBook's chooseVariation: the first arm whose range holds n, or -1.
 * Branch-free (the arm of a random hash is unpredictable): every range is
 * tested, from the last down, so the first hit wins. NaN hits nothing. */
static inline int exp_choose_arm(double n, const ordo_exp_range_t *ranges, size_t n_ranges)
{
    int arm = -1;
    for (size_t i = n_ranges; i-- > 0;) {
        int hit = (n >= ranges[i].start) & (n < ranges[i].end);
        arm = hit ? (int)i : arm;
    }
    return arm;
}

static inline bool exp_ascii(const char *s, size_t n)
{
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++)
        bits |= (unsigned char)s[i];
    return bits < 0x80u;
}

/* Continues *state over text already validated as UTF-8 (a seed or a
 * namespace checked at init): a plain byte loop when it is ASCII. */
static inline void exp_fnv_suffix(uint32_t *state, const char *s, size_t n)
{
    if (!exp_ascii(s, n)) {
        (void)exp_fnv_utf16(state, s, n);
        return;
    }
    uint32_t h = *state;
    for (size_t i = 0; i < n; i++)
        h = exp_fnv_step(h, (unsigned char)s[i]);
    *state = h;
}

static inline double exp_v1_value(uint32_t h)
{
    return (double)(h % 1000u) / 1000.0;
}

static inline double exp_v2_value(uint32_t h_seed_id)
{
    return (double)(exp_fnv_decimal(h_seed_id) % 10000u) / 10000.0;
}

/* A compiled assigner for the decision path (route.c): what
 * ordo_exp_assign computes, with everything that does not depend on the
 * unit precomputed. Hash values are compared as integers: with
 * k = h % K (K = 1000 for version 1 and namespaces, 10000 for version 2)
 * the value is k / K in doubles, which is non-decreasing in k, so
 * "start <= k / K < end" holds exactly for lo <= k < hi with
 * lo = the first k with k / K >= start and hi = the first k with
 * !(k / K < end). No division on the way to the decision; the bucket
 * reported is still (double)k / K, bit for bit. */
typedef struct exp_fast {
    const ordo_exp_assigner_t *a; /* borrowed; must outlive this */
    bool ok;                      /* no holdouts, ASCII seed and namespace: else ordo_exp_assign */
    bool has_namespace;
    int hash_version;
    uint32_t ns_lo, ns_hi; /* namespace: k of hash("__" + name, id, 1) */
    size_t n_arms;
    uint32_t arm_lo[ORDO_EXP_MAX_ARMS], arm_hi[ORDO_EXP_MAX_ARMS];
} exp_fast_t;

void exp_fast_init(exp_fast_t *f, const ordo_exp_assigner_t *a);

/* ordo_exp_assign without the fast path (assign.c). */
int exp_assign_general(const ordo_exp_assigner_t *a, const char *unit, size_t unit_len,
                       ordo_exp_assignment_t *out, ordo_error_t *err);

static inline void exp_not_in(ordo_exp_assignment_t *out, ordo_exp_reason_t reason)
{
    out->in_experiment = false;
    out->arm = -1;
    out->bucket = -1.0;
    out->reason = reason;
    out->holdout = -1;
}

/* ordo_exp_assign(f->a, key, strlen(key), ...), same results and errors;
 * key NUL-terminated, NULL or "" is a missing unit. Inline: route.c calls
 * it once per experiment and order. */
static inline int exp_fast_assign(const exp_fast_t *f, const char *key, ordo_exp_assignment_t *out,
                                  ordo_error_t *err)
{
    const ordo_exp_assigner_t *a = f->a;
    if (!key || !key[0]) {
        exp_not_in(out, ORDO_EXP_REASON_MISSING_UNIT);
        return ORDO_OK;
    }
    if (!f->ok)
        return exp_assign_general(a, key, strlen(key), out, err);
    /* One pass over the key finds its end and runs the namespace chain
     * and the experiment chain side by side (as assign_ascii in assign.c). */
    const unsigned char *p = (const unsigned char *)key;
    uint32_t hx = f->hash_version == 2 ? a->seed_state : ORDO_EXP_FNV_OFFSET;
    uint32_t hn = ORDO_EXP_FNV_OFFSET;
    unsigned bits = 0;
    if (f->has_namespace) {
        for (unsigned c; (c = *p) != 0; p++) {
            bits |= c;
            hx = exp_fnv_step(hx, c);
            hn = exp_fnv_step(hn, c);
        }
    } else {
        for (unsigned c; (c = *p) != 0; p++) {
            bits |= c;
            hx = exp_fnv_step(hx, c);
        }
    }
    if (bits & 0x80u)
        return exp_assign_general(a, key, (size_t)(p - (const unsigned char *)key), out, err);
    bool in_ns = true;
    if (f->has_namespace) {
#pragma GCC unroll 4
        for (size_t i = 0; i < a->namespace_seed_len; i++)
            hn = exp_fnv_step(hn, (unsigned char)a->namespace_seed[i]);
        uint32_t k = hn % 1000u;
        in_ns = k >= f->ns_lo && k < f->ns_hi;
    }
    uint32_t k;
    double n;
    if (f->hash_version == 2) {
        k = exp_fnv_decimal(hx) % 10000u;
        n = (double)k / 10000.0;
    } else {
        for (size_t i = 0; i < a->seed_len; i++)
            hx = exp_fnv_step(hx, (unsigned char)a->seed[i]);
        k = hx % 1000u;
        n = (double)k / 1000.0;
    }
    if (!in_ns) {
        exp_not_in(out, ORDO_EXP_REASON_NAMESPACE);
        return ORDO_OK;
    }
    int arm = -1;
    for (size_t i = f->n_arms; i-- > 0;) {
        int hit = (k >= f->arm_lo[i]) & (k < f->arm_hi[i]);
        arm = hit ? (int)i : arm;
    }
    out->bucket = n;
    out->arm = arm;
    out->holdout = -1;
    out->in_experiment = arm >= 0;
    out->reason = arm >= 0 ? ORDO_EXP_REASON_ASSIGNED : ORDO_EXP_REASON_COVERAGE;
    return ORDO_OK;
}

/* Reports invalid UTF-8 at byte offset off of field. */
int ordo_exp__bad_utf8(ordo_error_t *err, const char *field, size_t off);

#endif
