/* ordo exp hash | schedule — experiment assignment from the command line.
 * The registry subcommands (create, assign, kill, history...) come with the
 * registry; see docs/internals/ASSIGNMENT.md for the assignment rules. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/exp.h"

static const char exp_usage[] =
    "Usage: ordo exp <subcommand> [options]\n\n"
    "Experiment assignment.\n\n"
    "Subcommands:\n"
    "  hash SEED ID VERSION   print GrowthBook's hash(SEED, ID, VERSION), for\n"
    "                         cross-checking against other SDKs\n"
    "  schedule               print a switchback schedule\n\n"
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
    "       ordo exp schedule ID   (needs the experiment registry: not available yet)\n\n"
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
    "  --json              machine output\n";

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
        O_HELP
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
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "exp schedule";
    const char *seed = NULL, *start_s = NULL;
    char *clusters_s = NULL, *arms_s = NULL, *weights_s = NULL;
    uint32_t windows = 0, block = 0, version = 2;
    double hours = 0;
    int64_t burn_in = 0, burn_out = 0;
    bool json = false, have_windows = false, have_hours = false;
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
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
        ordo_error_t err;
        ordo_error_set(&err, ORDO_EUNSUPPORTED, NULL, 0, "experiment",
                       "schedules by experiment id ('%s') need the experiment registry, which "
                       "is not available yet; pass --seed, --clusters, --start, --windows and "
                       "--window-hours instead",
                       argv[optind]);
        return ordo_cli_fail(&err, ORDO_EUNSUPPORTED, json);
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
    schedule_args_t a = {.sb = &sb,
                         .clusters = clusters,
                         .n_clusters = n_clusters,
                         .arms = arms,
                         .cells = cells,
                         .block_size = sb.blocked ? sb.blocks.size : 0};
    if (json)
        schedule_json(&a);
    else
        schedule_text(&a);
    free(cells);
    return ORDO_EXIT_OK;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(exp_usage, stderr);
        return ORDO_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(exp_usage, stdout);
        return ORDO_EXIT_OK;
    }
    if (!strcmp(sub, "hash"))
        return cmd_hash(argc - 1, argv + 1);
    if (!strcmp(sub, "schedule"))
        return cmd_schedule(argc - 1, argv + 1);
    return ordo_cli_usage("exp", "unknown subcommand '%s'", sub);
}

const ordo_cli_cmd_t ordo_cmd_exp = {"exp", "experiment assignment: hash, switchback schedule",
                                     run};
