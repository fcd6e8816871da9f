/* SPDX-License-Identifier: MIT */
/*
 * test_procstat.c - /proc/stat parsing and the interference arithmetic,
 * against fake /proc/stat texts.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/procstat.h"

static const char before[] = "cpu  1000 10 500 8000 20 5 5 100 0 0\n"
                             "cpu0 500 5 250 4000 10 3 2 50 0 0\n"
                             "cpu1 500 5 250 4000 10 2 3 50 0 0\n"
                             "intr 12345 0 0\n";
/* 2 s later on 2 CPUs at 100 ticks/s (400 ticks): 150 user, 10 nice,
 * 40 system, 180 idle, 5 irq, 5 softirq, 10 steal. */
static const char after[] = "cpu  1150 20 540 8180 20 10 10 110 0 0\n"
                            "cpu0 575 10 270 4090 10 5 5 55 0 0\n";

static void test_parse(void **state) {
    (void)state;
    struct procstat s;
    assert_int_equal(procstat_parse(before, &s), 0);
    assert_true(s.valid);
    assert_int_equal(s.user, 1000);
    assert_int_equal(s.nice, 10);
    assert_int_equal(s.system, 500);
    assert_int_equal(s.idle, 8000);
    assert_int_equal(s.iowait, 20);
    assert_int_equal(s.irq, 5);
    assert_int_equal(s.softirq, 5);
    assert_int_equal(s.steal, 100);
    assert_int_equal(procstat_busy(&s), 1520);
    /* Old kernels: four fields at least. */
    assert_int_equal(procstat_parse("cpu 1 2 3 4\n", &s), 0);
    assert_int_equal(s.steal, 0);
    /* The cpu line need not come first; "cpu0" is not it. */
    assert_int_equal(procstat_parse("x 1\ncpu0 1 2 3 4\ncpu  5 6 7 8\n", &s),
                     0);
    assert_int_equal(s.user, 5);
    assert_int_equal(procstat_parse("cpu0 1 2 3 4\n", &s), -1);
    assert_false(s.valid);
    assert_int_equal(procstat_parse("cpu  1 2\n", &s), -1);
    assert_int_equal(procstat_parse("", &s), -1);
}

static void test_interference(void **state) {
    (void)state;
    struct procstat a, b;
    procstat_parse(before, &a);
    procstat_parse(after, &b);
    double other, steal;
    /* Busy 150 + 10 + 40 + 5 + 5 = 210 ticks = 2.1 s; the cell used 1.5 s
     * of it. */
    procstat_interference(&a, &b, 100, 1.5, &other, &steal);
    assert_true(fabs(other - 0.6) < 1e-9);
    assert_true(fabs(steal - 0.1) < 1e-9);
    /* The cell's own time measured above the ticks: never below 0. */
    procstat_interference(&a, &b, 100, 2.5, &other, &steal);
    assert_true(other == 0.0);
    /* Another tick rate. */
    procstat_interference(&a, &b, 1000, 0.0, &other, &steal);
    assert_true(fabs(other - 0.21) < 1e-9);
    /* Not read, or backwards: not a number. */
    struct procstat none = {0};
    procstat_interference(&none, &b, 100, 0, &other, &steal);
    assert_true(isnan(other) && isnan(steal));
    procstat_interference(&b, &a, 100, 0, &other, &steal);
    assert_true(isnan(other) && isnan(steal));
}

static void test_read(void **state) {
    (void)state;
    char path[] = "/tmp/pb_test_procstat_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, before, sizeof before - 1),
                     (ssize_t)(sizeof before - 1));
    close(fd);
    struct procstat s;
    assert_int_equal(procstat_read(path, &s), 0);
    assert_int_equal(s.steal, 100);
    unlink(path);
    assert_int_equal(procstat_read(path, &s), -1);
    assert_false(s.valid);
    /* The real one, where there is one. */
    if (access("/proc/stat", R_OK) == 0) {
        assert_int_equal(procstat_read(NULL, &s), 0);
        assert_true(s.valid);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_interference),
        cmocka_unit_test(test_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
