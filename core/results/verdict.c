/* SPDX-License-Identifier: MIT */
/*
 * verdict.c - executors ranked per workload and worker count, with the
 * significance of each difference and a sentence (see verdict.h).
 */
#include "results/verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/errors.h"
#include "util/json.h"

/* ------------------------------------------------------------------------ */
/* Building                                                                  */
/* ------------------------------------------------------------------------ */

int verdict_has_executor(const struct summary *s, const char *name) {
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->cells[i].executor, name) == 0)
            return 1;
    return 0;
}

struct rank_item {
    size_t cell;
    double median;
};

static int cmp_rank(const void *a, const void *b) {
    const struct rank_item *x = a, *y = b;
    if (x->median != y->median)
        return (x->median > y->median) - (x->median < y->median);
    return (x->cell > y->cell) - (x->cell < y->cell);
}

/* The ranking of `cells` (n indices into s) by column col. */
static int rank(const struct summary *s, const size_t *cells, size_t n,
                enum results_column col, const struct verdict_options *o,
                struct verdict_ranking *out, int *versus_found) {
    memset(out, 0, sizeof *out);
    struct rank_item *items = malloc((n ? n : 1) * sizeof *items);
    out->e = calloc(n ? n : 1, sizeof *out->e);
    size_t maxn = 1;
    for (size_t i = 0; i < n; i++)
        if (s->cells[cells[i]].rows_ok > maxn)
            maxn = s->cells[cells[i]].rows_ok;
    double *x = malloc(maxn * sizeof *x), *y = malloc(maxn * sizeof *y);
    if (items == NULL || out->e == NULL || x == NULL || y == NULL) {
        free(items);
        free(x);
        free(y);
        return PB_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct summary_cell *c = &s->cells[cells[i]];
        double median = stats_median(x, summary_values(c, col, x));
        if (isfinite(median))
            items[k++] = (struct rank_item){cells[i], median};
    }
    qsort(items, k, sizeof *items, cmp_rank);
    out->n = k;
    out->ref = 0;
    *versus_found = 0;
    for (size_t i = 0; o->versus != NULL && i < k; i++)
        if (strcmp(s->cells[items[i].cell].executor, o->versus) == 0) {
            out->ref = i; /* the fastest of its schedules */
            *versus_found = 1;
            break;
        }
    const struct summary_cell *ref = k ? &s->cells[items[out->ref].cell] : NULL;
    size_t mr = ref ? summary_values(ref, col, x) : 0;
    for (size_t i = 0; i < k; i++) {
        struct verdict_entry *e = &out->e[i];
        e->cell = items[i].cell;
        if (i == out->ref) {
            /* Against itself: its median (finite, from items), ratio 1,
             * no interval to bootstrap and no test to make. */
            memset(&e->vs, 0, sizeof e->vs);
            e->vs.median_x = e->vs.median_y = items[i].median;
            e->vs.ratio = e->vs.ci_lo = e->vs.ci_hi = 1.0;
            e->vs.mwu.u = e->vs.mwu.p = NAN;
            e->differs = 0;
        } else {
            size_t my = summary_values(&s->cells[e->cell], col, y);
            stats_pair_compare(x, mr, y, my, &e->vs);
            e->differs = stats_differs(&e->vs, o->alpha, o->threshold);
        }
    }
    free(items);
    free(x);
    free(y);
    return 0;
}

static int cmp_unsigned(const void *a, const void *b) {
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* Adds the group of workload cell `first` at `workers`, when it has two
 * or more cells. */
static int add_group(const struct summary *s, struct verdict *v, size_t first,
                     unsigned workers, size_t *cells) {
    size_t n = 0, end = summary_workload_end(s, first);
    for (size_t k = first; k < end; k++)
        if (s->cells[k].workers == workers)
            cells[n++] = k;
    if (n < 2)
        return 0;
    struct verdict_group *g = &v->groups[v->n];
    memset(g, 0, sizeof *g);
    g->first = first;
    g->workers = workers;
    g->no_data = malloc(n * sizeof *g->no_data);
    if (g->no_data == NULL)
        return PB_ENOMEM;
    v->n++;
    for (size_t i = 0; i < n; i++)
        if (s->cells[cells[i]].rows_ok == 0)
            g->no_data[g->nno_data++] = cells[i];
    int found, ignored;
    if (rank(s, cells, n, RESULTS_COL_wall_s, &v->o, &g->wall, &found) < 0 ||
        rank(s, cells, n, RESULTS_COL_pss_kib, &v->o, &g->pss, &ignored) < 0 ||
        rank(s, cells, n, RESULTS_COL_startup_s, &v->o, &g->startup, &ignored) <
            0)
        return PB_ENOMEM;
    g->versus_found = found;
    return 0;
}

int verdict_build(const struct summary *s, const struct verdict_options *o,
                  struct verdict *out) {
    memset(out, 0, sizeof *out);
    out->o = *o;
    size_t cap = s->count ? s->count : 1;
    out->groups = calloc(cap, sizeof *out->groups);
    size_t *cells = malloc(cap * sizeof *cells);
    unsigned *workers = malloc(cap * sizeof *workers);
    int rc = out->groups && cells && workers ? 0 : PB_ENOMEM;
    for (size_t i = 0; rc == 0 && i < s->count; i++) {
        if (summary_first_of_workload(s, i) != i)
            continue;
        size_t nw = 0, end = summary_workload_end(s, i);
        for (size_t k = i; k < end; k++)
            workers[nw++] = s->cells[k].workers;
        qsort(workers, nw, sizeof *workers, cmp_unsigned);
        for (size_t w = 0; rc == 0 && w < nw; w++)
            if (w == 0 || workers[w] != workers[w - 1])
                rc = add_group(s, out, i, workers[w], cells);
    }
    free(cells);
    free(workers);
    if (rc != 0)
        verdict_free(out);
    return rc;
}

void verdict_free(struct verdict *v) {
    for (size_t i = 0; v->groups != NULL && i < v->n; i++) {
        free(v->groups[i].wall.e);
        free(v->groups[i].pss.e);
        free(v->groups[i].startup.e);
        free(v->groups[i].no_data);
    }
    free(v->groups);
    memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------------------ */
/* Words                                                                     */
/* ------------------------------------------------------------------------ */

/* A cell's name in its group: the executor, and its schedule when the
 * group holds the executor under another schedule too. */
static void entry_name(const struct summary *s, const struct verdict_group *g,
                       size_t cell, char *buf, size_t len) {
    const struct summary_cell *c = &s->cells[cell];
    int several = 0;
    size_t end = summary_workload_end(s, g->first);
    for (size_t k = g->first; k < end && !several; k++) {
        const struct summary_cell *o = &s->cells[k];
        several = o->workers == g->workers && o->schedule != c->schedule &&
                  strcmp(o->executor, c->executor) == 0;
    }
    char e[HUMAN_NAME_LEN];
    human_escape(e, sizeof e, c->executor);
    if (several)
        snprintf(buf, len, "%s (%s)", e, schedule_name(c->schedule));
    else
        snprintf(buf, len, "%s", e);
}

/* Appends printf text to buf (len bytes, *used so far). */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...) {
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used = *used + (size_t)w < len ? *used + (size_t)w : len - 1;
}

/* "a", "a and b", "a, b and c": the names of entries idx[0..n-1]. */
static void append_names(char *buf, size_t len, size_t *used,
                         const struct summary *s, const struct verdict_group *g,
                         const size_t *cells, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char name[160];
        entry_name(s, g, cells[i], name, sizeof name);
        append(buf, len, used, "%s%s",
               i == 0       ? ""
               : i == n - 1 ? " and "
                            : ", ",
               name);
    }
}

/* What the wall-time comparison of one entry says: "2.02× slower". */
static void entry_change(const struct verdict_entry *e, char *buf) {
    char r[HUMAN_LEN];
    if (e->vs.ratio >= 1.0) {
        human_ratio(r, e->vs.ratio);
        snprintf(buf, 64, "%s slower", r);
    } else {
        human_ratio(r, 1.0 / e->vs.ratio);
        snprintf(buf, 64, "%s faster", r);
    }
}

void verdict_sentence(const struct summary *s, const struct verdict *v,
                      const struct verdict_group *g, char *buf, size_t len) {
    const struct verdict_ranking *r = &g->wall;
    size_t used = 0;
    buf[0] = '\0';
    char w[HUMAN_NAME_LEN];
    append(buf, len, &used, "%s, %u worker%s: ",
           human_escape(w, sizeof w, s->cells[g->first].workload), g->workers,
           g->workers == 1 ? "" : "s");
    size_t *tie = malloc((r->n ? r->n : 1) * sizeof *tie);
    if (tie == NULL) {
        append(buf, len, &used, "(out of memory)");
        return;
    }
    /* The reference and the entries close to it (within the threshold,
     * or not significant and no further away than the threshold). */
    size_t nt = 0;
    double within = 0.0;
    int any_sig = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct verdict_entry *e = &r->e[i];
        double d = fabs(e->vs.ratio - 1.0);
        if (i != r->ref && (e->differs || d >= v->o.threshold))
            continue;
        tie[nt++] = e->cell;
        if (i == r->ref)
            continue;
        within = fmax(within, d);
        any_sig |= e->vs.mwu.p < v->o.alpha;
    }
    const char *sep = "";
    if (r->n == 1) {
        char name[160], med[HUMAN_LEN];
        entry_name(s, g, r->e[0].cell, name, sizeof name);
        human_seconds(med, r->e[0].vs.median_y);
        append(buf, len, &used, "only %s has ok repetitions (%s)", name, med);
        sep = "; ";
    } else if (nt >= 2) {
        append_names(buf, len, &used, s, g, tie, nt);
        char pct[HUMAN_LEN];
        human_percent(pct, within);
        append(buf, len, &used, " tie (within %s, %s)", pct,
               any_sig ? "below the threshold" : "not significant");
        sep = "; ";
    } else if (r->n > 1) {
        char name[160];
        entry_name(s, g, r->e[r->ref].cell, name, sizeof name);
        if (g->versus_found)
            append(buf, len, &used, "against %s, ", name);
        else
            append(buf, len, &used, "%s is fastest", name);
        sep = g->versus_found ? "" : "; ";
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct verdict_entry *e = &r->e[i];
        if (i == r->ref || fabs(e->vs.ratio - 1.0) < v->o.threshold)
            continue;
        char name[160], change[64], p[HUMAN_LEN];
        entry_name(s, g, e->cell, name, sizeof name);
        entry_change(e, change);
        human_p(p, e->vs.mwu.p);
        if (e->differs)
            append(buf, len, &used, "%s%s is %s (%s)", sep, name, change, p);
        else
            append(buf, len, &used, "%s%s looks %s, but not significantly (%s)",
                   sep, name, change, p);
        sep = "; ";
    }
    if (g->nno_data > 0) {
        append(buf, len, &used, "%s", sep);
        append_names(buf, len, &used, s, g, g->no_data, g->nno_data);
        append(buf, len, &used, " %s no ok repetitions",
               g->nno_data == 1 ? "has" : "have");
    }
    /* Too few repetitions for any difference to be significant. */
    size_t few = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct summary_cell *c = &s->cells[r->e[i].cell];
        const struct summary_cell *ref = &s->cells[r->e[r->ref].cell];
        if (i != r->ref &&
            stats_mann_whitney_min_p(ref->rows_ok, c->rows_ok) >= v->o.alpha)
            few++;
    }
    if (few > 0)
        append(buf, len, &used,
               " (too few repetitions for p < %g: run more, e.g. --set "
               "run.repetitions=5)",
               v->o.alpha);
    if (g->versus_found == 0 && v->o.versus != NULL)
        append(buf, len, &used, " (%s did not run at %u worker%s)", v->o.versus,
               g->workers, g->workers == 1 ? "" : "s");
    append(buf, len, &used, ".");
    free(tie);
}

/* ------------------------------------------------------------------------ */
/* Table                                                                     */
/* ------------------------------------------------------------------------ */

/* "pthread 3.42 MiB; fork 7.10 MiB 2.08×; gil 3.43 MiB ≈" */
static void ranking_line(const struct summary *s, const struct verdict_group *g,
                         const struct verdict_ranking *r, enum human_unit unit,
                         char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        const struct verdict_entry *e = &r->e[i];
        char name[160], val[HUMAN_LEN], ratio[HUMAN_LEN];
        entry_name(s, g, e->cell, name, sizeof name);
        human_value(val, e->vs.median_y, unit);
        append(buf, len, &used, "%s%s %s", i ? "; " : "", name, val);
        if (i == r->ref)
            continue;
        human_ratio(ratio, e->vs.ratio);
        append(buf, len, &used, " %s%s", ratio, e->differs ? "" : " ≈");
    }
}

/* Whether every median of the ranking is 0 (a column not measured). */
static int all_zero(const struct verdict_ranking *r) {
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].vs.median_y != 0.0)
            return 0;
    return 1;
}

/* The table's word for entry i: "reference", "tie" (within the
 * threshold), "not significant" (beyond it, but p >= alpha), "slower" or
 * "faster". */
static const char *entry_word(const struct verdict *v,
                              const struct verdict_ranking *r, size_t i) {
    const struct verdict_entry *e = &r->e[i];
    if (i == r->ref)
        return "reference";
    if (!e->differs)
        return fabs(e->vs.ratio - 1.0) >= v->o.threshold ? "not significant"
                                                         : "tie";
    return e->vs.ratio > 1.0 ? "slower" : "faster";
}

/* The interval of a ratio: "0.99–1.05", or "-". */
static void ratio_ci(char *buf, const struct verdict_entry *e, int ref) {
    if (ref || !isfinite(e->vs.ci_lo))
        snprintf(buf, HUMAN_LEN, "-");
    else {
        char lo[HUMAN_LEN], hi[HUMAN_LEN];
        human_sig3(lo, e->vs.ci_lo);
        human_sig3(hi, e->vs.ci_hi);
        snprintf(buf, HUMAN_LEN, "%s–%s", lo, hi);
    }
}

static int stream_status(FILE *f) { return ferror(f) ? PB_EIO : 0; }

int verdict_print_table(FILE *f, const struct summary *s,
                        const struct verdict *v, size_t width) {
    if (v->n == 0)
        return stream_status(f);
    char intro[600];
    snprintf(intro, sizeof intro,
             "Verdicts: per workload and worker count, executors ranked by "
             "median wall time; the ratio to %s%s with the 95%% bootstrap "
             "interval of the ratio of medians, and the two-sided "
             "Mann-Whitney U p-value. A difference counts when p < %g and "
             "the ratio is at least %g%% away from 1; ≈ marks one that "
             "does not.",
             v->o.versus ? "" : "the fastest", v->o.versus ? v->o.versus : "",
             v->o.alpha, v->o.threshold * 100.0);
    fputc('\n', f);
    human_wrap(f, intro, width, "", "");
    for (size_t gi = 0; gi < v->n; gi++) {
        const struct verdict_group *g = &v->groups[gi];
        const struct verdict_ranking *r = &g->wall;
        char w[HUMAN_NAME_LEN];
        fprintf(f, "\n%s, %u worker%s\n",
                human_escape(w, sizeof w, s->cells[g->first].workload),
                g->workers, g->workers == 1 ? "" : "s");
        char(*t)[6][160] = malloc((r->n ? r->n : 1) * sizeof *t);
        const char **ptr = malloc((r->n ? r->n : 1) * 6 * sizeof *ptr);
        if (t == NULL || ptr == NULL) {
            free(t);
            free(ptr);
            return PB_ENOMEM;
        }
        for (size_t i = 0; i < r->n; i++) {
            const struct verdict_entry *e = &r->e[i];
            entry_name(s, g, e->cell, t[i][0], sizeof t[i][0]);
            human_seconds(t[i][1], e->vs.median_y);
            human_ratio(t[i][2], e->vs.ratio);
            ratio_ci(t[i][3], e, i == r->ref);
            if (i == r->ref)
                snprintf(t[i][4], sizeof t[i][4], "-");
            else
                human_p(t[i][4], e->vs.mwu.p);
            snprintf(t[i][5], sizeof t[i][5], "%s", entry_word(v, r, i));
            for (size_t j = 0; j < 6; j++)
                ptr[i * 6 + j] = t[i][j];
        }
        static const char *const header[6] = {"executor", "median", "ratio",
                                              "95% CI",   "p",      "verdict"};
        static const int right[6] = {0, 1, 1, 0, 0, 0};
        human_grid(f, "  ", header, right, 6, ptr, r->n, 0, width);
        free(t);
        free(ptr);
        char line[2048];
        if (g->pss.n > 1 && !all_zero(&g->pss)) {
            ranking_line(s, g, &g->pss, HUMAN_KIB, line, sizeof line);
            human_wrap(f, line, width, "  memory (PSS): ", "    ");
        }
        if (g->startup.n > 1 && !all_zero(&g->startup)) {
            ranking_line(s, g, &g->startup, HUMAN_SECONDS, line, sizeof line);
            human_wrap(f, line, width, "  start-up: ", "    ");
        }
        verdict_sentence(s, v, g, line, sizeof line);
        human_wrap(f, line, width, "  => ", "     ");
    }
    return stream_status(f);
}

/* ------------------------------------------------------------------------ */
/* Markdown                                                                  */
/* ------------------------------------------------------------------------ */

int verdict_print_markdown(FILE *f, const struct summary *s,
                           const struct verdict *v) {
    if (v->n == 0)
        return stream_status(f);
    fprintf(f,
            "\n## Verdicts\n\nExecutors ranked by median wall time per "
            "workload and worker count; ratio to %s, 95%% bootstrap "
            "interval of the ratio of medians, two-sided Mann-Whitney U "
            "p-value. A difference counts when p < %g and the ratio is at "
            "least %g%% away from 1.\n",
            v->o.versus ? v->o.versus : "the fastest", v->o.alpha,
            v->o.threshold * 100.0);
    for (size_t gi = 0; gi < v->n; gi++) {
        const struct verdict_group *g = &v->groups[gi];
        const struct verdict_ranking *r = &g->wall;
        char line[2048], w[HUMAN_NAME_LEN];
        verdict_sentence(s, v, g, line, sizeof line);
        fprintf(f, "\n### %s, %u worker%s\n\n> %s\n\n",
                human_escape(w, sizeof w, s->cells[g->first].workload),
                g->workers, g->workers == 1 ? "" : "s", line);
        fputs("| executor | median | ratio | 95% CI | p | verdict |\n"
              "|:---|---:|---:|:---|:---|:---|\n",
              f);
        for (size_t i = 0; i < r->n; i++) {
            const struct verdict_entry *e = &r->e[i];
            char name[160], med[HUMAN_LEN], ratio[HUMAN_LEN], ci[HUMAN_LEN],
                p[HUMAN_LEN];
            entry_name(s, g, e->cell, name, sizeof name);
            human_seconds(med, e->vs.median_y);
            human_ratio(ratio, e->vs.ratio);
            ratio_ci(ci, e, i == r->ref);
            if (i == r->ref)
                snprintf(p, sizeof p, "-");
            else
                human_p(p, e->vs.mwu.p);
            fputs("| ", f);
            human_markdown(f, name); /* a '|' in a name stays text */
            fprintf(f, " | %s | %s | %s | %s | %s |\n", med, ratio, ci, p,
                    entry_word(v, r, i));
        }
        if (g->pss.n > 1 && !all_zero(&g->pss)) {
            ranking_line(s, g, &g->pss, HUMAN_KIB, line, sizeof line);
            fprintf(f, "\n- memory (PSS): %s\n", line);
        }
        if (g->startup.n > 1 && !all_zero(&g->startup)) {
            ranking_line(s, g, &g->startup, HUMAN_SECONDS, line, sizeof line);
            fprintf(f, "%s- start-up: %s\n",
                    g->pss.n > 1 && !all_zero(&g->pss) ? "" : "\n", line);
        }
    }
    return stream_status(f);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */
/* ------------------------------------------------------------------------ */

static void json_ranking(FILE *f, const struct summary *s,
                         const struct verdict *v,
                         const struct verdict_ranking *r, const char *unit_key,
                         const char *in) {
    fputc('[', f);
    for (size_t i = 0; i < r->n; i++) {
        const struct verdict_entry *e = &r->e[i];
        const struct summary_cell *c = &s->cells[e->cell];
        fprintf(f, "%s\n%s  {\"executor\": ", i ? "," : "", in);
        json_write_string(f, c->executor);
        fprintf(f, ", \"schedule\": \"%s\", \"median_%s\": ",
                schedule_name(c->schedule), unit_key);
        json_write_number(f, e->vs.median_y);
        json_write_member(f, ", \"ratio\": ", e->vs.ratio);
        json_write_member(f,
                          ", \"ci95_lo\": ", i == r->ref ? NAN : e->vs.ci_lo);
        json_write_member(f,
                          ", \"ci95_hi\": ", i == r->ref ? NAN : e->vs.ci_hi);
        json_write_member(f, ", \"p\": ", e->vs.mwu.p);
        fprintf(f, ", \"p_exact\": %s, \"verdict\": \"%s\"}",
                i != r->ref && e->vs.mwu.exact ? "true" : "false",
                entry_word(v, r, i));
    }
    if (r->n)
        fprintf(f, "\n%s", in);
    fputc(']', f);
}

int verdict_print_json(FILE *f, const struct summary *s,
                       const struct verdict *v, const char *indent) {
    char in[64], in2[64];
    snprintf(in, sizeof in, "%s  ", indent);
    snprintf(in2, sizeof in2, "%s    ", indent);
    fputc('[', f);
    for (size_t gi = 0; gi < v->n; gi++) {
        const struct verdict_group *g = &v->groups[gi];
        const struct summary_cell *c = &s->cells[g->first];
        char line[2048];
        fprintf(f, "%s\n%s{\"workload\": ", gi ? "," : "", in);
        json_write_string(f, c->workload);
        fprintf(f, ",\n%s \"workload_params\": ", in);
        json_write_string(f, c->workload_params);
        fprintf(f, ",\n%s \"workers\": %u,\n%s \"reference\": ", in, g->workers,
                in);
        json_write_string(
            f,
            g->wall.n ? s->cells[g->wall.e[g->wall.ref].cell].executor : NULL);
        fprintf(f, ",\n%s \"sentence\": ", in);
        verdict_sentence(s, v, g, line, sizeof line);
        json_write_string(f, line);
        fprintf(f, ",\n%s \"wall\": ", in);
        json_ranking(f, s, v, &g->wall, "s", in2);
        fprintf(f, ",\n%s \"pss\": ", in);
        json_ranking(f, s, v, &g->pss, "kib", in2);
        fprintf(f, ",\n%s \"startup\": ", in);
        json_ranking(f, s, v, &g->startup, "s", in2);
        fprintf(f, ",\n%s \"no_ok_rows\": [", in);
        for (size_t k = 0; k < g->nno_data; k++) {
            fputs(k ? ", " : "", f);
            json_write_string(f, s->cells[g->no_data[k]].executor);
        }
        fputs("]}", f);
    }
    if (v->n)
        fprintf(f, "\n%s", indent);
    fputc(']', f);
    return stream_status(f);
}
