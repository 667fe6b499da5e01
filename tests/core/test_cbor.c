/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/cbor.c and the CBOR mode of src/core/json.c: the same
 * writer calls made in text mode and in CBOR mode must give, after
 * ordo_cbor_to_json, the same JSON text byte for byte; CBOR made by another
 * encoder (python cbor2, tests/fixtures/cbor, made by
 * tools/fixtures/cbor/make_cbor_fixtures.py) must decode to the text writer's
 * form of the same document; and no input may crash the decoder.
 *
 * ORDO_WRITE_CBOR_FIXTURES=1 (re)writes tests/fixtures/cbor/<name>.ordo.cbor,
 * ordo's encoding of each fixture, which the script then reads with cbor2. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../src/core/cjson_internal.h" /* ordo_jsonw_cjson */
#include "ordo/cbor.h"
#include "ordo/util.h"
#include "ordo/json.h"
#include "ordo/util.h"

#define FIXTURES ORDO_SOURCE_DIR "/tests/fixtures/cbor"

#include "../fixtures/cbor/record_keys.h"

typedef void (*doc_fn)(ordo_jsonw_t *w, const void *arg);

/* ---- helpers ---- */

/* cJSON tree → writer calls (ordo_jsonw_cjson); cJSON holds every number
 * as a double. (The integer calls are covered by the hand-made documents.) */
static void walk_fn(ordo_jsonw_t *w, const void *arg)
{
    ordo_jsonw_cjson(w, arg);
}

static void write_doc(ordo_buf_t *out, int cbor, doc_fn fn, const void *arg)
{
    ordo_jsonw_t *w = malloc(sizeof *w); /* the writer is ~2.5 KB */
    assert_non_null(w);
    if (cbor)
        ordo_jsonw_init_cbor(w, out);
    else
        ordo_jsonw_init(w, out, 0);
    fn(w, arg);
    assert_int_equal(ordo_jsonw_finish(w), ORDO_OK);
    free(w);
}

static void expect_same(const char *name, const char *want, size_t wn, const char *got, size_t gn)
{
    if (wn == gn && !memcmp(want, got, wn))
        return;
    size_t i = 0;
    while (i < wn && i < gn && want[i] == got[i])
        i++;
    size_t from = i > 40 ? i - 40 : 0;
    print_error("%s: JSON differs at byte %zu (lengths %zu, %zu)\n  text: %.*s\n  cbor: %.*s\n",
                name, i, wn, gn, (int)((wn - from) < 100 ? wn - from : 100), want + from,
                (int)((gn - from) < 100 ? gn - from : 100), got + from);
    fail();
}

static int decode(const void *p, size_t n, ordo_buf_t *out)
{
    ordo_error_t err = {0};
    int rc = ordo_cbor_to_json(p, n, out, &err);
    if (rc)
        print_error("decode: %s\n", err.msg);
    return rc;
}

/* Writes the document both ways; the decoded CBOR must equal the text.
 * Returns the CBOR in *cbor_out when not NULL (caller frees). */
static void roundtrip(const char *name, doc_fn fn, const void *arg, ordo_buf_t *cbor_out,
                      size_t *text_len)
{
    ordo_buf_t text, cbor, back;
    ordo_buf_init(&text, NULL);
    ordo_buf_init(&cbor, NULL);
    ordo_buf_init(&back, NULL);
    write_doc(&text, 0, fn, arg);
    write_doc(&cbor, 1, fn, arg);
    assert_int_equal(decode(cbor.data, cbor.len, &back), ORDO_OK);
    expect_same(name, text.data ? text.data : "", text.len, back.data ? back.data : "", back.len);
    if (text_len)
        *text_len = text.len;
    if (cbor_out)
        *cbor_out = cbor;
    else
        ordo_buf_free(&cbor);
    ordo_buf_free(&text);
    ordo_buf_free(&back);
}

static cJSON *read_json(const char *path)
{
    char *data;
    size_t len;
    ordo_error_t err = {0};
    if (ordo_read_file(path, &data, &len, &err)) {
        print_error("%s: %s\n", path, err.msg);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    return j;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Sorted names of dir's files ending with suffix; returns the count. */
static int list_dir(const char *dir, const char *suffix, char names[][256], int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max)
        if (ends_with(e->d_name, suffix) && strlen(e->d_name) < 256)
            snprintf(names[n++], 256, "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* ---- documents made of writer calls ---- */

static void doc_unicode(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "text",
                    "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9d\x84\x9e "
                    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    ordo_jsonw_kstr(w, "\xc3\xa9t\xc3\xa9", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87");
    ordo_jsonw_key(w, "list");
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < 4; i++) {
        ordo_jsonw_str(w, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
        ordo_jsonw_str(w, "\xc3\xa9");          /* 2 bytes: never a reference */
        ordo_jsonw_str(w, "\xc3\xa9x");         /* 3 bytes: referenced */
        ordo_jsonw_str(w, "\xc3\xa9t\xc3\xa9"); /* same bytes as a key */
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void doc_invalid_utf8(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    static const char *const bad[] = {
        "\xff",
        "ab\xfe",
        "abc\xc3",                /* truncated 2-byte sequence */
        "\xed\xa0\x80 surrogate", /* UTF-16 surrogate */
        "\xc0\xaf overlong",      /* overlong '/' */
        "\xf4\x90\x80\x80 big",   /* above U+10FFFF */
        "\xf0\x9f\x98 cut",       /* truncated 4-byte */
        "\x80\x80\x80\x80",
        "ok \xe2\x82\xac then \xe2\x82",
    };
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "bad");
    ordo_jsonw_arr_begin(w);
    for (int r = 0; r < 3; r++) /* repeats go through the string table */
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
            ordo_jsonw_str(w, bad[i]);
    ordo_jsonw_strn(w, "a\0b", 3);
    ordo_jsonw_strn(w, "a\0b", 3);
    ordo_jsonw_strn(w, "\xef\xbf\xbd", 3); /* U+FFFD itself equals a replaced byte */
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kstr(w, "k\xff", "v\xff");
    ordo_jsonw_kstr(w, "\xfe\xfe\xfe", "x");
    ordo_jsonw_obj_end(w);
}

static void doc_control(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_str(w, "\x01\x02\x1f\x7f\n\r\t\b\f\"\\/ end");
    ordo_jsonw_str(w, "\x01\x02\x1f\x7f\n\r\t\b\f\"\\/ end");
    ordo_jsonw_str(w, "\t");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "\n\"", "\\");
    ordo_jsonw_obj_end(w);
    ordo_jsonw_arr_end(w);
}

static void doc_empty(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "", "");
    ordo_jsonw_key(w, "a");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_key(w, "b");
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "c");
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_str(w, "");
    ordo_jsonw_str(w, NULL);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void doc_top_scalar(ordo_jsonw_t *w, const void *arg)
{
    switch (*(const int *)arg) {
    case 0:
        ordo_jsonw_str(w, "");
        break;
    case 1:
        ordo_jsonw_int(w, 0);
        break;
    case 2:
        ordo_jsonw_null(w);
        break;
    case 3:
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_arr_end(w);
        break;
    case 4:
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_obj_end(w);
        break;
    case 5:
        ordo_jsonw_double(w, -0.0);
        break;
    case 6:
        ordo_jsonw_str(w, "just a string");
        break;
    default:
        ordo_jsonw_raw(w, "[1,\"x\",{\"y\":true}]", 18);
        break;
    }
}

static void doc_deep(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    int levels = ORDO_JSONW_MAX_DEPTH - 1; /* the deepest the writer allows */
    for (int i = 0; i < levels; i++) {
        if (i % 2) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_key(w, i % 4 == 1 ? "node" : "deeper");
        } else {
            ordo_jsonw_arr_begin(w);
            ordo_jsonw_int(w, i);
        }
    }
    ordo_jsonw_str(w, "bottom");
    for (int i = levels - 1; i >= 0; i--) {
        if (i % 2)
            ordo_jsonw_obj_end(w);
        else
            ordo_jsonw_arr_end(w);
    }
}

static const double test_doubles[] = {
    -0.0,
    0.0,
    0.1,
    -0.1,
    1e300,
    -1e300,
    5e-324,
    -5e-324,
    DBL_MIN,
    DBL_MAX,
    -DBL_MAX,
    FLT_MAX,
    FLT_MIN,
    1.5,
    -2.5,
    0.5,
    0.25,
    65504.0,
    65505.0,
    65536.0,
    6.103515625e-05,
    5.960464477539063e-08,
    3.0517578125e-05,
    -1.52587890625e-05,
    1.1920928955078125e-07,
    123456.75,
    1.0 / 3.0,
    2.0 / 3.0,
    1e15,
    -1e15,
    1e15 - 1,
    -(1e15 - 1),
    999999999999999.5,
    1e16,
    9007199254740992.0,
    9007199254740993.0,
    1152921504606846976.0,
    9.2233720368547758e18,
    1.8446744073709552e19,
    1e20,
    1e-7,
    3.14159,
    1.0,
    -1.0,
    24.0,
    255.0,
    256.0,
    -257.0,
    4294967296.0,
    128.0625,
    NAN,
    INFINITY,
    -INFINITY,
    1.401298464324817e-45,
    1e-310,
};

static void doc_numbers(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "doubles");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < sizeof test_doubles / sizeof *test_doubles; i++)
        ordo_jsonw_double(w, test_doubles[i]);
    /* r4-rounded costs like the plan writer's */
    for (int i = -2000; i < 2000; i += 7)
        ordo_jsonw_double(w, round(i * 1.37 * 1e4) / 1e4);
    ordo_jsonw_arr_end(w);
    static const int64_t ints[] = {
        0,
        1,
        -1,
        23,
        24,
        -24,
        -25,
        255,
        256,
        -256,
        -257,
        65535,
        65536,
        -65537,
        4294967295LL,
        4294967296LL,
        -4294967297LL,
        9007199254740991LL,
        9007199254740992LL,
        9007199254740993LL,
        -9007199254740993LL,
        INT64_MAX - 1,
        INT64_MAX,
        INT64_MIN + 1,
        INT64_MIN,
    };
    ordo_jsonw_key(w, "ints");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        ordo_jsonw_int(w, ints[i]);
    ordo_jsonw_arr_end(w);
    static const uint64_t uints[] = {
        0, 23, 24, (1ull << 63) - 1, 1ull << 63, UINT64_MAX - 1, UINT64_MAX};
    ordo_jsonw_key(w, "uints");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < sizeof uints / sizeof *uints; i++)
        ordo_jsonw_uint(w, uints[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kbool(w, "t", true);
    ordo_jsonw_kbool(w, "f", false);
    ordo_jsonw_kdouble(w, "nan", NAN);
    ordo_jsonw_kint(w, "zone", 3);
    ordo_jsonw_obj_end(w);
}

/* n distinct strings, each written three times, as values and as keys
 * outside the key table; n past ORDO_JSONW_STRREFS exercises strings that
 * get an index but are not remembered, and past 256 / 65536 the longer
 * minimum lengths. */
static void doc_many_strings(ordo_jsonw_t *w, const void *arg)
{
    int n = *(const int *)arg;
    char s[64];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "values");
    ordo_jsonw_arr_begin(w);
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < n; i++) {
            /* lengths 1..12 around every threshold (3, 4, 5, 7, 11) */
            int len = 1 + (i * 7 + r) % 12;
            int k = snprintf(s, sizeof s, "%d:%x", i, (unsigned)(i * 2654435761u));
            while (k < len) {
                s[k] = (char)('a' + (i + k) % 26);
                k++;
            }
            s[k] = 0;
            ordo_jsonw_strn(w, s, (size_t)len); /* a prefix, often shared */
            ordo_jsonw_str(w, s);
        }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "keys");
    ordo_jsonw_obj_begin(w);
    for (int i = 0; i < (n < 500 ? n : 500); i++) {
        snprintf(s, sizeof s, "custom_key_%d", i % 40); /* repeated text keys */
        ordo_jsonw_key(w, s);
        snprintf(s, sizeof s, "node-%03d", i % 50);
        ordo_jsonw_str(w, s);
    }
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

static void doc_keys(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "node", "DC-001");
    ordo_jsonw_kstr(w, "nodes", "DC-001"); /* not in the table */
    ordo_jsonw_kstr(w, "Node", "DC-001");
    ordo_jsonw_kstr(w, "nod", "nod");
    ordo_jsonw_kstr(w, "DC-001", "DC-001"); /* a key referencing a value */
    ordo_jsonw_kint(w, "zone", 4);
    ordo_jsonw_kint(w, "alternatives", 0); /* id past 23: two bytes */
    ordo_jsonw_key(w, "explain");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "zz_unknown", "zz_unknown");
    ordo_jsonw_kstr(w, "node", "nodes");
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

/* A decision-record-shaped document: many candidates with repeated ids. */
static void doc_decision_like(ordo_jsonw_t *w, const void *arg)
{
    (void)arg;
    char b[32];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "record_version", 1);
    ordo_jsonw_kstr(w, "timestamp", "2026-11-24T15:04:05Z");
    ordo_jsonw_kstr(w, "order_id", "ORD-1001");
    ordo_jsonw_key(w, "atp");
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < 30; i++) {
        ordo_jsonw_obj_begin(w);
        snprintf(b, sizeof b, "DC-%03d", i % 6);
        ordo_jsonw_kstr(w, "node", b);
        snprintf(b, sizeof b, "SKU-%07d", 38 + i % 5);
        ordo_jsonw_kstr(w, "sku", b);
        ordo_jsonw_kint(w, "atp", i * 13 % 97);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "candidates");
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < 20; i++) {
        ordo_jsonw_obj_begin(w);
        snprintf(b, sizeof b, "DC-%03d", i % 6);
        ordo_jsonw_kstr(w, "node", b);
        ordo_jsonw_kstr(w, "service", i % 2 ? "postal_ground" : "ups_ground");
        ordo_jsonw_key(w, "features");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "zone", i % 8 + 1);
        ordo_jsonw_kdouble(w, "miles", round(i * 123.4567 * 1e4) / 1e4);
        ordo_jsonw_kdouble(w, "landed_cost", round(i * 3.21 * 1e4) / 1e4);
        ordo_jsonw_kdouble(w, "on_time_prob", i % 3 ? 1 : 0.9731);
        ordo_jsonw_obj_end(w);
        ordo_jsonw_kstr(w, "verdict", i ? "outscored" : "chosen");
        if (i) {
            ordo_jsonw_kstr(w, "lost_on", "landed_cost");
            ordo_jsonw_kdouble(w, "gap", round(i * 0.731 * 1e4) / 1e4);
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

/* ---- tests ---- */

static void test_key_table(void **state)
{
    (void)state;
    uint32_t n = 0;
    while (ordo_cbor_key_name(n))
        n++;
    assert_true(n >= 90);
    for (uint32_t id = 0; id < n; id++) {
        const char *k = ordo_cbor_key_name(id);
        assert_int_equal(ordo_cbor_key_id(k, strlen(k)), (int)id);
        for (uint32_t j = 0; j < id; j++) /* no duplicates */
            assert_string_not_equal(ordo_cbor_key_name(j), k);
    }
    assert_null(ordo_cbor_key_name(n));
    assert_null(ordo_cbor_key_name(UINT32_MAX));
    assert_int_equal(ordo_cbor_key_id("nod", 3), -1);
    assert_int_equal(ordo_cbor_key_id("nodes", 5), -1);
    assert_int_equal(ordo_cbor_key_id("Node", 4), -1);
    assert_int_equal(ordo_cbor_key_id("", 0), -1);
    assert_int_equal(ordo_cbor_key_id("node_type", 4), ordo_cbor_key_id("node", 4));
    assert_int_equal(ordo_cbor_key_id("node\0x", 6), -1);
    /* ids are stable (append-only table): spot checks */
    assert_string_equal(ordo_cbor_key_name(0), "node");
    assert_string_equal(ordo_cbor_key_name(93), "alternatives");
}

static void test_handmade(void **state)
{
    (void)state;
    roundtrip("unicode", doc_unicode, NULL, NULL, NULL);
    roundtrip("invalid-utf8", doc_invalid_utf8, NULL, NULL, NULL);
    roundtrip("control", doc_control, NULL, NULL, NULL);
    roundtrip("empty", doc_empty, NULL, NULL, NULL);
    for (int i = 0; i <= 7; i++) {
        char name[32];
        snprintf(name, sizeof name, "top-%d", i);
        roundtrip(name, doc_top_scalar, &i, NULL, NULL);
    }
    roundtrip("deep", doc_deep, NULL, NULL, NULL);
    roundtrip("numbers", doc_numbers, NULL, NULL, NULL);
    roundtrip("keys", doc_keys, NULL, NULL, NULL);
    roundtrip("decision-like", doc_decision_like, NULL, NULL, NULL);
    static const int counts[] = {
        0, 5, 30, ORDO_JSONW_STRREFS - 1, ORDO_JSONW_STRREFS, ORDO_JSONW_STRREFS + 1, 300, 1000};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        char name[32];
        snprintf(name, sizeof name, "strings-%d", counts[i]);
        roundtrip(name, doc_many_strings, &counts[i], NULL, NULL);
    }
}

/* Index 65536 and beyond: strings need 7 bytes to be recorded there. */
static void test_huge_string_table(void **state)
{
    (void)state;
    int n = 70000;
    roundtrip("strings-70000", doc_many_strings, &n, NULL, NULL);
}

/* The exact bytes of a few values: the encoding is the documented one. */
static void test_encoding_bytes(void **state)
{
    (void)state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "node", "DC-1");     /* key id 0; "DC-1" gets index 0 */
    ordo_jsonw_kstr(&w, "xy", "DC-1");       /* text key, too short; reference */
    ordo_jsonw_kdouble(&w, "zone", 1.5);     /* half */
    ordo_jsonw_kdouble(&w, "gap", 100000.5); /* single */
    ordo_jsonw_kdouble(&w, "by", 0.1);       /* double */
    ordo_jsonw_kdouble(&w, "sku", 42.0);     /* integer */
    ordo_jsonw_kdouble(&w, "line", -0.0);    /* half -0 */
    ordo_jsonw_kint(&w, "rule", -500);
    ordo_jsonw_key(&w, "lines");
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_null(&w);
    ordo_jsonw_bool(&w, true);
    ordo_jsonw_double(&w, 5.960464477539063e-08); /* smallest subnormal half */
    ordo_jsonw_double(&w, NAN);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    static const unsigned char want[] = {
        0xd9, 0x01, 0x00, 0xbf,                                     /* 256( { */
        0x00, 0x64, 'D',  'C',  '-',  '1',                          /* node: "DC-1" */
        0x62, 'x',  'y',  0xd8, 0x19, 0x00,                         /* "xy": 25(0) */
        0x07, 0xf9, 0x3e, 0x00,                                     /* zone: 1.5 */
        0x11, 0xfa, 0x47, 0xc3, 0x50, 0x40,                         /* gap: 100000.5 */
        0x14, 0xfb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, /* by: 0.1 */
        0x04, 0x18, 0x2a,                                           /* sku: 42 */
        0x02, 0xf9, 0x80, 0x00,                                     /* line: -0.0 */
        0x12, 0x39, 0x01, 0xf3,                                     /* rule: -500 */
        0x01, 0x9f, 0xf6, 0xf5, 0xf9, 0x00, 0x01, 0xf6, 0xff,       /* lines: [...] */
        0xff,
    };
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    ordo_buf_t j;
    ordo_buf_init(&j, NULL);
    assert_int_equal(decode(b.data, b.len, &j), ORDO_OK);
    char tiny[32], want_json[256];
    ordo_json_format_double(5.960464477539063e-08, tiny);
    snprintf(want_json, sizeof want_json,
             "{\"node\":\"DC-1\",\"xy\":\"DC-1\",\"zone\":1.5,\"gap\":100000.5,\"by\":0.1,"
             "\"sku\":42,\"line\":-0,\"rule\":-500,\"lines\":[null,true,%s,null]}",
             tiny);
    assert_string_equal(j.data, want_json);
    /* the writer appends after what the buffer held */
    ordo_buf_reset(&b);
    ordo_buf_puts(&b, "prefix");
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_str(&w, "again");
    ordo_jsonw_str(&w, "again");
    ordo_jsonw_arr_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    static const unsigned char want2[] = {'p',  'r', 'e', 'f', 'i', 'x', 0xd9, 0x01, 0x00, 0x9f,
                                          0x65, 'a', 'g', 'a', 'i', 'n', 0xd8, 0x19, 0x00, 0xff};
    assert_int_equal(b.len, sizeof want2);
    assert_memory_equal(b.data, want2, sizeof want2);
    ordo_buf_free(&b);
    ordo_buf_free(&j);
}

/* A run (ordo_jsonw_cbor_run_*) writes what the generic calls write, byte
 * for byte: strings from a small pool (repeats become references; short,
 * long, invalid UTF-8, NULL), integers and numbers of any sign, arrays; the
 * output buffer starts empty, so the run's room grows it; a member after the
 * run sees the run's strings in the table. */
static void test_run(void **state)
{
    (void)state;
    static const char *const pool[] = {"ab",
                                       "node-17",
                                       "SKU-0001",
                                       "ground",
                                       "x\xff"
                                       "y",
                                       "web",
                                       "2026-12-07",
                                       "SKU-0001",
                                       "\xc3\xa9t\xc3\xa9",
                                       NULL};
    char big[700];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 11);
    for (int round = 0; round < 300; round++) {
        ordo_buf_t a, b;
        ordo_buf_init(&a, NULL);
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t wa, wb;
        ordo_jsonw_init_cbor(&wa, &a);
        ordo_jsonw_init_cbor(&wb, &b);
        ordo_jsonw_obj_begin(&wa);
        ordo_jsonw_obj_begin(&wb);
        ordo_jsonw_key(&wa, "run");
        ordo_jsonw_key(&wb, "run");
        ordo_jsonw_arr_begin(&wa);
        unsigned char *p = ordo_jsonw_cbor_run_begin(&wb, 16);
        assert_non_null(p);
        *p++ = 0x9f;
        int depth = 0, n = 1 + (int)(ordo_rng_next(&rng) % 60);
        for (int i = 0; i < n; i++) {
            uint64_t r = ordo_rng_next(&rng);
            p = ordo_cbor_run_room(&wb, p, 16);
            assert_non_null(p);
            switch (r % 6) {
            case 0:
            case 1: {
                const char *s = r % 97 == 0 ? big : pool[(r >> 8) % (sizeof pool / sizeof *pool)];
                ordo_jsonw_str(&wa, s);
                p = ordo_jsonw_cbor_run_text(&wb, p, s);
                break;
            }
            case 2: {
                int64_t v = (int64_t)(r >> 3) >> ((r >> 20) % 62);
                v = r & 4 ? -v : v;
                ordo_jsonw_int(&wa, v);
                p += v >= 0 ? ordo_cbor_head(p, 0, (uint64_t)v)
                            : ordo_cbor_head(p, 1, (uint64_t)(-1 - v));
                break;
            }
            case 3: {
                double v = (double)(int64_t)(r >> 11) / (double)(1 + (r & 0xffff));
                v = r & 0x10000 ? -v : v;
                ordo_jsonw_double(&wa, v);
                p += ordo_cbor_number_bytes(v, p);
                break;
            }
            case 4:
                ordo_jsonw_arr_begin(&wa);
                *p++ = 0x9f;
                depth++;
                break;
            default:
                if (depth) {
                    ordo_jsonw_arr_end(&wa);
                    *p++ = 0xff;
                    depth--;
                }
            }
            assert_non_null(p);
        }
        p = ordo_cbor_run_room(&wb, p, (size_t)depth + 1);
        for (; depth >= 0; depth--) {
            ordo_jsonw_arr_end(&wa);
            *p++ = 0xff;
        }
        ordo_jsonw_cbor_run_end(&wb, p);
        for (size_t i = 0; i < sizeof pool / sizeof *pool; i++) { /* after the run */
            ordo_jsonw_kstr(&wa, "after", pool[i]);
            ordo_jsonw_kstr(&wb, "after", pool[i]);
        }
        ordo_jsonw_obj_end(&wa);
        ordo_jsonw_obj_end(&wb);
        assert_int_equal(ordo_jsonw_finish(&wa), ORDO_OK);
        assert_int_equal(ordo_jsonw_finish(&wb), ORDO_OK);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        assert_int_equal(wa.n_refs, wb.n_refs);
        ordo_buf_free(&a);
        ordo_buf_free(&b);
    }
    /* not CBOR, or a value where a key must come: NULL, and the error */
    ordo_buf_t t;
    ordo_buf_init(&t, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &t, 0);
    assert_null(ordo_jsonw_cbor_run_begin(&w, 8));
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_buf_reset(&t);
    ordo_jsonw_init_cbor(&w, &t);
    ordo_jsonw_obj_begin(&w);
    assert_null(ordo_jsonw_cbor_run_begin(&w, 8));
    assert_null(ordo_cbor_run_room(&w, NULL, 8));
    assert_null(ordo_jsonw_cbor_run_text(&w, NULL, "abc"));
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_buf_free(&t);
}

/* Every half, and the floats around them: decode(encode(v)) prints as v. */
static void test_float_widths(void **state)
{
    (void)state;
    ordo_buf_t b, j;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&j, NULL);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    for (int i = 0; i < 70000; i++) {
        double v;
        if (i < 65536) { /* half bit patterns via their value */
            int e = (i >> 10) & 0x1f, m = i & 0x3ff;
            if (e == 31)
                continue;
            v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
            if (i & 0x8000)
                v = -v;
        } else {
            uint64_t bits = ordo_rng_next(&rng);
            memcpy(&v, &bits, sizeof v);
        }
        ordo_buf_reset(&b);
        ordo_buf_reset(&j);
        ordo_jsonw_t w;
        ordo_jsonw_init_cbor(&w, &b);
        ordo_jsonw_double(&w, v);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
        char want[32];
        ordo_json_format_double(v, want);
        assert_int_equal(decode(b.data, b.len, &j), ORDO_OK);
        if (strcmp(j.data, want)) {
            print_error("%a: %s vs %s\n", v, j.data, want);
            fail();
        }
        /* exact halves take 3 bytes (+ tag 256); integers may take fewer */
        if (i < 65536 && v != floor(v))
            assert_int_equal(b.len, 3 + 3);
    }
    ordo_buf_free(&b);
    ordo_buf_free(&j);
}

static void test_raw(void **state)
{
    (void)state;
    /* raw text already in normalized form reads back identical */
    static const char norm[] = "{\"a\":[1,2.5,\"x\",true,null,{}],\"node\":\"DC-1\",\"b\":-0}";
    ordo_buf_t b, j;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&j, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "r");
    ordo_jsonw_raw(&w, norm, strlen(norm));
    ordo_jsonw_key(&w, "s");
    static const char messy[] = " [ 1.50 , 1e2, 0.10, \"\\u00e9\\n\", {\"k\" : [ ] } ] \n";
    ordo_jsonw_raw(&w, messy, strlen(messy));
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_int_equal(decode(b.data, b.len, &j), ORDO_OK);
    assert_string_equal(j.data, "{\"r\":{\"a\":[1,2.5,\"x\",true,null,{}],\"node\":\"DC-1\","
                                "\"b\":-0},\"s\":[1.5,100,0.1,\"\xc3\xa9\\n\",{\"k\":[]}]}");
    /* malformed raw text, or text after the value: EINVAL */
    static const char *const bad[] = {"", "[1,", "{\"a\"}", "1 2", "nul", "[] x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ordo_buf_reset(&b);
        ordo_jsonw_init_cbor(&w, &b);
        ordo_jsonw_arr_begin(&w);
        ordo_jsonw_raw(&w, bad[i], strlen(bad[i]));
        ordo_jsonw_arr_end(&w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    }
    ordo_buf_free(&b);
    ordo_buf_free(&j);
}

static void test_misuse(void **state)
{
    (void)state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    /* key after key */
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "a");
    ordo_jsonw_key(&w, "b");
    ordo_jsonw_null(&w);
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    /* value without key */
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_int(&w, 1);
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    /* key in an array, key at top level */
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_key(&w, "a");
    ordo_jsonw_arr_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_key(&w, "a");
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    /* mismatched close, close at top, unclosed, dangling key */
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_arr_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_arr_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_arr_begin(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "a");
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    /* nothing written; two top-level values */
    ordo_jsonw_init_cbor(&w, &b);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_int(&w, 1);
    ordo_jsonw_int(&w, 2);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    /* too deep, in both modes */
    for (int cbor = 0; cbor < 2; cbor++) {
        if (cbor)
            ordo_jsonw_init_cbor(&w, &b);
        else
            ordo_jsonw_init(&w, &b, 0);
        for (int i = 0; i < ORDO_JSONW_MAX_DEPTH; i++)
            ordo_jsonw_arr_begin(&w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    }
    /* out of memory is sticky */
    ordo_buf_t full;
    ordo_buf_init(&full, NULL);
    assert_int_equal(ordo_buf_reserve(&full, SIZE_MAX - 4), ORDO_ENOMEM);
    ordo_jsonw_init_cbor(&w, &full);
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_str(&w, "abc");
    ordo_jsonw_arr_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_ENOMEM);
    ordo_buf_free(&full);
    ordo_buf_free(&b);
}

/* ---- tables (ordo_jsonw_table_begin) ---- */

typedef struct {
    unsigned rows;
    unsigned seed;
    int table; /* 0: the same rows as a plain array */
    const char *const *keys;
} table_doc_t;

static const char *const table_keys[] = {"node", "sku", "atp", "zone"};
static const char *const odd_keys[] = {"node", "not-a-key-id"};

/* Rows in runs (as the ATP list is), with every kind of scalar, strings
 * too long to compare, invalid UTF-8 and numbers that repeat. */
static void table_fn(ordo_jsonw_t *w, const void *arg)
{
    const table_doc_t *t = arg;
    static const char *const nodes[] = {"DC-001",  "ST-0042", "a-node-id-longer-than-22-bytes",
                                        "bad\xff", "x",       ""};
    ordo_rng_t r;
    ordo_rng_seed(&r, t->seed);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "sku", "SKU-0000001"); /* a stringref cells may reference */
    ordo_jsonw_key(w, "atp");
    if (t->table)
        ordo_jsonw_table_begin(w, t->keys, t->keys == odd_keys ? 2 : 4);
    else
        ordo_jsonw_arr_begin(w);
    const char *node = nodes[0];
    for (unsigned i = 0; i < t->rows; i++) {
        if (ordo_rng_below(&r, 3) == 0)
            node = nodes[ordo_rng_below(&r, 6)];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "node", node);
        if (t->keys == odd_keys) {
            ordo_jsonw_kint(w, "not-a-key-id", (int64_t)i);
            ordo_jsonw_obj_end(w);
            continue;
        }
        char sku[32];
        snprintf(sku, sizeof sku, "SKU-%07u", (unsigned)ordo_rng_below(&r, 4));
        ordo_jsonw_kstr(w, "sku", sku);
        ordo_jsonw_kint(w, "atp", (int64_t)ordo_rng_below(&r, 3) - 1);
        ordo_jsonw_key(w, "zone");
        switch (ordo_rng_below(&r, 6)) {
        case 0:
            ordo_jsonw_double(w, 0.1);
            break;
        case 1:
            ordo_jsonw_double(w, 2.5);
            break;
        case 2:
            ordo_jsonw_bool(w, i % 2);
            break;
        case 3:
            ordo_jsonw_null(w);
            break;
        case 4:
            ordo_jsonw_uint(w, 1u << 20);
            break;
        default:
            ordo_jsonw_str(w, "zone");
            break;
        }
        ordo_jsonw_obj_end(w);
    }
    if (t->table)
        ordo_jsonw_table_end(w);
    else
        ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void test_tables(void **state)
{
    (void)state;
    /* round trips: text == decode(CBOR); a table is smaller than the array */
    for (unsigned seed = 1; seed <= 40; seed++) {
        unsigned rows = seed == 1 ? 0 : seed * 7;
        table_doc_t t = {rows, seed, 1, table_keys}, a = {rows, seed, 0, table_keys};
        ordo_buf_t ct, ca;
        roundtrip("table", table_fn, &t, &ct, NULL);
        roundtrip("plain array", table_fn, &a, &ca, NULL);
        if (rows >= 14)
            assert_true(ct.len * 10 < ca.len * 8); /* at least 20% smaller */
        ordo_buf_free(&ct);
        ordo_buf_free(&ca);
    }
    /* keys not in the key table: a plain array, the same text */
    table_doc_t o = {30, 7, 1, odd_keys}, oa = {30, 7, 0, odd_keys};
    ordo_buf_t co, cao;
    roundtrip("table of odd keys", table_fn, &o, &co, NULL);
    roundtrip("array of odd keys", table_fn, &oa, &cao, NULL);
    assert_int_equal(co.len, cao.len);
    assert_memory_equal(co.data, cao.data, co.len);
    ordo_buf_free(&co);
    ordo_buf_free(&cao);

    /* the exact bytes */
    static const char *const k2[] = {"node", "atp"};
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_table_begin(&w, k2, 2);
    static const struct {
        const char *node;
        int atp;
    } rows[] = {{"DC-1", 5}, {"DC-1", 5}, {"DC-2", 5}, {"DC-1", 6}};
    for (size_t i = 0; i < 4; i++) {
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "node", rows[i].node);
        ordo_jsonw_kint(&w, "atp", rows[i].atp);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_table_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    static const unsigned char want[] = {
        0xd9, 0x01, 0x00,                  /* 256( */
        0xda, 'O',  'R',  'D',  'T', 0x9f, /* table [_ */
        0x82, 0x00, 0x15,                  /* keys [node, atp] */
        0x64, 'D',  'C',  '-',  '1', 0x05, /* "DC-1" (index 0), 5 */
        0xf7, 0xf7,                        /* as above, as above */
        0x64, 'D',  'C',  '-',  '2', 0xf7, /* "DC-2" (index 1), as above */
        0xd8, 0x19, 0x00, 0x06,            /* 25(0), 6 */
        0xff};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    ordo_buf_free(&b);

    /* misuse: keys out of order, a missing key, a nested value, a key
     * that is not the table's, a second table inside */
    for (int m = 0; m < 5; m++) {
        ordo_buf_init(&b, NULL);
        ordo_jsonw_init_cbor(&w, &b);
        ordo_jsonw_table_begin(&w, k2, 2);
        ordo_jsonw_obj_begin(&w);
        switch (m) {
        case 0:
            ordo_jsonw_kint(&w, "atp", 1);
            ordo_jsonw_kstr(&w, "node", "a");
            break;
        case 1:
            ordo_jsonw_kstr(&w, "node", "a");
            break;
        case 2:
            ordo_jsonw_kstr(&w, "node", "a");
            ordo_jsonw_key(&w, "atp");
            ordo_jsonw_arr_begin(&w);
            ordo_jsonw_arr_end(&w);
            break;
        case 3:
            ordo_jsonw_kstr(&w, "node", "a");
            ordo_jsonw_kint(&w, "zone", 1);
            break;
        default:
            ordo_jsonw_kstr(&w, "node", "a");
            ordo_jsonw_key(&w, "atp");
            ordo_jsonw_table_begin(&w, k2, 2);
            ordo_jsonw_table_end(&w);
            break;
        }
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_table_end(&w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
        ordo_buf_free(&b);
    }
}

typedef struct {
    const char *name;
    const unsigned char *p;
    size_t n;
    const char *json; /* NULL: must fail with ORDO_ECORRUPT */
} foreign_t;

#define F(name, json, ...)                                                                         \
    {                                                                                              \
        name, (const unsigned char[]){__VA_ARGS__}, sizeof((const unsigned char[]){__VA_ARGS__}),  \
            json                                                                                   \
    }

/* CBOR any encoder may write: definite lengths, chunked strings, all float
 * widths, no namespace; and what the decoder must refuse. */
static void test_decode_foreign(void **state)
{
    (void)state;
    const foreign_t cases[] = {
        /* compound literals: not static */
        F("definite containers", "{\"node\":[1,2],\"ab\":{}}", 0xa2, 0x00, 0x82, 0x01, 0x02, 0x62,
          'a', 'b', 0xa0),
        F("no namespace, plain string", "\"abc\"", 0x63, 'a', 'b', 'c'),
        F("chunked string", "[\"abcdef\",\"abcdef\"]", 0xd9, 0x01, 0x00, 0x82, 0x7f, 0x63, 'a', 'b',
          'c', 0x63, 'd', 'e', 'f', 0xff, 0x66, 'a', 'b', 'c', 'd', 'e', 'f'),
        /* chunks are not recorded: index 0 is the definite "xyz" */
        F("chunks not recorded", "[\"xyzw\",\"xyz\",\"xyz\"]", 0xd9, 0x01, 0x00, 0x83, 0x7f, 0x64,
          'x', 'y', 'z', 'w', 0xff, 0x63, 'x', 'y', 'z', 0xd8, 0x19, 0x00),
        F("empty chunked string", "{\"\":\"\"}", 0xbf, 0x7f, 0xff, 0x7f, 0x60, 0xff, 0xff),
        F("chunked key", "{\"ke\":1}", 0xa1, 0x7f, 0x61, 'k', 0x61, 'e', 0xff, 0x01),
        F("stringref key", "[\"custom\",{\"custom\":\"custom\"}]", 0xd9, 0x01, 0x00, 0x82, 0x66,
          'c', 'u', 's', 't', 'o', 'm', 0xa1, 0xd8, 0x19, 0x00, 0xd8, 0x19, 0x00),
        F("floats", "[1.5,1.5,1.5,-0,0.1,null,null,null]", 0x88, 0xf9, 0x3e, 0x00, 0xfa, 0x3f, 0xc0,
          0x00, 0x00, 0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xfb, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xfb,
          0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0xf9, 0x7e, 0x00, 0xf9, 0x7c, 0x00, 0xfa,
          0xff, 0x80, 0x00, 0x00),
        F("integral float", "[2,100000]", 0x82, 0xfb, 0x40, 0, 0, 0, 0, 0, 0, 0, 0xfa, 0x47, 0xc3,
          0x50, 0x00),
        F("integer widths", "[0,24,256,65536,4294967296,-1,-25,-257,-65537,-4294967297]", 0x8a,
          0x00, 0x18, 0x18, 0x19, 0x01, 0x00, 0x1a, 0x00, 0x01, 0x00, 0x00, 0x1b, 0, 0, 0, 1, 0, 0,
          0, 0, 0x20, 0x38, 0x18, 0x39, 0x01, 0x00, 0x3a, 0x00, 0x01, 0x00, 0x00, 0x3b, 0, 0, 0, 1,
          0, 0, 0, 0),
        F("uint64 max", "18446744073709551615", 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff),
        F("int64 min", "-9223372036854775808", 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff),
        F("below int64 min", "-9223372036854775809", 0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0),
        F("negint64 max", "-18446744073709551616", 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0xff),
        F("negint 1e19-1", "-10000000000000000000", 0x3b, 0x8a, 0xc7, 0x23, 0x04, 0x89, 0xe7, 0xff,
          0xff),
        F("nested definite", "[[[]],{\"a\":[{}]}]", 0x82, 0x81, 0x80, 0xa1, 0x61, 'a', 0x81, 0xa0),
        F("bools", "[true,false,null]", 0x83, 0xf5, 0xf4, 0xf6),
        /* tables (ORDO_CBOR_TAG_TABLE "ORDT"): keys node (0), atp (21) */
        F("table", "[{\"node\":\"a\",\"atp\":1},{\"node\":\"a\",\"atp\":2}]", 0xda, 'O', 'R', 'D',
          'T', 0x9f, 0x82, 0x00, 0x15, 0x61, 'a', 0x01, 0xf7, 0x02, 0xff),
        F("empty table", "{\"atp\":[]}", 0xa1, 0x15, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x15,
          0xff),
        F("table repeats a negative and a float",
          "[{\"atp\":-3},{\"atp\":-3},{\"atp\":1.5},"
          "{\"atp\":1.5}]",
          0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x15, 0x22, 0xf7, 0xf9, 0x3e, 0x00, 0xf7, 0xff),
        F("table repeats a reference", "[\"abc\",[{\"node\":\"abc\"},{\"node\":\"abc\"}]]", 0xd9,
          0x01, 0x00, 0x82, 0x63, 'a', 'b', 'c', 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x00, 0xd8,
          0x19, 0x00, 0xf7, 0xff),
        F("undefined in a table's first row", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x00,
          0xf7, 0xff),
        F("table of a map", NULL, 0xda, 'O', 'R', 'D', 'T', 0xbf, 0xff),
        F("definite table", NULL, 0xda, 'O', 'R', 'D', 'T', 0x82, 0x81, 0x00, 0x01),
        F("table keys as text", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x61, 'a', 0x01, 0xff),
        F("table keys not an array", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x00, 0xff),
        F("table with no keys", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x80, 0xff),
        F("table ends inside a row", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x82, 0x00, 0x15, 0x01,
          0xff),
        F("table ends before its keys", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0xff),
        F("container in a table cell", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x00, 0x80,
          0xff),
        F("table in a table cell", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x00, 0xda, 'O', 'R',
          'D', 'T', 0x9f, 0x81, 0x00, 0xff, 0xff),
        F("table as a map key", NULL, 0xa1, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x00, 0xff, 0x01),
        F("table tag on a string", NULL, 0xda, 'O', 'R', 'D', 'T', 0x61, 'a'),
        F("unknown table key id", NULL, 0xda, 'O', 'R', 'D', 'T', 0x9f, 0x81, 0x18, 0xf0, 0x01,
          0xff),
        F("1-byte length string", "\"aaaaaaaaaaaaaaaaaaaaaaaa\"", 0x78, 0x18, 'a', 'a', 'a', 'a',
          'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
          'a', 'a'),
        /* refused */
        F("empty input", NULL, 0xd9, 0x01, 0x00),
        F("byte string", NULL, 0x42, 0x01, 0x02),
        F("chunked byte string", NULL, 0x5f, 0x41, 0x01, 0xff),
        F("undefined", NULL, 0xf7),
        F("simple value", NULL, 0xf8, 0x20),
        F("reserved", NULL, 0x1c),
        F("tag 1", NULL, 0xc1, 0x01),
        F("tag 55799", NULL, 0xd9, 0xd9, 0xf7, 0x01),
        F("nested namespace", NULL, 0xd9, 0x01, 0x00, 0x81, 0xd9, 0x01, 0x00, 0x80),
        F("double namespace", NULL, 0xd9, 0x01, 0x00, 0xd9, 0x01, 0x00, 0x80),
        F("ref out of range", NULL, 0xd9, 0x01, 0x00, 0x82, 0x63, 'a', 'b', 'c', 0xd8, 0x19, 0x01),
        F("short string not recorded", NULL, 0xd9, 0x01, 0x00, 0x82, 0x62, 'a', 'b', 0xd8, 0x19,
          0x00),
        F("ref outside namespace", NULL, 0x82, 0x63, 'a', 'b', 'c', 0xd8, 0x19, 0x00),
        F("ref of a string", NULL, 0xd9, 0x01, 0x00, 0x82, 0x63, 'a', 'b', 'c', 0xd8, 0x19, 0x61,
          'a'),
        F("ref then break", NULL, 0xd9, 0x01, 0x00, 0x9f, 0xd8, 0x19, 0xff),
        F("trailing bytes", NULL, 0x80, 0x00),
        F("two values", NULL, 0x01, 0x02),
        F("truncated map", NULL, 0xbf, 0x00, 0x01),
        F("truncated string", NULL, 0x65, 'a', 'b'),
        F("truncated head", NULL, 0x19, 0x01),
        F("unknown key id", NULL, 0xa1, 0x18, 0xf0, 0x01),
        F("huge key id", NULL, 0xa1, 0x1b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01),
        F("negative key", NULL, 0xa1, 0x20, 0x01),
        F("float key", NULL, 0xa1, 0xf9, 0x3c, 0x00, 0x01),
        F("array key", NULL, 0xa1, 0x80, 0x01),
        F("null key", NULL, 0xa1, 0xf6, 0x01),
        F("bool key", NULL, 0xa1, 0xf5, 0x01),
        F("NUL in key", NULL, 0xa1, 0x63, 'a', 0x00, 'b', 0x01),
        F("break at top", NULL, 0xff),
        F("break in definite array", NULL, 0x82, 0x01, 0xff),
        F("break after key", NULL, 0xbf, 0x00, 0xff),
        F("int chunk", NULL, 0x7f, 0x01, 0xff),
        F("nested chunked string", NULL, 0x7f, 0x7f, 0xff, 0xff),
        F("unterminated chunks", NULL, 0x7f, 0x61, 'a'),
        F("array count too large", NULL, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
          0x01),
        F("map count too large", NULL, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00),
        F("string length too large", NULL, 0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
          'a'),
    };
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const foreign_t *c = &cases[i];
        ordo_buf_reset(&out);
        ordo_buf_puts(&out, "keep");
        ordo_error_t err = {0};
        int rc = ordo_cbor_to_json(c->p, c->n, &out, &err);
        if (c->json) {
            if (rc)
                print_error("%s: %s\n", c->name, err.msg);
            assert_int_equal(rc, ORDO_OK);
            if (strcmp(out.data + 4, c->json)) {
                print_error("%s: got %s, want %s\n", c->name, out.data + 4, c->json);
                fail();
            }
        } else {
            if (rc != ORDO_ECORRUPT)
                print_error("%s: rc %d, output %s\n", c->name, rc, out.data);
            assert_int_equal(rc, ORDO_ECORRUPT);
            assert_non_null(strstr(err.msg, "at byte"));
            assert_string_equal(out.data, "keep"); /* nothing half-written */
        }
    }
    /* nesting: the text writer's limit */
    unsigned char deep[ORDO_JSONW_MAX_DEPTH + 1];
    for (int depth = ORDO_JSONW_MAX_DEPTH - 1; depth <= ORDO_JSONW_MAX_DEPTH; depth++) {
        memset(deep, 0x81, (size_t)depth);
        deep[depth - 1] = 0x80;
        ordo_buf_reset(&out);
        ordo_error_t err = {0};
        int rc = ordo_cbor_to_json(deep, (size_t)depth, &out, &err);
        assert_int_equal(rc, depth < ORDO_JSONW_MAX_DEPTH ? ORDO_OK : ORDO_ECORRUPT);
    }
    /* the error names the offset of the bad item */
    static const unsigned char at7[] = {0xd9, 0x01, 0x00, 0x82, 0x62, 'a', 'b', 0x42, 0x00, 0x00};
    ordo_error_t err = {0};
    ordo_buf_reset(&out);
    assert_int_equal(ordo_cbor_to_json(at7, sizeof at7, &out, &err), ORDO_ECORRUPT);
    assert_non_null(strstr(err.msg, "at byte 7"));
    ordo_buf_free(&out);
}

/* docs/examples: text vs CBOR, and the sizes. */
static void test_examples(void **state)
{
    (void)state;
    static const char *const dirs[] = {ORDO_SOURCE_DIR "/docs/examples",
                                       ORDO_SOURCE_DIR "/docs/examples/network"};
    static char names[64][256];
    int total = 0;
    for (size_t d = 0; d < 2; d++) {
        int n = list_dir(dirs[d], ".json", names, 64);
        for (int i = 0; i < n; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
            cJSON *j = read_json(path);
            if (!j) {
                print_error("%s: not JSON\n", path);
                fail();
            }
            ordo_buf_t cbor;
            size_t text_len = 0;
            roundtrip(path, walk_fn, j, &cbor, &text_len);
            printf("  %-40s JSON %6zu bytes, CBOR %6zu bytes (%.0f%%)\n", names[i], text_len,
                   cbor.len, 100.0 * (double)cbor.len / (double)text_len);
            if (!strcmp(names[i], "plan.json"))
                assert_true(cbor.len < text_len);
            ordo_buf_free(&cbor);
            cJSON_Delete(j);
            total++;
        }
    }
    assert_true(total >= 10);
}

/* tests/fixtures/cbor: CBOR from python cbor2 decodes to the text writer's
 * form of the same JSON; ordo's own encoding is the committed one. */
static void test_fixtures(void **state)
{
    (void)state;
    static char names[64][256];
    int n = list_dir(FIXTURES, ".json", names, 64);
    assert_true(n >= 3);
    int write =
        getenv("ORDO_WRITE_CBOR_FIXTURES") && !strcmp(getenv("ORDO_WRITE_CBOR_FIXTURES"), "1");
    int foreign = 0;
    for (int i = 0; i < n; i++) {
        char path[1024], stem[256];
        snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
        snprintf(path, sizeof path, "%s/%s", FIXTURES, names[i]);
        cJSON *j = read_json(path);
        assert_non_null(j);
        ordo_buf_t text, mine;
        ordo_buf_init(&text, NULL);
        ordo_buf_init(&mine, NULL);
        write_doc(&text, 0, walk_fn, j);
        write_doc(&mine, 1, walk_fn, j);
        static const char *const variants[] = {"cbor2", "cbor2min", "ordo"};
        for (size_t v = 0; v < 3; v++) {
            snprintf(path, sizeof path, "%s/%s.%s.cbor", FIXTURES, stem, variants[v]);
            if (v == 2 && write) {
                ordo_error_t err = {0};
                assert_int_equal(ordo_write_file_atomic(path, mine.data, mine.len, &err), ORDO_OK);
            }
            char *data;
            size_t len;
            ordo_error_t err = {0};
            if (ordo_read_file(path, &data, &len, &err))
                continue; /* cbor2's encoder cannot write every document */
            ordo_buf_t back;
            ordo_buf_init(&back, NULL);
            assert_int_equal(decode(data, len, &back), ORDO_OK);
            expect_same(path, text.data, text.len, back.data, back.len);
            if (v == 2 && (len != mine.len || memcmp(data, mine.data, len))) {
                print_error("%s: ordo's encoding changed; rerun with "
                            "ORDO_WRITE_CBOR_FIXTURES=1, then "
                            "tools/fixtures/cbor/make_cbor_fixtures.py\n",
                            path);
                fail();
            }
            foreign += v < 2;
            ordo_buf_free(&back);
            free(data);
        }
        printf("  %-28s JSON %6zu bytes, CBOR %6zu bytes\n", names[i], text.len, mine.len);
        ordo_buf_free(&text);
        ordo_buf_free(&mine);
        cJSON_Delete(j);
    }
    assert_true(foreign >= n);
}

/* ---- fuzzing ---- */

static void check_decode_any(const unsigned char *p, size_t n, ordo_buf_t *out)
{
    ordo_buf_reset(out);
    ordo_buf_puts(out, "k");
    ordo_error_t err = {0};
    int rc = ordo_cbor_to_json(p, n, out, &err);
    if (rc == ORDO_OK) {
        /* whatever decodes is one JSON value */
        cJSON *j = cJSON_ParseWithLength(out->data + 1, out->len - 1);
        if (!j) /* cJSON refuses what it cannot hold (deep nesting is fine) */
            print_error("not JSON: %.200s\n", out->data + 1);
        assert_non_null(j);
        cJSON_Delete(j);
    } else {
        assert_true(rc == ORDO_ECORRUPT || rc == ORDO_ENOMEM);
        assert_int_equal(out->len, 1);
        assert_int_equal(err.code, rc);
    }
}

/* Random mutations of valid encodings: every call returns OK or an error
 * code, reads only p[0..n) (each input is an exact-size heap copy, so ASan
 * sees any overread) and leaves nothing half-written. ORDO_FUZZ_ITERS
 * raises the count. */
static void test_fuzz(void **state)
{
    (void)state;
    ordo_buf_t corpus[16];
    int nc = 0;
    int counts[] = {300, 5};
    doc_fn fns[] = {doc_unicode, doc_invalid_utf8,  doc_empty,   doc_numbers,
                    doc_keys,    doc_decision_like, doc_control, doc_deep};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        ordo_buf_init(&corpus[nc], NULL);
        write_doc(&corpus[nc++], 1, fns[i], NULL);
    }
    for (int i = 0; i < 2; i++) {
        ordo_buf_init(&corpus[nc], NULL);
        write_doc(&corpus[nc++], 1, doc_many_strings, &counts[i]);
    }
    cJSON *plan = read_json(ORDO_SOURCE_DIR "/docs/examples/plan.json");
    assert_non_null(plan);
    ordo_buf_init(&corpus[nc], NULL);
    write_doc(&corpus[nc++], 1, walk_fn, plan);
    cJSON_Delete(plan);

    long iters = 30000;
    if (getenv("ORDO_FUZZ_ITERS"))
        iters = atol(getenv("ORDO_FUZZ_ITERS"));
    static const unsigned char special[] = {
        0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x3b, 0x40, 0x5f, 0x60, 0x78, 0x7b, 0x7f, 0x80,
        0x9b, 0x9f, 0xa0, 0xbb, 0xbf, 0xd8, 0xd9, 0x19, 0xf7, 0xf9, 0xfa, 0xfb, 0xff, 0x01, 0x00};
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261124);
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    unsigned char *tmp = malloc(1 << 20);
    assert_non_null(tmp);
    long ok = 0;
    for (long it = 0; it < iters; it++) {
        const ordo_buf_t *src = &corpus[ordo_rng_below(&rng, (uint64_t)nc)];
        size_t n = src->len;
        memcpy(tmp, src->data, n);
        int muts = 1 + (int)ordo_rng_below(&rng, 4);
        for (int m = 0; m < muts && n > 0; m++) {
            size_t at = ordo_rng_below(&rng, n);
            switch (ordo_rng_below(&rng, 7)) {
            case 0: /* flip a bit */
                tmp[at] ^= (unsigned char)(1u << ordo_rng_below(&rng, 8));
                break;
            case 1: /* a random byte */
                tmp[at] = (unsigned char)ordo_rng_next(&rng);
                break;
            case 2: /* a structurally interesting byte */
                tmp[at] = special[ordo_rng_below(&rng, sizeof special)];
                break;
            case 3: /* truncate */
                n = at;
                break;
            case 4: { /* delete a run */
                size_t k = 1 + ordo_rng_below(&rng, 8);
                if (at + k > n)
                    k = n - at;
                memmove(tmp + at, tmp + at + k, n - at - k);
                n -= k;
                break;
            }
            case 5: { /* duplicate a run */
                size_t k = 1 + ordo_rng_below(&rng, 16);
                if (at + k > n)
                    k = n - at;
                if (n + k <= (1 << 20)) {
                    memmove(tmp + at + k, tmp + at, n - at);
                    n += k;
                }
                break;
            }
            default: /* splice a run from another document */
            {
                const ordo_buf_t *o = &corpus[ordo_rng_below(&rng, (uint64_t)nc)];
                size_t from = ordo_rng_below(&rng, o->len);
                size_t k = 1 + ordo_rng_below(&rng, 32);
                if (from + k > o->len)
                    k = o->len - from;
                if (at + k > n)
                    k = n - at;
                memcpy(tmp + at, o->data + from, k);
                break;
            }
            }
        }
        unsigned char *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, tmp, n);
        check_decode_any(exact, n, &out);
        ok += out.len > 1;
        free(exact);
    }
    /* every prefix of a valid encoding fails cleanly */
    for (int c = 0; c < nc; c++)
        for (size_t k = 0; k < corpus[c].len && k < 4000; k += 1 + k / 64) {
            unsigned char *exact = malloc(k ? k : 1);
            assert_non_null(exact);
            memcpy(exact, corpus[c].data, k);
            check_decode_any(exact, k, &out);
            free(exact);
        }
    printf("  fuzz: %ld mutated inputs, %ld still decoded\n", iters, ok);
    free(tmp);
    ordo_buf_free(&out);
    for (int c = 0; c < nc; c++)
        ordo_buf_free(&corpus[c]);
}

int main(void)
{
    register_record_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_encoding_bytes),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_huge_string_table),
        cmocka_unit_test(test_float_widths),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_decode_foreign),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
