/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the signal snapshot: every signal up to a version, resolved per
 * key into a timeline of the signal in force (the highest version whose
 * window contains the instant), with an index from carrier service and node
 * to its keys, so that a lookup at an instant is a binary search over the
 * key's few segments (O(1) for a key without signals). Immutable once
 * built. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/signals.h"

typedef struct seg {
    int64_t start; /* in force from here to the next segment's start */
    int32_t sig;   /* index into sig, -1: none */
} seg_t;

typedef struct key {
    uint32_t first, n; /* segments */
} key_t_;

struct ordo_signals {
    uint64_t version;
    uint32_t n_nodes, n_services;
    ordo_signal_t *sig;
    size_t n_sig;
    key_t_ *keys;
    uint32_t n_keys;
    seg_t *segs;
    uint32_t n_segs;
    int32_t *node_key; /* [kind - LABOUR][node]: labour, backlog, node_status */
    int32_t *rate_key; /* [service] */
    uint32_t *out_first; /* [service + 1]: outage keys out_first[s] .. out_first[s+1] */
    double rate_floor;
    struct ordo_signals *retired_next;
};

static ordo_signals_t empty_snapshot = {.rate_floor = 1};

const ordo_signals_t *ordo_signals_empty(void)
{
    return &empty_snapshot;
}

uint64_t ordo_signals_version(const ordo_signals_t *s)
{
    return s ? s->version : 0;
}

size_t ordo_signals_count(const ordo_signals_t *s)
{
    return s ? s->n_sig : 0;
}

double ordo_signals_rate_floor(const ordo_signals_t *s)
{
    return s ? s->rate_floor : 1;
}

ordo_signals_t **ordo_signals_retired_next(ordo_signals_t *s)
{
    return &s->retired_next;
}

void ordo_signals_destroy(ordo_signals_t *s)
{
    if (!s || s == &empty_snapshot)
        return;
    free(s->sig);
    free(s->keys);
    free(s->segs);
    free(s->node_key);
    free(s->rate_key);
    free(s->out_first);
    free(s);
}

/* By key (ordo_signal_key_cmp), then window start, then version. */
static int sig_order(const void *a, const void *b)
{
    const ordo_signal_t *x = a, *y = b;
    int k = ordo_signal_key_cmp(x, y);
    if (k)
        return k;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->version < y->version ? -1 : x->version > y->version;
}

static bool same_key(const ordo_signal_t *x, const ordo_signal_t *y)
{
    return !ordo_signal_key_cmp(x, y);
}

/* Max-heap of signal indices by (version, line). */
typedef struct heap {
    int32_t *v;
    uint32_t n;
    const ordo_signal_t *sig;
} heap_t;

static bool heap_above(const heap_t *h, int32_t a, int32_t b)
{
    const ordo_signal_t *x = &h->sig[a], *y = &h->sig[b];
    return x->version != y->version ? x->version > y->version : x->line > y->line;
}

static void heap_push(heap_t *h, int32_t i)
{
    uint32_t k = h->n++;
    h->v[k] = i;
    while (k && heap_above(h, h->v[k], h->v[(k - 1) / 2])) {
        int32_t t = h->v[k];
        h->v[k] = h->v[(k - 1) / 2];
        h->v[(k - 1) / 2] = t;
        k = (k - 1) / 2;
    }
}

static void heap_pop(heap_t *h)
{
    h->v[0] = h->v[--h->n];
    for (uint32_t k = 0;;) {
        uint32_t l = 2 * k + 1, r = l + 1, m = k;
        if (l < h->n && heap_above(h, h->v[l], h->v[m]))
            m = l;
        if (r < h->n && heap_above(h, h->v[r], h->v[m]))
            m = r;
        if (m == k)
            break;
        int32_t t = h->v[k];
        h->v[k] = h->v[m];
        h->v[m] = t;
        k = m;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The timeline of key sig[first .. first+n) (sorted by from): at each
 * window boundary, the highest version among the windows containing it.
 * bounds and heap are scratch of 2n and n entries. */
static void key_timeline(ordo_signals_t *s, uint32_t first, uint32_t n, int64_t *bounds,
                         int32_t *hv)
{
    uint32_t nb = 0;
    for (uint32_t i = 0; i < n; i++) {
        bounds[nb++] = s->sig[first + i].from;
        if (s->sig[first + i].to != ORDO_SIGNAL_OPEN_END)
            bounds[nb++] = s->sig[first + i].to;
    }
    qsort(bounds, nb, sizeof *bounds, cmp_i64);
    heap_t h = {hv, 0, s->sig};
    uint32_t next = 0;
    key_t_ *k = &s->keys[s->n_keys++];
    k->first = s->n_segs;
    for (uint32_t b = 0; b < nb; b++) {
        if (b && bounds[b] == bounds[b - 1])
            continue;
        while (next < n && s->sig[first + next].from <= bounds[b])
            heap_push(&h, (int32_t)(first + next++));
        while (h.n && s->sig[h.v[0]].to <= bounds[b])
            heap_pop(&h); /* stale tops only: a lower one ends later or is popped later */
        int32_t top = h.n ? h.v[0] : -1;
        if (s->n_segs > k->first && s->segs[s->n_segs - 1].sig == top)
            continue;
        s->segs[s->n_segs++] = (seg_t){bounds[b], top};
    }
    k->n = s->n_segs - k->first;
}

/* A rate signal's factor on a service's shipping relative to its card. */
static double rate_factor(const ordo_network_t *net, const ordo_signal_t *g)
{
    const ordo_carrier_service_t *svc = &net->services[g->service];
    double m = isnan(g->rate_multiplier) ? 1 : g->rate_multiplier;
    double f = isnan(g->fuel_pct) ? svc->fuel_surcharge_pct : g->fuel_pct;
    return m * (1 + f / 100.0) / (1 + svc->fuel_surcharge_pct / 100.0);
}

static int32_t *key_slot(ordo_signals_t *s, const ordo_signal_t *g)
{
    if (g->kind == ORDO_SIGNAL_RATE)
        return &s->rate_key[g->service];
    if (g->kind == ORDO_SIGNAL_CARRIER_OUTAGE)
        return NULL;
    return &s->node_key[(size_t)(g->kind - ORDO_SIGNAL_LABOUR) * s->n_nodes + g->node];
}

static bool snapshot_alloc(ordo_signals_t *s, const ordo_network_t *net, size_t n)
{
    s->n_nodes = net->n_nodes;
    s->n_services = net->n_services;
    s->sig = malloc((n ? n : 1) * sizeof *s->sig);
    s->keys = malloc((n ? n : 1) * sizeof *s->keys);
    s->segs = malloc((2 * n + 1) * sizeof *s->segs);
    s->node_key = malloc(((size_t)3 * net->n_nodes + 1) * sizeof *s->node_key);
    s->rate_key = malloc((net->n_services + 1) * sizeof *s->rate_key);
    s->out_first = calloc(net->n_services + 2, sizeof *s->out_first);
    if (!s->sig || !s->keys || !s->segs || !s->node_key || !s->rate_key || !s->out_first)
        return false;
    for (size_t i = 0; i < (size_t)3 * net->n_nodes; i++)
        s->node_key[i] = -1;
    for (uint32_t i = 0; i < net->n_services; i++)
        s->rate_key[i] = -1;
    return true;
}

/* Every key's timeline and index entry; outage keys are contiguous by
 * service (sorted), counted into out_first. */
static void index_keys(ordo_signals_t *s, const ordo_network_t *net, int64_t *bounds, int32_t *hv)
{
    uint32_t out_lo = UINT32_MAX;
    for (size_t i = 0; i < s->n_sig;) {
        size_t j = i + 1;
        while (j < s->n_sig && same_key(&s->sig[i], &s->sig[j]))
            j++;
        uint32_t kid = s->n_keys;
        key_timeline(s, (uint32_t)i, (uint32_t)(j - i), bounds, hv);
        const ordo_signal_t *g = &s->sig[i];
        int32_t *slot = key_slot(s, g);
        if (slot)
            *slot = (int32_t)kid;
        else {
            if (out_lo == UINT32_MAX)
                out_lo = kid;
            s->out_first[g->service + 1]++;
        }
        for (size_t k = i; k < j; k++)
            if (g->kind == ORDO_SIGNAL_RATE && rate_factor(net, &s->sig[k]) < s->rate_floor)
                s->rate_floor = rate_factor(net, &s->sig[k]);
        i = j;
    }
    /* counts → starts (outage keys are the last kind: ids from out_lo) */
    s->out_first[0] = out_lo == UINT32_MAX ? s->n_keys : out_lo;
    for (uint32_t v = 1; v <= net->n_services; v++)
        s->out_first[v] += s->out_first[v - 1];
}

int ordo_signals_build(const ordo_network_t *net, const ordo_signal_t *sig, size_t n,
                       uint64_t version, ordo_signals_t **out, ordo_error_t *err)
{
    *out = NULL;
    ordo_signals_t *s = calloc(1, sizeof *s);
    int64_t *bounds = malloc((2 * n + 1) * sizeof *bounds);
    int32_t *hv = malloc((n + 1) * sizeof *hv);
    if (!s || !bounds || !hv || !snapshot_alloc(s, net, n)) {
        free(bounds);
        free(hv);
        ordo_signals_destroy(s);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory building signals");
    }
    s->version = version;
    s->rate_floor = 1;
    if (n)
        memcpy(s->sig, sig, n * sizeof *sig);
    s->n_sig = n;
    for (size_t i = 0; i < n; i++)
        if ((sig[i].node >= 0 && (uint32_t)sig[i].node >= net->n_nodes) ||
            (sig[i].service >= 0 && (uint32_t)sig[i].service >= net->n_services)) {
            free(bounds);
            free(hv);
            ordo_signals_destroy(s);
            return ordo_error_set(err, ORDO_EINVAL, NULL, sig[i].line, "signals",
                                  "a signal names a node or service outside the network");
        }
    qsort(s->sig, n, sizeof *s->sig, sig_order);
    index_keys(s, net, bounds, hv);
    free(bounds);
    free(hv);
    *out = s;
    return ORDO_OK;
}

/* The signal in force for key k at t. */
static const ordo_signal_t *key_at(const ordo_signals_t *s, int32_t k, int64_t t)
{
    if (k < 0)
        return NULL;
    const seg_t *g = &s->segs[s->keys[k].first];
    uint32_t lo = 0, hi = s->keys[k].n; /* last segment with start <= t */
    if (!hi || g[0].start > t)
        return NULL;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (g[mid].start <= t)
            lo = mid;
        else
            hi = mid;
    }
    return g[lo].sig >= 0 ? &s->sig[g[lo].sig] : NULL;
}

const ordo_signal_t *ordo_signals_rate(const ordo_signals_t *s, uint32_t service, int64_t t)
{
    if (!s || !s->n_sig || service >= s->n_services)
        return NULL;
    return key_at(s, s->rate_key[service], t);
}

const ordo_signal_t *ordo_signals_node(const ordo_signals_t *s, ordo_signal_kind_t kind,
                                       uint32_t node, int64_t t)
{
    if (!s || !s->n_sig || node >= s->n_nodes || kind < ORDO_SIGNAL_LABOUR ||
        kind > ORDO_SIGNAL_NODE_STATUS)
        return NULL;
    return key_at(s, s->node_key[(size_t)(kind - ORDO_SIGNAL_LABOUR) * s->n_nodes + node], t);
}

const ordo_signal_t *ordo_signals_outage(const ordo_signals_t *s, uint32_t service, uint16_t zip3,
                                         int64_t t)
{
    if (!s || !s->n_sig || service >= s->n_services || zip3 >= ORDO_ZIP3_COUNT)
        return NULL;
    for (uint32_t k = s->out_first[service]; k < s->out_first[service + 1]; k++) {
        const ordo_signal_t *g = key_at(s, (int32_t)k, t);
        if (g && !g->restored && (g->zip3_mask[zip3 / 8] >> (zip3 % 8) & 1))
            return g;
    }
    return NULL;
}

size_t ordo_signals_in_force(const ordo_signals_t *s, int64_t t, const ordo_signal_t **out,
                             size_t cap)
{
    size_t n = 0;
    for (uint32_t k = 0; s && k < s->n_keys; k++) {
        const ordo_signal_t *g = key_at(s, (int32_t)k, t);
        if (g && n < cap)
            out[n] = g;
        n += g != NULL;
    }
    return n;
}
