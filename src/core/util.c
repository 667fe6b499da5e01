/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — timestamps, CSV splitting, strict number parsing and file I/O. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ordo/util.h"
#include "utf8_internal.h"

/* ---- time ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int ordo_time_parse(const char *s, int64_t *out)
{
    if (!s)
        return ORDO_EPARSE;
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return ORDO_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return ORDO_EPARSE;
    const char *p = s + 10;
    int64_t offset = 0;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return ORDO_EPARSE;
        p++;
        if (strlen(p) < 8 || digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi) ||
            p[5] != ':' || digits(p + 6, 2, &se))
            return ORDO_EPARSE;
        if (h > 23 || mi > 59 || se > 60)
            return ORDO_EPARSE;
        p += 8;
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return ORDO_EPARSE;
            while (isdigit((unsigned char)*p))
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (strlen(p) != 6 || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) ||
                oh > 23 || om > 59)
                return ORDO_EPARSE;
            offset = sign * (oh * 3600 + om * 60);
            p += 6;
        } else {
            return ORDO_EPARSE; /* a time needs a zone: Z or ±hh:mm */
        }
        if (*p)
            return ORDO_EPARSE;
    }
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
           offset;
    return ORDO_OK;
}

/* days since 1970-01-01 → y, m, d (the inverse of days_from_civil, same
 * source). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

char *ordo_time_format(int64_t t, char *buf, size_t size)
{
    /* years 1000 to 9999 (four digits, as strftime's %Y prints them):
     * without gmtime_r and strftime, which cost ~1,400 instructions */
    if (size >= 21 && t >= -30610224000LL && t < 253402300800LL) {
        int64_t days = (t >= 0 ? t : t - 86399) / 86400, s = t - days * 86400, y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        memcpy(buf, "0000-00-00T00:00:00Z", 21);
        put_digits(buf, (unsigned)y, 4);
        put_digits(buf + 5, m, 2);
        put_digits(buf + 8, d, 2);
        put_digits(buf + 11, (unsigned)(s / 3600), 2);
        put_digits(buf + 14, (unsigned)(s / 60 % 60), 2);
        put_digits(buf + 17, (unsigned)(s % 60), 2);
        return buf;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, size, "invalid");
        return buf;
    }
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm); /* other years: no padding */
    return buf;
}

uint64_t ordo_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t ordo_now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

/* ---- CSV ---- */

int ordo_csv_split(const char *line, size_t len, ordo_csv_field_t *f, int max)
{
    int nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf >= max)
            return ORDO_EFULL;
        if (i < len && line[i] == '"') {
            size_t start = ++i;
            while (i < len) {
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            if (i >= len)
                return ORDO_EPARSE;
            f[nf].p = line + start;
            f[nf].n = i - start;
            nf++;
            i++; /* closing quote */
            if (i + 1 == len && line[i] == '\r')
                i = len; /* CRLF line end, as for unquoted fields */
            if (i < len && line[i] != ',')
                return ORDO_EPARSE;
        } else {
            size_t start = i;
            while (i < len && line[i] != ',')
                i++;
            f[nf].p = line + start;
            f[nf].n = i - start;
            if (f[nf].n && line[start + f[nf].n - 1] == '\r')
                f[nf].n--;
            nf++;
        }
        if (i >= len)
            break;
        i++; /* comma */
    }
    return nf;
}

int ordo_parse_u32(const char *p, size_t n, uint32_t *out)
{
    if (n == 0 || n > 10)
        return ORDO_EPARSE;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return ORDO_EPARSE;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > UINT32_MAX)
        return ORDO_ERANGE;
    *out = (uint32_t)v;
    return ORDO_OK;
}

int ordo_parse_i64(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return ORDO_EPARSE;
    int neg = 0;
    size_t i = 0;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
        if (n == 1)
            return ORDO_EPARSE;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return ORDO_EPARSE;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return ORDO_ERANGE;
        v = v * 10 + d;
    }
    if (!neg && v > (uint64_t)INT64_MAX)
        return ORDO_ERANGE;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return ORDO_ERANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return ORDO_OK;
}

int ordo_parse_double(const char *p, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return ORDO_EPARSE;
    memcpy(tmp, p, n);
    tmp[n] = 0;
    for (size_t i = 0; i < n; i++) /* digits, sign, point, exponent only */
        if (!strchr("0123456789+-.eE", tmp[i]))
            return ORDO_EPARSE;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + n)
        return ORDO_EPARSE;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1)) /* overflow; underflow is fine */
        return ORDO_ERANGE;
    *out = v;
    return ORDO_OK;
}

/* ---- files ---- */

/* ---- UTF-8 ---- */

size_t ordo_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII, eight bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        size_t k = core_utf8_seq(p + i, len - i);
        if (!k)
            return i;
        i += k;
    }
    return len;
}

int ordo_text_check_utf8(const char *s, size_t len, const char *name, long line0, ordo_error_t *err)
{
    size_t bad = ordo_utf8_check(s, len);
    if (bad == len)
        return ORDO_OK;
    long line = line0 > 0 ? line0 : 1;
    size_t bol = 0;
    for (size_t i = 0; i < bad; i++)
        if (s[i] == '\n') {
            line++;
            bol = i + 1;
        }
    return ordo_error_set(err, ORDO_EPARSE, name, line, NULL,
                          "invalid UTF-8 at byte %zu of the line (byte offset %zu): 0x%02x",
                          bad - bol + 1, bad, (unsigned)(unsigned char)s[bad]);
}

/* ---- files ---- */

/* Opens path for reading only if it is a regular file. O_NONBLOCK makes the
 * open itself return at once on a FIFO without a writer (a plain open
 * would block there before fstat could refuse it); it means nothing for a
 * regular file's reads. */
static int open_regular(const char *path, struct stat *st, int *fdp, ordo_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return ordo_error_set(err, errno == ENOENT ? ORDO_ENOENT : ORDO_EIO, path, 0, NULL,
                              "cannot open: %s", strerror(errno));
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "not a regular file");
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fdp = fd;
    return ORDO_OK;
}

int ordo_open_regular(const char *path, int *fd, ordo_error_t *err)
{
    struct stat st;
    return open_regular(path, &st, fd, err);
}

int ordo_read_file(const char *path, char **data, size_t *len, ordo_error_t *err)
{
    struct stat st;
    int fd = -1;
    int rc = open_regular(path, &st, &fd, err);
    if (rc)
        return rc;
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "read: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return ORDO_OK;
}

static int io_code(int e)
{
    return e == ENOSPC || e == EDQUOT ? ORDO_ENOSPC : e == ENOENT ? ORDO_ENOENT : ORDO_EIO;
}

static int write_replace(const char *path, const void *data, size_t len, bool sync,
                         ordo_error_t *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, NULL, "path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return ordo_error_set(err, io_code(errno), tmp, 0, NULL, "cannot create: %s",
                              strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return ordo_error_set(err, io_code(e), tmp, 0, NULL, "write: %s", strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (sync && fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return ordo_error_set(err, io_code(e), tmp, 0, NULL, "fsync: %s", strerror(e));
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return ordo_error_set(err, io_code(e), path, 0, NULL, "rename: %s", strerror(e));
    }
    return ORDO_OK;
}

int ordo_write_file_atomic(const char *path, const void *data, size_t len, ordo_error_t *err)
{
    return write_replace(path, data, len, true, err);
}

int ordo_write_file_replace(const char *path, const void *data, size_t len, ordo_error_t *err)
{
    return write_replace(path, data, len, false, err);
}

int ordo_mkdir_p(const char *path, ordo_error_t *err)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, NULL, "bad directory path");
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == 0) {
            char c = tmp[i];
            tmp[i] = 0;
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return ordo_error_set(err, io_code(errno), tmp, 0, NULL, "mkdir: %s",
                                      strerror(errno));
            tmp[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "not a directory");
    return ORDO_OK;
}

int ordo_map_file(const char *path, const char **data, size_t *len, ordo_error_t *err)
{
    struct stat st;
    int fd = -1;
    int rc = open_regular(path, &st, &fd, err);
    if (rc)
        return rc;
    if (st.st_size == 0) {
        close(fd);
        *data = "";
        *len = 0;
        return ORDO_OK;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "mmap: %s", strerror(errno));
    *data = p;
    *len = (size_t)st.st_size;
    return ORDO_OK;
}

void ordo_unmap_file(const char *data, size_t len)
{
    if (len)
        munmap((void *)data, len);
}

/* ---- near misses ---- */

#define EDIT_MAX 64

size_t ordo_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n >= EDIT_MAX || m >= EDIT_MAX)
        return n > m ? n : m;
    size_t d[EDIT_MAX][EDIT_MAX];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* short's letters appear in long in order, starting with the same letter */
static bool is_abbreviation(const char *s, const char *l)
{
    if (strlen(s) < 2 || strlen(s) >= strlen(l) || s[0] != l[0])
        return false;
    for (; *l && *s; l++)
        if (*l == *s)
            s++;
    return *s == 0;
}

/* cand is one of word's '_' or '-' separated parts */
static bool is_part(const char *word, const char *cand)
{
    size_t n = strlen(cand);
    if (!n)
        return false;
    for (const char *p = word; (p = strstr(p, cand)); p++) {
        bool starts = p == word || p[-1] == '_' || p[-1] == '-';
        bool ends = p[n] == 0 || p[n] == '_' || p[n] == '-';
        if (starts && ends && strcmp(word, cand))
            return true;
    }
    return false;
}

const char *ordo_suggest(const char *word, const char *const *candidates)
{
    if (!word || !*word || !candidates)
        return NULL;
    size_t limit = strlen(word) <= 5 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (const char *const *c = candidates; *c; c++) {
        size_t d = ordo_edit_distance(word, *c);
        if (d < best_d && d < strlen(*c)) {
            best = *c;
            best_d = d;
        }
    }
    if (best)
        return best;
    for (const char *const *c = candidates; *c; c++)
        if (is_abbreviation(word, *c) || is_abbreviation(*c, word))
            return *c;
    for (const char *const *c = candidates; *c; c++)
        if (is_part(word, *c))
            return *c;
    return NULL;
}
