/* SPDX-License-Identifier: Apache-2.0 */
/* tests for what every input is refused for at the door (src/core/json.c
 * ordo_json_parse_doc, util.c ordo_text_check_utf8 and the file readers):
 * invalid UTF-8 in orders, networks and CSVs, keys given twice, numbers out
 * of range, order ids over 255 bytes, and a FIFO given as a file. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../src/core/cjson_internal.h"
#include "ordo/network.h"
#include "ordo/order.h"
#include "ordo/util.h"

#define NET_SMALL ORDO_SOURCE_DIR "/tests/fixtures/core/net-small"

static void test_utf8_check(void **s)
{
    (void)s;
    static const struct {
        const char *text;
        size_t bad; /* SIZE_MAX: valid */
    } cases[] = {
        {"plain ascii text, longer than eight bytes", SIZE_MAX},
        {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA6", SIZE_MAX}, /* é € 📦 */
        {"ab\xFF", 2},
        {"abcdefghij\x80", 10},  /* a lone continuation byte */
        {"\xC0\xAF", 0},         /* overlong '/' */
        {"x\xE0\x80\xAF", 1},    /* overlong, three bytes */
        {"\xED\xA0\x80", 0},     /* a UTF-16 surrogate */
        {"\xF4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"ok\xE2\x82", 2},       /* cut short */
        {"\xC3\xA9\xC3", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].text);
        size_t want = cases[i].bad == SIZE_MAX ? n : cases[i].bad;
        if (ordo_utf8_check(cases[i].text, n) != want)
            fail_msg("case %zu: %zu, want %zu", i, ordo_utf8_check(cases[i].text, n), want);
        assert_int_equal(ordo_utf8_valid(cases[i].text, n), cases[i].bad == SIZE_MAX);
    }
}

static void test_text_check_names_line_and_byte(void **s)
{
    (void)s;
    ordo_error_t err = {0};
    const char *t = "line one\nline two\nbad \xFE here\n";
    assert_int_equal(ordo_text_check_utf8(t, strlen(t), "f.csv", 0, &err), ORDO_EPARSE);
    assert_string_equal(err.file, "f.csv");
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 5 of the line"));
    assert_non_null(strstr(err.msg, "byte offset 22"));
    assert_int_equal(ordo_text_check_utf8("fine", 4, "f", 0, &err), ORDO_OK);
}

static void test_parse_doc(void **s)
{
    (void)s;
    cJSON *j = NULL;
    ordo_error_t err = {0};
    const char *dup = "{\"a\":{\"b\":1,\"c\":[{\"d\":1,\"d\":2}]}}";
    assert_int_equal(ordo_json_parse_doc(dup, strlen(dup), "x.json", 0, &j, &err), ORDO_EPARSE);
    assert_null(j);
    assert_string_equal(err.field, "a.c[0].d");
    assert_non_null(strstr(err.msg, "duplicate"));
    const char *big = "{\"a\":[1, 2, 1e308]}";
    assert_int_equal(ordo_json_parse_doc(big, strlen(big), "x.json", 0, &j, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "a[2]");
    const char *inf = "{\"a\":-1e999}";
    assert_int_equal(ordo_json_parse_doc(inf, strlen(inf), "x.json", 0, &j, &err), ORDO_EINVAL);
    const char *after = "{\"a\":1}\n{\"a\":2}";
    assert_int_equal(ordo_json_parse_doc(after, strlen(after), "x.json", 0, &j, &err), ORDO_EPARSE);
    assert_int_equal(err.line, 2);
    const char *bad = "{\n\"a\":\"\xC3\"}";
    assert_int_equal(ordo_json_parse_doc(bad, strlen(bad), "x.json", 0, &j, &err), ORDO_EPARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    /* an escaped code point is fine; so is the bound itself */
    const char *ok = "{\"a\":\"caf\\u00e9\",\"b\":1e15,\"c\":-1e15}";
    assert_int_equal(ordo_json_parse_doc(ok, strlen(ok), "x.json", 0, &j, &err), ORDO_OK);
    cJSON_Delete(j);
}

/* Many keys in one object: found in linear time (a hash set), not pairwise. */
static void test_parse_doc_many_keys(void **s)
{
    (void)s;
    enum { N = 200000 };
    char *t = malloc((size_t)N * 16 + 64);
    assert_non_null(t);
    size_t n = 0;
    t[n++] = '{';
    for (int i = 0; i < N; i++)
        n += (size_t)sprintf(t + n, "\"k%d\":%d,", i, i);
    n += (size_t)sprintf(t + n, "\"k%d\":0}", N / 2);
    cJSON *j = NULL;
    ordo_error_t err = {0};
    uint64_t t0 = ordo_now_ns();
    assert_int_equal(ordo_json_parse_doc(t, n, "big.json", 0, &j, &err), ORDO_EPARSE);
    assert_string_equal(err.field, "k100000");
    /* pairwise would be 2e10 comparisons; allow plenty for sanitizers */
    assert_true(ordo_now_ns() - t0 < 20ull * 1000 * 1000 * 1000);
    free(t);
}

typedef struct {
    ordo_network_t *net;
    ordo_arena_t *arena;
} ctx_t;

static int setup(void **state)
{
    ctx_t *c = calloc(1, sizeof *c);
    ordo_error_t err;
    if (ordo_network_load(NET_SMALL, NULL, &c->net, &err))
        return -1;
    c->arena = ordo_arena_create(0);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx_t *c = *state;
    ordo_network_destroy(c->net);
    ordo_arena_destroy(c->arena);
    free(c);
    return 0;
}

static int order(ctx_t *c, const char *id_json, const char *extra, ordo_order_t *o,
                 ordo_error_t *err)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"id\":%s,\"ship_to\":{\"zip\":\"02139\"},%s"
             "\"lines\":[{\"sku\":\"SKU-TEE\",\"quantity\":1}]}",
             id_json, extra);
    ordo_error_clear(err);
    return ordo_order_parse(json, strlen(json), c->net, c->arena, o, err);
}

static void test_order_invalid_utf8(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o;
    ordo_error_t err;
    /* two ids that differ only in invalid bytes: both refused, so they can
     * never become the same id (U+FFFD) in plans and records */
    assert_int_equal(order(c, "\"o-\xFF\"", "", &o, &err), ORDO_EPARSE);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    assert_int_equal(order(c, "\"o-\xFE\"", "", &o, &err), ORDO_EPARSE);
    assert_int_equal(order(c, "\"o-1\"", "\"channel\":\"w\xC3\",", &o, &err), ORDO_EPARSE);
    /* valid multi-byte ids are kept as they are */
    assert_int_equal(order(c, "\"o-caf\xC3\xA9\"", "", &o, &err), ORDO_OK);
    assert_string_equal(o.id, "o-caf\xC3\xA9");
}

static void test_order_id_length(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o;
    ordo_error_t err;
    char id[300];
    id[0] = '"';
    memset(id + 1, 'x', ORDO_ORDER_ID_MAX);
    strcpy(id + 1 + ORDO_ORDER_ID_MAX, "\"");
    assert_int_equal(order(c, id, "", &o, &err), ORDO_OK); /* 255 bytes */
    assert_int_equal(strlen(o.id), ORDO_ORDER_ID_MAX);
    memset(id + 1, 'x', ORDO_ORDER_ID_MAX + 1);
    strcpy(id + 2 + ORDO_ORDER_ID_MAX, "\"");
    assert_int_equal(order(c, id, "", &o, &err), ORDO_EPARSE); /* 256 */
    assert_string_equal(err.field, "id");
    assert_non_null(strstr(err.msg, "too long"));
}

static void test_order_keys_and_numbers(void **state)
{
    ctx_t *c = *state;
    ordo_order_t o;
    ordo_error_t err;
    assert_int_equal(order(c, "\"o-1\"", "\"customer\":{\"lifetime_value\":1e300},", &o, &err),
                     ORDO_EINVAL);
    assert_string_equal(err.field, "customer.lifetime_value");
    assert_int_equal(order(c, "\"o-1\"", "\"channel\":\"web\",\"channel\":\"app\",", &o, &err),
                     ORDO_EPARSE);
    assert_string_equal(err.field, "channel");
}

static void test_network_invalid_utf8(void **s)
{
    (void)s;
    ordo_network_t *net = ordo_network_new(NULL);
    assert_non_null(net);
    ordo_error_t err = {0};
    const char *json = "{\"format\":1,\n\"name\":\"n\xFF\"}";
    assert_int_equal(ordo_network_parse_json(net, json, strlen(json), "network.json", &err),
                     ORDO_EPARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    const char *csv = "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate\n"
                      "SKU-\xC3\x28,apparel,0.4,12,10,1,19.99,0.12\n";
    assert_int_equal(ordo_catalog_parse_csv(net, csv, strlen(csv), "catalog.csv", &err),
                     ORDO_EPARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "invalid UTF-8 at byte 5"));
    ordo_network_destroy(net);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "ordo_read_file blocked on a FIFO\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(1);
}

static void test_fifo_refused_without_blocking(void **s)
{
    (void)s;
    char path[] = "/tmp/ordo-test-fifo-XXXXXX";
    assert_non_null(mkdtemp(path));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/in", path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    signal(SIGALRM, on_alarm);
    alarm(5); /* a blocking open fails the test instead of hanging it */
    char *data = NULL;
    size_t len = 0;
    ordo_error_t err = {0};
    assert_int_equal(ordo_read_file(fifo, &data, &len, &err), ORDO_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    const char *m = NULL;
    assert_int_equal(ordo_map_file(fifo, &m, &len, &err), ORDO_EIO);
    alarm(0);
    unlink(fifo);
    rmdir(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_text_check_names_line_and_byte),
        cmocka_unit_test(test_parse_doc),
        cmocka_unit_test(test_parse_doc_many_keys),
        cmocka_unit_test(test_order_invalid_utf8),
        cmocka_unit_test(test_order_id_length),
        cmocka_unit_test(test_order_keys_and_numbers),
        cmocka_unit_test(test_network_invalid_utf8),
        cmocka_unit_test(test_fifo_refused_without_blocking),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
