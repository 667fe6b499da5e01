/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/hash.c: GrowthBook-compatible hashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exp_fixture.h"
#include "ordo/exp.h"

static double H(const char *seed, const char *id, int version)
{
    double v = -1;
    ordo_error_t err;
    int rc = ordo_exp_hash(seed, strlen(seed), id, strlen(id), version, &v, &err);
    assert_int_equal(rc, ORDO_OK);
    return v;
}

/* The values published with the GrowthBook SDK specification. */
static void test_published_values(void **state)
{
    (void)state;
    assert_true(H("", "a", 1) == 0.22);
    assert_true(H("b", "a", 1) == 0.946);
    assert_true(H("seed", "a", 2) == 0.0505);
    assert_true(H("foo", "ab", 2) == 0.2575);
}

/* FNV-1a 32 test vectors (Fowler/Noll/Vo reference): ASCII bytes equal
 * UTF-16 code units, so the streaming hash must reproduce them. */
static void test_fnv_vectors(void **state)
{
    (void)state;
    struct {
        const char *s;
        uint32_t h;
    } v[] = {{"", 0x811c9dc5u}, {"a", 0xe40c292cu}, {"foobar", 0xbf9cf968u}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t h = ORDO_EXP_FNV_OFFSET;
        assert_int_equal(ordo_exp_fnv1a32_update(&h, v[i].s, strlen(v[i].s), NULL), ORDO_OK);
        assert_int_equal(h, v[i].h);
    }
    /* Streaming: fnv("foo" + "bar") == fnv("foobar"). */
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    assert_int_equal(ordo_exp_fnv1a32_update(&h, "foo", 3, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_fnv1a32_update(&h, "bar", 3, NULL), ORDO_OK);
    assert_int_equal(h, 0xbf9cf968u);
}

/* A code point above U+FFFF is two UTF-16 units, each XORed in whole. */
static void test_utf16_units(void **state)
{
    (void)state;
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    assert_int_equal(ordo_exp_fnv1a32_update(&h, "\xF0\x9F\x98\x80", 4, NULL),
                     ORDO_OK); /* U+1F600 */
    uint32_t e = ORDO_EXP_FNV_OFFSET;
    e = (e ^ 0xD83Du) * ORDO_EXP_FNV_PRIME;
    e = (e ^ 0xDE00u) * ORDO_EXP_FNV_PRIME;
    assert_int_equal(h, e);
    h = ORDO_EXP_FNV_OFFSET;
    assert_int_equal(ordo_exp_fnv1a32_update(&h, "\xE6\x97\xA5", 3, NULL), ORDO_OK); /* U+65E5 */
    e = (ORDO_EXP_FNV_OFFSET ^ 0x65E5u) * ORDO_EXP_FNV_PRIME;
    assert_int_equal(h, e);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {
        "\x80",             /* lone continuation */
        "a\xC3",            /* truncated 2-byte */
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong 3-byte */
        "\xED\xA0\x80",     /* encoded surrogate U+D800 */
        "\xED\xBF\xBF",     /* encoded surrogate U+DFFF */
        "\xF0\x8F\xBF\xBF", /* overlong 4-byte */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", /* invalid lead */
        "\xFF",
        "\xE6\x97",     /* truncated 3-byte */
        "\xE6\x41\xA5", /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 0.5;
        ordo_error_t err;
        ordo_error_clear(&err);
        int rc = ordo_exp_hash("s", 1, bad[i], strlen(bad[i]), 2, &v, &err);
        assert_int_equal(rc, ORDO_EINVAL);
        assert_string_equal(err.field, "id");
        assert_non_null(strstr(err.msg, "UTF-8"));
        rc = ordo_exp_hash(bad[i], strlen(bad[i]), "x", 1, 1, &v, &err);
        assert_int_equal(rc, ORDO_EINVAL);
        assert_string_equal(err.field, "seed");
    }
    /* Boundaries that are valid. */
    const char *good[] = {"\xC2\x80",     "\xDF\xBF",     "\xE0\xA0\x80",     "\xED\x9F\xBF",
                          "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v;
        assert_int_equal(ordo_exp_hash("s", 1, good[i], strlen(good[i]), 2, &v, NULL), ORDO_OK);
    }
    /* An explicit length lets a NUL byte (U+0000, valid UTF-8) through. */
    double v1, v2;
    assert_int_equal(ordo_exp_hash("s", 1, "a\0b", 3, 2, &v1, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_hash("s", 1, "a", 1, 2, &v2, NULL), ORDO_OK);
    assert_true(v1 != v2);
}

static void test_bad_version(void **state)
{
    (void)state;
    double v;
    ordo_error_t err;
    assert_int_equal(ordo_exp_hash("s", 1, "a", 1, 3, &v, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "hash_version");
    assert_int_equal(ordo_exp_hash("s", 1, "a", 1, 0, &v, &err), ORDO_EINVAL);
    assert_int_equal(ordo_exp_hash(NULL, 0, "a", 1, 2, &v, &err), ORDO_OK);
    assert_true(v == H("", "a", 2));
}

/* Every row of the fixture made by the GrowthBook JS SDK. */
static void test_growthbook_fixture(void **state)
{
    (void)state;
    char *data = exp_fixture_read("growthbook_hash.csv");
    assert_non_null(data);
    size_t rows = 0, non_ascii = 0, header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        if (!strcmp(line, "seed,id,version,expected")) {
            header++;
            continue;
        }
        /* seed,id,version,expected — seed and id hold no commas. */
        char *f[4];
        int nf = 0;
        char *p = line;
        f[nf++] = p;
        while (*p && nf < 4) {
            if (*p == ',') {
                *p = '\0';
                f[nf++] = p + 1;
            }
            p++;
        }
        assert_int_equal(nf, 4);
        int version = atoi(f[2]);
        char *end;
        double expected = strtod(f[3], &end);
        assert_true(*end == '\0');
        double got = -1;
        ordo_error_t err;
        int rc = ordo_exp_hash(f[0], strlen(f[0]), f[1], strlen(f[1]), version, &got, &err);
        assert_int_equal(rc, ORDO_OK);
        if (got != expected)
            fail_msg("hash(\"%s\", \"%s\", %d) = %.17g, GrowthBook says %.17g", f[0], f[1], version,
                     got, expected);
        for (const char *q = f[1]; *q; q++)
            if ((unsigned char)*q >= 0x80) {
                non_ascii++;
                break;
            }
        rows++;
    }
    free(data);
    assert_int_equal(header, 1);
    assert_true(rows >= 1000);
    assert_true(non_ascii >= 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_values), cmocka_unit_test(test_fnv_vectors),
        cmocka_unit_test(test_utf16_units),      cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_bad_version),      cmocka_unit_test(test_growthbook_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
