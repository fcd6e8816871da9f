/* SPDX-License-Identifier: MIT */
/*
 * report.c - the summary of a results file in every format (see
 * report.h).
 */
#include "results/report.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "results/csv.h"
#include "results/human.h"
#include "util/errors.h"
#include "util/json.h"

/* ------------------------------------------------------------------------ */
/* Options and warnings                                                      */
/* ------------------------------------------------------------------------ */

int report_format_parse(const char *text, enum report_format *out) {
    static const char *const names[] = {"table", "markdown", "json"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (text != NULL && strcmp(text, names[i]) == 0) {
            *out = (enum report_format)i;
            return 0;
        }
    }
    return PB_EINVAL;
}

void report_options_init(struct report_options *o, enum report_format fmt) {
    memset(o, 0, sizeof *o);
    o->format = fmt;
    o->verdict.alpha = VERDICT_ALPHA;
    o->verdict.threshold = VERDICT_THRESHOLD;
}

size_t report_cell_warnings(const struct summary_cell *c,
                            char out[][REPORT_WARN_LEN], size_t max) {
    size_t n = 0;
    /* Decided on the value as shown (0.1% steps), so that "5.0%" is never
     * called above 5% because of a rounding error. */
    if (n < max && c->wall.n >= 2 &&
        floor(c->wall.cv * 1000.0 + 0.5) > REPORT_CV_WARN * 1000.0)
        snprintf(out[n++], REPORT_WARN_LEN,
                 "coefficient of variation %.1f%% is above %.0f%%",
                 c->wall.cv * 100.0, REPORT_CV_WARN * 100.0);
    if (n < max && c->wall.outliers > 0) {
        char why[120] = "";
        if (c->outliers_disturbed == c->wall.outliers)
            snprintf(why, sizeof why, ", %s during %.0f%% foreign CPU",
                     c->wall.outliers == 1 ? "it ran" : "all ran",
                     c->outliers_foreign * 100.0);
        else if (c->outliers_disturbed > 0)
            snprintf(why, sizeof why,
                     ", %zu of them during %.0f%% foreign "
                     "CPU",
                     c->outliers_disturbed, c->outliers_foreign * 100.0);
        snprintf(out[n++], REPORT_WARN_LEN,
                 "%zu of %zu ok repetitions %s (beyond 3 scaled MADs of the "
                 "median)%s",
                 c->wall.outliers, c->wall.n,
                 c->wall.outliers == 1 ? "is an outlier" : "are outliers", why);
    }
    if (n < max && c->disturbed > 0)
        snprintf(out[n++], REPORT_WARN_LEN,
                 "%zu of %zu ok repetitions ran while other processes used "
                 "up to %.0f%% of a CPU",
                 c->disturbed, c->wall.n, c->foreign_max * 100.0);
    return n;
}

/* Numbers in every format use '.' whatever the caller's locale. */
struct c_numeric {
    locale_t c_loc, old;
};

static void c_numeric_begin(struct c_numeric *cn) {
    cn->c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    cn->old = cn->c_loc != (locale_t)0 ? uselocale(cn->c_loc) : (locale_t)0;
}

static void c_numeric_end(struct c_numeric *cn) {
    if (cn->c_loc != (locale_t)0) {
        uselocale(cn->old);
        freelocale(cn->c_loc);
    }
}

static int stream_status(FILE *f) {
    return ferror(f) || fflush(f) != 0 ? PB_EIO : 0;
}

/* ------------------------------------------------------------------------ */
/* Columns of the table and Markdown formats                                 */
/* ------------------------------------------------------------------------ */

#define CELL_LEN 64

/* "%.<decimals>f", or `undef` when v is NAN or infinite. */
static void fmt_fixed(char *buf, double v, int decimals, const char *undef) {
    if (isfinite(v))
        snprintf(buf, CELL_LEN, "%.*f", decimals, v);
    else
        snprintf(buf, CELL_LEN, "%s", undef);
}

/* Median instructions per cycle of c's ok rows that have both counters;
 * NAN without any (the machine gave no hardware counters). */
static double cell_ipc(const struct summary_cell *c) {
    double *x = malloc((c->nsamples ? c->nsamples : 1) * sizeof *x);
    if (x == NULL)
        return NAN;
    size_t n = 0;
    for (size_t i = 0; i < c->nsamples; i++) {
        const struct summary_sample *sm = &c->samples[i];
        double ipc = results_ipc(sm->v[RESULTS_COL_instructions],
                                 sm->v[RESULTS_COL_cycles]);
        if (sm->status == ROW_OK && isfinite(ipc))
            x[n++] = ipc;
    }
    double median = stats_median(x, n);
    free(x);
    return median;
}

/* Times of the wall statistics, "-" without ok rows. */
static void fmt_wall(char *buf, const struct summary_cell *c, double v) {
    if (c->wall.n == 0)
        snprintf(buf, CELL_LEN, "-");
    else
        human_seconds(buf, v);
}

/* The notes of the default table: what needs a second look. */
static void cell_notes(const struct summary_cell *c, char *buf) {
    size_t used = 0;
    buf[0] = '\0';
    char w[1][REPORT_WARN_LEN];
    const char *sep = "";
    if (c->rows_ok == 0) {
        snprintf(buf, CELL_LEN, "no ok rows");
        return;
    }
    if (c->rows_ok < c->rows) {
        used += (size_t)snprintf(buf + used, CELL_LEN - used, "%zu/%zu ok",
                                 c->rows_ok, c->rows);
        sep = ", ";
    }
    struct summary_cell quiet = *c;
    quiet.wall.outliers = 0; /* the CV warning alone */
    quiet.disturbed = 0;
    if (report_cell_warnings(&quiet, w, 1) > 0) {
        used += (size_t)snprintf(buf + used, CELL_LEN - used, "%snoisy", sep);
        sep = ", ";
    }
    if (c->wall.outliers > 0)
        snprintf(buf + used, CELL_LEN - used, "%s%zu outlier%s", sep,
                 c->wall.outliers, c->wall.outliers == 1 ? "" : "s");
}

static void col_workload(const struct summary_cell *c, char *b) {
    human_escape(b, CELL_LEN, c->workload);
}
static void col_executor(const struct summary_cell *c, char *b) {
    human_escape(b, CELL_LEN, c->executor);
}
static void col_workers(const struct summary_cell *c, char *b) {
    snprintf(b, CELL_LEN, "%u", c->workers);
}
static void col_schedule(const struct summary_cell *c, char *b) {
    snprintf(b, CELL_LEN, "%s", schedule_name(c->schedule));
}
static void col_ok(const struct summary_cell *c, char *b) {
    snprintf(b, CELL_LEN, "%zu/%zu", c->rows_ok, c->rows);
}
static void col_median(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->wall.median);
}
/* The interval as ± percent of the median: its larger side. */
static void col_ci(const struct summary_cell *c, char *b) {
    if (c->wall.n == 0 || !(c->wall.median > 0.0)) {
        snprintf(b, CELL_LEN, "-");
        return;
    }
    double half =
        fmax(c->wall.ci_hi - c->wall.median, c->wall.median - c->wall.ci_lo);
    snprintf(b, CELL_LEN, "±%.1f%%", half / c->wall.median * 100.0);
}
static void col_ci_range(const struct summary_cell *c, char *b) {
    char lo[HUMAN_LEN], hi[HUMAN_LEN];
    if (c->wall.n == 0) {
        snprintf(b, CELL_LEN, "-");
        return;
    }
    human_seconds(lo, c->wall.ci_lo);
    human_seconds(hi, c->wall.ci_hi);
    snprintf(b, CELL_LEN, "%s–%s", lo, hi);
}
static void col_mean(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->wall.mean);
}
static void col_sd(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->wall.n >= 2 ? c->wall.stddev : NAN);
}
static void col_min(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->wall.min);
}
static void col_max(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->wall.max);
}
static void col_cv(const struct summary_cell *c, char *b) {
    fmt_fixed(b, c->wall.n >= 2 ? c->wall.cv * 100.0 : NAN, 1, "-");
    if (c->wall.n >= 2)
        strcat(b, "%");
}
static void col_outliers(const struct summary_cell *c, char *b) {
    if (c->wall.n > 0)
        snprintf(b, CELL_LEN, "%zu", c->wall.outliers);
    else
        snprintf(b, CELL_LEN, "-");
}
static void col_speedup(const struct summary_cell *c, char *b) {
    fmt_fixed(b, c->speedup, 2, "-");
}
static void col_speedup_ci(const struct summary_cell *c, char *b) {
    if (isfinite(c->speedup_lo))
        snprintf(b, CELL_LEN, "%.2f–%.2f", c->speedup_lo, c->speedup_hi);
    else
        snprintf(b, CELL_LEN, "-");
}
static void col_efficiency(const struct summary_cell *c, char *b) {
    fmt_fixed(b, c->efficiency, 2, "-");
}
static void col_karp_flatt(const struct summary_cell *c, char *b) {
    fmt_fixed(b, c->karp_flatt, 3, "-");
}
static void col_startup(const struct summary_cell *c, char *b) {
    fmt_wall(b, c, c->startup_median);
}
static void col_startup_share(const struct summary_cell *c, char *b) {
    fmt_fixed(b, c->startup_share * 100.0, 1, "-");
    if (isfinite(c->startup_share))
        strcat(b, "%");
}
static void col_pss(const struct summary_cell *c, char *b) {
    human_kib(b, summary_median(c, RESULTS_COL_pss_kib));
}
static void col_rss(const struct summary_cell *c, char *b) {
    human_kib(b, summary_median(c, RESULTS_COL_peak_rss_kib));
}
static void col_baseline(const struct summary_cell *c, char *b) {
    snprintf(b, CELL_LEN, "%s", c->baseline ? c->baseline : "-");
}
static void col_notes(const struct summary_cell *c, char *b) {
    cell_notes(c, b);
}

struct column_def {
    const char *name;   /* in --columns                                  */
    const char *header; /* in the table                                  */
    int right;          /* right-aligned                                 */
    void (*format)(const struct summary_cell *c, char *buf);
};

static const struct column_def column_defs[] = {
    {"workload", "workload", 0, col_workload},
    {"executor", "executor", 0, col_executor},
    {"workers", "workers", 1, col_workers},
    {"schedule", "schedule", 0, col_schedule},
    {"ok", "ok", 1, col_ok},
    {"median", "median", 1, col_median},
    {"ci", "±CI95", 1, col_ci},
    {"ci_range", "95% CI", 0, col_ci_range},
    {"mean", "mean", 1, col_mean},
    {"sd", "sd", 1, col_sd},
    {"min", "min", 1, col_min},
    {"max", "max", 1, col_max},
    {"cv", "CV", 1, col_cv},
    {"outliers", "outliers", 1, col_outliers},
    {"speedup", "speedup", 1, col_speedup},
    {"speedup_ci", "speedup CI", 0, col_speedup_ci},
    {"efficiency", "eff.", 1, col_efficiency},
    {"karp_flatt", "Karp-Flatt", 1, col_karp_flatt},
    {"startup", "start-up", 1, col_startup},
    {"startup_share", "start-up%", 1, col_startup_share},
    {"pss", "PSS", 1, col_pss},
    {"rss", "peak RSS", 1, col_rss},
    {"baseline", "baseline", 0, col_baseline},
    {"notes", "notes", 0, col_notes},
};
enum { COLUMN_DEFS = sizeof column_defs / sizeof column_defs[0] };

static const char default_columns[] =
    "executor,workers,schedule,ok,median,ci,speedup,efficiency,cv,notes";

static int column_index(const char *name, size_t len) {
    for (size_t i = 0; i < COLUMN_DEFS; i++)
        if (strlen(column_defs[i].name) == len &&
            strncmp(column_defs[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* The columns of spec (NULL: the default set) into idx (room for
 * COLUMN_DEFS); returns how many, or -1 naming the first unknown one in
 * err.  "all" is every column; a repeated name counts once. */
static int parse_columns(const char *spec, size_t *idx, char *err,
                         size_t errlen) {
    if (spec == NULL)
        spec = default_columns;
    size_t n = 0;
    if (strcmp(spec, "all") == 0) {
        for (size_t i = 0; i < COLUMN_DEFS; i++)
            idx[n++] = i;
        return (int)n;
    }
    for (const char *p = spec;;) {
        size_t len = strcspn(p, ",");
        int k = column_index(p, len);
        if (k < 0) {
            size_t used = (size_t)snprintf(
                err, errlen, "--columns: unknown column '%.*s'; known: all",
                (int)len, p);
            for (size_t i = 0; i < COLUMN_DEFS && used < errlen; i++)
                used += (size_t)snprintf(err + used, errlen - used, ", %s",
                                         column_defs[i].name);
            return -1;
        }
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= idx[i] == (size_t)k;
        if (!dup)
            idx[n++] = (size_t)k;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return (int)n;
}

int report_columns_check(const char *spec, char *err, size_t errlen) {
    size_t idx[COLUMN_DEFS];
    return parse_columns(spec, idx, err, errlen) < 0 ? PB_EINVAL : 0;
}

/* ------------------------------------------------------------------------ */
/* Table                                                                     */
/* ------------------------------------------------------------------------ */

/* One workload's cells (indices cells[0..n-1]) in the columns idx; the
 * executor column gives way when `fit_width` and a line would be wider
 * than REPORT_WIDTH. */
static void print_workload_table(FILE *f, const struct summary *s,
                                 const size_t *cells, size_t n,
                                 const size_t *idx, size_t ncol,
                                 int fit_width) {
    char(*text)[CELL_LEN] = malloc((n ? n : 1) * ncol * sizeof *text);
    const char **ptr = malloc((n ? n : 1) * ncol * sizeof *ptr);
    const char *header[COLUMN_DEFS];
    int right[COLUMN_DEFS], shrink = -1;
    if (text == NULL || ptr == NULL) {
        free(text);
        free(ptr);
        fprintf(f, "  (out of memory formatting %zu cells)\n", n);
        return;
    }
    for (size_t j = 0; j < ncol; j++) {
        const struct column_def *d = &column_defs[idx[j]];
        header[j] = d->header;
        right[j] = d->right;
        if (d->format == col_executor)
            shrink = (int)j;
        for (size_t i = 0; i < n; i++) {
            d->format(&s->cells[cells[i]], text[i * ncol + j]);
            ptr[i * ncol + j] = text[i * ncol + j];
        }
    }
    human_grid(f, "  ", header, right, ncol, ptr, n, shrink,
               fit_width ? REPORT_WIDTH : 0);
    free(text);
    free(ptr);
}

/* The kinds of problem the grouped warnings name, in print order. */
enum warn_kind { W_CV, W_OUTLIERS, W_DISTURBED, W_KINDS };

/* 1 when cell c has a problem of kind k (report_cell_warnings). */
static int has_kind(const struct summary_cell *c, enum warn_kind k) {
    switch (k) {
    case W_CV:
        return c->wall.n >= 2 &&
               floor(c->wall.cv * 1000.0 + 0.5) > REPORT_CV_WARN * 1000.0;
    case W_OUTLIERS:
        return c->wall.outliers > 0;
    default:
        return c->disturbed > 0;
    }
}

static size_t count_warnings(const struct summary *s) {
    size_t total = 0;
    for (size_t i = 0; i < s->count; i++)
        for (int k = 0; k < W_KINDS; k++)
            total += (size_t)has_kind(&s->cells[i], (enum warn_kind)k);
    return total;
}

/* Cells named in one grouped line; the rest are counted. */
#define WARN_NAMED 4

/* Appends to buf (len bytes, `*used` of them taken) what fmt says. */
static void add_text(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_text(char *buf, size_t len, size_t *used, const char *fmt,
                     ...) {
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n < len - *used ? (size_t)n : len - *used - 1;
}

/* The grouped warning of kind k into buf: how many cells, the first ones
 * with their figure, and a hint that works for that kind
 * (docs/reporting.md "Warnings").  0 when no cell has the problem.  The
 * per-cell sentences stay in the JSON format. */
static int warning_text(const struct summary *s, enum warn_kind k, char *buf,
                        size_t len) {
    static const char *const what[W_KINDS] = {
        "coefficient of variation above 5%",
        "outliers (beyond 3 scaled MADs of the median)",
        "repetitions while other processes used at least 10% of a CPU"};
    static const char *const hint[W_KINDS] = {
        "repetitions = auto (or more repetitions), longer tasks, or a "
        "quieter machine narrow them",
        "outliers that ran beside foreign CPU are the machine's, not the "
        "executor's; repetitions = auto runs more rounds",
        "other_cpu_s says how much per row; a quieter machine, or order = "
        "interleaved, spreads the disturbance over every cell"};
    size_t count = 0, all_disturbed = 0, used = 0;
    for (size_t i = 0; i < s->count; i++)
        if (has_kind(&s->cells[i], k)) {
            count++;
            all_disturbed +=
                k == W_OUTLIERS &&
                s->cells[i].outliers_disturbed == s->cells[i].wall.outliers;
        }
    if (count == 0)
        return 0;
    buf[0] = '\0';
    add_text(buf, len, &used, "%s in %zu cell%s: ", what[k], count,
             count == 1 ? "" : "s");
    size_t named = 0;
    for (size_t i = 0; i < s->count && named < WARN_NAMED; i++) {
        const struct summary_cell *c = &s->cells[i];
        if (!has_kind(c, k))
            continue;
        char name[256];
        summary_cell_name(c, name, sizeof name);
        add_text(buf, len, &used, "%s%s", named ? ", " : "", name);
        if (k == W_CV)
            add_text(buf, len, &used, " %.1f%%", c->wall.cv * 100.0);
        else if (k == W_OUTLIERS)
            add_text(buf, len, &used, " %zu of %zu%s", c->wall.outliers,
                     c->wall.n,
                     c->outliers_disturbed == c->wall.outliers
                         ? " (during foreign CPU)"
                         : "");
        else
            add_text(buf, len, &used, " %zu of %zu, up to %.0f%%", c->disturbed,
                     c->wall.n, c->foreign_max * 100.0);
        named++;
    }
    if (count > named)
        add_text(buf, len, &used, " and %zu more", count - named);
    if (k == W_OUTLIERS && all_disturbed > 0)
        add_text(buf, len, &used,
                 "; %zu of these cells had every outlier during foreign CPU",
                 all_disturbed);
    add_text(buf, len, &used, ". Hint: %s.", hint[k]);
    return 1;
}

/* The text of a fit: "1 to 4 workers, 3 points: Amdahl serial fraction
 * 0.057 (R² 0.990); USL σ 0.031, κ 0.0042, peak at 15 workers (R² 1.000);
 * Karp-Flatt 0.025 at 2, 0.083 at 4". */
static void fit_text(const struct summary *s, const struct summary_fit *fit,
                     char *buf, size_t len) {
    unsigned lo = 0, hi = 0;
    size_t kf_used = 0;
    char kf[512] = "";
    for (size_t k = fit->cell;
         k < s->count && summary_first_of_line(s, k) == fit->cell; k++) {
        const struct summary_cell *c = &s->cells[k];
        if (!isfinite(c->speedup))
            continue;
        lo = lo == 0 || c->workers < lo ? c->workers : lo;
        hi = c->workers > hi ? c->workers : hi;
        if (isfinite(c->karp_flatt) && kf_used < sizeof kf)
            kf_used += (size_t)snprintf(kf + kf_used, sizeof kf - kf_used,
                                        "%s%.3f at %u", kf_used ? ", " : "",
                                        c->karp_flatt, c->workers);
    }
    /* fmt_fixed writes up to CELL_LEN bytes. */
    char r2a[CELL_LEN], r2u[CELL_LEN], peak[64];
    fmt_fixed(r2a, fit->amdahl.r2, 3, "-");
    fmt_fixed(r2u, fit->usl.r2, 3, "-");
    if (isinf(fit->usl.peak))
        snprintf(peak, sizeof peak, "no peak (κ = 0)");
    else
        snprintf(peak, sizeof peak, "peak at %.3g workers", fit->usl.peak);
    snprintf(buf, len,
             "%u to %u workers, %zu points: Amdahl serial fraction %.3f "
             "(R² %s); USL σ %.3g, κ %.3g, %s (R² %s)%s%s",
             lo, hi, fit->points, fit->amdahl.serial, r2a, fit->usl.sigma,
             fit->usl.kappa, peak, r2u, kf[0] ? "; Karp-Flatt " : "", kf);
}

/* The fit's line named: "prime  pthread (dynamic)". */
static void fit_name(const struct summary *s, const struct summary_fit *fit,
                     char *buf, size_t len) {
    const struct summary_cell *c = &s->cells[fit->cell];
    char w[HUMAN_NAME_LEN], e[HUMAN_NAME_LEN];
    snprintf(buf, len, "%s x %s (%s)", human_escape(w, sizeof w, c->workload),
             human_escape(e, sizeof e, c->executor),
             schedule_name(c->schedule));
}

static const char fits_intro[] =
    "Scaling models, fitted to the speedups of each executor with 3 or more "
    "worker counts (docs/reporting.md):";

int report_print_table(FILE *f, const struct summary *s,
                       const struct report_options *o) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    size_t idx[COLUMN_DEFS], ncol = 0;
    char err[512];
    int k = parse_columns(o->columns, idx, err, sizeof err);
    /* The workload is each block's heading. */
    for (int j = 0; j < k; j++)
        if (column_defs[idx[j]].format != col_workload)
            idx[ncol++] = idx[j];
    size_t *cells = malloc((s->count ? s->count : 1) * sizeof *cells);
    for (size_t i = 0; cells != NULL && i < s->count; i++) {
        if (summary_first_of_workload(s, i) != i)
            continue;
        size_t n = 0, end = summary_workload_end(s, i);
        for (size_t j = i; j < end; j++)
            cells[n++] = j;
        char head[2300];
        summary_workload_heading(&s->cells[i], head, sizeof head);
        if (i > 0)
            fputc('\n', f);
        human_wrap(f, head, REPORT_WIDTH, "", "    ");
        print_workload_table(f, s, cells, n, idx, ncol, o->columns == NULL);
    }
    if (cells == NULL && s->count > 0)
        fprintf(f, "(out of memory formatting %zu cells)\n", s->count);
    free(cells);

    if (count_warnings(s) > 0) {
        fputc('\n', f);
        for (int w = 0; w < W_KINDS; w++) {
            char text[2048];
            if (warning_text(s, (enum warn_kind)w, text, sizeof text))
                human_wrap(f, text, REPORT_WIDTH, "warning: ", "    ");
        }
    }
    if (s->nfits > 0) {
        fputc('\n', f);
        human_wrap(f, fits_intro, REPORT_WIDTH, "", "");
        for (size_t i = 0; i < s->nfits; i++) {
            char name[256], text[1024], line[1300];
            fit_name(s, &s->fits[i], name, sizeof name);
            fit_text(s, &s->fits[i], text, sizeof text);
            snprintf(line, sizeof line, "%s: %s", name, text);
            human_wrap(f, line, REPORT_WIDTH, "  ", "    ");
        }
    }
    struct verdict v;
    if (verdict_build(s, &o->verdict, &v) == 0) {
        verdict_print_table(f, s, &v, REPORT_WIDTH);
        verdict_free(&v);
    } else {
        fputs("\n(out of memory computing the verdicts)\n", f);
    }
    c_numeric_end(&cn);
    return stream_status(f);
}

/* ------------------------------------------------------------------------ */
/* Markdown                                                                  */
/* ------------------------------------------------------------------------ */

/* A Markdown table cell: '|' and '\' escaped so they stay text. */
static void md_cell(FILE *f, const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p == '|' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
}

int report_print_markdown(FILE *f, const struct summary *s,
                          const struct report_options *o) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    size_t idx[COLUMN_DEFS + 1], ncol = 1;
    char err[512];
    int k = parse_columns(o->columns, idx + 1, err, sizeof err);
    idx[0] = 0; /* the workload first */
    for (int j = 0; j < k; j++)
        if (column_defs[idx[j + 1]].format != col_workload)
            idx[ncol++] = idx[j + 1];
    fputc('|', f);
    for (size_t j = 0; j < ncol; j++) {
        fputc(' ', f);
        md_cell(f, column_defs[idx[j]].header);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t j = 0; j < ncol; j++)
        fputs(column_defs[idx[j]].right ? "---:|" : ":---|", f);
    fputc('\n', f);
    for (size_t i = 0; i < s->count; i++) {
        fputc('|', f);
        for (size_t j = 0; j < ncol; j++) {
            char text[CELL_LEN];
            column_defs[idx[j]].format(&s->cells[i], text);
            fputc(' ', f);
            md_cell(f, text);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    if (count_warnings(s) > 0) {
        fputs("\nWarnings:\n\n", f);
        for (int w = 0; w < W_KINDS; w++) {
            char text[2048];
            if (warning_text(s, (enum warn_kind)w, text, sizeof text))
                fprintf(f, "- %s\n", text);
        }
    }
    if (s->nfits > 0) {
        fprintf(f, "\n## Scaling models\n\n%s\n\n", fits_intro);
        for (size_t i = 0; i < s->nfits; i++) {
            char name[256], text[1024];
            fit_name(s, &s->fits[i], name, sizeof name);
            fit_text(s, &s->fits[i], text, sizeof text);
            fprintf(f, "- %s: %s\n", name, text);
        }
    }
    struct verdict v;
    if (verdict_build(s, &o->verdict, &v) == 0) {
        verdict_print_markdown(f, s, &v);
        verdict_free(&v);
    }
    c_numeric_end(&cn);
    return stream_status(f);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */
/* ------------------------------------------------------------------------ */

/* `"key": number-or-null` with the separator before it. */
static void json_field_num(FILE *f, const char *indent, const char *key,
                           double v, int defined) {
    fprintf(f, ",\n%s\"%s\": ", indent, key);
    json_write_number(f, defined ? v : NAN);
}

/* Every row of the cell: repetition, run, status, error-free values. */
static void json_samples(FILE *f, const struct summary_cell *c) {
    fputs(",\n      \"samples\": [", f);
    for (size_t i = 0; i < c->nsamples; i++) {
        const struct summary_sample *sm = &c->samples[i];
        fprintf(f,
                "%s\n        {\"repetition\": %u, \"run_id\": ", i ? "," : "",
                sm->repetition);
        json_write_string(f, sm->run_id);
        fprintf(f, ", \"status\": \"%s\"", row_status_name(sm->status));
        for (size_t k = 0; k < RESULTS_COLUMNS; k++) {
            if (!results_column_is_measure((enum results_column)k))
                continue;
            fprintf(f, ", \"%s\": ", results_header[k]);
            json_write_number(f, sm->v[k]);
        }
        fputc('}', f);
    }
    fputs(c->nsamples ? "\n      ]" : "]", f);
}

static void json_cell(FILE *f, const struct summary_cell *c) {
    const char *in = "      ";
    int have = c->wall.n > 0;
    fputs("    {\n      \"workload\": ", f);
    json_write_string(f, c->workload);
    fprintf(f, ",\n%s\"workload_params\": ", in);
    json_write_string(f, c->workload_params);
    fprintf(f, ",\n%s\"executor\": ", in);
    json_write_string(f, c->executor);
    fprintf(f, ",\n%s\"workers\": %u", in, c->workers);
    fprintf(f, ",\n%s\"schedule\": \"%s\"", in, schedule_name(c->schedule));
    fprintf(f, ",\n%s\"rows\": %zu", in, c->rows);
    fprintf(f, ",\n%s\"rows_ok\": %zu", in, c->rows_ok);
    json_field_num(f, in, "median_s", c->wall.median, have);
    json_field_num(f, in, "ci95_lo_s", c->wall.ci_lo, have);
    json_field_num(f, in, "ci95_hi_s", c->wall.ci_hi, have);
    json_field_num(f, in, "mean_s", c->wall.mean, have);
    json_field_num(f, in, "sd_s", c->wall.stddev, c->wall.n >= 2);
    json_field_num(f, in, "min_s", c->wall.min, have);
    json_field_num(f, in, "max_s", c->wall.max, have);
    json_field_num(f, in, "cv", c->wall.cv, c->wall.n >= 2);
    json_field_num(f, in, "outliers", (double)c->wall.outliers, have);
    json_field_num(f, in, "speedup", c->speedup, 1);
    json_field_num(f, in, "speedup_ci95_lo", c->speedup_lo, 1);
    json_field_num(f, in, "speedup_ci95_hi", c->speedup_hi, 1);
    json_field_num(f, in, "efficiency", c->efficiency, 1);
    json_field_num(f, in, "karp_flatt", c->karp_flatt, 1);
    json_field_num(f, in, "startup_median_s", c->startup_median, 1);
    json_field_num(f, in, "startup_share", c->startup_share, 1);
    json_field_num(f, in, "pss_median_kib",
                   summary_median(c, RESULTS_COL_pss_kib), have);
    json_field_num(f, in, "ipc_median", cell_ipc(c), 1);
    fprintf(f, ",\n%s\"baseline\": ", in);
    json_write_string(f, c->baseline);
    fprintf(f, ",\n%s\"warnings\": [", in);
    char w[3][REPORT_WARN_LEN];
    size_t nw = report_cell_warnings(c, w, 3);
    for (size_t k = 0; k < nw; k++) {
        fputs(k ? ", " : "", f);
        json_write_string(f, w[k]);
    }
    fputc(']', f);
    json_samples(f, c);
    fputs("\n    }", f);
}

static void json_fit(FILE *f, const struct summary *s,
                     const struct summary_fit *fit) {
    const struct summary_cell *c = &s->cells[fit->cell];
    fputs("    {", f);
    summary_json_names(f, c);
    fprintf(f, ", \"schedule\": \"%s\",\n     \"workers\": [",
            schedule_name(c->schedule));
    int any = 0;
    for (size_t k = fit->cell;
         k < s->count && summary_first_of_line(s, k) == fit->cell; k++)
        if (isfinite(s->cells[k].speedup)) {
            fprintf(f, "%s%u", any ? ", " : "", s->cells[k].workers);
            any = 1;
        }
    json_write_member(
        f, "],\n     \"amdahl\": {\"serial_fraction\": ", fit->amdahl.serial);
    json_write_member(f, ", \"r2\": ", fit->amdahl.r2);
    json_write_member(f, "},\n     \"usl\": {\"sigma\": ", fit->usl.sigma);
    json_write_member(f, ", \"kappa\": ", fit->usl.kappa);
    json_write_member(f, ", \"peak_workers\": ", fit->usl.peak);
    json_write_member(f, ", \"r2\": ", fit->usl.r2);
    fputs("}}", f);
}

int report_print_json(FILE *f, const struct summary *s,
                      const struct report_options *o) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    fprintf(f,
            "{\n  \"format\": \"parbench-summary\",\n  \"format_version\": "
            "%d,\n  \"alpha\": ",
            REPORT_JSON_VERSION);
    json_write_number(f, o->verdict.alpha);
    json_write_member(f, ",\n  \"threshold\": ", o->verdict.threshold);
    fputs(",\n  \"versus\": ", f);
    json_write_string(f, o->verdict.versus);
    fputs(",\n  \"cells\": [", f);
    for (size_t i = 0; i < s->count; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_cell(f, &s->cells[i]);
    }
    fputs(s->count ? "\n  ],\n  \"fits\": [" : "],\n  \"fits\": [", f);
    for (size_t i = 0; i < s->nfits; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_fit(f, s, &s->fits[i]);
    }
    fputs(s->nfits ? "\n  ],\n  \"verdicts\": " : "],\n  \"verdicts\": ", f);
    struct verdict v;
    if (verdict_build(s, &o->verdict, &v) == 0) {
        verdict_print_json(f, s, &v, "  ");
        verdict_free(&v);
    } else {
        fputs("null", f);
    }
    fputs("\n}\n", f);
    c_numeric_end(&cn);
    return stream_status(f);
}

int report_print(FILE *f, const struct summary *s,
                 const struct report_options *o) {
    switch (o->format) {
    case REPORT_MARKDOWN:
        return report_print_markdown(f, s, o);
    case REPORT_JSON:
        return report_print_json(f, s, o);
    case REPORT_TABLE:
    default:
        return report_print_table(f, s, o);
    }
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */
/* ------------------------------------------------------------------------ */

enum { SUMMARY_COLUMNS = 23 };

/* ok/rows of the table is split into two columns so a spreadsheet does not
 * read "5/5" as a date.  New columns go at the end. */
static const char *const summary_header[SUMMARY_COLUMNS] = {"workload",
                                                            "executor",
                                                            "workers",
                                                            "schedule",
                                                            "ok",
                                                            "rows",
                                                            "median_s",
                                                            "mean_s",
                                                            "sd_s",
                                                            "min_s",
                                                            "max_s",
                                                            "speedup",
                                                            "efficiency",
                                                            "karp_flatt",
                                                            "ci_lo_s",
                                                            "ci_hi_s",
                                                            "cv",
                                                            "outliers",
                                                            "startup_median_s",
                                                            "startup_share",
                                                            "baseline",
                                                            "speedup_ci_lo",
                                                            "speedup_ci_hi"};

/* Undefined values are empty cells. */
static void summary_cells(const struct summary_cell *c,
                          char out[SUMMARY_COLUMNS][CELL_LEN]) {
    int have = c->wall.n > 0;
    double undef = NAN;
    snprintf(out[0], CELL_LEN, "%s", "");
    snprintf(out[1], CELL_LEN, "%s", "");
    snprintf(out[2], CELL_LEN, "%u", c->workers);
    snprintf(out[3], CELL_LEN, "%s", schedule_name(c->schedule));
    snprintf(out[4], CELL_LEN, "%zu", c->rows_ok);
    snprintf(out[5], CELL_LEN, "%zu", c->rows);
    fmt_fixed(out[6], have ? c->wall.median : undef, 6, "");
    fmt_fixed(out[7], have ? c->wall.mean : undef, 6, "");
    fmt_fixed(out[8], c->wall.n >= 2 ? c->wall.stddev : undef, 6, "");
    fmt_fixed(out[9], have ? c->wall.min : undef, 6, "");
    fmt_fixed(out[10], have ? c->wall.max : undef, 6, "");
    fmt_fixed(out[11], c->speedup, 6, "");
    fmt_fixed(out[12], c->efficiency, 6, "");
    fmt_fixed(out[13], c->karp_flatt, 6, "");
    fmt_fixed(out[14], have ? c->wall.ci_lo : undef, 6, "");
    fmt_fixed(out[15], have ? c->wall.ci_hi : undef, 6, "");
    fmt_fixed(out[16], have ? c->wall.cv : undef, 6, "");
    if (have)
        snprintf(out[17], CELL_LEN, "%zu", c->wall.outliers);
    else
        out[17][0] = '\0';
    fmt_fixed(out[18], c->startup_median, 6, "");
    fmt_fixed(out[19], c->startup_share, 6, "");
    snprintf(out[20], CELL_LEN, "%s", c->baseline ? c->baseline : "");
    fmt_fixed(out[21], c->speedup_lo, 6, "");
    fmt_fixed(out[22], c->speedup_hi, 6, "");
}

int report_write_csv(const char *path, const struct summary *s, char *err,
                     size_t errlen) {
    char scratch[1];
    if (err == NULL || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write the summary %s: %s", path,
                 strerror(errno));
        return PB_EIO;
    }

    struct c_numeric cn;
    c_numeric_begin(&cn);
    int rc = csv_write_row(f, summary_header, SUMMARY_COLUMNS);
    for (size_t i = 0; rc == 0 && i < s->count; i++) {
        char text[SUMMARY_COLUMNS][CELL_LEN];
        const char *cells[SUMMARY_COLUMNS];
        summary_cells(&s->cells[i], text);
        for (size_t j = 0; j < SUMMARY_COLUMNS; j++)
            cells[j] = text[j];
        /* Names may be longer than a formatted number. */
        cells[0] = s->cells[i].workload;
        cells[1] = s->cells[i].executor;
        rc = csv_write_row(f, cells, SUMMARY_COLUMNS);
    }
    c_numeric_end(&cn);

    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        e = errno;
        rc = PB_EIO;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot write the summary %s: %s", path,
                 strerror(e));
        return PB_EIO;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* From a results file                                                       */
/* ------------------------------------------------------------------------ */

int report_from_file(const char *csv, const struct report_options *o,
                     const char *summary_csv, FILE *out, struct summary *keep,
                     char *err, size_t errlen) {
    struct report_options defaults;
    if (o == NULL) {
        report_options_init(&defaults, REPORT_TABLE);
        o = &defaults;
    }
    struct result_row *rows = NULL;
    size_t n = 0;
    if (results_read(csv, &rows, &n, err, errlen) < 0)
        return PB_EINVAL;
    struct summary s;
    int rc = summary_build(rows, n, &s);
    results_free(rows, n);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory summarising %s", csv);
        return rc;
    }
    if (o->verdict.versus != NULL &&
        !verdict_has_executor(&s, o->verdict.versus)) {
        size_t used = (size_t)snprintf(
            err, errlen,
            "--versus '%s': %s has no executor of that name; it has",
            o->verdict.versus, csv);
        const char *sep = " ";
        for (size_t i = 0; i < s.count && used < errlen; i++) {
            int seen = 0;
            for (size_t k = 0; k < i && !seen; k++)
                seen = strcmp(s.cells[k].executor, s.cells[i].executor) == 0;
            if (seen)
                continue;
            char e[HUMAN_NAME_LEN];
            used += (size_t)snprintf(
                err + used, errlen - used, "%s%s", sep,
                human_escape(e, sizeof e, s.cells[i].executor));
            sep = ", ";
        }
        summary_free(&s);
        return PB_EINVAL;
    }
    if (report_print(out, &s, o) < 0) {
        snprintf(err, errlen, "cannot print the summary: %s", strerror(errno));
        rc = PB_EIO;
    }
    if (rc == 0 && summary_csv != NULL)
        rc = report_write_csv(summary_csv, &s, err, errlen);
    if (rc == 0 && keep != NULL)
        *keep = s;
    else
        summary_free(&s);
    return rc;
}
