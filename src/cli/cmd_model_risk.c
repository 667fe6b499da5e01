/* SPDX-License-Identifier: Apache-2.0 */
/* ordo model train|eval|show for the return and cancellation risk models
 * (include/ordo/model.h, docs/models.md "Risk models"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_risk.h"

static const char *const target_name[2] = {"return", "cancel"};

static void info_text(const ordo_risk_info_t *in)
{
    char a[32], b[32], c[32];
    printf("model %s (hash %s)\n", in->version[0] ? in->version : "(unsaved)", in->hash);
    printf("  trained on    %llu orders, decided %s .. %s\n", (unsigned long long)in->orders,
           in->trained_from ? ordo_time_format(in->trained_from, a, sizeof a) : "-",
           in->trained_until ? ordo_time_format(in->trained_until, b, sizeof b) : "-");
    printf("  run           %s\n", in->run[0] ? in->run : "-");
    printf("  created       %s\n", in->created ? ordo_time_format(in->created, c, sizeof c) : "-");
    printf("  L2 penalty    %g (standardised features)\n", in->l2);
}

static void info_json(ordo_jsonw_t *w, const ordo_risk_info_t *in)
{
    ordo_cli_model_head_t h = {in->version, in->hash,          in->run,          in->created,
                               in->trained_from, in->trained_until, in->orders};
    ordo_cli_model_head_json(w, &h);
    ordo_jsonw_kdouble(w, "l2", in->l2);
}


void ordo_cli_risk_train_json(ordo_jsonw_t *w, const ordo_model_train_result_t *r)
{
    ordo_jsonw_key(w, "risk");
    ordo_jsonw_obj_begin(w);
    info_json(w, &r->risk);
    ordo_jsonw_kstr(w, "file", r->risk_path);
    ordo_jsonw_kint(w, "return_rows", (int64_t)r->risk_rows[0]);
    ordo_jsonw_kint(w, "cancel_rows", (int64_t)r->risk_rows[1]);
    ordo_risk_model_t *m = NULL;
    ordo_error_t err = {0};
    if (ordo_risk_model_load(r->risk_path, &m, &err) == ORDO_OK) /* the file just written */
        ordo_risk_history_json(w, m);
    ordo_risk_model_destroy(m);
    ordo_jsonw_key(w, "seconds");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "read", r->risk_read_s);
    ordo_jsonw_kdouble(w, "train", r->risk_train_s);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

/* One line per customer-history term of return risk: its support, and
 * why its coefficient is 0 when it was not fitted. */
static void history_text(const ordo_risk_model_t *m)
{
    static const char *const name[ORDO_RISK_HIST_N] = {"customer_return_rate",
                                                       "customer_known"};
    char why[64];
    for (int h = 0; h < ORDO_RISK_HIST_N; h++) {
        int off = ordo_risk_history_off(m, h, why, sizeof why);
        printf("    history %-20s %llu rows, %llu returned: %s%s%s\n", name[h],
               (unsigned long long)m->ret.hist_rows[h],
               (unsigned long long)m->ret.hist_returned[h], off ? "DISABLED (" : "fitted",
               off ? why : "", off ? ")" : "");
    }
}

/* What train wrote, with the history terms' support read back from the
 * file (the result carries the model's summary, not the model). */
void ordo_cli_risk_train_text(const ordo_model_train_result_t *r)
{
    info_text(&r->risk);
    printf("  rows          return %llu (delivered, not cancelled), cancel %llu\n",
           (unsigned long long)r->risk_rows[0], (unsigned long long)r->risk_rows[1]);
    ordo_risk_model_t *m = NULL;
    ordo_error_t err = {0};
    if (ordo_risk_model_load(r->risk_path, &m, &err) == ORDO_OK)
        history_text(m);
    ordo_risk_model_destroy(m);
    printf("  file          %s\n", r->risk_path);
    printf("  time          read %.2f s, train %.2f s\n", r->risk_read_s, r->risk_train_s);
}

/* ---- eval ---- */

static void score_text(const char *label, const ordo_risk_score_t *s)
{
    printf("  %-22s AUC %.4f  Brier %.5f  log loss %.5f  ECE %.4f  max gap %.4f\n", label,
           s->auc, s->brier, s->log_loss, s->ece, s->max_gap);
}

static void reliability_text(const ordo_risk_score_t *s)
{
    printf("    reliability (learned)  bin      n        mean p   observed\n");
    for (int b = 0; b < 10; b++)
        if (s->bins[b].count)
            printf("                           %.1f-%.1f  %-8zu %.4f   %.4f\n", s->bins[b].lo,
                   s->bins[b].hi, s->bins[b].count, s->bins[b].mean_pred, s->bins[b].obs_rate);
}

static void eval_text(const ordo_risk_model_t *m, const ordo_risk_eval_t *e)
{
    char a[32];
    printf("model %s (hash %s), held out: orders decided from %s\n", m->info.version,
           m->info.hash, ordo_time_format(e->from, a, sizeof a));
    for (int t = 0; t < 2; t++) {
        printf("%s risk: %llu orders\n", t ? "cancellation" : "return",
               (unsigned long long)e->n[t]);
        if (!e->n[t])
            continue;
        if (t == ORDO_RISK_RETURN)
            history_text(m);
        score_text("learned (logistic)", &e->learned[t]);
        score_text("base rate (training)", &e->base_rate[t]);
        if (e->has_parametric[t])
            score_text(t ? "parametric (policy)" : "parametric (engine)", &e->parametric[t]);
        reliability_text(&e->learned[t]);
    }
}

static void score_json(ordo_jsonw_t *w, const char *key, const ordo_risk_score_t *s)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "auc", s->auc);
    ordo_jsonw_kdouble(w, "brier", s->brier);
    ordo_jsonw_kdouble(w, "log_loss", s->log_loss);
    ordo_jsonw_kdouble(w, "ece", s->ece);
    ordo_jsonw_kdouble(w, "max_gap", s->max_gap);
    ordo_jsonw_key(w, "bins");
    ordo_jsonw_arr_begin(w);
    for (int b = 0; b < 10; b++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kdouble(w, "from", s->bins[b].lo);
        ordo_jsonw_kint(w, "n", (int64_t)s->bins[b].count);
        ordo_jsonw_kdouble(w, "mean_p", s->bins[b].count ? s->bins[b].mean_pred : NAN);
        ordo_jsonw_kdouble(w, "observed", s->bins[b].count ? s->bins[b].obs_rate : NAN);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void eval_json(const ordo_risk_model_t *m, const ordo_risk_eval_t *e)
{
    char a[32];
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "model", m->info.version);
    ordo_jsonw_kstr(&w, "hash", m->info.hash);
    ordo_jsonw_kstr(&w, "held_out_from", ordo_time_format(e->from, a, sizeof a));
    for (int t = 0; t < 2; t++) {
        ordo_jsonw_key(&w, target_name[t]);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "orders", (int64_t)e->n[t]);
        if (t == ORDO_RISK_RETURN)
            ordo_risk_history_json(&w, m);
        if (e->n[t]) {
            score_json(&w, "learned", &e->learned[t]);
            score_json(&w, "base_rate", &e->base_rate[t]);
        }
        if (e->n[t] && e->has_parametric[t])
            score_json(&w, "parametric", &e->parametric[t]);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

int ordo_cli_risk_eval(const ordo_cli_args_t *a, const char *run, const char *path)
{
    ordo_error_t err = {0};
    ordo_risk_model_t *m = NULL;
    ordo_risk_run_t r = {0};
    ordo_risk_eval_t ev;
    int rc = ordo_risk_model_load(path, &m, &err);
    if (!rc)
        rc = ordo_risk_run_read(run, &r, &err);
    if (!rc && (rc = ordo_risk_evaluate(m, &r, 0, &ev, &err)) == ORDO_ENOTFOUND)
        ordo_error_set(&err, rc, path, 0, NULL,
                       "no order with an outcome is held out after %s's training: retrain "
                       "with --holdout", m->info.version);
    if (!rc && a->json)
        eval_json(m, &ev);
    else if (!rc)
        eval_text(m, &ev);
    ordo_risk_run_free(&r);
    ordo_risk_model_destroy(m);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

/* ---- show ---- */

static void coef_json(ordo_jsonw_t *w, const ordo_risk_model_t *m, ordo_risk_target_t t)
{
    const ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    char name[64];
    ordo_jsonw_key(w, target_name[t]);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "rows", (int64_t)c->n);
    ordo_jsonw_kdouble(w, "rate", c->rate);
    ordo_jsonw_kbool(w, "converged", c->converged);
    ordo_jsonw_kdouble(w, "intercept", c->intercept);
    if (t == ORDO_RISK_RETURN)
        ordo_risk_history_json(w, m);
    ordo_jsonw_key(w, "coef");
    ordo_jsonw_obj_begin(w);
    for (uint32_t j = 0; j < c->n_coef; j++) {
        ordo_risk_feature_name(m, t, j, name, sizeof name);
        ordo_jsonw_kdouble(w, name, c->coef[j]);
    }
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

static void coef_text(const ordo_risk_model_t *m, ordo_risk_target_t t)
{
    const ordo_risk_coef_t *c = t == ORDO_RISK_RETURN ? &m->ret : &m->cancel;
    char name[64];
    printf("  %s risk     %llu rows, rate %.4f, %s; intercept %.4f\n",
           t ? "cancellation" : "return", (unsigned long long)c->n, c->rate,
           c->converged ? "converged" : "NOT converged", c->intercept);
    for (uint32_t j = 0; j < c->n_coef; j++) {
        ordo_risk_feature_name(m, t, j, name, sizeof name);
        printf("    %-28s %+.4f\n", name, c->coef[j]);
    }
    if (t == ORDO_RISK_RETURN)
        history_text(m);
}

/* The drift of m on DIR (--data): re-scored on the orders decided after its
 * training (rescored, 1 when there were any) and the live state ordo serve
 * keeps (live, 1 when it is m's). */
typedef struct risk_drift_view {
    int rescored, live;
    ordo_model_drift_t r[2], l[2];
    int64_t live_updated;
    uint64_t live_pending; /* deliveries still in their return window */
    int32_t live_days;     /* that window (days) */
} risk_drift_view_t;

static int risk_drift_view(const ordo_cli_args_t *a, const ordo_risk_model_t *m, const char *data,
                           risk_drift_view_t *v, ordo_error_t *err)
{
    double bound = ORDO_RISK_DRIFT_BOUND;
    uint64_t min_n = ORDO_RISK_DRIFT_MIN_N;
    memset(v, 0, sizeof *v);
    if (ordo_cli_drift_opts(a, &bound, &min_n, err))
        return ORDO_EINVAL;
    ordo_risk_run_t run;
    ordo_risk_eval_t ev;
    int64_t now = ordo_now_unix();
    int rc = ordo_risk_run_read(data, &run, err);
    if (rc)
        return rc;
    rc = ordo_risk_evaluate(m, &run, 0, &ev, err);
    ordo_risk_run_free(&run);
    if (rc && rc != ORDO_ENOTFOUND)
        return rc;
    v->rescored = rc == ORDO_OK;
    ordo_datadir_t dd;
    ordo_risk_drift_t live;
    v->live = !ordo_datadir_init(&dd, data, NULL) && !ordo_risk_drift_read(dd.models, &live, NULL) &&
              !strcmp(live.model, m->info.version) && !strcmp(live.hash, m->info.hash);
    for (int t = 0; t < 2; t++) {
        if (v->rescored)
            ordo_model_drift_check(m->info.version, m->info.hash, &ev.acc[t], bound, min_n, now,
                                   &v->r[t]);
        if (v->live)
            ordo_risk_drift_check(&live, (ordo_risk_target_t)t, bound, min_n, live.updated_at,
                                  &v->l[t]);
    }
    v->live_updated = v->live ? live.updated_at : 0;
    v->live_pending = v->live ? ordo_risk_drift_pending(&live) : 0;
    v->live_days = v->live && live.return_days > 0 ? live.return_days : ORDO_RISK_DRIFT_RETURN_DAYS;
    return ORDO_OK;
}

static bool view_alarm(const risk_drift_view_t *v)
{
    bool alarm = false;
    for (int t = 0; t < 2; t++)
        alarm |= (v->rescored && v->r[t].alarm) || (v->live && v->l[t].alarm);
    return alarm;
}

static void view_text(const risk_drift_view_t *v, const char *data)
{
    static const char *const what[2] = {"P(return)", "P(cancel)"};
    static const char *const label[2][2] = {{"drift return", "drift cancel"},
                                            {"live return", "live cancel"}};
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ordo model train --run %s --kind risk", data);
    if (!v->rescored)
        printf("  drift         no order with an outcome decided after training yet\n");
    for (int t = 0; t < 2 && v->rescored; t++)
        ordo_cli_drift_text(label[0][t], what[t], &v->r[t], cmd);
    for (int t = 0; t < 2 && v->live; t++)
        ordo_cli_drift_text(label[1][t], what[t], &v->l[t], cmd);
    if (v->live)
        printf("  live          %llu deliveries in their %d-day return window, not counted yet\n",
               (unsigned long long)v->live_pending, (int)v->live_days);
}

static void view_json(ordo_jsonw_t *w, const risk_drift_view_t *v, const char *data)
{
    const int on[2] = {v->rescored, v->live};
    const ordo_model_drift_t *d[2] = {v->r, v->l};
    for (int k = 0; k < 2; k++) {
        ordo_jsonw_key(w, k ? "live" : "drift");
        if (!on[k]) {
            ordo_jsonw_null(w);
            continue;
        }
        ordo_jsonw_obj_begin(w);
        for (int t = 0; t < 2; t++) {
            ordo_jsonw_key(w, target_name[t]);
            ordo_model_drift_json(&d[k][t], w);
        }
        if (k)
            ordo_jsonw_kint(w, "returns_pending", (int64_t)v->live_pending);
        ordo_jsonw_obj_end(w);
    }
    if (view_alarm(v)) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "ordo model train --run %s --kind risk", data);
        ordo_jsonw_kstr(w, "suggestion", cmd);
    }
}

static void show_json(const ordo_risk_model_t *m, const char *path, const char *data,
                      const risk_drift_view_t *v)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    info_json(&w, &m->info);
    ordo_jsonw_kstr(&w, "file", path);
    coef_json(&w, m, ORDO_RISK_RETURN);
    coef_json(&w, m, ORDO_RISK_CANCEL);
    if (data)
        view_json(&w, v, data);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

int ordo_cli_risk_show(const ordo_cli_args_t *a, const char *path)
{
    ordo_error_t err = {0};
    ordo_risk_model_t *m = NULL;
    risk_drift_view_t v;
    const char *data = ordo_cli_get(a, "data");
    int rc = ordo_risk_model_load(path, &m, &err);
    if (!rc && data)
        rc = risk_drift_view(a, m, data, &v, &err);
    if (rc) {
        ordo_risk_model_destroy(m);
        return ordo_cli_fail(&err, rc, a->json);
    }
    if (!a->json) {
        info_text(&m->info);
        printf("  file          %s\n", path);
        coef_text(m, ORDO_RISK_RETURN);
        coef_text(m, ORDO_RISK_CANCEL);
        if (data)
            view_text(&v, data);
    } else
        show_json(m, path, data, &v);
    ordo_risk_model_destroy(m);
    return ORDO_EXIT_OK;
}

int ordo_cli_risk_model_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *path,
                              ordo_error_t *err)
{
    ordo_risk_model_t *m;
    ordo_risk_table_t *t = NULL;
    int rc = ordo_risk_model_load(path, &m, err);
    if (rc)
        return rc;
    rc = ordo_risk_model_table(m, net, &t, err);
    ordo_risk_model_destroy(m);
    if (!rc)
        ordo_engine_set_risk(eng, t);
    return rc;
}
