/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — IANA time zones from TZif files (RFC 8536). A zone is read once:
 * its version-2+ 64-bit transitions, then the footer's POSIX TZ rule
 * expanded year by year up to 2100, into one sorted table. A lookup is a
 * binary search over that table: thread-safe, allocation-free, and it never
 * touches the process's TZ (no setenv/tzset). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"

#define TZ_FILE_MAX (1 << 20)
#define TZ_LAST_YEAR 2100

typedef struct {
    int64_t at;   /* Unix time of the transition */
    int32_t off;  /* seconds east of UTC from then on */
} tz_tr_t;

/* Buckets of 2^24 s (~194 days) from 1970 to past 2100: bucket b holds the
 * index + 1 of the last transition at or before b << 24 (0: none), so a
 * lookup reads one bucket and at most a few transitions (two cache lines)
 * instead of a binary search over the whole table. */
#define TZ_BUCKET_SHIFT 24
#define TZ_BUCKETS 248

struct ordo_tz {
    char name[ORDO_TZ_NAME_MAX];
    int32_t off0; /* before the first transition */
    size_t n, cap;
    tz_tr_t *tr;
    uint32_t bucket[TZ_BUCKETS];
};

/* A POSIX TZ rule (the TZif footer): std offset, optional DST with its
 * start and end dates (kind 'M': month.week.weekday; 'J': day 1..365
 * without Feb 29; 'N': day 0..365) and times (seconds of local time). */
typedef struct {
    int32_t std, dst;
    bool has_dst;
    char kind[2];
    int a[2], b[2], c[2];
    int32_t time[2];
} tz_rule_t;

bool ordo_tz_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= ORDO_TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '+' || c == '/' || c == '.'))
            return false;
    }
    return true;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static bool push(ordo_tz_t *tz, int64_t at, int32_t off)
{
    if (tz->n && at <= tz->tr[tz->n - 1].at)
        return true; /* keep the table strictly ascending */
    if (tz->n == tz->cap) {
        size_t cap = tz->cap ? tz->cap * 2 : 64;
        tz_tr_t *t = realloc(tz->tr, cap * sizeof *t);
        if (!t)
            return false;
        tz->tr = t;
        tz->cap = cap;
    }
    tz->tr[tz->n++] = (tz_tr_t){at, off};
    return true;
}

/* ---- the POSIX TZ footer ---- */

static const char *skip_name(const char *s)
{
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e ? e + 1 : NULL;
    }
    const char *b = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    return s - b >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]] → seconds; NULL on error. */
static const char *parse_hms(const char *s, int32_t *out)
{
    int sign = 1;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (*s < '0' || *s > '9')
        return NULL;
    long v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        char *end;
        v[i] = strtol(s, &end, 10);
        if (end == s || v[i] < 0 || v[i] > 167)
            return NULL;
        s = end;
        if (*s != ':' || i == 2)
            break;
        s++;
    }
    *out = (int32_t)(sign * (v[0] * 3600 + v[1] * 60 + v[2]));
    return s;
}

static const char *parse_date(const char *s, tz_rule_t *r, int i)
{
    char *end;
    r->time[i] = 7200;
    if (*s == 'M') {
        r->kind[i] = 'M';
        r->a[i] = (int)strtol(s + 1, &end, 10);
        if (*end != '.')
            return NULL;
        r->b[i] = (int)strtol(end + 1, &end, 10);
        if (*end != '.')
            return NULL;
        r->c[i] = (int)strtol(end + 1, &end, 10);
        if (r->a[i] < 1 || r->a[i] > 12 || r->b[i] < 1 || r->b[i] > 5 || r->c[i] < 0 ||
            r->c[i] > 6)
            return NULL;
    } else {
        r->kind[i] = *s == 'J' ? 'J' : 'N';
        r->a[i] = (int)strtol(s + (*s == 'J'), &end, 10);
        if (end == s + (*s == 'J') || r->a[i] < 0 || r->a[i] > 365)
            return NULL;
    }
    s = end;
    if (*s == '/')
        s = parse_hms(s + 1, &r->time[i]);
    return s;
}

static bool parse_rule(const char *s, tz_rule_t *r)
{
    memset(r, 0, sizeof *r);
    int32_t v;
    if (!(s = skip_name(s)) || !(s = parse_hms(s, &v)))
        return false;
    r->std = -v; /* POSIX offsets are west of UTC */
    if (!*s)
        return true;
    if (!(s = skip_name(s)))
        return false;
    r->has_dst = true;
    r->dst = r->std + 3600;
    if (*s && *s != ',') {
        if (!(s = parse_hms(s, &v)))
            return false;
        r->dst = -v;
    }
    if (*s != ',' || !(s = parse_date(s + 1, r, 0)) || *s != ',' ||
        !(s = parse_date(s + 1, r, 1)))
        return false;
    return *s == 0;
}

/* Unix day of the rule's i-th date in `year`. */
static int64_t rule_day(const tz_rule_t *r, int i, int year)
{
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int64_t jan1 = ordo_cal_days(year, 1, 1);
    if (r->kind[i] == 'J')
        return jan1 + r->a[i] - 1 + (leap && r->a[i] >= 60);
    if (r->kind[i] == 'N')
        return jan1 + r->a[i];
    int m = r->a[i];
    int64_t first = ordo_cal_days(year, m, 1);
    int wd = (ordo_cal_weekday(first) + 1) % 7; /* POSIX: 0 = Sunday */
    int64_t d = first + (r->c[i] - wd + 7) % 7 + 7 * (r->b[i] - 1);
    int64_t next = m == 12 ? ordo_cal_days(year + 1, 1, 1) : ordo_cal_days(year, m + 1, 1);
    while (d >= next)
        d -= 7;
    return d;
}

static bool expand_rule(ordo_tz_t *tz, const tz_rule_t *r, int from_year)
{
    if (!r->has_dst)
        return push(tz, tz->n ? tz->tr[tz->n - 1].at + 1 : INT64_MIN / 2, r->std);
    for (int y = from_year; y <= TZ_LAST_YEAR; y++) {
        /* the start is in standard time, the end in daylight time */
        int64_t s = rule_day(r, 0, y) * 86400 + r->time[0] - r->std;
        int64_t e = rule_day(r, 1, y) * 86400 + r->time[1] - r->dst;
        bool ok = s < e ? push(tz, s, r->dst) && push(tz, e, r->std)
                        : push(tz, e, r->std) && push(tz, s, r->dst);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- TZif ---- */

typedef struct {
    uint32_t isut, isstd, leap, time, type, chr;
} tzif_counts_t;

static bool read_header(const unsigned char *p, size_t n, tzif_counts_t *c, char *version)
{
    if (n < 44 || memcmp(p, "TZif", 4))
        return false;
    *version = (char)p[4];
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chr = be32(p + 40);
    return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->chr <= 65536 &&
           c->leap <= 100000;
}

static size_t block_size(const tzif_counts_t *c, int tsize)
{
    return (size_t)c->time * (size_t)tsize + c->time + (size_t)c->type * 6 + c->chr +
           (size_t)c->leap * (size_t)(tsize + 4) + c->isstd + c->isut;
}

static int bad(ordo_error_t *err, const char *name, const char *what)
{
    return ordo_error_set(err, ORDO_EPARSE, NULL, 0, "time_zone", "zone '%s': %s", name, what);
}

/* The v2+ data block at p (n bytes after its header) and its footer. */
static int read_block(ordo_tz_t *tz, const unsigned char *p, size_t n, const tzif_counts_t *c,
                      int tsize, ordo_error_t *err)
{
    size_t need = block_size(c, tsize);
    if (n < need)
        return bad(err, tz->name, "truncated");
    const unsigned char *times = p, *idx = p + (size_t)c->time * tsize;
    const unsigned char *types = idx + c->time;
    tz->off0 = (int32_t)be32(types);
    for (uint32_t i = 0; i < c->time; i++) {
        int64_t at = tsize == 8 ? be64(times + 8 * (size_t)i) : (int32_t)be32(times + 4 * (size_t)i);
        if (idx[i] >= c->type)
            return bad(err, tz->name, "bad local time type index");
        if (!push(tz, at, (int32_t)be32(types + 6 * (size_t)idx[i])))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, "time_zone", "out of memory");
    }
    if (tsize == 4)
        return ORDO_OK;
    const char *f = (const char *)p + need;
    size_t fl = n - need;
    if (fl < 2 || f[0] != '\n')
        return ORDO_OK; /* no footer: the last transition holds */
    const char *e = memchr(f + 1, '\n', fl - 1);
    char rule_s[128];
    if (!e || (size_t)(e - f - 1) >= sizeof rule_s)
        return bad(err, tz->name, "bad footer");
    memcpy(rule_s, f + 1, (size_t)(e - f - 1));
    rule_s[e - f - 1] = 0;
    tz_rule_t r;
    if (!rule_s[0])
        return ORDO_OK;
    if (!parse_rule(rule_s, &r))
        return bad(err, tz->name, "unsupported footer rule");
    int y = 1970, mo, d;
    if (tz->n)
        ordo_cal_civil(ordo_cal_day_of(tz->tr[tz->n - 1].at), &y, &mo, &d);
    if (!tz->n)
        tz->off0 = r.std;
    if (!expand_rule(tz, &r, y))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, "time_zone", "out of memory");
    return ORDO_OK;
}

static void build_buckets(ordo_tz_t *tz)
{
    size_t i = 0; /* transitions at or before the bucket's start */
    for (uint32_t b = 0; b < TZ_BUCKETS; b++) {
        int64_t start = (int64_t)b << TZ_BUCKET_SHIFT;
        while (i < tz->n && tz->tr[i].at <= start)
            i++;
        tz->bucket[b] = (uint32_t)i;
    }
}

int ordo_tz_parse(const unsigned char *buf, size_t n, const char *name, ordo_tz_t **out,
                  ordo_error_t *err)
{
    *out = NULL;
    ordo_tz_t *tz = calloc(1, sizeof *tz);
    if (!tz)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, "time_zone", "out of memory");
    snprintf(tz->name, sizeof tz->name, "%s", name ? name : "");
    tzif_counts_t c;
    char ver;
    int rc;
    if (!read_header(buf, n, &c, &ver)) {
        rc = bad(err, tz->name, "not a TZif file");
    } else if (ver == 0) {
        rc = read_block(tz, buf + 44, n - 44, &c, 4, err);
    } else {
        size_t skip = 44 + block_size(&c, 4);
        if (skip > n || !read_header(buf + skip, n - skip, &c, &ver))
            rc = bad(err, tz->name, "truncated version 1 block");
        else
            rc = read_block(tz, buf + skip + 44, n - skip - 44, &c, 8, err);
    }
    if (rc) {
        ordo_tz_destroy(tz);
        return rc;
    }
    build_buckets(tz);
    *out = tz;
    return ORDO_OK;
}

int ordo_tz_load(const char *name, ordo_tz_t **out, ordo_error_t *err)
{
    *out = NULL;
    if (!ordo_tz_name_valid(name))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "time_zone",
                              "'%s' is not an IANA time zone name", name ? name : "");
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : ORDO_TZ_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ordo_error_set(err, errno == ENOENT ? ORDO_ENOTFOUND : ORDO_EIO, NULL, 0,
                              "time_zone", "unknown time zone '%s' (%s: %s)", name, path,
                              strerror(errno));
    unsigned char *buf = malloc(TZ_FILE_MAX);
    size_t n = buf ? fread(buf, 1, TZ_FILE_MAX, f) : 0;
    fclose(f);
    if (!buf)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, "time_zone", "out of memory");
    int rc = ordo_tz_parse(buf, n, name, out, err);
    free(buf);
    return rc;
}

ordo_tz_t *ordo_tz_fixed(int32_t utoff, const char *name)
{
    ordo_tz_t *tz = calloc(1, sizeof *tz);
    if (tz) {
        tz->off0 = utoff;
        snprintf(tz->name, sizeof tz->name, "%s", name ? name : "");
    }
    return tz;
}

void ordo_tz_destroy(ordo_tz_t *tz)
{
    if (!tz)
        return;
    free(tz->tr);
    free(tz);
}

const char *ordo_tz_name(const ordo_tz_t *tz)
{
    return tz->name;
}

int32_t ordo_tz_offset(const ordo_tz_t *tz, int64_t t)
{
    if (!tz->n || t < tz->tr[0].at)
        return tz->off0;
    if (t >= 0 && (t >> TZ_BUCKET_SHIFT) < TZ_BUCKETS) {
        size_t i = tz->bucket[t >> TZ_BUCKET_SHIFT]; /* tr[i - 1].at <= t */
        while (i < tz->n && tz->tr[i].at <= t)
            i++;
        return tz->tr[i - 1].off;
    }
    /* branchless: the last transition at or before t */
    const tz_tr_t *base = tz->tr;
    size_t len = tz->n;
    while (len > 1) {
        size_t half = len / 2;
        base = base[half].at <= t ? base + half : base;
        len -= half;
    }
    return base->off;
}
