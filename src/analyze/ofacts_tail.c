/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the outcome facts refreshed from the store's outcome tail
 * (src/store/outcome_tail.h; ANALYZE.md "Outcome facts from the tail").
 *
 * Beside DIR/facts/outcomes, DIR/facts/outcome_state keeps, for each of its
 * rows, the order's fold state: what the store's fold (src/store/store.c)
 * holds before its end: per shipment the first shipped, delivered and
 * returned times, the sums of cost parts, refund and measures in event
 * order, the promise and when it was given, the first cancellation, and the
 * last event folded (its time, number and ids record). A refresh reads the
 * tail's rows numbered after the facts' change seq, groups them by order
 * (by the order id's hash the writer put in the row: no string hashed
 * here), sorts each order's new events by (at, event_id) (event ids read
 * from the tail's ids file only on equal times) and folds them onto the
 * state: the same additions in the same order as the store's fold of all
 * the order's events, hence the same numbers, provided every new event
 * sorts after the last one folded. Where that cannot be told (an event
 * sorting before, an ids record unreadable, more than OST_SHIPS shipments,
 * a row marked OTAIL_F_SQLITE, no state) the order is read from SQLite. A
 * number missing from the tail in the range (a crash between commit and
 * append, a damaged row) or two rows with one number: the whole refresh
 * reads SQLite, as before the tail. The states file is updated in place:
 * only the changed orders' states are written. On two threads (from
 * OST_SPLIT_MIN changed orders): the fold in two halves of the groups,
 * then the states' save beside the outcome rows' apply; the bytes are
 * those of one thread (ANALYZE.md "The refresh's kernel time, and two
 * threads"). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>

#include "../store/outcome_tail.h"
#include "internal.h"

#define OST_SHIPS 4
#define OST_VERSION 4u    /* 3: st_sum a multiply-xor chain instead of XXH3; 4: last_tied */
#define OST_SORT_MAX 1024 /* an order's new events sorted at most (else SQLite) */
static const char ost_magic[8] = {'O', 'R', 'D', 'O', 'O', 'S', 'T', '2'};

typedef struct ost_ship {
    uint32_t shipment, used;
    int64_t shipped, delivered, returned;
} ost_ship_t;

typedef struct an_ostate {
    uint64_t oid[2];
    int64_t last_at;
    uint64_t last_seq, last_ids; /* the last event folded: its number, its ids */
    uint8_t valid, n_ships, cost_mask;
    uint8_t last_tied; /* the last event folded is one of several at last_at, left in
                          tail order (they commute): a later one at last_at cannot be told */
    uint32_t pad;
    int64_t promised_by, promise_at, cancelled_at;
    double cost[ORDO_COST_PARTS], refund;
    double msum[ORDO_MEASURE_COUNT];
    uint32_t mn[ORDO_MEASURE_COUNT];
    ost_ship_t ship[OST_SHIPS];
    uint64_t sum; /* st_sum of the bytes before it */
} an_ostate_t;
_Static_assert(offsetof(an_ostate_t, sum) % 8 == 0, "a state is checked by words");

typedef struct ost_hdr {
    char magic[8];
    uint32_t version, row_size;
    uint64_t seq;      /* the outcome facts' change seq the states match; 0: none */
    uint64_t n;        /* states (the outcome facts' rows) */
    uint64_t tail_row; /* the tail's row a refresh starts reading at */
    uint8_t reserved[16];
    uint64_t sum;
} ost_hdr_t;
_Static_assert(sizeof(ost_hdr_t) == 64, "outcome state header");

_Thread_local an_otail_stats_t an_otail_last;

struct an_otail {
    char path[4200];
    an_ostate_t *st; /* [n_st]: states to write (oid inside) */
    size_t n_st;
    bool all; /* st holds every order's: the file is written anew */
    uint64_t tail_row;
    size_t old_n; /* the states file held old_n states matching the facts */
    int64_t *pos; /* [n_st]: each state's row in the refreshed facts; -1: look it up */
    long *hint;   /* the delta's rows' rows in the old facts (delta->hint) */
    /* the save (an_otail_save_start, _end) */
    pthread_t th;
    bool started, ok;
    int fd;
    size_t n;    /* the outcome facts' rows once applied */
    uint64_t ns; /* the states written (the writer's time) */
};

/* A state's checksum: its words chained, each step a bijection of the
 * running value and of the word, so a change in any one word always
 * changes it (a state is checked when read and sealed when folded: XXH3
 * of its 296 bytes cost ~440 instructions, this ~150). */
static uint64_t st_sum(const an_ostate_t *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0x27d4eb2f165667c5ull;
    for (size_t i = 0; i < offsetof(an_ostate_t, sum); i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 32;
    }
    return h;
}

static uint64_t hdr_sum(const ost_hdr_t *h)
{
    return XXH3_64bits(h, offsetof(ost_hdr_t, sum));
}

/* ---- the fold (store.c's fold_add and fold_end, on a fixed state) ---- */

static ost_ship_t *st_ship(an_ostate_t *s, uint32_t shipment)
{
    for (int i = 0; i < s->n_ships; i++)
        if (s->ship[i].shipment == shipment)
            return &s->ship[i];
    if (s->n_ships == OST_SHIPS)
        return NULL;
    ost_ship_t *sh = &s->ship[s->n_ships++];
    memset(sh, 0, sizeof *sh);
    sh->shipment = shipment;
    sh->used = 1;
    return sh;
}

/* false: more shipments than a state holds, or a row to read from SQLite */
static bool st_add(an_ostate_t *s, const otail_row_t *r)
{
    if (r->flags & OTAIL_F_SQLITE)
        return false;
    otail_promise_take(&s->promised_by, &s->promise_at, r->at,
                       r->flags & OTAIL_F_PROMISE ? r->at + r->promise : 0);
    double num[OTAIL_NUMS];
    int k = otail_row_nums(r, num), j = 0;
    /* parts given in a 5-bit mask (a table: no popcount instruction here) */
    static const uint8_t bits[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                     1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5};
    _Static_assert(ORDO_COST_PARTS <= 5, "cost mask of 5 bits");
    if ((r->cost_mask & ~31u) || bits[r->cost_mask] + (r->flags & OTAIL_F_REFUND ? 1 : 0) +
                                         (r->type == ORDO_OUTCOME_MEASURE) >
                                     k)
        return false; /* numbers missing: a row not written by the tail's writer */
    /* the parts given, lowest first (the numbers' order): set bits only */
    for (unsigned mk = r->cost_mask; mk; mk &= mk - 1)
        s->cost[__builtin_ctz(mk)] += num[j++];
    s->cost_mask |= r->cost_mask;
    if (r->flags & OTAIL_F_REFUND)
        s->refund += num[j++];
    s->last_at = r->at;
    s->last_seq = r->seq;
    s->last_ids = r->ids;
    if (r->type == ORDO_OUTCOME_CANCELLED) {
        otail_min_time(&s->cancelled_at, r->at);
        return true;
    }
    if (r->type == ORDO_OUTCOME_MEASURE) {
        if (r->measure < ORDO_MEASURE_COUNT) {
            s->msum[r->measure] += num[j];
            s->mn[r->measure]++;
        }
        return true;
    }
    ost_ship_t *sh = st_ship(s, r->shipment);
    if (!sh)
        return false;
    if (r->type == ORDO_OUTCOME_SHIPPED)
        otail_min_time(&sh->shipped, r->at);
    else if (r->type == ORDO_OUTCOME_DELIVERED)
        otail_min_time(&sh->delivered, r->at);
    else if (r->type == ORDO_OUTCOME_RETURNED)
        otail_min_time(&sh->returned, r->at);
    return true;
}

/* The outcome row of a state: the summary the store's fold would end with,
 * ended by the store's own code, as an_outcomes_load makes it. */
static void st_out(const an_ostate_t *s, an_outcome_t *o)
{
    ordo_outcome_summary_t sm;
    memset(&sm, 0, sizeof sm);
    ordo_shipment_outcome_t ships[OST_SHIPS];
    for (int i = 0; i < s->n_ships; i++) {
        memset(&ships[i], 0, sizeof ships[i]);
        ships[i].shipment = s->ship[i].shipment;
        ships[i].shipped_at = s->ship[i].shipped;
        ships[i].delivered_at = s->ship[i].delivered;
        ships[i].returned_at = s->ship[i].returned;
    }
    sm.cancelled_at = s->cancelled_at;
    sm.promised_by = s->promised_by;
    memcpy(sm.cost, s->cost, sizeof sm.cost);
    sm.cost_mask = s->cost_mask;
    sm.refund = s->refund;
    memcpy(sm.measure, s->msum, sizeof sm.measure);
    memcpy(sm.measure_n, s->mn, sizeof sm.measure_n);
    otail_summary_finish(&sm, ships, s->n_ships);
    an_outcome_from_summary(&sm, o);
    o->oid[0] = s->oid[0]; /* the summary has no order id: the row's hash */
    o->oid[1] = s->oid[1];
}

/* (at, event_id) of two events of one order, the second given by its
 * time, number and ids record: -1 or 1; 0 when it cannot be told (an ids
 * record unreadable). Event ids compare as SQLite's BINARY collation. */
static int key_cmp(const otail_map_t *m, const otail_row_t *a, int64_t at_b, uint64_t seq_b,
                   uint64_t ids_b)
{
    if (a->at != at_b)
        return a->at < at_b ? -1 : 1;
    const char *oa, *ea, *ob, *eb;
    size_t ola, ela, olb, elb;
    if (!otail_ids_get(m, a->ids, a->seq, &oa, &ola, &ea, &ela) ||
        !otail_ids_get(m, ids_b, seq_b, &ob, &olb, &eb, &elb))
        return 0;
    int c = memcmp(ea, eb, ela < elb ? ela : elb);
    if (c)
        return c < 0 ? -1 : 1;
    return ela == elb ? 0 : ela < elb ? -1 : 1;
}

static int row_cmp(const otail_map_t *m, const otail_row_t *a, const otail_row_t *b)
{
    return key_cmp(m, a, b->at, b->seq, b->ids);
}

/* Whether two events at one time fold to the same state in either order
 * (but for the last event folded and the order of shipments' slots, which
 * changes no outcome: otail_summary_finish counts them and takes their
 * extremes): they add to no common sum (a cost part, the refund, a
 * measure). The times kept are firsts (minima), the promise the earliest
 * date on equal times, the flags ors: all the same in either order. */
static bool commute(const otail_row_t *a, const otail_row_t *b)
{
    return !(a->cost_mask & b->cost_mask) && !(a->flags & b->flags & OTAIL_F_REFUND) &&
           !(a->type == ORDO_OUTCOME_MEASURE && b->type == ORDO_OUTCOME_MEASURE &&
             a->measure == b->measure);
}

/* Rows of one time sorted by event id (insertion); false when two cannot
 * be told apart. */
static bool ids_sort(const otail_map_t *m, const otail_row_t **ev, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            int c = row_cmp(m, ev[j - 1], ev[j]);
            if (!c)
                return false;
            if (c < 0)
                break;
            const otail_row_t *x = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = x;
        }
    return true;
}

/* An order's new rows in an order whose fold is the fold in (at, event_id)
 * order: by time (insertion, stable: a few, mostly in order already), and
 * the events of one time by event id only when two of them do not commute
 * (their ids records read then); false when two cannot be told apart.
 * *last_tied: the last time's events were several, left in tail order. */
static bool rows_sort(const otail_map_t *m, const otail_row_t **ev, size_t n, bool *last_tied)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ev[j - 1]->at > ev[j]->at; j--) {
            const otail_row_t *x = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = x;
        }
    *last_tied = false;
    for (size_t i = 0, k; i < n; i = k) {
        for (k = i + 1; k < n && ev[k]->at == ev[i]->at;)
            k++;
        bool commutes = true;
        for (size_t a = i; a < k && commutes; a++)
            for (size_t b = a + 1; b < k && commutes; b++)
                commutes = commute(ev[a], ev[b]);
        if (!commutes && !ids_sort(m, ev + i, k - i))
            return false;
        *last_tied = commutes && k - i > 1 && k == n;
    }
    return true;
}

/* ---- the states file ---- */

typedef struct ost_file {
    int fd;
    an_ostate_t *st; /* mapped [n] */
    size_t n, len;
    ost_hdr_t h;
} ost_file_t;

/* The states matching outcome facts at seq with n rows; false: none. */
static bool ost_load(const char *path, uint64_t seq, size_t n, ost_file_t *f)
{
    memset(f, 0, sizeof *f);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return false;
    struct stat st;
    ost_hdr_t *h = &f->h;
    bool ok = !fstat(f->fd, &st) && pread(f->fd, h, sizeof *h, 0) == (ssize_t)sizeof *h &&
              !memcmp(h->magic, ost_magic, 8) && h->version == OST_VERSION &&
              h->row_size == sizeof(an_ostate_t) && h->sum == hdr_sum(h) && h->seq == seq &&
              h->n == n && (uint64_t)st.st_size == sizeof *h + n * sizeof(an_ostate_t);
    if (ok && n) {
        f->len = (size_t)st.st_size;
        /* not populated: a refresh reads the states of the orders it changes */
        void *m = mmap(NULL, f->len, PROT_READ, MAP_SHARED, f->fd, 0);
        ok = m != MAP_FAILED;
        f->st = ok ? (an_ostate_t *)((char *)m + sizeof *h) : NULL;
    }
    f->n = n;
    if (!ok) {
        close(f->fd);
        memset(f, 0, sizeof *f);
    }
    return ok;
}

static void ost_close(ost_file_t *f)
{
    if (f->st)
        munmap((char *)f->st - sizeof(ost_hdr_t), f->len);
    if (f->fd > 0)
        close(f->fd);
    memset(f, 0, sizeof *f);
}

static void hdr_fill(ost_hdr_t *h, uint64_t seq, uint64_t n, uint64_t tail_row)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, ost_magic, 8);
    h->version = OST_VERSION;
    h->row_size = sizeof(an_ostate_t);
    h->seq = seq;
    h->n = n;
    h->tail_row = tail_row;
    h->sum = hdr_sum(h);
}

void an_otail_invalidate(const char *factsdir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/outcome_state", factsdir);
    unlink(path);
}

/* ---- reading the tail ---- */

typedef struct grp {
    uint64_t oid[2];
    uint32_t head, last, n;
    uint64_t max_seq;
} grp_t;

/* A slot of the grouping table: the group + 1 (0: empty) and a tag of the
 * order's hash, so that a probe reads a group only when the tags agree. */
typedef struct gslot {
    uint32_t g, tag;
} gslot_t;

typedef struct scan {
    const otail_row_t **row; /* rows in range, in tail order */
    uint32_t *next;          /* the order's next row; UINT32_MAX none */
    size_t n;
    grp_t *g;
    size_t n_g;
    gslot_t *slot;
    size_t mask;
    uint64_t next_row;
} scan_t;

void *an_big_alloc(size_t n, bool zero)
{
    void *p = zero ? calloc(1, n) : malloc(n);
    const uintptr_t hp = (uintptr_t)2 << 20;
    if (p && n >= 2 * hp) {
        uintptr_t a = ((uintptr_t)p + hp - 1) & ~(hp - 1), b = ((uintptr_t)p + n) & ~(hp - 1);
        if (b > a)
            (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
    return p;
}

static void scan_free(scan_t *s)
{
    free(s->row);
    free(s->next);
    free(s->g);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

static size_t gslot_of(const uint64_t oid[2], size_t mask)
{
    return (size_t)(oid[0] ^ (oid[1] >> 7)) & mask;
}

static uint32_t gtag_of(const uint64_t oid[2])
{
    return (uint32_t)(oid[0] >> 32) | 1u;
}

/* The grouping table with four times the slots (its groups put back). */
static bool group_grow(scan_t *s)
{
    size_t cap = (s->mask + 1) * 4;
    gslot_t *slot = an_big_alloc(cap * sizeof *slot, true);
    if (!slot)
        return false;
    free(s->slot);
    s->slot = slot;
    s->mask = cap - 1;
    for (size_t i = 0; i < s->n_g; i++) {
        size_t k = gslot_of(s->g[i].oid, s->mask);
        while (slot[k].g)
            k = (k + 1) & s->mask;
        slot[k] = (gslot_t){(uint32_t)i + 1, gtag_of(s->g[i].oid)};
    }
    return true;
}

/* Row i (s->n, in tail order) into its order's group (linked in tail
 * order). */
static void group_add(scan_t *s, const otail_row_t *r)
{
    size_t i = s->n++;
    s->row[i] = r;
    s->next[i] = UINT32_MAX;
    uint32_t tag = gtag_of(r->oid);
    size_t k = gslot_of(r->oid, s->mask);
    grp_t *g = NULL;
    for (; s->slot[k].g; k = (k + 1) & s->mask) {
        if (s->slot[k].tag != tag)
            continue;
        g = &s->g[s->slot[k].g - 1];
        if (g->oid[0] == r->oid[0] && g->oid[1] == r->oid[1])
            break;
        g = NULL;
    }
    if (!g) {
        g = &s->g[s->n_g++];
        s->slot[k] = (gslot_t){(uint32_t)s->n_g, tag};
        memcpy(g->oid, r->oid, sizeof g->oid);
        g->head = (uint32_t)i;
        g->n = 0;
        g->max_seq = 0;
    } else {
        s->next[g->last] = (uint32_t)i;
    }
    g->last = (uint32_t)i;
    g->n++;
    if (r->seq > g->max_seq)
        g->max_seq = r->seq;
}

/* Rows numbered (from, to] from the tail's row start on, each number
 * once, grouped by order as they are read; false when one is missing or
 * doubled (or out of memory). The grouping table starts at about a slot
 * for two rows' orders and grows when half full; its slot for a row some
 * rows ahead is prefetched. */
static bool scan_rows(const otail_map_t *m, size_t start, uint64_t from, uint64_t to, scan_t *s)
{
    memset(s, 0, sizeof *s);
    uint64_t want = to - from;
    size_t cap = 16;
    while (cap < want / 2)
        cap *= 2;
    uint64_t *seen = calloc(want / 64 + 1, 8);
    size_t nr = want ? want : 1;
    s->row = an_big_alloc(nr * sizeof *s->row, false);
    s->next = an_big_alloc(nr * sizeof *s->next, false);
    s->g = an_big_alloc(nr * sizeof *s->g, false);
    s->slot = an_big_alloc(cap * sizeof *s->slot, true);
    s->mask = cap - 1;
    bool ok = seen && s->row && s->next && s->g && s->slot;
    s->next_row = m->n;
    bool stopped = false;
    if (start > m->n)
        start = 0; /* the tail was cut since: read it all */
    if (ok && m->n > start)
        madvise((void *)((uintptr_t)&m->rows[start] & ~(uintptr_t)4095),
                (m->n - start) * sizeof *m->rows + 4096, MADV_WILLNEED);
    enum { AHEAD = 16 };
    for (size_t i = start; ok && i < m->n; i++) {
        if (i + AHEAD < m->n) /* a hint only: the row is not checked yet */
            __builtin_prefetch(&s->slot[gslot_of(m->rows[i + AHEAD].oid, s->mask)]);
        const otail_row_t *r = &m->rows[i];
        if (!otail_row_ok(m->rows, i, m->n) || r->seq <= from)
            continue;
        if (r->seq > to) {
            if (!stopped)
                s->next_row = i;
            stopped = true;
            continue;
        }
        uint64_t b = r->seq - from - 1;
        if (seen[b / 64] & (1ull << (b % 64)))
            ok = false; /* two rows with one number */
        seen[b / 64] |= 1ull << (b % 64);
        if (!ok)
            break;
        if (s->n_g * 2 >= s->mask + 1 && !group_grow(s))
            ok = false;
        else
            group_add(s, r);
    }
    free(seen);
    return ok && s->n == want;
}

/* ---- the refresh ---- */

typedef struct run {
    ordo_store_t *store;
    const otail_map_t *m;
    const an_outcomes_t *old; /* NULL: every state folded from nothing */
    const ost_file_t *sf;     /* the saved states (incremental) */
    uint64_t from;
    an_outcomes_t *delta;       /* v: a row a group, at the group's index until compacted */
    an_otail_t *ctx;            /* st: a state a group; pos: first each group's row in old */
    uint8_t *has_row;           /* [group]: the group gave a delta row */
    pthread_mutex_t store_lock; /* the store is read by one thread at a time */
} run_t;

/* One thread's part of the fold: groups [lo, hi). */
typedef struct fold {
    run_t *r;
    const scan_t *s;
    size_t lo, hi;
    const otail_row_t **ev; /* one order's rows, sorted */
    size_t ev_cap;
    uint64_t read_sqlite; /* orders read from SQLite */
    long at;              /* the order's row in old: -1 none, -2 not looked up */
    int rc;
    ordo_error_t err;
} fold_t;

/* The order of g read from SQLite (its delta row o, when it changed since
 * the facts); its state: none (read so next time). */
static int order_from_store(fold_t *f, const grp_t *g, const otail_row_t *row, an_ostate_t *st,
                            an_outcome_t *o, bool *has_row)
{
    run_t *r = f->r;
    memset(st, 0, sizeof *st);
    memcpy(st->oid, g->oid, sizeof st->oid);
    f->read_sqlite++;
    if (g->max_seq <= r->from)
        return ORDO_OK; /* unchanged since the facts: no row to write */
    const char *oid, *eid;
    size_t ol, el;
    char order_id[ORDO_OUTCOME_ID_MAX];
    if (!otail_ids_get(r->m, row->ids, row->seq, &oid, &ol, &eid, &el))
        return ORDO_ENOENT; /* the order unknown: the refresh reads SQLite */
    memcpy(order_id, oid, ol);
    order_id[ol] = 0;
    ordo_outcome_summary_t sm;
    pthread_mutex_lock(&r->store_lock);
    int rc = ordo_store_outcome_get(r->store, order_id, &sm, &f->err);
    pthread_mutex_unlock(&r->store_lock);
    if (rc)
        return rc;
    an_outcome_from_summary(&sm, o);
    *has_row = true;
    return ORDO_OK;
}

/* The state to fold g's new rows onto: a fresh one, the saved one, or
 * NULL when there is none usable. A saved state is used only when it
 * makes the order's row as the outcome facts hold it: the states are not
 * synced before their header is sealed, so after a power loss a state may
 * be older than its row (checksum and all), and folding on it would miss
 * the events between; such an order is read from SQLite. (A row as old as
 * its state fails the outcome facts' row sum at the next analysis.) */
static bool start_state(const run_t *r, long at, const grp_t *g, an_ostate_t *st)
{
    if (at < 0) {
        memset(st, 0, sizeof *st);
        memcpy(st->oid, g->oid, sizeof st->oid);
        st->valid = 1;
        return true;
    }
    if ((size_t)at >= r->sf->n)
        return false;
    *st = r->sf->st[at];
    if (!st->valid || st->oid[0] != g->oid[0] || st->oid[1] != g->oid[1] || st->sum != st_sum(st))
        return false;
    an_outcome_t o;
    st_out(st, &o);
    return !memcmp(&o, &r->old->v[at], sizeof o);
}

/* One order's new rows folded onto its state (or the order read from
 * SQLite), its row o of the delta when it changed after from. */
static int fold_group(fold_t *f, const grp_t *g, an_ostate_t *st, an_outcome_t *o, bool *has_row)
{
    run_t *r = f->r;
    const scan_t *s = f->s;
    *has_row = false;
    if (g->n > f->ev_cap) {
        size_t cap = g->n * 2;
        const otail_row_t **p = realloc(f->ev, cap * sizeof *p);
        if (!p)
            return ordo_error_set(&f->err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        f->ev = p;
        f->ev_cap = cap;
    }
    const otail_row_t **ev = f->ev;
    size_t n = 0;
    for (uint32_t i = g->head; i != UINT32_MAX; i = s->next[i])
        ev[n++] = s->row[i];
    f->at = r->old && r->sf ? an_outcomes_find(r->old, g->oid) : -2;
    bool tied = false;
    bool ok = n <= OST_SORT_MAX && rows_sort(r->m, ev, n, &tied) && start_state(r, f->at, g, st);
    /* an event before one already folded, or not to be told: SQLite. The
     * new events at the last folded one's time are each compared with it
     * (a group of them left in tail order has no least one first) */
    if (ok && st->last_seq && st->last_tied)
        ok = ev[0]->at > st->last_at;
    else if (ok && st->last_seq)
        for (size_t i = 0; ok && i < n && ev[i]->at <= st->last_at; i++)
            ok = key_cmp(r->m, ev[i], st->last_at, st->last_seq, st->last_ids) > 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = st_add(st, ev[i]);
    st->last_tied = tied;
    if (!ok)
        return order_from_store(f, g, ev[0], st, o, has_row);
    st->sum = st_sum(st);
    if (g->max_seq <= r->from)
        return ORDO_OK;
    st_out(st, o);
    *has_row = true;
    return ORDO_OK;
}

/* Groups [f->lo, f->hi): each one's state, delta row (at the group's
 * index) and row in old. */
static void *fold_part(void *arg)
{
    fold_t *f = arg;
    run_t *r = f->r;
    an_otail_t *c = r->ctx;
    for (size_t i = f->lo; i < f->hi && !f->rc; i++) {
        bool has = false;
        f->rc = fold_group(f, &f->s->g[i], &c->st[i], &r->delta->v[i], &has);
        r->has_row[i] = has;
        c->pos[i] = f->at;
    }
    free(f->ev);
    f->ev = NULL;
    return NULL;
}

/* Groups folded on two threads from this many on (an_otail_threads). */
#define OST_SPLIT_MIN 4096
int an_otail_threads = 2;

/* Folds every group; the states into r->ctx, the delta rows into
 * r->delta. With two threads each folds a half of the groups (by their
 * order in the tail) into the group's own places, so the states, rows and
 * positions are those of one thread; then the rows are compacted and the
 * positions given in group order, as one thread gives them. */
static int fold_all(run_t *r, const scan_t *s, uint64_t *read_sqlite, ordo_error_t *err)
{
    size_t n = s->n_g ? s->n_g : 1; /* a state and a delta row a group at most */
    an_otail_t *c = r->ctx;
    c->st = an_big_alloc(n * sizeof *c->st, false);
    c->pos = an_big_alloc(n * sizeof *c->pos, false);
    c->hint = r->sf ? an_big_alloc(n * sizeof *c->hint, false) : NULL; /* else not looked up */
    r->delta->v = an_big_alloc(n * sizeof *r->delta->v, false);
    r->has_row = malloc(n);
    if (!c->st || !c->pos || (r->sf && !c->hint) || !r->delta->v || !r->has_row)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    r->delta->cap = n;
    fold_t part[2] = {{.r = r, .s = s, .lo = 0, .hi = s->n_g},
                      {.r = r, .s = s, .lo = s->n_g, .hi = s->n_g}};
    pthread_t th;
    bool two = an_otail_threads > 1 && s->n_g >= OST_SPLIT_MIN;
    if (two) {
        part[0].hi = part[1].lo = s->n_g / 2;
        two = !pthread_create(&th, NULL, fold_part, &part[1]);
        if (!two)
            part[0].hi = s->n_g;
    }
    fold_part(&part[0]);
    if (two)
        pthread_join(th, NULL);
    *read_sqlite = part[0].read_sqlite + part[1].read_sqlite;
    for (int k = 0; k < 2; k++)
        if (part[k].rc) {
            *err = part[k].err;
            return part[k].rc;
        }
    /* rows keep their places; new orders' rows come after the old ones in
     * the delta's order (ofacts_io.c) */
    size_t rows = 0, fresh = 0;
    for (size_t i = 0; i < s->n_g; i++) {
        long at = (long)c->pos[i];
        if (r->has_row[i]) {
            if (rows != i)
                r->delta->v[rows] = r->delta->v[i];
            if (c->hint)
                c->hint[rows] = at;
            rows++;
        }
        c->pos[i] = at >= 0 ? at : at == -1 && r->has_row[i] ? (int64_t)(r->old->n + fresh++) : -1;
    }
    c->n_st = s->n_g;
    r->delta->n = rows;
    r->delta->hint = c->hint;
    return ORDO_OK;
}

int an_otail_delta(const char *factsdir, const char *db, int64_t ino, ordo_store_t *store,
                   const an_outcomes_t *old, uint64_t from, uint64_t to, an_outcomes_t *delta,
                   an_otail_t **out, ordo_error_t *err)
{
    memset(delta, 0, sizeof *delta);
    memset(&an_otail_last, 0, sizeof an_otail_last);
    *out = NULL;
    an_otail_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ctx->fd = -1;
    snprintf(ctx->path, sizeof ctx->path, "%s/outcome_state", factsdir);
    const char *th = getenv("ORDO_OTAIL_THREADS"); /* 1: one thread (bench, callgrind) */
    if (th && atoi(th) == 1)
        an_otail_threads = 1;
    ost_file_t sf;
    bool have = ost_load(ctx->path, from, old->n, &sf);
    /* without saved states every order is folded from its first event:
     * the whole tail is read, and must hold every number */
    ctx->all = !have;
    ctx->old_n = have ? old->n : 0;
    otail_map_t m;
    scan_t s;
    int rc = ORDO_ENOENT;
    uint64_t t0 = ordo_now_ns();
    if (otail_map_open(db, ino, &m)) {
        if (scan_rows(&m, have ? sf.h.tail_row : 0, ctx->all ? 0 : from, to, &s)) {
            run_t r = {.store = store,
                       .m = &m,
                       .old = old,
                       .sf = have ? &sf : NULL,
                       .from = from,
                       .delta = delta,
                       .ctx = ctx};
            pthread_mutex_init(&r.store_lock, NULL);
            ctx->tail_row = s.next_row;
            uint64_t t1 = ordo_now_ns(), sqlite = 0;
            rc = fold_all(&r, &s, &sqlite, err);
            free(r.has_row);
            pthread_mutex_destroy(&r.store_lock);
            an_otail_last = (an_otail_stats_t){.tail = !rc,
                                               .all = ctx->all,
                                               .rows = s.n,
                                               .orders = delta->n,
                                               .from_sqlite = sqlite,
                                               .ns_scan = t1 - t0,
                                               .ns_fold = ordo_now_ns() - t1};
        }
        scan_free(&s);
        otail_map_close(&m);
    }
    ost_close(&sf);
    delta->events = to;
    if (rc) {
        an_otail_free(ctx);
        an_outcomes_free(delta);
        return rc;
    }
    *out = ctx;
    return ORDO_OK;
}

/* States of consecutive rows written with one pwritev a run (the new
 * orders' states, appended: no page of the file mapped and faulted one by
 * one); ok false after a failed write. */
typedef struct ost_run {
    struct iovec iov[256];
    int n;
    size_t at; /* the first state's row */
    bool ok;
} ost_run_t;

static void run_flush(int fd, ost_run_t *w)
{
    size_t len = (size_t)w->n * sizeof(an_ostate_t);
    off_t off = (off_t)(sizeof(ost_hdr_t) + w->at * sizeof(an_ostate_t));
    if (w->n && pwritev(fd, w->iov, w->n, off) != (ssize_t)len)
        w->ok = false;
    w->n = 0;
}

static void run_add(int fd, ost_run_t *w, const an_ostate_t *st, size_t at)
{
    if (w->n && (w->n == (int)(sizeof w->iov / sizeof w->iov[0]) || at != w->at + (size_t)w->n))
        run_flush(fd, w);
    if (!w->n)
        w->at = at;
    w->iov[w->n++] = (struct iovec){(void *)st, sizeof *st};
}

/* The states whose rows are known (pos) written: in place when the file
 * held the states of the facts refreshed (rows keep their places; new
 * orders' rows at the end start as zeros: no state), else anew; the rows
 * the file held through a mapping (scattered: a page each), the others
 * with pwritev. The header was marked stale first. */
static void *save_run(void *arg)
{
    an_otail_t *ctx = arg;
    uint64_t t0 = ordo_now_ns();
    size_t len = sizeof(ost_hdr_t) + ctx->n * sizeof(an_ostate_t);
    bool anew = ctx->all || ctx->old_n > ctx->n;
    size_t kept = anew ? 0 : ctx->old_n; /* rows whose states are in the file */
    bool ok =
        (!anew || !ftruncate(ctx->fd, (off_t)sizeof(ost_hdr_t))) && !ftruncate(ctx->fd, (off_t)len);
    size_t map_len = sizeof(ost_hdr_t) + kept * sizeof(an_ostate_t);
    an_ostate_t *map = NULL;
    ost_run_t w = {.ok = true};
    for (size_t i = 0; ok && i < ctx->n_st; i++) {
        int64_t at = ctx->pos[i];
        if (at < 0 || (size_t)at >= ctx->n)
            continue; /* looked up at the end */
        if ((size_t)at >= kept) {
            run_add(ctx->fd, &w, &ctx->st[i], (size_t)at);
            continue;
        }
        if (!map) {
            void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->fd, 0);
            ok = m != MAP_FAILED;
            map = ok ? (an_ostate_t *)((char *)m + sizeof(ost_hdr_t)) : NULL;
            if (!ok)
                break;
        }
        map[at] = ctx->st[i];
    }
    run_flush(ctx->fd, &w);
    if (map)
        munmap((char *)map - sizeof(ost_hdr_t), map_len);
    ctx->ok = ok && w.ok;
    ctx->ns = ordo_now_ns() - t0;
    return NULL;
}

/* Starts writing ctx's states for outcome facts of n rows, on a thread of
 * its own while the outcome facts are applied (a file each: the kernel's
 * copies into the page cache of both at once), or here. The header is
 * marked stale first: until an_otail_save_end seals it the file holds no
 * states (a crash between, a failed apply: the next refresh folds the
 * whole tail). */
void an_otail_save_start(an_otail_t *ctx, size_t n)
{
    ctx->n = n;
    ctx->ok = false;
    ctx->fd = open(ctx->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (ctx->fd < 0)
        return;
    ost_hdr_t h;
    hdr_fill(&h, 0, 0, 0);
    if (pwrite(ctx->fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        close(ctx->fd);
        ctx->fd = -1;
        return;
    }
    ctx->started = an_otail_threads > 1 && !pthread_create(&ctx->th, NULL, save_run, ctx);
    if (!ctx->started)
        save_run(ctx);
}

/* Ends the save for oc (the outcome facts as saved, at oc->events; NULL:
 * they were not): the states whose rows were not known are written at
 * theirs, every state is checked to stand at its order's row, and the
 * header is sealed, without fdatasync (a state older than its row after
 * a power loss is not used: start_state). Best effort: a failure leaves
 * no states. */
void an_otail_save_end(an_otail_t *ctx, const an_outcomes_t *oc)
{
    if (ctx->started)
        pthread_join(ctx->th, NULL);
    ctx->started = false;
    if (ctx->fd < 0)
        return;
    uint64_t t0 = ordo_now_ns();
    bool ok = ctx->ok && oc && oc->n == ctx->n;
    ost_run_t w = {.ok = true};
    for (size_t i = 0; ok && i < ctx->n_st; i++) {
        int64_t p = ctx->pos[i];
        const an_ostate_t *st = &ctx->st[i];
        if (p >= 0 && (size_t)p < oc->n) {
            ok = oc->v[p].oid[0] == st->oid[0] && oc->v[p].oid[1] == st->oid[1];
            continue;
        }
        long at = an_outcomes_find(oc, st->oid); /* every order's (no saved states) */
        if (at >= 0)
            run_add(ctx->fd, &w, st, (size_t)at);
    }
    run_flush(ctx->fd, &w);
    if (ok && w.ok) {
        ost_hdr_t h;
        hdr_fill(&h, oc->events, oc->n, ctx->tail_row);
        (void)!pwrite(ctx->fd, &h, sizeof h, 0);
    }
    close(ctx->fd);
    ctx->fd = -1;
    an_otail_last.ns_save = ctx->ns + (ordo_now_ns() - t0);
}

void an_otail_free(an_otail_t *ctx)
{
    if (!ctx)
        return;
    if (ctx->started || ctx->fd >= 0)
        an_otail_save_end(ctx, NULL);
    free(ctx->st);
    free(ctx->pos);
    free(ctx->hint);
    free(ctx);
}
