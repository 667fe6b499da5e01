/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — streaming JSON writer (text or CBOR), and number formatting.
 *
 * The writer appends to an ordo_buf_t. Strings are escaped per RFC 8259
 * (control characters as \u00XX; invalid UTF-8 is replaced by U+FFFD).
 * Doubles are printed with the fewest digits that read back to the same
 * double; NaN and infinities, which JSON cannot hold, are written as null. */
#ifndef ORDO_JSON_H
#define ORDO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define ORDO_JSONW_MAX_DEPTH 64

/* CBOR mode: how many strings the writer remembers to reference again. Only
 * the lookup is bounded: later strings still get stringref indices, so the
 * output stays standard (see cbor.h). At most 128: ref_slot stays half empty. */
#define ORDO_JSONW_STRREFS 128

/* Most columns of a table (ordo_jsonw_table_begin). */
#define ORDO_JSONW_TABLE_MAX 8

typedef struct ordo_jsonw {
    ordo_buf_t *out;
    int depth;
    int pretty;
    int error;                                  /* sticky ORDO_E* */
    unsigned char first[ORDO_JSONW_MAX_DEPTH];  /* no element yet at depth */
    unsigned char is_obj[ORDO_JSONW_MAX_DEPTH];
    int after_key;
    int cbor;                         /* 1: CBOR mode (ordo_jsonw_init_cbor, cbor.h) */
    /* CBOR mode only; text mode neither initializes nor reads them. */
    size_t base;                      /* out->len when the writer started */
    uint64_t n_refs;                  /* stringref indices assigned so far */
    struct ordo_jsonw_mark *marks;    /* ordo_jsonw_mark's slots (NULL: no marks) */
    unsigned n_marks, max_marks;
    uint8_t ref_slot[256];            /* hash → 1 + index into refs, 0 empty */
    int tdepth;                       /* depth of the open table, 0 when none */
    struct {
        uint32_t off, len;            /* the string's bytes, at out->data + base + off */
    } refs[ORDO_JSONW_STRREFS];       /* strings with indices 0..STRREFS-1, for lookups */
    /* the open table (set by ordo_jsonw_table_begin) */
    unsigned tn, tcol;                /* columns; the next cell's column */
    const char *const *tnames;        /* the keys given to table_begin */
    uint16_t tkey[ORDO_JSONW_TABLE_MAX]; /* key ids */
    struct {
        uint8_t len;                  /* 0: nothing to compare with */
        uint8_t b[23];                /* kind byte + the value's bytes */
    } tlast[ORDO_JSONW_TABLE_MAX];    /* each column's cell in the row above */
} ordo_jsonw_t;

/* pretty: 0 compact (one line), 1 indented by two spaces. */
void ordo_jsonw_init(ordo_jsonw_t *w, ordo_buf_t *out, int pretty);
/* The same calls written as compact CBOR instead of JSON text, appended to
 * out; ordo_cbor_to_json() turns it back into exactly the compact text
 * ordo_jsonw_init(w, out, 0) would have written (ordo_jsonw_raw: see
 * cbor.h). Exactly one value per writer: none, or a second one, is
 * ORDO_EINVAL from ordo_jsonw_finish. */
void ordo_jsonw_init_cbor(ordo_jsonw_t *w, ordo_buf_t *out);
void ordo_jsonw_obj_begin(ordo_jsonw_t *w);
void ordo_jsonw_obj_end(ordo_jsonw_t *w);
void ordo_jsonw_arr_begin(ordo_jsonw_t *w);
void ordo_jsonw_arr_end(ordo_jsonw_t *w);
void ordo_jsonw_key(ordo_jsonw_t *w, const char *key);
void ordo_jsonw_str(ordo_jsonw_t *w, const char *s);          /* NULL writes null */
void ordo_jsonw_strn(ordo_jsonw_t *w, const char *s, size_t n);
void ordo_jsonw_double(ordo_jsonw_t *w, double v);
void ordo_jsonw_int(ordo_jsonw_t *w, int64_t v);
void ordo_jsonw_uint(ordo_jsonw_t *w, uint64_t v);
void ordo_jsonw_bool(ordo_jsonw_t *w, bool v);
void ordo_jsonw_null(ordo_jsonw_t *w);
/* A table: an array of objects that all have these keys, in this order,
 * and only scalar values. The caller writes it as any array of objects
 * (obj_begin, key + value for each key in order, obj_end), between
 * table_begin and table_end. Text mode writes exactly that array. CBOR
 * mode writes the keys once and then only the values, a value equal to the
 * one above it in its column as one byte (cbor.h); keys must be in the key
 * table, else (or with more than ORDO_JSONW_TABLE_MAX keys) it writes a
 * plain array. A row with other keys, or another order, or a nested
 * value, is ORDO_EINVAL. */
void ordo_jsonw_table_begin(ordo_jsonw_t *w, const char *const *keys, unsigned nkeys);
void ordo_jsonw_table_end(ordo_jsonw_t *w);
/* A cell of ordo_jsonw_table_row: the text s when not NULL, else the
 * integer i. */
typedef struct ordo_jsonw_cell {
    const char *s;
    int64_t i;
} ordo_jsonw_cell_t;
/* One row of the open table: the same as obj_begin, key + value for each of
 * the n cells, obj_end. When keys is the array given to table_begin (CBOR
 * mode), the cells are written with no key checks or lookups. */
void ordo_jsonw_table_row(ordo_jsonw_t *w, const char *const *keys, const ordo_jsonw_cell_t *cells,
                          unsigned n);
/* Where a CBOR writer stands: bytes from its start (the tag-256 byte) and
 * the stringref numbers assigned so far (a decoder starting there needs
 * them). Record offsets (docs/internals/RECORD.md "Parts"). */
typedef struct ordo_jsonw_mark {
    uint32_t off, refs;
} ordo_jsonw_mark_t;
/* CBOR mode with w->marks set (max_marks slots): the position into the next
 * slot; a no-op in text mode, without marks, or once the slots are full
 * (n_marks still counts). */
void ordo_jsonw_mark(ordo_jsonw_t *w);
/* CBOR mode: an indefinite array of n unsigneds each written in 5 bytes
 * (0x1a + 4, zero), to be set later with ordo_jsonw_cbor_slot_set; returns
 * the first slot's offset from the writer's start. Text mode: EINVAL. */
size_t ordo_jsonw_cbor_slots(ordo_jsonw_t *w, unsigned n);
void ordo_jsonw_cbor_slot_set(ordo_jsonw_t *w, size_t at, unsigned i, uint32_t v);
/* Inserts already-serialized JSON as one value. */
void ordo_jsonw_raw(ordo_jsonw_t *w, const char *json, size_t n);
/* key + value shorthands */
void ordo_jsonw_kstr(ordo_jsonw_t *w, const char *key, const char *s);
void ordo_jsonw_kdouble(ordo_jsonw_t *w, const char *key, double v);
void ordo_jsonw_kint(ordo_jsonw_t *w, const char *key, int64_t v);
void ordo_jsonw_kbool(ordo_jsonw_t *w, const char *key, bool v);
/* ORDO_OK, or the first error (ORDO_ENOMEM, ORDO_EINVAL for misuse). */
int ordo_jsonw_finish(ordo_jsonw_t *w);

/* Shortest "%.{15,16,17}g" form of v that strtod() reads back exactly.
 * buf needs 32 bytes. Returns the length. NaN/Inf give "null". */
int ordo_json_format_double(double v, char *buf);
/* The decimal text of u ("%llu"), NUL terminated; buf needs 21 bytes.
 * Returns the length. */
int ordo_json_format_u64(uint64_t u, char *buf);

#endif
