/*
 * summary.c - results rows grouped into cells, with their statistics,
 * samples and scaling fits (see summary.h).
 */
#include "results/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/errors.h"
#include "util/json.h"

/* The executor instance every other executor is compared with. */
#define BASELINE_EXECUTOR "serial"

static int same_text(const char *a, const char *b) {
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int summary_same_workload(const struct summary_cell *a,
                          const struct summary_cell *b) {
    return same_text(a->workload, b->workload) &&
           same_text(a->workload_params, b->workload_params);
}

int summary_same_line(const struct summary_cell *a,
                      const struct summary_cell *b) {
    return summary_same_workload(a, b) && a->schedule == b->schedule &&
           same_text(a->executor, b->executor);
}

int summary_same_cell(const struct summary_cell *a,
                      const struct summary_cell *b) {
    return summary_same_line(a, b) && a->workers == b->workers;
}

void summary_cell_name(const struct summary_cell *c, char *buf, size_t len) {
    snprintf(buf, len, "%s x %s x %u (%s)", c->workload, c->executor,
             c->workers, schedule_name(c->schedule));
}

void summary_workload_heading(const struct summary_cell *c, char *buf,
                              size_t len) {
    size_t o = (size_t)snprintf(buf, len, "%s", c->workload);
    const char *p = c->workload_params;
    if (p == NULL || *p == '\0' || o + 2 >= len)
        return;
    buf[o++] = ' ';
    buf[o++] = '(';
    for (; *p && o + 3 < len; p++) {
        if (*p == ';') {
            buf[o++] = ',';
            buf[o++] = ' ';
        } else {
            buf[o++] = *p;
        }
    }
    buf[o++] = ')';
    buf[o] = '\0';
}

void summary_json_names(FILE *f, const struct summary_cell *c) {
    fputs("\"workload\": ", f);
    json_write_string(f, c->workload);
    fputs(", \"workload_params\": ", f);
    json_write_string(f, c->workload_params);
    fputs(", \"executor\": ", f);
    json_write_string(f, c->executor);
}

/* ------------------------------------------------------------------------ */
/* Metrics                                                                   */
/* ------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

void summary_metric_of(enum results_column col, struct summary_metric *out) {
    const char *name = results_header[col];
    out->col = col;
    out->higher_is_better = col == RESULTS_COL_items_per_s;
    if (col == RESULTS_COL_items_per_s)
        out->unit = HUMAN_RATE;
    else if (ends_with(name, "_s"))
        out->unit = HUMAN_SECONDS;
    else if (ends_with(name, "_kib"))
        out->unit = HUMAN_KIB;
    else if (ends_with(name, "_bytes"))
        out->unit = HUMAN_BYTES;
    else
        out->unit = HUMAN_COUNT;
}

int summary_metric_parse(const char *text, struct summary_metric *out) {
    static const struct {
        const char *alias;
        enum results_column col;
    } aliases[] = {
        {"wall", RESULTS_COL_wall_s},      {"startup", RESULTS_COL_startup_s},
        {"user", RESULTS_COL_user_s},      {"sys", RESULTS_COL_sys_s},
        {"rss", RESULTS_COL_peak_rss_kib}, {"pss", RESULTS_COL_pss_kib}};
    enum results_column col;
    for (size_t i = 0; text != NULL && i < sizeof aliases / sizeof *aliases;
         i++) {
        if (strcmp(text, aliases[i].alias) == 0) {
            summary_metric_of(aliases[i].col, out);
            return 0;
        }
    }
    if (results_column_find(text, &col) < 0 || !results_column_is_measure(col))
        return PB_EINVAL;
    summary_metric_of(col, out);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Grouping                                                                  */
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
            summary_same_workload(b, c)) {
            *label = "serial";
            return b;
        }
    }
    for (size_t i = 0; i < s->count; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && summary_same_line(b, c)) {
            *label = "1 worker";
            return b;
        }
    }
    return NULL;
}

static char *dup_text(const char *text) {
    return strdup(text != NULL ? text : "");
}

/* A new cell for row r at the end of out (cap: its capacity). */
static struct summary_cell *add_cell(struct summary *out, size_t *cap,
                                     const struct result_row *r) {
    if (out->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct summary_cell *p = realloc(out->cells, ncap * sizeof *p);
        if (p == NULL)
            return NULL;
        out->cells = p;
        *cap = ncap;
    }
    struct summary_cell *c = &out->cells[out->count];
    memset(c, 0, sizeof *c);
    out->count++;
    c->workload = dup_text(r->workload);
    c->executor = dup_text(r->executor);
    c->workload_params = dup_text(r->workload_params);
    if (c->workload == NULL || c->executor == NULL ||
        c->workload_params == NULL)
        return NULL;
    c->workers = r->workers;
    c->schedule = r->schedule;
    return c;
}

/* Appends row r to cell c's samples. */
static int add_sample(struct summary_cell *c, const struct result_row *r) {
    /* Grown in powers of two. */
    if ((c->nsamples & (c->nsamples - 1)) == 0) {
        size_t ncap = c->nsamples ? c->nsamples * 2 : 4;
        struct summary_sample *p = realloc(c->samples, ncap * sizeof *p);
        if (p == NULL)
            return PB_ENOMEM;
        c->samples = p;
    }
    struct summary_sample *sm = &c->samples[c->nsamples];
    sm->repetition = r->repetition;
    sm->status = r->m.status;
    sm->run_id = dup_text(r->run_id);
    if (sm->run_id == NULL)
        return PB_ENOMEM;
    for (size_t k = 0; k < RESULTS_COLUMNS; k++)
        sm->v[k] = results_column_number(r, (enum results_column)k);
    c->nsamples++;
    return 0;
}

/* Groups the rows into cells and keeps their samples (no statistics). */
static int group_rows(const struct result_row *rows, size_t n,
                      struct summary *out) {
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct result_row *r = &rows[i];
        struct summary_cell *c = find_cell(out, r);
        if (c == NULL && (c = add_cell(out, &cap, r)) == NULL)
            return PB_ENOMEM;
        if (add_sample(c, r) < 0)
            return PB_ENOMEM;
        c->rows++;
        if (r->m.status == ROW_OK)
            c->rows_ok++;
    }
    return 0;
}

size_t summary_values(const struct summary_cell *c, enum results_column col,
                      double *out) {
    size_t k = 0;
    for (size_t i = 0; i < c->nsamples; i++)
        if (c->samples[i].status == ROW_OK)
            out[k++] = c->samples[i].v[col];
    return k;
}

/* Median of xs[0..n-1] (n > 0), NAN for none. */
static double median_of(const double *x, size_t n) {
    struct stats st;
    stats_compute(x, n, &st);
    return n > 0 ? st.median : NAN;
}

/* Wall and start-up statistics of each cell over its ok rows. */
static int cell_stats(struct summary *s) {
    for (size_t ci = 0; ci < s->count; ci++) {
        struct summary_cell *c = &s->cells[ci];
        size_t n = c->rows_ok ? c->rows_ok : 1;
        double *wall = malloc(n * sizeof *wall);
        double *startup = malloc(n * sizeof *startup);
        double *share = malloc(n * sizeof *share);
        if (wall == NULL || startup == NULL || share == NULL) {
            free(wall);
            free(startup);
            free(share);
            return PB_ENOMEM;
        }
        size_t k = summary_values(c, RESULTS_COL_wall_s, wall);
        summary_values(c, RESULTS_COL_startup_s, startup);
        size_t ks = 0;
        for (size_t i = 0; i < k; i++)
            if (wall[i] > 0.0)
                share[ks++] = startup[i] / wall[i];
        stats_compute(wall, k, &c->wall);
        c->startup_median = median_of(startup, k);
        c->startup_share = median_of(share, ks);
        free(wall);
        free(startup);
        free(share);
    }
    return 0;
}

/* Speedup, its interval, efficiency and Karp-Flatt of cell c. */
static int cell_speedup(const struct summary *s, struct summary_cell *c) {
    const char *label = NULL;
    const struct summary_cell *b = find_baseline(s, c, &label);
    c->speedup = c->speedup_lo = c->speedup_hi = NAN;
    c->baseline = NULL;
    if (b != NULL && b->wall.n > 0 && c->wall.n > 0 && b->wall.median > 0.0 &&
        c->wall.median > 0.0) {
        c->speedup = b->wall.median / c->wall.median;
        c->baseline = label;
        if (b == c) {
            c->speedup_lo = c->speedup_hi = 1.0;
        } else {
            double *x = malloc(c->rows_ok * sizeof *x);
            double *y = malloc(b->rows_ok * sizeof *y);
            if (x == NULL || y == NULL) {
                free(x);
                free(y);
                return PB_ENOMEM;
            }
            size_t m = summary_values(c, RESULTS_COL_wall_s, x);
            size_t n = summary_values(b, RESULTS_COL_wall_s, y);
            /* median(baseline) / median(cell) */
            stats_bootstrap_ratio(x, m, y, n, STATS_BOOTSTRAP_RESAMPLES,
                                  STATS_BOOTSTRAP_SEED, 0.95, &c->speedup_lo,
                                  &c->speedup_hi);
            free(x);
            free(y);
        }
    }
    c->efficiency = c->workers > 0 ? c->speedup / c->workers : NAN;
    c->karp_flatt = stats_karp_flatt(c->speedup, c->workers);
    return 0;
}

/* The fits of every line with enough worker counts. */
static int line_fits(struct summary *s) {
    double *p = malloc((s->count ? s->count : 1) * sizeof *p);
    double *sp = malloc((s->count ? s->count : 1) * sizeof *sp);
    s->fits = malloc((s->count ? s->count : 1) * sizeof *s->fits);
    if (p == NULL || sp == NULL || s->fits == NULL) {
        free(p);
        free(sp);
        return PB_ENOMEM;
    }
    for (size_t i = 0; i < s->count; i++) {
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = !summary_same_line(&s->cells[k], &s->cells[i]);
        if (!first)
            continue;
        size_t n = 0;
        for (size_t k = i; k < s->count; k++)
            if (summary_same_line(&s->cells[k], &s->cells[i]) &&
                isfinite(s->cells[k].speedup)) {
                p[n] = s->cells[k].workers;
                sp[n++] = s->cells[k].speedup;
            }
        struct summary_fit *f = &s->fits[s->nfits];
        fit_amdahl(p, sp, n, &f->amdahl);
        fit_usl(p, sp, n, &f->usl);
        if (!f->amdahl.ok)
            continue;
        f->cell = i;
        f->points = n;
        s->nfits++;
    }
    free(p);
    free(sp);
    return 0;
}

int summary_build(const struct result_row *rows, size_t n,
                  struct summary *out) {
    memset(out, 0, sizeof *out);
    int rc = group_rows(rows, n, out);
    if (rc == 0)
        rc = cell_stats(out);
    for (size_t i = 0; rc == 0 && i < out->count; i++)
        rc = cell_speedup(out, &out->cells[i]);
    if (rc == 0)
        rc = line_fits(out);
    if (rc != 0) {
        summary_free(out);
        return rc;
    }
    return 0;
}

void summary_free(struct summary *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++) {
        struct summary_cell *c = &s->cells[i];
        free(c->workload);
        free(c->workload_params);
        free(c->executor);
        for (size_t k = 0; k < c->nsamples; k++)
            free(c->samples[k].run_id);
        free(c->samples);
    }
    free(s->cells);
    free(s->fits);
    memset(s, 0, sizeof *s);
}
