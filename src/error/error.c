/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — error codes and messages: the error module, on which every other
 * module (stats included) may depend, and which depends on nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ordo/error.h"

typedef struct {
    int code;
    const char *name;
    const char *text;
} error_entry_t;

static const error_entry_t errors[] = {
    {ORDO_OK, "OK", "success"},
    {ORDO_EINVAL, "EINVAL", "invalid argument"},
    {ORDO_ENOMEM, "ENOMEM", "out of memory"},
    {ORDO_EIO, "EIO", "input/output error"},
    {ORDO_ENOENT, "ENOENT", "no such file or directory"},
    {ORDO_EPARSE, "EPARSE", "malformed input"},
    {ORDO_ERANGE, "ERANGE", "value out of range"},
    {ORDO_EEXIST, "EEXIST", "duplicate id"},
    {ORDO_ENOTFOUND, "ENOTFOUND", "unknown id"},
    {ORDO_ESTOCK, "ESTOCK", "not enough stock available to promise"},
    {ORDO_ECORRUPT, "ECORRUPT", "stored data is corrupt"},
    {ORDO_ENOSPC, "ENOSPC", "no space left on device"},
    {ORDO_ESTATE, "ESTATE", "not allowed in the current state"},
    {ORDO_EUNSUPPORTED, "EUNSUPPORTED", "not supported"},
    {ORDO_EFULL, "EFULL", "table or buffer is full"},
    {ORDO_EINFEASIBLE, "EINFEASIBLE", "no feasible plan"},
    {ORDO_ECONFLICT, "ECONFLICT", "version conflict: changed by someone else"},
    {ORDO_EBUSY, "EBUSY", "resource busy"},
};

static const error_entry_t *find(int code)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == code)
            return &errors[i];
    return NULL;
}

const char *ordo_strerror(int code)
{
    const error_entry_t *e = find(code);
    return e ? e->text : "unknown error";
}

const char *ordo_errname(int code)
{
    const error_entry_t *e = find(code);
    return e ? e->name : "EUNKNOWN";
}

void ordo_error_clear(ordo_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int ordo_error_set(ordo_error_t *err, int code, const char *file, long line, const char *field,
                   const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    } else {
        snprintf(err->msg, sizeof err->msg, "%s", ordo_strerror(code));
    }
    return code;
}

const char *ordo_error_format(const ordo_error_t *err, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (!err) {
        snprintf(buf, size, "no error");
        return buf;
    }
    size_t n = 0;
    buf[0] = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < size) {                                                                            \
            int k = snprintf(buf + n, size - n, __VA_ARGS__);                                      \
            if (k > 0)                                                                             \
                n += (size_t)k;                                                                    \
        }                                                                                          \
    } while (0)
    if (err->file[0]) {
        ADD("%s", err->file);
        if (err->line > 0)
            ADD(":%ld", err->line);
        ADD(": ");
    }
    if (err->field[0])
        ADD("field '%s': ", err->field);
    ADD("%s (%s)", err->msg[0] ? err->msg : ordo_strerror(err->code), ordo_errname(err->code));
#undef ADD
    return buf;
}
