/* SPDX-License-Identifier: Apache-2.0 */
/* ordo geo distance|zone|zip */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Accepts a 5-digit ZIP or, when allow3, a 3-digit ZIP3. A ZIP not in the
 * table (PO-box, unique ZIPs) stands at its ZIP3's centroid: *z is a copy
 * of the entry, z->population 0 and z->city "" then. */
static int parse_place(const ordo_geo_t *g, const char *s, bool allow3, uint32_t *zip,
                       uint16_t *zip3, ordo_zip_t *zc, bool *approx, ordo_error_t *err)
{
    *approx = false;
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
    const ordo_zip_t *z = ordo_geo_zip_or_zip3(g, *zip, zc, approx);
    if (!z)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "zip",
                              "unknown ZIP '%s' (its ZIP3 is not a US ZIP3 either)", s);
    *zc = *z;
    *zip3 = z->zip3;
    return ORDO_OK;
}

static int run_zip(const ordo_cli_args_t *a)
{
    const ordo_geo_t *g = ordo_geo_default();
    ordo_error_t err = {0};
    uint32_t zip;
    uint16_t z3;
    ordo_zip_t zc;
    bool approx;
    int rc = parse_place(g, a->pos[0], false, &zip, &z3, &zc, &approx, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    const ordo_zip_t *z = &zc;
    const ordo_zip3_t *t = ordo_geo_zip3(g, z3);
    char zb[8];
    if (approx && !a->json)
        printf("%s is not in the ZIP table (a PO-box or unique ZIP): its ZIP3's centroid "
               "stands in\n",
               ordo_zip_format(zip, zb));
    if (!a->json) {
        printf("%s %s, %s (%s) %.5f,%.5f population %u; ZIP3 %03u centroid %.5f,%.5f "
               "population %llu\n",
               ordo_zip_format(zip, zb), z->city, z->state, ordo_geo_region(z->state), z->lat,
               z->lon, z->population, z3, t->lat, t->lon, (unsigned long long)t->population);
        return ORDO_EXIT_OK;
    }
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
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
    ordo_jsonw_kstr(&w, "located_by", approx ? "zip3" : "zip");
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return ORDO_EXIT_OK;
}

/* geo distance and geo zone: two places */
static int run_pair(const ordo_cli_args_t *a)
{
    bool is_zone = !strcmp(a->cmd->name, "zone");
    const ordo_geo_t *g = ordo_geo_default();
    ordo_error_t err = {0};
    uint32_t za, zb_;
    uint16_t a3, b3;
    ordo_zip_t x, y;
    bool xa, ya;
    int rc;
    if ((rc = parse_place(g, a->pos[0], is_zone, &za, &a3, &x, &xa, &err)) ||
        (rc = parse_place(g, a->pos[1], is_zone, &zb_, &b3, &y, &ya, &err)))
        return ordo_cli_fail(&err, rc, a->json);
    double zip3_miles = ordo_geo_zip3_miles(g, a3, b3);
    int zone = ordo_geo_zone(g, a3, b3);
    double miles = 0;
    if (!is_zone) {
        miles = ordo_geo_miles(x.lat, x.lon, y.lat, y.lon);
    }
    if (!a->json) {
        if (is_zone)
            printf("zone %d (%.1f miles between ZIP3 %03u and %03u)\n", zone, zip3_miles, a3,
                   b3);
        else
            printf("%.1f miles (%.1f km); ZIP3 centroids %.1f miles apart\n", miles,
                   miles * 1.609344, zip3_miles);
        return ORDO_EXIT_OK;
    }
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "from", a->pos[0]);
    ordo_jsonw_kstr(&w, "to", a->pos[1]);
    if (is_zone) {
        ordo_jsonw_kint(&w, "zone", zone);
    } else {
        ordo_jsonw_kdouble(&w, "miles", miles);
        ordo_jsonw_kdouble(&w, "km", miles * 1.609344);
    }
    ordo_jsonw_kdouble(&w, "zip3_miles", zip3_miles);
    if (xa || ya) {
        ordo_jsonw_key(&w, "warnings");
        ordo_jsonw_arr_begin(&w);
        if (xa)
            ordo_jsonw_str(&w, "from: not in the ZIP table, located at its ZIP3's centroid");
        if (ya)
            ordo_jsonw_str(&w, "to: not in the ZIP table, located at its ZIP3's centroid");
        ordo_jsonw_arr_end(&w);
    }
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return ORDO_EXIT_OK;
}

static const ordo_cli_cmd_t cmd_distance = {
    .name = "distance",
    .summary = "great-circle miles between two ZIPs (and their ZIP3 centroids)",
    .usage = "geo distance ZIP ZIP [--json]",
    .about = "Great-circle miles between the two ZIP centroids, and between their\n"
             "population-weighted ZIP3 centroids.",
    .examples = "ordo geo distance 10001 90001\nordo geo distance 10001 90001 --json",
    .min_pos = 2,
    .max_pos = 2,
    .flags = ORDO_CLI_RESULT,
    .run = run_pair,
};

static const ordo_cli_cmd_t cmd_zone = {
    .name = "zone",
    .summary = "carrier zone between two ZIPs or ZIP3s",
    .usage = "geo zone ZIP ZIP [--json]",
    .about = "Carrier zone (1-9) from the miles between ZIP3 centroids. A ZIP is five\n"
             "digits; a ZIP3 such as 100 is accepted too.",
    .examples = "ordo geo zone 100 021\nordo geo zone 10001 96910 --json",
    .min_pos = 2,
    .max_pos = 2,
    .flags = ORDO_CLI_RESULT,
    .run = run_pair,
};

static const ordo_cli_cmd_t cmd_zip = {
    .name = "zip",
    .summary = "what ordo knows about a ZIP",
    .usage = "geo zip ZIP [--json]",
    .about = "City, state, census region, centroid and population of a ZIP, and its ZIP3.",
    .examples = "ordo geo zip 10001 --json",
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_zip,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_distance, &cmd_zone, &cmd_zip, NULL};

const ordo_cli_cmd_t ordo_cmd_geo = {
    .name = "geo",
    .summary = "distances, zones and ZIP facts",
    .usage = "geo distance ZIP ZIP [--json]\ngeo zone ZIP ZIP [--json]\ngeo zip ZIP [--json]",
    .about = "US geography as ordo sees it: ZIP centroids, ZIP3s and carrier zones.",
    .examples = "ordo geo zone 10001 94105",
    .subs = subs,
};
