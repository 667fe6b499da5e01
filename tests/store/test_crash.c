/* SPDX-License-Identifier: Apache-2.0 */
/* Crash safety: a writer SIGKILLed at random moments — between batches,
 * mid-transaction, during a commit — leaves a database that opens, passes
 * SQLite's integrity check, and holds exactly the committed batches (never
 * part of one). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ordo/store.h"
#include "ordo/util.h"
#include "store_test_util.h"

#define BATCH 500

static void fill_batch(ordo_outcome_event_t *ev, int b)
{
    for (int i = 0; i < BATCH; i++) {
        ordo_outcome_event_t *e = &ev[i];
        memset(e, 0, sizeof *e);
        snprintf(e->event_id, sizeof e->event_id, "ev-%d-%d", b, i);
        snprintf(e->order_id, sizeof e->order_id, "ORD-%d", (b * BATCH + i) / 3);
        e->type = ORDO_OUTCOME_COST;
        e->at = 1790000000 + b;
        e->cost[ORDO_COST_PICK] = 1.25;
        e->cost_mask = 1u << ORDO_COST_PICK;
    }
}

/* The child: commits batch after batch until killed; writes a byte to the
 * pipe after the first commit so the parent knows it is running. */
static void writer(const char *dir, int ready_fd)
{
    ordo_store_t *s;
    ordo_error_t err = {0};
    if (ordo_store_open(dir, NULL, &s, &err) != ORDO_OK)
        _exit(3);
    static ordo_outcome_event_t ev[BATCH];
    for (int b = 0;; b++) {
        fill_batch(ev, b);
        if (ordo_store_outcomes_put_batch(s, ev, BATCH, NULL, &err) != ORDO_OK)
            _exit(4);
        if (b == 0) {
            if (write(ready_fd, "x", 1) != 1)
                _exit(5);
        }
    }
}

static void check_db(const char *dir, uint64_t *events_out)
{
    ordo_store_t *s = NULL;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_open(dir, NULL, &s, &err));
    uint64_t events = 0, orders = 0;
    ASSERT_OK(ordo_store_outcome_counts(s, &events, &orders, &err));
    /* whole batches only */
    assert_true(events >= BATCH);
    assert_int_equal(events % BATCH, 0);
    /* every order's summary still folds */
    ordo_outcome_iter_t *it;
    ASSERT_OK(ordo_store_outcome_iter_open(s, &it, &err));
    ordo_outcome_summary_t sum;
    uint64_t folded = 0;
    int rc;
    while ((rc = ordo_outcome_iter_next(it, &sum, &err)) == 1)
        folded += sum.n_events;
    assert_int_equal(rc, 0);
    assert_int_equal(folded, events);
    ordo_outcome_iter_close(it);
    ordo_store_close(s, NULL);

    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db3, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(db3);
    *events_out = events;
}

static void test_kill_writer(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_rng_t rng;
    ordo_rng_seed(&rng, (uint64_t)time(NULL));
    uint64_t prev = 0;
    for (int round = 0; round < 6; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            writer(dir, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        char ch;
        assert_int_equal(read(fds[0], &ch, 1), 1);
        close(fds[0]);
        /* let it run 0..40 ms more: kills land anywhere in a batch */
        struct timespec ts = {0, (long)ordo_rng_below(&rng, 40) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        uint64_t events;
        check_db(dir, &events);
        /* later rounds re-insert batch 0.. as duplicates, then add more */
        assert_true(events >= prev);
        prev = events;
    }
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_writer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
