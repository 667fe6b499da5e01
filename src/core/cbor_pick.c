/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a few values out of a CBOR record without decoding the rest
 * (cbor.h, ordo_cbor_pick). One pass over the bytes: containers nobody
 * asked for are skipped item by item (their strings still numbered for the
 * stringref table); a member is matched by its key id through a table per
 * depth. The commonest items (key ids, fixed-length scalars, short strings,
 * small string references) are taken by their first byte in place: a
 * member of an indefinite map nobody picks costs a few instructions, and a
 * member of a picked map that no path names never leaves the map's loop
 * (skip_open, pick_map). Anything this fast path does not take as the writer makes it
 * (chunked strings, unknown key ids, invalid UTF-8 or NUL in a picked
 * string or a key, tags other than 25, 256 and tables, undefined outside a
 * table's later rows, trailing bytes, deep nesting, many strings) is
 * ORDO_EUNSUPPORTED, and the caller reads the record with ordo_cbor_to_tree,
 * which gives the same values by construction. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_internal.h"
#include "ordo/cbor.h"
#include "ordo/json.h"
#include "ordo/util.h"

#define PICK_DEPTH 6   /* keys per path */
#define PICK_STRS 4096 /* strings numbered per record */
#define PICK_NEST 32   /* containers deep */
#define PICK_KEYS 256  /* key ids */
#define PICK_TEXT 8    /* text keys per depth */
_Static_assert(PICK_STRS < 65536, "number(): thresholds 3, 4, 5 only");

struct ordo_cbor_picker {
    size_t n;
    /* mask of picks whose path[d] is key id k / ends at depth d */
    uint64_t by_key[PICK_DEPTH][PICK_KEYS];
    uint64_t leaf[PICK_DEPTH];
    /* keys not in the key table (written as text), per depth */
    struct {
        const char *s;
        size_t len;
        uint64_t mask;
    } text[PICK_DEPTH][PICK_TEXT];
    int n_text[PICK_DEPTH];
    bool known[PICK_KEYS]; /* key ids of the registered table */
    int parts_id;          /* key id of "parts" (-1: not in the table) */
    struct {
        uint32_t off, len;
    } refs[PICK_STRS];
};

typedef struct walk {
    ordo_cbor_picker_t *pk;
    ordo_cbor_pick_t *out;
    const uint8_t *base, *p, *end;
    bool ns;
    uint32_t n_refs;
    size_t thr; /* the shortest string numbered next (SIZE_MAX: no namespace) */
    /* the parts' spans still ahead (ordo_cbor_pick_parts), and the string
     * numbers assigned inside the spans jumped (no bytes to refer to) */
    const ordo_cbor_span_t *span, *span_end;
    const uint8_t *jump_at; /* base + span->start, or end (no span left) */
    struct {
        uint32_t lo, hi;
    } hole[ORDO_CBOR_PARTS_MAX + 1];
    int n_holes;
} walk_t;

typedef struct val {
    uint8_t type;
    double num;
    const char *s;
    size_t len;
    uint32_t n;
} val_t;

int ordo_cbor_picker_new(const char *const *paths, size_t n, ordo_cbor_picker_t **out)
{
    *out = NULL;
    if (n > 64)
        return ORDO_EINVAL;
    ordo_cbor_picker_t *pk = calloc(1, sizeof *pk);
    if (!pk)
        return ORDO_ENOMEM;
    pk->n = n;
    for (uint32_t id = 0; id < PICK_KEYS; id++)
        pk->known[id] = ordo_cbor_key_name(id) != NULL;
    pk->parts_id = ordo_cbor_key_id("parts", 5);
    for (size_t i = 0; i < n; i++) {
        const char *s = paths[i];
        int d = 0;
        while (*s) { /* "plan.totals.cost": keys between dots */
            const char *dot = strchr(s, '.');
            size_t len = dot ? (size_t)(dot - s) : strlen(s);
            int id = ordo_cbor_key_id(s, len);
            if (id >= PICK_KEYS || d >= PICK_DEPTH || !len || memchr(s, 0, len) ||
                (id < 0 && pk->n_text[d] == PICK_TEXT)) {
                free(pk);
                return ORDO_EUNSUPPORTED;
            }
            if (id >= 0) {
                pk->by_key[d][id] |= 1ull << i;
            } else {
                int t = 0;
                while (t < pk->n_text[d] &&
                       !(pk->text[d][t].len == len && !memcmp(pk->text[d][t].s, s, len)))
                    t++;
                if (t == pk->n_text[d]) {
                    pk->text[d][t].s = s;
                    pk->text[d][t].len = len;
                    pk->n_text[d]++;
                }
                pk->text[d][t].mask |= 1ull << i;
            }
            d++;
            s += len + (dot != NULL);
        }
        if (!d) {
            free(pk);
            return ORDO_EINVAL;
        }
        pk->leaf[d - 1] |= 1ull << i;
    }
    *out = pk;
    return ORDO_OK;
}

void ordo_cbor_picker_free(ordo_cbor_picker_t *pk)
{
    free(pk);
}

static inline __attribute__((always_inline)) bool head(walk_t *w, unsigned *major, unsigned *ai,
                                                       uint64_t *arg)
{
    return cbor_head(&w->p, w->end, major, ai, arg);
}

/* The string of n bytes at s gets the next stringref number (the caller
 * checked n >= w->thr); false: too many strings. */
static inline __attribute__((always_inline)) bool number(walk_t *w, const uint8_t *s, size_t n)
{
    uint32_t i = w->n_refs;
    if (i == PICK_STRS)
        return false;
    w->pk->refs[i].off = (uint32_t)(s - w->base);
    w->pk->refs[i].len = (uint32_t)n;
    w->n_refs = ++i;
    if (__builtin_expect(i == 24 || i == 256, 0))
        w->thr++; /* cbor_strref_min_len(i): 3, 4, 5 below 65536 */
    return true;
}

static inline bool text(walk_t *w, uint64_t n, val_t *v)
{
    if ((uint64_t)(w->end - w->p) < n || (n >= w->thr && !number(w, w->p, (size_t)n)))
        return false;
    v->type = ORDO_CBOR_STRING;
    v->s = (const char *)w->p;
    v->len = (size_t)n;
    w->p += n;
    return true;
}

static bool strref(walk_t *w, val_t *v)
{
    unsigned major, ai;
    uint64_t idx;
    if (!w->ns || !head(w, &major, &ai, &idx) || major != 0 || ai == 31 || idx >= w->n_refs)
        return false;
    v->type = ORDO_CBOR_STRING;
    for (int h = 0; h < w->n_holes; h++) {
        if (idx >= w->hole[h].lo && idx < w->hole[h].hi) {
            v->s = NULL; /* numbered inside a jumped span: fine when skipped, */
            v->len = 0;  /* refused when picked (pick_value) or a key (map_key) */
            return true;
        }
    }
    v->s = (const char *)w->base + w->pk->refs[idx].off;
    v->len = w->pk->refs[idx].len;
    return true;
}

/* A scalar (major 0, 1, 3, 7, or a tag-25 string); *undef for undefined. */
static bool scalar(walk_t *w, unsigned major, unsigned ai, uint64_t arg, val_t *v, bool *undef)
{
    *undef = false;
    switch (major) {
    case 0:
        v->type = ORDO_CBOR_NUMBER;
        v->num = (double)arg;
        return ai != 31;
    case 1:
        v->type = ORDO_CBOR_NUMBER;
        v->num = arg == UINT64_MAX ? -18446744073709551616.0 : -(double)(arg + 1);
        return ai != 31;
    case 3:
        return ai != 31 && text(w, arg, v);
    case 6:
        return arg == 25 && ai != 31 && strref(w, v);
    case 7:
        break;
    default:
        return false;
    }
    if (ai == 20 || ai == 21) {
        v->type = ai == 21 ? ORDO_CBOR_TRUE : ORDO_CBOR_FALSE;
    } else if (ai == 22) {
        v->type = ORDO_CBOR_NULL;
    } else if (ai == 23) {
        *undef = true;
    } else if (ai >= 25 && ai <= 27) {
        double d = cbor_float(ai, arg);
        v->type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL;
        v->num = d;
    } else {
        return false;
    }
    return true;
}

/* Bytes of a scalar that needs no check beyond its length, by its first
 * byte (0: another item): unsigneds and negatives with their argument,
 * false, true, null and the three floats. */
#define FX4(n) n, n, n, n
#define FX8(n) FX4(n), FX4(n)
#define FX24(n) FX8(n), FX8(n), FX8(n)
static const uint8_t fixed_len[256] = {
    FX24(1),    2,          3,          5,          9,          0,          0, 0, 0, /* major 0 */
    FX24(1),    2,          3,          5,          9,          0,          0, 0, 0, /* major 1 */
    [0xf4] = 1, [0xf5] = 1, [0xf6] = 1, [0xf9] = 3, [0xfa] = 5, [0xfb] = 9,
};

/* Bytes of an item that needs no check beyond its length, by its first
 * byte (0: another item): fixed_len's scalars and strings shorter than 24
 * (head and bytes); str_len: such a string's length (0: not a string). */
#define ST4(n) n, n + 1, n + 2, n + 3
#define ST24(n) ST4(n), ST4(n + 4), ST4(n + 8), ST4(n + 12), ST4(n + 16), ST4(n + 20)
static const uint8_t step[256] = {
    FX24(1),
    2,
    3,
    5,
    9,
    0,
    0,
    0,
    0, /* major 0 */
    FX24(1),
    2,
    3,
    5,
    9,
    0,
    0,
    0,
    0,                /* major 1 */
    [0x60] = ST24(1), /* major 3, lengths 0..23 */
    [0xf4] = 1,
    [0xf5] = 1,
    [0xf6] = 1,
    [0xf9] = 3,
    [0xfa] = 5,
    [0xfb] = 9,
};
static const uint8_t str_len[256] = {[0x60] = ST24(0)};

/* The commonest values, skipped in place from p (p < w->end): a
 * fixed-length scalar, a string with a length below 256 (numbered), a
 * string reference below 256. NULL: not one of them, nothing read (the
 * caller's slower path takes it). */
static inline __attribute__((always_inline)) const uint8_t *skip_cell(walk_t *w, const uint8_t *p)
{
    uint8_t b = *p;
    size_t room = (size_t)(w->end - p), k = step[b];
    if (k) {
        if (room < k || (str_len[b] >= w->thr && !number(w, p + 1, str_len[b])))
            return NULL;
        return p + k;
    }
    if (b == 0xd8 && room >= 3 && p[1] == 25 && w->ns) {
        if (p[2] < 0x18 && p[2] < w->n_refs)
            return p + 3;
        if (p[2] == 0x18 && room >= 4 && p[3] < w->n_refs) /* index 24..255 */
            return p + 4;
    }
    if (b == 0x78 && room >= 2 && room - 2 >= p[1] && (p[1] < w->thr || number(w, p + 2, p[1])))
        return p + 2 + p[1];
    return NULL;
}

/* skip_cell at w->p, and undefined when allowed (a table's later rows). */
static inline __attribute__((always_inline)) bool cell_fast(walk_t *w, bool undef_ok)
{
    const uint8_t *p = w->p, *q;
    if (p >= w->end)
        return false;
    if ((q = skip_cell(w, p))) {
        w->p = q;
        return true;
    }
    if (*p == 0xf7 && undef_ok) {
        w->p = p + 1;
        return true;
    }
    return false;
}

/* A table's array (after the tag): key ids, then scalar cells to the
 * break; v: an array of its rows. */
static bool table(walk_t *w, val_t *v)
{
    unsigned major, ai;
    uint64_t arg, tn;
    if (!head(w, &major, &ai, &arg) || major != 4 || ai != 31 || !head(w, &major, &ai, &tn) ||
        major != 4 || ai == 31 || tn < 1 || tn > ORDO_JSONW_TABLE_MAX)
        return false;
    for (uint64_t i = 0; i < tn; i++)
        if (!head(w, &major, &ai, &arg) || major != 0 || ai == 31 || arg >= PICK_KEYS ||
            !w->pk->known[arg])
            return false;
    uint64_t cells = 0;
    const uint8_t *p = w->p, *q;
    for (;; cells++) {
        if (p >= w->end)
            return false;
        if (*p == 0xff) {
            p++;
            break;
        }
        if (*p == 0xf7) { /* undefined: a later row's repeated cell (most cells) */
            if (cells < tn)
                return false;
            p++;
            continue;
        }
        if ((q = skip_cell(w, p))) {
            p = q;
            continue;
        }
        val_t c;
        bool undef;
        w->p = p;
        if (!head(w, &major, &ai, &arg) || !scalar(w, major, ai, arg, &c, &undef) ||
            (undef && cells < tn))
            return false;
        p = w->p;
    }
    w->p = p;
    if (cells % tn)
        return false;
    v->type = ORDO_CBOR_ARRAY;
    v->n = (uint32_t)(cells / tn);
    return true;
}

static void put(walk_t *w, uint64_t picks, const val_t *v)
{
    for (; picks; picks &= picks - 1) {
        ordo_cbor_pick_t *o = &w->out[__builtin_ctzll(picks)];
        o->found = true;
        o->type = v->type;
        o->num = v->num;
        o->s = v->s;
        o->len = v->len;
        o->n = v->n;
    }
}

/* A map key as a key id, or (-1) as text in *k; false: unsupported. */
static bool map_key(walk_t *w, unsigned major, unsigned ai, uint64_t arg, int *id, val_t *k)
{
    if (major == 0 && ai != 31) {
        *id = arg < PICK_KEYS && w->pk->known[arg] ? (int)arg : -2;
        return *id >= 0;
    }
    if (!(major == 3 && ai != 31 && text(w, arg, k)) && !(major == 6 && arg == 25 && strref(w, k)))
        return false;
    if (!k->s)
        return false; /* a string of a jumped span */
    if (memchr(k->s, 0, k->len) || ordo_utf8_check(k->s, k->len) != k->len)
        return false;
    *id = ordo_cbor_key_id(k->s, k->len);
    return true;
}

/* The picks of a member's key at depth. */
static uint64_t key_picks(const ordo_cbor_picker_t *pk, int depth, int id, const val_t *k)
{
    if (id >= 0)
        return pk->by_key[depth][id];
    for (int t = 0; t < pk->n_text[depth]; t++)
        if (pk->text[depth][t].len == k->len && !memcmp(pk->text[depth][t].s, k->s, k->len))
            return pk->text[depth][t].mask;
    return 0;
}

/* A key id of the table in one or two bytes, skipped in place; false:
 * another key, nothing read (map_key() takes it). */
static inline bool key_fast(walk_t *w)
{
    const uint8_t *p = w->p;
    if (w->end - p < 2)
        return false;
    unsigned id = p[0] < 0x18 ? p[0] : p[0] == 0x18 ? p[1] : PICK_KEYS;
    if (id >= PICK_KEYS || !w->pk->known[id])
        return false;
    w->p = p + 1 + (p[0] == 0x18);
    return true;
}

/* A key of a map no pick looks into, in place: a key id of the table in
 * one or two bytes, else through map_key(); false: unsupported. */
static inline __attribute__((always_inline)) bool skip_key(walk_t *w)
{
    if (key_fast(w))
        return true;
    unsigned major, ai;
    uint64_t arg;
    int id;
    val_t k;
    return head(w, &major, &ai, &arg) && map_key(w, major, ai, arg, &id, &k);
}

static bool skip_value(walk_t *w, int depth);

/* The items of an indefinite map (map) or array no pick looks into (after
 * its head, at depth), to its break. The indefinite maps and arrays inside
 * it are walked in the same loop (a stack: map or array, not a call each);
 * a member's key and value in one turn; key ids of the table and what
 * skip_cell takes are taken in place, anything else through
 * skip_key/skip_value. Checked as a picked item would be: the same
 * refusals, strings numbered. */
static bool skip_open(walk_t *w, int depth, bool map)
{
    bool st[PICK_NEST];
    int top = 0;
    st[0] = map;
    const bool *known = w->pk->known;
    const uint8_t *p = w->p, *q;
    for (;;) {
        if (p >= w->end)
            return false;
        uint8_t b = *p;
        if (b == 0xff) {
            p++;
            if (top-- == 0)
                break;
            continue;
        }
        if (st[top]) { /* a member's key, then its value (never a break) */
            if (b < 0x18 && known[b]) {
                p++;
            } else if (b == 0x18 && w->end - p >= 2 && known[p[1]]) {
                p += 2;
            } else {
                w->p = p;
                if (!skip_key(w))
                    return false;
                p = w->p;
            }
            if (p >= w->end)
                return false;
            b = *p;
        }
        if ((q = skip_cell(w, p))) {
            p = q;
        } else if (b == 0xbf || b == 0x9f) {
            if (depth + top + 2 >= PICK_NEST)
                return false;
            st[++top] = b == 0xbf;
            p++;
        } else {
            w->p = p;
            if (!skip_value(w, depth + top + 1))
                return false;
            p = w->p;
        }
    }
    w->p = p;
    return true;
}

/* One item no pick looks into (at depth), checked as a picked one would
 * be: its strings still numbered. Containers deeper than PICK_NEST - 2
 * are refused (those of the writer are a few deep). */
static bool skip_value(walk_t *w, int depth)
{
    if (cell_fast(w, false))
        return true;
    unsigned major, ai;
    uint64_t arg;
    val_t x;
    bool undef;
    if (!head(w, &major, &ai, &arg))
        return false;
    if (major == 4 || major == 5) {
        if (depth + 1 >= PICK_NEST || (ai != 31 && arg > (uint64_t)(w->end - w->p)))
            return false;
        if (ai == 31)
            return skip_open(w, depth, major == 5);
        for (uint64_t i = 0; i < arg; i++)
            if ((major == 5 && !skip_key(w)) || !skip_value(w, depth + 1))
                return false;
        return true;
    }
    if (major == 6 && arg == ORDO_CBOR_TAG_TABLE)
        return table(w, &x);
    return scalar(w, major, ai, arg, &x, &undef) && !undef;
}

static bool pick_value(walk_t *w, int depth, uint64_t active, uint64_t leaf, val_t *v);

/* A picked unsigned, float or short string (valid UTF-8 without NUL) as
 * pick_value takes it, in place; false: another item (nothing read;
 * pick_value takes it). */
static inline __attribute__((always_inline)) bool leaf_fast(walk_t *w, val_t *v)
{
    const uint8_t *p = w->p;
    uint8_t b = p < w->end ? *p : 0xff, k = fixed_len[b];
    if (b >= 0x60 && b < 0x78 && (size_t)(w->end - p) > b - 0x60u &&
        cbor_plain_text((const char *)p + 1, b - 0x60u)) { /* a short string */
        w->p = p + 1;
        v->num = 0;
        v->n = 0;
        if (text(w, b - 0x60u, v))
            return true;
        w->p = p; /* too many strings: pick_value refuses it */
        return false;
    }
    if (!k || (b >= 0x20 && b < 0xf9) || (size_t)(w->end - p) < k)
        return false; /* not an unsigned or a float */
    uint64_t arg = b;
    switch (k) { /* big-endian arguments, one load each */
    case 2:
        arg = p[1];
        break;
    case 3:
        arg = CBOR_BE_LOAD(p + 1, uint16_t, 16);
        break;
    case 5:
        arg = CBOR_BE_LOAD(p + 1, uint32_t, 32);
        break;
    case 9:
        arg = CBOR_BE_LOAD(p + 1, uint64_t, 64);
        break;
    default:
        break;
    }
    double d = b < 0x20 ? (double)arg : cbor_float(b & 31u, arg);
    v->type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL;
    v->num = d;
    v->s = NULL;
    v->len = 0;
    v->n = 0;
    w->p = p + k;
    return true;
}

/* A map's key on a picked path: its id, or -1 and its text in *k; false:
 * unsupported. */
static inline __attribute__((always_inline)) bool pick_key(walk_t *w, int *id, val_t *k)
{
    const uint8_t *p = w->p;
    if (w->end - p >= 2 && (p[0] < 0x18 || p[0] == 0x18)) {
        unsigned i = p[0] < 0x18 ? p[0] : p[1];
        if (w->pk->known[i]) {
            *id = (int)i;
            w->p = p + 1 + (p[0] == 0x18);
            return true;
        }
    }
    unsigned major, ai;
    uint64_t arg;
    return head(w, &major, &ai, &arg) && map_key(w, major, ai, arg, id, k);
}

/* At a member's key, at or past the next span's start: the span that
 * starts here is jumped when its key is a key id that no pick of this map
 * still looks for (row, active, taken as pick_map has them); spans passed
 * over are dropped. true: jumped (w->p after the span, the string numbers
 * it assigned counted and marked as a hole). */
static bool jump(walk_t *w, const uint64_t *row, uint64_t active, uint64_t taken)
{
    size_t at = (size_t)(w->p - w->base);
    bool ok = false;
    if (w->p >= w->end)
        return false;
    while (w->span < w->span_end && w->span->start < at)
        w->span++;
    if (w->span < w->span_end && w->span->start == at) {
        const ordo_cbor_span_t *sp = w->span++;
        const uint8_t *p = w->p;
        unsigned id = p[0] < 0x18 ? p[0] : p[0] == 0x18 && w->end - p >= 2 ? p[1] : PICK_KEYS;
        if (id < PICK_KEYS && w->pk->known[id] && !(row && (row[id] & active & ~taken)) &&
            sp->refs >= w->n_refs && sp->refs <= PICK_STRS && w->n_holes <= ORDO_CBOR_PARTS_MAX) {
            w->hole[w->n_holes].lo = w->n_refs;
            w->hole[w->n_holes++].hi = sp->refs;
            w->n_refs = sp->refs;
            w->thr = cbor_strref_min_len(sp->refs);
            w->p = w->base + sp->end;
            ok = true;
        }
    }
    w->jump_at = w->span < w->span_end ? w->base + w->span->start : w->end;
    return ok;
}

/* Members to the end (n pairs, or a break when indef); the first member
 * with a picked key goes to its picks. A key id of the table and a member
 * nobody picks whose value skip_cell takes stay in this loop. */
static bool pick_map(walk_t *w, int depth, uint64_t active, bool indef, uint64_t n, val_t *v)
{
    uint64_t taken = 0, count = 0;
    const uint64_t *row = active && depth < PICK_DEPTH ? w->pk->by_key[depth] : NULL;
    const bool *known = w->pk->known;
    for (;; count++) {
        const uint8_t *p = w->p, *q;
        if (indef ? (p < w->end && *p == 0xff) : count == n) {
            w->p += indef;
            break;
        }
        if (__builtin_expect(p >= w->jump_at, 0) && indef && jump(w, row, active, taken))
            continue; /* a span of the parts, jumped */
        int id;
        val_t k, x;
        k.len = 0;
        if (w->end - p >= 2 && p[0] < 0x18 && known[p[0]]) {
            id = p[0];
            p++;
        } else if (w->end - p >= 2 && p[0] == 0x18 && known[p[1]]) {
            id = p[1];
            p += 2;
        } else if (pick_key(w, &id, &k)) {
            p = w->p;
        } else {
            return false;
        }
        uint64_t m = 0;
        if (row) {
            m = (id >= 0 ? row[id] : key_picks(w->pk, depth, id, &k)) & active & ~taken;
            taken |= m;
        }
        if (!m) { /* most members: skipped here, the commonest in place */
            if (p < w->end && (q = skip_cell(w, p))) {
                w->p = q;
                continue;
            }
            w->p = p;
            if (!skip_value(w, depth + 1))
                return false;
            continue;
        }
        w->p = p;
        uint64_t leaf = m & w->pk->leaf[depth < PICK_DEPTH ? depth : 0];
        if (m == leaf && leaf_fast(w, &x)) { /* most picks, taken here */
            put(w, leaf, &x);
            continue;
        }
        if (!pick_value(w, depth + 1, m & ~leaf, leaf, &x))
            return false;
    }
    v->type = ORDO_CBOR_OBJECT;
    v->n = (uint32_t)count;
    return true;
}

/* One item at depth: the picks of active see into it, those of leaf take
 * it (*v: its value). */
static bool pick_value(walk_t *w, int depth, uint64_t active, uint64_t leaf, val_t *v)
{
    if (!(active | leaf))
        return skip_value(w, depth);
    unsigned major, ai;
    uint64_t arg;
    bool undef = false, ok;
    memset(v, 0, sizeof *v);
    if (!head(w, &major, &ai, &arg))
        return false;
    if (major == 5) {
        ok = pick_map(w, depth, active, ai == 31, arg, v);
    } else if (major == 6 && arg == ORDO_CBOR_TAG_TABLE) {
        ok = table(w, v);
    } else if (major == 4) {
        uint64_t count = 0;
        for (;; count++) {
            if (ai == 31 ? (w->p < w->end && *w->p == 0xff) : count == arg)
                break;
            if (!skip_value(w, depth + 1))
                return false;
        }
        w->p += ai == 31;
        v->type = ORDO_CBOR_ARRAY;
        v->n = (uint32_t)count;
        ok = true;
    } else {
        ok = scalar(w, major, ai, arg, v, &undef) && !undef;
    }
    if (!ok)
        return false;
    if (leaf) {
        if (v->type == ORDO_CBOR_STRING && (!v->s || !cbor_plain_text(v->s, v->len)))
            return false;
        put(w, leaf, v);
    }
    return true;
}

#define PARTS_END (4 + 2 + 1 + 5 * ORDO_CBOR_PARTS_SLOTS + 1) /* its member's end */

/* Does b start with the parts member as the record writer lays it out (key
 * id parts_id, ORDO_CBOR_PARTS_SLOTS unsigneds of 5 bytes)? */
static bool parts_layout(const uint8_t *b, size_t n, int parts_id)
{
    if (parts_id < 24 || parts_id > 255 || n < PARTS_END || memcmp(b, "\xd9\x01\x00\xbf", 4) ||
        b[4] != 0x18 || b[5] != parts_id || b[6] != 0x9f || b[PARTS_END - 1] != 0xff)
        return false;
    for (int i = 0; i < ORDO_CBOR_PARTS_SLOTS; i++)
        if (b[7 + 5 * i] != 0x1a)
            return false;
    return true;
}

/* The spans of the parts at b, with parts_id the key id of "parts": each
 * well formed, in order, within n bytes; empty spans left out. */
static int parts_at(const uint8_t *b, size_t n, int parts_id, ordo_cbor_span_t *spans)
{
    if (!parts_layout(b, n, parts_id))
        return 0;
    uint32_t v[ORDO_CBOR_PARTS_SLOTS];
    for (int i = 0; i < ORDO_CBOR_PARTS_SLOTS; i++)
        v[i] = CBOR_BE_LOAD(b + 8 + 5 * i, uint32_t, 32);
    int k = 0;
    uint64_t at = PARTS_END, refs = 0;
    for (int i = 0; i < ORDO_CBOR_PARTS_MAX; i++) {
        uint32_t start = v[3 * i], end = v[3 * i + 1], r = v[3 * i + 2];
        if (start < at || end < start || end > n || r < refs)
            return 0;
        if (end > start)
            spans[k++] = (ordo_cbor_span_t){start, end, r};
        at = end;
        refs = r;
    }
    return k;
}

size_t cbor_parts_member_end(const void *p, size_t n)
{
    return parts_layout(p, n, ordo_cbor_key_id("parts", 5)) ? PARTS_END : 0;
}

int ordo_cbor_parts(const void *p, size_t n, ordo_cbor_span_t *spans)
{
    return parts_at(p, n, ordo_cbor_key_id("parts", 5), spans);
}

static int pick_run(ordo_cbor_picker_t *pk, const void *p, size_t n, ordo_cbor_pick_t *out,
                    const ordo_cbor_span_t *spans, int n_spans)
{
    walk_t w = {
        .pk = pk, .out = out, .base = p, .p = p, .end = (const uint8_t *)p + n, .thr = SIZE_MAX};
    w.span = spans;
    w.span_end = spans ? spans + n_spans : NULL; /* no arithmetic on NULL */
    w.jump_at = n_spans ? w.base + spans[0].start : w.end;
    memset(out, 0, pk->n * sizeof *out);
    if (n >= 3 && w.p[0] == 0xd9 && w.p[1] == 0x01 && w.p[2] == 0x00) { /* tag 256 */
        w.p += 3;
        w.ns = true;
        w.thr = cbor_strref_min_len(0);
    }
    if (w.p >= w.end || (*w.p >> 5) != 5)
        return ORDO_EUNSUPPORTED; /* not an object: the reader says what it is */
    uint64_t all = pk->n == 64 ? ~0ull : (1ull << pk->n) - 1;
    val_t v;
    if (!pick_value(&w, 0, all, 0, &v) || w.p != w.end)
        return ORDO_EUNSUPPORTED;
    return ORDO_OK;
}

int ordo_cbor_pick(ordo_cbor_picker_t *pk, const void *p, size_t n, ordo_cbor_pick_t *out)
{
    return pick_run(pk, p, n, out, NULL, 0);
}

int ordo_cbor_pick_parts(ordo_cbor_picker_t *pk, const void *p, size_t n, ordo_cbor_pick_t *out)
{
    ordo_cbor_span_t spans[1 + ORDO_CBOR_PARTS_MAX];
    int k = parts_at(p, n, pk->parts_id, spans + 1); /* needs the namespace tag: ns */
    spans[0] = (ordo_cbor_span_t){4, PARTS_END, 0};  /* the parts member itself */
    return k ? pick_run(pk, p, n, out, spans, 1 + k) : pick_run(pk, p, n, out, NULL, 0);
}

/* ---- a sequence of items (a record's summary, RECORD.md "Summary") ---- */

#define ITEMS_STRS 1024

int ordo_cbor_items(const void *p, size_t n, size_t at, ordo_cbor_pick_t *out, size_t max)
{
    struct {
        uint32_t off, len;
    } refs[ITEMS_STRS];
    uint32_t n_refs = 0;
    const uint8_t *b = p, *q = b + at, *end = b + n;
    int depth = 0;
    if (at > n)
        return ORDO_EUNSUPPORTED;
    for (size_t i = 0; i < max;) {
        unsigned major, ai;
        uint64_t arg;
        if (q < end && *q == 0xff) { /* an array's end: not an item */
            if (--depth < 0)
                return ORDO_EUNSUPPORTED;
            q++;
            continue;
        }
        if (q < end && *q < 0x18) { /* the writer's frequent items first: a small integer */
            out[i++] = (ordo_cbor_pick_t){.found = true, .type = ORDO_CBOR_NUMBER, .num = *q++};
            continue;
        }
        if (end - q >= 9 && *q == 0xfb) { /* a double */
            uint64_t u = CBOR_BE_LOAD(q + 1, uint64_t, 64);
            double d;
            memcpy(&d, &u, sizeof d);
            out[i++] = (ordo_cbor_pick_t){.found = true,
                                          .type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL,
                                          .num = isfinite(d) ? d : NAN};
            q += 9;
            continue;
        }
        if (!cbor_head(&q, end, &major, &ai, &arg))
            return ORDO_EUNSUPPORTED;
        ordo_cbor_pick_t *o = &out[i++];
        *o = (ordo_cbor_pick_t){.found = true, .num = NAN};
        if (ai == 31) {
            if (major != 4 || ++depth > PICK_NEST)
                return ORDO_EUNSUPPORTED;
            o->type = ORDO_CBOR_ARRAY;
            continue;
        }
        switch (major) {
        case 0:
            o->type = ORDO_CBOR_NUMBER;
            o->num = (double)arg;
            continue;
        case 1:
            o->type = ORDO_CBOR_NUMBER;
            o->num = arg == UINT64_MAX ? -18446744073709551616.0 : -(double)(arg + 1);
            continue;
        case 3:
            if ((uint64_t)(end - q) < arg || !cbor_plain_text((const char *)q, arg))
                return ORDO_EUNSUPPORTED;
            if (arg >= cbor_strref_min_len(n_refs)) {
                if (n_refs == ITEMS_STRS)
                    return ORDO_EUNSUPPORTED;
                refs[n_refs].off = (uint32_t)(q - b);
                refs[n_refs++].len = (uint32_t)arg;
            }
            o->type = ORDO_CBOR_STRING;
            o->s = (const char *)q;
            o->len = arg;
            q += arg;
            continue;
        case 6: { /* a string reference */
            uint64_t k;
            if (arg != 25 || !cbor_head(&q, end, &major, &ai, &k) || major != 0 || ai == 31 ||
                k >= n_refs)
                return ORDO_EUNSUPPORTED;
            o->type = ORDO_CBOR_STRING;
            o->s = (const char *)b + refs[k].off;
            o->len = refs[k].len;
            continue;
        }
        case 7:
            break;
        default:
            return ORDO_EUNSUPPORTED;
        }
        if (ai >= 20 && ai <= 22) {
            o->type = ai == 20 ? ORDO_CBOR_FALSE : ai == 21 ? ORDO_CBOR_TRUE : ORDO_CBOR_NULL;
        } else if (ai >= 25 && ai <= 27) {
            double d = cbor_float(ai, arg);
            o->type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL;
            o->num = isfinite(d) ? d : NAN;
        } else {
            return ORDO_EUNSUPPORTED;
        }
    }
    return ORDO_OK;
}
