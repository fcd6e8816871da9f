/* SPDX-License-Identifier: MIT */
/*
 * rounds.h - the order in which a run measures the repetitions of its
 * cells ([run] order), the stopping rule of `repetitions = auto`, and the
 * rule that decides whether a cell process stays alive between its
 * repetitions.  Pure: no clock, no I/O, no process; the runner asks and
 * obeys (docs/reporting.md "Order, precision and interference").
 *
 *  - interleaved: rounds.  Round k runs one repetition of every cell that
 *    still has one to run, in an order shuffled for that round from the
 *    seed, so that slow drift of the machine lands on every cell alike.
 *  - grouped: every repetition of cell 0, then of cell 1, ... (the order
 *    of parbench before [run] order existed).
 *  - random: each repetition is drawn from the cells that still have one,
 *    weighted by how many they have left: with fixed repetitions, a
 *    uniformly random order of all of them.
 *
 * The same seed and the same stops give the same order, so a run can be
 * replayed from the seed its metadata records.
 */
#ifndef PARBENCH_ROUNDS_H
#define PARBENCH_ROUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct rounds {
    enum run_order order;
    uint64_t seed;
    size_t ncells;
    size_t *left;       /* owned: repetitions each cell may still run   */
    unsigned char *off; /* owned: 1 once rounds_stop() stopped the cell  */
    size_t *queue;      /* owned: interleaved, this round's cells        */
    size_t nqueue, pos; /* queue length; next entry to hand out          */
    unsigned round;     /* 1-based number of the round handed out last;
                           0 before the first                           */
    size_t at;          /* grouped: the cell being run                   */
    uint64_t rng;       /* random: generator state                       */
};

/* The next number of a splitmix64 generator whose state is *state. */
uint64_t rounds_mix(uint64_t *state);

/* A seed for `seed = auto`, from `entropy` (the clock and the pid). */
uint64_t rounds_seed(uint64_t entropy);

/* Plans ncells cells, cell i with left[i] repetitions to run (copied;
 * may be 0).  Returns 0, or PB_ENOMEM. */
int rounds_init(struct rounds *p, enum run_order order, uint64_t seed,
                const size_t *left, size_t ncells);
void rounds_free(struct rounds *p);

/* The cell that runs the next repetition into *cell, counted as run
 * (its `left` goes down by one).  Returns 1, or 0 when no cell has a
 * repetition left.  p->round is the round it belongs to (interleaved;
 * other orders count every repetition of the run as round 1). */
int rounds_next(struct rounds *p, size_t *cell);

/* The cell runs no more repetitions (it reached its precision, the budget
 * ended it, or it cannot run).  Idempotent. */
void rounds_stop(struct rounds *p, size_t cell);

/* Why `repetitions = auto` stops a cell, or goes on with it. */
enum rounds_verdict {
    ROUNDS_GO_ON = 0, /* below min_repetitions, or not precise yet  */
    ROUNDS_PRECISE,   /* at least min rows, precision reached        */
    ROUNDS_MAX,       /* max_repetitions rows                        */
    ROUNDS_NO_OK      /* at least min rows and not one of them ok    */
};

/*
 * The stopping rule of `repetitions = auto` for a cell with `rows` rows
 * (every status but interrupted) of which `nok` are ok, with wall times
 * ok_wall[0..nok-1].  Precise when the half-width of the 95% confidence
 * interval of the median (stats.h), divided by the median, is at most
 * `precision`; *achieved gets that relative half-width (INFINITY without
 * an ok row or with a median of 0).  The max takes precedence over
 * precision only when precision is not reached.
 */
enum rounds_verdict rounds_verdict(const double *ok_wall, size_t nok,
                                   size_t rows, double precision,
                                   unsigned min_reps, unsigned max_reps,
                                   double *achieved);

/*
 * Whether a cell process whose resident set is cell_kib may stay alive
 * between its repetitions while the cell processes kept alive so far hold
 * kept_kib: 1 when together they fit in half of avail_kib (MemAvailable
 * at the start of the run), leaving the other half to the repetitions
 * themselves; 0 when the cell must be recreated for each repetition.
 */
int rounds_keep_alive(uint64_t kept_kib, uint64_t cell_kib, uint64_t avail_kib);

#endif /* PARBENCH_ROUNDS_H */
