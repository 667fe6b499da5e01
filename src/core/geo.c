/* ordo — US geography: ZIP table, ZIP3 centroids, great-circle distance and
 * USPS-style distance zones. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/geo.h"
#include "ordo/util.h"

#define ZIP_SLOTS 100000

struct ordo_geo {
    ordo_zip_t *zips;       /* sorted by zip */
    size_t n_zips;
    int32_t *by_zip;        /* zip → index, -1 when absent */
    char *cities;           /* NUL-separated pool */
    ordo_zip3_t zip3[ORDO_ZIP3_COUNT];
};

extern const char ordo_zipdata_begin[];
extern const char ordo_zipdata_end[];

static bool is_zone9_territory(const char *st)
{
    static const char *const t[] = {"GU", "AS", "MP", "PW", "FM", "MH"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(st, t[i]))
            return true;
    return false;
}

int ordo_zip_parse(const char *s, size_t n, uint32_t *zip)
{
    if (n != 5)
        return ORDO_EPARSE;
    uint32_t v = 0;
    for (size_t i = 0; i < 5; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ORDO_EPARSE;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    *zip = v;
    return ORDO_OK;
}

char *ordo_zip_format(uint32_t zip, char *buf)
{
    for (int i = 4; i >= 0; i--) {
        buf[i] = (char)('0' + zip % 10);
        zip /= 10;
    }
    buf[5] = 0;
    return buf;
}

double ordo_geo_miles(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1)
        a = 1;
    return 2 * ORDO_EARTH_RADIUS_MI * asin(sqrt(a));
}

int ordo_zone_from_miles(double miles)
{
    static const double limits[] = {50, 150, 300, 600, 1000, 1400, 1800};
    for (int i = 0; i < 7; i++)
        if (miles <= limits[i])
            return i + 1;
    return 8;
}

void ordo_geo_destroy(ordo_geo_t *g)
{
    if (!g)
        return;
    free(g->zips);
    free(g->by_zip);
    free(g->cities);
    free(g);
}

static void build_zip3(ordo_geo_t *g)
{
    /* Weighted sums in unit vectors would be more exact at the poles; at
     * ZIP3 scale (tens of miles) plain lat/lon means are accurate enough. */
    double wlat[ORDO_ZIP3_COUNT] = {0}, wlon[ORDO_ZIP3_COUNT] = {0};
    double ulat[ORDO_ZIP3_COUNT] = {0}, ulon[ORDO_ZIP3_COUNT] = {0};
    uint32_t best_pop[ORDO_ZIP3_COUNT] = {0};
    memset(g->zip3, 0, sizeof g->zip3);
    for (size_t i = 0; i < g->n_zips; i++) {
        const ordo_zip_t *z = &g->zips[i];
        ordo_zip3_t *t = &g->zip3[z->zip3];
        if (!t->known || z->population > best_pop[z->zip3]) {
            memcpy(t->state, z->state, 3);
            best_pop[z->zip3] = z->population;
        }
        t->known = true;
        t->n_zips++;
        t->population += z->population;
        wlat[z->zip3] += (double)z->population * z->lat;
        wlon[z->zip3] += (double)z->population * z->lon;
        ulat[z->zip3] += z->lat;
        ulon[z->zip3] += z->lon;
    }
    for (int k = 0; k < ORDO_ZIP3_COUNT; k++) {
        ordo_zip3_t *t = &g->zip3[k];
        if (!t->known)
            continue;
        if (t->population > 0) {
            t->lat = wlat[k] / (double)t->population;
            t->lon = wlon[k] / (double)t->population;
        } else {
            t->lat = ulat[k] / t->n_zips;
            t->lon = ulon[k] / t->n_zips;
        }
        t->territory = is_zone9_territory(t->state);
    }
}

int ordo_geo_parse(const char *csv, size_t len, const char *name, ordo_geo_t **out,
                   ordo_error_t *err)
{
    *out = NULL;
    ordo_geo_t *g = calloc(1, sizeof *g);
    if (!g)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    size_t cap = 1024;
    for (size_t i = 0; i < len; i++)
        cap += csv[i] == '\n';
    g->zips = calloc(cap, sizeof(ordo_zip_t));
    g->by_zip = malloc(ZIP_SLOTS * sizeof(int32_t));
    g->cities = malloc(len + 1);
    if (!g->zips || !g->by_zip || !g->cities) {
        ordo_geo_destroy(g);
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    }
    for (size_t i = 0; i < ZIP_SLOTS; i++)
        g->by_zip[i] = -1;
    size_t city_len = 0;
    const char *p = csv, *end = csv + len;
    long lineno = 0;
    int rc = ORDO_OK;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (lineno == 1) {
            if (ll < 3 || strncmp(p, "zip", 3) != 0) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL,
                                    "expected header zip,state,lat,lon,population,city");
                break;
            }
        } else if (ll > 0) {
            ordo_csv_field_t f[8];
            int nf = ordo_csv_split(p, ll, f, 8);
            if (nf != 6) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL,
                                    "expected 6 fields, got %d", nf);
                break;
            }
            ordo_zip_t *z = &g->zips[g->n_zips];
            uint32_t pop = 0;
            if (ordo_zip_parse(f[0].p, f[0].n, &z->zip)) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, "zip", "not 5 digits");
                break;
            }
            if (f[1].n != 2) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, "state", "not 2 letters");
                break;
            }
            if (ordo_parse_double(f[2].p, f[2].n, &z->lat) || fabs(z->lat) > 90) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, "lat", "bad latitude");
                break;
            }
            if (ordo_parse_double(f[3].p, f[3].n, &z->lon) || fabs(z->lon) > 180) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, "lon", "bad longitude");
                break;
            }
            if (f[4].n && ordo_parse_u32(f[4].p, f[4].n, &pop)) {
                rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, "population",
                                    "not a non-negative integer");
                break;
            }
            if (g->by_zip[z->zip] >= 0) {
                rc = ordo_error_set(err, ORDO_EEXIST, name, lineno, "zip", "duplicate ZIP %.5s",
                                    f[0].p);
                break;
            }
            z->zip3 = (uint16_t)(z->zip / 100);
            memcpy(z->state, f[1].p, 2);
            z->state[2] = 0;
            z->population = pop;
            memcpy(g->cities + city_len, f[5].p, f[5].n);
            g->cities[city_len + f[5].n] = 0;
            z->city = (const char *)(uintptr_t)city_len; /* fixed up below */
            city_len += f[5].n + 1;
            g->by_zip[z->zip] = (int32_t)g->n_zips;
            g->n_zips++;
        }
        p = nl ? nl + 1 : end;
    }
    if (rc == ORDO_OK && g->n_zips == 0)
        rc = ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL, "no ZIP rows");
    if (rc) {
        ordo_geo_destroy(g);
        return rc;
    }
    /* Rows may come in any order: sort, then rebuild the index. */
    for (size_t i = 0; i < g->n_zips; i++)
        g->zips[i].city = g->cities + (uintptr_t)g->zips[i].city;
    int sorted = 1;
    for (size_t i = 1; i < g->n_zips; i++)
        if (g->zips[i - 1].zip > g->zips[i].zip)
            sorted = 0;
    if (!sorted) {
        /* counting placement through the by_zip index keeps this O(n) */
        ordo_zip_t *s = malloc(g->n_zips * sizeof *s);
        if (!s) {
            ordo_geo_destroy(g);
            return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
        }
        size_t k = 0;
        for (uint32_t zc = 0; zc < ZIP_SLOTS; zc++)
            if (g->by_zip[zc] >= 0)
                s[k++] = g->zips[g->by_zip[zc]];
        free(g->zips);
        g->zips = s;
    }
    for (size_t i = 0; i < g->n_zips; i++)
        g->by_zip[g->zips[i].zip] = (int32_t)i;
    build_zip3(g);
    *out = g;
    return ORDO_OK;
}

int ordo_geo_load(const char *path, ordo_geo_t **out, ordo_error_t *err)
{
    char *data;
    size_t len;
    int rc = ordo_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    rc = ordo_geo_parse(data, len, path, out, err);
    free(data);
    return rc;
}

static ordo_geo_t *default_geo;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
    size_t len = (size_t)(ordo_zipdata_end - ordo_zipdata_begin);
    if (ordo_geo_parse(ordo_zipdata_begin, len, "<embedded us-zips.csv>", &default_geo, NULL))
        default_geo = NULL;
}

const ordo_geo_t *ordo_geo_default(void)
{
    pthread_once(&default_once, load_default);
    return default_geo;
}

size_t ordo_geo_count(const ordo_geo_t *g)
{
    return g->n_zips;
}

const ordo_zip_t *ordo_geo_at(const ordo_geo_t *g, size_t i)
{
    return i < g->n_zips ? &g->zips[i] : NULL;
}

const ordo_zip_t *ordo_geo_zip(const ordo_geo_t *g, uint32_t zip)
{
    if (zip >= ZIP_SLOTS || g->by_zip[zip] < 0)
        return NULL;
    return &g->zips[g->by_zip[zip]];
}

const ordo_zip3_t *ordo_geo_zip3(const ordo_geo_t *g, uint16_t zip3)
{
    static const ordo_zip3_t unknown;
    return zip3 < ORDO_ZIP3_COUNT ? &g->zip3[zip3] : &unknown;
}

double ordo_geo_zip3_miles(const ordo_geo_t *g, uint16_t a, uint16_t b)
{
    const ordo_zip3_t *x = ordo_geo_zip3(g, a), *y = ordo_geo_zip3(g, b);
    if (!x->known || !y->known)
        return ORDO_ENOTFOUND;
    return ordo_geo_miles(x->lat, x->lon, y->lat, y->lon);
}

int ordo_geo_zone(const ordo_geo_t *g, uint16_t origin, uint16_t dest)
{
    const ordo_zip3_t *x = ordo_geo_zip3(g, origin), *y = ordo_geo_zip3(g, dest);
    if (!x->known || !y->known)
        return ORDO_ENOTFOUND;
    if (x->territory != y->territory || (x->territory && origin != dest))
        return 9;
    return ordo_zone_from_miles(ordo_geo_miles(x->lat, x->lon, y->lat, y->lon));
}

const char *ordo_geo_region(const char *st)
{
    static const char *const ne[] = {"CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA", NULL};
    static const char *const mw[] = {"IL", "IN", "MI", "OH", "WI", "IA", "KS",
                                     "MN", "MO", "NE", "ND", "SD", NULL};
    static const char *const so[] = {"DE", "FL", "GA", "MD", "NC", "SC", "VA", "DC", "WV",
                                     "AL", "KY", "MS", "TN", "AR", "LA", "OK", "TX", NULL};
    static const char *const we[] = {"AZ", "CO", "ID", "MT", "NV", "NM", "UT",
                                     "WY", "AK", "CA", "HI", "OR", "WA", NULL};
    static const char *const te[] = {"PR", "VI", "GU", "AS", "MP", "PW", "FM", "MH", NULL};
    static const struct {
        const char *name;
        const char *const *states;
    } regions[] = {{"northeast", ne}, {"midwest", mw}, {"south", so}, {"west", we},
                   {"territories", te}};
    if (!st)
        return "unknown";
    for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++)
        for (const char *const *s = regions[r].states; *s; s++)
            if (!strcmp(*s, st))
                return regions[r].name;
    return "unknown";
}

bool ordo_geo_zip3_rural(const ordo_geo_t *g, uint16_t zip3)
{
    const ordo_zip3_t *z = ordo_geo_zip3(g, zip3);
    return z->known && z->population < 150000;
}
