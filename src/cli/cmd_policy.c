/* SPDX-License-Identifier: Apache-2.0 */
/* ordo policy check FILE | show NAME | list */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/source.h"

/* "-": the policy from standard input (a pipe is fine there; a named file
 * must be a regular file, see ordo_read_file). */
static int load_stdin(ordo_policy_t **out, ordo_error_t *err)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    char chunk[8192];
    size_t n;
    int rc = ORDO_OK;
    while (rc == ORDO_OK && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (ordo_buf_append(&b, chunk, n))
            rc = ordo_error_set(err, ORDO_ENOMEM, "<stdin>", 0, NULL, "out of memory");
    if (rc == ORDO_OK && ferror(stdin))
        rc = ordo_error_set(err, ORDO_EIO, "<stdin>", 0, NULL, "read error");
    if (rc == ORDO_OK)
        rc = ordo_policy_parse(b.data ? b.data : "", b.len, "<stdin>", out, err);
    ordo_buf_free(&b);
    return rc;
}

static int check(const char *arg, bool json, bool canonical)
{
    ordo_error_t err = {0};
    ordo_policy_t *p;
    int rc = !strcmp(arg, "-") ? load_stdin(&p, &err) : ordo_cli_policy_load(arg, &p, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    if (canonical) {
        ordo_jsonw_init(&w, &b, 1);
        ordo_policy_write_json(p, &w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
    } else if (json) {
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kbool(&w, "valid", true);
        ordo_jsonw_kstr(&w, "name", p->name);
        ordo_jsonw_kstr(&w, "version", p->version);
        ordo_jsonw_kint(&w, "strategies", p->n_strategies);
        ordo_jsonw_kint(&w, "fallback", p->n_fallbacks);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
    } else {
        printf("ok: policy '%s' version %s (%u strategies, %u fallback)\n", p->name, p->version,
               p->n_strategies, p->n_fallbacks);
    }
    ordo_buf_free(&b);
    ordo_policy_destroy(p);
    return ORDO_EXIT_OK;
}

static int run_check(const ordo_cli_args_t *a)
{
    return check(a->pos[0], a->json, ordo_cli_flag(a, "canonical"));
}

static int run_show(const ordo_cli_args_t *a)
{
    const char *name = a->pos[0];
    const char *text = ordo_policy_builtin_json(name);
    if (!text) {
        ordo_error_t err = {0};
        char hint[128];
        ordo_cli_did_you_mean(name, ordo_policy_builtin_names(), hint, sizeof hint);
        ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, "policy", "no built-in policy '%s'%s", name,
                       hint);
        return ordo_cli_fail(&err, ORDO_ENOTFOUND, a->json);
    }
    fputs(text, stdout); /* JSON already, with or without --json */
    return ORDO_EXIT_OK;
}

int ordo_cli_policy_list_json(ordo_buf_t *b)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_arr_begin(&w);
    for (const char *const *n = ordo_policy_builtin_names(); *n; n++) {
        ordo_policy_t *p;
        ordo_error_t err = {0};
        if (ordo_policy_builtin(*n, &p, &err) != ORDO_OK)
            continue;
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "name", p->name);
        ordo_jsonw_kstr(&w, "version", p->version);
        ordo_jsonw_kstr(&w, "description", p->description);
        ordo_jsonw_obj_end(&w);
        ordo_policy_destroy(p);
    }
    ordo_jsonw_arr_end(&w);
    return ordo_jsonw_finish(&w);
}

static void list_json(void)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_cli_policy_list_json(&b);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static int run_list(const ordo_cli_args_t *a)
{
    if (a->json) {
        list_json();
        return ORDO_EXIT_OK;
    }
    for (const char *const *n = ordo_policy_builtin_names(); *n; n++) {
        ordo_policy_t *p;
        ordo_error_t err = {0};
        if (ordo_policy_builtin(*n, &p, &err) == ORDO_OK) {
            printf("%-20s %s  %s\n", p->name, p->version, p->description);
            ordo_policy_destroy(p);
        }
    }
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t check_opts[] = {
    {"canonical", 0, NULL, "print the policy's canonical JSON (the form its version hashes)"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_check = {
    .name = "check",
    .summary = "validate a policy and print its name and version",
    .usage = "policy check FILE|NAME|- [--json] [--canonical]",
    .about = "Validates a sourcing policy (a file, a built-in name, or - for standard\n"
             "input) and prints its name and version: the hash of its canonical form.\n"
             "FILE must be a regular file (a FIFO is refused, not waited on). Invalid\n"
             "UTF-8, a key given twice and out-of-range numbers are errors naming the\n"
             "line or the field.",
    .examples = "ordo policy check docs/examples/policy-default.json\nordo policy check "
                "cost-optimized --json",
    .opts = check_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_check,
};

static const ordo_cli_cmd_t cmd_show = {
    .name = "show",
    .summary = "print a built-in policy's JSON",
    .usage = "policy show NAME",
    .about = "Prints a built-in policy's JSON (docs/policies.md).",
    .examples = "ordo policy show proximity-first",
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_show,
};

static const ordo_cli_cmd_t cmd_list = {
    .name = "list",
    .summary = "list the built-in policies with their versions",
    .usage = "policy list [--json]",
    .about = "Lists the built-in policies: name, version and description.",
    .examples = "ordo policy list\nordo policy list --json",
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run_list,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_check, &cmd_show, &cmd_list, NULL};

const ordo_cli_cmd_t ordo_cmd_policy = {
    .name = "policy",
    .summary = "check, show and list sourcing policies",
    .usage =
        "policy check FILE|NAME|- [--json] [--canonical]\npolicy show NAME\npolicy list [--json]",
    .about = "Sourcing policies: validate one, print a built-in, list the built-ins.",
    .examples = "ordo policy list",
    .subs = subs,
};
