/* SPDX-License-Identifier: Apache-2.0 */
/* Synthetic data directories for the analyze tests and benchmark: decision
 * records appended through the log API, outcome events through the store
 * API, the experiment through the registry. Every generated per-order value
 * is kept in memory so the tests can compute the expected statistics by
 * direct formulas. */
#ifndef ANALYZE_FIXTURE_H
#define ANALYZE_FIXTURE_H

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordo/analyze.h"
#include "ordo/exp.h"
#include "ordo/log.h"
#include "ordo/store.h"
#include "ordo/util.h"

static inline int fx_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline char *fx_tmp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/ordo-analyze-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

static inline void fx_rm_tree(char *dir)
{
    if (!dir)
        return;
    nftw(dir, fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

#define FX_CHECK(expr)                                                                             \
    do {                                                                                           \
        ordo_error_t e_;                                                                           \
        ordo_error_clear(&e_);                                                                     \
        int rc_ = (expr);                                                                          \
        (void)e_;                                                                                  \
        if (rc_ != ORDO_OK) {                                                                      \
            fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__, __LINE__, #expr, rc_);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* What the generator made for one order. */
typedef struct fx_order {
    int variant;
    int64_t ts;
    double control_cost; /* planned cost under the control policy */
    double planned;      /* planned cost of the plan actually chosen */
    bool has_outcome;
    double pick, pack, ship; /* actual parts */
    int on_time;             /* 1, 0 (late), -1 unknown */
    bool returned, cancelled;
    bool bad_time; /* delivered before it was decided */
    int shipments, units;
    int zones[2];
    double miles[2];
    int region;         /* expected region index */
    const char *customer;
    const char *service[2]; /* carrier service per shipment; NULL: none */
} fx_order_t;

/* The plan of the i-th order that the facts tests append to a built log
 * (variant, time, region, shipments, units, zones, miles); the rest 0. */
static inline void fx_order_appended(size_t i, fx_order_t *o)
{
    memset(o, 0, sizeof *o);
    o->variant = (int)(i % 2);
    o->ts = 1795000000 + (int64_t)i * 600;
    o->region = (int)(i % 4);
    o->shipments = 1 + (int)(i % 3 == 0);
    o->units = 1 + (int)(i % 4);
    o->zones[0] = 2 + (int)(i % 7);
    o->zones[1] = 3;
    o->miles[0] = 120.5 + (double)(i % 13);
    o->miles[1] = 300;
}

typedef struct fx_spec {
    size_t n_orders;
    uint64_t seed;
    double cost_effect;     /* treatment − control on actual cost */
    double on_time_control; /* probability */
    double on_time_treat;
    double missing_every;   /* every k-th order has no outcome (0: none) */
    bool shadows;           /* shadow records with the control policy */
    bool treatment_empty;   /* every order goes to control */
    const char *unit;       /* "order" or "customer" */
    size_t n_customers;     /* for unit customer */
    double guard_margin;    /* on_time_rate margin */
    int64_t start;          /* first decision time */
    int64_t spacing;        /* seconds between decisions */
    const char *extra;      /* more top-level members of the document, "" none */
    const char *hypothesis; /* its JSON value */
    const char *kpis;       /* the members of primary_kpis; NULL: "cost_per_order" */
    size_t bad_time_every;  /* every k-th treatment order with outcomes is delivered
                               about nine months before it was decided (0: none) */
} fx_spec_t;

static const char *const fx_zips[] = {"02139", "60601", "30303", "94103", "10001"};
static const int fx_zip_region[] = {0, 1, 2, 3, 0};

static inline void fx_spec_default(fx_spec_t *s)
{
    memset(s, 0, sizeof *s);
    s->n_orders = 400;
    s->seed = 7;
    s->cost_effect = -1.0;
    s->on_time_control = 0.9;
    s->on_time_treat = 0.9;
    s->missing_every = 10;
    s->shadows = true;
    s->unit = "order";
    s->n_customers = 60;
    s->guard_margin = 0.1;
    s->start = 1795000000; /* 2026-11-18 */
    s->spacing = 600;
    /* returns and cancellations are not modelled with an effect: keep only
     * the default guardrails on on-time rate and cost per order */
    s->hypothesis = "\"proximity lowers cost\"";
    s->extra = ",\"remove_default_guardrails\":[\"cancel_rate\",\"return_rate\"]";
}

static inline void fx_decision_json(ordo_buf_t *b, const fx_order_t *o, const char *oid,
                                    const char *exp, const char *variant, const char *policy,
                                    double planned, bool with_exp)
{
    char ts[32], pd[32];
    ordo_time_format(o->ts, ts, sizeof ts);
    ordo_time_format(o->ts + 3 * 86400, pd, sizeof pd);
    pd[10] = 0;
    ordo_buf_reset(b);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "record_version", 1);
    ordo_jsonw_kstr(&w, "timestamp", ts);
    ordo_jsonw_kstr(&w, "order_id", oid);
    ordo_jsonw_key(&w, "policy");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "name", "p");
    ordo_jsonw_kstr(&w, "version", policy);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_kstr(&w, "model_version", "ordo-cost-1");
    if (with_exp) {
        ordo_jsonw_kstr(&w, "experiment", exp);
        ordo_jsonw_kstr(&w, "variant", variant);
    }
    ordo_jsonw_kbool(&w, "fallback", false);
    ordo_jsonw_kint(&w, "latency_ns", 12345);
    ordo_jsonw_key(&w, "order");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "id", oid);
    if (o->customer) {
        ordo_jsonw_key(&w, "customer");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "id", o->customer);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_key(&w, "ship_to");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "zip", fx_zips[o->region == 0 && (o->ts / 600) % 2 ? 4 : o->region]);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_key(&w, "lines");
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "sku", "SKU-1");
    ordo_jsonw_kint(&w, "quantity", o->units);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_key(&w, "atp");
    ordo_jsonw_arr_begin(&w);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "plan");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "status", "ok");
    ordo_jsonw_kstr(&w, "promise_date", pd);
    ordo_jsonw_key(&w, "shipments");
    ordo_jsonw_arr_begin(&w);
    for (int s = 0; s < o->shipments; s++) {
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "node", "DC-1");
        if (o->service[s])
            ordo_jsonw_kstr(&w, "service", o->service[s]);
        ordo_jsonw_kint(&w, "zone", o->zones[s]);
        ordo_jsonw_kdouble(&w, "miles", o->miles[s]);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "totals");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "shipments", o->shipments);
    ordo_jsonw_kint(&w, "units", o->units);
    ordo_jsonw_key(&w, "cost");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kdouble(&w, "pick", 1.0);
    ordo_jsonw_kdouble(&w, "pack", 0.5);
    ordo_jsonw_kdouble(&w, "shipping", planned - 1.5);
    ordo_jsonw_kdouble(&w, "returns", 0.0);
    ordo_jsonw_kdouble(&w, "carrying_relief", 0.0);
    ordo_jsonw_kdouble(&w, "opportunity", 0.0);
    ordo_jsonw_kdouble(&w, "split", 0.0);
    ordo_jsonw_kdouble(&w, "total", planned);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_kdouble(&w, "on_time_prob", 0.9);
    ordo_jsonw_kdouble(&w, "return_risk", 0.05);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    if (ordo_jsonw_finish(&w))
        abort();
}

/* Builds DIR (log + ordo.db with the experiment "exp-fx") and fills
 * orders[spec->n_orders] (may be NULL when fx_order_t values are not needed). */
static inline void fx_build(const char *dir, const fx_spec_t *spec, fx_order_t *orders,
                            bool start_experiment)
{
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open(dir, NULL, &store, &err));
    ordo_exp_registry_t *reg;
    FX_CHECK(ordo_exp_registry_open(store, &reg, &err));
    char doc[4096], guard[128] = ""; /* guard_margin < 0: no guardrail declared */
    if (spec->guard_margin >= 0)
        snprintf(guard, sizeof guard,
                 "{\"metric\":\"on_time_rate\",\"direction\":\"decrease\",\"margin\":%g}",
                 spec->guard_margin);
    snprintf(doc, sizeof doc,
             "{\"id\":\"exp-fx\",\"hypothesis\":%s,\"unit\":\"%s\","
             "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"
             "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"
             "\"primary_kpis\":[%s],"
             "\"guardrails\":[%s]%s}",
             spec->hypothesis, spec->unit, spec->kpis ? spec->kpis : "\"cost_per_order\"", guard,
             spec->extra ? spec->extra : "");
    ordo_exp_t *exp;
    int rc = ordo_exp_registry_create(reg, doc, strlen(doc), "fx", "test", NULL, &exp, &err);
    if (rc) {
        fprintf(stderr, "create: %s (%s)\n", err.msg, err.field);
        abort();
    }
    char cv[ORDO_POLICY_VERSION_LEN], tv[ORDO_POLICY_VERSION_LEN];
    snprintf(cv, sizeof cv, "%s", exp->variants[0].policy_version);
    snprintf(tv, sizeof tv, "%s", exp->variants[1].policy_version);
    ordo_exp_destroy(exp);
    if (start_experiment)
        FX_CHECK(ordo_exp_registry_transition(reg, "exp-fx", ORDO_EXP_ACT_START, NULL, "test",
                                              NULL, spec->start - 3600, NULL, &err));

    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));

    ordo_rng_t rng;
    ordo_rng_seed(&rng, spec->seed);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    size_t cap = 8192, nev = 0;
    FX_CHECK(ordo_store_tx_begin(store, &err));
    ordo_outcome_event_t *ev = calloc(cap, sizeof *ev);
    for (size_t i = 0; i < spec->n_orders; i++) {
        fx_order_t scratch;
        fx_order_t *o = orders ? &orders[i] : &scratch;
        memset(o, 0, sizeof *o);
        o->variant = spec->treatment_empty ? 0 : (int)(i % 2);
        o->ts = spec->start + (int64_t)i * spec->spacing;
        o->region = (int)(i % 4);
        if (!strcmp(spec->unit, "customer")) {
            static char names[4096][16];
            size_t c = i % spec->n_customers;
            snprintf(names[c], sizeof names[c], "C%03zu", c);
            o->customer = names[c];
            o->variant = spec->treatment_empty ? 0 : (int)(c % 2);
        }
        o->control_cost = 8 + 4 * ordo_rng_uniform(&rng);
        o->planned = o->variant ? o->control_cost + spec->cost_effect +
                                      0.3 * ordo_rng_normal(&rng)
                                : o->control_cost;
        o->shipments = ordo_rng_uniform(&rng) < (o->variant ? 0.1 : 0.25) ? 2 : 1;
        o->units = 1 + (int)ordo_rng_below(&rng, 4);
        for (int s = 0; s < o->shipments; s++) {
            o->zones[s] = 2 + (int)ordo_rng_below(&rng, 7);
            o->miles[s] = 100.0 * o->zones[s] + 10 * (double)ordo_rng_below(&rng, 10);
        }
        o->has_outcome = !(spec->missing_every > 0 && i % (size_t)spec->missing_every == 7);
        o->pick = 1.0;
        o->pack = 0.5;
        o->ship = fmax(0.5, o->planned - 1.5 + ordo_rng_normal(&rng));
        double pot = o->variant ? spec->on_time_treat : spec->on_time_control;
        bool late = ordo_rng_uniform(&rng) >= pot;
        o->on_time = o->has_outcome ? (late ? 0 : 1) : -1;
        o->returned = o->has_outcome && ordo_rng_uniform(&rng) < 0.05;

        char oid[32];
        snprintf(oid, sizeof oid, "O-%06zu", i);
        fx_decision_json(&b, o, oid, "exp-fx", o->variant ? "treatment" : "control",
                         o->variant ? tv : cv, o->planned, true);
        FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_DECISION, oid, strlen(oid), o->ts * 1000000000LL,
                                 b.data, b.len, NULL, &err));
        if (spec->shadows && o->variant) {
            fx_decision_json(&b, o, oid, "exp-fx", NULL, cv, o->control_cost, false);
            FX_CHECK(ordo_log_append(log, ORDO_LOG_REC_SHADOW, oid, strlen(oid),
                                     o->ts * 1000000000LL, b.data, b.len, NULL, &err));
        }
        if (!o->has_outcome)
            continue;
        if (nev + 8 > cap) { /* flush in batches: memory stays flat */
            FX_CHECK(ordo_store_outcomes_put_batch(store, ev, nev, NULL, &err));
            nev = 0;
        }
        int64_t promise = o->ts + 3 * 86400;
        ordo_outcome_event_t *e = &ev[nev++];
        memset(e, 0, sizeof *e);
        snprintf(e->event_id, sizeof e->event_id, "%s-s", oid);
        snprintf(e->order_id, sizeof e->order_id, "%s", oid);
        e->type = ORDO_OUTCOME_SHIPPED;
        e->at = o->ts + 7200;
        e->promised_by = promise;
        e->cost[ORDO_COST_SHIP] = o->ship;
        e->cost_mask = 1u << ORDO_COST_SHIP;
        e = &ev[nev++];
        memset(e, 0, sizeof *e);
        snprintf(e->event_id, sizeof e->event_id, "%s-c", oid);
        snprintf(e->order_id, sizeof e->order_id, "%s", oid);
        e->type = ORDO_OUTCOME_COST;
        e->at = o->ts + 7200;
        e->cost[ORDO_COST_PICK] = o->pick;
        e->cost[ORDO_COST_PACK] = o->pack;
        e->cost_mask = (1u << ORDO_COST_PICK) | (1u << ORDO_COST_PACK);
        e = &ev[nev++];
        memset(e, 0, sizeof *e);
        snprintf(e->event_id, sizeof e->event_id, "%s-d", oid);
        snprintf(e->order_id, sizeof e->order_id, "%s", oid);
        e->type = ORDO_OUTCOME_DELIVERED;
        e->at = o->on_time ? promise - 86400 : promise + 86400;
        if (spec->bad_time_every && o->variant && (i / 2) % spec->bad_time_every == 0) {
            e->at = o->ts - 270 * 86400; /* cannot be true */
            o->bad_time = true;
        }
        if (o->returned) {
            e = &ev[nev++];
            memset(e, 0, sizeof *e);
            snprintf(e->event_id, sizeof e->event_id, "%s-r", oid);
            snprintf(e->order_id, sizeof e->order_id, "%s", oid);
            e->type = ORDO_OUTCOME_RETURNED;
            e->at = promise + 5 * 86400;
        }
    }
    FX_CHECK(ordo_store_outcomes_put_batch(store, ev, nev, NULL, &err));
    FX_CHECK(ordo_store_tx_commit(store, &err));
    free(ev);
    ordo_buf_free(&b);
    FX_CHECK(ordo_log_close(log, &err));
    ordo_exp_registry_close(reg);
    FX_CHECK(ordo_store_close(store, &err));
}

/* The JSON report of dir analysed with facts mode `mode` at a fixed now
 * (caller frees). */
static inline char *fx_report_json(const char *dir, ordo_analyze_facts_t mode)
{
    ordo_analyze_options_t opt = {0};
    opt.facts = mode;
    opt.now = 1797000000;
    ordo_analysis_t *a;
    ordo_error_t err;
    if (ordo_analyze_dir(dir, &opt, &a, &err)) {
        fprintf(stderr, "analyze: %s\n", err.msg);
        abort();
    }
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    ordo_analysis_write_json(a, &w);
    FX_CHECK(ordo_jsonw_finish(&w));
    ordo_buf_putc(&b, 0);
    ordo_analysis_destroy(a);
    return b.data;
}

#endif
