/* ordo — the command-line front end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef ORDO_VERSION
#define ORDO_VERSION "0.0.0"
#endif

/* Each subcommand lives in its own cmd_<name>.c. */
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
/* ORDO-CLI-DECLS: add `extern const ordo_cli_cmd_t ordo_cmd_<name>;` above this line */

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
    /* ORDO-CLI-TABLE: add `&ordo_cmd_<name>,` above this line */
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "Usage: ordo <command> [options]\n\n"
                 "ordo decides which fulfillment node ships each retail order, and\n"
                 "A/B tests sourcing policies with guardrails.\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "  %-12s %s\n", "version", "print the version");
    fprintf(out, "\nRun 'ordo <command> --help' for a command's options.\n"
                 "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ORDO_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return ORDO_EXIT_OK;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("ordo %s\n", ORDO_VERSION);
        return ORDO_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(name, commands[i]->name))
            return commands[i]->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "ordo: unknown command '%s'\nTry 'ordo --help'.\n", name);
    return ORDO_EXIT_USAGE;
}

/* ---- shared helpers (cli.h) ---- */

int ordo_cli_exit_code(int code)
{
    switch (code) {
    case ORDO_OK:
        return ORDO_EXIT_OK;
    case ORDO_EPARSE:
    case ORDO_EINVAL:
    case ORDO_ERANGE:
    case ORDO_EEXIST:
    case ORDO_ENOTFOUND:
    case ORDO_ECORRUPT:
        return ORDO_EXIT_DATA;
    case ORDO_ENOENT:
        return ORDO_EXIT_NOINPUT;
    case ORDO_EIO:
    case ORDO_ENOSPC:
        return ORDO_EXIT_IO;
    case ORDO_EBUSY:
        return ORDO_EXIT_TEMPFAIL;
    default:
        return ORDO_EXIT_FAIL;
    }
}

int ordo_cli_fail(const ordo_error_t *err, int code, bool json)
{
    char msg[1024];
    if (err && err->code != ORDO_OK)
        ordo_error_format(err, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "%s", ordo_strerror(code));
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_key(&w, "error");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "code", ordo_errname(code));
        ordo_jsonw_kstr(&w, "message", err && err->code ? err->msg : ordo_strerror(code));
        if (err && err->file[0])
            ordo_jsonw_kstr(&w, "file", err->file);
        if (err && err->line)
            ordo_jsonw_kint(&w, "line", err->line);
        if (err && err->field[0])
            ordo_jsonw_kstr(&w, "field", err->field);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        fprintf(stderr, "%s\n", b.data ? b.data : "");
        ordo_buf_free(&b);
    } else {
        fprintf(stderr, "ordo: %s\n", msg);
    }
    return ordo_cli_exit_code(code);
}

int ordo_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ordo %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'ordo %s --help'.\n", cmd);
    va_end(ap);
    return ORDO_EXIT_USAGE;
}

int ordo_cli_dispatch(const char *cmd, const char *usage, const ordo_cli_sub_t *subs, int argc,
                      char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return ORDO_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(usage, stdout);
        return ORDO_EXIT_OK;
    }
    char names[512];
    size_t n = 0;
    names[0] = 0;
    for (const ordo_cli_sub_t *s = subs; s->name; s++) {
        if (!strcmp(sub, s->name))
            return s->run(argc - 1, argv + 1);
        if (n < sizeof names)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", s->name);
    }
    return ordo_cli_usage(cmd, "unknown subcommand '%s' (%s)", sub, names);
}

const char *ordo_cli_default_data_dir(void)
{
    const char *d = getenv("ORDO_DATA");
    return d && *d ? d : "./ordo-data";
}

bool ordo_cli_isatty_err(void)
{
    return isatty(STDERR_FILENO) == 1;
}

void ordo_cli_print_buf(const ordo_buf_t *buf)
{
    if (buf->len)
        fwrite(buf->data, 1, buf->len, stdout);
    fputc('\n', stdout);
}
