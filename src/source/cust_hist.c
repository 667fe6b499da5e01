/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the customers' return history a decision reads (include/ordo/
 * source.h ordo_engine_customer_outcome; docs/internals/SOURCING.md
 * "Learned risk"): per customer (a 64-bit hash of the id), the delivered
 * orders and the returns counted from outcome events as they are ingested.
 * An open-addressing table of atomic slots, at most half full: one writer
 * (the ingest) adds customers and counts, decisions read without a lock or
 * an allocation. A table that would pass half full is copied into one
 * twice its size and swapped (swap.c); the old one stays on the retired
 * list until the engine is destroyed, as a decision may still read it. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/util.h"

#define CUST_FIRST_SLOTS 4096u

struct src_cust_tab {
    uint64_t mask, used;
    _Atomic uint64_t *key; /* 0: free */
    _Atomic uint64_t *cnt; /* delivered orders << 32 | returns */
    struct src_cust_tab *retired_next;
};

uint64_t ordo_engine_customer_key(const char *customer_id)
{
    if (!customer_id || !*customer_id)
        return 0;
    uint64_t h = ordo_hash64(customer_id, strlen(customer_id));
    return h ? h : 1;
}

static void tab_destroy(void *p)
{
    src_cust_tab_t *t = p;
    free((void *)t->key);
    free((void *)t->cnt);
    free(t);
}

static src_cust_tab_t *tab_new(uint64_t slots)
{
    src_cust_tab_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->mask = slots - 1;
    t->key = calloc(slots, sizeof *t->key);
    t->cnt = calloc(slots, sizeof *t->cnt);
    if (!t->key || !t->cnt) {
        tab_destroy(t);
        return NULL;
    }
    return t;
}

/* The slot of key k: its own, or the free one it would take. */
static uint64_t probe(const src_cust_tab_t *t, uint64_t k)
{
    uint64_t i = (k ^ (k >> 31)) & t->mask;
    for (;;) {
        uint64_t v = atomic_load_explicit(&t->key[i], memory_order_acquire);
        if (v == k || !v)
            return i;
        i = (i + 1) & t->mask;
    }
}

/* Writer only: puts counts c under key k (a new key's counts first, then
 * the key, so a reader finding the key sees them). */
static void tab_put(src_cust_tab_t *t, uint64_t k, uint64_t c)
{
    uint64_t i = probe(t, k);
    atomic_store_explicit(&t->cnt[i], c, memory_order_relaxed);
    if (!atomic_load_explicit(&t->key[i], memory_order_relaxed)) {
        atomic_store_explicit(&t->key[i], k, memory_order_release);
        t->used++;
    }
}

/* Writer only: the table in force with room for one more customer. */
static src_cust_tab_t *with_room(ordo_engine_t *e)
{
    src_cust_tab_t *t = src_swap_get(&e->cust);
    if (t && 2 * (t->used + 1) <= t->mask + 1)
        return t;
    src_cust_tab_t *g = tab_new(t ? 2 * (t->mask + 1) : CUST_FIRST_SLOTS);
    if (!g)
        return NULL;
    for (uint64_t i = 0; t && i <= t->mask; i++) {
        uint64_t k = atomic_load_explicit(&t->key[i], memory_order_relaxed);
        if (k)
            tab_put(g, k, atomic_load_explicit(&t->cnt[i], memory_order_relaxed));
    }
    src_swap_set(&e->cust, g, offsetof(src_cust_tab_t, retired_next));
    return g;
}

static uint64_t add_sat(uint64_t a, uint32_t b)
{
    return a + b < UINT32_MAX ? a + b : UINT32_MAX;
}

int ordo_engine_customer_outcome_key(ordo_engine_t *e, uint64_t k, uint32_t delivered,
                                     uint32_t returned)
{
    if (!k)
        return ORDO_OK;
    src_cust_tab_t *t = with_room(e);
    if (!t)
        return ORDO_ENOMEM;
    uint64_t i = probe(t, k);
    uint64_t c = atomic_load_explicit(&t->key[i], memory_order_relaxed)
                     ? atomic_load_explicit(&t->cnt[i], memory_order_relaxed)
                     : 0;
    tab_put(t, k, add_sat(c >> 32, delivered) << 32 | add_sat(c & UINT32_MAX, returned));
    return ORDO_OK;
}

int ordo_engine_customer_outcome(ordo_engine_t *e, const char *customer_id, uint32_t delivered,
                                 uint32_t returned)
{
    return ordo_engine_customer_outcome_key(e, ordo_engine_customer_key(customer_id), delivered,
                                            returned);
}

int src_cust_lookup(const ordo_engine_t *e, const char *customer_id, uint32_t *orders,
                    uint32_t *returns)
{
    const src_cust_tab_t *t = src_swap_get(&e->cust);
    *orders = *returns = 0;
    if (!t)
        return -1;
    uint64_t k = ordo_engine_customer_key(customer_id), i = k ? probe(t, k) : 0;
    if (!k || !atomic_load_explicit(&t->key[i], memory_order_acquire))
        return 0;
    uint64_t c = atomic_load_explicit(&t->cnt[i], memory_order_relaxed);
    *orders = (uint32_t)(c >> 32);
    *returns = (uint32_t)(c & UINT32_MAX);
    return 1;
}

int ordo_engine_customer_history(const ordo_engine_t *e, const char *customer_id,
                                 uint32_t *orders, uint32_t *returns)
{
    return src_cust_lookup(e, customer_id, orders, returns) > 0;
}

void src_cust_free(ordo_engine_t *e)
{
    src_swap_free(&e->cust, offsetof(src_cust_tab_t, retired_next), tab_destroy);
}
