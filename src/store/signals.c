/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — signal versions: an applied document is validated (core's
 * parser) and stored as one new version, all or nothing; a snapshot is
 * rebuilt from the stored lines of every version up to one. The SQL is in
 * sqlite.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/signals.h"
#include "ordo/util.h"
#include "store_internal.h"

/* The document's lines as rows (their text in text). */
static store_signal_row_t *doc_rows(const ordo_signal_list_t *l, const char *text)
{
    store_signal_row_t *rows = calloc(l->n_lines + 1, sizeof *rows);
    for (size_t i = 0; rows && i < l->n_lines; i++) {
        const ordo_signal_doc_line_t *d = &l->lines[i];
        size_t len = d->len;
        while (len && (text[d->offset + len - 1] == '\r' || text[d->offset + len - 1] == ' '))
            len--;
        rows[i] = (store_signal_row_t){d->line,
                                       ordo_signal_kind_name(d->kind),
                                       d->from,
                                       d->to,
                                       text + d->offset,
                                       len};
    }
    return rows;
}

static int store_version(ordo_store_t *store, const ordo_signal_list_t *l, const char *text,
                         const char *source, uint64_t *version, ordo_error_t *err)
{
    store_signal_row_t *rows = doc_rows(l, text);
    if (!rows)
        return ordo_error_set(err, ORDO_ENOMEM, source, 0, NULL, "out of memory");
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(store, &b);
    int rc = ordo_store_tx_begin(store, err);
    if (rc == ORDO_OK)
        rc = ops->signals_put(b, rows, l->n_lines, source, ordo_now_unix(), version, err);
    if (rc == ORDO_OK) {
        char id[24], detail[128];
        snprintf(id, sizeof id, "%llu", (unsigned long long)*version);
        snprintf(detail, sizeof detail, "{\"lines\":%zu,\"signals\":%zu}", l->n_lines, l->n);
        rc = ordo_store_audit_append(store, "signals", id, "ordo", "apply", source, detail, 0,
                                     NULL, err);
    }
    if (rc == ORDO_OK)
        rc = ordo_store_tx_commit(store, err);
    else if (ordo_store_tx_depth(store) > 0)
        ordo_store_tx_rollback(store, NULL);
    free(rows);
    return rc;
}

int ordo_signals_apply_text(ordo_store_t *store, const ordo_network_t *net, const char *text,
                            size_t len, const char *source_name,
                            ordo_signals_apply_result_t *result, ordo_error_t *err)
{
    memset(result, 0, sizeof *result);
    const char *src = source_name && *source_name ? source_name : "signals";
    if (!net)
        return ordo_error_set(err, ORDO_EINVAL, src, 0, "network", "no network to validate against");
    ordo_signal_list_t l = {0};
    int rc = ordo_signals_parse(text, len, net, src, 1, 0, true, &l, err);
    if (rc == ORDO_OK && l.n_lines == 0)
        rc = ordo_error_set(err, ORDO_EINVAL, src, 0, NULL, "the document holds no signal");
    if (rc == ORDO_OK)
        rc = store_version(store, &l, text, src, &result->version, err);
    if (rc == ORDO_OK) {
        result->lines = (uint32_t)l.n_lines;
        result->signals = (uint32_t)l.n;
    }
    ordo_signal_list_free(&l);
    return rc;
}

int ordo_store_signals_latest(ordo_store_t *store, uint64_t *version, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(store, &b);
    return ops->signals_latest(b, version, err);
}

typedef struct load_ctx {
    const ordo_network_t *net;
    ordo_signal_list_t list;
    uint64_t top;
    ordo_error_t *err;
} load_ctx_t;

/* One stored line, parsed again against the network (it may have changed
 * since the apply: an error names the version's source and line). */
static int load_row(void *ctx, uint64_t version, uint32_t line, const char *doc, size_t len,
                    const char *source)
{
    load_ctx_t *c = ctx;
    char name[160];
    snprintf(name, sizeof name, "signals v%llu (%s)", (unsigned long long)version, source);
    if (version > c->top)
        c->top = version;
    return ordo_signals_parse(doc, len, c->net, name, line, version, false, &c->list, c->err);
}

int ordo_signals_load(ordo_store_t *store, const ordo_network_t *net, uint64_t version,
                      ordo_signals_t **out, ordo_error_t *err)
{
    *out = NULL;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(store, &b);
    int rc = ORDO_OK;
    if (version == 0 && (rc = ops->signals_latest(b, &version, err)))
        return rc;
    load_ctx_t c = {net, {0}, 0, err};
    if (version > 0)
        rc = ops->signals_list(b, version, load_row, &c, err);
    if (rc == ORDO_OK)
        rc = ordo_signals_build(net, c.list.sig, c.list.n, c.top, out, err);
    ordo_signal_list_free(&c.list);
    return rc;
}
