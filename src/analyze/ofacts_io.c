/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the outcome facts on disk (DIR/facts/outcomes, ANALYZE.md
 * "Outcome facts"): every order's outcome summary, keyed by the order id's
 * hash, with its open-addressing index, mapped as it is. A cache of the
 * store: anchored to the store's outcome change seq (every inserted event
 * takes the next number), refreshed by reading only the orders changed
 * since, in place; anything torn or foreign is read again from the store.
 *
 * Layout: 128-byte header, the index slots (an_oslot_t: index + 1, 0
 * empty, and the order id's tag, so an order without outcome is decided
 * from the slots alone), room for a 32-bit checksum per group of
 * GROUP_ROWS rows (one per GROUP_ROWS index slots, 16 at least: rows are
 * fewer), then the rows (an_outcome_t): new rows are appended at the end,
 * a changed order's row is overwritten, and the slots stay where they are
 * until the index is more than 3/4 full (then the file is written anew,
 * atomically). Checksums: each group's own (XXH3 of its rows seeded by its
 * index), and in the header a sum over the groups' hashes and one over
 * the non-empty slots' mixes, both updated by what a refresh changes, so that a
 * refresh hashes only the groups it changes (and checks them before),
 * while opening for an analysis checks every row and slot. A
 * refresher takes an exclusive lock on the file; a reader keeps a shared
 * lock while it maps it, so the file never changes under a running
 * analysis (a refresher that cannot lock applies the new outcomes to a
 * private copy and leaves the file for the next
 * run). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>

#include "../core/xxh3_internal.h"
#include "internal.h"

/* 3: slots before rows, the store's change seq; 4: the operational
 * measures in each row; 5: a tag of the order id in each slot; 6: a
 * checksum per row and sums over rows and slots instead of one over the
 * whole body; 7: a checksum per group of GROUP_ROWS rows */
#define OFACTS_VERSION 7u
#define OFACTS_BODY 128 /* the slots start here */
static const char ofacts_magic[8] = {'O', 'R', 'D', 'O', 'F', 'O', 'C', '2'};

typedef struct ofacts_hdr {
    char magic[8];
    uint32_t version, row_size;
    uint64_t n, slots;
    uint64_t seq;      /* the store's outcome change seq the rows reflect */
    uint64_t row_agg;  /* sum of every group's hash (group_hash) */
    int64_t db_ino;    /* the store's file: another store is another history */
    uint64_t slot_agg; /* sum of every non-empty slot's mix (slot_mix) */
    uint8_t reserved[56];
    uint64_t hdr_sum;
} ofacts_hdr_t;
_Static_assert(sizeof(ofacts_hdr_t) == OFACTS_BODY, "outcome facts header");

/* Rows under one checksum: 2,816 bytes, which XXH3 hashes at ~2.5 times
 * the speed of 16 rows of 176 bytes one by one (its long path, in vector
 * lanes; the short one is twelve scalar 128-bit products a row), while a
 * refresh that changes one row still hashes only 2.8 KB twice. */
#define GROUP_ROWS 16u

static size_t groups_of(size_t n)
{
    return (n + GROUP_ROWS - 1) / GROUP_ROWS;
}

/* Room for the groups' checksums of a file with these index slots (rows
 * are fewer than slots), at least 64 bytes so that the rows stay 64-byte
 * aligned in the file. */
static size_t sum_room(uint64_t slots)
{
    return slots / GROUP_ROWS < 16 ? 16 : (size_t)(slots / GROUP_ROWS);
}

static size_t file_size(const ofacts_hdr_t *h)
{
    return OFACTS_BODY + h->slots * sizeof(an_oslot_t) + sum_room(h->slots) * sizeof(uint32_t) +
           h->n * sizeof(an_outcome_t);
}

static bool header_ok(int fd, ofacts_hdr_t *h, int64_t ino)
{
    struct stat st;
    return !fstat(fd, &st) && pread(fd, h, sizeof *h, 0) == (ssize_t)sizeof *h &&
           !memcmp(h->magic, ofacts_magic, 8) &&
           XXH3_64bits(h, offsetof(ofacts_hdr_t, hdr_sum)) == h->hdr_sum &&
           h->version == OFACTS_VERSION && h->row_size == sizeof(an_outcome_t) && h->slots >= 16 &&
           !(h->slots & (h->slots - 1)) && h->n < h->slots && h->db_ino == ino &&
           (uint64_t)st.st_size == file_size(h);
}

static void header_seal(ofacts_hdr_t *h)
{
    h->hdr_sum = XXH3_64bits(h, offsetof(ofacts_hdr_t, hdr_sum));
}

/* Group g's hash (rows [g * GROUP_ROWS, min(n, (g + 1) * GROUP_ROWS))):
 * its checksum is the low half, the header sums them. XXH3's AVX2 build
 * where the CPU has it (the same value, xxh3_internal.h). */
static uint64_t group_hash(const an_outcomes_t *oc, size_t g)
{
    size_t first = g * GROUP_ROWS, k = oc->n - first < GROUP_ROWS ? oc->n - first : GROUP_ROWS;
    const void *p = &oc->v[first];
#ifdef CORE_XXH3_WIDE
    if (core_xxh3_wide_ok())
        return core_xxh3_64_avx2(p, k * sizeof *oc->v, g);
#endif
    return core_xxh3_64(p, k * sizeof *oc->v, g);
}

/* Sets bit g of a bitmap; whether it was set. */
static bool bit_mark(uint64_t *bits, size_t g)
{
    uint64_t m = (uint64_t)1 << (g % 64);
    bool was = bits[g / 64] & m;
    bits[g / 64] |= m;
    return was;
}

/* Slot i's part of the header's sum (0 when empty: all zeros): a
 * bijection of (i, slot) for each i, so a changed slot always changes it.
 * Branch-free (the mix masked out for an empty slot): about half the
 * slots are empty, in no order a branch could predict (0.08 s of
 * mispredictions over 16.8 M slots, `perf annotate`, against ~0.02 s). */
static uint64_t slot_mix(size_t i, an_oslot_t s)
{
    uint64_t v = (uint64_t)s.tag << 32 | s.at;
    uint64_t x = v ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return (x ^ (x >> 31)) & -(uint64_t)(v != 0);
}

/* oc as a view of a mapped file; *sum its rows' checksums. */
static void view_of(an_outcomes_t *oc, uint32_t **sum, void *map, size_t len, const ofacts_hdr_t *h)
{
    oc->map = map;
    oc->map_len = len;
    oc->slot = (an_oslot_t *)((char *)map + OFACTS_BODY);
    *sum = (uint32_t *)(oc->slot + h->slots);
    oc->v = (an_outcome_t *)(*sum + sum_room(h->slots));
    oc->n = oc->cap = h->n;
    oc->mask = h->slots - 1;
    oc->events = h->seq;
}

/* Every group of rows against its checksum and the header's sums
 * (row_agg, slot_agg), every slot against its sum: what an analysis checks
 * before it reads the file. */
bool an_ofacts_body_ok(const an_outcomes_t *oc, const uint32_t *sum, uint64_t row_agg,
                       uint64_t slot_agg)
{
    uint64_t rows = 0, slots = 0;
    for (size_t g = 0; g < groups_of(oc->n); g++) {
        uint64_t x = group_hash(oc, g);
        if ((uint32_t)x != sum[g])
            return false;
        rows += x;
    }
    for (size_t i = 0; i <= oc->mask; i++)
        slots += slot_mix(i, oc->slot[i]);
    return rows == row_agg && slots == slot_agg;
}

void an_ofacts_sums(const an_outcomes_t *oc, uint32_t *sum, uint64_t *row_agg, uint64_t *slot_agg)
{
    *row_agg = *slot_agg = 0;
    for (size_t i = 0; i <= oc->mask; i++)
        *slot_agg += slot_mix(i, oc->slot[i]);
    for (size_t g = 0; g < groups_of(oc->n); g++) {
        uint64_t x = group_hash(oc, g);
        sum[g] = (uint32_t)x;
        *row_agg += x;
    }
}

/* Writes the n parts of iov to path anew (path.tmp, then renamed), as
 * ordo_write_file_replace writes one buffer: without fsync. In writes of
 * at most WRITE_PIECE bytes: the page cache then keeps the file in large
 * folios, which an analysis maps at ~1/15 of the cost of small ones (a
 * single writev of 1.5 GB of rows ended mostly in 4 KB pages, ANALYZE.md
 * "The outcome facts' check in groups, and their writes in pieces"). */
#define WRITE_PIECE ((size_t)64 << 20)
static bool write_parts(const char *path, const struct iovec *iov, int n)
{
    char tmp[4300];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    bool ok = true;
    off_t off = 0;
    for (int i = 0; ok && i < n; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        while (ok && len) {
            ssize_t w = pwrite(fd, p, len < WRITE_PIECE ? len : WRITE_PIECE, off);
            if (w <= 0) {
                ok = w < 0 && errno == EINTR;
                continue;
            }
            p += w;
            len -= (size_t)w;
            off += w;
        }
    }
    ok = !close(fd) && ok && !rename(tmp, path);
    if (!ok)
        unlink(tmp);
    return ok;
}

/* Writes oc anew (tmp + rename): index slots, rows' checksums, rows,
 * each from where it is (no copy of the file in memory). */
static void ofacts_save(const char *dir, const char *path, int64_t ino, const an_outcomes_t *oc)
{
    ofacts_hdr_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, ofacts_magic, 8);
    h.version = OFACTS_VERSION;
    h.row_size = sizeof(an_outcome_t);
    h.n = oc->n;
    h.slots = oc->mask + 1;
    h.seq = oc->events;
    h.db_ino = ino;
    size_t slots = h.slots * sizeof *oc->slot, sums = sum_room(h.slots) * sizeof(uint32_t),
           rows = oc->n * sizeof *oc->v;
    uint32_t *sum = calloc(sum_room(h.slots), sizeof *sum);
    if (!sum)
        return;
    an_ofacts_sums(oc, sum, &h.row_agg, &h.slot_agg);
    header_seal(&h);
    struct iovec iov[4] = {{&h, sizeof h}, {oc->slot, slots}, {sum, sums}, {oc->v, rows}};
    if (!mkdir(dir, 0755) || errno == EEXIST)
        write_parts(path, iov, rows ? 4 : 3);
    free(sum);
}

/* Delta row i's row in old, or -1 (the delta's hint when it has one). */
static long delta_at(const an_outcomes_t *old, const an_outcomes_t *delta, size_t i)
{
    return delta->hint ? delta->hint[i] : an_outcomes_find(old, delta->v[i].oid);
}

/* Group g of old marked in touched and its hash added to *agg, once;
 * false when it fails its checksum. */
static bool touch_group(const an_outcomes_t *old, const uint32_t *sum, size_t g, uint64_t *touched,
                        uint64_t *agg)
{
    if (bit_mark(touched, g))
        return true;
    uint64_t x = group_hash(old, g);
    *agg += x;
    return (uint32_t)x == sum[g];
}

/* Orders of delta not in old (rows to append), and the sum of the hashes
 * of the groups of old that applying it changes (marked in touched: those
 * of the rows it overwrites, and old's last group when it is partial and
 * rows are appended); false when one fails its checksum. */
static bool count_new(const an_outcomes_t *old, const uint32_t *sum, const an_outcomes_t *delta,
                      uint64_t *touched, size_t *fresh, uint64_t *overwritten)
{
    size_t k = 0;
    uint64_t agg = 0;
    for (size_t i = 0; i < delta->n; i++) {
        long at = delta_at(old, delta, i);
        if (at < 0)
            k++;
        else if (!touch_group(old, sum, (size_t)at / GROUP_ROWS, touched, &agg))
            return false;
    }
    if (k && old->n % GROUP_ROWS && !touch_group(old, sum, old->n / GROUP_ROWS, touched, &agg))
        return false;
    *fresh = k;
    *overwritten = agg;
    return true;
}

/* Old rows with delta applied, in memory (a changed order keeps its row). */
static int merge_copy(const an_outcomes_t *old, const an_outcomes_t *delta, an_outcomes_t *out,
                      ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = old->n + delta->n;
    out->v = an_big_alloc((cap ? cap : 1) * sizeof *out->v, false);
    if (!out->v)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (old->n)
        memcpy(out->v, old->v, old->n * sizeof *out->v);
    out->n = old->n;
    out->cap = cap;
    for (size_t i = 0; i < delta->n; i++) {
        long at = delta_at(old, delta, i);
        out->v[at < 0 ? out->n++ : (size_t)at] = delta->v[i];
    }
    out->events = delta->events;
    return an_outcomes_index(out, err);
}

/* Applies delta to the file in place (exclusive lock held; room and the
 * changed groups' checksums checked, count_new): maps it again at its new
 * length, marks the header stale, overwrites and appends rows, inserts
 * their slots, hashes the groups changed (touched, and those appended),
 * moves the header's sums by what changed, seals. *oc is the new view. */
static int apply_in_place(int fd, ofacts_hdr_t *h, const an_outcomes_t *delta, size_t fresh,
                          uint64_t overwritten, uint64_t *touched, bool populate, an_outcomes_t *oc)
{
    size_t old_n = h->n;
    h->n += fresh;
    size_t len = file_size(h);
    if (ftruncate(fd, (off_t)len))
        return ORDO_EIO;
    void *map =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED)
        return ORDO_EIO;
    uint32_t *sum;
    view_of(oc, &sum, map, len, h);
    ((ofacts_hdr_t *)map)->hdr_sum = ~h->hdr_sum; /* stale until sealed */
    h->row_agg -= overwritten;
    size_t n = h->n - fresh;
    for (size_t i = 0; i < delta->n; i++) {
        const an_outcome_t *d = &delta->v[i];
        oc->n = n; /* find sees the rows so far */
        long at = delta->hint ? delta->hint[i] : an_outcomes_find(oc, d->oid);
        size_t r = at >= 0 ? (size_t)at : n++;
        oc->v[r] = *d;
        if (at >= 0)
            continue;
        /* the slot taken was empty and added nothing to the sum (a damaged
         * one leaves the sum wrong: caught by the next check) */
        size_t s = an_outcomes_insert(oc, r);
        h->slot_agg += slot_mix(s, oc->slot[s]);
    }
    oc->n = h->n;
    for (size_t g = old_n / GROUP_ROWS; fresh && g < groups_of(h->n); g++)
        bit_mark(touched, g);
    for (size_t w = 0; w < (groups_of(h->n) + 63) / 64; w++)
        for (uint64_t b = touched[w]; b; b &= b - 1) {
            size_t g = w * 64 + (size_t)__builtin_ctzll(b);
            uint64_t x = group_hash(oc, g);
            sum[g] = (uint32_t)x;
            h->row_agg += x;
        }
    oc->events = h->seq = delta->events;
    header_seal(h);
    memcpy(map, h, sizeof *h);
    return ORDO_OK;
}

/* The saved outcome facts brought up to the store's seq: reused as they
 * are, or refreshed with the orders changed since (in place with the
 * exclusive lock, else in a private copy). check: every row and slot
 * checked against its checksum (an analysis reads them all), else only
 * the rows a refresh overwrites. ORDO_ENOENT: read everything again
 * (*full set when the file was fine but its index too full). */
static int ofacts_refresh(const char *factsdir, const char *db, int fd, bool excl, bool check,
                          int64_t ino, ordo_store_t *store, uint64_t seq, an_outcomes_t *oc,
                          bool *full, ordo_error_t *err)
{
    ofacts_hdr_t h;
    if (!header_ok(fd, &h, ino) || h.seq > seq)
        return ORDO_ENOENT;
    size_t len = file_size(&h);
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED | (check ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED)
        return ORDO_ENOENT;
    an_outcomes_t old = {0};
    uint32_t *sum;
    view_of(&old, &sum, map, len, &h);
    if (check && !an_ofacts_body_ok(&old, sum, h.row_agg, h.slot_agg)) {
        munmap(map, len);
        return ORDO_ENOENT;
    }
    if (h.seq == seq) {
        *oc = old;
        return ORDO_OK;
    }
    an_outcomes_t delta;
    an_otail_t *tail = NULL;
    int rc = ORDO_ENOENT;
    if (excl) /* the tail's states are written under the exclusive lock only */
        rc = an_otail_delta(factsdir, db, ino, store, &old, h.seq, seq, &delta, &tail, err);
    if (rc == ORDO_ENOENT) {
        rc = an_outcomes_load_since(store, h.seq, &delta, err);
        if (excl)
            an_otail_invalidate(factsdir);
    }
    size_t fresh = 0;
    uint64_t overwritten = 0, *touched = NULL;
    if (!rc && !(touched = calloc(groups_of(old.n + delta.n) / 64 + 1, sizeof *touched)))
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc && !count_new(&old, sum, &delta, touched, &fresh, &overwritten))
        rc = ORDO_ENOENT; /* a group the refresh would change is damaged */
    if (!rc && tail)      /* the states written while the rows are */
        an_otail_save_start(tail, h.n + fresh);
    if (!rc && excl && (h.n + fresh) * 4 <= h.slots * 3) {
        munmap(map, len);
        rc = apply_in_place(fd, &h, &delta, fresh, overwritten, touched, check, oc);
        if (rc)
            rc = ordo_error_set(err, rc, NULL, 0, NULL, "outcome facts: %s", strerror(errno));
        else if (tail)
            an_otail_save_end(tail, oc);
    } else if (!rc) {
        rc = merge_copy(&old, &delta, oc, err);
        *full = excl;
        munmap(map, len);
        if (!rc && excl) { /* written anew (rows keep their places) */
            char path[4200];
            snprintf(path, sizeof path, "%s/outcomes", factsdir);
            ofacts_save(factsdir, path, ino, oc);
        }
        if (!rc && excl && tail)
            an_otail_save_end(tail, oc);
    } else {
        munmap(map, len);
    }
    free(touched);
    an_otail_free(tail);
    an_outcomes_free(&delta);
    return rc;
}

static int ofacts_open(const char *factsdir, const char *db, ordo_store_t *store, bool rebuild,
                       bool check, an_outcomes_t *oc, bool *rebuilt, ordo_error_t *err)
{
    memset(oc, 0, sizeof *oc);
    char path[4200];
    snprintf(path, sizeof path, "%s/outcomes", factsdir);
    struct stat st;
    int64_t ino = stat(db, &st) ? -1 : (int64_t)st.st_ino;
    uint64_t seq;
    int rc = ordo_store_outcome_seq(store, &seq, err);
    if (rc)
        return rc;
    bool full = false;
    int fd = rebuild ? -1 : open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        bool excl = !flock(fd, LOCK_EX | LOCK_NB);
        if (!excl)
            flock(fd, LOCK_SH);
        rc = ofacts_refresh(factsdir, db, fd, excl, check, ino, store, seq, oc, &full, err);
        if (rc == ORDO_OK && oc->map) {
            if (excl)
                flock(fd, LOCK_SH); /* readers may come; refreshers wait */
            oc->lock_fd = fd + 1;
            oc->matched = calloc(oc->n ? oc->n : 1, 1);
            if (!oc->matched)
                return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
            if (rebuilt)
                *rebuilt = false;
            return ORDO_OK;
        }
        close(fd);
        if (rc != ORDO_ENOENT && !(rc == ORDO_OK && full)) {
            if (rebuilt)
                *rebuilt = false;
            return rc;
        }
    }
    if (rc != ORDO_OK || !full) { /* else oc holds the merged copy, saved */
        an_outcomes_free(oc);
        if ((rc = an_outcomes_load(store, oc, err)))
            return rc;
        if (rebuilt)
            *rebuilt = true;
        an_otail_invalidate(factsdir); /* the next refresh folds the whole tail */
        ofacts_save(factsdir, path, ino, oc);
    } else if (rebuilt) {
        *rebuilt = false;
    }
    return ORDO_OK;
}

int an_ofacts_open(const char *factsdir, const char *db, ordo_store_t *store, bool rebuild,
                   an_outcomes_t *oc, bool *rebuilt, ordo_error_t *err)
{
    return ofacts_open(factsdir, db, store, rebuild, true, oc, rebuilt, err);
}

int an_ofacts_update(const char *factsdir, const char *db, ordo_store_t *store, an_outcomes_t *oc,
                     bool *rebuilt, ordo_error_t *err)
{
    return ofacts_open(factsdir, db, store, false, false, oc, rebuilt, err);
}

int an_ofacts_save(const char *factsdir, const char *db, const an_outcomes_t *oc)
{
    char path[4200];
    struct stat st;
    if (stat(db, &st) || snprintf(path, sizeof path, "%s/outcomes", factsdir) >= (int)sizeof path)
        return ORDO_EIO;
    ofacts_save(factsdir, path, (int64_t)st.st_ino, oc);
    return stat(path, &st) ? ORDO_EIO : ORDO_OK;
}
