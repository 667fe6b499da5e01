/* SPDX-License-Identifier: Apache-2.0 */
/* Every example under docs/examples/ that the core reads must load: the
 * example network and the example orders (CONTRACTS.md: examples never go
 * stale). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/ordo.h"
#include "ordo/signals.h"

#define EX ORDO_SOURCE_DIR "/docs/examples"

static ordo_network_t *load_example_network(void)
{
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    int rc = ordo_network_load(EX "/network", NULL, &net, &err);
    if (rc) {
        char m[1024];
        print_error("%s\n", ordo_error_format(&err, m, sizeof m));
    }
    assert_int_equal(rc, ORDO_OK);
    assert_non_null(net);
    return net;
}

static void test_example_network(void **state)
{
    (void)state;
    ordo_network_t *net = load_example_network();
    assert_true(net->n_nodes >= 3);
    assert_true(net->n_skus >= 100);
    assert_true(ordo_inventory_cell_count(net->inventory) > 0);
    /* every node has its zone row: zone to its own ZIP3 is 1 */
    for (uint32_t n = 0; n < net->n_nodes; n++)
        assert_int_equal(ordo_network_zone(net, n, net->nodes[n].zip3), 1);
    ordo_network_destroy(net);
}

static void test_example_order(void **state)
{
    (void)state;
    ordo_network_t *net = load_example_network();
    char *data;
    size_t len;
    ordo_error_t err = {0};
    assert_int_equal(ordo_read_file(EX "/order.json", &data, &len, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    int rc = ordo_order_parse(data, len, net, a, &o, &err);
    if (rc) {
        char m[1024];
        print_error("%s\n", ordo_error_format(&err, m, sizeof m));
    }
    assert_int_equal(rc, ORDO_OK);
    assert_string_equal(o.id, "ORD-1001");
    assert_int_equal(o.n_lines, 2);
    assert_int_equal(o.ship_zip, 10027);
    /* writing it back and parsing again gives the same order */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_order_write_json(&o, net, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    ordo_order_t o2;
    assert_int_equal(ordo_order_parse(b.data, b.len, net, a, &o2, &err), ORDO_OK);
    assert_string_equal(o2.id, o.id);
    assert_int_equal(o2.created, o.created);
    assert_int_equal(o2.n_lines, o.n_lines);
    for (uint32_t i = 0; i < o.n_lines; i++) {
        assert_int_equal(o2.lines[i].sku, o.lines[i].sku);
        assert_int_equal(o2.lines[i].quantity, o.lines[i].quantity);
    }
    ordo_buf_free(&b);
    ordo_arena_destroy(a);
    free(data);
    ordo_network_destroy(net);
}

static void test_example_orders_ndjson(void **state)
{
    (void)state;
    ordo_network_t *net = load_example_network();
    char *data;
    size_t len;
    ordo_error_t err = {0};
    assert_int_equal(ordo_read_file(EX "/orders.ndjson", &data, &len, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    int count = 0, pickups = 0;
    for (char *line = data; line < data + len;) {
        char *nl = memchr(line, '\n', (size_t)(data + len - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(data + len - line);
        if (ll) {
            ordo_order_t o;
            int rc = ordo_order_parse(line, ll, net, a, &o, &err);
            if (rc) {
                char m[1024];
                print_error("line %d: %s\n", count + 1, ordo_error_format(&err, m, sizeof m));
            }
            assert_int_equal(rc, ORDO_OK);
            pickups += o.level == ORDO_LEVEL_PICKUP;
            count++;
        }
        line = nl ? nl + 1 : data + len;
    }
    assert_true(count >= 3);
    assert_int_equal(pickups, 1);
    ordo_arena_destroy(a);
    free(data);
    ordo_network_destroy(net);
}

/* docs/examples/signals.ndjson: every line a valid signal of the example
 * network, and the snapshot built from it resolves each at its start. */
static void test_example_signals(void **state)
{
    (void)state;
    ordo_network_t *net = load_example_network();
    char *text = NULL;
    size_t len = 0;
    ordo_error_t err = {0};
    assert_int_equal(ordo_read_file(EX "/signals.ndjson", &text, &len, &err), ORDO_OK);
    ordo_signal_list_t l = {0};
    int rc = ordo_signals_parse(text, len, net, "signals.ndjson", 1, 1, true, &l, &err);
    if (rc)
        print_error("%s:%ld %s: %s\n", err.file, err.line, err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    assert_true(l.n_lines >= 5);
    ordo_signals_t *s = NULL;
    assert_int_equal(ordo_signals_build(net, l.sig, l.n, 1, &s, &err), ORDO_OK);
    const ordo_signal_t *v[64];
    for (size_t i = 0; i < l.n; i++)
        assert_true(ordo_signals_in_force(s, l.sig[i].from, v, 64) >= 1);
    ordo_signals_destroy(s);
    ordo_signal_list_free(&l);
    free(text);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_network),
        cmocka_unit_test(test_example_order),
        cmocka_unit_test(test_example_orders_ndjson),
        cmocka_unit_test(test_example_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
