/* SPDX-License-Identifier: MIT */
/*
 * test_worker_proc.c - what a forked worker says of a start record it
 * cannot run (worker_proc_job, forkserver's workers): the same words as a
 * spawned worker's (check_start), and nothing made before the record is
 * checked (no workload needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <parbench/worker.h>

#include "run/worker_proc.h"

/* A record a worker can run: worker 0 of 2, static schedule, 4 tasks. */
static struct pb_worker_start good(void) {
    struct pb_worker_start st;
    memset(&st, 0, sizeof st);
    st.magic = PB_WORKER_MAGIC;
    st.worker = 0;
    st.workers = 2;
    st.schedule = PB_SCHEDULE_STATIC;
    st.tasks = 4;
    return st;
}

/* worker_proc_job refuses `st` (no workload, no shared page) with
 * exactly the words `says`. */
static void refused(struct pb_worker_start st, const char *says) {
    char err[256] = "";
    assert_null(worker_proc_job(&st, NULL, -1, err, sizeof err));
    assert_string_equal(err, says);
}

static void test_bad_magic(void **state) {
    (void)state;
    struct pb_worker_start st = good();
    st.magic ^= 1;
    refused(st, "not a start record (its magic is wrong)");
}

static void test_out_of_range(void **state) {
    (void)state;
    struct pb_worker_start st = good();
    st.worker = 3;
    refused(st, "start record: worker 3 of 2, schedule 0");
    st = good();
    st.workers = 0;
    refused(st, "start record: worker 0 of 0, schedule 0");
    st = good();
    st.schedule = 7;
    refused(st, "start record: worker 0 of 2, schedule 7");
}

static void test_dynamic_needs_the_shared_page(void **state) {
    (void)state;
    struct pb_worker_start st = good();
    st.schedule = PB_SCHEDULE_DYNAMIC;
    refused(st, "dynamic schedule without the job's shared page: no way to "
                "claim a task");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_dynamic_needs_the_shared_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
