/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — civil time: IANA time zones read from the system's TZif files
 * (RFC 8536, Debian tzdata in /usr/share/zoneinfo), the US federal holiday
 * calendar (5 U.S.C. 6103), and the time zone of a US ZIP code.
 *
 * Days are Unix days: floor(seconds / 86400) of a local or UTC time. */
#ifndef ORDO_CALENDAR_H
#define ORDO_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "geo.h"

/* ---- civil dates ---- */

/* Unix day of a proleptic Gregorian date (month 1..12, day 1..31). */
int64_t ordo_cal_days(int year, int month, int day);
/* The date of a Unix day. */
void ordo_cal_civil(int64_t day, int *year, int *month, int *mday);
/* 0 = Monday .. 6 = Sunday. */
int ordo_cal_weekday(int64_t day);
/* floor(t / 86400) for negative t too. */
int64_t ordo_cal_day_of(int64_t t);

/* ---- US federal holidays ----
 * New Year's Day, Martin Luther King Jr. Day, Washington's Birthday,
 * Memorial Day, Juneteenth (from 2021), Independence Day, Labor Day,
 * Columbus Day, Veterans Day, Thanksgiving Day, Christmas Day; a fixed-date
 * holiday on a Saturday is observed the Friday before, on a Sunday the
 * Monday after. True when `day` is such a holiday or observed holiday. */
bool ordo_cal_federal_holiday(int64_t day);

/* Bit i (0 = Monday) of a week mask: the days a carrier delivers or a node
 * ships. ORDO_WEEK_MON_FRI = 0x1f, ORDO_WEEK_MON_SAT = 0x3f. */
#define ORDO_WEEK_MON_FRI 0x1fu
#define ORDO_WEEK_MON_SAT 0x3fu
/* A day that is in `week_mask` and is not a federal holiday. */
bool ordo_cal_working(int64_t day, unsigned week_mask);
/* The `n`-th working day after `day` (n ≥ 0; n = 0 gives `day` itself when
 * it is a working day, else the next one). A mask with no day counts as
 * ORDO_WEEK_MON_FRI. */
int64_t ordo_cal_add_working(int64_t day, int n, unsigned week_mask);
/* Working days in (day0, day1]. At most 366. */
int ordo_cal_working_between(int64_t day0, int64_t day1, unsigned week_mask);

/* ---- time zones ---- */

typedef struct ordo_tz ordo_tz_t;

#define ORDO_TZ_NAME_MAX 64
#define ORDO_TZ_DIR "/usr/share/zoneinfo"

/* An IANA name such as "America/New_York": letters, digits, '_', '-', '+'
 * and '/', no "..", no leading '/'. */
bool ordo_tz_name_valid(const char *name);
/* Reads $TZDIR/name (else ORDO_TZ_DIR/name). ORDO_ENOTFOUND when the file
 * is absent, ORDO_EPARSE when it is not TZif. The transitions are expanded
 * from the file's footer rule up to 2100, so a lookup is a binary search. */
int ordo_tz_load(const char *name, ordo_tz_t **out, ordo_error_t *err);
int ordo_tz_parse(const unsigned char *buf, size_t n, const char *name, ordo_tz_t **out,
                  ordo_error_t *err);
/* A zone that is always `utoff` seconds east of UTC. NULL when out of memory. */
ordo_tz_t *ordo_tz_fixed(int32_t utoff, const char *name);
void ordo_tz_destroy(ordo_tz_t *tz);
const char *ordo_tz_name(const ordo_tz_t *tz);
/* Seconds east of UTC in force at Unix time t. Thread-safe, no allocation. */
int32_t ordo_tz_offset(const ordo_tz_t *tz, int64_t t);

/* The IANA zone of a US ZIP: by state, with the ZIP3s of split states
 * (TX El Paso, FL panhandle, IN, KY, TN, MI Upper Peninsula, ND/SD/NE west,
 * ID north, OR Malheur); a ZIP not in the table takes its ZIP3's state.
 * NULL when neither is known. */
const char *ordo_tz_for_zip(const ordo_geo_t *geo, uint32_t zip);
/* The same for a ZIP3 (its most populous ZIP's state). */
const char *ordo_tz_for_zip3(const ordo_geo_t *geo, uint16_t zip3);

#endif
