/* SPDX-License-Identifier: MIT */
/*
 * compare.h - `parbench compare BASE.csv NEW.csv`: the cells of two
 * results files matched by workload instance, canonical parameters,
 * executor, workers and schedule; for each pair both medians of a
 * measured column, the ratio NEW/BASE with the 95% bootstrap interval of
 * the ratio of medians, the two-sided Mann-Whitney U p-value and a
 * verdict; cells present on one side only listed; counts and the
 * geometric mean of the ratios in a footer.
 */
#ifndef PARBENCH_COMPARE_H
#define PARBENCH_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "results/report.h"
#include "results/summary.h"

struct compare_options {
    struct summary_metric metric; /* --metric (default wall_s)         */
    double alpha;                 /* --alpha (VERDICT_ALPHA)            */
    double threshold;             /* --threshold (VERDICT_THRESHOLD)    */
    enum report_format format;    /* --format                           */
};
void compare_options_init(struct compare_options *o);

enum compare_verdict {
    COMPARE_SAME,      /* not significant or below the threshold       */
    COMPARE_BETTER,    /* faster (lower; higher for a rate)            */
    COMPARE_WORSE,     /* slower (higher; lower for a rate)            */
    COMPARE_BASE_ONLY, /* the cell is only in BASE                     */
    COMPARE_NEW_ONLY,  /* the cell is only in NEW                      */
    COMPARE_NO_DATA,   /* in both, but one side has no value (no ok row,
                          or only empty cells of the metric)           */
    COMPARE_VERDICTS
};

struct compare_pair {
    const struct summary_cell *base, *new; /* borrowed; NULL when absent */
    struct stats_pair st; /* BASE (x) against NEW (y): st.ratio = NEW/BASE */
    enum compare_verdict verdict;
};

struct compare {
    struct compare_pair *pairs; /* owned: BASE's cells in order, then
                                   those only in NEW                     */
    size_t n;
    size_t counts[COMPARE_VERDICTS];
    double geomean; /* of the ratios of pairs with data; NAN for none   */
    size_t ngeo;
};

/* The pairs of base and new (borrowed; must outlive out).  0 or
 * PB_ENOMEM. */
int compare_build(const struct summary *base, const struct summary *new,
                  const struct compare_options *o, struct compare *out);
void compare_free(struct compare *c);

/* The verdict's word for the metric: "faster", "slower", "lower",
 * "higher", "no change", "only in BASE", "only in NEW", "no data". */
const char *compare_verdict_word(enum compare_verdict v,
                                 const struct summary_metric *m);

/* Prints the comparison in o->format; names are the files' paths.
 * 0 or PB_EIO. */
int compare_print(FILE *f, const struct compare *c,
                  const struct compare_options *o, const char *base_name,
                  const char *new_name);

/*
 * Reads both files, compares and prints on out.  Returns 0 and sets
 * *worse to the number of cells significantly worse (slower) beyond the
 * threshold; PB_EINVAL when a file cannot be read (err names FILE:LINE);
 * PB_EIO when out cannot be written; PB_ENOMEM.
 */
int compare_files(const char *base, const char *new,
                  const struct compare_options *o, FILE *out, size_t *worse,
                  char *err, size_t errlen);

#endif /* PARBENCH_COMPARE_H */
