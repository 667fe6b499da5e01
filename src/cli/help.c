/* SPDX-License-Identifier: Apache-2.0 */
/* ordo CLI — everything said about the commands comes from their tables:
 * --help, the man page (ordo help --man, which the build turns into
 * ordo.1), bash completion (ordo completion bash) and the list of commands
 * with their options (ordo help --list), so none of them can drift. */
#include <string.h>

#include "cli.h"

#ifndef ORDO_VERSION
#define ORDO_VERSION "0.0.0"
#endif

/* Prints text with every line after a '\n' indented by indent spaces. */
static void put_indented(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%*s", indent, "");
    }
}

/* Prints each line of text after first (the first line) or rest; a line
 * that starts with a space continues the one before, under its text. */
static void put_lines(FILE *out, const char *text, const char *first, const char *rest)
{
    const char *p = text;
    for (int i = 0; *p; i++) {
        size_t n = strcspn(p, "\n");
        const char *prefix = i ? rest : first;
        if (i && p[0] == ' ')
            fprintf(out, "%*s%.*s\n", (int)strlen(first), "", (int)n, p);
        else
            fprintf(out, "%s%.*s\n", prefix, (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

static void help_options(FILE *out, const ordo_cli_cmd_t *cmd)
{
    const ordo_cli_opt_t *opts[ORDO_CLI_MAX_OPTS];
    int n = ordo_cli_opts_of(cmd, opts, ORDO_CLI_MAX_OPTS);
    fprintf(out, "\nOptions:\n");
    for (int i = 0; i < n; i++) {
        char left[64];
        const ordo_cli_opt_t *o = opts[i];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        if (strlen(left) > 22)
            fprintf(out, "  %s\n  %-22s ", left, "");
        else
            fprintf(out, "  %-22s ", left);
        put_indented(out, o->help, 25);
        fputc('\n', out);
    }
}

void ordo_cli_help(FILE *out, const ordo_cli_cmd_t *cmd, const char *path)
{
    bool root = cmd == &ordo_cli_root;
    put_lines(out, cmd->usage, "Usage: ordo ", "       ordo ");
    if (cmd->about && *cmd->about) {
        fputc('\n', out);
        put_lines(out, cmd->about, "", "");
    }
    if (cmd->subs) {
        fprintf(out, "\n%s:\n", root ? "Commands" : "Subcommands");
        for (const ordo_cli_cmd_t *const *s = cmd->subs; *s; s++)
            fprintf(out, "  %-16s %s\n", (*s)->name, (*s)->summary);
    } else {
        help_options(out, cmd);
    }
    fprintf(out, "\nExamples:\n");
    put_lines(out, cmd->examples, "  $ ", "  $ ");
    if (cmd->subs)
        fprintf(out, "\nRun 'ordo %s%s<%s> --help' for its options and examples.\n",
                root ? "" : path, root ? "" : " ", root ? "command" : "subcommand");
}

/* ---- the man page ---- */

/* roff-escapes one line: backslashes, hyphens, a leading dot or quote */
static void man_text(FILE *out, const char *p, size_t n)
{
    if (n && (p[0] == '.' || p[0] == '\''))
        fputs("\\&", out);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\')
            fputs("\\e", out);
        else if (p[i] == '-')
            fputs("\\-", out);
        else
            fputc(p[i], out);
    }
}

static void man_lines(FILE *out, const char *text, const char *prefix)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fputs(prefix, out);
        man_text(out, p, n);
        fputc('\n', out);
        p += n;
        if (*p)
            p++;
    }
}

/* Usage lines after "ordo "; a continuation line (a leading space) is
 * indented as far instead. */
static void man_usage(FILE *out, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fputs(p[0] == ' ' ? "     " : "ordo ", out);
        man_text(out, p, n);
        fputc('\n', out);
        p += n;
        if (*p)
            p++;
    }
}

/* Prose reflows; a line that starts with a space (a small table) stays. */
static void man_about(FILE *out, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        bool keep = p[0] == ' ';
        if (keep)
            fputs(".nf\n", out);
        man_text(out, p, n);
        fputc('\n', out);
        if (keep)
            fputs(".fi\n", out);
        p += n;
        if (*p)
            p++;
    }
}

static void man_command(FILE *out, const ordo_cli_cmd_t *cmd, const char *path)
{
    fprintf(out, ".SS \"ordo ");
    man_text(out, path, strlen(path));
    fprintf(out, "\"\n");
    man_lines(out, cmd->summary, "");
    fprintf(out, ".PP\n.nf\n");
    man_usage(out, cmd->usage);
    fprintf(out, ".fi\n");
    if (cmd->about && *cmd->about) {
        fprintf(out, ".PP\n");
        man_about(out, cmd->about);
    }
    const ordo_cli_opt_t *opts[ORDO_CLI_MAX_OPTS];
    int n = ordo_cli_opts_of(cmd, opts, ORDO_CLI_MAX_OPTS);
    for (int i = 0; i < n; i++) {
        fprintf(out, ".TP\n\\fB\\-\\-");
        man_text(out, opts[i]->name, strlen(opts[i]->name));
        fprintf(out, "\\fR");
        if (opts[i]->arg) {
            fprintf(out, " \\fI");
            man_text(out, opts[i]->arg, strlen(opts[i]->arg));
            fprintf(out, "\\fR");
        }
        fputc('\n', out);
        man_lines(out, opts[i]->help, "");
    }
    fprintf(out, ".PP\nExample:\n.PP\n.nf\n.RS\n");
    man_lines(out, cmd->examples, "");
    fprintf(out, ".RE\n.fi\n");
}

static void man_walk(FILE *out, const ordo_cli_cmd_t *cmd, const char *path)
{
    for (const ordo_cli_cmd_t *const *s = cmd->subs; *s; s++) {
        char p[128];
        snprintf(p, sizeof p, "%s%s%s", path, *path ? " " : "", (*s)->name);
        if ((*s)->subs)
            man_walk(out, *s, p);
        else
            man_command(out, *s, p);
    }
}

int ordo_cli_man(FILE *out)
{
    const ordo_cli_cmd_t *r = &ordo_cli_root;
    fprintf(out, ".TH ORDO 1 \"\" \"ordo %s\" \"User Commands\"\n.SH NAME\nordo \\- ",
            ORDO_VERSION);
    man_lines(out, r->summary, "");
    fprintf(out, ".SH SYNOPSIS\n.nf\n");
    man_usage(out, r->usage);
    fprintf(out, ".fi\n.SH DESCRIPTION\n");
    man_lines(out, r->about, "");
    fprintf(out, ".SH COMMANDS\n");
    man_walk(out, r, "");
    fprintf(out, ".SH EXIT STATUS\n");
    static const char *const codes[][2] = {
        {"0", "success"},
        {"1", "a negative answer (a log that fails verification, a breached guardrail)"},
        {"2", "bad usage: an unknown option or command, a missing or malformed argument"},
        {"65", "bad input data"},
        {"66", "missing input: a file or directory that does not exist"},
        {"70", "internal error"},
        {"73", "an output cannot be created"},
        {"74", "an I/O error: a read or a write failed"},
        {"75", "busy: another process holds the resource; try again"}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        fprintf(out, ".TP\n.B %s\n%s\n", codes[i][0], codes[i][1]);
    fprintf(out, ".SH ENVIRONMENT\n.TP\n.B ORDO_DATA\nthe data directory when \\-\\-data "
                 "is not given (default ./ordo\\-data)\n");
    return ferror(out) ? ORDO_EXIT_IO : ORDO_EXIT_OK;
}

/* ---- bash completion ---- */

static void comp_opts(FILE *out, const ordo_cli_cmd_t *cmd, bool with_value)
{
    const ordo_cli_opt_t *opts[ORDO_CLI_MAX_OPTS];
    int n = ordo_cli_opts_of(cmd, opts, ORDO_CLI_MAX_OPTS);
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (with_value && !opts[i]->arg)
            continue;
        fprintf(out, "%s--%s", first ? "" : " ", opts[i]->name);
        first = false;
    }
}

static void comp_walk(FILE *out, const ordo_cli_cmd_t *cmd, const char *path)
{
    if (cmd->subs) {
        fprintf(out, "    [\"%s\"]=\"", path);
        for (const ordo_cli_cmd_t *const *s = cmd->subs; *s; s++)
            fprintf(out, "%s%s", s == cmd->subs ? "" : " ", (*s)->name);
        fprintf(out, "\"\n");
        for (const ordo_cli_cmd_t *const *s = cmd->subs; *s; s++) {
            char p[128];
            snprintf(p, sizeof p, "%s %s", path, (*s)->name);
            comp_walk(out, *s, p);
        }
        return;
    }
    fprintf(out, "    [\"%s:opts\"]=\"", path);
    comp_opts(out, cmd, false);
    fprintf(out, "\"\n    [\"%s:vals\"]=\"", path);
    comp_opts(out, cmd, true);
    fprintf(out, "\"\n");
}

int ordo_cli_completion_bash(FILE *out)
{
    fprintf(out, "# bash completion for ordo, generated by 'ordo completion bash'\n"
                 "declare -gA _ordo_tree=(\n");
    comp_walk(out, &ordo_cli_root, "ordo");
    fprintf(out, ")\n_ordo_policies=\"");
    for (const char *const *p = ordo_policy_builtin_names(); *p; p++)
        fprintf(out, "%s%s", p == ordo_policy_builtin_names() ? "" : " ", *p);
    fprintf(out, "\"\n");
    fputs("_ordo() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local path=ordo i w\n"
          "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
          "        w=${COMP_WORDS[i]}\n"
          "        if [[ -n ${_ordo_tree[$path]+x} && \" ${_ordo_tree[$path]} \" == *\" $w \"* ]]; "
          "then\n"
          "            path=\"$path $w\"\n"
          "        fi\n"
          "    done\n"
          "    if [[ $prev == --policy ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$_ordo_policies\" -- \"$cur\") $(compgen -f -- "
          "\"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [[ \" ${_ordo_tree[$path:vals]} \" == *\" $prev \"* ]]; then\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    if [[ -n ${_ordo_tree[$path]+x} ]]; then\n"
          "        COMPREPLY=($(compgen -W \"${_ordo_tree[$path]} --help\" -- \"$cur\"))\n"
          "    elif [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"${_ordo_tree[$path:opts]}\" -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -F _ordo ordo\n",
          out);
    return ferror(out) ? ORDO_EXIT_IO : ORDO_EXIT_OK;
}

/* ---- the command list: "path<TAB>--opt --opt=ARG ..." per command ---- */

static void list_walk(FILE *out, const ordo_cli_cmd_t *cmd, const char *path)
{
    for (const ordo_cli_cmd_t *const *s = cmd->subs; *s; s++) {
        char p[128];
        snprintf(p, sizeof p, "%s%s%s", path, *path ? " " : "", (*s)->name);
        if ((*s)->subs) {
            fprintf(out, "%s\t(group)\n", p);
            list_walk(out, *s, p);
            continue;
        }
        const ordo_cli_opt_t *opts[ORDO_CLI_MAX_OPTS];
        int n = ordo_cli_opts_of(*s, opts, ORDO_CLI_MAX_OPTS);
        fprintf(out, "%s\t", p);
        for (int i = 0; i < n; i++)
            fprintf(out, "%s--%s%s%s", i ? " " : "", opts[i]->name, opts[i]->arg ? "=" : "",
                    opts[i]->arg ? opts[i]->arg : "");
        fputc('\n', out);
    }
}

int ordo_cli_list(FILE *out)
{
    list_walk(out, &ordo_cli_root, "");
    return ORDO_EXIT_OK;
}
