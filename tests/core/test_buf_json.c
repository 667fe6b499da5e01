/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/buf.c and src/core/json.c: the growable buffer and the
 * streaming JSON writer (escaping, UTF-8, doubles, misuse, NDJSON). Output
 * is read back with cJSON, an independent parser. */
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

#include "ordo/json.h"
#include "ordo/util.h"

/* ---- buffer ---- */

static void test_buf_append_printf(void **state)
{
    (void)state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(b.len, 0);
    assert_int_equal(ordo_buf_puts(&b, "abc"), ORDO_OK);
    assert_int_equal(ordo_buf_putc(&b, '-'), ORDO_OK);
    assert_int_equal(ordo_buf_printf(&b, "%d/%s", 42, "x"), ORDO_OK);
    assert_string_equal(b.data, "abc-42/x");
    assert_int_equal(b.len, 8);
    /* a formatted piece longer than the internal 256-byte scratch */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(ordo_buf_printf(&b, "[%s]", big), ORDO_OK);
    assert_int_equal(b.len, 8 + 2 + 999);
    assert_int_equal(b.data[8], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], 0);
    assert_int_equal(strlen(b.data), b.len);
    /* many appends grow the buffer and keep the contents */
    ordo_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ordo_buf_printf(&b, "%d,", i % 10), ORDO_OK);
    assert_int_equal(b.len, 20000);
    for (size_t i = 0; i < b.len; i += 2)
        assert_int_equal(b.data[i], '0' + (int)(i / 2 % 10));
    /* binary data with NULs */
    ordo_buf_reset(&b);
    assert_int_equal(ordo_buf_append(&b, "a\0b", 3), ORDO_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    /* an impossible reservation fails and the failure is sticky */
    assert_int_equal(ordo_buf_reserve(&b, SIZE_MAX - 4), ORDO_ENOMEM);
    assert_int_equal(b.oom, 1);
    assert_int_equal(ordo_buf_puts(&b, "x"), ORDO_ENOMEM);
    ordo_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buf_arena(void **state)
{
    (void)state;
    ordo_arena_t *a = ordo_arena_create(1024);
    ordo_buf_t b;
    ordo_buf_init(&b, a);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(ordo_buf_printf(&b, "%04d", i), ORDO_OK);
    assert_int_equal(b.len, 8000);
    assert_memory_equal(b.data, "000000010002", 12);
    assert_memory_equal(b.data + 7996, "1999", 4);
    assert_true(ordo_arena_used(a) >= 8000);
    ordo_buf_free(&b); /* no-op for arena memory; must not free() it */
    assert_ptr_equal(b.arena, a);
    ordo_arena_destroy(a);
}

/* ---- JSON writer helpers ---- */

typedef struct {
    ordo_buf_t buf;
    ordo_jsonw_t w;
} jw_t;

static void jw_init(jw_t *j, int pretty)
{
    ordo_buf_init(&j->buf, NULL);
    ordo_jsonw_init(&j->w, &j->buf, pretty);
}

static void jw_free(jw_t *j)
{
    ordo_buf_free(&j->buf);
}

/* Writes s as one top-level string and returns the output (static). */
static const char *json_string(const char *s, size_t n)
{
    static char out[4096];
    jw_t j;
    jw_init(&j, 0);
    ordo_jsonw_strn(&j.w, s, n);
    assert_int_equal(ordo_jsonw_finish(&j.w), ORDO_OK);
    assert_true(j.buf.len < sizeof out);
    memcpy(out, j.buf.data, j.buf.len + 1);
    jw_free(&j);
    return out;
}

/* Strict UTF-8 validation (RFC 3629), independent of the writer's. */
static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* Parses a JSON string literal with cJSON and returns its value (static). */
static const char *cjson_string_value(const char *json)
{
    static char out[4096];
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    assert_true(cJSON_IsString(v));
    snprintf(out, sizeof out, "%s", v->valuestring);
    cJSON_Delete(v);
    return out;
}

static void test_escaping(void **state)
{
    (void)state;
    assert_string_equal(json_string("plain", 5), "\"plain\"");
    assert_string_equal(json_string("a\"b", 3), "\"a\\\"b\"");
    assert_string_equal(json_string("a\\b", 3), "\"a\\\\b\"");
    assert_string_equal(json_string("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
    assert_string_equal(json_string("x\x01y", 3), "\"x\\u0001y\"");
    assert_string_equal(json_string("\x1f", 1), "\"\\u001f\"");
    assert_string_equal(json_string("nul\0here", 8), "\"nul\\u0000here\"");
    assert_string_equal(json_string("/\x7f", 2), "\"/\x7f\""); /* needs no escape */
    assert_string_equal(json_string("", 0), "\"\"");
    /* every control character round-trips through cJSON */
    char all[40];
    for (int c = 1; c < 32; c++)
        all[c - 1] = (char)c;
    memcpy(all + 31, "\"\\end", 6);
    const char *js = json_string(all, strlen(all));
    for (const char *p = js; *p; p++)
        assert_true((unsigned char)*p >= 0x20); /* nothing raw below 0x20 */
    assert_string_equal(cjson_string_value(js), all);
}

static void test_utf8(void **state)
{
    (void)state;
    /* valid UTF-8 (2-, 3- and 4-byte forms) passes through unchanged */
    const char *ok = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E \xE6\x97\xA5\xE6\x9C\xAC";
    char want[128];
    snprintf(want, sizeof want, "\"%s\"", ok);
    assert_string_equal(json_string(ok, strlen(ok)), want);
    assert_string_equal(cjson_string_value(want), ok);

    /* one invalid byte becomes U+FFFD, neighbours survive */
    assert_string_equal(json_string("a\xFF"
                                    "b",
                                    3),
                        "\"a\xEF\xBF\xBD"
                        "b\"");
    /* invalid sequences of several kinds: output is valid UTF-8 with U+FFFD */
    static const char *const bad[] = {
        "\xC3",                 /* truncated 2-byte */
        "\xE2\x82",             /* truncated 3-byte */
        "\xC0\xAF",             /* overlong '/' */
        "\xE0\x80\xAF",         /* overlong 3-byte */
        "\xED\xA0\x80",         /* UTF-16 surrogate */
        "\xF4\x90\x80\x80",     /* beyond U+10FFFF */
        "\x80",                 /* lone continuation */
        "\xF8\x88\x80\x80\x80", /* 5-byte form */
        "ok\xC3(end",           /* lead byte followed by ASCII */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *out = json_string(bad[i], strlen(bad[i]));
        assert_true(valid_utf8((const unsigned char *)out, strlen(out)));
        assert_non_null(strstr(out, "\xEF\xBF\xBD"));
        cJSON *v = cJSON_Parse(out);
        assert_non_null(v);
        cJSON_Delete(v);
    }
    const char *mixed = json_string("ok\xC3(end", 7);
    assert_string_equal(mixed, "\"ok\xEF\xBF\xBD(end\"");
}

/* ---- doubles ---- */

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number_ok(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == 0;
}

static void check_double_roundtrip(double v)
{
    char buf[32];
    int n = ordo_json_format_double(v, buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_true(n < 32);
    char *end;
    double back = strtod(buf, &end);
    assert_true(*end == 0);
    if (bits_of(back) != bits_of(v))
        fail_msg("%.17g formatted as %s reads back as %.17g", v, buf, back);
    if (!json_number_ok(buf))
        fail_msg("%s is not a JSON number", buf);
}

static void test_double_known(void **state)
{
    (void)state;
    char buf[32];
    ordo_json_format_double(0.1, buf);
    assert_string_equal(buf, "0.1");
    ordo_json_format_double(1e300, buf);
    assert_true(strtod(buf, NULL) == 1e300);
    assert_true(strlen(buf) <= 6); /* "1e+300" */
    ordo_json_format_double(5e-324, buf);
    assert_true(strtod(buf, NULL) == 5e-324);
    ordo_json_format_double(-0.0, buf);
    assert_true(signbit(strtod(buf, NULL)));
    assert_true(strtod(buf, NULL) == 0);
    ordo_json_format_double(0.0, buf);
    assert_string_equal(buf, "0");
    ordo_json_format_double(42, buf);
    assert_string_equal(buf, "42");
    ordo_json_format_double(-7, buf);
    assert_string_equal(buf, "-7");
    ordo_json_format_double(11.32, buf);
    assert_string_equal(buf, "11.32");
    ordo_json_format_double(NAN, buf);
    assert_string_equal(buf, "null");
    ordo_json_format_double(INFINITY, buf);
    assert_string_equal(buf, "null");
    ordo_json_format_double(-INFINITY, buf);
    assert_string_equal(buf, "null");
    static const double vals[] = {0.1,
                                  0.2,
                                  0.3,
                                  1.0 / 3,
                                  2.0 / 3,
                                  1e300,
                                  -1e300,
                                  5e-324,
                                  -5e-324,
                                  2.2250738585072014e-308,
                                  1.7976931348623157e308,
                                  -0.0,
                                  1e15,
                                  1e16,
                                  123456789012345678.0,
                                  9007199254740993.0,
                                  4.35,
                                  0.000001,
                                  1e-7,
                                  3.141592653589793};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        check_double_roundtrip(vals[i]);
}

static void test_double_random_roundtrip(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261124);
    int checked = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t u = ordo_rng_next(&rng);
        double v;
        if (i % 2) {
            memcpy(&v, &u, sizeof v); /* any bit pattern */
            if (!isfinite(v))
                continue;
        } else {
            /* everyday magnitudes (prices, weights) */
            v = (ordo_rng_uniform(&rng) - 0.5) * pow(10, (double)ordo_rng_below(&rng, 12));
        }
        check_double_roundtrip(v);
        /* "shortest of 15/16/17": if more digits were used, fewer fail */
        char buf[32], shorter[40];
        ordo_json_format_double(v, buf);
        if (strchr(buf, '.') || strpbrk(buf, "eE")) {
            for (int prec = 15; prec <= 16; prec++) {
                snprintf(shorter, sizeof shorter, "%.*g", prec, v);
                if (strtod(shorter, NULL) == v) {
                    assert_true(strlen(buf) <= strlen(shorter));
                    break;
                }
            }
        }
        checked++;
    }
    assert_true(checked > 90000);
}

/* ---- writer structure ---- */

static void test_document_parses(void **state)
{
    (void)state;
    for (int pretty = 0; pretty <= 1; pretty++) {
        jw_t j;
        jw_init(&j, pretty);
        ordo_jsonw_t *w = &j.w;
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "name", "dc \"east\"");
        ordo_jsonw_kint(w, "neg", INT64_MIN);
        ordo_jsonw_key(w, "big");
        ordo_jsonw_uint(w, UINT64_MAX);
        ordo_jsonw_kdouble(w, "price", 11.32);
        ordo_jsonw_kdouble(w, "nan", NAN);
        ordo_jsonw_kbool(w, "yes", true);
        ordo_jsonw_kbool(w, "no", false);
        ordo_jsonw_kstr(w, "none", NULL);
        ordo_jsonw_key(w, "list");
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_int(w, 1);
        ordo_jsonw_double(w, 2.5);
        ordo_jsonw_str(w, "three");
        ordo_jsonw_null(w);
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_obj_end(w);
        ordo_jsonw_arr_end(w);
        ordo_jsonw_key(w, "raw");
        ordo_jsonw_raw(w, "{\"k\":[1,2]}", 11);
        ordo_jsonw_key(w, "nested");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_key(w, "deeper");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "x", -3);
        ordo_jsonw_obj_end(w);
        ordo_jsonw_obj_end(w);
        ordo_jsonw_obj_end(w);
        assert_int_equal(ordo_jsonw_finish(w), ORDO_OK);
        if (!pretty)
            assert_null(strchr(j.buf.data, '\n'));
        else
            assert_non_null(strstr(j.buf.data, "\n  \"name\": "));

        cJSON *root = cJSON_Parse(j.buf.data);
        assert_non_null(root);
        assert_string_equal(cJSON_GetObjectItem(root, "name")->valuestring, "dc \"east\"");
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "price")));
        assert_true(cJSON_GetObjectItem(root, "price")->valuedouble == 11.32);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "nan")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "yes")));
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(root, "no")));
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "none")));
        cJSON *list = cJSON_GetObjectItem(root, "list");
        assert_int_equal(cJSON_GetArraySize(list), 6);
        assert_string_equal(cJSON_GetArrayItem(list, 2)->valuestring, "three");
        assert_true(cJSON_IsArray(cJSON_GetArrayItem(list, 4)));
        assert_true(cJSON_IsObject(cJSON_GetArrayItem(list, 5)));
        cJSON *raw = cJSON_GetObjectItem(root, "raw");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(raw, "k")), 2);
        cJSON *deeper = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "nested"), "deeper");
        assert_int_equal(cJSON_GetObjectItem(deeper, "x")->valueint, -3);
        cJSON_Delete(root);
        /* exact text of the integers (cJSON stores doubles, so check text) */
        assert_non_null(strstr(j.buf.data, "-9223372036854775808"));
        assert_non_null(strstr(j.buf.data, "18446744073709551615"));
        jw_free(&j);
    }
}

static void test_compact_exact(void **state)
{
    (void)state;
    jw_t j;
    jw_init(&j, 0);
    ordo_jsonw_obj_begin(&j.w);
    ordo_jsonw_kint(&j.w, "a", 1);
    ordo_jsonw_key(&j.w, "b");
    ordo_jsonw_arr_begin(&j.w);
    ordo_jsonw_bool(&j.w, true);
    ordo_jsonw_null(&j.w);
    ordo_jsonw_arr_end(&j.w);
    ordo_jsonw_obj_end(&j.w);
    assert_int_equal(ordo_jsonw_finish(&j.w), ORDO_OK);
    assert_string_equal(j.buf.data, "{\"a\":1,\"b\":[true,null]}");
    jw_free(&j);
}

typedef void (*misuse_fn)(ordo_jsonw_t *w);

static void mis_obj_end_in_array(ordo_jsonw_t *w)
{
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_obj_end(w);
}
static void mis_arr_end_in_object(ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_arr_end(w);
}
static void mis_value_without_key(ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_int(w, 1);
    ordo_jsonw_obj_end(w);
}
static void mis_key_in_array(ordo_jsonw_t *w)
{
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_key(w, "k");
    ordo_jsonw_int(w, 1);
    ordo_jsonw_arr_end(w);
}
static void mis_key_at_top(ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "k");
}
static void mis_key_after_key(ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "a");
    ordo_jsonw_key(w, "b");
    ordo_jsonw_int(w, 1);
    ordo_jsonw_obj_end(w);
}
static void mis_end_after_key(ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "a");
    ordo_jsonw_obj_end(w);
}
static void mis_unclosed(ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "a", 1);
}
static void mis_close_at_top(ordo_jsonw_t *w)
{
    ordo_jsonw_int(w, 1);
    ordo_jsonw_arr_end(w);
}
static void mis_too_deep(ordo_jsonw_t *w)
{
    for (int i = 0; i < ORDO_JSONW_MAX_DEPTH + 5; i++)
        ordo_jsonw_arr_begin(w);
    for (int i = 0; i < ORDO_JSONW_MAX_DEPTH + 5; i++)
        ordo_jsonw_arr_end(w);
}

static void test_misuse(void **state)
{
    (void)state;
    static const misuse_fn fns[] = {
        mis_obj_end_in_array, mis_arr_end_in_object, mis_value_without_key, mis_key_in_array,
        mis_key_at_top,       mis_key_after_key,     mis_end_after_key,     mis_unclosed,
        mis_close_at_top,     mis_too_deep};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        jw_t j;
        jw_init(&j, 0);
        fns[i](&j.w);
        if (ordo_jsonw_finish(&j.w) != ORDO_EINVAL)
            fail_msg("misuse case %zu not reported as ORDO_EINVAL", i);
        jw_free(&j);
    }
    /* deep but legal nesting is fine */
    jw_t j;
    jw_init(&j, 0);
    for (int i = 0; i < ORDO_JSONW_MAX_DEPTH - 1; i++)
        ordo_jsonw_arr_begin(&j.w);
    for (int i = 0; i < ORDO_JSONW_MAX_DEPTH - 1; i++)
        ordo_jsonw_arr_end(&j.w);
    assert_int_equal(ordo_jsonw_finish(&j.w), ORDO_OK);
    cJSON *v = cJSON_Parse(j.buf.data);
    assert_non_null(v);
    cJSON_Delete(v);
    jw_free(&j);
}

static void test_ndjson(void **state)
{
    (void)state;
    jw_t j;
    jw_init(&j, 0);
    for (int i = 0; i < 3; i++) {
        ordo_jsonw_obj_begin(&j.w);
        ordo_jsonw_kint(&j.w, "n", i);
        ordo_jsonw_kstr(&j.w, "s", "line\nbreak");
        ordo_jsonw_obj_end(&j.w);
    }
    ordo_jsonw_int(&j.w, 7); /* a scalar top-level value is a line too */
    assert_int_equal(ordo_jsonw_finish(&j.w), ORDO_OK);
    /* exactly one value per line; the escaped \n is not a line break */
    char *copy = strdup(j.buf.data);
    int lines = 0;
    for (char *save, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save), lines++) {
        cJSON *v = cJSON_Parse(line);
        assert_non_null(v);
        if (lines < 3) {
            assert_int_equal(cJSON_GetObjectItem(v, "n")->valueint, lines);
            assert_string_equal(cJSON_GetObjectItem(v, "s")->valuestring, "line\nbreak");
        } else {
            assert_int_equal(v->valueint, 7);
        }
        cJSON_Delete(v);
    }
    assert_int_equal(lines, 4);
    free(copy);
    jw_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_printf),
        cmocka_unit_test(test_buf_arena),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_double_known),
        cmocka_unit_test(test_double_random_roundtrip),
        cmocka_unit_test(test_document_parses),
        cmocka_unit_test(test_compact_exact),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_ndjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
