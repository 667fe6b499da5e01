/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — GET /metrics in the Prometheus text format (0.0.4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Upper bounds of the latency buckets, in seconds (then +Inf). */
static const double bounds_s[SRV_HIST_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                  0.005,  0.01,    0.025,  0.05,  0.1,
                                                  0.25,   0.5,     1.0,    10.0};

int srv_metrics_init(srv_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    /* one more than the routes: requests that matched none */
    m->route_latency = calloc(srv_n_routes + 1, sizeof *m->route_latency);
    m->route_status = calloc((srv_n_routes + 1) * 3, sizeof *m->route_status);
    pthread_mutex_init(&m->lock, NULL);
    return m->route_latency && m->route_status ? ORDO_OK : ORDO_ENOMEM;
}

void srv_metrics_free(srv_metrics_t *m)
{
    free(m->route_latency);
    free((void *)m->route_status);
    pthread_mutex_destroy(&m->lock);
}

void srv_hist_add(srv_hist_t *h, uint64_t ns)
{
    double sec = (double)ns / 1e9;
    unsigned i = 0;
    while (i < SRV_HIST_BUCKETS && sec > bounds_s[i])
        i++;
    atomic_fetch_add(&h->bucket[i], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_ns, ns);
}

void srv_metrics_variant(srv_metrics_t *m, const char *experiment, const char *variant)
{
    const char *e = experiment ? experiment : "";
    const char *v = variant ? variant : "";
    pthread_mutex_lock(&m->lock);
    uint32_t i = 0;
    while (i < m->n_variants &&
           (strcmp(m->variants[i].experiment, e) || strcmp(m->variants[i].variant, v)))
        i++;
    if (i == m->n_variants && i < SRV_MAX_VARIANTS) {
        snprintf(m->variants[i].experiment, sizeof m->variants[i].experiment, "%s", e);
        snprintf(m->variants[i].variant, sizeof m->variants[i].variant, "%s", v);
        m->n_variants++;
    }
    if (i < m->n_variants)
        m->variants[i].decisions++;
    pthread_mutex_unlock(&m->lock);
}

/* A label value: \ " and newline escaped. */
static void label(ordo_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            ordo_buf_putc(b, '\\');
        if (*s == '\n')
            ordo_buf_puts(b, "\\n");
        else
            ordo_buf_putc(b, *s);
    }
}

static void hist_print(ordo_buf_t *b, const char *name, const char *labels, srv_hist_t *h)
{
    uint64_t cum = 0;
    for (unsigned i = 0; i <= SRV_HIST_BUCKETS; i++) {
        cum += atomic_load(&h->bucket[i]);
        if (i < SRV_HIST_BUCKETS)
            ordo_buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels,
                            labels[0] ? "," : "", bounds_s[i], (unsigned long long)cum);
        else
            ordo_buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
                            labels[0] ? "," : "", (unsigned long long)cum);
    }
    ordo_buf_printf(b, "%s_sum{%s} %.9f\n", name, labels, (double)atomic_load(&h->sum_ns) / 1e9);
    ordo_buf_printf(b, "%s_count{%s} %llu\n", name, labels,
                    (unsigned long long)atomic_load(&h->count));
}

static void routes_print(ordo_server_t *s, ordo_buf_t *b)
{
    static const char *const classes[3] = {"2xx", "4xx", "5xx"};
    srv_metrics_t *m = &s->metrics;
    ordo_buf_puts(b, "# HELP ordo_http_requests_total HTTP requests answered, by route and "
                     "status class.\n# TYPE ordo_http_requests_total counter\n");
    for (uint32_t i = 0; i <= srv_n_routes; i++)
        for (unsigned c = 0; c < 3; c++) {
            uint64_t n = atomic_load(&m->route_status[i * 3 + c]);
            if (n)
                ordo_buf_printf(b, "ordo_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                                i < srv_n_routes ? srv_routes[i].metric : "unknown", classes[c],
                                (unsigned long long)n);
        }
    ordo_buf_puts(b, "# HELP ordo_http_request_duration_seconds Time from the request's "
                     "headers to its answer, by route.\n"
                     "# TYPE ordo_http_request_duration_seconds histogram\n");
    for (uint32_t i = 0; i <= srv_n_routes; i++) {
        if (!atomic_load(&m->route_latency[i].count))
            continue;
        char lab[96];
        snprintf(lab, sizeof lab, "route=\"%s\"",
                 i < srv_n_routes ? srv_routes[i].metric : "unknown");
        hist_print(b, "ordo_http_request_duration_seconds", lab, &m->route_latency[i]);
    }
}

static void decisions_print(ordo_server_t *s, ordo_buf_t *b)
{
    srv_metrics_t *m = &s->metrics;
    ordo_buf_puts(b, "# HELP ordo_decisions_total Decisions made, by experiment and variant "
                     "(\"\" when no experiment acted).\n# TYPE ordo_decisions_total counter\n");
    pthread_mutex_lock(&m->lock);
    for (uint32_t i = 0; i < m->n_variants; i++) {
        ordo_buf_puts(b, "ordo_decisions_total{experiment=\"");
        label(b, m->variants[i].experiment);
        ordo_buf_puts(b, "\",variant=\"");
        label(b, m->variants[i].variant);
        ordo_buf_printf(b, "\"} %llu\n", (unsigned long long)m->variants[i].decisions);
    }
    pthread_mutex_unlock(&m->lock);
    ordo_buf_printf(b, "# HELP ordo_fallbacks_total Decisions answered by the deterministic "
                       "fallback (deadline passed, policy could not run).\n"
                       "# TYPE ordo_fallbacks_total counter\nordo_fallbacks_total %llu\n",
                    (unsigned long long)atomic_load(&m->fallbacks));
    ordo_buf_printf(b, "# HELP ordo_idempotent_replays_total Retried orders answered with "
                       "their first decision.\n# TYPE ordo_idempotent_replays_total counter\n"
                       "ordo_idempotent_replays_total %llu\n",
                    (unsigned long long)atomic_load(&m->idempotent_replays));
    ordo_buf_printf(b, "# HELP ordo_overload_rejections_total Requests answered 503 because "
                       "too many were in progress.\n"
                       "# TYPE ordo_overload_rejections_total counter\n"
                       "ordo_overload_rejections_total %llu\n",
                    (unsigned long long)atomic_load(&m->overload_503));
    ordo_buf_printf(b, "# HELP ordo_stock_refused_total Plans refused by PostgreSQL because "
                       "another instance took a cell's units (decided again).\n"
                       "# TYPE ordo_stock_refused_total counter\nordo_stock_refused_total %llu\n",
                    (unsigned long long)(s->decider ? ordo_decider_stock_refused(s->decider) : 0));
    ordo_buf_puts(b, "# HELP ordo_log_commit_seconds One group commit of the decision log "
                     "(write + fdatasync).\n# TYPE ordo_log_commit_seconds histogram\n");
    hist_print(b, "ordo_log_commit_seconds", "", &m->fsync);
}

/* ordo_experiment_state{experiment,state} 1 and
 * ordo_experiment_guardrail_killed{experiment} 0|1, from the registry. */
typedef struct exp_print {
    ordo_buf_t *b;
} exp_print_t;

static int exp_state_one(void *ctx, const ordo_exp_t *e)
{
    exp_print_t *p = ctx;
    ordo_buf_puts(p->b, "ordo_experiment_state{experiment=\"");
    label(p->b, e->id);
    ordo_buf_printf(p->b, "\",state=\"%s\"} 1\n", ordo_exp_state_name(e->status.state));
    ordo_buf_puts(p->b, "ordo_experiment_killed{experiment=\"");
    label(p->b, e->id);
    ordo_buf_printf(p->b, "\"} %d\n", e->status.killed ? 1 : 0);
    return 0;
}

static void experiments_print(ordo_server_t *s, ordo_buf_t *b)
{
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    ordo_error_t err = {0};
    if (ordo_store_open_existing(s->data_dir, NULL, &store, &err))
        return;
    if (!ordo_exp_registry_open(store, &reg, &err)) {
        ordo_buf_puts(b, "# HELP ordo_experiment_state Lifecycle state of each experiment.\n"
                         "# TYPE ordo_experiment_state gauge\n"
                         "# HELP ordo_experiment_killed 1 when a guardrail or a person killed "
                         "the experiment.\n# TYPE ordo_experiment_killed gauge\n");
        exp_print_t p = {b};
        ordo_exp_registry_list(reg, exp_state_one, &p, &err);
        ordo_exp_registry_close(reg);
    }
    ordo_store_close(store, NULL);
}

/* The learned ETA model's drift, as `ordo model show --data` last saved it
 * (DATA/models/drift.json, docs/models.md): nothing when there is none. */
static void eta_drift_print(ordo_server_t *s, ordo_buf_t *b)
{
    ordo_datadir_t dd;
    ordo_eta_drift_t d;
    if (ordo_datadir_init(&dd, s->data_dir, NULL) || ordo_eta_drift_read(dd.models, &d, NULL))
        return;
    ordo_buf_puts(b, "# HELP ordo_eta_drift_alarm 1 when the ETA model's on-time probability "
                     "left its calibration bound on outcomes after its training (retrain).\n"
                     "# TYPE ordo_eta_drift_alarm gauge\nordo_eta_drift_alarm{model=\"");
    label(b, d.model);
    ordo_buf_printf(b, "\"} %d\n", d.alarm ? 1 : 0);
    ordo_buf_puts(b, "# HELP ordo_eta_calibration_error Worst decile calibration error of the ETA "
                     "model's on-time probability (probability units).\n"
                     "# TYPE ordo_eta_calibration_error gauge\nordo_eta_calibration_error{model=\"");
    label(b, d.model);
    ordo_buf_printf(b, "\"} %g\n", isfinite(d.calibration_error) ? d.calibration_error : 0);
    ordo_buf_puts(b, "# HELP ordo_eta_drift_predictions On-time predictions the drift check "
                     "scored.\n# TYPE ordo_eta_drift_predictions gauge\n"
                     "ordo_eta_drift_predictions{model=\"");
    label(b, d.model);
    ordo_buf_printf(b, "\"} %llu\n", (unsigned long long)d.predictions);
}

int srv_h_metrics(ordo_server_t *s, srv_req_t *r)
{
    ordo_buf_t *b = &r->out;
    routes_print(s, b);
    decisions_print(s, b);
    experiments_print(s, b);
    eta_drift_print(s, b);
    srv_drift_metrics(s, b);
    srv_models_metrics(s, b);
    ordo_buf_printf(b, "# HELP ordo_uptime_seconds Seconds since the server started.\n"
                       "# TYPE ordo_uptime_seconds gauge\nordo_uptime_seconds %.3f\n",
                    (double)(ordo_now_ns() - s->started_ns) / 1e9);
    r->content_type = "text/plain; version=0.0.4";
    return 0;
}
