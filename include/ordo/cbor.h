/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — compact binary records (CBOR, RFC 8949).
 *
 * Decision records are written through the JSON writer's API (json.h); in
 * CBOR mode (ordo_jsonw_init_cbor) the same calls produce a compact binary
 * form that ordo_cbor_to_json() turns back into exactly the compact JSON text
 * the text writer gives for them, byte for byte. The log stores it with
 * ORDO_LOG_FLAG_CBOR and readers get the JSON text (log.h), so every
 * consumer of records reads JSON either way.
 *
 * The encoding ("ordo CBOR v1"), readable by any CBOR decoder:
 *  - one value per writer, wrapped in tag 256 (stringref namespace, the
 *    registered extension at http://cbor.schmorp.de/stringref): a text
 *    string long enough for the table's size (3 bytes while it holds under
 *    24 strings, then 4, 5, 7, 11) gets the next index, and an equal string
 *    later is written as tag 25 + that index (node ids, SKUs and service
 *    names repeat across a record). The writer remembers the first
 *    ORDO_JSONW_STRREFS strings for lookups; later ones still get their
 *    index, as a standard decoder assigns them, but are written in full;
 *  - objects are indefinite-length maps, arrays indefinite-length arrays;
 *  - a map key that is an unsigned integer is an id into the registered key
 *    table (ordo_cbor_key_name; the decision record's "key table v1" is
 *    src/record's); other keys are text strings (stringref too);
 *  - strings are UTF-8: invalid bytes become U+FFFD, as in text mode;
 *  - integers as CBOR integers; a double as an integer when it is integral
 *    and the text writer would print it as one (|v| < 1e15), -0 as a half,
 *    else as the smallest of half/single/double floats that holds it
 *    exactly; NaN/Inf as null;
 *  - a table (ordo_jsonw_table_begin: an array of objects with the same
 *    keys and scalar values) is tag ORDO_CBOR_TAG_TABLE around an
 *    indefinite-length array: first a definite array of the key ids, then
 *    the cells row by row; a cell equal to the cell above it is undefined
 *    (0xf7). A generic decoder sees a tagged array; ordo_cbor_to_json
 *    writes the array of objects;
 *  - ordo_jsonw_raw() text has no CBOR counterpart: it is parsed
 *    and written value by value, so it reads back normalized (no
 *    whitespace, numbers as ordo_json_format_double prints their double,
 *    strings re-escaped). Text that is not one JSON value is ORDO_EINVAL.
 * The key table is append-only: ids are never reused or renumbered. */
#ifndef ORDO_CBOR_H
#define ORDO_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "json.h"

/* The tag of a table (ordo_jsonw_table_begin): "ORDT", in the first-come
 * range of the CBOR tag registry and not registered there. */
#define ORDO_CBOR_TAG_TABLE 0x4F524454u

/* CBOR (from ordo_jsonw_init_cbor) → compact JSON text appended to out.
 * Also reads what other encoders write for the same document: definite or
 * indefinite lengths, chunked strings, any float width, with or without the
 * tag-256 namespace (outermost only). ORDO_ECORRUPT (naming the byte offset)
 * for malformed or unsupported input: byte strings, simple
 * values, undefined outside a table's cells (or in its first row), tags
 * other than 25, 256 and tables, map keys other than text and key ids
 * (or with a NUL byte), nesting deeper than the writer's, trailing bytes.
 * Never reads past p + n; on error out is left as it was. */
int ordo_cbor_to_json(const void *p, size_t n, ordo_buf_t *out, ordo_error_t *err);

/* CBOR → a tree of nodes in the arena, without the JSON text: the same
 * checks, and the same values the JSON text would parse to (integers and
 * floats as doubles, NaN/Inf as null, invalid UTF-8 bytes as U+FFFD, a
 * table's rows as objects). Strings are NUL-terminated copies; keys from
 * the registered table are its name pointers. For readers that take a few
 * fields out of many records (src/record). ORDO_ECORRUPT as
 * ordo_cbor_to_json; ORDO_ENOMEM. Records as ordo's writer makes them are
 * decoded in one pass over their bytes (src/core/cbor_tree.c), anything
 * else by the full decoder: the same tree either way. */
enum {
    ORDO_CBOR_NULL = 0,
    ORDO_CBOR_FALSE,
    ORDO_CBOR_TRUE,
    ORDO_CBOR_NUMBER,
    ORDO_CBOR_STRING,
    ORDO_CBOR_ARRAY,
    ORDO_CBOR_OBJECT
};
typedef struct ordo_cbor_node {
    uint8_t type;    /* ORDO_CBOR_* */
    uint32_t n;      /* children of an array or object */
    const char *key; /* a member's key; NULL in arrays */
    double num;
    const char *s; /* a string, NUL-terminated */
    size_t len;
    struct ordo_cbor_node *child, *last, *next;
} ordo_cbor_node_t;
int ordo_cbor_to_tree(const void *p, size_t n, ordo_arena_t *arena, const ordo_cbor_node_t **out,
                      ordo_error_t *err);
/* The first member named key of an object (NULL: none, or obj is not an
 * object). */
const ordo_cbor_node_t *ordo_cbor_get(const ordo_cbor_node_t *obj, const char *key);

/* The key table: map keys written as ids (id = index into an append-only
 * table of names). Its owner registers it once per process before records
 * are written or read; the decision record's table (src/record, "key table
 * v1") registers itself when the record module is linked in. Registering the
 * same table again is OK; another one is ORDO_EINVAL. At most 255 keys of at
 * most 255 bytes; the names must stay alive. Without a table every key is
 * written as text and a key id in the input is ORDO_ECORRUPT. */
int ordo_cbor_keys_register(const char *const *names, size_t n, ordo_error_t *err);
/* The name of key id, or NULL when id is not in the registered table; and
 * the id of a name (-1: not in the table). */
const char *ordo_cbor_key_name(uint32_t id);
int ordo_cbor_key_id(const char *name, size_t len);

/* Picking a few values out of many records without decoding the rest
 * (cbor_pick.c): paths are dot-separated keys from the top-level object
 * ("plan.totals.cost.total"; the strings must outlive the picker), at most
 * 64 paths of at most 6 keys, at most 8 keys per depth outside the
 * registered key table (else ORDO_EUNSUPPORTED). ordo_cbor_pick
 * fills out[i] for paths[i] as ordo_cbor_to_tree and ordo_cbor_get (the
 * first member of each key) would find it: found, the ORDO_CBOR_* type, a
 * number, a string (pointing into p: valid UTF-8 without NUL), the elements
 * of an array (a table's rows) or the members of an object. It returns
 * ORDO_EUNSUPPORTED for anything it does not take as the writer makes it
 * (malformed input among it): read that record with ordo_cbor_to_tree. A
 * picker is not for concurrent use. */
typedef struct ordo_cbor_picker ordo_cbor_picker_t;
typedef struct ordo_cbor_pick {
    bool found;
    uint8_t type;
    uint32_t n;
    double num;
    const char *s;
    size_t len;
} ordo_cbor_pick_t;
int ordo_cbor_picker_new(const char *const *paths, size_t n, ordo_cbor_picker_t **out);
void ordo_cbor_picker_free(ordo_cbor_picker_t *pk);
int ordo_cbor_pick(ordo_cbor_picker_t *pk, const void *p, size_t n, ordo_cbor_pick_t *out);

/* A record's parts (docs/internals/RECORD.md "Parts"): a record written with
 * them has as its first member `parts`, an indefinite array of
 * ORDO_CBOR_PARTS_SLOTS unsigneds of 5 bytes each: per span, the byte
 * offsets (from the payload's first byte) of a member's key and of the end
 * of its value, and the stringref numbers assigned by that end. The spans
 * (one member each: the record's order, its ATP table, its plan's
 * shipments) come in byte order. ordo_cbor_parts: the spans of p (at most
 * ORDO_CBOR_PARTS_MAX; 0: no parts, or parts that do not hold together,
 * which a reader treats as no parts). */
#define ORDO_CBOR_PARTS_MAX 3
#define ORDO_CBOR_PARTS_SLOTS (3 * ORDO_CBOR_PARTS_MAX)
typedef struct ordo_cbor_span {
    uint32_t start, end, refs;
} ordo_cbor_span_t;
int ordo_cbor_parts(const void *p, size_t n, ordo_cbor_span_t *spans);
/* ordo_cbor_pick, jumping over the spans of the record's parts whose
 * member no path names (the same picks: the jumped members hold none of
 * them; an object's n then counts the members walked). The jumped bytes
 * are not checked: for records as ordo's writer made them (the log's
 * checksums and chain stand for that); ordo_cbor_pick checks every byte. A
 * picked string that refers to a string numbered inside a jumped span is
 * ORDO_EUNSUPPORTED (read that record with ordo_cbor_to_tree). */
int ordo_cbor_pick_parts(ordo_cbor_picker_t *pk, const void *p, size_t n, ordo_cbor_pick_t *out);
/* The first max items from byte `at` of p (n bytes) in pre-order, as picks:
 * an indefinite array is one item (ORDO_CBOR_ARRAY; its elements follow,
 * its end is no item); numbers, strings (valid UTF-8 without NUL, pointing
 * into p), string references to strings numbered from `at` on (a string
 * namespace whose first strings start there: a record's summary,
 * RECORD.md), booleans, null. Anything else, or fewer items, is
 * ORDO_EUNSUPPORTED. */
int ordo_cbor_items(const void *p, size_t n, size_t at, ordo_cbor_pick_t *out, size_t max);
/* The head of an item of major type `major` with argument v, in the fewest
 * bytes (as libcbor's cbor_encode_uint / _negint / _string_start / _tag
 * write it) into b (9 bytes); returns its length. */
static inline size_t ordo_cbor_head(unsigned char *b, unsigned major, uint64_t v)
{
    unsigned char m = (unsigned char)(major << 5);
    if (v < 24) {
        b[0] = (unsigned char)(m | v);
        return 1;
    }
    if (v <= 0xff) {
        b[0] = m | 24;
        b[1] = (unsigned char)v;
        return 2;
    }
    int k = v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
    b[0] = (unsigned char)(m | (k == 2 ? 25 : k == 4 ? 26 : 27));
    for (int i = 0; i < k; i++)
        b[1 + i] = (unsigned char)(v >> (8 * (k - 1 - i)));
    return 1 + (size_t)k;
}

/* A number's item as ordo_jsonw_double writes it in CBOR mode, into b (9
 * bytes); returns its length. */
size_t ordo_cbor_number_bytes(double v, unsigned char *b);

/* A run: one value of a CBOR writer whose items the caller writes straight
 * into the output (heads with ordo_cbor_head, numbers with
 * ordo_cbor_number_bytes, strings with ordo_jsonw_cbor_run_text), byte for
 * byte what the ordo_jsonw_* calls would write, for a value of fixed shape
 * written often (a record's summary, RECORD.md). The caller balances its
 * arrays itself. ordo_jsonw_cbor_run_begin takes the place of the value (as
 * ordo_jsonw_arr_begin would) and gives where its bytes go with room for
 * `room` of them; ordo_cbor_run_room gives room for `room` more from p
 * (the buffer may move: p is the position); ordo_jsonw_cbor_run_text writes
 * a string or its reference (the stringref table as ordo_jsonw_str; NULL:
 * null) with its own room; ordo_jsonw_cbor_run_end ends the run at p. Any
 * of them NULL: the writer's error is set (not CBOR, inside a table row,
 * out of memory) and the rest of the run is NULL too. */
unsigned char *ordo_jsonw_cbor_run_begin(ordo_jsonw_t *w, size_t room);
unsigned char *ordo_jsonw_cbor_run_grow(ordo_jsonw_t *w, unsigned char *p, size_t room);
unsigned char *ordo_jsonw_cbor_run_text(ordo_jsonw_t *w, unsigned char *p, const char *s);
void ordo_jsonw_cbor_run_end(ordo_jsonw_t *w, unsigned char *p);
static inline unsigned char *ordo_cbor_run_room(ordo_jsonw_t *w, unsigned char *p, size_t room)
{
    ordo_buf_t *o = w->out;
    if (p && (size_t)(o->data + o->cap - (char *)p) > room)
        return p;
    return ordo_jsonw_cbor_run_grow(w, p, room);
}
#endif
