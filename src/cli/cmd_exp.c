/* ordo exp — experiments from the command line: the registry (create,
 * lifecycle, kill switch, history, list, show), assignment (assign, hash)
 * and switchback schedules. docs/experiments.md has the document format and
 * the lifecycle; docs/internals/ASSIGNMENT.md the assignment rules. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/exp.h"

static const char exp_usage[] =
    "Usage: ordo exp <subcommand> [options]\n\n"
    "Experiments: the registry, lifecycle and assignment (docs/experiments.md).\n"
    "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).\n\n"
    "Subcommands:\n"
    "  create FILE            validate an experiment document and store it (draft)\n"
    "  start|pause|stop ID    lifecycle changes, recorded in the audit trail\n"
    "  kill ID                the kill switch: all its traffic back to control\n"
    "  conclude ID            end it; --winner KEY rolls that policy out as default\n"
    "  list                   experiments and their states\n"
    "  show ID                one experiment\n"
    "  history ID             its audit trail (who, when, what, why)\n"
    "  assign ID --unit U     which variant a unit gets, and why\n"
    "  schedule ID            switchback schedule of a stored experiment\n"
    "  schedule --seed ...    switchback schedule from flags\n"
    "  register-policy FILE   make a policy version known to experiments\n"
    "  hash SEED ID VERSION   print GrowthBook's hash(SEED, ID, VERSION), for\n"
    "                         cross-checking against other SDKs\n\n"
    "Run 'ordo exp <subcommand> --help' for its options.\n";

static const char hash_usage[] =
    "Usage: ordo exp hash SEED ID VERSION [--json]\n\n"
    "Prints the raw hash value in [0, 1) that assignment compares with the bucket\n"
    "ranges, computed exactly as the GrowthBook SDKs compute hash(seed, id,\n"
    "version): 32-bit FNV-1a over the UTF-16 code units of the text;\n"
    "  version 1: (fnv(ID + SEED) %% 1000) / 1000\n"
    "  version 2: (fnv(decimal string of fnv(SEED + ID)) %% 10000) / 10000\n"
    "SEED and ID are UTF-8 (either may be empty: \"\").\n\n"
    "  --json   print {\"seed\", \"id\", \"version\", \"hash\"}\n";

static const char schedule_usage[] =
    "Usage: ordo exp schedule --seed S --clusters A,B,... --start TIME --windows N\n"
    "                         --window-hours H [--arms control,treatment]\n"
    "                         [--weights W,W,...] [--burn-in MIN] [--burn-out MIN]\n"
    "                         [--block-size B] [--hash-version 1|2] [--json]\n"
    "       ordo exp schedule ID [--clusters A,B,...] [--data DIR] [--json]\n\n"
    "Prints the switchback schedule: the arm each cluster (region) runs in each\n"
    "time window. The schedule is a pure function of the seed, so it can be\n"
    "printed ahead of time and audited: window w of cluster C runs the arm of\n"
    "hash(S, \"C:w\", version) over the arms' bucket ranges, or, with\n"
    "--block-size, a permuted block per cluster that balances arms over time.\n\n"
    "  --seed S            the experiment's seed (required)\n"
    "  --clusters LIST     comma-separated cluster names, e.g. CA,TX,NY (required)\n"
    "  --start TIME        first window's start, ISO 8601 (2026-11-24T00:00:00Z)\n"
    "  --windows N         number of windows (required)\n"
    "  --window-hours H    window length in hours, may be fractional (required)\n"
    "  --arms LIST         arm names (default control,treatment)\n"
    "  --weights LIST      arm weights summing to 1 (default equal)\n"
    "  --burn-in MIN       minutes at the start of each window excluded from\n"
    "                      analysis (default 0)\n"
    "  --burn-out MIN      minutes at the end of each window excluded (default 0)\n"
    "  --block-size B      balance arms within each cluster in blocks of B\n"
    "                      windows (default 0: independent per window)\n"
    "  --hash-version V    1 or 2 (default 2)\n"
    "  --json              machine output\n\n"
    "With an experiment ID the schedule is the stored switchback experiment's\n"
    "(seed, windows, weights, blocks from its document); --clusters defaults to the\n"
    "50 states and DC, or the four census regions when it switches by region.\n";

static void print_number(double v)
{
    char buf[32];
    ordo_json_format_double(v, buf);
    fputs(buf, stdout);
}

static int cmd_hash(int argc, char **argv)
{
    bool json = false;
    const char *pos[3];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(hash_usage, stdout);
            return ORDO_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--")) {
            for (i++; i < argc; i++) {
                if (npos == 3)
                    return ordo_cli_usage("exp hash", "too many arguments");
                pos[npos++] = argv[i];
            }
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return ordo_cli_usage("exp hash", "unknown option '%s'", argv[i]);
        } else {
            if (npos == 3)
                return ordo_cli_usage("exp hash", "too many arguments");
            pos[npos++] = argv[i];
        }
    }
    if (npos != 3)
        return ordo_cli_usage("exp hash", "expected SEED ID VERSION");
    uint32_t version;
    if (ordo_parse_u32(pos[2], strlen(pos[2]), &version) || (version != 1 && version != 2))
        return ordo_cli_usage("exp hash", "VERSION must be 1 or 2, got '%s'", pos[2]);
    double v;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_exp_hash(pos[0], strlen(pos[0]), pos[1], strlen(pos[1]), (int)version, &v, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "seed", pos[0]);
        ordo_jsonw_kstr(&w, "id", pos[1]);
        ordo_jsonw_kint(&w, "version", version);
        ordo_jsonw_kdouble(&w, "hash", v);
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
        if (rc == ORDO_OK)
            ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
        return rc == ORDO_OK ? ORDO_EXIT_OK : ordo_cli_fail(NULL, rc, json);
    }
    print_number(v);
    putchar('\n');
    return ORDO_EXIT_OK;
}

/* ---- schedule ---- */

#define SCHEDULE_MAX_CELLS 10000000u

/* Splits a comma list in place; empty items are an error. */
static int split_list(char *s, char **items, size_t max, size_t *n)
{
    *n = 0;
    for (char *p = s;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p || *n == max)
            return -1;
        items[(*n)++] = p;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int parse_minutes(const char *flag, const char *s, int64_t *seconds)
{
    double m;
    if (ordo_parse_double(s, strlen(s), &m) || m < 0 || m > 1e9)
        return ordo_cli_usage("exp schedule", "%s wants minutes >= 0, got '%s'", flag, s);
    *seconds = (int64_t)llround(m * 60.0);
    return 0;
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
    ordo_time_format(t, buf, size);
}

typedef struct schedule_args {
    const ordo_exp_switchback_t *sb;
    char **clusters;
    size_t n_clusters;
    char **arms;
    const int *cells; /* [cluster * n_windows + window] */
    uint32_t block_size;
} schedule_args_t;

static void schedule_json(const schedule_args_t *a)
{
    const ordo_exp_switchback_t *sb = a->sb;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    char t0[32], t1[32];
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "seed", sb->seed);
    ordo_jsonw_kint(&w, "hash_version", sb->hash_version);
    ordo_jsonw_kstr(&w, "mode", sb->blocked ? "blocked" : "random");
    if (sb->blocked)
        ordo_jsonw_kint(&w, "block_size", a->block_size);
    fmt_time(sb->start, t0, sizeof t0);
    ordo_jsonw_kstr(&w, "start", t0);
    ordo_jsonw_kint(&w, "window_seconds", sb->window_seconds);
    ordo_jsonw_kint(&w, "windows", sb->n_windows);
    ordo_jsonw_kint(&w, "burn_in_seconds", sb->burn_in_seconds);
    ordo_jsonw_kint(&w, "burn_out_seconds", sb->burn_out_seconds);
    ordo_jsonw_key(&w, "arms");
    ordo_jsonw_arr_begin(&w);
    for (size_t i = 0; i < sb->n_arms; i++)
        ordo_jsonw_str(&w, a->arms[i]);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "weights");
    ordo_jsonw_arr_begin(&w);
    for (size_t i = 0; i < sb->n_arms; i++)
        ordo_jsonw_double(&w, sb->ranges[i].end - sb->ranges[i].start);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "clusters");
    ordo_jsonw_arr_begin(&w);
    for (size_t c = 0; c < a->n_clusters; c++)
        ordo_jsonw_str(&w, a->clusters[c]);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "schedule");
    ordo_jsonw_arr_begin(&w);
    for (uint32_t win = 0; win < sb->n_windows; win++) {
        int64_t ws = sb->start + (int64_t)win * sb->window_seconds;
        int64_t we = ws + sb->window_seconds;
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "window", win);
        fmt_time(ws, t0, sizeof t0);
        fmt_time(we, t1, sizeof t1);
        ordo_jsonw_kstr(&w, "start", t0);
        ordo_jsonw_kstr(&w, "end", t1);
        fmt_time(ws + sb->burn_in_seconds, t0, sizeof t0);
        fmt_time(we - sb->burn_out_seconds, t1, sizeof t1);
        ordo_jsonw_kstr(&w, "analysis_start", t0);
        ordo_jsonw_kstr(&w, "analysis_end", t1);
        ordo_jsonw_key(&w, "arms");
        ordo_jsonw_obj_begin(&w);
        for (size_t c = 0; c < a->n_clusters; c++)
            ordo_jsonw_kstr(&w, a->clusters[c], a->arms[a->cells[c * sb->n_windows + win]]);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "windows_per_arm");
    ordo_jsonw_obj_begin(&w);
    for (size_t c = 0; c < a->n_clusters; c++) {
        ordo_jsonw_key(&w, a->clusters[c]);
        ordo_jsonw_obj_begin(&w);
        for (size_t arm = 0; arm < sb->n_arms; arm++) {
            int64_t n = 0;
            for (uint32_t win = 0; win < sb->n_windows; win++)
                n += a->cells[c * sb->n_windows + win] == (int)arm;
            ordo_jsonw_kint(&w, a->arms[arm], n);
        }
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static void schedule_text(const schedule_args_t *a)
{
    const ordo_exp_switchback_t *sb = a->sb;
    char t0[32], t1[32];
    fmt_time(sb->start, t0, sizeof t0);
    printf("switchback schedule: seed \"%s\", hash version %d, ", sb->seed, sb->hash_version);
    if (sb->blocked)
        printf("permuted blocks of %u windows per cluster\n", a->block_size);
    else
        printf("independent random arm per window\n");
    printf("%u windows of %g h from %s; burn-in %g min, burn-out %g min (excluded from "
           "analysis)\n",
           sb->n_windows, (double)sb->window_seconds / 3600.0, t0,
           (double)sb->burn_in_seconds / 60.0, (double)sb->burn_out_seconds / 60.0);
    printf("arms:");
    for (size_t i = 0; i < sb->n_arms; i++) {
        printf(" %s (", a->arms[i]);
        print_number(sb->ranges[i].end - sb->ranges[i].start);
        printf(")");
    }
    printf("\n\n");
    int width = 10;
    for (size_t i = 0; i < sb->n_arms; i++)
        if ((int)strlen(a->arms[i]) + 2 > width)
            width = (int)strlen(a->arms[i]) + 2;
    for (size_t c = 0; c < a->n_clusters; c++)
        if ((int)strlen(a->clusters[c]) + 2 > width)
            width = (int)strlen(a->clusters[c]) + 2;
    printf("%6s  %-20s  %-20s", "window", "start", "end");
    for (size_t c = 0; c < a->n_clusters; c++)
        printf("  %-*s", c + 1 < a->n_clusters ? width : 0, a->clusters[c]);
    printf("\n");
    for (uint32_t win = 0; win < sb->n_windows; win++) {
        int64_t ws = sb->start + (int64_t)win * sb->window_seconds;
        fmt_time(ws, t0, sizeof t0);
        fmt_time(ws + sb->window_seconds, t1, sizeof t1);
        printf("%6u  %-20s  %-20s", win, t0, t1);
        for (size_t c = 0; c < a->n_clusters; c++)
            printf("  %-*s", c + 1 < a->n_clusters ? width : 0,
                   a->arms[a->cells[c * sb->n_windows + win]]);
        printf("\n");
    }
    printf("\nwindows per arm:\n");
    for (size_t c = 0; c < a->n_clusters; c++) {
        printf("  %s:", a->clusters[c]);
        for (size_t arm = 0; arm < sb->n_arms; arm++) {
            unsigned n = 0;
            for (uint32_t win = 0; win < sb->n_windows; win++)
                n += a->cells[c * sb->n_windows + win] == (int)arm;
            printf(" %s %u%s", a->arms[arm], n, arm + 1 < sb->n_arms ? "," : "");
        }
        printf("\n");
    }
}

/* The schedule of one switchback design, as JSON or text. */
static void print_schedule(const ordo_exp_switchback_t *sb, char **clusters, size_t n_clusters,
                           char **arms, const int *cells, bool json)
{
    schedule_args_t a = {.sb = sb,
                         .clusters = clusters,
                         .n_clusters = n_clusters,
                         .arms = arms,
                         .cells = cells,
                         .block_size = sb->blocked ? sb->blocks.size : 0};
    if (json)
        schedule_json(&a);
    else
        schedule_text(&a);
}

/* ---- the registry: create, lifecycle, list, show, history, assign ---- */

typedef struct reg_opts {
    const char *data;
    const char *actor;
    const char *reason;
    const char *winner;
    const char *unit;
    const char *order;
    const char *network;
    const char *at;
    bool json;
    int npos;
    const char *pos[2];
} reg_opts_t;

enum {
    RO_DATA = 1 << 0,
    RO_ACTOR = 1 << 1,
    RO_REASON = 1 << 2,
    RO_WINNER = 1 << 3,
    RO_UNIT = 1 << 4,
    RO_ORDER = 1 << 5,
    RO_NETWORK = 1 << 6,
    RO_AT = 1 << 7
};

/* Parses the flags a registry subcommand allows (mask) and up to max_pos
 * positional arguments. Returns -1 when it printed help (exit 0), an exit
 * code > 0 on a usage error, 0 on success. */
static int reg_parse(const char *cmd, const char *usage, unsigned mask, int max_pos, int argc,
                     char **argv, reg_opts_t *o)
{
    enum { O_DATA = 256, O_ACTOR, O_REASON, O_WINNER, O_UNIT, O_ORDER, O_NETWORK, O_AT, O_JSON,
           O_HELP };
    static const struct option opts[] = {{"data", required_argument, NULL, O_DATA},
                                         {"actor", required_argument, NULL, O_ACTOR},
                                         {"reason", required_argument, NULL, O_REASON},
                                         {"winner", required_argument, NULL, O_WINNER},
                                         {"unit", required_argument, NULL, O_UNIT},
                                         {"order", required_argument, NULL, O_ORDER},
                                         {"network", required_argument, NULL, O_NETWORK},
                                         {"at", required_argument, NULL, O_AT},
                                         {"json", no_argument, NULL, O_JSON},
                                         {"help", no_argument, NULL, O_HELP},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->data = ordo_cli_default_data_dir();
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        unsigned need = 0;
        const char **dst = NULL;
        switch (c) {
        case O_DATA: need = RO_DATA; dst = &o->data; break;
        case O_ACTOR: need = RO_ACTOR; dst = &o->actor; break;
        case O_REASON: need = RO_REASON; dst = &o->reason; break;
        case O_WINNER: need = RO_WINNER; dst = &o->winner; break;
        case O_UNIT: need = RO_UNIT; dst = &o->unit; break;
        case O_ORDER: need = RO_ORDER; dst = &o->order; break;
        case O_NETWORK: need = RO_NETWORK; dst = &o->network; break;
        case O_AT: need = RO_AT; dst = &o->at; break;
        case O_JSON: o->json = true; continue;
        case 'h':
        case O_HELP: fputs(usage, stdout); return -1;
        default:
            return ordo_cli_usage(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
        if (!(mask & need))
            return ordo_cli_usage(cmd, "option '%s' does not apply here", argv[optind - 1]);
        *dst = optarg;
    }
    for (; optind < argc; optind++) {
        if (o->npos == max_pos)
            return ordo_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        o->pos[o->npos++] = argv[optind];
    }
    if (o->npos < max_pos)
        return ordo_cli_usage(cmd, "missing %s", max_pos == 1 ? "argument" : "arguments");
    return 0;
}

static int open_registry(const reg_opts_t *o, bool create, ordo_store_t **store,
                         ordo_exp_registry_t **reg, ordo_error_t *err)
{
    *store = NULL;
    *reg = NULL;
    int rc = create ? ordo_store_open(o->data, NULL, store, err)
                    : ordo_store_open_existing(o->data, NULL, store, err);
    if (rc)
        return rc;
    rc = ordo_exp_registry_open(*store, reg, err);
    if (rc) {
        ordo_store_close(*store, NULL);
        *store = NULL;
    }
    return rc;
}

static void close_registry(ordo_store_t *store, ordo_exp_registry_t *reg)
{
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
}

static void write_exp_full(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "experiment");
    ordo_exp_write_json(e, w);
    ordo_jsonw_key(w, "status");
    ordo_exp_status_write_json(&e->status, w);
    ordo_jsonw_kstr(w, "definition_version", e->definition_version);
    ordo_jsonw_kint(w, "version", (int64_t)e->store_version);
    ordo_jsonw_obj_end(w);
}

static int print_exp_json(const ordo_exp_t *e)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    write_exp_full(e, &w);
    int rc = ordo_jsonw_finish(&w);
    if (rc == ORDO_OK)
        ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return rc == ORDO_OK ? ORDO_EXIT_OK : ordo_cli_fail(NULL, rc, true);
}

static const char *fmt_t(int64_t t, char *buf, size_t n)
{
    if (!t)
        return "-";
    ordo_time_format(t, buf, n);
    return buf;
}

static void print_exp_text(const ordo_exp_t *e)
{
    char t[32];
    printf("experiment  %s  (definition %s, stored version %llu)\n", e->id,
           e->definition_version, (unsigned long long)e->store_version);
    printf("state       %s%s\n", ordo_exp_state_name(e->status.state),
           e->status.killed ? " (killed: targeted traffic runs the control)" : "");
    printf("hypothesis  %s\n", e->hypothesis);
    printf("unit        %s, seed \"%s\", hash version %d\n", ordo_exp_unit_kind_name(e->unit),
           e->seed[0] ? e->seed : e->id, e->hash_version);
    printf("coverage    ");
    print_number(e->coverage);
    if (e->n_ramp) {
        printf(", ramp");
        for (size_t i = 0; i < e->n_ramp; i++) {
            printf(" %s", i ? "→ " : "");
            print_number(e->ramp[i].percent);
            printf("%% @%gh", e->ramp[i].after_hours);
        }
    }
    printf("\nvariants\n");
    for (size_t i = 0; i < e->n_variants; i++) {
        const ordo_exp_variant_t *v = &e->variants[i];
        const char *name = v->policy[0] ? v->policy : ordo_exp_builtin_policy_name(v->policy_version);
        printf("  %-14s weight ", v->key);
        print_number(v->weight);
        printf("  policy %s%s%s%s%s\n", v->policy_version, name ? " (" : "", name ? name : "",
               name ? ")" : "", i == 0 ? "  [control]" : "");
    }
    if (e->has_namespace)
        printf("namespace   layer \"%s\" [%g, %g)\n", e->layer, e->namespace_start,
               e->namespace_end);
    if (e->targeting) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_cond_write_json(e->targeting, &w);
        if (ordo_jsonw_finish(&w) == ORDO_OK)
            printf("targeting   %s\n", b.data);
        ordo_buf_free(&b);
    }
    if (e->stratified)
        printf("stratified  by %s, permuted blocks of %u\n",
               e->stratum == ORDO_EXP_CLUSTER_REGION ? "region" : "state", e->block_size);
    if (e->unit == ORDO_EXP_UNIT_SWITCHBACK)
        printf("switchback  by %s, %u windows of %g h from %s, burn-in %g min, burn-out %g min\n",
               e->cluster == ORDO_EXP_CLUSTER_REGION ? "region" : "state", e->sb_windows,
               (double)e->sb_window_seconds / 3600.0, fmt_t(e->sb_start, t, sizeof t),
               (double)e->sb_burn_in_seconds / 60.0, (double)e->sb_burn_out_seconds / 60.0);
    printf("warm-up     %g h\n", e->warmup_hours);
    printf("KPIs       ");
    for (size_t i = 0; i < e->n_kpis; i++)
        printf(" %s", e->kpis[i]);
    printf("\n");
    for (size_t i = 0; i < e->n_guardrails; i++)
        printf("guardrail   %s must not %s by more than %g\n", e->guardrails[i].metric,
               e->guardrails[i].direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase",
               e->guardrails[i].margin);
    printf("design      alpha %g, power %g", e->alpha, e->power);
    if (e->mde > 0)
        printf(", MDE %g", e->mde);
    if (e->min_runtime_days > 0 || e->max_runtime_days > 0)
        printf(", runtime %g..%g days", e->min_runtime_days, e->max_runtime_days);
    printf("\n");
    if (e->has_shadow)
        printf("shadow      %s%s%s\n", e->shadow.policy_version, e->shadow.policy[0] ? " " : "",
               e->shadow.policy);
    printf("created     %s\n", fmt_t(e->status.created_at, t, sizeof t));
    if (e->status.started_at)
        printf("started     %s\n", fmt_t(e->status.started_at, t, sizeof t));
    if (e->status.stopped_at)
        printf("stopped     %s%s%s\n", fmt_t(e->status.stopped_at, t, sizeof t),
               e->status.stop_reason[0] ? ": " : "", e->status.stop_reason);
    if (e->status.concluded_at)
        printf("concluded   %s, winner %s\n", fmt_t(e->status.concluded_at, t, sizeof t),
               e->status.winner[0] ? e->status.winner : "(none)");
}

static const char create_usage[] =
    "Usage: ordo exp create FILE [--data DIR] [--actor A] [--reason R] [--json]\n\n"
    "Validates an experiment document strictly (docs/experiments.md) and stores it\n"
    "as a draft in the registry of DIR (default $ORDO_DATA or ./ordo-data). Errors\n"
    "name the field: unknown fields, weights that do not sum to 1 ± 0.01, a\n"
    "coverage outside [0, 1], an unknown policy version, a namespace range that\n"
    "overlaps another experiment of the same layer that is not concluded...\n"
    "A variant may name a built-in policy (\"policy\": \"cost-optimized\") instead of\n"
    "a version. The audit trail records who (--actor, default $USER) and why.\n";

static int cmd_create(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp create", create_usage, RO_DATA | RO_ACTOR | RO_REASON, 1, argc, argv,
                      &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    int rc = ordo_read_file(o.pos[0], &text, &len, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    rc = open_registry(&o, true, &store, &reg, &err);
    if (rc) {
        free(text);
        return ordo_cli_fail(&err, rc, o.json);
    }
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_create(reg, text, len, o.pos[0], o.actor, o.reason, &e, &err);
    free(text);
    close_registry(store, reg);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    int code = ORDO_EXIT_OK;
    if (o.json)
        code = print_exp_json(e);
    else
        printf("created experiment %s (draft), definition version %s\n", e->id,
               e->definition_version);
    ordo_exp_destroy(e);
    return code;
}

static const char transition_usage[] =
    "Usage: ordo exp start|pause|stop|kill ID [--reason R] [--actor A] [--data DIR] [--json]\n"
    "       ordo exp conclude ID [--winner KEY] [--reason R] [--actor A] [--data DIR] [--json]\n\n"
    "Moves an experiment through its lifecycle and records who (--actor, default\n"
    "$USER), when and why (--reason) in its audit trail:\n"
    "  start     draft → running, or paused → running\n"
    "  pause     running → paused (orders run the default policy meanwhile)\n"
    "  stop      running | paused → stopped\n"
    "  kill      the kill switch: stops at once and returns the experiment's\n"
    "            traffic to the control variant until it is concluded\n"
    "  conclude  stopped → concluded; --winner KEY rolls that variant's policy\n"
    "            version out as the default policy\n"
    "A concluded experiment never starts again; illegal transitions are errors.\n";

static int cmd_transition(ordo_exp_action_t action, int argc, char **argv)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "exp %s", ordo_exp_action_name(action));
    unsigned mask = RO_DATA | RO_ACTOR | RO_REASON;
    if (action == ORDO_EXP_ACT_CONCLUDE)
        mask |= RO_WINNER;
    reg_opts_t o;
    int u = reg_parse(cmd, transition_usage, mask, 1, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_exp_t *before = NULL, *e = NULL;
    rc = ordo_exp_registry_get(reg, o.pos[0], &before, &err);
    if (rc == ORDO_OK)
        rc = ordo_exp_registry_transition(reg, o.pos[0], action, o.winner, o.actor, o.reason, 0,
                                          &e, &err);
    char def[ORDO_POLICY_VERSION_LEN] = "";
    if (rc == ORDO_OK && action == ORDO_EXP_ACT_CONCLUDE && e->status.winner[0])
        ordo_exp_default_policy_get(store, def, NULL, NULL, NULL);
    close_registry(store, reg);
    if (rc) {
        ordo_exp_destroy(before);
        return ordo_cli_fail(&err, rc, o.json);
    }
    int code = ORDO_EXIT_OK;
    if (o.json) {
        code = print_exp_json(e);
    } else {
        printf("experiment %s: %s → %s%s\n", e->id, ordo_exp_state_name(before->status.state),
               ordo_exp_state_name(e->status.state),
               action == ORDO_EXP_ACT_KILL ? " (killed: its traffic runs the control)" : "");
        if (def[0])
            printf("default policy is now %s (variant %s)\n", def, e->status.winner);
    }
    ordo_exp_destroy(before);
    ordo_exp_destroy(e);
    return code;
}

static const char list_usage[] = "Usage: ordo exp list [--data DIR] [--json]\n\n"
                                 "Lists the experiments of the registry with their state.\n";

typedef struct list_print {
    bool json;
    ordo_jsonw_t *w;
    size_t n;
} list_print_t;

static int list_one(void *ctx, const ordo_exp_t *e)
{
    list_print_t *p = ctx;
    p->n++;
    if (p->json) {
        write_exp_full(e, p->w);
        return 0;
    }
    char t[32];
    char state[32];
    snprintf(state, sizeof state, "%s%s", ordo_exp_state_name(e->status.state),
             e->status.killed ? "+killed" : "");
    printf("%-28s %-17s %-10s %8zu  %-20s %s\n", e->id, state, ordo_exp_unit_kind_name(e->unit),
           e->n_variants, e->has_namespace ? e->layer : "-",
           fmt_t(e->status.started_at, t, sizeof t));
    return 0;
}

/* After a registry walk that printed each item (text) or added it to the
 * JSON array in w: closes the registry and prints the array or the error. */
static int end_listing(ordo_store_t *store, ordo_exp_registry_t *reg, int rc,
                       const ordo_error_t *err, bool json, ordo_jsonw_t *w, ordo_buf_t *b)
{
    close_registry(store, reg);
    if (rc == ORDO_OK && json) {
        ordo_jsonw_arr_end(w);
        if (ordo_jsonw_finish(w) == ORDO_OK)
            ordo_cli_print_buf(b);
    }
    ordo_buf_free(b);
    return rc ? ordo_cli_fail(err, rc, json) : ORDO_EXIT_OK;
}

static int cmd_list(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp list", list_usage, RO_DATA, 0, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc == ORDO_ENOENT) { /* no database yet: no experiments */
        if (o.json)
            puts("[]");
        else
            printf("no experiments in %s\n", o.data);
        return ORDO_EXIT_OK;
    }
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    list_print_t p = {.json = o.json, .w = &w};
    if (o.json)
        ordo_jsonw_arr_begin(&w);
    else
        printf("%-28s %-17s %-10s %8s  %-20s %s\n", "ID", "STATE", "UNIT", "VARIANTS", "LAYER",
               "STARTED");
    rc = ordo_exp_registry_list(reg, list_one, &p, &err);
    return end_listing(store, reg, rc, &err, o.json, &w, &b);
}

static const char show_usage[] =
    "Usage: ordo exp show ID [--data DIR] [--json]\n\n"
    "Prints an experiment: its definition (canonical form), state and history\n"
    "timestamps. --json prints {\"experiment\", \"status\", \"definition_version\",\n"
    "\"version\"}.\n";

static int cmd_show(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp show", show_usage, RO_DATA, 1, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_get(reg, o.pos[0], &e, &err);
    close_registry(store, reg);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    int code = ORDO_EXIT_OK;
    if (o.json)
        code = print_exp_json(e);
    else
        print_exp_text(e);
    ordo_exp_destroy(e);
    return code;
}

static const char history_usage[] =
    "Usage: ordo exp history ID [--data DIR] [--json]\n\n"
    "Prints the audit trail of an experiment, oldest first: when, who, what and\n"
    "why. The trail is append-only.\n";

typedef struct hist_print {
    bool json;
    ordo_jsonw_t *w;
} hist_print_t;

static int hist_one(void *ctx, const ordo_store_audit_entry_t *a)
{
    hist_print_t *p = ctx;
    char t[32];
    ordo_time_format(a->ts, t, sizeof t);
    if (p->json) {
        ordo_jsonw_obj_begin(p->w);
        ordo_jsonw_kint(p->w, "seq", (int64_t)a->seq);
        ordo_jsonw_kstr(p->w, "at", t);
        ordo_jsonw_kstr(p->w, "actor", a->actor);
        ordo_jsonw_kstr(p->w, "action", a->action);
        ordo_jsonw_kstr(p->w, "reason", a->reason ? a->reason : "");
        ordo_jsonw_key(p->w, "detail");
        if (a->detail_json && *a->detail_json)
            ordo_jsonw_raw(p->w, a->detail_json, strlen(a->detail_json));
        else
            ordo_jsonw_null(p->w);
        ordo_jsonw_obj_end(p->w);
        return 0;
    }
    printf("%s  %-14s %-16s %s%s%s\n", t, a->actor, a->action, a->reason ? a->reason : "",
           a->detail_json && *a->detail_json ? "  " : "", a->detail_json ? a->detail_json : "");
    return 0;
}

static int cmd_history(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp history", history_usage, RO_DATA, 1, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    hist_print_t p = {.json = o.json, .w = &w};
    if (o.json)
        ordo_jsonw_arr_begin(&w);
    rc = ordo_exp_registry_history(reg, o.pos[0], hist_one, &p, &err);
    return end_listing(store, reg, rc, &err, o.json, &w, &b);
}

static const char assign_usage[] =
    "Usage: ordo exp assign ID --unit U [--order ORDER.json --network DIR] [--at TIME]\n"
    "                          [--data DIR] [--json]\n\n"
    "Shows what experiment ID gives unit U: the unit is an order id, a customer id\n"
    "or, for a switchback, a cluster (state or region), as the experiment's unit\n"
    "says. With --order (and the --network it refers to) the experiment's targeting\n"
    "is evaluated on that order, and --unit defaults to the order's unit key;\n"
    "without it targeting is not evaluated. --at (ISO 8601, default now) picks the\n"
    "ramp stage, warm-up and switchback window. Stratified experiments show the\n"
    "hash-based arm (the live arm comes from the per-stratum counter).\n\n"
    "  --json  prints {\"experiment\", \"unit\", \"in_experiment\", \"variant\",\n"
    "          \"bucket\", \"reason\"}; reason is one of: assigned, targeted out,\n"
    "          outside coverage, outside namespace, outside schedule, not running,\n"
    "          killed, holdout, missing unit.\n";

static int cmd_assign(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp assign", assign_usage, RO_DATA | RO_UNIT | RO_ORDER | RO_NETWORK | RO_AT,
                      1, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    if (!o.unit && !o.order)
        return ordo_cli_usage("exp assign", "--unit U is required (or --order)");
    if (o.order && !o.network)
        return ordo_cli_usage("exp assign", "--order needs --network DIR (the order's SKUs and "
                                            "ZIP are resolved against it)");
    int64_t now = ordo_now_unix();
    if (o.at && ordo_time_parse(o.at, &now))
        return ordo_cli_usage("exp assign", "--at wants an ISO 8601 time, got '%s'", o.at);
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_get(reg, o.pos[0], &e, &err);
    close_registry(store, reg);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);

    ordo_network_t *net = NULL;
    ordo_arena_t *arena = NULL;
    ordo_order_t order;
    ordo_order_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.zip3 = -1;
    ctx.cohort = "";
    ctx.customer_id = "";
    const char *unit = o.unit;
    if (o.order) {
        char *text = NULL;
        size_t len = 0;
        rc = ordo_network_load(o.network, NULL, &net, &err);
        if (rc == ORDO_OK)
            rc = ordo_read_file(o.order, &text, &len, &err);
        if (rc == ORDO_OK) {
            arena = ordo_arena_create(0);
            rc = arena ? ordo_order_parse(text, len, net, arena, &order, &err) : ORDO_ENOMEM;
        }
        free(text);
        if (rc) {
            ordo_arena_destroy(arena);
            ordo_network_destroy(net);
            ordo_exp_destroy(e);
            return ordo_cli_fail(&err, rc, o.json);
        }
        ordo_order_ctx_init(&ctx, &order, net);
        if (!unit) {
            const char *k;
            size_t kl;
            ordo_exp_unit_key(e->unit, &order, &k, &kl);
            unit = k;
        }
    }
    ordo_exp_units_t units = {.order_id = unit, .customer_id = unit};
    if (e->unit == ORDO_EXP_UNIT_SWITCHBACK) {
        ordo_geo_region_t r;
        if (e->cluster == ORDO_EXP_CLUSTER_REGION)
            ctx.region = ordo_geo_region_parse(unit, &r) == ORDO_OK ? ordo_geo_region_name(r) : unit;
        else
            ctx.state = unit;
    }
    /* without an order, targeting is not evaluated */
    ordo_cond_t *targeting = e->targeting;
    if (!o.order)
        e->targeting = NULL;
    ordo_exp_route_entry_t ent = {.experiment = e->id, .variant_index = -1, .bucket = -1,
                                  .reason = ORDO_EXP_ROUTE_NOT_RUNNING};
    ordo_exp_snapshot_t *snap = NULL;
    const ordo_exp_t *one = e;
    rc = ordo_exp_snapshot_build(&one, 1, NULL, &snap, &err);
    e->targeting = targeting;
    ordo_exp_route_t *route = NULL;
    if (rc == ORDO_OK && ordo_exp_snapshot_count(snap) == 1) {
        route = malloc(sizeof *route);
        rc = route ? ordo_exp_route(snap, &ctx, &units, now, route, &err) : ORDO_ENOMEM;
        if (rc == ORDO_OK)
            ent = route->entries[0];
    }
    int code = ORDO_EXIT_OK;
    if (rc) {
        code = ordo_cli_fail(&err, rc, o.json);
    } else if (o.json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "experiment", e->id);
        ordo_jsonw_kstr(&w, "unit", unit);
        ordo_jsonw_kbool(&w, "in_experiment", ent.in_experiment);
        ordo_jsonw_key(&w, "variant");
        ordo_jsonw_str(&w, ent.variant);
        ordo_jsonw_key(&w, "bucket");
        if (ent.bucket >= 0)
            ordo_jsonw_double(&w, ent.bucket);
        else
            ordo_jsonw_null(&w);
        ordo_jsonw_kstr(&w, "reason", ordo_exp_route_reason_name(ent.reason));
        ordo_jsonw_obj_end(&w);
        if (ordo_jsonw_finish(&w) == ORDO_OK)
            ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("experiment %s, unit %s: %s", e->id, unit, ordo_exp_route_reason_name(ent.reason));
        if (ent.variant)
            printf(", variant %s (policy %s)", ent.variant, ent.policy_version);
        if (ent.bucket >= 0) {
            printf(", bucket ");
            print_number(ent.bucket);
        }
        if (ent.in_warmup)
            printf(", in warm-up (excluded from analysis)");
        else if (ent.excluded)
            printf(", in burn-in/out (excluded from analysis)");
        if (!o.order && e->targeting)
            printf("\n(targeting not evaluated: pass --order and --network)");
        printf("\n");
    }
    free(route);
    ordo_exp_snapshot_destroy(snap);
    ordo_arena_destroy(arena);
    ordo_network_destroy(net);
    ordo_exp_destroy(e);
    return code;
}

static const char register_usage[] =
    "Usage: ordo exp register-policy FILE|NAME [--data DIR] [--json]\n\n"
    "Registers a policy (a policy JSON file, or a built-in name) in the registry,\n"
    "keyed by its version, so experiments can name it by \"policy_version\".\n";

static int cmd_register(int argc, char **argv)
{
    reg_opts_t o;
    int u = reg_parse("exp register-policy", register_usage, RO_DATA, 1, argc, argv, &o);
    if (u)
        return u < 0 ? ORDO_EXIT_OK : u;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_policy_t *p = NULL;
    int rc = ordo_policy_load(o.pos[0], &p, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    rc = open_registry(&o, true, &store, &reg, &err);
    if (rc == ORDO_OK) {
        rc = ordo_exp_policy_register(store, p, &err);
        close_registry(store, reg);
    }
    if (rc) {
        ordo_policy_destroy(p);
        return ordo_cli_fail(&err, rc, o.json);
    }
    if (o.json)
        printf("{\"name\":\"%s\",\"policy_version\":\"%s\"}\n", p->name, p->version);
    else
        printf("registered policy %s version %s\n", p->name, p->version);
    ordo_policy_destroy(p);
    return ORDO_EXIT_OK;
}

/* `ordo exp schedule ID`: the schedule of a stored switchback experiment. */
static int schedule_stored(const char *id, const char *data, char *clusters_s, bool json)
{
    ordo_error_t err;
    ordo_error_clear(&err);
    reg_opts_t o = {.data = data, .json = json};
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_get(reg, id, &e, &err);
    close_registry(store, reg);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    if (e->unit != ORDO_EXP_UNIT_SWITCHBACK) {
        ordo_error_set(&err, ORDO_EINVAL, NULL, 0, "unit",
                       "experiment '%s' randomizes by %s, not by switchback: it has no schedule",
                       id, ordo_exp_unit_kind_name(e->unit));
        ordo_exp_destroy(e);
        return ordo_cli_fail(&err, ORDO_EINVAL, json);
    }
    char regions[128] = ""; /* the four census regions, as geo names them */
    for (int r = ORDO_REGION_NORTHEAST; r < ORDO_REGION_TERRITORY; r++)
        snprintf(regions + strlen(regions), sizeof regions - strlen(regions), "%s%s",
                 r ? "," : "", ordo_geo_region_name((ordo_geo_region_t)r));
    static char states[] = "AL,AK,AZ,AR,CA,CO,CT,DE,DC,FL,GA,HI,ID,IL,IN,IA,KS,KY,LA,ME,MD,MA,MI,"
                           "MN,MS,MO,MT,NE,NV,NH,NJ,NM,NY,NC,ND,OH,OK,OR,PA,RI,SC,SD,TN,TX,UT,VT,"
                           "VA,WA,WV,WI,WY";
    if (!clusters_s)
        clusters_s = e->cluster == ORDO_EXP_CLUSTER_REGION ? regions : states;
    char *clusters[1024];
    size_t n_clusters;
    if (split_list(clusters_s, clusters, 1024, &n_clusters)) {
        ordo_exp_destroy(e);
        return ordo_cli_usage("exp schedule", "--clusters wants 1 to 1024 non-empty names");
    }
    char *arms[ORDO_EXP_MAX_ARMS];
    for (size_t i = 0; i < e->n_variants; i++)
        arms[i] = e->variants[i].key;
    ordo_exp_switchback_t sb;
    int *cells = NULL;
    rc = ordo_exp_switchback_of(e, &sb, &err);
    if (rc == ORDO_OK && (uint64_t)sb.n_windows * n_clusters > SCHEDULE_MAX_CELLS)
        rc = ordo_error_set(&err, ORDO_ERANGE, NULL, 0, "switchback", "schedule too large");
    if (rc == ORDO_OK) {
        cells = malloc((size_t)sb.n_windows * n_clusters * sizeof *cells);
        rc = cells ? ordo_exp_switchback_schedule(&sb, (const char *const *)clusters, n_clusters,
                                                  cells, &err)
                   : ORDO_ENOMEM;
    }
    if (rc) {
        free(cells);
        ordo_exp_destroy(e);
        return ordo_cli_fail(&err, rc, json);
    }
    print_schedule(&sb, clusters, n_clusters, arms, cells, json);
    free(cells);
    ordo_exp_destroy(e);
    return ORDO_EXIT_OK;
}

static int cmd_schedule(int argc, char **argv)
{
    enum {
        O_SEED = 256,
        O_CLUSTERS,
        O_START,
        O_WINDOWS,
        O_HOURS,
        O_ARMS,
        O_WEIGHTS,
        O_BURN_IN,
        O_BURN_OUT,
        O_BLOCK,
        O_VERSION,
        O_JSON,
        O_HELP,
        O_DATA
    };
    static const struct option opts[] = {{"seed", required_argument, NULL, O_SEED},
                                         {"clusters", required_argument, NULL, O_CLUSTERS},
                                         {"start", required_argument, NULL, O_START},
                                         {"windows", required_argument, NULL, O_WINDOWS},
                                         {"window-hours", required_argument, NULL, O_HOURS},
                                         {"arms", required_argument, NULL, O_ARMS},
                                         {"weights", required_argument, NULL, O_WEIGHTS},
                                         {"burn-in", required_argument, NULL, O_BURN_IN},
                                         {"burn-out", required_argument, NULL, O_BURN_OUT},
                                         {"block-size", required_argument, NULL, O_BLOCK},
                                         {"hash-version", required_argument, NULL, O_VERSION},
                                         {"json", no_argument, NULL, O_JSON},
                                         {"help", no_argument, NULL, O_HELP},
                                         {"data", required_argument, NULL, O_DATA},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "exp schedule";
    const char *data = ordo_cli_default_data_dir();
    const char *seed = NULL, *start_s = NULL;
    char *clusters_s = NULL, *arms_s = NULL, *weights_s = NULL;
    uint32_t windows = 0, block = 0, version = 2;
    double hours = 0;
    int64_t burn_in = 0, burn_out = 0;
    bool json = false, have_windows = false, have_hours = false;
    optind = 0;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case O_SEED:
            seed = optarg;
            break;
        case O_CLUSTERS:
            clusters_s = optarg;
            break;
        case O_START:
            start_s = optarg;
            break;
        case O_WINDOWS:
            if (ordo_parse_u32(optarg, strlen(optarg), &windows) || windows == 0)
                return ordo_cli_usage(cmd, "--windows wants a positive integer, got '%s'", optarg);
            have_windows = true;
            break;
        case O_HOURS:
            if (ordo_parse_double(optarg, strlen(optarg), &hours) || !(hours > 0) ||
                hours > 24.0 * 366)
                return ordo_cli_usage(cmd,
                                      "--window-hours wants a positive number of hours "
                                      "(at most a year), got '%s'",
                                      optarg);
            have_hours = true;
            break;
        case O_ARMS:
            arms_s = optarg;
            break;
        case O_WEIGHTS:
            weights_s = optarg;
            break;
        case O_BURN_IN:
            if (parse_minutes("--burn-in", optarg, &burn_in))
                return ORDO_EXIT_USAGE;
            break;
        case O_BURN_OUT:
            if (parse_minutes("--burn-out", optarg, &burn_out))
                return ORDO_EXIT_USAGE;
            break;
        case O_BLOCK:
            if (ordo_parse_u32(optarg, strlen(optarg), &block))
                return ordo_cli_usage(cmd, "--block-size wants an integer, got '%s'", optarg);
            break;
        case O_VERSION:
            if (ordo_parse_u32(optarg, strlen(optarg), &version) || (version != 1 && version != 2))
                return ordo_cli_usage(cmd, "--hash-version must be 1 or 2, got '%s'", optarg);
            break;
        case O_JSON:
            json = true;
            break;
        case O_DATA:
            data = optarg;
            break;
        case O_HELP:
        case 'h':
            fputs(schedule_usage, stdout);
            return ORDO_EXIT_OK;
        default:
            return ordo_cli_usage(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (optind + 1 < argc)
            return ordo_cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
        if (seed || start_s || have_windows || have_hours || arms_s || weights_s || block ||
            burn_in || burn_out)
            return ordo_cli_usage(cmd, "with an experiment ID, the schedule comes from the "
                                       "registry: only --clusters, --data and --json apply");
        return schedule_stored(argv[optind], data, clusters_s, json);
    }
    if (!seed || !clusters_s || !start_s || !have_windows || !have_hours)
        return ordo_cli_usage(cmd, "--seed, --clusters, --start, --windows and --window-hours "
                                   "are required");
    int64_t start;
    if (ordo_time_parse(start_s, &start))
        return ordo_cli_usage(cmd,
                              "--start wants an ISO 8601 time like 2026-11-24T00:00:00Z, "
                              "got '%s'",
                              start_s);
    int64_t window_s = (int64_t)llround(hours * 3600.0);
    if (window_s < 1)
        return ordo_cli_usage(cmd, "--window-hours is shorter than a second");

    char *clusters[1024];
    size_t n_clusters;
    if (split_list(clusters_s, clusters, 1024, &n_clusters))
        return ordo_cli_usage(cmd, "--clusters wants 1 to 1024 non-empty comma-separated names");
    for (size_t i = 0; i < n_clusters; i++)
        for (size_t k = 0; k < i; k++)
            if (!strcmp(clusters[i], clusters[k]))
                return ordo_cli_usage(cmd, "cluster '%s' is listed twice", clusters[i]);
    char default_arms[] = "control,treatment";
    char *arms[ORDO_EXP_MAX_ARMS];
    size_t n_arms;
    if (split_list(arms_s ? arms_s : default_arms, arms, ORDO_EXP_MAX_ARMS, &n_arms) || n_arms < 2)
        return ordo_cli_usage(cmd, "--arms wants 2 to %d non-empty comma-separated names",
                              ORDO_EXP_MAX_ARMS);
    double weights[ORDO_EXP_MAX_ARMS];
    size_t n_weights = 0;
    if (weights_s) {
        char *items[ORDO_EXP_MAX_ARMS];
        if (split_list(weights_s, items, ORDO_EXP_MAX_ARMS, &n_weights) || n_weights != n_arms)
            return ordo_cli_usage(cmd, "--weights wants one weight per arm (%zu)", n_arms);
        double total = 0;
        for (size_t i = 0; i < n_weights; i++) {
            if (ordo_parse_double(items[i], strlen(items[i]), &weights[i]) || weights[i] < 0)
                return ordo_cli_usage(cmd, "--weights: '%s' is not a weight", items[i]);
            total += weights[i];
        }
        /* The command validates strictly, like `ordo exp create`. */
        if (fabs(total - 1.0) > 0.01)
            return ordo_cli_usage(cmd, "--weights sum to %g, not 1 ± 0.01", total);
    }
    if ((uint64_t)windows * n_clusters > SCHEDULE_MAX_CELLS)
        return ordo_cli_usage(cmd, "schedule too large (%zu clusters × %u windows)", n_clusters,
                              windows);

    ordo_exp_switchback_spec_t spec = {.seed = seed,
                                       .hash_version = (int)version,
                                       .start = start,
                                       .window_seconds = window_s,
                                       .n_windows = windows,
                                       .burn_in_seconds = burn_in,
                                       .burn_out_seconds = burn_out,
                                       .n_arms = n_arms,
                                       .weights = n_weights ? weights : NULL,
                                       .n_weights = n_weights,
                                       .block_size = block};
    ordo_exp_switchback_t sb;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_exp_switchback_init(&sb, &spec, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    int *cells = malloc((size_t)windows * n_clusters * sizeof *cells);
    if (!cells)
        return ordo_cli_fail(NULL, ORDO_ENOMEM, json);
    rc = ordo_exp_switchback_schedule(&sb, (const char *const *)clusters, n_clusters, cells, &err);
    if (rc != ORDO_OK) {
        free(cells);
        return ordo_cli_fail(&err, rc, json);
    }
    print_schedule(&sb, clusters, n_clusters, arms, cells, json);
    free(cells);
    return ORDO_EXIT_OK;
}

/* start, pause, stop, conclude, kill: the action is the subcommand's name */
static int cmd_action(int argc, char **argv)
{
    for (int a = ORDO_EXP_ACT_START; a <= ORDO_EXP_ACT_KILL; a++)
        if (!strcmp(argv[0], ordo_exp_action_name((ordo_exp_action_t)a)))
            return cmd_transition((ordo_exp_action_t)a, argc, argv);
    return ordo_cli_usage("exp", "unknown action '%s'", argv[0]);
}

static int run(int argc, char **argv)
{
    static const ordo_cli_sub_t subs[] = {{"hash", cmd_hash},
                                          {"schedule", cmd_schedule},
                                          {"create", cmd_create},
                                          {"start", cmd_action},
                                          {"pause", cmd_action},
                                          {"stop", cmd_action},
                                          {"conclude", cmd_action},
                                          {"kill", cmd_action},
                                          {"list", cmd_list},
                                          {"show", cmd_show},
                                          {"history", cmd_history},
                                          {"assign", cmd_assign},
                                          {"register-policy", cmd_register},
                                          {NULL, NULL}};
    return ordo_cli_dispatch("exp", exp_usage, subs, argc, argv);
}

const ordo_cli_cmd_t ordo_cmd_exp = {"exp", "experiments: create, start, kill, history, assign...",
                                     run};
