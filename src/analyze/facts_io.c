/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the facts table on disk (DIR/facts, ANALYZE.md "The facts
 * table"): a cache derived from DIR/log and DIR/ordo.db. Every file is
 * checked (magic, version, row size, lengths, XXH3 checksums) and the table
 * is anchored to the log by the sequence number and chain hash of the last
 * record it covers; anything torn, stale or foreign is rebuilt, never
 * trusted. Writes: new rows are appended, then the header that counts
 * them; whole files are replaced (tmp, rename). Nothing is fsync'd: after
 * a power loss the checks find whatever the disk lost (ANALYZE.md "Crash
 * safety and staleness"). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../core/xxh3_internal.h"
#include "internal.h"
#include "ordo/analyze.h"
#include "ordo/datadir.h"
#include "ordo/log.h"

#define FACTS_VERSION 4u /* 2: channel and promotion; 3: carrier services; 4: rurality */
#define HDR_SIZE 128
#define BLOCK_ROWS AN_FACTS_BLOCK_ROWS
#define ROW_SIZE sizeof(an_fact_t)
static const char facts_magic[8] = {'O', 'R', 'D', 'O', 'F', 'C', 'T', '1'};
static const char strings_magic[8] = {'O', 'R', 'D', 'O', 'F', 'S', 'T', '1'};

/* The decisions file's header (little-endian hosts only, like the rows:
 * the cache is rebuilt on any mismatch). */
typedef struct facts_hdr {
    char magic[8];
    uint32_t version, row_size;
    uint64_t n_rows;
    uint64_t covered_seq;
    uint8_t chain[32];
    uint64_t other_records;
    uint64_t catalog;
    uint32_t n_strings, flags;
    uint64_t sum_full; /* chained XXH3 of the complete blocks of BLOCK_ROWS rows */
    uint64_t sum_all;  /* ... continued over the last, partial block */
    uint8_t reserved[16];
    uint64_t hdr_sum; /* XXH3 of the 120 bytes above */
} facts_hdr_t;
_Static_assert(sizeof(facts_hdr_t) == HDR_SIZE, "facts header");

static void path_of(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* ------------------------------------------------------------------ */
/* Checksums */

/* Chained XXH3 over rows [from, to) starting from seed: one call where
 * the rows are in one place (the large path, AVX2 where the CPU has it:
 * xxh3_internal.h), streamed over the mapped and the appended rows where
 * they span both. */
static uint64_t sum_rows(const an_facts_t *t, size_t from, size_t to, uint64_t seed)
{
    if (from == to)
        return core_xxh3_64(NULL, 0, seed);
    if (to <= t->n_base || from >= t->n_base)
        return core_xxh3_64_large(an_facts_row(t, from), (to - from) * ROW_SIZE, seed);
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return ~seed;
    XXH3_64bits_reset_withSeed(st, seed);
    while (from < to) {
        size_t end = from < t->n_base ? (to < t->n_base ? to : t->n_base) : to;
        XXH3_64bits_update(st, an_facts_row(t, from), (end - from) * ROW_SIZE);
        from = end;
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* sum_full from the complete blocks in [blocks_done * BLOCK_ROWS, n), then
 * the sum over everything. */
static uint64_t sum_update(const an_facts_t *t, size_t blocks_done, uint64_t *sum_full)
{
    size_t n = an_facts_count(t), full = n / BLOCK_ROWS;
    for (size_t b = blocks_done; b < full; b++)
        *sum_full = sum_rows(t, b * BLOCK_ROWS, (b + 1) * BLOCK_ROWS, *sum_full);
    return sum_rows(t, full * BLOCK_ROWS, n, *sum_full);
}

/* ------------------------------------------------------------------ */
/* Strings file: header (magic, version, count, bytes, checksum), then the
 * NUL-terminated strings in id order. */

static int strings_load(const char *path, an_strings_t *s, uint32_t need)
{
    char *data = NULL;
    size_t len = 0;
    if (ordo_read_file(path, &data, &len, NULL))
        return ORDO_ENOENT;
    int rc = ORDO_ECORRUPT;
    uint32_t version, n;
    uint64_t blen, sum;
    if (len < 32 || memcmp(data, strings_magic, 8))
        goto done;
    memcpy(&version, data + 8, 4);
    memcpy(&n, data + 12, 4);
    memcpy(&blen, data + 16, 8);
    memcpy(&sum, data + 24, 8);
    if (version != FACTS_VERSION || blen != len - 32 || n < need ||
        XXH3_64bits_withSeed(data + 32, blen, XXH3_64bits(data, 24)) != sum)
        goto done;
    const char *p = data + 32, *end = data + len;
    uint32_t id;
    for (uint32_t i = 0; i < n; i++) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        if (!z || an_strings_intern(s, p, &id) || id != i + 1)
            goto done;
        p = z + 1;
    }
    rc = p == end ? ORDO_OK : ORDO_ECORRUPT;
done:
    free(data);
    return rc;
}

static int strings_save(const char *path, const an_strings_t *s)
{
    size_t len = 32 + s->buf.len;
    char *data = malloc(len);
    if (!data)
        return ORDO_ENOMEM;
    uint32_t version = FACTS_VERSION;
    uint64_t blen = s->buf.len;
    memcpy(data, strings_magic, 8);
    memcpy(data + 8, &version, 4);
    memcpy(data + 12, &s->n, 4);
    memcpy(data + 16, &blen, 8);
    if (blen)
        memcpy(data + 32, s->buf.data, blen);
    uint64_t sum = XXH3_64bits_withSeed(data + 32, blen, XXH3_64bits(data, 24));
    memcpy(data + 24, &sum, 8);
    int rc = ordo_write_file_replace(path, data, len, NULL);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The census (internal.h an_census_t): DIR/facts/census, a header naming
 * the decisions file it counts (its rows and sum_all) and an XXH3 of the
 * rest, then the pairs. A census whose counts are wrong all the same is
 * found by the join, which adds up every row's an_census_term
 * (read_facts), and the table rebuilt. */

static int write_all(int fd, const void *p, size_t len, off_t off);

static const char census_magic[8] = {'O', 'R', 'D', 'O', 'F', 'C', 'N', '1'};
typedef struct census_hdr {
    char magic[8];
    uint64_t n_rows, sum_all;
    uint32_t n_pairs, n_strings;
    uint64_t sum; /* XXH3 of the pairs, seeded with the XXH3 of the 32 bytes above */
} census_hdr_t;

static uint64_t census_file_sum(const census_hdr_t *h, const an_census_pair_t *pairs)
{
    return XXH3_64bits_withSeed(pairs, h->n_pairs * sizeof *pairs,
                                XXH3_64bits(h, offsetof(census_hdr_t, sum)));
}

void an_census_add_slow(an_census_t *c, const an_fact_t *f)
{
    uint32_t var = (f->flags & AN_F_SCAN_VAR) ? f->scan_var : AN_ID_NONE;
    size_t i = 0;
    while (i < c->n && (c->pairs[i].exp != f->scan_exp || c->pairs[i].var != var))
        i++;
    if (i == c->n) {
        if (c->over || c->n == AN_CENSUS_MAX) {
            c->over = true;
            return;
        }
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 8;
            an_census_pair_t *np = realloc(c->pairs, cap * sizeof *np);
            if (!np) {
                c->over = true; /* not kept: the pick reads the rows */
                return;
            }
            c->pairs = np;
            c->cap = cap;
        }
        c->pairs[c->n++] = (an_census_pair_t){.exp = f->scan_exp, .var = var, .n = 0};
    }
    c->pairs[i].n++;
}

void an_census_free(an_census_t *c)
{
    free(c->pairs);
    memset(c, 0, sizeof *c);
}

uint64_t an_census_sum(const an_census_t *c)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < c->n; i++)
        sum += c->pairs[i].n * an_census_mix(c->pairs[i].exp, c->pairs[i].var);
    return sum;
}

bool an_facts_census(an_facts_t *t)
{
    an_census_t *c = &t->census;
    size_t n = an_facts_count(t);
    if (c->over || c->rows > n || (c->rows < t->n_base && !t->base))
        return false;
    for (size_t i = c->rows; i < n; i++)
        an_census_add(c, an_facts_row(t, i));
    c->rows = n;
    return !c->over;
}

void an_facts_census_save(an_facts_t *t, const char *factsdir)
{
    const an_census_t *c = &t->census;
    size_t n = an_facts_count(t);
    if (t->census_saved || c->over || c->rows != n || t->n_saved != n)
        return;
    char path[4096], tmp[4200];
    path_of(path, sizeof path, factsdir, "census");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    census_hdr_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, census_magic, 8);
    h.n_rows = n;
    h.sum_all = t->sum_all;
    h.n_pairs = (uint32_t)c->n;
    h.n_strings = t->str.n;
    h.sum = census_file_sum(&h, c->pairs);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    bool ok = !write_all(fd, &h, sizeof h, 0) &&
              !write_all(fd, c->pairs, c->n * sizeof *c->pairs, (off_t)sizeof h);
    close(fd);
    if (ok && !rename(tmp, path))
        t->census_saved = true;
    else
        unlink(tmp);
}

/* The saved census when it counts the decisions file just loaded (h): its
 * header names the same rows and sums, its ids are the table's; else
 * none (the pick reads the rows once, an_facts_census). */
static void census_load(an_facts_t *t, const char *dir, uint64_t n_rows, uint64_t sum_all)
{
    char path[4096];
    path_of(path, sizeof path, dir, "census");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    census_hdr_t h;
    struct stat st;
    an_census_t c = {0};
    bool ok = !fstat(fd, &st) && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
              !memcmp(h.magic, census_magic, 8) && h.n_rows == n_rows && h.sum_all == sum_all &&
              h.n_strings <= t->str.n && h.n_pairs <= AN_CENSUS_MAX &&
              (uint64_t)st.st_size == sizeof h + (uint64_t)h.n_pairs * sizeof *c.pairs;
    if (ok && h.n_pairs) {
        c.pairs = malloc(h.n_pairs * sizeof *c.pairs);
        ok = c.pairs && pread(fd, c.pairs, h.n_pairs * sizeof *c.pairs, (off_t)sizeof h) ==
                            (ssize_t)(h.n_pairs * sizeof *c.pairs);
        c.n = c.cap = h.n_pairs;
    }
    close(fd);
    ok = ok && census_file_sum(&h, c.pairs) == h.sum;
    uint64_t total = 0;
    for (size_t i = 0; ok && i < c.n; i++) {
        const an_census_pair_t *p = &c.pairs[i];
        ok = p->exp != AN_ID_NONE && p->n && (p->exp <= t->str.n || p->exp == AN_ID_LONG) &&
             (p->var <= t->str.n || p->var == AN_ID_LONG) && p->n <= n_rows - total;
        total += ok ? p->n : 0;
    }
    if (!ok) {
        an_census_free(&c);
        return;
    }
    c.rows = n_rows;
    an_census_free(&t->census);
    t->census = c;
    t->census_saved = true;
}

/* ------------------------------------------------------------------ */
/* The decisions file */

static void facts_reset(an_facts_t *t)
{
    if (t->map)
        munmap(t->map, t->map_len);
    t->map = NULL;
    t->map_len = 0;
    t->base = NULL;
    t->n_base = 0;
    t->n_add = 0;
    t->other_records = 0;
    t->covered_seq = 0;
    memset(t->chain, 0, sizeof t->chain);
    t->saved_strings = 0;
    t->n_saved = 0;
    t->sum_full = 0;
    t->sum_all = 0;
    an_census_free(&t->census);
    t->census_saved = t->census_read = false;
    t->unchecked = t->damaged = false;
    an_strings_free(&t->str);
    an_strings_init(&t->str);
}

/* The rows' checksums: all of them (every row read), or only the last,
 * partial block's against sum_all, the complete blocks' chained sum taken
 * from sum_full (tail: a refresh that only appends reads no more). */
bool an_facts_sums_ok(an_facts_t *t, uint64_t sum_full, uint64_t sum_all, bool tail)
{
    uint64_t full = 0;
    if (!tail) {
        if (sum_update(t, 0, &full) != sum_all || full != sum_full)
            return false;
    } else {
        size_t from = an_facts_count(t) / BLOCK_ROWS * BLOCK_ROWS;
        full = sum_full;
        if (sum_rows(t, from, an_facts_count(t), full) != sum_all)
            return false;
    }
    t->sum_full = full;
    return true;
}

uint64_t an_facts_sums(const an_facts_t *t, uint64_t *sum_full)
{
    *sum_full = 0;
    return sum_update(t, 0, sum_full);
}

bool an_facts_check_next(an_facts_t *t)
{
    if (!t->unchecked)
        return !t->damaged;
    size_t n = t->n_base, full = n / BLOCK_ROWS, b = t->check_next++;
    if (b < full) {
        t->check_sum = sum_rows(t, b * BLOCK_ROWS, (b + 1) * BLOCK_ROWS, t->check_sum);
        return true;
    }
    t->unchecked = false;
    t->damaged = t->check_sum != t->want_full ||
                 sum_rows(t, full * BLOCK_ROWS, n, t->check_sum) != t->want_all;
    if (!t->damaged)
        t->sum_full = t->want_full;
    return !t->damaged;
}

bool an_facts_check_rest(an_facts_t *t)
{
    while (t->unchecked)
        an_facts_check_next(t);
    return !t->damaged;
}

/* Loads and checks the saved table; a reason (why) when it cannot be used.
 * tail: the rows are mapped but not read, and only the last partial
 * block's checksum is checked (an_facts_sums_ok). */
static const char *facts_load(an_facts_t *t, const char *dir, uint64_t catalog, bool tail,
                              bool fused)
{
    char path[4096];
    path_of(path, sizeof path, dir, "decisions");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "missing";
    facts_hdr_t h;
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        why = "torn header";
    else if (memcmp(h.magic, facts_magic, 8) || XXH3_64bits(&h, 120) != h.hdr_sum)
        why = "torn header";
    else if (h.version != FACTS_VERSION || h.row_size != ROW_SIZE)
        why = "other version";
    else if (h.catalog != catalog)
        why = "other catalog";
    else if ((uint64_t)st.st_size < HDR_SIZE + h.n_rows * ROW_SIZE)
        why = "torn rows";
    if (!why && h.n_rows) {
        t->map_len = HDR_SIZE + h.n_rows * ROW_SIZE;
        t->map = mmap(NULL, t->map_len, PROT_READ, MAP_PRIVATE | (tail ? 0 : MAP_POPULATE), fd, 0);
        if (t->map == MAP_FAILED) {
            t->map = NULL;
            why = "unreadable";
        } else {
            t->base = (const an_fact_t *)((const char *)t->map + HDR_SIZE);
            t->n_base = h.n_rows;
        }
    }
    close(fd);
    if (why)
        return why;
    path_of(path, sizeof path, dir, "strings");
    if (strings_load(path, &t->str, h.n_strings))
        return "torn strings";
    if (fused) { /* checked by the join (an_facts_check_next) */
        t->unchecked = true;
        t->check_next = 0;
        t->check_sum = 0;
        t->want_full = h.sum_full;
        t->want_all = h.sum_all;
    } else if (!an_facts_sums_ok(t, h.sum_full, h.sum_all, tail)) {
        return "checksum";
    }
    t->other_records = h.other_records;
    t->covered_seq = h.covered_seq;
    memcpy(t->chain, h.chain, sizeof t->chain);
    t->saved_strings = t->str.n;
    t->n_saved = t->n_base;
    t->sum_all = h.sum_all;
    census_load(t, dir, h.n_rows, h.sum_all);
    return NULL;
}

static void facts_header(const an_facts_t *t, uint64_t sum_all, facts_hdr_t *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, facts_magic, 8);
    h->version = FACTS_VERSION;
    h->row_size = ROW_SIZE;
    h->n_rows = an_facts_count(t);
    h->covered_seq = t->covered_seq;
    memcpy(h->chain, t->chain, sizeof h->chain);
    h->other_records = t->other_records;
    h->catalog = t->catalog;
    h->n_strings = t->str.n;
    h->sum_full = t->sum_full;
    h->sum_all = sum_all;
    h->hdr_sum = XXH3_64bits(h, 120);
}

static int write_all(int fd, const void *p, size_t len, off_t off)
{
    const char *c = p;
    while (len) {
        ssize_t w = pwrite(fd, c, len, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ORDO_EIO;
        c += w;
        len -= (size_t)w;
        off += w;
    }
    return ORDO_OK;
}

/* Rows [n_saved, count) appended after the saved ones (or the whole file
 * written anew when nothing is saved), then the header. */
static int facts_save(an_facts_t *t, const char *dir)
{
    char path[4096], tmp[4200];
    if (mkdir(dir, 0755) && errno != EEXIST)
        return ORDO_EIO;
    path_of(path, sizeof path, dir, "strings");
    if (t->str.n != t->saved_strings || !t->n_saved) {
        if (strings_save(path, &t->str))
            return ORDO_EIO;
        t->saved_strings = t->str.n;
    }
    size_t n = an_facts_count(t);
    uint64_t full = t->sum_full;
    uint64_t sum_all = sum_update(t, t->n_saved / BLOCK_ROWS, &full);
    bool fresh = !t->n_saved;
    size_t n_before = t->n_saved, census_rows = t->census.rows;
    path_of(path, sizeof path, dir, "decisions");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = fresh ? open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                   : open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return ORDO_EIO;
    int rc = ORDO_OK;
    facts_hdr_t h;
    t->sum_full = full;
    facts_header(t, sum_all, &h);
    if (fresh && (rc = write_all(fd, &h, sizeof h, 0)))
        goto done;
    for (size_t i = t->n_saved; i < n && !rc;) {
        size_t end = i < t->n_base ? t->n_base : n;
        rc = write_all(fd, an_facts_row(t, i), (end - i) * ROW_SIZE,
                       (off_t)(HDR_SIZE + i * ROW_SIZE));
        i = end;
    }
    /* rows, then the header that counts them, no fdatasync: a crash that
     * keeps the header without its rows leaves a file too short or rows
     * whose checksum fails (the header's sums come from the new rows in
     * memory and from old rows checked first), and the table is rebuilt
     * (facts_load) */
    if (!rc && ftruncate(fd, (off_t)(HDR_SIZE + n * ROW_SIZE)))
        rc = ORDO_EIO;
    if (!rc && !fresh && write_all(fd, &h, sizeof h, 0))
        rc = ORDO_EIO;
    if (!rc && fresh && rename(tmp, path))
        rc = ORDO_EIO;
done:
    close(fd);
    if (rc) {
        if (fresh)
            unlink(tmp);
        return rc;
    }
    t->n_saved = n;
    t->sum_all = sum_all;
    /* the census: the new rows counted on the saved ones' census; none
     * kept when the saved rows were not counted (a table saved without
     * one: the next analysis counts them) */
    t->census_saved = false;
    path_of(path, sizeof path, dir, "census");
    if (census_rows >= n_before && an_facts_census(t))
        an_facts_census_save(t, dir);
    if (!t->census_saved)
        unlink(path);
    return ORDO_OK;
}

/* ------------------------------------------------------------------ */
/* Reading the log after the covered position */

static int facts_push(an_facts_t *t, const an_fact_t *f)
{
    if (t->n_add == t->cap_add) {
        size_t cap = t->cap_add ? t->cap_add * 2 : 4096;
        an_fact_t *na = realloc(t->add, cap * sizeof *na);
        if (!na)
            return ORDO_ENOMEM;
        t->add = na;
        t->cap_add = cap;
    }
    t->add[t->n_add++] = *f;
    return ORDO_OK;
}

/* Reads records after covered_seq. *stale when the record at covered_seq
 * is not the one the table was built from (another or a rewritten log). */
static int facts_catch_up(an_facts_t *t, const char *logdir, const ordo_network_t *net, bool *stale,
                          ordo_error_t *err)
{
    *stale = false;
    ordo_log_query_t q = {0};
    q.from_seq = t->covered_seq ? t->covered_seq : 1;
    q.raw = true; /* CBOR records are scanned and read from their tree (facts.c) */
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(logdir, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    if (!arena) {
        ordo_log_iter_close(it);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    ordo_log_record_t rec;
    an_fact_t f;
    bool first = t->covered_seq != 0;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (first) {
            first = false;
            if (rec.seq != t->covered_seq || memcmp(rec.chain, t->chain, sizeof t->chain)) {
                *stale = true;
                break;
            }
            continue;
        }
        t->read_records++;
        if (rec.type == ORDO_LOG_REC_DECISION || rec.type == ORDO_LOG_REC_SHADOW) {
            if ((rc = an_fact_from_log(&rec, arena, net, &t->str, &f, err)))
                break;
            if (facts_push(t, &f)) {
                rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
        } else {
            t->other_records++;
        }
        t->covered_seq = rec.seq;
        memcpy(t->chain, rec.chain, sizeof t->chain);
    }
    if (rc == 0 && first)
        *stale = true; /* the covered record is gone: the log was cut or replaced */
    ordo_log_iter_close(it);
    ordo_arena_destroy(arena);
    return rc < 0 ? rc : ORDO_OK;
}

int an_facts_refresh(an_facts_t *t, const char *factsdir, const char *logdir,
                     const ordo_network_t *net, ordo_error_t *err)
{
    t->read_records = 0;
    uint64_t catalog = an_catalog_fingerprint(net);
    bool stale = catalog != t->catalog;
    int rc = stale ? ORDO_OK : facts_catch_up(t, logdir, net, &stale, err);
    if (rc)
        return rc;
    const char *why = stale ? "stale" : NULL;
    /* rows to save after saved rows not checked yet: those are checked
     * first (the save's sums go on from theirs) */
    if (!why && t->unchecked && t->n_saved != an_facts_count(t) && !an_facts_check_rest(t))
        why = "checksum";
    if (why) {
        facts_reset(t);
        t->catalog = catalog;
        t->rebuilt = true;
        t->why = why;
        if ((rc = facts_catch_up(t, logdir, net, &stale, err)))
            return rc;
    }
    if (factsdir && (t->n_saved != an_facts_count(t) || !t->n_saved))
        facts_save(t, factsdir); /* best effort: a read-only directory keeps them in memory */
    return ORDO_OK;
}

static int facts_open(const char *factsdir, const char *logdir, const ordo_network_t *net,
                      bool rebuild, bool tail, bool fused, an_facts_t *t, ordo_error_t *err)
{
    memset(t, 0, sizeof *t);
    if (an_strings_init(&t->str))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    t->catalog = an_catalog_fingerprint(net);
    const char *why = rebuild ? "asked" : facts_load(t, factsdir, t->catalog, tail, fused);
    if (why) {
        facts_reset(t);
        t->rebuilt = true;
        t->why = why;
    }
    return an_facts_refresh(t, factsdir, logdir, net, err);
}

int an_facts_open(const char *factsdir, const char *logdir, const ordo_network_t *net, bool rebuild,
                  an_facts_t *t, ordo_error_t *err)
{
    return facts_open(factsdir, logdir, net, rebuild, false, false, t, err);
}

int an_facts_open_fused(const char *factsdir, const char *logdir, const ordo_network_t *net,
                        an_facts_t *t, ordo_error_t *err)
{
    return facts_open(factsdir, logdir, net, false, false, true, t, err);
}

int an_facts_rebuild(an_facts_t *t, const char *factsdir, const char *logdir,
                     const ordo_network_t *net, ordo_error_t *err)
{
    uint64_t catalog = t->catalog;
    facts_reset(t);
    t->catalog = catalog;
    t->rebuilt = true;
    t->why = "checksum";
    return an_facts_refresh(t, factsdir, logdir, net, err);
}

int an_facts_update(const char *factsdir, const char *logdir, const ordo_network_t *net,
                    an_facts_t *t, ordo_error_t *err)
{
    return facts_open(factsdir, logdir, net, false, true, false, t, err);
}

void an_facts_close(an_facts_t *t)
{
    if (t->map)
        munmap(t->map, t->map_len);
    free(t->add);
    an_census_free(&t->census);
    an_strings_free(&t->str);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ */
/* The facts kept by the log's writer (ANALYZE.md "The facts kept by the
 * writer"): the observer of the log (ordo_log_observer_t) makes each
 * record's fact from the bytes appended, with the code a refresh uses
 * (an_fact_from_log, the same string table in log order), holds it until
 * the record is durable, then appends the rows to the table as a refresh
 * does (facts_save: strings first, rows, then the header). */

#define FW_SAVE_ROWS 4096 /* a save once this many durable rows are unsaved, and at close */
#define FW_DEFER true     /* the facts made at on_durable, a batch at a time */

typedef struct fw_rec {
    uint64_t seq;
    uint8_t chain[32];
    bool fact; /* a decision or shadow: f is its row */
    bool made; /* f made (else its payload is in bytes at off, len) */
    uint16_t type;
    uint8_t flags;
    size_t off, len;
    an_fact_t f;
} fw_rec_t;

struct ordo_facts_writer {
    pthread_mutex_t mu;
    an_facts_t t; /* the table as saved, the complete blocks' rows dropped (fw_rebase) */
    char dir[4096], logdir[4096];
    const ordo_network_t *net;
    ordo_arena_t *arena;
    fw_rec_t *q; /* appended, not yet durable */
    size_t nq, cap_q;
    /* defer: the payloads copied at on_append, their facts made at
     * on_durable, a batch at a time (ORDO_FACTS_WRITER_DEFER) */
    bool defer;
    ordo_buf_t bytes;
    uint64_t next_seq; /* the seq the next append must have */
    /* the decisions file as this writer left it */
    dev_t dev;
    ino_t ino;
    facts_hdr_t hdr;
    uint64_t records, saves, takeovers;
    const char *stopped;
    size_t save_rows;
};

static void fw_stop(ordo_facts_writer_t *w, const char *why)
{
    if (!w->stopped)
        w->stopped = why;
    w->nq = 0;
}

/* The decisions file's identity and header now; false when unreadable. */
static bool fw_look(const ordo_facts_writer_t *w, struct stat *st, facts_hdr_t *h)
{
    char path[4096];
    path_of(path, sizeof path, w->dir, "decisions");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = !fstat(fd, st) && pread(fd, h, sizeof *h, 0) == (ssize_t)sizeof *h;
    close(fd);
    return ok;
}

/* Keeps in memory only the rows a save reads again: those of the last,
 * partial block of BLOCK_ROWS (the complete blocks' sums are in sum_full).
 * The table then holds no mapping: rows [0, n_base) are never read. */
static int fw_rebase(an_facts_t *t)
{
    size_t n = an_facts_count(t), nb = n / BLOCK_ROWS * BLOCK_ROWS;
    if (!t->map && nb == t->n_base)
        return ORDO_OK;
    size_t keep = n - nb, cap = keep > 64 ? keep * 2 : 128;
    an_fact_t *rows = malloc(cap * sizeof *rows);
    if (!rows)
        return ORDO_ENOMEM;
    for (size_t i = nb; i < n; i++)
        rows[i - nb] = *an_facts_row(t, i);
    if (t->map)
        munmap(t->map, t->map_len);
    t->map = NULL;
    t->map_len = 0;
    t->base = NULL;
    free(t->add);
    t->add = rows;
    t->cap_add = cap;
    t->n_add = keep;
    t->n_base = nb;
    return ORDO_OK;
}

/* The decisions file another refresh left (h0, st0): takes it over again
 * when it is this writer's table further on (1). The table is read as a
 * refresh reads it (checked, then brought up to the log's end) but not
 * saved: it may cover records not yet durable. It must cover a seq S the
 * writer knows with the same chain hash: the last durable record it holds
 * or one still queued (those through S are dropped, the rest go on). 0: the
 * file moved again meanwhile or the log could not be read (a reader of
 * the live segment with direct I/O): not written now, tried again at the
 * next save. Else the writer stops. The log is read under the writer's
 * lock: an append waits for it, as for a save (the reader takes none of
 * the log's locks, on_append holds only the log's). */
static int fw_takeover(ordo_facts_writer_t *w, const struct stat *st0, const facts_hdr_t *h0)
{
    if (!memcmp(h0->magic, facts_magic, 8) && h0->catalog != w->t.catalog) {
        fw_stop(w, "catalog"); /* made with another network: never written over */
        return -1;
    }
    an_facts_t t;
    memset(&t, 0, sizeof t);
    if (an_strings_init(&t.str)) {
        fw_stop(w, "memory");
        return -1;
    }
    t.catalog = w->t.catalog;
    const char *why = facts_load(&t, w->dir, t.catalog, true, false);
    struct stat st;
    facts_hdr_t h;
    ordo_error_t err;
    bool stale = false;
    if (!fw_look(w, &st, &h) || st.st_ino != st0->st_ino || st.st_dev != st0->st_dev ||
        memcmp(&h, h0, sizeof h) || (!why && facts_catch_up(&t, w->logdir, w->net, &stale, &err))) {
        an_facts_close(&t);
        return 0;
    }
    /* S: the last durable record the writer holds, or a queued one */
    uint64_t s = t.covered_seq;
    const uint8_t *chain = s == w->t.covered_seq ? w->t.chain : NULL;
    size_t drop = 0; /* the queue's records through S */
    for (; !chain && drop < w->nq && w->q[drop].seq <= s; drop++)
        if (w->q[drop].seq == s)
            chain = w->q[drop].chain;
    bool ok = !why && !stale && chain && !memcmp(chain, t.chain, sizeof t.chain);
    /* both string tables follow the log in order: one is the other's
     * prefix; the longer one goes on (queued facts made hold its ids) */
    an_strings_t *a = &t.str, *b = &w->t.str;
    size_t common = a->buf.len < b->buf.len ? a->buf.len : b->buf.len;
    ok = ok && (!common || !memcmp(a->buf.data, b->buf.data, common));
    if (!ok || fw_rebase(&t)) {
        an_facts_close(&t);
        fw_stop(w, ok ? "memory" : "changed"); /* the next refresh reads the log */
        return -1;
    }
    if (b->n > a->n) {
        an_strings_t tmp = *a;
        *a = *b;
        *b = tmp;
    }
    memmove(w->q, w->q + drop, (w->nq - drop) * sizeof *w->q);
    w->nq -= drop; /* their payloads: moved out at the next on_durable */
    an_facts_close(&w->t);
    w->t = t;
    w->hdr = h;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->takeovers++;
    return 1;
}

/* Saves the table (through the durable record seq) when it is still the
 * one this writer left (same file, same header), else takes it over again
 * first (at most once a save); then remembers what it left. Never a header
 * over a record that is not durable: a table taken over may cover more. */
static void fw_save(ordo_facts_writer_t *w, uint64_t seq)
{
    struct stat st;
    facts_hdr_t h;
    if (!fw_look(w, &st, &h)) {
        fw_stop(w, "changed");
        return;
    }
    if ((st.st_ino != w->ino || st.st_dev != w->dev || memcmp(&h, &w->hdr, sizeof h)) &&
        fw_takeover(w, &st, &h) <= 0)
        return;
    if (w->t.covered_seq > seq || w->t.covered_seq == w->hdr.covered_seq)
        return;
    if (facts_save(&w->t, w->dir)) {
        fw_stop(w, "write");
        return;
    }
    w->saves++;
    if (!fw_look(w, &st, &w->hdr) || fw_rebase(&w->t)) {
        fw_stop(w, "write");
        return;
    }
    w->dev = st.st_dev;
    w->ino = st.st_ino;
}

/* The fact of r, whose payload is p, len (as appended). */
static int fw_make(ordo_facts_writer_t *w, fw_rec_t *r, const void *p, size_t len)
{
    /* the record as a raw iterator hands it out (ordo_log_query_t.raw) */
    ordo_log_record_t rec = {.seq = r->seq,
                             .type = r->type,
                             .flags = r->flags,
                             .payload = p,
                             .len = len,
                             .appended = p,
                             .appended_len = len};
    memcpy(rec.chain, r->chain, sizeof rec.chain);
    ordo_error_t err;
    if (an_fact_from_log(&rec, w->arena, w->net, &w->t.str, &r->f, &err)) {
        fw_stop(w, "memory");
        return ORDO_ENOMEM;
    }
    r->made = true;
    return ORDO_OK;
}

static void fw_on_append(void *ctx, uint64_t seq, const uint8_t chain[ORDO_LOG_HASH_BYTES],
                         uint16_t type, uint8_t flags, const void *payload, size_t len)
{
    ordo_facts_writer_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->records++;
    if (w->stopped)
        goto done;
    if (seq != w->next_seq) { /* a record this writer did not see */
        fw_stop(w, "sequence");
        goto done;
    }
    if (w->nq == w->cap_q) {
        size_t cap = w->cap_q ? w->cap_q * 2 : 256;
        fw_rec_t *nq = realloc(w->q, cap * sizeof *nq);
        if (!nq) {
            fw_stop(w, "memory");
            goto done;
        }
        w->q = nq;
        w->cap_q = cap;
    }
    fw_rec_t *r = &w->q[w->nq];
    r->seq = seq;
    memcpy(r->chain, chain, sizeof r->chain);
    r->fact = type == ORDO_LOG_REC_DECISION || type == ORDO_LOG_REC_SHADOW;
    r->made = !r->fact || !w->defer;
    r->type = type;
    r->flags = flags;
    if (!r->made) {
        r->off = w->bytes.len;
        r->len = len;
        ordo_buf_append(&w->bytes, payload, len);
        if (w->bytes.oom) {
            fw_stop(w, "memory");
            goto done;
        }
    } else if (r->fact && fw_make(w, r, payload, len)) {
        goto done;
    }
    w->nq++;
    w->next_seq++;
done:
    pthread_mutex_unlock(&w->mu);
}

static void fw_on_durable(void *ctx, uint64_t seq, bool closing)
{
    ordo_facts_writer_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    size_t k = 0;
    an_facts_t *t = &w->t;
    for (; !w->stopped && k < w->nq && w->q[k].seq <= seq; k++) {
        fw_rec_t *r = &w->q[k];
        if (!r->made && fw_make(w, r, w->bytes.data + r->off, r->len))
            break;
        if (r->fact && facts_push(t, &r->f)) {
            fw_stop(w, "memory");
            break;
        }
        if (!r->fact)
            t->other_records++;
        t->covered_seq = r->seq;
        memcpy(t->chain, r->chain, sizeof t->chain);
    }
    if (!w->stopped) {
        if (k) {
            memmove(w->q, w->q + k, (w->nq - k) * sizeof *w->q);
            w->nq -= k;
        }
        /* the payloads still waiting, to the buffer's start */
        size_t from = w->bytes.len;
        for (size_t i = 0; i < w->nq && from == w->bytes.len; i++)
            if (!w->q[i].made)
                from = w->q[i].off;
        for (size_t i = 0; i < w->nq; i++)
            if (!w->q[i].made)
                w->q[i].off -= from;
        if (from) {
            memmove(w->bytes.data, w->bytes.data + from, w->bytes.len - from);
            w->bytes.len -= from;
        }
        bool moved = t->covered_seq != w->hdr.covered_seq && t->covered_seq <= seq;
        if (moved && (closing || an_facts_count(t) - t->n_saved >= w->save_rows))
            fw_save(w, seq);
    }
    pthread_mutex_unlock(&w->mu);
}

int ordo_facts_writer_open(const char *dir, const ordo_network_t *net, ordo_facts_writer_t **out,
                           ordo_error_t *err)
{
    *out = NULL;
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    ordo_facts_writer_t *w = calloc(1, sizeof *w);
    if (!w || !(w->arena = ordo_arena_create(1 << 16))) {
        free(w);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    pthread_mutex_init(&w->mu, NULL);
    snprintf(w->dir, sizeof w->dir, "%s", dd.facts);
    snprintf(w->logdir, sizeof w->logdir, "%s", dd.log);
    w->net = net;
    w->save_rows = FW_SAVE_ROWS;
    ordo_buf_init(&w->bytes, NULL);
    const char *df = getenv("ORDO_FACTS_WRITER_DEFER");
    w->defer = df ? atoi(df) != 0 : FW_DEFER;
    const char *sr = getenv("ORDO_FACTS_WRITER_SAVE_ROWS"); /* tests: saves more often */
    if (sr && atoi(sr) > 0)
        w->save_rows = (size_t)atoi(sr);
    /* a table another catalog made (an analysis with another --network) is
     * left alone, as a save would leave it: rebuilding it here would have
     * each rebuild the other's at every start */
    struct stat st0;
    facts_hdr_t h0;
    if (fw_look(w, &st0, &h0) && !memcmp(h0.magic, facts_magic, 8) &&
        h0.catalog != an_catalog_fingerprint(net)) {
        fw_stop(w, "catalog");
        *out = w;
        return ORDO_OK;
    }
    /* the refresh's own catch-up: the table then covers the log */
    if ((rc = an_facts_update(dd.facts, dd.log, net, &w->t, err))) {
        ordo_facts_writer_close(w);
        return rc;
    }
    w->next_seq = w->t.covered_seq + 1;
    /* a refresh that read only records without facts does not save: the
     * header must cover the last record before this writer goes on */
    struct stat st = {0};
    bool ok = fw_look(w, &st, &w->hdr);
    if (ok && w->hdr.covered_seq != w->t.covered_seq && w->t.n_saved == an_facts_count(&w->t))
        ok = !facts_save(&w->t, w->dir) && fw_look(w, &st, &w->hdr);
    if (!ok || w->hdr.covered_seq != w->t.covered_seq || w->hdr.n_rows != an_facts_count(&w->t))
        fw_stop(w, "write"); /* the refresh could not save: a read-only directory */
    else if (fw_rebase(&w->t))
        fw_stop(w, "memory");
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    *out = w;
    return ORDO_OK;
}

void ordo_facts_writer_attach(ordo_facts_writer_t *w, ordo_log_t *log)
{
    ordo_log_observer_t obs = {.on_append = fw_on_append, .on_durable = fw_on_durable, .ctx = w};
    ordo_log_set_observer(log, &obs);
}

void ordo_facts_writer_stats(ordo_facts_writer_t *w, ordo_facts_writer_stats_t *st)
{
    pthread_mutex_lock(&w->mu);
    st->records = w->records;
    st->rows = w->hdr.n_rows;
    st->saves = w->saves;
    st->takeovers = w->takeovers;
    st->covered = w->hdr.covered_seq;
    st->stopped = w->stopped;
    pthread_mutex_unlock(&w->mu);
}

void ordo_facts_writer_close(ordo_facts_writer_t *w)
{
    if (!w)
        return;
    an_facts_close(&w->t);
    ordo_arena_destroy(w->arena);
    free(w->q);
    ordo_buf_free(&w->bytes);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static int follow(const char *dir, const struct ordo_network *net, bool always, ordo_log_t *log,
                  void **state, ordo_error_t *err)
{
    *state = NULL;
    const char *on = getenv("ORDO_FACTS_ON_WRITE");
    if (on && !strcmp(on, "0"))
        return ORDO_OK;
    char path[4096];
    snprintf(path, sizeof path, "%s/network/network.json", dir);
    ordo_facts_writer_t *w;
    int rc = ordo_facts_writer_open(dir, always || access(path, F_OK) == 0 ? net : NULL, &w, err);
    if (rc)
        return rc;
    ordo_facts_writer_attach(w, log);
    *state = w;
    return ORDO_OK;
}

static int follow_open(const char *dir, const struct ordo_network *net, ordo_log_t *log,
                       void **state, ordo_error_t *err)
{
    return follow(dir, net, false, log, state, err);
}

static int follow_open_net(const char *dir, const struct ordo_network *net, ordo_log_t *log,
                           void **state, ordo_error_t *err)
{
    return follow(dir, net, true, log, state, err);
}

static void follow_close(void *state)
{
    ordo_facts_writer_close(state);
}

const ordo_log_follower_t ordo_facts_follower = {.open = follow_open, .close = follow_close};
const ordo_log_follower_t ordo_facts_follower_net = {.open = follow_open_net,
                                                     .close = follow_close};
