/* SPDX-License-Identifier: Apache-2.0 */
/* ordo model train|eval|show: learned ETA models (include/ordo/model.h,
 * docs/models.md). Training data is a run's (or data directory's) decision
 * records joined with its outcome events: one observation per shipment. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/calendar.h"
#include "ordo/model.h"
#include "model_risk.h"

/* ---- the training data: decisions joined with outcomes (eta_run.c) ---- */

typedef struct run_data {
    ordo_network_t *net;
    ordo_eta_run_t r;
} run_data_t;

static void run_data_free(run_data_t *d)
{
    ordo_eta_run_free(&d->r);
    ordo_network_destroy(d->net);
}

/* Loads the run's network, decisions and outcomes. */
static int run_load(run_data_t *d, const char *run, const char *network, ordo_error_t *err)
{
    memset(d, 0, sizeof *d);
    char net_dir[4096];
    int rc = ordo_cli_data_network(run, network, net_dir, sizeof net_dir, err);
    if (!rc)
        rc = ordo_cli_network_load(net_dir, &d->net, err);
    if (!rc)
        rc = ordo_eta_run_read(run, d->net, &d->r, err);
    return rc;
}

static int kind_flag(const ordo_cli_args_t *a, const char *cmd, unsigned dflt, unsigned *kinds);

/* The model named by arg: a path, or a version (eta-v3) or "latest" in
 * the run's models directory; kind: an ORDO_MODEL_KIND_* bit. */
int ordo_cli_model_path(const char *arg, const char *run, unsigned kind, char *out, size_t n,
                        ordo_error_t *err)
{
    if (strchr(arg, '/') || strstr(arg, ".json")) {
        snprintf(out, n, "%s", arg);
        return ORDO_OK;
    }
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, run ? run : ordo_cli_default_data_dir(), err);
    if (rc)
        return rc;
    if (!strcmp(arg, "latest"))
        return kind == ORDO_MODEL_KIND_RISK     ? ordo_risk_model_latest(dd.models, out, n, err)
               : kind == ORDO_MODEL_KIND_NETVAL ? ordo_netval_model_latest(dd.models, out, n, err)
                                                : ordo_eta_model_latest(dd.models, out, n, err);
    snprintf(out, n, "%s/%s.json", dd.models, arg);
    return ORDO_OK;
}


/* A model file's kind by the "format" at its head (ETA when unknown). */
static unsigned file_kind(const char *path)
{
    char head[256] = {0};
    FILE *f = strchr(path, '/') || strstr(path, ".json") ? fopen(path, "r") : NULL;
    if (!f)
        return ORDO_MODEL_KIND_ETA;
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = 0;
    return strstr(head, "\"" ORDO_RISK_FORMAT "\"")     ? ORDO_MODEL_KIND_RISK
           : strstr(head, "\"" ORDO_NETVAL_FORMAT "\"") ? ORDO_MODEL_KIND_NETVAL
                                                     : ORDO_MODEL_KIND_ETA;
}

/* The kind of model arg names: --kind, else a file or version named
 * risk-... or netval-..., else the file's format, else ETA. */
static int model_kind(const ordo_cli_args_t *a, const char *cmd, const char *arg, unsigned *kind)
{
    unsigned k;
    int rc = kind_flag(a, cmd, 0, &k);
    const char *base = strrchr(arg, '/');
    base = base ? base + 1 : arg;
    *kind = k                                ? k
            : !strncmp(base, "risk", 4)      ? ORDO_MODEL_KIND_RISK
            : !strncmp(base, "netval", 6)    ? ORDO_MODEL_KIND_NETVAL
                                             : file_kind(arg);
    return rc;
}

/* ---- ordo model train ---- */

static int double_flag(const ordo_cli_args_t *a, const char *name, double *v)
{
    const char *s = ordo_cli_get(a, name);
    if (s && (ordo_parse_double(s, strlen(s), v) || *v < 0))
        return ordo_cli_usage("model", "--%s wants a number >= 0, got '%s'", name, s);
    return 0;
}

/* A whole number >= 1 (the risk history terms' minimum support). */
static int count_flag(const ordo_cli_args_t *a, const char *name, uint64_t *v)
{
    const char *s = ordo_cli_get(a, name);
    double d = 0;
    if (s && (ordo_parse_double(s, strlen(s), &d) || d < 1 || d > 1e15 || d != (double)(uint64_t)d))
        return ordo_cli_usage("model", "--%s wants a whole number >= 1, got '%s'", name, s);
    if (s)
        *v = (uint64_t)d;
    return 0;
}

static void print_info_text(const ordo_eta_info_t *in)
{
    char a[32], b[32], c[32];
    printf("model %s (hash %s)\n", in->version[0] ? in->version : "(unsaved)", in->hash);
    printf("  trained on    %llu shipments of %llu orders, decided %s .. %s\n",
           (unsigned long long)in->shipments, (unsigned long long)in->orders,
           in->trained_from ? ordo_time_format(in->trained_from, a, sizeof a) : "-",
           in->trained_until ? ordo_time_format(in->trained_until, b, sizeof b) : "-");
    printf("  run           %s\n", in->run[0] ? in->run : "-");
    printf("  created       %s\n", in->created ? ordo_time_format(in->created, c, sizeof c) : "-");
    printf("  learned       %u lanes (node, service, ZIP3, class), %u destinations, %u pooled,\n"
           "                %u processing rows\n",
           in->lanes, in->destinations, in->pooled, in->processing_rows);
    printf("  shrinkage     k_lane %g, k_region %g, k_proc %g", in->params.k_lane,
           in->params.k_region, in->params.k_proc);
    if (isfinite(in->params.k_dest) && isfinite(in->params.k_top))
        printf(", k_dest %g, k_top %g", in->params.k_dest, in->params.k_top);
    if (isfinite(in->params.k_rural))
        printf(", k_rural %g", in->params.k_rural);
    printf("\n");
}

void ordo_cli_model_head_json(ordo_jsonw_t *w, const ordo_cli_model_head_t *h)
{
    char buf[32];
    ordo_jsonw_kstr(w, "version", h->version);
    ordo_jsonw_kstr(w, "hash", h->hash);
    ordo_jsonw_kstr(w, "run", h->run);
    ordo_jsonw_kstr(w, "created", h->created ? ordo_time_format(h->created, buf, sizeof buf) : NULL);
    ordo_jsonw_kstr(w, "trained_from",
                    h->trained_from ? ordo_time_format(h->trained_from, buf, sizeof buf) : NULL);
    ordo_jsonw_kstr(w, "trained_until",
                    h->trained_until ? ordo_time_format(h->trained_until, buf, sizeof buf) : NULL);
    ordo_jsonw_kint(w, "orders", (int64_t)h->orders);
}

static void write_info(ordo_jsonw_t *w, const ordo_eta_info_t *in)
{
    ordo_cli_model_head_t h = {in->version, in->hash,          in->run,          in->created,
                               in->trained_from, in->trained_until, in->orders};
    ordo_cli_model_head_json(w, &h);
    ordo_jsonw_kint(w, "shipments", (int64_t)in->shipments);
    ordo_jsonw_kint(w, "lanes", in->lanes);
    ordo_jsonw_kint(w, "destinations", in->destinations);
    ordo_jsonw_kint(w, "pooled", in->pooled);
    ordo_jsonw_kint(w, "processing_rows", in->processing_rows);
    ordo_eta_params_json(&in->params, w);
}

/* A model's JSON object begun: its info and file. */
static void info_json_begin(ordo_buf_t *b, ordo_jsonw_t *w, const ordo_eta_info_t *in,
                            const char *path)
{
    ordo_buf_init(b, NULL);
    ordo_jsonw_init(w, b, 0);
    ordo_jsonw_obj_begin(w);
    write_info(w, in);
    ordo_jsonw_kstr(w, "file", path);
}

/* Ends the object of info_json_begin and prints it. */
static void info_json_end(ordo_buf_t *b, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_end(w);
    ordo_jsonw_finish(w);
    ordo_cli_print_buf(b);
    ordo_buf_free(b);
}

static void print_train(const ordo_model_train_result_t *r, bool json)
{
    if (!json) {
        if (r->eta_path[0]) {
            print_info_text(&r->eta);
            printf("  file          %s\n", r->eta_path);
            printf("  time          read %.2f s, join %.2f s, train %.2f s\n", r->read_s,
                   r->join_s, r->eta_train_s);
        }
        if (r->risk_path[0])
            ordo_cli_risk_train_text(r);
        if (r->netval_path[0])
            ordo_cli_netval_info_text(&r->netval, r->netval_path);
        return;
    }
    ordo_buf_t b;
    ordo_jsonw_t w;
    if (r->eta_path[0]) {
        info_json_begin(&b, &w, &r->eta, r->eta_path);
        ordo_jsonw_key(&w, "seconds");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kdouble(&w, "read", r->read_s);
        ordo_jsonw_kdouble(&w, "join", r->join_s);
        ordo_jsonw_kdouble(&w, "train", r->eta_train_s);
        ordo_jsonw_obj_end(&w);
    } else {
        ordo_buf_init(&b, NULL);
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
    }
    if (r->risk_path[0])
        ordo_cli_risk_train_json(&w, r);
    if (r->netval_path[0]) {
        ordo_jsonw_key(&w, "netval");
        ordo_cli_netval_info_json(&w, &r->netval, r->netval_path);
    }
    info_json_end(&b, &w);
}

/* --kind eta|risk|all into bits */
static int kind_flag(const ordo_cli_args_t *a, const char *cmd, unsigned dflt, unsigned *kinds)
{
    const char *k = ordo_cli_get(a, "kind");
    *kinds = dflt;
    if (!k)
        return 0;
    if (!strcmp(k, "eta"))
        *kinds = ORDO_MODEL_KIND_ETA;
    else if (!strcmp(k, "risk"))
        *kinds = ORDO_MODEL_KIND_RISK;
    else if (!strcmp(k, "netval"))
        *kinds = ORDO_MODEL_KIND_NETVAL;
    else if (!strcmp(k, "all") && dflt == ORDO_MODEL_KIND_ALL)
        *kinds = ORDO_MODEL_KIND_ALL;
    else
        return ordo_cli_usage(cmd, "--kind wants eta, risk, netval%s, got '%s'",
                              dflt == ORDO_MODEL_KIND_ALL ? " or all" : "", k);
    return 0;
}

static int train_flags(const ordo_cli_args_t *a, ordo_model_train_opts_t *o)
{
    int rc = double_flag(a, "holdout", &o->holdout);
    if (!rc)
        rc = double_flag(a, "k-lane", &o->eta.k_lane);
    if (!rc)
        rc = double_flag(a, "k-region", &o->eta.k_region);
    if (!rc)
        rc = double_flag(a, "k-proc", &o->eta.k_proc);
    if (!rc)
        rc = double_flag(a, "k-dest", &o->eta.k_dest);
    if (!rc)
        rc = double_flag(a, "k-top", &o->eta.k_top);
    if (!rc)
        rc = double_flag(a, "k-rural", &o->eta.k_rural);
    if (!rc)
        rc = double_flag(a, "l2", &o->risk_l2);
    if (!rc)
        rc = double_flag(a, "return-window", &o->return_window_days);
    if (!rc)
        rc = count_flag(a, "history-min-rows", &o->risk_support.min_rows);
    if (!rc)
        rc = count_flag(a, "history-min-returned", &o->risk_support.min_returned);
    if (!rc)
        rc = kind_flag(a, "model train", ORDO_MODEL_KIND_ALL, &o->kinds);
    if (!rc && o->holdout >= 1)
        rc = ordo_cli_usage("model train", "--holdout wants a share in [0, 1)");
    if (!rc && !ordo_cli_get(a, "run") == !ordo_cli_get(a, "data"))
        rc = ordo_cli_usage("model train", "--run DIR (or --data DIR) is required, once");
    if (!rc)
        rc = ordo_cli_netval_flags(a, o);
    return rc;
}

static int run_train(const ordo_cli_args_t *a)
{
    ordo_model_train_opts_t o;
    ordo_model_train_opts_default(&o);
    ordo_netval_opts_t nv = {0};
    o.netval = &nv;
    int rc = train_flags(a, &o);
    if (rc)
        return rc;
    const char *run = ordo_cli_get(a, "run") ? ordo_cli_get(a, "run") : ordo_cli_get(a, "data");
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    ordo_model_train_result_t res;
    char net_dir[4096];
    o.models_dir = ordo_cli_get(a, "models");
    if (o.kinds & (ORDO_MODEL_KIND_ETA | ORDO_MODEL_KIND_NETVAL)) {
        rc = ordo_cli_data_network(run, ordo_cli_get(a, "network"), net_dir, sizeof net_dir, &err);
        if (!rc)
            rc = ordo_cli_network_load(net_dir, &net, &err);
    }
    if (!rc)
        rc = ordo_model_train_run(run, net, &o, &res, &err);
    if (!rc)
        print_train(&res, a->json);
    ordo_network_destroy(net);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

/* ---- ordo model eval ---- */

/* e: also each decile's error against its sampling error (learned) */
static void print_reliability(const char *name, const ordo_eta_reliability_t *r,
                              const ordo_eta_eval_t *e)
{
    printf("  %-9s decile  n        mean p   observed%s\n", name,
           e ? "  error/se (se; by lane-day)" : "");
    for (int b = 0; b < ORDO_ETA_DECILES; b++) {
        if (!r->n[b])
            continue;
        double gap = (r->sum_p[b] - r->sum_y[b]) / (double)r->n[b];
        printf("            %.1f-%.1f %-8llu %.4f   %.4f", b / 10.0, (b + 1) / 10.0,
               (unsigned long long)r->n[b], r->sum_p[b] / (double)r->n[b],
               r->sum_y[b] / (double)r->n[b]);
        if (e)
            printf("    %+.1f (se %.2f pp; by lane-day %+.1f, se %.2f pp)",
                   gap / ordo_eta_decile_se(e, b), 100 * ordo_eta_decile_se(e, b),
                   gap / ordo_eta_decile_se_lane_day(e, b),
                   100 * ordo_eta_decile_se_lane_day(e, b));
        printf("\n");
    }
}

static double lift(double base, double v)
{
    return base > 0 ? 100.0 * (base - v) / base : NAN;
}

static void print_eval_text(const ordo_eta_info_t *in, const ordo_eta_eval_t *e)
{
    char a[32], b[32];
    printf("model %s (hash %s), held out: %llu delivered shipments decided %s .. %s\n",
           in->version, in->hash, (unsigned long long)e->shipments,
           ordo_time_format(e->from, a, sizeof a), ordo_time_format(e->until, b, sizeof b));
    printf("on-time probability            learned   logged (published histograms)\n");
    printf("  Brier score                  %.4f    %.4f\n", ordo_eta_brier(&e->model),
           ordo_eta_brier(&e->logged));
    printf("  worst decile error (n>=1000) %.2f pp   %.2f pp   (goal <= 2 pp)\n",
           100 * ordo_eta_calibration_error(&e->model, 1000),
           100 * ordo_eta_calibration_error(&e->logged, 1000));
    print_reliability("learned", &e->model, e);
    print_reliability("logged", &e->logged, NULL);
    printf("p90 ETA coverage (randomized)  %.2f%%   (goal 90 +- 1.5)\n", 100 * e->p90_randomized);
    printf("  whole days %.2f%%, mean nonrandomized PIT %.2f%%, model's own %.2f%%\n",
           100 * e->p90_coverage, 100 * e->p90_pit_coverage, 100 * e->p90_claimed);
    printf("pinball loss, transit days     p50      p90      (%llu shipments)\n",
           (unsigned long long)e->lane_model.n);
    printf("  learned lanes                %.4f   %.4f\n", e->lane_model.p50, e->lane_model.p90);
    printf("  carrier histograms           %.4f   %.4f   learned lower by %.1f%% / %.1f%%\n",
           e->lane_carrier.p50, e->lane_carrier.p90, lift(e->lane_carrier.p50, e->lane_model.p50),
           lift(e->lane_carrier.p90, e->lane_model.p90));
    printf("  lane's recent weekday mode   %.4f   %.4f   learned lower by %.1f%% / %.1f%%\n",
           e->lane_weekday_mode.p50, e->lane_weekday_mode.p90,
           lift(e->lane_weekday_mode.p50, e->lane_model.p50),
           lift(e->lane_weekday_mode.p90, e->lane_model.p90));
    printf("  held-out cells' own quantiles %.4f   %.4f   (a bound: below the weekday mode by "
           "%.1f%% / %.1f%%)\n",
           e->lane_ceiling.p50, e->lane_ceiling.p90,
           lift(e->lane_weekday_mode.p50, e->lane_ceiling.p50),
           lift(e->lane_weekday_mode.p90, e->lane_ceiling.p90));
}

static void write_reliability(ordo_jsonw_t *w, const char *key, const ordo_eta_reliability_t *r,
                              const ordo_eta_eval_t *e)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "brier", ordo_eta_brier(r));
    ordo_jsonw_kdouble(w, "max_decile_error", ordo_eta_calibration_error(r, 1000));
    ordo_jsonw_key(w, "deciles");
    ordo_jsonw_arr_begin(w);
    for (int b = 0; b < ORDO_ETA_DECILES; b++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kdouble(w, "from", b / 10.0);
        ordo_jsonw_kint(w, "n", (int64_t)r->n[b]);
        ordo_jsonw_kdouble(w, "mean_p", r->n[b] ? r->sum_p[b] / (double)r->n[b] : NAN);
        ordo_jsonw_kdouble(w, "observed", r->n[b] ? r->sum_y[b] / (double)r->n[b] : NAN);
        if (e) {
            ordo_jsonw_kdouble(w, "se", ordo_eta_decile_se(e, b));
            ordo_jsonw_kdouble(w, "se_lane_day", ordo_eta_decile_se_lane_day(e, b));
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_pinball(ordo_jsonw_t *w, const char *key, const ordo_eta_pinball_t *p,
                          const ordo_eta_pinball_t *model)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "p50", p->p50);
    ordo_jsonw_kdouble(w, "p90", p->p90);
    if (model) {
        ordo_jsonw_kdouble(w, "learned_lower_p50_pct", lift(p->p50, model->p50));
        ordo_jsonw_kdouble(w, "learned_lower_p90_pct", lift(p->p90, model->p90));
    }
    ordo_jsonw_obj_end(w);
}

static void print_eval_json(const ordo_eta_info_t *in, const ordo_eta_eval_t *e)
{
    char a[32];
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "model", in->version);
    ordo_jsonw_kstr(&w, "hash", in->hash);
    ordo_jsonw_kstr(&w, "held_out_from", ordo_time_format(e->from, a, sizeof a));
    ordo_jsonw_kint(&w, "shipments", (int64_t)e->shipments);
    write_reliability(&w, "on_time_learned", &e->model, e);
    write_reliability(&w, "on_time_logged", &e->logged, NULL);
    ordo_jsonw_key(&w, "p90_coverage");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kdouble(&w, "observed", e->p90_coverage);
    ordo_jsonw_kdouble(&w, "pit", e->p90_pit_coverage);
    ordo_jsonw_kdouble(&w, "model", e->p90_claimed);
    ordo_jsonw_kdouble(&w, "randomized", e->p90_randomized);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_key(&w, "pinball");
    ordo_jsonw_obj_begin(&w);
    write_pinball(&w, "learned", &e->lane_model, NULL);
    write_pinball(&w, "carrier", &e->lane_carrier, &e->lane_model);
    write_pinball(&w, "weekday_mode", &e->lane_weekday_mode, &e->lane_model);
    write_pinball(&w, "ceiling", &e->lane_ceiling, &e->lane_model);
    ordo_jsonw_key(&w, "ceiling_lower_than_weekday_mode_pct");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kdouble(&w, "p50", lift(e->lane_weekday_mode.p50, e->lane_ceiling.p50));
    ordo_jsonw_kdouble(&w, "p90", lift(e->lane_weekday_mode.p90, e->lane_ceiling.p90));
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static void recal_side_json(ordo_jsonw_t *w, const char *key, const ordo_eta_reliability_t *r)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "brier", ordo_eta_brier(r));
    double e = ordo_eta_calibration_error(r, ORDO_ETA_DRIFT_MIN_N);
    ordo_jsonw_kdouble(w, "worst_decile_error", isfinite(e) ? e : -1);
    ordo_jsonw_kdouble(w, "worst_decile_error_any_n", ordo_eta_calibration_error(r, 1));
    ordo_jsonw_key(w, "deciles");
    ordo_jsonw_arr_begin(w);
    for (int b = 0; b < ORDO_ETA_DECILES; b++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "n", (int64_t)r->n[b]);
        ordo_jsonw_kdouble(w, "mean_p", r->n[b] ? r->sum_p[b] / (double)r->n[b] : 0);
        ordo_jsonw_kdouble(w, "observed", r->n[b] ? r->sum_y[b] / (double)r->n[b] : 0);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

/* --recalibrate: an isotonic map fitted on the first half of the held-out
 * span, the calibration before and after it on the second half. */
static int print_recal(const ordo_eta_model_t *m, const run_data_t *d, const ordo_eta_eval_t *ev,
                       bool json, ordo_error_t *err)
{
    int64_t mid = ev->from + (ev->until - ev->from) / 2;
    ordo_eta_recal_t r;
    ordo_eta_reliability_t raw, cal;
    int rc = ordo_eta_recal_fit(m, d->net, d->r.obs, d->r.n_obs, ev->from, mid, &r, err);
    if (rc)
        return rc;
    ordo_eta_recal_score(m, d->net, d->r.obs, d->r.n_obs, &r, mid, &raw, &cal);
    if (!json) {
        char a[32];
        printf("isotonic recalibration: %u blocks fitted on %llu outcomes decided before %s,\n"
               "scored on the %llu after\n", r.n, (unsigned long long)r.fitted_on,
               ordo_time_format(mid, a, sizeof a), (unsigned long long)raw.total);
        printf("  Brier score                  %.4f -> %.4f\n", ordo_eta_brier(&raw),
               ordo_eta_brier(&cal));
        printf("  worst decile error, any n    %.2f pp -> %.2f pp\n",
               100 * ordo_eta_calibration_error(&raw, 1), 100 * ordo_eta_calibration_error(&cal, 1));
        print_reliability("before", &raw, NULL);
        print_reliability("after", &cal, NULL);
        return ORDO_OK;
    }
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "model", ordo_eta_model_info(m)->version);
    ordo_jsonw_kint(&w, "blocks", r.n);
    ordo_jsonw_kint(&w, "fitted_on", (int64_t)r.fitted_on);
    ordo_jsonw_kint(&w, "scored", (int64_t)raw.total);
    recal_side_json(&w, "before", &raw);
    recal_side_json(&w, "after", &cal);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return ORDO_OK;
}

static int run_eval(const ordo_cli_args_t *a)
{
    const char *run = ordo_cli_get(a, "run"), *marg = ordo_cli_get(a, "model");
    if (!run || !marg)
        return ordo_cli_usage("model eval", "--run DIR and --model M are required");
    unsigned kind;
    int krc = model_kind(a, "model eval", marg, &kind);
    if (krc)
        return krc;
    if (kind == ORDO_MODEL_KIND_NETVAL)
        return ordo_cli_usage("model eval", "a network-value model has no held-out score: "
                                            "ordo model show it");
    ordo_error_t err = {0};
    char path[4096];
    if (kind == ORDO_MODEL_KIND_RISK) {
        int rc = ordo_cli_model_path(marg, run, kind, path, sizeof path, &err);
        return rc ? ordo_cli_fail(&err, rc, a->json) : ordo_cli_risk_eval(a, run, path);
    }
    run_data_t d;
    ordo_eta_model_t *m = NULL;
    ordo_eta_eval_t ev;
    int rc = run_load(&d, run, ordo_cli_get(a, "network"), &err);
    if (!rc)
        rc = ordo_cli_model_path(marg, run, kind, path, sizeof path, &err);
    if (!rc)
        rc = ordo_eta_model_load(d.net, path, &m, &err);
    if (!rc)
        rc = ordo_eta_evaluate(m, d.net, d.r.obs, d.r.n_obs, 0, &ev, &err);
    if (!rc && ordo_cli_flag(a, "recalibrate"))
        rc = print_recal(m, &d, &ev, a->json, &err);
    else if (!rc && a->json)
        print_eval_json(ordo_eta_model_info(m), &ev);
    else if (!rc)
        print_eval_text(ordo_eta_model_info(m), &ev);
    ordo_eta_model_destroy(m);
    run_data_free(&d);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

/* ---- ordo model show ---- */

/* The model's calibration on the data directory's outcomes after its
 * training: 1 and *out filled, 0 when there are none yet, or an error. */
int ordo_cli_drift_opts(const ordo_cli_args_t *a, double *bound, uint64_t *min_n,
                        ordo_error_t *err)
{
    double mn = (double)*min_n;
    const char *b = ordo_cli_get(a, "bound"), *n = ordo_cli_get(a, "min-n");
    if ((b && ordo_parse_double(b, strlen(b), bound)) || (n && ordo_parse_double(n, strlen(n), &mn)))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, b ? "bound" : "min-n", "wants a number");
    *min_n = mn > 0 ? (uint64_t)mn : 0;
    return ORDO_OK;
}

static int drift_check(const ordo_cli_args_t *a, const char *data, const char *path,
                       ordo_eta_drift_t *out, ordo_error_t *err)
{
    double bound = ORDO_ETA_DRIFT_BOUND;
    uint64_t min_n = ORDO_ETA_DRIFT_MIN_N;
    if (ordo_cli_drift_opts(a, &bound, &min_n, err))
        return ORDO_EINVAL;
    run_data_t d;
    ordo_eta_model_t *m = NULL;
    ordo_eta_eval_t ev;
    ordo_datadir_t dd;
    int rc = run_load(&d, data, NULL, err);
    if (!rc)
        rc = ordo_eta_model_load(d.net, path, &m, err);
    if (!rc && (rc = ordo_eta_evaluate(m, d.net, d.r.obs, d.r.n_obs, 0, &ev, err)) == ORDO_ENOTFOUND)
        rc = 0; /* nothing after training yet */
    else if (!rc) {
        ordo_eta_drift_check(ordo_eta_model_info(m), &ev, bound, min_n, ordo_now_unix(), out);
        if (!(rc = ordo_datadir_init(&dd, data, err)) &&
            !(rc = ordo_eta_drift_write(dd.models, out, err)))
            rc = 1;
    }
    ordo_eta_model_destroy(m);
    run_data_free(&d);
    return rc;
}

void ordo_cli_drift_text(const char *label, const char *what, const ordo_model_drift_t *d,
                         const char *retrain)
{
    char worst[32];
    if (isfinite(d->calibration_error))
        snprintf(worst, sizeof worst, "%.2f pp", 100 * d->calibration_error);
    else
        snprintf(worst, sizeof worst, "n/a");
    printf("  %-13s %llu %s predictions since training: worst decile %s, "
           "overall %.2f pp (bound %.2f pp, deciles of >= %llu)\n",
           label, (unsigned long long)d->predictions, what, worst, 100 * d->mean_error,
           100 * d->bound, (unsigned long long)d->min_n);
    if (d->alarm)
        printf("  ALARM         calibration out of bound: retrain (%s)\n", retrain);
}

static void print_drift_text(const ordo_eta_drift_t *d, const char *data)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ordo model train --run %s", data);
    ordo_cli_drift_text("drift", "on-time", d, cmd);
}

static void print_show_json(const ordo_eta_info_t *in, const char *path, int drift,
                            const ordo_eta_drift_t *d, const char *data)
{
    ordo_buf_t b;
    ordo_jsonw_t w;
    info_json_begin(&b, &w, in, path);
    ordo_jsonw_key(&w, "drift");
    if (drift > 0)
        ordo_eta_drift_json(d, &w);
    else
        ordo_jsonw_null(&w);
    if (drift > 0 && d->alarm) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "ordo model train --run %s", data);
        ordo_jsonw_kstr(&w, "suggestion", cmd);
    }
    info_json_end(&b, &w);
}

static int run_show(const ordo_cli_args_t *a)
{
    char path[4096];
    ordo_error_t err = {0};
    ordo_eta_info_t in;
    ordo_eta_drift_t drift;
    const char *data = ordo_cli_get(a, "data");
    unsigned kind;
    int rc = model_kind(a, "model show", a->pos[0], &kind);
    if (rc)
        return rc;
    rc = ordo_cli_model_path(a->pos[0], data, kind, path, sizeof path, &err);
    if (!rc && kind == ORDO_MODEL_KIND_RISK)
        return ordo_cli_risk_show(a, path);
    if (!rc && kind == ORDO_MODEL_KIND_NETVAL)
        return ordo_cli_netval_show(a, path);
    if (!rc)
        rc = ordo_eta_model_read_info(path, &in, &err);
    int dr = rc || !data ? 0 : drift_check(a, data, path, &drift, &err);
    if (rc || dr < 0)
        return ordo_cli_fail(&err, rc ? rc : dr, a->json);
    if (a->json) {
        print_show_json(&in, path, dr, &drift, data);
        return ORDO_EXIT_OK;
    }
    print_info_text(&in);
    printf("  file          %s\n", path);
    if (dr > 0)
        print_drift_text(&drift, data);
    else if (data)
        printf("  drift         no outcomes after training yet\n");
    return ORDO_EXIT_OK;
}

int ordo_cli_eta_model_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *path,
                             ordo_error_t *err)
{
    ordo_eta_model_t *m;
    int rc = ordo_eta_model_load(net, path, &m, err);
    if (rc)
        return rc;
    ordo_lanes_t *lanes = ordo_eta_model_take_lanes(m);
    ordo_eta_model_destroy(m);
    if (!lanes)
        return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    ordo_engine_set_lanes(eng, lanes);
    return ORDO_OK;
}

/* ---- the command table ---- */

static const ordo_cli_opt_t train_opts[] = {
    {"run", 0, "DIR", "a simulation run or data directory: its decision log and outcomes"},
    {"network", 0, "DIR", "the network (default: the one DIR records)"},
    {"holdout", 0, "F", "hold out the last share F of the decisions' time span for\n"
                        "`ordo model eval` (default 0.25; 0 trains on everything)"},
    {"models", 0, "DIR", "where model files go (default DIR/models)"},
    {"k-lane", 0, "K", "shrinkage of a lane toward its destination, in observations\n"
                       "(default: estimated from how much lanes differ from it)"},
    {"k-region", 0, "K", "shrinkage of a (service, zone, region) row toward its\n"
                         "(service, zone) row (default 10)"},
    {"k-proc", 0, "K", "shrinkage of processing delay rows (default 20)"},
    {"k-dest", 0, "K", "shrinkage of a destination toward its (service, zone, region)\n"
                       "(default: estimated)"},
    {"k-top", 0, "K", "shrinkage of a (service, zone) row toward the published\n"
                      "histogram (default: estimated)"},
    {"k-rural", 0, "K", "shrinkage of a (service, zone) row of rural destinations\n"
                        "toward the urban one (default: estimated)"},
    {"kind", 0, "K", "which models: eta, risk (return and cancellation) or all (default)"},
    {"l2", 0, "L", "L2 penalty of the risk models, on standardised features (default 1)"},
    {"data", 0, "DIR", "a data directory (as --run): its decision log, store and network"},
    {"horizon", 0, "DAYS", "netval: days of demand the stock must serve (default 7)"},
    {"unmet-cost", 0, "USD", "netval: cost of a unit of demand left unserved (default 30)"},
    {"return-window", 0, "DAYS", "a return label counts once delivered this long before the\n"
                                 "run's last event (default: the run's 95th percentile of\n"
                                 "delivery-to-return delays)"},
    {"history-min-rows", 0, "N", "fit a customer-history term of return risk only when N\n"
                                 "training rows have it (default 100; else its coefficient is 0)"},
    {"history-min-returned", 0, "K", "... and K of those rows were returned (default 10)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_train = {
    .name = "train",
    .summary = "learn ETA (lanes, processing delay) and return and cancellation risk models",
    .usage = "model train --run DIR [--kind eta|risk|netval|all] [--holdout F] [--network DIR]\n"
             "    [--models DIR] [--k-lane K] [--k-region K] [--k-proc K] [--k-dest K]\n"
             "    [--k-top K] [--k-rural K] [--l2 L]\n"
             "    [--return-window DAYS] [--horizon DAYS] [--unmet-cost USD]\n"
             "    [--history-min-rows N] [--history-min-returned K] [--json]",
    .about = "Joins the run's decision records (node, service, destination ZIP3, decision\n"
             "time) with its outcome events (shipped, delivered) and learns, from the\n"
             "decisions before the held-out tail, the transit-time distribution of each lane\n"
             "(node, carrier service, ZIP3) shrunk toward its region and the carrier's\n"
             "published histogram, and each node's processing delay by cutoff and load.\n"
             "Writes a new versioned model file DIR/models/eta-vN.json (docs/models.md).\n"
             "Also learns return risk (family, price, predicted lateness, split, distance, the\n"
             "customer's return history) and cancellation risk (lateness, promise, stock\n"
             "margin, the node's time to ship) as L2 logistic regressions, written as\n"
             "DIR/models/risk-vN.json; --kind picks which (default all). A return or\n"
             "cancellation label counts only once it is mature (delivered --return-window\n"
             "days, decided the cancellation window, before the run's last event); with none\n"
             "mature the risk models are refused. The customer's return history is fitted\n"
             "only with support (--history-min-rows rows having it, --history-min-returned of\n"
             "them returned); else its coefficient is 0 and the file says why. With --json, the ETA\n"
             "model's fields are at the top and the risk model's under \"risk\".\n"
             "--kind netval (not in all) forecasts demand per family x ZIP cluster from the\n"
             "orders in DIR's log, reads the stock from DIR's store and the network, solves a\n"
             "transportation LP per SKU and writes the value of a unit at each node as\n"
             "DIR/models/netval-vN.json (under \"netval\" with --json); `ordo source --netval`\n"
             "and `ordo serve` (server.models.netval) price it for policies with\n"
             "\"network_value\": true. Run it nightly, then reload (docs/models.md).",
    .examples = "ordo model train --run run1\n"
                "ordo model train --run run1 --kind risk --json\n"
                "ordo model train --run run1 --holdout 0 --json\n"
                "ordo model train --kind netval --data /var/lib/ordo --horizon 7",
    .opts = train_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run_train,
};

static const ordo_cli_opt_t eval_opts[] = {
    {"run", 0, "DIR", "a simulation run or data directory to score on"},
    {"model", 0, "M", "a model file, a version (eta-v3, risk-v1) in DIR/models, or latest"},
    {"network", 0, "DIR", "the network (default: the one DIR records)"},
    {"kind", 0, "K", "eta or risk: the kind of M when it is latest (default eta; a name\n"
                     "risk-... is a risk model)"},
    {"recalibrate", 0, NULL, "instead: fit an isotonic map of the on-time probability on the\n"
                             "first half of the held-out span and print the calibration\n"
                             "before and after it on the second half (ETA models)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_eval = {
    .name = "eval",
    .summary = "score a model on held-out deliveries (calibration, coverage, pinball loss)",
    .usage = "model eval --run DIR --model M [--kind eta|risk] [--network DIR] [--recalibrate] [--json]",
    .about = "Scores the model on the shipments decided at or after the end of its training\n"
             "span: reliability table and Brier score of its on-time probability (beside the\n"
             "one the decisions logged), the coverage of its p90 ETA, and the pinball loss\n"
             "of its lane quantiles at p50 and p90 against the carriers' published histograms\n"
             "and each lane's recent weekday mode (docs/models.md). A risk model is scored on\n"
             "the orders decided after its training: AUC, reliability table, Brier score and\n"
             "log loss of return and cancellation risk, beside the training base rate and\n"
             "the parametric terms the engine uses without a model.",
    .examples = "ordo model eval --run run1 --model latest\n"
                "ordo model eval --run run1 --model latest --kind risk --json\n"
                "ordo model eval --run run1 --model run1/models/eta-v1.json --json\n"
                "ordo model eval --run run1 --model latest --recalibrate",
    .opts = eval_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run_eval,
};

static const ordo_cli_opt_t show_opts[] = {
    {"data", 0, "DIR", "the data directory whose models/ holds M when M is a version;\n"
                       "with it, M's calibration on DIR's outcomes after its training\n"
                       "is checked (drift) and saved for ordo serve's /metrics"},
    {"bound", 0, "B", "drift alarm above this calibration error (default 0.02; risk 0.03)"},
    {"min-n", 0, "N", "predictions a decile needs to count (default 1000)"},
    {"kind", 0, "K", "eta, risk or netval: the kind of M when it is latest (default eta)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_show = {
    .name = "show",
    .summary = "what a model file holds: version, hash, training span, lanes",
    .usage = "model show M [--kind eta|risk|netval] [--data DIR [--bound B] [--min-n N]] [--json]",
    .about = "Prints a model's version, content hash, the run and span it was trained on,\n"
             "how many lanes, destinations, pooled rows and processing rows it learned, and its\n"
             "shrinkage. With --data, also its drift: the calibration of its on-time\n"
             "probability on the outcomes decided after its training (worst decile with N or\n"
             "more predictions, and overall); above the bound it raises an alarm and suggests\n"
             "a retrain. The state is saved as DIR/models/drift.json, which ordo serve's\n"
             "/metrics reports (ordo_eta_drift_alarm). A risk model shows its training rows,\n"
             "rates and coefficients by feature; with --data, the drift of its P(return)\n"
             "and P(cancel) on DIR's orders decided after its training, and the live\n"
             "state ordo serve keeps as outcomes arrive (DIR/models/risk-drift.json).\n"
             "A network-value model shows its horizon, the SKUs and nodes it priced, the\n"
             "mean and largest value of a unit and how long the forecasts and LPs took.",
    .examples = "ordo model show run1/models/eta-v1.json\n"
                "ordo model show latest --kind risk --data run1 --json\n"
                "ordo model show latest --data run1 --json\n"
                "ordo model show latest --kind netval --data run1",
    .opts = show_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_show,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_train, &cmd_eval, &cmd_show, NULL};

const ordo_cli_cmd_t ordo_cmd_model = {
    .name = "model",
    .summary = "learned models: train, evaluate and show ETA, risk and network-value models",
    .usage = "model train|eval|show ...",
    .about = "Learned ETA models (transit-time distributions per lane and processing delay\n"
             "per node) and return and cancellation risk models, learned from a run's\n"
             "outcomes, versioned as files (docs/models.md).",
    .examples = "ordo model train --run run1\nordo model eval --run run1 --model latest",
    .subs = subs,
};
