/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — streaming JSON writer, in text or CBOR mode.
 *
 * Every ordo_jsonw_* call starts with one branch on w->cbor; the text path
 * after it is the plain text writer. CBOR mode (cbor.h) is at the end of the
 * file. */
#include <cbor.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/cbor.h"
#include "cjson_internal.h"
#include "ordo/json.h"
#include "ordo/util.h"
#include "bytes_internal.h"
#include "cbor_internal.h"
#include "utf8_internal.h"

/* CBOR mode is the rare case: keep the text path the straight one. */
#define CBOR_MODE(w) __builtin_expect((w)->cbor, 0)

/* Not inlined, so the text functions inline exactly as before. */
#define CBOR_FN static __attribute__((noinline)) void
CBOR_FN cbor_open(ordo_jsonw_t *w, int is_obj);
CBOR_FN cbor_close(ordo_jsonw_t *w, int is_obj);
CBOR_FN cbor_key(ordo_jsonw_t *w, const char *key);
CBOR_FN cbor_text_value(ordo_jsonw_t *w, const char *s, size_t n);
CBOR_FN cbor_double(ordo_jsonw_t *w, double v);
CBOR_FN cbor_int(ordo_jsonw_t *w, int64_t v);
CBOR_FN cbor_uint(ordo_jsonw_t *w, uint64_t v);
enum { SIMPLE_FALSE, SIMPLE_TRUE, SIMPLE_NULL };
CBOR_FN cbor_simple(ordo_jsonw_t *w, int what);
CBOR_FN cbor_raw(ordo_jsonw_t *w, const char *json, size_t n);
CBOR_FN cbor_table_begin(ordo_jsonw_t *w, const char *const *keys, unsigned n);
CBOR_FN cbor_kdouble(ordo_jsonw_t *w, const char *key, double v);
CBOR_FN cbor_kint(ordo_jsonw_t *w, const char *key, int64_t v);
CBOR_FN cbor_kstr(ordo_jsonw_t *w, const char *key, const char *s);

/* The digits of 0..99, two at a time. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* The decimal digits of u written backwards, two at a time, ending just
 * before q; the first digit's position. */
static char *digits_before(char *q, uint64_t u)
{
    for (; u >= 100; u /= 100) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * (u % 100), 2);
    }
    if (u >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * u, 2);
    } else {
        *--q = (char)('0' + u);
    }
    return q;
}

/* The decimal text of u (preceded by '-' when neg) into buf, NUL
 * terminated: what snprintf "%llu" / "%lld" prints, without its cost. */
static int format_u64(uint64_t u, bool neg, char *buf)
{
    char t[24], *e = t + sizeof t, *q = digits_before(e, u);
    int n = 0;
    if (neg)
        buf[n++] = '-';
    memcpy(buf + n, q, (size_t)(e - q));
    n += (int)(e - q);
    buf[n] = 0;
    return n;
}

int ordo_json_format_u64(uint64_t u, char *buf)
{
    return format_u64(u, false, buf);
}

static int format_i64(int64_t v, char *buf)
{
    return format_u64(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, buf);
}

/* "ip.fp" of u / 10^k (k digits after the point; '-' first when neg),
 * written backwards two digits at a time. */
static int format_fixed(uint64_t u, int k, bool neg, char *buf)
{
    static const uint64_t p10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    uint64_t ip = u / p10[k], fp = u % p10[k];
    char t[40], *e = t + sizeof t, *q = e;
    int left = k;
    for (; left >= 2; left -= 2, fp /= 100) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * (fp % 100), 2);
    }
    if (left)
        *--q = (char)('0' + fp);
    *--q = '.';
    q = digits_before(q, ip);
    if (neg)
        *--q = '-';
    int n = (int)(e - q);
    memcpy(buf, q, (size_t)n);
    buf[n] = 0;
    return n;
}

/* The %.15g text of v without snprintf/strtod when v is the double nearest
 * m / 10^k for some k <= 8 and m < 10^15 in [1e-4, 1e15) (prices, costs,
 * probabilities): that decimal has at most 15 digits, so %.15g prints it,
 * and it reads back as v; the smallest k leaves no trailing zero, as %g
 * strips them. 0 when v is not such a value.
 * Below 1e9 k = 4 is tried first (ordo rounds most figures to 4 places):
 * there 10^-4 is many ulps wide, so if some k <= 4 fits, m * 10^(4-k) fits
 * k = 4 (the same decimal, the same nearest double) and is what a * 10^4
 * rounds to; the smallest k is then 4 less its trailing zeros, and when
 * k = 4 does not fit no smaller k does. */
static int format_short_decimal(double v, char *buf)
{
    static const double p10[9] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15))
        return 0;
    int k0 = 1;
    if (a < 1e9) {
        double m = nearbyint(a * 1e4);
        if (m / 1e4 == a) {
            uint64_t u = (uint64_t)m;
            int k = 4;
            while (k > 1 && u % 10 == 0) {
                u /= 10;
                k--;
            }
            return format_fixed(u, k, v < 0, buf);
        }
        k0 = 5;
    }
    for (int k = k0; k <= 8; k++) {
        double m = nearbyint(a * p10[k]);
        if (m >= 1e15 || m / p10[k] != a)
            continue;
        return format_fixed((uint64_t)m, k, v < 0, buf);
    }
    return 0;
}

int ordo_json_format_double(double v, char *buf)
{
    if (!isfinite(v)) {
        memcpy(buf, "null", 5);
        return 4;
    }
    if (v == 0) { /* keeps "-0" readable as 0 */
        memcpy(buf, signbit(v) ? "-0" : "0", signbit(v) ? 3 : 2);
        return signbit(v) ? 2 : 1;
    }
    /* Integers that are exact in a double print without an exponent. */
    if (fabs(v) < 1e15 && v == (double)(long long)v)
        return format_i64((int64_t)v, buf);
    int short_len = format_short_decimal(v, buf);
    if (short_len)
        return short_len;
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return n;
    }
    return snprintf(buf, 32, "%.17g", v);
}

void ordo_jsonw_init(ordo_jsonw_t *w, ordo_buf_t *out, int pretty)
{
    /* the CBOR-only fields (from base on, ~1.3 KB) are left alone: text
     * writers are made per record */
    memset(w, 0, offsetof(ordo_jsonw_t, base));
    w->out = out;
    w->pretty = pretty;
    w->first[0] = 1;
}

static void put(ordo_jsonw_t *w, const char *s, size_t n)
{
    ordo_buf_t *b = w->out;
    if (!w->error && b->len + n < b->cap && !b->oom) { /* room (and the NUL): no call */
        core_copy_small(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = 0;
        return;
    }
    if (!w->error && ordo_buf_append(w->out, s, n))
        w->error = ORDO_ENOMEM;
}

static void newline(ordo_jsonw_t *w)
{
    if (!w->pretty)
        return;
    put(w, "\n", 1);
    for (int i = 0; i < w->depth; i++)
        put(w, "  ", 2);
}

/* Called before every value or key: separators and indentation. */
static void before_value(ordo_jsonw_t *w, int is_key)
{
    if (w->after_key) {
        if (is_key) {
            w->error = ORDO_EINVAL; /* key after key */
            return;
        }
        w->after_key = 0;
        return;
    }
    if (w->depth > 0 && w->is_obj[w->depth] && !is_key) {
        w->error = ORDO_EINVAL; /* value without key in an object */
        return;
    }
    if (w->depth == 0) {
        /* several top-level values: one per line (NDJSON) */
        if (!w->first[0])
            put(w, "\n", 1);
        w->first[0] = 0;
        return;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = 0;
    newline(w);
}

static void open(ordo_jsonw_t *w, char c, int is_obj)
{
    before_value(w, 0);
    if (w->depth + 1 >= ORDO_JSONW_MAX_DEPTH) {
        w->error = ORDO_EINVAL;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->first[w->depth] = 1;
    w->is_obj[w->depth] = (unsigned char)is_obj;
}

static void close_(ordo_jsonw_t *w, char c, int is_obj)
{
    if (w->depth == 0 || w->is_obj[w->depth] != is_obj || w->after_key) {
        w->error = ORDO_EINVAL;
        return;
    }
    int empty = w->first[w->depth];
    w->depth--;
    if (!empty)
        newline(w);
    put(w, &c, 1);
}

void ordo_jsonw_obj_begin(ordo_jsonw_t *w)
{
    if (CBOR_MODE(w)) {
        cbor_open(w, 1);
        return;
    }
    open(w, '{', 1);
}
void ordo_jsonw_obj_end(ordo_jsonw_t *w)
{
    if (CBOR_MODE(w)) {
        cbor_close(w, 1);
        return;
    }
    close_(w, '}', 1);
}
void ordo_jsonw_arr_begin(ordo_jsonw_t *w)
{
    if (CBOR_MODE(w)) {
        cbor_open(w, 0);
        return;
    }
    open(w, '[', 0);
}
void ordo_jsonw_arr_end(ordo_jsonw_t *w)
{
    if (CBOR_MODE(w)) {
        cbor_close(w, 0);
        return;
    }
    close_(w, ']', 0);
}

void ordo_jsonw_table_begin(ordo_jsonw_t *w, const char *const *keys, unsigned nkeys)
{
    if (CBOR_MODE(w)) {
        cbor_table_begin(w, keys, nkeys);
        return;
    }
    open(w, '[', 0);
}

void ordo_jsonw_table_end(ordo_jsonw_t *w)
{
    ordo_jsonw_arr_end(w); /* CBOR: cbor_close ends the table */
}

/* The byte needs a look in put_string (a quote, a backslash, a control
 * byte, or the start of a multi-byte sequence); else it is copied as is. */
static inline bool str_special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* How many leading bytes of p[0, n) str_special is known false for, eight
 * at a time (n when none is special); the rest is scanned byte by byte. */
static inline size_t str_plain_prefix(const unsigned char *p, size_t n)
{
    if (n < 4) {
        size_t i = 0;
        while (i < n && !str_special(p[i]))
            i++;
        return i;
    }
    if (n < 8) { /* two overlapping halves in one word */
        uint64_t x = core_load32(p) | (uint64_t)core_load32(p + n - 4) << 32;
        return (x & CORE_HIGHS) | core_any_byte(x, 0x20, '"', '\\') ? 0 : n;
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = core_load64(p + i);
        if ((x & CORE_HIGHS) | core_any_byte(x, 0x20, '"', '\\'))
            return i;
    }
    if (i < n) { /* the tail: the last eight bytes, overlapping (n >= 8 here) */
        uint64_t x = core_load64(p + n - 8);
        if (!((x & CORE_HIGHS) | core_any_byte(x, 0x20, '"', '\\')))
            return n;
    }
    return i;
}

static void put_string(ordo_jsonw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = str_plain_prefix(p, n);
    while (i < n && !str_special(p[i]))
        i++;
    ordo_buf_t *b = w->out;
    if (i == n && !w->error && !b->oom && b->len + n + 2 < b->cap) { /* nothing to escape */
        char *d = b->data + b->len;
        d[0] = '"';
        core_copy_small(d + 1, s, n);
        d[n + 1] = '"';
        b->len += n + 2;
        b->data[b->len] = 0;
        return;
    }
    put(w, "\"", 1);
    size_t run = 0; /* start of a run of bytes that need no escaping */
    while (i < n) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char ubuf[7];
        size_t skip = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c < 0x20) {
            ubuf[0] = '\\';
            ubuf[1] = 'u';
            ubuf[2] = '0';
            ubuf[3] = '0';
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            ubuf[6] = 0;
            esc = ubuf;
        } else if (c >= 0x80) {
            size_t l = core_utf8_seq(p + i, n - i);
            if (l == 0)
                esc = "\xEF\xBF\xBD"; /* U+FFFD replaces an invalid byte */
            else
                skip = l;
        }
        if (esc) {
            put(w, s + run, i - run);
            put(w, esc, strlen(esc));
            i += 1;
            run = i;
        } else {
            i += skip;
        }
    }
    put(w, s + run, n - run);
    put(w, "\"", 1);
}

void ordo_jsonw_key(ordo_jsonw_t *w, const char *key)
{
    if (CBOR_MODE(w)) {
        cbor_key(w, key);
        return;
    }
    if (w->depth == 0 || !w->is_obj[w->depth]) {
        w->error = ORDO_EINVAL;
        return;
    }
    size_t n = strlen(key);
    ordo_buf_t *b = w->out;
    if (!w->pretty && !w->after_key && !w->error && !b->oom && b->len + n + 4 < b->cap &&
        str_plain_prefix((const unsigned char *)key, n) == n) {
        /* compact, nothing to escape, room: `,"key":` in one go (what
         * before_value, put_string and put write, byte for byte) */
        char *d = b->data + b->len;
        size_t k = 0;
        if (!w->first[w->depth])
            d[k++] = ',';
        w->first[w->depth] = 0;
        d[k++] = '"';
        core_copy_small(d + k, key, n);
        k += n;
        d[k++] = '"';
        d[k++] = ':';
        b->len += k;
        b->data[b->len] = 0;
        w->after_key = 1;
        return;
    }
    before_value(w, 1);
    put_string(w, key, n);
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = 1;
}

void ordo_jsonw_strn(ordo_jsonw_t *w, const char *s, size_t n)
{
    if (CBOR_MODE(w)) {
        cbor_text_value(w, s, n);
        return;
    }
    before_value(w, 0);
    put_string(w, s, n);
}

void ordo_jsonw_str(ordo_jsonw_t *w, const char *s)
{
    if (!s) {
        ordo_jsonw_null(w);
        return;
    }
    ordo_jsonw_strn(w, s, strlen(s));
}

void ordo_jsonw_double(ordo_jsonw_t *w, double v)
{
    if (CBOR_MODE(w)) {
        cbor_double(w, v);
        return;
    }
    char buf[32];
    int n = ordo_json_format_double(v, buf);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_int(ordo_jsonw_t *w, int64_t v)
{
    if (CBOR_MODE(w)) {
        cbor_int(w, v);
        return;
    }
    char buf[32];
    int n = format_i64(v, buf);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_uint(ordo_jsonw_t *w, uint64_t v)
{
    if (CBOR_MODE(w)) {
        cbor_uint(w, v);
        return;
    }
    char buf[32];
    int n = format_u64(v, false, buf);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_bool(ordo_jsonw_t *w, bool v)
{
    if (CBOR_MODE(w)) {
        cbor_simple(w, v ? SIMPLE_TRUE : SIMPLE_FALSE);
        return;
    }
    before_value(w, 0);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void ordo_jsonw_null(ordo_jsonw_t *w)
{
    if (CBOR_MODE(w)) {
        cbor_simple(w, SIMPLE_NULL);
        return;
    }
    before_value(w, 0);
    put(w, "null", 4);
}

void ordo_jsonw_raw(ordo_jsonw_t *w, const char *json, size_t n)
{
    if (CBOR_MODE(w)) {
        cbor_raw(w, json, n);
        return;
    }
    before_value(w, 0);
    put(w, json, n);
}

/* A member in one go (compact text mode, an object, no key pending, no
 * error, a key with nothing to escape, room for the key's run and extra
 * bytes after it, the NUL included): `,"key":` written in place, as
 * ordo_jsonw_key's own fast path writes it, and where the value goes; the
 * caller writes the value there and sets out->len. NULL, with nothing
 * written, when any of that fails: the caller then takes the generic calls. */
static inline char *member_run(ordo_jsonw_t *w, const char *key, size_t extra)
{
    ordo_buf_t *b = w->out;
    if (w->pretty || w->after_key || w->error || b->oom || w->depth == 0 || !w->is_obj[w->depth])
        return NULL;
    size_t n = strlen(key);
    if (b->len + n + 4 + extra >= b->cap || str_plain_prefix((const unsigned char *)key, n) != n)
        return NULL;
    char *d = b->data + b->len;
    if (!w->first[w->depth])
        *d++ = ',';
    w->first[w->depth] = 0;
    *d++ = '"';
    core_copy_small(d, key, n);
    d += n;
    *d++ = '"';
    *d++ = ':';
    return d;
}

void ordo_jsonw_kstr(ordo_jsonw_t *w, const char *key, const char *s)
{
    if (CBOR_MODE(w)) {
        cbor_kstr(w, key, s);
        return;
    }
    if (s) {
        size_t m = strlen(s);
        char *d =
            str_plain_prefix((const unsigned char *)s, m) == m ? member_run(w, key, m + 2) : NULL;
        if (d) { /* what put_string writes for a string with nothing to escape */
            *d++ = '"';
            core_copy_small(d, s, m);
            d += m;
            *d++ = '"';
            *d = 0;
            w->out->len = (size_t)(d - w->out->data);
            return;
        }
    }
    ordo_jsonw_key(w, key);
    ordo_jsonw_str(w, s);
}
void ordo_jsonw_kdouble(ordo_jsonw_t *w, const char *key, double v)
{
    if (CBOR_MODE(w)) {
        cbor_kdouble(w, key, v);
        return;
    }
    char *d = member_run(w, key, 32); /* the formatter's buffer */
    if (d) {
        int n = ordo_json_format_double(v, d); /* NUL-terminated */
        w->out->len = (size_t)(d - w->out->data) + (size_t)n;
        return;
    }
    ordo_jsonw_key(w, key);
    ordo_jsonw_double(w, v);
}
void ordo_jsonw_kint(ordo_jsonw_t *w, const char *key, int64_t v)
{
    if (CBOR_MODE(w)) {
        cbor_kint(w, key, v);
        return;
    }
    char *d = member_run(w, key, 24);
    if (d) {
        int n = format_i64(v, d); /* NUL-terminated, 21 bytes at most */
        w->out->len = (size_t)(d - w->out->data) + (size_t)n;
        return;
    }
    ordo_jsonw_key(w, key);
    ordo_jsonw_int(w, v);
}
void ordo_jsonw_kbool(ordo_jsonw_t *w, const char *key, bool v)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_bool(w, v);
}

int ordo_jsonw_finish(ordo_jsonw_t *w)
{
    if (w->error)
        return w->error;
    if (w->depth != 0 || w->after_key)
        return ORDO_EINVAL;
    if (CBOR_MODE(w) && w->first[0])
        return ORDO_EINVAL; /* no value: the bare tag 256 is not CBOR */
    return ORDO_OK;
}

const char *ordo_json_get_str(const cJSON *obj, const char *key, const char *dflt)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

double ordo_json_get_num(const cJSON *obj, const char *key, double dflt)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* ---- reading: the shared checks of every JSON document ---- */

/* Where a value is: its key or index, under its parent. The path is only
 * spelled out ("a.c[0].d") when an error names it. */
typedef struct tree_at {
    const struct tree_at *up;
    const char *key; /* NULL: an array element */
    int index;
} tree_at_t;

typedef struct tree_ctx {
    const char *name;
    long line;
    ordo_error_t *err;
} tree_ctx_t;

#define TREE_MAX_DEPTH 64 /* deeper than any ordo document: refused */

static size_t path_of(const tree_at_t *at, char *buf, size_t size)
{
    if (!at || !at->up) { /* the root has no name */
        buf[0] = 0;
        return 0;
    }
    size_t l = path_of(at->up, buf, size);
    int n = at->key ? snprintf(buf + l, size - l, "%s%s", l ? "." : "", at->key)
                    : snprintf(buf + l, size - l, "[%d]", at->index);
    l += n > 0 ? (size_t)n : 0;
    return l < size ? l : size - 1;
}

static int tree_fail(const tree_ctx_t *c, const tree_at_t *at, int code, const char *msg)
{
    char path[ORDO_ERROR_FIELD_MAX];
    path_of(at, path, sizeof path);
    return ordo_error_set(c->err, code, c->name, c->line, path, "%s", msg);
}

/* The first member of obj whose key an earlier member has, or NULL. Small
 * objects (all of ordo's) are compared pairwise; a large one goes through a
 * hash set, so a document of many keys costs linear time, not quadratic. */
static const cJSON *first_repeat(const cJSON *obj, int *oom)
{
    size_t n = 0;
    for (const cJSON *it = obj->child; it; it = it->next)
        n++;
    if (n <= 32) {
        for (const cJSON *it = obj->child; it; it = it->next)
            for (const cJSON *k = obj->child; k != it; k = k->next)
                if (k->string && it->string && !strcmp(k->string, it->string))
                    return it;
        return NULL;
    }
    ordo_strmap_t *seen = ordo_strmap_create(n);
    if (!seen) {
        *oom = 1;
        return NULL;
    }
    const cJSON *rep = NULL;
    for (const cJSON *it = obj->child; it && !rep; it = it->next) {
        const char *k = it->string ? it->string : "";
        int rc = ordo_strmap_put(seen, k, strlen(k), 0);
        if (rc == ORDO_EEXIST)
            rep = it;
        else if (rc != ORDO_OK)
            *oom = 1;
    }
    ordo_strmap_destroy(seen);
    return *oom ? NULL : rep;
}

static int check_node(const tree_ctx_t *c, const cJSON *v, const tree_at_t *at, int depth)
{
    if (depth > TREE_MAX_DEPTH)
        return tree_fail(c, at, ORDO_EPARSE, "nested deeper than 64 levels");
    /* the type byte directly: this runs on every value of every order */
    int type = v->type & 0xFF;
    if (type == cJSON_Number) {
        if (!isfinite(v->valuedouble) || fabs(v->valuedouble) > ORDO_JSON_NUM_MAX)
            return tree_fail(c, at, ORDO_EINVAL,
                             "number out of range (every number is within +-1e15)");
        return ORDO_OK;
    }
    if (type != cJSON_Object && type != cJSON_Array)
        return ORDO_OK;
    bool obj = type == cJSON_Object;
    if (obj) {
        int oom = 0;
        const cJSON *rep = first_repeat(v, &oom);
        if (oom)
            return tree_fail(c, at, ORDO_ENOMEM, "out of memory");
        if (rep) {
            tree_at_t here = {at, rep->string, 0};
            return tree_fail(c, &here, ORDO_EPARSE, "duplicate field");
        }
    }
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        tree_at_t here = {at, obj ? (it->string ? it->string : "") : NULL, i};
        int rc = check_node(c, it, &here, depth + 1);
        if (rc)
            return rc;
    }
    return ORDO_OK;
}

int ordo_json_check_tree(const cJSON *root, const char *name, long line, ordo_error_t *err)
{
    tree_ctx_t c = {name, line, err};
    tree_at_t top = {NULL, NULL, 0};
    return check_node(&c, root, &top, 0);
}

int ordo_json_parse_doc(const char *json, size_t len, const char *name, long line0, cJSON **out,
                        ordo_error_t *err)
{
    *out = NULL;
    long first = line0 > 0 ? line0 : 1;
    /* a NUL ends the text, as for cJSON */
    const char *nul = memchr(json, 0, len);
    size_t n = nul ? (size_t)(nul - json) : len;
    int rc = ordo_text_check_utf8(json, n, name, first, err);
    if (rc) {
        if (line0 < 0 && err)
            err->line = 0;
        return rc;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, n, &end, 0);
    if (root && end)
        while (end < json + n && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
            end++;
    if (!root || (end && end < json + n)) { /* the line is counted on errors only */
        long line = first;
        for (const char *p = json; end && p < end && p < json + n; p++)
            line += *p == '\n';
        cJSON_Delete(root);
        return ordo_error_set(err, ORDO_EPARSE, name, line0 < 0 ? 0 : line, NULL,
                              root ? "text after the JSON value" : "malformed JSON");
    }
    /* a tree error is placed at the text's first line (an NDJSON line), or
     * named by its field alone */
    rc = ordo_json_check_tree(root, name, line0 > 0 ? line0 : 0, err);
    if (rc) {
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return ORDO_OK;
}

/* ---- CBOR mode (cbor.h) ----
 *
 * Heads (integers, strings, tags, key ids) and floats are encoded here
 * (cbor_put_head: the shortest form, as libcbor's cbor_encode_* write it),
 * the rest with libcbor's cbor_encode_*, into a small stack buffer that is
 * appended, or (strings, key ids) in place in the output; nothing is
 * allocated per call besides the output growing (docs/internals/RECORD.md,
 * "Writing a record").
 * Misuse is caught as in text mode and kept in w->error. */

void ordo_jsonw_init_cbor(ordo_jsonw_t *w, ordo_buf_t *out)
{
    memset(w, 0, offsetof(ordo_jsonw_t, refs)); /* refs are read only via ref_slot */
    w->out = out;
    w->cbor = 1;
    w->first[0] = 1;
    w->base = out->len;
    unsigned char b[9];
    put(w, (const char *)b, cbor_encode_tag(256, b, sizeof b)); /* stringref namespace */
}

static void cbor_fail(ordo_jsonw_t *w, int code)
{
    if (!w->error)
        w->error = code;
}

static void cbor_before(ordo_jsonw_t *w, int is_key);

void ordo_jsonw_mark(ordo_jsonw_t *w)
{
    if (!w->cbor || !w->marks)
        return;
    if (w->n_marks < w->max_marks)
        w->marks[w->n_marks] =
            (ordo_jsonw_mark_t){(uint32_t)(w->out->len - w->base), (uint32_t)w->n_refs};
    w->n_marks++;
}

size_t ordo_jsonw_cbor_slots(ordo_jsonw_t *w, unsigned n)
{
    static const char zero[5] = {0x1a, 0, 0, 0, 0};
    if (!w->cbor) {
        if (!w->error)
            w->error = ORDO_EINVAL;
        return 0;
    }
    ordo_jsonw_arr_begin(w);
    size_t at = w->out->len - w->base;
    for (unsigned i = 0; i < n; i++) {
        cbor_before(w, 0);
        put(w, zero, sizeof zero);
    }
    ordo_jsonw_arr_end(w);
    return at;
}

void ordo_jsonw_cbor_slot_set(ordo_jsonw_t *w, size_t at, unsigned i, uint32_t v)
{
    size_t o = w->base + at + 5 * (size_t)i + 1;
    if (w->error || !w->cbor || o + 4 > w->out->len)
        return;
    unsigned char *b = (unsigned char *)w->out->data + o;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Structure checks before a key or value, as before_value() in text mode.
 * One CBOR writer holds exactly one top-level value. */
static void cbor_before(ordo_jsonw_t *w, int is_key)
{
    if (w->after_key) {
        if (is_key)
            cbor_fail(w, ORDO_EINVAL); /* key after key */
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->is_obj[w->depth] && !is_key)
            cbor_fail(w, ORDO_EINVAL); /* value without key in an object */
        return;
    }
    if (!w->first[0])
        cbor_fail(w, ORDO_EINVAL); /* a second top-level value */
    w->first[0] = 0;
}

/* Inside a table row (CBOR mode): the next item is a cell. */
static inline int in_row(const ordo_jsonw_t *w)
{
    return w->tdepth && w->depth == w->tdepth + 1;
}

CBOR_FN cbor_open(ordo_jsonw_t *w, int is_obj)
{
    cbor_before(w, 0);
    if (w->tdepth && w->depth >= w->tdepth) {
        /* a row of the table: nothing is written for it */
        if (!is_obj || w->depth != w->tdepth) {
            cbor_fail(w, ORDO_EINVAL); /* cells are scalars */
            return;
        }
        w->depth++;
        w->is_obj[w->depth] = 1;
        w->tcol = 0;
        return;
    }
    if (w->depth + 1 >= ORDO_JSONW_MAX_DEPTH) {
        cbor_fail(w, ORDO_EINVAL);
        return;
    }
    unsigned char b[1];
    put(w, (const char *)b,
        is_obj ? cbor_encode_indef_map_start(b, 1) : cbor_encode_indef_array_start(b, 1));
    w->depth++;
    w->is_obj[w->depth] = (unsigned char)is_obj;
}

CBOR_FN cbor_close(ordo_jsonw_t *w, int is_obj)
{
    if (w->depth == 0 || w->is_obj[w->depth] != is_obj || w->after_key) {
        cbor_fail(w, ORDO_EINVAL);
        return;
    }
    if (in_row(w)) { /* a row ends: every key given */
        if (w->tcol != w->tn)
            cbor_fail(w, ORDO_EINVAL);
        w->depth--;
        return;
    }
    if (w->depth == w->tdepth)
        w->tdepth = 0; /* the table ends with the array's break */
    w->depth--;
    unsigned char b[1];
    put(w, (const char *)b, cbor_encode_break(b, 1));
}

_Static_assert(ORDO_JSONW_STRREFS <= 128, "ref_slot (256 slots) must stay half empty");

/* The text's item (len bytes once invalid UTF-8 is replaced: bad bytes)
 * at dst, room there for 9 + len bytes: the string in place first, then
 * looked up by those bytes; when it is in the table, tag 25 + its index
 * goes there instead. Returns the item's end. */
static inline __attribute__((always_inline)) unsigned char *
text_at(ordo_jsonw_t *w, unsigned char *dst, const char *s, size_t n, size_t len, size_t bad)
{
    ordo_buf_t *out = w->out;
    size_t hn = ordo_cbor_head(dst, 3, len);
    char *body = (char *)dst + hn;
    if (!bad)
        core_copy_small(body, s, n);
    else
        core_utf8_copy_replacing(body, s, n);
    size_t k = hn + len;
    if (len >= cbor_strref_min_len(0)) { /* shorter ones are never in the table */
        const char *base = out->data + w->base;
        uint32_t slot = cbor_short_hash(body, len) & 255;
        uint8_t v;
        for (; (v = w->ref_slot[slot]) != 0; slot = (slot + 1) & 255)
            if (w->refs[v - 1].len == len && core_equal_small(base + w->refs[v - 1].off, body, len))
                break;
        if (v) {
            k = ordo_cbor_head(dst, 6, 25);
            k += ordo_cbor_head(dst + k, 0, v - 1u);
        } else if (len >= cbor_strref_min_len(w->n_refs)) {
            /* It gets the next index, as in any stringref decoder; only the
             * first ORDO_JSONW_STRREFS are remembered for lookups. */
            uint64_t index = w->n_refs++;
            size_t off = (size_t)(body - base);
            if (index < ORDO_JSONW_STRREFS && off <= UINT32_MAX && len <= UINT32_MAX) {
                w->refs[index].off = (uint32_t)off;
                w->refs[index].len = (uint32_t)len;
                w->ref_slot[slot] = (uint8_t)(index + 1);
            }
        }
    }
    return dst + k;
}

/* A text string, or a reference to an equal one written before (text_at;
 * invalid UTF-8 replaced by U+FFFD as in text mode, since CBOR text must be
 * UTF-8). */
static void cbor_text(ordo_jsonw_t *w, const char *s, size_t n)
{
    size_t bad = core_utf8_bad_bytes(s, n);
    size_t len = n + 2 * bad; /* U+FFFD is 3 bytes for 1 */
    if (w->error)
        return;
    ordo_buf_t *o = w->out; /* room (as put): no call */
    bool room = !o->oom && len < o->cap && o->len + 10 + len <= o->cap;
    if (!room && (len > SIZE_MAX - 16 || ordo_buf_reserve(o, 9 + len))) {
        cbor_fail(w, ORDO_ENOMEM);
        return;
    }
    unsigned char *end = text_at(w, (unsigned char *)o->data + o->len, s, n, len, bad);
    o->len = (size_t)((char *)end - o->data);
    o->data[o->len] = 0;
}

/* Runs (cbor.h): one value's items written by the caller. */
unsigned char *ordo_jsonw_cbor_run_begin(ordo_jsonw_t *w, size_t room)
{
    if (!w->cbor || in_row(w))
        cbor_fail(w, ORDO_EINVAL);
    else
        cbor_before(w, 0);
    if (w->error)
        return NULL;
    ordo_buf_t *o = w->out;
    return ordo_cbor_run_room(w, (unsigned char *)o->data + o->len, room);
}

unsigned char *ordo_jsonw_cbor_run_grow(ordo_jsonw_t *w, unsigned char *p, size_t room)
{
    ordo_buf_t *o = w->out;
    if (!p || w->error)
        return NULL;
    o->len = (size_t)((char *)p - o->data);
    if (ordo_buf_reserve(o, room)) {
        cbor_fail(w, ORDO_ENOMEM);
        return NULL;
    }
    return (unsigned char *)o->data + o->len;
}

unsigned char *ordo_jsonw_cbor_run_text(ordo_jsonw_t *w, unsigned char *p, const char *s)
{
    if (!s) {
        p = ordo_cbor_run_room(w, p, 1);
        if (p)
            *p++ = 0xf6; /* null, as ordo_jsonw_str(w, NULL) */
        return p;
    }
    size_t n = strlen(s), bad = core_utf8_bad_bytes(s, n);
    size_t len = n + 2 * bad; /* U+FFFD is 3 bytes for 1 */
    if (len > SIZE_MAX - 16) {
        cbor_fail(w, ORDO_ENOMEM);
        return NULL;
    }
    p = ordo_cbor_run_room(w, p, 9 + len);
    return p ? text_at(w, p, s, n, len, bad) : NULL;
}

void ordo_jsonw_cbor_run_end(ordo_jsonw_t *w, unsigned char *p)
{
    ordo_buf_t *o = w->out;
    if (!p || w->error)
        return;
    o->len = (size_t)((char *)p - o->data);
    o->data[o->len] = 0;
}

CBOR_FN cbor_key(ordo_jsonw_t *w, const char *key)
{
    if (w->depth == 0 || !w->is_obj[w->depth]) {
        cbor_fail(w, ORDO_EINVAL);
        return;
    }
    cbor_before(w, 1);
    if (in_row(w)) { /* the table's keys are written once, at its start */
        const char *want = w->tcol < w->tn ? ordo_cbor_key_name(w->tkey[w->tcol]) : NULL;
        if (!want || strcmp(key, want)) /* the column's key, by name: no lookup */
            cbor_fail(w, ORDO_EINVAL);
        w->after_key = 1;
        return;
    }
    size_t n;
    int id = ordo_cbor_key_id_cstr(key, &n);
    ordo_buf_t *o = w->out;
    if (id >= 0 && id < 256 && !w->error && !o->oom && o->len + 3 <= o->cap) {
        /* one or two bytes, in place (as put) */
        unsigned char *d = (unsigned char *)o->data + o->len;
        if (id < 24) {
            d[0] = (unsigned char)id;
            o->len += 1;
        } else {
            d[0] = 24;
            d[1] = (unsigned char)id;
            o->len += 2;
        }
        o->data[o->len] = 0;
    } else if (id >= 0) {
        unsigned char b[9];
        put(w, (const char *)b, ordo_cbor_head(b, 0, (uint64_t)id));
    } else {
        cbor_text(w, key, n);
    }
    w->after_key = 1;
}

/* A cell of a table row: 1 when it equals the cell above it (same kind,
 * same bytes), which is then written as undefined (0xf7), the one item a
 * JSON value never becomes; 0 when the caller writes it. kind 1: bytes
 * are a text value's; kind 2: an encoded number, boolean or null. */
static inline __attribute__((always_inline)) int table_cell(ordo_jsonw_t *w, uint8_t kind,
                                                            const void *bytes, size_t n)
{
    if (w->tcol >= w->tn) {
        cbor_fail(w, ORDO_EINVAL);
        return 1;
    }
    __typeof__(w->tlast[0]) *l = &w->tlast[w->tcol++];
    if (n >= sizeof l->b) { /* too long to compare: written in full */
        l->len = 0;
        return 0;
    }
    if (l->len == n + 1 && l->b[0] == kind && core_equal_small(l->b + 1, bytes, n)) {
        put(w, "\xf7", 1);
        return 1;
    }
    l->len = (uint8_t)(n + 1);
    l->b[0] = kind;
    core_copy_small(l->b + 1, bytes, n);
    return 0;
}

/* An encoded scalar: put, or undefined for a repeated table cell. */
static void put_value(ordo_jsonw_t *w, const unsigned char *b, size_t k)
{
    if (!in_row(w) || !table_cell(w, 2, b, k))
        put(w, (const char *)b, k);
}

CBOR_FN cbor_text_value(ordo_jsonw_t *w, const char *s, size_t n)
{
    cbor_before(w, 0);
    if (in_row(w) && table_cell(w, 1, s, n))
        return;
    cbor_text(w, s, n);
}

CBOR_FN cbor_uint(ordo_jsonw_t *w, uint64_t v)
{
    cbor_before(w, 0);
    unsigned char b[9];
    put_value(w, b, ordo_cbor_head(b, 0, v));
}

CBOR_FN cbor_int(ordo_jsonw_t *w, int64_t v)
{
    if (v >= 0) {
        cbor_uint(w, (uint64_t)v);
        return;
    }
    cbor_before(w, 0);
    unsigned char b[9];
    put_value(w, b, ordo_cbor_head(b, 1, (uint64_t)(-1 - v)));
}

/* A double, as cbor_encode_double writes it (9 bytes). */
static size_t put_double(double v, unsigned char *b)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    b[0] = 0xfb;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    bits = __builtin_bswap64(bits); /* big-endian: one store */
    memcpy(b + 1, &bits, 8);
#else
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(bits >> (8 * (7 - i)));
#endif
    return 9;
}

/* The smallest IEEE float that holds v exactly (v finite, not 0). */
static size_t encode_float(double v, unsigned char *b, size_t size)
{
    if (fabs(v) > FLT_MAX) /* converting it to float would be undefined */
        return put_double(v, b);
    float f = (float)v;
    if ((double)f != v)
        return put_double(v, b);
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    int e = (int)((bits >> 23) & 0xff) - 127; /* -127: float subnormal, never a half */
    uint32_t m = bits & 0x7fffff;
    if (e >= -14 && e <= 15 && (m & 0x1fff) == 0)
        return cbor_encode_half(f, b, size); /* a normal half */
    if (e >= -24 && e < -14) {
        /* a subnormal half: (1.m) * 2^e in units of 2^-24. Written here
         * because libcbor 0.8.0's cbor_encode_half drops the mantissa of
         * subnormal halves. */
        uint32_t full = m | 0x800000;
        int shift = -(e + 1);
        if ((full & ((1u << shift) - 1)) == 0) {
            uint16_t h = (uint16_t)(((bits >> 16) & 0x8000) | (full >> shift));
            b[0] = 0xf9;
            b[1] = (unsigned char)(h >> 8);
            b[2] = (unsigned char)h;
            return 3;
        }
    }
    b[0] = 0xfa; /* a single, as cbor_encode_single writes it */
    for (int i = 0; i < 4; i++)
        b[1 + i] = (unsigned char)(bits >> (8 * (3 - i)));
    return 5;
}

/* A number's item into b (9 bytes), mirroring ordo_json_format_double:
 * what it prints as an integer is a CBOR integer (-0 a half, so it reads
 * back as "-0"), NaN/Inf are null, anything else the smallest float that
 * holds it. */
size_t ordo_cbor_number_bytes(double v, unsigned char *b)
{
    if (!isfinite(v))
        return cbor_encode_null(b, 9);
    if (v == 0)
        return signbit(v) ? cbor_encode_half(-0.0f, b, 9) : cbor_encode_uint(0, b, 9);
    if (fabs(v) < 1e15 && v == (double)(long long)v)
        return v > 0 ? ordo_cbor_head(b, 0, (uint64_t)v)
                     : ordo_cbor_head(b, 1, (uint64_t)(-1 - (long long)v));
    return encode_float(v, b, 9);
}

CBOR_FN cbor_double(ordo_jsonw_t *w, double v)
{
    cbor_before(w, 0);
    unsigned char b[9];
    put_value(w, b, ordo_cbor_number_bytes(v, b));
}

/* A member in one go (ordo_jsonw_kdouble and kint in CBOR mode): in an
 * object, outside a table row, no key pending, no error, a key with an id
 * below 256 and room for it and a 9-byte value: the key's one or two bytes
 * written in place, as cbor_key writes them, and where the value goes; the
 * caller writes the value there and sets out->len. NULL, with nothing
 * written, when any of that fails: the caller then takes the generic calls. */
static unsigned char *cbor_member_run(ordo_jsonw_t *w, const char *key)
{
    ordo_buf_t *o = w->out;
    if (w->after_key || w->error || o->oom || w->depth == 0 || !w->is_obj[w->depth] || in_row(w) ||
        o->len + 12 > o->cap)
        return NULL;
    size_t n;
    int id = ordo_cbor_key_id_cstr(key, &n);
    if (id < 0 || id >= 256)
        return NULL;
    unsigned char *d = (unsigned char *)o->data + o->len;
    if (id >= 24)
        *d++ = 24;
    *d++ = (unsigned char)id;
    return d;
}

/* Ends a member cbor_member_run began, k value bytes at d. */
static void cbor_member_end(ordo_jsonw_t *w, const unsigned char *d, size_t k)
{
    ordo_buf_t *o = w->out;
    o->len = (size_t)((const char *)d + k - o->data);
    o->data[o->len] = 0;
}

CBOR_FN cbor_kdouble(ordo_jsonw_t *w, const char *key, double v)
{
    unsigned char *d = cbor_member_run(w, key);
    if (d) {
        cbor_member_end(w, d, ordo_cbor_number_bytes(v, d));
        return;
    }
    cbor_key(w, key);
    cbor_double(w, v);
}

CBOR_FN cbor_kstr(ordo_jsonw_t *w, const char *key, const char *s)
{
    unsigned char *d = s ? cbor_member_run(w, key) : NULL;
    if (d) { /* the key in place; the text (or its stringref) as a value writes it */
        cbor_member_end(w, d, 0);
        cbor_text(w, s, strlen(s));
        return;
    }
    cbor_key(w, key);
    if (s)
        cbor_text_value(w, s, strlen(s));
    else
        cbor_simple(w, SIMPLE_NULL);
}

CBOR_FN cbor_kint(ordo_jsonw_t *w, const char *key, int64_t v)
{
    unsigned char *d = cbor_member_run(w, key);
    if (d) {
        cbor_member_end(w, d,
                        v >= 0 ? ordo_cbor_head(d, 0, (uint64_t)v)
                               : ordo_cbor_head(d, 1, (uint64_t)(-1 - v)));
        return;
    }
    cbor_key(w, key);
    cbor_int(w, v);
}

CBOR_FN cbor_simple(ordo_jsonw_t *w, int what)
{
    cbor_before(w, 0);
    unsigned char b[1];
    put_value(w, b,
              what == SIMPLE_NULL ? cbor_encode_null(b, 1)
                                  : cbor_encode_bool(what == SIMPLE_TRUE, b, 1));
}

void ordo_jsonw_cjson(ordo_jsonw_t *w, const cJSON *v)
{
    if (cJSON_IsObject(v)) {
        ordo_jsonw_obj_begin(w);
        for (const cJSON *c = v->child; c; c = c->next) {
            ordo_jsonw_key(w, c->string ? c->string : "");
            ordo_jsonw_cjson(w, c);
        }
        ordo_jsonw_obj_end(w);
    } else if (cJSON_IsArray(v)) {
        ordo_jsonw_arr_begin(w);
        for (const cJSON *c = v->child; c; c = c->next)
            ordo_jsonw_cjson(w, c);
        ordo_jsonw_arr_end(w);
    } else if (cJSON_IsString(v)) {
        ordo_jsonw_str(w, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        ordo_jsonw_double(w, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        ordo_jsonw_bool(w, cJSON_IsTrue(v));
    } else if (cJSON_IsNull(v)) {
        ordo_jsonw_null(w);
    } else {
        cbor_fail(w, ORDO_EINVAL);
    }
}

/* CBOR has no "already serialized" item: the text is parsed and written
 * value by value, so it reads back normalized (see cbor.h). */
CBOR_FN cbor_raw(ordo_jsonw_t *w, const char *json, size_t n)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(json, n, &end, 0);
    if (j && end)
        while (end < json + n && isspace((unsigned char)*end))
            end++;
    if (!j || !end || end != json + n) {
        cbor_before(w, 0); /* still counts as the value that was meant */
        cbor_fail(w, ORDO_EINVAL);
    } else {
        ordo_jsonw_cjson(w, j);
    }
    cJSON_Delete(j);
}

/* Tag ORDO_CBOR_TAG_TABLE, then an indefinite-length array: the key ids
 * (a definite array), then the cells row by row (cbor.h). */
CBOR_FN cbor_table_begin(ordo_jsonw_t *w, const char *const *keys, unsigned n)
{
    int ids[ORDO_JSONW_TABLE_MAX];
    int ok = !w->tdepth && n > 0 && n <= ORDO_JSONW_TABLE_MAX;
    for (unsigned i = 0; ok && i < n; i++)
        ok = (ids[i] = ordo_cbor_key_id(keys[i], strlen(keys[i]))) >= 0;
    if (!ok) {
        cbor_open(w, 0); /* a plain array of objects */
        return;
    }
    cbor_before(w, 0);
    if (w->depth + 2 >= ORDO_JSONW_MAX_DEPTH) {
        cbor_fail(w, ORDO_EINVAL);
        return;
    }
    unsigned char b[32];
    size_t k = cbor_encode_tag(ORDO_CBOR_TAG_TABLE, b, sizeof b);
    k += cbor_encode_indef_array_start(b + k, sizeof b - k);
    k += cbor_encode_array_start(n, b + k, sizeof b - k);
    for (unsigned i = 0; i < n; i++) {
        k += cbor_encode_uint((uint64_t)ids[i], b + k, sizeof b - k);
        w->tkey[i] = (uint16_t)ids[i];
        w->tlast[i].len = 0;
    }
    w->tnames = keys;
    put(w, (const char *)b, k);
    w->depth++;
    w->is_obj[w->depth] = 0;
    w->tdepth = w->depth;
    w->tn = n;
    w->tcol = 0;
}

/* A row's cells straight into the table (CBOR mode, keys as at
 * table_begin): what the generic calls write, without their checks. */
static void cbor_row(ordo_jsonw_t *w, const ordo_jsonw_cell_t *cells, unsigned n)
{
    w->tcol = 0;
    for (unsigned c = 0; c < n; c++) {
        const char *s = cells[c].s;
        if (s) {
            size_t len = strlen(s);
            if (!table_cell(w, 1, s, len))
                cbor_text(w, s, len);
            continue;
        }
        int64_t v = cells[c].i;
        unsigned char b[9];
        size_t k =
            v >= 0 ? ordo_cbor_head(b, 0, (uint64_t)v) : ordo_cbor_head(b, 1, (uint64_t)(-1 - v));
        if (!table_cell(w, 2, b, k))
            put(w, (const char *)b, k);
    }
}

void ordo_jsonw_table_row(ordo_jsonw_t *w, const char *const *keys, const ordo_jsonw_cell_t *cells,
                          unsigned n)
{
    if (CBOR_MODE(w) && w->tdepth && w->depth == w->tdepth && !w->after_key && keys == w->tnames &&
        n == w->tn) {
        cbor_row(w, cells, n);
        return;
    }
    ordo_jsonw_obj_begin(w);
    for (unsigned c = 0; c < n; c++) {
        if (cells[c].s)
            ordo_jsonw_kstr(w, keys[c], cells[c].s);
        else
            ordo_jsonw_kint(w, keys[c], cells[c].i);
    }
    ordo_jsonw_obj_end(w);
}
