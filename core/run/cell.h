/* SPDX-License-Identifier: MIT */
/*
 * cell.h - one cell (workload x executor x workers) run in a supervised
 * child process, the "cell process".  It creates the workload state, then
 * runs one repetition each time the runner says GO, measures it and reports
 * the row.  The runner paces the cell, so nothing of the runner runs while
 * a repetition is being measured.  Messages are fixed-size and smaller than
 * PIPE_BUF, so each write is atomic.
 */
#ifndef PARBENCH_CELL_H
#define PARBENCH_CELL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config/plan.h"
#include "results/meta.h"
#include "results/results.h"

/* Cell process -> runner. */
enum cell_msg_type {
    CELL_READY = 1, /* state created; `tasks` set; waiting for GO       */
    CELL_ROW,       /* a repetition (or warmup: repetition 0) ended     */
    CELL_FATAL,     /* the cell cannot run (create failed); `error`     */
    CELL_NOTE,      /* the cell process is about to die of a signal:
                       `error` says where (worker, task, plugin) and, for
                       a plugin bug the host found, what it was          */
    CELL_HOST       /* before a ROW: a host that ran processes of the
                       job (host->job_process_host, MPI ranks), `host`;
                       each host once per cell process                   */
};

/* Runner -> cell process: run one repetition (0 = a warmup). */
struct cell_go {
    uint32_t repetition;
};

/* Cell process -> runner.  Both ends are the same program (the cell is
 * forked, not exec'd), so the layout is the native one. */
struct cell_msg {
    uint32_t type;       /* enum cell_msg_type                            */
    uint32_t repetition; /* 1-based; 0 for a warmup                       */
    uint64_t tasks;
    int64_t started_unix_ns; /* CELL_ROW: wall-clock start               */
    uint64_t rss_kib; /* READY, ROW: the cell process's resident set when it
                         sent the message (what staying alive costs)     */
    struct row_measure row; /* CELL_ROW; CELL_FATAL: the status only     */
    char error[480];        /* why row.status is not ok; NUL-terminated     */
    struct meta_host host;  /* CELL_HOST                                    */
};
/* One write() of a message is atomic (see above). */
_Static_assert(sizeof(struct cell_msg) <= PIPE_BUF,
               "struct cell_msg must fit in PIPE_BUF");

struct cell_request {
    struct plan *plan; /* borrowed; the cell process loads its plugins */
    const struct plan_cell *cell;
    int fd_go;         /* read end: struct cell_go from runner    */
    int fd;            /* write end: struct cell_msg to runner    */
    unsigned counters; /* the [run] counters the runner's probe opened */
    int memory;        /* [run] memory: sample PSS and USS             */
};

/* Run in the cell process: never returns (exits with status 0 when every
 * message was written, 3 on an internal error). */
void cell_main(const struct cell_request *req) __attribute__((noreturn));

#endif /* PARBENCH_CELL_H */
