/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the read routes: health, experiments, decisions, the
 * network and its flows, and the dashboard's assets. Experiments and
 * decisions answer the JSON of `ordo exp list|show --json` and
 * `ordo log show --json`: one format, written by one function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "assets.h"
#include "ordo/analyze.h"
#include "server.h"

int srv_h_healthz(ordo_server_t *s, srv_req_t *r)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "status", atomic_load(&s->draining) ? "draining" : "ok");
    ordo_jsonw_kint(&w, "nodes", (int64_t)s->net->n_nodes);
    ordo_jsonw_key(&w, "last_seq");
    ordo_jsonw_uint(&w, atomic_load(&s->last_seq));
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

int srv_h_not_implemented(ordo_server_t *s, srv_req_t *r)
{
    (void)s;
    char msg[160];
    snprintf(msg, sizeof msg, "%s %s is not served by this version of ordo", r->route->method,
             r->route->pattern);
    return srv_error(r, 501, "EUNSUPPORTED", msg, NULL);
}

/* ---- experiments ---- */

int srv_open_registry(ordo_server_t *s, bool create, ordo_store_t **store,
                      ordo_exp_registry_t **reg, ordo_error_t *err)
{
    *reg = NULL;
    int rc = create ? ordo_store_open(s->data_dir, NULL, store, err)
                    : ordo_store_open_existing(s->data_dir, NULL, store, err);
    if (rc)
        return rc;
    if ((rc = ordo_exp_registry_open(*store, reg, err))) {
        ordo_store_close(*store, NULL);
        *store = NULL;
    }
    return rc;
}

static int list_one(void *ctx, const ordo_exp_t *e)
{
    ordo_cli_exp_write_full(e, NULL, 0, ctx);
    return 0;
}

/* = ordo exp list --json */
int srv_h_exp_list(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = srv_open_registry(s, false, &store, &reg, &err);
    if (rc == ORDO_ENOENT) { /* no database yet: no experiments */
        ordo_buf_puts(&r->out, "[]\n");
        return 0;
    }
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 1);
    ordo_jsonw_arr_begin(&w);
    rc = ordo_exp_registry_list(reg, list_one, &w, &err);
    ordo_jsonw_arr_end(&w);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    if (rc || (rc = ordo_jsonw_finish(&w)))
        return srv_error_from(r, rc, &err);
    return ordo_buf_putc(&r->out, '\n');
}

/* = ordo exp show ID --json */
int srv_h_exp_show(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = srv_open_registry(s, false, &store, &reg, &err);
    if (rc == ORDO_ENOENT)
        return srv_error(r, 404, "ENOTFOUND", "no experiments in the data directory", "id");
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_exp_t *e = NULL;
    char *result = NULL;
    size_t result_len = 0;
    ordo_error_t rerr;
    rc = ordo_exp_registry_get(reg, r->arg, &e, &err);
    if (!rc && ordo_store_doc_get(store, ORDO_EXP_RESULT_KIND, e->id, &result, &result_len, NULL,
                                  &rerr))
        result = NULL;
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 1);
    ordo_cli_exp_write_full(e, result, result_len, &w);
    rc = ordo_jsonw_finish(&w);
    free(result);
    ordo_exp_destroy(e);
    return rc ? srv_error_from(r, rc, NULL) : ordo_buf_putc(&r->out, '\n');
}

/* = ordo analyze DIR --format json --experiment ID --network NET. One at a
 * time: an analysis may build DIR/facts, which two must not do at once. */
int srv_h_exp_report(ordo_server_t *s, srv_req_t *r)
{
    static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
    ordo_analyze_options_t opt = {.experiment = r->arg, .network = s->net};
    ordo_analysis_t *a = NULL;
    ordo_error_t err = {0};
    pthread_mutex_lock(&one_at_a_time);
    int rc = ordo_analyze_dir(s->data_dir, &opt, &a, &err);
    pthread_mutex_unlock(&one_at_a_time);
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 1);
    ordo_analysis_write_json(a, &w);
    rc = ordo_jsonw_finish(&w);
    ordo_analysis_destroy(a);
    return rc ? srv_error_from(r, rc, NULL) : ordo_buf_putc(&r->out, '\n');
}

/* = the decision line of ordo log show ORDER --json */
int srv_h_decision(ordo_server_t *s, srv_req_t *r)
{
    if (!srv_stored_record(s, r->arg, strlen(r->arg), &r->out)) {
        char msg[320];
        snprintf(msg, sizeof msg, "no decision for order '%s'", r->arg);
        return srv_error(r, 404, "ENOTFOUND", msg, "order");
    }
    return ordo_buf_putc(&r->out, '\n');
}

/* ---- the network and its flows (the dashboard's map) ---- */

int srv_h_network(ordo_server_t *s, srv_req_t *r)
{
    const ordo_network_t *net = s->net;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "nodes");
    ordo_jsonw_arr_begin(&w);
    for (uint32_t i = 0; i < net->n_nodes; i++) {
        const ordo_node_t *n = &net->nodes[i];
        char zip[8];
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "id", n->id);
        ordo_jsonw_kstr(&w, "type", ordo_node_type_name(n->type));
        ordo_jsonw_kstr(&w, "name", n->name);
        ordo_jsonw_kstr(&w, "zip", ordo_zip_format(n->zip, zip));
        ordo_jsonw_kdouble(&w, "lat", n->lat);
        ordo_jsonw_kdouble(&w, "lon", n->lon);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

typedef struct flow {
    char node[ORDO_ID_MAX];
    char variant[64];
    uint16_t zip3;
    uint64_t shipments;
} flow_t;

typedef struct flows {
    flow_t *v;
    uint32_t n, cap;
    ordo_strmap_t *index; /* "node\tvariant\tzip3" → index */
} flows_t;

static int flows_add(flows_t *f, const char *node, const char *variant, uint16_t zip3)
{
    char key[ORDO_ID_MAX + 80];
    int kn = snprintf(key, sizeof key, "%s\t%s\t%u", node, variant, zip3);
    uint32_t i;
    if (ordo_strmap_get(f->index, key, (size_t)kn, &i)) {
        f->v[i].shipments++;
        return ORDO_OK;
    }
    if (f->n == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 256;
        flow_t *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return ORDO_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    flow_t *x = &f->v[f->n];
    snprintf(x->node, sizeof x->node, "%s", node);
    snprintf(x->variant, sizeof x->variant, "%s", variant);
    x->zip3 = zip3;
    x->shipments = 1;
    return ordo_strmap_put(f->index, key, (size_t)kn, f->n++);
}

/* The shipments of the decision records among the last `limit` log
 * records, for one experiment (or all when experiment is NULL). */
static int flows_collect(ordo_server_t *s, const char *experiment, uint64_t limit, flows_t *f,
                         ordo_error_t *err)
{
    uint64_t last = atomic_load(&s->last_seq);
    ordo_log_query_t q = {.from_seq = last >= limit ? last - limit + 1 : 1, .raw = true};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(s->log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    ordo_log_record_t rec;
    while (arena && rc == ORDO_OK && (rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        rc = ORDO_OK;
        ordo_record_t d;
        ordo_arena_reset(arena);
        if (rec.type != ORDO_LOG_REC_DECISION ||
            ordo_record_read(rec.appended, rec.appended_len, 0, arena, &d, NULL))
            continue;
        if (experiment && (!d.experiment || strcmp(d.experiment, experiment)))
            continue;
        uint32_t zip = 0;
        if (!d.order.zip || ordo_zip_parse(d.order.zip, strlen(d.order.zip), &zip))
            continue;
        for (uint32_t i = 0; i < d.plan.n_shipments && rc == ORDO_OK; i++)
            if (d.plan.shipments[i].node)
                rc = flows_add(f, d.plan.shipments[i].node, d.variant ? d.variant : "",
                               (uint16_t)(zip / 100));
    }
    ordo_log_iter_close(it);
    ordo_arena_destroy(arena);
    return rc < 0 ? rc : arena ? ORDO_OK : ORDO_ENOMEM;
}

/* GET /v1/flows?experiment=ID&limit=N (default 1000, at most 1000000) */
int srv_h_flows(ordo_server_t *s, srv_req_t *r)
{
    const char *exp = srv_query(r, "experiment");
    const char *lim = srv_query(r, "limit");
    char *end = NULL;
    unsigned long long limit = lim ? strtoull(lim, &end, 10) : 1000;
    if (lim && (!*lim || *end || limit < 1 || limit > 1000000))
        return srv_error(r, 400, "ERANGE", "limit must be a whole number in [1, 1000000]",
                         "limit");
    flows_t f = {.index = ordo_strmap_create(1024)};
    ordo_error_t err = {0};
    int rc = f.index ? flows_collect(s, exp && *exp ? exp : NULL, limit, &f, &err) : ORDO_ENOMEM;
    if (rc == ORDO_OK) {
        const ordo_geo_t *geo = ordo_geo_default();
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &r->out, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_key(&w, "flows");
        ordo_jsonw_arr_begin(&w);
        for (uint32_t i = 0; i < f.n; i++) {
            const ordo_zip3_t *z = ordo_geo_zip3(geo, f.v[i].zip3);
            char z3[8];
            snprintf(z3, sizeof z3, "%03u", f.v[i].zip3);
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "node", f.v[i].node);
            ordo_jsonw_kstr(&w, "variant", f.v[i].variant);
            ordo_jsonw_kstr(&w, "to_zip3", z3);
            ordo_jsonw_kdouble(&w, "to_lat", z->lat);
            ordo_jsonw_kdouble(&w, "to_lon", z->lon);
            ordo_jsonw_kint(&w, "shipments", (int64_t)f.v[i].shipments);
            ordo_jsonw_obj_end(&w);
        }
        ordo_jsonw_arr_end(&w);
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
    }
    free(f.v);
    ordo_strmap_destroy(f.index);
    return rc ? srv_error_from(r, rc, &err) : 0;
}

/* ---- the dashboard: GET / and /assets/..., bundled into the binary ---- */

/* A path that could leave the asset tree: "..", a backslash, a NUL, or a
 * '%' (the path is decoded once already: "%2e%2e" arrives as "..", and a
 * second encoding "%252e" is refused here). */
static bool unsafe_path(const char *p)
{
    return strstr(p, "..") || strchr(p, '\\') || strchr(p, '%') || strstr(p, "//");
}

int srv_h_asset(ordo_server_t *s, srv_req_t *r)
{
    (void)s;
    const char *url = r->url;
    if (unsafe_path(url))
        return srv_error(r, 400, "EINVAL", "bad asset path", "path");
    const ordo_asset_t *a = ordo_asset_find(url);
    if (!a)
        return srv_error(r, 404, "ENOTFOUND", "no such asset", "path");
    r->static_body = a->data;
    r->static_len = a->len;
    r->content_type = a->content_type;
    return 0;
}
