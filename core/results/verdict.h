/* SPDX-License-Identifier: MIT */
/*
 * verdict.h - the verdict section of a summary: for each workload
 * instance and worker count, the executors ranked by median wall time,
 * each with its ratio to the fastest (or to `--versus EXECUTOR`), the 95%
 * bootstrap interval of that ratio, the two-sided Mann-Whitney U p-value
 * and whether the difference counts (p < alpha and at least `threshold`
 * away from 1); the same ranking of memory (pss_kib) and start-up
 * (startup_s); and one sentence a reader can quote.
 */
#ifndef PARBENCH_VERDICT_H
#define PARBENCH_VERDICT_H

#include <stddef.h>
#include <stdio.h>

#include "results/summary.h"

/* Defaults of --alpha and --threshold (shared with `compare`). */
#define VERDICT_ALPHA 0.05
#define VERDICT_THRESHOLD 0.02

struct verdict_options {
    const char *versus; /* borrowed; NULL: ratios to the fastest          */
    double alpha;       /* significance level of the Mann-Whitney test     */
    double threshold;   /* smallest |ratio - 1| that counts                */
};

/* One cell in a ranking. */
struct verdict_entry {
    size_t cell;          /* index into the summary's cells              */
    struct stats_pair vs; /* the reference (x) against this cell (y):
                             vs.ratio = this median / reference median   */
    int differs;          /* stats_differs(vs, alpha, threshold); 0 for
                             the reference itself                        */
};

/* The cells of a group with ok rows, ascending by the metric's median. */
struct verdict_ranking {
    struct verdict_entry *e; /* owned                                   */
    size_t n;
    size_t ref; /* index into e of the reference                         */
};

struct verdict_group {
    size_t first; /* the group's first cell (names the workload)     */
    unsigned workers;
    int versus_found; /* --versus ran in this group (else: the fastest)  */
    struct verdict_ranking wall, pss, startup;
    size_t *no_data; /* owned: cells of the group without ok rows        */
    size_t nno_data;
};

struct verdict {
    struct verdict_group *groups; /* owned; workloads in order of first
                                     appearance, workers ascending       */
    size_t n;
    struct verdict_options o;
};

/* Groups of two or more cells of s (borrowed; must outlive out).  0 or
 * PB_ENOMEM. */
int verdict_build(const struct summary *s, const struct verdict_options *o,
                  struct verdict *out);
void verdict_free(struct verdict *v);

/* Whether executor `name` appears anywhere in s (to check --versus). */
int verdict_has_executor(const struct summary *s, const char *name);

/* The group's sentence, e.g. "prime-count, 2 workers: pthread, fork and
 * posix_spawn tie (within 1.3%, not significant); gil is 2.02× slower
 * (p < 0.01)." into buf. */
void verdict_sentence(const struct summary *s, const struct verdict *v,
                      const struct verdict_group *g, char *buf, size_t len);

/* The section for a terminal, every line at most `width` columns (long
 * names excepted); in Markdown; or as the JSON array value of
 * "verdicts" (starting at the current position, lines indented by two
 * spaces more than `indent`).  Return 0 or PB_EIO. */
int verdict_print_table(FILE *f, const struct summary *s,
                        const struct verdict *v, size_t width);
int verdict_print_markdown(FILE *f, const struct summary *s,
                           const struct verdict *v);
int verdict_print_json(FILE *f, const struct summary *s,
                       const struct verdict *v, const char *indent);

#endif /* PARBENCH_VERDICT_H */
