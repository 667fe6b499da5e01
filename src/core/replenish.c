/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — replenishment.csv: stock expected at nodes (purchase orders,
 * transfers), from which backorders get their promise dates
 * (docs/formats.md, "replenishment.csv"). Optional: a network directory
 * without the file has no inbound stock. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/network.h"
#include "ordo/util.h"

#define REPLENISH_HEADER "node,sku,quantity,arrival"

static int cmp_inbound(const void *a, const void *b)
{
    const ordo_inbound_t *x = a, *y = b;
    if (x->sku != y->sku)
        return x->sku < y->sku ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

/* Next non-empty line (without its \r\n); 0 at the end. */
static int next_line(const char **p, const char *end, long *lineno, const char **line, size_t *len)
{
    while (*p < end) {
        const char *nl = memchr(*p, '\n', (size_t)(end - *p));
        const char *le = nl ? nl : end;
        *line = *p;
        *len = (size_t)(le - *p);
        if (*len && (*line)[*len - 1] == '\r')
            (*len)--;
        *p = nl ? nl + 1 : end;
        (*lineno)++;
        if (*len)
            return 1;
    }
    return 0;
}

/* One data row into r; errors name the file, line and field. */
static int parse_row(const ordo_network_t *net, const char *line, size_t len, const char *name,
                     long ln, ordo_inbound_t *r, ordo_error_t *err)
{
    ordo_csv_field_t f[8];
    int nf = ordo_csv_split(line, len, f, 8);
    if (nf != 4)
        return ordo_error_set(err, ORDO_EPARSE, name, ln, NULL,
                              "expected 4 fields (node,sku,quantity,arrival), got %d", nf);
    char id[ORDO_ID_MAX];
    if (f[0].n == 0 || f[0].n >= sizeof id)
        return ordo_error_set(err, ORDO_EPARSE, name, ln, "node", "empty or too long node id");
    memcpy(id, f[0].p, f[0].n);
    id[f[0].n] = 0;
    int32_t node = ordo_network_node(net, id);
    if (node < 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, name, ln, "node", "unknown node '%s'", id);
    int32_t sku = ordo_network_sku_n(net, f[1].p, f[1].n);
    if (sku < 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, name, ln, "sku", "unknown SKU '%.*s'",
                              (int)(f[1].n < 64 ? f[1].n : 64), f[1].p);
    uint32_t q;
    if (ordo_parse_u32(f[2].p, f[2].n, &q) || q == 0 || q > 100000000u)
        return ordo_error_set(err, ORDO_EPARSE, name, ln, "quantity",
                              "must be a whole number from 1 to 100000000");
    char date[16];
    int64_t t;
    if (f[3].n != 10 || (memcpy(date, f[3].p, 10), date[10] = 0, ordo_time_parse(date, &t)))
        return ordo_error_set(err, ORDO_EPARSE, name, ln, "arrival", "must be a date YYYY-MM-DD");
    r->node = (uint32_t)node;
    r->sku = (uint32_t)sku;
    r->quantity = q;
    r->day = t / 86400;
    return ORDO_OK;
}

int ordo_replenishment_parse_csv(ordo_network_t *net, const char *csv, size_t len, const char *name,
                                 ordo_error_t *err)
{
    int rc = ordo_text_check_utf8(csv, len, name, 0, err);
    if (rc)
        return rc;
    const char *p = csv, *end = csv + len, *line;
    size_t ll;
    long ln = 0;
    if (!next_line(&p, end, &ln, &line, &ll) || ll != strlen(REPLENISH_HEADER) ||
        memcmp(line, REPLENISH_HEADER, ll))
        return ordo_error_set(err, ORDO_EPARSE, name, ln ? ln : 1, NULL, "expected header %s",
                              REPLENISH_HEADER);
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += csv[i] == '\n';
    ordo_inbound_t *rows = malloc(cap * sizeof *rows);
    if (!rows)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    uint32_t n = 0;
    while (next_line(&p, end, &ln, &line, &ll)) {
        if ((rc = parse_row(net, line, ll, name, ln, &rows[n], err))) {
            free(rows);
            return rc;
        }
        n++;
    }
    qsort(rows, n, sizeof *rows, cmp_inbound);
    free(net->inbound);
    net->inbound = rows;
    net->n_inbound = n;
    return ORDO_OK;
}

int ordo_replenishment_load(ordo_network_t *net, const char *dir, ordo_error_t *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/replenishment.csv", dir) >= sizeof path)
        return ordo_error_set(err, ORDO_EINVAL, dir, 0, NULL, "path too long");
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return ORDO_OK; /* no file: no inbound stock */
    const char *data;
    size_t len;
    int rc = ordo_map_file(path, &data, &len, err);
    if (rc)
        return rc;
    rc = ordo_replenishment_parse_csv(net, data, len, path, err);
    ordo_unmap_file(data, len);
    return rc;
}

const ordo_inbound_t *ordo_network_inbound(const ordo_network_t *net, uint32_t sku, uint32_t *n)
{
    *n = 0;
    if (!net->n_inbound)
        return NULL;
    uint32_t lo = 0, hi = net->n_inbound;
    while (lo < hi) { /* first row of the SKU */
        uint32_t mid = lo + (hi - lo) / 2;
        if (net->inbound[mid].sku < sku)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t e = lo;
    while (e < net->n_inbound && net->inbound[e].sku == sku)
        e++;
    *n = e - lo;
    return *n ? &net->inbound[lo] : NULL;
}
