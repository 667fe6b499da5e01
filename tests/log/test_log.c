/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the decision log: round trip, index lookups, rotation,
 * compression, recovery of torn tails, detection of corruption and
 * tampering, injected I/O faults (ENOSPC, short writes, EIO), concurrency. */
#include <errno.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <xxhash.h>

#include "log_test_util.h"
#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

static ordo_log_t *open_ok(const char *dir, const ordo_log_options_t *opt,
                           ordo_log_open_info_t *info)
{
    ordo_log_t *log = NULL;
    ordo_error_t err;
    int rc = ordo_log_open(dir, opt, &log, info, &err);
    if (rc != ORDO_OK)
        fail_msg("open %s: %s", dir, err.msg);
    return log;
}

/* Appends records n = from..to-1 for writer 0 with key "ord-<n>" and
 * ts = 1e9 * n. */
static void append_range(ordo_log_t *log, unsigned long from, unsigned long to)
{
    char buf[4096], key[64];
    for (unsigned long n = from; n < to; n++) {
        size_t len = tu_payload(buf, sizeof buf, 0, n);
        int kl = snprintf(key, sizeof key, "ord-%lu", n);
        uint64_t seq = 0;
        ordo_error_t err;
        int rc = ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl,
                                 (int64_t)n * 1000000000, buf, len, &seq, &err);
        if (rc != ORDO_OK)
            fail_msg("append %lu: %s", n, err.msg);
    }
}

/* Checks that the log holds exactly records 1..count, seq n == payload n. */
static void check_all(const char *dir, uint64_t count)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t n = 0;
    char buf[4096];
    int rc;
    while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1) {
        n++;
        assert_int_equal(rec.seq, n);
        size_t len = tu_payload(buf, sizeof buf, 0, n);
        assert_int_equal(rec.len, len);
        assert_memory_equal(rec.payload, buf, len);
        char key[64];
        int kl = snprintf(key, sizeof key, "ord-%" PRIu64, n);
        assert_int_equal(rec.key_len, (size_t)kl);
        assert_memory_equal(rec.key, key, (size_t)kl);
        assert_int_equal(rec.ts_unix_ns, (int64_t)n * 1000000000);
        assert_int_equal(rec.type, ORDO_LOG_REC_DECISION);
    }
    if (rc < 0)
        fail_msg("iter: %s", err.msg);
    assert_int_equal(n, count);
    ordo_log_iter_close(it);
}

static void verify_ok(const char *dir, uint64_t records)
{
    ordo_log_verify_report_t rep;
    ordo_error_t err;
    assert_int_equal(ordo_log_verify(dir, &rep, &err), ORDO_OK);
    if (!rep.ok)
        fail_msg("verify: %s at %s+%" PRIu64 " seq %" PRIu64, rep.reason, rep.bad_segment,
                 rep.bad_offset, rep.bad_seq);
    assert_int_equal(rep.records, records);
    if (records)
        assert_int_equal(rep.last_seq, records);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "rt");
    ordo_log_open_info_t info;
    ordo_log_t *log = open_ok(dir, NULL, &info);
    assert_int_equal(info.next_seq, 1);
    append_range(log, 1, 501);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_int_equal(st.last_seq, 500);
    assert_int_equal(st.durable_seq, 500);
    assert_true(st.syncs >= 1);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 500);
    verify_ok(dir, 500);
    /* reopen continues the chain */
    log = open_ok(dir, NULL, &info);
    assert_int_equal(info.next_seq, 501);
    assert_int_equal(info.truncated_bytes, 0);
    append_range(log, 501, 601);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 600);
    verify_ok(dir, 600);
    tu_rmrf(dir);
}

static int count_files(const char *dir, const char *suffix)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c '%s$'", dir, suffix);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

/* Dictionary length in a segment header (bytes 72..75, little endian). */
static unsigned seg_dict_len(const char *path)
{
    unsigned char b[4];
    int fd = open(path, O_RDONLY);
    if (fd < 0 || pread(fd, b, 4, 72) != 4)
        fail_msg("cannot read %s", path);
    close(fd);
    return b[0] | b[1] << 8 | b[2] << 16 | (unsigned)b[3] << 24;
}

static const char *last_segment(const char *dir, char *out, size_t n)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/*.seg | tail -1", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, (int)n, p));
    pclose(p);
    out[strcspn(out, "\n")] = 0;
    return out;
}

static void test_rotation_compression_index(void **state)
{
    (void)state;
    static const int levels[] = {0, 3, -3}; /* off, a normal and a fast (negative) level */
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
        int level = levels[li];
        char dir[256];
        tu_tmpdir(dir, sizeof dir, "rot");
        ordo_log_options_t opt;
        ordo_log_options_init(&opt);
        opt.segment_bytes = 64 * 1024;
        opt.compress_level = level;
        opt.index_every = 16;
        opt.sync = ORDO_LOG_NONE;
        ordo_log_t *log = open_ok(dir, &opt, NULL);
        append_range(log, 1, 2001);
        ordo_log_stats_t st;
        ordo_log_get_stats(log, &st);
        if (level)
            assert_true(st.stored_bytes < st.payload_bytes); /* compression works */
        assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
        int segs = count_files(dir, ".seg");
        assert_true(segs >= 3);
        if (level) {
            /* later segments carry a trained dictionary */
            char seg[512];
            assert_true(seg_dict_len(last_segment(dir, seg, sizeof seg)) > 1000);
        }
        assert_int_equal(count_files(dir, ".idx"), segs - 1); /* sealed ones */
        check_all(dir, 2000);
        verify_ok(dir, 2000);

        ordo_log_iter_t *it;
        ordo_error_t err;
        ordo_log_record_t rec;
        /* from seq */
        ordo_log_query_t q = {.from_seq = 1234, .limit = 3};
        assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
        for (uint64_t s = 1234; s < 1237; s++) {
            assert_int_equal(ordo_log_iter_next(it, &rec, &err), 1);
            assert_int_equal(rec.seq, s);
        }
        assert_int_equal(ordo_log_iter_next(it, &rec, &err), 0);
        ordo_log_iter_close(it);
        /* by key: a unique key, and a key not present */
        q = (ordo_log_query_t){.key = "ord-777", .key_len = 7};
        assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
        assert_int_equal(ordo_log_iter_next(it, &rec, &err), 1);
        assert_int_equal(rec.seq, 777);
        char buf[4096];
        size_t len = tu_payload(buf, sizeof buf, 0, 777);
        assert_int_equal(rec.len, len);
        assert_memory_equal(rec.payload, buf, len);
        assert_int_equal(ordo_log_iter_next(it, &rec, &err), 0);
        ordo_log_iter_close(it);
        q = (ordo_log_query_t){.key = "ord-999999", .key_len = 10};
        assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
        assert_int_equal(ordo_log_iter_next(it, &rec, &err), 0);
        ordo_log_iter_close(it);
        /* by time: [1500 s, 1510 s) */
        q = (ordo_log_query_t){
            .has_time = true, .ts_from = 1500000000000LL, .ts_to = 1510000000000LL};
        assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
        for (uint64_t s = 1500; s < 1510; s++) {
            assert_int_equal(ordo_log_iter_next(it, &rec, &err), 1);
            assert_int_equal(rec.seq, s);
        }
        assert_int_equal(ordo_log_iter_next(it, &rec, &err), 0);
        ordo_log_iter_close(it);

        /* an index file that is lost is rebuilt on open */
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -f %s/*.idx", dir);
        assert_int_equal(system(cmd), 0);
        log = open_ok(dir, &opt, NULL);
        append_range(log, 2001, 2101);
        assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
        assert_true(count_files(dir, ".idx") >= segs - 1);
        check_all(dir, 2100);
        verify_ok(dir, 2100);
        tu_rmrf(dir);
    }
}

static void test_torn_tail_recovered(void **state)
{
    (void)state;
    char dir[256], seg[512];
    tu_tmpdir(dir, sizeof dir, "torn");
    ordo_log_t *log = open_ok(dir, NULL, NULL);
    append_range(log, 1, 101);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    last_segment(dir, seg, sizeof seg);
    long size = tu_file_size(seg);
    /* cut the last record in half: what a crash mid-write leaves */
    assert_int_equal(truncate(seg, size - 100), 0);
    /* verify accepts it as the tail of a crashed log (never acknowledged)
     * and says where it starts */
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_true(rep.ok);
    assert_int_equal(rep.records, 99);
    assert_int_equal(rep.last_seq, 99);
    assert_true(rep.tail_offset > 0);
    assert_false(rep.tail_padding);
    assert_int_equal(rep.tail_bytes, (uint64_t)(size - 100) - rep.tail_offset);
    ordo_log_open_info_t info;
    log = open_ok(dir, NULL, &info);
    assert_int_equal(info.next_seq, 100);
    assert_true(info.truncated_bytes > 0);
    assert_true(tu_file_size(info.quarantine) == (long)info.truncated_bytes);
    append_range(log, 100, 121);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 120);
    verify_ok(dir, 120);
    /* garbage appended after the last record (no record in it) is named
     * by verify as a bad tail, and cut by open into a quarantine file */
    size = tu_file_size(seg);
    FILE *f = fopen(seg, "ab");
    assert_non_null(f);
    fputs("\xd0\x4c\x6f\xa7garbage", f);
    fclose(f);
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_false(rep.ok);
    assert_true(rep.bad_is_tail);
    assert_int_equal(rep.bad_offset, (uint64_t)size);
    log = open_ok(dir, NULL, &info);
    assert_int_equal(info.next_seq, 121);
    assert_int_equal(tu_file_size(seg), size);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    verify_ok(dir, 120);
    tu_rmrf(dir);
}

/* Offsets of every record, via the iterator. */
typedef struct rec_pos {
    char segment[64];
    uint64_t offset, seq;
    size_t stored;
} rec_pos_t;

static size_t list_records(const char *dir, rec_pos_t *out, size_t max)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    size_t n = 0;
    while (n < max && ordo_log_iter_next(it, &rec, &err) == 1) {
        snprintf(out[n].segment, sizeof out[n].segment, "%s", rec.segment);
        out[n].offset = rec.offset;
        out[n].seq = rec.seq;
        out[n].stored = rec.stored_len;
        n++;
    }
    ordo_log_iter_close(it);
    return n;
}

static void test_bitflips_detected(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "flip");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.segment_bytes = 48 * 1024;
    opt.compress_level = 1;
    opt.sync = ORDO_LOG_NONE;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    append_range(log, 1, 301);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    verify_ok(dir, 300);
    static rec_pos_t recs[400];
    size_t n = list_records(dir, recs, 400);
    assert_int_equal(n, 300);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    for (int trial = 0; trial < 60; trial++) {
        size_t i = (size_t)ordo_rng_below(&rng, n - 1); /* the last one: below */
        uint64_t within = ordo_rng_below(&rng, recs[i].stored);
        int bit = (int)ordo_rng_below(&rng, 8);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, recs[i].segment);
        long off = (long)(recs[i].offset + within);
        assert_int_equal(tu_flip_bit(path, off, bit), 0);
        ordo_log_verify_report_t rep;
        assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
        assert_false(rep.ok);
        /* the verifier names the flipped record */
        assert_string_equal(rep.bad_segment, recs[i].segment);
        assert_int_equal(rep.bad_offset, recs[i].offset);
        assert_int_equal(rep.bad_seq, recs[i].seq);
        /* opening refuses it unless it is the very last record */
        ordo_log_t *l2 = NULL;
        ordo_error_t err;
        int rc = ordo_log_open(dir, &opt, &l2, NULL, &err);
        char want[64];
        snprintf(want, sizeof want, "offset %" PRIu64, recs[i].offset);
        if (!strcmp(recs[i].segment, recs[n - 1].segment)) {
            /* the active segment is fully checked on open */
            assert_int_equal(rc, ORDO_ECORRUPT);
            assert_non_null(strstr(err.file, recs[i].segment));
            assert_non_null(strstr(err.msg, want));
        } else {
            /* sealed segments are trusted on open (their index is), and
             * checked by readers and verify: the iterator stops there */
            assert_int_equal(rc, ORDO_OK);
            assert_int_equal(ordo_log_close(l2, NULL), ORDO_OK);
            ordo_log_iter_t *it;
            ordo_log_record_t rec;
            assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
            uint64_t got = 0;
            while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1)
                got++;
            ordo_log_iter_close(it);
            assert_int_equal(rc, ORDO_ECORRUPT);
            assert_int_equal(got, recs[i].seq - 1);
            assert_non_null(strstr(err.file, recs[i].segment));
            assert_non_null(strstr(err.msg, want));
        }
        assert_int_equal(tu_flip_bit(path, off, bit), 0);
        verify_ok(dir, 300);
    }
    /* a flip in the very last record: corruption, not a torn tail */
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, recs[n - 1].segment);
    assert_int_equal(tu_flip_bit(path, (long)(recs[n - 1].offset + recs[n - 1].stored / 2), 5), 0);
    ordo_log_verify_report_t trep;
    assert_int_equal(ordo_log_verify(dir, &trep, NULL), ORDO_OK);
    assert_false(trep.ok);
    assert_false(trep.bad_is_tail);
    assert_int_equal(trep.bad_seq, recs[n - 1].seq);
    assert_int_equal(tu_flip_bit(path, (long)(recs[n - 1].offset + recs[n - 1].stored / 2), 5), 0);
    /* a flip inside a segment's zstd dictionary (header) */
    bool dict_seen = false;
    for (size_t i = 0; i < n && !dict_seen; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, recs[i].segment);
        if (seg_dict_len(path) < 200)
            continue;
        dict_seen = true;
        assert_int_equal(tu_flip_bit(path, 128 + 150, 1), 0);
        assert_int_equal(ordo_log_verify(dir, &trep, NULL), ORDO_OK);
        assert_false(trep.ok);
        assert_int_equal(trep.bad_offset, 0);
        assert_string_equal(trep.bad_segment, recs[i].segment);
        assert_int_equal(tu_flip_bit(path, 128 + 150, 1), 0);
    }
    assert_true(dict_seen);
    verify_ok(dir, 300);
    /* a flip in a segment header */
    snprintf(path, sizeof path, "%s/%s", dir, recs[0].segment);
    assert_int_equal(tu_flip_bit(path, 50, 3), 0);
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_offset, 0);
    assert_string_equal(rep.bad_segment, recs[0].segment);
    assert_int_equal(tu_flip_bit(path, 50, 3), 0);
    tu_rmrf(dir);
}

static void test_tamper_detected(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "tamper");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.segment_bytes = 16 * 1024;
    opt.sync = ORDO_LOG_NONE;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    append_range(log, 1, 101);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    static rec_pos_t recs[256];
    size_t n = list_records(dir, recs, 256);
    assert_int_equal(n, 100);

    /* edit a payload byte and fix the XXH3 checksum: only the chain tells */
    rec_pos_t *r = &recs[40];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, r->segment);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char *fr = malloc(r->stored);
    assert_int_equal(pread(fd, fr, r->stored, (off_t)r->offset), (ssize_t)r->stored);
    size_t body_len = r->stored - 24;
    fr[24 + 16 + 10] ^= 0x01; /* inside the key/payload */
    uint64_t seed = XXH3_64bits(fr, 16);
    uint64_t sum = XXH3_64bits_withSeed(fr + 24, body_len, seed);
    for (int i = 0; i < 8; i++)
        fr[16 + i] = (unsigned char)(sum >> (8 * i));
    assert_int_equal(pwrite(fd, fr, r->stored, (off_t)r->offset), (ssize_t)r->stored);
    close(fd);
    free(fr);
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, r->seq);
    assert_non_null(strstr(rep.reason, "chain"));

    tu_rmrf(dir);
    tu_tmpdir(dir, sizeof dir, "tamper2");
    log = open_ok(dir, &opt, NULL);
    append_range(log, 1, 201);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    n = list_records(dir, recs, 256);
    assert_int_equal(n, 200);
    /* delete a whole middle segment */
    const char *victim = recs[n / 2].segment;
    assert_string_not_equal(victim, recs[0].segment);
    assert_string_not_equal(victim, recs[n - 1].segment);
    assert_non_null(victim);
    snprintf(path, sizeof path, "%s/%s", dir, victim);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_false(rep.ok);
    assert_non_null(strstr(rep.reason, "segment"));
    ordo_log_t *l2 = NULL;
    assert_int_equal(ordo_log_open(dir, &opt, &l2, NULL, NULL), ORDO_ECORRUPT);
    tu_rmrf(dir);
}

/* The chain as LOG.md defines it, recomputed here from the frame bytes
 * with libsodium alone (independent of format.c):
 *   digest_i = BLAKE2b-256(ts || key || stored payload)
 *   chain_i  = BLAKE2b-256(chain_{i-1} || frame[0..16) || seq || digest_i)
 * starting from zeros (first segment, no dictionary). Then an edit of a
 * record's stored chain hash, with the XXH3 checksum recomputed, must be
 * named by verify. */
static void test_chain_definition(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "chaindef");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = ORDO_LOG_NONE;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    append_range(log, 1, 51);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    static rec_pos_t recs[64];
    size_t n = list_records(dir, recs, 64);
    assert_int_equal(n, 50);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, recs[0].segment);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char chain[32] = {0};
    unsigned char fr[4096];
    for (size_t i = 0; i < n; i++) {
        assert_true(recs[i].stored <= sizeof fr);
        assert_int_equal(pread(fd, fr, recs[i].stored, (off_t)recs[i].offset),
                         (ssize_t)recs[i].stored);
        size_t keylen = fr[11];
        size_t stored = recs[i].stored - 24 - 16 - keylen - 32;
        unsigned char digest[32], m[32 + 16 + 8 + 32];
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, 32);
        crypto_generichash_update(&st, fr + 24 + 8, 8);           /* ts */
        crypto_generichash_update(&st, fr + 40, keylen);          /* key */
        crypto_generichash_update(&st, fr + 40 + keylen, stored); /* payload */
        crypto_generichash_final(&st, digest, 32);
        memcpy(m, chain, 32);
        memcpy(m + 32, fr, 16);
        memcpy(m + 48, fr + 24, 8); /* seq */
        memcpy(m + 56, digest, 32);
        crypto_generichash(chain, 32, m, sizeof m, NULL, 0);
        assert_memory_equal(chain, fr + recs[i].stored - 32, 32);
    }
    /* overwrite record 20's chain hash with a plausible value (what a
     * forger who recomputed only that record's own hash would write) and
     * fix its XXH3: the record itself no longer chains */
    rec_pos_t *r = &recs[19];
    assert_int_equal(pread(fd, fr, r->stored, (off_t)r->offset), (ssize_t)r->stored);
    crypto_generichash(fr + r->stored - 32, 32, fr + 24, r->stored - 24 - 32, NULL, 0);
    uint64_t seed = XXH3_64bits(fr, 16);
    uint64_t sum = XXH3_64bits_withSeed(fr + 24, r->stored - 24, seed);
    for (int i = 0; i < 8; i++)
        fr[16 + i] = (unsigned char)(sum >> (8 * i));
    assert_int_equal(pwrite(fd, fr, r->stored, (off_t)r->offset), (ssize_t)r->stored);
    close(fd);
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, r->seq);
    assert_int_equal(rep.bad_offset, r->offset);
    assert_non_null(strstr(rep.reason, "chain"));
    tu_rmrf(dir);
}

static void test_mid_corruption_in_active_segment(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "mid");
    ordo_log_t *log = open_ok(dir, NULL, NULL);
    append_range(log, 1, 51);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    static rec_pos_t recs[64];
    assert_int_equal(list_records(dir, recs, 64), 50);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, recs[10].segment);
    assert_int_equal(tu_flip_bit(path, (long)recs[10].offset + 60, 0), 0);
    ordo_log_t *l2 = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_log_open(dir, NULL, &l2, NULL, &err), ORDO_ECORRUPT);
    assert_non_null(strstr(err.msg, "seq 11"));
    /* never skipped: the file is untouched */
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify(dir, &rep, NULL), ORDO_OK);
    assert_int_equal(rep.bad_seq, 11);
    /* explicit repair keeps seq 1..10 and quarantines the rest */
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.truncate_corrupt = true;
    ordo_log_open_info_t info;
    log = open_ok(dir, &opt, &info);
    assert_int_equal(info.next_seq, 11);
    assert_true(info.quarantine[0] != 0);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 10);
    tu_rmrf(dir);
}

/* ---- injected I/O faults ---- */

typedef struct fault {
    long budget;      /* bytes that may still be written; <0 unlimited */
    size_t max_chunk; /* short writes: at most this per call (0 = any) */
    int sync_errno;   /* fdatasync fails with this when non-zero */
    long writes;
} fault_t;

static bool fd_direct(int fd)
{
    return (fcntl(fd, F_GETFL) & O_DIRECT) != 0;
}

/* Direct I/O writes whole blocks, as a real device would: on an O_DIRECT
 * descriptor short writes and the space budget count in 4096-byte blocks. */
static ssize_t fault_pwrite(void *ctx, int fd, const void *buf, size_t n, off_t off)
{
    fault_t *f = ctx;
    size_t unit = fd_direct(fd) ? 4096 : 1;
    f->writes++;
    if (f->max_chunk && n > f->max_chunk)
        n = f->max_chunk < unit ? unit : f->max_chunk / unit * unit;
    if (f->budget >= 0) {
        if (f->budget < (long)unit) {
            errno = ENOSPC;
            return -1;
        }
        if ((long)n > f->budget)
            n = (size_t)f->budget / unit * unit; /* a short write, then ENOSPC next call */
        f->budget -= (long)n;
    }
    return pwrite(fd, buf, n, off);
}

static int fault_fdatasync(void *ctx, int fd)
{
    fault_t *f = ctx;
    if (f->sync_errno) {
        errno = f->sync_errno;
        return -1;
    }
    return fdatasync(fd);
}

static void enospc_and_short_writes(ordo_log_direct_t dio)
{
    for (long budget = 1000; budget < 60000; budget += 2731) {
        char dir[256];
        tu_tmpdir(dir, sizeof dir, "nospc");
        fault_t f = {.budget = budget};
        ordo_log_io_t io = {fault_pwrite, fault_fdatasync, &f};
        ordo_log_options_t opt;
        ordo_log_options_init(&opt);
        opt.io = &io;
        opt.direct_io = dio;
        opt.segment_bytes = 8192; /* rotations (new headers) hit the fault too */
        opt.compress_level = (budget / 2731) % 2;
        ordo_log_t *log = NULL;
        ordo_error_t err;
        int rc = ordo_log_open(dir, &opt, &log, NULL, &err);
        assert_int_equal(rc, ORDO_OK);
        char buf[4096], key[32];
        uint64_t acked = 0;
        unsigned long n;
        for (n = 1; n < 10000; n++) {
            size_t len = tu_payload(buf, sizeof buf, 0, n);
            int kl = snprintf(key, sizeof key, "ord-%lu", n);
            uint64_t seq;
            rc = ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl,
                                 (int64_t)n * 1000000000, buf, len, &seq, &err);
            if (rc != ORDO_OK)
                break;
            assert_int_equal(seq, n);
            acked = seq;
        }
        assert_int_equal(rc, ORDO_ENOSPC);
        assert_non_null(strstr(err.msg, "No space"));
        /* sticky: the handle refuses further appends */
        assert_int_equal(ordo_log_append(log, 1, NULL, 0, 0, "x", 1, NULL, &err), ORDO_ENOSPC);
        assert_int_equal(ordo_log_close(log, &err), ORDO_ENOSPC);
        /* reopen with a healthy disk: consistent, every ack present */
        ordo_log_open_info_t info;
        log = open_ok(dir, NULL, &info);
        assert_true(info.next_seq >= acked + 1);
        uint64_t have = info.next_seq - 1;
        append_range(log, have + 1, have + 6);
        assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
        check_all(dir, have + 5);
        verify_ok(dir, have + 5);
        tu_rmrf(dir);
    }
    /* short writes that are not errors: the log just continues */
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "short");
    fault_t f = {.budget = -1, .max_chunk = 7};
    ordo_log_io_t io = {fault_pwrite, fault_fdatasync, &f};
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.io = &io;
    opt.direct_io = dio;
    opt.segment_bytes = 8192;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    append_range(log, 1, 51);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_int_equal(st.direct_io, dio == ORDO_LOG_DIRECT_ON);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    assert_true(f.writes > (dio == ORDO_LOG_DIRECT_ON ? 20 : 1000));
    check_all(dir, 50);
    verify_ok(dir, 50);
    /* fdatasync failing (EIO): an error, sticky; the log reopens fine */
    f = (fault_t){.budget = -1, .sync_errno = EIO};
    log = open_ok(dir, &opt, NULL);
    ordo_error_t err;
    assert_int_equal(ordo_log_append(log, 1, "k", 1, 0, "{}", 2, NULL, &err), ORDO_EIO);
    assert_int_equal(ordo_log_append(log, 1, "k", 1, 0, "{}", 2, NULL, &err), ORDO_EIO);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_EIO);
    log = open_ok(dir, NULL, NULL);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    verify_ok(dir, 50);
    tu_rmrf(dir);
}

static void test_enospc_and_short_writes(void **state)
{
    (void)state;
    enospc_and_short_writes(ORDO_LOG_DIRECT_OFF);
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "probe");
    bool direct = tu_direct_supported(dir);
    tu_rmrf(dir);
    if (direct)
        enospc_and_short_writes(ORDO_LOG_DIRECT_ON);
    else
        print_message("[   NOTE   ] no O_DIRECT in %s: direct I/O faults not tested\n", dir);
}

/* Bytes from the end of the last record to the end of the file. */
static long bytes_after_last_record(const char *dir)
{
    rec_pos_t r[512];
    size_t n = list_records(dir, r, 512);
    assert_true(n > 0);
    char seg[512];
    snprintf(seg, sizeof seg, "%s/%s", dir, r[n - 1].segment);
    return tu_file_size(seg) - (long)(r[n - 1].offset + r[n - 1].stored);
}

/* Direct I/O: whole-block writes from a buffer that repeats the last
 * partial block; sealed and closed segments end at their last record; a
 * crash leaves zero padding, which open cuts without a quarantine file. */
static void test_direct_io(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "direct");
    if (!tu_direct_supported(dir)) {
        tu_rmrf(dir);
        skip();
    }
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    opt.ahead_bytes = 0;      /* the padding of direct writes alone (ahead: test_log_ahead.c) */
    opt.segment_bytes = 8192; /* rotations: every sealed segment is trimmed */
    for (int mode = 0; mode < 3; mode++) {
        opt.sync = mode == 0 ? ORDO_LOG_SYNC : mode == 1 ? ORDO_LOG_ASYNC : ORDO_LOG_NONE;
        ordo_log_t *log = open_ok(dir, &opt, NULL);
        ordo_log_stats_t st;
        ordo_log_get_stats(log, &st);
        assert_true(st.direct_io);
        append_range(log, 1 + 40 * (unsigned long)mode, 41 + 40 * (unsigned long)mode);
        assert_int_equal(ordo_log_flush(log, NULL), ORDO_OK);
        /* open and flushed: the file ends in a whole block (padding) */
        char seg[512];
        last_segment(dir, seg, sizeof seg);
        assert_int_equal(tu_file_size(seg) % 4096, 0);
        assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
        assert_int_equal(bytes_after_last_record(dir), 0);
        check_all(dir, 40 * (uint64_t)mode + 40);
        verify_ok(dir, 40 * (uint64_t)mode + 40);
    }
    assert_true(count_files(dir, ".seg") > 3);
    /* a crash (no close) leaves the padding after acknowledged records */
    opt.sync = ORDO_LOG_SYNC;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ordo_log_t *log = NULL;
        if (ordo_log_open(dir, &opt, &log, NULL, NULL) != ORDO_OK)
            _exit(3);
        char buf[4096], key[64];
        for (unsigned long n = 121; n < 131; n++) {
            size_t len = tu_payload(buf, sizeof buf, 0, n);
            int kl = snprintf(key, sizeof key, "ord-%lu", n);
            if (ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl,
                                (int64_t)n * 1000000000, buf, len, NULL, NULL) != ORDO_OK)
                _exit(4);
        }
        _exit(0);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    long pad = bytes_after_last_record(dir);
    assert_true(pad > 0 && pad < 4096);
    ordo_log_open_info_t info;
    ordo_log_t *log = open_ok(dir, &opt, &info);
    assert_int_equal(info.next_seq, 131);
    assert_int_equal(info.truncated_bytes, (uint64_t)pad);
    assert_string_equal(info.quarantine, "");
    append_range(log, 131, 141);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    assert_int_equal(bytes_after_last_record(dir), 0);
    check_all(dir, 140);
    verify_ok(dir, 140);
    tu_rmrf(dir);
}

/* A file system that refuses a direct write (EINVAL): AUTO goes on with
 * buffered writes, losing nothing; ON reports the error. */
static ssize_t einval_direct_pwrite(void *ctx, int fd, const void *buf, size_t n, off_t off)
{
    (void)ctx;
    if (fd_direct(fd)) {
        errno = EINVAL;
        return -1;
    }
    return pwrite(fd, buf, n, off);
}

static void test_direct_io_refused(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "dfall");
    if (!tu_direct_supported(dir)) {
        tu_rmrf(dir);
        skip();
    }
    ordo_log_io_t io = {einval_direct_pwrite, fault_fdatasync, &(fault_t){.budget = -1}};
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.io = &io;
    opt.segment_bytes = 20000;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_true(st.direct_io);
    append_range(log, 1, 61);
    ordo_log_get_stats(log, &st);
    assert_false(st.direct_io); /* the active segment fell back */
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 60);
    verify_ok(dir, 60);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    log = open_ok(dir, &opt, NULL);
    ordo_error_t err;
    assert_int_equal(ordo_log_append(log, 1, "k", 1, 0, "{}", 2, NULL, &err), ORDO_EIO);
    assert_non_null(strstr(err.msg, "Invalid argument"));
    assert_int_equal(ordo_log_close(log, NULL), ORDO_EIO);
    log = open_ok(dir, NULL, NULL);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_all(dir, 60);
    verify_ok(dir, 60);
    tu_rmrf(dir);
}

/* ---- concurrency and modes ---- */

typedef struct thr_arg {
    ordo_log_t *log;
    unsigned writer;
    unsigned count;
    uint64_t *seqs;
} thr_arg_t;

static void *appender(void *p)
{
    thr_arg_t *a = p;
    char buf[4096];
    for (unsigned i = 0; i < a->count; i++) {
        size_t len = tu_payload(buf, sizeof buf, a->writer, i);
        char key[32];
        int kl = snprintf(key, sizeof key, "w%u-%u", a->writer, i);
        if (ordo_log_append(a->log, ORDO_LOG_REC_DECISION, key, (size_t)kl, 0, buf, len,
                            &a->seqs[i], NULL) != ORDO_OK)
            a->seqs[i] = 0;
    }
    return NULL;
}

static void run_threads(ordo_log_sync_t mode, int compress)
{
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "thr");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = mode;
    opt.segment_bytes = 256 * 1024;
    opt.compress_level = compress;
    opt.batch_bytes = 16 * 1024;
    opt.interval_us = mode == ORDO_LOG_ASYNC ? 500 : 0;
    ordo_log_t *log = open_ok(dir, &opt, NULL);
    enum { T = 4, N = 300 };
    pthread_t th[T];
    thr_arg_t args[T];
    static uint64_t seqs[T][N];
    for (unsigned t = 0; t < T; t++) {
        args[t] = (thr_arg_t){log, t + 1, N, seqs[t]};
        pthread_create(&th[t], NULL, appender, &args[t]);
    }
    for (int t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    assert_int_equal(st.records, T * N);
    if (mode == ORDO_LOG_SYNC)
        assert_int_equal(st.durable_seq, T * N);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    /* every acknowledged seq maps to the payload its writer appended */
    static unsigned char seen[T * N + 1];
    memset(seen, 0, sizeof seen);
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t cnt = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        cnt++;
        unsigned w, i;
        char kbuf[64];
        assert_true(rec.key_len < sizeof kbuf);
        memcpy(kbuf, rec.key, rec.key_len);
        kbuf[rec.key_len] = 0;
        assert_int_equal(sscanf(kbuf, "w%u-%u", &w, &i), 2);
        assert_true(w >= 1 && w <= T && i < N);
        assert_int_equal(seqs[w - 1][i], rec.seq);
        char buf[4096];
        size_t len = tu_payload(buf, sizeof buf, w, i);
        assert_int_equal(rec.len, len);
        assert_memory_equal(rec.payload, buf, len);
        assert_false(seen[rec.seq]);
        seen[rec.seq] = 1;
    }
    ordo_log_iter_close(it);
    assert_int_equal(cnt, T * N);
    verify_ok(dir, T * N);
    tu_rmrf(dir);
}

static void test_concurrent_sync(void **state)
{
    (void)state;
    run_threads(ORDO_LOG_SYNC, 0);
    run_threads(ORDO_LOG_SYNC, 1);
}

static void test_async_and_none(void **state)
{
    (void)state;
    run_threads(ORDO_LOG_ASYNC, 1);
    run_threads(ORDO_LOG_NONE, 0);
}

static void test_bad_args_and_lock(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "args");
    ordo_log_t *log = open_ok(dir, NULL, NULL);
    char key[300];
    memset(key, 'k', sizeof key);
    ordo_error_t err;
    assert_int_equal(ordo_log_append(log, 1, key, 256, 0, "x", 1, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "key");
    assert_int_equal(ordo_log_append(log, 1, NULL, 0, 0, NULL, 0, NULL, &err), ORDO_OK);
    /* a second writer is refused */
    ordo_log_t *l2 = NULL;
    assert_int_equal(ordo_log_open(dir, NULL, &l2, NULL, &err), ORDO_ESTATE);
    /* zstd levels outside the accepted range are refused by name */
    char d2[256];
    tu_tmpdir(d2, sizeof d2, "args2");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.compress_level = -8;
    assert_int_equal(ordo_log_open(d2, &opt, &l2, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "compress_level");
    opt.compress_level = 23;
    assert_int_equal(ordo_log_open(d2, &opt, &l2, NULL, &err), ORDO_EINVAL);
    tu_rmrf(d2);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    verify_ok(dir, 1);
    /* verify of a missing directory is an error, not "ok" */
    ordo_log_verify_report_t rep;
    assert_int_equal(ordo_log_verify("/nonexistent/ordo-log", &rep, &err), ORDO_ENOENT);
    tu_rmrf(dir);
}

/* CBOR records (ORDO_LOG_FLAG_CBOR) come back as the JSON text the text
 * writer gives; the chain covers the CBOR bytes; a CBOR payload that does
 * not decode is reported as corruption with its position, not skipped. */
#include "../fixtures/cbor/record_keys.h"

static void write_doc(ordo_jsonw_t *w, unsigned long n)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "record_version", 1);
    char id[32];
    snprintf(id, sizeof id, "ORD-%06lu", n);
    ordo_jsonw_kstr(w, "order_id", id);
    ordo_jsonw_key(w, "atp");
    ordo_jsonw_arr_begin(w);
    for (unsigned i = 0; i < 6; i++) {
        char node[16];
        snprintf(node, sizeof node, "ST-%04u", i % 3);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "node", node);
        ordo_jsonw_kstr(w, "sku", "SKU-0000038");
        ordo_jsonw_kint(w, "atp", (int64_t)(n * 7 + i));
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kdouble(w, "order_value", 110.97 + (double)n / 8);
    ordo_jsonw_kbool(w, "fallback", n % 2 == 0);
    ordo_jsonw_obj_end(w);
}

static void test_cbor_records(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "cbor");
    ordo_log_t *log = open_ok(dir, NULL, NULL);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    size_t cbor_bytes = 0, json_bytes = 0;
    for (unsigned long n = 1; n <= 200; n++) {
        ordo_jsonw_t w;
        ordo_buf_reset(&b);
        ordo_jsonw_init_cbor(&w, &b);
        write_doc(&w, n);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        cbor_bytes += b.len;
        ordo_error_t err;
        assert_int_equal(ordo_log_append_flags(log, ORDO_LOG_REC_DECISION, ORDO_LOG_FLAG_CBOR, "k",
                                               1, (int64_t)n * 1000000000, b.data, b.len, NULL,
                                               &err),
                         ORDO_OK);
    }
    ordo_error_t err;
    assert_int_equal(ordo_log_append_flags(log, ORDO_LOG_REC_DECISION, ORDO_LOG_FLAG_ZSTD, "k", 1,
                                           0, "x", 1, NULL, &err),
                     ORDO_EINVAL); /* only the encoding flag is the caller's */
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
    verify_ok(dir, 200);
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    unsigned long n = 0;
    int rc;
    while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1) {
        n++;
        ordo_jsonw_t w;
        ordo_buf_reset(&b);
        ordo_jsonw_init(&w, &b, 0);
        write_doc(&w, n);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        json_bytes += b.len;
        assert_true(rec.flags & ORDO_LOG_FLAG_CBOR);
        assert_int_equal(rec.len, b.len);
        assert_memory_equal(rec.payload, b.data, b.len);
        assert_true(rec.appended_len < rec.len);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 200);
    ordo_log_iter_close(it);
    assert_true(cbor_bytes * 2 < json_bytes); /* compact: less than half the JSON */

    /* a valid frame around bytes that are not CBOR: reading fails at it */
    char dir2[256];
    tu_tmpdir(dir2, sizeof dir2, "cborbad");
    log = open_ok(dir2, NULL, NULL);
    static const unsigned char bad[] = {0xd9, 0x01, 0x00, 0xbf, 0x41}; /* truncated map */
    assert_int_equal(ordo_log_append_flags(log, ORDO_LOG_REC_DECISION, ORDO_LOG_FLAG_CBOR, "k", 1,
                                           0, bad, sizeof bad, NULL, &err),
                     ORDO_OK);
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
    verify_ok(dir2, 1); /* checksums and chain hold: it was written so */
    assert_int_equal(ordo_log_iter_open(dir2, NULL, &it, &err), ORDO_OK);
    assert_int_equal(ordo_log_iter_next(it, &rec, &err), ORDO_ECORRUPT);
    assert_non_null(strstr(err.msg, "CBOR"));
    ordo_log_iter_close(it);
    ordo_buf_free(&b);
}

int main(void)
{
    register_record_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_rotation_compression_index),
        cmocka_unit_test(test_torn_tail_recovered),
        cmocka_unit_test(test_bitflips_detected),
        cmocka_unit_test(test_tamper_detected),
        cmocka_unit_test(test_chain_definition),
        cmocka_unit_test(test_mid_corruption_in_active_segment),
        cmocka_unit_test(test_enospc_and_short_writes),
        cmocka_unit_test(test_direct_io),
        cmocka_unit_test(test_direct_io_refused),
        cmocka_unit_test(test_concurrent_sync),
        cmocka_unit_test(test_async_and_none),
        cmocka_unit_test(test_bad_args_and_lock),
        cmocka_unit_test(test_cbor_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
