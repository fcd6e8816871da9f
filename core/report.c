/*
 * report.c - the per-cell summary of a results file (see report.h).
 */
#include "report.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "errors.h"

/* The executor instance every other executor is compared with. */
#define BASELINE_EXECUTOR "serial"

static int same_text(const char *a, const char *b) {
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* ------------------------------------------------------------------------ */
/* Summarising                                                               */
/* ------------------------------------------------------------------------ */

static struct summary_cell *find_cell(struct summary *s,
                                      const struct result_row *r) {
    for (size_t i = 0; i < s->count; i++) {
        struct summary_cell *c = &s->cells[i];
        if (c->workers == r->workers && c->schedule == r->schedule &&
            same_text(c->workload, r->workload) &&
            same_text(c->executor, r->executor))
            return c;
    }
    return NULL;
}

/* The cell a cell's speedup is measured against, and its label. */
static const struct summary_cell *find_baseline(const struct summary *s,
                                                const struct summary_cell *c,
                                                const char **label) {
    for (size_t i = 0; i < s->count; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && strcmp(b->executor, BASELINE_EXECUTOR) == 0 &&
            strcmp(b->workload, c->workload) == 0) {
            *label = "serial";
            return b;
        }
    }
    for (size_t i = 0; i < s->count; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && b->schedule == c->schedule &&
            strcmp(b->executor, c->executor) == 0 &&
            strcmp(b->workload, c->workload) == 0) {
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
            if (c->workload == NULL || c->executor == NULL)
                return PB_ENOMEM;
            c->workers = r->workers;
            c->schedule = r->schedule;
        }
        c->rows++;
        if (r->status == ROW_OK)
            c->rows_ok++;
    }
    return 0;
}

/* Wall and start-up statistics of each cell over its ok rows. */
static int cell_stats(const struct result_row *rows, size_t n,
                      struct summary *s) {
    double *wall = malloc((n ? n : 1) * sizeof *wall);
    double *startup = malloc((n ? n : 1) * sizeof *startup);
    if (wall == NULL || startup == NULL) {
        free(wall);
        free(startup);
        return PB_ENOMEM;
    }
    for (size_t ci = 0; ci < s->count; ci++) {
        struct summary_cell *c = &s->cells[ci];
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const struct result_row *r = &rows[i];
            if (r->status == ROW_OK && r->workers == c->workers &&
                r->schedule == c->schedule &&
                same_text(r->workload, c->workload) &&
                same_text(r->executor, c->executor)) {
                wall[k] = r->wall_s;
                startup[k] = r->startup_s;
                k++;
            }
        }
        stats_compute(wall, k, &c->wall);
        struct stats st;
        stats_compute(startup, k, &st);
        c->startup_median = k > 0 ? st.median : NAN;
    }
    free(wall);
    free(startup);
    return 0;
}

int report_summarise(const struct result_row *rows, size_t n,
                     struct summary *out) {
    out->cells = NULL;
    out->count = 0;

    int rc = group_rows(rows, n, out);
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
        free(s->cells[i].executor);
    }
    free(s->cells);
    s->cells = NULL;
    s->count = 0;
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                                */
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
/* Table                                                                     */
/* ------------------------------------------------------------------------ */

enum { TABLE_COLUMNS = 13 };

static const char *const table_header[TABLE_COLUMNS] = {
    "workload", "executor",   "workers",   "schedule", "ok/rows",
    "median_s", "mean_s",     "sd_s",      "min_s",    "max_s",
    "speedup",  "efficiency", "karp_flatt"};

/* Text columns are left-aligned, numbers right-aligned. */
static int table_left_aligned(size_t col) {
    return col == 0 || col == 1 || col == 3;
}

static void print_table_line(FILE *f, const size_t width[TABLE_COLUMNS],
                             const char *const text[TABLE_COLUMNS]) {
    for (size_t j = 0; j < TABLE_COLUMNS; j++) {
        const char *sep = j ? "  " : "";
        if (table_left_aligned(j))
            fprintf(f, "%s%-*s", sep, (int)width[j], text[j]);
        else
            fprintf(f, "%s%*s", sep, (int)width[j], text[j]);
    }
    fputc('\n', f);
}

static void table_cells(const struct summary_cell *c,
                        char out[TABLE_COLUMNS][CELL_LEN]) {
    int have = c->wall.n > 0;
    snprintf(out[0], CELL_LEN, "%s", c->workload);
    snprintf(out[1], CELL_LEN, "%s", c->executor);
    snprintf(out[2], CELL_LEN, "%u", c->workers);
    snprintf(out[3], CELL_LEN, "%s", schedule_name(c->schedule));
    snprintf(out[4], CELL_LEN, "%zu/%zu", c->rows_ok, c->rows);
    fmt_seconds(out[5], c->wall.median, have);
    fmt_seconds(out[6], c->wall.mean, have);
    fmt_seconds(out[7], c->wall.stddev, c->wall.n >= 2);
    fmt_seconds(out[8], c->wall.min, have);
    fmt_seconds(out[9], c->wall.max, have);
    fmt_fixed(out[10], c->speedup, 2, "-");
    fmt_fixed(out[11], c->efficiency, 2, "-");
    fmt_fixed(out[12], c->karp_flatt, 3, "-");
}

void report_print_table(FILE *f, const struct summary *s) {
    size_t width[TABLE_COLUMNS];
    char(*cells)[TABLE_COLUMNS][CELL_LEN] =
        malloc((s->count ? s->count : 1) * sizeof *cells);
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc != (locale_t)0 ? uselocale(c_loc) : (locale_t)0;

    for (size_t j = 0; j < TABLE_COLUMNS; j++)
        width[j] = strlen(table_header[j]);
    for (size_t i = 0; cells != NULL && i < s->count; i++) {
        table_cells(&s->cells[i], cells[i]);
        for (size_t j = 0; j < TABLE_COLUMNS; j++)
            if (strlen(cells[i][j]) > width[j])
                width[j] = strlen(cells[i][j]);
    }

    print_table_line(f, width, table_header);
    for (size_t i = 0; cells != NULL && i < s->count; i++) {
        const char *line[TABLE_COLUMNS];
        for (size_t j = 0; j < TABLE_COLUMNS; j++)
            line[j] = cells[i][j];
        print_table_line(f, width, line);
    }
    if (cells == NULL && s->count > 0)
        fprintf(f, "(out of memory formatting %zu cells)\n", s->count);

    if (c_loc != (locale_t)0) {
        uselocale(old);
        freelocale(c_loc);
    }
    free(cells);
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */
/* ------------------------------------------------------------------------ */

enum { SUMMARY_COLUMNS = 19 };

/* ok/rows of the table is split into two columns so a spreadsheet does not
 * read "5/5" as a date. */
static const char *const summary_header[SUMMARY_COLUMNS] = {
    "workload",        "executor",   "workers", "schedule", "ok",    "rows",
    "median_s",        "mean_s",     "sd_s",    "min_s",    "max_s", "speedup",
    "efficiency",      "karp_flatt", "ci_lo_s", "ci_hi_s",  "cv",    "outliers",
    "startup_median_s"};

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

    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc != (locale_t)0 ? uselocale(c_loc) : (locale_t)0;
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
    if (c_loc != (locale_t)0) {
        uselocale(old);
        freelocale(c_loc);
    }

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
