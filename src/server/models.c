/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the learned models it decides with (docs/models.md, "In
 * ordo serve"): server.models.eta names the ETA model ("latest", a version,
 * a file); it is loaded at start, and again on SIGHUP or POST
 * /v1/models/reload. Loading reads and checks the file on the caller's
 * thread, then swaps the engine's lane table atomically
 * (ordo_engine_set_lanes): the decision thread never waits for it.
 * GET /v1/models and /metrics show the loaded versions and their drift. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

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

/* server.models.eta → a file: latest, a version in the directory, a path. */
static int resolve_eta(const ordo_server_t *s, char *path, size_t n, ordo_error_t *err)
{
    const char *want = s->cfg.server.model_eta;
    char dir[ORDO_CONFIG_PATH_MAX];
    int rc = models_dir(s, dir, sizeof dir, err);
    if (rc)
        return rc;
    if (!strcmp(want, "latest")) {
        rc = ordo_eta_model_latest(dir, path, n, err);
        if (rc == ORDO_ENOENT)
            ordo_error_set(err, rc, dir, 0, "server.models.eta",
                           "no eta-vN.json in the models directory (ordo model train)");
        return rc;
    }
    if (!strchr(want, '/') && !strstr(want, ".json"))
        snprintf(path, n, "%s/%s.json", dir, want);
    else
        snprintf(path, n, "%s", want);
    return ORDO_OK;
}

int srv_models_init(ordo_server_t *s)
{
    return pthread_mutex_init(&s->models.lock, NULL) ? ORDO_ENOMEM : ORDO_OK;
}

void srv_models_free(ordo_server_t *s)
{
    pthread_mutex_destroy(&s->models.lock);
}

/* Loads the configured models and swaps them in; a failure leaves the
 * models in force as they were. Reloads run one at a time. */
int srv_models_reload(ordo_server_t *s, ordo_error_t *err)
{
    srv_models_t *m = &s->models;
    pthread_mutex_lock(&m->lock);
    char path[ORDO_CONFIG_PATH_MAX + 64];
    ordo_eta_model_t *model = NULL;
    ordo_lanes_t *lanes = NULL;
    int rc = ORDO_OK;
    if (s->cfg.server.model_eta[0]) {
        rc = resolve_eta(s, path, sizeof path, err);
        if (rc == ORDO_OK)
            rc = ordo_eta_model_load(s->net, path, &model, err);
        if (rc == ORDO_OK && !(lanes = ordo_eta_model_take_lanes(model)))
            rc = ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    }
    m->reloads++;
    if (rc == ORDO_OK) {
        if (model) {
            m->eta = *ordo_eta_model_info(model);
            snprintf(m->eta_path, sizeof m->eta_path, "%s", path);
        }
        m->eta_loaded = model != NULL;
        m->loaded_at = ordo_now_unix();
        ordo_engine_set_lanes(s->eng, lanes);
    } else {
        m->failures++;
        snprintf(m->last_error, sizeof m->last_error, "%s", err && err->msg[0] ? err->msg
                                                                                 : ordo_strerror(rc));
    }
    pthread_mutex_unlock(&m->lock);
    ordo_eta_model_destroy(model);
    return rc;
}

/* A copy of the state, taken under the lock. */
static void models_snapshot(ordo_server_t *s, srv_models_t *out)
{
    pthread_mutex_lock(&s->models.lock);
    memcpy(out, &s->models, sizeof *out);
    pthread_mutex_unlock(&s->models.lock);
}

/* The drift check `ordo model show --data` saved, when it is the loaded
 * model's (same version and hash). */
static bool loaded_drift(ordo_server_t *s, const srv_models_t *m, ordo_eta_drift_t *d)
{
    char dir[ORDO_CONFIG_PATH_MAX];
    if (!m->eta_loaded || models_dir(s, dir, sizeof dir, NULL) ||
        ordo_eta_drift_read(dir, d, NULL))
        return false;
    return !strcmp(d->model, m->eta.version) && !strcmp(d->hash, m->eta.hash);
}

static void eta_json(ordo_server_t *s, const srv_models_t *m, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "kind", "eta");
    ordo_jsonw_kstr(w, "config", s->cfg.server.model_eta);
    ordo_jsonw_kstr(w, "version", m->eta.version);
    ordo_jsonw_kstr(w, "hash", m->eta.hash);
    ordo_jsonw_kstr(w, "file", m->eta_path);
    char t[32];
    ordo_jsonw_kstr(w, "trained_until",
                    m->eta.trained_until ? ordo_time_format(m->eta.trained_until, t, sizeof t)
                                         : NULL);
    ordo_jsonw_kint(w, "shipments", (int64_t)m->eta.shipments);
    ordo_jsonw_kint(w, "lanes", (int64_t)m->eta.lanes);
    ordo_eta_drift_t d;
    ordo_jsonw_key(w, "drift");
    bool have = loaded_drift(s, m, &d);
    if (have)
        ordo_eta_drift_json(&d, w);
    else
        ordo_jsonw_null(w);
    if (have && d.alarm) {
        char cmd[ORDO_CONFIG_PATH_MAX + 64];
        snprintf(cmd, sizeof cmd, "ordo model train --run %s", s->data_dir);
        ordo_jsonw_kstr(w, "suggestion", cmd);
    }
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
    if (m.eta_loaded)
        eta_json(s, &m, &w);
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
    if (!m.eta_loaded)
        return;
    char v[40], h[20];
    ordo_buf_printf(b, "# HELP ordo_model_loaded 1 for each model decisions use, by version.\n"
                       "# TYPE ordo_model_loaded gauge\n"
                       "ordo_model_loaded{kind=\"eta\",version=\"%s\",hash=\"%s\"} 1\n"
                       "# HELP ordo_model_loaded_timestamp_seconds When it was loaded.\n"
                       "# TYPE ordo_model_loaded_timestamp_seconds gauge\n"
                       "ordo_model_loaded_timestamp_seconds{kind=\"eta\",version=\"%s\"} %lld\n",
                    label_safe(m.eta.version, v, sizeof v), label_safe(m.eta.hash, h, sizeof h),
                    v, (long long)m.loaded_at);
}
