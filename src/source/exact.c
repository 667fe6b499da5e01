/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the exact search: the best plan over line groupings with distinct
 * nodes, each group's best nodes found best-first against bounds, groups
 * pruned against an incumbent (pairs, gathering, node-type deferral), then
 * combined into plans. docs/internals/SOURCING.md explains the search and its
 * worst case. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Pruning on (the default). Off (ordo_source_exact_pruning, for tests),
 * no split test, no gathering, deferral or pair pruning of line groups (each
 * is evaluated in full) and no bound in the search of partitions: what the
 * pruned search must equal. */
bool src_exact_pruning = true;

void ordo_source_exact_pruning(bool on)
{
    src_exact_pruning = on;
}

_Thread_local src_trace_t src_trace;

typedef struct top_entry {
    uint32_t cand;
    src_score_t score;
} top_entry_t;

typedef struct ub_item {
    uint32_t cand;
    bool done;
    bool has_ub; /* ub computed (else only lead, see exact_t.lead) */
    double lead;
    src_score_t ub;
} ub_item_t;

typedef struct exact {
    src_ctx_t *x;
    uint32_t M;
    uint32_t want;    /* entries needed per subset this pass (1, then M) */
    top_entry_t *top; /* [subset * M + r] */
    /* explain off: the evaluation behind each top entry, [subset * M + r],
     * buffers that move with their entries and are reused as entries drop
     * out (at most one per slot), so materialize need not evaluate the
     * chosen shipments again */
    src_eval_t **tev;
    uint8_t *n_top;     /* [subset] */
    src_score_t *ubest; /* [subset * M + (j-1)]: best ≤ j-block partition, no distinctness */
    uint8_t *ubest_ok;
    src_best_plan_t best;
    uint32_t stack_masks[SRC_MAX_M], stack_cands[SRC_MAX_M];
    src_score_t term[SRC_MAX_M + 1];
    /* Criteria strategies (explain off): the component that orders shipment
     * bounds first (src_lead_criterion), or -1. Items get only that
     * component at first; the full bound is computed for the items of the
     * best remaining lead value when the scan reaches them, so nodes ranked
     * below the winner by the first criterion are never fully bounded. */
    int lead;
    /* Criteria strategies that rank P(on time): bound it over the services
     * the strategy can choose (src_upper_bound_sub's `tight`). It costs
     * about twice the plain bound and saves about half the evaluations of
     * drop-ship; where only cost would gain, it did not pay. */
    bool tight;
    /* Pruning line groups against an incumbent (criteria strategies, explain
     * off, splits possible, M = 2; weighted strategies gather, below): lu/gu are the per-line and
     * per-shipment parts of the decomposed bound (src_line_ub, src_fixed_ub) per candidate; ub1[S]
     * their best sum over the candidates that can ship S; rest[S] bounds what
     * the other lines R = full ^ S add to a plan holding the block S (one
     * block, plan term included). A block whose bound plus rest[S] falls below the
     * incumbent (the score of a plan the search will find) cannot be part of
     * a better plan, so it is neither bounded nor evaluated. */
    bool prune;
    bool inc_ok;
    src_score_t inc;
    src_score_t *lu, *gu, *ub1, *rest;
    uint8_t *ub1_ok, *rest_ok, *done;
    /* Deferring line groups (criteria strategies whose first criterion is
     * node_type with no rounding, explain off, splits possible). A shipment's
     * node_type term is units · w / (total units · n_types), w = n_types −
     * rank of its node's type, so a plan's first component is an integer
     * Σ units · w over that common denominator: bounds on it are exact, and
     * two plans whose sums differ differ by at least 1 / (total units ·
     * n_types), kept above 1e-7, far beyond the tolerance (SRC_EPS). tw[S]
     * is the largest units(S) · w over the nodes that can ship S and could be
     * feasible (src_cand_never), tpart the best sums of partitions. A group
     * no best partition holds (with the fewest shipments, when that criterion
     * comes second) waits: the other groups are evaluated and searched first,
     * and the plan found (the incumbent, sum v with k shipments) lets through
     * only the deferred groups some plan of which could reach (v, k). The
     * others hold only plans strictly below a plan the search finds. */
    /* Gathering line groups (weighted strategies, explain off, splits
     * possible): every group's candidates and bounds are computed
     * first (gcand/gub from goff[S], gn[S]) and gU[S] is the best of them;
     * gE[T][j] the best Σ gU over partitions of T into exactly j groups. The
     * groups of the best such partition are evaluated first; with the plan
     * they make (or the single shipment) as the incumbent, a group is
     * evaluated only if its bound, plus the best the other lines can add,
     * reaches it, and its scan stops as soon as no item can. */
    bool gather;
    uint32_t *goff, *gn, *gchoice;
    uint32_t *gcand;
    double *gub, *gU, *gE;
    /* Lazy bounds of the gathered groups: glu/ggu are the per-line and
     * per-shipment parts of the decomposed bound (src_line_ub,
     * src_fixed_ub, kept by split_may_win_full); an item starts with their
     * sum (plus a margin) and gets its tight bound (gtight) only when it is
     * the best of the group's items, so each group's scan visits its items
     * in the order of their tight bounds as before. gsub: each group's
     * src_subset_t, for those refinements. */
    double *glu, *ggu;
    /* gtight per item: 0 the decomposed bound, 2 that bound with shipping
     * at the group's billable weight (gather_mid), 1 the tight bound */
    uint8_t *gtight;
    /* gather_mid applies: a weighted strategy with a cost weight ≥ 0, not a
     * pickup, no rate or outage signal (shipping from the order's factors) */
    bool gmid;
    /* for gather_mid: the network services some candidate may use (bit s;
     * all from index 64 on), and per group and zone their cheapest shipping
     * of the group's parcel (src_ship_lb_zone), known where bit zone − 1 of
     * gzk[S] is set */
    uint64_t gsvc;
    uint32_t *gzk;
    double *gzs;
    src_subset_t *gsub;
    bool defer, by_count;
    int64_t *tw;    /* [S]: units(S) × best type weight of a node that can ship S (-1: none) */
    int64_t *tpart; /* [S * M + j - 1]: best Σ tw over partitions of S into exactly j groups */
    uint8_t *deferred;
} exact_t;

/* a := componentwise max(a, b): a bound on whatever either bounds */
static void score_cmax(src_score_t *a, const src_score_t *b, uint32_t dim)
{
    for (uint32_t d = 0; d < dim; d++)
        if (b->v[d] > a->v[d])
            a->v[d] = b->v[d];
}

static void top_insert(exact_t *ex, uint32_t S, uint32_t cand, const src_eval_t *e)
{
    uint32_t M = ex->M, dim = ex->x->dim;
    const src_score_t *sc = &e->score;
    top_entry_t *t = &ex->top[(size_t)S * M];
    uint32_t n = ex->n_top[S];
    uint32_t pos = n;
    while (pos > 0 && src_lex_cmp(sc, &t[pos - 1].score, dim) > 0)
        pos--;
    if (pos >= M)
        return;
    uint32_t last = n < M ? n : M - 1;
    for (uint32_t i = last; i > pos; i--)
        t[i] = t[i - 1];
    t[pos].cand = cand;
    t[pos].score = *sc;
    if (n < M)
        ex->n_top[S] = (uint8_t)(n + 1);
    if (!ex->tev)
        return;
    /* the buffer of the slot that empties (or drops out) moves to pos */
    src_eval_t **v = &ex->tev[(size_t)S * M], *buf = v[last];
    for (uint32_t i = last; i > pos; i--)
        v[i] = v[i - 1];
    if (!buf)
        buf = ordo_arena_alloc(ex->x->arena, sizeof *buf);
    if (buf)
        memcpy(buf, e, sizeof *buf);
    v[pos] = buf;
}

/* The search's evaluations of the chosen shipments, for materialize. */
static void best_evals(const exact_t *ex, src_best_plan_t *out)
{
    for (uint32_t j = 0; j < out->k && ex->tev; j++) {
        uint32_t S = out->masks[j];
        for (uint32_t r = 0; r < ex->n_top[S]; r++)
            if (ex->top[(size_t)S * ex->M + r].cand == out->cands[j])
                out->evals[j] = ex->tev[(size_t)S * ex->M + r];
    }
}

/* Word w of the bitset of candidates that can ship every line of S in full. */
static inline uint64_t group_word(const src_ctx_t *x, uint32_t S, uint32_t w)
{
    if (!((x->groups_ok >> S) & 1))
        return 0; /* a redundant group of unit pieces (candidates.c) */
    uint32_t nw = x->cand_words;
    uint64_t bits = x->line_cands[(size_t)__builtin_ctz(S) * nw + w];
    for (uint32_t m = S & (S - 1); m && bits; m &= m - 1)
        bits &= x->line_cands[(size_t)__builtin_ctz(m) * nw + w];
    return bits;
}

/* The candidates that can ship S with their bounds; with `rest` (not NULL),
 * only those whose decomposed bound plus *rest reaches the incumbent. */
static inline __attribute__((always_inline)) uint32_t
subset_items(exact_t *ex, uint32_t S, src_subset_t *sub, const src_score_t *rest, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t n = 0, dim = x->dim, nw = x->cand_words;
    /* the candidates that can ship every line of S, in increasing order */
    for (uint32_t w = 0; w < nw; w++) {
        for (uint64_t bits = group_word(x, S, w); bits; bits &= bits - 1) {
            uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
            if (rest) {
                const src_score_t *lu = &ex->lu[(size_t)c * x->n_lines];
                src_score_t b = ex->gu[c];
                for (uint32_t m = S; m; m &= m - 1)
                    src_add(&b, &lu[__builtin_ctz(m)], dim);
                src_add(&b, rest, dim);
                if (src_lex_cmp(&b, &ex->inc, dim) < 0)
                    continue;
            }
            items[n].cand = c;
            items[n].done = false;
            if (ex->lead >= 0) {
                items[n].has_ub = false;
                items[n].lead = src_upper_bound_lead(x, c, sub, ex->lead);
            } else {
                items[n].has_ub = true;
                src_upper_bound_sub(x, c, sub, ex->tight, &items[n].ub);
            }
            n++;
        }
    }
    return n;
}

/* Best-first over the items: evaluate until no bound can enter the top
 * `want` entries (or, with `rest`, reach the incumbent). */
static inline int cmp1(double a, double b)
{
    double d = a - b, tol = SRC_EPS * (1 + fabs(a) + fabs(b));
    return d > tol ? 1 : d < -tol ? -1 : 0;
}

/* Lead mode: give the items of the best remaining lead value their full
 * bounds. False when the scan is over: no item left, or the best lead
 * cannot reach the top `want` entries (every bound left is below them). */
static bool next_lead_group(exact_t *ex, src_subset_t *sub, ub_item_t *items, uint32_t n)
{
    int q = ex->lead, gi = -1;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].done && (gi < 0 || cmp1(items[i].lead, items[gi].lead) > 0))
            gi = (int)i;
    if (gi < 0)
        return false;
    double lead = items[gi].lead;
    if (ex->n_top[sub->mask] >= ex->want &&
        cmp1(lead, ex->top[(size_t)sub->mask * ex->M + ex->want - 1].score.v[q]) < 0)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].done && cmp1(items[i].lead, lead) == 0) {
            src_upper_bound_sub(ex->x, items[i].cand, sub, ex->tight, &items[i].ub);
            items[i].has_ub = true;
        }
    return true;
}

/* Can an item whose bound is ub still enter group S's top `want` entries
 * and, with `rest`, reach the incumbent next to it? */
static inline bool item_may_enter(const exact_t *ex, uint32_t S, const src_score_t *ub,
                                  const src_score_t *rest)
{
    uint32_t dim = ex->x->dim;
    if (!ex->x->explain && ex->n_top[S] >= ex->want &&
        src_lex_cmp(ub, &ex->top[(size_t)S * ex->M + ex->want - 1].score, dim) <= 0)
        return false;
    if (rest) {
        src_score_t b = *ub;
        src_add(&b, rest, dim);
        if (src_lex_cmp(&b, &ex->inc, dim) < 0)
            return false;
    }
    return true;
}

/* The item the pairwise best-first selection (subset_scan, gather_scan; one
 * score component) takes next — the first item not done, replaced by each
 * later one whose bound beats it beyond the tolerance (src_lex_cmp) — found
 * in one pass of plain comparisons when that is provably the same item: the
 * first of the largest bound m, when every bound left is finite and m beats
 * the second largest m2 beyond the tolerance (any earlier item has a bound
 * y ≤ m2, and m − y − SRC_EPS·(1 + |m| + |y|) only grows as y falls, so m
 * beats it; no later item beats m). −1: no item left; −2: select pairwise
 * (near ties, infinite bounds). */
static inline int scan_next(const ub_item_t *items, uint32_t n)
{
    int j = -1;
    uint32_t left = 0;
    double m = 0, m2 = -INFINITY;
    bool finite = true;
    for (uint32_t i = 0; i < n; i++) {
        if (items[i].done)
            continue;
        double v = items[i].ub.v[0];
        finite &= v - v == 0; /* false for ±inf and NaN */
        left++;
        if (j < 0 || v > m) {
            m2 = j < 0 ? m2 : m;
            m = v;
            j = (int)i;
        } else if (v > m2) {
            m2 = v;
        }
    }
    if (left <= 1)
        return j;
    if (!finite || !(m - m2 > SRC_EPS * (1 + fabs(m) + fabs(m2))))
        return -2;
#ifndef NDEBUG
    /* the test builds check the claim against the pairwise selection */
    int p = -1;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].done && (p < 0 || src_lex_cmp(&items[i].ub, &items[p].ub, 1) > 0))
            p = (int)i;
    if (p != j)
        abort();
#endif
    return j;
}

static inline __attribute__((always_inline)) void
subset_scan(exact_t *ex, src_subset_t *sub, ub_item_t *items, uint32_t n, const src_score_t *rest)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim, S = sub->mask;
    for (;;) {
        int bi = -1;
        if (ex->lead < 0) { /* every item has its bound */
            bi = dim == 1 ? scan_next(items, n) : -2;
            if (bi < -1)
                for (uint32_t i = 0; i < n; i++)
                    if (!items[i].done &&
                        (bi < 0 || src_lex_cmp(&items[i].ub, &items[bi].ub, dim) > 0))
                        bi = (int)i;
        } else {
            for (uint32_t i = 0; i < n; i++)
                if (!items[i].done && items[i].has_ub &&
                    (bi < 0 || src_lex_cmp(&items[i].ub, &items[bi].ub, dim) > 0))
                    bi = (int)i;
        }
        if (bi < 0) {
            if (ex->lead >= 0 && next_lead_group(ex, sub, items, n))
                continue;
            break;
        }
        items[bi].done = true;
        if (!item_may_enter(ex, S, &items[bi].ub, rest))
            break;
        src_eval_t e;
        src_eval(x, items[bi].cand, S, &e);
        if (e.feasible)
            top_insert(ex, S, items[bi].cand, &e);
    }
}

/* Can a block S whose bound is ub1[S] reach the incumbent next to `rest`? */
static bool subset_may_win(const exact_t *ex, uint32_t S, const src_score_t *rest)
{
    if (!ex->ub1_ok[S])
        return false;
    src_score_t b = ex->ub1[S];
    src_add(&b, rest, ex->x->dim);
    return src_lex_cmp(&b, &ex->inc, ex->x->dim) >= 0;
}

static int eval_subset(exact_t *ex, uint32_t S, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    if (ex->done)
        ex->done[S] = 1;
    /* what the bounds need from the lines alone, once per subset */
    src_subset_t sub;
    src_subset_init(x, S, &sub);
    uint32_t n = subset_items(ex, S, &sub, NULL, items);
    subset_scan(ex, &sub, items, n, NULL);
    return ORDO_OK;
}

/* Lines in a group (the portable x86-64 baseline has no popcount
 * instruction: __builtin_popcount is a library call) */
static inline uint32_t lines_in(uint32_t m)
{
    uint32_t n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

/* Two shipments at most (M = 2): a block S and its complement R are the
 * whole plan. The larger block (fewer nodes can ship it) is scanned first
 * against the other's decomposed bound, then the other against its best
 * score. */
static void eval_pair(exact_t *ex, uint32_t S, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t R = x->all_mask ^ S, dim = x->dim;
    if (!ex->inc_ok) {
        eval_subset(ex, S, items);
        eval_subset(ex, R, items);
        return;
    }
    src_subset_t sub;
    if (lines_in(R) > lines_in(S)) {
        uint32_t t = S;
        S = R;
        R = t;
    }
    ex->done[S] = ex->done[R] = 1;
    if (!ex->rest_ok[S] || !ex->rest_ok[R] || !subset_may_win(ex, S, &ex->rest[S]) ||
        !subset_may_win(ex, R, &ex->rest[R]))
        return;
    src_subset_init(x, S, &sub);
    uint32_t n = subset_items(ex, S, &sub, &ex->rest[S], items);
    subset_scan(ex, &sub, items, n, &ex->rest[S]);
    if (!ex->n_top[S])
        return;
    src_score_t rest = ex->top[(size_t)S * ex->M].score;
    src_add(&rest, &ex->term[2], dim);
    if (!subset_may_win(ex, R, &rest))
        return;
    src_subset_init(x, R, &sub);
    n = subset_items(ex, R, &sub, &rest, items);
    subset_scan(ex, &sub, items, n, &rest);
}

/* With S and its complement both evaluated, their best nodes (if distinct)
 * make a two-shipment plan the search will find: a tighter incumbent. Its
 * score is summed as the search sums it. */
static void pair_incumbent(exact_t *ex, uint32_t S)
{
    src_ctx_t *x = ex->x;
    uint32_t R = x->all_mask ^ S, dim = x->dim;
    if (!ex->prune || !ex->done[S] || !ex->done[R] || !ex->n_top[S] || !ex->n_top[R])
        return;
    const top_entry_t *a = &ex->top[(size_t)S * ex->M], *b = &ex->top[(size_t)R * ex->M];
    if (a->cand == b->cand)
        return;
    if (!(S & 1u)) {
        const top_entry_t *t = a;
        a = b;
        b = t;
    }
    src_score_t v;
    memset(&v, 0, sizeof v);
    src_add(&v, &a->score, dim);
    src_add(&v, &b->score, dim);
    src_add(&v, &ex->term[2], dim);
    if (!ex->inc_ok || src_lex_cmp(&v, &ex->inc, dim) > 0) {
        ex->inc = v;
        ex->inc_ok = true;
    }
}

/* The decomposed bounds of every line group and of the rest of a plan
 * around each group (see exact_t). */
static int prune_setup(exact_t *ex)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim, nsub = 1u << x->n_lines, full = x->all_mask;
    ex->ub1 = ordo_arena_alloc(x->arena, sizeof *ex->ub1 * nsub);
    ex->rest = ordo_arena_alloc(x->arena, sizeof *ex->rest * nsub);
    ex->ub1_ok = src_zalloc(x, nsub, 1);
    ex->rest_ok = src_zalloc(x, nsub, 1);
    ex->done = src_zalloc(x, nsub, 1);
    src_score_t *acc = ordo_arena_alloc(x->arena, sizeof *acc * nsub);
    if (!ex->ub1 || !ex->rest || !ex->ub1_ok || !ex->rest_ok || !ex->done || !acc)
        return src_fail_arena(x, "the pruning bounds of the line groups");
    for (uint32_t c = 0; c < x->n_cands; c++) {
        uint32_t fmask = x->cand_full[c] & full;
        if (!fmask)
            continue;
        const src_score_t *lu = &ex->lu[(size_t)c * x->n_lines];
        acc[0] = ex->gu[c];
        /* submasks in increasing order: B minus its lowest line comes first */
        for (uint32_t B = fmask & (~fmask + 1);; B = (B - fmask) & fmask) {
            if (!B)
                break;
            uint32_t low = B & (~B + 1);
            acc[B] = acc[B ^ low];
            src_add(&acc[B], &lu[__builtin_ctz(low)], dim);
            if (!ex->ub1_ok[B]) {
                ex->ub1[B] = acc[B];
                ex->ub1_ok[B] = 1;
            } else {
                score_cmax(&ex->ub1[B], &acc[B], dim);
            }
        }
    }
    /* M = 2: the rest of a plan holding S is one block, R = full ^ S */
    for (uint32_t S = 1; S < full; S++) {
        uint32_t R = full ^ S;
        if (!ex->ub1_ok[R])
            continue;
        ex->rest[S] = ex->ub1[R];
        src_add(&ex->rest[S], &ex->term[2], dim);
        ex->rest_ok[S] = 1;
    }
    return ORDO_OK;
}

static void record_alt(src_ctx_t *x, const exact_t *ex, uint32_t k, const src_score_t *sc)
{
    if (!x->explain)
        return;
    for (uint32_t i = 0; i < x->n_alts; i++) {
        ordo_alt_plan_t *a = &x->alts[i];
        if (a->n_shipments != k)
            continue;
        bool same = true;
        for (uint32_t j = 0; j < k && same; j++)
            same = a->masks[j] == ex->stack_masks[j];
        if (!same)
            continue;
        src_score_t cur;
        memcpy(cur.v, a->score_vec, sizeof cur.v);
        if (src_lex_cmp(sc, &cur, x->dim) > 0) {
            a->score = sc->v[0];
            memcpy(a->score_vec, sc->v, sizeof a->score_vec);
            for (uint32_t j = 0; j < k; j++)
                a->nodes[j] = x->cands[ex->stack_cands[j]].node;
        }
        return;
    }
    if (x->n_alts >= x->cap_alts)
        return;
    ordo_alt_plan_t *a = &x->alts[x->n_alts++];
    memset(a, 0, sizeof *a);
    a->n_shipments = k;
    for (uint32_t j = 0; j < k; j++) {
        a->masks[j] = ex->stack_masks[j];
        a->nodes[j] = x->cands[ex->stack_cands[j]].node;
    }
    a->score = sc->v[0];
    memcpy(a->score_vec, sc->v, sizeof a->score_vec);
}

static void search(exact_t *ex, uint32_t T, uint32_t k, const src_score_t *acc)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim;
    if (T == 0) {
        src_score_t tot = *acc;
        src_add(&tot, &ex->term[k], dim);
        record_alt(x, ex, k, &tot);
        if (!ex->best.found || src_lex_cmp(&tot, &ex->best.score, dim) > 0) {
            ex->best.found = true;
            ex->best.k = k;
            ex->best.score = tot;
            memcpy(ex->best.masks, ex->stack_masks, sizeof ex->best.masks);
            memcpy(ex->best.cands, ex->stack_cands, sizeof ex->best.cands);
        }
        return;
    }
    if (k >= ex->M)
        return;
    if (!x->explain && ex->best.found && src_exact_pruning) {
        bool any = false;
        src_score_t bound;
        for (uint32_t j = 1; j <= ex->M - k; j++) {
            if (!ex->ubest_ok[(size_t)T * ex->M + j - 1])
                continue;
            src_score_t b = *acc;
            src_add(&b, &ex->ubest[(size_t)T * ex->M + j - 1], dim);
            src_add(&b, &ex->term[k + j], dim);
            if (!any || src_lex_cmp(&b, &bound, dim) > 0)
                bound = b;
            any = true;
        }
        if (!any || src_lex_cmp(&bound, &ex->best.score, dim) <= 0)
            return;
    }
    uint32_t low = T & (~T + 1), rest = T ^ low;
    /* blocks containing the lowest line: low | s for every s ⊆ rest,
     * largest first so single-shipment plans are found early */
    uint32_t s = rest;
    for (;;) {
        uint32_t B = low | s;
        uint32_t n = ex->n_top[B];
        for (uint32_t r = 0; r < n; r++) {
            const top_entry_t *e = &ex->top[(size_t)B * ex->M + r];
            bool used = false;
            for (uint32_t j = 0; j < k; j++)
                used |= ex->stack_cands[j] == e->cand;
            if (used)
                continue;
            ex->stack_masks[k] = B;
            ex->stack_cands[k] = e->cand;
            src_score_t a2 = *acc;
            src_add(&a2, &e->score, dim);
            search(ex, T ^ B, k + 1, &a2);
        }
        if (s == 0)
            break;
        s = (s - 1) & rest;
    }
}

/* A gathered group's items with their tight bounds (no lazy bounds). */
static uint32_t gather_items(exact_t *ex, uint32_t S, size_t used, ub_item_t *items)
{
    src_subset_t *sub = &ex->gsub[S];
    src_subset_init(ex->x, S, sub);
    uint32_t n = subset_items(ex, S, sub, NULL, items);
    for (uint32_t i = 0; i < n; i++) {
        ex->gcand[used + i] = items[i].cand;
        ex->gub[used + i] = items[i].ub.v[0];
        ex->gtight[used + i] = 1;
    }
    return n;
}

/* A gathered group's items with their decomposed bounds (exact_t.glu):
 * Σ line parts + the shipment part, raised by a margin far above the
 * rounding of either computation, so never below the tight bound. */
static uint32_t gather_items_lazy(exact_t *ex, uint32_t S, size_t used)
{
    src_ctx_t *x = ex->x;
    src_subset_init(x, S, &ex->gsub[S]);
    uint32_t n = 0, nl = x->n_lines;
    for (uint32_t w = 0; w < x->cand_words; w++) {
        for (uint64_t bits = group_word(x, S, w); bits; bits &= bits - 1) {
            uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
            const double *lu = &ex->glu[(size_t)c * nl];
            double b = ex->ggu[c], mag = 1 + fabs(b);
            for (uint32_t m = S; m; m &= m - 1) {
                b += lu[__builtin_ctz(m)];
                mag += fabs(lu[__builtin_ctz(m)]);
            }
            ex->gcand[used + n] = c;
            ex->gub[used + n] = b + 1e-7 * mag;
            ex->gtight[used + n] = 0;
            n++;
        }
    }
    return n;
}

/* Give a gathered item its tight bound. */
static void gather_refine(exact_t *ex, uint32_t S, size_t at)
{
    src_score_t ub;
    src_upper_bound_sub(ex->x, ex->gcand[at], &ex->gsub[S], ex->tight, &ub);
    ex->gub[at] = ub.v[0];
    ex->gtight[at] = 1;
}

/* A gathered item's decomposed bound with the 1-lb parcel replaced by the
 * cheapest shipping of the group's parcel over the services the order may
 * use (src_ship_lb_sub: no service the rule chooses ships it for less),
 * raised by the same margin; the smaller of the two bounds is kept. Both
 * stay at or above the tight bound, which is what gather_max and
 * gather_scan need of an unrefined item: the same maximum, the same items
 * evaluated in the same order, with fewer tight bounds. */
static inline void gather_mid(exact_t *ex, uint32_t S, size_t at)
{
    src_ctx_t *x = ex->x;
    uint32_t c = ex->gcand[at];
    const src_cand_t *cd = &x->cands[c];
    ex->gtight[at] = 2;
    if (!cd->ready || cd->zone < 1)
        return;
    uint32_t zb = 1u << (cd->zone - 1);
    double *zs = &ex->gzs[(size_t)S * ORDO_ZONES + cd->zone - 1];
    if (!(ex->gzk[S] & zb)) {
        *zs = src_ship_lb_zone(x, &ex->gsub[S], cd->zone, ex->gsvc);
        ex->gzk[S] |= zb;
    }
    double wc = x->strat->weights.cost;
    double g = -wc * (x->net->nodes[cd->node].pack_cost_per_shipment + *zs);
    /* the lazy bound (its margin covers its own terms) with the shipment
     * part swapped, the margin raised by the new part's magnitude */
    double b = ex->gub[at] - ex->ggu[c] + g + 1e-7 * (1 + wc + fabs(g));
    if (b < ex->gub[at])
        ex->gub[at] = b;
}

/* gather_mid's tables: the services the candidates may use, the cache. */
static bool gather_mid_setup(exact_t *ex, uint32_t nsub)
{
    src_ctx_t *x = ex->x;
    ex->gzk = src_zalloc(x, nsub, sizeof *ex->gzk);
    ex->gzs = ordo_arena_alloc(x->arena, sizeof *ex->gzs * nsub * ORDO_ZONES);
    ex->gsvc = 0;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        const src_cand_t *cd = &x->cands[c];
        uint32_t ok = cd->n_svc < 32 ? cd->svc_ok & ((1u << cd->n_svc) - 1) : cd->svc_ok;
        for (; ok; ok &= ok - 1) { /* the allowed services k < min(n_svc, 32) */
            uint32_t si = cd->svcs[__builtin_ctz(ok)];
            ex->gsvc |= si < 64 ? 1ull << si : 0;
        }
    }
    return ex->gzk && ex->gzs;
}

/* The next bound of an unrefined gathered item: the mid one, then the
 * tight one. */
static void gather_upgrade(exact_t *ex, uint32_t S, size_t at)
{
    if (ex->gmid && ex->gtight[at] == 0)
        gather_mid(ex, S, at);
    else
        gather_refine(ex, S, at);
}

/* The best tight bound of a gathered group's n items (n > 0): the
 * largest bound refined, then every item whose bound is above the best
 * tight one so far (an item at or below it cannot exceed it; one above it
 * gets the mid bound first, gather_upgrade). */
static double gather_max(exact_t *ex, uint32_t S, size_t off, uint32_t n)
{
    size_t bi = off;
    for (size_t i = off + 1; i < off + n; i++)
        if (ex->gub[i] > ex->gub[bi])
            bi = i;
    if (ex->gtight[bi] != 1)
        gather_refine(ex, S, bi);
    double U = ex->gub[bi];
    for (size_t i = off; i < off + n; i++) {
        while (ex->gub[i] > U && ex->gtight[i] != 1)
            gather_upgrade(ex, S, i);
        if (ex->gub[i] > U)
            U = ex->gub[i];
    }
    return U;
}

/* Gathering mode (see exact_t.gather): every group's candidates and
 * bounds, and the best bound sums of partitions. */
static int gather_setup(exact_t *ex, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M;
    ex->goff = ordo_arena_alloc(x->arena, sizeof *ex->goff * nsub);
    ex->gn = src_zalloc(x, nsub, sizeof *ex->gn);
    ex->gU = ordo_arena_alloc(x->arena, sizeof *ex->gU * nsub);
    ex->gE = ordo_arena_alloc(x->arena, sizeof *ex->gE * nsub * M);
    ex->gchoice = ordo_arena_alloc(x->arena, sizeof *ex->gchoice * nsub * M);
    if (!ex->goff || !ex->gn || !ex->gU || !ex->gE || !ex->gchoice)
        return src_fail_arena(x, "the gathered groups' partition bounds");
    /* the pool: at most every candidate in every group but the whole order */
    size_t cap = (size_t)x->n_cands * (nsub - 1) + 1, used = 0;
    ex->gcand = ordo_arena_alloc(x->arena, sizeof *ex->gcand * cap);
    ex->gub = ordo_arena_alloc(x->arena, sizeof *ex->gub * cap);
    ex->gtight = ordo_arena_alloc(x->arena, cap);
    ex->gsub = ordo_arena_alloc(x->arena, sizeof *ex->gsub * nsub);
    if (!ex->gcand || !ex->gub || !ex->gtight || !ex->gsub)
        return src_fail_arena(x, "the gathered groups' candidates");
    if (ex->gmid && !(ex->gzk && ex->gzs) && !gather_mid_setup(ex, nsub)) /* or the split test's */
        return src_fail_arena(x, "the gathered groups' shipping bounds");
    for (uint32_t S = 1; S < nsub; S++) {
        ex->goff[S] = (uint32_t)used;
        if (S == full) {
            /* evaluated already: its best score bounds it exactly */
            ex->gU[S] = ex->n_top[S] ? ex->top[(size_t)S * M].score.v[0] : -INFINITY;
            continue;
        }
        uint32_t n = ex->glu && ex->lead < 0 ? gather_items_lazy(ex, S, used)
                                             : gather_items(ex, S, used, items);
        ex->gn[S] = n;
        ex->gU[S] = n ? gather_max(ex, S, used, n) : -INFINITY;
        used += n;
    }
    /* gE[T][j]: partitions of T into exactly j groups, the group holding T's
     * lowest line first (gchoice: that group) */
    for (uint32_t T = 1; T < nsub; T++) {
        double *e = &ex->gE[(size_t)T * M];
        uint32_t *ch = &ex->gchoice[(size_t)T * M];
        e[0] = ex->gU[T];
        ch[0] = T;
        uint32_t low = T & (~T + 1), rest = T ^ low;
        for (uint32_t j = 2; j <= M; j++) {
            double best = -INFINITY;
            uint32_t bc = 0;
            for (uint32_t s2 = (rest - 1) & rest;; s2 = (s2 - 1) & rest) {
                uint32_t B = low | s2, R = T ^ B;
                if (R) {
                    double v = ex->gU[B] + ex->gE[(size_t)R * M + j - 2];
                    if (v > best) {
                        best = v;
                        bc = B;
                    }
                }
                if (s2 == 0)
                    break;
            }
            e[j - 1] = best;
            ch[j - 1] = bc;
        }
    }
    return ORDO_OK;
}

/* The best bound the lines outside S can add to a plan holding S. */
static double gather_rest(const exact_t *ex, uint32_t S)
{
    uint32_t R = ex->x->all_mask ^ S, M = ex->M;
    if (!R)
        return ex->term[1].v[0];
    double best = -INFINITY;
    for (uint32_t j = 1; j < M; j++) {
        double v = ex->gE[(size_t)R * M + j - 1] + ex->term[j + 1].v[0];
        if (v > best)
            best = v;
    }
    return best;
}

/* One group's stored items, scanned best-first (against the incumbent when
 * `rest` is given), as subset_scan scans them; an item without its tight
 * bound yet gets it when it is the best left, before any test. */
static void gather_scan(exact_t *ex, uint32_t S, ub_item_t *items, const src_score_t *rest)
{
    src_ctx_t *x = ex->x;
    uint32_t n = ex->gn[S], off = ex->goff[S], dim = x->dim;
    for (uint32_t i = 0; i < n; i++) {
        items[i].cand = ex->gcand[off + i];
        items[i].done = false;
        items[i].has_ub = ex->gtight[off + i] == 1;
        items[i].ub.v[0] = ex->gub[off + i];
    }
    if (ex->done)
        ex->done[S] = 1;
    for (;;) {
        int bi = scan_next(items, n);
        if (bi < -1)
            for (uint32_t i = 0; i < n; i++)
                if (!items[i].done && (bi < 0 || src_lex_cmp(&items[i].ub, &items[bi].ub, dim) > 0))
                    bi = (int)i;
        if (bi < 0 || !item_may_enter(ex, S, &items[bi].ub, rest))
            break;
        if (!items[bi].has_ub) {
            gather_upgrade(ex, S, off + (uint32_t)bi);
            items[bi].ub.v[0] = ex->gub[off + (uint32_t)bi];
            items[bi].has_ub = ex->gtight[off + (uint32_t)bi] == 1;
            continue;
        }
        items[bi].done = true;
        src_eval_t e;
        src_eval(x, items[bi].cand, S, &e);
        if (e.feasible)
            top_insert(ex, S, items[bi].cand, &e);
    }
}

/* One pass of the gathering mode: the groups of the best bound partition,
 * the incumbent, then every other group that can reach it. */
static void gather_pass(exact_t *ex, ub_item_t *items, uint8_t *seen)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M;
    memset(seen, 0, nsub);
    seen[full] = 1;
    /* the best bound partition */
    double top = -INFINITY;
    uint32_t kt = 0;
    for (uint32_t j = 1; j <= M; j++) {
        double v = ex->gE[(size_t)full * M + j - 1] + ex->term[j].v[0];
        if (v > top) {
            top = v;
            kt = j;
        }
    }
    uint32_t blocks[SRC_MAX_M], nb = 0;
    if (kt) {
        for (uint32_t T = full, j = kt; T && j; j--) {
            uint32_t B = ex->gchoice[(size_t)T * M + j - 1];
            blocks[nb++] = B;
            T ^= B;
        }
        for (uint32_t b = 0; b < nb; b++)
            if (!seen[blocks[b]]) {
                seen[blocks[b]] = 1;
                gather_scan(ex, blocks[b], items, NULL);
            }
    }
    /* the incumbent: the single shipment, or that partition's plan */
    ex->inc_ok = false;
    if (ex->n_top[full]) {
        memset(&ex->inc, 0, sizeof ex->inc);
        src_add(&ex->inc, &ex->top[(size_t)full * M].score, 1);
        src_add(&ex->inc, &ex->term[1], 1);
        ex->inc_ok = true;
    }
    if (nb > 1) {
        bool ok = true;
        src_score_t v;
        memset(&v, 0, sizeof v);
        for (uint32_t b = 0; b < nb && ok; b++) {
            ok = ex->n_top[blocks[b]] > 0;
            for (uint32_t c = 0; ok && c < b; c++)
                ok = ex->top[(size_t)blocks[c] * M].cand != ex->top[(size_t)blocks[b] * M].cand;
            if (ok)
                src_add(&v, &ex->top[(size_t)blocks[b] * M].score, 1);
        }
        if (ok) {
            src_add(&v, &ex->term[nb], 1);
            if (!ex->inc_ok || src_lex_cmp(&v, &ex->inc, 1) > 0) {
                ex->inc = v;
                ex->inc_ok = true;
            }
        }
    }
    for (uint32_t S = 1; S < nsub; S++) {
        if (seen[S] || !ex->gn[S])
            continue;
        if (!ex->inc_ok) {
            gather_scan(ex, S, items, NULL);
            continue;
        }
        src_score_t rest;
        memset(&rest, 0, sizeof rest);
        rest.v[0] = gather_rest(ex, S);
        src_score_t b = rest;
        b.v[0] += ex->gU[S];
        if (src_lex_cmp(&b, &ex->inc, 1) < 0)
            continue;
        gather_scan(ex, S, items, &rest);
    }
}

/* Units and node weight of a block: its node_type term is
 * units · weight / (total units · number of types), exactly. */
static int64_t type_weight(const src_ctx_t *x, uint32_t ci)
{
    const ordo_criterion_t *k = &x->strat->criteria[0];
    uint32_t type = x->net->nodes[x->cands[ci].node].type;
    for (uint32_t t = 0; t < k->n_types; t++)
        if (k->type_order[t] == type)
            return (int64_t)(k->n_types - t);
    return 0;
}

static int64_t block_units(const src_ctx_t *x, uint32_t S)
{
    int64_t u = 0;
    for (uint32_t m = S; m; m &= m - 1)
        u += x->lines[__builtin_ctz(m)].qty;
    return u;
}

/* Can a plan holding the group S reach a plan whose node_type sum is v
 * with k shipments (see exact_t.defer)? */
static bool defer_may_reach(const exact_t *ex, uint32_t S, int64_t v, uint32_t k)
{
    uint32_t R = ex->x->all_mask ^ S, M = ex->M;
    if (ex->tw[S] < 0)
        return false;
    for (uint32_t j = R ? 1 : 0; j < (R ? M : 1); j++) {
        int64_t e = j ? ex->tpart[(size_t)R * M + j - 1] : 0;
        if (e < 0)
            continue;
        int64_t b = ex->tw[S] + e;
        if (b > v || (b == v && !(ex->by_count && j + 1 > k)))
            return true;
    }
    return false;
}

/* The node_type sums of every group's best node and of the best partitions
 * into exactly j groups; the groups no best partition holds are deferred. */
static int defer_setup(exact_t *ex)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M, nw = x->cand_words;
    ex->tw = ordo_arena_alloc(x->arena, sizeof *ex->tw * nsub);
    ex->tpart = ordo_arena_alloc(x->arena, sizeof *ex->tpart * nsub * M);
    ex->deferred = src_zalloc(x, nsub, 1);
    int64_t *cw = ordo_arena_alloc(x->arena, sizeof *cw * (x->n_cands + 1));
    if (!ex->tw || !ex->tpart || !ex->deferred || !cw)
        return src_fail_arena(x, "the node-type sums of the line groups");
    /* candidates no evaluation can find feasible weigh nothing */
    for (uint32_t c = 0; c < x->n_cands; c++)
        cw[c] = src_cand_never(x, c) ? -1 : type_weight(x, c);
    for (uint32_t S = 1; S < nsub; S++) {
        int64_t best = -1;
        for (uint32_t w = 0; w < nw; w++) {
            for (uint64_t bits = group_word(x, S, w); bits; bits &= bits - 1) {
                int64_t v = cw[w * 64 + (uint32_t)__builtin_ctzll(bits)];
                if (v > best)
                    best = v;
            }
        }
        ex->tw[S] = best < 0 ? -1 : best * block_units(x, S);
    }
    /* tpart[T][j]: partitions of T into exactly j groups, the group holding
     * T's lowest line first (-1: none) */
    for (uint32_t T = 1; T < nsub; T++) {
        int64_t *p = &ex->tpart[(size_t)T * M];
        p[0] = ex->tw[T];
        uint32_t low = T & (~T + 1), rest = T ^ low;
        for (uint32_t j = 2; j <= M; j++) {
            int64_t best = -1;
            for (uint32_t s = (rest - 1) & rest;; s = (s - 1) & rest) {
                uint32_t B = low | s, R = T ^ B;
                if (R && ex->tw[B] >= 0) {
                    int64_t e = ex->tpart[(size_t)R * M + j - 2];
                    if (e >= 0 && ex->tw[B] + e > best)
                        best = ex->tw[B] + e;
                }
                if (s == 0)
                    break;
            }
            p[j - 1] = best;
        }
    }
    /* the best sum and the fewest groups reaching it */
    int64_t top = -1;
    uint32_t kmin = 0;
    for (uint32_t j = 1; j <= M; j++)
        if (ex->tpart[(size_t)full * M + j - 1] > top) {
            top = ex->tpart[(size_t)full * M + j - 1];
            kmin = j;
        }
    if (top < 0)
        return ORDO_OK; /* no partition: evaluate as before */
    for (uint32_t S = 1; S < nsub; S++)
        ex->deferred[S] = !defer_may_reach(ex, S, top, kmin);
    ex->defer = true;
    return ORDO_OK;
}

/* ubest (the best value of a partition of T into ≤ j blocks, any nodes)
 * from the groups' top entries, then the search for the best plan. */
static void combine(exact_t *ex, bool only_full)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, dim = x->dim;
    memset(&ex->best, 0, sizeof ex->best);
    /* ubest: best value of a partition of T into ≤ j blocks (any nodes) */
    for (uint32_t T = 1; T < nsub; T++) {
        if (only_full && T != full)
            continue;
        for (uint32_t j = 1; j <= ex->M; j++) {
            size_t at = (size_t)T * ex->M + j - 1;
            bool ok = false;
            src_score_t best;
            if (ex->n_top[T]) {
                best = ex->top[(size_t)T * ex->M].score;
                ok = true;
            }
            if (j > 1) {
                if (ex->ubest_ok[at - 1] &&
                    (!ok || src_lex_cmp(&ex->ubest[at - 1], &best, dim) > 0)) {
                    best = ex->ubest[at - 1];
                    ok = true;
                }
                uint32_t low = T & (~T + 1), rest = T ^ low;
                for (uint32_t s = (rest - 1) & rest;; s = (s - 1) & rest) {
                    uint32_t B = low | s, R = T ^ B;
                    if (R && ex->n_top[B] && ex->ubest_ok[(size_t)R * ex->M + j - 2]) {
                        src_score_t v = ex->top[(size_t)B * ex->M].score;
                        src_add(&v, &ex->ubest[(size_t)R * ex->M + j - 2], dim);
                        if (!ok || src_lex_cmp(&v, &best, dim) > 0) {
                            best = v;
                            ok = true;
                        }
                    }
                    if (s == 0)
                        break;
                }
            }
            ex->ubest_ok[at] = ok;
            if (ok)
                ex->ubest[at] = best;
        }
    }
    src_score_t zero;
    memset(&zero, 0, sizeof zero);
    search(ex, full, 0, &zero);
}

/* The first component where `other` falls below `chosen`. */
static void lost_on(const src_ctx_t *x, const src_score_t *chosen, const src_score_t *other,
                    const char **name, double *gap)
{
    *name = "tie";
    *gap = 0;
    for (uint32_t d = 0; d < x->dim; d++) {
        double diff = chosen->v[d] - other->v[d];
        if (fabs(diff) > SRC_EPS * (1 + fabs(chosen->v[d]) + fabs(other->v[d]))) {
            *name = x->strat->kind == ORDO_STRATEGY_WEIGHTED
                        ? "score"
                        : ordo_criterion_name(x->strat->criteria[d].kind);
            *gap = diff;
            return;
        }
    }
}

/* The split test of exact_split_test (may a plan of k ≥ 2 shipments beat
 * the best single shipment, bounded by Σ_i max_c line_ub + k·max_c fixed_ub +
 * plan term?) for a criteria strategy whose per-line bounds are not kept: the
 * same sums and maxima, computed one component at a time, so the
 * lexicographic comparison stops at the first component that decides every
 * k (typically the first or second: node type, or fewest shipments, whose
 * bound 1/k is below the single shipment's 1). The same answer, bit for bit,
 * as comparing the full vectors. */
static bool split_may_win_lazy(exact_t *ex, const src_score_t *single)
{
    src_ctx_t *x = ex->x;
    uint32_t nw = x->cand_words, open = 0; /* bit k: k shipments not decided */
    for (uint32_t i = 0; i < x->n_lines; i++) {
        uint64_t any = 0;
        for (uint32_t w = 0; w < nw; w++)
            any |= x->line_cands[(size_t)i * nw + w];
        if (!any)
            return false; /* a line no candidate ships in full */
    }
    if (!x->n_cands)
        return false;
    for (uint32_t k = 2; k <= ex->M; k++)
        open |= 1u << k;
    for (uint32_t d = 0; d < x->dim && open; d++) {
        double sum = 0;
        for (uint32_t i = 0; i < x->n_lines; i++) {
            bool any = false;
            double U = 0;
            const uint64_t *lc = &x->line_cands[(size_t)i * nw];
            for (uint32_t w = 0; w < nw; w++) {
                for (uint64_t bits = lc[w]; bits; bits &= bits - 1) {
                    double v = src_line_ub_crit(x, w * 64 + (uint32_t)__builtin_ctzll(bits), i, d);
                    if (!any || v > U)
                        U = v;
                    any = true;
                }
            }
            sum += U;
        }
        double G = 0;
        for (uint32_t c = 0; c < x->n_cands; c++) {
            double v = src_fixed_ub_crit(x, c, d);
            if (c == 0 || v > G)
                G = v;
        }
        for (uint32_t m = open; m; m &= m - 1) {
            uint32_t k = (uint32_t)__builtin_ctz(m);
            double a = sum + (k * G + ex->term[k].v[d]), b = single->v[d];
            if (a == b)
                continue; /* as src_lex_cmp: equal, look at the next component */
            double diff = a - b, tol = SRC_EPS * (1 + fabs(a) + fabs(b));
            if (diff > tol)
                return true;
            if (diff < -tol)
                open &= ~(1u << k);
        }
    }
    return false;
}

/* The search's tables and options: top entries and partition bounds per
 * line group, plan terms, the lead criterion, the tight on-time bound, and
 * the alternatives an explained decision lists. */
static int exact_init(exact_t *ex, src_ctx_t *x, ub_item_t **items)
{
    memset(ex, 0, sizeof *ex);
    ex->x = x;
    ex->M = x->cons->max_shipments;
    if (ex->M > SRC_MAX_M)
        ex->M = SRC_MAX_M;
    if (ex->M > x->n_lines)
        ex->M = x->n_lines;
    uint32_t nsub = 1u << x->n_lines;
    ex->top = ordo_arena_alloc(x->arena, sizeof *ex->top * nsub * ex->M);
    ex->n_top = src_zalloc(x, nsub, 1);
    ex->ubest = ordo_arena_alloc(x->arena, sizeof *ex->ubest * nsub * ex->M);
    ex->ubest_ok = src_zalloc(x, (size_t)nsub * ex->M, 1);
    *items = ordo_arena_alloc(x->arena, sizeof **items * (x->n_cands + 1));
    ex->tev = x->explain ? NULL : src_zalloc(x, (size_t)nsub * ex->M, sizeof *ex->tev);
    if (!ex->top || !ex->n_top || !ex->ubest || !ex->ubest_ok || !*items ||
        (!x->explain && !ex->tev))
        return src_fail_arena(x, "the exact search's tables of line groups");
    for (uint32_t k = 0; k <= ex->M; k++)
        ex->term[k] = src_plan_term(x, k);
    ex->lead = x->explain ? -1 : src_lead_criterion(x->strat);
    /* weighted: the service part of the bound over the services the rule
     * can choose (the rule, not the score, picks the service) */
    ex->tight = x->strat && x->strat->kind == ORDO_STRATEGY_WEIGHTED;
    if (x->strat && x->strat->kind == ORDO_STRATEGY_CRITERIA)
        for (uint32_t q = 0; q < x->strat->n_criteria; q++)
            ex->tight |= x->strat->criteria[q].kind == ORDO_CRIT_ON_TIME;
    if (x->explain) {
        x->cap_alts = 256;
        x->alts = ordo_arena_alloc(x->arena, sizeof *x->alts * x->cap_alts);
        x->n_alts = 0;
        if (!x->alts)
            return src_fail_arena(x, "the explained alternatives");
    }
    ex->want = x->explain ? ex->M : 1;
    return ORDO_OK;
}

/* The split test's shipment part for the shipment of a plan that holds the
 * order's heaviest line h (by weight; gather_mid's conditions: a weighted
 * strategy with a cost weight ≥ 0, not a pickup, no rate or outage signal):
 * per candidate the smaller of its 1-lb part (ex->ggu) and the pack cost
 * plus the cheapest shipping of h's parcel at its zone over the services
 * some candidate may use (src_ship_lb_zone, with gather_mid's margin). A
 * group holding h weighs and measures at least what h does, so its billable
 * pounds are at least h's and base_min does not fall with weight: this is
 * at or above gather_mid's bound of any group holding h, itself at or above
 * the group's tight bound. The shipping per zone goes into gather_mid's
 * cache (gzs, gzk) of the group {h}, which the gathering reads again.
 * *Gh: the largest over the candidates; false when the tables are not
 * there. */
static bool split_heavy_ub(exact_t *ex, double *Gh)
{
    src_ctx_t *x = ex->x;
    uint32_t h = 0;
    for (uint32_t i = 1; i < x->n_lines; i++)
        if (x->lines[i].weight * x->lines[i].qty > x->lines[h].weight * x->lines[h].qty)
            h = i;
    uint32_t S = 1u << h;
    if (!(ex->gzk && ex->gzs) && !gather_mid_setup(ex, 1u << x->n_lines))
        return false;
    src_subset_t sub;
    src_subset_init(x, S, &sub);
    double wc = x->strat->weights.cost, best = -INFINITY, *zs = &ex->gzs[(size_t)S * ORDO_ZONES];
    for (uint32_t c = 0; c < x->n_cands; c++) {
        const src_cand_t *cd = &x->cands[c];
        double g = ex->ggu[c];
        if (cd->ready && cd->zone >= 1) {
            uint32_t zb = 1u << (cd->zone - 1);
            if (!(ex->gzk[S] & zb)) {
                zs[cd->zone - 1] = src_ship_lb_zone(x, &sub, cd->zone, ex->gsvc);
                ex->gzk[S] |= zb;
            }
            double gz = -wc * (x->net->nodes[cd->node].pack_cost_per_shipment + zs[cd->zone - 1]);
            gz += 1e-7 * (1 + wc + fabs(gz));
            if (gz < g)
                g = gz;
        }
        if (g > best)
            best = g;
    }
    *Gh = best;
    return true;
}

/* Does sum + k·G + plan term(k) beat the single shipment for some k ≥ 2? */
static bool split_bound_beats(const exact_t *ex, const src_score_t *sum, const src_score_t *G,
                              const src_score_t *single, bool any)
{
    uint32_t dim = ex->x->dim;
    for (uint32_t k = 2; k <= ex->M && any; k++) {
        src_score_t ub = *sum;
        for (uint32_t d = 0; d < dim; d++)
            ub.v[d] += k * G->v[d] + ex->term[k].v[d];
        if (src_lex_cmp(&ub, single, dim) > 0)
            return true;
    }
    return false;
}

/* May a plan of k ≥ 2 shipments beat the best single shipment? Bounded by
 * Σ_i max_c line_ub + k·max_c fixed_ub + plan term, whole vectors; with
 * `keep` the per-line and per-shipment bounds are kept for pruning. */
static bool split_may_win_full(exact_t *ex, const src_score_t *single, bool keep)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim;
    src_score_t sum, G, v;
    memset(&sum, 0, sizeof sum);
    bool all_lines = true;
    for (uint32_t i = 0; i < x->n_lines && all_lines; i++) {
        bool any = false;
        src_score_t U;
        const uint64_t *lc = &x->line_cands[(size_t)i * x->cand_words];
        for (uint32_t w = 0; w < x->cand_words; w++) {
            for (uint64_t bits = lc[w]; bits; bits &= bits - 1) {
                uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
                src_line_ub(x, c, i, &v);
                if (keep)
                    ex->lu[(size_t)c * x->n_lines + i] = v;
                if (ex->glu)
                    ex->glu[(size_t)c * x->n_lines + i] = v.v[0];
                src_ub_max(&U, &any, &v, dim);
            }
        }
        all_lines = any;
        if (any)
            src_add(&sum, &U, dim);
    }
    bool any_g = false;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        src_fixed_ub(x, c, &v);
        if (keep)
            ex->gu[c] = v;
        if (ex->ggu)
            ex->ggu[c] = v.v[0];
        src_ub_max(&G, &any_g, &v, dim);
    }
    /* when a split may win by the 1-lb parts alone: again with the part of
     * the shipment that holds the heaviest line at its parcel
     * (split_heavy_ub), the others' at the 1-lb one */
    bool split_may_win = split_bound_beats(ex, &sum, &G, single, all_lines && any_g);
    double Gh;
    if (split_may_win && ex->gmid && split_heavy_ub(ex, &Gh)) {
        src_score_t sh = sum;
        sh.v[0] += Gh - G.v[0];
        split_may_win = split_bound_beats(ex, &sh, &G, single, true);
    }
    return split_may_win;
}

/* The whole order first: its best single shipment, and whether any split
 * can beat it (*only_full when none can); with two shipments at most and a
 * criteria strategy, the bounds kept for pruning line groups (ex->prune). */
static int exact_split_test(exact_t *ex, ub_item_t *items, bool *only_full)
{
    src_ctx_t *x = ex->x;
    uint32_t full = x->all_mask, dim = x->dim;
    eval_subset(ex, full, items);
    if (!ex->n_top[full])
        return ORDO_OK;
    src_score_t single = ex->top[(size_t)full * ex->M].score;
    src_add(&single, &ex->term[1], dim);
    /* the per-line and per-shipment bounds, kept for pruning line groups of
     * criteria strategies with two shipments at most. With M = 3 (the rest
     * of a plan bounded over one or two blocks, lexicographic maximum) too
     * little was pruned to pay for the bounds: +1% (cost-optimized) to +5%
     * (drop-ship) instructions. Weighted strategies gather their groups
     * instead (exact_t.gather): the same pruning for the default policy took
     * 10% more time */
    bool keep = ex->M <= 2 && dim > 1;
    if (!keep && dim > 1) {
        /* criteria, nothing kept: component by component */
        *only_full = !split_may_win_lazy(ex, &single) && src_exact_pruning;
        return ORDO_OK;
    }
    if (keep) {
        ex->lu = ordo_arena_alloc(x->arena, sizeof *ex->lu * x->n_cands * x->n_lines);
        ex->gu = ordo_arena_alloc(x->arena, sizeof *ex->gu * (x->n_cands + 1));
        if (!ex->lu || !ex->gu)
            return src_fail_arena(x, "the per-line bounds of the candidates");
    }
    if (dim == 1 && !x->explain) { /* for the lazy bounds of the gathering mode */
        ex->glu = ordo_arena_alloc(x->arena, sizeof *ex->glu * x->n_cands * x->n_lines);
        ex->ggu = ordo_arena_alloc(x->arena, sizeof *ex->ggu * (x->n_cands + 1));
        if (!ex->glu || !ex->ggu)
            return src_fail_arena(x, "the per-line bounds of the candidates");
        ex->gmid = x->strat && x->strat->kind == ORDO_STRATEGY_WEIGHTED &&
                   x->strat->weights.cost >= 0 && x->order->level != ORDO_LEVEL_PICKUP &&
                   !x->svc_signals && x->rate_floor >= 1;
    }
    bool may = split_may_win_full(ex, &single, keep) || !src_exact_pruning;
    *only_full = !may;
    if (may && keep && src_exact_pruning) {
        int rc = prune_setup(ex);
        if (rc)
            return rc;
        ex->prune = true;
    }
    return ORDO_OK;
}

/* How the groups are searched when no pruning applies: deferred (node_type
 * first, its sums exact in integers) or gathered (weighted strategies). */
static int exact_modes(exact_t *ex, ub_item_t *items, bool only_full, uint8_t **seen)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim;
    *seen = NULL;
    if (only_full || ex->prune || x->explain || !src_exact_pruning)
        return ORDO_OK;
    if (dim > 1 && x->strat->criteria[0].kind == ORDO_CRIT_NODE_TYPE &&
        x->strat->criteria[0].resolution == 0 &&
        x->total_units * x->strat->criteria[0].n_types < 1e7) {
        ex->by_count =
            x->strat->n_criteria > 1 && x->strat->criteria[1].kind == ORDO_CRIT_FEWEST_SHIPMENTS;
        int rc = defer_setup(ex);
        if (rc)
            return rc;
    }
    if (!ex->defer && dim == 1) {
        int rc = gather_setup(ex, items);
        if (rc)
            return rc;
        *seen = src_zalloc(x, 1u << x->n_lines, 1);
        if (!*seen)
            return src_fail_arena(x, "the gathered groups' marks");
        ex->gather = true;
    }
    return ORDO_OK;
}

/* Deferring mode: the groups some best partition holds, then the best plan
 * they make (the incumbent), then the deferred groups that can still reach
 * it. True when the plans are combined already. */
static bool defer_pass(exact_t *ex, ub_item_t *items, bool full_done)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask;
    bool any = false;
    for (uint32_t S = 1; S < nsub; S++)
        if (S != full || !full_done) {
            if (ex->deferred[S])
                any = true;
            else
                eval_subset(ex, S, items);
        }
    if (!any)
        return false;
    combine(ex, false);
    bool combined = true;
    int64_t v = 0;
    for (uint32_t b = 0; b < ex->best.k; b++)
        v += type_weight(x, ex->best.cands[b]) * block_units(x, ex->best.masks[b]);
    for (uint32_t S = 1; S < nsub; S++)
        if (ex->deferred[S] && (!ex->best.found || defer_may_reach(ex, S, v, ex->best.k))) {
            eval_subset(ex, S, items);
            combined = false;
        }
    return combined;
}

/* One pass: evaluate the line groups as the mode says, then combine them
 * into the best plan. */
static void exact_pass(exact_t *ex, ub_item_t *items, uint8_t *seen, bool only_full, bool full_done)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, dim = x->dim;
    bool combined = false;
    if (!full_done && (only_full || ex->prune || ex->gather))
        eval_subset(ex, full, items);
    if (only_full) {
        /* with one shipment allowed only the whole order matters */
    } else if (ex->prune) {
        ex->inc_ok = ex->n_top[full] > 0;
        if (ex->inc_ok) {
            /* the single shipment, summed as the search sums it */
            memset(&ex->inc, 0, sizeof ex->inc);
            src_add(&ex->inc, &ex->top[(size_t)full * ex->M].score, dim);
            src_add(&ex->inc, &ex->term[1], dim);
        }
        /* complementary groups side by side: each pair is a plan */
        for (uint32_t S = 1; S < full; S += 2) {
            eval_pair(ex, S, items);
            pair_incumbent(ex, S);
        }
    } else if (ex->gather) {
        gather_pass(ex, items, seen);
    } else if (ex->defer) {
        combined = defer_pass(ex, items, full_done);
    } else {
        for (uint32_t S = 1; S < nsub; S++)
            if (S != full || !full_done)
                eval_subset(ex, S, items);
    }
    if (!combined)
        combine(ex, only_full);
}

/* After a first pass with the best node of each group only: is the plan
 * found short of the collision-blind bound (the best groups collide on
 * nodes), so a second pass with M nodes per group is needed? */
static bool exact_needs_second_pass(const exact_t *ex)
{
    uint32_t full = ex->x->all_mask, dim = ex->x->dim;
    if (ex->want >= ex->M)
        return false;
    bool any = false;
    src_score_t bound;
    for (uint32_t j = 1; j <= ex->M; j++)
        if (ex->ubest_ok[(size_t)full * ex->M + j - 1]) {
            src_score_t b = ex->ubest[(size_t)full * ex->M + j - 1];
            src_add(&b, &ex->term[j], dim);
            if (!any || src_lex_cmp(&b, &bound, dim) > 0)
                bound = b;
            any = true;
        }
    return any && !(ex->best.found && src_lex_cmp(&ex->best.score, &bound, dim) >= 0);
}

/* Explain: the gap between the chosen plan and the best plan using each
 * feasible candidate (bound: the rest of the order at its best), and
 * between it and each alternative. */
static void exact_explain_gaps(const exact_t *ex)
{
    src_ctx_t *x = ex->x;
    uint32_t full = x->all_mask, dim = x->dim;
    for (uint32_t i = 0; i < x->n_cands_out; i++) {
        ordo_candidate_t *c = &x->cands_out[i];
        for (uint32_t j = 0; j < ex->best.k; j++)
            if (ex->best.masks[j] == c->lines_mask && x->cands[ex->best.cands[j]].node == c->node)
                c->chosen = true;
        if (!c->feasible || c->chosen)
            continue;
        uint32_t R = full ^ c->lines_mask;
        bool ok = false;
        src_score_t best_with;
        if (R == 0) {
            best_with = ex->term[1];
            ok = true;
        } else {
            for (uint32_t j = 1; j + 1 <= ex->M; j++)
                if (ex->ubest_ok[(size_t)R * ex->M + j - 1]) {
                    src_score_t v = ex->ubest[(size_t)R * ex->M + j - 1];
                    src_add(&v, &ex->term[j + 1], dim);
                    if (!ok || src_lex_cmp(&v, &best_with, dim) > 0)
                        best_with = v;
                    ok = true;
                }
        }
        if (!ok)
            continue;
        for (uint32_t d = 0; d < dim; d++)
            best_with.v[d] += c->score_vec[d];
        lost_on(x, &ex->best.score, &best_with, &c->lost_on, &c->gap);
    }
    for (uint32_t i = 0; i < x->n_alts; i++) {
        bool same = x->alts[i].n_shipments == ex->best.k;
        for (uint32_t j = 0; same && j < ex->best.k; j++)
            same = x->alts[i].masks[j] == ex->best.masks[j] &&
                   x->alts[i].nodes[j] == x->cands[ex->best.cands[j]].node;
        x->alts[i].chosen = same;
        if (!same) {
            src_score_t v;
            memcpy(v.v, x->alts[i].score_vec, sizeof v.v);
            lost_on(x, &ex->best.score, &v, &x->alts[i].lost_on, &x->alts[i].gap);
        }
    }
}

/* The exact search, as steps: set-up, the whole order and the split test,
 * the search mode, then passes (a first with the best node of each group;
 * a second with M when the best groups collide on nodes). */
int src_run_exact(src_ctx_t *x, src_best_plan_t *out)
{
    exact_t ex;
    ub_item_t *items;
    int rc = exact_init(&ex, x, &items);
    if (rc)
        return rc;
    uint32_t nsub = 1u << x->n_lines;
    bool only_full = ex.M == 1, full_done = false;
    if (!only_full && !x->explain) {
        full_done = true;
        if ((rc = exact_split_test(&ex, items, &only_full)))
            return rc;
    }
    uint8_t *seen;
    if ((rc = exact_modes(&ex, items, only_full, &seen)))
        return rc;
    if (ex.M > 1 && x->n_lines > 1)
        src_trace.kind = only_full ? SRC_SHAPE_WHOLE_ONLY : SRC_SHAPE_GROUPS;
    for (;;) {
        exact_pass(&ex, items, seen, only_full, full_done);
        src_trace.passes++;
        full_done = true;
        if (!exact_needs_second_pass(&ex))
            break;
        /* the best groups collide on nodes: redo with M nodes per group */
        ex.want = ex.M;
        memset(ex.n_top, 0, nsub);
        if (ex.done)
            memset(ex.done, 0, nsub);
        memset(ex.ubest_ok, 0, (size_t)nsub * ex.M);
        memset(&ex.best, 0, sizeof ex.best);
        full_done = false;
    }
    *out = ex.best;
    best_evals(&ex, out);
    if (x->explain && ex.best.found)
        exact_explain_gaps(&ex);
    return ORDO_OK;
}
