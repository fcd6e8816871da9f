/* SPDX-License-Identifier: MIT */
/*
 * test_results.c - the results CSV contract: header, row formatting, and
 * reading rows back.
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

#include "results/results.h"
#include "util/errors.h"

#define HEADER_TEXT                                                            \
    "run_id,started_at,host,workload,workload_params,executor,workers,tasks,"  \
    "schedule,repetition,status,wall_s,startup_s,user_s,sys_s,peak_rss_kib,"   \
    "pss_kib,ctx_voluntary,ctx_involuntary,ipc_bytes,items,items_per_s,"       \
    "checksum,error,other_cpu_s,steal_s,minflt,majflt,cpu_migrations,uss_kib," \
    "executor_params,cycles,instructions,cache_misses,task_clock_s"

/* The header of a parbench before other_cpu_s ... were appended. */
#define OLD_HEADER_TEXT                                                        \
    "run_id,started_at,host,workload,workload_params,executor,workers,tasks,"  \
    "schedule,repetition,status,wall_s,startup_s,user_s,sys_s,peak_rss_kib,"   \
    "pss_kib,ctx_voluntary,ctx_involuntary,ipc_bytes,items,items_per_s,"       \
    "checksum,error"

/* Group state: a scratch file path, recreated empty by each test. */
struct scratch {
    char path[64];
};

static int group_setup(void **state) {
    struct scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    snprintf(s->path, sizeof s->path, "/tmp/pb_test_results_XXXXXX");
    int fd = mkstemp(s->path);
    if (fd < 0) {
        free(s);
        return -1;
    }
    close(fd);
    *state = s;
    return 0;
}

static int group_teardown(void **state) {
    struct scratch *s = *state;
    unlink(s->path);
    free(s);
    return 0;
}

static const char *scratch_path(void **state) {
    return ((struct scratch *)*state)->path;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The whole file as a NUL-terminated string; owned by the caller. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = calloc(1, 65536);
    assert_non_null(text);
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* A row where every field has a distinctive value.  The strings are
 * borrowed from static storage: never free this row. */
static struct result_row sample_row(void) {
    static char run_id[] = "20261125T081757Z-1a2b";
    static char started_at[] = "2026-11-25T08:17:57Z";
    static char host[] = "node-7";
    static char workload[] = "small-primes";
    static char params[] = "limit=100000;method=trial;tasks=32";
    static char executor[] = "fork";
    static char error[] = "";
    static char xparams[] = "schedule=dynamic;ballast=0;affinity=0-1";
    struct result_row r = {
        .run_id = run_id,
        .started_at = started_at,
        .host = host,
        .workload = workload,
        .workload_params = params,
        .executor = executor,
        .workers = 4,
        .tasks = 32,
        .schedule = PB_SCHEDULE_DYNAMIC,
        .repetition = 3,
        .m.status = ROW_OK,
        .m.wall_s = 1.25,
        .m.startup_s = 0.0015,
        .m.user_s = 4.5,
        .m.sys_s = 0.125,
        .m.peak_rss_kib = 10240,
        .m.pss_kib = 30000,
        .m.ctx_voluntary = 17,
        .m.ctx_involuntary = 5,
        .m.ipc_bytes = 123456789012ULL,
        .m.items = 99998,
        .m.minflt = 2048,
        .m.majflt = 1,
        .m.cpu_migrations = 3,
        .m.uss_kib = 25000,
        .m.cycles = 5000000000ULL,
        .m.instructions = 7500000000ULL,
        .m.cache_misses = RESULTS_NO_VALUE,
        .m.task_clock_s = 4.625,
        .items_per_s = 79998.4,
        .m.has_checksum = 1,
        .m.checksum = 78498,
        .error = error,
        .executor_params = xparams,
    };
    return r;
}

static void write_rows(const char *path, const struct result_row *rows,
                       size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(results_write_header(f), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(results_write_row(f, &rows[i]), 0);
    assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------------------ */

static void test_header_text(void **state) {
    char joined[512] = "";
    for (size_t i = 0; i < RESULTS_COLUMNS; i++) {
        if (i > 0)
            strcat(joined, ",");
        strcat(joined, results_header[i]);
    }
    assert_string_equal(joined, HEADER_TEXT);

    const char *path = scratch_path(state);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(results_write_header(f), 0);
    fclose(f);
    char *text = read_file(path);
    assert_string_equal(text, HEADER_TEXT "\r\n");
    free(text);
}

static void test_names(void **state) {
    (void)state;
    const char *names[] = {"ok", "failed", "crashed", "timeout", "interrupted"};
    for (int i = 0; i < 5; i++) {
        enum row_status s = ROW_OK;
        assert_string_equal(row_status_name((enum row_status)i), names[i]);
        assert_int_equal(row_status_parse(names[i], &s), 0);
        assert_int_equal(s, i);
    }
    enum row_status s = ROW_FAILED;
    assert_int_equal(row_status_parse("OK", &s), PB_EINVAL);
    assert_int_equal(row_status_parse("", &s), PB_EINVAL);
    assert_int_equal(s, ROW_FAILED);
}

static void test_row_text(void **state) {
    const char *path = scratch_path(state);
    struct result_row r = sample_row();
    write_rows(path, &r, 1);
    char *text = read_file(path);
    assert_string_equal(text, HEADER_TEXT
                        "\r\n"
                        "20261125T081757Z-1a2b,2026-11-25T08:17:"
                        "57Z,node-7,small-primes,limit=100000;"
                        "method=trial;tasks=32,fork,4,32,dynamic,"
                        "3,ok,1.250000000,0.001500000,4.500000,0.125000,"
                        "10240,30000,17,5,123456789012,99998,"
                        "79998.400,0x132a2,,0.00,0.00,2048,1,3,25000,"
                        "schedule=dynamic;ballast=0;affinity=0-1,"
                        "5000000000,7500000000,,4.625000\r\n");
    free(text);
}

static void test_round_trip(void **state) {
    const char *path = scratch_path(state);
    struct result_row in[2] = {sample_row(), sample_row()};
    static char failed_error[] = "task 3: expected 0x10, got 0x11";
    in[1].m.status = ROW_FAILED;
    in[1].schedule = PB_SCHEDULE_STATIC;
    in[1].m.has_checksum = 0;
    in[1].m.wall_s = NAN;
    in[1].m.checksum = UINT64_MAX;
    in[1].tasks = UINT64_MAX;
    in[1].error = failed_error;
    write_rows(path, in, 2);

    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);

    const struct result_row *r = &rows[0];
    assert_string_equal(r->run_id, "20261125T081757Z-1a2b");
    assert_string_equal(r->started_at, "2026-11-25T08:17:57Z");
    assert_string_equal(r->host, "node-7");
    assert_string_equal(r->workload, "small-primes");
    assert_string_equal(r->workload_params,
                        "limit=100000;method=trial;tasks=32");
    assert_string_equal(r->executor, "fork");
    assert_int_equal(r->workers, 4);
    assert_int_equal(r->tasks, 32);
    assert_int_equal(r->schedule, PB_SCHEDULE_DYNAMIC);
    assert_int_equal(r->repetition, 3);
    assert_int_equal(r->m.status, ROW_OK);
    assert_true(r->m.wall_s == 1.25);
    assert_true(r->m.startup_s == 0.0015);
    assert_true(r->m.user_s == 4.5);
    assert_true(r->m.sys_s == 0.125);
    assert_int_equal(r->m.peak_rss_kib, 10240);
    assert_int_equal(r->m.pss_kib, 30000);
    assert_int_equal(r->m.ctx_voluntary, 17);
    assert_int_equal(r->m.ctx_involuntary, 5);
    assert_int_equal(r->m.ipc_bytes, 123456789012ULL);
    assert_int_equal(r->m.items, 99998);
    assert_true(r->items_per_s == 79998.4);
    assert_int_equal(r->m.has_checksum, 1);
    assert_int_equal(r->m.checksum, 78498);
    assert_string_equal(r->error, "");

    r = &rows[1];
    assert_int_equal(r->m.status, ROW_FAILED);
    assert_int_equal(r->schedule, PB_SCHEDULE_STATIC);
    assert_int_equal(r->m.has_checksum, 0);
    assert_int_equal(r->m.checksum, 0);
    assert_true(isnan(r->m.wall_s));
    assert_true(r->tasks == UINT64_MAX);
    assert_string_equal(r->error, "task 3: expected 0x10, got 0x11");
    results_free(rows, n);
}

static void test_null_strings_read_empty(void **state) {
    const char *path = scratch_path(state);
    struct result_row in = sample_row();
    in.host = NULL;
    in.error = NULL;
    write_rows(path, &in, 1);
    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].host, "");
    assert_string_equal(rows[0].error, "");
    results_free(rows, n);
}

static void test_neutralised_text(void **state) {
    const char *path = scratch_path(state);
    struct result_row in = sample_row();
    static char host[] = "-3";          /* a number: never guarded        */
    static char workload[] = "@attack"; /* guarded                        */
    static char params[] = "+x=1;y=2";  /* guarded                        */
    static char executor[] = "'plain";  /* a quote that is not a guard    */
    static char run_id[] = "'=sum";     /* a quote before guarded text    */
    static char error[] = "=HYPERLINK(\"http://evil\",\"x\")";
    in.host = host;
    in.workload = workload;
    in.workload_params = params;
    in.executor = executor;
    in.run_id = run_id;
    in.m.status = ROW_FAILED;
    in.error = error;
    write_rows(path, &in, 1);

    char *text = read_file(path);
    assert_non_null(strstr(text, "\r\n''=sum,"));
    assert_non_null(strstr(text, ",-3,'@attack,'+x=1;y=2,'plain,"));
    assert_non_null(strstr(
        text, ",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",0.00,0.00,"
              "2048,1,3,25000,schedule=dynamic;"));
    free(text);

    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].host, "-3");
    assert_string_equal(rows[0].workload, "@attack");
    assert_string_equal(rows[0].workload_params, "+x=1;y=2");
    assert_string_equal(rows[0].executor, "'plain");
    assert_string_equal(rows[0].run_id, "'=sum");
    assert_string_equal(rows[0].error, "=HYPERLINK(\"http://evil\",\"x\")");
    results_free(rows, n);
}

/* A write cut short leaves a last line without line end: a whole row
 * there is read (UNENDED), anything less is ignored (TORN), with where the
 * line starts so that --resume can cut it away. */
static void test_torn_last_line(void **state) {
    const char *path = scratch_path(state);
    struct result_row rows[2] = {sample_row(), sample_row()};
    rows[1].repetition = 2;
    write_rows(path, rows, 2);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long whole = ftell(f);
    fclose(f);

    struct result_row *got = NULL;
    size_t n = 0;
    struct results_tail tail;
    char err[256] = "", want[512];

    /* Half of a row after the whole ones. */
    f = fopen(path, "ab");
    fputs("20261129-31337,2026-11-29T10:00:00Z,h,noop,\"a,b", f);
    fclose(f);
    assert_int_equal(results_read_tail(path, &got, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(tail.state, RESULTS_TAIL_TORN);
    assert_int_equal(tail.keep, whole);
    assert_int_equal(tail.line, 4);
    results_free(got, n);
    assert_int_equal(truncate(path, whole + 30), 0); /* 1 field, no quote */
    assert_int_equal(results_read_tail(path, &got, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(tail.state, RESULTS_TAIL_TORN);
    snprintf(want, sizeof want,
             "%s:4: the last line is cut short (2 of 35 fields, no line end)",
             path);
    assert_memory_equal(tail.warning, want, strlen(want));
    results_free(got, n);

    /* A whole last row without its CRLF is read. */
    assert_int_equal(truncate(path, whole - 2), 0);
    assert_int_equal(results_read_tail(path, &got, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(tail.state, RESULTS_TAIL_UNENDED);
    assert_int_equal(tail.keep, whole - 2);
    assert_int_equal(got[1].repetition, 2);
    results_free(got, n);

    /* Cut inside a row that is not the last: still an error. */
    assert_int_equal(truncate(path, whole - 80), 0);
    f = fopen(path, "ab");
    fputs("\r\n", f);
    fclose(f);
    assert_int_equal(results_read_tail(path, &got, &n, &tail, err, sizeof err),
                     PB_EINVAL);
}

/* An unavailable counter is an empty cell, read back as unavailable (NAN
 * as a number), never as 0. */
static void test_optional_counter(void **state) {
    const char *path = scratch_path(state);
    struct result_row in = sample_row();
    in.m.cpu_migrations = RESULTS_NO_VALUE;
    write_rows(path, &in, 1);
    char *text = read_file(path);
    assert_non_null(
        strstr(text, ",0x132a2,,0.00,0.00,2048,1,,25000,schedule="));
    free(text);
    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_true(rows[0].m.cpu_migrations == RESULTS_NO_VALUE);
    /* The perf counters alike: an empty cell, a present one read back. */
    assert_true(rows[0].m.cache_misses == RESULTS_NO_VALUE);
    assert_true(
        isnan(results_column_number(&rows[0], RESULTS_COL_cache_misses)));
    assert_true(rows[0].m.cycles == 5000000000ULL);
    assert_true(rows[0].m.instructions == 7500000000ULL);
    assert_true(fabs(rows[0].m.task_clock_s - 4.625) < 1e-9);
    assert_true(
        isnan(results_column_number(&rows[0], RESULTS_COL_cpu_migrations)));
    assert_true(results_column_number(&rows[0], RESULTS_COL_minflt) == 2048);
    results_free(rows, n);
}

/* A file an older parbench wrote (header up to `error`) is still read:
 * the appended columns are empty. */
static void test_older_header(void **state) {
    const char *path = scratch_path(state);
    write_file(path, "run_id,started_at,host,workload,workload_params,"
                     "executor,workers,tasks,schedule,repetition,status,"
                     "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
                     "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
                     "items_per_s,checksum,error\r\n"
                     "r,2026-11-25T08:17:57Z,h,w,,fork,2,4,static,1,ok,"
                     "0.5,0.1,0.2,0.1,100,200,1,2,3,4,8.000,0x1,\r\n");
    struct result_row *rows = NULL;
    size_t n = 0;
    struct results_tail tail;
    char err[256] = "";
    assert_int_equal(results_read_tail(path, &rows, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(tail.columns, 24);
    assert_true(rows[0].m.minflt == RESULTS_NO_VALUE);
    assert_true(rows[0].m.uss_kib == RESULTS_NO_VALUE);
    assert_true(rows[0].m.pss_kib == 200);
    results_free(rows, n);
    /* A row of the new width under the old header is refused. */
    write_file(path, "run_id,started_at,host,workload,workload_params,"
                     "executor,workers,tasks,schedule,repetition,status,"
                     "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
                     "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
                     "items_per_s,checksum,error\r\n"
                     "r,2026-11-25T08:17:57Z,h,w,,fork,2,4,static,1,ok,"
                     "0.5,0.1,0.2,0.1,100,200,1,2,3,4,8.000,0x1,,1,2,3,4\r\n");
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), PB_EINVAL);
    assert_non_null(strstr(err, "the row has 28 fields, expected 24"));
    /* The header of a parbench before minflt ... uss_kib (up to steal_s)
     * reads too: the later columns are empty. */
    write_file(path,
               "run_id,started_at,host,workload,workload_params,"
               "executor,workers,tasks,schedule,repetition,status,"
               "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
               "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
               "items_per_s,checksum,error,other_cpu_s,steal_s\r\n"
               "r,2026-11-25T08:17:57Z,h,w,,fork,2,4,static,1,ok,"
               "0.5,0.1,0.2,0.1,100,200,1,2,3,4,8.000,0x1,,0.25,0.00\r\n");
    assert_int_equal(results_read_tail(path, &rows, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(tail.columns, 26);
    assert_true(rows[0].m.other_cpu_s == 0.25);
    assert_true(rows[0].m.minflt == RESULTS_NO_VALUE);
    assert_true(rows[0].m.uss_kib == RESULTS_NO_VALUE);
    assert_true(rows[0].m.cycles == RESULTS_NO_VALUE);
    assert_true(rows[0].m.instructions == RESULTS_NO_VALUE);
    assert_true(rows[0].m.cache_misses == RESULTS_NO_VALUE);
    assert_true(isnan(rows[0].m.task_clock_s));
    assert_string_equal(rows[0].executor_params, "");
    results_free(rows, n);
    /* The header of a parbench before executor_params (up to uss_kib)
     * reads too: the executor's parameters are an empty cell. */
    write_file(path, "run_id,started_at,host,workload,workload_params,"
                     "executor,workers,tasks,schedule,repetition,status,"
                     "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
                     "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
                     "items_per_s,checksum,error,other_cpu_s,steal_s,minflt,"
                     "majflt,cpu_migrations,uss_kib\r\n"
                     "r,2026-11-25T08:17:57Z,h,w,,fork,2,4,static,1,ok,"
                     "0.5,0.1,0.2,0.1,100,200,1,2,3,4,8.000,0x1,,0.25,0.00,"
                     "1,2,,4\r\n");
    assert_int_equal(results_read_tail(path, &rows, &n, &tail, err, sizeof err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(tail.columns, 30);
    assert_true(rows[0].m.other_cpu_s == 0.25);
    assert_true(rows[0].m.minflt == 1);
    assert_true(rows[0].m.cpu_migrations == RESULTS_NO_VALUE);
    assert_true(rows[0].m.uss_kib == 4);
    assert_string_equal(rows[0].executor_params, "");
    results_free(rows, n);
    /* A header that is not a prefix of the columns (minflt right after
     * error: columns are appended, never inserted) is refused. */
    write_file(path, "run_id,started_at,host,workload,workload_params,"
                     "executor,workers,tasks,schedule,repetition,status,"
                     "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
                     "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
                     "items_per_s,checksum,error,minflt,majflt\r\n");
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), PB_EINVAL);
    assert_non_null(strstr(err, "header column 25 is \"minflt\", "
                                "expected \"other_cpu_s\""));
}

static void test_bad_header(void **state) {
    const char *path = scratch_path(state);
    struct result_row *rows = (struct result_row *)1;
    size_t n = 7;
    char err[512] = "";
    char want[512];

    write_file(path, "a,b,c\r\n1,2,3\r\n");
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), PB_EINVAL);
    snprintf(want, sizeof want,
             "%s: not a parbench results file: header has 3 columns, "
             "expected 35 starting with run_id,started_at,host",
             path);
    assert_string_equal(err, want);
    assert_null(rows);
    assert_int_equal(n, 0);

    write_file(path, "run_id,started_at,hostname,workload,workload_params,"
                     "executor,workers,tasks,schedule,repetition,status,"
                     "wall_s,startup_s,user_s,sys_s,peak_rss_kib,pss_kib,"
                     "ctx_voluntary,ctx_involuntary,ipc_bytes,items,"
                     "items_per_s,checksum,error,other_cpu_s,steal_s\r\n");
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), PB_EINVAL);
    snprintf(want, sizeof want,
             "%s: not a parbench results file: header column 3 is "
             "\"hostname\", expected \"host\"",
             path);
    assert_string_equal(err, want);

    write_file(path, "");
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), PB_EINVAL);
    snprintf(want, sizeof want,
             "%s: not a parbench results file: header missing (the file is "
             "empty)",
             path);
    assert_string_equal(err, want);
}

static void test_bad_cells(void **state) {
    const char *path = scratch_path(state);
    struct result_row *rows = NULL;
    size_t n = 0;
    char err[512] = "";
    char want[512];
    const char *good = "r,t,h,w,p,e,2,8,static,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,"
                       "5,6,7.000,0x1,\r\n";
    const struct {
        const char *row;
        const char *message;
    } cases[] = {
        {"r,t,h,w,p,e,two,8,static,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column workers: \"two\" is not a non-negative integer"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0.5,0.1,0.2,0.3,-1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column peak_rss_kib: \"-1\" is not a non-negative integer"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0,5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "the row has 25 fields, expected 24"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0.5s,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column wall_s: \"0.5s\" is not a number"},
        {"r,t,h,w,p,e,2,8,guided,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column schedule: \"guided\" is not a schedule (static, dynamic)"},
        {"r,t,h,w,p,e,2,8,static,1,fine,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column status: \"fine\" is not a status (ok, failed, crashed, "
         "timeout, interrupted)"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,12,"
         "\r\n",
         "column checksum: \"12\" is not a hexadecimal checksum (0x...)"},
        {"r,t,h,w,p,e,4294967296,8,static,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,"
         "7.0,0x1,\r\n",
         "column workers: \"4294967296\" is out of range"},
        /* Several bad cells: the one the reader has always named first
         * (the cell's numbers before the schedule, the times before the
         * counters), not the leftmost. */
        {"r,t,h,w,p,e,2,8,guided,one,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\r\n",
         "column repetition: \"one\" is not a non-negative integer"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0.5,0.1,0.2,0.3,-1,2,3,4,5,6,x,0x1,"
         "\r\n",
         "column items_per_s: \"x\" is not a number"},
        {"r,t,h,w,p,e,2,8,static,1,ok,0.5,0.1,0.2,0.3,1,2,3,4,5,6,7.0,0x1,"
         "\"never closed\r\n",
         "unterminated quoted field opened on line 4 (a closing \" is "
         "missing)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        /* The bad row is on line 4: header, a good row, a blank line. */
        /* Rows of an older parbench's width, under its header (still
         * read, see test_older_header). */
        snprintf(text, sizeof text, "%s\r\n%s\r\n%s", OLD_HEADER_TEXT, good,
                 cases[i].row);
        write_file(path, text);
        assert_int_equal(results_read(path, &rows, &n, err, sizeof err),
                         PB_EINVAL);
        snprintf(want, sizeof want, "%s:4: %s", path, cases[i].message);
        assert_string_equal(err, want);
        assert_null(rows);
        assert_int_equal(n, 0);
    }

    /* The same file with the good row only reads. */
    char text[1024];
    snprintf(text, sizeof text, "%s\r\n%s", OLD_HEADER_TEXT, good);
    write_file(path, text);
    assert_int_equal(results_read(path, &rows, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].m.checksum, 1);
    assert_true(rows[0].items_per_s == 7.0);
    results_free(rows, n);
}

static void test_missing_file(void **state) {
    (void)state;
    struct result_row *rows = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(
        results_read("/nonexistent/pb/results.csv", &rows, &n, err, sizeof err),
        PB_ENOENT);
    assert_string_equal(err, "/nonexistent/pb/results.csv: cannot open: No "
                             "such file or directory");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_text),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_row_text),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_null_strings_read_empty),
        cmocka_unit_test(test_neutralised_text),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_optional_counter),
        cmocka_unit_test(test_older_header),
        cmocka_unit_test(test_torn_last_line),
        cmocka_unit_test(test_bad_cells),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
