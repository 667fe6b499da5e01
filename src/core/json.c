/* ordo — streaming JSON writer. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/json.h"

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
        return snprintf(buf, 32, "%lld", (long long)v);
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return n;
    }
    return snprintf(buf, 32, "%.17g", v);
}

void ordo_jsonw_init(ordo_jsonw_t *w, ordo_buf_t *out, int pretty)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->pretty = pretty;
    w->first[0] = 1;
}

static void put(ordo_jsonw_t *w, const char *s, size_t n)
{
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
    open(w, '{', 1);
}
void ordo_jsonw_obj_end(ordo_jsonw_t *w)
{
    close_(w, '}', 1);
}
void ordo_jsonw_arr_begin(ordo_jsonw_t *w)
{
    open(w, '[', 0);
}
void ordo_jsonw_arr_end(ordo_jsonw_t *w)
{
    close_(w, ']', 0);
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static void put_string(ordo_jsonw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    put(w, "\"", 1);
    size_t run = 0; /* start of a run of bytes that need no escaping */
    size_t i = 0;
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
            size_t l = utf8_len(p + i, n - i);
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
    if (w->depth == 0 || !w->is_obj[w->depth]) {
        w->error = ORDO_EINVAL;
        return;
    }
    before_value(w, 1);
    put_string(w, key, strlen(key));
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = 1;
}

void ordo_jsonw_strn(ordo_jsonw_t *w, const char *s, size_t n)
{
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
    char buf[32];
    int n = ordo_json_format_double(v, buf);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_int(ordo_jsonw_t *w, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_uint(ordo_jsonw_t *w, uint64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    before_value(w, 0);
    put(w, buf, (size_t)n);
}

void ordo_jsonw_bool(ordo_jsonw_t *w, bool v)
{
    before_value(w, 0);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void ordo_jsonw_null(ordo_jsonw_t *w)
{
    before_value(w, 0);
    put(w, "null", 4);
}

void ordo_jsonw_raw(ordo_jsonw_t *w, const char *json, size_t n)
{
    before_value(w, 0);
    put(w, json, n);
}

void ordo_jsonw_kstr(ordo_jsonw_t *w, const char *key, const char *s)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_str(w, s);
}
void ordo_jsonw_kdouble(ordo_jsonw_t *w, const char *key, double v)
{
    ordo_jsonw_key(w, key);
    ordo_jsonw_double(w, v);
}
void ordo_jsonw_kint(ordo_jsonw_t *w, const char *key, int64_t v)
{
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
