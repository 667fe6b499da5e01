/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the outcome tail: rows of committed outcome events beside
 * the SQLite store (outcome_tail.h; docs/internals/STORE.md "Outcome
 * tail"). The writer keeps an event's row from its insert to the outermost
 * commit, then appends the transaction's rows with one write under an
 * exclusive flock; a rolled-back event's row is dropped with it. */
#include "outcome_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <xxhash.h>

#include "ordo/util.h"

#define OTAIL_DEPTHS 16
static const char otail_magic[8] = {'O', 'R', 'D', 'O', 'O', 'T', 'L', '2'};
static const char ids_magic[8] = {'O', 'R', 'D', 'O', 'O', 'I', 'D', '2'};

typedef struct otail_hdr {
    char magic[8];
    uint32_t version, row_size;
    int64_t db_ino; /* the database file this tail belongs to */
    uint8_t reserved[32];
    uint64_t sum;
} otail_hdr_t;
_Static_assert(sizeof(otail_hdr_t) == OTAIL_HDR, "outcome tail header");

struct otail {
    char db[4096], path[4200], ids_path[4200];
    int fd, ids_fd;   /* -1: not open yet */
    bool checked;     /* the end of the tail checked against the store once */
    sqlite3 *sdb;     /* the connection inserting (its change seq) */
    sqlite3_stmt *max_seq;
    uint64_t last;    /* change seq of the event inserted last */
    bool last_known;  /* false: read max(seq) at the next insert */
    size_t tx_events; /* events inserted in the open transaction */
    otail_row_t *pend; /* rows of the open transaction (ids: offset in idb) */
    size_t n, cap;
    char *idb; /* their ids records */
    size_t idn, idcap;
    size_t mark[OTAIL_DEPTHS]; /* n when savepoint depth began */
};

int otail_path(const char *db, char *out, size_t cap)
{
    int k = snprintf(out, cap, "%s-outcomes", db);
    return k > 0 && (size_t)k < cap ? 0 : -1;
}

int otail_ids_path(const char *db, char *out, size_t cap)
{
    int k = snprintf(out, cap, "%s-outcomes-ids", db);
    return k > 0 && (size_t)k < cap ? 0 : -1;
}

static uint32_t row_sum(const void *r)
{
    return (uint32_t)XXH3_64bits(r, offsetof(otail_row_t, sum));
}

void otail_row_seal(otail_row_t *r)
{
    r->sum = row_sum(r);
}

void otail_more_seal(otail_more_t *m)
{
    m->sum = row_sum(m);
}

bool otail_row_ok(const otail_row_t *rows, size_t i, size_t n)
{
    const otail_row_t *r = &rows[i];
    if (!r->seq || (r->seq & OTAIL_MORE) || r->sum != row_sum(r))
        return false;
    if (!(r->flags & OTAIL_F_MORE))
        return true;
    if (i + 1 >= n)
        return false;
    const otail_more_t *m = (const otail_more_t *)&rows[i + 1];
    return m->seq == (r->seq | OTAIL_MORE) && m->n < OTAIL_NUMS &&
           m->sum == row_sum(m);
}

int otail_row_nums(const otail_row_t *r, double num[OTAIL_NUMS])
{
    int k = 0;
    num[k++] = r->num;
    if (r->flags & OTAIL_F_MORE) {
        const otail_more_t *m = (const otail_more_t *)(r + 1);
        for (uint32_t i = 0; i < m->n; i++)
            num[k++] = m->num[i];
    }
    return k;
}

static uint32_t ids_sum(uint64_t seq, const char *s, size_t olen, size_t elen)
{
    return (uint32_t)XXH3_64bits_withSeed(s, olen + elen, seq ^ (olen << 8 | elen) << 48);
}

bool otail_ids_get(const otail_map_t *m, uint64_t off, uint64_t seq, const char **order_id,
                   size_t *olen, const char **event_id, size_t *elen)
{
    otail_ids_t h;
    if (!m->ids || off < OTAIL_HDR || off > m->ids_len || m->ids_len - off < sizeof h)
        return false;
    memcpy(&h, m->ids + off, sizeof h);
    const char *s = m->ids + off + sizeof h;
    if (h.seq != seq || m->ids_len - off - sizeof h < (size_t)h.olen + h.elen ||
        h.sum != ids_sum(seq, s, h.olen, h.elen))
        return false;
    *order_id = s;
    *olen = h.olen;
    *event_id = s + h.olen;
    *elen = h.elen;
    return true;
}

static void hdr_make(otail_hdr_t *h, int64_t ino, const char *magic)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, magic, 8);
    h->version = OTAIL_VERSION;
    h->row_size = sizeof(otail_row_t);
    h->db_ino = ino;
    h->sum = XXH3_64bits(h, offsetof(otail_hdr_t, sum));
}

/* A header of this format and this database (a tail of format 1, with
 * 256-byte rows, is not read: the next writer begins the tail anew). */
static bool hdr_ok(const otail_hdr_t *h, int64_t ino, const char *magic)
{
    return !memcmp(h->magic, magic, 8) && h->version == OTAIL_VERSION &&
           h->row_size == sizeof(otail_row_t) && h->db_ino == ino &&
           h->sum == XXH3_64bits(h, offsetof(otail_hdr_t, sum));
}

/* ---- reader ---- */

/* Maps the file at path read-only when its header is of database ino. */
static void *map_file(const char *path, int64_t ino, const char *magic, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    otail_hdr_t h;
    void *map = NULL;
    if (!fstat(fd, &st) && st.st_size >= (off_t)OTAIL_HDR &&
        pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && hdr_ok(&h, ino, magic)) {
        *len = (size_t)st.st_size;
        map = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            map = NULL;
    }
    close(fd);
    return map;
}

bool otail_map_open(const char *db, int64_t ino, otail_map_t *m)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    if (otail_path(db, path, sizeof path) ||
        !(m->map = map_file(path, ino, otail_magic, &m->len))) {
        memset(m, 0, sizeof *m);
        return false;
    }
    m->rows = (const otail_row_t *)((const char *)m->map + OTAIL_HDR);
    m->n = (m->len - OTAIL_HDR) / sizeof(otail_row_t);
    if (!otail_ids_path(db, path, sizeof path))
        m->ids = map_file(path, ino, ids_magic, &m->ids_len);
    return true;
}

void otail_map_close(otail_map_t *m)
{
    if (m->map)
        munmap(m->map, m->len);
    if (m->ids)
        munmap((void *)m->ids, m->ids_len);
    memset(m, 0, sizeof *m);
}

/* ---- writer ---- */

otail_t *otail_new(const char *db)
{
    otail_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->db, sizeof t->db, "%s", db);
    if (otail_path(db, t->path, sizeof t->path) ||
        otail_ids_path(db, t->ids_path, sizeof t->ids_path)) {
        free(t);
        return NULL;
    }
    t->fd = t->ids_fd = -1;
    return t;
}

void otail_free(otail_t *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    if (t->ids_fd >= 0)
        close(t->ids_fd);
    sqlite3_finalize(t->max_seq);
    free(t->pend);
    free(t->idb);
    free(t);
}

/* Keeps the pending rows [0, n) and their ids records. */
static void pend_cut(otail_t *t, size_t n)
{
    t->idn = n < t->n ? (size_t)t->pend[n].ids : t->idn;
    t->n = n;
}

void otail_begin(otail_t *t, int depth)
{
    if (!t)
        return;
    if (depth <= 1) {
        t->n = t->idn = 0;
        t->tx_events = 0;
        t->last_known = false;
    }
    if (depth >= 1 && depth < OTAIL_DEPTHS)
        t->mark[depth] = t->n;
}

void otail_rollback(otail_t *t, int depth)
{
    if (!t)
        return;
    pend_cut(t, depth > 1 && depth < OTAIL_DEPTHS ? t->mark[depth] : 0);
    t->last_known = false; /* the seqs of the rolled-back events are free again */
}

/* The store's last change seq (the connection's view). */
static bool store_max_seq(otail_t *t, uint64_t *seq)
{
    if (!t->max_seq && sqlite3_prepare_v2(t->sdb, "SELECT coalesce(max(seq), 0) FROM outcome_change",
                                          -1, &t->max_seq, NULL) != SQLITE_OK)
        return false;
    bool ok = sqlite3_step(t->max_seq) == SQLITE_ROW;
    if (ok)
        *seq = (uint64_t)sqlite3_column_int64(t->max_seq, 0);
    sqlite3_reset(t->max_seq);
    return ok;
}

static bool open_tail(otail_t *t)
{
    if (t->fd < 0)
        t->fd = open(t->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return t->fd >= 0;
}

/* true when the row at off of the tail is to be cut: damaged, numbered
 * past committed, or an event row whose continuation is missing. */
static bool cut_row(int fd, off_t off, off_t end, uint64_t committed)
{
    otail_row_t r[2];
    if (pread(fd, &r[0], sizeof r[0], off) != (ssize_t)sizeof r[0])
        return false;
    if (r[0].seq & OTAIL_MORE) {
        otail_more_t *m = (otail_more_t *)&r[0];
        return m->sum != row_sum(m) || (m->seq & ~OTAIL_MORE) > committed;
    }
    if (r[0].flags & OTAIL_F_MORE && off + (off_t)sizeof r[0] == end)
        return true;
    return !r[0].seq || r[0].sum != row_sum(&r[0]) || r[0].seq > committed;
}

/* Once per writer, at its first event, while it holds the store's write
 * lock (no one else can commit): rows at the end numbered past committed,
 * the store's last change seq, were never committed (the store lost a
 * commit its rows outlived: synchronous OFF or NORMAL and a power cut, or
 * a forged file); cut them, so that the events that take those numbers
 * are not shadowed. A part row at the end (a torn append) goes too. */
static void cut_uncommitted(otail_t *t, uint64_t committed)
{
    t->checked = true;
    struct stat st;
    if (!open_tail(t) || flock(t->fd, LOCK_EX))
        return;
    if (!fstat(t->fd, &st) && st.st_size >= (off_t)OTAIL_HDR) {
        off_t end = st.st_size - (st.st_size - (off_t)OTAIL_HDR) % (off_t)sizeof(otail_row_t);
        while (end - (off_t)sizeof(otail_row_t) >= (off_t)OTAIL_HDR &&
               cut_row(t->fd, end - (off_t)sizeof(otail_row_t), end, committed))
            end -= (off_t)sizeof(otail_row_t);
        if (end != st.st_size)
            (void)!ftruncate(t->fd, end);
    }
    flock(t->fd, LOCK_UN);
}

#define OTAIL_CHUNK 4096 /* rows otail_committed keeps before it appends */

/* Room for two more rows and e's ids record; false: out of memory. */
static bool pend_room(otail_t *t, size_t ids)
{
    if (t->n + 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        otail_row_t *p = realloc(t->pend, cap * sizeof *p);
        if (!p)
            return false;
        t->pend = p;
        t->cap = cap;
    }
    if (t->idn + ids > t->idcap) {
        size_t cap = t->idcap ? t->idcap * 2 : 4096;
        while (cap < t->idn + ids)
            cap *= 2;
        char *p = realloc(t->idb, cap);
        if (!p)
            return false;
        t->idb = p;
        t->idcap = cap;
    }
    return true;
}

/* e's ids record at the end of the pending ones; its offset there. */
static uint64_t ids_add(otail_t *t, const ordo_outcome_event_t *e, size_t ol, size_t el)
{
    otail_ids_t h = {.seq = t->last, .olen = (uint8_t)ol, .elen = (uint8_t)el};
    size_t at = t->idn, len = (sizeof h + ol + el + 7) & ~(size_t)7;
    char *p = t->idb + at;
    memset(p, 0, len);
    memcpy(p + sizeof h, e->order_id, ol);
    memcpy(p + sizeof h + ol, e->event_id, el);
    h.sum = ids_sum(h.seq, p + sizeof h, ol, el);
    memcpy(p, &h, sizeof h);
    t->idn += len;
    return at;
}

/* e's numbers in the tail's order: cost parts given, refund, value. */
static int event_nums(const ordo_outcome_event_t *e, double num[OTAIL_NUMS])
{
    int k = 0;
    for (int p = 0; p < ORDO_COST_PARTS; p++)
        if (e->cost_mask & (1u << p))
            num[k++] = e->cost[p];
    if (e->has_refund)
        num[k++] = e->refund;
    if (e->type == ORDO_OUTCOME_MEASURE)
        num[k++] = e->value;
    return k;
}

/* e's row, numbered t->last, kept until the commit (sealed there, once
 * its ids record has its place in the ids file). */
static void add_row(otail_t *t, const ordo_outcome_event_t *e)
{
    if (!t->checked && t->tx_events == 0)
        cut_uncommitted(t, t->last - 1);
    t->tx_events++;
    size_t ol = strnlen(e->order_id, ORDO_OUTCOME_ID_MAX - 1),
           el = strnlen(e->event_id, ORDO_OUTCOME_ID_MAX - 1);
    if (!pend_room(t, sizeof(otail_ids_t) + ol + el + 8))
        return; /* a gap: readers take this event from SQLite */
    otail_row_t *r = &t->pend[t->n++];
    memset(r, 0, sizeof *r);
    r->seq = t->last;
    XXH128_hash_t h = XXH3_128bits(e->order_id, ol);
    r->oid[0] = h.low64;
    r->oid[1] = h.high64;
    r->at = e->at;
    r->ids = ids_add(t, e, ol, el);
    r->shipment = e->shipment;
    r->type = (uint8_t)e->type;
    r->cost_mask = (uint8_t)e->cost_mask;
    r->measure = e->type == ORDO_OUTCOME_MEASURE ? (uint8_t)e->measure : 0;
    int64_t d = e->promised_by - e->at;
    r->flags = (uint8_t)(e->has_refund ? OTAIL_F_REFUND : 0);
    if (e->promised_by && d >= INT32_MIN && d <= INT32_MAX) {
        r->flags |= OTAIL_F_PROMISE;
        r->promise = (int32_t)d;
    } else if (e->promised_by) {
        r->flags |= OTAIL_F_SQLITE;
    }
    double num[OTAIL_NUMS + 1];
    int k = event_nums(e, num);
    r->num = k ? num[0] : 0;
    if (k > 1) {
        r->flags |= OTAIL_F_MORE;
        otail_more_t *m = (otail_more_t *)&t->pend[t->n++];
        memset(m, 0, sizeof *m);
        m->seq = r->seq | OTAIL_MORE;
        m->n = (uint32_t)(k - 1);
        memcpy(m->num, num + 1, (size_t)(k - 1) * sizeof *num);
        otail_more_seal(m);
    }
}

void otail_inserted(otail_t *t, sqlite3 *db, const ordo_outcome_event_t *e)
{
    if (!t)
        return;
    t->sdb = db;
    /* rowids of outcome_change are max + 1 (writers serialised) */
    if (t->last_known)
        t->last++;
    else
        t->last_known = store_max_seq(t, &t->last);
    if (!t->last_known)
        return; /* a gap: readers take this event from SQLite */
    add_row(t, e);
    if (sqlite3_get_autocommit(db))
        otail_commit(t, 1); /* no transaction: committed already */
}

void otail_committed(otail_t *t, sqlite3 *db, const ordo_outcome_event_t *e, uint64_t seq)
{
    if (!t)
        return;
    t->sdb = db;
    t->last = seq;
    t->last_known = true;
    add_row(t, e);
    if (t->n >= OTAIL_CHUNK)
        otail_commit(t, 1);
}

/* The file fd ready for an append (the tail's lock held): a header of this
 * database, whole units of unit bytes only (a torn append's part cut). */
static bool file_ready(int fd, int64_t ino, const char *magic, size_t unit, off_t *end)
{
    struct stat st;
    if (fstat(fd, &st))
        return false;
    otail_hdr_t h;
    off_t size = st.st_size;
    if (size < (off_t)OTAIL_HDR || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        !hdr_ok(&h, ino, magic)) {
        /* missing, torn, of format 1 or another database's: begin anew
         * (readers see a tail without the events before: gaps they fill
         * from SQLite) */
        hdr_make(&h, ino, magic);
        *end = OTAIL_HDR;
        return !ftruncate(fd, 0) && write(fd, &h, sizeof h) == (ssize_t)sizeof h;
    }
    *end = size - (size - (off_t)OTAIL_HDR) % (off_t)unit;
    return *end == size || !ftruncate(fd, *end);
}

/* The pending ids records appended to the ids file; the rows told where
 * and sealed. false: not (the rows are not appended either: a gap). */
static bool ids_append(otail_t *t, int64_t ino)
{
    if (t->ids_fd < 0)
        t->ids_fd = open(t->ids_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    off_t base;
    if (t->ids_fd < 0 || !file_ready(t->ids_fd, ino, ids_magic, 8, &base) ||
        write(t->ids_fd, t->idb, t->idn) != (ssize_t)t->idn)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        otail_row_t *r = &t->pend[i];
        if (r->seq & OTAIL_MORE)
            continue;
        r->ids += (uint64_t)base;
        otail_row_seal(r);
    }
    return true;
}

void otail_commit(otail_t *t, int depth)
{
    if (!t || depth > 1 || !t->n)
        return;
    struct stat dbst;
    off_t end;
    if (open_tail(t) && !flock(t->fd, LOCK_EX)) {
        if (!stat(t->db, &dbst) &&
            file_ready(t->fd, (int64_t)dbst.st_ino, otail_magic, sizeof(otail_row_t), &end) &&
            ids_append(t, (int64_t)dbst.st_ino)) {
            size_t len = t->n * sizeof *t->pend;
            ssize_t w = write(t->fd, t->pend, len);
            (void)w; /* short or failed: a torn or missing part, a gap */
        }
        flock(t->fd, LOCK_UN);
    }
    t->n = t->idn = 0;
}
