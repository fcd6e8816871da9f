/* SPDX-License-Identifier: MIT */
/*
 * compare.c - two results files, cell by cell (see compare.h).
 */
#include "results/compare.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "results/human.h"
#include "util/errors.h"
#include "util/json.h"

void compare_options_init(struct compare_options *o) {
    memset(o, 0, sizeof *o);
    summary_metric_of(RESULTS_COL_wall_s, &o->metric);
    o->alpha = VERDICT_ALPHA;
    o->threshold = VERDICT_THRESHOLD;
    o->format = REPORT_TABLE;
}

const char *compare_verdict_word(enum compare_verdict v,
                                 const struct summary_metric *m) {
    int timed = m->unit == HUMAN_SECONDS || m->unit == HUMAN_RATE;
    switch (v) {
    case COMPARE_SAME:
        return "no change";
    case COMPARE_BETTER:
        return timed ? "faster" : m->higher_is_better ? "higher" : "lower";
    case COMPARE_WORSE:
        return timed ? "slower" : m->higher_is_better ? "lower" : "higher";
    case COMPARE_BASE_ONLY:
        return "only in BASE";
    case COMPARE_NEW_ONLY:
        return "only in NEW";
    case COMPARE_NO_DATA:
    default:
        return "no data";
    }
}

/* The metric's ok values of cell c into a malloc'd array (*n of them);
 * NULL without memory. */
static double *values(const struct summary_cell *c, enum results_column col,
                      size_t *n) {
    double *x = malloc((c->rows_ok ? c->rows_ok : 1) * sizeof *x);
    *n = x != NULL ? summary_values(c, col, x) : 0;
    return x;
}

static int judge(struct compare_pair *p, const struct compare_options *o) {
    size_t m, n;
    double *x = values(p->base, o->metric.col, &m);
    double *y = values(p->new, o->metric.col, &n);
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return PB_ENOMEM;
    }
    stats_pair_compare(x, m, y, n, &p->st);
    free(x);
    free(y);
    if (m == 0 || n == 0 || !isfinite(p->st.ratio))
        p->verdict = COMPARE_NO_DATA;
    else if (!stats_differs(&p->st, o->alpha, o->threshold))
        p->verdict = COMPARE_SAME;
    else if ((p->st.ratio > 1.0) != (o->metric.higher_is_better != 0))
        p->verdict = COMPARE_WORSE;
    else
        p->verdict = COMPARE_BETTER;
    return 0;
}

int compare_build(const struct summary *base, const struct summary *new,
                  const struct compare_options *o, struct compare *out) {
    memset(out, 0, sizeof *out);
    out->pairs = calloc(base->count + new->count + 1, sizeof *out->pairs);
    if (out->pairs == NULL)
        return PB_ENOMEM;
    for (size_t i = 0; i < base->count; i++) {
        struct compare_pair *p = &out->pairs[out->n++];
        p->base = &base->cells[i];
        for (size_t k = 0; k < new->count && p->new == NULL; k++)
            if (summary_same_cell(&new->cells[k], p->base))
                p->new = &new->cells[k];
        p->st.ratio = NAN;
        if (p->new == NULL)
            p->verdict = COMPARE_BASE_ONLY;
        else if (judge(p, o) < 0) {
            compare_free(out);
            return PB_ENOMEM;
        }
    }
    for (size_t k = 0; k < new->count; k++) {
        int matched = 0;
        for (size_t i = 0; i < base->count && !matched; i++)
            matched = summary_same_cell(&new->cells[k], &base->cells[i]);
        if (matched)
            continue;
        struct compare_pair *p = &out->pairs[out->n++];
        p->new = &new->cells[k];
        p->st.ratio = NAN;
        p->verdict = COMPARE_NEW_ONLY;
    }
    double logsum = 0.0;
    for (size_t i = 0; i < out->n; i++) {
        const struct compare_pair *p = &out->pairs[i];
        out->counts[p->verdict]++;
        if (p->verdict <= COMPARE_WORSE && p->st.ratio > 0.0) {
            logsum += log(p->st.ratio);
            out->ngeo++;
        }
    }
    out->geomean = out->ngeo ? exp(logsum / (double)out->ngeo) : NAN;
    return 0;
}

void compare_free(struct compare *c) {
    free(c->pairs);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------------ */
/* Printing                                                                  */
/* ------------------------------------------------------------------------ */

/* The cell of a pair (whichever side has it). */
static const struct summary_cell *pair_cell(const struct compare_pair *p) {
    return p->base != NULL ? p->base : p->new;
}

enum { COLS = 9, TEXT_LEN = 160 };

static void pair_texts(const struct compare_pair *p,
                       const struct compare_options *o,
                       char t[COLS][TEXT_LEN]) {
    const struct summary_cell *c = pair_cell(p);
    int data = p->verdict <= COMPARE_WORSE;
    human_escape(t[0], TEXT_LEN, c->executor);
    snprintf(t[1], TEXT_LEN, "%u", c->workers);
    snprintf(t[2], TEXT_LEN, "%s", schedule_name(c->schedule));
    snprintf(t[3], TEXT_LEN, "-");
    snprintf(t[4], TEXT_LEN, "-");
    if (p->base != NULL && p->base->rows_ok > 0 && p->new != NULL)
        human_value(t[3], p->st.median_x, o->metric.unit);
    if (p->new != NULL && p->new->rows_ok > 0 && p->base != NULL)
        human_value(t[4], p->st.median_y, o->metric.unit);
    snprintf(t[5], TEXT_LEN, "-");
    snprintf(t[6], TEXT_LEN, "-");
    snprintf(t[7], TEXT_LEN, "-");
    if (data) {
        char r[HUMAN_LEN];
        human_ratio(r, p->st.ratio);
        snprintf(t[5], TEXT_LEN, "%s", r);
        if (isfinite(p->st.ci_lo)) {
            char lo[HUMAN_LEN], hi[HUMAN_LEN];
            human_sig3(lo, p->st.ci_lo);
            human_sig3(hi, p->st.ci_hi);
            snprintf(t[6], TEXT_LEN, "%s–%s", lo, hi);
        }
        human_p(t[7], p->st.mwu.p);
    }
    snprintf(t[8], TEXT_LEN, "%s",
             compare_verdict_word(p->verdict, &o->metric));
}

/* "3 faster, 1 slower, 5 no change, 1 only in NEW" */
static void counts_text(const struct compare *c,
                        const struct compare_options *o, char *buf,
                        size_t len) {
    static const enum compare_verdict order[] = {
        COMPARE_BETTER,  COMPARE_WORSE,     COMPARE_SAME,
        COMPARE_NO_DATA, COMPARE_BASE_ONLY, COMPARE_NEW_ONLY};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof *order && used < len; i++) {
        size_t k = c->counts[order[i]];
        if (k == 0 && i >= 3) /* faster, slower, no change always */
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%zu %s",
                                 used ? ", " : "", k,
                                 compare_verdict_word(order[i], &o->metric));
    }
}

static void footer_text(const struct compare *c,
                        const struct compare_options *o, char *buf,
                        size_t len) {
    char counts[512], g[HUMAN_LEN];
    counts_text(c, o, counts, sizeof counts);
    human_ratio(g, c->geomean);
    snprintf(buf, len,
             "%zu cell%s: %s; geometric mean of the ratios NEW/BASE %s "
             "(over %zu pair%s).",
             c->n, c->n == 1 ? "" : "s", counts, g, c->ngeo,
             c->ngeo == 1 ? "" : "s");
}

static void intro_text(const struct compare_options *o, const char *base_name,
                       const char *new_name, char *buf, size_t len) {
    snprintf(buf, len,
             "%s: NEW = %s against BASE = %s. Ratio NEW/BASE of the medians "
             "with its 95%% bootstrap interval, two-sided Mann-Whitney U "
             "p-value; \"no change\" unless p < %g and the ratio is at least "
             "%g%% away from 1.",
             results_header[o->metric.col], new_name, base_name, o->alpha,
             o->threshold * 100.0);
}

static const char *const headers[COLS] = {"executor", "workers", "schedule",
                                          "base",     "new",     "ratio",
                                          "95% CI",   "p",       "verdict"};
static const int right[COLS] = {0, 1, 0, 1, 1, 1, 0, 0, 0};

static int print_table(FILE *f, const struct compare *c,
                       const struct compare_options *o, const char *base_name,
                       const char *new_name) {
    char text[2048];
    intro_text(o, base_name, new_name, text, sizeof text);
    human_wrap(f, text, REPORT_WIDTH, "", "");
    char(*t)[COLS][TEXT_LEN] = malloc((c->n ? c->n : 1) * sizeof *t);
    const char **ptr = malloc((c->n ? c->n : 1) * COLS * sizeof *ptr);
    if (t == NULL || ptr == NULL) {
        free(t);
        free(ptr);
        return PB_ENOMEM;
    }
    for (size_t i = 0; i < c->n; i++) {
        const struct summary_cell *first = pair_cell(&c->pairs[i]);
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = summary_same_workload(pair_cell(&c->pairs[k]), first);
        if (seen)
            continue;
        size_t n = 0;
        for (size_t k = i; k < c->n; k++) {
            if (!summary_same_workload(pair_cell(&c->pairs[k]), first))
                continue;
            pair_texts(&c->pairs[k], o, t[n]);
            for (size_t j = 0; j < COLS; j++)
                ptr[n * COLS + j] = t[n][j];
            n++;
        }
        char head[2300];
        summary_workload_heading(first, head, sizeof head);
        fputc('\n', f);
        human_wrap(f, head, REPORT_WIDTH, "", "    ");
        human_grid(f, "  ", headers, right, COLS, ptr, n, 0, REPORT_WIDTH);
    }
    free(t);
    free(ptr);
    fputc('\n', f);
    footer_text(c, o, text, sizeof text);
    human_wrap(f, text, REPORT_WIDTH, "", "");
    return 0;
}

static int print_markdown(FILE *f, const struct compare *c,
                          const struct compare_options *o,
                          const char *base_name, const char *new_name) {
    char text[2048], t[COLS][TEXT_LEN];
    intro_text(o, base_name, new_name, text, sizeof text);
    fprintf(f, "%s\n\n| workload |", text);
    for (size_t j = 0; j < COLS; j++)
        fprintf(f, " %s |", headers[j]);
    fputs("\n|:---|", f);
    for (size_t j = 0; j < COLS; j++)
        fputs(right[j] ? "---:|" : ":---|", f);
    fputc('\n', f);
    for (size_t i = 0; i < c->n; i++) {
        pair_texts(&c->pairs[i], o, t);
        fputs("| ", f);
        human_markdown(f, pair_cell(&c->pairs[i])->workload);
        fputs(" |", f);
        for (size_t j = 0; j < COLS; j++) {
            fputc(' ', f);
            human_markdown(f, t[j]);
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    footer_text(c, o, text, sizeof text);
    fprintf(f, "\n%s\n", text);
    return 0;
}

/* Every row of one side, its status and value, as a JSON array ([] when
 * the cell is absent). */
static void json_values(FILE *f, const struct summary_cell *cell,
                        enum results_column col) {
    fputc('[', f);
    for (size_t i = 0; cell != NULL && i < cell->nsamples; i++) {
        fputs(i ? ", " : "", f);
        fprintf(f, "{\"repetition\": %u, \"status\": \"%s\", \"value\": ",
                cell->samples[i].repetition,
                row_status_name(cell->samples[i].status));
        json_write_number(f, cell->samples[i].v[col]);
        fputc('}', f);
    }
    fputc(']', f);
}

static int print_json(FILE *f, const struct compare *c,
                      const struct compare_options *o, const char *base_name,
                      const char *new_name) {
    fputs("{\n  \"format\": \"parbench-compare\",\n  \"format_version\": 1,\n"
          "  \"metric\": ",
          f);
    json_write_string(f, results_header[o->metric.col]);
    fputs(",\n  \"alpha\": ", f);
    json_write_number(f, o->alpha);
    json_write_member(f, ",\n  \"threshold\": ", o->threshold);
    fputs(",\n  \"base\": ", f);
    json_write_string(f, base_name);
    fputs(",\n  \"new\": ", f);
    json_write_string(f, new_name);
    fputs(",\n  \"cells\": [", f);
    for (size_t i = 0; i < c->n; i++) {
        const struct compare_pair *p = &c->pairs[i];
        const struct summary_cell *cell = pair_cell(p);
        int data = p->verdict <= COMPARE_WORSE;
        fprintf(f, "%s\n    {", i ? "," : "");
        summary_json_names(f, cell);
        fprintf(f, ", \"workers\": %u, \"schedule\": \"%s\",\n     ",
                cell->workers, schedule_name(cell->schedule));
        int both = p->base != NULL && p->new != NULL;
        json_write_member(f, "\"base_median\": ", both ? p->st.median_x : NAN);
        json_write_member(f, ", \"new_median\": ", both ? p->st.median_y : NAN);
        json_write_member(f, ", \"ratio\": ", data ? p->st.ratio : NAN);
        json_write_member(f, ", \"ci95_lo\": ", data ? p->st.ci_lo : NAN);
        json_write_member(f, ", \"ci95_hi\": ", data ? p->st.ci_hi : NAN);
        json_write_member(f, ", \"p\": ", data ? p->st.mwu.p : NAN);
        fprintf(f, ", \"p_exact\": %s,\n     \"verdict\": ",
                data && p->st.mwu.exact ? "true" : "false");
        json_write_string(f, compare_verdict_word(p->verdict, &o->metric));
        fputs(",\n     \"base_samples\": ", f);
        json_values(f, p->base, o->metric.col);
        fputs(",\n     \"new_samples\": ", f);
        json_values(f, p->new, o->metric.col);
        fputc('}', f);
    }
    fprintf(f, "%s],\n  \"counts\": {", c->n ? "\n  " : "");
    for (int v = 0; v < COMPARE_VERDICTS; v++) {
        fprintf(f, "%s", v ? ", " : "");
        json_write_string(
            f, compare_verdict_word((enum compare_verdict)v, &o->metric));
        fprintf(f, ": %zu", c->counts[v]);
    }
    fputs("},\n  \"geomean_ratio\": ", f);
    json_write_number(f, c->geomean);
    fprintf(f, ",\n  \"worse\": %zu\n}\n", c->counts[COMPARE_WORSE]);
    return 0;
}

int compare_print(FILE *f, const struct compare *c,
                  const struct compare_options *o, const char *base_name,
                  const char *new_name) {
    locale_t cl = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = cl != (locale_t)0 ? uselocale(cl) : (locale_t)0;
    int rc;
    if (o->format == REPORT_JSON)
        rc = print_json(f, c, o, base_name, new_name);
    else if (o->format == REPORT_MARKDOWN)
        rc = print_markdown(f, c, o, base_name, new_name);
    else
        rc = print_table(f, c, o, base_name, new_name);
    if (cl != (locale_t)0) {
        uselocale(old);
        freelocale(cl);
    }
    if (rc == 0 && (ferror(f) || fflush(f) != 0))
        rc = PB_EIO;
    return rc;
}

int compare_files(const char *base, const char *new,
                  const struct compare_options *o, FILE *out, size_t *worse,
                  char *err, size_t errlen) {
    const char *paths[2] = {base, new};
    struct summary s[2];
    memset(s, 0, sizeof s);
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        struct result_row *rows = NULL;
        size_t n = 0;
        if (results_read(paths[i], &rows, &n, err, errlen) < 0) {
            rc = PB_EINVAL;
            break;
        }
        rc = summary_build(rows, n, &s[i]);
        results_free(rows, n);
        if (rc < 0)
            snprintf(err, errlen, "out of memory summarising %s", paths[i]);
    }
    struct compare c;
    memset(&c, 0, sizeof c);
    if (rc == 0 && (rc = compare_build(&s[0], &s[1], o, &c)) < 0)
        snprintf(err, errlen, "out of memory comparing");
    if (rc == 0 && (rc = compare_print(out, &c, o, base, new)) < 0)
        snprintf(err, errlen, "cannot print the comparison: %s",
                 strerror(errno));
    *worse = c.counts[COMPARE_WORSE];
    compare_free(&c);
    summary_free(&s[0]);
    summary_free(&s[1]);
    return rc;
}
