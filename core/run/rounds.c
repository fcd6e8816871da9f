/* SPDX-License-Identifier: MIT */
/*
 * rounds.c - the order of a run's repetitions, the stopping rule of
 * `repetitions = auto` and the keep-alive rule (see rounds.h).
 */
#include "run/rounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/stats.h"
#include "util/errors.h"

uint64_t rounds_mix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t rounds_seed(uint64_t entropy) {
    uint64_t s = entropy;
    /* Kept to 53 bits, so that a JSON reader holds it exactly. */
    return rounds_mix(&s) >> 11;
}

/* A number below n (n >= 1) from *state, without modulo bias. */
static uint64_t below(uint64_t *state, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rounds_mix(state);
    while (x >= limit);
    return x % n;
}

int rounds_init(struct rounds *p, enum run_order order, uint64_t seed,
                const size_t *left, size_t ncells) {
    memset(p, 0, sizeof *p);
    p->order = order;
    p->seed = seed;
    p->ncells = ncells;
    p->rng = seed;
    size_t n = ncells ? ncells : 1;
    p->left = malloc(n * sizeof *p->left);
    p->off = calloc(n, 1);
    p->queue = malloc(n * sizeof *p->queue);
    if (!p->left || !p->off || !p->queue) {
        rounds_free(p);
        return PB_ENOMEM;
    }
    for (size_t i = 0; i < ncells; i++)
        p->left[i] = left[i];
    return 0;
}

void rounds_free(struct rounds *p) {
    free(p->left);
    free(p->off);
    free(p->queue);
    p->left = p->queue = NULL;
    p->off = NULL;
}

static int active(const struct rounds *p, size_t i) {
    return !p->off[i] && p->left[i] > 0;
}

/* Interleaved: the next round's cells, shuffled by a generator seeded
 * from the seed and the round's number (so a round's order does not
 * depend on how many numbers earlier rounds drew).  0 when no cell is
 * left. */
static int new_round(struct rounds *p) {
    p->nqueue = p->pos = 0;
    for (size_t i = 0; i < p->ncells; i++)
        if (active(p, i))
            p->queue[p->nqueue++] = i;
    if (p->nqueue == 0)
        return 0;
    p->round++;
    uint64_t st = p->seed ^ ((uint64_t)p->round * 0xd1b54a32d192ed03ull);
    for (size_t i = p->nqueue - 1; i > 0; i--) {
        size_t j = (size_t)below(&st, (uint64_t)i + 1);
        size_t t = p->queue[i];
        p->queue[i] = p->queue[j];
        p->queue[j] = t;
    }
    return 1;
}

int rounds_next(struct rounds *p, size_t *cell) {
    switch (p->order) {
    case ORDER_INTERLEAVED:
        for (;;) {
            /* A cell stopped earlier in this round is skipped. */
            while (p->pos < p->nqueue && !active(p, p->queue[p->pos]))
                p->pos++;
            if (p->pos < p->nqueue)
                break;
            if (!new_round(p))
                return 0;
        }
        *cell = p->queue[p->pos++];
        break;
    case ORDER_GROUPED:
        while (p->at < p->ncells && !active(p, p->at))
            p->at++;
        if (p->at >= p->ncells)
            return 0;
        p->round = 1;
        *cell = p->at;
        break;
    default: { /* ORDER_RANDOM */
        uint64_t total = 0;
        for (size_t i = 0; i < p->ncells; i++)
            if (active(p, i))
                total += p->left[i];
        if (total == 0)
            return 0;
        uint64_t x = below(&p->rng, total);
        size_t i = 0;
        for (;; i++) {
            if (!active(p, i))
                continue;
            if (x < p->left[i])
                break;
            x -= p->left[i];
        }
        p->round = 1;
        *cell = i;
        break;
    }
    }
    p->left[*cell]--;
    return 1;
}

void rounds_stop(struct rounds *p, size_t cell) {
    if (cell < p->ncells)
        p->off[cell] = 1;
}

enum rounds_verdict rounds_verdict(const double *ok_wall, size_t nok,
                                   size_t rows, double precision,
                                   unsigned min_reps, unsigned max_reps,
                                   double *achieved) {
    *achieved = INFINITY;
    if (nok > 0) {
        struct stats st;
        stats_compute(ok_wall, nok, &st);
        if (st.median > 0 && isfinite(st.ci_lo) && isfinite(st.ci_hi))
            *achieved = (st.ci_hi - st.ci_lo) / 2.0 / st.median;
    }
    if (rows < min_reps)
        return ROUNDS_GO_ON;
    if (nok >= min_reps && *achieved <= precision)
        return ROUNDS_PRECISE;
    if (rows >= max_reps)
        return ROUNDS_MAX;
    if (nok == 0)
        return ROUNDS_NO_OK;
    return ROUNDS_GO_ON;
}

int rounds_keep_alive(uint64_t kept_kib, uint64_t cell_kib,
                      uint64_t avail_kib) {
    return kept_kib + cell_kib <= avail_kib / 2;
}
