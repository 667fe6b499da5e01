/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — learned models (module model): ETA distributions per lane.
 * docs/internals/MODEL.md states the model, its file and its scores;
 * docs/models.md is the user's guide (`ordo model train|eval|show`).
 *
 * Training takes observations, one per shipment that was decided and
 * delivered (the CLI joins decision records with outcome events), and
 * learns:
 *  - the transit-time distribution of each lane (node, carrier service,
 *    destination ZIP3, ship-day class), shrunk toward the lane's region
 *    (node, service, zone, destination census region), shrunk toward the
 *    region pooled over nodes (service, zone, region), shrunk toward
 *    (service, zone), shrunk toward the carrier's published histogram
 *    (network.json);
 *  - the processing delay (working days from the order's day, node local,
 *    to the ship day) per node, by order before/after the node's cutoff and
 *    by the node's load when decided, shrunk toward the node, then toward
 *    all nodes; and the same per cutoff slot (the order's local hour about
 *    the cutoff, or a day the node does not work), shrunk toward the
 *    node's slot, all nodes' slot, all nodes' cutoff row.
 * The result is a lane table (lanes.h) the engine reads, inside a versioned
 * model file.
 *
 * Ownership: a model owns its lane table; ordo_eta_model_take_lanes hands a
 * copy to the caller (the engine takes ownership of what it is given). */
#ifndef ORDO_MODEL_H
#define ORDO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "fit.h"
#include "json.h"
#include "lanes.h"
#include "netval.h"
#include "network.h"
#include "source.h"

#define ORDO_ETA_FORMAT "ordo-eta"
#define ORDO_ETA_FORMAT_VERSION 4 /* 2: "processing_slots"; 3: params k_dest, k_top; 4: rural classes; older files are read */

/* The cutoff slot of a decision (the processing delay is learned per slot):
 * 0 unknown; 1 the node's local order day is not a working day (Mon-Fri,
 * federal holidays excepted: its cutoff does not apply); else the local
 * hour minus the node's cutoff hour, 2: <= -2, 3: -1, 4: 0, 5: +1,
 * 6: >= +2 (the hours about the cutoff, where the node's clock and the
 * model's may disagree by its daylight-saving hour). */
#define ORDO_ETA_SLOTS 7

/* One delivered (or not) shipment, as decided. Days are Unix days. */
typedef struct ordo_eta_obs {
    int64_t time;          /* decision time, Unix seconds UTC */
    int32_t order_day;     /* the node's local day of the decision */
    int32_t ship_day;      /* the node's local day it shipped; 0: unknown */
    int32_t deliver_day;   /* UTC day delivered; 0: not delivered */
    int32_t promise_day;   /* last day of the promise (UTC); 0: none */
    uint32_t node;         /* network node index */
    int32_t service;       /* network service index; < 0: pickup (not modelled) */
    uint16_t zip3;         /* destination */
    uint8_t rural;         /* the ship-to ZIP is rural (ordo_geo_zip_rural == 1) */
    uint8_t after_cutoff;  /* decided at or after the node's cutoff hour */
    uint8_t load_bucket;   /* ordo_lanes_load_bucket of the node's load then */
    uint8_t cutoff_slot;   /* ORDO_ETA_SLOTS: 0 unknown */
    double logged_on_time; /* P(on time) the decision logged; NAN: none */
} ordo_eta_obs_t;

/* The node's local day and hour of instant t, and whether t is at or after
 * its cutoff (the node's time zone: its own, else its ZIP's). */
typedef struct ordo_eta_clock ordo_eta_clock_t;
int ordo_eta_clock_new(const ordo_network_t *net, ordo_eta_clock_t **out, ordo_error_t *err);
void ordo_eta_clock_destroy(ordo_eta_clock_t *c);
int32_t ordo_eta_clock_day(const ordo_eta_clock_t *c, uint32_t node, int64_t t, bool *after_cutoff);
/* The cutoff slot (ORDO_ETA_SLOTS, 1..6) of instant t at the node. */
int ordo_eta_clock_slot(const ordo_eta_clock_t *c, uint32_t node, int64_t t);

/* The learned quantities of an observation (< 0 when unknown): carrier
 * delivery days from the ship day to the delivery day (capped at 15), and
 * working days (Mon-Fri) from the order's day to the ship day (capped at 7). */
int ordo_eta_obs_transit(const ordo_network_t *net, const ordo_eta_obs_t *o);
int ordo_eta_obs_delay(const ordo_eta_obs_t *o);
/* The class of a shipped observation: its ship-day class
 * (ordo_lanes_ship_class) | rural << 1 (ORDO_LANE_RURAL). */
int ordo_eta_obs_class(const ordo_network_t *net, const ordo_eta_obs_t *o);

/* Shrinkage strengths (pseudo-observations of the level above). A NAN or
 * negative k_lane, k_dest or k_top (the default) is estimated by training
 * from how much the level's cells differ from their parents (the method of
 * moments, docs/internals/MODEL.md "How much each level is shrunk"); a
 * trained model holds the values it used. */
typedef struct ordo_eta_params {
    double k_lane;   /* lane toward its destination (default: estimated) */
    double k_region; /* (service, zone, region) toward (service, zone) (default 10) */
    double k_proc;   /* processing row toward the node, node toward all (default 20) */
    double k_dest;   /* destination toward its (service, zone, region) (default: estimated;
                        NAN in a file of format_version < 3, which used k_region) */
    double k_top;    /* (service, zone) toward the published histogram (default:
                        estimated; NAN in a file of format_version < 3: k_region) */
    double k_rural;  /* (service, zone) of rural destinations toward the urban
                        one's (default: estimated; NAN before format_version 4) */
} ordo_eta_params_t;
void ordo_eta_params_default(ordo_eta_params_t *p);
/* The estimate's bounds: a level is never trusted less than one
 * pseudo-observation of its parent, nor shrunk with more than ORDO_ETA_K_MAX. */
#define ORDO_ETA_K_MIN 1.0
#define ORDO_ETA_K_MAX 10000.0
/* The method-of-moments estimate of a level's k from its cells' counts
 * about their parents' pmfs: Pearson's X^2 summed over the cells of n >= 2,
 * E0 = sum (d - 1), E1 = sum (d - 1)(n - 1) (d: days where the parent's pmf
 * is > 0); rho = (X^2 - E0) / E1, k = 1 / rho - 1 within [K_MIN, K_MAX];
 * dflt when no cell has n >= 2. */
typedef struct ordo_eta_mom {
    double x2, e0, e1;
} ordo_eta_mom_t;
void ordo_eta_mom_add(ordo_eta_mom_t *s, const uint32_t *count, uint32_t n,
                      const double *parent, int width);
double ordo_eta_mom_k(const ordo_eta_mom_t *s, double dflt);
/* "params": {"k_lane", "k_region", "k_proc", "k_dest", "k_top"} (the last
 * two when set), as model files and ordo model show write them. */
void ordo_eta_params_json(const ordo_eta_params_t *p, ordo_jsonw_t *w);

typedef struct ordo_eta_model ordo_eta_model_t;

/* What a model says about itself (ordo model show). */
typedef struct ordo_eta_info {
    char version[32];  /* "eta-v3"; "" before it is saved */
    char hash[17];     /* content hash, 16 hex digits */
    char run[256];     /* the run directory it was trained on */
    int64_t created, trained_from, trained_until; /* Unix seconds */
    uint64_t shipments, orders;
    uint32_t lanes, destinations, pooled, processing_rows, nodes, services;
    ordo_eta_params_t params;
} ordo_eta_info_t;

/* Trains on the n observations with time < until (until 0: all). */
int ordo_eta_train(const ordo_network_t *net, const ordo_eta_obs_t *obs, size_t n, int64_t until,
                   const ordo_eta_params_t *params, ordo_eta_model_t **out, ordo_error_t *err);
void ordo_eta_model_destroy(ordo_eta_model_t *m);
const ordo_eta_info_t *ordo_eta_model_info(const ordo_eta_model_t *m);
void ordo_eta_model_set_run(ordo_eta_model_t *m, const char *run, uint64_t orders);
/* The model's lane table (owned by the model). */
const ordo_lanes_t *ordo_eta_model_lanes(const ordo_eta_model_t *m);
/* A copy of the lane table for the caller to own (NULL: out of memory). */
ordo_lanes_t *ordo_eta_model_take_lanes(const ordo_eta_model_t *m);

/* The model's transit distribution of a lane: learned, else the published
 * one (cdf over 0..15 days) for ships of class cls; *level gets 3 lane, 2
 * region, 1 pooled over nodes, 0 published. */
void ordo_eta_lane_cdf(const ordo_eta_model_t *m, const ordo_network_t *net, uint32_t node,
                       uint32_t service, uint16_t zip3, int cls, double cdf[ORDO_TRANSIT_DAYS],
                       int *level);
/* P(delivered on or before day) of an observation's shipment, from its
 * order's day: processing delay, then transit. */
double ordo_eta_prob_by(const ordo_eta_model_t *m, const ordo_network_t *net,
                        const ordo_eta_obs_t *o, int32_t day);

/* ---- model files (model.c): DATA/models/eta-vN.json ---- */

/* Writes the model as JSON (the file's content). */
int ordo_eta_model_write(const ordo_eta_model_t *m, ordo_buf_t *out);
/* Reads a model file's text against a network (node and service ids are
 * matched by name; lanes of ids the network lacks are dropped). The content
 * hash is checked: ORDO_ECORRUPT when it does not match. */
int ordo_eta_model_parse(const ordo_network_t *net, const char *json, size_t len,
                         const char *name, ordo_eta_model_t **out, ordo_error_t *err);
int ordo_eta_model_load(const ordo_network_t *net, const char *path, ordo_eta_model_t **out,
                        ordo_error_t *err);
/* Saves into dir (created if missing) as eta-vN.json, N one more than the
 * highest there; sets the model's version; path (size n) gets the file. */
int ordo_eta_model_save(ordo_eta_model_t *m, const char *dir, char *path, size_t n,
                        ordo_error_t *err);
/* A model file's head alone (no network needed): ordo model show. */
int ordo_eta_model_read_info(const char *path, ordo_eta_info_t *info, ordo_error_t *err);
/* The newest eta-vN.json in dir into path: ORDO_ENOENT when none. */
int ordo_eta_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err);

/* ---- a run's shipments for training (eta_run.c) ---- */

/* A run's (or data directory's) decision records joined with the store's
 * outcome events: one observation per decided shipment. */
typedef struct ordo_eta_run {
    ordo_eta_obs_t *obs;
    size_t n_obs;
    uint64_t orders;        /* decisions read */
    uint64_t orders_joined; /* of which with outcomes */
    double read_s, join_s;
} ordo_eta_run_t;

int ordo_eta_run_read(const char *dir, const ordo_network_t *net, ordo_eta_run_t *out,
                      ordo_error_t *err);
void ordo_eta_run_free(ordo_eta_run_t *r);
/* The start of the UTC day at (1 - holdout) of the shipments' decision span
 * (0: no split). */
int64_t ordo_eta_split_time(const ordo_network_t *net, const ordo_eta_obs_t *obs, size_t n,
                            double holdout);

/* ---- evaluation (eta_eval.c) ---- */

#define ORDO_ETA_DECILES 10

/* The on-time reliability table: fit.h's streaming one, in deciles (a
 * zeroed one has ten bins). */
typedef ordo_calib_acc_t ordo_eta_reliability_t;

typedef struct ordo_eta_pinball {
    double p50, p90; /* mean loss */
    uint64_t n;
} ordo_eta_pinball_t;

typedef struct ordo_eta_eval {
    int64_t from, until;       /* held-out decisions: time in [from, until] */
    uint64_t shipments;        /* held-out shipments scored */
    ordo_eta_reliability_t model, logged; /* on-time: learned vs the logged P */
    /* per decile of the learned P, the sum of p(1 - p): the variance of the
     * decile's observed count were the model calibrated and the shipments
     * independent (ordo_eta_decile_se) */
    double model_var[ORDO_ETA_DECILES];
    /* per decile, the cluster-robust variance of the sum of y − p, the
     * clusters the lane-days (node, service, ZIP3, ship day): the parcels
     * of one lane-day move together (ordo_eta_decile_se_lane_day) */
    double model_var_lane_day[ORDO_ETA_DECILES];
    double p90_coverage;       /* share delivered by the p90 ETA (integer days) */
    double p90_pit_coverage;   /* the same with the nonrandomized PIT (discrete) */
    double p90_claimed;        /* mean model P(delivered by its p90 ETA) */
    double p90_randomized;     /* share delivered by the randomized p90 ETA (the goal's) */
    uint64_t coverage_n;
    /* transit given the ship day, per lane: learned, carrier histogram,
     * the lane's recent weekday mode; and lane_ceiling, a bound rather than
     * a forecast: each (service, zone, region, class, weekday) cell's own
     * held-out quantiles, fitted on the deliveries they are scored on */
    ordo_eta_pinball_t lane_model, lane_carrier, lane_weekday_mode, lane_ceiling;
} ordo_eta_eval_t;

/* The sampling standard error of decile b's observed rate under the
 * model (sqrt(sum p(1 - p)) / n; NAN when empty): a calibrated model's
 * decile error is within 2 of them in about 95% of deciles, so the
 * error / se says whether a decile's error is noise. */
double ordo_eta_decile_se(const ordo_eta_eval_t *e, int b);
/* The same with the shipments clustered by lane-day (CR1: the sum over
 * the G clusters of the squared sum of y − p in each, × G / (G − 1), its
 * root over n): the sampling error of the decile's observed rate were the
 * model calibrated, the parcels of one lane-day allowed to move together.
 * NAN for an empty decile or one of a single lane-day. */
double ordo_eta_decile_se_lane_day(const ordo_eta_eval_t *e, int b);

/* Scores the model on observations with time >= from (from 0: the model's
 * trained_until); the ones before feed the weekday-mode baseline (its last
 * 28 days). */
int ordo_eta_evaluate(const ordo_eta_model_t *m, const ordo_network_t *net,
                      const ordo_eta_obs_t *obs, size_t n, int64_t from, ordo_eta_eval_t *out,
                      ordo_error_t *err);

/* ---- recalibration (eta_recal.c): an isotonic map of P(on time) ---- */

#define ORDO_ETA_RECAL_MAX 64 /* blocks of the map */

/* A monotone step map: p <= p_hi[0] -> q[0], ..., p <= p_hi[i] -> q[i];
 * above p_hi[n-1] -> q[n-1]. n 0: the identity. */
typedef struct ordo_eta_recal {
    uint32_t n;
    double p_hi[ORDO_ETA_RECAL_MAX], q[ORDO_ETA_RECAL_MAX];
    uint64_t fitted_on; /* outcomes the map was fitted on */
} ordo_eta_recal_t;

/* Isotonic regression of y on p (n pairs, p ascending) by pooling adjacent
 * violators; more than ORDO_ETA_RECAL_MAX blocks are merged pairwise,
 * lightest first. ORDO_ENOMEM. */
int ordo_eta_isotonic(const double *p, const double *y, size_t n, ordo_eta_recal_t *out);
double ordo_eta_recal_apply(const ordo_eta_recal_t *r, double p);
/* Fits the map of m's P(on time) on the delivered shipments with a promise
 * decided in [from, until) (until 0: no end). */
int ordo_eta_recal_fit(const ordo_eta_model_t *m, const ordo_network_t *net,
                       const ordo_eta_obs_t *obs, size_t n, int64_t from, int64_t until,
                       ordo_eta_recal_t *out, ordo_error_t *err);
/* Reliability of m's P(on time), raw and through r, on the shipments
 * decided from from on. */
void ordo_eta_recal_score(const ordo_eta_model_t *m, const ordo_network_t *net,
                          const ordo_eta_obs_t *obs, size_t n, const ordo_eta_recal_t *r,
                          int64_t from, ordo_eta_reliability_t *raw, ordo_eta_reliability_t *cal);

/* ---- drift (eta_drift.c): calibration on outcomes after training ----
 * One check for every model's probability (the ETA model's P(on time), the
 * risk models' P(return) and P(cancel)) on the one reliability table
 * (fit.h ordo_calib_acc_t). */

#define ORDO_ETA_DRIFT_BOUND 0.02 /* 2 points of probability */
#define ORDO_ETA_DRIFT_MIN_N 1000 /* predictions a decile needs to count */
#define ORDO_ETA_DRIFT_FILE "drift.json" /* in DATA/models */

typedef struct ordo_model_drift {
    char model[32], hash[17];
    int64_t checked_at;       /* Unix seconds */
    uint64_t predictions;     /* predictions scored (outcomes after training) */
    double calibration_error; /* worst decile with >= min_n predictions; NAN: none has */
    double mean_error;        /* |mean prediction - observed rate| over all */
    double brier;
    double bound;
    uint64_t min_n;
    bool alarm; /* either error above bound (the mean one once >= min_n predictions) */
} ordo_model_drift_t;
typedef ordo_model_drift_t ordo_eta_drift_t;

/* The drift state of a model (version, hash) from its reliability table
 * on outcomes after its training. */
void ordo_model_drift_check(const char *version, const char *hash, const ordo_calib_acc_t *r,
                            double bound, uint64_t min_n, int64_t now, ordo_model_drift_t *out);
void ordo_model_drift_json(const ordo_model_drift_t *d, ordo_jsonw_t *w);
/* The ETA model's: its scores' reliability table (ev->model). */
void ordo_eta_drift_check(const ordo_eta_info_t *model, const ordo_eta_eval_t *ev, double bound,
                          uint64_t min_n, int64_t now, ordo_eta_drift_t *out);
/* DATA/models/drift.json: written atomically by ordo model show --data,
 * read by ordo serve's /metrics. */
int ordo_eta_drift_write(const char *models_dir, const ordo_eta_drift_t *d, ordo_error_t *err);
int ordo_eta_drift_read(const char *models_dir, ordo_eta_drift_t *d, ordo_error_t *err);
void ordo_eta_drift_json(const ordo_eta_drift_t *d, ordo_jsonw_t *w);

/* Primitives, checked against numpy (tools/fixtures/make_model_fixtures.py). */
double ordo_eta_pinball_loss(double y, double q, double tau);
/* smallest d with cdf[d] >= p (n entries; n - 1 when none) */
int ordo_eta_quantile(const double *cdf, int n, double p);
/* share of the nonrandomized PIT below u for an outcome with F(y-1) = lo,
 * F(y) = hi (Czado, Gneiting and Held 2009) */
double ordo_eta_pit_below(double lo, double hi, double u);
/* The randomized PIT of an outcome whose predictive CDF jumps from lo to hi
 * there, with v uniform on [0, 1): lo + v (hi - lo); whether it is <= u. */
bool ordo_eta_pit_randomized_below(double lo, double hi, double u, double v);
void ordo_eta_reliability_add(ordo_eta_reliability_t *r, double p, bool y);
/* max over deciles with >= min_n predictions of |mean p - observed rate| */
double ordo_eta_calibration_error(const ordo_eta_reliability_t *r, uint64_t min_n);
double ordo_eta_brier(const ordo_eta_reliability_t *r);

/* ---- return and cancellation risk (risk_data.c, risk.c, risk_eval.c) ----
 *
 * Two L2 logistic regressions (ordo_logit_fit, fit.h) learned from a run's
 * decision records joined with their outcomes:
 *  - return risk of a delivered order: family (one-hot), log price, predicted
 *    lateness (1 - P(on time)), split or not, log distance, the customer's
 *    return history (returns / (delivered orders + 2), and a delivered order
 *    seen), service level (one-hot);
 *  - cancellation risk: predicted lateness, days to the promise, stock margin
 *    left at the node (log, and none left), backordered, the node's recent
 *    hours to ship (log, and unknown), service level (one-hot).
 * The customer's history at a decision counts the outcome events (delivered,
 * returned) seen before it, as the engine's in-memory counts do. The fit
 * stops when every Newton step component is below 1e-7 in units of its
 * curvature (ordo_logit_opts_t.tol). */

#define ORDO_RISK_FORMAT "ordo-risk"
#define ORDO_RISK_FORMAT_VERSION 1
#define ORDO_RISK_MAX_NAMES 128
#define ORDO_RISK_NAME_LEN 32
/* numeric features of each target (after the family one-hot for returns) */
#define ORDO_RISK_RETURN_NUM 6
#define ORDO_RISK_CANCEL_NUM 7
#define ORDO_RISK_MAX_FEATURES (2 * ORDO_RISK_MAX_NAMES + ORDO_RISK_CANCEL_NUM)

typedef enum ordo_risk_target { ORDO_RISK_RETURN = 0, ORDO_RISK_CANCEL = 1 } ordo_risk_target_t;

typedef struct ordo_risk_names {
    int n;
    char name[ORDO_RISK_MAX_NAMES][ORDO_RISK_NAME_LEN];
} ordo_risk_names_t;

/* The index of s in t, added when new (the last slot when full). */
int ordo_risk_name_index(ordo_risk_names_t *t, const char *s);

/* One decided order with its outcome. */
typedef struct ordo_risk_order {
    int64_t time, shipped_at, delivered_at, returned_at, cancelled_at; /* 0: none */
    int day, family, region, service, split, backordered, node;
    uint32_t customer;         /* index in the run's customers; UINT32_MAX: none */
    double ship_hours;         /* the node's recent hours to ship at decision; NAN: none */
    double units, value, on_time_prob, return_risk, miles, atp_margin, promise_days;
    double late_days;          /* days the logged p50 ETA is past the promise, >= 0 */
    double cust_orders, cust_returns; /* the customer's history at decision */
    int has_outcome, returned, cancelled;
} ordo_risk_order_t;

typedef struct ordo_risk_run {
    ordo_risk_order_t *o;
    size_t n, cap;
    ordo_risk_names_t families, regions, services, nodes;
    int days;
    int64_t t0; /* UTC midnight of the first decision */
    uint32_t customers;
    void *scratch; /* customer ids while reading */
    /* Label maturity (docs/internals/MODEL.md "Label maturity"): labels are
     * known up to asof (the latest event the run holds; 0: every label is
     * final, e.g. a run made by hand). A return label counts once the
     * order was delivered at least return_window seconds before asof, a
     * cancellation label once it was decided at least cancel_window
     * seconds before asof. ordo_risk_label_windows sets a window <= 0 from
     * the data. */
    int64_t asof;
    double return_window, cancel_window;
} ordo_risk_run_t;

/* Windows a window <= 0 from the run's own delays: the 95th percentile of
 * delivered-to-returned (returns) and of decided-to-shipped-or-cancelled
 * (cancellations). A window with no delay observed stays 0 (no label of
 * that target is mature). ORDO_ENOMEM. */
int ordo_risk_label_windows(ordo_risk_run_t *run);
/* Whether an order's label of target t is mature at the run's asof. */
int ordo_risk_label_mature(const ordo_risk_run_t *run, const ordo_risk_order_t *o,
                           ordo_risk_target_t t);

/* Reads a run (or data directory): its decision log joined with the store's
 * outcomes, then the time-to-ship averages and the customers' histories;
 * asof and the label windows (ordo_risk_label_windows) from its events. */
int ordo_risk_run_read(const char *dir, ordo_risk_run_t *run, ordo_error_t *err);
void ordo_risk_run_free(ordo_risk_run_t *run);

/* A design matrix (CSR, fit.h) of one target over the run's orders with an
 * outcome and a mature label (returns: not cancelled), in time order. fam_map / svc_map take
 * the run's family / service index to the column block's (-1: no column;
 * NULL: the same). */
typedef struct ordo_risk_design {
    size_t n, d;
    size_t *rs;
    uint32_t *col;
    double *val, *y;
    int *day;
    double *base; /* the parametric term the engine logged (NAN: none) */
} ordo_risk_design_t;

int ordo_risk_design_build(const ordo_risk_run_t *run, ordo_risk_target_t t, const int *fam_map,
                           int n_fam, const int *svc_map, int n_svc, ordo_risk_design_t *x);
void ordo_risk_design_free(ordo_risk_design_t *x);
/* The parametric cancellation term with the policy defaults (docs/policies.md
 * "risk": base 0.01, 0.08 a day late, at most 0.5). */
double ordo_risk_cancel_parametric(double late_days);

/* Minimum support of the customer-history terms of return risk
 * (customer_return_rate, customer_known; MODEL.md "Minimum support"): a
 * term is fitted only when at least ORDO_RISK_HIST_MIN_ROWS training rows
 * have it non-zero (a prior return; a delivered order seen) and at least
 * ORDO_RISK_HIST_MIN_RETURNED of those rows were returned; else its
 * coefficient is fixed at 0 and the model file says why. */
#define ORDO_RISK_HIST_N 2
#define ORDO_RISK_HIST_MIN_ROWS 100
#define ORDO_RISK_HIST_MIN_RETURNED 10

typedef struct ordo_risk_support {
    uint64_t min_rows, min_returned; /* 0: the defaults above */
} ordo_risk_support_t;

typedef struct ordo_risk_coef {
    double intercept;
    double coef[ORDO_RISK_MAX_FEATURES];
    double mean[ORDO_RISK_MAX_FEATURES]; /* of each feature over the training rows */
    uint32_t n_coef;
    uint64_t n;       /* training rows */
    double rate;      /* their observed rate */
    int iterations, converged;
    /* return only: the history terms' support in the training rows (rows
     * with the term non-zero, and of them returned) and whether the term
     * was left out (coefficient 0) for want of it */
    uint64_t hist_rows[ORDO_RISK_HIST_N], hist_returned[ORDO_RISK_HIST_N];
    int hist_off[ORDO_RISK_HIST_N];
} ordo_risk_coef_t;

typedef struct ordo_risk_info {
    char version[32]; /* "risk-v2"; "" before it is saved */
    char hash[17];
    char run[256];
    int64_t created, trained_from, trained_until;
    uint64_t orders;
    double l2;
    int64_t labels_asof;               /* the run's asof (0: labels final) */
    double return_window_days, cancel_window_days;
    uint64_t immature[2];              /* training orders left out: label not mature */
    ordo_risk_support_t support;       /* the history terms' thresholds used */
} ordo_risk_info_t;

typedef struct ordo_risk_model {
    ordo_risk_info_t info;
    ordo_risk_names_t families, services;
    ordo_risk_coef_t ret, cancel;
} ordo_risk_model_t;

/* Trains both models on the run's orders decided before until (0: all)
 * whose labels are mature (ordo_risk_label_mature). ORDO_EINVAL (field
 * "return_window" / "cancel_window") when orders decided before until
 * have outcomes but none of their labels of a target is mature: no base
 * rate is substituted. */
int ordo_risk_train(const ordo_risk_run_t *run, int64_t until, double l2,
                    ordo_risk_model_t **out, ordo_error_t *err);
/* As ordo_risk_train with the history terms' minimum support (NULL: the
 * defaults). */
int ordo_risk_train_support(const ordo_risk_run_t *run, int64_t until, double l2,
                            const ordo_risk_support_t *sup, ordo_risk_model_t **out,
                            ordo_error_t *err);
/* Why history term h (0: customer_return_rate, 1: customer_known) of m is
 * off ("support 39 < 100", "returned 1 < 10") into out; 0 when it is
 * fitted. */
int ordo_risk_history_off(const ordo_risk_model_t *m, int h, char *out, size_t n);
/* "history": {"min_rows", "min_returned", and per term {"rows", "returned",
 * "disabled": why (when off)}} into an open JSON object (the model file,
 * ordo model show and eval). */
void ordo_risk_history_json(ordo_jsonw_t *w, const ordo_risk_model_t *m);
void ordo_risk_model_destroy(ordo_risk_model_t *m);
/* The column names of a target's features ("family:apparel", "late", ...). */
void ordo_risk_feature_name(const ordo_risk_model_t *m, ordo_risk_target_t t, uint32_t j,
                            char *out, size_t n);
/* The maps for ordo_risk_design_build from a run's names to the model's. */
void ordo_risk_model_maps(const ordo_risk_model_t *m, const ordo_risk_run_t *run, int *fam_map,
                          int *svc_map);

/* The engine's risk table (source.h ordo_risk_table_t, malloc'd: the
 * engine frees it) for a network: families and service levels matched by
 * name; the features the engine does not know at a decision (stock
 * margin, backorders, time to ship) at their training means; the
 * customer's history both at its mean (r_history) and as its coefficients
 * (r_rate, r_known) for the engine's own counts. */
int ordo_risk_model_table(const ordo_risk_model_t *m, const ordo_network_t *net,
                          ordo_risk_table_t **out, ordo_error_t *err);

/* DATA/models/risk-vN.json (versioned like eta-vN.json, model.c). */
int ordo_risk_model_write(const ordo_risk_model_t *m, ordo_buf_t *out);
int ordo_risk_model_parse(const char *json, size_t len, const char *name,
                          ordo_risk_model_t **out, ordo_error_t *err);
int ordo_risk_model_load(const char *path, ordo_risk_model_t **out, ordo_error_t *err);
int ordo_risk_model_save(ordo_risk_model_t *m, const char *dir, char *path, size_t n,
                         ordo_error_t *err);
int ordo_risk_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err);

/* Held-out scores of one target: learned, the training base rate, and the
 * parametric term the engine uses (has_parametric 0 when the run logged
 * none). */
typedef struct ordo_risk_score {
    double auc, brier, log_loss, ece, max_gap;
    ordo_calib_bin_t bins[10];
} ordo_risk_score_t;

typedef struct ordo_risk_eval {
    int64_t from;
    uint64_t n[2];
    ordo_risk_score_t learned[2], base_rate[2], parametric[2];
    int has_parametric[2];
    ordo_calib_acc_t acc[2]; /* the learned model's reliability table (drift) */
} ordo_risk_eval_t;

/* Scores the model on the run's orders decided at or after from (0: the
 * model's trained_until). ORDO_ENOTFOUND when none has an outcome. */
int ordo_risk_evaluate(const ordo_risk_model_t *m, const ordo_risk_run_t *run, int64_t from,
                       ordo_risk_eval_t *out, ordo_error_t *err);

/* ---- the network value of stock as a model file (netval_model.c) ----
 * Trained from a data directory (or run): demand per family x ZIP cluster
 * forecast with Holt-Winters (ordo_demand_forecast) from the orders in its
 * decision log over the next horizon_days, split over each family's SKUs by
 * their share of its units; the stock at every node from the store (the
 * network's inventory where the store has no row); per SKU, the
 * transportation LP of that demand against that stock at each node x
 * cluster's unit cost (ordo_netval_from_lp). The node duals, per (node,
 * SKU), are the file's values: DATA/models/netval-vN.json, versioned like
 * eta-vN.json. The engine reads them as its network-value table
 * (ordo_netval_model_table, ordo_engine_set_netval). */

#define ORDO_NETVAL_FORMAT "ordo-netval"
#define ORDO_NETVAL_FORMAT_VERSION 1

typedef struct ordo_netval_opts {
    uint32_t horizon_days;   /* days of demand the stock must serve (0: 7) */
    double unmet_cost;       /* USD a unit of demand left unserved (0: 30) */
    uint32_t cluster_digits; /* ZIP digits of a cluster: 1 (10, default) or 2 (100) */
} ordo_netval_opts_t;

typedef struct ordo_netval_info {
    char version[32]; /* "netval-v2"; "" before it is saved */
    char hash[17];
    char run[256];
    int64_t created, trained_from, trained_until;
    uint64_t orders;
    uint32_t horizon_days, regions, skus, nodes; /* skus, nodes: of the network */
    uint32_t lps, priced_cells, stocked_cells, series;
    double unmet_cost, units_forecast, objective;
    double mean_value, max_value; /* over stocked cells, USD a unit */
    double solve_s;               /* forecasts and LPs, wall seconds */
} ordo_netval_info_t;

typedef struct ordo_netval_entry {
    uint32_t node, sku; /* into the model's node and SKU ids */
    float value;        /* > 0 */
} ordo_netval_entry_t;

typedef struct ordo_netval_model {
    ordo_netval_info_t info;
    char (*node_ids)[ORDO_ID_MAX];
    char (*sku_ids)[ORDO_ID_MAX];
    uint32_t n_node_ids, n_sku_ids;
    ordo_netval_entry_t *v;
    size_t n;
} ordo_netval_model_t;

/* Trains on the decision log and store of the data directory dir against
 * net (its inventory: the stock where the store has no row). */
int ordo_netval_train(const char *dir, const ordo_network_t *net, const ordo_netval_opts_t *opts,
                      ordo_netval_model_t **out, ordo_error_t *err);
void ordo_netval_model_destroy(ordo_netval_model_t *m);
int ordo_netval_model_write(const ordo_netval_model_t *m, ordo_buf_t *out);
/* The content hash is checked: ORDO_ECORRUPT when it does not match. */
int ordo_netval_model_parse(const char *json, size_t len, const char *name,
                            ordo_netval_model_t **out, ordo_error_t *err);
int ordo_netval_model_load(const char *path, ordo_netval_model_t **out, ordo_error_t *err);
int ordo_netval_model_save(ordo_netval_model_t *m, const char *dir, char *path, size_t n,
                           ordo_error_t *err);
int ordo_netval_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err);
/* The engine's table for net (nodes and SKUs matched by id; cells the
 * model does not price are 0), versioned "netval-v2:1a2b3c4d". */
int ordo_netval_model_table(const ordo_netval_model_t *m, const ordo_network_t *net,
                            ordo_netval_t **out, ordo_error_t *err);
/* The unit cost node -> ZIP cluster region (digits 1: ZIP3 / 100, 2: / 10)
 * of a unit of lb: over the cluster's ZIP3s weighted by zip3_orders
 * (ORDO_ZIP3_COUNT of them; INFINITY when none is reached). Training and
 * the simulator's network-value scenario both use it. */
double ordo_netval_cluster_cost(const ordo_engine_t *eng, const double *zip3_orders,
                                uint32_t digits, uint32_t node, uint32_t region, double lb);

/* ---- drift of the risk models (risk_drift.c; docs/models.md "Drift") ----
 * The calibration of P(return) and P(cancel) on live outcomes, kept as
 * outcomes arrive (ordo serve, POST /v1/outcomes) from the predictions the
 * decision records logged (plan totals return_risk and risk.cancel_prob).
 * An order counts once its label is known: cancellation when it is
 * cancelled (1) or delivered (0). Return: a delivered order waits in its
 * delivery day's table until the return window has passed (the latest
 * outcome time is return_days later: the model file's return
 * label_window_days, rounded up, at most ORDO_RISK_DRIFT_MAX_RETURN_DAYS;
 * ORDO_RISK_DRIFT_RETURN_DAYS when the file has none), so recent deliveries
 * whose returns are still on their way do not read as kept; a return
 * arriving after that moves the order from 0 to 1. Outcome times are
 * taken in order: a label known at or before the latest outcome time
 * already counted (a late feed) is not counted. */

#define ORDO_RISK_DRIFT_BOUND 0.03 /* ~3 binomial sd at p 0.1, n 1000 */
#define ORDO_RISK_DRIFT_MIN_N 1000
#define ORDO_RISK_DRIFT_RETURN_DAYS 30 /* the return window when the model names none */
#define ORDO_RISK_DRIFT_MAX_RETURN_DAYS 90 /* the longest return window tracked */
#define ORDO_RISK_DRIFT_FILE "risk-drift.json" /* in DATA/models */

typedef struct ordo_risk_drift {
    char model[32], hash[17]; /* the risk model the predictions came from */
    uint64_t seq;             /* the store's outcome change seq read up to */
    int64_t watermark;        /* the latest outcome event time counted */
    int64_t updated_at;
    int32_t return_days;     /* the return window (days; 0: ORDO_RISK_DRIFT_RETURN_DAYS) */
    ordo_calib_acc_t acc[2]; /* by ordo_risk_target_t; returns: matured only */
    /* deliveries of UTC days after matured_day, by day % (RETURN_DAYS + 1) */
    int64_t matured_day;
    int64_t pending_day[ORDO_RISK_DRIFT_MAX_RETURN_DAYS + 1]; /* 0: free */
    ordo_calib_acc_t pending[ORDO_RISK_DRIFT_MAX_RETURN_DAYS + 1];
} ordo_risk_drift_t;

/* The return window (whole days) of a model whose file gives the return
 * label_window_days w: w rounded up, within [1, ORDO_RISK_DRIFT_MAX_RETURN_DAYS];
 * ORDO_RISK_DRIFT_RETURN_DAYS when w is not positive (a file without it). */
int32_t ordo_risk_drift_return_days(double w);
/* Moves a state to the return window days (ordo_risk_drift_return_days):
 * pending delivery days the new window has passed join the return table,
 * the others move to their slot under it (a state file of an older ordo
 * has no window: it was kept under ORDO_RISK_DRIFT_RETURN_DAYS). */
void ordo_risk_drift_set_window(ordo_risk_drift_t *d, int32_t days);

/* Counts one order's outcome (s) against the predictions its decision
 * logged (NAN: none) for the labels that became known after from (the
 * previous watermark; events at or before it were counted then). */
struct ordo_outcome_summary; /* store.h */
void ordo_risk_drift_observe(ordo_risk_drift_t *d, double p_return, double p_cancel,
                             const struct ordo_outcome_summary *s, int64_t from);
/* After a batch: the watermark moves to t and the delivery days the return
 * window has passed join the return table. */
void ordo_risk_drift_advance(ordo_risk_drift_t *d, int64_t t);
/* Deliveries whose return label is not mature yet. */
uint64_t ordo_risk_drift_pending(const ordo_risk_drift_t *d);
/* The drift check of one target of the state. */
void ordo_risk_drift_check(const ordo_risk_drift_t *d, ordo_risk_target_t t, double bound,
                           uint64_t min_n, int64_t now, ordo_model_drift_t *out);
/* DATA/models/risk-drift.json, written atomically; the tables in full so a
 * restart carries on. ORDO_ENOENT when there is none. */
int ordo_risk_drift_write(const char *models_dir, const ordo_risk_drift_t *d, ordo_error_t *err);
int ordo_risk_drift_read(const char *models_dir, ordo_risk_drift_t *d, ordo_error_t *err);

/* ---- training from a run, for `ordo model train` and the simulator ---- */

#define ORDO_MODEL_KIND_ETA 1u
#define ORDO_MODEL_KIND_RISK 2u
#define ORDO_MODEL_KIND_ALL 3u /* eta and risk */
#define ORDO_MODEL_KIND_NETVAL 4u /* the network value of stock (not in ALL) */

typedef struct ordo_model_train_opts {
    unsigned kinds;         /* ORDO_MODEL_KIND_* bits; 0: all */
    double holdout;         /* last share of the decisions' span held out */
    const char *models_dir; /* NULL: DIR/models */
    ordo_eta_params_t eta;  /* shrinkage */
    double risk_l2;         /* 0: 1 */
    int64_t until;          /* > 0: train on the decisions before this instant
                             * (Unix seconds), not on a holdout split */
    const ordo_netval_opts_t *netval; /* NULL: the defaults */
    double return_window_days; /* > 0: a return label counts this long after
                                * delivery; 0: the run's 95th percentile */
    ordo_risk_support_t risk_support; /* the history terms' minimum support (0: defaults) */
} ordo_model_train_opts_t;

typedef struct ordo_model_train_result {
    char eta_path[4096], risk_path[4096]; /* "" when that kind was not trained */
    ordo_eta_info_t eta;
    ordo_risk_info_t risk;
    uint64_t risk_rows[2];
    /* read_s, join_s: the one pass over the run (its log read, its outcomes
     * joined) that the ETA and the risk models share; risk_read_s: the risk
     * data's own preparation after it (customers, time to ship, label
     * windows), and the pass too when the risk model is trained alone
     * (read_s and join_s 0 then) */
    double read_s, join_s, eta_train_s, risk_read_s, risk_train_s;
    char netval_path[4096]; /* "" when not trained */
    ordo_netval_info_t netval;
} ordo_model_train_result_t;

void ordo_model_train_opts_default(ordo_model_train_opts_t *o);
/* Trains the models of opts->kinds (opts NULL: the defaults) on the run in
 * dir and saves each as the next version in the models directory. net (the
 * run's network) is needed for the ETA and network-value models only. The ETA and risk
 * models read the run in one pass (each record parsed once). Both models hold out
 * the same tail: from the ETA split, else the start of the UTC day at
 * (1 - holdout) of the decisions' span. */
int ordo_model_train_run(const char *dir, const ordo_network_t *net,
                         const ordo_model_train_opts_t *opts, ordo_model_train_result_t *res,
                         ordo_error_t *err);

#endif
