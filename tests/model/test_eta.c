/* SPDX-License-Identifier: Apache-2.0 */
/* The ETA model: scoring primitives against scipy/numpy fixtures
 * (tools/fixtures/make_model_fixtures.py), the hierarchical shrinkage, the
 * processing delay, P(delivered by a day), and versioned model files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/calendar.h"
#include "ordo/model.h"
#include "ordo/util.h"

/* ---- fixtures ---- */

static int read_doubles(char **p, double *out, int n)
{
    for (int i = 0; i < n; i++) {
        char *end;
        out[i] = strtod(*p, &end);
        if (end == *p)
            return -1;
        *p = end;
    }
    return 0;
}

static void check_line(char *line)
{
    char *arrow = strstr(line, "=>");
    assert_non_null(arrow);
    char *p = line, *q = arrow + 2;
    double in[200] = {0}, want[2] = {0};
    if (!strncmp(line, "quantile ", 9)) {
        p += 9;
        assert_int_equal(read_doubles(&p, in, 17), 0);
        assert_int_equal(read_doubles(&q, want, 1), 0);
        assert_int_equal(ordo_eta_quantile(in + 1, 16, in[0]), (int)want[0]);
    } else if (!strncmp(line, "pinball ", 8)) {
        p += 8;
        assert_int_equal(read_doubles(&p, in, 3), 0);
        assert_int_equal(read_doubles(&q, want, 1), 0);
        assert_true(fabs(ordo_eta_pinball_loss(in[0], in[1], in[2]) - want[0]) < 1e-12);
    } else if (!strncmp(line, "pit ", 4)) {
        p += 4;
        assert_int_equal(read_doubles(&p, in, 18), 0);
        assert_int_equal(read_doubles(&q, want, 1), 0);
        int y = (int)in[0];
        double lo = 0, hi = 0;
        for (int d = 0; d <= y; d++) {
            hi += in[2 + d];
            lo += d < y ? in[2 + d] : 0;
        }
        assert_true(fabs(ordo_eta_pit_below(lo, hi, in[1]) - want[0]) < 1e-9);
    } else if (!strncmp(line, "scores ", 7)) {
        p += 7;
        assert_int_equal(read_doubles(&p, in, 1), 0);
        int n = (int)in[0];
        assert_int_equal(read_doubles(&p, in, 2 * n), 0);
        assert_int_equal(read_doubles(&q, want, 2), 0);
        ordo_eta_reliability_t r = {0};
        for (int i = 0; i < n; i++)
            ordo_eta_reliability_add(&r, in[i], in[n + i] > 0.5);
        assert_true(fabs(ordo_eta_brier(&r) - want[0]) < 1e-12);
        assert_true(fabs(ordo_eta_calibration_error(&r, 5) - want[1]) < 1e-12);
    } else {
        fail_msg("unknown fixture line: %.40s", line);
    }
}

static void test_fixtures(void **state)
{
    (void)state;
    FILE *f = fopen(ORDO_SOURCE_DIR "/tests/fixtures/model/eta.txt", "r");
    assert_non_null(f);
    static char line[65536];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        check_line(line);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 150);
}

/* ---- a generated network and synthetic deliveries ---- */

typedef struct fx {
    char dir[64];
    ordo_network_t *net;
    uint32_t node, svc;
    uint16_t zip3, other_zip3;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ordo-test-eta-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char net[128];
    snprintf(net, sizeof net, "%s/net", f->dir);
    ordo_generate_options_t g = {.dcs = 3, .stores = 2, .dropshippers = 0, .skus = 20, .seed = 5};
    if (ordo_network_generate(&g, NULL, net, NULL) || ordo_network_load(net, NULL, &f->net, NULL))
        return -1;
    f->node = 0;
    f->svc = f->net->nodes[0].services[0];
    f->zip3 = f->net->nodes[1].zip3;
    /* another ZIP3 in the same zone and census region, with no data */
    for (uint16_t z = 1; z < ORDO_ZIP3_COUNT && !f->other_zip3; z++)
        if (z != f->zip3 && ordo_network_zone(f->net, 0, z) == ordo_network_zone(f->net, 0, f->zip3) &&
            ordo_geo_zip3(ordo_geo_default(), z)->known &&
            !strcmp(ordo_geo_region(ordo_geo_zip3(ordo_geo_default(), z)->state),
                    ordo_geo_region(ordo_geo_zip3(ordo_geo_default(), f->zip3)->state)))
            f->other_zip3 = z;
    *state = f;
    return f->other_zip3 ? 0 : -1;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_network_destroy(f->net);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

#define N_OBS 1000

/* N_OBS shipments on the lane, shipped the order's day (a Monday, 2026-09-14,
 * before the cutoff): 60% in 3 delivery days, 40% in 5. */
static ordo_eta_obs_t *lane_obs(const fx_t *f)
{
    ordo_eta_obs_t *o = calloc(N_OBS, sizeof *o);
    int32_t day = (int32_t)ordo_cal_days(2026, 9, 14);
    unsigned mask = f->net->services[f->svc].delivery_days;
    for (int i = 0; i < N_OBS; i++) {
        o[i].time = (int64_t)day * 86400 + 15 * 3600;
        o[i].order_day = o[i].ship_day = day;
        int t = i % 5 < 3 ? 3 : 5;
        o[i].deliver_day = (int32_t)ordo_cal_add_working(day + 1, t - 1, mask);
        o[i].promise_day = day + 4;
        o[i].node = f->node;
        o[i].service = (int32_t)f->svc;
        o[i].zip3 = f->zip3;
        o[i].logged_on_time = NAN;
    }
    return o;
}

static void published_pmf(const fx_t *f, uint16_t zip3, double *pmf)
{
    int zone = ordo_network_zone(f->net, f->node, zip3);
    memcpy(pmf, f->net->services[f->svc].transit[zone - 1], 16 * sizeof *pmf);
}

static void test_shrinkage(void **state)
{
    fx_t *f = *state;
    ordo_eta_obs_t *obs = lane_obs(f);
    assert_int_equal(ordo_eta_obs_transit(f->net, &obs[0]), 3);
    assert_int_equal(ordo_eta_obs_transit(f->net, &obs[3]), 5);
    assert_int_equal(ordo_eta_obs_delay(&obs[0]), 0);
    ordo_eta_model_t *m;
    ordo_eta_params_t P;
    ordo_eta_params_default(&P);
    P.k_lane = 30; /* given, not estimated */
    P.k_dest = P.k_top = P.k_region;
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, &P, &m, NULL), ORDO_OK);
    /* every level above the lane holds the same observations: the lane's
     * pmf is the counts shrunk four times, from the published histogram */
    double p[16], c[16] = {0};
    c[3] = 600;
    c[5] = 400;
    published_pmf(f, f->zip3, p);
    double k[4] = {P.k_top, P.k_region, P.k_dest, P.k_lane};
    for (int lv = 0; lv < 4; lv++)
        for (int d = 0; d < 16; d++)
            p[d] = (c[d] + k[lv] * p[d]) / (N_OBS + k[lv]);
    int cls = ordo_lanes_ship_class(f->net->services[f->svc].delivery_days, obs[0].ship_day);
    double cdf[16], want = 0;
    int level;
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, cls, cdf, &level);
    assert_int_equal(level, 3);
    for (int d = 0; d < 15; d++) {
        want += p[d];
        assert_true(fabs(cdf[d] - want) < 1e-9);
    }
    /* a ZIP3 of the same zone and region without data: the pooled region */
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->other_zip3, cls, cdf, &level);
    assert_int_equal(level, 1);
    assert_true(cdf[3] > 0.55 && cdf[3] < 0.65);
    /* the other ship-day class has no data: published */
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, !cls, cdf, &level);
    assert_int_equal(level, 0);
    const ordo_eta_info_t *in = ordo_eta_model_info(m);
    assert_int_equal(in->shipments, N_OBS);
    assert_int_equal(in->lanes, 1);
    ordo_eta_model_destroy(m);
    free(obs);
}

static void test_prob_by(void **state)
{
    fx_t *f = *state;
    ordo_eta_obs_t *obs = lane_obs(f);
    ordo_eta_model_t *m;
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, NULL, &m, NULL), ORDO_OK);
    /* every order shipped the day it came: the processing row is certain */
    const double *proc = ordo_lanes_proc(ordo_eta_model_lanes(m), f->node, false, 0);
    assert_non_null(proc);
    assert_true(fabs(proc[0] - 1) < 1e-12);
    int cls = ordo_lanes_ship_class(f->net->services[f->svc].delivery_days, obs[0].ship_day);
    double cdf[16];
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, cls, cdf, NULL);
    unsigned mask = f->net->services[f->svc].delivery_days;
    for (int t = 1; t <= 6; t++) {
        int32_t day = (int32_t)ordo_cal_add_working(obs[0].ship_day + 1, t - 1, mask);
        assert_true(fabs(ordo_eta_prob_by(m, f->net, &obs[0], day) - cdf[t]) < 1e-12);
    }
    assert_true(ordo_eta_prob_by(m, f->net, &obs[0], obs[0].order_day - 1) == 0);
    /* held out after the data: nothing to score */
    ordo_eta_eval_t ev;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_evaluate(m, f->net, obs, N_OBS, 0, &ev, &err), ORDO_ENOTFOUND);
    /* scored on its own data: q50 = 3, q90 = 5 days; pinball at p50 is
     * 0.4 × 0.5 × 2 (the 5-day deliveries), at p90 0.6 × 0.1 × 2 */
    assert_int_equal(ordo_eta_evaluate(m, f->net, obs, N_OBS, 1, &ev, &err), ORDO_OK);
    assert_int_equal(ev.shipments, N_OBS);
    assert_true(fabs(ev.lane_model.p50 - 0.4) < 1e-12);
    assert_true(fabs(ev.lane_model.p90 - 0.12) < 1e-12);
    assert_true(ev.lane_model.p90 <= ev.lane_carrier.p90 + 1e-12);
    assert_int_equal(ev.model.total, N_OBS);
    /* one prediction p for all: the decile's sampling error sqrt(p(1 - p) / n) */
    double p = ordo_eta_prob_by(m, f->net, &obs[0], obs[0].promise_day);
    int b = (int)(p * ORDO_ETA_DECILES);
    assert_int_equal(ev.model.n[b], N_OBS);
    assert_true(fabs(ordo_eta_decile_se(&ev, b) - sqrt(p * (1 - p) / N_OBS)) < 1e-12);
    assert_true(isnan(ordo_eta_decile_se(&ev, b == 0 ? 1 : 0)));
    ordo_eta_model_destroy(m);
    free(obs);
}

/* The held-out cells' own quantiles (lane_ceiling): each (service, zone,
 * region, class, weekday) cell scored at the quantile that minimises its
 * own pinball loss, checked against a brute-force search over every day;
 * and the deciles' sampling error by lane-day against its formula. */
static void test_ceiling(void **state)
{
    fx_t *f = *state;
    enum { N = 40 };
    ordo_eta_obs_t *obs = calloc(N, sizeof *obs);
    unsigned mask = f->net->services[f->svc].delivery_days;
    int32_t mon = (int32_t)ordo_cal_days(2026, 9, 14);
    const int32_t offs[4] = {0, 1, 7, 8}; /* Monday, Tuesday, a week apart */
    int ys[N];
    for (int i = 0; i < N; i++) {
        int g = i / (N / 4), tue = g & 1;
        int32_t day = mon + offs[g];
        int t = !tue ? (i % 4 == 0 ? 4 : 2) : (i % 2 ? 3 : 5);
        obs[i].time = (int64_t)day * 86400 + 15 * 3600;
        obs[i].order_day = obs[i].ship_day = day;
        obs[i].deliver_day = (int32_t)ordo_cal_add_working(day + 1, t - 1, mask);
        obs[i].promise_day = day + 3;
        obs[i].node = f->node;
        obs[i].service = (int32_t)f->svc;
        obs[i].zip3 = f->zip3;
        obs[i].logged_on_time = NAN;
        ys[i] = ordo_eta_obs_transit(f->net, &obs[i]);
        assert_int_equal(ys[i], t);
    }
    ordo_eta_model_t *m;
    assert_int_equal(ordo_eta_train(f->net, obs, N, 0, NULL, &m, NULL), ORDO_OK);
    ordo_eta_eval_t ev;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_evaluate(m, f->net, obs, N, 1, &ev, &err), ORDO_OK);
    double want[2] = {0, 0}, tau[2] = {0.5, 0.9};
    for (int k = 0; k < 2; k++)
        for (int tue = 0; tue < 2; tue++) {
            double best = INFINITY;
            for (int q = 0; q < 16; q++) {
                double sum = 0;
                for (int i = 0; i < N; i++)
                    sum += (i / (N / 4) & 1) == tue ? ordo_eta_pinball_loss(ys[i], q, tau[k]) : 0;
                best = sum < best ? sum : best;
            }
            want[k] += best / N;
        }
    assert_int_equal(ev.lane_ceiling.n, N);
    assert_true(fabs(ev.lane_ceiling.p50 - want[0]) < 1e-12);
    assert_true(fabs(ev.lane_ceiling.p90 - want[1]) < 1e-12);
    /* one quantile a lane and class (the model) against one a weekday: the
     * cells cannot do worse, and here do better */
    assert_true(ev.lane_ceiling.p50 < ev.lane_model.p50);
    assert_true(ev.lane_ceiling.p90 <= ev.lane_model.p90 + 1e-12);
    /* by lane-day (one lane: a cluster a day), per decile: CR1 =
     * Σ_days S² × G / (G − 1), S a day's sum of y − p, G its days */
    double s2[ORDO_ETA_DECILES] = {0}, day_sum[4] = {0};
    int day_b[4], g_of[ORDO_ETA_DECILES] = {0};
    for (int i = 0; i < N; i++) {
        double p = ordo_eta_prob_by(m, f->net, &obs[i], obs[i].promise_day);
        int b = (int)(p * ORDO_ETA_DECILES);
        day_b[i / (N / 4)] = b < ORDO_ETA_DECILES ? b : ORDO_ETA_DECILES - 1;
        day_sum[i / (N / 4)] += (obs[i].deliver_day <= obs[i].promise_day) - p;
    }
    for (int d = 0; d < 4; d++) {
        s2[day_b[d]] += day_sum[d] * day_sum[d];
        g_of[day_b[d]]++;
    }
    int checked = 0;
    for (int b = 0; b < ORDO_ETA_DECILES; b++) {
        double got = ordo_eta_decile_se_lane_day(&ev, b);
        if (g_of[b] < 2) {
            assert_true(isnan(got));
            continue;
        }
        double g = g_of[b];
        assert_true(fabs(got - sqrt(s2[b] * g / (g - 1)) / (double)ev.model.n[b]) < 1e-12);
        checked++;
    }
    assert_true(checked >= 1); /* the two Mondays share a decile */
    ordo_eta_model_destroy(m);
    free(obs);
}

static void test_files(void **state)
{
    fx_t *f = *state;
    ordo_eta_obs_t *obs = lane_obs(f);
    ordo_eta_model_t *m, *back;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, NULL, &m, NULL), ORDO_OK);
    char dir[128], path[256], latest[256];
    snprintf(dir, sizeof dir, "%s/models", f->dir);
    assert_int_equal(ordo_eta_model_latest(dir, latest, sizeof latest, &err), ORDO_ENOENT);
    assert_int_equal(ordo_eta_model_save(m, dir, path, sizeof path, &err), ORDO_OK);
    assert_non_null(strstr(path, "eta-v1.json"));
    assert_int_equal(ordo_eta_model_save(m, dir, path, sizeof path, &err), ORDO_OK);
    assert_non_null(strstr(path, "eta-v2.json"));
    assert_int_equal(ordo_eta_model_latest(dir, latest, sizeof latest, &err), ORDO_OK);
    assert_string_equal(latest, path);
    assert_int_equal(ordo_eta_model_load(f->net, path, &back, &err), ORDO_OK);
    assert_string_equal(ordo_eta_model_info(back)->hash, ordo_eta_model_info(m)->hash);
    assert_string_equal(ordo_eta_model_info(back)->version, "eta-v2");
    assert_non_null(strstr(ordo_eta_model_lanes(back)->version, "eta-v2:"));
    double a[16], b[16];
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, 0, a, NULL);
    ordo_eta_lane_cdf(back, f->net, f->node, f->svc, f->zip3, 0, b, NULL);
    assert_memory_equal(a, b, sizeof a);
    ordo_lanes_t *copy = ordo_eta_model_take_lanes(back);
    assert_non_null(copy);
    assert_int_equal(copy->n_dists, ordo_eta_model_lanes(back)->n_dists);
    ordo_lanes_destroy(copy);
    ordo_eta_info_t info;
    assert_int_equal(ordo_eta_model_read_info(path, &info, &err), ORDO_OK);
    assert_int_equal(info.lanes, 1);
    ordo_eta_model_destroy(back);
    /* a changed probability no longer matches the content hash */
    ordo_buf_t t;
    ordo_buf_init(&t, NULL);
    assert_int_equal(ordo_eta_model_write(m, &t), ORDO_OK);
    char *text = strndup(t.data, t.len), *pmf = strstr(text, "\"lanes\":[[");
    assert_non_null(pmf);
    char *digit = strstr(pmf, "0.");
    digit[2] = digit[2] == '1' ? '2' : '1';
    assert_int_equal(ordo_eta_model_parse(f->net, text, strlen(text), "x", &back, &err),
                     ORDO_ECORRUPT);
    assert_string_equal(err.field, "hash");
    char *fmt = strstr(text, "ordo-eta");
    fmt[0] = 'x';
    assert_int_equal(ordo_eta_model_parse(f->net, text, strlen(text), "x", &back, &err),
                     ORDO_EPARSE);
    assert_string_equal(err.field, "format");
    free(text);
    ordo_buf_free(&t);
    ordo_eta_model_destroy(m);
    free(obs);
}

/* Orders after the cutoff: on a Saturday (slot 1) and in the first hour
 * after it (slot 4, a node whose clock runs an hour behind) they ship the
 * next working day they can (delay 0); later (slots 5, 6) a day later.
 * Each ships 3 or 5 delivery days after its ship day, as lane_obs. */
static ordo_eta_obs_t *slot_obs(const fx_t *f, size_t *n)
{
    ordo_eta_obs_t *o = lane_obs(f);
    unsigned mask = f->net->services[f->svc].delivery_days;
    int32_t mon = (int32_t)ordo_cal_days(2026, 9, 14), sat = mon - 2;
    for (int i = 0; i < N_OBS; i++) {
        int slot = i % 10 < 2 ? 1 : i % 10 < 4 ? 4 : i % 10 < 7 ? 5 : 6;
        int32_t day = slot == 1 ? sat : mon + (i % 3);
        o[i].order_day = day;
        o[i].time = (int64_t)day * 86400 + 22 * 3600;
        o[i].after_cutoff = 1;
        o[i].cutoff_slot = (uint8_t)slot;
        int delay = slot >= 5;
        o[i].ship_day = (int32_t)ordo_cal_add_working(day, delay, ORDO_WEEK_MON_FRI);
        int t = i % 5 < 3 ? 3 : 5;
        o[i].deliver_day = (int32_t)ordo_cal_add_working(o[i].ship_day + 1, t - 1, mask);
    }
    *n = N_OBS;
    return o;
}

/* P(delivered within 3 delivery days of the first working day on or after
 * the order's day) of an order at the slot. */
static double slot_p(const ordo_eta_model_t *m, const fx_t *f, int32_t day, int slot)
{
    ordo_eta_obs_t o = {.time = (int64_t)day * 86400 + 22 * 3600, .order_day = day,
                        .node = f->node, .service = (int32_t)f->svc, .zip3 = f->zip3,
                        .after_cutoff = 1, .cutoff_slot = (uint8_t)slot};
    unsigned mask = f->net->services[f->svc].delivery_days;
    int64_t first = ordo_cal_add_working(day, 0, ORDO_WEEK_MON_FRI);
    return ordo_eta_prob_by(m, f->net, &o, (int32_t)ordo_cal_add_working(first + 1, 2, mask));
}

static void test_cutoff_slots(void **state)
{
    fx_t *f = *state;
    size_t n;
    ordo_eta_obs_t *obs = slot_obs(f, &n);
    assert_int_equal(ordo_eta_obs_delay(&obs[0]), 0); /* Saturday: ships Monday */
    assert_int_equal(ordo_eta_obs_delay(&obs[5]), 1);
    ordo_eta_model_t *m;
    assert_int_equal(ordo_eta_train(f->net, obs, n, 0, NULL, &m, NULL), ORDO_OK);
    /* the cutoff row alone (40% ship without delay) would give
     * 0.4 × 0.6 = 0.24 to every one of these */
    int32_t mon = (int32_t)ordo_cal_days(2026, 9, 14);
    assert_true(fabs(slot_p(m, f, mon - 2, 1) - 0.6) < 0.03);
    assert_true(fabs(slot_p(m, f, mon, 4) - 0.6) < 0.03);
    assert_true(slot_p(m, f, mon, 5) < 0.05);
    assert_true(slot_p(m, f, mon + 1, 6) < 0.05);
    /* an order without a slot: the cutoff row */
    assert_true(fabs(slot_p(m, f, mon, 0) - 0.24) < 0.03);
    /* the slot rows survive the model file */
    ordo_buf_t t;
    ordo_buf_init(&t, NULL);
    assert_int_equal(ordo_eta_model_write(m, &t), ORDO_OK);
    assert_non_null(strstr(t.data, "\"format_version\":4"));
    ordo_eta_model_t *back;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_model_parse(f->net, t.data, t.len, "x", &back, &err), ORDO_OK);
    assert_true(slot_p(back, f, mon - 2, 1) == slot_p(m, f, mon - 2, 1));
    ordo_eta_model_destroy(back);
    /* a newer format is refused by name */
    char *text = strndup(t.data, t.len), *v = strstr(text, "\"format_version\":4");
    v[strlen("\"format_version\":")] = '5';
    assert_int_equal(ordo_eta_model_parse(f->net, text, strlen(text), "x", &back, &err),
                     ORDO_EUNSUPPORTED);
    assert_string_equal(err.field, "format_version");
    free(text);
    ordo_buf_free(&t);
    ordo_eta_model_destroy(m);
    free(obs);
}

/* A format_version 1 file (no slot rows) still reads, and predicts as the
 * version 2 file of the same model. */
static void test_format_v1(void **state)
{
    fx_t *f = *state;
    ordo_eta_obs_t *obs = lane_obs(f);
    ordo_eta_model_t *m, *back;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, NULL, &m, NULL), ORDO_OK);
    ordo_buf_t t;
    ordo_buf_init(&t, NULL);
    assert_int_equal(ordo_eta_model_write(m, &t), ORDO_OK);
    char *text = strndup(t.data, t.len), *v = strstr(text, "\"format_version\":4");
    assert_non_null(v);
    v[strlen("\"format_version\":")] = '1';
    char *slots = strstr(text, ",\"processing_slots\":[]");
    assert_non_null(slots);
    memmove(slots, slots + strlen(",\"processing_slots\":[]"),
            strlen(slots + strlen(",\"processing_slots\":[]")) + 1);
    assert_int_equal(ordo_eta_model_parse(f->net, text, strlen(text), "v1", &back, &err), ORDO_OK);
    assert_string_equal(ordo_eta_model_info(back)->hash, ordo_eta_model_info(m)->hash);
    int32_t day = obs[0].order_day + 4;
    assert_true(ordo_eta_prob_by(back, f->net, &obs[0], day) ==
                ordo_eta_prob_by(m, f->net, &obs[0], day));
    ordo_eta_model_destroy(back);
    free(text);
    ordo_buf_free(&t);
    ordo_eta_model_destroy(m);
    free(obs);
}

/* Rural and urban ship-to ZIPs in one ZIP3: the urban ones take 3 delivery
 * days, the rural ones 5 (the world's slower last mile). The transit rows
 * are keyed by rurality (class bit 1): each kind predicts its own days, in
 * the model, its file and the lane table the engine reads; one row for
 * the ZIP3 would give both P(<= 3) = 0.5. A file without rural rows
 * (before format_version 4) serves rural destinations the urban rows. */
static void test_rural_destinations(void **state)
{
    fx_t *f = *state;
    ordo_eta_obs_t *obs = lane_obs(f);
    unsigned mask = f->net->services[f->svc].delivery_days;
    for (int i = 0; i < N_OBS; i++) {
        obs[i].rural = (uint8_t)(i % 2);
        int t = obs[i].rural ? 5 : 3;
        obs[i].deliver_day = (int32_t)ordo_cal_add_working(obs[i].ship_day + 1, t - 1, mask);
    }
    int cls = ordo_lanes_ship_class(mask, obs[0].ship_day);
    assert_int_equal(ordo_eta_obs_class(f->net, &obs[0]), cls);
    assert_int_equal(ordo_eta_obs_class(f->net, &obs[1]), cls | 2);
    ordo_eta_model_t *m, *back;
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, NULL, &m, NULL), ORDO_OK);
    double urban[16], rural[16];
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, cls, urban, NULL);
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->zip3, cls | 2, rural, NULL);
    assert_true(urban[3] > 0.95);
    assert_true(rural[3] < 0.05 && rural[5] > 0.95);
    /* a ZIP3 without data: its region's rows, of its own kind */
    ordo_eta_lane_cdf(m, f->net, f->node, f->svc, f->other_zip3, cls | 2, rural, NULL);
    assert_true(rural[3] < 0.05);
    int32_t by = (int32_t)ordo_cal_add_working(obs[0].ship_day + 1, 2, mask);
    assert_true(ordo_eta_prob_by(m, f->net, &obs[0], by) > 0.95);
    assert_true(ordo_eta_prob_by(m, f->net, &obs[1], by) < 0.05);
    const ordo_lanes_t *l = ordo_eta_model_lanes(m);
    assert_true(ordo_lanes_get(l, f->node, f->svc, f->zip3, cls)->cdf[3] > 0.95);
    assert_true(ordo_lanes_get(l, f->node, f->svc, f->zip3, cls | 2)->cdf[3] < 0.05);
    /* the file keeps the rural rows */
    ordo_buf_t t;
    ordo_buf_init(&t, NULL);
    assert_int_equal(ordo_eta_model_write(m, &t), ORDO_OK);
    assert_int_equal(ordo_eta_model_parse(f->net, t.data, t.len, "x", &back, &err), ORDO_OK);
    assert_string_equal(ordo_eta_model_info(back)->hash, ordo_eta_model_info(m)->hash);
    assert_true(ordo_eta_prob_by(back, f->net, &obs[1], by) ==
                ordo_eta_prob_by(m, f->net, &obs[1], by));
    ordo_eta_model_destroy(back);
    ordo_buf_free(&t);
    ordo_eta_model_destroy(m);
    /* an older file (urban rows only): rural destinations read them */
    for (int i = 0; i < N_OBS; i++)
        obs[i].rural = 0;
    assert_int_equal(ordo_eta_train(f->net, obs, N_OBS, 0, NULL, &m, NULL), ORDO_OK);
    ordo_buf_init(&t, NULL);
    assert_int_equal(ordo_eta_model_write(m, &t), ORDO_OK);
    char *text = strndup(t.data, t.len), *v = strstr(text, "\"format_version\":4");
    assert_non_null(v);
    v[strlen("\"format_version\":")] = '3';
    assert_int_equal(ordo_eta_model_parse(f->net, text, strlen(text), "v3", &back, &err), ORDO_OK);
    assert_string_equal(ordo_eta_model_info(back)->hash, ordo_eta_model_info(m)->hash);
    obs[1].rural = 1;
    assert_true(ordo_eta_prob_by(back, f->net, &obs[1], by) ==
                ordo_eta_prob_by(back, f->net, &obs[0], by));
    ordo_eta_lane_cdf(back, f->net, f->node, f->svc, f->zip3, cls | 2, rural, NULL);
    ordo_eta_lane_cdf(back, f->net, f->node, f->svc, f->zip3, cls, urban, NULL);
    assert_memory_equal(rural, urban, sizeof rural);
    ordo_eta_model_destroy(back);
    free(text);
    ordo_buf_free(&t);
    ordo_eta_model_destroy(m);
    free(obs);
}

/* The method of moments on hand-computed cases: two children of 10 about a
 * parent (0.5, 0.5), E0 = 2, E1 = 18. */
static void test_mom_k(void **state)
{
    (void)state;
    double half[2] = {0.5, 0.5};
    uint32_t c[4][2] = {{5, 5}, {10, 0}, {0, 10}, {7, 3}};
    ordo_eta_mom_t same = {0}, apart = {0}, some = {0}, none = {0};
    ordo_eta_mom_add(&same, c[0], 10, half, 2);
    ordo_eta_mom_add(&same, c[0], 10, half, 2);
    ordo_eta_mom_add(&apart, c[1], 10, half, 2);
    ordo_eta_mom_add(&apart, c[2], 10, half, 2);
    uint32_t d[2] = {3, 7};
    ordo_eta_mom_add(&some, c[3], 10, half, 2);
    ordo_eta_mom_add(&some, d, 10, half, 2);
    ordo_eta_mom_add(&none, c[1], 1, half, 2); /* n < 2: no information */
    assert_true(ordo_eta_mom_k(&same, 7) == ORDO_ETA_K_MAX); /* X^2 0: no spread */
    assert_true(ordo_eta_mom_k(&apart, 7) == ORDO_ETA_K_MIN); /* X^2 20, rho 1 */
    /* X^2 = 2 × 10 × (0.2^2 / 0.5) × 2 = 3.2; rho = 1.2 / 18; k = 14 */
    assert_true(fabs(ordo_eta_mom_k(&some, 7) - 14) < 1e-9);
    assert_true(ordo_eta_mom_k(&none, 7) == 7);
}

/* Up to max known ZIP3s (from 1 up) at node 0's zone and census region of
 * the fixture's ZIP3: destinations that share one pooled cell. */
static int zone_region_zips(const fx_t *f, uint16_t *zips, int max)
{
    int nz = 0, zone = ordo_network_zone(f->net, 0, f->zip3);
    const char *region = ordo_geo_region(ordo_geo_zip3(ordo_geo_default(), f->zip3)->state);
    for (uint16_t z = 1; z < ORDO_ZIP3_COUNT && nz < max; z++)
        if (ordo_network_zone(f->net, 0, z) == zone &&
            ordo_geo_zip3(ordo_geo_default(), z)->known &&
            !strcmp(ordo_geo_region(ordo_geo_zip3(ordo_geo_default(), z)->state), region))
            zips[nz++] = z;
    return nz;
}

/* Destinations of one (service, zone, region), 8 shipments each, 3 or 5
 * delivery days. apart: each destination always takes the same days (half
 * 3, half 5); else each has 4 of each (they do not differ). The model
 * measures which: a destination is shrunk little in the first case, and
 * pooled in the second. */
static ordo_eta_obs_t *dest_obs(const fx_t *f, const uint16_t *zips, int nz, bool apart)
{
    ordo_eta_obs_t *o = calloc((size_t)nz * 8, sizeof *o);
    int32_t day = (int32_t)ordo_cal_days(2026, 9, 14);
    unsigned mask = f->net->services[f->svc].delivery_days;
    for (int i = 0; i < nz * 8; i++) {
        o[i].time = (int64_t)day * 86400 + 15 * 3600;
        o[i].order_day = o[i].ship_day = day;
        int t = (apart ? (i / 8) % 2 : i % 2) ? 5 : 3;
        o[i].deliver_day = (int32_t)ordo_cal_add_working(day + 1, t - 1, mask);
        o[i].promise_day = day + 4;
        o[i].node = f->node;
        o[i].service = (int32_t)f->svc;
        o[i].zip3 = zips[i / 8];
        o[i].logged_on_time = NAN;
    }
    return o;
}

static void test_estimated_shrinkage(void **state)
{
    fx_t *f = *state;
    uint16_t zips[40];
    int nz = zone_region_zips(f, zips, 40);
    assert_true(nz >= 10);
    int cls = ordo_lanes_ship_class(f->net->services[f->svc].delivery_days,
                                    (int64_t)ordo_cal_days(2026, 9, 14));
    for (int apart = 0; apart < 2; apart++) {
        ordo_eta_obs_t *obs = dest_obs(f, zips, nz, apart);
        ordo_eta_model_t *m;
        assert_int_equal(ordo_eta_train(f->net, obs, (size_t)nz * 8, 0, NULL, &m, NULL), ORDO_OK);
        const ordo_eta_params_t *P = &ordo_eta_model_info(m)->params;
        double cdf[16];
        ordo_eta_lane_cdf(m, f->net, f->node, f->svc, zips[0], cls, cdf, NULL);
        if (apart) { /* always 3 days: with the fixed k (10, 30) P(<= 3) was 0.74 */
            assert_true(P->k_dest == ORDO_ETA_K_MIN);
            /* certain destinations say nothing of lanes: the default */
            assert_true(P->k_lane == 30);
            assert_true(cdf[3] > 0.85);
        } else {
            /* one lane per destination: a lane never differs from it */
            assert_true(P->k_lane == ORDO_ETA_K_MAX);
            assert_true(P->k_dest == ORDO_ETA_K_MAX);
            assert_true(fabs(cdf[3] - 0.5) < 0.01);
        }
        ordo_eta_model_destroy(m);
        free(obs);
    }
}

/* Destinations of one (service, zone, region), each shipped to on two
 * days, 10 parcels a day. shared: a day's parcels all take the same days,
 * 3 or 5 by a pattern that has nothing to do with the destination (the
 * lane-day offset of SIM.md's world), so the destinations do not differ
 * and each holds two independent observations, not 20; else each day's
 * parcels take 3 days 8 times in 10 at half of the destinations and 2 in
 * 10 at the others, the same both days: the destinations differ, and a
 * day's parcels are independent. */
static ordo_eta_obs_t *lane_day_obs(const fx_t *f, const uint16_t *zips, int nz, bool shared)
{
    ordo_eta_obs_t *o = calloc((size_t)nz * 20, sizeof *o);
    int32_t mon = (int32_t)ordo_cal_days(2026, 9, 14);
    unsigned mask = f->net->services[f->svc].delivery_days;
    for (int i = 0; i < nz * 20; i++) {
        int z = i / 20, day = i / 10 % 2, k = i % 10;
        bool three = shared ? (day ? z / 2 % 2 : z % 2) : (z % 2 ? k < 8 : k < 2);
        o[i].time = (int64_t)(mon + day) * 86400 + 15 * 3600;
        o[i].order_day = o[i].ship_day = mon + day;
        o[i].deliver_day = (int32_t)ordo_cal_add_working(mon + day + 1, (three ? 3 : 5) - 1, mask);
        o[i].promise_day = mon + day + 4;
        o[i].node = f->node;
        o[i].service = (int32_t)f->svc;
        o[i].zip3 = zips[z];
        o[i].logged_on_time = NAN;
    }
    return o;
}

/* A destination's parcels of one lane-day count as one observation when
 * they agree more than chance says (Kish's effective size from the
 * intra-lane-day correlation): shared lane-day noise is not taken for
 * destinations that differ, and destinations that differ still are. */
static void test_lane_day_effective_size(void **state)
{
    fx_t *f = *state;
    uint16_t zips[40];
    int nz = zone_region_zips(f, zips, 40);
    nz -= nz % 4; /* the shared pattern balanced over the destinations */
    assert_true(nz >= 12);
    int cls = ordo_lanes_ship_class(f->net->services[f->svc].delivery_days,
                                    (int64_t)ordo_cal_days(2026, 9, 14));
    for (int shared = 0; shared < 2; shared++) {
        ordo_eta_obs_t *obs = lane_day_obs(f, zips, nz, shared);
        ordo_eta_model_t *m;
        assert_int_equal(ordo_eta_train(f->net, obs, (size_t)nz * 20, 0, NULL, &m, NULL), ORDO_OK);
        const ordo_eta_params_t *P = &ordo_eta_model_info(m)->params;
        double cdf[16];
        ordo_eta_lane_cdf(m, f->net, f->node, f->svc, zips[0], cls, cdf, NULL);
        print_message("%s: k_dest %.3g, P(<= 3) at the first destination %.3f\n",
                      shared ? "shared" : "independent", P->k_dest, cdf[3]);
        if (shared) {
            /* two units a destination, their shares binomial about 1/2: no
             * spread beyond chance (counted by parcel, k_dest came out 1.1
             * and this destination's P(<= 3) 0.03) */
            assert_true(P->k_dest == ORDO_ETA_K_MAX);
            assert_true(fabs(cdf[3] - 0.5) < 0.01);
        } else {
            /* 20 independent parcels a destination, 0.2 against 0.8 */
            assert_true(P->k_dest < 5);
            assert_true(cdf[3] < 0.3);
        }
        ordo_eta_model_destroy(m);
        free(obs);
    }
}

/* Every Friday is ship-day class 1, also for a service delivering on
 * Saturdays (its Friday shipments are faster than the other days'). */
static void test_friday_class(void **state)
{
    (void)state;
    int64_t fri = ordo_cal_days(2026, 9, 18), thu = fri - 1;
    assert_int_equal(ordo_cal_weekday(fri), 4);
    assert_int_equal(ordo_lanes_ship_class(ORDO_WEEK_MON_FRI, fri), 1);
    assert_int_equal(ordo_lanes_ship_class(ORDO_WEEK_MON_SAT, fri), 1);
    assert_int_equal(ordo_lanes_ship_class(ORDO_WEEK_MON_SAT, thu), 0);
    assert_int_equal(ordo_lanes_ship_class(ORDO_WEEK_MON_FRI, thu), 0);
    /* the day before a holiday (Labor Day, 2026-09-07) */
    assert_int_equal(ordo_lanes_ship_class(ORDO_WEEK_MON_SAT, ordo_cal_days(2026, 9, 5)), 1);
}

static void test_drift(void **state)
{
    (void)state;
    ordo_eta_info_t in = {.version = "eta-v4", .hash = "0123456789abcdef"};
    ordo_eta_eval_t ev = {0};
    /* 1,500 predictions of 0.5 and 0.85 each, observed 0.5 and 0.84 */
    for (int i = 0; i < 1500; i++) {
        ordo_eta_reliability_add(&ev.model, 0.5, i % 2);
        ordo_eta_reliability_add(&ev.model, 0.85, i % 100 < 84);
    }
    ordo_eta_drift_t d;
    ordo_eta_drift_check(&in, &ev, ORDO_ETA_DRIFT_BOUND, 1000, 1000000, &d);
    assert_false(d.alarm);
    assert_true(fabs(d.calibration_error - 0.01) < 1e-9);
    assert_int_equal(d.predictions, 3000);
    /* the 0.85 decile now arrives at 0.80: 5 points off */
    ordo_eta_eval_t bad = {0};
    for (int i = 0; i < 1500; i++) {
        ordo_eta_reliability_add(&bad.model, 0.5, i % 2);
        ordo_eta_reliability_add(&bad.model, 0.85, i % 100 < 80);
    }
    ordo_eta_drift_check(&in, &bad, ORDO_ETA_DRIFT_BOUND, 1000, 1000000, &d);
    assert_true(d.alarm);
    /* too few predictions in every decile, and overall: no alarm yet */
    ordo_eta_eval_t few = {0};
    for (int i = 0; i < 100; i++)
        ordo_eta_reliability_add(&few.model, 0.9, 0);
    ordo_eta_drift_check(&in, &few, ORDO_ETA_DRIFT_BOUND, 1000, 1000000, &d);
    assert_false(d.alarm);
    assert_true(isnan(d.calibration_error));
    /* the state file round trip */
    char dir[] = "/tmp/ordo-test-drift-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ordo_eta_drift_check(&in, &bad, ORDO_ETA_DRIFT_BOUND, 1000, 1000000, &d);
    ordo_error_t err = {0};
    assert_int_equal(ordo_eta_drift_write(dir, &d, &err), ORDO_OK);
    ordo_eta_drift_t back;
    assert_int_equal(ordo_eta_drift_read(dir, &back, &err), ORDO_OK);
    assert_string_equal(back.model, "eta-v4");
    assert_true(back.alarm);
    assert_int_equal(back.predictions, 3000);
    assert_true(fabs(back.calibration_error - d.calibration_error) < 1e-15);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, ORDO_ETA_DRIFT_FILE);
    unlink(path);
    rmdir(dir);
}

/* The randomized PIT of a calibrated discrete forecast is uniform: the share
 * at or below 0.9 is 0.9 where whole days cover 100% (the p90 day is 2);
 * a forecast too fast for its outcomes falls short of it. */
static double randomized_share(const double *truth, const double *cdf, uint64_t seed)
{
    ordo_rng_t rng;
    ordo_rng_seed(&rng, seed);
    int n = 200000, below = 0;
    for (int i = 0; i < n; i++) {
        double u = ordo_rng_uniform(&rng), c = 0;
        int y = 0;
        while (y < 2 && u >= (c += truth[y]))
            y++;
        double lo = y ? cdf[y - 1] : 0;
        below += ordo_eta_pit_randomized_below(lo, cdf[y], 0.9, ordo_rng_uniform(&rng));
    }
    return (double)below / n;
}

static void test_pit_randomized(void **state)
{
    (void)state;
    assert_true(ordo_eta_pit_randomized_below(0.8, 1.0, 0.9, 0.49));
    assert_false(ordo_eta_pit_randomized_below(0.8, 1.0, 0.9, 0.51));
    assert_false(ordo_eta_pit_randomized_below(0.95, 1.0, 0.9, 0.0));
    assert_true(ordo_eta_pit_randomized_below(0.3, 0.8, 0.9, 0.99));
    const double cdf[3] = {0.3, 0.8, 1.0};
    const double calibrated[3] = {0.3, 0.5, 0.2}, slower[3] = {0.1, 0.5, 0.4};
    assert_true(fabs(randomized_share(calibrated, cdf, 11) - 0.9) < 0.004);
    assert_true(randomized_share(slower, cdf, 12) < 0.85); /* 0.6 + 0.4 / 2 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_pit_randomized),
        cmocka_unit_test_setup_teardown(test_shrinkage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prob_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ceiling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cutoff_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rural_destinations, setup, teardown),
        cmocka_unit_test(test_friday_class),
        cmocka_unit_test(test_mom_k),
        cmocka_unit_test_setup_teardown(test_estimated_shrinkage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lane_day_effective_size, setup, teardown),
        cmocka_unit_test(test_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
