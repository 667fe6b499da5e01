/* SPDX-License-Identifier: Apache-2.0 */
/* The facts kept by the log's writer (ordo_facts_writer, facts_io.c;
 * ANALYZE.md "The facts kept by the writer"): the decisions and strings
 * files it leaves equal a rebuild's byte for byte, and the report from
 * them equals the record path's; a crash (a child that appends and
 * _exits), records never made durable, and a refresh from another process
 * while it appends never give a wrong report; a refresh or rebuild between
 * its saves, the writer takes the table over again, unless another
 * catalog made it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze_fixture.h"
#include "ordo/cbor.h"
#include "ordo/datadir.h"
#include "ordo/geo.h"
#include "ordo/log.h"
#include "ordo/network.h"
#include "../../src/analyze/internal.h"

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/facts/%s", dir, name);
    char *data = NULL;
    ordo_error_t err;
    if (ordo_read_file(path, &data, len, &err))
        return NULL;
    return data;
}

/* The header's covered seq and row count of dir's decisions file. */
static uint64_t covered(const char *dir, uint64_t *rows)
{
    size_t len;
    char *d = slurp(dir, "decisions", &len);
    assert_non_null(d);
    assert_true(len >= 128);
    uint64_t seq, n;
    memcpy(&n, d + 16, 8);
    memcpy(&seq, d + 24, 8);
    free(d);
    if (rows)
        *rows = n;
    return seq;
}

/* The facts files of dir equal those of a rebuild (made in a copy of the
 * log, so that dir's own stay as the writer left them). */
static void same_as_rebuild(const char *dir)
{
    char *copy = fx_tmp_dir();
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s/log' '%s/log'", dir, copy);
    assert_int_equal(system(cmd), 0);
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, copy, &err));
    an_facts_t t;
    FX_CHECK(an_facts_open(dd.facts, dd.log, NULL, true, &t, &err));
    an_facts_close(&t);
    static const char *const names[] = {"decisions", "strings"};
    for (int k = 0; k < 2; k++) {
        size_t la, lb;
        char *a = slurp(dir, names[k], &la), *b = slurp(copy, names[k], &lb);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
    }
    fx_rm_tree(copy);
}

/* The reports with --facts auto, off and rebuild, the same byte for byte
 * (auto first: it reads what the writer left). */
static void same_reports(const char *dir)
{
    char *a = fx_report_json(dir, ORDO_ANALYZE_FACTS_AUTO);
    char *o = fx_report_json(dir, ORDO_ANALYZE_FACTS_OFF);
    char *r = fx_report_json(dir, ORDO_ANALYZE_FACTS_REBUILD);
    assert_string_equal(a, o);
    assert_string_equal(r, o);
    assert_non_null(strstr(o, "\"treatment\""));
    free(a);
    free(o);
    free(r);
}

/* Appends orders [first, first + n) to log: decisions of exp-fx (CBOR and
 * JSON text), shadows before and after their decision, decisions of
 * another experiment and of none, an unreadable record, meta records;
 * flushing every flush_every records (0: never). */
static void append(ordo_log_t *log, size_t first, size_t n, size_t flush_every)
{
    ordo_buf_t b, c;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&c, NULL);
    ordo_error_t err;
    size_t records = 0;
    for (size_t i = first; i < first + n; i++) {
        fx_order_t o;
        fx_order_appended(i, &o);
        o.service[0] = i % 3 ? "ups-ground" : "fedex-home";
        double cc = 8 + (double)(i % 17) * 0.25, planned = o.variant ? cc - 0.7 : cc;
        char oid[32];
        snprintf(oid, sizeof oid, "O-%06zu", i);
        const char *exp = i % 11 == 3 ? "exp-other" : i % 13 == 4 ? NULL : "exp-fx";
        for (int part = 0; part < 3; part++) {
            uint16_t type = part == 1 ? ORDO_LOG_REC_DECISION : ORDO_LOG_REC_SHADOW;
            if (part != 1 && (!o.variant || !exp || (part == 0) != (i % 5 == 0)))
                continue; /* a shadow before its decision for every fifth */
            if (part == 1)
                fx_decision_json(&b, &o, oid, exp ? exp : "", o.variant ? "treatment" : "control",
                                 o.variant ? "tv" : "cv", planned, exp != NULL);
            else
                fx_decision_json(&b, &o, oid, "exp-fx", NULL, "cv", cc, false);
            bool cbor = i % 4 != 1;
            if (cbor) {
                ordo_jsonw_t w;
                ordo_buf_reset(&c);
                ordo_jsonw_init_cbor(&w, &c);
                ordo_jsonw_raw(&w, b.data, b.len);
                FX_CHECK(ordo_jsonw_finish(&w));
            }
            FX_CHECK(ordo_log_append_flags(log, type, cbor ? ORDO_LOG_FLAG_CBOR : 0, oid,
                                           strlen(oid), o.ts * 1000000000LL, cbor ? c.data : b.data,
                                           cbor ? c.len : b.len, NULL, &err));
            if (flush_every && ++records % flush_every == 0)
                FX_CHECK(ordo_log_flush(log, &err));
        }
        if (i % 37 == 0) {
            static const char bad[] = "{\"experiment\": \"exp-fx\", \"order_id\": \"X\", oops";
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, "X", 1, o.ts * 1000000000LL, bad,
                                     sizeof bad - 1, NULL, &err));
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_META, "m", 1, o.ts * 1000000000LL, "{}", 2,
                                     NULL, &err));
        }
    }
    ordo_buf_free(&b);
    ordo_buf_free(&c);
}

/* The log of dir opened with mode and the facts writer attached. */
static ordo_log_t *open_with_writer(const char *dir, ordo_log_sync_t mode, uint32_t interval_us,
                                    uint32_t batch_bytes, ordo_log_direct_t direct,
                                    ordo_facts_writer_t **w)
{
    char logdir[4200];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = mode;
    lo.interval_us = interval_us;
    lo.batch_bytes = batch_bytes;
    lo.direct_io = direct;
    ordo_log_t *log;
    ordo_error_t err;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    FX_CHECK(ordo_facts_writer_open(dir, NULL, w, &err));
    ordo_facts_writer_attach(*w, log);
    return log;
}

static char *built(size_t orders)
{
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = orders;
    fx_build(dir, &spec, NULL, false);
    return dir;
}

/* A refresh of dir's facts finds them current: nothing rebuilt, no record
 * read. */
static void refresh_reads_nothing(const char *dir)
{
    ordo_error_t err;
    ordo_datadir_t dd;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    an_facts_t t;
    FX_CHECK(an_facts_update(dd.facts, dd.log, NULL, &t, &err));
    assert_false(t.rebuilt);
    assert_int_equal(t.read_records, 0);
    an_facts_close(&t);
}

/* In every mode, saving often and only at close: the files equal a
 * rebuild's and the reports agree. */
static void test_writer_equals_rebuild(void **state)
{
    (void)state;
    static const ordo_log_sync_t modes[] = {ORDO_LOG_NONE, ORDO_LOG_SYNC, ORDO_LOG_ASYNC};
    for (int m = 0; m < 3; m++)
        for (int often = 0; often < 2; often++) {
            char *dir = built(200);
            if (often)
                setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "7", 1);
            ordo_facts_writer_t *w;
            ordo_log_t *log =
                open_with_writer(dir, modes[m], 200, 64 << 10, ORDO_LOG_DIRECT_AUTO, &w);
            unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
            append(log, 200, 150, modes[m] == ORDO_LOG_SYNC ? 0 : 5);
            ordo_error_t err;
            FX_CHECK(ordo_log_close(log, &err));
            ordo_facts_writer_stats_t st;
            ordo_facts_writer_stats(w, &st);
            assert_null(st.stopped);
            assert_true(st.records > 150);
            assert_true(often ? st.saves > 10 : st.saves >= 1);
            ordo_facts_writer_close(w);
            same_as_rebuild(dir);
            refresh_reads_nothing(dir);
            same_reports(dir);
            fx_rm_tree(dir);
        }
}

/* A header never covers a record that is not durable: an ASYNC log whose
 * flusher does not run before the child _exits keeps nothing of the
 * child's records, and the facts do not cover them; a NONE log that wrote
 * its records keeps them, and the facts cover at most what was written. */
static void test_crash(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        char *dir = built(150);
        char logdir[4200];
        snprintf(logdir, sizeof logdir, "%s/log", dir);
        ordo_log_verify_report_t rep;
        ordo_error_t err;
        FX_CHECK(ordo_log_verify(logdir, &rep, &err));
        uint64_t before = rep.last_seq;
        setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "5", 1);
        pid_t pid = fork();
        if (pid == 0) {
            /* ASYNC: a flush every minute, 16 MiB pending before one:
             * nothing of the child's is ever durable; NONE: written every
             * 64 KiB, which a process crash keeps */
            ordo_facts_writer_t *w;
            ordo_log_t *log =
                open_with_writer(dir, k ? ORDO_LOG_NONE : ORDO_LOG_ASYNC, k ? 0 : 60000000u,
                                 k ? 64u << 10 : 16u << 20, ORDO_LOG_DIRECT_AUTO, &w);
            append(log, 150, 120, 0);
            _exit(0); /* no close: a crash */
        }
        unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        FX_CHECK(ordo_log_verify(logdir, &rep, &err)); /* the records the log kept */
        assert_true(rep.ok);
        uint64_t rows, seq = covered(dir, &rows);
        assert_true(seq <= rep.last_seq);
        if (!k) {
            assert_int_equal(rep.last_seq, before); /* the child's records were lost */
            assert_int_equal(seq, before);          /* the open's catch-up, no more */
        } else {
            assert_true(rep.last_seq > before + 100);
            assert_true(seq > before + 50); /* saved as the records were written */
        }
        /* accepted as it is (no rebuild), and the reports agree */
        const char *why = NULL;
        ordo_datadir_t dd;
        FX_CHECK(ordo_datadir_init(&dd, dir, &err));
        an_facts_t t;
        FX_CHECK(an_facts_open(dd.facts, dd.log, NULL, false, &t, &err));
        why = t.why;
        an_facts_close(&t);
        assert_null(why);
        same_reports(dir);
        same_as_rebuild(dir);
        fx_rm_tree(dir);
    }
}

/* Another process refreshes the table over and over while the writer
 * appends: the writer stops or goes on, the reports never disagree. With
 * direct I/O a reader of the live segment may meet a block the writer is
 * rewriting (bad record magic, ORDO_ECORRUPT, the log's own race, with or
 * without the facts writer): that refresh fails, it never reports wrong;
 * with buffered writes every refresh succeeds. */
static void test_concurrent_refresh(void **state)
{
    (void)state;
    for (int direct = 0; direct < 2; direct++) {
        char *dir = built(150);
        setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "9", 1);
        ordo_facts_writer_t *w;
        ordo_log_t *log = open_with_writer(dir, ORDO_LOG_NONE, 0, 64 << 10,
                                           direct ? ORDO_LOG_DIRECT_AUTO : ORDO_LOG_DIRECT_OFF, &w);
        unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
        int go[2];
        assert_int_equal(pipe(go), 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(go[1]);
            ordo_datadir_t dd;
            ordo_error_t err;
            FX_CHECK(ordo_datadir_init(&dd, dir, &err));
            char c;
            int fl = fcntl(go[0], F_GETFL);
            fcntl(go[0], F_SETFL, fl | O_NONBLOCK);
            int refreshes = 0;
            while (read(go[0], &c, 1) != 0) { /* until the parent closes the pipe */
                an_facts_t t;
                int rc = an_facts_update(dd.facts, dd.log, NULL, &t, &err);
                if (rc && (!direct || rc != ORDO_ECORRUPT)) {
                    fprintf(stderr, "refresh: %s\n", err.msg);
                    _exit(1);
                }
                refreshes += !rc;
                an_facts_close(&t);
            }
            _exit(refreshes > 0 ? 0 : 2);
        }
        close(go[0]);
        for (int round = 0; round < 6; round++) {
            append(log, 150 + (size_t)round * 40, 40, 3);
            usleep(2000);
        }
        close(go[1]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ordo_error_t err;
        FX_CHECK(ordo_log_close(log, &err));
        ordo_facts_writer_stats_t st;
        ordo_facts_writer_stats(w, &st);
        if (!direct)
            assert_null(st.stopped); /* taken over again after each refresh */
        ordo_facts_writer_close(w);
        same_reports(dir);
        fx_rm_tree(dir);
    }
}

/* The header's catalog fingerprint of dir's decisions file. */
static uint64_t catalog_of(const char *dir)
{
    size_t len;
    char *d = slurp(dir, "decisions", &len);
    assert_non_null(d);
    assert_true(len >= 128);
    uint64_t c;
    memcpy(&c, d + 72, 8);
    free(d);
    return c;
}

/* Refreshes dir's table (an_facts_update; rebuild: an_facts_open asked to
 * rebuild, a new inode), in this process or in a child. True when it
 * wrote another header (rebuilt or covering more). */
static bool refresh(const char *dir, bool child, bool rebuild)
{
    uint64_t before = covered(dir, NULL);
    pid_t pid = child ? fork() : 0;
    if (pid == 0) {
        ordo_datadir_t dd;
        ordo_error_t err;
        FX_CHECK(ordo_datadir_init(&dd, dir, &err));
        an_facts_t t;
        int rc = rebuild ? an_facts_open(dd.facts, dd.log, NULL, true, &t, &err)
                         : an_facts_update(dd.facts, dd.log, NULL, &t, &err);
        an_facts_close(&t);
        if (child)
            _exit(rc ? 1 : 0);
        FX_CHECK(rc);
    } else {
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return rebuild || covered(dir, NULL) != before;
}

/* Another refresh moves the header between the writer's saves (this
 * process, as ordo serve's reports do, or another one; refreshed or
 * rebuilt): the writer takes the table over again and goes on writing;
 * the files equal a rebuild's and a refresh then reads nothing. */
static void test_taken_over(void **state)
{
    (void)state;
    for (int child = 0; child < 2; child++) {
        char *dir = built(120);
        setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "4", 1);
        ordo_facts_writer_t *w;
        ordo_log_t *log =
            open_with_writer(dir, ORDO_LOG_NONE, 0, 64 << 10, ORDO_LOG_DIRECT_AUTO, &w);
        unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
        ordo_error_t err;
        ordo_facts_writer_stats_t st;
        uint64_t saves = 0, moved = 0;
        for (int round = 0; round < 5; round++) {
            append(log, 120 + (size_t)round * 25, 25, 2);
            moved += refresh(dir, child, round == 2);
            ordo_facts_writer_stats(w, &st);
            assert_null(st.stopped);
            assert_true(st.saves > saves); /* it wrote again since the last refresh */
            saves = st.saves;
        }
        append(log, 245, 25, 2);
        FX_CHECK(ordo_log_close(log, &err));
        ordo_facts_writer_stats(w, &st);
        assert_null(st.stopped);
        assert_true(st.saves > saves);
        assert_true(moved >= 1);
        assert_int_equal(st.takeovers, moved); /* once after each refresh that wrote */
        ordo_facts_writer_close(w);
        refresh_reads_nothing(dir);
        same_as_rebuild(dir);
        same_reports(dir);
        fx_rm_tree(dir);
    }
}

/* A rebuild with another catalog (another --network) under the writer: it
 * stops ("catalog") and the table stays that catalog's. */
static void test_other_catalog(void **state)
{
    (void)state;
    ordo_network_t *net;
    ordo_error_t err;
    FX_CHECK(ordo_network_load(ORDO_SOURCE_DIR "/docs/examples/network", ordo_geo_default(), &net,
                               &err));
    uint64_t theirs = an_catalog_fingerprint(net);
    assert_true(theirs != an_catalog_fingerprint(NULL));
    char *dir = built(120);
    setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "4", 1);
    ordo_facts_writer_t *w;
    ordo_log_t *log = open_with_writer(dir, ORDO_LOG_NONE, 0, 64 << 10, ORDO_LOG_DIRECT_AUTO, &w);
    unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
    append(log, 120, 20, 2);
    ordo_datadir_t dd;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    an_facts_t t;
    FX_CHECK(an_facts_open(dd.facts, dd.log, net, true, &t, &err));
    an_facts_close(&t);
    assert_true(catalog_of(dir) == theirs);
    uint64_t rows, seq = covered(dir, &rows);
    append(log, 140, 30, 2);
    FX_CHECK(ordo_log_close(log, &err));
    ordo_facts_writer_stats_t st;
    ordo_facts_writer_stats(w, &st);
    assert_non_null(st.stopped);
    assert_string_equal(st.stopped, "catalog");
    ordo_facts_writer_close(w);
    uint64_t rows2, seq2 = covered(dir, &rows2);
    assert_true(catalog_of(dir) == theirs); /* as that rebuild left it */
    assert_int_equal(seq2, seq);
    assert_int_equal(rows2, rows);
    /* a writer opened on that table leaves it alone: no rebuild at its open */
    ordo_facts_writer_t *w2;
    FX_CHECK(ordo_facts_writer_open(dir, NULL, &w2, &err));
    ordo_facts_writer_stats(w2, &st);
    assert_non_null(st.stopped);
    assert_string_equal(st.stopped, "catalog");
    ordo_facts_writer_close(w2);
    assert_true(catalog_of(dir) == theirs);
    assert_int_equal(covered(dir, &rows2), seq);
    assert_int_equal(rows2, rows);
    FX_CHECK(an_facts_update(dd.facts, dd.log, net, &t, &err));
    assert_false(t.rebuilt);
    assert_true(t.read_records >= 30);
    an_facts_close(&t);
    same_reports(dir);
    ordo_network_destroy(net);
    fx_rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_equals_rebuild), cmocka_unit_test(test_crash),
        cmocka_unit_test(test_concurrent_refresh),    cmocka_unit_test(test_taken_over),
        cmocka_unit_test(test_other_catalog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
