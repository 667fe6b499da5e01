/* SPDX-License-Identifier: Apache-2.0 */
/* ordo customer — customer pseudonyms, for audits and erasure:
 *   ordo customer lookup [--data DIR] (ID | --key KEY) [--json]
 *   ordo customer erase  [--data DIR] ID [--actor WHO] [--reason TEXT] [--json]
 * Decision records name a customer only by a pseudonym
 * (docs/internals/STORE.md "Customer pseudonyms"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/datadir.h"
#include "ordo/json.h"
#include "ordo/store.h"

static const char *data_of(const ordo_cli_args_t *a)
{
    const char *data = ordo_cli_get(a, "data");
    return data ? data : ordo_cli_default_data_dir();
}

typedef struct lookup_out {
    const char *customer_id; /* NULL: not known (a key that maps to none) */
    const char *key;
    bool mapped;
} lookup_out_t;

static void fill_lookup(ordo_jsonw_t *w, const void *ctx)
{
    const lookup_out_t *o = ctx;
    if (o->customer_id)
        ordo_jsonw_kstr(w, "customer_id", o->customer_id);
    ordo_jsonw_kstr(w, "key", o->key);
    ordo_jsonw_kbool(w, "mapped", o->mapped);
}

static int cmd_lookup(const ordo_cli_args_t *a)
{
    const char *key = ordo_cli_get(a, "key");
    bool json = a->json;
    if ((a->npos == 1) == (key != NULL))
        return ordo_cli_usage("customer lookup", "give either a customer ID or --key KEY");
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    int rc = ordo_store_open_existing(data_of(a), NULL, &s, &err);
    char k[ORDO_CUSTOMER_KEY_LEN] = "";
    char *id = NULL;
    lookup_out_t o = {0};
    if (rc == ORDO_OK && key) {
        rc = ordo_store_customer_resolve(s, key, &id, &err);
        o = (lookup_out_t){.customer_id = id, .key = key, .mapped = rc == ORDO_OK};
    } else if (rc == ORDO_OK) {
        rc = ordo_store_customer_lookup(s, a->pos[0], k, &o.mapped, &err);
        o.customer_id = a->pos[0];
        o.key = k;
    }
    ordo_store_close(s, NULL);
    if (rc != ORDO_OK) {
        free(id);
        return ordo_cli_fail(&err, rc, json);
    }
    if (json)
        ordo_cli_print_obj(fill_lookup, &o);
    else if (o.mapped)
        printf("%s\t%s\n", o.customer_id, o.key);
    else
        printf("%s\t%s\t(not mapped: never decided, or erased)\n", o.customer_id, o.key);
    free(id);
    if (!o.mapped && !json)
        fprintf(stderr, "ordo: customer '%s' is not in the store's mapping\n", o.customer_id);
    return o.mapped ? ORDO_EXIT_OK : ORDO_EXIT_FAIL;
}

static void fill_erase(ordo_jsonw_t *w, const void *ctx)
{
    const ordo_customer_erase_result_t *r = ctx;
    ordo_jsonw_kstr(w, "key", r->key);
    ordo_jsonw_kint(w, "mappings_deleted", (int64_t)r->mappings);
    ordo_jsonw_kint(w, "audit_seq", (int64_t)r->audit_seq);
    ordo_jsonw_kbool(w, "wal_truncated", !r->wal_busy);
}

static int cmd_erase(const ordo_cli_args_t *a)
{
    const char *actor = ordo_cli_get(a, "actor");
    bool json = a->json;
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    ordo_customer_erase_result_t r;
    int rc = ordo_store_open_existing(data_of(a), NULL, &s, &err);
    if (rc == ORDO_OK)
        rc = ordo_store_customer_erase(s, a->pos[0], actor ? actor : "cli",
                                       ordo_cli_get(a, "reason"), &r, &err);
    int rc2 = ordo_store_close(s, rc ? NULL : &err);
    rc = rc ? rc : rc2;
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    if (json) {
        ordo_cli_print_obj(fill_erase, &r);
    } else {
        printf("erased %s: %llu mapping%s deleted, audit entry %llu\n", r.key,
               (unsigned long long)r.mappings, r.mappings == 1 ? "" : "s",
               (unsigned long long)r.audit_seq);
        if (r.wal_busy)
            printf("note: another process holds the store open; the deleted row leaves "
                   "ordo.db-wal at its next checkpoint\n");
    }
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t lookup_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"key", 0, "KEY", "look a pseudonym up instead: the customer id it maps to"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_lookup_ = {
    .name = "lookup",
    .summary = "show a customer's pseudonym (or the customer of a pseudonym)",
    .usage = "customer lookup [--data DIR] (ID | --key KEY) [--json]",
    .about = "Decision records name a customer only by a pseudonym, ck_ and 32 hex digits\n"
             "of an HMAC-SHA256 of the customer id, keyed with a secret of the data\n"
             "directory. Prints the pseudonym of customer ID, or with --key the customer\n"
             "a pseudonym maps to. Exit 1 when the store does not map it (the customer\n"
             "was never decided with --data DIR, or was erased).",
    .examples = "ordo customer lookup --data ordo-data C-42917\n"
                "ordo customer lookup --data ordo-data --key ck_0123456789abcdef0123456789abcdef",
    .opts = lookup_opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_lookup,
};

static const ordo_cli_opt_t erase_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"actor", 0, "WHO", "who erases, for the audit trail (default cli)"},
    {"reason", 0, "TEXT", "why, for the audit trail (e.g. a request number)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_erase_ = {
    .name = "erase",
    .summary = "erase a customer: delete the pseudonym's mapping, audited",
    .usage = "customer erase [--data DIR] ID [--actor WHO] [--reason TEXT] [--json]",
    .about = "Deletes the mapping from customer ID's pseudonym back to ID, in one\n"
             "transaction with an audit entry (kind customer, id the pseudonym: the audit\n"
             "trail never names the customer), then truncates the store's WAL so that no\n"
             "file in DIR keeps the id. The decision log is immutable and keeps the\n"
             "pseudonym: it still verifies, replays and analyses, but nothing in DIR maps\n"
             "it back to ID. Erasing a customer that is not mapped is not an error (the\n"
             "audit entry records that nothing was deleted). docs/internals/STORE.md.",
    .examples = "ordo customer erase --data ordo-data C-42917 --reason 'request 2026-118'",
    .opts = erase_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_erase,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_lookup_, &cmd_erase_, NULL};

const ordo_cli_cmd_t ordo_cmd_customer = {
    .name = "customer",
    .summary = "customer pseudonyms: look up, erase",
    .usage = "customer lookup [--data DIR] (ID | --key KEY) [--json]\n"
             "customer erase [--data DIR] ID [--actor WHO] [--reason TEXT] [--json]",
    .about = "Decision records carry a customer's pseudonym, never the id; the store maps\n"
             "pseudonyms back for audits, and erasing a customer deletes that mapping.\n"
             "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).",
    .examples = "ordo customer lookup C-42917",
    .subs = subs,
};
