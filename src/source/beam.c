/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the bounded (beam) search, for orders beyond the exact search's
 * lines: lines placed one at a time, fewest options first, each joining a
 * shipment of the plan or opening one at one of its best nodes, keeping the
 * beam_width best partial plans. docs/internals/SOURCING.md explains it. */
#include <stdint.h>
#include <string.h>

#include "internal.h"

typedef struct beam_state {
    uint32_t k;
    uint32_t masks[SRC_MAX_M];
    uint32_t cands[SRC_MAX_M];
    src_score_t parts[SRC_MAX_M];
    src_score_t total; /* Σ parts + plan term */
} beam_state_t;

/* The search's working set: the options of each line (its K best
 * candidates by the singleton bound, then the whole order's K best), the
 * plan terms, and the two generations of partial plans. */
typedef struct beam {
    src_ctx_t *x;
    uint32_t M, W, K, K2, dim;
    src_score_t term[SRC_MAX_M + 1];
    uint32_t *topk; /* [line * K2 + r] */
    uint32_t *ntop; /* [line] */
    src_score_t *tops;
    uint32_t nfull[SRC_MAX_LINES]; /* candidates that can ship the line */
    uint32_t order[SRC_MAX_LINES];
    beam_state_t *cur, *nxt;
    uint32_t ncur, nn;
} beam_t;

static void beam_keep(src_ctx_t *x, beam_state_t *pool, uint32_t *n, uint32_t width,
                      const beam_state_t *s)
{
    /* keep the `width` best: replace the worst when full */
    if (*n < width) {
        pool[(*n)++] = *s;
        return;
    }
    uint32_t worst = 0;
    for (uint32_t i = 1; i < *n; i++)
        if (src_lex_cmp(&pool[i].total, &pool[worst].total, x->dim) < 0)
            worst = i;
    if (src_lex_cmp(&s->total, &pool[worst].total, x->dim) > 0)
        pool[worst] = *s;
}

static int beam_init(beam_t *b, src_ctx_t *x)
{
    memset(b, 0, sizeof *b);
    b->x = x;
    b->M = x->cons->max_shipments > SRC_MAX_M ? SRC_MAX_M : x->cons->max_shipments;
    b->W = (uint32_t)x->eng->p.beam_width;
    b->K = (uint32_t)x->eng->p.beam_nodes;
    if (b->K > 32)
        b->K = 32;    /* whole[] below */
    b->K2 = 2 * b->K; /* stride: the line's K best, then the whole order's K best */
    b->dim = x->dim;
    for (uint32_t k = 0; k <= b->M; k++)
        b->term[k] = src_plan_term(x, k);
    b->topk = ordo_arena_alloc(x->arena, sizeof *b->topk * x->n_lines * b->K2);
    b->ntop = src_zalloc(x, x->n_lines, sizeof *b->ntop);
    b->tops = ordo_arena_alloc(x->arena, sizeof *b->tops * b->K);
    b->cur = ordo_arena_alloc(x->arena, sizeof *b->cur * b->W);
    b->nxt = ordo_arena_alloc(x->arena, sizeof *b->nxt * b->W);
    if (!b->topk || !b->ntop || !b->tops || !b->cur || !b->nxt)
        return src_fail_arena(x, "the beam search's options and partial plans");
    return ORDO_OK;
}

/* Inserts candidate c with bound ub into a best-first list of at most K
 * (ids[], bounds in b->tops); *n grows up to K. */
static void top_k_insert(beam_t *b, uint32_t *ids, uint32_t *n, uint32_t c, const src_score_t *ub)
{
    uint32_t K = b->K, pos = *n;
    while (pos > 0 && src_lex_cmp(ub, &b->tops[pos - 1], b->dim) > 0)
        pos--;
    if (pos >= K)
        return;
    uint32_t last = *n < K ? *n : K - 1;
    for (uint32_t j = last; j > pos; j--) {
        b->tops[j] = b->tops[j - 1];
        ids[j] = ids[j - 1];
    }
    b->tops[pos] = *ub;
    ids[pos] = c;
    if (*n < K)
        (*n)++;
}

/* Per line: the K best candidates by the singleton upper bound; then the
 * K best nodes for the whole order join every line's options, so a beam can
 * keep the order together where it has the stock. */
static void beam_options(beam_t *b)
{
    src_ctx_t *x = b->x;
    uint32_t K2 = b->K2;
    for (uint32_t i = 0; i < x->n_lines; i++) {
        b->order[i] = i;
        b->nfull[i] = 0;
        for (uint32_t c = 0; c < x->n_cands; c++) {
            if (!(x->cands[c].full_mask & (1u << i)))
                continue;
            b->nfull[i]++;
            src_score_t ub;
            src_upper_bound(x, c, 1u << i, &ub);
            top_k_insert(b, &b->topk[i * K2], &b->ntop[i], c, &ub);
        }
    }
    uint32_t whole[64];
    uint32_t nw = 0;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        if (x->cands[c].full_mask != x->all_mask)
            continue;
        src_score_t ub;
        src_upper_bound(x, c, x->all_mask, &ub);
        top_k_insert(b, whole, &nw, c, &ub);
    }
    for (uint32_t i = 0; i < x->n_lines; i++)
        for (uint32_t w = 0; w < nw; w++) {
            bool have = false;
            for (uint32_t r = 0; r < b->ntop[i]; r++)
                have |= b->topk[i * K2 + r] == whole[w];
            if (!have)
                b->topk[i * K2 + b->ntop[i]++] = whole[w];
        }
    /* fewest options first */
    for (uint32_t i = 1; i < x->n_lines; i++)
        for (uint32_t j = i; j > 0 && b->nfull[b->order[j]] < b->nfull[b->order[j - 1]]; j--) {
            uint32_t t = b->order[j];
            b->order[j] = b->order[j - 1];
            b->order[j - 1] = t;
        }
}

/* Σ parts + plan term, summed as the exact search sums a plan. */
static void beam_total(const beam_t *b, beam_state_t *ns)
{
    memset(&ns->total, 0, sizeof ns->total);
    for (uint32_t q = 0; q < ns->k; q++)
        src_add(&ns->total, &ns->parts[q], b->dim);
    src_add(&ns->total, &b->term[ns->k], b->dim);
}

/* The successors of a partial plan with line i: joining each of its
 * shipments whose node stocks the line, or opening a shipment at one of the
 * line's options (not a node the plan uses already, within M). */
static void beam_extend(beam_t *b, const beam_state_t *st, uint32_t i)
{
    src_ctx_t *x = b->x;
    uint32_t bit = 1u << i;
    for (uint32_t g = 0; g < st->k; g++) {
        const src_cand_t *cd = &x->cands[st->cands[g]];
        if (cd->atp[i] <= 0)
            continue;
        src_eval_t e;
        src_eval(x, st->cands[g], st->masks[g] | bit, &e);
        if (!e.feasible)
            continue;
        beam_state_t ns = *st;
        ns.masks[g] |= bit;
        ns.parts[g] = e.score;
        beam_total(b, &ns);
        beam_keep(x, b->nxt, &b->nn, b->W, &ns);
    }
    if (st->k >= b->M)
        return;
    for (uint32_t r = 0; r < b->ntop[i]; r++) {
        uint32_t c = b->topk[i * b->K2 + r];
        bool used = false;
        for (uint32_t g = 0; g < st->k; g++)
            used |= st->cands[g] == c;
        if (used)
            continue;
        src_eval_t e;
        src_eval(x, c, bit, &e);
        if (!e.feasible)
            continue;
        beam_state_t ns = *st;
        ns.masks[ns.k] = bit;
        ns.cands[ns.k] = c;
        ns.parts[ns.k] = e.score;
        ns.k++;
        beam_total(b, &ns);
        beam_keep(x, b->nxt, &b->nn, b->W, &ns);
    }
}

int src_run_beam(src_ctx_t *x, src_best_plan_t *out)
{
    memset(out, 0, sizeof *out);
    beam_t b;
    int rc = beam_init(&b, x);
    if (rc)
        return rc;
    beam_options(&b);
    b.ncur = 1;
    memset(&b.cur[0], 0, sizeof b.cur[0]);
    for (uint32_t step = 0; step < x->n_lines; step++) {
        b.nn = 0;
        for (uint32_t s = 0; s < b.ncur; s++)
            beam_extend(&b, &b.cur[s], b.order[step]);
        if (b.nn == 0)
            return ORDO_OK; /* nothing feasible */
        beam_state_t *t = b.cur;
        b.cur = b.nxt;
        b.nxt = t;
        b.ncur = b.nn;
    }
    uint32_t best = 0;
    for (uint32_t s = 1; s < b.ncur; s++)
        if (src_lex_cmp(&b.cur[s].total, &b.cur[best].total, b.dim) > 0)
            best = s;
    out->found = true;
    out->k = b.cur[best].k;
    memcpy(out->masks, b.cur[best].masks, sizeof out->masks);
    memcpy(out->cands, b.cur[best].cands, sizeof out->cands);
    out->score = b.cur[best].total;
    return ORDO_OK;
}
