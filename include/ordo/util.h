/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — small shared utilities: string → index map, deterministic random
 * numbers, timestamps, a CSV field splitter and a monotonic clock. */
#ifndef ORDO_UTIL_H
#define ORDO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- string → uint32 map (open addressing; keys are copied) ---- */
typedef struct ordo_strmap ordo_strmap_t;

ordo_strmap_t *ordo_strmap_create(size_t expected);
void ordo_strmap_destroy(ordo_strmap_t *map);
/* ORDO_EEXIST when the key is already present (value unchanged). */
int ordo_strmap_put(ordo_strmap_t *map, const char *key, size_t keylen, uint32_t value);
/* true and *value when found. */
bool ordo_strmap_get(const ordo_strmap_t *map, const char *key, size_t keylen, uint32_t *value);
size_t ordo_strmap_count(const ordo_strmap_t *map);
/* Two-phase lookup for batches: hash and prefetch many keys, then get them,
 * so the cache misses overlap instead of queueing. */
uint64_t ordo_strmap_hash(const char *key, size_t keylen);
void ordo_strmap_prefetch(const ordo_strmap_t *map, uint64_t hash);
bool ordo_strmap_get_hashed(const ordo_strmap_t *map, const char *key, size_t keylen,
                            uint64_t hash, uint32_t *value);

uint64_t ordo_hash64(const void *data, size_t len); /* fast, non-cryptographic */

/* ---- deterministic PRNG: xoshiro256** seeded by splitmix64 ---- */
typedef struct ordo_rng {
    uint64_t s[4];
} ordo_rng_t;

void ordo_rng_seed(ordo_rng_t *rng, uint64_t seed);
uint64_t ordo_rng_next(ordo_rng_t *rng);
double ordo_rng_uniform(ordo_rng_t *rng);              /* [0, 1) */
uint64_t ordo_rng_below(ordo_rng_t *rng, uint64_t n);  /* [0, n), unbiased */
/* Index i in [0, n) with probability proportional to the weight behind the
 * cumulative sums cum[0..n-1] (cum[n-1] = total, n ≥ 1): a binary search
 * for a uniform draw in [0, total). */
size_t ordo_rng_pick_cumulative(ordo_rng_t *rng, const double *cum, size_t n);
double ordo_rng_normal(ordo_rng_t *rng);               /* N(0, 1) */
double ordo_rng_lognormal(ordo_rng_t *rng, double mu, double sigma);
double ordo_rng_exponential(ordo_rng_t *rng, double rate);
uint64_t ordo_rng_poisson(ordo_rng_t *rng, double mean);

/* ---- time: seconds since the Unix epoch, UTC ---- */
/* Parses "2026-11-24", "2026-11-24T15:04:05Z", "...+02:00", fractional
 * seconds ignored. ORDO_EPARSE on anything else. */
int ordo_time_parse(const char *s, int64_t *out);
/* "2026-11-24T15:04:05Z" into buf (needs 21 bytes). */
char *ordo_time_format(int64_t t, char *buf, size_t size);
/* Monotonic nanoseconds, for latency measurement. */
uint64_t ordo_now_ns(void);
/* Wall clock, Unix seconds. */
int64_t ordo_now_unix(void);

/* ---- CSV ---- */
#define ORDO_CSV_MAX_FIELDS 32

typedef struct ordo_csv_field {
    const char *p; /* not NUL-terminated */
    size_t n;
} ordo_csv_field_t;

/* Splits one line (without its newline) at commas. Double-quoted fields with
 * "" escapes are supported when they need no unescaping beyond the quotes
 * (the quotes are stripped). Returns the number of fields, or ORDO_EPARSE
 * (unterminated quote) / ORDO_EFULL (more than max fields). */
int ordo_csv_split(const char *line, size_t len, ordo_csv_field_t *fields, int max);

/* Strict field parsers: the whole field must be consumed. */
int ordo_parse_u32(const char *p, size_t n, uint32_t *out);
int ordo_parse_i64(const char *p, size_t n, int64_t *out);
int ordo_parse_double(const char *p, size_t n, double *out); /* rejects NaN/Inf */

/* ---- UTF-8 ---- */
/* The offset of the first byte of s[0..len) that does not start a valid
 * UTF-8 sequence (overlong forms, surrogates and code points above U+10FFFF
 * are invalid), or len when the whole text is valid. */
size_t ordo_utf8_check(const char *s, size_t len);
static inline bool ordo_utf8_valid(const char *s, size_t len)
{
    return ordo_utf8_check(s, len) == len;
}
/* Every input document is checked with this before it is parsed: ORDO_OK,
 * or ORDO_EPARSE naming file name and the line (line0 + newlines before the
 * bad byte, 1-based when line0 is 0) and the byte of that line and of the
 * text. Invalid bytes are never replaced (by U+FFFD) but refused. */
int ordo_text_check_utf8(const char *s, size_t len, const char *name, long line0,
                         ordo_error_t *err);

/* Reads a whole file into a malloc'd NUL-terminated buffer. Anything but a
 * regular file (a FIFO, a device, a directory) is refused before a byte is
 * read, so a FIFO without a writer cannot make it hang. */
int ordo_read_file(const char *path, char **data, size_t *len, ordo_error_t *err);
/* Opens a regular file for reading (*fd; anything else refused as above,
 * without blocking on a FIFO that has no writer). */
int ordo_open_regular(const char *path, int *fd, ordo_error_t *err);
/* Maps a regular file read-only (anything else refused, as above).
 * The bytes are NOT NUL-terminated. Release with ordo_unmap_file. */
int ordo_map_file(const char *path, const char **data, size_t *len, ordo_error_t *err);
void ordo_unmap_file(const char *data, size_t len);
/* Writes atomically: path.tmp, fsync, rename. */
int ordo_write_file_atomic(const char *path, const void *data, size_t len, ordo_error_t *err);
/* The same without the fsync, for caches whose every byte is checked when
 * read and rebuilt when a check fails (the analysis's facts): readers see
 * the old file or the new one whole; after a power loss the file may be
 * empty, short or stale on disk, which the reader's checks must catch. */
int ordo_write_file_replace(const char *path, const void *data, size_t len, ordo_error_t *err);
/* mkdir -p */
int ordo_mkdir_p(const char *path, ordo_error_t *err);

/* ---- near misses ("did you mean ...?") ---- */
/* Optimal-string-alignment Damerau-Levenshtein distance between a and b:
 * insertions, deletions, substitutions and swaps of two neighbours each
 * count 1. Bytes are compared; strings longer than 63 bytes count as far. */
size_t ordo_edit_distance(const char *a, const char *b);
/* The candidate that word most likely misspells, or NULL: the nearest by
 * edit distance when it is at most 1 for words up to 5 bytes and 2 for
 * longer ones; else one word is an abbreviation of the other (same first
 * letter, letters in order: "qty" of "quantity"); else a candidate equals a
 * '_' or '-' separated part of word ("order_id" -> "id"). candidates ends
 * with NULL; the pointer returned is one of them. */
const char *ordo_suggest(const char *word, const char *const *candidates);

#endif
