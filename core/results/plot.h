/* SPDX-License-Identifier: MIT */
/*
 * plot.h - `parbench report CSV --plot FILE.svg|FILE.png`: a summary drawn
 * by gnuplot, one panel per workload instance, one line per executor (and
 * schedule, where an executor ran under both), wall time or speedup
 * PSS or start-up against workers.
 *
 * The data and the gnuplot script go into a private temporary directory
 * that is removed afterwards; gnuplot runs as a child process
 * (posix_spawnp, found on PATH) and is waited for.  Not thread-safe only
 * in that it spawns a process: call it from the main thread.
 */
#ifndef PARBENCH_PLOT_H
#define PARBENCH_PLOT_H

#include <stddef.h>

#include "results/report.h"

/* Every point carries its 95% interval as an error bar. */
enum plot_metric {
    PLOT_WALL,    /* median wall time, interval of the median            */
    PLOT_SPEEDUP, /* speedup against the baseline with its bootstrap
                     interval, the ideal line, and the fitted Amdahl and
                     USL curves of lines with 3 or more worker counts    */
    PLOT_PSS,     /* median pss_kib (in MiB), interval of the median     */
    PLOT_STARTUP  /* median startup_s (in ms), interval of the median    */
};

/* "wall", "speedup", "pss" or "startup" into *out; 0 or PB_EINVAL. */
int plot_metric_parse(const char *text, enum plot_metric *out);

/* 0 when `path` (borrowed) ends in .svg or .png (any case), else PB_EINVAL
 * with a sentence in err.  Checked before anything is read or run. */
int plot_check_path(const char *path, char *err, size_t errlen);

/*
 * Draws the summary s (borrowed) into `path` (.svg or .png).  Returns 0;
 * PB_EINVAL when no cell has an ok row to draw; PB_ENOENT when gnuplot is
 * not on PATH ("gnuplot not found; install gnuplot-nox"); PB_EIO when the
 * temporary files cannot be written, gnuplot fails (its first message is
 * quoted) or leaves no output.  err receives the sentence.
 */
int plot_write(const struct summary *s, const char *path,
               enum plot_metric metric, char *err, size_t errlen);

#endif /* PARBENCH_PLOT_H */
