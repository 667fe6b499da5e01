/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the learned models it decides with (docs/models.md, "In
 * ordo serve"): server.models.eta names the ETA model, server.models.risk
 * the return and cancellation risk model, server.models.netval the network
 * value of stock ("latest", a version, a file);
 * they are loaded at start, and again on SIGHUP or POST /v1/models/reload.
 * Loading reads and checks the files on the caller's thread, then swaps
 * the engine's tables atomically (ordo_engine_set_lanes,
 * ordo_engine_set_risk, ordo_engine_set_netval): the decision thread never waits for it, and a
 * reload where one model fails swaps neither.
 * GET /v1/models and /metrics show the loaded versions and their drift. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* What differs between the kinds of model: the rest is shared. */
typedef struct model_kind {
    const char *name;      /* "eta": the file prefix and the JSON kind */
    const char *key;       /* "server.models.eta" */
    size_t cfg_off;        /* of the key's value in ordo_config_t */
    const char *rows_key;  /* the JSON name of slot.rows */
    int (*latest)(const char *dir, char *path, size_t n, ordo_error_t *err);
    /* Reads the file into the engine's table (*table) and the slot. */
    int (*load)(const ordo_server_t *s, const char *path, srv_model_slot_t *slot, void **table,
                ordo_error_t *err);
    void (*install)(ordo_engine_t *eng, void *table); /* the engine takes it; NULL: none */
    void (*discard)(void *table);
} model_kind_t;

static int eta_load(const ordo_server_t *s, const char *path, srv_model_slot_t *slot,
                    void **table, ordo_error_t *err)
{
    ordo_eta_model_t *model;
    int rc = ordo_eta_model_load(s->net, path, &model, err);
    if (rc)
        return rc;
    if (!(*table = ordo_eta_model_take_lanes(model)))
        rc = ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    const ordo_eta_info_t *in = ordo_eta_model_info(model);
    snprintf(slot->version, sizeof slot->version, "%s", in->version);
    snprintf(slot->hash, sizeof slot->hash, "%s", in->hash);
    slot->trained_until = in->trained_until;
    slot->rows = in->shipments;
    slot->lanes = in->lanes;
    ordo_eta_model_destroy(model);
    return rc;
}

static void eta_install(ordo_engine_t *eng, void *table)
{
    ordo_engine_set_lanes(eng, table);
}

static void eta_discard(void *table)
{
    ordo_lanes_destroy(table);
}

static int risk_load(const ordo_server_t *s, const char *path, srv_model_slot_t *slot,
                     void **table, ordo_error_t *err)
{
    ordo_risk_model_t *model;
    ordo_risk_table_t *t = NULL;
    int rc = ordo_risk_model_load(path, &model, err);
    if (rc)
        return rc;
    rc = ordo_risk_model_table(model, s->net, &t, err);
    *table = t;
    snprintf(slot->version, sizeof slot->version, "%s", model->info.version);
    snprintf(slot->hash, sizeof slot->hash, "%s", model->info.hash);
    slot->trained_until = model->info.trained_until;
    slot->rows = model->info.orders;
    slot->return_days = ordo_risk_drift_return_days(model->info.return_window_days);
    ordo_risk_model_destroy(model);
    return rc;
}

static void risk_install(ordo_engine_t *eng, void *table)
{
    ordo_engine_set_risk(eng, table);
}

static int netval_load(const ordo_server_t *s, const char *path, srv_model_slot_t *slot,
                       void **table, ordo_error_t *err)
{
    ordo_netval_model_t *model;
    ordo_netval_t *t = NULL;
    int rc = ordo_netval_model_load(path, &model, err);
    if (rc)
        return rc;
    rc = ordo_netval_model_table(model, s->net, &t, err);
    *table = t;
    snprintf(slot->version, sizeof slot->version, "%s", model->info.version);
    snprintf(slot->hash, sizeof slot->hash, "%s", model->info.hash);
    slot->trained_until = model->info.trained_until;
    slot->rows = model->info.orders;
    ordo_netval_model_destroy(model);
    return rc;
}

static void netval_install(ordo_engine_t *eng, void *table)
{
    ordo_engine_set_netval(eng, table);
}

static void netval_discard(void *table)
{
    ordo_netval_destroy(table);
}

static const model_kind_t kinds[SRV_MODEL_KINDS] = {
    [SRV_MODEL_ETA] = {"eta", "server.models.eta", offsetof(ordo_config_t, server.model_eta),
                       "shipments", ordo_eta_model_latest, eta_load, eta_install, eta_discard},
    [SRV_MODEL_RISK] = {"risk", "server.models.risk", offsetof(ordo_config_t, server.model_risk),
                        "orders", ordo_risk_model_latest, risk_load, risk_install, free},
    [SRV_MODEL_NETVAL] = {"netval", "server.models.netval",
                          offsetof(ordo_config_t, server.model_netval), "orders",
                          ordo_netval_model_latest, netval_load, netval_install, netval_discard},
};

/* The models directory: server.models.dir, else DATA/models. */
static int models_dir(const ordo_server_t *s, char *out, size_t n, ordo_error_t *err)
{
    if (s->cfg.server.models_dir[0]) {
        snprintf(out, n, "%s", s->cfg.server.models_dir);
        return ORDO_OK;
    }
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, s->data_dir, err);
    if (rc == ORDO_OK)
        snprintf(out, n, "%s", dd.models);
    return rc;
}

int srv_models_dir(const ordo_server_t *s, char *out, size_t n, ordo_error_t *err)
{
    return models_dir(s, out, n, err);
}

/* server.models.<kind> → a file: latest, a version in the directory, a path. */
static int resolve(const ordo_server_t *s, const model_kind_t *k, const char *want, char *path,
                   size_t n, ordo_error_t *err)
{
    char dir[ORDO_CONFIG_PATH_MAX];
    int rc = models_dir(s, dir, sizeof dir, err);
    if (rc)
        return rc;
    if (!strcmp(want, "latest")) {
        rc = k->latest(dir, path, n, err);
        if (rc == ORDO_ENOENT)
            ordo_error_set(err, rc, dir, 0, k->key,
                           "no %s-vN.json in the models directory (ordo model train)", k->name);
        return rc;
    }
    if (!strchr(want, '/') && !strstr(want, ".json"))
        snprintf(path, n, "%s/%s.json", dir, want);
    else
        snprintf(path, n, "%s", want);
    return ORDO_OK;
}

/* The configured model of a kind into slot and *table; nothing when the
 * key is unset. */
static int prepare(const ordo_server_t *s, const model_kind_t *k, srv_model_slot_t *slot,
                   void **table, ordo_error_t *err)
{
    const char *want = (const char *)&s->cfg + k->cfg_off;
    if (!want[0])
        return ORDO_OK;
    int rc = resolve(s, k, want, slot->path, sizeof slot->path, err);
    if (rc == ORDO_OK)
        rc = k->load(s, slot->path, slot, table, err);
    slot->loaded = rc == ORDO_OK;
    return rc;
}

int srv_models_init(ordo_server_t *s)
{
    return pthread_mutex_init(&s->models.lock, NULL) ? ORDO_ENOMEM : ORDO_OK;
}

void srv_models_free(ordo_server_t *s)
{
    srv_drift_free(s);
    pthread_mutex_destroy(&s->models.lock);
}

/* Loads the configured models and swaps them all in; a failure leaves the
 * models in force as they were. Reloads run one at a time. */
int srv_models_reload(ordo_server_t *s, ordo_error_t *err)
{
    srv_models_t *m = &s->models;
    pthread_mutex_lock(&m->lock);
    srv_model_slot_t got[SRV_MODEL_KINDS] = {0};
    void *table[SRV_MODEL_KINDS] = {0};
    int rc = ORDO_OK;
    for (int k = 0; k < SRV_MODEL_KINDS && rc == ORDO_OK; k++)
        rc = prepare(s, &kinds[k], &got[k], &table[k], err);
    m->reloads++;
    if (rc == ORDO_OK) {
        for (int k = 0; k < SRV_MODEL_KINDS; k++)
            kinds[k].install(s->eng, table[k]);
        memcpy(m->slot, got, sizeof got);
        m->loaded_at = ordo_now_unix();
        srv_drift_model(s, &m->slot[SRV_MODEL_RISK]);
    } else {
        for (int k = 0; k < SRV_MODEL_KINDS; k++)
            kinds[k].discard(table[k]);
        m->failures++;
        snprintf(m->last_error, sizeof m->last_error, "%s", err && err->msg[0] ? err->msg
                                                                                 : ordo_strerror(rc));
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* "eta eta-v2, risk risk-v1": the loaded models, "none" when none. */
void srv_models_describe(ordo_server_t *s, char *out, size_t n)
{
    pthread_mutex_lock(&s->models.lock);
    size_t at = 0;
    out[0] = 0;
    for (int k = 0; k < SRV_MODEL_KINDS && at < n; k++)
        if (s->models.slot[k].loaded)
            at += (size_t)snprintf(out + at, n - at, "%s%s %s", at ? ", " : "", kinds[k].name,
                                   s->models.slot[k].version);
    if (!out[0])
        snprintf(out, n, "none");
    pthread_mutex_unlock(&s->models.lock);
}

/* A copy of the state, taken under the lock. */
static void models_snapshot(ordo_server_t *s, srv_models_t *out)
{
    pthread_mutex_lock(&s->models.lock);
    memcpy(out, &s->models, sizeof *out);
    pthread_mutex_unlock(&s->models.lock);
}

/* The drift check `ordo model show --data` saved, when it is the loaded
 * ETA model's (same version and hash). */
static bool loaded_drift(ordo_server_t *s, const srv_model_slot_t *eta, ordo_eta_drift_t *d)
{
    char dir[ORDO_CONFIG_PATH_MAX];
    if (!eta->loaded || models_dir(s, dir, sizeof dir, NULL) || ordo_eta_drift_read(dir, d, NULL))
        return false;
    return !strcmp(d->model, eta->version) && !strcmp(d->hash, eta->hash);
}

/* The ETA model's lanes and drift, with a retrain suggestion on alarm. */
static void eta_extra_json(ordo_server_t *s, const srv_model_slot_t *eta, ordo_jsonw_t *w)
{
    ordo_jsonw_kint(w, "lanes", (int64_t)eta->lanes);
    ordo_eta_drift_t d;
    ordo_jsonw_key(w, "drift");
    bool have = loaded_drift(s, eta, &d);
    if (have)
        ordo_eta_drift_json(&d, w);
    else
        ordo_jsonw_null(w);
    if (have && d.alarm) {
        char cmd[ORDO_CONFIG_PATH_MAX + 64];
        snprintf(cmd, sizeof cmd, "ordo model train --run %s", s->data_dir);
        ordo_jsonw_kstr(w, "suggestion", cmd);
    }
}

static void model_json(ordo_server_t *s, int k, const srv_model_slot_t *slot, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "kind", kinds[k].name);
    ordo_jsonw_kstr(w, "config", (const char *)&s->cfg + kinds[k].cfg_off);
    ordo_jsonw_kstr(w, "version", slot->version);
    ordo_jsonw_kstr(w, "hash", slot->hash);
    ordo_jsonw_kstr(w, "file", slot->path);
    char t[32];
    ordo_jsonw_kstr(w, "trained_until",
                    slot->trained_until ? ordo_time_format(slot->trained_until, t, sizeof t)
                                        : NULL);
    ordo_jsonw_kint(w, kinds[k].rows_key, (int64_t)slot->rows);
    if (k == SRV_MODEL_ETA)
        eta_extra_json(s, slot, w);
    if (k == SRV_MODEL_RISK)
        srv_drift_json(s, w);
    ordo_jsonw_obj_end(w);
}

/* {"models":[...], "loaded_at", "reloads", "failures", "last_error"} */
static void models_json(ordo_server_t *s, ordo_buf_t *out)
{
    srv_models_t m;
    models_snapshot(s, &m);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "models");
    ordo_jsonw_arr_begin(&w);
    for (int k = 0; k < SRV_MODEL_KINDS; k++)
        if (m.slot[k].loaded)
            model_json(s, k, &m.slot[k], &w);
    ordo_jsonw_arr_end(&w);
    char t[32];
    ordo_jsonw_kstr(&w, "loaded_at", m.loaded_at ? ordo_time_format(m.loaded_at, t, sizeof t) : NULL);
    ordo_jsonw_kint(&w, "reloads", (int64_t)m.reloads);
    ordo_jsonw_kint(&w, "failures", (int64_t)m.failures);
    if (m.last_error[0])
        ordo_jsonw_kstr(&w, "last_error", m.last_error);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
}

int srv_h_models(ordo_server_t *s, srv_req_t *r)
{
    models_json(s, &r->out);
    return 0;
}

int srv_h_models_reload(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    int rc = srv_models_reload(s, &err);
    if (rc)
        return srv_error_from(r, rc, &err);
    models_json(s, &r->out);
    return 0;
}

/* Label-safe copy of a version or hash (letters, digits, '-', '.'). */
static const char *label_safe(const char *v, char *out, size_t n)
{
    size_t i = 0;
    for (; v[i] && i + 1 < n; i++)
        out[i] = (v[i] == '"' || v[i] == '\\' || v[i] == '\n') ? '_' : v[i];
    out[i] = 0;
    return out;
}

void srv_models_metrics(ordo_server_t *s, ordo_buf_t *b)
{
    srv_models_t m;
    models_snapshot(s, &m);
    ordo_buf_printf(b, "# HELP ordo_model_reloads_total Model loads (start, SIGHUP, POST "
                       "/v1/models/reload).\n# TYPE ordo_model_reloads_total counter\n"
                       "ordo_model_reloads_total %llu\n"
                       "# HELP ordo_model_reload_failures_total Loads that failed (the models "
                       "in force stayed).\n# TYPE ordo_model_reload_failures_total counter\n"
                       "ordo_model_reload_failures_total %llu\n",
                    (unsigned long long)m.reloads, (unsigned long long)m.failures);
    bool any = false;
    for (int k = 0; k < SRV_MODEL_KINDS; k++)
        any |= m.slot[k].loaded;
    if (!any)
        return;
    char v[40], h[20];
    ordo_buf_puts(b, "# HELP ordo_model_loaded 1 for each model decisions use, by version.\n"
                     "# TYPE ordo_model_loaded gauge\n");
    for (int k = 0; k < SRV_MODEL_KINDS; k++)
        if (m.slot[k].loaded)
            ordo_buf_printf(b, "ordo_model_loaded{kind=\"%s\",version=\"%s\",hash=\"%s\"} 1\n",
                            kinds[k].name, label_safe(m.slot[k].version, v, sizeof v),
                            label_safe(m.slot[k].hash, h, sizeof h));
    ordo_buf_puts(b, "# HELP ordo_model_loaded_timestamp_seconds When it was loaded.\n"
                     "# TYPE ordo_model_loaded_timestamp_seconds gauge\n");
    for (int k = 0; k < SRV_MODEL_KINDS; k++)
        if (m.slot[k].loaded)
            ordo_buf_printf(b,
                            "ordo_model_loaded_timestamp_seconds{kind=\"%s\",version=\"%s\"} "
                            "%lld\n",
                            kinds[k].name, label_safe(m.slot[k].version, v, sizeof v),
                            (long long)m.loaded_at);
}
