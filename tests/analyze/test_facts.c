/* SPDX-License-Identifier: Apache-2.0 */
/* The facts table (src/analyze/facts*.c): the report from DIR/facts is the
 * record path's report byte for byte — after the first build, when reused,
 * after an incremental refresh with new decisions and outcomes, and after
 * every kind of damage (torn rows, flipped bits, a torn header, a replaced
 * log, another catalog), which must be detected and rebuilt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "analyze_fixture.h"
#include "ordo/cbor.h"
#include "ordo/datadir.h"
#include "ordo/log.h"
#include "ordo/network.h"
#include "ordo/record.h"
#include "ordo/geo.h"
#include "../../src/analyze/internal.h"

/* The JSON report of dir (caller frees). */
static char *report(const char *dir, ordo_analyze_facts_t mode)
{
    return fx_report_json(dir, mode);
}

/* Both paths, compared byte for byte. */
static void same_report(const char *dir)
{
    char *rec = report(dir, ORDO_ANALYZE_FACTS_OFF);
    char *fac = report(dir, ORDO_ANALYZE_FACTS_AUTO);
    if (strcmp(rec, fac)) {
        size_t i = 0;
        while (rec[i] == fac[i])
            i++;
        fprintf(stderr, "reports differ at byte %zu:\nrecords: %.200s\nfacts:   %.200s\n", i,
                rec + (i > 80 ? i - 80 : 0), fac + (i > 80 ? i - 80 : 0));
    }
    assert_string_equal(rec, fac);
    /* the data were analysed: both arms have orders */
    cJSON *root = cJSON_Parse(rec);
    cJSON *vars = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "data"), "variants");
    assert_int_equal(cJSON_GetArraySize(vars), 2);
    for (int v = 0; v < 2; v++)
        assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(vars, v), "orders")->valuedouble > 20);
    cJSON_Delete(root);
    free(rec);
    free(fac);
}

/* Opens the facts of dir as analyze does; *why and read records out. */
static bool open_facts(const char *dir, const char **why, uint64_t *read)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    assert_int_equal(ordo_datadir_init(&dd, dir, &err), ORDO_OK);
    an_facts_t t;
    assert_int_equal(an_facts_open(dd.facts, dd.log, NULL, false, &t, &err), ORDO_OK);
    bool rebuilt = t.rebuilt;
    *why = t.why;
    *read = t.read_records;
    an_facts_close(&t);
    return rebuilt;
}

/* Opens the outcome facts of dir as analyze does: were they read again? */
/* Opens dir's outcome facts as an analysis does (update: as a refresh
 * alone, --facts update) into *oc; was the file read again from the store? */
static bool outcomes_open(const char *dir, bool update, an_outcomes_t *oc)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    bool rebuilt;
    if (update)
        FX_CHECK(an_ofacts_update(dd.facts, dd.db, store, oc, &rebuilt, &err));
    else
        FX_CHECK(an_ofacts_open(dd.facts, dd.db, store, false, oc, &rebuilt, &err));
    ordo_store_close(store, NULL);
    return rebuilt;
}

static bool outcomes_rebuilt(const char *dir)
{
    an_outcomes_t oc;
    bool rebuilt = outcomes_open(dir, false, &oc);
    an_outcomes_free(&oc);
    return rebuilt;
}

/* Appends n more orders of exp-fx (from index first; shadows before the
 * decision for every fifth), decisions of another experiment and of none,
 * an unreadable decision, a meta record, and their outcomes. */
static uint64_t append_orders(const char *dir, size_t first, size_t n, bool with_outcomes,
                              size_t customers)
{
    ordo_error_t err;
    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    uint64_t records = 0;
    for (size_t i = first; i < first + n; i++) {
        fx_order_t o;
        fx_order_appended(i, &o);
        double cc = 8 + (double)(i % 17) * 0.25;
        double planned = o.variant ? cc - 0.7 + 0.01 * (double)(i % 5) : cc;
        char oid[32];
        snprintf(oid, sizeof oid, "O-%06zu", i);
        bool early = o.variant && i % 5 == 0;
        if (early) {
            fx_decision_json(&b, &o, oid, "exp-fx", NULL, "cv", cc, false);
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o.ts * 1000000000LL, b.data, b.len, NULL, &err));
            records++;
        }
        const char *exp = i % 11 == 3 ? "exp-other" : "exp-fx";
        if (customers)
            o.variant = (int)((i % customers) % 2);
        fx_decision_json(&b, &o, oid, exp, o.variant ? "treatment" : "control",
                         o.variant ? "tv" : "cv", planned, i % 13 != 4);
        if (customers && i % 29 != 5) { /* the unit as assignment chose it */
            char unit[64];
            int k = snprintf(unit, sizeof unit, "{\"unit\":\"C%03zu\",", i % customers);
            ordo_buf_t u;
            ordo_buf_init(&u, NULL);
            ordo_buf_append(&u, unit, (size_t)k);
            ordo_buf_append(&u, b.data + 1, b.len - 1);
            ordo_buf_reset(&b);
            ordo_buf_append(&b, u.data, u.len);
            ordo_buf_free(&u);
        }
        FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, oid, strlen(oid),
                                 o.ts * 1000000000LL, b.data, b.len, NULL, &err));
        records++;
        if (o.variant && !early) {
            fx_decision_json(&b, &o, oid, "exp-fx", NULL, "cv", cc, false);
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o.ts * 1000000000LL, b.data, b.len, NULL, &err));
            records++;
        }
        if (i % 37 == 0) {
            static const char bad[] = "{\"experiment\": \"exp-fx\", \"order_id\": \"X\", oops";
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, "X", 1, o.ts * 1000000000LL,
                                     bad, sizeof bad - 1, NULL, &err));
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_META, "m", 1, o.ts * 1000000000LL, "{}", 2,
                                     NULL, &err));
            records += 2;
        }
        if (!with_outcomes || i % 9 == 2)
            continue;
        ordo_outcome_event_t ev[2];
        memset(ev, 0, sizeof ev);
        snprintf(ev[0].event_id, sizeof ev[0].event_id, "%s-s", oid);
        snprintf(ev[0].order_id, sizeof ev[0].order_id, "%s", oid);
        ev[0].type = ORDO_OUTCOME_SHIPPED;
        ev[0].at = o.ts + 3600 + (int64_t)(i % 7) * 600;
        ev[0].cost[ORDO_COST_SHIP] = planned - 1 + 0.1 * (double)(i % 3);
        ev[0].cost_mask = 1u << ORDO_COST_SHIP;
        ev[1] = ev[0];
        snprintf(ev[1].event_id, sizeof ev[1].event_id, "%s-d", oid);
        ev[1].type = ORDO_OUTCOME_DELIVERED;
        ev[1].at = o.ts + 86400 * (1 + (int64_t)(i % 5));
        ev[1].cost_mask = 0;
        ev[1].cost[ORDO_COST_SHIP] = 0;
        FX_CHECK(ordo_store_outcomes_put_batch(store, ev, 2, NULL, &err));
    }
    ordo_buf_free(&b);
    FX_CHECK(ordo_log_close(log, &err));
    FX_CHECK(ordo_store_close(store, &err));
    return records;
}

/* A directory of 200 orders built, 100 more appended to its log, and
 * analysed once: the facts and the outcome facts saved. */
static char *built_with_appended(void)
{
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 200;
    fx_build(dir, &spec, NULL, false);
    append_orders(dir, 200, 100, true, 0);
    same_report(dir);
    return dir;
}

static char *facts_file(const char *dir, const char *name)
{
    char *p = malloc(4200);
    snprintf(p, 4200, "%s/facts/%s", dir, name);
    return p;
}

static void damage(const char *path, off_t at, bool truncate_there)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    if (truncate_there) {
        assert_int_equal(ftruncate(fd, at), 0);
    } else {
        unsigned char c;
        assert_int_equal(pread(fd, &c, 1, at), 1);
        c ^= 0x10;
        assert_int_equal(pwrite(fd, &c, 1, at), 1);
    }
    close(fd);
}

static void test_same_report_and_refresh(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 300;
    fx_build(dir, &spec, NULL, true);
    append_orders(dir, 300, 200, true, 0);
    same_report(dir); /* the facts path builds DIR/facts here */
    const char *why;
    uint64_t read;
    assert_false(open_facts(dir, &why, &read));
    assert_int_equal(read, 0);
    same_report(dir); /* ... and reuses it here */

    /* new decisions and outcomes: only they are read */
    uint64_t added = append_orders(dir, 500, 150, true, 0);
    assert_false(open_facts(dir, &why, &read));
    assert_int_equal(read, added);
    append_orders(dir, 650, 40, false, 0);
    same_report(dir);
    fx_rm_tree(dir);
}

static void test_damage_is_rebuilt(void **state)
{
    (void)state;
    char *dir = built_with_appended();
    char *dec = facts_file(dir, "decisions"), *str = facts_file(dir, "strings"),
         *out = facts_file(dir, "outcomes");
    struct stat st;
    assert_int_equal(stat(dec, &st), 0);
    const char *why;
    uint64_t read;

    damage(dec, st.st_size - 100, true); /* a torn tail */
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "torn rows");
    damage(dec, 128 + 272 * 7 + 40, false); /* a flipped bit in a row */
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "checksum");
    damage(dec, 20, false); /* the header */
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "torn header");
    damage(str, 40, false); /* the strings */
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "torn strings");
    assert_false(open_facts(dir, &why, &read));
    damage(out, 128 + 10, false); /* the outcome facts: read again from the store */
    assert_true(outcomes_rebuilt(dir));
    assert_false(outcomes_rebuilt(dir));
    damage(out, 30, false); /* ... their header */
    assert_true(outcomes_rebuilt(dir));
    same_report(dir);
    unlink(dec); /* missing */
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "missing");
    same_report(dir);

    /* a different log under the same facts: stale */
    char *dir2 = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 200;
    spec.seed = 99;
    fx_build(dir2, &spec, NULL, false);
    append_orders(dir2, 200, 30, true, 0);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/facts' && cp -r '%s/facts' '%s/facts'", dir2, dir, dir2);
    assert_int_equal(system(cmd), 0);
    assert_true(open_facts(dir2, &why, &read));
    assert_string_equal(why, "stale");
    same_report(dir2);
    free(dec);
    free(str);
    free(out);
    fx_rm_tree(dir2);
    fx_rm_tree(dir);
}

/* The outcome facts' header fields the tests below rewrite (ofacts_io.c). */
enum {
    OH_VERSION = 8,
    OH_N = 16,
    OH_SLOTS = 24,
    OH_BODY_SUM = 40,
    OH_HDR_SUM = 120,
    OH_BODY = 128
};
/* the rows start after the slots and a 32-bit checksum per 16 slots (per
 * group of 16 rows), 16 checksums at least */
#define OH_SUMS(slots) ((size_t)(slots) / 16 < 16 ? 16 : (size_t)(slots) / 16)
#define OH_ROWS(slots) (OH_BODY + (size_t)(slots) * sizeof(an_oslot_t) + OH_SUMS(slots) * 4)
#define OH_ROWS_V6(slots) (OH_BODY + (size_t)(slots) * (sizeof(an_oslot_t) + 4))

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return p;
}

static void spill_file(const char *path, const void *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static uint32_t outcomes_version(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    uint32_t v;
    memcpy(&v, b + OH_VERSION, sizeof v);
    free(b);
    return v;
}

/* A current outcome facts file rewritten in an older version's layout
 * (slots of 4 bytes for version 4; no rows' checksums for 4 and 5, a
 * 32-bit one per slot for 6), sealed as that version sealed it (4 and 5:
 * one XXH3 over the slots and rows; 6: the header's alone, its row sums
 * left as the current ones). */
static unsigned char *old_layout(const unsigned char *cur, uint32_t version, size_t *out_len)
{
    uint64_t n, slots;
    memcpy(&n, cur + OH_N, sizeof n);
    memcpy(&slots, cur + OH_SLOTS, sizeof slots);
    size_t slot_size = version == 4 ? 4 : sizeof(an_oslot_t);
    size_t row_sums = version == 6 ? slots * 4 : 0;
    size_t len = OH_BODY + slots * slot_size + row_sums + n * sizeof(an_outcome_t);
    unsigned char *old = calloc(1, len);
    memcpy(old, cur, OH_BODY);
    const an_oslot_t *sl = (const an_oslot_t *)(cur + OH_BODY);
    for (uint64_t i = 0; i < slots; i++)
        memcpy(old + OH_BODY + i * slot_size, version == 4 ? (const void *)&sl[i].at : &sl[i],
               slot_size);
    memcpy(old + OH_BODY + slots * slot_size + row_sums, cur + OH_ROWS(slots),
           n * sizeof(an_outcome_t));
    memcpy(old + OH_VERSION, &version, sizeof version);
    uint64_t sum = XXH3_64bits(old + OH_BODY, len - OH_BODY);
    if (version < 6)
        memcpy(old + OH_BODY_SUM, &sum, sizeof sum);
    sum = XXH3_64bits(old, OH_HDR_SUM);
    memcpy(old + OH_HDR_SUM, &sum, sizeof sum);
    *out_len = len;
    return old;
}

/* Outcome facts of the versions before this one's checksums (6: one per
 * row; 5: one checksum of the whole body) and before the slots' tags (4: a
 * slot was the row's index + 1 alone), sealed as those versions wrote
 * them: rebuilt from the store, never read with this version's layout; so
 * is a version-6 header sealed over this version's layout. */
static void test_old_outcomes_version_is_rebuilt(void **state)
{
    (void)state;
    char *dir = built_with_appended();
    char *out = facts_file(dir, "outcomes");
    assert_false(outcomes_rebuilt(dir));
    size_t len;
    unsigned char *cur = (unsigned char *)slurp(out, &len);
    uint32_t version;
    uint64_t n, slots;
    memcpy(&version, cur + OH_VERSION, sizeof version);
    memcpy(&n, cur + OH_N, sizeof n);
    memcpy(&slots, cur + OH_SLOTS, sizeof slots);
    assert_int_equal(version, 7);
    assert_true(n > 100 && len == OH_ROWS(slots) + n * sizeof(an_outcome_t));

    for (uint32_t v = 4; v <= 6; v++) {
        size_t old_len;
        unsigned char *old = old_layout(cur, v, &old_len);
        spill_file(out, old, old_len);
        assert_true(outcomes_rebuilt(dir));
        assert_int_equal(outcomes_version(out), 7);
        assert_false(outcomes_rebuilt(dir));
        same_report(dir);
        free(old);
    }

    /* this version's bytes under a version-6 header, sealed: refused (by
     * the version, and by the length version 6 gives) */
    uint32_t v6 = 6;
    memcpy(cur + OH_VERSION, &v6, sizeof v6);
    uint64_t sum = XXH3_64bits(cur, OH_HDR_SUM);
    memcpy(cur + OH_HDR_SUM, &sum, sizeof sum);
    spill_file(out, cur, len);
    assert_true(outcomes_rebuilt(dir));
    assert_int_equal(outcomes_version(out), 7);
    same_report(dir);
    free(cur);
    free(out);
    fx_rm_tree(dir);
}

static void late_events(const char *dir, size_t first, size_t n);

/* The outcome facts' row of order O-<i> (-1 none), as saved now. */
static long outcome_row_of(const char *dir, size_t i)
{
    char oid[32];
    snprintf(oid, sizeof oid, "O-%06zu", i);
    uint64_t h[2];
    an_hash128(oid, strlen(oid), h);
    an_outcomes_t oc;
    outcomes_open(dir, false, &oc);
    long at = an_outcomes_find(&oc, h);
    an_outcomes_free(&oc);
    return at;
}

/* A refresh without analysis (--facts update) of dir's outcome facts:
 * were they read again? */
static bool outcomes_updated_rebuilt(const char *dir)
{
    an_outcomes_t oc;
    bool rebuilt = outcomes_open(dir, true, &oc);
    an_outcomes_free(&oc);
    return rebuilt;
}

static uint64_t outcomes_u64(const char *path, size_t at)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    uint64_t v;
    memcpy(&v, b + at, sizeof v);
    free(b);
    return v;
}

/* The outcome facts' checksums (version 7: one per group of 16 rows): a
 * refresh that does not analyse checks only the groups it changes, so a
 * flipped bit in a row it changes is caught by the refresh; one in a row
 * or slot it leaves alone, or in a group's checksum, is caught by the
 * next analysis (which checks
 * every row and slot), even after refreshes moved the header's sums. */
static void test_outcome_checksums(void **state)
{
    (void)state;
    char *dir = built_with_appended();
    char *out = facts_file(dir, "outcomes");
    uint64_t slots = outcomes_u64(out, OH_SLOTS);
    size_t row = sizeof(an_outcome_t);

    /* a row the refresh changes (a late return): the refresh reads again */
    long at = outcome_row_of(dir, 250);
    assert_true(at >= 0);
    damage(out, (off_t)(OH_ROWS(slots) + (size_t)at * row + 8), false); /* delivered_at */
    late_events(dir, 250, 1);
    assert_true(outcomes_updated_rebuilt(dir));
    assert_false(outcomes_rebuilt(dir));
    same_report(dir);

    /* a row it leaves alone: the refresh applies new orders and late
     * events of others; the analysis then reads again */
    slots = outcomes_u64(out, OH_SLOTS);
    at = outcome_row_of(dir, 260);
    assert_true(at >= 0);
    damage(out, (off_t)(OH_ROWS(slots) + (size_t)at * row + 40), false);
    late_events(dir, 270, 3);
    append_orders(dir, 300, 10, true, 0);
    assert_false(outcomes_updated_rebuilt(dir));
    assert_true(outcomes_rebuilt(dir));
    assert_false(outcomes_rebuilt(dir));
    same_report(dir);

    /* a used slot, and an empty one, left alone by a refresh */
    for (int used = 1; used >= 0; used--) {
        slots = outcomes_u64(out, OH_SLOTS);
        size_t len;
        unsigned char *b = (unsigned char *)slurp(out, &len);
        const an_oslot_t *sl = (const an_oslot_t *)(b + OH_BODY);
        uint64_t s = 0;
        while (s < slots && (sl[s].at != 0) != used)
            s++;
        assert_true(s < slots);
        free(b);
        damage(out, (off_t)(OH_BODY + s * sizeof(an_oslot_t) + 5), false); /* its tag */
        late_events(dir, 280 + (size_t)used, 1);
        assert_false(outcomes_updated_rebuilt(dir));
        assert_true(outcomes_rebuilt(dir));
        same_report(dir);
    }

    /* a group's checksum (the second group's: rows 16 to 31) */
    slots = outcomes_u64(out, OH_SLOTS);
    damage(out, (off_t)(OH_BODY + slots * sizeof(an_oslot_t) + 4 * 1 + 1), false);
    assert_true(outcomes_rebuilt(dir));
    same_report(dir);

    /* the header's sums, moved by refreshes, still match a full check */
    late_events(dir, 290, 5);
    append_orders(dir, 310, 20, true, 0);
    assert_false(outcomes_updated_rebuilt(dir));
    assert_false(outcomes_rebuilt(dir));
    same_report(dir);

    /* a crash in a refresh: rows rewritten in place under the header of
     * before (its stale mark lost) is caught by the analysis; a header
     * left marked stale, by the refresh */
    size_t len;
    unsigned char *before = (unsigned char *)slurp(out, &len);
    late_events(dir, 320, 4); /* old orders only: the file keeps its length */
    assert_false(outcomes_updated_rebuilt(dir));
    size_t len_after;
    unsigned char *after = (unsigned char *)slurp(out, &len_after);
    assert_int_equal(len_after, len);
    assert_memory_not_equal(before + OH_BODY, after + OH_BODY, len - OH_BODY);
    memcpy(after, before, OH_BODY);
    spill_file(out, after, len);
    assert_true(outcomes_rebuilt(dir));
    same_report(dir);
    free(before);
    free(after);
    late_events(dir, 330, 2);
    damage(out, OH_HDR_SUM + 3, false); /* as apply_in_place marks it */
    assert_true(outcomes_updated_rebuilt(dir));
    same_report(dir);
    free(out);
    fx_rm_tree(dir);
}

/* Damaged outcome facts before an analysis: a bit of an order id flipped
 * in the first row, a middle one and the last (in a partial group), then
 * in a used slot's tag (each would lose the order's outcome): the analysis
 * finds it, reads the outcome facts again from the store (the file is
 * again the undamaged one, byte for byte) and reports what the records
 * give; an open finds it again when the damage is made again. */
static void test_outcome_rows_damaged(void **state)
{
    (void)state;
    char *dir = built_with_appended(); /* the outcome facts built from the store, whole */
    char *out = facts_file(dir, "outcomes");
    size_t len;
    unsigned char *good = (unsigned char *)slurp(out, &len);
    uint64_t n, slots;
    memcpy(&n, good + OH_N, sizeof n);
    memcpy(&slots, good + OH_SLOTS, sizeof slots);
    assert_true(n > 100 && n % 16 != 0);
    const an_oslot_t *sl = (const an_oslot_t *)(good + OH_BODY);
    uint64_t used = 0;
    while (used < slots && !sl[used].at)
        used++;
    assert_true(used < slots);
    size_t row = sizeof(an_outcome_t), oid = offsetof(an_outcome_t, oid) + 2;
    const off_t at[4] = {(off_t)(OH_ROWS(slots) + oid), (off_t)(OH_ROWS(slots) + n / 2 * row + oid),
                         (off_t)(OH_ROWS(slots) + (n - 1) * row + oid),
                         (off_t)(OH_BODY + used * sizeof(an_oslot_t) + 5)};
    for (int i = 0; i < 4; i++) {
        damage(out, at[i], false);
        same_report(dir);
        size_t len2;
        unsigned char *now = (unsigned char *)slurp(out, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(now, good, len);
        free(now);
        damage(out, at[i], false);
        assert_true(outcomes_rebuilt(dir));
        assert_false(outcomes_rebuilt(dir));
    }
    free(good);
    free(out);
    fx_rm_tree(dir);
}

/* Refreshes in place that append one order's outcome at a time, across
 * the boundaries of the 16-row groups (the last group partial, then full,
 * then a new one), with late events for old rows between: after each, the
 * sums a refresh moved are what a full check finds (the open does not
 * read the store again) and the report is the records'. */
static void test_outcome_groups_refresh(void **state)
{
    (void)state;
    char *dir = built_with_appended();
    char *out = facts_file(dir, "outcomes");
    uint64_t n0 = outcomes_u64(out, OH_N), n = n0;
    for (size_t i = 300; i < 340; i++) {
        append_orders(dir, i, 1, true, 0);
        if (i % 7 == 0)
            late_events(dir, 250 + i % 40, 1);
        assert_false(outcomes_updated_rebuilt(dir));
        assert_false(outcomes_rebuilt(dir));
        n = outcomes_u64(out, OH_N);
    }
    assert_true(n >= n0 + 32); /* two boundaries of groups at least */
    same_report(dir);
    free(out);
    fx_rm_tree(dir);
}

/* Order ids built by hand: each row found at its index; an order without
 * outcome decided from the slots alone (the rows out of reach: a read of
 * one would fault); two orders with the same first slot and the same tag
 * told apart by the row. */
static void test_outcome_index_tags(void **state)
{
    (void)state;
    enum { N = 3000 };
    an_outcomes_t oc = {0};
    ordo_error_t err;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < N; i++) {
        an_outcome_t *o = an_outcomes_add(&oc);
        assert_non_null(o);
        memset(o, 0, sizeof *o);
        for (int k = 0; k < 2; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            o->oid[k] = x;
        }
    }
    /* row 1: row 0's id with the top bit of oid[1] flipped (same slot, same tag) */
    oc.v[1].oid[0] = oc.v[0].oid[0];
    oc.v[1].oid[1] = oc.v[0].oid[1] ^ (1ull << 63);
    assert_int_equal(an_outcomes_slot_of(oc.v[0].oid, 1023),
                     an_outcomes_slot_of(oc.v[1].oid, 1023));
    assert_int_equal(an_outcomes_tag(oc.v[0].oid), an_outcomes_tag(oc.v[1].oid));
    const uint64_t twin[2] = {oc.v[0].oid[0], oc.v[0].oid[1] ^ (1ull << 62)};
    FX_CHECK(an_outcomes_index(&oc, &err));
    assert_false(oc.dup_oids);
    for (int i = 0; i < N; i++)
        assert_int_equal(an_outcomes_find(&oc, oc.v[i].oid), i);
    assert_int_equal(an_outcomes_find(&oc, twin), -1);
    /* slots with chains: tags differ from the absent ids' */
    size_t chained = 0;
    for (size_t s = 0; s <= oc.mask; s++)
        chained += oc.slot[s].at && oc.slot[(s + 1) & oc.mask].at;
    assert_true(chained > 100);
    an_outcome_t *rows = oc.v;
    oc.v = NULL;
    size_t absent = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t id[2];
        for (int k = 0; k < 2; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            id[k] = x;
        }
        size_t s = an_outcomes_slot_of(id, oc.mask);
        absent += oc.slot[s].at != 0; /* an occupied slot: decided by the tag */
        assert_int_equal(an_outcomes_find(&oc, id), -1);
    }
    assert_true(absent > 5000);
    oc.v = rows;
    /* the twin of row 0 added: told apart from rows 0 and 1 by the id */
    an_outcome_t *t = an_outcomes_add(&oc);
    memset(t, 0, sizeof *t);
    memcpy(t->oid, twin, sizeof twin);
    FX_CHECK(an_outcomes_index(&oc, &err));
    assert_int_equal(an_outcomes_find(&oc, twin), N);
    assert_int_equal(an_outcomes_find(&oc, oc.v[0].oid), 0);
    assert_int_equal(an_outcomes_find(&oc, oc.v[1].oid), 1);
    an_outcomes_free(&oc);
}

/* A return and a late cost for each of the orders [first, first + n). */
static void late_events(const char *dir, size_t first, size_t n)
{
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    for (size_t i = first; i < first + n; i++) {
        ordo_outcome_event_t ev[2];
        memset(ev, 0, sizeof ev);
        snprintf(ev[0].order_id, sizeof ev[0].order_id, "O-%06zu", i);
        snprintf(ev[0].event_id, sizeof ev[0].event_id, "O-%06zu-r", i);
        ev[0].type = ORDO_OUTCOME_RETURNED;
        ev[0].at = 1795000000 + (int64_t)i * 600 + 9 * 86400;
        ev[0].refund = 12.5;
        ev[0].has_refund = true;
        ev[1] = ev[0];
        snprintf(ev[1].event_id, sizeof ev[1].event_id, "O-%06zu-c", i);
        ev[1].type = ORDO_OUTCOME_COST;
        ev[1].has_refund = false;
        ev[1].refund = 0;
        ev[1].cost[ORDO_COST_RETURN] = 3.25;
        ev[1].cost_mask = 1u << ORDO_COST_RETURN;
        FX_CHECK(ordo_store_outcomes_put_batch(store, ev, 2, NULL, &err));
    }
    FX_CHECK(ordo_store_close(store, &err));
}

/* The outcome facts follow the store by its change seq: late events of old
 * orders and new orders are applied in place (not read again), the index
 * grows by writing the file anew, a reader's mapping never changes under it
 * (a refresher that cannot lock the file works on a private copy), and the
 * report always equals the record path's. */
static void test_outcomes_incremental(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 300;
    fx_build(dir, &spec, NULL, false);
    append_orders(dir, 300, 100, true, 0);
    same_report(dir);
    assert_false(outcomes_rebuilt(dir));
    late_events(dir, 300, 40); /* old orders change */
    append_orders(dir, 400, 30, true, 0);
    assert_false(outcomes_rebuilt(dir));
    same_report(dir);

    an_outcomes_t held;
    outcomes_open(dir, false, &held);
    size_t n_held = held.n;
    an_outcome_t first = held.v[0];
    late_events(dir, 340, 20);
    append_orders(dir, 430, 20, true, 0);
    same_report(dir); /* refreshed privately: the file is held */
    assert_int_equal(held.n, n_held);
    assert_memory_equal(&held.v[0], &first, sizeof first);
    an_outcomes_free(&held);
    assert_false(outcomes_rebuilt(dir)); /* now in place */
    same_report(dir);

    append_orders(dir, 450, 600, true, 0); /* beyond 3/4 of the index */
    assert_false(outcomes_rebuilt(dir));
    same_report(dir);
    late_events(dir, 500, 10);
    same_report(dir);
    fx_rm_tree(dir);
}

/* dir's facts file name from byte from on (caller frees); NULL: none. */
static char *facts_bytes(const char *dir, const char *name, size_t from, size_t *len)
{
    char *path = facts_file(dir, name);
    struct stat st;
    if (stat(path, &st)) {
        free(path);
        *len = 0;
        return NULL;
    }
    char *b = slurp(path, len);
    free(path);
    assert_true(*len >= from);
    memmove(b, b + from, *len - from);
    *len -= from;
    return b;
}

/* The same facts files (the outcome facts past their header, which names
 * the store's inode) in two directories. */
static void same_facts(const char *a, const char *b)
{
    static const char *const names[] = {"decisions", "strings", "outcomes", "outcome_state"};
    for (size_t k = 0; k < 4; k++) {
        size_t from = k == 2 ? OH_BODY : 0, la, lb;
        char *fa = facts_bytes(a, names[k], from, &la), *fb = facts_bytes(b, names[k], from, &lb);
        assert_true(k == 3 || fa); /* the states may be dropped (a rebuild) */
        assert_int_equal(!fa, !fb);
        assert_int_equal(la, lb);
        if (la)
            assert_memory_equal(fa, fb, la);
        free(fa);
        free(fb);
    }
}

/* The decision and outcome facts refreshed at once (two threads) and one
 * after the other (ORDO_FACTS_SEQUENTIAL=1), from copies of one
 * directory: the same counts, the same files, the same reports, through
 * `--facts update` and through the analysis itself. */
static void test_facts_at_once(void **state)
{
    (void)state;
    /* two directories made the same way (a copy would be another store:
     * its outcome facts read again) */
    char *dirs[2] = {fx_tmp_dir(), fx_tmp_dir()};
    for (int k = 0; k < 2; k++) {
        fx_spec_t spec;
        fx_spec_default(&spec);
        spec.n_orders = 300;
        fx_build(dirs[k], &spec, NULL, false);
        append_orders(dirs[k], 300, 100, true, 0);
        same_report(dirs[k]);
        late_events(dirs[k], 310, 30);
        append_orders(dirs[k], 400, 60, true, 0);
    }
    char *dir = dirs[0], *seq = dirs[1];
    ordo_analyze_facts_stats_t st[2];
    ordo_error_t err;
    for (int k = 0; k < 2; k++) {
        if (k)
            setenv("ORDO_FACTS_SEQUENTIAL", "1", 1);
        FX_CHECK(ordo_analyze_facts_update(k ? seq : dir, NULL, &st[k], &err));
        unsetenv("ORDO_FACTS_SEQUENTIAL");
    }
    assert_int_equal(st[0].records_read, st[1].records_read);
    assert_true(st[0].records_read > 60);
    assert_int_equal(st[0].rows, st[1].rows);
    assert_int_equal(st[0].outcomes, st[1].outcomes);
    assert_true(st[0].outcomes > 300);
    assert_false(st[0].rebuilt || st[1].rebuilt || st[0].outcomes_rebuilt ||
                 st[1].outcomes_rebuilt);
    same_facts(dir, seq);

    /* the analysis's own refresh, and a rebuild */
    late_events(dir, 330, 10);
    late_events(seq, 330, 10);
    append_orders(dir, 460, 20, true, 0);
    append_orders(seq, 460, 20, true, 0);
    for (int m = 0; m < 2; m++) {
        ordo_analyze_facts_t mode = m ? ORDO_ANALYZE_FACTS_REBUILD : ORDO_ANALYZE_FACTS_AUTO;
        char *at_once = report(dir, mode);
        setenv("ORDO_FACTS_SEQUENTIAL", "1", 1);
        char *one_by_one = report(seq, mode);
        unsetenv("ORDO_FACTS_SEQUENTIAL");
        assert_string_equal(at_once, one_by_one);
        same_facts(dir, seq);
        free(at_once);
        free(one_by_one);
    }
    same_report(dir);
    fx_rm_tree(seq);
    fx_rm_tree(dir);
}

/* Carrier dependence: shipments per carrier (here the service id: no
 * network) and the HHI, per variant, by hand. control: ups 3, fedex 1 →
 * shares 75%, 25%, HHI 75² + 25² = 6250; treatment: ups 1, fedex 1, usps
 * 3 → 20%, 20%, 60%, HHI 400 + 400 + 3600 = 4400. Pickups are no carrier's,
 * also as a plan's first shipment with a carrier's after it. */
static void test_carrier_hhi(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 0;
    fx_build(dir, &spec, NULL, false);
    static const char *const svc[6][2] = {{"ups", "ups"},   {"ups", "fedex"}, {"pickup", NULL},
                                          {"ups", "fedex"}, {"usps", "usps"}, {"pickup", "usps"}};
    ordo_error_t err;
    char logdir[4200];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    for (int i = 0; i < 6; i++) {
        fx_order_t o;
        memset(&o, 0, sizeof o);
        o.variant = i / 3;
        o.ts = 1795000000 + i * 600;
        o.shipments = svc[i][1] ? 2 : 1;
        o.units = 2;
        o.zones[0] = o.zones[1] = 4;
        o.service[0] = svc[i][0];
        o.service[1] = svc[i][1];
        char oid[32];
        snprintf(oid, sizeof oid, "H-%d", i);
        fx_decision_json(&b, &o, oid, "exp-fx", o.variant ? "treatment" : "control",
                         o.variant ? "tv" : "cv", 9, true);
        FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, oid, strlen(oid),
                                 o.ts * 1000000000LL, b.data, b.len, NULL, &err));
    }
    ordo_buf_free(&b);
    FX_CHECK(ordo_log_close(log, &err));
    char *rec = report(dir, ORDO_ANALYZE_FACTS_OFF), *fac = report(dir, ORDO_ANALYZE_FACTS_AUTO);
    assert_string_equal(rec, fac);
    cJSON *root = cJSON_Parse(fac), *mix = cJSON_GetObjectItem(root, "carrier_mix");
    assert_int_equal(cJSON_GetArraySize(mix), 2);
    static const double hhi[2] = {6250, 4400}, ships[2] = {4, 5};
    static const double share[2][3] = {{0.75, 0.25, 0}, {0.2, 0.2, 0.6}};
    static const char *const name[3] = {"ups", "fedex", "usps"};
    for (int v = 0; v < 2; v++) {
        cJSON *e = cJSON_GetArrayItem(mix, v);
        assert_float_equal(cJSON_GetObjectItem(e, "hhi")->valuedouble, hhi[v], 1e-9);
        assert_float_equal(cJSON_GetObjectItem(e, "shipments")->valuedouble, ships[v], 0);
        cJSON *cs = cJSON_GetObjectItem(e, "carriers");
        assert_int_equal(cJSON_GetArraySize(cs), 3);
        for (int c = 0; c < 3; c++) {
            cJSON *x = cJSON_GetArrayItem(cs, c);
            assert_string_equal(cJSON_GetObjectItem(x, "carrier")->valuestring, name[c]);
            assert_float_equal(cJSON_GetObjectItem(x, "share")->valuedouble, share[v][c], 1e-12);
        }
    }
    cJSON_Delete(root);
    free(rec);
    free(fac);
    fx_rm_tree(dir);
}

static void test_customer_unit(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 0;
    spec.unit = "customer";
    fx_build(dir, &spec, NULL, true);
    append_orders(dir, 0, 300, true, 40);
    same_report(dir);
    append_orders(dir, 300, 100, true, 40);
    same_report(dir);
    fx_rm_tree(dir);
}

/* A raw CBOR record (scanned and read from its tree) gives the fact the
 * JSON text gives (scanned as text): ordinary records and records whose
 * keys and strings play with the scan's patterns. */
static void fact_of(const char *cbor, size_t n, const char *json, size_t jn, an_strings_t *str,
                    an_fact_t *f)
{
    ordo_log_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.type = ORDO_LOG_REC_DECISION;
    rec.flags = ORDO_LOG_FLAG_CBOR;
    rec.appended = cbor;
    rec.appended_len = n;
    rec.payload = json ? (const void *)json : (const void *)cbor;
    rec.len = json ? jn : n;
    ordo_arena_t *a = ordo_arena_create(1 << 16);
    ordo_error_t err;
    assert_int_equal(an_fact_from_log(&rec, a, NULL, str, f, &err), ORDO_OK);
    ordo_arena_destroy(a);
}

static void same_str(const an_strings_t *sa, uint32_t a, const an_strings_t *sb, uint32_t b)
{
    const char *x = an_strings_get(sa, a), *y = an_strings_get(sb, b);
    assert_int_equal(x == NULL, y == NULL);
    if (x)
        assert_string_equal(x, y);
}

static void test_raw_cbor_scans(void **state)
{
    (void)state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    fx_order_t o;
    memset(&o, 0, sizeof o);
    o.ts = 1795000000;
    o.shipments = 1;
    o.units = 2;
    o.zones[0] = 4;
    o.miles[0] = 300;
    fx_decision_json(&b, &o, "O-1", "exp-fx", "treatment", "tv", 9.5, true);
    char *plain = strndup(b.data, b.len);
    static const char *const docs[] = {
        NULL, /* the fixture's record */
        "{\"order_id\":\"O-2\",\"x\":\"experiment\",\"experiment\":\"e1\",\"variant\":\"v\"}",
        "{\"a\\\"experiment\":\"e2\",\"experiment\":\"e1\"}",
        "{\"experiment\":5,\"variant\":\"ok\",\"order_id\":\"\"}",
        "{\"deep\":{\"experiment\":\"nested\"},\"experiment\":\"top\"}",
        "{\"experiment\":\"has\\\"quote\",\"variant\":\"tab\\there\",\"order_id\":\"nul\\u0000x\"}",
        "{\"v\":\"x\\\"experiment\",\"order_id\":\"O-3\"}",
        "{\"experimentx\":\"no\",\"xexperiment\":\"no\",\"variant\":"
        "\"0123456789012345678901234567890123456789012345678901234567890123\"}",
        "{\"variant\":\"012345678901234567890123456789012345678901234567890123456789012\"}",
        "{\"t\":[{\"experiment\":\"in-array\"}],\"order_id\":\"é-ü\"}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        const char *doc = docs[i] ? docs[i] : plain;
        ordo_buf_t c, j;
        ordo_buf_init(&c, NULL);
        ordo_buf_init(&j, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init_cbor(&w, &c);
        ordo_jsonw_raw(&w, doc, strlen(doc));
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        ordo_error_t err;
        assert_int_equal(ordo_cbor_to_json(c.data, c.len, &j, &err), ORDO_OK);
        an_strings_t sa, sb;
        assert_int_equal(an_strings_init(&sa), ORDO_OK);
        assert_int_equal(an_strings_init(&sb), ORDO_OK);
        an_fact_t fa, fb;
        fact_of(c.data, c.len, j.data, j.len, &sa, &fa);
        fact_of(c.data, c.len, NULL, 0, &sb, &fb);
        if (fa.flags != fb.flags)
            fail_msg("doc %zu (%s): flags %#x as text, %#x from the tree", i, j.data, fa.flags,
                     fb.flags);
        same_str(&sa, fa.scan_exp, &sb, fb.scan_exp);
        same_str(&sa, fa.scan_var, &sb, fb.scan_var);
        same_str(&sa, fa.experiment, &sb, fb.experiment);
        same_str(&sa, fa.variant, &sb, fb.variant);
        assert_memory_equal(fa.scan_oid, fb.scan_oid, sizeof fa.scan_oid);
        assert_memory_equal(fa.oid, fb.oid, sizeof fa.oid);
        assert_memory_equal(fa.dv, fb.dv, sizeof fa.dv);
        assert_memory_equal(fa.zones, fb.zones, sizeof fa.zones);
        assert_int_equal(fa.ts, fb.ts);
        an_strings_free(&sa);
        an_strings_free(&sb);
        ordo_buf_free(&c);
        ordo_buf_free(&j);
    }
    free(plain);
    ordo_buf_free(&b);
}

/* ---- the fast CBOR reader (facts_tree.c) against the whole record reader ---- */

/* Hand-made records for what the fixture does not write: shipment and order
 * lines (the plan signature, the catalog's value and family), the cost's
 * "economic" object, odd types, repeated keys, tables, NULs. */
static const char *const odd_docs[] = {
    "{\"timestamp\":\"2026-11-20T10:00:00Z\",\"order_id\":\"O-9\",\"policy\":{\"name\":\"p\","
    "\"version\":\"v1\"},\"experiment\":\"e\",\"variant\":\"t\",\"unit\":\"C-1\",\"fallback\":true,"
    "\"latency_ns\":5e6,\"control_cost\":7.25,\"excluded\":true,\"order\":{\"id\":\"O-9\","
    "\"ship_to\":{\"zip\":\"30303\"},\"channel\":\"app\",\"promotion\":\"bf\",\"lines\":["
    "{\"sku\":\"SKU-0000001\",\"quantity\":2},{\"sku\":\"SKU-0000002\",\"quantity\":1},"
    "{\"sku\":\"NOPE\",\"quantity\":3}]},\"plan\":{\"promise_date\":\"2026-11-23T12:00:00Z\","
    "\"shipments\":[{\"node\":\"DC-1\",\"service\":\"ups_ground\",\"zone\":3,\"miles\":250.5,"
    "\"lines\":[{\"sku\":\"SKU-0000001\",\"quantity\":2},{\"sku\":\"SKU-0000002\",\"quantity\":\"x\"}]},"
    "{\"node\":\"ST-4\",\"service\":\"pickup\",\"zone\":12,\"miles\":null,\"lines\":[{\"sku\":null,"
    "\"quantity\":1}]},{\"node\":\"DC-2\",\"service\":\"fedex_2day\",\"zone\":2.5,\"miles\":\"far\"}],"
    "\"totals\":{\"shipments\":3,\"units\":4,\"on_time_prob\":0.8,\"return_risk\":0.1,\"cost\":{"
    "\"pick\":1,\"pack\":2,\"shipping\":3,\"returns\":0.5,\"total\":6.5,\"economic\":{"
    "\"carrying_relief\":-0.25,\"opportunity\":0.75,\"total\":0.5}}}}}",
    "{\"timestamp\":\"bad\",\"order_value\":99.5,\"product_family\":\"apparel\",\"order\":{"
    "\"lines\":[{\"sku\":\"SKU-0000002\",\"quantity\":1}]},\"plan\":{\"shipments\":[],\"totals\":"
    "{\"cost\":{\"total\":3,\"carrying_relief\":1}}}}",
    "{\"timestamp\":\"2026-11-20\",\"fallback\":null,\"plan\":{\"shipments\":{\"a\":1},"
    "\"promise_date\":\"2026-11-22\",\"totals\":{\"cost\":5}},\"order\":[1,2]}",
    "{\"order_id\":\"O-1\",\"order_id\":\"O-2\",\"plan\":{\"shipments\":[{\"service\":\"a\"},"
    "{\"service\":\"b\"},{\"service\":\"c\"},{\"service\":\"d\"},{\"service\":\"e\"},"
    "{\"service\":\"a\"},{\"service\":\"\"},{\"service\":5}]},\"plan\":{}}",
    "{\"order_id\":\"nul\\u0000x\",\"policy\":{\"name\":\"a\\u0000b\"},\"plan\":{\"shipments\":"
    "[{\"node\":\"N\\u0000M\",\"service\":\"s\\u0000t\",\"lines\":[{\"sku\":\"k\\u0000\","
    "\"quantity\":-2}]}]}}",
    "[1,2,3]",
    "\"just a string\"",
    "{}",
};

/* A CBOR record's fact by each reader, with the strings it interned. */
static void fact_by(const void *cbor, size_t n, const ordo_network_t *net, bool full,
                    an_strings_t *str, an_fact_t *f)
{
    ordo_log_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.type = ORDO_LOG_REC_DECISION;
    rec.flags = ORDO_LOG_FLAG_CBOR;
    rec.payload = rec.appended = cbor;
    rec.len = rec.appended_len = n;
    ordo_arena_t *a = ordo_arena_create(1 << 12);
    ordo_error_t err;
    an_fact_full_reader = full;
    assert_int_equal(an_fact_from_log(&rec, a, net, str, f, &err), ORDO_OK);
    an_fact_full_reader = false;
    ordo_arena_destroy(a);
}

/* Both readers give the same fact, byte for byte, and intern the same
 * strings in the same order. */
static void readers_agree(const void *cbor, size_t n, const ordo_network_t *net, const char *what)
{
    an_strings_t sa, sb;
    assert_int_equal(an_strings_init(&sa), ORDO_OK);
    assert_int_equal(an_strings_init(&sb), ORDO_OK);
    an_fact_t fa, fb;
    fact_by(cbor, n, net, true, &sa, &fa);
    fact_by(cbor, n, net, false, &sb, &fb);
    if (memcmp(&fa, &fb, sizeof fa))
        fail_msg("%s: the fast reader's fact differs from the record reader's", what);
    if (sa.n != sb.n || sa.buf.len != sb.buf.len ||
        (sa.buf.len && memcmp(sa.buf.data, sb.buf.data, sa.buf.len)))
        fail_msg("%s: the interned strings differ", what);
    an_strings_free(&sa);
    an_strings_free(&sb);
}

static void to_cbor(const char *json, size_t n, ordo_buf_t *c)
{
    ordo_jsonw_t w;
    ordo_buf_reset(c);
    ordo_jsonw_init_cbor(&w, c);
    ordo_jsonw_raw(&w, json, n);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
}

/* A log of CBOR records: the fixture's decisions and shadows (varied
 * shipments, zones, services, units), then odd_docs. */
static void cbor_log(const char *logdir, const fx_order_t *orders, size_t n)
{
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    ordo_error_t err;
    assert_int_equal(ordo_log_open(logdir, &lo, &log, NULL, &err), ORDO_OK);
    ordo_buf_t b, c;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&c, NULL);
    size_t n_odd = sizeof odd_docs / sizeof odd_docs[0];
    for (size_t i = 0; i < n + n_odd; i++) {
        char oid[32];
        snprintf(oid, sizeof oid, "O-%zu", i);
        if (i < n) {
            fx_order_t o = orders[i];
            o.shipments = 1 + (int)(i % 2);
            for (int s = 0; s < o.shipments; s++) {
                o.zones[s] = 1 + (int)((i + (size_t)s) % 9);
                o.miles[s] = 10.5 * (double)(i % 17 + (size_t)s);
                o.service[s] = (i + (size_t)s) % 4 ? (s ? "fedex_2day" : "ups_ground") : NULL;
            }
            fx_decision_json(&b, &o, oid, i % 5 ? "exp-fx" : "other", i % 2 ? "treatment" : "control",
                             i % 2 ? "tv" : "cv", 8.5 + (double)(i % 7), i % 11 != 0);
        } else {
            ordo_buf_reset(&b);
            ordo_buf_append(&b, odd_docs[i - n], strlen(odd_docs[i - n]));
        }
        to_cbor(b.data, b.len, &c);
        assert_int_equal(ordo_log_append_flags(log, i % 3 ? ORDO_LOG_REC_DECISION : ORDO_LOG_REC_SHADOW,
                                               ORDO_LOG_FLAG_CBOR, oid, strlen(oid),
                                               (int64_t)(1795000000 + i) * 1000000000LL, c.data,
                                               c.len, NULL, &err),
                         ORDO_OK);
    }
    ordo_buf_free(&b);
    ordo_buf_free(&c);
    assert_int_equal(ordo_log_close(log, &err), ORDO_OK);
}

/* The facts table of logdir built by one reader into factsdir; its files. */
static void facts_by(const char *logdir, const char *factsdir, const ordo_network_t *net, bool full,
                     char **rows, size_t *nrows, char **strs, size_t *nstrs)
{
    mkdir(factsdir, 0755);
    an_facts_t t;
    ordo_error_t err;
    an_fact_full_reader = full;
    assert_int_equal(an_facts_open(factsdir, logdir, net, true, &t, &err), ORDO_OK);
    an_fact_full_reader = false;
    an_facts_close(&t);
    char path[4200];
    snprintf(path, sizeof path, "%s/decisions", factsdir);
    *rows = slurp(path, nrows);
    snprintf(path, sizeof path, "%s/strings", factsdir);
    *strs = slurp(path, nstrs);
}

static void test_fact_paths_agree(void **state)
{
    (void)state;
    (void)ordo_record_cbor_keys(NULL);
    ordo_network_t *net;
    ordo_error_t err;
    assert_int_equal(ordo_network_load(ORDO_SOURCE_DIR "/docs/examples/network", ordo_geo_default(),
                                       &net, &err),
                     ORDO_OK);
    /* the CBOR fixtures (python cbor2 and ordo's writer) */
    static const char *const fixtures[] = {"decision.ordo.cbor", "decision.cbor2.cbor",
                                           "decision.cbor2min.cbor", "decision_explain.cbor2min.cbor",
                                           "plan.ordo.cbor", "plan.cbor2.cbor", "order.ordo.cbor",
                                           "order.cbor2min.cbor", "strings.ordo.cbor"};
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/tests/fixtures/cbor/%s", ORDO_SOURCE_DIR, fixtures[i]);
        size_t n;
        char *p = slurp(path, &n);
        readers_agree(p, n, net, fixtures[i]);
        readers_agree(p, n, NULL, fixtures[i]);
        free(p);
    }
    /* a generated log: each record, then the facts files */
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 300;
    char *dir = fx_tmp_dir();
    fx_order_t *orders = calloc(spec.n_orders, sizeof *orders);
    assert_non_null(orders);
    fx_build(dir, &spec, orders, false);
    char logdir[4200], fa[4200], fb[4200];
    snprintf(logdir, sizeof logdir, "%s/cbor-log", dir);
    snprintf(fa, sizeof fa, "%s/facts-full", dir);
    snprintf(fb, sizeof fb, "%s/facts-fast", dir);
    cbor_log(logdir, orders, spec.n_orders);
    ordo_buf_t c;
    ordo_buf_init(&c, NULL);
    for (size_t i = 0; i < sizeof odd_docs / sizeof odd_docs[0]; i++) {
        to_cbor(odd_docs[i], strlen(odd_docs[i]), &c);
        readers_agree(c.data, c.len, net, odd_docs[i]);
    }
    ordo_buf_free(&c);
    for (int with_net = 0; with_net < 2; with_net++) {
        char *ra, *rb, *sa, *sb;
        size_t nra, nrb, nsa, nsb;
        facts_by(logdir, fa, with_net ? net : NULL, true, &ra, &nra, &sa, &nsa);
        facts_by(logdir, fb, with_net ? net : NULL, false, &rb, &nrb, &sb, &nsb);
        assert_true(nra > 128 + 300 * sizeof(an_fact_t));
        assert_int_equal(nra, nrb);
        assert_memory_equal(ra, rb, nra);
        assert_int_equal(nsa, nsb);
        assert_memory_equal(sa, sb, nsa);
        free(ra);
        free(rb);
        free(sa);
        free(sb);
    }
    free(orders);
    fx_rm_tree(dir);
    ordo_network_destroy(net);
}

/* A refresh that only appends (an_facts_update): reads the new records
 * only, writes the same file as a rebuild, keeps the checksums an analysis
 * checks (it reuses the table), and catches damage in the last partial
 * block of rows it reads; damage in older blocks is left to the analysis,
 * which reads every row. */
static bool update_facts(const char *dir, const char **why, uint64_t *read)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    assert_int_equal(ordo_datadir_init(&dd, dir, &err), ORDO_OK);
    an_facts_t t;
    assert_int_equal(an_facts_update(dd.facts, dd.log, NULL, &t, &err), ORDO_OK);
    bool rebuilt = t.rebuilt;
    *why = t.why;
    *read = t.read_records;
    assert_int_equal(an_facts_count(&t), t.n_saved);
    an_facts_close(&t);
    return rebuilt;
}

static void test_update_appends(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 3000; /* with the shadows, more than one block of 4096 rows */
    fx_build(dir, &spec, NULL, false);
    same_report(dir);
    char *dec = facts_file(dir, "decisions");
    const char *why;
    uint64_t read;
    for (size_t round = 0; round < 3; round++) {
        uint64_t added = append_orders(dir, 3000 + round * 700, 700, true, 0);
        assert_false(update_facts(dir, &why, &read));
        assert_int_equal(read, added);
        size_t n1, n2;
        char *after = slurp(dec, &n1);
        assert_false(open_facts(dir, &why, &read)); /* every row's checksum holds */
        assert_int_equal(read, 0);
        ordo_datadir_t dd;
        ordo_error_t err;
        an_facts_t t;
        assert_int_equal(ordo_datadir_init(&dd, dir, &err), ORDO_OK);
        assert_int_equal(an_facts_open(dd.facts, dd.log, NULL, true, &t, &err), ORDO_OK);
        an_facts_close(&t);
        char *rebuilt = slurp(dec, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(after, rebuilt, n1);
        free(after);
        free(rebuilt);
    }
    same_report(dir);
    struct stat st;
    assert_int_equal(stat(dec, &st), 0);
    size_t rows = ((size_t)st.st_size - 128) / sizeof(an_fact_t);
    assert_true(rows > 4096 && rows % 4096);
    damage(dec, (off_t)(128 + (rows - 2) * sizeof(an_fact_t) + 40), false); /* last block */
    assert_true(update_facts(dir, &why, &read));
    assert_string_equal(why, "checksum");
    damage(dec, (off_t)(128 + 7 * sizeof(an_fact_t) + 40), false); /* the first block */
    assert_false(update_facts(dir, &why, &read));
    assert_true(open_facts(dir, &why, &read));
    assert_string_equal(why, "checksum");
    same_report(dir);
    free(dec);
    fx_rm_tree(dir);
}

/* Interning (facts.c an_strings_intern, with its recent ids by length and
 * end bytes): ids from 1 in the order strings are first met, the same id
 * every time a string comes back, never another string's id, against a
 * linear search of the strings met so far. Strings of one length with the
 * same end bytes share a recent slot; they alternate with others. */
static void test_strings_intern(void **state)
{
    (void)state;
    enum { DISTINCT = 300, DRAWS = 20000 };
    static char pool[DISTINCT][16];
    for (int i = 0; i < DISTINCT; i++) {
        if (i % 3 == 0)
            snprintf(pool[i], sizeof pool[i], "a%03db", i); /* same ends, same length */
        else if (i % 3 == 1)
            snprintf(pool[i], sizeof pool[i], "v%d", i);
        else
            snprintf(pool[i], sizeof pool[i], "%c", 'A' + i % 40); /* repeats */
    }
    an_strings_t str;
    assert_int_equal(an_strings_init(&str), ORDO_OK);
    const char *seen[DISTINCT];
    uint32_t n_seen = 0;
    uint64_t x = 88172645463325252ull;
    for (int k = 0; k < DRAWS; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const char *sv = pool[k < DISTINCT ? k : (int)(x % DISTINCT)];
        uint32_t want = 0;
        for (uint32_t j = 0; j < n_seen && !want; j++)
            if (!strcmp(seen[j], sv))
                want = j + 1;
        if (!want) {
            seen[n_seen++] = sv;
            want = n_seen;
        }
        uint32_t id;
        assert_int_equal(an_strings_intern(&str, sv, &id), ORDO_OK);
        assert_int_equal(id, want);
        assert_string_equal(an_strings_get(&str, id), sv);
    }
    assert_int_equal(str.n, n_seen);
    an_strings_free(&str);
}

/* A double for the row paths' test: ordinary values, and NaNs with
 * payloads and signs, infinities, signed zeros, subnormals. */
static double odd_double(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    uint64_t bits;
    double d;
    switch (*x % 8) {
    case 0:
        bits = 0x7ff8000000000000ull | (*x >> 20);
        break; /* NaN, payload */
    case 1:
        bits = 0xfff0000000000001ull | (*x >> 16);
        break; /* -NaN, payload */
    case 2:
        return (*x >> 8) % 2 ? INFINITY : -INFINITY;
    case 3:
        return (*x >> 8) % 2 ? 0.0 : -0.0;
    case 4:
        bits = (*x >> 12) | 1u;
        break; /* subnormal */
    default:
        return (double)(int64_t)(*x % 200001) / 100.0 - 500.0;
    }
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The decision's row read from the fact and its outcome row in place
 * (an_row_of_fact_outcome, the join's path) against the outcome
 * summary's (an_outcome_expand, ordo_analyze_outcome_usable,
 * an_row_from_fact): the same counts and, field by field, the same row,
 * every value the same bits; the fast path declines only where it says. */
static void test_row_paths_agree(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int fast = 0, declined = 0, invalid = 0, with_outcome = 0;
    for (int k = 0; k < 20000; k++) {
        an_fact_t f;
        memset(&f, 0, sizeof f);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const uint64_t r = x;
        f.flags = (uint16_t)((r & 7) ? AN_F_HAS_TIME | AN_F_HAS_COST | AN_F_PLAN : r >> 3 & 0x3f);
        f.flags |= (uint16_t)((r >> 9 & 1) ? AN_F_SIG : 0);
        f.ts = (r >> 10 & 15) ? 1700000000 + (int64_t)(r >> 20 & 0xfffff) : 0;
        f.promise = (r >> 14 & 3) ? f.ts + 86400 * (int64_t)(r >> 16 & 7) : 0;
        for (int i = 0; i < AN_DV_N; i++)
            f.dv[i] = odd_double(&x);
        for (int z = 0; z < 9; z++)
            f.zones[z] = (float)(x >> (z * 3) & 3);
        f.fallback = (int8_t)((int)(x >> 40) % 3 - 1);
        f.region = (uint8_t)(x >> 44 & 7);
        f.value_band = (uint8_t)(x >> 47 & 7);
        f.family = (uint16_t)(x >> 50 & 63);
        f.rurality = (uint8_t)(x >> 56 & 3);
        an_outcome_t o;
        memset(&o, 0, sizeof o);
        int64_t *times[] = {&o.shipped_at,  &o.delivered_at, &o.last_delivered_at,
                            &o.returned_at, &o.cancelled_at, &o.promised_by};
        for (int i = 0; i < 6; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* absent, after the decision, or before it (beyond the clock skew) */
            *times[i] =
                (x & 3) == 0 ? 0 : f.ts + (int64_t)(x >> 8 & 0x3ffff) - ((x & 3) == 1 ? 200000 : 0);
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if ((x & 7) == 0)
            o.promised_by = 0; /* the summary's own rule decides on-time */
        o.on_time = (uint8_t)(x >> 3 & 3);
        o.cost_mask = (uint8_t)(x >> 5 & 31);
        o.flags = (uint8_t)((x >> 10 & 7) == 0 ? ORDO_OUTCOME_FLAG_TIME_INCONSISTENT : 0);
        o.n_shipments = (uint32_t)(x >> 13 & 3);
        o.n_delivered = (uint32_t)(x >> 15 & 3);
        o.n_returned = (uint32_t)(x >> 17 & 1);
        for (int i = 0; i < ORDO_COST_PARTS; i++)
            o.cost[i] = odd_double(&x);
        o.cost_total = odd_double(&x);
        o.refund = odd_double(&x);
        for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
            o.measure[m] = odd_double(&x);
        const an_outcome_t *op = (k % 5) ? &o : NULL;
        with_outcome += op != NULL;

        /* the plan summary (shadow pairing), against the plain rule */
        ordo_analyze_plan_summary_t ps;
        an_summary_of_fact(&f, &ps);
        const double nship = f.dv[AN_DV_SHIPMENTS];
        double want[ORDO_AN_SHADOW_METRICS] = {f.dv[AN_DV_COST], f.dv[AN_DV_ON_TIME_PROB], nship,
                                               isfinite(nship) ? (nship > 1) : NAN};
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            if (!isfinite(want[m]))
                want[m] = NAN;
            if (memcmp(&want[m], &ps.v[m], sizeof want[m]))
                fail_msg("row %d: plan summary value %d: %a, want %a", k, m, ps.v[m], want[m]);
        }
        assert_int_equal(ps.has_sig, (f.flags & AN_F_SIG) != 0);

        ordo_analyze_counts_t c_ref, c_fast;
        memset(&c_ref, 0, sizeof c_ref);
        memset(&c_fast, 0, sizeof c_fast);
        const int64_t decided = (f.flags & AN_F_HAS_TIME) ? f.ts : 0;
        ordo_outcome_summary_t s;
        if (op)
            an_outcome_expand(op, &s);
        const bool use_ref = ordo_analyze_outcome_usable(op ? &s : NULL, decided, &c_ref);
        const bool use_fast = an_outcome_row_usable(op, decided, &c_fast);
        assert_int_equal(use_ref, use_fast);
        if (op) /* the join's shortcut: valid, or left to an_outcome_row_usable */
            assert_int_equal(an_outcome_plainly_valid(op, decided),
                             ordo_outcome_validity(&s, decided) == ORDO_OUTCOME_VALID);
        assert_memory_equal(&c_ref, &c_fast, sizeof c_ref);
        invalid += !use_fast;
        if (!use_fast)
            op = NULL;

        ordo_analyze_row_t ref, row;
        memset(&row, 0xa5, sizeof row); /* every field must be written */
        const int rc = an_row_from_fact(&f, op ? &s : NULL, &ref, NULL);
        const bool took = an_row_of_fact_outcome(&f, op, &row);
        const bool applies =
            (f.flags & AN_F_HAS_TIME) && (f.flags & AN_F_HAS_COST) && (!op || op->promised_by);
        assert_int_equal(took, applies);
        if (!took) {
            declined++;
            continue;
        }
        assert_int_equal(rc, ORDO_OK);
        fast++;
        assert_true(ref.ts == row.ts);
        assert_int_equal(ref.variant, row.variant);
        assert_int_equal(ref.unit, row.unit);
        assert_int_equal(ref.region, row.region);
        assert_int_equal(ref.value_band, row.value_band);
        assert_int_equal(ref.family, row.family);
        assert_int_equal(ref.channel, row.channel);
        assert_int_equal(ref.promotion, row.promotion);
        assert_int_equal(ref.rurality, row.rurality);
        assert_int_equal(ref.n_carriers, row.n_carriers);
        assert_memory_equal(ref.carrier, row.carrier, sizeof ref.carrier);
        assert_memory_equal(ref.carrier_ships, row.carrier_ships, sizeof ref.carrier_ships);
        for (int i = 0; i < ORDO_AF_COUNT; i++)
            if (memcmp(&ref.v[i], &row.v[i], sizeof ref.v[i]))
                fail_msg("row %d: %s differs: %a vs %a", k, ordo_analyze_field_name(i), ref.v[i],
                         row.v[i]);
    }
    /* every case was met */
    assert_true(fast > 10000 && declined > 1000 && invalid > 1000 && with_outcome > 10000);
}

/* The rule on an outcome's times as docs/internals/ANALYZE.md "Bad input"
 * states it: a time (0: absent) more than the clock skew before a decision
 * (a decision time of 0 or less: none is), a delivery or a return before
 * the shipment, or the flag set. */
static bool valid_by_rule(const int64_t t[5], bool flagged, int64_t decided)
{
    for (int i = 0; i < 5; i++)
        if (t[i] != 0 && decided > 0 && t[i] < decided - ORDO_OUTCOME_CLOCK_SKEW)
            return false;
    const int64_t shipped = t[0], delivered = t[1], returned = t[3];
    if (shipped > 0 &&
        ((delivered > 0 && delivered < shipped) || (returned > 0 && returned < shipped)))
        return false;
    return !flagged;
}

/* an_outcome_plainly_valid (the join's test of an outcome row, four times
 * at once) against the rule and ordo_outcome_validity, at the edges: the
 * times at, one before and one after the limit, absent, negative, the
 * extremes, each order of shipped, delivered and returned; decision times
 * of none, negative, below the skew and the extremes. */
static void test_plainly_valid_edges(void **state)
{
    (void)state;
    static const int64_t decided_at[] = {INT64_MIN, -1, 0, 1, 299, 300, 301, 1795000000, INT64_MAX};
    int valid = 0, invalid = 0;
    for (size_t d = 0; d < sizeof decided_at / sizeof decided_at[0]; d++) {
        const int64_t dec = decided_at[d];
        int64_t vals[10] = {0, 1, -1, INT64_MIN, INT64_MAX, dec};
        int nv = 6;
        for (int64_t off = -ORDO_OUTCOME_CLOCK_SKEW - 1; off <= -ORDO_OUTCOME_CLOCK_SKEW + 1;
             off++) {
            int64_t x;
            if (!__builtin_add_overflow(dec, off, &x))
                vals[nv++] = x;
        }
        const int64_t few[4] = {0, vals[nv - 3], vals[nv - 2], -1};
        for (int a = 0; a < nv; a++)
            for (int b = 0; b < nv; b++)
                for (int r = 0; r < nv; r++)
                    for (int l = 0; l < 4; l++)
                        for (int c = 0; c < 4; c++)
                            for (int fl = 0; fl < 2; fl++) {
                                an_outcome_t o;
                                memset(&o, 0, sizeof o);
                                const int64_t t[5] = {vals[a], vals[b], few[l], vals[r], few[c]};
                                o.shipped_at = t[0];
                                o.delivered_at = t[1];
                                o.last_delivered_at = t[2];
                                o.returned_at = t[3];
                                o.cancelled_at = t[4];
                                o.flags = fl ? ORDO_OUTCOME_FLAG_TIME_INCONSISTENT : 0;
                                const bool want = valid_by_rule(t, fl, dec);
                                ordo_outcome_summary_t s;
                                an_outcome_expand(&o, &s);
                                assert_int_equal(
                                    ordo_outcome_validity(&s, dec) == ORDO_OUTCOME_VALID, want);
                                if (an_outcome_plainly_valid(&o, dec) != want)
                                    fail_msg(
                                        "decided %lld, times %lld %lld %lld %lld %lld, flag %d: "
                                        "%d, want %d",
                                        (long long)dec, (long long)t[0], (long long)t[1],
                                        (long long)t[2], (long long)t[3], (long long)t[4], fl,
                                        !want, want);
                                valid += want;
                                invalid += !want;
                            }
    }
    assert_true(valid > 1000 && invalid > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_report_and_refresh),
        cmocka_unit_test(test_damage_is_rebuilt),
        cmocka_unit_test(test_old_outcomes_version_is_rebuilt),
        cmocka_unit_test(test_outcome_checksums),
        cmocka_unit_test(test_outcome_rows_damaged),
        cmocka_unit_test(test_outcome_groups_refresh),
        cmocka_unit_test(test_outcome_index_tags),
        cmocka_unit_test(test_customer_unit),
        cmocka_unit_test(test_outcomes_incremental),
        cmocka_unit_test(test_facts_at_once),
        cmocka_unit_test(test_carrier_hhi),
        cmocka_unit_test(test_raw_cbor_scans),
        cmocka_unit_test(test_fact_paths_agree),
        cmocka_unit_test(test_update_appends),
        cmocka_unit_test(test_strings_intern),
        cmocka_unit_test(test_row_paths_agree),
        cmocka_unit_test(test_plainly_valid_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
