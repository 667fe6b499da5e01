/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — compact binary records: the key table mechanism and CBOR → JSON
 * text.
 *
 * The writer side lives in json.c (CBOR mode of ordo_jsonw_*). The decoder
 * here walks the input one item at a time with libcbor's streaming decoder
 * and replays it through a compact text ordo_jsonw_t, so escaping and number
 * formatting are exactly the text writer's. */
#include <cbor.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/cbor.h"
#include "cbor_internal.h"
#include "ordo/util.h"
#include "utf8_internal.h"

/* ---- the key table ----
 *
 * A record kind names its map keys in CBOR by ids into an append-only table
 * that its owner registers (the decision record's lives in src/record). The
 * mechanism is here: one table per process, indexed by hash once at
 * registration (keys are looked up on every ordo_jsonw_key in CBOR mode, so
 * no search over the table). Lookups before registration find nothing. */

#define KEY_SLOTS 512 /* power of two, > 2 * keys: short probe chains */
#define KEY_MAX (KEY_SLOTS / 2 - 1)

static const char *const *key_names;
static size_t key_n;
static uint16_t key_slot[KEY_SLOTS]; /* slot → 1 + id, 0 empty */
static uint8_t key_len[KEY_MAX];     /* keys are short identifiers */
static const char *key_ptr[KEY_SLOTS]; /* a name's address → key_ptr_id: the table's own */
static uint16_t key_ptr_id[KEY_SLOTS];  /* literals, found with no hash of the bytes */
static _Atomic int key_ready;        /* release: the fields above are built */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint32_t key_ptr_hash(const char *p)
{
    return (uint32_t)(((uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 55) & (KEY_SLOTS - 1);
}

int ordo_cbor_keys_register(const char *const *names, size_t n, ordo_error_t *err)
{
    if (!names || n == 0 || n > KEY_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL,
                              "a key table holds 1 to %d keys", KEY_MAX);
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !names[i][0] || strlen(names[i]) > 255)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL,
                                  "key %zu of the table is empty or longer than 255 bytes", i);
    pthread_mutex_lock(&key_lock);
    int rc = ORDO_OK;
    if (atomic_load_explicit(&key_ready, memory_order_acquire)) {
        if (key_names != names || key_n != n)
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL,
                                "another CBOR key table is already registered");
    } else {
        key_names = names;
        key_n = n;
        for (uint32_t id = 0; id < n; id++) {
            key_len[id] = (uint8_t)strlen(names[id]);
            uint32_t s = cbor_short_hash(names[id], key_len[id]) & (KEY_SLOTS - 1);
            while (key_slot[s])
                s = (s + 1) & (KEY_SLOTS - 1);
            key_slot[s] = (uint16_t)(id + 1);
            s = key_ptr_hash(names[id]);
            while (key_ptr[s])
                s = (s + 1) & (KEY_SLOTS - 1);
            key_ptr[s] = names[id];
            key_ptr_id[s] = (uint16_t)id;
        }
        atomic_store_explicit(&key_ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&key_lock);
    return rc;
}

const char *ordo_cbor_key_name(uint32_t id)
{
    if (!atomic_load_explicit(&key_ready, memory_order_acquire))
        return NULL;
    return id < key_n ? key_names[id] : NULL;
}

int ordo_cbor_key_id(const char *name, size_t len)
{
    if (!atomic_load_explicit(&key_ready, memory_order_acquire))
        return -1;
    uint32_t s = cbor_short_hash(name, len) & (KEY_SLOTS - 1);
    for (uint16_t v; (v = key_slot[s]) != 0; s = (s + 1) & (KEY_SLOTS - 1))
        if (key_len[v - 1] == len && !memcmp(key_names[v - 1], name, len))
            return v - 1;
    return -1;
}

/* The writer's keys are mostly string literals passed again and again by
 * the same pointer: a per-thread cache of pointer → id spares the hash and
 * the probe. A hit is checked against the table's name, so a pointer into
 * a buffer that now holds another key (a cJSON tree's, say) is looked up
 * again, never misread. Names not in the table are not cached. */
#define KEY_CACHE 256 /* power of two */
static _Thread_local struct {
    const char *p;
    int id;
} key_cache[KEY_CACHE];

int ordo_cbor_key_id_cstr(const char *name, size_t *len)
{
    /* The table's own literal (the linker merges a caller's equal literal
     * with it): found by address, no compare, no cache. */
    if (atomic_load_explicit(&key_ready, memory_order_acquire))
        for (uint32_t p = key_ptr_hash(name); key_ptr[p]; p = (p + 1) & (KEY_SLOTS - 1))
            if (key_ptr[p] == name) {
                *len = key_len[key_ptr_id[p]];
                return key_ptr_id[p];
            }
    uint32_t s = (uint32_t)(((uintptr_t)name * 0x9e3779b97f4a7c15ull) >> 56) & (KEY_CACHE - 1);
    int id = key_cache[s].p == name ? key_cache[s].id : -1;
    if (id >= 0 && !strcmp(name, key_names[id])) {
        *len = key_len[id];
        return id;
    }
    *len = strlen(name);
    id = ordo_cbor_key_id(name, *len);
    if (id >= 0) {
        key_cache[s].p = name;
        key_cache[s].id = id;
    }
    return id;
}

/* ---- decoder ---- */

enum { FR_ARRAY, FR_MAP, FR_TABLE, FR_TKEYS };

typedef struct {
    uint8_t kind;     /* FR_ARRAY, FR_MAP, FR_TABLE (a table's cells), FR_TKEYS (its keys) */
    uint8_t indef;    /* indefinite length: ends at a break */
    uint8_t want_key; /* map: the next item is a key */
    uint64_t left;    /* definite: elements (arrays) or pairs (maps) to go */
} frame_t;

typedef struct {
    size_t off, len; /* a recorded string, at p + off */
} strref_t;

typedef struct dec dec_t;

/* Where the decoded items go: JSON text (ordo_cbor_to_json) or a tree of
 * nodes (ordo_cbor_to_tree). The decoder checks the input; these only
 * build. key: NUL-terminated, valid until the next item. A table's cell is
 * framed by cell_begin and cell_end; cell_repeat writes the column's cell
 * of the row above again. */
typedef struct dec_out {
    void (*obj_begin)(dec_t *d);
    void (*obj_end)(dec_t *d);
    void (*arr_begin)(dec_t *d);
    void (*arr_end)(dec_t *d);
    void (*key)(dec_t *d, const char *name);
    void (*str)(dec_t *d, const char *s, size_t n);
    void (*uint)(dec_t *d, uint64_t v);
    void (*negint)(dec_t *d, uint64_t m); /* the integer -1 - m */
    void (*dbl)(dec_t *d, double v);
    void (*null)(dec_t *d);
    void (*boolean)(dec_t *d, bool v);
    void (*cell_begin)(dec_t *d, unsigned col);
    void (*cell_end)(dec_t *d, unsigned col);
    void (*cell_repeat)(dec_t *d, unsigned col);
} dec_out_t;

struct dec {
    const dec_out_t *o;
    ordo_jsonw_t w;   /* text: compact writer into the caller's buffer */
    /* tree: nodes from the arena; the open containers; the pending key */
    ordo_arena_t *arena;
    ordo_cbor_node_t *root, *open[ORDO_JSONW_MAX_DEPTH + 1];
    int n_open;
    const char *tkey;
    ordo_cbor_node_t *tcellnode[ORDO_JSONW_TABLE_MAX];
    const unsigned char *p;
    size_t n;
    size_t pos;       /* offset of the item being decoded */
    int rc;           /* first error, ORDO_OK while none */
    char why[160];
    frame_t st[ORDO_JSONW_MAX_DEPTH];
    int depth;
    int started;      /* an item was seen */
    int done;         /* the top-level value is complete */
    int ns;           /* inside the tag-256 string namespace */
    int pending_ref;  /* a tag 25 was read: its index comes next */
    int in_istr;      /* inside an indefinite-length text string */
    ordo_buf_t scratch; /* string chunks; keys made NUL-terminated */
    ordo_buf_t refs;    /* strref_t[]: the namespace's string table */
    /* a table (tag ORDO_CBOR_TAG_TABLE): one at a time, cells are scalars */
    int pending_table;  /* the tag was read: its array comes next */
    unsigned tn, tcol;  /* columns; the next cell's column */
    int trows;          /* complete rows so far */
    const char *tname[ORDO_JSONW_TABLE_MAX];
    struct {
        size_t off, len; /* the column's cell in the row above, as JSON text in out */
    } tcell[ORDO_JSONW_TABLE_MAX];
    size_t tnew; /* where the current cell's text starts */
};

static void fail(dec_t *d, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(dec_t *d, int rc, const char *fmt, ...)
{
    if (d->rc)
        return;
    d->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, sizeof d->why, fmt, ap);
    va_end(ap);
}

static int key_pos(const dec_t *d)
{
    return d->depth > 0 && d->st[d->depth - 1].kind == FR_MAP && d->st[d->depth - 1].want_key;
}

static int top_kind(const dec_t *d)
{
    return d->depth > 0 ? d->st[d->depth - 1].kind : -1;
}

/* Checks every item (but breaks and string chunks) must pass. is_uint: the
 * item is an unsigned integer, the only thing a tag 25 may enclose. */
static int begin(dec_t *d, int is_uint)
{
    if (d->rc)
        return 0;
    if (d->pending_table) {
        fail(d, ORDO_ECORRUPT, "a table tag must enclose an indefinite-length array");
        return 0;
    }
    if (top_kind(d) == FR_TKEYS && !is_uint) {
        fail(d, ORDO_ECORRUPT, "a table's keys must be key ids");
        return 0;
    }
    if (d->in_istr) {
        fail(d, ORDO_ECORRUPT, "indefinite-length text string holds a non-text chunk");
        return 0;
    }
    if (d->pending_ref && !is_uint) {
        fail(d, ORDO_ECORRUPT, "tag 25 (stringref) must enclose an unsigned integer");
        return 0;
    }
    d->started = 1;
    return 1;
}

static int not_key(dec_t *d, const char *what)
{
    if (!key_pos(d))
        return 1;
    fail(d, ORDO_ECORRUPT, "%s as a map key (keys are text or key ids)", what);
    return 0;
}

static void close_top(dec_t *d)
{
    if (d->st[d->depth - 1].kind == FR_MAP)
        d->o->obj_end(d);
    else
        d->o->arr_end(d);
    d->depth--;
}

/* Before a scalar value: in a table, a cell, which opens its row at the
 * first column and is preceded by its key. */
static int cell_start(dec_t *d)
{
    if (top_kind(d) != FR_TABLE)
        return 1;
    if (d->tn == 0) {
        fail(d, ORDO_ECORRUPT, "a table starts with a definite array of key ids");
        return 0;
    }
    if (d->tcol == 0)
        d->o->obj_begin(d);
    d->o->key(d, d->tname[d->tcol]);
    d->o->cell_begin(d, d->tcol);
    return 1;
}

/* A value is complete: count it in its container, closing definite-length
 * containers that are full (which completes them in turn). */
static void value_done(dec_t *d)
{
    if (top_kind(d) == FR_TABLE) { /* a cell: remember its text, end a full row */
        d->o->cell_end(d, d->tcol);
        if (++d->tcol == d->tn) {
            d->o->obj_end(d);
            d->tcol = 0;
            d->trows++;
        }
        return;
    }
    while (d->depth > 0) {
        frame_t *f = &d->st[d->depth - 1];
        if (f->kind == FR_MAP)
            f->want_key = 1;
        if (f->indef || --f->left > 0)
            return;
        close_top(d);
    }
    d->done = 1;
}

static void emit_key(dec_t *d, const char *s, size_t n)
{
    if (memchr(s, 0, n)) { /* keys are C strings */
        fail(d, ORDO_ECORRUPT, "map key contains a NUL byte");
        return;
    }
    if (s != d->scratch.data) {
        ordo_buf_reset(&d->scratch);
        if (ordo_buf_append(&d->scratch, s, n)) {
            fail(d, ORDO_ENOMEM, "out of memory");
            return;
        }
    }
    d->o->key(d, d->scratch.data);
    d->st[d->depth - 1].want_key = 0;
}

static void emit_text(dec_t *d, const char *s, size_t n)
{
    if (key_pos(d)) {
        emit_key(d, s, n);
        return;
    }
    if (!cell_start(d))
        return;
    d->o->str(d, s, n);
    value_done(d);
}

static void on_uint(void *ctx, uint64_t v)
{
    dec_t *d = ctx;
    if (!begin(d, 1))
        return;
    if (d->pending_ref) {
        d->pending_ref = 0;
        size_t count = d->refs.len / sizeof(strref_t);
        if (v >= count) {
            fail(d, ORDO_ECORRUPT, "stringref %" PRIu64 " out of range (%zu strings)", v, count);
            return;
        }
        strref_t r;
        memcpy(&r, d->refs.data + v * sizeof r, sizeof r);
        emit_text(d, (const char *)d->p + r.off, r.len);
        return;
    }
    if (key_pos(d) || top_kind(d) == FR_TKEYS) {
        const char *name = v <= UINT32_MAX ? ordo_cbor_key_name((uint32_t)v) : NULL;
        if (!name) {
            fail(d, ORDO_ECORRUPT, "unknown key id %" PRIu64, v);
            return;
        }
        frame_t *f = &d->st[d->depth - 1];
        if (f->kind == FR_TKEYS) { /* a table's column */
            d->tname[d->tn++] = name;
            if (--f->left == 0)
                d->depth--; /* the cells follow */
            return;
        }
        d->o->key(d, name);
        f->want_key = 0;
        return;
    }
    if (!cell_start(d))
        return;
    d->o->uint(d, v);
    value_done(d);
}

static void on_uint8(void *ctx, uint8_t v)
{
    on_uint(ctx, v);
}
static void on_uint16(void *ctx, uint16_t v)
{
    on_uint(ctx, v);
}
static void on_uint32(void *ctx, uint32_t v)
{
    on_uint(ctx, v);
}

/* CBOR negative integer -1 - m. */
static void on_negint(void *ctx, uint64_t m)
{
    dec_t *d = ctx;
    if (!begin(d, 0) || !not_key(d, "a negative integer"))
        return;
    if (!cell_start(d))
        return;
    d->o->negint(d, m);
    value_done(d);
}

static void on_negint8(void *ctx, uint8_t v)
{
    on_negint(ctx, v);
}
static void on_negint16(void *ctx, uint16_t v)
{
    on_negint(ctx, v);
}
static void on_negint32(void *ctx, uint32_t v)
{
    on_negint(ctx, v);
}

static void on_string(void *ctx, cbor_data s, size_t n)
{
    dec_t *d = ctx;
    if (d->rc)
        return;
    if (d->in_istr) { /* a chunk: chunks are never recorded as strings */
        if (ordo_buf_append(&d->scratch, s, n))
            fail(d, ORDO_ENOMEM, "out of memory");
        return;
    }
    if (!begin(d, 0))
        return;
    if (d->ns) {
        size_t count = d->refs.len / sizeof(strref_t);
        if (n >= cbor_strref_min_len(count)) {
            strref_t r = {(size_t)(s - d->p), n};
            if (ordo_buf_append(&d->refs, &r, sizeof r)) {
                fail(d, ORDO_ENOMEM, "out of memory");
                return;
            }
        }
    }
    emit_text(d, (const char *)s, n);
}

static void on_string_start(void *ctx)
{
    dec_t *d = ctx;
    if (!begin(d, 0))
        return;
    ordo_buf_reset(&d->scratch);
    if (ordo_buf_reserve(&d->scratch, 0)) { /* so scratch.data is never NULL */
        fail(d, ORDO_ENOMEM, "out of memory");
        return;
    }
    d->in_istr = 1;
}

static frame_t *push(dec_t *d, int kind, int indef, uint64_t left)
{
    if (d->depth + 1 >= ORDO_JSONW_MAX_DEPTH) {
        fail(d, ORDO_ECORRUPT, "nested deeper than %d", ORDO_JSONW_MAX_DEPTH - 1);
        return NULL;
    }
    frame_t *f = &d->st[d->depth++];
    f->kind = (uint8_t)kind;
    f->indef = (uint8_t)indef;
    f->want_key = kind == FR_MAP;
    f->left = left;
    return f;
}

/* A table: [ [key ids], cells row by row ], indefinite-length; written as
 * a JSON array of objects. */
static void open_table_part(dec_t *d, int kind, int indef, size_t size)
{
    if (d->pending_table) { /* the table itself */
        d->pending_table = 0;
        if (kind != FR_ARRAY || !indef) {
            fail(d, ORDO_ECORRUPT, "a table tag must enclose an indefinite-length array");
            return;
        }
        if (begin(d, 0) && push(d, FR_TABLE, 1, 0)) {
            d->o->arr_begin(d);
            d->tn = d->tcol = 0;
            d->trows = 0;
        }
        return;
    }
    if (d->tn > 0) {
        fail(d, ORDO_ECORRUPT, "table cells are scalars");
        return;
    }
    if (kind != FR_ARRAY || indef || size == 0 || size > ORDO_JSONW_TABLE_MAX) {
        fail(d, ORDO_ECORRUPT, "a table starts with a definite array of 1..%d key ids",
             ORDO_JSONW_TABLE_MAX);
        return;
    }
    if (begin(d, 0))
        push(d, FR_TKEYS, 0, size);
}

static void open_container(dec_t *d, int kind, int indef, size_t size)
{
    if (d->pending_table || top_kind(d) == FR_TABLE) {
        if (!d->rc)
            open_table_part(d, kind, indef, size);
        return;
    }
    if (!begin(d, 0) || !not_key(d, kind == FR_MAP ? "a map" : "an array"))
        return;
    if (d->depth + 1 >= ORDO_JSONW_MAX_DEPTH) {
        fail(d, ORDO_ECORRUPT, "nested deeper than %d", ORDO_JSONW_MAX_DEPTH - 1);
        return;
    }
    /* every element takes at least one byte: a larger count is a lie */
    size_t avail = d->n - d->pos;
    if (!indef && (kind == FR_MAP ? size > avail / 2 : size > avail)) {
        fail(d, ORDO_ECORRUPT, "%s of %zu elements exceeds the input",
             kind == FR_MAP ? "map" : "array", size);
        return;
    }
    if (kind == FR_MAP)
        d->o->obj_begin(d);
    else
        d->o->arr_begin(d);
    frame_t *f = &d->st[d->depth++];
    f->kind = (uint8_t)kind;
    f->indef = (uint8_t)indef;
    f->want_key = kind == FR_MAP;
    f->left = size;
    if (!indef && size == 0) {
        close_top(d);
        value_done(d);
    }
}

static void on_array_start(void *ctx, size_t size)
{
    open_container(ctx, FR_ARRAY, 0, size);
}
static void on_indef_array_start(void *ctx)
{
    open_container(ctx, FR_ARRAY, 1, 0);
}
static void on_map_start(void *ctx, size_t size)
{
    open_container(ctx, FR_MAP, 0, size);
}
static void on_indef_map_start(void *ctx)
{
    open_container(ctx, FR_MAP, 1, 0);
}

static void on_break(void *ctx)
{
    dec_t *d = ctx;
    if (d->rc)
        return;
    if (d->in_istr) {
        d->in_istr = 0;
        emit_text(d, d->scratch.data, d->scratch.len);
        return;
    }
    if (d->pending_ref) {
        fail(d, ORDO_ECORRUPT, "tag 25 (stringref) must enclose an unsigned integer");
        return;
    }
    if (d->depth == 0 || !d->st[d->depth - 1].indef) {
        fail(d, ORDO_ECORRUPT, "break outside an indefinite-length item");
        return;
    }
    if (d->st[d->depth - 1].kind == FR_MAP && !d->st[d->depth - 1].want_key) {
        fail(d, ORDO_ECORRUPT, "map ends between a key and its value");
        return;
    }
    if (d->st[d->depth - 1].kind == FR_TABLE && (d->tn == 0 || d->tcol != 0)) {
        fail(d, ORDO_ECORRUPT, "table ends before its keys or inside a row");
        return;
    }
    close_top(d);
    value_done(d);
}

static void on_tag(void *ctx, uint64_t tag)
{
    dec_t *d = ctx;
    if (d->rc)
        return;
    if (tag == 256) {
        /* only as the outer item: one namespace per record */
        if (d->started) {
            fail(d, ORDO_ECORRUPT, "nested stringref namespace (tag 256)");
            return;
        }
        begin(d, 0);
        d->ns = 1;
        return;
    }
    if (!begin(d, 0))
        return;
    if (tag == ORDO_CBOR_TAG_TABLE) {
        if (!not_key(d, "a table"))
            return;
        if (top_kind(d) == FR_TABLE) {
            fail(d, ORDO_ECORRUPT, "table cells are scalars");
            return;
        }
        d->pending_table = 1;
        return;
    }
    if (tag != 25) {
        fail(d, ORDO_ECORRUPT, "unsupported tag %" PRIu64, tag);
        return;
    }
    if (!d->ns) {
        fail(d, ORDO_ECORRUPT, "stringref (tag 25) outside a namespace (tag 256)");
        return;
    }
    d->pending_ref = 1;
}

static void on_double(dec_t *d, double v)
{
    if (!begin(d, 0) || !not_key(d, "a float"))
        return;
    if (!cell_start(d))
        return;
    d->o->dbl(d, v);
    value_done(d);
}

static void on_float2(void *ctx, float v)
{
    on_double(ctx, v);
}
static void on_float4(void *ctx, float v)
{
    on_double(ctx, v);
}
static void on_float8(void *ctx, double v)
{
    on_double(ctx, v);
}

static void on_null(void *ctx)
{
    dec_t *d = ctx;
    if (!begin(d, 0) || !not_key(d, "null"))
        return;
    if (!cell_start(d))
        return;
    d->o->null(d);
    value_done(d);
}

static void on_bool(void *ctx, bool v)
{
    dec_t *d = ctx;
    if (!begin(d, 0) || !not_key(d, "a boolean"))
        return;
    if (!cell_start(d))
        return;
    d->o->boolean(d, v);
    value_done(d);
}

/* In a table: the cell above, again. Anywhere else: unsupported. */
static void on_undefined(void *ctx)
{
    dec_t *d = ctx;
    if (!begin(d, 0))
        return;
    if (top_kind(d) != FR_TABLE || d->trows == 0) {
        fail(d, ORDO_ECORRUPT, "unsupported item: undefined (outside a table, or in its first row)");
        return;
    }
    unsigned col = d->tcol;
    if (!cell_start(d))
        return;
    d->o->cell_repeat(d, col);
    value_done(d);
}

static void on_bytes(void *ctx, cbor_data s, size_t n)
{
    (void)s;
    (void)n;
    dec_t *d = ctx;
    if (begin(d, 0))
        fail(d, ORDO_ECORRUPT, "unsupported item: byte string");
}

static void on_bytes_start(void *ctx)
{
    on_bytes(ctx, NULL, 0);
}

/* ---- output: JSON text ---- */

static void tx_obj_begin(dec_t *d)
{
    ordo_jsonw_obj_begin(&d->w);
}
static void tx_obj_end(dec_t *d)
{
    ordo_jsonw_obj_end(&d->w);
}
static void tx_arr_begin(dec_t *d)
{
    ordo_jsonw_arr_begin(&d->w);
}
static void tx_arr_end(dec_t *d)
{
    ordo_jsonw_arr_end(&d->w);
}
static void tx_key(dec_t *d, const char *name)
{
    ordo_jsonw_key(&d->w, name);
}
static void tx_str(dec_t *d, const char *s, size_t n)
{
    ordo_jsonw_strn(&d->w, s, n);
}
static void tx_uint(dec_t *d, uint64_t v)
{
    ordo_jsonw_uint(&d->w, v);
}
static void tx_negint(dec_t *d, uint64_t m)
{
    if (m <= (uint64_t)INT64_MAX) {
    ordo_jsonw_int(&d->w, -1 - (int64_t)m);
    } else {
    /* below INT64_MIN: print -(m + 1) exactly, adding one in decimal */
    char b[32];
    int len = snprintf(b + 2, sizeof b - 2, "%" PRIu64, m);
    int i = len + 1;
    while (i >= 2 && b[i] == '9')
        b[i--] = '0';
    int start = 1;
    if (i >= 2) {
        b[i]++;
    } else {
        b[1] = '1'; /* all nines: one more digit */
        start = 0;
    }
    b[start] = '-';
    ordo_jsonw_raw(&d->w, b + start, (size_t)(len + 2 - start));
    }
}
static void tx_dbl(dec_t *d, double v)
{
    ordo_jsonw_double(&d->w, v);
}
static void tx_null(dec_t *d)
{
    ordo_jsonw_null(&d->w);
}
static void tx_bool(dec_t *d, bool v)
{
    ordo_jsonw_bool(&d->w, v);
}
/* A cell's text starts here; at its end it becomes the column's cell of
 * the row above for the next row. */
static void tx_cell_begin(dec_t *d, unsigned col)
{
    (void)col;
    d->tnew = d->w.out->len;
}
static void tx_cell_end(dec_t *d, unsigned col)
{
    d->tcell[col].off = d->tnew;
    d->tcell[col].len = d->w.out->len - d->tnew;
}
static void tx_cell_repeat(dec_t *d, unsigned col)
{
    size_t off = d->tcell[col].off, len = d->tcell[col].len;
    ordo_buf_reset(&d->scratch); /* out may move while the copy is appended */
    if (ordo_buf_append(&d->scratch, d->w.out->data + off, len)) {
        fail(d, ORDO_ENOMEM, "out of memory");
        return;
    }
    ordo_jsonw_raw(&d->w, d->scratch.data, len);
}

static const dec_out_t text_out = {
    tx_obj_begin, tx_obj_end, tx_arr_begin, tx_arr_end, tx_key,        tx_str,       tx_uint,
    tx_negint,    tx_dbl,     tx_null,      tx_bool,    tx_cell_begin, tx_cell_end, tx_cell_repeat,
};

/* ---- output: a tree of nodes ---- */

static ordo_cbor_node_t *tr_add(dec_t *d, int type)
{
    ordo_cbor_node_t *n = ordo_arena_calloc(d->arena, 1, sizeof *n);
    if (!n) {
        fail(d, ORDO_ENOMEM, "out of memory");
        return NULL;
    }
    n->type = (uint8_t)type;
    n->key = d->tkey;
    d->tkey = NULL;
    ordo_cbor_node_t *parent = d->n_open ? d->open[d->n_open - 1] : NULL;
    if (!parent) {
        d->root = n;
    } else {
        if (parent->last)
            parent->last->next = n;
        else
            parent->child = n;
        parent->last = n;
        parent->n++;
    }
    return n;
}
static void tr_open(dec_t *d, int type)
{
    ordo_cbor_node_t *n = tr_add(d, type);
    if (n)
        d->open[d->n_open++] = n; /* the decoder bounds the depth */
}
static void tr_obj_begin(dec_t *d)
{
    tr_open(d, ORDO_CBOR_OBJECT);
}
static void tr_arr_begin(dec_t *d)
{
    tr_open(d, ORDO_CBOR_ARRAY);
}
static void tr_close(dec_t *d)
{
    if (d->n_open)
        d->n_open--;
}
/* A copy of s in the arena, as the JSON text holds it: each invalid UTF-8
 * byte becomes U+FFFD. NULL: out of memory (reported). */
static const char *tr_text(dec_t *d, const char *s, size_t n, size_t *len_out)
{
    size_t bad = ordo_utf8_check(s, n) == n ? 0 : core_utf8_bad_bytes(s, n), len = n + 2 * bad;
    char *c = ordo_arena_alloc(d->arena, len + 1);
    if (!c) {
        fail(d, ORDO_ENOMEM, "out of memory");
        return NULL;
    }
    if (!bad)
        memcpy(c, s, n);
    else
        core_utf8_copy_replacing(c, s, n);
    c[len] = 0;
    *len_out = len;
    return c;
}
static void tr_key(dec_t *d, const char *name)
{
    /* key table names are static; other keys are copied. A key id (or a
     * table's column) comes as the table's own name pointer: kept as is,
     * without looking its id up again; a text key comes in scratch. */
    if (name != d->scratch.data) {
        d->tkey = name;
        return;
    }
    size_t n = strlen(name);
    int id = ordo_cbor_key_id(name, n);
    d->tkey = id >= 0 ? ordo_cbor_key_name((uint32_t)id) : tr_text(d, name, n, &n);
}
static void tr_str(dec_t *d, const char *s, size_t n)
{
    ordo_cbor_node_t *x = tr_add(d, ORDO_CBOR_STRING);
    if (x)
        x->s = tr_text(d, s, n, &x->len);
}
static void tr_num(dec_t *d, double v)
{
    ordo_cbor_node_t *x = tr_add(d, isfinite(v) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL);
    if (x && isfinite(v))
        x->num = v;
}
static void tr_uint(dec_t *d, uint64_t v)
{
    tr_num(d, (double)v);
}
static void tr_negint(dec_t *d, uint64_t m)
{
    /* -(m + 1), rounded once as the text's decimal would be */
    tr_num(d, m == UINT64_MAX ? -18446744073709551616.0 : -(double)(m + 1));
}
static void tr_null(dec_t *d)
{
    tr_add(d, ORDO_CBOR_NULL);
}
static void tr_bool(dec_t *d, bool v)
{
    tr_add(d, v ? ORDO_CBOR_TRUE : ORDO_CBOR_FALSE);
}
static void tr_cell_begin(dec_t *d, unsigned col)
{
    (void)d;
    (void)col;
}
static void tr_cell_end(dec_t *d, unsigned col)
{
    d->tcellnode[col] = d->n_open ? d->open[d->n_open - 1]->last : NULL;
}
static void tr_cell_repeat(dec_t *d, unsigned col)
{
    const ordo_cbor_node_t *above = d->tcellnode[col];
    ordo_cbor_node_t *x = above ? tr_add(d, above->type) : NULL;
    if (x) {
        x->num = above->num;
        x->s = above->s;
        x->len = above->len;
    }
}

static const dec_out_t tree_out = {
    tr_obj_begin, tr_close, tr_arr_begin, tr_close, tr_key,        tr_str,      tr_uint,
    tr_negint,    tr_num,   tr_null,      tr_bool,  tr_cell_begin, tr_cell_end, tr_cell_repeat,
};

/* Field names follow libcbor's encoding, not its header comments, which
 * swap definite and indefinite for strings, arrays and maps. */
static const struct cbor_callbacks callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint,
    .byte_string = on_bytes,
    .byte_string_start = on_bytes_start,
    .string = on_string,
    .string_start = on_string_start,
    .array_start = on_array_start,
    .indef_array_start = on_indef_array_start,
    .map_start = on_map_start,
    .indef_map_start = on_indef_map_start,
    .tag = on_tag,
    .float2 = on_float2,
    .float4 = on_float4,
    .float8 = on_float8,
    .undefined = on_undefined,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_break,
};

/* Runs the decoder over d->p[0, n) into d->o; d->rc is the outcome. */
static void decode(dec_t *d)
{
    size_t n = d->n;
    ordo_buf_init(&d->scratch, NULL);
    ordo_buf_init(&d->refs, NULL);
    while (d->pos < n && !d->done && !d->rc) {
        struct cbor_decoder_result r = cbor_stream_decode(d->p + d->pos, n - d->pos, &callbacks, d);
        if (r.status == CBOR_DECODER_NEDATA) {
            fail(d, ORDO_ECORRUPT, "truncated item");
            break;
        }
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > n - d->pos) {
            fail(d, ORDO_ECORRUPT, "malformed or unsupported item (initial byte 0x%02x)",
                 d->p[d->pos]);
            break;
        }
        if (!d->rc && d->o == &text_out && d->w.error)
            fail(d, d->w.error, d->w.error == ORDO_ENOMEM ? "out of memory"
                                                          : "cannot write the JSON text");
        if (d->rc)
            break;
        d->pos += r.read;
    }
    if (!d->rc && !d->done)
        fail(d, ORDO_ECORRUPT, "truncated: the value is incomplete");
    if (!d->rc && d->pos < n)
        fail(d, ORDO_ECORRUPT, "%zu trailing bytes after the value", n - d->pos);
    ordo_buf_free(&d->scratch);
    ordo_buf_free(&d->refs);
}

/* A record's parts are byte offsets into its CBOR: its JSON text leaves
 * them out ({"parts":[...], is the text's start), so the text is the
 * record's as the text writer makes it (RECORD.md "Parts"). */
static void drop_parts(ordo_buf_t *out, size_t start)
{
    static const char pre[] = "{\"parts\":[";
    char *s = out->data + start;
    size_t len = out->len - start;
    if (len < sizeof pre || memcmp(s, pre, sizeof pre - 1))
        return;
    char *e = memchr(s, ']', len);
    if (!e || (e[1] != ',' && e[1] != '}'))
        return;
    size_t cut = (size_t)(e + 1 - (s + 1)) + (e[1] == ',');
    memmove(s + 1, s + 1 + cut, len - 1 - cut + 1); /* and the NUL */
    out->len -= cut;
}

/* A record's summary (RECORD.md "Summary", right after the parts) is not
 * the text writer's either: {"summary":[...], is dropped the same way (its
 * array holds strings and arrays: the end is found outside strings). */
static void drop_summary(ordo_buf_t *out, size_t start)
{
    static const char pre[] = "{\"summary\":[";
    char *s = out->data + start;
    size_t len = out->len - start, i = sizeof pre - 1;
    if (len < sizeof pre || memcmp(s, pre, sizeof pre - 1))
        return;
    int depth = 1;
    bool in_str = false;
    for (; i < len && depth; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else {
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
        }
    }
    if (depth || i >= len || (s[i] != ',' && s[i] != '}'))
        return;
    size_t cut = i - 1 + (s[i] == ',');
    memmove(s + 1, s + 1 + cut, len - 1 - cut + 1); /* and the NUL */
    out->len -= cut;
}

int ordo_cbor_to_json(const void *p, size_t n, ordo_buf_t *out, ordo_error_t *err)
{
    dec_t *d = calloc(1, sizeof *d); /* a few KB: kept off small stacks */
    if (!d)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    size_t start = out->len;
    d->o = &text_out;
    d->p = p;
    d->n = n;
    ordo_jsonw_init(&d->w, out, 0);
    decode(d);
    if (!d->rc && ordo_jsonw_finish(&d->w))
        fail(d, ORDO_ECORRUPT, "cannot write the JSON text");
    if (!d->rc && cbor_parts_member_end(p, n)) {
        drop_parts(out, start);
        drop_summary(out, start);
    }
    int rc = d->rc;
    if (rc) {
        ordo_error_set(err, rc, NULL, 0, NULL, "CBOR record at byte %zu: %s", d->pos, d->why);
        if (out->data) { /* nothing half-written stays in out */
            out->len = start;
            out->data[start] = 0;
        }
    }
    free(d);
    return rc;
}

int ordo_cbor_to_tree(const void *p, size_t n, ordo_arena_t *arena, const ordo_cbor_node_t **out,
                      ordo_error_t *err)
{
    *out = NULL;
    if (cbor_tree_fast(p, n, arena, out) == ORDO_OK)
        return ORDO_OK;
    dec_t *d = ordo_arena_calloc(arena, 1, sizeof *d);
    if (!d)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    d->o = &tree_out;
    d->arena = arena;
    d->p = p;
    d->n = n;
    decode(d);
    if (d->rc)
        return ordo_error_set(err, d->rc, NULL, 0, NULL, "CBOR record at byte %zu: %s", d->pos,
                              d->why);
    *out = d->root;
    return ORDO_OK;
}

const ordo_cbor_node_t *ordo_cbor_get(const ordo_cbor_node_t *obj, const char *key)
{
    if (!obj || obj->type != ORDO_CBOR_OBJECT)
        return NULL;
    /* the first byte filters most members without a call */
    for (const ordo_cbor_node_t *c = obj->child; c; c = c->next)
        if (c->key == key || (c->key && c->key[0] == key[0] && !strcmp(c->key, key)))
            return c;
    return NULL;
}
