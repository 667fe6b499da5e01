/* ordo log — reading: iterators (by seq, key, time, through the sparse
 * index) and verify (every checksum and the whole chain). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "log_internal.h"
#include "ordo/cbor.h"

typedef struct iter_range {
    uint64_t start, end;
} iter_range_t;

struct ordo_log_iter {
    char *dir;
    ordo_log_query_t q;
    char *key;
    log_seg_name_t *segs;
    size_t nseg, si;
    bool have_seg, seg_last;
    char seg_name[40];
    const uint8_t *data;
    size_t len;
    iter_range_t *r;
    size_t nr, rcap, ri;
    uint64_t pos;
    ZSTD_DCtx *dctx;
    ZSTD_DDict *ddict; /* the segment's dictionary */
    uint8_t *dbuf;
    size_t dcap;
    ordo_buf_t jbuf; /* a CBOR record's JSON text */
    uint64_t returned;
    bool done;
};

static int add_range(ordo_log_iter_t *it, uint64_t s, uint64_t e)
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
    it->nr++;
    return ORDO_OK;
}

static void close_seg(ordo_log_iter_t *it)
{
    log_unmap(it->data, it->len);
    ZSTD_freeDDict(it->ddict);
    it->ddict = NULL;
    it->data = NULL;
    it->len = 0;
    it->have_seg = false;
    it->nr = it->ri = 0;
    it->pos = 0;
}

static int open_seg(ordo_log_iter_t *it, size_t i, ordo_error_t *err)
{
    char path[4096], ipath[4096];
    snprintf(path, sizeof path, "%s/%s", it->dir, it->segs[i].name);
    snprintf(ipath, sizeof ipath, "%s/%020" PRIu64 LOG_IDX_SUFFIX, it->dir, it->segs[i].first_seq);
    int rc = log_map_file(path, &it->data, &it->len, err);
    if (rc != ORDO_OK)
        return rc;
    log_seg_header_t h;
    const char *why = log_seg_header_decode(it->data, it->len, &h);
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
    snprintf(it->seg_name, sizeof it->seg_name, "%s", it->segs[i].name);
    it->nr = it->ri = 0;
    it->pos = 0;
    log_seg_index_t ix;
    const ordo_log_query_t *q = &it->q;
    if (log_index_read(ipath, &ix) == ORDO_OK && ix.valid_len == it->len &&
        ix.first_seq == h.first_seq) {
        for (size_t j = 0; j < ix.n && rc == ORDO_OK; j++) {
            const log_idx_entry_t *e = &ix.e[j];
            uint64_t end = j + 1 < ix.n ? ix.e[j + 1].offset : ix.valid_len;
            if (q->from_seq && e->first_seq + e->count - 1 < q->from_seq)
                continue;
            if (it->key && q->key_len && !log_bloom_maybe(e->bloom, it->key, q->key_len))
                continue;
            if (q->has_time && (e->max_ts < q->ts_from || e->min_ts >= q->ts_to))
                continue;
            rc = add_range(it, e->offset, end);
        }
        log_index_free(&ix);
    } else if (it->len > h.hdr_len) {
        rc = add_range(it, h.hdr_len, it->len);
    }
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
        if (it->pos == 0)
            it->pos = it->r[it->ri].start;
        if (it->pos >= it->r[it->ri].end) {
            it->ri++;
            it->pos = 0;
            continue;
        }
        log_rec_view_t v;
        int st = log_rec_parse(it->data + it->pos, it->len - it->pos, &v);
        if (st != LOG_REC_OK) {
            if (it->seg_last && !log_valid_frame_after(it->data, it->len, it->pos + 1)) {
                it->done = true; /* torn tail of a crashed writer: open() cuts it */
                return 0;
            }
            return ordo_error_set(err, ORDO_ECORRUPT, it->seg_name, 0, NULL,
                                  "byte offset %" PRIu64 ": %s", it->pos, log_rec_status_str(st));
        }
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
        rec->payload = (v.flags & ORDO_LOG_FLAG_ZSTD) ? (const void *)it->dbuf : (const void *)v.payload;
        rec->len = v.raw_len;
        rec->appended = rec->payload;
        rec->appended_len = rec->len;
        if (v.flags & ORDO_LOG_FLAG_CBOR) {
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

/* ---- verify ---- */

int ordo_log_verify(const char *dir, ordo_log_verify_report_t *rep, ordo_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialize");
    log_seg_name_t *segs = NULL;
    size_t nseg = 0;
    int rc = log_list_segments(dir, &segs, &nseg, err);
    if (rc != ORDO_OK)
        return rc;
    rep->ok = true;
    uint64_t prev_last = 0;
    uint8_t prev_chain[ORDO_LOG_HASH_BYTES] = {0};
    for (size_t i = 0; i < nseg && rc == ORDO_OK && rep->ok; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, segs[i].name);
        const uint8_t *data;
        size_t len;
        rc = log_map_file(path, &data, &len, err);
        if (rc != ORDO_OK)
            break;
        rep->segments++;
        rep->bytes += len;
        log_seg_header_t h;
        const char *why = log_seg_header_decode(data, len, &h);
        if (!why && h.first_seq != segs[i].first_seq)
            why = "segment header's first seq does not match its file name";
        if (!why && i > 0 && h.first_seq != prev_last + 1)
            why = "segment does not start right after the previous one (a segment is missing "
                  "or out of order)";
        if (!why && i > 0 && sodium_memcmp(h.prev_chain, prev_chain, sizeof prev_chain) != 0)
            why = "segment header's previous-chain hash differs from the previous segment's "
                  "last record (a segment was replaced or the chain broken)";
        if (why) {
            rep->ok = false;
            snprintf(rep->bad_segment, sizeof rep->bad_segment, "%s", segs[i].name);
            rep->bad_offset = 0;
            rep->bad_seq = i > 0 ? prev_last + 1 : segs[i].first_seq;
            snprintf(rep->reason, sizeof rep->reason, "%s", why);
            log_unmap(data, len);
            break;
        }
        if (i == 0)
            rep->first_seq = h.first_seq;
        log_scan_t s;
        rc = log_scan_segment(data, len, &h, true, NULL, &s);
        log_unmap(data, len);
        if (rc != ORDO_OK) {
            ordo_error_set(err, rc, path, 0, NULL, "out of memory");
            break;
        }
        rep->records += s.records;
        prev_last = s.last_seq;
        memcpy(prev_chain, s.last_chain, sizeof prev_chain);
        if (s.kind != LOG_SCAN_OK) {
            rep->ok = false;
            snprintf(rep->bad_segment, sizeof rep->bad_segment, "%s", segs[i].name);
            rep->bad_offset = s.bad_offset;
            rep->bad_seq = s.bad_seq;
            rep->bad_is_tail = i + 1 == nseg && (s.kind == LOG_SCAN_TORN || s.kind == LOG_SCAN_BAD_TAIL);
            snprintf(rep->reason, sizeof rep->reason, "%s", s.reason);
        }
    }
    rep->last_seq = prev_last;
    memcpy(rep->head, prev_chain, sizeof prev_chain);
    if (!rep->records)
        rep->first_seq = 0;
    free(segs);
    return rc;
}
