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
 *    all nodes.
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
#include "json.h"
#include "lanes.h"
#include "network.h"

#define ORDO_ETA_FORMAT "ordo-eta"
#define ORDO_ETA_FORMAT_VERSION 1

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
    uint8_t after_cutoff;  /* decided at or after the node's cutoff hour */
    uint8_t load_bucket;   /* ordo_lanes_load_bucket of the node's load then */
    double logged_on_time; /* P(on time) the decision logged; NAN: none */
} ordo_eta_obs_t;

/* The node's local day and hour of instant t, and whether t is at or after
 * its cutoff (the node's time zone: its own, else its ZIP's). */
typedef struct ordo_eta_clock ordo_eta_clock_t;
int ordo_eta_clock_new(const ordo_network_t *net, ordo_eta_clock_t **out, ordo_error_t *err);
void ordo_eta_clock_destroy(ordo_eta_clock_t *c);
int32_t ordo_eta_clock_day(const ordo_eta_clock_t *c, uint32_t node, int64_t t, bool *after_cutoff);

/* The learned quantities of an observation (< 0 when unknown): carrier
 * delivery days from the ship day to the delivery day (capped at 15), and
 * working days (Mon-Fri) from the order's day to the ship day (capped at 7). */
int ordo_eta_obs_transit(const ordo_network_t *net, const ordo_eta_obs_t *o);
int ordo_eta_obs_delay(const ordo_eta_obs_t *o);
/* The ship-day class of a shipped observation (ordo_lanes_ship_class). */
int ordo_eta_obs_class(const ordo_network_t *net, const ordo_eta_obs_t *o);

/* Shrinkage strengths (pseudo-observations of the level above). */
typedef struct ordo_eta_params {
    double k_lane;   /* lane toward its region (default 30) */
    double k_region; /* region toward the published histogram (default 10) */
    double k_proc;   /* processing row toward the node, node toward all (default 20) */
} ordo_eta_params_t;
void ordo_eta_params_default(ordo_eta_params_t *p);
/* "params": {"k_lane", "k_region", "k_proc"}, as model files and ordo
 * model show write them. */
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

/* ---- training data (eta_data.c): decisions joined with outcomes ---- */

/* A data directory's (or simulation run's) decision records, one
 * observation per shipment, with ship and delivery days from its outcome
 * events: what `ordo model train` trains on. */
typedef struct ordo_eta_data {
    const ordo_network_t *net; /* the caller's, outlives the data */
    ordo_eta_obs_t *obs;
    size_t n_obs, cap_obs;
    uint64_t orders_joined; /* decisions with outcome events */
    double read_s, join_s;  /* seconds reading the log, joining outcomes */
    /* private */
    ordo_eta_clock_t *clock;
    struct ordo_arena *ids;
    struct dec *dec;
    size_t n_dec, cap_dec; /* decisions read */
    int32_t *load_day;     /* per node: the local day load_units counts */
    double *load_units;
} ordo_eta_data_t;

/* Reads DATA/log and DATA's store against net; *d is freed by
 * ordo_eta_data_free also on an error. */
int ordo_eta_data_load(const ordo_network_t *net, const char *data, ordo_eta_data_t *d,
                       ordo_error_t *err);
void ordo_eta_data_free(ordo_eta_data_t *d);
/* The start of the UTC day at (1 - holdout) of the observations' time span
 * (0: train on all), the training cut of `ordo model train --holdout`. */
int64_t ordo_eta_data_split(const ordo_eta_data_t *d, double holdout);

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

/* ---- evaluation (eta_eval.c) ---- */

#define ORDO_ETA_DECILES 10

typedef struct ordo_eta_reliability {
    uint64_t n[ORDO_ETA_DECILES];
    double sum_p[ORDO_ETA_DECILES], sum_y[ORDO_ETA_DECILES];
    double brier_sum;
    uint64_t total;
} ordo_eta_reliability_t;

typedef struct ordo_eta_pinball {
    double p50, p90; /* mean loss */
    uint64_t n;
} ordo_eta_pinball_t;

typedef struct ordo_eta_eval {
    int64_t from, until;       /* held-out decisions: time in [from, until] */
    uint64_t shipments;        /* held-out shipments scored */
    ordo_eta_reliability_t model, logged; /* on-time: learned vs the logged P */
    double p90_coverage;       /* share delivered by the p90 ETA (integer days) */
    double p90_pit_coverage;   /* the same with the nonrandomized PIT (discrete) */
    double p90_claimed;        /* mean model P(delivered by its p90 ETA) */
    uint64_t coverage_n;
    /* transit given the ship day, per lane: learned, carrier histogram,
     * the lane's recent weekday mode */
    ordo_eta_pinball_t lane_model, lane_carrier, lane_weekday_mode;
} ordo_eta_eval_t;

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

/* ---- drift (eta_drift.c): calibration on outcomes after training ---- */

#define ORDO_ETA_DRIFT_BOUND 0.02 /* 2 points of probability */
#define ORDO_ETA_DRIFT_MIN_N 1000 /* predictions a decile needs to count */
#define ORDO_ETA_DRIFT_FILE "drift.json" /* in DATA/models */

typedef struct ordo_eta_drift {
    char model[32], hash[17];
    int64_t checked_at;       /* Unix seconds */
    uint64_t predictions;     /* on-time predictions scored (outcomes after training) */
    double calibration_error; /* worst decile with >= min_n predictions; NAN: none has */
    double mean_error;        /* |mean prediction - observed rate| over all */
    double brier;
    double bound;
    uint64_t min_n;
    bool alarm; /* either error above bound (the mean one once >= min_n predictions) */
} ordo_eta_drift_t;

/* The drift state of a model from its scores on outcomes after training. */
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
void ordo_eta_reliability_add(ordo_eta_reliability_t *r, double p, bool y);
/* max over deciles with >= min_n predictions of |mean p - observed rate| */
double ordo_eta_calibration_error(const ordo_eta_reliability_t *r, uint64_t min_n);
double ordo_eta_brier(const ordo_eta_reliability_t *r);

#endif
