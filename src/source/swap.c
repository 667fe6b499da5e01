/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a table the engine swaps atomically while decisions read it
 * (learned lanes, learned risk, network value): the one mechanism behind
 * ordo_engine_set_lanes, _set_risk and _set_netval. A decision loads the
 * pointer once; a replaced table may still be read by a decision that
 * loaded it, so it goes on a retired list, freed at ordo_engine_destroy.
 * Each table type carries its own list link at next_off. */
#include <string.h>

#include "internal.h"

static void *next_of(void *t, size_t next_off)
{
    void *n;
    memcpy(&n, (char *)t + next_off, sizeof n);
    return n;
}

void src_swap_set(src_swap_t *s, void *t, size_t next_off)
{
    void *old = atomic_exchange_explicit(&s->cur, t, memory_order_acq_rel);
    if (!old)
        return;
    void *head = atomic_load_explicit(&s->retired, memory_order_relaxed);
    do {
        memcpy((char *)old + next_off, &head, sizeof head);
    } while (!atomic_compare_exchange_weak_explicit(&s->retired, &head, old, memory_order_release,
                                                    memory_order_relaxed));
}

void src_swap_free(src_swap_t *s, size_t next_off, void (*destroy)(void *))
{
    void *t = atomic_load(&s->cur);
    if (t)
        destroy(t);
    for (void *r = atomic_load(&s->retired); r;) {
        void *next = next_of(r, next_off);
        destroy(r);
        r = next;
    }
}
