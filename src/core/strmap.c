/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — string → uint32 map: open addressing with linear probing. Keys of
 * up to 16 bytes live inside the slot, so a lookup costs one cache miss;
 * longer keys are copied into one growing pool. The table doubles at 50%
 * load. */
#include <stdlib.h>
#include <string.h>

#include "ordo/util.h"

#define INLINE_KEY 16

typedef struct slot {
    uint64_t hash; /* 0 = empty */
    uint32_t key_len;
    uint32_t value;
    union {
        char inl[INLINE_KEY]; /* key_len <= INLINE_KEY */
        uint32_t off;         /* else: offset into the pool */
    } key;
} slot_t;

struct ordo_strmap {
    slot_t *slots;
    size_t cap; /* power of two */
    size_t count;
    char *pool;
    size_t pool_len, pool_cap;
};

uint64_t ordo_hash64(const void *data, size_t len)
{
    /* FNV-1a 64 followed by a murmur3 finalizer for good low bits. */
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h ? h : 1;
}

ordo_strmap_t *ordo_strmap_create(size_t expected)
{
    ordo_strmap_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    m->slots = calloc(cap, sizeof(slot_t));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

void ordo_strmap_destroy(ordo_strmap_t *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m->pool);
    free(m);
}

static int grow(ordo_strmap_t *m)
{
    size_t ncap = m->cap * 2;
    slot_t *ns = calloc(ncap, sizeof(slot_t));
    if (!ns)
        return ORDO_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].hash)
            continue;
        size_t j = m->slots[i].hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return ORDO_OK;
}

static slot_t *lookup(const ordo_strmap_t *m, const char *key, size_t len, uint64_t h)
{
    size_t j = h & (m->cap - 1);
    while (m->slots[j].hash) {
        const slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == len &&
            (len == 0 || !memcmp(len <= INLINE_KEY ? s->key.inl : m->pool + s->key.off, key, len)))
            return &m->slots[j];
        j = (j + 1) & (m->cap - 1);
    }
    return &m->slots[j];
}

int ordo_strmap_put(ordo_strmap_t *m, const char *key, size_t len, uint32_t value)
{
    if (len > UINT32_MAX)
        return ORDO_ERANGE;
    if ((m->count + 1) * 2 > m->cap && grow(m))
        return ORDO_ENOMEM;
    uint64_t h = ordo_hash64(key, len);
    slot_t *s = lookup(m, key, len, h);
    if (s->hash)
        return ORDO_EEXIST;
    if (len <= INLINE_KEY) {
        memcpy(s->key.inl, key, len);
    } else {
        if (m->pool_len + len > m->pool_cap) {
            size_t ncap = m->pool_cap ? m->pool_cap : 4096;
            while (ncap < m->pool_len + len)
                ncap *= 2;
            if (ncap > UINT32_MAX)
                return ORDO_EFULL;
            char *np = realloc(m->pool, ncap);
            if (!np)
                return ORDO_ENOMEM;
            m->pool = np;
            m->pool_cap = ncap;
        }
        memcpy(m->pool + m->pool_len, key, len);
        s->key.off = (uint32_t)m->pool_len;
        m->pool_len += len;
    }
    s->hash = h;
    s->key_len = (uint32_t)len;
    s->value = value;
    m->count++;
    return ORDO_OK;
}

uint64_t ordo_strmap_hash(const char *key, size_t len)
{
    return ordo_hash64(key, len);
}

void ordo_strmap_prefetch(const ordo_strmap_t *m, uint64_t h)
{
    __builtin_prefetch(&m->slots[h & (m->cap - 1)]);
}

bool ordo_strmap_get_hashed(const ordo_strmap_t *m, const char *key, size_t len, uint64_t h,
                            uint32_t *value)
{
    const slot_t *s = lookup(m, key, len, h);
    if (!s->hash)
        return false;
    if (value)
        *value = s->value;
    return true;
}

bool ordo_strmap_get(const ordo_strmap_t *m, const char *key, size_t len, uint32_t *value)
{
    if (!m)
        return false;
    const slot_t *s = lookup(m, key, len, ordo_hash64(key, len));
    if (!s->hash)
        return false;
    if (value)
        *value = s->value;
    return true;
}

size_t ordo_strmap_count(const ordo_strmap_t *m)
{
    return m->count;
}
