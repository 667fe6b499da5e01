/* ordo geo distance|zone|zip */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: ordo geo distance ZIP ZIP [--json]\n"
    "       ordo geo zone ZIP ZIP [--json]\n"
    "       ordo geo zip ZIP [--json]\n\n"
    "  distance   great-circle miles between the two ZIP centroids, and between\n"
    "             their population-weighted ZIP3 centroids\n"
    "  zone       carrier zone (1-9) from the miles between ZIP3 centroids\n"
    "  zip        what ordo knows about a ZIP\n"
    "A ZIP is five digits (a ZIP3 such as 100 is also accepted for zone).\n";

/* Accepts a 5-digit ZIP or, when allow3, a 3-digit ZIP3. */
static int parse_place(const ordo_geo_t *g, const char *s, bool allow3, uint32_t *zip,
                       uint16_t *zip3, ordo_error_t *err)
{
    size_t n = strlen(s);
    if (allow3 && n == 3) {
        uint32_t v;
        if (ordo_parse_u32(s, 3, &v))
            return ordo_error_set(err, ORDO_EPARSE, NULL, 0, "zip", "'%s' is not a ZIP3", s);
        if (!ordo_geo_zip3(g, (uint16_t)v)->known)
            return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "zip", "unknown ZIP3 '%s'", s);
        *zip = UINT32_MAX;
        *zip3 = (uint16_t)v;
        return ORDO_OK;
    }
    if (ordo_zip_parse(s, n, zip))
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, "zip", "'%s' is not a 5-digit ZIP", s);
    const ordo_zip_t *z = ordo_geo_zip(g, *zip);
    if (!z)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "zip", "unknown ZIP '%s'", s);
    *zip3 = z->zip3;
    return ORDO_OK;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(usage, stdout);
            return ORDO_EXIT_OK;
        } else
            return ordo_cli_usage("geo", "bad option");
    }
    /* allow flags after the positional arguments too */
    char *pos[4];
    int np = 0;
    for (int i = optind; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return ORDO_EXIT_OK;
        } else if (np < 4)
            pos[np++] = argv[i];
        else
            return ordo_cli_usage("geo", "too many arguments");
    }
    if (np < 1)
        return ordo_cli_usage("geo", "expected a subcommand: distance, zone or zip");
    const ordo_geo_t *g = ordo_geo_default();
    ordo_error_t err = {0};
    int rc;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    char zb[8];
    if (!strcmp(pos[0], "zip")) {
        uint32_t zip;
        uint16_t z3;
        if (np != 2)
            return ordo_cli_usage("geo zip", "expected one ZIP");
        if ((rc = parse_place(g, pos[1], false, &zip, &z3, &err)))
            return ordo_cli_fail(&err, rc, json);
        const ordo_zip_t *z = ordo_geo_zip(g, zip);
        const ordo_zip3_t *t = ordo_geo_zip3(g, z3);
        if (json) {
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "zip", ordo_zip_format(zip, zb));
            ordo_jsonw_kstr(&w, "city", z->city);
            ordo_jsonw_kstr(&w, "state", z->state);
            ordo_jsonw_kstr(&w, "region", ordo_geo_region(z->state));
            ordo_jsonw_kdouble(&w, "lat", z->lat);
            ordo_jsonw_kdouble(&w, "lon", z->lon);
            ordo_jsonw_kint(&w, "population", z->population);
            ordo_jsonw_kint(&w, "zip3", z3);
            ordo_jsonw_kdouble(&w, "zip3_lat", t->lat);
            ordo_jsonw_kdouble(&w, "zip3_lon", t->lon);
            ordo_jsonw_kint(&w, "zip3_population", (int64_t)t->population);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_finish(&w);
            ordo_cli_print_buf(&b);
        } else {
            printf("%s %s, %s (%s) %.5f,%.5f population %u; ZIP3 %03u centroid %.5f,%.5f "
                   "population %llu\n",
                   ordo_zip_format(zip, zb), z->city, z->state, ordo_geo_region(z->state), z->lat,
                   z->lon, z->population, z3, t->lat, t->lon, (unsigned long long)t->population);
        }
        ordo_buf_free(&b);
        return ORDO_EXIT_OK;
    }
    bool is_dist = !strcmp(pos[0], "distance"), is_zone = !strcmp(pos[0], "zone");
    if (!is_dist && !is_zone)
        return ordo_cli_usage("geo", "unknown subcommand '%s'", pos[0]);
    if (np != 3)
        return ordo_cli_usage(is_dist ? "geo distance" : "geo zone", "expected two ZIPs");
    uint32_t za, zb_;
    uint16_t a3, b3;
    if ((rc = parse_place(g, pos[1], is_zone, &za, &a3, &err)) ||
        (rc = parse_place(g, pos[2], is_zone, &zb_, &b3, &err)))
        return ordo_cli_fail(&err, rc, json);
    double zip3_miles = ordo_geo_zip3_miles(g, a3, b3);
    int zone = ordo_geo_zone(g, a3, b3);
    if (is_dist) {
        const ordo_zip_t *x = ordo_geo_zip(g, za), *y = ordo_geo_zip(g, zb_);
        double miles = ordo_geo_miles(x->lat, x->lon, y->lat, y->lon);
        if (json) {
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "from", pos[1]);
            ordo_jsonw_kstr(&w, "to", pos[2]);
            ordo_jsonw_kdouble(&w, "miles", miles);
            ordo_jsonw_kdouble(&w, "km", miles * 1.609344);
            ordo_jsonw_kdouble(&w, "zip3_miles", zip3_miles);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_finish(&w);
            ordo_cli_print_buf(&b);
        } else {
            printf("%.1f miles (%.1f km); ZIP3 centroids %.1f miles apart\n", miles,
                   miles * 1.609344, zip3_miles);
        }
    } else {
        if (json) {
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "from", pos[1]);
            ordo_jsonw_kstr(&w, "to", pos[2]);
            ordo_jsonw_kint(&w, "zone", zone);
            ordo_jsonw_kdouble(&w, "zip3_miles", zip3_miles);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_finish(&w);
            ordo_cli_print_buf(&b);
        } else {
            printf("zone %d (%.1f miles between ZIP3 %03u and %03u)\n", zone, zip3_miles, a3,
                   b3);
        }
    }
    ordo_buf_free(&b);
    return ORDO_EXIT_OK;
}

const ordo_cli_cmd_t ordo_cmd_geo = {"geo", "distances, zones and ZIP facts", run};
