/* SPDX-License-Identifier: MIT */
/*
 * test_perfctr.c - the counter arithmetic of run/perfctr.h: deltas,
 * scaling for multiplexing, missing values that stay missing, IPC
 * (results_ipc); and
 * the counters of this process where the kernel gives them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "results/results.h"
#include "run/perfctr.h"

static struct perfctr_reading rd(uint64_t value, uint64_t enabled,
                                 uint64_t running) {
    struct perfctr_reading r = {1, value, enabled, running};
    return r;
}

static void test_delta_plain(void **state) {
    (void)state;
    int scaled = -1;
    struct perfctr_reading a = rd(1000, 50, 50), b = rd(4500, 80, 80);
    assert_int_equal(perfctr_delta(&a, &b, &scaled), 3500);
    assert_int_equal(scaled, 0);
    /* Nothing happened but the counter ran: a true zero. */
    struct perfctr_reading c = rd(4500, 90, 90);
    assert_int_equal(perfctr_delta(&b, &c, &scaled), 0);
    assert_int_equal(scaled, 0);
}

/* The PMU was shared: the counter ran a quarter of the time it was
 * enabled, so its count is four times what it saw. */
static void test_delta_scaled(void **state) {
    (void)state;
    int scaled = 0;
    struct perfctr_reading a = rd(100, 1000, 600), b = rd(1100, 5000, 1600);
    assert_int_equal(perfctr_delta(&a, &b, &scaled), 4000);
    assert_int_equal(scaled, 1);
    /* Ran all the time in this interval, though not before: unscaled. */
    struct perfctr_reading c = rd(1600, 6000, 2600);
    assert_int_equal(perfctr_delta(&b, &c, &scaled), 500);
    assert_int_equal(scaled, 0);
    /* Rounded to the nearest count. */
    struct perfctr_reading d = rd(0, 0, 0), e = rd(10, 3, 2);
    assert_int_equal(perfctr_delta(&d, &e, &scaled), 15);
    assert_int_equal(scaled, 1);
}

/* A missing reading, a counter that went backwards, or one that never
 * ran: empty (RESULTS_NO_VALUE), never a zero. */
static void test_delta_missing(void **state) {
    (void)state;
    int scaled = 0;
    struct perfctr_reading none = {0, 0, 0, 0};
    struct perfctr_reading a = rd(100, 10, 10), b = rd(200, 20, 20);
    assert_true(perfctr_delta(&none, &b, &scaled) == RESULTS_NO_VALUE);
    assert_true(perfctr_delta(&a, &none, &scaled) == RESULTS_NO_VALUE);
    assert_true(perfctr_delta(&none, &none, &scaled) == RESULTS_NO_VALUE);
    assert_true(perfctr_delta(&b, &a, &scaled) == RESULTS_NO_VALUE);
    /* Enabled, never on the PMU: nothing to scale from. */
    struct perfctr_reading c = rd(200, 90, 20);
    assert_true(perfctr_delta(&b, &c, &scaled) == RESULTS_NO_VALUE);
    /* Not even enabled in between. */
    assert_true(perfctr_delta(&b, &b, &scaled) == RESULTS_NO_VALUE);
}

static void test_ipc(void **state) {
    (void)state;
    assert_true(fabs(results_ipc(3000, 2000) - 1.5) < 1e-12);
    assert_true(fabs(results_ipc(0, 2000)) < 1e-12);
    /* An empty cell (results_column_number: NAN) stays missing. */
    assert_true(isnan(results_ipc(NAN, 2000)));
    assert_true(isnan(results_ipc(3000, NAN)));
    assert_true(isnan(results_ipc(3000, 0)));
    /* Through the row: the cells as read back. */
    struct result_row row;
    memset(&row, 0, sizeof row);
    row.m.cycles = 4000;
    row.m.instructions = RESULTS_NO_VALUE;
    assert_true(
        isnan(results_ipc(results_column_number(&row, RESULTS_COL_instructions),
                          results_column_number(&row, RESULTS_COL_cycles))));
    row.m.instructions = 10000;
    assert_true(
        fabs(results_ipc(results_column_number(&row, RESULTS_COL_instructions),
                         results_column_number(&row, RESULTS_COL_cycles)) -
             2.5) < 1e-12);
}

/* This process's counters: each either opens and counts this process's
 * own work (task-clock grows), or is absent with a sentence that names
 * it; never both, never neither. */
static void test_open_read(void **state) {
    (void)state;
    struct perfctr_set s;
    char why[RUN_COUNTERS][PERFCTR_WHY];
    unsigned got = perfctr_open(&s, COUNTERS_BASIC, why);
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        if (got & (1u << i)) {
            assert_true(s.fd[i] >= 0);
            assert_string_equal(why[i], "");
        } else {
            assert_int_equal(s.fd[i], -1);
            assert_non_null(strstr(why[i], run_counter_names[i]));
        }
    }
    struct perfctr_reading r0[RUN_COUNTERS], r1[RUN_COUNTERS];
    perfctr_read_all(&s, r0);
    perfctr_enable(&s);
    volatile double x = 0;
    for (int i = 0; i < 3000000; i++)
        x += i;
    perfctr_disable(&s);
    perfctr_read_all(&s, r1);
    int scaled;
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        uint64_t d = perfctr_delta(&r0[i], &r1[i], &scaled);
        if (!(got & (1u << i)))
            assert_true(d == RESULTS_NO_VALUE);
        else if (i != COUNTER_CPU_MIGRATIONS && i != COUNTER_CACHE_MISSES)
            assert_true(d > 0 && d != RESULTS_NO_VALUE);
    }
    /* Counters not asked for are not opened. */
    perfctr_close(&s);
    assert_int_equal(perfctr_open(&s, 0, why), 0);
    for (unsigned i = 0; i < RUN_COUNTERS; i++)
        assert_int_equal(s.fd[i], -1);
    perfctr_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_plain),
        cmocka_unit_test(test_delta_scaled),
        cmocka_unit_test(test_delta_missing),
        cmocka_unit_test(test_ipc),
        cmocka_unit_test(test_open_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
