/*
 * report.c - the per-cell summary of a results file (see report.h).
 */
#include "results/report.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "results/csv.h"
#include "util/errors.h"
#include "util/json.h"

/* The executor instance every other executor is compared with. */
#define BASELINE_EXECUTOR "serial"

static int same_text(const char *a, const char *b) {
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* ------------------------------------------------------------------------ */
/* Summarising                                                               */
/* ------------------------------------------------------------------------ */

/* A cell is workload instance, its parameters, executor, workers and
 * schedule (as --resume sees it). */
static int row_in_cell(const struct summary_cell *c,
                       const struct result_row *r) {
    return c->workers == r->workers && c->schedule == r->schedule &&
           same_text(c->workload, r->workload) &&
           same_text(c->workload_params, r->workload_params) &&
           same_text(c->executor, r->executor);
}

static struct summary_cell *find_cell(struct summary *s,
                                      const struct result_row *r) {
    for (size_t i = 0; i < s->count; i++)
        if (row_in_cell(&s->cells[i], r))
            return &s->cells[i];
    return NULL;
}

/* The cell a cell's speedup is measured against, and its label. */
static const struct summary_cell *find_baseline(const struct summary *s,
                                                const struct summary_cell *c,
                                                const char **label) {
    for (size_t i = 0; i < s->count; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && strcmp(b->executor, BASELINE_EXECUTOR) == 0 &&
            strcmp(b->workload, c->workload) == 0 &&
            strcmp(b->workload_params, c->workload_params) == 0) {
            *label = "serial";
            return b;
        }
    }
    for (size_t i = 0; i < s->count; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && b->schedule == c->schedule &&
            strcmp(b->executor, c->executor) == 0 &&
            strcmp(b->workload, c->workload) == 0 &&
            strcmp(b->workload_params, c->workload_params) == 0) {
            *label = "1 worker";
            return b;
        }
    }
    return NULL;
}

static char *dup_text(const char *text) {
    return strdup(text != NULL ? text : "");
}

/* Groups the rows into cells (no statistics yet). */
static int group_rows(const struct result_row *rows, size_t n,
                      struct summary *out) {
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct result_row *r = &rows[i];
        struct summary_cell *c = find_cell(out, r);
        if (c == NULL) {
            if (out->count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct summary_cell *p = realloc(out->cells, ncap * sizeof *p);
                if (p == NULL)
                    return PB_ENOMEM;
                out->cells = p;
                cap = ncap;
            }
            c = &out->cells[out->count];
            memset(c, 0, sizeof *c);
            out->count++;
            c->workload = dup_text(r->workload);
            c->executor = dup_text(r->executor);
            c->workload_params = dup_text(r->workload_params);
            if (c->workload == NULL || c->executor == NULL ||
                c->workload_params == NULL)
                return PB_ENOMEM;
            c->workers = r->workers;
            c->schedule = r->schedule;
        }
        c->rows++;
        if (r->m.status == ROW_OK)
            c->rows_ok++;
    }
    return 0;
}

/* The sort key of a cell (order_cells). */
struct cell_key {
    size_t workload, executor, schedule, workers, first;
};

static int cmp_key(const void *a, const void *b) {
    const struct cell_key *x = a, *y = b;
    const size_t kx[] = {x->workload, x->executor, x->schedule, x->workers,
                         x->first};
    const size_t ky[] = {y->workload, y->executor, y->schedule, y->workers,
                         y->first};
    for (size_t i = 0; i < 5; i++)
        if (kx[i] != ky[i])
            return kx[i] < ky[i] ? -1 : 1;
    return 0;
}

/*
 * Puts the cells, found in order of first appearance, in a readable
 * order that does not depend on the order the repetitions ran in ([run]
 * order interleaves and shuffles the cells): by workload (name and
 * parameters), then executor,
 * each in the order its name first appeared, then schedule (static,
 * dynamic), then worker count, ascending.  0 or PB_ENOMEM.
 */
static int order_cells(struct summary *s) {
    size_t n = s->count;
    if (n < 2)
        return 0;
    struct cell_key *k = malloc((n ? n : 1) * sizeof *k);
    struct summary_cell *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (k == NULL || sorted == NULL) {
        free(k);
        free(sorted);
        return PB_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct summary_cell *c = &s->cells[i];
        k[i] = (struct cell_key){i, i, (size_t)c->schedule, c->workers, i};
        for (size_t j = i; j-- > 0;) {
            const struct summary_cell *o = &s->cells[j];
            if (strcmp(o->workload, c->workload) == 0 &&
                strcmp(o->workload_params, c->workload_params) == 0)
                k[i].workload = j;
            if (strcmp(o->executor, c->executor) == 0)
                k[i].executor = j;
        }
    }
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t i = 0; i < n; i++)
        sorted[i] = s->cells[k[i].first];
    memcpy(s->cells, sorted, n * sizeof *sorted);
    free(k);
    free(sorted);
    return 0;
}

/* The interference fields of cell c (report.h) from its ok rows: the
 * disturbed ones, and the outliers among them (outliers as stats.c counts
 * them: beyond 3 scaled MADs of the median). */
static void cell_interference(const struct result_row *rows, size_t n,
                              struct summary_cell *c) {
    c->disturbed = c->outliers_disturbed = 0;
    c->foreign_max = c->outliers_foreign = NAN;
    double *dev = malloc((c->wall.n ? c->wall.n : 1) * sizeof *dev);
    size_t k = 0;
    for (size_t i = 0; dev && i < n; i++)
        if (rows[i].m.status == ROW_OK && row_in_cell(c, &rows[i]) &&
            k < c->wall.n)
            dev[k++] = fabs(rows[i].m.wall_s - c->wall.median);
    struct stats ds;
    stats_compute(dev, dev ? k : 0, &ds);
    double limit = 3.0 * 1.4826 * ds.median;
    free(dev);
    for (size_t i = 0; i < n; i++) {
        const struct result_row *r = &rows[i];
        if (r->m.status != ROW_OK || !row_in_cell(c, r) ||
            !isfinite(r->m.other_cpu_s) || !(r->m.wall_s > 0))
            continue;
        double share = r->m.other_cpu_s / r->m.wall_s;
        if (!(c->foreign_max >= share))
            c->foreign_max = share;
        if (share < REPORT_FOREIGN_WARN ||
            r->m.other_cpu_s < REPORT_FOREIGN_MIN_S)
            continue;
        c->disturbed++;
        if (limit > 0 && fabs(r->m.wall_s - c->wall.median) > limit) {
            c->outliers_disturbed++;
            if (!(c->outliers_foreign <= share))
                c->outliers_foreign = share;
        }
    }
}

/* Wall and start-up statistics of each cell over its ok rows. */
static int cell_stats(const struct result_row *rows, size_t n,
                      struct summary *s) {
    double *wall = malloc((n ? n : 1) * sizeof *wall);
    double *startup = malloc((n ? n : 1) * sizeof *startup);
    double *share = malloc((n ? n : 1) * sizeof *share);
    if (wall == NULL || startup == NULL || share == NULL) {
        free(wall);
        free(startup);
        free(share);
        return PB_ENOMEM;
    }
    for (size_t ci = 0; ci < s->count; ci++) {
        struct summary_cell *c = &s->cells[ci];
        size_t k = 0, ks = 0;
        for (size_t i = 0; i < n; i++) {
            const struct result_row *r = &rows[i];
            if (r->m.status == ROW_OK && row_in_cell(c, r)) {
                wall[k] = r->m.wall_s;
                startup[k] = r->m.startup_s;
                k++;
                if (r->m.wall_s > 0.0)
                    share[ks++] = r->m.startup_s / r->m.wall_s;
            }
        }
        stats_compute(wall, k, &c->wall);
        cell_interference(rows, n, c);
        struct stats st;
        stats_compute(startup, k, &st);
        c->startup_median = k > 0 ? st.median : NAN;
        stats_compute(share, ks, &st);
        c->startup_share = ks > 0 ? st.median : NAN;
    }
    free(wall);
    free(startup);
    free(share);
    return 0;
}

int report_summarise(const struct result_row *rows, size_t n,
                     struct summary *out) {
    out->cells = NULL;
    out->count = 0;

    int rc = group_rows(rows, n, out);
    if (rc == 0)
        rc = order_cells(out);
    if (rc == 0)
        rc = cell_stats(rows, n, out);
    if (rc != 0) {
        report_free(out);
        return rc;
    }

    for (size_t i = 0; i < out->count; i++) {
        struct summary_cell *c = &out->cells[i];
        const char *label = NULL;
        const struct summary_cell *b = find_baseline(out, c, &label);
        c->speedup = NAN;
        c->baseline = NULL;
        if (b != NULL && b->wall.n > 0 && c->wall.n > 0 &&
            b->wall.median > 0.0 && c->wall.median > 0.0) {
            c->speedup = b->wall.median / c->wall.median;
            c->baseline = label;
        }
        c->efficiency = c->workers > 0 ? c->speedup / c->workers : NAN;
        c->karp_flatt = stats_karp_flatt(c->speedup, c->workers);
    }
    return 0;
}

void report_free(struct summary *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->cells[i].workload);
        free(s->cells[i].workload_params);
        free(s->cells[i].executor);
    }
    free(s->cells);
    s->cells = NULL;
    s->count = 0;
}

/* ------------------------------------------------------------------------ */
/* Formats and warnings                                                      */
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

/* "prime x pthread x 4 (dynamic)": a cell's name in warnings. */
static void cell_name(const struct summary_cell *c, char *buf, size_t len) {
    snprintf(buf, len, "%s x %s x %u (%s)", c->workload, c->executor,
             c->workers, schedule_name(c->schedule));
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

/* ------------------------------------------------------------------------ */
/* Cell formatting                                                           */
/* ------------------------------------------------------------------------ */

#define CELL_LEN 64

/* Seconds with 4 significant digits and no exponent; "-" when undefined. */
static void fmt_seconds(char *buf, double v, int defined) {
    if (!defined || !isfinite(v)) {
        snprintf(buf, CELL_LEN, "-");
        return;
    }
    int decimals = 3;
    if (v != 0.0)
        decimals = 3 - (int)floor(log10(fabs(v)));
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    snprintf(buf, CELL_LEN, "%.*f", decimals, v);
}

/* "%.<decimals>f", or `undef` when v is NAN or infinite. */
static void fmt_fixed(char *buf, double v, int decimals, const char *undef) {
    if (isfinite(v))
        snprintf(buf, CELL_LEN, "%.*f", decimals, v);
    else
        snprintf(buf, CELL_LEN, "%s", undef);
}

/* ------------------------------------------------------------------------ */
/* Table and Markdown (same columns)                                         */
/* ------------------------------------------------------------------------ */

enum { TABLE_COLUMNS = 18 };

static const char *const table_header[TABLE_COLUMNS] = {
    "workload", "executor", "workers",    "schedule",   "ok/rows",  "median_s",
    "ci95_s",   "mean_s",   "sd_s",       "min_s",      "max_s",    "cv%",
    "outliers", "speedup",  "efficiency", "karp_flatt", "startup%", "baseline"};

/* Text columns are left-aligned, numbers right-aligned. */
static int table_left_aligned(size_t col) {
    return col == 0 || col == 1 || col == 3 || col == 17;
}

/* Cells of one row; names longer than CELL_LEN - 1 are cut (the CSV and
 * JSON formats keep them whole). */
static void table_cells(const struct summary_cell *c,
                        char out[TABLE_COLUMNS][CELL_LEN]) {
    int have = c->wall.n > 0;
    snprintf(out[0], CELL_LEN, "%s", c->workload);
    snprintf(out[1], CELL_LEN, "%s", c->executor);
    snprintf(out[2], CELL_LEN, "%u", c->workers);
    snprintf(out[3], CELL_LEN, "%s", schedule_name(c->schedule));
    snprintf(out[4], CELL_LEN, "%zu/%zu", c->rows_ok, c->rows);
    fmt_seconds(out[5], c->wall.median, have);
    if (have) {
        char lo[CELL_LEN], hi[CELL_LEN];
        fmt_seconds(lo, c->wall.ci_lo, 1);
        fmt_seconds(hi, c->wall.ci_hi, 1);
        snprintf(out[6], CELL_LEN, "%.20s..%.20s", lo, hi);
    } else {
        snprintf(out[6], CELL_LEN, "-");
    }
    fmt_seconds(out[7], c->wall.mean, have);
    fmt_seconds(out[8], c->wall.stddev, c->wall.n >= 2);
    fmt_seconds(out[9], c->wall.min, have);
    fmt_seconds(out[10], c->wall.max, have);
    fmt_fixed(out[11], c->wall.n >= 2 ? c->wall.cv * 100.0 : NAN, 1, "-");
    if (have)
        snprintf(out[12], CELL_LEN, "%zu", c->wall.outliers);
    else
        snprintf(out[12], CELL_LEN, "-");
    fmt_fixed(out[13], c->speedup, 2, "-");
    fmt_fixed(out[14], c->efficiency, 2, "-");
    fmt_fixed(out[15], c->karp_flatt, 3, "-");
    fmt_fixed(out[16], c->startup_share * 100.0, 1, "-");
    snprintf(out[17], CELL_LEN, "%s", c->baseline ? c->baseline : "-");
}

/* The formatted cells of every row: malloc'd, or NULL without memory. */
static char (*all_cells(const struct summary *s))[TABLE_COLUMNS][CELL_LEN] {
    char(*cells)[TABLE_COLUMNS][CELL_LEN] =
        malloc((s->count ? s->count : 1) * sizeof *cells);
    for (size_t i = 0; cells != NULL && i < s->count; i++)
        table_cells(&s->cells[i], cells[i]);
    return cells;
}

static void print_table_line(FILE *f, const size_t width[TABLE_COLUMNS],
                             const char *const text[TABLE_COLUMNS]) {
    for (size_t j = 0; j < TABLE_COLUMNS; j++) {
        const char *sep = j ? "  " : "";
        if (j == TABLE_COLUMNS - 1) /* no trailing blanks */
            fprintf(f, "%s%s", sep, text[j]);
        else if (table_left_aligned(j))
            fprintf(f, "%s%-*s", sep, (int)width[j], text[j]);
        else
            fprintf(f, "%s%*s", sep, (int)width[j], text[j]);
    }
    fputc('\n', f);
}

/* The kinds of problem the grouped warnings name, in print order. */
enum warn_kind { W_CV, W_OUTLIERS, W_DISTURBED, W_KINDS };

/* 1 when cell c has a problem of kind k (the per-cell warnings above). */
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

/* Cells named in one grouped line; the rest are counted. */
#define WARN_NAMED 4

/* One line per kind of problem: how many cells, the worst first ones with
 * their figure, and a hint that works for that kind (docs/reporting.md
 * "Warnings").  The per-cell sentences stay in the JSON format. */
static void print_warnings(FILE *f, const struct summary *s,
                           const char *prefix) {
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
    for (int k = 0; k < W_KINDS; k++) {
        size_t count = 0, all_disturbed = 0;
        for (size_t i = 0; i < s->count; i++)
            if (has_kind(&s->cells[i], (enum warn_kind)k)) {
                count++;
                all_disturbed +=
                    k == W_OUTLIERS &&
                    s->cells[i].outliers_disturbed == s->cells[i].wall.outliers;
            }
        if (count == 0)
            continue;
        fprintf(f, "%s%s in %zu cell%s: ", prefix, what[k], count,
                count == 1 ? "" : "s");
        size_t named = 0;
        for (size_t i = 0; i < s->count && named < WARN_NAMED; i++) {
            const struct summary_cell *c = &s->cells[i];
            if (!has_kind(c, (enum warn_kind)k))
                continue;
            char name[256];
            cell_name(c, name, sizeof name);
            fprintf(f, "%s%s", named ? ", " : "", name);
            if (k == W_CV)
                fprintf(f, " %.1f%%", c->wall.cv * 100.0);
            else if (k == W_OUTLIERS)
                fprintf(f, " %zu of %zu%s", c->wall.outliers, c->wall.n,
                        c->outliers_disturbed == c->wall.outliers
                            ? " (during foreign CPU)"
                            : "");
            else
                fprintf(f, " %zu of %zu, up to %.0f%%", c->disturbed, c->wall.n,
                        c->foreign_max * 100.0);
            named++;
        }
        if (count > named)
            fprintf(f, " and %zu more", count - named);
        if (k == W_OUTLIERS && all_disturbed > 0)
            fprintf(f,
                    "; %zu of these cells had every outlier during "
                    "foreign CPU",
                    all_disturbed);
        fprintf(f, ". Hint: %s.\n", hint[k]);
    }
}

static size_t count_warnings(const struct summary *s) {
    size_t total = 0;
    for (size_t i = 0; i < s->count; i++)
        for (int k = 0; k < W_KINDS; k++)
            total += (size_t)has_kind(&s->cells[i], (enum warn_kind)k);
    return total;
}

static int stream_status(FILE *f) {
    return ferror(f) || fflush(f) != 0 ? PB_EIO : 0;
}

int report_print_table(FILE *f, const struct summary *s) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    char(*cells)[TABLE_COLUMNS][CELL_LEN] = all_cells(s);
    size_t width[TABLE_COLUMNS];
    for (size_t j = 0; j < TABLE_COLUMNS; j++)
        width[j] = strlen(table_header[j]);
    for (size_t i = 0; cells != NULL && i < s->count; i++)
        for (size_t j = 0; j < TABLE_COLUMNS; j++)
            if (strlen(cells[i][j]) > width[j])
                width[j] = strlen(cells[i][j]);

    print_table_line(f, width, table_header);
    for (size_t i = 0; cells != NULL && i < s->count; i++) {
        const char *line[TABLE_COLUMNS];
        for (size_t j = 0; j < TABLE_COLUMNS; j++)
            line[j] = cells[i][j];
        print_table_line(f, width, line);
    }
    if (cells == NULL && s->count > 0)
        fprintf(f, "(out of memory formatting %zu cells)\n", s->count);
    if (count_warnings(s) > 0) {
        fputc('\n', f);
        print_warnings(f, s, "warning: ");
    }
    free(cells);
    c_numeric_end(&cn);
    return stream_status(f);
}

/* A Markdown table cell: '|' and '\' escaped so they stay text. */
static void md_cell(FILE *f, const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p == '|' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
}

int report_print_markdown(FILE *f, const struct summary *s) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    char(*cells)[TABLE_COLUMNS][CELL_LEN] = all_cells(s);
    fputc('|', f);
    for (size_t j = 0; j < TABLE_COLUMNS; j++) {
        fputc(' ', f);
        md_cell(f, table_header[j]);
        fputs(" |", f);
    }
    fputs("\n|", f);
    for (size_t j = 0; j < TABLE_COLUMNS; j++)
        fputs(table_left_aligned(j) ? ":---|" : "---:|", f);
    fputc('\n', f);
    for (size_t i = 0; cells != NULL && i < s->count; i++) {
        fputc('|', f);
        for (size_t j = 0; j < TABLE_COLUMNS; j++) {
            fputc(' ', f);
            md_cell(f, cells[i][j]);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    if (cells == NULL && s->count > 0)
        fprintf(f, "\n(out of memory formatting %zu cells)\n", s->count);
    if (count_warnings(s) > 0) {
        fputs("\nWarnings:\n\n", f);
        print_warnings(f, s, "- ");
    }
    free(cells);
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

static void json_cell(FILE *f, const struct summary_cell *c) {
    const char *in = "      ";
    int have = c->wall.n > 0;
    fputs("    {\n      \"workload\": ", f);
    json_write_string(f, c->workload);
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
    json_field_num(f, in, "efficiency", c->efficiency, 1);
    json_field_num(f, in, "karp_flatt", c->karp_flatt, 1);
    json_field_num(f, in, "startup_median_s", c->startup_median, 1);
    json_field_num(f, in, "startup_share", c->startup_share, 1);
    fprintf(f, ",\n%s\"baseline\": ", in);
    json_write_string(f, c->baseline);
    fprintf(f, ",\n%s\"warnings\": [", in);
    char w[3][REPORT_WARN_LEN];
    size_t nw = report_cell_warnings(c, w, 3);
    for (size_t k = 0; k < nw; k++) {
        fputs(k ? ", " : "", f);
        json_write_string(f, w[k]);
    }
    fputs("]\n    }", f);
}

int report_print_json(FILE *f, const struct summary *s) {
    struct c_numeric cn;
    c_numeric_begin(&cn);
    fputs("{\n  \"cells\": [", f);
    for (size_t i = 0; i < s->count; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_cell(f, &s->cells[i]);
    }
    fputs(s->count ? "\n  ]\n}\n" : "]\n}\n", f);
    c_numeric_end(&cn);
    return stream_status(f);
}

int report_print(FILE *f, const struct summary *s, enum report_format fmt) {
    switch (fmt) {
    case REPORT_MARKDOWN:
        return report_print_markdown(f, s);
    case REPORT_JSON:
        return report_print_json(f, s);
    case REPORT_TABLE:
    default:
        return report_print_table(f, s);
    }
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */
/* ------------------------------------------------------------------------ */

enum { SUMMARY_COLUMNS = 21 };

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
                                                            "baseline"};

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

int report_from_file(const char *csv, enum report_format fmt,
                     const char *summary_csv, FILE *out, struct summary *keep,
                     char *err, size_t errlen) {
    struct result_row *rows = NULL;
    size_t n = 0;
    if (results_read(csv, &rows, &n, err, errlen) < 0)
        return PB_EINVAL;
    struct summary s;
    int rc = report_summarise(rows, n, &s);
    results_free(rows, n);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory summarising %s", csv);
        return rc;
    }
    if (report_print(out, &s, fmt) < 0) {
        snprintf(err, errlen, "cannot print the summary: %s", strerror(errno));
        rc = PB_EIO;
    }
    if (rc == 0 && summary_csv != NULL)
        rc = report_write_csv(summary_csv, &s, err, errlen);
    if (rc == 0 && keep != NULL)
        *keep = s;
    else
        report_free(&s);
    return rc;
}
