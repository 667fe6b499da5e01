/* SPDX-License-Identifier: Apache-2.0 */
/* tests for signals in the engine (src/source/signals.c) and the snapshot
 * they come from (src/core/signals*.c): the supersede rule, a surge that
 * moves decisions to the other carrier from its effective time on, the
 * snapshot a decision is told to use (replay), a closed node, and
 * concurrency: snapshots swapped while threads decide, every decision
 * seeing one whole snapshot. */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"
#include "ordo/signals.h"

#define EXNET ORDO_SOURCE_DIR "/docs/examples/network"

static ordo_network_t *example_net(void)
{
    ordo_network_t *net = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_load(EXNET, NULL, &net, &err), ORDO_OK);
    return net;
}

/* The snapshot of a document (version v, every line). */
static ordo_signals_t *snap_of(const ordo_network_t *net, const char *doc, uint64_t v)
{
    ordo_signal_list_t l = {0};
    ordo_error_t err = {0};
    int rc = ordo_signals_parse(doc, strlen(doc), net, "t", 1, v, true, &l, &err);
    if (rc)
        fprintf(stderr, "%s:%ld %s: %s\n", err.file, err.line, err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    ordo_signals_t *s;
    assert_int_equal(ordo_signals_build(net, l.sig, l.n, v, &s, &err), ORDO_OK);
    ordo_signal_list_free(&l);
    return s;
}

static int64_t at(const char *t)
{
    int64_t v;
    assert_int_equal(ordo_time_parse(t, &v), 0);
    return v;
}

/* Later versions supersede earlier ones for the same key where (and only
 * where) their windows overlap. */
static void test_supersede(void **state)
{
    (void)state;
    ordo_network_t *net = example_net();
    ordo_signal_list_t l = {0};
    ordo_error_t err = {0};
    const char *v1 = "{\"kind\":\"backlog\",\"node\":\"ST-0001\",\"effective_from\":"
                     "\"2026-12-07T00:00:00Z\",\"units\":10}\n";
    const char *v2 = "{\"kind\":\"backlog\",\"node\":\"ST-0001\",\"effective_from\":"
                     "\"2026-12-07T10:00:00Z\",\"effective_to\":\"2026-12-07T12:00:00Z\","
                     "\"units\":20}\n";
    assert_int_equal(ordo_signals_parse(v1, strlen(v1), net, "v1", 1, 1, true, &l, &err), 0);
    assert_int_equal(ordo_signals_parse(v2, strlen(v2), net, "v2", 1, 2, true, &l, &err), 0);
    ordo_signals_t *s;
    assert_int_equal(ordo_signals_build(net, l.sig, l.n, 2, &s, &err), ORDO_OK);
    uint32_t n = (uint32_t)ordo_network_node(net, "ST-0001");
    assert_null(ordo_signals_node(s, ORDO_SIGNAL_BACKLOG, n, at("2026-12-06T23:59:59Z")));
    assert_true(ordo_signals_node(s, ORDO_SIGNAL_BACKLOG, n, at("2026-12-07T09:00:00Z"))->backlog ==
                10);
    assert_true(ordo_signals_node(s, ORDO_SIGNAL_BACKLOG, n, at("2026-12-07T10:00:00Z"))->backlog ==
                20);
    assert_true(ordo_signals_node(s, ORDO_SIGNAL_BACKLOG, n, at("2026-12-07T12:00:00Z"))->backlog ==
                10);
    assert_null(ordo_signals_node(s, ORDO_SIGNAL_LABOUR, n, at("2026-12-07T10:00:00Z")));
    ordo_signals_destroy(s);
    /* in one document, two windows of one key must not overlap */
    assert_int_equal(ordo_signals_parse(v1, strlen(v1), net, "v3", 1, 3, true, &l, &err), 0);
    char both[512];
    snprintf(both, sizeof both, "%s%s", v1, v2);
    size_t before = l.n;
    assert_int_equal(ordo_signals_parse(both, strlen(both), net, "dup", 1, 4, true, &l, &err),
                     ORDO_EEXIST);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.field, "effective_from");
    assert_int_equal(l.n, before); /* nothing of the document kept */
    ordo_signal_list_free(&l);
    ordo_network_destroy(net);
}

static const char *const ORDER_EARLY =
    "{\"id\":\"e\",\"created\":\"2026-12-07T11:00:00Z\",\"ship_to\":{\"zip\":\"94110\"},"
    "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}";
static const char *const ORDER_LATE =
    "{\"id\":\"l\",\"created\":\"2026-12-07T15:00:00Z\",\"ship_to\":{\"zip\":\"94110\"},"
    "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}";

static const char *service_of(const ordo_network_t *net, const ordo_plan_t *p)
{
    assert_true(p->n_shipments >= 1);
    return net->services[p->shipments[0].service].id;
}

/* Surge: postal's fuel surcharge goes to 60% at 12:00. Before, postal;
 * after, parcel; the plan names the signal; and an order decided with the
 * empty snapshot (a replay of version 0) is priced as before. */
static void test_surge(void **state)
{
    (void)state;
    ordo_network_t *net = example_net();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *pol = builtin("default");
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_order_t early, late;
    parse_order(net, a, ORDER_EARLY, &early);
    parse_order(net, a, ORDER_LATE, &late);
    ordo_plan_t *p0 = decide(eng, pol, &late, a, false);
    assert_string_equal(service_of(net, p0), "postal_ground");
    double cost0 = p0->cost.total;
    ordo_engine_set_signals(
        eng, snap_of(net,
                     "{\"kind\":\"rate\",\"carrier\":\"postal\",\"effective_from\":"
                     "\"2026-12-07T12:00:00Z\",\"fuel_surcharge_pct\":60}",
                     1));
    ordo_plan_t *pe = decide(eng, pol, &early, a, false);
    assert_string_equal(service_of(net, pe), "postal_ground");
    assert_int_equal(pe->signals_version, 1);
    assert_int_equal(pe->n_signals, 0); /* not in force at 11:00 */
    ordo_plan_t *pl = decide(eng, pol, &late, a, false);
    assert_string_equal(service_of(net, pl), "parcel_ground");
    assert_int_equal(pl->signals_version, 1);
    assert_true(pl->n_signals >= 1);
    assert_string_equal(pl->signals[0].effect, "rate");
    assert_true(pl->cost.total > cost0);
    /* what replay does: the logged version (none here) instead of the engine's */
    ordo_decide_opts_t o = {.signals = ordo_signals_empty()};
    ordo_plan_t *pr;
    assert_int_equal(ordo_source_decide(eng, pol, &late, &o, a, &pr, &err), ORDO_OK);
    assert_string_equal(service_of(net, pr), "postal_ground");
    assert_true(pr->cost.total == cost0);
    assert_int_equal(pr->signals_version, 0);
    ordo_arena_destroy(a);
    ordo_policy_destroy(pol);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* A closed node is excluded, the explanation names the signal; a carrier
 * outage in the destination's region takes that carrier away. */
static void test_closed_and_outage(void **state)
{
    (void)state;
    ordo_network_t *net = example_net();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *pol = builtin("default");
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_order_t o;
    parse_order(net, a, ORDER_LATE, &o);
    ordo_plan_t *p0 = decide(eng, pol, &o, a, false);
    uint32_t node0 = p0->shipments[0].node;
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"kind\":\"node_status\",\"node\":\"%s\",\"effective_from\":"
             "\"2026-12-07T00:00:00Z\",\"status\":\"closed\"}\n"
             "{\"kind\":\"carrier_outage\",\"carrier\":\"postal\",\"region\":\"west\","
             "\"effective_from\":\"2026-12-07T00:00:00Z\"}",
             net->nodes[node0].id);
    ordo_engine_set_signals(eng, snap_of(net, doc, 1));
    ordo_plan_t *p = decide(eng, pol, &o, a, true);
    assert_true(p->n_shipments >= 1);
    assert_true(p->shipments[0].node != node0);
    assert_string_not_equal(service_of(net, p), "postal_ground");
    bool named = false;
    for (uint32_t i = 0; i < p->n_candidates; i++)
        named |= p->candidates[i].node == node0 && p->candidates[i].excluded_by &&
                 !strcmp(p->candidates[i].excluded_by, "signal:node_closed");
    assert_true(named);
    ordo_arena_destroy(a);
    ordo_policy_destroy(pol);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* ---- concurrency ----
 * Version k holds, for every carrier service, a rate signal with
 * rate_multiplier 1 + k/64 (open-ended: it supersedes every earlier one).
 * A snapshot is whole when every rate signal a decision saw is of the
 * plan's version, one per service, and a priced shipment's base is the
 * card's × that version's multiplier. A decision that read half of one
 * snapshot and half of another would fail one of these. */
#define SWAPS 40
#define THREADS 3

typedef struct conc {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *pol;
    double base0; /* the priced shipment's base without signals */
    _Atomic int done;
    _Atomic int bad;
    _Atomic int decided;
} conc_t;

static char *version_doc(const ordo_network_t *net, int k)
{
    size_t cap = 256 * (net->n_services + 1), n = 0;
    char *d = malloc(cap);
    for (uint32_t s = 0; s < net->n_services; s++)
        n += (size_t)snprintf(d + n, cap - n,
                              "{\"kind\":\"rate\",\"carrier\":\"%s\",\"service\":\"%s\","
                              "\"effective_from\":\"2026-12-01T00:00:00Z\","
                              "\"rate_multiplier\":%.10g}\n",
                              net->services[s].carrier, net->services[s].id, 1 + k / 64.0);
    return d;
}

static ordo_plan_t *price_from(conc_t *c, const ordo_order_t *o, ordo_arena_t *a)
{
    const char *spec_text = "{\"shipments\":[{\"node\":\"DC-003\",\"service\":\"parcel_ground\","
                            "\"lines\":[{\"line\":0}]}]}";
    ordo_error_t err = {0};
    ordo_plan_spec_t spec;
    assert_int_equal(ordo_plan_spec_parse(spec_text, strlen(spec_text), c->net, o, a, &spec, &err),
                     ORDO_OK);
    ordo_plan_t *plan;
    assert_int_equal(ordo_source_price(c->eng, c->pol, o, &spec, a, &plan, &err), ORDO_OK);
    return plan;
}

static bool whole(const conc_t *c, const ordo_plan_t *p)
{
    uint64_t v = p->signals_version;
    uint32_t rate = 0;
    for (uint32_t i = 0; i < p->n_signals; i++) {
        const ordo_signal_t *g = p->signals[i].signal;
        if (g->kind != ORDO_SIGNAL_RATE)
            continue;
        rate++;
        if (g->version != v || g->rate_multiplier != 1 + (double)v / 64)
            return false;
    }
    return v == 0 ? rate == 0 : rate == c->net->n_services;
}

static void *decider(void *arg)
{
    conc_t *c = arg;
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    while (!atomic_load(&c->done)) {
        ordo_arena_reset(a);
        ordo_order_t o;
        parse_order(c->net, a, ORDER_LATE, &o);
        ordo_plan_t *p;
        ordo_decide_opts_t opts = {0};
        ordo_error_t err = {0};
        if (ordo_source_decide(c->eng, c->pol, &o, &opts, a, &p, &err) || !whole(c, p))
            atomic_fetch_add(&c->bad, 1);
        ordo_plan_t *q = price_from(c, &o, a);
        double m = 1 + (double)q->signals_version / 64;
        if (!whole(c, q) ||
            fabs(q->shipments[0].cost.shipping_base - c->base0 * m) > 1e-9 * c->base0 * m)
            atomic_fetch_add(&c->bad, 1);
        atomic_fetch_add(&c->decided, 1);
    }
    ordo_arena_destroy(a);
    return NULL;
}

static void test_concurrent_swaps(void **state)
{
    (void)state;
    conc_t c = {0};
    c.net = example_net();
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(c.net, NULL, &c.eng, &err), ORDO_OK);
    c.pol = builtin("default");
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_order_t o;
    parse_order(c.net, a, ORDER_LATE, &o);
    c.base0 = price_from(&c, &o, a)->shipments[0].cost.shipping_base;
    assert_true(c.base0 > 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, decider, &c), 0);
    ordo_signal_list_t l = {0};
    for (int k = 1; k <= SWAPS; k++) {
        char *doc = version_doc(c.net, k);
        assert_int_equal(
            ordo_signals_parse(doc, strlen(doc), c.net, "v", 1, (uint64_t)k, true, &l, &err), 0);
        free(doc);
        ordo_signals_t *s;
        assert_int_equal(ordo_signals_build(c.net, l.sig, l.n, (uint64_t)k, &s, &err), ORDO_OK);
        ordo_engine_set_signals(c.eng, s);
        while (atomic_load(&c.decided) < k * 2 && !atomic_load(&c.bad))
            ; /* let the threads decide under this snapshot */
    }
    atomic_store(&c.done, 1);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&c.bad), 0);
    assert_true(atomic_load(&c.decided) >= SWAPS);
    assert_int_equal(ordo_signals_version(ordo_engine_signals(c.eng)), SWAPS);
    ordo_signal_list_free(&l);
    ordo_arena_destroy(a);
    ordo_policy_destroy(c.pol);
    ordo_engine_destroy(c.eng);
    ordo_network_destroy(c.net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supersede),
        cmocka_unit_test(test_surge),
        cmocka_unit_test(test_closed_and_outage),
        cmocka_unit_test(test_concurrent_swaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
