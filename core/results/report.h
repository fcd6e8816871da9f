/* SPDX-License-Identifier: MIT */
/*
 * report.h - the summary of a results file as people and programs read
 * it: per workload a table of its cells (readable units, 100 columns by
 * default), the warnings, the scaling models, and the verdicts
 * (results/verdict.h); or Markdown, JSON with every repetition's values,
 * or CSV.  One code path for `run` and `parbench report`.
 */
#ifndef PARBENCH_REPORT_H
#define PARBENCH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "results/summary.h"
#include "results/verdict.h"

/* Width every line of the default table-format summary fits in. */
#define REPORT_WIDTH 100

/* Thresholds of the warnings a summary carries: a coefficient of
 * variation above REPORT_CV_WARN (5%; compared as shown, to 0.1%), and
 * any outlier (beyond 3 scaled MADs of the median, see stats.h). */
#define REPORT_CV_WARN 0.05
/* A repetition disturbed by other processes: SUMMARY_FOREIGN_WARN
 * (results/summary.h). */

/* The version of the JSON document (docs/reporting.md has its schema). */
#define REPORT_JSON_VERSION 2

/* How a summary is printed: `--format table|markdown|json`. */
enum report_format { REPORT_TABLE, REPORT_MARKDOWN, REPORT_JSON };

/* "table", "markdown" or "json" into *out; 0 or PB_EINVAL. */
int report_format_parse(const char *text, enum report_format *out);

/* How `run` and `report` print a summary (all borrowed). */
struct report_options {
    enum report_format format;
    const char *columns; /* --columns: NULL the default set, "all", or a
                            comma-separated list (report_columns_check)  */
    struct verdict_options verdict; /* --versus, --alpha, --threshold    */
};
/* The defaults: table, default columns, ratios to the fastest, alpha
 * VERDICT_ALPHA, threshold VERDICT_THRESHOLD. */
void report_options_init(struct report_options *o, enum report_format fmt);

/* 0 when spec names known columns (or is "all"), else PB_EINVAL with a
 * sentence in err naming the unknown one and the known ones. */
int report_columns_check(const char *spec, char *err, size_t errlen);

/* The warnings of one cell (high coefficient of variation, outliers,
 * repetitions disturbed by other processes) as
 * sentences without the cell's name, into out[0..max-1] (caller's
 * buffers of REPORT_WARN_LEN bytes).  Returns how many. */
#define REPORT_WARN_LEN 200
size_t report_cell_warnings(const struct summary_cell *c,
                            char out[][REPORT_WARN_LEN], size_t max);

/* Terminal tables: per workload a heading and its cells in the chosen
 * columns (times as "1.31 s", memory in KiB/MiB/GiB, the interval as
 * ± percent), then the warnings grouped (one "warning:" line per kind
 * of problem naming the cells it concerns and a hint that helps), scaling
 * models and verdicts, wrapped so that with the default columns every
 * line fits in REPORT_WIDTH.
 * Returns 0 or PB_EIO. */
int report_print_table(FILE *f, const struct summary *s,
                       const struct report_options *o);
/* One Markdown table (workload first, then the chosen columns), the
 * warnings as a list, the scaling models and the verdicts. */
int report_print_markdown(FILE *f, const struct summary *s,
                          const struct report_options *o);
/* One JSON document (schema in docs/reporting.md): every statistic of
 * every cell at full precision, null where undefined, its warnings and
 * every repetition's values; the fits and the verdicts. */
int report_print_json(FILE *f, const struct summary *s,
                      const struct report_options *o);
/* One of the three by o->format. */
int report_print(FILE *f, const struct summary *s,
                 const struct report_options *o);

/* The summary as CSV (RFC 4180, same quoting as results). */
int report_write_csv(const char *path, const struct summary *s, char *err,
                     size_t errlen);

/*
 * The one code path of `parbench run` (at its end) and `parbench report`:
 * read the results file `csv`, summarise it, print it on `out` as o says
 * (NULL: the defaults in table format), and when summary_csv is not NULL
 * also write the summary as CSV there.  When keep is not NULL the summary
 * is handed to the caller (summary_free) instead of being freed.  Returns
 * 0; PB_EINVAL when the results file cannot be read (message in err,
 * "FILE:LINE: ...") or --versus names an executor the file does not
 * hold; PB_EIO when the summary CSV or `out` cannot be written;
 * PB_ENOMEM.
 */
int report_from_file(const char *csv, const struct report_options *o,
                     const char *summary_csv, FILE *out, struct summary *keep,
                     char *err, size_t errlen);

#endif /* PARBENCH_REPORT_H */
