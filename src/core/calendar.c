/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — civil dates (Howard Hinnant's days-from-civil algorithms), the US
 * federal holiday calendar, working days, and the time zone of a US ZIP. */
#include <pthread.h>
#include <string.h>

#include "ordo/calendar.h"

int64_t ordo_cal_days(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = (unsigned)(month > 2 ? month - 3 : month + 9);
    unsigned doy = (153 * mp + 2) / 5 + (unsigned)day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ordo_cal_civil(int64_t day, int *year, int *month, int *mday)
{
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)m;
    *year = (int)((int64_t)yoe + era * 400 + (m <= 2));
}

int ordo_cal_weekday(int64_t day)
{
    int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

int64_t ordo_cal_day_of(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* A fixed-date holiday falls on this date (before the observance rule). */
static bool fixed_holiday(int year, int m, int d)
{
    return (m == 1 && d == 1) || (m == 6 && d == 19 && year >= 2021) || (m == 7 && d == 4) ||
           (m == 11 && d == 11) || (m == 12 && d == 25);
}

/* A Monday/Thursday holiday defined by its week of the month. */
static bool weekday_holiday(int m, int d, int wd)
{
    int nth = (d - 1) / 7 + 1;
    bool last = d + 7 > 31; /* May has 31 days */
    if (wd == 0)
        return (m == 1 && nth == 3) || (m == 2 && nth == 3) || (m == 5 && last) ||
               (m == 9 && nth == 1) || (m == 10 && nth == 2);
    return wd == 3 && m == 11 && nth == 4;
}

static bool holiday_by_rule(int64_t day)
{
    int y, m, d, wd = ordo_cal_weekday(day);
    ordo_cal_civil(day, &y, &m, &d);
    if (wd < 5 && (fixed_holiday(y, m, d) || weekday_holiday(m, d, wd)))
        return true;
    if (wd == 4) { /* Friday: Saturday's fixed holiday is observed today */
        ordo_cal_civil(day + 1, &y, &m, &d);
        return fixed_holiday(y, m, d);
    }
    if (wd == 0) { /* Monday: Sunday's */
        ordo_cal_civil(day - 1, &y, &m, &d);
        return fixed_holiday(y, m, d);
    }
    return false;
}

/* Holidays 1970-01-01 .. 2199-12-31 as a bitmap, built once: the decision
 * path asks for a few dozen days per order. */
#define HOL_DAYS 84006 /* days from 1970-01-01 to 2200-01-01 */
static uint64_t hol_bits[(HOL_DAYS + 63) / 64];
static pthread_once_t hol_once = PTHREAD_ONCE_INIT;

static void hol_build(void)
{
    for (int64_t d = 0; d < HOL_DAYS; d++)
        if (holiday_by_rule(d))
            hol_bits[d >> 6] |= 1ull << (d & 63);
}

bool ordo_cal_federal_holiday(int64_t day)
{
    if (day < 0 || day >= HOL_DAYS)
        return holiday_by_rule(day);
    pthread_once(&hol_once, hol_build);
    return hol_bits[day >> 6] >> (day & 63) & 1;
}

bool ordo_cal_working(int64_t day, unsigned week_mask)
{
    return (week_mask >> ordo_cal_weekday(day) & 1) && !ordo_cal_federal_holiday(day);
}

int64_t ordo_cal_add_working(int64_t day, int n, unsigned week_mask)
{
    if (!(week_mask & 0x7f))
        week_mask = ORDO_WEEK_MON_FRI;
    int64_t d = day;
    while (n > 0) {
        d++;
        if (ordo_cal_working(d, week_mask))
            n--;
    }
    while (!ordo_cal_working(d, week_mask))
        d++;
    return d;
}

int ordo_cal_working_between(int64_t day0, int64_t day1, unsigned week_mask)
{
    int n = 0;
    for (int64_t d = day0 + 1; d <= day1 && n < 366; d++)
        if (ordo_cal_working(d, week_mask))
            n++;
    return n;
}

/* ---- the time zone of a ZIP ---- */

typedef struct {
    const char *state, *zone;
} state_zone_t;

static const state_zone_t state_zones[] = {
    {"CT", "America/New_York"},     {"DE", "America/New_York"},
    {"DC", "America/New_York"},     {"GA", "America/New_York"},
    {"ME", "America/New_York"},     {"MD", "America/New_York"},
    {"MA", "America/New_York"},     {"NH", "America/New_York"},
    {"NJ", "America/New_York"},     {"NY", "America/New_York"},
    {"NC", "America/New_York"},     {"OH", "America/New_York"},
    {"PA", "America/New_York"},     {"RI", "America/New_York"},
    {"SC", "America/New_York"},     {"VT", "America/New_York"},
    {"VA", "America/New_York"},     {"WV", "America/New_York"},
    {"FL", "America/New_York"},     {"MI", "America/Detroit"},
    {"IN", "America/Indiana/Indianapolis"},
    {"KY", "America/New_York"},     {"TN", "America/Chicago"},
    {"AL", "America/Chicago"},      {"AR", "America/Chicago"},
    {"IL", "America/Chicago"},      {"IA", "America/Chicago"},
    {"LA", "America/Chicago"},      {"MN", "America/Chicago"},
    {"MS", "America/Chicago"},      {"MO", "America/Chicago"},
    {"OK", "America/Chicago"},      {"WI", "America/Chicago"},
    {"TX", "America/Chicago"},      {"KS", "America/Chicago"},
    {"NE", "America/Chicago"},      {"ND", "America/Chicago"},
    {"SD", "America/Chicago"},      {"CO", "America/Denver"},
    {"MT", "America/Denver"},       {"NM", "America/Denver"},
    {"UT", "America/Denver"},       {"WY", "America/Denver"},
    {"ID", "America/Boise"},        {"AZ", "America/Phoenix"},
    {"CA", "America/Los_Angeles"},  {"NV", "America/Los_Angeles"},
    {"OR", "America/Los_Angeles"},  {"WA", "America/Los_Angeles"},
    {"AK", "America/Anchorage"},    {"HI", "Pacific/Honolulu"},
    {"PR", "America/Puerto_Rico"},  {"VI", "America/St_Thomas"},
    {"GU", "Pacific/Guam"},         {"AS", "Pacific/Pago_Pago"},
    {"MP", "Pacific/Saipan"},       {"PW", "Pacific/Palau"},
    {"FM", "Pacific/Chuuk"},        {"MH", "Pacific/Majuro"},
    {"AA", "America/New_York"},     {"AE", "America/New_York"},
    {"AP", "America/Los_Angeles"},
};

/* ZIP3s of split states whose zone differs from their state's (by where
 * most of the ZIP3's people live). */
static const struct {
    uint16_t zip3;
    const char *zone;
} zip3_zones[] = {
    {324, "America/Chicago"},      /* FL panhandle: Panama City */
    {325, "America/Chicago"},      /* FL panhandle: Pensacola */
    {373, "America/New_York"},     /* TN: Chattanooga area */
    {374, "America/New_York"},     /* TN: Chattanooga */
    {376, "America/New_York"},     /* TN: Johnson City */
    {377, "America/New_York"},     /* TN: Knoxville area */
    {378, "America/New_York"},     /* TN: Knoxville area */
    {379, "America/New_York"},     /* TN: Knoxville */
    {420, "America/Chicago"},      /* KY: Paducah */
    {421, "America/Chicago"},      /* KY: Bowling Green */
    {422, "America/Chicago"},      /* KY: Bowling Green area */
    {423, "America/Chicago"},      /* KY: Owensboro */
    {424, "America/Chicago"},      /* KY: Henderson */
    {463, "America/Chicago"},      /* IN: Gary */
    {464, "America/Chicago"},      /* IN: Gary area */
    {476, "America/Chicago"},      /* IN: Evansville */
    {477, "America/Chicago"},      /* IN: Evansville area */
    {498, "America/Menominee"},    /* MI Upper Peninsula: Iron Mountain */
    {577, "America/Denver"},       /* SD west: Rapid City */
    {586, "America/Denver"},       /* ND southwest: Dickinson */
    {693, "America/Denver"},       /* NE west: Scottsbluff, Alliance */
    {798, "America/Denver"},       /* TX: El Paso area */
    {799, "America/Denver"},       /* TX: El Paso */
    {835, "America/Los_Angeles"},  /* ID north: Lewiston */
    {838, "America/Los_Angeles"},  /* ID north: Coeur d'Alene */
    {885, "America/Denver"},       /* TX: El Paso (unique ZIPs) */
    {979, "America/Boise"},        /* OR: Malheur County */
};

static const char *zone_of(const char *state, uint16_t zip3)
{
    for (size_t i = 0; i < sizeof zip3_zones / sizeof zip3_zones[0]; i++)
        if (zip3_zones[i].zip3 == zip3)
            return zip3_zones[i].zone;
    for (size_t i = 0; i < sizeof state_zones / sizeof state_zones[0]; i++)
        if (!strcmp(state_zones[i].state, state))
            return state_zones[i].zone;
    return NULL;
}

const char *ordo_tz_for_zip3(const ordo_geo_t *geo, uint16_t zip3)
{
    const ordo_zip3_t *z3 = ordo_geo_zip3(geo, zip3);
    return z3->known ? zone_of(z3->state, zip3) : NULL;
}

const char *ordo_tz_for_zip(const ordo_geo_t *geo, uint32_t zip)
{
    const ordo_zip_t *z = ordo_geo_zip(geo, zip);
    if (z)
        return zone_of(z->state, z->zip3);
    return zip < 100000 ? ordo_tz_for_zip3(geo, (uint16_t)(zip / 100)) : NULL;
}
