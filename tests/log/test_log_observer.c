/* SPDX-License-Identifier: Apache-2.0 */
/* The append observer (ordo_log_set_observer, LOG.md "The append
 * observer"): every record appended through the handle, in seq order, with
 * its payload as appended (uncompressed, also when the log compresses)
 * and the chain hash a reader finds; on_durable never ahead of the log's
 * durable mark, in increasing seq, the last call from close covering every
 * record. From several threads, in every mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordo/log.h"

#define OK(expr) assert_int_equal((expr), ORDO_OK)

static char *tmp_dir(void)
{
    char *p = strdup("/tmp/ordo-logobs-XXXXXX");
    assert_non_null(mkdtemp(p));
    return p;
}

static void rm_dir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

#define N_THREADS 3
#define PER_THREAD 400

typedef struct seen {
    ordo_log_t *log;
    ordo_log_sync_t mode;
    uint64_t n, next;
    uint8_t (*chain)[32];
    char **payload;
    uint8_t *flags;
    uint64_t durable, durable_calls;
    bool closed, ahead; /* a close call; an on_durable ahead of the log's mark */
    bool out_of_order;
} seen_t;

static void on_append(void *ctx, uint64_t seq, const uint8_t chain[32], uint16_t type,
                      uint8_t flags, const void *payload, size_t len)
{
    seen_t *s = ctx;
    if (seq != s->next + 1 || seq > N_THREADS * PER_THREAD || type != ORDO_LOG_REC_DECISION) {
        s->out_of_order = true;
        return;
    }
    s->next = seq;
    memcpy(s->chain[seq - 1], chain, 32);
    s->payload[seq - 1] = strndup(payload, len);
    s->flags[seq - 1] = flags;
    s->n++;
}

static void on_durable(void *ctx, uint64_t seq, bool closing)
{
    seen_t *s = ctx;
    if (seq < s->durable || s->closed)
        s->out_of_order = true;
    if (s->mode != ORDO_LOG_NONE) {
        ordo_log_stats_t st;
        ordo_log_get_stats(s->log, &st);
        if (seq > st.durable_seq)
            s->ahead = true;
    }
    s->durable = seq;
    s->durable_calls++;
    s->closed = closing;
}

static void *appender(void *arg)
{
    ordo_log_t *log = ((void **)arg)[0];
    int t = (int)(intptr_t)((void **)arg)[1];
    char p[256];
    for (int i = 0; i < PER_THREAD; i++) {
        int n = snprintf(p, sizeof p, "{\"thread\":%d,\"i\":%d,\"pad\":\"%0*d\"}", t, i,
                         40 + i % 100, i);
        ordo_error_t err;
        OK(ordo_log_append(log, ORDO_LOG_REC_DECISION, "k", 1, 0, p, (size_t)n, NULL, &err));
    }
    return NULL;
}

static void test_observer(void **state)
{
    (void)state;
    static const ordo_log_sync_t modes[] = {ORDO_LOG_SYNC, ORDO_LOG_ASYNC, ORDO_LOG_NONE};
    for (int m = 0; m < 3; m++) {
        char *dir = tmp_dir();
        ordo_log_options_t lo;
        ordo_log_options_init(&lo);
        lo.sync = modes[m];
        lo.compress_level = 3;       /* stored compressed, observed as appended */
        lo.segment_bytes = 64 << 10; /* rotations */
        lo.batch_bytes = 8 << 10;
        ordo_log_t *log;
        ordo_error_t err;
        OK(ordo_log_open(dir, &lo, &log, NULL, &err));
        size_t total = N_THREADS * PER_THREAD;
        seen_t s = {.log = log, .mode = modes[m]};
        s.chain = calloc(total, 32);
        s.payload = calloc(total, sizeof *s.payload);
        s.flags = calloc(total, 1);
        ordo_log_observer_t obs = {.on_append = on_append, .on_durable = on_durable, .ctx = &s};
        ordo_log_set_observer(log, &obs);
        pthread_t th[N_THREADS];
        void *args[N_THREADS][2];
        for (int t = 0; t < N_THREADS; t++) {
            args[t][0] = log;
            args[t][1] = (void *)(intptr_t)t;
            assert_int_equal(pthread_create(&th[t], NULL, appender, args[t]), 0);
        }
        for (int t = 0; t < N_THREADS; t++)
            pthread_join(th[t], NULL);
        uint64_t calls_before_close = s.durable_calls;
        OK(ordo_log_close(log, &err));
        assert_false(s.out_of_order);
        assert_false(s.ahead);
        assert_int_equal(s.n, total);
        assert_true(s.closed);
        assert_int_equal(s.durable, total);
        /* the mark moved while appending, not only at close */
        assert_true(calls_before_close > 1);
        /* what a reader finds */
        ordo_log_iter_t *it;
        OK(ordo_log_iter_open(dir, NULL, &it, &err));
        ordo_log_record_t rec;
        size_t k = 0, compressed = 0;
        while (ordo_log_iter_next(it, &rec, &err) == 1) {
            assert_int_equal(rec.seq, k + 1);
            assert_memory_equal(rec.chain, s.chain[k], 32);
            assert_int_equal(rec.len, strlen(s.payload[k]));
            assert_memory_equal(rec.payload, s.payload[k], rec.len);
            assert_int_equal(s.flags[k], 0);
            compressed += (rec.flags & ORDO_LOG_FLAG_ZSTD) != 0;
            free(s.payload[k]);
            k++;
        }
        ordo_log_iter_close(it);
        assert_int_equal(k, total);
        assert_true(compressed > 0);
        free(s.chain);
        free(s.payload);
        free(s.flags);
        rm_dir(dir);
    }
}

/* Without an observer nothing is called; an observer removed is not. */
static void test_observer_removed(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_log_t *log;
    ordo_error_t err;
    OK(ordo_log_open(dir, NULL, &log, NULL, &err));
    seen_t s = {.log = log, .mode = ORDO_LOG_SYNC};
    s.chain = calloc(4, 32);
    s.payload = calloc(4, sizeof *s.payload);
    s.flags = calloc(4, 1);
    ordo_log_observer_t obs = {.on_append = on_append, .on_durable = on_durable, .ctx = &s};
    ordo_log_set_observer(log, &obs);
    OK(ordo_log_append(log, ORDO_LOG_REC_DECISION, NULL, 0, 0, "{}", 2, NULL, &err));
    ordo_log_set_observer(log, NULL);
    OK(ordo_log_append(log, ORDO_LOG_REC_DECISION, NULL, 0, 0, "{}", 2, NULL, &err));
    OK(ordo_log_close(log, &err));
    assert_int_equal(s.n, 1);
    assert_int_equal(s.durable, 1);
    assert_false(s.closed);
    free(s.payload[0]);
    free(s.chain);
    free(s.payload);
    free(s.flags);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observer),
        cmocka_unit_test(test_observer_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
