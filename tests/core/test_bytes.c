/* SPDX-License-Identifier: Apache-2.0 */
/* tests for the short-string helpers of the JSON/CBOR writer
 * (src/core/bytes_internal.h) against byte-by-byte references, and for
 * what the writer does with them: a string's JSON text against an escaper
 * written here, and CBOR strings (stringrefs found by their hash) read back
 * by the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

#include "../../src/core/bytes_internal.h"

#define MAXN 40

static uint64_t rng = 0x243f6a8885a308d3ull;
static unsigned next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 24) & 0xff;
}

/* every length 0..MAXN, at every offset 0..7 of a guarded buffer: the copy
 * writes exactly [0, n), the compare says equal iff the bytes are, the OR
 * has bit 7 somewhere iff some byte has it */
static void test_helpers_against_bytes(void **state)
{
    (void)state;
    unsigned char src[MAXN + 16], dst[MAXN + 32], ref[MAXN + 32];
    for (size_t n = 0; n <= MAXN; n++)
        for (size_t off = 0; off < 8; off++)
            for (int round = 0; round < 20; round++) {
                for (size_t i = 0; i < sizeof src; i++)
                    src[i] = (unsigned char)(next_byte() & (round & 1 ? 0xff : 0x7f));
                memset(dst, 0xA5, sizeof dst);
                memset(ref, 0xA5, sizeof ref);
                core_copy_small(dst + off, src + off, n);
                for (size_t i = 0; i < n; i++)
                    ref[off + i] = src[off + i];
                assert_memory_equal(dst, ref, sizeof dst);

                int high = 0;
                for (size_t i = 0; i < n; i++)
                    high |= src[off + i] & 0x80;
                assert_int_equal(!!(core_or_bytes(src + off, n) & CORE_HIGHS), !!high);

                assert_true(core_equal_small(dst + off, src + off, n));
                for (size_t i = 0; i < n; i++) { /* one byte changed: unequal */
                    dst[off + i] ^= (unsigned char)(1u << (round % 8));
                    assert_false(core_equal_small(dst + off, src + off, n));
                    dst[off + i] ^= (unsigned char)(1u << (round % 8));
                }
            }
}

/* core_any_byte against the byte-by-byte question, on words with one
 * chosen byte among random ones */
static void test_any_byte(void **state)
{
    (void)state;
    for (int t = 0; t < 200000; t++) {
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)next_byte();
        if (t % 2) /* plant a borderline byte */
            b[t % 8] = (unsigned char)"\x1f\x20\x21\x22\x5c\x5b\x5d\x00\x7f\x80"[t % 10];
        uint64_t x;
        memcpy(&x, b, 8);
        int want = 0;
        for (int i = 0; i < 8; i++)
            want |= b[i] < 0x20 || b[i] == '"' || b[i] == '\\';
        assert_int_equal(!!core_any_byte(x, 0x20, '"', '\\'), want);
    }
}

/* JSON text of s as the writer must print it (ASCII input) */
static size_t ref_escape(const char *s, size_t n, char *out)
{
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c == '\n') {
            memcpy(out + k, "\\n", 2);
            k += 2;
        } else if (c == '\r') {
            memcpy(out + k, "\\r", 2);
            k += 2;
        } else if (c == '\t') {
            memcpy(out + k, "\\t", 2);
            k += 2;
        } else if (c == '\b') {
            memcpy(out + k, "\\b", 2);
            k += 2;
        } else if (c == '\f') {
            memcpy(out + k, "\\f", 2);
            k += 2;
        } else if (c < 0x20) {
            k += (size_t)sprintf(out + k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    out[k] = 0;
    return k;
}

/* strings of every length with a byte that needs escaping (or a harmless
 * neighbour of one) at every position, as values and as keys */
static void test_json_strings(void **state)
{
    (void)state;
    static const char specials[] = "\"\\\x01\x1f\n\t !#[]~\x7f";
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    char s[MAXN + 1], want[8 * MAXN + 8];
    for (size_t n = 1; n <= MAXN; n++)
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof specials - 1; k++) {
                for (size_t i = 0; i < n; i++)
                    s[i] = (char)('a' + (i * 7 + n) % 26);
                s[at] = specials[k];
                s[n] = 0;
                ordo_buf_reset(&b);
                ordo_jsonw_t w;
                ordo_jsonw_init(&w, &b, 0);
                ordo_jsonw_str(&w, s);
                assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
                size_t len = ref_escape(s, n, want);
                assert_int_equal(b.len, len);
                assert_memory_equal(b.data, want, len);
                /* the same string as a key: first and second of an object */
                ordo_buf_reset(&b);
                ordo_jsonw_init(&w, &b, 0);
                ordo_jsonw_obj_begin(&w);
                ordo_jsonw_kint(&w, s, 1);
                ordo_jsonw_kint(&w, s, 2);
                ordo_jsonw_obj_end(&w);
                assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
                char doc[2 * sizeof want + 16];
                int dl = snprintf(doc, sizeof doc, "{%s:1,%s:2}", want, want);
                assert_int_equal(b.len, (size_t)dl);
                assert_memory_equal(b.data, doc, (size_t)dl);
            }
    ordo_buf_free(&b);
}

/* Many strings of lengths 1..30, each written several times (stringrefs
 * for the repeats, found through the hash): the CBOR reads back as the text
 * writer's JSON, and is shorter than without the repeats found. */
static void test_cbor_strings_back(void **state)
{
    (void)state;
    ordo_buf_t c, t, back;
    ordo_buf_init(&c, NULL);
    ordo_buf_init(&t, NULL);
    ordo_buf_init(&back, NULL);
    char pool[60][32];
    for (int i = 0; i < 60; i++) {
        size_t n = 1 + (size_t)i % 30;
        for (size_t j = 0; j < n; j++)
            pool[i][j] = (char)('A' + next_byte() % 26);
        pool[i][n] = 0;
    }
    ordo_jsonw_t w;
    size_t first_pass = 0;
    for (int mode = 0; mode < 2; mode++) {
        ordo_buf_t *o = mode ? &t : &c;
        if (mode)
            ordo_jsonw_init(&w, o, 0);
        else
            ordo_jsonw_init_cbor(&w, o);
        ordo_jsonw_arr_begin(&w);
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i < 60; i++)
                ordo_jsonw_str(&w, pool[(i * 7 + r) % 60]);
            if (r == 0 && !mode)
                first_pass = o->len;
        }
        ordo_jsonw_arr_end(&w);
        assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    }
    ordo_error_t err;
    assert_int_equal(ordo_cbor_to_json(c.data, c.len, &back, &err), ORDO_OK);
    assert_int_equal(back.len, t.len);
    assert_memory_equal(back.data, t.data, t.len);
    /* the 3 later passes are references (2 or 3 bytes) for every string the
     * rule lets into the table (3 bytes or more): well under a first pass */
    assert_true(c.len - first_pass < 2 * first_pass);
    ordo_buf_free(&c);
    ordo_buf_free(&t);
    ordo_buf_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers_against_bytes),
        cmocka_unit_test(test_any_byte),
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_cbor_strings_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
