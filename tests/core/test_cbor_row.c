/* SPDX-License-Identifier: Apache-2.0 */
/* tests for the CBOR writer's fast paths (src/core/json.c): a table row
 * written by ordo_jsonw_table_row is byte for byte the row the generic calls
 * write (CBOR and text mode), integer and float heads are the shortest
 * CBOR forms (as libcbor's encoders wrote them before), and a member written
 * in one call (kdouble, kint, kstr) is byte for byte its key + value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

#include "../fixtures/cbor/record_keys.h"

static const char *const keys[] = {"node", "sku", "atp"};

#define N_ROWS 12
static const ordo_jsonw_cell_t rows[N_ROWS][3] = {
    {{"DC-001", 0}, {"SKU-00001", 0}, {NULL, 0}},
    {{"DC-001", 0}, {"SKU-00002", 0}, {NULL, 0}},        /* repeated node and atp */
    {{"DC-001", 0}, {"SKU-00002", 0}, {NULL, 23}},       /* a whole row but one repeated */
    {{"DC-002", 0}, {"SKU-00001", 0}, {NULL, 24}},       /* a string from two rows up: stringref */
    {{"a-node-id-longer-than-22-bytes", 0}, {"x", 0}, {NULL, 255}},
    {{"a-node-id-longer-than-22-bytes", 0}, {"x", 0}, {NULL, 256}}, /* too long to compare */
    {{"DC-003", 0}, {"\xff\xfe bad utf-8", 0}, {NULL, 65535}},
    {{"DC-003", 0}, {"SKU-00003", 0}, {NULL, 65536}},
    {{"DC-003", 0}, {"SKU-00003", 0}, {NULL, 4294967295ll}},
    {{"DC-003", 0}, {"SKU-00003", 0}, {NULL, 4294967296ll}},
    {{"DC-004", 0}, {"SKU-00004", 0}, {NULL, -1}},
    {{"DC-004", 0}, {"SKU-00004", 0}, {NULL, INT64_MIN}},
};

/* The table written with the generic calls (fast = 0), with
 * ordo_jsonw_table_row and the table's own keys (1), or with an equal copy
 * of the keys (2: the checked path). */
static void write_doc(ordo_jsonw_t *w, int fast)
{
    const char *copy[3] = {keys[0], keys[1], keys[2]};
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "record_version", 1);
    ordo_jsonw_key(w, "atp");
    ordo_jsonw_table_begin(w, keys, 3);
    for (int r = 0; r < N_ROWS; r++) {
        if (fast) {
            ordo_jsonw_table_row(w, fast == 1 ? keys : copy, rows[r], 3);
            continue;
        }
        ordo_jsonw_obj_begin(w);
        for (int c = 0; c < 3; c++) {
            if (rows[r][c].s)
                ordo_jsonw_kstr(w, keys[c], rows[r][c].s);
            else
                ordo_jsonw_kint(w, keys[c], rows[r][c].i);
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_table_end(w);
    ordo_jsonw_kstr(w, "order_id", "SKU-00004"); /* a stringref to a cell */
    ordo_jsonw_obj_end(w);
}

static void make(ordo_buf_t *b, int cbor, int fast)
{
    ordo_jsonw_t w;
    ordo_buf_reset(b);
    if (cbor)
        ordo_jsonw_init_cbor(&w, b);
    else
        ordo_jsonw_init(&w, b, 0);
    write_doc(&w, fast);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
}

static void test_row_bytes_equal(void **state)
{
    (void)state;
    for (int cbor = 0; cbor <= 1; cbor++) {
        ordo_buf_t a = {0}, b = {0};
        make(&a, cbor, 0);
        for (int fast = 1; fast <= 2; fast++) {
            make(&b, cbor, fast);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
        }
        if (cbor) { /* and it reads back as the text writer's JSON */
            ordo_buf_t t = {0}, j = {0};
            ordo_error_t err;
            make(&t, 0, 0);
            assert_int_equal(ordo_cbor_to_json(b.data, b.len, &j, &err), ORDO_OK);
            assert_string_equal(j.data, t.data);
            ordo_buf_free(&t);
            ordo_buf_free(&j);
        }
        ordo_buf_free(&a);
        ordo_buf_free(&b);
    }
}

/* A row outside a table, or with the wrong number of cells, is the generic
 * calls' (and their errors). */
static void test_row_checked(void **state)
{
    (void)state;
    ordo_buf_t b = {0};
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "atp");
    ordo_jsonw_table_begin(&w, keys, 3);
    ordo_jsonw_table_row(&w, keys, rows[0], 2); /* a row without its last key */
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_EINVAL);
    ordo_buf_free(&b);
}

/* One value after the tag 256 and an indefinite map's key 0 ("node"). */
static void value_bytes(void (*put)(ordo_jsonw_t *, const void *), const void *v,
                        const char *hex)
{
    ordo_buf_t b = {0};
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "node");
    size_t at = b.len;
    put(&w, v);
    char got[64] = "";
    for (size_t i = at; i < b.len && 2 * (i - at) + 2 < sizeof got; i++)
        snprintf(got + 2 * (i - at), 3, "%02x", (unsigned char)b.data[i]);
    assert_string_equal(got, hex);
    ordo_buf_free(&b);
}

static void put_int(ordo_jsonw_t *w, const void *v)
{
    ordo_jsonw_int(w, *(const int64_t *)v);
}
static void put_double(ordo_jsonw_t *w, const void *v)
{
    ordo_jsonw_double(w, *(const double *)v);
}

static void test_heads(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *hex;
    } ints[] = {
        {0, "00"},          {23, "17"},         {24, "1818"},       {255, "18ff"},
        {256, "190100"},    {65535, "19ffff"},  {65536, "1a00010000"},
        {4294967295ll, "1affffffff"},           {4294967296ll, "1b0000000100000000"},
        {INT64_MAX, "1b7fffffffffffffff"},      {-1, "20"},         {-24, "37"},
        {-25, "3818"},      {-256, "38ff"},     {-257, "390100"},
        {INT64_MIN, "3b7fffffffffffffff"},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        value_bytes(put_int, &ints[i].v, ints[i].hex);
    static const struct {
        double v;
        const char *hex;
    } dbls[] = {
        {0.1, "fb3fb999999999999a"},
        {1.100000023841858, "fa3f8ccccd"},
        {100000.5, "fa47c35040"},
        {1e300, "fb7e37e43c8800759c"},
        {0.5, "f93800"},
        {-3.0, "22"},
        {1e6, "1a000f4240"},
    };
    for (size_t i = 0; i < sizeof dbls / sizeof dbls[0]; i++)
        value_bytes(put_double, &dbls[i].v, dbls[i].hex);
}

/* ---- members: kdouble, kint and kstr against key + value ---- */

static ordo_rng_t rng; /* seeded again for each document: both ways draw the same */
static uint64_t rnd(void)
{
    return ordo_rng_next(&rng);
}

/* Doubles of every kind the formatters tell apart: integers, short
 * decimals (prices, rates), wide ones, any bit pattern (NaN, infinities,
 * subnormals), zeros of both signs. */
static double some_double(uint64_t r)
{
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e8, 1e12};
    double sign = r & 1 ? -1 : 1;
    switch ((r >> 1) % 6) {
    case 0:
        return sign * (double)(int64_t)(r >> 20);
    case 1:
        return sign * (double)((r >> 8) % 100000000) / p10[(r >> 4) % 8];
    case 2: {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    case 3:
        return sign * (double)(r >> 11) * 0x1p-30;
    case 4:
        return (r >> 8) % 2 ? -0.0 : 0.0;
    default:
        return sign * (double)((r >> 8) % 2000) / 4; /* halves and quarters: CBOR halfs */
    }
}

static const char *const member_keys[] = {
    "node", "sku", "cost", "pick", "policy", "short_pick", /* record keys: ids < 24, >= 24 */
    "not_a_record_key", "with \"quote\"", "", "tab\there", "ключ", "a-key-of-more-than-16-bytes",
};
static const char *const member_strs[] = {
    "DC-001", "SKU-0000123", "", "x", "a \"quoted\" word", "back\\slash", "line\nbreak",
    "\x01\x1f control", "naïve café", "\xff\xfe bad utf-8", "a string of more than sixteen bytes",
};
#define N_KEYS (sizeof member_keys / sizeof member_keys[0])
#define N_STRS (sizeof member_strs / sizeof member_strs[0])

/* n members of every kind, one call each (fast) or key + value (generic),
 * in nested objects, an array and a table; after_key: a second key before
 * the member (an error either way). */
static int write_members(ordo_buf_t *b, int mode, int fast, int n, bool after_key)
{
    ordo_jsonw_t w;
    ordo_buf_free(b);
    if (mode == 2)
        ordo_jsonw_init_cbor(&w, b);
    else
        ordo_jsonw_init(&w, b, mode);
    ordo_rng_seed(&rng, 18);
    ordo_jsonw_obj_begin(&w);
    int nested = 0; /* 1: in an object, 2: in an array's object */
    for (int i = 0; i < n; i++) {
        uint64_t r = rnd();
        const char *key = member_keys[r % N_KEYS];
        if (i % 97 == 13) { /* a nested object, an array of objects */
            ordo_jsonw_key(&w, "pick");
            ordo_jsonw_obj_begin(&w);
            nested = 1;
        } else if (i % 97 == 40) {
            ordo_jsonw_obj_end(&w);
            nested = 0;
        } else if (i % 97 == 60) {
            ordo_jsonw_key(&w, "sku");
            ordo_jsonw_arr_begin(&w);
            ordo_jsonw_obj_begin(&w);
            nested = 2;
        } else if (i % 97 == 70) {
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_arr_end(&w);
            nested = 0;
        }
        if (after_key && i == n / 2)
            ordo_jsonw_key(&w, "node");
        switch ((r >> 8) % 3) {
        case 0: {
            double v = some_double(rnd());
            if (fast) {
                ordo_jsonw_kdouble(&w, key, v);
            } else {
                ordo_jsonw_key(&w, key);
                ordo_jsonw_double(&w, v);
            }
            break;
        }
        case 1: {
            uint64_t x = rnd();
            int64_t v = (int64_t)(x >> ((x >> 3) % 64));
            if (x & 1)
                v = x & 2 ? INT64_MIN : -v;
            if (fast) {
                ordo_jsonw_kint(&w, key, v);
            } else {
                ordo_jsonw_key(&w, key);
                ordo_jsonw_int(&w, v);
            }
            break;
        }
        default: {
            const char *v = rnd() % 17 ? member_strs[rnd() % N_STRS] : NULL;
            if (fast) {
                ordo_jsonw_kstr(&w, key, v);
            } else {
                ordo_jsonw_key(&w, key);
                ordo_jsonw_str(&w, v);
            }
        }
        }
    }
    if (nested)
        ordo_jsonw_obj_end(&w);
    if (nested == 2)
        ordo_jsonw_arr_end(&w);
    /* members of a table's rows go the generic way (cells) either way */
    ordo_jsonw_key(&w, "atp");
    ordo_jsonw_table_begin(&w, keys, 3);
    for (int r = 0; r < N_ROWS; r++) {
        ordo_jsonw_obj_begin(&w);
        if (fast) {
            ordo_jsonw_kstr(&w, keys[0], rows[r][0].s);
            ordo_jsonw_kstr(&w, keys[1], rows[r][1].s);
            ordo_jsonw_kint(&w, keys[2], rows[r][2].i);
        } else {
            ordo_jsonw_key(&w, keys[0]);
            ordo_jsonw_str(&w, rows[r][0].s);
            ordo_jsonw_key(&w, keys[1]);
            ordo_jsonw_str(&w, rows[r][1].s);
            ordo_jsonw_key(&w, keys[2]);
            ordo_jsonw_int(&w, rows[r][2].i);
        }
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_table_end(&w);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

/* The one-call members write exactly what key + value write, in compact
 * and pretty text and in CBOR, with the buffer growing under them (every
 * length from 1 to 300 members: the room check falls at every place). */
static void test_members_equal(void **state)
{
    (void)state;
    ordo_buf_t a = {0}, b = {0};
    for (int mode = 0; mode <= 2; mode++) {
        for (int n = 1; n <= 300; n++) {
            int ra = write_members(&a, mode, 0, n, false);
            int rb = write_members(&b, mode, 1, n, false);
            assert_int_equal(ra, ORDO_OK);
            assert_int_equal(rb, ORDO_OK);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
            assert_int_equal(b.data[b.len], 0);
        }
        if (mode == 2) { /* and the CBOR reads back as the compact text */
            ordo_buf_t t = {0}, j = {0};
            ordo_error_t err;
            assert_int_equal(write_members(&t, 0, 1, 300, false), ORDO_OK);
            assert_int_equal(ordo_cbor_to_json(b.data, b.len, &j, &err), ORDO_OK);
            assert_string_equal(j.data, t.data);
            ordo_buf_free(&t);
            ordo_buf_free(&j);
        }
        /* a member after a pending key is the generic calls' error */
        assert_int_equal(write_members(&a, mode, 0, 50, true), ORDO_EINVAL);
        assert_int_equal(write_members(&b, mode, 1, 50, true), ORDO_EINVAL);
    }
    ordo_buf_free(&a);
    ordo_buf_free(&b);
}

int main(void)
{
    register_record_keys();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_bytes_equal),
        cmocka_unit_test(test_row_checked),
        cmocka_unit_test(test_heads),
        cmocka_unit_test(test_members_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
