/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the command-line front end: the command tree, and the commands
 * about ordo itself (version, help, completion). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef ORDO_VERSION
#define ORDO_VERSION "0.0.0"
#endif

/* Each command lives in its own cmd_<name>.c. */
extern const ordo_cli_cmd_t ordo_cmd_geo;
extern const ordo_cli_cmd_t ordo_cmd_network;
extern const ordo_cli_cmd_t ordo_cmd_rate;
extern const ordo_cli_cmd_t ordo_cmd_exp;
extern const ordo_cli_cmd_t ordo_cmd_log;
extern const ordo_cli_cmd_t ordo_cmd_source;
extern const ordo_cli_cmd_t ordo_cmd_policy;
extern const ordo_cli_cmd_t ordo_cmd_price;
extern const ordo_cli_cmd_t ordo_cmd_power;
extern const ordo_cli_cmd_t ordo_cmd_outcomes;
extern const ordo_cli_cmd_t ordo_cmd_analyze;
extern const ordo_cli_cmd_t ordo_cmd_customer;
extern const ordo_cli_cmd_t ordo_cmd_inventory;
extern const ordo_cli_cmd_t ordo_cmd_serve;
extern const ordo_cli_cmd_t ordo_cmd_signals;
extern const ordo_cli_cmd_t ordo_cmd_store; /* cmd_store.c */
extern const ordo_cli_cmd_t ordo_cmd_sim;
extern const ordo_cli_cmd_t ordo_cmd_model;
/* ORDO-CLI-DECLS: add `extern const ordo_cli_cmd_t ordo_cmd_<name>;` above this line */

static int run_version(const ordo_cli_args_t *a)
{
    if (a->json)
        printf("{\"name\":\"ordo\",\"version\":\"%s\"}\n", ORDO_VERSION);
    else
        printf("ordo %s\n", ORDO_VERSION);
    return ORDO_EXIT_OK;
}

static const ordo_cli_cmd_t cmd_version = {
    .name = "version",
    .summary = "print the version",
    .usage = "version [--json]",
    .about = "Prints ordo's version.",
    .examples = "ordo version\nordo version --json",
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run_version,
};

static const ordo_cli_opt_t help_opts[] = {
    {"man", 0, NULL, "print the manual page (roff), made from the same tables as --help"},
    {"list", 0, NULL, "print every command, a tab, and its options (--name or --name=ARG)"},
    {NULL, 0, NULL, NULL}};

/* `ordo help [COMMAND [SUBCOMMAND]]`: the help of that command */
static int help_of(const ordo_cli_args_t *a)
{
    const ordo_cli_cmd_t *c = &ordo_cli_root;
    char path[64] = "ordo";
    for (int i = 0; i < a->npos; i++) {
        const ordo_cli_cmd_t *next = NULL;
        for (const ordo_cli_cmd_t *const *s = c->subs; s && *s && !next; s++)
            if (!strcmp((*s)->name, a->pos[i]))
                next = *s;
        if (!next)
            return ordo_cli_usage("help", "no command '%s'", a->pos[i]);
        c = next;
        if (i == 0)
            snprintf(path, sizeof path, "%s", c->name);
        else
            snprintf(path + strlen(path), sizeof path - strlen(path), " %s", c->name);
    }
    ordo_cli_help(stdout, c, path);
    return ORDO_EXIT_OK;
}

static int run_help(const ordo_cli_args_t *a)
{
    if (ordo_cli_flag(a, "man"))
        return ordo_cli_man(stdout);
    if (ordo_cli_flag(a, "list"))
        return ordo_cli_list(stdout);
    return help_of(a);
}

static const ordo_cli_cmd_t cmd_help = {
    .name = "help",
    .summary = "help on a command; the manual page; the list of commands",
    .usage = "help [COMMAND [SUBCOMMAND]]\nhelp --man | --list",
    .about = "Prints the help of a command (as COMMAND --help does), the whole manual\n"
             "page as roff (--man; the build installs it as ordo.1), or every command\n"
             "with its options (--list).",
    .examples = "ordo help exp schedule\nordo help --man | man -l -",
    .opts = help_opts,
    .max_pos = 2,
    .flags = ORDO_CLI_OUT,
    .run = run_help,
};

static int run_completion(const ordo_cli_args_t *a)
{
    if (strcmp(a->pos[0], "bash"))
        return ordo_cli_usage("completion", "no completion for '%s' (bash is supported)",
                              a->pos[0]);
    return ordo_cli_completion_bash(stdout);
}

static const ordo_cli_cmd_t cmd_completion = {
    .name = "completion",
    .summary = "shell completion for commands, options and policy names",
    .usage = "completion bash",
    .about = "Prints a bash completion script for ordo's commands, subcommands, options\n"
             "and built-in policy names, made from the same tables as --help.",
    .examples = "source <(ordo completion bash)",
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_OUT,
    .run = run_completion,
};

static const ordo_cli_cmd_t *const commands[] = {
    &ordo_cmd_geo,
    &ordo_cmd_network,
    &ordo_cmd_rate,
    &ordo_cmd_exp,
    &ordo_cmd_log,
    &ordo_cmd_source,
    &ordo_cmd_policy,
    &ordo_cmd_price,
    &ordo_cmd_power,
    &ordo_cmd_outcomes,
    &ordo_cmd_analyze,
    &ordo_cmd_customer,
    &ordo_cmd_inventory,
    &ordo_cmd_serve,
    &ordo_cmd_signals,
    &ordo_cmd_sim,
    &ordo_cmd_store,
    &ordo_cmd_model,
    /* ORDO-CLI-TABLE: add `&ordo_cmd_<name>,` above this line */
    &cmd_version,
    &cmd_help,
    &cmd_completion,
    NULL,
};

const ordo_cli_cmd_t ordo_cli_root = {
    .name = "ordo",
    .summary = "decide which fulfillment node ships each retail order, and A/B test sourcing "
               "policies",
    .usage = "<command> [options]",
    .about = "ordo decides which fulfillment node ships each retail order, and\n"
             "A/B tests sourcing policies with guardrails.\n"
             "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).",
    .examples = "ordo network generate --out net --seed 1\n"
                "ordo source --network net --policy default order.json",
    .subs = commands,
};

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("ordo %s\n", ORDO_VERSION);
        return ORDO_EXIT_OK;
    }
    return ordo_cli_main(argc, argv);
}
