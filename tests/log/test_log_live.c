/* SPDX-License-Identifier: Apache-2.0 */
/* Readers beside a live writer (docs/internals/LOG.md "Reading the live
 * segment"): a writer thread appends in direct-I/O mode and flushes every
 * few records, rewriting the segment's partly filled last block each time,
 * while the test reads the log in a loop, follows it from the last seq it
 * saw, or verifies it. Every read must return the records in order with
 * their payloads, or end quietly: never ORDO_ECORRUPT for a block the
 * writer is rewriting, never a SIGBUS when the writer cuts its padding.
 * Damage in the durable part of the live segment is still corruption. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log_test_util.h"

#define LIVE_RECORDS 3000ul

static void direct_tmpdir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "%s/ordolog-%s-XXXXXX", ORDO_BINARY_DIR, tag);
    if (!mkdtemp(buf))
        fail_msg("mkdtemp %s: %s", buf, strerror(errno));
    if (!tu_direct_supported(buf)) {
        tu_rmrf(buf);
        skip();
    }
}

static void live_options(ordo_log_options_t *opt)
{
    ordo_log_options_init(opt);
    opt->direct_io = ORDO_LOG_DIRECT_ON;
    opt->sync = ORDO_LOG_NONE;     /* acknowledged by the flushes, as group commit does */
    opt->segment_bytes = 1u << 20; /* a few rotations */
}

typedef struct writer_arg {
    char dir[600];          /* a copy: a failed test's frame may be gone while the writer runs */
    unsigned long records;  /* appended by a session */
    unsigned long sessions; /* open, append, close: each close cuts the padding */
    unsigned flush_every;
    atomic_bool done;
    int rc;
} writer_arg_t;

static int append_one(ordo_log_t *log, unsigned long n)
{
    char buf[4096], key[64];
    size_t len = tu_payload(buf, sizeof buf, 1, n);
    int kl = snprintf(key, sizeof key, "ord-%lu", n);
    uint64_t seq = 0;
    int rc = ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl, (int64_t)n, buf, len,
                             &seq, NULL);
    return rc == ORDO_OK && seq != n ? ORDO_ESTATE : rc;
}

static void *writer_main(void *p)
{
    writer_arg_t *a = p;
    ordo_log_options_t opt;
    live_options(&opt);
    unsigned long n = 1;
    for (unsigned long s = 0; s < a->sessions && a->rc == ORDO_OK; s++) {
        ordo_log_t *log;
        a->rc = ordo_log_open(a->dir, &opt, &log, NULL, NULL);
        for (unsigned long i = 0; a->rc == ORDO_OK && i < a->records; i++, n++) {
            a->rc = append_one(log, n);
            if (a->rc == ORDO_OK && n % a->flush_every == 0)
                a->rc = ordo_log_flush(log, NULL);
        }
        if (a->rc == ORDO_OK)
            a->rc = ordo_log_close(log, NULL);
    }
    atomic_store(&a->done, true);
    return NULL;
}

static void writer_start(writer_arg_t *a, pthread_t *t, const char *dir, unsigned long records,
                         unsigned long sessions)
{
    *a = (writer_arg_t){.records = records, .sessions = sessions, .flush_every = 3};
    snprintf(a->dir, sizeof a->dir, "%s", dir);
    assert_int_equal(pthread_create(t, NULL, writer_main, a), 0);
}

/* One record as the writer appended it. */
static void check_record(const ordo_log_record_t *rec, uint64_t seq)
{
    char buf[4096];
    assert_int_equal(rec->seq, seq);
    size_t len = tu_payload(buf, sizeof buf, 1, (unsigned long)seq);
    assert_int_equal(rec->len, len);
    assert_memory_equal(rec->payload, buf, len);
}

/* Reads dir from from_seq to its end; *rc gets the iterator's last
 * answer (0 at a quiet end); returns the next seq to read. */
static uint64_t read_from(const char *dir, uint64_t from_seq, int *rc, ordo_error_t *err)
{
    ordo_log_query_t q = {.from_seq = from_seq};
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, &q, &it, err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t next = from_seq;
    while ((*rc = ordo_log_iter_next(it, &rec, err)) == 1)
        check_record(&rec, next++);
    ordo_log_iter_close(it);
    return next;
}

/* Whole reads from seq 1, over and over, while the writer appends. */
static void test_read_beside_writer(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "live-read");
    static writer_arg_t a; /* outlives a failed test's frame: the writer may still run */
    pthread_t t;
    writer_start(&a, &t, dir, LIVE_RECORDS, 1);
    unsigned long loops = 0, bad = 0;
    uint64_t seen = 1;
    ordo_error_t first = {0};
    while (!atomic_load(&a.done)) {
        int rc;
        ordo_error_t err;
        uint64_t next = read_from(dir, 1, &rc, &err);
        loops++;
        if (rc < 0 && !bad++)
            first = err;
        assert_true(next >= seen); /* never fewer records than a read before */
        seen = next;
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, ORDO_OK);
    if (bad)
        fail_msg("%lu of %lu reads beside the writer failed; the first: %s", bad, loops, first.msg);
    int rc;
    assert_int_equal(read_from(dir, 1, &rc, NULL), LIVE_RECORDS + 1);
    assert_int_equal(rc, 0);
    print_message("%lu reads beside the writer\n", loops);
    tu_rmrf(dir);
}

/* A follower: reads on from the last seq it saw, as `ordo log tail
 * --follow` polls, and must end with every record, each once. */
static void test_follow_beside_writer(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "live-follow");
    static writer_arg_t a; /* outlives a failed test's frame: the writer may still run */
    pthread_t t;
    writer_start(&a, &t, dir, LIVE_RECORDS, 1);
    uint64_t next = 1;
    unsigned long polls = 0;
    for (bool last = false; !last;) {
        last = atomic_load(&a.done);
        int rc;
        ordo_error_t err;
        next = read_from(dir, next, &rc, &err);
        polls++;
        if (rc < 0)
            fail_msg("poll %lu at seq %" PRIu64 ": %s", polls, next, err.msg);
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, ORDO_OK);
    assert_int_equal(next, LIVE_RECORDS + 1);
    print_message("%lu polls\n", polls);
    tu_rmrf(dir);
}

/* ordo_log_verify over and over: every report intact, its last seq
 * never going back. */
static void test_verify_beside_writer(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "live-verify");
    static writer_arg_t a; /* outlives a failed test's frame: the writer may still run */
    pthread_t t;
    writer_start(&a, &t, dir, LIVE_RECORDS, 1);
    unsigned long loops = 0, bad = 0;
    uint64_t last = 0;
    char first[600] = "";
    while (!atomic_load(&a.done)) {
        ordo_log_verify_report_t rep = tu_verify(dir);
        loops++;
        if (!rep.ok && !bad++)
            snprintf(first, sizeof first, "%s at byte offset %" PRIu64 ": %s", rep.bad_segment,
                     rep.bad_offset, rep.reason);
        if (rep.ok) {
            assert_true(rep.last_seq >= last);
            last = rep.last_seq;
        }
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, ORDO_OK);
    if (bad)
        fail_msg("%lu of %lu verifies beside the writer failed; the first: %s", bad, loops, first);
    ordo_log_verify_report_t rep = tu_verify(dir);
    assert_true(rep.ok);
    assert_int_equal(rep.last_seq, LIVE_RECORDS);
    print_message("%lu verifies beside the writer\n", loops);
    tu_rmrf(dir);
}

/* The writer opens, appends and closes over and over: each close cuts
 * the zeros written ahead, under a verify or a reader that has the
 * segment open. A mapped page past the new end would raise SIGBUS. */
static void test_beside_trims(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "live-trim");
    static writer_arg_t a; /* outlives a failed test's frame: the writer may still run */
    pthread_t t;
    writer_start(&a, &t, dir, 20, 150);
    unsigned long loops = 0;
    uint64_t next = 1;
    while (!atomic_load(&a.done)) {
        ordo_log_verify_report_t rep = tu_verify(dir);
        if (!rep.ok)
            fail_msg("verify %lu: %s at byte offset %" PRIu64 ": %s", loops, rep.bad_segment,
                     rep.bad_offset, rep.reason);
        int rc;
        ordo_error_t err;
        next = read_from(dir, next, &rc, &err);
        if (rc < 0)
            fail_msg("read %lu at seq %" PRIu64 ": %s", loops, next, err.msg);
        loops++;
    }
    pthread_join(t, NULL);
    assert_int_equal(a.rc, ORDO_OK);
    int rc;
    assert_int_equal(read_from(dir, next, &rc, NULL), 20 * 150 + 1);
    print_message("%lu verifies and reads beside 150 closes\n", loops);
    tu_rmrf(dir);
}

/* The only segment of dir. */
static void only_segment(const char *dir, char *path, size_t n)
{
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, NULL, &it, NULL), ORDO_OK);
    ordo_log_record_t rec;
    assert_int_equal(ordo_log_iter_next(it, &rec, NULL), 1);
    snprintf(path, n, "%s/%s", dir, rec.segment);
    ordo_log_iter_close(it);
}

/* Where record seq starts in dir. */
static long record_offset(const char *dir, uint64_t seq)
{
    ordo_log_query_t q = {.from_seq = seq, .limit = 1};
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dir, &q, &it, NULL), ORDO_OK);
    ordo_log_record_t rec;
    assert_int_equal(ordo_log_iter_next(it, &rec, NULL), 1);
    ordo_log_iter_close(it);
    return (long)rec.offset;
}

/* A flipped bit in a record the live writer has made durable is
 * corruption for readers and verify, in the middle of the segment and in
 * its very last record, not a tail still being written. */
static void test_damage_in_live_segment(void **state)
{
    (void)state;
    char dir[600], seg[700];
    direct_tmpdir(dir, sizeof dir, "live-damage");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.direct_io = ORDO_LOG_DIRECT_ON;
    ordo_log_t *log;
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, NULL), ORDO_OK);
    for (unsigned long n = 1; n <= 200; n++)
        assert_int_equal(append_one(log, n), ORDO_OK);
    only_segment(dir, seg, sizeof seg);
    uint64_t seqs[] = {100, 200};
    for (size_t i = 0; i < 2; i++) {
        long off = record_offset(dir, seqs[i]) + 40; /* the key's first byte */
        assert_int_equal(tu_flip_bit(seg, off, 3), 0);
        int rc;
        ordo_error_t err;
        assert_int_equal(read_from(dir, 1, &rc, &err), seqs[i]);
        assert_int_equal(rc, ORDO_ECORRUPT);
        ordo_log_verify_report_t rep = tu_verify(dir);
        assert_false(rep.ok);
        assert_int_equal(rep.bad_offset, (uint64_t)(off - 40));
        assert_int_equal(rep.bad_seq, seqs[i]);
        assert_int_equal(tu_flip_bit(seg, off, 3), 0);
        assert_int_equal(read_from(dir, 1, &rc, NULL), 201);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    tu_rmrf(dir);
}

/* A reader stopped while it holds LOCK's read lock (its map and copy of the
 * live segment with no writer there) keeps a writer from opening only for
 * a bounded time: the open then fails, naming why; a reader that lets go
 * within it lets the open through. */
typedef struct lock_holder {
    int fd;
    unsigned hold_ms;
} lock_holder_t;

static void *release_later(void *p)
{
    lock_holder_t *h = p;
    usleep(h->hold_ms * 1000u);
    close(h->fd); /* releases the OFD lock */
    return NULL;
}

static int read_lock_of(const char *dir)
{
    char path[700];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        close(fd);
        skip(); /* no OFD locks on this file system */
    }
    return fd;
}

static void test_stopped_reader(void **state)
{
    (void)state;
    char dir[600];
    direct_tmpdir(dir, sizeof dir, "live-stopped");
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    ordo_log_t *log;
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, NULL), ORDO_OK);
    assert_int_equal(append_one(log, 1), ORDO_OK);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);

    int fd = read_lock_of(dir); /* held, never released: a stopped reader */
    ordo_error_t err;
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, &err), ORDO_EBUSY);
    assert_non_null(strstr(err.msg, "read lock"));
    close(fd);

    lock_holder_t h = {read_lock_of(dir), 300}; /* let go after 300 ms */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, &h), 0);
    assert_int_equal(ordo_log_open(dir, &opt, &log, NULL, NULL), ORDO_OK);
    assert_int_equal(append_one(log, 2), ORDO_OK);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    pthread_join(t, NULL);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_beside_writer),     cmocka_unit_test(test_follow_beside_writer),
        cmocka_unit_test(test_verify_beside_writer),   cmocka_unit_test(test_beside_trims),
        cmocka_unit_test(test_damage_in_live_segment), cmocka_unit_test(test_stopped_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
