/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — training the learned models from a run: the one entry point of
 * `ordo model train` and of the simulator's training steps
 * (include/ordo/model.h "training from a run"). */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/datadir.h"
#include "ordo/model.h"
#include "ordo/util.h"

void ordo_model_train_opts_default(ordo_model_train_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->kinds = ORDO_MODEL_KIND_ALL;
    o->holdout = 0.25;
    ordo_eta_params_default(&o->eta);
    o->risk_l2 = 1;
}

static double since(uint64_t t0)
{
    return (double)(ordo_now_ns() - t0) / 1e9;
}

/* The ETA and the risk models' data from one pass over the run
 * (model_run_read): a sink for each kind asked for. */
typedef struct run_data {
    ordo_eta_run_t eta;
    ordo_risk_run_t risk;
} run_data_t;

static int read_run(const char *dir, const ordo_network_t *net, unsigned kinds, run_data_t *d,
                    ordo_model_train_result_t *res, ordo_error_t *err)
{
    eta_run_reader_t *er = NULL;
    risk_run_reader_t *rr = NULL;
    model_run_sink_t sinks[2];
    int n = 0, rc = ORDO_OK;
    if (kinds & ORDO_MODEL_KIND_ETA) {
        if (!net)
            return ordo_error_set(err, ORDO_EINVAL, dir, 0, "network",
                                  "the ETA model needs a network");
        if (!(rc = eta_run_reader_new(net, &er, err)))
            sinks[n++] = eta_run_reader_sink(er);
    }
    if (!rc && (kinds & ORDO_MODEL_KIND_RISK) && !(rc = risk_run_reader_new(&d->risk, &rr, err)))
        sinks[n++] = risk_run_reader_sink(rr);
    uint64_t t0 = ordo_now_ns();
    if (!rc)
        rc = model_run_read(dir, sinks, n, &res->read_s, &res->join_s, err);
    if (rc) {
        eta_run_reader_free(er);
        risk_run_reader_free(rr);
        ordo_risk_run_free(&d->risk);
        return rc;
    }
    if (er)
        eta_run_reader_finish(er, &d->eta);
    if (rr) {
        uint64_t t1 = ordo_now_ns();
        rc = risk_run_reader_finish(rr, dir, err);
        res->risk_read_s = since(er ? t1 : t0);
    }
    if (!er) /* the pass is the risk model's own */
        res->read_s = res->join_s = 0;
    if (rc)
        ordo_eta_run_free(&d->eta);
    return rc;
}

static int train_eta(const char *dir, const ordo_network_t *net, const ordo_model_train_opts_t *o,
                     const char *models, const ordo_eta_run_t *d, int64_t *until,
                     ordo_model_train_result_t *res, ordo_error_t *err)
{
    ordo_eta_model_t *m = NULL;
    *until = o->until > 0 ? o->until : ordo_eta_split_time(net, d->obs, d->n_obs, o->holdout);
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_eta_train(net, d->obs, d->n_obs, *until, &o->eta, &m, err);
    res->eta_train_s = since(t0);
    if (!rc) {
        ordo_eta_model_set_run(m, dir, d->orders);
        rc = ordo_eta_model_save(m, models, res->eta_path, sizeof res->eta_path, err);
    }
    if (!rc)
        res->eta = *ordo_eta_model_info(m);
    ordo_eta_model_destroy(m);
    return rc;
}

/* The start of the UTC day at (1 - holdout) of the decisions' span. */
static int64_t risk_split(const ordo_risk_run_t *run, double holdout)
{
    if (!run->n || holdout <= 0)
        return 0;
    int64_t lo = run->o[0].time, hi = run->o[run->n - 1].time;
    return ordo_cal_day_of(lo + (int64_t)((double)(hi - lo) * (1 - holdout))) * 86400;
}

static int train_risk(const char *dir, const ordo_model_train_opts_t *o, const char *models,
                      ordo_risk_run_t *run, int64_t until, ordo_model_train_result_t *res,
                      ordo_error_t *err)
{
    ordo_risk_model_t *m = NULL;
    if (!until)
        until = risk_split(run, o->holdout);
    if (o->return_window_days > 0)
        run->return_window = o->return_window_days * 86400;
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_risk_train_support(run, until, o->risk_l2 > 0 ? o->risk_l2 : 1, &o->risk_support,
                                     &m, err);
    res->risk_train_s = since(t0);
    if (!rc && !m->ret.n) /* a model of nothing would price every order at one half */
        rc = ordo_error_set(err, ORDO_EINVAL, dir, 0, o->until ? "until" : "holdout",
                            "no delivered order with an outcome in the training part of the "
                            "run (%zu orders, %s): nothing to learn the return risk from; "
                            "train on a longer run%s",
                            run->n, until ? "before the held-out part" : "none held out",
                            o->until ? "" : " or hold out less (--holdout)");
    if (!rc) {
        snprintf(m->info.run, sizeof m->info.run, "%s", dir);
        rc = ordo_risk_model_save(m, models, res->risk_path, sizeof res->risk_path, err);
    }
    if (!rc) {
        res->risk = m->info;
        res->risk_rows[0] = m->ret.n;
        res->risk_rows[1] = m->cancel.n;
    }
    ordo_risk_model_destroy(m);
    return rc;
}

static int train_netval(const char *dir, const ordo_network_t *net,
                        const ordo_model_train_opts_t *o, const char *models,
                        ordo_model_train_result_t *res, ordo_error_t *err)
{
    ordo_netval_model_t *m = NULL;
    if (!net)
        return ordo_error_set(err, ORDO_EINVAL, dir, 0, "network",
                              "the network-value model needs a network");
    int rc = ordo_netval_train(dir, net, o->netval, &m, err);
    if (!rc)
        rc = ordo_netval_model_save(m, models, res->netval_path, sizeof res->netval_path, err);
    if (!rc)
        res->netval = m->info;
    ordo_netval_model_destroy(m);
    return rc;
}

int ordo_model_train_run(const char *dir, const ordo_network_t *net,
                         const ordo_model_train_opts_t *opts, ordo_model_train_result_t *res,
                         ordo_error_t *err)
{
    ordo_model_train_opts_t o;
    if (opts)
        o = *opts;
    else
        ordo_model_train_opts_default(&o);
    unsigned kinds = o.kinds ? o.kinds : ORDO_MODEL_KIND_ALL;
    memset(res, 0, sizeof *res);
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc)
        return rc;
    const char *models = o.models_dir ? o.models_dir : dd.models;
    int64_t until = 0;
    run_data_t d = {0};
    if (kinds & (ORDO_MODEL_KIND_ETA | ORDO_MODEL_KIND_RISK))
        rc = read_run(dir, net, kinds, &d, res, err);
    if (!rc && (kinds & ORDO_MODEL_KIND_ETA))
        rc = train_eta(dir, net, &o, models, &d.eta, &until, res, err);
    ordo_eta_run_free(&d.eta);
    if (!rc && (kinds & ORDO_MODEL_KIND_RISK))
        rc = train_risk(dir, &o, models, &d.risk,
                        o.until > 0     ? o.until
                        : o.holdout > 0 ? until
                                        : 0,
                        res, err);
    ordo_risk_run_free(&d.risk);
    if (!rc && (kinds & ORDO_MODEL_KIND_NETVAL))
        rc = train_netval(dir, net, &o, models, res, err);
    return rc;
}
