/* SPDX-License-Identifier: Apache-2.0 */
/* Writing ahead (docs/internals/LOG.md "Writing ahead"): the active segment
 * holds zeros past its last record, flagged in its header; sealed and
 * closed segments end at their last record; a crash image (the files
 * copied while the writer is open) verifies, reads and recovers: zeros,
 * a torn frame in them, a direct write torn at a block boundary inside a
 * chain hash, a partial zeroed block; a damaged last record is still
 * corruption; segments without the flag keep the old rule. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "../../src/log/log_internal.h"
#include "log_test_util.h"

static void disk_tmpdir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "%s/ordolog-%s-XXXXXX", ORDO_BINARY_DIR, tag);
    if (!mkdtemp(buf))
        fail_msg("mkdtemp %s: %s", buf, strerror(errno));
}

/* A temporary directory on a file system that takes direct writes (what
 * writing ahead needs); the test is skipped on one that does not. */
static void direct_tmpdir(char *buf, size_t n, const char *tag)
{
    disk_tmpdir(buf, n, tag);
    if (!tu_direct_supported(buf)) {
        tu_rmrf(buf);
        skip();
    }
}

static void append_n(ordo_log_t *log, unsigned long from, unsigned long to)
{
    char buf[4096], key[64];
    for (unsigned long n = from; n < to; n++) {
        size_t len = tu_payload(buf, sizeof buf, 1, n);
        int kl = snprintf(key, sizeof key, "ord-%lu", n);
        uint64_t seq = 0;
        assert_int_equal(ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl,
                                         (int64_t)n * 1000000000, buf, len, &seq, NULL),
                         ORDO_OK);
        assert_int_equal(seq, n);
    }
}

static uint64_t iterate(const char *dir, int *rc)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t n = 0;
    while ((*rc = ordo_log_iter_next(it, &rec, &err)) == 1)
        assert_int_equal(rec.seq, ++n);
    ordo_log_iter_close(it);
    return n;
}

/* Where the last record of dir ends. */
static long last_end(const char *dir)
{
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, NULL), ORDO_OK);
    ordo_log_record_t rec;
    long e = 0;
    while (ordo_log_iter_next(it, &rec, NULL) == 1)
        e = (long)(rec.offset + rec.stored_len);
    ordo_log_iter_close(it);
    return e;
}

/* The only segment of dir. */
static void only_segment(const char *dir, char *out, size_t n)
{
    snprintf(out, n, "%s/%020d.seg", dir, 1);
}

static uint32_t seg_flags(const char *seg)
{
    int fd = open(seg, O_RDONLY);
    assert_true(fd >= 0);
    uint8_t h[LOG_SEG_HDR_SIZE];
    assert_int_equal(pread(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    close(fd);
    return log_get32(h + 76);
}

/* Waits until the ahead thread has written and synced its zeros. */
static void wait_ahead(ordo_log_t *log)
{
    ordo_log_stats_t st;
    for (int i = 0; i < 500; i++) {
        ordo_log_get_stats(log, &st);
        if (st.ahead_syncs > 0)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("no zeros were written ahead");
}

static void copy_file(const char *from, const char *to)
{
    int a = open(from, O_RDONLY), b = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(a >= 0 && b >= 0);
    static char buf[1 << 16];
    ssize_t r;
    while ((r = read(a, buf, sizeof buf)) > 0)
        assert_int_equal(write(b, buf, (size_t)r), r);
    close(a);
    close(b);
}

/* A crash image of a live log: its one segment, copied while the writer
 * holds it open (what the page cache and the disk have is the same). */
static void crash_image(const char *dir, const char *tag, char *out, size_t n)
{
    disk_tmpdir(out, n, tag);
    char a[600], b[600];
    only_segment(dir, a, sizeof a);
    only_segment(out, b, sizeof b);
    copy_file(a, b);
}

static void pwrite_at(const char *path, const void *p, size_t n, long off)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, n, off), (ssize_t)n);
    close(fd);
}

static void resize(const char *path, long size)
{
    assert_int_equal(truncate(path, size), 0);
}

/* Open recovers: the next seq, what was cut, and whether a quarantine
 * file kept it; then appending goes on and the log verifies. */
static void recover_ok(const char *dir, uint64_t next, uint64_t cut, bool quarantined)
{
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    ordo_log_t *log = NULL;
    ordo_log_open_info_t info;
    ordo_error_t err;
    if (ordo_log_open(dir, &opt, &log, &info, &err) != ORDO_OK)
        fail_msg("open %s: %s", dir, err.msg);
    assert_int_equal(info.next_seq, next);
    assert_int_equal(info.truncated_bytes, cut);
    assert_int_equal(info.quarantine[0] != 0, quarantined);
    append_n(log, next, next + 5);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.last_seq, next + 4);
    assert_int_equal(rep.tail_bytes, 0);
    tu_rmrf(dir);
}

/* A live log with zeros written ahead; returns it open, with n records,
 * and the end of its last record in *end. */
static ordo_log_t *live_log(const char *dir, unsigned long n, long *end)
{
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    ordo_log_t *log = NULL;
    ordo_error_t err;
    if (ordo_log_open(dir, &opt, &log, NULL, &err) != ORDO_OK)
        fail_msg("open %s: %s", dir, err.msg);
    append_n(log, 1, n + 1);
    wait_ahead(log);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.last_seq, n);
    *end = (long)rep.tail_offset;
    return log;
}

static void test_live_and_closed(void **state)
{
    (void)state;
    char dir[600], seg[700];
    direct_tmpdir(dir, sizeof dir, "ahead");
    long end;
    ordo_log_t *log = live_log(dir, 60, &end);
    only_segment(dir, seg, sizeof seg);
    assert_int_equal(seg_flags(seg) & LOG_SEG_FLAG_AHEAD, LOG_SEG_FLAG_AHEAD);
    long size = tu_file_size(seg);
    assert_true(size >= end + (32L << 10)); /* at least half of the first 64 KiB */
    assert_int_equal(size % 4096, 0);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_true(st.ahead_bytes >= (uint64_t)(size - 4096) / 2);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_true(rep.tail_padding); /* zeros of any length: padding in a flagged segment */
    assert_int_equal(rep.tail_bytes, (uint64_t)(size - end));
    int rc;
    assert_int_equal(iterate(dir, &rc), 60);
    assert_int_equal(rc, 0);
    /* more records land in the zeros; the zeros ahead grow with the
     * segment, up to ahead_bytes */
    append_n(log, 61, 4001);
    long big = tu_file_size(seg);
    assert_true(big >= size);
    /* a segment of 1.3 MB: as much ahead, renewed at half (the thread may
     * still be writing them) */
    for (int i = 0; i < 500 && tu_file_size(seg) - last_end(dir) < (512L << 10); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(tu_file_size(seg) - last_end(dir) >= (512L << 10));
    rep = tu_verify(dir);
    assert_true(rep.ok && rep.tail_padding);
    assert_int_equal(rep.last_seq, 4000);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.tail_bytes, 0);
    assert_int_equal(tu_file_size(seg), last_end(dir)); /* closed: ends at its last record */
    assert_int_equal(iterate(dir, &rc), 4000);
    /* reopened: nothing to cut */
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.ahead_bytes = 0;
    ordo_log_open_info_t info;
    assert_int_equal(ordo_log_open(dir, &opt, &log, &info, NULL), ORDO_OK);
    assert_int_equal(info.truncated_bytes, 0);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    tu_rmrf(dir);
}

/* Rotation seals a segment at its last record; the next one is flagged and
 * written ahead too. */
static void test_rotation(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "ahrot");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    opt.segment_bytes = 64 * 1024;
    opt.ahead_bytes = 16 * 1024;
    ordo_log_t *log = NULL;
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, NULL), ORDO_OK);
    append_n(log, 1, 1000);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_true(st.ahead_syncs > 1);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    if (rep.segments < 4)
        fail_msg("%" PRIu64 " segments", rep.segments);
    assert_int_equal(rep.last_seq, 999);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.tail_bytes, 0);
    int rc;
    assert_int_equal(iterate(dir, &rc), 999);
    assert_int_equal(rc, 0);
    tu_rmrf(dir);
}

/* Crash images of a live log, each tail as a crash could leave it. */
static void test_crash_tails(void **state)
{
    (void)state;
    char dir[600], c[600], seg[700];
    direct_tmpdir(dir, sizeof dir, "ahcrash");
    long end;
    ordo_log_t *log = live_log(dir, 40, &end);
    int rc;

    /* 1. zeros only: padding, cut at open without a quarantine file */
    crash_image(dir, "z", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    long size = tu_file_size(seg);
    ordo_log_verify_report_t rep = tu_verify(c);
    assert_true(rep.ok && rep.tail_padding);
    assert_int_equal(rep.last_seq, 40);
    assert_int_equal(iterate(c, &rc), 40);
    assert_int_equal(rc, 0);
    recover_ok(c, 41, (uint64_t)(size - end), false);

    /* 2. a torn frame (its first 100 bytes) in the zeros: incomplete,
     * quarantined */
    uint8_t fr[200];
    memset(fr, 0xab, sizeof fr);
    log_put32(fr, LOG_REC_MAGIC);
    log_put32(fr + 4, 400); /* a body of 400 bytes: the frame runs into the zeros */
    fr[11] = 6;
    crash_image(dir, "t", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    pwrite_at(seg, fr, 100, end);
    rep = tu_verify(c);
    assert_true(rep.ok);
    assert_false(rep.tail_padding);
    assert_int_equal(rep.tail_offset, (uint64_t)end);
    assert_int_equal(iterate(c, &rc), 40);
    assert_int_equal(rc, 0);
    recover_ok(c, 41, (uint64_t)(size - end), true);

    /* 3. a direct write torn at a block boundary inside the frame's chain
     * hash: the frame ends 10 bytes past the boundary, whose block was
     * never written */
    long b = (end / 4096 + 2) * 4096;
    size_t flen = (size_t)(b + 10 - end);
    uint8_t *big = malloc(flen);
    memset(big, 0xab, flen);
    log_put32(big, LOG_REC_MAGIC);
    log_put32(big + 4, (uint32_t)(flen - LOG_REC_HDR_SIZE));
    big[11] = 6;
    crash_image(dir, "b", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    pwrite_at(seg, big, (size_t)(b - end), end);
    free(big);
    rep = tu_verify(c);
    if (!rep.ok)
        fail_msg("torn at a block: %s", rep.reason);
    assert_false(rep.tail_padding);
    assert_int_equal(iterate(c, &rc), 40);
    assert_int_equal(rc, 0);
    recover_ok(c, 41, (uint64_t)(size - end), true);

    /* 4. a partial zeroed block (the file does not end on a block): torn,
     * cut, nothing to keep */
    crash_image(dir, "p", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    resize(seg, end + 100);
    rep = tu_verify(c);
    assert_true(rep.ok);
    assert_false(rep.tail_padding);
    assert_int_equal(rep.tail_bytes, 100);
    recover_ok(c, 41, 100, false);

    /* 5. a flipped bit in the last record (whole, zeros after it): still
     * corruption, refused by open, nothing cut */
    crash_image(dir, "f", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    assert_int_equal(tu_flip_bit(seg, end - 60, 3), 0);
    rep = tu_verify(c);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, 40);
    ordo_log_t *l2 = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_log_open(c, NULL, &l2, NULL, &err), ORDO_ECORRUPT);
    assert_int_equal(tu_file_size(seg), size);
    tu_rmrf(c);
    /* and one in its length field, which points into the zeros */
    crash_image(dir, "l", c, sizeof c);
    only_segment(c, seg, sizeof seg);
    rep = tu_verify(c);
    uint64_t last_off = 0;
    {
        ordo_log_iter_t *it;
        assert_int_equal(ordo_log_iter_open(c, NULL, &it, NULL), ORDO_OK);
        ordo_log_record_t rec;
        while (ordo_log_iter_next(it, &rec, NULL) == 1)
            last_off = rec.offset;
        ordo_log_iter_close(it);
    }
    assert_int_equal(tu_flip_bit(seg, (long)last_off + 5, 2), 0); /* body length + 1024 */
    rep = tu_verify(c);
    assert_false(rep.ok);
    assert_int_equal(ordo_log_open(c, NULL, &l2, NULL, &err), ORDO_ECORRUPT);
    tu_rmrf(c);

    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    tu_rmrf(dir);
}

/* A direct write torn at a block boundary inside a frame's header (its
 * first k bytes written, the zeros ahead after them) is a torn tail in a
 * segment written ahead, not garbage or a damaged record; bytes that are
 * no frame's start are still garbage. */
static void test_torn_in_header(void **state)
{
    (void)state;
    const size_t len = 3 * LOG_DIO_ALIGN;
    uint8_t *data = calloc(1, len), hdr[LOG_REC_HDR_SIZE + 40];
    assert_non_null(data);
    memset(hdr, 0xab, sizeof hdr);
    log_put32(hdr, LOG_REC_MAGIC);
    log_put32(hdr + 4, 400); /* a body of 400 bytes */
    log_put16(hdr + 8, ORDO_LOG_REC_DECISION);
    hdr[10] = 0;
    hdr[11] = 6; /* key length */
    for (size_t k = 1; k <= sizeof hdr; k++) {
        size_t pos = LOG_DIO_ALIGN - k;
        memset(data, 0, len);
        memcpy(data + pos, hdr, k);
        log_rec_view_t v;
        int st = log_rec_parse(data + pos, len - pos, &v);
        int tk = log_tail_classify(data, len, pos, st, LOG_SEG_FLAG_AHEAD, NULL);
        if (tk != LOG_TAIL_TORN)
            fail_msg("%zu header bytes before the boundary: %s", k, log_tail_str(tk));
        memset(data + pos, 0x55, k); /* not a frame */
        st = log_rec_parse(data + pos, len - pos, &v);
        assert_int_equal(log_tail_classify(data, len, pos, st, LOG_SEG_FLAG_AHEAD, NULL),
                         LOG_TAIL_GARBAGE);
    }
    free(data);
}

/* A segment written without the flag keeps the old rule (zeros past one
 * block are a torn tail), and a writer that writes ahead appends to it
 * without writing ahead; the next segment it starts is flagged. */
static void test_old_segments(void **state)
{
    (void)state;
    char dir[600], seg[700];
    direct_tmpdir(dir, sizeof dir, "ahold");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.ahead_bytes = 0;
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    ordo_log_t *log = NULL;
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, NULL), ORDO_OK);
    append_n(log, 1, 31);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    only_segment(dir, seg, sizeof seg);
    assert_int_equal(seg_flags(seg), 0);
    long end = tu_file_size(seg);
    /* zeros to two blocks past the last one: torn in an old segment */
    long padded = (end / 4096 + 3) * 4096;
    resize(seg, padded);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_false(rep.tail_padding);
    assert_int_equal(rep.tail_bytes, (uint64_t)(padded - end));
    int rc;
    assert_int_equal(iterate(dir, &rc), 30);
    assert_int_equal(rc, 0);
    /* a writer that writes ahead resumes it without writing ahead */
    ordo_log_options_init(&opt);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    opt.segment_bytes = 48 * 1024;
    ordo_log_open_info_t info;
    assert_int_equal(ordo_log_open(dir, &opt, &log, &info, NULL), ORDO_OK);
    assert_int_equal(info.next_seq, 31);
    append_n(log, 31, 33);
    assert_int_equal(ordo_log_flush(log, NULL), ORDO_OK);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_int_equal(st.ahead_bytes, 0);
    assert_true(tu_file_size(seg) < last_end(dir) + 4096);
    /* until it rotates: the new segment is flagged */
    append_n(log, 33, 200);
    wait_ahead(log);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    assert_int_equal(seg_flags(seg), 0);
    rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_true(rep.segments > 1);
    assert_int_equal(rep.last_seq, 199);
    assert_int_equal(iterate(dir, &rc), 199);
    tu_rmrf(dir);
}

/* A reader that mapped the live segment with its zeros ahead, and meets
 * its end after the writer closed the log and trimmed them: the pages past
 * the file's new end are gone (touching one raises SIGBUS); the reader
 * ends cleanly at the last record. */
static void test_reader_outlives_trim(void **state)
{
    (void)state;
    char dir[600], seg[700];
    direct_tmpdir(dir, sizeof dir, "trim");
    long end;
    ordo_log_t *log = live_log(dir, 60, &end);
    only_segment(dir, seg, sizeof seg);
    assert_true(tu_file_size(seg) >= end + 3 * 4096); /* whole pages of zeros ahead */
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t n = 0;
    while (n < 60 && ordo_log_iter_next(it, &rec, &err) == 1)
        assert_int_equal(rec.seq, ++n);
    assert_int_equal(n, 60);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    assert_int_equal(tu_file_size(seg), end);
    assert_int_equal(ordo_log_iter_next(it, &rec, &err), 0);
    ordo_log_iter_close(it);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_and_closed), cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_crash_tails),     cmocka_unit_test(test_torn_in_header),
        cmocka_unit_test(test_old_segments),
        cmocka_unit_test(test_reader_outlives_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
