/* ordo policy check FILE | show NAME | list */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/source.h"

static const char usage[] =
    "Usage: ordo policy check FILE|NAME [--json] [--canonical]\n"
    "       ordo policy show NAME\n"
    "       ordo policy list\n\n"
    "check   validates a sourcing policy and prints its name and version (the\n"
    "        hash of its canonical form); --canonical prints the canonical JSON\n"
    "show    prints a built-in policy's JSON\n"
    "list    lists the built-in policies with their versions\n";

static int check(const char *arg, bool json, bool canonical)
{
    ordo_error_t err = {0};
    ordo_policy_t *p;
    int rc = ordo_policy_load(arg, &p, &err);
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

static int run(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? ORDO_EXIT_USAGE : ORDO_EXIT_OK;
    }
    const char *sub = argv[1];
    bool json = false, canonical = false;
    const char *arg = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--canonical"))
            canonical = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return ordo_cli_usage("policy", "unknown option '%s'", argv[i]);
        else if (!arg)
            arg = argv[i];
        else
            return ordo_cli_usage("policy", "unexpected argument '%s'", argv[i]);
    }
    if (!strcmp(sub, "check")) {
        if (!arg)
            return ordo_cli_usage("policy", "check needs a FILE");
        return check(arg, json, canonical);
    }
    if (!strcmp(sub, "show")) {
        if (!arg)
            return ordo_cli_usage("policy", "show needs a NAME");
        const char *text = ordo_policy_builtin_json(arg);
        if (!text) {
            ordo_error_t err = {0};
            ordo_error_set(&err, ORDO_ENOTFOUND, NULL, 0, "policy", "no built-in policy '%s'", arg);
            return ordo_cli_fail(&err, ORDO_ENOTFOUND, json);
        }
        fputs(text, stdout);
        return ORDO_EXIT_OK;
    }
    if (!strcmp(sub, "list")) {
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
    return ordo_cli_usage("policy", "unknown subcommand '%s' (check, show, list)", sub);
}

const ordo_cli_cmd_t ordo_cmd_policy = {"policy", "check, show and list sourcing policies", run};
