/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — the writer: open, append with group commit, segment
 * rotation, flush and close. Recovery at open is in recover.c. See
 * docs/internals/LOG.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "log_internal.h"
#include "ordo/util.h"

#include <zdict.h>

/* ---- default I/O ---- */

static ssize_t real_pwrite(void *ctx, int fd, const void *buf, size_t n, off_t off)
{
    (void)ctx;
    return pwrite(fd, buf, n, off);
}

static int real_fdatasync(void *ctx, int fd)
{
    (void)ctx;
    return fdatasync(fd);
}

int log_io_code(int e)
{
    return (e == ENOSPC || e == EDQUOT) ? ORDO_ENOSPC : ORDO_EIO;
}

/* align: 1, or LOG_DIO_ALIGN for direct I/O, where a short write goes on
 * from the last whole block it wrote (its bytes are still in buf). */
static int io_write_all(ordo_log_t *log, int fd, const uint8_t *buf, size_t n, uint64_t off,
                        size_t align, int *err_no)
{
    unsigned stalls = 0;
    while (n > 0) {
        ssize_t r = log->io.pwrite(log->io.ctx, fd, buf, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *err_no = errno;
            return log_io_code(errno);
        }
        size_t done = (size_t)r - (size_t)r % align;
        if (r == 0 || (done == 0 && ++stalls > 8)) {
            *err_no = EIO;
            return ORDO_EIO;
        }
        buf += done;
        off += (uint64_t)done;
        n -= done;
    }
    return ORDO_OK;
}

static int io_sync(ordo_log_t *log, int fd, int *err_no)
{
    for (;;) {
        if (log->io.fdatasync(log->io.ctx, fd) == 0)
            return ORDO_OK;
        if (errno == EINTR)
            continue;
        *err_no = errno;
        return log_io_code(errno);
    }
}

static int fsync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int r = fsync(dfd);
    close(dfd);
    return r;
}

int64_t log_now_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ordo_log_options_init(ordo_log_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->sync = ORDO_LOG_SYNC;
    opt->segment_bytes = 64ull << 20;
    opt->interval_us = 0;
    opt->batch_bytes = 1u << 20;
    opt->compress_level = 0;
    opt->index_every = 64;
    opt->ahead_bytes = 4u << 20;
}

/* Room for extra more bytes after p + len, plus the padding block. */
static int bytes_reserve(log_bytes_t *b, size_t extra)
{
    size_t need = b->head + b->len + extra + LOG_DIO_ALIGN;
    if (need <= b->size)
        return ORDO_OK;
    size_t nc = b->size ? b->size : 64 * 1024;
    while (nc < need)
        nc *= 2;
    void *np;
    if (posix_memalign(&np, LOG_DIO_ALIGN, nc) != 0)
        return ORDO_ENOMEM;
    if (b->base)
        memcpy(np, b->base, b->head + b->len);
    free(b->base);
    b->base = np;
    b->size = nc;
    b->p = b->base + b->head;
    return ORDO_OK;
}

/* An empty buffer whose first h bytes (< LOG_DIO_ALIGN) are blk: the part
 * of a block the file already holds. The buffer is allocated (open makes
 * both), so this never allocates. */
static void bytes_restart(log_bytes_t *b, const uint8_t *blk, size_t h)
{
    b->len = 0;
    b->head = h;
    if (h)
        memcpy(b->base, blk, h);
    b->p = b->base + h;
}

/* ---- batches ---- */

/* Lock held. Releases the waiters whose records are durable (all of them
 * when the log failed) and nudges the first one left, which leads the next
 * batch. */
static void wake_waiters(ordo_log_t *log)
{
    log_waiter_t *w = log->wq_head;
    while (w && (w->seq <= log->durable_seq || log->failed)) {
        log_waiter_t *next = w->next;
        w->done = true;
        pthread_cond_signal(&w->cv);
        w = next;
    }
    log->wq_head = w;
    if (!w)
        log->wq_tail = NULL;
    else
        pthread_cond_signal(&w->cv);
}

static uint64_t block_up(uint64_t off)
{
    return (off + LOG_DIO_ALIGN - 1) / LOG_DIO_ALIGN * LOG_DIO_ALIGN;
}

/* Lock held. Should the ahead thread write zeros, and where? From past
 * everything a batch may have written (file_end) or zeroed (alloc_end), to
 * ahead past the records appended so far (the segment's size so far, from
 * 64 KiB up to ahead_bytes), once fewer than half that are left; never
 * past the segment's size. */
static bool ahead_wanted(const ordo_log_t *log, uint64_t *from, uint64_t *to)
{
    /* only with direct I/O: a torn write then stops at a block boundary,
     * which the tail rules need to tell it from a damaged record */
    if (!log->seg_ahead || !log->direct || log->ahead_stopped || log->ahead_busy || log->failed ||
        log->rotating || log->closing || log->fd < 0)
        return false;
    uint64_t start = block_up(log->alloc_end > log->file_end ? log->alloc_end : log->file_end);
    uint64_t used = block_up(log->seg_bytes), limit = block_up(log->opt.segment_bytes);
    /* as far ahead as the segment holds already, from 64 KiB up to
     * ahead_bytes: a short-lived writer (a CLI run) writes few zeros */
    uint64_t ahead = used < log->opt.ahead_bytes ? used : log->opt.ahead_bytes;
    if (ahead < LOG_AHEAD_MIN)
        ahead = LOG_AHEAD_MIN < log->opt.ahead_bytes ? LOG_AHEAD_MIN : log->opt.ahead_bytes;
    uint64_t end = used + ahead;
    if (start >= limit || start > used + ahead / 2)
        return false;
    *from = start;
    *to = block_up(end < limit ? end : limit);
    return *to > *from;
}

/* Hands everything pending to the OS and, when sync, fdatasyncs it.
 * Lock held on entry and exit; released during the I/O. Only one batch
 * runs at a time (io_busy). */
static int run_batch_locked(ordo_log_t *log, bool sync)
{
    log_bytes_t buf = log->pend;
    uint64_t last = log->pend_last_seq;
    size_t nbytes = buf.len;
    bool need_sync = sync && (buf.len > 0 || log->written_seq > log->durable_seq);
    if (buf.len == 0 && !need_sync)
        return ORDO_OK;
    uint64_t off = log->file_off;
    bool direct = log->direct;
    /* The next batch starts where this one ends; in direct I/O mode, at
     * the start of that block, whose first bytes this batch holds. */
    size_t h = direct ? (size_t)((off + nbytes) % LOG_DIO_ALIGN) : 0;
    log->pend = log->spare;
    bytes_restart(&log->pend, buf.p + nbytes - h, h);
    memset(&log->spare, 0, sizeof log->spare);
    log->io_busy = true;
    if (block_up(off + nbytes) > log->file_end)
        log->file_end = block_up(off + nbytes); /* the ahead thread starts past it */
    int fd = log->fd;
    uint64_t seg_first = log->ix.first_seq;
    uint64_t mark_seq = last > log->written_seq ? last : log->written_seq;
    pthread_mutex_unlock(&log->mu);

    int rc = ORDO_OK, e = 0;
    bool truncated_back = true, padded = false, fell_back = false;
    if (buf.len && direct) {
        /* whole blocks from base, zero-padded */
        size_t n = buf.head + buf.len;
        size_t wn = (n + LOG_DIO_ALIGN - 1) / LOG_DIO_ALIGN * LOG_DIO_ALIGN;
        memset(buf.p + buf.len, 0, wn - n);
        rc = io_write_all(log, fd, buf.base, wn, off - buf.head, LOG_DIO_ALIGN, &e);
        padded = rc == ORDO_OK && wn > n;
        if (rc != ORDO_OK && e == EINVAL && log->opt.direct_io == ORDO_LOG_DIRECT_AUTO) {
            /* the file system refused this direct write: go on buffered */
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_DIRECT) == 0) {
                fell_back = true;
                e = 0;
                rc = io_write_all(log, fd, buf.p, buf.len, off, 1, &e);
            }
        }
    } else if (buf.len) {
        rc = io_write_all(log, fd, buf.p, buf.len, off, 1, &e);
    }
    if (rc == ORDO_OK && need_sync)
        rc = io_sync(log, fd, &e);
    if (rc != ORDO_OK && buf.len) {
        /* Remove a partial batch so the file ends at a record boundary;
         * if this fails too, recovery on the next open cuts it. */
        truncated_back = ftruncate(fd, (off_t)off) == 0;
    }
    /* readers may now read up to here: what the mode calls durable (the
     * fdatasync'd records; in NONE, the written ones), never cut back */
    if (rc == ORDO_OK && (need_sync || log->opt.sync == ORDO_LOG_NONE))
        log_live_publish(log->lock_fd, seg_first, off + nbytes, mark_seq);

    pthread_mutex_lock(&log->mu);
    log->io_busy = false;
    buf.len = 0;
    log->spare = buf;
    if (padded)
        log->padded = true;
    if (fell_back)
        log->direct = false; /* pend's head is simply not written from now on */
    if (rc == ORDO_OK) {
        log->st.batches++;
        if (last > log->written_seq) {
            log->written_seq = last;
        }
        if (need_sync) {
            log->durable_seq = log->written_seq;
            log->st.syncs++;
        }
    } else if (!log->failed) {
        log->failed = rc;
        log->seg_ahead = false; /* the file was cut back to off */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", log->dir, log->seg_name);
        ordo_error_set(&log->fail_err, rc, path, 0, NULL,
                       "%s failed at byte offset %" PRIu64 ": %s%s; the log refuses appends "
                       "until reopened",
                       nbytes ? "write/fdatasync" : "fdatasync", off, strerror(e ? e : EIO),
                       truncated_back ? "" : " (partial write left; recovery will cut it)");
    }
    wake_waiters(log);
    pthread_cond_broadcast(&log->cv_done);
    uint64_t af, at;
    if (ahead_wanted(log, &af, &at))
        pthread_cond_signal(&log->cv_ahead);
    return rc;
}

/* Wraps run_batch_locked to account the bytes written (file_off). */
static int batch_locked(ordo_log_t *log, bool sync)
{
    /* never where the ahead thread is writing zeros (past alloc_end): a
     * batch that reaches there waits for it, which it rarely has to (the
     * zeros are renewed when half of them are left) */
    while (log->ahead_busy && block_up(log->file_off + log->pend.len) > log->alloc_end) {
        log->io_busy = true;
        pthread_cond_wait(&log->cv_done, &log->mu);
        log->io_busy = false;
    }
    size_t n = log->pend.len;
    int rc = run_batch_locked(log, sync);
    if (rc == ORDO_OK)
        log->file_off += n;
    return rc;
}

static int fail_copy(ordo_log_t *log, ordo_error_t *err)
{
    if (err)
        *err = log->fail_err;
    return log->failed;
}

/* ---- segments ---- */

/* The active segment's descriptor was just opened at file_off, nothing
 * pending. Switches it to O_DIRECT when the options ask for it and the file
 * system accepts it, and starts the pending buffer with blk: the bytes of
 * the block holding file_off that come before it (file_off % LOG_DIO_ALIGN). */
int log_segment_io_start(ordo_log_t *log, const uint8_t *blk, ordo_error_t *err)
{
    log->direct = false;
    log->padded = false;
    bytes_restart(&log->pend, NULL, 0);
    if (log->opt.direct_io == ORDO_LOG_DIRECT_OFF)
        return ORDO_OK;
    int fl = fcntl(log->fd, F_GETFL);
    if (fl < 0 || fcntl(log->fd, F_SETFL, fl | O_DIRECT) != 0) {
        if (log->opt.direct_io == ORDO_LOG_DIRECT_ON)
            return ordo_error_set(err, ORDO_EIO, log->dir, 0, "direct_io",
                                  "the file system does not accept O_DIRECT: %s", strerror(errno));
        return ORDO_OK;
    }
    bytes_restart(&log->pend, blk, (size_t)(log->file_off % LOG_DIO_ALIGN));
    log->direct = true;
    return ORDO_OK;
}

void log_segment_ahead_start(ordo_log_t *log, uint32_t seg_flags)
{
    log->seg_ahead = log->opt.ahead_bytes > 0 && (seg_flags & LOG_SEG_FLAG_AHEAD);
    log->ahead_stopped = false;
    log->file_end = log->alloc_end = log->file_off; /* the file ends at its last record */
    if (log->seg_ahead)
        pthread_cond_signal(&log->cv_ahead);
}

/* The ahead thread: writes zeros past the active segment's records and
 * fdatasyncs them (the new file size with them), so that a batch's
 * fdatasync has only data to flush. A zero write that fails stops writing
 * ahead in the segment; batches then grow the file as without. */
static void *ahead_main(void *arg)
{
    ordo_log_t *log = arg;
    pthread_mutex_lock(&log->mu);
    while (!log->closing) {
        uint64_t from, to;
        if (!ahead_wanted(log, &from, &to)) {
            pthread_cond_wait(&log->cv_ahead, &log->mu);
            continue;
        }
        int fd = log->fd;
        log->ahead_busy = true;
        pthread_mutex_unlock(&log->mu);
        int e = 0, rc = ORDO_OK;
        for (uint64_t off = from; rc == ORDO_OK && off < to; off += LOG_AHEAD_CHUNK) {
            size_t n = to - off < LOG_AHEAD_CHUNK ? (size_t)(to - off) : LOG_AHEAD_CHUNK;
            rc = io_write_all(log, fd, log->zeros, n, off, LOG_DIO_ALIGN, &e);
        }
        if (rc == ORDO_OK)
            rc = io_sync(log, fd, &e);
        pthread_mutex_lock(&log->mu);
        log->ahead_busy = false;
        log->padded = true; /* close and rotation cut the file back to its last record */
        if (rc == ORDO_OK) {
            log->alloc_end = to;
            log->st.ahead_bytes += to - from;
            log->st.ahead_syncs++;
        } else {
            log->ahead_stopped = true;
        }
        pthread_cond_broadcast(&log->cv_done);
    }
    pthread_mutex_unlock(&log->mu);
    return NULL;
}

/* LOG_AHEAD_CHUNK zero bytes, block-aligned (direct writes); NULL when
 * out of memory. */
static uint8_t *zeros_alloc(void)
{
    void *z = NULL;
    if (posix_memalign(&z, LOG_DIO_ALIGN, LOG_AHEAD_CHUNK) != 0)
        return NULL;
    memset(z, 0, LOG_AHEAD_CHUNK);
    return z;
}

static bool ahead_thread_start(ordo_log_t *log)
{
    if (pthread_create(&log->aheader, NULL, ahead_main, log) != 0)
        return false;
    log->has_aheader = true;
    pthread_setname_np(log->aheader, "ordo-log-ahead");
    return true;
}

/* Lock held, everything written, no batch in flight: cuts the zero padding
 * direct writes leave after the last record, so a sealed or closed segment
 * ends at its last record. */
static int trim_padding_locked(ordo_log_t *log)
{
    if (!log->padded || log->fd < 0 || log->failed)
        return log->failed;
    int e = 0, rc = ORDO_OK;
    if (ftruncate(log->fd, (off_t)log->file_off) != 0) {
        e = errno;
        rc = log_io_code(e);
    } else {
        rc = io_sync(log, log->fd, &e);
    }
    if (rc != ORDO_OK) {
        log->failed = rc;
        ordo_error_set(&log->fail_err, rc, log->seg_name, 0, NULL,
                       "cannot cut the direct I/O padding at byte offset %" PRIu64 ": %s",
                       log->file_off, strerror(e ? e : EIO));
        return rc;
    }
    log->padded = false;
    return ORDO_OK;
}

int log_create_segment(ordo_log_t *log, uint64_t first_seq, uint64_t seg_no, const uint8_t *dict,
                       uint32_t dict_len, ordo_error_t *err)
{
    char name[40], tmp[4200], path[4096];
    log_seg_filename(first_seq, name);
    snprintf(path, sizeof path, "%s/%s", log->dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return ordo_error_set(err, log_io_code(errno), tmp, 0, NULL, "cannot create segment: %s",
                              strerror(errno));
    log_seg_header_t h = {.first_seq = first_seq,
                          .seg_no = seg_no,
                          .created_ns = log_now_unix_ns(),
                          .dict = dict,
                          .dict_len = dict_len,
                          .flags = log->opt.ahead_bytes ? LOG_SEG_FLAG_AHEAD : 0,
                          .hdr_len = LOG_SEG_HDR_SIZE + dict_len};
    memcpy(h.prev_chain, log->chain, ORDO_LOG_HASH_BYTES);
    uint8_t *hb = malloc(h.hdr_len);
    if (!hb) {
        close(fd);
        unlink(tmp);
        return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    }
    log_seg_header_encode(&h, hb);
    int e = 0;
    int rc = io_write_all(log, fd, hb, h.hdr_len, 0, 1, &e);
    if (rc == ORDO_OK)
        rc = io_sync(log, fd, &e);
    if (rc == ORDO_OK && rename(tmp, path) != 0) {
        e = errno;
        rc = log_io_code(e);
    }
    if (rc != ORDO_OK) {
        free(hb);
        close(fd);
        unlink(tmp);
        return ordo_error_set(err, rc, path, 0, NULL, "cannot create segment: %s", strerror(e));
    }
    fsync_dir(log->dir);
    log->fd = fd;
    snprintf(log->seg_name, sizeof log->seg_name, "%s", name);
    log->seg_no = seg_no;
    log->file_off = h.hdr_len;
    log->seg_bytes = h.hdr_len;
    rc = log_segment_io_start(log, hb + (h.hdr_len - h.hdr_len % LOG_DIO_ALIGN), err);
    free(hb);
    if (rc != ORDO_OK)
        return rc;
    log_seg_chain_start(&h, log->chain);
    log_index_free(&log->ix);
    memset(&log->ix, 0, sizeof log->ix);
    log->ix.first_seq = first_seq;
    log->ix.last_seq = first_seq - 1;
    log->ix.valid_len = h.hdr_len;
    memcpy(log->ix.last_chain, log->chain, ORDO_LOG_HASH_BYTES);
    log->need_block_start = true;
    log_segment_ahead_start(log, h.flags);
    return ORDO_OK;
}

/* Installs dict (taken over; may be NULL) as the active segment's
 * dictionary. Main lock held. */
void log_set_dict(ordo_log_t *log, uint8_t *dict, uint32_t dict_len)
{
    ZSTD_CDict *cd = NULL;
    if (dict && log->opt.compress_level != 0)
        cd = ZSTD_createCDict(dict, dict_len, log->opt.compress_level);
    pthread_rwlock_wrlock(&log->dict_lock);
    ZSTD_freeCDict(log->cdict);
    free(log->dict);
    log->cdict = cd;
    log->dict = dict;
    log->dict_len = dict ? dict_len : 0;
    log->dict_gen++;
    pthread_rwlock_unlock(&log->dict_lock);
}

static log_zctx_t *pool_get(ordo_log_t *log)
{
    log_zctx_t *z = NULL;
    pthread_mutex_lock(&log->pool_mu);
    if (log->npool > 0)
        z = log->pool[--log->npool];
    pthread_mutex_unlock(&log->pool_mu);
    if (z)
        return z;
    z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->c = ZSTD_createCCtx();
    if (!z->c) {
        free(z);
        return NULL;
    }
    /* a bare frame: the record header already holds the raw length */
    ZSTD_CCtx_setParameter(z->c, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(z->c, ZSTD_c_checksumFlag, 0);
    ZSTD_CCtx_setParameter(z->c, ZSTD_c_dictIDFlag, 0);
    return z;
}

static void zctx_free(log_zctx_t *z)
{
    if (!z)
        return;
    ZSTD_freeCCtx(z->c);
    free(z->buf);
    free(z);
}

static void pool_put(ordo_log_t *log, log_zctx_t *z)
{
    pthread_mutex_lock(&log->pool_mu);
    if (log->npool < LOG_ZPOOL) {
        log->pool[log->npool++] = z;
        z = NULL;
    }
    pthread_mutex_unlock(&log->pool_mu);
    zctx_free(z);
}

/* Compressed size in z->buf, or 0 when it failed or did not shrink. */
static size_t zcompress(log_zctx_t *z, const ZSTD_CDict *cd, const void *p, size_t len)
{
    size_t need = ZSTD_compressBound(len);
    if (z->cap < need) {
        uint8_t *nb = realloc(z->buf, need);
        if (!nb)
            return 0;
        z->buf = nb;
        z->cap = need;
    }
    if (ZSTD_isError(ZSTD_CCtx_refCDict(z->c, cd)))
        return 0;
    size_t r = ZSTD_compress2(z->c, z->buf, z->cap, p, len);
    return ZSTD_isError(r) || r >= len ? 0 : r;
}

/* Lock held, rotating set by the caller, no batch in flight. */
static int rotate_locked(ordo_log_t *log)
{
    int rc = batch_locked(log, true);
    if (rc == ORDO_OK)
        rc = trim_padding_locked(log);
    if (rc != ORDO_OK)
        return rc;
    char ipath[4096];
    snprintf(ipath, sizeof ipath, "%s/%.*s" LOG_IDX_SUFFIX, log->dir,
             (int)(strlen(log->seg_name) - strlen(LOG_SEG_SUFFIX)), log->seg_name);
    ordo_error_t ierr;
    log->ix.valid_len = log->file_off;
    (void)log_index_write(ipath, &log->ix, &ierr); /* derived data: open rebuilds it */
    close(log->fd);
    log->fd = -1;
    /* a dictionary for the next segment, from this one's payloads */
    uint8_t *nd = NULL;
    uint32_t nd_len = 0;
    if (log->opt.compress_level != 0 && log->nsamples >= 16) {
        nd = malloc(LOG_DICT_BYTES);
        size_t r = nd ? ZDICT_trainFromBuffer(nd, LOG_DICT_BYTES, log->samples, log->sample_sizes,
                                              log->nsamples)
                      : 0;
        if (nd && !ZDICT_isError(r) && r > 0) {
            nd_len = (uint32_t)r;
        } else {
            free(nd);
            nd = NULL;
        }
    }
    log->nsamples = 0;
    log->samples_len = 0;
    if (!nd && log->dict_len && log->opt.compress_level != 0) { /* keep the current one */
        nd = malloc(log->dict_len);
        if (nd) {
            memcpy(nd, log->dict, log->dict_len);
            nd_len = log->dict_len;
        }
    }
    ordo_error_t cerr;
    rc = log_create_segment(log, log->next_seq, log->seg_no + 1, nd, nd_len, &cerr);
    if (rc != ORDO_OK) {
        free(nd);
        if (!log->failed) {
            log->failed = rc;
            log->fail_err = cerr;
        }
        return rc;
    }
    log_set_dict(log, nd, nd_len);
    log_live_publish(log->lock_fd, log->ix.first_seq, log->file_off, log->next_seq - 1);
    return rc;
}

/* ---- the append observer ---- */

void ordo_log_set_observer(ordo_log_t *log, const ordo_log_observer_t *obs)
{
    pthread_mutex_lock(&log->mu);
    if (obs)
        log->obs = *obs;
    else
        memset(&log->obs, 0, sizeof log->obs);
    log->obs_seq = log->opt.sync == ORDO_LOG_NONE ? log->written_seq : log->durable_seq;
    pthread_mutex_unlock(&log->mu);
}

/* Lock held. The last seq durable under the log's mode (written, in NONE). */
static uint64_t obs_mark(const ordo_log_t *log)
{
    return log->opt.sync == ORDO_LOG_NONE ? log->written_seq : log->durable_seq;
}

/* Lock held. Has the durable mark moved past what on_durable was told? */
static bool obs_due(const ordo_log_t *log)
{
    return log->obs.on_durable && obs_mark(log) > log->obs_seq;
}

/* Lock not held. Tells the observer how far the records are durable (once
 * per mark; closing: always, the last call). */
static void obs_deliver(ordo_log_t *log, bool closing)
{
    pthread_mutex_lock(&log->obs_mu);
    pthread_mutex_lock(&log->mu);
    uint64_t mark = obs_mark(log);
    bool due = log->obs.on_durable && (mark > log->obs_seq || closing);
    if (due)
        log->obs_seq = mark;
    ordo_log_observer_t obs = log->obs;
    pthread_mutex_unlock(&log->mu);
    if (due)
        obs.on_durable(obs.ctx, mark, closing);
    pthread_mutex_unlock(&log->obs_mu);
}

/* ---- append ---- */

/* Frames one record into the pending buffer. zbuf/zlen: the payload
 * compressed with the active segment's dictionary, or NULL. */
static int encode_locked(ordo_log_t *log, uint16_t type, uint8_t uflags, const char *key,
                         size_t keylen, int64_t ts, const void *payload, size_t len,
                         const uint8_t *zbuf, size_t zlen,
                         const uint8_t digest[ORDO_LOG_HASH_BYTES], uint64_t *seq_out,
                         ordo_error_t *err)
{
    uint8_t flags = uflags;
    bool bs = log->need_block_start || log->block_records >= log->opt.index_every;
    if (bs) {
        flags |= ORDO_LOG_FLAG_BLOCK_START;
        log->block_records = 0;
        log->need_block_start = false;
    }
    const void *stored_p = payload;
    size_t stored = len;
    if (zbuf) {
        flags |= ORDO_LOG_FLAG_ZSTD;
        stored_p = zbuf;
        stored = zlen;
    }
    if (bytes_reserve(&log->pend, LOG_REC_OVERHEAD + keylen + stored) != ORDO_OK)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    uint8_t *p = log->pend.p + log->pend.len;
    uint8_t *body = p + LOG_REC_HDR_SIZE;
    uint64_t seq = log->next_seq;
    log_put64(body, seq);
    log_put64(body + 8, (uint64_t)ts);
    if (keylen)
        memcpy(body + LOG_REC_FIXED_BODY, key, keylen);
    if (stored)
        memcpy(body + LOG_REC_FIXED_BODY + keylen, stored_p, stored);
    uint32_t body_len = (uint32_t)(LOG_REC_FIXED_BODY + keylen + stored + ORDO_LOG_HASH_BYTES);
    log_put32(p, LOG_REC_MAGIC);
    log_put32(p + 4, body_len);
    log_put16(p + 8, type);
    p[10] = flags;
    p[11] = (uint8_t)keylen;
    log_put32(p + 12, (uint32_t)len);
    uint8_t *chain = body + body_len - ORDO_LOG_HASH_BYTES;
    log_chain_step(log->chain, p, seq, digest, chain);
    log_put64(p + 16, log_rec_checksum(p, body_len));
    memcpy(log->chain, chain, ORDO_LOG_HASH_BYTES);

    log_rec_view_t v = {.seq = seq,
                        .ts = ts,
                        .key = (const uint8_t *)key,
                        .key_len = (uint8_t)keylen,
                        .chain = chain,
                        .frame_len = LOG_REC_HDR_SIZE + (size_t)body_len};
    if (log_index_add(&log->ix, &v, log->seg_bytes, bs) != ORDO_OK)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    /* sample payloads to train the next segment's dictionary */
    if (log->opt.compress_level != 0 && log->nsamples < LOG_SAMPLES_MAX &&
        len >= LOG_MIN_COMPRESS && log->samples_len + len <= LOG_SAMPLES_BYTES) {
        if (!log->samples)
            log->samples = malloc(LOG_SAMPLES_BYTES);
        if (log->samples) {
            memcpy(log->samples + log->samples_len, payload, len);
            log->samples_len += len;
            log->sample_sizes[log->nsamples++] = len;
        }
    }
    log->seg_bytes += v.frame_len;
    log->pend.len += v.frame_len;
    log->pend_last_seq = seq;
    log->next_seq++;
    log->block_records++;
    log->st.records++;
    log->st.payload_bytes += len;
    log->st.stored_bytes += v.frame_len;
    log->st.last_seq = seq;
    *seq_out = seq;
    if (log->obs.on_append)
        log->obs.on_append(log->obs.ctx, seq, chain, type, uflags, payload, len);
    return ORDO_OK;
}

static int append_locked(ordo_log_t *log, uint16_t type, uint8_t uflags, const char *key,
                         size_t keylen, int64_t ts_unix_ns, const void *payload, size_t len,
                         log_zctx_t *z, uint64_t zgen, size_t zlen,
                         uint8_t digest[ORDO_LOG_HASH_BYTES], uint64_t *seq_out, ordo_error_t *err)
{
    size_t worst = LOG_REC_OVERHEAD + keylen + len;
    int rc;
    for (;;) {
        if (log->failed)
            return fail_copy(log, err);
        if (log->rotating) {
            pthread_cond_wait(&log->cv_done, &log->mu);
            continue;
        }
        bool need_rotate = log->ix.records > 0 && log->seg_bytes + worst > log->opt.segment_bytes;
        /* the first dictionary: start a new segment as soon as there are
         * enough samples, rather than compress nothing for a whole segment */
        if (!need_rotate && log->ix.records > 0 && log->opt.compress_level != 0 && !log->cdict &&
            log->nsamples >= LOG_FIRST_DICT_SAMPLES && log->dict_attempts < 2)
            need_rotate = true;
        if (!need_rotate)
            break;
        if (log->io_busy || log->ahead_busy) {
            pthread_cond_wait(&log->cv_done, &log->mu);
            continue;
        }
        log->rotating = true;
        if (!log->cdict)
            log->dict_attempts++;
        rotate_locked(log);
        log->rotating = false;
        pthread_cond_broadcast(&log->cv_done);
        wake_waiters(log);
    }
    if (z && zgen != log->dict_gen) { /* the dictionary changed meanwhile */
        zlen = log->cdict ? zcompress(z, log->cdict, payload, len) : 0;
        log_rec_digest(ts_unix_ns, key, keylen, zlen ? z->buf : payload, zlen ? zlen : len, digest);
    }
    uint64_t seq = 0;
    rc = encode_locked(log, type, uflags, key, keylen, ts_unix_ns, payload, len,
                       z && zlen ? z->buf : NULL, zlen, digest, &seq, err);
    if (rc != ORDO_OK)
        return rc;
    if (seq_out)
        *seq_out = seq;
    switch (log->opt.sync) {
    case ORDO_LOG_SYNC: {
        if (log->gathering)
            pthread_cond_signal(&log->cv_more);
        log_waiter_t w = {.seq = seq};
        pthread_cond_init(&w.cv, NULL);
        if (log->wq_tail)
            log->wq_tail->next = &w;
        else
            log->wq_head = &w;
        log->wq_tail = &w;
        while (!w.done) {
            if (log->io_busy || log->rotating || log->wq_head != &w) {
                /* a batch is in flight, or an earlier waiter leads next */
                pthread_cond_wait(&w.cv, &log->mu);
                continue;
            }
            if (log->opt.interval_us > 0 && log->pend.len < log->opt.batch_bytes) {
                /* leader: wait a little for followers to join the batch */
                log->io_busy = true;
                log->gathering = true;
                struct timespec dl;
                clock_gettime(CLOCK_REALTIME, &dl);
                uint64_t ns = (uint64_t)dl.tv_nsec + (uint64_t)log->opt.interval_us * 1000u;
                dl.tv_sec += (time_t)(ns / 1000000000u);
                dl.tv_nsec = (long)(ns % 1000000000u);
                while (log->pend.len < log->opt.batch_bytes &&
                       pthread_cond_timedwait(&log->cv_more, &log->mu, &dl) == 0) {
                }
                log->gathering = false;
                log->io_busy = false;
            }
            batch_locked(log, true); /* wakes the waiters it made durable */
        }
        pthread_cond_destroy(&w.cv);
        return log->durable_seq >= seq ? ORDO_OK : fail_copy(log, err);
    }
    case ORDO_LOG_ASYNC:
        if (log->pend.len >= log->opt.batch_bytes)
            pthread_cond_signal(&log->cv_flush);
        return ORDO_OK;
    case ORDO_LOG_NONE:
    default:
        if (log->pend.len >= log->opt.batch_bytes && !log->io_busy && !log->rotating &&
            batch_locked(log, false) != ORDO_OK)
            return fail_copy(log, err);
        return ORDO_OK;
    }
}

int ordo_log_append(ordo_log_t *log, uint16_t type, const char *key, size_t keylen,
                    int64_t ts_unix_ns, const void *payload, size_t len, uint64_t *seq_out,
                    ordo_error_t *err)
{
    return ordo_log_append_flags(log, type, 0, key, keylen, ts_unix_ns, payload, len, seq_out, err);
}

int ordo_log_append_flags(ordo_log_t *log, uint16_t type, uint8_t flags, const char *key,
                          size_t keylen, int64_t ts_unix_ns, const void *payload, size_t len,
                          uint64_t *seq_out, ordo_error_t *err)
{
    if (!log || (keylen && !key) || (len && !payload))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "null argument");
    if (flags & ~ORDO_LOG_FLAG_CBOR)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "flags",
                              "only ORDO_LOG_FLAG_CBOR may be given (got 0x%02x)", flags);
    if (keylen > ORDO_LOG_KEY_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "key",
                              "key is %zu bytes, at most %d allowed", keylen, ORDO_LOG_KEY_MAX);
    if (len > ORDO_LOG_PAYLOAD_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "payload",
                              "payload is %zu bytes, at most %u allowed", len,
                              (unsigned)ORDO_LOG_PAYLOAD_MAX);
    if (ts_unix_ns == 0)
        ts_unix_ns = log_now_unix_ns();
    /* compress in the caller's thread, outside the log lock */
    log_zctx_t *z = NULL;
    uint64_t zgen = 0;
    size_t zlen = 0;
    if (log->opt.compress_level != 0 && len >= LOG_MIN_COMPRESS && (z = pool_get(log))) {
        pthread_rwlock_rdlock(&log->dict_lock);
        zgen = log->dict_gen;
        if (log->cdict)
            zlen = zcompress(z, log->cdict, payload, len);
        pthread_rwlock_unlock(&log->dict_lock);
    }
    /* the long part of the chain hash, also outside the lock */
    uint8_t digest[ORDO_LOG_HASH_BYTES];
    log_rec_digest(ts_unix_ns, key, keylen, zlen ? z->buf : payload, zlen ? zlen : len, digest);
    pthread_mutex_lock(&log->mu);
    int rc = append_locked(log, type, flags, key, keylen, ts_unix_ns, payload, len, z, zgen, zlen,
                           digest, seq_out, err);
    bool due = obs_due(log);
    pthread_mutex_unlock(&log->mu);
    if (z)
        pool_put(log, z);
    if (due)
        obs_deliver(log, false);
    return rc;
}

static int flush_locked(ordo_log_t *log, ordo_error_t *err)
{
    /* the records appended before the call: a flush beside a busy appender
     * must not chase what it appends meanwhile */
    uint64_t target = log->next_seq - 1;
    for (;;) {
        if (log->failed)
            return fail_copy(log, err);
        if (log->io_busy || log->rotating) {
            pthread_cond_wait(&log->cv_done, &log->mu);
            continue;
        }
        if (log->pend.len == 0 && log->durable_seq >= log->written_seq)
            return ORDO_OK;
        if (log->durable_seq >= target && log->next_seq - 1 > target)
            return ORDO_OK; /* what is pending was appended after the call */
        batch_locked(log, true);
    }
}

int ordo_log_flush(ordo_log_t *log, ordo_error_t *err)
{
    if (!log)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "null log");
    pthread_mutex_lock(&log->mu);
    int rc = flush_locked(log, err);
    bool due = obs_due(log);
    pthread_mutex_unlock(&log->mu);
    if (due)
        obs_deliver(log, false);
    return rc;
}

static void *flusher_main(void *arg)
{
    ordo_log_t *log = arg;
    uint32_t iv = log->opt.interval_us ? log->opt.interval_us : 2000;
    pthread_mutex_lock(&log->mu);
    while (!log->closing) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        uint64_t ns = (uint64_t)dl.tv_nsec + (uint64_t)iv * 1000u;
        dl.tv_sec += (time_t)(ns / 1000000000u);
        dl.tv_nsec = (long)(ns % 1000000000u);
        while (!log->closing && log->pend.len < log->opt.batch_bytes &&
               pthread_cond_timedwait(&log->cv_flush, &log->mu, &dl) == 0) {
        }
        if (log->closing)
            break;
        if (!log->failed && !log->io_busy && !log->rotating &&
            (log->pend.len > 0 || log->written_seq > log->durable_seq))
            batch_locked(log, true);
        if (obs_due(log)) {
            pthread_mutex_unlock(&log->mu);
            obs_deliver(log, false);
            pthread_mutex_lock(&log->mu);
        }
    }
    pthread_mutex_unlock(&log->mu);
    return NULL;
}

void ordo_log_get_stats(ordo_log_t *log, ordo_log_stats_t *stats)
{
    pthread_mutex_lock(&log->mu);
    *stats = log->st;
    stats->durable_seq = log->durable_seq;
    stats->direct_io = log->direct;
    pthread_mutex_unlock(&log->mu);
}

/* ---- open / recovery ---- */

static void log_free(ordo_log_t *log)
{
    if (!log)
        return;
    if (log->fd >= 0)
        close(log->fd);
    if (log->lock_fd >= 0)
        close(log->lock_fd); /* releases the flock */
    log_index_free(&log->ix);
    free(log->pend.base);
    free(log->spare.base);
    for (int i = 0; i < log->npool; i++)
        zctx_free(log->pool[i]);
    ZSTD_freeCDict(log->cdict);
    free(log->dict);
    free(log->samples);
    pthread_rwlock_destroy(&log->dict_lock);
    pthread_mutex_destroy(&log->pool_mu);
    pthread_mutex_destroy(&log->mu);
    pthread_mutex_destroy(&log->obs_mu);
    pthread_cond_destroy(&log->cv_done);
    pthread_cond_destroy(&log->cv_more);
    pthread_cond_destroy(&log->cv_flush);
    pthread_cond_destroy(&log->cv_ahead);
    free(log->zeros);
    free(log->dir);
    free(log);
}

/* The writer's locks on DIR/LOCK: flock (one writer at a time, at once:
 * ORDO_ESTATE) and the live mark's OFD lock (log_live_begin: waits for a
 * reader's tail copy, at most LOG_LIVE_WAIT_MS: ORDO_EBUSY). */
static int take_writer_locks(ordo_log_t *log, const char *dir, ordo_error_t *err)
{
    char lpath[4096];
    snprintf(lpath, sizeof lpath, "%s/LOCK", dir);
    log->lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (log->lock_fd < 0)
        return ordo_error_set(err, log_io_code(errno), lpath, 0, NULL, "cannot open: %s",
                              strerror(errno));
    if (flock(log->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return ordo_error_set(err, ORDO_ESTATE, lpath, 0, NULL,
                              "the log is open for writing by another process");
    if (log_live_begin(log->lock_fd, LOG_LIVE_WAIT_MS) != ORDO_OK)
        return ordo_error_set(err, ORDO_EBUSY, lpath, 0, NULL,
                              "a reader of the log has held its read lock on this file for %u ms "
                              "(a stopped `ordo log` process?)",
                              LOG_LIVE_WAIT_MS);
    return ORDO_OK;
}

int ordo_log_open(const char *dir, const ordo_log_options_t *opt, ordo_log_t **out,
                  ordo_log_open_info_t *info, ordo_error_t *err)
{
    *out = NULL;
    if (info)
        memset(info, 0, sizeof *info);
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialize");
    int rc = ordo_mkdir_p(dir, err);
    if (rc != ORDO_OK)
        return rc;
    ordo_log_t *log = calloc(1, sizeof *log);
    if (!log)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    log->fd = -1;
    log->lock_fd = -1;
    pthread_mutex_init(&log->mu, NULL);
    pthread_mutex_init(&log->obs_mu, NULL);
    pthread_mutex_init(&log->pool_mu, NULL);
    pthread_rwlock_init(&log->dict_lock, NULL);
    pthread_cond_init(&log->cv_done, NULL);
    pthread_cond_init(&log->cv_more, NULL);
    pthread_cond_init(&log->cv_flush, NULL);
    pthread_cond_init(&log->cv_ahead, NULL);
    if (opt)
        log->opt = *opt;
    else
        ordo_log_options_init(&log->opt);
    if (!log->opt.segment_bytes)
        log->opt.segment_bytes = 64ull << 20;
    if (log->opt.segment_bytes < 4096)
        log->opt.segment_bytes = 4096;
    if (!log->opt.batch_bytes)
        log->opt.batch_bytes = 1u << 20;
    if (!log->opt.index_every)
        log->opt.index_every = 64;
    if (log->opt.io) {
        log->io = *log->opt.io;
        log->opt.io = NULL;
    }
    if (!log->io.pwrite)
        log->io.pwrite = real_pwrite;
    if (!log->io.fdatasync)
        log->io.fdatasync = real_fdatasync;
    log->dir = strdup(dir);
    if (!log->dir) {
        log_free(log);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (log->opt.compress_level < LOG_ZSTD_MIN_LEVEL ||
        log->opt.compress_level > ZSTD_maxCLevel()) {
        log_free(log);
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "compress_level",
                              "zstd level %d is outside %d..%d", opt->compress_level,
                              LOG_ZSTD_MIN_LEVEL, ZSTD_maxCLevel());
    }
    if ((rc = take_writer_locks(log, dir, err)) != ORDO_OK) {
        log_free(log);
        return rc;
    }
    if (bytes_reserve(&log->pend, 0) != ORDO_OK || bytes_reserve(&log->spare, 0) != ORDO_OK ||
        (log->opt.ahead_bytes && !(log->zeros = zeros_alloc()))) {
        log_free(log);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    rc = log_recover(log, info, err);
    if (rc != ORDO_OK) {
        log_free(log);
        return rc;
    }
    if (info)
        info->next_seq = log->next_seq;
    /* the records open found (and kept) are the last segment's proven part */
    log_live_publish(log->lock_fd, log->ix.first_seq, log->file_off, log->next_seq - 1);
    if (log->opt.sync == ORDO_LOG_ASYNC) {
        if (pthread_create(&log->flusher, NULL, flusher_main, log) != 0) {
            log_free(log);
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot start flusher thread");
        }
        log->has_flusher = true;
    }
    if (log->opt.ahead_bytes && !ahead_thread_start(log)) {
        ordo_log_close(log, NULL);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot start the ahead thread");
    }
    *out = log;
    return ORDO_OK;
}

int ordo_log_close(ordo_log_t *log, ordo_error_t *err)
{
    if (!log)
        return ORDO_OK;
    pthread_mutex_lock(&log->mu);
    log->closing = true;
    pthread_cond_broadcast(&log->cv_flush);
    pthread_cond_broadcast(&log->cv_ahead);
    pthread_mutex_unlock(&log->mu);
    if (log->has_flusher)
        pthread_join(log->flusher, NULL);
    if (log->has_aheader)
        pthread_join(log->aheader, NULL);
    pthread_mutex_lock(&log->mu);
    int rc = log->fd >= 0 || log->failed ? flush_locked(log, err) : ORDO_OK;
    if (rc == ORDO_OK && trim_padding_locked(log) != ORDO_OK)
        rc = fail_copy(log, err);
    pthread_mutex_unlock(&log->mu);
    if (log->obs.on_durable)
        obs_deliver(log, true);
    log_free(log);
    return rc;
}
