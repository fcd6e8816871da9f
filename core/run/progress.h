/* SPDX-License-Identifier: MIT */
/*
 * progress.h - the one-line progress display of `parbench run` on stderr:
 * cell i/N, workload x executor x workers, repetition, elapsed time and an
 * estimate of the time left.
 *
 * Contract with the runner: progress is printed only between repetitions
 * (just before a GO is sent), never on a timer while a repetition is
 * measured, so the display costs the measurement nothing.  It is shown
 * only when stderr is a terminal and -q was not given; otherwise every
 * call is a no-op.  Main thread only; it owns no memory.
 */
#ifndef PARBENCH_PROGRESS_H
#define PARBENCH_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
    FILE *out;          /* borrowed; stderr in the runner             */
    int enabled;        /* 0: every call does nothing                 */
    unsigned width;     /* terminal columns; lines are cut to fit     */
    size_t ncells;      /* cells in the plan                          */
    size_t total;       /* repetitions planned, warmups included      */
    size_t before_cell; /* of those, planned before the current cell  */
    size_t cell_no;     /* 1-based current cell                       */
    char label[200];    /* "prime-count x pthread x 2"                */
    uint64_t start_ns;  /* monotonic time of progress_init            */
};

/* Starts the display: `total` is every repetition the run will measure,
 * warmups included (the basis of the time-left estimate). */
void progress_init(struct progress *p, FILE *out, int enabled, size_t ncells,
                   size_t total);

/* A new cell: its 1-based number, its label (copied), and how many of the
 * planned repetitions came before it. */
void progress_cell(struct progress *p, size_t cell_no, const char *label,
                   size_t before_cell);

/* Shows the line for the repetition about to start: rep 0 is a warmup,
 * else rep of reps; done_in_cell repetitions of this cell (warmups
 * included) have finished. */
void progress_show(struct progress *p, unsigned rep, unsigned reps,
                   size_t done_in_cell);

/* Clears the line (at the end of the run, before the summary). */
void progress_finish(struct progress *p);

/*
 * The text of one line, without the leading "\r\033[K" (pure, for tests):
 * "[3/12] prime-count x pthread x 2  repetition 2/5  elapsed 0:12  left
 * ~0:40".  The time left is elapsed x (total - done) / done, "left ?"
 * before anything finished.  Cut to width - 1 characters when width > 0.
 */
void progress_format(char *buf, size_t len, unsigned width, size_t cell_no,
                     size_t ncells, const char *label, unsigned rep,
                     unsigned reps, uint64_t elapsed_ns, size_t done,
                     size_t total);

#endif /* PARBENCH_PROGRESS_H */
