/* ordo analyze — data directories: the experiment from the registry, the
 * outcome summaries from the store (loaded once into a hash map by order
 * id), decision records streamed from DIR/log in log order, joined into rows
 * for the core. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "ordo/geo.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"

/* ------------------------------------------------------------------ */
/* One decision record → one row */

static int region_of_zip(const char *zs)
{
    uint32_t zip;
    if (!zs || ordo_zip_parse(zs, strlen(zs), &zip))
        return ORDO_AN_REGIONS - 1;
    const ordo_geo_t *geo = ordo_geo_default();
    if (!geo)
        return ORDO_AN_REGIONS - 1;
    const ordo_zip_t *z = ordo_geo_zip(geo, zip);
    const char *state = z ? z->state : NULL;
    if (!state) {
        const ordo_zip3_t *z3 = ordo_geo_zip3(geo, (uint16_t)(zip / 100));
        state = z3 && z3->known ? z3->state : NULL;
    }
    return state ? ordo_analyze_region_index(ordo_geo_region(state)) : ORDO_AN_REGIONS - 1;
}

/* The plan's figures: planned cost and its parts, shipments, zones, miles. */
static int row_plan(const ordo_record_t *d, ordo_analyze_row_t *row, ordo_error_t *err)
{
    const ordo_record_plan_t *plan = &d->plan;
    if (!plan->has_cost)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "plan.totals.cost", "missing");
    row->v[ORDO_AF_PLANNED_COST] = plan->cost.total;
    row->v[ORDO_AF_PLANNED_PICK] = plan->cost.pick;
    row->v[ORDO_AF_PLANNED_PACK] = plan->cost.pack;
    row->v[ORDO_AF_PLANNED_SHIP] = plan->cost.shipping;
    row->v[ORDO_AF_PLANNED_RETURNS] = plan->cost.returns;
    double cr = plan->cost.carrying_relief, op = plan->cost.opportunity;
    row->v[ORDO_AF_PLANNED_CARRYING] = (isfinite(cr) ? cr : 0) + (isfinite(op) ? op : 0);
    row->v[ORDO_AF_PLANNED_ON_TIME_PROB] = plan->on_time_prob;
    row->v[ORDO_AF_PLANNED_RETURN_RISK] = plan->return_risk;
    double nship = plan->shipments_total;
    if (!isfinite(nship))
        nship = plan->has_shipments ? plan->n_shipments : NAN;
    row->v[ORDO_AF_SHIPMENTS] = nship;
    row->v[ORDO_AF_SPLIT] = isfinite(nship) ? (nship > 1) : NAN;
    row->v[ORDO_AF_UNITS] = plan->units;
    if (plan->has_shipments) {
        double miles = 0, zsum = 0;
        for (int z = 0; z < 9; z++)
            row->v[ORDO_AF_ZONE_1 + z] = 0;
        for (uint32_t i = 0; i < plan->n_shipments; i++) {
            double zone = plan->shipments[i].zone, mi = plan->shipments[i].miles;
            if (isfinite(mi))
                miles += mi;
            if (isfinite(zone) && zone >= 1 && zone <= 9) {
                zsum += zone;
                row->v[ORDO_AF_ZONE_1 + (int)zone - 1] += 1;
            }
        }
        row->v[ORDO_AF_MILES] = miles;
        row->v[ORDO_AF_ZONE_SUM] = zsum;
    }
    row->v[ORDO_AF_FALLBACK] = d->fallback < 0 ? NAN : d->fallback;
    double lat = d->latency_ns;
    row->v[ORDO_AF_LATENCY_MS] = isfinite(lat) ? lat / 1e6 : NAN;
    row->v[ORDO_AF_CONTROL_COST] = d->control_cost;
    return ORDO_OK;
}

/* Segments: region from the ship-to ZIP, value band and product family
 * (from the record, else from the order's lines and the catalog). */
static void row_segments(const ordo_record_t *d, const ordo_network_t *net,
                         ordo_analyze_row_t *row)
{
    row->region = (uint8_t)region_of_zip(d->order.zip);
    double value = d->order_value;
    int family = -1;
    if (d->product_family && net)
        family = ordo_network_family(net, d->product_family);
    if (net && d->order.present && d->order.lines && (!isfinite(value) || family < 0)) {
        double total = 0, best = -1;
        int best_fam = -1;
        bool all = true;
        for (uint32_t i = 0; i < d->order.n_lines; i++) {
            const ordo_record_line_t *l = &d->order.lines[i];
            double q = l->quantity;
            int32_t si = l->sku ? ordo_network_sku(net, l->sku) : -1;
            if (si < 0 || !isfinite(q)) {
                all = false;
                continue;
            }
            double lv = q * net->skus[si].price;
            total += lv;
            if (lv > best) {
                best = lv;
                best_fam = net->skus[si].family;
            }
        }
        if (!isfinite(value) && all)
            value = total;
        if (family < 0)
            family = best_fam;
    }
    row->v[ORDO_AF_ORDER_VALUE] = value;
    row->value_band = (uint8_t)ordo_analyze_value_band(value);
    row->family =
        family >= 0 && family < ORDO_AN_FAMILIES - 1 ? (uint16_t)family : ORDO_AN_FAMILIES - 1;
}

/* What happened to the order (outcome summary o, may be NULL). */
static void row_outcome(const ordo_record_t *d, const ordo_outcome_summary_t *o,
                        ordo_analyze_row_t *row)
{
    int64_t t = row->ts;
    if (!o) {
        row->v[ORDO_AF_HAS_OUTCOME] = 0;
        return;
    }
    row->v[ORDO_AF_HAS_OUTCOME] = 1;
    if (o->cost_mask) {
        row->v[ORDO_AF_ACTUAL_COST] = o->cost_total;
        static const int parts[ORDO_COST_PARTS] = {ORDO_AF_ACTUAL_PICK, ORDO_AF_ACTUAL_PACK,
                                                   ORDO_AF_ACTUAL_SHIP, ORDO_AF_ACTUAL_RETURNS,
                                                   ORDO_AF_ACTUAL_CARRYING};
        for (int p = 0; p < ORDO_COST_PARTS; p++)
            row->v[parts[p]] = (o->cost_mask & (1u << p)) ? o->cost[p] : 0;
    }
    row->v[ORDO_AF_REFUND] = o->refund;
    int64_t promise = o->promised_by;
    if (!promise) {
        const char *pd = d->plan.promise_date;
        int64_t p;
        if (pd && !ordo_time_parse(pd, &p))
            promise = strlen(pd) == 10 ? p + 86399 : p; /* a date: end of that day */
    }
    ordo_on_time_t ot = o->promised_by ? o->on_time : ordo_outcome_on_time(o, promise);
    row->v[ORDO_AF_ON_TIME] = ot == ORDO_ON_TIME_YES ? 1 : ot == ORDO_ON_TIME_LATE ? 0 : NAN;
    row->v[ORDO_AF_DELIVERED] = o->delivered_at > 0;
    row->v[ORDO_AF_HOURS_TO_SHIP] = o->shipped_at > 0 ? (double)(o->shipped_at - t) / 3600.0 : NAN;
    row->v[ORDO_AF_HOURS_TO_DELIVER] =
        o->delivered_at > 0 ? (double)(o->delivered_at - t) / 3600.0 : NAN;
    row->v[ORDO_AF_RETURNED] = o->returned_at > 0 || o->n_returned > 0;
    row->v[ORDO_AF_CANCELLED] = o->cancelled_at > 0;
}

int ordo_analyze_row_from_decision(const ordo_record_t *d, const ordo_outcome_summary_t *o,
                                   const ordo_network_t *net, ordo_analyze_row_t *row,
                                   ordo_error_t *err)
{
    ordo_analyze_row_init(row);
    if (!d->has_time)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "timestamp", "missing or malformed");
    row->ts = d->time;
    int rc = row_plan(d, row, err);
    if (rc)
        return rc;
    row_segments(d, net, row);
    row_outcome(d, o, row);
    return ORDO_OK;
}

/* ------------------------------------------------------------------ */
/* Outcomes: a compact copy of every summary, by order id */

typedef struct an_outcome {
    int64_t shipped_at, delivered_at, last_delivered_at, returned_at, cancelled_at, promised_by;
    double cost[ORDO_COST_PARTS], cost_total, refund;
    uint32_t n_shipments, n_delivered, n_returned;
    uint8_t on_time, cost_mask, flags, matched;
} an_outcome_t;

typedef struct an_outcomes {
    ordo_strmap_t *map;
    an_outcome_t *v;
    size_t n, cap;
} an_outcomes_t;

static void outcomes_free(an_outcomes_t *oc)
{
    ordo_strmap_destroy(oc->map);
    free(oc->v);
    memset(oc, 0, sizeof *oc);
}

static int outcomes_load(ordo_store_t *store, an_outcomes_t *oc, ordo_error_t *err)
{
    uint64_t events = 0, orders = 0;
    int rc = ordo_store_outcome_counts(store, &events, &orders, err);
    if (rc)
        return rc;
    oc->map = ordo_strmap_create(orders ? (size_t)orders : 16);
    oc->cap = orders ? (size_t)orders : 16;
    oc->v = malloc(oc->cap * sizeof *oc->v);
    if (!oc->map || !oc->v)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_outcome_iter_t *it;
    if ((rc = ordo_store_outcome_iter_open(store, &it, err)))
        return rc;
    ordo_outcome_summary_t s;
    while ((rc = ordo_outcome_iter_next(it, &s, err)) == 1) {
        if (oc->n == oc->cap) {
            an_outcome_t *nv = realloc(oc->v, oc->cap * 2 * sizeof *nv);
            if (!nv) {
                rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            oc->v = nv;
            oc->cap *= 2;
        }
        an_outcome_t *o = &oc->v[oc->n];
        o->shipped_at = s.shipped_at;
        o->delivered_at = s.delivered_at;
        o->last_delivered_at = s.last_delivered_at;
        o->returned_at = s.returned_at;
        o->cancelled_at = s.cancelled_at;
        o->promised_by = s.promised_by;
        memcpy(o->cost, s.cost, sizeof o->cost);
        o->cost_total = s.cost_total;
        o->refund = s.refund;
        o->n_shipments = s.n_shipments;
        o->n_delivered = s.n_delivered;
        o->n_returned = s.n_returned;
        o->on_time = (uint8_t)s.on_time;
        o->cost_mask = (uint8_t)s.cost_mask;
        o->flags = (uint8_t)s.flags;
        o->matched = 0;
        if (ordo_strmap_put(oc->map, s.order_id, strlen(s.order_id), (uint32_t)oc->n) == ORDO_OK)
            oc->n++;
    }
    ordo_outcome_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

static void outcome_expand(const an_outcome_t *o, ordo_outcome_summary_t *s)
{
    memset(s, 0, sizeof *s);
    s->shipped_at = o->shipped_at;
    s->delivered_at = o->delivered_at;
    s->last_delivered_at = o->last_delivered_at;
    s->returned_at = o->returned_at;
    s->cancelled_at = o->cancelled_at;
    s->promised_by = o->promised_by;
    s->on_time = (ordo_on_time_t)o->on_time;
    memcpy(s->cost, o->cost, sizeof s->cost);
    s->cost_mask = o->cost_mask;
    s->cost_total = o->cost_total;
    s->refund = o->refund;
    s->n_shipments = o->n_shipments;
    s->n_delivered = o->n_delivered;
    s->n_returned = o->n_returned;
    s->flags = o->flags;
}

/* ------------------------------------------------------------------ */
/* A cheap pre-scan of the log: which experiments and variants appear. */

#define SCAN_MAX 64
typedef struct scan_exp {
    char id[ORDO_EXP_ID_MAX];
    uint64_t n;
    size_t n_variants;
    char variants[ORDO_EXP_MAX_ARMS][ORDO_EXP_KEY_MAX];
} scan_exp_t;

/* The string value of the first "key": "..." in payload (whitespace around
 * the colon allowed), without parsing the JSON; false when absent or not a
 * plain string. key is given with its quotes: "\"experiment\"". */
static bool scan_str(const char *p, size_t len, const char *key, char *out, size_t cap)
{
    const char *end = p + len;
    size_t kl = strlen(key);
    const char *hit = p;
    while ((hit = memmem(hit, (size_t)(end - hit), key, kl))) {
        const char *q = hit + kl;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            if (q >= end || *q != '"')
                return false;
            q++;
            size_t n = 0;
            while (q < end && *q != '"' && *q != '\\' && n + 1 < cap)
                out[n++] = *q++;
            out[n] = 0;
            return q < end && *q == '"' && n > 0;
        }
        hit += kl;
    }
    return false;
}

static int scan_log(const char *logdir, scan_exp_t *exps, size_t *n_exps, ordo_error_t *err)
{
    *n_exps = 0;
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(logdir, NULL, &it, err);
    if (rc)
        return rc;
    ordo_log_record_t rec;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        char id[ORDO_EXP_ID_MAX], var[ORDO_EXP_KEY_MAX];
        if (!scan_str(rec.payload, rec.len, "\"experiment\"", id, sizeof id))
            continue;
        size_t i = 0;
        while (i < *n_exps && strcmp(exps[i].id, id))
            i++;
        if (i == *n_exps) {
            if (*n_exps == SCAN_MAX)
                continue;
            memset(&exps[i], 0, sizeof exps[i]);
            snprintf(exps[i].id, sizeof exps[i].id, "%s", id);
            (*n_exps)++;
        }
        exps[i].n++;
        if (scan_str(rec.payload, rec.len, "\"variant\"", var, sizeof var)) {
            size_t j = 0;
            while (j < exps[i].n_variants && strcmp(exps[i].variants[j], var))
                j++;
            if (j == exps[i].n_variants && j < ORDO_EXP_MAX_ARMS)
                snprintf(exps[i].variants[exps[i].n_variants++], ORDO_EXP_KEY_MAX, "%s", var);
        }
    }
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

/* ------------------------------------------------------------------ */
/* The directory */

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

typedef struct join_ctx {
    ordo_analysis_t *a;
    const ordo_network_t *net;
    an_outcomes_t oc;
    ordo_analyze_counts_t counts;
    ordo_arena_t *arena; /* the record being read */
    int64_t warmup_end;
    /* the decision waiting for a shadow record of the same order */
    bool pending;
    ordo_analyze_row_t row;
    char pending_order[ORDO_OUTCOME_ID_MAX];
    /* a shadow that came before its decision */
    char shadow_order[ORDO_OUTCOME_ID_MAX];
    double shadow_cost;
    /* shadow comparison: the last decision record (any experiment), kept
     * until the next one so a shadow record logged after it can pair */
    bool sh_on;      /* the experiment may have shadow records */
    bool dec_valid;  /* a decision is held */
    bool dec_used;   /* already paired */
    bool dec_parsed; /* dec_sum is set; else dec_raw holds the payload */
    int dec_arm;     /* variant index, -1 not in the experiment, -2 left out */
    char dec_order[ORDO_OUTCOME_ID_MAX];
    ordo_analyze_plan_summary_t dec_sum;
    ordo_buf_t dec_raw;
    /* a shadow record of this experiment that came before its decision */
    bool early;
    char early_order[ORDO_OUTCOME_ID_MAX];
    int64_t early_ts;
    ordo_analyze_plan_summary_t early_sum;
    ordo_analyze_shadow_info_t sh;
    int cur_arm; /* on_decision's verdict on the current decision */
} join_ctx_t;

static int flush_pending(join_ctx_t *j, ordo_error_t *err)
{
    if (!j->pending)
        return ORDO_OK;
    j->pending = false;
    if (!isfinite(j->row.v[ORDO_AF_CONTROL_COST]))
        j->counts.covariate_missing++;
    return ordo_analysis_add(j->a, &j->row, err);
}

static bool is_control_policy(const join_ctx_t *j, const ordo_record_t *d)
{
    const char *ver = d->policy_version;
    const char *cv = j->a->cfg.policy_versions[0];
    return ver && cv[0] && !strcmp(ver, cv);
}

static int on_shadow(join_ctx_t *j, const ordo_record_t *d)
{
    const char *oid = d->order_id;
    if (!oid || !is_control_policy(j, d))
        return ORDO_OK;
    double c = d->plan.cost.total;
    if (!isfinite(c))
        return ORDO_OK;
    if (j->pending && !strcmp(oid, j->pending_order)) {
        if (!isfinite(j->row.v[ORDO_AF_CONTROL_COST]))
            j->row.v[ORDO_AF_CONTROL_COST] = c;
    } else {
        snprintf(j->shadow_order, sizeof j->shadow_order, "%s", oid);
        j->shadow_cost = c;
    }
    return ORDO_OK;
}

static int variant_index(const ordo_analysis_t *a, const char *key)
{
    for (size_t i = 0; i < a->V; i++)
        if (!strcmp(a->cfg.variants[i], key))
            return (int)i;
    return -1;
}

/* The arm of a decision of the analysed experiment: its variant index, or
 * -1 when it is not analysed (counted). */
static int decision_arm(join_ctx_t *j, const ordo_record_t *d)
{
    ordo_analysis_t *a = j->a;
    j->cur_arm = -1;
    if (!d->experiment) {
        j->counts.no_experiment++;
        return -1;
    }
    if (strcmp(d->experiment, a->cfg.experiment)) {
        j->counts.other_experiment++;
        return -1;
    }
    j->cur_arm = -2;
    int vi = d->variant ? variant_index(a, d->variant) : -1;
    if (vi < 0) {
        j->counts.unknown_variant++;
        return -1;
    }
    /* the decision path marks orders that are not exposures: killed back to
     * control, warm-up, burn-in/out */
    if (d->excluded) {
        j->counts.excluded_flagged++;
        return -1;
    }
    if (!d->order_id) {
        j->counts.bad_records++;
        return -1;
    }
    return vi;
}

/* The row's randomization unit: the one assignment chose, as the record
 * carries it (customer id, or switchback "cluster:window"). An order-level
 * experiment needs none. *skip when the record lacks it. */
static int row_unit(join_ctx_t *j, const ordo_record_t *d, ordo_analyze_row_t *row, bool *skip,
                    ordo_error_t *err)
{
    *skip = false;
    if (j->a->cfg.unit == ORDO_EXP_UNIT_ORDER)
        return ORDO_OK;
    if (!d->unit || !d->unit[0]) {
        j->counts.bad_records++;
        *skip = true;
        return ORDO_OK;
    }
    return ordo_analysis_unit(j->a, d->unit, strlen(d->unit), &row->unit, err);
}

static int on_decision(join_ctx_t *j, const ordo_record_t *d, ordo_error_t *err)
{
    int vi = decision_arm(j, d);
    if (vi < 0)
        return ORDO_OK;
    const char *oid = d->order_id;
    uint32_t oi;
    const an_outcome_t *o = NULL;
    if (ordo_strmap_get(j->oc.map, oid, strlen(oid), &oi)) {
        o = &j->oc.v[oi];
        j->oc.v[oi].matched = 1;
    }
    ordo_outcome_summary_t s;
    if (o)
        outcome_expand(o, &s);
    o = ordo_analyze_outcome_usable(o ? &s : NULL, d->time, &j->counts) ? o : NULL;
    ordo_analyze_row_t row;
    ordo_error_t e;
    if (ordo_analyze_row_from_decision(d, o ? &s : NULL, j->net, &row, &e)) {
        j->counts.bad_records++;
        return ORDO_OK;
    }
    row.variant = (uint32_t)vi;
    if (j->warmup_end && row.ts < j->warmup_end) {
        j->counts.excluded_warmup++;
        return ORDO_OK;
    }
    bool skip;
    int rc = row_unit(j, d, &row, &skip, err);
    if (rc || skip)
        return rc;
    if (!o)
        j->counts.missing_outcome++;
    else if (o->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT)
        j->counts.time_inconsistent++;
    if (!isfinite(row.v[ORDO_AF_ORDER_VALUE]) || row.family == ORDO_AN_FAMILIES - 1)
        j->counts.no_catalog++;
    /* covariate: the control arm's own plan is the control policy's plan */
    if (!isfinite(row.v[ORDO_AF_CONTROL_COST]) && (vi == 0 || is_control_policy(j, d)))
        row.v[ORDO_AF_CONTROL_COST] = row.v[ORDO_AF_PLANNED_COST];
    if (!isfinite(row.v[ORDO_AF_CONTROL_COST]) && j->shadow_order[0] &&
        !strcmp(j->shadow_order, oid))
        row.v[ORDO_AF_CONTROL_COST] = j->shadow_cost;
    j->shadow_order[0] = 0;
    j->cur_arm = vi;
    if ((rc = flush_pending(j, err)))
        return rc;
    j->row = row;
    j->pending = true;
    snprintf(j->pending_order, sizeof j->pending_order, "%s", oid);
    return ORDO_OK;
}

/* ---- shadow comparison: pairing a decision with its shadow record ---- */

static void sh_pair(join_ctx_t *j, int arm, const ordo_analyze_plan_summary_t *real,
                    const ordo_analyze_plan_summary_t *shadow, int64_t ts)
{
    /* the main analysis leaves these out; the window starts after warm-up
     * for orders outside the experiment too */
    if (arm == -2 || (j->warmup_end && ts < j->warmup_end)) {
        j->sh.excluded++;
        return;
    }
    if (ordo_analysis_add_shadow(j->a, arm, real, shadow, NULL) != ORDO_OK)
        j->sh.excluded++;
}

/* The held decision's plan summary (reading the kept payload when the
 * decision was skipped without reading); false when it has none. */
static bool sh_dec_summary(join_ctx_t *j)
{
    if (j->dec_parsed)
        return true;
    ordo_record_t d;
    bool ok = ordo_record_read(j->dec_raw.data, j->dec_raw.len, 0, j->arena, &d, NULL) ==
                  ORDO_OK &&
              ordo_analyze_plan_summary(&d, &j->dec_sum, NULL) == ORDO_OK;
    j->dec_parsed = ok;
    return ok;
}

static void sh_early_unpaired(join_ctx_t *j)
{
    if (j->early)
        j->sh.unpaired++;
    j->early = false;
}

/* A new decision record (before it is handled): it replaces the held one. */
static void sh_on_decision(join_ctx_t *j, const ordo_log_record_t *rec, const ordo_record_t *d,
                           int arm)
{
    j->dec_valid = false;
    const char *oid = d ? d->order_id : NULL;
    char buf[ORDO_OUTCOME_ID_MAX];
    if (!oid && scan_str(rec->payload, rec->len, "\"order_id\"", buf, sizeof buf))
        oid = buf;
    if (!oid || strlen(oid) >= sizeof j->dec_order) {
        sh_early_unpaired(j);
        return;
    }
    snprintf(j->dec_order, sizeof j->dec_order, "%s", oid);
    j->dec_arm = arm;
    j->dec_used = false;
    j->dec_parsed = false;
    if (d) {
        j->dec_parsed = ordo_analyze_plan_summary(d, &j->dec_sum, NULL) == ORDO_OK;
        j->dec_valid = j->dec_parsed;
    } else {
        ordo_buf_reset(&j->dec_raw);
        ordo_buf_append(&j->dec_raw, rec->payload, rec->len);
        j->dec_valid = !j->dec_raw.oom;
    }
    if (!j->early)
        return;
    /* a shadow record of this order came first */
    if (j->dec_valid && !strcmp(j->early_order, j->dec_order) && sh_dec_summary(j)) {
        sh_pair(j, arm, &j->dec_sum, &j->early_sum, j->early_ts);
        j->dec_used = true;
        j->early = false;
    } else {
        sh_early_unpaired(j);
    }
}

/* A shadow record (read). Shadows of this experiment are compared; every
 * shadow may also carry the CUPED covariate (on_shadow). */
static void sh_on_shadow(join_ctx_t *j, const ordo_record_t *d)
{
    if (!d->experiment || strcmp(d->experiment, j->a->cfg.experiment)) {
        j->sh.other++;
        return;
    }
    j->sh_on = true; /* from now on decisions are held for pairing */
    j->sh.records++;
    const char *pv = d->policy_version, *pn = d->policy_name;
    if (j->sh.records == 1) {
        snprintf(j->sh.policy_name, sizeof j->sh.policy_name, "%s", pn ? pn : "");
        snprintf(j->sh.policy_version, sizeof j->sh.policy_version, "%s", pv ? pv : "");
    } else if (strcmp(pv ? pv : "", j->sh.policy_version)) {
        j->sh.policy_changes++;
    }
    const char *oid = d->order_id;
    ordo_analyze_plan_summary_t sum;
    if (!oid || strlen(oid) >= sizeof j->early_order || !d->has_time ||
        ordo_analyze_plan_summary(d, &sum, NULL)) {
        j->sh.unpaired++;
        return;
    }
    if (j->dec_valid && !j->dec_used && !strcmp(oid, j->dec_order)) {
        if (sh_dec_summary(j)) {
            sh_pair(j, j->dec_arm, &j->dec_sum, &sum, d->time);
            j->dec_used = true;
        } else {
            j->sh.unpaired++;
        }
        return;
    }
    sh_early_unpaired(j);
    j->early = true;
    snprintf(j->early_order, sizeof j->early_order, "%s", oid);
    j->early_ts = d->time;
    j->early_sum = sum;
}

/* Cheap filter: a decision of another experiment (or none) is skipped
 * without reading it (kept as bytes while a shadow record of this order may
 * follow). */
static bool skip_unread(join_ctx_t *j, const ordo_log_record_t *rec)
{
    char id[ORDO_EXP_ID_MAX];
    bool skip = false;
    if (!scan_str(rec->payload, rec->len, "\"experiment\"", id, sizeof id)) {
        if (!memmem(rec->payload, rec->len, "\"experiment\"", 12)) {
            j->counts.no_experiment++;
            skip = true;
        }
    } else if (strcmp(id, j->a->cfg.experiment)) {
        j->counts.other_experiment++;
        skip = true;
    }
    if (skip && j->sh_on)
        sh_on_decision(j, rec, NULL, -1);
    return skip;
}

/* One decision or shadow record of the log. */
static int on_record(join_ctx_t *j, const ordo_log_record_t *rec, ordo_error_t *err)
{
    bool decision = rec->type == ORDO_LOG_REC_DECISION;
    if (decision)
        j->counts.decisions++;
    else
        j->counts.shadows++;
    if (decision && skip_unread(j, rec))
        return ORDO_OK;
    ordo_arena_reset(j->arena);
    ordo_record_t d;
    ordo_error_t e;
    int rc = ordo_record_read(rec->payload, rec->len, 0, j->arena, &d, &e);
    if (rc == ORDO_ENOMEM) {
        if (err)
            *err = e;
        return rc;
    }
    if (rc) {
        if (decision) {
            j->counts.bad_records++;
            j->dec_valid = false;
            sh_early_unpaired(j);
        } else {
            j->sh.other++; /* unreadable: its experiment is unknown */
        }
        return ORDO_OK;
    }
    if (decision) {
        rc = on_decision(j, &d, err);
        if (!rc && j->sh_on)
            sh_on_decision(j, rec, &d, j->cur_arm);
    } else {
        rc = on_shadow(j, &d);
        sh_on_shadow(j, &d);
    }
    return rc;
}

static int read_log(join_ctx_t *j, const char *logdir, ordo_error_t *err)
{
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(logdir, NULL, &it, err);
    if (rc)
        return rc;
    ordo_log_record_t rec;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        j->counts.records++;
        if (rec.type != ORDO_LOG_REC_DECISION && rec.type != ORDO_LOG_REC_SHADOW)
            continue;
        if ((rc = on_record(j, &rec, err)))
            break;
    }
    ordo_log_iter_close(it);
    if (rc < 0)
        return rc;
    sh_early_unpaired(j);
    return flush_pending(j, err);
}

static void drop_unknown_keys(ordo_analyze_config_t *cfg, ordo_analysis_t *notes_to,
                              char notes[][160], size_t *n_notes)
{
    (void)notes_to;
    size_t w = 0;
    for (size_t i = 0; i < cfg->n_kpis; i++) {
        if (ordo_metric_set_find(&cfg->metrics, cfg->kpis[i]) >= 0) {
            memmove(cfg->kpis[w++], cfg->kpis[i], sizeof cfg->kpis[i]);
        } else if (*n_notes < 8) {
            snprintf(notes[(*n_notes)++], 160, "primary KPI '%s' is not a defined metric: left out",
                     cfg->kpis[i]);
        }
    }
    cfg->n_kpis = w;
    if (!w && ordo_metric_set_find(&cfg->metrics, "cost_per_order") >= 0) {
        snprintf(cfg->kpis[0], sizeof cfg->kpis[0], "cost_per_order");
        cfg->n_kpis = 1;
        if (*n_notes < 8)
            snprintf(notes[(*n_notes)++], 160, "no usable primary KPI: cost_per_order used");
    }
    w = 0;
    for (size_t i = 0; i < cfg->n_guardrails; i++) {
        if (ordo_metric_set_find(&cfg->metrics, cfg->guardrails[i].metric) >= 0) {
            cfg->guardrails[w++] = cfg->guardrails[i];
        } else if (*n_notes < 8) {
            snprintf(notes[(*n_notes)++], 160, "guardrail '%s' is not a defined metric: left out",
                     cfg->guardrails[i].metric);
        }
    }
    cfg->n_guardrails = w;
}

static int pick_experiment(const char *dir, const char *logdir, bool have_log,
                           ordo_exp_registry_t *reg, const ordo_analyze_options_t *opt,
                           ordo_exp_t **exp, scan_exp_t *scan, size_t *n_scan, bool *scanned,
                           char *chosen, ordo_error_t *err)
{
    *exp = NULL;
    *scanned = false;
    if (opt->experiment && opt->experiment[0]) {
        snprintf(chosen, ORDO_EXP_ID_MAX, "%s", opt->experiment);
        if (reg) {
            ordo_error_t e;
            int rc = ordo_exp_registry_get(reg, opt->experiment, exp, &e);
            if (rc && rc != ORDO_ENOTFOUND) {
                *err = e;
                return rc;
            }
        }
        return ORDO_OK;
    }
    if (have_log) {
        int rc = scan_log(logdir, scan, n_scan, err);
        if (rc)
            return rc;
        *scanned = true;
    }
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < *n_scan; i++)
        if (best == SIZE_MAX || scan[i].n > scan[best].n)
            best = i;
    if (best == SIZE_MAX)
        return ordo_error_set(err, ORDO_ENOTFOUND, dir, 0, NULL,
                              "no decision record in %s belongs to an experiment: nothing to "
                              "analyse (pass --experiment ID to name one)",
                              logdir);
    snprintf(chosen, ORDO_EXP_ID_MAX, "%s", scan[best].id);
    if (reg) {
        int rc = ordo_exp_registry_get(reg, chosen, exp, NULL);
        if (rc && rc != ORDO_ENOTFOUND)
            *exp = NULL;
    }
    return ORDO_OK;
}

/* What the data directory holds, read before the join. */
typedef struct an_dir {
    char logdir[4096], dbpath[4096];
    bool have_log, have_db;
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    ordo_exp_t *exp; /* NULL when not registered */
    ordo_network_t *own_net;
    const ordo_network_t *net;
    ordo_analyze_config_t *cfg;
    scan_exp_t *scan;
    size_t n_scan;
    char notes[8][160];
    size_t n_notes;
} an_dir_t;

static void an_dir_close(an_dir_t *ad)
{
    free(ad->cfg);
    free(ad->scan);
    ordo_exp_destroy(ad->exp);
    ordo_network_destroy(ad->own_net);
    ordo_exp_registry_close(ad->reg);
    ordo_store_close(ad->store, NULL);
}

static int an_dir_open(const char *dir, an_dir_t *ad, ordo_error_t *err)
{
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (rc != ORDO_OK)
        return rc;
    snprintf(ad->logdir, sizeof ad->logdir, "%s", dd.log);
    snprintf(ad->dbpath, sizeof ad->dbpath, "%s", dd.db);
    ad->have_log = exists(ad->logdir);
    ad->have_db = exists(ad->dbpath);
    if (!ad->have_log && !ad->have_db)
        return ordo_error_set(err, ORDO_ENOENT, dir, 0, NULL,
                              "not a data directory: neither %s nor %s exists", ad->logdir,
                              ad->dbpath);
    ad->scan = calloc(SCAN_MAX, sizeof *ad->scan);
    ad->cfg = calloc(1, sizeof *ad->cfg);
    if (!ad->scan || !ad->cfg)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (ad->have_db) {
        if ((rc = ordo_store_open_existing(dir, NULL, &ad->store, err)) ||
            (rc = ordo_exp_registry_open(ad->store, &ad->reg, err)))
            return rc;
    } else {
        snprintf(ad->notes[ad->n_notes++], 160,
                 "no database (%s): no experiment document and no outcomes", ORDO_DATADIR_DB);
    }
    return ORDO_OK;
}

/* An experiment that is not registered: variants from the log ("control"
 * first when present, else the first seen), default KPI and guardrails. */
static int config_from_log(const char *dir, const ordo_analyze_options_t *opt, bool scanned,
                           const char *chosen, an_dir_t *ad, ordo_error_t *err)
{
    if (!scanned && ad->have_log) {
        int rc = scan_log(ad->logdir, ad->scan, &ad->n_scan, err);
        if (rc)
            return rc;
    }
    const scan_exp_t *se = NULL;
    for (size_t i = 0; i < ad->n_scan; i++)
        if (!strcmp(ad->scan[i].id, chosen))
            se = &ad->scan[i];
    const char *vars[ORDO_EXP_MAX_ARMS];
    size_t nv = 0;
    if (se) {
        for (size_t i = 0; i < se->n_variants; i++)
            if (!strcmp(se->variants[i], "control"))
                vars[nv++] = se->variants[i];
        for (size_t i = 0; i < se->n_variants; i++)
            if (strcmp(se->variants[i], "control"))
                vars[nv++] = se->variants[i];
    }
    if (!nv)
        return ordo_error_set(err, ORDO_ENOTFOUND, dir, 0, "experiment",
                              "experiment '%s' is neither in the registry nor in the log", chosen);
    ordo_analyze_config_default(ad->cfg, chosen, vars, nv, opt->metrics);
    snprintf(ad->notes[ad->n_notes++], 160,
             "experiment '%s' is not in the registry: variants taken from the log (%s "
             "as control), equal weights, default KPI and guardrails",
             chosen, vars[0]);
    return ORDO_OK;
}

/* The experiment to analyse and its configuration. */
static int an_dir_config(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad,
                         ordo_error_t *err)
{
    bool scanned;
    char chosen[ORDO_EXP_ID_MAX] = "";
    int rc = pick_experiment(dir, ad->logdir, ad->have_log, ad->reg, opt, &ad->exp, ad->scan,
                             &ad->n_scan, &scanned, chosen, err);
    if (rc)
        return rc;
    if (ad->exp)
        ordo_analyze_config_from_exp(ad->cfg, ad->exp, opt->metrics);
    else if ((rc = config_from_log(dir, opt, scanned, chosen, ad, err)))
        return rc;
    for (size_t i = 0; i < ad->n_scan && ad->n_notes < 7; i++)
        if (strcmp(ad->scan[i].id, ad->cfg->experiment)) {
            snprintf(ad->notes[ad->n_notes++], 160,
                     "the log also holds %llu decisions of experiment '%s' (not analysed; "
                     "use --experiment)",
                     (unsigned long long)ad->scan[i].n, ad->scan[i].id);
        }
    drop_unknown_keys(ad->cfg, NULL, ad->notes, &ad->n_notes);
    return ORDO_OK;
}

/* The catalog for product family and order value: the options' network,
 * else DIR/network when present. */
static void an_dir_catalog(const char *dir, const ordo_analyze_options_t *opt, an_dir_t *ad)
{
    char path[4096];
    ad->net = opt->network;
    snprintf(path, sizeof path, "%s/network/network.json", dir);
    if (!ad->net && exists(path)) {
        char nd[4096];
        snprintf(nd, sizeof nd, "%s/network", dir);
        ordo_error_t e;
        if (ordo_network_load(nd, NULL, &ad->own_net, &e) == ORDO_OK)
            ad->net = ad->own_net;
        else if (ad->n_notes < 8)
            snprintf(ad->notes[ad->n_notes++], 160, "the network in %s could not be loaded: %s",
                     nd, e.msg);
    }
    if (ad->net)
        for (uint32_t f = 0; f < ad->net->n_families && f < ORDO_AN_FAMILIES - 1; f++)
            snprintf(ad->cfg->family_names[f], sizeof ad->cfg->family_names[f], "%s",
                     ad->net->families[f]);
}

/* ---- the join ---- */

/* Decision records joined with outcome summaries into the analysis. */
static int join_dir(an_dir_t *ad, join_ctx_t *j, ordo_error_t *err)
{
    const ordo_exp_t *exp = ad->exp;
    j->net = ad->net;
    /* a registered experiment without a shadow policy has no shadow records
     * to pair: skip keeping decision bytes (the records are still counted) */
    j->sh_on = !exp || exp->has_shadow;
    ordo_buf_init(&j->dec_raw, NULL);
    j->arena = ordo_arena_create(1 << 16);
    if (!j->arena)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (exp && exp->status.started_at > 0 && exp->warmup_hours > 0)
        j->warmup_end = exp->status.started_at + (int64_t)(exp->warmup_hours * 3600.0);
    int rc;
    if (ad->store) {
        if ((rc = outcomes_load(ad->store, &j->oc, err)))
            return rc;
    } else {
        j->oc.map = ordo_strmap_create(16);
        if (!j->oc.map)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    j->counts.outcomes_loaded = j->oc.n;
    if (ad->have_log) {
        if ((rc = read_log(j, ad->logdir, err)))
            return rc;
    } else {
        ordo_analysis_note(j->a, "no decision log (%s): no orders to analyse", ad->logdir);
    }
    for (size_t i = 0; i < j->oc.n; i++)
        j->counts.outcomes_unmatched += !j->oc.v[i].matched;
    return ORDO_OK;
}

static void join_free(join_ctx_t *j)
{
    if (!j)
        return;
    outcomes_free(&j->oc);
    ordo_buf_free(&j->dec_raw);
    ordo_arena_destroy(j->arena);
    free(j);
}

/* What is missing and how it was treated. */
static void join_notes(ordo_analysis_t *a, const ordo_analyze_counts_t *c, bool have_net)
{
    uint64_t analysed = 0;
    for (size_t v = 0; v < a->V; v++)
        analysed += a->orders[v];
    if (c->missing_outcome)
        ordo_analysis_note(a,
                           "%llu of %llu analysed orders (%.1f%%) have no outcome events: they "
                           "count in planned metrics and are left out of outcome metrics "
                           "(actual cost, on-time, time to ship/deliver, returns, "
                           "cancellations); compare outcome_coverage across variants",
                           (unsigned long long)c->missing_outcome, (unsigned long long)analysed,
                           analysed ? 100.0 * (double)c->missing_outcome / (double)analysed : 0);
    if (c->bad_records)
        ordo_analysis_note(a, "%llu decision records could not be parsed: skipped",
                           (unsigned long long)c->bad_records);
    if (c->unknown_variant)
        ordo_analysis_note(a, "%llu decisions name a variant the experiment does not have: skipped",
                           (unsigned long long)c->unknown_variant);
    if (c->excluded_warmup)
        ordo_analysis_note(a, "%llu decisions made during the warm-up were excluded",
                           (unsigned long long)c->excluded_warmup);
    if (c->excluded_flagged)
        ordo_analysis_note(a,
                           "%llu decisions marked excluded by the decision path (killed back "
                           "to control, warm-up or burn-in) were left out",
                           (unsigned long long)c->excluded_flagged);
    if (c->excluded_burn)
        ordo_analysis_note(a,
                           "%llu decisions in switchback burn-in/burn-out (or outside the "
                           "schedule) were excluded",
                           (unsigned long long)c->excluded_burn);
    if (c->time_inconsistent)
        ordo_analysis_note(a,
                           "%llu outcome summaries have a delivery or return dated before the "
                           "shipment (time_inconsistent): kept as given",
                           (unsigned long long)c->time_inconsistent);
    if (c->no_catalog && analysed)
        ordo_analysis_note(a,
                           "%llu orders have no known product family or order value (%s): "
                           "shown as 'unknown' in the breakdown",
                           (unsigned long long)c->no_catalog,
                           have_net ? "SKU not in the catalog" : "no network/catalog available");
    if (c->outcomes_unmatched)
        ordo_analysis_note(a,
                           "%llu orders with outcome events have no decision of this "
                           "experiment: ignored",
                           (unsigned long long)c->outcomes_unmatched);
}

/* A simulation run's DIR/summary.json, attached to the analysis. */
static void attach_summary(const char *dir, ordo_analysis_t *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (!exists(path))
        return;
    char *data = NULL;
    size_t len = 0;
    ordo_error_t e;
    if (ordo_read_file(path, &data, &len, &e) != ORDO_OK)
        return;
    cJSON *sj = cJSON_ParseWithLength(data, len);
    if (sj) {
        char *compact = cJSON_PrintUnformatted(sj);
        if (compact) {
            ordo_analysis_set_run_summary(a, compact, strlen(compact));
            free(compact);
        }
        cJSON_Delete(sj);
    } else {
        ordo_analysis_note(a, "summary.json is not valid JSON: ignored");
    }
    free(data);
}

int ordo_analyze_dir(const char *dir, const ordo_analyze_options_t *opt_in, ordo_analysis_t **out,
                     ordo_error_t *err)
{
    *out = NULL;
    ordo_analyze_options_t defopt = {0};
    const ordo_analyze_options_t *opt = opt_in ? opt_in : &defopt;
    an_dir_t ad;
    memset(&ad, 0, sizeof ad);
    ordo_analysis_t *a = NULL;
    join_ctx_t *j = NULL;
    int rc;
    if ((rc = an_dir_open(dir, &ad, err)) || (rc = an_dir_config(dir, opt, &ad, err)))
        goto done;
    an_dir_catalog(dir, opt, &ad);
    if ((rc = ordo_analysis_create(ad.cfg, &a, err)))
        goto done;
    for (size_t i = 0; i < ad.n_notes; i++)
        ordo_analysis_note(a, "%s", ad.notes[i]);
    if (!(j = calloc(1, sizeof *j))) {
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    j->a = a;
    if ((rc = join_dir(&ad, j, err)))
        goto done;
    join_notes(a, &j->counts, ad.net != NULL);
    ordo_analysis_set_counts(a, &j->counts);
    ordo_analysis_set_shadow_info(a, &j->sh);
    attach_summary(dir, a);
    if ((rc = ordo_analysis_finish(a, opt->now, err)))
        goto done;
    *out = a;
    a = NULL;
done:
    ordo_analysis_destroy(a);
    join_free(j);
    an_dir_close(&ad);
    return rc;
}
