/* SPDX-License-Identifier: Apache-2.0 */
/* bench_facts_scale — the analysis from facts at 10,000,000 orders
 * (docs/internals/ANALYZE.md "The facts table", "At scale").
 *
 *   bench_facts_scale [orders] [repeats]
 *
 * A log of 10M orders would be ~20 GB and days to write, so the orders are
 * synthesised directly in the facts format, in memory: one decision fact
 * per order (two variants, 30 days, 5 regions, 8 families, 3 channels, 2
 * promotions, 1-2 shipments over 2 carrier services, as the decision path's
 * records give them), a shadow fact of the control policy after every
 * treatment decision (the CUPED covariate; BENCH_SCALE_NO_SHADOW=1: none),
 * and an outcome fact for 90% of the orders (shipped, delivered, costs,
 * refunds, returns, cancellations, the four operational measures), indexed
 * as the outcome facts file holds them. Not timed.
 * Timed, median of `repeats` (default 3), one core: the checks an open
 * for an analysis makes of what it reads (an_facts_sums_ok over every row,
 * an_ofacts_body_ok over every outcome row and slot, against sums taken
 * once, not timed), the facts path's join and the whole analysis
 * (an_analyze_facts: every metric, CUPED, the six breakdowns, days and the
 * sequential test, shadow pairing, finish), and the two together, in
 * memory. Then the tables are saved by the library's own saves into a data
 * directory (BENCH_SCALE_DIR: a new or empty one, else one made in /tmp
 * and removed at exit),
 * freed, and timed from the files: what `ordo analyze DIR` does once the
 * tables exist (an_facts_open_fused and an_ofacts_open: mapping, the
 * outcome facts' check; the join, which checks the facts' rows as it reads
 * them, and the analysis; the tables closed), CPU of the whole process
 * (CLOCK_PROCESS_CPUTIME_ID: every thread), its report checked equal to
 * the one in memory: the goal line. And ordo_analyze_dir itself on the
 * directory (the experiment is not registered there: its configuration
 * has no policy versions, hence no CUPED; the experiment picked from the
 * facts' census, DIR/facts/census, which the save writes; a figure apart).
 * Prints an XXH3
 * of the JSON report, so a change to the code can be checked to give the
 * same report (run before and after). Goal:
 * 10M orders end to end in <= 2 s. BENCH_SCALE_HUGE=1: the tables and the index in transparent
 * huge pages (ANALYZE.md "At scale"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../src/analyze/internal.h"
#include "ordo/datadir.h"
#include "ordo/json.h"
#include "ordo/log.h"
#include "ordo/store.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
    return (double)ordo_now_ns() / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_facts_scale: %s\n", what);
    exit(1);
}

static uint32_t id_of(an_strings_t *s, const char *str)
{
    uint32_t id;
    if (an_strings_intern(s, str, &id))
        die("out of memory");
    return id;
}

typedef struct ids {
    uint32_t exp, var[2], pname, pver[2], channel[3], promo[2], svc[2];
} ids_t;

/* The decision fact of order i (variant v); *cc: the control policy's cost. */
static void make_decision(ordo_rng_t *rng, const ids_t *id, size_t i, size_t n_orders, int v,
                          an_fact_t *f, double *cc)
{
    memset(f, 0, sizeof *f);
    char oid[32];
    int n = snprintf(oid, sizeof oid, "O-%09zu", i);
    an_hash128(oid, (size_t)n, f->oid);
    memcpy(f->scan_oid, f->oid, sizeof f->oid);
    f->ts = 1795000000 + (int64_t)(i * 30ull * 86400 / n_orders); /* 30 days */
    f->flags = AN_F_PARSED | AN_F_HAS_TIME | AN_F_HAS_COST | AN_F_PLAN | AN_F_SIG | AN_F_OID |
               AN_F_SCAN_OID | AN_F_SCAN_EXP | AN_F_EXP_TEXT | AN_F_SCAN_VAR;
    f->experiment = f->scan_exp = id->exp;
    f->variant = f->scan_var = id->var[v];
    f->policy_name = id->pname;
    f->policy_version = id->pver[v];
    f->channel = id->channel[ordo_rng_below(rng, 3)];
    f->promotion = id->promo[ordo_rng_uniform(rng) < 0.2];
    *cc = 8 + 4 * ordo_rng_uniform(rng);
    double cost = *cc - (v ? 0.3 * ordo_rng_uniform(rng) : 0);
    int ships = ordo_rng_uniform(rng) < 0.2 ? 2 : 1;
    f->dv[AN_DV_COST] = cost;
    f->dv[AN_DV_PICK] = 1.0;
    f->dv[AN_DV_PACK] = 0.5;
    f->dv[AN_DV_SHIP] = cost - 1.6;
    f->dv[AN_DV_RETURNS] = 0.1;
    f->dv[AN_DV_CARRYING] = 0;
    f->dv[AN_DV_ON_TIME_PROB] = 0.85 + 0.1 * ordo_rng_uniform(rng);
    f->dv[AN_DV_RETURN_RISK] = 0.05;
    f->dv[AN_DV_SHIPMENTS] = ships;
    f->dv[AN_DV_UNITS] = 1 + (double)ordo_rng_below(rng, 4);
    f->dv[AN_DV_LATENCY_MS] = 0.2 + ordo_rng_uniform(rng);
    f->dv[AN_DV_CONTROL_COST] = NAN;
    double value = 20 + 400 * ordo_rng_uniform(rng);
    f->dv[AN_DV_ORDER_VALUE] = value;
    double zsum = 0;
    for (int s = 0; s < ships; s++) {
        int z = 2 + (int)ordo_rng_below(rng, 7);
        zsum += z;
        f->zones[z - 1] += 1;
        f->svc[s] = id->svc[s];
        f->svc_n[s] = 1;
    }
    f->dv[AN_DV_ZONE_SUM] = zsum;
    f->dv[AN_DV_MILES] = 150 * zsum;
    f->sig[0] = ordo_rng_next(rng);
    f->sig[1] = ordo_rng_next(rng);
    f->region = (uint8_t)ordo_rng_below(rng, 5);
    f->family = (uint16_t)ordo_rng_below(rng, 8);
    f->value_band = (uint8_t)ordo_analyze_value_band(value);
    f->rurality = (uint8_t)ordo_rng_below(rng, 3);
    f->fallback = 0;
    f->promise = f->ts + 3 * 86400;
}

static void make_outcome(ordo_rng_t *rng, const an_fact_t *f, an_outcome_t *o)
{
    memset(o, 0, sizeof *o);
    memcpy(o->oid, f->oid, sizeof o->oid);
    o->shipped_at = f->ts + 3600 + (int64_t)(20 * 3600 * ordo_rng_uniform(rng));
    bool cancelled = ordo_rng_uniform(rng) < 0.01;
    if (cancelled) {
        o->cancelled_at = f->ts + 600;
        o->shipped_at = 0;
    } else {
        o->delivered_at = o->last_delivered_at =
            o->shipped_at + 86400 + (int64_t)(3 * 86400 * ordo_rng_uniform(rng));
        o->n_shipments = o->n_delivered = (uint32_t)f->dv[AN_DV_SHIPMENTS];
    }
    if (!cancelled && ordo_rng_uniform(rng) < 0.05) {
        o->returned_at = o->delivered_at + 86400;
        o->n_returned = 1;
        o->refund = 0.5 * f->dv[AN_DV_ORDER_VALUE];
    }
    o->promised_by = f->promise;
    o->on_time = (uint8_t)(o->delivered_at && o->delivered_at <= f->promise ? ORDO_ON_TIME_YES
                                                                            : ORDO_ON_TIME_LATE);
    o->cost[ORDO_COST_PICK] = 1.0;
    o->cost[ORDO_COST_PACK] = 0.5;
    o->cost[ORDO_COST_SHIP] = f->dv[AN_DV_SHIP] + ordo_rng_normal(rng);
    o->cost_mask = (1u << ORDO_COST_PICK) | (1u << ORDO_COST_PACK) | (1u << ORDO_COST_SHIP);
    o->cost_total = o->cost[ORDO_COST_PICK] + o->cost[ORDO_COST_PACK] + o->cost[ORDO_COST_SHIP];
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        o->measure[m] = ordo_rng_uniform(rng) < 0.3 ? 1 + ordo_rng_uniform(rng) : NAN;
}

/* BENCH_SCALE_HUGE=1: the tables in transparent huge pages (madvise, as
 * this machine's THP setting asks), to see what the 4 KB pages' TLB misses
 * cost the analysis; the files ordo analyze maps get 4 KB pages. */
static void huge(void *p, size_t len)
{
    if (!getenv("BENCH_SCALE_HUGE"))
        return;
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095,
              e = ((uintptr_t)p + len) & ~(uintptr_t)4095;
    if (e > a && madvise((void *)a, e - a, MADV_HUGEPAGE))
        die("madvise");
}

static void make_data(size_t orders, bool shadows, an_facts_t *t, an_outcomes_t *oc)
{
    memset(t, 0, sizeof *t);
    memset(oc, 0, sizeof *oc);
    if (an_strings_init(&t->str))
        die("out of memory");
    ids_t id;
    id.exp = id_of(&t->str, "exp-fx");
    id.var[0] = id_of(&t->str, "control");
    id.var[1] = id_of(&t->str, "treatment");
    id.pname = id_of(&t->str, "p");
    id.pver[0] = id_of(&t->str, "p@1");
    id.pver[1] = id_of(&t->str, "p@2");
    const char *ch[] = {"web", "app", "marketplace"}, *pr[] = {"none", "spring-sale"};
    for (int k = 0; k < 3; k++)
        id.channel[k] = id_of(&t->str, ch[k]);
    for (int k = 0; k < 2; k++)
        id.promo[k] = id_of(&t->str, pr[k]);
    id.svc[0] = id_of(&t->str, "ups-ground");
    id.svc[1] = id_of(&t->str, "fedex-2day");
    size_t cap = (shadows ? 2 * orders : orders) + 1; /* a shadow per treatment order */
    t->add = malloc(cap * sizeof *t->add);
    oc->v = malloc((orders ? orders : 1) * sizeof *oc->v);
    if (!t->add || !oc->v)
        die("out of memory");
    huge(t->add, cap * sizeof *t->add);
    huge(oc->v, (orders ? orders : 1) * sizeof *oc->v);
    t->cap_add = cap;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 16);
    for (size_t i = 0; i < orders; i++) {
        int v = (int)(ordo_rng_next(&rng) & 1);
        double cc;
        an_fact_t *f = &t->add[t->n_add++];
        make_decision(&rng, &id, i, orders, v, f, &cc);
        if (ordo_rng_uniform(&rng) < 0.9)
            make_outcome(&rng, f, &oc->v[oc->n++]);
        if (v && shadows) {
            an_fact_t *s = &t->add[t->n_add++];
            *s = *f;
            s->flags |= AN_F_SHADOW;
            s->flags &= (uint16_t)~(AN_F_SCAN_VAR);
            s->variant = s->scan_var = AN_ID_NONE;
            s->policy_version = id.pver[0];
            s->dv[AN_DV_COST] = cc;
        }
    }
    ordo_error_t err;
    if (an_outcomes_index(oc, &err))
        die(err.msg);
    if (getenv("BENCH_SCALE_HUGE")) { /* the index copied into huge pages */
        const size_t len = (oc->mask + 1) * sizeof *oc->slot;
        void *p;
        if (posix_memalign(&p, (size_t)2 << 20, len))
            die("out of memory");
        huge(p, len);
        memcpy(p, oc->slot, len);
        free(oc->slot);
        oc->slot = p;
    }
}

/* XXH3 of a report's JSON. */
static uint64_t report_digest(const ordo_analysis_t *a, bool print)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_analysis_write_json(a, &w);
    uint64_t d = XXH3_64bits(b.data, b.len);
    if (print)
        fwrite(b.data, 1, b.len, stdout);
    ordo_buf_free(&b);
    return d;
}

/* The tables as files, written by the library's own saves into a data
 * directory `ordo analyze` accepts as it is: an empty log (the facts cover
 * no record of it: nothing to read after them), an empty store (its outcome
 * change seq 0, the outcome facts' own), DIR/facts/decisions and strings
 * (an_facts_refresh's save) and DIR/facts/outcomes (an_ofacts_save). No
 * network: the catalog of the rows is the empty one. */
static void write_dir(const char *dir, an_facts_t *t, const an_outcomes_t *oc)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    ordo_store_t *store = NULL;
    ordo_log_t *log = NULL;
    if (ordo_datadir_init(&dd, dir, &err) || ordo_store_open(dir, NULL, &store, &err) ||
        ordo_store_close(store, &err) || ordo_log_open(dd.log, NULL, &log, NULL, &err))
        die(err.msg);
    if (ordo_log_close(log, &err))
        die(err.msg);
    t->catalog = an_catalog_fingerprint(NULL);
    t->covered_seq = 0;
    t->sum_full = 0; /* as a table never saved (the checks above set it) */
    if (an_facts_refresh(t, dd.facts, dd.log, NULL, &err))
        die(err.msg);
    if (t->rebuilt || t->n_saved != an_facts_count(t))
        die("the facts table was not saved");
    if (an_ofacts_save(dd.facts, dd.db, oc))
        die("the outcome facts were not saved");
}

/* The directory made in /tmp, removed at exit (die included). */
static char made_dir[4096];

static void remove_dir(void)
{
    char cmd[4200];
    if (!made_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", made_dir);
    if (system(cmd))
        fprintf(stderr, "bench_facts_scale: could not remove %s\n", made_dir);
    made_dir[0] = 0;
}

/* Once what `ordo analyze DIR` does with DIR's tables, as
 * ordo_analyze_dir's path calls it (an_dir_facts, join_outcomes; the
 * facts' rows checked by the join, read_facts), the
 * analysis on cfg (the experiment's, as a registered one gives it), timed
 * whole, the tables closed included: *cpu (every thread of the process),
 * *wall; *open_cpu the two opens alone. */
static void files_once(const char *dir, const ordo_analyze_config_t *cfg, int64_t now,
                       uint64_t *digest, double *open_cpu, double *cpu, double *wall)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    ordo_store_t *store = NULL;
    an_facts_t t;
    an_outcomes_t oc;
    bool rebuilt;
    ordo_analysis_t *a;
    double c0 = cpu_now(), t0 = wall_now();
    if (ordo_datadir_init(&dd, dir, &err) || ordo_store_open_existing(dir, NULL, &store, &err) ||
        an_facts_open_fused(dd.facts, dd.log, NULL, &t, &err) ||
        an_ofacts_open(dd.facts, dd.db, store, false, &oc, &rebuilt, &err))
        die(err.msg);
    *open_cpu = cpu_now() - c0;
    if (t.rebuilt || rebuilt)
        die("a table was rebuilt: the files are not the ones saved");
    if (an_analyze_facts(cfg, &t, &oc, now, &a, &err))
        die(err.msg);
    if (t.unchecked || t.damaged)
        die("the facts' rows were not checked");
    an_outcomes_free(&oc);
    an_facts_close(&t);
    if (ordo_store_close(store, &err))
        die(err.msg);
    *cpu = cpu_now() - c0;
    *wall = wall_now() - t0;
    *digest = report_digest(a, getenv("BENCH_SCALE_REPORT_FILES"));
    ordo_analysis_destroy(a);
}

/* ordo_analyze_dir itself on DIR: the experiment from the rows' scan. */
static void dir_once(const char *dir, int64_t now, uint64_t *digest, double *cpu, double *wall)
{
    ordo_analyze_options_t opt = {.now = now};
    ordo_analysis_t *a;
    ordo_error_t err;
    double c0 = cpu_now(), t0 = wall_now();
    if (ordo_analyze_dir(dir, &opt, &a, &err))
        die(err.msg);
    *cpu = cpu_now() - c0;
    *wall = wall_now() - t0;
    *digest = report_digest(a, getenv("BENCH_SCALE_REPORT_DIR"));
    ordo_analysis_destroy(a);
}

/* The open's checks and the analysis on the tables in memory, timed and
 * printed; the report's digest. */
static uint64_t bench_memory(size_t orders, int repeats, const ordo_analyze_config_t *cfg,
                             int64_t now, an_facts_t *t, an_outcomes_t *oc)
{
    /* the sums a save writes (not timed), for the open's checks */
    uint64_t sum_full, sum_all = an_facts_sums(t, &sum_full), row_agg, slot_agg;
    uint32_t *osum = malloc((oc->n ? oc->n : 1) * sizeof *osum);
    if (!osum)
        die("out of memory");
    an_ofacts_sums(oc, osum, &row_agg, &slot_agg);

    double wall[50], cpu[50], cwall[50], ccpu[50], ewall[50], ecpu[50], fcpu[50];
    uint64_t digest = 0;
    for (int r = 0; r < repeats; r++) {
        ordo_analysis_t *a;
        ordo_error_t err;
        double c0 = cpu_now(), t0 = wall_now();
        if (!an_facts_sums_ok(t, sum_full, sum_all, false))
            die("a checksum differs");
        double cf = cpu_now();
        if (!an_ofacts_body_ok(oc, osum, row_agg, slot_agg))
            die("a checksum differs");
        double c1 = cpu_now(), t1 = wall_now();
        fcpu[r] = cf - c0;
        if (an_analyze_facts(cfg, t, oc, now, &a, &err))
            die(err.msg);
        double c2 = cpu_now(), t2 = wall_now();
        cwall[r] = t1 - t0;
        ccpu[r] = c1 - c0;
        wall[r] = t2 - t1;
        cpu[r] = c2 - c1;
        ewall[r] = t2 - t0;
        ecpu[r] = c2 - c0;
        uint64_t d = report_digest(a, r == 0 && getenv("BENCH_SCALE_REPORT"));
        if (r && d != digest)
            die("the report differs between repeats");
        digest = d;
        ordo_analysis_destroy(a);
    }
    size_t nr = (size_t)repeats;
    qsort(wall, nr, sizeof *wall, cmp_double);
    qsort(cpu, nr, sizeof *cpu, cmp_double);
    qsort(cwall, nr, sizeof *cwall, cmp_double);
    qsort(ccpu, nr, sizeof *ccpu, cmp_double);
    qsort(ewall, nr, sizeof *ewall, cmp_double);
    qsort(ecpu, nr, sizeof *ecpu, cmp_double);
    qsort(fcpu, nr, sizeof *fcpu, cmp_double);
    int m = repeats / 2;
    printf("the open's checks (every row's sum: %.0f MB of facts, %.0f MB of outcome facts and "
           "their slots): median %.3f s wall, %.3f s CPU (the facts' rows: %.3f s CPU)\n",
           (double)t->n_add * sizeof(an_fact_t) / 1e6, (double)oc->n * sizeof(an_outcome_t) / 1e6,
           cwall[m], ccpu[m], fcpu[m]);
    printf("analysis from facts (join + every metric, CUPED, breakdowns, sequential, shadows, "
           "finish): median %.3f s wall, %.3f s CPU of %d (%.1f ns/order)\n",
           wall[m], cpu[m], repeats, wall[m] * 1e9 / (double)orders);
    printf("end to end (the open's checks + the analysis): median %.3f s wall, %.3f s CPU of %d "
           "(%.1f ns/order) - goal <= 2 s: %s\n",
           ewall[m], ecpu[m], repeats, ewall[m] * 1e9 / (double)orders,
           ewall[m] <= 2.0 ? "met" : "MISSED");
    printf("report digest (XXH3 of the JSON): %016llx\n", (unsigned long long)digest);
    free(osum);
    return digest;
}

int main(int argc, char **argv)
{
    size_t orders = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    if (repeats < 1 || repeats > 50)
        repeats = 3;
    bool shadows = !getenv("BENCH_SCALE_NO_SHADOW");
    ordo_analyze_config_t *cfg = malloc(sizeof *cfg);
    if (!cfg)
        die("out of memory");
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_default(cfg, "exp-fx", vars, 2, NULL);
    snprintf(cfg->policy_versions[0], sizeof cfg->policy_versions[0], "p@1");
    snprintf(cfg->policy_versions[1], sizeof cfg->policy_versions[1], "p@2");
    int64_t now = 1795000000 + 31 * 86400;
    /* BENCH_SCALE_REUSE=1: the tables a run with the same orders left in
     * BENCH_SCALE_DIR, timed from the files alone */
    const char *dir_env = getenv("BENCH_SCALE_DIR");
    bool reuse = dir_env && *dir_env && getenv("BENCH_SCALE_REUSE");
    uint64_t digest = 0;
    char dir[4096];
    if (dir_env && *dir_env) {
        snprintf(dir, sizeof dir, "%s", dir_env);
    } else {
        snprintf(dir, sizeof dir, "/tmp/bench_facts_scale.XXXXXX");
        if (!mkdtemp(dir))
            die("mkdtemp");
        snprintf(made_dir, sizeof made_dir, "%s", dir);
        atexit(remove_dir);
    }
    if (!reuse) {
        double w0 = wall_now();
        an_facts_t t;
        an_outcomes_t oc;
        make_data(orders, shadows, &t, &oc);
        printf("synthesised %zu orders: %zu facts (%.0f MB), %zu outcome facts (%.0f MB) in %.1f "
               "s (not timed)\n",
               orders, t.n_add, (double)t.n_add * sizeof(an_fact_t) / 1e6, oc.n,
               (double)oc.n * sizeof(an_outcome_t) / 1e6, wall_now() - w0);
        digest = bench_memory(orders, repeats, cfg, now, &t, &oc);
        /* End to end from files: the tables saved into a data directory,
         * the ones in memory freed */
        w0 = wall_now();
        write_dir(dir, &t, &oc);
        printf("saved to %s in %.1f s (not timed)\n", dir, wall_now() - w0);
        an_outcomes_free(&oc);
        an_facts_close(&t);
    }
    size_t nr = (size_t)repeats;
    int m = repeats / 2;
    double ocpu[50], ecpu[50], ewall[50], dcpu[50] = {0}, dwall[50] = {0};
    bool with_dir = !getenv("BENCH_SCALE_NO_DIR"); /* ordo_analyze_dir's line too */
    uint64_t fdigest = 0, ddigest = 0;
    for (int r = 0; r < repeats; r++) {
        uint64_t d;
        files_once(dir, cfg, now, &d, &ocpu[r], &ecpu[r], &ewall[r]);
        if (reuse ? r && d != fdigest : d != digest)
            die("the report from files differs from the one in memory");
        fdigest = d;
        if (with_dir) {
            dir_once(dir, now, &d, &dcpu[r], &dwall[r]);
            if (r && d != ddigest)
                die("ordo_analyze_dir's report differs between repeats");
            ddigest = d;
        }
    }
    qsort(ocpu, nr, sizeof *ocpu, cmp_double);
    qsort(ewall, nr, sizeof *ewall, cmp_double);
    qsort(ecpu, nr, sizeof *ecpu, cmp_double);
    qsort(dwall, nr, sizeof *dwall, cmp_double);
    qsort(dcpu, nr, sizeof *dcpu, cmp_double);
    printf("end to end from files (both tables opened and mapped, every row checked - the "
           "facts' in the join; join, analysis, tables closed): median %.3f s CPU (the opens %.3f "
           "s), %.3f s wall of %d "
           "(%.1f ns/order) - goal <= 2 s on one core: %s\n",
           ecpu[m], ocpu[m], ewall[m], repeats, ecpu[m] * 1e9 / (double)orders,
           ecpu[m] <= 2.0 ? "met" : "MISSED");
    printf("report digest from files (XXH3 of the JSON): %016llx\n", (unsigned long long)fdigest);
    if (with_dir)
        printf("ordo_analyze_dir on the same directory (an unregistered experiment: no policy "
               "versions, so no CUPED; the experiment picked from the facts' census): median %.3f "
               "s CPU (every thread), %.3f s wall; report "
               "digest "
               "%016llx\n",
               dcpu[m], dwall[m], (unsigned long long)ddigest);
    remove_dir();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %ld MB\n", ru.ru_maxrss / 1024);
    free(cfg);
    return 0;
}
