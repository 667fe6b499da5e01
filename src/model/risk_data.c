/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the training data of the risk models: a run's decisions joined
 * with their outcomes, what the engine knew at each decision (the node's
 * recent hours to ship, the customer's history), and the design matrices
 * of return and cancellation risk (include/ordo/model.h; method:
 * docs/internals/MODEL.md "Return and cancellation risk"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/arena.h"

struct risk_run_reader {
    ordo_risk_run_t *run;
    ordo_arena_t *ids;
    const char **cust; /* per order: customer id, NULL: none */
};

int ordo_risk_name_index(ordo_risk_names_t *t, const char *s)
{
    s = s ? s : "?";
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->name[i], s))
            return i;
    if (t->n == ORDO_RISK_MAX_NAMES)
        return ORDO_RISK_MAX_NAMES - 1;
    snprintf(t->name[t->n], sizeof t->name[0], "%s", s);
    return t->n++;
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static double date_days(const char *s)
{
    int y, m, d;
    if (!s || sscanf(s, "%d-%d-%d", &y, &m, &d) != 3)
        return NAN;
    return (double)days_from_civil(y, m, d);
}

/* The smallest stock left behind at a chosen node for a shipped SKU
 * (ATP at decision time minus the units taken). */
static double atp_margin(const ordo_record_t *r)
{
    double m = INFINITY;
    for (uint32_t s = 0; s < r->plan.n_shipments; s++) {
        const ordo_record_shipment_t *sh = &r->plan.shipments[s];
        for (uint32_t l = 0; l < sh->n_lines; l++)
            for (uint32_t a = 0; a < r->n_atp; a++)
                if (r->atp[a].node && r->atp[a].sku && sh->node && sh->lines[l].sku &&
                    !strcmp(r->atp[a].node, sh->node) && !strcmp(r->atp[a].sku, sh->lines[l].sku))
                    m = fmin(m, r->atp[a].atp - sh->lines[l].quantity);
    }
    return isfinite(m) ? m : 0;
}

/* Days the latest logged p50 ETA falls after the promise (>= 0). */
static double late_days(const ordo_record_t *r)
{
    double promise = date_days(r->plan.promise_date), late = 0;
    for (uint32_t s = 0; s < r->plan.n_shipments && isfinite(promise); s++) {
        double eta = date_days(r->plan.shipments[s].eta_p50);
        if (isfinite(eta) && eta - promise > late)
            late = eta - promise;
    }
    return late;
}

static void order_from_record(ordo_risk_run_t *run, const ordo_record_t *r, ordo_risk_order_t *o)
{
    memset(o, 0, sizeof *o);
    o->time = r->time;
    o->day = (int)((r->time - run->t0) / 86400);
    o->node = ordo_risk_name_index(&run->nodes,
                                   r->plan.n_shipments ? r->plan.shipments[0].node : NULL);
    o->family = ordo_risk_name_index(&run->families, r->product_family);
    o->region = ordo_risk_name_index(&run->regions, r->region);
    o->service = ordo_risk_name_index(&run->services, r->order.service_level);
    o->customer = UINT32_MAX;
    for (uint32_t l = 0; l < r->order.n_lines; l++)
        o->units += r->order.lines[l].quantity;
    o->value = isfinite(r->order_value) ? r->order_value : 0;
    o->on_time_prob = isfinite(r->plan.on_time_prob) ? r->plan.on_time_prob : 1;
    o->return_risk = isfinite(r->plan.return_risk) ? r->plan.return_risk : NAN;
    o->split = r->plan.n_shipments > 1;
    o->backordered = r->plan.n_backorders > 0;
    for (uint32_t s = 0; s < r->plan.n_shipments; s++)
        if (isfinite(r->plan.shipments[s].miles))
            o->miles = fmax(o->miles, r->plan.shipments[s].miles);
    o->atp_margin = atp_margin(r);
    double order_day = floor((double)r->time / 86400);
    double pd = date_days(r->plan.promise_date) - order_day;
    o->promise_days = isfinite(pd) ? pd : 0;
    o->late_days = late_days(r);
}

/* The outcome of a kept order. */
static void add_outcome(void *ctx, uint32_t row, const ordo_outcome_summary_t *s,
                        const ordo_shipment_outcome_t *sh, size_t n)
{
    (void)sh;
    (void)n;
    ordo_risk_order_t *o = &((risk_run_reader_t *)ctx)->run->o[row];
    o->has_outcome = 1;
    o->shipped_at = s->shipped_at;
    o->delivered_at = s->delivered_at ? s->delivered_at : s->last_delivered_at;
    o->returned_at = s->returned_at;
    o->returned = s->returned_at != 0;
    o->cancelled = s->cancelled_at != 0;
    o->cancelled_at = s->cancelled_at;
}

/* Every decided order is a row; its outcome comes later (add_outcome). */
static int keep_record(void *ctx, const ordo_record_t *r, uint32_t *row)
{
    risk_run_reader_t *rd = ctx;
    ordo_risk_run_t *run = rd->run;
    if (run->n == run->cap) {
        size_t cap = run->cap ? 2 * run->cap : 1 << 16;
        ordo_risk_order_t *o = realloc(run->o, cap * sizeof *o);
        if (o)
            run->o = o;
        const char **c = realloc(rd->cust, cap * sizeof *c);
        if (c)
            rd->cust = c;
        if (!o || !c)
            return ORDO_ENOMEM;
        run->cap = cap;
    }
    if (run->n == 0)
        run->t0 = r->time - r->time % 86400;
    ordo_risk_order_t *o = &run->o[run->n];
    order_from_record(run, r, o);
    const char *cid = r->order.customer_id;
    rd->cust[run->n] = cid && *cid ? ordo_arena_strdup(rd->ids, cid) : NULL;
    if (cid && *cid && !rd->cust[run->n])
        return ORDO_ENOMEM;
    run->days = o->day + 1 > run->days ? o->day + 1 : run->days;
    *row = (uint32_t)run->n++;
    return ORDO_OK;
}

/* ---- what the engine knew at each decision: a sweep in time order ---- */

typedef struct ev_event {
    int64_t t;
    uint32_t order;
    int kind; /* 0 decision, 1 shipped, 2 delivered, 3 returned */
} ev_event_t;

static int by_event_time(const void *a, const void *b)
{
    const ev_event_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return y->kind - x->kind; /* an event at the same second is known */
}

static const char *const *g_cust; /* for the customer sort only */

static int by_customer(const void *a, const void *b)
{
    return strcmp(g_cust[*(const uint32_t *)a], g_cust[*(const uint32_t *)b]);
}

/* Customer indices: orders of the same customer id share one. */
static int index_customers(ordo_risk_run_t *run, const risk_run_reader_t *sc)
{
    uint32_t *ix = malloc((run->n + 1) * sizeof *ix), m = 0;
    if (!ix)
        return ORDO_ENOMEM;
    for (size_t i = 0; i < run->n; i++)
        if (sc->cust[i])
            ix[m++] = (uint32_t)i;
    g_cust = sc->cust;
    qsort(ix, m, sizeof *ix, by_customer);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m; i++) {
        if (i && strcmp(sc->cust[ix[i]], sc->cust[ix[i - 1]]))
            k++;
        run->o[ix[i]].customer = k;
    }
    run->customers = m ? k + 1 : 0;
    free(ix);
    return ORDO_OK;
}

static void apply_event(ordo_risk_run_t *run, const ev_event_t *e, double *avg, double *c_orders,
                        double *c_returns)
{
    ordo_risk_order_t *o = &run->o[e->order];
    uint32_t c = o->customer;
    if (e->kind == 0) {
        o->ship_hours = avg[o->node];
        o->cust_orders = c == UINT32_MAX ? 0 : c_orders[c];
        o->cust_returns = c == UINT32_MAX ? 0 : c_returns[c];
    } else if (e->kind == 1) {
        double h = (double)(o->shipped_at - o->time) / 3600.0;
        avg[o->node] = isnan(avg[o->node]) ? h : avg[o->node] + (h - avg[o->node]) / 50.0;
    } else if (c != UINT32_MAX) {
        (e->kind == 2 ? c_orders : c_returns)[c] += 1;
    }
}

/* Time to ship as the engine could know it: per node, an exponential
 * average (weight 1/50) of hours from decision to shipment over the orders
 * shipped before this decision; the customer's delivered orders and
 * returns seen before it. */
static int sweep(ordo_risk_run_t *run)
{
    ev_event_t *ev = malloc(4 * run->n * sizeof *ev + 1);
    double *c_orders = calloc(run->customers + 1, sizeof *c_orders);
    double *c_returns = calloc(run->customers + 1, sizeof *c_returns);
    int rc = ev && c_orders && c_returns ? ORDO_OK : ORDO_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; !rc && i < run->n; i++) {
        const ordo_risk_order_t *o = &run->o[i];
        ev[m++] = (ev_event_t){.t = o->time, .order = (uint32_t)i, .kind = 0};
        if (o->shipped_at > 0)
            ev[m++] = (ev_event_t){.t = o->shipped_at, .order = (uint32_t)i, .kind = 1};
        if (o->delivered_at > 0)
            ev[m++] = (ev_event_t){.t = o->delivered_at, .order = (uint32_t)i, .kind = 2};
        if (o->returned_at > 0)
            ev[m++] = (ev_event_t){.t = o->returned_at, .order = (uint32_t)i, .kind = 3};
    }
    if (!rc) {
        qsort(ev, m, sizeof *ev, by_event_time);
        double avg[ORDO_RISK_MAX_NAMES];
        for (int k = 0; k < ORDO_RISK_MAX_NAMES; k++)
            avg[k] = NAN;
        for (size_t e = 0; e < m; e++)
            apply_event(run, &ev[e], avg, c_orders, c_returns);
    }
    free(ev);
    free(c_orders);
    free(c_returns);
    return rc;
}

/* ---- label maturity (docs/internals/MODEL.md "Label maturity") ---- */

static int64_t latest_event(const ordo_risk_order_t *o)
{
    int64_t t[5] = {o->time, o->shipped_at, o->delivered_at, o->returned_at, o->cancelled_at}, m = 0;
    for (int i = 0; i < 5; i++)
        m = t[i] > m ? t[i] : m;
    return m;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The 95th percentile (nearest rank) of n delays, sorted in place; 0 for none. */
static double p95(double *d, size_t n)
{
    if (!n)
        return 0;
    qsort(d, n, sizeof *d, by_double);
    size_t k = (size_t)ceil(0.95 * (double)n);
    return d[k ? k - 1 : 0];
}

/* The delay after delivery to a return (t = RETURN) or after the decision
 * to the first shipment or the cancellation (CANCEL); < 0: none seen. */
static double label_delay(const ordo_risk_order_t *o, ordo_risk_target_t t)
{
    if (t == ORDO_RISK_RETURN)
        return o->returned_at && o->delivered_at ? (double)(o->returned_at - o->delivered_at) : -1;
    int64_t end = o->cancelled_at ? o->cancelled_at : o->shipped_at;
    return end ? (double)(end - o->time) : -1;
}

int ordo_risk_label_windows(ordo_risk_run_t *run)
{
    double *d = malloc((run->n + 1) * sizeof *d);
    if (!d)
        return ORDO_ENOMEM;
    double *w[2] = {&run->return_window, &run->cancel_window};
    for (int t = 0; t < 2; t++) {
        if (*w[t] > 0)
            continue;
        size_t n = 0;
        for (size_t i = 0; i < run->n; i++) {
            double x = label_delay(&run->o[i], (ordo_risk_target_t)t);
            if (x >= 0)
                d[n++] = x;
        }
        *w[t] = p95(d, n);
    }
    free(d);
    return ORDO_OK;
}

int ordo_risk_label_mature(const ordo_risk_run_t *run, const ordo_risk_order_t *o,
                           ordo_risk_target_t t)
{
    if (!run->asof)
        return 1;
    if (t == ORDO_RISK_RETURN)
        return run->return_window > 0 && o->delivered_at > 0 &&
               (double)o->delivered_at + run->return_window <= (double)run->asof;
    return run->cancel_window > 0 && (double)o->time + run->cancel_window <= (double)run->asof;
}

int risk_run_reader_new(ordo_risk_run_t *run, risk_run_reader_t **out, ordo_error_t *err)
{
    memset(run, 0, sizeof *run);
    risk_run_reader_t *rd = calloc(1, sizeof *rd);
    if (rd && !(rd->ids = ordo_arena_create(1 << 20))) {
        free(rd);
        rd = NULL;
    }
    if (!rd)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    rd->run = run;
    *out = rd;
    return ORDO_OK;
}

model_run_sink_t risk_run_reader_sink(risk_run_reader_t *rd)
{
    return (model_run_sink_t){.ctx = rd, .record = keep_record, .outcome = add_outcome};
}

void risk_run_reader_free(risk_run_reader_t *rd)
{
    if (!rd)
        return;
    ordo_arena_destroy(rd->ids);
    free(rd->cust);
    free(rd);
}

int risk_run_reader_finish(risk_run_reader_t *rd, const char *dir, ordo_error_t *err)
{
    ordo_risk_run_t *run = rd->run;
    int rc = index_customers(run, rd);
    if (!rc)
        rc = sweep(run);
    for (size_t i = 0; !rc && i < run->n; i++) {
        int64_t t = latest_event(&run->o[i]);
        run->asof = t > run->asof ? t : run->asof;
    }
    if (!rc)
        rc = ordo_risk_label_windows(run);
    if (rc == ORDO_ENOMEM)
        ordo_error_set(err, rc, dir, 0, NULL, "out of memory");
    risk_run_reader_free(rd);
    if (rc)
        ordo_risk_run_free(run);
    return rc;
}

int ordo_risk_run_read(const char *dir, ordo_risk_run_t *run, ordo_error_t *err)
{
    risk_run_reader_t *rd;
    int rc = risk_run_reader_new(run, &rd, err);
    if (rc)
        return rc;
    model_run_sink_t sink = risk_run_reader_sink(rd);
    if ((rc = model_run_read(dir, &sink, 1, NULL, NULL, err))) {
        risk_run_reader_free(rd);
        ordo_risk_run_free(run);
        return rc;
    }
    return risk_run_reader_finish(rd, dir, err);
}

void ordo_risk_run_free(ordo_risk_run_t *run)
{
    free(run->o);
    run->o = NULL;
    run->n = run->cap = 0;
}

/* ---- design matrices ---- */

static void put(ordo_risk_design_t *x, size_t *k, uint32_t c, double v)
{
    x->col[*k] = c;
    x->val[(*k)++] = v;
}

double ordo_risk_cancel_parametric(double late_days)
{
    double p = 0.01 + 0.08 * (late_days > 0 ? late_days : 0);
    return p < 0.5 ? p : 0.5;
}

/* The customer's return history: a shrunk rate, and "a delivered order
 * seen" (0 for a new customer: an all-zero column when none is known). */
static void history(const ordo_risk_order_t *o, double *rate, double *known)
{
    *rate = o->cust_returns / (o->cust_orders + 2);
    *known = o->cust_orders > 0;
}

/* Return risk: family (one-hot), log price, predicted lateness, split, log
 * distance, return history (2), service level (one-hot). Cancellation:
 * lateness, promised days, stock margin (2), backordered, the node's
 * recent hours to ship (2), service level. */
static void design_row(const ordo_risk_order_t *o, ordo_risk_target_t t, int fam, int n_fam,
                       int svc, ordo_risk_design_t *x, size_t *k)
{
    uint32_t c = 0;
    if (t == ORDO_RISK_RETURN) {
        double rate, known;
        history(o, &rate, &known);
        if (fam >= 0)
            put(x, k, (uint32_t)fam, 1);
        c = (uint32_t)n_fam;
        put(x, k, c++, log1p(o->value));
        put(x, k, c++, 1 - o->on_time_prob);
        put(x, k, c++, o->split);
        put(x, k, c++, log1p(o->miles));
        if (rate > 0)
            put(x, k, c, rate);
        c++;
        if (known)
            put(x, k, c, 1);
        c++;
    } else {
        put(x, k, c++, 1 - o->on_time_prob);
        put(x, k, c++, o->promise_days);
        put(x, k, c++, log1p(fmax(o->atp_margin, 0)));
        put(x, k, c++, o->atp_margin <= 0);
        put(x, k, c++, o->backordered);
        put(x, k, c++, isnan(o->ship_hours) ? 0 : log1p(o->ship_hours));
        put(x, k, c++, isnan(o->ship_hours));
    }
    if (svc >= 0)
        put(x, k, c + (uint32_t)svc, 1);
}

static int design_alloc(ordo_risk_design_t *x, size_t n)
{
    size_t per = 10;
    memset(x, 0, sizeof *x);
    x->rs = malloc((n + 1) * sizeof *x->rs);
    x->col = malloc((n * per + 1) * sizeof *x->col);
    x->val = malloc((n * per + 1) * sizeof *x->val);
    x->y = malloc((n + 1) * sizeof *x->y);
    x->day = malloc((n + 1) * sizeof *x->day);
    x->base = malloc((n + 1) * sizeof *x->base);
    return x->rs && x->col && x->val && x->y && x->day && x->base ? ORDO_OK : ORDO_ENOMEM;
}

int ordo_risk_design_build(const ordo_risk_run_t *run, ordo_risk_target_t t, const int *fam_map,
                           int n_fam, const int *svc_map, int n_svc, ordo_risk_design_t *x)
{
    if (design_alloc(x, run->n) != ORDO_OK) {
        ordo_risk_design_free(x);
        return ORDO_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < run->n; i++) {
        const ordo_risk_order_t *o = &run->o[i];
        if (!o->has_outcome || (t == ORDO_RISK_RETURN && o->cancelled) ||
            !ordo_risk_label_mature(run, o, t))
            continue;
        int fam = fam_map ? fam_map[o->family] : o->family;
        int svc = svc_map ? svc_map[o->service] : o->service;
        x->rs[x->n] = k;
        design_row(o, t, fam, n_fam, svc, x, &k);
        x->y[x->n] = t == ORDO_RISK_RETURN ? o->returned : o->cancelled;
        x->day[x->n] = o->day;
        x->base[x->n] = t == ORDO_RISK_RETURN ? o->return_risk
                                              : ordo_risk_cancel_parametric(o->late_days);
        x->n++;
    }
    x->rs[x->n] = k;
    x->d = (t == ORDO_RISK_RETURN ? (size_t)n_fam + ORDO_RISK_RETURN_NUM : ORDO_RISK_CANCEL_NUM) +
           (size_t)n_svc;
    return ORDO_OK;
}

void ordo_risk_design_free(ordo_risk_design_t *x)
{
    free(x->rs);
    free(x->col);
    free(x->val);
    free(x->y);
    free(x->day);
    free(x->base);
    memset(x, 0, sizeof *x);
}
