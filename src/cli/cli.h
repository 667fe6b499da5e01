/* SPDX-License-Identifier: Apache-2.0 */
/* ordo CLI — the shared option parser, dispatcher and helpers. The CLI holds
 * no business logic: each command declares its options in a table
 * (ordo_cli_cmd_t), the one parser (args.c) reads argv against it, and the
 * command's run() calls libordo and prints. The same tables give --help, the
 * man page (ordo help --man), bash completion (ordo completion bash) and the
 * command list the tests walk (ordo help --list). */
#ifndef ORDO_CLI_H
#define ORDO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ordo/ordo.h"

/* Exit codes (sysexits-style where one fits); README has the table. */
enum {
    ORDO_EXIT_OK = 0,
    ORDO_EXIT_FAIL = 1,      /* the command ran and the answer is "no" (verify failed...) */
    ORDO_EXIT_USAGE = 2,     /* bad flags or arguments */
    ORDO_EXIT_DATA = 65,     /* bad input data (EX_DATAERR) */
    ORDO_EXIT_NOINPUT = 66,  /* missing input (EX_NOINPUT) */
    ORDO_EXIT_SOFTWARE = 70, /* internal error (EX_SOFTWARE) */
    ORDO_EXIT_CANTCREAT = 73, /* an output cannot be created (EX_CANTCREAT) */
    ORDO_EXIT_IO = 74,       /* a read or write failed (EX_IOERR) */
    ORDO_EXIT_TEMPFAIL = 75  /* busy: try again (EX_TEMPFAIL) */
};

/* One option of a command. */
typedef struct ordo_cli_opt {
    const char *name;  /* long name without "--"; NULL ends a table */
    char short_name;   /* 0: none */
    const char *arg;   /* the value's placeholder ("DIR"); NULL: a flag without value */
    const char *help;  /* one line (may wrap with '\n') */
} ordo_cli_opt_t;

#define ORDO_CLI_MAX_OPTS 40

struct ordo_cli_cmd;

/* What the parser read: option values by name, and the positional
 * arguments (in order, options removed). */
typedef struct ordo_cli_args {
    const struct ordo_cli_cmd *cmd;
    char path[64];                          /* "exp schedule" */
    const ordo_cli_opt_t *opts[ORDO_CLI_MAX_OPTS]; /* the command's, then the shared ones */
    const char *val[ORDO_CLI_MAX_OPTS];     /* NULL: not given; a flag given: "" */
    int n_opts;
    int npos;
    char **pos;
    bool json; /* --json was given */
} ordo_cli_args_t;

/* Flags of a command. */
enum {
    ORDO_CLI_RESULT = 1 << 0, /* prints a result: takes --json and --out FILE ('-': stdout) */
    ORDO_CLI_OUT = 1 << 1,    /* prints text that has no JSON form: takes --out FILE only */
};

/* A command, or a group of subcommands ("ordo exp ..."). */
typedef struct ordo_cli_cmd {
    const char *name;     /* "schedule" */
    const char *summary;  /* one line for the parent's list */
    const char *usage;    /* usage lines without "ordo ", '\n' between them */
    const char *about;    /* what it does, paragraphs */
    const char *examples; /* command lines, '\n' between them (at least one) */
    const ordo_cli_opt_t *opts; /* ended by {NULL}; may be NULL */
    int min_pos, max_pos; /* positional arguments; max_pos -1: any number */
    unsigned flags;       /* ORDO_CLI_* */
    int (*run)(const ordo_cli_args_t *a);   /* NULL for a group */
    const struct ordo_cli_cmd *const *subs; /* a group's subcommands, NULL-ended */
} ordo_cli_cmd_t;

/* The whole command tree ("ordo"), main.c. */
extern const ordo_cli_cmd_t ordo_cli_root;

/* Parses argv (argv[0] is the program) against the tree, runs the command
 * and returns its exit code; the one entry point of main(). */
int ordo_cli_main(int argc, char **argv);

/* The options cmd takes, in help order: its own, then the shared --json
 * and --out (result commands), then --help. Returns how many. */
int ordo_cli_opts_of(const ordo_cli_cmd_t *cmd, const ordo_cli_opt_t **list, int max);
/* An option's value (NULL when not given); for a flag, whether given. */
const char *ordo_cli_get(const ordo_cli_args_t *a, const char *name);
bool ordo_cli_flag(const ordo_cli_args_t *a, const char *name);

/* help.c: --help text, the man page, bash completion and the command list,
 * all from the tables. */
void ordo_cli_help(FILE *out, const ordo_cli_cmd_t *cmd, const char *path);
int ordo_cli_man(FILE *out);
int ordo_cli_completion_bash(FILE *out);
int ordo_cli_list(FILE *out);

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

/* Loads a policy file or built-in as ordo_policy_load does; a name that is
 * neither but a near miss of a built-in gets "did you mean ...?". */
int ordo_cli_policy_load(const char *arg, ordo_policy_t **out, ordo_error_t *err);
/* Loads a network as ordo_network_load does; when dir is not a network but
 * a subdirectory of it is, the error names that subdirectory. */
int ordo_cli_network_load(const char *dir, ordo_network_t **out, ordo_error_t *err);
/* The data directory records the network it serves (CONTRACTS: "records
 * which network it came from"): `ordo source --data DIR --network NET`
 * stores NET's absolute path in DIR's store (document kind "datadir", id
 * "network") when it differs from the recorded one. Commands that need the
 * network of a data directory (`ordo signals`) take --network or, without
 * it, the recorded one: ordo_cli_data_network fills out (size n) with it,
 * or fails naming --network when DIR has none. */
int ordo_cli_data_network_record(const char *data, const char *network, ordo_error_t *err);
int ordo_cli_data_network(const char *data, const char *given, char *out, size_t n,
                          ordo_error_t *err);
/* " (did you mean 'x'?)" into buf when word is a near miss of one of the
 * candidates, else "". Returns buf. */
const char *ordo_cli_did_you_mean(const char *word, const char *const *candidates, char *buf,
                                  size_t n);

/* output.c: the one place an output is opened. Standard output goes to
 * path ('-' or NULL: left alone) until ordo_cli_output_end. A regular file
 * (or a new one) is written to a temporary file beside it and renamed into
 * place only on success; anything else (a FIFO, a device, a symlink's
 * target) is written through and never replaced. */
typedef struct ordo_cli_output {
    bool active;
    bool atomic;
    int saved_fd;
    char path[4096]; /* the file written (a symlink resolved) */
    char tmp[4160];
} ordo_cli_output_t;

/* 0, or the exit code (73: cannot be created) after printing why. */
int ordo_cli_output_begin(ordo_cli_output_t *o, const char *path);
/* Flushes standard output; commit renames into place (atomic), else the
 * temporary file is removed; a run that ends with 65 (bad input data) but
 * wrote output (a batch with error lines) is committed too. Returns
 * exit_code, or 74 on a write error. */
int ordo_cli_output_end(ordo_cli_output_t *o, int exit_code, bool commit);

/* ordo log show / export / replay (cmd_log_decisions.c); dir is the log
 * directory. */
int ordo_cli_log_show(const char *dir, const char *order_id, bool json);
/* jobs: threads formatting ranges of the log (1: one pass; the bytes are
 * the same either way); ordo_cli_log_export_jobs(): the default, the
 * online CPUs, at most 16. */
int ordo_cli_log_export(const char *dir, const char *format, const ordo_log_query_t *q,
                        unsigned jobs);
unsigned ordo_cli_log_export_jobs(void);
int ordo_cli_log_replay(const char *dir, const char *data, const char *network,
                        const char *policy, bool json, const ordo_log_query_t *q);
/* One experiment as `ordo exp show --json` and `exp list --json` print it
 * (cmd_exp.c); result: the stored conclusion document or NULL. ordo serve
 * answers with the same. */
void ordo_cli_exp_write_full(const ordo_exp_t *e, const char *result, size_t result_len,
                             ordo_jsonw_t *w);
/* The event stream (cmd_log_tail.c): `ordo log tail` prints these lines,
 * GET /v1/events sends them. One line per decision or shadow record:
 * {"seq","type","record"}; false (nothing written) for other records. */
bool ordo_cli_event_line(const ordo_log_record_t *rec, ordo_buf_t *out);
/* kind: "decision", "shadow" or "outcome"; seq: the log's sequence number
 * of a record, the store's outcome change number of an outcome. */
typedef void (*ordo_cli_event_fn)(void *ctx, uint64_t seq, const char *kind,
                                  const ordo_buf_t *line);
/* Kinds of event a stream carries (a mask). */
enum { ORDO_CLI_EV_DECISION = 1, ORDO_CLI_EV_SHADOW = 2, ORDO_CLI_EV_OUTCOME = 4 };
/* "decision,shadow,outcome" (any of them, comma-separated) into *mask;
 * false when a name is not one of them. */
bool ordo_cli_event_kinds(const char *list, unsigned *mask);
/* Calls fn for each event line of the kinds in mask (decision, shadow)
 * from from_seq on, until the end of the log or until about max_bytes
 * were handed over; *next_seq: where to resume. */
int ordo_cli_events_read(const char *log_dir, uint64_t from_seq, unsigned mask, size_t max_bytes,
                         ordo_cli_event_fn fn, void *ctx, uint64_t *next_seq, ordo_error_t *err);
/* The outcome side of the stream: the orders whose outcomes changed after
 * change number since, read from the first max_changes changes on, each
 * once, at its last change among them, in change order, as one line
 * {"outcome_seq", "type": "outcome", "outcome": the order's summary with
 * its shipments, as `ordo outcomes show --json`}. *next_since: where to
 * resume (the last change read). Resuming after any line's outcome_seq
 * misses nothing: an order that changed later is sent again. */
int ordo_cli_outcomes_read(ordo_store_t *store, uint64_t since, size_t max_changes,
                           ordo_cli_event_fn fn, void *ctx, uint64_t *next_since,
                           ordo_error_t *err);
/* The built-in policies as `ordo policy list --json` prints them (without
 * the newline), into b (cmd_policy.c); GET /v1/policies answers the same. */
int ordo_cli_policy_list_json(ordo_buf_t *b);
/* The error line of a batch ({"line","error":{code,message,field}}) that
 * `ordo source` prints for a bad order, into b (cmd_source.c);
 * POST /v1/source:batch answers the same. */
void ordo_cli_line_error(ordo_buf_t *b, long line, const ordo_error_t *err, int rc);
/* ordo log checkpoint / archive (cmd_log_checkpoint.c); dir is the log
 * directory. A --public-key argument: 64 hex digits or a .pub file. */
int ordo_cli_log_checkpoint(const char *dir, const char *at, const char *key, bool json);
int ordo_cli_log_archive(const char *dir, const char *before, const char *to, const char *pubkey,
                         bool json);
int ordo_cli_log_public_key(const char *arg, uint8_t pk[ORDO_LOG_PK_BYTES], bool json);
/* Loads a learned ETA model file against net and hands its lane table to
 * the engine (cmd_model.c): `ordo source --eta-model`, `ordo serve`. */
int ordo_cli_eta_model_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *path,
                             ordo_error_t *err);
/* Prints a finished JSON buffer followed by a newline to stdout. */
void ordo_cli_print_buf(const ordo_buf_t *buf);

/* Prints one JSON object that fill writes (cmd_store.c). */
void ordo_cli_print_obj(void (*fill)(ordo_jsonw_t *w, const void *ctx), const void *ctx);

/* ordo analyze DIR --from postgres: PostgreSQL's decision_log (every
 * instance's shipped records) copied into the data directory DIR/fleet
 * (path into fleet), whose store is that PostgreSQL (dsn NULL: DIR's). */
int ordo_cli_analyze_fleet(const char *dir, const char *dsn, char *fleet, size_t n,
                           uint64_t *records, ordo_error_t *err);

#endif
