/* SPDX-License-Identifier: MIT */
/*
 * test_report.c - the per-cell summary: grouping, speedup against serial
 * and against 1 worker, failed rows excluded, the table and the CSV.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/compare.h"
#include "results/csv.h"
#include "results/report.h"
#include "util/errors.h"

/* Doubles equal to 1e-9 relative (cmocka 1.1.5's assert_float_equal
 * compares as float). */
#define assert_near(a, b) assert_near_at((a), (b), __FILE__, __LINE__)
static void assert_near_at(double a, double b, const char *file, int line) {
    if (!(fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b)))) {
        print_error("%.17g != %.17g\n", a, b);
        _fail(file, line);
    }
}

/* ------------------------------------------------------------------------ */
/* Fixture: one results set and its summary, shared by the group           */
/* ------------------------------------------------------------------------ */

struct fixture {
    struct result_row rows[32];
    size_t n;
    struct summary sum;
    char path[64]; /* scratch file */
};

static void add(struct fixture *fx, const char *workload, const char *executor,
                unsigned workers, enum pb_schedule schedule,
                enum row_status status, double wall, double startup) {
    struct result_row *r = &fx->rows[fx->n++];
    memset(r, 0, sizeof *r);
    r->run_id = strdup("run");
    r->started_at = strdup("2026-11-25T08:17:57Z");
    r->host = strdup("host");
    r->workload = strdup(workload);
    r->workload_params = strdup("tasks=8");
    r->executor = strdup(executor);
    r->error = strdup(status == ROW_OK ? "" : "task 1 failed");
    r->workers = workers;
    r->tasks = 8;
    r->schedule = schedule;
    r->repetition = 1;
    r->m.status = status;
    r->m.wall_s = wall;
    r->m.startup_s = startup;
    r->m.has_checksum = 1;
}

/* The summary's order: workload and executor by first appearance, then
 * schedule (static, dynamic), then workers ascending. */
enum {
    C_PRIME_SERIAL,
    C_PRIME_PTHREAD1,
    C_PRIME_PTHREAD2,
    C_PRIME_PTHREAD4,
    C_MM_FORK1S,
    C_MM_FORK2S,
    C_MM_FORK1D,
    C_MM_FORK2D,
    C_MM_FORK4D,
    C_COUNT
};

static int group_setup(void **state) {
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    const enum pb_schedule D = PB_SCHEDULE_DYNAMIC, S = PB_SCHEDULE_STATIC;

    /* "prime" has a serial baseline (median 4.0); rows interleaved. */
    add(fx, "prime", "serial", 1, D, ROW_OK, 4.2, 0.001);
    add(fx, "prime", "pthread", 2, D, ROW_OK, 2.0, 0.002);
    add(fx, "prime", "serial", 1, D, ROW_OK, 3.8, 0.003);
    add(fx, "mm", "fork", 1, S, ROW_OK, 8.0, 0.1);
    add(fx, "prime", "pthread", 4, D, ROW_FAILED, 0.1, 0.5);
    add(fx, "prime", "pthread", 4, D, ROW_OK, 1.3, 0.03);
    add(fx, "prime", "serial", 1, D, ROW_OK, 4.0, 0.002);
    add(fx, "prime", "pthread", 2, D, ROW_OK, 2.1, 0.002);
    add(fx, "prime", "pthread", 4, D, ROW_OK, 1.25, 0.01);
    add(fx, "prime", "pthread", 2, D, ROW_OK, 1.9, 0.002);
    add(fx, "prime", "pthread", 4, D, ROW_OK, 1.2, 0.02);
    /* "mm" has none: each schedule against its own 1-worker cell. */
    add(fx, "mm", "fork", 2, S, ROW_OK, 4.0, 0.2);
    add(fx, "prime", "pthread", 1, D, ROW_OK, 4.4, 0.001);
    add(fx, "mm", "fork", 1, D, ROW_OK, 6.0, 0.1);
    add(fx, "mm", "fork", 2, D, ROW_OK, 4.0, 0.2);
    add(fx, "mm", "fork", 4, D, ROW_CRASHED, 0.5, 0.0);
    add(fx, "mm", "fork", 4, D, ROW_TIMEOUT, 60.0, 0.0);

    snprintf(fx->path, sizeof fx->path, "/tmp/pb_test_report_XXXXXX");
    int fd = mkstemp(fx->path);
    if (fd < 0 || summary_build(fx->rows, fx->n, &fx->sum) != 0) {
        free(fx);
        return -1;
    }
    close(fd);
    *state = fx;
    return 0;
}

static int group_teardown(void **state) {
    struct fixture *fx = *state;
    summary_free(&fx->sum);
    for (size_t i = 0; i < fx->n; i++)
        results_row_free(&fx->rows[i]);
    unlink(fx->path);
    free(fx);
    return 0;
}

static const struct summary_cell *cell(void **state, size_t i) {
    const struct fixture *fx = *state;
    assert_true(i < fx->sum.count);
    return &fx->sum.cells[i];
}

/* ------------------------------------------------------------------------ */
/* Summary                                                                   */
/* ------------------------------------------------------------------------ */

static void test_cells_in_order(void **state) {
    const struct fixture *fx = *state;
    static const struct {
        const char *workload, *executor;
        unsigned workers;
        enum pb_schedule schedule;
        size_t rows, ok;
    } want[C_COUNT] = {
        {"prime", "serial", 1, PB_SCHEDULE_DYNAMIC, 3, 3},
        {"prime", "pthread", 1, PB_SCHEDULE_DYNAMIC, 1, 1},
        {"prime", "pthread", 2, PB_SCHEDULE_DYNAMIC, 3, 3},
        {"prime", "pthread", 4, PB_SCHEDULE_DYNAMIC, 4, 3},
        {"mm", "fork", 1, PB_SCHEDULE_STATIC, 1, 1},
        {"mm", "fork", 2, PB_SCHEDULE_STATIC, 1, 1},
        {"mm", "fork", 1, PB_SCHEDULE_DYNAMIC, 1, 1},
        {"mm", "fork", 2, PB_SCHEDULE_DYNAMIC, 1, 1},
        {"mm", "fork", 4, PB_SCHEDULE_DYNAMIC, 2, 0},
    };
    assert_int_equal(fx->sum.count, C_COUNT);
    for (size_t i = 0; i < C_COUNT; i++) {
        const struct summary_cell *c = &fx->sum.cells[i];
        assert_string_equal(c->workload, want[i].workload);
        assert_string_equal(c->executor, want[i].executor);
        assert_int_equal(c->workers, want[i].workers);
        assert_int_equal(c->schedule, want[i].schedule);
        assert_int_equal(c->rows, want[i].rows);
        assert_int_equal(c->rows_ok, want[i].ok);
        assert_int_equal(c->wall.n, want[i].ok);
    }
}

static void test_speedup_against_serial(void **state) {
    const struct summary_cell *c = cell(state, C_PRIME_SERIAL);
    assert_near(c->wall.median, 4.0);
    assert_near(c->speedup, 1.0);
    assert_near(c->efficiency, 1.0);
    assert_true(isnan(c->karp_flatt));
    assert_string_equal(c->baseline, "serial");
    assert_near(c->startup_median, 0.002);

    c = cell(state, C_PRIME_PTHREAD2);
    assert_near(c->wall.median, 2.0);
    assert_near(c->speedup, 2.0);
    assert_near(c->efficiency, 1.0);
    assert_near(c->karp_flatt, 0.0);
    assert_string_equal(c->baseline, "serial");

    /* 1 pthread is compared with serial, not with itself. */
    c = cell(state, C_PRIME_PTHREAD1);
    assert_near(c->speedup, 4.0 / 4.4);
    assert_near(c->efficiency, 4.0 / 4.4);
    assert_true(isnan(c->karp_flatt));
    assert_string_equal(c->baseline, "serial");
}

static void test_failed_rows_excluded(void **state) {
    /* The failed 0.1 s row would make the median 1.225 and the min 0.1. */
    const struct summary_cell *c = cell(state, C_PRIME_PTHREAD4);
    assert_near(c->wall.median, 1.25);
    assert_near(c->wall.mean, 1.25);
    assert_near(c->wall.stddev, 0.05);
    assert_near(c->wall.min, 1.2);
    assert_near(c->wall.max, 1.3);
    assert_near(c->wall.ci_lo, 1.2);
    assert_near(c->wall.ci_hi, 1.3);
    assert_near(c->wall.cv, 0.04);
    assert_near(c->startup_median, 0.02);
    assert_near(c->speedup, 3.2);
    assert_near(c->efficiency, 0.8);
    assert_near(c->karp_flatt, (1.0 / 3.2 - 0.25) / 0.75);
}

static void test_speedup_against_one_worker(void **state) {
    const struct summary_cell *c = cell(state, C_MM_FORK1S);
    assert_near(c->speedup, 1.0);
    assert_string_equal(c->baseline, "1 worker");

    c = cell(state, C_MM_FORK2S); /* 8.0 / 4.0, static against static */
    assert_near(c->speedup, 2.0);
    assert_near(c->efficiency, 1.0);
    assert_near(c->karp_flatt, 0.0);
    assert_string_equal(c->baseline, "1 worker");

    c = cell(state, C_MM_FORK2D); /* 6.0 / 4.0, dynamic against dynamic */
    assert_near(c->speedup, 1.5);
    assert_near(c->efficiency, 0.75);
    assert_near(c->karp_flatt, (1.0 / 1.5 - 0.5) / 0.5);
    assert_string_equal(c->baseline, "1 worker");
}

static void test_no_ok_rows(void **state) {
    const struct summary_cell *c = cell(state, C_MM_FORK4D);
    assert_int_equal(c->wall.n, 0);
    assert_true(isnan(c->speedup));
    assert_true(isnan(c->efficiency));
    assert_true(isnan(c->karp_flatt));
    assert_true(isnan(c->startup_median));
    assert_null(c->baseline);
}

/* Each cell's workload starts at its first cell and ends after its last,
 * and each line (executor and schedule) starts at its first cell: what the
 * table's and the plot's blocks, the fits and the verdict groups use. */
static void test_first_of_workload(void **state) {
    const struct summary *s = &((struct fixture *)*state)->sum;
    assert_int_equal(s->count, C_COUNT);
    for (size_t i = 0; i < C_COUNT; i++)
        assert_int_equal(summary_first_of_workload(s, i),
                         i < C_MM_FORK1S ? C_PRIME_SERIAL : C_MM_FORK1S);
    assert_int_equal(summary_workload_end(s, C_PRIME_SERIAL), C_MM_FORK1S);
    assert_int_equal(summary_workload_end(s, C_MM_FORK1S), C_COUNT);
    static const size_t line[C_COUNT] = {[C_PRIME_SERIAL] = C_PRIME_SERIAL,
                                         [C_PRIME_PTHREAD1] = C_PRIME_PTHREAD1,
                                         [C_PRIME_PTHREAD2] = C_PRIME_PTHREAD1,
                                         [C_PRIME_PTHREAD4] = C_PRIME_PTHREAD1,
                                         [C_MM_FORK1S] = C_MM_FORK1S,
                                         [C_MM_FORK2S] = C_MM_FORK1S,
                                         [C_MM_FORK1D] = C_MM_FORK1D,
                                         [C_MM_FORK2D] = C_MM_FORK1D,
                                         [C_MM_FORK4D] = C_MM_FORK1D};
    for (size_t i = 0; i < C_COUNT; i++)
        assert_int_equal(summary_first_of_line(s, i), line[i]);
}

static void test_no_baseline(void **state) {
    (void)state;
    struct fixture fx = {0};
    add(&fx, "noop", "pthread", 2, PB_SCHEDULE_DYNAMIC, ROW_OK, 1.0, 0.0);
    add(&fx, "noop", "pthread", 1, PB_SCHEDULE_STATIC, ROW_OK, 2.0, 0.0);
    /* A serial run of another workload is not a baseline for noop. */
    add(&fx, "prime", "serial", 1, PB_SCHEDULE_DYNAMIC, ROW_OK, 2.0, 0.0);
    struct summary s;
    assert_int_equal(summary_build(fx.rows, fx.n, &s), 0);
    assert_int_equal(s.count, 3);
    /* Static before dynamic: cells[1] is noop x pthread x 2 (dynamic). */
    assert_int_equal(s.cells[1].workers, 2);
    assert_true(isnan(s.cells[1].speedup));
    assert_null(s.cells[1].baseline);
    summary_free(&s);
    for (size_t i = 0; i < fx.n; i++)
        results_row_free(&fx.rows[i]);

    assert_int_equal(summary_build(NULL, 0, &s), 0);
    assert_int_equal(s.count, 0);
    summary_free(&s);
}

/* ------------------------------------------------------------------------ */
/* Table                                                                     */
/* ------------------------------------------------------------------------ */

/* The printed table of a summary with options o into a malloc'd string. */
static char *table_text(const struct summary *sum,
                        const struct report_options *o) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_print_table(f, sum, o), 0);
    fclose(f);
    return buf;
}

/* Display columns of the longest line of text, and whether a line ends in
 * a blank. */
static size_t widest_line(const char *text, int *trailing) {
    size_t widest = 0, w = 0;
    *trailing = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            *trailing |= p > text && p[-1] == ' ';
            widest = w > widest ? w : widest;
            w = 0;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            w++;
        }
    }
    return widest;
}

static void test_table(void **state) {
    const struct fixture *fx = *state;
    struct report_options o;
    report_options_init(&o, REPORT_TABLE);
    char *buf = table_text(&fx->sum, &o);

    /* Per workload a heading and a table in the default columns. */
    const char *prime =
        "prime (tasks=8)\n"
        "  executor  workers  schedule   ok  median  ±CI95  speedup  eff.   "
        " CV  notes\n"
        "  serial          1  dynamic   3/3  4.00 s  ±5.0%     1.00  1.00  "
        "5.0%\n"
        "  pthread         1  dynamic   1/1  4.40 s  ±0.0%     0.91  0.91     "
        "-\n"
        "  pthread         2  dynamic   3/3  2.00 s  ±5.0%     2.00  1.00  "
        "5.0%\n"
        "  pthread         4  dynamic   3/4  1.25 s  ±4.0%     3.20  0.80  "
        "4.0%  3/4 ok\n\n";
    if (strncmp(buf, prime, strlen(prime)) != 0) {
        print_error("got:\n%s\n", buf);
        fail();
    }
    assert_non_null(strstr(buf, "  fork            4  dynamic   0/2       - "
                                "     -        -     -   -  no ok rows\n"));
    int trailing;
    assert_true(widest_line(buf, &trailing) <= REPORT_WIDTH);
    assert_false(trailing);
    free(buf);

    /* --columns all: every statistic, the workload still a heading. */
    o.columns = "all";
    buf = table_text(&fx->sum, &o);
    assert_non_null(strstr(buf, "  executor  workers  schedule   ok  median "
                                " ±CI95  95% CI           mean"));
    assert_non_null(strstr(buf, "Karp-Flatt"));
    assert_null(strstr(buf, "  workload"));
    free(buf);

    /* A list, in its order. */
    o.columns = "median,executor";
    buf = table_text(&fx->sum, &o);
    assert_true(strncmp(buf,
                        "prime (tasks=8)\n  median  executor\n"
                        "  4.00 s  serial\n",
                        50) == 0);
    free(buf);

    char err[512];
    assert_int_equal(report_columns_check("median,nope", err, sizeof err),
                     PB_EINVAL);
    assert_true(strncmp(err,
                        "--columns: unknown column 'nope'; known: all, "
                        "workload, executor,",
                        64) == 0);
    assert_int_equal(report_columns_check("all", err, sizeof err), 0);
    assert_int_equal(report_columns_check("cv,sd", err, sizeof err), 0);
}

/* ------------------------------------------------------------------------ */
/* Warnings, formats                                                         */
/* ------------------------------------------------------------------------ */

/* Many noisy cells: one line per kind, not per cell; outliers that ran
 * beside foreign CPU say so. */
static void test_grouped_warnings(void **state) {
    (void)state;
    struct fixture fx = {0};
    const enum pb_schedule D = PB_SCHEDULE_DYNAMIC;
    const double noisy[] = {1.0, 1.1, 0.9, 1.0, 5.0};
    for (unsigned w = 1; w <= 6; w++)
        for (size_t i = 0; i < 5; i++) {
            add(&fx, "w", "e", w, D, ROW_OK, noisy[i], 0.0);
            /* The outlier (5.0 s) ran beside 2 s of other processes'
             * CPU: 40% of a CPU; the others beside 0.01 s. */
            fx.rows[fx.n - 1].m.other_cpu_s = i == 4 ? 2.0 : 0.01;
        }
    struct summary s;
    assert_int_equal(summary_build(fx.rows, fx.n, &s), 0);
    assert_int_equal(s.count, 6);
    assert_int_equal(s.cells[0].disturbed, 1);
    assert_int_equal(s.cells[0].outliers_disturbed, 1);
    char w[3][REPORT_WARN_LEN];
    assert_int_equal(report_cell_warnings(&s.cells[0], w, 3), 3);
    assert_string_equal(w[1], "1 of 5 ok repetitions is an outlier (beyond "
                              "3 scaled MADs of the median), it ran during "
                              "40% foreign CPU");
    assert_string_equal(w[2], "1 of 5 ok repetitions ran while other "
                              "processes used up to 40% of a CPU");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct report_options o;
    report_options_init(&o, REPORT_TABLE);
    assert_int_equal(report_print_table(f, &s, &o), 0);
    fclose(f);
    size_t lines = 0;
    for (char *p = strstr(buf, "\nwarning: "); p;
         p = strstr(p + 1, "\nwarning: "))
        lines++;
    assert_int_equal(lines, 3); /* 6 cells, 3 kinds of problem */
    int trailing;
    assert_true(widest_line(buf, &trailing) <= REPORT_WIDTH);
    free(buf);
    /* The same lines unwrapped, as Markdown's list. */
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    report_options_init(&o, REPORT_MARKDOWN);
    assert_int_equal(report_print_markdown(f, &s, &o), 0);
    fclose(f);
    assert_non_null(strstr(buf, "in 6 cells: w x e x 1 (dynamic) 99.5%, w x e "
                                "x 2 (dynamic) 99.5%, w x e x 3 (dynamic) "
                                "99.5%, w x e x 4 (dynamic) 99.5% and 2 more. "
                                "Hint: "));
    assert_non_null(strstr(buf, "w x e x 1 (dynamic) 1 of 5 (during foreign "
                                "CPU)"));
    assert_non_null(strstr(buf, "; 6 of these cells had every outlier during "
                                "foreign CPU"));
    free(buf);
    summary_free(&s);
    for (size_t i = 0; i < fx.n; i++)
        results_row_free(&fx.rows[i]);
}

static void test_warnings(void **state) {
    (void)state;
    struct fixture fx = {0};
    const enum pb_schedule D = PB_SCHEDULE_DYNAMIC;
    /* Median 1.0, absolute deviations 0 0.1 0.1 0 4: MAD 0.1, so 5.0 lies
     * beyond 3 * 1.4826 * 0.1; mean 1.8, sd sqrt(12.82 / 4) = 1.7903:
     * cv 99.5%. */
    const double noisy[] = {1.0, 1.1, 0.9, 1.0, 5.0};
    for (size_t i = 0; i < 5; i++)
        add(&fx, "w", "e", 1, D, ROW_OK, noisy[i], 0.0);
    /* cv 1% (0.01 / 1.0): no warning. */
    const double quiet[] = {1.0, 1.01, 0.99};
    for (size_t i = 0; i < 3; i++)
        add(&fx, "w", "e", 2, D, ROW_OK, quiet[i], 0.0);
    /* One row: no cv, no warning. */
    add(&fx, "w", "e", 3, D, ROW_OK, 7.0, 0.0);
    struct summary s;
    assert_int_equal(summary_build(fx.rows, fx.n, &s), 0);
    assert_int_equal(s.count, 3);

    char w[2][REPORT_WARN_LEN];
    assert_int_equal(report_cell_warnings(&s.cells[0], w, 2), 2);
    assert_string_equal(w[0], "coefficient of variation 99.5% is above 5%");
    assert_string_equal(w[1], "1 of 5 ok repetitions is an outlier (beyond "
                              "3 scaled MADs of the median)");
    assert_int_equal(report_cell_warnings(&s.cells[0], w, 1), 1);
    assert_int_equal(report_cell_warnings(&s.cells[1], w, 2), 0);
    assert_int_equal(report_cell_warnings(&s.cells[2], w, 2), 0);

    /* The table says it after a blank line, one line per kind of
     * problem. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct report_options o;
    report_options_init(&o, REPORT_TABLE);
    assert_int_equal(report_print_table(f, &s, &o), 0);
    fclose(f);
    /* Wrapped to REPORT_WIDTH: the first line of each. */
    assert_non_null(strstr(
        buf, "\n\nwarning: coefficient of variation above 5% in 1 cell: w x "
             "e x 1 (dynamic) 99.5%. Hint:\n    repetitions = auto"));
    assert_non_null(strstr(buf, "\nwarning: outliers (beyond 3 scaled MADs "
                                "of the median) in 1 cell: w x e x 1 "
                                "(dynamic) 1 of 5."));
    assert_null(strstr(buf, "w x e x 2"));
    free(buf);

    summary_free(&s);
    for (size_t i = 0; i < fx.n; i++)
        results_row_free(&fx.rows[i]);
}

static void test_format_parse(void **state) {
    (void)state;
    enum report_format f = REPORT_TABLE;
    assert_int_equal(report_format_parse("json", &f), 0);
    assert_int_equal(f, REPORT_JSON);
    assert_int_equal(report_format_parse("markdown", &f), 0);
    assert_int_equal(f, REPORT_MARKDOWN);
    assert_int_equal(report_format_parse("table", &f), 0);
    assert_int_equal(f, REPORT_TABLE);
    assert_int_equal(report_format_parse("JSON", &f), PB_EINVAL);
    assert_int_equal(report_format_parse("", &f), PB_EINVAL);
    assert_int_equal(report_format_parse(NULL, &f), PB_EINVAL);
    assert_int_equal(f, REPORT_TABLE);
}

/* Markdown and JSON of the fixture: structure (the exact bytes are the
 * golden files of tests/e2e/report.sh). */
static void test_markdown_and_json(void **state) {
    const struct fixture *fx = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct report_options o;
    report_options_init(&o, REPORT_MARKDOWN);
    assert_int_equal(report_print(f, &fx->sum, &o), 0);
    fclose(f);
    assert_true(strncmp(buf, "| workload | executor | workers |", 32) == 0);
    assert_non_null(strstr(buf, "\n|:---|:---|---:|:---|---:|"));
    assert_non_null(strstr(buf, "\n| mm | fork | 4 | dynamic | 0/2 | - |"));
    assert_non_null(strstr(buf, "\n## Verdicts\n"));
    free(buf);

    f = open_memstream(&buf, &len);
    assert_non_null(f);
    o.format = REPORT_JSON;
    assert_int_equal(report_print(f, &fx->sum, &o), 0);
    fclose(f);
    const char *head = "{\n  \"format\": \"parbench-summary\",\n  "
                       "\"format_version\": 2,\n";
    assert_true(strncmp(buf, head, strlen(head)) == 0);
    assert_non_null(strstr(buf, "\"karp_flatt\": 0.0833333333,"));
    assert_non_null(strstr(buf, "\"baseline\": \"1 worker\","));
    assert_non_null(strstr(buf, "\"median_s\": null,"));
    /* Every repetition, not ok ones too. */
    assert_non_null(strstr(buf, "{\"repetition\": 1, \"run_id\": \"run\", "
                                "\"status\": \"timeout\", \"wall_s\": 60,"));
    assert_string_equal(buf + len - 4, "]\n}\n");
    free(buf);

    struct summary empty;
    memset(&empty, 0, sizeof empty);
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(report_print_json(f, &empty, &o), 0);
    fclose(f);
    assert_string_equal(buf, "{\n  \"format\": \"parbench-summary\",\n  "
                             "\"format_version\": 2,\n  \"alpha\": 0.05,\n  "
                             "\"threshold\": 0.02,\n  \"versus\": null,\n  "
                             "\"cells\": [],\n  \"fits\": [],\n  "
                             "\"verdicts\": []\n}\n");
    free(buf);
}

/* "ipc_median": the median of instructions / cycles over the ok rows
 * that have both counters; null where the machine gave none (a missing
 * counter is never read as a zero IPC). */
static void test_ipc_median(void **state) {
    (void)state;
    struct fixture fx;
    memset(&fx, 0, sizeof fx);
    const enum pb_schedule D = PB_SCHEDULE_DYNAMIC;
    add(&fx, "prime", "fork", 2, D, ROW_OK, 1.0, 0.01);
    add(&fx, "prime", "fork", 2, D, ROW_OK, 1.1, 0.01);
    add(&fx, "prime", "fork", 2, D, ROW_OK, 1.2, 0.01);
    add(&fx, "prime", "fork", 2, D, ROW_FAILED, 1.2, 0.01);
    add(&fx, "prime", "pthread", 2, D, ROW_OK, 1.0, 0.01);
    const uint64_t cyc[] = {1000, 2000, 1000, 1000, 1000};
    const uint64_t ins[] = {1500, 2000, RESULTS_NO_VALUE, 9000,
                            RESULTS_NO_VALUE};
    for (size_t i = 0; i < fx.n; i++) {
        fx.rows[i].m.cycles = cyc[i];
        fx.rows[i].m.instructions = ins[i];
        fx.rows[i].m.cache_misses = fx.rows[i].m.cpu_migrations =
            fx.rows[i].m.minflt = fx.rows[i].m.majflt = fx.rows[i].m.uss_kib =
                RESULTS_NO_VALUE;
        fx.rows[i].m.task_clock_s = NAN;
    }
    struct summary s;
    assert_int_equal(summary_build(fx.rows, fx.n, &s), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct report_options o;
    report_options_init(&o, REPORT_JSON);
    assert_int_equal(report_print(f, &s, &o), 0);
    fclose(f);
    /* fork: the ok rows with both, 1.5 and 1.0 (the failed row's 9.0 and
     * the row without instructions do not count); pthread: none. */
    const char *fork = strstr(buf, "\"executor\": \"fork\"");
    const char *pth = strstr(buf, "\"executor\": \"pthread\"");
    assert_non_null(fork);
    assert_non_null(pth);
    const char *a = strstr(fork, "\"ipc_median\": "),
               *b = strstr(pth, "\"ipc_median\": ");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(strncmp(a, "\"ipc_median\": 1.25,", 19) == 0);
    assert_true(strncmp(b, "\"ipc_median\": null,", 19) == 0);
    /* The samples keep the empty counter empty. */
    assert_non_null(strstr(buf, "\"cycles\": 1000, \"instructions\": null, "
                                "\"cache_misses\": null, "
                                "\"task_clock_s\": null}"));
    free(buf);
    summary_free(&s);
    for (size_t i = 0; i < fx.n; i++)
        results_row_free(&fx.rows[i]);
}

/* An empty optional cell (cycles where the machine gives no hardware
 * counter) is no value: left out of a column's values, its statistics and
 * `compare --metric`, never a NaN among them; a cell with none has no
 * median and compares as "no data". */
static void test_empty_cells_left_out(void **state) {
    (void)state;
    struct fixture fx;
    memset(&fx, 0, sizeof fx);
    const enum pb_schedule D = PB_SCHEDULE_DYNAMIC;
    const uint64_t E = RESULTS_NO_VALUE;
    /* fork: 1000, 2000, 3000 and two empty cells (median 2000); the
     * failed row's value does not count.  pthread: none at all. */
    const uint64_t cyc[] = {3000, E, 1000, E, 2000, 9, E, E};
    for (size_t i = 0; i < 8; i++) {
        add(&fx, "prime", i < 6 ? "fork" : "pthread", 2, D,
            i == 5 ? ROW_FAILED : ROW_OK, 1.0 + 0.01 * (double)i, 0.01);
        fx.rows[i].m.cycles = cyc[i];
        fx.rows[i].m.instructions = fx.rows[i].m.cache_misses =
            fx.rows[i].m.cpu_migrations = fx.rows[i].m.minflt =
                fx.rows[i].m.majflt = fx.rows[i].m.uss_kib = E;
        fx.rows[i].m.task_clock_s = NAN;
    }
    struct summary s;
    assert_int_equal(summary_build(fx.rows, fx.n, &s), 0);
    assert_int_equal(s.count, 2);
    const struct summary_cell *fork = &s.cells[0], *pth = &s.cells[1];
    assert_string_equal(fork->executor, "fork");
    double x[8];
    assert_int_equal(summary_values(fork, RESULTS_COL_cycles, x), 3);
    assert_near(x[0], 3000);
    assert_near(x[1], 1000);
    assert_near(x[2], 2000);
    struct stats st;
    assert_int_equal(summary_column_stats(fork, RESULTS_COL_cycles, &st), 3);
    assert_near(st.median, 2000);
    assert_near(st.min, 1000);
    assert_near(summary_median(fork, RESULTS_COL_cycles), 2000);
    assert_int_equal(summary_values(pth, RESULTS_COL_cycles, x), 0);
    assert_int_equal(summary_column_stats(pth, RESULTS_COL_cycles, &st), 0);
    assert_true(isnan(summary_median(pth, RESULTS_COL_cycles)));

    /* compare --metric cycles of the file against itself. */
    struct compare_options o;
    compare_options_init(&o);
    assert_int_equal(summary_metric_parse("cycles", &o.metric), 0);
    struct compare c;
    assert_int_equal(compare_build(&s, &s, &o, &c), 0);
    assert_int_equal(c.n, 2);
    assert_ptr_equal(c.pairs[0].base, fork);
    assert_near(c.pairs[0].st.median_x, 2000);
    assert_near(c.pairs[0].st.median_y, 2000);
    assert_near(c.pairs[0].st.ratio, 1.0);
    assert_int_equal(c.pairs[0].verdict, COMPARE_SAME);
    assert_true(isnan(c.pairs[1].st.median_x));
    assert_int_equal(c.pairs[1].verdict, COMPARE_NO_DATA);
    compare_free(&c);
    summary_free(&s);
    for (size_t i = 0; i < fx.n; i++)
        results_row_free(&fx.rows[i]);
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */
/* ------------------------------------------------------------------------ */

/* The next row has SUMMARY_COLS fields, the first `count` as in want. */
enum { SUMMARY_COLS = 23 };
static void expect_csv_row(FILE *f, int *line, const char *const *want,
                           size_t count) {
    struct csv_row row;
    char err[128];
    assert_int_equal(csv_read_row(f, &row, line, err, sizeof err), 1);
    assert_int_equal(row.count, SUMMARY_COLS);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(row.fields[i], want[i]);
    csv_row_free(&row);
}

/* The bootstrap interval of median(4.2, 3.8, 4.0) / median(1.3, 1.25, 1.2)
 * with the fixed seed: its 2.5% and 97.5% quantiles are the extremes
 * 3.8 / 1.3 and 4.2 / 1.2, each of probability (7/27)^2 = 6.7% > 2.5%. */
#define SPEEDUP_CI_P4 "2.923077", "3.500000"

static void test_summary_csv(void **state) {
    const struct fixture *fx = *state;
    char err[256] = "";
    assert_int_equal(report_write_csv(fx->path, &fx->sum, err, sizeof err), 0);

    FILE *f = fopen(fx->path, "rb");
    assert_non_null(f);
    int line = 0;
    const char *header[] = {"workload",
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
    expect_csv_row(f, &line, header, 23);

    for (size_t i = 0; i < C_COUNT; i++) {
        if (i == C_PRIME_PTHREAD4) {
            const char *want[] = {
                "prime",    "pthread",    "4",        "dynamic",  "3",
                "4",        "1.250000",   "1.250000", "0.050000", "1.200000",
                "1.300000", "3.200000",   "0.800000", "0.083333", "1.200000",
                "1.300000", "0.040000",   "0",        "0.020000", "0.016667",
                "serial",   SPEEDUP_CI_P4};
            expect_csv_row(f, &line, want, 23);
        } else if (i == C_MM_FORK4D) {
            const char *want[] = {
                "mm", "fork", "4", "dynamic", "0", "2", "", "", "", "", "", "",
                "",   "",     "",  "",        "",  "",  "", "", "", "", ""};
            expect_csv_row(f, &line, want, 23);
        } else if (i == C_PRIME_SERIAL) {
            const char *want[] = {
                "prime",    "serial",   "1",        "dynamic",  "3",
                "3",        "4.000000", "4.000000", "0.200000", "3.800000",
                "4.200000", "1.000000", "1.000000", "",         "3.800000",
                "4.200000", "0.050000", "0",        "0.002000", "0.000500",
                "serial",   "1.000000", "1.000000"};
            expect_csv_row(f, &line, want, 23);
        } else {
            struct csv_row row;
            assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
            assert_int_equal(row.count, SUMMARY_COLS);
            csv_row_free(&row);
        }
    }
    struct csv_row row;
    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 0);
    assert_int_equal(line, 1 + C_COUNT);
    fclose(f);
}

static void test_summary_csv_error(void **state) {
    const struct fixture *fx = *state;
    char err[256] = "";
    assert_int_equal(report_write_csv("/nonexistent/pb/summary.csv", &fx->sum,
                                      err, sizeof err),
                     PB_EIO);
    assert_string_equal(err, "cannot write the summary "
                             "/nonexistent/pb/summary.csv: No such file or "
                             "directory");
}

/* Through the file: rows written, read back and summarised. */
static void test_from_results_file(void **state) {
    const struct fixture *fx = *state;
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    assert_int_equal(results_write_header(f), 0);
    for (size_t i = 0; i < fx->n; i++)
        assert_int_equal(results_write_row(f, &fx->rows[i]), 0);
    fclose(f);

    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(results_read(fx->path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, fx->n);
    struct summary s;
    assert_int_equal(summary_build(rows, n, &s), 0);
    assert_int_equal(s.count, C_COUNT);
    assert_near(s.cells[C_PRIME_PTHREAD4].speedup, 3.2);
    assert_near(s.cells[C_MM_FORK2D].speedup, 1.5);
    summary_free(&s);
    results_free(rows, n);
}

/* Rows of the same instance name with other parameters (a --resume with a
 * changed --set) are another cell, with their own baseline. */
static void test_params_split_cells(void **state) {
    (void)state;
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    add(fx, "primes", "serial", 1, PB_SCHEDULE_DYNAMIC, ROW_OK, 1.0, 0.0);
    add(fx, "primes", "pthread", 2, PB_SCHEDULE_DYNAMIC, ROW_OK, 0.5, 0.0);
    add(fx, "primes", "serial", 1, PB_SCHEDULE_DYNAMIC, ROW_OK, 30.0, 0.0);
    add(fx, "primes", "pthread", 2, PB_SCHEDULE_DYNAMIC, ROW_OK, 10.0, 0.0);
    for (size_t i = 2; i < 4; i++) {
        free(fx->rows[i].workload_params);
        fx->rows[i].workload_params = strdup("limit=3000000");
    }
    struct summary sum;
    assert_int_equal(summary_build(fx->rows, fx->n, &sum), 0);
    assert_int_equal(sum.count, 4);
    assert_near(sum.cells[1].wall.median, 0.5);
    assert_near(sum.cells[1].speedup, 2.0);
    assert_near(sum.cells[3].wall.median, 10.0);
    assert_near(sum.cells[3].speedup, 3.0);
    assert_string_equal(sum.cells[3].workload_params, "limit=3000000");
    summary_free(&sum);
    for (size_t i = 0; i < fx->n; i++)
        results_row_free(&fx->rows[i]);
    free(fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_split_cells),
        cmocka_unit_test(test_cells_in_order),
        cmocka_unit_test(test_speedup_against_serial),
        cmocka_unit_test(test_failed_rows_excluded),
        cmocka_unit_test(test_speedup_against_one_worker),
        cmocka_unit_test(test_no_ok_rows),
        cmocka_unit_test(test_first_of_workload),
        cmocka_unit_test(test_no_baseline),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_grouped_warnings),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_markdown_and_json),
        cmocka_unit_test(test_ipc_median),
        cmocka_unit_test(test_empty_cells_left_out),
        cmocka_unit_test(test_summary_csv),
        cmocka_unit_test(test_summary_csv_error),
        cmocka_unit_test(test_from_results_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
