/* SPDX-License-Identifier: Apache-2.0 */
/* The facts' check fused into the join (src/analyze/facts_io.c
 * an_facts_open_fused, join.c read_facts; ANALYZE.md "End to end"): a row
 * damaged in an early block, in the last complete block or in the partial
 * block is found by the join's check, the table is rebuilt from the log as
 * an open that finds it damaged rebuilds it, and the report is the one of
 * the undamaged table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "analyze_fixture.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "../../src/analyze/internal.h"

enum { HDR = 128, BR = AN_FACTS_BLOCK_ROWS };

typedef struct fixture {
    char *dir;
    char decisions[4300];
    char *report;  /* of the undamaged table */
    char *bytes;   /* the undamaged decisions file */
    size_t len, n; /* its length, its rows */
} fixture_t;

static char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(ordo_read_file(path, &data, len, NULL), ORDO_OK);
    return data;
}

/* 9,000 orders with shadows: more than three blocks of rows and a partial one. */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 9000;
    fx_build(f->dir, &spec, NULL, false);
    f->report = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO); /* builds DIR/facts */
    snprintf(f->decisions, sizeof f->decisions, "%s/facts/decisions", f->dir);
    f->bytes = read_all(f->decisions, &f->len);
    f->n = (f->len - HDR) / sizeof(an_fact_t);
    assert_int_equal(HDR + f->n * sizeof(an_fact_t), f->len);
    assert_true(f->n > 3 * BR && f->n % BR);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    free(f->report);
    free(f->bytes);
    fx_rm_tree(f->dir);
    free(f);
    return 0;
}

/* Flips a bit of the planned cost of the first decision (not a shadow) at
 * or after row r: an exponent bit, so the value, hence the report, changes
 * if the row is read unchecked. The row's index. */
static size_t damage_row(const fixture_t *f, size_t r)
{
    const an_fact_t *rows = (const an_fact_t *)(const void *)(f->bytes + HDR);
    while (rows[r].flags & AN_F_SHADOW)
        r++;
    off_t at = (off_t)(HDR + r * sizeof(an_fact_t) + offsetof(an_fact_t, dv) +
                       AN_DV_COST * sizeof(double) + 6);
    int fd = open(f->decisions, O_RDWR);
    assert_true(fd >= 0);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x10;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    return r;
}

/* The fused open of the damaged table leaves the rows unchecked; the
 * check, a block at a time, finds the damage only after the last block;
 * the rebuild is reported as an open's ("checksum"). */
static void check_found_late(const fixture_t *f, size_t row)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    assert_int_equal(ordo_datadir_init(&dd, f->dir, &err), ORDO_OK);
    an_facts_t t;
    assert_int_equal(an_facts_open_fused(dd.facts, dd.log, NULL, &t, &err), ORDO_OK);
    assert_false(t.rebuilt);
    assert_true(t.unchecked);
    size_t steps = 0;
    while (t.unchecked && an_facts_check_next(&t))
        steps++;
    /* every complete block hashed, then the partial one compared */
    assert_int_equal(steps, f->n / BR);
    assert_true(t.damaged);
    assert_false(an_facts_check_rest(&t));
    (void)row;
    assert_int_equal(an_facts_rebuild(&t, dd.facts, dd.log, NULL, &err), ORDO_OK);
    assert_true(t.rebuilt);
    assert_string_equal(t.why, "checksum");
    assert_false(t.unchecked || t.damaged);
    assert_int_equal(an_facts_count(&t), f->n);
    an_facts_close(&t);
}

/* Damage at row r: the analysis gives the undamaged table's report and
 * leaves the table rebuilt (the file as the log builds it); again with
 * the fused open, then checked as above. */
static void damaged_at(void **state, size_t r)
{
    fixture_t *f = *state;
    size_t row = damage_row(f, r);
    char *rep = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(rep, f->report);
    free(rep);
    size_t len;
    char *now = read_all(f->decisions, &len);
    assert_int_equal(len, f->len);
    assert_memory_equal(now, f->bytes, len); /* rebuilt from the log */
    free(now);

    damage_row(f, row);
    check_found_late(f, row); /* rebuilt, saved */
    now = read_all(f->decisions, &len);
    assert_memory_equal(now, f->bytes, len);
    free(now);
    rep = fx_report_json(f->dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(rep, f->report);
    free(rep);
}

static void test_early_block(void **state)
{
    damaged_at(state, 5);
}

static void test_last_complete_block(void **state)
{
    fixture_t *f = *state;
    damaged_at(state, (f->n / BR - 1) * BR + 100);
}

static void test_partial_block(void **state)
{
    fixture_t *f = *state;
    damaged_at(state, f->n / BR * BR + 10);
}

/* New decisions in the log after a damaged table opened unchecked: the
 * saved rows are checked before the new ones are saved after them (a
 * save's sums go on from theirs), and the table is rebuilt. Last: it
 * leaves the log longer. */
static void test_refresh_checks_before_saving(void **state)
{
    fixture_t *f = *state;
    damage_row(f, 5);
    ordo_error_t err;
    ordo_datadir_t dd;
    assert_int_equal(ordo_datadir_init(&dd, f->dir, &err), ORDO_OK);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(dd.log, &lo, &log, NULL, &err));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    fx_order_t o;
    fx_order_appended(20000, &o);
    fx_decision_json(&b, &o, "O-020000", "exp-fx", "control", "cv", 9.5, true);
    FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, "O-020000", 8, o.ts * 1000000000LL, b.data,
                             b.len, NULL, &err));
    ordo_buf_free(&b);
    FX_CHECK(ordo_log_close(log, &err));
    an_facts_t t;
    assert_int_equal(an_facts_open_fused(dd.facts, dd.log, NULL, &t, &err), ORDO_OK);
    assert_true(t.rebuilt);
    assert_string_equal(t.why, "checksum");
    assert_false(t.unchecked || t.damaged);
    assert_int_equal(an_facts_count(&t), f->n + 1);
    an_facts_close(&t);
    /* saved whole and sound: the next open checks it up front */
    assert_int_equal(an_facts_open(dd.facts, dd.log, NULL, false, &t, &err), ORDO_OK);
    assert_false(t.rebuilt);
    assert_int_equal(an_facts_count(&t), f->n + 1);
    an_facts_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_early_block),
        cmocka_unit_test(test_last_complete_block),
        cmocka_unit_test(test_partial_block),
        cmocka_unit_test(test_refresh_checks_before_saving),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
