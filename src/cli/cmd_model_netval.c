/* SPDX-License-Identifier: Apache-2.0 */
/* ordo model train|show --kind netval and ordo source --netval: the
 * network value of stock as a model file (include/ordo/model.h,
 * docs/models.md "Network value of stock"). */
#include <stdio.h>
#include <string.h>

#include "model_risk.h"
#include "ordo/util.h"

int ordo_cli_netval_flags(const ordo_cli_args_t *a, ordo_model_train_opts_t *o)
{
    ordo_netval_opts_t *nv = (ordo_netval_opts_t *)o->netval;
    const char *h = ordo_cli_get(a, "horizon"), *u = ordo_cli_get(a, "unmet-cost");
    double v;
    if (h && (ordo_parse_double(h, strlen(h), &v) || v < 1 || v > 366 || v != (uint32_t)v))
        return ordo_cli_usage("model train", "--horizon wants whole days 1..366, got '%s'", h);
    if (h && nv)
        nv->horizon_days = (uint32_t)v;
    if (u && (ordo_parse_double(u, strlen(u), &v) || !(v > 0) || v > 1e6))
        return ordo_cli_usage("model train", "--unmet-cost wants USD > 0, got '%s'", u);
    if (u && nv)
        nv->unmet_cost = v;
    if ((h || u) && !(o->kinds & ORDO_MODEL_KIND_NETVAL))
        return ordo_cli_usage("model train", "--horizon and --unmet-cost are for --kind netval");
    return 0;
}

void ordo_cli_netval_info_text(const ordo_netval_info_t *in, const char *path)
{
    char a[32], b[32], c[32];
    printf("model %s (hash %s)\n", in->version[0] ? in->version : "(unsaved)", in->hash);
    printf("  demand        %llu orders decided %s .. %s;\n"
           "                %u family x cluster series (%u clusters), %.1f units over %u days\n",
           (unsigned long long)in->orders,
           in->trained_from ? ordo_time_format(in->trained_from, a, sizeof a) : "-",
           in->trained_until ? ordo_time_format(in->trained_until, b, sizeof b) : "-",
           in->series, in->regions, in->units_forecast, in->horizon_days);
    printf("  network       %u SKUs (%u LPs solved), %u nodes, %u stocked cells\n", in->skus,
           in->lps, in->nodes, in->stocked_cells);
    printf("  value         %u cells priced; mean %.4f, max %.4f USD a unit (unmet demand %g)\n",
           in->priced_cells, in->mean_value, in->max_value, in->unmet_cost);
    printf("  solve         %.3f s (forecasts and LPs)\n", in->solve_s);
    printf("  run           %s\n", in->run[0] ? in->run : "-");
    printf("  created       %s\n", in->created ? ordo_time_format(in->created, c, sizeof c) : "-");
    printf("  file          %s\n", path);
}

void ordo_cli_netval_info_json(ordo_jsonw_t *w, const ordo_netval_info_t *in, const char *path)
{
    ordo_cli_model_head_t h = {in->version,      in->hash,          in->run,   in->created,
                               in->trained_from, in->trained_until, in->orders};
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "kind", "netval");
    ordo_cli_model_head_json(w, &h);
    ordo_jsonw_kint(w, "horizon_days", in->horizon_days);
    ordo_jsonw_kint(w, "regions", in->regions);
    ordo_jsonw_kint(w, "series", in->series);
    ordo_jsonw_kdouble(w, "units_forecast", in->units_forecast);
    ordo_jsonw_kint(w, "skus", in->skus);
    ordo_jsonw_kint(w, "lps", in->lps);
    ordo_jsonw_kint(w, "nodes", in->nodes);
    ordo_jsonw_kint(w, "stocked_cells", in->stocked_cells);
    ordo_jsonw_kint(w, "priced_cells", in->priced_cells);
    ordo_jsonw_kdouble(w, "mean_value", in->mean_value);
    ordo_jsonw_kdouble(w, "max_value", in->max_value);
    ordo_jsonw_kdouble(w, "unmet_cost", in->unmet_cost);
    ordo_jsonw_kdouble(w, "solve_seconds", in->solve_s);
    ordo_jsonw_kstr(w, "file", path);
    ordo_jsonw_obj_end(w);
}

int ordo_cli_netval_show(const ordo_cli_args_t *a, const char *path)
{
    ordo_error_t err = {0};
    ordo_netval_model_t *m;
    int rc = ordo_netval_model_load(path, &m, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        ordo_buf_t b;
        ordo_jsonw_t w;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_init(&w, &b, 0);
        ordo_cli_netval_info_json(&w, &m->info, path);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        ordo_cli_netval_info_text(&m->info, path);
    }
    ordo_netval_model_destroy(m);
    return ORDO_EXIT_OK;
}

int ordo_cli_netval_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *arg,
                          const char *data, ordo_error_t *err)
{
    char path[4096];
    ordo_netval_model_t *m = NULL;
    ordo_netval_t *t = NULL;
    int rc = ordo_cli_model_path(arg, data, ORDO_MODEL_KIND_NETVAL, path, sizeof path, err);
    if (!rc)
        rc = ordo_netval_model_load(path, &m, err);
    if (!rc)
        rc = ordo_netval_model_table(m, net, &t, err);
    if (!rc)
        ordo_engine_set_netval(eng, t);
    ordo_netval_model_destroy(m);
    return rc;
}
