/*
 * report.h - the summary of a results file: one line per cell
 * (workload instance x executor x workers x schedule), statistics of wall
 * time over the `ok` rows, speedup and efficiency against the `serial`
 * executor of the same workload instance (or against 1 worker of the same
 * executor when there is no serial cell), and the Karp-Flatt serial
 * fraction.  One code path for `run` and `parbench report`.
 */
#ifndef PARBENCH_REPORT_H
#define PARBENCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "results/results.h"
#include "results/stats.h"

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
    double efficiency;     /* speedup / workers                         */
    double karp_flatt;     /* NAN when workers < 2                      */
    const char *baseline;  /* "serial", "1 worker" or NULL (static str) */
    /* Interference (other_cpu_s of the ok rows, docs/reporting.md): */
    size_t disturbed;          /* ok rows during which other processes used at
                                  least REPORT_FOREIGN_WARN of a CPU          */
    double foreign_max;        /* the largest other_cpu_s / wall_s of them;
                                  NAN when no row has other_cpu_s             */
    size_t outliers_disturbed; /* outliers among the disturbed rows      */
    double outliers_foreign;   /* the least other_cpu_s / wall_s of those */
};

struct summary {
    struct summary_cell *cells; /* in order of first appearance          */
    size_t count;
};

/* Thresholds of the warnings a summary carries: a coefficient of
 * variation above REPORT_CV_WARN (5%; compared as shown, to 0.1%), and
 * any outlier (beyond 3 scaled
 * MADs of the median, see stats.h). */
#define REPORT_CV_WARN 0.05
/* A repetition is disturbed when other processes used at least this much
 * of a CPU on average while it ran (other_cpu_s / wall_s), and at least
 * REPORT_FOREIGN_MIN_S seconds in all (/proc/stat counts in 10 ms ticks). */
#define REPORT_FOREIGN_WARN 0.10
#define REPORT_FOREIGN_MIN_S 0.03

/* How a summary is printed: `--format table|markdown|json`. */
enum report_format { REPORT_TABLE, REPORT_MARKDOWN, REPORT_JSON };

/* "table", "markdown" or "json" into *out; 0 or PB_EINVAL. */
int report_format_parse(const char *text, enum report_format *out);

/* Groups rows (borrowed) into cells and computes their statistics; out is
 * owned by the caller (report_free).  0 or PB_ENOMEM. */
int report_summarise(const struct result_row *rows, size_t n,
                     struct summary *out);
void report_free(struct summary *s);

/* The warnings of one cell (high coefficient of variation, outliers) as
 * sentences without the cell's name, into out[0..max-1] (caller's
 * buffers of REPORT_WARN_LEN bytes).  Returns how many. */
#define REPORT_WARN_LEN 200
size_t report_cell_warnings(const struct summary_cell *c,
                            char out[][REPORT_WARN_LEN], size_t max);

/* Human table: aligned columns, times in seconds with 4 significant
 * digits, "-" where a value is undefined, then the warnings grouped: one
 * "warning:" line per kind of problem naming the cells it concerns and a
 * hint that helps.  Returns 0 or PB_EIO. */
int report_print_table(FILE *f, const struct summary *s);
/* The same columns as a GitHub-flavoured Markdown table, then the
 * warnings as a list.  Returns 0 or PB_EIO. */
int report_print_markdown(FILE *f, const struct summary *s);
/* One JSON document {"cells": [...]}: every statistic of every cell,
 * null where undefined, and its warnings.  Returns 0 or PB_EIO. */
int report_print_json(FILE *f, const struct summary *s);
/* One of the three by format. */
int report_print(FILE *f, const struct summary *s, enum report_format fmt);

/* The summary as CSV (RFC 4180, same quoting as results). */
int report_write_csv(const char *path, const struct summary *s, char *err,
                     size_t errlen);

/*
 * The one code path of `parbench run` (at its end) and `parbench report`:
 * read the results file `csv`, summarise it, print it on `out` in `fmt`,
 * and when summary_csv is not NULL also write the summary as CSV there.
 * When keep is not NULL the summary is handed to the caller (report_free)
 * instead of being freed.  Returns 0; PB_EINVAL when the results file
 * cannot be read (message in err, "FILE:LINE: ..."); PB_EIO when the
 * summary CSV or `out` cannot be written; PB_ENOMEM.
 */
int report_from_file(const char *csv, enum report_format fmt,
                     const char *summary_csv, FILE *out, struct summary *keep,
                     char *err, size_t errlen);

#endif /* PARBENCH_REPORT_H */
