/* SPDX-License-Identifier: MIT */
/*
 * test_meta.c - the run-metadata sidecar: the effective config text, the
 * entry written before and rewritten after a run, appending with
 * --resume, and a damaged sidecar refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "results/meta.h"
#include "util/errors.h"

struct fixture {
    char dir[64];
    char ini[128], csv[128], side[160];
    struct config cfg;
    struct meta_invocation o;
    struct cfg_override sets[2];
};

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    if (buf != NULL)
        buf[fread(buf, 1, (1 << 16) - 1, f)] = '\0';
    fclose(f);
    return buf;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static int setup(void **state) {
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/pb_test_meta_XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->ini, sizeof fx->ini, "%s/t.ini", fx->dir);
    snprintf(fx->csv, sizeof fx->csv, "%s/r.csv", fx->dir);
    snprintf(fx->side, sizeof fx->side, "%s/r.csv.meta.json", fx->dir);
    FILE *f = fopen(fx->ini, "w");
    if (f == NULL)
        return -1;
    fputs("; comment \"quoted\"\n[run]\nrepetitions = 3\n\n"
          "[workload.small]\nplugin = prime-count\nlimit = 1000\n"
          "[executor.pthread]\n",
          f);
    fclose(f);
    fx->sets[0].text = "run.repetitions=1";
    fx->sets[1].text = "workload.small.tasks=4";
    char err[512];
    if (config_load(&fx->cfg, fx->ini, fx->sets, 2, 2, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    fx->o.config_path = fx->ini;
    fx->o.sets = fx->sets;
    fx->o.nsets = 2;
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    struct fixture *fx = *state;
    config_free(&fx->cfg);
    unlink(fx->ini);
    unlink(fx->csv);
    unlink(fx->side);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static struct meta_run run_of(struct fixture *fx, const char *id) {
    struct meta_run r = {id,     "2026-11-25T08:00:00Z",
                         NULL,   -1,
                         0,      fx->csv,
                         2,      &fx->cfg,
                         &fx->o, NULL,
                         0,      NULL,
                         NULL,   0,
                         0,      {NULL}};
    return r;
}

static void test_config_text(void **state) {
    struct fixture *fx = *state;
    char *text = meta_config_text(&fx->cfg);
    assert_non_null(text);
    /* Overrides applied (the repetitions replaced, tasks added), the
     * plugin kept, comments gone. */
    assert_string_equal(text, "[run]\nrepetitions = 1\n\n"
                              "[workload.small]\nplugin = prime-count\n"
                              "limit = 1000\ntasks = 4\n\n"
                              "[executor.pthread]\n");
    free(text);
}

static void test_begin_end_append(void **state) {
    struct fixture *fx = *state;
    char err[512] = "";
    struct meta m;
    assert_int_equal(meta_prepare(&m, fx->csv, 0, err, sizeof err), 0);
    assert_string_equal(m.path, fx->side);
    struct meta_run r = run_of(fx, "run-1");
    assert_int_equal(meta_begin(&m, &r, err, sizeof err), 0);
    char *text = slurp(fx->side);
    assert_non_null(text);
    assert_true(strncmp(text, "{\n  \"format\": \"parbench-meta\",", 30) == 0);
    assert_non_null(strstr(text, "\"ended_at\": null,"));
    assert_non_null(strstr(text, "\"exit_status\": null,"));
    /* The file's text, escaped: quotes and newlines. */
    assert_non_null(
        strstr(text, "\"file_text\": \"; comment \\\"quoted\\\"\\n[run]\\n"));
    assert_non_null(strstr(text, "\"set\": [\"run.repetitions=1\", "
                                 "\"workload.small.tasks=4\"]"));
    free(text);

    r.ended_at = "2026-11-25T08:01:00Z";
    r.exit_status = 1;
    assert_int_equal(meta_end(&m, &r, err, sizeof err), 0);
    meta_free(&m);
    text = slurp(fx->side);
    assert_non_null(text);
    assert_int_equal(count(text, "\"run_id\""), 1);
    assert_non_null(strstr(text, "\"ended_at\": \"2026-11-25T08:01:00Z\""));
    assert_non_null(strstr(text, "\"exit_status\": 1,"));
    assert_string_equal(text + strlen(text) - 7, "\n  ]\n}\n");
    free(text);

    /* --resume: a second entry after the first. */
    assert_int_equal(meta_prepare(&m, fx->csv, 1, err, sizeof err), 0);
    assert_int_equal(m.append, 1);
    r = run_of(fx, "run-2");
    assert_int_equal(meta_begin(&m, &r, err, sizeof err), 0);
    r.ended_at = "2026-11-25T08:02:00Z";
    r.exit_status = 0;
    assert_int_equal(meta_end(&m, &r, err, sizeof err), 0);
    meta_free(&m);
    text = slurp(fx->side);
    assert_non_null(text);
    assert_int_equal(count(text, "\"run_id\""), 2);
    char *one = strstr(text, "\"run-1\""), *two = strstr(text, "\"run-2\"");
    assert_true(one != NULL && two != NULL && one < two);
    assert_non_null(strstr(text, "\n    },\n    {\n      \"run_id\": "
                                 "\"run-2\""));
    assert_string_equal(text + strlen(text) - 7, "\n  ]\n}\n");
    free(text);
}

/* The hosts that ran ranks: each once (meta_host_add), with CPU model and
 * core count; none: an empty list. */
static void test_process_hosts(void **state) {
    struct fixture *fx = *state;
    struct meta_host hosts[3];
    size_t n = 0;
    struct meta_host a = {"node-a", "Model A", 8}, b = {"node-b", "", 0};
    assert_int_equal(meta_host_add(hosts, &n, 3, &a), 1);
    assert_int_equal(meta_host_add(hosts, &n, 3, &a), 0);
    assert_int_equal(meta_host_add(hosts, &n, 3, &b), 1);
    assert_int_equal(meta_host_add(hosts, &n, 3, &a), 0);
    assert_int_equal(n, 2);
    struct meta_run r = run_of(fx, "run-h");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(meta_write_entry(f, &r), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"process_hosts\": []"));
    free(buf);
    r.hosts = hosts;
    r.nhosts = n;
    f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(meta_write_entry(f, &r), 0);
    fclose(f);
    assert_non_null(strstr(buf, "{\"name\": \"node-a\", \"cpu_model\": "
                                "\"Model A\", \"cores\": 8}"));
    assert_non_null(strstr(buf, "{\"name\": \"node-b\", \"cpu_model\": "
                                "null, \"cores\": null}"));
    assert_int_equal(count(buf, "\"name\": \"node-a\""), 1);
    free(buf);
}

/* [run] counters as the run found them: counted, or empty and why. */
static void test_counters(void **state) {
    struct fixture *fx = *state;
    struct meta_run r = run_of(fx, "run-c");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(meta_write_entry(f, &r), 0);
    fclose(f);
    /* Not probed (a run that never got that far): null, not "counted". */
    assert_non_null(strstr(text, "\"counters\": null"));
    free(text);

    r.counters_probed = 1;
    r.counters_why[COUNTER_CYCLES] = "perf_event_open(cycles): No such "
                                     "file or directory";
    r.counters_why[COUNTER_CPU_MIGRATIONS] = "[run] counters = off";
    f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(meta_write_entry(f, &r), 0);
    fclose(f);
    assert_non_null(strstr(text, "\"cycles\": {\"counted\": false, "
                                 "\"why_empty\": \"perf_event_open(cycles): "
                                 "No such file or directory\"}"));
    assert_non_null(strstr(text, "\"instructions\": {\"counted\": true, "
                                 "\"why_empty\": null}"));
    assert_non_null(strstr(text, "\"task_clock\": {\"counted\": true"));
    assert_non_null(strstr(text, "\"cpu_migrations\": {\"counted\": false, "
                                 "\"why_empty\": \"[run] counters = off\"}"));
    free(text);
}

static void test_damaged_refused(void **state) {
    struct fixture *fx = *state;
    FILE *f = fopen(fx->side, "w");
    assert_non_null(f);
    fputs("{\n  \"format\": \"parbench-meta\",\n  \"format_version\": 1,\n"
          "  \"runs\": [\n    {\"cut\": ",
          f);
    fclose(f);
    char err[512] = "";
    struct meta m;
    assert_int_equal(meta_prepare(&m, fx->csv, 1, err, sizeof err), PB_EINVAL);
    assert_non_null(strstr(err, "r.csv.meta.json is not a run-metadata file"));
    meta_free(&m);
    /* Without --resume the same file is simply replaced. */
    assert_int_equal(meta_prepare(&m, fx->csv, 0, err, sizeof err), 0);
    assert_int_equal(m.append, 0);
    meta_free(&m);
}

/* A rewrite that fails half-way (here the file-size limit, as a runner
 * killed while writing would stop) leaves the sidecar as it was: whole,
 * so that --resume still appends to it.  It was rewritten in place, and
 * a runner killed with SIGKILL in the middle left a file cut short that
 * --resume then refused (e2e_resume_random under TSan). */
static void test_rewrite_fails_whole(void **state) {
    struct fixture *fx = *state;
    char err[512] = "";
    struct meta m;
    assert_int_equal(meta_prepare(&m, fx->csv, 0, err, sizeof err), 0);
    struct meta_run r = run_of(fx, "run-1");
    assert_int_equal(meta_begin(&m, &r, err, sizeof err), 0);
    r.ended_at = "2026-11-25T08:01:00Z";
    r.exit_status = 0;
    assert_int_equal(meta_end(&m, &r, err, sizeof err), 0);
    meta_free(&m);
    char *before = slurp(fx->side);
    assert_non_null(before);

    /* Room for the first run and a few bytes more: a second entry
     * cannot be written whole. */
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)strlen(before) + 64;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(meta_prepare(&m, fx->csv, 1, err, sizeof err), 0);
    r = run_of(fx, "run-2");
    int rc = meta_begin(&m, &r, err, sizeof err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    meta_free(&m);
    assert_int_equal(rc, PB_EIO);
    assert_non_null(strstr(err, "cannot write the run metadata"));

    char *after = slurp(fx->side);
    assert_non_null(after);
    assert_string_equal(after, before);
    free(after);
    free(before);
    assert_int_equal(meta_prepare(&m, fx->csv, 1, err, sizeof err), 0);
    assert_int_equal(m.append, 1);
    meta_free(&m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_text),
        cmocka_unit_test(test_begin_end_append),
        cmocka_unit_test(test_damaged_refused),
        cmocka_unit_test(test_rewrite_fails_whole),
        cmocka_unit_test(test_process_hosts),
        cmocka_unit_test(test_counters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
