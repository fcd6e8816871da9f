/* SPDX-License-Identifier: MIT */
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
/* The rules for --summary FILE (run and report): never one of the n
 * files taken[i] (NULL entries skipped; what[i] names each in the
 * message), never a directory, and never an existing file unless force.
 * Returns 0, or PB_EINVAL / PB_EEXIST with the sentence in err. */
int runner_summary_check(const char *summary, int force,
                         const char *const *taken, const char *const *what,
                         size_t n, char *err, size_t errlen);
/* Validate everything and print the plan; exit status 0 or 2. */
int runner_check(const struct run_options *o);

#endif /* PARBENCH_RUNNER_H */
