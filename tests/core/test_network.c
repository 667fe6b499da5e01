/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/network.c: loading network.json, catalog.csv and
 * inventory.csv (tests/fixtures/core/net-small), the node × ZIP3 tables,
 * the summary, and every kind of bad input: each must fail with a code, the
 * file, the line (CSV) and the field, and return no network at all. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/inventory.h"
#include "ordo/network.h"
#include "ordo/util.h"

#define FIXTURES ORDO_SOURCE_DIR "/tests/fixtures/core"
#define GOOD_DIR FIXTURES "/net-small"

/* ---- helpers ---- */

static char *slurp(const char *path)
{
    char *data;
    size_t len;
    ordo_error_t err;
    if (ordo_read_file(path, &data, &len, &err))
        fail_msg("cannot read %s: %s", path, err.msg);
    return data;
}

static void spill(const char *dir, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ordo_error_t err;
    if (ordo_write_file_atomic(path, text, strlen(text), &err))
        fail_msg("cannot write %s: %s", path, err.msg);
}

typedef struct {
    char dir[64];
    char *json, *catalog, *inventory; /* good fixture texts */
} ctx_t;

static int setup(void **state)
{
    ctx_t *c = calloc(1, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "/tmp/ordo-coretest-net-XXXXXX");
    if (!mkdtemp(c->dir))
        return -1;
    c->json = slurp(GOOD_DIR "/network.json");
    c->catalog = slurp(GOOD_DIR "/catalog.csv");
    c->inventory = slurp(GOOD_DIR "/inventory.csv");
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx_t *c = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    int rc = system(cmd);
    free(c->json);
    free(c->catalog);
    free(c->inventory);
    free(c);
    return rc == 0 ? 0 : -1;
}

/* Writes the three files (NULL: the good fixture) into the temp dir. */
static void write_net(ctx_t *c, const char *json, const char *catalog, const char *inventory)
{
    spill(c->dir, "network.json", json ? json : c->json);
    spill(c->dir, "catalog.csv", catalog ? catalog : c->catalog);
    spill(c->dir, "inventory.csv", inventory ? inventory : c->inventory);
}

/* The good network.json with `find` (which must occur exactly once)
 * replaced by `repl`. Caller frees. */
static char *json_variant(const ctx_t *c, const char *find, const char *repl)
{
    const char *at = strstr(c->json, find);
    if (!at || strstr(at + 1, find))
        fail_msg("'%s' must occur exactly once in network.json", find);
    size_t n = strlen(c->json) - strlen(find) + strlen(repl);
    char *out = malloc(n + 1);
    size_t pre = (size_t)(at - c->json);
    memcpy(out, c->json, pre);
    strcpy(out + pre, repl);
    strcat(out, at + strlen(find));
    return out;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Loads the temp dir and checks the failure in full. */
static void expect_load_error(ctx_t *c, int code, const char *file, long line, const char *field)
{
    ordo_network_t *net = (ordo_network_t *)0x1;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_network_load(c->dir, NULL, &net, &err);
    char buf[1024];
    ordo_error_format(&err, buf, sizeof buf);
    if (rc != code)
        fail_msg("code %s, want %s: %s", ordo_errname(rc), ordo_errname(code), buf);
    assert_null(net); /* nothing half-loaded */
    assert_int_equal(err.code, code);
    if (!ends_with(err.file, file))
        fail_msg("error names file '%s', want .../%s (%s)", err.file, file, buf);
    if (line >= 0 && err.line != line)
        fail_msg("error names line %ld, want %ld (%s)", err.line, line, buf);
    if (strcmp(err.field, field))
        fail_msg("error names field '%s', want '%s' (%s)", err.field, field, buf);
    assert_true(err.msg[0] != 0);
}

static ordo_network_t *load_good(void)
{
    ordo_network_t *net = NULL;
    ordo_error_t err;
    int rc = ordo_network_load(GOOD_DIR, NULL, &net, &err);
    if (rc) {
        char buf[1024];
        fail_msg("good network failed: %s", ordo_error_format(&err, buf, sizeof buf));
    }
    assert_non_null(net);
    return net;
}

/* ---- good input ---- */

static void test_load_good(void **state)
{
    (void)state;
    ordo_network_t *net = load_good();
    assert_string_equal(net->name, "small-test");
    assert_int_equal(net->n_services, 2);
    assert_int_equal(net->n_nodes, 5);
    assert_int_equal(net->n_skus, 5);

    /* carrier services */
    int32_t g = ordo_network_service(net, "parcel_ground");
    int32_t t = ordo_network_service(net, "parcel_2day");
    assert_int_equal(g, 0);
    assert_int_equal(t, 1);
    assert_int_equal(ordo_network_service(net, "parcel_air"), -1);
    const ordo_carrier_service_t *sg = &net->services[g], *st = &net->services[t];
    assert_string_equal(sg->carrier, "parcel");
    assert_int_equal(sg->service, ORDO_SERVICE_GROUND);
    assert_int_equal(st->service, ORDO_SERVICE_TWO_DAY);
    assert_true(sg->dim_divisor == 139);
    assert_true(st->dim_divisor == 139); /* default */
    assert_true(sg->fuel_surcharge_pct == 10);
    assert_true(sg->residential_surcharge == 5.5);
    assert_true(sg->peak_surcharge == 1.25);
    assert_true(st->peak_surcharge == 0); /* absent */
    assert_int_equal(sg->n_brackets, 5);
    assert_true(sg->bracket_max_lb[4] == 20);
    assert_true(sg->rates[0][1] == 11.32); /* 1 lb zone 2 */
    assert_true(sg->rates[0][7] == 14.17); /* 1 lb zone 8 */
    assert_true(sg->rates[4][8] == 70.00);
    assert_true(sg->per_lb_over[8] == 3.00);
    for (int z = 0; z < ORDO_ZONES; z++) {
        double sum = 0;
        for (int d = 0; d < ORDO_TRANSIT_DAYS; d++)
            sum += sg->transit[z][d];
        assert_true(fabs(sum - 1) < 1e-12);
    }
    assert_true(sg->transit[0][1] == 0.9);
    assert_true(sg->transit[8][8] == 0.2);
    assert_true(sg->transit[8][9] == 0); /* past the listed days */

    /* nodes */
    int32_t nj = ordo_network_node(net, "dc-nj"), chi = ordo_network_node(net, "store-chi"),
            nyc = ordo_network_node(net, "store-nyc"), tx = ordo_network_node(net, "ds-tx");
    assert_int_equal(nj, 0);
    assert_int_equal(chi, 2);
    assert_int_equal(ordo_network_node(net, "dc-xx"), -1);
    const ordo_node_t *n = &net->nodes[nj];
    assert_string_equal(n->name, "Edison DC");
    assert_int_equal(n->type, ORDO_NODE_DC);
    assert_int_equal(n->zip, 8817);
    assert_int_equal(n->zip3, 88);
    assert_string_equal(n->state, "NJ");
    assert_true(fabs(n->lat - 40.51559) < 1e-9 && fabs(n->lon + 74.39390) < 1e-9);
    assert_int_equal(n->caps, ORDO_CAP_SHIP);
    assert_int_equal(n->daily_capacity, 20000);
    assert_int_equal(n->current_load, 1500);
    assert_true(n->pick_cost_per_unit == 0.45);
    assert_true(n->pack_cost_per_shipment == 1.10);
    assert_int_equal(n->cutoff_hour, 16);
    assert_int_equal(n->processing_days, 0);
    assert_int_equal(n->n_services, 2);
    assert_int_equal(n->services[0], (uint32_t)g);
    assert_int_equal(n->services[1], (uint32_t)t);
    assert_int_equal(n->priority, 1);
    assert_int_equal(n->safety_stock, 2);
    assert_true(n->active);
    int32_t east = ordo_network_group(net, "east"), dcs = ordo_network_group(net, "dcs"),
            west = ordo_network_group(net, "west");
    assert_true(east >= 0 && dcs >= 0 && west >= 0);
    assert_int_equal(net->n_groups, 3);
    assert_int_equal(ordo_network_group(net, "north"), -1);
    assert_true(n->groups == ((1ull << east) | (1ull << dcs)));
    assert_true(net->nodes[1].groups == ((1ull << west) | (1ull << dcs)));
    assert_int_equal(net->nodes[1].cutoff_hour, 14); /* default */
    assert_int_equal(net->nodes[chi].caps, ORDO_CAP_SHIP | ORDO_CAP_PICKUP);
    assert_int_equal(net->nodes[chi].type, ORDO_NODE_STORE);
    assert_int_equal(net->nodes[nyc].caps, ORDO_CAP_PICKUP);
    assert_int_equal(net->nodes[nyc].n_services, 0);
    assert_string_equal(net->nodes[nyc].name, "store-nyc"); /* name defaults to id */
    assert_int_equal(net->nodes[nyc].safety_stock, 0);
    assert_int_equal(net->nodes[tx].type, ORDO_NODE_DROPSHIP);
    assert_false(net->nodes[tx].active);
    assert_int_equal(net->nodes[tx].processing_days, 2);

    /* catalog */
    int32_t tee = ordo_network_sku(net, "SKU-TEE"), chair = ordo_network_sku(net, "SKU-CHAIR"),
            mug = ordo_network_sku(net, "SKU-MUG");
    assert_int_equal(tee, 0);
    assert_int_equal(chair, 3); /* the quoted id was unquoted */
    assert_int_equal(ordo_network_sku(net, "\"SKU-CHAIR\""), -1);
    assert_int_equal(ordo_network_sku_n(net, "SKU-TEEXYZ", 7), tee);
    assert_int_equal(ordo_network_sku(net, "SKU-TE"), -1);
    assert_int_equal(net->n_families, 3);
    assert_int_equal(net->skus[tee].family, ordo_network_family(net, "apparel"));
    assert_int_equal(net->skus[4].family, net->skus[tee].family);
    assert_int_equal(net->skus[chair].family, ordo_network_family(net, "home"));
    assert_int_equal(ordo_network_family(net, "toys"), -1);
    assert_true(net->skus[chair].weight_lb == 24);
    assert_true(net->skus[chair].length_in == 30 && net->skus[chair].width_in == 26 &&
                net->skus[chair].height_in == 22);
    assert_true(net->skus[chair].price == 149);
    assert_true(net->skus[chair].return_rate == 0.08);

    /* inventory */
    ordo_inventory_t *inv = net->inventory;
    assert_int_equal(ordo_inventory_cell_count(inv), 10);
    ordo_stock_t s;
    int64_t cell = ordo_inventory_cell(inv, (uint32_t)nj, (uint32_t)tee);
    assert_true(cell >= 0);
    ordo_inventory_get(inv, (uint32_t)cell, &s);
    assert_int_equal(s.on_hand, 500);
    assert_int_equal(s.reserved, 20);
    assert_int_equal(s.safety_stock, 5);
    int64_t t0;
    assert_int_equal(ordo_time_parse("2026-11-24T06:00:00Z", &t0), ORDO_OK);
    assert_int_equal(s.as_of, t0);
    assert_int_equal(ordo_inventory_atp(inv, (uint32_t)cell), 475);
    /* an empty safety_stock falls back to the node's default */
    cell = ordo_inventory_cell(inv, (uint32_t)nj, (uint32_t)mug);
    ordo_inventory_get(inv, (uint32_t)cell, &s);
    assert_int_equal(s.safety_stock, 2);
    cell = ordo_inventory_cell(inv, (uint32_t)chi, (uint32_t)tee);
    ordo_inventory_get(inv, (uint32_t)cell, &s);
    assert_int_equal(s.safety_stock, 1);
    assert_int_equal(s.as_of, t0 + 9 * 3600 + 1800); /* 09:30-06:00 is 15:30Z */
    cell = ordo_inventory_cell(inv, (uint32_t)nyc, (uint32_t)tee);
    ordo_inventory_get(inv, (uint32_t)cell, &s);
    assert_int_equal(s.as_of, 0); /* empty as_of */
    /* SKU-TEE is stocked at four nodes, SKU-SOCKS nowhere */
    ordo_stock_range_t r = ordo_inventory_sku_cells(inv, (uint32_t)tee);
    assert_int_equal(r.end - r.begin, 4);
    r = ordo_inventory_sku_cells(inv, 4);
    assert_int_equal(r.end - r.begin, 0);
    assert_int_equal(ordo_inventory_cell(inv, (uint32_t)nyc, (uint32_t)chair), -1);
    ordo_network_destroy(net);
}

static void test_zone_tables(void **state)
{
    (void)state;
    ordo_network_t *net = load_good();
    for (uint32_t n = 0; n < net->n_nodes; n++)
        for (int d = 0; d < ORDO_ZIP3_COUNT; d++) {
            int z = ordo_geo_rate_zone(net->geo, net->nodes[n].zip3, (uint16_t)d);
            double m = ordo_geo_zip3_miles(net->geo, net->nodes[n].zip3, (uint16_t)d);
            if (z < 0) {
                assert_int_equal(ordo_network_zone(net, n, (uint16_t)d), 0);
                assert_true(ordo_network_miles(net, n, (uint16_t)d) < 0);
            } else {
                assert_int_equal(ordo_network_zone(net, n, (uint16_t)d), z);
                assert_true(fabs(ordo_network_miles(net, n, (uint16_t)d) - m) < 1e-3 * m + 1e-3);
            }
        }
    /* a few facts: Edison (088) to New York (100) is zone 1; Fremont (945)
     * to Los Angeles (900) zone 4; Chicago (606) to New York zone 5 */
    assert_int_equal(ordo_network_zone(net, 0, 100), 1);
    assert_int_equal(ordo_network_zone(net, 1, 900), 4);
    assert_int_equal(ordo_network_zone(net, 2, 100), 5);
    assert_int_equal(ordo_network_zone(net, 0, 969), 9);
    ordo_network_destroy(net);
}

static void test_summary(void **state)
{
    (void)state;
    ordo_network_t *net = load_good();
    ordo_network_summary_t s;
    assert_int_equal(ordo_network_summarize(net, &s), ORDO_OK);
    assert_int_equal(s.nodes_by_type[ORDO_NODE_DC], 2);
    assert_int_equal(s.nodes_by_type[ORDO_NODE_STORE], 2);
    assert_int_equal(s.nodes_by_type[ORDO_NODE_DROPSHIP], 1);
    assert_int_equal(s.active_nodes, 4);
    assert_int_equal(s.n_skus, 5);
    assert_int_equal(s.inventory_records, 10);
    assert_int_equal(s.total_units, 500 + 120 + 40 + 300 + 15 + 12 + 6 + 8 + 1000 + 250);
    assert_int_equal(s.units_by_type[ORDO_NODE_DROPSHIP], 1250);
    assert_int_equal(s.units_by_type[ORDO_NODE_STORE], 26);
    assert_true(s.us_population > 300000000ull && s.us_population < 400000000ull);
    assert_true(s.pop_share_zone_1_2 > 0 && s.pop_share_zone_1_2 <= s.pop_share_zone_1_4);
    assert_true(s.pop_share_zone_1_4 <= 1);
    assert_true(s.mean_zone >= 1 && s.mean_zone <= 9);
    ordo_network_destroy(net);
}

static void test_enum_names(void **state)
{
    (void)state;
    ordo_node_type_t t;
    ordo_service_t s;
    for (int i = 0; i < ORDO_NODE_TYPES; i++) {
        assert_int_equal(ordo_node_type_parse(ordo_node_type_name((ordo_node_type_t)i), &t),
                         ORDO_OK);
        assert_int_equal(t, i);
    }
    for (int i = 0; i < ORDO_SERVICES; i++) {
        assert_int_equal(ordo_service_parse(ordo_service_name((ordo_service_t)i), &s), ORDO_OK);
        assert_int_equal(s, i);
    }
    assert_string_equal(ordo_node_type_name(ORDO_NODE_STORE), "store");
    assert_string_equal(ordo_service_name(ORDO_SERVICE_TWO_DAY), "two_day");
    assert_int_equal(ordo_node_type_parse("DC", &t), ORDO_EINVAL);
    assert_int_equal(ordo_service_parse("express", &s), ORDO_EINVAL);
    assert_string_equal(ordo_node_type_name((ordo_node_type_t)7), "?");
}

static void test_crlf_and_copy(void **state)
{
    ctx_t *c = *state;
    /* the same files with CRLF line ends load to the same network */
    const char *texts[3] = {c->json, c->catalog, c->inventory};
    char *crlf[3];
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(texts[k]);
        crlf[k] = malloc(2 * n + 1);
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            if (texts[k][i] == '\n')
                crlf[k][j++] = '\r';
            crlf[k][j++] = texts[k][i];
        }
        crlf[k][j] = 0;
    }
    write_net(c, crlf[0], crlf[1], crlf[2]);
    ordo_network_t *net = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_network_load(c->dir, NULL, &net, &err), ORDO_OK);
    assert_int_equal(net->n_nodes, 5);
    assert_int_equal(net->n_skus, 5);
    assert_int_equal(ordo_network_sku(net, "SKU-CHAIR"), 3);
    assert_int_equal(ordo_network_sku(net, "SKU-SOCKS"), 4);
    assert_int_equal(ordo_inventory_cell_count(net->inventory), 10);
    ordo_network_destroy(net);
    for (int k = 0; k < 3; k++)
        free(crlf[k]);
    /* an explicit geography works like the default */
    write_net(c, NULL, NULL, NULL);
    assert_int_equal(ordo_network_load(c->dir, ordo_geo_default(), &net, &err), ORDO_OK);
    ordo_network_destroy(net);
}

/* ---- bad network.json ---- */

typedef struct {
    const char *find, *repl;
    int code;
    long line; /* -1: not checked */
    const char *field;
} json_case_t;

static void test_bad_network_json(void **state)
{
    ctx_t *c = *state;
    static const json_case_t cases[] = {
        /* malformed: the missing comma is found at the next token, line 4 */
        {"\"name\": \"small-test\",", "\"name\": \"small-test\"", ORDO_EPARSE, 4, ""},
        {"\"id\": \"dc-ca\"", "\"id\": \"dc-ca", ORDO_EPARSE, -1, ""},
        /* unknown fields, at every level */
        {"\"name\": \"small-test\",", "\"name\": \"small-test\", \"colour\": 1,", ORDO_EPARSE, -1,
         "colour"},
        {"\"id\": \"dc-ca\",", "\"id\": \"dc-ca\", \"zone\": 3,", ORDO_EPARSE, -1, "nodes[1].zone"},
        {"\"dim_divisor\": 139,", "\"dim_divisor\": 139, \"dimdivisor\": 166,", ORDO_EPARSE, -1,
         "carrier_services[0].dimdivisor"},
        {"\"max_weight_lb\": [1, 5, 20],", "\"max_weight_lb\": [1, 5, 20], \"currency\": \"USD\",",
         ORDO_EPARSE, -1, "carrier_services[1].rate_card.currency"},
        /* unknown and malformed ZIPs */
        {"\"zip\": \"75201\"", "\"zip\": \"00000\"", ORDO_ENOTFOUND, -1, "nodes[4].zip"},
        {"\"zip\": \"75201\"", "\"zip\": \"7520\"", ORDO_EPARSE, -1, "nodes[4].zip"},
        {"\"zip\": \"75201\"", "\"zip\": 75201", ORDO_EPARSE, -1, "nodes[4].zip"},
        /* duplicate ids */
        {"\"id\": \"ds-tx\"", "\"id\": \"dc-nj\"", ORDO_EEXIST, -1, "nodes[4].id"},
        {"\"id\": \"parcel_2day\"", "\"id\": \"parcel_ground\"", ORDO_EEXIST, -1,
         "carrier_services[1].id"},
        /* bad values */
        {"\"daily_capacity\": 300,", "\"daily_capacity\": -300,", ORDO_ERANGE, -1,
         "nodes[2].daily_capacity"},
        {"\"daily_capacity\": 300,", "\"daily_capacity\": 300.5,", ORDO_EPARSE, -1,
         "nodes[2].daily_capacity"},
        {"\"daily_capacity\": 300,", "\"daily_capacity\": \"300\",", ORDO_EPARSE, -1,
         "nodes[2].daily_capacity"},
        {"\"cutoff_hour\": 14,", "\"cutoff_hour\": 24,", ORDO_ERANGE, -1, "nodes[2].cutoff_hour"},
        {"\"pick_cost_per_unit\": 1.20,", "", ORDO_EPARSE, -1, "nodes[2].pick_cost_per_unit"},
        {"\"type\": \"dropship\"", "\"type\": \"warehouse\"", ORDO_EPARSE, -1, "nodes[4].type"},
        {"\"capabilities\": [\"pickup\"]", "\"capabilities\": [\"teleport\"]", ORDO_EPARSE, -1,
         "nodes[3].capabilities"},
        {"\"capabilities\": [\"pickup\"]", "\"capabilities\": []", ORDO_EPARSE, -1,
         "nodes[3].capabilities"},
        {"\"services\": [\"parcel_ground\"], \"priority\": 2",
         "\"services\": [\"parcel_air\"], \"priority\": 2", ORDO_ENOTFOUND, -1,
         "nodes[2].services"},
        {"\"services\": [\"parcel_ground\"], \"priority\": 2", "\"priority\": 2", ORDO_EPARSE, -1,
         "nodes[2].services"},
        {"\"active\": false", "\"active\": 0", ORDO_EPARSE, -1, "nodes[4].active"},
        {"\"id\": \"store-nyc\", ", "", ORDO_EPARSE, -1, "nodes[3].id"},
        {"\"format\": \"ordo-network/1\"", "\"format\": \"ordo-network/2\"", ORDO_EUNSUPPORTED, -1,
         "format"},
        {"\"service\": \"two_day\"", "\"service\": \"teleport\"", ORDO_EPARSE, -1,
         "carrier_services[1].service"},
        {"\"fuel_surcharge_pct\": 12.5", "\"fuel_surcharge_pct\": -1", ORDO_ERANGE, -1,
         "carrier_services[1].fuel_surcharge_pct"},
        /* rate cards */
        {"[1, 2, 5, 10, 20]", "[1, 2, 5, 5, 20]", ORDO_EPARSE, -1,
         "carrier_services[0].rate_card.max_weight_lb"},
        {"[20, 21, 22, 23, 24, 25, 26, 27, 40]", "[20, 21, 22, 23, 24, 25, 26, 27]", ORDO_EPARSE,
         -1, "carrier_services[1].rate_card.rates"},
        {"[20, 21, 22, 23, 24, 25, 26, 27, 40]", "[20, 21, 22, 23, 24, 25, 26, 27, -40]",
         ORDO_EPARSE, -1, "carrier_services[1].rate_card.rates"},
        {"\"per_lb_over\": [2, 2, 2, 2, 3, 3, 3, 3, 5]", "\"per_lb_over\": [2, 2]", ORDO_EPARSE, -1,
         "carrier_services[1].rate_card.per_lb_over"},
        /* transit histograms */
        {"[0, 0.3, 0.6, 0.1],", "[0, 0.3, 0.6, 0.2],", ORDO_EPARSE, -1,
         "carrier_services[0].transit_days"},
        {"[0, 0, 0.5, 0.3, 0.2]", "[0, 0, 0.5, 0.3, 0.2], [1]", ORDO_EPARSE, -1,
         "carrier_services[1].transit_days"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = json_variant(c, cases[i].find, cases[i].repl);
        write_net(c, json, NULL, NULL);
        print_message("network.json case %zu: %s -> %s\n", i, cases[i].find, cases[i].repl);
        expect_load_error(c, cases[i].code, "network.json", cases[i].line, cases[i].field);
        free(json);
    }
    /* not JSON at all, empty, an array, and trailing garbage */
    static const char *const whole[] = {"", "not json", "[1, 2]", "{\"nodes\": []}", "null"};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        write_net(c, whole[i], NULL, NULL);
        ordo_network_t *net = (ordo_network_t *)1;
        ordo_error_t err;
        assert_int_equal(ordo_network_load(c->dir, NULL, &net, &err), ORDO_EPARSE);
        assert_null(net);
        assert_true(ends_with(err.file, "network.json"));
    }
    write_net(c, "{\"carrier_services\": [{}], \"nodes\": []}", NULL, NULL);
    expect_load_error(c, ORDO_EPARSE, "network.json", -1, "nodes");
    write_net(c, "{\"carrier_services\": [], \"nodes\": [{}]}", NULL, NULL);
    expect_load_error(c, ORDO_EPARSE, "network.json", -1, "carrier_services");
    size_t n = strlen(c->json);
    char *garbage = malloc(n + 16);
    memcpy(garbage, c->json, n);
    strcpy(garbage + n, "\n{\"more\": 1}\n");
    write_net(c, garbage, NULL, NULL);
    expect_load_error(c, ORDO_EPARSE, "network.json", -1, "");
    free(garbage);
}

/* ---- bad catalog.csv and inventory.csv ---- */

typedef struct {
    const char *fixture; /* in tests/fixtures/core/bad */
    const char *file;    /* which file it replaces */
    int code;
    long line;
    const char *field;
} csv_case_t;

static void test_bad_csv(void **state)
{
    ctx_t *c = *state;
    static const csv_case_t cases[] = {
        {"catalog-duplicate-sku.csv", "catalog.csv", ORDO_EEXIST, 4, "sku"},
        {"catalog-negative-weight.csv", "catalog.csv", ORDO_ERANGE, 3, "weight_lb"},
        {"catalog-bad-price.csv", "catalog.csv", ORDO_EPARSE, 3, "price"},
        {"catalog-return-rate-over-1.csv", "catalog.csv", ORDO_ERANGE, 2, "return_rate"},
        {"catalog-bad-header.csv", "catalog.csv", ORDO_EPARSE, 1, ""},
        {"catalog-unterminated-quote.csv", "catalog.csv", ORDO_EPARSE, 3, ""},
        {"catalog-missing-field.csv", "catalog.csv", ORDO_EPARSE, 3, ""},
        {"catalog-no-rows.csv", "catalog.csv", ORDO_EPARSE, -1, ""},
        {"inventory-unknown-sku.csv", "inventory.csv", ORDO_ENOTFOUND, 3, "sku"},
        {"inventory-unknown-node.csv", "inventory.csv", ORDO_ENOTFOUND, 4, "node"},
        {"inventory-negative-on-hand.csv", "inventory.csv", ORDO_EPARSE, 3, "on_hand"},
        {"inventory-duplicate-record.csv", "inventory.csv", ORDO_EEXIST, 5, "sku"},
        {"inventory-reserved-over-on-hand.csv", "inventory.csv", ORDO_EPARSE, 2, "reserved"},
        {"inventory-bad-time.csv", "inventory.csv", ORDO_EPARSE, 2, "as_of"},
        {"inventory-fractional-safety.csv", "inventory.csv", ORDO_EPARSE, 2, "safety_stock"},
        {"inventory-bad-header.csv", "inventory.csv", ORDO_EPARSE, 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/bad/%s", FIXTURES, cases[i].fixture);
        char *text = slurp(path);
        int cat = !strcmp(cases[i].file, "catalog.csv");
        write_net(c, NULL, cat ? text : NULL, cat ? NULL : text);
        print_message("%s\n", cases[i].fixture);
        expect_load_error(c, cases[i].code, cases[i].file, cases[i].line, cases[i].field);
        free(text);
    }
    /* the duplicate-record message names the ids and the first line */
    char path[512];
    snprintf(path, sizeof path, "%s/bad/inventory-duplicate-record.csv", FIXTURES);
    char *text = slurp(path);
    write_net(c, NULL, NULL, text);
    ordo_network_t *net;
    ordo_error_t err;
    assert_int_equal(ordo_network_load(c->dir, NULL, &net, &err), ORDO_EEXIST);
    assert_non_null(strstr(err.msg, "dc-nj"));
    assert_non_null(strstr(err.msg, "SKU-TEE"));
    assert_non_null(strstr(err.msg, "line 2"));
    free(text);
    /* the unterminated quote is named as such */
    snprintf(path, sizeof path, "%s/bad/catalog-unterminated-quote.csv", FIXTURES);
    text = slurp(path);
    write_net(c, NULL, text, NULL);
    assert_int_equal(ordo_network_load(c->dir, NULL, &net, &err), ORDO_EPARSE);
    assert_non_null(strstr(err.msg, "quote"));
    free(text);
}

static void test_missing_files(void **state)
{
    ctx_t *c = *state;
    static const char *const files[] = {"network.json", "catalog.csv", "inventory.csv"};
    for (int k = 0; k < 3; k++) {
        write_net(c, NULL, NULL, NULL);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", c->dir, files[k]);
        assert_int_equal(unlink(path), 0);
        ordo_network_t *net = (ordo_network_t *)1;
        ordo_error_t err;
        assert_int_equal(ordo_network_load(c->dir, NULL, &net, &err), ORDO_ENOENT);
        assert_null(net);
        assert_string_equal(err.file, path);
    }
    ordo_network_t *net;
    ordo_error_t err;
    assert_int_equal(ordo_network_load("/nonexistent/net", NULL, &net, &err), ORDO_ENOENT);
    assert_null(net);
}

static void test_parsers_directly(void **state)
{
    (void)state;
    /* the individual loaders on an empty network, as tools use them */
    ordo_network_t *net = ordo_network_new(NULL);
    assert_non_null(net);
    ordo_error_t err;
    const char *inv = "node,sku,on_hand,reserved,safety_stock,as_of\n";
    /* inventory before the network and catalog is a state error */
    assert_int_equal(ordo_inventory_parse_csv(net, inv, strlen(inv), "inv.csv", &err), ORDO_ESTATE);
    char *json = slurp(GOOD_DIR "/network.json");
    char *cat = slurp(GOOD_DIR "/catalog.csv");
    assert_int_equal(ordo_network_parse_json(net, json, strlen(json), "n.json", &err), ORDO_OK);
    assert_int_equal(ordo_catalog_parse_csv(net, cat, strlen(cat), "c.csv", &err), ORDO_OK);
    /* no inventory file: finalize gives an empty inventory */
    assert_int_equal(ordo_network_finalize(net, &err), ORDO_OK);
    assert_int_equal(ordo_inventory_cell_count(net->inventory), 0);
    assert_int_equal(ordo_network_zone(net, 0, 100), 1);
    /* a header-only inventory loads as empty */
    assert_int_equal(ordo_inventory_parse_csv(net, inv, strlen(inv), "inv.csv", &err), ORDO_OK);
    assert_int_equal(ordo_inventory_cell_count(net->inventory), 0);
    const char *inv2 = "node,sku,on_hand,reserved,safety_stock,as_of\ndc-ca,SKU-MUG,3,,,\n";
    assert_int_equal(ordo_inventory_parse_csv(net, inv2, strlen(inv2), "inv.csv", &err), ORDO_OK);
    assert_int_equal(ordo_inventory_cell_count(net->inventory), 1);
    ordo_stock_t s;
    ordo_inventory_get(net->inventory, 0, &s);
    assert_int_equal(s.on_hand, 3);
    assert_int_equal(s.reserved, 0);
    assert_int_equal(s.safety_stock, 2); /* dc-ca default */
    /* a failed reload keeps the inventory that was there */
    const char *bad = "node,sku,on_hand,reserved,safety_stock,as_of\ndc-ca,SKU-MUG,x,,,\n";
    assert_int_equal(ordo_inventory_parse_csv(net, bad, strlen(bad), "inv.csv", &err), ORDO_EPARSE);
    assert_int_equal(ordo_inventory_cell_count(net->inventory), 1);
    free(json);
    free(cat);
    ordo_network_destroy(net);
    ordo_network_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_zone_tables),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test_setup_teardown(test_crlf_and_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_network_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
        cmocka_unit_test(test_parsers_directly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
