/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — GrowthBook-compatible hashing (docs/internals/ASSIGNMENT.md).
 *
 * GrowthBook's SDKs hash JavaScript strings, i.e. UTF-16 code units, with
 * 32-bit FNV-1a. ordo's ids are UTF-8, so they are decoded on the fly into
 * the code units JavaScript would see; ASCII takes a one-byte fast path. */
#include "exp_internal.h"

uint32_t ordo_exp__dec_prefix[EXP_DEC_PREFIX_N];
uint32_t ordo_exp__dec3[1000];

/* Runs when the program (or shared library) loads, before any thread can
 * hash: the table is written once and only read afterwards. */
__attribute__((constructor)) static void dec_prefix_init(void)
{
    for (uint32_t q = 1; q < EXP_DEC_PREFIX_N; q++)
        ordo_exp__dec_prefix[q] = exp_fnv_decimal_digits(q);
    for (uint32_t d = 0; d < 1000; d++)
        ordo_exp__dec3[d] = ('0' + d / 100u) | ('0' + d / 10u % 10u) << 8 | ('0' + d % 10u) << 16;
}

int ordo_exp__bad_utf8(ordo_error_t *err, const char *field, size_t off)
{
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "invalid UTF-8 at byte %zu", off);
}

int ordo_exp_fnv1a32_update(uint32_t *state, const char *utf8, size_t len, ordo_error_t *err)
{
    if (!state || (!utf8 && len))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    size_t bad = exp_fnv_utf16(state, utf8 ? utf8 : "", len);
    if (bad != (size_t)-1)
        return ordo_exp__bad_utf8(err, "text", bad);
    return ORDO_OK;
}

int ordo_exp_hash(const char *seed, size_t seed_len, const char *id, size_t id_len, int version,
                  double *out, ordo_error_t *err)
{
    if (!out || (!seed && seed_len) || (!id && id_len))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    if (!seed)
        seed = "";
    if (!id)
        id = "";
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad;
    if (version == 1) {
        if ((bad = exp_fnv_utf16(&h, id, id_len)) != (size_t)-1)
            return ordo_exp__bad_utf8(err, "id", bad);
        if ((bad = exp_fnv_utf16(&h, seed, seed_len)) != (size_t)-1)
            return ordo_exp__bad_utf8(err, "seed", bad);
        *out = exp_v1_value(h);
        return ORDO_OK;
    }
    if (version == 2) {
        if ((bad = exp_fnv_utf16(&h, seed, seed_len)) != (size_t)-1)
            return ordo_exp__bad_utf8(err, "seed", bad);
        if ((bad = exp_fnv_utf16(&h, id, id_len)) != (size_t)-1)
            return ordo_exp__bad_utf8(err, "id", bad);
        *out = exp_v2_value(h);
        return ORDO_OK;
    }
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "hash_version",
                          "unknown hash version %d (expected 1 or 2)", version);
}
