/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the append-only decision log.
 *
 * Every decision (inputs, model/policy version, chosen sources) is appended
 * as one record. Records are framed (length, type, XXH3-64 checksum),
 * hash-chained with BLAKE2b-256 so that any edit, deletion or reordering is
 * detected, stored in size-rotated segment files with a sparse index (by
 * sequence number, time and key), and made durable by group commit.
 * The file format, the durability modes and the recovery rules are in
 * docs/internals/LOG.md.
 *
 * A log directory holds the segments directly; in a data directory it is
 * DIR/log (CONTRACTS.md). One process at a time may open a log for writing
 * (an flock on DIR/LOCK); readers (iterators, verify) need no lock. */
#ifndef ORDO_LOG_H
#define ORDO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record types. The payload is opaque bytes to the log; the type says what
 * it is. Users may define their own types from ORDO_LOG_REC_USER up. */
enum {
    ORDO_LOG_REC_DECISION = 1,
    ORDO_LOG_REC_SHADOW = 2,
    ORDO_LOG_REC_META = 3,
    ORDO_LOG_REC_USER = 256
};

#define ORDO_LOG_KEY_MAX 255                 /* bytes */
#define ORDO_LOG_PAYLOAD_MAX (16u << 20)     /* 16 MiB per record */
#define ORDO_LOG_HASH_BYTES 32               /* BLAKE2b-256 chain hash */

/* Durability of ordo_log_append():
 *  SYNC  — append returns only once the record is on stable storage
 *          (fdatasync returned). Concurrent appenders share one fdatasync
 *          (leader/follower group commit). "Acknowledged means durable".
 *  ASYNC — append returns at once; a flusher thread writes and fdatasyncs
 *          every interval_us or when batch_bytes are pending. A crash (or
 *          power loss) can lose what was appended in the last interval.
 *  NONE  — written to the OS when batch_bytes are pending, on flush and on
 *          close; never fdatasync'd except at segment rotation and close.
 *          Survives a process crash only for what was written; a power
 *          loss can lose anything not yet written back by the kernel. */
typedef enum ordo_log_sync {
    ORDO_LOG_SYNC = 0,
    ORDO_LOG_ASYNC = 1,
    ORDO_LOG_NONE = 2
} ordo_log_sync_t;

/* Injectable I/O for fault tests (ENOSPC, short writes, EIO). Each function
 * follows its libc namesake: pwrite returns bytes written (maybe fewer than
 * n) or -1 with errno set; fdatasync returns 0 or -1 with errno. */
typedef struct ordo_log_io {
    ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t n, off_t off);
    int (*fdatasync)(void *ctx, int fd);
    void *ctx;
} ordo_log_io_t;

/* Direct I/O (O_DIRECT): batches go from the log's buffers to the device
 * without the kernel copying them into the page cache, which on a fast
 * disk costs about as much CPU as hashing them (see LOG.md). Writes are
 * then whole 4 KiB blocks: a batch starts with a copy of the segment's last
 * partial block and ends in zero padding, which the next batch overwrites
 * and which sealing or closing the segment truncates (a crash leaves it;
 * open cuts an all-zero tail without a quarantine file). Custom io hooks see
 * these aligned writes and must keep their lengths and offsets multiples of
 * 4096 (short writes are retried from the last whole block).
 *   AUTO: direct when the file system accepts O_DIRECT, else buffered (and a
 *         segment falls back to buffered if a direct write is refused);
 *   ON:   direct, or open fails with ORDO_EIO;
 *   OFF:  buffered writes (the page cache). */
typedef enum ordo_log_direct {
    ORDO_LOG_DIRECT_AUTO = 0,
    ORDO_LOG_DIRECT_ON = 1,
    ORDO_LOG_DIRECT_OFF = 2,
} ordo_log_direct_t;

typedef struct ordo_log_options {
    ordo_log_sync_t sync;      /* default ORDO_LOG_SYNC */
    uint64_t segment_bytes;    /* rotate after this size; 0 = 64 MiB */
    uint32_t interval_us;      /* SYNC: how long a leader waits to gather a
                                  bigger batch (0 = no wait, natural batching);
                                  ASYNC: flush period (0 = 2000 us) */
    uint32_t batch_bytes;      /* max bytes per write/fdatasync batch; ASYNC
                                  and NONE write when this much is pending
                                  (0 = 1 MiB) */
    int compress_level;        /* zstd level for payloads; 0 = off (default);
                                  1..22, or -1..-7 for zstd's fast levels.
                                  Each payload is compressed alone, with a
                                  dictionary trained per segment and kept in
                                  the segment header (see LOG.md). */
    uint32_t index_every;      /* records per sparse-index block (0 = 64) */
    bool truncate_corrupt;     /* open: also truncate the last segment at a
                                  corrupt record (one with valid records
                                  after it, or a complete last record with a
                                  bad checksum); data after it is moved to a
                                  quarantine file first. Default false:
                                  open fails with ECORRUPT. */
    const ordo_log_io_t *io;   /* NULL: the real pwrite/fdatasync */
    ordo_log_direct_t direct_io; /* default ORDO_LOG_DIRECT_AUTO (see below) */
    uint32_t ahead_bytes;      /* zeros kept written (and fdatasync'd) ahead of
                                  the active segment's last record by a
                                  background thread, so that a batch's
                                  fdatasync never has a new file size to
                                  commit; default 4 MiB, 0 = off. Segments
                                  written so are flagged in their header
                                  (LOG.md "Writing ahead"). */
} ordo_log_options_t;

/* Fills the defaults above. */
void ordo_log_options_init(ordo_log_options_t *opt);

typedef struct ordo_log ordo_log_t;

/* What open found, for a person or a test. */
typedef struct ordo_log_open_info {
    uint64_t segments;
    uint64_t next_seq;            /* seq the next append gets */
    uint64_t truncated_bytes;     /* torn tail removed from the last segment */
    char quarantine[512];         /* file holding the removed bytes, "" if none */
} ordo_log_open_info_t;

/* Opens (creating if needed) the log in dir and recovers it: a torn tail
 * of the last segment (an incomplete record, zero padding, or bytes that
 * hold no record) is truncated to the last valid record (the cut bytes,
 * unless all zeros, are kept in a quarantine file beside it). Corruption —
 * anywhere else, or a complete record with a bad checksum even at the very
 * end — fails with ORDO_ECORRUPT naming the segment file, byte offset and
 * sequence number, and nothing is cut (see truncate_corrupt). opt may be NULL (defaults); info may be NULL.
 * On success *out is owned by the caller: ordo_log_close() it. */
int ordo_log_open(const char *dir, const ordo_log_options_t *opt, ordo_log_t **out,
                  ordo_log_open_info_t *info, ordo_error_t *err);

/* Appends one record. Thread-safe. key may be NULL when keylen is 0 (at
 * most ORDO_LOG_KEY_MAX bytes); ts_unix_ns is the record's time (0 = now).
 * The log copies key and payload. *seq_out (may be NULL) gets the record's
 * sequence number (1, 2, ...). In SYNC mode a return of ORDO_OK means the
 * record is durable. After an I/O error (ORDO_EIO, ORDO_ENOSPC) the handle
 * refuses further appends with the same error: close it and open again
 * (recovery removes any partial write). */
int ordo_log_append(ordo_log_t *log, uint16_t type, const char *key, size_t keylen,
                    int64_t ts_unix_ns, const void *payload, size_t len, uint64_t *seq_out,
                    ordo_error_t *err);

/* ordo_log_append with a payload encoding: flags 0 (opaque bytes) or
 * ORDO_LOG_FLAG_CBOR (CBOR from ordo_jsonw_init_cbor, cbor.h): readers then
 * get the record as JSON text (ordo_log_iter_next). Other flags: EINVAL. */
int ordo_log_append_flags(ordo_log_t *log, uint16_t type, uint8_t flags, const char *key,
                          size_t keylen, int64_t ts_unix_ns, const void *payload, size_t len,
                          uint64_t *seq_out, ordo_error_t *err);

/* Writes and fdatasyncs everything appended so far, in any mode. */
int ordo_log_flush(ordo_log_t *log, ordo_error_t *err);

/* Flushes, syncs and frees. Returns the first error seen (the log is freed
 * in any case). NULL is allowed. No append may run or start meanwhile. */
int ordo_log_close(ordo_log_t *log, ordo_error_t *err);

/* An observer of the records appended through one handle (LOG.md "The
 * append observer"): what a derived store (the analysis's facts table)
 * needs to follow the log without reading it back.
 *  on_append:  every record appended through this handle, in seq order,
 *              once its seq and chain hash are final, with the payload as
 *              appended (uncompressed) and the flags given to the append
 *              (ORDO_LOG_FLAG_CBOR). Called under the log's lock: keep it
 *              short, and call no ordo_log_* function from it. A record
 *              handed here may still be lost (an I/O error, a crash).
 *  on_durable: every record through seq is durable under the log's mode
 *              (fdatasync'd in SYNC and ASYNC; written to the OS in NONE);
 *              closing: the last call, from ordo_log_close. Called outside
 *              the log's lock, one call at a time, in increasing seq, from
 *              the thread that appended, flushed or closed (or the ASYNC
 *              flusher); never for a record that is not durable so. */
typedef struct ordo_log_observer {
    void (*on_append)(void *ctx, uint64_t seq, const uint8_t chain[ORDO_LOG_HASH_BYTES],
                      uint16_t type, uint8_t flags, const void *payload, size_t len);
    void (*on_durable)(void *ctx, uint64_t seq, bool closing);
    void *ctx;
} ordo_log_observer_t;

/* Sets (obs NULL: removes) the observer of the records appended from now
 * on. No append may run meanwhile. The observer must outlive the handle
 * (ordo_log_close calls on_durable last). */
void ordo_log_set_observer(ordo_log_t *log, const ordo_log_observer_t *obs);

/* Something that follows a data directory's log as it is appended: opened
 * on the log just opened for writing, before any append (it sets an
 * observer), closed after the log was closed. The analysis's facts writer
 * is one (ordo_facts_follower, analyze.h), which ordo sim, serve and source
 * give the decider (ordo_decider_options_t.log_follower). net: the catalog
 * the process decides with. open may leave *state NULL (nothing to do). */
struct ordo_network;
typedef struct ordo_log_follower {
    int (*open)(const char *data_dir, const struct ordo_network *net, ordo_log_t *log,
                void **state, ordo_error_t *err);
    void (*close)(void *state);
} ordo_log_follower_t;

typedef struct ordo_log_stats {
    uint64_t records;        /* appended through this handle */
    uint64_t payload_bytes;  /* uncompressed payload bytes appended */
    uint64_t stored_bytes;   /* bytes written to segments (framing included) */
    uint64_t syncs;          /* fdatasync calls */
    uint64_t batches;        /* write batches */
    uint64_t last_seq;       /* last seq assigned (0: none yet) */
    uint64_t durable_seq;    /* every seq <= this is on stable storage */
    bool direct_io;          /* the active segment is written with O_DIRECT */
    uint64_t ahead_bytes;    /* zeros written ahead of the records (ahead_bytes) */
    uint64_t ahead_syncs;    /* their fdatasyncs */
} ordo_log_stats_t;

void ordo_log_get_stats(ordo_log_t *log, ordo_log_stats_t *stats);

/* ---- reading ---- */

/* One record, as the iterator returns it. Pointers stay valid until the
 * next ordo_log_iter_next() or ordo_log_iter_close(); owned by the
 * iterator. */
typedef struct ordo_log_record {
    uint64_t seq;
    uint16_t type;
    uint8_t flags;               /* ORDO_LOG_FLAG_* as stored */
    int64_t ts_unix_ns;
    const char *key;             /* not NUL-terminated */
    size_t key_len;
    const void *payload;         /* uncompressed; JSON text when the record is CBOR */
    size_t len;
    const void *appended;        /* the payload as appended (CBOR bytes for a CBOR record) */
    size_t appended_len;
    size_t stored_len;           /* bytes of the whole frame on disk */
    const char *segment;         /* segment file name (no directory) */
    uint64_t offset;             /* byte offset of the frame in it */
    uint8_t chain[ORDO_LOG_HASH_BYTES];
} ordo_log_record_t;

#define ORDO_LOG_FLAG_ZSTD 0x01        /* payload stored as zstd (segment dict) */
#define ORDO_LOG_FLAG_BLOCK_START 0x02 /* first record of an index block */
#define ORDO_LOG_FLAG_CBOR 0x04        /* payload is ordo CBOR v1 (cbor.h), read back as JSON */

typedef struct ordo_log_query {
    uint64_t from_seq;        /* 0 or 1: from the start */
    uint64_t limit;           /* 0: no limit */
    const char *key;          /* NULL: any key; else exact match */
    size_t key_len;
    int64_t ts_from;          /* inclusive; used when has_time */
    int64_t ts_to;            /* exclusive */
    bool has_time;
    bool raw;                 /* hand CBOR payloads out as appended (payload ==
                                 appended), without the JSON text: for readers
                                 that take records through ordo_record_read,
                                 which reads both. A CBOR record that does not
                                 decode then fails there, not here. */
    uint64_t to_seq;          /* 0: no end; else the records before seq to_seq
                                 (the iteration ends at to_seq, reading no
                                 further) */
} ordo_log_query_t;

typedef struct ordo_log_iter ordo_log_iter_t;

/* Opens an iterator over the log in dir (read-only; a writer may be
 * appending meanwhile: the iterator sees the segments that existed when it
 * was opened, each as far as it was written when the iterator reaches it).
 * q may be NULL (every record); q->key is copied. The sparse index skips
 * blocks that cannot match from_seq, key or time. Records come in seq
 * order. *out: ordo_log_iter_close(). */
int ordo_log_iter_open(const char *dir, const ordo_log_query_t *q, ordo_log_iter_t **out,
                       ordo_error_t *err);
/* 1: *rec filled; 0: end; <0: error (ORDO_ECORRUPT names the position).
 * Zero padding or an incomplete record at the very end of the last segment
 * (a live writer, or a crash not yet recovered by open) ends the iteration
 * without error; a complete record with a bad checksum there is an error.
 * A sealed segment's .idx only narrows what is read: it is ignored when it
 * cannot describe its segment, and a block it points to that does not
 * start with the seq it names is ORDO_ECORRUPT (never a silent skip). */
int ordo_log_iter_next(ordo_log_iter_t *it, ordo_log_record_t *rec, ordo_error_t *err);
void ordo_log_iter_close(ordo_log_iter_t *it);

/* Seqs where an iterator can start without reading the records before
 * (ordo_log_query_t.from_seq): every segment's first seq and, in a sealed
 * segment, the first seq of each block of its .idx. Ascending, distinct,
 * each within its segment's seqs; *pts malloc'd (caller frees). They are
 * hints for splitting a read into ranges of similar size (a range's
 * records are fixed by their seqs, never by the points): a .idx that
 * cannot be read only gives fewer points. */
int ordo_log_split_points(const char *dir, uint64_t **pts, size_t *n, ordo_error_t *err);

/* ---- verification ---- */

typedef struct ordo_log_verify_report {
    bool ok;
    uint64_t segments;
    uint64_t records;
    uint64_t bytes;                 /* segment bytes read */
    uint64_t first_seq, last_seq;   /* of the valid records */
    uint8_t head[ORDO_LOG_HASH_BYTES]; /* chain hash of the last valid record */
    /* first bad record, when !ok */
    char bad_segment[256];          /* file name */
    uint64_t bad_offset;            /* byte offset in that file */
    uint64_t bad_seq;               /* seq it has or should have */
    bool bad_is_tail;               /* bytes at the end of the last segment that
                                       are neither records nor padding nor an
                                       incomplete record (no record is in them):
                                       open moves them to a quarantine file */
    char reason[256];
    /* The end of the last segment after its last valid record, when it is
     * not damage (ok stays true): zero padding of the last direct I/O block
     * (an active segment, or a crashed writer's), or an incomplete record (a
     * write in progress, or cut short by a crash: never acknowledged). A
     * complete record with a bad checksum there is corruption (!ok). */
    uint64_t tail_offset;           /* where it starts (0: the log ends at a record) */
    uint64_t tail_bytes;
    bool tail_padding;              /* zero padding (else an incomplete record) */
    /* where the chain starts: 0 at the genesis, else the seq of the signed
     * checkpoint the first segment continues (older segments archived) */
    uint64_t checkpoint_seq;
} ordo_log_verify_report_t;

/* Reads every segment: headers, that the first segment is the genesis
 * (seq 1, zero previous-chain hash), every record's checksum, sequence
 * continuity, the whole chain (across segments), that compressed payloads
 * decode, and that every .idx is exactly the index of its segment. A live
 * or crashed log verifies: its last segment may end in zero padding or an
 * incomplete record (see tail_*). Returns ORDO_OK when the check ran
 * (report->ok tells the answer) or an error when it could not run (no such
 * directory...). */
int ordo_log_verify(const char *dir, ordo_log_verify_report_t *report, ordo_error_t *err);

/* ---- signed checkpoints and archiving (docs/internals/LOG.md) ---- */
#define ORDO_LOG_PK_BYTES 32 /* Ed25519 public key */

typedef struct ordo_log_checkpoint {
    uint64_t seq;                          /* the last record before the kept segment */
    uint8_t chain[ORDO_LOG_HASH_BYTES];    /* its chain hash */
    uint8_t public_key[ORDO_LOG_PK_BYTES]; /* the signer's */
    char path[4200];                       /* the checkpoint file written */
    bool key_created;                      /* the key pair was made now */
} ordo_log_checkpoint_t;

/* Verifies the log, then signs a checkpoint for the start of the segment
 * holding at_seq (0: the last segment) with the Ed25519 secret key at
 * key_path (NULL: the default, below), creating the key pair (key 0600,
 * .pub beside it) when the file does not exist. Writes
 * DIR/<first seq>.ckpt. */
int ordo_log_checkpoint(const char *dir, uint64_t at_seq, const char *key_path,
                        ordo_log_checkpoint_t *out, ordo_error_t *err);
/* Moves the segments before the one holding before_seq (and their .idx)
 * to `to` (NULL: DIR/archive), under the writer's lock, once a checkpoint
 * signed by trusted_pk marks the start of the segment kept. *moved: the
 * segments moved. */
int ordo_log_archive(const char *dir, uint64_t before_seq, const char *to,
                     const uint8_t *trusted_pk, uint64_t *moved, ordo_error_t *err);
/* The default key file of a log directory: DIR/../keys/log-checkpoint.key
 * (pub: .pub), i.e. DATA/keys/ for DATA/log. */
void ordo_log_checkpoint_key_default(const char *log_dir, char *out, size_t n, bool pub);
/* Reads a public key file (64 hex digits). */
int ordo_log_checkpoint_public_key(const char *path, uint8_t pk[ORDO_LOG_PK_BYTES],
                                   ordo_error_t *err);
/* ordo_log_verify with the key that checkpoints must be signed by
 * (trusted_pk NULL: the default .pub file when it exists). */
int ordo_log_verify_key(const char *dir, const uint8_t *trusted_pk,
                        ordo_log_verify_report_t *report, ordo_error_t *err);

/* Hex of a chain hash into buf (needs 65 bytes); returns buf. */
char *ordo_log_hash_hex(const uint8_t hash[ORDO_LOG_HASH_BYTES], char *buf);


#ifdef __cplusplus
}
#endif
#endif
