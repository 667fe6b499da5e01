/* SPDX-License-Identifier: Apache-2.0 */
/* The world's truth: when a node ships and how long a lane really takes.
 * This is NOT the carriers' published transit histograms the engine plans
 * with; docs/internals/SIM.md ("The true lane model") states every number
 * here, so that a model learning from outcomes can be scored on how much
 * of it it recovers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "world.h"
#include "ordo/geo.h"

int sim_node_utc_offset(const ordo_node_t *node)
{
    return (int)lround(node->lon / 15.0);
}

int64_t sim_ship_day(const ordo_node_t *node, int64_t t)
{
    int64_t local = t + (int64_t)sim_node_utc_offset(node) * 3600;
    int64_t day = ordo_cal_day_of(local);
    int hour = (int)((local - day * 86400) / 3600);
    if (hour >= node->cutoff_hour)
        day++;
    int proc = node->processing_days > 0 ? node->processing_days : 0;
    return ordo_cal_add_working(day, proc, ORDO_WEEK_MON_FRI);
}

int sim_truth_base_days(int zone, bool fast)
{
    static const int ground[9] = {1, 1, 2, 3, 4, 5, 6, 7, 7};
    static const int two_day[9] = {1, 1, 1, 1, 1, 2, 2, 2, 2};
    if (zone < 1)
        zone = 1;
    if (zone > 8)
        zone = 8;
    return fast ? two_day[zone] : ground[zone];
}

/* P(one extra day) for the carrier (by its name). */
static double carrier_late(const char *carrier)
{
    static const struct {
        const char *name;
        double p;
    } t[] = {{"parcel", 0.03}, {"ups", 0.03}, {"fedex", 0.03}, {"postal", 0.06},
             {"usps", 0.06},   {"regional", 0.10}, {"lso", 0.10}, {"ontrac", 0.10}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(carrier, t[i].name))
            return t[i].p;
    return 0.05;
}

/* P(one extra day) for the destination's region. */
static double region_late(const char *state)
{
    static const char west[] = "CA OR WA NV AZ UT CO ID MT WY NM AK HI";
    static const char northeast[] = "NY NJ PA MA CT RI VT NH ME";
    if (!state || !state[0])
        return 0;
    if (strstr(west, state))
        return 0.15;
    if (strstr(northeast, state))
        return 0.05;
    return 0;
}

static bool draw(ordo_rng_t *rng, double p)
{
    return ordo_rng_uniform(rng) < p;
}

int64_t sim_thanksgiving(int year)
{
    int64_t nov1 = ordo_cal_days(year, 11, 1);
    return nov1 + (3 - ordo_cal_weekday(nov1) + 7) % 7 + 21; /* the fourth Thursday */
}

/* Days from day to the nearest of Thanksgiving, Christmas and New Year's
 * Day (of the day's year or the next), as (holiday − day). */
static int64_t to_holiday(int64_t day)
{
    int y, m, d;
    ordo_cal_civil(day, &y, &m, &d);
    int64_t h[4] = {sim_thanksgiving(y), ordo_cal_days(y, 12, 25), ordo_cal_days(y + 1, 1, 1),
                    ordo_cal_days(y, 1, 1)};
    int64_t best = INT64_MAX;
    for (int i = 0; i < 4; i++)
        if (llabs(h[i] - day) < llabs(best))
            best = h[i] - day;
    return best;
}

double sim_truth_season_p(int64_t ship_day, bool fast, int extra)
{
    int y, m, d;
    ordo_cal_civil(ship_day, &y, &m, &d);
    if (extra == 0) /* peak season: Nov 15 .. Dec 31 */
        return (m == 11 && d >= 15) || m == 12 ? (fast ? 0.10 : 0.20) : 0;
    if (extra == 1) /* the last shipping days before Christmas */
        return m == 12 && d >= 15 && d <= 24 ? 0.15 : 0;
    int64_t k = to_holiday(ship_day); /* shipped 3 days before .. 1 day after a holiday */
    return k >= -1 && k <= 3 ? 0.40 : 0;
}

/* Winter weather, December to February, to the Northeast and Midwest. */
static double winter_p(int64_t ship_day, const char *state)
{
    static const char cold[] = "NY NJ PA MA CT RI VT NH ME IL IN IA KS MI MN MO NE ND OH SD WI";
    int y, m, d;
    ordo_cal_civil(ship_day, &y, &m, &d);
    return (m == 12 || m <= 2) && state && state[0] && strstr(cold, state) ? 0.08 : 0;
}

/* Season and holidays: a draw only where the probability is not 0, so a
 * run outside them draws exactly as before. */
static int season_days(int64_t ship_day, bool fast, const char *state, ordo_rng_t *rng)
{
    int days = 0;
    for (int e = 0; e < 3; e++) {
        double p = sim_truth_season_p(ship_day, fast, e);
        if (p > 0)
            days += draw(rng, p);
    }
    double w = winter_p(ship_day, state);
    if (w > 0)
        days += draw(rng, w);
    return days;
}

/* The carriers whose ground service is the economy tier (postal, regional):
 * their rural last mile goes to a local partner and their network spreads
 * more from day to day. */
static bool economy_carrier(const char *carrier)
{
    return !strcmp(carrier, "postal") || !strcmp(carrier, "usps") || !strcmp(carrier, "regional") ||
           !strcmp(carrier, "lso") || !strcmp(carrier, "ontrac");
}

/* Rural ZIPs (population < 2,000): the last mile runs fewer times a week,
 * more so for the low-cost carriers that hand rural parcels to a local
 * partner, for long hauls (fewer line-haul connections) and for ground in
 * the peak season, when rural routes are the first to overflow. */
static int rural_days(const char *carrier, int zone, int64_t ship_day, bool fast,
                      ordo_rng_t *rng)
{
    bool economy = economy_carrier(carrier);
    double haul = zone > 4 ? 0.08 * (zone - 4) : 0;
    int days = draw(rng, 0.20 + haul) + draw(rng, economy ? 0.25 : 0.08);
    if (!fast && sim_truth_season_p(ship_day, false, 0) > 0)
        days += draw(rng, 0.25);
    return days;
}

sim_lane_day_p_t sim_truth_lane_day_p(const char *carrier, int service, int base_days)
{
    sim_lane_day_p_t p = {0, 0, 0};
    bool economy = economy_carrier(carrier);
    if (service == ORDO_SERVICE_OVERNIGHT)
        p.late = 0.01;
    else if (service == ORDO_SERVICE_TWO_DAY)
        p.late = 0.05;
    else {
        p.late = economy ? 0.10 : 0.08;
        p.two = 0.25; /* a ground backlog spills into a second day */
    }
    /* a day early: the day's parcels made an earlier line-haul departure;
     * only where the standard has a day to save */
    if (base_days > 1 && service != ORDO_SERVICE_OVERNIGHT)
        p.early = service == ORDO_SERVICE_TWO_DAY ? 0.15 : economy ? 0.20 : 0.30;
    return p;
}

/* A uniform in [0, 1) that is a function of (seed, lane, ship day) alone. */
static double lane_day_uniform(uint64_t seed, const sim_lane_t *lane, int64_t ship_day, int k)
{
    uint64_t h = sim_mix64(seed ^ 0x6c616e652d646179ull); /* "lane-day" */
    h = sim_mix64(h ^ ((uint64_t)lane->node << 32 | (uint32_t)lane->service));
    h = sim_mix64(h ^ ((uint64_t)lane->zip3 << 8 | (uint64_t)k));
    h = sim_mix64(h ^ (uint64_t)ship_day);
    return (double)(h >> 11) / 9007199254740992.0; /* 2^53 */
}

int sim_truth_lane_day_days(uint64_t seed, const sim_lane_t *lane, int64_t ship_day,
                            sim_lane_day_p_t p)
{
    double u = lane_day_uniform(seed, lane, ship_day, 0);
    if (u < p.early)
        return -1;
    if (!(u < p.early + p.late))
        return 0;
    return 1 + (lane_day_uniform(seed, lane, ship_day, 1) < p.two);
}

int64_t sim_delivery_day(int64_t ship_day, int transit, unsigned mask)
{
    return ordo_cal_add_working(ship_day, transit, mask);
}

int sim_transit_days(const ordo_network_t *net, const sim_lane_t *lane, int64_t ship_day,
                     uint64_t seed, ordo_rng_t *rng)
{
    if (lane->service < 0)
        return 0; /* pickup: ready at the store the day it is picked */
    const ordo_carrier_service_t *svc = &net->services[lane->service];
    bool fast = svc->service != ORDO_SERVICE_GROUND;
    int zone = ordo_network_zone(net, lane->node, lane->zip3);
    int base = svc->service == ORDO_SERVICE_OVERNIGHT ? 1 : sim_truth_base_days(zone, fast);
    int days = base;
    days += draw(rng, carrier_late(svc->carrier));
    days += draw(rng, region_late(lane->state));
    int wd = ordo_cal_weekday(ship_day);
    days += draw(rng, wd == 4 ? 0.10 : wd == 0 ? 0.03 : 0);
    if (ordo_geo_zip_rural(net->geo ? net->geo : ordo_geo_default(), lane->zip) == 1)
        days += rural_days(svc->carrier, zone, ship_day, fast, rng);
    /* long hauls miss connections: 15% more per zone beyond 2 */
    days += draw(rng, zone > 2 ? 0.15 * (zone - 2) : 0);
    days += season_days(ship_day, fast, lane->state, rng);
    /* the lane's parcels of this ship day are early or late together (a
     * line-haul departure made or missed, a sort-centre backlog): no draw
     * from the stream, so every other term draws as it did without it */
    return days +
           sim_truth_lane_day_days(seed, lane, ship_day,
                                   sim_truth_lane_day_p(svc->carrier, (int)svc->service, base));
}
