/* ordo rate --network DIR --node ID --to ZIP --weight LB --service S */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: ordo rate --network DIR --node ID --to ZIP --weight LB --service S\n"
    "                 [--dims LxWxH] [--commercial] [--peak] [--json]\n\n"
    "Prices one parcel from a node to a ZIP and prints the rate and its parts:\n"
    "zone, actual/dimensional/billable weight, base rate, fuel, residential and\n"
    "peak surcharges, and the transit-time distribution.\n\n"
    "  --service S    a carrier service id (e.g. parcel_ground) or a service\n"
    "                 level name (ground, two_day, overnight): the node's first\n"
    "                 matching service\n"
    "  --dims LxWxH   parcel dimensions in inches (dimensional weight)\n"
    "  --commercial   no residential surcharge\n"
    "  --peak         add the peak-season surcharge\n";

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"network", required_argument, 0, 'N'}, {"node", required_argument, 0, 'n'},
        {"to", required_argument, 0, 't'},      {"weight", required_argument, 0, 'w'},
        {"service", required_argument, 0, 's'}, {"dims", required_argument, 0, 'd'},
        {"commercial", no_argument, 0, 'c'},    {"peak", no_argument, 0, 'p'},
        {"json", no_argument, 0, 'j'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *dir = NULL, *node_id = NULL, *to = NULL, *weight_s = NULL, *svc_s = NULL,
               *dims = NULL;
    bool residential = true, peak = false, json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'N': dir = optarg; break;
        case 'n': node_id = optarg; break;
        case 't': to = optarg; break;
        case 'w': weight_s = optarg; break;
        case 's': svc_s = optarg; break;
        case 'd': dims = optarg; break;
        case 'c': residential = false; break;
        case 'p': peak = true; break;
        case 'j': json = true; break;
        case 'h': fputs(usage, stdout); return ORDO_EXIT_OK;
        default: return ordo_cli_usage("rate", "bad option");
        }
    }
    if (!dir || !node_id || !to || !weight_s || !svc_s)
        return ordo_cli_usage("rate", "--network, --node, --to, --weight and --service are required");
    if (optind != argc)
        return ordo_cli_usage("rate", "unexpected argument '%s'", argv[optind]);
    double weight, l = 0, w_ = 0, h = 0;
    if (ordo_parse_double(weight_s, strlen(weight_s), &weight) || weight <= 0)
        return ordo_cli_usage("rate", "--weight wants a positive number of pounds");
    if (dims && (sscanf(dims, "%lfx%lfx%lf", &l, &w_, &h) != 3 || l < 0 || w_ < 0 || h < 0))
        return ordo_cli_usage("rate", "--dims wants LxWxH in inches, e.g. 12x10x6");
    ordo_error_t err = {0};
    ordo_network_t *net;
    int rc = ordo_network_load(dir, NULL, &net, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    int32_t n = ordo_network_node(net, node_id);
    uint32_t zip;
    const ordo_zip_t *dz = NULL;
    if (n < 0)
        rc = ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, "node", "unknown node '%s'", node_id);
    else if (ordo_zip_parse(to, strlen(to), &zip) || !(dz = ordo_geo_zip(net->geo, zip)))
        rc = ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, "to", "unknown ZIP '%s'", to);
    const ordo_carrier_service_t *svc = NULL;
    if (!rc) {
        const ordo_node_t *node = &net->nodes[n];
        ordo_service_t level;
        bool by_level = ordo_service_parse(svc_s, &level) == ORDO_OK;
        for (uint32_t i = 0; i < node->n_services && !svc; i++) {
            const ordo_carrier_service_t *s = &net->services[node->services[i]];
            if (by_level ? s->service == level : !strcmp(s->id, svc_s))
                svc = s;
        }
        if (!svc)
            rc = ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, "service",
                                "node '%s' does not offer '%s'", node_id, svc_s);
    }
    if (rc) {
        ordo_network_destroy(net);
        return ordo_cli_fail(&err, rc, json);
    }
    int zone = ordo_network_zone(net, (uint32_t)n, dz->zip3);
    ordo_rate_t r;
    rc = ordo_rate_parcel(svc, zone, weight, l * w_ * h, residential, peak, &r);
    if (rc) {
        ordo_network_destroy(net);
        return ordo_cli_fail(NULL, rc, json);
    }
    double p50 = -1, p90 = -1;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        double cdf = ordo_transit_cdf(svc, zone, d);
        if (p50 < 0 && cdf >= 0.5)
            p50 = d;
        if (p90 < 0 && cdf >= 0.9)
            p90 = d;
    }
    double miles = ordo_network_miles(net, (uint32_t)n, dz->zip3);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 1);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "node", node_id);
        ordo_jsonw_kstr(&w, "to", to);
        ordo_jsonw_kstr(&w, "service", svc->id);
        ordo_jsonw_kint(&w, "zone", zone);
        ordo_jsonw_kdouble(&w, "miles", miles);
        ordo_jsonw_kdouble(&w, "actual_lb", r.actual_lb);
        ordo_jsonw_kdouble(&w, "dim_lb", r.dim_lb);
        ordo_jsonw_kdouble(&w, "billable_lb", r.billable_lb);
        ordo_jsonw_kdouble(&w, "base", r.base);
        ordo_jsonw_kdouble(&w, "fuel", r.fuel);
        ordo_jsonw_kdouble(&w, "residential", r.residential);
        ordo_jsonw_kdouble(&w, "peak", r.peak);
        ordo_jsonw_kdouble(&w, "total", r.total);
        ordo_jsonw_kdouble(&w, "transit_days_p50", p50);
        ordo_jsonw_kdouble(&w, "transit_days_p90", p90);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("%s → %s by %s: zone %d (%.0f miles)\n", node_id, to, svc->id, zone, miles);
        printf("  weight      %.2f lb actual, %.2f lb dimensional, %.0f lb billable\n",
               r.actual_lb, r.dim_lb, r.billable_lb);
        printf("  base        $%8.2f\n  fuel        $%8.2f (%.1f%%)\n", r.base, r.fuel,
               svc->fuel_surcharge_pct);
        printf("  residential $%8.2f\n  peak        $%8.2f\n  total       $%8.2f\n",
               r.residential, r.peak, r.total);
        printf("  transit     p50 %.0f, p90 %.0f business days\n", p50, p90);
    }
    ordo_network_destroy(net);
    return ORDO_EXIT_OK;
}

const ordo_cli_cmd_t ordo_cmd_rate = {"rate", "price one parcel and show its parts", run};
