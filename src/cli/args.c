/* SPDX-License-Identifier: Apache-2.0 */
/* ordo CLI — the one option parser and dispatcher. Every command declares
 * its options in its ordo_cli_cmd_t; this file reads argv against that
 * table: --help, unknown options (reported once, with a near miss
 * suggested), missing values, the number of positional arguments, and the
 * shared --json and --out of commands that print a result. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const ordo_cli_opt_t help_opt = {"help", 'h', NULL, "print this help, with examples"};
static const ordo_cli_opt_t json_opt = {"json", 0, NULL, "print the result as JSON"};
static const ordo_cli_opt_t out_opt = {"out", 0, "FILE",
                                       "write the result to FILE ('-': standard output)"};

/* The command's options, then --json and --out (a result command that does
 * not declare its own), then --help. */
int ordo_cli_opts_of(const ordo_cli_cmd_t *cmd, const ordo_cli_opt_t **list, int max)
{
    int n = 0;
    bool has_json = false, has_out = false;
    for (const ordo_cli_opt_t *o = cmd->opts; o && o->name && n < max - 3; o++) {
        has_json |= !strcmp(o->name, "json");
        has_out |= !strcmp(o->name, "out");
        list[n++] = o;
    }
    if ((cmd->flags & ORDO_CLI_RESULT) && !has_json)
        list[n++] = &json_opt;
    if ((cmd->flags & (ORDO_CLI_RESULT | ORDO_CLI_OUT)) && !has_out)
        list[n++] = &out_opt;
    list[n++] = &help_opt;
    return n;
}

static int find_opt(const ordo_cli_args_t *a, const char *name, size_t len)
{
    for (int i = 0; i < a->n_opts; i++)
        if (strlen(a->opts[i]->name) == len && !strncmp(a->opts[i]->name, name, len))
            return i;
    return -1;
}

static int find_short(const ordo_cli_args_t *a, char c)
{
    for (int i = 0; i < a->n_opts; i++)
        if (a->opts[i]->short_name && a->opts[i]->short_name == c)
            return i;
    return -1;
}

const char *ordo_cli_get(const ordo_cli_args_t *a, const char *name)
{
    int i = find_opt(a, name, strlen(name));
    return i < 0 ? NULL : a->val[i];
}

bool ordo_cli_flag(const ordo_cli_args_t *a, const char *name)
{
    return ordo_cli_get(a, name) != NULL;
}

const char *ordo_cli_did_you_mean(const char *word, const char *const *candidates, char *buf,
                                  size_t n)
{
    const char *near = ordo_suggest(word, candidates);
    if (near)
        snprintf(buf, n, " (did you mean '%s'?)", near);
    else if (n)
        buf[0] = 0;
    return buf;
}

static int unknown_option(const ordo_cli_args_t *a, const char *arg)
{
    const char *names[ORDO_CLI_MAX_OPTS + 1];
    for (int i = 0; i < a->n_opts; i++)
        names[i] = a->opts[i]->name;
    names[a->n_opts] = NULL;
    char word[128];
    size_t l = strcspn(arg, "=");
    snprintf(word, sizeof word, "%.*s", (int)(l < 100 ? l : 100), arg + (arg[1] == '-' ? 2 : 1));
    const char *near = ordo_suggest(word, names);
    if (near)
        return ordo_cli_usage(a->path, "unknown option '%s' (did you mean '--%s'?)", arg, near);
    return ordo_cli_usage(a->path, "unknown option '%s'", arg);
}

/* "-5" and "-" are arguments, not options */
static bool is_option(const char *s)
{
    return s[0] == '-' && s[1] && !(s[1] >= '0' && s[1] <= '9') && !(s[1] == '.');
}

/* Reads one option at argv[*i]; 0, or an exit code. */
static int take_option(ordo_cli_args_t *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    int k;
    const char *inline_val = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        k = find_opt(a, name, eq ? (size_t)(eq - name) : strlen(name));
        inline_val = eq ? eq + 1 : NULL;
    } else {
        k = arg[2] ? -1 : find_short(a, arg[1]);
    }
    if (k < 0)
        return unknown_option(a, arg);
    const ordo_cli_opt_t *o = a->opts[k];
    if (!o->arg) {
        if (inline_val)
            return ordo_cli_usage(a->path, "option '--%s' takes no value", o->name);
        a->val[k] = "";
        return 0;
    }
    if (inline_val) {
        a->val[k] = inline_val;
        return 0;
    }
    if (*i + 1 >= argc)
        return ordo_cli_usage(a->path, "option '--%s' needs a value (%s)", o->name, o->arg);
    a->val[k] = argv[++*i];
    return 0;
}

/* -1 when --help was given (and printed), an exit code on a usage error,
 * 0 when a is ready. argv[0] is the command's name. */
static int parse_leaf(ordo_cli_args_t *a, int argc, char **argv)
{
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || !is_option(s)) {
            a->pos[a->npos++] = argv[i];
            continue;
        }
        if (!strcmp(s, "--")) {
            only_pos = true;
            continue;
        }
        int rc = take_option(a, argc, argv, &i);
        if (rc)
            return rc;
        if (ordo_cli_flag(a, "help")) {
            ordo_cli_help(stdout, a->cmd, a->path);
            return -1;
        }
    }
    const ordo_cli_cmd_t *c = a->cmd;
    if (a->npos < c->min_pos)
        return ordo_cli_usage(a->path, "missing argument: usage: ordo %.*s",
                              (int)strcspn(c->usage, "\n"), c->usage);
    if (c->max_pos >= 0 && a->npos > c->max_pos)
        return ordo_cli_usage(a->path, "unexpected argument '%s'", a->pos[c->max_pos]);
    a->json = ordo_cli_flag(a, "json");
    return 0;
}

static int run_leaf(const ordo_cli_cmd_t *cmd, const char *path, int argc, char **argv)
{
    ordo_cli_args_t a;
    memset(&a, 0, sizeof a);
    a.cmd = cmd;
    snprintf(a.path, sizeof a.path, "%s", path);
    a.n_opts = ordo_cli_opts_of(cmd, a.opts, ORDO_CLI_MAX_OPTS);
    a.pos = calloc((size_t)argc + 1, sizeof *a.pos);
    if (!a.pos)
        return ordo_cli_fail(NULL, ORDO_ENOMEM, false);
    int rc = parse_leaf(&a, argc, argv);
    if (rc) {
        free(a.pos);
        return rc < 0 ? ORDO_EXIT_OK : rc;
    }
    /* --out FILE of a result command is the shared one; a command that
     * declares its own --out (a directory) handles it itself */
    const char *out = NULL;
    int k = find_opt(&a, "out", 3);
    if (k >= 0 && a.opts[k] == &out_opt)
        out = a.val[k];
    ordo_cli_output_t o;
    rc = ordo_cli_output_begin(&o, out);
    if (rc == 0) {
        rc = cmd->run(&a);
        rc = ordo_cli_output_end(&o, rc, rc == ORDO_EXIT_OK || rc == ORDO_EXIT_FAIL);
    }
    free(a.pos);
    return rc;
}

static const ordo_cli_cmd_t *find_sub(const ordo_cli_cmd_t *group, const char *name)
{
    for (const ordo_cli_cmd_t *const *s = group->subs; *s; s++)
        if (!strcmp((*s)->name, name))
            return *s;
    return NULL;
}

static int unknown_sub(const ordo_cli_cmd_t *group, const char *path, const char *name)
{
    const char *names[64];
    int n = 0;
    for (const ordo_cli_cmd_t *const *s = group->subs; *s && n < 63; s++)
        names[n++] = (*s)->name;
    names[n] = NULL;
    char hint[96];
    ordo_cli_did_you_mean(name, names, hint, sizeof hint);
    bool root = group == &ordo_cli_root;
    fprintf(stderr, "ordo%s%s: unknown %s '%s'%s\nTry 'ordo%s%s --help'.\n", root ? "" : " ",
            root ? "" : path, root ? "command" : "subcommand", name, hint, root ? "" : " ",
            root ? "" : path);
    return ORDO_EXIT_USAGE;
}

static int dispatch(const ordo_cli_cmd_t *cmd, const char *path, int argc, char **argv);

/* A group: the first argument that is not an option names the subcommand;
 * options before it go to the subcommand too. */
static int dispatch_group(const ordo_cli_cmd_t *cmd, const char *path, int argc, char **argv)
{
    int at = 1;
    bool help = false;
    while (at < argc && is_option(argv[at])) {
        help |= !strcmp(argv[at], "--help") || !strcmp(argv[at], "-h");
        at++;
    }
    if (help || (at < argc && !strcmp(argv[at], "help") && !find_sub(cmd, "help"))) {
        ordo_cli_help(stdout, cmd, path);
        return ORDO_EXIT_OK;
    }
    if (at == argc && at > 1) /* options, and no subcommand to take them */
        return ordo_cli_usage(cmd == &ordo_cli_root ? "" : path,
                              "unknown option '%s' (expected a %s first)", argv[1],
                              cmd == &ordo_cli_root ? "command" : "subcommand");
    if (at == argc) {
        ordo_cli_help(stderr, cmd, path);
        return ORDO_EXIT_USAGE;
    }
    const ordo_cli_cmd_t *sub = find_sub(cmd, argv[at]);
    if (!sub)
        return unknown_sub(cmd, path, argv[at]);
    char **sargv = malloc(sizeof *sargv * (size_t)(argc + 1));
    if (!sargv)
        return ordo_cli_fail(NULL, ORDO_ENOMEM, false);
    int n = 0;
    sargv[n++] = argv[at];
    for (int i = 1; i < argc; i++)
        if (i != at)
            sargv[n++] = argv[i];
    sargv[n] = NULL;
    char spath[64];
    if (cmd == &ordo_cli_root)
        snprintf(spath, sizeof spath, "%s", sub->name);
    else
        snprintf(spath, sizeof spath, "%s %s", path, sub->name);
    int rc = dispatch(sub, spath, n, sargv);
    free(sargv);
    return rc;
}

static int dispatch(const ordo_cli_cmd_t *cmd, const char *path, int argc, char **argv)
{
    if (cmd->subs)
        return dispatch_group(cmd, path, argc, argv);
    return run_leaf(cmd, path, argc, argv);
}

int ordo_cli_main(int argc, char **argv)
{
    return dispatch(&ordo_cli_root, "ordo", argc, argv);
}
