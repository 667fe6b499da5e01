/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — reading: iterators (by seq, key, time, through the sparse
 * index) and verify (every checksum and the whole chain). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log_internal.h"
#include "ordo/cbor.h"

/* Byte range of a segment to read; its first record has seq first_seq. */
typedef struct iter_range {
    uint64_t start, end;
    uint64_t first_seq;
} iter_range_t;

struct ordo_log_iter {
    char *dir;
    ordo_log_query_t q;
    char *key;
    log_seg_name_t *segs;
    size_t nseg, si;
    bool have_seg, seg_last;
    uint32_t seg_flags; /* the open segment's header flags (LOG_SEG_FLAG_*) */
    bool indexed;       /* the ranges come from the segment's .idx */
    char seg_name[40];
    const uint8_t *data;
    size_t len;     /* bytes that may be read: the live segment's proven part */
    size_t map_len; /* bytes mapped */
    bool live;      /* the last segment, a writer appending to it (live.c) */
    iter_range_t *r;
    size_t nr, rcap, ri;
    uint64_t pos;
    uint64_t expect; /* seq of the record at pos */
    ZSTD_DCtx *dctx;
    ZSTD_DDict *ddict; /* the segment's dictionary */
    uint8_t *dbuf;
    size_t dcap;
    ordo_buf_t jbuf; /* a CBOR record's JSON text */
    uint64_t returned;
    bool done;
};

static int add_range(ordo_log_iter_t *it, uint64_t s, uint64_t e, uint64_t first_seq)
{
    if (it->nr && it->r[it->nr - 1].end == s) {
        it->r[it->nr - 1].end = e;
        return ORDO_OK;
    }
    if (it->nr == it->rcap) {
        size_t nc = it->rcap ? it->rcap * 2 : 16;
        iter_range_t *nr = realloc(it->r, nc * sizeof *nr);
        if (!nr)
            return ORDO_ENOMEM;
        it->r = nr;
        it->rcap = nc;
    }
    it->r[it->nr].start = s;
    it->r[it->nr].end = e;
    it->r[it->nr].first_seq = first_seq;
    it->nr++;
    return ORDO_OK;
}

static void close_seg(ordo_log_iter_t *it)
{
    log_unmap(it->data, it->map_len);
    ZSTD_freeDDict(it->ddict);
    it->ddict = NULL;
    it->data = NULL;
    it->len = it->map_len = 0;
    it->have_seg = false;
    it->nr = it->ri = 0;
    it->pos = 0;
}

/* The byte ranges of the open segment to read. A sealed segment's index
 * skips blocks that cannot match the query, but only when it can describe
 * this segment (log_index_check); otherwise the segment is read in full.
 * Either way each range's first record must have the seq the index gave
 * it (checked in ordo_log_iter_next), so a wrong index is reported, never
 * followed past the segment or used to skip records silently. */
static int plan_ranges(ordo_log_iter_t *it, const char *ipath, const log_seg_header_t *h)
{
    const ordo_log_query_t *q = &it->q;
    log_seg_index_t ix;
    int rc = ORDO_OK;
    if (log_index_read(ipath, &ix) != ORDO_OK)
        memset(&ix, 0, sizeof ix);
    else if (log_index_check(&ix, h->first_seq, h->hdr_len, it->len) == NULL) {
        for (size_t j = 0; j < ix.n && rc == ORDO_OK; j++) {
            const log_idx_entry_t *e = &ix.e[j];
            uint64_t end = j + 1 < ix.n ? ix.e[j + 1].offset : ix.valid_len;
            if (q->from_seq && e->first_seq + e->count - 1 < q->from_seq)
                continue;
            if (it->key && q->key_len && !log_bloom_maybe(e->bloom, it->key, q->key_len))
                continue;
            if (q->has_time && (e->max_ts < q->ts_from || e->min_ts >= q->ts_to))
                continue;
            rc = add_range(it, e->offset, end, e->first_seq);
        }
        log_index_free(&ix);
        it->indexed = true;
        return rc;
    }
    log_index_free(&ix); /* also when it did not describe this segment */
    if (it->live && it->len < h->hdr_len)
        it->len = h->hdr_len; /* nothing proven yet: an empty range, extended when it is */
    if (it->len > h->hdr_len || it->live)
        rc = add_range(it, h->hdr_len, it->len, h->first_seq);
    return rc;
}

/* Where the live segment that starts at first_seq is proven to end, by
 * what lv found: its durable length, or nothing past the header (the
 * writer has not published it yet). */
static uint64_t live_proven(const log_live_t *lv, uint64_t first_seq)
{
    return lv->have_mark && lv->seg_first_seq == first_seq ? lv->durable_len : 0;
}

/* Maps segment i. The last one may be live: then only its proven part is
 * read (it->len), and it is mapped without reading it; with no writer, its
 * part past the last mark is copied now, under the read lock that keeps a
 * writer from opening meanwhile, so what a reader classifies as its tail
 * is one state of the file. */
static int map_seg(ordo_log_iter_t *it, size_t i, const char *path, ordo_error_t *err)
{
    it->live = false;
    if (i + 1 < it->nseg) {
        int rc = log_map_file(path, &it->data, &it->map_len, err);
        it->len = it->map_len;
        return rc;
    }
    log_live_t lv;
    log_live_probe(it->dir, &lv);
    uint64_t first = it->segs[i].first_seq, stable = live_proven(&lv, first);
    int rc;
    if (lv.have_mark && lv.seg_first_seq > first) {
        stable = UINT64_MAX; /* sealed since the listing: cut to its end, never changed again */
    } else if (lv.live) {
        it->live = true;
        stable = UINT64_MAX; /* mapped whole, read up to the proven end only */
    }
    rc = log_map_file_stable(path, stable, &it->data, &it->map_len, err);
    log_live_release(&lv);
    it->len = it->map_len;
    if (it->live && live_proven(&lv, first) < it->len)
        it->len = (size_t)live_proven(&lv, first);
    return rc;
}

/* The live segment's proven end moved on: read on up to it when it is
 * still inside what was mapped (the file's size when the segment was
 * opened: an iteration ends, as before, and does not chase a writer).
 * false when it did not, or the writer left the segment. */
static bool live_extend(ordo_log_iter_t *it)
{
    log_live_t lv;
    log_live_probe(it->dir, &lv);
    log_live_release(&lv);
    uint64_t end = live_proven(&lv, it->segs[it->si - 1].first_seq);
    if (end <= it->len || end > it->map_len)
        return false;
    it->len = (size_t)end;
    return true;
}

static int open_seg(ordo_log_iter_t *it, size_t i, ordo_error_t *err)
{
    char path[4096], ipath[4096];
    snprintf(path, sizeof path, "%s/%s", it->dir, it->segs[i].name);
    snprintf(ipath, sizeof ipath, "%s/%020" PRIu64 LOG_IDX_SUFFIX, it->dir, it->segs[i].first_seq);
    int rc = map_seg(it, i, path, err);
    if (rc != ORDO_OK)
        return rc;
    log_seg_header_t h;
    const char *why = log_seg_header_decode(it->data, it->map_len, &h);
    if (why) {
        close_seg(it);
        return ordo_error_set(err, ORDO_ECORRUPT, path, 0, NULL, "byte offset 0: %s", why);
    }
    if (h.dict_len) {
        it->ddict = ZSTD_createDDict(h.dict, h.dict_len);
        if (!it->ddict) {
            close_seg(it);
            return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
        }
    }
    it->have_seg = true;
    it->seg_last = i + 1 == it->nseg;
    it->seg_flags = h.flags;
    snprintf(it->seg_name, sizeof it->seg_name, "%s", it->segs[i].name);
    it->nr = it->ri = 0;
    it->pos = 0;
    it->indexed = false;
    rc = plan_ranges(it, ipath, &h);
    if (rc != ORDO_OK)
        return ordo_error_set(err, rc, path, 0, NULL, "out of memory");
    return ORDO_OK;
}

int ordo_log_iter_open(const char *dir, const ordo_log_query_t *q, ordo_log_iter_t **out,
                       ordo_error_t *err)
{
    *out = NULL;
    ordo_log_iter_t *it = calloc(1, sizeof *it);
    if (!it)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (q)
        it->q = *q;
    it->dir = strdup(dir);
    it->dctx = ZSTD_createDCtx();
    if (!it->dir || !it->dctx) {
        ordo_log_iter_close(it);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (q && q->key) {
        it->key = malloc(q->key_len + 1);
        if (!it->key) {
            ordo_log_iter_close(it);
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        }
        memcpy(it->key, q->key, q->key_len);
        it->key[q->key_len] = 0;
        it->q.key = it->key;
    }
    int rc = log_list_segments(dir, &it->segs, &it->nseg, err);
    if (rc != ORDO_OK) {
        ordo_log_iter_close(it);
        return rc;
    }
    /* start at the segment that holds from_seq */
    if (it->q.from_seq > 1) {
        size_t s = 0;
        for (size_t i = 0; i < it->nseg; i++)
            if (it->segs[i].first_seq <= it->q.from_seq)
                s = i;
        it->si = s;
    }
    *out = it;
    return ORDO_OK;
}

void ordo_log_iter_close(ordo_log_iter_t *it)
{
    if (!it)
        return;
    close_seg(it);
    free(it->r);
    free(it->segs);
    free(it->key);
    free(it->dbuf);
    ordo_buf_free(&it->jbuf);
    ZSTD_freeDCtx(it->dctx);
    free(it->dir);
    free(it);
}

/* A frame that does not parse at it->pos: corruption, or the quiet end of
 * a crashed log (an incomplete record, or zero padding, at the end of the
 * last segment, which open cuts). In the live segment no frame is read
 * past its proven end, so a bad one there is corruption too. */
static int bad_frame(ordo_log_iter_t *it, int st, ordo_error_t *err)
{
    int tk = LOG_TAIL_NONE;
    if (it->seg_last && !it->live) {
        if (log_ahead_padding(it->data, it->len, it->pos, it->seg_flags)) {
            it->done = true;
            return 0;
        }
        if (!log_valid_frame_after(it->data, it->len, it->pos + 1))
            tk = log_tail_classify(it->data, it->len, it->pos, st, it->seg_flags, NULL);
        if (tk == LOG_TAIL_TORN || tk == LOG_TAIL_PADDING) {
            it->done = true;
            return 0;
        }
    }
    return ordo_error_set(
        err, ORDO_ECORRUPT, it->seg_name, 0, NULL,
        "byte offset %" PRIu64 " (seq %" PRIu64 "): %s%s%s%s", it->pos, it->expect,
        log_rec_status_str(st), tk ? ": " : "", tk ? log_tail_str(tk) : "",
        it->live ? " (in the part of the live segment its writer made durable)" : "");
}

/* it->pos reached the end of its range: on to the next range, or, in the
 * live segment read to its proven end, on to where the writer has made
 * durable since, if it has. */
static int range_end(ordo_log_iter_t *it, ordo_error_t *err)
{
    if (it->live && it->ri + 1 == it->nr && it->r[it->ri].end == it->pos && live_extend(it)) {
        it->r[it->ri].end = it->len;
        return ORDO_OK;
    }
    if (it->pos > it->r[it->ri].end)
        return ordo_error_set(err, ORDO_ECORRUPT, it->seg_name, 0, NULL,
                              "byte offset %" PRIu64 ": a record runs past the end of "
                              "its index block (the .idx does not match the segment)",
                              it->r[it->ri].end);
    it->ri++;
    it->pos = 0;
    return ORDO_OK;
}

int ordo_log_iter_next(ordo_log_iter_t *it, ordo_log_record_t *rec, ordo_error_t *err)
{
    const ordo_log_query_t *q = &it->q;
    for (;;) {
        if (it->done)
            return 0;
        if (!it->have_seg) {
            if (it->si >= it->nseg) {
                it->done = true;
                return 0;
            }
            int rc = open_seg(it, it->si++, err);
            if (rc != ORDO_OK)
                return rc;
            continue;
        }
        if (it->ri >= it->nr) {
            close_seg(it);
            continue;
        }
        if (it->pos == 0) {
            it->pos = it->r[it->ri].start;
            it->expect = it->r[it->ri].first_seq;
        }
        if (it->pos >= it->r[it->ri].end) {
            int rc = range_end(it, err);
            if (rc != ORDO_OK)
                return rc;
            continue;
        }
        log_rec_view_t v;
        int st = log_rec_parse(it->data + it->pos, it->len - it->pos, &v);
        if (st != LOG_REC_OK)
            return bad_frame(it, st, err);
        if (v.seq != it->expect)
            return ordo_error_set(err, ORDO_ECORRUPT, it->seg_name, 0, NULL,
                                  "byte offset %" PRIu64 ": record has seq %" PRIu64
                                  ", expected %" PRIu64 " (%s)",
                                  it->pos, v.seq, it->expect,
                                  it->indexed && it->pos == it->r[it->ri].start
                                      ? "the .idx does not match the segment"
                                      : "a record was deleted, reordered or altered");
        if (q->to_seq && v.seq >= q->to_seq) {
            it->done = true;
            return 0;
        }
        it->expect++;
        uint64_t off = it->pos;
        it->pos += v.frame_len;
        const char *why = NULL;
        int drc = log_decode_payload(it->dctx, it->ddict, &v, &it->dbuf, &it->dcap, &why);
        if (drc != ORDO_OK)
            return ordo_error_set(err, drc, it->seg_name, 0, NULL,
                                  "byte offset %" PRIu64 " (seq %" PRIu64 "): %s", off, v.seq,
                                  why ? why : "out of memory");
        if (q->from_seq && v.seq < q->from_seq)
            continue;
        if (q->key && (v.key_len != q->key_len || memcmp(v.key, q->key, q->key_len) != 0))
            continue;
        if (q->has_time && (v.ts < q->ts_from || v.ts >= q->ts_to))
            continue;
        rec->seq = v.seq;
        rec->type = v.type;
        rec->flags = v.flags;
        rec->ts_unix_ns = v.ts;
        rec->key = (const char *)v.key;
        rec->key_len = v.key_len;
        rec->payload =
            (v.flags & ORDO_LOG_FLAG_ZSTD) ? (const void *)it->dbuf : (const void *)v.payload;
        rec->len = v.raw_len;
        rec->appended = rec->payload;
        rec->appended_len = rec->len;
        if ((v.flags & ORDO_LOG_FLAG_CBOR) && !q->raw) {
            /* readers get JSON text; a record that does not decode is
             * corrupt even though its checksum and chain hold (written so) */
            ordo_error_t jerr;
            ordo_buf_reset(&it->jbuf);
            int jrc = ordo_cbor_to_json(rec->payload, rec->len, &it->jbuf, &jerr);
            if (jrc != ORDO_OK)
                return ordo_error_set(err, jrc == ORDO_ENOMEM ? ORDO_ENOMEM : ORDO_ECORRUPT,
                                      it->seg_name, 0, NULL,
                                      "byte offset %" PRIu64 " (seq %" PRIu64 "): CBOR payload: %s",
                                      off, v.seq, jerr.msg);
            rec->payload = it->jbuf.data;
            rec->len = it->jbuf.len;
        }
        rec->stored_len = v.frame_len;
        rec->segment = it->seg_name;
        rec->offset = off;
        memcpy(rec->chain, v.chain, ORDO_LOG_HASH_BYTES);
        it->returned++;
        if (q->limit && it->returned >= q->limit)
            it->done = true;
        return 1;
    }
}

static int add_point(uint64_t **pts, size_t *n, size_t *cap, uint64_t seq)
{
    if (*n && (*pts)[*n - 1] >= seq)
        return ORDO_OK;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        uint64_t *np = realloc(*pts, nc * sizeof *np);
        if (!np)
            return ORDO_ENOMEM;
        *pts = np;
        *cap = nc;
    }
    (*pts)[(*n)++] = seq;
    return ORDO_OK;
}

int ordo_log_split_points(const char *dir, uint64_t **pts, size_t *n, ordo_error_t *err)
{
    log_seg_name_t *segs = NULL;
    size_t nseg = 0, cap = 0;
    *pts = NULL;
    *n = 0;
    int rc = log_list_segments(dir, &segs, &nseg, err);
    for (size_t i = 0; rc == ORDO_OK && i < nseg; i++) {
        uint64_t first = segs[i].first_seq;
        uint64_t next = i + 1 < nseg ? segs[i + 1].first_seq : UINT64_MAX;
        rc = add_point(pts, n, &cap, first);
        char ipath[4096];
        snprintf(ipath, sizeof ipath, "%s/%020" PRIu64 LOG_IDX_SUFFIX, dir, first);
        log_seg_index_t ix;
        if (rc != ORDO_OK || log_index_read(ipath, &ix) != ORDO_OK)
            continue;
        for (size_t j = 0; j < ix.n && rc == ORDO_OK; j++)
            if (ix.e[j].first_seq > first && ix.e[j].first_seq < next)
                rc = add_point(pts, n, &cap, ix.e[j].first_seq);
        log_index_free(&ix);
    }
    free(segs);
    if (rc == ORDO_ENOMEM)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc != ORDO_OK) {
        free(*pts);
        *pts = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- verify ---- */

typedef struct verify_walk {
    const char *dir;
    const log_seg_name_t *segs;
    size_t nseg;
    uint64_t prev_last;
    uint8_t prev_chain[ORDO_LOG_HASH_BYTES];
    const uint8_t *trusted_pk; /* checkpoints' signer (NULL: none known) */
    ordo_log_verify_report_t *rep;
} verify_walk_t;

static void verify_fail(verify_walk_t *w, const char *file, uint64_t off, uint64_t seq, bool tail,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void verify_fail(verify_walk_t *w, const char *file, uint64_t off, uint64_t seq, bool tail,
                        const char *fmt, ...)
{
    ordo_log_verify_report_t *rep = w->rep;
    rep->ok = false;
    snprintf(rep->bad_segment, sizeof rep->bad_segment, "%s", file);
    rep->bad_offset = off;
    rep->bad_seq = seq;
    rep->bad_is_tail = tail;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
    va_end(ap);
}

/* The header of segment i: checksum, name, and that it continues the walk;
 * the first segment must be the genesis (seq 1, zero previous chain), or
 * continue a signed checkpoint (older segments archived). */
static const char *verify_header(const verify_walk_t *w, size_t i, const log_seg_header_t *h)
{
    static const uint8_t zero[ORDO_LOG_HASH_BYTES];
    if (h->first_seq != w->segs[i].first_seq)
        return "segment header's first seq does not match its file name";
    if (i == 0 && (h->first_seq != 1 || sodium_memcmp(h->prev_chain, zero, sizeof zero) != 0)) {
        const char *why = h->first_seq < 2 ? "the first segment starts at seq 1 with a non-zero "
                                             "previous-chain hash"
                                           : log_checkpoint_check(w->dir, h->first_seq,
                                                                  h->prev_chain, w->trusted_pk);
        if (why)
            return why;
        w->rep->checkpoint_seq = h->first_seq - 1;
    }
    if (i > 0 && h->first_seq != w->prev_last + 1)
        return "segment does not start right after the previous one (a segment is missing "
               "or out of order)";
    if (i > 0 && sodium_memcmp(h->prev_chain, w->prev_chain, sizeof w->prev_chain) != 0)
        return "segment header's previous-chain hash differs from the previous segment's "
               "last record (a segment was replaced or the chain broken)";
    return NULL;
}

/* A segment's .idx, when there is one, must be exactly the index the scan
 * built (ix): it is derived data, but readers follow it. */
static void verify_index(verify_walk_t *w, size_t i, const log_seg_index_t *ix)
{
    char ipath[4096], iname[64];
    snprintf(iname, sizeof iname, "%020" PRIu64 LOG_IDX_SUFFIX, w->segs[i].first_seq);
    snprintf(ipath, sizeof ipath, "%s/%s", w->dir, iname);
    log_seg_index_t got;
    int rc = log_index_read(ipath, &got);
    if (rc == ORDO_ENOENT)
        return;
    if (rc != ORDO_OK) {
        verify_fail(w, iname, 0, w->segs[i].first_seq, false,
                    "index file is damaged (truncated, or its magic or checksum is wrong)");
        return;
    }
    int d = log_index_diff(&got, ix);
    if (d >= 0)
        verify_fail(w, iname, d ? LOG_IDX_HDR + (uint64_t)(d - 1) * LOG_IDX_ENTRY : 0,
                    d ? got.e[d - 1].first_seq : w->segs[i].first_seq, false,
                    "index does not match segment %s (%s): forged or stale", w->segs[i].name,
                    d ? "a block differs" : "its totals differ");
    log_index_free(&got);
}

/* Checks segment i (mapped). The last one may end in zero padding or an
 * incomplete record: reported as its tail, not as damage; in a live one
 * whatever follows its proven end (live_end) is its tail. */
static int verify_segment(verify_walk_t *w, size_t i, const uint8_t *data, size_t len,
                          uint64_t live_end, ordo_error_t *err)
{
    ordo_log_verify_report_t *rep = w->rep;
    const char *name = w->segs[i].name;
    bool last = i + 1 == w->nseg;
    log_seg_header_t h;
    const char *why = log_seg_header_decode(data, len, &h);
    if (!why)
        why = verify_header(w, i, &h);
    if (why) {
        verify_fail(w, name, 0, i > 0 ? w->prev_last + 1 : 1, false, "%s", why);
        return ORDO_OK;
    }
    if (i == 0)
        rep->first_seq = h.first_seq;
    log_scan_t s;
    log_seg_index_t ix = {0};
    int rc = log_scan_segment(data, len, &h, true, &ix, &s);
    if (rc != ORDO_OK) {
        log_index_free(&ix);
        return ordo_error_set(err, rc, name, 0, NULL, "out of memory");
    }
    rep->records += s.records;
    w->prev_last = s.last_seq;
    memcpy(w->prev_chain, s.last_chain, sizeof w->prev_chain);
    if ((s.kind == LOG_SCAN_TORN || (s.kind != LOG_SCAN_OK && s.valid_len >= live_end)) && last) {
        rep->tail_offset = s.valid_len;
        rep->tail_bytes = len - s.valid_len;
        rep->tail_padding = s.kind == LOG_SCAN_TORN && s.tail == LOG_TAIL_PADDING;
    } else if (s.kind != LOG_SCAN_OK) {
        verify_fail(w, name, s.bad_offset, s.bad_seq, last && s.kind == LOG_SCAN_BAD_TAIL, "%s",
                    s.reason);
    }
    if (s.kind == LOG_SCAN_OK)
        verify_index(w, i, &ix);
    log_index_free(&ix);
    return ORDO_OK;
}

/* Maps a segment to verify. The last one may be live: it is never mapped
 * past the part that cannot be cut (the writer trims its padding at close
 * and rotation, and a mapped page past the end of a file raises SIGBUS);
 * the rest is read now. With a writer, *live_end gets the proven end: the
 * bytes before it were read after the writer published it, so a bad frame
 * there is damage; from it on, the writer may be rewriting the block. */
static int map_verified(const char *dir, const log_seg_name_t *seg, bool last, const char *path,
                        const uint8_t **data, size_t *len, uint64_t *live_end, ordo_error_t *err)
{
    if (!last)
        return log_map_file(path, data, len, err);
    log_live_t lv;
    log_live_probe(dir, &lv);
    uint64_t stable = live_proven(&lv, seg->first_seq);
    if (lv.have_mark && lv.seg_first_seq > seg->first_seq)
        stable = UINT64_MAX; /* sealed since the listing */
    else if (lv.live)
        *live_end = stable;
    int rc = log_map_file_stable(path, stable, data, len, err);
    log_live_release(&lv);
    return rc;
}

int ordo_log_verify(const char *dir, ordo_log_verify_report_t *rep, ordo_error_t *err)
{
    return ordo_log_verify_key(dir, NULL, rep, err);
}

int ordo_log_verify_key(const char *dir, const uint8_t *trusted_pk, ordo_log_verify_report_t *rep,
                        ordo_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialize");
    uint8_t pk[ORDO_LOG_PK_BYTES];
    if (!trusted_pk) {
        char kp[4200];
        ordo_log_checkpoint_key_default(dir, kp, sizeof kp, true);
        if (access(kp, F_OK) == 0 && ordo_log_checkpoint_public_key(kp, pk, NULL) == ORDO_OK)
            trusted_pk = pk;
    }
    log_seg_name_t *segs = NULL;
    size_t nseg = 0;
    int rc = log_list_segments(dir, &segs, &nseg, err);
    if (rc != ORDO_OK)
        return rc;
    rep->ok = true;
    verify_walk_t w = {
        .dir = dir, .segs = segs, .nseg = nseg, .rep = rep, .trusted_pk = trusted_pk};
    for (size_t i = 0; i < nseg && rc == ORDO_OK && rep->ok; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, segs[i].name);
        const uint8_t *data;
        size_t len;
        uint64_t live_end = UINT64_MAX;
        rc = map_verified(dir, &segs[i], i + 1 == nseg, path, &data, &len, &live_end, err);
        if (rc != ORDO_OK)
            break;
        rep->segments++;
        rep->bytes += len;
        rc = verify_segment(&w, i, data, len, live_end, err);
        log_unmap(data, len);
    }
    rep->last_seq = w.prev_last;
    memcpy(rep->head, w.prev_chain, sizeof w.prev_chain);
    if (!rep->records)
        rep->first_seq = 0;
    free(segs);
    return rc;
}
