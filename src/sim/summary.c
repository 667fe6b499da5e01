/* SPDX-License-Identifier: Apache-2.0 */
/* summary.json of a run (docs/internals/SIM.md, "The run directory"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/buf.h"
#include "ordo/json.h"
#include "ordo/util.h"

/* "monitor": how often it ran and, when it stopped the experiment, when
 * (simulated) and why. */
static void write_monitor(ordo_jsonw_t *w, const ordo_sim_summary_t *s)
{
    ordo_jsonw_key(w, "monitor");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "runs", s->monitor_runs);
    ordo_jsonw_kbool(w, "stopped", s->stopped);
    if (s->stopped) {
        char t[40];
        ordo_jsonw_kstr(w, "stopped_at", ordo_time_format(s->stopped_at, t, sizeof t));
        ordo_jsonw_kint(w, "stopped_after_days", s->stopped_day);
        ordo_jsonw_kstr(w, "metric", s->stop_metric);
        ordo_jsonw_kstr(w, "reason", s->stop_detail);
        ordo_jsonw_kint(w, "orders_after_stop", (int64_t)s->orders_after_stop);
        ordo_jsonw_kint(w, "treatment_after_stop", (int64_t)s->treatment_after_stop);
    }
    ordo_jsonw_obj_end(w);
}

static void write_share(ordo_jsonw_t *w, const char *key, uint64_t orders, uint64_t delivered,
                        uint64_t late)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "orders", (int64_t)orders);
    ordo_jsonw_kint(w, "delivered", (int64_t)delivered);
    ordo_jsonw_kint(w, "late", (int64_t)late);
    if (delivered)
        ordo_jsonw_kdouble(w, "on_time_rate", (double)(delivered - late) / (double)delivered);
    ordo_jsonw_obj_end(w);
}

/* "arms": the world's own count per variant (sim.h ordo_sim_arm_t). */
static void write_arms(ordo_jsonw_t *w, const ordo_sim_summary_t *s)
{
    ordo_jsonw_key(w, "arms");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < s->n_arms; i++) {
        const ordo_sim_arm_t *a = &s->arms[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "variant", a->variant);
        ordo_jsonw_kint(w, "orders", (int64_t)a->orders);
        ordo_jsonw_kdouble(w, "planned_cost_per_order", a->orders ? a->planned_cost / a->orders : 0);
        ordo_jsonw_kint(w, "delivered", (int64_t)a->delivered);
        ordo_jsonw_kint(w, "late", (int64_t)a->late);
        if (a->delivered)
            ordo_jsonw_kdouble(w, "on_time_rate",
                               (double)(a->delivered - a->late) / (double)a->delivered);
        write_share(w, "rural", a->rural_orders, a->rural_delivered, a->rural_late);
        write_share(w, "urban", a->orders - a->rural_orders, a->delivered - a->rural_delivered,
                    a->late - a->rural_late);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* A difference of means b - a with its normal 95% interval. */
static void write_diff(ordo_jsonw_t *w, const char *key, double ma, double va, double mb,
                       double vb)
{
    double d = mb - ma, h = 1.959964 * sqrt(va + vb);
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "control", ma);
    ordo_jsonw_kdouble(w, "treatment", mb);
    ordo_jsonw_kdouble(w, "lift", d);
    ordo_jsonw_key(w, "ci95");
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_double(w, d - h);
    ordo_jsonw_double(w, d + h);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kdouble(w, "relative", ma != 0 ? d / ma : 0);
    ordo_jsonw_obj_end(w);
}

/* Mean planned cost per order and on-time rate of an arm, with the
 * variances of those means. */
static void arm_means(const ordo_sim_arm_t *a, double *cost, double *vcost, double *ot,
                      double *vot)
{
    double n = a->orders ? (double)a->orders : 1, d = a->delivered ? (double)a->delivered : 1;
    *cost = a->planned_cost / n;
    double var = n > 1 ? (a->planned_cost_sq - n * *cost * *cost) / (n - 1) : 0;
    *vcost = var > 0 ? var / n : 0;
    *ot = (double)(a->delivered - a->late) / d;
    *vot = *ot * (1 - *ot) / d;
}

/* "learned" (a learning scenario): the model trained on the warm-up and
 * the lifts of the learned arm over the parametric control (the world's
 * count; ordo analyze reports the experiment's estimates). */
static void write_learned(ordo_jsonw_t *w, const ordo_sim_summary_t *s)
{
    ordo_jsonw_key(w, "learned");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "warmup_days", s->warmup_days);
    ordo_jsonw_kstr(w, "eta_model", s->learned_eta);
    ordo_jsonw_kstr(w, "risk_model", s->learned_risk);
    ordo_jsonw_kint(w, "shipments", (int64_t)s->learned_shipments);
    ordo_jsonw_kstr(w, "control", s->learned_control);
    const ordo_sim_arm_t *c = NULL, *t = NULL;
    for (uint32_t i = 0; i < s->n_arms; i++) {
        if (!strcmp(s->arms[i].variant, s->learned_control))
            c = &s->arms[i];
        else if (strcmp(s->arms[i].variant, "none") && !t)
            t = &s->arms[i];
    }
    if (c && t && c->orders && t->orders) {
        double mc, vc, oc, voc, mt, vt, ot, vot;
        arm_means(c, &mc, &vc, &oc, &voc);
        arm_means(t, &mt, &vt, &ot, &vot);
        ordo_jsonw_kstr(w, "treatment", t->variant);
        ordo_jsonw_key(w, "lifts");
        ordo_jsonw_obj_begin(w);
        write_diff(w, "planned_cost_per_order", mc, vc, mt, vt);
        write_diff(w, "on_time_rate", oc, voc, ot, vot);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_obj_end(w);
}

char *ordo_sim_summary_json(const ordo_sim_summary_t *s, int pretty)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, pretty);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "scenario", s->scenario);
    ordo_jsonw_kstr(&w, "experiment", s->experiment);
    ordo_jsonw_kint(&w, "seed", (int64_t)s->seed);
    ordo_jsonw_kint(&w, "days", s->days);
    ordo_jsonw_kint(&w, "orders", (int64_t)s->orders);
    ordo_jsonw_kint(&w, "units_ordered", (int64_t)s->units_ordered);
    ordo_jsonw_kint(&w, "units_shipped", (int64_t)s->units_shipped);
    ordo_jsonw_kint(&w, "units_backordered", (int64_t)s->units_backordered);
    ordo_jsonw_kint(&w, "units_cancelled", (int64_t)s->units_cancelled);
    ordo_jsonw_kint(&w, "units_returned", (int64_t)s->units_returned);
    ordo_jsonw_kint(&w, "orders_cancelled", (int64_t)s->orders_cancelled);
    ordo_jsonw_kint(&w, "orders_delivered", (int64_t)s->orders_delivered);
    ordo_jsonw_kint(&w, "orders_late", (int64_t)s->orders_late);
    ordo_jsonw_kint(&w, "oversells", (int64_t)s->oversells);
    ordo_jsonw_kint(&w, "outcome_events", (int64_t)s->outcome_events);
    ordo_jsonw_kint(&w, "short_picks", (int64_t)s->short_picks);
    ordo_jsonw_kint(&w, "units_short", (int64_t)s->units_short);
    ordo_jsonw_kint(&w, "reroutes", (int64_t)s->reroutes);
    ordo_jsonw_kint(&w, "units_short_cancelled", (int64_t)s->units_short_cancelled);
    ordo_jsonw_kint(&w, "cycle_counts", (int64_t)s->cycle_counts);
    ordo_jsonw_kint(&w, "units_shrunk", (int64_t)s->units_shrunk);
    ordo_jsonw_kint(&w, "units_replenished", (int64_t)s->units_replenished);
    ordo_jsonw_kint(&w, "signals_applied", (int64_t)s->signals_applied);
    ordo_jsonw_kint(&w, "outage_delayed", (int64_t)s->outage_delayed);
    if (s->all_arm[0])
        ordo_jsonw_kstr(&w, "all_arm", s->all_arm);
    if (s->monitor_runs)
        write_monitor(&w, s);
    write_arms(&w, s);
    if (s->warmup_days)
        write_learned(&w, s);
    ordo_jsonw_key(&w, "measured"); /* wall clock: differs from run to run */
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kdouble(&w, "seconds", s->seconds);
    ordo_jsonw_kdouble(&w, "orders_per_second", s->orders_per_second);
    ordo_jsonw_kdouble(&w, "decide_seconds", s->decide_seconds);
    ordo_jsonw_kdouble(&w, "store_seconds", s->store_seconds);
    ordo_jsonw_kdouble(&w, "monitor_seconds", s->monitor_seconds);
    if (s->warmup_days)
        ordo_jsonw_kdouble(&w, "train_seconds", s->train_seconds);
    double world = s->seconds - s->decide_seconds - s->store_seconds - s->monitor_seconds;
    ordo_jsonw_kdouble(&w, "world_seconds", world > 0 ? world : 0);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    if (ordo_jsonw_finish(&w) || ordo_buf_putc(&b, '\n')) {
        ordo_buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* the buffer's memory: malloc'd */
}
