/* SPDX-License-Identifier: MIT */
/*
 * summary.h - a results file grouped into cells (workload instance x
 * parameters x executor x workers x schedule), with statistics of wall
 * time over the `ok` rows, speedup and efficiency against the `serial`
 * executor of the same workload instance (or against 1 worker of the same
 * executor when there is no serial cell), the Karp-Flatt serial
 * fraction, every repetition's measured values, and the scaling models
 * of each executor's line.  What report, verdict, compare and plot read.
 */
#ifndef PARBENCH_SUMMARY_H
#define PARBENCH_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "results/fit.h"
#include "results/human.h"
#include "results/results.h"
#include "results/stats.h"

/* One row of a cell as the summary keeps it. */
struct summary_sample {
    unsigned repetition;
    enum row_status status;
    char *run_id; /* owned                                              */
    /* v[col]: the value of every measured column (results_column_is_
     * measure), NAN for the others. */
    double v[RESULTS_COLUMNS];
};

struct summary_cell {
    char *workload, *executor; /* owned */
    char *workload_params;     /* owned: rows of other parameters are
                                  another cell                           */
    unsigned workers;
    enum pb_schedule schedule;
    size_t rows, rows_ok;
    struct stats wall;     /* over ok rows                              */
    double startup_median; /* median startup_s over ok rows             */
    double startup_share;  /* median of startup_s / wall_s over ok rows
                              with wall_s > 0: the share of start-up in
                              wall time; NAN when there is none          */
    double speedup;        /* NAN when there is no baseline             */
    double speedup_lo, speedup_hi; /* 95% bootstrap interval of speedup
                              (1..1 for the baseline itself); NAN when
                              speedup is                                 */
    double efficiency;    /* speedup / workers                         */
    double karp_flatt;    /* NAN when workers < 2                      */
    const char *baseline; /* "serial", "1 worker" or NULL (static str) */
    struct summary_sample *samples; /* owned: every row, in file order   */
    size_t nsamples;                /* = rows                            */
    /* Interference (other_cpu_s of the ok rows, docs/reporting.md): */
    size_t disturbed;          /* ok rows during which other processes used at
                                  least SUMMARY_FOREIGN_WARN of a CPU         */
    double foreign_max;        /* the largest other_cpu_s / wall_s of them;
                                  NAN when no row has other_cpu_s             */
    size_t outliers_disturbed; /* outliers among the disturbed rows      */
    double outliers_foreign;   /* the least other_cpu_s / wall_s of those */
    /* Indices into the summary's cells, set by summary_build: */
    size_t workload_first; /* the first cell of this workload instance */
    size_t workload_end;   /* one past its last cell                   */
    size_t line_first;     /* the first cell of this line (workload
                              instance, executor and schedule)           */
};

/* A repetition is disturbed when other processes used at least this much
 * of a CPU on average while it ran (other_cpu_s / wall_s), and at least
 * SUMMARY_FOREIGN_MIN_S seconds in all (/proc/stat counts in 10 ms ticks). */
#define SUMMARY_FOREIGN_WARN 0.10
#define SUMMARY_FOREIGN_MIN_S 0.03

/* The scaling models of one line: a workload instance, an executor and a
 * schedule, with speedups at FIT_MIN_POINTS or more worker counts. */
struct summary_fit {
    size_t cell;   /* the line's first cell in summary order           */
    size_t points; /* worker counts fitted                             */
    struct fit_amdahl amdahl;
    struct fit_usl usl;
};

struct summary {
    struct summary_cell *cells; /* in a readable order (summary_build)   */
    size_t count;
    struct summary_fit *fits; /* in order of their lines' first cells    */
    size_t nfits;
};

/* Groups rows (borrowed) into cells and computes their statistics and
 * fits; out is owned by the caller (summary_free).  The cells are put in
 * an order that does not depend on the order the repetitions ran in
 * ([run] order interleaves and shuffles them): by workload (name and
 * parameters), then executor, each in the order its name first appeared,
 * then schedule (static, dynamic), then worker count, ascending.
 * 0 or PB_ENOMEM. */
int summary_build(const struct result_row *rows, size_t n, struct summary *out);
void summary_free(struct summary *s);

/* The values of measured column `col` of c's ok rows, in file order,
 * into out (room for c->rows_ok).  An empty cell (an optional column the
 * row has no value for: cycles where the machine gives no hardware
 * counter, a column older files lack) is no value and is left out.
 * Returns how many. */
size_t summary_values(const struct summary_cell *c, enum results_column col,
                      double *out);
/* stats_compute of those values into *out; returns how many there are
 * (out->n): with none, *out is all zero and means nothing.  0 too when
 * memory runs out. */
size_t summary_column_stats(const struct summary_cell *c,
                            enum results_column col, struct stats *out);
/* Their median; NAN when there is none. */
double summary_median(const struct summary_cell *c, enum results_column col);

/* Same workload instance and parameters. */
int summary_same_workload(const struct summary_cell *a,
                          const struct summary_cell *b);
/* The index of the first cell of s (in summary order) with cell i's
 * workload instance and parameters: i when it is the first.  A workload's
 * table, plot panel and verdicts start at that cell.  Constant time. */
size_t summary_first_of_workload(const struct summary *s, size_t i);
/* The index of the first cell of cell i's line (workload instance,
 * executor and schedule): i when it is the first.  Constant time. */
size_t summary_first_of_line(const struct summary *s, size_t i);
/* One past the last cell of the workload whose first cell is `first`:
 * summary_build keeps a workload's cells together, and a line's cells
 * together within them.  Constant time. */
size_t summary_workload_end(const struct summary *s, size_t first);
/* Same workload instance, parameters, executor and schedule. */
int summary_same_line(const struct summary_cell *a,
                      const struct summary_cell *b);
/* Same cell (the line and the workers): how compare matches cells. */
int summary_same_cell(const struct summary_cell *a,
                      const struct summary_cell *b);

/* "prime x pthread x 4 (dynamic)": a cell's name in warnings. */
void summary_cell_name(const struct summary_cell *c, char *buf, size_t len);

/* "prime (limit=1000000, method=trial, tasks=8)": a workload instance and
 * its parameters as a heading, into buf. */
void summary_workload_heading(const struct summary_cell *c, char *buf,
                              size_t len);

/* `"workload": ..., "workload_params": ..., "executor": ...` of c as JSON
 * members (no braces) on f. */
void summary_json_names(FILE *f, const struct summary_cell *c);

/* A measured column as `compare --metric` and the verdicts use it. */
struct summary_metric {
    enum results_column col;
    enum human_unit unit;
    int higher_is_better; /* items_per_s; lower is better otherwise */
};
/* The metric of column `col` (a measure). */
void summary_metric_of(enum results_column col, struct summary_metric *out);
/* `wall`, `startup`, `user`, `sys`, `rss`, `pss` or any measured column
 * name (wall_s, pss_kib, ctx_voluntary, ...) into *out; 0 or PB_EINVAL. */
int summary_metric_parse(const char *text, struct summary_metric *out);
/* The names summary_metric_parse takes, for error messages. */
#define SUMMARY_METRIC_NAMES                                                   \
    "wall, startup, user, sys, rss, pss, or a numeric column of the CSV "      \
    "(wall_s, startup_s, user_s, sys_s, peak_rss_kib, pss_kib, "               \
    "ctx_voluntary, ctx_involuntary, ipc_bytes, items, items_per_s)"

#endif /* PARBENCH_SUMMARY_H */
