/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — bucket ranges, namespaces, holdouts and the assigner
 * (docs/internals/ASSIGNMENT.md). Runtime semantics follow GrowthBook's
 * JavaScript SDK (getBucketRanges, chooseVariation, inNamespace, run), so a
 * unit lands in the same arm here and in any GrowthBook SDK. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exp_internal.h"

/* ---- ranges ---- */

int ordo_exp_bucket_ranges(size_t n_arms, double coverage, const double *weights, size_t n_weights,
                           ordo_exp_range_t *out, ordo_error_t *err)
{
    if (n_arms == 0 || n_arms > ORDO_EXP_MAX_ARMS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants", "%zu arms (expected 1 to %d)",
                              n_arms, ORDO_EXP_MAX_ARMS);
    if (!out)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    /* NaN fails both comparisons in JavaScript and leaves every range empty;
     * 0 gives the same assignments with well-defined numbers. */
    if (!(coverage >= 0.0))
        coverage = 0.0;
    else if (coverage > 1.0)
        coverage = 1.0;

    bool equal = weights == NULL || n_weights != n_arms;
    if (!equal) {
        /* Summed in array order, as Array.prototype.reduce does. */
        double total = 0.0;
        for (size_t i = 0; i < n_arms; i++) {
            if (!isfinite(weights[i]))
                equal = true;
            total = weights[i] + total;
        }
        if (!(total >= 0.99 && total <= 1.01))
            equal = true;
    }
    double eq = 1.0 / (double)n_arms;
    double cumulative = 0.0;
    for (size_t i = 0; i < n_arms; i++) {
        double w = equal ? eq : weights[i];
        double start = cumulative;
        cumulative += w;
        double span = coverage * w; /* kept apart: no fused multiply-add */
        out[i].start = start;
        out[i].end = start + span;
    }
    return ORDO_OK;
}

int ordo_exp_choose_arm(double n, const ordo_exp_range_t *ranges, size_t n_ranges)
{
    return exp_choose_arm(n, ranges, n_ranges);
}

int ordo_exp_in_namespace(const char *name, size_t name_len, double start, double end,
                          const char *id, size_t id_len, bool *in, ordo_error_t *err)
{
    if (!in || (!name && name_len) || (!id && id_len))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    *in = false;
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad;
    if ((bad = exp_fnv_utf16(&h, id ? id : "", id_len)) != (size_t)-1)
        return ordo_exp__bad_utf8(err, "id", bad);
    h = exp_fnv_step(h, '_');
    h = exp_fnv_step(h, '_');
    if ((bad = exp_fnv_utf16(&h, name ? name : "", name_len)) != (size_t)-1)
        return ordo_exp__bad_utf8(err, "namespace", bad);
    double n = exp_v1_value(h);
    *in = n >= start && n < end;
    return ORDO_OK;
}

/* ---- units ---- */

static const char *const unit_kind_names[] = {"order", "customer", "switchback"};

const char *ordo_exp_unit_kind_name(ordo_exp_unit_kind_t kind)
{
    if ((unsigned)kind < sizeof unit_kind_names / sizeof unit_kind_names[0])
        return unit_kind_names[kind];
    return "unknown";
}

int ordo_exp_unit_kind_parse(const char *s, ordo_exp_unit_kind_t *out)
{
    for (size_t i = 0; i < sizeof unit_kind_names / sizeof unit_kind_names[0]; i++) {
        if (s && !strcmp(s, unit_kind_names[i])) {
            *out = (ordo_exp_unit_kind_t)i;
            return ORDO_OK;
        }
    }
    return ORDO_EINVAL;
}

void ordo_exp_unit_key(ordo_exp_unit_kind_t kind, const ordo_order_t *order, const char **key,
                       size_t *key_len)
{
    const char *k = "";
    switch (kind) {
    case ORDO_EXP_UNIT_ORDER:
        k = order->id;
        break;
    case ORDO_EXP_UNIT_CUSTOMER:
        k = order->customer_id;
        break;
    case ORDO_EXP_UNIT_SWITCHBACK:
        k = order->state;
        break;
    }
    if (!k)
        k = "";
    *key = k;
    *key_len = strlen(k);
}

static const char *const reason_names[] = {"assigned", "missing_unit", "holdout", "namespace",
                                           "coverage"};

const char *ordo_exp_reason_name(ordo_exp_reason_t r)
{
    if ((unsigned)r < sizeof reason_names / sizeof reason_names[0])
        return reason_names[r];
    return "unknown";
}

/* ---- assigner ---- */

static int check_version(int *version, const char *field, ordo_error_t *err)
{
    if (*version == 0)
        *version = 2;
    if (*version != 1 && *version != 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field,
                              "unknown hash version %d (expected 1 or 2)", *version);
    return ORDO_OK;
}

static int copy_seed(char *dst, size_t *dst_len, uint32_t *state, const char *seed,
                     const char *field, ordo_error_t *err)
{
    size_t n = strlen(seed);
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "empty seed");
    if (n >= ORDO_EXP_SEED_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "seed longer than %d bytes",
                              ORDO_EXP_SEED_MAX - 1);
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    size_t bad = exp_fnv_utf16(&h, seed, n);
    if (bad != (size_t)-1)
        return ordo_exp__bad_utf8(err, field, bad);
    memcpy(dst, seed, n + 1);
    *dst_len = n;
    *state = h;
    return ORDO_OK;
}

static bool unit_interval(double x)
{
    return x >= 0.0 && x <= 1.0;
}

int ordo_exp_assigner_init(ordo_exp_assigner_t *a, const ordo_exp_assign_spec_t *spec,
                           ordo_error_t *err)
{
    if (!a || !spec)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "NULL argument");
    memset(a, 0, sizeof *a);
    int rc;
    a->hash_version = spec->hash_version;
    if ((rc = check_version(&a->hash_version, "hash_version", err)) != ORDO_OK)
        return rc;
    if (spec->n_arms < 2 || spec->n_arms > ORDO_EXP_MAX_ARMS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variants", "%zu arms (expected 2 to %d)",
                              spec->n_arms, ORDO_EXP_MAX_ARMS);
    const char *seed = spec->seed && spec->seed[0] ? spec->seed : spec->key;
    if (!seed)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seed", "no seed and no key");
    if ((rc = copy_seed(a->seed, &a->seed_len, &a->seed_state, seed, "seed", err)) != ORDO_OK)
        return rc;
    a->n_arms = spec->n_arms;
    if ((rc = ordo_exp_bucket_ranges(spec->n_arms, spec->coverage, spec->weights, spec->n_weights,
                                     a->ranges, err)) != ORDO_OK)
        return rc;

    if (spec->namespace_name && spec->namespace_name[0]) {
        size_t n = strlen(spec->namespace_name);
        if (n > ORDO_EXP_NAMESPACE_MAX)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "namespace",
                                  "namespace longer than %d bytes", ORDO_EXP_NAMESPACE_MAX);
        uint32_t h = ORDO_EXP_FNV_OFFSET;
        size_t bad = exp_fnv_utf16(&h, spec->namespace_name, n);
        if (bad != (size_t)-1)
            return ordo_exp__bad_utf8(err, "namespace", bad);
        if (!unit_interval(spec->namespace_start) || !unit_interval(spec->namespace_end) ||
            spec->namespace_start > spec->namespace_end)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "namespace",
                                  "range [%g, %g) is not inside [0, 1]", spec->namespace_start,
                                  spec->namespace_end);
        a->has_namespace = true;
        a->namespace_seed[0] = '_';
        a->namespace_seed[1] = '_';
        memcpy(a->namespace_seed + 2, spec->namespace_name, n + 1);
        a->namespace_seed_len = n + 2;
        a->namespace_start = spec->namespace_start;
        a->namespace_end = spec->namespace_end;
    }

    if (spec->n_holdouts > ORDO_EXP_MAX_HOLDOUTS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "holdouts", "%zu holdouts (at most %d)",
                              spec->n_holdouts, ORDO_EXP_MAX_HOLDOUTS);
    if (spec->n_holdouts && !spec->holdouts)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "holdouts", "NULL holdouts");
    for (size_t i = 0; i < spec->n_holdouts; i++) {
        const ordo_exp_holdout_spec_t *hs = &spec->holdouts[i];
        ordo_exp_holdout_t *h = &a->holdouts[i];
        char field[64];
        snprintf(field, sizeof field, "holdouts[%zu].seed", i);
        if (!hs->seed)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "missing seed");
        if ((rc = copy_seed(h->seed, &h->seed_len, &h->seed_state, hs->seed, field, err)) !=
            ORDO_OK)
            return rc;
        snprintf(field, sizeof field, "holdouts[%zu].hash_version", i);
        h->hash_version = hs->hash_version;
        if ((rc = check_version(&h->hash_version, field, err)) != ORDO_OK)
            return rc;
        if (!unit_interval(hs->fraction)) {
            snprintf(field, sizeof field, "holdouts[%zu].fraction", i);
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "%g is outside [0, 1]",
                                  hs->fraction);
        }
        h->fraction = hs->fraction;
    }
    a->n_holdouts = spec->n_holdouts;
    return ORDO_OK;
}

/* hash(seed, id, version) with the seed's FNV prefix precomputed. */
static inline size_t seeded_hash(int version, uint32_t seed_state, const char *seed,
                                 size_t seed_len, const char *id, size_t len, double *out)
{
    size_t bad;
    if (version == 2) {
        uint32_t h = seed_state;
        if ((bad = exp_fnv_utf16(&h, id, len)) != (size_t)-1)
            return bad;
        *out = exp_v2_value(h);
    } else {
        uint32_t h = ORDO_EXP_FNV_OFFSET;
        if ((bad = exp_fnv_utf16(&h, id, len)) != (size_t)-1)
            return bad;
        (void)exp_fnv_utf16(&h, seed, seed_len); /* validated at init */
        *out = exp_v1_value(h);
    }
    return (size_t)-1;
}

/* The general path: any key (UTF-8 decoded into UTF-16 code units), any
 * number of holdouts, each hash computed only when its check is reached. */
int exp_assign_general(const ordo_exp_assigner_t *a, const char *unit, size_t unit_len,
                       ordo_exp_assignment_t *out, ordo_error_t *err)
{
    double n;
    size_t bad;
    for (size_t i = 0; i < a->n_holdouts; i++) {
        const ordo_exp_holdout_t *h = &a->holdouts[i];
        bad = seeded_hash(h->hash_version, h->seed_state, h->seed, h->seed_len, unit, unit_len, &n);
        if (bad != (size_t)-1)
            goto invalid;
        if (n < h->fraction) {
            exp_not_in(out, ORDO_EXP_REASON_HOLDOUT);
            out->holdout = (int)i;
            return ORDO_OK;
        }
    }
    if (a->has_namespace) {
        bad = seeded_hash(1, 0, a->namespace_seed, a->namespace_seed_len, unit, unit_len, &n);
        if (bad != (size_t)-1)
            goto invalid;
        if (!(n >= a->namespace_start && n < a->namespace_end)) {
            exp_not_in(out, ORDO_EXP_REASON_NAMESPACE);
            return ORDO_OK;
        }
    }
    bad = seeded_hash(a->hash_version, a->seed_state, a->seed, a->seed_len, unit, unit_len, &n);
    if (bad != (size_t)-1)
        goto invalid;
    int arm = exp_choose_arm(n, a->ranges, a->n_arms);
    out->bucket = n;
    out->arm = arm;
    out->holdout = -1;
    out->in_experiment = arm >= 0;
    out->reason = arm >= 0 ? ORDO_EXP_REASON_ASSIGNED : ORDO_EXP_REASON_COVERAGE;
    return ORDO_OK;
invalid:
    exp_not_in(out, ORDO_EXP_REASON_MISSING_UNIT);
    return ordo_exp__bad_utf8(err, "unit", bad);
}

/* The fast path (no holdouts, ASCII key): the namespace hash
 * fnv(id + "__" + name) and the experiment hash run over the key in one loop,
 * two independent xor-multiply chains side by side, so the namespace check
 * costs almost no extra latency. The experiment hash is computed even when
 * the namespace check fails (and then dropped): results are those of
 * assign_general. Returns false, writing nothing, for a non-ASCII key. */
static inline bool assign_ascii(const ordo_exp_assigner_t *a, const char *unit, size_t unit_len,
                                ordo_exp_assignment_t *out)
{
    const unsigned char *p = (const unsigned char *)unit;
    uint32_t hx = a->hash_version == 2 ? a->seed_state : ORDO_EXP_FNV_OFFSET;
    uint32_t hn = ORDO_EXP_FNV_OFFSET;
    unsigned bits = 0;
    if (a->has_namespace) {
        for (size_t i = 0; i < unit_len; i++) {
            unsigned c = p[i];
            bits |= c;
            hx = exp_fnv_step(hx, c);
            hn = exp_fnv_step(hn, c);
        }
    } else {
        for (size_t i = 0; i < unit_len; i++) {
            unsigned c = p[i];
            bits |= c;
            hx = exp_fnv_step(hx, c);
        }
    }
    if (bits & 0x80u)
        return false;
    bool in_ns = true;
    if (a->has_namespace) {
        exp_fnv_suffix(&hn, a->namespace_seed, a->namespace_seed_len);
        double v = exp_v1_value(hn);
        in_ns = v >= a->namespace_start && v < a->namespace_end;
    }
    double n;
    if (a->hash_version == 2) {
        n = exp_v2_value(hx);
    } else {
        exp_fnv_suffix(&hx, a->seed, a->seed_len);
        n = exp_v1_value(hx);
    }
    if (!in_ns) {
        exp_not_in(out, ORDO_EXP_REASON_NAMESPACE);
        return true;
    }
    int arm = exp_choose_arm(n, a->ranges, a->n_arms);
    out->bucket = n;
    out->arm = arm;
    out->holdout = -1;
    out->in_experiment = arm >= 0;
    out->reason = arm >= 0 ? ORDO_EXP_REASON_ASSIGNED : ORDO_EXP_REASON_COVERAGE;
    return true;
}

int ordo_exp_assign(const ordo_exp_assigner_t *a, const char *unit, size_t unit_len,
                    ordo_exp_assignment_t *out, ordo_error_t *err)
{
    if (!unit || unit_len == 0) {
        exp_not_in(out, ORDO_EXP_REASON_MISSING_UNIT);
        return ORDO_OK;
    }
    if (a->n_holdouts == 0 && assign_ascii(a, unit, unit_len, out))
        return ORDO_OK;
    return exp_assign_general(a, unit, unit_len, out, err);
}

/* ---- the decision path's compiled assigner (exp_internal.h) ---- */

/* First k in [0, K] with k / K >= x (K + 1 when none: NaN). */
static uint32_t first_at_least(double x, uint32_t K)
{
    uint32_t k = 0;
    while (k <= K && !((double)k / (double)K >= x))
        k++;
    return k;
}

/* First k in [0, K] with !(k / K < x) (K + 1 when none). */
static uint32_t first_not_below(double x, uint32_t K)
{
    uint32_t k = 0;
    while (k <= K && (double)k / (double)K < x)
        k++;
    return k;
}

void exp_fast_init(exp_fast_t *f, const ordo_exp_assigner_t *a)
{
    memset(f, 0, sizeof *f);
    f->a = a;
    f->ok = a->n_holdouts == 0 && exp_ascii(a->seed, a->seed_len) &&
            exp_ascii(a->namespace_seed, a->namespace_seed_len);
    f->hash_version = a->hash_version;
    if (a->has_namespace) {
        f->ns_lo = first_at_least(a->namespace_start, 1000);
        f->ns_hi = first_not_below(a->namespace_end, 1000);
        /* a slice holding every k (the whole layer) excludes nobody: its
         * hash need not be computed */
        f->has_namespace = !(f->ns_lo == 0 && f->ns_hi >= 1000);
    }
    uint32_t K = a->hash_version == 2 ? 10000 : 1000;
    f->n_arms = a->n_arms;
    for (size_t i = 0; i < a->n_arms; i++) {
        f->arm_lo[i] = first_at_least(a->ranges[i].start, K);
        f->arm_hi[i] = first_not_below(a->ranges[i].end, K);
    }
}

/* ---- batch: four units' hash chains interleaved ----
 *
 * FNV is one long dependency chain per hash (xor, then a 3-cycle multiply
 * per code unit), so a single assignment is bound by latency, not by the
 * multiplier. Hashing four units in lockstep keeps four chains in flight.
 * The lockstep path handles ASCII keys; a group holding anything else goes
 * through ordo_exp_assign one unit at a time. */

#define LANES 4

/* Continues four hashes over four ASCII keys. Returns the OR of all bytes
 * (bit 7 set means some key was not ASCII and the result is void). */
static inline unsigned fnv4_keys(uint32_t h[LANES], const char *const *u, const size_t *n)
{
    const unsigned char *p0 = (const unsigned char *)u[0], *p1 = (const unsigned char *)u[1];
    const unsigned char *p2 = (const unsigned char *)u[2], *p3 = (const unsigned char *)u[3];
    size_t m = n[0];
    for (int k = 1; k < LANES; k++)
        if (n[k] < m)
            m = n[k];
    uint32_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3];
    unsigned bits = 0;
    for (size_t i = 0; i < m; i++) {
        unsigned c0 = p0[i], c1 = p1[i], c2 = p2[i], c3 = p3[i];
        bits |= c0 | c1 | c2 | c3;
        h0 = exp_fnv_step(h0, c0);
        h1 = exp_fnv_step(h1, c1);
        h2 = exp_fnv_step(h2, c2);
        h3 = exp_fnv_step(h3, c3);
    }
    for (size_t i = m; i < n[0]; i++) {
        bits |= p0[i];
        h0 = exp_fnv_step(h0, p0[i]);
    }
    for (size_t i = m; i < n[1]; i++) {
        bits |= p1[i];
        h1 = exp_fnv_step(h1, p1[i]);
    }
    for (size_t i = m; i < n[2]; i++) {
        bits |= p2[i];
        h2 = exp_fnv_step(h2, p2[i]);
    }
    for (size_t i = m; i < n[3]; i++) {
        bits |= p3[i];
        h3 = exp_fnv_step(h3, p3[i]);
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
    return bits;
}

/* Continues four hashes over one shared (already validated) suffix. */
static inline void fnv4_suffix(uint32_t h[LANES], const char *s, size_t n)
{
    uint32_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3];
    if (exp_ascii(s, n)) {
        for (size_t i = 0; i < n; i++) {
            unsigned c = (unsigned char)s[i];
            h0 = exp_fnv_step(h0, c);
            h1 = exp_fnv_step(h1, c);
            h2 = exp_fnv_step(h2, c);
            h3 = exp_fnv_step(h3, c);
        }
    } else {
        (void)exp_fnv_utf16(&h0, s, n);
        (void)exp_fnv_utf16(&h1, s, n);
        (void)exp_fnv_utf16(&h2, s, n);
        (void)exp_fnv_utf16(&h3, s, n);
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
}

/* hash(seed, key, version) for four ASCII keys; false when a key is not ASCII. */
static inline bool hash4(int version, uint32_t seed_state, const char *seed, size_t seed_len,
                         const char *const *u, const size_t *n, double v[LANES])
{
    uint32_t h[LANES];
    unsigned bits;
    if (version == 2) {
        for (int k = 0; k < LANES; k++)
            h[k] = seed_state;
        bits = fnv4_keys(h, u, n);
        if (bits & 0x80u)
            return false;
        /* The four decimal-string chains are independent too. */
        uint32_t d0 = exp_fnv_decimal(h[0]), d1 = exp_fnv_decimal(h[1]);
        uint32_t d2 = exp_fnv_decimal(h[2]), d3 = exp_fnv_decimal(h[3]);
        v[0] = (double)(d0 % 10000u) / 10000.0;
        v[1] = (double)(d1 % 10000u) / 10000.0;
        v[2] = (double)(d2 % 10000u) / 10000.0;
        v[3] = (double)(d3 % 10000u) / 10000.0;
        return true;
    }
    for (int k = 0; k < LANES; k++)
        h[k] = ORDO_EXP_FNV_OFFSET;
    bits = fnv4_keys(h, u, n);
    if (bits & 0x80u)
        return false;
    fnv4_suffix(h, seed, seed_len);
    for (int k = 0; k < LANES; k++)
        v[k] = exp_v1_value(h[k]);
    return true;
}

/* Four non-empty keys; false when one is not ASCII (nothing written). */
static bool assign4(const ordo_exp_assigner_t *a, const char *const *u, const size_t *n,
                    ordo_exp_assignment_t *out)
{
    double hold[ORDO_EXP_MAX_HOLDOUTS][LANES];
    double ns[LANES], v[LANES];
    for (size_t i = 0; i < a->n_holdouts; i++) {
        const ordo_exp_holdout_t *h = &a->holdouts[i];
        if (!hash4(h->hash_version, h->seed_state, h->seed, h->seed_len, u, n, hold[i]))
            return false;
    }
    if (a->has_namespace && !hash4(1, 0, a->namespace_seed, a->namespace_seed_len, u, n, ns))
        return false;
    if (!hash4(a->hash_version, a->seed_state, a->seed, a->seed_len, u, n, v))
        return false;
    for (int k = 0; k < LANES; k++) {
        ordo_exp_assignment_t *o = &out[k];
        size_t i;
        for (i = 0; i < a->n_holdouts; i++)
            if (hold[i][k] < a->holdouts[i].fraction)
                break;
        if (i < a->n_holdouts) {
            exp_not_in(o, ORDO_EXP_REASON_HOLDOUT);
            o->holdout = (int)i;
            continue;
        }
        if (a->has_namespace && !(ns[k] >= a->namespace_start && ns[k] < a->namespace_end)) {
            exp_not_in(o, ORDO_EXP_REASON_NAMESPACE);
            continue;
        }
        int arm = exp_choose_arm(v[k], a->ranges, a->n_arms);
        o->bucket = v[k];
        o->arm = arm;
        o->holdout = -1;
        o->in_experiment = arm >= 0;
        o->reason = arm >= 0 ? ORDO_EXP_REASON_ASSIGNED : ORDO_EXP_REASON_COVERAGE;
    }
    return true;
}

int ordo_exp_assign_batch(const ordo_exp_assigner_t *a, const char *const *units,
                          const size_t *lens, size_t n, ordo_exp_assignment_t *out,
                          ordo_error_t *err)
{
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        bool lockstep = true;
        for (int k = 0; k < LANES; k++)
            if (!units[i + k] || lens[i + k] == 0)
                lockstep = false;
        if (lockstep && assign4(a, units + i, lens + i, out + i))
            continue;
        for (int k = 0; k < LANES; k++) {
            int rc = ordo_exp_assign(a, units[i + k], lens[i + k], &out[i + k], err);
            if (rc != ORDO_OK)
                return rc;
        }
    }
    for (; i < n; i++) {
        int rc = ordo_exp_assign(a, units[i], lens[i], &out[i], err);
        if (rc != ORDO_OK)
            return rc;
    }
    return ORDO_OK;
}
