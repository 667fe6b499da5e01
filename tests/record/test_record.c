/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/record: the decision record written (JSON text and CBOR)
 * and read back gives the same typed record, carrying what was decided;
 * records written before this module (the CBOR fixtures) still read. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/cbor.h"
#include "ordo/record.h"
#include "ordo/source.h"
#include "ordo/util.h"

#ifndef ORDO_SOURCE_DIR
#define ORDO_SOURCE_DIR "."
#endif

static const char *root(void)
{
    const char *r = getenv("ORDO_SOURCE_DIR");
    return r && *r ? r : ORDO_SOURCE_DIR;
}

typedef struct fx {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *pol;
    ordo_arena_t *arena;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    char nd[1024];
    snprintf(nd, sizeof nd, "%s/docs/examples/network", root());
    ordo_error_t err;
    assert_int_equal(ordo_network_load(nd, NULL, &f->net, &err), ORDO_OK);
    assert_int_equal(ordo_engine_create(f->net, NULL, &f->eng, &err), ORDO_OK);
    assert_int_equal(ordo_policy_builtin("cost-optimized", &f->pol, &err), ORDO_OK);
    f->arena = ordo_arena_create(1 << 16);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_arena_destroy(f->arena);
    ordo_policy_destroy(f->pol);
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    free(f);
    return 0;
}

/* ---- deep equality of typed records ---- */

static void eq_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void eq_num(double a, double b)
{
    if (isnan(a) || isnan(b))
        assert_true(isnan(a) && isnan(b));
    else
        assert_true(a == b);
}

static void eq_cost(const ordo_cost_t *a, const ordo_cost_t *b)
{
    const double *x = &a->pick, *y = &b->pick;
    for (size_t i = 0; i < sizeof *a / sizeof(double); i++)
        eq_num(x[i], y[i]);
}

static void eq_lines(const ordo_record_line_t *a, const ordo_record_line_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        eq_num(a[i].line, b[i].line);
        eq_str(a[i].sku, b[i].sku);
        eq_num(a[i].quantity, b[i].quantity);
    }
}

static void eq_plan(const ordo_record_plan_t *a, const ordo_record_plan_t *b)
{
    assert_int_equal(a->present, b->present);
    eq_str(a->status, b->status);
    eq_str(a->search, b->search);
    eq_str(a->promise_date, b->promise_date);
    eq_num(a->score, b->score);
    assert_int_equal(a->has_shipments, b->has_shipments);
    assert_int_equal(a->n_shipments, b->n_shipments);
    for (uint32_t i = 0; i < a->n_shipments; i++) {
        const ordo_record_shipment_t *x = &a->shipments[i], *y = &b->shipments[i];
        eq_str(x->node, y->node);
        eq_str(x->node_type, y->node_type);
        eq_str(x->service, y->service);
        eq_num(x->zone, y->zone);
        eq_num(x->miles, y->miles);
        eq_num(x->units, y->units);
        eq_num(x->on_time_prob, y->on_time_prob);
        eq_num(x->return_risk, y->return_risk);
        eq_cost(&x->cost, &y->cost);
        eq_str(x->eta_p50, y->eta_p50);
        eq_str(x->eta_p90, y->eta_p90);
        assert_int_equal(x->n_lines, y->n_lines);
        eq_lines(x->lines, y->lines, x->n_lines);
    }
    assert_int_equal(a->has_cost, b->has_cost);
    eq_cost(&a->cost, &b->cost);
    eq_num(a->shipments_total, b->shipments_total);
    eq_num(a->units, b->units);
    eq_num(a->on_time_prob, b->on_time_prob);
    eq_num(a->return_risk, b->return_risk);
    assert_int_equal(a->n_backorders, b->n_backorders);
    for (uint32_t i = 0; i < a->n_backorders; i++) {
        eq_num(a->backorders[i].line, b->backorders[i].line);
        eq_str(a->backorders[i].sku, b->backorders[i].sku);
        eq_num(a->backorders[i].quantity, b->backorders[i].quantity);
        eq_str(a->backorders[i].reason, b->backorders[i].reason);
        eq_str(a->backorders[i].action, b->backorders[i].action);
        eq_str(a->backorders[i].promise_date, b->backorders[i].promise_date);
    }
    eq_str(a->partial, b->partial);
    assert_int_equal(a->n_candidates, b->n_candidates);
}

static void eq_record(const ordo_record_t *a, const ordo_record_t *b)
{
    eq_num(a->record_version, b->record_version);
    eq_str(a->timestamp, b->timestamp);
    assert_int_equal(a->has_time, b->has_time);
    assert_int_equal(a->time, b->time);
    eq_str(a->order_id, b->order_id);
    eq_str(a->policy_name, b->policy_name);
    eq_str(a->policy_version, b->policy_version);
    eq_str(a->model_version, b->model_version);
    eq_str(a->experiment, b->experiment);
    eq_str(a->variant, b->variant);
    eq_num(a->bucket, b->bucket);
    assert_int_equal(a->excluded, b->excluded);
    assert_int_equal(a->shadow, b->shadow);
    eq_num(a->control_cost, b->control_cost);
    eq_num(a->order_value, b->order_value);
    eq_str(a->product_family, b->product_family);
    eq_str(a->region, b->region);
    eq_str(a->unit, b->unit);
    eq_str(a->cluster, b->cluster);
    assert_int_equal(a->window, b->window);
    assert_int_equal(a->fallback, b->fallback);
    eq_num(a->latency_ns, b->latency_ns);
    assert_int_equal(a->order.present, b->order.present);
    eq_str(a->order.id, b->order.id);
    eq_str(a->order.customer_id, b->order.customer_id);
    eq_str(a->order.zip, b->order.zip);
    eq_str(a->order.channel, b->order.channel);
    eq_str(a->order.service_level, b->order.service_level);
    assert_int_equal(a->order.n_lines, b->order.n_lines);
    eq_lines(a->order.lines, b->order.lines, a->order.n_lines);
    eq_str(a->order.json, b->order.json);
    assert_int_equal(a->n_atp, b->n_atp);
    for (uint32_t i = 0; i < a->n_atp; i++) {
        eq_str(a->atp[i].node, b->atp[i].node);
        eq_str(a->atp[i].sku, b->atp[i].sku);
        eq_num(a->atp[i].atp, b->atp[i].atp);
    }
    eq_plan(&a->plan, &b->plan);
}

/* ---- round trip ---- */

static ordo_plan_t *decide(fx_t *f, bool explain)
{
    const char *o = "{\"id\":\"ORD-7\",\"created\":\"2026-11-24T15:04:05Z\","
                    "\"customer\":{\"id\":\"C-9\",\"cohort\":\"new\"},"
                    "\"ship_to\":{\"zip\":\"94110\"},\"channel\":\"app\","
                    "\"service_level\":\"express\",\"lines\":[{\"sku\":\"SKU-0000038\","
                    "\"quantity\":2},{\"sku\":\"SKU-0000121\",\"quantity\":1}]}";
    ordo_order_t *order = ordo_arena_alloc(f->arena, sizeof *order);
    ordo_error_t err;
    assert_int_equal(ordo_order_parse(o, strlen(o), f->net, f->arena, order, &err), ORDO_OK);
    ordo_decide_opts_t opt = {.explain = explain};
    ordo_plan_t *plan;
    assert_int_equal(ordo_source_decide(f->eng, f->pol, order, &opt, f->arena, &plan, &err),
                     ORDO_OK);
    plan->decided_at = 1795000000;
    return plan;
}

static void write_read(fx_t *f, const ordo_plan_t *plan, const ordo_decision_meta_t *meta,
                       bool cbor, ordo_record_t *out)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    if (cbor)
        ordo_jsonw_init_cbor(&w, &b);
    else
        ordo_jsonw_init(&w, &b, 0);
    ordo_record_write(plan, f->net, meta, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    if (cbor)
        assert_int_not_equal((unsigned char)b.data[0], '{');
    ordo_error_t err;
    assert_int_equal(ordo_record_read(b.data, b.len, ORDO_RECORD_READ_ORDER, f->arena, out, &err),
                     ORDO_OK);
    ordo_buf_free(&b);
}

/* ---- parts (RECORD.md "Parts") ---- */

static bool same_picks(const ordo_cbor_pick_t *a, const ordo_cbor_pick_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].found != b[i].found || a[i].type != b[i].type || a[i].len != b[i].len ||
            (a[i].type == ORDO_CBOR_NUMBER && a[i].num != b[i].num) ||
            (a[i].type == ORDO_CBOR_STRING && memcmp(a[i].s, b[i].s, a[i].len)) ||
            (a[i].type == ORDO_CBOR_ARRAY && a[i].n != b[i].n))
            return false;
    }
    return true;
}

/* A CBOR record's parts: three spans, each starting at its member's key id
 * (order, atp, plan.shipments) and ending at the next member's key; the
 * export's picks, jumping over them, equal the full walk's; a path into a
 * span keeps it from being jumped. */
static void check_parts(fx_t *f, const ordo_plan_t *plan, const ordo_decision_meta_t *meta)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_record_write(plan, f->net, meta, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_null(w.marks); /* the writer's marks do not outlive the record */
    ordo_cbor_span_t sp[ORDO_CBOR_PARTS_MAX];
    assert_int_equal(ordo_cbor_parts(b.data, b.len, sp), 3);
    const char *starts[] = {"order", "atp", "shipments"}, *ends[] = {"atp", "plan", "totals"};
    for (int i = 0; i < 3; i++) {
        const unsigned char *s = (const unsigned char *)b.data + sp[i].start;
        const unsigned char *e = (const unsigned char *)b.data + sp[i].end;
        int ks = s[0] == 0x18 ? s[1] : s[0], ke = e[0] == 0x18 ? e[1] : e[0];
        assert_int_equal(ks, ordo_cbor_key_id(starts[i], strlen(starts[i])));
        assert_int_equal(ke, ordo_cbor_key_id(ends[i], strlen(ends[i])));
        assert_true(sp[i].refs > 0);
    }
    const char *const paths[] = {"timestamp",
                                 "order_id",
                                 "policy.name",
                                 "experiment",
                                 "variant",
                                 "plan.status",
                                 "plan.totals.cost.total",
                                 "plan.totals.cost.economic.carrying_relief",
                                 "plan.backorders",
                                 "plan.totals.units",
                                 "latency_ns",
                                 "plan.order_id",
                                 "plan.policy.version",
                                 "plan.latency_us",
                                 "order.id",
                                 "plan.shipments",
                                 "parts"};
    const size_t np = sizeof paths / sizeof *paths;
    for (size_t with = np - 3; with <= np; with += 3) { /* without, then with paths into spans */
        ordo_cbor_picker_t *pk;
        ordo_cbor_pick_t full[17], jumped[17];
        assert_int_equal(ordo_cbor_picker_new(paths, with, &pk), ORDO_OK);
        assert_int_equal(ordo_cbor_pick(pk, b.data, b.len, full), ORDO_OK);
        assert_int_equal(ordo_cbor_pick_parts(pk, b.data, b.len, jumped), ORDO_OK);
        assert_true(same_picks(full, jumped, with));
        assert_true(full[6].found && full[7].found);
        if (with == np) {
            assert_true(jumped[14].found && jumped[14].type == ORDO_CBOR_STRING);
            assert_int_equal(jumped[15].n, plan->n_shipments);
            assert_int_equal(jumped[16].n, ORDO_CBOR_PARTS_SLOTS);
        }
        ordo_cbor_picker_free(pk);
    }
    ordo_buf_free(&b);
}

/* The parts on hand-made documents: a string numbered inside a jumped span
 * is refused when picked (the full walk has it), fine when skipped; parts
 * that do not hold together are no parts. */
static void test_parts_holes(void **state)
{
    (void)state;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_mark_t m[6];
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    w.marks = m;
    w.max_marks = 6;
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "parts");
    size_t at = ordo_jsonw_cbor_slots(&w, ORDO_CBOR_PARTS_SLOTS);
    ordo_jsonw_mark(&w);
    ordo_jsonw_key(&w, "order");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "id", "STRING-IN-A-SPAN");
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_mark(&w);
    ordo_jsonw_kstr(&w, "region", "STRING-IN-A-SPAN"); /* a reference into the span */
    ordo_jsonw_kstr(&w, "unit", "STRING-IN-A-SPAN");
    ordo_jsonw_kint(&w, "window", 7);
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_int_equal(w.n_marks, 2);
    const uint32_t v[3] = {m[0].off, m[1].off, m[1].refs};
    for (unsigned i = 0; i < ORDO_CBOR_PARTS_SLOTS; i++) /* then two empty spans */
        ordo_jsonw_cbor_slot_set(&w, at, i, v[i < 3 ? i : i % 3 ? i % 3 : 1]);
    ordo_cbor_span_t sp[ORDO_CBOR_PARTS_MAX];
    assert_int_equal(ordo_cbor_parts(b.data, b.len, sp), 1);
    const char *const paths[] = {"window", "unit"};
    ordo_cbor_picker_t *pk;
    ordo_cbor_pick_t full[2], jumped[2];
    assert_int_equal(ordo_cbor_picker_new(paths, 2, &pk), ORDO_OK);
    assert_int_equal(ordo_cbor_pick(pk, b.data, b.len, full), ORDO_OK);
    assert_int_equal(full[1].len, 16);
    assert_int_equal(ordo_cbor_pick_parts(pk, b.data, b.len, jumped), ORDO_EUNSUPPORTED);
    ordo_cbor_picker_free(pk);
    assert_int_equal(ordo_cbor_picker_new(paths, 1, &pk), ORDO_OK); /* "window" only */
    assert_int_equal(ordo_cbor_pick_parts(pk, b.data, b.len, jumped), ORDO_OK);
    assert_true(jumped[0].found && jumped[0].num == 7);
    /* a span ending past the payload, or before its start: no parts */
    ordo_jsonw_cbor_slot_set(&w, at, 1, (uint32_t)b.len + 1);
    assert_int_equal(ordo_cbor_parts(b.data, b.len, sp), 0);
    ordo_jsonw_cbor_slot_set(&w, at, 1, m[0].off - 1);
    assert_int_equal(ordo_cbor_parts(b.data, b.len, sp), 0);
    assert_int_equal(ordo_cbor_pick_parts(pk, b.data, b.len, jumped), ORDO_OK);
    assert_true(jumped[0].found && jumped[0].num == 7);
    ordo_cbor_picker_free(pk);
    ordo_buf_free(&b);
}

/* ---- the summary (RECORD.md "Summary") ---- */

/* plan's record in CBOR: its summary is found where the layout says, with
 * the flags expected, and the record's JSON text (the summary and the parts
 * left out) is the text writer's. */
static void check_summary(fx_t *f, const ordo_plan_t *plan, const ordo_decision_meta_t *meta,
                          uint32_t flags)
{
    ordo_buf_t b, t, j;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&t, NULL);
    ordo_buf_init(&j, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init_cbor(&w, &b);
    ordo_record_write(plan, f->net, meta, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    ordo_record_summary_at_t at;
    assert_int_equal(ordo_record_summary_find(b.data, b.len, &at), ORDO_OK);
    assert_int_equal(at.flags, flags);
    assert_true(at.items < at.end && at.end < b.len && at.refs > 0);
    /* the next member is record_version's key */
    assert_int_equal((uint8_t)b.data[at.end], 0x18); /* a key id of one byte */
    assert_int_equal((uint8_t)b.data[at.end + 1], ordo_cbor_key_id("record_version", 14));
    ordo_error_t err;
    /* its first items (cbor.h ordo_cbor_items) are the record reader's
     * values of the same fields */
    ordo_cbor_pick_t it[ORDO_SUM_TOP];
    ordo_record_t d;
    assert_int_equal(ordo_cbor_items(b.data, at.end, at.items, it, ORDO_SUM_TOP), ORDO_OK);
    assert_int_equal(ordo_record_read(b.data, b.len, 0, f->arena, &d, &err), ORDO_OK);
    const struct {
        int item;
        const char *s;
    } strs[] = {{ORDO_SUM_TIMESTAMP, d.timestamp},   {ORDO_SUM_ORDER_ID, d.order_id},
                {ORDO_SUM_POLICY, d.policy_name},    {ORDO_SUM_VERSION, d.policy_version},
                {ORDO_SUM_EXPERIMENT, d.experiment}, {ORDO_SUM_VARIANT, d.variant},
                {ORDO_SUM_FAMILY, d.product_family}, {ORDO_SUM_UNIT, d.unit},
                {ORDO_SUM_STATUS, d.plan.status},    {ORDO_SUM_PROMISE, d.plan.promise_date}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const ordo_cbor_pick_t *p = &it[strs[i].item];
        if (!strs[i].s) {
            assert_int_equal(p->type, ORDO_CBOR_NULL);
            continue;
        }
        assert_int_equal(p->type, ORDO_CBOR_STRING);
        assert_int_equal(p->len, strlen(strs[i].s));
        assert_memory_equal(p->s, strs[i].s, p->len);
    }
    const struct {
        int item;
        double v;
    } nums[] = {{ORDO_SUM_BUCKET, d.bucket},
                {ORDO_SUM_CONTROL_COST, d.control_cost},
                {ORDO_SUM_ORDER_VALUE, d.order_value},
                {ORDO_SUM_LATENCY, d.latency_ns},
                {ORDO_SUM_SHIPMENTS, d.plan.shipments_total},
                {ORDO_SUM_UNITS, d.plan.units},
                {ORDO_SUM_ON_TIME, d.plan.on_time_prob},
                {ORDO_SUM_RETURN_RISK, d.plan.return_risk},
                {ORDO_SUM_TOTAL, d.plan.cost.total},
                {ORDO_SUM_PICK, d.plan.cost.pick},
                {ORDO_SUM_PACK, d.plan.cost.pack},
                {ORDO_SUM_SHIPPING, d.plan.cost.shipping},
                {ORDO_SUM_RETURNS, d.plan.cost.returns},
                {ORDO_SUM_SPLIT, d.plan.cost.split},
                {ORDO_SUM_CARRYING, d.plan.cost.carrying_relief},
                {ORDO_SUM_OPPORTUNITY, d.plan.cost.opportunity},
                {ORDO_SUM_BACKORDERS, d.plan.n_backorders},
                {ORDO_SUM_TIME, (double)d.time}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        const ordo_cbor_pick_t *p = &it[nums[i].item];
        double v = p->type == ORDO_CBOR_NUMBER ? p->num : NAN;
        if (memcmp(&v, &nums[i].v, sizeof v))
            fail_msg("summary item %d: %.17g, the record %.17g", nums[i].item, v, nums[i].v);
    }
    assert_int_equal(it[ORDO_SUM_EXCLUDED].type == ORDO_CBOR_TRUE, d.excluded);
    assert_int_equal(it[ORDO_SUM_FALLBACK].type == ORDO_CBOR_TRUE, d.fallback == 1);
    assert_int_equal(it[ORDO_SUM_PLAN].type, ORDO_CBOR_ARRAY);
    /* cut short: refused */
    assert_int_equal(ordo_cbor_items(b.data, at.items + 20, at.items, it, ORDO_SUM_TOP),
                     ORDO_EUNSUPPORTED);
    /* any byte changed (the check not asked): items only inside the bytes
     * given (ASan watches the reads) */
    static const uint8_t vals[] = {0x00, 0x18, 0x1b, 0x3b, 0x60, 0x78, 0x7b,
                                   0x9f, 0xd8, 0xd9, 0xf6, 0xfb, 0xff};
    char *m = malloc(at.end);
    assert_non_null(m);
    for (uint32_t i = at.items; i < at.end; i++)
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(m, b.data, at.end);
            m[i] = (char)vals[v];
            if (ordo_cbor_items(m, at.end, at.items, it, ORDO_SUM_TOP))
                continue;
            for (int k = 0; k < ORDO_SUM_TOP; k++)
                if (it[k].type == ORDO_CBOR_STRING)
                    assert_true(it[k].s >= m && it[k].s + it[k].len <= m + at.end);
        }
    free(m);
    assert_int_equal(ordo_cbor_to_json(b.data, b.len, &t, &err), ORDO_OK);
    ordo_jsonw_init(&w, &j, 0);
    ordo_record_write(plan, f->net, meta, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_string_equal(t.data, j.data);
    /* a JSON text record has none */
    assert_int_not_equal(ordo_record_summary_find(j.data, j.len, &at), ORDO_OK);
    ordo_buf_free(&b);
    ordo_buf_free(&t);
    ordo_buf_free(&j);
}

/* The flag: the text "experiment" in a record without an experiment (an
 * order id here) is said, so that a reader of the byte scan walks. */
static void test_summary_exp_text(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *plan = decide(f, false);
    check_summary(f, plan, NULL, 0);
    ordo_order_t o = *plan->order;
    const ordo_order_t *was = plan->order;
    o.id = "no-experiment-here";
    plan->order = &o;
    check_summary(f, plan, NULL, ORDO_RECORD_SUMMARY_EXP_TEXT);
    /* as memmem finds it: a near miss is not, an overlap and the end are */
    static const struct {
        const char *id;
        uint32_t flags;
    } ids[] = {{"xperiment-experimen", 0},
               {"eexperimentt", ORDO_RECORD_SUMMARY_EXP_TEXT},
               {"exexperiment", ORDO_RECORD_SUMMARY_EXP_TEXT},
               {"experiment", ORDO_RECORD_SUMMARY_EXP_TEXT}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        o.id = ids[i].id;
        check_summary(f, plan, NULL, ids[i].flags);
    }
    ordo_decision_meta_t meta;
    ordo_decision_meta_init(&meta);
    meta.experiment = "exp-a";
    meta.variant = "control";
    check_summary(f, plan, &meta, 0); /* the key is there anyway: no flag */
    plan->order = was;
}

static void round_trip(fx_t *f, const ordo_decision_meta_t *meta, bool explain)
{
    ordo_plan_t *plan = decide(f, explain);
    ordo_record_t j, c;
    write_read(f, plan, meta, false, &j);
    write_read(f, plan, meta, true, &c);
    eq_record(&j, &c);
    check_parts(f, plan, meta);
    check_summary(f, plan, meta, 0);
    /* what was decided */
    assert_string_equal(j.order_id, "ORD-7");
    assert_string_equal(j.policy_version, plan->policy_version);
    assert_true(j.has_time);
    assert_int_equal(j.time, plan->decided_at);
    assert_int_equal(j.fallback, plan->status == ORDO_PLAN_FALLBACK);
    assert_int_equal(j.plan.n_shipments, plan->n_shipments);
    assert_float_equal(j.plan.cost.total, plan->cost.total, 1e-4);
    assert_float_equal(j.plan.cost.shipping, plan->cost.shipping, 1e-4);
    assert_int_equal(j.n_atp, plan->n_atp);
    assert_string_equal(j.order.customer_id, "C-9");
    assert_int_equal(j.order.n_lines, 2);
    assert_string_equal(j.order.lines[0].sku, "SKU-0000038");
    assert_non_null(j.order.json);
    assert_int_equal(j.plan.n_candidates, explain ? (int32_t)plan->n_candidates : -1);
    /* the order in the record parses back to the decided order */
    ordo_order_t o2;
    ordo_error_t err;
    assert_int_equal(
        ordo_order_parse(j.order.json, strlen(j.order.json), f->net, f->arena, &o2, &err), ORDO_OK);
    assert_int_equal(o2.n_lines, plan->order->n_lines);
    assert_int_equal(o2.ship_zip, plan->order->ship_zip);
    if (meta && meta->experiment) {
        assert_string_equal(j.experiment, meta->experiment);
        assert_string_equal(j.variant, meta->variant);
        eq_str(j.unit, meta->unit);
        eq_str(j.cluster, meta->cluster);
        assert_int_equal(j.window, meta->cluster ? meta->window : -1);
        eq_num(j.bucket, meta->bucket >= 0 ? meta->bucket : NAN);
        assert_int_equal(j.excluded, meta->excluded);
        eq_num(j.control_cost, meta->has_control_cost ? meta->control_cost : NAN);
    } else {
        assert_null(j.experiment);
        assert_null(j.unit);
        assert_int_equal(j.window, -1);
    }
    assert_int_equal(j.shadow, meta && meta->shadow);
}

/* A partial plan's backorder actions, promise dates and handling survive
 * the JSON and CBOR round trips (the plan is made partial by hand: the
 * engine's partial decisions are tests/source/test_partial.c's). */
static void test_round_trip_partial(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *plan = decide(f, false);
    ordo_backorder_t *b = ordo_arena_calloc(f->arena, 1, sizeof *b);
    ordo_line_action_t *la = ordo_arena_calloc(f->arena, 2, sizeof *la);
    assert_non_null(b);
    assert_non_null(la);
    *b = (ordo_backorder_t){.line = 1,
                            .quantity = 1,
                            .reason = "out_of_stock",
                            .action = "backordered",
                            .promise = 1796040000,
                            .promise_note = "inbound at DC-001"};
    la[0] = (ordo_line_action_t){.line = 0, .action = "shipped", .shipped = 2};
    la[1] = (ordo_line_action_t){.line = 1,
                                 .action = "backordered",
                                 .short_qty = 1,
                                 .reason = "out_of_stock",
                                 .promise = 1796040000};
    plan->status = ORDO_PLAN_PARTIAL;
    plan->backorders = b;
    plan->n_backorders = 1;
    plan->partial = "ship_available";
    plan->line_actions = la;
    plan->n_line_actions = 2;
    ordo_record_t j, c;
    write_read(f, plan, NULL, false, &j);
    write_read(f, plan, NULL, true, &c);
    eq_record(&j, &c);
    assert_string_equal(j.plan.status, "partial");
    assert_string_equal(j.plan.partial, "ship_available");
    assert_int_equal(j.plan.n_backorders, 1);
    assert_string_equal(j.plan.backorders[0].action, "backordered");
    assert_string_equal(j.plan.backorders[0].promise_date, "2026-11-30");
}

static void test_round_trip_plain(void **state)
{
    round_trip(*state, NULL, false);
}

static void test_round_trip_experiment(void **state)
{
    ordo_decision_meta_t m;
    ordo_decision_meta_init(&m);
    m.experiment = "exp-1";
    m.variant = "treatment";
    m.unit = "C-9";
    m.bucket = 0.25;
    m.has_control_cost = true;
    m.control_cost = 12.5;
    round_trip(*state, &m, true);
}

static void test_round_trip_switchback_shadow(void **state)
{
    ordo_decision_meta_t m;
    ordo_decision_meta_init(&m);
    m.experiment = "sb";
    m.variant = "control";
    m.unit = "CA:7";
    m.cluster = "CA";
    m.window = 7;
    m.excluded = true;
    m.shadow = true;
    round_trip(*state, &m, false);
}

/* A record without an experiment is written as before this module: no
 * unit, cluster or window keys. */
static void test_no_new_keys_without_experiment(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *plan = decide(f, false);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_record_write(plan, f->net, NULL, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_null(strstr(b.data, "\"unit\""));
    assert_null(strstr(b.data, "\"cluster\""));
    assert_null(strstr(b.data, "\"window\""));
    assert_non_null(strstr(b.data, "{\"record_version\":3,\"timestamp\":"));
    ordo_buf_free(&b);
}

/* The CBOR fixtures (records written before the record module) read, and
 * read the same as their JSON text. */
static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/cbor/%s", root(), name);
    char *data = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_read_file(path, &data, len, &err), ORDO_OK);
    return data;
}

static void test_fixtures_read(void **state)
{
    fx_t *f = *state;
    static const char *const names[] = {"decision", "decision_explain"};
    for (size_t i = 0; i < 2; i++) {
        char jn[64], cn[64];
        snprintf(jn, sizeof jn, "%s.json", names[i]);
        snprintf(cn, sizeof cn, "%s.ordo.cbor", names[i]);
        size_t jl, cl;
        char *jd = slurp(jn, &jl), *cd = slurp(cn, &cl);
        ordo_record_t a, b;
        ordo_error_t err;
        assert_int_equal(ordo_record_read(jd, jl, 0, f->arena, &a, &err), ORDO_OK);
        assert_int_equal(ordo_record_read(cd, cl, 0, f->arena, &b, &err), ORDO_OK);
        eq_record(&a, &b);
        assert_non_null(a.order_id);
        assert_true(a.plan.present);
        assert_true(a.n_atp > 0);
        assert_true(a.has_time);
        /* version 1: no summary (its readers walk it as before) */
        ordo_record_summary_at_t at;
        assert_int_equal(ordo_record_summary_find(cd, cl, &at), ORDO_EUNSUPPORTED);
        free(jd);
        free(cd);
    }
    /* not a record */
    ordo_record_t r;
    ordo_error_t err;
    assert_int_equal(ordo_record_read("[1,2]", 5, 0, f->arena, &r, &err), ORDO_EPARSE);
    assert_int_not_equal(ordo_record_read("\xff\x00", 2, 0, f->arena, &r, &err), ORDO_OK);
}

/* The key table is registered before any record function runs (the log
 * reader decodes CBOR first), equals tests/fixtures/cbor/keys_v1.txt (which
 * core's and log's tests register), and no other table can replace it. */
static void test_key_table(void **state)
{
    (void)state;
    assert_non_null(ordo_cbor_key_name(0)); /* first: no record function called yet */
    assert_string_equal(ordo_cbor_key_name(0), "node");
    size_t n;
    const char *const *keys = ordo_record_cbor_keys(&n);
    assert_int_equal(ordo_cbor_key_id("alternatives", 12), 93);
    assert_int_equal(ordo_cbor_key_id("cluster", 7), 94);
    assert_int_equal(ordo_cbor_key_id("window", 6), 95);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/cbor/keys_v1.txt", root());
    char *text = NULL;
    size_t len;
    ordo_error_t err;
    assert_int_equal(ordo_read_file(path, &text, &len, &err), ORDO_OK);
    size_t i = 0;
    for (char *p = text, *e; *p; p = e + 1, i++) {
        e = strchr(p, '\n');
        assert_non_null(e);
        *e = 0;
        assert_true(i < n);
        assert_string_equal(p, keys[i]);
        assert_int_equal(ordo_cbor_key_id(p, strlen(p)), (int)i);
    }
    assert_int_equal(i, n);
    free(text);
    assert_int_equal(ordo_cbor_keys_register(keys, n, &err), ORDO_OK); /* the same: fine */
    static const char *const other[] = {"a", "b"};
    assert_int_equal(ordo_cbor_keys_register(other, 2, &err), ORDO_EINVAL);
    assert_string_equal(ordo_cbor_key_name(0), "node");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_parts_holes),
        cmocka_unit_test(test_summary_exp_text),
        cmocka_unit_test(test_round_trip_plain),
        cmocka_unit_test(test_round_trip_partial),
        cmocka_unit_test(test_round_trip_experiment),
        cmocka_unit_test(test_round_trip_switchback_shadow),
        cmocka_unit_test(test_no_new_keys_without_experiment),
        cmocka_unit_test(test_fixtures_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
