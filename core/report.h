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

#include "results.h"
#include "stats.h"

struct summary_cell {
    char *workload, *executor; /* owned */
    unsigned workers;
    enum pb_schedule schedule;
    size_t rows, rows_ok;
    struct stats wall;     /* over ok rows                              */
    double startup_median; /* median startup_s over ok rows             */
    double speedup;        /* NAN when there is no baseline             */
    double efficiency;     /* speedup / workers                         */
    double karp_flatt;     /* NAN when workers < 2                      */
    const char *baseline;  /* "serial", "1 worker" or NULL (static str) */
};

struct summary {
    struct summary_cell *cells; /* in order of first appearance          */
    size_t count;
};

int report_summarise(const struct result_row *rows, size_t n,
                     struct summary *out);
void report_free(struct summary *s);
/* Human table: aligned columns, times in seconds with 4 significant
 * decimals, "-" where a value is undefined. */
void report_print_table(FILE *f, const struct summary *s);
/* The summary as CSV (RFC 4180, same quoting as results). */
int report_write_csv(const char *path, const struct summary *s, char *err,
                     size_t errlen);

#endif /* PARBENCH_REPORT_H */
