/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log show | export | replay — decision records for people. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/datadir.h"
#include "ordo/store.h"

static int iter_fail(const ordo_error_t *err, int rc)
{
    return ordo_cli_fail(err, rc, false);
}

static const char *S(const char *s)
{
    return s ? s : "";
}

static void print_head(const ordo_log_record_t *rec, const ordo_record_t *d)
{
    printf("%s record %llu  %s  (%s, byte %llu)\n", d->shadow ? "shadow" : "decision",
           (unsigned long long)rec->seq, S(d->timestamp), rec->segment,
           (unsigned long long)rec->offset);
    printf("  order        %s  ship to %s  %s  %s\n", S(d->order_id), S(d->order.zip),
           S(d->order.service_level), S(d->order.channel));
    for (uint32_t i = 0; i < d->order.n_lines; i++)
        printf("    line       %s × %g\n", S(d->order.lines[i].sku), d->order.lines[i].quantity);
    printf("  policy       %s (version %s), model %s\n", S(d->policy_name), S(d->policy_version),
           S(d->model_version));
    if (d->experiment) {
        printf("  experiment   %s, variant %s", d->experiment,
               S(d->variant)[0] ? d->variant : "(none)");
        if (!isnan(d->bucket))
            printf(", bucket %.4f", d->bucket);
        if (d->unit)
            printf(", unit %s", d->unit);
        printf("%s\n", d->excluded ? ", excluded from analysis" : "");
    }
    printf("  status       %s%s, search %s, latency %.1f us\n", S(d->plan.status),
           d->fallback == 1 ? " (fallback)" : "", S(d->plan.search), d->latency_ns / 1e3);
    printf("  ATP seen     %u node×SKU values\n", d->n_atp);
    for (uint32_t k = 0; k < d->n_atp; k++) {
        if (k >= 8) {
            printf("    ... and %u more (ordo log show --json for all)\n", d->n_atp - 8);
            break;
        }
        printf("    %-10s %-14s %g\n", S(d->atp[k].node), S(d->atp[k].sku), d->atp[k].atp);
    }
}

static void print_trace(const ordo_log_record_t *rec, const ordo_record_t *d)
{
    print_head(rec, d);
    const ordo_record_plan_t *plan = &d->plan;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        const ordo_record_shipment_t *s = &plan->shipments[i];
        const ordo_cost_t *c = &s->cost;
        printf("  shipment     %s (%s) by %s, zone %g, %g units, on time %.3f, return risk %.3f\n",
               S(s->node), S(s->node_type), S(s->service), s->zone, s->units, s->on_time_prob,
               s->return_risk);
        printf("               cost $%.2f = pick %.2f + pack %.2f + ship %.2f + returns %.2f;"
               " economic %.2f = carrying %.2f + opportunity %.2f; ETA p50 %s, p90 %s\n",
               c->total, c->pick, c->pack, c->shipping, c->returns, c->economic,
               c->carrying_relief, c->opportunity, S(s->eta_p50), S(s->eta_p90));
    }
    for (uint32_t i = 0; i < plan->n_backorders; i++) {
        const ordo_record_backorder_t *b = &plan->backorders[i];
        printf("  backorder    line %g %s × %g: %s\n", b->line, S(b->sku), b->quantity,
               S(b->reason));
    }
    printf("  total        $%.2f, on time %.3f, score %.4f\n", plan->cost.total,
           plan->on_time_prob, plan->score);
    if (plan->n_candidates >= 0)
        printf("  explain      %d candidates (ordo log show --json for every feature)\n",
               plan->n_candidates);
}

int ordo_cli_log_show(const char *dir, const char *order_id, bool json)
{
    ordo_log_query_t q = {.key = order_id, .key_len = strlen(order_id)};
    ordo_log_iter_t *it;
    ordo_error_t err = {0};
    int rc = ordo_log_iter_open(dir, &q, &it, &err);
    if (rc)
        return iter_fail(&err, rc);
    ordo_log_record_t rec;
    int found = 0;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    if (!arena) {
        ordo_log_iter_close(it);
        ordo_error_set(&err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        return iter_fail(&err, ORDO_ENOMEM);
    }
    while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION && rec.type != ORDO_LOG_REC_SHADOW)
            continue;
        if (json) {
            fwrite(rec.payload, 1, rec.len, stdout);
            fputc('\n', stdout);
        } else {
            ordo_record_t d;
            ordo_arena_reset(arena);
            if (ordo_record_read(rec.appended, rec.appended_len, 0, arena, &d, NULL)) {
                fprintf(stderr, "ordo: record %llu is not JSON\n", (unsigned long long)rec.seq);
                continue;
            }
            if (found)
                printf("\n");
            print_trace(&rec, &d);
        }
        found++;
    }
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    if (rc < 0)
        return iter_fail(&err, rc);
    if (!found) {
        ordo_error_set(&err, ORDO_ENOTFOUND, dir, 0, "order", "no decision for order '%s'",
                       order_id);
        return ordo_cli_fail(&err, ORDO_ENOTFOUND, json);
    }
    return ORDO_EXIT_OK;
}

typedef struct replay_out {
    bool json;
    ordo_buf_t buf;
} replay_out_t;

static int print_row(void *ctx, const ordo_replay_row_t *r)
{
    replay_out_t *o = ctx;
    if (o->json) {
        ordo_buf_reset(&o->buf);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &o->buf, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "seq", (int64_t)r->seq);
        ordo_jsonw_kstr(&w, "order_id", r->order_id);
        if (r->error) {
            ordo_jsonw_kstr(&w, "error", r->error);
        } else {
            ordo_jsonw_kstr(&w, "logged_policy", r->logged_policy);
            ordo_jsonw_kstr(&w, "replay_status", r->replay_status);
            ordo_jsonw_kbool(&w, "changed", r->changed);
            ordo_jsonw_kdouble(&w, "logged_cost", r->logged_cost);
            ordo_jsonw_kdouble(&w, "replay_cost", r->replay_cost);
            ordo_jsonw_kdouble(&w, "cost_delta", r->replay_cost - r->logged_cost);
            ordo_jsonw_kdouble(&w, "logged_on_time", r->logged_on_time);
            ordo_jsonw_kdouble(&w, "replay_on_time", r->replay_on_time);
            ordo_jsonw_kdouble(&w, "on_time_delta", r->replay_on_time - r->logged_on_time);
            ordo_jsonw_kint(&w, "logged_shipments", r->logged_shipments);
            ordo_jsonw_kint(&w, "replay_shipments", r->replay_shipments);
            ordo_jsonw_kstr(&w, "logged_plan", r->logged_plan);
            ordo_jsonw_kstr(&w, "replay_plan", r->replay_plan);
        }
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&o->buf);
        return 0;
    }
    if (r->error) {
        printf("%-14s  not replayed: %s\n", r->order_id ? r->order_id : "?", r->error);
        return 0;
    }
    printf("%-14s  %-8s  $%9.2f → $%9.2f (%+8.2f)  on time %.3f → %.3f (%+.3f)  %s\n", r->order_id,
           r->changed ? "changed" : "same", r->logged_cost, r->replay_cost,
           r->replay_cost - r->logged_cost, r->logged_on_time, r->replay_on_time,
           r->replay_on_time - r->logged_on_time, r->changed ? r->replay_plan : "");
    return 0;
}

/* The data directory's store, for the signal versions records name (NULL
 * when dir is a bare log directory). */
static ordo_store_t *replay_store(const char *data)
{
    ordo_datadir_t dd;
    ordo_store_t *s = NULL;
    if (data && ordo_datadir_init(&dd, data, NULL) == ORDO_OK && ordo_datadir_has_db(&dd))
        (void)ordo_store_open_existing(data, NULL, &s, NULL);
    return s;
}

int ordo_cli_log_replay(const char *dir, const char *data, const char *network,
                        const char *policy_arg, bool json, const ordo_log_query_t *q)
{
    ordo_error_t err = {0};
    ordo_policy_t *policy = NULL;
    ordo_network_t *net = NULL;
    ordo_engine_t *eng = NULL;
    int rc = ordo_policy_load(policy_arg, &policy, &err);
    if (!rc)
        rc = ordo_network_load(network, NULL, &net, &err);
    if (!rc)
        rc = ordo_engine_create(net, NULL, &eng, &err);
    if (rc) {
        ordo_network_destroy(net);
        ordo_policy_destroy(policy);
        return ordo_cli_fail(&err, rc, json);
    }
    replay_out_t o = {json, {0}};
    ordo_buf_init(&o.buf, NULL);
    if (!json)
        printf("replaying %s under policy %s (version %s)\n", dir, policy->name, policy->version);
    ordo_replay_totals_t t;
    ordo_store_t *store = replay_store(data);
    rc = ordo_decide_replay_signals(dir, q, net, eng, policy, store, print_row, &o, &t, &err);
    ordo_store_close(store, NULL);
    int exit_code = ORDO_EXIT_OK;
    if (rc) {
        exit_code = ordo_cli_fail(&err, rc, json);
    } else {
        double n = t.replayed ? (double)t.replayed : 1;
        if (json) {
            ordo_buf_reset(&o.buf);
            ordo_jsonw_t w;
            ordo_jsonw_init(&w, &o.buf, 0);
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_key(&w, "total");
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "policy", policy->name);
            ordo_jsonw_kstr(&w, "policy_version", policy->version);
            ordo_jsonw_kint(&w, "records", (int64_t)t.records);
            ordo_jsonw_kint(&w, "replayed", (int64_t)t.replayed);
            ordo_jsonw_kint(&w, "failed", (int64_t)t.failed);
            ordo_jsonw_kint(&w, "changed", (int64_t)t.changed);
            ordo_jsonw_kdouble(&w, "logged_cost", t.logged_cost);
            ordo_jsonw_kdouble(&w, "replay_cost", t.replay_cost);
            ordo_jsonw_kdouble(&w, "cost_delta", t.replay_cost - t.logged_cost);
            ordo_jsonw_kdouble(&w, "cost_delta_per_order", (t.replay_cost - t.logged_cost) / n);
            ordo_jsonw_kdouble(&w, "logged_on_time_mean", t.logged_on_time_sum / n);
            ordo_jsonw_kdouble(&w, "replay_on_time_mean", t.replay_on_time_sum / n);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_finish(&w);
            ordo_cli_print_buf(&o.buf);
        } else {
            printf("total: %llu decisions, %llu replayed, %llu changed (%.1f%%), %llu failed\n",
                   (unsigned long long)t.records, (unsigned long long)t.replayed,
                   (unsigned long long)t.changed, 100.0 * (double)t.changed / n,
                   (unsigned long long)t.failed);
            printf("cost: $%.2f → $%.2f (%+.2f, %+.2f per order, %+.2f%%)\n", t.logged_cost,
                   t.replay_cost, t.replay_cost - t.logged_cost,
                   (t.replay_cost - t.logged_cost) / n,
                   t.logged_cost > 0 ? 100 * (t.replay_cost - t.logged_cost) / t.logged_cost : 0);
            printf("on-time probability: %.4f → %.4f (%+.4f) on average\n",
                   t.logged_on_time_sum / n, t.replay_on_time_sum / n,
                   (t.replay_on_time_sum - t.logged_on_time_sum) / n);
        }
        if (t.failed)
            exit_code = ORDO_EXIT_DATA;
    }
    ordo_buf_free(&o.buf);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    ordo_policy_destroy(policy);
    return exit_code;
}
