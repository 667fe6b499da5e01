/* ordo power — sample size, power and minimum detectable effect, with R's
 * power.t.test / power.prop.test definitions (libordo stats does the math). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/stats.h"

static const char usage[] =
    "Usage: ordo power --metric mean --sd S --mde D [--alpha A] [--power P | --n N] [--json]\n"
    "       ordo power --metric mean --sd S --n N --power P [--alpha A] [--json]\n"
    "       ordo power --metric proportion --p1 P1 --p2 P2 [--alpha A] [--power P | --n N] [--json]\n"
    "       ordo power --metric proportion --p1 P1 --n N --power P [--alpha A] [--json]\n\n"
    "Two-sample, two-sided power analysis. Sample sizes are per arm.\n"
    "  --metric mean        difference in means, as R's power.t.test (noncentral t)\n"
    "  --metric proportion  difference in proportions, as R's power.prop.test\n"
    "  --sd S               standard deviation of the metric (mean)\n"
    "  --mde D              minimum detectable effect: the difference in means\n"
    "  --p1 P1, --p2 P2     control and treatment proportions (proportion)\n"
    "  --alpha A            significance level, two-sided (default 0.05)\n"
    "  --power P            target power (default 0.8): solve for n per arm\n"
    "  --n N                units per arm: solve for the power\n"
    "  --n N --power P      without --mde (or --p2): solve for the detectable effect\n"
    "  --json               machine-readable output\n\n"
    "n is printed exactly and rounded up (the size to plan for), as R reports it.\n"
    "Exit status: 0 ok, 2 bad usage, 65 values out of range.\n";

/* Strict: the whole argument is a finite number. */
static int parse_num(const char *flag, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return ordo_cli_usage("power", "%s expects a number, got '%s'", flag, s);
    *out = v;
    return 0;
}

enum { OPT_METRIC = 1, OPT_SD, OPT_MDE, OPT_P1, OPT_P2, OPT_ALPHA, OPT_POWER, OPT_N, OPT_JSON };

static void text_line(const char *key, double v)
{
    printf("%15s = %.10g\n", key, v);
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"metric", required_argument, 0, OPT_METRIC}, {"sd", required_argument, 0, OPT_SD},
        {"mde", required_argument, 0, OPT_MDE},       {"p1", required_argument, 0, OPT_P1},
        {"p2", required_argument, 0, OPT_P2},         {"alpha", required_argument, 0, OPT_ALPHA},
        {"power", required_argument, 0, OPT_POWER},   {"n", required_argument, 0, OPT_N},
        {"json", no_argument, 0, OPT_JSON},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *metric = NULL;
    double sd = NAN, mde = NAN, p1 = NAN, p2 = NAN, alpha = 0.05, power = NAN, n = NAN;
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        double *dst = NULL;
        switch (c) {
        case OPT_METRIC:
            metric = optarg;
            continue;
        case OPT_JSON:
            json = true;
            continue;
        case 'h':
            fputs(usage, stdout);
            return ORDO_EXIT_OK;
        case OPT_SD: dst = &sd; break;
        case OPT_MDE: dst = &mde; break;
        case OPT_P1: dst = &p1; break;
        case OPT_P2: dst = &p2; break;
        case OPT_ALPHA: dst = &alpha; break;
        case OPT_POWER: dst = &power; break;
        case OPT_N: dst = &n; break;
        default:
            return ordo_cli_usage("power", "unknown option or missing value: '%s'",
                                  argv[optind - 1]);
        }
        if (parse_num(opts[c - 1].name, optarg, dst))
            return ORDO_EXIT_USAGE;
    }
    if (optind < argc)
        return ordo_cli_usage("power", "unexpected argument '%s'", argv[optind]);
    if (!metric)
        return ordo_cli_usage("power", "--metric mean or --metric proportion is required");
    bool is_mean = !strcmp(metric, "mean");
    if (!is_mean && strcmp(metric, "proportion"))
        return ordo_cli_usage("power", "--metric must be 'mean' or 'proportion', not '%s'", metric);
    bool have_n = !isnan(n), have_power = !isnan(power);
    /* which unknown: the effect when it is the one missing, else n or power */
    bool effect_missing = is_mean ? isnan(mde) : isnan(p2);
    const char *solve;
    if (effect_missing) {
        if (!(have_n && have_power))
            return ordo_cli_usage("power", is_mean
                                               ? "--mde is required (or give --n and --power to solve for it)"
                                               : "--p2 is required (or give --n and --power to solve for it)");
        solve = "effect";
    } else if (have_n && have_power) {
        return ordo_cli_usage("power", "give --power or --n, not both (leave one unknown)");
    } else if (have_n) {
        solve = "power";
    } else {
        if (!have_power)
            power = 0.8;
        solve = "n";
    }
    if (is_mean && isnan(sd))
        return ordo_cli_usage("power", "--sd is required for --metric mean");
    if (!is_mean && isnan(p1))
        return ordo_cli_usage("power", "--p1 is required for --metric proportion");
    if (is_mean && (!isnan(p1) || !isnan(p2)))
        return ordo_cli_usage("power", "--p1/--p2 are for --metric proportion");
    if (!is_mean && (!isnan(sd) || !isnan(mde)))
        return ordo_cli_usage("power", "--sd/--mde are for --metric mean");

    ordo_error_t err = {0};
    int rc;
    if (is_mean) {
        if (!strcmp(solve, "n"))
            rc = ordo_power_mean_n(mde, sd, alpha, power, &n, &err);
        else if (!strcmp(solve, "power"))
            rc = ordo_power_mean_power(n, mde, sd, alpha, &power, &err);
        else
            rc = ordo_power_mean_mde(n, sd, alpha, power, &mde, &err);
    } else {
        if (!strcmp(solve, "n"))
            rc = ordo_power_prop_n(p1, p2, alpha, power, &n, &err);
        else if (!strcmp(solve, "power"))
            rc = ordo_power_prop_power(n, p1, p2, alpha, &power, &err);
        else
            rc = ordo_power_prop_mde(n, p1, alpha, power, &p2, &err);
    }
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    double n_up = ceil(n);

    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "metric", is_mean ? "mean" : "proportion");
        ordo_jsonw_kstr(&w, "method", is_mean ? "power.t.test" : "power.prop.test");
        ordo_jsonw_kstr(&w, "solved_for",
                        !strcmp(solve, "effect") ? (is_mean ? "mde" : "p2") : solve);
        ordo_jsonw_kdouble(&w, "n", n);
        ordo_jsonw_kint(&w, "n_rounded_up", (int64_t)n_up);
        if (is_mean) {
            ordo_jsonw_kdouble(&w, "mde", mde);
            ordo_jsonw_kdouble(&w, "sd", sd);
        } else {
            ordo_jsonw_kdouble(&w, "p1", p1);
            ordo_jsonw_kdouble(&w, "p2", p2);
        }
        ordo_jsonw_kdouble(&w, "alpha", alpha);
        ordo_jsonw_kdouble(&w, "power", power);
        ordo_jsonw_kstr(&w, "alternative", "two.sided");
        ordo_jsonw_kstr(&w, "n_is", "per arm");
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
        if (rc == ORDO_OK)
            ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
        return rc ? ordo_cli_fail(NULL, rc, true) : ORDO_EXIT_OK;
    }
    printf("\n     %s power calculation (as R's %s)\n\n",
           is_mean ? "Two-sample t test" : "Two-sample comparison of proportions",
           is_mean ? "power.t.test" : "power.prop.test");
    text_line("n", n);
    printf("%15s = %.0f\n", "n rounded up", n_up);
    if (is_mean) {
        text_line("delta", mde);
        text_line("sd", sd);
    } else {
        text_line("p1", p1);
        text_line("p2", p2);
    }
    text_line("sig.level", alpha);
    text_line("power", power);
    printf("%15s = two.sided\n\nNOTE: n is number in *each* group\n\n", "alternative");
    return ORDO_EXIT_OK;
}

const ordo_cli_cmd_t ordo_cmd_power = {"power", "sample size, power and detectable effect", run};
