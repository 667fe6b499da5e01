/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — versioned model files: DATA/models/eta-vN.json, written once,
 * never changed (a retrain is the next N), carrying a content hash that
 * loading checks (docs/internals/MODEL.md "The model file"). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/json.h"
#include "ordo/util.h"

void model_write_time(ordo_jsonw_t *w, const char *key, int64_t t)
{
    char buf[32];
    ordo_jsonw_kstr(w, key, t ? ordo_time_format(t, buf, sizeof buf) : NULL);
}

static void write_pmf(ordo_jsonw_t *w, const double *pmf, int width)
{
    ordo_jsonw_arr_begin(w);
    for (int d = 0; d < width; d++)
        ordo_jsonw_double(w, pmf[d]);
    ordo_jsonw_arr_end(w);
}

/* [node, service, zip3 | service, zone, zip3; class, n, pmf] rows of the
 * lane and destination levels */
static void write_transit(ordo_jsonw_t *w, const ordo_eta_model_t *m, int level)
{
    const ordo_network_t *net = m->net;
    const eta_entry_t *e = level == ETA_LANE ? m->lanes : m->dests;
    uint32_t n = level == ETA_LANE ? m->n_lanes : m->n_dests;
    ordo_jsonw_key(w, level == ETA_LANE ? "lanes" : "destinations");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = e[i].key, ns;
        ordo_jsonw_arr_begin(w);
        uint64_t cls = k % ETA_CLASSES;
        k /= ETA_CLASSES;
        if (level == ETA_LANE) {
            ns = k / ORDO_ZIP3_COUNT;
            ordo_jsonw_uint(w, ns / net->n_services);
            ordo_jsonw_uint(w, ns % net->n_services);
            ordo_jsonw_uint(w, k % ORDO_ZIP3_COUNT);
        } else {
            ordo_jsonw_uint(w, k / ORDO_ZIP3_COUNT / ORDO_ZONES);
            ordo_jsonw_uint(w, k / ORDO_ZIP3_COUNT % ORDO_ZONES + 1);
            ordo_jsonw_uint(w, k % ORDO_ZIP3_COUNT);
        }
        ordo_jsonw_uint(w, cls);
        ordo_jsonw_uint(w, e[i].n);
        write_pmf(w, e[i].pmf, ORDO_TRANSIT_DAYS);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* [service, zone, region (6: all), class, n, pmf] rows of the pooled levels */
static void write_pool(ordo_jsonw_t *w, const ordo_eta_model_t *m)
{
    ordo_jsonw_key(w, "pooled");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < m->n_pool; i++) {
        uint64_t k = m->pool[i].key, r = k / ETA_CLASSES;
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_uint(w, r / (ETA_ALL_REGIONS + 1) / ORDO_ZONES);
        ordo_jsonw_uint(w, r / (ETA_ALL_REGIONS + 1) % ORDO_ZONES + 1);
        ordo_jsonw_uint(w, r % (ETA_ALL_REGIONS + 1));
        ordo_jsonw_uint(w, k % ETA_CLASSES);
        ordo_jsonw_uint(w, m->pool[i].n);
        write_pmf(w, m->pool[i].pmf, ORDO_TRANSIT_DAYS);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
}

static void write_proc(ordo_jsonw_t *w, const ordo_eta_model_t *m)
{
    ordo_jsonw_key(w, "processing");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < m->n_proc; i++) {
        uint64_t k = m->proc[i].key, nc = k / ORDO_LANE_LOAD_BUCKETS;
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_uint(w, nc / 2);
        ordo_jsonw_uint(w, nc % 2);
        ordo_jsonw_uint(w, k % ORDO_LANE_LOAD_BUCKETS);
        ordo_jsonw_uint(w, m->proc[i].n);
        write_pmf(w, m->proc[i].pmf, ORDO_LANE_PROC_DAYS);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* [node, after_cutoff, slot, load, n, pmf] rows per cutoff slot */
static void write_slots(ordo_jsonw_t *w, const ordo_eta_model_t *m)
{
    ordo_jsonw_key(w, "processing_slots");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < m->n_slot; i++) {
        uint64_t k = m->slot[i].key, g = k / ORDO_LANE_LOAD_BUCKETS / ORDO_ETA_SLOTS;
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_uint(w, g / 2);
        ordo_jsonw_uint(w, g % 2);
        ordo_jsonw_uint(w, k / ORDO_LANE_LOAD_BUCKETS % ORDO_ETA_SLOTS);
        ordo_jsonw_uint(w, k % ORDO_LANE_LOAD_BUCKETS);
        ordo_jsonw_uint(w, m->slot[i].n);
        write_pmf(w, m->slot[i].pmf, ORDO_LANE_PROC_DAYS);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
}

void ordo_eta_params_json(const ordo_eta_params_t *p, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "params");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "k_lane", p->k_lane);
    ordo_jsonw_kdouble(w, "k_region", p->k_region);
    ordo_jsonw_kdouble(w, "k_proc", p->k_proc);
    if (isfinite(p->k_dest))
        ordo_jsonw_kdouble(w, "k_dest", p->k_dest);
    if (isfinite(p->k_top))
        ordo_jsonw_kdouble(w, "k_top", p->k_top);
    if (isfinite(p->k_rural))
        ordo_jsonw_kdouble(w, "k_rural", p->k_rural);
    ordo_jsonw_obj_end(w);
}

void model_write_head(ordo_jsonw_t *w, const model_head_out_t *h)
{
    ordo_jsonw_kstr(w, "format", h->format);
    ordo_jsonw_kint(w, "format_version", 1);
    ordo_jsonw_kstr(w, "version", h->version && h->version[0] ? h->version : NULL);
    ordo_jsonw_kstr(w, "hash", h->hash);
    model_write_time(w, "created", h->created);
    ordo_jsonw_kstr(w, "run", h->run);
    ordo_jsonw_kint(w, "orders", (int64_t)h->orders);
    model_write_time(w, "trained_from", h->from);
    model_write_time(w, "trained_until", h->until);
}

static void write_head(ordo_jsonw_t *w, const ordo_eta_model_t *m)
{
    const ordo_eta_info_t *in = &m->info;
    ordo_jsonw_kstr(w, "format", ORDO_ETA_FORMAT);
    ordo_jsonw_kint(w, "format_version", ORDO_ETA_FORMAT_VERSION);
    ordo_jsonw_kstr(w, "version", in->version[0] ? in->version : NULL);
    ordo_jsonw_kstr(w, "hash", in->hash);
    model_write_time(w, "created", in->created);
    ordo_jsonw_kstr(w, "run", in->run);
    ordo_jsonw_kint(w, "orders", (int64_t)in->orders);
    ordo_jsonw_kint(w, "shipments", (int64_t)in->shipments);
    model_write_time(w, "trained_from", in->trained_from);
    model_write_time(w, "trained_until", in->trained_until);
    ordo_eta_params_json(&in->params, w);
}

int ordo_eta_model_write(const ordo_eta_model_t *m, ordo_buf_t *out)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, 0);
    ordo_jsonw_obj_begin(&w);
    write_head(&w, m);
    ordo_jsonw_key(&w, "nodes");
    ordo_jsonw_arr_begin(&w);
    for (uint32_t i = 0; i < m->net->n_nodes; i++)
        ordo_jsonw_str(&w, m->net->nodes[i].id);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "services");
    ordo_jsonw_arr_begin(&w);
    for (uint32_t i = 0; i < m->net->n_services; i++)
        ordo_jsonw_str(&w, m->net->services[i].id);
    ordo_jsonw_arr_end(&w);
    write_transit(&w, m, ETA_LANE);
    write_transit(&w, m, ETA_DEST);
    write_pool(&w, m);
    write_proc(&w, m);
    write_slots(&w, m);
    ordo_jsonw_obj_end(&w);
    ordo_buf_putc(out, '\n');
    return ordo_jsonw_finish(&w);
}

/* ---- reading ---- */

typedef struct rd {
    const ordo_network_t *net;
    const char *name;
    int32_t *node_map, *svc_map; /* file index → network index, -1: absent */
    uint32_t n_node_map, n_svc_map;
    ordo_error_t *err;
    int format_version;
} rd_t;

/* Transit classes a file's rows may name: ship-day class | rural << 1
 * from format_version 4, the ship-day class alone before. */
static int64_t file_classes(const rd_t *r)
{
    return r->format_version >= 4 ? ETA_CLASSES : ORDO_LANE_CLASSES;
}

static int bad(rd_t *r, const char *field, const char *msg)
{
    return ordo_error_set(r->err, ORDO_EPARSE, r->name, 0, field, "%s", msg);
}

static int read_ids(rd_t *r, const cJSON *root, const char *key, bool nodes)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(a))
        return bad(r, key, "wants an array of ids");
    uint32_t n = (uint32_t)cJSON_GetArraySize(a), i = 0;
    int32_t *map = calloc(n + 1, sizeof *map);
    if (!map)
        return ordo_error_set(r->err, ORDO_ENOMEM, r->name, 0, NULL, "out of memory");
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        const char *id = cJSON_GetStringValue(v);
        map[i++] = !id ? -1 : nodes ? ordo_network_node(r->net, id) : ordo_network_service(r->net, id);
    }
    if (nodes) {
        r->node_map = map;
        r->n_node_map = n;
    } else {
        r->svc_map = map;
        r->n_svc_map = n;
    }
    return ORDO_OK;
}

/* Reads a row's integers (cols of them) and its pmf (width). */
static bool read_row(const cJSON *row, int cols, int64_t *v, double *pmf, int width)
{
    if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != cols + 2)
        return false;
    for (int c = 0; c <= cols; c++) {
        const cJSON *x = cJSON_GetArrayItem(row, c);
        if (!cJSON_IsNumber(x) || x->valuedouble < 0)
            return false;
        v[c] = (int64_t)x->valuedouble;
    }
    const cJSON *p = cJSON_GetArrayItem(row, cols + 1);
    if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != width)
        return false;
    for (int d = 0; d < width; d++) {
        const cJSON *x = cJSON_GetArrayItem(p, d);
        if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1)
            return false;
        pmf[d] = x->valuedouble;
    }
    return true;
}

/* The key of a row in the network's indices; UINT64_MAX when it names a
 * node or service the network lacks (the row is dropped). */
/* [service, zone, middle, class] of the destination (middle: ZIP3) and
 * pooled (middle: region, 6 all) levels: ((svc·ZONES + zone − 1)·mid +
 * middle)·2 + class */
static uint64_t service_key(const rd_t *r, const int64_t *v, uint64_t mid)
{
    int32_t svc = v[0] < r->n_svc_map ? r->svc_map[v[0]] : -1;
    if (svc < 0 || v[1] < 1 || v[1] > ORDO_ZONES || (uint64_t)v[2] >= mid ||
        v[3] >= file_classes(r))
        return UINT64_MAX;
    return (((uint64_t)svc * ORDO_ZONES + (uint64_t)(v[1] - 1)) * mid + (uint64_t)v[2]) *
               ETA_CLASSES +
           (uint64_t)v[3];
}

static uint64_t row_key(const rd_t *r, int level, const int64_t *v)
{
    if (level == ETA_DEST)
        return service_key(r, v, ORDO_ZIP3_COUNT);
    if (level == ETA_POOL)
        return service_key(r, v, ETA_ALL_REGIONS + 1);
    int32_t node = v[0] < r->n_node_map ? r->node_map[v[0]] : -1;
    if (node < 0)
        return UINT64_MAX;
    if (level == ETA_SLOT)
        return v[1] > 1 || v[2] < 1 || v[2] >= ORDO_ETA_SLOTS || v[3] >= ORDO_LANE_LOAD_BUCKETS
                   ? UINT64_MAX
                   : eta_slot_index((uint32_t)node, (int)v[1], (int)v[2], (int)v[3]);
    if (level == ETA_PROC)
        return v[1] > 1 || v[2] >= ORDO_LANE_LOAD_BUCKETS
                   ? UINT64_MAX
                   : ((uint64_t)node * 2 + (uint64_t)v[1]) * ORDO_LANE_LOAD_BUCKETS + (uint64_t)v[2];
    int32_t svc = v[1] < r->n_svc_map ? r->svc_map[v[1]] : -1;
    if (svc < 0 || v[2] >= ORDO_ZIP3_COUNT || v[3] >= file_classes(r))
        return UINT64_MAX;
    uint64_t ns = (uint64_t)node * r->net->n_services + (uint64_t)svc;
    return (ns * ORDO_ZIP3_COUNT + (uint64_t)v[2]) * ETA_CLASSES + (uint64_t)v[3];
}

static int cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const eta_entry_t *)a)->key, y = ((const eta_entry_t *)b)->key;
    return x < y ? -1 : x > y;
}

static int read_level(rd_t *r, const cJSON *root, int level, eta_entry_t **out, uint32_t *n_out)
{
    static const char *const keys[] = {"lanes",  "destinations", "processing",
                                       "pooled", "",             "processing_slots"};
    static const int cols[] = {5, 5, 4, 5, 0, 5}; /* integers of a row, n last */
    int width = level == ETA_PROC || level == ETA_SLOT ? ORDO_LANE_PROC_DAYS : ORDO_TRANSIT_DAYS;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, keys[level]);
    if (!cJSON_IsArray(a))
        return bad(r, keys[level], "wants an array of rows");
    eta_entry_t *e = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *e);
    if (!e)
        return ordo_error_set(r->err, ORDO_ENOMEM, r->name, 0, NULL, "out of memory");
    uint32_t n = 0, i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, a)
    {
        int64_t v[6];
        if (!read_row(row, cols[level] - 1, v, e[n].pmf, width)) {
            char field[48];
            snprintf(field, sizeof field, "%s[%u]", keys[level], i);
            free(e);
            return bad(r, field, "wants [ids..., n, [probabilities 0..1]]");
        }
        i++;
        if ((e[n].key = row_key(r, level, v)) == UINT64_MAX)
            continue;
        e[n++].n = (uint32_t)v[cols[level] - 1];
    }
    qsort(e, n, sizeof *e, cmp_entry);
    *out = e;
    *n_out = n;
    return ORDO_OK;
}

double model_num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

void model_str_into(const cJSON *o, const char *key, char *out, size_t n)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    snprintf(out, n, "%s", s ? s : "");
}

int64_t model_time_of(const cJSON *o, const char *key)
{
    int64_t t = 0;
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s && ordo_time_parse(s, &t) == ORDO_OK ? t : 0;
}

int model_read_head(const cJSON *root, const char *format, const char *what, const char *name,
                    const model_head_t *h, ordo_error_t *err)
{
    const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "format"));
    if (!fmt || strcmp(fmt, format))
        return ordo_error_set(err, ORDO_EPARSE, name, 0, "format",
                              "not an ordo %s model (format \"%s\")", what, format);
    double v = model_num(root, "format_version", 0);
    int newest = h->newest > 1 ? h->newest : 1;
    if (v != floor(v) || v < 1 || v > newest)
        return ordo_error_set(err, ORDO_EUNSUPPORTED, name, 0, "format_version",
                              "format_version %g is not supported (1 .. %d are)", v, newest);
    if (h->got)
        *h->got = (int)v;
    model_str_into(root, "version", h->version, h->version_n);
    model_str_into(root, "hash", h->hash, 17);
    model_str_into(root, "run", h->run, h->run_n);
    *h->created = model_time_of(root, "created");
    *h->from = model_time_of(root, "trained_from");
    *h->until = model_time_of(root, "trained_until");
    return ORDO_OK;
}

static int read_head(rd_t *r, const cJSON *root, ordo_eta_info_t *in)
{
    model_head_t h = {in->version,         sizeof in->version,    in->hash,
                      in->run,             sizeof in->run,        &in->created,
                      &in->trained_from,   &in->trained_until,    ORDO_ETA_FORMAT_VERSION,
                      &r->format_version};
    int rc = model_read_head(root, ORDO_ETA_FORMAT, "ETA", r->name, &h, r->err);
    if (rc)
        return rc;
    in->orders = (uint64_t)model_num(root, "orders", 0);
    in->shipments = (uint64_t)model_num(root, "shipments", 0);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "params");
    in->params.k_lane = model_num(p, "k_lane", in->params.k_lane);
    in->params.k_region = model_num(p, "k_region", in->params.k_region);
    in->params.k_proc = model_num(p, "k_proc", in->params.k_proc);
    in->params.k_dest = model_num(p, "k_dest", NAN); /* format_version 3 */
    in->params.k_top = model_num(p, "k_top", NAN);
    in->params.k_rural = model_num(p, "k_rural", NAN); /* format_version 4 */
    return ORDO_OK;
}

static int read_model(rd_t *r, const cJSON *root, ordo_eta_model_t *m)
{
    int rc = read_head(r, root, &m->info);
    m->rural = r->format_version >= 4;
    if (!rc)
        rc = read_ids(r, root, "nodes", true);
    if (!rc)
        rc = read_ids(r, root, "services", false);
    if (!rc)
        rc = read_level(r, root, ETA_LANE, &m->lanes, &m->n_lanes);
    if (!rc)
        rc = read_level(r, root, ETA_DEST, &m->dests, &m->n_dests);
    if (!rc)
        rc = read_level(r, root, ETA_PROC, &m->proc, &m->n_proc);
    if (!rc)
        rc = read_level(r, root, ETA_POOL, &m->pool, &m->n_pool);
    if (!rc && r->format_version >= 2) /* version 1: no slot rows */
        rc = read_level(r, root, ETA_SLOT, &m->slot, &m->n_slot);
    return rc;
}

int ordo_eta_model_parse(const ordo_network_t *net, const char *json, size_t len,
                         const char *name, ordo_eta_model_t **out, ordo_error_t *err)
{
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, name, 0, &root, err);
    if (rc)
        return rc;
    ordo_eta_model_t *m = eta_model_new(net);
    rd_t r = {.net = net, .name = name, .err = err};
    if (!m)
        rc = ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    else
        rc = read_model(&r, root, m);
    char hash[17];
    snprintf(hash, sizeof hash, "%s", m ? m->info.hash : "");
    bool same_network = r.n_node_map == net->n_nodes && r.n_svc_map == net->n_services;
    if (!rc && (rc = eta_model_build(m, err)) == ORDO_OK && same_network)
        rc = model_hash_check(name, hash, m->info.hash, err);
    free(r.node_map);
    free(r.svc_map);
    cJSON_Delete(root);
    if (rc) {
        ordo_eta_model_destroy(m);
        return rc;
    }
    *out = m;
    return ORDO_OK;
}

int ordo_eta_model_load(const ordo_network_t *net, const char *path, ordo_eta_model_t **out,
                        ordo_error_t *err)
{
    char *text;
    size_t len;
    int rc = ordo_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = ordo_eta_model_parse(net, text, len, path, out, err);
    free(text);
    return rc;
}

static uint32_t rows_of(const cJSON *root, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    return cJSON_IsArray(a) ? (uint32_t)cJSON_GetArraySize(a) : 0;
}

int ordo_eta_model_read_info(const char *path, ordo_eta_info_t *info, ordo_error_t *err)
{
    char *text = NULL;
    size_t len;
    cJSON *root = NULL;
    int rc = ordo_read_file(path, &text, &len, err);
    if (!rc)
        rc = ordo_json_parse_doc(text, len, path, 0, &root, err);
    memset(info, 0, sizeof *info);
    ordo_eta_params_default(&info->params);
    rd_t r = {.name = path, .err = err};
    if (!rc && !(rc = read_head(&r, root, info))) {
        info->lanes = rows_of(root, "lanes");
        info->destinations = rows_of(root, "destinations");
        info->pooled = rows_of(root, "pooled");
        info->processing_rows = rows_of(root, "processing");
        info->nodes = rows_of(root, "nodes");
        info->services = rows_of(root, "services");
    }
    cJSON_Delete(root);
    free(text);
    return rc;
}

/* The highest N of PREFIX-vN.json in dir (0: none). */
static int highest_version(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int best = 0;
    size_t pl = strlen(prefix);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int v;
        char tail[16];
        if (!strncmp(e->d_name, prefix, pl) && !strncmp(e->d_name + pl, "-v", 2) &&
            sscanf(e->d_name + pl + 2, "%d%15s", &v, tail) == 2 && !strcmp(tail, ".json") &&
            v > best)
            best = v;
    }
    closedir(d);
    return best;
}

int model_latest(const char *dir, const char *prefix, char *path, size_t n, ordo_error_t *err)
{
    int v = highest_version(dir, prefix);
    if (!v)
        return ordo_error_set(err, ORDO_ENOENT, dir, 0, NULL,
                              "no model (%s-vN.json) in %s: run `ordo model train` first", prefix,
                              dir);
    snprintf(path, n, "%s/%s-v%d.json", dir, prefix, v);
    return ORDO_OK;
}

int model_next_version(const char *dir, const char *prefix, char *version, size_t vn, char *path,
                       size_t n, ordo_error_t *err)
{
    int rc = ordo_mkdir_p(dir, err);
    if (rc)
        return rc;
    int v = highest_version(dir, prefix) + 1;
    snprintf(version, vn, "%s-v%d", prefix, v);
    snprintf(path, n, "%s/%s-v%d.json", dir, prefix, v);
    return ORDO_OK;
}

int model_write_new(const char *path, const ordo_buf_t *b, int rc, ordo_error_t *err)
{
    if (!rc)
        return ordo_write_file_atomic(path, b->data, b->len, err);
    return ordo_error_set(err, rc, path, 0, NULL, "cannot write the model");
}

int model_hash_check(const char *name, const char *was, const char *now, ordo_error_t *err)
{
    if (!strcmp(was, now))
        return ORDO_OK;
    return ordo_error_set(err, ORDO_ECORRUPT, name, 0, "hash",
                          "content hash %s does not match the file's %s: the model was changed",
                          now, was);
}

int ordo_eta_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err)
{
    return model_latest(dir, "eta", path, n, err);
}

int ordo_eta_model_save(ordo_eta_model_t *m, const char *dir, char *path, size_t n,
                        ordo_error_t *err)
{
    int rc = model_next_version(dir, "eta", m->info.version, sizeof m->info.version, path, n, err);
    if (rc)
        return rc;
    snprintf(m->table->version, sizeof m->table->version, "%s:%.8s", m->info.version,
             m->info.hash);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    rc = model_write_new(path, &b, ordo_eta_model_write(m, &b), err);
    ordo_buf_free(&b);
    return rc;
}
