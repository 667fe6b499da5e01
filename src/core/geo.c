/* SPDX-License-Identifier: Apache-2.0 */
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

static uint8_t area_of(const char *st)
{
    if (is_zone9_territory(st))
        return ORDO_AREA_PACIFIC;
    if (!strcmp(st, "AK"))
        return ORDO_AREA_ALASKA;
    if (!strcmp(st, "HI"))
        return ORDO_AREA_HAWAII;
    if (!strcmp(st, "PR") || !strcmp(st, "VI"))
        return ORDO_AREA_CARIBBEAN;
    return ORDO_AREA_MAINLAND;
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
        t->area = area_of(t->state);
    }
}

/* Allocates g's tables for a CSV of len bytes. */
static int geo_alloc(ordo_geo_t *g, const char *csv, size_t len)
{
    size_t cap = 1024;
    for (size_t i = 0; i < len; i++)
        cap += csv[i] == '\n';
    g->zips = calloc(cap, sizeof(ordo_zip_t));
    g->by_zip = malloc(ZIP_SLOTS * sizeof(int32_t));
    g->cities = malloc(len + 1);
    if (!g->zips || !g->by_zip || !g->cities)
        return ORDO_ENOMEM;
    for (size_t i = 0; i < ZIP_SLOTS; i++)
        g->by_zip[i] = -1;
    return ORDO_OK;
}

/* Parses one data row (p, ll bytes) into the next ZIP of g; the city goes
 * to the pool at *city_len (its offset is fixed up once all rows are in). */
static int geo_row(ordo_geo_t *g, const char *p, size_t ll, size_t *city_len, const char *name,
                   long lineno, ordo_error_t *err)
{
    ordo_csv_field_t f[8];
    int nf = ordo_csv_split(p, ll, f, 8);
    if (nf != 6)
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL, "expected 6 fields, got %d",
                              nf);
    ordo_zip_t *z = &g->zips[g->n_zips];
    uint32_t pop = 0;
    if (ordo_zip_parse(f[0].p, f[0].n, &z->zip))
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, "zip", "not 5 digits");
    if (f[1].n != 2)
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, "state", "not 2 letters");
    if (ordo_parse_double(f[2].p, f[2].n, &z->lat) || fabs(z->lat) > 90)
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, "lat", "bad latitude");
    if (ordo_parse_double(f[3].p, f[3].n, &z->lon) || fabs(z->lon) > 180)
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, "lon", "bad longitude");
    if (f[4].n && ordo_parse_u32(f[4].p, f[4].n, &pop))
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, "population",
                              "not a non-negative integer");
    if (g->by_zip[z->zip] >= 0)
        return ordo_error_set(err, ORDO_EEXIST, name, lineno, "zip", "duplicate ZIP %.5s", f[0].p);
    z->zip3 = (uint16_t)(z->zip / 100);
    memcpy(z->state, f[1].p, 2);
    z->state[2] = 0;
    z->population = pop;
    memcpy(g->cities + *city_len, f[5].p, f[5].n);
    g->cities[*city_len + f[5].n] = 0;
    z->city = (const char *)(uintptr_t)*city_len; /* fixed up by geo_finish */
    *city_len += f[5].n + 1;
    g->by_zip[z->zip] = (int32_t)g->n_zips;
    g->n_zips++;
    return ORDO_OK;
}

/* Reads the header and every row of csv into g. */
static int geo_rows(ordo_geo_t *g, const char *csv, size_t len, const char *name, ordo_error_t *err)
{
    size_t city_len = 0;
    const char *p = csv, *end = csv + len;
    long lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (lineno == 1) {
            if (ll < 3 || strncmp(p, "zip", 3) != 0)
                return ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL,
                                      "expected header zip,state,lat,lon,population,city");
        } else if (ll > 0) {
            int rc = geo_row(g, p, ll, &city_len, name, lineno, err);
            if (rc)
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    if (g->n_zips == 0)
        return ordo_error_set(err, ORDO_EPARSE, name, lineno, NULL, "no ZIP rows");
    return ORDO_OK;
}

/* Fixes up city pointers, sorts the ZIPs (rows may come in any order),
 * rebuilds the index and the ZIP3 table. */
static int geo_finish(ordo_geo_t *g)
{
    for (size_t i = 0; i < g->n_zips; i++)
        g->zips[i].city = g->cities + (uintptr_t)g->zips[i].city;
    int sorted = 1;
    for (size_t i = 1; i < g->n_zips; i++)
        if (g->zips[i - 1].zip > g->zips[i].zip)
            sorted = 0;
    if (!sorted) {
        /* counting placement through the by_zip index keeps this O(n) */
        ordo_zip_t *s = malloc(g->n_zips * sizeof *s);
        if (!s)
            return ORDO_ENOMEM;
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
    return ORDO_OK;
}

int ordo_geo_parse(const char *csv, size_t len, const char *name, ordo_geo_t **out,
                   ordo_error_t *err)
{
    *out = NULL;
    ordo_geo_t *g = calloc(1, sizeof *g);
    if (!g || geo_alloc(g, csv, len)) {
        ordo_geo_destroy(g);
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    }
    int rc = geo_rows(g, csv, len, name, err);
    if (rc == ORDO_OK && geo_finish(g))
        rc = ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    if (rc) {
        ordo_geo_destroy(g);
        return rc;
    }
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

const ordo_zip_t *ordo_geo_zip_or_zip3(const ordo_geo_t *g, uint32_t zip, ordo_zip_t *buf,
                                       bool *approx)
{
    *approx = false;
    const ordo_zip_t *z = ordo_geo_zip(g, zip);
    if (z || zip >= ZIP_SLOTS)
        return z;
    const ordo_zip3_t *t = ordo_geo_zip3(g, (uint16_t)(zip / 100));
    if (!t->known)
        return NULL;
    memset(buf, 0, sizeof *buf);
    buf->zip = zip;
    buf->zip3 = (uint16_t)(zip / 100);
    memcpy(buf->state, t->state, sizeof buf->state);
    buf->lat = t->lat;
    buf->lon = t->lon;
    buf->city = "";
    *approx = true;
    return buf;
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

int ordo_geo_rate_zone(const ordo_geo_t *g, uint16_t origin, uint16_t dest)
{
    const ordo_zip3_t *x = ordo_geo_zip3(g, origin), *y = ordo_geo_zip3(g, dest);
    if (!x->known || !y->known)
        return ORDO_ENOTFOUND;
    if (x->area == ORDO_AREA_PACIFIC || y->area == ORDO_AREA_PACIFIC)
        return x->area == y->area && origin == dest ? 1 : 9;
    if (x->area != y->area) {
        static const int far_zone[] = {[ORDO_AREA_ALASKA] = 10, [ORDO_AREA_HAWAII] = 11,
                                       [ORDO_AREA_CARIBBEAN] = 12};
        return far_zone[y->area != ORDO_AREA_MAINLAND ? y->area : x->area];
    }
    return ordo_zone_from_miles(ordo_geo_miles(x->lat, x->lon, y->lat, y->lon));
}

/* ---- regions and rurality: the one table and the one definition ---- */

static const char *const region_names[ORDO_GEO_REGIONS] = {
    [ORDO_REGION_NORTHEAST] = "northeast", [ORDO_REGION_MIDWEST] = "midwest",
    [ORDO_REGION_SOUTH] = "south",         [ORDO_REGION_WEST] = "west",
    [ORDO_REGION_TERRITORY] = "territory", [ORDO_REGION_UNKNOWN] = "unknown"};

/* US Census regions of the states and DC; every US territory, freely
 * associated state and military postal code is "territory". Sorted by
 * code (binary search). */
static const struct {
    char code[3];
    uint8_t region;
} state_regions[] = {
    {"AA", ORDO_REGION_TERRITORY}, {"AE", ORDO_REGION_TERRITORY}, {"AK", ORDO_REGION_WEST},
    {"AL", ORDO_REGION_SOUTH},     {"AP", ORDO_REGION_TERRITORY}, {"AR", ORDO_REGION_SOUTH},
    {"AS", ORDO_REGION_TERRITORY}, {"AZ", ORDO_REGION_WEST},      {"CA", ORDO_REGION_WEST},
    {"CO", ORDO_REGION_WEST},      {"CT", ORDO_REGION_NORTHEAST}, {"DC", ORDO_REGION_SOUTH},
    {"DE", ORDO_REGION_SOUTH},     {"FL", ORDO_REGION_SOUTH},     {"FM", ORDO_REGION_TERRITORY},
    {"GA", ORDO_REGION_SOUTH},     {"GU", ORDO_REGION_TERRITORY}, {"HI", ORDO_REGION_WEST},
    {"IA", ORDO_REGION_MIDWEST},   {"ID", ORDO_REGION_WEST},      {"IL", ORDO_REGION_MIDWEST},
    {"IN", ORDO_REGION_MIDWEST},   {"KS", ORDO_REGION_MIDWEST},   {"KY", ORDO_REGION_SOUTH},
    {"LA", ORDO_REGION_SOUTH},     {"MA", ORDO_REGION_NORTHEAST}, {"MD", ORDO_REGION_SOUTH},
    {"ME", ORDO_REGION_NORTHEAST}, {"MH", ORDO_REGION_TERRITORY}, {"MI", ORDO_REGION_MIDWEST},
    {"MN", ORDO_REGION_MIDWEST},   {"MO", ORDO_REGION_MIDWEST},   {"MP", ORDO_REGION_TERRITORY},
    {"MS", ORDO_REGION_SOUTH},     {"MT", ORDO_REGION_WEST},      {"NC", ORDO_REGION_SOUTH},
    {"ND", ORDO_REGION_MIDWEST},   {"NE", ORDO_REGION_MIDWEST},   {"NH", ORDO_REGION_NORTHEAST},
    {"NJ", ORDO_REGION_NORTHEAST}, {"NM", ORDO_REGION_WEST},      {"NV", ORDO_REGION_WEST},
    {"NY", ORDO_REGION_NORTHEAST}, {"OH", ORDO_REGION_MIDWEST},   {"OK", ORDO_REGION_SOUTH},
    {"OR", ORDO_REGION_WEST},      {"PA", ORDO_REGION_NORTHEAST}, {"PR", ORDO_REGION_TERRITORY},
    {"PW", ORDO_REGION_TERRITORY}, {"RI", ORDO_REGION_NORTHEAST}, {"SC", ORDO_REGION_SOUTH},
    {"SD", ORDO_REGION_MIDWEST},   {"TN", ORDO_REGION_SOUTH},     {"TX", ORDO_REGION_SOUTH},
    {"UT", ORDO_REGION_WEST},      {"VA", ORDO_REGION_SOUTH},     {"VI", ORDO_REGION_TERRITORY},
    {"VT", ORDO_REGION_NORTHEAST}, {"WA", ORDO_REGION_WEST},      {"WI", ORDO_REGION_MIDWEST},
    {"WV", ORDO_REGION_SOUTH},     {"WY", ORDO_REGION_WEST},
};

const char *ordo_geo_region_name(ordo_geo_region_t r)
{
    return (unsigned)r < ORDO_GEO_REGIONS ? region_names[r] : region_names[ORDO_REGION_UNKNOWN];
}

int ordo_geo_region_parse(const char *name, ordo_geo_region_t *out)
{
    if (!name)
        return ORDO_ENOTFOUND;
    for (int r = 0; r < ORDO_GEO_REGIONS; r++)
        if (!strcmp(name, region_names[r])) {
            *out = (ordo_geo_region_t)r;
            return ORDO_OK;
        }
    if (!strcmp(name, "territories")) { /* the spelling of older records and reports */
        *out = ORDO_REGION_TERRITORY;
        return ORDO_OK;
    }
    return ORDO_ENOTFOUND;
}

ordo_geo_region_t ordo_geo_state_region(const char *st)
{
    if (!st || !st[0] || !st[1] || st[2])
        return ORDO_REGION_UNKNOWN;
    size_t lo = 0, hi = sizeof state_regions / sizeof state_regions[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(st, state_regions[mid].code, 2);
        if (c == 0)
            return (ordo_geo_region_t)state_regions[mid].region;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return ORDO_REGION_UNKNOWN;
}

ordo_geo_region_t ordo_geo_zip_region(const ordo_geo_t *g, uint32_t zip)
{
    if (!g || zip >= ZIP_SLOTS)
        return ORDO_REGION_UNKNOWN;
    const ordo_zip_t *z = ordo_geo_zip(g, zip);
    if (z)
        return ordo_geo_state_region(z->state);
    const ordo_zip3_t *z3 = ordo_geo_zip3(g, (uint16_t)(zip / 100));
    return z3->known ? ordo_geo_state_region(z3->state) : ORDO_REGION_UNKNOWN;
}

const char *ordo_geo_region(const char *st)
{
    return region_names[ordo_geo_state_region(st)];
}

bool ordo_geo_zip3_rural(const ordo_geo_t *g, uint16_t zip3)
{
    if (!g || zip3 >= ORDO_ZIP3_COUNT)
        return false;
    const ordo_zip3_t *z = ordo_geo_zip3(g, zip3);
    if (!z->known || z->n_zips == 0)
        return false;
    return (double)z->population / z->n_zips < ORDO_GEO_RURAL_PER_ZIP;
}

int ordo_geo_zip_rural(const ordo_geo_t *g, uint32_t zip)
{
    const ordo_zip_t *z = g ? ordo_geo_zip(g, zip) : NULL;
    if (!z)
        return -1;
    return z->population < ORDO_GEO_RURAL_ZIP_POPULATION;
}
