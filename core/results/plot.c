/* SPDX-License-Identifier: MIT */
/*
 * plot.c - summaries drawn by gnuplot (see plot.h).
 */
#include "results/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "util/errors.h"

extern char **environ;

/* Size of one panel in pixels (SVG units). */
#define PANEL_W 560
#define PANEL_H 400

int plot_metric_parse(const char *text, enum plot_metric *out) {
    static const char *const names[] = {"wall", "speedup", "pss", "startup"};
    for (size_t i = 0; text != NULL && i < sizeof names / sizeof *names; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (enum plot_metric)i;
            return 0;
        }
    return PB_EINVAL;
}

/* ".svg" or ".png" (any case) at the end of path, else NULL. */
static const char *plot_kind(const char *path) {
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0)
        return "svg";
    if (n > 4 && strcasecmp(path + n - 4, ".png") == 0)
        return "png";
    return NULL;
}

int plot_check_path(const char *path, char *err, size_t errlen) {
    if (plot_kind(path) == NULL) {
        snprintf(err, errlen,
                 "--plot '%s': the file name must end in .svg or .png", path);
        return PB_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Panels and lines                                                          */
/* ------------------------------------------------------------------------ */

/* Cell c's point for the metric: value and 95% interval, in the plot's
 * unit (s, MiB, ms).  Returns 0 when c has none. */
static int point(const struct summary_cell *c, enum plot_metric m, double *v,
                 double *lo, double *hi) {
    if (c->wall.n == 0)
        return 0;
    if (m == PLOT_WALL) {
        *v = c->wall.median;
        *lo = c->wall.ci_lo;
        *hi = c->wall.ci_hi;
    } else if (m == PLOT_SPEEDUP) {
        *v = c->speedup;
        *lo = isfinite(c->speedup_lo) ? c->speedup_lo : c->speedup;
        *hi = isfinite(c->speedup_hi) ? c->speedup_hi : c->speedup;
    } else {
        enum results_column col =
            m == PLOT_PSS ? RESULTS_COL_pss_kib : RESULTS_COL_startup_s;
        double scale = m == PLOT_PSS ? 1.0 / 1024.0 : 1000.0;
        struct stats st;
        if (summary_column_stats(c, col, &st) == 0)
            return 0; /* no value: no point (not one at 0) */
        *v = st.median * scale;
        *lo = st.ci_lo * scale;
        *hi = st.ci_hi * scale;
    }
    return isfinite(*v);
}

/* Whether cell c gives a point for the metric. */
static int has_point(const struct summary_cell *c, enum plot_metric m) {
    double v, lo, hi;
    return point(c, m, &v, &lo, &hi);
}

/* Order of an executor's first appearance in s: its colour everywhere. */
static size_t executor_rank(const struct summary *s, const char *executor) {
    size_t rank = 0;
    for (size_t k = 0; k < s->count; k++) {
        if (strcmp(s->cells[k].executor, executor) == 0)
            return rank;
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(s->cells[j].executor, s->cells[k].executor) == 0;
        if (!seen)
            rank++;
    }
    return rank;
}

/* Whether the executor of cell i ran under more than one schedule for the
 * same workload (then the schedule goes into the line's title). */
static int several_schedules(const struct summary *s, size_t i) {
    const struct summary_cell *c = &s->cells[i];
    for (size_t k = 0; k < s->count; k++) {
        const struct summary_cell *o = &s->cells[k];
        if (o->schedule != c->schedule &&
            strcmp(o->workload, c->workload) == 0 &&
            strcmp(o->executor, c->executor) == 0)
            return 1;
    }
    return 0;
}

/* `text` as a gnuplot single-quoted string into buf: '' stands for ',
 * control characters become '?'; cut to fit len. */
static void gp_quote(char *buf, size_t len, const char *text) {
    size_t o = 0;
    buf[o++] = '\'';
    for (const char *p = text; *p && o + 4 < len; p++) {
        if (*p == '\'')
            buf[o++] = '\'';
        buf[o++] = (unsigned char)*p < 0x20 ? '?' : *p;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

/* gp_quote straight into f. */
static void gp_string(FILE *f, const char *text) {
    char buf[4200 * 2];
    gp_quote(buf, sizeof buf, text);
    fputs(buf, f);
}

static int cmp_unsigned(const void *a, const void *b) {
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */
/* ------------------------------------------------------------------------ */

struct plot_dir {
    char path[4096]; /* the temporary directory                        */
    char **files;    /* owned: every file made in it, for removal       */
    size_t nfiles;
};

/* Makes dir/name, remembers it for removal and opens it for writing. */
static FILE *dir_create(struct plot_dir *d, const char *name) {
    char **p = realloc(d->files, (d->nfiles + 1) * sizeof *p);
    if (p == NULL)
        return NULL;
    d->files = p;
    size_t len = strlen(d->path) + strlen(name) + 2;
    char *full = malloc(len);
    if (full == NULL)
        return NULL;
    snprintf(full, len, "%s/%s", d->path, name);
    d->files[d->nfiles++] = full;
    return fopen(full, "w");
}

static void dir_remove(struct plot_dir *d) {
    for (size_t i = 0; i < d->nfiles; i++) {
        unlink(d->files[i]);
        free(d->files[i]);
    }
    free(d->files);
    rmdir(d->path);
}

/* Writes the data file of the line whose first cell is `first`: one row
 * per cell with a point, ascending workers: workers value lo hi.  Returns
 * the number of points, or -1 on a write error. */
static long write_line_data(FILE *f, const struct summary *s, size_t first,
                            enum plot_metric m) {
    unsigned *workers = malloc(s->count * sizeof *workers);
    size_t n = 0;
    if (workers == NULL)
        return -1;
    size_t end = first;
    while (end < s->count && summary_first_of_line(s, end) == first)
        end++;
    for (size_t k = first; k < end; k++)
        if (has_point(&s->cells[k], m))
            workers[n++] = s->cells[k].workers;
    qsort(workers, n, sizeof *workers, cmp_unsigned);
    for (size_t w = 0; w < n; w++) {
        for (size_t k = first; k < end; k++) {
            const struct summary_cell *c = &s->cells[k];
            double v, lo, hi;
            if (c->workers == workers[w] && point(c, m, &v, &lo, &hi))
                fprintf(f, "%u %.9g %.9g %.9g\n", c->workers, v, lo, hi);
        }
    }
    free(workers);
    return ferror(f) ? -1 : (long)n;
}

/* Writes the xtics of a panel: every worker count the workload ran at. */
static void write_xtics(FILE *gp, const struct summary *s, size_t first,
                        enum plot_metric m, unsigned *max_workers) {
    unsigned *w = malloc(s->count * sizeof *w);
    size_t n = 0;
    *max_workers = 1;
    if (w == NULL)
        return;
    size_t end = summary_workload_end(s, first);
    for (size_t k = first; k < end; k++)
        if (has_point(&s->cells[k], m))
            w[n++] = s->cells[k].workers;
    qsort(w, n, sizeof *w, cmp_unsigned);
    fputs("set xtics (", gp);
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && w[i] == w[i - 1])
            continue;
        fprintf(gp, "%s\"%u\" %u", any ? ", " : "", w[i], w[i]);
        any = 1;
        *max_workers = w[i];
    }
    fputs(")\n", gp);
    free(w);
}

/* The fitted curves of the line whose first cell is k, if it has fits,
 * as further plot elements in the line's colour into buf.  Returns the
 * length written (0 when none or when buf is too small). */
static int fit_curves(char *buf, size_t len, const struct summary *s, size_t k,
                      size_t rank) {
    for (size_t i = 0; i < s->nfits; i++) {
        const struct summary_fit *f = &s->fits[i];
        if (f->cell != k)
            continue;
        int w = snprintf(buf, len,
                         ", \\\n     1/(%.9g + (1 - %.9g)/x) with lines "
                         "dt 2 lc %zu title 'Amdahl s=%.3f', \\\n     "
                         "x/(1 + %.9g*(x - 1) + %.9g*x*(x - 1)) with lines "
                         "dt 3 lc %zu title 'USL σ=%.3g κ=%.3g'",
                         f->amdahl.serial, f->amdahl.serial, rank,
                         f->amdahl.serial, f->usl.sigma, f->usl.kappa, rank,
                         f->usl.sigma, f->usl.kappa);
        return w > 0 && (size_t)w < len ? w : 0;
    }
    return 0;
}

/* Writes the script and the data files; returns 0, PB_EINVAL when nothing
 * can be drawn, PB_EIO or PB_ENOMEM. */
static int write_script(struct plot_dir *d, const struct summary *s,
                        const char *path, enum plot_metric m, char *script_path,
                        size_t script_len) {
    size_t panels = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (summary_first_of_workload(s, i) != i)
            continue;
        int any = 0;
        size_t end = summary_workload_end(s, i);
        for (size_t k = i; k < end && !any; k++)
            any = has_point(&s->cells[k], m);
        panels += any;
    }
    if (panels == 0)
        return PB_EINVAL;
    size_t cols = (size_t)ceil(sqrt((double)panels));
    size_t rows = (panels + cols - 1) / cols;

    FILE *gp = dir_create(d, "plot.gp");
    if (gp == NULL)
        return PB_EIO;
    snprintf(script_path, script_len, "%s", d->files[d->nfiles - 1]);
    const char *kind = plot_kind(path);
    if (strcmp(kind, "png") == 0)
        fprintf(gp,
                "set terminal pngcairo size %zu,%zu noenhanced "
                "font 'sans,11'\n",
                cols * PANEL_W, rows * PANEL_H + 40);
    else /* dynamic: the browser scales it to its window */
        fprintf(gp,
                "set terminal svg size %zu,%zu dynamic noenhanced "
                "font 'sans,13' background 'white'\n",
                cols * PANEL_W, rows * PANEL_H + 40);
    fputs("set output ", gp);
    gp_string(gp, path);
    static const char *const titles[] = {
        "'median wall time, error bars: 95% interval of the median'",
        ("'speedup against the baseline (serial, else 1 worker), error bars: "
         "95% bootstrap interval; dashed: Amdahl fit, dotted: USL fit'"),
        "'median PSS of the cell, error bars: 95% interval of the median'",
        "'median start-up time, error bars: 95% interval of the median'"};
    static const char *const ylabels[] = {"wall time (s)", "speedup",
                                          "PSS (MiB)", "start-up (ms)"};
    fprintf(gp, "\nset multiplot layout %zu,%zu title %s\n", rows, cols,
            titles[m]);
    fputs("set grid\nset xlabel 'workers'\n", gp);
    /* The key goes below each panel so that it never hides a point. */
    fprintf(gp, "set ylabel '%s'\nset key outside bottom center horizontal\n",
            ylabels[m]);
    fputs("set yrange [0:*]\n", gp);

    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->count; i++) {
        if (summary_first_of_workload(s, i) != i)
            continue;
        size_t nlines = 0;
        char plot_cmd[1 << 14];
        size_t used = 0;
        size_t end = summary_workload_end(s, i);
        for (size_t k = i; rc == 0 && k < end; k++) {
            if (summary_first_of_line(s, k) != k)
                continue;
            char name[64];
            snprintf(name, sizeof name, "w%zu-l%zu.dat", i, k);
            FILE *df = dir_create(d, name);
            if (df == NULL) {
                rc = PB_EIO;
                break;
            }
            long points = write_line_data(df, s, k, m);
            if (fclose(df) != 0 || points < 0) {
                rc = PB_EIO;
                break;
            }
            if (points == 0)
                continue;
            const struct summary_cell *c = &s->cells[k];
            size_t rank = executor_rank(s, c->executor) + 1;
            int dashed =
                several_schedules(s, k) && c->schedule == PB_SCHEDULE_STATIC;
            char title[160];
            if (several_schedules(s, k))
                snprintf(title, sizeof title, "%s (%s)", c->executor,
                         schedule_name(c->schedule));
            else
                snprintf(title, sizeof title, "%s", c->executor);
            char quoted[400], data[4200 * 2];
            gp_quote(quoted, sizeof quoted, title);
            gp_quote(data, sizeof data, d->files[d->nfiles - 1]);
            int w = snprintf(plot_cmd + used, sizeof plot_cmd - used,
                             "%s%s using 1:2:3:4 with yerrorlines lw 2 lc %zu "
                             "pt %zu dt %d title %s",
                             nlines ? ", \\\n     " : "", data, rank, rank,
                             dashed ? 2 : 1, quoted);
            if (w > 0 && (size_t)w < sizeof plot_cmd - used &&
                m == PLOT_SPEEDUP)
                w += fit_curves(plot_cmd + used + w,
                                sizeof plot_cmd - used - (size_t)w, s, k, rank);
            if (w < 0 || (size_t)w >= sizeof plot_cmd - used) {
                rc = PB_ENOMEM;
                break;
            }
            used += (size_t)w;
            nlines++;
        }
        if (rc != 0 || nlines == 0)
            continue;
        unsigned max_workers;
        write_xtics(gp, s, i, m, &max_workers);
        fprintf(gp, "set xrange [0.5:%u.5]\n", max_workers);
        fputs("set title ", gp);
        gp_string(gp, s->cells[i].workload);
        fprintf(gp, "\nplot %s", plot_cmd);
        if (m == PLOT_SPEEDUP)
            fputs(", \\\n     x with lines dt 3 lc 'gray40' title 'ideal'", gp);
        fputc('\n', gp);
    }
    fputs("unset multiplot\n", gp);
    if (fclose(gp) != 0 && rc == 0)
        rc = PB_EIO;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Running gnuplot                                                           */
/* ------------------------------------------------------------------------ */

/* The first non-empty line of file `path` into buf (or "" ). */
static void first_line(const char *path, char *buf, size_t len) {
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    while (fgets(buf, (int)len, f) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        if (strspn(buf, " \t^") != strlen(buf))
            break;
        buf[0] = '\0';
    }
    fclose(f);
}

/* Runs `gnuplot script` with stdout and stderr into log; returns 0,
 * PB_ENOENT when gnuplot is not on PATH, PB_EIO when it fails. */
static int run_gnuplot(const char *script, const char *log, char *err,
                       size_t errlen) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(err, errlen, "cannot start gnuplot: out of memory");
        return PB_ENOMEM;
    }
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                     0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
    pid_t pid;
    int e = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e == ENOENT) {
        snprintf(err, errlen, "gnuplot not found; install gnuplot-nox");
        return PB_ENOENT;
    }
    if (e != 0) {
        snprintf(err, errlen, "cannot start gnuplot: %s", strerror(e));
        return PB_EIO;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for gnuplot: %s", strerror(errno));
            return PB_EIO;
        }
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char msg[512];
        first_line(log, msg, sizeof msg);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
            snprintf(err, errlen, "gnuplot not found; install gnuplot-nox");
        else
            snprintf(err, errlen, "gnuplot failed (%s %d)%s%s",
                     WIFEXITED(st) ? "exit status" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                     msg[0] ? ": " : "", msg);
        return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? PB_ENOENT : PB_EIO;
    }
    return 0;
}

int plot_write(const struct summary *s, const char *path,
               enum plot_metric metric, char *err, size_t errlen) {
    if (plot_check_path(path, err, errlen) < 0)
        return PB_EINVAL;
    struct plot_dir d;
    memset(&d, 0, sizeof d);
    const char *tmp = getenv("TMPDIR");
    snprintf(d.path, sizeof d.path, "%s/parbench-plot.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(d.path) == NULL) {
        snprintf(err, errlen, "cannot make a temporary directory %s: %s",
                 d.path, strerror(errno));
        return PB_EIO;
    }

    char script[4200], log[4200];
    int rc = write_script(&d, s, path, metric, script, sizeof script);
    if (rc == PB_EINVAL)
        snprintf(err, errlen, "nothing to plot: no cell has an ok row%s",
                 metric == PLOT_SPEEDUP ? " and a baseline for its speedup"
                 : metric == PLOT_PSS
                     ? " with a pss_kib value (a run with [run] memory = off "
                       "leaves it empty)"
                     : "");
    else if (rc != 0)
        snprintf(err, errlen, "cannot write the gnuplot script in %s: %s",
                 d.path, strerror(errno));
    if (rc == 0) {
        snprintf(log, sizeof log, "%s/gnuplot.log", d.path);
        /* Remembered for removal; the file itself is made by the spawn. */
        FILE *lf = dir_create(&d, "gnuplot.log");
        if (lf != NULL)
            fclose(lf);
        /* A stale file from an earlier plot must not pass for output. */
        if (unlink(path) < 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot replace %s: %s", path,
                     strerror(errno));
            rc = PB_EIO;
        }
    }
    if (rc == 0)
        rc = run_gnuplot(script, log, err, errlen);
    if (rc == 0) {
        struct stat st;
        if (stat(path, &st) < 0 || st.st_size == 0) {
            snprintf(err, errlen,
                     "gnuplot wrote no %s (is its directory "
                     "writable?)",
                     path);
            rc = PB_EIO;
        }
    }
    dir_remove(&d);
    return rc;
}
