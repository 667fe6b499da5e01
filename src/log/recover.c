/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — recovery at open: walk the segments in order, trust a sealed
 * segment whose index is good, rescan the others, cut a torn tail of the
 * last segment into a quarantine file, and resume appending after the last
 * good record. See docs/internals/LOG.md, "Recovery". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_internal.h"
#include "ordo/util.h"

/* Where the walk has got to: the last seq and chain value of the segments
 * checked so far, which the next segment's header must continue. */
typedef struct recover_walk {
    uint64_t prev_last;
    uint8_t prev_chain[ORDO_LOG_HASH_BYTES];
} recover_walk_t;

/* One segment of the walk. */
typedef struct recover_seg {
    const log_seg_name_t *name;
    size_t i;  /* position in the walk */
    bool last; /* the active segment */
    char path[4096];
    char ipath[4096];
} recover_seg_t;

/* Moves bytes [from, len) of a segment to a quarantine file, then cuts the
 * segment there. Nothing is thrown away silently; only an all-zero tail
 * (the padding of direct writes, or blocks allocated but never written)
 * holds nothing to keep. */
static int cut_tail(ordo_log_t *log, const char *seg, const uint8_t *data, size_t len,
                    uint64_t from, ordo_log_open_info_t *info, ordo_error_t *err)
{
    char path[4096], qpath[4200] = "";
    snprintf(path, sizeof path, "%s/%s", log->dir, seg);
    size_t z = from;
    while (z < len && data[z] == 0)
        z++;
    if (z < len) {
        /* unique name: a later crash may cut at the same offset again */
        snprintf(qpath, sizeof qpath, "%s.cut-%" PRIu64 "-%" PRId64, path, from, log_now_unix_ns());
        int rc = ordo_write_file_atomic(qpath, data + from, len - from, err);
        if (rc != ORDO_OK)
            return rc;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)from) != 0 || fdatasync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ordo_error_set(err, log_io_code(e), path, 0, NULL,
                              "cannot truncate to %" PRIu64 ": %s", from, strerror(e));
    }
    close(fd);
    if (info) {
        info->truncated_bytes += len - from;
        size_t ql = strlen(qpath);
        if (ql >= sizeof info->quarantine)
            ql = sizeof info->quarantine - 1;
        memcpy(info->quarantine, qpath, ql);
        info->quarantine[ql] = 0;
    }
    return ORDO_OK;
}

static int corrupt_err(ordo_error_t *err, const char *dir, const char *seg, const log_scan_t *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, seg);
    return ordo_error_set(err, ORDO_ECORRUPT, path, 0, NULL,
                          "corrupt record at byte offset %" PRIu64 " (seq %" PRIu64 "): %s",
                          s->bad_offset, s->bad_seq, s->reason);
}

/* Removes the stray .tmp of a segment whose creation did not finish. */
static void remove_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".tmp")) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

/* Reads a sealed segment's header (without its dictionary). */
static int read_sealed_header(const recover_seg_t *sg, log_seg_header_t *h, struct stat *stt,
                              bool *st_ok, ordo_error_t *err)
{
    uint8_t fixed[LOG_SEG_HDR_SIZE];
    int fd = open(sg->path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? pread(fd, fixed, sizeof fixed, 0) : -1;
    *st_ok = fd >= 0 && fstat(fd, stt) == 0;
    const char *why = "segment shorter than its header";
    if (got == (ssize_t)sizeof fixed) {
        size_t hl = LOG_SEG_HDR_SIZE + log_seg_header_dict_len(fixed, sizeof fixed);
        uint8_t *hb = malloc(hl);
        if (hb && pread(fd, hb, hl, 0) == (ssize_t)hl)
            why = log_seg_header_decode(hb, hl, h);
        h->dict = NULL; /* not kept */
        free(hb);
    }
    if (fd >= 0)
        close(fd);
    if (why)
        return ordo_error_set(err, ORDO_ECORRUPT, sg->path, 0, NULL, "byte offset 0: %s", why);
    return ORDO_OK;
}

/* A sealed segment whose index is good, covers the whole file and continues
 * the walk is not re-read: *done = true and the walk moves past it. Else
 * *done = false and the caller scans the segment. */
static int check_sealed(const recover_seg_t *sg, recover_walk_t *w, bool *done, ordo_error_t *err)
{
    *done = false;
    log_seg_header_t h = {0};
    struct stat stt;
    bool st_ok;
    int rc = read_sealed_header(sg, &h, &stt, &st_ok, err);
    if (rc != ORDO_OK)
        return rc;
    log_seg_index_t ix;
    if (!st_ok || log_index_read(sg->ipath, &ix) != ORDO_OK)
        return ORDO_OK;
    bool good = log_index_check(&ix, h.first_seq, h.hdr_len, (uint64_t)stt.st_size) == NULL;
    if (good && (sg->i == 0 || (h.first_seq == w->prev_last + 1 &&
                                !memcmp(h.prev_chain, w->prev_chain, sizeof w->prev_chain)))) {
        if (h.first_seq != sg->name->first_seq) {
            log_index_free(&ix);
            return ordo_error_set(err, ORDO_ECORRUPT, sg->path, 0, NULL,
                                  "header first seq %" PRIu64 " does not match the name",
                                  h.first_seq);
        }
        w->prev_last = ix.last_seq;
        memcpy(w->prev_chain, ix.last_chain, sizeof w->prev_chain);
        *done = true;
    }
    log_index_free(&ix);
    return ORDO_OK;
}

/* Maps a segment and checks that its header is good, matches its file name
 * and continues the walk. On an error nothing stays mapped. */
static int map_segment(const recover_seg_t *sg, const recover_walk_t *w, const uint8_t **data,
                       size_t *len, log_seg_header_t *h, ordo_error_t *err)
{
    int rc = log_map_file(sg->path, data, len, err);
    if (rc != ORDO_OK)
        return rc;
    const char *why = log_seg_header_decode(*data, *len, h);
    if (why)
        rc = ordo_error_set(err, ORDO_ECORRUPT, sg->path, 0, NULL, "byte offset 0: %s", why);
    else if (h->first_seq != sg->name->first_seq)
        rc = ordo_error_set(err, ORDO_ECORRUPT, sg->path, 0, NULL,
                            "header first seq %" PRIu64 " does not match the file name",
                            h->first_seq);
    else if (sg->i > 0 && (h->first_seq != w->prev_last + 1 ||
                           memcmp(h->prev_chain, w->prev_chain, sizeof w->prev_chain)))
        rc = ordo_error_set(err, ORDO_ECORRUPT, sg->path, 0, NULL,
                            "segment does not continue the previous one (first seq %" PRIu64
                            ", expected %" PRIu64 ", or its previous-chain hash differs): "
                            "a segment was removed, replaced or reordered",
                            h->first_seq, w->prev_last + 1);
    if (rc != ORDO_OK)
        log_unmap(*data, *len);
    return rc;
}

/* Scans a mapped segment into ix and s. A torn or bad tail of the last
 * segment (any bad record with truncate_corrupt) is cut off; anything else
 * bad is an error. On an error ix is freed. */
static int scan_segment(ordo_log_t *log, const recover_seg_t *sg, const uint8_t *data, size_t len,
                        const log_seg_header_t *h, log_seg_index_t *ix, log_scan_t *s,
                        ordo_log_open_info_t *info, ordo_error_t *err)
{
    int rc = log_scan_segment(data, len, h, false, ix, s);
    if (rc != ORDO_OK) {
        log_index_free(ix);
        return ordo_error_set(err, rc, sg->path, 0, NULL, "out of memory");
    }
    if (s->kind == LOG_SCAN_OK)
        return ORDO_OK;
    bool tail = s->kind == LOG_SCAN_TORN || s->kind == LOG_SCAN_BAD_TAIL;
    if (!sg->last || (!tail && !log->opt.truncate_corrupt))
        rc = corrupt_err(err, log->dir, sg->name->name, s);
    else
        rc = cut_tail(log, sg->name->name, data, len, s->valid_len, info, err);
    if (rc != ORDO_OK)
        log_index_free(ix);
    return rc;
}

/* The last segment becomes the active one: appending resumes after its
 * last good record. Takes over dict and ix. */
static int resume_active(ordo_log_t *log, const recover_seg_t *sg, uint64_t seg_no,
                         uint32_t seg_flags, uint8_t *dict, uint32_t dict_len, log_seg_index_t *ix,
                         const log_scan_t *s, const uint8_t *blk, ordo_error_t *err)
{
    unlink(sg->ipath); /* an index of the active segment would go stale */
    log->fd = open(sg->path, O_WRONLY | O_CLOEXEC);
    if (log->fd < 0) {
        free(dict);
        log_index_free(ix);
        return ordo_error_set(err, log_io_code(errno), sg->path, 0, NULL,
                              "cannot open for append: %s", strerror(errno));
    }
    snprintf(log->seg_name, sizeof log->seg_name, "%s", sg->name->name);
    log->seg_no = seg_no;
    if (dict)
        log_set_dict(log, dict, dict_len);
    log->ix = *ix;
    log->file_off = log->seg_bytes = s->valid_len;
    log->ix.valid_len = s->valid_len;
    memcpy(log->chain, s->last_chain, sizeof log->chain);
    log->next_seq = s->last_seq + 1;
    log->written_seq = log->durable_seq = s->last_seq;
    log->need_block_start = true;
    int rc = log_segment_io_start(log, blk, err);
    if (rc == ORDO_OK)
        log_segment_ahead_start(log, seg_flags);
    return rc;
}

/* Reads one segment in full: checks it, cuts a torn tail, and either
 * rewrites its index (sealed) or resumes appending to it (the last one). */
static int recover_segment(ordo_log_t *log, const recover_seg_t *sg, recover_walk_t *w,
                           ordo_log_open_info_t *info, ordo_error_t *err)
{
    const uint8_t *data;
    size_t len;
    log_seg_header_t h = {0};
    int rc = map_segment(sg, w, &data, &len, &h, err);
    if (rc != ORDO_OK)
        return rc;
    log_seg_index_t ix = {0};
    log_scan_t s;
    rc = scan_segment(log, sg, data, len, &h, &ix, &s, info, err);
    if (rc != ORDO_OK) {
        log_unmap(data, len);
        return rc;
    }
    uint8_t *dict_copy = NULL;
    if (sg->last && h.dict_len && (dict_copy = malloc(h.dict_len)))
        memcpy(dict_copy, h.dict, h.dict_len);
    uint32_t dict_len = h.dict_len;
    h.dict = NULL;
    /* appending resumes in the block holding valid_len (direct I/O) */
    uint8_t blk[LOG_DIO_ALIGN];
    size_t bh = (size_t)(s.valid_len % LOG_DIO_ALIGN);
    if (sg->last)
        memcpy(blk, data + (s.valid_len - bh), bh);
    log_unmap(data, len);
    w->prev_last = s.last_seq;
    memcpy(w->prev_chain, s.last_chain, sizeof w->prev_chain);
    if (!sg->last) {
        ix.valid_len = s.valid_len;
        ordo_error_t ierr;
        (void)log_index_write(sg->ipath, &ix, &ierr);
        log_index_free(&ix);
        return ORDO_OK;
    }
    return resume_active(log, sg, h.seg_no, h.flags, dict_copy, dict_len, &ix, &s, blk, err);
}

static void seg_init(const ordo_log_t *log, const log_seg_name_t *segs, size_t i, size_t nseg,
                     recover_seg_t *sg)
{
    *sg = (recover_seg_t){.name = &segs[i], .i = i, .last = i + 1 == nseg};
    snprintf(sg->path, sizeof sg->path, "%s/%s", log->dir, segs[i].name);
    snprintf(sg->ipath, sizeof sg->ipath, "%s/%020" PRIu64 LOG_IDX_SUFFIX, log->dir,
             segs[i].first_seq);
}

/* Does the header of sg continue the walk? (true when it cannot be read:
 * the full check that follows reports that) */
static bool continues(const recover_seg_t *sg, const recover_walk_t *w)
{
    log_seg_header_t h = {0};
    struct stat stt;
    bool st_ok;
    ordo_error_t e;
    if (read_sealed_header(sg, &h, &stt, &st_ok, &e) != ORDO_OK)
        return true;
    return h.first_seq == w->prev_last + 1 &&
           !memcmp(h.prev_chain, w->prev_chain, sizeof w->prev_chain);
}

int log_recover(ordo_log_t *log, ordo_log_open_info_t *info, ordo_error_t *err)
{
    remove_leftovers(log->dir);
    log_seg_name_t *segs = NULL;
    size_t nseg = 0;
    int rc = log_list_segments(log->dir, &segs, &nseg, err);
    if (rc != ORDO_OK)
        return rc;
    memset(log->chain, 0, sizeof log->chain);
    if (nseg == 0) {
        free(segs);
        log->next_seq = 1;
        rc = log_create_segment(log, 1, 0, NULL, 0, err);
        if (info)
            info->segments = 1;
        return rc;
    }
    recover_walk_t w = {0}, w_before_prev = {0};
    bool prev_by_index = false;
    for (size_t i = 0; i < nseg && rc == ORDO_OK; i++) {
        recover_seg_t sg;
        seg_init(log, segs, i, nseg, &sg);
        if (prev_by_index && !continues(&sg, &w)) {
            /* the previous segment was taken from its index, whose end does
             * not lead here: rescan it (which rewrites its index) rather
             * than blame this one for the index's word */
            recover_seg_t psg;
            seg_init(log, segs, i - 1, nseg, &psg);
            w = w_before_prev;
            rc = recover_segment(log, &psg, &w, info, err);
            if (rc != ORDO_OK)
                break;
        }
        prev_by_index = false;
        if (!sg.last) {
            recover_walk_t before = w;
            bool done;
            rc = check_sealed(&sg, &w, &done, err);
            if (rc != ORDO_OK)
                break;
            if (done) {
                prev_by_index = true;
                w_before_prev = before;
                continue;
            }
        }
        rc = recover_segment(log, &sg, &w, info, err);
    }
    if (info && rc == ORDO_OK)
        info->segments = nseg;
    free(segs);
    return rc;
}
