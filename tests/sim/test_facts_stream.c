/* SPDX-License-Identifier: Apache-2.0 */
/* The one-pass fact reader (src/analyze/facts_stream.c) against the tree
 * path, on the log of a simulated run: every record's fact field by field,
 * and mutations of records: what the one pass accepts, the full CBOR
 * decoder accepts, with the same fact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/analyze/internal.h"
#include "../../src/core/cbor_internal.h"
#include "ordo/cbor.h"
#include "ordo/datadir.h"
#include "ordo/geo.h"
#include "ordo/log.h"
#include "ordo/network.h"
#include "ordo/record.h"
#include "ordo/sim.h"

/* NaN equals NaN; otherwise bit for bit. */
static void same_d(double a, double b, const char *field, uint64_t seq)
{
    if (memcmp(&a, &b, sizeof a))
        fail_msg("record %llu: %s differs: %.17g (one pass) vs %.17g (tree)",
                 (unsigned long long)seq, field, a, b);
}

static void same_u(uint64_t a, uint64_t b, const char *field, uint64_t seq)
{
    if (a != b)
        fail_msg("record %llu: %s differs: %llu (one pass) vs %llu (tree)", (unsigned long long)seq,
                 field, (unsigned long long)a, (unsigned long long)b);
}

/* String ids: the same id and the same text in each path's table. */
static void same_s(const an_strings_t *sa, uint32_t a, const an_strings_t *sb, uint32_t b,
                   const char *field, uint64_t seq)
{
    same_u(a, b, field, seq);
    const char *x = an_strings_get(sa, a), *y = an_strings_get(sb, b);
    if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
        fail_msg("record %llu: %s text differs", (unsigned long long)seq, field);
}

static void facts_equal(const an_fact_t *a, const an_strings_t *sa, const an_fact_t *b,
                        const an_strings_t *sb, uint64_t seq)
{
    same_u((uint64_t)a->ts, (uint64_t)b->ts, "ts", seq);
    same_u((uint64_t)a->promise, (uint64_t)b->promise, "promise", seq);
    for (int i = 0; i < 2; i++) {
        same_u(a->oid[i], b->oid[i], "oid", seq);
        same_u(a->scan_oid[i], b->scan_oid[i], "scan_oid", seq);
        same_u(a->unit[i], b->unit[i], "unit", seq);
        same_u(a->sig[i], b->sig[i], "sig", seq);
    }
    for (int i = 0; i < AN_DV_N; i++) {
        char name[32];
        snprintf(name, sizeof name, "dv[%d]", i);
        same_d(a->dv[i], b->dv[i], name, seq);
    }
    for (int z = 0; z < 9; z++)
        same_d(a->zones[z], b->zones[z], "zones", seq);
    same_s(sa, a->experiment, sb, b->experiment, "experiment", seq);
    same_s(sa, a->variant, sb, b->variant, "variant", seq);
    same_s(sa, a->policy_name, sb, b->policy_name, "policy_name", seq);
    same_s(sa, a->policy_version, sb, b->policy_version, "policy_version", seq);
    same_s(sa, a->scan_exp, sb, b->scan_exp, "scan_exp", seq);
    same_s(sa, a->scan_var, sb, b->scan_var, "scan_var", seq);
    same_s(sa, a->channel, sb, b->channel, "channel", seq);
    same_s(sa, a->promotion, sb, b->promotion, "promotion", seq);
    for (int k = 0; k < AN_FACT_SVCS; k++) {
        same_s(sa, a->svc[k], sb, b->svc[k], "svc", seq);
        same_u(a->svc_n[k], b->svc_n[k], "svc_n", seq);
    }
    same_u(a->flags, b->flags, "flags", seq);
    same_u(a->family, b->family, "family", seq);
    same_u(a->region, b->region, "region", seq);
    same_u(a->value_band, b->value_band, "value_band", seq);
    same_u((uint64_t)(int64_t)a->fallback, (uint64_t)(int64_t)b->fallback, "fallback", seq);
    same_u(a->rurality, b->rurality, "rurality", seq);
    assert_memory_equal(a, b, sizeof *a); /* and nothing else (padding included) */
}

typedef struct paths {
    ordo_arena_t *arena;
    an_strings_t sa, sb;
    const ordo_network_t *net;
} paths_t;

/* rec's fact by both paths, compared; true when the one pass read it.
 * With a summary (RECORD.md "Summary") the one pass reads it: the fact
 * from the summary is also compared with the walk's (an_fact_summary_off). */
static bool both(paths_t *p, const ordo_log_record_t *rec)
{
    an_fact_t a, b;
    ordo_error_t ea, eb;
    ordo_record_t d;
    an_stream_scan_t sc;
    bool taken = an_record_stream(rec->appended, rec->appended_len, p->arena, &d, &sc) == ORDO_OK;
    /* the fact's plan signature (an_plan_sig, with the hashes held beside
     * the strings that recur) is the plan summary's, which the join compares
     * with it; the tree path's below hashes every string afresh */
    ordo_analyze_plan_summary_t ps;
    bool has_sig = taken && ordo_analyze_plan_summary(&d, &ps, NULL) == ORDO_OK && ps.has_sig;
    an_fact_tree_reader = false;
    int ra = an_fact_from_log(rec, p->arena, p->net, &p->sa, &a, &ea);
    if (!ra && has_sig) {
        assert_true(a.flags & AN_F_SIG);
        same_u(a.sig[0], ps.sig[0], "sig (shadow.c)", rec->seq);
        same_u(a.sig[1], ps.sig[1], "sig (shadow.c)", rec->seq);
    }
    an_fact_tree_reader = true;
    int rb = an_fact_from_log(rec, p->arena, p->net, &p->sb, &b, &eb);
    an_fact_tree_reader = false;
    assert_int_equal(ra, rb);
    if (!ra)
        facts_equal(&a, &p->sa, &b, &p->sb, rec->seq);
    if (!an_fact_summary_off) { /* the summary's fact against the walk's */
        an_fact_summary_off = true;
        rb = an_fact_from_log(rec, p->arena, p->net, &p->sb, &b, &eb);
        an_fact_summary_off = false;
        assert_int_equal(ra, rb);
        if (!ra)
            facts_equal(&a, &p->sa, &b, &p->sb, rec->seq);
    }
    return taken;
}

/* The summary's bytes mutated one by one (the values below and each bit
 * flipped), and the record with its summary cut out: the fact is the
 * walk's of the same bytes (the summary is refused: never a different
 * fact), and the summary is found only where its bytes are the writer's. */
static void summary_mutations(paths_t *p, const ordo_log_record_t *rec, size_t *mutated)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x17, 0x18, 0x1f, 0x3f, 0x60, 0x7f, 0x9f, 0xa0,
                                   0xbf, 0xc0, 0xd8, 0xd9, 0xf4, 0xf6, 0xf7, 0xfb, 0xff};
    ordo_record_summary_at_t at;
    assert_int_equal(ordo_record_summary_find(rec->appended, rec->appended_len, &at), ORDO_OK);
    size_t n = rec->appended_len, start = 53; /* the parts' end: the summary's key */
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    ordo_log_record_t m = *rec;
    m.appended = m.payload = buf;
    for (size_t i = start; i < at.end; i++)
        for (size_t v = 0; v < sizeof vals + 8; v++) {
            memcpy(buf, rec->appended, n);
            buf[i] = v < sizeof vals ? vals[v] : (uint8_t)(buf[i] ^ (1u << (v - sizeof vals)));
            if (buf[i] == ((const uint8_t *)rec->appended)[i])
                continue;
            ordo_record_summary_at_t mat;
            if (!ordo_record_summary_find(buf, n, &mat))
                fail_msg("byte %zu = 0x%02x: a mutated summary was found", i, buf[i]);
            ++*mutated;
            both(p, &m);
        }
    /* cut out: bytes [start, at.end) gone (the parts' offsets then point
     * past their members: the fact reader does not use them) */
    memcpy(buf, rec->appended, start);
    memcpy(buf + start, (const uint8_t *)rec->appended + at.end, n - at.end);
    m.appended_len = m.len = n - (at.end - start);
    ordo_record_summary_at_t mat;
    assert_int_not_equal(ordo_record_summary_find(buf, m.appended_len, &mat), ORDO_OK);
    both(p, &m);
    free(buf);
}

/* Mutations of one record (bytes set to values the format gives meaning
 * to, truncations): whatever the one pass takes, the full decoder takes,
 * and both paths give the same fact. */
static void mutations(paths_t *p, const ordo_log_record_t *rec, size_t *taken)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x17, 0x18, 0x1f, 0x3f, 0x60, 0x7f, 0x9f,
                                   0xa0, 0xbf, 0xc0, 0xd8, 0xd9, 0xf4, 0xf7, 0xfb, 0xff};
    size_t n = rec->appended_len;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    ordo_log_record_t m = *rec;
    m.appended = m.payload = buf;
    const ordo_cbor_node_t *root;
    ordo_error_t e;
    an_fact_summary_off = true; /* the walk's own contract */
    for (size_t i = 0; i < n; i++)
        for (size_t v = 0; v <= sizeof vals; v++) {
            memcpy(buf, rec->appended, n);
            buf[i] = v < sizeof vals ? vals[v] : (uint8_t)(buf[i] ^ 0x01);
            m.appended_len = m.len = v == sizeof vals ? i : n; /* the last: truncated */
            ordo_record_t d;
            an_stream_scan_t sc;
            if (an_record_stream(buf, m.appended_len, p->arena, &d, &sc) != ORDO_OK)
                continue;
            ++*taken;
            ordo_cbor_tree_fast_off = true;
            int rc = ordo_cbor_to_tree(buf, m.appended_len, p->arena, &root, &e);
            ordo_cbor_tree_fast_off = false;
            if (rc)
                fail_msg("byte %zu = 0x%02x: the one pass took what the decoder refuses: %s", i,
                         buf[i], e.msg);
            both(p, &m);
        }
    an_fact_summary_off = false;
    free(buf);
}

/* The ids a fact takes of the strings that recur (kept beside them per
 * string table, internal.h an_memo_t) are the table's: the same record
 * read into a table, into another one whose ids differ (strings interned
 * first), and into the first again, after the table was freed and made
 * anew: each string's id is the one an_strings_find gives in that table. */
static void ids_in(paths_t *p, const ordo_log_record_t *rec, an_strings_t *str)
{
    an_fact_t f;
    ordo_error_t e;
    assert_int_equal(an_fact_from_log(rec, p->arena, p->net, str, &f, &e), ORDO_OK);
    ordo_record_t d;
    an_stream_scan_t sc;
    assert_int_equal(an_record_stream(rec->appended, rec->appended_len, p->arena, &d, &sc),
                     ORDO_OK);
    const char *s[] = {d.policy_name, d.policy_version, d.experiment, d.variant, d.order.channel};
    uint32_t id[] = {f.policy_name, f.policy_version, f.experiment, f.variant, f.channel};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i])
            assert_int_equal(id[i], an_strings_find(str, s[i]));
}

static void strings_per_table(paths_t *p, const ordo_log_record_t *rec)
{
    an_strings_t a, b;
    uint32_t x;
    assert_int_equal(an_strings_init(&a), ORDO_OK);
    assert_int_equal(an_strings_init(&b), ORDO_OK);
    assert_int_equal(an_strings_intern(&b, "another string first", &x), ORDO_OK);
    assert_int_equal(an_strings_intern(&b, "and a second", &x), ORDO_OK);
    ids_in(p, rec, &a);
    ids_in(p, rec, &b);
    ids_in(p, rec, &a);
    an_strings_free(&a);
    assert_int_equal(an_strings_init(&a), ORDO_OK);
    assert_int_equal(an_strings_intern(&a, "now first here", &x), ORDO_OK);
    ids_in(p, rec, &a);
    ids_in(p, rec, &b);
    an_strings_free(&a);
    an_strings_free(&b);
}

static void test_stream_facts_equal_tree_facts(void **state)
{
    (void)state;
    char dir[] = "/tmp/ordo-facts-stream-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char run[4200];
    snprintf(run, sizeof run, "%s/run", dir);
    ordo_sim_options_t opt;
    ordo_sim_options_init(&opt);
    opt.scenario = ORDO_SOURCE_DIR "/data/scenarios/proximity-vs-cost.json";
    opt.days = 2;
    opt.orders_per_day = 300;
    opt.seed = 3;
    opt.out_dir = run;
    ordo_sim_summary_t sum;
    ordo_error_t err;
    assert_int_equal(ordo_sim_run(&opt, &sum, &err), ORDO_OK);
    ordo_datadir_t dd;
    assert_int_equal(ordo_datadir_init(&dd, run, &err), ORDO_OK);
    char netdir[4300];
    snprintf(netdir, sizeof netdir, "%s/network", run);
    ordo_network_t *net;
    assert_int_equal(ordo_network_load(netdir, ordo_geo_default(), &net, &err), ORDO_OK);
    paths_t p = {ordo_arena_create(1 << 16), {0}, {0}, net};
    assert_int_equal(an_strings_init(&p.sa), ORDO_OK);
    assert_int_equal(an_strings_init(&p.sb), ORDO_OK);
    ordo_log_query_t q = {0};
    q.raw = true;
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(dd.log, &q, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    size_t n = 0, taken = 0, mutated = 0, mut_taken = 0, summed = 0, sum_mutated = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        if (!(rec.flags & ORDO_LOG_FLAG_CBOR))
            continue;
        n++;
        taken += both(&p, &rec);
        ordo_record_summary_at_t at;
        summed += !ordo_record_summary_find(rec.appended, rec.appended_len, &at);
        if (n % 151 == 2 && sum_mutated < 3000)
            summary_mutations(&p, &rec, &sum_mutated);
        if (n % 50 == 7)
            strings_per_table(&p, &rec);
        if (n % 97 == 1 && mutated < 4) { /* a few records, decisions and shadows */
            mutated++;
            mutations(&p, &rec, &mut_taken);
        }
    }
    ordo_log_iter_close(it);
    print_message("%zu CBOR records, %zu read in one pass; %zu mutations taken\n", n, taken,
                  mut_taken);
    assert_true(n >= 500);
    assert_int_equal(taken, n); /* the writer's records never fall back to the tree */
    print_message("%zu with a summary; %zu summary mutations\n", summed, sum_mutated);
    assert_int_equal(summed, n); /* every record the writer makes has its summary */
    assert_true(sum_mutated > 1000);
    assert_true(mut_taken > 0);
    /* a net-less read too (the segments' fallback) */
    p.net = NULL;
    assert_int_equal(ordo_log_iter_open(dd.log, &q, &it, &err), ORDO_OK);
    while (ordo_log_iter_next(it, &rec, &err) == 1)
        if (rec.flags & ORDO_LOG_FLAG_CBOR)
            both(&p, &rec);
    ordo_log_iter_close(it);
    an_strings_free(&p.sa);
    an_strings_free(&p.sb);
    ordo_arena_destroy(p.arena);
    ordo_network_destroy(net);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The fact's region and rurality of a ship-to ZIP (facts.c: parsed once,
 * the state's region remembered) against the way they were read before:
 * the state of the ZIP, else of its ZIP3, through the region's name, and
 * ordo_geo_zip_rural; on every fifth ZIP, both ends, and strings that are
 * not ZIPs. */
static void reference_zip(const char *zs, uint8_t *region, uint8_t *rurality)
{
    uint32_t zip;
    const ordo_geo_t *geo = ordo_geo_default();
    *region = ORDO_AN_REGIONS - 1;
    *rurality = ORDO_AN_RURALITIES - 1;
    if (!zs || ordo_zip_parse(zs, strlen(zs), &zip) || !geo)
        return;
    const ordo_zip_t *z = ordo_geo_zip(geo, zip);
    const char *state = z ? z->state : NULL;
    if (!state) {
        const ordo_zip3_t *z3 = ordo_geo_zip3(geo, (uint16_t)(zip / 100));
        state = z3 && z3->known ? z3->state : NULL;
    }
    if (state)
        *region = (uint8_t)ordo_analyze_region_index(ordo_geo_region(state));
    int r = ordo_geo_zip_rural(geo, zip);
    *rurality = (uint8_t)(r < 0 ? ORDO_AN_RURALITIES - 1 : r ? 0 : 1);
}

static void test_zip_segments_as_before(void **state)
{
    (void)state;
    an_strings_t str;
    assert_int_equal(an_strings_init(&str), ORDO_OK);
    static const char *odd[] = {"",      "0",     "1234",  "123456", "12a45", "02134-1234",
                                "99999", "00000", "00601", " 2134",  NULL};
    char zs[16];
    size_t n = 0, known = 0;
    for (uint32_t i = 0; i < 100000 + sizeof odd / sizeof odd[0]; i += i < 100000 ? 5 : 1) {
        const char *z = zs;
        if (i < 100000)
            snprintf(zs, sizeof zs, "%05u", (unsigned)i);
        else
            z = odd[i - 100000];
        ordo_record_t d;
        memset(&d, 0, sizeof d);
        d.fallback = -1;
        d.order.zip = z;
        d.order.present = z != NULL;
        an_fact_t f;
        memset(&f, 0, sizeof f);
        f.region = ORDO_AN_REGIONS - 1; /* as the fact's clearing sets them */
        f.rurality = ORDO_AN_RURALITIES - 1;
        assert_int_equal(an_fact_from_record(&d, NULL, &str, &f, NULL), ORDO_OK);
        uint8_t region, rurality;
        reference_zip(z, &region, &rurality);
        if (f.region != region || f.rurality != rurality)
            fail_msg("ZIP '%s': region %u rurality %u, before %u %u", z ? z : "(null)", f.region,
                     f.rurality, region, rurality);
        n++;
        known += region != ORDO_AN_REGIONS - 1;
    }
    print_message("%zu ZIPs, %zu with a region\n", n, known);
    assert_true(known > 5000);
    an_strings_free(&str);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zip_segments_as_before),
        cmocka_unit_test(test_stream_facts_equal_tree_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
