/* SPDX-License-Identifier: Apache-2.0 */
/* The facts table's census (src/analyze/facts_io.c an_facts_census, join.c
 * scan_census and read_facts; ANALYZE.md "The experiment's census"): it
 * equals a count of the rows made here after appends, refreshes and
 * rebuilds; a census whose counts are wrong is found by the join and the
 * report is the sound table's; a table saved without one picks the same
 * experiment and gets one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "analyze_fixture.h"
#include "ordo/analyze.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "../../src/analyze/internal.h"

enum { CENSUS_HDR = 40, CENSUS_SUM = 32 };

typedef struct fixture {
    char *dir;
    char census[4300];
    ordo_datadir_t dd;
    size_t appended; /* orders appended to the log so far */
} fixture_t;

/* n decisions of experiment exp (variants "a", "b"; every third without
 * an experiment) appended to the log. */
static void append_to(fixture_t *f, ordo_log_t *log, const char *exp, size_t n)
{
    ordo_error_t err;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    for (size_t i = 0; i < n; i++) {
        fx_order_t o;
        size_t k = 20000 + f->appended++;
        fx_order_appended(k, &o);
        char oid[32];
        snprintf(oid, sizeof oid, "O-%06zu", k);
        fx_decision_json(&b, &o, oid, exp, i % 2 ? "b" : "a", "cv", 9.5, i % 3 != 2);
        FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, oid, strlen(oid), o.ts * 1000000000LL,
                                 b.data, b.len, NULL, &err));
    }
    ordo_buf_free(&b);
}

static void append(fixture_t *f, const char *exp, size_t n)
{
    ordo_error_t err;
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(f->dd.log, &lo, &log, NULL, &err));
    append_to(f, log, exp, n);
    FX_CHECK(ordo_log_close(log, &err));
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 5000;
    fx_build(f->dir, &spec, NULL, false);
    ordo_error_t err;
    assert_int_equal(ordo_datadir_init(&f->dd, f->dir, &err), ORDO_OK);
    append(f, "exp-b", 300); /* a second experiment, not registered */
    snprintf(f->census, sizeof f->census, "%s/facts/census", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    fx_rm_tree(f->dir);
    free(f);
    return 0;
}

/* The census as this test counts it: every non-shadow row with a
 * byte-scanned experiment, by (experiment, variant or none), in the order
 * of each pair's first row. */
static void count_rows(const an_facts_t *t, an_census_pair_t *pairs, size_t *n)
{
    *n = 0;
    for (size_t r = 0; r < an_facts_count(t); r++) {
        const an_fact_t *x = an_facts_row(t, r);
        if ((x->flags & AN_F_SHADOW) || !(x->flags & AN_F_SCAN_EXP))
            continue;
        uint32_t var = (x->flags & AN_F_SCAN_VAR) ? x->scan_var : AN_ID_NONE;
        size_t i = 0;
        while (i < *n && (pairs[i].exp != x->scan_exp || pairs[i].var != var))
            i++;
        if (i == *n) {
            assert_true(*n < 64);
            pairs[(*n)++] = (an_census_pair_t){.exp = x->scan_exp, .var = var};
        }
        pairs[i].n++;
    }
}

/* The table as an open that checks every row reads it: its census, read
 * from DIR/facts/census, equals the rows' count. */
static void census_is_count(fixture_t *f, size_t want_rows)
{
    ordo_error_t err;
    an_facts_t t;
    assert_int_equal(an_facts_open(f->dd.facts, f->dd.log, NULL, false, &t, &err), ORDO_OK);
    assert_false(t.rebuilt);
    assert_int_equal(an_facts_count(&t), want_rows);
    assert_true(t.census_saved);
    assert_int_equal(t.census.rows, an_facts_count(&t));
    an_census_pair_t pairs[64];
    size_t n;
    count_rows(&t, pairs, &n);
    assert_true(n >= 4); /* exp-fx × 2 variants, exp-b × 2 (and rows without one) */
    assert_int_equal(t.census.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t.census.pairs[i].exp, pairs[i].exp);
        assert_int_equal(t.census.pairs[i].var, pairs[i].var);
        assert_int_equal(t.census.pairs[i].n, pairs[i].n);
    }
    an_facts_close(&t);
}

static size_t rows_now(const fixture_t *f)
{
    struct stat st;
    char path[4300];
    snprintf(path, sizeof path, "%s/facts/decisions", f->dir);
    assert_int_equal(stat(path, &st), 0);
    return ((size_t)st.st_size - 128) / sizeof(an_fact_t);
}

/* After the analysis that builds the table, after appends read by a
 * refresh (--facts update), by an analysis, and after a rebuild. */
static void test_census_follows_rows(void **state)
{
    fixture_t *f = *state;
    char *rep = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    free(rep);
    census_is_count(f, rows_now(f));
    size_t before = rows_now(f);

    append(f, "exp-c", 7);
    append(f, "exp-b", 5);
    ordo_error_t err;
    an_facts_t t;
    assert_int_equal(an_facts_update(f->dd.facts, f->dd.log, NULL, &t, &err), ORDO_OK);
    assert_false(t.rebuilt);
    an_facts_close(&t);
    assert_int_equal(rows_now(f), before + 12);
    census_is_count(f, before + 12);

    append(f, "exp-fx", 9);
    rep = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    free(rep);
    census_is_count(f, before + 21);

    assert_int_equal(an_facts_open(f->dd.facts, f->dd.log, NULL, false, &t, &err), ORDO_OK);
    assert_int_equal(an_facts_rebuild(&t, f->dd.facts, f->dd.log, NULL, &err), ORDO_OK);
    an_facts_close(&t);
    census_is_count(f, before + 21);

    /* the log's facts writer, saving every 7 durable rows */
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_SYNC;
    ordo_log_t *log;
    ordo_facts_writer_t *w;
    FX_CHECK(ordo_log_open(f->dd.log, &lo, &log, NULL, &err));
    setenv("ORDO_FACTS_WRITER_SAVE_ROWS", "7", 1);
    FX_CHECK(ordo_facts_writer_open(f->dir, NULL, &w, &err));
    unsetenv("ORDO_FACTS_WRITER_SAVE_ROWS");
    ordo_facts_writer_attach(w, log);
    append_to(f, log, "exp-d", 40);
    append_to(f, log, "exp-b", 30);
    FX_CHECK(ordo_log_close(log, &err));
    ordo_facts_writer_stats_t st;
    ordo_facts_writer_stats(w, &st);
    assert_null(st.stopped);
    assert_true(st.saves > 3);
    ordo_facts_writer_close(w);
    census_is_count(f, before + 91);
}

/* Pair k's count in the census file set to v, and the file's XXH3 made
 * again (the file whole: only the join can find the count wrong). */
static void census_set(const fixture_t *f, size_t k, uint64_t v)
{
    size_t len;
    char *data = NULL;
    assert_int_equal(ordo_read_file(f->census, &data, &len, NULL), ORDO_OK);
    assert_true(len >= CENSUS_HDR + (k + 1) * sizeof(an_census_pair_t));
    memcpy(data + CENSUS_HDR + k * sizeof(an_census_pair_t) + offsetof(an_census_pair_t, n), &v,
           sizeof v);
    uint64_t sum =
        XXH3_64bits_withSeed(data + CENSUS_HDR, len - CENSUS_HDR, XXH3_64bits(data, CENSUS_SUM));
    memcpy(data + CENSUS_SUM, &sum, sizeof sum);
    int fd = open(f->census, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    free(data);
}

/* A census whose counts are wrong but whose file is whole: the pick
 * believes it (exp-b made the larger: the other experiment would be
 * analysed), the join's recount finds it, the table is rebuilt and the
 * report is the sound table's; so is the census. Then one count one off. */
static void test_wrong_census_rebuilt(void **state)
{
    fixture_t *f = *state;
    /* the record path's: the experiments counted from the log's records */
    char *want = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_OFF);
    an_census_pair_t pairs[64];
    size_t n;
    {
        ordo_error_t err;
        an_facts_t t;
        assert_int_equal(an_facts_open(f->dd.facts, f->dd.log, NULL, false, &t, &err), ORDO_OK);
        count_rows(&t, pairs, &n);
        an_facts_close(&t);
    }
    /* exp-fx's first pair down to 1, exp-b's first pair up by the rest:
     * the counts' total stays within the rows (the file is taken) */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += pairs[i].n;
    assert_true(n >= 4 && pairs[0].n > 1);
    assert_true(pairs[0].exp == pairs[1].exp && pairs[2].exp != pairs[0].exp); /* exp-b's */
    census_set(f, 0, 1);
    census_set(f, 2, pairs[2].n + pairs[0].n - 1 + (rows_now(f) - total));
    char *got = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(got, want);
    free(got);
    census_is_count(f, rows_now(f));
    /* and a count one off */
    census_set(f, 0, pairs[0].n + 1);
    got = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(got, want);
    free(got);
    census_is_count(f, rows_now(f));
    free(want);
}

/* A table saved without a census (or with one whose XXH3 fails, or a
 * torn one): the pick counts the rows, picks what it did, the report is
 * the same, and the census is saved after the join. */
static void test_table_without_census(void **state)
{
    fixture_t *f = *state;
    /* the record path's: the experiments counted from the log's records */
    char *want = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_OFF);
    assert_int_equal(unlink(f->census), 0);
    char *got = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(got, want);
    free(got);
    census_is_count(f, rows_now(f));
    int fd = open(f->census, O_WRONLY); /* a count's byte flipped, the XXH3 left */
    assert_true(fd >= 0);
    unsigned char x = 0x5a;
    assert_int_equal(pwrite(fd, &x, 1, CENSUS_HDR + offsetof(an_census_pair_t, n)), 1);
    close(fd);
    got = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(got, want);
    free(got);
    census_is_count(f, rows_now(f));
    assert_int_equal(truncate(f->census, CENSUS_HDR + 3), 0); /* torn */
    got = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(got, want);
    free(got);
    census_is_count(f, rows_now(f));
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_census_follows_rows),
        cmocka_unit_test(test_wrong_census_rebuilt),
        cmocka_unit_test(test_table_without_census),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
