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
static const char otail_magic[8] = {'O', 'R', 'D', 'O', 'O', 'T', 'L', '1'};

typedef struct otail_hdr {
    char magic[8];
    uint32_t version, row_size;
    int64_t db_ino; /* the database file this tail belongs to */
    uint8_t reserved[32];
    uint64_t sum;
} otail_hdr_t;
_Static_assert(sizeof(otail_hdr_t) == OTAIL_HDR, "outcome tail header");

struct otail {
    char db[4096], path[4200];
    int fd;           /* -1: not open yet */
    bool checked;     /* the end of the tail checked against the store once */
    sqlite3 *sdb;     /* the connection inserting (its change seq) */
    sqlite3_stmt *max_seq;
    uint64_t last;    /* change seq of the event inserted last */
    bool last_known;  /* false: read max(seq) at the next insert */
    size_t tx_events; /* events inserted in the open transaction */
    otail_row_t *pend; /* rows of the open transaction */
    size_t n, cap;
    size_t mark[OTAIL_DEPTHS]; /* n when savepoint depth began */
};

int otail_path(const char *db, char *out, size_t cap)
{
    int k = snprintf(out, cap, "%s-outcomes", db);
    return k > 0 && (size_t)k < cap ? 0 : -1;
}

static uint64_t row_sum(const otail_row_t *r)
{
    return XXH3_64bits(r, offsetof(otail_row_t, sum));
}

void otail_row_seal(otail_row_t *r)
{
    r->sum = row_sum(r);
}

bool otail_row_ok(const otail_row_t *r)
{
    return r->seq && r->sum == row_sum(r);
}

static void hdr_make(otail_hdr_t *h, int64_t ino)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, otail_magic, 8);
    h->version = 1;
    h->row_size = sizeof(otail_row_t);
    h->db_ino = ino;
    h->sum = XXH3_64bits(h, offsetof(otail_hdr_t, sum));
}

static bool hdr_ok(const otail_hdr_t *h, int64_t ino)
{
    return !memcmp(h->magic, otail_magic, 8) && h->version == 1 &&
           h->row_size == sizeof(otail_row_t) && h->db_ino == ino &&
           h->sum == XXH3_64bits(h, offsetof(otail_hdr_t, sum));
}

/* ---- reader ---- */

bool otail_map_open(const char *db, int64_t ino, otail_map_t *m)
{
    memset(m, 0, sizeof *m);
    char path[4200];
    if (otail_path(db, path, sizeof path))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    otail_hdr_t h;
    bool ok = !fstat(fd, &st) && st.st_size >= (off_t)OTAIL_HDR &&
              pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && hdr_ok(&h, ino);
    if (ok) {
        m->len = (size_t)st.st_size;
        m->map = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
        ok = m->map != MAP_FAILED;
    }
    close(fd);
    if (!ok) {
        memset(m, 0, sizeof *m);
        return false;
    }
    m->rows = (const otail_row_t *)((const char *)m->map + OTAIL_HDR);
    m->n = (m->len - OTAIL_HDR) / sizeof(otail_row_t);
    return true;
}

void otail_map_close(otail_map_t *m)
{
    if (m->map)
        munmap(m->map, m->len);
    memset(m, 0, sizeof *m);
}

/* ---- writer ---- */

otail_t *otail_new(const char *db)
{
    otail_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->db, sizeof t->db, "%s", db);
    if (otail_path(db, t->path, sizeof t->path)) {
        free(t);
        return NULL;
    }
    t->fd = -1;
    return t;
}

void otail_free(otail_t *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    sqlite3_finalize(t->max_seq);
    free(t->pend);
    free(t);
}

void otail_begin(otail_t *t, int depth)
{
    if (!t)
        return;
    if (depth <= 1) {
        t->n = 0;
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
    t->n = depth > 1 && depth < OTAIL_DEPTHS ? t->mark[depth] : 0;
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
        otail_row_t r;
        while (end - (off_t)sizeof r >= (off_t)OTAIL_HDR &&
               pread(t->fd, &r, sizeof r, end - (off_t)sizeof r) == (ssize_t)sizeof r &&
               (!otail_row_ok(&r) || r.seq > committed))
            end -= (off_t)sizeof r;
        if (end != st.st_size)
            (void)!ftruncate(t->fd, end);
    }
    flock(t->fd, LOCK_UN);
}

#define OTAIL_CHUNK 4096 /* rows otail_committed keeps before it appends */

/* e's row, numbered t->last, kept until the commit. */
static void add_row(otail_t *t, const ordo_outcome_event_t *e)
{
    if (!t->checked && t->tx_events == 0)
        cut_uncommitted(t, t->last - 1);
    t->tx_events++;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        otail_row_t *p = realloc(t->pend, cap * sizeof *p);
        if (!p)
            return;
        t->pend = p;
        t->cap = cap;
    }
    otail_row_t *r = &t->pend[t->n++];
    memset(r, 0, sizeof *r);
    r->seq = t->last;
    size_t ol = strlen(e->order_id), el = strlen(e->event_id);
    XXH128_hash_t h = XXH3_128bits(e->order_id, ol);
    r->oid[0] = h.low64;
    r->oid[1] = h.high64;
    r->at = e->at;
    r->promised_by = e->promised_by;
    memcpy(r->cost, e->cost, sizeof r->cost);
    r->refund = e->refund;
    r->value = e->type == ORDO_OUTCOME_MEASURE ? e->value : 0;
    r->shipment = e->shipment;
    r->type = (uint8_t)e->type;
    r->cost_mask = (uint8_t)e->cost_mask;
    r->flags = (uint8_t)((e->has_refund ? OTAIL_F_REFUND : 0) |
                         (el >= OTAIL_EID ? OTAIL_F_EID_CUT : 0));
    r->measure = e->type == ORDO_OUTCOME_MEASURE ? (uint8_t)e->measure : 0;
    memcpy(r->order_id, e->order_id, ol < ORDO_OUTCOME_ID_MAX ? ol : ORDO_OUTCOME_ID_MAX - 1);
    memcpy(r->event_id, e->event_id, el < OTAIL_EID ? el : OTAIL_EID - 1);
    otail_row_seal(r);
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

/* The file ready for an append (lock held): a header of this database,
 * whole rows only (a torn append's part cut), nothing uncommitted. */
static bool tail_ready(otail_t *t)
{
    struct stat st, dbst;
    if (fstat(t->fd, &st) || stat(t->db, &dbst))
        return false;
    otail_hdr_t h;
    off_t size = st.st_size;
    if (size < (off_t)OTAIL_HDR || pread(t->fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        !hdr_ok(&h, (int64_t)dbst.st_ino)) {
        /* missing, torn or another database's: begin anew (readers see a
         * tail without the events before: gaps they fill from SQLite) */
        hdr_make(&h, (int64_t)dbst.st_ino);
        if (ftruncate(t->fd, 0) || write(t->fd, &h, sizeof h) != (ssize_t)sizeof h)
            return false;
        return true;
    }
    off_t whole = size - (size - (off_t)OTAIL_HDR) % (off_t)sizeof(otail_row_t);
    return whole == size || !ftruncate(t->fd, whole);
}

void otail_commit(otail_t *t, int depth)
{
    if (!t || depth > 1 || !t->n)
        return;
    if (open_tail(t) && !flock(t->fd, LOCK_EX)) {
        if (tail_ready(t)) {
            size_t len = t->n * sizeof *t->pend;
            ssize_t w = write(t->fd, t->pend, len);
            (void)w; /* short or failed: a torn or missing part, a gap */
        }
        flock(t->fd, LOCK_UN);
    }
    t->n = 0;
}
