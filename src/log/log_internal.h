/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — internal format helpers shared by writer, reader and verify,
 * and the writer's state shared by writer.c and recover.c.
 * The layout is documented in docs/internals/LOG.md. */
#ifndef ORDO_LOG_INTERNAL_H
#define ORDO_LOG_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zstd.h>

#include "ordo/log.h"

#define LOG_SEG_MAGIC "ORDOLOG1"
#define LOG_SEG_VERSION 1u
#define LOG_SEG_HDR_SIZE 128u
/* Segment header flags (offset 76). AHEAD: the writer keeps zeros written
 * ahead of its last record, so a zero tail of any length that ends on a
 * block boundary is padding, not a torn write (LOG.md "Writing ahead"). */
#define LOG_SEG_FLAG_AHEAD 0x1u
#define LOG_SEG_SUFFIX ".seg"
#define LOG_IDX_SUFFIX ".idx"
#define LOG_CKPT_SUFFIX                                                                            \
    ".ckpt" /* a signed checkpoint: <first seq of the segment it starts>.ckpt                      \
             */
#define LOG_IDX_MAGIC "ORDOIDX1"
#define LOG_IDX_HDR 80u    /* .idx: header bytes, then one entry per block */
#define LOG_IDX_ENTRY 168u /* first seq, offset, min/max ts, count, pad, Bloom filter */

#define LOG_REC_MAGIC 0xA76F4CD0u /* bytes D0 4C 6F A7 on disk */
#define LOG_REC_HDR_SIZE 24u      /* magic, body_len, type, flags, keylen, raw_len, xxh3 */
#define LOG_REC_FIXED_BODY 16u    /* seq, ts */
#define LOG_REC_OVERHEAD (LOG_REC_HDR_SIZE + LOG_REC_FIXED_BODY + ORDO_LOG_HASH_BYTES)
#define LOG_REC_BODY_MAX                                                                           \
    (LOG_REC_FIXED_BODY + ORDO_LOG_KEY_MAX +                                                       \
     (ORDO_LOG_PAYLOAD_MAX + (ORDO_LOG_PAYLOAD_MAX >> 7) + 4096) + ORDO_LOG_HASH_BYTES)

#define LOG_BLOOM_BYTES 128u
#define LOG_BLOOM_K 4

static inline void log_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
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
static inline uint16_t log_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
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
    uint32_t hdr_len;    /* LOG_SEG_HDR_SIZE + dict_len: records start here */
    uint32_t dict_len;   /* zstd dictionary of this segment, 0 = none */
    uint32_t flags;      /* LOG_SEG_FLAG_*; 0 in segments written before them */
    const uint8_t *dict; /* points into the decoded buffer */
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
    LOG_REC_TRUNC = 1, /* frame runs past the end of the data */
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
/* NULL when ix can describe the segment (first seq, header length, file
 * length): blocks contiguous in seq, offsets rising inside the file, counts
 * possible. Else why not. An index that passes is still only a hint to
 * readers, who check the seq of each block they land on. */
const char *log_index_check(const log_seg_index_t *ix, uint64_t first_seq, uint64_t hdr_len,
                            uint64_t seg_len);
/* -1 when a and b are equal; 0 when their totals differ; j + 1 when block
 * j is the first that differs. */
int log_index_diff(const log_seg_index_t *a, const log_seg_index_t *b);

/* ---- segment scan ---- */
enum {
    LOG_SCAN_OK = 0,
    LOG_SCAN_TORN = 1,     /* incomplete frame or zero padding at the end,
                              nothing valid after (tail says which) */
    LOG_SCAN_BAD_TAIL = 2, /* garbage that is not a frame at the end,
                              nothing valid after */
    LOG_SCAN_BAD_MID = 3   /* corruption: a bad frame with a valid frame after
                              it, a complete frame with a bad checksum (even
                              the last one), or a valid frame with wrong
                              seq/chain */
};

/* What follows the last good record of a segment, where a frame does not
 * parse and no valid frame comes after it (docs/internals/LOG.md,
 * "Torn tail, padding and corruption"). */
enum {
    LOG_TAIL_NONE = 0,
    LOG_TAIL_PADDING = 1, /* zeros to the end of the last 4 KiB block, < one block
                             (any length in a segment flagged AHEAD) */
    LOG_TAIL_TORN = 2,    /* an incomplete frame (or unwritten zeros): never acknowledged */
    LOG_TAIL_GARBAGE = 3, /* not a frame, not zeros */
    LOG_TAIL_DAMAGED = 4  /* a complete frame with a bad checksum, magic or length: corruption */
};

/* Classifies data[pos..len), where log_rec_parse returned st, in a segment
 * whose header has seg_flags. *zero_from (may be NULL) gets where the
 * trailing zeros start. */
int log_tail_classify(const uint8_t *data, size_t len, size_t pos, int st, uint32_t seg_flags,
                      size_t *zero_from);
/* Is data[pos..len) the zeros a segment flagged AHEAD holds past its last
 * record (all zeros, ending on a block boundary)? A quick test that spares
 * the search for a valid frame in them. */
bool log_ahead_padding(const uint8_t *data, size_t len, size_t pos, uint32_t seg_flags);
const char *log_tail_str(int kind);

typedef struct log_scan {
    int kind;
    int tail;           /* LOG_TAIL_* when kind is not OK and nothing valid follows */
    uint64_t valid_len; /* end of the last good record */
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
/* As log_map_file, but only the first stable_len bytes (down to a page)
 * are mapped; the rest is read now into private memory. For a file whose
 * end may be cut or rewritten: the view cannot raise SIGBUS, and its tail
 * does not change under the reader (bytes the file no longer held when
 * read are zeros). */
int log_map_file_stable(const char *path, uint64_t stable_len, const uint8_t **data, size_t *len,
                        ordo_error_t *err);
void log_unmap(const uint8_t *data, size_t len);

/* ---- the live mark (live.c; LOG.md "Reading the live segment") ----
 * The writer keeps, at the start of its LOCK file, the segment it appends
 * to and where the records it has made durable end there (fdatasync'd;
 * written to the OS in ORDO_LOG_NONE), and holds an OFD write lock on the
 * file while it has the log open. Bytes of that segment before the
 * durable length never change again; the block holding it and everything
 * after may be rewritten at any time. */
typedef struct log_live {
    bool live;      /* a writer has the log open */
    bool have_mark; /* the fields below were read whole */
    uint64_t seg_first_seq, durable_len, durable_seq;
    int fd; /* >= 0: no writer, and this holds the read lock that keeps one
               from opening (log_live_release) */
} log_live_t;

/* Writer, at open, before recovery: clears the mark and takes the lock,
 * waiting for readers that hold the read lock at most wait_ms
 * (LOG_LIVE_WAIT_MS), then ORDO_EBUSY. */
#define LOG_LIVE_WAIT_MS 5000u
int log_live_begin(int lock_fd, uint32_t wait_ms);
/* Writer: the records of the segment starting at seg_first_seq are
 * durable up to byte durable_len (record durable_seq). */
void log_live_publish(int lock_fd, uint64_t seg_first_seq, uint64_t durable_len,
                      uint64_t durable_seq);
/* Reader: is a writer there, and what has it published? When none is,
 * lv->fd holds the read lock until log_live_release. */
void log_live_probe(const char *dir, log_live_t *lv);
void log_live_release(log_live_t *lv);

/* ---- the writer's state (writer.c appends, recover.c resumes) ---- */
#define LOG_ZPOOL 16
#define LOG_SAMPLES_MAX 1000 /* payloads sampled per segment */
#define LOG_SAMPLES_BYTES (1u << 20)
#define LOG_FIRST_DICT_SAMPLES 400 /* rotate early once this many are in */
#define LOG_DICT_BYTES (32u * 1024)
#define LOG_MIN_COMPRESS 64        /* smaller payloads are stored raw */
#define LOG_ZSTD_MIN_LEVEL (-7)    /* fastest zstd level accepted (negative: fast levels) */
#define LOG_AHEAD_CHUNK (1u << 20) /* bytes of zeros per write when writing ahead */
#define LOG_AHEAD_MIN (64u << 10)  /* zeros ahead of a segment's first records */
#define LOG_DIO_ALIGN 4096u        /* direct I/O: offsets, lengths and buffers in whole blocks */

typedef struct log_zctx {
    ZSTD_CCtx *c;
    uint8_t *buf;
    size_t cap;
} log_zctx_t;

/* A SYNC appender waiting for its record to be durable. Each has its own
 * condition variable, so a finished batch wakes only the appenders it made
 * durable, plus the next one in line to lead the next batch. */
typedef struct log_waiter {
    uint64_t seq;
    bool done; /* durable, or the log failed */
    pthread_cond_t cv;
    struct log_waiter *next;
} log_waiter_t;

/* A batch buffer. In direct I/O mode base maps to a block boundary of the
 * segment: the head bytes before p repeat what the file already holds of
 * the block where the new bytes start, so the batch is written from base.
 * The allocation keeps LOG_DIO_ALIGN spare bytes after p + len for the
 * zero padding of the last block. */
typedef struct log_bytes {
    uint8_t *base; /* LOG_DIO_ALIGN-aligned allocation of size bytes */
    size_t size;
    size_t head; /* bytes before p (direct I/O; else 0) */
    uint8_t *p;  /* base + head: the bytes not yet written */
    size_t len;
} log_bytes_t;

struct ordo_log {
    char *dir;
    int lock_fd;
    ordo_log_options_t opt;
    ordo_log_io_t io;

    pthread_mutex_t mu;
    pthread_cond_t cv_done;          /* a batch finished, or rotation ended */
    log_waiter_t *wq_head, *wq_tail; /* SYNC waiters, in seq order */
    pthread_cond_t cv_more;          /* SYNC leader gathering: a record arrived */
    pthread_cond_t cv_flush;         /* ASYNC flusher: batch_bytes pending, or close */

    /* active segment */
    int fd;
    char seg_name[40];
    uint64_t seg_no;
    uint64_t file_off;  /* bytes of the segment written to the OS */
    uint64_t seg_bytes; /* file_off + pending + in flight */
    log_seg_index_t ix; /* sparse index of the active segment */
    uint32_t block_records;
    bool need_block_start;

    uint8_t chain[ORDO_LOG_HASH_BYTES];
    uint64_t next_seq;

    log_bytes_t pend;  /* encoded, not yet handed to a writer */
    log_bytes_t spare; /* the other buffer; .base == NULL while in flight */
    bool direct;       /* the active segment's fd is O_DIRECT (ordo_log_direct_t) */
    bool padded;       /* the segment file runs past file_off (direct I/O padding) */
    uint64_t pend_last_seq;
    bool io_busy;
    bool rotating;
    bool gathering;
    uint64_t written_seq; /* every seq <= this was written to the OS */
    uint64_t durable_seq; /* every seq <= this was fdatasync'd */
    int failed;
    ordo_error_t fail_err;

    /* compression: one zstd dictionary per segment, in its header, trained
     * from samples of the previous segment's payloads */
    pthread_rwlock_t dict_lock; /* guards cdict for compressing threads */
    ZSTD_CDict *cdict;          /* NULL: no dictionary yet */
    uint64_t dict_gen;          /* bumped when cdict changes */
    uint8_t *dict;
    uint32_t dict_len;
    unsigned dict_attempts; /* early rotations tried to get a first dict */
    pthread_mutex_t pool_mu;
    log_zctx_t *pool[LOG_ZPOOL];
    int npool;
    uint8_t *samples;
    size_t samples_len;
    size_t sample_sizes[LOG_SAMPLES_MAX];
    unsigned nsamples;

    pthread_t flusher;
    bool has_flusher;
    bool closing;

    /* writing ahead (opt.ahead_bytes): the ahead thread keeps the active
     * segment's file zeroed and fdatasync'd up to alloc_end, past the
     * records, so batches overwrite blocks the file already holds */
    pthread_t aheader;
    bool has_aheader;
    pthread_cond_t cv_ahead; /* the ahead thread: a batch ended, a segment began, or close */
    bool seg_ahead;          /* the active segment is flagged AHEAD: write ahead in it */
    bool ahead_busy;         /* zeros being written from file_end (not under the lock) */
    bool ahead_stopped;      /* a zero write failed: none more in this segment */
    uint64_t file_end;       /* what the file may hold: batches' ends, rounded to a block */
    uint64_t alloc_end;      /* zeros written and fdatasync'd up to here (block-aligned) */
    uint8_t *zeros;          /* LOG_AHEAD_CHUNK zero bytes, block-aligned */

    /* the append observer (ordo_log_set_observer): on_append under mu;
     * on_durable under obs_mu, outside mu; obs_seq (under both): the last
     * seq on_durable was given */
    ordo_log_observer_t obs;
    pthread_mutex_t obs_mu;
    uint64_t obs_seq;

    ordo_log_stats_t st;
};

/* ORDO_ENOSPC for ENOSPC/EDQUOT, else ORDO_EIO. */
int log_io_code(int e);
int64_t log_now_unix_ns(void);
/* Creates segment first_seq (header with dict, which is not taken over) and
 * makes it the active one. */
int log_create_segment(ordo_log_t *log, uint64_t first_seq, uint64_t seg_no, const uint8_t *dict,
                       uint32_t dict_len, ordo_error_t *err);
/* The active segment's fd was just opened at file_off, nothing pending:
 * switches it to O_DIRECT when asked, and starts the pending buffer with
 * blk, the bytes of the block holding file_off that come before it. */
int log_segment_io_start(ordo_log_t *log, const uint8_t *blk, ordo_error_t *err);
/* The active segment's header has flags: writes ahead in it when they say
 * so and the options ask for it. */
void log_segment_ahead_start(ordo_log_t *log, uint32_t seg_flags);
/* Installs dict (taken over; may be NULL) as the active segment's
 * dictionary. */
void log_set_dict(ordo_log_t *log, uint8_t *dict, uint32_t dict_len);

/* Recovery at open (recover.c): removes stray .tmp files, checks every
 * segment (sealed ones through their index when it is good), cuts a torn
 * tail of the last one into a quarantine file, and leaves log ready to
 * append after the last good record. */
int log_recover(ordo_log_t *log, ordo_log_open_info_t *info, ordo_error_t *err);

/* ---- checkpoints (checkpoint.c) ---- */
/* NULL when dir holds a checkpoint for the segment starting at first_seq,
 * signed by trusted_pk, whose seq is first_seq - 1 and whose chain hash is
 * prev_chain (the segment header's); else a static reason. */
const char *log_checkpoint_check(const char *dir, uint64_t first_seq,
                                 const uint8_t prev_chain[ORDO_LOG_HASH_BYTES],
                                 const uint8_t *trusted_pk);

#endif
