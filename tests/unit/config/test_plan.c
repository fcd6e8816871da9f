/* SPDX-License-Identifier: MIT */
/*
 * test_plan.c - plan expansion: workloads x executors x workers, serial only
 * at 1 worker, --only filters, and parameter errors found before running.
 * Uses the real plugins of the build (PB_PLUGIN_DIR, set by CTest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/params.h"
#include "config/plan.h"
#include "run/host.h"
#include "util/errors.h"

static char ini_path[] = "/tmp/pb-test-plan-XXXXXX";

/* Writes `body` after a [run] section naming the build's plugin dir. */
static void write_ini(const char *run_extra, const char *body) {
    const char *dir = getenv("PB_PLUGIN_DIR");
    assert_non_null(dir);
    FILE *f = fopen(ini_path, "w");
    assert_non_null(f);
    fprintf(f, "[run]\nplugin_path = %s\n%s\n%s", dir, run_extra, body);
    fclose(f);
}

static int setup(void **state) {
    (void)state;
    int fd = mkstemp(ini_path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(ini_path);
    return 0;
}

/* Loads config + plan; returns plan_build's code, err filled. */
static int build(struct config *cfg, struct plan *p, const char *only,
                 char *err, size_t errlen) {
    int rc = config_load(cfg, ini_path, NULL, 0, 4, err, errlen);
    if (rc < 0)
        return rc;
    struct only_filter f = {NULL, 0};
    if (only && (rc = only_parse(&f, only, err, errlen)) < 0)
        return rc;
    rc = plan_build(p, cfg, &f, host_init, NULL, err, errlen);
    only_free(&f);
    return rc;
}

static const char *const two_by_two = "[workload.noop]\ntasks = 3\n"
                                      "[workload.prime-count]\nlimit = 1000\n"
                                      "[executor.serial]\n[executor.pthread]\n";

static void test_expansion(void **state) {
    (void)state;
    write_ini("workers = 1, 2, ncpu", two_by_two);
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    /* 2 workloads x (serial at 1 + pthread at 1, 2, 4) */
    assert_int_equal(p.ncells, 8);
    const unsigned want_workers[] = {1, 1, 2, 4, 1, 1, 2, 4};
    const char *const want_exec[] = {"serial", "pthread", "pthread", "pthread",
                                     "serial", "pthread", "pthread", "pthread"};
    for (size_t i = 0; i < p.ncells; i++) {
        assert_int_equal(p.cells[i].workers, want_workers[i]);
        assert_string_equal(p.executors[p.cells[i].executor].name,
                            want_exec[i]);
        assert_string_equal(p.workloads[p.cells[i].workload].name,
                            i < 4 ? "noop" : "prime-count");
        assert_int_equal(p.cells[i].schedule, PB_SCHEDULE_DYNAMIC);
    }
    assert_string_equal(p.workloads[0].canonical, "tasks=3");
    assert_non_null(strstr(p.workloads[1].canonical, "limit=1000"));
    plan_free(&p);
    config_free(&cfg);
}

static void test_serial_without_one(void **state) {
    (void)state;
    write_ini("workers = 2, 3", two_by_two);
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    /* serial still gets its 1-worker baseline cell */
    assert_int_equal(p.ncells, 6);
    assert_string_equal(p.executors[p.cells[0].executor].name, "serial");
    assert_int_equal(p.cells[0].workers, 1);
    assert_int_equal(p.cells[1].workers, 2);
    assert_int_equal(p.cells[2].workers, 3);
    plan_free(&p);
    config_free(&cfg);
}

static void test_only(void **state) {
    (void)state;
    write_ini("workers = 1, 2, 4", two_by_two);
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p,
                           "workload=prime-count,executor=pthread,"
                           "workers=2,workers=4",
                           err, sizeof err),
                     0);
    assert_int_equal(p.ncells, 2);
    assert_int_equal(p.cells[0].workers, 2);
    assert_int_equal(p.cells[1].workers, 4);
    assert_string_equal(p.workloads[p.cells[1].workload].name, "prime-count");
    plan_free(&p);
    config_free(&cfg);

    assert_int_equal(build(&cfg, &p, "executor=fork", err, sizeof err),
                     PB_ECONFIG);
    assert_non_null(strstr(err, "--only matches no cell"));
    plan_free(&p);
    config_free(&cfg);
}

static void test_only_syntax(void **state) {
    (void)state;
    struct only_filter f = {NULL, 0};
    char err[512] = "";
    assert_int_equal(only_parse(&f, "workload", err, sizeof err), PB_EINVAL);
    assert_non_null(strstr(err, "is not KEY=VALUE"));
    only_free(&f);
    assert_int_equal(only_parse(&f, "worker=2", err, sizeof err), PB_EINVAL);
    assert_non_null(strstr(err, "did you mean 'workers'"));
    only_free(&f);
    assert_int_equal(
        only_parse(&f, "workers=2, schedule=static", err, sizeof err), 0);
    assert_int_equal(f.count, 2);
    assert_string_equal(f.terms[1].key, "schedule");
    assert_string_equal(f.terms[1].value, "static");
    only_free(&f);
}

static void test_schedule_per_executor(void **state) {
    (void)state;
    write_ini("workers = 2\nschedule = dynamic",
              "[workload.noop]\n[executor.pthread]\nschedule = static\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    assert_int_equal(p.ncells, 1);
    assert_int_equal(p.cells[0].schedule, PB_SCHEDULE_STATIC);
    plan_free(&p);
    config_free(&cfg);

    write_ini("", "[workload.noop]\n[executor.pthread]\nschedule = stat\n");
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), PB_ECONFIG);
    assert_non_null(strstr(err, ":6: [executor.pthread] schedule: 'stat'"));
    plan_free(&p);
    config_free(&cfg);

    /* One rule for [run] schedule and an executor's: case and blanks as
     * for every choice. */
    write_ini("workers = 2\nschedule = STATIC",
              "[workload.noop]\n[executor.pthread]\nschedule = Dynamic \n");
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    assert_int_equal(p.ncells, 1);
    assert_int_equal(p.cells[0].schedule, PB_SCHEDULE_DYNAMIC);
    plan_free(&p);
    config_free(&cfg);
}

/* The core's executor keys come from one table: each is reserved (no
 * plugin table may use it), each is parsed from the section, and
 * executor_params writes them first, in the table's order; an error names
 * the key.  A workload section does not take them. */
static void test_core_executor_keys(void **state) {
    (void)state;
    static const char *const reserved[] = {PB_RESERVED_PARAMS};
    const size_t nreserved = sizeof reserved / sizeof reserved[0];
    assert_true(plan_executor_nkeys >= 3);
    for (size_t i = 0; i < plan_executor_nkeys; i++) {
        size_t k = 0;
        while (k < nreserved &&
               strcmp(reserved[k], plan_executor_keys[i].name) != 0)
            k++;
        assert_true(k < nreserved);
    }
    write_ini("workers = 2", "[workload.noop]\n[executor.pthread]\n"
                             "affinity = none\nballast = 1MiB\n"
                             "schedule = static\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    const struct plan_instance *e = &p.executors[0];
    assert_int_equal(e->schedule, PB_SCHEDULE_STATIC);
    assert_int_equal(e->ballast, 1 << 20);
    assert_non_null(e->affinity);
    char want[256] = "";
    for (size_t i = 0; i < plan_executor_nkeys; i++) {
        char v[256];
        plan_executor_keys[i].format(e, v, sizeof v);
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s=%s",
                 i ? ";" : "", plan_executor_keys[i].name, v);
    }
    assert_string_equal(want, "schedule=static;ballast=1MiB;affinity=none");
    assert_int_equal(strncmp(e->exec_params, want, strlen(want)), 0);
    plan_free(&p);
    config_free(&cfg);

    for (size_t i = 0; i < plan_executor_nkeys; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "[workload.noop]\n[executor.pthread]\n%s = @@\n",
                 plan_executor_keys[i].name);
        write_ini("", body);
        assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), PB_ECONFIG);
        char at[300];
        snprintf(at, sizeof at, ":6: [executor.pthread] %s",
                 plan_executor_keys[i].name);
        assert_non_null(strstr(err, at));
        plan_free(&p);
        config_free(&cfg);
    }
}

static void test_param_errors_have_lines(void **state) {
    (void)state;
    write_ini("", "[workload.prime-count]\nlimit = 100\nmethod = trail\n"
                  "[executor.serial]\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), PB_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s:6: [workload.prime-count] ", ini_path);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "trial"));
    plan_free(&p);
    config_free(&cfg);
}

static void test_unknown_plugin(void **state) {
    (void)state;
    write_ini("", "[workload.noop]\n[executor.pthreads]\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), PB_ECONFIG);
    char want[600];
    snprintf(want, sizeof want, "%s:5: [executor.pthreads]", ini_path);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "pthread"));
    plan_free(&p);
    config_free(&cfg);
}

static void test_second_instance(void **state) {
    (void)state;
    write_ini("workers = 1",
              "[workload.big]\nplugin = prime-count\nlimit = 5000\n"
              "[workload.small]\nplugin = prime-count\nlimit = 50\n"
              "[executor.serial]\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    assert_int_equal(p.nworkloads, 2);
    assert_string_equal(p.workloads[0].name, "big");
    assert_string_equal(p.workloads[1].name, "small");
    assert_string_equal(p.workloads[1].plugin.desc->name, "prime-count");
    assert_non_null(strstr(p.workloads[1].canonical, "limit=50;"));
    plan_free(&p);
    config_free(&cfg);
}

/* ${server} in a string parameter: which cells use it, and the values
 * replaced while the canonical text keeps the literal. */
static void test_substitute(void **state) {
    (void)state;
    write_ini("workers = 1",
              "[workload.http-download]\n"
              "url = ${server}/bytes/1KiB?seed={task}&again=${server}\n"
              "files = 2\n"
              "[workload.noop]\n[executor.serial]\n");
    struct config cfg;
    struct plan p;
    char err[1024] = "";
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), 0);
    assert_int_equal(p.ncells, 2);
    assert_int_equal(plan_cell_uses(&p, &p.cells[0], "server"), 1);
    assert_int_equal(plan_cell_uses(&p, &p.cells[0], "serve"), 0);
    assert_int_equal(plan_cell_uses(&p, &p.cells[0], "server2"), 0);
    assert_int_equal(plan_cell_uses(&p, &p.cells[1], "server"), 0);

    assert_int_equal(
        plan_substitute(&p, "server", "http://127.0.0.1:8080", err, sizeof err),
        0);
    assert_string_equal(params_get_string(p.workloads[0].params, "url"),
                        "http://127.0.0.1:8080/bytes/1KiB?seed={task}"
                        "&again=http://127.0.0.1:8080");
    assert_non_null(strstr(p.workloads[0].canonical,
                           "url=${server}/bytes/1KiB?seed={task}"
                           "&again=${server};"));
    assert_int_equal(plan_cell_uses(&p, &p.cells[0], "server"), 0);
    /* Other strings are left alone. */
    assert_string_equal(params_get_string(p.workloads[0].params, "urls"), "");
    plan_free(&p);
    config_free(&cfg);

    /* ${server} is an address: text running into it is refused at check
     * time, not left to fail when the cell runs. */
    write_ini("", "[workload.http-download]\n"
                  "url = ${server}${server}/bytes/1\n[executor.serial]\n");
    assert_int_equal(build(&cfg, &p, NULL, err, sizeof err), PB_ECONFIG);
    assert_non_null(strstr(err, ":5: [workload.http-download] url: ${server} "
                                "stands for the built-in server's address"));
    plan_free(&p);
    config_free(&cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expansion),
        cmocka_unit_test(test_serial_without_one),
        cmocka_unit_test(test_only),
        cmocka_unit_test(test_only_syntax),
        cmocka_unit_test(test_schedule_per_executor),
        cmocka_unit_test(test_core_executor_keys),
        cmocka_unit_test(test_param_errors_have_lines),
        cmocka_unit_test(test_unknown_plugin),
        cmocka_unit_test(test_second_instance),
        cmocka_unit_test(test_substitute),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
