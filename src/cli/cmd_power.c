/* SPDX-License-Identifier: Apache-2.0 */
/* ordo power — sample size, power and minimum detectable effect, with R's
 * power.t.test / power.prop.test definitions (libordo stats does the math). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/stats.h"

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

static void text_line(const char *key, double v)
{
    printf("%15s = %.10g\n", key, v);
}

typedef struct power_q {
    bool is_mean;
    const char *solve; /* "n", "power" or "effect" */
    double sd, mde, p1, p2, alpha, power, n;
} power_q_t;

/* The numbers from the flags (NAN when not given); 0 or a usage exit code. */
static int read_numbers(const ordo_cli_args_t *a, power_q_t *q)
{
    struct {
        const char *name;
        double *dst;
    } nums[] = {{"sd", &q->sd},       {"mde", &q->mde},     {"p1", &q->p1}, {"p2", &q->p2},
                {"alpha", &q->alpha}, {"power", &q->power}, {"n", &q->n}};
    q->sd = q->mde = q->p1 = q->p2 = q->power = q->n = NAN;
    q->alpha = 0.05;
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        const char *v = ordo_cli_get(a, nums[i].name);
        char flag[16];
        snprintf(flag, sizeof flag, "--%s", nums[i].name);
        if (v && parse_num(flag, v, nums[i].dst))
            return ORDO_EXIT_USAGE;
    }
    return 0;
}

/* Which unknown to solve for, and the flags each metric needs; 0 or a
 * usage exit code. */
static int choose_unknown(power_q_t *q)
{
    bool have_n = !isnan(q->n), have_power = !isnan(q->power);
    bool effect_missing = q->is_mean ? isnan(q->mde) : isnan(q->p2);
    if (effect_missing) {
        if (!(have_n && have_power))
            return ordo_cli_usage("power", q->is_mean
                                               ? "--mde is required (or give --n and --power to solve for it)"
                                               : "--p2 is required (or give --n and --power to solve for it)");
        q->solve = "effect";
    } else if (have_n && have_power) {
        return ordo_cli_usage("power", "give --power or --n, not both (leave one unknown)");
    } else if (have_n) {
        q->solve = "power";
    } else {
        if (!have_power)
            q->power = 0.8;
        q->solve = "n";
    }
    if (q->is_mean && isnan(q->sd))
        return ordo_cli_usage("power", "--sd is required for --metric mean");
    if (!q->is_mean && isnan(q->p1))
        return ordo_cli_usage("power", "--p1 is required for --metric proportion");
    if (q->is_mean && (!isnan(q->p1) || !isnan(q->p2)))
        return ordo_cli_usage("power", "--p1/--p2 are for --metric proportion");
    if (!q->is_mean && (!isnan(q->sd) || !isnan(q->mde)))
        return ordo_cli_usage("power", "--sd/--mde are for --metric mean");
    return 0;
}

static int solve(power_q_t *q, ordo_error_t *err)
{
    if (q->is_mean) {
        if (!strcmp(q->solve, "n"))
            return ordo_power_mean_n(q->mde, q->sd, q->alpha, q->power, &q->n, err);
        if (!strcmp(q->solve, "power"))
            return ordo_power_mean_power(q->n, q->mde, q->sd, q->alpha, &q->power, err);
        return ordo_power_mean_mde(q->n, q->sd, q->alpha, q->power, &q->mde, err);
    }
    if (!strcmp(q->solve, "n"))
        return ordo_power_prop_n(q->p1, q->p2, q->alpha, q->power, &q->n, err);
    if (!strcmp(q->solve, "power"))
        return ordo_power_prop_power(q->n, q->p1, q->p2, q->alpha, &q->power, err);
    return ordo_power_prop_mde(q->n, q->p1, q->alpha, q->power, &q->p2, err);
}

static int print_json(const power_q_t *q)
{
    bool is_mean = q->is_mean;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "metric", is_mean ? "mean" : "proportion");
    ordo_jsonw_kstr(&w, "method", is_mean ? "power.t.test" : "power.prop.test");
    ordo_jsonw_kstr(&w, "solved_for",
                    !strcmp(q->solve, "effect") ? (is_mean ? "mde" : "p2") : q->solve);
    ordo_jsonw_kdouble(&w, "n", q->n);
    ordo_jsonw_kint(&w, "n_rounded_up", (int64_t)ceil(q->n));
    if (is_mean) {
        ordo_jsonw_kdouble(&w, "mde", q->mde);
        ordo_jsonw_kdouble(&w, "sd", q->sd);
    } else {
        ordo_jsonw_kdouble(&w, "p1", q->p1);
        ordo_jsonw_kdouble(&w, "p2", q->p2);
    }
    ordo_jsonw_kdouble(&w, "alpha", q->alpha);
    ordo_jsonw_kdouble(&w, "power", q->power);
    ordo_jsonw_kstr(&w, "alternative", "two.sided");
    ordo_jsonw_kstr(&w, "n_is", "per arm");
    ordo_jsonw_obj_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (rc == ORDO_OK)
        ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
    return rc ? ordo_cli_fail(NULL, rc, true) : ORDO_EXIT_OK;
}

static void print_text(const power_q_t *q)
{
    bool is_mean = q->is_mean;
    printf("\n     %s power calculation (as R's %s)\n\n",
           is_mean ? "Two-sample t test" : "Two-sample comparison of proportions",
           is_mean ? "power.t.test" : "power.prop.test");
    text_line("n", q->n);
    printf("%15s = %.0f\n", "n rounded up", ceil(q->n));
    if (is_mean) {
        text_line("delta", q->mde);
        text_line("sd", q->sd);
    } else {
        text_line("p1", q->p1);
        text_line("p2", q->p2);
    }
    text_line("sig.level", q->alpha);
    text_line("power", q->power);
    printf("%15s = two.sided\n\nNOTE: n is number in *each* group\n\n", "alternative");
}

static int run(const ordo_cli_args_t *a)
{
    const char *metric = ordo_cli_get(a, "metric");
    power_q_t q;
    int rc = read_numbers(a, &q);
    if (rc)
        return rc;
    if (!metric)
        return ordo_cli_usage("power", "--metric mean or --metric proportion is required");
    q.is_mean = !strcmp(metric, "mean");
    if (!q.is_mean && strcmp(metric, "proportion"))
        return ordo_cli_usage("power", "--metric must be 'mean' or 'proportion', not '%s'", metric);
    if ((rc = choose_unknown(&q)))
        return rc;
    ordo_error_t err = {0};
    if ((rc = solve(&q, &err)))
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json)
        return print_json(&q);
    print_text(&q);
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t opts[] = {
    {"metric", 0, "M", "mean: difference in means, as R's power.t.test (noncentral t);\n"
                       "proportion: difference in proportions, as R's power.prop.test"},
    {"sd", 0, "S", "standard deviation of the metric (mean)"},
    {"mde", 0, "D", "minimum detectable effect: the difference in means"},
    {"p1", 0, "P1", "control proportion (proportion)"},
    {"p2", 0, "P2", "treatment proportion (proportion)"},
    {"alpha", 0, "A", "significance level, two-sided (default 0.05)"},
    {"power", 0, "P", "target power (default 0.8): solve for n per arm"},
    {"n", 0, "N", "units per arm: solve for the power; with --power and without\n"
                  "--mde (or --p2): solve for the detectable effect"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_power = {
    .name = "power",
    .summary = "sample size, power and detectable effect",
    .usage = "power --metric mean --sd S --mde D [--alpha A] [--power P | --n N] [--json]\n"
             "power --metric mean --sd S --n N --power P [--alpha A] [--json]\n"
             "power --metric proportion --p1 P1 --p2 P2 [--alpha A] [--power P | --n N] [--json]\n"
             "power --metric proportion --p1 P1 --n N --power P [--alpha A] [--json]",
    .about = "Two-sample, two-sided power analysis. Sample sizes are per arm.\n"
             "n is printed exactly and rounded up (the size to plan for), as R reports it.\n"
             "Exit status: 0 ok, 2 bad usage, 65 values out of range.",
    .examples = "ordo power --metric mean --sd 2.5 --mde 0.1\n"
                "ordo power --metric proportion --p1 0.90 --p2 0.92 --json",
    .opts = opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
