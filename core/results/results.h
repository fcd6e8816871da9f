/* SPDX-License-Identifier: MIT */
/*
 * results.h - the CSV contract of docs/design.md: one row per measured
 * repetition, the header, formatting and reading rows back.
 */
#ifndef PARBENCH_RESULTS_H
#define PARBENCH_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <parbench/plugin.h>

enum row_status {
    ROW_OK = 0,
    ROW_FAILED,     /* verification or a task error                   */
    ROW_CRASHED,    /* a worker or the cell died                      */
    ROW_TIMEOUT,    /* the repetition exceeded [run] timeout          */
    ROW_INTERRUPTED /* Ctrl-C                                         */
};

/*
 * The measured part of a row: what the cell process reports for one
 * repetition (run/cell.h), or what the runner sets for a row it writes
 * itself (timeout, crash, interruption).
 */
struct row_measure {
    enum row_status status;
    double wall_s, startup_s, user_s, sys_s;
    uint64_t peak_rss_kib, pss_kib;
    uint64_t ctx_voluntary, ctx_involuntary;
    uint64_t ipc_bytes, items;
    /* Appended (issue 14): page faults of the coordinator and every
     * worker (getrusage deltas), CPU migrations (RESULTS_NO_VALUE when the
     * kernel gives no counter: an empty cell) and USS of the coordinator
     * and every worker process. */
    uint64_t minflt, majflt, cpu_migrations, uss_kib;
    /* (A results file written before a column was appended has no such
     * cell: it reads as RESULTS_NO_VALUE, like an empty one.) */
    int has_checksum;  /* 0: the checksum cell is empty              */
    uint64_t checksum; /* written as 0x%llx                          */
    /* Interference (util/procstat.h): CPU time the rest of the machine
     * used during the repetition, and the time a hypervisor stole; NAN
     * (an empty cell) when /proc/stat could not be read. */
    double other_cpu_s, steal_s;
    /* Appended (issue 14): perf counters of the cell process and every
     * thread and process it started ([run] counters), RESULTS_NO_VALUE /
     * NAN (empty cells) where the kernel gives none or counters are off;
     * scaled for multiplexing where the PMU was shared. */
    uint64_t cycles, instructions, cache_misses;
    double task_clock_s; /* task-clock: CPU time on every CPU, in seconds */
};

struct result_row {
    char *run_id;     /* owned strings; NULL reads as empty        */
    char *started_at; /* ISO 8601 UTC, e.g. 2026-11-25T08:17:57Z   */
    char *host;
    char *workload;        /* instance name                             */
    char *workload_params; /* canonical key=value;key=value             */
    char *executor;        /* instance name                             */
    unsigned workers;
    uint64_t tasks;
    enum pb_schedule schedule;
    unsigned repetition;  /* 1-based                                   */
    struct row_measure m; /* status, times, memory, counters, checksum */
    double items_per_s;   /* m.items / m.wall_s; 0 when wall_s is 0    */
    char *error;          /* empty when status is ok                   */
    /* Appended after steal_s: the executor's canonical key=value;...
     * (the core's keys, then the plugin's); empty in a file an older
     * parbench wrote. */
    char *executor_params;
};

/*
 * The columns of the results CSV, in order, each once:
 * X(name, kind, member, decimals).  `name` is the header text (fixed by
 * docs/design.md: add columns last, rename none), `member` the field of
 * struct result_row the cell is written from and read into, `kind` its
 * type: TEXT (char *), UINT (unsigned), U64 (uint64_t of the cell's
 * identity), SCHEDULE, STATUS, REAL (double, `decimals` after the point,
 * empty when not finite), COUNTER (measured uint64_t), OPTCOUNTER (a
 * measured uint64_t that may be unavailable: RESULTS_NO_VALUE, written and
 * read as an empty cell) or CHECKSUM (the member with m.has_checksum).
 */
#define RESULTS_NO_VALUE UINT64_MAX
#define RESULTS_COLUMN_MAP(X)                                                  \
    X(run_id, TEXT, run_id, 0)                                                 \
    X(started_at, TEXT, started_at, 0)                                         \
    X(host, TEXT, host, 0)                                                     \
    X(workload, TEXT, workload, 0)                                             \
    X(workload_params, TEXT, workload_params, 0)                               \
    X(executor, TEXT, executor, 0)                                             \
    X(workers, UINT, workers, 0)                                               \
    X(tasks, U64, tasks, 0)                                                    \
    X(schedule, SCHEDULE, schedule, 0)                                         \
    X(repetition, UINT, repetition, 0)                                         \
    X(status, STATUS, m.status, 0)                                             \
    X(wall_s, REAL, m.wall_s, 9)                                               \
    X(startup_s, REAL, m.startup_s, 9)                                         \
    X(user_s, REAL, m.user_s, 6)                                               \
    X(sys_s, REAL, m.sys_s, 6)                                                 \
    X(peak_rss_kib, COUNTER, m.peak_rss_kib, 0)                                \
    X(pss_kib, OPTCOUNTER, m.pss_kib, 0)                                       \
    X(ctx_voluntary, COUNTER, m.ctx_voluntary, 0)                              \
    X(ctx_involuntary, COUNTER, m.ctx_involuntary, 0)                          \
    X(ipc_bytes, COUNTER, m.ipc_bytes, 0)                                      \
    X(items, COUNTER, m.items, 0)                                              \
    X(items_per_s, REAL, items_per_s, 3)                                       \
    X(checksum, CHECKSUM, m.checksum, 0)                                       \
    X(error, TEXT, error, 0)                                                   \
    X(other_cpu_s, REAL, m.other_cpu_s, 2)                                     \
    X(steal_s, REAL, m.steal_s, 2)                                             \
    X(minflt, OPTCOUNTER, m.minflt, 0)                                         \
    X(majflt, OPTCOUNTER, m.majflt, 0)                                         \
    X(cpu_migrations, OPTCOUNTER, m.cpu_migrations, 0)                         \
    X(uss_kib, OPTCOUNTER, m.uss_kib, 0)                                       \
    X(executor_params, TEXT, executor_params, 0)                               \
    X(cycles, OPTCOUNTER, m.cycles, 0)                                         \
    X(instructions, OPTCOUNTER, m.instructions, 0)                             \
    X(cache_misses, OPTCOUNTER, m.cache_misses, 0)                             \
    X(task_clock_s, REAL, m.task_clock_s, 6)

/* RESULTS_COL_run_id ... RESULTS_COL_task_clock_s, then their count. */
enum results_column {
#define RESULTS_COL_ENUM(name, kind, member, decimals) RESULTS_COL_##name,
    RESULTS_COLUMN_MAP(RESULTS_COL_ENUM)
#undef RESULTS_COL_ENUM
        RESULTS_COLUMNS
};

/* The header: the names of RESULTS_COLUMN_MAP, in order. */
extern const char *const results_header[RESULTS_COLUMNS];

/* Nonzero for the measured numeric columns (REAL, COUNTER and OPTCOUNTER
 * kinds: wall_s ... items_per_s, minflt ... uss_kib), the ones a summary
 * can compare.  An empty cell reads as NAN. */
int results_column_is_measure(enum results_column col);
/* The value of measured column `col` of `row` (borrowed) as a double;
 * NAN for a column that is not a measure. */
double results_column_number(const struct result_row *row,
                             enum results_column col);
/* Instructions per cycle from the cycles and instructions cells (as
 * results_column_number gives them); NAN when either is empty (NAN) or
 * cycles is not positive. */
double results_ipc(double instructions, double cycles);
/* The column whose header text is `name` into *out; 0 or PB_EINVAL. */
int results_column_find(const char *name, enum results_column *out);

const char *row_status_name(enum row_status s); /* "ok", "failed", ... */
int row_status_parse(const char *text,
                     enum row_status *out); /* 0 / PB_EINVAL */

/* Write the header line.  Returns 0 or PB_EIO. */
int results_write_header(FILE *f);
/* Write one row (numbers plain, '.' decimal point whatever the locale,
 * decimals as RESULTS_COLUMN_MAP says) and fflush it.  Returns 0 or
 * PB_EIO. */
int results_write_row(FILE *f, const struct result_row *row);

/* How a results file ends (results_read_tail). */
enum results_tail_state {
    RESULTS_TAIL_WHOLE,   /* every line ends with a line end             */
    RESULTS_TAIL_UNENDED, /* the last row is whole and was read, but has no
                             line end: an appended row must start one     */
    RESULTS_TAIL_TORN     /* the last line, without a line end, is not a
                             whole row (a write cut short): not read      */
};

struct results_tail {
    enum results_tail_state state;
    long long keep;    /* bytes up to the end of the last row read (the header
                          when there is none): where a torn line starts  */
    int line;          /* the last line's number unless WHOLE             */
    int columns;       /* the header's column count: RESULTS_COLUMNS, or
                          fewer for a file an older parbench wrote (its
                          header a prefix, at least up to `error`)     */
    char warning[512]; /* "FILE:LINE: what" unless WHOLE               */
};

/* Read every row of a results file; the header must match exactly, or be
 * the header of an older parbench (the columns up to `error` at least, in
 * order): columns appended since then read as empty cells.
 * *rows is malloc'd (free with results_free).  Errors name FILE:LINE.
 * A last line without a line end is read when it is a whole row, and
 * ignored when it is not (*tail says which, and where it starts); every
 * other malformed line is an error. */
int results_read_tail(const char *path, struct result_row **rows, size_t *count,
                      struct results_tail *tail, char *err, size_t errlen);
/* results_read_tail, with a warning on stderr when a torn last line was
 * ignored (what `parbench report` reads with). */
int results_read(const char *path, struct result_row **rows, size_t *count,
                 char *err, size_t errlen);
void results_row_free(struct result_row *row); /* frees the strings only */
void results_free(struct result_row *rows, size_t count);

#endif /* PARBENCH_RESULTS_H */
