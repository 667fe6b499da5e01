/* ordo log — internal format helpers shared by writer, reader and verify.
 * The layout is documented in docs/internals/LOG.md. */
#ifndef ORDO_LOG_INTERNAL_H
#define ORDO_LOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zstd.h>

#include "ordo/log.h"

#define LOG_SEG_MAGIC "ORDOLOG1"
#define LOG_SEG_VERSION 1u
#define LOG_SEG_HDR_SIZE 128u
#define LOG_SEG_SUFFIX ".seg"
#define LOG_IDX_SUFFIX ".idx"
#define LOG_IDX_MAGIC "ORDOIDX1"

#define LOG_REC_MAGIC 0xA76F4CD0u /* bytes D0 4C 6F A7 on disk */
#define LOG_REC_HDR_SIZE 24u      /* magic, body_len, type, flags, keylen, raw_len, xxh3 */
#define LOG_REC_FIXED_BODY 16u    /* seq, ts */
#define LOG_REC_OVERHEAD (LOG_REC_HDR_SIZE + LOG_REC_FIXED_BODY + ORDO_LOG_HASH_BYTES)
#define LOG_REC_BODY_MAX (LOG_REC_FIXED_BODY + ORDO_LOG_KEY_MAX + (ORDO_LOG_PAYLOAD_MAX + (ORDO_LOG_PAYLOAD_MAX >> 7) + 4096) + ORDO_LOG_HASH_BYTES)

#define LOG_BLOOM_BYTES 128u
#define LOG_BLOOM_K 4

static inline void log_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void log_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void log_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t log_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t log_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t log_get64(const uint8_t *p)
{
    return (uint64_t)log_get32(p) | ((uint64_t)log_get32(p + 4) << 32);
}

#define LOG_DICT_MAX (256u * 1024)

typedef struct log_seg_header {
    uint64_t first_seq;
    uint64_t seg_no;
    int64_t created_ns;
    uint8_t prev_chain[ORDO_LOG_HASH_BYTES];
    uint32_t hdr_len;     /* LOG_SEG_HDR_SIZE + dict_len: records start here */
    uint32_t dict_len;    /* zstd dictionary of this segment, 0 = none */
    const uint8_t *dict;  /* points into the decoded buffer */
} log_seg_header_t;

/* out needs LOG_SEG_HDR_SIZE + h->dict_len bytes. */
void log_seg_header_encode(const log_seg_header_t *h, uint8_t *out);
/* Reads the fixed part's dict_len (0 when p is too short); lets a caller
 * know how much to read. */
uint32_t log_seg_header_dict_len(const uint8_t *p, size_t n);
/* NULL when good; else a static reason. h->dict points into p. */
const char *log_seg_header_decode(const uint8_t *p, size_t n, log_seg_header_t *h);
/* The chain value the segment's first record continues from:
 * prev_chain, or BLAKE2b(prev_chain || dict) when the segment has a
 * dictionary (so the dictionary is covered by the chain too). */
void log_seg_chain_start(const log_seg_header_t *h, uint8_t out[ORDO_LOG_HASH_BYTES]);

typedef struct log_rec_view {
    uint32_t body_len;
    uint16_t type;
    uint8_t flags;
    uint8_t key_len;
    uint32_t raw_len;
    uint64_t seq;
    int64_t ts;
    const uint8_t *frame; /* start of the header */
    const uint8_t *key;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *chain;
    size_t frame_len;
} log_rec_view_t;

enum {
    LOG_REC_OK = 0,
    LOG_REC_TRUNC = 1,   /* frame runs past the end of the data */
    LOG_REC_BADMAGIC = 2,
    LOG_REC_BADLEN = 3,
    LOG_REC_BADSUM = 4
};

int log_rec_parse(const uint8_t *p, size_t avail, log_rec_view_t *v);
const char *log_rec_status_str(int st);
uint64_t log_rec_checksum(const uint8_t *frame, size_t body_len);
/* The hash chain, in two steps so that the long part can run in the
 * appending thread, outside the log lock:
 *   digest = BLAKE2b-256(ts || key || stored payload)
 *   chain  = BLAKE2b-256(prev chain || frame[0..16) || seq || digest)
 * frame[0..16) holds magic, body length, type, flags, key length and raw
 * length, so every byte of the record is covered. */
void log_rec_digest(int64_t ts, const void *key, size_t keylen, const void *stored, size_t len,
                    uint8_t out[ORDO_LOG_HASH_BYTES]);
void log_chain_step(const uint8_t prev[ORDO_LOG_HASH_BYTES], const uint8_t *frame, uint64_t seq,
                    const uint8_t digest[ORDO_LOG_HASH_BYTES], uint8_t out[ORDO_LOG_HASH_BYTES]);
/* Both steps for a parsed frame (readers). */
void log_chain_next(const uint8_t prev[ORDO_LOG_HASH_BYTES], const uint8_t *frame, size_t body_len,
                    uint8_t out[ORDO_LOG_HASH_BYTES]);

/* ---- sparse index ---- */
typedef struct log_idx_entry {
    uint64_t first_seq;
    uint64_t offset;
    int64_t min_ts, max_ts;
    uint32_t count;
    uint8_t bloom[LOG_BLOOM_BYTES];
} log_idx_entry_t;

typedef struct log_seg_index {
    log_idx_entry_t *e;
    size_t n, cap;
    uint64_t first_seq, last_seq; /* last_seq = first_seq - 1 when empty */
    uint64_t records;
    uint64_t valid_len;
    uint8_t last_chain[ORDO_LOG_HASH_BYTES];
} log_seg_index_t;

void log_index_free(log_seg_index_t *ix);
int log_index_add(log_seg_index_t *ix, const log_rec_view_t *v, uint64_t offset, bool block_start);
void log_bloom_add(uint8_t *bloom, const void *key, size_t len);
bool log_bloom_maybe(const uint8_t *bloom, const void *key, size_t len);
int log_index_write(const char *path, const log_seg_index_t *ix, ordo_error_t *err);
/* 0 when read and self-consistent, else <0 (caller rebuilds). */
int log_index_read(const char *path, log_seg_index_t *ix);

/* ---- segment scan ---- */
enum {
    LOG_SCAN_OK = 0,
    LOG_SCAN_TORN = 1,        /* incomplete frame at the end, nothing valid after */
    LOG_SCAN_BAD_TAIL = 2,    /* complete but bad frame, nothing valid after */
    LOG_SCAN_BAD_MID = 3      /* bad frame with a valid frame after it, or a
                                 valid frame with wrong seq/chain */
};

typedef struct log_scan {
    int kind;
    uint64_t valid_len;      /* end of the last good record */
    uint64_t records;
    uint64_t last_seq;
    uint8_t last_chain[ORDO_LOG_HASH_BYTES];
    uint64_t bad_offset;
    uint64_t bad_seq;
    char reason[200];
} log_scan_t;

/* Checks data[h->hdr_len..len) against the header h (first seq, chain
 * start). decompress: also decode zstd payloads. ix may be NULL. */
int log_scan_segment(const uint8_t *data, size_t len, const log_seg_header_t *h, bool decompress,
                     log_seg_index_t *ix, log_scan_t *res);

/* Decodes a compressed payload into *buf (grown as needed) with the
 * segment's dictionary (ddict may be NULL). Uncompressed: only checks. */
int log_decode_payload(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const log_rec_view_t *v,
                       uint8_t **buf, size_t *cap, const char **why);

/* Is there a complete frame with a good checksum at or after from? */
bool log_valid_frame_after(const uint8_t *data, size_t len, size_t from);

/* ---- directory listing ---- */
typedef struct log_seg_name {
    char name[40];
    uint64_t first_seq;
} log_seg_name_t;

/* Sorted by first_seq. *out malloc'd (caller frees). */
int log_list_segments(const char *dir, log_seg_name_t **out, size_t *n, ordo_error_t *err);
void log_seg_filename(uint64_t first_seq, char out[40]);

/* mmap a file read-only; *len may be 0 (then *data = NULL). */
int log_map_file(const char *path, const uint8_t **data, size_t *len, ordo_error_t *err);
void log_unmap(const uint8_t *data, size_t len);

#endif
