/* SPDX-License-Identifier: Apache-2.0 */
/* ordo rate --network DIR --node ID --to ZIP --weight LB --service S */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct rate_query {
    const char *node_id, *to;
    double weight, l, w, h;
    bool residential;
    int peak_md; /* ORDO_PEAK_* or month × 100 + day */
} rate_query_t;

/* The node's service named by id, or its first of a service level. */
static const ordo_carrier_service_t *find_service(const ordo_network_t *net, int32_t n,
                                                  const char *svc_s)
{
    const ordo_node_t *node = &net->nodes[n];
    ordo_service_t level;
    bool by_level = ordo_service_parse(svc_s, &level) == ORDO_OK;
    for (uint32_t i = 0; i < node->n_services; i++) {
        const ordo_carrier_service_t *s = &net->services[node->services[i]];
        if (by_level ? s->service == level : !strcmp(s->id, svc_s))
            return s;
    }
    return NULL;
}

typedef struct rate_result {
    const ordo_carrier_service_t *svc;
    int zone;
    double miles, p50, p90;
    ordo_rate_t r;
} rate_result_t;

static void print_json(const rate_query_t *q, const rate_result_t *x)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "node", q->node_id);
    ordo_jsonw_kstr(&w, "to", q->to);
    ordo_jsonw_kstr(&w, "service", x->svc->id);
    ordo_jsonw_kint(&w, "zone", x->zone);
    ordo_jsonw_kdouble(&w, "miles", x->miles);
    ordo_jsonw_kdouble(&w, "actual_lb", x->r.actual_lb);
    ordo_jsonw_kdouble(&w, "dim_lb", x->r.dim_lb);
    ordo_jsonw_kdouble(&w, "billable_lb", x->r.billable_lb);
    ordo_jsonw_kdouble(&w, "base", x->r.base);
    ordo_jsonw_kdouble(&w, "fuel", x->r.fuel);
    ordo_jsonw_kdouble(&w, "residential", x->r.residential);
    ordo_jsonw_kdouble(&w, "peak", x->r.peak);
    ordo_jsonw_kdouble(&w, "handling", x->r.handling);
    ordo_jsonw_kdouble(&w, "total", x->r.total);
    ordo_jsonw_kdouble(&w, "transit_days_p50", x->p50);
    ordo_jsonw_kdouble(&w, "transit_days_p90", x->p90);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static void print_text(const rate_query_t *q, const rate_result_t *x)
{
    const ordo_rate_t *r = &x->r;
    printf("%s → %s by %s: zone %d (%.0f miles)\n", q->node_id, q->to, x->svc->id, x->zone,
           x->miles);
    printf("  weight      %.2f lb actual, %.2f lb dimensional, %.0f lb billable\n", r->actual_lb,
           r->dim_lb, r->billable_lb);
    printf("  base        $%8.2f\n  fuel        $%8.2f (%.1f%%)\n", r->base, r->fuel,
           x->svc->fuel_surcharge_pct);
    printf("  handling    $%8.2f\n", r->handling);
    printf("  residential $%8.2f\n  peak        $%8.2f\n  total       $%8.2f\n", r->residential,
           r->peak, r->total);
    printf("  transit     p50 %.0f, p90 %.0f business days\n", x->p50, x->p90);
}

/* Rates q on net; fills x. */
static int rate(const ordo_network_t *net, const rate_query_t *q, const char *svc_s,
                rate_result_t *x, ordo_error_t *err)
{
    int32_t n = ordo_network_node(net, q->node_id);
    uint32_t zip;
    const ordo_zip_t *dz = NULL;
    if (n < 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "node", "unknown node '%s'",
                              q->node_id);
    if (ordo_zip_parse(q->to, strlen(q->to), &zip) || !(dz = ordo_geo_zip(net->geo, zip)))
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "to", "unknown ZIP '%s'", q->to);
    if (!(x->svc = find_service(net, n, svc_s)))
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "service",
                              "node '%s' does not offer '%s'", q->node_id, svc_s);
    x->zone = ordo_network_zone(net, (uint32_t)n, dz->zip3);
    ordo_parcel_t p = {q->weight, q->l * q->w * q->h, {q->l, q->w, q->h}};
    int rc = ordo_rate_package(x->svc, x->zone, &p, q->residential, q->peak_md, &x->r);
    if (rc == ORDO_ERANGE)
        return ordo_error_set(err, rc, NULL, 0, "service",
                              "%s cannot carry this parcel: over its %s limit", x->svc->id,
                              x->r.over);
    if (rc)
        return rc;
    x->p50 = x->p90 = -1;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        double cdf = ordo_transit_cdf(x->svc, x->zone, d);
        if (x->p50 < 0 && cdf >= 0.5)
            x->p50 = d;
        if (x->p90 < 0 && cdf >= 0.9)
            x->p90 = d;
    }
    x->miles = ordo_network_miles(net, (uint32_t)n, dz->zip3);
    return ORDO_OK;
}

static int run(const ordo_cli_args_t *a)
{
    const char *dir = ordo_cli_get(a, "network"), *svc_s = ordo_cli_get(a, "service"),
               *weight_s = ordo_cli_get(a, "weight"), *dims = ordo_cli_get(a, "dims"),
               *date_s = ordo_cli_get(a, "date");
    rate_query_t q = {.node_id = ordo_cli_get(a, "node"),
                      .to = ordo_cli_get(a, "to"),
                      .residential = !ordo_cli_flag(a, "commercial"),
                      .peak_md = ordo_cli_flag(a, "peak") ? ORDO_PEAK_FIRST : ORDO_PEAK_NONE};
    int yy, mm, dd;
    char tail;
    if (date_s && (sscanf(date_s, "%4d-%2d-%2d%c", &yy, &mm, &dd, &tail) != 3 || mm < 1 ||
                   mm > 12 || dd < 1 || dd > 31))
        return ordo_cli_usage("rate", "--date wants YYYY-MM-DD");
    if (date_s)
        q.peak_md = mm * 100 + dd;
    if (!dir || !q.node_id || !q.to || !weight_s || !svc_s)
        return ordo_cli_usage("rate", "--network, --node, --to, --weight and --service are required");
    if (ordo_parse_double(weight_s, strlen(weight_s), &q.weight) || q.weight <= 0)
        return ordo_cli_usage("rate", "--weight wants a positive number of pounds");
    if (dims && (sscanf(dims, "%lfx%lfx%lf", &q.l, &q.w, &q.h) != 3 || q.l < 0 || q.w < 0 ||
                 q.h < 0))
        return ordo_cli_usage("rate", "--dims wants LxWxH in inches, e.g. 12x10x6");
    ordo_error_t err = {0};
    ordo_network_t *net;
    int rc = ordo_cli_network_load(dir, &net, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    rate_result_t x;
    rc = rate(net, &q, svc_s, &x, &err);
    if (!rc && a->json)
        print_json(&q, &x);
    else if (!rc)
        print_text(&q, &x);
    ordo_network_destroy(net);
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

static const ordo_cli_opt_t opts[] = {
    {"network", 0, "DIR", "the network (required)"},
    {"node", 0, "ID", "the shipping node (required)"},
    {"to", 0, "ZIP", "the destination ZIP (required)"},
    {"weight", 0, "LB", "the parcel's weight in pounds (required)"},
    {"service", 0, "S", "a carrier service id (e.g. parcel_ground) or a service\n"
                        "level name (ground, two_day, overnight): the node's first\n"
                        "matching service (required)"},
    {"dims", 0, "LxWxH", "parcel dimensions in inches (dimensional weight)"},
    {"commercial", 0, NULL, "no residential surcharge"},
    {"peak", 0, NULL, "add the first peak window's surcharge"},
    {"date", 0, "YYYY-MM-DD", "ship date: the peak surcharge of the window it falls in"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_rate = {
    .name = "rate",
    .summary = "price one parcel and show its parts",
    .usage = "rate --network DIR --node ID --to ZIP --weight LB --service S\n"
             "     [--dims LxWxH] [--commercial] [--peak | --date YYYY-MM-DD] [--json]",
    .about = "Prices one parcel from a node to a ZIP and prints the rate and its parts:\n"
             "zone, actual/dimensional/billable weight, base rate, fuel, additional\n"
             "handling or large package, residential and peak surcharges, and the\n"
             "transit-time distribution. A parcel over the service's weight or size\n"
             "limits is an error (ERANGE) naming the limit.",
    .examples = "ordo rate --network docs/examples/network --node DC-001 --to 90001 --weight 2 "
                "--service ground",
    .opts = opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
