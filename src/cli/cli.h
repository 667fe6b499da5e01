/* ordo CLI — shared helpers for subcommands. The CLI holds no business logic:
 * each subcommand parses flags, calls libordo and prints. */
#ifndef ORDO_CLI_H
#define ORDO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ordo/ordo.h"

/* Exit codes (sysexits-style where one fits). */
enum {
    ORDO_EXIT_OK = 0,
    ORDO_EXIT_FAIL = 1,    /* the command ran and the answer is "no" (verify failed...) */
    ORDO_EXIT_USAGE = 2,   /* bad flags or arguments */
    ORDO_EXIT_DATA = 65,   /* bad input data (EX_DATAERR) */
    ORDO_EXIT_NOINPUT = 66,
    ORDO_EXIT_SOFTWARE = 70,
    ORDO_EXIT_IO = 74,
    ORDO_EXIT_TEMPFAIL = 75 /* busy: try again (EX_TEMPFAIL) */
};

typedef struct ordo_cli_cmd {
    const char *name;     /* "network", "geo", ... */
    const char *summary;  /* one line for `ordo --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} ordo_cli_cmd_t;

/* A subcommand of a command with several ("ordo exp start ..."). */
typedef struct ordo_cli_sub {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} ordo_cli_sub_t;

/* Runs the subcommand argv[1] names, from subs (ended by a {NULL} entry),
 * with argv + 1. No argument: usage to stderr, exit 2; --help, -h or help:
 * usage to stdout, exit 0; an unknown name: a usage error listing them. */
int ordo_cli_dispatch(const char *cmd, const char *usage, const ordo_cli_sub_t *subs, int argc,
                      char **argv);

/* Prints "ordo: <message>" (or JSON {"error":...} when json) to stderr and
 * returns the exit code for the error code. */
int ordo_cli_fail(const ordo_error_t *err, int code, bool json);
/* Usage error: prints "ordo <cmd>: msg\nTry 'ordo <cmd> --help'." */
int ordo_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ordo_cli_exit_code(int ordo_code);
/* --data DIR default: $ORDO_DATA or ./ordo-data */
const char *ordo_cli_default_data_dir(void);
/* true when stderr is a terminal (progress bars) */
bool ordo_cli_isatty_err(void);
/* ordo log show / export / replay (cmd_log_decisions.c); dir is the log
 * directory. */
int ordo_cli_log_show(const char *dir, const char *order_id, bool json);
int ordo_cli_log_export(const char *dir, const char *format, const ordo_log_query_t *q);
int ordo_cli_log_replay(const char *dir, const char *network, const char *policy, bool json,
                        const ordo_log_query_t *q);
/* Prints a finished JSON buffer followed by a newline to stdout. */
void ordo_cli_print_buf(const ordo_buf_t *buf);

#endif
