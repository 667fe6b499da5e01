/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the write routes (each behind a bearer token): experiments
 * and their lifecycle, stock snapshots and deltas, outcome events. They
 * take the documents the CLI takes and answer its --json output. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "../cli/cmd_catalog.h"
#include "server.h"

/* Who the audit trail names: ?actor=NAME, else "api". */
static const char *actor_of(srv_req_t *r)
{
    const char *a = srv_query(r, "actor");
    return a && *a ? a : "api";
}

static int answer_exp(srv_req_t *r, ordo_exp_t *e, unsigned status)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 1);
    ordo_cli_exp_write_full(e, NULL, 0, &w);
    int rc = ordo_jsonw_finish(&w);
    ordo_exp_destroy(e);
    r->status = status;
    return rc ? srv_error_from(r, rc, NULL) : ordo_buf_putc(&r->out, '\n');
}

/* POST /v1/experiments: the document of `ordo exp create FILE` */
int srv_h_exp_create(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    const char *text = r->body.data ? r->body.data : "";
    ordo_exp_t *e = NULL;
    int rc = ordo_exp_parse(text, r->body.len, "body", &e, &err);
    ordo_exp_destroy(e);
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    if ((rc = srv_open_registry(s, true, &store, &reg, &err)))
        return srv_error_from(r, rc, &err);
    rc = ordo_exp_registry_create(reg, text, r->body.len, "body", actor_of(r),
                                  srv_query(r, "reason"), &e, &err);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    return rc ? srv_error_from(r, rc, &err) : answer_exp(r, e, 201);
}

static ordo_exp_action_t action_of(const srv_route_t *rt)
{
    static const char *const names[] = {":start", ":pause", ":stop", ":conclude", ":kill"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(rt->suffix, names[i]))
            return (ordo_exp_action_t)i;
    return ORDO_EXP_ACT_KILL;
}

/* POST /v1/experiments/{id}:start|pause|stop|conclude|kill
 * (?winner=VARIANT for conclude; ?reason=TEXT; ?actor=NAME). A stopped
 * experiment's conclusion stores its final report, as `ordo exp conclude`. */
int srv_h_exp_action(ordo_server_t *s, srv_req_t *r)
{
    ordo_exp_action_t action = action_of(r->route);
    ordo_error_t err = {0};
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = srv_open_registry(s, true, &store, &reg, &err);
    if (rc)
        return srv_error_from(r, rc, &err);
    const char *winner = srv_query(r, "winner"), *reason = srv_query(r, "reason");
    ordo_exp_t *before = NULL, *e = NULL;
    rc = ordo_exp_registry_get(reg, r->arg, &before, &err);
    ordo_buf_t report, summary;
    ordo_buf_init(&report, NULL);
    ordo_buf_init(&summary, NULL);
    if (rc == ORDO_OK && action == ORDO_EXP_ACT_CONCLUDE) {
        bool with_report = before->status.state == ORDO_EXP_STOPPED;
        if (with_report)
            rc = ordo_cli_conclusion_build(s->data_dir, r->arg, &report, &summary, &err);
        ordo_exp_conclusion_t res = {report.data, report.len, summary.data, summary.len};
        if (rc == ORDO_OK)
            rc = ordo_exp_registry_conclude(reg, r->arg, winner, actor_of(r), reason,
                                            with_report ? &res : NULL, 0, &e, &err);
    } else if (rc == ORDO_OK) {
        rc = ordo_exp_registry_transition(reg, r->arg, action, winner, actor_of(r), reason, 0, &e,
                                          &err);
    }
    ordo_buf_free(&report);
    ordo_buf_free(&summary);
    ordo_exp_destroy(before);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    return rc ? srv_error_from(r, rc, &err) : answer_exp(r, e, 200);
}

/* The body in a private temporary file of the data directory (the store's
 * loaders read files, and name them in their errors). */
static int body_to_file(ordo_server_t *s, srv_req_t *r, const char *ext, char *path, size_t n,
                        ordo_error_t *err)
{
    snprintf(path, n, "%s/.upload-XXXXXX%s", s->data_dir, ext);
    int fd = mkstemps(path, (int)strlen(ext));
    if (fd < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "cannot create an upload file");
    size_t off = 0;
    while (off < r->body.len) {
        ssize_t w = write(fd, r->body.data + off, r->body.len - off);
        if (w <= 0) {
            close(fd);
            unlink(path);
            return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "cannot write an upload file");
        }
        off += (size_t)w;
    }
    close(fd);
    return ORDO_OK;
}

/* POST /v1/inventory?kind=snapshot|delta: the CSV of `ordo inventory
 * snapshot|delta` (docs/formats.md), all or nothing. */
/* POST /v1/inventory without ?kind: an inventory document of `ordo
 * inventory apply` (docs/formats.md "Inventory documents": each record a
 * snapshot or a delta with its as_of), NDJSON, or CSV with Content-Type
 * text/csv; all or nothing. Answers the counts `inventory apply --json`
 * prints. */
static int inventory_document(ordo_server_t *s, srv_req_t *r)
{
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    ordo_stock_format_t fmt =
        ct && !strncmp(ct, "text/csv", 8) ? ORDO_STOCK_FMT_CSV : ORDO_STOCK_FMT_NDJSON;
    const char *text = r->body.data ? r->body.data : "";
    ordo_error_t err = {0};
    ordo_stock_apply_stats_t st = {0};
    ordo_store_t *store = NULL;
    /* checked before the store is opened: a refused document changes nothing */
    int rc = ordo_store_stock_apply(NULL, text, r->body.len, "body", fmt, actor_of(r), true, &st,
                                    &err);
    if (rc == ORDO_OK && (rc = ordo_store_open(s->data_dir, NULL, &store, &err)) == ORDO_OK) {
        memset(&st, 0, sizeof st);
        rc = ordo_store_stock_apply(store, text, r->body.len, "body", fmt, actor_of(r), false, &st,
                                    &err);
        int rc2 = ordo_store_close(store, rc ? NULL : &err);
        rc = rc ? rc : rc2;
    }
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "snapshots", (int64_t)st.snapshots);
    ordo_jsonw_kint(&w, "deltas", (int64_t)st.deltas);
    ordo_jsonw_kint(&w, "stale", (int64_t)st.stale);
    ordo_jsonw_kint(&w, "units", st.units);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

int srv_h_inventory(ordo_server_t *s, srv_req_t *r)
{
    const char *kind_s = srv_query(r, "kind");
    ordo_stock_file_t kind;
    if (!kind_s)
        return inventory_document(s, r);
    if (!strcmp(kind_s, "snapshot"))
        kind = ORDO_STOCK_SNAPSHOT;
    else if (!strcmp(kind_s, "delta"))
        kind = ORDO_STOCK_DELTA;
    else
        return srv_error(r, 400, "EINVAL", "kind must be snapshot or delta", "kind");
    char path[ORDO_CONFIG_PATH_MAX + 32];
    ordo_error_t err = {0};
    ordo_stock_load_stats_t st = {0};
    int rc = body_to_file(s, r, ".csv", path, sizeof path, &err);
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_store_t *store = NULL;
    rc = ordo_store_stock_load_file(NULL, path, kind, actor_of(r), true, &st, &err);
    if (rc == ORDO_OK && (rc = ordo_store_open(s->data_dir, NULL, &store, &err)) == ORDO_OK) {
        rc = ordo_store_stock_load_file(store, path, kind, actor_of(r), false, &st, &err);
        int rc2 = ordo_store_close(store, rc ? NULL : &err);
        rc = rc ? rc : rc2;
    }
    unlink(path);
    if (rc) {
        snprintf(err.file, sizeof err.file, "body");
        return srv_error_from(r, rc, &err);
    }
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "kind", kind == ORDO_STOCK_SNAPSHOT ? "snapshot" : "delta");
    ordo_jsonw_kint(&w, "rows", (int64_t)st.rows);
    ordo_jsonw_kint(&w, "units", st.units);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

/* POST /v1/signals: the NDJSON signal document of `ordo signals apply`,
 * validated against the served network and stored as one new version, all
 * or nothing; the decider swaps the new snapshot in before its next order.
 * Answers what `ordo signals apply --json` prints. */
int srv_h_signals(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    ordo_store_t *store = NULL;
    ordo_signals_apply_result_t res = {0};
    int rc = ordo_store_open(s->data_dir, NULL, &store, &err);
    if (rc == ORDO_OK) {
        rc = ordo_signals_apply_text(store, s->net, r->body.data ? r->body.data : "",
                                     r->body.len, "body", &res, &err);
        int rc2 = ordo_store_close(store, rc ? NULL : &err);
        rc = rc ? rc : rc2;
    }
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "version", (int64_t)res.version);
    ordo_jsonw_kint(&w, "lines", res.lines);
    ordo_jsonw_kint(&w, "signals", res.signals);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

/* POST /v1/outcomes: NDJSON outcome events (Content-Type text/csv: CSV),
 * as `ordo outcomes ingest`: one transaction, duplicates ignored. */
int srv_h_outcomes(ordo_server_t *s, srv_req_t *r)
{
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    bool csv = ct && !strncmp(ct, "text/csv", 8);
    char path[ORDO_CONFIG_PATH_MAX + 32];
    ordo_error_t err = {0};
    int rc = body_to_file(s, r, csv ? ".csv" : ".ndjson", path, sizeof path, &err);
    if (rc)
        return srv_error_from(r, rc, &err);
    const char *paths[1] = {path};
    ordo_outcome_ingest_stats_t st = {0};
    ordo_store_t *store = NULL;
    rc = ordo_store_open(s->data_dir, NULL, &store, &err);
    if (rc == ORDO_OK) {
        rc = ordo_store_outcomes_ingest_files(
            store, paths, 1, csv ? ORDO_OUTCOME_FMT_CSV : ORDO_OUTCOME_FMT_NDJSON, &st, &err);
        int rc2 = ordo_store_close(store, rc ? NULL : &err);
        rc = rc ? rc : rc2;
    }
    unlink(path);
    if (rc)
        return srv_error_from(r, rc, &err);
    srv_drift_outcomes(s);
    srv_customers_outcomes(s);
    srv_events_wake(s); /* event streams send the new outcomes */
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &r->out, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "lines", (int64_t)st.lines);
    ordo_jsonw_kint(&w, "inserted", (int64_t)st.inserted);
    ordo_jsonw_kint(&w, "duplicates", (int64_t)st.duplicates);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

/* GET /v1/policies: the built-in policies, as `ordo policy list --json` */
int srv_h_policies(ordo_server_t *s, srv_req_t *r)
{
    (void)s;
    int rc = ordo_cli_policy_list_json(&r->out);
    return rc ? srv_error_from(r, rc, NULL) : ordo_buf_putc(&r->out, '\n');
}

/* POST /v1/policies: a policy document, registered in the data directory
 * as `ordo exp register-policy FILE` does, answering what it prints with
 * --json: {"name","policy_version"}. An experiment may then name it. */
int srv_h_policy_register(ordo_server_t *s, srv_req_t *r)
{
    ordo_error_t err = {0};
    ordo_policy_t *p = NULL;
    int rc = ordo_policy_parse(r->body.data ? r->body.data : "", r->body.len, "body", &p, &err);
    if (rc)
        return srv_error_from(r, rc, &err);
    ordo_store_t *store;
    if ((rc = ordo_store_open(s->data_dir, NULL, &store, &err)) == ORDO_OK) {
        rc = ordo_exp_policy_register(store, p, &err);
        int rc2 = ordo_store_close(store, rc ? NULL : &err);
        rc = rc ? rc : rc2;
    }
    if (rc == ORDO_OK) {
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &r->out, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "name", p->name);
        ordo_jsonw_kstr(&w, "policy_version", p->version);
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
        r->status = 201;
    }
    ordo_policy_destroy(p);
    return rc ? srv_error_from(r, rc, &err) : ordo_buf_putc(&r->out, '\n');
}
