/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — experiments from the command line: the registry (create,
 * lifecycle, kill switch, history, list, show), assignment (assign, hash)
 * and switchback schedules. docs/experiments.md has the document format and
 * the lifecycle; docs/internals/ASSIGNMENT.md the assignment rules. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_catalog.h"
#include "ordo/exp.h"

static void print_number(double v)
{
    char buf[32];
    ordo_json_format_double(v, buf);
    fputs(buf, stdout);
}

static int cmd_hash(const ordo_cli_args_t *a)
{
    bool json = a->json;
    char *const *pos = a->pos;
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

/* The registry options of a subcommand (each table declares those that
 * apply), and its positional arguments. */
static void reg_from_args(const ordo_cli_args_t *a, reg_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->data = ordo_cli_get(a, "data");
    if (!o->data)
        o->data = ordo_cli_default_data_dir();
    o->actor = ordo_cli_get(a, "actor");
    o->reason = ordo_cli_get(a, "reason");
    o->winner = ordo_cli_get(a, "winner");
    o->unit = ordo_cli_get(a, "unit");
    o->order = ordo_cli_get(a, "order");
    o->network = ordo_cli_get(a, "network");
    o->at = ordo_cli_get(a, "at");
    o->json = a->json;
    for (int i = 0; i < a->npos && i < 2; i++)
        o->pos[o->npos++] = a->pos[i];
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

/* result: the stored result document of a concluded experiment (NULL:
 * none), written as its catalog entry under "result". */
void ordo_cli_exp_write_full(const ordo_exp_t *e, const char *result, size_t result_len,
                           ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "experiment");
    ordo_exp_write_json(e, w);
    ordo_jsonw_key(w, "status");
    ordo_exp_status_write_json(&e->status, w);
    ordo_jsonw_kstr(w, "definition_version", e->definition_version);
    ordo_jsonw_kint(w, "version", (int64_t)e->store_version);
    if (result) {
        ordo_jsonw_key(w, "result");
        if (ordo_cli_catalog_entry(result, result_len, w))
            ordo_jsonw_null(w);
    }
    ordo_jsonw_obj_end(w);
}

static int print_exp_json(const ordo_exp_t *e, const char *result, size_t result_len)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 1);
    ordo_cli_exp_write_full(e, result, result_len, &w);
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

static int cmd_create(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
    ordo_error_t err;
    ordo_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    int rc = ordo_read_file(o.pos[0], &text, &len, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    /* the document is checked before the store is opened (created): a
     * rejected create leaves a fresh directory without an ordo.db */
    ordo_exp_t *checked = NULL;
    rc = ordo_exp_parse(text, len, o.pos[0], &checked, &err);
    ordo_exp_destroy(checked);
    if (rc) {
        free(text);
        return ordo_cli_fail(&err, rc, o.json);
    }
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
        code = print_exp_json(e, NULL, 0);
    else
        printf("created experiment %s (draft), definition version %s\n", e->id,
               e->definition_version);
    ordo_exp_destroy(e);
    return code;
}

static int cmd_transition(ordo_exp_action_t action, const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_exp_t *before = NULL, *e = NULL;
    rc = ordo_exp_registry_get(reg, o.pos[0], &before, &err);
    ordo_buf_t report, summary;
    ordo_buf_init(&report, NULL);
    ordo_buf_init(&summary, NULL);
    bool with_report = action == ORDO_EXP_ACT_CONCLUDE && !ordo_cli_flag(a, "no-report") &&
                       rc == ORDO_OK && before->status.state == ORDO_EXP_STOPPED;
    if (with_report) /* the final report, stored with the state change */
        rc = ordo_cli_conclusion_build(o.data, o.pos[0], &report, &summary, &err);
    if (rc == ORDO_OK && action == ORDO_EXP_ACT_CONCLUDE) { /* with --no-report: no summary */
        ordo_exp_conclusion_t res = {report.data, report.len, summary.data, summary.len};
        rc = ordo_exp_registry_conclude(reg, o.pos[0], o.winner, o.actor, o.reason, &res, 0, &e,
                                        &err);
    } else if (rc == ORDO_OK) {
        rc = ordo_exp_registry_transition(reg, o.pos[0], action, o.winner, o.actor, o.reason, 0,
                                          &e, &err);
    }
    ordo_buf_free(&report);
    ordo_buf_free(&summary);
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
        code = print_exp_json(e, NULL, 0);
    } else {
        printf("experiment %s: %s → %s%s\n", e->id, ordo_exp_state_name(before->status.state),
               ordo_exp_state_name(e->status.state),
               action == ORDO_EXP_ACT_KILL ? " (killed: its traffic runs the control)" : "");
        if (def[0])
            printf("default policy is now %s (variant %s)\n", def, e->status.winner);
        if (with_report)
            printf("final report stored (exp_report/%s); see ordo exp catalog\n", e->id);
    }
    ordo_exp_destroy(before);
    ordo_exp_destroy(e);
    return code;
}

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
        ordo_cli_exp_write_full(e, NULL, 0, p->w);
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

static int cmd_list(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
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

static int cmd_show(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    int rc = open_registry(&o, false, &store, &reg, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_get(reg, o.pos[0], &e, &err);
    /* a concluded experiment's stored result (ordo exp conclude) */
    char *result = NULL;
    size_t result_len = 0;
    ordo_error_t rerr;
    if (!rc && ordo_store_doc_get(store, ORDO_EXP_RESULT_KIND, e->id, &result, &result_len, NULL,
                                  &rerr))
        result = NULL;
    close_registry(store, reg);
    if (rc)
        return ordo_cli_fail(&err, rc, o.json);
    int code = ORDO_EXIT_OK;
    if (o.json) {
        code = print_exp_json(e, result, result_len);
    } else {
        print_exp_text(e);
        if (result) {
            printf("result (stored at conclusion; ordo exp catalog lists every one)\n");
            ordo_cli_catalog_entry(result, result_len, NULL);
        }
    }
    free(result);
    ordo_exp_destroy(e);
    return code;
}

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

static int cmd_history(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
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

/* The order --order names, parsed against --network: what targeting sees. */
typedef struct assign_order {
    ordo_network_t *net;
    ordo_arena_t *arena;
    ordo_order_t order;
    ordo_order_ctx_t ctx;
} assign_order_t;

static int assign_load_order(const reg_opts_t *o, assign_order_t *x, ordo_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = ordo_cli_network_load(o->network, &x->net, err);
    if (rc == ORDO_OK)
        rc = ordo_read_file(o->order, &text, &len, err);
    if (rc == ORDO_OK) {
        x->arena = ordo_arena_create(0);
        rc = x->arena ? ordo_order_parse(text, len, x->net, x->arena, &x->order, err)
                      : ORDO_ENOMEM;
    }
    free(text);
    if (rc == ORDO_OK)
        ordo_order_ctx_init(&x->ctx, &x->order, x->net);
    return rc;
}

/* Routes unit through e alone at now; fills ent. Without an order,
 * targeting is not evaluated. */
typedef struct assign_route {
    ordo_exp_snapshot_t *snap; /* the entry points into these: free after printing */
    ordo_exp_route_t *route;
} assign_route_t;

static int assign_route(ordo_exp_t *e, const char *unit, bool with_order, ordo_order_ctx_t *ctx,
                        int64_t now, assign_route_t *r, ordo_exp_route_entry_t *ent,
                        ordo_error_t *err)
{
    ordo_exp_units_t units = {.order_id = unit, .customer_id = unit};
    if (e->unit == ORDO_EXP_UNIT_SWITCHBACK) {
        ordo_geo_region_t reg;
        if (e->cluster == ORDO_EXP_CLUSTER_REGION)
            ctx->region = ordo_geo_region_parse(unit, &reg) == ORDO_OK ? ordo_geo_region_name(reg) : unit;
        else
            ctx->state = unit;
    }
    ordo_cond_t *targeting = e->targeting;
    if (!with_order)
        e->targeting = NULL;
    const ordo_exp_t *one = e;
    int rc = ordo_exp_snapshot_build(&one, 1, NULL, &r->snap, err);
    e->targeting = targeting;
    if (rc == ORDO_OK && ordo_exp_snapshot_count(r->snap) == 1) {
        r->route = malloc(sizeof *r->route);
        rc = r->route ? ordo_exp_route(r->snap, ctx, &units, now, r->route, err) : ORDO_ENOMEM;
        if (rc == ORDO_OK)
            *ent = r->route->entries[0];
    }
    return rc;
}

static void assign_print(const ordo_exp_t *e, const char *unit, const ordo_exp_route_entry_t *ent,
                         bool json, bool with_order)
{
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "experiment", e->id);
        ordo_jsonw_kstr(&w, "unit", unit);
        ordo_jsonw_kbool(&w, "in_experiment", ent->in_experiment);
        ordo_jsonw_key(&w, "variant");
        ordo_jsonw_str(&w, ent->variant);
        ordo_jsonw_key(&w, "bucket");
        if (ent->bucket >= 0)
            ordo_jsonw_double(&w, ent->bucket);
        else
            ordo_jsonw_null(&w);
        ordo_jsonw_kstr(&w, "reason", ordo_exp_route_reason_name(ent->reason));
        ordo_jsonw_obj_end(&w);
        if (ordo_jsonw_finish(&w) == ORDO_OK)
            ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
        return;
    }
    printf("experiment %s, unit %s: %s", e->id, unit, ordo_exp_route_reason_name(ent->reason));
    if (ent->variant)
        printf(", variant %s (policy %s)", ent->variant, ent->policy_version);
    if (ent->bucket >= 0) {
        printf(", bucket ");
        print_number(ent->bucket);
    }
    if (ent->in_warmup)
        printf(", in warm-up (excluded from analysis)");
    else if (ent->excluded)
        printf(", in burn-in/out (excluded from analysis)");
    if (!with_order && e->targeting)
        printf("\n(targeting not evaluated: pass --order and --network)");
    printf("\n");
}

static int cmd_assign(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
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
    assign_order_t x;
    memset(&x, 0, sizeof x);
    x.ctx.zip3 = -1;
    x.ctx.cohort = "";
    x.ctx.customer_id = "";
    const char *unit = o.unit;
    if (o.order && (rc = assign_load_order(&o, &x, &err)) == ORDO_OK && !unit) {
        const char *k;
        size_t kl;
        ordo_exp_unit_key(e->unit, &x.order, &k, &kl);
        unit = k;
    }
    ordo_exp_route_entry_t ent = {.experiment = e->id, .variant_index = -1, .bucket = -1,
                                  .reason = ORDO_EXP_ROUTE_NOT_RUNNING};
    assign_route_t r = {NULL, NULL};
    if (rc == ORDO_OK)
        rc = assign_route(e, unit, o.order != NULL, &x.ctx, now, &r, &ent, &err);
    int code = ORDO_EXIT_OK;
    if (rc)
        code = ordo_cli_fail(&err, rc, o.json);
    else
        assign_print(e, unit, &ent, o.json, o.order != NULL);
    free(r.route);
    ordo_exp_snapshot_destroy(r.snap);
    ordo_arena_destroy(x.arena);
    ordo_network_destroy(x.net);
    ordo_exp_destroy(e);
    return code;
}

static int cmd_register(const ordo_cli_args_t *a)
{
    reg_opts_t o;
    reg_from_args(a, &o);
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_policy_t *p = NULL;
    int rc = ordo_cli_policy_load(o.pos[0], &p, &err);
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

/* The flags of a schedule from flags; lists are split in place. */
typedef struct sched_flags {
    const char *seed, *start_s;
    char *clusters_s, *arms_s, *weights_s;
    uint32_t windows, block, version;
    double hours;
    int64_t burn_in, burn_out;
    bool have_windows, have_hours;
} sched_flags_t;

static char *dup_arg(const ordo_cli_args_t *a, const char *name)
{
    const char *v = ordo_cli_get(a, name);
    return v ? strdup(v) : NULL;
}

/* Reads and checks the numeric flags; 0 or a usage exit code. */
static int sched_read(const ordo_cli_args_t *a, sched_flags_t *f)
{
    const char *cmd = "exp schedule", *v;
    memset(f, 0, sizeof *f);
    f->version = 2;
    f->seed = ordo_cli_get(a, "seed");
    f->start_s = ordo_cli_get(a, "start");
    if ((v = ordo_cli_get(a, "windows"))) {
        if (ordo_parse_u32(v, strlen(v), &f->windows) || f->windows == 0)
            return ordo_cli_usage(cmd, "--windows wants a positive integer, got '%s'", v);
        f->have_windows = true;
    }
    if ((v = ordo_cli_get(a, "window-hours"))) {
        if (ordo_parse_double(v, strlen(v), &f->hours) || !(f->hours > 0) || f->hours > 24.0 * 366)
            return ordo_cli_usage(cmd,
                                  "--window-hours wants a positive number of hours "
                                  "(at most a year), got '%s'",
                                  v);
        f->have_hours = true;
    }
    if ((v = ordo_cli_get(a, "burn-in")) && parse_minutes("--burn-in", v, &f->burn_in))
        return ORDO_EXIT_USAGE;
    if ((v = ordo_cli_get(a, "burn-out")) && parse_minutes("--burn-out", v, &f->burn_out))
        return ORDO_EXIT_USAGE;
    if ((v = ordo_cli_get(a, "block-size")) && ordo_parse_u32(v, strlen(v), &f->block))
        return ordo_cli_usage(cmd, "--block-size wants an integer, got '%s'", v);
    if ((v = ordo_cli_get(a, "hash-version")) &&
        (ordo_parse_u32(v, strlen(v), &f->version) || (f->version != 1 && f->version != 2)))
        return ordo_cli_usage(cmd, "--hash-version must be 1 or 2, got '%s'", v);
    return 0;
}

/* The arms and their weights; 0 or a usage exit code. */
static int sched_arms(sched_flags_t *f, char **arms, size_t *n_arms, double *weights,
                      size_t *n_weights)
{
    const char *cmd = "exp schedule";
    char default_arms[] = "control,treatment";
    if (split_list(f->arms_s ? f->arms_s : default_arms, arms, ORDO_EXP_MAX_ARMS, n_arms) ||
        *n_arms < 2)
        return ordo_cli_usage(cmd, "--arms wants 2 to %d non-empty comma-separated names",
                              ORDO_EXP_MAX_ARMS);
    if (!f->arms_s) /* the defaults live on this stack frame: copy them */
        for (size_t i = 0; i < *n_arms; i++)
            arms[i] = strdup(arms[i]);
    *n_weights = 0;
    if (!f->weights_s)
        return 0;
    char *items[ORDO_EXP_MAX_ARMS];
    if (split_list(f->weights_s, items, ORDO_EXP_MAX_ARMS, n_weights) || *n_weights != *n_arms)
        return ordo_cli_usage(cmd, "--weights wants one weight per arm (%zu)", *n_arms);
    double total = 0;
    for (size_t i = 0; i < *n_weights; i++) {
        if (ordo_parse_double(items[i], strlen(items[i]), &weights[i]) || weights[i] < 0)
            return ordo_cli_usage(cmd, "--weights: '%s' is not a weight", items[i]);
        total += weights[i];
    }
    /* The command validates strictly, like `ordo exp create`. */
    if (fabs(total - 1.0) > 0.01)
        return ordo_cli_usage(cmd, "--weights sum to %g, not 1 ± 0.01", total);
    return 0;
}

/* Computes and prints the schedule of the design in f over the clusters. */
static int sched_print(const sched_flags_t *f, int64_t start, char **clusters, size_t n_clusters,
                       char **arms, size_t n_arms, const double *weights, size_t n_weights,
                       bool json)
{
    ordo_exp_switchback_spec_t spec = {.seed = f->seed,
                                       .hash_version = (int)f->version,
                                       .start = start,
                                       .window_seconds = (int64_t)llround(f->hours * 3600.0),
                                       .n_windows = f->windows,
                                       .burn_in_seconds = f->burn_in,
                                       .burn_out_seconds = f->burn_out,
                                       .n_arms = n_arms,
                                       .weights = n_weights ? weights : NULL,
                                       .n_weights = n_weights,
                                       .block_size = f->block};
    ordo_exp_switchback_t sb;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_exp_switchback_init(&sb, &spec, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    int *cells = malloc((size_t)f->windows * n_clusters * sizeof *cells);
    if (!cells)
        return ordo_cli_fail(NULL, ORDO_ENOMEM, json);
    rc = ordo_exp_switchback_schedule(&sb, (const char *const *)clusters, n_clusters, cells, &err);
    if (rc == ORDO_OK)
        print_schedule(&sb, clusters, n_clusters, arms, cells, json);
    free(cells);
    return rc ? ordo_cli_fail(&err, rc, json) : ORDO_EXIT_OK;
}

/* `ordo exp schedule --seed ...`: the schedule from flags. */
static int schedule_flags(sched_flags_t *f, bool json)
{
    const char *cmd = "exp schedule";
    if (!f->seed || !f->clusters_s || !f->start_s || !f->have_windows || !f->have_hours)
        return ordo_cli_usage(cmd, "--seed, --clusters, --start, --windows and --window-hours "
                                   "are required");
    int64_t start;
    if (ordo_time_parse(f->start_s, &start))
        return ordo_cli_usage(cmd,
                              "--start wants an ISO 8601 time like 2026-11-24T00:00:00Z, "
                              "got '%s'",
                              f->start_s);
    if ((int64_t)llround(f->hours * 3600.0) < 1)
        return ordo_cli_usage(cmd, "--window-hours is shorter than a second");
    char *clusters[1024];
    size_t n_clusters;
    if (split_list(f->clusters_s, clusters, 1024, &n_clusters))
        return ordo_cli_usage(cmd, "--clusters wants 1 to 1024 non-empty comma-separated names");
    for (size_t i = 0; i < n_clusters; i++)
        for (size_t k = 0; k < i; k++)
            if (!strcmp(clusters[i], clusters[k]))
                return ordo_cli_usage(cmd, "cluster '%s' is listed twice", clusters[i]);
    char *arms[ORDO_EXP_MAX_ARMS];
    size_t n_arms = 0, n_weights;
    double weights[ORDO_EXP_MAX_ARMS];
    int rc = sched_arms(f, arms, &n_arms, weights, &n_weights);
    if (!rc && (uint64_t)f->windows * n_clusters > SCHEDULE_MAX_CELLS)
        rc = ordo_cli_usage(cmd, "schedule too large (%zu clusters × %u windows)", n_clusters,
                            f->windows);
    if (!rc)
        rc = sched_print(f, start, clusters, n_clusters, arms, n_arms, weights, n_weights, json);
    if (!f->arms_s)
        for (size_t i = 0; i < n_arms; i++)
            free(arms[i]);
    return rc;
}

static int cmd_schedule(const ordo_cli_args_t *a)
{
    sched_flags_t f;
    int rc = sched_read(a, &f);
    if (rc)
        return rc;
    const char *data = ordo_cli_get(a, "data");
    f.clusters_s = dup_arg(a, "clusters");
    f.arms_s = dup_arg(a, "arms");
    f.weights_s = dup_arg(a, "weights");
    if (a->npos) {
        if (f.seed || f.start_s || f.have_windows || f.have_hours || f.arms_s || f.weights_s ||
            f.block || f.burn_in || f.burn_out)
            rc = ordo_cli_usage("exp schedule", "with an experiment ID, the schedule comes from "
                                                "the registry: only --clusters, --data and "
                                                "--json apply");
        else
            rc = schedule_stored(a->pos[0], data ? data : ordo_cli_default_data_dir(),
                                 f.clusters_s, a->json);
    } else {
        rc = schedule_flags(&f, a->json);
    }
    free(f.clusters_s);
    free(f.arms_s);
    free(f.weights_s);
    return rc;
}

/* start, pause, stop, conclude, kill: the action is the subcommand's name */
static int cmd_action(const ordo_cli_args_t *a)
{
    for (int k = ORDO_EXP_ACT_START; k <= ORDO_EXP_ACT_KILL; k++)
        if (!strcmp(a->cmd->name, ordo_exp_action_name((ordo_exp_action_t)k)))
            return cmd_transition((ordo_exp_action_t)k, a);
    return ordo_cli_usage("exp", "unknown action '%s'", a->cmd->name);
}

#define OPT_DATA {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"}
#define OPT_ACTOR {"actor", 0, "A", "who, for the audit trail (default $USER)"}
#define OPT_REASON {"reason", 0, "R", "why, for the audit trail"}
#define OPT_END {NULL, 0, NULL, NULL}

static const ordo_cli_opt_t data_opts[] = {OPT_DATA, OPT_END};
static const ordo_cli_opt_t create_opts[] = {OPT_DATA, OPT_ACTOR, OPT_REASON, OPT_END};
static const ordo_cli_opt_t conclude_opts[] = {
    {"winner", 0, "KEY", "roll that variant's policy version out as the default policy"},
    {"no-report", 0, NULL, "conclude without analysing DIR and storing the final report"},
    OPT_REASON, OPT_ACTOR, OPT_DATA, OPT_END};
static const ordo_cli_opt_t assign_opts[] = {
    {"unit", 0, "U", "the unit: an order id, a customer id or a cluster (required\n"
                     "unless --order gives it)"},
    {"order", 0, "ORDER.json", "evaluate the targeting on this order"},
    {"network", 0, "DIR", "the network the order refers to (with --order)"},
    {"at", 0, "TIME", "ISO 8601 time (default now): ramp stage, warm-up, window"},
    OPT_DATA, OPT_END};
static const ordo_cli_opt_t schedule_opts[] = {
    {"seed", 0, "S", "the experiment's seed (required)"},
    {"clusters", 0, "LIST", "comma-separated cluster names, e.g. CA,TX,NY (required)"},
    {"start", 0, "TIME", "first window's start, ISO 8601 (2026-11-24T00:00:00Z)"},
    {"windows", 0, "N", "number of windows (required)"},
    {"window-hours", 0, "H", "window length in hours, may be fractional (required)"},
    {"arms", 0, "LIST", "arm names (default control,treatment)"},
    {"weights", 0, "LIST", "arm weights summing to 1 (default equal)"},
    {"burn-in", 0, "MIN", "minutes at the start of each window excluded from\n"
                          "analysis (default 0)"},
    {"burn-out", 0, "MIN", "minutes at the end of each window excluded (default 0)"},
    {"block-size", 0, "B", "balance arms within each cluster in blocks of B\n"
                           "windows (default 0: independent per window)"},
    {"hash-version", 0, "V", "1 or 2 (default 2)"},
    OPT_DATA, OPT_END};

static const char transition_about[] =
    "Moves an experiment through its lifecycle and records who (--actor, default\n"
    "$USER), when and why (--reason) in its audit trail:\n"
    "  start     draft → running, or paused → running\n"
    "  pause     running → paused (orders run the default policy meanwhile)\n"
    "  stop      running | paused → stopped\n"
    "  kill      the kill switch: stops at once and returns the experiment's\n"
    "            traffic to the control variant until it is concluded\n"
    "  conclude  stopped → concluded; --winner KEY rolls that variant's policy\n"
    "            version out as the default policy\n"
    "A concluded experiment never starts again; illegal transitions are errors (65).";

static const char conclude_about[] =
    "Moves a stopped experiment to concluded and records who (--actor, default\n"
    "$USER), when and why (--reason) in its audit trail. --winner KEY rolls that\n"
    "variant's policy version out as the default policy. In the same transaction\n"
    "the experiment's final report (the analysis of DIR, as `ordo analyze DIR\n"
    "--experiment ID --format json` gives it) is stored as exp_report/ID and its\n"
    "summary (verdict, hypothesis, per-metric differences, lifts, intervals and\n"
    "p-values, the promoted policy, dates) as exp_result/ID, which `ordo exp\n"
    "catalog` lists; --no-report skips the analysis (exp_result/ID then has no\n"
    "summary). A concluded experiment never\n"
    "starts again; illegal transitions are errors (65).";

#define TRANSITION(id, verb, what)                                                               \
    static const ordo_cli_cmd_t cmd_##id = {                                                     \
        .name = verb,                                                                            \
        .summary = what,                                                                         \
        .usage = "exp " verb " ID [--reason R] [--actor A] [--data DIR] [--json]",             \
        .about = transition_about,                                                               \
        .examples = "ordo exp " verb " proximity-vs-cost --reason \"" what "\"",                 \
        .opts = create_opts,                                                                     \
        .min_pos = 1,                                                                            \
        .max_pos = 1,                                                                            \
        .flags = ORDO_CLI_RESULT,                                                                \
        .run = cmd_action}

TRANSITION(start, "start", "start or resume an experiment");
TRANSITION(pause, "pause", "pause a running experiment");
TRANSITION(stop, "stop", "stop an experiment");
TRANSITION(kill, "kill", "the kill switch: all its traffic back to control");

static const ordo_cli_cmd_t cmd_conclude = {
    .name = "conclude",
    .summary = "end a stopped experiment; --winner rolls its policy out",
    .usage = "exp conclude ID [--winner KEY] [--no-report] [--reason R] [--actor A]\n"
             "             [--data DIR] [--json]",
    .about = conclude_about,
    .examples = "ordo exp conclude proximity-vs-cost --winner treatment",
    .opts = conclude_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_action};

static const ordo_cli_cmd_t cmd_hash_ = {
    .name = "hash",
    .summary = "GrowthBook's hash(SEED, ID, VERSION), to cross-check other SDKs",
    .usage = "exp hash SEED ID VERSION [--json]",
    .about = "Prints the raw hash value in [0, 1) that assignment compares with the bucket\n"
             "ranges, computed exactly as the GrowthBook SDKs compute hash(seed, id,\n"
             "version): 32-bit FNV-1a over the UTF-16 code units of the text;\n"
             "  version 1: (fnv(ID + SEED) % 1000) / 1000\n"
             "  version 2: (fnv(decimal string of fnv(SEED + ID)) % 10000) / 10000\n"
             "SEED and ID are UTF-8 (either may be empty: \"\"). --json prints\n"
             "{\"seed\", \"id\", \"version\", \"hash\"}.",
    .examples = "ordo exp hash seed-1 user-42 2",
    .min_pos = 3,
    .max_pos = 3,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_hash};

static const ordo_cli_cmd_t cmd_schedule_ = {
    .name = "schedule",
    .summary = "a switchback schedule, of a stored experiment or from flags",
    .usage = "exp schedule --seed S --clusters A,B,... --start TIME --windows N\n"
             "             --window-hours H [--arms control,treatment]\n"
             "             [--weights W,W,...] [--burn-in MIN] [--burn-out MIN]\n"
             "             [--block-size B] [--hash-version 1|2] [--json]\n"
             "exp schedule ID [--clusters A,B,...] [--data DIR] [--json]",
    .about = "Prints the switchback schedule: the arm each cluster (region) runs in each\n"
             "time window. The schedule is a pure function of the seed, so it can be\n"
             "printed ahead of time and audited: window w of cluster C runs the arm of\n"
             "hash(S, \"C:w\", version) over the arms' bucket ranges, or, with\n"
             "--block-size, a permuted block per cluster that balances arms over time.\n"
             "With an experiment ID the schedule is the stored switchback experiment's\n"
             "(seed, windows, weights, blocks from its document); --clusters defaults to the\n"
             "50 states and DC, or the four census regions when it switches by region.",
    .examples = "ordo exp schedule --seed sb-2026 --clusters CA,TX,NY --start "
                "2026-11-24T00:00:00Z --windows 6 --window-hours 2",
    .opts = schedule_opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_schedule};

static const ordo_cli_cmd_t cmd_create_ = {
    .name = "create",
    .summary = "validate an experiment document and store it (draft)",
    .usage = "exp create FILE [--data DIR] [--actor A] [--reason R] [--json]",
    .about = "Validates an experiment document strictly (docs/experiments.md) and stores it\n"
             "as a draft in the registry of DIR (default $ORDO_DATA or ./ordo-data). Errors\n"
             "name the field: unknown fields, weights that do not sum to 1 ± 0.01, a\n"
             "coverage outside [0, 1], an unknown policy version, a namespace range that\n"
             "overlaps another experiment of the same layer that is not concluded...\n"
             "A variant may name a built-in policy (\"policy\": \"cost-optimized\") instead of\n"
             "a version. The audit trail records who (--actor, default $USER) and why.",
    .examples = "ordo exp create docs/examples/experiment.json --reason \"Q4 test\"",
    .opts = create_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_create};

static const ordo_cli_cmd_t cmd_list_ = {
    .name = "list",
    .summary = "experiments and their states",
    .usage = "exp list [--data DIR] [--json]",
    .about = "Lists the experiments of the registry with their state.",
    .examples = "ordo exp list --json",
    .opts = data_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_list};

static const ordo_cli_cmd_t cmd_show_ = {
    .name = "show",
    .summary = "one experiment",
    .usage = "exp show ID [--data DIR] [--json]",
    .about = "Prints an experiment: its definition (canonical form), state and history\n"
             "timestamps. --json prints {\"experiment\", \"status\", \"definition_version\",\n"
             "\"version\"}.",
    .examples = "ordo exp show proximity-vs-cost",
    .opts = data_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_show};

static const ordo_cli_cmd_t cmd_history_ = {
    .name = "history",
    .summary = "its audit trail (who, when, what, why)",
    .usage = "exp history ID [--data DIR] [--json]",
    .about = "Prints the audit trail of an experiment, oldest first: when, who, what and\n"
             "why. The trail is append-only.",
    .examples = "ordo exp history proximity-vs-cost",
    .opts = data_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_history};

static const ordo_cli_cmd_t cmd_assign_ = {
    .name = "assign",
    .summary = "which variant a unit gets, and why",
    .usage = "exp assign ID --unit U [--order ORDER.json --network DIR] [--at TIME]\n"
             "              [--data DIR] [--json]",
    .about = "Shows what experiment ID gives unit U: the unit is an order id, a customer id\n"
             "or, for a switchback, a cluster (state or region), as the experiment's unit\n"
             "says. With --order (and the --network it refers to) the experiment's targeting\n"
             "is evaluated on that order, and --unit defaults to the order's unit key;\n"
             "without it targeting is not evaluated. --at (ISO 8601, default now) picks the\n"
             "ramp stage, warm-up and switchback window. Stratified experiments show the\n"
             "hash-based arm (the live arm comes from the per-stratum counter).\n"
             "--json prints {\"experiment\", \"unit\", \"in_experiment\", \"variant\",\n"
             "\"bucket\", \"reason\"}; reason is one of: assigned, targeted out,\n"
             "outside coverage, outside namespace, outside schedule, not running,\n"
             "killed, holdout, missing unit.",
    .examples = "ordo exp assign proximity-vs-cost --unit ORD-1001 --json",
    .opts = assign_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_assign};

static const ordo_cli_cmd_t cmd_register_ = {
    .name = "register-policy",
    .summary = "make a policy version known to experiments",
    .usage = "exp register-policy FILE|NAME [--data DIR] [--json]",
    .about = "Registers a policy (a policy JSON file, or a built-in name) in the registry,\n"
             "keyed by its version, so experiments can name it by \"policy_version\".",
    .examples = "ordo exp register-policy cost-optimized",
    .opts = data_opts,
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_register};

static const ordo_cli_cmd_t *const subs[] = {
    &cmd_create_, &cmd_start, &cmd_pause,   &cmd_stop,   &cmd_kill,          &cmd_conclude,
    &cmd_list_,   &cmd_show_, &cmd_history_, &cmd_assign_, &cmd_schedule_, &cmd_register_,
    &cmd_hash_,   &ordo_cmd_exp_catalog, NULL};

const ordo_cli_cmd_t ordo_cmd_exp = {
    .name = "exp",
    .summary = "experiments: create, start, kill, history, assign...",
    .usage = "exp <subcommand> [options]",
    .about = "Experiments: the registry, lifecycle and assignment (docs/experiments.md).\n"
             "State lives in --data DIR (default $ORDO_DATA or ./ordo-data).",
    .examples = "ordo exp create docs/examples/experiment.json\nordo exp start proximity-vs-cost",
    .subs = subs,
};
