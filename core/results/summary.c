/* SPDX-License-Identifier: MIT */
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

size_t summary_first_of_workload(const struct summary *s, size_t i) {
    return s->cells[i].workload_first;
}

size_t summary_first_of_line(const struct summary *s, size_t i) {
    return s->cells[i].line_first;
}

size_t summary_workload_end(const struct summary *s, size_t first) {
    return s->cells[first].workload_end;
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
    char w[HUMAN_NAME_LEN], e[HUMAN_NAME_LEN];
    snprintf(buf, len, "%s x %s x %u (%s)",
             human_escape(w, sizeof w, c->workload),
             human_escape(e, sizeof e, c->executor), c->workers,
             schedule_name(c->schedule));
}

void summary_workload_heading(const struct summary_cell *c, char *buf,
                              size_t len) {
    char w[HUMAN_NAME_LEN], params[2 * HUMAN_NAME_LEN];
    size_t o = (size_t)snprintf(buf, len, "%s",
                                human_escape(w, sizeof w, c->workload));
    const char *p = human_escape(params, sizeof params, c->workload_params);
    if (*p == '\0' || o + 2 >= len)
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

/* The cell a cell's speedup is measured against, and its label: one of
 * the cells of c's workload (the first ones that fit). */
static const struct summary_cell *find_baseline(const struct summary *s,
                                                const struct summary_cell *c,
                                                const char **label) {
    size_t first = c->workload_first, end = summary_workload_end(s, first);
    for (size_t i = first; i < end; i++) {
        const struct summary_cell *b = &s->cells[i];
        if (b->workers == 1 && strcmp(b->executor, BASELINE_EXECUTOR) == 0 &&
            summary_same_workload(b, c)) {
            *label = "serial";
            return b;
        }
    }
    for (size_t i = first; i < end; i++) {
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

/* FNV-1a of text (NULL as "") into h. */
static unsigned long long hash_text(unsigned long long h, const char *text) {
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p;
         p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull; /* ends the field */
}

static unsigned long long hash_row(const struct result_row *r) {
    unsigned long long h = 0xcbf29ce484222325ull;
    h = hash_text(h, r->workload);
    h = hash_text(h, r->workload_params);
    h = hash_text(h, r->executor);
    h = (h ^ r->workers) * 0x100000001b3ull;
    return (h ^ (unsigned)r->schedule) * 0x100000001b3ull;
}

/* Cell indices by row key, open addressing: each row finds its cell in
 * constant time, whatever the number of cells. */
struct cell_index {
    size_t *slot; /* cell index + 1; 0 for an empty slot */
    size_t cap;   /* a power of two, at least twice the cells */
};

static size_t *index_slot(const struct cell_index *ix, const struct summary *s,
                          const struct result_row *r) {
    size_t i = (size_t)hash_row(r) & (ix->cap - 1);
    while (ix->slot[i] != 0 && !row_in_cell(&s->cells[ix->slot[i] - 1], r))
        i = (i + 1) & (ix->cap - 1);
    return &ix->slot[i];
}

/* Makes room for one more cell: doubles the table when it is half full. */
static int index_grow(struct cell_index *ix, const struct summary *s) {
    if (2 * (s->count + 1) <= ix->cap)
        return 0;
    size_t ncap = ix->cap ? ix->cap * 2 : 64;
    size_t *slot = calloc(ncap, sizeof *slot);
    if (slot == NULL)
        return PB_ENOMEM;
    free(ix->slot);
    ix->slot = slot;
    ix->cap = ncap;
    for (size_t c = 0; c < s->count; c++) {
        const struct summary_cell *cell = &s->cells[c];
        struct result_row key = {0};
        key.workload = cell->workload;
        key.workload_params = cell->workload_params;
        key.executor = cell->executor;
        key.workers = cell->workers;
        key.schedule = cell->schedule;
        *index_slot(ix, s, &key) = c + 1;
    }
    return 0;
}

/* Groups the rows into cells and keeps their samples (no statistics). */
static int group_rows(const struct result_row *rows, size_t n,
                      struct summary *out) {
    size_t cap = 0;
    struct cell_index ix = {NULL, 0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct result_row *r = &rows[i];
        if ((rc = index_grow(&ix, out)) != 0)
            break;
        size_t *slot = index_slot(&ix, out, r);
        struct summary_cell *c = *slot ? &out->cells[*slot - 1] : NULL;
        if (c == NULL) {
            if ((c = add_cell(out, &cap, r)) == NULL) {
                rc = PB_ENOMEM;
                break;
            }
            *slot = out->count;
        }
        if (add_sample(c, r) < 0) {
            rc = PB_ENOMEM;
            break;
        }
        c->rows++;
        if (r->m.status == ROW_OK)
            c->rows_ok++;
    }
    free(ix.slot);
    return rc;
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

/* A name of a cell and the cell's index, sorted to find each name's first
 * cell (first_of). */
struct name_at {
    const char *a, *b;
    size_t i;
};

static int cmp_name_at(const void *x, const void *y) {
    const struct name_at *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    if (c == 0)
        c = strcmp(p->b, q->b);
    if (c == 0)
        c = p->i < q->i ? -1 : p->i > q->i;
    return c;
}

/* first[i]: the index of the first cell whose name (a[i], b[i]) is cell
 * i's, in O(n log n).  tmp has room for n entries. */
static void first_of(struct name_at *tmp, size_t n, size_t *first) {
    qsort(tmp, n, sizeof *tmp, cmp_name_at);
    size_t lead = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || strcmp(tmp[k].a, tmp[k - 1].a) != 0 ||
            strcmp(tmp[k].b, tmp[k - 1].b) != 0)
            lead = tmp[k].i;
        first[tmp[k].i] = lead;
    }
}

/*
 * Puts the cells, found in order of first appearance, in a readable
 * order that does not depend on the order the repetitions ran in ([run]
 * order interleaves and shuffles the cells): by workload (name and
 * parameters), then executor, each in the order its name first appeared,
 * then schedule (static, dynamic), then worker count, ascending.  In
 * O(n log n) for n cells.  0 or PB_ENOMEM.
 */
static int order_cells(struct summary *s) {
    size_t n = s->count;
    if (n < 2)
        return 0;
    struct cell_key *k = malloc(n * sizeof *k);
    struct summary_cell *sorted = malloc(n * sizeof *sorted);
    struct name_at *tmp = malloc(n * sizeof *tmp);
    size_t *first = malloc(n * sizeof *first);
    if (k == NULL || sorted == NULL || tmp == NULL || first == NULL) {
        free(k);
        free(sorted);
        free(tmp);
        free(first);
        return PB_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct summary_cell *c = &s->cells[i];
        k[i] = (struct cell_key){i, i, (size_t)c->schedule, c->workers, i};
        tmp[i] = (struct name_at){c->workload, c->workload_params, i};
    }
    first_of(tmp, n, first);
    for (size_t i = 0; i < n; i++) {
        k[i].workload = first[i];
        tmp[i] = (struct name_at){s->cells[i].executor, "", i};
    }
    first_of(tmp, n, first);
    for (size_t i = 0; i < n; i++)
        k[i].executor = first[i];
    qsort(k, n, sizeof *k, cmp_key);
    for (size_t i = 0; i < n; i++)
        sorted[i] = s->cells[k[i].first];
    memcpy(s->cells, sorted, n * sizeof *sorted);
    free(k);
    free(sorted);
    free(tmp);
    free(first);
    return 0;
}

/* The first cell of each cell's workload and line, and the end of its
 * workload, in two passes: in
 * order_cells' order a workload's cells are together (its key comes
 * first), and so are a line's within them (executor, then schedule). */
static void mark_firsts(struct summary *s) {
    for (size_t i = 0; i < s->count; i++) {
        struct summary_cell *c = &s->cells[i];
        const struct summary_cell *p = i > 0 ? &s->cells[i - 1] : NULL;
        c->workload_first =
            p != NULL && summary_same_workload(p, c) ? p->workload_first : i;
        c->line_first =
            p != NULL && summary_same_line(p, c) ? p->line_first : i;
    }
    for (size_t i = s->count; i-- > 0;) {
        struct summary_cell *c = &s->cells[i];
        c->workload_end =
            i + 1 < s->count && c[1].workload_first == c->workload_first
                ? c[1].workload_end
                : i + 1;
    }
}

size_t summary_values(const struct summary_cell *c, enum results_column col,
                      double *out) {
    size_t k = 0;
    for (size_t i = 0; i < c->nsamples; i++)
        if (c->samples[i].status == ROW_OK && !isnan(c->samples[i].v[col]))
            out[k++] = c->samples[i].v[col];
    return k;
}

size_t summary_column_stats(const struct summary_cell *c,
                            enum results_column col, struct stats *out) {
    double *x = malloc((c->rows_ok ? c->rows_ok : 1) * sizeof *x);
    size_t n = x != NULL ? summary_values(c, col, x) : 0;
    if (n == 0)
        stats_compute(NULL, 0, out);
    else
        stats_compute(x, n, out);
    free(x);
    return n;
}

double summary_median(const struct summary_cell *c, enum results_column col) {
    struct stats st;
    return summary_column_stats(c, col, &st) > 0 ? st.median : NAN;
}

/* The interference fields of cell c (summary.h) from its ok rows, after
 * its wall statistics: the disturbed ones, and the outliers among them
 * (outliers as stats.c counts them: stats_outlier_limit). */
static void cell_interference(struct summary_cell *c) {
    c->disturbed = c->outliers_disturbed = 0;
    c->foreign_max = c->outliers_foreign = NAN;
    double limit = stats_outlier_limit(&c->wall);
    for (size_t i = 0; i < c->nsamples; i++) {
        const struct summary_sample *sm = &c->samples[i];
        double wall = sm->v[RESULTS_COL_wall_s];
        double other = sm->v[RESULTS_COL_other_cpu_s];
        if (sm->status != ROW_OK || !isfinite(other) || !(wall > 0))
            continue;
        double share = other / wall;
        if (!(c->foreign_max >= share))
            c->foreign_max = share;
        if (share < SUMMARY_FOREIGN_WARN || other < SUMMARY_FOREIGN_MIN_S)
            continue;
        c->disturbed++;
        if (limit > 0 && fabs(wall - c->wall.median) > limit) {
            c->outliers_disturbed++;
            if (!(c->outliers_foreign <= share))
                c->outliers_foreign = share;
        }
    }
}

/* Wall and start-up statistics of each cell over its ok rows. */
static int cell_stats(struct summary *s) {
    for (size_t ci = 0; ci < s->count; ci++) {
        struct summary_cell *c = &s->cells[ci];
        double *share = malloc((c->rows_ok ? c->rows_ok : 1) * sizeof *share);
        if (share == NULL)
            return PB_ENOMEM;
        size_t ks = 0;
        for (size_t i = 0; i < c->nsamples; i++) {
            const struct summary_sample *sm = &c->samples[i];
            double wall = sm->v[RESULTS_COL_wall_s];
            double startup = sm->v[RESULTS_COL_startup_s];
            if (sm->status == ROW_OK && wall > 0.0 && !isnan(startup))
                share[ks++] = startup / wall;
        }
        summary_column_stats(c, RESULTS_COL_wall_s, &c->wall);
        cell_interference(c);
        c->startup_median = summary_median(c, RESULTS_COL_startup_s);
        c->startup_share = stats_median(share, ks);
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
        if (s->cells[i].line_first != i)
            continue;
        size_t n = 0;
        for (size_t k = i; k < s->count && s->cells[k].line_first == i; k++)
            if (isfinite(s->cells[k].speedup)) {
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
        rc = order_cells(out);
    if (rc == 0)
        mark_firsts(out);
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
