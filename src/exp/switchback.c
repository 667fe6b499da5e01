/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — per-stratum permuted blocks and switchback schedules
 * (docs/internals/ASSIGNMENT.md). Every arm here is a pure function of the
 * seed, the cluster (stratum) name and the window (sequence) number, built
 * from GrowthBook's hash, so a schedule can be printed ahead of time and
 * audited with any GrowthBook SDK. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exp_internal.h"

/* FNV-1a of ":" followed by the decimal digits of v. */
static uint32_t fnv_colon_number(uint32_t h, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    h = exp_fnv_step(h, ':');
    while (n > 0)
        h = exp_fnv_step(h, (uint32_t)(unsigned char)digits[--n]);
    return h;
}

/* hash(seed, stratum + (":" + nums[k])..., version). The seed is valid
 * UTF-8 (checked at init); returns the offset of invalid UTF-8 in stratum,
 * or (size_t)-1. */
static size_t cell_hash(int version, const char *seed, size_t seed_len, const char *stratum,
                        size_t stratum_len, const uint64_t *nums, int n_nums, double *out)
{
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad;
    if (version == 2)
        (void)exp_fnv_utf16(&h, seed, seed_len);
    if ((bad = exp_fnv_utf16(&h, stratum, stratum_len)) != (size_t)-1)
        return bad;
    for (int k = 0; k < n_nums; k++)
        h = fnv_colon_number(h, nums[k]);
    if (version == 2) {
        *out = exp_v2_value(h);
    } else {
        (void)exp_fnv_utf16(&h, seed, seed_len);
        *out = exp_v1_value(h);
    }
    return (size_t)-1;
}

static int check_seed(const char *seed, size_t *len, ordo_error_t *err)
{
    if (!seed || !seed[0])
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seed", "empty seed");
    size_t n = strlen(seed);
    if (n >= ORDO_EXP_SEED_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seed", "seed longer than %d bytes",
                              ORDO_EXP_SEED_MAX - 1);
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad = exp_fnv_utf16(&h, seed, n);
    if (bad != (size_t)-1)
        return ordo_exp__bad_utf8(err, "seed", bad);
    *len = n;
    return ORDO_OK;
}

/* ---- permuted blocks ---- */

int ordo_exp_blocks_init(ordo_exp_blocks_t *b, size_t n_arms, const double *weights,
                         size_t n_weights, uint32_t size, int hash_version, ordo_error_t *err)
{
    if (!b)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    memset(b, 0, sizeof *b);
    if (hash_version == 0)
        hash_version = 2;
    if (hash_version != 1 && hash_version != 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "hash_version",
                              "unknown hash version %d (expected 1 or 2)", hash_version);
    if (n_arms < 2 || n_arms > ORDO_EXP_MAX_ARMS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants", "%zu arms (expected 2 to %d)",
                              n_arms, ORDO_EXP_MAX_ARMS);
    if (size == 0)
        size = (uint32_t)(2 * n_arms);
    if (size < n_arms || size > ORDO_EXP_BLOCK_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "block_size",
                              "block size %u (expected %zu to %d)", size, n_arms,
                              ORDO_EXP_BLOCK_MAX);
    /* Weights through the same fallback rules as the bucket ranges. */
    ordo_exp_range_t r[ORDO_EXP_MAX_ARMS];
    int rc = ordo_exp_bucket_ranges(n_arms, 1.0, weights, n_weights, r, err);
    if (rc != ORDO_OK)
        return rc;
    double rem[ORDO_EXP_MAX_ARMS];
    uint32_t used = 0;
    for (size_t i = 0; i < n_arms; i++) {
        double w = r[i].end - r[i].start;
        if (w < 0)
            w = 0;
        double exact = w * size;
        double fl = floor(exact);
        b->count[i] = (uint32_t)fl;
        rem[i] = exact - fl;
        used += b->count[i];
    }
    /* Largest remainder; ties go to the lower arm index. */
    while (used < size) {
        size_t best = 0;
        for (size_t i = 1; i < n_arms; i++) {
            if (rem[i] > rem[best])
                best = i;
        }
        b->count[best]++;
        rem[best] = -1.0;
        used++;
    }
    while (used > size) { /* rounding made the sum exceed size: take from the largest */
        size_t best = 0;
        for (size_t i = 1; i < n_arms; i++) {
            if (b->count[i] > b->count[best])
                best = i;
        }
        b->count[best]--;
        used--;
    }
    for (size_t i = 0; i < n_arms; i++) {
        if (b->count[i] == 0)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "block_size",
                                  "arm %zu gets no slot in a block of %u; use a larger block", i,
                                  size);
    }
    b->n_arms = n_arms;
    b->size = size;
    b->hash_version = hash_version;
    return ORDO_OK;
}

int ordo_exp_blocks_arm(const ordo_exp_blocks_t *b, const char *seed, size_t seed_len,
                        const char *stratum, size_t stratum_len, uint64_t seq, int *arm,
                        ordo_error_t *err)
{
    if (!b || !seed || !arm || (!stratum && stratum_len))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    if (b->size == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "blocks not initialized");
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad = exp_fnv_utf16(&h, seed, seed_len);
    if (bad != (size_t)-1)
        return ordo_exp__bad_utf8(err, "seed", bad);
    if (!stratum)
        stratum = "";
    uint64_t block = seq / b->size;
    uint32_t pos = (uint32_t)(seq % b->size);
    uint8_t slots[ORDO_EXP_BLOCK_MAX];
    uint32_t k = 0;
    for (size_t i = 0; i < b->n_arms; i++)
        for (uint32_t c = 0; c < b->count[i]; c++)
            slots[k++] = (uint8_t)i;
    /* Fisher–Yates from the top; slot pos is final once i reaches it. */
    uint32_t stop = pos > 1 ? pos : 1;
    for (uint32_t i = b->size - 1; i >= stop; i--) {
        uint64_t nums[2] = {block, i};
        double n;
        bad = cell_hash(b->hash_version, seed, seed_len, stratum, stratum_len, nums, 2, &n);
        if (bad != (size_t)-1)
            return ordo_exp__bad_utf8(err, "stratum", bad);
        uint32_t j = (uint32_t)floor(n * (double)(i + 1));
        uint8_t t = slots[i];
        slots[i] = slots[j];
        slots[j] = t;
    }
    *arm = slots[pos];
    return ORDO_OK;
}

/* ---- switchback ---- */

int ordo_exp_switchback_init(ordo_exp_switchback_t *sb, const ordo_exp_switchback_spec_t *spec,
                             ordo_error_t *err)
{
    if (!sb || !spec)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    memset(sb, 0, sizeof *sb);
    int rc;
    size_t seed_len = 0;
    if ((rc = check_seed(spec->seed, &seed_len, err)) != ORDO_OK)
        return rc;
    int version = spec->hash_version ? spec->hash_version : 2;
    if (version != 1 && version != 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "hash_version",
                              "unknown hash version %d (expected 1 or 2)", version);
    if (spec->window_seconds <= 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "window_seconds",
                              "window length must be positive");
    if (spec->n_windows == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "windows", "no windows");
    if (spec->window_seconds > INT64_MAX / spec->n_windows ||
        spec->start > INT64_MAX - spec->window_seconds * (int64_t)spec->n_windows)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "windows",
                              "schedule ends past the representable time range");
    if (spec->burn_in_seconds < 0 || spec->burn_out_seconds < 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "burn_in",
                              "burn-in and burn-out must not be negative");
    if (spec->burn_in_seconds >= spec->window_seconds ||
        spec->burn_out_seconds >= spec->window_seconds - spec->burn_in_seconds)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "burn_in",
                              "burn-in (%lld s) + burn-out (%lld s) leave nothing of a "
                              "%lld s window",
                              (long long)spec->burn_in_seconds, (long long)spec->burn_out_seconds,
                              (long long)spec->window_seconds);
    if (spec->n_arms < 2 || spec->n_arms > ORDO_EXP_MAX_ARMS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants", "%zu arms (expected 2 to %d)",
                              spec->n_arms, ORDO_EXP_MAX_ARMS);
    if ((rc = ordo_exp_bucket_ranges(spec->n_arms, 1.0, spec->weights, spec->n_weights, sb->ranges,
                                     err)) != ORDO_OK)
        return rc;
    if (spec->block_size) {
        if ((rc = ordo_exp_blocks_init(&sb->blocks, spec->n_arms, spec->weights, spec->n_weights,
                                       spec->block_size, version, err)) != ORDO_OK)
            return rc;
        sb->blocked = true;
    }
    memcpy(sb->seed, spec->seed, seed_len + 1);
    sb->seed_len = seed_len;
    sb->hash_version = version;
    sb->start = spec->start;
    sb->window_seconds = spec->window_seconds;
    sb->n_windows = spec->n_windows;
    sb->burn_in_seconds = spec->burn_in_seconds;
    sb->burn_out_seconds = spec->burn_out_seconds;
    sb->n_arms = spec->n_arms;
    return ORDO_OK;
}

int ordo_exp_switchback_window_arm(const ordo_exp_switchback_t *sb, const char *cluster,
                                   size_t cluster_len, uint32_t window, int *arm, ordo_error_t *err)
{
    if (!sb || !arm || (!cluster && cluster_len))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    if (cluster_len == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cluster", "empty cluster name");
    if (window >= sb->n_windows)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "window",
                              "window %u outside the schedule's %u windows", window, sb->n_windows);
    if (sb->blocked)
        return ordo_exp_blocks_arm(&sb->blocks, sb->seed, sb->seed_len, cluster, cluster_len,
                                   window, arm, err);
    uint64_t num = window;
    double n;
    size_t bad =
        cell_hash(sb->hash_version, sb->seed, sb->seed_len, cluster, cluster_len, &num, 1, &n);
    if (bad != (size_t)-1)
        return ordo_exp__bad_utf8(err, "cluster", bad);
    *arm = ordo_exp_choose_arm(n, sb->ranges, sb->n_arms);
    if (*arm < 0) /* equal or valid weights cover [0, 1); only rounding can miss */
        *arm = (int)sb->n_arms - 1;
    return ORDO_OK;
}

int ordo_exp_switchback_arm(const ordo_exp_switchback_t *sb, const char *cluster,
                            size_t cluster_len, int64_t t, ordo_exp_switchback_slot_t *out,
                            ordo_error_t *err)
{
    if (!sb || !out)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    memset(out, 0, sizeof *out);
    out->arm = -1;
    out->excluded = true;
    int64_t end = sb->start + sb->window_seconds * (int64_t)sb->n_windows;
    if (t < sb->start || t >= end) {
        if (cluster_len == 0)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cluster", "empty cluster name");
        return ORDO_OK;
    }
    uint32_t w = (uint32_t)((t - sb->start) / sb->window_seconds);
    int arm;
    int rc = ordo_exp_switchback_window_arm(sb, cluster, cluster_len, w, &arm, err);
    if (rc != ORDO_OK)
        return rc;
    out->in_schedule = true;
    out->window = w;
    out->arm = arm;
    out->window_start = sb->start + (int64_t)w * sb->window_seconds;
    out->window_end = out->window_start + sb->window_seconds;
    out->burn_in = t < out->window_start + sb->burn_in_seconds;
    out->burn_out = t >= out->window_end - sb->burn_out_seconds;
    out->excluded = out->burn_in || out->burn_out;
    return ORDO_OK;
}

int ordo_exp_switchback_schedule(const ordo_exp_switchback_t *sb, const char *const *clusters,
                                 size_t n_clusters, int *arms, ordo_error_t *err)
{
    if (!sb || (!clusters && n_clusters) || (!arms && n_clusters))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    for (size_t c = 0; c < n_clusters; c++) {
        if (!clusters[c])
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "clusters", "NULL cluster name");
        size_t len = strlen(clusters[c]);
        for (uint32_t w = 0; w < sb->n_windows; w++) {
            int rc = ordo_exp_switchback_window_arm(sb, clusters[c], len, w,
                                                    &arms[c * sb->n_windows + w], err);
            if (rc != ORDO_OK)
                return rc;
        }
    }
    return ORDO_OK;
}
