/* SPDX-License-Identifier: Apache-2.0 */
/* Crash test: a child appends in SYNC mode from two threads and reports
 * every acknowledged seq through a pipe; the parent SIGKILLs it 200 times,
 * reopening the same log after each kill. Every acknowledged record must be
 * present with the payload that was appended, the crashed log must verify
 * as it is (before recovery: zero padding or a torn record at its end is
 * not damage), and the recovered log must verify (no corrupt record
 * accepted).
 *
 * The test does not depend on scheduling: the parent kills only after the
 * child has acknowledged a number of new records drawn from a seeded
 * generator, and in half the iterations only once the child is stopped in
 * the middle of a write (its I/O hook writes part of a batch, says so
 * through the pipe, and waits to be killed), so torn tails are certain. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "log_test_util.h"

#define KILLS 200
#define MAX_ACKS 400000

/* One message on the child's pipe: an acknowledged record, or (seq 0) the
 * sign that the child stopped in the middle of a write. */
typedef struct ack {
    uint64_t seq;
    uint32_t writer;
    uint32_t pad;
    uint64_t n;
} ack_t;

typedef struct child_thr {
    ordo_log_t *log;
    int fd;
    uint32_t writer;
} child_thr_t;

static void *child_appender(void *p)
{
    child_thr_t *a = p;
    char buf[4096], key[48];
    for (uint64_t n = 0; n < 1000000; n++) {
        size_t len = tu_payload(buf, sizeof buf, a->writer, n);
        int kl = snprintf(key, sizeof key, "w%u-%" PRIu64, a->writer, n);
        ack_t ack = {.writer = a->writer, .n = n};
        if (ordo_log_append(a->log, ORDO_LOG_REC_DECISION, key, (size_t)kl, 0, buf, len, &ack.seq,
                            NULL) != ORDO_OK)
            _exit(4);
        if (write(a->fd, &ack, sizeof ack) != (ssize_t)sizeof ack)
            _exit(5);
    }
    return NULL;
}

/* The child's end of the pipes: acks out, the parent's "tear now" in. */
static int child_ack_fd = -1, child_tear_fd = -1;

/* Once the parent asks for it, writes part of this write (half of it, or
 * its first block under direct I/O), tells the parent, and waits for the
 * kill: the log is left with a torn batch, as a crash during a large write
 * would leave it. */
static void tear_and_wait(int fd, const void *buf, size_t part, off_t off)
{
    if (pwrite(fd, buf, part, off) != (ssize_t)part)
        _exit(6);
    ack_t mark = {0};
    if (write(child_ack_fd, &mark, sizeof mark) != (ssize_t)sizeof mark)
        _exit(5);
    for (;;)
        pause();
}

/* Slow, chunked writes so that kills land in the middle of a batch. */
static ssize_t chunked_pwrite(void *ctx, int fd, const void *buf, size_t n, off_t off)
{
    (void)ctx;
    /* direct I/O writes whole blocks: then a chunk is one block */
    bool direct = (fcntl(fd, F_GETFL) & O_DIRECT) != 0;
    size_t chunk = direct ? 4096 : 200;
    char c;
    if (n > (direct ? chunk : 1) && read(child_tear_fd, &c, 1) == 1)
        tear_and_wait(fd, buf, direct ? chunk : n / 2, off);
    if (n > chunk)
        n = chunk;
    ssize_t r = pwrite(fd, buf, n, off);
    struct timespec ts = {0, 20000};
    nanosleep(&ts, NULL);
    return r;
}

static int plain_fdatasync(void *ctx, int fd)
{
    (void)ctx;
    return fdatasync(fd);
}

static void child_main(const char *dir, int fd, int tear_fd, unsigned iter)
{
    child_ack_fd = fd;
    child_tear_fd = tear_fd;
    if (fcntl(tear_fd, F_SETFL, fcntl(tear_fd, F_GETFL) | O_NONBLOCK) != 0)
        _exit(3);
    static const ordo_log_io_t chunked = {chunked_pwrite, plain_fdatasync, NULL};
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = ORDO_LOG_SYNC;
    opt.segment_bytes = 24 * 1024; /* rotate often: kills land in rotations too */
    opt.compress_level = (int)(iter % 2);
    opt.index_every = 8;
    if (iter % 4 >= 2)
        opt.io = &chunked;
    /* half the kills with direct I/O (where the file system has it) */
    opt.direct_io = iter % 8 < 4 ? ORDO_LOG_DIRECT_AUTO : ORDO_LOG_DIRECT_OFF;
    ordo_log_t *log = NULL;
    if (ordo_log_open(dir, &opt, &log, NULL, NULL) != ORDO_OK)
        _exit(3);
    child_thr_t a[2];
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        a[t] = (child_thr_t){log, fd, iter * 2 + (uint32_t)t + 1};
        pthread_create(&th[t], NULL, child_appender, &a[t]);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    _exit(0);
}

static ack_t *acks; /* indexed by seq */
static uint64_t max_acked;

static void check_records(const char *dir, uint64_t from_seq)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    ordo_log_query_t q = {.from_seq = from_seq};
    assert_int_equal(ordo_log_iter_open(dir, &q, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    uint64_t expect = from_seq ? from_seq : 1;
    int rc;
    char buf[4096], kbuf[64];
    while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1) {
        assert_int_equal(rec.seq, expect);
        expect++;
        assert_true(rec.key_len < sizeof kbuf);
        memcpy(kbuf, rec.key, rec.key_len);
        kbuf[rec.key_len] = 0;
        unsigned w;
        uint64_t n;
        assert_int_equal(sscanf(kbuf, "w%u-%" SCNu64, &w, &n), 2);
        size_t len = tu_payload(buf, sizeof buf, w, n);
        assert_int_equal(rec.len, len);
        assert_memory_equal(rec.payload, buf, len);
        if (rec.seq < MAX_ACKS && acks[rec.seq].seq) {
            assert_int_equal(acks[rec.seq].writer, w);
            assert_int_equal(acks[rec.seq].n, n);
        }
    }
    if (rc < 0)
        fail_msg("iterate: %s", err.msg);
    ordo_log_iter_close(it);
    /* every acknowledged record is there */
    if (expect - 1 < max_acked)
        fail_msg("acknowledged seq %" PRIu64 " lost (log ends at %" PRIu64 ")", max_acked,
                 expect - 1);
}

/* Reads one message from the child; 0 at end of file (the child is gone). */
static int read_ack(int fd, ack_t *a, unsigned iter)
{
    ssize_t r = read(fd, a, sizeof *a);
    if (r == 0)
        return 0;
    if (r != (ssize_t)sizeof *a)
        fail_msg("iteration %u: partial ack read (%zd bytes)", iter, r);
    return 1;
}

static void take_ack(const ack_t *a, uint64_t *first_this)
{
    assert_true(a->seq > 0 && a->seq < MAX_ACKS);
    acks[a->seq] = *a;
    if (a->seq > max_acked)
        max_acked = a->seq;
    if (!*first_this || a->seq < *first_this)
        *first_this = a->seq;
}

static void child_gone(pid_t pid, unsigned iter)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    fail_msg("iteration %u: child ended before the kill (status %d; 3: open failed, "
             "4: append failed, 5: pipe write failed, 6: torn write failed)",
             iter, status);
}

/* Waits until the child has acknowledged need new records and, when tear,
 * until it has stopped in the middle of a write; then kills it and reads
 * the acks it sent before dying. Returns the number of acks read. */
static uint64_t run_until_kill(pid_t pid, int ack_fd, int tear_fd, unsigned need, bool tear,
                               long delay_us, unsigned iter, uint64_t *first_this)
{
    ack_t a;
    uint64_t got = 0;
    bool torn = false;
    while (got < need || (tear && !torn)) {
        if (!read_ack(ack_fd, &a, iter))
            child_gone(pid, iter);
        if (a.seq == 0) {
            torn = true;
            continue;
        }
        take_ack(&a, first_this);
        if (++got == need && tear && write(tear_fd, "t", 1) != 1)
            fail_msg("iteration %u: cannot ask the child to tear a write", iter);
    }
    if (!tear) {
        struct timespec ts = {0, delay_us * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status))
        fail_msg("iteration %u: child exited with %d before the kill (3: open failed, "
                 "4: append failed, 5: pipe write failed, 6: torn write failed)",
                 iter, WEXITSTATUS(status));
    while (read_ack(ack_fd, &a, iter))
        if (a.seq != 0) {
            take_ack(&a, first_this);
            got++;
        }
    return got;
}

/* Crashed logs whose last segment ended in something other than a whole
 * record, and in zero padding. */
static unsigned crashed_tails, crashed_padding;

/* Reopens the log (recovery) and checks what it kept; returns whether the
 * recovery cut a torn tail. */
static bool recover_and_check(const char *dir, unsigned iter, uint64_t first_this)
{
    ordo_log_open_info_t info;
    ordo_log_t *log = NULL;
    ordo_error_t err;
    /* the crashed log verifies as it is, before recovery: its last segment
     * may end in zero padding or a torn record, which is not damage */
    ordo_log_verify_report_t crep;
    assert_int_equal(ordo_log_verify(dir, &crep, &err), ORDO_OK);
    if (!crep.ok)
        fail_msg("iteration %u: verify of the crashed log: %s at %s+%" PRIu64, iter, crep.reason,
                 crep.bad_segment, crep.bad_offset);
    if (crep.last_seq < max_acked)
        fail_msg("iteration %u: verify of the crashed log ends at seq %" PRIu64
                 ", acknowledged %" PRIu64, iter, crep.last_seq, max_acked);
    crashed_tails += crep.tail_bytes != 0;
    crashed_padding += crep.tail_padding;
    int rc = ordo_log_open(dir, NULL, &log, &info, &err);
    if (rc != ORDO_OK)
        fail_msg("iteration %u: open after kill: %s (%s)", iter, err.msg, err.file);
    if (info.next_seq <= max_acked)
        fail_msg("iteration %u: acknowledged seq %" PRIu64 " lost: log recovered to %" PRIu64
                 " records (cut %" PRIu64 " bytes)",
                 iter, max_acked, info.next_seq - 1, info.truncated_bytes);
    assert_int_equal(ordo_log_close(log, NULL), ORDO_OK);
    check_records(dir, first_this ? first_this : (max_acked ? max_acked : 1));
    if (iter % 25 == 24 || iter == KILLS - 1) {
        check_records(dir, 0);
        ordo_log_verify_report_t rep;
        assert_int_equal(ordo_log_verify(dir, &rep, &err), ORDO_OK);
        if (!rep.ok)
            fail_msg("verify after recovery: %s at %s+%" PRIu64, rep.reason, rep.bad_segment,
                     rep.bad_offset);
        assert_true(rep.last_seq >= max_acked);
    }
    return info.truncated_bytes != 0;
}

static void test_sigkill_200(void **state)
{
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir, "kill");
    acks = calloc(MAX_ACKS, sizeof *acks);
    assert_non_null(acks);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261124);
    uint64_t truncations = 0, total_acks = 0, needed = 0;
    unsigned tears = 0;
    for (unsigned iter = 0; iter < KILLS; iter++) {
        unsigned need = 1 + (unsigned)ordo_rng_below(&rng, 8);
        long delay_us = (long)ordo_rng_below(&rng, 2000);
        bool tear = iter % 4 >= 2; /* the iterations with the chunked I/O hook */
        int p[2], t[2];
        assert_int_equal(pipe(p), 0);
        assert_int_equal(pipe(t), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            close(t[1]);
            child_main(dir, p[1], t[0], iter);
        }
        close(p[1]);
        close(t[0]);
        uint64_t first_this = 0;
        uint64_t got = run_until_kill(pid, p[0], t[1], need, tear, delay_us, iter, &first_this);
        close(p[0]);
        close(t[1]);
        assert_true(got >= need);
        total_acks += got;
        needed += need;
        tears += tear;
        /* reopen = recovery */
        truncations += recover_and_check(dir, iter, first_this);
    }
    print_message("%u kills (%u in the middle of a write), %" PRIu64
                  " acknowledged records, %" PRIu64 " recoveries cut a torn tail; "
                  "%u crashed logs verified with a tail, %u of them zero padding\n",
                  KILLS, tears, total_acks, truncations, crashed_tails, crashed_padding);
    assert_true(crashed_tails > 0); /* the verifies above did meet torn tails */
    /* the children did real work: at least the acks waited for, which the
     * seeded draws make more than one per kill */
    assert_true(needed > KILLS);
    assert_true(total_acks >= needed);
    assert_true(truncations > 0); /* and the torn writes left torn records */
    free(acks);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_200),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
