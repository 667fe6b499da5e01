/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — on-disk format: segment headers, record frames, the BLAKE2b
 * chain, the sparse index and the segment scanner used by recovery,
 * iteration and verify. See docs/internals/LOG.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <xxhash.h>

#include "../core/xxh3_internal.h"

#include "log_internal.h"
#include "ordo/util.h"

/* ---- segment header ---- */

/* Fixed part (128 bytes): magic, version, header length (fixed part +
 * dictionary), first seq, segment number, creation time, previous
 * segment's last chain hash, dictionary length; XXH3 of everything else
 * (dictionary included) in the last 8 bytes of the fixed part. */
static uint64_t seg_header_sum(const uint8_t *p, uint32_t dict_len)
{
    uint64_t fixed = XXH3_64bits(p, LOG_SEG_HDR_SIZE - 8);
    return dict_len ? XXH3_64bits_withSeed(p + LOG_SEG_HDR_SIZE, dict_len, fixed) : fixed;
}

void log_seg_header_encode(const log_seg_header_t *h, uint8_t *out)
{
    memset(out, 0, LOG_SEG_HDR_SIZE);
    memcpy(out, LOG_SEG_MAGIC, 8);
    log_put32(out + 8, LOG_SEG_VERSION);
    log_put32(out + 12, LOG_SEG_HDR_SIZE + h->dict_len);
    log_put64(out + 16, h->first_seq);
    log_put64(out + 24, h->seg_no);
    log_put64(out + 32, (uint64_t)h->created_ns);
    memcpy(out + 40, h->prev_chain, ORDO_LOG_HASH_BYTES);
    log_put32(out + 72, h->dict_len);
    log_put32(out + 76, h->flags);
    if (h->dict_len)
        memcpy(out + LOG_SEG_HDR_SIZE, h->dict, h->dict_len);
    log_put64(out + LOG_SEG_HDR_SIZE - 8, seg_header_sum(out, h->dict_len));
}

uint32_t log_seg_header_dict_len(const uint8_t *p, size_t n)
{
    if (n < LOG_SEG_HDR_SIZE || memcmp(p, LOG_SEG_MAGIC, 8) != 0)
        return 0;
    uint32_t d = log_get32(p + 72);
    return d <= LOG_DICT_MAX ? d : 0;
}

const char *log_seg_header_decode(const uint8_t *p, size_t n, log_seg_header_t *h)
{
    if (n < LOG_SEG_HDR_SIZE)
        return "segment shorter than its header";
    if (memcmp(p, LOG_SEG_MAGIC, 8) != 0)
        return "bad segment magic";
    uint32_t dict_len = log_get32(p + 72);
    if (dict_len > LOG_DICT_MAX || log_get32(p + 12) != LOG_SEG_HDR_SIZE + dict_len)
        return "bad segment header length";
    if (n < LOG_SEG_HDR_SIZE + (size_t)dict_len)
        return "segment shorter than its header";
    if (log_get64(p + LOG_SEG_HDR_SIZE - 8) != seg_header_sum(p, dict_len))
        return "segment header checksum mismatch";
    if (log_get32(p + 8) != LOG_SEG_VERSION)
        return "unsupported segment version";
    h->first_seq = log_get64(p + 16);
    h->seg_no = log_get64(p + 24);
    h->created_ns = (int64_t)log_get64(p + 32);
    memcpy(h->prev_chain, p + 40, ORDO_LOG_HASH_BYTES);
    h->dict_len = dict_len;
    h->flags = log_get32(p + 76);
    h->hdr_len = LOG_SEG_HDR_SIZE + dict_len;
    h->dict = dict_len ? p + LOG_SEG_HDR_SIZE : NULL;
    return NULL;
}

void log_seg_chain_start(const log_seg_header_t *h, uint8_t out[ORDO_LOG_HASH_BYTES])
{
    if (!h->dict_len) {
        memcpy(out, h->prev_chain, ORDO_LOG_HASH_BYTES);
        return;
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, ORDO_LOG_HASH_BYTES);
    crypto_generichash_update(&st, h->prev_chain, ORDO_LOG_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)"zstd-dict", 9);
    crypto_generichash_update(&st, h->dict, h->dict_len);
    crypto_generichash_final(&st, out, ORDO_LOG_HASH_BYTES);
}

/* ---- record frame ---- */

uint64_t log_rec_checksum(const uint8_t *frame, size_t body_len)
{
    uint64_t seed = XXH3_64bits(frame, 16);
    return core_xxh3_64(frame + LOG_REC_HDR_SIZE, body_len, seed); /* built in: xxh3_internal.h */
}

void log_rec_digest(int64_t ts, const void *key, size_t keylen, const void *stored, size_t len,
                    uint8_t out[ORDO_LOG_HASH_BYTES])
{
    uint8_t t[8];
    log_put64(t, (uint64_t)ts);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, ORDO_LOG_HASH_BYTES);
    crypto_generichash_update(&st, t, 8);
    if (keylen)
        crypto_generichash_update(&st, key, keylen);
    if (len)
        crypto_generichash_update(&st, stored, len);
    crypto_generichash_final(&st, out, ORDO_LOG_HASH_BYTES);
}

void log_chain_step(const uint8_t prev[ORDO_LOG_HASH_BYTES], const uint8_t *frame, uint64_t seq,
                    const uint8_t digest[ORDO_LOG_HASH_BYTES], uint8_t out[ORDO_LOG_HASH_BYTES])
{
    uint8_t m[ORDO_LOG_HASH_BYTES + 16 + 8 + ORDO_LOG_HASH_BYTES];
    memcpy(m, prev, ORDO_LOG_HASH_BYTES);
    memcpy(m + ORDO_LOG_HASH_BYTES, frame, 16);
    log_put64(m + ORDO_LOG_HASH_BYTES + 16, seq);
    memcpy(m + ORDO_LOG_HASH_BYTES + 24, digest, ORDO_LOG_HASH_BYTES);
    crypto_generichash(out, ORDO_LOG_HASH_BYTES, m, sizeof m, NULL, 0);
}

void log_chain_next(const uint8_t prev[ORDO_LOG_HASH_BYTES], const uint8_t *frame, size_t body_len,
                    uint8_t out[ORDO_LOG_HASH_BYTES])
{
    const uint8_t *b = frame + LOG_REC_HDR_SIZE;
    uint8_t keylen = frame[11];
    size_t stored = body_len - LOG_REC_FIXED_BODY - keylen - ORDO_LOG_HASH_BYTES;
    uint8_t d[ORDO_LOG_HASH_BYTES];
    log_rec_digest((int64_t)log_get64(b + 8), b + LOG_REC_FIXED_BODY, keylen,
                   b + LOG_REC_FIXED_BODY + keylen, stored, d);
    log_chain_step(prev, frame, log_get64(b), d, out);
}

/* Is body_len possible for a frame whose key is key_len bytes? */
static bool rec_len_ok(uint32_t body_len, uint8_t key_len)
{
    return body_len <= LOG_REC_BODY_MAX &&
           body_len >= LOG_REC_FIXED_BODY + ORDO_LOG_HASH_BYTES + (uint32_t)key_len;
}

int log_rec_parse(const uint8_t *p, size_t avail, log_rec_view_t *v)
{
    if (avail < LOG_REC_HDR_SIZE) {
        /* a partial header still tells torn from garbage: every field
         * present is checked, none is read past avail */
        uint8_t m[4];
        log_put32(m, LOG_REC_MAGIC);
        if (memcmp(p, m, avail < 4 ? avail : 4) != 0)
            return LOG_REC_BADMAGIC;
        if (avail >= 8 && log_get32(p + 4) > LOG_REC_BODY_MAX)
            return LOG_REC_BADLEN;
        if (avail >= 12 && !rec_len_ok(log_get32(p + 4), p[11]))
            return LOG_REC_BADLEN;
        return LOG_REC_TRUNC;
    }
    if (log_get32(p) != LOG_REC_MAGIC)
        return LOG_REC_BADMAGIC;
    uint32_t body_len = log_get32(p + 4);
    uint8_t key_len = p[11];
    if (!rec_len_ok(body_len, key_len))
        return LOG_REC_BADLEN;
    if (avail - LOG_REC_HDR_SIZE < body_len)
        return LOG_REC_TRUNC;
    if (log_get64(p + 16) != log_rec_checksum(p, body_len))
        return LOG_REC_BADSUM;
    const uint8_t *b = p + LOG_REC_HDR_SIZE;
    v->frame = p;
    v->body_len = body_len;
    v->type = log_get16(p + 8);
    v->flags = p[10];
    v->key_len = key_len;
    v->raw_len = log_get32(p + 12);
    v->seq = log_get64(b);
    v->ts = (int64_t)log_get64(b + 8);
    v->key = b + LOG_REC_FIXED_BODY;
    v->payload = v->key + key_len;
    v->payload_len = body_len - LOG_REC_FIXED_BODY - key_len - ORDO_LOG_HASH_BYTES;
    v->chain = b + body_len - ORDO_LOG_HASH_BYTES;
    v->frame_len = LOG_REC_HDR_SIZE + (size_t)body_len;
    return LOG_REC_OK;
}

const char *log_rec_status_str(int st)
{
    switch (st) {
    case LOG_REC_OK:
        return "ok";
    case LOG_REC_TRUNC:
        return "incomplete record (frame runs past the end of the file)";
    case LOG_REC_BADMAGIC:
        return "bad record magic";
    case LOG_REC_BADLEN:
        return "impossible record length";
    case LOG_REC_BADSUM:
        return "record checksum (XXH3) mismatch";
    default:
        return "?";
    }
}

/* ---- payload decoding ---- */

int log_decode_payload(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const log_rec_view_t *v,
                       uint8_t **buf, size_t *cap, const char **why)
{
    if (!(v->flags & ORDO_LOG_FLAG_ZSTD)) {
        if (v->raw_len != v->payload_len) {
            *why = "stored length differs from raw length of an uncompressed payload";
            return ORDO_ECORRUPT;
        }
        return ORDO_OK;
    }
    if (v->raw_len > ORDO_LOG_PAYLOAD_MAX) {
        *why = "raw payload length too large";
        return ORDO_ECORRUPT;
    }
    if (*cap < (size_t)v->raw_len + 1) {
        size_t nc = (size_t)v->raw_len + 1 < 4096 ? 4096 : (size_t)v->raw_len + 1;
        uint8_t *nb = realloc(*buf, nc);
        if (!nb)
            return ORDO_ENOMEM;
        *buf = nb;
        *cap = nc;
    }
    size_t r = ddict ? ZSTD_decompress_usingDDict(dctx, *buf, v->raw_len, v->payload,
                                                  v->payload_len, ddict)
                     : ZSTD_decompressDCtx(dctx, *buf, v->raw_len, v->payload, v->payload_len);
    if (ZSTD_isError(r)) {
        *why = "compressed payload does not decode";
        return ORDO_ECORRUPT;
    }
    if (r != v->raw_len) {
        *why = "compressed payload decodes to the wrong length";
        return ORDO_ECORRUPT;
    }
    (*buf)[v->raw_len] = 0;
    return ORDO_OK;
}

/* ---- sparse index ---- */

void log_bloom_add(uint8_t *bloom, const void *key, size_t len)
{
    uint64_t h = XXH3_64bits(key, len);
    uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1u;
    for (int i = 0; i < LOG_BLOOM_K; i++) {
        uint32_t bit = (h1 + (uint32_t)i * h2) % (LOG_BLOOM_BYTES * 8);
        bloom[bit >> 3] |= (uint8_t)(1u << (bit & 7));
    }
}

bool log_bloom_maybe(const uint8_t *bloom, const void *key, size_t len)
{
    uint64_t h = XXH3_64bits(key, len);
    uint32_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1u;
    for (int i = 0; i < LOG_BLOOM_K; i++) {
        uint32_t bit = (h1 + (uint32_t)i * h2) % (LOG_BLOOM_BYTES * 8);
        if (!(bloom[bit >> 3] & (1u << (bit & 7))))
            return false;
    }
    return true;
}

void log_index_free(log_seg_index_t *ix)
{
    free(ix->e);
    ix->e = NULL;
    ix->n = ix->cap = 0;
}

int log_index_add(log_seg_index_t *ix, const log_rec_view_t *v, uint64_t offset, bool block_start)
{
    if (block_start || ix->n == 0) {
        if (ix->n == ix->cap) {
            size_t nc = ix->cap ? ix->cap * 2 : 64;
            log_idx_entry_t *ne = realloc(ix->e, nc * sizeof *ne);
            if (!ne)
                return ORDO_ENOMEM;
            ix->e = ne;
            ix->cap = nc;
        }
        log_idx_entry_t *e = &ix->e[ix->n++];
        memset(e, 0, sizeof *e);
        e->first_seq = v->seq;
        e->offset = offset;
        e->min_ts = e->max_ts = v->ts;
    }
    log_idx_entry_t *e = &ix->e[ix->n - 1];
    if (v->ts < e->min_ts)
        e->min_ts = v->ts;
    if (v->ts > e->max_ts)
        e->max_ts = v->ts;
    e->count++;
    if (v->key_len)
        log_bloom_add(e->bloom, v->key, v->key_len);
    ix->records++;
    ix->last_seq = v->seq;
    memcpy(ix->last_chain, v->chain, ORDO_LOG_HASH_BYTES);
    ix->valid_len = offset + v->frame_len;
    return ORDO_OK;
}

#define IDX_HDR LOG_IDX_HDR
#define IDX_ENTRY LOG_IDX_ENTRY
_Static_assert(LOG_IDX_ENTRY == 8 + 8 + 8 + 8 + 4 + 4 + LOG_BLOOM_BYTES, "index entry size");

int log_index_write(const char *path, const log_seg_index_t *ix, ordo_error_t *err)
{
    size_t total = IDX_HDR + ix->n * IDX_ENTRY + 8;
    uint8_t *b = calloc(1, total);
    if (!b)
        return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    memcpy(b, LOG_IDX_MAGIC, 8);
    log_put32(b + 8, 1);
    log_put32(b + 12, (uint32_t)ix->n);
    log_put64(b + 16, ix->first_seq);
    log_put64(b + 24, ix->last_seq);
    log_put64(b + 32, ix->valid_len);
    log_put64(b + 40, ix->records);
    memcpy(b + 48, ix->last_chain, ORDO_LOG_HASH_BYTES);
    uint8_t *p = b + IDX_HDR;
    for (size_t i = 0; i < ix->n; i++, p += IDX_ENTRY) {
        const log_idx_entry_t *e = &ix->e[i];
        log_put64(p, e->first_seq);
        log_put64(p + 8, e->offset);
        log_put64(p + 16, (uint64_t)e->min_ts);
        log_put64(p + 24, (uint64_t)e->max_ts);
        log_put32(p + 32, e->count);
        memcpy(p + 40, e->bloom, LOG_BLOOM_BYTES);
    }
    log_put64(p, XXH3_64bits(b, total - 8));
    int rc = ordo_write_file_atomic(path, b, total, err);
    free(b);
    return rc;
}

int log_index_read(const char *path, log_seg_index_t *ix)
{
    memset(ix, 0, sizeof *ix);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ORDO_ENOENT;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)(IDX_HDR + 8) || st.st_size > (1 << 30)) {
        close(fd);
        return ORDO_ECORRUPT;
    }
    size_t total = (size_t)st.st_size;
    uint8_t *b = malloc(total);
    if (!b) {
        close(fd);
        return ORDO_ENOMEM;
    }
    ssize_t got = pread(fd, b, total, 0);
    close(fd);
    int rc = ORDO_ECORRUPT;
    if (got != (ssize_t)total || memcmp(b, LOG_IDX_MAGIC, 8) != 0 || log_get32(b + 8) != 1 ||
        log_get64(b + total - 8) != XXH3_64bits(b, total - 8))
        goto out;
    uint32_t n = log_get32(b + 12);
    if ((size_t)IDX_HDR + (size_t)n * IDX_ENTRY + 8 != total)
        goto out;
    ix->first_seq = log_get64(b + 16);
    ix->last_seq = log_get64(b + 24);
    ix->valid_len = log_get64(b + 32);
    ix->records = log_get64(b + 40);
    memcpy(ix->last_chain, b + 48, ORDO_LOG_HASH_BYTES);
    ix->e = calloc(n ? n : 1, sizeof *ix->e);
    if (!ix->e) {
        rc = ORDO_ENOMEM;
        goto out;
    }
    ix->n = ix->cap = n;
    const uint8_t *p = b + IDX_HDR;
    for (uint32_t i = 0; i < n; i++, p += IDX_ENTRY) {
        log_idx_entry_t *e = &ix->e[i];
        e->first_seq = log_get64(p);
        e->offset = log_get64(p + 8);
        e->min_ts = (int64_t)log_get64(p + 16);
        e->max_ts = (int64_t)log_get64(p + 24);
        e->count = log_get32(p + 32);
        memcpy(e->bloom, p + 40, LOG_BLOOM_BYTES);
    }
    rc = ORDO_OK;
out:
    free(b);
    if (rc != ORDO_OK)
        log_index_free(ix);
    return rc;
}

const char *log_index_check(const log_seg_index_t *ix, uint64_t first_seq, uint64_t hdr_len,
                            uint64_t seg_len)
{
    if (ix->first_seq != first_seq)
        return "its first seq differs from the segment's";
    if (ix->valid_len != seg_len || ix->valid_len < hdr_len)
        return "its length differs from the segment's";
    uint64_t seq = first_seq, records = 0;
    for (size_t j = 0; j < ix->n; j++) {
        const log_idx_entry_t *e = &ix->e[j];
        uint64_t end = j + 1 < ix->n ? ix->e[j + 1].offset : ix->valid_len;
        if (e->first_seq != seq)
            return "its blocks do not follow each other in seq";
        if (j == 0 && e->offset != hdr_len)
            return "its first block does not start after the segment header";
        if (e->count == 0 || end <= e->offset || end > ix->valid_len ||
            (end - e->offset) / LOG_REC_OVERHEAD < e->count)
            return "a block's offset or record count is impossible";
        seq += e->count;
        records += e->count;
    }
    if (records != ix->records || seq - 1 != ix->last_seq)
        return "its record count or last seq disagrees with its blocks";
    if (ix->n == 0 && ix->valid_len != hdr_len)
        return "it has no blocks but the segment has records";
    return NULL;
}

int log_index_diff(const log_seg_index_t *a, const log_seg_index_t *b)
{
    if (a->first_seq != b->first_seq || a->last_seq != b->last_seq || a->records != b->records ||
        a->valid_len != b->valid_len || memcmp(a->last_chain, b->last_chain, ORDO_LOG_HASH_BYTES))
        return 0;
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t j = 0; j < n; j++) {
        const log_idx_entry_t *x = &a->e[j], *y = &b->e[j];
        if (x->first_seq != y->first_seq || x->offset != y->offset || x->min_ts != y->min_ts ||
            x->max_ts != y->max_ts || x->count != y->count ||
            memcmp(x->bloom, y->bloom, LOG_BLOOM_BYTES) != 0)
            return (int)j + 1;
    }
    return a->n == b->n ? -1 : (int)n + 1;
}

/* ---- segment scan ---- */

/* Is there any complete frame with a good checksum at or after from? */
bool log_valid_frame_after(const uint8_t *data, size_t len, size_t from)
{
    uint8_t m[4];
    log_put32(m, LOG_REC_MAGIC);
    size_t pos = from;
    while (pos + LOG_REC_HDR_SIZE <= len) {
        const uint8_t *hit = memmem(data + pos, len - pos, m, 4);
        if (!hit)
            return false;
        size_t off = (size_t)(hit - data);
        log_rec_view_t v;
        if (log_rec_parse(hit, len - off, &v) == LOG_REC_OK)
            return true;
        pos = off + 1;
    }
    return false;
}

/* Does the frame at p, with its magic restored and its body length set so
 * that it is flen bytes long, have a good checksum? (A frame that does is
 * a complete record whose magic or length field was damaged.) */
static bool frame_sum_with_len(const uint8_t *p, size_t n, size_t flen)
{
    if (flen > n || flen < LOG_REC_OVERHEAD || flen - LOG_REC_HDR_SIZE > LOG_REC_BODY_MAX)
        return false;
    uint8_t h[16];
    memcpy(h, p, sizeof h);
    log_put32(h, LOG_REC_MAGIC);
    log_put32(h + 4, (uint32_t)(flen - LOG_REC_HDR_SIZE));
    uint64_t seed = XXH3_64bits(h, sizeof h);
    return XXH3_64bits_withSeed(p + LOG_REC_HDR_SIZE, flen - LOG_REC_HDR_SIZE, seed) ==
           log_get64(p + 16);
}

/* Is there a complete record at p whose magic or length was damaged? The
 * true end of such a record is where the trailing zeros of the segment
 * begin (z, relative to p; padding may follow it) or a few bytes later
 * (its chain hash may end in zeros), or at its stated length. */
static bool damaged_record(const uint8_t *p, size_t n, size_t z)
{
    if (n < LOG_REC_HDR_SIZE)
        return false;
    size_t stated = LOG_REC_HDR_SIZE + (size_t)log_get32(p + 4);
    if (stated <= n && frame_sum_with_len(p, n, stated))
        return true;
    for (size_t e = z; e <= n && e <= z + ORDO_LOG_HASH_BYTES; e++)
        if (e != stated && frame_sum_with_len(p, n, e))
            return true;
    return false;
}

static const uint8_t zero_block[LOG_DIO_ALIGN];

/* Where the zeros that end data[pos..len) start (pos when all of it is
 * zero); a written-ahead segment can hold megabytes of them. */
static size_t zeros_start(const uint8_t *data, size_t pos, size_t len)
{
    size_t z = len;
    while (z - pos >= sizeof zero_block &&
           memcmp(data + z - sizeof zero_block, zero_block, sizeof zero_block) == 0)
        z -= sizeof zero_block;
    while (z > pos && data[z - 1] == 0)
        z--;
    return z;
}

bool log_ahead_padding(const uint8_t *data, size_t len, size_t pos, uint32_t seg_flags)
{
    return (seg_flags & LOG_SEG_FLAG_AHEAD) && len % LOG_DIO_ALIGN == 0 && pos < len &&
           zeros_start(data, pos, len) == pos;
}

int log_tail_classify(const uint8_t *data, size_t len, size_t pos, int st, uint32_t seg_flags,
                      size_t *zero_from)
{
    const uint8_t *p = data + pos;
    size_t n = len - pos;
    size_t z = zeros_start(data, pos, len); /* start of the trailing zeros */
    if (zero_from)
        *zero_from = z;
    if (z == pos) /* zeros from a record boundary: padding when they end a block (and, in a
                     segment written ahead, whatever their length) */
        return (n < LOG_DIO_ALIGN || (seg_flags & LOG_SEG_FLAG_AHEAD)) && len % LOG_DIO_ALIGN == 0
                   ? LOG_TAIL_PADDING
                   : LOG_TAIL_TORN;
    if ((seg_flags & LOG_SEG_FLAG_AHEAD) && len % LOG_DIO_ALIGN == 0) {
        /* In a segment written ahead a direct write torn at a block
         * boundary leaves its frame's bytes up to that boundary and the
         * zeros written ahead after it: read as the file ending there, the
         * frame is incomplete (TRUNC) when it was torn, also inside its
         * header, where the zeros would otherwise read as a bad magic or
         * length. */
        size_t b = (z + LOG_DIO_ALIGN - 1) / LOG_DIO_ALIGN * LOG_DIO_ALIGN;
        log_rec_view_t v;
        if (b > pos && b <= len && log_rec_parse(p, b - pos, &v) == LOG_REC_TRUNC)
            return LOG_TAIL_TORN;
    }
    if (damaged_record(p, n, z - pos))
        return LOG_TAIL_DAMAGED; /* complete, with its magic or length damaged */
    size_t stated = n >= 8 ? LOG_REC_HDR_SIZE + (size_t)log_get32(p + 4) : SIZE_MAX;
    if (st == LOG_REC_BADSUM) {
        /* complete by its length, bad checksum: corruption, unless its
         * chain hash and all after it are zeros (blocks a crash left
         * unwritten: the frame was never whole on disk) */
        if (z <= pos + stated - ORDO_LOG_HASH_BYTES)
            return LOG_TAIL_TORN;
        /* In a segment written ahead the file does not end where a torn
         * write stopped: zeros follow it. A direct write torn at a block
         * boundary inside the chain hash leaves zeros from that boundary
         * on; a whole record whose chain hash ends in zeros from a block
         * boundary on is as unlikely as 8 zero bits per byte. */
        size_t b = (z + LOG_DIO_ALIGN - 1) / LOG_DIO_ALIGN * LOG_DIO_ALIGN;
        return (seg_flags & LOG_SEG_FLAG_AHEAD) && b < pos + stated ? LOG_TAIL_TORN
                                                                    : LOG_TAIL_DAMAGED;
    }
    if (st == LOG_REC_TRUNC)
        return LOG_TAIL_TORN; /* its stated length runs past the end */
    if (st == LOG_REC_BADLEN && stated <= n)
        return LOG_TAIL_DAMAGED; /* complete by its length (a key length flip) */
    return LOG_TAIL_GARBAGE;
}

const char *log_tail_str(int kind)
{
    switch (kind) {
    case LOG_TAIL_PADDING:
        return "zero padding after the last record (of its direct I/O block, or written ahead; "
               "an active segment, or a crashed writer's)";
    case LOG_TAIL_TORN:
        return "incomplete record at the end of the segment (a write in progress, or cut short "
               "by a crash; never acknowledged)";
    case LOG_TAIL_GARBAGE:
        return "bytes after the last record that are neither a record nor padding";
    case LOG_TAIL_DAMAGED:
        return "complete record with a bad checksum or a damaged header at the end of the "
               "segment: corruption, not a torn write";
    default:
        return "?";
    }
}

/* The scan stops at a frame that does not parse at pos: the end of the
 * segment's records (zeros, a torn frame) or corruption; res says which. */
static void bad_frame(const uint8_t *data, size_t len, size_t pos, int st, uint32_t seg_flags,
                      log_scan_t *res)
{
    if (log_ahead_padding(data, len, pos, seg_flags)) {
        res->tail = LOG_TAIL_PADDING;
        res->kind = LOG_SCAN_TORN;
        snprintf(res->reason, sizeof res->reason, "%s", log_tail_str(LOG_TAIL_PADDING));
        return;
    }
    if (log_valid_frame_after(data, len, pos + 1)) {
        res->kind = LOG_SCAN_BAD_MID;
        snprintf(res->reason, sizeof res->reason, "%s (valid records follow it)",
                 log_rec_status_str(st));
        return;
    }
    int tk = log_tail_classify(data, len, pos, st, seg_flags, NULL);
    res->tail = tk;
    res->kind = tk == LOG_TAIL_PADDING || tk == LOG_TAIL_TORN ? LOG_SCAN_TORN
                : tk == LOG_TAIL_GARBAGE                      ? LOG_SCAN_BAD_TAIL
                                                              : LOG_SCAN_BAD_MID;
    snprintf(res->reason, sizeof res->reason, "%s (%s)", log_tail_str(tk), log_rec_status_str(st));
}

int log_scan_segment(const uint8_t *data, size_t len, const log_seg_header_t *h, bool decompress,
                     log_seg_index_t *ix, log_scan_t *res)
{
    memset(res, 0, sizeof *res);
    uint8_t chain[ORDO_LOG_HASH_BYTES];
    log_seg_chain_start(h, chain);
    uint64_t expect = h->first_seq;
    size_t pos = h->hdr_len;
    ZSTD_DCtx *dctx = NULL;
    ZSTD_DDict *ddict = NULL;
    uint8_t *dbuf = NULL;
    size_t dcap = 0;
    int rc = ORDO_OK;
    if (ix) {
        ix->first_seq = h->first_seq;
        ix->last_seq = h->first_seq - 1;
        memcpy(ix->last_chain, chain, ORDO_LOG_HASH_BYTES);
        ix->valid_len = h->hdr_len;
    }
    res->last_seq = h->first_seq - 1;
    memcpy(res->last_chain, chain, sizeof chain);
    res->valid_len = h->hdr_len;
    if (decompress) {
        dctx = ZSTD_createDCtx();
        if (!dctx)
            return ORDO_ENOMEM;
        if (h->dict_len) {
            ddict = ZSTD_createDDict(h->dict, h->dict_len);
            if (!ddict) {
                ZSTD_freeDCtx(dctx);
                return ORDO_ENOMEM;
            }
        }
    }
    while (pos < len) {
        log_rec_view_t v;
        int st = log_rec_parse(data + pos, len - pos, &v);
        res->bad_offset = pos;
        res->bad_seq = expect;
        if (st != LOG_REC_OK) {
            bad_frame(data, len, pos, st, h->flags, res);
            goto done;
        }
        if (v.seq != expect) {
            res->kind = LOG_SCAN_BAD_MID;
            snprintf(res->reason, sizeof res->reason,
                     "sequence gap: record has seq %" PRIu64 ", expected %" PRIu64
                     " (a record was deleted or reordered)",
                     v.seq, expect);
            goto done;
        }
        uint8_t want[ORDO_LOG_HASH_BYTES];
        log_chain_next(chain, v.frame, v.body_len, want);
        if (sodium_memcmp(want, v.chain, ORDO_LOG_HASH_BYTES) != 0) {
            res->kind = LOG_SCAN_BAD_MID;
            snprintf(res->reason, sizeof res->reason,
                     "hash chain mismatch (the record or one before it was altered)");
            goto done;
        }
        if (decompress) {
            const char *why = NULL;
            int drc = log_decode_payload(dctx, ddict, &v, &dbuf, &dcap, &why);
            if (drc == ORDO_ENOMEM) {
                rc = drc;
                goto done;
            }
            if (drc != ORDO_OK) {
                res->kind = LOG_SCAN_BAD_MID;
                snprintf(res->reason, sizeof res->reason, "%s", why);
                goto done;
            }
        }
        if (ix && (rc = log_index_add(ix, &v, pos, (v.flags & ORDO_LOG_FLAG_BLOCK_START) != 0)))
            goto done;
        memcpy(chain, v.chain, sizeof chain);
        memcpy(res->last_chain, chain, sizeof chain);
        res->last_seq = v.seq;
        res->records++;
        pos += v.frame_len;
        res->valid_len = pos;
        expect++;
    }
    res->kind = LOG_SCAN_OK;
done:
    ZSTD_freeDDict(ddict);
    ZSTD_freeDCtx(dctx);
    free(dbuf);
    return rc;
}

/* ---- directory ---- */

void log_seg_filename(uint64_t first_seq, char out[40])
{
    snprintf(out, 40, "%020" PRIu64 LOG_SEG_SUFFIX, first_seq);
}

static int cmp_seg(const void *a, const void *b)
{
    const log_seg_name_t *x = a, *y = b;
    return x->first_seq < y->first_seq ? -1 : x->first_seq > y->first_seq;
}

int log_list_segments(const char *dir, log_seg_name_t **out, size_t *n, ordo_error_t *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return ordo_error_set(err, errno == ENOENT ? ORDO_ENOENT : ORDO_EIO, dir, 0, NULL,
                              "cannot open log directory: %s", strerror(errno));
    log_seg_name_t *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        size_t l = strlen(nm);
        if (l != 20 + strlen(LOG_SEG_SUFFIX) || strcmp(nm + 20, LOG_SEG_SUFFIX) != 0)
            continue;
        uint64_t s = 0;
        bool ok = true;
        for (int i = 0; i < 20; i++) {
            if (nm[i] < '0' || nm[i] > '9') {
                ok = false;
                break;
            }
            s = s * 10 + (uint64_t)(nm[i] - '0');
        }
        if (!ok)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            log_seg_name_t *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                closedir(d);
                return ordo_error_set(err, ORDO_ENOMEM, dir, 0, NULL, "out of memory");
            }
            v = nv;
        }
        memcpy(v[cnt].name, nm, l + 1);
        v[cnt].first_seq = s;
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_seg);
    *out = v;
    *n = cnt;
    return ORDO_OK;
}

int log_map_file_stable(const char *path, uint64_t stable_len, const uint8_t **data, size_t *len,
                        ordo_error_t *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ordo_error_set(err, errno == ENOENT ? ORDO_ENOENT : ORDO_EIO, path, 0, NULL,
                              "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "stat: %s", strerror(e));
    }
    size_t n = (size_t)st.st_size, page = (size_t)sysconf(_SC_PAGESIZE);
    size_t mapped = stable_len < n ? (size_t)stable_len / page * page : n;
    if (n == 0) {
        close(fd);
        return ORDO_OK;
    }
    /* one range: the file's stable part mapped, the rest (anonymous pages
     * right after it) read now */
    uint8_t *m =
        mmap(NULL, n, PROT_READ | (mapped < n ? PROT_WRITE : 0),
             mapped < n ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_PRIVATE, mapped < n ? -1 : fd, 0);
    int e = m == MAP_FAILED ? errno : 0;
    if (!e && mapped && mapped < n &&
        mmap(m, mapped, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
        e = errno;
    size_t got = mapped;
    while (!e && got < n) {
        ssize_t r = pread(fd, m + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* the file was cut meanwhile: zeros from here */
        got += (size_t)r;
    }
    close(fd);
    if (e) {
        if (m != MAP_FAILED)
            munmap(m, n);
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "mmap: %s", strerror(e));
    }
    if (mapped < n)
        (void)mprotect(m + mapped, n - mapped, PROT_READ); /* a guard only */
    madvise(m, mapped, MADV_SEQUENTIAL);
    *data = m;
    *len = n;
    return ORDO_OK;
}

int log_map_file(const char *path, const uint8_t **data, size_t *len, ordo_error_t *err)
{
    return log_map_file_stable(path, UINT64_MAX, data, len, err); /* all of it mapped */
}

void log_unmap(const uint8_t *data, size_t len)
{
    if (data && len)
        munmap((void *)data, len);
}

char *ordo_log_hash_hex(const uint8_t hash[ORDO_LOG_HASH_BYTES], char *buf)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < ORDO_LOG_HASH_BYTES; i++) {
        buf[2 * i] = hx[hash[i] >> 4];
        buf[2 * i + 1] = hx[hash[i] & 15];
    }
    buf[2 * ORDO_LOG_HASH_BYTES] = 0;
    return buf;
}
