/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the model module's internals shared by src/model files. */
#ifndef ORDO_MODEL_INTERNAL_H
#define ORDO_MODEL_INTERNAL_H

#include "ordo/model.h"
#include "ordo/record.h"
#include "ordo/store.h"

/* levels: a lane (node, service, ZIP3); its destination (service, zone,
 * ZIP3) over all nodes; the destination's region (service, zone, census
 * region) and its (service, zone) (region ETA_ALL_REGIONS), pooled */
enum { ETA_LANE = 0, ETA_DEST = 1, ETA_PROC = 2, ETA_POOL = 3, ETA_POOL_ALL = 4, ETA_SLOT = 5 };
#define ETA_ALL_REGIONS ORDO_GEO_REGIONS
/* classes of the transit keys: ship-day class | rural << 1 */
#define ETA_CLASSES (ORDO_LANE_CLASSES * ORDO_LANE_RURAL)

/* One learned cell of a level: its key, counts and shrunk pmf (transit:
 * ORDO_TRANSIT_DAYS entries used; processing: ORDO_LANE_PROC_DAYS). */
typedef struct eta_entry {
    uint64_t key;
    uint32_t n;
    uint32_t count[ORDO_TRANSIT_DAYS];
    double pmf[ORDO_TRANSIT_DAYS];
} eta_entry_t;

struct ordo_eta_model {
    const ordo_network_t *net;
    ordo_eta_info_t info;
    /* sorted by key (eta_key): lanes, destinations, processing
     * (node·2 + after_cutoff)·BUCKETS + bucket, pooled */
    eta_entry_t *lanes, *dests, *proc, *pool;
    uint32_t n_lanes, n_dests, n_proc, n_pool;
    /* processing per cutoff slot, sorted by key
     * ((node·2 + after_cutoff)·ORDO_ETA_SLOTS + slot)·BUCKETS + bucket
     * (none in a format_version 1 file), and the same dense (built):
     * NULL rows where the slot has no data (the cutoff row applies) */
    eta_entry_t *slot;
    uint32_t n_slot;
    const double **slot_row;
    ordo_lanes_t *table; /* built from the entries (eta_model_build) */
    /* transit rows keyed by the destination's rurality (format_version 4);
     * 0: an older file, whose rows serve rural and urban alike */
    bool rural;
};

typedef struct eta_train {
    const ordo_network_t *net;
    const ordo_eta_obs_t *obs;
    size_t n;
    int64_t until;
} eta_train_t;

/* lanes ((node·S + service)·1000 + zip3)·4 + class; destinations
 * ((service·ZONES + zone − 1)·1000 + zip3)·4 + class;
 * pooled ((service·ZONES + zone − 1)·(REGIONS + 1) + region)·4 + class
 * (class: ship-day class | rural << 1, ETA_CLASSES) */
uint64_t eta_key(const ordo_network_t *net, int level, uint32_t node, uint32_t service,
                 uint16_t zip3, int cls);
int eta_zip3_region(const ordo_network_t *net, uint16_t zip3);
const eta_entry_t *eta_find(const eta_entry_t *e, uint32_t n, uint64_t key);
ordo_eta_model_t *eta_model_new(const ordo_network_t *net);
/* The lane table and the content hash from the entries. */
int eta_model_build(ordo_eta_model_t *m, ordo_error_t *err);
void eta_train_span(ordo_eta_model_t *m, const ordo_eta_obs_t *obs, size_t n, int64_t until);
uint64_t eta_content_hash(const ordo_eta_model_t *m);
/* The index of a slot key in the dense rows. */
static inline size_t eta_slot_index(uint32_t node, int after_cutoff, int slot, int bucket)
{
    return (((size_t)node * 2 + (after_cutoff ? 1 : 0)) * ORDO_ETA_SLOTS + (size_t)slot) *
               ORDO_LANE_LOAD_BUCKETS +
           (size_t)bucket;
}

/* Versioned model files PREFIX-vN.json (model.c): the newest; the next
 * version's name and path (dir created); writing it atomically (rc: the
 * serialiser's result). */
int model_latest(const char *dir, const char *prefix, char *path, size_t n, ordo_error_t *err);
int model_next_version(const char *dir, const char *prefix, char *version, size_t vn, char *path,
                       size_t n, ordo_error_t *err);
int model_write_new(const char *path, const ordo_buf_t *b, int rc, ordo_error_t *err);
/* ORDO_ECORRUPT naming file name when the content hash a file carries
 * (was) differs from the one its content gives (now). */
int model_hash_check(const char *name, const char *was, const char *now, ordo_error_t *err);
/* Head fields every model file carries (model.c). */
void model_write_time(ordo_jsonw_t *w, const char *key, int64_t t);
struct cJSON;
double model_num(const struct cJSON *o, const char *key, double dflt);
void model_str_into(const struct cJSON *o, const char *key, char *out, size_t n);
int64_t model_time_of(const struct cJSON *o, const char *key);
/* The head of a model file: "format" (format_version 1 .. newest, newest
 * 0: 1; what names the kind in the error; *got gets it when got is not
 * NULL), then version, hash (17 bytes), run and the times. */
typedef struct model_head {
    char *version;
    size_t version_n;
    char *hash, *run;
    size_t run_n;
    int64_t *created, *from, *until;
    int newest, *got;
} model_head_t;
/* Writes the head (format, format_version 1, version, hash, created, run,
 * orders, trained_from, trained_until) into an open object. */
typedef struct model_head_out {
    const char *format, *version, *hash, *run;
    int64_t created, from, until;
    uint64_t orders;
} model_head_out_t;
void model_write_head(ordo_jsonw_t *w, const model_head_out_t *h);
int model_read_head(const struct cJSON *root, const char *format, const char *what,
                    const char *name, const model_head_t *h, ordo_error_t *err);
/* A drift state file in a models directory (eta_drift.c): the JSON object
 * w holds (closed here) written atomically with a newline; read back into
 * *root (cJSON_Delete it), with its model and hash. */
int model_state_write(const char *models_dir, const char *file, ordo_jsonw_t *w, ordo_buf_t *b,
                      ordo_error_t *err);
int model_state_read(const char *models_dir, const char *file, struct cJSON **root,
                     char model[32], char hash[17], ordo_error_t *err);

/* ---- reading a run once for every model (run_read.c) ---- */

#define MODEL_RUN_MAX_SINKS 2
/* One model's training data, built from what the run's reader shows it.
 *  record:  a decision record (not a shadow, with a plan, a time and an
 *           order id); *row (UINT32_MAX on entry) gets the row the sink
 *           keeps it as, left UINT32_MAX when it keeps none; ORDO_ENOMEM.
 *  outcome: the outcome of a kept row's order (an order decided more than
 *           once: its latest decision's row alone), in the store's order. */
typedef struct model_run_sink {
    void *ctx;
    int (*record)(void *ctx, const ordo_record_t *r, uint32_t *row);
    void (*outcome)(void *ctx, uint32_t row, const ordo_outcome_summary_t *s,
                    const ordo_shipment_outcome_t *sh, size_t n);
} model_run_sink_t;
/* The run's log once, each decision parsed once and shown to every sink,
 * then its store's outcomes once; *read_s and *join_s (may be NULL) the
 * two passes' wall time. 1 to MODEL_RUN_MAX_SINKS sinks. */
int model_run_read(const char *dir, model_run_sink_t *sinks, int n_sinks, double *read_s,
                   double *join_s, ordo_error_t *err);

/* The ETA model's sink (eta_run.c): made, shown the run, then finished
 * into *out (which owns the shipments; the reader is freed, as by
 * eta_run_reader_free when the read failed). */
typedef struct eta_run_reader eta_run_reader_t;
int eta_run_reader_new(const ordo_network_t *net, eta_run_reader_t **out, ordo_error_t *err);
model_run_sink_t eta_run_reader_sink(eta_run_reader_t *r);
void eta_run_reader_finish(eta_run_reader_t *r, ordo_eta_run_t *out);
void eta_run_reader_free(eta_run_reader_t *r);

/* The risk models' sink (risk_data.c) filling run: made, shown the run,
 * then finished (the customers, what the engine knew at each decision,
 * asof and the label windows; the reader freed either way). */
typedef struct risk_run_reader risk_run_reader_t;
int risk_run_reader_new(ordo_risk_run_t *run, risk_run_reader_t **out, ordo_error_t *err);
model_run_sink_t risk_run_reader_sink(risk_run_reader_t *r);
int risk_run_reader_finish(risk_run_reader_t *r, const char *dir, ordo_error_t *err);
void risk_run_reader_free(risk_run_reader_t *r);

#endif
