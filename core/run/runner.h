/*
 * runner.h - `parbench run` and `parbench check`: load the config, build
 * and validate the plan, run every cell in a supervised cell process,
 * stream the CSV, print the summary.
 */
#ifndef PARBENCH_RUNNER_H
#define PARBENCH_RUNNER_H

#include <stddef.h>

#include "config/config.h"
#include "results/meta.h"
#include "results/report.h"

/* Everything borrowed. */
struct run_options {
    /* CONFIG, --summary, --set, --only, --resume, --force: what the
     * metadata sidecar records of the command line. */
    struct meta_invocation inv;
    const char *output;           /* -o FILE, or NULL for [run] output   */
    int quiet;                    /* -q                                  */
    struct report_options report; /* --format, --columns, --versus...:
                                     how the summary is printed      */
    int format_given;             /* --format was given (check refuses)  */
};

/* Returns the process exit status of docs/design.md (enum pb_exit). */
int runner_run(const struct run_options *o);
/* Validate everything and print the plan; exit status 0 or 2. */
int runner_check(const struct run_options *o);

#endif /* PARBENCH_RUNNER_H */
