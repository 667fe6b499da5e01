/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/util.c, strmap.c, rng.c and error.c: time parsing and
 * formatting, CSV splitting, strict number parsing, the string map, the
 * deterministic RNG, file helpers and error formatting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/error.h"
#include "ordo/util.h"

/* ---- time ---- */

static int64_t T(const char *s)
{
    int64_t t = -12345;
    int rc = ordo_time_parse(s, &t);
    if (rc != ORDO_OK)
        fail_msg("'%s' did not parse (%d)", s, rc);
    return t;
}

static void test_time_parse_good(void **state)
{
    (void)state;
    /* golden values from Python's calendar.timegm (rng_golden.py) */
    assert_int_equal(T("2026-11-24"), 1795478400);
    assert_int_equal(T("2026-11-24T15:04:05Z"), 1795532645);
    assert_int_equal(T("2026-11-24t15:04:05z"), 1795532645);
    assert_int_equal(T("2026-11-24 15:04:05Z"), 1795532645);
    assert_int_equal(T("2026-11-24T15:04:05.123456Z"), 1795532645);
    assert_int_equal(T("2026-11-24T17:04:05+02:00"), 1795532645);
    assert_int_equal(T("2026-11-24T09:34:05-05:30"), 1795532645);
    assert_int_equal(T("2026-11-24T15:04:05.5+00:00"), 1795532645);
    assert_int_equal(T("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(T("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(T("2024-02-29"), T("2024-02-28") + 86400);
    assert_int_equal(T("2000-02-29"), T("2000-03-01") - 86400);
    assert_int_equal(T("2026-01-01T00:00:00+14:00"), T("2025-12-31T10:00:00Z"));
}

static void test_time_against_timegm(void **state)
{
    (void)state;
    /* random valid times, checked against glibc's timegm() */
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    for (int i = 0; i < 20000; i++) {
        struct tm tm = {0};
        tm.tm_year = 1900 + (int)ordo_rng_below(&rng, 400) - 1900;
        tm.tm_mon = (int)ordo_rng_below(&rng, 12);
        tm.tm_mday = 1 + (int)ordo_rng_below(&rng, 28);
        tm.tm_hour = (int)ordo_rng_below(&rng, 24);
        tm.tm_min = (int)ordo_rng_below(&rng, 60);
        tm.tm_sec = (int)ordo_rng_below(&rng, 60);
        struct tm copy = tm;
        int64_t want = (int64_t)timegm(&copy);
        char s[40];
        snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        assert_int_equal(T(s), want);
        /* and format gives the same text back */
        char out[32];
        assert_string_equal(ordo_time_format(want, out, sizeof out), s);
    }
}

static void test_time_parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "2026-11-31",
        "2026-02-29",
        "1900-02-29",
        "2026-1-24",
        "2026/11/24",
        "20261124",
        " 2026-11-24",
        "2026-11-24 ",
        "2026-11-24x",
        "2026-11-24T",
        "2026-11-24T15:04Z",
        "2026-11-24T15:04:05",
        "2026-11-24T24:00:00Z",
        "2026-11-24T15:60:00Z",
        "2026-11-24T15:04:61Z",
        "2026-11-24T15:04:05+2:00",
        "2026-11-24T15:04:05+0200",
        "2026-11-24T15:04:05+02:00Z",
        "2026-11-24T15:04:05+24:00",
        "2026-11-24T15:04:05.Z",
        "2026-11-24T15:04:05Z junk",
        "2026-11-24T1a:04:05Z",
        "abcd-ef-gh",
        "yesterday",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 777;
        if (ordo_time_parse(bad[i], &t) != ORDO_EPARSE)
            fail_msg("'%s' should be ORDO_EPARSE", bad[i]);
        assert_int_equal(t, 777); /* output untouched */
    }
    int64_t t;
    assert_int_equal(ordo_time_parse(NULL, &t), ORDO_EPARSE);
}

/* ordo_time_format(t) for t in [from, to) by step equals strftime's. */
static void time_format_like_strftime(int64_t from, int64_t to, int64_t step)
{
    for (int64_t t = from; t < to; t += step) {
        char want[32], got[32];
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(ordo_time_format(t, got, sizeof got), want);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(ordo_time_format(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
    assert_string_equal(ordo_time_format(-1, buf, sizeof buf), "1969-12-31T23:59:59Z");
    assert_string_equal(ordo_time_format(1795532645, buf, sizeof buf), "2026-11-24T15:04:05Z");
    assert_string_equal(ordo_time_format(951782400, buf, sizeof buf), "2000-02-29T00:00:00Z");
    char exact[21]; /* the documented minimum */
    assert_string_equal(ordo_time_format(1795532645, exact, sizeof exact), "2026-11-24T15:04:05Z");
    /* the arithmetic path (years 1000-9999) against gmtime_r + strftime,
     * past both ends of its range and across a few days around 1970 */
    time_format_like_strftime(-30610224000LL - 400000, 253402300800LL + 400000,
                              86400LL * 37 + 3601 * 7 + 13);
    time_format_like_strftime(-200000, 200000, 7);
    assert_true(ordo_now_unix() > T("2024-01-01"));
    uint64_t a = ordo_now_ns(), b = ordo_now_ns();
    assert_true(b >= a);
}

/* ---- CSV ---- */

static int split(const char *line, ordo_csv_field_t *f, int max)
{
    return ordo_csv_split(line, strlen(line), f, max);
}

static void assert_field(const ordo_csv_field_t *f, const char *want)
{
    if (f->n != strlen(want) || memcmp(f->p, want, f->n))
        fail_msg("field '%.*s' != '%s'", (int)f->n, f->p, want);
}

static void test_csv_split(void **state)
{
    (void)state;
    ordo_csv_field_t f[ORDO_CSV_MAX_FIELDS];
    assert_int_equal(split("a,b,c", f, 8), 3);
    assert_field(&f[0], "a");
    assert_field(&f[1], "b");
    assert_field(&f[2], "c");
    assert_int_equal(split("", f, 8), 1);
    assert_field(&f[0], "");
    assert_int_equal(split("a,,c,", f, 8), 4);
    assert_field(&f[1], "");
    assert_field(&f[3], "");
    assert_int_equal(split(",", f, 8), 2);
    /* quotes: commas inside, stripped quotes, empty quoted field */
    assert_int_equal(split("\"x,y\",z", f, 8), 2);
    assert_field(&f[0], "x,y");
    assert_field(&f[1], "z");
    assert_int_equal(split("1,\"\",3", f, 8), 3);
    assert_field(&f[1], "");
    assert_int_equal(split("\"SKU-1\"", f, 8), 1);
    assert_field(&f[0], "SKU-1");
    /* "" inside quotes is accepted; the field is returned without
     * unescaping (documented in util.h) */
    assert_int_equal(split("\"say \"\"hi\"\"\",2", f, 8), 2);
    assert_field(&f[0], "say \"\"hi\"\"");
    assert_field(&f[1], "2");
    /* a quote inside an unquoted field is an ordinary character */
    assert_int_equal(split("a\"b,c", f, 8), 2);
    assert_field(&f[0], "a\"b");
    /* CRLF: the \r of a line end is not part of the last field */
    assert_int_equal(split("a,b\r", f, 8), 2);
    assert_field(&f[1], "b");
    assert_int_equal(split("a,\"b\"\r", f, 8), 2);
    assert_field(&f[1], "b");
    /* the length bounds the line, not a NUL */
    assert_int_equal(ordo_csv_split("p,q,r,s", 3, f, 8), 2);
    assert_field(&f[1], "q");
    /* errors */
    assert_int_equal(split("\"abc", f, 8), ORDO_EPARSE);
    assert_int_equal(split("a,\"b,c", f, 8), ORDO_EPARSE);
    assert_int_equal(split("\"abc\"x,1", f, 8), ORDO_EPARSE);
    assert_int_equal(split("a,b,c", f, 2), ORDO_EFULL);
    char line[200] = "";
    for (int i = 0; i < ORDO_CSV_MAX_FIELDS; i++)
        strcat(line, i ? ",x" : "x");
    assert_int_equal(split(line, f, ORDO_CSV_MAX_FIELDS), ORDO_CSV_MAX_FIELDS);
    strcat(line, ",y");
    assert_int_equal(split(line, f, ORDO_CSV_MAX_FIELDS), ORDO_EFULL);
}

/* ---- numbers ---- */

static void test_parse_u32(void **state)
{
    (void)state;
    uint32_t v = 99;
#define U32(s) ordo_parse_u32(s, strlen(s), &v)
    assert_int_equal(U32("0"), ORDO_OK);
    assert_int_equal(v, 0);
    assert_int_equal(U32("4294967295"), ORDO_OK);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(U32("007"), ORDO_OK);
    assert_int_equal(v, 7);
    v = 99;
    assert_int_equal(U32("4294967296"), ORDO_ERANGE);
    assert_int_equal(U32("9999999999"), ORDO_ERANGE);
    static const char *const bad[] = {"",    "-1",   "+1",          " 1",  "1 ", "1.0",
                                      "1e3", "0x10", "12345678901", "abc", "1,2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (U32(bad[i]) != ORDO_EPARSE)
            fail_msg("u32 '%s' should be ORDO_EPARSE", bad[i]);
    assert_int_equal(v, 99);
    assert_int_equal(ordo_parse_u32("12345", 2, &v), ORDO_OK);
    assert_int_equal(v, 12);
#undef U32
}

static void test_parse_i64(void **state)
{
    (void)state;
    int64_t v = 99;
#define I64(s) ordo_parse_i64(s, strlen(s), &v)
    assert_int_equal(I64("-9223372036854775808"), ORDO_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(I64("9223372036854775807"), ORDO_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(I64("+5"), ORDO_OK);
    assert_int_equal(v, 5);
    assert_int_equal(I64("-0"), ORDO_OK);
    assert_int_equal(v, 0);
    v = 99;
    assert_int_equal(I64("9223372036854775808"), ORDO_ERANGE);
    assert_int_equal(I64("-9223372036854775809"), ORDO_ERANGE);
    assert_int_equal(I64("99999999999999999999"), ORDO_ERANGE);
    static const char *const bad[] = {"", "-", "+", "--1", "1-", " 1", "1.0", "1e3", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (I64(bad[i]) != ORDO_EPARSE)
            fail_msg("i64 '%s' should be ORDO_EPARSE", bad[i]);
    assert_int_equal(v, 99);
#undef I64
}

static void test_parse_double(void **state)
{
    (void)state;
    double v = 99;
#define DBL(s) ordo_parse_double(s, strlen(s), &v)
    assert_int_equal(DBL("1.5"), ORDO_OK);
    assert_true(v == 1.5);
    assert_int_equal(DBL("-0.25"), ORDO_OK);
    assert_true(v == -0.25);
    assert_int_equal(DBL("1e3"), ORDO_OK);
    assert_true(v == 1000);
    assert_int_equal(DBL("2.5E-3"), ORDO_OK);
    assert_true(v == 2.5e-3);
    assert_int_equal(DBL("+7"), ORDO_OK);
    assert_true(v == 7);
    assert_int_equal(DBL("149.00"), ORDO_OK);
    assert_true(v == 149);
    v = 99;
    assert_int_equal(DBL("1e400"), ORDO_ERANGE);
    assert_int_equal(DBL("-1e400"), ORDO_ERANGE);
    static const char *const bad[] = {"",    "nan", "NaN", "inf", "-inf", "infinity", "0x10",
                                      "1e",  "e5",  "--1", " 1",  "1 ",   "1,5",      "1.2.3",
                                      "abc", "+",   "-",   "1e+", "1d",   "5%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (DBL(bad[i]) != ORDO_EPARSE)
            fail_msg("double '%s' should be ORDO_EPARSE", bad[i]);
    assert_true(v == 99);
    /* the field length bounds the parse */
    assert_int_equal(ordo_parse_double("3.25xyz", 4, &v), ORDO_OK);
    assert_true(v == 3.25);
    char longnum[100];
    memset(longnum, '1', sizeof longnum - 1);
    longnum[sizeof longnum - 1] = 0;
    assert_int_not_equal(DBL(longnum), ORDO_OK); /* too long for a field */
#undef DBL
}

/* ---- string map ---- */

static void test_strmap(void **state)
{
    (void)state;
    ordo_strmap_t *m = ordo_strmap_create(4); /* small: forces growth */
    assert_non_null(m);
    char key[32];
    for (uint32_t i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "sku-%u", i);
        assert_int_equal(ordo_strmap_put(m, key, (size_t)n, i * 3), ORDO_OK);
    }
    assert_int_equal(ordo_strmap_count(m), 20000);
    for (uint32_t i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "sku-%u", i);
        uint32_t v = 0;
        assert_true(ordo_strmap_get(m, key, (size_t)n, &v));
        assert_int_equal(v, i * 3);
    }
    /* duplicates are refused and keep the old value */
    assert_int_equal(ordo_strmap_put(m, "sku-5", 5, 777), ORDO_EEXIST);
    uint32_t v = 0;
    assert_true(ordo_strmap_get(m, "sku-5", 5, &v));
    assert_int_equal(v, 15);
    assert_int_equal(ordo_strmap_count(m), 20000);
    /* lookups compare the whole key and only keylen bytes */
    assert_false(ordo_strmap_get(m, "sku-", 4, &v));
    assert_false(ordo_strmap_get(m, "sku-20000", 9, &v));
    assert_true(ordo_strmap_get(m, "sku-12xyz", 6, &v));
    assert_int_equal(v, 36);
    assert_true(ordo_strmap_get(m, "sku-1", 5, NULL));
    /* keys are copied: changing the caller's buffer changes nothing */
    char tmp[] = "volatile";
    assert_int_equal(ordo_strmap_put(m, tmp, 8, 1), ORDO_OK);
    tmp[0] = 'X';
    assert_true(ordo_strmap_get(m, "volatile", 8, &v));
    assert_false(ordo_strmap_get(m, tmp, 8, &v));
    /* binary keys with NULs */
    const char bin1[] = {'a', 0, 'b'}, bin2[] = {'a', 0, 'c'};
    assert_int_equal(ordo_strmap_put(m, bin1, 3, 100), ORDO_OK);
    assert_int_equal(ordo_strmap_put(m, bin2, 3, 200), ORDO_OK);
    assert_true(ordo_strmap_get(m, bin2, 3, &v));
    assert_int_equal(v, 200);
    ordo_strmap_destroy(m);

    /* the empty key is a key like any other, also in a fresh map */
    m = ordo_strmap_create(0);
    assert_false(ordo_strmap_get(m, "", 0, &v));
    assert_int_equal(ordo_strmap_put(m, "", 0, 9), ORDO_OK);
    assert_true(ordo_strmap_get(m, "", 0, &v));
    assert_int_equal(v, 9);
    assert_int_equal(ordo_strmap_put(m, "", 0, 10), ORDO_EEXIST);
    ordo_strmap_destroy(m);
    ordo_strmap_destroy(NULL);
    assert_false(ordo_strmap_get(NULL, "x", 1, &v));
    /* the hash is deterministic and never 0 (0 marks an empty slot) */
    assert_true(ordo_hash64("abc", 3) == ordo_hash64("abc", 3));
    assert_true(ordo_hash64("abc", 3) != ordo_hash64("abd", 3));
    assert_true(ordo_hash64("", 0) != 0);
}

/* ---- RNG ---- */

static void test_rng_golden(void **state)
{
    (void)state;
    /* first outputs from an independent transcription of the reference
     * xoshiro256** + splitmix64 (tests/fixtures/core/rng_golden.py) */
    static const uint64_t seed0[] = {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull,
                                     0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull};
    static const uint64_t seed42[] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull,
                                      0xae17533239e499a1ull, 0xecb8ad4703b360a1ull};
    ordo_rng_t r;
    ordo_rng_seed(&r, 0);
    for (int i = 0; i < 4; i++)
        assert_true(ordo_rng_next(&r) == seed0[i]);
    ordo_rng_seed(&r, 42);
    for (int i = 0; i < 4; i++)
        assert_true(ordo_rng_next(&r) == seed42[i]);
}

static void test_rng_determinism(void **state)
{
    (void)state;
    ordo_rng_t a, b, c;
    ordo_rng_seed(&a, 123);
    ordo_rng_seed(&b, 123);
    ordo_rng_seed(&c, 124);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = ordo_rng_next(&a);
        assert_true(x == ordo_rng_next(&b));
        same_c += x == ordo_rng_next(&c);
    }
    assert_int_equal(same_c, 0);
    /* derived generators follow the same stream */
    ordo_rng_seed(&a, 5);
    ordo_rng_seed(&b, 5);
    for (int i = 0; i < 200; i++) {
        assert_true(ordo_rng_normal(&a) == ordo_rng_normal(&b));
        assert_true(ordo_rng_poisson(&a, 4.5) == ordo_rng_poisson(&b, 4.5));
        assert_true(ordo_rng_below(&a, 1000) == ordo_rng_below(&b, 1000));
    }
}

static void test_rng_ranges(void **state)
{
    (void)state;
    ordo_rng_t r;
    ordo_rng_seed(&r, 99);
    enum { N = 200000 };
    /* uniform in [0, 1): range, mean 1/2, variance 1/12 */
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double u = ordo_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        s += u;
        s2 += u * u;
    }
    double mean = s / N, var = s2 / N - mean * mean;
    /* sd of the mean is sqrt(1/12/N) = 0.00065; 5 sd */
    assert_true(fabs(mean - 0.5) < 0.0033);
    assert_true(fabs(var - 1.0 / 12) < 0.002);

    /* below(n): range and a chi-square check over 10 cells */
    long cnt[10] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t x = ordo_rng_below(&r, 10);
        assert_true(x < 10);
        cnt[x]++;
    }
    double chi = 0;
    for (int k = 0; k < 10; k++)
        chi += (cnt[k] - N / 10.0) * (cnt[k] - N / 10.0) / (N / 10.0);
    assert_true(chi < 27.88); /* chi-square(9) 0.999 quantile */
    assert_int_equal(ordo_rng_below(&r, 0), 0);
    assert_int_equal(ordo_rng_below(&r, 1), 0);
    uint64_t big = (UINT64_C(1) << 63) + 12345;
    for (int i = 0; i < 1000; i++)
        assert_true(ordo_rng_below(&r, big) < big);

    /* normal: mean 0, variance 1 */
    s = s2 = 0;
    for (int i = 0; i < N; i++) {
        double z = ordo_rng_normal(&r);
        assert_true(isfinite(z));
        s += z;
        s2 += z * z;
    }
    mean = s / N;
    var = s2 / N - mean * mean;
    assert_true(fabs(mean) < 0.012);    /* 5 sd of the mean */
    assert_true(fabs(var - 1) < 0.016); /* 5 sd of the variance (sqrt(2/N)) */

    /* exponential(rate 2): positive, mean 0.5 */
    s = 0;
    for (int i = 0; i < N; i++) {
        double e = ordo_rng_exponential(&r, 2.0);
        assert_true(e >= 0 && isfinite(e));
        s += e;
    }
    assert_true(fabs(s / N - 0.5) < 0.0056);

    /* lognormal: median e^mu */
    int below = 0;
    for (int i = 0; i < N; i++)
        below += ordo_rng_lognormal(&r, 1.0, 0.5) < exp(1.0);
    assert_true(fabs((double)below / N - 0.5) < 0.0056);

    /* poisson: mean λ for a small and a large λ (the two code paths) */
    static const double lambdas[] = {0.7, 3.0, 40, 250};
    for (size_t k = 0; k < sizeof lambdas / sizeof lambdas[0]; k++) {
        double lam = lambdas[k];
        s = s2 = 0;
        for (int i = 0; i < N / 4; i++) {
            double x = (double)ordo_rng_poisson(&r, lam);
            s += x;
            s2 += x * x;
        }
        double m = s / (N / 4), v = s2 / (N / 4) - m * m;
        double sd_mean = sqrt(lam / (N / 4));
        if (fabs(m - lam) > 5 * sd_mean)
            fail_msg("poisson(%g) mean %g", lam, m);
        assert_true(fabs(v / lam - 1) < 0.05);
    }
    assert_int_equal(ordo_rng_poisson(&r, 0), 0);
    assert_int_equal(ordo_rng_poisson(&r, -3), 0);
}

/* ---- files and errors ---- */

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/ordo-coretest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], sub[512];
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    ordo_error_t err;
    assert_int_equal(ordo_mkdir_p(sub, &err), ORDO_OK);
    assert_int_equal(ordo_mkdir_p(sub, &err), ORDO_OK); /* exists: fine */
    snprintf(path, sizeof path, "%s/data.bin", sub);
    const char payload[] = "line one\nline two\0binary";
    assert_int_equal(ordo_write_file_atomic(path, payload, sizeof payload, &err), ORDO_OK);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* no temp file left */
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(ordo_read_file(path, &data, &len, &err), ORDO_OK);
    assert_int_equal(len, sizeof payload);
    assert_memory_equal(data, payload, len);
    assert_int_equal(data[len], 0);
    free(data);
    /* overwrite atomically */
    assert_int_equal(ordo_write_file_atomic(path, "x", 1, &err), ORDO_OK);
    assert_int_equal(ordo_read_file(path, &data, &len, &err), ORDO_OK);
    assert_int_equal(len, 1);
    free(data);
    /* empty file */
    snprintf(path, sizeof path, "%s/empty", dir);
    assert_int_equal(ordo_write_file_atomic(path, "", 0, &err), ORDO_OK);
    assert_int_equal(ordo_read_file(path, &data, &len, &err), ORDO_OK);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    free(data);
    /* errors name the file */
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    ordo_error_clear(&err);
    assert_int_equal(ordo_read_file(path, &data, &len, &err), ORDO_ENOENT);
    assert_int_equal(err.code, ORDO_ENOENT);
    assert_string_equal(err.file, path);
    assert_int_equal(ordo_read_file(dir, &data, &len, &err), ORDO_EIO); /* a directory */
    snprintf(path, sizeof path, "%s/no/such/dir/f", dir);
    assert_int_not_equal(ordo_write_file_atomic(path, "x", 1, &err), ORDO_OK);
    assert_int_equal(err.code, ORDO_ENOENT);
    /* the cache variant (no fsync): same replace, same errors */
    assert_int_not_equal(ordo_write_file_replace(path, "x", 1, &err), ORDO_OK);
    assert_int_equal(err.code, ORDO_ENOENT);
    snprintf(path, sizeof path, "%s/cache.bin", dir);
    assert_int_equal(ordo_write_file_replace(path, payload, sizeof payload, &err), ORDO_OK);
    assert_int_equal(ordo_write_file_replace(path, "yz", 2, &err), ORDO_OK);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_equal(ordo_read_file(path, &data, &len, &err), ORDO_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(data, "yz", 2);
    free(data);
    snprintf(path, sizeof path, "%s/empty/sub", dir); /* under a regular file */
    assert_int_not_equal(ordo_mkdir_p(path, &err), ORDO_OK);
    assert_int_equal(ordo_mkdir_p("", &err), ORDO_EINVAL);
    /* cleanup */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_errors(void **state)
{
    (void)state;
    ordo_error_t err;
    ordo_error_clear(&err);
    assert_int_equal(err.code, ORDO_OK);
    int rc = ordo_error_set(&err, ORDO_EPARSE, "net/catalog.csv", 7, "weight_lb", "'%s' bad", "x1");
    assert_int_equal(rc, ORDO_EPARSE);
    assert_string_equal(err.file, "net/catalog.csv");
    assert_int_equal(err.line, 7);
    assert_string_equal(err.field, "weight_lb");
    assert_string_equal(err.msg, "'x1' bad");
    char buf[256];
    assert_string_equal(ordo_error_format(&err, buf, sizeof buf),
                        "net/catalog.csv:7: field 'weight_lb': 'x1' bad (EPARSE)");
    ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, NULL, NULL);
    assert_string_equal(err.file, "");
    assert_string_equal(ordo_error_format(&err, buf, sizeof buf), "unknown id (ENOTFOUND)");
    /* truncation is safe */
    char small[10];
    ordo_error_format(&err, small, sizeof small);
    assert_int_equal(strlen(small), 9);
    /* a NULL err is allowed everywhere */
    assert_int_equal(ordo_error_set(NULL, ORDO_EIO, "f", 1, "x", "m"), ORDO_EIO);
    ordo_error_clear(NULL);
    /* every code has a name and a text */
    for (int c = ORDO_OK; c >= ORDO_EINFEASIBLE; c--) {
        assert_string_not_equal(ordo_errname(c), "EUNKNOWN");
        assert_non_null(ordo_strerror(c));
    }
    assert_string_equal(ordo_errname(-999), "EUNKNOWN");
    assert_string_equal(ordo_strerror(-999), "unknown error");
    assert_string_equal(ordo_errname(ORDO_ESTOCK), "ESTOCK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse_good), cmocka_unit_test(test_time_against_timegm),
        cmocka_unit_test(test_time_parse_bad),  cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_csv_split),       cmocka_unit_test(test_parse_u32),
        cmocka_unit_test(test_parse_i64),       cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_strmap),          cmocka_unit_test(test_rng_golden),
        cmocka_unit_test(test_rng_determinism), cmocka_unit_test(test_rng_ranges),
        cmocka_unit_test(test_files),           cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
