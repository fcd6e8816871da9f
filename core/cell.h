/*
 * cell.h - one cell (workload x executor x workers) run in a supervised
 * child process, the "cell process".  It creates the workload state, runs
 * the warmup and the asked-for repetitions, measures each one and reports
 * to the runner through a pipe, one fixed-size message at a time (each
 * smaller than PIPE_BUF, so each write is atomic).
 */
#ifndef PARBENCH_CELL_H
#define PARBENCH_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "results.h"

enum cell_msg_type {
    CELL_READY = 1,  /* state created; `tasks` set                      */
    CELL_REP_START,  /* a repetition (or warmup) starts: arm the timeout */
    CELL_ROW,        /* a measured repetition ended; `row` set           */
    CELL_FATAL       /* the cell cannot run (create failed); `row.error` */
};

/* The measured part of a CSV row, as the cell process reports it. */
struct cell_row {
    int32_t status; /* enum row_status */
    int32_t has_checksum;
    double wall_s, startup_s, user_s, sys_s;
    uint64_t peak_rss_kib, pss_kib, ctx_voluntary, ctx_involuntary;
    uint64_t ipc_bytes, items, checksum;
    char error[480];
};

struct cell_msg {
    uint32_t type;       /* enum cell_msg_type                            */
    uint32_t repetition; /* 1-based; 0 for a warmup                       */
    uint64_t tasks;
    int64_t started_unix_ns; /* CELL_REP_START / CELL_ROW: wall-clock start */
    struct cell_row row;
};

struct cell_request {
    const struct plan *plan;    /* borrowed                               */
    const struct plan_cell *cell;
    const unsigned *reps;       /* repetitions to run, 1-based            */
    size_t nreps;
    unsigned warmup;            /* warmup repetitions before them         */
    int fd;                     /* write end of the pipe to the runner    */
};

/* Run in the cell process: never returns (exits with status 0 when every
 * message was written, 3 on an internal error). */
void cell_main(const struct cell_request *req) __attribute__((noreturn));

#endif /* PARBENCH_CELL_H */
