/* SPDX-License-Identifier: Apache-2.0 */
/* The log against damage and forgery: 200 seeded single-bit flips anywhere
 * in a crashed log (its last record and its padding included), each caught
 * by verify; forged, truncated and damaged indexes (verify names them,
 * readers never crash, skip or read past the segment); a deleted first
 * segment; a live and a crashed log that verify as they are; a flipped
 * last record that open refuses instead of cutting; the bounds of the frame
 * parser on partial headers; the index of a segment whose length changed
 * (a leak under ASan). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <xxhash.h>

#include "../../src/log/log_internal.h"
#include "log_test_util.h"

/* A directory on the disk the build is on (direct I/O needs a real file
 * system; tmpfs may refuse it). */
static void disk_tmpdir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "%s/ordolog-%s-XXXXXX", ORDO_BINARY_DIR, tag);
    if (!mkdtemp(buf))
        fail_msg("mkdtemp %s: %s", buf, strerror(errno));
}

static void opts(ordo_log_options_t *o, int compress)
{
    ordo_log_options_init(o);
    o->segment_bytes = 32 * 1024;
    o->index_every = 8;
    o->compress_level = compress;
    o->direct_io = ORDO_LOG_DIRECT_AUTO;
}

static void append_n(ordo_log_t *log, unsigned long from, unsigned long to)
{
    char buf[4096], key[64];
    for (unsigned long n = from; n < to; n++) {
        size_t len = tu_payload(buf, sizeof buf, 0, n);
        int kl = snprintf(key, sizeof key, "ord-%lu", n);
        ordo_error_t err;
        if (ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl, (int64_t)n * 1000000000,
                            buf, len, NULL, &err) != ORDO_OK)
            fail_msg("append %lu: %s", n, err.msg);
    }
}

static void verify_ok(const char *dir, uint64_t at_least)
{
    ordo_log_verify_report_t rep = tu_verify(dir);
    if (!rep.ok)
        fail_msg("verify: %s at %s+%" PRIu64 " (seq %" PRIu64 ")", rep.reason, rep.bad_segment,
                 rep.bad_offset, rep.bad_seq);
    assert_true(rep.last_seq >= at_least);
    assert_int_equal(rep.first_seq, rep.records ? 1 : 0);
}

/* Iterates the whole log (q may be NULL); returns the records seen, *rc the
 * last iterator result (0 at the end, < 0 on an error). */
static uint64_t iterate(const char *dir, const ordo_log_query_t *q, int *rc, ordo_error_t *err)
{
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, q, &it, err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t n = 0;
    while ((*rc = ordo_log_iter_next(it, &rec, err)) == 1)
        n++;
    ordo_log_iter_close(it);
    return n;
}

/* A child that appends need records in SYNC mode (direct I/O auto),
 * reports each acknowledged seq, then waits; the parent kills it with
 * SIGKILL once it has every ack (so no write is in flight: the log is left
 * as a crash after acks leaves it). Returns the highest acknowledged seq. */
static uint64_t crash_writer(const char *dir, unsigned long from, unsigned need)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        ordo_log_options_t o;
        opts(&o, 1);
        ordo_log_t *log;
        if (ordo_log_open(dir, &o, &log, NULL, NULL) != ORDO_OK)
            _exit(3);
        char buf[4096], key[64];
        for (unsigned long n = from; n < from + need; n++) {
            size_t len = tu_payload(buf, sizeof buf, 0, n);
            int kl = snprintf(key, sizeof key, "ord-%lu", n);
            uint64_t seq;
            if (ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl,
                                (int64_t)n * 1000000000, buf, len, &seq, NULL) != ORDO_OK)
                _exit(4);
            if (write(p[1], &seq, sizeof seq) != (ssize_t)sizeof seq)
                _exit(5);
        }
        for (;;)
            pause();
    }
    close(p[1]);
    uint64_t seq = 0, max = 0;
    for (unsigned got = 0; got < need; got++) {
        if (read(p[0], &seq, sizeof seq) != (ssize_t)sizeof seq)
            fail_msg("the writer died before %u acks", need);
        max = seq > max ? seq : max;
    }
    kill(pid, SIGKILL);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    while (read(p[0], &seq, sizeof seq) == (ssize_t)sizeof seq)
        max = seq > max ? seq : max;
    close(p[0]);
    return max;
}

/* The files of a log directory that hold log data, in name order. */
typedef struct lfile {
    char path[512];
    long size;
} lfile_t;

static size_t log_files(const char *dir, lfile_t *out, size_t max)
{
    log_seg_name_t *segs;
    size_t nseg, n = 0;
    assert_int_equal(log_list_segments(dir, &segs, &nseg, NULL), ORDO_OK);
    for (size_t i = 0; i < nseg && n + 2 <= max; i++) {
        snprintf(out[n].path, sizeof out[n].path, "%s/%s", dir, segs[i].name);
        out[n].size = tu_file_size(out[n].path);
        n++;
        snprintf(out[n].path, sizeof out[n].path, "%s/%020" PRIu64 ".idx", dir, segs[i].first_seq);
        if ((out[n].size = tu_file_size(out[n].path)) > 0)
            n++;
    }
    free(segs);
    return n;
}

/* Where the last record of the last segment starts. */
static uint64_t last_record(const char *dir, char *seg, size_t segn, uint64_t *seq,
                            uint64_t *stored)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t off = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        off = rec.offset;
        *seq = rec.seq;
        *stored = rec.stored_len;
        snprintf(seg, segn, "%s/%s", dir, rec.segment);
    }
    ordo_log_iter_close(it);
    return off;
}

/* 200 single-bit flips, seeded, in a crashed log: anywhere in its segments
 * and indexes, a quarter of them in its last record or the padding after
 * it. verify must report every one; a flip in the last whole record must
 * make open for writing refuse (naming the segment and offset) rather than
 * cut the record and reuse its seq. */
static void test_bitflips_200(void **state)
{
    (void)state;
    char dir[512];
    disk_tmpdir(dir, sizeof dir, "flip200");
    uint64_t acked = crash_writer(dir, 1, 500);
    verify_ok(dir, acked);
    char lseg[600];
    uint64_t lseq = 0, lstored = 0;
    uint64_t loff = last_record(dir, lseg, sizeof lseg, &lseq, &lstored);
    assert_int_equal(lseq, acked);
    long lsize = tu_file_size(lseg);
    ordo_log_verify_report_t crep = tu_verify(dir);
    assert_int_equal(crep.tail_offset ? crep.tail_offset : (uint64_t)lsize, loff + lstored);
    static lfile_t f[256];
    size_t nf = log_files(dir, f, 256);
    long total = 0;
    for (size_t i = 0; i < nf; i++)
        total += f[i].size;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 2026120621);
    unsigned last_rec_flips = 0, refused = 0;
    for (int trial = 0; trial < 200; trial++) {
        char path[600];
        long off;
        long pad = lsize - (long)(loff + lstored);
        if (trial % 4 == 3 && (trial % 8 == 3 || pad == 0)) { /* the last record */
            snprintf(path, sizeof path, "%s", lseg);
            off = (long)loff + (long)ordo_rng_below(&rng, lstored);
        } else if (trial % 4 == 3) { /* the padding after it */
            snprintf(path, sizeof path, "%s", lseg);
            off = (long)(loff + lstored) + (long)ordo_rng_below(&rng, (uint64_t)pad);
        } else {
            long at = (long)ordo_rng_below(&rng, (uint64_t)total);
            size_t i = 0;
            while (at >= f[i].size)
                at -= f[i++].size;
            snprintf(path, sizeof path, "%s", f[i].path);
            off = at;
        }
        int bit = (int)ordo_rng_below(&rng, 8);
        assert_int_equal(tu_flip_bit(path, off, bit), 0);
        ordo_log_verify_report_t rep = tu_verify(dir);
        if (rep.ok)
            fail_msg("trial %d: a flip of bit %d at %s+%ld was not detected", trial, bit, path,
                     off);
        /* a flip in the last whole record: corruption, refused by open; in
         * the padding after it: a bad tail */
        bool in_last = !strcmp(path, lseg) && off >= (long)loff;
        if (in_last && off >= (long)(loff + lstored)) {
            assert_true(rep.bad_is_tail);
            assert_int_equal(rep.bad_offset, loff + lstored);
        } else if (in_last) {
            last_rec_flips++;
            assert_int_equal(rep.bad_offset, loff);
            assert_int_equal(rep.bad_seq, lseq);
            assert_false(rep.bad_is_tail);
            ordo_log_options_t o;
            opts(&o, 1);
            ordo_log_t *log = NULL;
            ordo_error_t err;
            int rc = ordo_log_open(dir, &o, &log, NULL, &err);
            if (rc != ORDO_ECORRUPT)
                fail_msg("trial %d: open accepted a flipped last record (rc %d)", trial, rc);
            char want[64];
            snprintf(want, sizeof want, "offset %" PRIu64, loff);
            assert_non_null(strstr(err.file, strrchr(lseg, '/') + 1));
            assert_non_null(strstr(err.msg, want));
            assert_int_equal(tu_file_size(lseg), lsize); /* nothing cut */
            refused++;
        }
        assert_int_equal(tu_flip_bit(path, off, bit), 0);
        if (trial % 20 == 19)
            verify_ok(dir, acked);
    }
    print_message("200 flips detected; %u in the last record, each refused by open\n",
                  last_rec_flips);
    assert_true(last_rec_flips >= 25);
    assert_int_equal(refused, last_rec_flips);
    tu_rmrf(dir);
}

/* A log of several sealed segments with indexes; returns the records. */
static uint64_t make_sealed(const char *dir)
{
    ordo_log_options_t o;
    opts(&o, 0);
    ordo_log_t *log;
    ordo_error_t err;
    assert_int_equal(ordo_log_open(dir, &o, &log, NULL, &err), ORDO_OK);
    append_n(log, 1, 261);
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
    verify_ok(dir, 260);
    return 260;
}

static void idx_path(const char *dir, size_t which, char *out, size_t n)
{
    log_seg_name_t *segs;
    size_t nseg;
    assert_int_equal(log_list_segments(dir, &segs, &nseg, NULL), ORDO_OK);
    assert_true(nseg > which + 1);
    snprintf(out, n, "%s/%020" PRIu64 ".idx", dir, segs[which].first_seq);
    free(segs);
}

/* Rewrites an .idx with fn applied to its bytes and a good checksum. */
static void forge_idx(const char *path, void (*fn)(uint8_t *b, size_t n))
{
    long n = tu_file_size(path);
    assert_true(n > (long)(LOG_IDX_HDR + LOG_IDX_ENTRY + 8));
    uint8_t *b = malloc((size_t)n);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, b, (size_t)n, 0), n);
    fn(b, (size_t)n);
    log_put64(b + n - 8, XXH3_64bits(b, (size_t)n - 8));
    assert_int_equal(pwrite(fd, b, (size_t)n, 0), n);
    close(fd);
    free(b);
}

static uint8_t *entry(uint8_t *b, size_t j)
{
    return b + LOG_IDX_HDR + j * LOG_IDX_ENTRY;
}

static void forge_offset_out(uint8_t *b, size_t n)
{
    (void)n;
    log_put64(entry(b, 2) + 8, 1ull << 40); /* block 2 far past the segment */
}

static void forge_offset_shift(uint8_t *b, size_t n)
{
    (void)n;
    /* block 1 starts at its second record, seqs unchanged: plausible */
    log_put64(entry(b, 1) + 8, log_get64(entry(b, 1) + 8) + 100);
}

static void forge_skip(uint8_t *b, size_t n)
{
    (void)n;
    /* block 2 starts where block 1 does: a reader trusting it reads block
     * 1 as an empty range and skips its records */
    log_put64(entry(b, 2) + 8, log_get64(entry(b, 1) + 8));
}

static void forge_bloom(uint8_t *b, size_t n)
{
    (void)n;
    memset(entry(b, 0) + 40, 0, LOG_BLOOM_BYTES); /* key lookups would miss block 0 */
}

static void forge_last_chain(uint8_t *b, size_t n)
{
    (void)n;
    b[48] ^= 0x01; /* the chain hash the next segment must continue */
}

/* Forged indexes: verify names the .idx; a full read returns every record
 * (or reports), lookups by seq and key find their record or report; no
 * crash, no read past the segment (ASan). */
static void test_forged_index(void **state)
{
    (void)state;
    void (*forgeries[])(uint8_t *, size_t) = {forge_offset_out, forge_offset_shift, forge_skip,
                                              forge_bloom, forge_last_chain};
    /* the ones open rebuilds: no index of this segment could be them, or
     * the next segment does not continue where they say it ends */
    static const bool impossible[] = {true, false, true, false, true};
    for (size_t k = 0; k < sizeof forgeries / sizeof forgeries[0]; k++) {
        char dir[512], ip[600];
        disk_tmpdir(dir, sizeof dir, "forge");
        uint64_t n = make_sealed(dir);
        idx_path(dir, 0, ip, sizeof ip);
        forge_idx(ip, forgeries[k]);
        ordo_log_verify_report_t rep = tu_verify(dir);
        if (rep.ok)
            fail_msg("forgery %zu passed verify", k);
        assert_non_null(strstr(rep.bad_segment, ".idx"));
        assert_non_null(strstr(rep.reason, "index"));
        int rc;
        ordo_error_t err;
        uint64_t got = iterate(dir, NULL, &rc, &err);
        if (!(rc == 0 && got == n) && rc != ORDO_ECORRUPT)
            fail_msg("forgery %zu: full read returned %" PRIu64 " of %" PRIu64 " (rc %d)", k, got,
                     n, rc);
        if (rc == 0)
            assert_int_equal(got, n);
        for (uint64_t s = 1; s <= 40; s += 3) {
            ordo_log_query_t q = {.from_seq = s, .limit = 1};
            ordo_log_iter_t *it;
            ordo_log_record_t rec;
            assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
            rc = ordo_log_iter_next(it, &rec, &err);
            if (rc == 1)
                assert_int_equal(rec.seq, s);
            else
                assert_int_equal(rc, ORDO_ECORRUPT);
            ordo_log_iter_close(it);
            char key[32];
            int kl = snprintf(key, sizeof key, "ord-%" PRIu64, s);
            ordo_log_query_t kq = {.key = key, .key_len = (size_t)kl};
            got = iterate(dir, &kq, &rc, &err);
            /* a forged Bloom filter is what only verify can catch */
            if (forgeries[k] != forge_bloom && rc == 0)
                assert_int_equal(got, 1);
        }
        /* open rebuilds an index that cannot describe its segment (then the
         * log verifies again); a plausible one stays for verify to report */
        ordo_log_t *log;
        ordo_log_options_t o;
        opts(&o, 0);
        assert_int_equal(ordo_log_open(dir, &o, &log, NULL, &err), ORDO_OK);
        assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
        if (impossible[k])
            verify_ok(dir, n);
        else
            assert_false(tu_verify(dir).ok);
        tu_rmrf(dir);
    }
}

/* A truncated index and a damaged one: verify names them; readers fall back
 * to reading the segment. */
static void test_truncated_index(void **state)
{
    (void)state;
    char dir[512], ip[600];
    disk_tmpdir(dir, sizeof dir, "idxtrunc");
    uint64_t n = make_sealed(dir);
    idx_path(dir, 1, ip, sizeof ip);
    long sz = tu_file_size(ip);
    assert_int_equal(truncate(ip, sz - 100), 0);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_false(rep.ok);
    assert_non_null(strstr(rep.bad_segment, ".idx"));
    int rc;
    ordo_error_t err;
    assert_int_equal(iterate(dir, NULL, &rc, &err), n);
    assert_int_equal(rc, 0);
    assert_int_equal(truncate(ip, 40), 0); /* shorter than its header */
    assert_false(tu_verify(dir).ok);
    assert_int_equal(iterate(dir, NULL, &rc, &err), n);
    ordo_log_t *log;
    ordo_log_options_t o;
    opts(&o, 0);
    assert_int_equal(ordo_log_open(dir, &o, &log, NULL, &err), ORDO_OK); /* rebuilds it */
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
    verify_ok(dir, n);
    tu_rmrf(dir);
}

/* Deleting the oldest segment (with or without its index) leaves a log
 * that is consistent from its new start: only the genesis check tells. */
static void test_deleted_first_segment(void **state)
{
    (void)state;
    for (int with_idx = 0; with_idx < 2; with_idx++) {
        char dir[512], ip[600], sp[600];
        disk_tmpdir(dir, sizeof dir, "delfirst");
        make_sealed(dir);
        idx_path(dir, 0, ip, sizeof ip);
        snprintf(sp, sizeof sp, "%.*s.seg", (int)(strlen(ip) - 4), ip);
        assert_int_equal(unlink(sp), 0);
        if (with_idx)
            assert_int_equal(unlink(ip), 0);
        ordo_log_verify_report_t rep = tu_verify(dir);
        assert_false(rep.ok);
        assert_non_null(strstr(rep.reason, "genesis"));
        assert_int_equal(rep.bad_offset, 0);
        assert_int_equal(rep.bad_seq, 1);
        tu_rmrf(dir);
    }
}

/* A live log (writer open, direct I/O auto) verifies as it is: its last
 * segment ends in the zero padding of the last block, which verify reports
 * as padding; readers see every record. After close it ends at a record. */
static void test_live_log_verifies(void **state)
{
    (void)state;
    char dir[512];
    disk_tmpdir(dir, sizeof dir, "live");
    ordo_log_options_t o;
    opts(&o, 1);
    ordo_log_t *log;
    ordo_error_t err;
    assert_int_equal(ordo_log_open(dir, &o, &log, NULL, &err), ORDO_OK);
    ordo_log_stats_t st;
    unsigned padded = 0;
    for (unsigned long n = 1; n <= 200; n += 20) {
        append_n(log, n, n + 20);
        ordo_log_get_stats(log, &st);
        ordo_log_verify_report_t rep = tu_verify(dir);
        if (!rep.ok)
            fail_msg("live log after %lu records: %s at %s+%" PRIu64, n + 19, rep.reason,
                     rep.bad_segment, rep.bad_offset);
        assert_int_equal(rep.last_seq, n + 19);
        padded += rep.tail_padding;
        if (rep.tail_bytes && st.ahead_bytes) /* zeros written ahead: padding, any length */
            assert_true(rep.tail_padding);
        else if (rep.tail_bytes)
            assert_true(rep.tail_bytes < 4096);
        int rc;
        assert_int_equal(iterate(dir, NULL, &rc, &err), n + 19);
        assert_int_equal(rc, 0);
    }
    if (st.direct_io)
        assert_true(padded > 0);
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.tail_bytes, 0);
    tu_rmrf(dir);
}

/* A crashed log (SIGKILL after acks) verifies as it is, then open recovers
 * it (cutting only the padding) and it verifies again. */
static void test_crashed_log_verifies(void **state)
{
    (void)state;
    char dir[512];
    disk_tmpdir(dir, sizeof dir, "crash");
    uint64_t acked = 0;
    for (int k = 0; k < 5; k++) {
        acked = crash_writer(dir, acked + 1, 30 + 17 * (unsigned)k);
        verify_ok(dir, acked);
        ordo_log_verify_report_t rep = tu_verify(dir);
        assert_int_equal(rep.last_seq, acked);
        if (rep.tail_bytes)
            assert_true(rep.tail_padding); /* nothing was in flight: padding only */
        ordo_log_t *log;
        ordo_log_options_t o;
        opts(&o, 1);
        ordo_log_open_info_t info;
        ordo_error_t err;
        assert_int_equal(ordo_log_open(dir, &o, &log, &info, &err), ORDO_OK);
        assert_int_equal(info.quarantine[0], 0); /* zeros are not quarantined */
        assert_int_equal(info.next_seq, rep.last_seq + 1);
        acked = rep.last_seq;
        assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
        verify_ok(dir, acked);
    }
    tu_rmrf(dir);
}

/* The frame parser on every prefix of a frame header, in a buffer of
 * exactly that size (ASan catches a read past it), and on torn and garbage
 * prefixes. */
static void test_parse_bounds(void **state)
{
    (void)state;
    uint8_t frame[LOG_REC_HDR_SIZE];
    memset(frame, 0, sizeof frame);
    log_put32(frame, LOG_REC_MAGIC);
    log_put32(frame + 4, 100);
    frame[11] = 5;
    for (size_t n = 1; n < LOG_REC_HDR_SIZE; n++) {
        uint8_t *p = malloc(n);
        memcpy(p, frame, n);
        log_rec_view_t v;
        assert_int_equal(log_rec_parse(p, n, &v), LOG_REC_TRUNC);
        p[0] ^= 0x40;
        assert_int_equal(log_rec_parse(p, n, &v), LOG_REC_BADMAGIC);
        p[0] ^= 0x40;
        if (n >= 8) {
            log_put32(p + 4, LOG_REC_BODY_MAX + 1);
            assert_int_equal(log_rec_parse(p, n, &v), LOG_REC_BADLEN);
        }
        if (n >= 12) {
            log_put32(p + 4, 40);
            p[11] = 200; /* key longer than the body */
            assert_int_equal(log_rec_parse(p, n, &v), LOG_REC_BADLEN);
        }
        free(p);
    }
}

/* A sealed segment whose length no longer matches its index: readers read
 * it in full and report the bytes that are not records (the index must not
 * leak: LeakSanitizer fails the test otherwise). */
static void test_index_length_mismatch(void **state)
{
    (void)state;
    char dir[512], ip[600], sp[600];
    disk_tmpdir(dir, sizeof dir, "idxlen");
    uint64_t n = make_sealed(dir);
    idx_path(dir, 0, ip, sizeof ip);
    snprintf(sp, sizeof sp, "%.*s.seg", (int)(strlen(ip) - 4), ip);
    long sz = tu_file_size(sp);
    assert_int_equal(truncate(sp, sz + 64), 0);
    int rc;
    ordo_error_t err;
    uint64_t got = iterate(dir, NULL, &rc, &err);
    assert_int_equal(rc, ORDO_ECORRUPT);
    assert_true(got < n);
    assert_false(tu_verify(dir).ok);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bounds),          cmocka_unit_test(test_index_length_mismatch),
        cmocka_unit_test(test_deleted_first_segment), cmocka_unit_test(test_truncated_index),
        cmocka_unit_test(test_forged_index),          cmocka_unit_test(test_live_log_verifies),
        cmocka_unit_test(test_crashed_log_verifies),  cmocka_unit_test(test_bitflips_200),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
