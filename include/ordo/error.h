/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — error codes and the error detail a caller passes in.
 *
 * Every function that can fail returns int: ORDO_OK (0) or a negative
 * ORDO_E* code. Detail meant for a person (which file, line, field) goes into
 * an ordo_error_t owned by the caller; passing NULL is always allowed. */
#ifndef ORDO_ERROR_H
#define ORDO_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    ORDO_OK = 0,
    ORDO_EINVAL = -1,      /* invalid argument or value */
    ORDO_ENOMEM = -2,      /* out of memory */
    ORDO_EIO = -3,         /* I/O error (errno kept in the message) */
    ORDO_ENOENT = -4,      /* file or directory not found */
    ORDO_EPARSE = -5,      /* malformed JSON, CSV or text */
    ORDO_ERANGE = -6,      /* value out of range */
    ORDO_EEXIST = -7,      /* duplicate id */
    ORDO_ENOTFOUND = -8,   /* unknown id (SKU, node, ZIP, experiment...) */
    ORDO_ESTOCK = -9,      /* not enough available-to-promise */
    ORDO_ECORRUPT = -10,   /* stored data failed a checksum or chain check */
    ORDO_ENOSPC = -11,     /* no space left on device */
    ORDO_ESTATE = -12,     /* operation not allowed in the current state */
    ORDO_EUNSUPPORTED = -13, /* not supported (format version, option) */
    ORDO_EFULL = -14,      /* a fixed-size buffer or table is full */
    ORDO_EINFEASIBLE = -15, /* no plan satisfies the constraints */
    ORDO_ECONFLICT = -16,  /* optimistic-concurrency version conflict */
    ORDO_EBUSY = -17       /* resource busy (another writer holds it) */
};

#define ORDO_ERROR_FILE_MAX 256
#define ORDO_ERROR_FIELD_MAX 96
#define ORDO_ERROR_MSG_MAX 512

typedef struct ordo_error {
    int code;                        /* ORDO_E* or ORDO_OK */
    char file[ORDO_ERROR_FILE_MAX];  /* input file, "" when not a file */
    long line;                       /* 1-based line, 0 when unknown */
    char field[ORDO_ERROR_FIELD_MAX]; /* e.g. "nodes[3].zip", "" when none */
    char msg[ORDO_ERROR_MSG_MAX];    /* human-readable explanation */
} ordo_error_t;

/* Static, never NULL: "ORDO_EPARSE: malformed input", ... */
const char *ordo_strerror(int code);
/* Short symbolic name: "EPARSE". */
const char *ordo_errname(int code);

/* Fills err (if not NULL) and returns code, so callers can write
 *   return ordo_error_set(err, ORDO_EPARSE, path, line, "sku", "empty");
 * file and field may be NULL. */
int ordo_error_set(ordo_error_t *err, int code, const char *file, long line, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ordo_error_clear(ordo_error_t *err);

/* "file:line: field 'x': message (EPARSE)" into buf; returns buf. */
const char *ordo_error_format(const ordo_error_t *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
