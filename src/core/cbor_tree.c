/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the tree of a CBOR record as the writer makes it, in one pass over
 * its bytes (ordo_cbor_to_tree's fast path).
 *
 * ordo_cbor_to_tree decodes through libcbor's streaming decoder: a callback
 * per item, every check of the format. Records from ordo's writer take a
 * few shapes only: an indefinite-length map at the top (in the tag-256
 * namespace or not), indefinite-length maps and arrays, key ids, text and
 * string references, small integers, floats, simple values, tables. This
 * builds the same tree from those directly; anything else (definite
 * lengths, chunked strings, invalid UTF-8, a NUL in a key, unknown key ids,
 * other tags, undefined outside a table's later rows, deep nesting, many
 * strings, trailing bytes, malformed input) is left to the full decoder,
 * which then gives the tree or the error (cbor_tree_fast returns
 * ORDO_EUNSUPPORTED; nodes it made stay in the arena, unused).
 * tests/core/test_cbor_tree.c compares both ways on fixtures, written
 * records and mutations of them. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cbor_internal.h"
#include "ordo/cbor.h"
#include "ordo/util.h"

#define FAST_DEPTH 24  /* containers deep (the writer's limit is higher) */
#define FAST_STRS 1024 /* strings numbered per record */

bool ordo_cbor_tree_fast_off;

typedef ordo_cbor_node_t node_t;

typedef struct fast {
    const uint8_t *p, *end;
    ordo_arena_t *arena;
    bool ns;
    uint32_t n_refs;
    struct {
        const uint8_t *s;
        uint32_t len;
        const char *copy; /* its copy in the arena, once a value needed one */
    } refs[FAST_STRS];
} fast_t;

static inline __attribute__((always_inline)) bool head(fast_t *f, unsigned *major, unsigned *ai,
                                                       uint64_t *arg)
{
    return cbor_head(&f->p, f->end, major, ai, arg);
}

/* A text string (major 3, definite) or a string reference: its bytes and
 * its index in the namespace's table (-1: none). */
static bool text_of(fast_t *f, unsigned major, unsigned ai, uint64_t arg, const uint8_t **s,
                    size_t *n, int *ref)
{
    *ref = -1;
    if (major == 3 && ai != 31) {
        if ((uint64_t)(f->end - f->p) < arg)
            return false;
        if (f->ns && arg >= cbor_strref_min_len(f->n_refs)) {
            if (f->n_refs == FAST_STRS)
                return false;
            *ref = (int)f->n_refs;
            f->refs[f->n_refs].s = f->p;
            f->refs[f->n_refs].copy = NULL;
            f->refs[f->n_refs++].len = (uint32_t)arg;
        }
        *s = f->p;
        *n = (size_t)arg;
        f->p += arg;
        return true;
    }
    uint64_t idx;
    if (major != 6 || arg != 25 || !f->ns || !head(f, &major, &ai, &idx) || major != 0 ||
        ai == 31 || idx >= f->n_refs)
        return false;
    *s = f->refs[idx].s;
    *n = f->refs[idx].len;
    *ref = (int)idx;
    return true;
}

/* A NUL-terminated copy in the arena; NULL: not valid UTF-8, or no memory
 * (both left to the full decoder, which says which). */
static const char *copy(fast_t *f, const uint8_t *s, size_t n)
{
    if (ordo_utf8_check((const char *)s, n) != n)
        return NULL;
    char *c = ordo_arena_alloc(f->arena, n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = 0;
    }
    return c;
}

static node_t *add(fast_t *f, node_t *parent, int type, const char *key)
{
    node_t *x = ordo_arena_calloc(f->arena, 1, sizeof *x);
    if (!x)
        return NULL;
    x->type = (uint8_t)type;
    x->key = key;
    if (parent) {
        if (parent->last)
            parent->last->next = x;
        else
            parent->child = x;
        parent->last = x;
        parent->n++;
    }
    return x;
}

/* A scalar into x (its type set here); false: not one the writer makes. */
static bool scalar(fast_t *f, unsigned major, unsigned ai, uint64_t arg, node_t *x)
{
    const uint8_t *s;
    size_t n;
    int ref;
    double d;
    switch (major) {
    case 0: x->type = ORDO_CBOR_NUMBER; x->num = (double)arg; return ai != 31;
    case 1:
        x->type = ORDO_CBOR_NUMBER;
        x->num = arg == UINT64_MAX ? -18446744073709551616.0 : -(double)(arg + 1);
        return ai != 31;
    case 3:
    case 6:
        if (!text_of(f, major, ai, arg, &s, &n, &ref))
            return false;
        /* a string of the table is copied once, its references share it */
        if (!(x->s = ref >= 0 && f->refs[ref].copy ? f->refs[ref].copy : copy(f, s, n)))
            return false;
        if (ref >= 0)
            f->refs[ref].copy = x->s;
        x->type = ORDO_CBOR_STRING;
        x->len = n;
        return true;
    case 7: break;
    default: return false;
    }
    if (ai >= 20 && ai <= 22) {
        x->type = ai == 20 ? ORDO_CBOR_FALSE : ai == 21 ? ORDO_CBOR_TRUE : ORDO_CBOR_NULL;
        return true;
    }
    if (ai < 25 || ai > 27)
        return false;
    d = cbor_float(ai, arg);
    x->type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL;
    x->num = isfinite(d) ? d : 0;
    return true;
}

/* A table (after its tag): an array of row objects. */
static bool table(fast_t *f, node_t *arr)
{
    unsigned major, ai;
    uint64_t arg, tn;
    const char *name[ORDO_JSONW_TABLE_MAX];
    const node_t *above[ORDO_JSONW_TABLE_MAX];
    if (!head(f, &major, &ai, &arg) || major != 4 || ai != 31 || !head(f, &major, &ai, &tn) ||
        major != 4 || ai == 31 || tn < 1 || tn > ORDO_JSONW_TABLE_MAX)
        return false;
    for (uint64_t i = 0; i < tn; i++)
        if (!head(f, &major, &ai, &arg) || major != 0 || ai == 31 ||
            !(name[i] = ordo_cbor_key_name(arg > UINT32_MAX ? UINT32_MAX : (uint32_t)arg)))
            return false;
    node_t *row = NULL;
    for (uint64_t col = 0;; col = (col + 1) % tn) {
        if (f->p < f->end && *f->p == 0xff) {
            f->p++;
            return col == 0;
        }
        if (col == 0 && !(row = add(f, arr, ORDO_CBOR_OBJECT, NULL)))
            return false;
        node_t *x = add(f, row, ORDO_CBOR_NULL, name[col]);
        if (!x)
            return false;
        if (f->p < f->end && *f->p == 0xf7) { /* the cell above, again */
            if (arr->n < 2)
                return false;
            f->p++;
            x->type = above[col]->type;
            x->num = above[col]->num;
            x->s = above[col]->s;
            x->len = above[col]->len;
        } else if (!head(f, &major, &ai, &arg) || !scalar(f, major, ai, arg, x)) {
            return false;
        }
        above[col] = x;
    }
}

/* A map key: a key id, or text (the table's name when it is one). */
static bool key(fast_t *f, const char **k)
{
    unsigned major, ai;
    uint64_t arg;
    const uint8_t *s;
    size_t n;
    int ref;
    if (!head(f, &major, &ai, &arg))
        return false;
    if (major == 0)
        return ai != 31 && (*k = ordo_cbor_key_name(arg > UINT32_MAX ? UINT32_MAX : (uint32_t)arg));
    if (!text_of(f, major, ai, arg, &s, &n, &ref) || memchr(s, 0, n))
        return false;
    int id = ordo_cbor_key_id((const char *)s, n);
    *k = id >= 0 ? ordo_cbor_key_name((uint32_t)id) : copy(f, s, n);
    return *k != NULL;
}

static bool value(fast_t *f, node_t *parent, const char *k, int depth, node_t **out)
{
    unsigned major, ai;
    uint64_t arg;
    if (!head(f, &major, &ai, &arg))
        return false;
    bool open = (major == 4 || major == 5) && ai == 31, tab = major == 6 && arg == ORDO_CBOR_TAG_TABLE;
    node_t *x = add(f, parent, major == 5 ? ORDO_CBOR_OBJECT : open || tab ? ORDO_CBOR_ARRAY : 0, k);
    if (!x || depth >= FAST_DEPTH)
        return false;
    *out = x;
    if (tab)
        return table(f, x);
    if (!open)
        return scalar(f, major, ai, arg, x);
    for (;;) {
        if (f->p < f->end && *f->p == 0xff) {
            f->p++;
            return true;
        }
        const char *mk = NULL;
        node_t *c;
        if ((major == 5 && !key(f, &mk)) || !value(f, x, mk, depth + 1, &c))
            return false;
    }
}

int cbor_tree_fast(const void *p, size_t n, ordo_arena_t *arena, const ordo_cbor_node_t **out)
{
    if (ordo_cbor_tree_fast_off)
        return ORDO_EUNSUPPORTED;
    fast_t fs, *f = &fs;
    f->p = p;
    f->end = f->p + n;
    f->arena = arena;
    f->n_refs = 0;
    f->ns = n >= 3 && f->p[0] == 0xd9 && f->p[1] == 0x01 && f->p[2] == 0x00; /* tag 256 */
    f->p += f->ns ? 3 : 0;
    node_t *root;
    if (f->p >= f->end || *f->p != 0xbf || !value(f, NULL, NULL, 0, &root) || f->p != f->end)
        return ORDO_EUNSUPPORTED;
    *out = root;
    return ORDO_OK;
}
